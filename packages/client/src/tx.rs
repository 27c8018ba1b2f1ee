//! Signed transactions: messages (contract execute with funds, cw20 `Send`/`Transfer`, bank
//! send, any protobuf message), gas by simulation with a margin, fees at the chain's gas price,
//! direct-mode signing, `broadcast_tx_sync`, and waiting for inclusion.
//!
//! A [`Signer`] caches its account number and sequence across txs and, when the chain answers
//! with a sequence mismatch (another process used the same key, a tx was dropped), refetches the
//! account and tries once more.

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use cosmrs::tx::{Body, Fee, Msg as _, SignDoc, SignerInfo};
use cosmrs::{AccountId, Any};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use tokio::sync::Mutex;
use tracing::{debug, info, warn};

use crate::error::{ChainFailure, Error, Result};
use crate::events::{wasm_events, WasmEvent};
use crate::keys::{parse_address, Key};
use crate::query::{AccountInfo, ChainClient, GasInfo};

/// An amount of a bank denom.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Coin {
    pub amount: u128,
    pub denom: String,
}

impl Coin {
    pub fn new(amount: u128, denom: impl Into<String>) -> Coin {
        Coin {
            amount,
            denom: denom.into(),
        }
    }

    fn to_cosmrs(&self) -> Result<cosmrs::Coin> {
        Ok(cosmrs::Coin {
            denom: self.denom.parse().map_err(|e| Error::InvalidCoin {
                input: self.to_string(),
                reason: format!("denom: {e}"),
            })?,
            amount: self.amount,
        })
    }
}

impl fmt::Display for Coin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.amount, self.denom)
    }
}

impl FromStr for Coin {
    type Err = Error;

    /// `5000ustake`.
    fn from_str(s: &str) -> Result<Coin> {
        let s = s.trim();
        let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
        let (amount, denom) = s.split_at(split);
        let bad = |reason: &str| Error::InvalidCoin {
            input: s.to_string(),
            reason: reason.to_string(),
        };
        if denom.is_empty() {
            return Err(bad("no denom"));
        }
        let amount = amount.parse().map_err(|_| bad("no amount"))?;
        Ok(Coin::new(amount, denom))
    }
}

/// A price per unit of gas, e.g. `0.025ustake`, kept exact (no floating point).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GasPrice {
    /// The amount times 10^`decimals`.
    atomics: u128,
    decimals: u32,
    denom: String,
}

/// Most decimals a gas price may have (as the SDK's `Dec`).
const MAX_DECIMALS: u32 = 18;

impl GasPrice {
    pub fn denom(&self) -> &str {
        &self.denom
    }

    /// The fee for `gas_limit` gas: the price times the limit, rounded up (as the SDK computes
    /// the minimum fee it demands).
    pub fn fee(&self, gas_limit: u64) -> Coin {
        let scale = 10u128.pow(self.decimals);
        // gas (< 2^64) x atomics (< 10^20 in practice) fits easily in u128; saturate otherwise.
        let product = u128::from(gas_limit).saturating_mul(self.atomics);
        Coin::new(product.div_ceil(scale), self.denom.clone())
    }
}

impl FromStr for GasPrice {
    type Err = Error;

    fn from_str(s: &str) -> Result<GasPrice> {
        let input = s.trim();
        let bad = |reason: &str| Error::InvalidGasPrice {
            input: input.to_string(),
            reason: reason.to_string(),
        };
        let split = input
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .ok_or_else(|| bad("no denom"))?;
        let (amount, denom) = input.split_at(split);
        if amount.is_empty() {
            return Err(bad("no amount"));
        }
        if !denom.starts_with(|c: char| c.is_ascii_alphabetic())
            || !denom
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "/:._-".contains(c))
        {
            return Err(bad("the denom must start with a letter"));
        }
        let (whole, frac) = match amount.split_once('.') {
            Some((w, f)) => (w, f.trim_end_matches('0')),
            None => (amount, ""),
        };
        if whole.is_empty() && frac.is_empty() && !amount.contains('0') {
            return Err(bad("no amount"));
        }
        if frac.len() > MAX_DECIMALS as usize {
            return Err(bad("more than 18 decimals"));
        }
        let digits = format!("{whole}{frac}");
        let atomics: u128 = if digits.is_empty() {
            0
        } else {
            digits.parse().map_err(|_| bad("not a decimal number"))?
        };
        Ok(GasPrice {
            atomics,
            decimals: frac.len() as u32,
            denom: denom.to_string(),
        })
    }
}

