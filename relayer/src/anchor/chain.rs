//! The anchoring service's view of the chain: the registry's sensors, channels and batches,
//! storage-payment's capacity, the payment channels; and its txs (`CreateChannel`,
//! `AnchorBatch`, `Redeem`), sent with the relayer's own signer so the account's sequence is
//! shared with the delivery reports.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::watch;

use cosmwasm_std::{HexBinary, Uint128};
use futures::future::BoxFuture;
use twinshare_client::{ChainClient, Gas, Msg, Signer, TxOptions, TxOutcome};
use twinshare_types::registry::{self, Batch, BatchesResponse};
use twinshare_types::{channel, storage};

use super::inclusion::Inclusions;
use super::ingest::{Capacity, ChainView, ChannelInfo};
use super::store::{BatchRecord, VoucherState};
use crate::error::ChainError;

/// Page size when looking for a batch by its root.
const PAGE: u32 = 30;
/// Margin on top of the first simulated `AnchorBatch` gas (batch ids grow a digit now and then).
const GAS_MARGIN: f64 = 1.2;
/// After a new height, a tx not found yet is looked up again after 15, 30, 45, 60 ms: the tx
/// index trails the height, by tens of ms when the node is busy (with one recheck, 1 batch in
/// 10 was only seen a block later under load).
const INDEX_LAG: Duration = Duration::from_millis(15);
const INDEX_RECHECKS: u32 = 4;
/// While inclusions are pushed, a tx is still looked up this often (a failed tx is not pushed).
const LIVE_LOOKUP: Duration = Duration::from_millis(1000);

/// The newest block the anchorer saw, when, and the block interval seen so far: when the next
/// proposal (which takes the mempool's txs into the next block) is due.
#[derive(Clone, Copy, Debug)]
pub struct Tip {
    pub height: u64,
    pub seen: Instant,
    /// Moving average of the time between blocks; `None` until two blocks were seen.
    pub interval: Option<Duration>,
}

impl Tip {
    fn new() -> Tip {
        Tip {
            height: 0,
            seen: Instant::now(),
            interval: None,
        }
    }

    /// How long a batch may still wait at `now` and have its tx in the mempool `guard` before
    /// the next proposal; zero when that moment passed but the proposal has not (send now);
    /// `None` when the interval is not known yet.
    pub fn until_cut(&self, now: Instant, guard: Duration) -> Option<Duration> {
        let interval = self.interval?.as_millis().max(1) as u64;
        let phase = now.saturating_duration_since(self.seen).as_millis() as u64 % interval;
        let cut_at = interval.saturating_sub(guard.as_millis() as u64);
        // The proposal is a little before the next block is seen (its execution and our read).
        let proposal = interval.saturating_sub(guard.as_millis() as u64 / 4);
        Some(Duration::from_millis(if phase <= cut_at {
            cut_at - phase
        } else if phase < proposal {
            0
        } else {
            interval - phase + cut_at
        }))
    }
}

/// A tx seen included (and successful).
#[derive(Clone, Debug)]
pub struct Included {
    pub outcome: TxOutcome,
    /// Pushed by the node's websocket, rather than found by a lookup.
    pub pushed: bool,
}

/// Contracts and accounts the service works with.
#[derive(Clone, Debug)]
pub struct AnchorContracts {
    pub registry: String,
    pub storage_payment: String,
    pub payment_channel: Option<String>,
    /// Whose leases bound what owners may claim.
    pub provider: String,
    /// Registry channel of the batches.
    pub channel: String,
}

/// Queries and txs of the anchoring service.
#[derive(Clone, Debug)]
pub struct AnchorChain {
    client: ChainClient,
    signer: Signer,
    pub contracts: AnchorContracts,
    /// Gas limit of an `AnchorBatch` (its cost hardly varies), learnt by the first simulation,
    /// so later sends skip a simulate round trip under the account's lock; 0 = simulate.
    anchor_gas: Arc<AtomicU64>,
}

