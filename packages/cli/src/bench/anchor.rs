//! `bench anchor` (issue 9): many simulated sensors from one process against the anchoring
//! daemon, and in the same run the baseline of one `Register` tx per record.
//!
//! Setup: a fresh owner and fresh baseline senders, funded by --funder in one tx that also
//! creates the baseline's channel; leases with the provider (the owner's covers every claimed
//! byte, since the daemon checks capacity); the sensors' keys registered in one tx.
//! Load: one tokio task per sensor sends a batch every --batch-ms with the records due at
//! --rate; one record of every --sample-every-th batch is polled for its proof until the daemon
//! serves it (200), which is its record-to-provable latency. After the load, every sensor's last
//! record is waited for, so "anchored per second" counts records proven on chain.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::Serialize;
use twinshare_client::tendermint_rpc::Client as _;
use twinshare_client::{Coin, Msg};
use twinshare_crypto::claims::SensorKey;
use twinshare_stream::api::ProofStatus;
use twinshare_stream::{AnchorClient, Publisher};
use twinshare_types::registry::{ExecuteMsg as RegistryMsg, Level};
use twinshare_types::CheckedDenom;
use twinshare_uploader::UploadReport;

use super::share::{connect, funder_identity};
use super::stats::{percentile, round_to};
use crate::chain::{Actor, Chain};
use crate::cli::BenchAnchorArgs;
use crate::commands::stream_publish::generated_payload;
use crate::commands::{lease, upload};
use crate::context::Context;
use crate::error::{Error, Result};
use crate::identity::{generate_mnemonic, Identity};
use crate::output::{Console, Outcome};

/// How often a sampled record's proof is asked for. A sample's latency is the midpoint of the
/// span in which its proof became servable (after the last "pending" request was sent, before
/// the first 200 arrived), so it is off by at most half of this plus a round trip.
const PROOF_POLL: Duration = Duration::from_millis(20);
/// Most proof polls in flight at once: enough that a probe never waits for a poller (which
/// would count the wait as latency) at the default sampling.
const POLLERS: usize = 256;
/// The daemon's batch limit (records per claim batch).
const MAX_BATCH: usize = 1000;
/// How often the bench reads the chain's height (for the block counts).
const TIP_POLL: Duration = Duration::from_millis(20);

/// CPU and memory of the daemon over the load.
#[derive(Clone, Debug, Default, Serialize)]
pub struct DaemonUsage {
    pub pid: u32,
    /// How the pid was found.
    pub found_by: String,
    /// CPU time over wall time, in % of one core.
    pub cpu_percent: f64,
    pub rss_mib_end: f64,
    pub rss_mib_peak: f64,
}

/// One load step.
#[derive(Clone, Debug, Serialize)]
pub struct LoadRun {
    pub sensors: usize,
    pub rate_per_sensor: u64,
    pub offered_records_per_s: f64,
    pub duration_s: f64,
    pub records_accepted: u64,
    pub batches: u64,
    pub rejected_batches: u64,
    pub saturated_retries: u64,
    /// Accepted records over the time until the last one was provable.
    pub anchored_records_per_s: f64,
    pub latency_samples: usize,
    pub latency_p50_ms: f64,
    pub latency_p95_ms: f64,
    pub latency_p99_ms: f64,
    pub latency_max_ms: f64,
    /// Blocks from the newest one at a record's send to the one anchoring it (1 = the next).
    pub blocks_p50: f64,
    pub blocks_p99: f64,
    /// Samples anchored in one of the 2 blocks after their send.
    pub within_2_blocks_percent: f64,
    /// Sampled records never provable within the wait.
    pub never_provable: usize,
    /// JSON of the median served proof, and its audit path length.
    pub proof_bytes: usize,
    pub proof_siblings: usize,
    /// AnchorBatch txs seen through the samples: their bytes over their leaves.
    pub anchor_txs_seen: usize,
    pub chain_bytes_per_record: f64,
    pub daemon: Option<DaemonUsage>,
    /// Mean block interval while the sensors sent (the idle one is `AnchorBench`'s).
    pub loaded_block_interval_ms: f64,
    /// p99 within 2 block intervals (the idle interval, the stricter reading).
    pub sustained: bool,
}

