//! Helpers of TwinShare's end-to-end tests: a real wasmd localnet with the real wasm contracts,
//! real blocks, real `fs` storage, and the real `twinshare` binary.
//!
//! Needs `localnet/start.sh && localnet/deploy.sh` first. Without a reachable chain every test
//! FAILS with a message saying so; none passes silently.
//!
//! How the tests reach the binary: Cargo only builds the binaries of the package under test
//! (`CARGO_BIN_EXE_*`), and `twinshare` lives in `twinshare-cli`. So [`twinshare_bin`] runs
//! `cargo build -p twinshare-cli --bin twinshare` once per test process (a no-op when it is fresh;
//! Cargo releases the build lock before it runs the tests) and takes the executable's path from
//! Cargo's JSON messages, which also follows `CARGO_TARGET_DIR`. `$TWINSHARE_BIN` overrides it.
//! User-facing steps run through that binary ([`Cli`], one private `TWINSHARE_HOME`, data, state
//! and `fs` storage folder per test); setup and checks of chain state use the `twinshare_cli`
//! library and the chain client directly ([`Localnet`]).
//!
//! Accounts: the dev accounts `alice` (User A) and `bob` (User B) act in the paper's workflow;
//! throwaway accounts (fresh mnemonics, funded by `alice` in one batched tx) act elsewhere, so
//! every run uses fresh keys, channels and data. Nothing here sends from `admin`, which the
//! relayer's tests fund their parties from, so both suites can share the chain at once.

pub mod daemon;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use cosmwasm_std::{Decimal, HexBinary};
use prost::Message as _;
use serde_json::Value;
use tempfile::TempDir;
use twinshare_cli::chain::{Actor, Chain};
use twinshare_cli::commands::provider::{ensure_provider, Listing};
use twinshare_cli::config::Network;
use twinshare_cli::identity::{generate_mnemonic, Identity};
use twinshare_client::cosmrs::proto::cosmwasm::wasm::v1::{
    QuerySmartContractStateRequest, QuerySmartContractStateResponse,
};
use twinshare_client::tendermint_rpc::Client as _;
use twinshare_client::{Coin, Contracts, Deployment, Msg, TxOutcome};
use twinshare_crypto::Codec;
use twinshare_types::{CheckedDenom, Denom};
use twinshare_uploader::{Operator, StorageConfig};

/// What to do when there is no chain.
pub const START: &str = "run `localnet/start.sh && localnet/deploy.sh` first";

/// The fee denom of the localnet.
pub const USTAKE: &str = "ustake";

/// The repository root.
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from(".."))
}

/// `localnet/deployment.json`, or the file `$TWINSHARE_E2E_DEPLOYMENT` names.
pub fn deployment_path() -> PathBuf {
    std::env::var_os("TWINSHARE_E2E_DEPLOYMENT")
        .filter(|p| !p.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| repo().join("localnet/deployment.json"))
}

/// A random lowercase hex suffix, so reruns and parallel tests never collide.
pub fn suffix() -> String {
    let mut b = [0u8; 5];
    getrandom::getrandom(&mut b).expect("OS RNG");
    hex::encode(b)
}

/// A random u64 (sample seeds).
pub fn random_u64() -> u64 {
    let mut b = [0u8; 8];
    getrandom::getrandom(&mut b).expect("OS RNG");
    u64::from_le_bytes(b)
}

pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or_default()
}

/// The `twinshare` executable, built once per test process (see the module documentation).
pub fn twinshare_bin() -> PathBuf {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| cargo_bin("TWINSHARE_BIN", "twinshare-cli", "twinshare"))
        .clone()
}

/// The `twinshare-relayer` daemon's executable, built the same way (`$TWINSHARE_RELAYER_BIN`
/// overrides it).
pub fn relayer_bin() -> PathBuf {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        cargo_bin(
            "TWINSHARE_RELAYER_BIN",
            "twinshare-relayer",
            "twinshare-relayer",
        )
    })
    .clone()
}

