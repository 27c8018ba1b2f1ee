//! Every authorization check and every bad input, each asserting the exact error.

use cosmwasm_std::{Addr, Uint128};
use cw_utils::PaymentError;
use twinshare_types::denom::{validate_addr, Denom, Price};
use twinshare_types::CommonError;

use super::{metadata, partial, price, tokenize_msg, Suite, CHANNEL};
use crate::msg::{
    AssetMetadata, ExecuteMsg, Openness, TimeRange, MAX_DESCRIPTION_LEN, MAX_TEXT_LEN,
};
use crate::ContractError;

/// The error `validate_addr` gives for `address`, as the contract wraps it.
fn invalid_addr(suite: &Suite, what: &'static str, address: &str) -> ContractError {
    ContractError::Common(validate_addr(suite.app.api(), what, address).unwrap_err())
}

/// Every execute arm, aimed at `asset_id` (or its record for `Tokenize`).
fn all_arms(suite: &Suite, asset_id: u64, record_id: u64) -> Vec<ExecuteMsg> {
    vec![
        tokenize_msg(record_id, Openness::Public),
        ExecuteMsg::UpdatePrice {
            asset_id,
            price: price(5),
        },
        ExecuteMsg::UpdateOpenness {
            asset_id,
            openness: Openness::Private,
        },
        ExecuteMsg::UpdateAllowlist {
            asset_id,
            add: vec![suite.addr("x").to_string()],
            remove: vec![],
        },
        ExecuteMsg::UpdateMetadata {
            asset_id,
            metadata: metadata(),
        },
        ExecuteMsg::Delist { asset_id },
    ]
}

// ---- Tokenize: who may ----

#[test]
fn non_owner_cannot_tokenize() {
    let mut suite = Suite::new();
    let owner = suite.owner.clone();
    let buyer = suite.buyer.clone();
    let record_id = suite.add_record(&owner, CHANNEL);
    let err = suite.exec_err(&buyer, &tokenize_msg(record_id, Openness::Public));
    assert_eq!(err, ContractError::NotRecordOwner { record_id, owner });
}

#[test]
fn owner_who_left_the_channel_cannot_tokenize() {
    let mut suite = Suite::new();
    let owner = suite.owner.clone();
    let record_id = suite.add_record(&owner, CHANNEL);
    suite.set_member(CHANNEL, &owner, false);
    let err = suite.exec_err(&owner, &tokenize_msg(record_id, Openness::Public));
    assert_eq!(
        err,
        ContractError::NotChannelMember {
            channel: CHANNEL.to_string(),
            address: owner,
        }
    );
}

#[test]
fn membership_of_another_channel_does_not_count() {
    let mut suite = Suite::new();
    let owner = suite.owner.clone();
    let record_id = suite.add_record(&owner, "plant-2");
    let err = suite.exec_err(&owner, &tokenize_msg(record_id, Openness::Public));
    assert_eq!(
        err,
        ContractError::NotChannelMember {
            channel: "plant-2".to_string(),
            address: owner,
        }
    );
}

#[test]
fn missing_record() {
    let mut suite = Suite::new();
    let owner = suite.owner.clone();
    let err = suite.exec_err(&owner, &tokenize_msg(77, Openness::Public));
    assert_eq!(err, ContractError::RecordNotFound { record_id: 77 });
}

#[test]
fn double_tokenize() {
    let mut suite = Suite::new();
    let owner = suite.owner.clone();
    let asset_id = suite.listed(Openness::Public);
    let record_id = suite.asset(asset_id).record_id;
    let err = suite.exec_err(&owner, &tokenize_msg(record_id, Openness::Private));
    assert_eq!(
        err,
        ContractError::AlreadyTokenized {
            record_id,
            asset_id
        }
    );
}

// ---- Tokenize: bad inputs ----

/// Tokenizes a fresh record of the owner with the given parts; returns the error.
fn tokenize_err(
    suite: &mut Suite,
    price: Price,
    openness: Openness,
    metadata: AssetMetadata,
) -> ContractError {
    let owner = suite.owner.clone();
    let record_id = suite.add_record(&owner, CHANNEL);
    suite.exec_err(
        &owner,
        &ExecuteMsg::Tokenize {
            record_id,
            price,
            openness,
            metadata,
        },
    )
}

#[test]
fn zero_price() {
    let mut suite = Suite::new();
    let err = tokenize_err(&mut suite, price(0), Openness::Public, metadata());
    assert_eq!(err, ContractError::ZeroPrice);
}

