//! The anchorer: cut a batch from the pending posts in acknowledgment order a short linger
//! after claims arrive (at once when `max_anchor_leaves` wait), while fewer than
//! `max_in_flight` batches await inclusion; write it `sending` with its leaves, send one
//! `AnchorBatch`, and mark it anchored (provable) the moment it is seen included: the node
//! pushes the tx's events over the websocket when its block commits ([`super::inclusion`]);
//! while that is down, the tx is looked up after each new height (read every
//! `inclusion_poll_ms`). A claim so waits at most a linger before its tx is in the
//! mempool, and is provable one block (plus a lookup) later; batching once per block instead
//! made claims wait up to a block for the cut and another for the inclusion.
//!
//! Crash safety: the batch and the time of its send are durable before the tx leaves, so after
//! a kill the batch is known and the tx possibly in flight. It is then looked up on chain by its
//! root (the registry's batches of the channel after the last one known), its tx awaited if its
//! hash was recorded, and only sent again once `recovery_window_ms` has passed since the last
//! send without the root appearing. Every acknowledged claim is in exactly one local batch, and
//! a batch is anchored at most once unless a tx outlives that window in the mempool.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::watch;
use tokio::task::JoinSet;
use tracing::{debug, info, warn};

use super::chain::{AnchorChain, Included, Tip};
use super::inclusion::Inclusions;
use super::metrics::Outcome;
use super::store::{BatchRecord, Store};
use super::Service;
use crate::db::now_ms;
use crate::error::{ChainError, DbError};

/// How long before the next proposal a batch's tx should be in the mempool (its cut, fsync and
/// broadcast, and the jitter of seeing blocks by reading the height).
const PROPOSAL_GUARD: Duration = Duration::from_millis(40);

