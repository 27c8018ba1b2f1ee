//! What must fail: every way a storage provider, a relayer, another buyer or a careless caller
//! could swap, reorder, tamper with or misdirect data and keys.

use twinshare_crypto::sharing::open_sealed_kfrags;
use twinshare_crypto::*;

fn master(byte: u8) -> MasterKey {
    MasterKey::from_seed(&[byte; 32]).unwrap()
}

fn input() -> Vec<u8> {
    (0..400u32).map(|i| (i % 256) as u8).collect()
}

/// Owner 1's asset `asset`, sealed in 64-byte fragments.
fn sealed(asset: &[u8]) -> (SealedData, SecretKey) {
    let owner = master(1);
    let dsk = owner.delegating_key(asset).unwrap();
    let s = seal_bytes(
        &input(),
        64,
        &dsk.public_key(),
        &owner.verifying_public_key(),
        |i| format!("f{i}"),
    )
    .unwrap();
    (s, dsk)
}

fn owner_key(m: &Manifest, dsk: &SecretKey) -> DataKey {
    m.envelope().open_original(dsk).unwrap()
}

fn corrupt(index: u64) -> CryptoError {
    CryptoError::FragmentCorrupt { index }
}

#[test]
fn swapped_fragments_fail() {
    let (s, dsk) = sealed(b"asset-1");
    let m = &s.manifest;
    // Storage swaps the stored objects: the ciphertext hashes no longer match.
    let mut swapped = s.ciphertexts.clone();
    swapped.swap(0, 1);
    assert_eq!(open_bytes(m, owner_key(m, &dsk), &swapped), Err(corrupt(0)));

    // Storage swaps the manifest entries too (hashes and locators follow the objects): the
    // hashes match, but fragment 1's AEAD was bound to index 1.
    let mut m2 = m.clone();
    let (a, b) = (m2.fragments[0].clone(), m2.fragments[1].clone());
    m2.fragments[0].ciphertext_hash = b.ciphertext_hash;
    m2.fragments[0].locator = b.locator;
    m2.fragments[1].ciphertext_hash = a.ciphertext_hash;
    m2.fragments[1].locator = a.locator;
    assert_eq!(
        open_bytes(&m2, owner_key(m, &dsk), &swapped),
        Err(corrupt(0))
    );
}

#[test]
fn reordered_indices_fail() {
    let (s, dsk) = sealed(b"asset-1");
    let m = &s.manifest;
    let key = owner_key(m, &dsk);
    let id = m.envelope_id();
    // Fragment 2 presented as fragment 3 (same size), at the AEAD level.
    assert_eq!(
        decrypt_fragment(&key, &id, 3, 64, &s.ciphertexts[2]),
        Err(corrupt(3))
    );
    assert!(decrypt_fragment(&key, &id, 2, 64, &s.ciphertexts[2]).is_ok());

    // A manifest whose entries are out of order is refused on parse.
    let mut json: serde_json::Value = serde_json::from_str(&m.to_json()).unwrap();
    let frags = json["fragments"].as_array_mut().unwrap();
    frags.swap(1, 2);
    let err = Manifest::from_json(&json.to_string()).unwrap_err();
    assert!(matches!(err, CryptoError::ManifestInvalid { .. }), "{err}");

    // Renumbering entries in place (index 1 <-> 2 with their hashes) fails on the AEAD.
    let mut m2 = m.clone();
    m2.fragments.swap(1, 2);
    m2.fragments[1].index = 1;
    m2.fragments[2].index = 2;
    let mut reordered = s.ciphertexts.clone();
    reordered.swap(1, 2);
    assert_eq!(
        open_bytes(&m2, owner_key(m, &dsk), &reordered),
        Err(corrupt(1))
    );
}

