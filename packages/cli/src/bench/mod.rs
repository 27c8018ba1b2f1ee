//! `twinshare bench`: measurements of the paper's evaluation on the chain the CLI points at.
//!
//! - [`share`]: Fig. 8 (Section 6.1), the latency of sharing a sensor's latest file, steps 1-6,
//!   for 1..N sensors at once, against a floor (a bank send to inclusion plus one storage
//!   put+get) measured in the same run;
//! - [`anchor`]: issue 9, batched Merkle anchoring by the daemon against one Register tx per
//!   record, with the daemon's CPU and RSS;
//! - [`stats`]: percentiles and the per-sensor-count summary;
//! - [`report`]: the CSV files and the SVG plot.
//!
//! A bench prints figures; it asserts nothing (the end-to-end tests in `tests/` do).

pub mod anchor;
pub mod report;
pub mod share;
pub mod stats;

use crate::cli::BenchCommand;
use crate::context::Context;
use crate::error::Result;
use crate::output::Outcome;

/// Runs one `bench` subcommand.
pub async fn run(ctx: &Context, command: &BenchCommand) -> Result<Outcome> {
    match command {
        BenchCommand::Share(args) => share::command(ctx, args).await,
        BenchCommand::Anchor(args) => anchor::command(ctx, args).await,
    }
}
