//! `data-token` (paper 4.4): a record's owner lists it as a priced asset with an openness and
//! metadata; `CanBuy` tells the escrow who may buy.

use cosmwasm_schema::{cw_serde, QueryResponses};
use cosmwasm_std::{Addr, HexBinary};

use crate::denom::{CheckedPrice, Price};
use crate::registry::Level;

/// Default bound on the allowlist of a `Partial` asset.
pub const DEFAULT_MAX_ALLOWLIST: u32 = 100;
/// Longest metadata text field.
pub const MAX_TEXT_LEN: usize = 256;
/// Longest description.
pub const MAX_DESCRIPTION_LEN: usize = 1024;

/// Paper 4.4: complete openness, partial openness, no openness.
#[cw_serde]
pub enum Openness {
    /// Any channel member may buy.
    Public,
    /// Only the listed addresses (who must be channel members) may buy.
    Partial { allowlist: Vec<String> },
    /// Nobody may buy.
    Private,
}

/// Openness with validated, sorted and deduplicated addresses.
#[cw_serde]
pub enum CheckedOpenness {
    Public,
    Partial { allowlist: Vec<Addr> },
    Private,
}

/// A span of data time, ms since the Unix epoch.
#[cw_serde]
pub struct TimeRange {
    pub start: u64,
    pub end: u64,
}

/// What a buyer reads before buying.
#[cw_serde]
pub struct AssetMetadata {
    /// Kind of data, e.g. `vibration`, `process-plan`, `simulation`.
    pub data_kind: String,
    /// The equipment the data is about, e.g. `welding-robot-A`.
    pub equipment: Option<String>,
    /// Samples per second, for sensor data.
    pub sampling_rate_hz: Option<u64>,
    /// The data's time span.
    pub time_range: Option<TimeRange>,
    /// Schema or format of the data, e.g. `csv:t,ax,ay,az`.
    pub schema: Option<String>,
    /// Free text, at most 1024 bytes.
    pub description: String,
}

#[cw_serde]
pub struct InstantiateMsg {
    /// The `data-registry` whose records are tokenized.
    pub registry: String,
    /// Most addresses in a `Partial` allowlist; defaults to 100.
    pub max_allowlist: Option<u32>,
}

#[cw_serde]
pub enum ExecuteMsg {
    /// Record owner only: lists a record as an asset. One listed asset per record.
    Tokenize {
        record_id: u64,
        price: Price,
        openness: Openness,
        metadata: AssetMetadata,
    },
    /// Asset owner only.
    UpdatePrice { asset_id: u64, price: Price },
    /// Asset owner only: replaces the openness (and with `Partial`, the whole allowlist).
    UpdateOpenness { asset_id: u64, openness: Openness },
    /// Asset owner only, `Partial` assets only: edits the allowlist.
    UpdateAllowlist {
        asset_id: u64,
        add: Vec<String>,
        remove: Vec<String>,
    },
    /// Asset owner only.
    UpdateMetadata {
        asset_id: u64,
        metadata: AssetMetadata,
    },
    /// Asset owner only: stops sales; sales already paid run on.
    Delist { asset_id: u64 },
}

#[cw_serde]
#[derive(QueryResponses)]
pub enum QueryMsg {
    #[returns(Config)]
    Config {},
    #[returns(Asset)]
    Asset { id: u64 },
    /// The listed asset of a record, if any.
    #[returns(Option<Asset>)]
    AssetByRecord { record_id: u64 },
    #[returns(AssetsResponse)]
    AssetsByOwner {
        owner: String,
        start_after: Option<u64>,
        limit: Option<u32>,
    },
    /// Listed assets with `Public` openness.
    #[returns(AssetsResponse)]
    PublicAssets {
        start_after: Option<u64>,
        limit: Option<u32>,
    },
    /// Listed assets of every openness but `Private`.
    #[returns(AssetsResponse)]
    ListedAssets {
        start_after: Option<u64>,
        limit: Option<u32>,
    },
    /// Whether `buyer` may buy the asset now, and why not.
    #[returns(CanBuyResponse)]
    CanBuy { asset_id: u64, buyer: String },
}

#[cw_serde]
pub struct Config {
    pub registry: Addr,
    pub max_allowlist: u32,
}

#[cw_serde]
pub struct Asset {
    pub id: u64,
    pub record_id: u64,
    /// The record's owner: the seller.
    pub owner: Addr,
    /// Copied from the record.
    pub channel: String,
    pub provider: Addr,
    pub hash: HexBinary,
    pub size: u64,
    pub level: Level,
    pub price: CheckedPrice,
    pub openness: CheckedOpenness,
    pub metadata: AssetMetadata,
    pub listed: bool,
}

#[cw_serde]
pub struct AssetsResponse {
    pub assets: Vec<Asset>,
}

#[cw_serde]
pub struct CanBuyResponse {
    pub can_buy: bool,
    /// Why not, in words a buyer can act on.
    pub reason: Option<String>,
}

#[cw_serde]
pub struct MigrateMsg {}
