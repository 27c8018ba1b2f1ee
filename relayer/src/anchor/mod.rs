//! The anchoring service (issue 9; API in docs/anchor-api.md): sensors POST signed
//! batches of record claims; the daemon acknowledges them once durable, anchors them in Merkle
//! roots with `AnchorBatch` (a batch cut a short linger after claims arrive, while fewer than
//! `max_in_flight` await inclusion), and serves inclusion proofs the registry's
//! `VerifyInclusion` query accepts.
//!
//! ```text
//! POST /claims ─> ingest (shape, signature, sensor, voucher channel, capacity; cached chain reads)
//!                  │ Rules 1-3: the relayer's lane (High by fee, Low keeps its share)
//!                  v
//!             writer: one group commit per lane batch (seqs, vouchers, bytes; one fsync) ─> 200
//!                  │ pending posts, in acknowledgment order
//!                  v
//!             anchorer: a linger after claims arrive, a batch: write it `sending`, send
//!                       AnchorBatch, mark it anchored as soon as its inclusion is seen
//! GET /proofs ─> store (post -> batch -> leaf index) ─> proofs (RFC 9162 audit path)
//! redeem: the newest voucher of each channel, every redeem_interval and at shutdown
//! ```
//!
//! - [`config`]: the `[anchor]` section. [`ingest`]: the checks before the queue.
//! - [`store`]: the redb database and its in-memory state. [`anchorer`], [`redeem`]: the loops.
//! - [`proofs`]: proofs from stored leaves. [`chain`]: queries and txs. [`http`]: the API.
//! - [`metrics`]: its Prometheus metrics, in the relayer's registry.

pub mod anchorer;
pub mod chain;
pub mod config;
pub mod http;
pub mod inclusion;
pub mod ingest;
pub mod metrics;
pub mod proofs;
pub mod redeem;
pub mod store;

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::{oneshot, Notify};
use tokio::task::JoinHandle;
use tracing::{error, info, warn};

pub use config::AnchorSection;

use self::chain::{AnchorChain, AnchorContracts};
use self::ingest::{ChainView, Checked, Ingest, IngestSettings, Rejection};
use self::metrics::Lane as LaneLabel;
use self::store::{Accepted, Store};
use crate::error::{ConfigError, DbError};
use crate::lane::{Lane, Priority};
use crate::metrics::Metrics;
use crate::supervisor::Shutdown;

/// A checked batch waiting for its commit, with where its answer goes.
pub struct Queued {
    pub checked: Checked,
    pub reply: oneshot::Sender<Result<Accepted, Rejection>>,
}

/// The ingest queue: the relayer's lane over claim batches, with a limit per lane.
pub struct Queue {
    lane: Mutex<Lane<Queued>>,
    limit: usize,
    work: Notify,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Queue {
    pub fn new(config: &AnchorSection) -> Self {
        Self {
            lane: Mutex::new(Lane::new(config.lane())),
            limit: config.queue_limit,
            work: Notify::new(),
        }
    }

    /// Queues a checked batch; `Saturated` when its lane is full (a full Low lane never stops
    /// High batches, and the reverse).
    pub fn push(
        &self,
        checked: Checked,
    ) -> Result<oneshot::Receiver<Result<Accepted, Rejection>>, Rejection> {
        let (tx, rx) = oneshot::channel();
        {
            let mut lane = lock(&self.lane);
            let waiting = match checked.priority {
                Priority::High { .. } => lane.high_len(),
                Priority::Low => lane.low_len(),
            };
            if waiting >= self.limit {
                return Err(Rejection::Saturated {
                    retry_after_secs: 1,
                });
            }
            let priority = checked.priority;
            lane.push(priority, Queued { checked, reply: tx });
        }
        self.work.notify_one();
        Ok(rx)
    }

    /// The next group commit under Rules 1-3.
    pub fn next_batch(&self) -> Vec<Queued> {
        lock(&self.lane)
            .next_batch()
            .into_iter()
            .map(|t| t.item)
            .collect()
    }

    /// Waiting batches: (High, Low).
    pub fn lengths(&self) -> (usize, usize) {
        let lane = lock(&self.lane);
        (lane.high_len(), lane.low_len())
    }
}

/// The daemon's account as the ingest sees it.
#[derive(Clone, Debug)]
pub struct Account {
    /// The payee every voucher must name.
    pub address: String,
    /// Bech32 prefix of owner addresses.
    pub prefix: String,
}

/// Everything the service's tasks share.
pub struct Service {
    pub config: AnchorSection,
    pub store: Arc<Store>,
    pub ingest: Ingest,
    pub queue: Queue,
    pub metrics: Arc<Metrics>,
    pub shutdown: Shutdown,
    /// `None` in tests that run without a chain (no anchoring, no redeeming).
    pub chain: Option<AnchorChain>,
    /// The daemon's account (the payee of vouchers).
    pub address: String,
    /// `(when, acknowledged, anchored)` samples for the rates in `/status`.
    samples: Mutex<VecDeque<(Instant, u64, u64)>>,
    /// Woken when pending leaves reach `max_anchor_leaves`.
    pub full: Notify,
    /// Woken when a commit left claims waiting for a batch.
    pub claims: Notify,
}

impl std::fmt::Debug for Service {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Service")
            .field("store", &self.store)
            .finish_non_exhaustive()
    }
}