#[derive(Clone, Debug, Serialize)]
pub struct Baseline {
    pub senders: usize,
    pub duration_s: f64,
    pub records: u64,
    pub failed: u64,
    pub records_per_s: f64,
    pub tx_bytes_per_record: f64,
}

#[derive(Clone, Debug, Serialize)]
pub struct AnchorBench {
    pub chain_id: String,
    pub daemon_url: String,
    pub owner: String,
    pub block_interval_ms: f64,
    pub record_size: u32,
    pub batch_ms: u64,
    /// How often a sampled proof is asked for: the latencies' resolution.
    pub latency_poll_ms: u64,
    pub runs: Vec<LoadRun>,
    /// --find-max: the largest offered rate whose p99 stayed within 2 block intervals.
    pub max_sustained_records_per_s: Option<f64>,
    pub baseline: Option<Baseline>,
    /// Anchored records/s of the first run over the baseline's records/s.
    pub ratio_to_baseline: Option<f64>,
    pub setup_s: f64,
}

fn ms(d: Duration) -> f64 {
    (d.as_secs_f64() * 1e6).round() / 1000.0
}

/// `bench anchor`.
pub async fn command(ctx: &Context, args: &BenchAnchorArgs) -> Result<Outcome> {
    if args.sensors == 0 || args.rate == 0 || args.duration == 0 || args.batch_ms == 0 {
        return Err(Error::Usage(
            "--sensors, --rate, --duration and --batch-ms must be at least 1".into(),
        ));
    }
    let (network, _) = ctx.network()?;
    let funder = funder_identity(ctx, &args.funder, &network.bech32_prefix)?;
    let chain = connect(network, Duration::from_millis(20)).await?;
    let provider = ctx.provider(&chain, args.provider.as_deref())?;
    let client = AnchorClient::new(&args.anchor.anchor_url)?;
    client.status().await?;
    let bench = run(
        ctx.console,
        &chain,
        Actor::new(&chain, funder),
        &provider,
        client,
        args,
    )
    .await?;
    let text = render(&bench);
    Outcome::new(&bench, text)
}

async fn block_interval_ms(chain: &Chain) -> Result<f64> {
    let h1 = chain.client.height().await?;
    let t = Instant::now();
    loop {
        tokio::time::sleep(Duration::from_millis(20)).await;
        let h2 = chain.client.height().await?;
        if h2 >= h1 + 5 {
            return Ok(round_to(ms(t.elapsed()) / (h2 - h1) as f64, 1));
        }
        if t.elapsed() > Duration::from_secs(30) {
            return Err(Error::State("the chain makes no blocks".into()));
        }
    }
}

struct Accounts {
    owner: Actor,
    senders: Vec<Actor>,
    channel: String,
    keys: Vec<SensorKey>,
}

fn fresh(chain: &Chain, name: &str) -> Result<Actor> {
    let words = generate_mnemonic(24)?;
    Ok(Actor::new(
        chain,
        Identity::from_mnemonic(name, &words, chain.prefix())?,
    ))
}

