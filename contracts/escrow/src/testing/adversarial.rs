//! Every authorization check and every bad input, with the exact error.

use cosmwasm_std::{coin, Binary};
use cw20::Cw20ReceiveMsg;
use cw_utils::PaymentError;
use twinshare_types::CommonError;

use super::*;
use crate::msg::{SaleStatus, DEFAULT_MAX_KFRAGS_BYTES, MAX_TEXT_LEN};

fn no_sales(suite: &Suite) {
    let buyer = suite.buyer.clone();
    assert!(suite.sales_by_buyer(&buyer, None, None).sales.is_empty());
    assert_eq!(suite.native_balance(&suite.escrow), 0);
}

fn empty_update() -> ExecuteMsg {
    ExecuteMsg::UpdateConfig {
        admin: None,
        arbiter: None,
        relayer_fee_bps: None,
        rekey_timeout_secs: None,
        delivery_timeout_secs: None,
        dispute_window_secs: None,
        max_kfrags_bytes: None,
    }
}

// ---- purchase ------------------------------------------------------------------------------

#[test]
fn native_wrong_amount() {
    let mut suite = Suite::new();
    let buyer = suite.buyer.clone();
    for got in [PRICE - 1, PRICE + 1] {
        assert_eq!(
            contract_err(suite.buy_native(&buyer, NATIVE_ASSET, &[coin(got, DENOM)])),
            ContractError::WrongAmount {
                expected: Uint128::new(PRICE),
                got: Uint128::new(got)
            }
        );
    }
    assert_eq!(
        contract_err(suite.buy_native(&buyer, NATIVE_ASSET, &[])),
        ContractError::WrongAmount {
            expected: Uint128::new(PRICE),
            got: Uint128::zero()
        }
    );
    no_sales(&suite);
    assert_eq!(suite.native_balance(&buyer), START_BALANCE);
}

#[test]
fn native_wrong_denom_and_extra_coins() {
    let mut suite = Suite::new();
    let buyer = suite.buyer.clone();
    let wrong_denom = ContractError::WrongDenom {
        expected: DENOM.to_string(),
        got: OTHER_DENOM.to_string(),
    };
    assert_eq!(
        contract_err(suite.buy_native(&buyer, NATIVE_ASSET, &[coin(PRICE, OTHER_DENOM)])),
        wrong_denom
    );
    assert_eq!(
        contract_err(suite.buy_native(
            &buyer,
            NATIVE_ASSET,
            &[coin(PRICE, DENOM), coin(1, OTHER_DENOM)]
        )),
        wrong_denom
    );
    no_sales(&suite);
}

#[test]
fn cw20_asset_via_buy() {
    let mut suite = Suite::new();
    let buyer = suite.buyer.clone();
    let expected = ContractError::PayWithCw20 {
        token: suite.cw20.to_string(),
    };
    assert_eq!(
        contract_err(suite.buy_native(&buyer, CW20_ASSET, &[])),
        expected
    );
    assert_eq!(
        contract_err(suite.buy_native(&buyer, CW20_ASSET, &[coin(PRICE, DENOM)])),
        expected
    );
    no_sales(&suite);
}

#[test]
fn foreign_cw20_calling_receive() {
    let mut suite = Suite::new();
    let (buyer, foreign) = (suite.buyer.clone(), suite.foreign_cw20.clone());
    assert_eq!(
        contract_err(suite.buy_cw20(&buyer, &foreign, CW20_ASSET, PRICE)),
        ContractError::UnexpectedToken {
            expected: format!("cw20:{}", suite.cw20),
            got: foreign.to_string()
        }
    );
    assert_eq!(suite.cw20_balance(&foreign, &buyer), START_BALANCE);
    assert_eq!(suite.cw20_balance(&foreign, &suite.escrow), 0);
    no_sales(&suite);
}

#[test]
fn account_calling_receive_directly() {
    // Anyone can send a Receive claiming a payment that never happened.
    let mut suite = Suite::new();
    let stranger = suite.stranger.clone();
    let msg = ExecuteMsg::Receive(Cw20ReceiveMsg {
        sender: suite.buyer.to_string(),
        amount: Uint128::new(PRICE),
        msg: to_json_binary(&ReceiveMsg::Buy {
            asset_id: CW20_ASSET,
            buyer_pubkey: buyer_pubkey(),
        })
        .unwrap(),
    });
    assert_eq!(
        contract_err(suite.exec(&stranger, &msg, &[])),
        ContractError::UnexpectedToken {
            expected: format!("cw20:{}", suite.cw20),
            got: stranger.to_string()
        }
    );
    no_sales(&suite);
}