impl fmt::Display for GasPrice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let scale = 10u128.pow(self.decimals);
        let whole = self.atomics / scale;
        let frac = self.atomics % scale;
        if self.decimals == 0 {
            write!(f, "{whole}{}", self.denom)
        } else {
            write!(
                f,
                "{whole}.{frac:0width$}{}",
                self.denom,
                width = self.decimals as usize
            )
        }
    }
}

impl Serialize for GasPrice {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

impl<'de> Deserialize<'de> for GasPrice {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<GasPrice, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// The gas limit for a simulated `gas_used`: times `adjustment`, rounded up.
pub fn gas_limit(gas_used: u64, adjustment: f64) -> u64 {
    let adjustment = if adjustment.is_finite() && adjustment > 0.0 {
        adjustment
    } else {
        1.0
    };
    (gas_used as f64 * adjustment).ceil() as u64
}

/// One message of a tx. The signer's address is filled in when it is signed.
#[derive(Clone, Debug, PartialEq)]
pub enum Msg {
    /// `MsgExecuteContract`: a JSON message to a contract, with funds (zero amounts are dropped;
    /// the rest are sorted by denom as the chain requires).
    Execute {
        contract: String,
        msg: Vec<u8>,
        funds: Vec<Coin>,
    },
    /// `MsgSend` of the bank module.
    BankSend { to: String, amount: Vec<Coin> },
    /// Any other protobuf message, already encoded.
    Any(Any),
}

impl Msg {
    /// Executes `msg` (serialized as JSON) on `contract`, sending `funds` along.
    pub fn execute(contract: &str, msg: &impl Serialize, funds: Vec<Coin>) -> Result<Msg> {
        Ok(Msg::Execute {
            contract: contract.to_string(),
            msg: to_json(msg, "contract message")?,
            funds,
        })
    }

    /// cw20 `Send`: moves `amount` of the `token` to `contract` and calls its `Receive` with
    /// `msg` (serialized as JSON, then base64 as cw20 wants).
    pub fn cw20_send(
        token: &str,
        contract: &str,
        amount: u128,
        msg: &impl Serialize,
    ) -> Result<Msg> {
        let inner = cosmwasm_std::to_json_binary(msg).map_err(|e| Error::Encode {
            what: "cw20 Send inner message".into(),
            reason: e.to_string(),
        })?;
        Self::execute(
            token,
            &cw20::Cw20ExecuteMsg::Send {
                contract: contract.to_string(),
                amount: amount.into(),
                msg: inner,
            },
            vec![],
        )
    }

    /// cw20 `Transfer` of `amount` of the `token` to `recipient`.
    pub fn cw20_transfer(token: &str, recipient: &str, amount: u128) -> Result<Msg> {
        Self::execute(
            token,
            &cw20::Cw20ExecuteMsg::Transfer {
                recipient: recipient.to_string(),
                amount: amount.into(),
            },
            vec![],
        )
    }

    /// A bank send of `amount` to `to`.
    pub fn bank_send(to: &str, amount: Vec<Coin>) -> Msg {
        Msg::BankSend {
            to: to.to_string(),
            amount,
        }
    }

