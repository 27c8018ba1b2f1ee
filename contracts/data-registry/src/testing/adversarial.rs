//! Every authorization check and bad input, each asserting the exact error and that nothing
//! changed.

use cosmwasm_std::{Addr, Coin, HexBinary, Uint128};
use cw_utils::PaymentError;

use twinshare_types::CommonError;

use super::*;
use crate::msg::{
    Channel, Config, Party, UsedBytesResponse, MAX_ANCHORERS, MAX_ID_LEN, MAX_LOCATOR_LEN,
    MAX_MEMBERS_PER_MSG, MAX_NAME_LEN,
};

fn register_err(
    suite: &mut Suite,
    sender: &Addr,
    msg: ExecuteMsg,
    funds: &[Coin],
) -> ContractError {
    let count = suite.record_count();
    let err = contract_err(suite.execute(sender, &msg, funds).unwrap_err());
    assert_eq!(
        suite.record_count(),
        count,
        "a refused register changed state"
    );
    err
}

fn high(fee: u128) -> Level {
    Level::High {
        fee: Uint128::new(fee),
    }
}

fn member_count(suite: &Suite) -> u32 {
    let ch: Channel = suite
        .query(&QueryMsg::Channel {
            id: CHANNEL.to_string(),
        })
        .unwrap();
    ch.member_count
}

// ---- parties ----

#[test]
fn malformed_umbral_keys_are_refused() {
    let mut suite = Suite::new();
    let alice = suite.alice.clone();
    let g = key(KEY_G).to_vec();
    let mut uncompressed_prefix = g.clone();
    uncompressed_prefix[0] = 0x04;
    // x = 5 has no y on secp256k1.
    let mut off_curve = vec![0x02];
    off_curve.extend_from_slice(&[0u8; 31]);
    off_curve.push(5);
    let cases = [
        (g[..32].to_vec(), "32 bytes"),
        ([g.clone(), vec![0]].concat(), "34 bytes"),
        (vec![], "0 bytes"),
        (uncompressed_prefix, "prefix 0x04 is not a compressed point"),
        (off_curve, "not a point on secp256k1"),
    ];
    for (bytes, reason) in cases {
        let msg = ExecuteMsg::RegisterParty {
            pubkey: HexBinary::from(bytes),
            name: "Plant A".to_string(),
        };
        let err = suite.execute(&alice, &msg, &[]).unwrap_err();
        assert_eq!(
            contract_err(err),
            ContractError::Common(CommonError::InvalidUmbralKey {
                reason: reason.to_string()
            })
        );
    }
    assert!(suite
        .query::<Party>(&QueryMsg::Party {
            address: alice.to_string()
        })
        .is_err());
}

#[test]
fn bad_party_names_and_funds_are_refused() {
    let mut suite = Suite::new();
    let alice = suite.alice.clone();
    for (name, len) in [
        (String::new(), 0),
        ("   ".to_string(), 0),
        ("x".repeat(MAX_NAME_LEN + 1), MAX_NAME_LEN + 1),
    ] {
        let msg = ExecuteMsg::RegisterParty {
            pubkey: key(KEY_G),
            name,
        };
        let err = suite.execute(&alice, &msg, &[]).unwrap_err();
        assert_eq!(
            contract_err(err),
            ContractError::InvalidName {
                len,
                max: MAX_NAME_LEN
            }
        );
    }
    // 64 multi-byte characters are 64 characters.
    let msg = ExecuteMsg::RegisterParty {
        pubkey: key(KEY_G),
        name: "ü".repeat(MAX_NAME_LEN),
    };
    suite.execute(&alice, &msg, &[]).unwrap();

    let err = suite.execute(&alice, &msg, &fee(1)).unwrap_err();
    assert_eq!(
        contract_err(err),
        ContractError::Payment(PaymentError::NonPayable {})
    );
}

// ---- channels ----

#[test]
fn bad_channel_ids_are_refused() {
    let mut suite = Suite::new();
    let carol = suite.carol.clone();
    for id in [
        String::new(),
        "has space".to_string(),
        "a/b".to_string(),
        "ünicode".to_string(),
        "semi;colon".to_string(),
        "x".repeat(MAX_ID_LEN + 1),
    ] {
        let err = suite.create_channel(&carol, &id, &[]).unwrap_err();
        assert_eq!(
            contract_err(err),
            ContractError::InvalidId {
                what: "channel",
                id: id.clone(),
                max: MAX_ID_LEN
            }
        );
    }
    suite
        .create_channel(&carol, &"x".repeat(MAX_ID_LEN), &[])
        .unwrap();
}

