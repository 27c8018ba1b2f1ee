//! The sale from purchase to payout or refund, with exact balances, on both doors and every
//! deadline path.

use cosmwasm_std::{coin, Binary, Timestamp};

use super::*;
use crate::msg::{SaleStatus, DEFAULT_MAX_KFRAGS_BYTES};

const SELLER_SHARE: u128 = 975;
const RELAYER_FEE: u128 = 25;

fn pending(suite: &Suite) -> Vec<u64> {
    let response: SalesResponse = suite
        .app
        .wrap()
        .query_wasm_smart(
            &suite.escrow,
            &QueryMsg::PendingDeliveries {
                relayer: suite.relayer.to_string(),
                start_after: None,
                limit: None,
            },
        )
        .unwrap();
    response.sales.into_iter().map(|s| s.id).collect()
}

fn update_config(suite: &mut Suite, fee_bps: u16) {
    let admin = suite.admin.clone();
    suite
        .exec(
            &admin,
            &ExecuteMsg::UpdateConfig {
                admin: None,
                arbiter: None,
                relayer_fee_bps: Some(fee_bps),
                rekey_timeout_secs: None,
                delivery_timeout_secs: None,
                dispute_window_secs: None,
                max_kfrags_bytes: None,
            },
            &[],
        )
        .unwrap();
}

#[test]
fn native_happy_path_pays_seller_and_relayer_exactly() {
    let mut suite = Suite::new();
    let start = suite.app.block_info().time;
    let id = suite.bought_native();
    assert_eq!(id, 1);
    assert_eq!(suite.native_balance(&suite.buyer), START_BALANCE - PRICE);
    assert_eq!(suite.native_balance(&suite.escrow), PRICE);

    let sale = suite.sale(id);
    assert_eq!(
        sale,
        Sale {
            id: 1,
            asset_id: NATIVE_ASSET,
            channel: "plant-1".to_string(),
            buyer: suite.buyer.clone(),
            seller: suite.seller.clone(),
            provider: suite.provider.clone(),
            relayer: suite.relayer.clone(),
            buyer_pubkey: buyer_pubkey(),
            relayer_pubkey: HexBinary::from_hex(RELAYER_PUBKEY).unwrap(),
            price: CheckedPrice {
                amount: Uint128::new(PRICE),
                denom: CheckedDenom::Native(DENOM.to_string()),
            },
            relayer_fee: Uint128::new(RELAYER_FEE),
            level: Level::High {
                fee: Uint128::new(HIGH_FEE)
            },
            status: SaleStatus::Paid,
            created_at: start,
            rekey_deadline: start.plus_seconds(REKEY_TIMEOUT),
            delivery_deadline: None,
            dispute_deadline: None,
            kfrags: None,
            cfrag_locator: None,
            cfrag_hash: None,
            dispute_reason: None,
        }
    );

    suite.advance(60);
    suite.submit_rekey(id).unwrap();
    let sale = suite.sale(id);
    assert_eq!(sale.status, SaleStatus::ReKeySubmitted);
    assert_eq!(sale.kfrags, Some(Binary::from(vec![7u8; 300])));
    assert_eq!(
        sale.delivery_deadline,
        Some(start.plus_seconds(60 + DELIVERY_TIMEOUT))
    );
    assert_eq!(pending(&suite), vec![id]);

    suite.advance(60);
    suite.report_delivery(id).unwrap();
    let sale = suite.sale(id);
    assert_eq!(sale.status, SaleStatus::Delivered);
    assert_eq!(sale.cfrag_locator.as_deref(), Some("s3://bucket/cfrags/1"));
    assert_eq!(sale.cfrag_hash, Some(HexBinary::from(vec![0x11; 32])));
    assert_eq!(
        sale.dispute_deadline,
        Some(start.plus_seconds(120 + DISPUTE_WINDOW))
    );
    assert!(pending(&suite).is_empty());
    // Nothing moves before the confirmation.
    assert_eq!(suite.native_balance(&suite.escrow), PRICE);

    suite.confirm(id).unwrap();
    assert_eq!(suite.sale(id).status, SaleStatus::Confirmed);
    assert_eq!(suite.native_balance(&suite.buyer), START_BALANCE - PRICE);
    assert_eq!(suite.native_balance(&suite.seller), SELLER_SHARE);
    assert_eq!(suite.native_balance(&suite.relayer), RELAYER_FEE);
    assert_eq!(suite.native_balance(&suite.escrow), 0);

    // The open purchase is gone: the buyer may buy the asset again.
    assert_eq!(suite.bought_native(), 2);
}

