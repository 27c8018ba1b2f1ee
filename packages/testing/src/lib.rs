//! A whole TwinShare deployment in cw-multi-test, wired as the localnet wires it: the cw20 payment
//! token, `storage-payment`, `data-registry`, `data-token`, `escrow` and `payment-channel`, with
//! funded accounts for the paper's actors. The cross-contract suites in `tests/` and the in-process demo use it.

pub mod keys;
pub mod suite;

pub use suite::{Suite, SuiteConfig};
