//! `escrow` (paper 4.5-4.6): the sale of a tokenized asset with proxy re-encryption by the cloud.
//! The buyer's payment waits here while the seller submits the re-key (kfrags sealed to the
//! provider's relayer) and the relayer reports delivery; the buyer's confirmation (or the seller's
//! claim after the dispute window, or the arbiter) pays the seller and the relayer, and missed
//! deadlines give the buyer the payment back.

pub mod contract;
mod error;
pub mod execute;
pub mod msg;
pub mod query;
pub mod state;

#[cfg(test)]
mod testing;

pub use crate::error::ContractError;
