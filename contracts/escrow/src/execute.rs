use cosmwasm_std::{
    from_json, Addr, Binary, Coin, CosmosMsg, DepsMut, Env, HexBinary, MessageInfo, Response,
    StdError, Storage, Timestamp, Uint128, Uint64,
};
use cw20::Cw20ReceiveMsg;
use twinshare_types::denom::{validate_addr, CheckedDenom, CheckedPrice};
use twinshare_types::registry::Level;
use twinshare_types::storage::{Provider, QueryMsg as StorageQueryMsg};
use twinshare_types::token::{Asset, CanBuyResponse, QueryMsg as TokenQueryMsg};
use twinshare_types::umbral::validate_public_key;
use twinshare_types::CommonError;

use crate::error::ContractError;
use crate::msg::{events, Config, ReceiveMsg, Sale, SaleStatus, BPS_DENOMINATOR, MAX_TEXT_LEN};
use crate::state::{
    CONFIG, OPEN_PURCHASE, PENDING, SALES, SALES_BY_BUYER, SALES_BY_SELLER, SALE_COUNT,
};

/// Length of the SHA-256 cfrag hash a relayer reports.
const CFRAG_HASH_LEN: usize = 32;

/// How a purchase was paid: which door it came through decides what is checked.
pub enum Payment {
    /// `ExecuteMsg::Buy`: the coins sent with the message.
    Native(Vec<Coin>),
    /// `ExecuteMsg::Receive`: the cw20 contract that called, and the amount it says was sent.
    Cw20 { token: Addr, amount: Uint128 },
}

/// The optional fields of `ExecuteMsg::UpdateConfig`.
pub struct ConfigUpdate {
    /// New admin.
    pub admin: Option<String>,
    /// New arbiter.
    pub arbiter: Option<String>,
    /// New relayer fee; applies to sales bought afterwards.
    pub relayer_fee_bps: Option<u16>,
    /// New re-key timeout; applies to sales bought afterwards.
    pub rekey_timeout_secs: Option<u64>,
    /// New delivery timeout; applies to re-keys submitted afterwards.
    pub delivery_timeout_secs: Option<u64>,
    /// New dispute window; applies to deliveries reported afterwards.
    pub dispute_window_secs: Option<u64>,
    /// New bound on kfrags.
    pub max_kfrags_bytes: Option<u32>,
}

/// The checks instantiate and `UpdateConfig` share.
pub fn validate_config(config: &Config) -> Result<(), ContractError> {
    if config.relayer_fee_bps > BPS_DENOMINATOR {
        return Err(ContractError::InvalidFeeBps {
            bps: config.relayer_fee_bps,
        });
    }
    for (field, secs) in [
        ("rekey_timeout_secs", config.rekey_timeout_secs),
        ("delivery_timeout_secs", config.delivery_timeout_secs),
        ("dispute_window_secs", config.dispute_window_secs),
    ] {
        if secs == 0 {
            return Err(ContractError::ZeroTimeout { field });
        }
    }
    if config.max_kfrags_bytes == 0 {
        return Err(ContractError::ZeroMaxKfrags {});
    }
    Ok(())
}

/// The cw20 door: the token contract calls with the buyer as `sender`.
pub fn receive(
    deps: DepsMut,
    env: Env,
    info: MessageInfo,
    wrapper: Cw20ReceiveMsg,
) -> Result<Response, ContractError> {
    let buyer = validate_addr(deps.api, "cw20 sender", &wrapper.sender)?;
    let ReceiveMsg::Buy {
        asset_id,
        buyer_pubkey,
    } = from_json(&wrapper.msg)?;
    // `info.sender` is whoever called; `buy` checks it is the asset's token.
    let payment = Payment::Cw20 {
        token: info.sender,
        amount: wrapper.amount,
    };
    buy(deps, env, buyer, asset_id, buyer_pubkey, payment)
}

