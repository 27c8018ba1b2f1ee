use cosmwasm_std::{Addr, StdResult, Storage};
use cw_storage_plus::{Item, Map};

use crate::msg::{Asset, CheckedOpenness, Config};

/// The registry and the allowlist bound, fixed at instantiation.
pub const CONFIG: Item<Config> = Item::new("config");
/// The last asset id handed out; ids start at 1.
pub const ASSET_COUNT: Item<u64> = Item::new("asset_count");
/// Every asset ever tokenized, listed or not, by id.
pub const ASSETS: Map<u64, Asset> = Map::new("assets");
/// Record id -> its listed asset. Removed on delist, so the record can be tokenized again.
pub const ASSET_BY_RECORD: Map<u64, u64> = Map::new("asset_by_record");
/// (owner, asset id) of every asset an owner tokenized, listed or not.
pub const ASSETS_BY_OWNER: Map<(&Addr, u64), ()> = Map::new("assets_by_owner");
/// Ids of listed `Public` assets, so `PublicAssets` pages without scanning the rest.
pub const PUBLIC_LISTED: Map<u64, ()> = Map::new("public_listed");
/// Ids of listed assets that are not `Private`, for `ListedAssets`.
pub const OPEN_LISTED: Map<u64, ()> = Map::new("open_listed");

/// Hands out the next asset id.
pub fn next_asset_id(storage: &mut dyn Storage) -> StdResult<u64> {
    let id = ASSET_COUNT
        .may_load(storage)?
        .unwrap_or_default()
        .checked_add(1)
        .ok_or_else(|| cosmwasm_std::StdError::generic_err("asset id overflow"))?;
    ASSET_COUNT.save(storage, &id)?;
    Ok(id)
}

/// Puts the asset in, or takes it out of, the listing indexes its `listed` flag and openness
/// call for. Every change of either goes through here, so the indexes never go stale.
pub fn update_listing(storage: &mut dyn Storage, asset: &Asset) -> StdResult<()> {
    let public = asset.listed && matches!(asset.openness, CheckedOpenness::Public);
    let open = asset.listed && !matches!(asset.openness, CheckedOpenness::Private);
    if public {
        PUBLIC_LISTED.save(storage, asset.id, &())?;
    } else {
        PUBLIC_LISTED.remove(storage, asset.id);
    }
    if open {
        OPEN_LISTED.save(storage, asset.id, &())?;
    } else {
        OPEN_LISTED.remove(storage, asset.id);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn storage_keys_are_unique() {
        let keys: Vec<Vec<u8>> = vec![
            CONFIG.as_slice().to_vec(),
            ASSET_COUNT.as_slice().to_vec(),
            ASSETS.namespace_bytes().to_vec(),
            ASSET_BY_RECORD.namespace_bytes().to_vec(),
            ASSETS_BY_OWNER.namespace_bytes().to_vec(),
            PUBLIC_LISTED.namespace_bytes().to_vec(),
            OPEN_LISTED.namespace_bytes().to_vec(),
            // cw2's version item shares the contract's storage.
            cw2::CONTRACT.as_slice().to_vec(),
        ];
        let unique: HashSet<&Vec<u8>> = keys.iter().collect();
        assert_eq!(unique.len(), keys.len());
    }
}
