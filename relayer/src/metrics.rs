//! Prometheus metrics (OpenMetrics text at `/metrics`), all prefixed `twinshare_relayer_`:
//!
//! | metric | type | labels |
//! | --- | --- | --- |
//! | `jobs` | gauge: jobs by state and lane | `state`, `lane` |
//! | `job_failures_total` | counter: jobs failed for good | `kind` |
//! | `reencrypt_seconds` | histogram: open + verify kfrags + re-encrypt, per job | |
//! | `delivery_seconds` | histogram: first seen to delivery included | `lane` |
//! | `deliveries_per_tx` | histogram | |
//! | `delivery_txs_total` | counter | `outcome` (`ok`, `failed`, `error`) |
//! | `chain_height`, `processed_height`, `height_lag` | gauges: the node's height, the cursor, the gap | |
//! | `event_gaps_total`, `event_disconnects_total` | counters | |
//! | `sweeps_total` | counter: `PendingDeliveries` sweeps | |

use std::sync::atomic::AtomicU64;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

use crate::db::{JobState, Snapshot};
use crate::error::FailureKind;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct JobLabels {
    pub state: &'static str,
    pub lane: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct KindLabels {
    pub kind: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct LaneLabels {
    pub lane: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct OutcomeLabels {
    pub outcome: &'static str,
}

/// Every metric of the relayer.
pub struct Metrics {
    registry: Registry,
    pub jobs: Family<JobLabels, Gauge>,
    pub job_failures: Family<KindLabels, Counter>,
    pub reencrypt_seconds: Histogram,
    pub delivery_seconds: Family<LaneLabels, Histogram>,
    pub deliveries_per_tx: Histogram,
    pub delivery_txs: Family<OutcomeLabels, Counter>,
    pub chain_height: Gauge,
    pub processed_height: Gauge,
    pub height_lag: Gauge,
    pub event_gaps: Counter,
    pub event_disconnects: Counter,
    pub sweeps: Counter,
    pub up: Gauge<f64, AtomicU64>,
    /// The anchoring service's metrics (`twinshare_relayer_anchor_*`).
    pub anchor: crate::anchor::metrics::AnchorMetrics,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Metrics")
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("twinshare_relayer");
        let jobs = Family::<JobLabels, Gauge>::default();
        registry.register("jobs", "Jobs by state and lane", jobs.clone());
        let job_failures = Family::<KindLabels, Counter>::default();
        registry.register(
            "job_failures",
            "Jobs failed for good (bad kfrags, unknown asset, missing capsule...)",
            job_failures.clone(),
        );
        // 0.1 ms .. ~1.6 s
        let reencrypt_seconds = Histogram::new(exponential_buckets(0.0001, 2.0, 15));
        registry.register(
            "reencrypt_seconds",
            "Time to open, verify and re-encrypt one sale's kfrags",
            reencrypt_seconds.clone(),
        );
        // 50 ms .. ~100 s
        let delivery_seconds = Family::<LaneLabels, Histogram>::new_with_constructor(|| {
            Histogram::new(exponential_buckets(0.05, 2.0, 12))
        });
        registry.register(
            "delivery_seconds",
            "From the relayer learning of a re-key to its delivery being included",
            delivery_seconds.clone(),
        );
        let deliveries_per_tx = Histogram::new([1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0]);
        registry.register(
            "deliveries_per_tx",
            "Delivery reports batched into one tx",
            deliveries_per_tx.clone(),
        );
        let delivery_txs = Family::<OutcomeLabels, Counter>::default();
        registry.register(
            "delivery_txs",
            "Delivery txs by outcome",
            delivery_txs.clone(),
        );
        let chain_height = Gauge::default();
        registry.register(
            "chain_height",
            "The node's latest height",
            chain_height.clone(),
        );
        let processed_height = Gauge::default();
        registry.register(
            "processed_height",
            "Height up to which escrow events are turned into jobs (the cursor)",
            processed_height.clone(),
        );
        let height_lag = Gauge::default();
        registry.register(
            "height_lag",
            "Blocks between the node's height and the cursor",
            height_lag.clone(),
        );
        let event_gaps = Counter::default();
        registry.register(
            "event_gaps",
            "Height ranges caught up by search after a disconnection",
            event_gaps.clone(),
        );
        let event_disconnects = Counter::default();
        registry.register(
            "event_disconnects",
            "Event subscription disconnections",
            event_disconnects.clone(),
        );
        let sweeps = Counter::default();
        registry.register(
            "sweeps",
            "Sweeps of the escrow's pending deliveries",
            sweeps.clone(),
        );
        let up = Gauge::<f64, AtomicU64>::default();
        registry.register("up", "1 while the daemon runs", up.clone());
        let anchor = crate::anchor::metrics::AnchorMetrics::register(&mut registry);
        let m = Self {
            registry,
            jobs,
            job_failures,
            reencrypt_seconds,
            delivery_seconds,
            deliveries_per_tx,
            delivery_txs,
            chain_height,
            processed_height,
            height_lag,
            event_gaps,
            event_disconnects,
            sweeps,
            up,
            anchor,
        };
        for kind in FailureKind::ALL {
            m.job_failures
                .get_or_create(&KindLabels {
                    kind: kind.as_str(),
                })
                .inc_by(0);
        }
        m
    }

    /// Sets the job gauges from the database's content (every state and lane, zeros too).
    pub fn set_jobs(&self, snapshot: &Snapshot) {
        let counts = snapshot.counts();
        for state in JobState::ALL {
            for lane in ["high", "low"] {
                let n = counts.get(&(state, lane)).copied().unwrap_or(0);
                self.jobs
                    .get_or_create(&JobLabels {
                        state: state.as_str(),
                        lane,
                    })
                    .set(n as i64);
            }
        }
        if let Some(cursor) = snapshot.cursor {
            self.processed_height.set(cursor as i64);
            let chain = self.chain_height.get();
            self.height_lag.set((chain - cursor as i64).max(0));
        }
    }

    pub fn set_chain_height(&self, height: u64) {
        self.chain_height.set(height as i64);
    }

    pub fn failed(&self, kind: FailureKind) {
        self.job_failures
            .get_or_create(&KindLabels {
                kind: kind.as_str(),
            })
            .inc();
    }

    pub fn delivery_tx(&self, outcome: &'static str) {
        self.delivery_txs
            .get_or_create(&OutcomeLabels { outcome })
            .inc();
    }

    /// The OpenMetrics text.
    pub fn encode(&self) -> String {
        let mut out = String::new();
        if let Err(e) = prometheus_client::encoding::text::encode(&mut out, &self.registry) {
            tracing::warn!(error = %e, "encoding metrics");
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::JobRecord;
    use crate::lane::Priority;

    #[test]
    fn jobs_by_state_and_lane_and_heights() {
        let m = Metrics::new();
        let mut failed = JobRecord::new(2, 1, Priority::Low);
        failed.state = JobState::Failed;
        let snap = Snapshot {
            cursor: Some(90),
            jobs: vec![JobRecord::new(1, 1, Priority::High { fee: 3 }), failed],
        };
        m.set_chain_height(100);
        m.set_jobs(&snap);
        m.failed(FailureKind::BadKfrags);
        m.reencrypt_seconds.observe(0.002);
        let text = m.encode();
        assert!(
            text.contains("twinshare_relayer_jobs{state=\"queued\",lane=\"high\"} 1"),
            "{text}"
        );
        assert!(text.contains("twinshare_relayer_jobs{state=\"failed\",lane=\"low\"} 1"));
        assert!(text.contains("twinshare_relayer_jobs{state=\"delivered\",lane=\"low\"} 0"));
        assert!(text.contains("twinshare_relayer_job_failures_total{kind=\"bad_kfrags\"} 1"));
        assert!(text.contains("twinshare_relayer_height_lag 10"));
        assert!(text.contains("twinshare_relayer_reencrypt_seconds_count 1"));
        assert!(text.ends_with("# EOF\n"));
    }
}
