use cosmwasm_std::{StdError, StdResult};
use twinshare_types::pagination::{DEFAULT_LIMIT, MAX_LIMIT};

use super::{partial, Suite, CHANNEL};
use crate::msg::{Asset, CanBuyResponse, ExecuteMsg, Openness, QueryMsg};

#[test]
fn asset_not_found_is_an_error() {
    let suite = Suite::new();
    let err = suite
        .query::<Asset>(&QueryMsg::Asset { id: 9 })
        .unwrap_err();
    assert!(err.to_string().contains("asset 9 not found"), "{err}");
}

#[test]
fn asset_by_record_without_asset_is_none() {
    let mut suite = Suite::new();
    let owner = suite.owner.clone();
    let record_id = suite.add_record(&owner, CHANNEL);
    let res: Option<Asset> = suite.query(&QueryMsg::AssetByRecord { record_id }).unwrap();
    assert_eq!(res, None);
}

#[test]
fn public_listing_pages_with_a_capped_limit() {
    let mut suite = Suite::new();
    let ids: Vec<u64> = (0..MAX_LIMIT + 5)
        .map(|_| suite.listed(Openness::Public))
        .collect();
    let n = |k: u32| ids[..k as usize].to_vec();
    assert_eq!(suite.public_assets(None, None), n(DEFAULT_LIMIT));
    assert_eq!(suite.public_assets(None, Some(1000)), n(MAX_LIMIT));
    assert_eq!(suite.public_assets(None, Some(3)), vec![1, 2, 3]);
    // start_after is exclusive.
    assert_eq!(suite.public_assets(Some(3), Some(2)), vec![4, 5]);
    assert_eq!(
        suite.public_assets(Some(MAX_LIMIT as u64), None),
        ids[MAX_LIMIT as usize..]
    );
    assert!(suite.public_assets(Some(1000), None).is_empty());
    assert_eq!(suite.listed_assets(None, Some(1000)), n(MAX_LIMIT));
    assert_eq!(suite.listed_assets(Some(10), Some(2)), vec![11, 12]);
}

#[test]
fn listings_hold_only_what_they_name() {
    let mut suite = Suite::new();
    let owner = suite.owner.clone();
    let buyer = suite.buyer.clone();
    let public = suite.listed(Openness::Public);
    let partial_id = suite.listed(partial(&[&buyer]));
    let _private = suite.listed(Openness::Private);
    let delisted = suite.listed(Openness::Public);
    suite
        .exec(&owner, &ExecuteMsg::Delist { asset_id: delisted })
        .unwrap();
    let public2 = suite.listed(Openness::Public);

    assert_eq!(suite.public_assets(None, None), vec![public, public2]);
    assert_eq!(
        suite.listed_assets(None, None),
        vec![public, partial_id, public2]
    );
    // A page after skipped ids still fills from the index.
    assert_eq!(suite.public_assets(Some(public), Some(1)), vec![public2]);
}

#[test]
fn assets_by_owner_pages_per_owner() {
    let mut suite = Suite::new();
    let owner = suite.owner.clone();
    let other = suite.addr("other-owner");
    suite.set_member(CHANNEL, &other, true);
    let mine: Vec<u64> = (0..4).map(|_| suite.listed(Openness::Public)).collect();
    let record = suite.add_record(&other, CHANNEL);
    suite.tokenize(&other, record, Openness::Private).unwrap();
    let theirs = suite.asset_id_of(record);
    suite
        .exec(&owner, &ExecuteMsg::Delist { asset_id: mine[1] })
        .unwrap();

    assert_eq!(suite.assets_by_owner(&owner, None, None), mine);
    assert_eq!(
        suite.assets_by_owner(&owner, Some(mine[0]), Some(2)),
        mine[1..3]
    );
    assert_eq!(suite.assets_by_owner(&other, None, None), vec![theirs]);
    assert!(suite
        .assets_by_owner(&suite.stranger, None, None)
        .is_empty());

    let bad: StdResult<crate::msg::AssetsResponse> = suite.query(&QueryMsg::AssetsByOwner {
        owner: owner.to_string().to_uppercase(),
        start_after: None,
        limit: None,
    });
    assert!(bad.is_err());
}

