//! The escrow's messages live in `twinshare-types`, so clients and the relayer share them.

pub use twinshare_types::escrow::*;
