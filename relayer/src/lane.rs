//! The priority fee lane (paper Section 4.2, Rules 1-3), applied to the relayer's job queue.
//!
//! - Rule 1: every job is `High` (time-sensitive data) or `Low` (plans, specifications), the
//!   level of the asset it re-keys.
//! - Rule 2: only `High` jobs carry a fee (the record's service fee).
//! - Rule 3: within each batch, `High` jobs go first, highest fee first (ties: first come,
//!   first served), but `Low` jobs always get at least `ceil(low_share x batch_size)` places of
//!   a batch when that many are waiting, so they never starve; places `High` leaves empty go to
//!   more `Low` jobs. `Low` jobs leave in arrival order.
//!
//! The lane knows nothing of chains or storage: it orders opaque items. Pure and synchronous,
//! so its rules are checked by property tests.

use std::cmp::Ordering;
use std::collections::{BinaryHeap, VecDeque};

use serde::{Deserialize, Serialize};

use crate::error::ConfigError;

/// A job's class under Rules 1-2.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    /// Time-sensitive data with the service fee its owner pays.
    High { fee: u128 },
    /// Everything else; no fee.
    Low,
}

impl Priority {
    /// The lane's name in metrics and status output.
    pub fn lane(&self) -> &'static str {
        match self {
            Priority::High { .. } => "high",
            Priority::Low => "low",
        }
    }

    pub fn fee(&self) -> u128 {
        match self {
            Priority::High { fee } => *fee,
            Priority::Low => 0,
        }
    }

    /// From the escrow event's `level` and `fee` attributes (`high`/`low`, decimal fee).
    pub fn from_event(level: &str, fee: Option<&str>) -> Option<Priority> {
        match level {
            "high" => {
                let fee = fee.map_or(Some(0), |f| f.parse().ok())?;
                Some(Priority::High { fee })
            }
            "low" => Some(Priority::Low),
            _ => None,
        }
    }

    /// From the level stored in a sale.
    pub fn from_level(level: &twinshare_types::registry::Level) -> Priority {
        match level {
            twinshare_types::registry::Level::High { fee } => Priority::High { fee: fee.u128() },
            twinshare_types::registry::Level::Low => Priority::Low,
        }
    }
}

/// How batches are cut.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct LaneConfig {
    /// Most jobs in one batch (and so, at most, deliveries in one tx).
    pub batch_size: usize,
    /// The least share of every batch kept for `Low` jobs when they wait, in (0, 1].
    pub low_share: f64,
}

impl Default for LaneConfig {
    fn default() -> Self {
        Self {
            batch_size: 16,
            low_share: 0.25,
        }
    }
}

impl LaneConfig {
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.batch_size == 0 || self.batch_size > 256 {
            return Err(ConfigError::Invalid {
                field: "lane.batch_size",
                reason: format!("{} (expected 1..=256)", self.batch_size),
            });
        }
        if !(self.low_share > 0.0 && self.low_share <= 1.0) {
            return Err(ConfigError::Invalid {
                field: "lane.low_share",
                reason: format!(
                    "{} (expected a share in (0, 1]: with 0, Low jobs could starve)",
                    self.low_share
                ),
            });
        }
        Ok(())
    }

    /// Places of a full batch reserved for `Low` jobs: `ceil(low_share x batch_size)`, at
    /// least 1 and at most the batch size.
    pub fn low_places(&self) -> usize {
        let places = (self.low_share * self.batch_size as f64).ceil() as usize;
        places.clamp(1, self.batch_size.max(1))
    }
}

/// One job taken from the lane.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Taken<T> {
    pub item: T,
    pub priority: Priority,
    /// Arrival order in this lane.
    pub seq: u64,
}

struct HighEntry<T> {
    fee: u128,
    seq: u64,
    item: T,
}

impl<T> PartialEq for HighEntry<T> {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl<T> Eq for HighEntry<T> {}
impl<T> PartialOrd for HighEntry<T> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl<T> Ord for HighEntry<T> {
    /// The max-heap's top: the highest fee, then the earliest arrival.
    fn cmp(&self, other: &Self) -> Ordering {
        self.fee
            .cmp(&other.fee)
            .then_with(|| other.seq.cmp(&self.seq))
    }
}

/// The queue of jobs waiting for a batch.
pub struct Lane<T> {
    config: LaneConfig,
    high: BinaryHeap<HighEntry<T>>,
    low: VecDeque<(u64, T)>,
    next_seq: u64,
}

impl<T> Lane<T> {
    pub fn new(config: LaneConfig) -> Self {
        Self {
            config,
            high: BinaryHeap::new(),
            low: VecDeque::new(),
            next_seq: 0,
        }
    }

