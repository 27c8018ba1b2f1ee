//! Clients of the anchoring service (issue 9), written once for the `twinshare stream`
//! commands, the `twinshare bench anchor` load generator and the end-to-end tests.
//!
//! - [`api`]: the JSON bodies of the daemon's HTTP API (docs/anchor-api.md);
//! - [`batch`]: records from payloads, claim batches built and signed with a sensor key;
//! - [`client`]: the HTTP client (submit a batch, stream state, proofs, status);
//! - [`proof`]: a served proof checked offline against its record;
//! - [`publisher`]: one sensor's stream: seqs, signed batches, vouchers, retries;
//! - [`epoch`]: encrypted stream epochs (the payloads behind the leaves) in storage;
//! - [`error`]: what can go wrong, with the daemon's rejection codes.

pub mod api;
pub mod batch;
pub mod client;
pub mod epoch;
pub mod error;
pub mod proof;
pub mod publisher;

pub use client::AnchorClient;
pub use error::{Error, Result};
pub use publisher::{Publisher, Sent};
