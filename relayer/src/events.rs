//! The event source: the escrow's `submit_rekey` events addressed to this relayer, over the
//! CometBFT websocket. It resumes from a height (the blocks missed while the relayer was down
//! are searched first), reconnects with backoff and backfills what a broken connection missed
//! (`twinshare_client::Subscription`), and says how far everything has been delivered, so the
//! caller can persist its cursor. It knows nothing of re-encryption or delivery.

use std::time::Duration;

use twinshare_client::{Subscription, SubscriptionConfig, SubscriptionItem, TxEvents, WasmEvent};
use twinshare_types::escrow::events as attr;

use crate::error::EventsError;
use crate::lane::Priority;
use crate::retry::RetryPolicy;

/// The escrow action whose events make jobs.
pub const REKEY_ACTION: &str = "submit_rekey";

/// A re-key submitted for a sale this relayer must deliver.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReKeyEvent {
    pub sale_id: u64,
    pub asset_id: u64,
    pub priority: Priority,
    pub height: u64,
    pub tx_hash: String,
}

/// What the source reports, in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SourceItem {
    /// Re-keys for this relayer in one tx.
    ReKeys(Vec<ReKeyEvent>),
    /// The connection broke; the source reconnects by itself.
    Disconnected { last_height: u64, reason: String },
    /// Heights `from..=to` were caught up by search; `complete` false means some may be
    /// missing and the caller should sweep the escrow's pending deliveries.
    Gap { from: u64, to: u64, complete: bool },
    /// Live again above `height`.
    Resumed { height: u64 },
}

/// The CometBFT query for the escrow's re-keys (the relayer is checked on each event: a tx's
/// attributes are matched as a whole, so the query alone cannot tie them to one event).
pub fn rekey_query(escrow: &str) -> String {
    format!(
        "tm.event='Tx' AND wasm._contract_address='{escrow}' AND wasm.{}='{REKEY_ACTION}'",
        attr::ACTION
    )
}

/// The re-keys for `relayer` among a tx's contract events.
pub fn rekeys_in(events: &[WasmEvent], escrow: &str, relayer: &str) -> Vec<ReKeyEvent> {
    events
        .iter()
        .filter(|e| e.kind == "wasm" && e.contract == escrow)
        .filter(|e| e.action.as_deref() == Some(REKEY_ACTION))
        .filter(|e| e.attribute(attr::RELAYER) == Some(relayer))
        .filter_map(|e| {
            let sale_id = e.attribute(attr::SALE_ID)?.parse().ok()?;
            let asset_id = e.attribute(attr::ASSET_ID)?.parse().ok()?;
            // A level this relayer does not know still gets delivered, in the Low lane.
            let priority = e
                .attribute(attr::LEVEL)
                .and_then(|l| Priority::from_event(l, e.attribute(attr::FEE)))
                .unwrap_or(Priority::Low);
            Some(ReKeyEvent {
                sale_id,
                asset_id,
                priority,
                height: e.height,
                tx_hash: e.tx_hash.clone(),
            })
        })
        .collect()
}

/// The escrow's re-key events for one relayer.
pub struct EventSource {
    subscription: Subscription,
    escrow: String,
    relayer: String,
}

impl std::fmt::Debug for EventSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventSource")
            .field("escrow", &self.escrow)
            .field("relayer", &self.relayer)
            .finish_non_exhaustive()
    }
}

impl EventSource {
    /// Subscribes; with `from_height`, the txs from that height on are delivered first.
    pub async fn start(
        rpc_url: &str,
        escrow: &str,
        relayer: &str,
        from_height: Option<u64>,
        retry: &RetryPolicy,
    ) -> Result<EventSource, EventsError> {
        let mut config = SubscriptionConfig::query(rpc_url, &rekey_query(escrow));
        config.from_height = from_height;
        config.backoff_min = retry.min_delay();
        config.backoff_max = retry.max_delay();
        config.health_interval = Duration::from_secs(1);
        let subscription =
            Subscription::start(config)
                .await
                .map_err(|source| EventsError::Subscribe {
                    url: rpc_url.to_string(),
                    source,
                })?;
        Ok(EventSource {
            subscription,
            escrow: escrow.to_string(),
            relayer: relayer.to_string(),
        })
    }