    pub fn config(&self) -> &LaneConfig {
        &self.config
    }

    pub fn push(&mut self, priority: Priority, item: T) {
        let seq = self.next_seq;
        self.next_seq += 1;
        match priority {
            Priority::High { fee } => self.high.push(HighEntry { fee, seq, item }),
            Priority::Low => self.low.push_back((seq, item)),
        }
    }

    pub fn len(&self) -> usize {
        self.high.len() + self.low.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn high_len(&self) -> usize {
        self.high.len()
    }

    pub fn low_len(&self) -> usize {
        self.low.len()
    }

    /// The next batch under Rule 3: `High` jobs first (by fee, then arrival), then `Low` jobs
    /// (by arrival). Empty only when the lane is.
    pub fn next_batch(&mut self) -> Vec<Taken<T>> {
        let size = self.config.batch_size.max(1);
        let low_reserved = self.low.len().min(self.config.low_places());
        let n_high = self.high.len().min(size - low_reserved);
        let n_low = self.low.len().min(size - n_high);
        let mut batch = Vec::with_capacity(n_high + n_low);
        for _ in 0..n_high {
            if let Some(e) = self.high.pop() {
                batch.push(Taken {
                    item: e.item,
                    priority: Priority::High { fee: e.fee },
                    seq: e.seq,
                });
            }
        }
        for _ in 0..n_low {
            if let Some((seq, item)) = self.low.pop_front() {
                batch.push(Taken {
                    item,
                    priority: Priority::Low,
                    seq,
                });
            }
        }
        batch
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn config(batch_size: usize, low_share: f64) -> LaneConfig {
        LaneConfig {
            batch_size,
            low_share,
        }
    }

    #[test]
    fn low_places_round_up_and_stay_in_range() {
        assert_eq!(config(16, 0.25).low_places(), 4);
        assert_eq!(config(10, 0.25).low_places(), 3);
        assert_eq!(config(4, 0.01).low_places(), 1);
        assert_eq!(config(4, 1.0).low_places(), 4);
        assert_eq!(config(1, 0.5).low_places(), 1);
    }

    #[test]
    fn config_refuses_a_starving_share_and_empty_batches() {
        assert!(config(16, 0.25).validate().is_ok());
        assert!(config(16, 0.0).validate().is_err());
        assert!(config(16, 1.5).validate().is_err());
        assert!(config(16, f64::NAN).validate().is_err());
        assert!(config(0, 0.5).validate().is_err());
    }

    #[test]
    fn high_by_fee_then_the_low_share() {
        let mut lane = Lane::new(config(4, 0.25));
        for (i, fee) in [5u128, 50, 7, 50, 1].into_iter().enumerate() {
            lane.push(Priority::High { fee }, format!("h{i}"));
        }
        lane.push(Priority::Low, "l0".to_string());
        lane.push(Priority::Low, "l1".to_string());
        let names = |b: Vec<Taken<String>>| b.into_iter().map(|t| t.item).collect::<Vec<_>>();
        // 3 High places (fee 50 twice, first come first), 1 Low place.
        assert_eq!(names(lane.next_batch()), ["h1", "h3", "h2", "l0"]);
        assert_eq!(names(lane.next_batch()), ["h0", "h4", "l1"]);
        assert!(lane.next_batch().is_empty());
        // Without High jobs, Low fills the batch.
        for i in 0..6 {
            lane.push(Priority::Low, format!("x{i}"));
        }
        assert_eq!(names(lane.next_batch()), ["x0", "x1", "x2", "x3"]);
    }

    #[test]
    fn priorities_parse_from_events_and_levels() {
        assert_eq!(
            Priority::from_event("high", Some("42")),
            Some(Priority::High { fee: 42 })
        );
        assert_eq!(Priority::from_event("low", Some("0")), Some(Priority::Low));
        assert_eq!(Priority::from_event("high", Some("x")), None);
        assert_eq!(Priority::from_event("medium", None), None);
        assert_eq!(
            Priority::from_level(&twinshare_types::registry::Level::High { fee: 9u128.into() }),
            Priority::High { fee: 9 }
        );
    }

    /// One step of a random workload: a job arrives, or a batch is cut.
    #[derive(Clone, Debug)]
    enum Op {
        High(u128),
        Low,
        Batch,
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            4 => (0u128..1_000).prop_map(Op::High),
            3 => Just(Op::Low),
            2 => Just(Op::Batch),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        /// Every batch: as full as the queue allows; meets the Low share when enough Low jobs
        /// wait; High jobs in fee order and none left waiting with a higher fee than one taken;
        /// Low jobs in arrival order; and no Low job waits more batches than its place in the
        /// Low queue divided by the reserved places.
        #[test]
        fn batches_keep_rules_1_to_3(
            batch_size in 1usize..20,
            low_share in 0.01f64..=1.0,
            ops in proptest::collection::vec(op(), 1..300),
        ) {
            let cfg = config(batch_size, low_share);
            let mut lane = Lane::new(cfg);
            let places = cfg.low_places();
            // Waiting Low jobs: their place in the Low queue on arrival, and the batches that
            // were cut without them since.
            let mut low_waits: std::collections::HashMap<u64, (usize, usize)> = Default::default();
            let mut next_low_seq = 0u64;
            let mut high_fees_waiting: Vec<u128> = vec![];
            let drain = ops.iter().chain(std::iter::repeat_n(&Op::Batch, 400));
            for (id, op) in (0u64..).zip(drain) {
                match op {
                    Op::High(fee) => {
                        lane.push(Priority::High { fee: *fee }, id);
                        high_fees_waiting.push(*fee);
                    }
                    Op::Low => {
                        low_waits.insert(id, (lane.low_len(), 0));
                        lane.push(Priority::Low, id);
                    }
                    Op::Batch => {
                        let (high_before, low_before) = (lane.high_len(), lane.low_len());
                        let batch = lane.next_batch();
                        prop_assert_eq!(batch.len(), batch_size.min(high_before + low_before));
                        let lows: Vec<_> = batch.iter().filter(|t| t.priority == Priority::Low).collect();
                        prop_assert!(lows.len() >= low_before.min(places),
                            "{} Low in a batch with {} Low waiting and {} places", lows.len(), low_before, places);
                        let fees: Vec<u128> = batch.iter().filter_map(|t| match t.priority {
                            Priority::High { fee } => Some(fee),
                            Priority::Low => None,
                        }).collect();
                        prop_assert!(fees.windows(2).all(|w| w[0] >= w[1]), "fees out of order: {:?}", fees);
                        // High jobs come before Low jobs in the batch.
                        let first_low = batch.iter().position(|t| t.priority == Priority::Low).unwrap_or(batch.len());
                        prop_assert!(batch[first_low..].iter().all(|t| t.priority == Priority::Low));
                        for fee in &fees {
                            let pos = high_fees_waiting.iter().position(|f| f == fee).expect("taken fee was waiting");
                            high_fees_waiting.swap_remove(pos);
                        }
                        if let Some(lowest_taken) = fees.iter().min() {
                            prop_assert!(high_fees_waiting.iter().all(|f| f <= lowest_taken),
                                "a High job with a higher fee than {} was left waiting", lowest_taken);
                        }
                        for t in &lows {
                            prop_assert_eq!(t.item, next_low_seq_item(&low_waits, next_low_seq));
                            let (place, waited) = low_waits.remove(&t.item).expect("waiting low");
                            // Every batch takes `places` Low jobs from the front (or all).
                            prop_assert!(waited <= place / places,
                                "a Low job arrived at place {} and waited {} batches", place, waited);
                            next_low_seq = t.item + 1;
                        }
                        for (_, waited) in low_waits.values_mut() {
                            *waited += 1;
                        }
                        if lane.is_empty() && batch.is_empty() {
                            break;
                        }
                    }
                }
            }
            prop_assert!(lane.is_empty());
            prop_assert!(low_waits.is_empty());
        }
    }

    /// The oldest waiting Low job (ids grow with arrival).
    fn next_low_seq_item(
        waiting: &std::collections::HashMap<u64, (usize, usize)>,
        from: u64,
    ) -> u64 {
        waiting
            .keys()
            .copied()
            .filter(|k| *k >= from)
            .min()
            .expect("a Low job is waiting")
    }
}
