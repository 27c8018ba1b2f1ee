//! The messages are shared with the escrow, the client and the CLI, so they live in
//! `twinshare-types`.

pub use twinshare_types::token::*;
