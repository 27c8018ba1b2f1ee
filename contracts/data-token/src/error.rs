use cosmwasm_std::{Addr, StdError};
use cw_utils::PaymentError;
use thiserror::Error;
use twinshare_types::CommonError;

#[derive(Error, Debug, PartialEq)]
pub enum ContractError {
    #[error(transparent)]
    Std(#[from] StdError),

    #[error(transparent)]
    Common(#[from] CommonError),

    #[error(transparent)]
    Payment(#[from] PaymentError),

    #[error("max_allowlist must be at least 1")]
    ZeroMaxAllowlist,

    #[error("record {record_id} was not found in the registry")]
    RecordNotFound { record_id: u64 },

    #[error("only the record's owner {owner} may tokenize record {record_id}")]
    NotRecordOwner { record_id: u64, owner: Addr },

    #[error("{address} is not a member of channel {channel:?}; ask the channel admin to add it")]
    NotChannelMember { channel: String, address: Addr },

    #[error(
        "record {record_id} is already listed as asset {asset_id}; update or delist that asset"
    )]
    AlreadyTokenized { record_id: u64, asset_id: u64 },

    #[error("the price must be more than zero")]
    ZeroPrice,

    #[error("asset {asset_id} not found")]
    AssetNotFound { asset_id: u64 },

    #[error("only the asset's owner {owner} may change asset {asset_id}")]
    NotAssetOwner { asset_id: u64, owner: Addr },

    #[error("asset {asset_id} is delisted; tokenize the record again to list it")]
    AssetDelisted { asset_id: u64 },

    #[error("asset {asset_id} is not Partial; set its openness with UpdateOpenness")]
    NotPartial { asset_id: u64 },

    #[error("a Partial allowlist needs at least one address; use Private to share with nobody")]
    EmptyAllowlist,

    #[error("{len} allowlist addresses are over the limit of {max}")]
    AllowlistTooLong { len: usize, max: u32 },

    #[error("address {address} appears more than once")]
    DuplicateAddress { address: Addr },

    #[error("the owner {owner} cannot be on its own asset's allowlist")]
    OwnerInAllowlist { owner: Addr },

    #[error("{address} is not on the allowlist of asset {asset_id}")]
    NotOnAllowlist { asset_id: u64, address: Addr },

    #[error("{address} is already on the allowlist of asset {asset_id}")]
    AlreadyOnAllowlist { asset_id: u64, address: Addr },

    #[error("UpdateAllowlist needs at least one address to add or remove")]
    EmptyAllowlistUpdate,

    #[error("metadata data_kind must not be empty")]
    EmptyDataKind,

    #[error("metadata {field} is {len} bytes long; at most {max} are allowed")]
    TextTooLong {
        field: &'static str,
        len: usize,
        max: usize,
    },

    #[error("metadata time_range starts at {start}, after its end {end}")]
    InvalidTimeRange { start: u64, end: u64 },
}
