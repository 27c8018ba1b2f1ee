#[cfg(not(feature = "library"))]
use cosmwasm_std::entry_point;
use cosmwasm_std::{
    from_json, to_json_binary, Binary, Deps, DepsMut, Env, MessageInfo, Response, StdResult,
};
use cw2::{ensure_from_older_version, set_contract_version};
use cw_utils::nonpayable;
use twinshare_types::denom::validate_addr;

use crate::error::ContractError;
use crate::execute::{self, Payment};
use crate::msg::{
    Config, ExecuteMsg, InstantiateMsg, MigrateMsg, QueryMsg, ReceiveMsg, DEFAULT_MAX_OPEN_LEASES,
};
use crate::query;
use crate::state::{CONFIG, LEASE_SEQ};

/// cw2 name of this contract; `migrate` refuses state written by any other.
pub const CONTRACT_NAME: &str = "crates.io:twinshare-storage-payment";
/// cw2 version of this contract; `migrate` refuses a downgrade.
pub const CONTRACT_VERSION: &str = env!("CARGO_PKG_VERSION");

#[cfg_attr(not(feature = "library"), entry_point)]
pub fn instantiate(
    deps: DepsMut,
    _env: Env,
    info: MessageInfo,
    msg: InstantiateMsg,
) -> Result<Response, ContractError> {
    nonpayable(&info)?;
    let max_open_leases = msg.max_open_leases.unwrap_or(DEFAULT_MAX_OPEN_LEASES);
    if max_open_leases == 0 {
        return Err(ContractError::InvalidMaxOpenLeases {});
    }
    set_contract_version(deps.storage, CONTRACT_NAME, CONTRACT_VERSION)?;
    CONFIG.save(deps.storage, &Config { max_open_leases })?;
    LEASE_SEQ.save(deps.storage, &0)?;
    Ok(Response::new()
        .add_attribute("action", "instantiate")
        .add_attribute("max_open_leases", max_open_leases.to_string()))
}

#[cfg_attr(not(feature = "library"), entry_point)]
pub fn execute(
    deps: DepsMut,
    env: Env,
    info: MessageInfo,
    msg: ExecuteMsg,
) -> Result<Response, ContractError> {
    match msg {
        ExecuteMsg::RegisterProvider {
            price_per_byte_second,
            denom,
            relayer,
            relayer_pubkey,
            endpoint,
        } => execute::register_provider(
            deps,
            info,
            price_per_byte_second,
            denom,
            relayer,
            relayer_pubkey,
            endpoint,
        ),
        ExecuteMsg::UpdateProvider {
            price_per_byte_second,
            denom,
            relayer,
            relayer_pubkey,
            endpoint,
        } => execute::update_provider(
            deps,
            info,
            price_per_byte_second,
            denom,
            relayer,
            relayer_pubkey,
            endpoint,
        ),
        ExecuteMsg::DeactivateProvider {} => execute::set_provider_active(deps, info, false),
        ExecuteMsg::ActivateProvider {} => execute::set_provider_active(deps, info, true),
        ExecuteMsg::BuyLease {
            provider,
            bytes,
            duration_secs,
        } => {
            let owner = info.sender.clone();
            execute::buy_lease(
                deps,
                env,
                owner,
                Payment::Native(&info),
                provider,
                bytes,
                duration_secs,
            )
        }
        ExecuteMsg::ExtendLease {
            lease_id,
            extra_secs,
        } => {
            let sender = info.sender.clone();
            execute::extend_lease(
                deps,
                env,
                sender,
                Payment::Native(&info),
                lease_id,
                extra_secs,
            )
        }
        ExecuteMsg::Receive(wrapper) => {
            // The cw20 contract itself calls Receive; it never attaches native funds.
            nonpayable(&info)?;
            let sender = validate_addr(deps.api, "cw20 sender", &wrapper.sender)?;
            // Which token this is gets checked against the lease's denom, since ANY contract
            // can call Receive and claim an amount.
            let payment = Payment::Cw20 {
                token: info.sender.clone(),
                amount: wrapper.amount,
            };
            match from_json(&wrapper.msg)? {
                ReceiveMsg::BuyLease {
                    provider,
                    bytes,
                    duration_secs,
                } => execute::buy_lease(deps, env, sender, payment, provider, bytes, duration_secs),
                ReceiveMsg::ExtendLease {
                    lease_id,
                    extra_secs,
                } => execute::extend_lease(deps, env, sender, payment, lease_id, extra_secs),
            }
        }
        ExecuteMsg::CancelLease { lease_id } => execute::cancel_lease(deps, env, info, lease_id),
        ExecuteMsg::Withdraw { lease_ids } => execute::withdraw(deps, env, info, lease_ids),
    }
}

#[cfg_attr(not(feature = "library"), entry_point)]
pub fn query(deps: Deps, env: Env, msg: QueryMsg) -> StdResult<Binary> {
    match msg {
        QueryMsg::Config {} => to_json_binary(&CONFIG.load(deps.storage)?),
        QueryMsg::Provider { address } => to_json_binary(&query::provider(deps, address)?),
        QueryMsg::Providers { start_after, limit } => {
            to_json_binary(&query::providers(deps, start_after, limit)?)
        }
        QueryMsg::Quote {
            provider,
            bytes,
            duration_secs,
        } => to_json_binary(&query::quote(deps, provider, bytes, duration_secs)?),
        QueryMsg::Lease { id } => to_json_binary(&query::lease(deps, env, id)?),
        QueryMsg::LeasesByOwner {
            owner,
            start_after,
            limit,
        } => to_json_binary(&query::leases_by_owner(deps, owner, start_after, limit)?),
        QueryMsg::LeasesByProvider {
            provider,
            start_after,
            limit,
        } => to_json_binary(&query::leases_by_provider(
            deps,
            provider,
            start_after,
            limit,
        )?),
        QueryMsg::Capacity { owner, provider } => {
            to_json_binary(&query::capacity(deps, env, owner, provider)?)
        }
    }
}

#[cfg_attr(not(feature = "library"), entry_point)]
pub fn migrate(deps: DepsMut, _env: Env, _msg: MigrateMsg) -> Result<Response, ContractError> {
    let from = ensure_from_older_version(deps.storage, CONTRACT_NAME, CONTRACT_VERSION)?;
    Ok(Response::new()
        .add_attribute("action", "migrate")
        .add_attribute("from_version", from.to_string())
        .add_attribute("to_version", CONTRACT_VERSION))
}
