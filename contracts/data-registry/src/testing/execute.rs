use cosmwasm_std::{Addr, Uint128};

use super::*;
use crate::msg::{
    Batch, BatchesResponse, Channel, Config, IsMemberResponse, MembersResponse, Party, Record,
    RecordsResponse, UsedBytesResponse,
};

fn channel(suite: &Suite, id: &str) -> Channel {
    suite
        .query(&QueryMsg::Channel { id: id.to_string() })
        .unwrap()
}

fn is_member(suite: &Suite, id: &str, who: &Addr) -> bool {
    let res: IsMemberResponse = suite
        .query(&QueryMsg::IsMember {
            channel: id.to_string(),
            address: who.to_string(),
        })
        .unwrap();
    res.is_member
}

fn used(suite: &Suite, owner: &Addr, provider: &Addr) -> u64 {
    let res: UsedBytesResponse = suite
        .query(&QueryMsg::UsedBytes {
            owner: owner.to_string(),
            provider: provider.to_string(),
        })
        .unwrap();
    res.used
}

#[test]
fn register_party_saves_and_overwrites() {
    let mut suite = Suite::new();
    let alice = suite.alice.clone();
    let msg = ExecuteMsg::RegisterParty {
        pubkey: key(KEY_G),
        name: "  Plant A  ".to_string(),
    };
    let res = suite.execute(&alice, &msg, &[]).unwrap();
    assert_eq!(attr(&res, "action").unwrap(), "register_party");
    assert_eq!(attr(&res, "party").unwrap(), alice.to_string());
    let first_time = suite.app.block_info().time;
    let party: Party = suite
        .query(&QueryMsg::Party {
            address: alice.to_string(),
        })
        .unwrap();
    assert_eq!(
        party,
        Party {
            address: alice.clone(),
            pubkey: key(KEY_G),
            name: "Plant A".to_string(),
            updated_at: first_time,
        }
    );

    suite.app.update_block(|b| {
        b.height += 1;
        b.time = b.time.plus_seconds(5);
    });
    let msg = ExecuteMsg::RegisterParty {
        pubkey: key(KEY_2G),
        name: "Plant A2".to_string(),
    };
    suite.execute(&alice, &msg, &[]).unwrap();
    let party: Party = suite
        .query(&QueryMsg::Party {
            address: alice.to_string(),
        })
        .unwrap();
    assert_eq!(party.pubkey, key(KEY_2G));
    assert_eq!(party.name, "Plant A2");
    assert_eq!(party.updated_at, first_time.plus_seconds(5));
}

#[test]
fn create_channel_dedupes_and_includes_admin() {
    let mut suite = Suite::new();
    let (alice, bob, carol) = (suite.alice.clone(), suite.bob.clone(), suite.carol.clone());
    // The suite's channel: alice (admin) and bob.
    let ch = channel(&suite, CHANNEL);
    assert_eq!(ch.admin, alice);
    assert_eq!(ch.member_count, 2);
    assert!(is_member(&suite, CHANNEL, &alice));
    assert!(is_member(&suite, CHANNEL, &bob));
    assert!(!is_member(&suite, CHANNEL, &carol));

    // The sender named among the members and a repeated member count once.
    let res = suite
        .create_channel(&carol, "Line_2.b-x", &[&bob, &carol, &bob])
        .unwrap();
    assert_eq!(attr(&res, "action").unwrap(), "create_channel");
    assert_eq!(attr(&res, "channel").unwrap(), "Line_2.b-x");
    assert_eq!(attr(&res, "member_count").unwrap(), "2");
    let ch = channel(&suite, "Line_2.b-x");
    assert_eq!(
        ch,
        Channel {
            id: "Line_2.b-x".to_string(),
            admin: carol.clone(),
            member_count: 2,
            created_at: suite.app.block_info().time,
        }
    );
    let members: MembersResponse = suite
        .query(&QueryMsg::Members {
            channel: "Line_2.b-x".to_string(),
            start_after: None,
            limit: None,
        })
        .unwrap();
    let mut expected = vec![bob, carol];
    expected.sort();
    assert_eq!(members.members, expected);
}

