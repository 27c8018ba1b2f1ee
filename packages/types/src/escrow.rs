//! `escrow` (paper 4.5-4.6): a purchase pays into escrow, the seller submits the re-key (kfrags
//! sealed to the provider's relayer), the relayer reports delivery, the buyer confirms and the
//! seller is paid. Deadlines refund the buyer; a dispute window and an arbiter settle quarrels.

use cosmwasm_schema::{cw_serde, QueryResponses};
use cosmwasm_std::{Addr, Binary, HexBinary, Timestamp, Uint128};
use cw20::Cw20ReceiveMsg;

use crate::denom::CheckedPrice;
use crate::registry::Level;

/// Default bound on the sealed kfrags a seller submits.
pub const DEFAULT_MAX_KFRAGS_BYTES: u32 = 8192;
/// Longest cfrag locator and dispute reason.
pub const MAX_TEXT_LEN: usize = 512;
/// Fees are in basis points of the price.
pub const BPS_DENOMINATOR: u16 = 10_000;

#[cw_serde]
pub struct InstantiateMsg {
    /// May change the configuration; defaults to the instantiating address.
    pub admin: Option<String>,
    /// The `data-token` contract whose assets are sold.
    pub data_token: String,
    /// The `storage-payment` contract naming each provider's relayer.
    pub storage_payment: String,
    /// Settles disputes.
    pub arbiter: String,
    /// The relayer's share of each confirmed sale, in basis points (at most 10,000).
    pub relayer_fee_bps: u16,
    /// After payment, the seller has this long to submit the re-key.
    pub rekey_timeout_secs: u64,
    /// After the re-key, the relayer has this long to report delivery.
    pub delivery_timeout_secs: u64,
    /// After delivery, the buyer has this long to confirm or dispute; then the seller may claim.
    pub dispute_window_secs: u64,
    /// Largest sealed kfrags accepted; defaults to 8192 bytes.
    pub max_kfrags_bytes: Option<u32>,
}

#[cw_serde]
pub enum ExecuteMsg {
    /// Buys an asset priced in a native denom: send exactly the price.
    Buy {
        asset_id: u64,
        /// The buyer's Umbral public key, 33 bytes: the re-key targets it.
        buyer_pubkey: HexBinary,
    },
    /// Buys an asset priced in a cw20 token (`ReceiveMsg::Buy` inside a cw20 `Send`).
    Receive(Cw20ReceiveMsg),
    /// Seller only, while `Paid`: the kfrags for the buyer, sealed to the provider's relayer key.
    SubmitReKey { sale_id: u64, kfrags: Binary },
    /// The provider's relayer only, while `ReKeySubmitted`: where the cfrag is and its hash.
    ReportDelivery {
        sale_id: u64,
        cfrag_locator: String,
        /// 32-byte SHA-256 of the stored cfrag.
        cfrag_hash: HexBinary,
    },
    /// Buyer only, while `Delivered`: pays the seller and the relayer.
    Confirm { sale_id: u64 },
    /// Buyer only: takes the payment back when the re-key or the delivery missed its deadline.
    Refund { sale_id: u64 },
    /// Buyer only, while `Delivered` and inside the dispute window.
    Dispute { sale_id: u64, reason: String },
    /// Arbiter only, while `Disputed`: pays the seller (and relayer) or refunds the buyer.
    Resolve { sale_id: u64, refund_buyer: bool },
    /// Seller only, while `Delivered` and after the dispute window: pays as a confirm would.
    Claim { sale_id: u64 },
    /// Admin only.
    UpdateConfig {
        admin: Option<String>,
        arbiter: Option<String>,
        relayer_fee_bps: Option<u16>,
        rekey_timeout_secs: Option<u64>,
        delivery_timeout_secs: Option<u64>,
        dispute_window_secs: Option<u64>,
        max_kfrags_bytes: Option<u32>,
    },
}

/// The `msg` of a cw20 `Send` to the escrow.
#[cw_serde]
pub enum ReceiveMsg {
    Buy {
        asset_id: u64,
        buyer_pubkey: HexBinary,
    },
}

