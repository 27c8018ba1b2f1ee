//! Checking a claim batch before it may enter the queue: shape and size, the one signature,
//! the sensor's owner on chain, the voucher's channel, the owner's lease capacity. What depends
//! on the claims acknowledged before (the next seq of each stream, the last voucher of a
//! channel, the bytes an owner has claimed) is checked by the writer, in queue order, inside the
//! commit ([`super::store::Store::commit`]).
//!
//! The chain is read through [`ChainView`] with small caches, so a sensor sending ten batches a
//! second costs one registry query a minute, not ten a second.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use cosmwasm_std::Uint128;
use futures::future::BoxFuture;
use twinshare_stream::api::{codes, ClaimBatch};
use twinshare_types::claims::{batch_digest, body_hash, leaf_bytes, ClaimLevel, MAX_STREAM_LEN};
use twinshare_types::merkle::{leaf_hash, Hash};

use crate::error::ChainError;
use crate::lane::Priority;

/// Why a batch was refused; nothing of it is stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Rejection {
    Malformed(String),
    BadSignature(String),
    UnknownSensor(String),
    OutOfOrderSeq {
        stream: String,
        expected: u64,
        got: u64,
    },
    VoucherRequired(String),
    VoucherInsufficient(String),
    BatchTooLarge {
        records: usize,
        max: usize,
    },
    OverCapacity(String),
    Saturated {
        retry_after_secs: u64,
    },
    /// The chain or the database cannot be read right now; try again.
    Unavailable(String),
}

impl Rejection {
    pub fn code(&self) -> &'static str {
        match self {
            Rejection::Malformed(_) => codes::MALFORMED,
            Rejection::BadSignature(_) => codes::BAD_SIGNATURE,
            Rejection::UnknownSensor(_) => codes::UNKNOWN_SENSOR,
            Rejection::OutOfOrderSeq { .. } => codes::OUT_OF_ORDER_SEQ,
            Rejection::VoucherRequired(_) => codes::VOUCHER_REQUIRED,
            Rejection::VoucherInsufficient(_) => codes::VOUCHER_INSUFFICIENT,
            Rejection::BatchTooLarge { .. } => codes::BATCH_TOO_LARGE,
            Rejection::OverCapacity(_) => codes::OVER_CAPACITY,
            Rejection::Saturated { .. } => codes::SATURATED,
            Rejection::Unavailable(_) => "unavailable",
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            Rejection::Malformed(_) => StatusCode::BAD_REQUEST,
            Rejection::BadSignature(_) => StatusCode::UNAUTHORIZED,
            Rejection::UnknownSensor(_) | Rejection::OverCapacity(_) => StatusCode::FORBIDDEN,
            Rejection::OutOfOrderSeq { .. } => StatusCode::CONFLICT,
            Rejection::VoucherRequired(_) | Rejection::VoucherInsufficient(_) => {
                StatusCode::PAYMENT_REQUIRED
            }
            Rejection::BatchTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Rejection::Saturated { .. } | Rejection::Unavailable(_) => {
                StatusCode::SERVICE_UNAVAILABLE
            }
        }
    }

    pub fn message(&self) -> String {
        match self {
            Rejection::Malformed(m)
            | Rejection::BadSignature(m)
            | Rejection::UnknownSensor(m)
            | Rejection::VoucherRequired(m)
            | Rejection::VoucherInsufficient(m)
            | Rejection::OverCapacity(m)
            | Rejection::Unavailable(m) => m.clone(),
            Rejection::OutOfOrderSeq {
                stream,
                expected,
                got,
            } => format!(
                "stream {stream:?}: expected seq {expected}, got {got} (a replay or a gap); \
                 send from seq {expected}"
            ),
            Rejection::BatchTooLarge { records, max } => {
                format!("{records} records in one batch; at most {max}: split it")
            }
            Rejection::Saturated { retry_after_secs } => {
                format!("the ingest queue is full; retry after {retry_after_secs} s")
            }
        }
    }
}