#[test]
fn native_asset_via_receive() {
    let mut suite = Suite::new();
    let (buyer, cw20) = (suite.buyer.clone(), suite.cw20.clone());
    assert_eq!(
        contract_err(suite.buy_cw20(&buyer, &cw20, NATIVE_ASSET, PRICE)),
        ContractError::UnexpectedToken {
            expected: DENOM.to_string(),
            got: cw20.to_string()
        }
    );
    assert_eq!(suite.cw20_balance(&cw20, &buyer), START_BALANCE);
}

#[test]
fn cw20_wrong_amount() {
    let mut suite = Suite::new();
    let (buyer, cw20) = (suite.buyer.clone(), suite.cw20.clone());
    for got in [PRICE - 1, PRICE + 1] {
        assert_eq!(
            contract_err(suite.buy_cw20(&buyer, &cw20, CW20_ASSET, got)),
            ContractError::WrongAmount {
                expected: Uint128::new(PRICE),
                got: Uint128::new(got)
            }
        );
    }
    assert_eq!(suite.cw20_balance(&cw20, &buyer), START_BALANCE);
    assert_eq!(suite.cw20_balance(&cw20, &suite.escrow), 0);
}

#[test]
fn receive_refuses_native_coins() {
    let mut suite = Suite::new();
    let stranger = suite.stranger.clone();
    let msg = ExecuteMsg::Receive(Cw20ReceiveMsg {
        sender: suite.buyer.to_string(),
        amount: Uint128::new(PRICE),
        msg: to_json_binary(&ReceiveMsg::Buy {
            asset_id: CW20_ASSET,
            buyer_pubkey: buyer_pubkey(),
        })
        .unwrap(),
    });
    assert_eq!(
        contract_err(suite.exec(&stranger, &msg, &[coin(PRICE, DENOM)])),
        ContractError::Payment(PaymentError::NonPayable {})
    );
}

#[test]
fn receive_with_a_malformed_message() {
    let mut suite = Suite::new();
    let cw20 = suite.cw20.clone();
    let buyer = suite.buyer.clone();
    let err = suite
        .app
        .execute_contract(
            buyer,
            cw20,
            &Cw20ExecuteMsg::Send {
                contract: suite.escrow.to_string(),
                amount: Uint128::new(PRICE),
                msg: Binary::from(b"{\"steal\":{}}".to_vec()),
            },
            &[],
        )
        .unwrap_err();
    assert!(matches!(
        err.downcast::<ContractError>().unwrap(),
        ContractError::Std(_)
    ));
}

#[test]
fn asset_missing() {
    let mut suite = Suite::new();
    suite.remove_asset(NATIVE_ASSET);
    let buyer = suite.buyer.clone();
    assert_eq!(
        contract_err(suite.buy_native(&buyer, NATIVE_ASSET, &[coin(PRICE, DENOM)])),
        ContractError::AssetNotFound {
            asset_id: NATIVE_ASSET
        }
    );
    assert_eq!(
        contract_err(suite.buy_native(&buyer, 404, &[coin(PRICE, DENOM)])),
        ContractError::AssetNotFound { asset_id: 404 }
    );
}

#[test]
fn can_buy_false() {
    let mut suite = Suite::new();
    let (buyer, cw20) = (suite.buyer.clone(), suite.cw20.clone());
    suite.refuse(
        NATIVE_ASSET,
        &buyer,
        Some("not a member of channel plant-1"),
    );
    assert_eq!(
        contract_err(suite.buy_native(&buyer, NATIVE_ASSET, &[coin(PRICE, DENOM)])),
        ContractError::CannotBuy {
            asset_id: NATIVE_ASSET,
            reason: "not a member of channel plant-1".to_string()
        }
    );
    suite.refuse(CW20_ASSET, &buyer, Some("delisted"));
    assert_eq!(
        contract_err(suite.buy_cw20(&buyer, &cw20, CW20_ASSET, PRICE)),
        ContractError::CannotBuy {
            asset_id: CW20_ASSET,
            reason: "delisted".to_string()
        }
    );
    no_sales(&suite);
    // Allowed again, the purchase goes through.
    suite.refuse(NATIVE_ASSET, &buyer, None);
    suite.bought_native();
}

