//! The one Merkle tree format of TwinShare: the manifest root over plaintext fragment hashes, the
//! anchoring service's batch roots, and `data-registry`'s inclusion query all use it.
//!
//! It is the RFC 9162 (Certificate Transparency v2) tree over SHA-256: a leaf hashes as
//! `SHA-256(0x00 || leaf)`, an inner node as `SHA-256(0x01 || left || right)`, and a tree of `n`
//! leaves splits at the largest power of two below `n`. The domain bytes stop an inner node from
//! passing as a leaf. A proof is the audit path of RFC 9162 section 2.1.3 with the leaf index and
//! the tree size.

use cosmwasm_schema::cw_serde;
use cosmwasm_std::HexBinary;
use sha2::{Digest, Sha256};

use crate::error::CommonError;

/// Length of every hash in the tree.
pub const HASH_LEN: usize = 32;
/// Longest audit path accepted: enough for 2^64 leaves.
pub const MAX_PROOF_LEN: usize = 64;

pub type Hash = [u8; HASH_LEN];

/// An inclusion proof of one leaf in a tree of `leaf_count` leaves.
#[cw_serde]
pub struct MerkleProof {
    /// Position of the leaf, from 0.
    pub leaf_index: u64,
    /// Number of leaves in the tree.
    pub leaf_count: u64,
    /// Sibling hashes from the leaf up to the root (RFC 9162 audit path).
    pub siblings: Vec<HexBinary>,
}

/// Hash of a leaf value.
pub fn leaf_hash(leaf: &[u8]) -> Hash {
    Sha256::new()
        .chain_update([0u8])
        .chain_update(leaf)
        .finalize()
        .into()
}

/// Hash of an inner node.
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    Sha256::new()
        .chain_update([1u8])
        .chain_update(left)
        .chain_update(right)
        .finalize()
        .into()
}

/// Largest power of two strictly below `n` (n >= 2).
fn split_point(n: usize) -> usize {
    let mut k = 1;
    while k * 2 < n {
        k *= 2;
    }
    k
}

/// Root over already-hashed leaves; `None` for an empty tree.
pub fn root_of_leaf_hashes(hashes: &[Hash]) -> Option<Hash> {
    match hashes.len() {
        0 => None,
        1 => Some(hashes[0]),
        n => {
            let k = split_point(n);
            let left = root_of_leaf_hashes(&hashes[..k])?;
            let right = root_of_leaf_hashes(&hashes[k..])?;
            Some(node_hash(&left, &right))
        }
    }
}

/// Root over leaf values; `None` for an empty tree.
pub fn root(leaves: &[impl AsRef<[u8]>]) -> Option<Hash> {
    let hashes: Vec<Hash> = leaves.iter().map(|l| leaf_hash(l.as_ref())).collect();
    root_of_leaf_hashes(&hashes)
}

/// The audit path of leaf `index` over already-hashed leaves; `None` when out of range.
pub fn prove_leaf_hashes(hashes: &[Hash], index: usize) -> Option<MerkleProof> {
    fn path(hashes: &[Hash], m: usize, out: &mut Vec<HexBinary>) -> Option<()> {
        let n = hashes.len();
        if n <= 1 {
            return Some(());
        }
        let k = split_point(n);
        if m < k {
            path(&hashes[..k], m, out)?;
            out.push(HexBinary::from(root_of_leaf_hashes(&hashes[k..])?.to_vec()));
        } else {
            path(&hashes[k..], m - k, out)?;
            out.push(HexBinary::from(root_of_leaf_hashes(&hashes[..k])?.to_vec()));
        }
        Some(())
    }
    if index >= hashes.len() {
        return None;
    }
    let mut siblings = Vec::new();
    path(hashes, index, &mut siblings)?;
    Some(MerkleProof {
        leaf_index: index as u64,
        leaf_count: hashes.len() as u64,
        siblings,
    })
}

/// The audit path of leaf `index` over leaf values; `None` when out of range.
pub fn prove(leaves: &[impl AsRef<[u8]>], index: usize) -> Option<MerkleProof> {
    let hashes: Vec<Hash> = leaves.iter().map(|l| leaf_hash(l.as_ref())).collect();
    prove_leaf_hashes(&hashes, index)
}

