//! The command line (clap derive). Every command's doc comment is its `--help`: what it does,
//! where it sits in the paper's workflow, and examples that run on the localnet.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::output::OutputMode;
use crate::units::{parse_duration_secs, parse_size};

/// TwinShare: share industrial digital-twin data between companies that do not trust each other.
///
/// Ownership, storage payment, prices and sales live on a CosmWasm chain; the data is encrypted
/// before it leaves your machine and re-encrypted for each buyer by the storage provider's relayer
/// (Umbral proxy re-encryption), which never sees it in clear.
///
/// With no configuration the CLI talks to the localnet of the repository it runs in
/// (localnet/deployment.json, found walking up from the current folder) and stores data in the
/// embedded `fs` backend (~/.local/share/twinshare/storage).
///
/// Start here:
///   localnet/start.sh && localnet/deploy.sh      # a chain with the contracts
///   twinshare demo                               # the paper's scenario, end to end
///   twinshare keys import-dev                    # alice, bob, provider, relayer... (DEV ONLY)
///   twinshare --from alice status
#[derive(Debug, Parser)]
#[command(
    name = "twinshare",
    version,
    verbatim_doc_comment,
    propagate_version = true
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Args)]
pub struct GlobalArgs {
    /// Output format: `text` for people, `json` for scripts (one JSON document on stdout).
    #[arg(long, global = true, value_enum, default_value_t = OutputMode::Text)]
    pub output: OutputMode,

    /// The CLI's home folder (keys/, config.toml) [default: ~/.config/twinshare].
    #[arg(long, global = true, env = "TWINSHARE_HOME", value_name = "DIR")]
    pub home: Option<PathBuf>,

    /// Config file [default: <home>/config.toml].
    #[arg(long, global = true, env = "TWINSHARE_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// A deployment file (as localnet/deploy.sh writes) naming the chain and the contracts;
    /// overrides the config file.
    #[arg(long, global = true, env = "TWINSHARE_DEPLOYMENT", value_name = "FILE")]
    pub deployment: Option<PathBuf>,

    /// The key to sign with (a name from `twinshare keys list`).
    #[arg(long, global = true, env = "TWINSHARE_FROM", value_name = "NAME")]
    pub from: Option<String>,

    /// Read the keystore password from this file (else $TWINSHARE_PASSWORD, else a prompt).
    #[arg(long, global = true, value_name = "FILE")]
    pub password_file: Option<PathBuf>,

    /// Storage backend URI: `fs:///path` (default: the local data folder), `s3://bucket?...`,
    /// `memory`, any OpenDAL scheme.
    #[arg(long, global = true, env = "TWINSHARE_STORAGE", value_name = "URI")]
    pub storage: Option<String>,

    /// More logs on stderr (-v info, -vv debug); RUST_LOG overrides.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,

    /// No step lines or progress bars, only the result.
    #[arg(short, long, global = true)]
    pub quiet: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Manage identities: one BIP39 mnemonic each, for the chain key and the Umbral keys.
    #[command(subcommand)]
    Keys(KeysCommand),

    /// Show or write the configuration (import a deployment file, set defaults).
    #[command(subcommand)]
    Config(ConfigCommand),

    /// Where the CLI points, whether the chain answers, and (with --from) your balances.
    ///
    /// Examples:
    ///   twinshare status
    ///   twinshare --from alice status --output json
    #[command(verbatim_doc_comment)]
    Status,

    /// Parties: register your Umbral verifying key on chain (data-registry), or look one up.
    #[command(subcommand)]
    Party(PartyCommand),

    /// Channels: consortium groups; records, assets and sales live in one (paper Fig. 2).
    #[command(subcommand)]
    Channel(ChannelCommand),

    /// Storage providers (storage-payment): list one, look one up.
    #[command(subcommand)]
    Provider(ProviderCommand),

    /// Storage leases (paper 4.3): quote, buy, list, cancel; capacity counts against uploads.
    #[command(subcommand)]
    Lease(LeaseCommand),

    /// Encrypt and store a file, then register its Merkle root on chain (paper 4.2) in one step.
    ///
    /// The file is cut into fragments and sealed on your machine (one Umbral capsule per asset,
    /// XChaCha20-Poly1305 per fragment); the manifest's Merkle root over the plaintext fragments
    /// is registered in data-registry (`Register`) with the manifest's locator. You need a
    /// lease with the provider that covers the size (`twinshare lease buy`).
    ///
    /// Examples:
    ///   twinshare --from alice upload weld.csv --channel welding --level high --fee 1000
    ///   twinshare --from alice upload plan.pdf --channel welding --level low
    #[command(verbatim_doc_comment)]
    Upload(UploadArgs),

    /// List a registered record as an asset with a price and an openness (paper 4.4).
    ///
    /// Examples:
    ///   twinshare --from alice tokenize 7 --price 50000 --kind vibration --equipment robot-A
    ///   twinshare --from alice tokenize 7 --price 50000 --openness partial --allow bob
    #[command(verbatim_doc_comment)]
    Tokenize(TokenizeArgs),

    /// List assets: listed ones, public ones, one owner's, or one by id.
    ///
    /// Examples:
    ///   twinshare assets
    ///   twinshare assets --owner alice
    ///   twinshare assets --id 3 --output json
    #[command(verbatim_doc_comment)]
    Assets(AssetsArgs),

    /// Buy an asset: pay its price into escrow, naming your Umbral receiving key (paper 4.6).
    ///
    /// A cw20-priced asset is paid with the token's `Send` (one tx); a native-priced one with
    /// funds. The seller (or its `seller-agent`) then grants; the relayer re-encrypts; you
    /// `download` and `confirm`.
    ///
    /// Examples:
    ///   twinshare --from bob buy 3
    #[command(verbatim_doc_comment)]
    Buy(SaleAssetArgs),

    /// Seller: submit the re-key of a paid sale (kfrags for the buyer, sealed to the relayer).
    ///
    /// Reads the sale, the asset's record and manifest, makes the kfrags from your per-asset
    /// delegating key to the buyer's receiving key, seals them to the provider's relayer key
    /// named in the sale, and sends `SubmitReKey`.
    ///
    /// Examples:
    ///   twinshare --from alice grant 12
    #[command(verbatim_doc_comment)]
    Grant(SaleArgs),

