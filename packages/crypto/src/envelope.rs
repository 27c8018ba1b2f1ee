//! The envelope: one Umbral capsule wraps a random 32-byte data key; every fragment is sealed
//! under that key with XChaCha20-Poly1305. Re-encryption for a buyer then touches the capsule
//! only, whatever the data size.
//!
//! A sealed fragment is `nonce (24 bytes) || ciphertext || tag (16 bytes)`, the nonce random
//! (192 bits: random nonces do not collide, however many fragments). The AAD is
//! `"twinshare/v1/fragment" || envelope id (32) || index (u64 BE) || plaintext size (u64 BE)`:
//! a fragment moved to another index, shortened, or taken from another envelope (another
//! asset, another epoch) fails to authenticate even under the same data key.

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use sha2::{Digest, Sha256};
use twinshare_types::merkle::Hash;
use umbral_pre::{Capsule, CapsuleFrag, PublicKey, SecretKey};
use zeroize::Zeroizing;

use crate::error::{CryptoError, Result};
use crate::sharing::verify_cfrags;

/// Length of the data key.
pub const DATA_KEY_LEN: usize = 32;
/// Length of the random nonce stored in front of each sealed fragment.
pub const NONCE_LEN: usize = 24;
/// Length of the Poly1305 tag at the end of each sealed fragment.
pub const TAG_LEN: usize = 16;
/// Bytes a sealed fragment adds to its plaintext.
pub const FRAGMENT_OVERHEAD: usize = NONCE_LEN + TAG_LEN;

const ENVELOPE_ID_DOMAIN: &[u8] = b"twinshare/v1/envelope-id";
const FRAGMENT_AAD_DOMAIN: &[u8] = b"twinshare/v1/fragment";

/// The symmetric key of one envelope. Zeroized on drop, never serialized in the clear: it
/// travels only inside the capsule's encryption.
pub struct DataKey(Zeroizing<[u8; DATA_KEY_LEN]>);

impl DataKey {
    fn random() -> Result<Self> {
        let mut key = Zeroizing::new([0u8; DATA_KEY_LEN]);
        getrandom::getrandom(key.as_mut()).map_err(|e| CryptoError::Encryption {
            reason: format!("RNG: {e}"),
        })?;
        Ok(Self(key))
    }

    fn from_slice(bytes: &[u8]) -> Result<Self> {
        let arr: [u8; DATA_KEY_LEN] =
            bytes.try_into().map_err(|_| CryptoError::InvalidEncoding {
                what: "data key",
                reason: format!("{} bytes, expected {DATA_KEY_LEN}", bytes.len()),
            })?;
        Ok(Self(Zeroizing::new(arr)))
    }

    fn cipher(&self) -> XChaCha20Poly1305 {
        XChaCha20Poly1305::new(self.0.as_ref().into())
    }
}

impl core::fmt::Debug for DataKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("DataKey(..)")
    }
}

/// Names an envelope in every fragment's AAD: SHA-256 of a domain string and the capsule's
/// canonical bytes (`e || v || s`, 98 bytes), so it is fixed by the capsule and differs
/// between any two envelopes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct EnvelopeId(pub [u8; 32]);

impl EnvelopeId {
    pub fn of(capsule: &Capsule) -> Self {
        Self(
            Sha256::new()
                .chain_update(ENVELOPE_ID_DOMAIN)
                .chain_update(capsule.to_bytes_simple())
                .finalize()
                .into(),
        )
    }
}

/// A capsule and the data key it wraps (Umbral's own DEM ciphertext of the key, 72 bytes).
#[derive(Clone, Debug, PartialEq)]
pub struct Envelope {
    pub capsule: Capsule,
    pub encrypted_key: Vec<u8>,
}

impl Envelope {
    /// Draws a fresh data key and wraps it for the (per-asset) delegating public key.
    pub fn seal(delegating_pk: &PublicKey) -> Result<(Self, DataKey)> {
        let key = DataKey::random()?;
        let (capsule, encrypted_key) =
            umbral_pre::encrypt(delegating_pk, key.0.as_ref()).map_err(|e| {
                CryptoError::Encryption {
                    reason: e.to_string(),
                }
            })?;
        Ok((
            Self {
                capsule,
                encrypted_key: encrypted_key.into_vec(),
            },
            key,
        ))
    }