/// A channel of the payment-channel contract, as far as the ingest needs it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChannelInfo {
    pub id: u64,
    pub owner: String,
    pub payee: String,
    pub deposit: u128,
    /// Closed, or a close was requested: no new vouchers.
    pub closing: bool,
}

/// An owner's room with the provider: lease bytes and bytes registered on chain.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Capacity {
    pub lease_bytes: u64,
    pub registered_bytes: u64,
}

impl Capacity {
    /// Bytes the owner may still claim (before counting the claims of this daemon).
    pub fn room(&self) -> u64 {
        self.lease_bytes.saturating_sub(self.registered_bytes)
    }
}

/// The chain queries of the ingest (a trait so the checks are tested without a chain).
pub trait ChainView: Send + Sync {
    /// The owner a sensor key is registered to; `None` when the registry does not know it.
    fn sensor_owner<'a>(
        &'a self,
        pubkey: &'a [u8],
    ) -> BoxFuture<'a, Result<Option<String>, ChainError>>;
    /// A payment channel; `None` when it does not exist (or no payment-channel is configured).
    fn channel(&self, id: u64) -> BoxFuture<'_, Result<Option<ChannelInfo>, ChainError>>;
    /// The owner's lease capacity with the provider and its bytes registered there.
    fn capacity<'a>(&'a self, owner: &'a str) -> BoxFuture<'a, Result<Capacity, ChainError>>;
}

/// A batch that passed every check not depending on earlier claims.
#[derive(Clone, Debug)]
pub struct Checked {
    pub owner: String,
    pub level: ClaimLevel,
    pub priority: Priority,
    pub records: Vec<twinshare_types::claims::ClaimRecord>,
    /// `merkle::leaf_hash(leaf_bytes(owner, record))`, in record order.
    pub leaf_hashes: Vec<Hash>,
    pub body_hash: Hash,
    pub sensor_pubkey: Vec<u8>,
    pub signature: Vec<u8>,
    /// The voucher and its channel as the chain showed it.
    pub voucher: Option<(twinshare_types::claims::Voucher, ChannelInfo)>,
    /// Bytes the owner may still claim in total (lease minus registered).
    pub room: u64,
    /// Sum of the records' sizes.
    pub bytes: u64,
    /// When the batch arrived (for the ingest latency metric).
    pub arrived: Instant,
}

impl Checked {
    /// The fee the batch owes: `fee_per_record x records` for High, 0 for Low.
    pub fn fee(&self) -> u128 {
        match &self.level {
            ClaimLevel::High { fee_per_record } => fee_per_record
                .u128()
                .saturating_mul(self.records.len() as u128),
            ClaimLevel::Low => 0,
        }
    }
}

/// Settings of the checks.
#[derive(Clone, Debug)]
pub struct IngestSettings {
    pub max_batch_records: usize,
    /// The daemon's account: the payee every voucher must name.
    pub payee: String,
    /// Bech32 prefix of owner addresses.
    pub prefix: String,
    pub sensor_ttl: Duration,
    pub capacity_ttl: Duration,
}

/// How long a channel's state is trusted (its deposit grows with top-ups; a stale, smaller
/// deposit is read again before refusing).
const CHANNEL_TTL: Duration = Duration::from_secs(2);
/// How long "no such sensor" is remembered (a sensor registered a moment ago is found soon).
const UNKNOWN_SENSOR_TTL: Duration = Duration::from_secs(2);

struct Cached<T> {
    value: T,
    at: Instant,
    /// A background read of a newer value is under way (one at a time).
    refreshing: bool,
}

impl<T> Cached<T> {
    fn new(value: T) -> Self {
        Cached {
            value,
            at: Instant::now(),
            refreshing: false,
        }
    }
}

type Cache<K, T> = Arc<Mutex<HashMap<K, Cached<T>>>>;

