//! The relayer's TOML configuration. Every field has a default that works on the localnet, so
//! an empty file (or none) runs a relayer with the dev `relayer` account, the uploader's `fs`
//! storage folder and a database under the XDG state folder:
//!
//! ```toml
//! [chain]
//! deployment = "localnet/deployment.json"  # default: $TWINSHARE_DEPLOYMENT or that path
//! # escrow = "wasm1..."                    # overrides; also rpc, chain_id, gas_price,
//! # start_height = 1200                    # data_registry, data_token
//! sweep_interval_secs = 60                 # PendingDeliveries sweep (also at start)
//!
//! [relayer]
//! mnemonic_file = "/etc/twinshare/relayer.mnemonic"  # or $TWINSHARE_RELAYER_MNEMONIC
//! allow_dev_mnemonic = true                # else refuse to fall back to the dev account
//!
//! [storage]
//! uri = "fs:///var/lib/twinshare"          # any URI the uploader accepts (fs, s3, memory)
//!
//! [db]
//! path = "/var/lib/twinshare/relayer.redb"
//!
//! [lane]
//! batch_size = 16                          # jobs per batch = most deliveries per tx
//! low_share = 0.25                         # Rule 3: least share of each batch for Low jobs
//! linger_ms = 50                           # wait for more jobs before cutting a batch
//! concurrency = 4                          # jobs of a batch prepared at once
//!
//! [retry]
//! min_delay_ms = 250
//! max_delay_ms = 10000
//!
//! [http]
//! listen = "127.0.0.1:9464"                # /healthz, /metrics, /status; "" disables
//! storage = true                           # GET|HEAD /storage/v1/<path>: the storage, read-only
//! max_object_bytes = 67108864              # largest storage response (413 above; use ranges)
//!
//! [daemon]
//! shutdown_grace_secs = 10                 # in-flight batch time on SIGTERM before abandoning
//!
//! [anchor]                                 # the anchoring service (issue 9): see anchor/config.rs
//! enabled = true
//! listen = "127.0.0.1:9470"
//! ```

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tracing::warn;
use twinshare_client::{ChainConfig, Deployment};
use twinshare_uploader::StorageConfig;
use zeroize::Zeroizing;

use crate::error::ConfigError;
use crate::lane::LaneConfig;
use crate::retry::RetryPolicy;

/// Environment variable naming the config file of the binary.
pub const CONFIG_ENV: &str = "TWINSHARE_RELAYER_CONFIG";
/// Default environment variable holding the relayer's mnemonic.
pub const MNEMONIC_ENV: &str = "TWINSHARE_RELAYER_MNEMONIC";
/// The localnet dev account used when no mnemonic is configured.
pub const DEV_ACCOUNT: &str = "relayer";

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub chain: ChainSection,
    pub relayer: KeySection,
    pub storage: StorageSection,
    pub db: DbSection,
    pub lane: LaneSection,
    pub retry: RetryPolicy,
    pub http: HttpSection,
    pub daemon: DaemonSection,
    pub anchor: crate::anchor::AnchorSection,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ChainSection {
    /// `deployment.json` as `localnet/deploy.sh` writes it; default `$TWINSHARE_DEPLOYMENT` or
    /// `localnet/deployment.json`.
    pub deployment: Option<PathBuf>,
    pub rpc: Option<String>,
    pub chain_id: Option<String>,
    pub gas_price: Option<String>,
    /// The escrow whose sales this relayer serves; default: the deployment's.
    pub escrow: Option<String>,
    pub data_registry: Option<String>,
    pub data_token: Option<String>,
    /// First height to read on an empty database; default: the chain's height at start (the
    /// `PendingDeliveries` sweep finds what was re-keyed before).
    pub start_height: Option<u64>,
    /// Seconds between sweeps of `PendingDeliveries` (also done at start and after an
    /// incomplete catch-up); 0 sweeps at start only.
    pub sweep_interval_secs: u64,
    /// Seconds to wait for a delivery tx to be included.
    pub tx_timeout_secs: u64,
    /// Gas margin over simulation.
    pub gas_adjustment: f64,
}