#[test]
fn create_channel_refuses_existing_id_and_bad_members() {
    let mut suite = Suite::new();
    let carol = suite.carol.clone();
    let err = suite.create_channel(&carol, CHANNEL, &[]).unwrap_err();
    assert_eq!(
        contract_err(err),
        ContractError::ChannelExists {
            id: CHANNEL.to_string()
        }
    );
    // The existing channel keeps its admin.
    let ch: Channel = suite
        .query(&QueryMsg::Channel {
            id: CHANNEL.to_string(),
        })
        .unwrap();
    assert_eq!(ch.admin, suite.alice);

    let many: Vec<Addr> = (0..=MAX_MEMBERS_PER_MSG)
        .map(|i| suite.addr(&format!("m{i}")))
        .collect();
    let refs: Vec<&Addr> = many.iter().collect();
    let err = suite.create_channel(&carol, "big", &refs).unwrap_err();
    assert_eq!(
        contract_err(err),
        ContractError::TooManyMembers {
            max: MAX_MEMBERS_PER_MSG,
            got: MAX_MEMBERS_PER_MSG + 1
        }
    );

    // An upper-cased bech32 is not another spelling of an address.
    let msg = ExecuteMsg::CreateChannel {
        id: "upper".to_string(),
        members: vec![suite.bob.as_str().to_uppercase()],
    };
    let err = suite.execute(&carol, &msg, &[]).unwrap_err();
    assert!(matches!(
        contract_err(err),
        ContractError::Common(CommonError::InvalidAddress { what: "member", .. })
    ));

    let err = suite
        .execute(
            &carol,
            &ExecuteMsg::CreateChannel {
                id: "paid".to_string(),
                members: vec![],
            },
            &fee(1),
        )
        .unwrap_err();
    assert_eq!(
        contract_err(err),
        ContractError::Payment(PaymentError::NonPayable {})
    );
}

#[test]
fn only_the_channel_admin_changes_members() {
    let mut suite = Suite::new();
    let (alice, bob, carol) = (suite.alice.clone(), suite.bob.clone(), suite.carol.clone());
    let add = ExecuteMsg::AddMembers {
        channel: CHANNEL.to_string(),
        members: vec![carol.to_string()],
    };
    for sender in [&bob, &carol] {
        let err = suite.execute(sender, &add, &[]).unwrap_err();
        assert_eq!(
            contract_err(err),
            ContractError::Unauthorized {
                action: format!("add members to channel {CHANNEL:?}"),
                allowed: alice.to_string()
            }
        );
    }
    let remove = ExecuteMsg::RemoveMembers {
        channel: CHANNEL.to_string(),
        members: vec![bob.to_string()],
    };
    let err = suite.execute(&bob, &remove, &[]).unwrap_err();
    assert_eq!(
        contract_err(err),
        ContractError::Unauthorized {
            action: format!("remove members from channel {CHANNEL:?}"),
            allowed: alice.to_string()
        }
    );
    assert_eq!(member_count(&suite), 2);

    // Unknown channel.
    let missing = ExecuteMsg::AddMembers {
        channel: "nope".to_string(),
        members: vec![carol.to_string()],
    };
    let err = suite.execute(&alice, &missing, &[]).unwrap_err();
    assert_eq!(
        contract_err(err),
        ContractError::ChannelNotFound {
            id: "nope".to_string()
        }
    );

    // Funds.
    let err = suite.execute(&alice, &add, &fee(1)).unwrap_err();
    assert_eq!(
        contract_err(err),
        ContractError::Payment(PaymentError::NonPayable {})
    );
}

