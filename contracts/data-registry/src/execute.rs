//! Execute handlers. Each checks the sender first, then funds and inputs, and changes state only
//! after every check has passed.

use cosmwasm_std::{
    Addr, Api, BankMsg, Coin, DepsMut, Env, HexBinary, MessageInfo, Response, StdError, Uint128,
};
use cw_utils::{must_pay, nonpayable};

use twinshare_types::denom::{validate_addr, validate_native_denom};
use twinshare_types::merkle::HASH_LEN;
use twinshare_types::storage::{CapacityResponse, QueryMsg as StorageQueryMsg};
use twinshare_types::umbral::validate_public_key;
use twinshare_types::CommonError;

use crate::error::ContractError;
use crate::msg::{
    Batch, Channel, Config, InstantiateMsg, Level, Party, Record, Sensor, MAX_ANCHORERS,
    MAX_ID_LEN, MAX_LOCATOR_LEN, MAX_MEMBERS_PER_MSG, MAX_NAME_LEN, MAX_SENSOR_NAME_LEN,
};
use crate::state::{
    StreamInfo, BATCHES, BATCHES_BY_CHANNEL, BATCH_COUNT, CHANNELS, CONFIG, MEMBERS, PARTIES,
    RECORDS, RECORDS_BY_CHANNEL, RECORDS_BY_OWNER, RECORDS_BY_STREAM, RECORD_BY_HASH, RECORD_COUNT,
    SENSORS, SENSORS_BY_OWNER, STREAMS, USED_BYTES,
};

pub fn instantiate(
    deps: DepsMut,
    _env: Env,
    info: MessageInfo,
    msg: InstantiateMsg,
) -> Result<Response, ContractError> {
    nonpayable(&info)?;
    let api = deps.api;
    let admin = match msg.admin {
        Some(admin) => validate_addr(api, "admin", &admin)?,
        None => info.sender,
    };
    let storage_payment = validate_addr(api, "storage payment", &msg.storage_payment)?;
    let fee_collector = validate_addr(api, "fee collector", &msg.fee_collector)?;
    validate_native_denom(&msg.fee_denom)?;
    if msg.anchorers.len() > MAX_ANCHORERS {
        return Err(ContractError::TooManyAnchorers {
            max: MAX_ANCHORERS,
            got: msg.anchorers.len(),
        });
    }
    let anchorers = validate_unique(api, "anchorer", &msg.anchorers)?;

    let config = Config {
        admin,
        storage_payment,
        fee_collector,
        fee_denom: msg.fee_denom,
        anchorers,
    };
    CONFIG.save(deps.storage, &config)?;
    RECORD_COUNT.save(deps.storage, &0)?;
    BATCH_COUNT.save(deps.storage, &0)?;

    let response = Response::new()
        .add_attribute("action", "instantiate")
        .add_attribute("admin", config.admin)
        .add_attribute("storage_payment", config.storage_payment)
        .add_attribute("fee_collector", config.fee_collector)
        .add_attribute("fee_denom", config.fee_denom);
    Ok(with_list(response, "anchorers", &config.anchorers))
}

pub fn register_party(
    deps: DepsMut,
    env: Env,
    info: MessageInfo,
    pubkey: HexBinary,
    name: String,
) -> Result<Response, ContractError> {
    nonpayable(&info)?;
    validate_public_key(pubkey.as_slice())?;
    let name = name.trim().to_string();
    let len = name.chars().count();
    if len == 0 || len > MAX_NAME_LEN {
        return Err(ContractError::InvalidName {
            len,
            max: MAX_NAME_LEN,
        });
    }

    let party = Party {
        address: info.sender.clone(),
        pubkey,
        name,
        updated_at: env.block.time,
    };
    PARTIES.save(deps.storage, &info.sender, &party)?;

    Ok(Response::new()
        .add_attribute("action", "register_party")
        .add_attribute("party", info.sender)
        .add_attribute("pubkey", party.pubkey.to_hex()))
}

