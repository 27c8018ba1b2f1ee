//! Query handlers. Lists are paginated with `page_limit` and an exclusive `start_after`.

use cosmwasm_std::{Deps, HexBinary, Order, StdError, StdResult};
use cw_storage_plus::Bound;

use twinshare_types::merkle::{verify, MerkleProof};
use twinshare_types::pagination::{page_ids, page_limit};

use crate::msg::{
    Batch, BatchesResponse, Channel, Config, IsMemberResponse, MembersResponse, Party, Record,
    RecordsResponse, Sensor, SensorsResponse, UsedBytesResponse, VerifyInclusionResponse,
};
use crate::state::{
    BATCHES, BATCHES_BY_CHANNEL, CHANNELS, CONFIG, MEMBERS, PARTIES, RECORDS, RECORDS_BY_CHANNEL,
    RECORDS_BY_OWNER, RECORDS_BY_STREAM, RECORD_BY_HASH, SENSORS, SENSORS_BY_OWNER, STREAMS,
    USED_BYTES,
};

pub fn config(deps: Deps) -> StdResult<Config> {
    CONFIG.load(deps.storage)
}

pub fn party(deps: Deps, address: String) -> StdResult<Party> {
    let address = deps.api.addr_validate(&address)?;
    PARTIES
        .may_load(deps.storage, &address)?
        .ok_or_else(|| StdError::not_found(format!("party {address}")))
}

pub fn channel(deps: Deps, id: String) -> StdResult<Channel> {
    CHANNELS
        .may_load(deps.storage, &id)?
        .ok_or_else(|| StdError::not_found(format!("channel {id:?}")))
}

pub fn members(
    deps: Deps,
    channel: String,
    start_after: Option<String>,
    limit: Option<u32>,
) -> StdResult<MembersResponse> {
    let start_after = start_after
        .map(|a| deps.api.addr_validate(&a))
        .transpose()?;
    let members = MEMBERS
        .prefix(&channel)
        .keys(
            deps.storage,
            start_after.as_ref().map(Bound::exclusive),
            None,
            Order::Ascending,
        )
        .take(page_limit(limit))
        .collect::<StdResult<_>>()?;
    Ok(MembersResponse { members })
}

pub fn is_member(deps: Deps, channel: String, address: String) -> StdResult<IsMemberResponse> {
    let address = deps.api.addr_validate(&address)?;
    Ok(IsMemberResponse {
        is_member: MEMBERS.has(deps.storage, (&channel, &address)),
    })
}

pub fn record(deps: Deps, id: u64) -> StdResult<Record> {
    RECORDS
        .may_load(deps.storage, id)?
        .ok_or_else(|| StdError::not_found(format!("record {id}")))
}

pub fn record_by_hash(deps: Deps, hash: HexBinary) -> StdResult<Record> {
    let id = RECORD_BY_HASH
        .may_load(deps.storage, hash.as_slice())?
        .ok_or_else(|| StdError::not_found(format!("record with hash {}", hash.to_hex())))?;
    RECORDS.load(deps.storage, id)
}

/// Loads the records whose ids an index yields.
fn load_records(deps: Deps, ids: Vec<u64>) -> StdResult<RecordsResponse> {
    let records = ids
        .into_iter()
        .map(|id| RECORDS.load(deps.storage, id))
        .collect::<StdResult<_>>()?;
    Ok(RecordsResponse { records })
}

pub fn records_by_owner(
    deps: Deps,
    owner: String,
    start_after: Option<u64>,
    limit: Option<u32>,
) -> StdResult<RecordsResponse> {
    let owner = deps.api.addr_validate(&owner)?;
    let ids = page_ids(
        deps.storage,
        RECORDS_BY_OWNER.prefix(&owner),
        start_after,
        limit,
    )?;
    load_records(deps, ids)
}

pub fn records_by_channel(
    deps: Deps,
    channel: String,
    start_after: Option<u64>,
    limit: Option<u32>,
) -> StdResult<RecordsResponse> {
    let ids = page_ids(
        deps.storage,
        RECORDS_BY_CHANNEL.prefix(&channel),
        start_after,
        limit,
    )?;
    load_records(deps, ids)
}

pub fn records_by_stream(
    deps: Deps,
    stream: String,
    start_after: Option<u64>,
    limit: Option<u32>,
) -> StdResult<RecordsResponse> {
    let ids = page_ids(
        deps.storage,
        RECORDS_BY_STREAM.prefix(&stream),
        start_after,
        limit,
    )?;
    load_records(deps, ids)
}

pub fn latest_in_stream(deps: Deps, stream: String) -> StdResult<Record> {
    let info = STREAMS
        .may_load(deps.storage, &stream)?
        .ok_or_else(|| StdError::not_found(format!("stream {stream:?}")))?;
    RECORDS.load(deps.storage, info.latest_record_id)
}

pub fn used_bytes(deps: Deps, owner: String, provider: String) -> StdResult<UsedBytesResponse> {
    let owner = deps.api.addr_validate(&owner)?;
    let provider = deps.api.addr_validate(&provider)?;
    Ok(UsedBytesResponse {
        used: USED_BYTES
            .may_load(deps.storage, (&owner, &provider))?
            .unwrap_or_default(),
    })
}

pub fn batch(deps: Deps, id: u64) -> StdResult<Batch> {
    BATCHES
        .may_load(deps.storage, id)?
        .ok_or_else(|| StdError::not_found(format!("batch {id}")))
}

pub fn batches_by_channel(
    deps: Deps,
    channel: String,
    start_after: Option<u64>,
    limit: Option<u32>,
) -> StdResult<BatchesResponse> {
    let batches = page_ids(
        deps.storage,
        BATCHES_BY_CHANNEL.prefix(&channel),
        start_after,
        limit,
    )?
    .into_iter()
    .map(|id| BATCHES.load(deps.storage, id))
    .collect::<StdResult<_>>()?;
    Ok(BatchesResponse { batches })
}

pub fn verify_inclusion(
    deps: Deps,
    batch_id: u64,
    leaf: HexBinary,
    proof: MerkleProof,
) -> StdResult<VerifyInclusionResponse> {
    let batch = batch(deps, batch_id)?;
    Ok(VerifyInclusionResponse {
        // A malformed proof is simply not valid.
        valid: verify(batch.root.as_slice(), leaf.as_slice(), &proof),
        root: batch.root,
    })
}

pub fn sensor(deps: Deps, pubkey: HexBinary) -> StdResult<Sensor> {
    SENSORS
        .may_load(deps.storage, pubkey.as_slice())?
        .ok_or_else(|| StdError::not_found(format!("sensor {}", pubkey.to_hex())))
}

pub fn sensors_by_owner(
    deps: Deps,
    owner: String,
    start_after: Option<HexBinary>,
    limit: Option<u32>,
) -> StdResult<SensorsResponse> {
    let owner = deps.api.addr_validate(&owner)?;
    let sensors = SENSORS_BY_OWNER
        .prefix(&owner)
        .keys(
            deps.storage,
            start_after.as_ref().map(|k| Bound::exclusive(k.as_slice())),
            None,
            Order::Ascending,
        )
        .take(page_limit(limit))
        .map(|key| SENSORS.load(deps.storage, &key?))
        .collect::<StdResult<_>>()?;
    Ok(SensorsResponse { sensors })
}
