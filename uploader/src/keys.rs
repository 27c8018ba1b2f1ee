//! The owner's (or buyer's, or relayer's) master seed: 32 bytes as 64 hex characters, from a
//! key file, an environment variable, or made on first use. Every Umbral key comes from it
//! (`twinshare_crypto::MasterKey`); the seed is the only secret to back up.

use std::io::Write;
use std::path::Path;

use serde::Serialize;
use twinshare_crypto::keys::SEED_LEN;
use twinshare_crypto::{Codec, MasterKey};
use zeroize::Zeroizing;

use crate::error::{Error, Result};
use crate::layout::AssetId;

/// Parses a hex seed (surrounding whitespace and a `0x` prefix are ignored).
pub fn parse_seed_hex(text: &str) -> Result<MasterKey> {
    let text = text.trim();
    let text = text.strip_prefix("0x").unwrap_or(text);
    let seed = Zeroizing::new(hex::decode(text).map_err(|e| Error::Key {
        reason: format!("the seed is not hex: {e}"),
    })?);
    if seed.len() != SEED_LEN {
        return Err(Error::Key {
            reason: format!(
                "the seed has {} bytes, expected {SEED_LEN} ({} hex characters)",
                seed.len(),
                SEED_LEN * 2
            ),
        });
    }
    MasterKey::from_seed(&seed).map_err(|e| Error::Key {
        reason: e.to_string(),
    })
}

/// Reads a key file holding a hex seed.
pub fn load_key_file(path: &Path) -> Result<MasterKey> {
    let text = Zeroizing::new(std::fs::read_to_string(path).map_err(|e| Error::Key {
        reason: format!("cannot read key file {}: {e}", path.display()),
    })?);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(meta) = std::fs::metadata(path) {
            if meta.permissions().mode() & 0o077 != 0 {
                tracing::warn!(
                    "key file {} is readable by others (mode {:o}); chmod 600 it",
                    path.display(),
                    meta.permissions().mode() & 0o777
                );
            }
        }
    }
    parse_seed_hex(&text).map_err(|e| Error::Key {
        reason: format!("key file {}: {e}", path.display()),
    })
}

/// Reads the key file, or creates it with a fresh random seed (mode 0600, its folder 0700).
/// The flag is true when the file was created.
pub fn load_or_create_key_file(path: &Path) -> Result<(MasterKey, bool)> {
    if path.exists() {
        return Ok((load_key_file(path)?, false));
    }
    let mut seed = Zeroizing::new([0u8; SEED_LEN]);
    getrandom::getrandom(seed.as_mut()).map_err(|e| Error::Key {
        reason: format!("OS random number generator: {e}"),
    })?;
    let key = MasterKey::from_seed(seed.as_ref()).map_err(|e| Error::Key {
        reason: e.to_string(),
    })?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::DirBuilderExt;
            builder.mode(0o700);
        }
        builder
            .create(dir)
            .map_err(|e| Error::io(format!("cannot create {}", dir.display()), e))?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options
        .open(path)
        .map_err(|e| Error::io(format!("cannot create key file {}", path.display()), e))?;
    let text = Zeroizing::new(format!("{}\n", hex::encode(seed.as_ref())));
    file.write_all(text.as_bytes())
        .and_then(|_| file.sync_all())
        .map_err(|e| Error::io(format!("cannot write key file {}", path.display()), e))?;
    Ok((key, true))
}

/// The public keys of a master seed, as hex (33-byte compressed points).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PublicKeys {
    /// What a buyer names when it buys: cfrags are made for it.
    pub receiving: String,
    /// Checks kfrags and cfrags signed by this owner.
    pub verifying: String,
    /// What sellers seal kfrags to when this party runs a relayer.
    pub relayer: String,
    /// The delegating key of one asset, when an asset id was given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delegating: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub asset_id: Option<String>,
}

impl PublicKeys {
    pub fn of(master: &MasterKey, asset: Option<&AssetId>) -> Result<Self> {
        let delegating = asset
            .map(|a| {
                master
                    .delegating_key(a.as_bytes())
                    .map(|k| k.public_key().to_hex())
            })
            .transpose()?;
        Ok(Self {
            receiving: master.receiving_key().public_key().to_hex(),
            verifying: master.verifying_public_key().to_hex(),
            relayer: master.relayer_key().public_key().to_hex(),
            delegating,
            asset_id: asset.map(|a| a.to_string()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeds_parse_and_fail_clearly() {
        let hex64 = "11".repeat(32);
        let a = parse_seed_hex(&format!("  0x{hex64}\n")).unwrap();
        let b = parse_seed_hex(&hex64).unwrap();
        assert_eq!(
            PublicKeys::of(&a, None).unwrap(),
            PublicKeys::of(&b, None).unwrap()
        );
        assert!(parse_seed_hex("zz")
            .unwrap_err()
            .to_string()
            .contains("not hex"));
        assert!(parse_seed_hex("1122")
            .unwrap_err()
            .to_string()
            .contains("2 bytes, expected 32"));
    }

    #[test]
    fn key_file_is_created_once_with_mode_0600() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cfg/twinshare/master.key");
        let (k1, created) = load_or_create_key_file(&path).unwrap();
        assert!(created);
        let (k2, created) = load_or_create_key_file(&path).unwrap();
        assert!(!created);
        assert_eq!(
            PublicKeys::of(&k1, None).unwrap(),
            PublicKeys::of(&k2, None).unwrap()
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
        let asset = AssetId::new("x").unwrap();
        let keys = PublicKeys::of(&k1, Some(&asset)).unwrap();
        assert_eq!(keys.delegating.as_ref().unwrap().len(), 66);
    }
}