pub fn create_channel(
    deps: DepsMut,
    env: Env,
    info: MessageInfo,
    id: String,
    members: Vec<String>,
) -> Result<Response, ContractError> {
    nonpayable(&info)?;
    validate_id("channel", &id)?;
    if CHANNELS.has(deps.storage, &id) {
        return Err(ContractError::ChannelExists { id });
    }
    check_member_count(members.len())?;
    let mut members = validate_unique(deps.api, "member", &members)?;
    if !members.contains(&info.sender) {
        members.push(info.sender.clone());
    }

    // At most MAX_MEMBERS_PER_MSG + 1 members, so the count fits u32.
    let channel = Channel {
        id: id.clone(),
        admin: info.sender.clone(),
        member_count: members.len() as u32,
        created_at: env.block.time,
    };
    CHANNELS.save(deps.storage, &id, &channel)?;
    for member in &members {
        MEMBERS.save(deps.storage, (&id, member), &())?;
    }

    Ok(Response::new()
        .add_attribute("action", "create_channel")
        .add_attribute("channel", id)
        .add_attribute("admin", info.sender)
        .add_attribute("members", join(&members))
        .add_attribute("member_count", channel.member_count.to_string()))
}

pub fn add_members(
    deps: DepsMut,
    info: MessageInfo,
    channel_id: String,
    members: Vec<String>,
) -> Result<Response, ContractError> {
    let mut channel = load_channel(&deps, &channel_id)?;
    if info.sender != channel.admin {
        return Err(ContractError::unauthorized(
            &format!("add members to channel {channel_id:?}"),
            &channel.admin,
        ));
    }
    nonpayable(&info)?;
    if members.is_empty() {
        return Err(ContractError::NoMembers {});
    }
    check_member_count(members.len())?;
    let members = validate_unique(deps.api, "member", &members)?;

    // Existing members are left alone, so the count only grows by the new ones.
    let mut added = Vec::with_capacity(members.len());
    for member in members {
        if !MEMBERS.has(deps.storage, (&channel_id, &member)) {
            added.push(member);
        }
    }
    channel.member_count = channel
        .member_count
        .checked_add(added.len() as u32)
        .ok_or_else(|| StdError::generic_err("member count overflow"))?;
    for member in &added {
        MEMBERS.save(deps.storage, (&channel_id, member), &())?;
    }
    CHANNELS.save(deps.storage, &channel_id, &channel)?;

    let response = Response::new()
        .add_attribute("action", "add_members")
        .add_attribute("channel", channel_id)
        .add_attribute("member_count", channel.member_count.to_string());
    Ok(with_list(response, "added", &added))
}

pub fn remove_members(
    deps: DepsMut,
    info: MessageInfo,
    channel_id: String,
    members: Vec<String>,
) -> Result<Response, ContractError> {
    let mut channel = load_channel(&deps, &channel_id)?;
    if info.sender != channel.admin {
        return Err(ContractError::unauthorized(
            &format!("remove members from channel {channel_id:?}"),
            &channel.admin,
        ));
    }
    nonpayable(&info)?;
    if members.is_empty() {
        return Err(ContractError::NoMembers {});
    }
    check_member_count(members.len())?;
    // Deduped, so a member named twice is not subtracted twice from the count.
    let members = validate_unique(deps.api, "member", &members)?;
    for member in &members {
        if *member == channel.admin {
            return Err(ContractError::CannotRemoveAdmin {
                channel: channel_id,
                admin: member.to_string(),
            });
        }
        if !MEMBERS.has(deps.storage, (&channel_id, member)) {
            return Err(ContractError::NotChannelMember {
                channel: channel_id,
                address: member.to_string(),
            });
        }
    }

    channel.member_count = channel
        .member_count
        .checked_sub(members.len() as u32)
        .ok_or_else(|| StdError::generic_err("member count underflow"))?;
    for member in &members {
        MEMBERS.remove(deps.storage, (&channel_id, member));
    }
    CHANNELS.save(deps.storage, &channel_id, &channel)?;

    Ok(Response::new()
        .add_attribute("action", "remove_members")
        .add_attribute("channel", channel_id)
        .add_attribute("removed", join(&members))
        .add_attribute("member_count", channel.member_count.to_string()))
}

