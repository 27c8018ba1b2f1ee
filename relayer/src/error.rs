//! One error type per subsystem, each variant carrying what an operator can act on; [`Error`]
//! wraps them for the daemon as a whole. What goes wrong with one sale is not an error of the
//! daemon: it is a job outcome ([`crate::worker::Outcome`]) with a [`FailureKind`].

use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use thiserror::Error;

/// The configuration file, the key material, the deployment it points at.
#[derive(Debug, Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("config file {path}: {reason}")]
    Parse { path: PathBuf, reason: String },

    #[error("config: {field}: {reason}")]
    Invalid { field: &'static str, reason: String },

    /// The deployment file is missing or malformed.
    #[error(transparent)]
    Deployment(twinshare_client::Error),

    /// No mnemonic was given and no dev mnemonic is available, or the mnemonic is invalid.
    #[error("relayer mnemonic: {reason}")]
    Mnemonic { reason: String },

    /// The storage URI does not describe a backend.
    #[error("storage: {0}")]
    Storage(#[source] twinshare_uploader::Error),
}

/// The embedded job database.
#[derive(Debug, Error)]
pub enum DbError {
    #[error(
        "cannot open the job database {path}: {reason}{}",
        if *.locked { " (is another twinshare-relayer running on it? `twinshare-relayer status` asks it over HTTP)" } else { "" }
    )]
    Open {
        path: PathBuf,
        reason: String,
        locked: bool,
    },

    #[error("job database {op}: {reason}")]
    Storage { op: &'static str, reason: String },

    #[error("job database: record {key} does not decode: {reason}")]
    Corrupt { key: String, reason: String },
}

impl DbError {
    pub(crate) fn storage(op: &'static str, e: impl std::fmt::Display) -> Self {
        DbError::Storage {
            op,
            reason: e.to_string(),
        }
    }
}

/// Talking to the chain.
#[derive(Debug, Error)]
pub enum ChainError {
    /// A call failed; `what` says which.
    #[error("{what}: {source}")]
    Client {
        what: String,
        #[source]
        source: twinshare_client::Error,
    },

    /// The chain answered something this relayer cannot use.
    #[error("{what}: {reason}")]
    Unexpected { what: String, reason: String },
}

impl ChainError {
    pub(crate) fn client(what: impl Into<String>, source: twinshare_client::Error) -> Self {
        ChainError::Client {
            what: what.into(),
            source,
        }
    }

    /// Whether trying again later may work (the node was away or slow, a sequence race).
    pub fn is_transient(&self) -> bool {
        match self {
            ChainError::Client { source, .. } => source.is_transient(),
            ChainError::Unexpected { .. } => false,
        }
    }

    /// Whether the chain judged the tx (see `twinshare_client::Error::is_chain_verdict`): a
    /// broadcast refused so is not in the mempool.
    pub fn is_chain_verdict(&self) -> bool {
        match self {
            ChainError::Client { source, .. } => source.is_chain_verdict(),
            ChainError::Unexpected { .. } => false,
        }
    }

    /// The contract's own refusal text, if the contract refused.
    pub fn contract_message(&self) -> Option<&str> {
        match self {
            ChainError::Client { source, .. } => source.contract_message().or(match source {
                twinshare_client::Error::QueryFailed { log, .. } => Some(log.as_str()),
                _ => None,
            }),
            ChainError::Unexpected { .. } => None,
        }
    }
}

/// The event source.
#[derive(Debug, Error)]
pub enum EventsError {
    #[error("cannot subscribe to escrow events at {url}: {source}")]
    Subscribe {
        url: String,
        #[source]
        source: twinshare_client::Error,
    },

    #[error("the event subscription closed")]
    Closed,
}

/// The HTTP endpoint (`/healthz`, `/metrics`, `/status`) and the `status` command's client.
#[derive(Debug, Error)]
pub enum HttpError {
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: String,
        #[source]
        source: std::io::Error,
    },

    #[error("HTTP server: {0}")]
    Serve(#[source] std::io::Error),

    #[error("no relayer answers at {addr}: {reason}")]
    Unreachable { addr: String, reason: String },
}

/// Anything that stops the daemon.
#[derive(Debug, Error)]
pub enum Error {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Db(#[from] DbError),
    #[error(transparent)]
    Chain(#[from] ChainError),
    #[error(transparent)]
    Events(#[from] EventsError),
    #[error(transparent)]
    Http(#[from] HttpError),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Why a job failed for good: bad input from the chain or a missing asset. The daemon goes on;
/// the buyer's refund opens when the delivery deadline passes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FailureKind {
    /// The sealed kfrags do not open with this relayer's key, or do not verify against the
    /// owner's, the asset's and the buyer's keys.
    BadKfrags,
    /// The sale's asset or record is unknown, or its locator is not a manifest locator.
    UnknownAsset,
    /// The asset's manifest (and so its capsule) is not in this provider's storage, or is
    /// malformed, or does not carry the root registered on chain.
    MissingCapsule,
    /// The buyer's public key in the sale does not parse.
    BadBuyerKey,
    /// The seller has no party key in the registry to check the kfrags with.
    NoSellerKey,
    /// The sale is not one this relayer can deliver (unknown sale, no kfrags).
    BadSale,
    /// The escrow refused the delivery report for a reason other than the sale's state.
    Refused,
    /// Retried for too long (only with a bounded retry policy).
    GaveUp,
}

impl FailureKind {
    pub fn as_str(&self) -> &'static str {
        match self {
            FailureKind::BadKfrags => "bad_kfrags",
            FailureKind::UnknownAsset => "unknown_asset",
            FailureKind::MissingCapsule => "missing_capsule",
            FailureKind::BadBuyerKey => "bad_buyer_key",
            FailureKind::NoSellerKey => "no_seller_key",
            FailureKind::BadSale => "bad_sale",
            FailureKind::Refused => "refused",
            FailureKind::GaveUp => "gave_up",
        }
    }

    pub const ALL: [FailureKind; 8] = [
        FailureKind::BadKfrags,
        FailureKind::UnknownAsset,
        FailureKind::MissingCapsule,
        FailureKind::BadBuyerKey,
        FailureKind::NoSellerKey,
        FailureKind::BadSale,
        FailureKind::Refused,
        FailureKind::GaveUp,
    ];
}

impl std::fmt::Display for FailureKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
