//! TwinShare's relayer: the storage provider's daemon that turns the escrow's re-keys into
//! deliveries (paper Section 4.6, Fig. 5), in the order of the priority fee lane (Section 4.2,
//! Rules 1-3).
//!
//! Laid out as Hermes lays out its relayer: an event source that knows nothing of relaying,
//! jobs ordered by the lane, a worker that runs each job's steps, the chain behind one handle,
//! and one retry policy.
//!
//! - [`events`]: the escrow's `submit_rekey` events over the CometBFT websocket, resumed from
//!   the last processed height (the missed blocks are searched first).
//! - [`db`]: the cursor and every job's state in redb: crash-safe, idempotent by sale id.
//! - [`lane`]: Rules 1-3: `High` jobs by fee, a guaranteed share of each batch for `Low`.
//! - [`worker`]: check the sale on chain, open and verify the kfrags, re-encrypt the capsule,
//!   store the cfrags next to the asset, report several deliveries in one tx.
//! - [`chain`]: every query and tx. [`retry`]: the backoff. [`supervisor`]: starts and routes.
//! - [`metrics`], [`http`]: `/healthz`, Prometheus `/metrics`, `/status`;
//!   [`storage_http`]: the provider's storage, read-only, for the web wallet.
//! - [`config`], [`keys`]: TOML configuration; the account and Umbral keys from one mnemonic.
//! - [`anchor`]: the anchoring service (issue 9): signed record claims acknowledged durably,
//!   one Merkle root per block, inclusion proofs; its own HTTP listener.
//! - [`error`]: one error type per subsystem, and the failure kinds of jobs.

pub mod anchor;
pub mod chain;
pub mod config;
pub mod db;
pub mod error;
pub mod events;
pub mod http;
pub mod keys;
pub mod lane;
pub mod metrics;
pub mod retry;
pub mod storage_http;
pub mod supervisor;
pub mod worker;

pub use config::Config;
pub use error::{Error, FailureKind, Result};
pub use keys::Identity;
pub use supervisor::{run, RunOptions, Shutdown};
