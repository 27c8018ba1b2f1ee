//! `twinshare upload` and `twinshare stream`: the uploader library (fragment, seal, store) and
//! data-registry's `Register` in one step.

use std::path::{Path, PathBuf};

use cosmwasm_std::{HexBinary, Uint128};
use serde::Serialize;
use twinshare_client::Coin;
use twinshare_crypto::MasterKey;
use twinshare_types::registry::{Config as RegistryConfig, ExecuteMsg, Level, QueryMsg};
use twinshare_uploader::journal::JournalStore;
use twinshare_uploader::progress::Progress;
use twinshare_uploader::{
    BarProgress, NoProgress, Operator, UploadOptions, UploadReport, Uploader,
};

use crate::chain::{event_u64, Actor, Chain, TxInfo};
use crate::cli::{LevelArg, StreamArgs, UploadArgs};
use crate::context::Context;
use crate::error::{Error, Result};
use crate::output::{Console, Outcome};
use crate::units::human_bytes;

/// Bytes each sealed fragment adds to its plaintext: a 24-byte XChaCha20 nonce and a 16-byte
/// Poly1305 tag.
pub const SEAL_OVERHEAD: u64 = 24 + 16;

/// Bytes stored with the provider for an upload (sealed fragments): what `Register` counts
/// against the owner's leases.
pub fn stored_size(report: &UploadReport) -> u64 {
    report.size + report.fragments * SEAL_OVERHEAD
}

fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or_default()
}

/// Seals and stores one file for `owner` (resumable through the local upload journal).
pub async fn upload_file(
    op: &Operator,
    storage_label: &str,
    owner: &MasterKey,
    path: &Path,
    fragment_size: u64,
    progress: &dyn Progress,
) -> Result<UploadReport> {
    let fragment_size = usize::try_from(fragment_size)
        .map_err(|_| Error::Usage(format!("--fragment-size {fragment_size} is too large")))?;
    let options = UploadOptions {
        fragment_size,
        in_flight: twinshare_uploader::upload::default_in_flight(fragment_size),
        journal: Some(JournalStore::new(
            twinshare_uploader::paths::default_journal_dir(),
        )),
        storage_label: storage_label.to_string(),
    };
    let uploader = Uploader::new(op.clone(), owner.clone(), options)?;
    Ok(uploader.upload_file(path, None, progress).await?)
}

/// What a `Register` needs besides the upload.
#[derive(Clone, Debug)]
pub struct RecordSpec {
    pub channel: String,
    pub provider: String,
    pub level: Level,
    pub stream: Option<String>,
}

/// The registry's fee denom (what `High` fees are paid in).
pub async fn fee_denom(chain: &Chain) -> Result<String> {
    let config: RegistryConfig = chain.registry(&QueryMsg::Config {}).await?;
    Ok(config.fee_denom)
}

/// Registers an upload's root: the record id and the tx.
pub async fn register_record(
    chain: &Chain,
    actor: &Actor,
    report: &UploadReport,
    spec: &RecordSpec,
) -> Result<(u64, TxInfo)> {
    let (id, _, info) = register_record_tx(chain, actor, report, spec).await?;
    Ok((id, info))
}

/// [`register_record`] with the whole tx result (its events show the fee transfer).
pub async fn register_record_tx(
    chain: &Chain,
    actor: &Actor,
    report: &UploadReport,
    spec: &RecordSpec,
) -> Result<(u64, twinshare_client::TxOutcome, TxInfo)> {
    let hash = HexBinary::from_hex(&report.root)
        .map_err(|e| Error::Unexpected(format!("upload root {:?}: {e}", report.root)))?;
    let funds = match &spec.level {
        Level::High { fee } if !fee.is_zero() => {
            vec![Coin::new(fee.u128(), fee_denom(chain).await?)]
        }
        _ => vec![],
    };
    let contract = &chain.network.contracts.data_registry;
    let (tx, info) = actor
        .execute(
            "register",
            contract,
            &ExecuteMsg::Register {
                channel: spec.channel.clone(),
                hash,
                size: stored_size(report),
                level: spec.level.clone(),
                locator: report.manifest.clone(),
                stream: spec.stream.clone(),
                client_timestamp: now_ms(),
                provider: spec.provider.clone(),
            },
            funds,
        )
        .await
        .map_err(|e| explain_register_error(e, report, spec))?;
    Ok((event_u64(&tx, contract, "record_id")?, tx, info))
}

