//! `twinshare stream publish`: a live sensor series (file, stdin or generated) to the anchoring
//! daemon in signed batches, its payloads sealed into epochs in storage.
//!
//! One task reads or generates records into a bounded queue; the main loop takes what arrived
//! every --batch-ms (at most --max-batch), sends it as one batch ([`Publisher`]: seqs from the
//! daemon, vouchers when High, Retry-After when saturated) and appends the accepted records to
//! the current epoch; a full epoch is sealed and stored in the background while publishing goes
//! on. Any rejection other than `saturated` stops publishing (the rest would be refused the same
//! way), after the epoch so far is stored.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::sync::mpsc;
use twinshare_stream::batch::VoucherBook;
use twinshare_stream::epoch::{self, Epoch, StoredEpoch};
use twinshare_stream::{AnchorClient, Publisher};
use twinshare_uploader::Operator;

use crate::cli::PublishArgs;
use crate::context::Context;
use crate::error::{Error, Result};
use crate::output::Outcome;

/// Records waiting between the source and the batcher.
const QUEUE: usize = 200_000;

/// What a publish run did.
#[derive(Debug, Serialize)]
pub struct PublishSummary {
    pub owner: String,
    pub stream: String,
    pub sensor: String,
    pub sensor_pubkey: String,
    pub level: String,
    pub first_seq: Option<u64>,
    pub last_seq: Option<u64>,
    /// Records the daemon accepted.
    pub records: u64,
    pub batches: u64,
    pub rejected_batches: u64,
    pub rejected_records: u64,
    /// Sends repeated because the daemon was saturated.
    pub retries: u64,
    pub duration_s: f64,
    pub records_per_s: f64,
    pub epochs: Vec<StoredEpoch>,
    /// High: the last cumulative voucher the daemon accepted.
    pub voucher_cumulative: Option<String>,
    /// Why publishing stopped early, if it did.
    pub stopped: Option<String>,
}

fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or_default()
}

/// A generated vibration sample as CSV text (`t_ms,ax,ay,az`), padded to `size` bytes.
pub fn generated_payload(i: u64, ts: u64, size: usize) -> Vec<u8> {
    let t = i as f64 / 1000.0;
    let tone = (t * 2.0 * std::f64::consts::PI * 50.0).sin();
    let harmonic = (t * 2.0 * std::f64::consts::PI * 150.0).sin() * 0.3;
    let mut line = format!(
        "{ts},{:.4},{:.4},{:.4}",
        tone + harmonic,
        tone * 0.5,
        harmonic - 0.1
    )
    .into_bytes();
    line.resize(size.max(16), b' ');
    line
}

/// The source task: generated at `rate` for `duration`, or lines of a reader (paced by `rate`
/// when given).
fn spawn_source(args: &PublishArgs) -> Result<mpsc::Receiver<(u64, Vec<u8>)>> {
    let (tx, rx) = mpsc::channel(QUEUE);
    if args.generate {
        let rate = args.rate.unwrap_or(100).max(1);
        let duration = Duration::from_secs(args.duration);
        let size = args.record_size as usize;
        tokio::spawn(async move {
            let started = Instant::now();
            let mut made = 0u64;
            let mut tick = tokio::time::interval(Duration::from_millis(10));
            loop {
                tick.tick().await;
                let elapsed = started.elapsed().min(duration);
                let due = (elapsed.as_secs_f64() * rate as f64) as u64;
                let ts = now_ms();
                while made < due {
                    if tx
                        .send((ts, generated_payload(made, ts, size)))
                        .await
                        .is_err()
                    {
                        return;
                    }
                    made += 1;
                }
                if elapsed >= duration {
                    return;
                }
            }
        });
        return Ok(rx);
    }
    let reader: Box<dyn tokio::io::AsyncRead + Unpin + Send> = match &args.file {
        Some(path) => Box::new(
            std::fs::File::open(path)
                .map(tokio::fs::File::from_std)
                .map_err(|e| Error::io(format!("cannot read {}", path.display()), e))?,
        ),
        None => Box::new(tokio::io::stdin()),
    };
    let pace = args
        .rate
        .map(|r| Duration::from_secs_f64(1.0 / r.max(1) as f64));
    tokio::spawn(async move {
        let mut lines = BufReader::new(reader).lines();
        let started = Instant::now();
        let mut n = 0u32;
        while let Ok(Some(line)) = lines.next_line().await {
            if let Some(p) = pace {
                let due = started + p * n;
                tokio::time::sleep_until(due.into()).await;
            }
            n = n.saturating_add(1);
            if tx.send((now_ms(), line.into_bytes())).await.is_err() {
                return;
            }
        }
    });
    Ok(rx)
}

