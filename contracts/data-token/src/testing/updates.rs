use cosmwasm_std::Uint128;
use twinshare_types::denom::{CheckedDenom, CheckedPrice, Denom, Price};

use super::{attr, metadata, partial, price, Suite};
use crate::msg::{Asset, CheckedOpenness, ExecuteMsg, Openness, QueryMsg};
use crate::ContractError;

#[test]
fn update_price() {
    let mut suite = Suite::new();
    let owner = suite.owner.clone();
    let id = suite.listed(Openness::Public);
    let cw20 = suite.addr("payment-token");
    let res = suite
        .exec(
            &owner,
            &ExecuteMsg::UpdatePrice {
                asset_id: id,
                price: Price {
                    amount: Uint128::new(250),
                    denom: Denom::Cw20(cw20.to_string()),
                },
            },
        )
        .unwrap();
    assert_eq!(attr(&res, "action"), "update_price");
    assert_eq!(attr(&res, "asset_id"), id.to_string());
    assert_eq!(attr(&res, "owner"), owner.to_string());
    assert_eq!(attr(&res, "price"), format!("250 cw20:{cw20}"));
    assert_eq!(
        suite.asset(id).price,
        CheckedPrice {
            amount: Uint128::new(250),
            denom: CheckedDenom::Cw20(cw20),
        }
    );
}

#[test]
fn update_openness_moves_the_asset_between_listings() {
    let mut suite = Suite::new();
    let owner = suite.owner.clone();
    let id = suite.listed(Openness::Public);
    assert_eq!(suite.public_assets(None, None), vec![id]);
    assert_eq!(suite.listed_assets(None, None), vec![id]);

    let buyer = suite.buyer.clone();
    let res = suite
        .exec(
            &owner,
            &ExecuteMsg::UpdateOpenness {
                asset_id: id,
                openness: partial(&[&buyer]),
            },
        )
        .unwrap();
    assert_eq!(attr(&res, "action"), "update_openness");
    assert_eq!(attr(&res, "openness"), "partial");
    assert_eq!(
        suite.asset(id).openness,
        CheckedOpenness::Partial {
            allowlist: vec![buyer]
        }
    );
    assert!(suite.public_assets(None, None).is_empty());
    assert_eq!(suite.listed_assets(None, None), vec![id]);

    let update = |openness| ExecuteMsg::UpdateOpenness {
        asset_id: id,
        openness,
    };
    suite.exec(&owner, &update(Openness::Private)).unwrap();
    assert_eq!(suite.asset(id).openness, CheckedOpenness::Private);
    assert!(suite.public_assets(None, None).is_empty());
    assert!(suite.listed_assets(None, None).is_empty());

    suite.exec(&owner, &update(Openness::Public)).unwrap();
    assert_eq!(suite.public_assets(None, None), vec![id]);
    assert_eq!(suite.listed_assets(None, None), vec![id]);
}

#[test]
fn update_allowlist_adds_and_removes() {
    let mut suite = Suite::new();
    let owner = suite.owner.clone();
    let (a, b, c, d) = (
        suite.addr("a"),
        suite.addr("b"),
        suite.addr("c"),
        suite.addr("d"),
    );
    let id = suite.listed(partial(&[&a, &b]));
    let res = suite
        .exec(
            &owner,
            &ExecuteMsg::UpdateAllowlist {
                asset_id: id,
                add: vec![d.to_string(), c.to_string()],
                remove: vec![a.to_string()],
            },
        )
        .unwrap();
    assert_eq!(attr(&res, "action"), "update_allowlist");
    assert_eq!(attr(&res, "added"), "2");
    assert_eq!(attr(&res, "removed"), "1");
    assert_eq!(attr(&res, "allowlist_len"), "3");
    let mut expected = vec![b, c, d];
    expected.sort();
    assert_eq!(
        suite.asset(id).openness,
        CheckedOpenness::Partial {
            allowlist: expected
        }
    );
}

