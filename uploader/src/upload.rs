//! Upload: cut the input into fragments, seal and hash them on the blocking pool (all cores),
//! put them, then store the manifest.
//!
//! The pipeline is bounded: one task reads fragment after fragment; each fragment becomes a
//! job (seal + hash on `spawn_blocking`, then one put); at most [`UploadOptions::in_flight`]
//! jobs exist at once, and reading waits while they are all busy. Memory therefore stays
//! near `in_flight x 3 x fragment_size` (plaintext, AEAD output, sealed copy), whatever the
//! input size; the default `in_flight` keeps that under 128 MiB.
//!
//! Inputs:
//! - a file: one asset; resumable through the local [`crate::journal`];
//! - a folder: every regular file under it (recursively, symbolic links not followed, empty
//!   files skipped) becomes its own asset with its own random id, in sorted path order, one
//!   report each; each file is resumable like a single file;
//! - a stream (standard input): one asset, not resumable (no path to key a journal by).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use futures::TryStreamExt;
use opendal::Operator;
use serde::Serialize;
use tokio::io::{AsyncRead, AsyncReadExt};
use twinshare_crypto::envelope::{ciphertext_hash, plaintext_hash};
use twinshare_crypto::{
    encrypt_fragment, Codec, DataKey, Envelope, EnvelopeId, Manifest, ManifestBuilder, MasterKey,
    PublicKey, SealedFragment,
};

use crate::error::{Error, Result};
use crate::journal::{FragmentRecord, Journal, JournalHeader, JournalStore, JOURNAL_VERSION};
use crate::layout::AssetId;
use crate::progress::Progress;
use crate::storage::{self, read_optional};

/// 4 MiB.
pub const DEFAULT_FRAGMENT_SIZE: usize = 4 << 20;
/// 1 GiB: larger fragments would defeat bounded memory.
pub const MAX_FRAGMENT_SIZE: usize = 1 << 30;

/// Memory the fragments in flight may take by default: each holds its plaintext, the AEAD
/// output and the sealed copy (about 3 x the fragment size) at its peak.
pub const IN_FLIGHT_MEMORY: usize = 128 << 20;

/// Two fragments per core (one sealing, one waiting on storage), but no more than
/// [`IN_FLIGHT_MEMORY`] allows for this fragment size: peak memory stays bounded on any
/// machine, whatever the input size.
pub fn default_in_flight(fragment_size: usize) -> usize {
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    let by_memory = IN_FLIGHT_MEMORY / fragment_size.saturating_mul(3).max(1);
    (cores * 2).min(by_memory).clamp(2, 64)
}

/// How an upload runs.
#[derive(Clone, Debug)]
pub struct UploadOptions {
    /// Plaintext bytes per fragment (the last one may be shorter).
    pub fragment_size: usize,
    /// Fragments being sealed or stored at once: bounds memory and parallelism.
    pub in_flight: usize,
    /// Where upload journals live; `None` disables resuming.
    pub journal: Option<JournalStore>,
    /// The backend's description ([`crate::storage::StorageConfig::describe`]): a journal is
    /// resumed without an explicit asset id only on the backend it was written for.
    pub storage_label: String,
}

impl Default for UploadOptions {
    fn default() -> Self {
        Self {
            fragment_size: DEFAULT_FRAGMENT_SIZE,
            in_flight: default_in_flight(DEFAULT_FRAGMENT_SIZE),
            journal: None,
            storage_label: String::new(),
        }
    }
}

/// What one uploaded asset gives: the manifest locator and the root to register on chain.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct UploadReport {
    /// The input as given (`-` for standard input).
    pub input: String,
    pub asset_id: String,
    /// The manifest's object name, e.g. `assets/<id>/manifest.json`.
    pub manifest: String,
    /// The Merkle root over the plaintext fragment hashes, hex: what gets registered on chain.
    pub root: String,
    /// Plaintext bytes.
    pub size: u64,
    pub fragments: u64,
    /// Fragments sealed and put by this run.
    pub fragments_stored: u64,
    /// Fragments found already stored with the journal's hash (a resumed upload).
    pub fragments_skipped: u64,
    /// Whether an upload journal was resumed.
    pub resumed: bool,
    /// Plaintext fragment hashes (Merkle leaf values), for inclusion proofs; not printed.
    #[serde(skip)]
    pub plaintext_hashes: Vec<[u8; 32]>,
}

