//! The keystore: one JSON file per identity, `<home>/keys/<name>.json`, mode 0600.
//!
//! An identity's one secret is its BIP39 mnemonic: the chain key (`m/44'/118'/0'/0/0`) and the
//! Umbral master key ([`crate::identity`]) both come from it. The mnemonic is stored encrypted
//! with XChaCha20-Poly1305 under a key derived from a password with Argon2id (salt and
//! parameters in the file; the address is bound in as associated data, so a file whose address
//! was edited does not open). Public data (address, Umbral public keys) stays readable without
//! the password, for `keys list` and `keys show`.
//!
//! `--unencrypted` keys hold the mnemonic in clear and carry a loud `DEV ONLY` flag; the
//! localnet's dev accounts are imported that way (their mnemonics are public anyway).

use std::io::Write;
use std::path::{Path, PathBuf};

use argon2::{Algorithm, Argon2, Params, Version};
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use serde::{Deserialize, Serialize};
use thiserror::Error;
use zeroize::Zeroizing;

/// File format version.
pub const KEYSTORE_VERSION: u32 = 1;
/// The encryption of a protected file.
pub const ENCRYPTION: &str = "argon2id+xchacha20poly1305";
/// Shown with every unencrypted key.
pub const DEV_ONLY_WARNING: &str =
    "DEV ONLY: this mnemonic is stored UNENCRYPTED; never hold real funds with this key";
/// Longest key name.
pub const MAX_NAME_LEN: usize = 64;

const AAD_DOMAIN: &[u8] = b"twinshare/keystore/v1:";
const SALT_LEN: usize = 16;
const NONCE_LEN: usize = 24;

#[derive(Debug, Error)]
pub enum KeystoreError {
    #[error("no key named {name:?} in {dir}: `twinshare keys list` shows your keys; `twinshare keys add {name}` makes one, `twinshare keys import-dev` imports the localnet's dev accounts")]
    NotFound { name: String, dir: PathBuf },

    #[error("a key named {name:?} already exists ({path}); choose another name or delete that file first")]
    Exists { name: String, path: PathBuf },

    #[error("invalid key name {name:?}: use 1-64 characters of A-Z a-z 0-9 . _ - (not starting with '.')")]
    InvalidName { name: String },

    #[error("wrong password for key {name:?} (or its file was altered); try again, or give the right one with --password-file FILE or $TWINSHARE_PASSWORD")]
    WrongPassword { name: String },

    #[error("key {name:?} is encrypted and no password was given: pass --password-file FILE, set $TWINSHARE_PASSWORD, or run on a terminal to be asked")]
    PasswordNeeded { name: String },

    #[error("no password to encrypt key {name:?}: pass --password-file FILE, set $TWINSHARE_PASSWORD, run on a terminal to be asked, or use --unencrypted for a DEV ONLY key")]
    NoPasswordForNewKey { name: String },

    #[error("the passwords do not match")]
    PasswordMismatch,

    #[error("an empty password is not allowed; use --unencrypted for a DEV ONLY key")]
    EmptyPassword,

    #[error("key file {path}: {reason}")]
    Malformed { path: PathBuf, reason: String },

    #[error("{what} {path}: {source}")]
    Io {
        what: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("key encryption failed: {0}")]
    Crypto(String),
}

type Result<T> = std::result::Result<T, KeystoreError>;

/// Argon2id cost parameters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KdfParams {
    /// Memory in KiB.
    pub m_cost: u32,
    /// Passes.
    pub t_cost: u32,
    /// Lanes.
    pub p_cost: u32,
}

impl Default for KdfParams {
    /// OWASP's Argon2id recommendation: 19 MiB, 2 passes, 1 lane.
    fn default() -> Self {
        Self {
            m_cost: 19_456,
            t_cost: 2,
            p_cost: 1,
        }
    }
}

impl KdfParams {
    /// Cheap parameters for tests only.
    pub fn insecure_for_tests() -> Self {
        Self {
            m_cost: 64,
            t_cost: 1,
            p_cost: 1,
        }
    }
}

/// How the mnemonic is kept in the file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "encryption")]
pub enum Secret {
    /// Encrypted with a password.
    #[serde(rename = "argon2id+xchacha20poly1305")]
    Encrypted {
        kdf: KdfParams,
        /// Hex.
        salt: String,
        /// Hex, 24 bytes.
        nonce: String,
        /// Hex: the mnemonic's ciphertext and tag.
        ciphertext: String,
    },
    /// In clear: DEV ONLY.
    #[serde(rename = "none")]
    Plain { mnemonic: String, warning: String },
}

/// The public keys of an identity, hex (33-byte compressed points).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicKeys {
    /// Registered on chain as the party key (`RegisterParty`): checks kfrags and cfrags.
    pub verifying: String,
    /// Named when buying (`buyer_pubkey`): cfrags are made for it.
    pub receiving: String,
    /// What sellers seal kfrags to when this identity runs a relayer.
    pub relayer: String,
}

