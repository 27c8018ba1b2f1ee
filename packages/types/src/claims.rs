//! The record-claim format of the anchoring service (issue 9): what a sensor signs, what a leaf
//! of an anchored batch commits to, and the digest a payment-channel voucher is checked against.
//! The relayer daemon, the CLI (`twinshare stream`), the `payment-channel` contract and offline
//! verifiers all build these bytes here, so they cannot drift apart.
//!
//! - A **leaf** commits to owner, stream, seq, timestamp, payload size and payload hash
//!   ([`leaf_bytes`]); the anchored root is `merkle::root` over leaves in batch order.
//! - A sensor signs one **batch** of records with one secp256k1 ECDSA signature over
//!   [`batch_digest`] = SHA-256(domain ‖ body hash ‖ voucher). The body hash covers the owner,
//!   the level and every record ([`body_hash`]); the voucher (a cumulative amount owed on a
//!   payment channel) is outside the body so the contract can check a redeemed voucher from the
//!   body hash alone, without the records.

use cosmwasm_schema::cw_serde;
use cosmwasm_std::{HexBinary, Uint128};
use sha2::{Digest, Sha256};

use crate::merkle::Hash;

/// Domain of a leaf; a leaf can never be mistaken for any other TwinShare byte string.
pub const LEAF_DOMAIN: &[u8] = b"twinshare/claim-leaf/v1";
/// Domain of a batch body.
pub const BODY_DOMAIN: &[u8] = b"twinshare/claim-body/v1";
/// Domain of the signed digest.
pub const BATCH_DOMAIN: &[u8] = b"twinshare/claim-batch/v1";
/// Longest stream name, in bytes.
pub const MAX_STREAM_LEN: usize = 128;

/// One record claim: the sensor says "record `seq` of `stream`, taken at `timestamp`, is the
/// payload of `size` bytes hashing to `hash`".
#[cw_serde]
pub struct ClaimRecord {
    pub stream: String,
    /// Per (owner, stream), strictly increasing by one from 0.
    pub seq: u64,
    /// The sensor's clock, ms since the Unix epoch.
    pub timestamp: u64,
    /// Payload size in bytes (counted against the owner's lease).
    pub size: u32,
    /// SHA-256 of the payload (32 bytes).
    pub hash: HexBinary,
}

/// Priority of a batch (paper Rules 1-2): `High` pays `fee_per_record` through its voucher.
#[cw_serde]
pub enum ClaimLevel {
    High { fee_per_record: Uint128 },
    Low,
}

/// A promise of payment on a channel: the owner owes the payee `cumulative` in total.
#[cw_serde]
pub struct Voucher {
    pub channel: u64,
    pub cumulative: Uint128,
}

/// The bytes a leaf hashes (before the Merkle leaf domain byte).
pub fn leaf_bytes(owner: &str, record: &ClaimRecord) -> Vec<u8> {
    let mut out = Vec::with_capacity(LEAF_DOMAIN.len() + owner.len() + record.stream.len() + 60);
    out.extend_from_slice(LEAF_DOMAIN);
    push_str(&mut out, owner);
    push_str(&mut out, &record.stream);
    out.extend_from_slice(&record.seq.to_be_bytes());
    out.extend_from_slice(&record.timestamp.to_be_bytes());
    out.extend_from_slice(&record.size.to_be_bytes());
    push_bytes(&mut out, record.hash.as_slice());
    out
}

/// Hash of a batch body: owner, level and every record in order.
pub fn body_hash(owner: &str, level: &ClaimLevel, records: &[ClaimRecord]) -> Hash {
    let mut h = Sha256::new();
    h.update(BODY_DOMAIN);
    h.update((owner.len() as u32).to_be_bytes());
    h.update(owner.as_bytes());
    match level {
        ClaimLevel::High { fee_per_record } => {
            h.update([1u8]);
            h.update(fee_per_record.u128().to_be_bytes());
        }
        ClaimLevel::Low => h.update([0u8]),
    }
    h.update((records.len() as u64).to_be_bytes());
    for record in records {
        let leaf = leaf_bytes(owner, record);
        h.update((leaf.len() as u32).to_be_bytes());
        h.update(&leaf);
    }
    h.finalize().into()
}

/// The 32 bytes a sensor signs (secp256k1 ECDSA, compact 64-byte signature, low S) and the
/// `payment-channel` contract verifies on redeem with `secp256k1_verify`.
pub fn batch_digest(body_hash: &Hash, voucher: Option<&Voucher>) -> Hash {
    let mut h = Sha256::new();
    h.update(BATCH_DOMAIN);
    h.update(body_hash);
    match voucher {
        Some(v) => {
            h.update([1u8]);
            h.update(v.channel.to_be_bytes());
            h.update(v.cumulative.u128().to_be_bytes());
        }
        None => h.update([0u8]),
    }
    h.finalize().into()
}

fn push_str(out: &mut Vec<u8>, s: &str) {
    push_bytes(out, s.as_bytes());
}

fn push_bytes(out: &mut Vec<u8>, b: &[u8]) {
    out.extend_from_slice(&(b.len() as u32).to_be_bytes());
    out.extend_from_slice(b);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(seq: u64) -> ClaimRecord {
        ClaimRecord {
            stream: "press-7/vibration".into(),
            seq,
            timestamp: 1_700_000_000_000 + seq,
            size: 16,
            hash: HexBinary::from([seq as u8; 32]),
        }
    }

    #[test]
    fn leaf_commits_to_every_field() {
        let base = record(3);
        let owner = "wasm1owner";
        let leaf = leaf_bytes(owner, &base);
        let mut variants = vec![leaf_bytes("wasm1other", &base)];
        for change in 0..5 {
            let mut r = base.clone();
            match change {
                0 => r.stream.push('x'),
                1 => r.seq += 1,
                2 => r.timestamp += 1,
                3 => r.size += 1,
                _ => r.hash = HexBinary::from([9u8; 32]),
            }
            variants.push(leaf_bytes(owner, &r));
        }
        for v in variants {
            assert_ne!(v, leaf);
        }
    }

    #[test]
    fn length_prefixes_stop_field_shifting() {
        // "ab" + "c" must not equal "a" + "bc".
        let mut r = record(0);
        r.stream = "c".into();
        let a = leaf_bytes("ab", &r);
        r.stream = "bc".into();
        let b = leaf_bytes("a", &r);
        assert_ne!(a, b);
    }

    #[test]
    fn digest_binds_body_level_and_voucher() {
        let records = vec![record(0), record(1)];
        let low = body_hash("o", &ClaimLevel::Low, &records);
        let high = body_hash(
            "o",
            &ClaimLevel::High {
                fee_per_record: Uint128::new(1),
            },
            &records,
        );
        assert_ne!(low, high);
        assert_ne!(low, body_hash("o", &ClaimLevel::Low, &records[..1]));
        let v1 = Voucher {
            channel: 1,
            cumulative: Uint128::new(10),
        };
        let v2 = Voucher {
            channel: 1,
            cumulative: Uint128::new(11),
        };
        let d0 = batch_digest(&low, None);
        let d1 = batch_digest(&low, Some(&v1));
        let d2 = batch_digest(&low, Some(&v2));
        assert_ne!(d0, d1);
        assert_ne!(d1, d2);
        assert_eq!(d1, batch_digest(&low, Some(&v1)));
    }
}
