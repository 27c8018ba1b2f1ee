//! `twinshare bench share`: the paper's Fig. 8 (Section 6.1) on this chain.
//!
//! Per record, the six steps of Section 6.1: robot A (1) hashes, encrypts and uploads a sensor
//! file and (2) registers its root in the sensor's stream (a tx, to inclusion); robot B (3-4)
//! asks the chain for the stream's latest record (`LatestInStream`) and (5-6) downloads the file
//! by the record's locator, decrypts it and verifies it against the root on chain. Latency is
//! the time from the start of step 1 to the end of step 6, for 1..N sensors sharing at once,
//! each sensor publishing its records back to back.
//!
//! Robot B downloads owner-side (it opens the envelope with the sensor's own key): the paper's
//! evaluation system is likewise simplified to a plain download from cloud storage, without a
//! sale or re-encryption (those are timed by `twinshare demo`).
//!
//! Every sensor is its own fresh account (a new mnemonic, kept in memory only), funded with the
//! fee denom and the lease's price in one batched tx from a dev account, which also creates the
//! run's channel; each sensor buys one lease covering all its records. The floor is measured in
//! the same run with the same client: a bank send from signing to inclusion, plus one storage
//! put and get of a sensor file's size; every latency is also given as a multiple of it.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use serde::Serialize;
use twinshare_client::{ChainClient, Coin, Msg};
use twinshare_types::registry::{ExecuteMsg as RegistryMsg, Level, QueryMsg as RegistryQuery};
use twinshare_types::CheckedDenom;
use twinshare_uploader::{
    AssetId, DownloadOptions, Downloader, NoProgress, Opener, Operator, DEFAULT_FRAGMENT_SIZE,
};

use super::report;
use super::stats::{round_to, Spread};
use crate::chain::{Actor, Chain, TxInfo};
use crate::cli::BenchShareArgs;
use crate::commands::{lease, upload};
use crate::config::Network;
use crate::context::Context;
use crate::error::{Error, Result};
use crate::identity::{generate_mnemonic, Identity};
use crate::output::{Console, Outcome};
use crate::units::human_bytes;

/// Most sensors one run may start.
pub const MAX_SENSORS: usize = 64;

/// Sensor counts to run: `1-10`, `4`, or `1,2,5,10` (sorted, without repeats).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SensorCounts(pub Vec<usize>);

impl SensorCounts {
    pub fn max(&self) -> usize {
        self.0.iter().copied().max().unwrap_or(0)
    }
}

/// Parses `--sensors`.
pub fn parse_sensor_counts(text: &str) -> std::result::Result<SensorCounts, String> {
    let bad = || format!("{text:?} is not a sensor count, a range or a list (e.g. 1-10, 4, 1,2,5)");
    let mut counts = Vec::new();
    for part in text.split(',').map(str::trim) {
        let (lo, hi) = match part.split_once('-') {
            Some((a, b)) => (a.trim(), b.trim()),
            None => (part, part),
        };
        let lo: usize = lo.parse().map_err(|_| bad())?;
        let hi: usize = hi.parse().map_err(|_| bad())?;
        if lo == 0 || hi < lo || hi > MAX_SENSORS {
            return Err(format!(
                "{text:?}: sensor counts go from 1 to {MAX_SENSORS}, ranges upwards"
            ));
        }
        counts.extend(lo..=hi);
    }
    counts.sort_unstable();
    counts.dedup();
    Ok(SensorCounts(counts))
}

/// One record of one sensor: steps 1-6.
#[derive(Clone, Debug, Serialize)]
pub struct Sample {
    /// Sensors sharing at once in this round.
    pub sensors: usize,
    /// This sensor (1-based).
    pub sensor: usize,
    /// The record's place in this sensor's round (1-based).
    pub record: usize,
    pub record_id: u64,
    pub height: u64,
    /// Plaintext bytes of the sensor file.
    pub bytes: u64,
    /// Step 1: hash, encrypt and store.
    pub upload_ms: f64,
    /// Step 2: `Register` in the stream, from signing to inclusion.
    pub register_ms: f64,
    /// Steps 3-4: `LatestInStream` answers with this record.
    pub query_ms: f64,
    /// Steps 5-6: fetch, decrypt, verify against the root on chain.
    pub download_ms: f64,
    /// Steps 1-6.
    pub total_ms: f64,
    pub gas_used: u64,
}

