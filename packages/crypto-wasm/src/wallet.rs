//! The wallet's crypto as plain Rust, so native tests reach every path (a `JsError` cannot be
//! built outside a wasm runtime): an identity from a mnemonic, the seller's grant, and the
//! buyer's verified download. [`crate::bindings`] exposes these to JS unchanged.
//!
//! Every step is a `twinshare_crypto` call the CLI makes too: `MasterKey::from_mnemonic`
//! (`twinshare keys`), `sharing::grant` (`twinshare grant`), `Envelope::open_reencrypted` and
//! `FragmentReader` (`twinshare download`).

use sha2::{Digest, Sha256};
use thiserror::Error;
use twinshare_crypto::sharing::{decode_cfrags, grant};
use twinshare_crypto::{
    merkle_root, Codec, CryptoError, FragmentReader, Manifest, MasterKey, PublicKey, Threshold,
};

/// What the page shows. The first words of `RootMismatch` and `FragmentFailed` are fixed by
/// docs/web-crypto-api.md, so the page may match on them.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum WalletError {
    #[error("{0}")]
    Crypto(#[from] CryptoError),

    #[error("manifest root does not match the chain: the chain registered {chain}, the manifest says {manifest}")]
    RootMismatch { chain: String, manifest: String },

    #[error("fragment {index} failed verification: {reason}")]
    FragmentFailed { index: u32, reason: String },

    #[error("the cfrags do not open this asset for this identity ({reason}): are you signed in as the buyer of this sale?")]
    CannotOpen { reason: String },

    #[error("{what}: {reason}")]
    Input { what: &'static str, reason: String },
}

pub type Result<T> = core::result::Result<T, WalletError>;

fn input(what: &'static str, reason: impl Into<String>) -> WalletError {
    WalletError::Input {
        what,
        reason: reason.into(),
    }
}

/// Parses a 32-byte hash given as 64 hex characters (an optional `0x` is accepted: the chain's
/// JSON has none, explorers often add it).
pub fn parse_hash(what: &'static str, s: &str) -> Result<[u8; 32]> {
    let s = s.trim();
    let bytes = hex::decode(s.strip_prefix("0x").unwrap_or(s))
        .map_err(|e| input(what, format!("not hex: {e}")))?;
    bytes
        .try_into()
        .map_err(|b: Vec<u8>| input(what, format!("{} bytes, expected 32", b.len())))
}

/// One party's Umbral keys, from the mnemonic that also backs its chain account.
pub struct Identity {
    master: MasterKey,
}

impl Identity {
    /// The same keys as `twinshare keys` for the same mnemonic.
    pub fn from_mnemonic(phrase: &str) -> Result<Self> {
        Ok(Self {
            master: MasterKey::from_mnemonic(phrase)?,
        })
    }

    /// An identity from a bare master key (the test vectors' seeds).
    pub(crate) fn from_master(master: MasterKey) -> Self {
        Self { master }
    }

    /// The party key registered on chain (the data registry's `RegisterParty`).
    pub fn verifying_key_hex(&self) -> String {
        self.master.verifying_public_key().to_hex()
    }

    /// What a buyer sends as `buyer_pubkey` when it buys.
    pub fn receiving_public_key_hex(&self) -> String {
        self.master.receiving_key().public_key().to_hex()
    }

    /// The seller's re-key for one sale: kfrags of the storage asset `asset_id` (the `<id>` of
    /// the record's locator `assets/<id>/manifest.json`) for the sale's buyer key, sealed to the
    /// sale's relayer key; the bytes for `SubmitReKey`. The manifest guards against granting
    /// with the wrong identity or asset id, which the relayer would only refuse later.
    pub fn grant(
        &self,
        asset_id: &str,
        buyer_pubkey_hex: &str,
        relayer_pubkey_hex: &str,
        manifest_json: &str,
    ) -> Result<Vec<u8>> {
        if asset_id.contains('/') {
            return Err(input(
                "asset id",
                format!("{asset_id:?} is a path; pass the <id> of assets/<id>/manifest.json"),
            ));
        }
        let manifest = Manifest::from_json(manifest_json)?;
        manifest.owner_delegating_key(&self.master, asset_id.as_bytes())?;
        let buyer = PublicKey::from_hex(buyer_pubkey_hex)?;
        let relayer = PublicKey::from_hex(relayer_pubkey_hex)?;
        Ok(grant(
            &self.master,
            asset_id.as_bytes(),
            &buyer,
            &relayer,
            Threshold::default(),
        )?)
    }
}

impl core::fmt::Debug for Identity {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Identity")
            .field("verifying_key", &self.verifying_key_hex())
            .finish_non_exhaustive()
    }
}

