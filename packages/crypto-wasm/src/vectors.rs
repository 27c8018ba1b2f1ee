//! The crypto crate's test vectors (packages/crypto/test-vectors/v1.json), recomputed the way
//! its `tests/vectors.rs` does, so the browser build proves byte compatibility with the native
//! one: keys from the seeds, plaintext hashes, root and proof of the fixed input; then the
//! stored manifest, ciphertexts, sealed kfrags and cfrags must open, the buyer's side through
//! this crate's own [`Download`].

use serde::Deserialize;
use twinshare_crypto::envelope::plaintext_hash;
use twinshare_crypto::sharing::{encode_cfrags, relay};
use twinshare_crypto::{
    fragment_proof, merkle_root, open_bytes, verify_fragment_proof, Codec, Manifest, MasterKey,
};

use crate::wallet::{parse_hash, Download, Identity, Result, WalletError};

#[derive(Deserialize)]
struct PublicKeys {
    owner_receiving: String,
    owner_verifying: String,
    owner_delegating: String,
    buyer_receiving: String,
    relayer: String,
}

/// The fields the check reads (the file has a description and an input note besides).
#[derive(Deserialize)]
struct Vectors {
    owner_seed: String,
    buyer_seed: String,
    relayer_seed: String,
    asset_id: String,
    input_length: usize,
    fragment_size: usize,
    public_keys: PublicKeys,
    plaintext_hashes: Vec<String>,
    root: String,
    proved_fragment: u64,
    proof: serde_json::Value,
    manifest: serde_json::Value,
    ciphertexts: Vec<String>,
    sealed_kfrags: String,
    cfrags: String,
}

fn mismatch(
    what: &str,
    expected: impl core::fmt::Display,
    got: impl core::fmt::Display,
) -> WalletError {
    WalletError::Input {
        what: "test vectors",
        reason: format!("{what}: the file says {expected}, this build computes {got}"),
    }
}

fn same(what: &str, expected: &str, got: &str) -> Result<()> {
    if expected == got {
        Ok(())
    } else {
        Err(mismatch(what, expected, got))
    }
}

fn bytes(what: &'static str, s: &str) -> Result<Vec<u8>> {
    hex::decode(s).map_err(|e| WalletError::Input {
        what,
        reason: format!("not hex: {e}"),
    })
}

fn master(what: &'static str, seed_hex: &str) -> Result<MasterKey> {
    Ok(MasterKey::from_seed(&bytes(what, seed_hex)?)?)
}

/// The buyer's download through [`Download`], fragment by fragment: the plaintext and root.
fn download(
    buyer: &Identity,
    manifest_json: &str,
    root: &str,
    cfrags: &[u8],
    verifying: &str,
    ciphertexts: &[Vec<u8>],
) -> Result<(Vec<u8>, String)> {
    let mut d = Download::new(buyer, manifest_json, root, cfrags, Some(verifying))?;
    let mut out = Vec::new();
    for (i, c) in ciphertexts.iter().enumerate() {
        let index = u32::try_from(i).map_err(|_| mismatch("fragment count", "< 2^32", i))?;
        out.extend_from_slice(&d.decrypt_fragment(index, c)?);
    }
    Ok((out, d.finish()?))
}