/// The figures of one sensor count.
#[derive(Clone, Debug, Serialize)]
pub struct Round {
    pub sensors: usize,
    pub samples: usize,
    /// Steps 1-6.
    pub total: Spread,
    pub upload: Spread,
    pub register: Spread,
    pub query: Spread,
    pub download: Spread,
    /// Wall time of the round.
    pub wall_s: f64,
    /// Records shared per second over the round.
    pub records_per_s: f64,
}

/// The floor: what any shared record costs at least on this chain and storage.
#[derive(Clone, Debug, Serialize)]
pub struct Floor {
    /// A bank send of the fee denom, from signing (simulation included) to inclusion.
    pub bank_send_ms: Vec<f64>,
    pub bank_send_p50_ms: f64,
    /// One storage put and get of a sensor file's size.
    pub storage_put_get_ms: Vec<f64>,
    pub storage_put_get_p50_ms: f64,
    /// The sum of both medians.
    pub floor_ms: f64,
}

/// How the run was set up.
#[derive(Clone, Debug, Serialize)]
pub struct Setup {
    pub funder: String,
    pub channel: String,
    pub sensors: Vec<String>,
    /// Funding of every sensor and the channel, one tx.
    pub funding_tx: TxInfo,
    pub leases: Vec<TxInfo>,
    pub setup_s: f64,
}

/// What `bench share --output json` prints.
#[derive(Clone, Debug, Serialize)]
pub struct ShareBench {
    pub chain_id: String,
    pub storage: String,
    pub provider: String,
    /// Bytes of each generated sensor file (CSV).
    pub file_bytes: u64,
    pub records_per_sensor: usize,
    pub sensor_counts: Vec<usize>,
    /// How robot B gets the data.
    pub download: &'static str,
    /// How often a broadcast tx is looked up.
    pub poll_ms: u64,
    pub floor: Floor,
    pub rounds: Vec<Round>,
    pub setup: Setup,
    pub samples_csv: String,
    pub summary_csv: String,
    pub svg: String,
    pub total_s: f64,
}

/// The knobs of a run.
#[derive(Clone, Debug)]
pub struct ShareOptions {
    pub counts: SensorCounts,
    pub records: usize,
    pub file_bytes: u64,
    pub floor_samples: usize,
    pub poll: Duration,
    pub fee: u128,
    pub out_dir: PathBuf,
    pub lease_secs: u64,
}

const DOWNLOAD_MODE: &str =
    "owner-side: robot B opens the envelope with the sensor's key (no sale, no re-encryption), \
     as the paper's evaluation downloads the file from cloud storage";

/// Milliseconds, to the microsecond.
fn ms(d: Duration) -> f64 {
    (d.as_secs_f64() * 1e6).round() / 1000.0
}

fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or_default()
}

fn random_u64() -> Result<u64> {
    let mut b = [0u8; 8];
    getrandom::getrandom(&mut b)
        .map_err(|e| Error::Unexpected(format!("OS random number generator: {e}")))?;
    Ok(u64::from_le_bytes(b))
}

/// Where the sensors and robot B work.
#[derive(Clone)]
struct Bench {
    chain: Chain,
    op: Operator,
    storage_label: String,
    provider: String,
    channel: String,
    work_dir: PathBuf,
    file_bytes: u64,
    fee: u128,
}