    /// Seller: watch purchases of your assets and grant each one automatically.
    ///
    /// At start it catches up on every paid sale waiting for you (SalesBySeller), then follows
    /// the escrow's events over the websocket (reconnecting and re-scanning after a gap).
    ///
    /// Examples:
    ///   twinshare --from alice seller-agent
    ///   twinshare --from alice seller-agent --once     # catch up, then exit
    #[command(verbatim_doc_comment)]
    SellerAgent(SellerAgentArgs),

    /// Your sales, as buyer or as seller.
    ///
    /// Examples:
    ///   twinshare --from bob sales
    ///   twinshare --from alice sales --as seller
    #[command(verbatim_doc_comment)]
    Sales(SalesArgs),

    /// Buyer: confirm a delivered sale; the escrow pays the seller (less the relayer's fee).
    ///
    /// Examples:
    ///   twinshare --from bob confirm 12
    #[command(verbatim_doc_comment)]
    Confirm(SaleArgs),

    /// Buyer: take the payment back after the re-key or the delivery missed its deadline.
    ///
    /// Examples:
    ///   twinshare --from bob refund 12
    #[command(verbatim_doc_comment)]
    Refund(SaleArgs),

    /// Buyer: dispute a delivered sale within the dispute window; the arbiter settles it.
    ///
    /// Examples:
    ///   twinshare --from bob dispute 12 --reason "fragment 3 does not decrypt"
    #[command(verbatim_doc_comment)]
    Dispute(DisputeArgs),

    /// Fetch, decrypt and verify data against the root registered on chain.
    ///
    /// As a buyer, name the sale: the cfrags the relayer stored are checked against the hash in
    /// the sale and against the seller's verifying key from the chain, then the data key is
    /// opened and every fragment checked. As the owner, name the record.
    ///
    /// Examples:
    ///   twinshare --from bob download --sale 12 -o weld.csv
    ///   twinshare --from alice download --record 7 -o copy.csv
    #[command(verbatim_doc_comment)]
    Download(DownloadArgs),

    /// Check a local file against the chain: recompute its Merkle root and look it up.
    ///
    /// The root depends on the fragment size: use the one the file was uploaded with (the
    /// default 4 MiB unless --fragment-size was given). Needs no key.
    ///
    /// Examples:
    ///   twinshare verify weld.csv
    #[command(verbatim_doc_comment)]
    Verify(VerifyArgs),

    /// Sensor streams: kHz records anchored in batches by the provider's anchoring daemon
    /// (issue 9), or a folder of sensor files registered record by record (`stream files`).
    #[command(subcommand)]
    Stream(StreamCommand),

    /// Relayer: re-encrypt one sale's capsule into storage and report the delivery.
    ///
    /// The relayer daemon (a later issue) does this for every sale; until then, this runs the
    /// same step once, in process, with the relayer's key: open the sealed kfrags, verify them
    /// against the seller's verifying key on chain, re-encrypt, store the cfrags next to the
    /// asset, send `ReportDelivery`.
    ///
    /// Examples:
    ///   twinshare --from relayer relay 12
    #[command(verbatim_doc_comment)]
    Relay(SaleArgs),

    /// Run the paper's scenario end to end on the localnet with the dev accounts.
    ///
    /// alice (User A) leases storage, uploads a generated vibration file, registers it (High,
    /// with a fee) and tokenizes it; bob (User B) buys it with a cw20 Send; alice grants; the
    /// running relayer daemon (`twinshare-relayer run`, checked at --relayer-http) re-encrypts
    /// and reports the delivery, which the demo waits for on chain (--in-process-relayer does
    /// that step in the demo itself, with the relayer's dev key, for use without a daemon); bob
    /// downloads, verifies against the chain and confirms. Re-runnable on the same chain.
    /// Prints each step with its tx hash, gas and latency, and the final balances.
    ///
    /// Examples:
    ///   scripts/demo.sh                      # chain, contracts, relayer daemon, then this
    ///   twinshare demo --size 8MiB --output json
    ///   twinshare demo --in-process-relayer  # no daemon running
    #[command(verbatim_doc_comment)]
    Demo(DemoArgs),

    /// Benchmarks of the paper's evaluation on this chain (prints figures, asserts nothing).
    #[command(subcommand)]
    Bench(BenchCommand),

    /// The sampling-rate market of the paper's Section 5 (no chain needed): which rate each
    /// seller should choose for a buyer's budget (Nash equilibrium), against uniform pricing.
    ///
    /// A buyer with budget B pays sellers in proportion to the satisfaction
    /// xi(r) = beta1 + beta2 log10(1 + r) their data gives; each seller picks its sampling rate r
    /// to maximize U = xi(r) / sum_k xi(r_k) * B - eps (alpha1 r + alpha2), keeping its energy
    /// cost within [C_eMin, C_eMax], r at most its raw rate R_j, and U at least U_min (or it does
    /// not take part).
    ///
    /// Examples:
    ///   twinshare market simulate                     # Section 6.2, files in ./market-results/
    ///   twinshare market simulate --prices 15,17 --reference-price 15 --out-dir /tmp/run
    ///   twinshare market simulate --params-file market.toml --output json
    ///   twinshare market solve --budget 200 --raw-rates 100,200,1000,500,800,300,600
    ///   twinshare market solve --budget 300 --raw-rates 100,200,1000 --price 16
    ///   echo '{"budget": 200, "raw_rates": [100, 200]}' | twinshare market solve --input - --output json
    #[command(subcommand, verbatim_doc_comment)]
    Market(twinshare_market::command::MarketCommand),
}