#[test]
fn bad_cw20_address_in_price() {
    let mut suite = Suite::new();
    for bad in [
        suite.addr("token").to_string().to_uppercase(),
        "not-an-address".to_string(),
    ] {
        let p = Price {
            amount: Uint128::new(1),
            denom: Denom::Cw20(bad.clone()),
        };
        let err = tokenize_err(&mut suite, p, Openness::Public, metadata());
        assert_eq!(err, invalid_addr(&suite, "cw20 token", &bad));
    }
}

#[test]
fn bad_native_denom_in_price() {
    let mut suite = Suite::new();
    let p = Price {
        amount: Uint128::new(1),
        denom: Denom::Native("u$".to_string()),
    };
    let err = tokenize_err(&mut suite, p, Openness::Public, metadata());
    assert_eq!(
        err,
        ContractError::Common(CommonError::InvalidDenom {
            denom: "u$".to_string()
        })
    );
}

#[test]
fn uppercase_address_in_allowlist() {
    let mut suite = Suite::new();
    let upper = suite.buyer.to_string().to_uppercase();
    let openness = Openness::Partial {
        allowlist: vec![upper.clone()],
    };
    let err = tokenize_err(&mut suite, price(1), openness, metadata());
    assert_eq!(err, invalid_addr(&suite, "allowlist", &upper));
}

#[test]
fn allowlist_over_max() {
    let mut suite = Suite::with_max(Some(2));
    let addrs: Vec<Addr> = ["a", "b", "c"].iter().map(|n| suite.addr(n)).collect();
    let openness = partial(&addrs.iter().collect::<Vec<_>>());
    let err = tokenize_err(&mut suite, price(1), openness, metadata());
    assert_eq!(err, ContractError::AllowlistTooLong { len: 3, max: 2 });
}

#[test]
fn empty_allowlist() {
    let mut suite = Suite::new();
    let err = tokenize_err(&mut suite, price(1), partial(&[]), metadata());
    assert_eq!(err, ContractError::EmptyAllowlist);
}

#[test]
fn duplicate_in_allowlist() {
    let mut suite = Suite::new();
    let (a, b) = (suite.addr("a"), suite.addr("b"));
    let err = tokenize_err(&mut suite, price(1), partial(&[&a, &b, &a]), metadata());
    assert_eq!(err, ContractError::DuplicateAddress { address: a });
}

#[test]
fn owner_in_allowlist() {
    let mut suite = Suite::new();
    let owner = suite.owner.clone();
    let buyer = suite.buyer.clone();
    let err = tokenize_err(&mut suite, price(1), partial(&[&buyer, &owner]), metadata());
    assert_eq!(err, ContractError::OwnerInAllowlist { owner });
}

#[test]
fn bad_metadata() {
    let mut suite = Suite::new();
    let long = "x".repeat(MAX_TEXT_LEN + 1);
    let cases: Vec<(AssetMetadata, ContractError)> = vec![
        (
            AssetMetadata {
                data_kind: String::new(),
                ..metadata()
            },
            ContractError::EmptyDataKind,
        ),
        (
            AssetMetadata {
                data_kind: "  ".to_string(),
                ..metadata()
            },
            ContractError::EmptyDataKind,
        ),
        (
            AssetMetadata {
                data_kind: long.clone(),
                ..metadata()
            },
            ContractError::TextTooLong {
                field: "data_kind",
                len: MAX_TEXT_LEN + 1,
                max: MAX_TEXT_LEN,
            },
        ),
        (
            AssetMetadata {
                equipment: Some(long.clone()),
                ..metadata()
            },
            ContractError::TextTooLong {
                field: "equipment",
                len: MAX_TEXT_LEN + 1,
                max: MAX_TEXT_LEN,
            },
        ),
        (
            AssetMetadata {
                schema: Some(long),
                ..metadata()
            },
            ContractError::TextTooLong {
                field: "schema",
                len: MAX_TEXT_LEN + 1,
                max: MAX_TEXT_LEN,
            },
        ),
        (
            AssetMetadata {
                description: "d".repeat(MAX_DESCRIPTION_LEN + 1),
                ..metadata()
            },
            ContractError::TextTooLong {
                field: "description",
                len: MAX_DESCRIPTION_LEN + 1,
                max: MAX_DESCRIPTION_LEN,
            },
        ),
        (
            AssetMetadata {
                time_range: Some(TimeRange { start: 10, end: 9 }),
                ..metadata()
            },
            ContractError::InvalidTimeRange { start: 10, end: 9 },
        ),
    ];
    for (meta, expected) in cases {
        let err = tokenize_err(&mut suite, price(1), Openness::Public, meta.clone());
        assert_eq!(err, expected, "{meta:?}");
    }
    // Nothing was tokenized by the failures.
    assert!(suite.listed_assets(None, None).is_empty());
}

