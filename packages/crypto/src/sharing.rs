//! Sharing (paper Fig. 5): the owner makes kfrags for a buyer's public key and seals them to
//! the relayer's public key; the sealed bytes go on chain (escrow `SubmitReKey`). The relayer
//! opens them, verifies every kfrag against the owner's verifying key and the sale's
//! delegating and receiving keys, and re-encrypts the capsule into cfrags; the buyer verifies
//! the cfrags and opens the envelope ([`crate::Envelope::open_reencrypted`]).
//!
//! Sealed kfrags: `0x01 || capsule length (u16 BE) || capsule || Umbral DEM ciphertext` where
//! the plaintext is a fragment list. A fragment list (kfrags inside the seal, or cfrags
//! delivered to a buyer) is `count (u8, >= 1) || (length (u16 BE) || object bytes)*`, objects in
//! umbral-pre's default bytes ([`crate::Codec`]).

use umbral_pre::{
    Capsule, CapsuleFrag, DefaultSerialize, KeyFrag, PublicKey, SecretKey, Signer,
    VerifiedCapsuleFrag, VerifiedKeyFrag,
};
use zeroize::Zeroizing;

use crate::error::{CryptoError, Result};
use crate::keys::{Codec, MasterKey};

/// Format byte in front of sealed kfrags.
pub const SEALED_KFRAGS_VERSION: u8 = 1;
/// Most fragments in one list (the count is one byte).
pub const MAX_SHARES: usize = 255;

/// M-of-N: `shares` kfrags, any `threshold` of whose cfrags open the capsule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Threshold {
    pub threshold: usize,
    pub shares: usize,
}

impl Default for Threshold {
    /// One relayer, one kfrag.
    fn default() -> Self {
        Self {
            threshold: 1,
            shares: 1,
        }
    }
}

impl Threshold {
    pub fn new(threshold: usize, shares: usize) -> Result<Self> {
        if threshold == 0 || threshold > shares || shares > MAX_SHARES {
            return Err(CryptoError::InvalidThreshold { threshold, shares });
        }
        Ok(Self { threshold, shares })
    }
}

/// The owner's re-key for one buyer and one asset. Both the delegating and the receiving key
/// are signed into each kfrag, so a relayer can check it re-keys the right asset for the right
/// buyer.
pub fn make_kfrags(
    delegating_sk: &SecretKey,
    receiving_pk: &PublicKey,
    signer: &Signer,
    threshold: Threshold,
) -> Result<Vec<VerifiedKeyFrag>> {
    let Threshold { threshold, shares } = Threshold::new(threshold.threshold, threshold.shares)?;
    Ok(umbral_pre::generate_kfrags(
        delegating_sk,
        receiving_pk,
        signer,
        threshold,
        shares,
        true,
        true,
    )
    .into_vec())
}

/// The owner's whole grant for one sale: kfrags from the delegating key of `asset_id` (the
/// storage asset id the key was derived from at upload) to the buyer's receiving key, sealed to
/// the relayer's key. The bytes the escrow's `SubmitReKey` carries; the CLI and the web wallet
/// both grant through this.
pub fn grant(
    owner: &MasterKey,
    asset_id: &[u8],
    buyer: &PublicKey,
    relayer: &PublicKey,
    threshold: Threshold,
) -> Result<Vec<u8>> {
    let dsk = owner.delegating_key(asset_id)?;
    let kfrags = make_kfrags(&dsk, buyer, &owner.signer(), threshold)?;
    seal_kfrags(relayer, &kfrags)
}

fn encode_list(items: &[Vec<u8>], what: &str) -> Result<Vec<u8>> {
    if items.is_empty() || items.len() > MAX_SHARES {
        return Err(CryptoError::InvalidEncoding {
            what: "fragment list",
            reason: format!("{} {what}s, expected 1..={MAX_SHARES}", items.len()),
        });
    }
    let mut out = Vec::with_capacity(1 + items.iter().map(|i| 2 + i.len()).sum::<usize>());
    out.push(items.len() as u8);
    for item in items {
        let len = u16::try_from(item.len()).map_err(|_| CryptoError::InvalidEncoding {
            what: "fragment list",
            reason: format!("a {what} of {} bytes", item.len()),
        })?;
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(item);
    }
    Ok(out)
}

fn decode_list(bytes: &[u8]) -> core::result::Result<Vec<&[u8]>, String> {
    let (&count, mut rest) = bytes.split_first().ok_or("empty")?;
    if count == 0 {
        return Err("no fragments".into());
    }
    let mut items = Vec::with_capacity(count as usize);
    for i in 0..count {
        if rest.len() < 2 {
            return Err(format!("truncated before item {i}"));
        }
        let len = u16::from_be_bytes([rest[0], rest[1]]) as usize;
        rest = &rest[2..];
        if rest.len() < len {
            return Err(format!("item {i} is truncated"));
        }
        items.push(&rest[..len]);
        rest = &rest[len..];
    }
    if !rest.is_empty() {
        return Err(format!("{} trailing bytes", rest.len()));
    }
    Ok(items)
}