/// `cargo build -p PACKAGE --bin BIN` (the profile of this test build); the executable's path
/// from Cargo's JSON messages, or `$OVERRIDE` when set.
fn cargo_bin(override_var: &str, package: &str, bin: &str) -> PathBuf {
    if let Some(path) = std::env::var_os(override_var).filter(|p| !p.is_empty()) {
        return PathBuf::from(path);
    }
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.args([
        "build",
        "-p",
        package,
        "--bin",
        bin,
        "--message-format",
        "json-render-diagnostics",
    ])
    .current_dir(repo())
    .stdin(Stdio::null());
    // What Cargo sets for this test process describes this package, not the build: build
    // scripts that watch such variables (ring's watches CARGO_MANIFEST_DIR) would rebuild.
    for (key, _) in std::env::vars_os() {
        let Some(key) = key.to_str() else { continue };
        if key.starts_with("CARGO_PKG_")
            || [
                "CARGO_MANIFEST_DIR",
                "CARGO_MANIFEST_PATH",
                "CARGO_CRATE_NAME",
                "CARGO_BIN_NAME",
                "CARGO_PRIMARY_PACKAGE",
                "CARGO_TARGET_TMPDIR",
                "CARGO_RUSTC_CURRENT_DIR",
                "OUT_DIR",
            ]
            .contains(&key)
        {
            cmd.env_remove(key);
        }
    }
    if !cfg!(debug_assertions) {
        cmd.arg("--release");
    }
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run cargo to build the {bin} binary: {e}"));
    assert!(
        out.status.success(),
        "`cargo build -p {package} --bin {bin}` failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|m| m["reason"] == "compiler-artifact" && m["target"]["name"] == bin)
        .find_map(|m| m["executable"].as_str().map(PathBuf::from))
        .unwrap_or_else(|| panic!("cargo built no `{bin}` executable"))
}

/// The running localnet: its deployment, the CLI's view of the network, a connected client.
pub struct Localnet {
    pub deployment: Deployment,
    pub deployment_path: PathBuf,
    pub network: Network,
    pub chain: Chain,
}

impl Localnet {
    /// Connects, or panics saying how to start the chain.
    pub async fn connect() -> Localnet {
        let path = deployment_path();
        let deployment = Deployment::load(&path).unwrap_or_else(|e| {
            panic!(
                "no localnet deployment at {} ({e}); {START}",
                path.display()
            )
        });
        let network = Network::from_deployment(&deployment);
        let chain = Chain::connect(network.clone())
            .await
            .unwrap_or_else(|e| panic!("the localnet is not reachable: {e}; {START}"));
        // The contracts of the deployment file must exist on this chain.
        chain
            .registry::<Value>(&twinshare_types::registry::QueryMsg::Config {})
            .await
            .unwrap_or_else(|e| {
                panic!("the deployment's data-registry does not answer ({e}); {START}")
            });
        Localnet {
            deployment,
            deployment_path: path,
            network,
            chain,
        }
    }

    pub fn contracts(&self) -> &Contracts {
        &self.network.contracts
    }

    /// A dev account (DEV ONLY mnemonics, built into the CLI) as an actor.
    pub fn dev(&self, name: &str) -> Actor {
        let account = twinshare_cli::dev_accounts::builtin_account(name)
            .unwrap_or_else(|e| panic!("dev account {name}: {e}"));
        let identity = Identity::from_mnemonic(name, &account.mnemonic, self.chain.prefix())
            .unwrap_or_else(|e| panic!("dev account {name}: {e}"));
        if let Some(expected) = self.network.accounts.get(name) {
            assert_eq!(
                expected,
                identity.address(),
                "the deployment's {name} is not the built-in dev account; redeploy: {START}"
            );
        }
        Actor::new(&self.chain, identity)
    }

    /// A throwaway identity with a fresh 24-word mnemonic: the actor and its mnemonic.
    pub fn fresh(&self, name: &str) -> (Actor, String) {
        let mnemonic = generate_mnemonic(24).expect("mnemonic");
        let identity =
            Identity::from_mnemonic(name, &mnemonic, self.chain.prefix()).expect("identity");
        (
            Actor::new(&self.chain, identity),
            mnemonic.as_str().to_string(),
        )
    }

    /// Sends each `(address, ustake, TWIN)` from `funder` in one tx. Serialized within the test
    /// process, so parallel tests never race on the funder's sequence.
    pub async fn fund(&self, funder: &Actor, grants: &[(&str, u128, u128)]) -> TxOutcome {
        static FUNDING: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
        let _turn = FUNDING.lock().await;
        let token = &self.contracts().payment_token;
        let mut msgs = Vec::new();
        for &(to, ustake, twin) in grants {
            if ustake > 0 {
                msgs.push(Msg::bank_send(to, vec![Coin::new(ustake, USTAKE)]));
            }
            if twin > 0 {
                msgs.push(Msg::cw20_transfer(token, to, twin).expect("cw20 transfer"));
            }
        }
        funder
            .signer
            .send(msgs)
            .await
            .unwrap_or_else(|e| panic!("funding from {}: {e}", funder.name))
    }

    /// The cw20 (TWIN) balance now.
    pub async fn cw20(&self, address: &str) -> u128 {
        self.chain
            .cw20_balance(address)
            .await
            .unwrap_or_else(|e| panic!("cw20 balance of {address}: {e}"))
    }

    /// The cw20 (TWIN) balance in the state after block `height`.
    pub async fn cw20_at(&self, address: &str, height: u64) -> u128 {
        let request = QuerySmartContractStateRequest {
            address: self.contracts().payment_token.clone(),
            query_data: serde_json::to_vec(&cw20::Cw20QueryMsg::Balance {
                address: address.to_string(),
            })
            .expect("json"),
        };
        let height =
            twinshare_client::cosmrs::tendermint::block::Height::try_from(height).expect("height");
        let res = self
            .chain
            .client
            .rpc()
            .abci_query(
                Some("/cosmwasm.wasm.v1.Query/SmartContractState".to_string()),
                request.encode_to_vec(),
                Some(height),
                false,
            )
            .await
            .unwrap_or_else(|e| panic!("balance query at height {height}: {e}"));
        assert!(
            res.code.is_ok(),
            "balance query at height {height}: {}",
            res.log
        );
        let answer = QuerySmartContractStateResponse::decode(res.value.as_slice()).expect("proto");
        let b: cw20::BalanceResponse = serde_json::from_slice(&answer.data).expect("balance");
        b.balance.u128()
    }

    /// The native fee-denom balance now.
    pub async fn ustake(&self, address: &str) -> u128 {
        self.chain
            .native_balance(address, USTAKE)
            .await
            .unwrap_or_else(|e| panic!("{USTAKE} balance of {address}: {e}"))
    }

    /// The next sequence of an account (0 for one the chain has never seen).
    pub async fn sequence(&self, address: &str) -> u64 {
        match self.chain.client.account(address).await {
            Ok(a) => a.sequence,
            Err(twinshare_client::Error::AccountNotFound { .. }) => 0,
            Err(e) => panic!("account {address}: {e}"),
        }
    }

    /// A tx by hash (it must be in a block).
    pub async fn tx(&self, hash: &str) -> TxOutcome {
        self.chain
            .client
            .tx(hash)
            .await
            .unwrap_or_else(|e| panic!("tx {hash}: {e}"))
            .unwrap_or_else(|| panic!("tx {hash} is not in a block"))
    }

    /// Makes sure the dev `provider` lists storage in TWIN with the dev `relayer` and its
    /// relayer key, active. Leaves a listing that already does so alone (the relayer's tests
    /// and the demo rely on the same listing); returns the provider's address.
    pub async fn ensure_provider(&self) -> String {
        let provider = self.dev("provider");
        let relayer = self.dev("relayer");
        let token = self.contracts().payment_token.clone();
        let key = HexBinary::from(relayer.master.relayer_key().public_key().encode());
        let listed = self
            .chain
            .provider(provider.address())
            .await
            .expect("provider query");
        let good = listed.as_ref().is_some_and(|p| {
            p.active
                && p.relayer.as_str() == relayer.address()
                && p.relayer_pubkey == key
                && matches!(&p.denom, CheckedDenom::Cw20(t) if t.as_str() == token)
        });
        if !good {
            let listing = Listing {
                price_per_byte_second: listed
                    .as_ref()
                    .map(|p| p.price_per_byte_second)
                    .unwrap_or_else(|| Decimal::from_ratio(1u128, 3_600_000u128)),
                denom: Denom::Cw20(token),
                relayer: relayer.address().to_string(),
                relayer_pubkey: key,
                endpoint: listed
                    .map(|p| p.endpoint)
                    .unwrap_or_else(|| "fs:///var/lib/twinshare".into()),
            };
            ensure_provider(&self.chain, &provider, &listing)
                .await
                .unwrap_or_else(|e| panic!("listing the dev provider: {e}"));
        }
        provider.address().to_string()
    }

    /// Instantiates the deployed escrow code again (sent by `sender`), wired to the deployed
    /// data-token and storage-payment, with the dev `admin` as contract and wasm admin and
    /// these deadlines. Returns its address.
    pub async fn own_escrow(&self, sender: &Actor, rekey_secs: u64, delivery_secs: u64) -> String {
        use twinshare_client::cosmrs::tx::Msg as _;
        let code_id = *self
            .deployment
            .code_ids
            .get("escrow")
            .expect("escrow code id in deployment.json");
        let admin = self.network.accounts.get("admin").expect("admin account");
        let arbiter = self.network.accounts.get("arbiter").expect("arbiter");
        let msg = twinshare_types::escrow::InstantiateMsg {
            admin: Some(admin.clone()),
            data_token: self.contracts().data_token.clone(),
            storage_payment: self.contracts().storage_payment.clone(),
            arbiter: arbiter.clone(),
            relayer_fee_bps: 500,
            rekey_timeout_secs: rekey_secs,
            delivery_timeout_secs: delivery_secs,
            dispute_window_secs: 3_600,
            max_kfrags_bytes: None,
        };
        let any = twinshare_client::cosmrs::cosmwasm::MsgInstantiateContract {
            sender: sender.signer.key().account_id().clone(),
            admin: Some(admin.parse().expect("admin address")),
            code_id,
            label: Some(format!("e2e-escrow-{}", suffix())),
            msg: serde_json::to_vec(&msg).expect("json"),
            funds: vec![],
        }
        .to_any()
        .expect("any");
        let tx = sender
            .signer
            .send(vec![Msg::Any(any)])
            .await
            .unwrap_or_else(|e| panic!("instantiating an escrow: {e}"));
        tx.attribute("instantiate", "_contract_address")
            .expect("contract address")
            .to_string()
    }

    /// A copy of deployment.json with another escrow, for `--deployment`.
    pub fn deployment_with_escrow(&self, escrow: &str, dir: &Path) -> PathBuf {
        let text = std::fs::read_to_string(&self.deployment_path).expect("deployment.json");
        let mut d: Value = serde_json::from_str(&text).expect("deployment JSON");
        d["contracts"]["escrow"] = Value::String(escrow.to_string());
        let path = dir.join("deployment-own-escrow.json");
        std::fs::write(&path, serde_json::to_string_pretty(&d).expect("json")).expect("write");
        path
    }

    /// Waits until the chain's latest block time is past `t` (nanoseconds since the epoch).
    pub async fn wait_past(&self, t: cosmwasm_std::Timestamp, limit: Duration) {
        let started = std::time::Instant::now();
        loop {
            let status = self.chain.client.status().await.expect("status");
            let block = parse_rfc3339_nanos(&status.latest_block_time);
            if block.is_some_and(|b| b > t.nanos()) {
                return;
            }
            assert!(
                started.elapsed() < limit,
                "the chain's time ({}) did not pass {t} within {limit:?}",
                status.latest_block_time
            );
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }
}

/// `2026-11-29T20:54:54.123456789Z` as nanoseconds since the epoch.
pub fn parse_rfc3339_nanos(text: &str) -> Option<u64> {
    let (date, rest) = text.split_once('T')?;
    let mut d = date.split('-').map(|p| p.parse::<i64>());
    let (y, m, day) = (d.next()?.ok()?, d.next()?.ok()?, d.next()?.ok()?);
    let rest = rest.trim_end_matches('Z');
    let (clock, frac) = rest.split_once('.').unwrap_or((rest, "0"));
    let mut c = clock.split(':').map(|p| p.parse::<i64>());
    let (hh, mm, ss) = (c.next()?.ok()?, c.next()?.ok()?, c.next()?.ok()?);
    let digits: String = frac
        .chars()
        .take_while(char::is_ascii_digit)
        .chain(std::iter::repeat('0'))
        .take(9)
        .collect();
    let nanos: i64 = digits.parse().ok()?;
    // Days from the civil date (Howard Hinnant's algorithm).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let secs = days * 86_400 + hh * 3_600 + mm * 60 + ss;
    u64::try_from(secs * 1_000_000_000 + nanos).ok()
}

/// The fee of a tx the CLI reported (`"fee": "4339ustake"` of a `TxInfo`).
pub fn fee_of(tx: &Value) -> u128 {
    let fee = tx["fee"]
        .as_str()
        .unwrap_or_else(|| panic!("no fee in {tx}"));
    fee.strip_suffix(USTAKE)
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("fee {fee:?} is not in {USTAKE}"))
}

/// A number in the CLI's JSON (u64 or a decimal string).
pub fn num(v: &Value) -> u128 {
    v.as_u64()
        .map(u128::from)
        .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
        .unwrap_or_else(|| panic!("not a number: {v}"))
}

/// What one run of the binary did.
#[derive(Debug)]
pub struct Run {
    pub args: Vec<String>,
    pub output: Output,
}

impl Run {
    pub fn ok(&self) -> bool {
        self.output.status.success()
    }
    pub fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.output.stdout).to_string()
    }
    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.output.stderr).to_string()
    }
}