/// The local record of a High publisher's accepted vouchers, per owner and channel: the daemon
/// refuses a voucher that does not add the batch's fee on top of the last one it accepted.
fn voucher_file(owner: &str, channel: u64) -> PathBuf {
    let dir = twinshare_uploader::paths::default_journal_dir();
    dir.parent()
        .map(|p| p.join("vouchers"))
        .unwrap_or_else(|| PathBuf::from("vouchers"))
        .join(format!("{owner}-{channel}.json"))
}

#[derive(Serialize, Deserialize)]
struct VoucherState {
    accepted: String,
}

fn load_voucher(owner: &str, channel: u64) -> u128 {
    std::fs::read_to_string(voucher_file(owner, channel))
        .ok()
        .and_then(|t| serde_json::from_str::<VoucherState>(&t).ok())
        .and_then(|s| s.accepted.parse().ok())
        .unwrap_or(0)
}

fn save_voucher(owner: &str, channel: u64, accepted: u128) -> Result<()> {
    let path = voucher_file(owner, channel);
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| Error::io(format!("cannot create {}", dir.display()), e))?;
    }
    let text = serde_json::to_string(&VoucherState {
        accepted: accepted.to_string(),
    })
    .map_err(|e| Error::Unexpected(e.to_string()))?;
    std::fs::write(&path, text)
        .map_err(|e| Error::io(format!("cannot write {}", path.display()), e))
}

/// Epochs sealed and stored in the background.
struct EpochStore {
    op: Option<Operator>,
    master: twinshare_crypto::MasterKey,
    tasks: tokio::task::JoinSet<twinshare_stream::Result<StoredEpoch>>,
}

impl EpochStore {
    fn flush(&mut self, epoch: &mut Epoch) {
        if epoch.is_empty() {
            return;
        }
        let full = std::mem::replace(
            epoch,
            Epoch::new(&epoch.owner, &epoch.stream, epoch.sensor_pubkey.as_slice()),
        );
        if let Some(op) = &self.op {
            let (op, master) = (op.clone(), self.master.clone());
            self.tasks
                .spawn(async move { epoch::store(&op, &master, &full).await });
        }
    }

    async fn finish(mut self) -> Result<Vec<StoredEpoch>> {
        let mut out = Vec::new();
        while let Some(joined) = self.tasks.join_next().await {
            let stored = joined.map_err(|e| Error::Unexpected(format!("epoch task: {e}")))??;
            out.push(stored);
        }
        out.sort_by_key(|e| e.first_seq);
        Ok(out)
    }
}

