//! Test vectors (`test-vectors/v1.json`) for byte compatibility with other implementations
//! (the web wallet, a Python client): fixed seeds and fixed input give fixed public keys,
//! plaintext hashes, Merkle root and proof; a manifest, its sealed fragments, sealed kfrags
//! and cfrags generated once must keep opening. Any change to key derivation, hashing, the
//! AEAD layout or Umbral's serialization makes this test fail.
//!
//! The file was written by `regenerate_v1` (ignored):
//! `TWINSHARE_WRITE_VECTORS=packages/crypto/test-vectors/v1.json cargo test -p twinshare-crypto
//! --test vectors -- --ignored`. Regenerate only for a deliberate format change, as a new
//! version next to this one.

use serde::{Deserialize, Serialize};
use twinshare_crypto::keys::Codec;
use twinshare_crypto::sharing::{decode_cfrags, encode_cfrags, open_sealed_kfrags};
use twinshare_crypto::*;
use twinshare_types::MerkleProof;

const V1: &str = include_str!("../test-vectors/v1.json");

const OWNER_SEED: [u8; 32] = seq(0x00);
const BUYER_SEED: [u8; 32] = seq(0x20);
const RELAYER_SEED: [u8; 32] = seq(0x40);
const ASSET_ID: &[u8] = b"twinshare-test-vector-asset";
const INPUT_LEN: usize = 300;
const FRAGMENT_SIZE: usize = 64;
const PROVED_FRAGMENT: u64 = 4;

const fn seq(start: u8) -> [u8; 32] {
    let mut s = [0u8; 32];
    let mut i = 0;
    while i < 32 {
        s[i] = start + i as u8;
        i += 1;
    }
    s
}

/// Byte i of the input is i mod 256: five fragments, 64 x 4 and a short last one of 44.
fn input() -> Vec<u8> {
    (0..INPUT_LEN).map(|i| (i % 256) as u8).collect()
}

#[derive(Serialize, Deserialize, PartialEq, Debug)]
struct PublicKeys {
    owner_receiving: String,
    owner_verifying: String,
    owner_delegating: String,
    buyer_receiving: String,
    relayer: String,
}

#[derive(Serialize, Deserialize)]
struct Vectors {
    description: String,
    owner_seed: String,
    buyer_seed: String,
    relayer_seed: String,
    /// UTF-8 asset id; the delegating key's label is "twinshare/v1/asset/" + these bytes.
    asset_id: String,
    input: String,
    input_length: usize,
    fragment_size: usize,
    public_keys: PublicKeys,
    /// SHA-256 of each plaintext fragment: the Merkle leaf values.
    plaintext_hashes: Vec<String>,
    root: String,
    proved_fragment: u64,
    proof: MerkleProof,
    manifest: serde_json::Value,
    /// Sealed fragments (nonce || ciphertext || tag), by index.
    ciphertexts: Vec<String>,
    /// The 1-of-1 kfrags for the buyer, sealed to the relayer.
    sealed_kfrags: String,
    /// The relayer's cfrags for the buyer (a fragment list).
    cfrags: String,
}

fn public_keys() -> PublicKeys {
    let owner = MasterKey::from_seed(&OWNER_SEED).unwrap();
    let buyer = MasterKey::from_seed(&BUYER_SEED).unwrap();
    let relayer = MasterKey::from_seed(&RELAYER_SEED).unwrap();
    PublicKeys {
        owner_receiving: owner.receiving_key().public_key().to_hex(),
        owner_verifying: owner.verifying_public_key().to_hex(),
        owner_delegating: owner
            .delegating_key(ASSET_ID)
            .unwrap()
            .public_key()
            .to_hex(),
        buyer_receiving: buyer.receiving_key().public_key().to_hex(),
        relayer: relayer.relayer_key().public_key().to_hex(),
    }
}

fn plaintext_hashes() -> Vec<[u8; 32]> {
    input()
        .chunks(FRAGMENT_SIZE)
        .map(twinshare_crypto::envelope::plaintext_hash)
        .collect()
}

