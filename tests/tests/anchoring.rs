//! The anchoring service of issue 9 end to end: the real `twinshare-relayer` daemon with its
//! `[anchor]` API as a child process, sensors registered and publishing through the real
//! `twinshare` binary (or the `twinshare_stream` library where a test needs exact timing or
//! forged input), the real registry on the localnet.
//!
//! - several sensors publish; every record's proof checks offline and with `VerifyInclusion`;
//!   epochs verify record by record; each bad input gets its code while a sensor publishes;
//! - High batches overtake a saturated Low backlog, and Low still progresses;
//! - kill -9 while publishing, restart: every acknowledged record provable, no root twice.
//!
//! Every test runs its own daemon with the dev `relayer` account (the registry's anchorer), so
//! the tests take turns ([`SERIAL`]) rather than race on that account's sequence.

use std::sync::Arc;
use std::time::{Duration, Instant};

use cosmwasm_std::{HexBinary, Uint128};
use futures::StreamExt;
use serde_json::Value;
use twinshare_cli::chain::Actor;
use twinshare_crypto::claims::SensorKey;
use twinshare_e2e::daemon::AnchorDaemon;
use twinshare_e2e::{num, suffix, Cli, Localnet};
use twinshare_stream::api::codes;
use twinshare_stream::batch::{record_of, sign_batch};
use twinshare_stream::proof::check_offline;
use twinshare_stream::{AnchorClient, Error as StreamError, Publisher};
use twinshare_types::claims::{ClaimLevel, Voucher};
use twinshare_types::registry::{
    BatchesResponse, QueryMsg as RegistryQuery, VerifyInclusionResponse,
};

/// The tests share the dev `relayer` account through their daemons: one at a time.
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// A fresh owner with a lease, imported into a CLI home as `owner`, and a daemon of its own
/// (own escrow, database, channel and ports).
struct World {
    net: Localnet,
    cli: Arc<Cli>,
    owner: Actor,
    daemon: AnchorDaemon,
}

async fn world(anchor_extra: &str) -> World {
    let net = Localnet::connect().await;
    net.ensure_provider().await;
    let funder = net.dev("alice");
    let escrow = net.own_escrow(&funder, 120, 120).await;
    let (owner, words) = net.fresh("owner");
    net.fund(&funder, &[(owner.address(), 3_000_000, 200_000)])
        .await;
    let cli = Cli::new(&net.deployment_path);
    cli.import_unencrypted("owner", &words);
    cli.json(&[
        "--from",
        "owner",
        "lease",
        "buy",
        "--bytes",
        "16MiB",
        "--duration",
        "1h",
    ]);
    let mut daemon = AnchorDaemon::start(
        &cli.path("daemon"),
        &net.deployment_path,
        &escrow,
        &cli.storage_uri(),
        &format!("anchors-e2e-{}", suffix()),
        anchor_extra,
    );
    daemon.wait_ready(Duration::from_secs(30)).await;
    World {
        net,
        cli: Arc::new(cli),
        owner,
        daemon,
    }
}

impl World {
    fn anchor_url(&self) -> String {
        self.daemon.anchor.clone()
    }

    /// `stream sensor add NAME` through the binary; the sensor's key.
    fn sensor(&self, name: &str) -> SensorKey {
        let out = self
            .cli
            .json(&["--from", "owner", "stream", "sensor", "add", name]);
        let key = SensorKey::from_master(&self.owner.master, name).expect("sensor key");
        assert_eq!(
            out["pubkey"].as_str(),
            Some(hex::encode(key.public_key()).as_str())
        );
        key
    }

    /// Every anchored batch of the daemon's channel.
    async fn batches(&self) -> Vec<twinshare_types::registry::Batch> {
        let mut out = Vec::new();
        let mut start_after = None;
        loop {
            let page: BatchesResponse = self
                .net
                .chain
                .registry(&RegistryQuery::BatchesByChannel {
                    channel: self.daemon.channel.clone(),
                    start_after,
                    limit: Some(30),
                })
                .await
                .expect("batches by channel");
            let n = page.batches.len();
            start_after = page.batches.last().map(|b| b.id);
            out.extend(page.batches);
            if n < 30 {
                return out;
            }
        }
    }
}

