#[cfg(not(feature = "library"))]
use cosmwasm_std::entry_point;
use cosmwasm_std::{to_json_binary, Binary, Deps, DepsMut, Env, MessageInfo, Response, StdResult};
use twinshare_types::denom::validate_addr;

use crate::execute;
use crate::msg::{Config, ExecuteMsg, InstantiateMsg, MigrateMsg, QueryMsg, DEFAULT_MAX_ALLOWLIST};
use crate::query;
use crate::state::{ASSET_COUNT, CONFIG};
use crate::ContractError;

/// cw2 name; `migrate` refuses state written by any other contract.
pub const CONTRACT_NAME: &str = "crates.io:twinshare-data-token";
pub const CONTRACT_VERSION: &str = env!("CARGO_PKG_VERSION");

#[cfg_attr(not(feature = "library"), entry_point)]
pub fn instantiate(
    deps: DepsMut,
    _env: Env,
    info: MessageInfo,
    msg: InstantiateMsg,
) -> Result<Response, ContractError> {
    cw_utils::nonpayable(&info)?;
    let registry = validate_addr(deps.api, "registry", &msg.registry)?;
    let max_allowlist = msg.max_allowlist.unwrap_or(DEFAULT_MAX_ALLOWLIST);
    if max_allowlist == 0 {
        return Err(ContractError::ZeroMaxAllowlist);
    }
    cw2::set_contract_version(deps.storage, CONTRACT_NAME, CONTRACT_VERSION)?;
    CONFIG.save(
        deps.storage,
        &Config {
            registry: registry.clone(),
            max_allowlist,
        },
    )?;
    ASSET_COUNT.save(deps.storage, &0)?;
    Ok(Response::new()
        .add_attribute("action", "instantiate")
        .add_attribute("registry", registry)
        .add_attribute("max_allowlist", max_allowlist.to_string()))
}

#[cfg_attr(not(feature = "library"), entry_point)]
pub fn execute(
    deps: DepsMut,
    _env: Env,
    info: MessageInfo,
    msg: ExecuteMsg,
) -> Result<Response, ContractError> {
    match msg {
        ExecuteMsg::Tokenize {
            record_id,
            price,
            openness,
            metadata,
        } => execute::tokenize(deps, info, record_id, price, openness, metadata),
        ExecuteMsg::UpdatePrice { asset_id, price } => {
            execute::update_price(deps, info, asset_id, price)
        }
        ExecuteMsg::UpdateOpenness { asset_id, openness } => {
            execute::update_openness(deps, info, asset_id, openness)
        }
        ExecuteMsg::UpdateAllowlist {
            asset_id,
            add,
            remove,
        } => execute::update_allowlist(deps, info, asset_id, add, remove),
        ExecuteMsg::UpdateMetadata { asset_id, metadata } => {
            execute::update_metadata(deps, info, asset_id, metadata)
        }
        ExecuteMsg::Delist { asset_id } => execute::delist(deps, info, asset_id),
    }
}

#[cfg_attr(not(feature = "library"), entry_point)]
pub fn query(deps: Deps, _env: Env, msg: QueryMsg) -> StdResult<Binary> {
    match msg {
        QueryMsg::Config {} => to_json_binary(&CONFIG.load(deps.storage)?),
        QueryMsg::Asset { id } => to_json_binary(&query::asset(deps, id)?),
        QueryMsg::AssetByRecord { record_id } => {
            to_json_binary(&query::asset_by_record(deps, record_id)?)
        }
        QueryMsg::AssetsByOwner {
            owner,
            start_after,
            limit,
        } => to_json_binary(&query::assets_by_owner(deps, owner, start_after, limit)?),
        QueryMsg::PublicAssets { start_after, limit } => {
            to_json_binary(&query::public_assets(deps, start_after, limit)?)
        }
        QueryMsg::ListedAssets { start_after, limit } => {
            to_json_binary(&query::listed_assets(deps, start_after, limit)?)
        }
        QueryMsg::CanBuy { asset_id, buyer } => {
            to_json_binary(&query::can_buy(deps, asset_id, buyer)?)
        }
    }
}

#[cfg_attr(not(feature = "library"), entry_point)]
pub fn migrate(deps: DepsMut, _env: Env, _msg: MigrateMsg) -> Result<Response, ContractError> {
    // Refuses downgrades and state written by another contract.
    let from = cw2::ensure_from_older_version(deps.storage, CONTRACT_NAME, CONTRACT_VERSION)?;
    Ok(Response::new()
        .add_attribute("action", "migrate")
        .add_attribute("from_version", from.to_string())
        .add_attribute("to_version", CONTRACT_VERSION))
}