/// The `twinshare` binary with a private home (keystore, config), data and state folders and
/// `fs` storage, all in one temporary folder, pointed at a deployment file.
pub struct Cli {
    pub dir: TempDir,
    pub deployment: PathBuf,
}

impl Cli {
    pub fn new(deployment: &Path) -> Cli {
        let dir = tempfile::Builder::new()
            .prefix("twinshare-e2e-")
            .tempdir()
            .expect("tempdir");
        for sub in ["home", "data", "state", "store"] {
            std::fs::create_dir_all(dir.path().join(sub)).expect("folders");
        }
        Cli {
            dir,
            deployment: deployment.to_path_buf(),
        }
    }

    /// The same home and storage, another deployment file.
    pub fn with_deployment(&self, deployment: &Path) -> CliView<'_> {
        CliView {
            cli: self,
            deployment: deployment.to_path_buf(),
        }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn storage_dir(&self) -> PathBuf {
        self.path("store")
    }

    /// Imports `words` as key `name` without a password (`keys import --unencrypted`, through a
    /// mnemonic file as a user would).
    pub fn import_unencrypted(&self, name: &str, words: &str) {
        let file = self.path(&format!("{name}.mnemonic"));
        std::fs::write(&file, words).expect("mnemonic file");
        self.json(&[
            "keys",
            "import",
            name,
            "--mnemonic-file",
            file.to_str().expect("path"),
            "--unencrypted",
        ]);
    }