#[test]
fn add_and_remove_members() {
    let mut suite = Suite::new();
    let (alice, bob, carol) = (suite.alice.clone(), suite.bob.clone(), suite.carol.clone());
    let dave = suite.addr("dave");

    // bob is already a member: a no-op for him.
    let res = suite
        .execute(
            &alice,
            &ExecuteMsg::AddMembers {
                channel: CHANNEL.to_string(),
                members: vec![carol.to_string(), bob.to_string(), dave.to_string()],
            },
            &[],
        )
        .unwrap();
    assert_eq!(attr(&res, "action").unwrap(), "add_members");
    assert_eq!(attr(&res, "added").unwrap(), format!("{carol},{dave}"));
    assert_eq!(channel(&suite, CHANNEL).member_count, 4);

    // Only existing members: nothing added, no empty attribute.
    let res = suite
        .execute(
            &alice,
            &ExecuteMsg::AddMembers {
                channel: CHANNEL.to_string(),
                members: vec![bob.to_string()],
            },
            &[],
        )
        .unwrap();
    assert_eq!(attr(&res, "added"), None);
    assert_eq!(channel(&suite, CHANNEL).member_count, 4);

    // A member named twice is removed (and counted) once.
    let res = suite
        .execute(
            &alice,
            &ExecuteMsg::RemoveMembers {
                channel: CHANNEL.to_string(),
                members: vec![carol.to_string(), carol.to_string(), dave.to_string()],
            },
            &[],
        )
        .unwrap();
    assert_eq!(attr(&res, "action").unwrap(), "remove_members");
    assert_eq!(attr(&res, "member_count").unwrap(), "2");
    assert_eq!(channel(&suite, CHANNEL).member_count, 2);
    assert!(!is_member(&suite, CHANNEL, &carol));
    assert!(is_member(&suite, CHANNEL, &bob));

    // A removed member can no longer register in the channel.
    suite.set_capacity(&carol, &suite.provider.clone(), CAPACITY);
    let err = suite.register_low(&carol, 1, 10).unwrap_err();
    assert_eq!(
        contract_err(err),
        ContractError::NotChannelMember {
            channel: CHANNEL.to_string(),
            address: carol.to_string()
        }
    );
}

#[test]
fn register_low_saves_record_and_indexes() {
    let mut suite = Suite::new();
    let (alice, bob, provider) = (
        suite.alice.clone(),
        suite.bob.clone(),
        suite.provider.clone(),
    );

    let res = suite.register_low(&alice, 1, 100).unwrap();
    assert_eq!(attr(&res, "action").unwrap(), "register");
    assert_eq!(attr(&res, "record_id").unwrap(), "1");
    assert_eq!(attr(&res, "owner").unwrap(), alice.to_string());
    assert_eq!(attr(&res, "channel").unwrap(), CHANNEL);
    assert_eq!(attr(&res, "hash").unwrap(), hash(1).to_hex());
    assert_eq!(attr(&res, "level").unwrap(), "low");
    assert_eq!(attr(&res, "fee").unwrap(), "0");
    assert_eq!(attr(&res, "stream"), None);

    let record: Record = suite.query(&QueryMsg::Record { id: 1 }).unwrap();
    let block = suite.app.block_info();
    assert_eq!(
        record,
        Record {
            id: 1,
            owner: alice.clone(),
            channel: CHANNEL.to_string(),
            hash: hash(1),
            size: 100,
            level: Level::Low,
            locator: "s3://bucket/manifest.json".to_string(),
            stream: None,
            client_timestamp: 1_700_000_000_000,
            provider: provider.clone(),
            registered_at: block.time,
            height: block.height,
        }
    );
    let by_hash: Record = suite
        .query(&QueryMsg::RecordByHash { hash: hash(1) })
        .unwrap();
    assert_eq!(by_hash, record);

    let res = suite.register_low(&bob, 2, 50).unwrap();
    assert_eq!(attr(&res, "record_id").unwrap(), "2");
    let by_owner: RecordsResponse = suite
        .query(&QueryMsg::RecordsByOwner {
            owner: alice.to_string(),
            start_after: None,
            limit: None,
        })
        .unwrap();
    assert_eq!(by_owner.records, vec![record]);
    let by_channel: RecordsResponse = suite
        .query(&QueryMsg::RecordsByChannel {
            channel: CHANNEL.to_string(),
            start_after: None,
            limit: None,
        })
        .unwrap();
    assert_eq!(
        by_channel.records.iter().map(|r| r.id).collect::<Vec<_>>(),
        vec![1, 2]
    );
    assert_eq!(used(&suite, &alice, &provider), 100);
    assert_eq!(used(&suite, &bob, &provider), 50);
}

