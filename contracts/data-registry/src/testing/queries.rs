use cosmwasm_std::{Addr, HexBinary};

use twinshare_types::merkle::{prove, root};
use twinshare_types::pagination::{DEFAULT_LIMIT, MAX_LIMIT};

use super::*;
use crate::msg::{
    Batch, BatchesResponse, Channel, IsMemberResponse, MembersResponse, Party, Record,
    RecordsResponse, UsedBytesResponse, VerifyInclusionResponse, MAX_MEMBERS_PER_MSG,
};

fn anchor(suite: &mut Suite, root: HexBinary, count: u64) -> u64 {
    let anchorer = suite.anchorer.clone();
    let res = suite
        .execute(
            &anchorer,
            &ExecuteMsg::AnchorBatch {
                channel: CHANNEL.to_string(),
                root,
                count,
                first_timestamp: 10,
                last_timestamp: 20,
            },
            &[],
        )
        .unwrap();
    attr(&res, "batch_id").unwrap().parse().unwrap()
}

#[test]
fn missing_entries_are_not_found() {
    let suite = Suite::new();
    let carol = suite.carol.to_string();
    let errors = [
        suite
            .query::<Party>(&QueryMsg::Party { address: carol })
            .unwrap_err(),
        suite
            .query::<Channel>(&QueryMsg::Channel {
                id: "nope".to_string(),
            })
            .unwrap_err(),
        suite
            .query::<Record>(&QueryMsg::Record { id: 1 })
            .unwrap_err(),
        suite
            .query::<Record>(&QueryMsg::RecordByHash { hash: hash(1) })
            .unwrap_err(),
        suite
            .query::<Record>(&QueryMsg::LatestInStream {
                stream: "s".to_string(),
            })
            .unwrap_err(),
        suite
            .query::<Batch>(&QueryMsg::Batch { id: 1 })
            .unwrap_err(),
    ];
    for err in errors {
        assert!(err.to_string().contains("not found"), "{err}");
    }
    let err = suite
        .query::<Record>(&QueryMsg::Record { id: 7 })
        .unwrap_err();
    assert!(err.to_string().contains("record 7 not found"), "{err}");
}

#[test]
fn empty_lists_and_defaults() {
    let suite = Suite::new();
    let records: RecordsResponse = suite
        .query(&QueryMsg::RecordsByChannel {
            channel: "nope".to_string(),
            start_after: None,
            limit: None,
        })
        .unwrap();
    assert!(records.records.is_empty());
    let used: UsedBytesResponse = suite
        .query(&QueryMsg::UsedBytes {
            owner: suite.carol.to_string(),
            provider: suite.provider.to_string(),
        })
        .unwrap();
    assert_eq!(used.used, 0);
    let member: IsMemberResponse = suite
        .query(&QueryMsg::IsMember {
            channel: "nope".to_string(),
            address: suite.alice.to_string(),
        })
        .unwrap();
    assert!(!member.is_member);
    // Addresses in queries are validated too.
    assert!(suite
        .query::<UsedBytesResponse>(&QueryMsg::UsedBytes {
            owner: "alice".to_string(),
            provider: suite.provider.to_string(),
        })
        .is_err());
}

#[test]
fn members_paginate() {
    let mut suite = Suite::new();
    let carol = suite.carol.clone();
    let many: Vec<Addr> = (0..MAX_MEMBERS_PER_MSG)
        .map(|i| suite.addr(&format!("m{i}")))
        .collect();
    let refs: Vec<&Addr> = many.iter().collect();
    suite.create_channel(&carol, "big", &refs).unwrap();
    let total = MAX_MEMBERS_PER_MSG + 1;

    let page = |suite: &Suite, start_after: Option<&Addr>, limit: Option<u32>| {
        suite
            .query::<MembersResponse>(&QueryMsg::Members {
                channel: "big".to_string(),
                start_after: start_after.map(|a| a.to_string()),
                limit,
            })
            .unwrap()
            .members
    };
    assert_eq!(page(&suite, None, None).len(), DEFAULT_LIMIT as usize);
    assert_eq!(page(&suite, None, Some(10_000)).len(), MAX_LIMIT as usize);

    let mut all = vec![];
    let mut start: Option<Addr> = None;
    loop {
        let members = page(&suite, start.as_ref(), Some(7));
        if members.is_empty() {
            break;
        }
        start = members.last().cloned();
        all.extend(members);
    }
    let mut expected: Vec<Addr> = many.clone();
    expected.push(carol);
    expected.sort();
    assert_eq!(all.len(), total);
    assert_eq!(all, expected);
}