#[test]
fn invalid_buyer_key() {
    let mut suite = Suite::new();
    let (buyer, cw20) = (suite.buyer.clone(), suite.cw20.clone());
    let mut short = buyer_pubkey().to_vec();
    short.pop();
    assert_eq!(
        contract_err(suite.exec(
            &buyer,
            &ExecuteMsg::Buy {
                asset_id: NATIVE_ASSET,
                buyer_pubkey: HexBinary::from(short),
            },
            &[coin(PRICE, DENOM)],
        )),
        ContractError::Common(CommonError::InvalidUmbralKey {
            reason: "32 bytes".to_string()
        })
    );
    // x = 5 is not on secp256k1.
    let mut off_curve = vec![0x02];
    off_curve.extend_from_slice(&[0u8; 31]);
    off_curve.push(5);
    let err = suite
        .app
        .execute_contract(
            buyer.clone(),
            cw20,
            &Cw20ExecuteMsg::Send {
                contract: suite.escrow.to_string(),
                amount: Uint128::new(PRICE),
                msg: to_json_binary(&ReceiveMsg::Buy {
                    asset_id: CW20_ASSET,
                    buyer_pubkey: HexBinary::from(off_curve),
                })
                .unwrap(),
            },
            &[],
        )
        .unwrap_err();
    assert_eq!(
        err.downcast::<ContractError>().unwrap(),
        ContractError::Common(CommonError::InvalidUmbralKey {
            reason: "not a point on secp256k1".to_string()
        })
    );
    no_sales(&suite);
}

#[test]
fn provider_inactive_or_unknown() {
    let mut suite = Suite::new();
    let buyer = suite.buyer.clone();
    suite.set_provider(false);
    assert_eq!(
        contract_err(suite.buy_native(&buyer, NATIVE_ASSET, &[coin(PRICE, DENOM)])),
        ContractError::ProviderInactive {
            provider: suite.provider.to_string()
        }
    );
    let nowhere = suite.app.api().addr_make("nowhere");
    let mut asset = suite.asset(
        9,
        CheckedPrice {
            amount: Uint128::new(PRICE),
            denom: CheckedDenom::Native(DENOM.to_string()),
        },
        Level::Low,
    );
    asset.provider = nowhere.clone();
    suite.set_asset(asset);
    assert_eq!(
        contract_err(suite.buy_native(&buyer, 9, &[coin(PRICE, DENOM)])),
        ContractError::ProviderNotFound {
            provider: nowhere.to_string()
        }
    );
    no_sales(&suite);
}

#[test]
fn duplicate_open_purchase() {
    let mut suite = Suite::new();
    let (buyer, cw20) = (suite.buyer.clone(), suite.cw20.clone());
    let id = suite.bought_native();
    assert_eq!(
        contract_err(suite.buy_native(&buyer, NATIVE_ASSET, &[coin(PRICE, DENOM)])),
        ContractError::AlreadyBuying { sale_id: id }
    );
    // Still open after the re-key and the delivery, and while disputed.
    suite.submit_rekey(id).unwrap();
    suite.report_delivery(id).unwrap();
    suite.dispute(id).unwrap();
    assert_eq!(
        contract_err(suite.buy_native(&buyer, NATIVE_ASSET, &[coin(PRICE, DENOM)])),
        ContractError::AlreadyBuying { sale_id: id }
    );
    assert_eq!(suite.native_balance(&suite.escrow), PRICE);

    let id = suite.bought_cw20();
    assert_eq!(
        contract_err(suite.buy_cw20(&buyer, &cw20, CW20_ASSET, PRICE)),
        ContractError::AlreadyBuying { sale_id: id }
    );
    assert_eq!(suite.cw20_balance(&cw20, &suite.escrow), PRICE);
}

// ---- authorization -------------------------------------------------------------------------

