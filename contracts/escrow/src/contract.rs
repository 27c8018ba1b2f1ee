#[cfg(not(feature = "library"))]
use cosmwasm_std::entry_point;
use cosmwasm_std::{to_json_binary, Binary, Deps, DepsMut, Env, MessageInfo, Response};
use cw2::{ensure_from_older_version, set_contract_version};
use cw_utils::nonpayable;

use crate::error::ContractError;
use crate::execute::{self, validate_config, Payment};
use crate::msg::{Config, ExecuteMsg, InstantiateMsg, MigrateMsg, QueryMsg};
use crate::query;
use crate::state::{CONFIG, SALE_COUNT};
use twinshare_types::denom::validate_addr;
use twinshare_types::escrow::DEFAULT_MAX_KFRAGS_BYTES;

pub const CONTRACT_NAME: &str = "crates.io:twinshare-escrow";
pub const CONTRACT_VERSION: &str = env!("CARGO_PKG_VERSION");

#[cfg_attr(not(feature = "library"), entry_point)]
pub fn instantiate(
    deps: DepsMut,
    _env: Env,
    info: MessageInfo,
    msg: InstantiateMsg,
) -> Result<Response, ContractError> {
    nonpayable(&info)?;
    let admin = match msg.admin {
        Some(admin) => validate_addr(deps.api, "admin", &admin)?,
        None => info.sender,
    };
    let config = Config {
        admin,
        data_token: validate_addr(deps.api, "data-token", &msg.data_token)?,
        storage_payment: validate_addr(deps.api, "storage-payment", &msg.storage_payment)?,
        arbiter: validate_addr(deps.api, "arbiter", &msg.arbiter)?,
        relayer_fee_bps: msg.relayer_fee_bps,
        rekey_timeout_secs: msg.rekey_timeout_secs,
        delivery_timeout_secs: msg.delivery_timeout_secs,
        dispute_window_secs: msg.dispute_window_secs,
        max_kfrags_bytes: msg.max_kfrags_bytes.unwrap_or(DEFAULT_MAX_KFRAGS_BYTES),
    };
    validate_config(&config)?;

    set_contract_version(deps.storage, CONTRACT_NAME, CONTRACT_VERSION)?;
    CONFIG.save(deps.storage, &config)?;
    SALE_COUNT.save(deps.storage, &0)?;

    Ok(Response::new()
        .add_attribute("action", "instantiate")
        .add_attribute("admin", config.admin)
        .add_attribute("data_token", config.data_token)
        .add_attribute("storage_payment", config.storage_payment)
        .add_attribute("arbiter", config.arbiter))
}

#[cfg_attr(not(feature = "library"), entry_point)]
pub fn execute(
    deps: DepsMut,
    env: Env,
    info: MessageInfo,
    msg: ExecuteMsg,
) -> Result<Response, ContractError> {
    // Only Buy takes coins; everything else, Receive included, refuses them.
    if !matches!(msg, ExecuteMsg::Buy { .. }) {
        nonpayable(&info)?;
    }
    match msg {
        ExecuteMsg::Buy {
            asset_id,
            buyer_pubkey,
        } => execute::buy(
            deps,
            env,
            info.sender,
            asset_id,
            buyer_pubkey,
            Payment::Native(info.funds),
        ),
        ExecuteMsg::Receive(wrapper) => execute::receive(deps, env, info, wrapper),
        ExecuteMsg::SubmitReKey { sale_id, kfrags } => {
            execute::submit_rekey(deps, env, info, sale_id, kfrags)
        }
        ExecuteMsg::ReportDelivery {
            sale_id,
            cfrag_locator,
            cfrag_hash,
        } => execute::report_delivery(deps, env, info, sale_id, cfrag_locator, cfrag_hash),
        ExecuteMsg::Confirm { sale_id } => execute::confirm(deps, info, sale_id),
        ExecuteMsg::Refund { sale_id } => execute::refund(deps, env, info, sale_id),
        ExecuteMsg::Dispute { sale_id, reason } => {
            execute::dispute(deps, env, info, sale_id, reason)
        }
        ExecuteMsg::Resolve {
            sale_id,
            refund_buyer,
        } => execute::resolve(deps, info, sale_id, refund_buyer),
        ExecuteMsg::Claim { sale_id } => execute::claim(deps, env, info, sale_id),
        ExecuteMsg::UpdateConfig {
            admin,
            arbiter,
            relayer_fee_bps,
            rekey_timeout_secs,
            delivery_timeout_secs,
            dispute_window_secs,
            max_kfrags_bytes,
        } => execute::update_config(
            deps,
            info,
            execute::ConfigUpdate {
                admin,
                arbiter,
                relayer_fee_bps,
                rekey_timeout_secs,
                delivery_timeout_secs,
                dispute_window_secs,
                max_kfrags_bytes,
            },
        ),
    }
}

#[cfg_attr(not(feature = "library"), entry_point)]
pub fn query(deps: Deps, _env: Env, msg: QueryMsg) -> Result<Binary, ContractError> {
    Ok(match msg {
        QueryMsg::Config {} => to_json_binary(&CONFIG.load(deps.storage)?)?,
        QueryMsg::Sale { id } => to_json_binary(&query::sale(deps, id)?)?,
        QueryMsg::SalesByBuyer {
            buyer,
            start_after,
            limit,
        } => to_json_binary(&query::sales_by_buyer(deps, buyer, start_after, limit)?)?,
        QueryMsg::SalesBySeller {
            seller,
            start_after,
            limit,
        } => to_json_binary(&query::sales_by_seller(deps, seller, start_after, limit)?)?,
        QueryMsg::PendingDeliveries {
            relayer,
            start_after,
            limit,
        } => to_json_binary(&query::pending_deliveries(
            deps,
            relayer,
            start_after,
            limit,
        )?)?,
    })
}

#[cfg_attr(not(feature = "library"), entry_point)]
pub fn migrate(deps: DepsMut, _env: Env, _msg: MigrateMsg) -> Result<Response, ContractError> {
    // Refuses a downgrade and another contract's state.
    let previous = ensure_from_older_version(deps.storage, CONTRACT_NAME, CONTRACT_VERSION)?;
    Ok(Response::new()
        .add_attribute("action", "migrate")
        .add_attribute("from_version", previous.to_string())
        .add_attribute("to_version", CONTRACT_VERSION))
}