#[test]
fn high_fee_goes_to_the_collector() {
    let mut suite = Suite::new();
    let (alice, collector) = (suite.alice.clone(), suite.collector.clone());
    let mut msg = suite.register_msg(hash(7), 10);
    if let ExecuteMsg::Register { level, .. } = &mut msg {
        *level = Level::High {
            fee: Uint128::new(25),
        };
    }
    let res = suite.execute(&alice, &msg, &fee(25)).unwrap();
    assert_eq!(attr(&res, "level").unwrap(), "high");
    assert_eq!(attr(&res, "fee").unwrap(), "25");
    assert_eq!(suite.balance(&collector, FEE_DENOM), 25);
    assert_eq!(suite.balance(&alice, FEE_DENOM), 975);
    assert_eq!(suite.balance(&suite.registry.clone(), FEE_DENOM), 0);
    let record: Record = suite.query(&QueryMsg::Record { id: 1 }).unwrap();
    assert_eq!(
        record.level,
        Level::High {
            fee: Uint128::new(25)
        }
    );
}

#[test]
fn high_with_zero_fee_needs_no_funds() {
    let mut suite = Suite::new();
    let (alice, collector) = (suite.alice.clone(), suite.collector.clone());
    let mut msg = suite.register_msg(hash(7), 10);
    if let ExecuteMsg::Register { level, .. } = &mut msg {
        *level = Level::High {
            fee: Uint128::zero(),
        };
    }
    let res = suite.execute(&alice, &msg, &[]).unwrap();
    assert_eq!(attr(&res, "level").unwrap(), "high");
    assert_eq!(attr(&res, "fee").unwrap(), "0");
    assert_eq!(suite.balance(&collector, FEE_DENOM), 0);
}

#[test]
fn streams_track_their_latest_record() {
    let mut suite = Suite::new();
    let alice = suite.alice.clone();
    for n in 1..=3u8 {
        let mut msg = suite.register_msg(hash(n), 10);
        if let ExecuteMsg::Register { stream, .. } = &mut msg {
            *stream = Some("line-3.temp".to_string());
        }
        let res = suite.execute(&alice, &msg, &[]).unwrap();
        assert_eq!(attr(&res, "stream").unwrap(), "line-3.temp");
    }
    // A record outside the stream does not move its head.
    suite.register_low(&alice, 9, 10).unwrap();

    let latest: Record = suite
        .query(&QueryMsg::LatestInStream {
            stream: "line-3.temp".to_string(),
        })
        .unwrap();
    assert_eq!(latest.id, 3);
    assert_eq!(latest.hash, hash(3));
    assert_eq!(latest.stream.as_deref(), Some("line-3.temp"));
    let in_stream: RecordsResponse = suite
        .query(&QueryMsg::RecordsByStream {
            stream: "line-3.temp".to_string(),
            start_after: None,
            limit: None,
        })
        .unwrap();
    assert_eq!(
        in_stream.records.iter().map(|r| r.id).collect::<Vec<_>>(),
        vec![1, 2, 3]
    );
}