/// Whether a failed query is the contract saying "no such thing" (not a passing failure).
fn is_not_found(e: &twinshare_client::Error) -> bool {
    !e.is_transient()
        && (e.contract_message().is_some()
            || matches!(e, twinshare_client::Error::QueryFailed { .. }))
}

impl AnchorChain {
    pub fn new(client: ChainClient, signer: Signer, contracts: AnchorContracts) -> Self {
        Self {
            client,
            signer,
            contracts,
            anchor_gas: Arc::new(AtomicU64::new(0)),
        }
    }

    pub fn address(&self) -> &str {
        self.signer.address()
    }

    pub async fn height(&self) -> Result<u64, ChainError> {
        self.client
            .height()
            .await
            .map_err(|e| ChainError::client("chain height", e))
    }

    /// Checks that this account may anchor in the registry, and creates the registry channel
    /// of the batches unless it exists.
    pub async fn ensure_channel(&self) -> Result<(), ChainError> {
        let c = &self.contracts;
        let config: registry::Config = self
            .client
            .query_smart(&c.registry, &registry::QueryMsg::Config {})
            .await
            .map_err(|e| ChainError::client(format!("registry {} config", c.registry), e))?;
        if !config
            .anchorers
            .iter()
            .any(|a| a.as_str() == self.signer.address())
        {
            return Err(ChainError::Unexpected {
                what: format!("anchoring as {}", self.signer.address()),
                reason: format!(
                    "this account is not an anchorer of registry {}: its admin {} adds it with \
                     UpdateAnchorers, or run the daemon with the mnemonic of an anchorer",
                    c.registry, config.admin
                ),
            });
        }
        let exists: Result<registry::Channel, _> = self
            .client
            .query_smart(
                &c.registry,
                &registry::QueryMsg::Channel {
                    id: c.channel.clone(),
                },
            )
            .await;
        match exists {
            Ok(_) => return Ok(()),
            Err(e) if is_not_found(&e) => {}
            Err(e) => {
                return Err(ChainError::client(
                    format!("registry channel {}", c.channel),
                    e,
                ))
            }
        }
        let msg = registry::ExecuteMsg::CreateChannel {
            id: c.channel.clone(),
            members: vec![],
        };
        match self.signer.execute(&c.registry, &msg, vec![]).await {
            Ok(_) => Ok(()),
            // Created meanwhile (by a previous run whose tx landed late).
            Err(e) if e.contract_message().is_some_and(|m| m.contains("exists")) => Ok(()),
            Err(e) => Err(ChainError::client(
                format!("creating registry channel {}", c.channel),
                e,
            )),
        }
    }

    /// The `AnchorBatch` message of `batch`.
    fn anchor_msg(&self, batch: &BatchRecord) -> Result<Msg, ChainError> {
        let root = hex::decode(&batch.root).map_err(|e| ChainError::Unexpected {
            what: format!("batch {}", batch.no),
            reason: format!("root is not hex: {e}"),
        })?;
        Msg::execute(
            &self.contracts.registry,
            &registry::ExecuteMsg::AnchorBatch {
                channel: self.contracts.channel.clone(),
                root: HexBinary::from(root),
                count: batch.count,
                first_timestamp: batch.first_timestamp,
                last_timestamp: batch.last_timestamp,
            },
            vec![],
        )
        .map_err(|e| ChainError::client("anchor message", e))
    }

    /// Broadcasts the batch's `AnchorBatch` tx (no wait); its hash.
    pub async fn send_anchor(&self, batch: &BatchRecord) -> Result<String, ChainError> {
        let msg = self.anchor_msg(batch)?;
        let learnt = self.anchor_gas.load(Ordering::Relaxed);
        let options = TxOptions {
            gas: if learnt > 0 {
                Gas::Limit(learnt)
            } else {
                Gas::Auto
            },
            ..TxOptions::default()
        };
        let sent = self
            .signer
            .broadcast(vec![msg], &options)
            .await
            .map_err(|e| {
                self.forget_gas();
                ChainError::client(format!("sending anchor batch {}", batch.no), e)
            })?;
        if learnt == 0 {
            let limit = (sent.gas_wanted as f64 * GAS_MARGIN).ceil() as u64;
            self.anchor_gas.store(limit, Ordering::Relaxed);
        }
        Ok(sent.hash)
    }