/// Serves a known value past its time while one background read replaces it: under load every
/// POST of an owner would otherwise wait for (and repeat) the same chain query when the entry
/// expires, and a query waits behind the block being executed (acknowledgments stalled for up
/// to a second every `capacity_cache_secs`). `Some(value)` when a value is known.
fn stale_while_refreshing<K, T, F>(cache: &Cache<K, T>, key: &K, read: F) -> Option<T>
where
    K: std::hash::Hash + Eq + Clone + Send + 'static,
    T: Clone + Send + 'static,
    F: std::future::Future<Output = Result<T, ChainError>> + Send + 'static,
{
    let mut map = lock(cache);
    let entry = map.get_mut(key)?;
    if !entry.refreshing {
        entry.refreshing = true;
        let (cache, key) = (cache.clone(), key.clone());
        tokio::spawn(async move {
            let read = read.await;
            let mut map = lock(&cache);
            match read {
                Ok(value) => {
                    map.insert(key, Cached::new(value));
                }
                // The chain is away: keep serving the last value, try again on the next use.
                Err(_) => {
                    if let Some(e) = map.get_mut(&key) {
                        e.refreshing = false;
                    }
                }
            }
        });
    }
    Some(entry.value.clone())
}

/// The stateless checks, with their caches.
pub struct Ingest {
    settings: IngestSettings,
    chain: Arc<dyn ChainView>,
    sensors: Cache<Vec<u8>, Option<String>>,
    channels: Mutex<HashMap<u64, Cached<Option<ChannelInfo>>>>,
    capacity: Cache<String, Capacity>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

fn unavailable(what: &str, e: ChainError) -> Rejection {
    Rejection::Unavailable(format!("cannot check {what} on chain right now: {e}"))
}

impl Ingest {
    pub fn new(settings: IngestSettings, chain: Arc<dyn ChainView>) -> Self {
        Self {
            settings,
            chain,
            sensors: Arc::new(Mutex::new(HashMap::new())),
            channels: Mutex::new(HashMap::new()),
            capacity: Arc::new(Mutex::new(HashMap::new())),
        }
    }

    pub fn settings(&self) -> &IngestSettings {
        &self.settings
    }

    /// Parses a POST body and runs every check that does not depend on earlier claims.
    pub async fn check_body(&self, body: &[u8]) -> Result<Checked, Rejection> {
        let batch: ClaimBatch = serde_json::from_slice(body)
            .map_err(|e| Rejection::Malformed(format!("not a claim batch: {e}")))?;
        self.check(batch).await
    }

    pub async fn check(&self, batch: ClaimBatch) -> Result<Checked, Rejection> {
        let arrived = Instant::now();
        let s = &self.settings;
        if batch.records.len() > s.max_batch_records {
            return Err(Rejection::BatchTooLarge {
                records: batch.records.len(),
                max: s.max_batch_records,
            });
        }
        check_shape(&batch, &s.prefix)?;

        // One signature per batch: the body hash commits to owner, level and every record.
        let body = body_hash(&batch.owner, &batch.level, &batch.records);
        let digest = batch_digest(&body, batch.voucher.as_ref());
        twinshare_crypto::verify_digest(
            batch.sensor_pubkey.as_slice(),
            &digest,
            batch.signature.as_slice(),
        )
        .map_err(|e| {
            Rejection::BadSignature(format!(
                "the signature does not verify with sensor key {} over this batch: {e}",
                batch.sensor_pubkey.to_hex()
            ))
        })?;

        match self.sensor_owner(batch.sensor_pubkey.as_slice()).await? {
            None => {
                return Err(Rejection::UnknownSensor(format!(
                    "sensor key {} is not registered in the registry (RegisterSensor)",
                    batch.sensor_pubkey.to_hex()
                )))
            }
            Some(owner) if owner != batch.owner => {
                return Err(Rejection::UnknownSensor(format!(
                    "sensor key {} is registered to {owner}, not to {}",
                    batch.sensor_pubkey.to_hex(),
                    batch.owner
                )))
            }
            Some(_) => {}
        }

        let n = batch.records.len() as u128;
        let (priority, fee) = match &batch.level {
            ClaimLevel::High { fee_per_record } => (
                Priority::High {
                    fee: fee_per_record.u128(),
                },
                fee_per_record.u128().saturating_mul(n),
            ),
            ClaimLevel::Low => (Priority::Low, 0),
        };
        let voucher = match (&batch.voucher, &batch.level) {
            (None, ClaimLevel::High { .. }) => {
                return Err(Rejection::VoucherRequired(format!(
                "a High batch pays {fee} ({} records) with a voucher on a payment channel to {}",
                n, s.payee
            )))
            }
            (None, ClaimLevel::Low) => None,
            (Some(v), _) => {
                let channel = self
                    .voucher_channel(&batch.owner, v.channel, v.cumulative)
                    .await?;
                Some((v.clone(), channel))
            }
        };

        let bytes: u64 = batch.records.iter().map(|r| u64::from(r.size)).sum();
        let capacity = self.capacity(&batch.owner).await?;
        if bytes > capacity.room() {
            return Err(over_capacity(&batch.owner, bytes, 0, capacity.room()));
        }

        let leaf_hashes = batch
            .records
            .iter()
            .map(|r| leaf_hash(&leaf_bytes(&batch.owner, r)))
            .collect();
        Ok(Checked {
            owner: batch.owner,
            level: batch.level,
            priority,
            records: batch.records,
            leaf_hashes,
            body_hash: body,
            sensor_pubkey: batch.sensor_pubkey.to_vec(),
            signature: batch.signature.to_vec(),
            voucher,
            room: capacity.room(),
            bytes,
            arrived,
        })
    }