/// Seals and stores inputs for one owner key on one backend.
pub struct Uploader {
    op: Operator,
    master: MasterKey,
    options: UploadOptions,
}

/// Everything the jobs of one asset share.
struct Job {
    op: Operator,
    asset: AssetId,
    key: DataKey,
    id: EnvelopeId,
    /// The journal's records when this run started.
    recorded: BTreeMap<u64, FragmentRecord>,
    /// See [`Plan::frozen`].
    frozen: bool,
}

/// A finished fragment.
struct Done {
    index: u64,
    size: u64,
    plaintext_hash: [u8; 32],
    ciphertext_hash: [u8; 32],
    stored: bool,
}

/// The envelope and journal an upload runs with.
struct Plan {
    asset: AssetId,
    envelope: Envelope,
    key: DataKey,
    journal: Option<Journal>,
    resumed: bool,
    /// The asset's manifest is already stored (a re-run of a finished upload): fragments may
    /// be repaired, never changed.
    frozen: bool,
}

impl Uploader {
    pub fn new(op: Operator, master: MasterKey, options: UploadOptions) -> Result<Self> {
        if options.fragment_size == 0 || options.fragment_size > MAX_FRAGMENT_SIZE {
            return Err(Error::InvalidFragmentSize {
                size: options.fragment_size as u64,
            });
        }
        Ok(Self {
            op,
            master,
            options: UploadOptions {
                in_flight: options.in_flight.max(1),
                ..options
            },
        })
    }

    pub fn operator(&self) -> &Operator {
        &self.op
    }

    pub fn options(&self) -> &UploadOptions {
        &self.options
    }

    /// Uploads a file (one asset) or a folder (one asset per regular file, sorted);
    /// `on_asset` sees each report as soon as its asset is stored. An asset id is accepted
    /// for a file only.
    pub async fn upload_path(
        &self,
        path: &Path,
        asset: Option<AssetId>,
        progress: &dyn Progress,
        mut on_asset: impl FnMut(&UploadReport),
    ) -> Result<Vec<UploadReport>> {
        let meta = input_metadata(path).await?;
        if !meta.is_dir() {
            let report = self.upload_file(path, asset, progress).await?;
            on_asset(&report);
            return Ok(vec![report]);
        }
        if asset.is_some() {
            return Err(Error::AssetIdForFolder {
                path: path.to_path_buf(),
            });
        }
        let root = path.to_path_buf();
        let files = tokio::task::spawn_blocking(move || walk(&root)).await??;
        let mut reports = Vec::new();
        for file in files {
            match file {
                Walked::File(file) => {
                    let report = match self.upload_file(&file, None, progress).await {
                        Err(Error::EmptyInput { input }) => {
                            progress.note(&format!("skipping empty file {input}"));
                            continue;
                        }
                        other => other?,
                    };
                    on_asset(&report);
                    reports.push(report);
                }
                Walked::Skipped(p) => {
                    progress.note(&format!("skipping {} (not a regular file)", p.display()))
                }
            }
        }
        Ok(reports)
    }