/// Adds the next step to the registry's refusals.
fn explain_register_error(e: Error, report: &UploadReport, spec: &RecordSpec) -> Error {
    let Error::Chain(ce) = &e else { return e };
    let Some(message) = ce.contract_message() else {
        return e;
    };
    let hint = if message.contains("over capacity") {
        format!(
            "buy a lease that covers {} more: `twinshare lease buy --bytes {} --duration 30d`",
            human_bytes(stored_size(report)),
            stored_size(report)
        )
    } else if message.contains("not a member") || message.contains("NotChannelMember") {
        format!(
            "ask the admin of channel {:?} to add you (`twinshare channel add {} YOUR_ADDRESS`)",
            spec.channel, spec.channel
        )
    } else if message.contains("already registered") || message.contains("owns") {
        "this exact data is registered already (`twinshare verify FILE` shows by whom)".into()
    } else {
        return e;
    };
    Error::State(format!("{e}\n  next: {hint}"))
}

/// One uploaded and registered file.
#[derive(Debug, Clone, Serialize)]
pub struct Uploaded {
    pub file: String,
    /// The storage asset id (the label of the per-asset delegating key).
    pub storage_asset_id: String,
    pub locator: String,
    pub root: String,
    pub size: u64,
    pub fragments: u64,
    pub upload_ms: u64,
    pub record_id: Option<u64>,
    pub register_tx: Option<TxInfo>,
}

impl Uploaded {
    pub fn line(&self) -> String {
        let mut s = format!(
            "{} -> {} ({}, {} fragment(s), root {}) in {:.2} s",
            self.file,
            self.locator,
            human_bytes(self.size),
            self.fragments,
            self.root,
            self.upload_ms as f64 / 1000.0
        );
        if let (Some(id), Some(tx)) = (self.record_id, &self.register_tx) {
            s.push_str(&format!("\n  record {id} registered: {}", tx.line()));
        }
        s
    }
}

/// Where and how uploads are stored.
#[derive(Clone, Copy, Debug)]
pub struct Target<'a> {
    pub op: &'a Operator,
    /// The backend's description (keys the resumable upload journals).
    pub label: &'a str,
    /// Plaintext bytes per fragment.
    pub fragment_size: u64,
}

/// Uploads a file and registers it (unless `spec` is `None`).
pub async fn upload_and_register(
    chain: &Chain,
    actor: &Actor,
    target: Target<'_>,
    file: &Path,
    spec: Option<&RecordSpec>,
    progress: &dyn Progress,
) -> Result<Uploaded> {
    let started = std::time::Instant::now();
    let report = upload_file(
        target.op,
        target.label,
        &actor.master,
        file,
        target.fragment_size,
        progress,
    )
    .await?;
    let upload_ms = started.elapsed().as_millis() as u64;
    let (record_id, register_tx) = match spec {
        Some(spec) => {
            let (id, tx) = register_record(chain, actor, &report, spec).await?;
            (Some(id), Some(tx))
        }
        None => (None, None),
    };
    Ok(Uploaded {
        file: file.display().to_string(),
        storage_asset_id: report.asset_id.clone(),
        locator: report.manifest.clone(),
        root: report.root.clone(),
        size: report.size,
        fragments: report.fragments,
        upload_ms,
        record_id,
        register_tx,
    })
}

/// Refuses before uploading anything when the actor is not a member of the channel.
pub async fn check_member(chain: &Chain, actor: &Actor, channel: &str) -> Result<()> {
    let r: twinshare_types::registry::IsMemberResponse = chain
        .registry(&QueryMsg::IsMember {
            channel: channel.to_string(),
            address: actor.address().to_string(),
        })
        .await?;
    if r.is_member {
        return Ok(());
    }
    Err(Error::State(format!(
        "{} ({}) is not a member of channel {channel:?}, so it cannot register data there; ask \
         the channel's admin to add it (`twinshare channel add {channel} {}`), or create a \
         channel of your own (`twinshare channel create ID MEMBER...`)",
        actor.name,
        actor.address(),
        actor.address()
    )))
}

