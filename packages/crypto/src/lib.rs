//! TwinShare's data envelope (DESIGN.md "Crypto"; paper Section 4.6, Fig. 5): data is cut into
//! fragments sealed with XChaCha20-Poly1305 under one random data key per asset (or stream
//! epoch); an Umbral capsule wraps that key for the owner's per-asset delegating key, so a sale
//! re-encrypts one capsule, whatever the data size. The manifest carries the capsule, the
//! fragments' ciphertext hashes and the Merkle root over plaintext fragment hashes that is
//! registered on chain.
//!
//! Pure functions over bytes, no I/O: the same crate builds for `wasm32-unknown-unknown`.
//!
//! - [`keys`]: seeds, per-asset delegating keys, serialization of Umbral objects.
//! - [`envelope`]: the capsule and data key, one fragment at a time.
//! - [`manifest`]: the JSON manifest, its builder and reader, Merkle root and proofs.
//! - [`sharing`]: kfrags, sealing them to the relayer, re-encryption, cfrag checks.

pub mod claims;
pub mod envelope;
pub mod error;
pub mod keys;
pub mod manifest;
pub mod sharing;

pub use claims::{verify_digest, SensorKey};
pub use envelope::{
    decrypt_fragment, encrypt_fragment, DataKey, Envelope, EnvelopeId, SealedFragment,
};
pub use error::{CryptoError, Result};
pub use keys::{Codec, MasterKey};
pub use manifest::{
    fragment_proof, merkle_root, open_bytes, seal_bytes, verify_fragment_proof, FragmentEntry,
    FragmentReader, Manifest, ManifestBuilder, SealedData, MANIFEST_VERSION,
};
pub use sharing::{
    make_kfrags, open_sealed_kfrags, reencrypt, relay, seal_kfrags, verify_cfrags, verify_kfrags,
    Threshold,
};
/// The Umbral types in this crate's signatures.
pub use umbral_pre::{
    Capsule, CapsuleFrag, KeyFrag, PublicKey, SecretKey, Signer, VerifiedCapsuleFrag,
    VerifiedKeyFrag,
};
