//! `localnet/deployment.json`, as `localnet/deploy.sh` writes it: the chain, its endpoints and gas
//! price, the dev accounts, and the code ids and addresses of TwinShare's contracts.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::query::ChainConfig;
use crate::tx::GasPrice;

/// Environment variable naming the deployment file; the default is `localnet/deployment.json`.
pub const DEPLOYMENT_ENV: &str = "TWINSHARE_DEPLOYMENT";

/// A deployment of TwinShare's contracts on a chain.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Deployment {
    pub chain_id: String,
    /// CometBFT RPC, e.g. `http://127.0.0.1:26657`.
    pub rpc: String,
    /// gRPC endpoint, e.g. `http://127.0.0.1:9090`.
    #[serde(default)]
    pub grpc: Option<String>,
    /// REST (LCD) endpoint, e.g. `http://127.0.0.1:1317`.
    #[serde(default)]
    pub api: Option<String>,
    /// Staking and native payment denom.
    pub denom: String,
    /// Denom the fees are paid in.
    pub fee_denom: String,
    /// The price per gas the nodes demand, e.g. `0.025ustake`.
    pub gas_price: GasPrice,
    pub bech32_prefix: String,
    /// State dir of the localnet (its nodes' homes).
    #[serde(default)]
    pub home: Option<String>,
    /// Where the `wasmd` keyring with the dev accounts is.
    #[serde(default)]
    pub keyring: Option<Keyring>,
    /// Admin of every contract.
    pub admin: String,
    /// Dev account name -> address.
    #[serde(default)]
    pub accounts: BTreeMap<String, String>,
    /// Contract name -> code id.
    #[serde(default)]
    pub code_ids: BTreeMap<String, u64>,
    pub contracts: Contracts,
    /// Contract name -> SHA-256 of the stored wasm.
    #[serde(default)]
    pub checksums: BTreeMap<String, String>,
    /// Height at which the deployment completed.
    pub height: u64,
    #[serde(default)]
    pub deployed_at: Option<String>,
    /// Contract name -> its instantiate message.
    #[serde(default)]
    pub instantiate_msgs: BTreeMap<String, serde_json::Value>,
    /// The store and instantiate txs.
    #[serde(default)]
    pub txs: Vec<DeploymentTx>,
}

/// The keyring that holds the dev accounts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Keyring {
    pub backend: String,
    pub home: String,
}

/// Addresses of TwinShare's contracts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contracts {
    /// The cw20 payment token (TWIN).
    #[serde(rename = "payment-token")]
    pub payment_token: String,
    #[serde(rename = "storage-payment")]
    pub storage_payment: String,
    #[serde(rename = "data-registry")]
    pub data_registry: String,
    #[serde(rename = "data-token")]
    pub data_token: String,
    pub escrow: String,
    /// Payment channels for anchoring fees (issue 9). Empty in deployments (and CLI configs)
    /// written before the contract existed, which still load.
    #[serde(
        rename = "payment-channel",
        default,
        skip_serializing_if = "String::is_empty"
    )]
    pub payment_channel: String,
}

/// One store or instantiate tx of the deployment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeploymentTx {
    /// `store` or `instantiate`.
    pub step: String,
    pub contract: String,
    pub txhash: String,
    pub height: u64,
    pub gas_used: u64,
    pub gas_wanted: u64,
}

impl Deployment {
    /// Parses the JSON text of a deployment file.
    pub fn from_json(text: &str) -> Result<Deployment> {
        serde_json::from_str(text).map_err(|e| Error::Deployment {
            path: "<text>".into(),
            reason: e.to_string(),
        })
    }

