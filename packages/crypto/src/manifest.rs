//! The manifest: everything a downloader needs besides the ciphertexts and a key, as versioned
//! JSON (`version: 1`). It lists each fragment's index, plaintext size, ciphertext hash and
//! storage locator, the envelope (capsule and encrypted data key), the public keys, and `root`,
//! the Merkle root (`twinshare_types::merkle`, RFC 9162 over SHA-256) whose leaf values are the
//! SHA-256 hashes of the plaintext fragments. That root is the hash registered on chain.
//!
//! Plaintext hashes are deliberately absent: listed, they would reveal which small fragments
//! are equal (and confirm guesses). A reader checks each ciphertext hash, decrypts (the AEAD
//! authenticates), collects the plaintext hashes and checks the root at the end
//! ([`FragmentReader`]). Byte values are lowercase hex strings.

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use twinshare_types::merkle::{self, Hash};
use twinshare_types::MerkleProof;
use umbral_pre::{Capsule, PublicKey, SecretKey};

use crate::envelope::{
    ciphertext_hash, decrypt_fragment, encrypt_fragment, plaintext_hash, DataKey, Envelope,
    EnvelopeId, SealedFragment,
};
use crate::error::{CryptoError, Result};
use crate::keys::MasterKey;

/// The manifest format this crate writes and reads.
pub const MANIFEST_VERSION: u64 = 1;

/// Serde helpers: byte values as lowercase hex strings.
mod hex_serde {
    use serde::{de::Error as _, Deserialize, Deserializer, Serializer};

    use crate::keys::Codec;

    pub mod codec {
        use super::*;
        pub fn serialize<T: Codec, S: Serializer>(v: &T, s: S) -> Result<S::Ok, S::Error> {
            s.serialize_str(&v.to_hex())
        }
        pub fn deserialize<'de, T: Codec, D: Deserializer<'de>>(d: D) -> Result<T, D::Error> {
            T::from_hex(&String::deserialize(d)?).map_err(D::Error::custom)
        }
    }

    pub mod bytes {
        use super::*;
        pub fn serialize<S: Serializer>(v: &[u8], s: S) -> Result<S::Ok, S::Error> {
            s.serialize_str(&hex::encode(v))
        }
        pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
            hex::decode(String::deserialize(d)?).map_err(D::Error::custom)
        }
    }

    pub mod hash {
        use super::*;
        use twinshare_types::merkle::Hash;
        pub fn serialize<S: Serializer>(v: &Hash, s: S) -> Result<S::Ok, S::Error> {
            s.serialize_str(&hex::encode(v))
        }
        pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Hash, D::Error> {
            let bytes = hex::decode(String::deserialize(d)?).map_err(D::Error::custom)?;
            bytes
                .try_into()
                .map_err(|b: Vec<u8>| D::Error::custom(format!("{} bytes, expected 32", b.len())))
        }
    }
}

/// One fragment as the manifest lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FragmentEntry {
    /// Position from 0; also the Merkle leaf index and bound into the AEAD.
    pub index: u64,
    /// Plaintext size in bytes.
    pub size: u64,
    /// SHA-256 of the sealed fragment (`nonce || ciphertext || tag`).
    #[serde(with = "hex_serde::hash")]
    pub ciphertext_hash: Hash,
    /// Where the sealed fragment is stored (an object name in the storage backend).
    pub locator: String,
}

/// The wire shape, checked into a [`Manifest`] by `TryFrom`, so no deserialization path skips
/// the version and consistency checks.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawManifest {
    version: u64,
    fragment_size: u64,
    total_size: u64,
    #[serde(with = "hex_serde::hash")]
    root: Hash,
    #[serde(with = "hex_serde::codec")]
    capsule: Capsule,
    #[serde(with = "hex_serde::bytes")]
    encrypted_key: Vec<u8>,
    #[serde(with = "hex_serde::codec")]
    delegating_public_key: PublicKey,
    #[serde(with = "hex_serde::codec")]
    verifying_public_key: PublicKey,
    fragments: Vec<FragmentEntry>,
}

/// A checked manifest (version 1).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "RawManifest")]
pub struct Manifest {
    pub version: u64,
    /// Size of every fragment but the last, which may be shorter.
    pub fragment_size: u64,
    /// Plaintext size of the whole asset.
    pub total_size: u64,
    /// Merkle root over the plaintext fragment hashes: the hash registered on chain.
    #[serde(with = "hex_serde::hash")]
    pub root: Hash,
    #[serde(with = "hex_serde::codec")]
    pub capsule: Capsule,
    /// The data key under the capsule (Umbral DEM ciphertext).
    #[serde(with = "hex_serde::bytes")]
    pub encrypted_key: Vec<u8>,
    /// The asset's delegating public key: kfrags must be for it.
    #[serde(with = "hex_serde::codec")]
    pub delegating_public_key: PublicKey,
    /// The owner's signer: kfrags and cfrags must carry its signature.
    #[serde(with = "hex_serde::codec")]
    pub verifying_public_key: PublicKey,
    pub fragments: Vec<FragmentEntry>,
}