    /// The protobuf `Any` of this message sent by `sender`.
    pub fn to_any(&self, sender: &AccountId) -> Result<Any> {
        let prefix = sender.prefix();
        let encode = |e: cosmrs::ErrorReport| Error::Encode {
            what: "message".into(),
            reason: e.to_string(),
        };
        match self {
            Msg::Execute {
                contract,
                msg,
                funds,
            } => cosmrs::cosmwasm::MsgExecuteContract {
                sender: sender.clone(),
                contract: parse_address(contract, prefix)?,
                msg: msg.clone(),
                funds: coins(funds)?,
            }
            .to_any()
            .map_err(encode),
            Msg::BankSend { to, amount } => cosmrs::bank::MsgSend {
                from_address: sender.clone(),
                to_address: parse_address(to, prefix)?,
                amount: coins(amount)?,
            }
            .to_any()
            .map_err(encode),
            Msg::Any(any) => Ok(any.clone()),
        }
    }
}

/// Valid SDK coins: no zero amounts, sorted by denom, one entry per denom.
fn coins(list: &[Coin]) -> Result<Vec<cosmrs::Coin>> {
    let mut sorted: Vec<&Coin> = list.iter().filter(|c| c.amount > 0).collect();
    sorted.sort_by(|a, b| a.denom.cmp(&b.denom));
    if let Some(w) = sorted.windows(2).find(|w| w[0].denom == w[1].denom) {
        return Err(Error::InvalidCoin {
            input: w[0].denom.clone(),
            reason: "the same denom twice; add the amounts up".into(),
        });
    }
    sorted.into_iter().map(Coin::to_cosmrs).collect()
}

fn to_json(msg: &impl Serialize, what: &str) -> Result<Vec<u8>> {
    serde_json::to_vec(msg).map_err(|e| Error::Encode {
        what: what.to_string(),
        reason: e.to_string(),
    })
}

/// One event of a tx result: its type and attributes, in order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TxEvent {
    pub kind: String,
    pub attributes: Vec<(String, String)>,
}

impl TxEvent {
    /// The first value of attribute `key`.
    pub fn attribute(&self, key: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    pub(crate) fn from_abci(event: &cosmrs::tendermint::abci::Event) -> TxEvent {
        TxEvent {
            kind: event.kind.clone(),
            attributes: event
                .attributes
                .iter()
                .map(|a| {
                    (
                        String::from_utf8_lossy(a.key_bytes()).into_owned(),
                        String::from_utf8_lossy(a.value_bytes()).into_owned(),
                    )
                })
                .collect(),
        }
    }
}

/// A tx in a block: where, its result code, gas and events.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TxOutcome {
    /// Upper-case hex SHA-256 of the tx bytes.
    pub hash: String,
    pub height: u64,
    /// Position in the block.
    pub index: u32,
    /// 0 when the tx succeeded.
    pub code: u32,
    pub codespace: String,
    pub log: String,
    pub gas_wanted: u64,
    pub gas_used: u64,
    pub events: Vec<TxEvent>,
}

impl TxOutcome {
    pub(crate) fn from_rpc(res: tendermint_rpc::endpoint::tx::Response) -> TxOutcome {
        let r = res.tx_result;
        TxOutcome {
            hash: res.hash.to_string(),
            height: res.height.value(),
            index: res.index,
            code: r.code.value(),
            codespace: r.codespace,
            log: r.log,
            gas_wanted: u64::try_from(r.gas_wanted).unwrap_or_default(),
            gas_used: u64::try_from(r.gas_used).unwrap_or_default(),
            events: r.events.iter().map(TxEvent::from_abci).collect(),
        }
    }

    pub fn is_ok(&self) -> bool {
        self.code == 0
    }

    /// `Ok(self)` when the tx succeeded, else the classified failure.
    pub fn into_result(self) -> Result<TxOutcome> {
        if self.is_ok() {
            return Ok(self);
        }
        Err(Error::classify(ChainFailure {
            codespace: &self.codespace,
            code: self.code,
            log: &self.log,
            gas_wanted: Some(self.gas_wanted),
            gas_used: Some(self.gas_used),
            tx_hash: Some(self.hash.clone()),
            height: Some(self.height),
        }))
    }

    /// The `wasm` (and `wasm-*`) events, one per contract call.
    pub fn wasm_events(&self) -> Vec<WasmEvent> {
        wasm_events(&self.events, self.height, &self.hash)
    }

    /// The first value of `key` in events of type `kind`.
    pub fn attribute(&self, kind: &str, key: &str) -> Option<&str> {
        self.events
            .iter()
            .filter(|e| e.kind == kind)
            .find_map(|e| e.attribute(key))
    }

    /// The first value of `key` in a `wasm` event emitted by `contract`.
    pub fn wasm_attribute(&self, contract: &str, key: &str) -> Option<&str> {
        self.events
            .iter()
            .filter(|e| e.kind == "wasm" && e.attribute("_contract_address") == Some(contract))
            .find_map(|e| e.attribute(key))
    }
}

/// How much gas a tx may use.
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub enum Gas {
    /// Simulate and add the margin of the chain configuration (x1.3 by default).
    #[default]
    Auto,
    /// Simulate and multiply by this margin.
    AutoWith(f64),
    /// This gas limit, without simulating.
    Limit(u64),
}

/// Options of one tx.
#[derive(Clone, Debug, Default)]
pub struct TxOptions {
    pub memo: String,
    pub gas: Gas,
    /// How long to wait for inclusion; the chain configuration's `tx_timeout` when `None`.
    pub timeout: Option<Duration>,
}

/// A tx the node accepted into its mempool.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Broadcast {
    pub hash: String,
    pub gas_wanted: u64,
    pub fee: Coin,
    /// The sequence the tx was signed with.
    pub sequence: u64,
}

