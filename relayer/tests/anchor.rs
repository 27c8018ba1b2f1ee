//! The anchoring service without a chain: the chain's answers come from a table
//! (`FakeChain`), the database is a temp file. Every rejection code of the API with nothing
//! stored, group commit of concurrent POSTs and a restart, proofs of batches of 1..300 leaves
//! checked with `twinshare_types::merkle`, and Rules 1-3 at the ingest queue. The HTTP API is
//! driven with the clients' own `twinshare_stream::AnchorClient`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use cosmwasm_std::{HexBinary, Uint128};
use futures::future::BoxFuture;
use twinshare_crypto::SensorKey;
use twinshare_relayer::anchor::ingest::{Capacity, ChainView, ChannelInfo, Checked};
use twinshare_relayer::anchor::proofs::{prove, ProofAnswer};
use twinshare_relayer::anchor::store::{Lookup, Store};
use twinshare_relayer::anchor::{spawn, Account, AnchorSection, Running, Service};
use twinshare_relayer::error::ChainError;
use twinshare_relayer::lane::Priority;
use twinshare_relayer::metrics::Metrics;
use twinshare_relayer::Shutdown;
use twinshare_stream::api::ClaimBatch;
use twinshare_stream::batch::sign_batch;
use twinshare_stream::AnchorClient;
use twinshare_types::claims::{leaf_bytes, ClaimLevel, ClaimRecord, Voucher};
use twinshare_types::merkle;

const PREFIX: &str = "wasm";

fn address() -> String {
    twinshare_client::Key::random(PREFIX)
        .expect("key")
        .address()
        .to_string()
}

/// The chain as a table.
#[derive(Default)]
struct FakeChain {
    sensors: Mutex<HashMap<Vec<u8>, String>>,
    channels: Mutex<HashMap<u64, ChannelInfo>>,
    capacity: Mutex<HashMap<String, Capacity>>,
    /// Every query fails, as when the node is away.
    down: std::sync::atomic::AtomicBool,
    /// Capacity queries asked, and how long each takes (a node busy with a block).
    capacity_reads: std::sync::atomic::AtomicU64,
    capacity_delay_ms: std::sync::atomic::AtomicU64,
}

impl FakeChain {
    fn check(&self) -> Result<(), ChainError> {
        if self.down.load(std::sync::atomic::Ordering::SeqCst) {
            return Err(ChainError::Unexpected {
                what: "node".into(),
                reason: "down".into(),
            });
        }
        Ok(())
    }
}

impl ChainView for FakeChain {
    fn sensor_owner<'a>(
        &'a self,
        pubkey: &'a [u8],
    ) -> BoxFuture<'a, Result<Option<String>, ChainError>> {
        let v = self.sensors.lock().unwrap().get(pubkey).cloned();
        let up = self.check();
        Box::pin(async move { up.map(|_| v) })
    }
    fn channel(&self, id: u64) -> BoxFuture<'_, Result<Option<ChannelInfo>, ChainError>> {
        let v = self.channels.lock().unwrap().get(&id).cloned();
        let up = self.check();
        Box::pin(async move { up.map(|_| v) })
    }
    fn capacity<'a>(&'a self, owner: &'a str) -> BoxFuture<'a, Result<Capacity, ChainError>> {
        let v = self
            .capacity
            .lock()
            .unwrap()
            .get(owner)
            .copied()
            .unwrap_or(Capacity {
                lease_bytes: 1 << 40,
                registered_bytes: 0,
            });
        let up = self.check();
        self.capacity_reads
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let delay = self
            .capacity_delay_ms
            .load(std::sync::atomic::Ordering::SeqCst);
        Box::pin(async move {
            tokio::time::sleep(std::time::Duration::from_millis(delay)).await;
            up.map(|_| v)
        })
    }
}

struct Harness {
    _dir: tempfile::TempDir,
    db: std::path::PathBuf,
    chain: Arc<FakeChain>,
    payee: String,
    owner: String,
    key: SensorKey,
    running: Running,
    shutdown: Shutdown,
    client: AnchorClient,
}

fn config() -> AnchorSection {
    AnchorSection {
        listen: "127.0.0.1:0".into(),
        capacity_cache_secs: 0,
        ..AnchorSection::default()
    }
}

