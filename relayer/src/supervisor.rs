//! The supervisor: starts the parts, routes event batches into jobs, and runs the batch loop.
//!
//! ```text
//! events (websocket + catch-up) ──ReKey──> db (job + cursor, one txn) ──> lane (Rules 1-3)
//! PendingDeliveries sweep ──────────────────────^                             │ batch
//! worker: check sale -> re-encrypt -> store cfrag -> one tx of deliveries <───┘
//! ```
//!
//! On start: open the database, serve HTTP, connect (retrying), put every unfinished job back
//! in the lane, subscribe from the cursor (the missed blocks are searched first), then sweep the
//! escrow's pending deliveries. On SIGTERM: stop reading events, let the batch in flight finish
//! within the grace period (else abandon it: its jobs resume on the next start), save the
//! cursor, exit.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::Serialize;
use tokio::sync::{watch, Notify};
use tracing::{debug, error, info, warn};

use crate::chain::ChainHandle;
use crate::config::Config;
use crate::db::{JobRecord, JobState, Store};
use crate::error::{ConfigError, EventsError, Result};
use crate::events::{EventSource, SourceItem};
use crate::keys::Identity;
use crate::lane::{Lane, Priority};
use crate::metrics::Metrics;
use crate::retry::{RetryPolicy, Step};
use crate::worker::{Outcome, Worker};

/// A shutdown flag every task can wait on.
#[derive(Clone, Debug)]
pub struct Shutdown {
    tx: Arc<watch::Sender<bool>>,
    rx: watch::Receiver<bool>,
}

impl Default for Shutdown {
    fn default() -> Self {
        Self::new()
    }
}

impl Shutdown {
    pub fn new() -> Self {
        let (tx, rx) = watch::channel(false);
        Self {
            tx: Arc::new(tx),
            rx,
        }
    }

    pub fn trigger(&self) {
        self.tx.send_replace(true);
    }

    pub fn is_triggered(&self) -> bool {
        *self.rx.borrow()
    }

    /// Returns once shutdown was asked for.
    pub async fn wait(&self) {
        let mut rx = self.rx.clone();
        // The sender lives as long as any clone of this: an error cannot happen.
        let _ = rx.wait_for(|v| *v).await;
    }

    /// Sleeps for `d`; true if shutdown was asked for meanwhile.
    pub async fn sleep(&self, d: Duration) -> bool {
        tokio::select! {
            _ = tokio::time::sleep(d) => self.is_triggered(),
            _ = self.wait() => true,
        }
    }
}

/// Triggers `shutdown` on SIGTERM or SIGINT (Ctrl-C).
pub fn shutdown_on_signals(shutdown: Shutdown) {
    tokio::spawn(async move {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            match signal(SignalKind::terminate()) {
                Ok(mut term) => {
                    tokio::select! {
                        _ = term.recv() => info!("SIGTERM: shutting down"),
                        _ = tokio::signal::ctrl_c() => info!("SIGINT: shutting down"),
                    }
                }
                Err(e) => {
                    warn!(error = %e, "cannot listen for SIGTERM; only Ctrl-C stops the relayer");
                    let _ = tokio::signal::ctrl_c().await;
                }
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
        }
        shutdown.trigger();
    });
}

/// Who this relayer is, for `/status`.
#[derive(Clone, Debug, Default, Serialize, serde::Deserialize, PartialEq, Eq)]
pub struct DaemonInfo {
    pub relayer: String,
    pub relayer_pubkey: String,
    pub escrow: String,
    pub storage: String,
    pub dev_mnemonic: bool,
}

/// Liveness, for `/healthz`.
#[derive(Debug)]
struct Health {
    last_loop: Option<Instant>,
    connected: bool,
}

/// What the supervisor, the batch loop and the HTTP endpoint share.
pub struct Shared {
    pub store: Arc<Store>,
    pub metrics: Arc<Metrics>,
    pub info: Mutex<DaemonInfo>,
    pub shutdown: Shutdown,
    lane: Mutex<Lane<u64>>,
    /// Jobs in the lane, in flight or waiting to be retried: each at most once.
    scheduled: Mutex<HashSet<u64>>,
    work: Notify,
    health: Mutex<Health>,
}

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shared").finish_non_exhaustive()
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// How fresh the event loop must be for `/healthz` to say ok.
const HEALTHY_WITHIN: Duration = Duration::from_secs(15);