#[test]
fn fragment_from_another_asset_fails() {
    let (s1, dsk1) = sealed(b"asset-1");
    let (s2, _) = sealed(b"asset-2");
    let m1 = &s1.manifest;
    let mut mixed = s1.ciphertexts.clone();
    mixed[2] = s2.ciphertexts[2].clone();
    assert_eq!(
        open_bytes(m1, owner_key(m1, &dsk1), &mixed),
        Err(corrupt(2))
    );
    // Even with the hash check bypassed the AEAD refuses it.
    let key = owner_key(m1, &dsk1);
    assert_eq!(
        decrypt_fragment(&key, &m1.envelope_id(), 2, 64, &s2.ciphertexts[2]),
        Err(corrupt(2))
    );
    // Same asset id, two envelopes (two epochs): still apart.
    let (s1b, _) = sealed(b"asset-1");
    assert_eq!(
        decrypt_fragment(&key, &m1.envelope_id(), 2, 64, &s1b.ciphertexts[2]),
        Err(corrupt(2))
    );
}

#[test]
fn tampered_ciphertext_fails() {
    let (s, dsk) = sealed(b"asset-1");
    let m = &s.manifest;
    for pos in [0, 30, s.ciphertexts[4].len() - 1] {
        let mut tampered = s.ciphertexts.clone();
        tampered[4][pos] ^= 0x80;
        assert_eq!(
            open_bytes(m, owner_key(m, &dsk), &tampered),
            Err(corrupt(4))
        );
        // With the manifest's hash updated to match, the tag still fails.
        let mut m2 = m.clone();
        m2.fragments[4].ciphertext_hash = twinshare_crypto::envelope::ciphertext_hash(&tampered[4]);
        assert_eq!(
            open_bytes(&m2, owner_key(m, &dsk), &tampered),
            Err(corrupt(4))
        );
    }
    let mut truncated = s.ciphertexts.clone();
    truncated[6].pop();
    assert_eq!(
        open_bytes(m, owner_key(m, &dsk), &truncated),
        Err(corrupt(6))
    );
    // A missing last fragment.
    let mut reader = FragmentReader::new(m, owner_key(m, &dsk));
    for i in 0..6 {
        reader.open(i, &s.ciphertexts[i as usize]).unwrap();
    }
    assert_eq!(
        reader.open(9, &s.ciphertexts[0]),
        Err(CryptoError::UnknownFragment { index: 9, count: 7 })
    );
    assert_eq!(
        reader.finish(),
        Err(CryptoError::MissingFragment { index: 6 })
    );
}

#[test]
fn wrong_keys_fail() {
    let (s, dsk) = sealed(b"asset-1");
    let m = &s.manifest;
    let (owner, buyer, other, relayer) = (master(1), master(2), master(4), master(3));
    // The owner's key for another asset does not open this one.
    let other_dsk = owner.delegating_key(b"asset-2").unwrap();
    assert_eq!(
        m.envelope().open_original(&other_dsk).unwrap_err(),
        CryptoError::WrongKey
    );

    let kfrags = make_kfrags(
        &dsk,
        &buyer.receiving_key().public_key(),
        &owner.signer(),
        Threshold::default(),
    )
    .unwrap();
    let sealed_kfrags = seal_kfrags(&relayer.relayer_key().public_key(), &kfrags).unwrap();

    // The relayer is told another buyer's key: the kfrag was signed for the real one.
    let err = relay(
        &relayer.relayer_key(),
        &sealed_kfrags,
        &m.capsule,
        &m.verifying_public_key,
        &m.delegating_public_key,
        &other.receiving_key().public_key(),
    )
    .unwrap_err();
    assert!(
        matches!(err, CryptoError::KfragVerification { index: 0, .. }),
        "{err}"
    );

    // Cfrags made for the buyer do not open for anyone else.
    let cfrags = relay(
        &relayer.relayer_key(),
        &sealed_kfrags,
        &m.capsule,
        &m.verifying_public_key,
        &m.delegating_public_key,
        &buyer.receiving_key().public_key(),
    )
    .unwrap();
    let err = m
        .envelope()
        .open_reencrypted(
            &other.receiving_key(),
            &m.delegating_public_key,
            &m.verifying_public_key,
            cfrags.clone(),
        )
        .unwrap_err();
    assert!(
        matches!(err, CryptoError::CfragVerification { index: 0, .. }),
        "{err}"
    );
    // Nor with verification skipped, straight through umbral-pre.
    let unchecked = cfrags.iter().cloned().map(|c| c.skip_verification());
    assert!(umbral_pre::decrypt_reencrypted(
        &other.receiving_key(),
        &m.delegating_public_key,
        &m.capsule,
        unchecked,
        &m.encrypted_key,
    )
    .is_err());

    // A forged signer: the buyer checks against the owner's verifying key.
    let forged = make_kfrags(
        &dsk,
        &buyer.receiving_key().public_key(),
        &other.signer(),
        Threshold::default(),
    )
    .unwrap();
    let forged_cfrags = reencrypt(&m.capsule, forged);
    let err = m
        .envelope()
        .open_reencrypted(
            &buyer.receiving_key(),
            &m.delegating_public_key,
            &m.verifying_public_key,
            forged_cfrags,
        )
        .unwrap_err();
    assert!(
        matches!(err, CryptoError::CfragVerification { .. }),
        "{err}"
    );
}

