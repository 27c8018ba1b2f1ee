//! Inclusions pushed by the node: a websocket subscription to this anchorer's `AnchorBatch`
//! events in the registry, so a batch is provable the moment its block's events are published,
//! not after the next height poll plus a tx-index lookup (which trails the height by tens of ms
//! on a busy node and made up most of the full-load latency tail).
//!
//! Only successful txs carry the contract's events, so a pushed tx is an included success; a
//! failed `AnchorBatch` is still found by the lookup the waiter keeps doing (less often while the
//! subscription is live). While the subscription is down, waiters fall back to polling alone.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::futures::Notified;
use tokio::sync::Notify;
use tracing::{debug, info, warn};
use twinshare_client::{Subscription, SubscriptionConfig, SubscriptionItem, TxEvents, TxOutcome};

use crate::supervisor::Shutdown;

/// How long a pushed tx nobody asked for is kept (a waiter that registers late still finds it).
const KEEP: Duration = Duration::from_secs(120);
/// Delay before subscribing again after the subscription could not start or ended.
const RETRY: Duration = Duration::from_secs(1);

/// The `AnchorBatch` txs of one anchorer, as the node pushes them.
#[derive(Debug, Default)]
pub struct Inclusions {
    seen: Mutex<HashMap<String, (Instant, TxOutcome)>>,
    arrived: Notify,
    live: AtomicBool,
}

/// The CometBFT query of `anchorer`'s `AnchorBatch` txs in `registry`.
pub fn anchor_query(registry: &str, anchorer: &str) -> String {
    format!(
        "tm.event='Tx' AND wasm._contract_address='{registry}' AND wasm.action='anchor_batch' AND wasm.anchorer='{anchorer}'"
    )
}

impl Inclusions {
    /// Starts following `anchorer`'s anchors on the node at `rpc_url` until `stop`.
    pub fn follow(
        rpc_url: &str,
        registry: &str,
        anchorer: &str,
        stop: Shutdown,
    ) -> (Arc<Inclusions>, tokio::task::JoinHandle<()>) {
        let me = Arc::new(Inclusions::default());
        let config = SubscriptionConfig::query(rpc_url, &anchor_query(registry, anchorer));
        let task = tokio::spawn(me.clone().run(config, stop));
        (me, task)
    }

    /// Whether pushes arrive now (waiters then poll less).
    pub fn is_live(&self) -> bool {
        self.live.load(Ordering::Relaxed)
    }

    /// A future that completes at the next push; create it before [`Inclusions::take`] so a
    /// push in between is not missed.
    pub fn notified(&self) -> Notified<'_> {
        self.arrived.notified()
    }

    /// The included tx `hash` (any case), if pushed; removes it.
    pub fn take(&self, hash: &str) -> Option<TxOutcome> {
        let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        seen.remove(&hash.to_ascii_uppercase()).map(|(_, tx)| tx)
    }

    /// Records a pushed tx and wakes the waiters.
    pub fn push(&self, tx: TxEvents) {
        let now = Instant::now();
        {
            let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
            seen.retain(|_, (at, _)| now.duration_since(*at) < KEEP);
            seen.insert(tx.hash.to_ascii_uppercase(), (now, outcome_of(tx)));
        }
        self.arrived.notify_waiters();
    }

    fn set_live(&self, live: bool) {
        self.live.store(live, Ordering::Relaxed);
        // Waiters re-read the mode (and look the tx up once) on any change.
        self.arrived.notify_waiters();
    }

    async fn run(self: Arc<Self>, config: SubscriptionConfig, stop: Shutdown) {
        loop {
            let started = tokio::select! {
                s = Subscription::start(config.clone()) => s,
                _ = stop.wait() => return,
            };
            match started {
                Ok(mut sub) => {
                    info!(query = %config.query, "following anchor inclusions over the websocket");
                    self.set_live(true);
                    loop {
                        let item = tokio::select! {
                            item = sub.next() => item,
                            _ = stop.wait() => return,
                        };
                        match item {
                            Some(SubscriptionItem::Tx(tx)) => {
                                debug!(hash = %tx.hash, height = tx.height, "anchor inclusion pushed");
                                self.push(tx);
                            }
                            Some(SubscriptionItem::Disconnected { reason, .. }) => {
                                debug!(%reason, "anchor inclusions: polling until reconnected");
                                self.set_live(false);
                            }
                            Some(SubscriptionItem::Resumed { .. }) => self.set_live(true),
                            Some(SubscriptionItem::Gap { .. }) => {}
                            None => break,
                        }
                    }
                    self.set_live(false);
                }
                Err(e) => {
                    warn!(error = %e, "cannot follow anchor inclusions over the websocket; polling")
                }
            }
            if stop.sleep(RETRY).await {
                return;
            }
        }
    }
}

/// A pushed tx as an outcome: the query matches contract events, which only a successful tx
/// keeps, so its code is 0 (gas figures are not pushed).
fn outcome_of(tx: TxEvents) -> TxOutcome {
    TxOutcome {
        hash: tx.hash,
        height: tx.height,
        index: tx.index.unwrap_or_default(),
        code: 0,
        codespace: String::new(),
        log: String::new(),
        gas_wanted: 0,
        gas_used: 0,
        events: tx.events,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use twinshare_client::TxEvent;

    fn tx(hash: &str) -> TxEvents {
        TxEvents {
            height: 7,
            hash: hash.to_string(),
            index: Some(1),
            events: vec![TxEvent {
                kind: "wasm".into(),
                attributes: vec![
                    ("_contract_address".into(), "wasm1reg".into()),
                    ("batch_id".into(), "42".into()),
                ],
            }],
            backfilled: false,
        }
    }

    #[test]
    fn pushed_txs_are_taken_once_by_hash_in_any_case() {
        let inc = Inclusions::default();
        assert!(inc.take("ABC").is_none());
        inc.push(tx("ABC"));
        let got = inc.take("abc").expect("pushed");
        assert_eq!((got.height, got.code, got.index), (7, 0, 1));
        assert_eq!(got.wasm_attribute("wasm1reg", "batch_id"), Some("42"));
        assert!(inc.take("ABC").is_none());
    }

    #[tokio::test]
    async fn a_push_wakes_a_waiter_registered_before_it() {
        let inc = Arc::new(Inclusions::default());
        let notified = inc.notified();
        let pusher = inc.clone();
        tokio::spawn(async move { pusher.push(tx("F00")) });
        tokio::time::timeout(Duration::from_secs(5), notified)
            .await
            .expect("woken by the push");
        assert!(inc.take("F00").is_some());
    }

    #[test]
    fn the_query_parses_and_names_the_anchorer() {
        let q = anchor_query("wasm1reg", "wasm1me");
        let parsed: twinshare_client::tendermint_rpc::query::Query = q.parse().expect("query");
        assert!(parsed.to_string().contains("wasm.anchorer = 'wasm1me'"));
    }
}
