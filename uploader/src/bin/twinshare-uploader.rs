//! `twinshare-uploader`: encrypt and store data in any OpenDAL backend; fetch, verify and
//! decrypt it again. A thin front end over the `twinshare_uploader` library.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use clap::{Args, Parser, Subcommand, ValueEnum};
use serde::Serialize;
use twinshare_crypto::{Codec, MasterKey, PublicKey, Threshold};
use twinshare_uploader::keys::{
    load_key_file, load_or_create_key_file, parse_seed_hex, PublicKeys,
};
use twinshare_uploader::upload::{default_in_flight, parse_size, DEFAULT_FRAGMENT_SIZE};
use twinshare_uploader::{
    download::parse_root, paths, sharing, storage, AssetId, BarProgress, DownloadOptions,
    Downloader, JournalStore, Opener, Operator, RetryPolicy, SaleId, StorageConfig, UploadOptions,
    UploadReport, Uploader,
};

const EXAMPLES: &str = "\
Examples:
  # Encrypt a file into the local data folder (~/.local/share/twinshare/storage);
  # prints the manifest locator and the root to register on chain
  twinshare-uploader upload weld-robot-a.parquet

  # A live stream from standard input, 1 MiB fragments, to S3 (credentials from AWS_* variables)
  sensor-feed | twinshare-uploader --storage s3://twins/prod upload - --fragment-size 1MiB

  # Every file of a folder becomes its own asset, one JSON line each
  twinshare-uploader --output json upload ./exports/

  # Interrupted? Run the same command again: stored fragments are skipped
  twinshare-uploader upload weld-robot-a.parquet

  # Download as the owner, checking the root registered on chain
  twinshare-uploader download assets/<id>/manifest.json -o copy.parquet --expect-root <hex>

  # Sell: the buyer shows its key, the owner grants, the relayer re-encrypts, the buyer downloads
  twinshare-uploader --key-file buyer.key keys show
  twinshare-uploader grant --asset-id <id> --buyer-key <hex> --relayer-key <hex>
  twinshare-uploader --key-file relayer.key reencrypt --asset-id <id> --sale-id 7 --kfrags <hex> --buyer-key <hex>
  twinshare-uploader --key-file buyer.key download <id> --sale-id 7 -o bought.parquet

Keys: --key-file, else TWINSHARE_SEED (64 hex characters), else ~/.config/twinshare/master.key,
created with a random seed (mode 0600) on first use. Back it up: it is the only way to decrypt.
Logs: RUST_LOG (e.g. RUST_LOG=debug, RUST_LOG=opendal=debug), on stderr.";

/// Encrypts data on this machine and stores it in any storage that OpenDAL reaches (a local
/// folder, S3, ...); fetches, verifies and decrypts it again, as its owner or as a buyer.
///
/// Each asset is cut into fragments sealed with XChaCha20-Poly1305 under one random data key,
/// which an Umbral capsule wraps for a key derived from your master seed and the asset id. The
/// storage provider sees only ciphertext; a sale re-encrypts the capsule, never the data.
#[derive(Parser)]
#[command(name = "twinshare-uploader", version, after_long_help = EXAMPLES, after_help = "Examples and key handling: --help")]
struct Cli {
    #[command(flatten)]
    global: Global,
    #[command(subcommand)]
    command: Command,
}

#[derive(Args)]
struct Global {
    /// Storage backend: `fs:///path` or a path (`/..`, `./..`, `~/..`), `memory`,
    /// `s3://bucket[/root][?endpoint=URL&region=R]` (credentials, endpoint and region default to
    /// AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_ENDPOINT_URL, AWS_REGION), or
    /// `<scheme>://...` for any other OpenDAL service of this build.
    /// [default: fs at $TWINSHARE_DATA or ~/.local/share/twinshare/storage]
    #[arg(
        long,
        global = true,
        env = "TWINSHARE_STORAGE",
        hide_env_values = true,
        value_name = "URI"
    )]
    storage: Option<String>,

    /// An extra option of the storage service, e.g. `region=eu-west-1` (repeatable).
    #[arg(long = "storage-opt", global = true, value_name = "KEY=VALUE")]
    storage_opts: Vec<String>,

    /// Retries of a failing storage operation (exponential backoff from 200 ms, at most 2 s
    /// apart) before giving up.
    #[arg(long, global = true, default_value_t = 4, value_name = "N")]
    retries: usize,

    /// Seconds one storage operation may take (body transfers get twice as long).
    #[arg(long, global = true, default_value_t = 30, value_name = "SECONDS")]
    timeout: u64,

    /// The master key file (64 hex characters). [default: TWINSHARE_SEED, else
    /// ~/.config/twinshare/master.key, created on first use]
    #[arg(long, global = true, env = "TWINSHARE_KEY_FILE", value_name = "PATH")]
    key_file: Option<PathBuf>,

    /// Output format of results on stdout: human text, or one JSON object per line.
    #[arg(long, global = true, value_enum, default_value_t = Format::Text)]
    output: Format,

    /// No progress bar and no notes on stderr (errors are still printed).
    #[arg(long, short, global = true)]
    quiet: bool,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    Text,
    Json,
}

