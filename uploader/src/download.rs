//! Download: fetch the manifest, open the envelope (as the owner, or as a buyer with cfrags),
//! fetch fragments with a bounded number in flight, check each one's ciphertext hash and
//! authentication tag on the blocking pool, write the plaintext in order, and check the Merkle
//! root at the end (and, before fetching anything, against an expected root from the chain).
//!
//! A file target is written to a temporary file in the target's folder and renamed into place
//! only when everything checked out: a failed download leaves nothing behind. A stream target
//! (standard output) receives fragments as they are verified; on a failure the stream is
//! incomplete and the call returns the error.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use futures::StreamExt;
use opendal::Operator;
use serde::Serialize;
use tokio::io::{AsyncWrite, AsyncWriteExt};
use twinshare_crypto::envelope::{ciphertext_hash, plaintext_hash};
use twinshare_crypto::{
    decrypt_fragment, merkle_root, CapsuleFrag, CryptoError, DataKey, FragmentEntry, Manifest,
    MasterKey, PublicKey,
};

use crate::error::{Error, Result};
use crate::layout::AssetId;
use crate::progress::Progress;
use crate::storage::{self, read_optional};
use crate::upload::{default_in_flight, DEFAULT_FRAGMENT_SIZE};

/// Who opens the envelope.
pub enum Opener {
    /// The owner, with its master key (the asset's delegating key is derived from it).
    Owner(MasterKey),
    /// A buyer, with its master key (its receiving key) and the cfrags a relayer made for it.
    Buyer {
        master: MasterKey,
        cfrags: Vec<CapsuleFrag>,
        /// The owner's verifying key from a source the storage provider does not control (the
        /// chain); `None` trusts the manifest's.
        verifying_key: Option<PublicKey>,
    },
}

/// How a download runs.
#[derive(Clone, Debug)]
pub struct DownloadOptions {
    /// Fragments fetched and decrypted at once.
    pub in_flight: usize,
    /// The root registered on chain: the manifest must carry it and the data must hash to it.
    pub expect_root: Option<[u8; 32]>,
    /// Replace an existing output file.
    pub overwrite: bool,
}

impl Default for DownloadOptions {
    fn default() -> Self {
        Self {
            in_flight: default_in_flight(DEFAULT_FRAGMENT_SIZE),
            expect_root: None,
            overwrite: false,
        }
    }
}

/// What a finished download checked.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DownloadReport {
    pub asset_id: String,
    pub manifest: String,
    /// The verified Merkle root, hex.
    pub root: String,
    pub size: u64,
    pub fragments: u64,
    /// The output file (`-` for a stream).
    pub output: String,
}

/// Fetches and verifies assets from one backend.
pub struct Downloader {
    op: Operator,
    options: DownloadOptions,
}

/// Parses a 64-character hex root.
pub fn parse_root(hex_root: &str) -> Result<[u8; 32]> {
    let invalid = |reason: String| Error::InvalidRoot {
        value: hex_root.to_string(),
        reason,
    };
    let trimmed = hex_root.trim();
    let bytes = hex::decode(trimmed.strip_prefix("0x").unwrap_or(trimmed))
        .map_err(|e| invalid(format!("not hex: {e}")))?;
    bytes
        .try_into()
        .map_err(|b: Vec<u8>| invalid(format!("{} bytes, expected 32", b.len())))
}

fn key_error(asset: &AssetId, e: CryptoError) -> Error {
    match e {
        CryptoError::WrongKey
        | CryptoError::NotOwner { .. }
        | CryptoError::CfragVerification { .. }
        | CryptoError::CfragCombination { .. } => Error::WrongKey {
            asset_id: asset.to_string(),
            reason: e.to_string(),
        },
        other => Error::Crypto(other),
    }
}

/// Opens the asset's data key.
pub fn open_key(manifest: &Manifest, asset: &AssetId, opener: Opener) -> Result<DataKey> {
    let envelope = manifest.envelope();
    match opener {
        Opener::Owner(master) => {
            let dsk = manifest
                .owner_delegating_key(&master, asset.as_bytes())
                .map_err(|e| key_error(asset, e))?;
            envelope
                .open_original(&dsk)
                .map_err(|e| key_error(asset, e))
        }
        Opener::Buyer {
            master,
            cfrags,
            verifying_key,
        } => {
            let vpk = verifying_key.unwrap_or(manifest.verifying_public_key);
            envelope
                .open_reencrypted(
                    &master.receiving_key(),
                    &manifest.delegating_public_key,
                    &vpk,
                    cfrags,
                )
                .map_err(|e| key_error(asset, e))
        }
    }
}

impl Downloader {
    pub fn new(op: Operator, options: DownloadOptions) -> Self {
        Self {
            op,
            options: DownloadOptions {
                in_flight: options.in_flight.max(1),
                ..options
            },
        }
    }

    pub fn operator(&self) -> &Operator {
        &self.op
    }