#[cw_serde]
#[derive(QueryResponses)]
pub enum QueryMsg {
    #[returns(Config)]
    Config {},
    #[returns(Sale)]
    Sale { id: u64 },
    #[returns(SalesResponse)]
    SalesByBuyer {
        buyer: String,
        start_after: Option<u64>,
        limit: Option<u32>,
    },
    #[returns(SalesResponse)]
    SalesBySeller {
        seller: String,
        start_after: Option<u64>,
        limit: Option<u32>,
    },
    /// Sales whose re-key is in and whose delivery is awaited from this relayer.
    #[returns(SalesResponse)]
    PendingDeliveries {
        relayer: String,
        start_after: Option<u64>,
        limit: Option<u32>,
    },
}

#[cw_serde]
pub struct Config {
    pub admin: Addr,
    pub data_token: Addr,
    pub storage_payment: Addr,
    pub arbiter: Addr,
    pub relayer_fee_bps: u16,
    pub rekey_timeout_secs: u64,
    pub delivery_timeout_secs: u64,
    pub dispute_window_secs: u64,
    pub max_kfrags_bytes: u32,
}

/// Where a sale stands. Open: `Paid`, `ReKeySubmitted`, `Delivered`, `Disputed`.
#[cw_serde]
pub enum SaleStatus {
    Paid,
    ReKeySubmitted,
    Delivered,
    Disputed,
    /// The seller (and relayer) were paid: by confirm, claim or arbiter.
    Confirmed,
    /// The buyer got the payment back: by deadline or arbiter.
    Refunded,
}

impl SaleStatus {
    /// Whether the escrow still holds the sale's payment.
    pub fn is_open(&self) -> bool {
        !matches!(self, SaleStatus::Confirmed | SaleStatus::Refunded)
    }

    /// The value of the `status` event attribute.
    pub fn as_str(&self) -> &'static str {
        match self {
            SaleStatus::Paid => "paid",
            SaleStatus::ReKeySubmitted => "rekey_submitted",
            SaleStatus::Delivered => "delivered",
            SaleStatus::Disputed => "disputed",
            SaleStatus::Confirmed => "confirmed",
            SaleStatus::Refunded => "refunded",
        }
    }
}

#[cw_serde]
pub struct Sale {
    pub id: u64,
    pub asset_id: u64,
    pub channel: String,
    pub buyer: Addr,
    pub seller: Addr,
    pub provider: Addr,
    pub relayer: Addr,
    /// The buyer's Umbral public key.
    pub buyer_pubkey: HexBinary,
    /// The relayer's Umbral public key at purchase time: kfrags are sealed to it.
    pub relayer_pubkey: HexBinary,
    /// What the buyer paid, held by the escrow while the sale is open.
    pub price: CheckedPrice,
    /// The relayer's part of the price on confirmation.
    pub relayer_fee: Uint128,
    /// The asset's level, so relayers can order their work (paper Rule 3).
    pub level: Level,
    pub status: SaleStatus,
    pub created_at: Timestamp,
    /// The re-key must arrive before this.
    pub rekey_deadline: Timestamp,
    /// Set with the re-key: delivery must be reported before this.
    pub delivery_deadline: Option<Timestamp>,
    /// Set with the delivery: confirm or dispute before this; afterwards the seller may claim.
    pub dispute_deadline: Option<Timestamp>,
    pub kfrags: Option<Binary>,
    pub cfrag_locator: Option<String>,
    pub cfrag_hash: Option<HexBinary>,
    pub dispute_reason: Option<String>,
}

#[cw_serde]
pub struct SalesResponse {
    pub sales: Vec<Sale>,
}

#[cw_serde]
pub struct MigrateMsg {}

/// Attributes of the `wasm` event every sale state change emits; relayers subscribe to them.
pub mod events {
    pub const ACTION: &str = "action";
    pub const SALE_ID: &str = "sale_id";
    pub const ASSET_ID: &str = "asset_id";
    pub const BUYER: &str = "buyer";
    pub const SELLER: &str = "seller";
    pub const RELAYER: &str = "relayer";
    pub const STATUS: &str = "status";
    pub const LEVEL: &str = "level";
    pub const FEE: &str = "fee";
}