#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// Fig. 8 (Section 6.1): latency of sharing a sensor's latest file, for 1..N sensors at once.
    ///
    /// Per record, the paper's six steps: robot A (1) hashes, encrypts and uploads a generated
    /// CSV sensor file and (2) registers its root in the sensor's stream (to inclusion); robot B
    /// (3-4) queries the stream's latest record and (5-6) downloads it by its locator, decrypts
    /// it and verifies it against the root on chain. Robot B downloads owner-side (with the
    /// sensor's key; no sale, no re-encryption), as the paper's simplified evaluation does.
    ///
    /// Each sensor is a fresh account funded by --funder (with the fee denom and its lease's
    /// price) in one batched tx that also creates the run's channel; each buys one lease. The
    /// floor (a bank send to inclusion plus one storage put+get of a sensor file) is measured in
    /// the same run, and every latency is also printed as a multiple of it. Writes
    /// share-samples.csv, share-summary.csv and fig8-share-latency.svg into --out-dir.
    ///
    /// Examples:
    ///   twinshare bench share
    ///   twinshare bench share --sensors 1-10 --records 10 --file-size 64KiB
    ///   twinshare bench share --sensors 1,5,10 --records 3 --output json
    #[command(verbatim_doc_comment)]
    Share(BenchShareArgs),

    /// Issue 9: batched Merkle anchoring against one Register tx per record, in one run.
    ///
    /// Many simulated sensors (tokio tasks, one sensor key and stream each, all registered to
    /// one fresh owner funded by --funder) send signed Low batches to the anchoring daemon at
    /// --rate records/s each for --duration. Prints records anchored per second, the
    /// record-to-provable latency p50/p95/p99 (from the submit of a sampled record to the first
    /// 200 of its proof), proof size, AnchorBatch bytes on chain per record, the daemon's CPU and
    /// RSS (from /proc of --daemon-pid, else the process named twinshare-relayer), then the
    /// baseline: --baseline-senders accounts sending one Register tx per record for
    /// --baseline-duration, in records/s, and the ratio. --find-max steps the rate up until the
    /// p99 passes 2 block intervals and reports the largest sustained rate.
    ///
    /// Examples:
    ///   twinshare bench anchor --sensors 100 --rate 1000 --duration 60s
    ///   twinshare bench anchor --sensors 10 --rate 100 --duration 10s --output json
    ///   twinshare bench anchor --sensors 100 --find-max --duration 15s
    #[command(verbatim_doc_comment)]
    Anchor(BenchAnchorArgs),
}

#[derive(Debug, Clone, Args)]
pub struct BenchAnchorArgs {
    /// Simulated sensors (one stream each).
    #[arg(long, default_value_t = 100)]
    pub sensors: usize,
    /// Records per second of each sensor.
    #[arg(long, default_value_t = 1000)]
    pub rate: u64,
    /// How long the sensors publish.
    #[arg(long, value_parser = parse_duration_secs, default_value = "60s")]
    pub duration: u64,
    /// Payload bytes of each record.
    #[arg(long, default_value_t = 32)]
    pub record_size: u32,
    /// How often each sensor sends a batch, in ms.
    #[arg(long, default_value_t = 100)]
    pub batch_ms: u64,
    /// Latency samples: one record of every N-th batch of each sensor is polled for its proof.
    #[arg(long, default_value_t = 20)]
    pub sample_every: u64,
    /// The daemon's pid (for CPU and RSS) [default: the process named twinshare-relayer].
    #[arg(long)]
    pub daemon_pid: Option<u32>,
    /// Funds the fresh owner and baseline accounts: a key of the keystore or a dev account.
    #[arg(long, default_value = "alice")]
    pub funder: String,
    /// The storage provider whose lease covers the claimed bytes [default: configured/localnet].
    #[arg(long)]
    pub provider: Option<String>,
    /// Accounts sending one Register tx per record in the baseline (0 skips it).
    #[arg(long, default_value_t = 10)]
    pub baseline_senders: usize,
    /// How long the baseline runs.
    #[arg(long, value_parser = parse_duration_secs, default_value = "15s")]
    pub baseline_duration: u64,
    /// Step the rate up (x1.5 from --rate) until the p99 passes 2 block intervals.
    #[arg(long)]
    pub find_max: bool,
    #[command(flatten)]
    pub anchor: AnchorArgs,
}

#[derive(Debug, Clone, Args)]
pub struct BenchShareArgs {
    /// Sensor counts, each a round: a range (1-10), one count (4) or a list (1,2,5,10).
    #[arg(long, value_parser = crate::bench::share::parse_sensor_counts, default_value = "1-10")]
    pub sensors: crate::bench::share::SensorCounts,
    /// Records each sensor shares per round, back to back.
    #[arg(long, default_value_t = 10)]
    pub records: usize,
    /// Size of each generated sensor file (CSV).
    #[arg(long, value_parser = parse_size, default_value = "64KiB")]
    pub file_size: u64,
    /// Funds the fresh sensor accounts: a key of the keystore or a localnet dev account.
    #[arg(long, default_value = "alice")]
    pub funder: String,
    /// The storage provider [default: the configured provider, on the localnet `provider`].
    #[arg(long)]
    pub provider: Option<String>,
    /// Service fee of each record (High), in the registry's fee denom.
    #[arg(long, default_value_t = 0)]
    pub fee: u128,
    /// Samples of each floor measurement.
    #[arg(long, default_value_t = 5)]
    pub floor_samples: usize,
    /// How often a broadcast tx is looked up, in ms (the CLI's default is 100).
    #[arg(long, default_value_t = 20)]
    pub poll_ms: u64,
    /// How long the sensors' leases run.
    #[arg(long, value_parser = parse_duration_secs, default_value = "2h")]
    pub lease_duration: u64,
    /// Where the CSV files and the SVG go.
    #[arg(long, default_value = "bench-results/share")]
    pub out_dir: PathBuf,
}