/// Every record 0..=last of `stream`: its proof served, checked offline, and `VerifyInclusion`
/// true on chain. The batch ids seen.
async fn all_provable(w: &World, client: &AnchorClient, stream: &str, last: u64) -> Vec<u64> {
    let owner = w.owner.address().to_string();
    let checks = futures::stream::iter(0..=last)
        .map(|seq| {
            let (client, owner, chain) = (client.clone(), owner.clone(), w.net.chain.clone());
            async move {
                let p = client
                    .wait_proof(
                        &owner,
                        stream,
                        seq,
                        Duration::from_secs(30),
                        Duration::from_millis(50),
                    )
                    .await
                    .unwrap_or_else(|e| panic!("record {seq} of {stream}: {e}"));
                let offline = check_offline(&p, &owner, stream, seq, None);
                assert!(offline.ok(), "record {seq} of {stream}: {offline:?}");
                let v: VerifyInclusionResponse = chain
                    .registry(&RegistryQuery::VerifyInclusion {
                        batch_id: p.batch_id,
                        leaf: p.leaf.clone(),
                        proof: p.proof.clone(),
                    })
                    .await
                    .expect("VerifyInclusion");
                assert!(v.valid, "VerifyInclusion of record {seq} of {stream}");
                assert_eq!(v.root, p.root, "record {seq} of {stream}: root on chain");
                p.batch_id
            }
        })
        .buffer_unordered(16)
        .collect::<Vec<_>>()
        .await;
    let mut ids = checks;
    ids.sort_unstable();
    ids.dedup();
    ids
}

fn code_of<T: std::fmt::Debug>(r: Result<T, StreamError>) -> (u16, String, Option<u64>) {
    match r {
        Err(StreamError::Rejected {
            status,
            code,
            expected_seq,
            ..
        }) => (status, code, expected_seq),
        other => panic!("expected a rejection, got {other:?}"),
    }
}