/// The anchor loop, until shutdown: cuts a batch whenever claims wait (after the linger) and a
/// slot of `max_in_flight` is free, and settles each batch in flight in its own task, so a
/// batch's inclusion does not hold up the next batch.
pub async fn run(svc: Arc<Service>) {
    let Some(chain) = svc.chain.clone() else {
        return;
    };
    let shutdown = svc.shutdown.clone();
    let max = svc.config.max_anchor_leaves as u64;
    let flights = svc.config.max_in_flight;
    let mut channel_ready = false;
    let mut failures = 0u32;
    let mut settling: HashSet<u64> = HashSet::new();
    let mut tasks: JoinSet<u64> = JoinSet::new();
    // One height reader for every batch in flight (each looks its tx up when a block
    // appears) and for the linger (which ends in time for the next proposal).
    let (heights, watcher) = chain.watch_tip(svc.config.inclusion_poll(), shutdown.clone());
    // Inclusions pushed by the node end a batch's wait as soon as its block is committed.
    let (inclusions, follower) = chain.follow_inclusions(shutdown.clone());
    loop {
        while let Some(done) = tasks.try_join_next() {
            if let Ok(no) = done {
                settling.remove(&no);
            }
        }
        if shutdown.is_triggered() {
            break;
        }
        let in_flight = svc.store.in_flight();
        // At start, not at the first claim: creating the registry channel takes a block or
        // two, which the first claims would otherwise wait for.
        if !channel_ready {
            match chain.ensure_channel().await {
                Ok(()) => channel_ready = true,
                Err(e) => {
                    failures += 1;
                    warn!(error = %e, "the anchor channel is not ready; trying again");
                    if shutdown.sleep(backoff(failures)).await {
                        break;
                    }
                    continue;
                }
            }
        }
        // A task for every batch in flight (after a restart: the ones recovered).
        let flying = in_flight.len();
        for batch in in_flight {
            if settling.insert(batch.no) {
                tasks.spawn(settle_task(
                    svc.clone(),
                    chain.clone(),
                    heights.clone(),
                    inclusions.clone(),
                    batch.no,
                ));
            }
        }
        let pending = svc.store.unbatched_leaves();
        if pending == 0 || flying >= flights || !channel_ready {
            // Nothing to cut, or no slot: wait for claims, a settled batch, or the timer.
            tokio::select! {
                _ = tokio::time::sleep(svc.config.poll()) => {}
                _ = svc.claims.notified() => {}
                Some(done) = tasks.join_next(), if !tasks.is_empty() => {
                    if let Ok(no) = done {
                        settling.remove(&no);
                    }
                }
                _ = shutdown.wait() => break,
            }
            continue;
        }
        // Linger from the oldest waiting claim's acknowledgment (not from now): claims that
        // already waited for a slot go at once; fresh ones gather a few ms of company, but
        // never past the next proposal (lingering across it would cost them a whole block).
        if pending < max {
            let waited = Duration::from_millis(
                now_ms().saturating_sub(svc.store.oldest_unbatched_ms().unwrap_or_else(now_ms)),
            );
            let mut linger = svc.config.linger().saturating_sub(waited);
            let tip = *heights.borrow();
            if let Some(until) = tip.until_cut(Instant::now(), PROPOSAL_GUARD) {
                linger = linger.min(until);
            }
            if !linger.is_zero() {
                tokio::select! {
                    _ = tokio::time::sleep(linger) => {}
                    _ = svc.full.notified() => {}
                    _ = shutdown.wait() => break,
                }
            }
        }
        let store = svc.store.clone();
        match blocking(move || store.begin_batch(max, flights)).await {
            Ok(Some((batch, _))) => {
                debug!(no = batch.no, leaves = batch.count, "batch cut");
                settling.insert(batch.no);
                tasks.spawn(settle_task(
                    svc.clone(),
                    chain.clone(),
                    heights.clone(),
                    inclusions.clone(),
                    batch.no,
                ));
            }
            Ok(None) => {}
            Err(e) => {
                warn!(error = %e, "cannot write the next batch");
                if shutdown.sleep(Duration::from_secs(1)).await {
                    break;
                }
            }
        }
    }
    // The tasks stop at their next step; one cut short is a crash the next start recovers from.
    let grace = Duration::from_secs(5);
    if tokio::time::timeout(grace, async { while tasks.join_next().await.is_some() {} })
        .await
        .is_err()
    {
        warn!("anchor sends still waiting at shutdown; the next start settles them");
    }
    watcher.abort();
    follower.abort();
}

/// Settles batch `no` until it is anchored (or shutdown), retrying with a backoff.
async fn settle_task(
    svc: Arc<Service>,
    chain: AnchorChain,
    mut heights: watch::Receiver<Tip>,
    inclusions: Arc<Inclusions>,
    no: u64,
) -> u64 {
    let mut failures = 0u32;
    loop {
        let Some(batch) = svc.store.flying(no) else {
            return no;
        };
        match settle(&svc, &chain, &mut heights, &inclusions, batch).await {
            Ok(_) => return no,
            Err(e) => {
                failures += 1;
                warn!(no, error = %e, "anchoring a batch failed; trying again");
                if e.contract_message().is_some_and(|m| m.contains("channel")) {
                    if let Err(e) = chain.ensure_channel().await {
                        warn!(error = %e, "the anchor channel is not ready");
                    }
                }
                if svc.shutdown.sleep(backoff(failures)).await {
                    return no;
                }
            }
        }
    }
}

fn backoff(failures: u32) -> Duration {
    Duration::from_millis((250u64 << failures.min(6)).min(10_000))
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, DbError> + Send + 'static,
) -> Result<T, DbError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| DbError::storage("task", e))?
}