/// Signs and sends txs for one key. Cheap to clone; clones share the cached sequence, and txs
/// from one signer are signed and broadcast one at a time (waiting for inclusion is not).
#[derive(Clone)]
pub struct Signer {
    inner: Arc<SignerInner>,
}

struct SignerInner {
    client: ChainClient,
    key: Key,
    /// Account number and next sequence, once fetched.
    account: Mutex<Option<AccountInfo>>,
}

impl fmt::Debug for Signer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Signer")
            .field("address", &self.address())
            .finish_non_exhaustive()
    }
}

impl Signer {
    pub fn new(client: ChainClient, key: Key) -> Signer {
        Signer {
            inner: Arc::new(SignerInner {
                client,
                key,
                account: Mutex::new(None),
            }),
        }
    }

    /// A signer for the key of `phrase` (see [`Key::from_mnemonic`]), with the client's prefix.
    pub fn from_mnemonic(client: ChainClient, phrase: &str) -> Result<Signer> {
        let key = Key::from_mnemonic(phrase, &client.config().bech32_prefix)?;
        Ok(Signer::new(client, key))
    }

    pub fn address(&self) -> &str {
        self.inner.key.address()
    }

    pub fn key(&self) -> &Key {
        &self.inner.key
    }

    pub fn client(&self) -> &ChainClient {
        &self.inner.client
    }

    /// The cached next sequence, if the account was fetched already.
    pub async fn cached_sequence(&self) -> Option<u64> {
        self.inner.account.lock().await.map(|a| a.sequence)
    }

    /// Fetches the account number and sequence from the chain and caches them.
    pub async fn refresh(&self) -> Result<AccountInfo> {
        let fresh = self.client().account(self.address()).await?;
        *self.inner.account.lock().await = Some(fresh);
        Ok(fresh)
    }

    /// Executes `msg` on `contract` with `funds`, waits for inclusion.
    pub async fn execute(
        &self,
        contract: &str,
        msg: &impl Serialize,
        funds: Vec<Coin>,
    ) -> Result<TxOutcome> {
        self.send(vec![Msg::execute(contract, msg, funds)?]).await
    }

    /// cw20 `Send` of `amount` of `token` into `contract`'s `Receive` with `msg`.
    pub async fn cw20_send(
        &self,
        token: &str,
        contract: &str,
        amount: u128,
        msg: &impl Serialize,
    ) -> Result<TxOutcome> {
        self.send(vec![Msg::cw20_send(token, contract, amount, msg)?])
            .await
    }

    /// cw20 `Transfer` of `amount` of `token` to `recipient`.
    pub async fn cw20_transfer(
        &self,
        token: &str,
        recipient: &str,
        amount: u128,
    ) -> Result<TxOutcome> {
        self.send(vec![Msg::cw20_transfer(token, recipient, amount)?])
            .await
    }

    /// Bank send of `amount` to `to`.
    pub async fn bank_send(&self, to: &str, amount: Vec<Coin>) -> Result<TxOutcome> {
        self.send(vec![Msg::bank_send(to, amount)]).await
    }

    /// Sends `msgs` in one tx (simulated gas x margin) and waits for inclusion.
    pub async fn send(&self, msgs: Vec<Msg>) -> Result<TxOutcome> {
        self.send_with(msgs, &TxOptions::default()).await
    }

    /// Sends `msgs` in one tx with `options` and waits for inclusion. A tx that fails in its
    /// block is an error (with its hash and height).
    pub async fn send_with(&self, msgs: Vec<Msg>, options: &TxOptions) -> Result<TxOutcome> {
        let sent = self.broadcast(msgs, options).await?;
        let timeout = options.timeout.unwrap_or(self.client().config().tx_timeout);
        self.client().wait_for_tx(&sent.hash, timeout).await
    }

    /// Simulates `msgs` as the next tx of this signer.
    pub async fn simulate(&self, msgs: &[Msg]) -> Result<GasInfo> {
        let account = self.cached_or_fetch().await?;
        let anys = self.anys(msgs)?;
        let bytes = self.sign(&anys, "", &account, 0, self.probe_fee().as_ref())?;
        self.client().simulate(bytes).await
    }