#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Make a new identity: a fresh 24-word mnemonic, encrypted with a password.
    ///
    /// The mnemonic is printed once: write it down, it is the only backup of both the chain key
    /// and the Umbral keys.
    ///
    /// Examples:
    ///   twinshare keys add carol
    ///   TWINSHARE_PASSWORD=... twinshare keys add carol --output json
    ///   twinshare keys add scratch --unencrypted     # DEV ONLY
    #[command(verbatim_doc_comment)]
    Add {
        /// Key name (1-64 of A-Z a-z 0-9 . _ -).
        name: String,
        /// Store the mnemonic in clear, flagged DEV ONLY.
        #[arg(long)]
        unencrypted: bool,
        /// 12 or 24 words.
        #[arg(long, default_value_t = 24)]
        words: usize,
    },

    /// Import an identity from its mnemonic (from a file, or typed at a hidden prompt), or the
    /// localnet's dev accounts.
    ///
    /// Examples:
    ///   twinshare keys import carol --mnemonic-file carol.txt
    ///   twinshare keys import --dev-accounts localnet/dev-accounts.json
    #[command(verbatim_doc_comment)]
    Import {
        /// Key name (not with --dev-accounts).
        #[arg(required_unless_present = "dev_accounts")]
        name: Option<String>,
        /// A file holding the mnemonic.
        #[arg(long, value_name = "FILE", conflicts_with = "dev_accounts")]
        mnemonic_file: Option<PathBuf>,
        /// Store the mnemonic in clear, flagged DEV ONLY.
        #[arg(long)]
        unencrypted: bool,
        /// Import every account of a dev-accounts.json (unencrypted, flagged dev account).
        #[arg(long, value_name = "FILE")]
        dev_accounts: Option<PathBuf>,
    },

    /// Import the localnet's dev accounts (alice, bob, provider, relayer, ...), unencrypted and
    /// flagged as dev accounts: their mnemonics are public, never use them on a real network.
    ///
    /// Examples:
    ///   twinshare keys import-dev
    ///   twinshare keys import-dev --file localnet/dev-accounts.json
    #[command(verbatim_doc_comment)]
    ImportDev {
        /// The dev-accounts file [default: the one built into this binary].
        #[arg(long, value_name = "FILE")]
        file: Option<PathBuf>,
    },

    /// List your keys, flagging the unencrypted (DEV ONLY) ones.
    ///
    /// Examples:
    ///   twinshare keys list
    #[command(verbatim_doc_comment)]
    List,

    /// Show a key's address and Umbral public keys (no password needed).
    ///
    /// Examples:
    ///   twinshare keys show alice
    #[command(verbatim_doc_comment)]
    Show { name: String },

    /// Print a key's mnemonic (after its password), to back it up or move it to a wallet.
    ///
    /// Examples:
    ///   twinshare keys export carol
    #[command(verbatim_doc_comment)]
    Export { name: String },

    /// Delete a key file. Without its mnemonic the identity is gone.
    ///
    /// Examples:
    ///   twinshare keys delete scratch --yes
    #[command(verbatim_doc_comment)]
    Delete {
        name: String,
        /// Really delete.
        #[arg(long)]
        yes: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Show the effective configuration and where each part comes from.
    ///
    /// Examples:
    ///   twinshare config show
    #[command(verbatim_doc_comment)]
    Show,

    /// Copy a deployment file's chain and contracts into the config file.
    ///
    /// Examples:
    ///   twinshare config import localnet/deployment.json
    #[command(verbatim_doc_comment)]
    Import {
        /// The deployment file (localnet/deploy.sh writes localnet/deployment.json).
        path: PathBuf,
    },

    /// Set defaults in the config file.
    ///
    /// Examples:
    ///   twinshare config set --default-key alice --storage fs:///srv/twinshare
    #[command(verbatim_doc_comment)]
    Set {
        /// The key to sign with when --from is not given.
        #[arg(long)]
        default_key: Option<String>,
        /// The storage provider's address (or key / account name).
        #[arg(long)]
        provider: Option<String>,
        /// Storage URI.
        #[arg(long)]
        storage: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum PartyCommand {
    /// Register (or update) your party: your Umbral verifying key and a display name.
    ///
    /// Buyers and relayers check kfrags and cfrags against this key, taken from the chain.
    ///
    /// Examples:
    ///   twinshare --from alice party register --name "welding robot A operator"
    #[command(verbatim_doc_comment)]
    Register {
        /// Display name, 1-64 characters [default: the key name].
        #[arg(long)]
        name: Option<String>,
    },

    /// Show a party (an address, key or account name) [default: --from].
    ///
    /// Examples:
    ///   twinshare party show bob
    #[command(verbatim_doc_comment)]
    Show { who: Option<String> },
}

#[derive(Debug, Subcommand)]
pub enum ChannelCommand {
    /// Create a channel you administer, with its first members (addresses or names).
    ///
    /// Examples:
    ///   twinshare --from alice channel create welding bob
    #[command(verbatim_doc_comment)]
    Create { id: String, members: Vec<String> },

    /// Add members (channel admin only).
    ///
    /// Examples:
    ///   twinshare --from alice channel add welding carol
    #[command(verbatim_doc_comment)]
    Add {
        id: String,
        #[arg(required = true)]
        members: Vec<String>,
    },

    /// Remove members (channel admin only).
    ///
    /// Examples:
    ///   twinshare --from alice channel remove welding carol
    #[command(verbatim_doc_comment)]
    Remove {
        id: String,
        #[arg(required = true)]
        members: Vec<String>,
    },

    /// Show a channel and its members.
    ///
    /// Examples:
    ///   twinshare channel show welding
    #[command(verbatim_doc_comment)]
    Show { id: String },
}

#[derive(Debug, Subcommand)]
pub enum ProviderCommand {
    /// List as a storage provider (price per byte-second, payment denom, relayer).
    ///
    /// The relayer's Umbral public key is the relayer identity's relayer key: give the relayer's
    /// key name (`--relayer relayer`) and it is derived, or pass --relayer-pubkey.
    ///
    /// Examples:
    ///   twinshare --from provider provider register --price 0.0000003 --relayer relayer
    #[command(verbatim_doc_comment)]
    Register {
        /// Price of one byte for one second, a decimal (e.g. 0.0000003).
        #[arg(long)]
        price: String,
        /// `cw20` (the deployment's payment token, default), `cw20:<address>` or `native:<denom>`.
        #[arg(long, default_value = "cw20")]
        denom: String,
        /// The relayer's account (key name, account name or address) [default: you].
        #[arg(long)]
        relayer: Option<String>,
        /// The relayer's Umbral public key, hex [default: derived from --relayer's key].
        #[arg(long)]
        relayer_pubkey: Option<String>,
        /// Where your storage is reached [default: the storage URI in use].
        #[arg(long)]
        endpoint: Option<String>,
    },

    /// Show a provider [default: the configured provider].
    ///
    /// Examples:
    ///   twinshare provider show
    #[command(verbatim_doc_comment)]
    Show { who: Option<String> },

    /// List providers.
    ///
    /// Examples:
    ///   twinshare provider list
    #[command(verbatim_doc_comment)]
    List,
}

#[derive(Debug, Subcommand)]
pub enum LeaseCommand {
    /// Price a lease.
    ///
    /// Examples:
    ///   twinshare lease quote --bytes 64MiB --duration 30d
    #[command(verbatim_doc_comment)]
    Quote(LeaseSpec),

    /// Buy a lease, paid in the provider's denom (cw20 Send or native funds).
    ///
    /// Examples:
    ///   twinshare --from alice lease buy --bytes 64MiB --duration 30d
    #[command(verbatim_doc_comment)]
    Buy(LeaseSpec),

    /// Your leases [default: --from] and your capacity with the provider.
    ///
    /// Examples:
    ///   twinshare --from alice lease list
    #[command(verbatim_doc_comment)]
    List { owner: Option<String> },

    /// Cancel a lease; what has not elapsed is refunded.
    ///
    /// Examples:
    ///   twinshare --from alice lease cancel 4
    #[command(verbatim_doc_comment)]
    Cancel { lease_id: u64 },
}

#[derive(Debug, Clone, Args)]
pub struct LeaseSpec {
    /// Bytes to lease (e.g. 64MiB).
    #[arg(long, value_parser = parse_size)]
    pub bytes: u64,
    /// How long (e.g. 30d, 12h, 3600).
    #[arg(long, value_parser = parse_duration_secs, default_value = "30d")]
    pub duration: u64,
    /// The provider [default: the configured provider, on the localnet the `provider` account].
    #[arg(long)]
    pub provider: Option<String>,
}

/// Time-sensitivity of a record (paper Rule 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LevelArg {
    /// Time-sensitive (sensor) data; may carry a service fee (--fee).
    High,
    /// Plans, specifications; no fee.
    Low,
}

#[derive(Debug, Clone, Args)]
pub struct RegisterOpts {
    /// The channel the record belongs to (you must be a member).
    #[arg(long)]
    pub channel: String,
    /// The storage provider holding the data [default: the configured provider].
    #[arg(long)]
    pub provider: Option<String>,
    /// Plaintext bytes per fragment (the root depends on it).
    #[arg(long, value_parser = parse_size, default_value = "4MiB")]
    pub fragment_size: u64,
}

#[derive(Debug, Clone, Args)]
pub struct UploadArgs {
    /// The file to upload.
    pub file: PathBuf,
    #[command(flatten)]
    pub register: RegisterOpts,
    /// High (sensor data, with --fee) or low.
    #[arg(long, value_enum, default_value_t = LevelArg::High)]
    pub level: LevelArg,
    /// Service fee of a High record, in the registry's fee denom (ustake on the localnet).
    #[arg(long, default_value_t = 0)]
    pub fee: u128,
    /// Register the record as the next of this stream.
    #[arg(long)]
    pub stream: Option<String>,
    /// Only upload; print the root and locator without registering.
    #[arg(long)]
    pub no_register: bool,
}

#[derive(Debug, Clone, Args)]
pub struct TokenizeArgs {
    /// The record to list (from `upload`).
    pub record_id: u64,
    #[command(flatten)]
    pub terms: ListingTerms,
    /// Kind of data.
    #[arg(long, default_value = "sensor")]
    pub kind: String,
    /// The equipment the data is about.
    #[arg(long)]
    pub equipment: Option<String>,
    /// Samples per second.
    #[arg(long)]
    pub rate: Option<u64>,
    /// Schema or format, e.g. csv:t,ax,ay,az.
    #[arg(long)]
    pub schema: Option<String>,
    /// Free text.
    #[arg(long, default_value = "")]
    pub description: String,
}

/// Paper 4.4's openness levels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OpennessArg {
    Public,
    Partial,
    Private,
}

