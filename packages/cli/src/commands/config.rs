//! `twinshare config`: show, import, set.

use std::path::Path;

use serde::Serialize;

use crate::config::{Network, NetworkSource};
use crate::context::Context;
use crate::error::Result;
use crate::output::Outcome;

#[derive(Debug, Serialize)]
struct Shown {
    home: String,
    config_file: String,
    config_file_exists: bool,
    default_key: Option<String>,
    provider: Option<String>,
    storage: String,
    network: Option<Network>,
    network_source: Option<NetworkSource>,
    network_error: Option<String>,
}

/// `config show`.
pub fn show(ctx: &Context) -> Result<Outcome> {
    let (network, source, error) = match ctx.network() {
        Ok((n, s)) => (Some(n), Some(s), None),
        Err(e) => (None, None, Some(e.to_string())),
    };
    let storage = ctx.storage_config()?.describe();
    let shown = Shown {
        home: ctx.home.display().to_string(),
        config_file: ctx.config_path.display().to_string(),
        config_file_exists: ctx.config_path.is_file(),
        default_key: ctx.config.default_key.clone(),
        provider: ctx.config.provider.clone(),
        storage: storage.clone(),
        network: network.clone(),
        network_source: source.clone(),
        network_error: error.clone(),
    };
    let mut text = format!(
        "home         {}\nconfig file  {}{}\nstorage      {storage}\ndefault key  {}\nprovider     {}\n",
        shown.home,
        shown.config_file,
        if shown.config_file_exists { "" } else { " (none; defaults apply)" },
        shown.default_key.as_deref().unwrap_or("(none: pass --from)"),
        shown.provider.as_deref().unwrap_or("(the deployment's `provider` account)"),
    );
    match (&network, &source) {
        (Some(n), Some(s)) => text.push_str(&format!(
            "network      {} at {} (from {s})\n  payment-token    {}\n  storage-payment  {}\n  data-registry    {}\n  data-token       {}\n  escrow           {}\n",
            n.chain_id,
            n.rpc,
            n.contracts.payment_token,
            n.contracts.storage_payment,
            n.contracts.data_registry,
            n.contracts.data_token,
            n.contracts.escrow
        )),
        _ => text.push_str(&format!("network      none: {}\n", error.unwrap_or_default())),
    }
    Outcome::new(&shown, text)
}

/// `config import FILE`.
pub fn import(ctx: &Context, path: &Path) -> Result<Outcome> {
    let mut config = ctx.config.clone();
    let network = config.import_deployment(path)?.clone();
    config.save(&ctx.config_path)?;
    let text = format!(
        "imported chain {} ({}) and its contracts from {} into {}",
        network.chain_id,
        network.rpc,
        path.display(),
        ctx.config_path.display()
    );
    Outcome::new(&config, text)
}

/// `config set`.
pub fn set(
    ctx: &Context,
    default_key: Option<String>,
    provider: Option<String>,
    storage: Option<String>,
) -> Result<Outcome> {
    let mut config = ctx.config.clone();
    if let Some(k) = default_key {
        crate::keystore::check_name(&k)?;
        config.default_key = Some(k);
    }
    if let Some(p) = provider {
        config.provider = Some(p);
    }
    if let Some(s) = storage {
        twinshare_uploader::StorageConfig::parse(&s)?;
        config.storage = Some(s);
    }
    config.save(&ctx.config_path)?;
    let text = format!(
        "wrote {}:\n{}",
        ctx.config_path.display(),
        config.to_toml()?
    );
    Outcome::new(&config, text)
}