    /// Signs `msgs` and broadcasts them (`CheckTx` only); does not wait for a block. On a
    /// sequence mismatch the account is refetched and the tx signed again, once.
    pub async fn broadcast(&self, msgs: Vec<Msg>, options: &TxOptions) -> Result<Broadcast> {
        let anys = self.anys(&msgs)?;
        let mut cached = self.inner.account.lock().await;
        let mut retried = false;
        loop {
            let account = match *cached {
                Some(a) => a,
                None => {
                    let a = self.client().account(self.address()).await?;
                    *cached = Some(a);
                    a
                }
            };
            match self.sign_and_broadcast(&anys, options, &account).await {
                Ok(sent) => {
                    *cached = Some(AccountInfo {
                        sequence: account.sequence + 1,
                        ..account
                    });
                    return Ok(sent);
                }
                Err(Error::WrongSequence { expected, got, .. }) if !retried => {
                    retried = true;
                    let fresh = self.client().account(self.address()).await?;
                    // The node's mempool may be ahead of the last block: trust the larger one.
                    let sequence = fresh.sequence.max(expected);
                    warn!(
                        address = self.address(),
                        expected,
                        got,
                        sequence,
                        "account sequence mismatch; refetched the account, signing again"
                    );
                    *cached = Some(AccountInfo { sequence, ..fresh });
                }
                Err(e) => {
                    if matches!(
                        e,
                        Error::RpcUnreachable { .. } | Error::WrongSequence { .. }
                    ) {
                        // Whether the tx reached the mempool is unknown: refetch next time.
                        *cached = None;
                    }
                    return Err(e);
                }
            }
        }
    }

    async fn cached_or_fetch(&self) -> Result<AccountInfo> {
        if let Some(a) = *self.inner.account.lock().await {
            return Ok(a);
        }
        self.refresh().await
    }

    /// The fee of a simulated tx: one unit of the fee denom, so the simulation pays for moving
    /// the fee as the real tx will (without any fee, a bank send's gas comes out ~25% short).
    fn probe_fee(&self) -> Option<Coin> {
        let fee = self.client().config().gas_price.fee(1);
        (fee.amount > 0).then(|| Coin::new(1, fee.denom))
    }

    fn anys(&self, msgs: &[Msg]) -> Result<Vec<Any>> {
        if msgs.is_empty() {
            return Err(Error::Encode {
                what: "tx".into(),
                reason: "no messages".into(),
            });
        }
        msgs.iter()
            .map(|m| m.to_any(self.inner.key.account_id()))
            .collect()
    }

    async fn sign_and_broadcast(
        &self,
        anys: &[Any],
        options: &TxOptions,
        account: &AccountInfo,
    ) -> Result<Broadcast> {
        let config = self.client().config();
        let gas_wanted = match options.gas {
            Gas::Limit(limit) => limit,
            Gas::Auto | Gas::AutoWith(_) => {
                let adjustment = match options.gas {
                    Gas::AutoWith(a) => a,
                    _ => config.gas_adjustment,
                };
                let unsigned =
                    self.sign(anys, &options.memo, account, 0, self.probe_fee().as_ref())?;
                let simulated = self.client().simulate(unsigned).await?;
                let limit = gas_limit(simulated.gas_used, adjustment);
                debug!(
                    gas_used = simulated.gas_used,
                    gas_limit = limit,
                    "simulated"
                );
                limit
            }
        };
        let fee = config.gas_price.fee(gas_wanted);
        let bytes = self.sign(anys, &options.memo, account, gas_wanted, Some(&fee))?;
        let hash = self.client().broadcast_tx_sync(bytes).await?;
        info!(
            hash,
            sequence = account.sequence,
            gas_wanted,
            fee = %fee,
            "broadcast"
        );
        Ok(Broadcast {
            hash,
            gas_wanted,
            fee,
            sequence: account.sequence,
        })
    }

