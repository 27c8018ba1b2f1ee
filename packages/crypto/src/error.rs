//! The one error type of the crate. Every failure on input is a value, never a panic: the
//! relayer and the web wallet handle bytes that strangers sent them.

use thiserror::Error;

#[derive(Error, Debug, Clone, PartialEq, Eq)]
pub enum CryptoError {
    /// A master seed must be exactly as long as umbral-pre's `SecretKeyFactory` seed.
    #[error("a master seed must be {expected} bytes, got {got}")]
    InvalidSeed { expected: usize, got: usize },

    /// A phrase that is not a BIP39 mnemonic of 12-24 English words with a valid checksum.
    #[error("invalid mnemonic: {reason}")]
    InvalidMnemonic { reason: String },

    /// The master key's delegating key for the named asset is not the manifest's: another
    /// owner's asset, or the wrong asset id.
    #[error("this key is not the owner's of asset {asset_id:?} (its delegating key differs from the manifest's)")]
    NotOwner { asset_id: String },

    /// An empty asset id would give every caller that forgets it the same delegating key.
    #[error("the asset id must not be empty")]
    EmptyAssetId,

    /// Bytes or hex that do not decode to the named object.
    #[error("invalid {what}: {reason}")]
    InvalidEncoding { what: &'static str, reason: String },

    /// A claim batch's signature does not verify under the sensor's key (or has a high S).
    #[error("the signature does not verify under the sensor's key")]
    BadSignature,

    /// Umbral or the AEAD refused to encrypt (only on absurd input sizes) or the OS RNG failed.
    #[error("encryption failed: {reason}")]
    Encryption { reason: String },

    /// The secret key does not open this capsule: a wrong key, a tampered capsule or encrypted
    /// data key, or fewer capsule fragments than the threshold.
    #[error("the key does not open this capsule")]
    WrongKey,

    /// A fragment's ciphertext does not match its manifest entry, or does not authenticate
    /// under the data key, the envelope id, its index and its size.
    #[error("fragment {index} is corrupt, swapped, reordered or from another envelope")]
    FragmentCorrupt { index: u64 },

    /// A fragment's plaintext does not have the size the manifest or the layout requires.
    #[error("fragment {index} has {got} bytes, expected {expected}")]
    FragmentSize { index: u64, expected: u64, got: u64 },

    /// An index outside the manifest's fragment list.
    #[error("fragment {index} does not exist: the manifest has {count} fragments")]
    UnknownFragment { index: u64, count: u64 },

    /// A fragment given twice to a builder or a reader.
    #[error("fragment {index} was given twice")]
    DuplicateFragment { index: u64 },

    /// A fragment never given to a builder or a reader.
    #[error("fragment {index} is missing")]
    MissingFragment { index: u64 },

    /// Nothing to encrypt: a Merkle root over no leaves does not exist.
    #[error("there is no data: at least one non-empty fragment is needed")]
    EmptyData,

    /// The decrypted fragments, or a manifest, do not lead to the expected (registered) root.
    #[error("Merkle root mismatch: expected {expected}, got {got}")]
    RootMismatch { expected: String, got: String },

    /// A manifest of a format this crate does not know.
    #[error("unknown manifest version {version}; this build reads version 1")]
    UnknownManifestVersion { version: u64 },

    /// A manifest that is not well-formed JSON of the expected shape.
    #[error("manifest JSON: {reason}")]
    ManifestJson { reason: String },

    /// A manifest whose fields contradict each other (sizes, indices).
    #[error("invalid manifest: {reason}")]
    ManifestInvalid { reason: String },

    /// Threshold and share count outside 1 <= threshold <= shares <= 255.
    #[error("invalid threshold {threshold} of {shares} shares")]
    InvalidThreshold { threshold: usize, shares: usize },

    /// Sealed kfrags that are malformed or not sealed to this relayer key.
    #[error("sealed kfrags: {reason}")]
    SealedKfrags { reason: String },

    /// A kfrag not signed by the verifying key for this delegating and receiving key.
    #[error("kfrag {index} failed verification: {reason}")]
    KfragVerification { index: usize, reason: String },

    /// A cfrag not made from this capsule with a kfrag signed for these keys.
    #[error("cfrag {index} failed verification: {reason}")]
    CfragVerification { index: usize, reason: String },

    /// Individually valid cfrags that do not belong together (other kfrag sets, repeats, none).
    #[error("cfrags cannot be combined: {reason}")]
    CfragCombination { reason: String },
}

pub type Result<T> = core::result::Result<T, CryptoError>;
