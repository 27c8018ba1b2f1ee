//! `data-registry`: parties and their Umbral keys, channels (business isolation, paper Fig. 2),
//! records that prove ownership of a data hash (paper 4.2), streams, and anchored Merkle batches.

use cosmwasm_schema::{cw_serde, QueryResponses};
use cosmwasm_std::{Addr, HexBinary, Timestamp, Uint128};

use crate::merkle::MerkleProof;

/// Longest display name of a party.
pub const MAX_NAME_LEN: usize = 64;
/// Longest channel id and stream id.
pub const MAX_ID_LEN: usize = 64;
/// Longest storage locator of a record.
pub const MAX_LOCATOR_LEN: usize = 512;
/// Most addresses one `CreateChannel` / `AddMembers` / `RemoveMembers` message may carry.
pub const MAX_MEMBERS_PER_MSG: usize = 50;
/// Most anchorer addresses the registry keeps.
pub const MAX_ANCHORERS: usize = 20;
/// Longest name of a sensor.
pub const MAX_SENSOR_NAME_LEN: usize = 64;

/// Paper Rule 1-2: time-sensitive data is `High` and may pay the orderer a service fee;
/// everything else is `Low` and carries no fee.
#[cw_serde]
pub enum Level {
    /// Time-sensitive (sensor) data; `fee` is paid in the registry's fee denom with the message.
    High { fee: Uint128 },
    /// Non time-sensitive data (plans, specifications); no fee.
    Low,
}

#[cw_serde]
pub struct InstantiateMsg {
    /// May change the configuration and the anchorers; defaults to the instantiating address.
    pub admin: Option<String>,
    /// The `storage-payment` contract whose leases bound what an owner may register.
    pub storage_payment: String,
    /// Receives the service fees of `High` records.
    pub fee_collector: String,
    /// Native denom in which `High` records pay their fee.
    pub fee_denom: String,
    /// Addresses allowed to `AnchorBatch` (the providers' anchoring services).
    pub anchorers: Vec<String>,
}

#[cw_serde]
pub enum ExecuteMsg {
    /// Registers or replaces the sender's Umbral public key and display name.
    RegisterParty {
        /// 33-byte compressed secp256k1 point.
        pubkey: HexBinary,
        /// Display name, 1-64 characters.
        name: String,
    },
    /// Creates a channel administered by the sender, who is always a member.
    CreateChannel {
        /// Unique id, 1-64 characters of `[a-zA-Z0-9_.-]`.
        id: String,
        /// Initial members besides the sender (at most 50).
        members: Vec<String>,
    },
    /// Channel admin only: adds members.
    AddMembers {
        channel: String,
        members: Vec<String>,
    },
    /// Channel admin only: removes members (the admin cannot remove itself).
    RemoveMembers {
        channel: String,
        members: Vec<String>,
    },
    /// Registers ownership of a data hash (paper 4.2). The first registrant of a hash owns it.
    Register {
        /// Channel the record belongs to; the sender must be a member.
        channel: String,
        /// 32-byte content hash: the Merkle root of the data's manifest.
        hash: HexBinary,
        /// Size in bytes stored with the provider; counted against the owner's leases.
        size: u64,
        /// `High{fee}` must come with exactly `fee` of the fee denom; `Low` with no funds.
        level: Level,
        /// Where the provider stores the data (the manifest's locator).
        locator: String,
        /// Stream the record extends, if any; a stream belongs to its first registrant.
        stream: Option<String>,
        /// The owner's own clock when the data was produced, milliseconds since the Unix epoch.
        client_timestamp: u64,
        /// The storage provider holding the data; the owner needs a lease with it.
        provider: String,
    },
    /// Anchorers only: stores the Merkle root of a batch of record claims.
    AnchorBatch {
        channel: String,
        /// 32-byte root in the format of `twinshare_types::merkle`.
        root: HexBinary,
        /// Number of leaves under the root.
        count: u64,
        /// Earliest claim timestamp in the batch, ms since the Unix epoch.
        first_timestamp: u64,
        /// Latest claim timestamp in the batch, ms since the Unix epoch.
        last_timestamp: u64,
    },
    /// Admin only.
    UpdateConfig {
        admin: Option<String>,
        storage_payment: Option<String>,
        fee_collector: Option<String>,
        fee_denom: Option<String>,
    },
    /// Admin only: changes the set of anchorers.
    UpdateAnchorers {
        add: Vec<String>,
        remove: Vec<String>,
    },
    /// Registers a sensor key of the sender (issue 9): claim batches and payment-channel
    /// vouchers signed by it count as the sender's. A key belongs to one owner; the same owner
    /// registering it again renames it.
    RegisterSensor {
        /// 33-byte compressed secp256k1 point.
        pubkey: HexBinary,
        /// Display name, 1-64 characters.
        name: String,
    },
    /// The sensor's owner only: forgets the key, so its signatures no longer count.
    RemoveSensor { pubkey: HexBinary },
}

