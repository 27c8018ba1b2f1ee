//! The local upload journal that makes uploads resumable.
//!
//! Fragments are sealed with random nonces, so a re-run can only skip what is already stored if
//! it reuses the same data key: the journal keeps the envelope (capsule and encrypted data key;
//! the data key itself is re-opened with the owner's delegating key, never written down) and,
//! per finished fragment, its plaintext size, plaintext hash and ciphertext hash.
//!
//! It lives on the owner's machine, never in storage: plaintext hashes would let the storage
//! provider confirm guesses about the data. Layout:
//!
//! ```text
//! <journal dir>/<sha256(canonical input path), 32 hex>/<asset-id>.jsonl
//! ```
//!
//! One JSON object per line: a `header` (input path, asset id, storage description, fragment
//! size, envelope, delegating public key), then a `fragment` line per stored fragment, appended
//! as each put succeeds, and a `complete` line with the root when the manifest is stored. A
//! torn last line (a crash mid-write) is ignored. A re-run skips fragment `i` only if its
//! plaintext hash and size match the journal and the stored object's bytes hash to the
//! journal's ciphertext hash; anything else is sealed again (fresh nonce) and put again.
//!
//! Streams (standard input) have no path and no journal: they cannot be resumed.

use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use twinshare_crypto::{Capsule, Codec, Envelope};

use crate::error::{Error, Result};
use crate::layout::AssetId;

/// The journal format this build writes and reads.
pub const JOURNAL_VERSION: u64 = 1;

type Hash = [u8; 32];

mod hex32 {
    use serde::{de::Error as _, Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &[u8; 32], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&hex::encode(v))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<[u8; 32], D::Error> {
        let bytes = hex::decode(String::deserialize(d)?).map_err(D::Error::custom)?;
        bytes
            .try_into()
            .map_err(|_| D::Error::custom("expected 32 bytes"))
    }
}

/// The first line of a journal.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct JournalHeader {
    pub version: u64,
    /// The canonical input path.
    pub input: String,
    pub asset_id: String,
    /// [`crate::storage::StorageConfig::describe`] of the backend (no secrets).
    pub storage: String,
    pub fragment_size: u64,
    /// The envelope's capsule, hex.
    pub capsule: String,
    /// The data key under the capsule, hex.
    pub encrypted_key: String,
    /// The asset's delegating public key, hex: a journal of another owner key is not reused.
    pub delegating_public_key: String,
}

/// One stored fragment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FragmentRecord {
    pub index: u64,
    /// Plaintext size.
    pub size: u64,
    #[serde(with = "hex32")]
    pub plaintext_hash: Hash,
    #[serde(with = "hex32")]
    pub ciphertext_hash: Hash,
}

#[derive(Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum Line {
    Header(JournalHeader),
    Fragment(FragmentRecord),
    Complete {
        #[serde(with = "hex32")]
        root: Hash,
    },
}

/// Where journals are kept.
#[derive(Clone, Debug)]
pub struct JournalStore {
    dir: PathBuf,
}

/// An open journal: its header, the fragments recorded so far, and the file to append to.
#[derive(Debug)]
pub struct Journal {
    path: PathBuf,
    header: JournalHeader,
    records: BTreeMap<u64, FragmentRecord>,
    complete: Option<Hash>,
    file: File,
}

fn journal_err(path: &Path, reason: impl Into<String>) -> Error {
    Error::Journal {
        path: path.to_path_buf(),
        reason: reason.into(),
    }
}

impl JournalStore {
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The folder of one canonical input path's journals.
    fn folder(&self, canonical_input: &Path) -> PathBuf {
        let digest = Sha256::digest(canonical_input.as_os_str().as_encoded_bytes());
        self.dir.join(&hex::encode(digest)[..32])
    }

    fn path_of(&self, canonical_input: &Path, asset: &AssetId) -> PathBuf {
        self.folder(canonical_input)
            .join(format!("{}.jsonl", asset.as_str()))
    }

    /// The journal of this input and asset, if there is one (complete or not).
    pub fn open(&self, canonical_input: &Path, asset: &AssetId) -> Result<Option<Journal>> {
        let path = self.path_of(canonical_input, asset);
        if !path.exists() {
            return Ok(None);
        }
        let journal = Journal::load(&path)?;
        if journal.header.input != canonical_input.to_string_lossy() {
            return Ok(None);
        }
        Ok(Some(journal))
    }

