//! The `twinshare` command line: keys, parties, channels, leases, uploads, assets, sales,
//! downloads, verification, streams and the demo of the paper's scenario.
//!
//! The binary (`src/main.rs`) only parses the command line and prints; everything else is here,
//! callable from tests:
//!
//! - [`cli`]: the clap definitions (`--help` texts with examples);
//! - [`config`]: home folder, config file, which network (deployment file) to use;
//! - [`keystore`] and [`identity`]: encrypted mnemonics, and the chain + Umbral keys they give;
//! - [`chain`]: typed contract queries and timed txs ([`chain::TxInfo`]);
//! - [`commands`]: one module per command;
//! - [`relay`]: the relayer's step for one sale, in process; [`relayer_daemon`]: the running
//!   relayer daemon as the demo checks it and waits for its delivery;
//! - [`demo`]: the paper's scenario end to end; [`sample`]: its sensor data;
//! - [`bench`]: the paper's Fig. 8 (`bench share`) with a floor measured in the same run;
//! - [`output`]: text or JSON.

pub mod bench;
pub mod chain;
pub mod cli;
pub mod commands;
pub mod config;
pub mod context;
pub mod demo;
pub mod dev_accounts;
pub mod error;
pub mod identity;
pub mod keystore;
pub mod output;
pub mod relay;
pub mod relayer_daemon;
pub mod sample;
pub mod units;

pub use error::{Error, Result};

use cli::{
    ChannelCommand, Command, ConfigCommand, KeysCommand, LeaseCommand, PartyCommand,
    ProviderCommand,
};
use commands as c;
use context::Context;
use output::Outcome;

/// Runs one parsed command line.
pub async fn run(cli: &cli::Cli) -> Result<Outcome> {
    let ctx = Context::new(&cli.global)?;
    match &cli.command {
        Command::Keys(k) => match k {
            KeysCommand::Add {
                name,
                unencrypted,
                words,
            } => c::keys::add(&ctx, name, *unencrypted, *words),
            KeysCommand::Import {
                dev_accounts: Some(file),
                ..
            } => c::keys::import_dev(&ctx, Some(file)),
            KeysCommand::Import {
                name,
                mnemonic_file,
                unencrypted,
                dev_accounts: None,
            } => {
                let name = name.as_deref().ok_or_else(|| {
                    Error::Usage("name the key: `twinshare keys import NAME`".into())
                })?;
                c::keys::import(&ctx, name, mnemonic_file.as_deref(), *unencrypted)
            }
            KeysCommand::ImportDev { file } => c::keys::import_dev(&ctx, file.as_deref()),
            KeysCommand::List => c::keys::list(&ctx),
            KeysCommand::Show { name } => c::keys::show(&ctx, name),
            KeysCommand::Export { name } => c::keys::export(&ctx, name),
            KeysCommand::Delete { name, yes } => c::keys::delete(&ctx, name, *yes),
        },
        Command::Config(k) => match k {
            ConfigCommand::Show => c::config::show(&ctx),
            ConfigCommand::Import { path } => c::config::import(&ctx, path),
            ConfigCommand::Set {
                default_key,
                provider,
                storage,
            } => c::config::set(&ctx, default_key.clone(), provider.clone(), storage.clone()),
        },
        Command::Status => c::status::status(&ctx).await,
        Command::Party(p) => match p {
            PartyCommand::Register { name } => c::party::register(&ctx, name.clone()).await,
            PartyCommand::Show { who } => c::party::show(&ctx, who.clone()).await,
        },
        Command::Channel(ch) => match ch {
            ChannelCommand::Create { id, members } => c::channel::create(&ctx, id, members).await,
            ChannelCommand::Add { id, members } => c::channel::add(&ctx, id, members).await,
            ChannelCommand::Remove { id, members } => c::channel::remove(&ctx, id, members).await,
            ChannelCommand::Show { id } => c::channel::show(&ctx, id).await,
        },
        Command::Provider(p) => match p {
            ProviderCommand::Register {
                price,
                denom,
                relayer,
                relayer_pubkey,
                endpoint,
            } => {
                c::provider::register(
                    &ctx,
                    price,
                    denom,
                    relayer.clone(),
                    relayer_pubkey.clone(),
                    endpoint.clone(),
                )
                .await
            }
            ProviderCommand::Show { who } => c::provider::show(&ctx, who.clone()).await,
            ProviderCommand::List => c::provider::list(&ctx).await,
        },
        Command::Lease(l) => match l {
            LeaseCommand::Quote(spec) => c::lease::quote_cmd(&ctx, spec).await,
            LeaseCommand::Buy(spec) => c::lease::buy(&ctx, spec).await,
            LeaseCommand::List { owner } => c::lease::list(&ctx, owner.clone()).await,
            LeaseCommand::Cancel { lease_id } => c::lease::cancel(&ctx, *lease_id).await,
        },
        Command::Upload(args) => c::upload::upload(&ctx, args).await,
        Command::Tokenize(args) => c::tokenize::tokenize(&ctx, args).await,
        Command::Assets(args) => c::assets::assets(&ctx, args).await,
        Command::Buy(args) => c::sales::buy(&ctx, args.asset_id).await,
        Command::Grant(args) => c::sales::grant(&ctx, args.sale_id).await,
        Command::SellerAgent(args) => c::seller_agent::run(&ctx, args).await,
        Command::Sales(args) => c::sales::list(&ctx, args.side).await,
        Command::Confirm(args) => c::sales::confirm(&ctx, args.sale_id).await,
        Command::Refund(args) => c::sales::refund(&ctx, args.sale_id).await,
        Command::Dispute(args) => c::sales::dispute(&ctx, args.sale_id, &args.reason).await,
        Command::Download(args) => c::download::download(&ctx, args).await,
        Command::Verify(args) => c::verify::verify(&ctx, args).await,
        Command::Stream(s) => c::stream::run(&ctx, s).await,
        Command::Relay(args) => relay_command(&ctx, args.sale_id).await,
        Command::Demo(args) => demo_command(&ctx, args).await,
        Command::Bench(b) => bench::run(&ctx, b).await,
        Command::Market(m) => market_command(m),
    }
}