#[test]
fn member_lists_are_bounded_and_checked() {
    let mut suite = Suite::new();
    let (alice, carol) = (suite.alice.clone(), suite.carol.clone());
    let many: Vec<String> = (0..=MAX_MEMBERS_PER_MSG)
        .map(|i| suite.addr(&format!("m{i}")).to_string())
        .collect();
    for msg in [
        ExecuteMsg::AddMembers {
            channel: CHANNEL.to_string(),
            members: many.clone(),
        },
        ExecuteMsg::RemoveMembers {
            channel: CHANNEL.to_string(),
            members: many,
        },
    ] {
        let err = suite.execute(&alice, &msg, &[]).unwrap_err();
        assert_eq!(
            contract_err(err),
            ContractError::TooManyMembers {
                max: MAX_MEMBERS_PER_MSG,
                got: MAX_MEMBERS_PER_MSG + 1
            }
        );
    }
    for msg in [
        ExecuteMsg::AddMembers {
            channel: CHANNEL.to_string(),
            members: vec![],
        },
        ExecuteMsg::RemoveMembers {
            channel: CHANNEL.to_string(),
            members: vec![],
        },
    ] {
        let err = suite.execute(&alice, &msg, &[]).unwrap_err();
        assert_eq!(contract_err(err), ContractError::NoMembers {});
    }

    // Removing a non-member names it; nothing is removed.
    let msg = ExecuteMsg::RemoveMembers {
        channel: CHANNEL.to_string(),
        members: vec![suite.bob.to_string(), carol.to_string()],
    };
    let err = suite.execute(&alice, &msg, &[]).unwrap_err();
    assert_eq!(
        contract_err(err),
        ContractError::NotChannelMember {
            channel: CHANNEL.to_string(),
            address: carol.to_string()
        }
    );
    assert_eq!(member_count(&suite), 2);

    // The admin cannot remove itself.
    let msg = ExecuteMsg::RemoveMembers {
        channel: CHANNEL.to_string(),
        members: vec![alice.to_string()],
    };
    let err = suite.execute(&alice, &msg, &[]).unwrap_err();
    assert_eq!(
        contract_err(err),
        ContractError::CannotRemoveAdmin {
            channel: CHANNEL.to_string(),
            admin: alice.to_string()
        }
    );
    assert_eq!(member_count(&suite), 2);
}

// ---- register ----

#[test]
fn register_needs_an_existing_channel_and_membership() {
    let mut suite = Suite::new();
    let (alice, carol) = (suite.alice.clone(), suite.carol.clone());
    suite.set_capacity(&carol, &suite.provider.clone(), CAPACITY);

    let msg = Reg {
        channel: "nope".to_string(),
        ..suite.reg(1, 10)
    }
    .msg();
    assert_eq!(
        register_err(&mut suite, &alice, msg, &[]),
        ContractError::ChannelNotFound {
            id: "nope".to_string()
        }
    );

    // Membership is checked before any input: a non-member with a bad hash hears "not a member".
    let msg = Reg {
        hash: HexBinary::from(vec![1; 31]),
        ..suite.reg(1, 10)
    }
    .msg();
    assert_eq!(
        register_err(&mut suite, &carol, msg, &[]),
        ContractError::NotChannelMember {
            channel: CHANNEL.to_string(),
            address: carol.to_string()
        }
    );
}

#[test]
fn register_refuses_bad_inputs() {
    let mut suite = Suite::new();
    let alice = suite.alice.clone();

    for len in [0usize, 31, 33, 64] {
        let msg = Reg {
            hash: HexBinary::from(vec![1; len]),
            ..suite.reg(1, 10)
        }
        .msg();
        assert_eq!(
            register_err(&mut suite, &alice, msg, &[]),
            ContractError::Common(CommonError::InvalidHash {
                expected: 32,
                got: len
            })
        );
    }

    let msg = suite.reg(1, 0).msg();
    assert_eq!(
        register_err(&mut suite, &alice, msg, &[]),
        ContractError::ZeroSize {}
    );

    for len in [0, MAX_LOCATOR_LEN + 1] {
        let msg = Reg {
            locator: "l".repeat(len),
            ..suite.reg(1, 10)
        }
        .msg();
        assert_eq!(
            register_err(&mut suite, &alice, msg, &[]),
            ContractError::InvalidLocator {
                len,
                max: MAX_LOCATOR_LEN
            }
        );
    }

    for stream in ["", "a b", "s/1", &"s".repeat(MAX_ID_LEN + 1)] {
        let msg = Reg {
            stream: Some(stream.to_string()),
            ..suite.reg(1, 10)
        }
        .msg();
        assert_eq!(
            register_err(&mut suite, &alice, msg, &[]),
            ContractError::InvalidId {
                what: "stream",
                id: stream.to_string(),
                max: MAX_ID_LEN
            }
        );
    }

    for provider in [
        "provider".to_string(),
        suite.provider.as_str().to_uppercase(),
    ] {
        let msg = Reg {
            provider: provider.clone(),
            ..suite.reg(1, 10)
        }
        .msg();
        assert!(matches!(
            register_err(&mut suite, &alice, msg, &[]),
            ContractError::Common(CommonError::InvalidAddress { what: "provider", address, .. })
                if address == provider
        ));
    }
}

