//! Round trips: the owner reads its own data; a buyer reads it through the relayer's
//! re-encryption (1-of-1 and 2-of-3); proofs, serialization and the manifest JSON survive.

use twinshare_crypto::keys::{secret_key_from_bytes, secret_key_to_bytes};
use twinshare_crypto::sharing::{decode_cfrags, encode_cfrags, open_sealed_kfrags};
use twinshare_crypto::*;
use twinshare_types::merkle;

struct Party {
    master: MasterKey,
}

impl Party {
    fn new(byte: u8) -> Self {
        Self {
            master: MasterKey::from_seed(&[byte; 32]).unwrap(),
        }
    }
}

fn data(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 7 % 251) as u8).collect()
}

fn locator(i: u64) -> String {
    format!("assets/demo/{i:08}.frag")
}

fn seal(owner: &Party, asset: &[u8], input: &[u8], fragment_size: usize) -> SealedData {
    let dsk = owner.master.delegating_key(asset).unwrap();
    seal_bytes(
        input,
        fragment_size,
        &dsk.public_key(),
        &owner.master.verifying_public_key(),
        locator,
    )
    .unwrap()
}

#[test]
fn owner_decrypts_its_own_data() {
    let owner = Party::new(1);
    let input = data(1000);
    let sealed = seal(&owner, b"asset-1", &input, 64);
    let m = &sealed.manifest;
    assert_eq!(m.fragments.len(), 16);
    assert_eq!(m.fragments[15].size, 1000 - 15 * 64);
    assert_eq!(m.total_size, 1000);
    assert_eq!(m.fragments[3].locator, "assets/demo/00000003.frag");

    let dsk = owner.master.delegating_key(b"asset-1").unwrap();
    let key = m.envelope().open_original(&dsk).unwrap();
    assert_eq!(open_bytes(m, key, &sealed.ciphertexts).unwrap(), input);

    // Out of order, one fragment at a time, as a parallel downloader would.
    let key = m.envelope().open_original(&dsk).unwrap();
    let mut reader = FragmentReader::new(m, key);
    for i in (0..16u64).rev() {
        let plain = reader.open(i, &sealed.ciphertexts[i as usize]).unwrap();
        let start = i as usize * 64;
        assert_eq!(plain, input[start..(start + 64).min(1000)]);
    }
    assert_eq!(reader.finish().unwrap(), sealed.plaintext_hashes);
}

#[test]
fn single_short_fragment() {
    let owner = Party::new(1);
    let sealed = seal(&owner, b"tiny", b"x", 1 << 20);
    let dsk = owner.master.delegating_key(b"tiny").unwrap();
    let m = &sealed.manifest;
    assert_eq!(m.fragments.len(), 1);
    assert_eq!(m.root, merkle::leaf_hash(&sealed.plaintext_hashes[0]));
    let key = m.envelope().open_original(&dsk).unwrap();
    assert_eq!(open_bytes(m, key, &sealed.ciphertexts).unwrap(), b"x");
}

#[test]
fn buyer_decrypts_through_relayer_one_of_one() {
    let (owner, buyer, relayer) = (Party::new(1), Party::new(2), Party::new(3));
    let input = data(500);
    let sealed = seal(&owner, b"asset-1", &input, 100);
    let m = Manifest::from_json(&sealed.manifest.to_json()).unwrap();
    assert_eq!(m, sealed.manifest);

    // Owner: re-key for the buyer's public key, sealed to the relayer's public key.
    let buyer_sk = buyer.master.receiving_key();
    let dsk = owner.master.delegating_key(b"asset-1").unwrap();
    let kfrags = make_kfrags(
        &dsk,
        &buyer_sk.public_key(),
        &owner.master.signer(),
        Threshold::default(),
    )
    .unwrap();
    let sealed_kfrags = seal_kfrags(&relayer.master.relayer_key().public_key(), &kfrags).unwrap();
    println!("sealed kfrags, 1-of-1: {} bytes", sealed_kfrags.len());
    assert!(sealed_kfrags.len() < 600, "{} bytes", sealed_kfrags.len());

    // Relayer: keys from the chain (buyer) and the manifest (delegating, verifying).
    let cfrags = relay(
        &relayer.master.relayer_key(),
        &sealed_kfrags,
        &m.capsule,
        &m.verifying_public_key,
        &m.delegating_public_key,
        &buyer_sk.public_key(),
    )
    .unwrap();
    let delivered = encode_cfrags(&cfrags).unwrap();
    println!("cfrags, 1-of-1: {} bytes", delivered.len());

    // Buyer.
    let cfrags = decode_cfrags(&delivered).unwrap();
    let key = m
        .envelope()
        .open_reencrypted(
            &buyer_sk,
            &m.delegating_public_key,
            &m.verifying_public_key,
            cfrags,
        )
        .unwrap();
    assert_eq!(open_bytes(&m, key, &sealed.ciphertexts).unwrap(), input);
}