/// `bench share`.
pub async fn command(ctx: &Context, args: &BenchShareArgs) -> Result<Outcome> {
    if args.records == 0 {
        return Err(Error::Usage("--records must be at least 1".into()));
    }
    if args.file_size == 0 {
        return Err(Error::Usage("--file-size must be at least 1 byte".into()));
    }
    let (network, _) = ctx.network()?;
    let (storage, op) = ctx.operator()?;
    let funder = funder_identity(ctx, &args.funder, &network.bech32_prefix)?;
    let options = ShareOptions {
        counts: args.sensors.clone(),
        records: args.records,
        file_bytes: args.file_size,
        floor_samples: args.floor_samples.max(1),
        poll: Duration::from_millis(args.poll_ms.max(1)),
        fee: args.fee,
        out_dir: args.out_dir.clone(),
        lease_secs: args.lease_duration,
    };
    let chain = connect(network, options.poll).await?;
    let provider = ctx.provider(&chain, args.provider.as_deref())?;
    let bench = run(
        &chain,
        Actor::new(&chain, funder),
        &provider,
        (&op, &storage.describe()),
        &options,
        ctx.console,
    )
    .await?;
    let text = render(&bench);
    Outcome::new(&bench, text)
}

/// The client, looking for txs every `poll`.
pub(crate) async fn connect(network: Network, poll: Duration) -> Result<Chain> {
    let config = network.chain_config()?.with_poll_interval(poll);
    let client = ChainClient::connect(config).await?;
    Ok(Chain { client, network })
}

/// The funder: a key of the keystore, else a built-in dev account (DEV ONLY).
pub(crate) fn funder_identity(ctx: &Context, name: &str, prefix: &str) -> Result<Identity> {
    if crate::keystore::check_name(name).is_ok() && ctx.keystore.exists(name) {
        return ctx.identity(name, prefix);
    }
    match crate::dev_accounts::builtin_account(name) {
        Ok(account) => Identity::from_mnemonic(name, &account.mnemonic, prefix),
        Err(_) => Err(Error::Usage(format!(
            "--funder {name:?} is neither a key of your keystore (`twinshare keys list`) nor a \
             localnet dev account (alice, bob, admin, ...)"
        ))),
    }
}