    /// A sensor series for `stream publish --file`: `n` CSV lines (one record each: a
    /// millisecond timestamp and two values) in the CLI's folder as `name`; its path.
    pub fn records_file(&self, name: &str, n: usize) -> String {
        let path = self.path(name);
        let text: String = (0..n)
            .map(|i| {
                format!(
                    "{},{:.3},{:.3}\n",
                    1_700_000_000_000u64 + i as u64,
                    i as f64 * 0.01,
                    -0.5
                )
            })
            .collect();
        std::fs::write(&path, text).expect("records file");
        path.display().to_string()
    }

    pub fn storage_uri(&self) -> String {
        format!("fs://{}", self.storage_dir().display())
    }

    /// The operator on the same storage the binary writes to.
    pub fn operator(&self) -> Operator {
        StorageConfig::fs(self.storage_dir())
            .build()
            .expect("fs operator")
    }

    fn command(&self, deployment: &Path) -> Command {
        let mut cmd = Command::new(twinshare_bin());
        for var in [
            "TWINSHARE_FROM",
            "TWINSHARE_PASSWORD",
            "TWINSHARE_CONFIG",
            "RUST_LOG",
        ] {
            cmd.env_remove(var);
        }
        cmd.env("TWINSHARE_HOME", self.path("home"))
            .env("XDG_DATA_HOME", self.path("data"))
            .env("XDG_STATE_HOME", self.path("state"))
            .env("XDG_CONFIG_HOME", self.path("config"))
            .env("TWINSHARE_DEPLOYMENT", deployment)
            .env("TWINSHARE_STORAGE", self.storage_uri())
            .current_dir(self.dir.path())
            .stdin(Stdio::null());
        cmd
    }