#[test]
fn update_allowlist_may_fill_to_max_and_remove_only() {
    let mut suite = Suite::with_max(Some(3));
    let owner = suite.owner.clone();
    let (a, b, c) = (suite.addr("a"), suite.addr("b"), suite.addr("c"));
    let id = suite.listed(partial(&[&a]));
    suite
        .exec(
            &owner,
            &ExecuteMsg::UpdateAllowlist {
                asset_id: id,
                add: vec![b.to_string(), c.to_string()],
                remove: vec![],
            },
        )
        .unwrap();
    // Swapping at the max works: removals count before additions.
    let e = suite.addr("e");
    suite
        .exec(
            &owner,
            &ExecuteMsg::UpdateAllowlist {
                asset_id: id,
                add: vec![e.to_string()],
                remove: vec![a.to_string(), b.to_string()],
            },
        )
        .unwrap();
    let mut expected = vec![c, e];
    expected.sort();
    assert_eq!(
        suite.asset(id).openness,
        CheckedOpenness::Partial {
            allowlist: expected
        }
    );
}

#[test]
fn update_metadata() {
    let mut suite = Suite::new();
    let owner = suite.owner.clone();
    let id = suite.listed(Openness::Public);
    let mut meta = metadata();
    meta.data_kind = "simulation".to_string();
    meta.sampling_rate_hz = None;
    let res = suite
        .exec(
            &owner,
            &ExecuteMsg::UpdateMetadata {
                asset_id: id,
                metadata: meta.clone(),
            },
        )
        .unwrap();
    assert_eq!(attr(&res, "action"), "update_metadata");
    assert_eq!(attr(&res, "data_kind"), "simulation");
    assert_eq!(suite.asset(id).metadata, meta);
}

#[test]
fn delist_frees_the_record_and_leaves_the_listings() {
    let mut suite = Suite::new();
    let owner = suite.owner.clone();
    let id = suite.listed(Openness::Public);
    let record_id = suite.asset(id).record_id;
    let res = suite
        .exec(&owner, &ExecuteMsg::Delist { asset_id: id })
        .unwrap();
    assert_eq!(attr(&res, "action"), "delist");
    assert_eq!(attr(&res, "asset_id"), id.to_string());
    assert_eq!(attr(&res, "owner"), owner.to_string());
    assert_eq!(attr(&res, "record_id"), record_id.to_string());

    assert!(!suite.asset(id).listed);
    let by_record: Option<Asset> = suite.query(&QueryMsg::AssetByRecord { record_id }).unwrap();
    assert_eq!(by_record, None);
    assert!(suite.public_assets(None, None).is_empty());
    assert!(suite.listed_assets(None, None).is_empty());
    // The owner still sees its delisted asset.
    assert_eq!(suite.assets_by_owner(&owner, None, None), vec![id]);
}

#[test]
fn retokenize_after_delist() {
    let mut suite = Suite::new();
    let owner = suite.owner.clone();
    let old = suite.listed(Openness::Public);
    let record_id = suite.asset(old).record_id;
    suite
        .exec(&owner, &ExecuteMsg::Delist { asset_id: old })
        .unwrap();
    suite.tokenize(&owner, record_id, Openness::Public).unwrap();
    let new = suite.asset_id_of(record_id);
    assert_eq!(new, old + 1);
    assert!(suite.asset(new).listed);
    assert!(!suite.asset(old).listed);
    assert_eq!(suite.public_assets(None, None), vec![new]);
    assert_eq!(suite.assets_by_owner(&owner, None, None), vec![old, new]);

    // The old asset cannot be delisted again, which would unlink the record from the new one.
    let err = suite.exec_err(&owner, &ExecuteMsg::Delist { asset_id: old });
    assert_eq!(err, ContractError::AssetDelisted { asset_id: old });
    assert_eq!(suite.asset_id_of(record_id), new);
}

#[test]
fn updates_touch_only_their_asset() {
    let mut suite = Suite::new();
    let owner = suite.owner.clone();
    let first = suite.listed(Openness::Public);
    let second = suite.listed(Openness::Public);
    let before = suite.asset(second);
    suite
        .exec(
            &owner,
            &ExecuteMsg::UpdatePrice {
                asset_id: first,
                price: price(1),
            },
        )
        .unwrap();
    suite
        .exec(&owner, &ExecuteMsg::Delist { asset_id: first })
        .unwrap();
    assert_eq!(suite.asset(second), before);
    assert_eq!(suite.public_assets(None, None), vec![second]);
}
