//! Where things live in storage. Every object of an asset sits under one prefix, so an asset can
//! be listed, copied or deleted as a whole:
//!
//! ```text
//! assets/<asset-id>/manifest.json          the manifest (versioned JSON, written last)
//! assets/<asset-id>/<index:08>.frag        sealed fragment `index` (nonce || ciphertext || tag)
//! assets/<asset-id>/cfrags/<sale-id>.bin   cfrags the relayer made for one sale (fragment list)
//! ```
//!
//! The manifest is written only after every fragment is stored, so a manifest that exists
//! names a complete asset. Paths are relative to the operator's root (the `fs` data folder,
//! the S3 bucket's root, ...). The asset id is chosen before encrypting because the per-asset
//! delegating key is derived from it; it is not the on-chain asset number.

use std::fmt;
use std::str::FromStr;

use crate::error::{Error, Result};

/// The top-level folder of all assets.
pub const ASSETS_PREFIX: &str = "assets/";
/// The manifest's object name inside an asset's folder.
pub const MANIFEST_NAME: &str = "manifest.json";
/// Longest asset or sale id.
pub const MAX_ID_LEN: usize = 128;

/// An asset id: 1 to 128 characters of `[A-Za-z0-9._-]`, not starting with a dot. It becomes a
/// path segment in every backend and the label of the per-asset delegating key.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AssetId(String);

fn check_id(what: &str, id: &str) -> std::result::Result<(), String> {
    if id.is_empty() {
        return Err(format!("an empty {what} id"));
    }
    if id.len() > MAX_ID_LEN {
        return Err(format!("{} characters, at most {MAX_ID_LEN}", id.len()));
    }
    if id.starts_with('.') {
        return Err("must not start with '.'".into());
    }
    if let Some(c) = id
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')))
    {
        return Err(format!("character {c:?} (allowed: A-Z a-z 0-9 . _ -)"));
    }
    Ok(())
}

impl AssetId {
    pub fn new(id: impl Into<String>) -> Result<Self> {
        let id = id.into();
        check_id("asset", &id).map_err(|reason| Error::InvalidAssetId {
            id: id.clone(),
            reason,
        })?;
        Ok(Self(id))
    }

    /// 128 random bits as 32 lowercase hex characters.
    pub fn random() -> Result<Self> {
        let mut bytes = [0u8; 16];
        getrandom::getrandom(&mut bytes).map_err(|e| Error::Key {
            reason: format!("OS random number generator: {e}"),
        })?;
        Ok(Self(hex::encode(bytes)))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The label the per-asset delegating key is derived from.
    pub fn as_bytes(&self) -> &[u8] {
        self.0.as_bytes()
    }

    /// `assets/<id>/`.
    pub fn prefix(&self) -> String {
        format!("{ASSETS_PREFIX}{}/", self.0)
    }

    /// `assets/<id>/manifest.json`: the locator printed after an upload.
    pub fn manifest_path(&self) -> String {
        format!("{ASSETS_PREFIX}{}/{MANIFEST_NAME}", self.0)
    }

    /// `assets/<id>/<index:08>.frag`.
    pub fn fragment_path(&self, index: u64) -> String {
        format!("{ASSETS_PREFIX}{}/{index:08}.frag", self.0)
    }

    /// `assets/<id>/cfrags/<sale-id>.bin`: where a relayer stores the cfrags of one sale.
    pub fn cfrags_path(&self, sale_id: &SaleId) -> String {
        format!("{ASSETS_PREFIX}{}/cfrags/{}.bin", self.0, sale_id.0)
    }

    /// The asset id of a manifest locator `assets/<id>/manifest.json` (or of a bare id).
    pub fn from_locator(s: &str) -> Result<Self> {
        let trimmed = s.trim_start_matches('/');
        match trimmed
            .strip_prefix(ASSETS_PREFIX)
            .and_then(|rest| rest.strip_suffix(MANIFEST_NAME))
            .and_then(|rest| rest.strip_suffix('/'))
        {
            Some(id) => Self::new(id),
            None if trimmed.contains('/') => Err(Error::InvalidAssetId {
                id: s.to_string(),
                reason: format!("expected an asset id or {ASSETS_PREFIX}<id>/{MANIFEST_NAME}"),
            }),
            None => Self::new(trimmed),
        }
    }
}

impl fmt::Display for AssetId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for AssetId {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Self::new(s)
    }
}

/// A sale id (the escrow's sale number, or any label): the same character rules as an asset id.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct SaleId(String);

impl SaleId {
    pub fn new(id: impl Into<String>) -> Result<Self> {
        let id = id.into();
        check_id("sale", &id).map_err(|reason| Error::InvalidAssetId {
            id: id.clone(),
            reason: format!("sale id: {reason}"),
        })?;
        Ok(Self(id))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for SaleId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for SaleId {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Self::new(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths() {
        let id = AssetId::new("weld-A_2024.1").unwrap();
        assert_eq!(id.manifest_path(), "assets/weld-A_2024.1/manifest.json");
        assert_eq!(id.fragment_path(7), "assets/weld-A_2024.1/00000007.frag");
        assert_eq!(
            id.fragment_path(123_456_789),
            "assets/weld-A_2024.1/123456789.frag"
        );
        let sale = SaleId::new("42").unwrap();
        assert_eq!(id.cfrags_path(&sale), "assets/weld-A_2024.1/cfrags/42.bin");
        assert_eq!(id.prefix(), "assets/weld-A_2024.1/");
    }

    #[test]
    fn ids_are_checked() {
        for bad in [
            "",
            ".",
            "..",
            ".hidden",
            "a/b",
            "a b",
            "ä",
            &"x".repeat(129),
        ] {
            assert!(AssetId::new(bad).is_err(), "{bad:?} accepted");
        }
        assert!(SaleId::new("../x").is_err());
        let r = AssetId::random().unwrap();
        assert_eq!(r.as_str().len(), 32);
        assert_ne!(r, AssetId::random().unwrap());
    }

    #[test]
    fn locators() {
        let id = AssetId::new("abc").unwrap();
        assert_eq!(AssetId::from_locator("abc").unwrap(), id);
        assert_eq!(
            AssetId::from_locator("assets/abc/manifest.json").unwrap(),
            id
        );
        assert_eq!(
            AssetId::from_locator("/assets/abc/manifest.json").unwrap(),
            id
        );
        assert!(AssetId::from_locator("assets/abc/00000000.frag").is_err());
        assert!(AssetId::from_locator("assets//manifest.json").is_err());
    }
}