/// The fields of `ExecuteMsg::Register`.
pub struct RegisterArgs {
    /// Channel the record belongs to.
    pub channel: String,
    /// 32-byte content hash.
    pub hash: HexBinary,
    /// Bytes stored with the provider.
    pub size: u64,
    /// Time sensitivity and fee.
    pub level: Level,
    /// Where the provider stores the data.
    pub locator: String,
    /// Stream the record extends, if any.
    pub stream: Option<String>,
    /// The owner's clock, ms since the Unix epoch.
    pub client_timestamp: u64,
    /// Storage provider holding the data.
    pub provider: String,
}

pub fn register(
    deps: DepsMut,
    env: Env,
    info: MessageInfo,
    args: RegisterArgs,
) -> Result<Response, ContractError> {
    let RegisterArgs {
        channel,
        hash,
        size,
        level,
        locator,
        stream,
        client_timestamp,
        provider,
    } = args;
    let owner = info.sender.clone();

    // Membership is the authorization of this arm, so it comes first.
    load_channel(&deps, &channel)?;
    if !MEMBERS.has(deps.storage, (&channel, &owner)) {
        return Err(ContractError::NotChannelMember {
            channel,
            address: owner.to_string(),
        });
    }
    if hash.len() != HASH_LEN {
        return Err(CommonError::InvalidHash {
            expected: HASH_LEN,
            got: hash.len(),
        }
        .into());
    }
    if size == 0 {
        return Err(ContractError::ZeroSize {});
    }
    if locator.is_empty() || locator.len() > MAX_LOCATOR_LEN {
        return Err(ContractError::InvalidLocator {
            len: locator.len(),
            max: MAX_LOCATOR_LEN,
        });
    }
    let stream_info = match &stream {
        Some(stream) => {
            validate_id("stream", stream)?;
            let info = STREAMS.may_load(deps.storage, stream)?;
            if let Some(info) = &info {
                if info.owner != owner {
                    return Err(ContractError::StreamOwnedByOther {
                        stream: stream.clone(),
                        owner: info.owner.to_string(),
                    });
                }
            }
            info
        }
        None => None,
    };
    let provider = validate_addr(deps.api, "provider", &provider)?;
    if let Some(record_id) = RECORD_BY_HASH.may_load(deps.storage, hash.as_slice())? {
        let existing = RECORDS.load(deps.storage, record_id)?;
        return Err(ContractError::DuplicateHash {
            hash: hash.to_hex(),
            owner: existing.owner.to_string(),
            record_id,
        });
    }

    let config = CONFIG.load(deps.storage)?;
    let fee = check_fee(&info, &level, &config.fee_denom)?;

    let capacity: CapacityResponse = deps.querier.query_wasm_smart(
        &config.storage_payment,
        &StorageQueryMsg::Capacity {
            owner: owner.to_string(),
            provider: provider.to_string(),
        },
    )?;
    let used = USED_BYTES
        .may_load(deps.storage, (&owner, &provider))?
        .unwrap_or_default();
    let new_used = used
        .checked_add(size)
        .filter(|total| *total <= capacity.bytes)
        .ok_or(ContractError::OverCapacity {
            needed: size,
            used,
            capacity: capacity.bytes,
        })?;

    // Every check has passed: write the record and its indexes.
    let id = RECORD_COUNT
        .load(deps.storage)?
        .checked_add(1)
        .ok_or_else(|| StdError::generic_err("record id overflow"))?;
    RECORD_COUNT.save(deps.storage, &id)?;
    let record = Record {
        id,
        owner: owner.clone(),
        channel: channel.clone(),
        hash: hash.clone(),
        size,
        level: level.clone(),
        locator,
        stream: stream.clone(),
        client_timestamp,
        provider: provider.clone(),
        registered_at: env.block.time,
        height: env.block.height,
    };
    RECORDS.save(deps.storage, id, &record)?;
    RECORD_BY_HASH.save(deps.storage, hash.as_slice(), &id)?;
    RECORDS_BY_OWNER.save(deps.storage, (&owner, id), &())?;
    RECORDS_BY_CHANNEL.save(deps.storage, (&channel, id), &())?;
    if let Some(stream) = &stream {
        let info = match stream_info {
            Some(info) => StreamInfo {
                owner: info.owner,
                latest_record_id: id,
                count: info
                    .count
                    .checked_add(1)
                    .ok_or_else(|| StdError::generic_err("stream count overflow"))?,
            },
            None => StreamInfo {
                owner: owner.clone(),
                latest_record_id: id,
                count: 1,
            },
        };
        STREAMS.save(deps.storage, stream, &info)?;
        RECORDS_BY_STREAM.save(deps.storage, (stream, id), &())?;
    }
    USED_BYTES.save(deps.storage, (&owner, &provider), &new_used)?;

    let mut response = Response::new()
        .add_attribute("action", "register")
        .add_attribute("record_id", id.to_string())
        .add_attribute("owner", owner)
        .add_attribute("channel", channel)
        .add_attribute("hash", hash.to_hex())
        .add_attribute(
            "level",
            match level {
                Level::High { .. } => "high",
                Level::Low => "low",
            },
        )
        .add_attribute("fee", fee.to_string())
        .add_attribute("provider", provider)
        .add_attribute("size", size.to_string());
    // wasmd refuses empty attribute values, so a record outside any stream has no `stream`.
    if let Some(stream) = stream {
        response = response.add_attribute("stream", stream);
    }
    if !fee.is_zero() {
        response = response.add_message(BankMsg::Send {
            to_address: config.fee_collector.to_string(),
            amount: vec![Coin::new(fee, config.fee_denom)],
        });
    }
    Ok(response)
}