/// The record level of `--level` and `--fee` (a fee only on High, paper Rule 2).
pub fn level(arg: LevelArg, fee: u128) -> Result<Level> {
    match arg {
        LevelArg::High => Ok(Level::High {
            fee: Uint128::new(fee),
        }),
        LevelArg::Low if fee == 0 => Ok(Level::Low),
        LevelArg::Low => Err(Error::Usage(
            "--fee applies to High records only (paper Rule 2): drop --fee or use --level high"
                .into(),
        )),
    }
}

fn progress_for(console: &Console) -> Box<dyn Progress> {
    if console.draws() {
        Box::new(BarProgress::new(true, true))
    } else {
        Box::new(NoProgress)
    }
}

/// `upload`.
pub async fn upload(ctx: &Context, args: &UploadArgs) -> Result<Outcome> {
    let chain = ctx.chain().await?;
    let actor = ctx.actor(&chain)?;
    let (storage, op) = ctx.operator()?;
    let spec = if args.no_register {
        None
    } else {
        check_member(&chain, &actor, &args.register.channel).await?;
        Some(RecordSpec {
            channel: args.register.channel.clone(),
            provider: ctx.provider(&chain, args.register.provider.as_deref())?,
            level: level(args.level, args.fee)?,
            stream: args.stream.clone(),
        })
    };
    let progress = progress_for(&ctx.console);
    let u = upload_and_register(
        &chain,
        &actor,
        Target {
            op: &op,
            label: &storage.describe(),
            fragment_size: args.register.fragment_size,
        },
        &args.file,
        spec.as_ref(),
        progress.as_ref(),
    )
    .await?;
    let mut text = u.line();
    if let Some(id) = u.record_id {
        text.push_str(&format!(
            "\nnext: list it for sale with `twinshare tokenize {id} --price AMOUNT`"
        ));
    }
    Outcome::new(&u, text)
}

/// The regular files of a folder, sorted by name (not recursive; hidden files skipped).
pub fn stream_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let entries = std::fs::read_dir(dir)
        .map_err(|e| Error::io(format!("cannot read folder {}", dir.display()), e))?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| !n.starts_with('.'))
        })
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(Error::Usage(format!(
            "{} holds no files to publish",
            dir.display()
        )));
    }
    Ok(files)
}

/// `stream`: every file of the folder, in order, as the next record of the stream.
pub async fn stream(ctx: &Context, args: &StreamArgs) -> Result<Outcome> {
    let chain = ctx.chain().await?;
    let actor = ctx.actor(&chain)?;
    let (storage, op) = ctx.operator()?;
    let files = stream_files(&args.dir)?;
    check_member(&chain, &actor, &args.register.channel).await?;
    let spec = RecordSpec {
        channel: args.register.channel.clone(),
        provider: ctx.provider(&chain, args.register.provider.as_deref())?,
        level: Level::High {
            fee: Uint128::new(args.fee),
        },
        stream: Some(args.stream.clone()),
    };
    ctx.console.line(format!(
        "publishing {} file(s) of {} as stream {:?} in channel {:?}",
        files.len(),
        args.dir.display(),
        args.stream,
        args.register.channel
    ));
    let progress = progress_for(&ctx.console);
    let mut published = Vec::new();
    for file in &files {
        let u = upload_and_register(
            &chain,
            &actor,
            Target {
                op: &op,
                label: &storage.describe(),
                fragment_size: args.register.fragment_size,
            },
            file,
            Some(&spec),
            progress.as_ref(),
        )
        .await?;
        ctx.console.line(u.line());
        published.push(u);
    }
    #[derive(Serialize)]
    struct Published {
        stream: String,
        channel: String,
        records: Vec<Uploaded>,
    }
    let text = format!(
        "stream {:?}: {} record(s) registered ({} .. {})",
        args.stream,
        published.len(),
        published
            .first()
            .and_then(|u| u.record_id)
            .unwrap_or_default(),
        published
            .last()
            .and_then(|u| u.record_id)
            .unwrap_or_default()
    );
    Outcome::new(
        &Published {
            stream: args.stream.clone(),
            channel: args.register.channel.clone(),
            records: published,
        },
        text,
    )
}