/// `stream publish`.
pub async fn publish(ctx: &Context, args: &PublishArgs) -> Result<Outcome> {
    if args.batch_ms == 0 || args.max_batch == 0 || args.epoch_records == 0 {
        return Err(Error::Usage(
            "--batch-ms, --max-batch and --epoch-records must be at least 1".into(),
        ));
    }
    let (network, _) = ctx.network()?;
    let identity = ctx.identity(&ctx.key_name()?, &network.bech32_prefix)?;
    let owner = identity.address().to_string();
    let key = super::stream::sensor_key(&identity.master, &args.sensor)?;
    let sensor_pubkey = hex::encode(key.public_key());
    let client = AnchorClient::new(&args.anchor.anchor_url)?;
    let vouchers = match (args.high, args.channel, args.fee_per_record) {
        (true, Some(channel), Some(fee)) => {
            // At least what the chain says was redeemed; the local record says what followed.
            let chain = ctx.chain().await?;
            let on_chain = super::stream::channel(&chain, channel).await?;
            if on_chain.owner.as_str() != owner {
                return Err(Error::Usage(format!(
                    "payment channel {channel} belongs to {}, not to {owner}",
                    on_chain.owner
                )));
            }
            Some(VoucherBook {
                channel,
                fee_per_record: fee,
                accepted: load_voucher(&owner, channel).max(on_chain.redeemed.u128()),
            })
        }
        (true, _, _) => {
            return Err(Error::Usage(
                "--high needs --fee-per-record and --channel".into(),
            ))
        }
        _ => None,
    };
    let mut publisher = Publisher::start(client, key, &owner, &args.stream, vouchers).await?;
    let store = if args.no_store {
        None
    } else {
        Some(ctx.operator()?.1)
    };
    let mut epochs = EpochStore {
        op: store,
        master: identity.master.clone(),
        tasks: tokio::task::JoinSet::new(),
    };
    let mut epoch = Epoch::new(&owner, &args.stream, &publisher.key.public_key());
    let mut epoch_started = Instant::now();
    let epoch_age = Duration::from_secs(args.epoch_secs.max(1));

    let mut source = spawn_source(args)?;
    let started = Instant::now();
    let mut last_progress = Instant::now();
    let batch_every = Duration::from_millis(args.batch_ms);
    let mut summary = PublishSummary {
        owner: owner.clone(),
        stream: args.stream.clone(),
        sensor: args.sensor.clone(),
        sensor_pubkey,
        level: if args.high {
            format!("high ({} per record)", args.fee_per_record.unwrap_or(0))
        } else {
            "low".into()
        },
        first_seq: None,
        last_seq: None,
        records: 0,
        batches: 0,
        rejected_batches: 0,
        rejected_records: 0,
        retries: 0,
        duration_s: 0.0,
        records_per_s: 0.0,
        epochs: vec![],
        voucher_cumulative: None,
        stopped: None,
    };
    let mut open = true;
    while open {
        // Collect what arrives within one batch interval.
        let deadline = tokio::time::Instant::now() + batch_every;
        let mut samples = Vec::new();
        while samples.len() < args.max_batch {
            match tokio::time::timeout_at(deadline, source.recv()).await {
                Ok(Some(s)) => samples.push(s),
                Ok(None) => {
                    open = false;
                    break;
                }
                Err(_) => break,
            }
        }
        if samples.is_empty() {
            continue;
        }
        let n = samples.len() as u64;
        match publisher.send(&samples).await {
            Ok(sent) => {
                summary.batches += 1;
                summary.records += n;
                summary.retries += u64::from(sent.retries);
                summary.first_seq.get_or_insert(sent.records[0].seq);
                summary.last_seq = sent.records.last().map(|r| r.seq);
                if let Some(book) = &publisher.vouchers {
                    save_voucher(&owner, book.channel, book.accepted)?;
                    summary.voucher_cumulative = Some(book.accepted.to_string());
                }
                for (record, (ts, payload)) in sent.records.iter().zip(samples) {
                    if epoch.push(record.seq, ts, payload.clone()).is_err() {
                        // A resync left a gap: the epoch so far is complete as it is.
                        epochs.flush(&mut epoch);
                        epoch_started = Instant::now();
                        epoch.push(record.seq, ts, payload)?;
                    }
                }
            }
            Err(e) => {
                summary.rejected_batches += 1;
                summary.rejected_records += n;
                if let twinshare_stream::Error::Rejected {
                    code,
                    expected_seq: Some(expected),
                    ..
                } = &e
                {
                    if code == twinshare_stream::api::codes::OUT_OF_ORDER_SEQ {
                        // Someone else moved the stream on: continue from where the daemon is.
                        if !ctx.console.quiet {
                            eprintln!("batch refused ({e}); continuing from seq {expected}");
                        }
                        publisher.next_seq = *expected;
                        continue;
                    }
                }
                summary.stopped = Some(e.to_string());
                break;
            }
        }
        if epoch.len() >= args.epoch_records || epoch_started.elapsed() >= epoch_age {
            epochs.flush(&mut epoch);
            epoch_started = Instant::now();
        }
        if !ctx.console.quiet && last_progress.elapsed() >= Duration::from_secs(1) {
            last_progress = Instant::now();
            eprintln!(
                "{}: {} records in {} batches ({:.0}/s), next seq {}, rejected {}",
                args.stream,
                summary.records,
                summary.batches,
                summary.records as f64 / started.elapsed().as_secs_f64().max(1e-3),
                publisher.next_seq,
                summary.rejected_batches
            );
        }
    }
    drop(source);
    summary.duration_s = (started.elapsed().as_secs_f64() * 1000.0).round() / 1000.0;
    summary.records_per_s =
        (summary.records as f64 / started.elapsed().as_secs_f64().max(1e-3) * 10.0).round() / 10.0;
    epochs.flush(&mut epoch);
    summary.epochs = epochs.finish().await?;

    let mut text = format!(
        "{} ({}): {} records in {} batches ({} rejected, {} retries), {:.1} records/s, seqs {}..{}",
        summary.stream,
        summary.level,
        summary.records,
        summary.batches,
        summary.rejected_batches,
        summary.retries,
        summary.records_per_s,
        summary.first_seq.map_or("-".into(), |s| s.to_string()),
        summary.last_seq.map_or("-".into(), |s| s.to_string()),
    );
    for e in &summary.epochs {
        text.push_str(&format!(
            "\n  epoch {} (seqs {}..{}, {} records, {} bytes)",
            e.locator, e.first_seq, e.last_seq, e.records, e.object_bytes
        ));
    }
    if let Some(why) = &summary.stopped {
        return Err(Error::State(format!("{text}\nstopped: {why}")));
    }
    Outcome::new(&summary, text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_payloads_have_the_asked_size_and_differ() {
        let a = generated_payload(0, 1_700_000_000_000, 48);
        let b = generated_payload(1, 1_700_000_000_001, 48);
        assert_eq!(a.len(), 48);
        assert_ne!(a, b);
        assert!(String::from_utf8_lossy(&a).starts_with("1700000000000,"));
        assert_eq!(generated_payload(3, 5, 1).len(), 16);
    }
}