    /// The most recently written unfinished journal of this input on this backend, for a
    /// re-run that names no asset id.
    pub fn find_incomplete(
        &self,
        canonical_input: &Path,
        storage: &str,
    ) -> Result<Option<Journal>> {
        let folder = self.folder(canonical_input);
        let entries = match std::fs::read_dir(&folder) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(journal_err(&folder, e.to_string())),
        };
        let mut best: Option<(std::time::SystemTime, Journal)> = None;
        for entry in entries.flatten() {
            let path = entry.path();
            if path.extension().and_then(|e| e.to_str()) != Some("jsonl") {
                continue;
            }
            let journal = match Journal::load(&path) {
                Ok(j) => j,
                Err(e) => {
                    tracing::warn!("ignoring unreadable upload journal: {e}");
                    continue;
                }
            };
            if journal.complete.is_some()
                || journal.header.storage != storage
                || journal.header.input != canonical_input.to_string_lossy()
            {
                continue;
            }
            let modified = entry
                .metadata()
                .and_then(|m| m.modified())
                .unwrap_or(std::time::UNIX_EPOCH);
            if best.as_ref().is_none_or(|(t, _)| modified > *t) {
                best = Some((modified, journal));
            }
        }
        Ok(best.map(|(_, j)| j))
    }

    /// Starts a new journal (replacing any old one of the same input and asset); the header is
    /// on disk (fsynced) before this returns, i.e. before any fragment is put.
    pub fn create(
        &self,
        canonical_input: &Path,
        asset: &AssetId,
        header: JournalHeader,
    ) -> Result<Journal> {
        let path = self.path_of(canonical_input, asset);
        Journal::write_new(path, header, BTreeMap::new())
    }
}