async fn harness(config: AnchorSection) -> Harness {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("anchor.redb");
    let chain = Arc::new(FakeChain::default());
    let owner = address();
    let key = SensorKey::random().unwrap();
    chain
        .sensors
        .lock()
        .unwrap()
        .insert(key.public_key().to_vec(), owner.clone());
    let payee = address();
    let (running, shutdown) = start(&db, chain.clone(), &payee, config).await;
    let client = AnchorClient::new(&running.addr.to_string()).unwrap();
    Harness {
        _dir: dir,
        db,
        chain,
        payee,
        owner,
        key,
        running,
        shutdown,
        client,
    }
}

async fn start(
    db: &std::path::Path,
    chain: Arc<FakeChain>,
    payee: &str,
    config: AnchorSection,
) -> (Running, Shutdown) {
    let store = Arc::new(Store::open(db).unwrap());
    let shutdown = Shutdown::new();
    let svc = Arc::new(Service::new(
        config,
        store,
        chain,
        None,
        Account {
            address: payee.to_string(),
            prefix: PREFIX.to_string(),
        },
        Arc::new(Metrics::new()),
        shutdown.clone(),
    ));
    (spawn(svc).await.unwrap(), shutdown)
}

fn records(stream: &str, from: u64, n: u64) -> Vec<ClaimRecord> {
    (from..from + n)
        .map(|seq| ClaimRecord {
            stream: stream.to_string(),
            seq,
            timestamp: 1_700_000_000_000 + seq,
            size: 64,
            hash: HexBinary::from(merkle::leaf_hash(&seq.to_be_bytes()).to_vec()),
        })
        .collect()
}

impl Harness {
    fn batch(
        &self,
        level: ClaimLevel,
        records: Vec<ClaimRecord>,
        voucher: Option<Voucher>,
    ) -> ClaimBatch {
        sign_batch(&self.key, &self.owner, level, records, voucher).unwrap()
    }

    fn open_channel(&self, id: u64, deposit: u128) {
        self.chain.channels.lock().unwrap().insert(
            id,
            ChannelInfo {
                id,
                owner: self.owner.clone(),
                payee: self.payee.clone(),
                deposit,
                closing: false,
            },
        );
    }

    /// Posts raw bytes; status and JSON body.
    async fn post_raw(&self, body: Vec<u8>) -> (u16, serde_json::Value) {
        let url = format!("http://{}/anchor/v1/claims", self.running.addr);
        let res = reqwest::Client::new()
            .post(url)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        let code = res.status().as_u16();
        let text = res.text().await.unwrap();
        (
            code,
            serde_json::from_str(&text).unwrap_or(serde_json::Value::Null),
        )
    }

    async fn post(&self, batch: &ClaimBatch) -> (u16, serde_json::Value) {
        self.post_raw(serde_json::to_vec(batch).unwrap()).await
    }

    fn acknowledged(&self) -> u64 {
        self.running.service.store.counts().acknowledged
    }

    async fn stop(self) {
        self.shutdown.trigger();
        self.running.join(std::time::Duration::from_secs(5)).await;
    }
}

