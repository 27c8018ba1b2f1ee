//! Configuration: where the CLI's files live, the optional config file (TOML), and which
//! network (chain + contract addresses) the commands talk to.
//!
//! With no configuration at all the CLI works on the localnet: the network comes from
//! `localnet/deployment.json`, found through `--deployment` / `$TWINSHARE_DEPLOYMENT` or by
//! walking up from the current folder, and storage is the embedded `fs` backend under the default
//! data folder. A config file (`<home>/config.toml`, or `--config`) can pin a network imported from
//! a deployment file (`twinshare config import localnet/deployment.json`), a default key, a
//! default provider and a storage URI:
//!
//! ```toml
//! default_key = "alice"
//! provider = "wasm15qvkla9cr09x8e2zn0zagjqaey7hw383mscz4q"
//! storage = "fs:///var/lib/twinshare"
//!
//! [network]
//! chain_id = "twinshare-local"
//! rpc = "http://127.0.0.1:26657"
//! gas_price = "0.025ustake"
//! bech32_prefix = "wasm"
//! denom = "ustake"
//! fee_denom = "ustake"
//!
//! [network.contracts]
//! payment-token = "wasm1..."
//! storage-payment = "wasm1..."
//! data-registry = "wasm1..."
//! data-token = "wasm1..."
//! escrow = "wasm1..."
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use thiserror::Error;
use twinshare_client::{ChainConfig, Contracts, Deployment, GasPrice};

/// Environment variable naming the CLI's home folder (keys, config file).
pub const HOME_ENV: &str = "TWINSHARE_HOME";
/// The deployment file the localnet scripts write, relative to the repository root.
pub const LOCALNET_DEPLOYMENT: &str = "localnet/deployment.json";
/// The config file's name inside the home folder.
pub const CONFIG_FILE: &str = "config.toml";

#[derive(Debug, Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("config file {path} is not valid: {reason}")]
    Parse { path: PathBuf, reason: String },

    #[error("deployment file {path}: {reason}")]
    Deployment { path: PathBuf, reason: String },

    #[error(
        "no network configured (looked for --deployment, $TWINSHARE_DEPLOYMENT, a [network] in \
         {config}, and {LOCALNET_DEPLOYMENT} in {cwd} and its parents). Start and deploy the \
         localnet from the repository (`localnet/start.sh && localnet/deploy.sh`), or pass \
         --deployment FILE, or run `twinshare config import FILE`"
    )]
    NoNetwork { config: PathBuf, cwd: PathBuf },

    #[error("invalid {field} in the network configuration: {reason}")]
    Invalid { field: &'static str, reason: String },
}

type Result<T> = std::result::Result<T, ConfigError>;

fn env_path(name: &str) -> Option<PathBuf> {
    std::env::var_os(name)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

/// `$XDG_CONFIG_HOME/twinshare`, else `~/.config/twinshare` (the `--home` default when
/// `$TWINSHARE_HOME` is not set).
pub fn default_home() -> PathBuf {
    env_path("XDG_CONFIG_HOME")
        .unwrap_or_else(|| {
            env_path("HOME")
                .unwrap_or_else(|| PathBuf::from("."))
                .join(".config")
        })
        .join("twinshare")
}

/// The network the commands talk to: the chain and TwinShare's contracts on it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Network {
    pub chain_id: String,
    /// CometBFT RPC, e.g. `http://127.0.0.1:26657`.
    pub rpc: String,
    /// Price per gas, e.g. `0.025ustake`.
    pub gas_price: String,
    #[serde(default = "default_prefix")]
    pub bech32_prefix: String,
    /// Staking / native payment denom.
    #[serde(default = "default_denom")]
    pub denom: String,
    /// Denom of tx fees.
    #[serde(default = "default_denom")]
    pub fee_denom: String,
    /// Gas limit = simulated gas x this (default 1.3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gas_adjustment: Option<f64>,
    pub contracts: Contracts,
    /// Named accounts (the localnet's dev accounts), usable wherever an address is asked for.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub accounts: BTreeMap<String, String>,
}

fn default_prefix() -> String {
    twinshare_client::DEFAULT_PREFIX.to_string()
}

fn default_denom() -> String {
    "ustake".to_string()
}

impl Network {
    pub fn from_deployment(d: &Deployment) -> Network {
        Network {
            chain_id: d.chain_id.clone(),
            rpc: d.rpc.clone(),
            gas_price: d.gas_price.to_string(),
            bech32_prefix: d.bech32_prefix.clone(),
            denom: d.denom.clone(),
            fee_denom: d.fee_denom.clone(),
            gas_adjustment: None,
            contracts: d.contracts.clone(),
            accounts: d.accounts.clone(),
        }
    }

    /// Reads a `deployment.json`.
    pub fn load_deployment(path: &Path) -> Result<Network> {
        let d = Deployment::load(path).map_err(|e| ConfigError::Deployment {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })?;
        Ok(Self::from_deployment(&d))
    }