#[test]
fn buyer_decrypts_through_relayer_two_of_three() {
    let (owner, buyer, relayer) = (Party::new(1), Party::new(2), Party::new(3));
    let input = data(300);
    let sealed = seal(&owner, b"asset-1", &input, 64);
    let m = &sealed.manifest;
    let buyer_sk = buyer.master.receiving_key();
    let dsk = owner.master.delegating_key(b"asset-1").unwrap();
    let kfrags = make_kfrags(
        &dsk,
        &buyer_sk.public_key(),
        &owner.master.signer(),
        Threshold::new(2, 3).unwrap(),
    )
    .unwrap();
    assert_eq!(kfrags.len(), 3);
    let sealed_kfrags = seal_kfrags(&relayer.master.relayer_key().public_key(), &kfrags).unwrap();
    println!("sealed kfrags, 2-of-3: {} bytes", sealed_kfrags.len());
    let cfrags = relay(
        &relayer.master.relayer_key(),
        &sealed_kfrags,
        &m.capsule,
        &m.verifying_public_key,
        &m.delegating_public_key,
        &buyer_sk.public_key(),
    )
    .unwrap();
    assert_eq!(cfrags.len(), 3);

    for pair in [[0, 1], [0, 2], [1, 2]] {
        let chosen = pair.iter().map(|&i| cfrags[i].clone()).collect();
        let key = m
            .envelope()
            .open_reencrypted(
                &buyer_sk,
                &m.delegating_public_key,
                &m.verifying_public_key,
                chosen,
            )
            .unwrap();
        assert_eq!(open_bytes(m, key, &sealed.ciphertexts).unwrap(), input);
    }
    // Below the threshold the capsule does not open.
    let err = m
        .envelope()
        .open_reencrypted(
            &buyer_sk,
            &m.delegating_public_key,
            &m.verifying_public_key,
            vec![cfrags[1].clone()],
        )
        .unwrap_err();
    assert_eq!(err, CryptoError::WrongKey);
}

#[test]
fn merkle_proofs_verify_in_the_registry_format() {
    let owner = Party::new(1);
    let input = data(700);
    let sealed = seal(&owner, b"asset-1", &input, 64);
    let m = &sealed.manifest;
    assert_eq!(merkle_root(&sealed.plaintext_hashes).unwrap(), m.root);
    for (i, chunk) in input.chunks(64).enumerate() {
        let proof = fragment_proof(&sealed.plaintext_hashes, i as u64).unwrap();
        assert_eq!(proof.leaf_count, 11);
        assert!(verify_fragment_proof(&m.root, chunk, &proof));
        // Exactly what data-registry's inclusion query checks: leaf = SHA-256(fragment).
        let leaf: [u8; 32] = sha2::Digest::finalize(sha2::Digest::chain_update(
            <sha2::Sha256 as sha2::Digest>::new(),
            chunk,
        ))
        .into();
        assert!(merkle::verify(&m.root, &leaf, &proof));
        assert!(!verify_fragment_proof(&m.root, b"other", &proof));
    }
    assert_eq!(
        fragment_proof(&sealed.plaintext_hashes, 11).unwrap_err(),
        CryptoError::UnknownFragment {
            index: 11,
            count: 11
        }
    );
}

