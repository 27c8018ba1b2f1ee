//! Contract events: parsing `wasm` events out of tx results, and a websocket subscription that
//! survives the node going away without losing anything.
//!
//! A [`Subscription`] follows txs matching a CometBFT query (by default every tx touching one
//! contract). When the connection breaks it says so ([`SubscriptionItem::Disconnected`]),
//! reconnects with exponential backoff, and before going live again fetches every matching tx of
//! the heights it did not watch (`tx_search`, paginated), delivers them (flagged `backfilled`),
//! then reports the range ([`SubscriptionItem::Gap`]) and [`SubscriptionItem::Resumed`]. Txs seen
//! both ways are delivered once. A consumer therefore never loses an event silently.

use std::collections::{BTreeMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tendermint_rpc::client::CompatMode;
use tendermint_rpc::event::{Event, EventData};
use tendermint_rpc::query::Query;
use tendermint_rpc::{Client, SubscriptionClient, WebSocketClient, WebSocketClientUrl};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tracing::{debug, info, warn};

use crate::error::{Error, Result};
use crate::query::{search_query, websocket_url, ChainClient, ChainConfig};
use crate::tx::{TxEvent, TxOutcome};

/// The attribute wasmd puts first in every contract event.
pub const CONTRACT_ADDRESS_KEY: &str = "_contract_address";

/// One event a contract emitted: the `wasm` event of its response (`kind` = `wasm`) or one of
/// its custom events (`kind` = `wasm-<type>`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WasmEvent {
    /// `wasm` or `wasm-<custom type>`.
    pub kind: String,
    /// The contract that emitted it.
    pub contract: String,
    /// The `action` attribute, if any.
    pub action: Option<String>,
    /// The attributes other than `_contract_address` and `msg_index` (a repeated key keeps its
    /// last value).
    pub attributes: BTreeMap<String, String>,
    pub height: u64,
    pub tx_hash: String,
}

impl WasmEvent {
    pub fn attribute(&self, key: &str) -> Option<&str> {
        self.attributes.get(key).map(String::as_str)
    }
}

/// The contract events among `events` of the tx `tx_hash` at `height`.
pub fn wasm_events(events: &[TxEvent], height: u64, tx_hash: &str) -> Vec<WasmEvent> {
    events
        .iter()
        .filter(|e| e.kind == "wasm" || e.kind.starts_with("wasm-"))
        .filter_map(|e| {
            let contract = e.attribute(CONTRACT_ADDRESS_KEY)?.to_string();
            let attributes: BTreeMap<String, String> = e
                .attributes
                .iter()
                .filter(|(k, _)| k != CONTRACT_ADDRESS_KEY && k != "msg_index")
                .cloned()
                .collect();
            Some(WasmEvent {
                kind: e.kind.clone(),
                contract,
                action: attributes.get("action").cloned(),
                attributes,
                height,
                tx_hash: tx_hash.to_string(),
            })
        })
        .collect()
}

/// A tx that matched the subscription's query.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TxEvents {
    pub height: u64,
    /// Upper-case hex SHA-256 of the tx bytes.
    pub hash: String,
    /// Position in the block, when known.
    pub index: Option<u32>,
    /// Every event of the tx.
    pub events: Vec<TxEvent>,
    /// Found by `tx_search` after a disconnection rather than received live.
    pub backfilled: bool,
}

impl TxEvents {
    /// The contract events of the tx.
    pub fn wasm_events(&self) -> Vec<WasmEvent> {
        wasm_events(&self.events, self.height, &self.hash)
    }

    fn from_outcome(tx: TxOutcome, backfilled: bool) -> TxEvents {
        TxEvents {
            height: tx.height,
            hash: tx.hash,
            index: Some(tx.index),
            events: tx.events,
            backfilled,
        }
    }
}

/// What a subscription delivers, in order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum SubscriptionItem {
    /// A matching tx.
    Tx(TxEvents),
    /// The connection broke after `last_height` (the newest height of a delivered tx, or the
    /// height up to which everything was delivered); reconnecting.
    Disconnected { last_height: u64, reason: String },
    /// Heights `from..=to` were not watched live; the `delivered` matching txs found there by
    /// `tx_search` came just before this notice (`backfilled` set). `complete` is false when
    /// the search failed (e.g. the node pruned or does not index those heights): events in that
    /// range may be missing and the consumer should check the contract's state itself.
    Gap {
        from: u64,
        to: u64,
        delivered: usize,
        complete: bool,
    },
    /// Live again: txs above `height` arrive as they are committed.
    Resumed { height: u64 },
}