#[test]
fn duplicate_hash_names_its_owner() {
    let mut suite = Suite::new();
    let (alice, bob) = (suite.alice.clone(), suite.bob.clone());
    suite.register_low(&alice, 1, 10).unwrap();
    for sender in [&bob, &alice] {
        let msg = suite.reg(1, 10).msg();
        assert_eq!(
            register_err(&mut suite, sender, msg, &[]),
            ContractError::DuplicateHash {
                hash: hash(1).to_hex(),
                owner: alice.to_string(),
                record_id: 1
            }
        );
    }
}

#[test]
fn stream_owned_by_another_is_refused() {
    let mut suite = Suite::new();
    let (alice, bob) = (suite.alice.clone(), suite.bob.clone());
    let msg = Reg {
        stream: Some("line-3".to_string()),
        ..suite.reg(1, 10)
    }
    .msg();
    suite.execute(&alice, &msg, &[]).unwrap();
    let msg = Reg {
        stream: Some("line-3".to_string()),
        ..suite.reg(2, 10)
    }
    .msg();
    assert_eq!(
        register_err(&mut suite, &bob, msg, &[]),
        ContractError::StreamOwnedByOther {
            stream: "line-3".to_string(),
            owner: alice.to_string()
        }
    );
}

#[test]
fn fees_must_match_the_level_exactly() {
    let mut suite = Suite::new();
    let (alice, collector) = (suite.alice.clone(), suite.collector.clone());

    // Rule 2: Low records carry no fee.
    let msg = suite.reg(1, 10).msg();
    assert_eq!(
        register_err(&mut suite, &alice, msg, &fee(5)),
        ContractError::FeeOnLowRecord {
            got: "5ufee".to_string()
        }
    );

    let cases: Vec<(Vec<Coin>, &str)> = vec![
        (vec![], "no funds"),
        (fee(24), "24ufee"),
        (fee(26), "26ufee"),
        (vec![Coin::new(25u128, OTHER_DENOM)], "25uother"),
        (
            vec![Coin::new(25u128, FEE_DENOM), Coin::new(1u128, OTHER_DENOM)],
            "25ufee,1uother",
        ),
    ];
    for (funds, got) in cases {
        let msg = Reg {
            level: high(25),
            ..suite.reg(1, 10)
        }
        .msg();
        assert_eq!(
            register_err(&mut suite, &alice, msg, &funds),
            ContractError::WrongFee {
                expected: "25ufee".to_string(),
                got: got.to_string()
            }
        );
    }

    // A zero fee takes no funds.
    let msg = Reg {
        level: high(0),
        ..suite.reg(1, 10)
    }
    .msg();
    assert_eq!(
        register_err(&mut suite, &alice, msg, &fee(1)),
        ContractError::Payment(PaymentError::NonPayable {})
    );

    // Nothing moved.
    assert_eq!(suite.balance(&alice, FEE_DENOM), 1000);
    assert_eq!(suite.balance(&alice, OTHER_DENOM), 1000);
    assert_eq!(suite.balance(&collector, FEE_DENOM), 0);
}