    /// Runs `twinshare ARGS` with extra environment variables.
    pub fn run_env(&self, args: &[&str], env: &[(&str, &str)]) -> Run {
        run_with(self.command(&self.deployment), args, env)
    }

    pub fn run(&self, args: &[&str]) -> Run {
        self.run_env(args, &[])
    }

    /// Runs `twinshare ARGS --output json`, which must succeed; its JSON.
    pub fn json(&self, args: &[&str]) -> Value {
        json_of(self.run(&with_json(args)))
    }

    pub fn json_env(&self, args: &[&str], env: &[(&str, &str)]) -> Value {
        json_of(self.run_env(&with_json(args), env))
    }

    /// Runs `twinshare ARGS`, which must fail (non-zero exit); its stderr.
    pub fn fails(&self, args: &[&str]) -> String {
        self.fails_env(args, &[])
    }

    pub fn fails_env(&self, args: &[&str], env: &[(&str, &str)]) -> String {
        failure_of(self.run_env(args, env))
    }
}

/// A [`Cli`] pointed at another deployment file.
pub struct CliView<'a> {
    cli: &'a Cli,
    deployment: PathBuf,
}

impl CliView<'_> {
    pub fn path(&self, name: &str) -> PathBuf {
        self.cli.path(name)
    }

    pub fn run(&self, args: &[&str]) -> Run {
        run_with(self.cli.command(&self.deployment), args, &[])
    }

    pub fn json(&self, args: &[&str]) -> Value {
        json_of(self.run(&with_json(args)))
    }

    pub fn fails(&self, args: &[&str]) -> String {
        failure_of(self.run(args))
    }

    /// Starts `twinshare ARGS` as a child process (a long-running command such as
    /// `seller-agent`), its stdout and stderr appended to `log`.
    pub fn spawn(&self, args: &[&str], log: &Path) -> Child {
        let file = |what: &str| {
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(log)
                .unwrap_or_else(|e| panic!("{what} log {}: {e}", log.display()))
        };
        let mut cmd = self.cli.command(&self.deployment);
        cmd.args(args)
            .env("RUST_LOG", "info")
            .stdout(file("stdout"))
            .stderr(file("stderr"));
        cmd.spawn()
            .unwrap_or_else(|e| panic!("cannot start twinshare {args:?}: {e}"))
    }
}