fn yes() -> CanBuyResponse {
    CanBuyResponse {
        can_buy: true,
        reason: None,
    }
}

fn no(reason: impl Into<String>) -> CanBuyResponse {
    CanBuyResponse {
        can_buy: false,
        reason: Some(reason.into()),
    }
}

#[test]
fn can_buy_public() {
    let mut suite = Suite::new();
    let id = suite.listed(Openness::Public);
    let buyer = suite.buyer.clone();
    let stranger = suite.stranger.clone();
    assert_eq!(suite.can_buy(id, buyer.as_str()), yes());
    assert_eq!(
        suite.can_buy(id, stranger.as_str()),
        no(format!(
            "{stranger} is not a member of channel \"{CHANNEL}\"; ask the channel admin to add it"
        ))
    );
    // Membership is asked live: a member who leaves may no longer buy.
    suite.set_member(CHANNEL, &buyer, false);
    assert!(!suite.can_buy(id, buyer.as_str()).can_buy);
}

#[test]
fn can_buy_partial() {
    let mut suite = Suite::new();
    let owner = suite.owner.clone();
    let buyer = suite.buyer.clone();
    let stranger = suite.stranger.clone();
    let outsider_member = suite.addr("member-not-listed");
    suite.set_member(CHANNEL, &outsider_member, true);
    let id = suite.listed(partial(&[&buyer, &stranger]));

    assert_eq!(suite.can_buy(id, buyer.as_str()), yes());
    assert_eq!(
        suite.can_buy(id, outsider_member.as_str()),
        no(format!(
            "{outsider_member} is not on the allowlist of asset {id}; ask its owner {owner} to add it"
        ))
    );
    // On the allowlist but not in the channel.
    assert_eq!(
        suite.can_buy(id, stranger.as_str()),
        no(format!(
            "{stranger} is not a member of channel \"{CHANNEL}\"; ask the channel admin to add it"
        ))
    );
}

#[test]
fn can_buy_private() {
    let mut suite = Suite::new();
    let id = suite.listed(Openness::Private);
    let buyer = suite.buyer.clone();
    assert_eq!(
        suite.can_buy(id, buyer.as_str()),
        no(format!(
            "asset {id} is private: its owner shares it with nobody"
        ))
    );
}

#[test]
fn can_buy_refuses_owner_delisted_and_bad_addresses() {
    let mut suite = Suite::new();
    let owner = suite.owner.clone();
    let buyer = suite.buyer.clone();
    let id = suite.listed(Openness::Public);

    assert_eq!(
        suite.can_buy(id, owner.as_str()),
        no(format!("{owner} owns asset {id}"))
    );

    let upper = buyer.to_string().to_uppercase();
    let res = suite.can_buy(id, &upper);
    assert!(!res.can_buy);
    assert!(res
        .reason
        .unwrap()
        .starts_with(&format!("invalid buyer address {upper:?}")),);
    assert!(!suite.can_buy(id, "").can_buy);

    suite
        .exec(&owner, &ExecuteMsg::Delist { asset_id: id })
        .unwrap();
    assert_eq!(
        suite.can_buy(id, buyer.as_str()),
        no(format!("asset {id} is delisted"))
    );
}

#[test]
fn can_buy_unknown_asset_is_an_error() {
    let suite = Suite::new();
    let err: StdError = suite
        .query::<CanBuyResponse>(&QueryMsg::CanBuy {
            asset_id: 42,
            buyer: suite.buyer.to_string(),
        })
        .unwrap_err();
    assert!(err.to_string().contains("asset 42 not found"), "{err}");
}
