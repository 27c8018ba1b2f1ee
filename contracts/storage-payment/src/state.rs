use cosmwasm_std::Addr;
use cw_storage_plus::{Item, Map};

use crate::msg::{Config, Lease, Provider};

/// Contract settings fixed at instantiation.
pub const CONFIG: Item<Config> = Item::new("config");
/// Registered providers by address.
pub const PROVIDERS: Map<&Addr, Provider> = Map::new("providers");
/// The id of the last lease created (ids start at 1).
pub const LEASE_SEQ: Item<u64> = Item::new("lease_seq");
/// Every lease by id; leases are never deleted (cancelled ones keep what the provider is owed).
pub const LEASES: Map<u64, Lease> = Map::new("leases");
/// Lease ids by owner, for `LeasesByOwner`.
pub const OWNER_LEASES: Map<(&Addr, u64), ()> = Map::new("owner_leases");
/// Lease ids by provider, for `LeasesByProvider`.
pub const PROVIDER_LEASES: Map<(&Addr, u64), ()> = Map::new("provider_leases");
/// The owner's possibly open leases with a provider. Pruned of ended leases on every buy and
/// of a lease on its cancel, and a buy is refused when `max_open_leases` remain, so a prefix
/// never holds more than `max_open_leases` entries: `Capacity` (queried by `data-registry` from
/// its execute) walks a bounded list.
pub const OWNER_PROVIDER_LEASES: Map<(&Addr, &Addr, u64), ()> = Map::new("owner_provider_leases");

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn storage_keys_are_unique() {
        // Constants are temporaries: copy each key out.
        let keys: Vec<Vec<u8>> = vec![
            CONFIG.as_slice().to_vec(),
            PROVIDERS.namespace_bytes().to_vec(),
            LEASE_SEQ.as_slice().to_vec(),
            LEASES.namespace_bytes().to_vec(),
            OWNER_LEASES.namespace_bytes().to_vec(),
            PROVIDER_LEASES.namespace_bytes().to_vec(),
            OWNER_PROVIDER_LEASES.namespace_bytes().to_vec(),
            // cw2 keeps the contract version under this key.
            b"contract_info".to_vec(),
        ];
        let unique: BTreeSet<&Vec<u8>> = keys.iter().collect();
        assert_eq!(
            unique.len(),
            keys.len(),
            "a storage key string is used twice"
        );
    }
}
