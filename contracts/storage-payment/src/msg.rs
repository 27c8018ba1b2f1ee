//! The messages live in `twinshare-types` so that clients speak to the contract without it.

pub use twinshare_types::storage::*;