    /// What the chain client needs.
    pub fn chain_config(&self) -> Result<ChainConfig> {
        let gas_price: GasPrice = self.gas_price.parse().map_err(|e| ConfigError::Invalid {
            field: "gas_price",
            reason: format!("{e}"),
        })?;
        let mut config =
            ChainConfig::new(&self.chain_id, &self.rpc, gas_price).with_prefix(&self.bech32_prefix);
        if let Some(a) = self.gas_adjustment {
            config = config.with_gas_adjustment(a);
        }
        Ok(config)
    }
}

/// The config file.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    /// The key commands sign with when `--from` is not given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_key: Option<String>,
    /// The storage provider's address used by `upload`, `lease` and `stream` by default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
    /// Storage URI (`fs:///path`, `s3://bucket?endpoint=...`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub storage: Option<String>,
    /// A deployment file to read the network from, when there is no `[network]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deployment: Option<PathBuf>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network: Option<Network>,
}

impl ConfigFile {
    /// Reads the file; `Ok(None)` when it does not exist.
    pub fn load(path: &Path) -> Result<Option<ConfigFile>> {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(source) => {
                return Err(ConfigError::Read {
                    path: path.to_path_buf(),
                    source,
                })
            }
        };
        Self::parse(&text, path).map(Some)
    }

    pub fn parse(text: &str, path: &Path) -> Result<ConfigFile> {
        toml::from_str(text).map_err(|e| ConfigError::Parse {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })
    }

    pub fn to_toml(&self) -> Result<String> {
        toml::to_string_pretty(self).map_err(|e| ConfigError::Parse {
            path: PathBuf::from("<memory>"),
            reason: e.to_string(),
        })
    }

    /// Writes the file (creating its folder).
    pub fn save(&self, path: &Path) -> Result<()> {
        let write_err = |source| ConfigError::Write {
            path: path.to_path_buf(),
            source,
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(write_err)?;
        }
        std::fs::write(path, self.to_toml()?).map_err(write_err)
    }

    /// Copies the network of a deployment file into this configuration.
    pub fn import_deployment(&mut self, deployment: &Path) -> Result<&Network> {
        let network = Network::load_deployment(deployment)?;
        if self.provider.is_none() {
            self.provider = network.accounts.get("provider").cloned();
        }
        Ok(self.network.insert(network))
    }
}

/// Where the network came from (shown by `status` and `config show`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "path", rename_all = "snake_case")]
pub enum NetworkSource {
    /// `--deployment` or `$TWINSHARE_DEPLOYMENT`.
    DeploymentFlag(PathBuf),
    /// The config file's `[network]`.
    ConfigNetwork(PathBuf),
    /// The config file's `deployment = ...`.
    ConfigDeployment(PathBuf),
    /// `localnet/deployment.json` found walking up from the current folder.
    Found(PathBuf),
}

impl std::fmt::Display for NetworkSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NetworkSource::DeploymentFlag(p) => {
                write!(f, "deployment {} (--deployment)", p.display())
            }
            NetworkSource::ConfigNetwork(p) => write!(f, "[network] of {}", p.display()),
            NetworkSource::ConfigDeployment(p) => {
                write!(f, "deployment {} (named in the config file)", p.display())
            }
            NetworkSource::Found(p) => write!(f, "deployment {}", p.display()),
        }
    }
}

/// `localnet/deployment.json` in `start` or the nearest parent holding one.
pub fn find_deployment_upwards(start: &Path) -> Option<PathBuf> {
    start
        .ancestors()
        .map(|dir| dir.join(LOCALNET_DEPLOYMENT))
        .find(|p| p.is_file())
}