impl TryFrom<RawManifest> for Manifest {
    type Error = CryptoError;

    fn try_from(r: RawManifest) -> Result<Self> {
        let m = Manifest {
            version: r.version,
            fragment_size: r.fragment_size,
            total_size: r.total_size,
            root: r.root,
            capsule: r.capsule,
            encrypted_key: r.encrypted_key,
            delegating_public_key: r.delegating_public_key,
            verifying_public_key: r.verifying_public_key,
            fragments: r.fragments,
        };
        m.validate()?;
        Ok(m)
    }
}

/// Reads only the version, so that a manifest of another version is refused as such rather
/// than as a JSON shape error.
#[derive(Deserialize)]
struct VersionProbe {
    version: u64,
}

fn json_err(e: serde_json::Error) -> CryptoError {
    CryptoError::ManifestJson {
        reason: e.to_string(),
    }
}

impl Manifest {
    /// Parses and checks a manifest; a version other than 1 is `UnknownManifestVersion`.
    pub fn from_json(s: &str) -> Result<Self> {
        let probe: VersionProbe = serde_json::from_str(s).map_err(json_err)?;
        if probe.version != MANIFEST_VERSION {
            return Err(CryptoError::UnknownManifestVersion {
                version: probe.version,
            });
        }
        let raw: RawManifest = serde_json::from_str(s).map_err(json_err)?;
        Manifest::try_from(raw)
    }

    /// Pretty JSON: manifests are small and read by people too.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a manifest always serializes to JSON")
    }

    /// The layout rules: version 1, fragments `0..n` in order, every fragment but the last of
    /// `fragment_size` bytes, the last of 1..=`fragment_size`, sizes adding up to `total_size`.
    pub fn validate(&self) -> Result<()> {
        let invalid = |reason: String| CryptoError::ManifestInvalid { reason };
        if self.version != MANIFEST_VERSION {
            return Err(CryptoError::UnknownManifestVersion {
                version: self.version,
            });
        }
        if self.fragment_size == 0 {
            return Err(invalid("fragment size 0".into()));
        }
        if self.fragments.is_empty() {
            return Err(CryptoError::EmptyData);
        }
        let last = self.fragments.len() - 1;
        let mut total: u64 = 0;
        for (pos, f) in self.fragments.iter().enumerate() {
            if f.index != pos as u64 {
                return Err(invalid(format!(
                    "fragment at position {pos} has index {}",
                    f.index
                )));
            }
            let ok = if pos == last {
                (1..=self.fragment_size).contains(&f.size)
            } else {
                f.size == self.fragment_size
            };
            if !ok {
                return Err(CryptoError::FragmentSize {
                    index: f.index,
                    expected: self.fragment_size,
                    got: f.size,
                });
            }
            if f.locator.is_empty() {
                return Err(invalid(format!("fragment {pos} has no locator")));
            }
            total = total
                .checked_add(f.size)
                .ok_or_else(|| invalid("sizes overflow".into()))?;
        }
        if total != self.total_size {
            return Err(invalid(format!(
                "fragments hold {total} bytes, total_size says {}",
                self.total_size
            )));
        }
        Ok(())
    }

    pub fn envelope(&self) -> Envelope {
        Envelope {
            capsule: self.capsule.clone(),
            encrypted_key: self.encrypted_key.clone(),
        }
    }

    pub fn envelope_id(&self) -> EnvelopeId {
        EnvelopeId::of(&self.capsule)
    }

    /// Checks the manifest's root against the hash registered on chain. Do this before trusting
    /// anything else in a manifest fetched from storage.
    pub fn check_registered_root(&self, registered: &[u8]) -> Result<()> {
        if registered != self.root.as_slice() {
            return Err(CryptoError::RootMismatch {
                expected: hex::encode(registered),
                got: hex::encode(self.root),
            });
        }
        Ok(())
    }

    /// The owner's delegating key of this manifest's asset, derived from `owner` and the
    /// storage `asset_id`; `NotOwner` when it is not the key the manifest was sealed for (the
    /// wrong identity or the wrong asset id: kfrags made from it would not verify).
    pub fn owner_delegating_key(&self, owner: &MasterKey, asset_id: &[u8]) -> Result<SecretKey> {
        let dsk = owner.delegating_key(asset_id)?;
        if dsk.public_key() != self.delegating_public_key {
            return Err(CryptoError::NotOwner {
                asset_id: String::from_utf8_lossy(asset_id).into_owned(),
            });
        }
        Ok(dsk)
    }
}