async fn setup(
    chain: &Chain,
    funder: &Actor,
    provider: &str,
    args: &BenchAnchorArgs,
    tag: &str,
) -> Result<Accounts> {
    let owner = fresh(chain, "anchor-owner")?;
    let senders = (0..args.baseline_senders)
        .map(|i| fresh(chain, &format!("baseline-{i}")))
        .collect::<Result<Vec<_>>>()?;
    let steps = if args.find_max { 8.0 } else { 1.0 };
    let claimed = (args.sensors as f64
        * args.rate as f64
        * args.duration as f64
        * f64::from(args.record_size)
        * steps
        * 1.5) as u64
        + (1 << 20);
    let lease_secs = 2 * 3600;
    let baseline_bytes = 1u64 << 20;
    let fee = chain.client.config().gas_price.fee(400_000);
    let mut msgs = Vec::new();
    let mut plan = vec![(owner.clone(), claimed, fee.amount * 20)];
    for s in &senders {
        plan.push((
            s.clone(),
            baseline_bytes,
            fee.amount * (args.baseline_duration as u128 * 10 + 10),
        ));
    }
    for (who, bytes, native) in &plan {
        let quote = lease::quote(chain, provider, *bytes, lease_secs).await?;
        let mut native = *native;
        match &quote.denom {
            CheckedDenom::Cw20(token) => msgs.push(Msg::cw20_transfer(
                token.as_str(),
                who.address(),
                quote.amount.u128(),
            )?),
            CheckedDenom::Native(d) if *d == fee.denom => native += quote.amount.u128(),
            CheckedDenom::Native(d) => msgs.push(Msg::bank_send(
                who.address(),
                vec![Coin::new(quote.amount.u128(), d.clone())],
            )),
        }
        msgs.push(Msg::bank_send(
            who.address(),
            vec![Coin::new(native, fee.denom.clone())],
        ));
    }
    let channel = format!("anchor-bench-{tag}");
    if !senders.is_empty() {
        msgs.push(Msg::execute(
            &chain.network.contracts.data_registry,
            &RegistryMsg::CreateChannel {
                id: channel.clone(),
                members: senders.iter().map(|s| s.address().to_string()).collect(),
            },
            vec![],
        )?);
    }
    funder.signer.send(msgs).await?;
    futures::future::try_join_all(
        plan.iter()
            .map(|(who, bytes, _)| lease::buy_lease(chain, who, provider, *bytes, lease_secs)),
    )
    .await?;
    let keys = (0..args.sensors)
        .map(|i| {
            Ok(SensorKey::from_master(
                &owner.master,
                &format!("bench-{i}"),
            )?)
        })
        .collect::<Result<Vec<_>>>()?;
    // Register the sensors, at most 50 per tx (gas).
    for chunk in keys.chunks(50) {
        let msgs = chunk
            .iter()
            .enumerate()
            .map(|(i, k)| {
                Msg::execute(
                    &chain.network.contracts.data_registry,
                    &RegistryMsg::RegisterSensor {
                        pubkey: k.public_key().to_vec().into(),
                        name: format!("bench-{tag}-{i}"),
                    },
                    vec![],
                )
            })
            .collect::<std::result::Result<Vec<_>, _>>()?;
        owner.signer.send(msgs).await?;
    }
    Ok(Accounts {
        owner,
        senders,
        channel,
        keys,
    })
}

/// One record whose latency is measured.
struct Probe {
    stream: String,
    seq: u64,
    submitted: Instant,
    /// The newest height the bench had seen when the batch was sent (polled, so it may trail
    /// the chain: the block count below errs high, never low).
    height: u64,
}

/// What one probe measured.
struct Sample {
    latency_ms: f64,
    /// Blocks from the newest one at the send to the one with the record's AnchorBatch: 1 is
    /// the next block, 2 the one after.
    blocks: u64,
    proof: Box<twinshare_stream::api::RecordProof>,
}

#[derive(Default)]
struct SensorTotals {
    accepted: u64,
    batches: u64,
    rejected: u64,
    retries: u64,
    last: Option<(String, u64)>,
}

/// Which records a sensor samples for latency, where it sends them, and the chain's height.
struct Sampling {
    every: u64,
    probes: tokio::sync::mpsc::UnboundedSender<Probe>,
    tip: Arc<AtomicU64>,
}

