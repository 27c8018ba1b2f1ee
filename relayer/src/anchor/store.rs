//! The anchoring service's memory, in its own redb database: every acknowledged claim batch
//! (a "post"), the next seq of each stream, the newest voucher of each payment channel, the
//! bytes each owner has claimed, and every anchor batch with its leaves.
//!
//! Group commit: the writer hands [`Store::commit`] many checked posts at once; they are checked
//! against the state in queue order, written in one transaction and made durable with one
//! commit (one fsync), and only then answered. Posts are stored whole (one row per post, not
//! per record), with one index row per (post, stream) to find a record by its seq.
//!
//! Crash safety of anchoring: a batch is written (root, leaves, posts covered) before its
//! `AnchorBatch` tx is sent, marked `sending`; it becomes `anchored` only once the chain
//! includes it. On restart the `sending` batch is looked up on chain by its root before it is
//! sent again ([`super::anchorer`]), and the posts after it are pending again.
//!
//! The in-memory copy answers the stream and status queries and feeds the anchorer.

use std::collections::{HashMap, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use redb::{Database, ReadableDatabase, ReadableTable, TableDefinition};
use serde::{Deserialize, Serialize};
use twinshare_types::claims::{ClaimLevel, ClaimRecord};
use twinshare_types::merkle::{Hash, HASH_LEN};

use super::ingest::{over_capacity, Checked, Rejection};
use crate::db::{check_schema, create_database, now_ms};
use crate::error::DbError;

const META: TableDefinition<&str, u64> = TableDefinition::new("meta");
const POSTS: TableDefinition<u64, &[u8]> = TableDefinition::new("posts");
const STREAMS: TableDefinition<&str, (u64, u64)> = TableDefinition::new("streams");
const SEGMENTS: TableDefinition<(&str, u64), u64> = TableDefinition::new("segments");
const VOUCHERS: TableDefinition<u64, &[u8]> = TableDefinition::new("vouchers");
const OWNERS: TableDefinition<&str, u64> = TableDefinition::new("owners");
const BATCHES: TableDefinition<u64, &[u8]> = TableDefinition::new("batches");
const BATCH_LEAVES: TableDefinition<u64, &[u8]> = TableDefinition::new("batch_leaves");
const BATCH_BY_POST: TableDefinition<u64, u64> = TableDefinition::new("batch_by_post");
/// Batches written and not yet known anchored (several may be in flight).
const SENDING: TableDefinition<u64, ()> = TableDefinition::new("sending");

const SCHEMA_VERSION: u64 = 1;
const NEXT_POST: &str = "next_post";
const NEXT_BATCH: &str = "next_batch";
const ACKNOWLEDGED: &str = "acknowledged";
const ANCHORED: &str = "anchored";
const BATCHES_ANCHORED: &str = "batches_anchored";
const LAST_ANCHOR_HEIGHT: &str = "last_anchor_height";
const LAST_CHAIN_BATCH: &str = "last_chain_batch";
/// `last_anchored_seq` of a stream with none yet.
const NONE_SEQ: u64 = u64::MAX;

/// The key of a stream: owner and stream name (neither holds a newline).
pub fn stream_key(owner: &str, stream: &str) -> String {
    format!("{owner}\n{stream}")
}

fn split_key(key: &str) -> (&str, &str) {
    key.split_once('\n').unwrap_or((key, ""))
}

/// Per stream of a post or batch: `(stream key, a seq, records)`.
type Runs = Vec<(String, u64, u64)>;

/// A batch just cut, with its leaf hashes.
pub type Cut = (BatchRecord, Arc<Vec<Hash>>);

/// One stream's state.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct StreamState {
    pub next_seq: u64,
    pub last_anchored_seq: Option<u64>,
    /// Acknowledged, not yet anchored.
    pub pending: u64,
}

/// The newest voucher of a channel, with what is needed to redeem it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VoucherState {
    pub channel: u64,
    pub cumulative: u128,
    pub body_hash: String,
    pub sensor_pubkey: String,
    pub signature: String,
    /// The cumulative amount last redeemed by this daemon.
    pub redeemed: u128,
}

/// Where an anchor batch stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BatchState {
    /// Written; its tx may or may not have been sent.
    Sending,
    /// Included on chain.
    Anchored,
}

/// One anchor batch: the posts it covers, in acknowledgment order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchRecord {
    /// Local number, from 1.
    pub no: u64,
    pub first_post: u64,
    pub last_post: u64,
    /// `(post id, index of its first leaf)`, by post id.
    pub offsets: Vec<(u64, u64)>,
    /// Hex Merkle root.
    pub root: String,
    pub count: u64,
    pub first_timestamp: u64,
    pub last_timestamp: u64,
    /// `(stream key, last seq, records)` of every stream in the batch.
    pub streams: Vec<(String, u64, u64)>,
    /// Records of High and Low posts.
    pub high: u64,
    pub low: u64,
    pub state: BatchState,
    pub created_ms: u64,
    /// Wall-clock ms of the last send, and its tx.
    pub sent_ms: Option<u64>,
    pub tx_hash: Option<String>,
    /// The registry's batch id and the block, once anchored.
    pub batch_id: Option<u64>,
    pub height: Option<u64>,
    pub anchored_ms: Option<u64>,
    /// When the oldest post of the batch was acknowledged (latency metrics).
    #[serde(default)]
    pub first_ack_ms: Option<u64>,
    /// The newest registry batch known anchored when this one was cut: a lost send of this
    /// batch can only be after it.
    #[serde(default)]
    pub after_chain_batch: Option<u64>,
}

/// An acknowledged post not yet in a batch.
#[derive(Clone, Debug)]
pub struct PendingPost {
    pub id: u64,
    pub leaf_hashes: Vec<Hash>,
    /// `(stream key, last seq, records)`.
    pub streams: Vec<(String, u64, u64)>,
    pub first_timestamp: u64,
    pub last_timestamp: u64,
    pub high: bool,
    /// Wall-clock ms of the acknowledgment (latency metrics).
    pub acked_ms: u64,
}

