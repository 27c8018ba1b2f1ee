//! Storage of the channels. Every key string is unique in the crate (checked by a test).

use cosmwasm_std::Addr;
use cw_storage_plus::{Item, Map};

use crate::msg::{Channel, Config};

/// Contract settings fixed at instantiation.
pub const CONFIG: Item<Config> = Item::new("config");
/// The id of the last channel opened (ids start at 1).
pub const CHANNEL_SEQ: Item<u64> = Item::new("channel_seq");
/// Every channel by id; closed channels stay, so their accounts can be checked.
pub const CHANNELS: Map<u64, Channel> = Map::new("channels");
/// Channel ids by owner, for `ChannelsByOwner`.
pub const OWNER_CHANNELS: Map<(&Addr, u64), ()> = Map::new("owner_channels");
/// Channel ids by payee, for `ChannelsByPayee`.
pub const PAYEE_CHANNELS: Map<(&Addr, u64), ()> = Map::new("payee_channels");

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn storage_keys_are_unique() {
        let keys: Vec<Vec<u8>> = vec![
            CONFIG.as_slice().to_vec(),
            CHANNEL_SEQ.as_slice().to_vec(),
            CHANNELS.namespace_bytes().to_vec(),
            OWNER_CHANNELS.namespace_bytes().to_vec(),
            PAYEE_CHANNELS.namespace_bytes().to_vec(),
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