    async fn sensor_owner(&self, pubkey: &[u8]) -> Result<Option<String>, Rejection> {
        if let Some(c) = lock(&self.sensors).get(pubkey) {
            let ttl = if c.value.is_some() {
                self.settings.sensor_ttl
            } else {
                UNKNOWN_SENSOR_TTL
            };
            if c.at.elapsed() < ttl {
                return Ok(c.value.clone());
            }
        }
        // A known owner past its time: served while it is read again. An unknown key is read
        // at once (a sensor registered a moment ago must be found).
        let known = !self.settings.sensor_ttl.is_zero()
            && lock(&self.sensors)
                .get(pubkey)
                .is_some_and(|c| c.value.is_some());
        if known {
            let chain = self.chain.clone();
            let key = pubkey.to_vec();
            let read = async move { chain.sensor_owner(&key).await };
            if let Some(owner) = stale_while_refreshing(&self.sensors, &pubkey.to_vec(), read) {
                return Ok(owner);
            }
        }
        let owner = match self.chain.sensor_owner(pubkey).await {
            Ok(o) => o,
            // The chain is away: a known owner stays good (claims are durable; anchoring
            // waits for the chain anyway).
            Err(e) => match lock(&self.sensors).get(pubkey) {
                Some(c) if c.value.is_some() => return Ok(c.value.clone()),
                _ => return Err(unavailable("the sensor", e)),
            },
        };
        lock(&self.sensors).insert(pubkey.to_vec(), Cached::new(owner.clone()));
        Ok(owner)
    }

    async fn channel(&self, id: u64, fresh: bool) -> Result<Option<ChannelInfo>, Rejection> {
        if !fresh {
            if let Some(c) = lock(&self.channels).get(&id) {
                if c.at.elapsed() < CHANNEL_TTL {
                    return Ok(c.value.clone());
                }
            }
        }
        let channel = self
            .chain
            .channel(id)
            .await
            .map_err(|e| unavailable("the payment channel", e))?;
        lock(&self.channels).insert(id, Cached::new(channel.clone()));
        Ok(channel)
    }