#[test]
fn umbral_objects_round_trip_as_bytes_and_hex() {
    let (owner, buyer) = (Party::new(1), Party::new(2));
    let dsk = owner.master.delegating_key(b"asset-1").unwrap();
    let (env, _) = Envelope::seal(&dsk.public_key()).unwrap();
    assert_eq!(Capsule::decode(&env.capsule.encode()).unwrap(), env.capsule);
    assert_eq!(
        Capsule::from_hex(&env.capsule.to_hex()).unwrap(),
        env.capsule
    );

    let bpk = buyer.master.receiving_key().public_key();
    let kfrag = make_kfrags(&dsk, &bpk, &owner.master.signer(), Threshold::default())
        .unwrap()
        .remove(0)
        .unverify();
    assert_eq!(KeyFrag::decode(&kfrag.encode()).unwrap(), kfrag);
    assert_eq!(KeyFrag::from_hex(&kfrag.to_hex()).unwrap(), kfrag);

    let verified = verify_kfrags(
        vec![kfrag],
        &owner.master.verifying_public_key(),
        &dsk.public_key(),
        &bpk,
    )
    .unwrap();
    let cfrag = reencrypt(&env.capsule, verified).remove(0);
    assert_eq!(CapsuleFrag::decode(&cfrag.encode()).unwrap(), cfrag);
    assert_eq!(CapsuleFrag::from_hex(&cfrag.to_hex()).unwrap(), cfrag);

    let sk_bytes = secret_key_to_bytes(&dsk);
    assert!(secret_key_from_bytes(&sk_bytes).unwrap() == dsk);

    assert!(Capsule::decode(&[0u8; 10]).is_err());
    assert!(KeyFrag::from_hex("00").is_err());
    assert!(CapsuleFrag::decode(&[]).is_err());
    // A capsule whose proof no longer holds is refused on parse.
    let mut bad = env.capsule.encode();
    let last = bad.len() - 1;
    bad[last] ^= 1;
    assert!(Capsule::decode(&bad).is_err());
}

#[test]
fn sealed_kfrags_open_for_the_relayer() {
    let (owner, buyer, relayer) = (Party::new(1), Party::new(2), Party::new(3));
    let dsk = owner.master.delegating_key(b"asset-1").unwrap();
    let bpk = buyer.master.receiving_key().public_key();
    let kfrags = make_kfrags(
        &dsk,
        &bpk,
        &owner.master.signer(),
        Threshold::new(2, 3).unwrap(),
    )
    .unwrap();
    let sealed = seal_kfrags(&relayer.master.relayer_key().public_key(), &kfrags).unwrap();
    let opened = open_sealed_kfrags(&relayer.master.relayer_key(), &sealed).unwrap();
    let expected: Vec<KeyFrag> = kfrags.into_iter().map(|k| k.unverify()).collect();
    assert_eq!(opened, expected);
}

#[test]
fn print_manifest_example() {
    let owner = Party::new(1);
    let sealed = seal(&owner, b"asset-1", &data(150), 64);
    println!("{}", sealed.manifest.to_json());
}

#[test]
fn owned_reader_checks_without_consuming() {
    let owner = Party::new(1);
    let input = data(200);
    let sealed = seal(&owner, b"asset-owned", &input, 64);
    let dsk = owner.master.delegating_key(b"asset-owned").unwrap();
    let key = sealed.manifest.envelope().open_original(&dsk).unwrap();
    let mut reader = FragmentReader::owned(sealed.manifest.clone(), key);
    assert_eq!(reader.manifest().fragments.len(), 4);
    reader.open(0, &sealed.ciphertexts[0]).unwrap();
    assert_eq!(
        reader.check().unwrap_err(),
        CryptoError::MissingFragment { index: 1 }
    );
    for i in 1..4u64 {
        reader.open(i, &sealed.ciphertexts[i as usize]).unwrap();
    }
    assert_eq!(reader.check().unwrap(), sealed.plaintext_hashes);
    assert_eq!(reader.finish().unwrap(), sealed.plaintext_hashes);
}

#[test]
fn owner_delegating_key_is_checked_against_the_manifest() {
    let owner = Party::new(1);
    let sealed = seal(&owner, b"asset-x", &data(10), 64);
    let m = &sealed.manifest;
    let dsk = m.owner_delegating_key(&owner.master, b"asset-x").unwrap();
    assert_eq!(dsk.public_key(), m.delegating_public_key);
    assert!(matches!(
        m.owner_delegating_key(&owner.master, b"asset-y"),
        Err(CryptoError::NotOwner { asset_id }) if asset_id == "asset-y"
    ));
    assert!(matches!(
        m.owner_delegating_key(&Party::new(2).master, b"asset-x"),
        Err(CryptoError::NotOwner { .. })
    ));
}