#[test]
fn wrong_sender_on_every_arm() {
    let mut suite = Suite::new();
    let (buyer, seller, stranger, relayer, arbiter) = (
        suite.buyer.clone(),
        suite.seller.clone(),
        suite.stranger.clone(),
        suite.relayer.clone(),
        suite.arbiter.clone(),
    );
    let id = suite.bought_native();

    let rekey = ExecuteMsg::SubmitReKey {
        sale_id: id,
        kfrags: Binary::from(vec![1u8; 10]),
    };
    for who in [&buyer, &stranger, &relayer] {
        assert_eq!(
            contract_err(suite.exec(who, &rekey, &[])),
            ContractError::NotSeller { sale_id: id }
        );
    }
    suite.submit_rekey(id).unwrap();

    for who in [&buyer, &seller, &stranger, &suite.provider.clone()] {
        assert_eq!(
            contract_err(suite.exec(who, &delivery_msg(id), &[])),
            ContractError::NotRelayer {
                sale_id: id,
                relayer: relayer.to_string()
            }
        );
    }
    suite.report_delivery(id).unwrap();

    for who in [&seller, &stranger, &relayer] {
        assert_eq!(
            contract_err(suite.exec(who, &ExecuteMsg::Confirm { sale_id: id }, &[])),
            ContractError::NotBuyer { sale_id: id }
        );
        assert_eq!(
            contract_err(suite.exec(who, &ExecuteMsg::Refund { sale_id: id }, &[])),
            ContractError::NotBuyer { sale_id: id }
        );
        assert_eq!(
            contract_err(suite.exec(
                who,
                &ExecuteMsg::Dispute {
                    sale_id: id,
                    reason: "x".to_string()
                },
                &[]
            )),
            ContractError::NotBuyer { sale_id: id }
        );
    }
    suite.advance(DISPUTE_WINDOW);
    for who in [&buyer, &stranger, &relayer, &arbiter] {
        assert_eq!(
            contract_err(suite.exec(who, &ExecuteMsg::Claim { sale_id: id }, &[])),
            ContractError::NotSeller { sale_id: id }
        );
    }

    for who in [&buyer, &seller, &stranger, &arbiter] {
        assert_eq!(
            contract_err(suite.exec(who, &empty_update(), &[])),
            ContractError::NotAdmin {}
        );
    }
    // Nothing moved.
    assert_eq!(suite.native_balance(&suite.escrow), PRICE);
}

#[test]
fn resolve_by_non_arbiter() {
    let mut suite = Suite::new();
    let id = suite.delivered_native();
    suite.dispute(id).unwrap();
    let others = [
        suite.buyer.clone(),
        suite.seller.clone(),
        suite.stranger.clone(),
        suite.relayer.clone(),
        suite.admin.clone(),
    ];
    for who in &others {
        for refund_buyer in [true, false] {
            assert_eq!(
                contract_err(suite.exec(
                    who,
                    &ExecuteMsg::Resolve {
                        sale_id: id,
                        refund_buyer
                    },
                    &[]
                )),
                ContractError::NotArbiter {}
            );
        }
    }
    assert_eq!(suite.sale(id).status, SaleStatus::Disputed);
    assert_eq!(suite.native_balance(&suite.escrow), PRICE);
}

#[test]
fn funds_on_nonpayable_arms() {
    let mut suite = Suite::new();
    let id = suite.bought_native();
    let funds = [coin(1, OTHER_DENOM)];
    let (buyer, seller, relayer, arbiter, admin) = (
        suite.buyer.clone(),
        suite.seller.clone(),
        suite.relayer.clone(),
        suite.arbiter.clone(),
        suite.admin.clone(),
    );
    let nonpayable = ContractError::Payment(PaymentError::NonPayable {});
    for (who, msg) in [
        (
            &seller,
            ExecuteMsg::SubmitReKey {
                sale_id: id,
                kfrags: Binary::from(vec![1u8; 10]),
            },
        ),
        (&relayer, delivery_msg(id)),
        (&buyer, ExecuteMsg::Confirm { sale_id: id }),
        (&buyer, ExecuteMsg::Refund { sale_id: id }),
        (
            &buyer,
            ExecuteMsg::Dispute {
                sale_id: id,
                reason: "x".to_string(),
            },
        ),
        (
            &arbiter,
            ExecuteMsg::Resolve {
                sale_id: id,
                refund_buyer: true,
            },
        ),
        (&seller, ExecuteMsg::Claim { sale_id: id }),
        (&admin, empty_update()),
    ] {
        assert_eq!(
            contract_err(suite.exec(who, &msg, &funds)),
            nonpayable,
            "{msg:?}"
        );
    }
}

