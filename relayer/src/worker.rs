//! The worker: for each job of a batch, check the sale on chain, find the asset in storage,
//! open and verify the kfrags, re-encrypt the capsule, store the cfrags next to the asset;
//! then report every delivery that is ready in one tx.
//!
//! Every attempt starts from the chain's state of the sale, so a job is safe to run again after
//! any crash: a sale already delivered is recorded as such and never reported twice, a sale
//! refunded or past its deadline is dropped. A cfrag object, once stored, is never replaced by
//! a new re-encryption (Umbral's re-encryption is randomized, and a report of the old hash may
//! still be in the mempool): a later attempt reuses it after verifying it.
//!
//! Each step ends in an [`Outcome`]: ready to report, done (delivered, skipped or failed for
//! good, written to the database), or retry later (the supervisor waits as
//! [`crate::retry::RetryPolicy`] says).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use futures::StreamExt;
use sha2::{Digest, Sha256};
use tracing::{debug, error, info, warn};
use twinshare_crypto::sharing::{decode_cfrags, encode_cfrags};
use twinshare_crypto::{relay, verify_cfrags, Codec, Manifest, PublicKey, SecretKey};
use twinshare_types::escrow::{Sale, SaleStatus};
use twinshare_uploader::layout::{AssetId, SaleId};
use twinshare_uploader::{storage, Operator};

use crate::chain::{ChainHandle, Delivery};
use crate::db::{now_ms, JobRecord, JobState, Store};
use crate::error::{ChainError, DbError, FailureKind};
use crate::lane::Priority;
use crate::metrics::Metrics;

/// What one step of a job came to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The cfrags are stored; the delivery report goes in the next tx.
    Ready(Delivery),
    /// Nothing more to do (delivered, skipped or failed: see the job's record).
    Done(JobState),
    /// A passing failure: try again later.
    Retry(String),
}

/// A job after one step.
#[derive(Clone, Debug)]
pub struct Stepped {
    pub sale_id: u64,
    pub priority: Priority,
    pub attempts: u32,
    pub outcome: Outcome,
}

/// Where a record's asset lives in storage (fixed once the record is registered).
#[derive(Clone, Debug)]
struct AssetInfo {
    storage_id: AssetId,
    registered_root: Vec<u8>,
}

/// Why a step could not go on.
enum Stop {
    Retry(String),
    Fail(FailureKind, String),
    Skip(String),
    /// The escrow already holds this relayer's delivery.
    AlreadyDelivered(Box<Sale>),
}

impl From<DbError> for Stop {
    fn from(e: DbError) -> Self {
        Stop::Retry(e.to_string())
    }
}

/// A chain failure: final (`kind`) only when the contract itself refused (no such sale, asset,
/// record or party); anything else (the node away, slow, answering oddly) is retried, bounded
/// by the sale's delivery deadline.
fn chain_stop(e: ChainError, kind: FailureKind) -> Stop {
    if !e.is_transient() && e.contract_message().is_some() {
        Stop::Fail(kind, e.to_string())
    } else {
        Stop::Retry(e.to_string())
    }
}

/// The worker's tools.
pub struct Worker {
    chain: ChainHandle,
    storage: Operator,
    relayer_sk: Arc<SecretKey>,
    store: Arc<Store>,
    metrics: Arc<Metrics>,
    concurrency: usize,
    assets: Mutex<HashMap<u64, AssetInfo>>,
}

impl std::fmt::Debug for Worker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Worker")
            .field("relayer", &self.chain.address())
            .finish_non_exhaustive()
    }
}

impl Worker {
    pub fn new(
        chain: ChainHandle,
        storage: Operator,
        relayer_sk: SecretKey,
        store: Arc<Store>,
        metrics: Arc<Metrics>,
        concurrency: usize,
    ) -> Self {
        Self {
            chain,
            storage,
            relayer_sk: Arc::new(relayer_sk),
            store,
            metrics,
            concurrency: concurrency.max(1),
            assets: Mutex::new(HashMap::new()),
        }
    }

    pub fn chain(&self) -> &ChainHandle {
        &self.chain
    }

