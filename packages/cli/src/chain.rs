//! The chain as the commands see it: typed queries of TwinShare's contracts, and actors (an
//! identity's signer and Umbral master key) whose txs are timed and summarized ([`TxInfo`]).

use std::time::Instant;

use serde::de::DeserializeOwned;
use serde::Serialize;
use twinshare_client::{ChainClient, Coin, Signer, TxOutcome};
use twinshare_crypto::MasterKey;
use twinshare_types::{escrow, registry, storage, token};

use crate::config::Network;
use crate::error::{Error, Result};
use crate::identity::Identity;

/// A connected client and the network's contracts.
#[derive(Clone, Debug)]
pub struct Chain {
    pub client: ChainClient,
    pub network: Network,
}

/// Whether a query error means "no such thing" (the contracts answer `... not found`).
pub fn is_not_found(e: &twinshare_client::Error) -> bool {
    e.contract_message()
        .map(|m| m.contains("not found") || m.contains("does not exist") || m.starts_with("no "))
        .unwrap_or(false)
        || matches!(e, twinshare_client::Error::QueryFailed { log, .. } if log.contains("not found"))
}

impl Chain {
    /// Connects (checking the node runs the configured chain).
    pub async fn connect(network: Network) -> Result<Chain> {
        let client = ChainClient::connect(network.chain_config()?).await?;
        Ok(Chain { client, network })
    }

    pub fn prefix(&self) -> &str {
        &self.network.bech32_prefix
    }

    async fn query<T: DeserializeOwned>(&self, contract: &str, msg: &impl Serialize) -> Result<T> {
        Ok(self.client.query_smart(contract, msg).await?)
    }

    pub async fn registry<T: DeserializeOwned>(&self, msg: &registry::QueryMsg) -> Result<T> {
        self.query(&self.network.contracts.data_registry, msg).await
    }

    pub async fn storage<T: DeserializeOwned>(&self, msg: &storage::QueryMsg) -> Result<T> {
        self.query(&self.network.contracts.storage_payment, msg)
            .await
    }

    pub async fn token<T: DeserializeOwned>(&self, msg: &token::QueryMsg) -> Result<T> {
        self.query(&self.network.contracts.data_token, msg).await
    }

    pub async fn escrow<T: DeserializeOwned>(&self, msg: &escrow::QueryMsg) -> Result<T> {
        self.query(&self.network.contracts.escrow, msg).await
    }

    /// `Ok(None)` for a query the contract answers with "not found".
    pub async fn optional<T>(
        &self,
        fut: impl std::future::Future<Output = Result<T>>,
    ) -> Result<Option<T>> {
        match fut.await {
            Ok(v) => Ok(Some(v)),
            Err(Error::Chain(e)) if is_not_found(&e) => Ok(None),
            Err(e) => Err(e),
        }
    }

    pub async fn party(&self, address: &str) -> Result<Option<registry::Party>> {
        self.optional(self.registry(&registry::QueryMsg::Party {
            address: address.to_string(),
        }))
        .await
    }

    pub async fn record(&self, id: u64) -> Result<registry::Record> {
        self.optional(self.registry(&registry::QueryMsg::Record { id }))
            .await?
            .ok_or_else(|| {
                Error::not_found(
                    format!("record {id}"),
                    "check the id (`twinshare upload` prints it)",
                )
            })
    }

    pub async fn asset(&self, id: u64) -> Result<token::Asset> {
        self.optional(self.token(&token::QueryMsg::Asset { id }))
            .await?
            .ok_or_else(|| {
                Error::not_found(format!("asset {id}"), "`twinshare assets` lists the assets")
            })
    }

    pub async fn sale(&self, id: u64) -> Result<escrow::Sale> {
        self.optional(self.escrow(&escrow::QueryMsg::Sale { id }))
            .await?
            .ok_or_else(|| {
                Error::not_found(format!("sale {id}"), "`twinshare sales` lists your sales")
            })
    }