async fn run_sensor(
    mut publisher: Publisher,
    rate: u64,
    duration: Duration,
    batch_every: Duration,
    size: usize,
    sampling: Sampling,
) -> SensorTotals {
    let Sampling {
        every: sample_every,
        probes,
        tip,
    } = sampling;
    let mut totals = SensorTotals::default();
    let started = Instant::now();
    let mut made = 0u64;
    let mut tick = tokio::time::interval(batch_every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let elapsed = started.elapsed().min(duration);
        let due = ((elapsed.as_secs_f64() * rate as f64) as u64).saturating_sub(made);
        let n = (due as usize).min(MAX_BATCH);
        if n > 0 {
            let ts = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_millis() as u64)
                .unwrap_or_default();
            let samples: Vec<(u64, Vec<u8>)> = (0..n as u64)
                .map(|i| (ts, generated_payload(made + i, ts, size)))
                .collect();
            let height = tip.load(Ordering::Relaxed);
            match publisher.send(&samples).await {
                Ok(sent) => {
                    made += n as u64;
                    totals.accepted += n as u64;
                    totals.batches += 1;
                    totals.retries += u64::from(sent.retries);
                    let last = sent.records.last().map(|r| r.seq).unwrap_or_default();
                    totals.last = Some((publisher.stream.clone(), last));
                    if totals.batches % sample_every.max(1) == 1 || sample_every <= 1 {
                        let _ = probes.send(Probe {
                            stream: publisher.stream.clone(),
                            seq: last,
                            submitted: sent.submitted_at,
                            height,
                        });
                    }
                }
                Err(e) => {
                    totals.rejected += 1;
                    tracing::warn!(stream = %publisher.stream, "batch refused: {e}");
                    if let twinshare_stream::Error::Rejected {
                        expected_seq: Some(s),
                        ..
                    } = e
                    {
                        publisher.next_seq = s;
                    }
                    // Skip what this batch held, as a real sensor drops unsendable samples.
                    made += n as u64;
                }
            }
        }
        if elapsed >= duration && made >= (duration.as_secs_f64() * rate as f64) as u64 {
            return totals;
        }
    }
}

/// Polls one probe until its proof is served; what it measured.
async fn poll_probe(
    client: AnchorClient,
    owner: String,
    probe: Probe,
    limit: Duration,
) -> Option<Sample> {
    // Not servable before the claim batch was sent.
    let mut pending_since = probe.submitted;
    loop {
        let asked = Instant::now();
        if let Ok(ProofStatus::Anchored(p)) = client.proof(&owner, &probe.stream, probe.seq).await {
            let answered = Instant::now();
            let midpoint = pending_since + (answered - pending_since) / 2;
            return Some(Sample {
                latency_ms: ms(midpoint - probe.submitted),
                blocks: p.height.saturating_sub(probe.height),
                proof: p,
            });
        }
        pending_since = asked;
        if probe.submitted.elapsed() > limit {
            return None;
        }
        tokio::time::sleep(PROOF_POLL).await;
    }
}

fn find_daemon(pid: Option<u32>) -> Option<(u32, String)> {
    if let Some(pid) = pid {
        return Some((pid, "--daemon-pid".into()));
    }
    let mut found: Vec<(u64, u32)> = Vec::new();
    for entry in std::fs::read_dir("/proc").ok()?.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|s| s.parse::<u32>().ok())
        else {
            continue;
        };
        let comm = std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
        if comm.trim() == "twinshare-relay" || comm.trim() == "twinshare-relayer" {
            let start = read_stat(pid).map(|s| s.2).unwrap_or_default();
            found.push((start, pid));
        }
    }
    found.sort();
    let n = found.len();
    found.last().map(|&(_, pid)| {
        (
            pid,
            format!("newest of {n} process(es) named twinshare-relayer"),
        )
    })
}

/// utime + stime (clock ticks), RSS kB, start time of `pid`.
fn read_stat(pid: u32) -> Option<(u64, u64, u64)> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name in parentheses (which may hold spaces).
    let rest = &stat[stat.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    let utime: u64 = f.get(11)?.parse().ok()?;
    let stime: u64 = f.get(12)?.parse().ok()?;
    let start: u64 = f.get(19)?.parse().ok()?;
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let rss = status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    Some((utime + stime, rss, start))
}

fn peak_rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

/// Bytes of a tx as stored in its block.
async fn tx_bytes(chain: &Chain, hash: &str) -> Option<usize> {
    use twinshare_client::cosmrs::tendermint::{hash::Algorithm, Hash};
    let h = Hash::from_hex_upper(Algorithm::Sha256, &hash.to_uppercase()).ok()?;
    let res = chain.client.rpc().tx(h, false).await.ok()?;
    Some(res.tx.len())
}

