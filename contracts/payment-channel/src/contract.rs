#[cfg(not(feature = "library"))]
use cosmwasm_std::entry_point;
use cosmwasm_std::{
    from_json, to_json_binary, Binary, Deps, DepsMut, Env, MessageInfo, Response, StdResult,
};
use cw2::{ensure_from_older_version, set_contract_version};
use cw_utils::nonpayable;
use twinshare_types::denom::validate_addr;

use crate::error::ContractError;
use crate::execute::{self, RedeemArgs};
use crate::msg::{ExecuteMsg, InstantiateMsg, MigrateMsg, QueryMsg, ReceiveMsg};
use crate::query;
use crate::state::CONFIG;

/// cw2 name of this contract; `migrate` refuses state written by any other.
pub const CONTRACT_NAME: &str = "crates.io:twinshare-payment-channel";
/// cw2 version of this contract; `migrate` refuses a downgrade.
pub const CONTRACT_VERSION: &str = env!("CARGO_PKG_VERSION");

#[cfg_attr(not(feature = "library"), entry_point)]
pub fn instantiate(
    deps: DepsMut,
    env: Env,
    info: MessageInfo,
    msg: InstantiateMsg,
) -> Result<Response, ContractError> {
    set_contract_version(deps.storage, CONTRACT_NAME, CONTRACT_VERSION)?;
    execute::instantiate(deps, env, info, msg)
}

#[cfg_attr(not(feature = "library"), entry_point)]
pub fn execute(
    deps: DepsMut,
    env: Env,
    info: MessageInfo,
    msg: ExecuteMsg,
) -> Result<Response, ContractError> {
    match msg {
        ExecuteMsg::Receive(wrapper) => {
            // ANY contract can call Receive and claim an amount: only the payment token's
            // word counts.
            let config = CONFIG.load(deps.storage)?;
            if info.sender != config.token {
                return Err(ContractError::UnexpectedToken {
                    expected: config.token.to_string(),
                    got: info.sender.to_string(),
                });
            }
            // The cw20 contract itself calls Receive; it never attaches native funds.
            nonpayable(&info)?;
            let sender = validate_addr(deps.api, "cw20 sender", &wrapper.sender)?;
            match from_json(&wrapper.msg)? {
                ReceiveMsg::Open {
                    payee,
                    close_timeout_secs,
                } => execute::open(
                    deps,
                    config,
                    sender,
                    wrapper.amount,
                    payee,
                    close_timeout_secs,
                ),
                ReceiveMsg::TopUp { channel } => {
                    execute::top_up(deps, sender, wrapper.amount, channel)
                }
            }
        }
        ExecuteMsg::Redeem {
            channel,
            cumulative,
            body_hash,
            sensor_pubkey,
            signature,
        } => execute::redeem(
            deps,
            info,
            RedeemArgs {
                channel,
                cumulative,
                body_hash,
                sensor_pubkey,
                signature,
            },
        ),
        ExecuteMsg::RequestClose { channel } => execute::request_close(deps, env, info, channel),
        ExecuteMsg::Withdraw { channel } => execute::withdraw(deps, env, info, channel),
        ExecuteMsg::Release { channel } => execute::release(deps, info, channel),
    }
}

#[cfg_attr(not(feature = "library"), entry_point)]
pub fn query(deps: Deps, _env: Env, msg: QueryMsg) -> StdResult<Binary> {
    match msg {
        QueryMsg::Config {} => to_json_binary(&CONFIG.load(deps.storage)?),
        QueryMsg::Channel { id } => to_json_binary(&query::channel(deps, id)?),
        QueryMsg::ChannelsByOwner {
            owner,
            start_after,
            limit,
        } => to_json_binary(&query::channels_by_owner(deps, owner, start_after, limit)?),
        QueryMsg::ChannelsByPayee {
            payee,
            start_after,
            limit,
        } => to_json_binary(&query::channels_by_payee(deps, payee, start_after, limit)?),
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