#[derive(Subcommand)]
enum Command {
    /// Encrypt and store a file, every file of a folder, or standard input.
    ///
    /// Prints, per asset, the manifest locator and the Merkle root (hex) to register on chain.
    /// A file upload is resumable: a local journal (never stored remotely) records the
    /// envelope and each stored fragment, and running the same command again skips fragments
    /// already stored with the right hash. Standard input is not resumable.
    Upload(UploadArgs),

    /// Fetch, verify and decrypt an asset, as its owner or (with --sale-id or --cfrags-file)
    /// as a buyer.
    ///
    /// Every fragment's hash and authentication tag and the Merkle root are checked; a file is
    /// written under a temporary name and renamed only when all checks pass.
    Download(DownloadArgs),

    /// Show the public keys of the master seed.
    #[command(subcommand)]
    Keys(KeysCommand),

    /// Owner: make the re-encryption key fragments of an asset for a buyer, sealed to a
    /// relayer's key (hex on stdout; it goes on chain with the sale).
    Grant(GrantArgs),

    /// Relayer: re-encrypt an asset's capsule for a buyer from sealed kfrags and store the
    /// cfrags at assets/<asset-id>/cfrags/<sale-id>.bin.
    Reencrypt(ReencryptArgs),
}

#[derive(Args)]
struct UploadArgs {
    /// A file, a folder (each regular file, recursively and in sorted order, becomes its own
    /// asset) or `-` for standard input.
    #[arg(value_name = "PATH|-")]
    input: String,

    /// The asset id (letters, digits, `.`, `_`, `-`; up to 128) [default: 32 random hex
    /// characters, or the id of an unfinished upload of the same file being resumed]. Not
    /// with a folder.
    #[arg(long, value_name = "ID")]
    asset_id: Option<String>,

    /// Plaintext bytes per fragment, e.g. 4MiB, 512KiB, 65536.
    #[arg(long, default_value = "4MiB", value_parser = parse_size_arg, value_name = "SIZE")]
    fragment_size: u64,

    /// Fragments sealed and stored at once (each takes up to about 3 x SIZE of memory).
    /// [default: 2 per core, at most 128 MiB worth]
    #[arg(long, value_name = "N")]
    jobs: Option<usize>,

    /// Folder of upload journals. [default: ~/.local/state/twinshare/uploads]
    #[arg(long, env = "TWINSHARE_JOURNAL_DIR", value_name = "DIR")]
    journal_dir: Option<PathBuf>,

    /// Do not keep a journal (the upload cannot be resumed).
    #[arg(long)]
    no_journal: bool,
}

#[derive(Args)]
struct DownloadArgs {
    /// The asset id or its manifest locator (assets/<id>/manifest.json).
    #[arg(value_name = "ASSET")]
    asset: String,

    /// Where to write the data: a file, a folder (gets <folder>/<asset-id>), or `-` for stdout.
    #[arg(long = "out", short = 'o', value_name = "PATH|-")]
    out: String,

    /// The root registered on chain (64 hex characters): the manifest must carry it and the
    /// data must hash to it.
    #[arg(long, value_name = "HEX")]
    expect_root: Option<String>,

    /// Decrypt as a buyer with the cfrags a relayer stored for this sale
    /// (assets/<asset-id>/cfrags/<sale-id>.bin).
    #[arg(long, value_name = "ID", conflicts_with = "cfrags_file")]
    sale_id: Option<String>,

