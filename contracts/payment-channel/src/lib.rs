//! `payment-channel` (issue 9): an owner deposits payment cw20 tokens for a payee, signs
//! cumulative vouchers with its registered sensor keys, the payee redeems the latest one, and the
//! owner takes back the rest after a close timeout (or at once when the payee releases it).

pub mod contract;
pub mod error;
pub mod execute;
pub mod msg;
pub mod query;
pub mod state;

#[cfg(test)]
mod testing;

pub use crate::error::ContractError;
