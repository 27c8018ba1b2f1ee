//! Keys. One 32-byte master seed per party yields every Umbral key it needs, through
//! umbral-pre's `SecretKeyFactory` (HKDF-SHA256 with a label per key): losing nothing but the
//! seed loses nothing, and the derived keys are reproducible (see the test vectors).
//!
//! The owner's delegating key is derived per asset, so the kfrags of one sale re-key one
//! asset's capsules and nothing else. Serialization of every Umbral object is in one place
//! ([`Codec`]): public keys are 33-byte compressed points (what `twinshare_types::umbral`
//! accepts on chain); capsules, kfrags and cfrags use umbral-pre's default MessagePack bytes,
//! the same bytes its Python and JS bindings read and write.

use umbral_pre::{
    Capsule, CapsuleFrag, DefaultDeserialize, DefaultSerialize, KeyFrag, PublicKey, SecretKey,
    SecretKeyFactory, Signer,
};
use zeroize::Zeroizing;

use crate::error::{CryptoError, Result};

/// Length of a master seed.
pub const SEED_LEN: usize = 32;
/// Length of a serialized secret key (a big-endian secp256k1 scalar).
pub const SECRET_KEY_LEN: usize = 32;
/// Length of a serialized public key (a compressed secp256k1 point).
pub const PUBLIC_KEY_LEN: usize = twinshare_types::umbral::PUBLIC_KEY_LEN;

/// Key-derivation labels. Versioned so that a later scheme can derive fresh keys from the same
/// seed; none is a prefix of another, so no two purposes can share a key.
const LABEL_RECEIVING: &[u8] = b"twinshare/v1/receiving";
const LABEL_SIGNING: &[u8] = b"twinshare/v1/signing";
const LABEL_RELAYER: &[u8] = b"twinshare/v1/relayer";
const LABEL_ASSET_PREFIX: &[u8] = b"twinshare/v1/asset/";

/// Length of a BIP39 seed (PBKDF2-HMAC-SHA512 of the mnemonic).
pub const BIP39_SEED_LEN: usize = 64;
/// Domain of the master seed derived from a BIP39 seed (see [`MasterKey::from_bip39_seed`]).
pub const BIP39_UMBRAL_DOMAIN: &[u8] = b"twinshare/umbral/v1";

/// A party's master secret. Zeroized on drop (umbral-pre's factory keeps its seed in a
/// zeroizing box); it has no serialization: keep the seed, not this.
#[derive(Clone)]
pub struct MasterKey(SecretKeyFactory);

impl MasterKey {
    /// From a 32-byte seed that came from a cryptographically secure source (or a wallet's
    /// seed derivation).
    pub fn from_seed(seed: &[u8]) -> Result<Self> {
        SecretKeyFactory::from_secure_randomness(seed)
            .map(Self)
            .map_err(|_| CryptoError::InvalidSeed {
                expected: SEED_LEN,
                got: seed.len(),
            })
    }

    /// The master key of an identity whose one secret is a BIP39 mnemonic (the chain key comes
    /// from the same mnemonic at `m/44'/118'/0'/0/0`): the master seed is
    /// `SHA-256("twinshare/umbral/v1" || bip39_seed)`, where `bip39_seed` is the 64-byte BIP39
    /// seed of the mnemonic with the empty passphrase. The CLI and the web wallet both derive
    /// it this way, so one mnemonic gives the same Umbral keys everywhere.
    pub fn from_bip39_seed(bip39_seed: &[u8; BIP39_SEED_LEN]) -> Self {
        use sha2::{Digest, Sha256};
        let mut hasher = Sha256::new();
        hasher.update(BIP39_UMBRAL_DOMAIN);
        hasher.update(bip39_seed);
        let seed = Zeroizing::new(<[u8; SEED_LEN]>::from(hasher.finalize()));
        // A 32-byte seed is always accepted.
        match SecretKeyFactory::from_secure_randomness(seed.as_ref()) {
            Ok(factory) => Self(factory),
            Err(_) => unreachable!("a {SEED_LEN}-byte seed is the size umbral-pre expects"),
        }
    }