    /// Decrypt as a buyer with cfrags from a local file.
    #[arg(long, value_name = "PATH")]
    cfrags_file: Option<PathBuf>,

    /// As a buyer: the owner's verifying key (hex) from the chain. [default: the manifest's]
    #[arg(long, value_name = "HEX")]
    owner_verifying_key: Option<String>,

    /// Replace the output file if it exists.
    #[arg(long)]
    force: bool,

    /// Fragments fetched and decrypted at once.
    #[arg(long, value_name = "N")]
    jobs: Option<usize>,
}

#[derive(Subcommand)]
enum KeysCommand {
    /// Print the public keys: receiving (what a buyer names), verifying (checks the owner's
    /// kfrags), relayer (what sellers seal kfrags to), and with --asset-id the asset's
    /// delegating key.
    Show {
        #[arg(long, value_name = "ID")]
        asset_id: Option<String>,
    },
}

#[derive(Args)]
struct GrantArgs {
    #[arg(long, value_name = "ID")]
    asset_id: String,
    /// The buyer's receiving public key (hex, from `keys show` or the chain).
    #[arg(long, value_name = "HEX")]
    buyer_key: String,
    /// The relayer's public key (hex).
    #[arg(long, value_name = "HEX")]
    relayer_key: String,
    /// Cfrags needed to decrypt.
    #[arg(long, default_value_t = 1)]
    threshold: usize,
    /// Kfrags made.
    #[arg(long, default_value_t = 1)]
    shares: usize,
}

#[derive(Args)]
struct ReencryptArgs {
    #[arg(long, value_name = "ID")]
    asset_id: String,
    #[arg(long, value_name = "ID")]
    sale_id: String,
    /// The sealed kfrags: hex, or @PATH of a file holding the hex.
    #[arg(long, value_name = "HEX|@PATH")]
    kfrags: String,
    /// The buyer's receiving public key (hex).
    #[arg(long, value_name = "HEX")]
    buyer_key: String,
}

fn parse_size_arg(s: &str) -> std::result::Result<u64, String> {
    parse_size(s)
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    // Ctrl-C drops the command's future, so its destructors run: a download's temporary file
    // is removed, an upload's journal keeps what was stored (run it again to resume).
    let outcome = runtime.block_on(async {
        tokio::select! {
            result = run(cli) => Some(result),
            _ = tokio::signal::ctrl_c() => None,
        }
    });
    match outcome {
        Some(Ok(())) => ExitCode::SUCCESS,
        Some(Err(e)) => {
            eprintln!("error: {}", describe(&e));
            ExitCode::FAILURE
        }
        None => {
            eprintln!("interrupted");
            ExitCode::from(130)
        }
    }
}

/// The error and its causes, each cause once (library errors already quote their source).
fn describe(e: &anyhow::Error) -> String {
    let mut out = e.to_string();
    for cause in e.chain().skip(1) {
        let text = cause.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
    }
    out
}

async fn run(cli: Cli) -> Result<()> {
    let g = &cli.global;
    match &cli.command {
        Command::Upload(args) => upload(g, args).await,
        Command::Download(args) => download(g, args).await,
        Command::Keys(KeysCommand::Show { asset_id }) => {
            let master = master_key(g)?;
            let asset = asset_id.as_deref().map(AssetId::new).transpose()?;
            let keys = PublicKeys::of(&master, asset.as_ref())?;
            match g.output {
                Format::Json => print_json(&keys)?,
                Format::Text => {
                    println!("receiving   {}", keys.receiving);
                    println!("verifying   {}", keys.verifying);
                    println!("relayer     {}", keys.relayer);
                    if let (Some(d), Some(a)) = (&keys.delegating, &keys.asset_id) {
                        println!("delegating  {d}  (asset {a})");
                    }
                }
            }
            Ok(())
        }
        Command::Grant(args) => grant(g, args),
        Command::Reencrypt(args) => reencrypt(g, args).await,
    }
}

