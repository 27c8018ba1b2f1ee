//! `twinshare-relayer`: the storage provider's re-encryption daemon.
//!
//! ```text
//! twinshare-relayer [--config relayer.toml] run
//! twinshare-relayer status [--json]          # asks the running daemon, else reads the database
//! twinshare-relayer replay --from-height H   # reads events again from H, retries failed jobs, runs
//! twinshare-relayer identity                 # the account and the relayer key to register
//! ```

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context};
use clap::{Parser, Subcommand};
use twinshare_relayer::db::{JobState, Store};
use twinshare_relayer::error::DbError;
use twinshare_relayer::http::{fetch_status, StatusReport};
use twinshare_relayer::{supervisor, Config, Identity, RunOptions, Shutdown};

#[derive(Parser, Debug)]
#[command(name = "twinshare-relayer", version, about)]
struct Cli {
    /// TOML configuration (default: $TWINSHARE_RELAYER_CONFIG, else built-in defaults).
    #[arg(long, short, global = true, env = "TWINSHARE_RELAYER_CONFIG")]
    config: Option<PathBuf>,

    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Runs the daemon until SIGTERM or Ctrl-C.
    Run,
    /// Shows the jobs: from the running daemon's HTTP endpoint, else from the database.
    Status {
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Reads the escrow's events again from a height (the failed jobs seen from there are
    /// retried), then runs the daemon.
    Replay {
        #[arg(long)]
        from_height: u64,
    },
    /// Prints the relayer's account and the Umbral relayer key sellers seal kfrags to.
    Identity,
}

fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| "info,opendal=warn,tendermint_rpc=warn".into());
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    init_tracing();
    match dispatch(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn dispatch(cli: Cli) -> anyhow::Result<()> {
    let config =
        Config::load_or_default(cli.config.as_deref()).context("loading the configuration")?;
    match cli.command {
        Command::Run => run(config, RunOptions::default()).await,
        Command::Replay { from_height } => {
            run(
                config,
                RunOptions {
                    replay_from: Some(from_height),
                },
            )
            .await
        }
        Command::Status { json } => status(&config, json).await,
        Command::Identity => identity(&config),
    }
}

async fn run(config: Config, options: RunOptions) -> anyhow::Result<()> {
    let shutdown = Shutdown::new();
    supervisor::shutdown_on_signals(shutdown.clone());
    supervisor::run(config, options, shutdown)
        .await
        .context("the relayer stopped")
}

fn identity(config: &Config) -> anyhow::Result<()> {
    let mnemonic = config.mnemonic()?;
    let prefix = config
        .chain()
        .map(|c| c.config.bech32_prefix)
        .unwrap_or_else(|_| twinshare_client::DEFAULT_PREFIX.to_string());
    let id = Identity::from_mnemonic(&mnemonic.phrase, &prefix)?;
    println!("address         {}", id.address());
    println!("relayer_pubkey  {}", id.relayer_public_key_hex());
    println!(
        "mnemonic from   {}{}",
        mnemonic.source,
        if mnemonic.dev {
            "  (DEV-ONLY localnet account)"
        } else {
            ""
        }
    );
    Ok(())
}

async fn status(config: &Config, json: bool) -> anyhow::Result<()> {
    let listen = config.http.listen.trim();
    let from_daemon = if listen.is_empty() {
        None
    } else {
        match fetch_status(listen).await {
            Ok(r) => Some(r),
            Err(e) => {
                tracing::debug!(error = %e, "no daemon answers; reading the database");
                None
            }
        }
    };
    let report = match from_daemon {
        Some(r) => r,
        None => {
            let path = config.db_path();
            match Store::read_snapshot(&path) {
                Ok(snapshot) => StatusReport::from_snapshot(snapshot),
                Err(DbError::Open { locked: true, .. }) => bail!(
                    "a relayer holds {} but does not answer at {listen:?}: is its HTTP endpoint \
                     off or elsewhere?",
                    path.display()
                ),
                Err(e) => return Err(e).context("reading the job database"),
            }
        }
    };
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
        return Ok(());
    }
    print_report(&report);
    Ok(())
}

fn print_report(r: &StatusReport) {
    if r.source == "daemon" {
        println!(
            "relayer {} ({}), escrow {}, storage {}{}",
            r.info.relayer,
            r.health,
            r.info.escrow,
            r.info.storage,
            if r.info.dev_mnemonic {
                ", DEV mnemonic"
            } else {
                ""
            }
        );
    } else {
        println!("relayer not running; from its database");
    }
    let lag = match (r.chain_height, r.cursor) {
        (Some(h), Some(c)) => format!(", chain {h}, lag {}", h.saturating_sub(c)),
        _ => String::new(),
    };
    println!(
        "cursor {}{lag}; lane: {} high, {} low waiting",
        r.cursor.map_or("-".to_string(), |c| c.to_string()),
        r.lane_high,
        r.lane_low
    );
    let summary: Vec<String> = JobState::ALL
        .iter()
        .map(|s| (s, r.in_state(*s).count()))
        .filter(|(_, n)| *n > 0)
        .map(|(s, n)| format!("{n} {s}"))
        .collect();
    println!(
        "jobs: {}",
        if summary.is_empty() {
            "none".to_string()
        } else {
            summary.join(", ")
        }
    );
    if r.jobs.is_empty() {
        return;
    }
    println!(
        "{:>6} {:>6} {:>4} {:>8} {:>9} {:>4}  detail",
        "sale", "asset", "lane", "fee", "state", "try"
    );
    let mut jobs = r.jobs.clone();
    jobs.sort_by_key(|j| j.sale_id);
    for j in jobs {
        let detail = match j.state {
            JobState::Delivered => format!(
                "tx {} at {}{}",
                j.delivery_tx.as_deref().unwrap_or("(found on chain)"),
                j.delivery_height.map_or("-".to_string(), |h| h.to_string()),
                j.batch_deliveries
                    .map(|n| format!(", {n} in the tx"))
                    .unwrap_or_default()
            ),
            JobState::Failed => format!(
                "{}: {}",
                j.failure.map_or("failed", |k| k.as_str()),
                j.last_error.as_deref().unwrap_or("")
            ),
            _ => j.last_error.clone().unwrap_or_default(),
        };
        println!(
            "{:>6} {:>6} {:>4} {:>8} {:>9} {:>4}  {detail}",
            j.sale_id,
            j.asset_id,
            j.priority.lane(),
            j.priority.fee(),
            j.state.as_str(),
            j.attempts
        );
    }
}
