//! Reading the chain: node status, accounts, balances, contract queries, simulation, and the
//! RPC calls a signer needs (broadcast, looking txs up), all over CometBFT's RPC with the 0.38
//! dialect.
//!
//! Cosmos SDK queries go through ABCI (`abci_query` with a gRPC method path and the protobuf
//! request), so one RPC endpoint is all a client needs.

use std::sync::Arc;
use std::time::{Duration, Instant};

use cosmrs::proto::cosmos::auth::v1beta1::{
    BaseAccount, QueryAccountRequest, QueryAccountResponse,
};
use cosmrs::proto::cosmos::bank::v1beta1::{QueryBalanceRequest, QueryBalanceResponse};
use cosmrs::proto::cosmos::tx::v1beta1::{SimulateRequest, SimulateResponse};
use cosmrs::proto::cosmwasm::wasm::v1::{
    QuerySmartContractStateRequest, QuerySmartContractStateResponse,
};
use prost::Message;
use serde::de::DeserializeOwned;
use serde::Serialize;
use sha2::{Digest, Sha256};
use tendermint_rpc::client::CompatMode;
use tendermint_rpc::{Client, HttpClient, HttpClientUrl, Order};
use tracing::{debug, warn};

use crate::error::{ChainFailure, Error, Result};
use crate::keys::{parse_address, DEFAULT_PREFIX};
use crate::tx::{GasPrice, TxOutcome};

/// Default gas margin over the simulated gas.
pub const DEFAULT_GAS_ADJUSTMENT: f64 = 1.3;

/// How to reach a chain and how to pay for txs on it.
#[derive(Clone, Debug)]
pub struct ChainConfig {
    pub chain_id: String,
    /// CometBFT RPC, e.g. `http://127.0.0.1:26657`.
    pub rpc_url: String,
    /// Price per gas for fees, e.g. `0.025ustake`.
    pub gas_price: GasPrice,
    /// Gas limit = simulated gas x this (default 1.3).
    pub gas_adjustment: f64,
    pub bech32_prefix: String,
    /// How long to wait for a broadcast tx to be included (default 30 s).
    pub tx_timeout: Duration,
    /// How often to look for a broadcast tx (default 100 ms; blocks come every ~200 ms on the
    /// localnet).
    pub poll_interval: Duration,
    /// Timeout of each RPC request (default 10 s).
    pub request_timeout: Duration,
}

impl ChainConfig {
    pub fn new(chain_id: &str, rpc_url: &str, gas_price: GasPrice) -> ChainConfig {
        ChainConfig {
            chain_id: chain_id.to_string(),
            rpc_url: rpc_url.trim_end_matches('/').to_string(),
            gas_price,
            gas_adjustment: DEFAULT_GAS_ADJUSTMENT,
            bech32_prefix: DEFAULT_PREFIX.to_string(),
            tx_timeout: Duration::from_secs(30),
            poll_interval: Duration::from_millis(100),
            request_timeout: Duration::from_secs(10),
        }
    }

    pub fn with_prefix(mut self, prefix: &str) -> Self {
        self.bech32_prefix = prefix.to_string();
        self
    }

    pub fn with_gas_adjustment(mut self, adjustment: f64) -> Self {
        self.gas_adjustment = adjustment;
        self
    }

    pub fn with_tx_timeout(mut self, timeout: Duration) -> Self {
        self.tx_timeout = timeout;
        self
    }

    pub fn with_poll_interval(mut self, interval: Duration) -> Self {
        self.poll_interval = interval;
        self
    }

    /// The websocket endpoint of the RPC (`ws://host:port/websocket`).
    pub fn websocket_url(&self) -> String {
        websocket_url(&self.rpc_url)
    }
}

/// `http://host:port` -> `ws://host:port/websocket` (`https` -> `wss`).
pub fn websocket_url(rpc_url: &str) -> String {
    let url = rpc_url.trim_end_matches('/');
    let url = if let Some(rest) = url.strip_prefix("https://") {
        format!("wss://{rest}")
    } else if let Some(rest) = url.strip_prefix("http://") {
        format!("ws://{rest}")
    } else {
        url.to_string()
    };
    if url.ends_with("/websocket") {
        url
    } else {
        format!("{url}/websocket")
    }
}