/// The master key: --key-file, else TWINSHARE_SEED, else the default key file (created on
/// first use, and said so).
fn master_key(g: &Global) -> Result<MasterKey> {
    if let Some(path) = &g.key_file {
        if !path.exists() {
            bail!(
                "key file {} does not exist (omit --key-file to use the default key, created on first use)",
                path.display()
            );
        }
        return Ok(load_key_file(path)?);
    }
    if let Some(seed) = std::env::var("TWINSHARE_SEED")
        .ok()
        .filter(|s| !s.trim().is_empty())
    {
        return parse_seed_hex(&seed).context("TWINSHARE_SEED");
    }
    let path = paths::default_key_file();
    let (key, created) = load_or_create_key_file(&path)?;
    if created {
        eprintln!(
            "created a new master key at {} (mode 0600); back it up: without it your data cannot be decrypted",
            path.display()
        );
    }
    Ok(key)
}

fn storage_config(g: &Global) -> Result<StorageConfig> {
    let mut config = match &g.storage {
        Some(uri) => StorageConfig::parse(uri)?,
        None => StorageConfig::fs(paths::default_storage_dir()),
    };
    for opt in &g.storage_opts {
        let Some((k, v)) = opt.split_once('=') else {
            bail!("--storage-opt {opt:?} is not KEY=VALUE");
        };
        config = config.option(k.trim(), v);
    }
    let timeout = Duration::from_secs(g.timeout.max(1));
    Ok(config
        .with_retry(RetryPolicy {
            max_times: g.retries,
            ..RetryPolicy::default()
        })
        .with_timeouts(timeout, timeout * 2))
}

fn operator(config: &StorageConfig) -> Result<Operator> {
    Ok(config.build()?)
}

fn progress(g: &Global) -> BarProgress {
    BarProgress::new(!g.quiet && std::io::stderr().is_terminal(), !g.quiet)
}

fn print_json<T: Serialize>(value: &T) -> Result<()> {
    let line = serde_json::to_string(value)?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "{line}")?;
    out.flush()?;
    Ok(())
}

fn print_upload(format: Format, report: &UploadReport) {
    let printed = match format {
        Format::Json => print_json(report),
        Format::Text => {
            let mut out = std::io::stdout().lock();
            writeln!(
                out,
                "{}\t{}\t{}",
                report.manifest, report.root, report.input
            )
            .and_then(|_| out.flush())
            .map_err(Into::into)
        }
    };
    if let Err(e) = printed {
        tracing::warn!("cannot print the result: {e}");
    }
}

async fn upload(g: &Global, args: &UploadArgs) -> Result<()> {
    let config = storage_config(g)?;
    let op = operator(&config)?;
    let master = master_key(g)?;
    let journal = if args.no_journal {
        None
    } else {
        Some(JournalStore::new(
            args.journal_dir
                .clone()
                .unwrap_or_else(paths::default_journal_dir),
        ))
    };
    let fragment_size = usize::try_from(args.fragment_size)
        .map_err(|_| anyhow::anyhow!("--fragment-size {} is too large", args.fragment_size))?;
    let options = UploadOptions {
        fragment_size,
        in_flight: args
            .jobs
            .unwrap_or_else(|| default_in_flight(fragment_size)),
        journal,
        storage_label: config.describe(),
    };
    let uploader = Uploader::new(op, master, options)?;
    let asset = args.asset_id.as_deref().map(AssetId::new).transpose()?;
    let bar = progress(g);
    if args.input == "-" {
        let report = uploader
            .upload_reader(tokio::io::stdin(), "-", asset, None, &bar)
            .await?;
        print_upload(g.output, &report);
    } else {
        let format = g.output;
        uploader
            .upload_path(Path::new(&args.input), asset, &bar, |r| {
                print_upload(format, r)
            })
            .await?;
    }
    Ok(())
}

