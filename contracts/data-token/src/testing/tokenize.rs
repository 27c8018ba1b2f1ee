use cosmwasm_std::Uint128;
use twinshare_types::denom::{CheckedDenom, CheckedPrice, Denom, Price};

use super::{attr, metadata, partial, price, Suite, CHANNEL, DENOM};
use crate::msg::{
    Asset, AssetMetadata, CheckedOpenness, ExecuteMsg, Openness, QueryMsg, MAX_DESCRIPTION_LEN,
    MAX_TEXT_LEN,
};

#[test]
fn tokenize_copies_the_record() {
    let mut suite = Suite::new();
    let owner = suite.owner.clone();
    let record_id = suite.add_record(&owner, CHANNEL);
    let res = suite.tokenize(&owner, record_id, Openness::Public).unwrap();
    assert_eq!(attr(&res, "action"), "tokenize");
    assert_eq!(attr(&res, "asset_id"), "1");
    assert_eq!(attr(&res, "record_id"), record_id.to_string());
    assert_eq!(attr(&res, "owner"), owner.to_string());
    assert_eq!(attr(&res, "channel"), CHANNEL);
    assert_eq!(attr(&res, "price"), format!("100 {DENOM}"));
    assert_eq!(attr(&res, "openness"), "public");

    let record = suite.record(record_id);
    let expected = Asset {
        id: 1,
        record_id,
        owner: owner.clone(),
        channel: record.channel,
        provider: record.provider,
        hash: record.hash,
        size: record.size,
        level: record.level,
        price: CheckedPrice {
            amount: Uint128::new(100),
            denom: CheckedDenom::Native(DENOM.to_string()),
        },
        openness: CheckedOpenness::Public,
        metadata: metadata(),
        listed: true,
    };
    assert_eq!(suite.asset(1), expected);
    let by_record: Option<Asset> = suite.query(&QueryMsg::AssetByRecord { record_id }).unwrap();
    assert_eq!(by_record, Some(expected));
    assert_eq!(suite.assets_by_owner(&owner, None, None), vec![1]);
}

#[test]
fn asset_ids_count_from_one() {
    let mut suite = Suite::new();
    let ids: Vec<u64> = (0..3).map(|_| suite.listed(Openness::Public)).collect();
    assert_eq!(ids, vec![1, 2, 3]);
}

#[test]
fn each_record_has_its_own_asset() {
    let mut suite = Suite::new();
    let owner = suite.owner.clone();
    let r1 = suite.add_record(&owner, CHANNEL);
    let r2 = suite.add_record(&owner, CHANNEL);
    suite.tokenize(&owner, r2, Openness::Public).unwrap();
    suite.tokenize(&owner, r1, Openness::Private).unwrap();
    assert_eq!(suite.asset_id_of(r2), 1);
    assert_eq!(suite.asset_id_of(r1), 2);
    assert_eq!(suite.asset(2).record_id, r1);
}

#[test]
fn partial_allowlist_is_stored_sorted() {
    let mut suite = Suite::new();
    let mut addrs: Vec<_> = ["d", "a", "c", "b"].iter().map(|n| suite.addr(n)).collect();
    let id = suite.listed(partial(&addrs.iter().collect::<Vec<_>>()));
    addrs.sort();
    assert_eq!(
        suite.asset(id).openness,
        CheckedOpenness::Partial { allowlist: addrs }
    );
}

#[test]
fn allowlist_may_be_exactly_max() {
    let mut suite = Suite::with_max(Some(2));
    let (a, b) = (suite.addr("a"), suite.addr("b"));
    let id = suite.listed(partial(&[&a, &b]));
    assert!(matches!(
        suite.asset(id).openness,
        CheckedOpenness::Partial { allowlist } if allowlist.len() == 2
    ));
}

#[test]
fn cw20_price() {
    let mut suite = Suite::new();
    let owner = suite.owner.clone();
    let cw20 = suite.addr("payment-token");
    let record_id = suite.add_record(&owner, CHANNEL);
    suite
        .exec(
            &owner,
            &ExecuteMsg::Tokenize {
                record_id,
                price: Price {
                    amount: Uint128::new(7),
                    denom: Denom::Cw20(cw20.to_string()),
                },
                openness: Openness::Public,
                metadata: metadata(),
            },
        )
        .unwrap();
    assert_eq!(
        suite.asset(1).price,
        CheckedPrice {
            amount: Uint128::new(7),
            denom: CheckedDenom::Cw20(cw20),
        }
    );
}

#[test]
fn metadata_at_its_limits_is_accepted() {
    let mut suite = Suite::new();
    let owner = suite.owner.clone();
    let record_id = suite.add_record(&owner, CHANNEL);
    let long = "x".repeat(MAX_TEXT_LEN);
    let meta = AssetMetadata {
        data_kind: long.clone(),
        equipment: Some(long.clone()),
        sampling_rate_hz: None,
        time_range: Some(twinshare_types::token::TimeRange { start: 5, end: 5 }),
        schema: Some(long),
        description: "d".repeat(MAX_DESCRIPTION_LEN),
    };
    suite
        .exec(
            &owner,
            &ExecuteMsg::Tokenize {
                record_id,
                price: price(1),
                openness: Openness::Public,
                metadata: meta.clone(),
            },
        )
        .unwrap();
    assert_eq!(suite.asset(1).metadata, meta);
}

#[test]
fn minimal_metadata_is_accepted() {
    let mut suite = Suite::new();
    let owner = suite.owner.clone();
    let record_id = suite.add_record(&owner, CHANNEL);
    let meta = AssetMetadata {
        data_kind: "process-plan".to_string(),
        equipment: None,
        sampling_rate_hz: None,
        time_range: None,
        schema: None,
        description: String::new(),
    };
    suite
        .exec(
            &owner,
            &ExecuteMsg::Tokenize {
                record_id,
                price: price(1),
                openness: Openness::Private,
                metadata: meta,
            },
        )
        .unwrap();
    assert_eq!(suite.asset(1).openness, CheckedOpenness::Private);
}