#[cw_serde]
#[derive(QueryResponses)]
pub enum QueryMsg {
    #[returns(Config)]
    Config {},
    /// A party's key and name; an error when the address never registered.
    #[returns(Party)]
    Party { address: String },
    #[returns(Channel)]
    Channel { id: String },
    #[returns(MembersResponse)]
    Members {
        channel: String,
        start_after: Option<String>,
        limit: Option<u32>,
    },
    #[returns(IsMemberResponse)]
    IsMember { channel: String, address: String },
    #[returns(Record)]
    Record { id: u64 },
    #[returns(Record)]
    RecordByHash { hash: HexBinary },
    #[returns(RecordsResponse)]
    RecordsByOwner {
        owner: String,
        start_after: Option<u64>,
        limit: Option<u32>,
    },
    #[returns(RecordsResponse)]
    RecordsByChannel {
        channel: String,
        start_after: Option<u64>,
        limit: Option<u32>,
    },
    #[returns(RecordsResponse)]
    RecordsByStream {
        stream: String,
        start_after: Option<u64>,
        limit: Option<u32>,
    },
    /// The newest record of a stream (paper 6.1, steps 3-4).
    #[returns(Record)]
    LatestInStream { stream: String },
    /// Bytes of records an owner has registered with a provider.
    #[returns(UsedBytesResponse)]
    UsedBytes { owner: String, provider: String },
    #[returns(Batch)]
    Batch { id: u64 },
    #[returns(BatchesResponse)]
    BatchesByChannel {
        channel: String,
        start_after: Option<u64>,
        limit: Option<u32>,
    },
    /// Whether `leaf` is under the root of batch `batch_id` by `proof`.
    #[returns(VerifyInclusionResponse)]
    VerifyInclusion {
        batch_id: u64,
        /// The leaf value (not its hash); the tree hashes it with the leaf domain byte.
        leaf: HexBinary,
        proof: MerkleProof,
    },
    /// A registered sensor key and its owner; an error when the key is not registered.
    #[returns(Sensor)]
    Sensor { pubkey: HexBinary },
    /// An owner's sensors, ordered by public key bytes.
    #[returns(SensorsResponse)]
    SensorsByOwner {
        owner: String,
        start_after: Option<HexBinary>,
        limit: Option<u32>,
    },
}

#[cw_serde]
pub struct Config {
    pub admin: Addr,
    pub storage_payment: Addr,
    pub fee_collector: Addr,
    pub fee_denom: String,
    pub anchorers: Vec<Addr>,
}

#[cw_serde]
pub struct Party {
    pub address: Addr,
    /// 33-byte compressed Umbral public key.
    pub pubkey: HexBinary,
    pub name: String,
    /// Block time of the last registration or update.
    pub updated_at: Timestamp,
}

#[cw_serde]
pub struct Channel {
    pub id: String,
    pub admin: Addr,
    pub member_count: u32,
    pub created_at: Timestamp,
}

#[cw_serde]
pub struct MembersResponse {
    pub members: Vec<Addr>,
}

#[cw_serde]
pub struct IsMemberResponse {
    pub is_member: bool,
}

#[cw_serde]
pub struct Record {
    pub id: u64,
    pub owner: Addr,
    pub channel: String,
    /// 32-byte content hash.
    pub hash: HexBinary,
    pub size: u64,
    pub level: Level,
    pub locator: String,
    pub stream: Option<String>,
    /// The owner's clock, ms since the Unix epoch.
    pub client_timestamp: u64,
    pub provider: Addr,
    /// Chain time and height at which the record was registered.
    pub registered_at: Timestamp,
    pub height: u64,
}

#[cw_serde]
pub struct RecordsResponse {
    pub records: Vec<Record>,
}

#[cw_serde]
pub struct UsedBytesResponse {
    pub used: u64,
}

#[cw_serde]
pub struct Batch {
    pub id: u64,
    pub channel: String,
    pub anchorer: Addr,
    pub root: HexBinary,
    pub count: u64,
    pub first_timestamp: u64,
    pub last_timestamp: u64,
    pub anchored_at: Timestamp,
    pub height: u64,
}

#[cw_serde]
pub struct BatchesResponse {
    pub batches: Vec<Batch>,
}

#[cw_serde]
pub struct VerifyInclusionResponse {
    pub valid: bool,
    /// The batch's stored root.
    pub root: HexBinary,
}

/// A sensor key registered by its owner.
#[cw_serde]
pub struct Sensor {
    /// 33-byte compressed secp256k1 public key.
    pub pubkey: HexBinary,
    pub owner: Addr,
    pub name: String,
    /// Block time of the last registration (or rename).
    pub registered_at: Timestamp,
}

#[cw_serde]
pub struct SensorsResponse {
    pub sensors: Vec<Sensor>,
}

#[cw_serde]
pub struct MigrateMsg {}
