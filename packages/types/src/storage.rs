//! `storage-payment` (paper 4.3): providers list a price per byte-second; owners buy, extend and
//! cancel leases; the provider is paid pro rata as time passes; `Capacity` serves `data-registry`.

use cosmwasm_schema::{cw_serde, QueryResponses};
use cosmwasm_std::{Addr, Decimal, HexBinary, Timestamp, Uint128};
use cw20::Cw20ReceiveMsg;

use crate::denom::{CheckedDenom, Denom};

/// Longest endpoint description of a provider.
pub const MAX_ENDPOINT_LEN: usize = 256;
/// Most lease ids one `Withdraw` may name.
pub const MAX_WITHDRAW_IDS: usize = 30;
/// Default bound on an owner's open (unexpired, uncancelled) leases with one provider.
pub const DEFAULT_MAX_OPEN_LEASES: u32 = 16;

#[cw_serde]
pub struct InstantiateMsg {
    /// Most open leases one owner may hold with one provider (bounds the capacity query);
    /// defaults to 16.
    pub max_open_leases: Option<u32>,
}

#[cw_serde]
pub enum ExecuteMsg {
    /// Lists the sender as a storage provider.
    RegisterProvider {
        /// Price of storing one byte for one second.
        price_per_byte_second: Decimal,
        /// What leases are paid in.
        denom: Denom,
        /// Account of the provider's relayer, which reports deliveries; defaults to the sender.
        relayer: Option<String>,
        /// The relayer's Umbral public key: sellers seal kfrags to it.
        relayer_pubkey: HexBinary,
        /// Where the provider's storage is reached (a URI or free text), at most 256 bytes.
        endpoint: String,
    },
    /// Changes the sender's listing; leases already bought keep their price.
    UpdateProvider {
        price_per_byte_second: Option<Decimal>,
        denom: Option<Denom>,
        relayer: Option<String>,
        relayer_pubkey: Option<HexBinary>,
        endpoint: Option<String>,
    },
    /// Stops new leases and extensions; existing leases run on.
    DeactivateProvider {},
    /// Accepts new leases again.
    ActivateProvider {},
    /// Buys a lease paid in the provider's native denom (exact amount, see `Quote`).
    BuyLease {
        provider: String,
        bytes: u64,
        duration_secs: u64,
    },
    /// Extends a lease, paid in native funds at the lease's own price.
    ExtendLease { lease_id: u64, extra_secs: u64 },
    /// Buys or extends a lease paid in the provider's cw20 token (`ReceiveMsg` inside).
    Receive(Cw20ReceiveMsg),
    /// Owner only: ends the lease now; what has not elapsed is refunded.
    CancelLease { lease_id: u64 },
    /// Provider only: pays out what has elapsed on each listed lease.
    Withdraw { lease_ids: Vec<u64> },
}

/// The `msg` of a cw20 `Send` to this contract.
#[cw_serde]
pub enum ReceiveMsg {
    BuyLease {
        provider: String,
        bytes: u64,
        duration_secs: u64,
    },
    ExtendLease {
        lease_id: u64,
        extra_secs: u64,
    },
}

#[cw_serde]
#[derive(QueryResponses)]
pub enum QueryMsg {
    #[returns(Config)]
    Config {},
    #[returns(Provider)]
    Provider { address: String },
    #[returns(ProvidersResponse)]
    Providers {
        start_after: Option<String>,
        limit: Option<u32>,
    },
    /// The cost of a new lease with a provider at its current price.
    #[returns(QuoteResponse)]
    Quote {
        provider: String,
        bytes: u64,
        duration_secs: u64,
    },
    #[returns(LeaseResponse)]
    Lease { id: u64 },
    #[returns(LeasesResponse)]
    LeasesByOwner {
        owner: String,
        start_after: Option<u64>,
        limit: Option<u32>,
    },
    #[returns(LeasesResponse)]
    LeasesByProvider {
        provider: String,
        start_after: Option<u64>,
        limit: Option<u32>,
    },
    /// Bytes of paid, unexpired, uncancelled leases an owner holds with a provider now.
    #[returns(CapacityResponse)]
    Capacity { owner: String, provider: String },
}

#[cw_serde]
pub struct Config {
    pub max_open_leases: u32,
}

#[cw_serde]
pub struct Provider {
    pub address: Addr,
    pub price_per_byte_second: Decimal,
    pub denom: CheckedDenom,
    pub relayer: Addr,
    pub relayer_pubkey: HexBinary,
    pub endpoint: String,
    pub active: bool,
}

#[cw_serde]
pub struct ProvidersResponse {
    pub providers: Vec<Provider>,
}

#[cw_serde]
pub struct QuoteResponse {
    pub amount: Uint128,
    pub denom: CheckedDenom,
}

/// A lease as stored. Its price is fixed at purchase; `paid` grows with extensions.
#[cw_serde]
pub struct Lease {
    pub id: u64,
    pub owner: Addr,
    pub provider: Addr,
    pub bytes: u64,
    pub start: Timestamp,
    /// End of the lease; set to the cancel time when cancelled.
    pub end: Timestamp,
    pub price_per_byte_second: Decimal,
    pub denom: CheckedDenom,
    /// Everything the provider may ever be paid for this lease (after a cancel: what had elapsed).
    pub paid: Uint128,
    /// What the provider has withdrawn so far.
    pub withdrawn: Uint128,
    pub cancelled: bool,
}

#[cw_serde]
pub struct LeaseResponse {
    pub lease: Lease,
    /// What the provider has earned by now (pro rata, rounded down).
    pub earned: Uint128,
    /// What the provider can withdraw now.
    pub withdrawable: Uint128,
    /// What a cancel now would refund to the owner.
    pub refundable: Uint128,
    /// Whether the lease counts towards capacity now.
    pub active: bool,
}

#[cw_serde]
pub struct LeasesResponse {
    pub leases: Vec<Lease>,
}

#[cw_serde]
pub struct CapacityResponse {
    /// Sum of the bytes of the owner's active leases with the provider.
    pub bytes: u64,
    /// Number of those leases.
    pub leases: u32,
}

#[cw_serde]
pub struct MigrateMsg {}