/// What the node says about itself and the chain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeStatus {
    pub chain_id: String,
    pub moniker: String,
    /// CometBFT version of the node.
    pub version: String,
    pub latest_block_height: u64,
    /// RFC 3339.
    pub latest_block_time: String,
    pub earliest_block_height: u64,
    pub catching_up: bool,
}

/// An account's number and next sequence.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AccountInfo {
    pub account_number: u64,
    pub sequence: u64,
}

/// Gas of a simulation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GasInfo {
    pub gas_wanted: u64,
    pub gas_used: u64,
}

/// A read-only client of one chain. Cheap to clone (the HTTP client is shared).
#[derive(Clone)]
pub struct ChainClient {
    rpc: HttpClient,
    config: Arc<ChainConfig>,
}

impl std::fmt::Debug for ChainClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChainClient")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

const ACCOUNT_PATH: &str = "/cosmos.auth.v1beta1.Query/Account";
const BALANCE_PATH: &str = "/cosmos.bank.v1beta1.Query/Balance";
const SMART_PATH: &str = "/cosmwasm.wasm.v1.Query/SmartContractState";
const SIMULATE_PATH: &str = "/cosmos.tx.v1beta1.Service/Simulate";
const BASE_ACCOUNT_URL: &str = "/cosmos.auth.v1beta1.BaseAccount";

impl ChainClient {
    /// A client for `config`; no request is made yet.
    pub fn new(config: ChainConfig) -> Result<ChainClient> {
        let url: HttpClientUrl = config.rpc_url.parse().map_err(|e| Error::Rpc {
            url: config.rpc_url.clone(),
            method: "connect".into(),
            reason: format!("invalid RPC URL: {e}"),
        })?;
        let rpc = HttpClient::builder(url)
            .compat_mode(CompatMode::V0_38)
            .timeout(config.request_timeout)
            .build()
            .map_err(|e| Error::from_rpc(&config.rpc_url, "connect", e))?;
        Ok(ChainClient {
            rpc,
            config: Arc::new(config),
        })
    }

    /// A client for `config` after checking that the node answers and runs that chain.
    pub async fn connect(config: ChainConfig) -> Result<ChainClient> {
        let client = Self::new(config)?;
        let status = client.status().await?;
        if status.chain_id != client.config.chain_id {
            return Err(Error::ChainIdMismatch {
                url: client.config.rpc_url.clone(),
                expected: client.config.chain_id.clone(),
                actual: status.chain_id,
            });
        }
        debug!(
            url = %client.config.rpc_url,
            height = status.latest_block_height,
            "connected to {}",
            status.chain_id
        );
        Ok(client)
    }

    pub fn config(&self) -> &ChainConfig {
        &self.config
    }

    /// The underlying tendermint-rpc client, for calls this crate does not wrap.
    pub fn rpc(&self) -> &HttpClient {
        &self.rpc
    }

    fn rpc_error(&self, method: &str, e: tendermint_rpc::Error) -> Error {
        Error::from_rpc(&self.config.rpc_url, method, e)
    }

    /// Runs an RPC call, once more if the connection failed: after a node restart the pooled
    /// keep-alive connection is dead ("connection closed before message completed") and only a
    /// fresh one works.
    async fn call<T, F, Fut>(&self, method: &str, f: F) -> Result<T>
    where
        F: Fn() -> Fut,
        Fut: std::future::Future<Output = std::result::Result<T, tendermint_rpc::Error>>,
    {
        match f().await {
            Ok(v) => Ok(v),
            Err(e) => match self.rpc_error(method, e) {
                Error::RpcUnreachable { reason, .. } => {
                    debug!(method, %reason, "RPC call failed; trying once more on a new connection");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    f().await.map_err(|e| self.rpc_error(method, e))
                }
                other => Err(other),
            },
        }
    }