/// Both doors end here: every check first, then the sale is saved.
pub fn buy(
    deps: DepsMut,
    env: Env,
    buyer: Addr,
    asset_id: u64,
    buyer_pubkey: HexBinary,
    payment: Payment,
) -> Result<Response, ContractError> {
    let config = CONFIG.load(deps.storage)?;

    let asset: Asset = deps
        .querier
        .query_wasm_smart(&config.data_token, &TokenQueryMsg::Asset { id: asset_id })
        .map_err(|_| ContractError::AssetNotFound { asset_id })?;
    let can_buy: CanBuyResponse = deps.querier.query_wasm_smart(
        &config.data_token,
        &TokenQueryMsg::CanBuy {
            asset_id,
            buyer: buyer.to_string(),
        },
    )?;
    if !can_buy.can_buy {
        return Err(ContractError::CannotBuy {
            asset_id,
            reason: can_buy
                .reason
                .unwrap_or_else(|| "the data-token contract refuses the purchase".to_string()),
        });
    }

    check_payment(&asset.price, &payment)?;
    validate_public_key(buyer_pubkey.as_slice())?;

    let provider: Provider = deps
        .querier
        .query_wasm_smart(
            &config.storage_payment,
            &StorageQueryMsg::Provider {
                address: asset.provider.to_string(),
            },
        )
        .map_err(|_| ContractError::ProviderNotFound {
            provider: asset.provider.to_string(),
        })?;
    if !provider.active {
        return Err(ContractError::ProviderInactive {
            provider: provider.address.to_string(),
        });
    }

    if let Some(sale_id) = OPEN_PURCHASE.may_load(deps.storage, (&buyer, asset_id))? {
        return Err(ContractError::AlreadyBuying { sale_id });
    }

    let id = Uint64::new(SALE_COUNT.load(deps.storage)?)
        .checked_add(Uint64::one())?
        .u64();
    let now = env.block.time;
    let sale = Sale {
        id,
        asset_id,
        channel: asset.channel,
        buyer,
        seller: asset.owner,
        provider: provider.address,
        relayer: provider.relayer,
        buyer_pubkey,
        relayer_pubkey: provider.relayer_pubkey,
        // Rounded down: the seller never gets less than price * (1 - bps).
        relayer_fee: asset
            .price
            .amount
            .multiply_ratio(config.relayer_fee_bps, BPS_DENOMINATOR),
        price: asset.price,
        level: asset.level,
        status: SaleStatus::Paid,
        created_at: now,
        rekey_deadline: deadline(now, config.rekey_timeout_secs)?,
        delivery_deadline: None,
        dispute_deadline: None,
        kfrags: None,
        cfrag_locator: None,
        cfrag_hash: None,
        dispute_reason: None,
    };

    SALE_COUNT.save(deps.storage, &id)?;
    SALES.save(deps.storage, id, &sale)?;
    SALES_BY_BUYER.save(deps.storage, (&sale.buyer, id), &())?;
    SALES_BY_SELLER.save(deps.storage, (&sale.seller, id), &())?;
    OPEN_PURCHASE.save(deps.storage, (&sale.buyer, asset_id), &id)?;

    Ok(sale_response("buy", &sale).add_attribute("price", sale.price.to_string()))
}

/// Seller only, while `Paid` and before the re-key deadline.
pub fn submit_rekey(
    deps: DepsMut,
    env: Env,
    info: MessageInfo,
    sale_id: u64,
    kfrags: Binary,
) -> Result<Response, ContractError> {
    let mut sale = load_sale(deps.storage, sale_id)?;
    if info.sender != sale.seller {
        return Err(ContractError::NotSeller { sale_id });
    }
    expect_status(&sale, SaleStatus::Paid)?;
    let now = env.block.time;
    if now >= sale.rekey_deadline {
        return Err(ContractError::DeadlinePassed {
            sale_id,
            deadline: sale.rekey_deadline,
        });
    }
    let config = CONFIG.load(deps.storage)?;
    if kfrags.is_empty() {
        return Err(ContractError::EmptyKfrags {});
    }
    let size = kfrags.len() as u64;
    if size > u64::from(config.max_kfrags_bytes) {
        return Err(ContractError::KfragsTooLarge {
            size,
            max: config.max_kfrags_bytes,
        });
    }

    sale.kfrags = Some(kfrags);
    sale.status = SaleStatus::ReKeySubmitted;
    sale.delivery_deadline = Some(deadline(now, config.delivery_timeout_secs)?);
    SALES.save(deps.storage, sale_id, &sale)?;
    PENDING.save(deps.storage, (&sale.relayer, sale_id), &())?;

    Ok(sale_response("submit_rekey", &sale))
}