impl Shared {
    pub fn new(
        store: Arc<Store>,
        metrics: Arc<Metrics>,
        lane: Lane<u64>,
        shutdown: Shutdown,
    ) -> Self {
        Self {
            store,
            metrics,
            info: Mutex::new(DaemonInfo::default()),
            shutdown,
            lane: Mutex::new(lane),
            scheduled: Mutex::new(HashSet::new()),
            work: Notify::new(),
            health: Mutex::new(Health {
                last_loop: None,
                connected: false,
            }),
        }
    }

    pub fn info(&self) -> DaemonInfo {
        lock(&self.info).clone()
    }

    /// Puts a job in the lane unless it is already scheduled.
    pub fn enqueue(&self, sale_id: u64, priority: Priority) {
        if lock(&self.scheduled).insert(sale_id) {
            lock(&self.lane).push(priority, sale_id);
            self.work.notify_one();
        }
    }

    /// Puts a job back in the lane after `delay` (it stays scheduled meanwhile).
    fn enqueue_after(self: &Arc<Self>, sale_id: u64, priority: Priority, delay: Duration) {
        let shared = self.clone();
        tokio::spawn(async move {
            if shared.shutdown.sleep(delay).await {
                return;
            }
            lock(&shared.lane).push(priority, sale_id);
            shared.work.notify_one();
        });
    }

    fn done(&self, sale_id: u64) {
        lock(&self.scheduled).remove(&sale_id);
    }

    /// Jobs waiting in the lane: (High, Low).
    pub fn lane_lengths(&self) -> (usize, usize) {
        let lane = lock(&self.lane);
        (lane.high_len(), lane.low_len())
    }

    fn beat(&self) {
        lock(&self.health).last_loop = Some(Instant::now());
    }

    fn set_connected(&self, connected: bool) {
        lock(&self.health).connected = connected;
    }

    /// `(healthy, words)`.
    pub fn health(&self) -> (bool, &'static str) {
        if self.shutdown.is_triggered() {
            return (false, "shutting down");
        }
        let h = lock(&self.health);
        match h.last_loop {
            None => (false, "starting"),
            Some(t) if t.elapsed() > HEALTHY_WITHIN => (false, "stalled"),
            Some(_) if !h.connected => (true, "reconnecting"),
            Some(_) => (true, "ok"),
        }
    }
}

/// How to start.
#[derive(Clone, Copy, Debug, Default)]
pub struct RunOptions {
    /// Rewind the cursor so events are read again from this height, and retry the failed jobs
    /// seen from there.
    pub replay_from: Option<u64>,
}