    /// The node's `/status`.
    pub async fn status(&self) -> Result<NodeStatus> {
        let s = self.call("status", || self.rpc.status()).await?;
        Ok(NodeStatus {
            chain_id: s.node_info.network.to_string(),
            moniker: s.node_info.moniker.to_string(),
            version: s.node_info.version.to_string(),
            latest_block_height: s.sync_info.latest_block_height.value(),
            latest_block_time: s.sync_info.latest_block_time.to_rfc3339(),
            earliest_block_height: s.sync_info.earliest_block_height.value(),
            catching_up: s.sync_info.catching_up,
        })
    }

    /// The latest block height.
    pub async fn height(&self) -> Result<u64> {
        Ok(self.status().await?.latest_block_height)
    }

    /// An ABCI query of a gRPC method with a protobuf request; the protobuf response bytes.
    pub async fn abci_query(&self, path: &str, request: Vec<u8>) -> Result<Vec<u8>> {
        let res = self
            .call(path, || {
                self.rpc
                    .abci_query(Some(path.to_string()), request.clone(), None, false)
            })
            .await?;
        if res.code.is_err() {
            return Err(QueryFailure {
                path,
                codespace: &res.codespace,
                code: res.code.value(),
                log: &res.log,
            }
            .into());
        }
        Ok(res.value)
    }

    /// Account number and next sequence of `address`.
    pub async fn account(&self, address: &str) -> Result<AccountInfo> {
        parse_address(address, &self.config.bech32_prefix)?;
        let request = QueryAccountRequest {
            address: address.to_string(),
        };
        let bytes = match self.abci_query(ACCOUNT_PATH, request.encode_to_vec()).await {
            Ok(bytes) => bytes,
            Err(Error::QueryFailed { log, .. }) if log.contains("not found") => {
                return Err(Error::AccountNotFound {
                    address: address.to_string(),
                })
            }
            Err(e) => return Err(e),
        };
        let response = QueryAccountResponse::decode(bytes.as_slice())
            .map_err(|e| decode("account response", e))?;
        let any = response.account.ok_or_else(|| Error::AccountNotFound {
            address: address.to_string(),
        })?;
        if any.type_url != BASE_ACCOUNT_URL {
            return Err(Error::Decode {
                what: format!("account {address}"),
                reason: format!(
                    "it is a {}, only {BASE_ACCOUNT_URL} can sign here",
                    any.type_url
                ),
            });
        }
        let account =
            BaseAccount::decode(any.value.as_slice()).map_err(|e| decode("BaseAccount", e))?;
        Ok(AccountInfo {
            account_number: account.account_number,
            sequence: account.sequence,
        })
    }

    /// The bank balance of `address` in `denom` (0 when it holds none).
    pub async fn balance(&self, address: &str, denom: &str) -> Result<u128> {
        parse_address(address, &self.config.bech32_prefix)?;
        let request = QueryBalanceRequest {
            address: address.to_string(),
            denom: denom.to_string(),
        };
        let bytes = self
            .abci_query(BALANCE_PATH, request.encode_to_vec())
            .await?;
        let response = QueryBalanceResponse::decode(bytes.as_slice())
            .map_err(|e| decode("balance response", e))?;
        match response.balance {
            None => Ok(0),
            Some(coin) => coin.amount.parse().map_err(|e| Error::Decode {
                what: "balance amount".into(),
                reason: format!("{:?}: {e}", coin.amount),
            }),
        }
    }

    /// A contract's smart query: `msg` serialized as JSON, the answer deserialized as `R`.
    /// A query the contract refuses is an [`Error::Contract`] with the contract's text.
    pub async fn query_smart<R: DeserializeOwned>(
        &self,
        contract: &str,
        msg: &impl Serialize,
    ) -> Result<R> {
        let query = serde_json::to_vec(msg).map_err(|e| Error::Encode {
            what: "smart query".into(),
            reason: e.to_string(),
        })?;
        let bytes = self.query_smart_raw(contract, query).await?;
        serde_json::from_slice(&bytes).map_err(|e| Error::Decode {
            what: format!("the answer of {contract} as {}", std::any::type_name::<R>()),
            reason: format!("{e}; answer: {}", String::from_utf8_lossy(&bytes)),
        })
    }

