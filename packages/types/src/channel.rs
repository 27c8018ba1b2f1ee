//! `payment-channel` (issue 9): fees for anchored record claims without a transaction per claim.
//! An owner opens a channel to a payee (the anchoring provider) with a deposit of the payment
//! cw20 token and signs, with every claim batch, a voucher "I owe you `cumulative` in total";
//! the payee redeems the latest voucher now and then; the owner takes back what was not redeemed
//! after asking to close and waiting the channel's close timeout (so the payee has time to redeem
//! the last voucher), or at once when the payee releases the channel.
//!
//! Money adds up: for every finished channel `deposit = redeemed + refunded`, and the contract
//! holds `deposit - redeemed` of every unfinished one.

use cosmwasm_schema::{cw_serde, QueryResponses};
use cosmwasm_std::{Addr, HexBinary, Timestamp, Uint128};
use cw20::Cw20ReceiveMsg;

/// Longest close timeout a channel may have: 30 days. Bounds how long a payee can keep an
/// owner's deposit once the owner asked to close.
pub const MAX_CLOSE_TIMEOUT_SECS: u64 = 30 * 24 * 60 * 60;

#[cw_serde]
pub struct InstantiateMsg {
    /// The `data-registry` whose `Sensor` query says which owner a signing key belongs to.
    pub registry: String,
    /// The payment cw20 token (TWIN): the only token deposits are taken in.
    pub token: String,
    /// Shortest close timeout a channel may be opened with, in seconds (at least 1, at most
    /// `MAX_CLOSE_TIMEOUT_SECS`): the least time a payee gets to redeem after a close request.
    pub min_close_timeout_secs: u64,
}

#[cw_serde]
pub enum ExecuteMsg {
    /// Opens or tops up a channel with a cw20 `Send` of the payment token (`ReceiveMsg` inside).
    Receive(Cw20ReceiveMsg),
    /// Payee only: redeems an owner-signed voucher, paying `cumulative - redeemed` to the payee.
    /// Allowed until the owner withdraws, also while a close request runs.
    Redeem {
        channel: u64,
        /// What the owner owes the payee in total on this channel; above what was redeemed,
        /// at most the deposit.
        cumulative: Uint128,
        /// `claims::body_hash` of the claim batch the voucher came with (32 bytes).
        body_hash: HexBinary,
        /// The signing sensor's compressed public key, registered in the registry to the
        /// channel's owner.
        sensor_pubkey: HexBinary,
        /// 64-byte compact secp256k1 signature over
        /// `claims::batch_digest(body_hash, Some(Voucher { channel, cumulative }))`.
        signature: HexBinary,
    },
    /// Owner only: starts the close timeout; the owner may `Withdraw` once it has passed.
    RequestClose { channel: u64 },
    /// Owner only, after `closes_at`: refunds `deposit - redeemed` and closes the channel.
    Withdraw { channel: u64 },
    /// Payee only: closes the channel now and refunds the rest to the owner.
    Release { channel: u64 },
}

/// The `msg` of a cw20 `Send` of the payment token to this contract.
#[cw_serde]
pub enum ReceiveMsg {
    /// Opens a channel owned by the cw20 sender, with the sent amount as deposit. The response
    /// carries the new id in the wasm attribute `channel_id`.
    Open {
        payee: String,
        /// Seconds between a close request and the owner's withdrawal.
        close_timeout_secs: u64,
    },
    /// The channel's owner adds the sent amount to the deposit of an open channel.
    TopUp { channel: u64 },
}

#[cw_serde]
#[derive(QueryResponses)]
pub enum QueryMsg {
    #[returns(Config)]
    Config {},
    /// A channel; an error when it does not exist.
    #[returns(Channel)]
    Channel { id: u64 },
    #[returns(ChannelsResponse)]
    ChannelsByOwner {
        owner: String,
        start_after: Option<u64>,
        limit: Option<u32>,
    },
    #[returns(ChannelsResponse)]
    ChannelsByPayee {
        payee: String,
        start_after: Option<u64>,
        limit: Option<u32>,
    },
}

#[cw_serde]
pub struct Config {
    pub registry: Addr,
    pub token: Addr,
    pub min_close_timeout_secs: u64,
    /// `MAX_CLOSE_TIMEOUT_SECS`, for clients.
    pub max_close_timeout_secs: u64,
}

#[cw_serde]
pub struct Channel {
    /// Ids start at 1.
    pub id: u64,
    /// Opened the channel; signs vouchers (through its registered sensors); gets refunds.
    pub owner: Addr,
    /// Redeems vouchers.
    pub payee: Addr,
    /// Everything the owner put in.
    pub deposit: Uint128,
    /// Everything paid to the payee (the highest voucher redeemed).
    pub redeemed: Uint128,
    /// Everything refunded to the owner (zero until the channel closes).
    pub refunded: Uint128,
    pub close_timeout_secs: u64,
    /// When the owner may withdraw, once it asked to close.
    pub closes_at: Option<Timestamp>,
    /// Withdrawn or released: no more redeems or top-ups.
    pub closed: bool,
}

#[cw_serde]
pub struct ChannelsResponse {
    pub channels: Vec<Channel>,
}

#[cw_serde]
pub struct MigrateMsg {}