#[test]
fn unknown_sale() {
    let mut suite = Suite::new();
    let seller = suite.seller.clone();
    assert_eq!(
        contract_err(suite.exec(
            &seller,
            &ExecuteMsg::SubmitReKey {
                sale_id: 5,
                kfrags: Binary::from(vec![1u8; 10]),
            },
            &[]
        )),
        ContractError::SaleNotFound { sale_id: 5 }
    );
    assert_eq!(
        contract_err(suite.confirm(5)),
        ContractError::SaleNotFound { sale_id: 5 }
    );
    assert_eq!(
        contract_err(suite.resolve(5, true)),
        ContractError::SaleNotFound { sale_id: 5 }
    );
}

// ---- re-key and delivery -------------------------------------------------------------------

#[test]
fn kfrags_empty_or_oversize() {
    let mut suite = Suite::new();
    let id = suite.bought_native();
    let seller = suite.seller.clone();
    let rekey = |kfrags: Vec<u8>| ExecuteMsg::SubmitReKey {
        sale_id: id,
        kfrags: Binary::from(kfrags),
    };
    assert_eq!(
        contract_err(suite.exec(&seller, &rekey(vec![]), &[])),
        ContractError::EmptyKfrags {}
    );
    assert_eq!(
        contract_err(suite.exec(
            &seller,
            &rekey(vec![1u8; DEFAULT_MAX_KFRAGS_BYTES as usize + 1]),
            &[]
        )),
        ContractError::KfragsTooLarge {
            size: u64::from(DEFAULT_MAX_KFRAGS_BYTES) + 1,
            max: DEFAULT_MAX_KFRAGS_BYTES
        }
    );
    assert_eq!(suite.sale(id).status, SaleStatus::Paid);
}

#[test]
fn rekey_twice() {
    let mut suite = Suite::new();
    let id = suite.bought_native();
    suite.submit_rekey(id).unwrap();
    assert_eq!(
        contract_err(suite.submit_rekey(id)),
        ContractError::WrongStatus {
            sale_id: id,
            status: SaleStatus::ReKeySubmitted,
            expected: SaleStatus::Paid
        }
    );
}

#[test]
fn delivery_bad_inputs_and_wrong_status() {
    let mut suite = Suite::new();
    let id = suite.bought_native();
    let relayer = suite.relayer.clone();
    // Before the re-key.
    assert_eq!(
        contract_err(suite.report_delivery(id)),
        ContractError::WrongStatus {
            sale_id: id,
            status: SaleStatus::Paid,
            expected: SaleStatus::ReKeySubmitted
        }
    );
    suite.submit_rekey(id).unwrap();
    let delivery = |locator: String, hash: Vec<u8>| ExecuteMsg::ReportDelivery {
        sale_id: id,
        cfrag_locator: locator,
        cfrag_hash: HexBinary::from(hash),
    };
    assert_eq!(
        contract_err(suite.exec(&relayer, &delivery(String::new(), vec![0; 32]), &[])),
        ContractError::EmptyText {
            field: "cfrag_locator"
        }
    );
    assert_eq!(
        contract_err(suite.exec(&relayer, &delivery("  ".to_string(), vec![0; 32]), &[])),
        ContractError::EmptyText {
            field: "cfrag_locator"
        }
    );
    assert_eq!(
        contract_err(suite.exec(
            &relayer,
            &delivery("a".repeat(MAX_TEXT_LEN + 1), vec![0; 32]),
            &[]
        )),
        ContractError::TextTooLong {
            field: "cfrag_locator",
            len: MAX_TEXT_LEN + 1,
            max: MAX_TEXT_LEN
        }
    );
    for len in [0, 31, 33] {
        assert_eq!(
            contract_err(suite.exec(&relayer, &delivery("s3://x".to_string(), vec![0; len]), &[])),
            ContractError::Common(CommonError::InvalidHash {
                expected: 32,
                got: len
            })
        );
    }
    assert!(suite
        .sales_by_buyer(&suite.buyer.clone(), None, None)
        .sales
        .iter()
        .all(|s| s.status == SaleStatus::ReKeySubmitted));
    suite.report_delivery(id).unwrap();
    // A second report is refused.
    assert_eq!(
        contract_err(suite.report_delivery(id)),
        ContractError::WrongStatus {
            sale_id: id,
            status: SaleStatus::Delivered,
            expected: SaleStatus::ReKeySubmitted
        }
    );
}

// ---- settlement ----------------------------------------------------------------------------