fn hexes(items: &[impl AsRef<[u8]>]) -> Vec<String> {
    items.iter().map(hex::encode).collect()
}

#[test]
fn v1_deterministic_values_are_unchanged() {
    let v: Vectors = serde_json::from_str(V1).unwrap();
    assert_eq!(v.owner_seed, hex::encode(OWNER_SEED));
    assert_eq!(v.buyer_seed, hex::encode(BUYER_SEED));
    assert_eq!(v.relayer_seed, hex::encode(RELAYER_SEED));
    assert_eq!(v.asset_id.as_bytes(), ASSET_ID);
    assert_eq!(
        (v.input_length, v.fragment_size),
        (INPUT_LEN, FRAGMENT_SIZE)
    );

    assert_eq!(public_keys(), v.public_keys);
    let leaves = plaintext_hashes();
    assert_eq!(leaves.len(), 5);
    assert_eq!(hexes(&leaves), v.plaintext_hashes);
    let root = merkle_root(&leaves).unwrap();
    assert_eq!(hex::encode(root), v.root);
    let proof = fragment_proof(&leaves, PROVED_FRAGMENT).unwrap();
    assert_eq!(v.proved_fragment, PROVED_FRAGMENT);
    assert_eq!(proof, v.proof);
    let start = PROVED_FRAGMENT as usize * FRAGMENT_SIZE;
    assert!(verify_fragment_proof(&root, &input()[start..], &proof));
}

#[test]
fn v1_fixtures_still_open() {
    let v: Vectors = serde_json::from_str(V1).unwrap();
    let owner = MasterKey::from_seed(&OWNER_SEED).unwrap();
    let buyer = MasterKey::from_seed(&BUYER_SEED).unwrap();
    let relayer = MasterKey::from_seed(&RELAYER_SEED).unwrap();

    let m = Manifest::from_json(&v.manifest.to_string()).unwrap();
    assert_eq!(hex::encode(m.root), v.root);
    m.check_registered_root(&hex::decode(&v.root).unwrap())
        .unwrap();
    assert_eq!(
        m.delegating_public_key.to_hex(),
        v.public_keys.owner_delegating
    );
    assert_eq!(
        m.verifying_public_key.to_hex(),
        v.public_keys.owner_verifying
    );
    assert_eq!(m.fragment_size, FRAGMENT_SIZE as u64);
    assert_eq!(m.total_size, INPUT_LEN as u64);
    let ciphertexts: Vec<Vec<u8>> = v
        .ciphertexts
        .iter()
        .map(|c| hex::decode(c).unwrap())
        .collect();

    // The owner opens with the key derived from the seed.
    let dsk = owner.delegating_key(ASSET_ID).unwrap();
    let key = m.envelope().open_original(&dsk).unwrap();
    assert_eq!(open_bytes(&m, key, &ciphertexts).unwrap(), input());

    // The buyer opens with the stored cfrags.
    let bsk = buyer.receiving_key();
    let cfrags = decode_cfrags(&hex::decode(&v.cfrags).unwrap()).unwrap();
    let key = m
        .envelope()
        .open_reencrypted(
            &bsk,
            &m.delegating_public_key,
            &m.verifying_public_key,
            cfrags,
        )
        .unwrap();
    let mut reader = FragmentReader::new(&m, key);
    for (i, c) in ciphertexts.iter().enumerate() {
        reader.open(i as u64, c).unwrap();
    }
    assert_eq!(hexes(&reader.finish().unwrap()), v.plaintext_hashes);

    // The relayer opens the stored sealed kfrags and re-encrypts afresh.
    let sealed = hex::decode(&v.sealed_kfrags).unwrap();
    assert_eq!(
        open_sealed_kfrags(&relayer.relayer_key(), &sealed)
            .unwrap()
            .len(),
        1
    );
    let cfrags = relay(
        &relayer.relayer_key(),
        &sealed,
        &m.capsule,
        &m.verifying_public_key,
        &m.delegating_public_key,
        &bsk.public_key(),
    )
    .unwrap();
    let key = m
        .envelope()
        .open_reencrypted(
            &bsk,
            &m.delegating_public_key,
            &m.verifying_public_key,
            cfrags,
        )
        .unwrap();
    assert_eq!(open_bytes(&m, key, &ciphertexts).unwrap(), input());
}