/// Runs the whole bench.
pub async fn run(
    chain: &Chain,
    funder: Actor,
    provider: &str,
    (op, storage_label): (&Operator, &str),
    options: &ShareOptions,
    console: Console,
) -> Result<ShareBench> {
    let started = Instant::now();
    let counts = &options.counts.0;
    let max = options.counts.max();
    if max == 0 {
        return Err(Error::Usage("--sensors names no sensor count".into()));
    }
    match chain.provider(provider).await? {
        Some(p) if p.active => {}
        _ => {
            return Err(Error::State(format!(
                "{provider} lists no active storage: run `twinshare demo` once, or list it with \
                 `twinshare --from provider provider register --price 0.0000003 --relayer relayer`"
            )))
        }
    }
    std::fs::create_dir_all(&options.out_dir)
        .map_err(|e| Error::io(format!("cannot create {}", options.out_dir.display()), e))?;
    let tag = format!("{:x}", random_u64()? & 0xff_ffff_ffff);
    let work_dir = std::env::temp_dir().join(format!("twinshare-bench-{tag}"));
    std::fs::create_dir_all(&work_dir)
        .map_err(|e| Error::io(format!("cannot create {}", work_dir.display()), e))?;
    console.line(format!(
        "Fig. 8 (Section 6.1) on {}: {} record(s) of {} per sensor for {:?} sensor(s) at once; storage {storage_label}",
        chain.network.chain_id,
        options.records,
        human_bytes(options.file_bytes),
        counts
    ));

    // Setup: fresh sensors funded in one tx that also creates the channel, then their leases.
    let t = Instant::now();
    let sensors = (1..=max)
        .map(|i| {
            let words = generate_mnemonic(24)?;
            let id = Identity::from_mnemonic(&format!("sensor-{i}"), &words, chain.prefix())?;
            Ok(Actor::new(chain, id))
        })
        .collect::<Result<Vec<_>>>()?;
    let channel = format!("bench-{tag}");
    let fragments = (options.file_bytes + 256).div_ceil(DEFAULT_FRAGMENT_SIZE as u64);
    let stored_per_record = options.file_bytes + 256 + fragments * upload::SEAL_OVERHEAD;
    let fee_per_tx = chain.client.config().gas_price.fee(500_000);
    let mut msgs = vec![];
    let mut plan = vec![];
    for (i, sensor) in sensors.iter().enumerate() {
        let records = options.records * counts.iter().filter(|&&k| k > i).count();
        let bytes = records as u64 * stored_per_record;
        let quote = lease::quote(chain, provider, bytes, options.lease_secs).await?;
        let mut native = fee_per_tx.amount * (records as u128 + 2) + options.fee * records as u128;
        match &quote.denom {
            CheckedDenom::Cw20(token) => msgs.push(Msg::cw20_transfer(
                token.as_str(),
                sensor.address(),
                quote.amount.u128(),
            )?),
            CheckedDenom::Native(denom) if *denom == fee_per_tx.denom => {
                native += quote.amount.u128();
            }
            CheckedDenom::Native(denom) => msgs.push(Msg::bank_send(
                sensor.address(),
                vec![Coin::new(quote.amount.u128(), denom.clone())],
            )),
        }
        msgs.push(Msg::bank_send(
            sensor.address(),
            vec![Coin::new(native, fee_per_tx.denom.clone())],
        ));
        plan.push(bytes);
    }
    msgs.push(Msg::execute(
        &chain.network.contracts.data_registry,
        &RegistryMsg::CreateChannel {
            id: channel.clone(),
            members: sensors.iter().map(|s| s.address().to_string()).collect(),
        },
        vec![],
    )?);
    let sent = Instant::now();
    let tx = funder.signer.send(msgs).await?;
    let funding_tx = TxInfo {
        step: "fund_sensors_and_create_channel".into(),
        signer: funder.name.clone(),
        hash: tx.hash.clone(),
        height: tx.height,
        gas_used: tx.gas_used,
        gas_wanted: tx.gas_wanted,
        fee: chain
            .client
            .config()
            .gas_price
            .fee(tx.gas_wanted)
            .to_string(),
        latency_ms: sent.elapsed().as_millis() as u64,
    };
    let leases = futures::future::join_all(
        sensors
            .iter()
            .zip(&plan)
            .map(|(s, &bytes)| lease::buy_lease(chain, s, provider, bytes, options.lease_secs)),
    )
    .await
    .into_iter()
    .map(|r| r.map(|b| b.tx))
    .collect::<Result<Vec<_>>>()?;
    let setup = Setup {
        funder: format!("{} ({})", funder.name, funder.address()),
        channel: channel.clone(),
        sensors: sensors.iter().map(|s| s.address().to_string()).collect(),
        funding_tx,
        leases,
        setup_s: round_to(t.elapsed().as_secs_f64(), 3),
    };
    console.line(format!(
        "setup: {max} fresh sensor account(s) funded and channel {channel} created in one tx ({}), {max} lease(s) bought, {:.1} s",
        setup.funding_tx.hash, setup.setup_s
    ));

    let bench = Bench {
        chain: chain.clone(),
        op: op.clone(),
        storage_label: storage_label.to_string(),
        provider: provider.to_string(),
        channel,
        work_dir: work_dir.clone(),
        file_bytes: options.file_bytes,
        fee: options.fee,
    };

    // The floor, with the same client and storage.
    let floor = measure_floor(&bench, &funder, &sensors[0], options.floor_samples, &tag).await?;
    console.line(format!(
        "floor: bank send to inclusion p50 {:.0} ms + storage put+get of {} p50 {:.1} ms = {:.0} ms",
        floor.bank_send_p50_ms,
        human_bytes(options.file_bytes),
        floor.storage_put_get_p50_ms,
        floor.floor_ms
    ));

    // The rounds.
    let mut samples = Vec::new();
    let mut rounds = Vec::new();
    for &k in counts {
        let t = Instant::now();
        let mut set = tokio::task::JoinSet::new();
        for (i, sensor) in sensors.iter().take(k).enumerate() {
            let bench = bench.clone();
            let sensor = sensor.clone();
            let stream = format!("bench-{tag}-s{}", i + 1);
            let records = options.records;
            set.spawn(async move { run_sensor(bench, sensor, stream, k, i + 1, records).await });
        }
        let mut got = Vec::new();
        while let Some(joined) = set.join_next().await {
            let sensor_samples =
                joined.map_err(|e| Error::Unexpected(format!("sensor task: {e}")))??;
            got.extend(sensor_samples);
        }
        let wall = t.elapsed().as_secs_f64();
        let round = summarize(k, &got, floor.floor_ms, wall);
        console.line(format!(
            "{k:>2} sensor(s): p50 {:.0} ms ({:.2}x floor), p95 {:.0} ms ({:.2}x); steps p50: upload {:.0}, register {:.0}, query {:.0}, download {:.0} ms; {:.1} records/s",
            round.total.p50_ms,
            round.total.p50_x_floor,
            round.total.p95_ms,
            round.total.p95_x_floor,
            round.upload.p50_ms,
            round.register.p50_ms,
            round.query.p50_ms,
            round.download.p50_ms,
            round.records_per_s
        ));
        samples.extend(got);
        rounds.push(round);
    }
    let _ = std::fs::remove_dir_all(&work_dir);

    let samples_csv = options.out_dir.join("share-samples.csv");
    let summary_csv = options.out_dir.join("share-summary.csv");
    let svg = options.out_dir.join("fig8-share-latency.svg");
    report::write_samples(&samples_csv, &samples)?;
    report::write_summary(&summary_csv, &rounds, &floor)?;
    report::draw_latency(
        &svg,
        &rounds,
        &floor,
        &format!(
            "Fig. 8: sharing a sensor's latest {} file (steps 1-6), {} records per sensor",
            human_bytes(options.file_bytes),
            options.records
        ),
    )?;
    Ok(ShareBench {
        chain_id: chain.network.chain_id.clone(),
        storage: storage_label.to_string(),
        provider: provider.to_string(),
        file_bytes: options.file_bytes,
        records_per_sensor: options.records,
        sensor_counts: counts.clone(),
        download: DOWNLOAD_MODE,
        poll_ms: options.poll.as_millis() as u64,
        floor,
        rounds,
        setup,
        samples_csv: samples_csv.display().to_string(),
        summary_csv: summary_csv.display().to_string(),
        svg: svg.display().to_string(),
        total_s: round_to(started.elapsed().as_secs_f64(), 3),
    })
}