    /// Runs one batch: prepares every job (a few at once), then reports the ready ones in one
    /// tx. Returns each job's outcome.
    pub async fn run_batch(&self, sale_ids: Vec<u64>) -> Vec<Stepped> {
        let now_ns = match self.chain.tip().await {
            Ok((height, ns)) => {
                self.metrics.set_chain_height(height);
                ns
            }
            Err(e) => {
                warn!(error = %e, "cannot read the chain's time; the batch waits");
                return sale_ids
                    .into_iter()
                    .filter_map(|id| self.retry_job(id, &e.to_string()))
                    .collect();
            }
        };
        // `buffered` keeps the lane's order, so the tx reports High (by fee) before Low.
        let prepared: Vec<Stepped> = futures::stream::iter(sale_ids)
            .map(|id| self.prepare(id, now_ns))
            .buffered(self.concurrency)
            .filter_map(|s| async move { s })
            .collect()
            .await;
        let (ready, mut out): (Vec<Stepped>, Vec<Stepped>) = prepared
            .into_iter()
            .partition(|s| matches!(s.outcome, Outcome::Ready(_)));
        if !ready.is_empty() {
            out.extend(self.deliver(ready).await);
        }
        out
    }

    /// Ends a job that kept failing for passing reasons (only with a bounded retry policy).
    pub fn give_up(&self, sale_id: u64, reason: &str) {
        if let Some(job) = self.store.get(sale_id) {
            self.finish(
                job,
                Stop::Fail(
                    FailureKind::GaveUp,
                    format!("retried too often; last error: {reason}"),
                ),
            );
        }
    }

    /// Records a passing failure on a job; `None` if the job is unknown.
    fn retry_job(&self, sale_id: u64, reason: &str) -> Option<Stepped> {
        let mut job = self.store.get(sale_id)?;
        job.attempts = job.attempts.saturating_add(1);
        job.last_error = Some(reason.to_string());
        if job.state == JobState::Reporting {
            job.state = if job.cfrag_hash.is_some() {
                JobState::Stored
            } else {
                JobState::Queued
            };
        }
        job.touch();
        if let Err(e) = self.store.update(std::slice::from_ref(&job)) {
            error!(sale = sale_id, error = %e, "cannot record a job's retry");
        }
        Some(Stepped {
            sale_id,
            priority: job.priority,
            attempts: job.attempts,
            outcome: Outcome::Retry(reason.to_string()),
        })
    }

    /// Ends a job in a terminal state and says so in the logs and metrics.
    fn finish(&self, mut job: JobRecord, stop: Stop) -> Stepped {
        let (state, reason) = match stop {
            Stop::Retry(reason) => {
                let stepped = self.retry_job(job.sale_id, &reason);
                return stepped.unwrap_or(Stepped {
                    sale_id: job.sale_id,
                    priority: job.priority,
                    attempts: job.attempts,
                    outcome: Outcome::Retry(reason),
                });
            }
            Stop::Fail(kind, reason) => {
                error!(
                    sale = job.sale_id,
                    asset = job.asset_id,
                    kind = %kind,
                    %reason,
                    "job failed; the buyer's refund opens at the delivery deadline"
                );
                self.metrics.failed(kind);
                job.failure = Some(kind);
                (JobState::Failed, reason)
            }
            Stop::Skip(reason) => {
                info!(sale = job.sale_id, %reason, "job skipped");
                (JobState::Skipped, reason)
            }
            Stop::AlreadyDelivered(sale) => {
                info!(
                    sale = job.sale_id,
                    locator = sale.cfrag_locator.as_deref().unwrap_or(""),
                    "the escrow already holds this relayer's delivery"
                );
                if job.cfrag_locator.is_none() {
                    job.cfrag_locator = sale.cfrag_locator.clone();
                }
                if job.cfrag_hash.is_none() {
                    job.cfrag_hash = sale.cfrag_hash.as_ref().map(|h| h.to_hex());
                }
                (JobState::Delivered, "found delivered on chain".to_string())
            }
        };
        job.state = state;
        job.last_error = Some(reason);
        job.touch();
        if let Err(e) = self.store.update(std::slice::from_ref(&job)) {
            error!(sale = job.sale_id, error = %e, "cannot record a job's end");
            return Stepped {
                sale_id: job.sale_id,
                priority: job.priority,
                attempts: job.attempts,
                outcome: Outcome::Retry(e.to_string()),
            };
        }
        Stepped {
            sale_id: job.sale_id,
            priority: job.priority,
            attempts: job.attempts,
            outcome: Outcome::Done(state),
        }
    }

