//! Ingest throughput of the anchoring service on this machine: N simulated sensors POST signed
//! batches of records over loopback HTTP as fast as they are acknowledged (each waits for its
//! 200 before the next, as a real sensor does). The chain's answers come from a table (no
//! anchoring), so this measures checks + group commit + HTTP: records acknowledged per second.
//! Clients and daemon share the process and the cores, so the figure is a lower bound.
//!
//! `cargo run --release -p twinshare-relayer --example anchor_ingest -- [sensors] [batches] [records]`
//! (defaults 100 sensors x 20 batches x 100 records).

use std::sync::Arc;
use std::time::{Duration, Instant};

use cosmwasm_std::HexBinary;
use futures::future::BoxFuture;
use twinshare_crypto::SensorKey;
use twinshare_relayer::anchor::ingest::{Capacity, ChainView, ChannelInfo};
use twinshare_relayer::anchor::store::Store;
use twinshare_relayer::anchor::{spawn, Account, AnchorSection, Service};
use twinshare_relayer::error::ChainError;
use twinshare_relayer::metrics::Metrics;
use twinshare_relayer::Shutdown;
use twinshare_stream::batch::sign_batch;
use twinshare_stream::AnchorClient;
use twinshare_types::claims::{ClaimLevel, ClaimRecord};

/// Every sensor belongs to `owner`; capacity is unlimited.
struct Table {
    owner: String,
}

impl ChainView for Table {
    fn sensor_owner<'a>(
        &'a self,
        _: &'a [u8],
    ) -> BoxFuture<'a, Result<Option<String>, ChainError>> {
        Box::pin(async move { Ok(Some(self.owner.clone())) })
    }
    fn channel(&self, _: u64) -> BoxFuture<'_, Result<Option<ChannelInfo>, ChainError>> {
        Box::pin(async { Ok(None) })
    }
    fn capacity<'a>(&'a self, _: &'a str) -> BoxFuture<'a, Result<Capacity, ChainError>> {
        Box::pin(async {
            Ok(Capacity {
                lease_bytes: u64::MAX,
                registered_bytes: 0,
            })
        })
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<u64> = std::env::args()
        .skip(1)
        .map(|a| a.parse())
        .collect::<Result<_, _>>()?;
    let sensors = args.first().copied().unwrap_or(100);
    let batches = args.get(1).copied().unwrap_or(20);
    let per_batch = args.get(2).copied().unwrap_or(100);

    let dir = tempfile::tempdir()?;
    let owner = twinshare_client::Key::random("wasm")?.address().to_string();
    let store = Arc::new(Store::open(&dir.path().join("anchor.redb"))?);
    let shutdown = Shutdown::new();
    let svc = Arc::new(Service::new(
        AnchorSection {
            listen: "127.0.0.1:0".into(),
            queue_limit: 4096,
            ..AnchorSection::default()
        },
        store,
        Arc::new(Table {
            owner: owner.clone(),
        }),
        None,
        Account {
            address: owner.clone(),
            prefix: "wasm".into(),
        },
        Arc::new(Metrics::new()),
        shutdown.clone(),
    ));
    let running = spawn(svc.clone()).await?;
    let addr = running.addr.to_string();

    // Sign everything first: the sensors' work is not the daemon's.
    let mut work = Vec::new();
    for s in 0..sensors {
        let key = SensorKey::random()?;
        let stream = format!("sensor-{s}/vib");
        let mut signed = Vec::new();
        for b in 0..batches {
            let records: Vec<ClaimRecord> = (b * per_batch..(b + 1) * per_batch)
                .map(|seq| ClaimRecord {
                    stream: stream.clone(),
                    seq,
                    timestamp: 1_700_000_000_000 + seq,
                    size: 64,
                    hash: HexBinary::from(vec![(seq % 251) as u8; 32]),
                })
                .collect();
            signed.push(sign_batch(&key, &owner, ClaimLevel::Low, records, None)?);
        }
        work.push(signed);
    }
    println!("{sensors} sensors x {batches} batches x {per_batch} records, over HTTP on {addr}");
    let started = Instant::now();
    let mut tasks = Vec::new();
    for signed in work {
        let client = AnchorClient::new(&addr)?;
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            for b in signed {
                let t = Instant::now();
                loop {
                    match client.submit(&b).await {
                        Ok(_) => break,
                        Err(e) if e.to_string().contains("saturated") => {
                            tokio::time::sleep(Duration::from_millis(20)).await
                        }
                        Err(e) => return Err(e),
                    }
                }
                latencies.push(t.elapsed());
            }
            Ok::<_, twinshare_stream::Error>(latencies)
        }));
    }
    let mut latencies = Vec::new();
    for t in tasks {
        latencies.extend(t.await??);
    }
    let elapsed = started.elapsed();
    let total = sensors * batches * per_batch;
    latencies.sort();
    let pct = |p: f64| latencies[((latencies.len() as f64 - 1.0) * p) as usize];
    let text = svc.metrics.encode();
    let commits = text
        .lines()
        .find(|l| l.starts_with("twinshare_relayer_anchor_commit_batches_count"))
        .and_then(|l| l.split_whitespace().last())
        .unwrap_or("?");
    println!(
        "acknowledged {total} records in {:.2} s: {:.0} records/s, {:.0} batches/s, {commits} group commits",
        elapsed.as_secs_f64(),
        total as f64 / elapsed.as_secs_f64(),
        (sensors * batches) as f64 / elapsed.as_secs_f64(),
    );
    println!(
        "POST latency p50 {:?} p95 {:?} p99 {:?}",
        pct(0.5),
        pct(0.95),
        pct(0.99)
    );
    assert_eq!(svc.store.counts().acknowledged, total);
    shutdown.trigger();
    running.join(Duration::from_secs(5)).await;
    Ok(())
}