#[test]
fn rekey_for_one_asset_opens_no_other() {
    let (s1, dsk1) = sealed(b"asset-1");
    let (s2, _) = sealed(b"asset-2");
    let (m1, m2) = (&s1.manifest, &s2.manifest);
    let (owner, buyer, relayer) = (master(1), master(2), master(3));
    let bsk = buyer.receiving_key();
    let kfrags = make_kfrags(
        &dsk1,
        &bsk.public_key(),
        &owner.signer(),
        Threshold::default(),
    )
    .unwrap();
    let sealed_kfrags = seal_kfrags(&relayer.relayer_key().public_key(), &kfrags).unwrap();

    // The relayer, asked to re-key asset 2 with asset 1's kfrags, refuses.
    let err = relay(
        &relayer.relayer_key(),
        &sealed_kfrags,
        &m2.capsule,
        &m2.verifying_public_key,
        &m2.delegating_public_key,
        &bsk.public_key(),
    )
    .unwrap_err();
    assert!(
        matches!(err, CryptoError::KfragVerification { .. }),
        "{err}"
    );

    // A relayer that skips the check produces cfrags that verify for no asset-2 opening...
    let unchecked: Vec<VerifiedKeyFrag> =
        open_sealed_kfrags(&relayer.relayer_key(), &sealed_kfrags)
            .unwrap()
            .into_iter()
            .map(|k| k.skip_verification())
            .collect();
    let cfrags = reencrypt(&m2.capsule, unchecked);
    let err = m2
        .envelope()
        .open_reencrypted(
            &bsk,
            &m2.delegating_public_key,
            &m2.verifying_public_key,
            cfrags.clone(),
        )
        .unwrap_err();
    assert!(
        matches!(err, CryptoError::CfragVerification { .. }),
        "{err}"
    );
    // ...and do not open asset 2's capsule even unchecked.
    assert!(umbral_pre::decrypt_reencrypted(
        &bsk,
        &m2.delegating_public_key,
        &m2.capsule,
        cfrags.into_iter().map(|c| c.skip_verification()),
        &m2.encrypted_key,
    )
    .is_err());

    // The same kfrags do open asset 1.
    let cfrags = relay(
        &relayer.relayer_key(),
        &sealed_kfrags,
        &m1.capsule,
        &m1.verifying_public_key,
        &m1.delegating_public_key,
        &bsk.public_key(),
    )
    .unwrap();
    let key = m1
        .envelope()
        .open_reencrypted(
            &bsk,
            &m1.delegating_public_key,
            &m1.verifying_public_key,
            cfrags,
        )
        .unwrap();
    assert_eq!(open_bytes(m1, key, &s1.ciphertexts).unwrap(), input());
}