    /// Reads the sale and says whether it is still this relayer's to deliver.
    async fn check_sale(&self, sale_id: u64, now_ns: u128) -> Result<Sale, Stop> {
        let sale = self
            .chain
            .sale(sale_id)
            .await
            .map_err(|e| chain_stop(e, FailureKind::BadSale))?;
        if sale.relayer.as_str() != self.chain.address() {
            return Err(Stop::Skip(format!(
                "the sale's relayer is {}, not this one",
                sale.relayer
            )));
        }
        match sale.status {
            SaleStatus::ReKeySubmitted => {}
            SaleStatus::Delivered | SaleStatus::Disputed | SaleStatus::Confirmed
                if sale.cfrag_locator.is_some() =>
            {
                return Err(Stop::AlreadyDelivered(Box::new(sale)));
            }
            other => {
                return Err(Stop::Skip(format!(
                    "the sale is {}, nothing to deliver",
                    other.as_str()
                )))
            }
        }
        if let Some(deadline) = sale.delivery_deadline {
            if now_ns >= u128::from(deadline.nanos()) {
                return Err(Stop::Skip(format!(
                    "the delivery deadline passed at {deadline}; the buyer may take a refund"
                )));
            }
        }
        Ok(sale)
    }

    async fn asset_info(&self, asset_id: u64) -> Result<AssetInfo, Stop> {
        if let Some(info) = self.lock_assets().get(&asset_id) {
            return Ok(info.clone());
        }
        let asset = self
            .chain
            .asset(asset_id)
            .await
            .map_err(|e| chain_stop(e, FailureKind::UnknownAsset))?;
        let record = self
            .chain
            .record(asset.record_id)
            .await
            .map_err(|e| chain_stop(e, FailureKind::UnknownAsset))?;
        let storage_id = AssetId::from_locator(&record.locator).map_err(|e| {
            Stop::Fail(
                FailureKind::UnknownAsset,
                format!(
                    "record {} locator {:?} is not an asset of this storage: {e}",
                    record.id, record.locator
                ),
            )
        })?;
        let info = AssetInfo {
            storage_id,
            registered_root: record.hash.to_vec(),
        };
        self.lock_assets().insert(asset_id, info.clone());
        Ok(info)
    }