    pub fn id(&self) -> EnvelopeId {
        EnvelopeId::of(&self.capsule)
    }

    /// The owner opens its own envelope with the asset's delegating secret key.
    pub fn open_original(&self, delegating_sk: &SecretKey) -> Result<DataKey> {
        let key = umbral_pre::decrypt_original(delegating_sk, &self.capsule, &self.encrypted_key)
            .map_err(|_| CryptoError::WrongKey)?;
        DataKey::from_slice(&Zeroizing::new(key))
    }

    /// The buyer opens the envelope with the cfrags the relayer made for it. Each cfrag is
    /// verified first against the capsule, the seller's verifying key, the delegating key and
    /// the buyer's own public key; the buyer must know `verifying_pk` from a source the
    /// relayer does not control.
    pub fn open_reencrypted(
        &self,
        receiving_sk: &SecretKey,
        delegating_pk: &PublicKey,
        verifying_pk: &PublicKey,
        cfrags: Vec<CapsuleFrag>,
    ) -> Result<DataKey> {
        let verified = verify_cfrags(
            cfrags,
            &self.capsule,
            verifying_pk,
            delegating_pk,
            &receiving_sk.public_key(),
        )?;
        let key = umbral_pre::decrypt_reencrypted(
            receiving_sk,
            delegating_pk,
            &self.capsule,
            verified,
            &self.encrypted_key,
        )
        .map_err(|e| match e {
            umbral_pre::ReencryptionError::OnOpen(
                umbral_pre::OpenReencryptedError::ValidationFailed,
            )
            | umbral_pre::ReencryptionError::OnDecryption(_) => CryptoError::WrongKey,
            umbral_pre::ReencryptionError::OnOpen(other) => CryptoError::CfragCombination {
                reason: other.to_string(),
            },
        })?;
        DataKey::from_slice(&Zeroizing::new(key))
    }
}

/// SHA-256 of a plaintext fragment: the Merkle leaf value of TwinShare's root.
pub fn plaintext_hash(plaintext: &[u8]) -> Hash {
    Sha256::digest(plaintext).into()
}

/// SHA-256 of a sealed fragment (nonce included): what the manifest lists and a downloader
/// checks before decrypting.
pub fn ciphertext_hash(sealed: &[u8]) -> Hash {
    Sha256::digest(sealed).into()
}

/// One fragment sealed, with what the manifest and the Merkle root need from it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SealedFragment {
    pub index: u64,
    /// Plaintext size.
    pub size: u64,
    /// `nonce || ciphertext || tag`: the bytes to store.
    pub ciphertext: Vec<u8>,
    pub ciphertext_hash: Hash,
    /// SHA-256 of the plaintext: the Merkle leaf value. Never goes into the manifest.
    pub plaintext_hash: Hash,
}

fn aad(id: &EnvelopeId, index: u64, size: u64) -> Vec<u8> {
    let mut aad = Vec::with_capacity(FRAGMENT_AAD_DOMAIN.len() + 32 + 16);
    aad.extend_from_slice(FRAGMENT_AAD_DOMAIN);
    aad.extend_from_slice(&id.0);
    aad.extend_from_slice(&index.to_be_bytes());
    aad.extend_from_slice(&size.to_be_bytes());
    aad
}

/// Seals fragment `index` of an envelope. Independent of every other fragment, so an
/// uploader can stream and parallelize.
pub fn encrypt_fragment(
    key: &DataKey,
    id: &EnvelopeId,
    index: u64,
    plaintext: &[u8],
) -> Result<SealedFragment> {
    let size = plaintext.len() as u64;
    let mut nonce = [0u8; NONCE_LEN];
    getrandom::getrandom(&mut nonce).map_err(|e| CryptoError::Encryption {
        reason: format!("RNG: {e}"),
    })?;
    let aad = aad(id, index, size);
    let body = key
        .cipher()
        .encrypt(
            &XNonce::from(nonce),
            Payload {
                msg: plaintext,
                aad: &aad,
            },
        )
        .map_err(|_| CryptoError::Encryption {
            reason: format!("fragment {index} is too large for the AEAD"),
        })?;
    let mut ciphertext = Vec::with_capacity(NONCE_LEN + body.len());
    ciphertext.extend_from_slice(&nonce);
    ciphertext.extend_from_slice(&body);
    Ok(SealedFragment {
        index,
        size,
        ciphertext_hash: ciphertext_hash(&ciphertext),
        plaintext_hash: plaintext_hash(plaintext),
        ciphertext,
    })
}

