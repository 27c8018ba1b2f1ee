//! `data-registry` (paper Section 4.2): parties and their Umbral keys, channels that isolate
//! business partners, records proving the first registrant owns a data hash, streams of records,
//! and anchored Merkle batches of high-rate record claims.

pub mod contract;
pub mod error;
pub mod execute;
pub mod msg;
pub mod query;
pub mod state;

#[cfg(test)]
mod testing;

pub use crate::error::ContractError;
