//! Page sizes for every list query: a caller may ask for fewer, never for more.

use cosmwasm_std::{Order, StdResult, Storage};
use cw_storage_plus::{Bound, Prefix};
use serde::{de::DeserializeOwned, Serialize};

/// Entries returned when a query gives no `limit`.
pub const DEFAULT_LIMIT: u32 = 10;
/// The most entries one query page returns, whatever `limit` asks for.
pub const MAX_LIMIT: u32 = 50;

/// The number of entries to return for a requested `limit`.
pub fn page_limit(limit: Option<u32>) -> usize {
    limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT) as usize
}

/// One page of the ids an index prefix holds (an index keyed `(owner, id)` and the like),
/// ascending, strictly after `start_after`: the shape of every list query of the contracts.
pub fn page_ids<T>(
    store: &dyn Storage,
    prefix: Prefix<u64, T, u64>,
    start_after: Option<u64>,
    limit: Option<u32>,
) -> StdResult<Vec<u64>>
where
    T: Serialize + DeserializeOwned,
{
    prefix
        .keys(
            store,
            start_after.map(Bound::exclusive),
            None,
            Order::Ascending,
        )
        .take(page_limit(limit))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limit_is_defaulted_and_capped() {
        assert_eq!(page_limit(None), DEFAULT_LIMIT as usize);
        assert_eq!(page_limit(Some(0)), 1);
        assert_eq!(page_limit(Some(3)), 3);
        assert_eq!(page_limit(Some(10_000)), MAX_LIMIT as usize);
    }
}