#[test]
fn cw20_happy_path_pays_seller_and_relayer_exactly() {
    let mut suite = Suite::new();
    let cw20 = suite.cw20.clone();
    let id = suite.bought_cw20();
    assert_eq!(
        suite.cw20_balance(&cw20, &suite.buyer),
        START_BALANCE - PRICE
    );
    assert_eq!(suite.cw20_balance(&cw20, &suite.escrow), PRICE);
    let sale = suite.sale(id);
    assert_eq!(sale.buyer, suite.buyer);
    assert_eq!(sale.asset_id, CW20_ASSET);
    assert_eq!(sale.price.denom, CheckedDenom::Cw20(cw20.clone()));
    assert_eq!(sale.level, Level::Low);
    assert_eq!(sale.relayer_fee, Uint128::new(RELAYER_FEE));

    suite.submit_rekey(id).unwrap();
    suite.report_delivery(id).unwrap();
    suite.confirm(id).unwrap();

    assert_eq!(suite.sale(id).status, SaleStatus::Confirmed);
    assert_eq!(
        suite.cw20_balance(&cw20, &suite.buyer),
        START_BALANCE - PRICE
    );
    assert_eq!(suite.cw20_balance(&cw20, &suite.seller), SELLER_SHARE);
    assert_eq!(suite.cw20_balance(&cw20, &suite.relayer), RELAYER_FEE);
    assert_eq!(suite.cw20_balance(&cw20, &suite.escrow), 0);
    // No native coin moved.
    assert_eq!(suite.native_balance(&suite.buyer), START_BALANCE);
    assert_eq!(suite.native_balance(&suite.escrow), 0);
}

#[test]
fn relayer_fee_rounds_down() {
    let mut suite = Suite::new();
    // 999 * 2.5% = 24.975 -> 24; the seller gets 975.
    let asset = suite.asset(
        7,
        CheckedPrice {
            amount: Uint128::new(999),
            denom: CheckedDenom::Native(DENOM.to_string()),
        },
        Level::Low,
    );
    suite.set_asset(asset);
    let buyer = suite.buyer.clone();
    suite.buy_native(&buyer, 7, &[coin(999, DENOM)]).unwrap();
    assert_eq!(suite.sale(1).relayer_fee, Uint128::new(24));
    suite.submit_rekey(1).unwrap();
    suite.report_delivery(1).unwrap();
    suite.confirm(1).unwrap();
    assert_eq!(suite.native_balance(&suite.seller), 975);
    assert_eq!(suite.native_balance(&suite.relayer), 24);
    assert_eq!(suite.native_balance(&suite.escrow), 0);
}

#[test]
fn zero_fee_skips_the_relayer_transfer_on_cw20() {
    // cw20 refuses a zero transfer: a zero fee must not be sent at all.
    let mut suite = Suite::new();
    update_config(&mut suite, 0);
    let cw20 = suite.cw20.clone();
    let id = suite.bought_cw20();
    assert_eq!(suite.sale(id).relayer_fee, Uint128::zero());
    suite.submit_rekey(id).unwrap();
    suite.report_delivery(id).unwrap();
    suite.confirm(id).unwrap();
    assert_eq!(suite.cw20_balance(&cw20, &suite.seller), PRICE);
    assert_eq!(suite.cw20_balance(&cw20, &suite.relayer), 0);
    assert_eq!(suite.cw20_balance(&cw20, &suite.escrow), 0);
}

#[test]
fn full_fee_skips_the_seller_transfer_on_cw20() {
    let mut suite = Suite::new();
    update_config(&mut suite, 10_000);
    let cw20 = suite.cw20.clone();
    let id = suite.bought_cw20();
    suite.submit_rekey(id).unwrap();
    suite.report_delivery(id).unwrap();
    suite.confirm(id).unwrap();
    assert_eq!(suite.cw20_balance(&cw20, &suite.seller), 0);
    assert_eq!(suite.cw20_balance(&cw20, &suite.relayer), PRICE);
}

#[test]
fn fee_is_fixed_at_purchase() {
    let mut suite = Suite::new();
    let id = suite.bought_native();
    update_config(&mut suite, 5_000);
    suite.submit_rekey(id).unwrap();
    suite.report_delivery(id).unwrap();
    suite.confirm(id).unwrap();
    assert_eq!(suite.native_balance(&suite.seller), SELLER_SHARE);
    assert_eq!(suite.native_balance(&suite.relayer), RELAYER_FEE);
}

