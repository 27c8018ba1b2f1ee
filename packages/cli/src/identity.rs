//! An identity: one BIP39 mnemonic gives the chain key (`m/44'/118'/0'/0/0`, the client crate's
//! [`Key`]) and the Umbral master key (`MasterKey::from_bip39_seed` of the same BIP39 seed,
//! empty passphrase), so one secret backs up both. Also where passwords come from.

use std::io::IsTerminal;
use std::path::PathBuf;

use twinshare_client::Key;
use twinshare_crypto::{Codec, MasterKey};
use zeroize::Zeroizing;

use crate::error::{Error, Result};
use crate::keystore::{KeyFile, KeystoreError, PublicKeys};

/// Environment variable holding the keystore password (for scripts and CI).
pub const PASSWORD_ENV: &str = "TWINSHARE_PASSWORD";

/// The Umbral master key of a mnemonic (see the module documentation).
pub fn umbral_master(phrase: &str) -> Result<MasterKey> {
    MasterKey::from_mnemonic(phrase).map_err(|e| match e {
        twinshare_crypto::CryptoError::InvalidMnemonic { reason } => {
            Error::Chain(twinshare_client::Error::InvalidMnemonic(reason))
        }
        other => Error::from(other),
    })
}

/// A fresh mnemonic of 12 or 24 words from the OS RNG.
pub fn generate_mnemonic(words: usize) -> Result<Zeroizing<String>> {
    let len = match words {
        12 => 16,
        24 => 32,
        other => return Err(Error::Usage(format!("--words {other}: use 12 or 24 words"))),
    };
    let mut entropy = Zeroizing::new([0u8; 32]);
    getrandom::getrandom(&mut entropy[..len])
        .map_err(|e| Error::Usage(format!("OS random number generator: {e}")))?;
    let mnemonic = bip39::Mnemonic::from_entropy(&entropy[..len])
        .map_err(|e| Error::Usage(format!("mnemonic: {e}")))?;
    Ok(Zeroizing::new(mnemonic.to_string()))
}

/// A usable identity: its chain key and its Umbral keys.
pub struct Identity {
    pub name: String,
    pub key: Key,
    pub master: MasterKey,
}

impl std::fmt::Debug for Identity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Identity")
            .field("name", &self.name)
            .field("address", &self.key.address())
            .finish_non_exhaustive()
    }
}

impl Identity {
    pub fn from_mnemonic(name: &str, phrase: &str, prefix: &str) -> Result<Identity> {
        Ok(Identity {
            name: name.to_string(),
            key: Key::from_mnemonic(phrase, prefix)?,
            master: umbral_master(phrase)?,
        })
    }

    pub fn address(&self) -> &str {
        self.key.address()
    }

    pub fn public_keys(&self) -> PublicKeys {
        public_keys(&self.master)
    }

    /// A second copy (the client's `Key` is not `Clone`): re-derived from the same secret.
    pub fn from_key_file(file: &KeyFile, password: Option<&str>, prefix: &str) -> Result<Self> {
        let phrase = file.mnemonic(password)?;
        let id = Identity::from_mnemonic(&file.name, &phrase, prefix)?;
        if id.address() != file.address && prefix_of(&file.address) == Some(prefix) {
            return Err(KeystoreError::Malformed {
                path: PathBuf::from(format!("{}.json", file.name)),
                reason: format!(
                    "its mnemonic derives {}, but the file says {}",
                    id.address(),
                    file.address
                ),
            }
            .into());
        }
        Ok(id)
    }
}

fn prefix_of(address: &str) -> Option<&str> {
    address.rsplit_once('1').map(|(p, _)| p)
}

/// The hex public keys of a master key.
pub fn public_keys(master: &MasterKey) -> PublicKeys {
    PublicKeys {
        verifying: master.verifying_public_key().to_hex(),
        receiving: master.receiving_key().public_key().to_hex(),
        relayer: master.relayer_key().public_key().to_hex(),
    }
}

/// Where a password comes from: `--password-file`, `$TWINSHARE_PASSWORD`, or a prompt on the
/// terminal.
#[derive(Clone, Debug, Default)]
pub struct PasswordSource {
    pub file: Option<PathBuf>,
    /// Never prompt (tests, daemons).
    pub no_prompt: bool,
}

