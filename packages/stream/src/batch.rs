//! Records from payloads and claim batches signed with a sensor key: the record's hash is
//! SHA-256 of its payload; one signature covers the whole batch and its voucher
//! (`claims::batch_digest`).

use cosmwasm_std::{HexBinary, Uint128};
use sha2::{Digest, Sha256};
use twinshare_crypto::claims::{verify_digest, SensorKey};
use twinshare_types::claims::{
    batch_digest, body_hash, ClaimLevel, ClaimRecord, Voucher, MAX_STREAM_LEN,
};

use crate::api::ClaimBatch;
use crate::error::{Error, Result};

/// The claim of one payload: `hash` = SHA-256(payload), `size` = its length.
pub fn record_of(stream: &str, seq: u64, timestamp_ms: u64, payload: &[u8]) -> Result<ClaimRecord> {
    let size = u32::try_from(payload.len()).map_err(|_| {
        Error::Invalid(format!(
            "record {seq} of {stream:?} has {} bytes, more than a claim can count (4 GiB)",
            payload.len()
        ))
    })?;
    Ok(ClaimRecord {
        stream: stream.to_string(),
        seq,
        timestamp: timestamp_ms,
        size,
        hash: HexBinary::from(Sha256::digest(payload).to_vec()),
    })
}

/// Checks a stream name the way the daemon does (non-empty, at most 128 bytes).
pub fn check_stream(stream: &str) -> Result<()> {
    if stream.is_empty() || stream.len() > MAX_STREAM_LEN {
        return Err(Error::Invalid(format!(
            "stream name {stream:?}: 1 to {MAX_STREAM_LEN} bytes"
        )));
    }
    Ok(())
}

/// Builds and signs one batch.
pub fn sign_batch(
    key: &SensorKey,
    owner: &str,
    level: ClaimLevel,
    records: Vec<ClaimRecord>,
    voucher: Option<Voucher>,
) -> Result<ClaimBatch> {
    let body = body_hash(owner, &level, &records);
    let digest = batch_digest(&body, voucher.as_ref());
    let signature = key.sign_digest(&digest)?;
    Ok(ClaimBatch {
        owner: owner.to_string(),
        sensor_pubkey: HexBinary::from(key.public_key().to_vec()),
        level,
        records,
        voucher,
        signature: HexBinary::from(signature.to_vec()),
    })
}

/// Checks a batch's signature against its own `sensor_pubkey` (what the daemon checks first).
pub fn verify_batch(batch: &ClaimBatch) -> Result<()> {
    let body = body_hash(&batch.owner, &batch.level, &batch.records);
    let digest = batch_digest(&body, batch.voucher.as_ref());
    verify_digest(
        batch.sensor_pubkey.as_slice(),
        &digest,
        batch.signature.as_slice(),
    )?;
    Ok(())
}

/// The cumulative amounts a High publisher promises on its channel: each batch adds
/// `fee_per_record x records` on top of what the daemon last accepted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VoucherBook {
    pub channel: u64,
    pub fee_per_record: u128,
    /// The cumulative of the last voucher the daemon accepted.
    pub accepted: u128,
}

impl VoucherBook {
    /// The voucher that pays for `records` more records.
    pub fn next(&self, records: usize) -> Result<Voucher> {
        let owed = self
            .fee_per_record
            .checked_mul(records as u128)
            .and_then(|fee| fee.checked_add(self.accepted))
            .ok_or_else(|| Error::Invalid("the voucher's cumulative amount overflows".into()))?;
        Ok(Voucher {
            channel: self.channel,
            cumulative: Uint128::new(owed),
        })
    }

    /// The daemon accepted `voucher`.
    pub fn accept(&mut self, voucher: &Voucher) {
        self.accepted = self.accepted.max(voucher.cumulative.u128());
    }

    pub fn level(&self) -> ClaimLevel {
        ClaimLevel::High {
            fee_per_record: Uint128::new(self.fee_per_record),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_hash_their_payload() {
        let r = record_of("s/1", 4, 1_000, b"abc").expect("record");
        assert_eq!(r.size, 3);
        assert_eq!(
            r.hash.to_hex(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert!(check_stream("").is_err());
        assert!(check_stream(&"x".repeat(129)).is_err());
        assert!(check_stream("press-7/vib").is_ok());
    }

    #[test]
    fn signed_batches_verify_and_tampering_breaks_them() {
        let key = SensorKey::random().expect("key");
        let records: Vec<_> = (0..3)
            .map(|i| record_of("s", i, 10 + i, &[i as u8; 8]).expect("record"))
            .collect();
        let mut book = VoucherBook {
            channel: 4,
            fee_per_record: 5,
            accepted: 100,
        };
        let voucher = book.next(records.len()).expect("voucher");
        assert_eq!(voucher.cumulative.u128(), 115);
        let batch =
            sign_batch(&key, "wasm1o", book.level(), records, Some(voucher.clone())).expect("sign");
        verify_batch(&batch).expect("verifies");
        book.accept(&voucher);
        assert_eq!(book.next(1).expect("next").cumulative.u128(), 120);

        let mut other_owner = batch.clone();
        other_owner.owner = "wasm1x".into();
        assert!(verify_batch(&other_owner).is_err());
        let mut richer = batch.clone();
        richer.voucher = Some(Voucher {
            channel: 4,
            cumulative: Uint128::new(1),
        });
        assert!(verify_batch(&richer).is_err());
        let mut seq = batch.clone();
        seq.records[1].seq = 9;
        assert!(verify_batch(&seq).is_err());
        let mut low = batch;
        low.level = ClaimLevel::Low;
        assert!(verify_batch(&low).is_err());
    }
}
