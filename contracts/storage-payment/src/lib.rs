//! `storage-payment` (paper 4.3): the cloud charges by size and time of storage. Providers list a
//! price per byte-second; owners buy, extend and cancel leases paid in a native denom or a cw20
//! token; the provider is paid pro rata as time passes; `Capacity` serves `data-registry`.

pub mod contract;
pub mod error;
pub mod execute;
pub mod lease;
pub mod msg;
pub mod query;
pub mod state;

#[cfg(test)]
mod testing;

pub use crate::error::ContractError;