/// Opens fragment `index` of `size` plaintext bytes. Fails with `FragmentCorrupt` when the
/// bytes were altered, belong to another index or size, or to another envelope.
pub fn decrypt_fragment(
    key: &DataKey,
    id: &EnvelopeId,
    index: u64,
    size: u64,
    sealed: &[u8],
) -> Result<Vec<u8>> {
    let corrupt = CryptoError::FragmentCorrupt { index };
    let expected_len = size.checked_add(FRAGMENT_OVERHEAD as u64);
    if expected_len != Some(sealed.len() as u64) {
        return Err(corrupt);
    }
    let (nonce, body) = sealed.split_at(NONCE_LEN);
    let nonce: [u8; NONCE_LEN] = nonce.try_into().map_err(|_| corrupt.clone())?;
    let aad = aad(id, index, size);
    key.cipher()
        .decrypt(
            &XNonce::from(nonce),
            Payload {
                msg: body,
                aad: &aad,
            },
        )
        .map_err(|_| corrupt)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::MasterKey;

    fn envelope() -> (Envelope, DataKey, SecretKey) {
        let sk = MasterKey::from_seed(&[3u8; 32])
            .unwrap()
            .delegating_key(b"a")
            .unwrap();
        let (env, key) = Envelope::seal(&sk.public_key()).unwrap();
        (env, key, sk)
    }

    #[test]
    fn fragment_round_trip_and_layout() {
        let (env, key, _) = envelope();
        let id = env.id();
        let f = encrypt_fragment(&key, &id, 4, b"hello").unwrap();
        assert_eq!(f.ciphertext.len(), 5 + FRAGMENT_OVERHEAD);
        assert_eq!(f.ciphertext_hash, ciphertext_hash(&f.ciphertext));
        assert_eq!(f.plaintext_hash, plaintext_hash(b"hello"));
        assert_eq!(
            decrypt_fragment(&key, &id, 4, 5, &f.ciphertext).unwrap(),
            b"hello"
        );
        // Same plaintext twice: different nonces, different ciphertexts.
        let g = encrypt_fragment(&key, &id, 4, b"hello").unwrap();
        assert_ne!(f.ciphertext, g.ciphertext);
    }

    #[test]
    fn index_size_and_envelope_are_bound() {
        let (env, key, _) = envelope();
        let id = env.id();
        let f = encrypt_fragment(&key, &id, 1, b"abcdef").unwrap();
        let err = CryptoError::FragmentCorrupt { index: 2 };
        assert_eq!(decrypt_fragment(&key, &id, 2, 6, &f.ciphertext), Err(err));
        assert!(decrypt_fragment(&key, &id, 1, 5, &f.ciphertext).is_err());
        let other = EnvelopeId([9u8; 32]);
        assert!(decrypt_fragment(&key, &other, 1, 6, &f.ciphertext).is_err());
        assert!(decrypt_fragment(&key, &id, 1, 6, &f.ciphertext[..10]).is_err());
        assert!(decrypt_fragment(&key, &id, 1, u64::MAX, &f.ciphertext).is_err());
    }

    #[test]
    fn owner_opens_and_wrong_key_fails() {
        let (env, key, sk) = envelope();
        let opened = env.open_original(&sk).unwrap();
        assert_eq!(opened.0.as_ref(), key.0.as_ref());
        let other = MasterKey::from_seed(&[4u8; 32]).unwrap().receiving_key();
        assert_eq!(
            env.open_original(&other).unwrap_err(),
            CryptoError::WrongKey
        );
        assert_eq!(env.encrypted_key.len(), 72);
        assert_ne!(env.id(), envelope().0.id());
    }
}
