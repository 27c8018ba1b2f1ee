//! The anchoring service's Prometheus metrics, registered in the relayer's registry under
//! `twinshare_relayer_anchor_`:
//!
//! | metric | type | labels |
//! | --- | --- | --- |
//! | `records_acknowledged_total` | counter: records made durable | `lane` |
//! | `claim_batches_total` | counter: POSTs by outcome (`accepted` or the rejection code) | `outcome` |
//! | `commit_seconds` | histogram: one group commit (check + write + fsync) | |
//! | `commit_batches` | histogram: claim batches per group commit | |
//! | `ack_seconds` | histogram: POST arrival to its answer | `lane` |
//! | `records_anchored_total`, `batches_anchored_total` | counters | |
//! | `anchor_txs_total` | counter: AnchorBatch sends by outcome | `outcome` |
//! | `inclusions_total` | counter: AnchorBatch txs seen included, `pushed` by the node's websocket or `looked_up` | `source` |
//! | `anchor_latency_seconds` | histogram: oldest record of a batch, acknowledged to included | |
//! | `batch_leaves` | histogram: leaves per anchored batch | |
//! | `pending_records`, `queued_batches` | gauges | `lane` |
//! | `redeems_total` | counter | `outcome` |

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct Lane {
    pub lane: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct Outcome {
    pub outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct Source {
    pub source: &'static str,
}

/// Every metric of the anchoring service.
#[derive(Clone, Debug)]
pub struct AnchorMetrics {
    pub records_acknowledged: Family<Lane, Counter>,
    pub claim_batches: Family<Outcome, Counter>,
    pub commit_seconds: Histogram,
    pub commit_batches: Histogram,
    pub ack_seconds: Family<Lane, Histogram>,
    pub records_anchored: Counter,
    pub batches_anchored: Counter,
    pub anchor_txs: Family<Outcome, Counter>,
    pub inclusions: Family<Source, Counter>,
    pub anchor_latency_seconds: Histogram,
    pub batch_leaves: Histogram,
    pub pending_records: Family<Lane, Gauge>,
    pub queued_batches: Family<Lane, Gauge>,
    pub redeems: Family<Outcome, Counter>,
}

impl AnchorMetrics {
    /// Creates the metrics and registers them in `registry` under `anchor_`.
    pub fn register(registry: &mut Registry) -> Self {
        let r = registry.sub_registry_with_prefix("anchor");
        let m = Self {
            records_acknowledged: Family::default(),
            claim_batches: Family::default(),
            // 0.5 ms .. ~8 s
            commit_seconds: Histogram::new(exponential_buckets(0.0005, 2.0, 15)),
            commit_batches: Histogram::new(exponential_buckets(1.0, 2.0, 9)),
            ack_seconds: Family::new_with_constructor(|| {
                Histogram::new(exponential_buckets(0.0005, 2.0, 15))
            }),
            records_anchored: Counter::default(),
            batches_anchored: Counter::default(),
            anchor_txs: Family::default(),
            inclusions: Family::default(),
            // 50 ms .. ~100 s
            anchor_latency_seconds: Histogram::new(exponential_buckets(0.05, 2.0, 12)),
            batch_leaves: Histogram::new(exponential_buckets(1.0, 4.0, 10)),
            pending_records: Family::default(),
            queued_batches: Family::default(),
            redeems: Family::default(),
        };
        r.register(
            "records_acknowledged",
            "Record claims made durable",
            m.records_acknowledged.clone(),
        );
        r.register(
            "claim_batches",
            "Claim batches (POSTs) by outcome: accepted or the rejection code",
            m.claim_batches.clone(),
        );
        r.register(
            "commit_seconds",
            "One group commit: checks, write, durable commit",
            m.commit_seconds.clone(),
        );
        r.register(
            "commit_batches",
            "Claim batches per group commit",
            m.commit_batches.clone(),
        );
        r.register(
            "ack_seconds",
            "From a claim batch's arrival to its answer",
            m.ack_seconds.clone(),
        );
        r.register(
            "records_anchored",
            "Record claims included on chain",
            m.records_anchored.clone(),
        );
        r.register(
            "batches_anchored",
            "AnchorBatch txs included",
            m.batches_anchored.clone(),
        );
        r.register(
            "anchor_txs",
            "AnchorBatch sends by outcome",
            m.anchor_txs.clone(),
        );
        r.register(
            "inclusions",
            "AnchorBatch txs seen included, pushed by the node or looked up",
            m.inclusions.clone(),
        );
        r.register(
            "anchor_latency_seconds",
            "Oldest record of a batch: acknowledged to included on chain",
            m.anchor_latency_seconds.clone(),
        );
        r.register(
            "batch_leaves",
            "Leaves per anchored batch",
            m.batch_leaves.clone(),
        );
        r.register(
            "pending_records",
            "Acknowledged records not yet anchored",
            m.pending_records.clone(),
        );
        r.register(
            "queued_batches",
            "Claim batches waiting for a commit",
            m.queued_batches.clone(),
        );
        r.register("redeems", "Voucher redeems by outcome", m.redeems.clone());
        m
    }

    pub fn outcome(&self, outcome: &'static str) {
        self.claim_batches.get_or_create(&Outcome { outcome }).inc();
    }

    /// Counts an AnchorBatch seen included, by how it was seen.
    pub fn count_inclusion(&self, pushed: bool) {
        let source = if pushed { "pushed" } else { "looked_up" };
        self.inclusions.get_or_create(&Source { source }).inc();
    }
}