    pub async fn provider(&self, address: &str) -> Result<Option<storage::Provider>> {
        self.optional(self.storage(&storage::QueryMsg::Provider {
            address: address.to_string(),
        }))
        .await
    }

    /// The cw20 payment token balance.
    pub async fn cw20_balance(&self, address: &str) -> Result<u128> {
        let r: cw20::BalanceResponse = self
            .query(
                &self.network.contracts.payment_token,
                &cw20::Cw20QueryMsg::Balance {
                    address: address.to_string(),
                },
            )
            .await?;
        Ok(r.balance.u128())
    }

    pub async fn native_balance(&self, address: &str, denom: &str) -> Result<u128> {
        Ok(self.client.balance(address, denom).await?)
    }

    /// Refuses, before anything is signed, a payment of `amount` `denom` for `what` that
    /// `actor` cannot make (otherwise a cw20 contract answers with a bare "Cannot Sub"). The
    /// contract stays the authority.
    pub async fn require_funds(
        &self,
        actor: &Actor,
        amount: u128,
        denom: &twinshare_types::CheckedDenom,
        what: &str,
    ) -> Result<()> {
        let held = match denom {
            twinshare_types::CheckedDenom::Cw20(token) => {
                let r: cw20::BalanceResponse = self
                    .query(
                        token.as_str(),
                        &cw20::Cw20QueryMsg::Balance {
                            address: actor.address().to_string(),
                        },
                    )
                    .await?;
                r.balance.u128()
            }
            twinshare_types::CheckedDenom::Native(d) => {
                self.native_balance(actor.address(), d).await?
            }
        };
        if held >= amount {
            return Ok(());
        }
        Err(Error::State(format!(
            "insufficient funds: {what} costs {amount} {denom}, and {} ({}) holds {held}; \
             get {} more first",
            actor.name,
            actor.address(),
            amount - held
        )))
    }

    /// Every sale of a seller, all pages.
    pub async fn sales_by_seller(&self, seller: &str) -> Result<Vec<escrow::Sale>> {
        let mut out = Vec::new();
        let mut start_after = None;
        loop {
            let page: escrow::SalesResponse = self
                .escrow(&escrow::QueryMsg::SalesBySeller {
                    seller: seller.to_string(),
                    start_after,
                    limit: Some(twinshare_types::pagination::MAX_LIMIT),
                })
                .await?;
            let done = page.sales.len() < twinshare_types::pagination::MAX_LIMIT as usize;
            start_after = page.sales.last().map(|s| s.id);
            out.extend(page.sales);
            if done || start_after.is_none() {
                return Ok(out);
            }
        }
    }

    /// Every sale of a buyer, all pages.
    pub async fn sales_by_buyer(&self, buyer: &str) -> Result<Vec<escrow::Sale>> {
        let mut out = Vec::new();
        let mut start_after = None;
        loop {
            let page: escrow::SalesResponse = self
                .escrow(&escrow::QueryMsg::SalesByBuyer {
                    buyer: buyer.to_string(),
                    start_after,
                    limit: Some(twinshare_types::pagination::MAX_LIMIT),
                })
                .await?;
            let done = page.sales.len() < twinshare_types::pagination::MAX_LIMIT as usize;
            start_after = page.sales.last().map(|s| s.id);
            out.extend(page.sales);
            if done || start_after.is_none() {
                return Ok(out);
            }
        }
    }
}

/// One tx a command sent: what for, who signed, where it landed, gas and latency.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TxInfo {
    /// The step (e.g. `register`, `buy`).
    pub step: String,
    /// The signer's key name.
    pub signer: String,
    pub hash: String,
    pub height: u64,
    pub gas_used: u64,
    pub gas_wanted: u64,
    /// The fee paid, e.g. `4567ustake`.
    pub fee: String,
    /// From signing to inclusion (simulation, broadcast, waiting for the block).
    pub latency_ms: u64,
}