/// Every rejection of the API answers its code and stores nothing; then the good batch passes.
#[tokio::test]
async fn each_rejection_has_its_code_and_stores_nothing() {
    let h = harness(AnchorSection {
        max_batch_records: 10,
        ..config()
    })
    .await;
    h.open_channel(1, 1_000);
    let s = "press-7/vib";
    let expect = |code: u16, error: &str, got: (u16, serde_json::Value)| {
        assert_eq!(got.0, code, "{error}: {}", got.1);
        assert_eq!(got.1["error"], error, "{}", got.1);
        assert!(!got.1["message"].as_str().unwrap_or("").is_empty());
        got.1
    };

    expect(400, "malformed", h.post_raw(b"{not json".to_vec()).await);
    let mut short_key = h.batch(ClaimLevel::Low, records(s, 0, 2), None);
    short_key.sensor_pubkey = HexBinary::from(vec![2u8; 20]);
    expect(400, "malformed", h.post(&short_key).await);
    let mut bad_owner = h.batch(ClaimLevel::Low, records(s, 0, 2), None);
    bad_owner.owner = "cosmos1nothere".into();
    expect(400, "malformed", h.post(&bad_owner).await);
    expect(
        413,
        "batch_too_large",
        h.post(&h.batch(ClaimLevel::Low, records(s, 0, 11), None))
            .await,
    );

    let mut tampered = h.batch(ClaimLevel::Low, records(s, 0, 2), None);
    tampered.records[1].size += 1;
    expect(401, "bad_signature", h.post(&tampered).await);

    let stranger = SensorKey::random().unwrap();
    let unknown = sign_batch(&stranger, &h.owner, ClaimLevel::Low, records(s, 0, 2), None).unwrap();
    expect(403, "unknown_sensor", h.post(&unknown).await);
    let someone = address();
    h.chain
        .sensors
        .lock()
        .unwrap()
        .insert(stranger.public_key().to_vec(), someone);
    expect(403, "unknown_sensor", h.post(&unknown).await);

    let high = ClaimLevel::High {
        fee_per_record: Uint128::new(5),
    };
    expect(
        402,
        "voucher_required",
        h.post(&h.batch(high.clone(), records(s, 0, 2), None)).await,
    );
    let v = |cumulative: u128| {
        Some(Voucher {
            channel: 1,
            cumulative: Uint128::new(cumulative),
        })
    };
    // 2 records x 5 = 10 owed; 9 does not cover it; above the deposit; an unknown channel.
    expect(
        402,
        "voucher_insufficient",
        h.post(&h.batch(high.clone(), records(s, 0, 2), v(9))).await,
    );
    expect(
        402,
        "voucher_insufficient",
        h.post(&h.batch(high.clone(), records(s, 0, 2), v(2_000)))
            .await,
    );
    let other_channel = Some(Voucher {
        channel: 7,
        cumulative: Uint128::new(10),
    });
    expect(
        402,
        "voucher_insufficient",
        h.post(&h.batch(high.clone(), records(s, 0, 2), other_channel))
            .await,
    );

    h.chain.capacity.lock().unwrap().insert(
        h.owner.clone(),
        Capacity {
            lease_bytes: 1_000,
            registered_bytes: 900,
        },
    );
    // 2 x 64 bytes > 100 left.
    expect(
        403,
        "over_capacity",
        h.post(&h.batch(ClaimLevel::Low, records(s, 0, 2), None))
            .await,
    );
    h.chain.capacity.lock().unwrap().remove(&h.owner);

    // A gap before anything was accepted.
    let body = expect(
        409,
        "out_of_order_seq",
        h.post(&h.batch(ClaimLevel::Low, records(s, 3, 2), None))
            .await,
    );
    assert_eq!(body["expected_seq"], 0);

    assert_eq!(h.acknowledged(), 0, "a rejected batch stored something");
    assert!(h.running.service.store.stream(&h.owner, s).is_none());
    assert!(h.running.service.store.unredeemed().is_empty());

    // The good High batch passes; then its replay, a gap, and a voucher that does not grow.
    let ok = h
        .post(&h.batch(high.clone(), records(s, 0, 2), v(10)))
        .await;
    assert_eq!(ok.0, 200, "{}", ok.1);
    assert_eq!(ok.1["accepted"], 2);
    assert_eq!(ok.1["streams"][0]["stream"], s);
    assert_eq!(ok.1["streams"][0]["last_seq"], 1);
    let body = expect(
        409,
        "out_of_order_seq",
        h.post(&h.batch(high.clone(), records(s, 0, 2), v(20)))
            .await,
    );
    assert_eq!(body["expected_seq"], 2);
    expect(
        409,
        "out_of_order_seq",
        h.post(&h.batch(high.clone(), records(s, 3, 1), v(20)))
            .await,
    );
    expect(
        402,
        "voucher_insufficient",
        h.post(&h.batch(high.clone(), records(s, 2, 2), v(15)))
            .await,
    );
    assert_eq!(h.acknowledged(), 2);
    let state = h.client.stream_state(&h.owner, s).await.unwrap();
    assert_eq!(state.next_seq, 2);
    assert_eq!(state.pending, 2);
    assert_eq!(state.last_anchored_seq, None);
    let voucher = h.running.service.store.voucher(1).unwrap();
    assert_eq!(voucher.cumulative, 10);
    // Acknowledged, not anchored (no chain here): 202; never sent: 404.
    assert_eq!(
        h.client.proof(&h.owner, s, 1).await.unwrap(),
        twinshare_stream::api::ProofStatus::Pending
    );
    assert_eq!(
        h.client.proof(&h.owner, s, 2).await.unwrap(),
        twinshare_stream::api::ProofStatus::Unknown
    );
    let status = h.client.status().await.unwrap();
    assert_eq!(status["acknowledged"], 2);
    assert_eq!(status["pending"]["high"], 2);
    h.stop().await;
}