    /// The master key of a BIP39 mnemonic (12-24 English words, surrounding whitespace
    /// ignored): [`MasterKey::from_bip39_seed`] of its seed with the empty passphrase. The CLI,
    /// the relayer and the web wallet all call this.
    pub fn from_mnemonic(phrase: &str) -> Result<Self> {
        let mnemonic =
            bip39::Mnemonic::parse(phrase.trim()).map_err(|e| CryptoError::InvalidMnemonic {
                reason: e.to_string(),
            })?;
        let seed: Zeroizing<[u8; BIP39_SEED_LEN]> = Zeroizing::new(mnemonic.to_seed(""));
        Ok(Self::from_bip39_seed(&seed))
    }

    /// A fresh random master key from the OS (or browser) RNG.
    pub fn random() -> Self {
        Self(SecretKeyFactory::random())
    }

    /// The key a buyer names when it buys: cfrags are made for its public key.
    pub fn receiving_key(&self) -> SecretKey {
        self.0.make_key(LABEL_RECEIVING)
    }

    /// The key that signs kfrags; relayer and buyer check kfrags and cfrags against its public
    /// key, so a relayer cannot substitute kfrags of its own.
    pub fn signer(&self) -> Signer {
        Signer::new(self.0.make_key(LABEL_SIGNING))
    }

    /// Public key of [`MasterKey::signer`].
    pub fn verifying_public_key(&self) -> PublicKey {
        self.signer().verifying_key()
    }

    /// A relayer's key: sellers seal kfrags to its public key.
    pub fn relayer_key(&self) -> SecretKey {
        self.0.make_key(LABEL_RELAYER)
    }

    /// The delegating key of one asset (or one stream). `asset_id` is any stable identifier
    /// the owner chooses before encrypting (a UUID, a stream id); the on-chain asset number is
    /// assigned later and cannot be used. Distinct ids give independent keys.
    pub fn delegating_key(&self, asset_id: &[u8]) -> Result<SecretKey> {
        if asset_id.is_empty() {
            return Err(CryptoError::EmptyAssetId);
        }
        let label = [LABEL_ASSET_PREFIX, asset_id].concat();
        Ok(self.0.make_key(&label))
    }
}

impl core::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("MasterKey(..)")
    }
}

/// Serializes a secret key as its 32-byte big-endian scalar, in a buffer zeroized on drop.
pub fn secret_key_to_bytes(sk: &SecretKey) -> Zeroizing<Vec<u8>> {
    Zeroizing::new(sk.to_be_bytes().as_secret().to_vec())
}

/// Parses a 32-byte big-endian scalar (non-zero, below the curve order).
pub fn secret_key_from_bytes(bytes: &[u8]) -> Result<SecretKey> {
    let invalid = |reason: String| CryptoError::InvalidEncoding {
        what: "secret key",
        reason,
    };
    if bytes.len() != SECRET_KEY_LEN {
        return Err(invalid(format!(
            "{} bytes, expected {SECRET_KEY_LEN}",
            bytes.len()
        )));
    }
    // umbral-pre parses only from its own zeroizing box, which it does not let us create: take
    // the box of a throwaway key and overwrite it.
    let mut boxed = SecretKeyFactory::from_secure_randomness(&[0u8; SEED_LEN])
        .map_err(|e| invalid(e.to_string()))?
        .make_key(b"placeholder")
        .to_be_bytes();
    boxed.as_mut_secret().copy_from_slice(bytes);
    SecretKey::try_from_be_bytes(&boxed).map_err(invalid)
}

/// Hex of [`secret_key_to_bytes`], zeroized on drop.
pub fn secret_key_to_hex(sk: &SecretKey) -> Zeroizing<String> {
    Zeroizing::new(hex::encode(secret_key_to_bytes(sk).as_slice()))
}

/// Parses the hex of [`secret_key_to_hex`].
pub fn secret_key_from_hex(s: &str) -> Result<SecretKey> {
    let bytes = Zeroizing::new(decode_hex("secret key", s)?);
    secret_key_from_bytes(&bytes)
}

pub(crate) fn decode_hex(what: &'static str, s: &str) -> Result<Vec<u8>> {
    hex::decode(s).map_err(|e| CryptoError::InvalidEncoding {
        what,
        reason: e.to_string(),
    })
}