    /// Uploads one file as one asset, resuming its journal when there is one.
    pub async fn upload_file(
        &self,
        path: &Path,
        asset: Option<AssetId>,
        progress: &dyn Progress,
    ) -> Result<UploadReport> {
        let meta = input_metadata(path).await?;
        if meta.is_dir() {
            return Err(Error::InputUnreadable {
                path: path.to_path_buf(),
                source: std::io::Error::other("is a folder; upload it as a folder"),
            });
        }
        let unreadable = |source| Error::InputUnreadable {
            path: path.to_path_buf(),
            source,
        };
        let canonical = tokio::fs::canonicalize(path).await.map_err(unreadable)?;
        let mut file = tokio::fs::File::open(path).await.map_err(unreadable)?;
        file.set_max_buf_size(self.options.fragment_size);
        let label = path.display().to_string();
        if !meta.is_file() {
            // A pipe or device (`/dev/stdin`, `<(cmd)`): a stream, not resumable.
            let plan = self.plan(None, asset, progress).await?;
            return self.run(plan, file, &label, None, progress).await;
        }
        if meta.len() == 0 {
            return Err(Error::EmptyInput { input: label });
        }
        let plan = self.plan(Some(&canonical), asset, progress).await?;
        self.run(plan, file, &label, Some(meta.len()), progress)
            .await
    }

    /// Uploads a stream (e.g. standard input) as one asset; `label` names it in reports and
    /// errors, `total` sizes the progress bar when known. Streams are not journaled.
    pub async fn upload_reader<R: AsyncRead + Unpin + Send>(
        &self,
        reader: R,
        label: &str,
        asset: Option<AssetId>,
        total: Option<u64>,
        progress: &dyn Progress,
    ) -> Result<UploadReport> {
        let plan = self.plan(None, asset, progress).await?;
        self.run(plan, reader, label, total, progress).await
    }

    fn delegating_key(&self, asset: &AssetId) -> Result<twinshare_crypto::SecretKey> {
        Ok(self.master.delegating_key(asset.as_bytes())?)
    }

    fn header(
        &self,
        canonical: &Path,
        asset: &AssetId,
        envelope: &Envelope,
        dpk: &PublicKey,
    ) -> JournalHeader {
        JournalHeader {
            version: JOURNAL_VERSION,
            input: canonical.to_string_lossy().into_owned(),
            asset_id: asset.to_string(),
            storage: self.options.storage_label.clone(),
            fragment_size: self.options.fragment_size as u64,
            capsule: envelope.capsule.to_hex(),
            encrypted_key: hex::encode(&envelope.encrypted_key),
            delegating_public_key: dpk.to_hex(),
        }
    }

    /// Finds the journal to resume, or draws a fresh envelope (and starts a journal).
    async fn plan(
        &self,
        canonical: Option<&Path>,
        asset: Option<AssetId>,
        progress: &dyn Progress,
    ) -> Result<Plan> {
        if let (Some(store), Some(canonical)) = (&self.options.journal, canonical) {
            let found = match &asset {
                Some(a) => store.open(canonical, a)?,
                None => store.find_incomplete(canonical, &self.options.storage_label)?,
            };
            if let Some(journal) = found {
                if let Some(plan) = self.resume(canonical, journal, progress).await? {
                    return Ok(plan);
                }
            }
        }
        let asset = match asset {
            Some(a) => a,
            None => AssetId::random()?,
        };
        // Also the first request to the backend: an unreachable one fails here, before any
        // sealing, after the configured retries.
        if storage::exists(&self.op, &asset.manifest_path()).await? {
            return Err(Error::AssetExists {
                asset_id: asset.to_string(),
            });
        }
        let dsk = self.delegating_key(&asset)?;
        let dpk = dsk.public_key();
        let (envelope, key) = Envelope::seal(&dpk)?;
        let journal = match (&self.options.journal, canonical) {
            (Some(store), Some(canonical)) => {
                let header = self.header(canonical, &asset, &envelope, &dpk);
                Some(store.create(canonical, &asset, header)?)
            }
            _ => None,
        };
        Ok(Plan {
            asset,
            envelope,
            key,
            journal,
            resumed: false,
            frozen: false,
        })
    }