/// Runs the relayer until `shutdown` is triggered (or a fatal error).
pub async fn run(config: Config, options: RunOptions, shutdown: Shutdown) -> Result<()> {
    config.validate()?;
    let mnemonic = config.mnemonic()?;
    let settings = config.chain()?;
    let identity = Identity::from_mnemonic(&mnemonic.phrase, &settings.config.bech32_prefix)?;
    drop(mnemonic.phrase);
    if mnemonic.dev {
        warn!(
            address = identity.address(),
            source = %mnemonic.source,
            "DEV-ONLY: running with the localnet's published dev `relayer` mnemonic; never do this \
             on a real network (set ${} or relayer.mnemonic_file)",
            config.relayer.mnemonic_env
        );
    } else {
        info!(source = %mnemonic.source, "relayer mnemonic loaded");
    }
    let storage_config = config.storage()?;
    let storage = storage_config.build().map_err(ConfigError::Storage)?;
    let store = Arc::new(Store::open(&config.db_path())?);
    info!(
        relayer = identity.address(),
        relayer_pubkey = %identity.relayer_public_key_hex(),
        escrow = %settings.escrow,
        rpc = %settings.config.rpc_url,
        storage = %storage_config.describe(),
        db = %store.path().display(),
        cursor = ?store.cursor(),
        "starting"
    );
    if let Some(from) = options.replay_from {
        replay(&store, from)?;
    }

    let metrics = Arc::new(Metrics::new());
    let shared = Arc::new(Shared::new(
        store.clone(),
        metrics.clone(),
        Lane::new(config.lane.lane()),
        shutdown.clone(),
    ));
    *lock(&shared.info) = DaemonInfo {
        relayer: identity.address().to_string(),
        relayer_pubkey: identity.relayer_public_key_hex(),
        escrow: settings.escrow.clone(),
        storage: storage_config.describe(),
        dev_mnemonic: mnemonic.dev,
    };
    let http = if config.http.listen.trim().is_empty() {
        None
    } else {
        // The web wallet reads the provider's storage here (storage_http).
        let extra = if config.http.storage {
            crate::storage_http::router(storage.clone(), config.http.max_object_bytes)
        } else {
            axum::Router::new()
        };
        let (addr, task) = crate::http::serve_with(
            config.http.listen.trim(),
            shared.clone(),
            extra,
            shutdown.clone(),
        )
        .await?;
        info!(%addr, storage = config.http.storage, "serving /healthz, /metrics, /status and /storage/v1/");
        Some(task)
    };

    let Identity { account, umbral } = identity;
    let chain = ChainHandle::new(&settings, account)?;
    let retry = config.retry;
    let Some(height) = connect(&chain, &retry, &shutdown).await? else {
        return Ok(());
    };
    metrics.set_chain_height(height);
    metrics.up.set(1.0);

    let worker = Arc::new(Worker::new(
        chain.clone(),
        storage,
        umbral.relayer_key(),
        store.clone(),
        metrics.clone(),
        config.lane.concurrency,
    ));
    drop(umbral);

    recover(&shared, &config);

    // The anchoring service (issue 9) shares the chain handle, the signer and the metrics; if
    // it cannot start (its port taken, say) the relayer goes on without it.
    let anchor = if config.anchor.enabled {
        match crate::anchor::start(&config, &chain, metrics.clone(), shutdown.clone()).await {
            Ok(running) => {
                info!(addr = %running.addr, "serving the anchoring API");
                Some(running)
            }
            Err(e) => {
                error!(error = %e, "the anchoring service cannot start; relaying goes on without it");
                None
            }
        }
    } else {
        None
    };

    let from = store
        .cursor()
        .map(|c| c + 1)
        .or(config.chain.start_height)
        .unwrap_or(height);
    let source = retry
        .run("subscribing to escrow events", &shutdown, |_| {
            let chain = &chain;
            async move {
                match EventSource::start(
                    chain.rpc_url(),
                    &chain.escrow,
                    chain.address(),
                    Some(from),
                    &retry,
                )
                .await
                {
                    Ok(s) => Step::Continue(s),
                    Err(e) => Step::Retry(e),
                }
            }
        })
        .await;
    let mut source = match source {
        None => return Ok(()),
        Some(Ok(s)) => s,
        Some(Err(e)) => return Err(e.into()),
    };
    info!(from_height = from, "subscribed to escrow re-keys");
    shared.set_connected(true);
    shared.beat();
    if store.cursor().is_none() {
        // Nothing persisted yet: the subscription's start is where a restart resumes.
        store.record_seen(vec![], Some(from.saturating_sub(1)))?;
    }
    sweep(&shared, &chain).await;

    let batch_task = tokio::spawn(batch_loop(
        shared.clone(),
        worker.clone(),
        retry,
        config.linger(),
    ));
    let height_task = tokio::spawn(watch_height(shared.clone(), chain.clone()));

    let result = event_loop(&shared, &chain, &mut source, &config).await;
    shutdown.trigger();
    drop(source);
    height_task.abort();

    let grace = Duration::from_secs(config.daemon.shutdown_grace_secs);
    match tokio::time::timeout(grace, batch_task).await {
        Ok(Ok(())) => info!("the batch in flight finished"),
        Ok(Err(e)) => error!(error = %e, "the batch loop ended abnormally"),
        Err(_) => warn!(
            grace_secs = grace.as_secs(),
            "the batch in flight did not finish in time; abandoned (its jobs resume on the next \
             start, after checking their sales on chain)"
        ),
    }
    if let Some(anchor) = anchor {
        // Its last redeem runs now.
        anchor.join(grace).await;
    }
    metrics.up.set(0.0);
    if let Some(task) = http {
        let _ = tokio::time::timeout(Duration::from_secs(2), task).await;
    }
    info!(cursor = ?store.cursor(), "stopped");
    result
}

