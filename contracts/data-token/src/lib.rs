//! `data-token` (paper 4.4, BDTD tokenization): the owner of a `data-registry` record lists it as
//! an asset with a price, an openness (`Public` | `Partial{allowlist}` | `Private`) and metadata.
//! The escrow asks `CanBuy` before it takes a buyer's payment.

pub mod contract;
mod error;
pub mod execute;
pub mod msg;
pub mod query;
pub mod state;
pub mod validation;

#[cfg(test)]
mod testing;

pub use crate::error::ContractError;