/// Bytes and hex of the public Umbral objects. Hex is lowercase without a `0x` prefix.
pub trait Codec: Sized {
    /// Name used in errors.
    const WHAT: &'static str;

    fn encode(&self) -> Vec<u8>;

    fn decode(bytes: &[u8]) -> Result<Self>;

    fn to_hex(&self) -> String {
        hex::encode(self.encode())
    }

    fn from_hex(s: &str) -> Result<Self> {
        Self::decode(&decode_hex(Self::WHAT, s)?)
    }
}

impl Codec for PublicKey {
    const WHAT: &'static str = "public key";

    fn encode(&self) -> Vec<u8> {
        self.to_compressed_bytes().into_vec()
    }

    fn decode(bytes: &[u8]) -> Result<Self> {
        // The same rule the contracts apply to keys in messages, then Umbral's own parse.
        twinshare_types::umbral::validate_public_key(bytes).map_err(|e| {
            CryptoError::InvalidEncoding {
                what: Self::WHAT,
                reason: e.to_string(),
            }
        })?;
        PublicKey::try_from_compressed_bytes(bytes).map_err(|reason| CryptoError::InvalidEncoding {
            what: Self::WHAT,
            reason,
        })
    }
}

/// MessagePack into a `Vec` fails only for types serde cannot describe, which these are not.
fn msgpack<T: DefaultSerialize>(value: &T) -> Vec<u8> {
    value
        .to_bytes()
        .expect("umbral-pre objects always serialize to MessagePack")
        .into_vec()
}

fn from_msgpack<'de, T: DefaultDeserialize<'de>>(
    what: &'static str,
    bytes: &'de [u8],
) -> Result<T> {
    T::from_bytes(bytes).map_err(|e| CryptoError::InvalidEncoding {
        what,
        reason: e.to_string(),
    })
}

impl Codec for Capsule {
    const WHAT: &'static str = "capsule";

    fn encode(&self) -> Vec<u8> {
        msgpack(self)
    }

    /// Also checks the capsule's internal proof (umbral-pre does on deserialization).
    fn decode(bytes: &[u8]) -> Result<Self> {
        from_msgpack(Self::WHAT, bytes)
    }
}

impl Codec for KeyFrag {
    const WHAT: &'static str = "kfrag";

    fn encode(&self) -> Vec<u8> {
        msgpack(self)
    }

    fn decode(bytes: &[u8]) -> Result<Self> {
        from_msgpack(Self::WHAT, bytes)
    }
}

impl Codec for CapsuleFrag {
    const WHAT: &'static str = "cfrag";

    fn encode(&self) -> Vec<u8> {
        msgpack(self)
    }

