//! Every sale state change emits one `wasm` event with the attributes relayers subscribe to.

use super::*;
use crate::msg::events as ev;

/// Checks the event of `action` on `sale_id` against the stored sale.
fn check(suite: &Suite, response: &AppResponse, action: &str, sale_id: u64, status: &str) {
    let sale = suite.sale(sale_id);
    let event = suite.escrow_event(response);
    assert_eq!(attr(event, ev::ACTION), action);
    assert_eq!(attr(event, ev::SALE_ID), sale_id.to_string());
    assert_eq!(attr(event, ev::ASSET_ID), sale.asset_id.to_string());
    assert_eq!(attr(event, ev::BUYER), sale.buyer.as_str());
    assert_eq!(attr(event, ev::SELLER), sale.seller.as_str());
    assert_eq!(attr(event, ev::RELAYER), sale.relayer.as_str());
    assert_eq!(attr(event, ev::STATUS), status);
    assert_eq!(attr(event, ev::STATUS), sale.status.as_str());
    let (level, fee) = match sale.level {
        Level::High { fee } => ("high", fee.to_string()),
        Level::Low => ("low", "0".to_string()),
    };
    assert_eq!(attr(event, ev::LEVEL), level);
    assert_eq!(attr(event, ev::FEE), fee);
}

#[test]
fn native_high_sale_events() {
    let mut suite = Suite::new();
    let buyer = suite.buyer.clone();
    let r = suite
        .buy_native(&buyer, NATIVE_ASSET, &[cosmwasm_std::coin(PRICE, DENOM)])
        .unwrap();
    check(&suite, &r, "buy", 1, "paid");
    let event = suite.escrow_event(&r);
    assert_eq!(attr(event, ev::LEVEL), "high");
    assert_eq!(attr(event, ev::FEE), HIGH_FEE.to_string());

    let r = suite.submit_rekey(1).unwrap();
    check(&suite, &r, "submit_rekey", 1, "rekey_submitted");
    let r = suite.report_delivery(1).unwrap();
    check(&suite, &r, "report_delivery", 1, "delivered");
    let r = suite.confirm(1).unwrap();
    check(&suite, &r, "confirm", 1, "confirmed");
}

#[test]
fn cw20_low_sale_events_with_dispute_and_resolve() {
    let mut suite = Suite::new();
    let (buyer, cw20) = (suite.buyer.clone(), suite.cw20.clone());
    let r = suite.buy_cw20(&buyer, &cw20, CW20_ASSET, PRICE).unwrap();
    // The cw20's own `send` event is there too; only one comes from the escrow.
    check(&suite, &r, "buy", 1, "paid");
    let event = suite.escrow_event(&r);
    assert_eq!(attr(event, ev::LEVEL), "low");
    assert_eq!(attr(event, ev::FEE), "0");

    suite.submit_rekey(1).unwrap();
    suite.report_delivery(1).unwrap();
    let r = suite.dispute(1).unwrap();
    check(&suite, &r, "dispute", 1, "disputed");
    let r = suite.resolve(1, false).unwrap();
    check(&suite, &r, "resolve", 1, "confirmed");

    let id = suite.bought_cw20();
    suite.submit_rekey(id).unwrap();
    suite.report_delivery(id).unwrap();
    suite.dispute(id).unwrap();
    let r = suite.resolve(id, true).unwrap();
    check(&suite, &r, "resolve", id, "refunded");
}

#[test]
fn refund_and_claim_events() {
    let mut suite = Suite::new();
    let id = suite.bought_native();
    suite.advance(REKEY_TIMEOUT);
    let r = suite.refund(id).unwrap();
    check(&suite, &r, "refund", id, "refunded");

    let id = suite.delivered_native();
    suite.advance(DISPUTE_WINDOW);
    let r = suite.claim(id).unwrap();
    check(&suite, &r, "claim", id, "confirmed");
}