    /// A contract's smart query with raw JSON bytes in and out.
    pub async fn query_smart_raw(&self, contract: &str, query: Vec<u8>) -> Result<Vec<u8>> {
        parse_address(contract, &self.config.bech32_prefix)?;
        let request = QuerySmartContractStateRequest {
            address: contract.to_string(),
            query_data: query,
        };
        let bytes = self.abci_query(SMART_PATH, request.encode_to_vec()).await?;
        let response = QuerySmartContractStateResponse::decode(bytes.as_slice())
            .map_err(|e| decode("smart query response", e))?;
        Ok(response.data)
    }

    /// Simulates a signed tx: the gas it uses, or the error it would fail with (out of gas, the
    /// contract's error, wrong sequence, insufficient funds...).
    pub async fn simulate(&self, tx_bytes: Vec<u8>) -> Result<GasInfo> {
        let request = SimulateRequest {
            tx_bytes,
            ..Default::default()
        };
        let bytes = self
            .abci_query(SIMULATE_PATH, request.encode_to_vec())
            .await?;
        let response = SimulateResponse::decode(bytes.as_slice())
            .map_err(|e| decode("simulate response", e))?;
        let gas = response.gas_info.ok_or_else(|| Error::Decode {
            what: "simulate response".into(),
            reason: "no gas info".into(),
        })?;
        Ok(GasInfo {
            gas_wanted: gas.gas_wanted,
            gas_used: gas.gas_used,
        })
    }

    /// Broadcasts a signed tx and waits for `CheckTx` only; the tx hash (upper-case hex).
    /// A `CheckTx` rejection (wrong sequence, fee too low, ...) is an error.
    pub async fn broadcast_tx_sync(&self, tx_bytes: Vec<u8>) -> Result<String> {
        let local_hash = hex::encode_upper(Sha256::digest(&tx_bytes));
        let res = match self
            .call("broadcast_tx_sync", || {
                self.rpc.broadcast_tx_sync(tx_bytes.clone())
            })
            .await
        {
            Ok(res) => res,
            // The first attempt reached the mempool after all; the retry was refused as a repeat.
            Err(Error::Rpc { reason, .. }) if reason.contains("tx already exists in cache") => {
                debug!(hash = %local_hash, "tx already in the mempool");
                return Ok(local_hash);
            }
            Err(e) => return Err(e),
        };
        let hash = res.hash.to_string();
        if res.code.is_err() {
            return Err(Error::classify(ChainFailure {
                codespace: &res.codespace,
                code: res.code.value(),
                log: &res.log,
                tx_hash: Some(hash),
                ..ChainFailure::default()
            }));
        }
        Ok(hash)
    }

