//! `twinshare keys`: add, import, import-dev, list, show, delete.

use std::io::{IsTerminal, Read};
use std::path::Path;

use serde::Serialize;
use zeroize::Zeroizing;

use crate::context::Context;
use crate::dev_accounts;
use crate::error::{Error, Result};
use crate::identity::{generate_mnemonic, Identity};
use crate::keystore::{
    encrypt_mnemonic, plain_secret, KdfParams, KeyFile, PublicKeys, DEV_ONLY_WARNING,
    KEYSTORE_VERSION,
};
use crate::output::Outcome;

/// How a new key file keeps its mnemonic.
pub enum Protection<'a> {
    Password(&'a str, KdfParams),
    /// DEV ONLY.
    Unencrypted {
        dev_account: bool,
    },
}

/// A key file for `mnemonic` (checked by deriving the identity).
pub fn key_file(
    name: &str,
    mnemonic: &str,
    prefix: &str,
    protection: Protection<'_>,
) -> Result<KeyFile> {
    crate::keystore::check_name(name)?;
    let identity = Identity::from_mnemonic(name, mnemonic, prefix)?;
    let (secret, dev_account) = match protection {
        Protection::Password(password, kdf) => (
            encrypt_mnemonic(mnemonic.trim(), identity.address(), password, kdf)?,
            false,
        ),
        Protection::Unencrypted { dev_account } => (plain_secret(mnemonic.trim()), dev_account),
    };
    Ok(KeyFile {
        version: KEYSTORE_VERSION,
        name: name.to_string(),
        address: identity.address().to_string(),
        public_keys: identity.public_keys(),
        dev_account,
        created_at: std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or_default(),
        secret,
    })
}

/// A key as listed and shown (never the mnemonic).
#[derive(Debug, Serialize)]
pub struct KeyView {
    pub name: String,
    pub address: String,
    pub encrypted: bool,
    pub dev_account: bool,
    /// `encrypted`, or an UNENCRYPTED / DEV ONLY flag.
    pub flag: String,
    pub public_keys: PublicKeys,
    pub path: String,
}

fn view(ctx: &Context, k: &KeyFile) -> KeyView {
    KeyView {
        name: k.name.clone(),
        address: k.address.clone(),
        encrypted: k.is_encrypted(),
        dev_account: k.dev_account,
        flag: k.flag().to_string(),
        public_keys: k.public_keys.clone(),
        path: ctx.keystore.path_of(&k.name).display().to_string(),
    }
}

fn prefix(ctx: &Context) -> String {
    ctx.network()
        .map(|(n, _)| n.bech32_prefix)
        .unwrap_or_else(|_| twinshare_client::DEFAULT_PREFIX.to_string())
}

fn protection_for<'a>(
    ctx: &Context,
    name: &str,
    unencrypted: bool,
    password: &'a mut Option<Zeroizing<String>>,
) -> Result<Protection<'a>> {
    if unencrypted {
        return Ok(Protection::Unencrypted { dev_account: false });
    }
    let p = password.insert(ctx.passwords.for_new(name)?);
    Ok(Protection::Password(p.as_str(), KdfParams::default()))
}

/// `keys add`.
pub fn add(ctx: &Context, name: &str, unencrypted: bool, words: usize) -> Result<Outcome> {
    let mnemonic = generate_mnemonic(words)?;
    let mut password = None;
    let protection = protection_for(ctx, name, unencrypted, &mut password)?;
    let file = key_file(name, &mnemonic, &prefix(ctx), protection)?;
    let path = ctx.keystore.save(&file, false)?;
    #[derive(Serialize)]
    struct Added<'a> {
        #[serde(flatten)]
        key: KeyView,
        /// Shown once: the only backup of the identity.
        mnemonic: &'a str,
    }
    let key = view(ctx, &file);
    let mut text = format!(
        "key {name} created: {}\n  file {}\n  {}\n\nmnemonic (write it down; it is the only backup of this identity):\n\n  {}\n",
        file.address,
        path.display(),
        file.flag(),
        mnemonic.as_str()
    );
    if unencrypted {
        text.push_str(&format!("\n{DEV_ONLY_WARNING}\n"));
    }
    Outcome::new(
        &Added {
            key,
            mnemonic: &mnemonic,
        },
        text,
    )
}

fn read_mnemonic(file: Option<&Path>) -> Result<Zeroizing<String>> {
    if let Some(path) = file {
        return Ok(Zeroizing::new(std::fs::read_to_string(path).map_err(
            |e| Error::io(format!("cannot read mnemonic file {}", path.display()), e),
        )?));
    }
    if std::io::stdin().is_terminal() {
        return Ok(Zeroizing::new(
            rpassword::prompt_password("mnemonic (hidden): ")
                .map_err(|e| Error::io("cannot read the mnemonic from the terminal", e))?,
        ));
    }
    let mut text = Zeroizing::new(String::new());
    std::io::stdin()
        .read_to_string(&mut text)
        .map_err(|e| Error::io("cannot read the mnemonic from standard input", e))?;
    Ok(text)
}