/// Rewinds the cursor to `from - 1` and puts the failed jobs seen from `from` back in the queue.
fn replay(store: &Store, from: u64) -> Result<()> {
    store.set_cursor(from.saturating_sub(1))?;
    let mut again = Vec::new();
    for mut job in store.snapshot().jobs {
        if job.state == JobState::Failed && job.rekey_height.is_none_or(|h| h >= from) {
            job.state = if job.cfrag_hash.is_some() {
                JobState::Stored
            } else {
                JobState::Queued
            };
            job.failure = None;
            job.attempts = 0;
            job.last_error = Some("replayed".into());
            job.touch();
            again.push(job);
        }
    }
    info!(
        from,
        retried = again.len(),
        "replay: cursor rewound, failed jobs queued again"
    );
    store.update(&again)?;
    Ok(())
}

/// Connects to the chain, retrying while the node is away; `None` on shutdown.
async fn connect(
    chain: &ChainHandle,
    retry: &RetryPolicy,
    shutdown: &Shutdown,
) -> Result<Option<u64>> {
    let got = retry
        .run("connecting to the chain", shutdown, |_| async {
            match chain.check().await {
                Ok(h) => Step::Continue(h),
                Err(e) if e.is_transient() => Step::Retry(e),
                Err(e) => Step::Abort(e),
            }
        })
        .await;
    match got {
        None => Ok(None),
        Some(Ok(h)) => Ok(Some(h)),
        Some(Err(e)) => Err(e.into()),
    }
}

/// Puts every unfinished job of the database back in the lane; jobs that were being reported
/// wait a little, so a tx of the previous run still in the mempool lands first.
fn recover(shared: &Arc<Shared>, config: &Config) {
    let jobs: Vec<JobRecord> = shared
        .store
        .snapshot()
        .jobs
        .into_iter()
        .filter(|j| !j.state.is_terminal())
        .collect();
    if jobs.is_empty() {
        return;
    }
    let delay = Duration::from_millis(config.daemon.recovery_delay_ms);
    let mut reporting = 0;
    for job in &jobs {
        if job.state == JobState::Reporting {
            reporting += 1;
            lock(&shared.scheduled).insert(job.sale_id);
            shared.enqueue_after(job.sale_id, job.priority, delay);
        } else {
            shared.enqueue(job.sale_id, job.priority);
        }
    }
    info!(
        jobs = jobs.len(),
        reporting, "resuming unfinished jobs from the database"
    );
}

/// Adds the escrow's pending deliveries for this relayer that the database does not know.
async fn sweep(shared: &Arc<Shared>, chain: &ChainHandle) {
    shared.metrics.sweeps.inc();
    let sales = match chain.pending_deliveries().await {
        Ok(s) => s,
        Err(e) => {
            warn!(error = %e, "sweeping pending deliveries failed; trying again later");
            return;
        }
    };
    let jobs: Vec<JobRecord> = sales
        .iter()
        .map(|s| JobRecord::new(s.id, s.asset_id, Priority::from_level(&s.level)))
        .collect();
    match shared.store.record_seen(jobs, None) {
        Ok(fresh) => {
            if !fresh.is_empty() {
                info!(
                    found = fresh.len(),
                    pending = sales.len(),
                    "the sweep found re-keys the events had not brought"
                );
            } else {
                debug!(pending = sales.len(), "sweep: nothing new");
            }
            for job in fresh {
                shared.enqueue(job.sale_id, job.priority);
            }
        }
        Err(e) => error!(error = %e, "cannot record swept jobs"),
    }
}