#[derive(Debug, Clone, Args)]
pub struct AssetsArgs {
    /// One asset.
    #[arg(long, conflicts_with_all = ["owner", "public"])]
    pub id: Option<u64>,
    /// Assets of one owner (address or name).
    #[arg(long)]
    pub owner: Option<String>,
    /// Only public assets.
    #[arg(long)]
    pub public: bool,
    /// Most assets to list.
    #[arg(long, default_value_t = 50)]
    pub limit: u32,
}

#[derive(Debug, Clone, Args)]
pub struct SaleAssetArgs {
    /// The asset to buy.
    pub asset_id: u64,
}

#[derive(Debug, Clone, Args)]
pub struct SaleArgs {
    /// The sale (from `buy` or `sales`).
    pub sale_id: u64,
}

#[derive(Debug, Clone, Args)]
pub struct DisputeArgs {
    pub sale_id: u64,
    /// Why, for the arbiter (at most 512 bytes).
    #[arg(long)]
    pub reason: String,
}

#[derive(Debug, Clone, Args)]
pub struct SellerAgentArgs {
    /// Catch up on pending sales, then exit.
    #[arg(long)]
    pub once: bool,
}

/// Which side of sales to list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SideArg {
    Buyer,
    Seller,
}

#[derive(Debug, Clone, Args)]
pub struct SalesArgs {
    /// List the sales where you are the buyer or the seller.
    #[arg(long = "as", value_enum, default_value_t = SideArg::Buyer)]
    pub side: SideArg,
}

#[derive(Debug, Clone, Args)]
pub struct DownloadArgs {
    /// As a buyer: the sale.
    #[arg(long, conflicts_with = "record", required_unless_present = "record")]
    pub sale: Option<u64>,
    /// As the owner: the record.
    #[arg(long)]
    pub record: Option<u64>,
    /// Output file (or folder).
    #[arg(short, long)]
    pub output_file: PathBuf,
    /// Replace an existing output file.
    #[arg(long)]
    pub overwrite: bool,
}

#[derive(Debug, Clone, Args)]
pub struct VerifyArgs {
    /// The local file.
    pub file: PathBuf,
    /// Fragment size the file was uploaded with.
    #[arg(long, value_parser = parse_size, default_value = "4MiB")]
    pub fragment_size: u64,
}

#[derive(Debug, Clone, Args)]
pub struct StreamArgs {
    /// Folder of sensor files, published in name order.
    pub dir: PathBuf,
    /// Stream id (1-64 of A-Z a-z 0-9 _ . -); the first registrant owns it.
    #[arg(long)]
    pub stream: String,
    #[command(flatten)]
    pub register: RegisterOpts,
    /// Service fee of each record (High), in the registry's fee denom.
    #[arg(long, default_value_t = 0)]
    pub fee: u128,
}

/// Where the anchoring daemon listens.
#[derive(Debug, Clone, Args)]
pub struct AnchorArgs {
    /// The anchoring daemon's HTTP API (`[anchor] listen` of the relayer daemon).
    #[arg(
        long,
        env = "TWINSHARE_ANCHOR_URL",
        default_value = "127.0.0.1:9470",
        value_name = "ADDR"
    )]
    pub anchor_url: String,
}

#[derive(Debug, Subcommand)]
pub enum StreamCommand {
    /// Sensor keys: each sensor signs its claim batches with a key derived from your master key
    /// and its name, registered on chain (data-registry `RegisterSensor`).
    #[command(subcommand)]
    Sensor(SensorCommand),

    /// Payment channels for High claims (payment-channel contract, deposits in TWIN).
    #[command(subcommand)]
    Channel(PaymentChannelCommand),