impl Default for ChainSection {
    fn default() -> Self {
        Self {
            deployment: None,
            rpc: None,
            chain_id: None,
            gas_price: None,
            escrow: None,
            data_registry: None,
            data_token: None,
            start_height: None,
            sweep_interval_secs: 60,
            tx_timeout_secs: 30,
            gas_adjustment: 1.4,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct KeySection {
    /// A file holding the BIP39 mnemonic (12-24 words) of the relayer's account; its Umbral
    /// identity comes from the same mnemonic.
    pub mnemonic_file: Option<PathBuf>,
    /// The environment variable holding the mnemonic (checked first).
    pub mnemonic_env: String,
    /// Fall back to the localnet dev `relayer` account (DEV-ONLY) when no mnemonic is given.
    pub allow_dev_mnemonic: bool,
    /// The dev accounts file; default: `dev-accounts.json` beside the deployment file.
    pub dev_accounts: Option<PathBuf>,
}

impl Default for KeySection {
    fn default() -> Self {
        Self {
            mnemonic_file: None,
            mnemonic_env: MNEMONIC_ENV.to_string(),
            allow_dev_mnemonic: true,
            dev_accounts: None,
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StorageSection {
    /// Default: the uploader's `fs` default (`$TWINSHARE_DATA`, else
    /// `~/.local/share/twinshare/storage`).
    pub uri: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DbSection {
    /// Default: `$XDG_STATE_HOME/twinshare/relayer.redb` (`~/.local/state/...`).
    pub path: Option<PathBuf>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LaneSection {
    pub batch_size: usize,
    pub low_share: f64,
    pub linger_ms: u64,
    pub concurrency: usize,
}

impl Default for LaneSection {
    fn default() -> Self {
        let lane = LaneConfig::default();
        Self {
            batch_size: lane.batch_size,
            low_share: lane.low_share,
            linger_ms: 50,
            concurrency: 4,
        }
    }
}

impl LaneSection {
    pub fn lane(&self) -> LaneConfig {
        LaneConfig {
            batch_size: self.batch_size,
            low_share: self.low_share,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HttpSection {
    /// `host:port` of `/healthz`, `/metrics` and `/status`; empty: no HTTP endpoint.
    pub listen: String,
    /// Serve the storage read-only at `/storage/v1/` for the web wallet (`storage_http`).
    pub storage: bool,
    /// Largest storage response body, in bytes.
    pub max_object_bytes: u64,
}

impl Default for HttpSection {
    fn default() -> Self {
        Self {
            listen: "127.0.0.1:9464".to_string(),
            storage: true,
            max_object_bytes: crate::storage_http::DEFAULT_MAX_OBJECT_BYTES,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DaemonSection {
    /// On SIGTERM, how long the batch in flight may take to finish before it is abandoned (its
    /// jobs stay in the database and resume on the next start).
    pub shutdown_grace_secs: u64,
    /// After a restart, how long jobs that were being reported wait before their sale is checked
    /// again (a tx of the previous run may still be in the mempool).
    pub recovery_delay_ms: u64,
}

impl Default for DaemonSection {
    fn default() -> Self {
        Self {
            shutdown_grace_secs: 10,
            recovery_delay_ms: 1_500,
        }
    }
}

impl Config {
    /// Parses TOML text.
    pub fn from_toml(text: &str, path: &Path) -> Result<Config, ConfigError> {
        toml::from_str(text).map_err(|e| ConfigError::Parse {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })
    }

    /// Reads a config file.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Self::from_toml(&text, path)
    }

    /// The file named by `path`, else `$TWINSHARE_RELAYER_CONFIG`, else the defaults.
    pub fn load_or_default(path: Option<&Path>) -> Result<Config, ConfigError> {
        match path {
            Some(p) => Self::load(p),
            None => match std::env::var_os(CONFIG_ENV).filter(|v| !v.is_empty()) {
                Some(p) => Self::load(Path::new(&p)),
                None => Ok(Config::default()),
            },
        }
    }

    /// Checks what can be checked without touching the chain.
    pub fn validate(&self) -> Result<(), ConfigError> {
        self.lane.lane().validate()?;
        if self.lane.concurrency == 0 {
            return Err(ConfigError::Invalid {
                field: "lane.concurrency",
                reason: "0 (need at least 1)".into(),
            });
        }
        self.retry.validate()?;
        self.anchor.validate()?;
        if self.http.storage && self.http.max_object_bytes == 0 {
            return Err(ConfigError::Invalid {
                field: "http.max_object_bytes",
                reason: "0 (need at least 1, or http.storage = false)".into(),
            });
        }
        if self.chain.tx_timeout_secs == 0 {
            return Err(ConfigError::Invalid {
                field: "chain.tx_timeout_secs",
                reason: "0".into(),
            });
        }
        if !(self.chain.gas_adjustment >= 1.0 && self.chain.gas_adjustment.is_finite()) {
            return Err(ConfigError::Invalid {
                field: "chain.gas_adjustment",
                reason: format!("{} (need >= 1)", self.chain.gas_adjustment),
            });
        }
        Ok(())
    }

    pub fn deployment_path(&self) -> PathBuf {
        self.chain
            .deployment
            .clone()
            .unwrap_or_else(Deployment::default_path)
    }

    pub fn db_path(&self) -> PathBuf {
        self.db.path.clone().unwrap_or_else(default_db_path)
    }

    pub fn storage(&self) -> Result<StorageConfig, ConfigError> {
        match &self.storage.uri {
            Some(uri) => StorageConfig::parse(uri).map_err(ConfigError::Storage),
            None => Ok(StorageConfig::fs(
                twinshare_uploader::paths::default_storage_dir(),
            )),
        }
    }

    /// A short description of the storage without secrets.
    pub fn storage_description(&self) -> String {
        self.storage()
            .map(|s| s.describe())
            .unwrap_or_else(|e| e.to_string())
    }

    pub fn linger(&self) -> Duration {
        Duration::from_millis(self.lane.linger_ms)
    }

    /// The chain to talk to and the contracts to use.
    pub fn chain(&self) -> Result<ChainSettings, ConfigError> {
        let path = self.deployment_path();
        let deployment = Deployment::load(&path).map_err(ConfigError::Deployment)?;
        let c = &self.chain;
        let gas_price = match &c.gas_price {
            Some(p) => p.parse().map_err(ConfigError::Deployment)?,
            None => deployment.gas_price.clone(),
        };
        let chain_id = c.chain_id.clone().unwrap_or(deployment.chain_id.clone());
        let rpc = c.rpc.clone().unwrap_or(deployment.rpc.clone());
        let config = ChainConfig::new(&chain_id, &rpc, gas_price)
            .with_prefix(&deployment.bech32_prefix)
            .with_gas_adjustment(c.gas_adjustment)
            .with_tx_timeout(Duration::from_secs(c.tx_timeout_secs));
        Ok(ChainSettings {
            config,
            escrow: c
                .escrow
                .clone()
                .unwrap_or(deployment.contracts.escrow.clone()),
            data_registry: c
                .data_registry
                .clone()
                .unwrap_or(deployment.contracts.data_registry.clone()),
            data_token: c
                .data_token
                .clone()
                .unwrap_or(deployment.contracts.data_token.clone()),
            deployment_path: path,
        })
    }

    /// The relayer's mnemonic: `$<mnemonic_env>`, else `mnemonic_file`, else (if allowed) the
    /// localnet dev `relayer` account, which is logged loudly.
    pub fn mnemonic(&self) -> Result<Mnemonic, ConfigError> {
        let k = &self.relayer;
        if let Some(text) = std::env::var(&k.mnemonic_env)
            .ok()
            .filter(|v| !v.trim().is_empty())
        {
            return Ok(Mnemonic {
                phrase: Zeroizing::new(text.trim().to_string()),
                source: format!("${}", k.mnemonic_env),
                dev: false,
            });
        }
        if let Some(path) = &k.mnemonic_file {
            let text = Zeroizing::new(std::fs::read_to_string(path).map_err(|e| {
                ConfigError::Mnemonic {
                    reason: format!("cannot read {}: {e}", path.display()),
                }
            })?);
            warn_if_readable_by_others(path);
            return Ok(Mnemonic {
                phrase: Zeroizing::new(text.trim().to_string()),
                source: path.display().to_string(),
                dev: false,
            });
        }
        if !k.allow_dev_mnemonic {
            return Err(ConfigError::Mnemonic {
                reason: format!(
                    "none given: set ${} or relayer.mnemonic_file (the dev fallback is off)",
                    k.mnemonic_env
                ),
            });
        }
        let file = k.dev_accounts.clone().unwrap_or_else(|| {
            self.deployment_path()
                .parent()
                .map(|d| d.join("dev-accounts.json"))
                .unwrap_or_else(|| PathBuf::from("dev-accounts.json"))
        });
        let phrase = dev_mnemonic(&file, DEV_ACCOUNT)?;
        Ok(Mnemonic {
            phrase,
            source: format!("{} (account {DEV_ACCOUNT:?})", file.display()),
            dev: true,
        })
    }
}

/// Where the chain is and which contracts to use.
#[derive(Clone, Debug)]
pub struct ChainSettings {
    pub config: ChainConfig,
    pub escrow: String,
    pub data_registry: String,
    pub data_token: String,
    pub deployment_path: PathBuf,
}

/// The relayer's secret, with where it came from.
pub struct Mnemonic {
    pub phrase: Zeroizing<String>,
    /// A file, an environment variable or the dev accounts file.
    pub source: String,
    /// The published localnet dev mnemonic: never for a real network.
    pub dev: bool,
}

impl std::fmt::Debug for Mnemonic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mnemonic")
            .field("source", &self.source)
            .field("dev", &self.dev)
            .finish_non_exhaustive()
    }
}

/// `$XDG_STATE_HOME/twinshare/relayer.redb`, else `~/.local/state/twinshare/relayer.redb`.
pub fn default_db_path() -> PathBuf {
    let env = |k: &str| {
        std::env::var_os(k)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    env("XDG_STATE_HOME")
        .or_else(|| env("HOME").map(|h| h.join(".local/state")))
        .unwrap_or_else(|| PathBuf::from("."))
        .join("twinshare/relayer.redb")
}

/// The mnemonic of dev account `name` in a `localnet/dev-accounts.json`.
pub fn dev_mnemonic(file: &Path, name: &str) -> Result<Zeroizing<String>, ConfigError> {
    let bad = |reason: String| ConfigError::Mnemonic {
        reason: format!(
            "no mnemonic configured and the dev fallback failed: {} {reason}; set ${MNEMONIC_ENV} \
             or relayer.mnemonic_file",
            file.display()
        ),
    };
    let text = Zeroizing::new(std::fs::read_to_string(file).map_err(|e| bad(e.to_string()))?);
    let json: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| bad(format!("is not JSON: {e}")))?;
    let phrase = json
        .get("accounts")
        .and_then(|a| a.as_array())
        .and_then(|accounts| {
            accounts
                .iter()
                .find(|a| a.get("name").and_then(|n| n.as_str()) == Some(name))
        })
        .and_then(|a| a.get("mnemonic"))
        .and_then(|m| m.as_str())
        .ok_or_else(|| bad(format!("has no account {name:?} with a mnemonic")))?;
    Ok(Zeroizing::new(phrase.to_string()))
}

fn warn_if_readable_by_others(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(meta) = std::fs::metadata(path) {
            let mode = meta.permissions().mode() & 0o777;
            if mode & 0o077 != 0 {
                warn!(
                    "mnemonic file {} is readable by others (mode {mode:o}); chmod 600 it",
                    path.display()
                );
            }
        }
    }
    #[cfg(not(unix))]
    let _ = path;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_config_is_the_defaults_and_valid() {
        let c = Config::from_toml("", Path::new("x.toml")).unwrap();
        assert_eq!(c, Config::default());
        c.validate().unwrap();
        assert_eq!(c.lane.batch_size, 16);
        assert_eq!(c.http.listen, "127.0.0.1:9464");
        assert!(c.http.storage);
        assert_eq!(c.http.max_object_bytes, 64 << 20);
        assert!(c.db_path().ends_with("twinshare/relayer.redb"));
        assert_eq!(c.storage().unwrap().scheme(), "fs");
    }

    #[test]
    fn sections_parse_and_unknown_keys_are_refused() {
        let text = r#"
            [chain]
            deployment = "/tmp/deployment.json"
            escrow = "wasm1escrow"
            start_height = 7
            [relayer]
            mnemonic_file = "/etc/m"
            allow_dev_mnemonic = false
            [storage]
            uri = "memory"
            [db]
            path = "/tmp/r.redb"
            [lane]
            batch_size = 4
            low_share = 0.5
            [retry]
            min_delay_ms = 10
            max_delay_ms = 100
            [http]
            listen = ""
            storage = false
            max_object_bytes = 1024
            [daemon]
            shutdown_grace_secs = 3
        "#;
        let c = Config::from_toml(text, Path::new("r.toml")).unwrap();
        c.validate().unwrap();
        assert_eq!(c.chain.escrow.as_deref(), Some("wasm1escrow"));
        assert_eq!(c.chain.start_height, Some(7));
        assert_eq!(c.lane.lane().low_places(), 2);
        assert_eq!(c.retry.max_delay_ms, 100);
        assert_eq!(c.retry.factor, 2.0);
        assert_eq!(c.storage().unwrap().scheme(), "memory");
        assert!(c.http.listen.is_empty());
        assert!(!c.http.storage);
        assert_eq!(c.http.max_object_bytes, 1024);
        assert_eq!(c.daemon.shutdown_grace_secs, 3);

        let e = Config::from_toml("[lane]\nbatchsize = 3\n", Path::new("r.toml")).unwrap_err();
        assert!(e.to_string().contains("batchsize"), "{e}");
        let c = Config::from_toml("[lane]\nlow_share = 0.0\n", Path::new("r.toml")).unwrap();
        assert!(c.validate().is_err());
    }

    #[test]
    fn dev_mnemonic_comes_from_the_localnet_file() {
        let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("../localnet/dev-accounts.json");
        let phrase = dev_mnemonic(&file, "relayer").unwrap();
        assert!(phrase.split_whitespace().count() >= 12);
        assert!(dev_mnemonic(&file, "nobody").is_err());
        let e = dev_mnemonic(Path::new("/nonexistent.json"), "relayer").unwrap_err();
        assert!(e.to_string().contains(MNEMONIC_ENV), "{e}");

        let mut c = Config::default();
        c.relayer.dev_accounts = Some(file);
        c.relayer.mnemonic_env = "TWINSHARE_RELAYER_TEST_UNSET_VAR".into();
        let m = c.mnemonic().unwrap();
        assert!(m.dev);
        assert!(!format!("{m:?}").contains(phrase.as_str()));
        c.relayer.allow_dev_mnemonic = false;
        assert!(c.mnemonic().is_err());
    }
}