/// One key file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyFile {
    pub version: u32,
    pub name: String,
    /// Bech32 address of the chain key.
    pub address: String,
    pub public_keys: PublicKeys,
    /// Imported from the localnet's published dev accounts.
    #[serde(default)]
    pub dev_account: bool,
    /// Seconds since the Unix epoch.
    pub created_at: u64,
    #[serde(flatten)]
    pub secret: Secret,
}

impl KeyFile {
    pub fn is_encrypted(&self) -> bool {
        matches!(self.secret, Secret::Encrypted { .. })
    }

    /// The flag `keys list` shows.
    pub fn flag(&self) -> &'static str {
        match (&self.secret, self.dev_account) {
            (Secret::Encrypted { .. }, _) => "encrypted",
            (Secret::Plain { .. }, true) => "UNENCRYPTED, DEV ONLY (localnet dev account)",
            (Secret::Plain { .. }, false) => "UNENCRYPTED, DEV ONLY",
        }
    }

    /// The mnemonic: decrypted with `password` when the file is encrypted.
    pub fn mnemonic(&self, password: Option<&str>) -> Result<Zeroizing<String>> {
        match &self.secret {
            Secret::Plain { mnemonic, .. } => Ok(Zeroizing::new(mnemonic.clone())),
            Secret::Encrypted {
                kdf,
                salt,
                nonce,
                ciphertext,
            } => {
                let password = password.ok_or_else(|| KeystoreError::PasswordNeeded {
                    name: self.name.clone(),
                })?;
                let malformed = |reason: String| KeystoreError::Malformed {
                    path: PathBuf::from(format!("{}.json", self.name)),
                    reason,
                };
                let salt = hex::decode(salt).map_err(|e| malformed(format!("salt: {e}")))?;
                let nonce: [u8; NONCE_LEN] = hex::decode(nonce)
                    .map_err(|e| malformed(format!("nonce: {e}")))?
                    .try_into()
                    .map_err(|n: Vec<u8>| malformed(format!("nonce of {} bytes", n.len())))?;
                let ciphertext =
                    hex::decode(ciphertext).map_err(|e| malformed(format!("ciphertext: {e}")))?;
                let key = derive_key(password, &salt, kdf)?;
                let cipher = XChaCha20Poly1305::new_from_slice(key.as_ref())
                    .map_err(|e| KeystoreError::Crypto(e.to_string()))?;
                let plain = cipher
                    .decrypt(
                        &XNonce::from(nonce),
                        Payload {
                            msg: &ciphertext,
                            aad: &aad(&self.address),
                        },
                    )
                    .map_err(|_| KeystoreError::WrongPassword {
                        name: self.name.clone(),
                    })?;
                let plain = Zeroizing::new(plain);
                let text = std::str::from_utf8(&plain)
                    .map_err(|_| malformed("the mnemonic is not UTF-8".into()))?;
                Ok(Zeroizing::new(text.to_string()))
            }
        }
    }
}

fn aad(address: &str) -> Vec<u8> {
    [AAD_DOMAIN, address.as_bytes()].concat()
}

fn derive_key(password: &str, salt: &[u8], params: &KdfParams) -> Result<Zeroizing<[u8; 32]>> {
    let params = Params::new(params.m_cost, params.t_cost, params.p_cost, Some(32))
        .map_err(|e| KeystoreError::Crypto(format!("Argon2 parameters: {e}")))?;
    let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
    let mut key = Zeroizing::new([0u8; 32]);
    argon
        .hash_password_into(password.as_bytes(), salt, key.as_mut())
        .map_err(|e| KeystoreError::Crypto(format!("Argon2: {e}")))?;
    Ok(key)
}

fn random<const N: usize>() -> Result<[u8; N]> {
    let mut bytes = [0u8; N];
    getrandom::getrandom(&mut bytes)
        .map_err(|e| KeystoreError::Crypto(format!("OS random number generator: {e}")))?;
    Ok(bytes)
}

/// Encrypts `mnemonic` for the file of `address`.
pub fn encrypt_mnemonic(
    mnemonic: &str,
    address: &str,
    password: &str,
    kdf: KdfParams,
) -> Result<Secret> {
    if password.is_empty() {
        return Err(KeystoreError::EmptyPassword);
    }
    let salt: [u8; SALT_LEN] = random()?;
    let nonce: [u8; NONCE_LEN] = random()?;
    let key = derive_key(password, &salt, &kdf)?;
    let cipher = XChaCha20Poly1305::new_from_slice(key.as_ref())
        .map_err(|e| KeystoreError::Crypto(e.to_string()))?;
    let ciphertext = cipher
        .encrypt(
            &XNonce::from(nonce),
            Payload {
                msg: mnemonic.as_bytes(),
                aad: &aad(address),
            },
        )
        .map_err(|e| KeystoreError::Crypto(e.to_string()))?;
    Ok(Secret::Encrypted {
        kdf,
        salt: hex::encode(salt),
        nonce: hex::encode(nonce),
        ciphertext: hex::encode(ciphertext),
    })
}

