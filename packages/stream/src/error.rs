//! Errors of the anchoring clients. A rejection by the daemon keeps its HTTP status and its
//! machine-readable code (`bad_signature`, `out_of_order_seq`, ...), so callers can branch on it.

use thiserror::Error;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, Error)]
pub enum Error {
    /// The daemon did not answer (not running, wrong address, timeout).
    #[error(
        "the anchoring daemon at {url} does not answer ({reason}): start the relayer daemon \
         with its [anchor] section (`twinshare-relayer run`) or pass the right --anchor-url"
    )]
    Unreachable { url: String, reason: String },

    /// The daemon refused the request; nothing of the batch was stored.
    #[error("the anchoring daemon refused the request ({status} {code}): {message}")]
    Rejected {
        status: u16,
        code: String,
        message: String,
        /// For `out_of_order_seq`: the seq the daemon expects next.
        expected_seq: Option<u64>,
        /// For `saturated`: the daemon's Retry-After, in seconds.
        retry_after_secs: Option<u64>,
    },

    /// An answer the client cannot read.
    #[error("unexpected answer from the anchoring daemon at {url}: {reason}")]
    Protocol { url: String, reason: String },

    /// Signing or a key failed.
    #[error(transparent)]
    Crypto(#[from] twinshare_crypto::CryptoError),

    /// Storage, sealing or opening an epoch failed.
    #[error(transparent)]
    Storage(#[from] twinshare_uploader::Error),

    /// Input that cannot become a claim or an epoch.
    #[error("{0}")]
    Invalid(String),

    /// An epoch object that is not in the epoch format.
    #[error("not a stream epoch: {0}")]
    BadEpoch(String),
}

impl Error {
    /// The daemon's rejection code, if this is a rejection.
    pub fn code(&self) -> Option<&str> {
        match self {
            Error::Rejected { code, .. } => Some(code),
            _ => None,
        }
    }

    /// Whether retrying the same request later can succeed (the daemon was saturated or away).
    pub fn is_transient(&self) -> bool {
        match self {
            Error::Unreachable { .. } => true,
            Error::Rejected { status, .. } => *status == 503,
            _ => false,
        }
    }
}