/// Checks every vector; the root (hex) when all hold.
pub fn test_vector_root(vectors_json: &str) -> Result<String> {
    let v: Vectors = serde_json::from_str(vectors_json).map_err(|e| WalletError::Input {
        what: "test vectors",
        reason: e.to_string(),
    })?;
    let owner = master("owner seed", &v.owner_seed)?;
    let buyer = master("buyer seed", &v.buyer_seed)?;
    let relayer = master("relayer seed", &v.relayer_seed)?;
    let asset = v.asset_id.as_bytes();
    let keys = &v.public_keys;
    let dsk = owner.delegating_key(asset)?;
    same(
        "owner receiving key",
        &keys.owner_receiving,
        &owner.receiving_key().public_key().to_hex(),
    )?;
    same(
        "owner verifying key",
        &keys.owner_verifying,
        &owner.verifying_public_key().to_hex(),
    )?;
    same(
        "owner delegating key",
        &keys.owner_delegating,
        &dsk.public_key().to_hex(),
    )?;
    same(
        "buyer receiving key",
        &keys.buyer_receiving,
        &buyer.receiving_key().public_key().to_hex(),
    )?;
    same(
        "relayer key",
        &keys.relayer,
        &relayer.relayer_key().public_key().to_hex(),
    )?;

    // Input byte i is i mod 256.
    let input: Vec<u8> = (0..v.input_length).map(|i| (i % 256) as u8).collect();
    if v.fragment_size == 0 {
        return Err(mismatch("fragment size", "> 0", 0));
    }
    let leaves: Vec<[u8; 32]> = input.chunks(v.fragment_size).map(plaintext_hash).collect();
    let got: Vec<String> = leaves.iter().map(hex::encode).collect();
    same(
        "plaintext hashes",
        &v.plaintext_hashes.join(","),
        &got.join(","),
    )?;
    let root = merkle_root(&leaves)?;
    same("root", &v.root, &hex::encode(root))?;
    let proof = fragment_proof(&leaves, v.proved_fragment)?;
    let proof_json = serde_json::to_value(&proof).map_err(|e| mismatch("proof", "JSON", e))?;
    same("proof", &v.proof.to_string(), &proof_json.to_string())?;
    let start = usize::try_from(v.proved_fragment)
        .ok()
        .and_then(|f| f.checked_mul(v.fragment_size))
        .filter(|&s| s < input.len())
        .ok_or_else(|| mismatch("proved fragment", "inside the input", v.proved_fragment))?;
    let end = (start + v.fragment_size).min(input.len());
    if !verify_fragment_proof(&root, &input[start..end], &proof) {
        return Err(mismatch("proof", "verifies", "does not verify"));
    }

    // The stored fixtures: the owner opens its envelope with the derived key.
    let manifest_json = v.manifest.to_string();
    let manifest = Manifest::from_json(&manifest_json)?;
    let ciphertexts = v
        .ciphertexts
        .iter()
        .map(|c| bytes("ciphertext", c))
        .collect::<Result<Vec<_>>>()?;
    let key = manifest.envelope().open_original(&dsk)?;
    if open_bytes(&manifest, key, &ciphertexts)? != input {
        return Err(mismatch("owner's plaintext", "the input", "other bytes"));
    }

    // The buyer opens with the stored cfrags, then with cfrags re-encrypted afresh from the
    // stored sealed kfrags, as the relayer does.
    let buyer_identity = Identity::from_master(buyer.clone());
    let stored_cfrags = bytes("cfrags", &v.cfrags)?;
    let sealed_kfrags = bytes("sealed kfrags", &v.sealed_kfrags)?;
    let fresh = relay(
        &relayer.relayer_key(),
        &sealed_kfrags,
        &manifest.capsule,
        &manifest.verifying_public_key,
        &manifest.delegating_public_key,
        &buyer.receiving_key().public_key(),
    )?;
    let fresh_cfrags = encode_cfrags(&fresh)?;
    let registered = hex::encode(parse_hash("root", &v.root)?);
    for cfrags in [&stored_cfrags, &fresh_cfrags] {
        let (plain, got_root) = download(
            &buyer_identity,
            &manifest_json,
            &registered,
            cfrags,
            &keys.owner_verifying,
            &ciphertexts,
        )?;
        if plain != input {
            return Err(mismatch("buyer's plaintext", "the input", "other bytes"));
        }
        same("buyer's root", &v.root, &got_root)?;
    }
    Ok(hex::encode(root))
}

#[cfg(test)]
mod tests {
    use super::*;

    const V1: &str = include_str!("../../crypto/test-vectors/v1.json");

    #[test]
    fn v1_recomputes_to_its_root() {
        let v: serde_json::Value = serde_json::from_str(V1).unwrap();
        assert_eq!(test_vector_root(V1).unwrap(), v["root"].as_str().unwrap());
    }

    /// Each altered field is caught, and named in the error.
    #[test]
    fn altered_vectors_are_refused() {
        let original: serde_json::Value = serde_json::from_str(V1).unwrap();
        let flip = |s: &str| {
            let mut b = hex::decode(s).unwrap();
            let mid = b.len() / 2;
            b[mid] ^= 1;
            hex::encode(b)
        };
        type Alter = Box<dyn Fn(&mut serde_json::Value)>;
        let cases: Vec<(&str, Alter)> = vec![
            (
                "owner verifying key",
                Box::new(|v| {
                    v["public_keys"]["owner_verifying"] =
                        v["public_keys"]["buyer_receiving"].clone()
                }),
            ),
            (
                "root",
                Box::new(move |v| v["root"] = flip(v["root"].as_str().unwrap()).into()),
            ),
            (
                "plaintext hashes",
                Box::new(|v| v["input_length"] = 299.into()),
            ),
            (
                "fragment 2",
                Box::new(move |v| {
                    v["ciphertexts"][2] = flip(v["ciphertexts"][2].as_str().unwrap()).into()
                }),
            ),
            (
                "cfrag",
                Box::new(move |v| v["cfrags"] = flip(v["cfrags"].as_str().unwrap()).into()),
            ),
            (
                "sealed kfrags",
                Box::new(move |v| {
                    v["sealed_kfrags"] = flip(v["sealed_kfrags"].as_str().unwrap()).into()
                }),
            ),
        ];
        for (expected, alter) in cases {
            let mut v = original.clone();
            alter(&mut v);
            let err = test_vector_root(&v.to_string()).unwrap_err().to_string();
            assert!(err.contains(expected), "{expected}: got {err:?}");
        }
    }
}
