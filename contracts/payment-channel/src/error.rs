use cosmwasm_std::{StdError, Timestamp, Uint128};
use cw_utils::PaymentError;
use thiserror::Error;
use twinshare_types::CommonError;

/// Everything `payment-channel` refuses, with the data a caller needs to put it right.
#[derive(Error, Debug, PartialEq)]
pub enum ContractError {
    #[error(transparent)]
    Std(#[from] StdError),

    #[error(transparent)]
    Common(#[from] CommonError),

    #[error(transparent)]
    Payment(#[from] PaymentError),

    #[error("min_close_timeout_secs must be 1-{max} seconds, got {got}")]
    InvalidMinCloseTimeout { got: u64, max: u64 },

    #[error("close_timeout_secs must be {min}-{max} seconds, got {got}")]
    InvalidCloseTimeout { got: u64, min: u64, max: u64 },

    #[error("deposits are taken in the payment token {expected}, but the tokens came from {got}")]
    UnexpectedToken { expected: String, got: String },

    #[error("send a deposit greater than zero")]
    ZeroDeposit {},

    #[error("{payee} cannot be the payee of its own channel")]
    PayeeIsOwner { payee: String },

    #[error("channel {channel} does not exist")]
    ChannelNotFound { channel: u64 },

    #[error("{address} is not the owner of channel {channel}")]
    NotChannelOwner { channel: u64, address: String },

    #[error("{address} is not the payee of channel {channel}")]
    NotChannelPayee { channel: u64, address: String },

    #[error("channel {channel} is closed")]
    ChannelClosed { channel: u64 },

    #[error("channel {channel} is closing (the owner may withdraw at {closes_at}): open a new channel instead of topping it up")]
    ChannelClosing { channel: u64, closes_at: Timestamp },

    #[error(
        "channel {channel} already has a close request: the owner may withdraw at {closes_at}"
    )]
    CloseAlreadyRequested { channel: u64, closes_at: Timestamp },

    #[error(
        "channel {channel} has no close request: send RequestClose and wait its close timeout"
    )]
    CloseNotRequested { channel: u64 },

    #[error("channel {channel} may be withdrawn at {closes_at}, it is now {now}")]
    CloseNotDue {
        channel: u64,
        closes_at: Timestamp,
        now: Timestamp,
    },

    #[error(
        "voucher of {cumulative} on channel {channel} is not above the {redeemed} already redeemed"
    )]
    VoucherNotNewer {
        channel: u64,
        cumulative: Uint128,
        redeemed: Uint128,
    },

    #[error("voucher of {cumulative} on channel {channel} exceeds its deposit of {deposit}")]
    VoucherOverDeposit {
        channel: u64,
        cumulative: Uint128,
        deposit: Uint128,
    },

    #[error("sensor key {pubkey} is not registered in the registry")]
    SensorNotRegistered { pubkey: String },

    #[error("sensor key {pubkey} belongs to {sensor_owner}, not to {channel_owner}, the owner of the channel")]
    SensorOfOtherOwner {
        pubkey: String,
        sensor_owner: String,
        channel_owner: String,
    },

    #[error("invalid signature: expected {expected} bytes (compact r || s), got {got}")]
    InvalidSignatureLength { expected: usize, got: usize },

    #[error("the signature does not verify for sensor {pubkey} over this voucher and body hash")]
    BadSignature { pubkey: String },
}
