//! Deterministic Umbral-shaped public keys (compressed secp256k1 points) for tests.

use cosmwasm_std::HexBinary;
use k256::elliptic_curve::sec1::ToEncodedPoint;

/// The compressed public key of the secret scalar `seed` (any non-zero `seed`).
pub fn pubkey(seed: u8) -> HexBinary {
    let mut bytes = [0u8; 32];
    bytes[31] = seed.max(1);
    let secret =
        k256::SecretKey::from_slice(&bytes).expect("a small non-zero scalar is a valid key");
    HexBinary::from(secret.public_key().to_encoded_point(true).as_bytes())
}