    fn lock_assets(&self) -> std::sync::MutexGuard<'_, HashMap<u64, AssetInfo>> {
        self.assets.lock().unwrap_or_else(|p| p.into_inner())
    }

    async fn manifest(&self, info: &AssetInfo) -> Result<Manifest, Stop> {
        let manifest = storage::read_manifest(&self.storage, &info.storage_id)
            .await
            .map_err(|e| match e {
                twinshare_uploader::Error::ManifestNotFound { .. }
                | twinshare_uploader::Error::Manifest { .. } => {
                    Stop::Fail(FailureKind::MissingCapsule, e.to_string())
                }
                other => Stop::Retry(other.to_string()),
            })?;
        manifest
            .check_registered_root(&info.registered_root)
            .map_err(|e| {
                Stop::Fail(
                    FailureKind::MissingCapsule,
                    format!(
                        "the manifest of {} does not carry the root registered on chain: {e}",
                        info.storage_id
                    ),
                )
            })?;
        Ok(manifest)
    }

    /// One job's preparation; `None` for a job the database does not know (nothing to do).
    async fn prepare(&self, sale_id: u64, now_ns: u128) -> Option<Stepped> {
        let job = self.store.get(sale_id)?;
        if job.state.is_terminal() {
            return None;
        }
        Some(match self.try_prepare(job.clone(), now_ns).await {
            Ok(stepped) => stepped,
            Err(stop) => self.finish(job, stop),
        })
    }

    async fn try_prepare(&self, mut job: JobRecord, now_ns: u128) -> Result<Stepped, Stop> {
        let sale = self.check_sale(job.sale_id, now_ns).await?;
        let kfrags = sale.kfrags.clone().ok_or_else(|| {
            Stop::Fail(FailureKind::BadSale, "the sale holds no kfrags".to_string())
        })?;
        let buyer = PublicKey::decode(sale.buyer_pubkey.as_slice())
            .map_err(|e| Stop::Fail(FailureKind::BadBuyerKey, format!("the buyer's key: {e}")))?;
        let info = self.asset_info(sale.asset_id).await?;
        let party = self
            .chain
            .party(sale.seller.as_str())
            .await
            .map_err(|e| chain_stop(e, FailureKind::NoSellerKey))?;
        let verifying = PublicKey::decode(party.pubkey.as_slice()).map_err(|e| {
            Stop::Fail(
                FailureKind::NoSellerKey,
                format!("the seller's registered party key: {e}"),
            )
        })?;
        let manifest = self.manifest(&info).await?;
        if manifest.verifying_public_key != verifying {
            debug!(
                sale = job.sale_id,
                "the manifest's verifying key differs from the seller's registered key; the \
                 registered one is used"
            );
        }
        let sale_key = SaleId::new(job.sale_id.to_string())
            .map_err(|e| Stop::Fail(FailureKind::BadSale, e.to_string()))?;
        let path = info.storage_id.cfrags_path(&sale_key);

        let existing = storage::read_optional(&self.storage, &path)
            .await
            .map_err(|e| Stop::Retry(e.to_string()))?;
        let reusable = existing.filter(|bytes| {
            let ok = decode_cfrags(bytes)
                .and_then(|c| {
                    verify_cfrags(
                        c,
                        &manifest.capsule,
                        &verifying,
                        &manifest.delegating_public_key,
                        &buyer,
                    )
                })
                .is_ok();
            if !ok {
                warn!(sale = job.sale_id, %path, "a stored cfrag object does not verify; re-encrypting");
            }
            ok
        });
        let bytes = match reusable {
            Some(bytes) => {
                debug!(sale = job.sale_id, %path, "reusing the cfrags stored by an earlier attempt");
                bytes
            }
            None => {
                let sk = self.relayer_sk.clone();
                let capsule = manifest.capsule.clone();
                let delegating = manifest.delegating_public_key;
                let started = Instant::now();
                let cfrags = tokio::task::spawn_blocking(move || {
                    relay(&sk, &kfrags, &capsule, &verifying, &delegating, &buyer)
                        .and_then(|c| encode_cfrags(&c))
                })
                .await
                .map_err(|e| Stop::Retry(format!("re-encryption task: {e}")))?
                .map_err(|e| Stop::Fail(FailureKind::BadKfrags, e.to_string()))?;
                let elapsed = started.elapsed();
                self.metrics
                    .reencrypt_seconds
                    .observe(elapsed.as_secs_f64());
                job.reencrypt_ms = Some(elapsed.as_secs_f64() * 1e3);
                storage::put_cfrags(&self.storage, &info.storage_id, &sale_key, cfrags.clone())
                    .await
                    .map_err(|e| Stop::Retry(e.to_string()))?;
                cfrags
            }
        };
        let hash: [u8; 32] = Sha256::digest(&bytes).into();
        job.state = JobState::Stored;
        job.cfrag_locator = Some(path.clone());
        job.cfrag_hash = Some(hex::encode(hash));
        job.touch();
        self.store.update(std::slice::from_ref(&job))?;
        debug!(sale = job.sale_id, %path, reencrypt_ms = ?job.reencrypt_ms, "cfrags stored");
        Ok(Stepped {
            sale_id: job.sale_id,
            priority: job.priority,
            attempts: job.attempts,
            outcome: Outcome::Ready(Delivery {
                sale_id: job.sale_id,
                cfrag_locator: path,
                cfrag_hash: hash,
            }),
        })
    }

    /// Reports the ready deliveries in one tx. If the escrow refuses it (one sale moved on
    /// between the check and the tx), each is checked again and reported alone.
    async fn deliver(&self, ready: Vec<Stepped>) -> Vec<Stepped> {
        let deliveries: Vec<Delivery> = ready
            .iter()
            .filter_map(|s| match &s.outcome {
                Outcome::Ready(d) => Some(d.clone()),
                _ => None,
            })
            .collect();
        let mut jobs: Vec<JobRecord> = deliveries
            .iter()
            .filter_map(|d| self.store.get(d.sale_id))
            .collect();
        for job in &mut jobs {
            job.state = JobState::Reporting;
            job.touch();
        }
        if let Err(e) = self.store.update(&jobs) {
            return deliveries
                .iter()
                .filter_map(|d| self.retry_job(d.sale_id, &e.to_string()))
                .collect();
        }
        let n = deliveries.len();
        match self.chain.report_deliveries(&deliveries).await {
            Ok(tx) => {
                self.metrics.delivery_tx("ok");
                self.metrics.deliveries_per_tx.observe(n as f64);
                let now = now_ms();
                for job in &mut jobs {
                    job.state = JobState::Delivered;
                    job.delivery_tx = Some(tx.hash.clone());
                    job.delivery_height = Some(tx.height);
                    job.batch_deliveries = Some(n as u32);
                    job.last_error = None;
                    job.touch();
                    let seconds = now.saturating_sub(job.seen_ms) as f64 / 1e3;
                    self.metrics
                        .delivery_seconds
                        .get_or_create(&crate::metrics::LaneLabels {
                            lane: job.priority.lane(),
                        })
                        .observe(seconds);
                    info!(
                        sale = job.sale_id,
                        lane = job.priority.lane(),
                        fee = job.priority.fee(),
                        tx = %tx.hash,
                        height = tx.height,
                        blocks_since_rekey = job.rekey_height.map(|h| tx.height.saturating_sub(h)),
                        batch = n,
                        "delivery reported"
                    );
                }
                if let Err(e) = self.store.update(&jobs) {
                    // The chain has the deliveries; the next attempt finds them there.
                    error!(error = %e, "cannot record delivered jobs");
                }
                ready
                    .into_iter()
                    .map(|s| Stepped {
                        outcome: Outcome::Done(JobState::Delivered),
                        ..s
                    })
                    .collect()
            }
            Err(e) if e.contract_message().is_some() => {
                self.metrics.delivery_tx("failed");
                warn!(error = %e, deliveries = n, "the escrow refused the delivery tx");
                let message = e.to_string();
                let mut out = Vec::with_capacity(n);
                for d in deliveries {
                    out.push(self.redeliver_alone(d, n > 1, &message).await);
                }
                out
            }
            Err(e) => {
                self.metrics.delivery_tx("error");
                warn!(error = %e, deliveries = n, "delivery tx did not go through; retrying");
                deliveries
                    .iter()
                    .filter_map(|d| self.retry_job(d.sale_id, &e.to_string()))
                    .collect()
            }
        }
    }

    /// After a refused tx: check the sale again, and report it alone if it still waits (only
    /// when it came from a larger batch: a lone refusal the sale's state does not explain is
    /// final).
    async fn redeliver_alone(&self, d: Delivery, try_again: bool, refusal: &str) -> Stepped {
        let Some(job) = self.store.get(d.sale_id) else {
            return Stepped {
                sale_id: d.sale_id,
                priority: Priority::Low,
                attempts: 0,
                outcome: Outcome::Done(JobState::Skipped),
            };
        };
        let now_ns = match self.chain.tip().await {
            Ok((_, ns)) => ns,
            Err(e) => return self.finish(job, Stop::Retry(e.to_string())),
        };
        match self.check_sale(d.sale_id, now_ns).await {
            Err(stop) => self.finish(job, stop),
            Ok(_) if try_again => {
                let stepped = Stepped {
                    sale_id: job.sale_id,
                    priority: job.priority,
                    attempts: job.attempts,
                    outcome: Outcome::Ready(d),
                };
                Box::pin(self.deliver(vec![stepped]))
                    .await
                    .pop()
                    .unwrap_or_else(|| Stepped {
                        sale_id: job.sale_id,
                        priority: job.priority,
                        attempts: job.attempts,
                        outcome: Outcome::Retry("no outcome".into()),
                    })
            }
            Ok(_) => self.finish(job, Stop::Fail(FailureKind::Refused, refusal.to_string())),
        }
    }
}