    /// The tx with `hash` if a block holds it (failed or not), `None` while it is not included.
    pub async fn tx(&self, hash: &str) -> Result<Option<TxOutcome>> {
        let h: cosmrs::tendermint::Hash = hash.to_uppercase().parse().map_err(|e| Error::Rpc {
            url: self.config.rpc_url.clone(),
            method: "tx".into(),
            reason: format!("invalid tx hash {hash:?}: {e}"),
        })?;
        match self.call("tx", || self.rpc.tx(h, false)).await {
            Ok(res) => Ok(Some(TxOutcome::from_rpc(res))),
            Err(Error::Rpc { reason, .. }) if reason.contains("not found") => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Polls for `hash` until a block includes it or `timeout` passes. A tx that failed in its
    /// block is an error (out of gas, the contract's error, ...) carrying the hash and height.
    pub async fn wait_for_tx(&self, hash: &str, timeout: Duration) -> Result<TxOutcome> {
        let start = Instant::now();
        let mut last_error = None;
        loop {
            match self.tx(hash).await {
                Ok(Some(outcome)) => {
                    debug!(hash, height = outcome.height, elapsed = ?start.elapsed(), "tx included");
                    return outcome.into_result();
                }
                Ok(None) => {}
                Err(e) => {
                    // The node may be restarting: keep polling until the deadline.
                    warn!(hash, error = %e, "looking up tx");
                    last_error = Some(e.to_string());
                }
            }
            if start.elapsed() >= timeout {
                return Err(Error::TxTimeout {
                    hash: hash.to_string(),
                    timeout,
                    last_error,
                });
            }
            tokio::time::sleep(self.config.poll_interval).await;
        }
    }

    /// Every tx matching `query` (CometBFT query syntax, e.g.
    /// `wasm._contract_address='wasm1...'`) in heights `from..=to`, oldest first, all pages.
    pub async fn search_txs(&self, query: &str, from: u64, to: u64) -> Result<Vec<TxOutcome>> {
        let query = search_query(query, from, to)?;
        const PER_PAGE: u8 = 100;
        let mut out = Vec::new();
        let mut page = 1u32;
        loop {
            let res = self
                .call("tx_search", || {
                    self.rpc
                        .tx_search(query.clone(), false, page, PER_PAGE, Order::Ascending)
                })
                .await?;
            let got = res.txs.len();
            out.extend(res.txs.into_iter().map(TxOutcome::from_rpc));
            if got == 0 || out.len() >= res.total_count as usize {
                break;
            }
            page += 1;
        }
        debug!(%query, count = out.len(), "tx_search");
        Ok(out)
    }
}

/// The query of `tx_search`: the conditions of `query` (its `tm.event` dropped, which the tx
/// indexer does not know) and the height bounds.
pub(crate) fn search_query(
    query: &str,
    from: u64,
    to: u64,
) -> Result<tendermint_rpc::query::Query> {
    let mut q: tendermint_rpc::query::Query = query
        .parse()
        .map_err(|e| Error::Subscription(format!("query {query:?}: {e}")))?;
    q.event_type = None;
    Ok(q.and_gte("tx.height", from).and_lte("tx.height", to))
}

struct QueryFailure<'a> {
    path: &'a str,
    codespace: &'a str,
    code: u32,
    log: &'a str,
}

impl From<QueryFailure<'_>> for Error {
    /// A failed ABCI query: the contract's error, a simulation's failure, or a plain failure.
    fn from(f: QueryFailure<'_>) -> Error {
        let classified = Error::classify(ChainFailure {
            codespace: f.codespace,
            code: f.code,
            log: f.log,
            ..ChainFailure::default()
        });
        match classified {
            Error::TxFailed { .. } if f.path != SIMULATE_PATH => Error::QueryFailed {
                path: f.path.to_string(),
                codespace: f.codespace.to_string(),
                code: f.code,
                log: f.log.to_string(),
            },
            other => other,
        }
    }
}

fn decode(what: &str, e: prost::DecodeError) -> Error {
    Error::Decode {
        what: what.to_string(),
        reason: e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn websocket_urls() {
        assert_eq!(
            websocket_url("http://127.0.0.1:26657"),
            "ws://127.0.0.1:26657/websocket"
        );
        assert_eq!(
            websocket_url("https://rpc.example.org/"),
            "wss://rpc.example.org/websocket"
        );
        assert_eq!(
            websocket_url("ws://127.0.0.1:26657/websocket"),
            "ws://127.0.0.1:26657/websocket"
        );
    }

    #[test]
    fn search_queries_drop_the_event_type_and_bound_heights() {
        let q = search_query("tm.event='Tx' AND wasm._contract_address='wasm1abc'", 5, 9)
            .expect("query");
        assert_eq!(
            q.to_string(),
            "wasm._contract_address = 'wasm1abc' AND tx.height >= 5 AND tx.height <= 9"
        );
        assert!(search_query("not a query", 1, 2).is_err());
    }

    #[test]
    fn failed_queries_are_classified() {
        // Real answers of the localnet to a smart query the contract refuses.
        let e: Error = QueryFailure {
            path: SMART_PATH,
            codespace: "sdk",
            code: 6,
            log: "party wasm1uvwf257r33zz43ufev4z52hraya3txxdkxtv5q not found: query wasm \
                  contract failed: unknown request",
        }
        .into();
        assert_eq!(
            e.contract_message(),
            Some("party wasm1uvwf257r33zz43ufev4z52hraya3txxdkxtv5q not found")
        );
        let e: Error = QueryFailure {
            path: ACCOUNT_PATH,
            codespace: "sdk",
            code: 22,
            log: "account wasm1x not found: key not found",
        }
        .into();
        assert!(matches!(e, Error::QueryFailed { code: 22, .. }), "{e:?}");
    }
}
