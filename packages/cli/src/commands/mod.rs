//! One module per command (or group of commands). Each exposes the command as a function taking
//! the [`crate::context::Context`] and returning an [`crate::output::Outcome`], plus the library
//! functions it is built from (`register_record`, `buy_asset`, `grant_sale`, `download_sale`,
//! ...), which the end-to-end tests and the demo reuse.

pub mod assets;
pub mod channel;
pub mod config;
pub mod download;
pub mod keys;
pub mod lease;
pub mod party;
pub mod provider;
pub mod sales;
pub mod seller_agent;
pub mod status;
pub mod stream;
pub mod stream_offer;
pub mod stream_publish;
pub mod tokenize;
pub mod upload;
pub mod verify;