impl TxInfo {
    /// `tx ABCD.. at height 123, gas 145,000 used / 188,500 wanted, 0.41 s`.
    pub fn line(&self) -> String {
        format!(
            "tx {} at height {}, gas {} used / {} wanted, fee {}, {:.2} s",
            self.hash,
            self.height,
            self.gas_used,
            self.gas_wanted,
            self.fee,
            self.latency_ms as f64 / 1000.0
        )
    }
}

/// An identity on a chain: signs txs and holds the Umbral keys.
#[derive(Clone)]
pub struct Actor {
    pub name: String,
    pub signer: Signer,
    pub master: MasterKey,
}

impl std::fmt::Debug for Actor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Actor")
            .field("name", &self.name)
            .field("address", &self.address())
            .finish_non_exhaustive()
    }
}

impl Actor {
    pub fn new(chain: &Chain, identity: Identity) -> Actor {
        Actor {
            name: identity.name,
            signer: Signer::new(chain.client.clone(), identity.key),
            master: identity.master,
        }
    }

    pub fn address(&self) -> &str {
        self.signer.address()
    }

    fn info(&self, step: &str, tx: &TxOutcome, started: Instant) -> TxInfo {
        TxInfo {
            step: step.to_string(),
            signer: self.name.clone(),
            hash: tx.hash.clone(),
            height: tx.height,
            gas_used: tx.gas_used,
            gas_wanted: tx.gas_wanted,
            fee: self
                .signer
                .client()
                .config()
                .gas_price
                .fee(tx.gas_wanted)
                .to_string(),
            latency_ms: started.elapsed().as_millis() as u64,
        }
    }

    /// Executes `msg` on `contract` with `funds`; waits for the block.
    pub async fn execute(
        &self,
        step: &str,
        contract: &str,
        msg: &impl Serialize,
        funds: Vec<Coin>,
    ) -> Result<(TxOutcome, TxInfo)> {
        let started = Instant::now();
        let tx = self.signer.execute(contract, msg, funds).await?;
        let info = self.info(step, &tx, started);
        tracing::info!(step, hash = %info.hash, gas_used = info.gas_used, "tx included");
        Ok((tx, info))
    }

    /// cw20 `Send` of `amount` of `token` into `contract` with `msg`; waits for the block.
    pub async fn cw20_send(
        &self,
        step: &str,
        token: &str,
        contract: &str,
        amount: u128,
        msg: &impl Serialize,
    ) -> Result<(TxOutcome, TxInfo)> {
        let started = Instant::now();
        let tx = self.signer.cw20_send(token, contract, amount, msg).await?;
        let info = self.info(step, &tx, started);
        tracing::info!(step, hash = %info.hash, gas_used = info.gas_used, "tx included");
        Ok((tx, info))
    }
}

/// A numeric attribute of a contract's `wasm` event (e.g. `record_id`).
pub fn event_u64(tx: &TxOutcome, contract: &str, key: &str) -> Result<u64> {
    tx.wasm_attribute(contract, key)
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| {
            Error::Unexpected(format!(
                "tx {} has no numeric `{key}` attribute from {contract}",
                tx.hash
            ))
        })
}

/// The bank transfers of `denom` from `from` to `to` in a tx, summed (e.g. a High record's fee
/// paid by the registry to its fee collector).
pub fn bank_transferred(tx: &TxOutcome, from: &str, to: &str, denom: &str) -> u128 {
    tx.events
        .iter()
        .filter(|e| e.kind == "transfer")
        .filter(|e| e.attribute("sender") == Some(from) && e.attribute("recipient") == Some(to))
        .filter_map(|e| e.attribute("amount"))
        .flat_map(|amounts| amounts.split(','))
        .filter_map(|coin| coin.trim().parse::<Coin>().ok())
        .filter(|c| c.denom == denom)
        .map(|c| c.amount)
        .sum()
}