    /// Send a live sensor series to the anchoring daemon in signed batches, and store the
    /// payloads as encrypted epochs.
    ///
    /// Records come from a file or stdin (one record per line, the line's bytes are the payload)
    /// or are generated (a vibration sample as CSV text at --rate for --duration). Every
    /// --batch-ms the records so far go out as one batch signed by the sensor's key, seqs
    /// continuing from the daemon's. High batches carry a cumulative voucher on --channel
    /// (--fee-per-record per record). Accepted records are sealed into epochs (one Umbral
    /// capsule each, every --epoch-secs or --epoch-records) in the storage backend. Progress
    /// goes to stderr; the summary lists the epochs' locators for `stream verify`.
    ///
    /// Examples:
    ///   twinshare --from alice stream publish --stream press-7/vib --sensor press-7 --generate --rate 1000 --duration 60s
    ///   tail -f vib.csv | twinshare --from alice stream publish --stream press-7/vib --sensor press-7 --stdin
    ///   twinshare --from alice stream publish --stream press-7/vib --sensor press-7 --file vib.csv --high --fee-per-record 2 --channel 1
    #[command(verbatim_doc_comment)]
    Publish(PublishArgs),

    /// Fetch a record's inclusion proof from the daemon and check it offline and on chain
    /// (registry `Batch` root and `VerifyInclusion`). Fails unless all checks pass.
    ///
    /// Examples:
    ///   twinshare stream prove --owner alice --stream press-7/vib --seq 41
    ///   twinshare stream prove --owner wasm1... --stream press-7/vib --seq 0 --output json
    #[command(verbatim_doc_comment)]
    Prove(ProveArgs),

    /// Download and decrypt a stream epoch, recompute every record's leaf and check it against
    /// its proof and the anchored root on chain. Fails on any mismatch.
    ///
    /// As the owner: name the epoch (--epoch, or --stream and --first-seq). As a buyer: name the
    /// sale (--sale, from `buy`); the epoch opens with the cfrags the relayer delivered, must
    /// hash to the record's root on chain, and its owner must be the record's and the seller.
    ///
    /// Examples:
    ///   twinshare --from alice stream verify --epoch assets/epoch-1f2e.../manifest.json
    ///   twinshare --from alice stream verify --stream press-7/vib --first-seq 0
    ///   twinshare --from bob stream verify --sale 12
    #[command(verbatim_doc_comment)]
    Verify(StreamVerifyArgs),

    /// Offer one of your stream epochs for sale: register it (its manifest's root, like
    /// `upload`) and list it (like `tokenize`). A buyer runs `buy`, and once delivered checks
    /// every record with `stream verify --sale`. Nothing is sent unless the epoch opens with
    /// your key and names you as its owner.
    ///
    /// Examples:
    ///   twinshare --from alice stream offer --epoch assets/epoch-1f2e.../manifest.json --channel welding --price 5000
    ///   twinshare --from alice stream offer --stream press-7/vib --first-seq 0 --channel welding --price 5000 --level low
    #[command(verbatim_doc_comment)]
    Offer(OfferArgs),

    /// Publish a folder of sensor files as a stream: each file, in name order, is uploaded and
    /// registered as the next record of the stream (one Register tx per record, High level).
    ///
    /// Examples:
    ///   twinshare --from alice stream files ./samples --stream robot-A-vibration --channel welding --fee 1000
    #[command(verbatim_doc_comment)]
    Files(StreamArgs),
}

#[derive(Debug, Subcommand)]
pub enum SensorCommand {
    /// Register sensor NAME: its key comes from your master key and the name.
    ///
    /// Examples:
    ///   twinshare --from alice stream sensor add press-7
    #[command(verbatim_doc_comment)]
    Add {
        /// Sensor name, 1-64 characters (part of the key derivation: keep it).
        name: String,
    },

    /// Your registered sensors.
    ///
    /// Examples:
    ///   twinshare --from alice stream sensor list
    #[command(verbatim_doc_comment)]
    List,
}

#[derive(Debug, Subcommand)]
pub enum PaymentChannelCommand {
    /// Open a payment channel to the anchoring daemon's account with a TWIN deposit (cw20 Send).
    ///
    /// Examples:
    ///   twinshare --from alice stream channel open --deposit 100000
    ///   twinshare --from alice stream channel open --deposit 5000 --payee relayer --close-timeout 1h
    #[command(verbatim_doc_comment)]
    Open {
        /// Deposit, in TWIN units.
        #[arg(long)]
        deposit: u128,
        /// Who redeems the vouchers [default: the deployment's `relayer` account].
        #[arg(long)]
        payee: Option<String>,
        /// Time between a close request and your withdrawal.
        #[arg(long, value_parser = parse_duration_secs, default_value = "1h")]
        close_timeout: u64,
    },

    /// Show a channel: deposit, redeemed, refunded.
    ///
    /// Examples:
    ///   twinshare stream channel show 1
    #[command(verbatim_doc_comment)]
    Show { id: u64 },
}

#[derive(Debug, Clone, Args)]
#[command(group(clap::ArgGroup::new("source").required(true)))]
pub struct PublishArgs {
    /// The stream (1-128 bytes, e.g. press-7/vib).
    #[arg(long)]
    pub stream: String,
    /// The sensor (`stream sensor add NAME`) that signs.
    #[arg(long)]
    pub sensor: String,
    /// Records from a file, one per line.
    #[arg(long, group = "source", value_name = "FILE")]
    pub file: Option<PathBuf>,
    /// Records from standard input, one per line, until it closes.
    #[arg(long, group = "source")]
    pub stdin: bool,
    /// Generated records (--rate, --duration, --record-size).
    #[arg(long, group = "source")]
    pub generate: bool,
    /// Records per second (generated; file and stdin are paced by it too when given).
    #[arg(long)]
    pub rate: Option<u64>,
    /// How long to generate.
    #[arg(long, value_parser = parse_duration_secs, default_value = "10s")]
    pub duration: u64,
    /// Payload bytes of a generated record (at least 16).
    #[arg(long, default_value_t = 48)]
    pub record_size: u32,
    /// Batch interval in ms.
    #[arg(long, default_value_t = 100)]
    pub batch_ms: u64,
    /// Most records in one batch.
    #[arg(long, default_value_t = 1000)]
    pub max_batch: usize,
    /// Pay for priority: High claims with a voucher on --channel.
    #[arg(long, requires_all = ["fee_per_record", "channel"])]
    pub high: bool,
    /// Fee per High record, in TWIN units.
    #[arg(long, requires = "high")]
    pub fee_per_record: Option<u128>,
    /// The payment channel (`stream channel open`).
    #[arg(long, requires = "high")]
    pub channel: Option<u64>,
    /// Seconds of records per epoch.
    #[arg(long, value_parser = parse_duration_secs, default_value = "10s")]
    pub epoch_secs: u64,
    /// Most records per epoch.
    #[arg(long, default_value_t = 10_000)]
    pub epoch_records: usize,
    /// Only anchor; store no epochs.
    #[arg(long)]
    pub no_store: bool,
    #[command(flatten)]
    pub anchor: AnchorArgs,
}

