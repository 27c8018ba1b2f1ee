//! Account keys from BIP39 mnemonics, derived as `wasmd keys add --recover` derives them.
//!
//! The phrase (12 to 24 words) is parsed with the `bip39` crate, its seed fed to BIP32 at
//! `m/44'/118'/0'/0/0`, and the address is the bech32 (prefix `wasm` on the localnet) of the
//! RIPEMD160(SHA256) of the compressed secp256k1 public key. The `bip32` crate's own `Mnemonic`
//! only accepts 24-word phrases, hence `bip39` for parsing.
//!
//! Secrets are wiped where the crates allow: the parsed mnemonic (`bip39` with `zeroize`) and the
//! 64-byte seed are zeroized when dropped, and the private keys (k256) zeroize themselves.

use std::fmt;

use cosmrs::bip32::DerivationPath;
use cosmrs::crypto::secp256k1::SigningKey;
use cosmrs::crypto::PublicKey;
use cosmrs::AccountId;
use zeroize::Zeroizing;

use crate::error::{Error, Result};

/// The Cosmos HD path: coin type 118, first account, first address.
pub const DEFAULT_HD_PATH: &str = "m/44'/118'/0'/0/0";
/// The bech32 prefix of wasmd accounts.
pub const DEFAULT_PREFIX: &str = "wasm";

/// A secp256k1 account key and its address.
pub struct Key {
    signing_key: SigningKey,
    public_key: PublicKey,
    account_id: AccountId,
}

impl Key {
    /// Derives the key of `phrase` at [`DEFAULT_HD_PATH`], with no BIP39 passphrase, and its
    /// address with `prefix` (e.g. [`DEFAULT_PREFIX`]).
    pub fn from_mnemonic(phrase: &str, prefix: &str) -> Result<Key> {
        Self::from_mnemonic_with(phrase, "", DEFAULT_HD_PATH, prefix)
    }

    /// Derives the key of `phrase` with a BIP39 `passphrase` at `hd_path`.
    pub fn from_mnemonic_with(
        phrase: &str,
        passphrase: &str,
        hd_path: &str,
        prefix: &str,
    ) -> Result<Key> {
        let mnemonic = bip39::Mnemonic::parse(phrase.trim())
            .map_err(|e| Error::InvalidMnemonic(e.to_string()))?;
        let path: DerivationPath = hd_path
            .parse()
            .map_err(|e| Error::Key(format!("HD path {hd_path:?}: {e}")))?;
        // Borrowed, never copied, so the only copy of the seed is wiped on drop.
        let seed = Zeroizing::new(mnemonic.to_seed(passphrase));
        drop(mnemonic);
        let signing_key = SigningKey::derive_from_path(seed.as_slice(), &path)
            .map_err(|e| Error::Key(format!("derivation at {hd_path}: {e}")))?;
        Self::from_signing_key(signing_key, prefix)
    }

    /// Wraps a raw 32-byte secp256k1 secret.
    pub fn from_secret_bytes(secret: &[u8], prefix: &str) -> Result<Key> {
        let signing_key =
            SigningKey::from_slice(secret).map_err(|e| Error::Key(format!("secret key: {e}")))?;
        Self::from_signing_key(signing_key, prefix)
    }

    /// A fresh random key (an account that does not exist on chain until it receives funds).
    pub fn random(prefix: &str) -> Result<Key> {
        Self::from_signing_key(SigningKey::random(), prefix)
    }

    fn from_signing_key(signing_key: SigningKey, prefix: &str) -> Result<Key> {
        let public_key = signing_key.public_key();
        let account_id = public_key
            .account_id(prefix)
            .map_err(|e| Error::Key(format!("address with prefix {prefix:?}: {e}")))?;
        Ok(Key {
            signing_key,
            public_key,
            account_id,
        })
    }

    /// The bech32 address.
    pub fn address(&self) -> &str {
        self.account_id.as_ref()
    }

    /// The address as cosmrs' type.
    pub fn account_id(&self) -> &AccountId {
        &self.account_id
    }

    /// The public key (goes into the tx's signer info).
    pub fn public_key(&self) -> PublicKey {
        self.public_key
    }