fn now_ms() -> u64 {
    twinshare_e2e::now_ms()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sensors_publish_every_record_is_provable_and_bad_input_gets_its_code() {
    let _turn = SERIAL.lock().await;
    let t0 = Instant::now();
    let w = world("").await;
    let url = w.anchor_url();
    for s in ["s1", "s2", "s3"] {
        w.sensor(s);
    }
    let bad = w.sensor("s4");
    let ch = w.cli.json(&[
        "--from",
        "owner",
        "stream",
        "channel",
        "open",
        "--deposit",
        "5000",
        "--close-timeout",
        "60s",
    ]);
    let channel = num(&ch["channel"]) as u64;

    // Three sensors publish through the binary, at once, while the bad input goes in: two
    // generate 250 records/s for 4 s, the third reads 1,000 lines of a file at that rate.
    let sfx = suffix();
    let lines = w.cli.records_file("s3.csv", 1_000);
    let publishers: Vec<_> = ["s1", "s2", "s3"]
        .iter()
        .map(|s| {
            let cli = w.cli.clone();
            let (stream, url, s) = (format!("e2e-{sfx}/{s}"), url.clone(), s.to_string());
            let source: Vec<String> = if s == "s3" {
                vec!["--file".into(), lines.clone()]
            } else {
                vec!["--generate".into(), "--duration".into(), "4s".into()]
            };
            std::thread::spawn(move || {
                let mut args = vec![
                    "--from",
                    "owner",
                    "--quiet",
                    "stream",
                    "publish",
                    "--stream",
                    &stream,
                    "--sensor",
                    &s,
                    "--rate",
                    "250",
                    "--epoch-secs",
                    "2",
                    "--anchor-url",
                    &url,
                ];
                args.extend(source.iter().map(String::as_str));
                cli.json(&args)
            })
        })
        .collect();

    let client = w.daemon.client();
    let owner = w.owner.address().to_string();
    let stream = format!("e2e-{sfx}/bad");
    let rec = |seq: u64| record_of(&stream, seq, now_ms(), b"payload").expect("record");
    let low = |key: &SensorKey, owner: &str, records| {
        sign_batch(key, owner, ClaimLevel::Low, records, None).expect("sign")
    };
    // A good batch first: seqs 0, 1.
    let good = low(&bad, &owner, vec![rec(0), rec(1)]);
    client.submit(&good).await.expect("a good batch");
    // Bad signature.
    let mut forged = low(&bad, &owner, vec![rec(2)]);
    let mut sig = forged.signature.to_vec();
    sig[10] ^= 1;
    forged.signature = HexBinary::from(sig);
    assert_eq!(code_of(client.submit(&forged).await).0, 401);
    let mut forged = low(&bad, &owner, vec![rec(2)]);
    forged.records[0].seq = 3;
    assert_eq!(
        code_of(client.submit(&forged).await).1,
        codes::BAD_SIGNATURE
    );
    // An unregistered sensor; a registered one claiming for another owner.
    let stranger = SensorKey::random().expect("key");
    let (status, code, _) = code_of(client.submit(&low(&stranger, &owner, vec![rec(2)])).await);
    assert_eq!((status, code.as_str()), (403, codes::UNKNOWN_SENSOR));
    let other = w.net.dev("bob").address().to_string();
    let (status, code, _) = code_of(client.submit(&low(&bad, &other, vec![rec(0)])).await);
    assert_eq!((status, code.as_str()), (403, codes::UNKNOWN_SENSOR));
    // Replayed and out-of-order seqs: the message names the next seq.
    let (status, code, expected) = code_of(client.submit(&good).await);
    assert_eq!(
        (status, code.as_str(), expected),
        (409, codes::OUT_OF_ORDER_SEQ, Some(2))
    );
    let (_, code, expected) = code_of(client.submit(&low(&bad, &owner, vec![rec(7)])).await);
    assert_eq!(
        (code.as_str(), expected),
        (codes::OUT_OF_ORDER_SEQ, Some(2))
    );
    let (_, code, _) = code_of(
        client
            .submit(&low(&bad, &owner, vec![rec(2), rec(4)]))
            .await,
    );
    assert_eq!(code, codes::OUT_OF_ORDER_SEQ, "a gap inside a batch");
    // High without a voucher, and with one that does not cover the fee.
    let high = ClaimLevel::High {
        fee_per_record: Uint128::new(5),
    };
    let b = sign_batch(&bad, &owner, high.clone(), vec![rec(2), rec(3)], None).expect("sign");
    let (status, code, _) = code_of(client.submit(&b).await);
    assert_eq!((status, code.as_str()), (402, codes::VOUCHER_REQUIRED));
    let short = Voucher {
        channel,
        cumulative: Uint128::new(9),
    };
    let b = sign_batch(
        &bad,
        &owner,
        high.clone(),
        vec![rec(2), rec(3)],
        Some(short),
    )
    .expect("sign");
    let (status, code, _) = code_of(client.submit(&b).await);
    assert_eq!((status, code.as_str()), (402, codes::VOUCHER_INSUFFICIENT));
    let beyond = Voucher {
        channel,
        cumulative: Uint128::new(5_001),
    };
    let b = sign_batch(
        &bad,
        &owner,
        high.clone(),
        vec![rec(2), rec(3)],
        Some(beyond),
    )
    .expect("sign");
    assert_eq!(code_of(client.submit(&b).await).0, 402, "above the deposit");
    // Over the batch limit, over the lease's capacity.
    let big: Vec<_> = (2..1003).map(rec).collect();
    let (status, code, _) = code_of(client.submit(&low(&bad, &owner, big)).await);
    assert_eq!((status, code.as_str()), (413, codes::BATCH_TOO_LARGE));
    let mut huge = rec(2);
    huge.size = u32::MAX;
    let (status, code, _) = code_of(client.submit(&low(&bad, &owner, vec![huge])).await);
    assert_eq!((status, code.as_str()), (403, codes::OVER_CAPACITY));
    // None of it moved the stream: seq 2 is still next, and a paid batch goes in.
    let paid = Voucher {
        channel,
        cumulative: Uint128::new(10),
    };
    let b = sign_batch(&bad, &owner, high, vec![rec(2), rec(3)], Some(paid)).expect("sign");
    let ok = client.submit(&b).await.expect("the paid batch");
    assert_eq!(ok.streams[0].last_seq, 3);

    // The publishers were not disturbed.
    let mut summaries: Vec<Value> = Vec::new();
    for p in publishers {
        let out = tokio::task::spawn_blocking(move || p.join())
            .await
            .expect("join")
            .unwrap_or_else(|_| panic!("a publisher failed"));
        summaries.push(out);
    }
    for s in &summaries {
        let records = num(&s["records"]) as u64;
        assert!(records >= 900, "4 s at 250/s: {s}");
        if s["sensor"] == "s3" {
            assert_eq!(records, 1_000, "every line of the file is a record");
        }
        assert_eq!(num(&s["rejected_batches"]), 0, "{s}");
        assert_eq!(num(&s["first_seq"]), 0);
        assert_eq!(num(&s["last_seq"]) as u64, records - 1);
        let covered: u64 = s["epochs"]
            .as_array()
            .expect("epochs")
            .iter()
            .map(|e| num(&e["records"]) as u64)
            .sum();
        assert_eq!(covered, records, "the epochs hold every record: {s}");
    }

    // Every record of every stream provable, offline and on chain.
    let mut batch_ids = Vec::new();
    for s in &summaries {
        let stream = s["stream"].as_str().expect("stream");
        let last = num(&s["last_seq"]) as u64;
        batch_ids.extend(all_provable(&w, &client, stream, last).await);
    }
    batch_ids.extend(all_provable(&w, &client, &stream, 3).await);
    batch_ids.sort_unstable();
    batch_ids.dedup();
    let on_chain = w.batches().await;
    for id in &batch_ids {
        assert!(
            on_chain.iter().any(|b| b.id == *id),
            "batch {id} is in the daemon's channel"
        );
    }

    // The binary's own checks: one proof, and every epoch of one stream record by record.
    let first = &summaries[0];
    let stream1 = first["stream"].as_str().expect("stream");
    let proved = w.cli.json(&[
        "--from",
        "owner",
        "stream",
        "prove",
        "--stream",
        stream1,
        "--seq",
        "5",
        "--anchor-url",
        &url,
    ]);
    assert_eq!(proved["valid"], true, "{proved}");
    assert_eq!(proved["chain"]["verify_inclusion"], true);
    for e in first["epochs"].as_array().expect("epochs") {
        let locator = e["locator"].as_str().expect("locator");
        let v = w.cli.json(&[
            "--from",
            "owner",
            "stream",
            "verify",
            "--epoch",
            locator,
            "--anchor-url",
            &url,
        ]);
        assert_eq!(v["failed"], 0, "{v}");
        assert_eq!(v["verified"], e["records"], "{v}");
    }
    // A forged epoch fails: the same records with one payload changed, sealed by the owner.
    let op = w.cli.operator();
    let first_epoch = &first["epochs"][0];
    let asset = twinshare_uploader::AssetId::from_locator(
        first_epoch["locator"].as_str().expect("locator"),
    )
    .expect("asset");
    let mut epoch = twinshare_stream::epoch::load(
        &op,
        &asset,
        twinshare_uploader::Opener::Owner(w.owner.master.clone()),
    )
    .await
    .expect("epoch");
    epoch.payloads[3][0] ^= 1;
    // Re-sealed under the same id, as a provider swapping the object would.
    twinshare_uploader::storage::delete(&op, &asset.manifest_path())
        .await
        .expect("delete the manifest");
    twinshare_stream::epoch::store(&op, &w.owner.master, &epoch)
        .await
        .expect("store the forged epoch");
    let err = w.cli.fails(&[
        "--from",
        "owner",
        "stream",
        "verify",
        "--epoch",
        first_epoch["locator"].as_str().expect("locator"),
        "--anchor-url",
        &url,
    ]);
    assert!(
        err.contains("record 3: FAILED"),
        "the changed record is named:\n{err}"
    );
    eprintln!(
        "anchoring e2e: {} records from 3 sensors in {} batches on chain, {:.1} s",
        summaries.iter().map(|s| num(&s["records"])).sum::<u128>(),
        batch_ids.len(),
        t0.elapsed().as_secs_f64()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn high_claims_overtake_a_saturated_low_backlog_and_low_still_progresses() {
    let _turn = SERIAL.lock().await;
    // Small commits and a queue of 24 batches a lane: 40 Low senders keep a backlog and get
    // refused (503) beyond it.
    let w = world("queue_limit = 24\ncommit_batches = 2\nlow_share = 0.5\n").await;
    let low_key = w.sensor("low");
    let high_key = w.sensor("high");
    let ch = w.cli.json(&[
        "--from",
        "owner",
        "stream",
        "channel",
        "open",
        "--deposit",
        "100000",
    ]);
    let channel = num(&ch["channel"]) as u64;
    let client = w.daemon.client();
    let owner = w.owner.address().to_string();
    let sfx = suffix();

    // Low flooders: each its own stream, small batches back to back, no retry pause: the
    // durable commit, not the checks before the queue, is what they wait for.
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut flood = tokio::task::JoinSet::new();
    for i in 0..40 {
        let mut p = Publisher::start(
            client.clone(),
            low_key.clone(),
            &owner,
            &format!("flood-{sfx}/{i}"),
            None,
        )
        .await
        .expect("low publisher");
        p.retry_for = Duration::ZERO;
        let stop = stop.clone();
        flood.spawn(async move {
            let (mut ok, mut saturated, mut ack_ms) = (0u64, 0u64, Vec::new());
            // A batch's wait counts from its first attempt, refusals included: the backlog.
            let mut first_try: Option<Instant> = None;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let samples: Vec<(u64, Vec<u8>)> =
                    (0..20).map(|k| (now_ms(), vec![k as u8; 8])).collect();
                let t = *first_try.get_or_insert_with(Instant::now);
                match p.send(&samples).await {
                    Ok(_) => {
                        ok += 1;
                        ack_ms.push(t.elapsed().as_secs_f64() * 1000.0);
                        first_try = None;
                    }
                    Err(e) if e.code() == Some(codes::SATURATED) => {
                        saturated += 1;
                        tokio::time::sleep(Duration::from_millis(5)).await;
                    }
                    Err(e) => panic!("low flood: {e}"),
                }
            }
            (ok, saturated, ack_ms)
        });
    }
    // Let the backlog build, then send High batches one after another.
    tokio::time::sleep(Duration::from_millis(800)).await;
    let mut high = Publisher::start(
        client.clone(),
        high_key,
        &owner,
        &format!("urgent-{sfx}"),
        Some(twinshare_stream::batch::VoucherBook {
            channel,
            fee_per_record: 1,
            accepted: 0,
        }),
    )
    .await
    .expect("high publisher");
    high.retry_for = Duration::ZERO;
    let low_before = client.status().await.expect("status");
    let mut high_ms = Vec::new();
    for _ in 0..15 {
        let samples: Vec<(u64, Vec<u8>)> = (0..20).map(|k| (now_ms(), vec![k as u8; 8])).collect();
        let t = Instant::now();
        high.send(&samples)
            .await
            .expect("High is never refused for a full Low lane");
        high_ms.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let (mut low_ok, mut low_saturated, mut low_ms) = (0, 0, Vec::new());
    while let Some(r) = flood.join_next().await {
        let (ok, sat, ms) = r.expect("flooder");
        low_ok += ok;
        low_saturated += sat;
        low_ms.extend(ms);
    }
    let low_after = client.status().await.expect("status");
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    assert!(
        low_saturated > 0,
        "the Low lane was saturated (503) at some point"
    );
    assert!(low_ok > 0, "Low still progressed");
    let (h, l) = (median(&mut high_ms), median(&mut low_ms));
    eprintln!(
        "overtake: High ack median {h:.1} ms over 15 batches; Low median {l:.1} ms from first attempt to ack over {low_ok} batches, {low_saturated} saturated refusals; status before {low_before} after {low_after}"
    );
    assert!(h < l, "High acks (median {h:.1} ms) beat Low's ({l:.1} ms)");
    // Low kept moving while High went through.
    let acked = |s: &Value| num(&s["acknowledged"]);
    assert!(
        acked(&low_after) >= acked(&low_before) + 15 * 20 + 20,
        "Low and High both acknowledged during the High phase: {low_before} -> {low_after}"
    );
    // High's records are anchored too.
    let stream = format!("urgent-{sfx}");
    all_provable(&w, &client, &stream, high.next_seq - 1).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_while_publishing_loses_nothing_acknowledged_and_anchors_no_root_twice() {
    let _turn = SERIAL.lock().await;
    let mut w = world("").await;
    let keys = [w.sensor("k1"), w.sensor("k2")];
    let client = w.daemon.client();
    let owner = w.owner.address().to_string();
    let sfx = suffix();
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut tasks = tokio::task::JoinSet::new();
    for (i, key) in keys.iter().enumerate() {
        let mut p = Publisher::start(
            client.clone(),
            key.clone(),
            &owner,
            &format!("kill-{sfx}/{i}"),
            None,
        )
        .await
        .expect("publisher");
        p.retry_for = Duration::from_secs(60);
        let stop = stop.clone();
        tasks.spawn(async move {
            let mut acked: Option<u64> = None;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let samples: Vec<(u64, Vec<u8>)> =
                    (0..10).map(|k| (now_ms(), vec![k as u8; 16])).collect();
                match p.send(&samples).await {
                    Ok(sent) => acked = sent.records.last().map(|r| r.seq),
                    Err(e) => panic!("publishing across a crash: {e}"),
                }
                tokio::time::sleep(Duration::from_millis(30)).await;
            }
            (p.stream.clone(), acked)
        });
    }
    // Two crashes at different moments of the anchoring cycle.
    for wait in [1_700u64, 2_300] {
        tokio::time::sleep(Duration::from_millis(wait)).await;
        w.daemon.kill9_and_restart();
        w.daemon.wait_ready(Duration::from_secs(30)).await;
    }
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let mut acked = Vec::new();
    while let Some(r) = tasks.join_next().await {
        acked.push(r.expect("publisher task"));
    }
    let mut total = 0u64;
    let client = w.daemon.client();
    for (stream, last) in &acked {
        let last = last.expect("something was acknowledged");
        total += last + 1;
        all_provable(&w, &client, stream, last).await;
    }
    // No root twice, and the leaves on chain are exactly the acknowledged claims.
    let batches = w.batches().await;
    let mut roots: Vec<&HexBinary> = batches.iter().map(|b| &b.root).collect();
    roots.sort();
    let n = roots.len();
    roots.dedup();
    assert_eq!(roots.len(), n, "a root anchored twice: {batches:?}");
    let leaves: u64 = batches.iter().map(|b| b.count).sum();
    assert_eq!(
        leaves,
        total,
        "anchored leaves = acknowledged claims; daemon logs:\n{}",
        w.daemon.logs()
    );
    eprintln!(
        "kill -9 x2: {total} acknowledged claims, all provable, in {n} batches, no root twice"
    );
}
