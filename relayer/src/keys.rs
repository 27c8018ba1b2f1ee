//! The relayer's identity: one BIP39 mnemonic gives both its chain account (the key at
//! `m/44'/118'/0'/0/0`, which signs `ReportDelivery`) and its Umbral master key, whose
//! [`MasterKey::relayer_key`] opens the kfrags sellers seal to it. The Umbral master seed is
//! `SHA-256("twinshare/umbral/v1" || bip39_seed(mnemonic, ""))`, the derivation the CLI and the
//! web wallet use too (`twinshare_crypto::MasterKey::from_bip39_seed`).

use twinshare_client::Key;
use twinshare_crypto::{Codec, MasterKey, PublicKey};

use crate::error::ConfigError;

/// The relayer's two keys.
pub struct Identity {
    /// Signs the delivery reports.
    pub account: Key,
    /// Opens sealed kfrags.
    pub umbral: MasterKey,
}

impl Identity {
    /// Both keys of `phrase` (12-24 words), the account's address with `prefix`.
    pub fn from_mnemonic(phrase: &str, prefix: &str) -> Result<Identity, ConfigError> {
        let account = Key::from_mnemonic(phrase, prefix).map_err(|e| ConfigError::Mnemonic {
            reason: e.to_string(),
        })?;
        let umbral = umbral_master_key(phrase)?;
        Ok(Identity { account, umbral })
    }

    pub fn address(&self) -> &str {
        self.account.address()
    }

    /// What the provider registers as `relayer_pubkey` in storage-payment.
    pub fn relayer_public_key(&self) -> PublicKey {
        self.umbral.relayer_key().public_key()
    }

    pub fn relayer_public_key_hex(&self) -> String {
        self.relayer_public_key().to_hex()
    }
}

impl std::fmt::Debug for Identity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Identity")
            .field("address", &self.address())
            .field("relayer_pubkey", &self.relayer_public_key_hex())
            .finish_non_exhaustive()
    }
}

/// The Umbral master key of a mnemonic.
pub fn umbral_master_key(phrase: &str) -> Result<MasterKey, ConfigError> {
    MasterKey::from_mnemonic(phrase).map_err(|e| ConfigError::Mnemonic {
        reason: e.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use sha2::{Digest, Sha256};

    const ABANDON: &str = "abandon abandon abandon abandon abandon abandon abandon abandon \
                           abandon abandon abandon about";

    #[test]
    fn derivation_matches_the_formula() {
        let id = Identity::from_mnemonic(ABANDON, "wasm").unwrap();
        assert_eq!(id.address(), "wasm19rl4cm2hmr8afy4kldpxz3fka4jguq0akuugk7");
        let bip39_seed = bip39::Mnemonic::parse(ABANDON).unwrap().to_seed("");
        let mut h = Sha256::new();
        h.update(b"twinshare/umbral/v1");
        h.update(bip39_seed);
        let by_hand = MasterKey::from_seed(&h.finalize()).unwrap();
        assert_eq!(id.relayer_public_key(), by_hand.relayer_key().public_key());
        assert_eq!(id.relayer_public_key_hex().len(), 66);
        assert!(!format!("{id:?}").contains("abandon"));
        assert!(Identity::from_mnemonic("abandon abandon", "wasm").is_err());
    }
}