// ---- Updates: who may, and on what ----

#[test]
fn non_owner_cannot_update_or_delist() {
    let mut suite = Suite::new();
    let owner = suite.owner.clone();
    let buyer = suite.buyer.clone();
    let asset_id = suite.listed(partial(&[&buyer]));
    let before = suite.asset(asset_id);
    for msg in all_arms(&suite, asset_id, 0).into_iter().skip(1) {
        let err = suite.exec_err(&buyer, &msg);
        assert_eq!(
            err,
            ContractError::NotAssetOwner {
                asset_id,
                owner: owner.clone()
            },
            "{msg:?}"
        );
    }
    assert_eq!(suite.asset(asset_id), before);
}

#[test]
fn non_owner_is_refused_before_delisted() {
    let mut suite = Suite::new();
    let owner = suite.owner.clone();
    let buyer = suite.buyer.clone();
    let asset_id = suite.listed(Openness::Public);
    suite
        .exec(&owner, &ExecuteMsg::Delist { asset_id })
        .unwrap();
    let err = suite.exec_err(&buyer, &ExecuteMsg::Delist { asset_id });
    assert_eq!(err, ContractError::NotAssetOwner { asset_id, owner });
}

#[test]
fn updates_on_delisted_asset() {
    let mut suite = Suite::new();
    let owner = suite.owner.clone();
    let buyer = suite.buyer.clone();
    let asset_id = suite.listed(partial(&[&buyer]));
    suite
        .exec(&owner, &ExecuteMsg::Delist { asset_id })
        .unwrap();
    let before = suite.asset(asset_id);
    for msg in all_arms(&suite, asset_id, 0).into_iter().skip(1) {
        let err = suite.exec_err(&owner, &msg);
        assert_eq!(err, ContractError::AssetDelisted { asset_id }, "{msg:?}");
    }
    assert_eq!(suite.asset(asset_id), before);
}

#[test]
fn updates_on_unknown_asset() {
    let mut suite = Suite::new();
    let owner = suite.owner.clone();
    for msg in all_arms(&suite, 5, 0).into_iter().skip(1) {
        let err = suite.exec_err(&owner, &msg);
        assert_eq!(err, ContractError::AssetNotFound { asset_id: 5 }, "{msg:?}");
    }
}

#[test]
fn funds_are_refused_by_every_arm() {
    let mut suite = Suite::new();
    let owner = suite.owner.clone();
    let asset_id = suite.listed(partial(&[&suite.buyer.clone()]));
    let record_id = suite.add_record(&owner, CHANNEL);
    for msg in all_arms(&suite, asset_id, record_id) {
        let err = suite.exec_with_funds_err(&owner, &msg);
        assert_eq!(
            err,
            ContractError::Payment(PaymentError::NonPayable {}),
            "{msg:?}"
        );
    }
}

#[test]
fn bad_inputs_to_updates() {
    let mut suite = Suite::new();
    let owner = suite.owner.clone();
    let asset_id = suite.listed(Openness::Public);
    let before = suite.asset(asset_id);
    let err = suite.exec_err(
        &owner,
        &ExecuteMsg::UpdatePrice {
            asset_id,
            price: price(0),
        },
    );
    assert_eq!(err, ContractError::ZeroPrice);
    let err = suite.exec_err(
        &owner,
        &ExecuteMsg::UpdateOpenness {
            asset_id,
            openness: partial(&[&owner]),
        },
    );
    assert_eq!(
        err,
        ContractError::OwnerInAllowlist {
            owner: owner.clone()
        }
    );
    let err = suite.exec_err(
        &owner,
        &ExecuteMsg::UpdateOpenness {
            asset_id,
            openness: partial(&[]),
        },
    );
    assert_eq!(err, ContractError::EmptyAllowlist);
    let err = suite.exec_err(
        &owner,
        &ExecuteMsg::UpdateMetadata {
            asset_id,
            metadata: AssetMetadata {
                data_kind: String::new(),
                ..metadata()
            },
        },
    );
    assert_eq!(err, ContractError::EmptyDataKind);
    assert_eq!(suite.asset(asset_id), before);
}

// ---- UpdateAllowlist ----

