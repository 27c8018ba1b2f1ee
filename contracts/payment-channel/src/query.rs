//! Query handlers. Lists are paginated with `page_ids` (exclusive `start_after`, capped limit).

use cosmwasm_std::{Deps, StdError, StdResult};
use twinshare_types::pagination::page_ids;

use crate::msg::{Channel, ChannelsResponse};
use crate::state::{CHANNELS, OWNER_CHANNELS, PAYEE_CHANNELS};

pub fn channel(deps: Deps, id: u64) -> StdResult<Channel> {
    CHANNELS
        .may_load(deps.storage, id)?
        .ok_or_else(|| StdError::not_found(format!("payment channel {id}")))
}

fn load_channels(deps: Deps, ids: Vec<u64>) -> StdResult<ChannelsResponse> {
    let channels = ids
        .into_iter()
        .map(|id| CHANNELS.load(deps.storage, id))
        .collect::<StdResult<_>>()?;
    Ok(ChannelsResponse { channels })
}

pub fn channels_by_owner(
    deps: Deps,
    owner: String,
    start_after: Option<u64>,
    limit: Option<u32>,
) -> StdResult<ChannelsResponse> {
    let owner = deps.api.addr_validate(&owner)?;
    let ids = page_ids(
        deps.storage,
        OWNER_CHANNELS.prefix(&owner),
        start_after,
        limit,
    )?;
    load_channels(deps, ids)
}

pub fn channels_by_payee(
    deps: Deps,
    payee: String,
    start_after: Option<u64>,
    limit: Option<u32>,
) -> StdResult<ChannelsResponse> {
    let payee = deps.api.addr_validate(&payee)?;
    let ids = page_ids(
        deps.storage,
        PAYEE_CHANNELS.prefix(&payee),
        start_after,
        limit,
    )?;
    load_channels(deps, ids)
}
