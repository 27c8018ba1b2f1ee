//! Storage of the registry. Every key string is unique in the crate (checked by a test).

use cosmwasm_schema::cw_serde;
use cosmwasm_std::Addr;
use cw_storage_plus::{Item, Map};

use crate::msg::{Batch, Channel, Config, Party, Record, Sensor};

/// Registry configuration (admin, storage-payment contract, fee collector and denom, anchorers).
pub const CONFIG: Item<Config> = Item::new("config");

/// Parties by address.
pub const PARTIES: Map<&Addr, Party> = Map::new("parties");

/// Channels by id.
pub const CHANNELS: Map<&str, Channel> = Map::new("channels");
/// Channel membership: `(channel, member)`. Counted in `Channel::member_count`, so execute never
/// iterates it.
pub const MEMBERS: Map<(&str, &Addr), ()> = Map::new("members");

/// Id of the last record registered; ids start at 1.
pub const RECORD_COUNT: Item<u64> = Item::new("record_count");
/// Records by id.
pub const RECORDS: Map<u64, Record> = Map::new("records");
/// Unique index: content hash -> record id. The first registrant of a hash owns it.
pub const RECORD_BY_HASH: Map<&[u8], u64> = Map::new("record_by_hash");
/// Index of record ids by owner.
pub const RECORDS_BY_OWNER: Map<(&Addr, u64), ()> = Map::new("records_by_owner");
/// Index of record ids by channel.
pub const RECORDS_BY_CHANNEL: Map<(&str, u64), ()> = Map::new("records_by_channel");
/// Index of record ids by stream.
pub const RECORDS_BY_STREAM: Map<(&str, u64), ()> = Map::new("records_by_stream");

/// What the registry keeps about a stream besides its records.
#[cw_serde]
pub struct StreamInfo {
    /// The stream's first registrant; only it may extend the stream.
    pub owner: Addr,
    /// Id of the newest record of the stream (answers `LatestInStream` without iterating).
    pub latest_record_id: u64,
    /// Number of records in the stream.
    pub count: u64,
}

/// Streams by id.
pub const STREAMS: Map<&str, StreamInfo> = Map::new("streams");

/// Bytes of records registered per `(owner, provider)`, bounded by the owner's leases with the
/// provider. Counted by the registry itself, so the owner cannot move it away.
pub const USED_BYTES: Map<(&Addr, &Addr), u64> = Map::new("used_bytes");

/// Id of the last batch anchored; ids start at 1.
pub const BATCH_COUNT: Item<u64> = Item::new("batch_count");
/// Anchored batches by id.
pub const BATCHES: Map<u64, Batch> = Map::new("batches");
/// Index of batch ids by channel.
pub const BATCHES_BY_CHANNEL: Map<(&str, u64), ()> = Map::new("batches_by_channel");

/// Sensors by compressed public key: a key belongs to one owner.
pub const SENSORS: Map<&[u8], Sensor> = Map::new("sensors");
/// Index of sensor keys by owner, for `SensorsByOwner`.
pub const SENSORS_BY_OWNER: Map<(&Addr, &[u8]), ()> = Map::new("sensors_by_owner");

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn storage_keys_are_unique() {
        let keys: Vec<Vec<u8>> = vec![
            CONFIG.as_slice().to_vec(),
            PARTIES.namespace_bytes().to_vec(),
            CHANNELS.namespace_bytes().to_vec(),
            MEMBERS.namespace_bytes().to_vec(),
            RECORD_COUNT.as_slice().to_vec(),
            RECORDS.namespace_bytes().to_vec(),
            RECORD_BY_HASH.namespace_bytes().to_vec(),
            RECORDS_BY_OWNER.namespace_bytes().to_vec(),
            RECORDS_BY_CHANNEL.namespace_bytes().to_vec(),
            RECORDS_BY_STREAM.namespace_bytes().to_vec(),
            STREAMS.namespace_bytes().to_vec(),
            USED_BYTES.namespace_bytes().to_vec(),
            BATCH_COUNT.as_slice().to_vec(),
            BATCHES.namespace_bytes().to_vec(),
            BATCHES_BY_CHANNEL.namespace_bytes().to_vec(),
            SENSORS.namespace_bytes().to_vec(),
            SENSORS_BY_OWNER.namespace_bytes().to_vec(),
        ];
        let unique: BTreeSet<&Vec<u8>> = keys.iter().collect();
        assert_eq!(
            unique.len(),
            keys.len(),
            "a storage key string is used twice"
        );
    }
}
