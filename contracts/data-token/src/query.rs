use cosmwasm_std::{Deps, Order, StdError, StdResult};
use cw_storage_plus::{Bound, Map};
use twinshare_types::pagination::{page_ids, page_limit};

use crate::execute::is_member;
use crate::msg::{Asset, AssetsResponse, CanBuyResponse, CheckedOpenness};
use crate::state::{ASSETS, ASSETS_BY_OWNER, ASSET_BY_RECORD, CONFIG, OPEN_LISTED, PUBLIC_LISTED};

pub fn asset(deps: Deps, id: u64) -> StdResult<Asset> {
    ASSETS
        .may_load(deps.storage, id)?
        .ok_or_else(|| StdError::not_found(format!("asset {id}")))
}

pub fn asset_by_record(deps: Deps, record_id: u64) -> StdResult<Option<Asset>> {
    ASSET_BY_RECORD
        .may_load(deps.storage, record_id)?
        .map(|id| ASSETS.load(deps.storage, id))
        .transpose()
}

/// Every asset the owner tokenized, listed or delisted, by id.
pub fn assets_by_owner(
    deps: Deps,
    owner: String,
    start_after: Option<u64>,
    limit: Option<u32>,
) -> StdResult<AssetsResponse> {
    let owner = deps.api.addr_validate(&owner)?;
    let assets = page_ids(
        deps.storage,
        ASSETS_BY_OWNER.prefix(&owner),
        start_after,
        limit,
    )?
    .into_iter()
    .map(|id| ASSETS.load(deps.storage, id))
    .collect::<StdResult<_>>()?;
    Ok(AssetsResponse { assets })
}

pub fn public_assets(
    deps: Deps,
    start_after: Option<u64>,
    limit: Option<u32>,
) -> StdResult<AssetsResponse> {
    page_index(deps, &PUBLIC_LISTED, start_after, limit)
}

pub fn listed_assets(
    deps: Deps,
    start_after: Option<u64>,
    limit: Option<u32>,
) -> StdResult<AssetsResponse> {
    page_index(deps, &OPEN_LISTED, start_after, limit)
}

/// One page of the assets whose ids a listing index holds.
fn page_index(
    deps: Deps,
    index: &Map<u64, ()>,
    start_after: Option<u64>,
    limit: Option<u32>,
) -> StdResult<AssetsResponse> {
    let assets = index
        .keys(
            deps.storage,
            start_after.map(Bound::exclusive),
            None,
            Order::Ascending,
        )
        .take(page_limit(limit))
        .map(|id| ASSETS.load(deps.storage, id?))
        .collect::<StdResult<_>>()?;
    Ok(AssetsResponse { assets })
}

/// Whether `buyer` may buy now. Refusals come as `can_buy: false` with a reason, cheapest checks
/// first, and those no action of the buyer can fix before those it can (joining the channel).
pub fn can_buy(deps: Deps, asset_id: u64, buyer: String) -> StdResult<CanBuyResponse> {
    let asset = asset(deps, asset_id)?;
    let refuse = |reason: String| {
        Ok(CanBuyResponse {
            can_buy: false,
            reason: Some(reason),
        })
    };
    if !asset.listed {
        return refuse(format!("asset {asset_id} is delisted"));
    }
    let buyer = match deps.api.addr_validate(&buyer) {
        Ok(addr) => addr,
        Err(e) => return refuse(format!("invalid buyer address {buyer:?}: {e}")),
    };
    if buyer == asset.owner {
        return refuse(format!("{buyer} owns asset {asset_id}"));
    }
    match &asset.openness {
        CheckedOpenness::Public => {}
        CheckedOpenness::Private => {
            return refuse(format!(
                "asset {asset_id} is private: its owner shares it with nobody"
            ))
        }
        CheckedOpenness::Partial { allowlist } => {
            if allowlist.binary_search(&buyer).is_err() {
                return refuse(format!(
                    "{buyer} is not on the allowlist of asset {asset_id}; ask its owner {} to add it",
                    asset.owner
                ));
            }
        }
    }
    let registry = CONFIG.load(deps.storage)?.registry;
    if !is_member(deps, &registry, &asset.channel, &buyer)? {
        return refuse(format!(
            "{buyer} is not a member of channel {:?}; ask the channel admin to add it",
            asset.channel
        ));
    }
    Ok(CanBuyResponse {
        can_buy: true,
        reason: None,
    })
}