#[test]
fn tampered_sealed_kfrags_fail() {
    let (_, dsk) = sealed(b"asset-1");
    let (owner, buyer, relayer) = (master(1), master(2), master(3));
    let kfrags = make_kfrags(
        &dsk,
        &buyer.receiving_key().public_key(),
        &owner.signer(),
        Threshold::default(),
    )
    .unwrap();
    let rsk = relayer.relayer_key();
    let sealed_kfrags = seal_kfrags(&rsk.public_key(), &kfrags).unwrap();
    assert!(open_sealed_kfrags(&rsk, &sealed_kfrags).is_ok());
    // Every single-byte change is caught: format byte, length, capsule, ciphertext.
    for pos in 0..sealed_kfrags.len() {
        let mut t = sealed_kfrags.clone();
        t[pos] ^= 0x01;
        let err = open_sealed_kfrags(&rsk, &t).unwrap_err();
        assert!(
            matches!(err, CryptoError::SealedKfrags { .. }),
            "byte {pos}: {err}"
        );
    }
    for len in [0, 1, 3, 50, sealed_kfrags.len() - 1] {
        assert!(open_sealed_kfrags(&rsk, &sealed_kfrags[..len]).is_err());
    }
    let mut longer = sealed_kfrags.clone();
    longer.push(0);
    assert!(open_sealed_kfrags(&rsk, &longer).is_err());
    // Sealed to another relayer.
    let err = open_sealed_kfrags(&master(9).relayer_key(), &sealed_kfrags).unwrap_err();
    assert!(matches!(err, CryptoError::SealedKfrags { .. }), "{err}");
}

#[test]
fn cfrags_from_different_kfrag_sets_fail() {
    let (s, dsk) = sealed(b"asset-1");
    let m = &s.manifest;
    let (owner, buyer) = (master(1), master(2));
    let bsk = buyer.receiving_key();
    let set = || {
        let k = make_kfrags(
            &dsk,
            &bsk.public_key(),
            &owner.signer(),
            Threshold::new(2, 3).unwrap(),
        )
        .unwrap();
        reencrypt(&m.capsule, k)
    };
    let (a, b) = (set(), set());
    // Each cfrag is valid on its own, but they belong to different polynomials.
    let err = m
        .envelope()
        .open_reencrypted(
            &bsk,
            &m.delegating_public_key,
            &m.verifying_public_key,
            vec![a[0].clone(), b[1].clone()],
        )
        .unwrap_err();
    assert!(matches!(err, CryptoError::CfragCombination { .. }), "{err}");
    // The same cfrag twice does not count twice.
    let err = m
        .envelope()
        .open_reencrypted(
            &bsk,
            &m.delegating_public_key,
            &m.verifying_public_key,
            vec![a[0].clone(), a[0].clone()],
        )
        .unwrap_err();
    assert!(matches!(err, CryptoError::CfragCombination { .. }), "{err}");
    let err = m
        .envelope()
        .open_reencrypted(
            &bsk,
            &m.delegating_public_key,
            &m.verifying_public_key,
            vec![],
        )
        .unwrap_err();
    assert!(matches!(err, CryptoError::CfragCombination { .. }), "{err}");

    // A 1-of-1 cfrag made from another asset's capsule does not verify for this one.
    let (s2, _) = sealed(b"asset-1");
    let k = make_kfrags(
        &dsk,
        &bsk.public_key(),
        &owner.signer(),
        Threshold::default(),
    )
    .unwrap();
    let foreign = reencrypt(&s2.manifest.capsule, k);
    let err = m
        .envelope()
        .open_reencrypted(
            &bsk,
            &m.delegating_public_key,
            &m.verifying_public_key,
            foreign,
        )
        .unwrap_err();
    assert!(
        matches!(err, CryptoError::CfragVerification { .. }),
        "{err}"
    );
}