    /// The signed tx bytes (direct mode). Without a fee, the fee amount is empty.
    fn sign(
        &self,
        anys: &[Any],
        memo: &str,
        account: &AccountInfo,
        gas_limit: u64,
        fee: Option<&Coin>,
    ) -> Result<Vec<u8>> {
        let config = self.client().config();
        let encode = |what: &str, e: cosmrs::ErrorReport| Error::Encode {
            what: what.to_string(),
            reason: e.to_string(),
        };
        let fee = match fee {
            Some(coin) => Fee::from_amount_and_gas(coin.to_cosmrs()?, gas_limit),
            None => Fee {
                amount: vec![],
                gas_limit,
                payer: None,
                granter: None,
            },
        };
        let body = Body::new(anys.to_vec(), memo, 0u32);
        let auth_info =
            SignerInfo::single_direct(Some(self.inner.key.public_key()), account.sequence)
                .auth_info(fee);
        let chain_id: cosmrs::tendermint::chain::Id =
            config.chain_id.parse().map_err(|e| Error::Encode {
                what: "chain id".into(),
                reason: format!("{:?}: {e}", config.chain_id),
            })?;
        let doc = SignDoc::new(&body, &auth_info, &chain_id, account.account_number)
            .map_err(|e| encode("sign doc", e))?;
        let raw = doc
            .sign(self.inner.key.signing_key())
            .map_err(|e| encode("signature", e))?;
        raw.to_bytes().map_err(|e| encode("tx", e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gas_prices_parse_exactly() {
        let p: GasPrice = "0.025ustake".parse().expect("price");
        assert_eq!(p.denom(), "ustake");
        assert_eq!(p.to_string(), "0.025ustake");
        // 200,000 gas at 0.025 = 5,000 exactly; one more gas rounds the fee up.
        assert_eq!(p.fee(200_000), Coin::new(5_000, "ustake"));
        assert_eq!(p.fee(200_001), Coin::new(5_001, "ustake"));
        assert_eq!(p.fee(0), Coin::new(0, "ustake"));
        // The localnet's CheckTx said "required: 2500ustake" for 100,000 gas.
        assert_eq!(p.fee(100_000).to_string(), "2500ustake");
        for (text, shown, fee_of_1000) in [
            ("1ustake", "1ustake", 1_000),
            ("0.1uatom", "0.1uatom", 100),
            ("0.0250ustake", "0.025ustake", 25),
            ("2.5ibc/ABC", "2.5ibc/ABC", 2_500),
            ("0ustake", "0ustake", 0),
            (".5ustake", "0.5ustake", 500),
        ] {
            let p: GasPrice = text.parse().expect(text);
            assert_eq!(p.to_string(), shown);
            assert_eq!(p.fee(1_000).amount, fee_of_1000, "{text}");
        }
        for bad in [
            "",
            "ustake",
            "0.025",
            "0.0.1ustake",
            "1 ustake",
            "0.1234567890123456789u",
        ] {
            assert!(bad.parse::<GasPrice>().is_err(), "{bad:?}");
        }
    }

    #[test]
    fn gas_limits_round_up() {
        assert_eq!(gas_limit(100_000, 1.3), 130_000);
        assert_eq!(gas_limit(117_645, 1.3), 152_939);
        assert_eq!(gas_limit(10, 0.0), 10);
        assert_eq!(gas_limit(10, f64::NAN), 10);
    }

    #[test]
    fn coins_parse_and_are_made_valid() {
        assert_eq!(
            "5000ustake".parse::<Coin>().expect("coin"),
            Coin::new(5_000, "ustake")
        );
        assert!("ustake".parse::<Coin>().is_err());
        assert!("5000".parse::<Coin>().is_err());
        let list = coins(&[
            Coin::new(3, "uzz"),
            Coin::new(0, "unothing"),
            Coin::new(2, "uaa"),
        ])
        .expect("coins");
        let denoms: Vec<_> = list.iter().map(|c| c.denom.to_string()).collect();
        assert_eq!(denoms, ["uaa", "uzz"]);
        assert!(coins(&[Coin::new(1, "uaa"), Coin::new(2, "uaa")]).is_err());
    }

    #[test]
    fn messages_encode() {
        let key = Key::random("wasm").expect("key");
        let contract = Key::random("wasm").expect("contract");
        let msg = Msg::cw20_send(
            contract.address(),
            key.address(),
            42,
            &serde_json::json!({"buy": {"asset_id": 1}}),
        )
        .expect("msg");
        let Msg::Execute { msg: json, .. } = &msg else {
            panic!("{msg:?}")
        };
        let value: serde_json::Value = serde_json::from_slice(json).expect("json");
        assert_eq!(value["send"]["amount"], "42");
        assert_eq!(value["send"]["msg"], "eyJidXkiOnsiYXNzZXRfaWQiOjF9fQ==");
        let any = msg.to_any(key.account_id()).expect("any");
        assert_eq!(any.type_url, "/cosmwasm.wasm.v1.MsgExecuteContract");
        let bank = Msg::bank_send(contract.address(), vec![Coin::new(1, "ustake")]);
        assert_eq!(
            bank.to_any(key.account_id()).expect("any").type_url,
            "/cosmos.bank.v1beta1.MsgSend"
        );
        let wrong_prefix = Msg::bank_send("cosmos1xyz", vec![]);
        assert!(wrong_prefix.to_any(key.account_id()).is_err());
    }
}