/// What a 200 of `POST /claims` says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Accepted {
    pub accepted: u64,
    /// `(stream, last seq)` in first-appearance order.
    pub streams: Vec<(String, u64)>,
}

/// What the proof endpoint finds for a record.
#[derive(Clone, Debug, PartialEq)]
pub enum Lookup {
    Unknown,
    Pending,
    Anchored {
        record: ClaimRecord,
        batch: Box<BatchRecord>,
        leaf_index: u64,
    },
}

/// Counts for `/anchor/v1/status`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub acknowledged: u64,
    pub anchored: u64,
    pub pending_high: u64,
    pub pending_low: u64,
    pub batches: u64,
    pub last_anchor_height: Option<u64>,
    pub last_batch_id: Option<u64>,
    pub streams: u64,
    /// Records in the batch being sent.
    pub in_flight: u64,
}

#[derive(Default)]
struct Mem {
    streams: HashMap<String, StreamState>,
    vouchers: HashMap<u64, VoucherState>,
    owner_bytes: HashMap<String, u64>,
    next_post: u64,
    next_batch: u64,
    unbatched: VecDeque<PendingPost>,
    unbatched_leaves: u64,
    unbatched_high: u64,
    /// By local number.
    in_flight: Vec<BatchRecord>,
    acknowledged: u64,
    anchored: u64,
    batches: u64,
    last_anchor_height: Option<u64>,
    last_chain_batch: Option<u64>,
}

/// The anchoring database and its in-memory copy.
pub struct Store {
    db: Database,
    path: PathBuf,
    mem: Mutex<Mem>,
    leaves: Mutex<VecDeque<(u64, Arc<Vec<Hash>>)>>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("path", &self.path).finish()
    }
}

/// Leaf sets of the newest batches kept in memory for proofs (older ones are read from the
/// database); batches are cut every few tens of ms under load, so this is the last second or so.
const LEAF_CACHE: usize = 32;
/// redb's page cache: its default (1 GiB) is what made the daemon's RSS grow with the records
/// stored; proofs and lookups touch recent pages, so a small cache serves them.
const DB_CACHE_BYTES: usize = 64 * 1024 * 1024;

fn corrupt(key: String, reason: impl std::fmt::Display) -> DbError {
    DbError::Corrupt {
        key,
        reason: reason.to_string(),
    }
}