/// The secret of an unencrypted (DEV ONLY) key.
pub fn plain_secret(mnemonic: &str) -> Secret {
    Secret::Plain {
        mnemonic: mnemonic.to_string(),
        warning: DEV_ONLY_WARNING.to_string(),
    }
}

/// Checks a key name: it becomes a file name.
pub fn check_name(name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.len() <= MAX_NAME_LEN
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if ok {
        Ok(())
    } else {
        Err(KeystoreError::InvalidName {
            name: name.to_string(),
        })
    }
}

/// The key files of one home folder.
#[derive(Clone, Debug)]
pub struct Keystore {
    dir: PathBuf,
}

impl Keystore {
    /// The keystore of a CLI home folder: `<home>/keys`.
    pub fn in_home(home: &Path) -> Keystore {
        Keystore {
            dir: home.join("keys"),
        }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn path_of(&self, name: &str) -> PathBuf {
        self.dir.join(format!("{name}.json"))
    }

    pub fn exists(&self, name: &str) -> bool {
        self.path_of(name).is_file()
    }

    /// Reads one key file.
    pub fn load(&self, name: &str) -> Result<KeyFile> {
        check_name(name)?;
        let path = self.path_of(name);
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(KeystoreError::NotFound {
                    name: name.to_string(),
                    dir: self.dir.clone(),
                })
            }
            Err(source) => {
                return Err(KeystoreError::Io {
                    what: "cannot read key file",
                    path,
                    source,
                })
            }
        };
        let file: KeyFile = serde_json::from_str(&text).map_err(|e| KeystoreError::Malformed {
            path: path.clone(),
            reason: e.to_string(),
        })?;
        if file.version != KEYSTORE_VERSION {
            return Err(KeystoreError::Malformed {
                path,
                reason: format!(
                    "version {}, this build reads {KEYSTORE_VERSION}",
                    file.version
                ),
            });
        }
        Ok(file)
    }

    /// Every key file, sorted by name. Unreadable files are reported, not skipped.
    pub fn list(&self) -> Result<Vec<KeyFile>> {
        let entries = match std::fs::read_dir(&self.dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(vec![]),
            Err(source) => {
                return Err(KeystoreError::Io {
                    what: "cannot list",
                    path: self.dir.clone(),
                    source,
                })
            }
        };
        let mut names: Vec<String> = entries
            .filter_map(|e| e.ok())
            .filter_map(|e| {
                let name = e.file_name().to_string_lossy().into_owned();
                name.strip_suffix(".json").map(str::to_string)
            })
            .filter(|n| check_name(n).is_ok())
            .collect();
        names.sort();
        names.iter().map(|n| self.load(n)).collect()
    }

    /// Writes a new key file (mode 0600, folder 0700); refuses to replace one unless `replace`.
    pub fn save(&self, file: &KeyFile, replace: bool) -> Result<PathBuf> {
        check_name(&file.name)?;
        let path = self.path_of(&file.name);
        if !replace && path.exists() {
            return Err(KeystoreError::Exists {
                name: file.name.clone(),
                path,
            });
        }
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::DirBuilderExt;
            builder.mode(0o700);
        }
        builder
            .create(&self.dir)
            .map_err(|source| KeystoreError::Io {
                what: "cannot create",
                path: self.dir.clone(),
                source,
            })?;
        let text = Zeroizing::new(serde_json::to_string_pretty(file).map_err(|e| {
            KeystoreError::Malformed {
                path: path.clone(),
                reason: e.to_string(),
            }
        })?);
        // Written beside the target, then renamed: a crash never leaves half a key file.
        let tmp = self.dir.join(format!(".{}.json.tmp", file.name));
        let io = |what, source| KeystoreError::Io {
            what,
            path: tmp.clone(),
            source,
        };
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut out = options.open(&tmp).map_err(|e| io("cannot create", e))?;
        out.write_all(text.as_bytes())
            .and_then(|_| out.write_all(b"\n"))
            .and_then(|_| out.sync_all())
            .map_err(|e| io("cannot write", e))?;
        std::fs::rename(&tmp, &path).map_err(|e| io("cannot rename", e))?;
        Ok(path)
    }

    /// Deletes a key file.
    pub fn delete(&self, name: &str) -> Result<PathBuf> {
        check_name(name)?;
        let path = self.path_of(name);
        std::fs::remove_file(&path).map_err(|source| {
            if source.kind() == std::io::ErrorKind::NotFound {
                KeystoreError::NotFound {
                    name: name.to_string(),
                    dir: self.dir.clone(),
                }
            } else {
                KeystoreError::Io {
                    what: "cannot delete",
                    path: path.clone(),
                    source,
                }
            }
        })?;
        Ok(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PHRASE: &str = "abandon abandon abandon abandon abandon abandon abandon abandon \
                          abandon abandon abandon about";

    fn file(name: &str, secret: Secret) -> KeyFile {
        KeyFile {
            version: KEYSTORE_VERSION,
            name: name.into(),
            address: "wasm19rl4cm2hmr8afy4kldpxz3fka4jguq0akuugk7".into(),
            public_keys: PublicKeys {
                verifying: "02".into(),
                receiving: "03".into(),
                relayer: "02".into(),
            },
            dev_account: false,
            created_at: 1,
            secret,
        }
    }

    #[test]
    fn encrypted_keys_open_with_the_password_only() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Keystore::in_home(dir.path());
        let address = "wasm19rl4cm2hmr8afy4kldpxz3fka4jguq0akuugk7";
        let secret = encrypt_mnemonic(
            PHRASE,
            address,
            "correct horse",
            KdfParams::insecure_for_tests(),
        )
        .expect("encrypt");
        let key = file("alice", secret);
        let path = store.save(&key, false).expect("save");
        let text = std::fs::read_to_string(&path).expect("read");
        assert!(!text.contains("abandon"), "the mnemonic leaked: {text}");
        assert!(text.contains(ENCRYPTION), "{text}");

        let loaded = store.load("alice").expect("load");
        assert_eq!(loaded, key);
        assert!(loaded.is_encrypted());
        assert_eq!(loaded.flag(), "encrypted");
        assert_eq!(
            loaded
                .mnemonic(Some("correct horse"))
                .expect("open")
                .as_str(),
            PHRASE
        );
        assert!(matches!(
            loaded.mnemonic(Some("wrong")),
            Err(KeystoreError::WrongPassword { .. })
        ));
        assert!(matches!(
            loaded.mnemonic(None),
            Err(KeystoreError::PasswordNeeded { .. })
        ));
        // An edited address (bound as associated data) makes the file unopenable.
        let mut moved = loaded.clone();
        moved.address = "wasm1dgjtm78zj6gesf327ludz008k4dphysgd3m85d".into();
        assert!(matches!(
            moved.mnemonic(Some("correct horse")),
            Err(KeystoreError::WrongPassword { .. })
        ));
        let e = loaded.mnemonic(Some("wrong")).expect_err("wrong");
        assert!(e.to_string().contains("--password-file"), "{e}");

        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).expect("meta").permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
        assert!(matches!(
            store.save(&key, false),
            Err(KeystoreError::Exists { .. })
        ));
        assert!(matches!(
            encrypt_mnemonic(PHRASE, address, "", KdfParams::insecure_for_tests()),
            Err(KeystoreError::EmptyPassword)
        ));
    }

    #[test]
    fn unencrypted_keys_are_flagged_dev_only() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Keystore::in_home(dir.path());
        let mut dev = file("bob", plain_secret(PHRASE));
        dev.dev_account = true;
        store.save(&dev, false).expect("save");
        store
            .save(&file("carol", plain_secret(PHRASE)), false)
            .expect("save");
        let listed = store.list().expect("list");
        assert_eq!(
            listed.iter().map(|k| k.name.as_str()).collect::<Vec<_>>(),
            ["bob", "carol"]
        );
        assert!(listed[0].flag().contains("DEV ONLY"));
        assert!(listed[0].flag().contains("dev account"));
        assert!(listed[1].flag().contains("DEV ONLY"));
        assert!(!listed[1].is_encrypted());
        assert_eq!(listed[1].mnemonic(None).expect("plain").as_str(), PHRASE);
        let text = std::fs::read_to_string(store.path_of("bob")).expect("read");
        assert!(text.contains("DEV ONLY"), "{text}");
        assert!(text.contains("\"encryption\": \"none\""), "{text}");
        store.delete("bob").expect("delete");
        assert!(matches!(
            store.load("bob"),
            Err(KeystoreError::NotFound { .. })
        ));
    }

    #[test]
    fn names_are_checked() {
        for bad in ["", ".x", "a/b", "a b", &"x".repeat(65)] {
            assert!(check_name(bad).is_err(), "{bad:?}");
        }
        check_name("alice-2.test_x").expect("good name");
        let store = Keystore::in_home(Path::new("/nonexistent"));
        assert!(store.list().expect("empty").is_empty());
        let e = store.load("nobody").expect_err("missing");
        assert!(e.to_string().contains("keys import-dev"), "{e}");
    }
}
