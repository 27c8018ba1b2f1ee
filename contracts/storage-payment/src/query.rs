//! Query handlers. `Capacity` is called by `data-registry` from its execute; it walks only the
//! bounded owner/provider index.

use cosmwasm_std::{Addr, Deps, Env, Order, StdError, StdResult};
use cw_storage_plus::{Bound, Map};
use twinshare_types::denom::validate_addr;
use twinshare_types::pagination::{page_ids, page_limit};

use crate::lease::{cost, earned, is_active, refundable, withdrawable};
use crate::msg::{
    CapacityResponse, LeaseResponse, LeasesResponse, Provider, ProvidersResponse, QuoteResponse,
};
use crate::state::{LEASES, OWNER_LEASES, OWNER_PROVIDER_LEASES, PROVIDERS, PROVIDER_LEASES};

fn addr(deps: Deps, what: &'static str, s: &str) -> StdResult<Addr> {
    validate_addr(deps.api, what, s).map_err(|e| StdError::generic_err(e.to_string()))
}

pub fn provider(deps: Deps, address: String) -> StdResult<Provider> {
    let a = addr(deps, "provider", &address)?;
    PROVIDERS
        .may_load(deps.storage, &a)?
        .ok_or_else(|| StdError::not_found(format!("provider {address}")))
}

pub fn providers(
    deps: Deps,
    start_after: Option<String>,
    limit: Option<u32>,
) -> StdResult<ProvidersResponse> {
    let start = start_after
        .map(|s| addr(deps, "start_after", &s))
        .transpose()?;
    let providers = PROVIDERS
        .range(
            deps.storage,
            start.as_ref().map(Bound::exclusive),
            None,
            Order::Ascending,
        )
        .take(page_limit(limit))
        .map(|item| item.map(|(_, p)| p))
        .collect::<StdResult<_>>()?;
    Ok(ProvidersResponse { providers })
}

/// The cost of a new lease at the provider's current price (whether or not it is active).
pub fn quote(
    deps: Deps,
    provider_addr: String,
    bytes: u64,
    duration_secs: u64,
) -> StdResult<QuoteResponse> {
    let listing = provider(deps, provider_addr)?;
    let amount = cost(bytes, duration_secs, listing.price_per_byte_second)
        .map_err(|e| StdError::generic_err(e.to_string()))?;
    Ok(QuoteResponse {
        amount,
        denom: listing.denom,
    })
}

pub fn lease(deps: Deps, env: Env, id: u64) -> StdResult<LeaseResponse> {
    let lease = LEASES
        .may_load(deps.storage, id)?
        .ok_or_else(|| StdError::not_found(format!("lease {id}")))?;
    let now = env.block.time;
    Ok(LeaseResponse {
        earned: earned(&lease, now),
        withdrawable: withdrawable(&lease, now),
        refundable: refundable(&lease, now),
        active: is_active(&lease, now),
        lease,
    })
}

fn leases_in(
    deps: Deps,
    index: Map<(&Addr, u64), ()>,
    who: &Addr,
    start_after: Option<u64>,
    limit: Option<u32>,
) -> StdResult<LeasesResponse> {
    let leases = page_ids(deps.storage, index.prefix(who), start_after, limit)?
        .into_iter()
        .map(|id| LEASES.load(deps.storage, id))
        .collect::<StdResult<_>>()?;
    Ok(LeasesResponse { leases })
}

pub fn leases_by_owner(
    deps: Deps,
    owner: String,
    start_after: Option<u64>,
    limit: Option<u32>,
) -> StdResult<LeasesResponse> {
    let owner = addr(deps, "owner", &owner)?;
    leases_in(deps, OWNER_LEASES, &owner, start_after, limit)
}

pub fn leases_by_provider(
    deps: Deps,
    provider: String,
    start_after: Option<u64>,
    limit: Option<u32>,
) -> StdResult<LeasesResponse> {
    let provider = addr(deps, "provider", &provider)?;
    leases_in(deps, PROVIDER_LEASES, &provider, start_after, limit)
}

/// Bytes and number of the owner's leases with the provider that are active now. The index
/// walked holds at most `max_open_leases` entries.
pub fn capacity(
    deps: Deps,
    env: Env,
    owner: String,
    provider: String,
) -> StdResult<CapacityResponse> {
    let owner = addr(deps, "owner", &owner)?;
    let provider = addr(deps, "provider", &provider)?;
    let now = env.block.time;
    let mut res = CapacityResponse {
        bytes: 0,
        leases: 0,
    };
    for id in OWNER_PROVIDER_LEASES.prefix((&owner, &provider)).keys(
        deps.storage,
        None,
        None,
        Order::Ascending,
    ) {
        let lease = LEASES.load(deps.storage, id?)?;
        if is_active(&lease, now) {
            // Saturating: "at least u64::MAX bytes" is the honest answer past the top.
            res.bytes = res.bytes.saturating_add(lease.bytes);
            res.leases += 1;
        }
    }
    Ok(res)
}