/// The market model needs no chain, keys or storage.
fn market_command(command: &twinshare_market::command::MarketCommand) -> Result<Outcome> {
    let report = twinshare_market::command::execute(command).map_err(Error::Market)?;
    Ok(Outcome {
        json: report.json,
        text: report.text,
    })
}

async fn relay_command(ctx: &Context, sale_id: u64) -> Result<Outcome> {
    let chain = ctx.chain().await?;
    let actor = ctx.actor(&chain)?;
    let (_, op) = ctx.operator()?;
    let r = relay::relay_sale(&chain, &actor, &op, sale_id).await?;
    let text = format!(
        "sale {}: cfrags stored at {} (sha256 {}), delivery reported\n  {}",
        r.sale_id,
        r.cfrag_locator,
        r.cfrag_hash,
        r.tx.line()
    );
    Outcome::new(&r, text)
}

async fn demo_command(ctx: &Context, args: &cli::DemoArgs) -> Result<Outcome> {
    let (network, source) = ctx.network()?;
    let work_dir = match &args.work_dir {
        Some(d) => d.clone(),
        None => twinshare_uploader::paths::default_storage_dir()
            .parent()
            .map(|p| p.join("demo"))
            .unwrap_or_else(|| std::path::PathBuf::from("twinshare-demo")),
    };
    ctx.console.line(format!(
        "TwinShare demo: the paper's sharing scenario (Section 4) on {} ({source}) with the DEV-ONLY localnet accounts",
        network.chain_id
    ));
    let options = demo::DemoOptions {
        size: args.size,
        channel: args.channel.clone(),
        price: args.price,
        fee: args.fee,
        work_dir,
        storage: ctx.storage_config()?,
        lease_secs: 86_400,
        relayer: if args.in_process_relayer {
            demo::RelayerMode::InProcess
        } else {
            demo::RelayerMode::Daemon {
                listen: Some(args.relayer_http.trim().to_string()).filter(|l| !l.is_empty()),
                timeout: std::time::Duration::from_secs(args.relayer_timeout),
            }
        },
    };
    let summary = demo::run_demo(network, &options, ctx.console).await?;
    let text = format!(
        "sale {} {} (delivered by {} in {:.2} s): bob's copy verified against record {}'s root {}; balances {}",
        summary.sale_id,
        summary.sale_status,
        if summary.relayer_in_process {
            "the demo itself, --in-process-relayer"
        } else {
            "the relayer daemon"
        },
        summary.delivery_ms as f64 / 1000.0,
        summary.record_id,
        summary.root,
        if summary.balances_ok {
            "as expected"
        } else {
            "NOT as expected"
        }
    );
    Outcome::new(&summary, text)
}
