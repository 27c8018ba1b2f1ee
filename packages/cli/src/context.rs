//! What every command runs with: the home folder and config file, the keystore and password
//! source, the network, storage, and the console. Built once from the global flags.

use std::path::PathBuf;

use twinshare_uploader::{Operator, StorageConfig};

use crate::chain::{Actor, Chain};
use crate::cli::GlobalArgs;
use crate::config::{
    default_home, resolve_network, ConfigFile, Network, NetworkSource, CONFIG_FILE,
};
use crate::error::{Error, Result};
use crate::identity::{Identity, PasswordSource};
use crate::keystore::Keystore;
use crate::output::{Console, OutputMode};

/// The environment of one command.
#[derive(Clone, Debug)]
pub struct Context {
    pub home: PathBuf,
    pub config_path: PathBuf,
    pub config: ConfigFile,
    pub keystore: Keystore,
    pub passwords: PasswordSource,
    pub console: Console,
    pub output: OutputMode,
    /// `--from`.
    pub from: Option<String>,
    /// `--deployment`.
    pub deployment: Option<PathBuf>,
    /// `--storage`.
    pub storage: Option<String>,
    pub cwd: PathBuf,
}

impl Context {
    pub fn new(global: &GlobalArgs) -> Result<Context> {
        let home = global.home.clone().unwrap_or_else(default_home);
        let config_path = global
            .config
            .clone()
            .unwrap_or_else(|| home.join(CONFIG_FILE));
        let config = ConfigFile::load(&config_path)?.unwrap_or_default();
        let cwd =
            std::env::current_dir().map_err(|e| Error::io("cannot read the current folder", e))?;
        Ok(Context {
            keystore: Keystore::in_home(&home),
            home,
            config_path,
            config,
            passwords: PasswordSource {
                file: global.password_file.clone(),
                no_prompt: false,
            },
            console: Console::new(global.output, global.quiet),
            output: global.output,
            from: global.from.clone(),
            deployment: global.deployment.clone(),
            storage: global.storage.clone(),
            cwd,
        })
    }

    /// The network and where it came from.
    pub fn network(&self) -> Result<(Network, NetworkSource)> {
        Ok(resolve_network(
            self.deployment.as_deref(),
            &self.config,
            &self.config_path,
            &self.cwd,
        )?)
    }

    /// Connects to the network's chain.
    pub async fn chain(&self) -> Result<Chain> {
        let (network, _) = self.network()?;
        Chain::connect(network).await
    }

    /// The key name commands sign with: `--from`, else the config's `default_key`.
    pub fn key_name(&self) -> Result<String> {
        self.from
            .clone()
            .or_else(|| self.config.default_key.clone())
            .ok_or(Error::NoKeyChosen)
    }

    /// Loads (and if needed decrypts) a key of the keystore.
    pub fn identity(&self, name: &str, prefix: &str) -> Result<Identity> {
        let file = self.keystore.load(name)?;
        let password = if file.is_encrypted() {
            self.passwords.for_existing(name)?
        } else {
            None
        };
        Identity::from_key_file(&file, password.as_ref().map(|p| p.as_str()), prefix)
    }

    /// The signing actor (`--from`).
    pub fn actor(&self, chain: &Chain) -> Result<Actor> {
        let name = self.key_name()?;
        let identity = self.identity(&name, chain.prefix())?;
        Ok(Actor::new(chain, identity))
    }

    /// An address from a bech32 address, a key name of the keystore, or a named account of the
    /// network (the localnet's dev accounts).
    pub fn resolve_address(&self, chain: &Chain, who: &str) -> Result<String> {
        let prefix = format!("{}1", chain.prefix());
        if who.starts_with(&prefix) && who.len() > prefix.len() + 20 {
            return Ok(who.to_string());
        }
        if crate::keystore::check_name(who).is_ok() {
            if let Ok(file) = self.keystore.load(who) {
                return Ok(file.address);
            }
        }
        if let Some(address) = chain.network.accounts.get(who) {
            return Ok(address.clone());
        }
        Err(Error::Usage(format!(
            "{who:?} is neither an address ({prefix}...), a key name (`twinshare keys list`) \
             nor an account of the deployment"
        )))
    }

    /// The storage provider: explicit, else the config's, else the deployment's `provider`
    /// account.
    pub fn provider(&self, chain: &Chain, explicit: Option<&str>) -> Result<String> {
        if let Some(p) = explicit {
            return self.resolve_address(chain, p);
        }
        if let Some(p) = &self.config.provider {
            return self.resolve_address(chain, p);
        }
        chain
            .network
            .accounts
            .get("provider")
            .cloned()
            .ok_or_else(|| {
                Error::Usage(
                    "no storage provider chosen: pass --provider ADDRESS or set one with \
                 `twinshare config set --provider ADDRESS` (`twinshare provider list` lists them)"
                        .into(),
                )
            })
    }

    /// The storage backend: `--storage`, else the config's, else the embedded `fs` default.
    pub fn storage_config(&self) -> Result<StorageConfig> {
        match self.storage.as_ref().or(self.config.storage.as_ref()) {
            Some(uri) => Ok(StorageConfig::parse(uri)?),
            None => Ok(StorageConfig::fs(
                twinshare_uploader::paths::default_storage_dir(),
            )),
        }
    }

    pub fn operator(&self) -> Result<(StorageConfig, Operator)> {
        let config = self.storage_config()?;
        let op = config.build()?;
        Ok((config, op))
    }
}
