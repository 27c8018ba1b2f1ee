//! The library's one error type. Every variant names what the user can act on: the path, the
//! fragment, the asset, the backend. The binary adds context with `anyhow`; the library does
//! not.

use std::path::PathBuf;

use thiserror::Error;
use twinshare_crypto::CryptoError;

#[derive(Error, Debug)]
pub enum Error {
    /// An input path that does not exist.
    #[error("input {path} does not exist")]
    InputNotFound { path: PathBuf },

    /// An input path that exists but cannot be read (permissions, not a file or folder).
    #[error("cannot read input {path}: {source}")]
    InputUnreadable {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// Nothing to encrypt: an asset needs at least one byte.
    #[error("input {input} is empty: an asset needs at least one byte")]
    EmptyInput { input: String },

    /// A folder given together with an asset id: each file of a folder gets its own id.
    #[error("--asset-id names one asset; {path} is a folder of several (omit the asset id)")]
    AssetIdForFolder { path: PathBuf },

    /// An asset id that is not a safe storage path segment.
    #[error("invalid asset id {id:?}: {reason}")]
    InvalidAssetId { id: String, reason: String },

    /// A fragment size outside 1 byte..=1 GiB.
    #[error("invalid fragment size {size}: expected 1 byte to 1 GiB")]
    InvalidFragmentSize { size: u64 },

    /// The asset already exists in storage and no local journal of this input resumes it:
    /// uploading would replace data whose root may already be registered.
    #[error(
        "asset {asset_id} already exists in storage and no local upload journal for this input \
         matches it; choose another --asset-id"
    )]
    AssetExists { asset_id: String },

    /// A re-run of a finished upload whose input no longer matches the stored asset: the
    /// stored asset is left as it is.
    #[error(
        "asset {asset_id} is complete in storage and fragment {index} of the input differs from          it; upload the changed data as a new asset"
    )]
    InputChanged { asset_id: String, index: u64 },

    /// A storage URI or option set that does not describe a backend.
    #[error("invalid storage configuration: {reason}")]
    StorageConfig { reason: String },

    /// A scheme that no OpenDAL service of this build registers.
    #[error("unknown storage scheme {scheme:?} (this build has: {available})")]
    UnknownScheme { scheme: String, available: String },

    /// A storage operation that failed (after the configured retries).
    #[error("storage {backend}: cannot {action} {path}: {source}")]
    Storage {
        backend: String,
        action: &'static str,
        path: String,
        /// Boxed: keeps every `Result` of this crate small.
        #[source]
        source: Box<opendal::Error>,
    },

    /// No manifest at the locator: a wrong asset id, or an upload that never finished.
    #[error("no manifest at {locator} in {backend}: unknown asset, or its upload did not finish")]
    ManifestNotFound { locator: String, backend: String },

    /// A manifest the crypto crate refuses (unknown version, malformed, inconsistent).
    #[error("manifest {locator}: {source}")]
    Manifest {
        locator: String,
        #[source]
        source: CryptoError,
    },

    /// A fragment object the manifest lists is not in storage.
    #[error("fragment {index} is missing: no object at {locator}")]
    FragmentMissing { index: u64, locator: String },

    /// A fragment whose bytes do not match the manifest's ciphertext hash, or that does not
    /// authenticate.
    #[error("fragment {index} at {locator} is corrupt: its hash or authentication tag does not match the manifest")]
    FragmentCorrupt { index: u64, locator: String },

    /// The decrypted data, or the manifest, does not lead to the expected root.
    #[error("Merkle root mismatch: expected {expected}, got {got}")]
    RootMismatch { expected: String, got: String },

    /// An expected root that is not 32 bytes of hex.
    #[error("invalid root {value:?}: {reason}")]
    InvalidRoot { value: String, reason: String },

    /// The key given does not open this asset.
    #[error("the key does not open asset {asset_id}: {reason}")]
    WrongKey { asset_id: String, reason: String },

    /// A master seed or key file that cannot be used.
    #[error("key: {reason}")]
    Key { reason: String },

    /// The download target exists and overwriting was not asked for.
    #[error("output {path} exists (pass --force to replace it)")]
    OutputExists { path: PathBuf },

    /// A local upload journal that cannot be read or written.
    #[error("upload journal {path}: {reason}")]
    Journal { path: PathBuf, reason: String },

    /// Local file I/O (output file, key file, journal folder).
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },

    /// Anything else the crypto crate refused (cfrags, kfrags, public keys).
    #[error(transparent)]
    Crypto(#[from] CryptoError),

    /// A worker task panicked or was cancelled.
    #[error("internal task failed: {reason}")]
    Task { reason: String },
}

pub type Result<T> = core::result::Result<T, Error>;

impl Error {
    pub(crate) fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        Error::Io {
            context: context.into(),
            source,
        }
    }
}

impl From<tokio::task::JoinError> for Error {
    fn from(e: tokio::task::JoinError) -> Self {
        Error::Task {
            reason: e.to_string(),
        }
    }
}