/// Checks the funds against the record's level (paper Rules 1-2) and returns the fee to forward.
fn check_fee(info: &MessageInfo, level: &Level, denom: &str) -> Result<Uint128, ContractError> {
    match level {
        Level::Low => {
            if !info.funds.is_empty() {
                return Err(ContractError::FeeOnLowRecord {
                    got: format_funds(&info.funds),
                });
            }
            Ok(Uint128::zero())
        }
        Level::High { fee } if fee.is_zero() => {
            nonpayable(info)?;
            Ok(Uint128::zero())
        }
        Level::High { fee } => match must_pay(info, denom) {
            Ok(paid) if paid == *fee => Ok(*fee),
            _ => Err(ContractError::WrongFee {
                expected: Coin::new(*fee, denom).to_string(),
                got: format_funds(&info.funds),
            }),
        },
    }
}

pub fn anchor_batch(
    deps: DepsMut,
    env: Env,
    info: MessageInfo,
    args: AnchorArgs,
) -> Result<Response, ContractError> {
    let AnchorArgs {
        channel,
        root,
        count,
        first_timestamp,
        last_timestamp,
    } = args;
    let config = CONFIG.load(deps.storage)?;
    if !config.anchorers.contains(&info.sender) {
        return Err(ContractError::NotAnchorer {
            address: info.sender.to_string(),
        });
    }
    nonpayable(&info)?;
    load_channel(&deps, &channel)?;
    if root.len() != HASH_LEN {
        return Err(CommonError::InvalidHash {
            expected: HASH_LEN,
            got: root.len(),
        }
        .into());
    }
    if count == 0 {
        return Err(ContractError::EmptyBatch {});
    }
    if first_timestamp > last_timestamp {
        return Err(ContractError::BatchTimestamps {
            first: first_timestamp,
            last: last_timestamp,
        });
    }

    let id = BATCH_COUNT
        .load(deps.storage)?
        .checked_add(1)
        .ok_or_else(|| StdError::generic_err("batch id overflow"))?;
    BATCH_COUNT.save(deps.storage, &id)?;
    let batch = Batch {
        id,
        channel: channel.clone(),
        anchorer: info.sender.clone(),
        root,
        count,
        first_timestamp,
        last_timestamp,
        anchored_at: env.block.time,
        height: env.block.height,
    };
    BATCHES.save(deps.storage, id, &batch)?;
    BATCHES_BY_CHANNEL.save(deps.storage, (&channel, id), &())?;

    Ok(Response::new()
        .add_attribute("action", "anchor_batch")
        .add_attribute("batch_id", id.to_string())
        .add_attribute("channel", channel)
        .add_attribute("anchorer", info.sender)
        .add_attribute("root", batch.root.to_hex())
        .add_attribute("count", count.to_string()))
}

/// The fields of `ExecuteMsg::AnchorBatch`.
pub struct AnchorArgs {
    /// Channel whose records the batch covers.
    pub channel: String,
    /// 32-byte Merkle root.
    pub root: HexBinary,
    /// Number of leaves.
    pub count: u64,
    /// Earliest claim timestamp, ms.
    pub first_timestamp: u64,
    /// Latest claim timestamp, ms.
    pub last_timestamp: u64,
}