#[derive(Debug, Clone, Args)]
pub struct ProveArgs {
    /// The stream's owner (address, key or account name) [default: --from].
    #[arg(long)]
    pub owner: Option<String>,
    #[arg(long)]
    pub stream: String,
    #[arg(long)]
    pub seq: u64,
    /// How long to wait for a pending record to be anchored.
    #[arg(long, value_parser = parse_duration_secs, default_value = "10s")]
    pub wait: u64,
    #[command(flatten)]
    pub anchor: AnchorArgs,
}

#[derive(Debug, Clone, Args)]
#[command(group(clap::ArgGroup::new("which_epoch").required(true).args(["epoch", "stream", "sale"])))]
pub struct StreamVerifyArgs {
    #[command(flatten)]
    pub which: EpochSelector,
    /// As a buyer: the sale of an epoch (from `buy`), once the relayer delivered it.
    #[arg(long)]
    pub sale: Option<u64>,
    /// How long to wait for records still pending.
    #[arg(long, value_parser = parse_duration_secs, default_value = "10s")]
    pub wait: u64,
    #[command(flatten)]
    pub anchor: AnchorArgs,
}

/// One of your stream epochs: by its locator, or by its stream and first seq (`stream verify`,
/// `stream offer`).
#[derive(Debug, Clone, Args)]
pub struct EpochSelector {
    /// The epoch's locator (`assets/<id>/manifest.json`, from `stream publish`).
    #[arg(long)]
    pub epoch: Option<String>,
    /// The stream, with --first-seq: your epoch starting at that seq.
    #[arg(long, requires = "first_seq")]
    pub stream: Option<String>,
    #[arg(long, requires = "stream")]
    pub first_seq: Option<u64>,
}

/// The terms of a data-token listing (`tokenize`, `stream offer`).
#[derive(Debug, Clone, Args)]
pub struct ListingTerms {
    /// Price, in the smallest unit of the denom.
    #[arg(long)]
    pub price: u128,
    /// `cw20` (the payment token, default), `cw20:<address>` or `native:<denom>`.
    #[arg(long, default_value = "cw20")]
    pub denom: String,
    /// Who may buy: public (any channel member), partial (--allow list) or private.
    #[arg(long, value_enum, default_value_t = OpennessArg::Public)]
    pub openness: OpennessArg,
    /// Allowed buyers of a partial asset (addresses or names); repeatable.
    #[arg(long)]
    pub allow: Vec<String>,
}

#[derive(Debug, Clone, Args)]
#[command(group(clap::ArgGroup::new("which_epoch").required(true).args(["epoch", "stream"])))]
pub struct OfferArgs {
    #[command(flatten)]
    pub which: EpochSelector,
    #[command(flatten)]
    pub terms: ListingTerms,
    /// The channel the record belongs to (you must be a member; buyers too, for a public
    /// listing).
    #[arg(long)]
    pub channel: String,
    /// The storage provider holding the epoch [default: the configured provider].
    #[arg(long)]
    pub provider: Option<String>,
    /// High (sensor data, with --fee) or low.
    #[arg(long, value_enum, default_value_t = LevelArg::High)]
    pub level: LevelArg,
    /// Service fee of a High record, in the registry's fee denom (ustake on the localnet).
    #[arg(long, default_value_t = 0)]
    pub fee: u128,
    /// The equipment the data is about.
    #[arg(long)]
    pub equipment: Option<String>,
    /// Schema or format of the payloads, e.g. csv:t,ax,ay,az.
    #[arg(long)]
    pub schema: Option<String>,
    /// Free text [default: the stream and its seqs].
    #[arg(long)]
    pub description: Option<String>,
}