/// A full lane answers 503 with Retry-After; the other lane still takes batches.
#[tokio::test]
async fn a_full_queue_answers_saturated() {
    let h = harness(AnchorSection {
        max_pending_records: 3,
        ..config()
    })
    .await;
    // Unanchored claims at the bound (no chain anchors here): 503 with Retry-After, nothing stored.
    let ok = h
        .post(&h.batch(ClaimLevel::Low, records("s", 0, 3), None))
        .await;
    assert_eq!(ok.0, 200, "{}", ok.1);
    let url = format!("http://{}/anchor/v1/claims", h.running.addr);
    let res = reqwest::Client::new()
        .post(url)
        .json(&h.batch(ClaimLevel::Low, records("s", 3, 1), None))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 503);
    assert!(res.headers().get("retry-after").is_some());
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["error"], "saturated");
    assert_eq!(h.acknowledged(), 3);
    let svc = &h.running.service;
    let checked = |level: ClaimLevel| Checked {
        owner: h.owner.clone(),
        priority: match &level {
            ClaimLevel::High { fee_per_record } => Priority::High {
                fee: fee_per_record.u128(),
            },
            ClaimLevel::Low => Priority::Low,
        },
        level,
        records: vec![],
        leaf_hashes: vec![],
        body_hash: [0; 32],
        sensor_pubkey: vec![],
        signature: vec![],
        voucher: None,
        room: 0,
        bytes: 0,
        arrived: Instant::now(),
    };
    // A queue of its own with room for one batch per lane, and no writer.
    let queue = twinshare_relayer::anchor::Queue::new(&AnchorSection {
        queue_limit: 1,
        ..config()
    });
    let _low = queue.push(checked(ClaimLevel::Low)).unwrap();
    let err = queue.push(checked(ClaimLevel::Low)).unwrap_err();
    assert_eq!(err.code(), "saturated");
    assert_eq!(err.status().as_u16(), 503);
    let _high = queue
        .push(checked(ClaimLevel::High {
            fee_per_record: Uint128::new(1),
        }))
        .unwrap();
    assert_eq!(queue.lengths(), (1, 1));
    // The service's own queue is empty: nothing was pushed there.
    assert_eq!(svc.queue.lengths(), (0, 0));
    h.stop().await;
}

