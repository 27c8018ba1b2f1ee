#[cfg(not(feature = "library"))]
use cosmwasm_std::entry_point;
use cosmwasm_std::{to_json_binary, Binary, Deps, DepsMut, Env, MessageInfo, Response, StdResult};
use cw2::{ensure_from_older_version, set_contract_version};

use crate::error::ContractError;
use crate::execute;
use crate::msg::{ExecuteMsg, InstantiateMsg, MigrateMsg, QueryMsg};
use crate::query;

/// cw2 name of this contract; `migrate` refuses state written by any other contract.
pub const CONTRACT_NAME: &str = "crates.io:twinshare-data-registry";
/// cw2 version of this contract; `migrate` refuses downgrades.
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
        ExecuteMsg::RegisterParty { pubkey, name } => {
            execute::register_party(deps, env, info, pubkey, name)
        }
        ExecuteMsg::CreateChannel { id, members } => {
            execute::create_channel(deps, env, info, id, members)
        }
        ExecuteMsg::AddMembers { channel, members } => {
            execute::add_members(deps, info, channel, members)
        }
        ExecuteMsg::RemoveMembers { channel, members } => {
            execute::remove_members(deps, info, channel, members)
        }
        ExecuteMsg::Register {
            channel,
            hash,
            size,
            level,
            locator,
            stream,
            client_timestamp,
            provider,
        } => execute::register(
            deps,
            env,
            info,
            execute::RegisterArgs {
                channel,
                hash,
                size,
                level,
                locator,
                stream,
                client_timestamp,
                provider,
            },
        ),
        ExecuteMsg::AnchorBatch {
            channel,
            root,
            count,
            first_timestamp,
            last_timestamp,
        } => execute::anchor_batch(
            deps,
            env,
            info,
            execute::AnchorArgs {
                channel,
                root,
                count,
                first_timestamp,
                last_timestamp,
            },
        ),
        ExecuteMsg::UpdateConfig {
            admin,
            storage_payment,
            fee_collector,
            fee_denom,
        } => execute::update_config(deps, info, admin, storage_payment, fee_collector, fee_denom),
        ExecuteMsg::UpdateAnchorers { add, remove } => {
            execute::update_anchorers(deps, info, add, remove)
        }
        ExecuteMsg::RegisterSensor { pubkey, name } => {
            execute::register_sensor(deps, env, info, pubkey, name)
        }
        ExecuteMsg::RemoveSensor { pubkey } => execute::remove_sensor(deps, info, pubkey),
    }
}

#[cfg_attr(not(feature = "library"), entry_point)]
pub fn query(deps: Deps, _env: Env, msg: QueryMsg) -> StdResult<Binary> {
    match msg {
        QueryMsg::Config {} => to_json_binary(&query::config(deps)?),
        QueryMsg::Party { address } => to_json_binary(&query::party(deps, address)?),
        QueryMsg::Channel { id } => to_json_binary(&query::channel(deps, id)?),
        QueryMsg::Members {
            channel,
            start_after,
            limit,
        } => to_json_binary(&query::members(deps, channel, start_after, limit)?),
        QueryMsg::IsMember { channel, address } => {
            to_json_binary(&query::is_member(deps, channel, address)?)
        }
        QueryMsg::Record { id } => to_json_binary(&query::record(deps, id)?),
        QueryMsg::RecordByHash { hash } => to_json_binary(&query::record_by_hash(deps, hash)?),
        QueryMsg::RecordsByOwner {
            owner,
            start_after,
            limit,
        } => to_json_binary(&query::records_by_owner(deps, owner, start_after, limit)?),
        QueryMsg::RecordsByChannel {
            channel,
            start_after,
            limit,
        } => to_json_binary(&query::records_by_channel(
            deps,
            channel,
            start_after,
            limit,
        )?),
        QueryMsg::RecordsByStream {
            stream,
            start_after,
            limit,
        } => to_json_binary(&query::records_by_stream(deps, stream, start_after, limit)?),
        QueryMsg::LatestInStream { stream } => {
            to_json_binary(&query::latest_in_stream(deps, stream)?)
        }
        QueryMsg::UsedBytes { owner, provider } => {
            to_json_binary(&query::used_bytes(deps, owner, provider)?)
        }
        QueryMsg::Batch { id } => to_json_binary(&query::batch(deps, id)?),
        QueryMsg::BatchesByChannel {
            channel,
            start_after,
            limit,
        } => to_json_binary(&query::batches_by_channel(
            deps,
            channel,
            start_after,
            limit,
        )?),
        QueryMsg::VerifyInclusion {
            batch_id,
            leaf,
            proof,
        } => to_json_binary(&query::verify_inclusion(deps, batch_id, leaf, proof)?),
        QueryMsg::Sensor { pubkey } => to_json_binary(&query::sensor(deps, pubkey)?),
        QueryMsg::SensorsByOwner {
            owner,
            start_after,
            limit,
        } => to_json_binary(&query::sensors_by_owner(deps, owner, start_after, limit)?),
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