    /// The voucher's channel, checked against the batch: it exists, is open, is the owner's and
    /// pays this daemon, and holds the cumulative amount. (That the amount grew by the fee is
    /// the writer's check: it knows the last accepted voucher.)
    async fn voucher_channel(
        &self,
        owner: &str,
        id: u64,
        cumulative: Uint128,
    ) -> Result<ChannelInfo, Rejection> {
        let insufficient = Rejection::VoucherInsufficient;
        let mut channel = self.channel(id, false).await?;
        if channel
            .as_ref()
            .is_some_and(|c| c.deposit < cumulative.u128())
        {
            // A top-up may have come since the cache was filled.
            channel = self.channel(id, true).await?;
        }
        let Some(c) = channel else {
            return Err(insufficient(format!("payment channel {id} does not exist")));
        };
        if c.payee != self.settings.payee {
            return Err(insufficient(format!(
                "payment channel {id} pays {}, not this daemon ({})",
                c.payee, self.settings.payee
            )));
        }
        if c.owner != owner {
            return Err(insufficient(format!(
                "payment channel {id} belongs to {}, not to the batch's owner {owner}",
                c.owner
            )));
        }
        if c.closing {
            return Err(insufficient(format!(
                "payment channel {id} is closed or closing; open a new one"
            )));
        }
        if cumulative.u128() > c.deposit {
            return Err(insufficient(format!(
                "voucher of {cumulative} on channel {id} exceeds its deposit of {}; top it up",
                c.deposit
            )));
        }
        Ok(c)
    }

    async fn capacity(&self, owner: &str) -> Result<Capacity, Rejection> {
        if let Some(c) = lock(&self.capacity).get(owner) {
            if c.at.elapsed() < self.settings.capacity_ttl {
                return Ok(c.value);
            }
        }
        // A zero time means "always read": no value is served past it.
        if !self.settings.capacity_ttl.is_zero() {
            let chain = self.chain.clone();
            let key = owner.to_string();
            let read = async move { chain.capacity(&key).await };
            if let Some(c) = stale_while_refreshing(&self.capacity, &owner.to_string(), read) {
                return Ok(c);
            }
        }
        let capacity = match self.chain.capacity(owner).await {
            Ok(c) => c,
            // The chain is away: the last capacity seen stays good.
            Err(e) => match lock(&self.capacity).get(owner) {
                Some(c) => return Ok(c.value),
                None => return Err(unavailable("the owner's lease capacity", e)),
            },
        };
        lock(&self.capacity).insert(owner.to_string(), Cached::new(capacity));
        Ok(capacity)
    }
}

/// The over-capacity refusal.
pub fn over_capacity(owner: &str, bytes: u64, claimed: u64, room: u64) -> Rejection {
    Rejection::OverCapacity(format!(
        "{owner} claims {bytes} more bytes on top of {claimed} claimed, but its leases with the \
         provider leave room for {room} (lease capacity minus registered bytes); buy or extend a \
         lease"
    ))
}

/// Shape checks: addresses, key and signature lengths, streams, hashes.
fn check_shape(batch: &ClaimBatch, prefix: &str) -> Result<(), Rejection> {
    let bad = |m: String| Err(Rejection::Malformed(m));
    if twinshare_client::keys::parse_address(&batch.owner, prefix).is_err() {
        return bad(format!(
            "owner {:?} is not a {prefix}1... address",
            batch.owner
        ));
    }
    if batch.sensor_pubkey.len() != twinshare_crypto::claims::SENSOR_PUBKEY_LEN {
        return bad(format!(
            "sensor_pubkey is {} bytes; a compressed secp256k1 key has 33",
            batch.sensor_pubkey.len()
        ));
    }
    if batch.signature.len() != twinshare_crypto::claims::SIGNATURE_LEN {
        return bad(format!(
            "signature is {} bytes; a compact signature has 64",
            batch.signature.len()
        ));
    }
    if batch.records.is_empty() {
        return bad("no records".into());
    }
    if let ClaimLevel::High { fee_per_record } = &batch.level {
        if fee_per_record.is_zero() {
            return bad("a High batch needs fee_per_record > 0 (Rule 2); send Low instead".into());
        }
    }
    for (i, r) in batch.records.iter().enumerate() {
        if r.stream.is_empty() || r.stream.len() > MAX_STREAM_LEN {
            return bad(format!(
                "record {i}: stream name of {} bytes (1-{MAX_STREAM_LEN})",
                r.stream.len()
            ));
        }
        if r.stream.chars().any(char::is_control) {
            return bad(format!("record {i}: stream name has control characters"));
        }
        if r.hash.len() != 32 {
            return bad(format!(
                "record {i}: hash is {} bytes, not 32",
                r.hash.len()
            ));
        }
    }
    Ok(())
}
