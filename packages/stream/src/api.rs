//! The JSON bodies of the anchoring daemon's HTTP API (docs/anchor-api.md). Claim
//! records, levels, vouchers and proofs are the shared types of `twinshare_types`, so their JSON
//! is the contracts' JSON (`"low"` | `{"high":{"fee_per_record":"5"}}`, hex bytes, decimal
//! strings for amounts).

use cosmwasm_std::HexBinary;
use serde::{Deserialize, Serialize};
use twinshare_types::claims::{ClaimLevel, ClaimRecord, Voucher};
use twinshare_types::merkle::MerkleProof;

/// The API's path prefix.
pub const PREFIX: &str = "/anchor/v1";
/// The daemon's default listener (`[anchor] listen`).
pub const DEFAULT_LISTEN: &str = "127.0.0.1:9470";

/// `POST /anchor/v1/claims`: one signed batch of record claims.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ClaimBatch {
    pub owner: String,
    /// 33-byte compressed secp256k1 key, registered on chain to `owner`.
    pub sensor_pubkey: HexBinary,
    pub level: ClaimLevel,
    pub records: Vec<ClaimRecord>,
    /// Required for High: the cumulative amount owed on a payment channel to the daemon.
    pub voucher: Option<Voucher>,
    /// 64-byte compact signature over `claims::batch_digest(body_hash, voucher)`.
    pub signature: HexBinary,
}

/// The last accepted seq of one stream of a batch.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StreamSeq {
    pub stream: String,
    pub last_seq: u64,
}

/// 200 of `POST /claims`: the claims are durable in the daemon's database.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Accepted {
    pub accepted: u64,
    pub streams: Vec<StreamSeq>,
}

/// `GET /anchor/v1/streams/{owner}/{stream}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StreamState {
    /// The seq the daemon accepts next (0 for a new stream).
    pub next_seq: u64,
    pub last_anchored_seq: Option<u64>,
    /// Acknowledged, not yet anchored.
    pub pending: u64,
}

/// 200 of `GET /anchor/v1/proofs/{owner}/{stream}/{seq}`: the record is in an anchored batch.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RecordProof {
    pub owner: String,
    pub record: ClaimRecord,
    /// `claims::leaf_bytes(owner, record)`: the leaf VALUE the registry's VerifyInclusion takes.
    pub leaf: HexBinary,
    pub batch_id: u64,
    pub root: HexBinary,
    pub proof: MerkleProof,
    /// Height of the block with the AnchorBatch tx, and that tx.
    pub height: u64,
    pub tx_hash: String,
}

/// What the proof endpoint says about a record.
#[derive(Clone, Debug, PartialEq)]
pub enum ProofStatus {
    /// 200: anchored, with its proof.
    Anchored(Box<RecordProof>),
    /// 202: acknowledged, not yet anchored.
    Pending,
    /// 404: the daemon never acknowledged it.
    Unknown,
}

/// Every error body: `{"error": "<code>", "message": "<words>"}`, plus `expected_seq` for
/// `out_of_order_seq`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiError {
    pub error: String,
    #[serde(default)]
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_seq: Option<u64>,
}

/// The rejection codes of the API.
pub mod codes {
    pub const MALFORMED: &str = "malformed";
    pub const BAD_SIGNATURE: &str = "bad_signature";
    pub const UNKNOWN_SENSOR: &str = "unknown_sensor";
    pub const OUT_OF_ORDER_SEQ: &str = "out_of_order_seq";
    pub const VOUCHER_REQUIRED: &str = "voucher_required";
    pub const VOUCHER_INSUFFICIENT: &str = "voucher_insufficient";
    pub const BATCH_TOO_LARGE: &str = "batch_too_large";
    pub const OVER_CAPACITY: &str = "over_capacity";
    pub const SATURATED: &str = "saturated";
}

#[cfg(test)]
mod tests {
    use super::*;
    use cosmwasm_std::Uint128;

    #[test]
    fn batch_json_is_the_api_files_json() {
        let batch = ClaimBatch {
            owner: "wasm1owner".into(),
            sensor_pubkey: HexBinary::from(vec![2u8; 33]),
            level: ClaimLevel::High {
                fee_per_record: Uint128::new(5),
            },
            records: vec![ClaimRecord {
                stream: "press-7/vib".into(),
                seq: 0,
                timestamp: 1_700_000_000_000,
                size: 64,
                hash: HexBinary::from(vec![0xab; 32]),
            }],
            voucher: Some(Voucher {
                channel: 1,
                cumulative: Uint128::new(500),
            }),
            signature: HexBinary::from(vec![1u8; 64]),
        };
        let v = serde_json::to_value(&batch).expect("json");
        assert_eq!(v["level"]["high"]["fee_per_record"], "5");
        assert_eq!(v["voucher"]["cumulative"], "500");
        assert_eq!(v["voucher"]["channel"], 1);
        assert_eq!(v["records"][0]["hash"], "ab".repeat(32));
        assert_eq!(v["records"][0]["stream"], "press-7/vib");
        let low = serde_json::to_value(ClaimLevel::Low).expect("json");
        assert_eq!(low, "low");
        let back: ClaimBatch = serde_json::from_value(v).expect("back");
        assert_eq!(back, batch);
    }

    #[test]
    fn error_bodies_parse_with_and_without_extras() {
        let e: ApiError = serde_json::from_str(
            r#"{"error":"out_of_order_seq","message":"expected 7","expected_seq":7}"#,
        )
        .expect("parse");
        assert_eq!(e.expected_seq, Some(7));
        let e: ApiError = serde_json::from_str(r#"{"error":"saturated"}"#).expect("parse");
        assert_eq!(e.error, codes::SATURATED);
        assert_eq!(e.message, "");
    }
}