    /// The height up to which every matching tx has been handed over. Read it *before*
    /// draining the items, then persist it after they are handled.
    pub fn delivered_height(&self) -> u64 {
        self.subscription.last_height()
    }

    /// The next item; `Err(Closed)` when the subscription ended.
    pub async fn next(&mut self) -> Result<SourceItem, EventsError> {
        loop {
            let item = self.subscription.next().await.ok_or(EventsError::Closed)?;
            if let Some(item) = self.convert(item) {
                return Ok(item);
            }
        }
    }

    /// An item already waiting, without waiting.
    pub async fn try_next(&mut self) -> Option<SourceItem> {
        loop {
            let item = self.subscription.next_timeout(Duration::ZERO).await?;
            if let Some(item) = self.convert(item) {
                return Some(item);
            }
        }
    }

    fn convert(&self, item: SubscriptionItem) -> Option<SourceItem> {
        match item {
            SubscriptionItem::Tx(tx) => {
                let rekeys = self.rekeys(&tx);
                (!rekeys.is_empty()).then_some(SourceItem::ReKeys(rekeys))
            }
            SubscriptionItem::Disconnected {
                last_height,
                reason,
            } => Some(SourceItem::Disconnected {
                last_height,
                reason,
            }),
            SubscriptionItem::Gap {
                from, to, complete, ..
            } => Some(SourceItem::Gap { from, to, complete }),
            SubscriptionItem::Resumed { height } => Some(SourceItem::Resumed { height }),
        }
    }

    fn rekeys(&self, tx: &TxEvents) -> Vec<ReKeyEvent> {
        rekeys_in(&tx.wasm_events(), &self.escrow, &self.relayer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn event(contract: &str, attrs: &[(&str, &str)]) -> WasmEvent {
        let attributes: BTreeMap<String, String> = attrs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        WasmEvent {
            kind: "wasm".into(),
            contract: contract.into(),
            action: attributes.get("action").cloned(),
            attributes,
            height: 77,
            tx_hash: "ABCD".into(),
        }
    }

    fn rekey(sale: &str, relayer: &str, level: &str, fee: &str) -> Vec<(&'static str, String)> {
        vec![
            ("action", "submit_rekey".into()),
            ("sale_id", sale.into()),
            ("asset_id", "9".into()),
            ("buyer", "wasm1bob".into()),
            ("seller", "wasm1alice".into()),
            ("relayer", relayer.into()),
            ("status", "rekey_submitted".into()),
            ("level", level.into()),
            ("fee", fee.into()),
        ]
    }

    fn ev(contract: &str, attrs: Vec<(&'static str, String)>) -> WasmEvent {
        let pairs: Vec<(&str, &str)> = attrs.iter().map(|(k, v)| (*k, v.as_str())).collect();
        event(contract, &pairs)
    }

    #[test]
    fn picks_this_relayers_rekeys_of_this_escrow() {
        let events = vec![
            ev("wasm1escrow", rekey("1", "wasm1me", "high", "250")),
            ev("wasm1escrow", rekey("2", "wasm1other", "high", "9")),
            ev("wasm1elsewhere", rekey("3", "wasm1me", "low", "0")),
            ev("wasm1escrow", rekey("4", "wasm1me", "low", "0")),
            ev(
                "wasm1escrow",
                vec![("action", "buy".into()), ("sale_id", "5".into())],
            ),
            ev("wasm1escrow", rekey("x", "wasm1me", "low", "0")),
        ];
        let got = rekeys_in(&events, "wasm1escrow", "wasm1me");
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].sale_id, 1);
        assert_eq!(got[0].asset_id, 9);
        assert_eq!(got[0].priority, Priority::High { fee: 250 });
        assert_eq!((got[0].height, got[0].tx_hash.as_str()), (77, "ABCD"));
        assert_eq!(got[1].sale_id, 4);
        assert_eq!(got[1].priority, Priority::Low);
    }

    #[test]
    fn the_query_names_the_escrow_and_the_action() {
        assert_eq!(
            rekey_query("wasm1escrow"),
            "tm.event='Tx' AND wasm._contract_address='wasm1escrow' AND wasm.action='submit_rekey'"
        );
    }
}