/// Reads events until shutdown; persists jobs and the cursor.
async fn event_loop(
    shared: &Arc<Shared>,
    chain: &ChainHandle,
    source: &mut EventSource,
    config: &Config,
) -> Result<()> {
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let sweep_every = Duration::from_secs(config.chain.sweep_interval_secs);
    let mut last_sweep = Instant::now();
    let shutdown = shared.shutdown.clone();
    loop {
        let (first, settled) = tokio::select! {
            _ = shutdown.wait() => return Ok(()),
            item = source.next() => {
                let settled = source.delivered_height();
                match item {
                    Ok(item) => (Some(item), settled),
                    Err(EventsError::Closed) => return Err(EventsError::Closed.into()),
                    Err(e) => return Err(e.into()),
                }
            }
            _ = tick.tick() => (None, source.delivered_height()),
        };
        let mut items: Vec<SourceItem> = first.into_iter().collect();
        while let Some(item) = source.try_next().await {
            items.push(item);
        }
        let mut must_sweep = false;
        let mut jobs = Vec::new();
        for item in items {
            match item {
                SourceItem::ReKeys(rekeys) => {
                    for r in rekeys {
                        debug!(
                            sale = r.sale_id,
                            height = r.height,
                            lane = r.priority.lane(),
                            "re-key event"
                        );
                        let mut job = JobRecord::new(r.sale_id, r.asset_id, r.priority);
                        job.rekey_height = Some(r.height);
                        job.rekey_tx = Some(r.tx_hash);
                        jobs.push(job);
                    }
                }
                SourceItem::Disconnected {
                    last_height,
                    reason,
                } => {
                    shared.metrics.event_disconnects.inc();
                    shared.set_connected(false);
                    warn!(last_height, %reason, "event subscription lost; reconnecting");
                }
                SourceItem::Gap { from, to, complete } => {
                    shared.metrics.event_gaps.inc();
                    info!(from, to, complete, "caught up on missed heights");
                    if !complete {
                        must_sweep = true;
                    }
                }
                SourceItem::Resumed { height } => {
                    shared.set_connected(true);
                    debug!(height, "event subscription live");
                }
            }
        }
        let cursor = (settled > 0).then_some(settled);
        let fresh = shared.store.record_seen(jobs, cursor)?;
        for job in fresh {
            shared.enqueue(job.sale_id, job.priority);
        }
        shared.beat();
        if must_sweep || (!sweep_every.is_zero() && last_sweep.elapsed() >= sweep_every) {
            sweep(shared, chain).await;
            last_sweep = Instant::now();
        }
    }
}

/// Keeps the chain height metric fresh (for the height lag).
async fn watch_height(shared: Arc<Shared>, chain: ChainHandle) {
    loop {
        if shared.shutdown.sleep(Duration::from_secs(2)).await {
            return;
        }
        if let Ok(h) = chain.height().await {
            shared.metrics.set_chain_height(h);
        }
    }
}

/// Cuts batches from the lane and runs them until shutdown.
async fn batch_loop(
    shared: Arc<Shared>,
    worker: Arc<Worker>,
    retry: RetryPolicy,
    linger: Duration,
) {
    let shutdown = shared.shutdown.clone();
    loop {
        if shutdown.is_triggered() {
            return;
        }
        if lock(&shared.lane).is_empty() {
            tokio::select! {
                _ = shared.work.notified() => {}
                _ = shutdown.wait() => return,
            }
            continue;
        }
        if !linger.is_zero() && shutdown.sleep(linger).await {
            return;
        }
        let batch = lock(&shared.lane).next_batch();
        if batch.is_empty() {
            continue;
        }
        let high = batch.iter().filter(|t| t.priority != Priority::Low).count();
        debug!(jobs = batch.len(), high, low = batch.len() - high, "batch");
        let ids: Vec<u64> = batch.iter().map(|t| t.item).collect();
        let stepped = worker.run_batch(ids.clone()).await;
        // A job with nothing left to do gives no outcome: it is no longer scheduled.
        for id in ids {
            if !stepped.iter().any(|s| s.sale_id == id) {
                shared.done(id);
            }
        }
        for stepped in stepped {
            match stepped.outcome {
                Outcome::Done(_) | Outcome::Ready(_) => shared.done(stepped.sale_id),
                Outcome::Retry(reason) => {
                    if retry.exhausted(stepped.attempts) {
                        worker.give_up(stepped.sale_id, &reason);
                        shared.done(stepped.sale_id);
                    } else {
                        let delay = retry.delay(stepped.attempts.max(1));
                        debug!(sale = stepped.sale_id, attempts = stepped.attempts, ?delay, %reason, "job retries later");
                        shared.enqueue_after(stepped.sale_id, stepped.priority, delay);
                    }
                }
            }
        }
    }
}