#[test]
fn capacity_bounds_used_bytes_per_provider() {
    let mut suite = Suite::new();
    let (alice, provider) = (suite.alice.clone(), suite.provider.clone());
    let other = suite.addr("provider2");
    suite.set_capacity(&alice, &provider, 100);
    suite.set_capacity(&alice, &other, 30);

    // Exactly up to the capacity is fine.
    suite.register_low(&alice, 1, 60).unwrap();
    suite.register_low(&alice, 2, 40).unwrap();
    assert_eq!(used(&suite, &alice, &provider), 100);
    let err = suite.register_low(&alice, 3, 1).unwrap_err();
    assert_eq!(
        contract_err(err),
        ContractError::OverCapacity {
            needed: 1,
            used: 100,
            capacity: 100
        }
    );

    // Another provider has its own count.
    let mut msg = suite.register_msg(hash(3), 30);
    if let ExecuteMsg::Register { provider, .. } = &mut msg {
        *provider = other.to_string();
    }
    suite.execute(&alice, &msg, &[]).unwrap();
    assert_eq!(used(&suite, &alice, &other), 30);

    // A bigger lease makes room again.
    suite.set_capacity(&alice, &provider, 150);
    suite.register_low(&alice, 4, 50).unwrap();
    assert_eq!(used(&suite, &alice, &provider), 150);
}

#[test]
fn anchor_batch_saves_and_indexes() {
    let mut suite = Suite::new();
    let anchorer = suite.anchorer.clone();
    let msg = ExecuteMsg::AnchorBatch {
        channel: CHANNEL.to_string(),
        root: hash(5),
        count: 8,
        first_timestamp: 100,
        last_timestamp: 100,
    };
    let res = suite.execute(&anchorer, &msg, &[]).unwrap();
    assert_eq!(attr(&res, "action").unwrap(), "anchor_batch");
    assert_eq!(attr(&res, "batch_id").unwrap(), "1");
    assert_eq!(attr(&res, "channel").unwrap(), CHANNEL);
    assert_eq!(attr(&res, "root").unwrap(), hash(5).to_hex());
    assert_eq!(attr(&res, "count").unwrap(), "8");
    let block = suite.app.block_info();
    let batch: Batch = suite.query(&QueryMsg::Batch { id: 1 }).unwrap();
    assert_eq!(
        batch,
        Batch {
            id: 1,
            channel: CHANNEL.to_string(),
            anchorer: anchorer.clone(),
            root: hash(5),
            count: 8,
            first_timestamp: 100,
            last_timestamp: 100,
            anchored_at: block.time,
            height: block.height,
        }
    );

    let bob = suite.bob.clone();
    suite.create_channel(&bob, "other", &[]).unwrap();
    let other = ExecuteMsg::AnchorBatch {
        channel: "other".to_string(),
        root: hash(6),
        count: 1,
        first_timestamp: 1,
        last_timestamp: 2,
    };
    let res = suite.execute(&anchorer, &other, &[]).unwrap();
    assert_eq!(attr(&res, "batch_id").unwrap(), "2");
    let res = suite.execute(&anchorer, &msg, &[]).unwrap();
    assert_eq!(attr(&res, "batch_id").unwrap(), "3");
    let batches: BatchesResponse = suite
        .query(&QueryMsg::BatchesByChannel {
            channel: CHANNEL.to_string(),
            start_after: None,
            limit: None,
        })
        .unwrap();
    assert_eq!(
        batches.batches.iter().map(|b| b.id).collect::<Vec<_>>(),
        vec![1, 3]
    );
}

