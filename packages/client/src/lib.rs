//! TwinShare's chain client for wasmd (CosmWasm on CometBFT 0.38), used by the `twinshare` CLI,
//! the relayer and the end-to-end tests.
//!
//! - [`Key`]: a secp256k1 key from a BIP39 mnemonic (12-24 words) at `m/44'/118'/0'/0/0`, the
//!   same address as `wasmd keys add --recover`.
//! - [`ChainClient`]: node status and height, accounts, bank balances, contract smart queries
//!   (serde in and out), simulation, broadcast, tx lookup and search.
//! - [`Signer`]: txs of one key: contract execute with funds, cw20 `Send`/`Transfer`, bank send,
//!   several messages in one tx; gas by simulation x margin, fee at the chain's gas price,
//!   waiting for inclusion; the sequence is cached and refetched after a mismatch.
//! - [`Subscription`]: txs touching a contract (or any query) over the websocket, reconnecting
//!   with backoff and backfilling what it missed, with explicit `Gap`/`Resumed` notices.
//! - [`Deployment`]: `localnet/deployment.json` (chain id, RPC, gas price, contract addresses).
//! - [`Error`]: what failed, in the chain's own words, and what to do about it.
//!
//! ```no_run
//! # async fn demo() -> twinshare_client::Result<()> {
//! use twinshare_client::{ChainClient, Coin, Deployment, Key, Signer};
//!
//! let deployment = Deployment::load("localnet/deployment.json")?;
//! let client = ChainClient::connect(deployment.chain_config()).await?;
//! let key = Key::from_mnemonic("...24 words...", &deployment.bech32_prefix)?;
//! let alice = Signer::new(client.clone(), key);
//! let tx = alice
//!     .bank_send(deployment.account("bob")?, vec![Coin::new(1_000, "ustake")])
//!     .await?;
//! println!("{} at height {} used {} gas", tx.hash, tx.height, tx.gas_used);
//! # Ok(()) }
//! ```

pub mod deployment;
pub mod error;
pub mod events;
pub mod keys;
pub mod query;
pub mod tx;

pub use deployment::{Contracts, Deployment};
pub use error::{Error, Result};
pub use events::{Subscription, SubscriptionConfig, SubscriptionItem, TxEvents, WasmEvent};
pub use keys::{Key, DEFAULT_HD_PATH, DEFAULT_PREFIX};
pub use query::{AccountInfo, ChainClient, ChainConfig, GasInfo, NodeStatus};
pub use tx::{Broadcast, Coin, Gas, GasPrice, Msg, Signer, TxEvent, TxOptions, TxOutcome};

/// The cosmrs and tendermint-rpc this crate is built on, for messages and calls it does not wrap.
pub use cosmrs;
pub use tendermint_rpc;