#[test]
fn double_confirm() {
    let mut suite = Suite::new();
    let id = suite.delivered_native();
    suite.confirm(id).unwrap();
    assert_eq!(
        contract_err(suite.confirm(id)),
        ContractError::WrongStatus {
            sale_id: id,
            status: SaleStatus::Confirmed,
            expected: SaleStatus::Delivered
        }
    );
    // Nor can the seller claim it again later.
    suite.advance(DISPUTE_WINDOW);
    assert_eq!(
        contract_err(suite.claim(id)),
        ContractError::WrongStatus {
            sale_id: id,
            status: SaleStatus::Confirmed,
            expected: SaleStatus::Delivered
        }
    );
    assert_eq!(suite.native_balance(&suite.seller), 975);
}

#[test]
fn confirm_before_delivery() {
    let mut suite = Suite::new();
    let id = suite.bought_native();
    assert_eq!(
        contract_err(suite.confirm(id)),
        ContractError::WrongStatus {
            sale_id: id,
            status: SaleStatus::Paid,
            expected: SaleStatus::Delivered
        }
    );
}

#[test]
fn refund_before_the_deadlines() {
    let mut suite = Suite::new();
    let id = suite.bought_native();
    let sale = suite.sale(id);
    suite.advance(REKEY_TIMEOUT - 1);
    assert_eq!(
        contract_err(suite.refund(id)),
        ContractError::RefundNotAvailable {
            sale_id: id,
            status: SaleStatus::Paid,
            available_at: Some(sale.rekey_deadline)
        }
    );
    suite.submit_rekey(id).unwrap();
    let delivery_deadline = suite.sale(id).delivery_deadline;
    suite.advance(DELIVERY_TIMEOUT - 1);
    let err = contract_err(suite.refund(id));
    assert_eq!(
        err,
        ContractError::RefundNotAvailable {
            sale_id: id,
            status: SaleStatus::ReKeySubmitted,
            available_at: delivery_deadline
        }
    );
    assert!(err
        .to_string()
        .contains("the relayer may report delivery until"));
    suite.report_delivery(id).unwrap();
    // Delivered: no refund, ever (dispute instead), even long after.
    suite.advance(REKEY_TIMEOUT + DELIVERY_TIMEOUT + DISPUTE_WINDOW);
    let err = contract_err(suite.refund(id));
    assert_eq!(
        err,
        ContractError::RefundNotAvailable {
            sale_id: id,
            status: SaleStatus::Delivered,
            available_at: None
        }
    );
    assert!(err.to_string().contains("dispute"));
    assert_eq!(suite.native_balance(&suite.buyer), START_BALANCE - PRICE);
}

#[test]
fn double_refund_and_refund_when_disputed() {
    let mut suite = Suite::new();
    let id = suite.bought_native();
    suite.advance(REKEY_TIMEOUT);
    suite.refund(id).unwrap();
    assert_eq!(
        contract_err(suite.refund(id)),
        ContractError::RefundNotAvailable {
            sale_id: id,
            status: SaleStatus::Refunded,
            available_at: None
        }
    );
    assert_eq!(suite.native_balance(&suite.buyer), START_BALANCE);

    let id = suite.delivered_native();
    suite.dispute(id).unwrap();
    assert_eq!(
        contract_err(suite.refund(id)),
        ContractError::RefundNotAvailable {
            sale_id: id,
            status: SaleStatus::Disputed,
            available_at: None
        }
    );
}

#[test]
fn dispute_after_the_window_or_before_delivery() {
    let mut suite = Suite::new();
    let id = suite.bought_native();
    assert_eq!(
        contract_err(suite.dispute(id)),
        ContractError::WrongStatus {
            sale_id: id,
            status: SaleStatus::Paid,
            expected: SaleStatus::Delivered
        }
    );
    suite.submit_rekey(id).unwrap();
    suite.report_delivery(id).unwrap();
    let closed_at = suite.sale(id).dispute_deadline.unwrap();
    suite.advance(DISPUTE_WINDOW);
    assert_eq!(
        contract_err(suite.dispute(id)),
        ContractError::DisputeWindowClosed {
            sale_id: id,
            closed_at
        }
    );
}