/// Chooses the network: `--deployment` (or its variable), then the config file's `[network]`,
/// then the config file's `deployment`, then `localnet/deployment.json` walking up from `cwd`.
pub fn resolve_network(
    deployment_flag: Option<&Path>,
    config: &ConfigFile,
    config_path: &Path,
    cwd: &Path,
) -> Result<(Network, NetworkSource)> {
    if let Some(path) = deployment_flag {
        return Ok((
            Network::load_deployment(path)?,
            NetworkSource::DeploymentFlag(path.to_path_buf()),
        ));
    }
    if let Some(network) = &config.network {
        return Ok((
            network.clone(),
            NetworkSource::ConfigNetwork(config_path.to_path_buf()),
        ));
    }
    if let Some(path) = &config.deployment {
        // Relative to the config file's folder.
        let path = match config_path.parent() {
            Some(dir) if path.is_relative() => dir.join(path),
            _ => path.clone(),
        };
        return Ok((
            Network::load_deployment(&path)?,
            NetworkSource::ConfigDeployment(path),
        ));
    }
    match find_deployment_upwards(cwd) {
        Some(path) => Ok((Network::load_deployment(&path)?, NetworkSource::Found(path))),
        None => Err(ConfigError::NoNetwork {
            config: config_path.to_path_buf(),
            cwd: cwd.to_path_buf(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A deployment file as `localnet/deploy.sh` writes it (the client crate's fixture).
    const DEPLOYMENT: &str = include_str!("../../client/tests/fixtures/deployment.json");

    fn write_deployment(dir: &Path) -> PathBuf {
        let path = dir.join(LOCALNET_DEPLOYMENT);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(&path, DEPLOYMENT).expect("write");
        path
    }

    #[test]
    fn import_copies_the_network_and_round_trips() {
        let dir = tempfile::tempdir().expect("tempdir");
        let deployment = write_deployment(dir.path());
        let mut config = ConfigFile::default();
        let network = config
            .import_deployment(&deployment)
            .expect("import")
            .clone();
        assert_eq!(network.chain_id, "twinshare-local");
        assert_eq!(network.rpc, "http://127.0.0.1:26657");
        assert_eq!(network.gas_price, "0.025ustake");
        assert!(network.contracts.escrow.starts_with("wasm1"));
        assert_eq!(
            config.provider.as_deref(),
            network.accounts.get("provider").map(String::as_str)
        );
        let path = dir.path().join("home").join(CONFIG_FILE);
        config.save(&path).expect("save");
        let text = std::fs::read_to_string(&path).expect("read");
        assert!(text.contains("[network.contracts]"), "{text}");
        assert!(text.contains("payment-token"), "{text}");
        let again = ConfigFile::load(&path).expect("load").expect("exists");
        assert_eq!(again, config);
        let chain = again
            .network
            .expect("network")
            .chain_config()
            .expect("chain config");
        assert_eq!(chain.chain_id, "twinshare-local");
        assert_eq!(chain.bech32_prefix, "wasm");
    }

    #[test]
    fn a_missing_config_file_is_no_error_and_a_bad_one_says_where() {
        let dir = tempfile::tempdir().expect("tempdir");
        assert_eq!(
            ConfigFile::load(&dir.path().join("none.toml")).expect("load"),
            None
        );
        let bad = dir.path().join("bad.toml");
        std::fs::write(&bad, "default_key = 3\nunknown = true\n").expect("write");
        let e = ConfigFile::load(&bad).expect_err("bad");
        assert!(e.to_string().contains("bad.toml"), "{e}");
    }

    #[test]
    fn the_network_is_resolved_in_order() {
        let dir = tempfile::tempdir().expect("tempdir");
        let deployment = write_deployment(dir.path());
        let nested = dir.path().join("packages/cli/src");
        std::fs::create_dir_all(&nested).expect("mkdir");
        let config_path = dir.path().join("cfg.toml");

        // Nothing configured: found walking up from a subfolder.
        let (network, source) =
            resolve_network(None, &ConfigFile::default(), &config_path, &nested).expect("found");
        assert_eq!(source, NetworkSource::Found(deployment.clone()));
        assert_eq!(network.chain_id, "twinshare-local");

        // The config file's [network] wins over walking up.
        let mut config = ConfigFile::default();
        config.import_deployment(&deployment).expect("import");
        if let Some(n) = config.network.as_mut() {
            n.chain_id = "other-chain".into();
        }
        let (network, source) =
            resolve_network(None, &config, &config_path, &nested).expect("config");
        assert_eq!(network.chain_id, "other-chain");
        assert_eq!(source, NetworkSource::ConfigNetwork(config_path.clone()));

        // The flag wins over everything.
        let (network, source) =
            resolve_network(Some(&deployment), &config, &config_path, &nested).expect("flag");
        assert_eq!(network.chain_id, "twinshare-local");
        assert_eq!(source, NetworkSource::DeploymentFlag(deployment.clone()));

        // Nowhere: the error says how to get a network.
        let empty = tempfile::tempdir().expect("tempdir");
        let e = resolve_network(None, &ConfigFile::default(), &config_path, empty.path())
            .expect_err("none");
        let text = e.to_string();
        assert!(text.contains("localnet/deploy.sh"), "{text}");
        assert!(text.contains("config import"), "{text}");
    }

    #[test]
    fn a_relative_deployment_in_the_config_is_read_beside_it() {
        let dir = tempfile::tempdir().expect("tempdir");
        write_deployment(dir.path());
        let config = ConfigFile {
            deployment: Some(PathBuf::from(LOCALNET_DEPLOYMENT)),
            ..ConfigFile::default()
        };
        let config_path = dir.path().join(CONFIG_FILE);
        let (_, source) =
            resolve_network(None, &config, &config_path, Path::new("/")).expect("resolved");
        assert_eq!(
            source,
            NetworkSource::ConfigDeployment(dir.path().join(LOCALNET_DEPLOYMENT))
        );
    }
}