    /// Resumes a journal if it belongs to this owner key and to the asset in storage.
    async fn resume(
        &self,
        canonical: &Path,
        journal: Journal,
        progress: &dyn Progress,
    ) -> Result<Option<Plan>> {
        let asset = AssetId::new(journal.header().asset_id.clone())?;
        let dsk = self.delegating_key(&asset)?;
        let dpk = dsk.public_key();
        if journal.header().delegating_public_key != dpk.to_hex() {
            progress.note(&format!(
                "upload journal {} was made with another key; starting over",
                journal.path().display()
            ));
            return Ok(None);
        }
        let envelope = journal.envelope()?;
        let key = match envelope.open_original(&dsk) {
            Ok(key) => key,
            Err(e) => {
                progress.note(&format!(
                    "upload journal {} is unusable ({e}); starting over",
                    journal.path().display()
                ));
                return Ok(None);
            }
        };
        // A stored manifest must be this envelope's (a finished earlier run), not another.
        let frozen = match read_optional(&self.op, &asset.manifest_path()).await? {
            None => false,
            Some(bytes) => {
                let same = std::str::from_utf8(&bytes)
                    .ok()
                    .and_then(|t| Manifest::from_json(t).ok())
                    .is_some_and(|m| m.capsule == envelope.capsule);
                if !same {
                    return Err(Error::AssetExists {
                        asset_id: asset.to_string(),
                    });
                }
                true
            }
        };
        let header = self.header(canonical, &asset, &envelope, &dpk);
        let recorded = journal.records().count();
        let note = if journal.is_complete() {
            format!("asset {asset} was uploaded from this input before; checking its {recorded} stored fragments")
        } else {
            format!(
                "resuming the upload of {} as asset {asset} ({recorded} fragments recorded)",
                canonical.display()
            )
        };
        progress.note(&note);
        let journal = if journal.header() != &header {
            let same_cut = journal.header().fragment_size == header.fragment_size;
            journal.rewrite(header, same_cut)?
        } else {
            journal
        };
        Ok(Some(Plan {
            asset,
            envelope,
            key,
            journal: Some(journal),
            resumed: true,
            frozen,
        }))
    }

    /// The bounded pipeline for one asset.
    async fn run<R: AsyncRead + Unpin + Send>(
        &self,
        plan: Plan,
        reader: R,
        label: &str,
        total: Option<u64>,
        progress: &dyn Progress,
    ) -> Result<UploadReport> {
        let Plan {
            asset,
            envelope,
            key,
            mut journal,
            resumed,
            frozen,
        } = plan;
        let fragment_size = self.options.fragment_size;
        let dpk = self.delegating_key(&asset)?.public_key();
        let mut builder = ManifestBuilder::new(
            &envelope,
            dpk,
            self.master.verifying_public_key(),
            fragment_size as u64,
        )?;
        let job = Arc::new(Job {
            op: self.op.clone(),
            asset: asset.clone(),
            key,
            id: envelope.id(),
            recorded: journal
                .as_ref()
                .map(|j| j.records().map(|r| (r.index, *r)).collect())
                .unwrap_or_default(),
            frozen,
        });

        let read_err = |e: std::io::Error| Error::io(format!("reading {label}"), e);
        let fragments =
            futures::stream::try_unfold((reader, 0u64), move |(mut reader, index)| async move {
                let data = read_fragment(&mut reader, fragment_size).await?;
                if data.is_empty() {
                    Ok(None)
                } else {
                    Ok(Some(((index, data), (reader, index + 1))))
                }
            })
            .map_err(read_err);
        let done = fragments
            .map_ok(|(index, data)| process(job.clone(), index, data))
            .try_buffer_unordered(self.options.in_flight);
        futures::pin_mut!(done);

        progress.start(label, total);
        let mut count = 0u64;
        let mut stored = 0u64;
        let mut skipped = 0u64;
        let result: Result<()> = async {
            while let Some(d) = done.try_next().await? {
                let sealed = SealedFragment {
                    index: d.index,
                    size: d.size,
                    ciphertext: Vec::new(),
                    ciphertext_hash: d.ciphertext_hash,
                    plaintext_hash: d.plaintext_hash,
                };
                builder.add(&sealed, asset.fragment_path(d.index))?;
                if d.stored {
                    stored += 1;
                    if let Some(j) = journal.as_mut() {
                        j.record(FragmentRecord {
                            index: d.index,
                            size: d.size,
                            plaintext_hash: d.plaintext_hash,
                            ciphertext_hash: d.ciphertext_hash,
                        })?;
                    }
                } else {
                    skipped += 1;
                }
                count = count.max(d.index + 1);
                progress.advance(d.size);
            }
            Ok(())
        }
        .await;
        progress.finish();
        result?;
        if count == 0 {
            return Err(Error::EmptyInput {
                input: label.to_string(),
            });
        }

        if frozen && job.recorded.len() as u64 != count {
            return Err(Error::InputChanged {
                asset_id: asset.to_string(),
                index: count.min(job.recorded.len() as u64),
            });
        }
        let (manifest, leaves) = builder.build()?;
        // Fragments of a longer earlier version of this input.
        if let Some(j) = journal.as_mut() {
            for index in j.truncate(count) {
                storage::delete(&self.op, &asset.fragment_path(index)).await?;
            }
        }
        let locator = asset.manifest_path();
        storage::write(&self.op, &locator, manifest.to_json().into_bytes()).await?;
        if let Some(j) = journal.as_mut() {
            j.complete(manifest.root)?;
        }
        tracing::info!(asset = %asset, root = %hex::encode(manifest.root), stored, skipped, "upload finished");
        Ok(UploadReport {
            input: label.to_string(),
            asset_id: asset.to_string(),
            manifest: locator,
            root: hex::encode(manifest.root),
            size: manifest.total_size,
            fragments: count,
            fragments_stored: stored,
            fragments_skipped: skipped,
            resumed,
            plaintext_hashes: leaves,
        })
    }
}