/// How to subscribe.
#[derive(Clone, Debug)]
pub struct SubscriptionConfig {
    /// The node's RPC (`http://...`) or websocket (`ws://.../websocket`) URL.
    pub rpc_url: String,
    /// CometBFT event query, e.g. `tm.event='Tx' AND wasm._contract_address='wasm1...'`.
    pub query: String,
    /// Deliver matching txs from this height on (inclusive) before going live: the resume point
    /// of a consumer that stopped. `None`: only what happens from now on.
    pub from_height: Option<u64>,
    /// First reconnection delay; doubles up to `backoff_max`.
    pub backoff_min: Duration,
    pub backoff_max: Duration,
    /// How often to check the connection (and learn the chain height) while it is quiet.
    pub health_interval: Duration,
    /// Queue length between the connection task and the consumer.
    pub buffer: usize,
}

impl SubscriptionConfig {
    /// Every tx that touches `contract`.
    pub fn contract(rpc_url: &str, contract: &str) -> SubscriptionConfig {
        Self::query(
            rpc_url,
            &format!("tm.event='Tx' AND wasm.{CONTRACT_ADDRESS_KEY}='{contract}'"),
        )
    }

    /// Every tx matching `query`.
    pub fn query(rpc_url: &str, query: &str) -> SubscriptionConfig {
        SubscriptionConfig {
            rpc_url: rpc_url.to_string(),
            query: query.to_string(),
            from_height: None,
            backoff_min: Duration::from_millis(200),
            backoff_max: Duration::from_secs(10),
            health_interval: Duration::from_secs(2),
            buffer: 1024,
        }
    }

    pub fn from_height(mut self, height: u64) -> Self {
        self.from_height = Some(height);
        self
    }
}

/// A running subscription. Dropping it stops the background task.
pub struct Subscription {
    rx: mpsc::Receiver<SubscriptionItem>,
    task: JoinHandle<()>,
    progress: Arc<AtomicU64>,
    query: String,
}

impl std::fmt::Debug for Subscription {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Subscription")
            .field("query", &self.query)
            .field("last_height", &self.last_height())
            .finish_non_exhaustive()
    }
}

/// Heights before the one a node reports during a health check whose events must have reached
/// us already (CometBFT publishes a block's events before it starts the next height).
const SETTLED_BLOCKS: u64 = 2;
/// How many heights of delivered tx hashes to keep for dropping duplicates.
const KEEP_HASH_BLOCKS: u64 = 100;

impl Subscription {
    /// Connects and subscribes; returns once subscribed (the backlog from `from_height`, if set,
    /// is delivered first). Fails if the first connection fails; later disconnections are
    /// handled inside.
    pub async fn start(config: SubscriptionConfig) -> Result<Subscription> {
        let query: Query = config
            .query
            .parse()
            .map_err(|e| Error::Subscription(format!("query {:?}: {e}", config.query)))?;
        // Checked now so the backfill cannot fail on it later.
        search_query(&config.query, 1, 1)?;
        let http = ChainClient::new(ChainConfig::new(
            "",
            &http_url(&config.rpc_url),
            "0stake".parse()?,
        ))?;
        let (tx, rx) = mpsc::channel(config.buffer.max(1));
        let progress = Arc::new(AtomicU64::new(0));
        let worker = Worker {
            ws_url: websocket_url(&config.rpc_url),
            query,
            query_text: config.query.clone(),
            http,
            out: tx,
            progress: progress.clone(),
            settled: config.from_height.map(|h| h.saturating_sub(1)),
            last_tx_height: 0,
            recent: BTreeMap::new(),
            config: config.clone(),
        };
        // Subscribed once this returns: everything after is captured, the backlog (if
        // `from_height` is set) is delivered first by the task.
        let first = worker.connect().await?;
        let task = tokio::spawn(async move { worker.run(first).await });
        Ok(Subscription {
            rx,
            task,
            progress,
            query: config.query,
        })
    }

    /// The next item; `None` only once the subscription was closed.
    pub async fn next(&mut self) -> Option<SubscriptionItem> {
        self.rx.recv().await
    }