    /// The next `AnchorBatch` simulates its gas again (a send failed, maybe out of gas).
    pub fn forget_gas(&self) {
        self.anchor_gas.store(0, Ordering::Relaxed);
    }

    /// Waits for a tx to be included; the outcome (a failed tx is an error). A success pushed
    /// by `inclusions` ends the wait at once. Otherwise the tx is looked up: while pushes are
    /// live only every [`LIVE_LOOKUP`] (for a failed tx, which carries no contract event);
    /// else whenever `heights` shows a new block (and a few times shortly after, as the tx
    /// index may trail the height), at the latest every `every`.
    pub async fn wait(
        &self,
        hash: &str,
        timeout: Duration,
        heights: &mut watch::Receiver<Tip>,
        inclusions: Option<&Inclusions>,
        every: Duration,
    ) -> Result<Included, ChainError> {
        let started = Instant::now();
        let mut last_error = None;
        let mut rechecks = 0u32;
        let mut looked_up: Option<Instant> = None;
        loop {
            // Registered before the check, so a push in between still wakes us.
            let mut pushed = inclusions.map(|i| Box::pin(i.notified()));
            if let Some(outcome) = inclusions.and_then(|i| i.take(hash)) {
                return Ok(Included {
                    outcome,
                    pushed: true,
                });
            }
            let live = inclusions.is_some_and(Inclusions::is_live);
            if !live || looked_up.is_none_or(|t| t.elapsed() >= LIVE_LOOKUP) {
                looked_up = Some(Instant::now());
                match self.client.tx(hash).await {
                    Ok(Some(outcome)) => {
                        return outcome
                            .into_result()
                            .map(|outcome| Included {
                                outcome,
                                pushed: false,
                            })
                            .map_err(|e| {
                                self.forget_gas();
                                ChainError::client(format!("tx {hash}"), e)
                            })
                    }
                    Ok(None) => {}
                    // The node may be restarting: keep looking until the deadline.
                    Err(e) => last_error = Some(e.to_string()),
                }
            }
            if started.elapsed() >= timeout {
                return Err(ChainError::client(
                    format!("tx {hash}"),
                    twinshare_client::Error::TxTimeout {
                        hash: hash.to_string(),
                        timeout,
                        last_error,
                    },
                ));
            }
            let push = async {
                match pushed.as_mut() {
                    Some(n) => n.await,
                    None => std::future::pending().await,
                }
            };
            if rechecks > 0 && !live {
                rechecks -= 1;
                tokio::select! {
                    _ = push => {}
                    _ = tokio::time::sleep(INDEX_LAG) => {}
                }
                continue;
            }
            tokio::select! {
                _ = push => {}
                changed = heights.changed() => match changed {
                    Ok(()) => rechecks = INDEX_RECHECKS,
                    // No watcher (shutting down): plain polling.
                    Err(_) => tokio::time::sleep(every).await,
                },
                _ = tokio::time::sleep(every) => {}
            }
        }
    }

    /// Follows this anchorer's `AnchorBatch` inclusions over the node's websocket until `stop`.
    pub fn follow_inclusions(
        &self,
        stop: crate::supervisor::Shutdown,
    ) -> (Arc<Inclusions>, tokio::task::JoinHandle<()>) {
        Inclusions::follow(
            &self.client.config().rpc_url,
            &self.contracts.registry,
            self.signer.address(),
            stop,
        )
    }