/// A buyer's download of one sale: the manifest checked against the chain, the envelope
/// opened with the relayer's cfrags, then fragments decrypted and verified one at a time (in
/// any order, as the page fetches them), and the Merkle root checked at the end.
pub struct Download {
    reader: FragmentReader<'static>,
    registered_root: [u8; 32],
}

impl core::fmt::Debug for Download {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Download")
            .field("root", &hex::encode(self.registered_root))
            .field("fragments", &self.fragment_count())
            .finish_non_exhaustive()
    }
}

impl Download {
    /// `verifying_key_hex` is the seller's party key registered on chain; without it the
    /// manifest's is trusted (the CLI passes the chain's, and so should the page).
    pub fn new(
        identity: &Identity,
        manifest_json: &str,
        registered_root_hex: &str,
        cfrag_bytes: &[u8],
        verifying_key_hex: Option<&str>,
    ) -> Result<Self> {
        let registered_root = parse_hash("registered root", registered_root_hex)?;
        let manifest = Manifest::from_json(manifest_json)?;
        manifest
            .check_registered_root(&registered_root)
            .map_err(|_| WalletError::RootMismatch {
                chain: hex::encode(registered_root),
                manifest: hex::encode(manifest.root),
            })?;
        let verifying_key = match verifying_key_hex {
            Some(h) => PublicKey::from_hex(h)?,
            None => manifest.verifying_public_key,
        };
        let cfrags = decode_cfrags(cfrag_bytes)?;
        let key = manifest
            .envelope()
            .open_reencrypted(
                &identity.master.receiving_key(),
                &manifest.delegating_public_key,
                &verifying_key,
                cfrags,
            )
            .map_err(|e| match e {
                CryptoError::WrongKey
                | CryptoError::CfragVerification { .. }
                | CryptoError::CfragCombination { .. } => WalletError::CannotOpen {
                    reason: e.to_string(),
                },
                other => other.into(),
            })?;
        Ok(Self {
            reader: FragmentReader::owned(manifest, key),
            registered_root,
        })
    }

    fn entry(&self, index: u32) -> Result<&twinshare_crypto::FragmentEntry> {
        let fragments = &self.reader.manifest().fragments;
        fragments.get(index as usize).ok_or_else(|| {
            CryptoError::UnknownFragment {
                index: index.into(),
                count: fragments.len() as u64,
            }
            .into()
        })
    }

    pub fn fragment_count(&self) -> u32 {
        // A manifest of 2^32 fragments would not fit in the page's memory anyway.
        u32::try_from(self.reader.manifest().fragments.len()).unwrap_or(u32::MAX)
    }

    /// The storage path of fragment `index` (`assets/<id>/<index:08>.frag`).
    pub fn fragment_locator(&self, index: u32) -> Result<String> {
        Ok(self.entry(index)?.locator.clone())
    }

    /// Plaintext bytes of fragment `index`; its sealed object is 40 bytes longer.
    pub fn fragment_size(&self, index: u32) -> Result<u64> {
        Ok(self.entry(index)?.size)
    }

    /// Plaintext bytes of the whole asset.
    pub fn total_size(&self) -> u64 {
        self.reader.manifest().total_size
    }

    /// Checks the sealed bytes against the manifest's ciphertext hash, then decrypts them.
    pub fn decrypt_fragment(&mut self, index: u32, sealed: &[u8]) -> Result<Vec<u8>> {
        self.reader.open(index.into(), sealed).map_err(|e| match e {
            CryptoError::FragmentCorrupt { .. } | CryptoError::FragmentSize { .. } => {
                WalletError::FragmentFailed {
                    index,
                    reason: e.to_string(),
                }
            }
            other => other.into(),
        })
    }

    /// The Merkle root (hex) over the decrypted fragments, once every fragment was decrypted
    /// and the root is the one registered on chain.
    pub fn finish(&self) -> Result<String> {
        // check() compares with the manifest's root, which new() compared with the chain's;
        // the second comparison keeps that true whatever changes upstream.
        let root = merkle_root(&self.reader.check()?)?;
        if root != self.registered_root {
            return Err(WalletError::RootMismatch {
                chain: hex::encode(self.registered_root),
                manifest: hex::encode(root),
            });
        }
        Ok(hex::encode(root))
    }
}

/// SHA-256 of `bytes`, lowercase hex: the page compares a cfrag blob with the hash the relayer
/// reported on chain, and shows the saved file's hash.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}