    /// The asset's manifest, checked against the expected root when one is set, with every
    /// fragment locator inside the asset's folder.
    pub async fn manifest(&self, asset: &AssetId) -> Result<Manifest> {
        let manifest = storage::read_manifest(&self.op, asset).await?;
        if let Some(expected) = &self.options.expect_root {
            if manifest.root != *expected {
                return Err(Error::RootMismatch {
                    expected: hex::encode(expected),
                    got: format!("{} (the manifest's root)", hex::encode(manifest.root)),
                });
            }
        }
        let prefix = asset.prefix();
        if let Some(f) = manifest
            .fragments
            .iter()
            .find(|f| !f.locator.starts_with(&prefix) || f.locator.split('/').any(|s| s == ".."))
        {
            return Err(Error::Manifest {
                locator: asset.manifest_path(),
                source: CryptoError::ManifestInvalid {
                    reason: format!(
                        "fragment {} is stored outside the asset, at {}",
                        f.index, f.locator
                    ),
                },
            });
        }
        Ok(manifest)
    }

    /// Downloads into a file. A folder target receives `<folder>/<asset-id>`. The data goes to a
    /// temporary file beside the target, renamed into place after every check passed.
    pub async fn download_to_path(
        &self,
        asset: &AssetId,
        opener: Opener,
        target: &Path,
        progress: &dyn Progress,
    ) -> Result<DownloadReport> {
        let target: PathBuf = if tokio::fs::metadata(target).await.is_ok_and(|m| m.is_dir()) {
            target.join(asset.as_str())
        } else {
            target.to_path_buf()
        };
        if !self.options.overwrite && tokio::fs::symlink_metadata(&target).await.is_ok() {
            return Err(Error::OutputExists { path: target });
        }
        let folder = match target.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let tmp = tempfile::Builder::new()
            .prefix(".twinshare-download-")
            .suffix(".part")
            .tempfile_in(&folder)
            .map_err(|e| Error::io(format!("cannot create a file in {}", folder.display()), e))?;
        // The temporary path deletes the file when dropped: on every early return below.
        let (file, tmp_path) = tmp.into_parts();
        let mut file = tokio::fs::File::from_std(file);
        let mut report = self
            .download_to_writer(asset, opener, &mut file, progress)
            .await?;
        let io = |e| Error::io(format!("cannot write {}", target.display()), e);
        file.flush().await.map_err(io)?;
        file.sync_all().await.map_err(io)?;
        drop(file);
        let persisted = if self.options.overwrite {
            tmp_path.persist(&target)
        } else {
            tmp_path.persist_noclobber(&target)
        };
        persisted.map_err(|e| {
            if e.error.kind() == std::io::ErrorKind::AlreadyExists {
                Error::OutputExists {
                    path: target.clone(),
                }
            } else {
                io(e.error)
            }
        })?;
        report.output = target.display().to_string();
        Ok(report)
    }

    /// Downloads into a stream, fragment by fragment in order, each verified before it is
    /// written; the root is checked after the last one.
    pub async fn download_to_writer<W: AsyncWrite + Unpin + Send>(
        &self,
        asset: &AssetId,
        opener: Opener,
        writer: &mut W,
        progress: &dyn Progress,
    ) -> Result<DownloadReport> {
        let manifest = self.manifest(asset).await?;
        let key = Arc::new(open_key(&manifest, asset, opener)?);
        let id = manifest.envelope_id();
        let op = self.op.clone();
        let mut opened = futures::stream::iter(manifest.fragments.clone())
            .map(|entry| fetch_and_open(op.clone(), key.clone(), id, entry))
            .buffered(self.options.in_flight);

        progress.start(asset.as_str(), Some(manifest.total_size));
        let mut leaves = Vec::with_capacity(manifest.fragments.len());
        let result: Result<()> = async {
            while let Some(fragment) = opened.next().await {
                let (plaintext, leaf) = fragment?;
                writer
                    .write_all(&plaintext)
                    .await
                    .map_err(|e| Error::io("cannot write the output", e))?;
                leaves.push(leaf);
                progress.advance(plaintext.len() as u64);
            }
            writer
                .flush()
                .await
                .map_err(|e| Error::io("cannot write the output", e))
        }
        .await;
        progress.finish();
        result?;

        let got = merkle_root(&leaves)?;
        if got != manifest.root {
            return Err(Error::RootMismatch {
                expected: hex::encode(manifest.root),
                got: hex::encode(got),
            });
        }
        Ok(DownloadReport {
            asset_id: asset.to_string(),
            manifest: asset.manifest_path(),
            root: hex::encode(got),
            size: manifest.total_size,
            fragments: manifest.fragments.len() as u64,
            output: "-".into(),
        })
    }
}

/// Fetches one fragment, checks its ciphertext hash, decrypts it: the plaintext and its hash.
async fn fetch_and_open(
    op: Operator,
    key: Arc<DataKey>,
    id: twinshare_crypto::EnvelopeId,
    entry: FragmentEntry,
) -> Result<(Vec<u8>, [u8; 32])> {
    let sealed =
        read_optional(&op, &entry.locator)
            .await?
            .ok_or_else(|| Error::FragmentMissing {
                index: entry.index,
                locator: entry.locator.clone(),
            })?;
    tokio::task::spawn_blocking(move || {
        let corrupt = || Error::FragmentCorrupt {
            index: entry.index,
            locator: entry.locator.clone(),
        };
        if ciphertext_hash(&sealed) != entry.ciphertext_hash {
            return Err(corrupt());
        }
        let plaintext =
            decrypt_fragment(&key, &id, entry.index, entry.size, &sealed).map_err(|_| corrupt())?;
        let leaf = plaintext_hash(&plaintext);
        Ok((plaintext, leaf))
    })
    .await?
}
