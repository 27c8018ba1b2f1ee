use thiserror::Error;

/// Validation failures of the shared types; contracts wrap it with `#[error(transparent)]`.
#[derive(Error, Debug, PartialEq)]
pub enum CommonError {
    #[error("invalid native denom {denom:?}: use 3-128 characters, a letter first, then letters, digits or / : . _ -")]
    InvalidDenom { denom: String },

    #[error("invalid {what} address {address:?}: {reason}")]
    InvalidAddress {
        what: &'static str,
        address: String,
        reason: String,
    },

    #[error("invalid Umbral public key: {reason} (expected a 33-byte compressed secp256k1 point)")]
    InvalidUmbralKey { reason: String },

    #[error("invalid hash: expected {expected} bytes, got {got}")]
    InvalidHash { expected: usize, got: usize },

    #[error("invalid Merkle proof: {reason}")]
    InvalidProof { reason: String },
}