#[test]
fn update_allowlist_needs_partial() {
    let mut suite = Suite::new();
    let owner = suite.owner.clone();
    let buyer = suite.buyer.clone();
    for openness in [Openness::Public, Openness::Private] {
        let asset_id = suite.listed(openness);
        let err = suite.exec_err(
            &owner,
            &ExecuteMsg::UpdateAllowlist {
                asset_id,
                add: vec![buyer.to_string()],
                remove: vec![],
            },
        );
        assert_eq!(err, ContractError::NotPartial { asset_id });
    }
}

/// Runs an `UpdateAllowlist` by the owner on a `Partial` asset listing `a` and `b`.
fn allowlist_err(suite: &mut Suite, add: &[String], remove: &[String]) -> ContractError {
    let (a, b) = (suite.addr("a"), suite.addr("b"));
    let asset_id = suite.listed(partial(&[&a, &b]));
    let before = suite.asset(asset_id);
    let owner = suite.owner.clone();
    let err = suite.exec_err(
        &owner,
        &ExecuteMsg::UpdateAllowlist {
            asset_id,
            add: add.to_vec(),
            remove: remove.to_vec(),
        },
    );
    assert_eq!(suite.asset(asset_id), before);
    err
}

#[test]
fn removing_a_non_entry() {
    let mut suite = Suite::new();
    let c = suite.addr("c");
    let err = allowlist_err(&mut suite, &[], &[c.to_string()]);
    // Assets are numbered from 1 in a fresh suite.
    assert_eq!(
        err,
        ContractError::NotOnAllowlist {
            asset_id: 1,
            address: c
        }
    );
}

#[test]
fn adding_an_entry_twice() {
    let mut suite = Suite::new();
    let a = suite.addr("a");
    let err = allowlist_err(&mut suite, &[a.to_string()], &[]);
    assert_eq!(
        err,
        ContractError::AlreadyOnAllowlist {
            asset_id: 1,
            address: a
        }
    );
}

#[test]
fn adding_the_owner() {
    let mut suite = Suite::new();
    let owner = suite.owner.clone();
    let err = allowlist_err(&mut suite, &[owner.to_string()], &[]);
    assert_eq!(err, ContractError::OwnerInAllowlist { owner });
}

#[test]
fn duplicates_in_an_update() {
    let mut suite = Suite::new();
    let (a, c) = (suite.addr("a"), suite.addr("c"));
    let err = allowlist_err(&mut suite, &[c.to_string(), c.to_string()], &[]);
    assert_eq!(err, ContractError::DuplicateAddress { address: c });
    let err = allowlist_err(&mut suite, &[], &[a.to_string(), a.to_string()]);
    assert_eq!(err, ContractError::DuplicateAddress { address: a.clone() });
    // The same address both added and removed.
    let err = allowlist_err(&mut suite, &[a.to_string()], &[a.to_string()]);
    assert_eq!(err, ContractError::DuplicateAddress { address: a });
}

#[test]
fn uppercase_address_in_an_update() {
    let mut suite = Suite::new();
    let upper = suite.addr("a").to_string().to_uppercase();
    let expected = invalid_addr(&suite, "allowlist", &upper);
    assert_eq!(
        allowlist_err(&mut suite, std::slice::from_ref(&upper), &[]),
        expected
    );
    assert_eq!(allowlist_err(&mut suite, &[], &[upper]), expected);
}

#[test]
fn removing_everyone_suggests_private() {
    let mut suite = Suite::new();
    let (a, b) = (suite.addr("a"), suite.addr("b"));
    let err = allowlist_err(&mut suite, &[], &[a.to_string(), b.to_string()]);
    assert_eq!(err, ContractError::EmptyAllowlist);
}

#[test]
fn empty_update() {
    let mut suite = Suite::new();
    let err = allowlist_err(&mut suite, &[], &[]);
    assert_eq!(err, ContractError::EmptyAllowlistUpdate);
}

#[test]
fn update_over_max() {
    let mut suite = Suite::with_max(Some(3));
    let (c, d) = (suite.addr("c"), suite.addr("d"));
    // a, b + c, d = 4 > 3.
    let err = allowlist_err(&mut suite, &[c.to_string(), d.to_string()], &[]);
    assert_eq!(err, ContractError::AllowlistTooLong { len: 4, max: 3 });
    // A list longer than a whole allowlist is refused before its addresses are read.
    let many: Vec<String> = (0..4).map(|i| format!("junk{i}")).collect();
    let err = allowlist_err(&mut suite, &many, &[]);
    assert_eq!(err, ContractError::AllowlistTooLong { len: 4, max: 3 });
    let err = allowlist_err(&mut suite, &[], &many);
    assert_eq!(err, ContractError::AllowlistTooLong { len: 4, max: 3 });
}