/// The root over plaintext hashes (leaf values), as the registry computes it.
pub fn merkle_root(plaintext_hashes: &[Hash]) -> Result<Hash> {
    merkle::root(plaintext_hashes).ok_or(CryptoError::EmptyData)
}

/// Inclusion proof of fragment `index` (leaf value: its plaintext hash), in the form the
/// registry's inclusion query verifies.
pub fn fragment_proof(plaintext_hashes: &[Hash], index: u64) -> Result<MerkleProof> {
    usize::try_from(index)
        .ok()
        .and_then(|i| merkle::prove(plaintext_hashes, i))
        .ok_or(CryptoError::UnknownFragment {
            index,
            count: plaintext_hashes.len() as u64,
        })
}

/// Whether `proof` shows the plaintext fragment under `root`.
pub fn verify_fragment_proof(root: &[u8], plaintext: &[u8], proof: &MerkleProof) -> bool {
    merkle::verify(root, &plaintext_hash(plaintext), proof)
}

/// Collects sealed fragments (in any order, e.g. from parallel workers) into a manifest.
pub struct ManifestBuilder {
    envelope: Envelope,
    delegating_public_key: PublicKey,
    verifying_public_key: PublicKey,
    fragment_size: u64,
    fragments: BTreeMap<u64, (FragmentEntry, Hash)>,
}

impl ManifestBuilder {
    pub fn new(
        envelope: &Envelope,
        delegating_public_key: PublicKey,
        verifying_public_key: PublicKey,
        fragment_size: u64,
    ) -> Result<Self> {
        if fragment_size == 0 {
            return Err(CryptoError::ManifestInvalid {
                reason: "fragment size 0".into(),
            });
        }
        Ok(Self {
            envelope: envelope.clone(),
            delegating_public_key,
            verifying_public_key,
            fragment_size,
            fragments: BTreeMap::new(),
        })
    }

    pub fn add(&mut self, fragment: &SealedFragment, locator: impl Into<String>) -> Result<()> {
        if self.fragments.contains_key(&fragment.index) {
            return Err(CryptoError::DuplicateFragment {
                index: fragment.index,
            });
        }
        let entry = FragmentEntry {
            index: fragment.index,
            size: fragment.size,
            ciphertext_hash: fragment.ciphertext_hash,
            locator: locator.into(),
        };
        self.fragments
            .insert(fragment.index, (entry, fragment.plaintext_hash));
        Ok(())
    }

    /// The manifest and the plaintext hashes (kept by the owner for inclusion proofs; they
    /// are not in the manifest).
    pub fn build(self) -> Result<(Manifest, Vec<Hash>)> {
        let mut entries = Vec::with_capacity(self.fragments.len());
        let mut leaves = Vec::with_capacity(self.fragments.len());
        for (expected, (index, (entry, leaf))) in self.fragments.into_iter().enumerate() {
            if index != expected as u64 {
                return Err(CryptoError::MissingFragment {
                    index: expected as u64,
                });
            }
            entries.push(entry);
            leaves.push(leaf);
        }
        let manifest = Manifest {
            version: MANIFEST_VERSION,
            fragment_size: self.fragment_size,
            total_size: entries.iter().map(|e| e.size).sum(),
            root: merkle_root(&leaves)?,
            capsule: self.envelope.capsule,
            encrypted_key: self.envelope.encrypted_key,
            delegating_public_key: self.delegating_public_key,
            verifying_public_key: self.verifying_public_key,
            fragments: entries,
        };
        manifest.validate()?;
        Ok((manifest, leaves))
    }
}

/// A downloader's side: open fragments one at a time (any order), then [`FragmentReader::finish`]
/// checks that all were opened and that their plaintext hashes give the manifest's root.
/// It borrows the manifest ([`FragmentReader::new`]) or owns it ([`FragmentReader::owned`], for
/// a holder that cannot borrow, like the web wallet's JS object).
pub struct FragmentReader<'m> {
    manifest: Cow<'m, Manifest>,
    key: DataKey,
    id: EnvelopeId,
    leaves: Vec<Option<Hash>>,
}