pub fn update_config(
    deps: DepsMut,
    info: MessageInfo,
    admin: Option<String>,
    storage_payment: Option<String>,
    fee_collector: Option<String>,
    fee_denom: Option<String>,
) -> Result<Response, ContractError> {
    let mut config = CONFIG.load(deps.storage)?;
    if info.sender != config.admin {
        return Err(ContractError::unauthorized(
            "update the registry config",
            &config.admin,
        ));
    }
    nonpayable(&info)?;
    let api = deps.api;
    if let Some(admin) = admin {
        config.admin = validate_addr(api, "admin", &admin)?;
    }
    if let Some(storage_payment) = storage_payment {
        config.storage_payment = validate_addr(api, "storage payment", &storage_payment)?;
    }
    if let Some(fee_collector) = fee_collector {
        config.fee_collector = validate_addr(api, "fee collector", &fee_collector)?;
    }
    if let Some(fee_denom) = fee_denom {
        validate_native_denom(&fee_denom)?;
        config.fee_denom = fee_denom;
    }
    CONFIG.save(deps.storage, &config)?;

    Ok(Response::new()
        .add_attribute("action", "update_config")
        .add_attribute("admin", config.admin)
        .add_attribute("storage_payment", config.storage_payment)
        .add_attribute("fee_collector", config.fee_collector)
        .add_attribute("fee_denom", config.fee_denom))
}

pub fn update_anchorers(
    deps: DepsMut,
    info: MessageInfo,
    add: Vec<String>,
    remove: Vec<String>,
) -> Result<Response, ContractError> {
    let mut config = CONFIG.load(deps.storage)?;
    if info.sender != config.admin {
        return Err(ContractError::unauthorized(
            "update the anchorers",
            &config.admin,
        ));
    }
    nonpayable(&info)?;
    for list in [&add, &remove] {
        if list.len() > MAX_ANCHORERS {
            return Err(ContractError::TooManyAnchorers {
                max: MAX_ANCHORERS,
                got: list.len(),
            });
        }
    }
    let add = validate_unique(deps.api, "anchorer", &add)?;
    let remove = validate_unique(deps.api, "anchorer", &remove)?;

    // Removals first, so one message can swap anchorers when the list is full.
    for address in &remove {
        let position = config
            .anchorers
            .iter()
            .position(|a| a == address)
            .ok_or_else(|| ContractError::NotAnchorer {
                address: address.to_string(),
            })?;
        config.anchorers.remove(position);
    }
    for address in add {
        if !config.anchorers.contains(&address) {
            config.anchorers.push(address);
        }
    }
    if config.anchorers.len() > MAX_ANCHORERS {
        return Err(ContractError::TooManyAnchorers {
            max: MAX_ANCHORERS,
            got: config.anchorers.len(),
        });
    }
    CONFIG.save(deps.storage, &config)?;

    let response = Response::new()
        .add_attribute("action", "update_anchorers")
        .add_attribute("anchorer_count", config.anchorers.len().to_string());
    Ok(with_list(response, "anchorers", &config.anchorers))
}

pub fn register_sensor(
    deps: DepsMut,
    env: Env,
    info: MessageInfo,
    pubkey: HexBinary,
    name: String,
) -> Result<Response, ContractError> {
    // The sender becomes the owner, so there is no one else to check it against.
    nonpayable(&info)?;
    validate_sensor_key(&pubkey)?;
    let name = name.trim().to_string();
    let len = name.chars().count();
    if len == 0 || len > MAX_SENSOR_NAME_LEN {
        return Err(ContractError::InvalidSensorName {
            len,
            max: MAX_SENSOR_NAME_LEN,
        });
    }
    // Whoever registered a key first keeps it: otherwise anyone could take over another
    // owner's sensor and have its signatures count as theirs.
    if let Some(existing) = SENSORS.may_load(deps.storage, pubkey.as_slice())? {
        if existing.owner != info.sender {
            return Err(ContractError::SensorOwnedByOther {
                pubkey: pubkey.to_hex(),
                owner: existing.owner.to_string(),
            });
        }
    }

    let sensor = Sensor {
        pubkey: pubkey.clone(),
        owner: info.sender.clone(),
        name,
        registered_at: env.block.time,
    };
    SENSORS.save(deps.storage, pubkey.as_slice(), &sensor)?;
    SENSORS_BY_OWNER.save(deps.storage, (&info.sender, pubkey.as_slice()), &())?;

    Ok(Response::new()
        .add_attribute("action", "register_sensor")
        .add_attribute("owner", info.sender)
        .add_attribute("pubkey", pubkey.to_hex())
        .add_attribute("name", sensor.name))
}