#[test]
fn over_capacity_and_expired_lease_are_refused() {
    let mut suite = Suite::new();
    let (alice, provider) = (suite.alice.clone(), suite.provider.clone());
    suite.set_capacity(&alice, &provider, 100);
    suite.register_low(&alice, 1, 70).unwrap();

    let msg = suite.reg(2, 31).msg();
    assert_eq!(
        register_err(&mut suite, &alice, msg, &[]),
        ContractError::OverCapacity {
            needed: 31,
            used: 70,
            capacity: 100
        }
    );

    // The lease expired: the storage contract reports nothing.
    suite.set_capacity(&alice, &provider, 0);
    let msg = suite.reg(2, 1).msg();
    assert_eq!(
        register_err(&mut suite, &alice, msg, &[]),
        ContractError::OverCapacity {
            needed: 1,
            used: 70,
            capacity: 0
        }
    );

    // No lease at all with another provider.
    let other = suite.addr("provider2");
    let msg = Reg {
        provider: other.to_string(),
        ..suite.reg(2, 1)
    }
    .msg();
    assert_eq!(
        register_err(&mut suite, &alice, msg, &[]),
        ContractError::OverCapacity {
            needed: 1,
            used: 0,
            capacity: 0
        }
    );

    // u64 overflow of used + size is over capacity too, not a panic.
    suite.set_capacity(&alice, &provider, u64::MAX);
    let msg = suite.reg(2, u64::MAX).msg();
    assert_eq!(
        register_err(&mut suite, &alice, msg, &[]),
        ContractError::OverCapacity {
            needed: u64::MAX,
            used: 70,
            capacity: u64::MAX
        }
    );

    // A High fee paid with a refused register stays with the sender.
    suite.set_capacity(&alice, &provider, 0);
    let msg = Reg {
        level: high(25),
        ..suite.reg(3, 1)
    }
    .msg();
    register_err(&mut suite, &alice, msg, &fee(25));
    assert_eq!(suite.balance(&alice, FEE_DENOM), 1000);

    let used: UsedBytesResponse = suite
        .query(&QueryMsg::UsedBytes {
            owner: alice.to_string(),
            provider: provider.to_string(),
        })
        .unwrap();
    assert_eq!(used.used, 70);
}

// ---- anchoring ----

#[test]
fn anchor_batch_checks_sender_and_inputs() {
    let mut suite = Suite::new();
    let (alice, admin, anchorer) = (
        suite.alice.clone(),
        suite.admin.clone(),
        suite.anchorer.clone(),
    );
    let good = |channel: &str, root: HexBinary, count: u64, first: u64, last: u64| {
        ExecuteMsg::AnchorBatch {
            channel: channel.to_string(),
            root,
            count,
            first_timestamp: first,
            last_timestamp: last,
        }
    };

    // Neither a channel admin nor the registry admin is an anchorer.
    for sender in [&alice, &admin] {
        let err = suite
            .execute(sender, &good(CHANNEL, hash(1), 1, 0, 0), &[])
            .unwrap_err();
        assert_eq!(
            contract_err(err),
            ContractError::NotAnchorer {
                address: sender.to_string()
            }
        );
    }

    let cases = [
        (
            good("nope", hash(1), 1, 0, 0),
            ContractError::ChannelNotFound {
                id: "nope".to_string(),
            },
        ),
        (
            good(CHANNEL, HexBinary::from(vec![1; 33]), 1, 0, 0),
            ContractError::Common(CommonError::InvalidHash {
                expected: 32,
                got: 33,
            }),
        ),
        (
            good(CHANNEL, hash(1), 0, 0, 0),
            ContractError::EmptyBatch {},
        ),
        (
            good(CHANNEL, hash(1), 1, 5, 4),
            ContractError::BatchTimestamps { first: 5, last: 4 },
        ),
    ];
    for (msg, expected) in cases {
        let err = suite.execute(&anchorer, &msg, &[]).unwrap_err();
        assert_eq!(contract_err(err), expected);
    }

    suite.app.init_modules(|router, _, storage| {
        router
            .bank
            .init_balance(storage, &anchorer, fee(10))
            .unwrap()
    });
    let err = suite
        .execute(&anchorer, &good(CHANNEL, hash(1), 1, 0, 0), &fee(1))
        .unwrap_err();
    assert_eq!(
        contract_err(err),
        ContractError::Payment(PaymentError::NonPayable {})
    );
    assert!(suite
        .query::<crate::msg::Batch>(&QueryMsg::Batch { id: 1 })
        .is_err());
}

// ---- admin ----

#[test]
fn only_the_admin_updates_config_and_anchorers() {
    let mut suite = Suite::new();
    let (admin, alice, anchorer) = (
        suite.admin.clone(),
        suite.alice.clone(),
        suite.anchorer.clone(),
    );
    let update = ExecuteMsg::UpdateConfig {
        admin: Some(alice.to_string()),
        storage_payment: None,
        fee_collector: None,
        fee_denom: None,
    };
    for sender in [&alice, &anchorer] {
        let err = suite.execute(sender, &update, &[]).unwrap_err();
        assert_eq!(
            contract_err(err),
            ContractError::Unauthorized {
                action: "update the registry config".to_string(),
                allowed: admin.to_string()
            }
        );
        let msg = ExecuteMsg::UpdateAnchorers {
            add: vec![sender.to_string()],
            remove: vec![],
        };
        let err = suite.execute(sender, &msg, &[]).unwrap_err();
        assert_eq!(
            contract_err(err),
            ContractError::Unauthorized {
                action: "update the anchorers".to_string(),
                allowed: admin.to_string()
            }
        );
    }
    let config: Config = suite.query(&QueryMsg::Config {}).unwrap();
    assert_eq!(config.admin, admin);
    assert_eq!(config.anchorers, vec![anchorer]);
}

