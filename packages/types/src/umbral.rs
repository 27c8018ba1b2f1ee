//! Checks on Umbral public keys carried in messages. Umbral (umbral-pre 0.11) serializes a public
//! key as a compressed SEC1 secp256k1 point: 33 bytes, prefix 0x02 or 0x03.

use crate::error::CommonError;

/// Length of a compressed secp256k1 public key.
pub const PUBLIC_KEY_LEN: usize = 33;

/// Accepts only a 33-byte compressed point that lies on secp256k1.
pub fn validate_public_key(bytes: &[u8]) -> Result<(), CommonError> {
    if bytes.len() != PUBLIC_KEY_LEN {
        return Err(CommonError::InvalidUmbralKey {
            reason: format!("{} bytes", bytes.len()),
        });
    }
    if bytes[0] != 0x02 && bytes[0] != 0x03 {
        return Err(CommonError::InvalidUmbralKey {
            reason: format!("prefix 0x{:02x} is not a compressed point", bytes[0]),
        });
    }
    k256::PublicKey::from_sec1_bytes(bytes).map_err(|_| CommonError::InvalidUmbralKey {
        reason: "not a point on secp256k1".to_string(),
    })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The secp256k1 generator, compressed.
    const G: &str = "0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798";

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    #[test]
    fn accepts_a_point_on_the_curve() {
        validate_public_key(&hex(G)).unwrap();
    }

    #[test]
    fn refuses_wrong_length_prefix_and_off_curve() {
        let g = hex(G);
        assert!(matches!(
            validate_public_key(&g[..32]),
            Err(CommonError::InvalidUmbralKey { .. })
        ));
        let mut uncompressed_prefix = g.clone();
        uncompressed_prefix[0] = 0x04;
        assert!(validate_public_key(&uncompressed_prefix).is_err());
        // x = 5 has no y on secp256k1 (5^3 + 7 = 132 is not a square mod p).
        let mut off_curve = vec![0x02];
        off_curve.extend_from_slice(&[0u8; 31]);
        off_curve.push(5);
        assert!(validate_public_key(&off_curve).is_err());
    }
}