    fn decode(bytes: &[u8]) -> Result<Self> {
        from_msgpack(Self::WHAT, bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seed(start: u8) -> Vec<u8> {
        (start..start + 32).collect()
    }

    #[test]
    fn seed_must_be_32_bytes() {
        assert_eq!(
            MasterKey::from_seed(&[0u8; 31]).unwrap_err(),
            CryptoError::InvalidSeed {
                expected: 32,
                got: 31
            }
        );
        assert!(MasterKey::from_seed(&[0u8; 33]).is_err());
    }

    #[test]
    fn derivation_is_deterministic_and_separated() {
        let a = MasterKey::from_seed(&seed(0)).unwrap();
        let a2 = MasterKey::from_seed(&seed(0)).unwrap();
        let b = MasterKey::from_seed(&seed(1)).unwrap();
        assert_eq!(
            a.receiving_key().public_key(),
            a2.receiving_key().public_key()
        );
        assert_ne!(
            a.receiving_key().public_key(),
            b.receiving_key().public_key()
        );
        let keys = [
            a.receiving_key().public_key(),
            a.verifying_public_key(),
            a.relayer_key().public_key(),
            a.delegating_key(b"asset-1").unwrap().public_key(),
            a.delegating_key(b"asset-2").unwrap().public_key(),
        ];
        for i in 0..keys.len() {
            for j in i + 1..keys.len() {
                assert_ne!(keys[i], keys[j], "keys {i} and {j} coincide");
            }
        }
        assert!(matches!(
            a.delegating_key(b""),
            Err(CryptoError::EmptyAssetId)
        ));
    }

    /// The derivation the web wallet must reproduce: a fixed BIP39 seed (the seed of the
    /// "abandon ... about" 12-word phrase, empty passphrase) and its pinned public keys.
    #[test]
    fn bip39_seed_derivation_is_pinned() {
        let bip39_seed: [u8; 64] = hex::decode(
            "5eb00bbddcf069084889a8ab9155568165f5c453ccb85e70811aaed6f6da5fc1\
             9a5ac40b389cd370d086206dec8aa6c43daea6690f20ad3d8d48b2d2ce9e38e4",
        )
        .unwrap()
        .try_into()
        .unwrap();
        let from_bip39 = MasterKey::from_bip39_seed(&bip39_seed);
        // The same as hashing by hand and using from_seed.
        use sha2::{Digest, Sha256};
        let mut h = Sha256::new();
        h.update(b"twinshare/umbral/v1");
        h.update(bip39_seed);
        let by_hand = MasterKey::from_seed(&h.finalize()).unwrap();
        assert_eq!(
            from_bip39.verifying_public_key(),
            by_hand.verifying_public_key()
        );
        assert_eq!(
            from_bip39.receiving_key().public_key(),
            by_hand.receiving_key().public_key()
        );
        assert_eq!(from_bip39.verifying_public_key().to_hex(), PINNED_VERIFYING);
        assert_eq!(
            from_bip39.receiving_key().public_key().to_hex(),
            PINNED_RECEIVING
        );
        let mut other = bip39_seed;
        other[0] ^= 1;
        assert_ne!(
            MasterKey::from_bip39_seed(&other).verifying_public_key(),
            from_bip39.verifying_public_key()
        );
    }

    /// The seed above is the "abandon ... about" phrase's: the mnemonic path gives the same keys.
    #[test]
    fn mnemonic_gives_the_pinned_keys() {
        let phrase = "  abandon abandon abandon abandon abandon abandon abandon abandon \
                      abandon abandon abandon about\n";
        let master = MasterKey::from_mnemonic(phrase).unwrap();
        assert_eq!(master.verifying_public_key().to_hex(), PINNED_VERIFYING);
        assert_eq!(
            master.receiving_key().public_key().to_hex(),
            PINNED_RECEIVING
        );
        for bad in [
            "",
            "abandon abandon",
            // Valid words, wrong checksum.
            "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon",
            "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon zzzz",
        ] {
            assert!(
                matches!(
                    MasterKey::from_mnemonic(bad),
                    Err(CryptoError::InvalidMnemonic { .. })
                ),
                "{bad:?} accepted"
            );
        }
    }

    const PINNED_VERIFYING: &str =
        "02c574bff71f69b95b3155d139de56a21a2b08bf1ede4cdb364ad78ab1ce15de03";
    const PINNED_RECEIVING: &str =
        "03f1c7fbdfd55fad659816013c1ad50287796a9e20dd70353ad78230f49bf597cf";

    #[test]
    fn secret_and_public_keys_round_trip() {
        let sk = MasterKey::from_seed(&seed(7)).unwrap().receiving_key();
        let bytes = secret_key_to_bytes(&sk);
        assert_eq!(bytes.len(), SECRET_KEY_LEN);
        assert!(secret_key_from_bytes(&bytes).unwrap() == sk);
        assert!(secret_key_from_hex(&secret_key_to_hex(&sk)).unwrap() == sk);
        assert!(secret_key_from_bytes(&[0u8; 32]).is_err(), "zero scalar");
        assert!(secret_key_from_bytes(&[1u8; 31]).is_err());
        assert!(secret_key_from_hex("zz").is_err());

        let pk = sk.public_key();
        let pk_bytes = pk.encode();
        assert_eq!(pk_bytes.len(), PUBLIC_KEY_LEN);
        assert_eq!(PublicKey::decode(&pk_bytes).unwrap(), pk);
        assert_eq!(PublicKey::from_hex(&pk.to_hex()).unwrap(), pk);
        assert!(PublicKey::decode(&pk_bytes[1..]).is_err());
        assert!(PublicKey::from_hex("02").is_err());
    }
}