pub fn remove_sensor(
    deps: DepsMut,
    info: MessageInfo,
    pubkey: HexBinary,
) -> Result<Response, ContractError> {
    let sensor = SENSORS
        .may_load(deps.storage, pubkey.as_slice())?
        .ok_or_else(|| ContractError::SensorNotFound {
            pubkey: pubkey.to_hex(),
        })?;
    if info.sender != sensor.owner {
        return Err(ContractError::unauthorized(
            &format!("remove sensor {}", pubkey.to_hex()),
            &sensor.owner,
        ));
    }
    nonpayable(&info)?;
    SENSORS.remove(deps.storage, pubkey.as_slice());
    SENSORS_BY_OWNER.remove(deps.storage, (&sensor.owner, pubkey.as_slice()));

    Ok(Response::new()
        .add_attribute("action", "remove_sensor")
        .add_attribute("owner", sensor.owner)
        .add_attribute("pubkey", pubkey.to_hex()))
}

/// A sensor key is a compressed secp256k1 point, the same shape as an Umbral key: the shared
/// check applies, with an error that names sensors.
fn validate_sensor_key(pubkey: &HexBinary) -> Result<(), ContractError> {
    validate_public_key(pubkey.as_slice()).map_err(|e| match e {
        CommonError::InvalidUmbralKey { reason } => ContractError::InvalidSensorKey { reason },
        other => other.into(),
    })
}

/// A channel or stream id: 1-64 characters of `[a-zA-Z0-9_.-]`.
fn validate_id(what: &'static str, id: &str) -> Result<(), ContractError> {
    let ok = !id.is_empty()
        && id.len() <= MAX_ID_LEN
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'));
    if !ok {
        return Err(ContractError::InvalidId {
            what,
            id: id.to_string(),
            max: MAX_ID_LEN,
        });
    }
    Ok(())
}

fn load_channel(deps: &DepsMut, id: &str) -> Result<Channel, ContractError> {
    CHANNELS
        .may_load(deps.storage, id)?
        .ok_or_else(|| ContractError::ChannelNotFound { id: id.to_string() })
}

fn check_member_count(got: usize) -> Result<(), ContractError> {
    if got > MAX_MEMBERS_PER_MSG {
        return Err(ContractError::TooManyMembers {
            max: MAX_MEMBERS_PER_MSG,
            got,
        });
    }
    Ok(())
}

/// Validates every address and drops repeats, keeping the first occurrence's order.
/// Callers bound the list length first (the dedupe is quadratic).
fn validate_unique(
    api: &dyn Api,
    what: &'static str,
    addresses: &[String],
) -> Result<Vec<Addr>, ContractError> {
    let mut out: Vec<Addr> = Vec::with_capacity(addresses.len());
    for address in addresses {
        let addr = validate_addr(api, what, address)?;
        if !out.contains(&addr) {
            out.push(addr);
        }
    }
    Ok(out)
}

/// Adds `key` = the comma-separated addresses, or nothing for an empty list: wasmd refuses empty
/// attribute values.
fn with_list(response: Response, key: &str, addresses: &[Addr]) -> Response {
    if addresses.is_empty() {
        response
    } else {
        response.add_attribute(key, join(addresses))
    }
}

fn join(addresses: &[Addr]) -> String {
    addresses
        .iter()
        .map(Addr::as_str)
        .collect::<Vec<_>>()
        .join(",")
}

fn format_funds(funds: &[Coin]) -> String {
    if funds.is_empty() {
        return "no funds".to_string();
    }
    funds
        .iter()
        .map(Coin::to_string)
        .collect::<Vec<_>>()
        .join(",")
}