#[test]
fn admin_updates_are_validated() {
    let mut suite = Suite::new();
    let (admin, carol) = (suite.admin.clone(), suite.carol.clone());
    let before: Config = suite.query(&QueryMsg::Config {}).unwrap();

    let msg = ExecuteMsg::UpdateConfig {
        admin: None,
        storage_payment: None,
        fee_collector: None,
        fee_denom: Some("x".to_string()),
    };
    let err = suite.execute(&admin, &msg, &[]).unwrap_err();
    assert_eq!(
        contract_err(err),
        ContractError::Common(CommonError::InvalidDenom {
            denom: "x".to_string()
        })
    );
    // A valid admin change in the same message is not applied either.
    let msg = ExecuteMsg::UpdateConfig {
        admin: Some(carol.to_string()),
        storage_payment: Some("not-bech32".to_string()),
        fee_collector: None,
        fee_denom: None,
    };
    let err = suite.execute(&admin, &msg, &[]).unwrap_err();
    assert!(matches!(
        contract_err(err),
        ContractError::Common(CommonError::InvalidAddress {
            what: "storage payment",
            ..
        })
    ));
    let after: Config = suite.query(&QueryMsg::Config {}).unwrap();
    assert_eq!(after, before);

    // Removing a non-anchorer names it.
    let msg = ExecuteMsg::UpdateAnchorers {
        add: vec![],
        remove: vec![carol.to_string()],
    };
    let err = suite.execute(&admin, &msg, &[]).unwrap_err();
    assert_eq!(
        contract_err(err),
        ContractError::NotAnchorer {
            address: carol.to_string()
        }
    );

    // The cap holds after the update, and for the lists themselves.
    let fill: Vec<String> = (0..MAX_ANCHORERS)
        .map(|i| suite.addr(&format!("fill{i}")).to_string())
        .collect();
    let msg = ExecuteMsg::UpdateAnchorers {
        add: fill,
        remove: vec![],
    };
    let err = suite.execute(&admin, &msg, &[]).unwrap_err();
    assert_eq!(
        contract_err(err),
        ContractError::TooManyAnchorers {
            max: MAX_ANCHORERS,
            got: MAX_ANCHORERS + 1
        }
    );
    let too_long: Vec<String> = (0..=MAX_ANCHORERS).map(|_| carol.to_string()).collect();
    let msg = ExecuteMsg::UpdateAnchorers {
        add: too_long,
        remove: vec![],
    };
    let err = suite.execute(&admin, &msg, &[]).unwrap_err();
    assert_eq!(
        contract_err(err),
        ContractError::TooManyAnchorers {
            max: MAX_ANCHORERS,
            got: MAX_ANCHORERS + 1
        }
    );
    let after: Config = suite.query(&QueryMsg::Config {}).unwrap();
    assert_eq!(after, before);

    for msg in [
        ExecuteMsg::UpdateAnchorers {
            add: vec![],
            remove: vec![],
        },
        ExecuteMsg::UpdateConfig {
            admin: None,
            storage_payment: None,
            fee_collector: None,
            fee_denom: None,
        },
    ] {
        suite.app.init_modules(|router, _, storage| {
            router.bank.init_balance(storage, &admin, fee(10)).unwrap()
        });
        let err = suite.execute(&admin, &msg, &fee(1)).unwrap_err();
        assert_eq!(
            contract_err(err),
            ContractError::Payment(PaymentError::NonPayable {})
        );
    }
}

// ---- sensors ----

use super::sensors::{register_sensor, sensor, sensors_of};
use crate::msg::{Sensor, MAX_SENSOR_NAME_LEN};