#[test]
fn records_paginate_by_owner_channel_and_stream() {
    let mut suite = Suite::new();
    let (alice, bob) = (suite.alice.clone(), suite.bob.clone());
    let n = MAX_LIMIT as u8 + 5;
    for i in 1..=n {
        let msg = Reg {
            stream: Some("s1".to_string()),
            ..suite.reg(i, 1)
        }
        .msg();
        suite.execute(&alice, &msg, &[]).unwrap();
    }
    suite.register_low(&bob, n + 1, 1).unwrap();

    let ids = |res: RecordsResponse| res.records.iter().map(|r| r.id).collect::<Vec<_>>();
    for query in [
        |start_after, limit, _: &Suite, owner: &Addr| QueryMsg::RecordsByOwner {
            owner: owner.to_string(),
            start_after,
            limit,
        },
        |start_after, limit, _: &Suite, _: &Addr| QueryMsg::RecordsByStream {
            stream: "s1".to_string(),
            start_after,
            limit,
        },
    ] {
        let capped = ids(suite
            .query(&query(None, Some(1000), &suite, &alice))
            .unwrap());
        assert_eq!(capped, (1..=MAX_LIMIT as u64).collect::<Vec<_>>());
        let rest = ids(suite
            .query(&query(Some(MAX_LIMIT as u64), Some(1000), &suite, &alice))
            .unwrap());
        assert_eq!(rest, (MAX_LIMIT as u64 + 1..=n as u64).collect::<Vec<_>>());
        let default = ids(suite.query(&query(None, None, &suite, &alice)).unwrap());
        assert_eq!(default.len(), DEFAULT_LIMIT as usize);
        let one = ids(suite
            .query(&query(Some(3), Some(1), &suite, &alice))
            .unwrap());
        assert_eq!(one, vec![4]);
    }

    let by_channel: RecordsResponse = suite
        .query(&QueryMsg::RecordsByChannel {
            channel: CHANNEL.to_string(),
            start_after: Some(n as u64 - 1),
            limit: None,
        })
        .unwrap();
    assert_eq!(ids(by_channel), vec![n as u64, n as u64 + 1]);
    let by_bob: RecordsResponse = suite
        .query(&QueryMsg::RecordsByOwner {
            owner: bob.to_string(),
            start_after: None,
            limit: None,
        })
        .unwrap();
    assert_eq!(ids(by_bob), vec![n as u64 + 1]);
}

#[test]
fn batches_paginate() {
    let mut suite = Suite::new();
    for i in 1..=5u8 {
        anchor(&mut suite, hash(i), 1);
    }
    let page = |start_after, limit| {
        suite
            .query::<BatchesResponse>(&QueryMsg::BatchesByChannel {
                channel: CHANNEL.to_string(),
                start_after,
                limit,
            })
            .unwrap()
            .batches
            .iter()
            .map(|b| b.id)
            .collect::<Vec<_>>()
    };
    assert_eq!(page(None, None), vec![1, 2, 3, 4, 5]);
    assert_eq!(page(Some(2), Some(2)), vec![3, 4]);
    assert_eq!(page(Some(5), None), Vec::<u64>::new());
    assert_eq!(page(None, Some(0)), vec![1]);
}

#[test]
fn merkle_inclusion_is_verified_against_the_anchored_root() {
    let mut suite = Suite::new();
    let leaves: Vec<Vec<u8>> = (0..7u8)
        .map(|i| format!("record-claim-{i}").into_bytes())
        .collect();
    let tree_root = HexBinary::from(root(&leaves).unwrap().to_vec());
    let batch_id = anchor(&mut suite, tree_root.clone(), leaves.len() as u64);

    let verify = |leaf: &[u8], proof: twinshare_types::MerkleProof| {
        suite
            .query::<VerifyInclusionResponse>(&QueryMsg::VerifyInclusion {
                batch_id,
                leaf: HexBinary::from(leaf),
                proof,
            })
            .unwrap()
    };

    for (i, leaf) in leaves.iter().enumerate() {
        let res = verify(leaf, prove(&leaves, i).unwrap());
        assert_eq!(
            res,
            VerifyInclusionResponse {
                valid: true,
                root: tree_root.clone()
            }
        );
    }

    let proof = prove(&leaves, 3).unwrap();
    // A tampered leaf.
    assert!(!verify(b"record-claim-X", proof.clone()).valid);
    // Another leaf's proof.
    assert!(!verify(&leaves[2], proof.clone()).valid);
    // A tampered sibling.
    let mut tampered = proof.clone();
    let mut sibling = tampered.siblings[0].to_vec();
    sibling[0] ^= 1;
    tampered.siblings[0] = HexBinary::from(sibling);
    assert!(!verify(&leaves[3], tampered).valid);
    // Malformed proofs are simply not valid.
    let mut short = proof.clone();
    short.siblings[1] = HexBinary::from(vec![0u8; 31]);
    assert!(!verify(&leaves[3], short).valid);
    let mut out_of_range = proof.clone();
    out_of_range.leaf_index = 7;
    assert!(!verify(&leaves[3], out_of_range).valid);

    // A proof against a batch that does not exist is an error, not `false`.
    let err = suite
        .query::<VerifyInclusionResponse>(&QueryMsg::VerifyInclusion {
            batch_id: 99,
            leaf: HexBinary::from(leaves[3].clone()),
            proof,
        })
        .unwrap_err();
    assert!(err.to_string().contains("batch 99 not found"), "{err}");
}