#[allow(clippy::too_many_arguments)]
async fn load(
    chain: &Chain,
    client: &AnchorClient,
    accounts: &Accounts,
    args: &BenchAnchorArgs,
    rate: u64,
    tag: &str,
    step: usize,
    block_ms: f64,
    daemon: Option<&(u32, String)>,
) -> Result<LoadRun> {
    let owner = accounts.owner.address().to_string();
    let duration = Duration::from_secs(args.duration);
    let (probe_tx, mut probe_rx) = tokio::sync::mpsc::unbounded_channel::<Probe>();
    // The chain's height, polled while the load runs: each sample's count of blocks.
    let height0 = chain.client.height().await?;
    let tip = Arc::new(AtomicU64::new(height0));
    let watcher = {
        let (client, tip) = (chain.client.clone(), tip.clone());
        tokio::spawn(async move {
            loop {
                if let Ok(h) = client.height().await {
                    tip.fetch_max(h, Ordering::Relaxed);
                }
                tokio::time::sleep(TIP_POLL).await;
            }
        })
    };
    let mut sensors = tokio::task::JoinSet::new();
    for (i, key) in accounts.keys.iter().enumerate() {
        let stream = format!("bench-{tag}/r{step}/s{i}");
        let publisher =
            Publisher::start(client.clone(), key.clone(), &owner, &stream, None).await?;
        sensors.spawn(run_sensor(
            publisher,
            rate,
            duration,
            Duration::from_millis(args.batch_ms),
            args.record_size as usize,
            Sampling {
                every: args.sample_every,
                probes: probe_tx.clone(),
                tip: tip.clone(),
            },
        ));
    }
    drop(probe_tx);
    let cpu0 = daemon.and_then(|d| read_stat(d.0));
    let started = Instant::now();
    // Probes are polled while the load runs.
    let pollers = Arc::new(tokio::sync::Semaphore::new(POLLERS));
    let limit = Duration::from_secs(30);
    let poll_owner = owner.clone();
    let poll_client = client.clone();
    let collector = tokio::spawn(async move {
        let mut polls = tokio::task::JoinSet::new();
        while let Some(p) = probe_rx.recv().await {
            let Ok(permit) = pollers.clone().acquire_owned().await else {
                break;
            };
            let (c, o) = (poll_client.clone(), poll_owner.clone());
            polls.spawn(async move {
                let r = poll_probe(c, o, p, limit).await;
                drop(permit);
                r
            });
        }
        let mut out = Vec::new();
        while let Some(r) = polls.join_next().await {
            out.push(r.ok().flatten());
        }
        out
    });
    let mut totals = SensorTotals::default();
    let mut lasts = Vec::new();
    while let Some(t) = sensors.join_next().await {
        let t = t.map_err(|e| Error::Unexpected(format!("sensor task: {e}")))?;
        totals.accepted += t.accepted;
        totals.batches += t.batches;
        totals.rejected += t.rejected;
        totals.retries += t.retries;
        lasts.extend(t.last);
    }
    let sent_s = started.elapsed().as_secs_f64();
    // The chain's own pace while loaded (the node shares the machine with the load).
    let loaded_block_ms = match tip.load(Ordering::Relaxed) {
        h if h > height0 => round_to(sent_s * 1000.0 / (h - height0) as f64, 1),
        _ => 0.0,
    };
    // Every sensor's last record provable: the whole load is anchored.
    for (stream, seq) in &lasts {
        let _ = client
            .wait_proof(&owner, stream, *seq, Duration::from_secs(60), PROOF_POLL)
            .await;
    }
    let anchored_s = started.elapsed().as_secs_f64();
    let cpu1 = daemon.and_then(|d| read_stat(d.0));
    let probes = collector
        .await
        .map_err(|e| Error::Unexpected(format!("probe task: {e}")))?;
    watcher.abort();
    let latencies: Vec<f64> = probes.iter().flatten().map(|s| s.latency_ms).collect();
    let blocks: Vec<f64> = probes.iter().flatten().map(|s| s.blocks as f64).collect();
    let within_2 = blocks.iter().filter(|b| **b <= 2.0).count();
    let never = probes.iter().filter(|p| p.is_none()).count();
    let proofs: Vec<&twinshare_stream::api::RecordProof> =
        probes.iter().flatten().map(|s| s.proof.as_ref()).collect();
    // The median served proof (batches grow with the load, and so do audit paths).
    let mut sizes: Vec<(usize, usize)> = proofs
        .iter()
        .map(|p| {
            (
                serde_json::to_vec(p).map(|v| v.len()).unwrap_or_default(),
                p.proof.siblings.len(),
            )
        })
        .collect();
    sizes.sort_unstable();
    let (proof_bytes, proof_siblings) = sizes.get(sizes.len() / 2).copied().unwrap_or_default();
    // Chain bytes per record, over the distinct AnchorBatch txs the samples saw (at most 40).
    let mut txs: Vec<(String, u64)> = proofs
        .iter()
        .map(|p| (p.tx_hash.clone(), p.proof.leaf_count))
        .collect();
    txs.sort();
    txs.dedup();
    let (mut bytes, mut leaves, mut seen) = (0usize, 0u64, 0usize);
    for (hash, count) in txs.iter().take(40) {
        if let Some(b) = tx_bytes(chain, hash).await {
            bytes += b;
            leaves += count;
            seen += 1;
        }
    }
    let daemon_usage = match (daemon, cpu0, cpu1) {
        (Some((pid, how)), Some(a), Some(b)) => Some(DaemonUsage {
            pid: *pid,
            found_by: how.clone(),
            // Linux clock ticks are 100 per second on every common configuration.
            cpu_percent: round_to((b.0 - a.0) as f64 / 100.0 / anchored_s * 100.0, 1),
            rss_mib_end: round_to(b.1 as f64 / 1024.0, 1),
            rss_mib_peak: round_to(peak_rss_kib(*pid) as f64 / 1024.0, 1),
        }),
        _ => None,
    };
    let p99 = percentile(&latencies, 0.99);
    Ok(LoadRun {
        sensors: accounts.keys.len(),
        rate_per_sensor: rate,
        offered_records_per_s: (accounts.keys.len() as u64 * rate) as f64,
        duration_s: round_to(sent_s, 2),
        records_accepted: totals.accepted,
        batches: totals.batches,
        rejected_batches: totals.rejected,
        saturated_retries: totals.retries,
        anchored_records_per_s: round_to(totals.accepted as f64 / anchored_s, 1),
        latency_samples: latencies.len(),
        latency_p50_ms: percentile(&latencies, 0.50),
        latency_p95_ms: percentile(&latencies, 0.95),
        latency_p99_ms: p99,
        latency_max_ms: percentile(&latencies, 1.0),
        blocks_p50: percentile(&blocks, 0.50),
        blocks_p99: percentile(&blocks, 0.99),
        within_2_blocks_percent: if blocks.is_empty() {
            0.0
        } else {
            round_to(within_2 as f64 * 100.0 / blocks.len() as f64, 2)
        },
        never_provable: never,
        proof_bytes,
        proof_siblings,
        anchor_txs_seen: seen,
        chain_bytes_per_record: if leaves > 0 {
            round_to(bytes as f64 / leaves as f64, 3)
        } else {
            0.0
        },
        daemon: daemon_usage,
        loaded_block_interval_ms: loaded_block_ms,
        sustained: never == 0 && totals.rejected == 0 && p99 <= 2.0 * block_ms,
    })
}