#[test]
fn dispute_reason_empty_or_too_long() {
    let mut suite = Suite::new();
    let id = suite.delivered_native();
    let buyer = suite.buyer.clone();
    let dispute = |reason: String| ExecuteMsg::Dispute {
        sale_id: id,
        reason,
    };
    assert_eq!(
        contract_err(suite.exec(&buyer, &dispute(String::new()), &[])),
        ContractError::EmptyText { field: "reason" }
    );
    assert_eq!(
        contract_err(suite.exec(&buyer, &dispute("x".repeat(MAX_TEXT_LEN + 1)), &[])),
        ContractError::TextTooLong {
            field: "reason",
            len: MAX_TEXT_LEN + 1,
            max: MAX_TEXT_LEN
        }
    );
    suite
        .exec(&buyer, &dispute("x".repeat(MAX_TEXT_LEN)), &[])
        .unwrap();
}

#[test]
fn claim_before_the_window_closes() {
    let mut suite = Suite::new();
    let id = suite.bought_native();
    assert_eq!(
        contract_err(suite.claim(id)),
        ContractError::WrongStatus {
            sale_id: id,
            status: SaleStatus::Paid,
            expected: SaleStatus::Delivered
        }
    );
    suite.submit_rekey(id).unwrap();
    suite.report_delivery(id).unwrap();
    let available_at = suite.sale(id).dispute_deadline.unwrap();
    suite.advance(DISPUTE_WINDOW - 1);
    assert_eq!(
        contract_err(suite.claim(id)),
        ContractError::ClaimNotYetAvailable {
            sale_id: id,
            available_at
        }
    );
    assert_eq!(suite.native_balance(&suite.seller), 0);
}

#[test]
fn resolve_only_disputed_and_only_once() {
    let mut suite = Suite::new();
    let id = suite.delivered_native();
    assert_eq!(
        contract_err(suite.resolve(id, false)),
        ContractError::WrongStatus {
            sale_id: id,
            status: SaleStatus::Delivered,
            expected: SaleStatus::Disputed
        }
    );
    suite.dispute(id).unwrap();
    suite.resolve(id, true).unwrap();
    assert_eq!(
        contract_err(suite.resolve(id, false)),
        ContractError::WrongStatus {
            sale_id: id,
            status: SaleStatus::Refunded,
            expected: SaleStatus::Disputed
        }
    );
    assert_eq!(suite.native_balance(&suite.buyer), START_BALANCE);
    assert_eq!(suite.native_balance(&suite.seller), 0);
}

// ---- configuration -------------------------------------------------------------------------

#[test]
fn update_config_is_validated() {
    let mut suite = Suite::new();
    let admin = suite.admin.clone();
    let mut update = |edit: fn(&mut ExecuteMsg)| {
        let mut msg = empty_update();
        edit(&mut msg);
        contract_err(suite.exec(&admin, &msg, &[]))
    };
    assert_eq!(
        update(|m| {
            if let ExecuteMsg::UpdateConfig {
                relayer_fee_bps, ..
            } = m
            {
                *relayer_fee_bps = Some(10_001)
            }
        }),
        ContractError::InvalidFeeBps { bps: 10_001 }
    );
    assert_eq!(
        update(|m| {
            if let ExecuteMsg::UpdateConfig {
                delivery_timeout_secs,
                ..
            } = m
            {
                *delivery_timeout_secs = Some(0)
            }
        }),
        ContractError::ZeroTimeout {
            field: "delivery_timeout_secs"
        }
    );
    assert_eq!(
        update(|m| {
            if let ExecuteMsg::UpdateConfig {
                max_kfrags_bytes, ..
            } = m
            {
                *max_kfrags_bytes = Some(0)
            }
        }),
        ContractError::ZeroMaxKfrags {}
    );
    assert!(matches!(
        update(|m| if let ExecuteMsg::UpdateConfig { arbiter, .. } = m {
            *arbiter = Some("NOT-AN-ADDRESS".to_string())
        }),
        ContractError::Common(CommonError::InvalidAddress {
            what: "arbiter",
            ..
        })
    ));
}

#[test]
fn huge_timeout_fails_cleanly() {
    // A timeout whose deadline overflows refuses the purchase instead of panicking.
    let mut suite = Suite::new();
    let admin = suite.admin.clone();
    let mut msg = empty_update();
    if let ExecuteMsg::UpdateConfig {
        rekey_timeout_secs, ..
    } = &mut msg
    {
        *rekey_timeout_secs = Some(u64::MAX);
    }
    suite.exec(&admin, &msg, &[]).unwrap();
    let buyer = suite.buyer.clone();
    assert!(matches!(
        contract_err(suite.buy_native(&buyer, NATIVE_ASSET, &[coin(PRICE, DENOM)])),
        ContractError::Overflow(_)
    ));
}