/// One fragment: skip it if the journal and storage show it stored, else seal and put it.
async fn process(job: Arc<Job>, index: u64, data: Vec<u8>) -> Result<Done> {
    let path = job.asset.fragment_path(index);
    let size = data.len() as u64;
    let changed = || Error::InputChanged {
        asset_id: job.asset.to_string(),
        index,
    };
    let data = match job.recorded.get(&index).copied() {
        Some(rec) if rec.size == size => {
            let (data, hash) = tokio::task::spawn_blocking(move || {
                let h = plaintext_hash(&data);
                (data, h)
            })
            .await?;
            if hash != rec.plaintext_hash && job.frozen {
                return Err(changed());
            }
            if hash == rec.plaintext_hash {
                if let Some(stored) = read_optional(&job.op, &path).await? {
                    let found =
                        tokio::task::spawn_blocking(move || ciphertext_hash(&stored)).await?;
                    if found == rec.ciphertext_hash {
                        return Ok(Done {
                            index,
                            size,
                            plaintext_hash: rec.plaintext_hash,
                            ciphertext_hash: rec.ciphertext_hash,
                            stored: false,
                        });
                    }
                }
            }
            data
        }
        _ if job.frozen => return Err(changed()),
        _ => data,
    };
    let sealing = job.clone();
    let sealed = tokio::task::spawn_blocking(move || {
        encrypt_fragment(&sealing.key, &sealing.id, index, &data)
    })
    .await??;
    let SealedFragment {
        ciphertext,
        ciphertext_hash,
        plaintext_hash,
        ..
    } = sealed;
    storage::write(&job.op, &path, ciphertext).await?;
    Ok(Done {
        index,
        size,
        plaintext_hash,
        ciphertext_hash,
        stored: true,
    })
}

/// Reads up to `size` bytes (fewer only at the end of the input).
async fn read_fragment<R: AsyncRead + Unpin>(
    reader: &mut R,
    size: usize,
) -> std::io::Result<Vec<u8>> {
    // Into the spare capacity only: `read_to_end` would probe past a full buffer and double
    // its allocation (a copy, and twice the memory per fragment).
    let mut buf = Vec::with_capacity(size);
    while buf.len() < size {
        let want = (size - buf.len()) as u64;
        if (&mut *reader).take(want).read_buf(&mut buf).await? == 0 {
            break;
        }
    }
    Ok(buf)
}

