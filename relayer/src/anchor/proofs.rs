//! Inclusion proofs of anchored records: the RFC 9162 audit path of `twinshare_types::merkle`
//! over the batch's stored leaf hashes, with the leaf value the registry's `VerifyInclusion`
//! takes (`claims::leaf_bytes`).

use cosmwasm_std::HexBinary;
use twinshare_stream::api::RecordProof;
use twinshare_types::claims::leaf_bytes;
use twinshare_types::merkle::prove_leaf_hashes;

use super::store::{Lookup, Store};
use crate::error::DbError;

/// What the proof endpoint answers.
#[derive(Clone, Debug, PartialEq)]
pub enum ProofAnswer {
    Anchored(Box<RecordProof>),
    Pending,
    Unknown,
}

/// The proof of record `seq` of `owner`'s `stream`.
pub fn prove(store: &Store, owner: &str, stream: &str, seq: u64) -> Result<ProofAnswer, DbError> {
    let (record, batch, leaf_index) = match store.lookup(owner, stream, seq)? {
        Lookup::Unknown => return Ok(ProofAnswer::Unknown),
        Lookup::Pending => return Ok(ProofAnswer::Pending),
        Lookup::Anchored {
            record,
            batch,
            leaf_index,
        } => (record, batch, leaf_index),
    };
    let leaves = store.batch_leaves(batch.no)?;
    let corrupt = |reason: String| DbError::Corrupt {
        key: format!("batch {}", batch.no),
        reason,
    };
    let proof = prove_leaf_hashes(&leaves, leaf_index as usize).ok_or_else(|| {
        corrupt(format!(
            "leaf {leaf_index} is outside its {} leaves",
            leaves.len()
        ))
    })?;
    let root = hex::decode(&batch.root).map_err(|e| corrupt(format!("root: {e}")))?;
    Ok(ProofAnswer::Anchored(Box::new(RecordProof {
        owner: owner.to_string(),
        leaf: HexBinary::from(leaf_bytes(owner, &record)),
        record,
        batch_id: batch
            .batch_id
            .ok_or_else(|| corrupt("anchored without a batch id".into()))?,
        root: HexBinary::from(root),
        proof,
        height: batch.height.unwrap_or_default(),
        tx_hash: batch.tx_hash.clone().unwrap_or_default(),
    })))
}