#[derive(Debug, Clone, Args)]
pub struct DemoArgs {
    /// Size of the generated vibration file.
    #[arg(long, value_parser = parse_size, default_value = "4MiB")]
    pub size: u64,
    /// Channel to use (created with alice and bob if it does not exist).
    #[arg(long, default_value = "welding")]
    pub channel: String,
    /// The asset's price in TWIN units (cw20).
    #[arg(long, default_value_t = 50_000)]
    pub price: u128,
    /// The record's service fee (High level), in ustake.
    #[arg(long, default_value_t = 1_000)]
    pub fee: u128,
    /// Where the generated and downloaded files go [default: a temporary folder].
    #[arg(long)]
    pub work_dir: Option<PathBuf>,
    /// Do the relayer's step in the demo itself (relayer dev key) instead of waiting for a
    /// running `twinshare-relayer` daemon.
    #[arg(long)]
    pub in_process_relayer: bool,
    /// The relayer daemon's HTTP endpoint, checked before the sale ("" skips the check).
    #[arg(
        long,
        default_value = "127.0.0.1:9464",
        conflicts_with = "in_process_relayer"
    )]
    pub relayer_http: String,
    /// How long to wait for the daemon's delivery after the re-key.
    #[arg(long, value_parser = parse_duration_secs, default_value = "60s", conflicts_with = "in_process_relayer")]
    pub relayer_timeout: u64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
        Cli::try_parse_from(std::iter::once("twinshare").chain(args.iter().copied()))
    }

    #[test]
    fn the_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn global_flags_go_anywhere() {
        let cli = parse(&[
            "upload",
            "f.csv",
            "--channel",
            "welding",
            "--from",
            "alice",
            "--output",
            "json",
            "--fee",
            "1000",
        ])
        .expect("parse");
        assert_eq!(cli.global.from.as_deref(), Some("alice"));
        assert_eq!(cli.global.output, OutputMode::Json);
        let Command::Upload(u) = cli.command else {
            panic!("not upload")
        };
        assert_eq!(u.level, LevelArg::High);
        assert_eq!(u.fee, 1000);
        assert_eq!(u.register.fragment_size, 4 << 20);
        assert_eq!(u.register.channel, "welding");
    }

    #[test]
    fn units_and_choices_parse() {
        let cli = parse(&["lease", "buy", "--bytes", "64MiB", "--duration", "2d"]).expect("parse");
        let Command::Lease(LeaseCommand::Buy(spec)) = cli.command else {
            panic!("not lease buy")
        };
        assert_eq!(spec.bytes, 64 << 20);
        assert_eq!(spec.duration, 2 * 86_400);
        assert!(parse(&["lease", "buy", "--bytes", "lots"]).is_err());
        assert!(parse(&["upload", "f", "--channel", "c", "--level", "urgent"]).is_err());
        let cli = parse(&["demo"]).expect("demo");
        let Command::Demo(d) = cli.command else {
            panic!("not demo")
        };
        assert_eq!(d.size, 4 << 20);
        assert_eq!(d.channel, "welding");
        assert!(!d.in_process_relayer);
        assert_eq!(d.relayer_http, "127.0.0.1:9464");
        assert_eq!(d.relayer_timeout, 60);
        let cli = parse(&["demo", "--in-process-relayer"]).expect("demo");
        let Command::Demo(d) = cli.command else {
            panic!("not demo")
        };
        assert!(d.in_process_relayer);
        assert!(parse(&["demo", "--in-process-relayer", "--relayer-timeout", "5s"]).is_err());
    }

    #[test]
    fn keys_and_downloads_need_their_arguments() {
        assert!(parse(&["keys", "import"]).is_err());
        assert!(parse(&["keys", "import", "--dev-accounts", "x.json"]).is_ok());
        assert!(parse(&["keys", "import", "carol", "--mnemonic-file", "m.txt"]).is_ok());
        assert!(parse(&["download", "-o", "out"]).is_err());
        assert!(parse(&["download", "--sale", "1", "--record", "2", "-o", "out"]).is_err());
        let cli = parse(&["download", "--sale", "4", "-o", "out"]).expect("download");
        let Command::Download(d) = cli.command else {
            panic!("not download")
        };
        assert_eq!(d.sale, Some(4));
        let cli = parse(&["sales", "--as", "seller"]).expect("sales");
        let Command::Sales(s) = cli.command else {
            panic!("not sales")
        };
        assert_eq!(s.side, SideArg::Seller);
    }

    #[test]
    fn stream_commands_need_a_source_and_high_needs_its_channel() {
        let base = ["stream", "publish", "--stream", "a/b", "--sensor", "s1"];
        let with = |extra: &[&str]| {
            let mut v = base.to_vec();
            v.extend_from_slice(extra);
            parse(&v)
        };
        assert!(with(&[]).is_err(), "a source is required");
        assert!(
            with(&["--file", "f", "--stdin"]).is_err(),
            "one source only"
        );
        let cli = with(&["--generate", "--rate", "1000", "--duration", "60s"]).expect("publish");
        let Command::Stream(StreamCommand::Publish(p)) = cli.command else {
            panic!("not stream publish")
        };
        assert_eq!((p.rate, p.duration, p.batch_ms), (Some(1000), 60, 100));
        assert_eq!(p.anchor.anchor_url, "127.0.0.1:9470");
        assert!(with(&["--generate", "--high"]).is_err());
        assert!(with(&["--generate", "--fee-per-record", "2"]).is_err());
        assert!(with(&[
            "--generate",
            "--high",
            "--fee-per-record",
            "2",
            "--channel",
            "1"
        ])
        .is_ok());
        assert!(parse(&["stream", "verify"]).is_err());
        assert!(parse(&["stream", "verify", "--stream", "a"]).is_err());
        assert!(parse(&["stream", "verify", "--stream", "a", "--first-seq", "0"]).is_ok());
        assert!(parse(&["stream", "verify", "--epoch", "assets/x/manifest.json"]).is_ok());
        assert!(parse(&["stream", "verify", "--sale", "3"]).is_ok());
        assert!(parse(&["stream", "verify", "--sale", "3", "--epoch", "e"]).is_err());
        assert!(parse(&[
            "stream",
            "verify",
            "--sale",
            "3",
            "--stream",
            "a",
            "--first-seq",
            "0"
        ])
        .is_err());
        assert!(parse(&[
            "stream",
            "verify",
            "--epoch",
            "e",
            "--stream",
            "a",
            "--first-seq",
            "0"
        ])
        .is_err());
        let offer = ["stream", "offer", "--channel", "c", "--price", "5"];
        let with_offer = |extra: &[&str]| {
            let mut v = offer.to_vec();
            v.extend_from_slice(extra);
            parse(&v)
        };
        assert!(with_offer(&[]).is_err(), "an offer names its epoch");
        assert!(with_offer(&["--stream", "a"]).is_err());
        assert!(with_offer(&["--epoch", "e", "--stream", "a", "--first-seq", "1"]).is_err());
        let cli = with_offer(&["--stream", "a/b", "--first-seq", "200"]).expect("offer");
        let Command::Stream(StreamCommand::Offer(o)) = cli.command else {
            panic!("not stream offer")
        };
        assert_eq!(
            (o.which.first_seq, o.terms.price, o.level),
            (Some(200), 5, LevelArg::High)
        );
        assert!(
            parse(&["stream", "offer", "--epoch", "e", "--channel", "c"]).is_err(),
            "a price"
        );
        assert!(parse(&["stream", "files", "dir", "--stream", "s", "--channel", "c"]).is_ok());
        let cli = parse(&["bench", "anchor"]).expect("bench anchor");
        let Command::Bench(BenchCommand::Anchor(b)) = cli.command else {
            panic!("not bench anchor")
        };
        assert_eq!((b.sensors, b.rate, b.duration), (100, 1000, 60));
    }

    #[test]
    fn every_command_teaches_with_examples() {
        let mut cmd = Cli::command();
        cmd.build();
        let mut missing = vec![];
        fn walk(cmd: &clap::Command, path: String, missing: &mut Vec<String>) {
            let subs: Vec<_> = cmd
                .get_subcommands()
                .filter(|s| s.get_name() != "help")
                .collect();
            if subs.is_empty() {
                let about = cmd
                    .get_long_about()
                    .or(cmd.get_about())
                    .map(|s| s.to_string())
                    .unwrap_or_default();
                if !about.contains("Examples:") {
                    missing.push(path.clone());
                }
            }
            for s in subs {
                walk(s, format!("{path} {}", s.get_name()), missing);
            }
        }
        walk(&cmd, String::new(), &mut missing);
        assert!(missing.is_empty(), "commands without examples: {missing:?}");
    }
}