async fn baseline(
    chain: &Chain,
    accounts: &Accounts,
    provider: &str,
    args: &BenchAnchorArgs,
) -> Result<Baseline> {
    let duration = Duration::from_secs(args.baseline_duration);
    let started = Instant::now();
    let mut set = tokio::task::JoinSet::new();
    for sender in &accounts.senders {
        let (chain, sender) = (chain.clone(), sender.clone());
        let spec = upload::RecordSpec {
            channel: accounts.channel.clone(),
            provider: provider.to_string(),
            level: Level::Low,
            stream: None,
        };
        let size = u64::from(args.record_size);
        set.spawn(async move {
            let (mut ok, mut failed, mut hashes) = (0u64, 0u64, Vec::new());
            while started.elapsed() < duration {
                let mut root = [0u8; 32];
                if getrandom::getrandom(&mut root).is_err() {
                    break;
                }
                let report = UploadReport {
                    input: "bench".into(),
                    asset_id: "bench".into(),
                    manifest: format!("bench/{}", hex::encode(&root[..8])),
                    root: hex::encode(root),
                    size,
                    fragments: 0,
                    fragments_stored: 0,
                    fragments_skipped: 0,
                    resumed: false,
                    plaintext_hashes: vec![],
                };
                match upload::register_record(&chain, &sender, &report, &spec).await {
                    Ok((_, tx)) => {
                        ok += 1;
                        if hashes.len() < 5 {
                            hashes.push(tx.hash);
                        }
                    }
                    Err(e) => {
                        failed += 1;
                        tracing::warn!("baseline register: {e}");
                    }
                }
            }
            (ok, failed, hashes)
        });
    }
    let (mut records, mut failed, mut hashes) = (0, 0, Vec::new());
    while let Some(r) = set.join_next().await {
        let (ok, f, h) = r.map_err(|e| Error::Unexpected(format!("baseline task: {e}")))?;
        records += ok;
        failed += f;
        hashes.extend(h);
    }
    let elapsed = started.elapsed().as_secs_f64();
    let mut bytes = Vec::new();
    for h in hashes.iter().take(10) {
        if let Some(b) = tx_bytes(chain, h).await {
            bytes.push(b as f64);
        }
    }
    Ok(Baseline {
        senders: accounts.senders.len(),
        duration_s: round_to(elapsed, 2),
        records,
        failed,
        records_per_s: round_to(records as f64 / elapsed, 2),
        tx_bytes_per_record: if bytes.is_empty() {
            0.0
        } else {
            round_to(bytes.iter().sum::<f64>() / bytes.len() as f64, 1)
        },
    })
}