impl FragmentReader<'static> {
    /// A reader that owns its manifest.
    pub fn owned(manifest: Manifest, key: DataKey) -> Self {
        Self::with(Cow::Owned(manifest), key)
    }
}

impl<'m> FragmentReader<'m> {
    /// `key` is the envelope's data key (owner: `open_original`; buyer: `open_reencrypted`).
    pub fn new(manifest: &'m Manifest, key: DataKey) -> Self {
        Self::with(Cow::Borrowed(manifest), key)
    }

    fn with(manifest: Cow<'m, Manifest>, key: DataKey) -> Self {
        Self {
            key,
            id: manifest.envelope_id(),
            leaves: vec![None; manifest.fragments.len()],
            manifest,
        }
    }

    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    /// Checks the sealed bytes against the manifest's ciphertext hash, then decrypts them.
    pub fn open(&mut self, index: u64, sealed: &[u8]) -> Result<Vec<u8>> {
        let count = self.manifest.fragments.len() as u64;
        let pos = usize::try_from(index)
            .ok()
            .filter(|&p| p < self.manifest.fragments.len())
            .ok_or(CryptoError::UnknownFragment { index, count })?;
        let entry = &self.manifest.fragments[pos];
        if ciphertext_hash(sealed) != entry.ciphertext_hash {
            return Err(CryptoError::FragmentCorrupt { index });
        }
        let plaintext = decrypt_fragment(&self.key, &self.id, index, entry.size, sealed)?;
        self.leaves[pos] = Some(plaintext_hash(&plaintext));
        Ok(plaintext)
    }

    /// The plaintext hashes once every fragment was opened and their root is the manifest's.
    /// Consumes the reader; see [`FragmentReader::check`] for a holder that cannot give it up.
    pub fn finish(self) -> Result<Vec<Hash>> {
        self.check()
    }

    /// [`FragmentReader::finish`] without consuming the reader.
    pub fn check(&self) -> Result<Vec<Hash>> {
        let leaves = self
            .leaves
            .iter()
            .enumerate()
            .map(|(i, l)| l.ok_or(CryptoError::MissingFragment { index: i as u64 }))
            .collect::<Result<Vec<Hash>>>()?;
        let got = merkle_root(&leaves)?;
        if got != self.manifest.root {
            return Err(CryptoError::RootMismatch {
                expected: hex::encode(self.manifest.root),
                got: hex::encode(got),
            });
        }
        Ok(leaves)
    }
}

/// Everything [`seal_bytes`] produces for data held in memory.
pub struct SealedData {
    pub manifest: Manifest,
    /// Sealed fragments, by index.
    pub ciphertexts: Vec<Vec<u8>>,
    /// Plaintext hashes (Merkle leaf values), by index; for the owner's inclusion proofs.
    pub plaintext_hashes: Vec<Hash>,
}

/// Encrypts data held in memory (small assets, the web wallet, tests): a fresh envelope for
/// `delegating_pk`, fragments of `fragment_size`, `locator(index)` naming each in storage.
pub fn seal_bytes(
    data: &[u8],
    fragment_size: usize,
    delegating_pk: &PublicKey,
    verifying_pk: &PublicKey,
    locator: impl Fn(u64) -> String,
) -> Result<SealedData> {
    if data.is_empty() {
        return Err(CryptoError::EmptyData);
    }
    let (envelope, key) = Envelope::seal(delegating_pk)?;
    let id = envelope.id();
    let mut builder = ManifestBuilder::new(
        &envelope,
        *delegating_pk,
        *verifying_pk,
        fragment_size as u64,
    )?;
    let mut ciphertexts = Vec::new();
    for (i, chunk) in data.chunks(fragment_size).enumerate() {
        let sealed = encrypt_fragment(&key, &id, i as u64, chunk)?;
        builder.add(&sealed, locator(i as u64))?;
        ciphertexts.push(sealed.ciphertext);
    }
    let (manifest, plaintext_hashes) = builder.build()?;
    Ok(SealedData {
        manifest,
        ciphertexts,
        plaintext_hashes,
    })
}

/// Opens all fragments of a manifest held in memory, in index order, and checks the root.
pub fn open_bytes(
    manifest: &Manifest,
    key: DataKey,
    ciphertexts: &[impl AsRef<[u8]>],
) -> Result<Vec<u8>> {
    let mut reader = FragmentReader::new(manifest, key);
    let mut out = Vec::with_capacity(usize::try_from(manifest.total_size).unwrap_or(0));
    for (i, c) in ciphertexts.iter().enumerate() {
        out.extend_from_slice(&reader.open(i as u64, c.as_ref())?);
    }
    reader.finish()?;
    Ok(out)
}
