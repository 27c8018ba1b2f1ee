//! The web wallet's crypto (issue 8; the JS interface is docs/web-crypto-api.md): `twinshare-crypto`
//! compiled to wasm and exposed with wasm-bindgen. `scripts/build-web-wasm.sh` builds it into
//! `web/src/wasm/`.
//!
//! - [`wallet`]: the logic as plain Rust (native tests run it).
//! - [`vectors`]: the crypto crate's test vectors, recomputed (the browser proves byte
//!   compatibility with them).
//! - `bindings`: the JS classes and functions, wrappers only.

mod bindings;
pub mod vectors;
pub mod wallet;

pub use vectors::test_vector_root;
pub use wallet::{sha256_hex, Download, Identity, WalletError};