#[test]
fn free_native_asset_needs_no_funds_and_pays_nothing() {
    let mut suite = Suite::new();
    let asset = suite.asset(
        8,
        CheckedPrice {
            amount: Uint128::zero(),
            denom: CheckedDenom::Native(DENOM.to_string()),
        },
        Level::Low,
    );
    suite.set_asset(asset);
    let buyer = suite.buyer.clone();
    suite.buy_native(&buyer, 8, &[]).unwrap();
    suite.submit_rekey(1).unwrap();
    suite.report_delivery(1).unwrap();
    suite.confirm(1).unwrap();
    assert_eq!(suite.sale(1).status, SaleStatus::Confirmed);
    assert_eq!(suite.native_balance(&suite.seller), 0);
}

#[test]
fn refund_after_the_rekey_deadline() {
    let mut suite = Suite::new();
    let id = suite.bought_native();
    suite.advance(REKEY_TIMEOUT);
    // The seller is too late...
    let deadline = suite.sale(id).rekey_deadline;
    assert_eq!(
        contract_err(suite.submit_rekey(id)),
        ContractError::DeadlinePassed {
            sale_id: id,
            deadline
        }
    );
    // ...and the buyer takes the payment back.
    suite.refund(id).unwrap();
    assert_eq!(suite.sale(id).status, SaleStatus::Refunded);
    assert_eq!(suite.native_balance(&suite.buyer), START_BALANCE);
    assert_eq!(suite.native_balance(&suite.escrow), 0);
    assert_eq!(suite.native_balance(&suite.seller), 0);
    // The buyer may buy again.
    assert_eq!(suite.bought_native(), 2);
}

#[test]
fn rekey_just_before_the_deadline_is_accepted() {
    let mut suite = Suite::new();
    let id = suite.bought_native();
    suite.advance(REKEY_TIMEOUT - 1);
    suite.submit_rekey(id).unwrap();
}

#[test]
fn refund_after_the_delivery_deadline_on_cw20() {
    let mut suite = Suite::new();
    let cw20 = suite.cw20.clone();
    let id = suite.bought_cw20();
    suite.submit_rekey(id).unwrap();
    assert_eq!(pending(&suite), vec![id]);
    suite.advance(DELIVERY_TIMEOUT);
    let deadline = suite.sale(id).delivery_deadline.unwrap();
    assert_eq!(
        contract_err(suite.report_delivery(id)),
        ContractError::DeadlinePassed {
            sale_id: id,
            deadline
        }
    );
    suite.refund(id).unwrap();
    assert_eq!(suite.sale(id).status, SaleStatus::Refunded);
    assert_eq!(suite.cw20_balance(&cw20, &suite.buyer), START_BALANCE);
    assert_eq!(suite.cw20_balance(&cw20, &suite.escrow), 0);
    // The relayer no longer sees it.
    assert!(pending(&suite).is_empty());
    assert_eq!(suite.bought_cw20(), 2);
}

#[test]
fn delivery_just_before_the_deadline_is_accepted() {
    let mut suite = Suite::new();
    let id = suite.bought_native();
    suite.submit_rekey(id).unwrap();
    suite.advance(DELIVERY_TIMEOUT - 1);
    suite.report_delivery(id).unwrap();
}

#[test]
fn seller_claims_after_the_dispute_window() {
    let mut suite = Suite::new();
    let id = suite.delivered_native();
    suite.advance(DISPUTE_WINDOW);
    suite.claim(id).unwrap();
    assert_eq!(suite.sale(id).status, SaleStatus::Confirmed);
    assert_eq!(suite.native_balance(&suite.seller), SELLER_SHARE);
    assert_eq!(suite.native_balance(&suite.relayer), RELAYER_FEE);
    assert_eq!(suite.native_balance(&suite.escrow), 0);
    assert_eq!(suite.bought_native(), 2);
}

#[test]
fn buyer_may_confirm_after_the_window() {
    let mut suite = Suite::new();
    let id = suite.delivered_native();
    suite.advance(DISPUTE_WINDOW * 2);
    suite.confirm(id).unwrap();
    assert_eq!(suite.native_balance(&suite.seller), SELLER_SHARE);
}

#[test]
fn dispute_just_inside_the_window_then_arbiter_refunds() {
    let mut suite = Suite::new();
    let id = suite.delivered_native();
    suite.advance(DISPUTE_WINDOW - 1);
    suite.dispute(id).unwrap();
    let sale = suite.sale(id);
    assert_eq!(sale.status, SaleStatus::Disputed);
    assert_eq!(
        sale.dispute_reason.as_deref(),
        Some("the cfrag does not decrypt")
    );
    // The window closing does not let the seller claim a disputed sale.
    suite.advance(10);
    assert_eq!(
        contract_err(suite.claim(id)),
        ContractError::WrongStatus {
            sale_id: id,
            status: SaleStatus::Disputed,
            expected: SaleStatus::Delivered
        }
    );
    suite.resolve(id, true).unwrap();
    assert_eq!(suite.sale(id).status, SaleStatus::Refunded);
    assert_eq!(suite.native_balance(&suite.buyer), START_BALANCE);
    assert_eq!(suite.native_balance(&suite.seller), 0);
    assert_eq!(suite.native_balance(&suite.relayer), 0);
    assert_eq!(suite.native_balance(&suite.escrow), 0);
    assert_eq!(suite.bought_native(), 2);
}