#[test]
fn unknown_manifest_version_is_refused() {
    let (s, _) = sealed(b"asset-1");
    let mut json: serde_json::Value = serde_json::from_str(&s.manifest.to_json()).unwrap();
    json["version"] = 2.into();
    let text = json.to_string();
    assert_eq!(
        Manifest::from_json(&text),
        Err(CryptoError::UnknownManifestVersion { version: 2 })
    );
    // Also through plain serde: no path skips the check.
    assert!(serde_json::from_str::<Manifest>(&text).is_err());
    // A future version with other fields is still refused as a version, not a shape.
    assert_eq!(
        Manifest::from_json(r#"{"version": 7, "chunks": []}"#),
        Err(CryptoError::UnknownManifestVersion { version: 7 })
    );
    let err = Manifest::from_json(r#"{"fragments": []}"#).unwrap_err();
    assert!(matches!(err, CryptoError::ManifestJson { .. }), "{err}");
    json["version"] = 1.into();
    json["plaintext_hashes"] = serde_json::json!([]);
    let err = Manifest::from_json(&json.to_string()).unwrap_err();
    assert!(matches!(err, CryptoError::ManifestJson { .. }), "{err}");
}

#[test]
fn inconsistent_manifests_are_refused() {
    let (s, _) = sealed(b"asset-1");
    let base: serde_json::Value = serde_json::from_str(&s.manifest.to_json()).unwrap();
    let check = |edit: &dyn Fn(&mut serde_json::Value)| {
        let mut j = base.clone();
        edit(&mut j);
        Manifest::from_json(&j.to_string()).unwrap_err()
    };
    assert!(matches!(
        check(&|j| j["total_size"] = 401.into()),
        CryptoError::ManifestInvalid { .. }
    ));
    assert_eq!(
        check(&|j| j["fragments"][2]["size"] = 63.into()),
        CryptoError::FragmentSize {
            index: 2,
            expected: 64,
            got: 63
        }
    );
    assert!(matches!(
        check(&|j| j["fragment_size"] = 0.into()),
        CryptoError::ManifestInvalid { .. }
    ));
    assert_eq!(
        check(&|j| j["fragments"] = serde_json::json!([])),
        CryptoError::EmptyData
    );
    assert!(matches!(
        check(&|j| j["delegating_public_key"] = "04aa".into()),
        CryptoError::ManifestJson { .. }
    ));
    assert!(matches!(
        check(&|j| j["root"] = "abcd".into()),
        CryptoError::ManifestJson { .. }
    ));
    assert!(matches!(
        check(&|j| j["fragments"][0]["locator"] = "".into()),
        CryptoError::ManifestInvalid { .. }
    ));
}

#[test]
fn root_mismatch_is_detected() {
    let (s, dsk) = sealed(b"asset-1");
    let m = &s.manifest;
    m.check_registered_root(&m.root).unwrap();
    let err = m.check_registered_root(&[0u8; 32]).unwrap_err();
    assert_eq!(
        err,
        CryptoError::RootMismatch {
            expected: hex::encode([0u8; 32]),
            got: hex::encode(m.root),
        }
    );
    // A manifest whose fragments are all genuine but whose root is not theirs.
    let mut lying = m.clone();
    lying.root[0] ^= 1;
    let err = open_bytes(&lying, owner_key(m, &dsk), &s.ciphertexts).unwrap_err();
    assert_eq!(
        err,
        CryptoError::RootMismatch {
            expected: hex::encode(lying.root),
            got: hex::encode(m.root),
        }
    );
}

#[test]
fn builder_refuses_gaps_and_duplicates() {
    let owner = master(1);
    let dsk = owner.delegating_key(b"a").unwrap();
    let (env, key) = Envelope::seal(&dsk.public_key()).unwrap();
    let id = env.id();
    let f0 = encrypt_fragment(&key, &id, 0, &[1; 8]).unwrap();
    let f2 = encrypt_fragment(&key, &id, 2, &[1; 8]).unwrap();
    let f1_short = encrypt_fragment(&key, &id, 1, &[1; 7]).unwrap();
    let new =
        || ManifestBuilder::new(&env, dsk.public_key(), owner.verifying_public_key(), 8).unwrap();

    let mut b = new();
    b.add(&f0, "0").unwrap();
    assert_eq!(
        b.add(&f0, "0"),
        Err(CryptoError::DuplicateFragment { index: 0 })
    );
    b.add(&f2, "2").unwrap();
    assert_eq!(
        b.build().unwrap_err(),
        CryptoError::MissingFragment { index: 1 }
    );

    let mut b = new();
    for (f, l) in [(&f2, "2"), (&f1_short, "1"), (&f0, "0")] {
        b.add(f, l).unwrap();
    }
    assert_eq!(
        b.build().unwrap_err(),
        CryptoError::FragmentSize {
            index: 1,
            expected: 8,
            got: 7
        }
    );
    assert_eq!(new().build().unwrap_err(), CryptoError::EmptyData);
    assert!(ManifestBuilder::new(&env, dsk.public_key(), owner.verifying_public_key(), 0).is_err());
    assert!(matches!(
        seal_bytes(
            &[],
            8,
            &dsk.public_key(),
            &owner.verifying_public_key(),
            |i| i.to_string()
        ),
        Err(CryptoError::EmptyData)
    ));
}