/// 40 clients POST 10 batches each at once: every batch is acknowledged, in fewer commits than
/// batches; after a restart every acknowledged claim is still there and still pending, a batch
/// written but not confirmed comes back in flight, and an anchored batch's records are found.
#[tokio::test]
async fn group_commit_survives_a_restart() {
    let h = harness(config()).await;
    let clients = 40u64;
    let per_client = 10u64;
    let records_per_batch = 50u64;
    let mut tasks = Vec::new();
    for c in 0..clients {
        let client = h.client.clone();
        let batches: Vec<ClaimBatch> = (0..per_client)
            .map(|b| {
                h.batch(
                    ClaimLevel::Low,
                    records(
                        &format!("sensor-{c}"),
                        b * records_per_batch,
                        records_per_batch,
                    ),
                    None,
                )
            })
            .collect();
        tasks.push(tokio::spawn(async move {
            for b in batches {
                client.submit(&b).await.expect("accepted");
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let total = clients * per_client * records_per_batch;
    assert_eq!(h.acknowledged(), total);
    let metrics = h.running.service.metrics.encode();
    let commits: f64 = metric(&metrics, "twinshare_relayer_anchor_commit_batches_count");
    // Concurrent POSTs share durable commits.
    assert!(
        commits >= 1.0 && commits < (clients * per_client) as f64,
        "{commits} commits for {} batches",
        clients * per_client
    );
    let (db, chain, payee, owner) = (
        h.db.clone(),
        h.chain.clone(),
        h.payee.clone(),
        h.owner.clone(),
    );
    let dir = h._dir;
    h.shutdown.trigger();
    h.running.join(std::time::Duration::from_secs(5)).await;

    // Reopen: everything acknowledged is there and pending.
    let store = Store::open(&db).unwrap();
    let counts = store.counts();
    assert_eq!(counts.acknowledged, total);
    assert_eq!(counts.pending_low, total);
    assert_eq!(store.unbatched_leaves(), total);
    for c in 0..clients {
        let s = store.stream(&owner, &format!("sensor-{c}")).unwrap();
        assert_eq!(s.next_seq, per_client * records_per_batch);
        assert_eq!(s.pending, per_client * records_per_batch);
    }
    // Two batches written (two in flight at most), then a crash before either is confirmed.
    let (batch, _) = store.begin_batch(1_000, 2).unwrap().unwrap();
    assert_eq!(batch.count, 1_000, "whole posts up to the limit");
    store.set_sent(batch.no, Some("ABCD")).unwrap();
    let (second, _) = store.begin_batch(1_000, 2).unwrap().unwrap();
    assert!(
        store.begin_batch(1_000, 2).unwrap().is_none(),
        "at most 2 in flight"
    );
    assert_eq!(second.first_post, batch.last_post + 1);
    drop(store);
    let store = Store::open(&db).unwrap();
    let flight = store.in_flight();
    assert_eq!(
        flight.len(),
        2,
        "both unconfirmed batches are in flight again"
    );
    assert_eq!(flight[0].root, batch.root);
    assert_eq!(flight[0].tx_hash.as_deref(), Some("ABCD"));
    assert_eq!(flight[1].root, second.root);
    assert_eq!(flight[1].sent_ms, None);
    assert_eq!(store.unbatched_leaves(), total - 2_000);
    assert_eq!(store.counts().in_flight, 2_000);
    // Included out of order: the second first.
    store.mark_anchored(second.no, 78, 1235, "EF01").unwrap();
    store.mark_anchored(batch.no, 77, 1234, "ABCD").unwrap();
    drop(store);
    let store = Arc::new(Store::open(&db).unwrap());
    assert!(store.in_flight().is_empty());
    assert_eq!(store.counts().anchored, 2_000);
    assert_eq!(store.counts().batches, 2);
    assert_eq!(store.last_chain_batch(), Some(78));
    let first = batch.streams[0].0.split_once('\n').unwrap().1.to_string();
    match store.lookup(&owner, &first, 0).unwrap() {
        Lookup::Anchored { batch, .. } => assert_eq!(batch.batch_id, Some(77)),
        other => panic!("{other:?}"),
    }
    // The streams of later posts are still pending.
    let last = format!("sensor-{}", clients - 1);
    let s = store.stream(&owner, &last).unwrap();
    assert!(s.pending > 0);
    // The service starts again on the same file and goes on from the stored seqs.
    drop(store);
    let (running, shutdown) = start(&db, chain.clone(), &payee, config()).await;
    let client = AnchorClient::new(&running.addr.to_string()).unwrap();
    let state = client.stream_state(&owner, "sensor-0").await.unwrap();
    assert_eq!(state.next_seq, per_client * records_per_batch);
    shutdown.trigger();
    running.join(std::time::Duration::from_secs(5)).await;
    drop(dir);
}

fn metric(text: &str, name: &str) -> f64 {
    text.lines()
        .find(|l| l.starts_with(name))
        .and_then(|l| l.split_whitespace().last())
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no {name} in {text}"))
}

/// Batches of every size from 1 to 40 leaves and of sizes around the powers of two up to 300
/// (over posts of varied sizes and streams): every leaf's proof verifies with
/// `twinshare_types::merkle` and the root is `merkle::root` over the leaf values in
/// acknowledgment order. (Every size up to 300 took ~100 s in debug; the tree shapes that
/// matter are the small ones and those just below, at and above a power of two.)
#[tokio::test]
async fn proofs_of_batches_of_1_to_300_leaves_verify() {
    // Durable commits: on tmpfs when there is one (fsync is not what this test checks).
    let dir = tempfile::tempdir_in("/dev/shm")
        .or_else(|_| tempfile::tempdir())
        .unwrap();
    let store = Store::open(&dir.path().join("p.redb")).unwrap();
    let owner = address();
    let mut next: HashMap<String, u64> = HashMap::new();
    let mut chain_id = 0;
    let sizes = (1..=40u64).chain([63, 64, 65, 100, 127, 128, 129, 255, 256, 257, 300]);
    for n in sizes {
        // Posts of 1..=7 records over 3 streams, n leaves in all.
        let mut left = n;
        let mut posts = Vec::new();
        let mut leaves_in_order: Vec<Vec<u8>> = Vec::new();
        let mut i = 0u64;
        while left > 0 {
            let size = (1 + (n + i) % 7).min(left);
            let mut recs = Vec::new();
            for k in 0..size {
                let stream = format!("s{}", (i + k) % 3);
                let seq = next.entry(stream.clone()).or_default();
                let rec = ClaimRecord {
                    stream,
                    seq: *seq,
                    timestamp: n * 1000 + k,
                    size: 8,
                    hash: HexBinary::from(merkle::leaf_hash(&[n as u8, i as u8, k as u8]).to_vec()),
                };
                *seq += 1;
                leaves_in_order.push(leaf_bytes(&owner, &rec));
                recs.push(rec);
            }
            posts.push(checked(&owner, recs));
            left -= size;
            i += 1;
        }
        for r in store.commit(&posts).unwrap() {
            r.unwrap();
        }
        let (batch, _) = store.begin_batch(10_000, 1).unwrap().unwrap();
        assert_eq!(batch.count, n);
        let root = merkle::root(&leaves_in_order).unwrap();
        assert_eq!(batch.root, hex::encode(root), "n = {n}");
        chain_id += 1;
        store
            .mark_anchored(batch.no, chain_id, 100 + n, "TX")
            .unwrap();
        for post in &posts {
            for rec in &post.records {
                let ProofAnswer::Anchored(p) = prove(&store, &owner, &rec.stream, rec.seq).unwrap()
                else {
                    panic!("n = {n}: not anchored");
                };
                assert_eq!(p.root.as_slice(), root.as_slice());
                assert_eq!(p.leaf.as_slice(), leaf_bytes(&owner, rec).as_slice());
                assert_eq!(&p.record, rec);
                assert_eq!(p.batch_id, chain_id);
                assert_eq!(p.proof.leaf_count, n);
                assert!(
                    merkle::verify(&root, p.leaf.as_slice(), &p.proof),
                    "n = {n}"
                );
                assert_eq!(
                    leaves_in_order[p.proof.leaf_index as usize],
                    p.leaf.to_vec(),
                    "the leaf index is its acknowledgment position"
                );
            }
        }
    }
}

fn checked(owner: &str, records: Vec<ClaimRecord>) -> Checked {
    let leaf_hashes = records
        .iter()
        .map(|r| merkle::leaf_hash(&leaf_bytes(owner, r)))
        .collect();
    Checked {
        owner: owner.to_string(),
        level: ClaimLevel::Low,
        priority: Priority::Low,
        bytes: records.iter().map(|r| u64::from(r.size)).sum(),
        records,
        leaf_hashes,
        body_hash: [0; 32],
        sensor_pubkey: vec![],
        signature: vec![],
        voucher: None,
        room: u64::MAX,
        arrived: Instant::now(),
    }
}

/// Rules 1-3 at the ingest queue: with a Low backlog waiting, High batches queued after it are
/// acknowledged first, while every commit still takes its share of Low batches; a High backlog
/// never starves Low.
#[tokio::test]
async fn high_overtakes_a_low_backlog_and_low_keeps_its_share() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(Store::open(&dir.path().join("q.redb")).unwrap());
    let config = AnchorSection {
        commit_batches: 4,
        low_share: 0.25,
        queue_limit: 1_000,
        ..config()
    };
    let shutdown = Shutdown::new();
    let svc = Arc::new(Service::new(
        config,
        store.clone(),
        Arc::new(FakeChain::default()),
        None,
        Account {
            address: address(),
            prefix: PREFIX.to_string(),
        },
        Arc::new(Metrics::new()),
        shutdown.clone(),
    ));
    let owner = address();
    // 60 Low batches first, then 30 High batches with rising fees; no writer yet (saturated).
    let mut replies = Vec::new();
    for i in 0..60u64 {
        let c = checked(&owner, records(&format!("low-{i}"), 0, 1));
        replies.push((false, svc.queue.push(c).unwrap()));
    }
    for i in 0..30u64 {
        let mut c = checked(&owner, records(&format!("high-{i}"), 0, 1));
        c.level = ClaimLevel::High {
            fee_per_record: Uint128::new(1 + i as u128),
        };
        c.priority = Priority::High { fee: 1 + i as u128 };
        replies.push((true, svc.queue.push(c).unwrap()));
    }
    let writer = tokio::spawn(twinshare_relayer::anchor::writer(svc.clone()));
    for (_, rx) in replies {
        rx.await.unwrap().unwrap();
    }
    // The acknowledgment order is the order of the pending posts.
    let order = store.pending_order();
    assert_eq!(order.len(), 90);
    let highs: Vec<usize> = order
        .iter()
        .enumerate()
        .filter(|(_, (_, high, _))| *high)
        .map(|(i, _)| i)
        .collect();
    // 3 High places per commit of 4: the 30 High batches are done within 10 commits (40 posts),
    // ahead of 50 of the 60 Low batches queued before them.
    assert!(*highs.last().unwrap() < 40, "{highs:?}");
    // Every commit of 4 while Low waited held at least one Low batch.
    for chunk in order.chunks(4).take(10) {
        assert!(
            chunk.iter().any(|(_, high, _)| !high),
            "a commit without Low: {chunk:?}"
        );
    }
    // Within High: the highest fee first ("high-{i}" pays i + 1).
    let fees: Vec<u64> = order
        .iter()
        .filter(|(_, h, _)| *h)
        .map(|(_, _, s)| s.trim_start_matches("high-").parse::<u64>().unwrap() + 1)
        .collect();
    assert_eq!(fees, (1..=30).rev().collect::<Vec<_>>());
    // Low in arrival order.
    let lows: Vec<u64> = order
        .iter()
        .filter(|(_, h, _)| !*h)
        .map(|(_, _, s)| s.trim_start_matches("low-").parse::<u64>().unwrap())
        .collect();
    assert_eq!(lows, (0..60).collect::<Vec<_>>());
    shutdown.trigger();
    writer.await.unwrap();
}

/// With the chain away, a sensor and capacity seen before still count (the claims are durable;
/// anchoring waits for the chain); a sensor never seen is 503 unavailable, nothing stored.
#[tokio::test]
async fn a_known_sensor_keeps_sending_while_the_chain_is_away() {
    let h = harness(config()).await;
    let ok = h
        .post(&h.batch(ClaimLevel::Low, records("s", 0, 5), None))
        .await;
    assert_eq!(ok.0, 200, "{}", ok.1);
    h.chain
        .down
        .store(true, std::sync::atomic::Ordering::SeqCst);
    let ok = h
        .post(&h.batch(ClaimLevel::Low, records("s", 5, 5), None))
        .await;
    assert_eq!(ok.0, 200, "{}", ok.1);
    let stranger = SensorKey::random().unwrap();
    let batch = sign_batch(
        &stranger,
        &h.owner,
        ClaimLevel::Low,
        records("t", 0, 1),
        None,
    )
    .unwrap();
    let refused = h.post(&batch).await;
    assert_eq!(refused.0, 503, "{}", refused.1);
    assert_eq!(refused.1["error"], "unavailable");
    assert_eq!(h.acknowledged(), 10);
    h.stop().await;
}

/// When an owner's capacity expires, its POSTs are not held up by (nor repeat) the chain
/// query: the last capacity is served while one background read replaces it.
#[tokio::test]
async fn an_expired_capacity_is_read_once_in_the_background_while_posts_go_on() {
    use std::sync::atomic::Ordering::SeqCst;
    let h = harness(AnchorSection {
        capacity_cache_secs: 1,
        ..config()
    })
    .await;
    let ok = h
        .post(&h.batch(ClaimLevel::Low, records("warm", 0, 1), None))
        .await;
    assert_eq!(ok.0, 200, "{}", ok.1);
    assert_eq!(h.chain.capacity_reads.load(SeqCst), 1);
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    h.chain.capacity_delay_ms.store(800, SeqCst);
    let batches: Vec<ClaimBatch> = (0..10)
        .map(|i| h.batch(ClaimLevel::Low, records(&format!("s{i}"), 0, 1), None))
        .collect();
    let started = Instant::now();
    let answers = futures::future::join_all(batches.iter().map(|b| h.post(b))).await;
    let took = started.elapsed();
    for (status, body) in &answers {
        assert_eq!(*status, 200, "{body}");
    }
    assert!(
        took < std::time::Duration::from_millis(700),
        "10 POSTs waited {took:?} for an 800 ms capacity query"
    );
    tokio::time::sleep(std::time::Duration::from_millis(1000)).await;
    assert_eq!(
        h.chain.capacity_reads.load(SeqCst),
        2,
        "one background read replaced the expired capacity"
    );
    assert_eq!(h.acknowledged(), 11);
    h.stop().await;
}