fn with_json<'a>(args: &[&'a str]) -> Vec<&'a str> {
    let mut v = args.to_vec();
    v.extend(["--output", "json"]);
    v
}

fn run_with(mut cmd: Command, args: &[&str], env: &[(&str, &str)]) -> Run {
    cmd.args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let output = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run twinshare {args:?}: {e}"));
    Run {
        args: args.iter().map(|s| s.to_string()).collect(),
        output,
    }
}

fn json_of(run: Run) -> Value {
    assert!(
        run.ok(),
        "twinshare {} failed ({}):\n{}",
        run.args.join(" "),
        run.output.status,
        run.stderr()
    );
    serde_json::from_slice(&run.output.stdout).unwrap_or_else(|e| {
        panic!(
            "twinshare {} printed no JSON ({e}):\n{}",
            run.args.join(" "),
            run.stdout()
        )
    })
}

fn failure_of(run: Run) -> String {
    assert!(
        !run.ok(),
        "twinshare {} succeeded but should have failed:\n{}",
        run.args.join(" "),
        run.stdout()
    );
    assert_eq!(
        run.output.status.code(),
        Some(1),
        "twinshare {}: exit code",
        run.args.join(" ")
    );
    let stderr = run.stderr();
    assert!(
        stderr.contains("error: "),
        "twinshare {}: no error line on stderr:\n{stderr}",
        run.args.join(" ")
    );
    stderr
}