/// A bank send to inclusion and a storage put+get, `n` times each.
async fn measure_floor(
    bench: &Bench,
    funder: &Actor,
    to: &Actor,
    n: usize,
    tag: &str,
) -> Result<Floor> {
    let denom = bench.chain.client.config().gas_price.denom().to_string();
    let mut bank = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        funder
            .signer
            .bank_send(to.address(), vec![Coin::new(1, denom.clone())])
            .await?;
        bank.push(ms(t.elapsed()));
    }
    let mut storage = Vec::with_capacity(n);
    let size = usize::try_from(bench.file_bytes)
        .map_err(|_| Error::Usage("--file-size is too large".into()))?;
    for i in 0..n {
        let mut bytes = vec![0u8; size];
        getrandom::getrandom(&mut bytes)
            .map_err(|e| Error::Unexpected(format!("OS random number generator: {e}")))?;
        let path = format!("bench/{tag}/floor-{i}.bin");
        let t = Instant::now();
        twinshare_uploader::storage::write(&bench.op, &path, bytes.clone()).await?;
        let back = twinshare_uploader::storage::read_optional(&bench.op, &path).await?;
        storage.push(ms(t.elapsed()));
        if back.as_deref() != Some(bytes.as_slice()) {
            return Err(Error::Verification(format!(
                "storage gave back other bytes than were put at {path}"
            )));
        }
        twinshare_uploader::storage::delete(&bench.op, &path).await?;
    }
    let bank_p50 = super::stats::percentile(&bank, 0.5);
    let storage_p50 = super::stats::percentile(&storage, 0.5);
    Ok(Floor {
        bank_send_ms: bank,
        bank_send_p50_ms: bank_p50,
        storage_put_get_ms: storage,
        storage_put_get_p50_ms: storage_p50,
        floor_ms: round_to(bank_p50 + storage_p50, 3),
    })
}

