//! The error of the CLI's library part: each variant says what failed and what to do next. The
//! binary wraps it with `anyhow` only at its edge (`main.rs`).

use thiserror::Error;

use crate::config::ConfigError;
use crate::keystore::KeystoreError;

/// Result of the CLI's commands.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, Error)]
pub enum Error {
    /// Talking to the chain failed (the client's error carries its own advice).
    #[error(transparent)]
    Chain(#[from] twinshare_client::Error),

    /// Storage, upload or download failed.
    #[error(transparent)]
    Storage(#[from] twinshare_uploader::Error),

    #[error(transparent)]
    Crypto(#[from] twinshare_crypto::CryptoError),

    /// The anchoring daemon refused or did not answer (its code and message inside).
    #[error(transparent)]
    Stream(#[from] twinshare_stream::Error),

    #[error(transparent)]
    Keystore(#[from] KeystoreError),

    /// `twinshare market`: bad parameters or files.
    #[error(transparent)]
    Market(#[from] twinshare_market::command::CommandError),

    #[error(transparent)]
    Config(#[from] ConfigError),

    /// A command needs a signing key and none was chosen.
    #[error(
        "this command signs as one of your keys: pass --from NAME (or set TWINSHARE_FROM, or \
         `default_key` in the config file); `twinshare keys list` shows your keys, \
         `twinshare keys import-dev` imports the localnet's dev accounts"
    )]
    NoKeyChosen,

    /// Something looked up on chain does not exist.
    #[error("{what} not found: {hint}")]
    NotFound { what: String, hint: String },

    /// The chain's state does not allow the step now.
    #[error("{0}")]
    State(String),

    /// An argument that does not make sense.
    #[error("{0}")]
    Usage(String),

    /// The data does not match what the chain registered.
    #[error("verification failed: {0}")]
    Verification(String),

    /// A local file operation.
    #[error("{what}: {source}")]
    Io {
        what: String,
        #[source]
        source: std::io::Error,
    },

    /// A value the chain returned that the CLI cannot use.
    #[error("unexpected answer from the chain: {0}")]
    Unexpected(String),
}

impl Error {
    pub fn io(what: impl Into<String>, source: std::io::Error) -> Self {
        Error::Io {
            what: what.into(),
            source,
        }
    }

    pub fn not_found(what: impl Into<String>, hint: impl Into<String>) -> Self {
        Error::NotFound {
            what: what.into(),
            hint: hint.into(),
        }
    }
}