/// Runs the whole bench.
pub async fn run(
    console: Console,
    chain: &Chain,
    funder: Actor,
    provider: &str,
    client: AnchorClient,
    args: &BenchAnchorArgs,
) -> Result<AnchorBench> {
    let t = Instant::now();
    let mut tag_bytes = [0u8; 4];
    getrandom::getrandom(&mut tag_bytes)
        .map_err(|e| Error::Unexpected(format!("OS random number generator: {e}")))?;
    let tag = hex::encode(tag_bytes);
    let block_ms = block_interval_ms(chain).await?;
    let accounts = setup(chain, &funder, provider, args, &tag).await?;
    let setup_s = round_to(t.elapsed().as_secs_f64(), 2);
    let daemon = find_daemon(args.daemon_pid);
    console.line(format!(
        "setup {setup_s:.1} s: owner {}, {} sensor(s) registered, {} baseline sender(s); block interval {block_ms:.0} ms; daemon pid {}",
        accounts.owner.address(),
        accounts.keys.len(),
        accounts.senders.len(),
        daemon.as_ref().map_or("not found".into(), |d| format!("{} ({})", d.0, d.1))
    ));
    let mut runs = Vec::new();
    let mut rate = args.rate;
    let mut max_sustained = None;
    for step in 0.. {
        let r = load(
            chain,
            &client,
            &accounts,
            args,
            rate,
            &tag,
            step,
            block_ms,
            daemon.as_ref(),
        )
        .await?;
        console.line(run_line(&r));
        let sustained = r.sustained;
        if sustained {
            max_sustained = Some(r.anchored_records_per_s.min(r.offered_records_per_s));
        }
        runs.push(r);
        if !args.find_max || !sustained || step >= 7 {
            break;
        }
        rate = (rate as f64 * 1.5).ceil() as u64;
    }
    let baseline = if accounts.senders.is_empty() {
        None
    } else {
        let b = baseline(chain, &accounts, provider, args).await?;
        console.line(format!(
            "baseline: {} sender(s), one Register tx per record: {} records in {:.1} s = {:.2} records/s ({} failed), {:.0} tx bytes per record",
            b.senders, b.records, b.duration_s, b.records_per_s, b.failed, b.tx_bytes_per_record
        ));
        Some(b)
    };
    let ratio = match (runs.first(), &baseline) {
        (Some(r), Some(b)) if b.records_per_s > 0.0 => {
            Some(round_to(r.anchored_records_per_s / b.records_per_s, 1))
        }
        _ => None,
    };
    Ok(AnchorBench {
        chain_id: chain.network.chain_id.clone(),
        daemon_url: client.base().to_string(),
        owner: accounts.owner.address().to_string(),
        block_interval_ms: block_ms,
        record_size: args.record_size,
        batch_ms: args.batch_ms,
        latency_poll_ms: PROOF_POLL.as_millis() as u64,
        runs,
        max_sustained_records_per_s: if args.find_max { max_sustained } else { None },
        baseline,
        ratio_to_baseline: ratio,
        setup_s,
    })
}