/// Asserts `text` contains every one of `words` (case-insensitive).
pub fn assert_says(text: &str, words: &[&str]) {
    let lower = text.to_lowercase();
    for w in words {
        assert!(
            lower.contains(&w.to_lowercase()),
            "expected {w:?} in:\n{text}"
        );
    }
}

/// What [`lease_room`] did to make room for `stored` more bytes with a provider.
#[derive(Debug)]
pub struct LeaseRoom {
    /// Bytes of the lease to buy now.
    pub bytes: u64,
    /// A lease cancelled to stay under the open-lease bound: its refund and tx fee.
    pub cancelled: Option<twinshare_cli::commands::lease::LeaseCancelled>,
}

/// How many bytes `owner` must lease now so that `stored` more bytes register with `provider`,
/// counting only leases that run at least `margin_secs` more; at the contract's bound on open
/// leases, the one that ends first is cancelled (its unused part is refunded).
pub async fn lease_room(
    net: &Localnet,
    owner: &Actor,
    provider: &str,
    stored: u64,
    margin_secs: u64,
) -> LeaseRoom {
    use twinshare_cli::commands::lease;
    let chain = &net.chain;
    let config: twinshare_types::storage::Config = chain
        .storage(&twinshare_types::storage::QueryMsg::Config {})
        .await
        .expect("storage config");
    let mut open = lease::open_leases(chain, owner.address(), provider)
        .await
        .expect("open leases");
    let cancelled = if open.len() as u32 >= config.max_open_leases {
        let c = lease::cancel_soonest(chain, owner, provider)
            .await
            .expect("cancel a lease");
        if let Some(c) = &c {
            open.retain(|l| l.id != c.lease_id);
        }
        c
    } else {
        None
    };
    let soon = cosmwasm_std::Timestamp::from_nanos(
        (now_ms() + margin_secs * 1000).saturating_mul(1_000_000),
    );
    let available: u64 = open.iter().filter(|l| l.end > soon).map(|l| l.bytes).sum();
    let used = lease::used_bytes(chain, owner.address(), provider)
        .await
        .expect("used bytes");
    LeaseRoom {
        bytes: (used + stored).saturating_sub(available).max(stored),
        cancelled,
    }
}