impl Store {
    /// Opens (or creates) the database and rebuilds the in-memory state.
    pub fn open(path: &Path) -> Result<Store, DbError> {
        let mut builder = Database::builder();
        builder.set_cache_size(DB_CACHE_BYTES);
        let db = create_database(path, builder)?;
        let txn = db.begin_write().map_err(|e| DbError::storage("begin", e))?;
        {
            check_schema(&txn, path, "anchor schema", SCHEMA_VERSION)?;
            // Create every table, so readers never meet a missing one.
            txn.open_table(POSTS)
                .map_err(|e| DbError::storage("open", e))?;
            txn.open_table(STREAMS)
                .map_err(|e| DbError::storage("open", e))?;
            txn.open_table(SEGMENTS)
                .map_err(|e| DbError::storage("open", e))?;
            txn.open_table(VOUCHERS)
                .map_err(|e| DbError::storage("open", e))?;
            txn.open_table(OWNERS)
                .map_err(|e| DbError::storage("open", e))?;
            txn.open_table(BATCHES)
                .map_err(|e| DbError::storage("open", e))?;
            txn.open_table(BATCH_LEAVES)
                .map_err(|e| DbError::storage("open", e))?;
            txn.open_table(BATCH_BY_POST)
                .map_err(|e| DbError::storage("open", e))?;
            txn.open_table(SENDING)
                .map_err(|e| DbError::storage("open", e))?;
        }
        txn.commit().map_err(|e| DbError::storage("commit", e))?;
        let mem = load(&db)?;
        Ok(Store {
            db,
            path: path.to_path_buf(),
            mem: Mutex::new(mem),
            leaves: Mutex::new(VecDeque::new()),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn mem(&self) -> MutexGuard<'_, Mem> {
        // Memory is changed only after the file, in one step: a poisoned lock is consistent.
        self.mem.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Checks `posts` in order against the state (seqs, vouchers, capacity), writes the
    /// accepted ones in one transaction and commits it durably. One result per post, in order.
    /// An error means nothing was stored.
    pub fn commit(&self, posts: &[Checked]) -> Result<Vec<Result<Accepted, Rejection>>, DbError> {
        let acked_ms = now_ms();
        // 1. Check in queue order against the state plus what this commit already accepted.
        let mut seqs: HashMap<String, u64> = HashMap::new();
        let mut vouchers: HashMap<u64, VoucherState> = HashMap::new();
        let mut owners: HashMap<String, u64> = HashMap::new();
        // (post id, index in `posts`, its stream runs as (key, first seq, records)).
        let mut accepted: Vec<(u64, usize, Runs)> = Vec::new();
        let mut results = Vec::with_capacity(posts.len());
        {
            let mem = self.mem();
            let mut next_post = mem.next_post;
            'posts: for (i, post) in posts.iter().enumerate() {
                // Per stream of this post: (key, first seq, next seq, records).
                let mut local: Vec<(String, u64, u64, u64)> = Vec::new();
                for r in &post.records {
                    let key = stream_key(&post.owner, &r.stream);
                    let slot = match local.iter_mut().position(|s| s.0 == key) {
                        Some(p) => &mut local[p],
                        None => {
                            let next = seqs
                                .get(&key)
                                .copied()
                                .or_else(|| mem.streams.get(&key).map(|s| s.next_seq))
                                .unwrap_or(0);
                            local.push((key, next, next, 0));
                            local.last_mut().expect("just pushed")
                        }
                    };
                    if r.seq != slot.2 {
                        results.push(Err(Rejection::OutOfOrderSeq {
                            stream: r.stream.clone(),
                            expected: slot.2,
                            got: r.seq,
                        }));
                        continue 'posts;
                    }
                    slot.2 += 1;
                    slot.3 += 1;
                }
                let voucher = match &post.voucher {
                    None => None,
                    Some((v, _)) => {
                        let last = vouchers
                            .get(&v.channel)
                            .or_else(|| mem.vouchers.get(&v.channel));
                        let last_cumulative = last.map_or(0, |l| l.cumulative);
                        let fee = post.fee();
                        let covered = v.cumulative.u128().saturating_sub(last_cumulative);
                        if v.cumulative.u128() < last_cumulative || covered < fee {
                            results.push(Err(Rejection::VoucherInsufficient(format!(
                                "voucher of {} on channel {} adds {covered} to the last accepted \
                                 {last_cumulative}; this batch owes {fee} ({} records): sign a \
                                 cumulative of at least {}",
                                v.cumulative,
                                v.channel,
                                post.records.len(),
                                last_cumulative.saturating_add(fee)
                            ))));
                            continue 'posts;
                        }
                        Some(VoucherState {
                            channel: v.channel,
                            cumulative: v.cumulative.u128(),
                            body_hash: hex::encode(post.body_hash),
                            sensor_pubkey: hex::encode(&post.sensor_pubkey),
                            signature: hex::encode(&post.signature),
                            redeemed: last.map_or(0, |l| l.redeemed),
                        })
                    }
                };
                let claimed = owners
                    .get(&post.owner)
                    .copied()
                    .or_else(|| mem.owner_bytes.get(&post.owner).copied())
                    .unwrap_or(0);
                if claimed.saturating_add(post.bytes) > post.room {
                    results.push(Err(over_capacity(
                        &post.owner,
                        post.bytes,
                        claimed,
                        post.room,
                    )));
                    continue 'posts;
                }
                // Accepted: fold its changes into this commit's view.
                owners.insert(post.owner.clone(), claimed + post.bytes);
                if let Some(v) = voucher {
                    vouchers.insert(v.channel, v);
                }
                let mut streams = Vec::with_capacity(local.len());
                for (key, first, next, n) in local {
                    seqs.insert(key.clone(), next);
                    streams.push((key, first, n));
                }
                let reply = Accepted {
                    accepted: post.records.len() as u64,
                    streams: streams
                        .iter()
                        .map(|(k, first, n)| (split_key(k).1.to_string(), first + n - 1))
                        .collect(),
                };
                results.push(Ok(reply));
                accepted.push((next_post, i, streams));
                next_post += 1;
            }
        }
        if accepted.is_empty() {
            return Ok(results);
        }

        // 2. One transaction, one durable commit.
        let records: u64 = accepted
            .iter()
            .map(|(_, i, _)| posts[*i].records.len() as u64)
            .sum();
        let next_post = accepted.last().map_or(0, |a| a.0 + 1);
        let acknowledged = self.mem().acknowledged + records;
        let txn = self
            .db
            .begin_write()
            .map_err(|e| DbError::storage("begin", e))?;
        {
            let mut t_posts = txn
                .open_table(POSTS)
                .map_err(|e| DbError::storage("open posts", e))?;
            let mut t_segments = txn
                .open_table(SEGMENTS)
                .map_err(|e| DbError::storage("open segments", e))?;
            for (id, i, streams) in &accepted {
                let blob = encode_post(&posts[*i], acked_ms);
                t_posts
                    .insert(*id, blob.as_slice())
                    .map_err(|e| DbError::storage("write post", e))?;
                for (key, first, _) in streams {
                    t_segments
                        .insert((key.as_str(), *first), *id)
                        .map_err(|e| DbError::storage("write segment", e))?;
                }
            }
            let mut t_streams = txn
                .open_table(STREAMS)
                .map_err(|e| DbError::storage("open streams", e))?;
            for (key, next) in &seqs {
                // Read inside the transaction: the anchorer may have moved `last` meanwhile.
                let last = t_streams
                    .get(key.as_str())
                    .map_err(|e| DbError::storage("read stream", e))?
                    .map_or(NONE_SEQ, |v| v.value().1);
                t_streams
                    .insert(key.as_str(), (*next, last))
                    .map_err(|e| DbError::storage("write stream", e))?;
            }
            let mut t_vouchers = txn
                .open_table(VOUCHERS)
                .map_err(|e| DbError::storage("open vouchers", e))?;
            for v in vouchers.values() {
                let bytes = serde_json::to_vec(v).map_err(|e| DbError::storage("encode", e))?;
                t_vouchers
                    .insert(v.channel, bytes.as_slice())
                    .map_err(|e| DbError::storage("write voucher", e))?;
            }
            let mut t_owners = txn
                .open_table(OWNERS)
                .map_err(|e| DbError::storage("open owners", e))?;
            for (owner, bytes) in &owners {
                t_owners
                    .insert(owner.as_str(), *bytes)
                    .map_err(|e| DbError::storage("write owner", e))?;
            }
            let mut meta = txn
                .open_table(META)
                .map_err(|e| DbError::storage("open meta", e))?;
            meta.insert(NEXT_POST, next_post)
                .map_err(|e| DbError::storage("write meta", e))?;
            meta.insert(ACKNOWLEDGED, acknowledged)
                .map_err(|e| DbError::storage("write meta", e))?;
        }
        txn.commit().map_err(|e| DbError::storage("commit", e))?;

        // 3. Durable: now memory, and the anchorer sees the posts.
        let mut mem = self.mem();
        mem.next_post = next_post;
        mem.acknowledged = acknowledged;
        for (key, next) in seqs {
            mem.streams.entry(key).or_default().next_seq = next;
        }
        mem.vouchers.extend(vouchers);
        mem.owner_bytes.extend(owners);
        for (id, i, streams) in accepted {
            let post = &posts[i];
            for (key, _, n) in &streams {
                mem.streams.entry(key.clone()).or_default().pending += n;
            }
            let high = matches!(post.level, ClaimLevel::High { .. });
            let n = post.records.len() as u64;
            mem.unbatched_leaves += n;
            if high {
                mem.unbatched_high += n;
            }
            let (first_ts, last_ts) = time_range(&post.records);
            mem.unbatched.push_back(PendingPost {
                id,
                leaf_hashes: post.leaf_hashes.clone(),
                streams: streams
                    .into_iter()
                    .map(|(k, first, n)| (k, first + n - 1, n))
                    .collect(),
                first_timestamp: first_ts,
                last_timestamp: last_ts,
                high,
                acked_ms,
            });
        }
        Ok(results)
    }

    /// A stream's state; `None` when the daemon never acknowledged a claim of it.
    pub fn stream(&self, owner: &str, stream: &str) -> Option<StreamState> {
        self.mem().streams.get(&stream_key(owner, stream)).copied()
    }

    pub fn counts(&self) -> Counts {
        let mem = self.mem();
        let in_flight = mem.in_flight.iter().map(|b| b.count).sum();
        let flight_high: u64 = mem.in_flight.iter().map(|b| b.high).sum();
        let flight_low: u64 = mem.in_flight.iter().map(|b| b.low).sum();
        Counts {
            acknowledged: mem.acknowledged,
            anchored: mem.anchored,
            pending_high: mem.unbatched_high + flight_high,
            pending_low: mem.unbatched_leaves - mem.unbatched_high + flight_low,
            batches: mem.batches,
            last_anchor_height: mem.last_anchor_height,
            last_batch_id: mem.last_chain_batch,
            streams: mem.streams.len() as u64,
            in_flight,
        }
    }

    /// The posts not yet in a batch, in acknowledgment order: id, High or not, first stream.
    pub fn pending_order(&self) -> Vec<(u64, bool, String)> {
        self.mem()
            .unbatched
            .iter()
            .map(|p| {
                let stream = p.streams.first().map_or("", |s| split_key(&s.0).1);
                (p.id, p.high, stream.to_string())
            })
            .collect()
    }

    /// Leaves acknowledged and not yet in a batch.
    /// When the oldest claim not yet in a batch was acknowledged (wall-clock ms).
    pub fn oldest_unbatched_ms(&self) -> Option<u64> {
        self.mem().unbatched.front().map(|p| p.acked_ms)
    }

    pub fn unbatched_leaves(&self) -> u64 {
        self.mem().unbatched_leaves
    }

    /// The batches being sent (after a restart: those that may or may not be on chain).
    pub fn in_flight(&self) -> Vec<BatchRecord> {
        self.mem().in_flight.clone()
    }

    /// One batch in flight.
    pub fn flying(&self, no: u64) -> Option<BatchRecord> {
        self.mem().in_flight.iter().find(|b| b.no == no).cloned()
    }

    /// The registry batch id of the newest batch known anchored.
    pub fn last_chain_batch(&self) -> Option<u64> {
        self.mem().last_chain_batch
    }

    /// Cuts the next batch from the pending posts (in acknowledgment order, whole posts, at most
    /// `max_leaves` unless one post alone is larger) and writes it, `sending`, durably. `None`
    /// when nothing is pending or `max_in_flight` batches are in flight.
    pub fn begin_batch(
        &self,
        max_leaves: u64,
        max_in_flight: usize,
    ) -> Result<Option<Cut>, DbError> {
        let (mut record, leaves, taken) = {
            let mem = self.mem();
            if mem.in_flight.len() >= max_in_flight || mem.unbatched.is_empty() {
                return Ok(None);
            }
            let mut leaves: Vec<Hash> = Vec::new();
            let mut offsets = Vec::new();
            let mut streams: HashMap<String, (u64, u64)> = HashMap::new();
            let mut order: Vec<String> = Vec::new();
            let (mut first_ts, mut last_ts) = (u64::MAX, 0u64);
            let (mut high, mut low) = (0u64, 0u64);
            let mut taken = 0;
            for post in &mem.unbatched {
                let n = post.leaf_hashes.len() as u64;
                if taken > 0 && leaves.len() as u64 + n > max_leaves {
                    break;
                }
                offsets.push((post.id, leaves.len() as u64));
                leaves.extend_from_slice(&post.leaf_hashes);
                for (key, last, count) in &post.streams {
                    let e = streams.entry(key.clone()).or_insert_with(|| {
                        order.push(key.clone());
                        (0, 0)
                    });
                    e.0 = e.0.max(*last);
                    e.1 += count;
                }
                first_ts = first_ts.min(post.first_timestamp);
                last_ts = last_ts.max(post.last_timestamp);
                if post.high {
                    high += n;
                } else {
                    low += n;
                }
                taken += 1;
            }
            let record = BatchRecord {
                no: mem.next_batch.max(1),
                first_post: offsets[0].0,
                last_post: offsets[offsets.len() - 1].0,
                offsets,
                // Computed below, outside the lock the writer needs.
                root: String::new(),
                count: leaves.len() as u64,
                first_timestamp: first_ts,
                last_timestamp: last_ts,
                streams: order
                    .into_iter()
                    .map(|k| {
                        let (last, n) = streams[&k];
                        (k, last, n)
                    })
                    .collect(),
                high,
                low,
                state: BatchState::Sending,
                created_ms: now_ms(),
                sent_ms: None,
                tx_hash: None,
                batch_id: None,
                height: None,
                anchored_ms: None,
                first_ack_ms: mem.unbatched.front().map(|p| p.acked_ms),
                after_chain_batch: mem.last_chain_batch,
            };
            (record, leaves, taken)
        };
        let root = twinshare_types::merkle::root_of_leaf_hashes(&leaves)
            .ok_or_else(|| DbError::storage("batch", "no leaves"))?;
        record.root = hex::encode(root);
        let txn = self
            .db
            .begin_write()
            .map_err(|e| DbError::storage("begin", e))?;
        {
            put_batch(&txn, &record)?;
            let mut t = txn
                .open_table(BATCH_LEAVES)
                .map_err(|e| DbError::storage("open leaves", e))?;
            t.insert(record.no, leaves.concat().as_slice())
                .map_err(|e| DbError::storage("write leaves", e))?;
            let mut t = txn
                .open_table(BATCH_BY_POST)
                .map_err(|e| DbError::storage("open batch index", e))?;
            t.insert(record.first_post, record.no)
                .map_err(|e| DbError::storage("write batch index", e))?;
            let mut t = txn
                .open_table(SENDING)
                .map_err(|e| DbError::storage("open sending", e))?;
            t.insert(record.no, ())
                .map_err(|e| DbError::storage("write sending", e))?;
            let mut meta = txn
                .open_table(META)
                .map_err(|e| DbError::storage("open meta", e))?;
            meta.insert(NEXT_BATCH, record.no + 1)
                .map_err(|e| DbError::storage("write meta", e))?;
        }
        txn.commit().map_err(|e| DbError::storage("commit", e))?;
        let leaves = Arc::new(leaves);
        self.cache_leaves(record.no, leaves.clone());
        let mut mem = self.mem();
        for _ in 0..taken {
            if let Some(p) = mem.unbatched.pop_front() {
                mem.unbatched_leaves -= p.leaf_hashes.len() as u64;
                if p.high {
                    mem.unbatched_high -= p.leaf_hashes.len() as u64;
                }
            }
        }
        mem.next_batch = record.no + 1;
        mem.in_flight.push(record.clone());
        Ok(Some((record, leaves)))
    }

    /// Records, durably, that the batch's tx is about to be sent (`None`) or was sent (its
    /// hash); the updated record.
    pub fn set_sent(&self, no: u64, tx_hash: Option<&str>) -> Result<BatchRecord, DbError> {
        self.update_in_flight(no, |record| {
            record.sent_ms = Some(now_ms());
            record.tx_hash = tx_hash.map(str::to_string);
        })
    }

    /// Records that no send of the batch can land (its tx failed or was refused).
    pub fn clear_sent(&self, no: u64) -> Result<BatchRecord, DbError> {
        self.update_in_flight(no, |record| {
            record.sent_ms = None;
            record.tx_hash = None;
        })
    }

    fn update_in_flight(
        &self,
        no: u64,
        change: impl FnOnce(&mut BatchRecord),
    ) -> Result<BatchRecord, DbError> {
        let mut record = self.flying(no).ok_or_else(|| {
            DbError::storage("update batch", format!("batch {no} is not in flight"))
        })?;
        change(&mut record);
        let txn = self
            .db
            .begin_write()
            .map_err(|e| DbError::storage("begin", e))?;
        put_batch(&txn, &record)?;
        txn.commit().map_err(|e| DbError::storage("commit", e))?;
        if let Some(slot) = self.mem().in_flight.iter_mut().find(|b| b.no == no) {
            *slot = record.clone();
        }
        Ok(record)
    }

    /// Marks the batch in flight anchored as registry batch `batch_id` at `height` by `tx_hash`.
    pub fn mark_anchored(
        &self,
        no: u64,
        batch_id: u64,
        height: u64,
        tx_hash: &str,
    ) -> Result<BatchRecord, DbError> {
        let mut record = self.flying(no).ok_or_else(|| {
            DbError::storage("mark anchored", format!("batch {no} is not in flight"))
        })?;
        record.state = BatchState::Anchored;
        record.batch_id = Some(batch_id);
        record.height = Some(height);
        record.tx_hash = Some(tx_hash.to_string());
        record.anchored_ms = Some(now_ms());
        let txn = self
            .db
            .begin_write()
            .map_err(|e| DbError::storage("begin", e))?;
        {
            put_batch(&txn, &record)?;
            let mut t = txn
                .open_table(STREAMS)
                .map_err(|e| DbError::storage("open streams", e))?;
            for (key, last, _) in &record.streams {
                // Read inside the transaction: the writer moves `next` meanwhile.
                let (next, old) = t
                    .get(key.as_str())
                    .map_err(|e| DbError::storage("read stream", e))?
                    .map_or((last + 1, NONE_SEQ), |v| v.value());
                let last = if old == NONE_SEQ {
                    *last
                } else {
                    old.max(*last)
                };
                t.insert(key.as_str(), (next.max(last + 1), last))
                    .map_err(|e| DbError::storage("write stream", e))?;
            }
            let mut meta = txn
                .open_table(META)
                .map_err(|e| DbError::storage("open meta", e))?;
            // Read-modify-write inside the transaction: batches in flight settle concurrently.
            let get = |meta: &redb::Table<&str, u64>, k: &str| -> Result<u64, DbError> {
                Ok(meta
                    .get(k)
                    .map_err(|e| DbError::storage("read meta", e))?
                    .map_or(0, |v| v.value()))
            };
            let updates = [
                (ANCHORED, get(&meta, ANCHORED)? + record.count),
                (BATCHES_ANCHORED, get(&meta, BATCHES_ANCHORED)? + 1),
                (
                    LAST_ANCHOR_HEIGHT,
                    get(&meta, LAST_ANCHOR_HEIGHT)?.max(height),
                ),
                (
                    LAST_CHAIN_BATCH,
                    get(&meta, LAST_CHAIN_BATCH)?.max(batch_id),
                ),
            ];
            for (k, v) in updates {
                meta.insert(k, v)
                    .map_err(|e| DbError::storage("write meta", e))?;
            }
            let mut t = txn
                .open_table(SENDING)
                .map_err(|e| DbError::storage("open sending", e))?;
            t.remove(no)
                .map_err(|e| DbError::storage("write sending", e))?;
        }
        txn.commit().map_err(|e| DbError::storage("commit", e))?;
        let mut mem = self.mem();
        for (key, last, n) in &record.streams {
            let s = mem.streams.entry(key.clone()).or_default();
            s.pending = s.pending.saturating_sub(*n);
            s.last_anchored_seq = Some(s.last_anchored_seq.map_or(*last, |l| l.max(*last)));
        }
        mem.anchored += record.count;
        mem.batches += 1;
        mem.last_anchor_height = Some(mem.last_anchor_height.map_or(height, |h| h.max(height)));
        mem.last_chain_batch = Some(mem.last_chain_batch.map_or(batch_id, |b| b.max(batch_id)));
        mem.in_flight.retain(|b| b.no != no);
        Ok(record)
    }

    fn cache_leaves(&self, no: u64, leaves: Arc<Vec<Hash>>) {
        let mut cache = self.leaves.lock().unwrap_or_else(|p| p.into_inner());
        if cache.iter().any(|(n, _)| *n == no) {
            return;
        }
        if cache.len() >= LEAF_CACHE {
            cache.pop_front();
        }
        cache.push_back((no, leaves));
    }

    /// The leaf hashes of batch `no`.
    pub fn batch_leaves(&self, no: u64) -> Result<Arc<Vec<Hash>>, DbError> {
        if let Some((_, l)) = self
            .leaves
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .find(|(n, _)| *n == no)
        {
            return Ok(l.clone());
        }
        let txn = self
            .db
            .begin_read()
            .map_err(|e| DbError::storage("begin", e))?;
        let t = txn
            .open_table(BATCH_LEAVES)
            .map_err(|e| DbError::storage("open leaves", e))?;
        let bytes = t
            .get(no)
            .map_err(|e| DbError::storage("read leaves", e))?
            .ok_or_else(|| corrupt(format!("batch {no} leaves"), "missing"))?;
        let leaves =
            Arc::new(split_hashes(bytes.value()).ok_or_else(|| {
                corrupt(format!("batch {no} leaves"), "not a multiple of 32 bytes")
            })?);
        self.cache_leaves(no, leaves.clone());
        Ok(leaves)
    }

    /// Finds record `seq` of a stream: unknown, pending, or anchored with its place.
    pub fn lookup(&self, owner: &str, stream: &str, seq: u64) -> Result<Lookup, DbError> {
        let key = stream_key(owner, stream);
        match self.mem().streams.get(&key) {
            Some(s) if seq < s.next_seq => {}
            _ => return Ok(Lookup::Unknown),
        }
        let txn = self
            .db
            .begin_read()
            .map_err(|e| DbError::storage("begin", e))?;
        let segments = txn
            .open_table(SEGMENTS)
            .map_err(|e| DbError::storage("open segments", e))?;
        let post_id = {
            let mut range = segments
                .range((key.as_str(), 0u64)..=(key.as_str(), seq))
                .map_err(|e| DbError::storage("read segments", e))?;
            match range.next_back() {
                Some(entry) => entry
                    .map_err(|e| DbError::storage("read segments", e))?
                    .1
                    .value(),
                None => return Ok(Lookup::Unknown),
            }
        };
        let posts = txn
            .open_table(POSTS)
            .map_err(|e| DbError::storage("open posts", e))?;
        let blob = posts
            .get(post_id)
            .map_err(|e| DbError::storage("read post", e))?
            .ok_or_else(|| corrupt(format!("post {post_id}"), "missing"))?;
        let post = decode_post(blob.value())
            .ok_or_else(|| corrupt(format!("post {post_id}"), "does not decode"))?;
        let Some(index) = post
            .records
            .iter()
            .position(|r| r.stream == stream && r.seq == seq)
        else {
            return Ok(Lookup::Unknown);
        };
        let by_post = txn
            .open_table(BATCH_BY_POST)
            .map_err(|e| DbError::storage("open batch index", e))?;
        let no = {
            let mut range = by_post
                .range(..=post_id)
                .map_err(|e| DbError::storage("read batch index", e))?;
            match range.next_back() {
                Some(entry) => entry
                    .map_err(|e| DbError::storage("read batch index", e))?
                    .1
                    .value(),
                None => return Ok(Lookup::Pending),
            }
        };
        let batches = txn
            .open_table(BATCHES)
            .map_err(|e| DbError::storage("open batches", e))?;
        let batch = get_batch(&batches, no)?;
        if post_id > batch.last_post || batch.state != BatchState::Anchored {
            return Ok(Lookup::Pending);
        }
        let offset = batch
            .offsets
            .binary_search_by_key(&post_id, |(p, _)| *p)
            .map(|i| batch.offsets[i].1)
            .map_err(|_| {
                corrupt(
                    format!("batch {no}"),
                    format!("no offset of post {post_id}"),
                )
            })?;
        let record = post.records[index].clone();
        Ok(Lookup::Anchored {
            record,
            leaf_index: offset + index as u64,
            batch: Box::new(batch),
        })
    }

    /// A batch by local number.
    pub fn batch(&self, no: u64) -> Result<Option<BatchRecord>, DbError> {
        let txn = self
            .db
            .begin_read()
            .map_err(|e| DbError::storage("begin", e))?;
        let t = txn
            .open_table(BATCHES)
            .map_err(|e| DbError::storage("open batches", e))?;
        match t.get(no).map_err(|e| DbError::storage("read batch", e))? {
            None => Ok(None),
            Some(_) => get_batch(&t, no).map(Some),
        }
    }

    /// Vouchers newer than what was redeemed.
    pub fn unredeemed(&self) -> Vec<VoucherState> {
        let mut out: Vec<VoucherState> = self
            .mem()
            .vouchers
            .values()
            .filter(|v| v.cumulative > v.redeemed)
            .cloned()
            .collect();
        out.sort_by_key(|v| v.channel);
        out
    }

    pub fn voucher(&self, channel: u64) -> Option<VoucherState> {
        self.mem().vouchers.get(&channel).cloned()
    }

    /// Records that `cumulative` was redeemed on `channel`.
    pub fn set_redeemed(&self, channel: u64, cumulative: u128) -> Result<(), DbError> {
        let Some(mut v) = self.voucher(channel) else {
            return Ok(());
        };
        v.redeemed = v.redeemed.max(cumulative);
        let bytes = serde_json::to_vec(&v).map_err(|e| DbError::storage("encode", e))?;
        let txn = self
            .db
            .begin_write()
            .map_err(|e| DbError::storage("begin", e))?;
        {
            let mut t = txn
                .open_table(VOUCHERS)
                .map_err(|e| DbError::storage("open vouchers", e))?;
            t.insert(channel, bytes.as_slice())
                .map_err(|e| DbError::storage("write voucher", e))?;
        }
        txn.commit().map_err(|e| DbError::storage("commit", e))?;
        // A newer voucher may have come meanwhile: only the redeemed mark moves.
        if let Some(m) = self.mem().vouchers.get_mut(&channel) {
            m.redeemed = m.redeemed.max(cumulative);
        }
        Ok(())
    }
}

fn put_batch(txn: &redb::WriteTransaction, record: &BatchRecord) -> Result<(), DbError> {
    let bytes = serde_json::to_vec(record).map_err(|e| DbError::storage("encode", e))?;
    let mut t = txn
        .open_table(BATCHES)
        .map_err(|e| DbError::storage("open batches", e))?;
    t.insert(record.no, bytes.as_slice())
        .map_err(|e| DbError::storage("write batch", e))?;
    Ok(())
}

fn get_batch(t: &impl ReadableTable<u64, &'static [u8]>, no: u64) -> Result<BatchRecord, DbError> {
    let bytes = t
        .get(no)
        .map_err(|e| DbError::storage("read batch", e))?
        .ok_or_else(|| corrupt(format!("batch {no}"), "missing"))?;
    serde_json::from_slice(bytes.value()).map_err(|e| corrupt(format!("batch {no}"), e))
}

fn split_hashes(bytes: &[u8]) -> Option<Vec<Hash>> {
    if !bytes.len().is_multiple_of(HASH_LEN) {
        return None;
    }
    Some(
        bytes
            .chunks_exact(HASH_LEN)
            .map(|c| {
                let mut h = [0u8; HASH_LEN];
                h.copy_from_slice(c);
                h
            })
            .collect(),
    )
}

fn time_range(records: &[ClaimRecord]) -> (u64, u64) {
    let first = records.iter().map(|r| r.timestamp).min().unwrap_or(0);
    let last = records.iter().map(|r| r.timestamp).max().unwrap_or(0);
    (first, last)
}

/// Rebuilds the in-memory state from the file.
fn load(db: &Database) -> Result<Mem, DbError> {
    let txn = db.begin_read().map_err(|e| DbError::storage("begin", e))?;
    let meta = txn
        .open_table(META)
        .map_err(|e| DbError::storage("open meta", e))?;
    let get = |k: &str| -> Result<Option<u64>, DbError> {
        Ok(meta
            .get(k)
            .map_err(|e| DbError::storage("read meta", e))?
            .map(|v| v.value()))
    };
    let mut mem = Mem {
        next_post: get(NEXT_POST)?.unwrap_or(0),
        next_batch: get(NEXT_BATCH)?.unwrap_or(1),
        acknowledged: get(ACKNOWLEDGED)?.unwrap_or(0),
        anchored: get(ANCHORED)?.unwrap_or(0),
        batches: get(BATCHES_ANCHORED)?.unwrap_or(0),
        last_anchor_height: get(LAST_ANCHOR_HEIGHT)?,
        last_chain_batch: get(LAST_CHAIN_BATCH)?,
        ..Mem::default()
    };
    let streams = txn
        .open_table(STREAMS)
        .map_err(|e| DbError::storage("open streams", e))?;
    for entry in streams
        .iter()
        .map_err(|e| DbError::storage("read streams", e))?
    {
        let (k, v) = entry.map_err(|e| DbError::storage("read streams", e))?;
        let (next, last) = v.value();
        mem.streams.insert(
            k.value().to_string(),
            StreamState {
                next_seq: next,
                last_anchored_seq: (last != NONE_SEQ).then_some(last),
                pending: 0,
            },
        );
    }
    let vouchers = txn
        .open_table(VOUCHERS)
        .map_err(|e| DbError::storage("open vouchers", e))?;
    for entry in vouchers
        .iter()
        .map_err(|e| DbError::storage("read vouchers", e))?
    {
        let (k, v) = entry.map_err(|e| DbError::storage("read vouchers", e))?;
        let state: VoucherState = serde_json::from_slice(v.value())
            .map_err(|e| corrupt(format!("voucher {}", k.value()), e))?;
        mem.vouchers.insert(k.value(), state);
    }
    let owners = txn
        .open_table(OWNERS)
        .map_err(|e| DbError::storage("open owners", e))?;
    for entry in owners
        .iter()
        .map_err(|e| DbError::storage("read owners", e))?
    {
        let (k, v) = entry.map_err(|e| DbError::storage("read owners", e))?;
        mem.owner_bytes.insert(k.value().to_string(), v.value());
    }
    // The batches still `sending` are in flight; the posts after the newest batch are pending.
    let sending = txn
        .open_table(SENDING)
        .map_err(|e| DbError::storage("open sending", e))?;
    let batches = txn
        .open_table(BATCHES)
        .map_err(|e| DbError::storage("open batches", e))?;
    let newest = match batches
        .last()
        .map_err(|e| DbError::storage("read batches", e))?
    {
        Some((k, _)) => Some(get_batch(&batches, k.value())?),
        None => None,
    };
    let from_post = newest.map_or(0, |b| b.last_post + 1);
    for entry in sending
        .iter()
        .map_err(|e| DbError::storage("read sending", e))?
    {
        let (k, _) = entry.map_err(|e| DbError::storage("read sending", e))?;
        let b = get_batch(&batches, k.value())?;
        for (key, _, n) in &b.streams {
            mem.streams.entry(key.clone()).or_default().pending += n;
        }
        mem.in_flight.push(b);
    }
    let posts = txn
        .open_table(POSTS)
        .map_err(|e| DbError::storage("open posts", e))?;
    for entry in posts
        .range(from_post..)
        .map_err(|e| DbError::storage("read posts", e))?
    {
        let (k, v) = entry.map_err(|e| DbError::storage("read posts", e))?;
        let id = k.value();
        let post = decode_post(v.value())
            .ok_or_else(|| corrupt(format!("post {id}"), "does not decode"))?;
        let pending = post.pending(id);
        for (key, _, n) in &pending.streams {
            mem.streams.entry(key.clone()).or_default().pending += n;
        }
        let n = pending.leaf_hashes.len() as u64;
        mem.unbatched_leaves += n;
        if pending.high {
            mem.unbatched_high += n;
        }
        mem.unbatched.push_back(pending);
    }
    Ok(mem)
}

/// A post as stored.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredPost {
    pub owner: String,
    pub level: ClaimLevel,
    pub records: Vec<ClaimRecord>,
    pub acked_ms: u64,
}

impl StoredPost {
    fn pending(&self, id: u64) -> PendingPost {
        let mut streams: Vec<(String, u64, u64)> = Vec::new();
        for r in &self.records {
            let key = stream_key(&self.owner, &r.stream);
            match streams.iter_mut().find(|s| s.0 == key) {
                Some(s) => {
                    s.1 = s.1.max(r.seq);
                    s.2 += 1;
                }
                None => streams.push((key, r.seq, 1)),
            }
        }
        let (first, last) = time_range(&self.records);
        PendingPost {
            id,
            leaf_hashes: self
                .records
                .iter()
                .map(|r| {
                    twinshare_types::merkle::leaf_hash(&twinshare_types::claims::leaf_bytes(
                        &self.owner,
                        r,
                    ))
                })
                .collect(),
            streams,
            first_timestamp: first,
            last_timestamp: last,
            high: matches!(self.level, ClaimLevel::High { .. }),
            acked_ms: self.acked_ms,
        }
    }
}

/// Compact binary form of a post: `acked_ms`, level, owner, then each record.
fn encode_post(post: &Checked, acked_ms: u64) -> Vec<u8> {
    let mut out = Vec::with_capacity(64 + post.records.len() * 80);
    out.extend_from_slice(&acked_ms.to_be_bytes());
    match &post.level {
        ClaimLevel::Low => out.push(0),
        ClaimLevel::High { fee_per_record } => {
            out.push(1);
            out.extend_from_slice(&fee_per_record.u128().to_be_bytes());
        }
    }
    put_bytes(&mut out, post.owner.as_bytes());
    out.extend_from_slice(&(post.records.len() as u32).to_be_bytes());
    for r in &post.records {
        put_bytes(&mut out, r.stream.as_bytes());
        out.extend_from_slice(&r.seq.to_be_bytes());
        out.extend_from_slice(&r.timestamp.to_be_bytes());
        out.extend_from_slice(&r.size.to_be_bytes());
        out.extend_from_slice(r.hash.as_slice());
    }
    out
}

fn put_bytes(out: &mut Vec<u8>, b: &[u8]) {
    out.extend_from_slice(&(b.len() as u32).to_be_bytes());
    out.extend_from_slice(b);
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if self.0.len() < n {
            return None;
        }
        let (a, b) = self.0.split_at(n);
        self.0 = b;
        Some(a)
    }
    fn u8(&mut self) -> Option<u8> {
        self.take(1).map(|b| b[0])
    }
    fn u32(&mut self) -> Option<u32> {
        self.take(4)?.try_into().ok().map(u32::from_be_bytes)
    }
    fn u64(&mut self) -> Option<u64> {
        self.take(8)?.try_into().ok().map(u64::from_be_bytes)
    }
    fn u128(&mut self) -> Option<u128> {
        self.take(16)?.try_into().ok().map(u128::from_be_bytes)
    }
    fn string(&mut self) -> Option<String> {
        let n = self.u32()? as usize;
        String::from_utf8(self.take(n)?.to_vec()).ok()
    }
}

/// Decodes a stored post; `None` when the bytes are not one.
pub fn decode_post(bytes: &[u8]) -> Option<StoredPost> {
    let mut r = Reader(bytes);
    let acked_ms = r.u64()?;
    let level = match r.u8()? {
        0 => ClaimLevel::Low,
        1 => ClaimLevel::High {
            fee_per_record: r.u128()?.into(),
        },
        _ => return None,
    };
    let owner = r.string()?;
    let n = r.u32()? as usize;
    let mut records = Vec::with_capacity(n.min(1 << 16));
    for _ in 0..n {
        let stream = r.string()?;
        let seq = r.u64()?;
        let timestamp = r.u64()?;
        let size = r.u32()?;
        let hash = r.take(32)?.to_vec().into();
        records.push(ClaimRecord {
            stream,
            seq,
            timestamp,
            size,
            hash,
        });
    }
    if !r.0.is_empty() {
        return None;
    }
    Some(StoredPost {
        owner,
        level,
        records,
        acked_ms,
    })
}
