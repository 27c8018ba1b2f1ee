use cosmwasm_std::{Addr, StdError, Uint128};
use cw_utils::PaymentError;
use thiserror::Error;
use twinshare_types::CommonError;

/// Everything `storage-payment` refuses, with the data a caller needs to put it right.
#[derive(Error, Debug, PartialEq)]
pub enum ContractError {
    #[error(transparent)]
    Std(#[from] StdError),

    #[error(transparent)]
    Common(#[from] CommonError),

    #[error(transparent)]
    Payment(#[from] PaymentError),

    #[error("max_open_leases must be at least 1")]
    InvalidMaxOpenLeases {},

    #[error("{provider} is already a provider: use UpdateProvider")]
    ProviderExists { provider: Addr },

    #[error("{provider} is not a registered provider")]
    ProviderNotFound { provider: String },

    #[error("provider {provider} is not accepting new leases or extensions")]
    ProviderInactive { provider: Addr },

    #[error("endpoint must not be empty")]
    EmptyEndpoint {},

    #[error("endpoint is {len} bytes, at most {max} are allowed")]
    EndpointTooLong { len: usize, max: usize },

    #[error("a lease must cover at least one byte")]
    ZeroBytes {},

    #[error("a lease (or an extension) must last at least one second")]
    ZeroDuration {},

    #[error("a lease ending {secs} seconds after {from_secs} (unix seconds) is beyond the supported time range")]
    DurationTooLong { from_secs: u64, secs: u64 },

    #[error("the cost of {bytes} bytes for {secs} seconds overflows a 128-bit amount")]
    CostOverflow { bytes: u64, secs: u64 },

    #[error(
        "this lease is paid in {denom}: send the tokens with the token's Send and a ReceiveMsg"
    )]
    NotNativeDenom { denom: String },

    #[error("this lease is paid in {expected}, but the tokens came from {got}")]
    UnexpectedToken { expected: String, got: String },

    #[error("wrong payment: expected exactly {expected} {denom}, got {got} (see the Quote query)")]
    WrongAmount {
        denom: String,
        expected: Uint128,
        got: Uint128,
    },

    #[error("{owner} already holds {max} open leases with this provider: extend one or wait for one to end")]
    TooManyOpenLeases { owner: Addr, max: u32 },

    #[error("lease {lease_id} does not exist")]
    LeaseNotFound { lease_id: u64 },

    #[error("{address} is not the owner of lease {lease_id}")]
    NotLeaseOwner { lease_id: u64, address: Addr },

    #[error("the sender is not the provider of lease {lease_id}")]
    NotLeaseProvider { lease_id: u64 },

    #[error("lease {lease_id} is cancelled")]
    LeaseCancelled { lease_id: u64 },

    #[error("lease {lease_id} has expired: buy a new one")]
    LeaseExpired { lease_id: u64 },

    #[error("name at least one lease id")]
    NoLeaseIds {},

    #[error("{got} lease ids named, at most {max} per Withdraw")]
    TooManyLeaseIds { max: usize, got: usize },

    #[error("lease id {id} is named more than once")]
    DuplicateLeaseId { id: u64 },

    #[error("nothing to withdraw on the named leases yet")]
    NothingToWithdraw {},
}
