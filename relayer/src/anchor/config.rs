//! The `[anchor]` section of the relayer's configuration. Every field has a default that works
//! on the localnet, so no section (or no file) runs the service:
//!
//! ```toml
//! [anchor]
//! enabled = true
//! listen = "127.0.0.1:9470"          # the claims API's own listener
//! # db = "/var/lib/twinshare/anchor.redb"   # default: anchor.redb beside the relayer's db
//! channel = "anchors"                # registry channel of the AnchorBatch txs (created if missing)
//! max_batch_records = 1000           # records per POST (413 above)
//! max_anchor_leaves = 65536          # anchor sooner when this many leaves wait
//! linger_ms = 50                     # a claim waits at most this long before its batch is cut
//!                                    # (when a batch may go: fewer than max_in_flight in flight);
//!                                    # shorter means more txs per block, which costs the node
//!                                    # CPU and, under load, latency
//! inclusion_poll_ms = 20             # how often the chain height is read (the cut's timing;
//!                                    # and, while the node's websocket push of inclusions is
//!                                    # down, a new block has the txs in flight looked up)
//! anchor_poll_ms = 100               # fallback wake-up of the anchor loop and tx lookups
//! max_in_flight = 8                  # AnchorBatch txs awaiting inclusion at once
//! queue_limit = 256                  # claim batches waiting per lane before 503 saturated
//! max_pending_records = 2000000      # acknowledged, not yet anchored, before 503 saturated
//!                                    # (the chain is away: memory stays bounded)
//! commit_batches = 128               # claim batches in one durable commit (the lane's batch)
//! low_share = 0.25                   # Rule 3: least share of each commit for Low batches
//! redeem_interval_secs = 60          # Redeem of the newest voucher per channel
//! sensor_cache_secs = 60             # how long a sensor's owner is trusted without a query
//! capacity_cache_secs = 5            # how long an owner's lease capacity is trusted
//! recovery_window_ms = 5000          # after a crash: how long an unconfirmed AnchorBatch may
//!                                    # still land before it is sent again
//! # payment_channel = "wasm1..."     # default: the deployment's "payment-channel"
//! # storage_payment = "wasm1..."     # default: the deployment's
//! # provider = "wasm1..."            # whose leases count; default: dev account "provider",
//!                                    # else the daemon's own account
//! ```

use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::error::ConfigError;
use crate::lane::LaneConfig;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AnchorSection {
    pub enabled: bool,
    /// `host:port` of the claims API.
    pub listen: String,
    /// The service's own database; default `anchor.redb` beside the relayer's.
    pub db: Option<PathBuf>,
    /// Registry channel the batches are anchored into.
    pub channel: String,
    pub max_batch_records: usize,
    pub max_anchor_leaves: usize,
    pub linger_ms: u64,
    pub inclusion_poll_ms: u64,
    pub anchor_poll_ms: u64,
    pub max_in_flight: usize,
    pub queue_limit: usize,
    pub max_pending_records: u64,
    pub commit_batches: usize,
    pub low_share: f64,
    pub redeem_interval_secs: u64,
    pub sensor_cache_secs: u64,
    pub capacity_cache_secs: u64,
    pub recovery_window_ms: u64,
    pub payment_channel: Option<String>,
    pub storage_payment: Option<String>,
    pub provider: Option<String>,
}

impl Default for AnchorSection {
    fn default() -> Self {
        Self {
            enabled: true,
            listen: "127.0.0.1:9470".into(),
            db: None,
            channel: "anchors".into(),
            max_batch_records: 1000,
            max_anchor_leaves: 65_536,
            linger_ms: 50,
            inclusion_poll_ms: 20,
            anchor_poll_ms: 100,
            max_in_flight: 8,
            queue_limit: 256,
            max_pending_records: 2_000_000,
            commit_batches: 128,
            low_share: 0.25,
            redeem_interval_secs: 60,
            sensor_cache_secs: 60,
            capacity_cache_secs: 5,
            recovery_window_ms: 5_000,
            payment_channel: None,
            storage_payment: None,
            provider: None,
        }
    }
}

impl AnchorSection {
    pub fn validate(&self) -> Result<(), ConfigError> {
        let invalid =
            |field: &'static str, reason: String| Err(ConfigError::Invalid { field, reason });
        if self.max_batch_records == 0 {
            return invalid("anchor.max_batch_records", "0 (need at least 1)".into());
        }
        if self.max_anchor_leaves < self.max_batch_records {
            return invalid(
                "anchor.max_anchor_leaves",
                format!(
                    "{} (need at least max_batch_records = {})",
                    self.max_anchor_leaves, self.max_batch_records
                ),
            );
        }
        if self.queue_limit == 0 {
            return invalid("anchor.queue_limit", "0 (need at least 1)".into());
        }
        if !(1..=256).contains(&self.commit_batches) {
            return invalid(
                "anchor.commit_batches",
                format!("{} (expected 1..=256)", self.commit_batches),
            );
        }
        if !(self.low_share > 0.0 && self.low_share <= 1.0) {
            return invalid(
                "anchor.low_share",
                format!(
                    "{} (expected (0, 1]: with 0, Low claims could starve)",
                    self.low_share
                ),
            );
        }
        if self.channel.is_empty() || self.channel.len() > twinshare_types::registry::MAX_ID_LEN {
            return invalid(
                "anchor.channel",
                format!("{:?} (1-64 characters)", self.channel),
            );
        }
        if self.max_in_flight == 0 {
            return invalid("anchor.max_in_flight", "0 (need at least 1)".into());
        }
        if self.anchor_poll_ms == 0 {
            return invalid("anchor.anchor_poll_ms", "0".into());
        }
        if self.inclusion_poll_ms == 0 {
            return invalid("anchor.inclusion_poll_ms", "0".into());
        }
        Ok(())
    }

    /// Rules 1-3 at the ingest queue: one lane batch is one group commit.
    pub fn lane(&self) -> LaneConfig {
        LaneConfig {
            batch_size: self.commit_batches,
            low_share: self.low_share,
        }
    }

    pub fn poll(&self) -> Duration {
        Duration::from_millis(self.anchor_poll_ms)
    }

    pub fn linger(&self) -> Duration {
        Duration::from_millis(self.linger_ms)
    }

    pub fn inclusion_poll(&self) -> Duration {
        Duration::from_millis(self.inclusion_poll_ms)
    }

    /// The database path, given the relayer's.
    pub fn db_path(&self, relayer_db: &std::path::Path) -> PathBuf {
        self.db.clone().unwrap_or_else(|| {
            relayer_db
                .parent()
                .map(|d| d.join("anchor.redb"))
                .unwrap_or_else(|| PathBuf::from("anchor.redb"))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_parse_from_nothing() {
        let s: AnchorSection = toml::from_str("").unwrap();
        assert_eq!(s, AnchorSection::default());
        s.validate().unwrap();
        assert!(s.enabled);
        assert_eq!(s.listen, "127.0.0.1:9470");
        assert_eq!(
            s.db_path(std::path::Path::new("/x/relayer.redb")),
            PathBuf::from("/x/anchor.redb")
        );
        let bad: AnchorSection = toml::from_str("low_share = 0.0").unwrap();
        assert!(bad.validate().is_err());
        let bad: AnchorSection = toml::from_str("max_anchor_leaves = 10").unwrap();
        assert!(bad.validate().is_err());
        assert!(toml::from_str::<AnchorSection>("nonsense = 1").is_err());
    }
}