/// `keys import NAME`.
pub fn import(
    ctx: &Context,
    name: &str,
    mnemonic_file: Option<&Path>,
    unencrypted: bool,
) -> Result<Outcome> {
    if ctx.keystore.exists(name) {
        return Err(crate::keystore::KeystoreError::Exists {
            name: name.to_string(),
            path: ctx.keystore.path_of(name),
        }
        .into());
    }
    let mnemonic = read_mnemonic(mnemonic_file)?;
    // Checked before asking for a password.
    Identity::from_mnemonic(name, &mnemonic, &prefix(ctx))?;
    let mut password = None;
    let protection = protection_for(ctx, name, unencrypted, &mut password)?;
    let file = key_file(name, &mnemonic, &prefix(ctx), protection)?;
    ctx.keystore.save(&file, false)?;
    let v = view(ctx, &file);
    let text = format!("key {name} imported: {} ({})", v.address, v.flag);
    Outcome::new(&v, text)
}

/// What `import-dev` did with one account.
#[derive(Debug, Serialize)]
pub struct DevImport {
    pub name: String,
    pub address: String,
    /// `imported`, or `kept` (the same account was there already).
    pub result: &'static str,
}

/// `keys import-dev` / `keys import --dev-accounts FILE`.
pub fn import_dev(ctx: &Context, file: Option<&Path>) -> Result<Outcome> {
    let accounts = match file {
        Some(path) => dev_accounts::parse(
            &std::fs::read_to_string(path)
                .map_err(|e| Error::io(format!("cannot read {}", path.display()), e))?,
        )?,
        None => dev_accounts::builtin()?,
    };
    let prefix = prefix(ctx);
    let mut done = Vec::new();
    for a in accounts {
        if let Ok(existing) = ctx.keystore.load(&a.name) {
            if existing.address == a.address {
                done.push(DevImport {
                    name: a.name,
                    address: a.address,
                    result: "kept",
                });
                continue;
            }
            return Err(Error::Usage(format!(
                "a key named {:?} already exists with another address ({}); delete it \
                 (`twinshare keys delete {} --yes`) or import into another --home",
                a.name, existing.address, a.name
            )));
        }
        let file = key_file(
            &a.name,
            &a.mnemonic,
            &prefix,
            Protection::Unencrypted { dev_account: true },
        )?;
        if file.address != a.address {
            return Err(Error::Usage(format!(
                "dev account {} derives {}, but the file says {}",
                a.name, file.address, a.address
            )));
        }
        ctx.keystore.save(&file, false)?;
        done.push(DevImport {
            name: a.name,
            address: a.address,
            result: "imported",
        });
    }
    let mut text = format!(
        "localnet dev accounts in {} (UNENCRYPTED, DEV ONLY: their mnemonics are public):\n",
        ctx.keystore.dir().display()
    );
    for d in &done {
        text.push_str(&format!("  {:<14} {}  {}\n", d.name, d.address, d.result));
    }
    Outcome::new(&done, text)
}

/// `keys list`.
pub fn list(ctx: &Context) -> Result<Outcome> {
    let keys: Vec<KeyView> = ctx.keystore.list()?.iter().map(|k| view(ctx, k)).collect();
    let mut text = String::new();
    if keys.is_empty() {
        text.push_str(&format!(
            "no keys in {}: `twinshare keys add NAME` makes one, `twinshare keys import-dev` \
             imports the localnet's dev accounts\n",
            ctx.keystore.dir().display()
        ));
    }
    for k in &keys {
        let flag = if k.encrypted {
            k.flag.clone()
        } else {
            format!("!! {} !!", k.flag)
        };
        text.push_str(&format!("{:<14} {}  {}\n", k.name, k.address, flag));
    }
    Outcome::new(&keys, text)
}

/// `keys show`.
pub fn show(ctx: &Context, name: &str) -> Result<Outcome> {
    let k = view(ctx, &ctx.keystore.load(name)?);
    let text = format!(
        "{}\n  address           {}\n  storage           {}\n  umbral verifying  {}  (party key: `twinshare party register`)\n  umbral receiving  {}  (named when buying)\n  umbral relayer    {}  (when running a relayer)\n  file              {}\n",
        k.name,
        k.address,
        k.flag,
        k.public_keys.verifying,
        k.public_keys.receiving,
        k.public_keys.relayer,
        k.path
    );
    Outcome::new(&k, text)
}

/// `keys export`: the mnemonic, after the password.
pub fn export(ctx: &Context, name: &str) -> Result<Outcome> {
    let file = ctx.keystore.load(name)?;
    let password = if file.is_encrypted() {
        ctx.passwords.for_existing(name)?
    } else {
        None
    };
    let mnemonic = file.mnemonic(password.as_ref().map(|p| p.as_str()))?;
    #[derive(Serialize)]
    struct Exported<'a> {
        name: &'a str,
        address: &'a str,
        mnemonic: &'a str,
    }
    Outcome::new(
        &Exported {
            name,
            address: &file.address,
            mnemonic: &mnemonic,
        },
        mnemonic.as_str(),
    )
}

/// `keys delete`.
pub fn delete(ctx: &Context, name: &str, yes: bool) -> Result<Outcome> {
    let file = ctx.keystore.load(name)?;
    if !yes {
        return Err(Error::Usage(format!(
            "deleting key {name} ({}) loses it unless you have its mnemonic; add --yes to delete",
            file.address
        )));
    }
    let path = ctx.keystore.delete(name)?;
    #[derive(Serialize)]
    struct Deleted {
        name: String,
        address: String,
        path: String,
    }
    Outcome::new(
        &Deleted {
            name: name.to_string(),
            address: file.address.clone(),
            path: path.display().to_string(),
        },
        format!("deleted key {name} ({})", file.address),
    )
}