impl Journal {
    fn load(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| journal_err(path, e.to_string()))?;
        let mut lines = text.lines();
        let first = lines.next().ok_or_else(|| journal_err(path, "empty"))?;
        let header = match serde_json::from_str::<Line>(first) {
            Ok(Line::Header(h)) => h,
            Ok(_) => return Err(journal_err(path, "the first line is not a header")),
            Err(e) => return Err(journal_err(path, format!("header: {e}"))),
        };
        if header.version != JOURNAL_VERSION {
            return Err(journal_err(
                path,
                format!("unknown journal version {}", header.version),
            ));
        }
        let mut records = BTreeMap::new();
        let mut complete = None;
        for line in lines {
            match serde_json::from_str::<Line>(line) {
                Ok(Line::Fragment(r)) => {
                    records.insert(r.index, r);
                    complete = None;
                }
                Ok(Line::Complete { root }) => complete = Some(root),
                Ok(Line::Header(_)) => return Err(journal_err(path, "a second header")),
                // A torn line from a crash mid-append: everything before it stands.
                Err(_) => tracing::debug!("ignoring a torn line in {}", path.display()),
            }
        }
        let mut file = OpenOptions::new()
            .append(true)
            .open(path)
            .map_err(|e| journal_err(path, e.to_string()))?;
        if !text.ends_with('\n') {
            // End the torn line, so that the next append starts a line of its own.
            file.write_all(b"\n")
                .map_err(|e| journal_err(path, e.to_string()))?;
        }
        Ok(Self {
            path: path.to_path_buf(),
            header,
            records,
            complete,
            file,
        })
    }

    /// Writes header and records to a temporary file, syncs it and renames it into place.
    fn write_new(
        path: PathBuf,
        header: JournalHeader,
        records: BTreeMap<u64, FragmentRecord>,
    ) -> Result<Self> {
        let folder = path
            .parent()
            .ok_or_else(|| journal_err(&path, "no parent folder"))?;
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::DirBuilderExt;
            builder.mode(0o700);
        }
        builder
            .create(folder)
            .map_err(|e| journal_err(folder, e.to_string()))?;
        let mut text = to_line(&Line::Header(header.clone()))?;
        for r in records.values() {
            text.push_str(&to_line(&Line::Fragment(*r))?);
        }
        let tmp = path.with_extension("jsonl.tmp");
        let mut options = OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let io = |e: std::io::Error| journal_err(&path, e.to_string());
        let mut f = options.open(&tmp).map_err(io)?;
        f.write_all(text.as_bytes()).map_err(io)?;
        f.sync_all().map_err(io)?;
        drop(f);
        std::fs::rename(&tmp, &path).map_err(io)?;
        let file = OpenOptions::new().append(true).open(&path).map_err(io)?;
        Ok(Self {
            path,
            header,
            records,
            complete: None,
            file,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn header(&self) -> &JournalHeader {
        &self.header
    }

    pub fn record_of(&self, index: u64) -> Option<&FragmentRecord> {
        self.records.get(&index)
    }

    pub fn records(&self) -> impl Iterator<Item = &FragmentRecord> {
        self.records.values()
    }

    pub fn is_complete(&self) -> bool {
        self.complete.is_some()
    }

    /// The envelope recorded in the header.
    pub fn envelope(&self) -> Result<Envelope> {
        let capsule = Capsule::from_hex(&self.header.capsule)
            .map_err(|e| journal_err(&self.path, e.to_string()))?;
        let encrypted_key = hex::decode(&self.header.encrypted_key)
            .map_err(|e| journal_err(&self.path, e.to_string()))?;
        Ok(Envelope {
            capsule,
            encrypted_key,
        })
    }

    /// Starts this journal over for a run with another header (another fragment size or
    /// backend): keeps the envelope, drops records that no longer apply.
    pub fn rewrite(self, header: JournalHeader, keep_records: bool) -> Result<Self> {
        let records = if keep_records {
            self.records
        } else {
            BTreeMap::new()
        };
        let path = self.path;
        drop(self.file);
        Self::write_new(path, header, records)
    }

    /// Appends one stored fragment.
    pub fn record(&mut self, record: FragmentRecord) -> Result<()> {
        let line = to_line(&Line::Fragment(record))?;
        self.file
            .write_all(line.as_bytes())
            .map_err(|e| journal_err(&self.path, e.to_string()))?;
        self.records.insert(record.index, record);
        self.complete = None;
        Ok(())
    }

    /// Forgets fragments from `count` on (the input shrank); returns their indices.
    pub fn truncate(&mut self, count: u64) -> Vec<u64> {
        let stale: Vec<u64> = self.records.range(count..).map(|(i, _)| *i).collect();
        for i in &stale {
            self.records.remove(i);
        }
        stale
    }

    /// Marks the upload finished (the manifest is stored) and syncs the file.
    pub fn complete(&mut self, root: Hash) -> Result<()> {
        let line = to_line(&Line::Complete { root })?;
        let io = |e: std::io::Error| journal_err(&self.path, e.to_string());
        self.file.write_all(line.as_bytes()).map_err(io)?;
        self.file.sync_all().map_err(io)?;
        self.complete = Some(root);
        Ok(())
    }
}

fn to_line(line: &Line) -> Result<String> {
    let mut s = serde_json::to_string(line).map_err(|e| Error::Journal {
        path: PathBuf::new(),
        reason: e.to_string(),
    })?;
    s.push('\n');
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(input: &str, asset: &str) -> JournalHeader {
        JournalHeader {
            version: JOURNAL_VERSION,
            input: input.into(),
            asset_id: asset.into(),
            storage: "memory".into(),
            fragment_size: 4,
            capsule: "00".into(),
            encrypted_key: "00".into(),
            delegating_public_key: "00".into(),
        }
    }

    fn rec(index: u64) -> FragmentRecord {
        FragmentRecord {
            index,
            size: 4,
            plaintext_hash: [index as u8; 32],
            ciphertext_hash: [index as u8 + 100; 32],
        }
    }

    #[test]
    fn records_survive_reopen_and_torn_lines() {
        let dir = tempfile::tempdir().unwrap();
        let store = JournalStore::new(dir.path());
        let input = Path::new("/data/in.bin");
        let asset = AssetId::new("a1").unwrap();
        let mut j = store
            .create(input, &asset, header("/data/in.bin", "a1"))
            .unwrap();
        j.record(rec(0)).unwrap();
        j.record(rec(2)).unwrap();
        // A crash mid-append.
        j.file.write_all(b"{\"kind\":\"fragm").unwrap();
        let path = j.path().to_path_buf();
        drop(j);

        let j = store.open(input, &asset).unwrap().unwrap();
        assert_eq!(j.path(), path);
        assert_eq!(j.record_of(0), Some(&rec(0)));
        assert_eq!(j.record_of(1), None);
        assert_eq!(j.record_of(2), Some(&rec(2)));
        assert!(!j.is_complete());
        let found = store.find_incomplete(input, "memory").unwrap().unwrap();
        assert_eq!(found.header().asset_id, "a1");
        assert!(store.find_incomplete(input, "fs").unwrap().is_none());
        assert!(store
            .find_incomplete(Path::new("/other"), "memory")
            .unwrap()
            .is_none());

        let mut j = store.open(input, &asset).unwrap().unwrap();
        assert_eq!(j.truncate(1), vec![2]);
        j.complete([7; 32]).unwrap();
        drop(j);
        // The torn line is followed by later lines; those still count.
        let j = store.open(input, &asset).unwrap().unwrap();
        assert!(j.is_complete());
        assert!(store.find_incomplete(input, "memory").unwrap().is_none());

        let j = j.rewrite(header("/data/in.bin", "a1"), false).unwrap();
        assert_eq!(j.records().count(), 0);
        assert!(!j.is_complete());
    }
}
