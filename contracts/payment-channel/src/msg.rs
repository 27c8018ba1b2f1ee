//! The channel's messages live in `twinshare-types` so that clients need not depend on this crate.

pub use twinshare_types::channel::*;