    /// A channel of the chain's tip, and the task that keeps it current: the height read every
    /// `every` until `stop`.
    pub fn watch_tip(
        &self,
        every: Duration,
        stop: crate::supervisor::Shutdown,
    ) -> (watch::Receiver<Tip>, tokio::task::JoinHandle<()>) {
        let (tx, rx) = watch::channel(Tip::new());
        let chain = self.clone();
        let task = tokio::spawn(async move { chain.watch_heights(tx, every, stop).await });
        (rx, task)
    }

    async fn watch_heights(
        &self,
        tip: watch::Sender<Tip>,
        every: Duration,
        stop: crate::supervisor::Shutdown,
    ) {
        loop {
            if let Ok(h) = self.client.height().await {
                let now = Instant::now();
                tip.send_if_modified(|old| {
                    if h <= old.height {
                        return false;
                    }
                    if old.height > 0 {
                        let one = now.duration_since(old.seen) / (h - old.height) as u32;
                        old.interval = Some(match old.interval {
                            Some(avg) => (avg * 7 + one) / 8,
                            None => one,
                        });
                    }
                    old.height = h;
                    old.seen = now;
                    true
                });
            }
            if stop.sleep(every).await {
                return;
            }
        }
    }

    pub fn tx_timeout(&self) -> Duration {
        self.client.config().tx_timeout
    }

    /// The hash of the first tx matching `query` at `height`.
    pub async fn search(&self, query: &str, height: u64) -> Result<Option<String>, ChainError> {
        let txs = self
            .client
            .search_txs(query, height, height)
            .await
            .map_err(|e| ChainError::client("tx search", e))?;
        Ok(txs.into_iter().next().map(|t| t.hash))
    }

    /// The registry batch id an included `AnchorBatch` tx created.
    pub fn batch_id_of(&self, outcome: &TxOutcome) -> Option<u64> {
        outcome
            .wasm_attribute(&self.contracts.registry, "batch_id")
            .and_then(|v| v.parse().ok())
    }

    /// The registry's batch in the service's channel with this root and count, after batch
    /// `after` (a batch of a previous run whose tx may have landed).
    pub async fn find_batch(
        &self,
        root: &str,
        count: u64,
        after: Option<u64>,
    ) -> Result<Option<Batch>, ChainError> {
        let mut start_after = after;
        loop {
            let page: BatchesResponse = self
                .client
                .query_smart(
                    &self.contracts.registry,
                    &registry::QueryMsg::BatchesByChannel {
                        channel: self.contracts.channel.clone(),
                        start_after,
                        limit: Some(PAGE),
                    },
                )
                .await
                .map_err(|e| ChainError::client("batches of the anchor channel", e))?;
            let n = page.batches.len();
            if let Some(b) = page.batches.iter().find(|b| {
                b.root.to_hex() == root && b.count == count && b.anchorer.as_str() == self.address()
            }) {
                return Ok(Some(b.clone()));
            }
            start_after = page.batches.last().map(|b| b.id);
            if n < PAGE as usize {
                return Ok(None);
            }
        }
    }

    /// A registry batch.
    pub async fn batch(&self, id: u64) -> Result<Batch, ChainError> {
        self.client
            .query_smart(&self.contracts.registry, &registry::QueryMsg::Batch { id })
            .await
            .map_err(|e| ChainError::client(format!("batch {id}"), e))
    }

    /// Redeems a voucher; waits for inclusion.
    pub async fn redeem(&self, v: &VoucherState) -> Result<TxOutcome, ChainError> {
        let Some(contract) = &self.contracts.payment_channel else {
            return Err(ChainError::Unexpected {
                what: "redeem".into(),
                reason: "no payment-channel contract configured".into(),
            });
        };
        let bad = |what: &str, e: hex::FromHexError| ChainError::Unexpected {
            what: format!("voucher of channel {}", v.channel),
            reason: format!("{what}: {e}"),
        };
        let msg = channel::ExecuteMsg::Redeem {
            channel: v.channel,
            cumulative: Uint128::new(v.cumulative),
            body_hash: HexBinary::from(hex::decode(&v.body_hash).map_err(|e| bad("body hash", e))?),
            sensor_pubkey: HexBinary::from(
                hex::decode(&v.sensor_pubkey).map_err(|e| bad("sensor key", e))?,
            ),
            signature: HexBinary::from(hex::decode(&v.signature).map_err(|e| bad("signature", e))?),
        };
        self.signer
            .execute(contract, &msg, vec![])
            .await
            .map_err(|e| ChainError::client(format!("redeeming channel {}", v.channel), e))
    }
}