async fn download(g: &Global, args: &DownloadArgs) -> Result<()> {
    let config = storage_config(g)?;
    let op = operator(&config)?;
    let asset = AssetId::from_locator(&args.asset)?;
    let master = master_key(g)?;
    let opener = if args.sale_id.is_some() || args.cfrags_file.is_some() {
        let cfrags = match (&args.sale_id, &args.cfrags_file) {
            (Some(sale), _) => {
                storage::get_cfrags(&op, &asset, &SaleId::new(sale.clone())?).await?
            }
            (None, Some(file)) => {
                let bytes = std::fs::read(file)
                    .with_context(|| format!("cannot read cfrags file {}", file.display()))?;
                twinshare_crypto::sharing::decode_cfrags(&bytes)
                    .with_context(|| format!("cfrags file {}", file.display()))?
            }
            (None, None) => unreachable!("checked above"),
        };
        let verifying_key = args
            .owner_verifying_key
            .as_deref()
            .map(PublicKey::from_hex)
            .transpose()
            .context("--owner-verifying-key")?;
        Opener::Buyer {
            master,
            cfrags,
            verifying_key,
        }
    } else {
        if args.owner_verifying_key.is_some() {
            bail!("--owner-verifying-key is for buyers (with --sale-id or --cfrags-file)");
        }
        Opener::Owner(master)
    };
    let options = DownloadOptions {
        in_flight: args
            .jobs
            .unwrap_or_else(|| default_in_flight(DEFAULT_FRAGMENT_SIZE)),
        expect_root: args.expect_root.as_deref().map(parse_root).transpose()?,
        overwrite: args.force,
    };
    let downloader = Downloader::new(op, options);
    let bar = progress(g);
    let to_stdout = args.out == "-";
    let report = if to_stdout {
        let mut stdout = tokio::io::stdout();
        downloader
            .download_to_writer(&asset, opener, &mut stdout, &bar)
            .await?
    } else {
        downloader
            .download_to_path(&asset, opener, Path::new(&args.out), &bar)
            .await?
    };
    // With the data on stdout, the report goes to stderr.
    match (g.output, to_stdout) {
        (Format::Json, false) => print_json(&report)?,
        (Format::Json, true) => eprintln!("{}", serde_json::to_string(&report)?),
        (Format::Text, false) => println!(
            "{}\t{}\t{} bytes verified",
            report.output, report.root, report.size
        ),
        (Format::Text, true) if !g.quiet => {
            eprintln!("{} bytes verified, root {}", report.size, report.root)
        }
        (Format::Text, true) => {}
    }
    Ok(())
}

fn grant(g: &Global, args: &GrantArgs) -> Result<()> {
    let master = master_key(g)?;
    let asset = AssetId::new(args.asset_id.clone())?;
    let buyer = PublicKey::from_hex(args.buyer_key.trim()).context("--buyer-key")?;
    let relayer = PublicKey::from_hex(args.relayer_key.trim()).context("--relayer-key")?;
    let threshold = Threshold::new(args.threshold, args.shares)?;
    let sealed = sharing::grant(&master, &asset, &buyer, &relayer, threshold)?;
    #[derive(Serialize)]
    struct Granted<'a> {
        asset_id: &'a str,
        kfrags: String,
    }
    match g.output {
        Format::Json => print_json(&Granted {
            asset_id: asset.as_str(),
            kfrags: hex::encode(&sealed),
        }),
        Format::Text => {
            println!("{}", hex::encode(&sealed));
            Ok(())
        }
    }
}

async fn reencrypt(g: &Global, args: &ReencryptArgs) -> Result<()> {
    let config = storage_config(g)?;
    let op = operator(&config)?;
    let relayer = master_key(g)?;
    let asset = AssetId::new(args.asset_id.clone())?;
    let sale = SaleId::new(args.sale_id.clone())?;
    let kfrags_hex = match args.kfrags.strip_prefix('@') {
        Some(path) => std::fs::read_to_string(path)
            .with_context(|| format!("cannot read kfrags file {path}"))?,
        None => args.kfrags.clone(),
    };
    let sealed = hex::decode(kfrags_hex.trim()).context("--kfrags is not hex")?;
    let buyer = PublicKey::from_hex(args.buyer_key.trim()).context("--buyer-key")?;
    let locator =
        sharing::reencrypt_to_storage(&op, &relayer, &asset, &sale, &sealed, &buyer).await?;
    #[derive(Serialize)]
    struct Reencrypted<'a> {
        asset_id: &'a str,
        sale_id: &'a str,
        cfrags: &'a str,
    }
    match g.output {
        Format::Json => print_json(&Reencrypted {
            asset_id: asset.as_str(),
            sale_id: sale.as_str(),
            cfrags: &locator,
        }),
        Format::Text => {
            println!("{locator}");
            Ok(())
        }
    }
}