async fn input_metadata(path: &Path) -> Result<std::fs::Metadata> {
    tokio::fs::metadata(path).await.map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            Error::InputNotFound {
                path: path.to_path_buf(),
            }
        } else {
            Error::InputUnreadable {
                path: path.to_path_buf(),
                source: e,
            }
        }
    })
}

enum Walked {
    File(PathBuf),
    Skipped(PathBuf),
}

/// Regular files under `root`, recursively, sorted by path; symbolic links and special files
/// are listed as skipped, not followed.
fn walk(root: &Path) -> Result<Vec<Walked>> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let unreadable = |source| Error::InputUnreadable {
            path: dir.clone(),
            source,
        };
        let mut entries: Vec<_> = std::fs::read_dir(&dir)
            .map_err(unreadable)?
            .collect::<std::io::Result<_>>()
            .map_err(unreadable)?;
        entries.sort_by_key(|e| e.file_name());
        for entry in entries {
            let path = entry.path();
            let kind = entry.file_type().map_err(|source| Error::InputUnreadable {
                path: path.clone(),
                source,
            })?;
            if kind.is_dir() {
                stack.push(path);
            } else if kind.is_file() {
                out.push(Walked::File(path));
            } else {
                out.push(Walked::Skipped(path));
            }
        }
    }
    out.sort_by(|a, b| {
        let key = |w: &Walked| match w {
            Walked::File(p) | Walked::Skipped(p) => p.clone(),
        };
        key(a).cmp(&key(b))
    });
    Ok(out)
}

/// Parses a size such as `4MiB`, `4M`, `512KiB`, `1GiB`, `1GB`, `65536`: `K`/`KiB`, `M`/`MiB`,
/// `G`/`GiB`, `T`/`TiB` are powers of 1024; `KB`, `MB`, `GB`, `TB` powers of 1000.
pub fn parse_size(text: &str) -> std::result::Result<u64, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '_'))
        .unwrap_or(text.len());
    let (digits, unit) = text.split_at(split);
    let digits: String = digits.chars().filter(|c| *c != '_').collect();
    let number: u64 = digits
        .parse()
        .map_err(|_| format!("{text:?} is not a size (e.g. 4MiB, 65536)"))?;
    let multiplier: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kib" => 1 << 10,
        "m" | "mib" => 1 << 20,
        "g" | "gib" => 1 << 30,
        "t" | "tib" => 1 << 40,
        "kb" => 1_000,
        "mb" => 1_000_000,
        "gb" => 1_000_000_000,
        "tb" => 1_000_000_000_000,
        other => {
            return Err(format!(
                "unknown size unit {other:?} (use KiB, MiB, GiB, KB, MB, GB)"
            ))
        }
    };
    number
        .checked_mul(multiplier)
        .ok_or_else(|| format!("{text:?} is too large"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("4MiB"), Ok(4 << 20));
        assert_eq!(parse_size("4M"), Ok(4 << 20));
        assert_eq!(parse_size("1GB"), Ok(1_000_000_000));
        assert_eq!(parse_size("10GiB"), Ok(10 << 30));
        assert_eq!(parse_size("65_536"), Ok(65536));
        assert!(parse_size("MiB").is_err());
        assert!(parse_size("4XB").is_err());
        assert!(parse_size("99999999999TiB").is_err());
    }

    #[tokio::test]
    async fn fragments_are_cut_at_the_fragment_size() {
        let data: Vec<u8> = (0..10u8).collect();
        let mut reader = &data[..];
        let mut cuts = Vec::new();
        loop {
            let f = read_fragment(&mut reader, 4).await.unwrap();
            if f.is_empty() {
                break;
            }
            cuts.push(f.len());
        }
        assert_eq!(cuts, vec![4, 4, 2]);
    }
}
