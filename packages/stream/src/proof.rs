//! A served proof checked offline: the leaf is the claim the caller asked about (owner, stream,
//! seq, and when given the payload's hash), and the audit path leads from that leaf to the
//! root. Whether the root is on chain is the registry's to say (`Batch`, `VerifyInclusion`).

use serde::Serialize;
use twinshare_types::claims::{leaf_bytes, ClaimRecord};
use twinshare_types::merkle;

use crate::api::RecordProof;

/// What the offline check found.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct OfflineCheck {
    /// The served leaf is `leaf_bytes(owner, record)` of the asked record.
    pub leaf_matches_record: bool,
    /// The audit path leads from the leaf to the served root.
    pub path_reaches_root: bool,
    /// Why not, when either is false.
    pub problem: Option<String>,
}

impl OfflineCheck {
    pub fn ok(&self) -> bool {
        self.leaf_matches_record && self.path_reaches_root
    }
}

/// Checks `proof` for record `seq` of `stream` of `owner`; with `expected`, the served record
/// must also be exactly that claim (timestamp, size, hash recomputed from the payload).
pub fn check_offline(
    proof: &RecordProof,
    owner: &str,
    stream: &str,
    seq: u64,
    expected: Option<&ClaimRecord>,
) -> OfflineCheck {
    let mut problems = Vec::new();
    if proof.owner != owner || proof.record.stream != stream || proof.record.seq != seq {
        problems.push(format!(
            "the daemon served record {} of {:?} of {} for record {seq} of {stream:?} of {owner}",
            proof.record.seq, proof.record.stream, proof.owner
        ));
    }
    if let Some(e) = expected {
        if e != &proof.record {
            problems.push(format!(
                "the anchored claim (timestamp {}, {} bytes, hash {}) is not this record's \
                 (timestamp {}, {} bytes, hash {})",
                proof.record.timestamp,
                proof.record.size,
                proof.record.hash,
                e.timestamp,
                e.size,
                e.hash
            ));
        }
    }
    let record = expected.unwrap_or(&proof.record);
    let leaf = leaf_bytes(owner, record);
    let leaf_matches_record = problems.is_empty() && leaf.as_slice() == proof.leaf.as_slice();
    if problems.is_empty() && !leaf_matches_record {
        problems.push("the served leaf is not the leaf of the served record".into());
    }
    let path_reaches_root = match merkle::root_from_proof(&leaf, &proof.proof) {
        Ok(r) if r.as_slice() == proof.root.as_slice() => true,
        Ok(_) => {
            problems.push("the audit path leads to another root".into());
            false
        }
        Err(e) => {
            problems.push(format!("malformed proof: {e}"));
            false
        }
    };
    OfflineCheck {
        leaf_matches_record,
        path_reaches_root,
        problem: (!problems.is_empty()).then(|| problems.join("; ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::batch::record_of;
    use cosmwasm_std::HexBinary;

    fn served(index: usize) -> (Vec<ClaimRecord>, RecordProof) {
        let records: Vec<ClaimRecord> = (0..5)
            .map(|i| record_of("line/3", i, 100 + i, &[i as u8; 4]).expect("record"))
            .collect();
        let leaves: Vec<Vec<u8>> = records.iter().map(|r| leaf_bytes("wasm1o", r)).collect();
        let root = merkle::root(&leaves).expect("root");
        let proof = RecordProof {
            owner: "wasm1o".into(),
            record: records[index].clone(),
            leaf: HexBinary::from(leaves[index].clone()),
            batch_id: 1,
            root: HexBinary::from(root.to_vec()),
            proof: merkle::prove(&leaves, index).expect("proof"),
            height: 10,
            tx_hash: "AB".into(),
        };
        (records, proof)
    }

    #[test]
    fn a_good_proof_passes_and_each_lie_is_caught() {
        let (records, p) = served(3);
        assert!(check_offline(&p, "wasm1o", "line/3", 3, Some(&records[3])).ok());
        assert!(check_offline(&p, "wasm1o", "line/3", 3, None).ok());

        let wrong_seq = check_offline(&p, "wasm1o", "line/3", 2, None);
        assert!(!wrong_seq.leaf_matches_record);
        let other_payload = check_offline(&p, "wasm1o", "line/3", 3, Some(&records[2]));
        assert!(!other_payload.ok());
        assert!(other_payload
            .problem
            .expect("problem")
            .contains("not this record"));

        let mut bad_root = p.clone();
        bad_root.root = HexBinary::from(vec![0u8; 32]);
        let c = check_offline(&bad_root, "wasm1o", "line/3", 3, None);
        assert!(c.leaf_matches_record && !c.path_reaches_root);

        let mut bad_leaf = p.clone();
        bad_leaf.leaf = HexBinary::from(b"forged".to_vec());
        assert!(!check_offline(&bad_leaf, "wasm1o", "line/3", 3, None).leaf_matches_record);

        let mut short = p;
        short.proof.siblings.pop();
        let c = check_offline(&short, "wasm1o", "line/3", 3, None);
        assert!(c.problem.expect("problem").contains("malformed"));
    }
}