#[test]
fn arbiter_pays_the_seller() {
    let mut suite = Suite::new();
    let cw20 = suite.cw20.clone();
    let id = suite.bought_cw20();
    suite.submit_rekey(id).unwrap();
    suite.report_delivery(id).unwrap();
    suite.dispute(id).unwrap();
    suite.resolve(id, false).unwrap();
    assert_eq!(suite.sale(id).status, SaleStatus::Confirmed);
    assert_eq!(suite.cw20_balance(&cw20, &suite.seller), SELLER_SHARE);
    assert_eq!(suite.cw20_balance(&cw20, &suite.relayer), RELAYER_FEE);
    assert_eq!(suite.cw20_balance(&cw20, &suite.escrow), 0);
    assert_eq!(suite.bought_cw20(), 2);
}

#[test]
fn kfrags_at_the_bound_are_accepted() {
    let mut suite = Suite::new();
    let id = suite.bought_native();
    let seller = suite.seller.clone();
    suite
        .exec(
            &seller,
            &ExecuteMsg::SubmitReKey {
                sale_id: id,
                kfrags: Binary::from(vec![1u8; DEFAULT_MAX_KFRAGS_BYTES as usize]),
            },
            &[],
        )
        .unwrap();
}

#[test]
fn relayer_is_fixed_at_purchase() {
    // The provider changes its relayer after the sale: the sale's relayer still delivers.
    let mut suite = Suite::new();
    let id = suite.bought_native();
    let old_relayer = suite.relayer.clone();
    suite.relayer = suite.app.api().addr_make("new-relayer");
    suite.set_provider(true);
    suite.submit_rekey(id).unwrap();
    suite.relayer = old_relayer;
    suite.report_delivery(id).unwrap();
}

#[test]
fn several_buyers_buy_the_same_asset() {
    let mut suite = Suite::new();
    let a = suite.bought_native();
    let stranger = suite.stranger.clone();
    suite
        .buy_native(&stranger, NATIVE_ASSET, &[coin(PRICE, DENOM)])
        .unwrap();
    assert_eq!(suite.sale(2).buyer, stranger);
    assert_eq!(a, 1);
    assert_eq!(suite.native_balance(&suite.escrow), 2 * PRICE);
}

#[test]
fn update_config_changes_timeouts_for_new_sales() {
    let mut suite = Suite::new();
    let admin = suite.admin.clone();
    let new_admin = suite.stranger.clone();
    let new_arbiter = suite.app.api().addr_make("new-arbiter");
    suite
        .exec(
            &admin,
            &ExecuteMsg::UpdateConfig {
                admin: Some(new_admin.to_string()),
                arbiter: Some(new_arbiter.to_string()),
                relayer_fee_bps: Some(100),
                rekey_timeout_secs: Some(10),
                delivery_timeout_secs: Some(20),
                dispute_window_secs: Some(30),
                max_kfrags_bytes: Some(64),
            },
            &[],
        )
        .unwrap();
    let config: crate::msg::Config = suite
        .app
        .wrap()
        .query_wasm_smart(&suite.escrow, &QueryMsg::Config {})
        .unwrap();
    assert_eq!(config.admin, new_admin);
    assert_eq!(config.arbiter, new_arbiter);
    assert_eq!(config.relayer_fee_bps, 100);
    assert_eq!(config.max_kfrags_bytes, 64);

    let now: Timestamp = suite.app.block_info().time;
    let id = suite.bought_native();
    let sale = suite.sale(id);
    assert_eq!(sale.rekey_deadline, now.plus_seconds(10));
    assert_eq!(sale.relayer_fee, Uint128::new(10));
    // The old admin is no longer one.
    assert_eq!(
        contract_err(suite.exec(
            &admin,
            &ExecuteMsg::UpdateConfig {
                admin: None,
                arbiter: None,
                relayer_fee_bps: None,
                rekey_timeout_secs: None,
                delivery_timeout_secs: None,
                dispute_window_secs: None,
                max_kfrags_bytes: None,
            },
            &[],
        )),
        ContractError::NotAdmin {}
    );
}