impl PasswordSource {
    /// The password of an existing key; `None` when no source has one.
    pub fn for_existing(&self, name: &str) -> Result<Option<Zeroizing<String>>> {
        if let Some(p) = self.file_or_env()? {
            return Ok(Some(p));
        }
        if self.can_prompt() {
            let p = rpassword::prompt_password(format!("password of key {name}: "))
                .map_err(|e| Error::io("cannot read the password from the terminal", e))?;
            return Ok(Some(Zeroizing::new(p)));
        }
        Ok(None)
    }

    /// The password for a new key (asked twice on a terminal).
    pub fn for_new(&self, name: &str) -> Result<Zeroizing<String>> {
        if let Some(p) = self.file_or_env()? {
            return Ok(p);
        }
        if !self.can_prompt() {
            return Err(KeystoreError::NoPasswordForNewKey {
                name: name.to_string(),
            }
            .into());
        }
        let first = Zeroizing::new(
            rpassword::prompt_password(format!("new password for key {name}: "))
                .map_err(|e| Error::io("cannot read the password from the terminal", e))?,
        );
        let second = Zeroizing::new(
            rpassword::prompt_password("repeat it: ")
                .map_err(|e| Error::io("cannot read the password from the terminal", e))?,
        );
        if first != second {
            return Err(KeystoreError::PasswordMismatch.into());
        }
        Ok(first)
    }

    fn file_or_env(&self) -> Result<Option<Zeroizing<String>>> {
        if let Some(path) = &self.file {
            let text = Zeroizing::new(std::fs::read_to_string(path).map_err(|e| {
                Error::io(format!("cannot read password file {}", path.display()), e)
            })?);
            // One trailing newline (as `echo` writes) is not part of the password.
            let p = text
                .strip_suffix('\n')
                .map(|t| t.strip_suffix('\r').unwrap_or(t))
                .unwrap_or(&text);
            return Ok(Some(Zeroizing::new(p.to_string())));
        }
        Ok(std::env::var(PASSWORD_ENV)
            .ok()
            .filter(|p| !p.is_empty())
            .map(Zeroizing::new))
    }

    fn can_prompt(&self) -> bool {
        !self.no_prompt && std::io::stdin().is_terminal()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ABOUT: &str = "abandon abandon abandon abandon abandon abandon abandon abandon \
                         abandon abandon abandon about";

    #[test]
    fn one_mnemonic_gives_both_keys() {
        let id = Identity::from_mnemonic("x", ABOUT, "wasm").expect("identity");
        assert_eq!(id.address(), "wasm19rl4cm2hmr8afy4kldpxz3fka4jguq0akuugk7");
        // The crypto crate pins the keys of this phrase's BIP39 seed (the web wallet's vector).
        assert_eq!(
            id.public_keys().verifying,
            "02c574bff71f69b95b3155d139de56a21a2b08bf1ede4cdb364ad78ab1ce15de03"
        );
        assert_eq!(
            id.public_keys().receiving,
            "03f1c7fbdfd55fad659816013c1ad50287796a9e20dd70353ad78230f49bf597cf"
        );
        assert!(umbral_master("not a phrase").is_err());
    }

    #[test]
    fn generated_mnemonics_parse() {
        for words in [12, 24] {
            let m = generate_mnemonic(words).expect("mnemonic");
            assert_eq!(m.split_whitespace().count(), words);
            Identity::from_mnemonic("n", &m, "wasm").expect("identity");
        }
        assert!(generate_mnemonic(13).is_err());
        assert_ne!(
            *generate_mnemonic(12).expect("a"),
            *generate_mnemonic(12).expect("b")
        );
    }

    #[test]
    fn a_password_file_loses_one_trailing_newline() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("pw");
        std::fs::write(&path, "s3cret \n").expect("write");
        let source = PasswordSource {
            file: Some(path),
            no_prompt: true,
        };
        assert_eq!(
            source
                .for_existing("k")
                .expect("pw")
                .expect("some")
                .as_str(),
            "s3cret "
        );
    }
}