/// How far back the rates of `/status` look.
const RATE_WINDOW: Duration = Duration::from_secs(10);

impl Service {
    /// A service over `store`, checking against `view`; `chain` sends the txs (none in tests).
    pub fn new(
        config: AnchorSection,
        store: Arc<Store>,
        view: Arc<dyn ChainView>,
        chain: Option<AnchorChain>,
        account: Account,
        metrics: Arc<Metrics>,
        shutdown: Shutdown,
    ) -> Self {
        let ingest = Ingest::new(
            IngestSettings {
                max_batch_records: config.max_batch_records,
                payee: account.address.clone(),
                prefix: account.prefix,
                sensor_ttl: Duration::from_secs(config.sensor_cache_secs),
                capacity_ttl: Duration::from_secs(config.capacity_cache_secs),
            },
            view,
        );
        Self {
            queue: Queue::new(&config),
            config,
            store,
            ingest,
            metrics,
            shutdown,
            chain,
            address: account.address,
            samples: Mutex::new(VecDeque::new()),
            full: Notify::new(),
            claims: Notify::new(),
        }
    }

    /// Checks a POST body, queues it and waits for its commit.
    pub async fn submit(&self, body: &[u8]) -> Result<Accepted, Rejection> {
        let result = self.submit_inner(body).await;
        let m = &self.metrics.anchor;
        match &result {
            Ok(_) => m.outcome("accepted"),
            Err(r) => m.outcome(r.code()),
        }
        result
    }

    async fn submit_inner(&self, body: &[u8]) -> Result<Accepted, Rejection> {
        let checked = self.ingest.check_body(body).await?;
        if self.store.unbatched_leaves() >= self.config.max_pending_records {
            // Anchoring lags (the chain is away?): stop taking claims before memory runs out.
            return Err(Rejection::Saturated {
                retry_after_secs: 5,
            });
        }
        let rx = self.queue.push(checked)?;
        rx.await
            .unwrap_or_else(|_| Err(Rejection::Unavailable("the daemon is shutting down".into())))
    }

    /// Updates the gauges and returns the rates (records/s acknowledged, anchored).
    pub fn sample(&self) -> (f64, f64) {
        let counts = self.store.counts();
        let m = &self.metrics.anchor;
        m.pending_records
            .get_or_create(&LaneLabel { lane: "high" })
            .set(counts.pending_high as i64);
        m.pending_records
            .get_or_create(&LaneLabel { lane: "low" })
            .set(counts.pending_low as i64);
        let (qh, ql) = self.queue.lengths();
        m.queued_batches
            .get_or_create(&LaneLabel { lane: "high" })
            .set(qh as i64);
        m.queued_batches
            .get_or_create(&LaneLabel { lane: "low" })
            .set(ql as i64);
        let now = Instant::now();
        let mut samples = lock(&self.samples);
        samples.push_back((now, counts.acknowledged, counts.anchored));
        while samples
            .front()
            .is_some_and(|(t, _, _)| now.duration_since(*t) > RATE_WINDOW)
        {
            samples.pop_front();
        }
        match (samples.front(), samples.back()) {
            (Some(a), Some(b)) if b.0 > a.0 => {
                let secs = b.0.duration_since(a.0).as_secs_f64();
                (
                    (b.1 - a.1) as f64 / secs,
                    (b.2.saturating_sub(a.2)) as f64 / secs,
                )
            }
            _ => (0.0, 0.0),
        }
    }
}