/// The sale's relayer only, while `ReKeySubmitted` and before the delivery deadline.
pub fn report_delivery(
    deps: DepsMut,
    env: Env,
    info: MessageInfo,
    sale_id: u64,
    cfrag_locator: String,
    cfrag_hash: HexBinary,
) -> Result<Response, ContractError> {
    let mut sale = load_sale(deps.storage, sale_id)?;
    if info.sender != sale.relayer {
        return Err(ContractError::NotRelayer {
            sale_id,
            relayer: sale.relayer.to_string(),
        });
    }
    expect_status(&sale, SaleStatus::ReKeySubmitted)?;
    let now = env.block.time;
    let delivery_deadline = stored_deadline(sale_id, sale.delivery_deadline, "delivery")?;
    if now >= delivery_deadline {
        return Err(ContractError::DeadlinePassed {
            sale_id,
            deadline: delivery_deadline,
        });
    }
    validate_text("cfrag_locator", &cfrag_locator)?;
    if cfrag_hash.len() != CFRAG_HASH_LEN {
        return Err(CommonError::InvalidHash {
            expected: CFRAG_HASH_LEN,
            got: cfrag_hash.len(),
        }
        .into());
    }
    let config = CONFIG.load(deps.storage)?;

    sale.cfrag_locator = Some(cfrag_locator);
    sale.cfrag_hash = Some(cfrag_hash);
    sale.status = SaleStatus::Delivered;
    sale.dispute_deadline = Some(deadline(now, config.dispute_window_secs)?);
    SALES.save(deps.storage, sale_id, &sale)?;
    PENDING.remove(deps.storage, (&sale.relayer, sale_id));

    Ok(sale_response("report_delivery", &sale))
}

/// Buyer only, while `Delivered` (inside or after the dispute window).
pub fn confirm(deps: DepsMut, info: MessageInfo, sale_id: u64) -> Result<Response, ContractError> {
    let mut sale = load_sale(deps.storage, sale_id)?;
    if info.sender != sale.buyer {
        return Err(ContractError::NotBuyer { sale_id });
    }
    expect_status(&sale, SaleStatus::Delivered)?;
    let messages = payout_msgs(&sale)?;

    sale.status = SaleStatus::Confirmed;
    close_sale(deps.storage, &sale)?;

    Ok(sale_response("confirm", &sale).add_messages(messages))
}

/// Buyer only: when the re-key or the delivery missed its deadline.
pub fn refund(
    deps: DepsMut,
    env: Env,
    info: MessageInfo,
    sale_id: u64,
) -> Result<Response, ContractError> {
    let mut sale = load_sale(deps.storage, sale_id)?;
    if info.sender != sale.buyer {
        return Err(ContractError::NotBuyer { sale_id });
    }
    let available_at = match sale.status {
        SaleStatus::Paid => Some(sale.rekey_deadline),
        SaleStatus::ReKeySubmitted => Some(stored_deadline(
            sale_id,
            sale.delivery_deadline,
            "delivery",
        )?),
        _ => None,
    };
    match available_at {
        Some(at) if env.block.time >= at => {}
        _ => {
            return Err(ContractError::RefundNotAvailable {
                sale_id,
                status: sale.status,
                available_at,
            })
        }
    }
    let messages = refund_msgs(&sale)?;

    sale.status = SaleStatus::Refunded;
    close_sale(deps.storage, &sale)?;

    Ok(sale_response("refund", &sale).add_messages(messages))
}

/// Buyer only, while `Delivered` and inside the dispute window.
pub fn dispute(
    deps: DepsMut,
    env: Env,
    info: MessageInfo,
    sale_id: u64,
    reason: String,
) -> Result<Response, ContractError> {
    let mut sale = load_sale(deps.storage, sale_id)?;
    if info.sender != sale.buyer {
        return Err(ContractError::NotBuyer { sale_id });
    }
    expect_status(&sale, SaleStatus::Delivered)?;
    let closes_at = stored_deadline(sale_id, sale.dispute_deadline, "dispute")?;
    if env.block.time >= closes_at {
        return Err(ContractError::DisputeWindowClosed {
            sale_id,
            closed_at: closes_at,
        });
    }
    validate_text("reason", &reason)?;

    sale.dispute_reason = Some(reason);
    sale.status = SaleStatus::Disputed;
    SALES.save(deps.storage, sale_id, &sale)?;

    Ok(sale_response("dispute", &sale))
}

