use cosmwasm_std::{Addr, StdError};
use cw_utils::PaymentError;
use thiserror::Error;

use twinshare_types::CommonError;

/// Everything the registry can refuse, with the data a caller needs to fix the message.
#[derive(Error, Debug, PartialEq)]
pub enum ContractError {
    #[error("{0}")]
    Std(#[from] StdError),

    #[error(transparent)]
    Common(#[from] CommonError),

    #[error("{0}")]
    Payment(#[from] PaymentError),

    #[error("unauthorized: only {allowed} may {action}")]
    Unauthorized { action: String, allowed: String },

    #[error("{address} is not an anchorer of this registry")]
    NotAnchorer { address: String },

    #[error("too many anchorers: at most {max}, got {got}")]
    TooManyAnchorers { max: usize, got: usize },

    #[error("invalid {what} id {id:?}: use 1-{max} characters of a-z A-Z 0-9 _ . -")]
    InvalidId {
        what: &'static str,
        id: String,
        max: usize,
    },

    #[error("invalid party name: use 1-{max} characters, not only spaces (got {len})")]
    InvalidName { len: usize, max: usize },

    #[error("channel {id:?} already exists")]
    ChannelExists { id: String },

    #[error("channel {id:?} does not exist")]
    ChannelNotFound { id: String },

    #[error("too many members in one message: at most {max}, got {got}")]
    TooManyMembers { max: usize, got: usize },

    #[error("the member list is empty")]
    NoMembers {},

    #[error("{address} is not a member of channel {channel:?}")]
    NotChannelMember { channel: String, address: String },

    #[error("{admin} administers channel {channel:?} and cannot remove itself")]
    CannotRemoveAdmin { channel: String, admin: String },

    #[error("record size must be greater than zero")]
    ZeroSize {},

    #[error("invalid locator: use 1-{max} bytes (got {len})")]
    InvalidLocator { len: usize, max: usize },

    #[error("stream {stream:?} belongs to {owner}; only its owner may extend it")]
    StreamOwnedByOther { stream: String, owner: String },

    #[error("hash {hash} is already registered by {owner} as record {record_id}")]
    DuplicateHash {
        hash: String,
        owner: String,
        record_id: u64,
    },

    #[error("Low records carry no fee (paper Rule 2): send no funds, got {got}")]
    FeeOnLowRecord { got: String },

    #[error("wrong fee: expected exactly {expected} and no other coin, got {got}")]
    WrongFee { expected: String, got: String },

    #[error("over capacity: registering {needed} bytes on top of {used} used exceeds the {capacity} bytes leased with this provider; buy or extend a lease")]
    OverCapacity {
        needed: u64,
        used: u64,
        capacity: u64,
    },

    #[error("a batch must have at least one leaf")]
    EmptyBatch {},

    #[error("batch first_timestamp {first} is after last_timestamp {last}")]
    BatchTimestamps { first: u64, last: u64 },

    #[error("invalid sensor key: {reason} (expected a 33-byte compressed secp256k1 point)")]
    InvalidSensorKey { reason: String },

    #[error("invalid sensor name: use 1-{max} characters, not only spaces (got {len})")]
    InvalidSensorName { len: usize, max: usize },

    #[error("sensor key {pubkey} is registered by {owner}; a key belongs to one owner")]
    SensorOwnedByOther { pubkey: String, owner: String },

    #[error("sensor key {pubkey} is not registered")]
    SensorNotFound { pubkey: String },
}

impl ContractError {
    /// `Unauthorized` naming the address that may do `action`.
    pub fn unauthorized(action: &str, allowed: &Addr) -> Self {
        ContractError::Unauthorized {
            action: action.to_string(),
            allowed: allowed.to_string(),
        }
    }
}
