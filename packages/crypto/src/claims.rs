//! Sensor keys and the one signature over a batch of record claims (issue 9). The bytes signed
//! are `twinshare_types::claims::batch_digest`; the signature is secp256k1 ECDSA over that
//! 32-byte digest (prehashed), compact 64 bytes with low S, so the `payment-channel` contract
//! checks the same signature with `secp256k1_verify`.

use k256::ecdsa::signature::hazmat::{PrehashSigner, PrehashVerifier};
use k256::ecdsa::{Signature, SigningKey, VerifyingKey};
use twinshare_types::merkle::Hash;
use zeroize::Zeroizing;

use crate::error::{CryptoError, Result};
use crate::keys::{secret_key_to_bytes, MasterKey};

/// Length of a compressed secp256k1 public key.
pub const SENSOR_PUBKEY_LEN: usize = 33;
/// Length of a compact ECDSA signature.
pub const SIGNATURE_LEN: usize = 64;

/// A sensor's signing key. Zeroized on drop (k256 zeroizes its scalar).
#[derive(Clone)]
pub struct SensorKey(SigningKey);

impl SensorKey {
    /// The key of sensor `name` of an owner: derived from the owner's master key, so one
    /// mnemonic recovers every sensor key. Distinct names give independent keys.
    pub fn from_master(master: &MasterKey, name: &str) -> Result<Self> {
        let label = [b"sensor/".as_slice(), name.as_bytes()].concat();
        let sk = master.delegating_key(&label)?;
        Self::from_bytes(&secret_key_to_bytes(&sk))
    }

    /// From a 32-byte big-endian scalar.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        SigningKey::from_slice(bytes)
            .map(Self)
            .map_err(|e| CryptoError::InvalidEncoding {
                what: "sensor secret key",
                reason: e.to_string(),
            })
    }

    /// A fresh random key from the OS (or browser) RNG.
    pub fn random() -> Result<Self> {
        loop {
            let mut bytes = Zeroizing::new([0u8; 32]);
            getrandom::getrandom(bytes.as_mut()).map_err(|e| CryptoError::Encryption {
                reason: format!("no randomness: {e}"),
            })?;
            // A scalar of zero or above the group order: draw again (probability ~2^-128).
            if let Ok(key) = Self::from_bytes(bytes.as_ref()) {
                return Ok(key);
            }
        }
    }

    /// The 32-byte secret scalar (keep it secret; zeroized on drop).
    pub fn to_bytes(&self) -> Zeroizing<Vec<u8>> {
        Zeroizing::new(self.0.to_bytes().to_vec())
    }

    /// Compressed SEC1 public key, as registered on chain.
    pub fn public_key(&self) -> [u8; SENSOR_PUBKEY_LEN] {
        let point = self.0.verifying_key().to_encoded_point(true);
        let mut out = [0u8; SENSOR_PUBKEY_LEN];
        out.copy_from_slice(point.as_bytes());
        out
    }

    /// Signs a batch digest: compact r ‖ s, low S.
    pub fn sign_digest(&self, digest: &Hash) -> Result<[u8; SIGNATURE_LEN]> {
        let sig: Signature = self
            .0
            .sign_prehash(digest)
            .map_err(|e| CryptoError::Encryption {
                reason: format!("signing failed: {e}"),
            })?;
        let sig = sig.normalize_s().unwrap_or(sig);
        let mut out = [0u8; SIGNATURE_LEN];
        out.copy_from_slice(&sig.to_bytes());
        Ok(out)
    }
}

impl core::fmt::Debug for SensorKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "SensorKey({})", hex::encode(self.public_key()))
    }
}

/// Checks a batch signature against a sensor's compressed public key. High-S signatures are
/// refused, as `secp256k1_verify` on chain would.
pub fn verify_digest(pubkey: &[u8], digest: &Hash, signature: &[u8]) -> Result<()> {
    let key = VerifyingKey::from_sec1_bytes(pubkey).map_err(|e| CryptoError::InvalidEncoding {
        what: "sensor public key",
        reason: e.to_string(),
    })?;
    let sig = Signature::from_slice(signature).map_err(|e| CryptoError::InvalidEncoding {
        what: "batch signature",
        reason: e.to_string(),
    })?;
    if sig.normalize_s().is_some() {
        return Err(CryptoError::BadSignature);
    }
    key.verify_prehash(digest, &sig)
        .map_err(|_| CryptoError::BadSignature)
}

#[cfg(test)]
mod tests {
    use super::*;
    use cosmwasm_std::{HexBinary, Uint128};
    use twinshare_types::claims::{batch_digest, body_hash, ClaimLevel, ClaimRecord, Voucher};

    fn digest() -> Hash {
        let records = vec![ClaimRecord {
            stream: "s".into(),
            seq: 0,
            timestamp: 1,
            size: 4,
            hash: HexBinary::from([7u8; 32]),
        }];
        let body = body_hash("wasm1owner", &ClaimLevel::Low, &records);
        batch_digest(
            &body,
            Some(&Voucher {
                channel: 1,
                cumulative: Uint128::new(5),
            }),
        )
    }

    #[test]
    fn sign_and_verify_round_trip() {
        let key = SensorKey::random().unwrap();
        let d = digest();
        let sig = key.sign_digest(&d).unwrap();
        verify_digest(&key.public_key(), &d, &sig).unwrap();
        let mut other = d;
        other[0] ^= 1;
        assert_eq!(
            verify_digest(&key.public_key(), &other, &sig),
            Err(CryptoError::BadSignature)
        );
        let stranger = SensorKey::random().unwrap();
        assert_eq!(
            verify_digest(&stranger.public_key(), &d, &sig),
            Err(CryptoError::BadSignature)
        );
    }

    #[test]
    fn sensor_keys_come_from_the_master_key() {
        let master = MasterKey::from_seed(&[3u8; 32]).unwrap();
        let a = SensorKey::from_master(&master, "press-7").unwrap();
        let a2 = SensorKey::from_master(&master, "press-7").unwrap();
        let b = SensorKey::from_master(&master, "press-8").unwrap();
        assert_eq!(a.public_key(), a2.public_key());
        assert_ne!(a.public_key(), b.public_key());
        let back = SensorKey::from_bytes(&a.to_bytes()).unwrap();
        assert_eq!(back.public_key(), a.public_key());
    }

    #[test]
    fn malformed_input_is_an_error_not_a_panic() {
        let d = digest();
        assert!(verify_digest(&[2u8; 5], &d, &[0u8; 64]).is_err());
        let key = SensorKey::random().unwrap();
        assert!(verify_digest(&key.public_key(), &d, &[0u8; 10]).is_err());
        assert!(SensorKey::from_bytes(&[0u8; 32]).is_err());
    }
}
