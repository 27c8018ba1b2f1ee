//! Types that more than one TwinShare crate needs: every contract's messages and responses (so the
//! client, relayer, CLI and web wallet speak to the contracts without depending on them), payment
//! denominations, the Merkle proof format, Umbral key checks and pagination limits.

pub mod claims;
pub mod denom;
pub mod error;
pub mod merkle;
pub mod pagination;
pub mod umbral;

pub mod channel;
pub mod escrow;
pub mod registry;
pub mod storage;
pub mod token;

pub use denom::{CheckedDenom, CheckedPrice, Denom, Price};
pub use error::CommonError;
pub use merkle::MerkleProof;