#[test]
fn update_config_moves_admin() {
    let mut suite = Suite::new();
    let (admin, carol) = (suite.admin.clone(), suite.carol.clone());
    let new_collector = suite.addr("collector2");
    let msg = ExecuteMsg::UpdateConfig {
        admin: Some(carol.to_string()),
        storage_payment: None,
        fee_collector: Some(new_collector.to_string()),
        fee_denom: Some("ibc/ABC".to_string()),
    };
    let res = suite.execute(&admin, &msg, &[]).unwrap();
    assert_eq!(attr(&res, "action").unwrap(), "update_config");
    let config: Config = suite.query(&QueryMsg::Config {}).unwrap();
    assert_eq!(config.admin, carol);
    assert_eq!(config.fee_collector, new_collector);
    assert_eq!(config.fee_denom, "ibc/ABC");
    assert_eq!(config.storage_payment, suite.storage);

    // The old admin has lost the right, the new one has it.
    let noop = ExecuteMsg::UpdateConfig {
        admin: None,
        storage_payment: None,
        fee_collector: None,
        fee_denom: None,
    };
    let err = suite.execute(&admin, &noop, &[]).unwrap_err();
    assert_eq!(
        contract_err(err),
        ContractError::Unauthorized {
            action: "update the registry config".to_string(),
            allowed: carol.to_string()
        }
    );
    suite.execute(&carol, &noop, &[]).unwrap();
}

#[test]
fn update_anchorers_adds_removes_and_swaps() {
    let mut suite = Suite::new();
    let (admin, anchorer) = (suite.admin.clone(), suite.anchorer.clone());
    let (a2, a3) = (suite.addr("anchorer2"), suite.addr("anchorer3"));

    // Adding an existing anchorer and a repeat keeps one copy each.
    let msg = ExecuteMsg::UpdateAnchorers {
        add: vec![a2.to_string(), anchorer.to_string(), a2.to_string()],
        remove: vec![],
    };
    let res = suite.execute(&admin, &msg, &[]).unwrap();
    assert_eq!(attr(&res, "action").unwrap(), "update_anchorers");
    let config: Config = suite.query(&QueryMsg::Config {}).unwrap();
    assert_eq!(config.anchorers, vec![anchorer.clone(), a2.clone()]);

    let msg = ExecuteMsg::UpdateAnchorers {
        add: vec![a3.to_string()],
        remove: vec![anchorer.to_string()],
    };
    suite.execute(&admin, &msg, &[]).unwrap();
    let config: Config = suite.query(&QueryMsg::Config {}).unwrap();
    assert_eq!(config.anchorers, vec![a2.clone(), a3]);

    // The removed anchorer may no longer anchor; the new one may.
    let anchor = ExecuteMsg::AnchorBatch {
        channel: CHANNEL.to_string(),
        root: hash(1),
        count: 1,
        first_timestamp: 0,
        last_timestamp: 0,
    };
    let err = suite.execute(&anchorer, &anchor, &[]).unwrap_err();
    assert_eq!(
        contract_err(err),
        ContractError::NotAnchorer {
            address: anchorer.to_string()
        }
    );
    suite.execute(&a2, &anchor, &[]).unwrap();

    // At the cap, one message can swap an anchorer (removals are applied first).
    let fill: Vec<String> = (0..18)
        .map(|i| suite.addr(&format!("fill{i}")).to_string())
        .collect();
    let msg = ExecuteMsg::UpdateAnchorers {
        add: fill,
        remove: vec![],
    };
    suite.execute(&admin, &msg, &[]).unwrap();
    let swap = ExecuteMsg::UpdateAnchorers {
        add: vec![anchorer.to_string()],
        remove: vec![a2.to_string()],
    };
    suite.execute(&admin, &swap, &[]).unwrap();
    let config: Config = suite.query(&QueryMsg::Config {}).unwrap();
    assert_eq!(config.anchorers.len(), 20);
    assert!(config.anchorers.contains(&anchorer));
    assert!(!config.anchorers.contains(&a2));
}