    /// Reads a deployment file.
    pub fn load(path: impl AsRef<Path>) -> Result<Deployment> {
        let path = path.as_ref();
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| Error::Deployment {
            path: shown.clone(),
            reason: format!(
                "{e}; deploy the contracts first (localnet/start.sh && localnet/deploy.sh)"
            ),
        })?;
        serde_json::from_str(&text).map_err(|e| Error::Deployment {
            path: shown,
            reason: e.to_string(),
        })
    }

    /// Reads the file named by `$TWINSHARE_DEPLOYMENT`, or else `localnet/deployment.json` under
    /// the current directory.
    pub fn load_default() -> Result<Deployment> {
        Self::load(Self::default_path())
    }

    /// `$TWINSHARE_DEPLOYMENT`, or `localnet/deployment.json`.
    pub fn default_path() -> PathBuf {
        std::env::var_os(DEPLOYMENT_ENV)
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("localnet").join("deployment.json"))
    }

    /// The address of a dev account by name (`alice`, `bob`, `provider`, ...).
    pub fn account(&self, name: &str) -> Result<&str> {
        self.accounts
            .get(name)
            .map(String::as_str)
            .ok_or_else(|| Error::Deployment {
                path: "deployment".into(),
                reason: format!(
                    "no account named {name:?} (known: {})",
                    self.accounts.keys().cloned().collect::<Vec<_>>().join(", ")
                ),
            })
    }

    /// A contract's address by its name in the file (`payment-token`, `escrow`, ...).
    pub fn contract(&self, name: &str) -> Result<&str> {
        let c = &self.contracts;
        Ok(match name {
            "payment-token" => &c.payment_token,
            "storage-payment" => &c.storage_payment,
            "data-registry" => &c.data_registry,
            "data-token" => &c.data_token,
            "escrow" => &c.escrow,
            "payment-channel" if c.payment_channel.is_empty() => {
                return Err(Error::Deployment {
                    path: "deployment".into(),
                    reason: "no payment-channel contract: the deployment predates it; \
                             redeploy (localnet/deploy.sh) and import it again"
                        .into(),
                })
            }
            "payment-channel" => &c.payment_channel,
            other => {
                return Err(Error::Deployment {
                    path: "deployment".into(),
                    reason: format!("no contract named {other:?}"),
                })
            }
        })
    }

    /// What a client needs to talk to this chain.
    pub fn chain_config(&self) -> ChainConfig {
        ChainConfig::new(&self.chain_id, &self.rpc, self.gas_price.clone())
            .with_prefix(&self.bech32_prefix)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A copy of a `localnet/deployment.json` that `localnet/deploy.sh` wrote.
    const REAL: &str = include_str!("../tests/fixtures/deployment.json");

    #[test]
    fn parses_what_deploy_sh_writes() {
        let d = Deployment::from_json(REAL).expect("deployment");
        assert_eq!(d.chain_id, "twinshare-local");
        assert_eq!(d.rpc, "http://127.0.0.1:26657");
        assert_eq!(d.gas_price.to_string(), "0.025ustake");
        assert_eq!(d.gas_price.denom(), "ustake");
        assert_eq!(d.bech32_prefix, "wasm");
        assert_eq!(
            d.account("alice").expect("alice"),
            "wasm1vlv6cwf7zjaua6gmx6xcgl2yjuqlhe5chevkcs"
        );
        assert!(d.account("eve").is_err());
        assert_eq!(d.code_ids.len(), 6);
        assert_eq!(d.txs.len(), 11);
        assert!(d.contracts.escrow.starts_with("wasm1"));
        assert_eq!(d.contract("escrow").expect("escrow"), d.contracts.escrow);
        assert!(d.contract("nothing").is_err());
        assert_eq!(d.instantiate_msgs["escrow"]["relayer_fee_bps"], 500);
        assert_eq!(
            d.contract("payment-channel").expect("payment-channel"),
            d.contracts.payment_channel
        );
        assert_eq!(
            d.instantiate_msgs["payment-channel"]["registry"],
            d.contracts.data_registry.as_str()
        );
        let config = d.chain_config();
        assert_eq!(config.chain_id, "twinshare-local");
        assert_eq!(config.bech32_prefix, "wasm");
        // Written back and read again, nothing is lost.
        let again =
            Deployment::from_json(&serde_json::to_string(&d).expect("json")).expect("again");
        assert_eq!(again, d);
    }

    #[test]
    fn a_deployment_from_before_the_payment_channel_still_loads() {
        let mut old: serde_json::Value = serde_json::from_str(REAL).expect("json");
        old["contracts"]
            .as_object_mut()
            .expect("contracts")
            .remove("payment-channel");
        let d = Deployment::from_json(&old.to_string()).expect("deployment");
        assert!(d.contracts.payment_channel.is_empty());
        let e = d.contract("payment-channel").expect_err("none");
        assert!(e.to_string().contains("localnet/deploy.sh"), "{e}");
    }

    #[test]
    fn a_missing_file_says_how_to_make_it() {
        let e = Deployment::load("/nonexistent/deployment.json").expect_err("missing");
        assert!(e.to_string().contains("localnet/deploy.sh"), "{e}");
    }

    #[test]
    fn a_bad_gas_price_is_refused() {
        let bad = REAL.replace("\"0.025ustake\"", "\"cheap\"");
        let e = Deployment::from_json(&bad).expect_err("bad gas price");
        assert!(e.to_string().contains("gas price"), "{e}");
    }
}