/// Runs group commits until shutdown: each lane batch is checked, written and made durable in
/// one transaction, then every POST of it is answered.
pub async fn writer(svc: Arc<Service>) {
    let shutdown = svc.shutdown.clone();
    loop {
        let batch = svc.queue.next_batch();
        if batch.is_empty() {
            tokio::select! {
                _ = svc.queue.work.notified() => continue,
                _ = shutdown.wait() => break,
            }
        }
        let (checked, replies): (Vec<Checked>, Vec<_>) =
            batch.into_iter().map(|q| (q.checked, q.reply)).unzip();
        let store = svc.store.clone();
        let started = Instant::now();
        let joined = tokio::task::spawn_blocking(move || {
            let results = store.commit(&checked);
            (checked, results)
        })
        .await;
        let (checked, results) = match joined {
            Ok(r) => r,
            Err(e) => {
                error!(error = %e, "the group commit panicked");
                for reply in replies {
                    let _ = reply.send(Err(Rejection::Unavailable("internal error".into())));
                }
                continue;
            }
        };
        let m = &svc.metrics.anchor;
        m.commit_seconds.observe(started.elapsed().as_secs_f64());
        m.commit_batches.observe(replies.len() as f64);
        match results {
            Ok(results) => {
                for ((c, reply), result) in checked.iter().zip(replies).zip(results) {
                    let lane = c.priority.lane();
                    if result.is_ok() {
                        m.records_acknowledged
                            .get_or_create(&LaneLabel { lane })
                            .inc_by(c.records.len() as u64);
                    }
                    m.ack_seconds
                        .get_or_create(&LaneLabel { lane })
                        .observe(c.arrived.elapsed().as_secs_f64());
                    let _ = reply.send(result);
                }
            }
            Err(e) => {
                error!(error = %e, "group commit failed; its claim batches are refused");
                for reply in replies {
                    let _ = reply.send(Err(Rejection::Unavailable(format!(
                        "the daemon's database refused the write: {e}"
                    ))));
                }
            }
        }
        let waiting = svc.store.unbatched_leaves();
        if waiting > 0 {
            svc.claims.notify_one();
        }
        if waiting >= svc.config.max_anchor_leaves as u64 {
            svc.full.notify_one();
        }
    }
    // Answer what is still queued: nothing of it was stored.
    loop {
        let batch = svc.queue.next_batch();
        if batch.is_empty() {
            break;
        }
        for q in batch {
            let _ = q.reply.send(Err(Rejection::Unavailable(
                "the daemon is shutting down".into(),
            )));
        }
    }
}

/// The running service: its address and tasks.
pub struct Running {
    pub addr: SocketAddr,
    pub service: Arc<Service>,
    tasks: Vec<JoinHandle<()>>,
}

impl Running {
    /// Waits for the tasks after shutdown was triggered (the final redeem included).
    pub async fn join(self, grace: Duration) {
        for task in self.tasks {
            if tokio::time::timeout(grace, task).await.is_err() {
                warn!("an anchoring task did not stop in time");
            }
        }
    }
}

/// Starts the HTTP listener, the writer and, with a chain, the anchorer and the redeemer.
pub async fn spawn(svc: Arc<Service>) -> crate::Result<Running> {
    let (addr, http_task) =
        http::serve(svc.config.listen.trim(), svc.clone(), svc.shutdown.clone()).await?;
    let mut tasks = vec![http_task, tokio::spawn(writer(svc.clone()))];
    if svc.chain.is_some() {
        tasks.push(tokio::spawn(anchorer::run(svc.clone())));
        tasks.push(tokio::spawn(redeem::run(svc.clone())));
    }
    let sampler = svc.clone();
    tasks.push(tokio::spawn(async move {
        while !sampler.shutdown.sleep(Duration::from_secs(1)).await {
            sampler.sample();
        }
    }));
    Ok(Running {
        addr,
        service: svc,
        tasks,
    })
}

/// Builds the service from the relayer's configuration and chain handle, and starts it.
pub async fn start(
    config: &crate::Config,
    chain: &crate::chain::ChainHandle,
    metrics: Arc<Metrics>,
    shutdown: Shutdown,
) -> crate::Result<Running> {
    let section = config.anchor.clone();
    section.validate()?;
    let deployment = twinshare_client::Deployment::load(config.deployment_path())
        .map_err(ConfigError::Deployment)?;
    let contracts = AnchorContracts {
        registry: chain.data_registry.clone(),
        storage_payment: section
            .storage_payment
            .clone()
            .unwrap_or(deployment.contracts.storage_payment.clone()),
        payment_channel: section.payment_channel.clone().or_else(|| {
            deployment
                .contract("payment-channel")
                .ok()
                .map(str::to_string)
        }),
        provider: section.provider.clone().unwrap_or_else(|| {
            deployment
                .account("provider")
                .map(str::to_string)
                .unwrap_or_else(|_| chain.address().to_string())
        }),
        channel: section.channel.clone(),
    };
    if contracts.payment_channel.is_none() {
        warn!("no payment-channel contract known: High claim batches will be refused (402)");
    }
    let db = section.db_path(&config.db_path());
    let store = Arc::new(
        tokio::task::spawn_blocking(move || Store::open(&db))
            .await
            .map_err(|e| DbError::Storage {
                op: "open",
                reason: e.to_string(),
            })??,
    );
    let anchor_chain = AnchorChain::new(
        chain.client().clone(),
        chain.signer().clone(),
        contracts.clone(),
    );
    let counts = store.counts();
    info!(
        db = %store.path().display(),
        listen = %section.listen,
        channel = %contracts.channel,
        provider = %contracts.provider,
        payment_channel = ?contracts.payment_channel,
        acknowledged = counts.acknowledged,
        anchored = counts.anchored,
        pending = counts.pending_high + counts.pending_low,
        "anchoring service starting"
    );
    let svc = Arc::new(Service::new(
        section,
        store,
        Arc::new(anchor_chain.clone()),
        Some(anchor_chain),
        Account {
            address: chain.address().to_string(),
            prefix: chain.client().config().bech32_prefix.clone(),
        },
        metrics,
        shutdown,
    ));
    spawn(svc).await
}