/// Why settling stopped.
#[derive(Debug, thiserror::Error)]
enum SettleError {
    #[error(transparent)]
    Chain(#[from] ChainError),
    #[error(transparent)]
    Db(#[from] DbError),
}

impl SettleError {
    fn contract_message(&self) -> Option<&str> {
        match self {
            SettleError::Chain(e) => e.contract_message(),
            SettleError::Db(_) => None,
        }
    }
}

/// Gets the batch in flight on chain exactly once: finds it if a send landed, else sends it.
/// `Ok(true)` once anchored, `Ok(false)` on shutdown.
async fn settle(
    svc: &Arc<Service>,
    chain: &AnchorChain,
    heights: &mut watch::Receiver<Tip>,
    inclusions: &Inclusions,
    mut batch: BatchRecord,
) -> Result<bool, SettleError> {
    let window = Duration::from_millis(svc.config.recovery_window_ms);
    let shutdown = svc.shutdown.clone();
    loop {
        if let Some(sent_ms) = batch.sent_ms {
            // A send may have landed: its tx, else its root on chain.
            if let Some(hash) = batch.tx_hash.clone() {
                let left =
                    window.saturating_sub(Duration::from_millis(now_ms().saturating_sub(sent_ms)));
                match chain
                    .wait(
                        &hash,
                        left.max(Duration::from_millis(200)),
                        heights,
                        Some(inclusions),
                        svc.config.poll(),
                    )
                    .await
                {
                    Ok(included) => {
                        svc.metrics.anchor.count_inclusion(included.pushed);
                        let outcome = included.outcome;
                        if let Some(id) = chain.batch_id_of(&outcome) {
                            mark(svc, &batch, id, outcome.height, &outcome.hash, None).await?;
                            return Ok(true);
                        }
                    }
                    Err(e) if e.contract_message().is_some() => {
                        warn!(no = batch.no, error = %e, "the AnchorBatch tx failed; sending again");
                        return Err(send_failed(svc, batch.no, e).await);
                    }
                    Err(e) => debug!(no = batch.no, error = %e, "anchor tx not found yet"),
                }
            }
            if let Some(found) = chain
                .find_batch(&batch.root, batch.count, batch.after_chain_batch)
                .await?
            {
                let hash = match &batch.tx_hash {
                    Some(h) => h.clone(),
                    None => tx_of(chain, &batch, found.height).await,
                };
                info!(
                    no = batch.no,
                    batch_id = found.id,
                    "found the batch on chain by its root"
                );
                mark(svc, &batch, found.id, found.height, &hash, None).await?;
                return Ok(true);
            }
            let since = Duration::from_millis(now_ms().saturating_sub(sent_ms));
            if since < window {
                if shutdown.sleep(svc.config.poll()).await {
                    return Ok(false);
                }
                continue;
            }
            warn!(
                no = batch.no,
                "the batch's earlier send never landed; sending again"
            );
        }
        if shutdown.is_triggered() {
            return Ok(false);
        }
        // Durable before the tx leaves: after a crash, the send is known to have been tried.
        let store = svc.store.clone();
        let no = batch.no;
        let durable = Instant::now();
        batch = blocking(move || store.set_sent(no, None)).await?;
        let sending = Instant::now();
        let hash = match chain.send_anchor(&batch).await {
            Ok(h) => h,
            Err(e) => {
                svc.metrics
                    .anchor
                    .anchor_txs
                    .get_or_create(&Outcome { outcome: "error" })
                    .inc();
                if e.is_chain_verdict() {
                    // Refused at CheckTx (a contract error, a sequence race...): nothing is in
                    // the mempool, so the next try need not wait out the recovery window.
                    let store = svc.store.clone();
                    blocking(move || store.clear_sent(no)).await?;
                }
                return Err(e.into());
            }
        };
        svc.metrics
            .anchor
            .anchor_txs
            .get_or_create(&Outcome { outcome: "sent" })
            .inc();
        let sent = Instant::now();
        let store = svc.store.clone();
        let h = hash.clone();
        batch = blocking(move || store.set_sent(no, Some(&h))).await?;
        let waiting = Instant::now();
        match chain
            .wait(
                &hash,
                chain.tx_timeout(),
                heights,
                Some(inclusions),
                svc.config.poll(),
            )
            .await
        {
            Ok(Included { outcome, pushed }) => match chain.batch_id_of(&outcome) {
                Some(id) => {
                    svc.metrics.anchor.count_inclusion(pushed);
                    let steps = Steps {
                        durable: sending - durable,
                        broadcast: sent - sending,
                        recorded: waiting - sent,
                        included: waiting.elapsed(),
                    };
                    mark(svc, &batch, id, outcome.height, &outcome.hash, Some(steps)).await?;
                    return Ok(true);
                }
                None => {
                    // Included without the attribute: find it by root on the next turn.
                    warn!(no, tx = %hash, "the AnchorBatch tx has no batch_id attribute");
                }
            },
            Err(e) if e.contract_message().is_some() => {
                return Err(send_failed(svc, no, e).await);
            }
            Err(e) => warn!(no, error = %e, "waiting for the AnchorBatch tx"),
        }
    }
}

/// An `AnchorBatch` that was included and failed anchored nothing: counted, and batch `no` is
/// no longer `sent`, so the next try sends at once. The error to return.
async fn send_failed(svc: &Arc<Service>, no: u64, e: ChainError) -> SettleError {
    svc.metrics
        .anchor
        .anchor_txs
        .get_or_create(&Outcome { outcome: "failed" })
        .inc();
    let store = svc.store.clone();
    match blocking(move || store.clear_sent(no)).await {
        Ok(_) => e.into(),
        Err(db) => db.into(),
    }
}

/// The tx hash of an `AnchorBatch` found by root (its hash was not recorded before a crash).
async fn tx_of(chain: &AnchorChain, batch: &BatchRecord, height: u64) -> String {
    let query = format!(
        "wasm._contract_address='{}' AND wasm.root='{}'",
        chain.contracts.registry, batch.root
    );
    match chain.search(&query, height).await {
        Ok(Some(h)) => h,
        Ok(None) | Err(_) => String::new(),
    }
}

/// Where a batch's time went between its cut and its inclusion being seen (the latency
/// breakdown in the "batch anchored" log line).
struct Steps {
    /// Writing the batch `sending` (an fsync).
    durable: Duration,
    /// Signing and broadcasting (a simulate when the gas is not known yet).
    broadcast: Duration,
    /// Recording the tx hash (an fsync).
    recorded: Duration,
    /// From then until the tx was found included.
    included: Duration,
}

async fn mark(
    svc: &Arc<Service>,
    batch: &BatchRecord,
    batch_id: u64,
    height: u64,
    hash: &str,
    steps: Option<Steps>,
) -> Result<(), DbError> {
    let store: Arc<Store> = svc.store.clone();
    let (no, hash) = (batch.no, hash.to_string());
    let marking = Instant::now();
    let record = blocking(move || store.mark_anchored(no, batch_id, height, &hash)).await?;
    let ms = |d: Duration| d.as_millis() as u64;
    if let Some(s) = steps {
        // From the oldest claim's acknowledgment to provable, step by step.
        info!(
            no,
            leaves = record.count,
            cut_wait_ms = record
                .created_ms
                .saturating_sub(record.first_ack_ms.unwrap_or(record.created_ms)),
            durable_ms = ms(s.durable),
            broadcast_ms = ms(s.broadcast),
            recorded_ms = ms(s.recorded),
            included_ms = ms(s.included),
            mark_ms = ms(marking.elapsed()),
            "anchor latency"
        );
    }
    let m = &svc.metrics.anchor;
    m.records_anchored.inc_by(record.count);
    m.batches_anchored.inc();
    m.batch_leaves.observe(record.count as f64);
    if let Some(first) = record.first_ack_ms {
        m.anchor_latency_seconds
            .observe(now_ms().saturating_sub(first) as f64 / 1000.0);
    }
    info!(
        no,
        batch_id,
        height,
        leaves = record.count,
        "batch anchored"
    );
    Ok(())
}