/// Arbiter only, while `Disputed`.
pub fn resolve(
    deps: DepsMut,
    info: MessageInfo,
    sale_id: u64,
    refund_buyer: bool,
) -> Result<Response, ContractError> {
    let config = CONFIG.load(deps.storage)?;
    if info.sender != config.arbiter {
        return Err(ContractError::NotArbiter {});
    }
    let mut sale = load_sale(deps.storage, sale_id)?;
    expect_status(&sale, SaleStatus::Disputed)?;
    let messages = if refund_buyer {
        sale.status = SaleStatus::Refunded;
        refund_msgs(&sale)?
    } else {
        sale.status = SaleStatus::Confirmed;
        payout_msgs(&sale)?
    };
    close_sale(deps.storage, &sale)?;

    Ok(sale_response("resolve", &sale).add_messages(messages))
}

/// Seller only, while `Delivered` and once the dispute window has closed.
pub fn claim(
    deps: DepsMut,
    env: Env,
    info: MessageInfo,
    sale_id: u64,
) -> Result<Response, ContractError> {
    let mut sale = load_sale(deps.storage, sale_id)?;
    if info.sender != sale.seller {
        return Err(ContractError::NotSeller { sale_id });
    }
    expect_status(&sale, SaleStatus::Delivered)?;
    let available_at = stored_deadline(sale_id, sale.dispute_deadline, "dispute")?;
    if env.block.time < available_at {
        return Err(ContractError::ClaimNotYetAvailable {
            sale_id,
            available_at,
        });
    }
    let messages = payout_msgs(&sale)?;

    sale.status = SaleStatus::Confirmed;
    close_sale(deps.storage, &sale)?;

    Ok(sale_response("claim", &sale).add_messages(messages))
}

/// Admin only; the result is validated as at instantiate.
pub fn update_config(
    deps: DepsMut,
    info: MessageInfo,
    update: ConfigUpdate,
) -> Result<Response, ContractError> {
    let mut config = CONFIG.load(deps.storage)?;
    if info.sender != config.admin {
        return Err(ContractError::NotAdmin {});
    }
    if let Some(admin) = update.admin {
        config.admin = validate_addr(deps.api, "admin", &admin)?;
    }
    if let Some(arbiter) = update.arbiter {
        config.arbiter = validate_addr(deps.api, "arbiter", &arbiter)?;
    }
    if let Some(bps) = update.relayer_fee_bps {
        config.relayer_fee_bps = bps;
    }
    if let Some(secs) = update.rekey_timeout_secs {
        config.rekey_timeout_secs = secs;
    }
    if let Some(secs) = update.delivery_timeout_secs {
        config.delivery_timeout_secs = secs;
    }
    if let Some(secs) = update.dispute_window_secs {
        config.dispute_window_secs = secs;
    }
    if let Some(max) = update.max_kfrags_bytes {
        config.max_kfrags_bytes = max;
    }
    validate_config(&config)?;
    CONFIG.save(deps.storage, &config)?;

    Ok(Response::new()
        .add_attribute(events::ACTION, "update_config")
        .add_attribute("admin", config.admin)
        .add_attribute("arbiter", config.arbiter))
}

/// The payment must be exactly the price, in the price's denom, through the right door.
fn check_payment(price: &CheckedPrice, payment: &Payment) -> Result<(), ContractError> {
    match (&price.denom, payment) {
        (CheckedDenom::Native(denom), Payment::Native(funds)) => {
            let mut got = Uint128::zero();
            for coin in funds {
                if &coin.denom != denom {
                    return Err(ContractError::WrongDenom {
                        expected: denom.clone(),
                        got: coin.denom.clone(),
                    });
                }
                got = got.checked_add(coin.amount)?;
            }
            if got != price.amount {
                return Err(ContractError::WrongAmount {
                    expected: price.amount,
                    got,
                });
            }
        }
        (CheckedDenom::Cw20(token), Payment::Native(_)) => {
            return Err(ContractError::PayWithCw20 {
                token: token.to_string(),
            });
        }
        (CheckedDenom::Cw20(expected), Payment::Cw20 { token, amount }) => {
            // Any contract can call Receive: only the asset's own token pays for it.
            if token != expected {
                return Err(ContractError::UnexpectedToken {
                    expected: price.denom.to_string(),
                    got: token.to_string(),
                });
            }
            if *amount != price.amount {
                return Err(ContractError::WrongAmount {
                    expected: price.amount,
                    got: *amount,
                });
            }
        }
        (CheckedDenom::Native(_), Payment::Cw20 { token, .. }) => {
            return Err(ContractError::UnexpectedToken {
                expected: price.denom.to_string(),
                got: token.to_string(),
            });
        }
    }
    Ok(())
}