/// The root that `proof` implies for the leaf value `leaf` (RFC 9162 section 2.1.3.2).
/// Compare it with a trusted root; an error means the proof is malformed for any root.
pub fn root_from_proof(leaf: &[u8], proof: &MerkleProof) -> Result<Hash, CommonError> {
    let invalid = |reason: &str| CommonError::InvalidProof {
        reason: reason.to_string(),
    };
    if proof.leaf_index >= proof.leaf_count {
        return Err(invalid("leaf index is not below the leaf count"));
    }
    if proof.siblings.len() > MAX_PROOF_LEN {
        return Err(invalid("audit path is longer than 64 hashes"));
    }
    let mut fnode = proof.leaf_index;
    let mut snode = proof.leaf_count - 1;
    let mut r = leaf_hash(leaf);
    for sibling in &proof.siblings {
        let p: Hash = sibling
            .as_slice()
            .try_into()
            .map_err(|_| invalid("a sibling is not 32 bytes"))?;
        if snode == 0 {
            return Err(invalid("audit path is too long for the leaf count"));
        }
        if fnode & 1 == 1 || fnode == snode {
            r = node_hash(&p, &r);
            if fnode & 1 == 0 {
                while fnode & 1 == 0 && fnode != 0 {
                    fnode >>= 1;
                    snode >>= 1;
                }
            }
        } else {
            r = node_hash(&r, &p);
        }
        fnode >>= 1;
        snode >>= 1;
    }
    if snode != 0 {
        return Err(invalid("audit path is too short for the leaf count"));
    }
    Ok(r)
}

/// Whether `proof` shows `leaf` under `root`. Malformed proofs are simply not valid.
pub fn verify(root: &[u8], leaf: &[u8], proof: &MerkleProof) -> bool {
    matches!(root_from_proof(leaf, proof), Ok(r) if r.as_slice() == root)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn leaves(n: usize) -> Vec<Vec<u8>> {
        (0..n).map(|i| format!("leaf-{i}").into_bytes()).collect()
    }

    #[test]
    fn single_leaf_tree_is_its_leaf_hash() {
        let l = leaves(1);
        assert_eq!(root(&l).unwrap(), leaf_hash(&l[0]));
        let proof = prove(&l, 0).unwrap();
        assert!(proof.siblings.is_empty());
        assert!(verify(&root(&l).unwrap(), &l[0], &proof));
    }

    #[test]
    fn three_leaf_tree_matches_rfc_shape() {
        // RFC 9162: MTH(d0,d1,d2) = node(node(h0,h1), h2).
        let l = leaves(3);
        let h: Vec<Hash> = l.iter().map(|x| leaf_hash(x)).collect();
        assert_eq!(
            root(&l).unwrap(),
            node_hash(&node_hash(&h[0], &h[1]), &h[2])
        );
        assert_eq!(root(&Vec::<Vec<u8>>::new()), None);
    }

    #[test]
    fn tampered_proofs_fail() {
        let l = leaves(5);
        let r = root(&l).unwrap();
        let proof = prove(&l, 3).unwrap();
        assert!(verify(&r, &l[3], &proof));
        assert!(!verify(&r, &l[2], &proof), "wrong leaf");
        let mut wrong_index = proof.clone();
        wrong_index.leaf_index = 2;
        assert!(!verify(&r, &l[3], &wrong_index));
        let mut short = proof.clone();
        short.siblings.pop();
        assert!(root_from_proof(&l[3], &short).is_err());
        let mut bad_len = proof.clone();
        bad_len.siblings[0] = HexBinary::from(vec![0u8; 31]);
        assert!(root_from_proof(&l[3], &bad_len).is_err());
        let mut out_of_range = proof;
        out_of_range.leaf_index = 5;
        assert!(root_from_proof(&l[3], &out_of_range).is_err());
    }

    proptest! {
        #[test]
        fn every_leaf_of_every_tree_verifies(n in 1usize..70, seed in any::<u64>()) {
            let l: Vec<Vec<u8>> = (0..n).map(|i| format!("{seed}-{i}").into_bytes()).collect();
            let r = root(&l).unwrap();
            for (i, leaf) in l.iter().enumerate() {
                let proof = prove(&l, i).unwrap();
                prop_assert!(verify(&r, leaf, &proof));
                prop_assert!(!verify(&r, b"not a leaf", &proof));
            }
        }
    }
}