/// One sensor's records of a round, each through steps 1-6.
async fn run_sensor(
    bench: Bench,
    sensor: Actor,
    stream: String,
    sensors: usize,
    index: usize,
    records: usize,
) -> Result<Vec<Sample>> {
    let spec = upload::RecordSpec {
        channel: bench.channel.clone(),
        provider: bench.provider.clone(),
        level: Level::High {
            fee: bench.fee.into(),
        },
        stream: Some(stream.clone()),
    };
    let mut out = Vec::with_capacity(records);
    for record in 1..=records {
        let path = bench
            .work_dir
            .join(format!("k{sensors}-s{index}-r{record}.csv"));
        let info = crate::sample::write_vibration_csv(
            &path,
            bench.file_bytes,
            random_u64()?,
            1000,
            now_ms(),
        )?;
        let original = std::fs::read(&path)
            .map_err(|e| Error::io(format!("cannot read {}", path.display()), e))?;

        // Robot A. Step 1: hash, encrypt, upload.
        let t0 = Instant::now();
        let report = upload::upload_file(
            &bench.op,
            &bench.storage_label,
            &sensor.master,
            &path,
            DEFAULT_FRAGMENT_SIZE as u64,
            &NoProgress,
        )
        .await?;
        let t1 = Instant::now();
        // Step 2: register in the stream, to inclusion.
        let (record_id, tx) =
            upload::register_record(&bench.chain, &sensor, &report, &spec).await?;
        let t2 = Instant::now();
        // Robot B. Steps 3-4: the stream's latest record.
        let latest = latest_in_stream(&bench.chain, &stream, record_id).await?;
        let t3 = Instant::now();
        // Steps 5-6: fetch by the locator, decrypt, verify against the root on chain.
        let asset = AssetId::from_locator(&latest.locator)?;
        let root: [u8; 32] = latest.hash.as_slice().try_into().map_err(|_| {
            Error::Unexpected(format!(
                "record {record_id} has a {}-byte hash",
                latest.hash.len()
            ))
        })?;
        let downloader = Downloader::new(
            bench.op.clone(),
            DownloadOptions {
                expect_root: Some(root),
                ..DownloadOptions::default()
            },
        );
        let mut data = Vec::with_capacity(original.len());
        downloader
            .download_to_writer(
                &asset,
                Opener::Owner(sensor.master.clone()),
                &mut data,
                &NoProgress,
            )
            .await?;
        let t4 = Instant::now();
        if data != original {
            return Err(Error::Verification(format!(
                "robot B's copy of record {record_id} differs from sensor {index}'s file"
            )));
        }
        let _ = std::fs::remove_file(&path);
        out.push(Sample {
            sensors,
            sensor: index,
            record,
            record_id,
            height: tx.height,
            bytes: info.bytes,
            upload_ms: ms(t1 - t0),
            register_ms: ms(t2 - t1),
            query_ms: ms(t3 - t2),
            download_ms: ms(t4 - t3),
            total_ms: ms(t4 - t0),
            gas_used: tx.gas_used,
        });
    }
    Ok(out)
}

