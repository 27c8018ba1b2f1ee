use cosmwasm_std::{OverflowError, StdError, Timestamp, Uint128};
use cw_utils::PaymentError;
use thiserror::Error;
use twinshare_types::escrow::SaleStatus;
use twinshare_types::CommonError;

#[derive(Error, Debug, PartialEq)]
pub enum ContractError {
    #[error(transparent)]
    Std(#[from] StdError),

    #[error(transparent)]
    Common(#[from] CommonError),

    #[error(transparent)]
    Payment(#[from] PaymentError),

    #[error(transparent)]
    Overflow(#[from] OverflowError),

    #[error("only the admin may change the configuration")]
    NotAdmin {},

    #[error("only the arbiter may resolve a dispute")]
    NotArbiter {},

    #[error("only the buyer of sale {sale_id} may do this")]
    NotBuyer { sale_id: u64 },

    #[error("only the seller of sale {sale_id} may do this")]
    NotSeller { sale_id: u64 },

    #[error("only the relayer {relayer} of sale {sale_id} may report its delivery")]
    NotRelayer { sale_id: u64, relayer: String },

    #[error("relayer_fee_bps {bps} is more than 10000 (100%)")]
    InvalidFeeBps { bps: u16 },

    #[error("{field} must be more than 0 seconds")]
    ZeroTimeout { field: &'static str },

    #[error("max_kfrags_bytes must be at least 1")]
    ZeroMaxKfrags {},

    #[error("no asset {asset_id} in the data-token contract")]
    AssetNotFound { asset_id: u64 },

    #[error("you may not buy asset {asset_id}: {reason}")]
    CannotBuy { asset_id: u64, reason: String },

    #[error("wrong payment amount: send exactly {expected}, got {got}")]
    WrongAmount { expected: Uint128, got: Uint128 },

    #[error("wrong payment denom: the price is in {expected}, got {got} (send no other coin)")]
    WrongDenom { expected: String, got: String },

    #[error("this asset is priced in the cw20 token {token}: buy it with a cw20 Send of the price to the escrow, message ReceiveMsg::Buy")]
    PayWithCw20 { token: String },

    #[error(
        "this asset is priced in {expected}, but the payment came from the cw20 contract {got}"
    )]
    UnexpectedToken { expected: String, got: String },

    #[error("storage provider {provider} is not registered in storage-payment")]
    ProviderNotFound { provider: String },

    #[error("storage provider {provider} is inactive: its relayer would not serve the sale")]
    ProviderInactive { provider: String },

    #[error("you already have open sale {sale_id} of this asset: finish or refund it first")]
    AlreadyBuying { sale_id: u64 },

    #[error("no sale {sale_id}")]
    SaleNotFound { sale_id: u64 },

    #[error("sale {sale_id} is {}, this needs it {}", status.as_str(), expected.as_str())]
    WrongStatus {
        sale_id: u64,
        status: SaleStatus,
        expected: SaleStatus,
    },

    #[error("the deadline of sale {sale_id} passed at {deadline} (unix seconds); the buyer may take a refund")]
    DeadlinePassed { sale_id: u64, deadline: Timestamp },

    #[error("kfrags are empty")]
    EmptyKfrags {},

    #[error("kfrags are {size} bytes, more than the {max} allowed")]
    KfragsTooLarge { size: u64, max: u32 },

    #[error("{field} is empty")]
    EmptyText { field: &'static str },

    #[error("{field} is {len} bytes, more than the {max} allowed")]
    TextTooLong {
        field: &'static str,
        len: usize,
        max: usize,
    },

    #[error("{}", refund_not_available(*sale_id, status, available_at))]
    RefundNotAvailable {
        sale_id: u64,
        status: SaleStatus,
        available_at: Option<Timestamp>,
    },

    #[error("the dispute window of sale {sale_id} closed at {closed_at} (unix seconds)")]
    DisputeWindowClosed { sale_id: u64, closed_at: Timestamp },

    #[error("sale {sale_id} can be claimed from {available_at} (unix seconds), when its dispute window closes")]
    ClaimNotYetAvailable {
        sale_id: u64,
        available_at: Timestamp,
    },
}

/// Why a buyer cannot take a refund now, and when they can if ever.
fn refund_not_available(
    sale_id: u64,
    status: &SaleStatus,
    available_at: &Option<Timestamp>,
) -> String {
    match (status, available_at) {
        (SaleStatus::Paid, Some(at)) => format!(
            "no refund of sale {sale_id} yet: the seller may submit the re-key until {at} (unix seconds); a refund is available from then if it has not"
        ),
        (SaleStatus::ReKeySubmitted, Some(at)) => format!(
            "no refund of sale {sale_id} yet: the relayer may report delivery until {at} (unix seconds); a refund is available from then if it has not"
        ),
        (SaleStatus::Delivered, _) => format!(
            "no refund of sale {sale_id}: it was delivered; confirm it, or dispute it inside the dispute window"
        ),
        (SaleStatus::Disputed, _) => format!(
            "no refund of sale {sale_id}: it is disputed, and the arbiter decides"
        ),
        (status, _) => format!(
            "no refund of sale {sale_id}: it is already {}",
            status.as_str()
        ),
    }
}