    /// The next item within `timeout`.
    pub async fn next_timeout(&mut self, timeout: Duration) -> Option<SubscriptionItem> {
        tokio::time::timeout(timeout, self.rx.recv())
            .await
            .ok()
            .flatten()
    }

    /// The height up to which every matching tx has been handed to the queue (persist it to
    /// resume with [`SubscriptionConfig::from_height`] `last_height + 1`).
    pub fn last_height(&self) -> u64 {
        self.progress.load(Ordering::Relaxed)
    }

    /// Stops the subscription.
    pub fn close(self) {
        self.task.abort();
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn http_url(url: &str) -> String {
    let url = url.trim_end_matches('/');
    let url = url.strip_suffix("/websocket").unwrap_or(url);
    if let Some(rest) = url.strip_prefix("wss://") {
        format!("https://{rest}")
    } else if let Some(rest) = url.strip_prefix("ws://") {
        format!("http://{rest}")
    } else {
        url.to_string()
    }
}

/// A live websocket connection with its subscription.
struct Connection {
    client: WebSocketClient,
    driver: JoinHandle<std::result::Result<(), tendermint_rpc::Error>>,
    stream: tendermint_rpc::Subscription,
    /// Chain height right after subscribing: everything above arrives live.
    height: u64,
}

impl Connection {
    fn close(self) {
        // Ends the driver; an error only means it had already stopped.
        let _ = self.client.close();
        self.driver.abort();
    }
}

struct Worker {
    config: SubscriptionConfig,
    ws_url: String,
    query: Query,
    query_text: String,
    http: ChainClient,
    out: mpsc::Sender<SubscriptionItem>,
    progress: Arc<AtomicU64>,
    /// Every matching tx at or below this height has been delivered (`None`: nothing needed
    /// before the first connection).
    settled: Option<u64>,
    /// Height of the newest tx delivered.
    last_tx_height: u64,
    /// Hashes of delivered txs by height, for the heights that may be seen twice.
    recent: BTreeMap<u64, HashSet<String>>,
}

/// The consumer dropped the subscription.
struct Closed;

impl Worker {
    async fn connect(&self) -> Result<Connection> {
        let url: WebSocketClientUrl = self
            .ws_url
            .parse()
            .map_err(|e| Error::Subscription(format!("websocket URL {}: {e}", self.ws_url)))?;
        let (client, driver) = WebSocketClient::builder(url)
            .compat_mode(CompatMode::V0_38)
            .build()
            .await
            .map_err(|e| Error::from_rpc(&self.ws_url, "websocket", e))?;
        let driver = tokio::spawn(driver.run());
        let subscribed = async {
            let stream = client.subscribe(self.query.clone()).await?;
            let status = client.status().await?;
            Ok::<_, tendermint_rpc::Error>((stream, status.sync_info.latest_block_height.value()))
        };
        match tokio::time::timeout(Duration::from_secs(10), subscribed).await {
            Ok(Ok((stream, height))) => {
                debug!(url = %self.ws_url, height, query = %self.query_text, "subscribed");
                Ok(Connection {
                    client,
                    driver,
                    stream,
                    height,
                })
            }
            Ok(Err(e)) => {
                let _ = client.close();
                driver.abort();
                Err(Error::from_rpc(&self.ws_url, "subscribe", e))
            }
            Err(_) => {
                let _ = client.close();
                driver.abort();
                Err(Error::RpcUnreachable {
                    url: self.ws_url.clone(),
                    reason: "no answer to subscribe within 10 s".into(),
                })
            }
        }
    }

    async fn run(mut self, first: Connection) {
        let mut conn = first;
        loop {
            // Catch up on what the previous connection (or the consumer's resume point) left.
            match self.catch_up(conn.height).await {
                Ok(()) => {}
                Err(Closed) => return conn.close(),
            }
            let reason = match self.follow(&mut conn).await {
                Ok(reason) => reason,
                Err(Closed) => return conn.close(),
            };
            conn.close();
            let last_height = self.settled.unwrap_or(0).max(self.last_tx_height);
            warn!(last_height, %reason, url = %self.ws_url, "event subscription disconnected");
            if self
                .emit(SubscriptionItem::Disconnected {
                    last_height,
                    reason,
                })
                .await
                .is_err()
            {
                return;
            }
            conn = match self.reconnect().await {
                Ok(c) => c,
                Err(Closed) => return,
            };
        }
    }

    /// Reconnects with exponential backoff until it works or the consumer is gone.
    async fn reconnect(&self) -> std::result::Result<Connection, Closed> {
        let mut delay = self.config.backoff_min;
        let mut attempt = 1u32;
        loop {
            if self.out.is_closed() {
                return Err(Closed);
            }
            tokio::time::sleep(delay).await;
            match self.connect().await {
                Ok(conn) => {
                    info!(attempt, height = conn.height, url = %self.ws_url, "event subscription reconnected");
                    return Ok(conn);
                }
                Err(e) => {
                    debug!(attempt, error = %e, "reconnect failed");
                    if attempt.is_multiple_of(10) {
                        warn!(attempt, error = %e, "still cannot reconnect the event subscription");
                    }
                }
            }
            attempt += 1;
            delay = (delay * 2).min(self.config.backoff_max);
        }
    }

    /// Delivers the matching txs of the heights not watched live, up to `height` (which the new
    /// connection covers from above), then the `Gap` and `Resumed` notices.
    async fn catch_up(&mut self, height: u64) -> std::result::Result<(), Closed> {
        let Some(settled) = self.settled else {
            // First connection without a resume point: live from here.
            self.settle(height);
            return Ok(());
        };
        // Below the newest delivered tx everything came in order; its own block may have had
        // siblings still in flight, so it is searched again (duplicates are dropped).
        let from = if self.last_tx_height > settled {
            self.last_tx_height
        } else {
            settled + 1
        };
        if from > height {
            self.settle(height);
            return self.emit(SubscriptionItem::Resumed { height }).await;
        }
        let mut delivered = 0;
        let mut complete = false;
        for attempt in 1..=3u32 {
            match self.http.search_txs(&self.query_text, from, height).await {
                Ok(txs) => {
                    for tx in txs {
                        if self.deliver(TxEvents::from_outcome(tx, true)).await? {
                            delivered += 1;
                        }
                    }
                    complete = true;
                    break;
                }
                Err(e) => {
                    warn!(attempt, from, to = height, error = %e, "tx_search for missed heights failed");
                    tokio::time::sleep(self.config.backoff_min * attempt).await;
                }
            }
        }
        info!(
            from,
            to = height,
            delivered,
            complete,
            "caught up on missed heights"
        );
        self.settle(height);
        self.emit(SubscriptionItem::Gap {
            from,
            to: height,
            delivered,
            complete,
        })
        .await?;
        self.emit(SubscriptionItem::Resumed { height }).await
    }

    /// Follows the live stream until it breaks; the reason.
    async fn follow(&mut self, conn: &mut Connection) -> std::result::Result<String, Closed> {
        let mut health = tokio::time::interval(self.config.health_interval);
        health.tick().await;
        loop {
            tokio::select! {
                item = conn.stream.next() => match item {
                    Some(Ok(event)) => {
                        if let Some(tx) = live_tx(event) {
                            self.deliver(tx).await?;
                        }
                    }
                    Some(Err(e)) => return Ok(format!("subscription error: {}", crate::error::rpc_text(&e))),
                    None => return Ok("the websocket closed".into()),
                },
                done = &mut conn.driver => {
                    return Ok(match done {
                        Ok(Ok(())) => "the websocket closed".to_string(),
                        Ok(Err(e)) => Error::from_rpc(&self.ws_url, "websocket", e).to_string(),
                        Err(e) => format!("websocket driver: {e}"),
                    });
                }
                _ = health.tick() => {
                    if self.out.is_closed() {
                        return Err(Closed);
                    }
                    let check = tokio::time::timeout(self.config.health_interval.max(Duration::from_secs(1)), conn.client.status());
                    match check.await {
                        Ok(Ok(status)) => {
                            let h = status.sync_info.latest_block_height.value();
                            self.settle(h.saturating_sub(SETTLED_BLOCKS));
                        }
                        Ok(Err(e)) => return Ok(format!("health check: {}", crate::error::rpc_text(&e))),
                        Err(_) => return Ok("health check: no answer".into()),
                    }
                }
            }
        }
    }

    /// Marks every height up to `height` as delivered.
    fn settle(&mut self, height: u64) {
        let settled = self.settled.unwrap_or(0).max(height);
        self.settled = Some(settled);
        self.progress.store(settled, Ordering::Relaxed);
        // Hashes well below both can no longer come again.
        let keep_from = settled
            .min(self.last_tx_height)
            .saturating_sub(KEEP_HASH_BLOCKS);
        self.recent = self.recent.split_off(&keep_from);
    }

    /// Sends a tx unless it was delivered already; whether it was sent.
    async fn deliver(&mut self, tx: TxEvents) -> std::result::Result<bool, Closed> {
        let seen = self.recent.entry(tx.height).or_default();
        if !seen.insert(tx.hash.clone()) {
            debug!(hash = %tx.hash, height = tx.height, "already delivered");
            return Ok(false);
        }
        self.last_tx_height = self.last_tx_height.max(tx.height);
        self.emit(SubscriptionItem::Tx(tx)).await?;
        Ok(true)
    }

    async fn emit(&self, item: SubscriptionItem) -> std::result::Result<(), Closed> {
        self.out.send(item).await.map_err(|_| Closed)
    }
}

/// A tx from a live `Tx` event.
fn live_tx(event: Event) -> Option<TxEvents> {
    match event.data {
        EventData::Tx { tx_result } => {
            let hash = hex::encode_upper(Sha256::digest(&tx_result.tx));
            Some(TxEvents {
                height: u64::try_from(tx_result.height).unwrap_or_default(),
                hash,
                index: tx_result.index.and_then(|i| u32::try_from(i).ok()),
                events: tx_result
                    .result
                    .events
                    .iter()
                    .map(TxEvent::from_abci)
                    .collect(),
                backfilled: false,
            })
        }
        other => {
            debug!(?other, "ignoring a non-tx event");
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(kind: &str, attrs: &[(&str, &str)]) -> TxEvent {
        TxEvent {
            kind: kind.into(),
            attributes: attrs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        }
    }

    #[test]
    fn wasm_events_are_picked_out() {
        // The shape of a cw20 Send into storage-payment on the localnet.
        let events = vec![
            event(
                "message",
                &[("action", "/cosmwasm.wasm.v1.MsgExecuteContract")],
            ),
            event(
                "wasm",
                &[
                    ("_contract_address", "wasm1token"),
                    ("action", "send"),
                    ("from", "wasm1alice"),
                    ("amount", "10"),
                    ("msg_index", "0"),
                ],
            ),
            event(
                "wasm",
                &[
                    ("_contract_address", "wasm1storage"),
                    ("action", "buy_lease"),
                    ("lease_id", "1"),
                ],
            ),
            event(
                "wasm-lease",
                &[("_contract_address", "wasm1storage"), ("id", "1")],
            ),
            event("wasm", &[("no_address", "x")]),
        ];
        let got = wasm_events(&events, 42, "ABCD");
        assert_eq!(got.len(), 3);
        assert_eq!(got[0].contract, "wasm1token");
        assert_eq!(got[0].action.as_deref(), Some("send"));
        assert_eq!(got[0].attribute("amount"), Some("10"));
        assert!(got[0].attribute("msg_index").is_none());
        assert!(got[0].attribute("_contract_address").is_none());
        assert_eq!(got[1].action.as_deref(), Some("buy_lease"));
        assert_eq!((got[1].height, got[1].tx_hash.as_str()), (42, "ABCD"));
        assert_eq!(got[2].kind, "wasm-lease");
        assert_eq!(got[2].action, None);
    }

    #[test]
    fn contract_queries_parse() {
        let c = SubscriptionConfig::contract("http://127.0.0.1:26657", "wasm1abc");
        assert_eq!(
            c.query,
            "tm.event='Tx' AND wasm._contract_address='wasm1abc'"
        );
        let q: Query = c.query.parse().expect("query");
        assert_eq!(
            q.to_string(),
            "tm.event = 'Tx' AND wasm._contract_address = 'wasm1abc'"
        );
    }

    #[test]
    fn urls() {
        assert_eq!(
            http_url("ws://127.0.0.1:26657/websocket"),
            "http://127.0.0.1:26657"
        );
        assert_eq!(
            http_url("http://127.0.0.1:26657/"),
            "http://127.0.0.1:26657"
        );
        assert_eq!(http_url("wss://x.org/websocket"), "https://x.org");
    }
}