/// `LatestInStream`, until it names `record_id` (the state a query reads may trail the block
/// the tx was found in by a moment).
async fn latest_in_stream(
    chain: &Chain,
    stream: &str,
    record_id: u64,
) -> Result<twinshare_types::registry::Record> {
    let started = Instant::now();
    loop {
        let latest: twinshare_types::registry::Record = chain
            .registry(&RegistryQuery::LatestInStream {
                stream: stream.to_string(),
            })
            .await?;
        if latest.id >= record_id {
            return Ok(latest);
        }
        if started.elapsed() > Duration::from_secs(10) {
            return Err(Error::State(format!(
                "stream {stream}'s latest record is still {} 10 s after record {record_id} was included",
                latest.id
            )));
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

fn summarize(sensors: usize, samples: &[Sample], floor_ms: f64, wall_s: f64) -> Round {
    let of = |f: fn(&Sample) -> f64| {
        let v: Vec<f64> = samples.iter().map(f).collect();
        Spread::of(&v, floor_ms)
    };
    Round {
        sensors,
        samples: samples.len(),
        total: of(|s| s.total_ms),
        upload: of(|s| s.upload_ms),
        register: of(|s| s.register_ms),
        query: of(|s| s.query_ms),
        download: of(|s| s.download_ms),
        wall_s: round_to(wall_s, 3),
        records_per_s: if wall_s > 0.0 {
            round_to(samples.len() as f64 / wall_s, 3)
        } else {
            0.0
        },
    }
}

/// The text of `bench share`.
fn render(b: &ShareBench) -> String {
    let mut s = format!(
        "Fig. 8 (Section 6.1): latency of sharing a sensor's latest record, steps 1-6 ({} {} CSV file(s) per sensor per round; robot B downloads {})\n",
        b.records_per_sensor,
        human_bytes(b.file_bytes),
        b.download.split(':').next().unwrap_or("owner-side")
    );
    s.push_str(&format!(
        "floor = bank send to inclusion p50 {:.0} ms + storage put+get p50 {:.1} ms = {:.0} ms\n\n",
        b.floor.bank_send_p50_ms, b.floor.storage_put_get_p50_ms, b.floor.floor_ms
    ));
    s.push_str(
        "sensors  samples   p50 ms (x floor)   p95 ms (x floor)   upload  register  query  download (p50 ms)  records/s\n",
    );
    for r in &b.rounds {
        s.push_str(&format!(
            "{:>7}  {:>7}  {:>7.0} ({:>5.2}x)  {:>7.0} ({:>5.2}x)  {:>7.1}  {:>8.0}  {:>5.1}  {:>8.1}          {:>9.1}\n",
            r.sensors,
            r.samples,
            r.total.p50_ms,
            r.total.p50_x_floor,
            r.total.p95_ms,
            r.total.p95_x_floor,
            r.upload.p50_ms,
            r.register.p50_ms,
            r.query.p50_ms,
            r.download.p50_ms,
            r.records_per_s
        ));
    }
    s.push_str(&format!(
        "\nwritten: {}, {}, {} ({:.0} s in all, setup {:.1} s)",
        b.samples_csv, b.summary_csv, b.svg, b.total_s, b.setup.setup_s
    ));
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sensor_counts_parse() {
        assert_eq!(
            parse_sensor_counts("1-10").expect("range").0,
            (1..=10).collect::<Vec<_>>()
        );
        assert_eq!(parse_sensor_counts("4").expect("one").0, vec![4]);
        assert_eq!(
            parse_sensor_counts("5, 1,2-3,2").expect("list").0,
            vec![1, 2, 3, 5]
        );
        assert_eq!(parse_sensor_counts("1-10").expect("range").max(), 10);
        for bad in ["", "0", "3-1", "a", "1-", "1-65", "2,,3"] {
            assert!(parse_sensor_counts(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn rounds_summarize_their_samples() {
        let sample = |total: f64| Sample {
            sensors: 2,
            sensor: 1,
            record: 1,
            record_id: 1,
            height: 1,
            bytes: 10,
            upload_ms: 1.0,
            register_ms: total - 3.0,
            query_ms: 1.0,
            download_ms: 1.0,
            total_ms: total,
            gas_used: 1,
        };
        let r = summarize(2, &[sample(300.0), sample(400.0)], 200.0, 2.0);
        assert_eq!(r.samples, 2);
        assert_eq!(r.total.p50_ms, 300.0);
        assert_eq!(r.total.p95_ms, 400.0);
        assert_eq!(r.total.p50_x_floor, 1.5);
        assert_eq!(r.records_per_s, 1.0);
    }
}