    pub(crate) fn signing_key(&self) -> &SigningKey {
        &self.signing_key
    }
}

impl fmt::Debug for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Key")
            .field("address", &self.address())
            .finish_non_exhaustive()
    }
}

/// Parses a bech32 account or contract address and checks its prefix.
pub fn parse_address(address: &str, prefix: &str) -> Result<AccountId> {
    let id: AccountId = address.parse().map_err(|e| Error::InvalidAddress {
        address: address.to_string(),
        reason: format!("{e}"),
    })?;
    if id.prefix() != prefix {
        return Err(Error::InvalidAddress {
            address: address.to_string(),
            reason: format!("prefix {:?}, expected {prefix:?}", id.prefix()),
        });
    }
    Ok(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize)]
    struct Accounts {
        validators: Vec<Account>,
        accounts: Vec<Account>,
    }

    #[derive(serde::Deserialize)]
    struct Account {
        name: String,
        address: String,
        mnemonic: String,
    }

    const DEV_ACCOUNTS: &str = include_str!("../../../localnet/dev-accounts.json");

    #[test]
    fn every_dev_account_derives_to_its_wasmd_address() {
        let file: Accounts = serde_json::from_str(DEV_ACCOUNTS).expect("dev-accounts.json");
        let all: Vec<_> = file.validators.iter().chain(&file.accounts).collect();
        assert_eq!(all.len(), 15);
        for a in all {
            let key = Key::from_mnemonic(&a.mnemonic, DEFAULT_PREFIX).expect(&a.name);
            assert_eq!(key.address(), a.address, "{}", a.name);
        }
    }

    /// 12-, 15- and 18-word phrases (which the `bip32` crate's own parser refuses), with the
    /// addresses `wasmd keys add --recover` (wasmd v0.61.14) gives them.
    #[test]
    fn short_phrases_match_wasmd() {
        for (phrase, address) in [
            (
                "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon \
                 abandon about",
                "wasm19rl4cm2hmr8afy4kldpxz3fka4jguq0akuugk7",
            ),
            (
                "legal winner thank year wave sausage worth useful legal winner thank year wave \
                 sausage wise",
                "wasm1dgjtm78zj6gesf327ludz008k4dphysgd3m85d",
            ),
            (
                "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon \
                 abandon abandon abandon abandon abandon abandon abandon agent",
                "wasm1sxkq86q5a75plf6n3tc45dxdf5cjfmuf2kffws",
            ),
        ] {
            let key = Key::from_mnemonic(phrase, DEFAULT_PREFIX).expect(phrase);
            assert_eq!(key.address(), address, "{phrase}");
        }
    }

    #[test]
    fn extra_whitespace_is_ignored_and_bad_phrases_are_refused() {
        let phrase = "abandon abandon abandon abandon abandon abandon abandon abandon abandon \
                      abandon abandon about";
        let spaced = format!("  {}\n", phrase.replace(' ', "   "));
        assert_eq!(
            Key::from_mnemonic(&spaced, "wasm")
                .expect("spaced")
                .address(),
            Key::from_mnemonic(phrase, "wasm").expect("plain").address()
        );
        for bad in [
            "abandon abandon abandon",
            "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon \
             abandon abandon",
            "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon \
             abandon zzzz",
        ] {
            assert!(
                matches!(
                    Key::from_mnemonic(bad, "wasm"),
                    Err(Error::InvalidMnemonic(_))
                ),
                "{bad}"
            );
        }
    }

    #[test]
    fn debug_shows_no_secret() {
        let key = Key::from_secret_bytes(&[7u8; 32], "wasm").expect("key");
        let shown = format!("{key:?}");
        assert!(shown.contains(key.address()));
        assert!(!shown.contains("0707"));
    }

    #[test]
    fn addresses_are_checked() {
        let key = Key::random("wasm").expect("key");
        parse_address(key.address(), "wasm").expect("own address");
        assert!(parse_address(key.address(), "cosmos").is_err());
        assert!(parse_address("wasm1nothing", "wasm").is_err());
    }
}