/// Pays the seller the price less the relayer fee, and the relayer its fee. Zero amounts are
/// skipped: cw20 refuses zero transfers and the bank has nothing to send.
fn payout_msgs(sale: &Sale) -> Result<Vec<CosmosMsg>, ContractError> {
    let to_seller = sale.price.amount.checked_sub(sale.relayer_fee)?;
    let mut messages = vec![];
    if !to_seller.is_zero() {
        messages.push(sale.price.denom.transfer_msg(&sale.seller, to_seller)?);
    }
    if !sale.relayer_fee.is_zero() {
        messages.push(
            sale.price
                .denom
                .transfer_msg(&sale.relayer, sale.relayer_fee)?,
        );
    }
    Ok(messages)
}

/// Gives the buyer the whole price back.
fn refund_msgs(sale: &Sale) -> Result<Vec<CosmosMsg>, ContractError> {
    if sale.price.amount.is_zero() {
        return Ok(vec![]);
    }
    Ok(vec![sale
        .price
        .denom
        .transfer_msg(&sale.buyer, sale.price.amount)?])
}

/// Saves a sale that has just closed and drops it from the open-sale indexes.
fn close_sale(storage: &mut dyn Storage, sale: &Sale) -> Result<(), ContractError> {
    SALES.save(storage, sale.id, sale)?;
    OPEN_PURCHASE.remove(storage, (&sale.buyer, sale.asset_id));
    PENDING.remove(storage, (&sale.relayer, sale.id));
    Ok(())
}

fn load_sale(storage: &dyn Storage, sale_id: u64) -> Result<Sale, ContractError> {
    SALES
        .may_load(storage, sale_id)?
        .ok_or(ContractError::SaleNotFound { sale_id })
}

fn expect_status(sale: &Sale, expected: SaleStatus) -> Result<(), ContractError> {
    if sale.status != expected {
        return Err(ContractError::WrongStatus {
            sale_id: sale.id,
            status: sale.status.clone(),
            expected,
        });
    }
    Ok(())
}

/// A deadline the sale's status guarantees is set; its absence means corrupt state.
fn stored_deadline(
    sale_id: u64,
    deadline: Option<Timestamp>,
    what: &str,
) -> Result<Timestamp, ContractError> {
    deadline.ok_or_else(|| {
        StdError::generic_err(format!("sale {sale_id} has no {what} deadline")).into()
    })
}

/// `now + secs`, refusing overflow rather than panicking.
fn deadline(now: Timestamp, secs: u64) -> Result<Timestamp, ContractError> {
    let nanos = Uint64::new(secs)
        .checked_mul(Uint64::new(1_000_000_000))?
        .checked_add(Uint64::new(now.nanos()))?;
    Ok(Timestamp::from_nanos(nanos.u64()))
}

fn validate_text(field: &'static str, text: &str) -> Result<(), ContractError> {
    if text.trim().is_empty() {
        return Err(ContractError::EmptyText { field });
    }
    if text.len() > MAX_TEXT_LEN {
        return Err(ContractError::TextTooLong {
            field,
            len: text.len(),
            max: MAX_TEXT_LEN,
        });
    }
    Ok(())
}

/// The attributes relayers subscribe to, with the sale's new status.
fn sale_response(action: &str, sale: &Sale) -> Response {
    let (level, fee) = match &sale.level {
        Level::High { fee } => ("high", *fee),
        Level::Low => ("low", Uint128::zero()),
    };
    Response::new()
        .add_attribute(events::ACTION, action)
        .add_attribute(events::SALE_ID, sale.id.to_string())
        .add_attribute(events::ASSET_ID, sale.asset_id.to_string())
        .add_attribute(events::BUYER, sale.buyer.as_str())
        .add_attribute(events::SELLER, sale.seller.as_str())
        .add_attribute(events::RELAYER, sale.relayer.as_str())
        .add_attribute(events::STATUS, sale.status.as_str())
        .add_attribute(events::LEVEL, level)
        .add_attribute(events::FEE, fee.to_string())
}