impl ChainView for AnchorChain {
    fn sensor_owner<'a>(
        &'a self,
        pubkey: &'a [u8],
    ) -> BoxFuture<'a, Result<Option<String>, ChainError>> {
        Box::pin(async move {
            let got: Result<registry::Sensor, _> = self
                .client
                .query_smart(
                    &self.contracts.registry,
                    &registry::QueryMsg::Sensor {
                        pubkey: HexBinary::from(pubkey.to_vec()),
                    },
                )
                .await;
            match got {
                Ok(s) => Ok(Some(s.owner.to_string())),
                Err(e) if is_not_found(&e) => Ok(None),
                Err(e) => Err(ChainError::client("sensor", e)),
            }
        })
    }

    fn channel(&self, id: u64) -> BoxFuture<'_, Result<Option<ChannelInfo>, ChainError>> {
        Box::pin(async move {
            let Some(contract) = &self.contracts.payment_channel else {
                return Ok(None);
            };
            let got: Result<channel::Channel, _> = self
                .client
                .query_smart(contract, &channel::QueryMsg::Channel { id })
                .await;
            match got {
                Ok(c) => Ok(Some(ChannelInfo {
                    id: c.id,
                    owner: c.owner.to_string(),
                    payee: c.payee.to_string(),
                    deposit: c.deposit.u128(),
                    closing: c.closed || c.closes_at.is_some(),
                })),
                Err(e) if is_not_found(&e) => Ok(None),
                Err(e) => Err(ChainError::client(format!("payment channel {id}"), e)),
            }
        })
    }

    fn capacity<'a>(&'a self, owner: &'a str) -> BoxFuture<'a, Result<Capacity, ChainError>> {
        Box::pin(async move {
            let c = &self.contracts;
            let lease: storage::CapacityResponse = self
                .client
                .query_smart(
                    &c.storage_payment,
                    &storage::QueryMsg::Capacity {
                        owner: owner.to_string(),
                        provider: c.provider.clone(),
                    },
                )
                .await
                .map_err(|e| ChainError::client(format!("lease capacity of {owner}"), e))?;
            let used: registry::UsedBytesResponse = self
                .client
                .query_smart(
                    &c.registry,
                    &registry::QueryMsg::UsedBytes {
                        owner: owner.to_string(),
                        provider: c.provider.clone(),
                    },
                )
                .await
                .map_err(|e| ChainError::client(format!("registered bytes of {owner}"), e))?;
            Ok(Capacity {
                lease_bytes: lease.bytes,
                registered_bytes: used.used,
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_batch_is_cut_in_time_for_the_next_proposal() {
        let seen = Instant::now();
        let guard = Duration::from_millis(40);
        let ms = Duration::from_millis;
        let unknown = Tip {
            height: 5,
            seen,
            interval: None,
        };
        assert_eq!(unknown.until_cut(seen + ms(10), guard), None);
        let tip = Tip {
            interval: Some(ms(200)),
            ..unknown
        };
        // Early in the block: wait until 40 ms before the proposal due 200 ms after the last.
        assert_eq!(tip.until_cut(seen + ms(10), guard), Some(ms(150)));
        // Inside the guard, before the proposal: now.
        assert_eq!(tip.until_cut(seen + ms(175), guard), Some(ms(0)));
        // Just past the proposal: in time for the one after.
        assert_eq!(tip.until_cut(seen + ms(195), guard), Some(ms(165)));
        // Blocks seen late (or missed): the same phase, interval by interval.
        assert_eq!(tip.until_cut(seen + ms(410), guard), Some(ms(150)));
    }
}