/// Seals kfrags to the relayer's public key: opaque bytes for the chain, readable only with
/// the relayer's secret key.
pub fn seal_kfrags(relayer_pk: &PublicKey, kfrags: &[VerifiedKeyFrag]) -> Result<Vec<u8>> {
    // Kfrag bytes stay in buffers zeroized on drop: with a buyer's key they re-key the asset.
    let items: Zeroizing<Vec<Vec<u8>>> = Zeroizing::new(
        kfrags
            .iter()
            .map(|k| {
                k.to_bytes()
                    .map(|b| b.into_vec())
                    .map_err(|e| CryptoError::Encryption {
                        reason: e.to_string(),
                    })
            })
            .collect::<Result<_>>()?,
    );
    let plaintext = Zeroizing::new(encode_list(&items, "kfrag")?);
    let (capsule, ciphertext) =
        umbral_pre::encrypt(relayer_pk, &plaintext).map_err(|e| CryptoError::Encryption {
            reason: e.to_string(),
        })?;
    let capsule = capsule.encode();
    let capsule_len = u16::try_from(capsule.len()).map_err(|_| CryptoError::Encryption {
        reason: "capsule too long".into(),
    })?;
    let mut out = Vec::with_capacity(3 + capsule.len() + ciphertext.len());
    out.push(SEALED_KFRAGS_VERSION);
    out.extend_from_slice(&capsule_len.to_be_bytes());
    out.extend_from_slice(&capsule);
    out.extend_from_slice(&ciphertext);
    Ok(out)
}

/// The relayer opens sealed kfrags. They are not verified yet: see [`verify_kfrags`].
pub fn open_sealed_kfrags(relayer_sk: &SecretKey, sealed: &[u8]) -> Result<Vec<KeyFrag>> {
    let bad = |reason: String| CryptoError::SealedKfrags { reason };
    let (&version, rest) = sealed.split_first().ok_or_else(|| bad("empty".into()))?;
    if version != SEALED_KFRAGS_VERSION {
        return Err(bad(format!("unknown format {version}")));
    }
    if rest.len() < 2 {
        return Err(bad("truncated".into()));
    }
    let capsule_len = u16::from_be_bytes([rest[0], rest[1]]) as usize;
    let rest = &rest[2..];
    if rest.len() < capsule_len {
        return Err(bad("truncated capsule".into()));
    }
    let (capsule, ciphertext) = rest.split_at(capsule_len);
    let capsule = Capsule::decode(capsule).map_err(|e| bad(e.to_string()))?;
    let plaintext = Zeroizing::new(
        umbral_pre::decrypt_original(relayer_sk, &capsule, ciphertext)
            .map_err(|_| bad("not sealed to this relayer key, or tampered".into()))?,
    );
    decode_list(&plaintext)
        .map_err(bad)?
        .into_iter()
        .map(KeyFrag::decode)
        .collect()
}

/// Checks each kfrag was signed by `verifying_pk` for exactly this delegating (asset) key and
/// this receiving (buyer) key.
pub fn verify_kfrags(
    kfrags: Vec<KeyFrag>,
    verifying_pk: &PublicKey,
    delegating_pk: &PublicKey,
    receiving_pk: &PublicKey,
) -> Result<Vec<VerifiedKeyFrag>> {
    kfrags
        .into_iter()
        .enumerate()
        .map(|(index, k)| {
            k.verify(verifying_pk, Some(delegating_pk), Some(receiving_pk))
                .map_err(|(e, _)| CryptoError::KfragVerification {
                    index,
                    reason: e.to_string(),
                })
        })
        .collect()
}

/// Re-encrypts the capsule once per kfrag.
pub fn reencrypt(capsule: &Capsule, kfrags: Vec<VerifiedKeyFrag>) -> Vec<CapsuleFrag> {
    kfrags
        .into_iter()
        .map(|k| umbral_pre::reencrypt(capsule, k).unverify())
        .collect()
}

/// Everything the relayer does for one sale: open, verify, re-encrypt. The keys come from the
/// chain (the sale's buyer key) and the asset's manifest; the capsule from the manifest.
pub fn relay(
    relayer_sk: &SecretKey,
    sealed_kfrags: &[u8],
    capsule: &Capsule,
    verifying_pk: &PublicKey,
    delegating_pk: &PublicKey,
    receiving_pk: &PublicKey,
) -> Result<Vec<CapsuleFrag>> {
    let kfrags = open_sealed_kfrags(relayer_sk, sealed_kfrags)?;
    let verified = verify_kfrags(kfrags, verifying_pk, delegating_pk, receiving_pk)?;
    Ok(reencrypt(capsule, verified))
}