fn run_line(r: &LoadRun) -> String {
    let daemon = r
        .daemon
        .as_ref()
        .map_or("daemon: not measured".into(), |d| {
            format!(
                "daemon CPU {:.0}% RSS {:.0} MiB (peak {:.0})",
                d.cpu_percent, d.rss_mib_end, d.rss_mib_peak
            )
        });
    format!(
        "{} sensors x {} records/s for {:.0} s: {} records accepted in {} batches ({} rejected, {} saturated retries), {:.0} records/s anchored; provable after p50 {:.0} ms, p95 {:.0} ms, p99 {:.0} ms ({} samples, {} never); anchored in block +{:.0} (p50) / +{:.0} (p99) after the send, {:.1}% within 2 blocks (blocks every {:.0} ms under load); proof {} bytes ({} siblings); {:.2} chain bytes/record over {} AnchorBatch tx(s); {daemon}",
        r.sensors,
        r.rate_per_sensor,
        r.duration_s,
        r.records_accepted,
        r.batches,
        r.rejected_batches,
        r.saturated_retries,
        r.anchored_records_per_s,
        r.latency_p50_ms,
        r.latency_p95_ms,
        r.latency_p99_ms,
        r.latency_samples,
        r.never_provable,
        r.blocks_p50,
        r.blocks_p99,
        r.within_2_blocks_percent,
        r.loaded_block_interval_ms,
        r.proof_bytes,
        r.proof_siblings,
        r.chain_bytes_per_record,
        r.anchor_txs_seen
    )
}

fn render(b: &AnchorBench) -> String {
    let mut out = format!(
        "anchoring bench on {} (daemon {}, block interval {:.0} ms, {}-byte records, batches every {} ms, proofs polled every {} ms)",
        b.chain_id, b.daemon_url, b.block_interval_ms, b.record_size, b.batch_ms, b.latency_poll_ms
    );
    for r in &b.runs {
        out.push_str(&format!("\n  {}", run_line(r)));
    }
    if let Some(m) = b.max_sustained_records_per_s {
        out.push_str(&format!(
            "\n  largest sustained rate (p99 within 2 block intervals = {:.0} ms): {m:.0} records/s",
            2.0 * b.block_interval_ms
        ));
    }
    if let Some(base) = &b.baseline {
        out.push_str(&format!(
            "\n  baseline, one Register tx per record ({} senders): {:.2} records/s, {:.0} tx bytes per record",
            base.senders, base.records_per_s, base.tx_bytes_per_record
        ));
    }
    if let Some(r) = b.ratio_to_baseline {
        out.push_str(&format!("\n  ratio anchored / baseline: {r:.1}x"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_process_stat_reads() {
        let pid = std::process::id();
        let (ticks, rss, start) = read_stat(pid).expect("own /proc stat");
        assert!(rss > 0);
        assert!(start > 0);
        let _ = ticks;
        assert!(peak_rss_kib(pid) >= rss / 2);
        assert_eq!(find_daemon(Some(7)).map(|d| d.0), Some(7));
    }
}