#[test]
#[ignore = "writes the vector file; run only for a deliberate format change"]
fn regenerate_v1() {
    let Ok(path) = std::env::var("TWINSHARE_WRITE_VECTORS") else {
        return;
    };
    let owner = MasterKey::from_seed(&OWNER_SEED).unwrap();
    let buyer = MasterKey::from_seed(&BUYER_SEED).unwrap();
    let relayer = MasterKey::from_seed(&RELAYER_SEED).unwrap();
    let dsk = owner.delegating_key(ASSET_ID).unwrap();
    let sealed = seal_bytes(
        &input(),
        FRAGMENT_SIZE,
        &dsk.public_key(),
        &owner.verifying_public_key(),
        |i| format!("vectors/v1/{i}"),
    )
    .unwrap();
    let m = &sealed.manifest;
    let bsk = buyer.receiving_key();
    let kfrags = make_kfrags(
        &dsk,
        &bsk.public_key(),
        &owner.signer(),
        Threshold::default(),
    )
    .unwrap();
    let sealed_kfrags = seal_kfrags(&relayer.relayer_key().public_key(), &kfrags).unwrap();
    let cfrags = relay(
        &relayer.relayer_key(),
        &sealed_kfrags,
        &m.capsule,
        &m.verifying_public_key,
        &m.delegating_public_key,
        &bsk.public_key(),
    )
    .unwrap();
    let v = Vectors {
        description: "TwinShare crypto v1. Seeds are bytes start..start+32. Keys: \
            umbral-pre 0.11 SecretKeyFactory::make_key with labels twinshare/v1/receiving, \
            twinshare/v1/signing (verifying key), twinshare/v1/relayer, twinshare/v1/asset/<asset id>; \
            public keys compressed SEC1. Input byte i = i mod 256. Leaf value = SHA-256(fragment); \
            root = RFC 9162 Merkle tree over SHA-256 (0x00 leaf / 0x01 node prefixes). \
            Fragment AEAD: XChaCha20-Poly1305, sealed = nonce(24) || ct || tag(16), \
            AAD = 'twinshare/v1/fragment' || SHA-256('twinshare/v1/envelope-id' || capsule e||v||s) \
            || index u64 BE || plaintext size u64 BE. Capsules, kfrags, cfrags: umbral-pre \
            MessagePack bytes. Fixtures (manifest, ciphertexts, sealed kfrags, cfrags) are random \
            and fixed: they must open with the keys derived from the seeds."
            .into(),
        owner_seed: hex::encode(OWNER_SEED),
        buyer_seed: hex::encode(BUYER_SEED),
        relayer_seed: hex::encode(RELAYER_SEED),
        asset_id: String::from_utf8(ASSET_ID.to_vec()).unwrap(),
        input: "byte i = i mod 256".into(),
        input_length: INPUT_LEN,
        fragment_size: FRAGMENT_SIZE,
        public_keys: public_keys(),
        plaintext_hashes: hexes(&sealed.plaintext_hashes),
        root: hex::encode(m.root),
        proved_fragment: PROVED_FRAGMENT,
        proof: fragment_proof(&sealed.plaintext_hashes, PROVED_FRAGMENT).unwrap(),
        manifest: serde_json::from_str(&m.to_json()).unwrap(),
        ciphertexts: hexes(&sealed.ciphertexts),
        sealed_kfrags: hex::encode(&sealed_kfrags),
        cfrags: hex::encode(encode_cfrags(&cfrags).unwrap()),
    };
    std::fs::write(path, serde_json::to_string_pretty(&v).unwrap() + "\n").unwrap();
}