/// The buyer's check of each cfrag against the capsule and the keys of the sale.
pub fn verify_cfrags(
    cfrags: Vec<CapsuleFrag>,
    capsule: &Capsule,
    verifying_pk: &PublicKey,
    delegating_pk: &PublicKey,
    receiving_pk: &PublicKey,
) -> Result<Vec<VerifiedCapsuleFrag>> {
    if cfrags.is_empty() {
        return Err(CryptoError::CfragCombination {
            reason: "no cfrags".into(),
        });
    }
    cfrags
        .into_iter()
        .enumerate()
        .map(|(index, c)| {
            c.verify(capsule, verifying_pk, delegating_pk, receiving_pk)
                .map_err(|(e, _)| CryptoError::CfragVerification {
                    index,
                    reason: e.to_string(),
                })
        })
        .collect()
}

/// Cfrags as one blob for delivery to the buyer (a fragment list).
pub fn encode_cfrags(cfrags: &[CapsuleFrag]) -> Result<Vec<u8>> {
    let items: Vec<Vec<u8>> = cfrags.iter().map(Codec::encode).collect();
    encode_list(&items, "cfrag")
}

/// Parses [`encode_cfrags`]; the cfrags still need verifying.
pub fn decode_cfrags(bytes: &[u8]) -> Result<Vec<CapsuleFrag>> {
    decode_list(bytes)
        .map_err(|reason| CryptoError::InvalidEncoding {
            what: "cfrag list",
            reason,
        })?
        .into_iter()
        .map(CapsuleFrag::decode)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thresholds_are_checked() {
        assert!(Threshold::new(1, 1).is_ok());
        assert!(Threshold::new(2, 3).is_ok());
        for (t, n) in [(0, 1), (3, 2), (1, 256)] {
            assert_eq!(
                Threshold::new(t, n),
                Err(CryptoError::InvalidThreshold {
                    threshold: t,
                    shares: n
                })
            );
        }
    }

    #[test]
    fn lists_refuse_malformed_input() {
        let list = encode_list(&[vec![1, 2], vec![3]], "x").unwrap();
        assert_eq!(list, vec![2, 0, 2, 1, 2, 0, 1, 3]);
        assert_eq!(decode_list(&list).unwrap(), vec![&[1u8, 2][..], &[3u8][..]]);
        assert!(decode_list(&[]).is_err());
        assert!(decode_list(&[0]).is_err());
        assert!(decode_list(&list[..list.len() - 1]).is_err());
        assert!(decode_list(&[list.clone(), vec![0]].concat()).is_err());
        assert!(encode_list(&[], "x").is_err());
    }

    #[test]
    fn grant_opens_for_the_relayer_and_verifies_for_the_buyer() {
        let owner = MasterKey::from_seed(&[1u8; 32]).unwrap();
        let buyer = MasterKey::from_seed(&[2u8; 32]).unwrap().receiving_key();
        let relayer = MasterKey::from_seed(&[3u8; 32]).unwrap().relayer_key();
        let sealed = grant(
            &owner,
            b"asset-a",
            &buyer.public_key(),
            &relayer.public_key(),
            Threshold::new(2, 3).unwrap(),
        )
        .unwrap();
        let kfrags = open_sealed_kfrags(&relayer, &sealed).unwrap();
        assert_eq!(kfrags.len(), 3);
        let dpk = owner.delegating_key(b"asset-a").unwrap().public_key();
        let vpk = owner.verifying_public_key();
        verify_kfrags(kfrags.clone(), &vpk, &dpk, &buyer.public_key()).unwrap();
        // Kfrags of asset-a do not verify as kfrags of asset-b.
        let other = owner.delegating_key(b"asset-b").unwrap().public_key();
        assert!(verify_kfrags(kfrags, &vpk, &other, &buyer.public_key()).is_err());
        assert_eq!(
            grant(
                &owner,
                b"",
                &buyer.public_key(),
                &relayer.public_key(),
                Threshold::default()
            ),
            Err(CryptoError::EmptyAssetId)
        );
    }

    #[test]
    fn sealed_kfrags_refuse_garbage() {
        let sk = SecretKey::random();
        for bad in [&[][..], &[2, 0, 0][..], &[1, 0][..], &[1, 0, 5, 1][..]] {
            assert!(matches!(
                open_sealed_kfrags(&sk, bad),
                Err(CryptoError::SealedKfrags { .. })
            ));
        }
        assert!(decode_cfrags(&[1, 0, 1, 7]).is_err());
    }
}