#[test]
fn someone_elses_sensor_key_cannot_be_taken() {
    let mut suite = Suite::new();
    let (alice, carol) = (suite.alice.clone(), suite.carol.clone());
    let g = key(KEY_G);
    register_sensor(&mut suite, &alice, &g, "press").unwrap();
    let before: Sensor = sensor(&suite, &g).unwrap();
    let err = register_sensor(&mut suite, &carol, &g, "mine now").unwrap_err();
    assert_eq!(
        contract_err(err),
        ContractError::SensorOwnedByOther {
            pubkey: g.to_hex(),
            owner: alice.to_string(),
        }
    );
    assert_eq!(sensor(&suite, &g).unwrap(), before);
    assert!(sensors_of(&suite, &carol, None, None).is_empty());
}

#[test]
fn only_the_owner_removes_a_sensor() {
    let mut suite = Suite::new();
    let (alice, carol) = (suite.alice.clone(), suite.carol.clone());
    let g = key(KEY_G);
    register_sensor(&mut suite, &alice, &g, "press").unwrap();
    let msg = ExecuteMsg::RemoveSensor { pubkey: g.clone() };
    let err = suite.execute(&carol, &msg, &[]).unwrap_err();
    assert_eq!(
        contract_err(err),
        ContractError::Unauthorized {
            action: format!("remove sensor {}", g.to_hex()),
            allowed: alice.to_string(),
        }
    );
    assert_eq!(sensor(&suite, &g).unwrap().owner, alice);
    assert_eq!(sensors_of(&suite, &alice, None, None), vec![g.clone()]);

    let unknown = key(KEY_2G);
    let err = suite
        .execute(
            &alice,
            &ExecuteMsg::RemoveSensor {
                pubkey: unknown.clone(),
            },
            &[],
        )
        .unwrap_err();
    assert_eq!(
        contract_err(err),
        ContractError::SensorNotFound {
            pubkey: unknown.to_hex(),
        }
    );
}

#[test]
fn malformed_sensor_keys_are_refused() {
    let mut suite = Suite::new();
    let alice = suite.alice.clone();
    let g = key(KEY_G).to_vec();
    let mut uncompressed_prefix = g.clone();
    uncompressed_prefix[0] = 0x04;
    // x = 5 has no y on secp256k1.
    let mut off_curve = vec![0x02];
    off_curve.extend_from_slice(&[0u8; 31]);
    off_curve.push(5);
    let cases = [
        (g[..32].to_vec(), "32 bytes"),
        ([g.clone(), vec![0]].concat(), "34 bytes"),
        (vec![], "0 bytes"),
        (uncompressed_prefix, "prefix 0x04 is not a compressed point"),
        (off_curve, "not a point on secp256k1"),
    ];
    for (bytes, reason) in cases {
        let pubkey = HexBinary::from(bytes);
        let err = register_sensor(&mut suite, &alice, &pubkey, "s").unwrap_err();
        assert_eq!(
            contract_err(err),
            ContractError::InvalidSensorKey {
                reason: reason.to_string()
            }
        );
    }
    assert!(sensors_of(&suite, &alice, None, None).is_empty());
}

#[test]
fn bad_sensor_names_and_funds_are_refused() {
    let mut suite = Suite::new();
    let alice = suite.alice.clone();
    let g = key(KEY_G);
    for (name, len) in [
        (String::new(), 0),
        ("  ".to_string(), 0),
        ("x".repeat(MAX_SENSOR_NAME_LEN + 1), MAX_SENSOR_NAME_LEN + 1),
    ] {
        let err = register_sensor(&mut suite, &alice, &g, &name).unwrap_err();
        assert_eq!(
            contract_err(err),
            ContractError::InvalidSensorName {
                len,
                max: MAX_SENSOR_NAME_LEN
            }
        );
    }
    assert!(sensor(&suite, &g).is_err());

    let msg = ExecuteMsg::RegisterSensor {
        pubkey: g.clone(),
        name: "press".to_string(),
    };
    let err = suite.execute(&alice, &msg, &fee(1)).unwrap_err();
    assert_eq!(
        contract_err(err),
        ContractError::Payment(PaymentError::NonPayable {})
    );
    assert!(sensor(&suite, &g).is_err());

    suite.execute(&alice, &msg, &[]).unwrap();
    let remove = ExecuteMsg::RemoveSensor { pubkey: g.clone() };
    let err = suite.execute(&alice, &remove, &fee(1)).unwrap_err();
    assert_eq!(
        contract_err(err),
        ContractError::Payment(PaymentError::NonPayable {})
    );
    assert!(sensor(&suite, &g).is_ok());
}
