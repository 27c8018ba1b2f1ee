//! Every authorization check and bad input, each asserting the exact error and that neither the
//! channel nor any balance changed.

use cosmwasm_std::{coin, to_json_binary, HexBinary, Timestamp, Uint128};
use cw20::Cw20ReceiveMsg;
use cw_utils::PaymentError;
use twinshare_types::merkle::HASH_LEN;
use twinshare_types::CommonError;

use super::*;
use crate::execute::SIGNATURE_LEN;
use crate::msg::MAX_CLOSE_TIMEOUT_SECS;

/// What a refused message must leave alone.
#[derive(Debug, PartialEq)]
struct Snapshot {
    channel: Option<Channel>,
    contract: u128,
    alice: u128,
    provider: u128,
}

fn snapshot(s: &Suite, id: u64) -> Snapshot {
    Snapshot {
        channel: s.query(&QueryMsg::Channel { id }).ok(),
        contract: s.balance(&s.contract),
        alice: s.balance(&s.alice),
        provider: s.balance(&s.provider),
    }
}

/// Runs `f`, expects it to fail with a contract error, and checks channel `id` and the
/// balances are as before.
fn refused(
    s: &mut Suite,
    id: u64,
    f: impl FnOnce(&mut Suite) -> AnyResult<AppResponse>,
) -> ContractError {
    let before = snapshot(s, id);
    let err = contract_err(f(s).unwrap_err());
    assert_eq!(snapshot(s, id), before, "a refused message changed state");
    err
}

// ---- redeem ----

#[test]
fn only_the_payee_redeems() {
    let mut s = Suite::new();
    let id = s.open_alice(1_000);
    let mallory = s.mallory.clone();
    let alice = s.alice.clone();
    for who in [mallory, alice] {
        let err = refused(&mut s, id, |s| {
            s.exec(&who, &redeem_msg(&sensor(1), id, 100), &[])
        });
        assert_eq!(
            err,
            ContractError::NotChannelPayee {
                channel: id,
                address: who.to_string(),
            }
        );
    }
}

#[test]
fn a_replayed_or_lower_voucher_is_refused() {
    let mut s = Suite::new();
    let id = s.open_alice(1_000);
    s.redeem(&sensor(1), id, 300).unwrap();
    for cumulative in [300, 200, 0] {
        let err = refused(&mut s, id, |s| s.redeem(&sensor(1), id, cumulative));
        assert_eq!(
            err,
            ContractError::VoucherNotNewer {
                channel: id,
                cumulative: Uint128::new(cumulative),
                redeemed: Uint128::new(300),
            }
        );
    }
}

#[test]
fn a_voucher_above_the_deposit_is_refused() {
    let mut s = Suite::new();
    let id = s.open_alice(1_000);
    let err = refused(&mut s, id, |s| s.redeem(&sensor(1), id, 1_001));
    assert_eq!(
        err,
        ContractError::VoucherOverDeposit {
            channel: id,
            cumulative: Uint128::new(1_001),
            deposit: Uint128::new(1_000),
        }
    );
}

#[test]
fn another_owners_sensor_cannot_spend_the_deposit() {
    let mut s = Suite::new();
    let id = s.open_alice(1_000);
    // Bob's sensor signs a voucher on alice's channel: a valid signature, the wrong owner.
    let err = refused(&mut s, id, |s| s.redeem(&sensor(2), id, 100));
    assert_eq!(
        err,
        ContractError::SensorOfOtherOwner {
            pubkey: pubkey(&sensor(2)).to_hex(),
            sensor_owner: s.bob.to_string(),
            channel_owner: s.alice.to_string(),
        }
    );
}

#[test]
fn an_unregistered_or_removed_sensor_is_refused() {
    let mut s = Suite::new();
    let id = s.open_alice(1_000);
    let err = refused(&mut s, id, |s| s.redeem(&sensor(9), id, 100));
    assert_eq!(
        err,
        ContractError::SensorNotRegistered {
            pubkey: pubkey(&sensor(9)).to_hex(),
        }
    );
    s.set_sensor(&sensor(1), None);
    let err = refused(&mut s, id, |s| s.redeem(&sensor(1), id, 100));
    assert_eq!(
        err,
        ContractError::SensorNotRegistered {
            pubkey: pubkey(&sensor(1)).to_hex(),
        }
    );
}

#[test]
fn a_signature_over_anything_else_is_refused() {
    let mut s = Suite::new();
    let (alice, provider) = (s.alice.clone(), s.provider.clone());
    let id = s.open_alice(1_000);
    let other = s.open(&alice, &provider, 1_000);
    let key = sensor(1);
    let bad = ContractError::BadSignature {
        pubkey: pubkey(&key).to_hex(),
    };
    let redeem = |cumulative: u128, body: [u8; 32], signature: HexBinary| ExecuteMsg::Redeem {
        channel: id,
        cumulative: Uint128::new(cumulative),
        body_hash: HexBinary::from(body),
        sensor_pubkey: pubkey(&key),
        signature,
    };
    let cases = [
        // Signed for 100, claimed as 900.
        redeem(900, BODY, sign(&key, id, 100, &BODY)),
        // Signed for the other channel (same owner, same payee).
        redeem(100, BODY, sign(&key, other, 100, &BODY)),
        // Signed over another body hash.
        redeem(100, [8u8; 32], sign(&key, id, 100, &BODY)),
        // Signed by a key other than the one named.
        redeem(100, BODY, sign(&sensor(2), id, 100, &BODY)),
        // 64 bytes that are no signature at all.
        redeem(100, BODY, HexBinary::from([0u8; SIGNATURE_LEN])),
    ];
    for msg in cases {
        let err = refused(&mut s, id, |s| s.exec(&provider, &msg, &[]));
        assert_eq!(err, bad);
    }
}

#[test]
fn malformed_hash_and_signature_are_refused() {
    let mut s = Suite::new();
    let provider = s.provider.clone();
    let id = s.open_alice(1_000);
    let key = sensor(1);
    let ExecuteMsg::Redeem {
        cumulative,
        body_hash,
        sensor_pubkey,
        signature,
        ..
    } = redeem_msg(&key, id, 100)
    else {
        unreachable!()
    };
    let msg = ExecuteMsg::Redeem {
        channel: id,
        cumulative,
        body_hash: HexBinary::from(&body_hash.as_slice()[..31]),
        sensor_pubkey: sensor_pubkey.clone(),
        signature: signature.clone(),
    };
    let err = refused(&mut s, id, |s| s.exec(&provider, &msg, &[]));
    assert_eq!(
        err,
        ContractError::Common(CommonError::InvalidHash {
            expected: HASH_LEN,
            got: 31,
        })
    );
    let mut long = signature.to_vec();
    long.push(1);
    let msg = ExecuteMsg::Redeem {
        channel: id,
        cumulative,
        body_hash,
        sensor_pubkey,
        signature: HexBinary::from(long),
    };
    let err = refused(&mut s, id, |s| s.exec(&provider, &msg, &[]));
    assert_eq!(
        err,
        ContractError::InvalidSignatureLength {
            expected: SIGNATURE_LEN,
            got: 65,
        }
    );
}

#[test]
fn redeem_after_withdraw_or_release_is_refused() {
    let mut s = Suite::new();
    let (alice, provider) = (s.alice.clone(), s.provider.clone());
    let id = s.open_alice(1_000);
    s.redeem(&sensor(1), id, 100).unwrap();
    s.request_close(&alice, id).unwrap();
    s.advance(TIMEOUT);
    s.withdraw(&alice, id).unwrap();
    // The owner got the rest back: a voucher signed before must not be paid from nothing.
    let err = refused(&mut s, id, |s| s.redeem(&sensor(1), id, 500));
    assert_eq!(err, ContractError::ChannelClosed { channel: id });

    let id = s.open_alice(1_000);
    s.release(&provider, id).unwrap();
    let err = refused(&mut s, id, |s| s.redeem(&sensor(1), id, 500));
    assert_eq!(err, ContractError::ChannelClosed { channel: id });
}

#[test]
fn redeem_on_an_unknown_channel_is_refused() {
    let mut s = Suite::new();
    let err = refused(&mut s, 42, |s| s.redeem(&sensor(1), 42, 1));
    assert_eq!(err, ContractError::ChannelNotFound { channel: 42 });
}

// ---- closing ----

#[test]
fn withdraw_before_closes_at_is_refused() {
    let mut s = Suite::new();
    let alice = s.alice.clone();
    let id = s.open_alice(1_000);
    let err = refused(&mut s, id, |s| s.withdraw(&alice, id));
    assert_eq!(err, ContractError::CloseNotRequested { channel: id });
    s.request_close(&alice, id).unwrap();
    let closes_at = s.now().plus_seconds(TIMEOUT);
    s.advance(TIMEOUT - 1);
    let now = s.now();
    let err = refused(&mut s, id, |s| s.withdraw(&alice, id));
    assert_eq!(
        err,
        ContractError::CloseNotDue {
            channel: id,
            closes_at,
            now,
        }
    );
}

#[test]
fn only_the_owner_requests_close_and_withdraws() {
    let mut s = Suite::new();
    let (alice, provider, mallory) = (s.alice.clone(), s.provider.clone(), s.mallory.clone());
    let id = s.open_alice(1_000);
    for who in [&provider, &mallory] {
        let err = refused(&mut s, id, |s| s.request_close(who, id));
        assert_eq!(
            err,
            ContractError::NotChannelOwner {
                channel: id,
                address: who.to_string(),
            }
        );
    }
    s.request_close(&alice, id).unwrap();
    s.advance(TIMEOUT);
    for who in [&provider, &mallory] {
        let err = refused(&mut s, id, |s| s.withdraw(who, id));
        assert_eq!(
            err,
            ContractError::NotChannelOwner {
                channel: id,
                address: who.to_string(),
            }
        );
    }
    s.withdraw(&alice, id).unwrap();
    let err = refused(&mut s, id, |s| s.withdraw(&alice, id));
    assert_eq!(err, ContractError::ChannelClosed { channel: id });
    let err = refused(&mut s, id, |s| s.request_close(&alice, id));
    assert_eq!(err, ContractError::ChannelClosed { channel: id });
}

#[test]
fn a_second_close_request_does_not_move_the_deadline() {
    let mut s = Suite::new();
    let alice = s.alice.clone();
    let id = s.open_alice(1_000);
    s.request_close(&alice, id).unwrap();
    let closes_at = s.now().plus_seconds(TIMEOUT);
    s.advance(10);
    let err = refused(&mut s, id, |s| s.request_close(&alice, id));
    assert_eq!(
        err,
        ContractError::CloseAlreadyRequested {
            channel: id,
            closes_at,
        }
    );
}

#[test]
fn only_the_payee_releases() {
    let mut s = Suite::new();
    let (alice, mallory, provider) = (s.alice.clone(), s.mallory.clone(), s.provider.clone());
    let id = s.open_alice(1_000);
    for who in [&alice, &mallory] {
        let err = refused(&mut s, id, |s| s.release(who, id));
        assert_eq!(
            err,
            ContractError::NotChannelPayee {
                channel: id,
                address: who.to_string(),
            }
        );
    }
    s.release(&provider, id).unwrap();
    let err = refused(&mut s, id, |s| s.release(&provider, id));
    assert_eq!(err, ContractError::ChannelClosed { channel: id });
}

// ---- deposits ----

#[test]
fn top_up_of_a_closed_or_closing_channel_is_refused() {
    let mut s = Suite::new();
    let (alice, provider) = (s.alice.clone(), s.provider.clone());
    let id = s.open_alice(1_000);
    s.request_close(&alice, id).unwrap();
    let closes_at = s.now().plus_seconds(TIMEOUT);
    let err = refused(&mut s, id, |s| s.top_up(&alice, id, 10));
    assert_eq!(
        err,
        ContractError::ChannelClosing {
            channel: id,
            closes_at
        }
    );

    let id = s.open_alice(1_000);
    s.release(&provider, id).unwrap();
    let err = refused(&mut s, id, |s| s.top_up(&alice, id, 10));
    assert_eq!(err, ContractError::ChannelClosed { channel: id });
}

#[test]
fn only_the_owner_tops_up_an_existing_channel() {
    let mut s = Suite::new();
    let mallory = s.mallory.clone();
    let id = s.open_alice(1_000);
    let err = refused(&mut s, id, |s| s.top_up(&mallory, id, 10));
    assert_eq!(
        err,
        ContractError::NotChannelOwner {
            channel: id,
            address: mallory.to_string(),
        }
    );
    let err = refused(&mut s, 7, |s| s.top_up(&mallory, 7, 10));
    assert_eq!(err, ContractError::ChannelNotFound { channel: 7 });
}

#[test]
fn another_cw20_is_refused() {
    let mut s = Suite::new();
    let (alice, provider, fake) = (s.alice.clone(), s.provider.clone(), s.fake_token.clone());
    let id = s.open_alice(1_000);
    let open = ReceiveMsg::Open {
        payee: provider.to_string(),
        close_timeout_secs: TIMEOUT,
    };
    let expected = ContractError::UnexpectedToken {
        expected: s.token.to_string(),
        got: fake.to_string(),
    };
    let err = refused(&mut s, 2, |s| s.send(&alice, &fake, 500, &open));
    assert_eq!(err, expected);
    let err = refused(&mut s, id, |s| {
        s.send(&alice, &fake, 500, &ReceiveMsg::TopUp { channel: id })
    });
    assert_eq!(err, expected);
    assert_eq!(s.balance_of(&fake, &alice), START);
}

#[test]
fn a_forged_receive_is_refused() {
    let mut s = Suite::new();
    let (alice, mallory) = (s.alice.clone(), s.mallory.clone());
    let id = s.open_alice(1_000);
    // Mallory calls Receive itself, claiming alice sent a million.
    let forged = ExecuteMsg::Receive(Cw20ReceiveMsg {
        sender: alice.to_string(),
        amount: Uint128::new(1_000_000),
        msg: to_json_binary(&ReceiveMsg::TopUp { channel: id }).unwrap(),
    });
    let err = refused(&mut s, id, |s| s.exec(&mallory, &forged, &[]));
    assert_eq!(
        err,
        ContractError::UnexpectedToken {
            expected: s.token.to_string(),
            got: mallory.to_string(),
        }
    );
}

#[test]
fn bad_open_parameters_are_refused() {
    let mut s = Suite::new();
    let (alice, token) = (s.alice.clone(), s.token.clone());
    let open = |payee: String, close_timeout_secs: u64| ReceiveMsg::Open {
        payee,
        close_timeout_secs,
    };
    let provider = s.provider.to_string();
    for timeout in [0, MIN_TIMEOUT - 1, MAX_CLOSE_TIMEOUT_SECS + 1, u64::MAX] {
        let msg = open(provider.clone(), timeout);
        let err = refused(&mut s, 1, |s| s.send(&alice, &token, 500, &msg));
        assert_eq!(
            err,
            ContractError::InvalidCloseTimeout {
                got: timeout,
                min: MIN_TIMEOUT,
                max: MAX_CLOSE_TIMEOUT_SECS,
            }
        );
    }
    let msg = open(alice.to_string(), TIMEOUT);
    let err = refused(&mut s, 1, |s| s.send(&alice, &token, 500, &msg));
    assert_eq!(
        err,
        ContractError::PayeeIsOwner {
            payee: alice.to_string(),
        }
    );
    let msg = open("not-an-address".to_string(), TIMEOUT);
    let err = refused(&mut s, 1, |s| s.send(&alice, &token, 500, &msg));
    assert!(matches!(
        err,
        ContractError::Common(CommonError::InvalidAddress { what: "payee", .. })
    ));
    // The bounds themselves are fine.
    s.send(&alice, &token, 1, &open(provider.clone(), MIN_TIMEOUT))
        .unwrap();
    s.send(&alice, &token, 1, &open(provider, MAX_CLOSE_TIMEOUT_SECS))
        .unwrap();
}

#[test]
fn native_funds_are_refused_everywhere() {
    let mut s = Suite::new();
    let (alice, provider) = (s.alice.clone(), s.provider.clone());
    let id = s.open_alice(1_000);
    let funds = [coin(5, NATIVE)];
    let err = refused(&mut s, id, |s| {
        s.exec(&provider, &redeem_msg(&sensor(1), id, 100), &funds)
    });
    assert_eq!(err, ContractError::Payment(PaymentError::NonPayable {}));
    let err = refused(&mut s, id, |s| {
        s.exec(&alice, &ExecuteMsg::RequestClose { channel: id }, &funds)
    });
    assert_eq!(err, ContractError::Payment(PaymentError::NonPayable {}));
    let err = refused(&mut s, id, |s| {
        s.exec(&provider, &ExecuteMsg::Release { channel: id }, &funds)
    });
    assert_eq!(err, ContractError::Payment(PaymentError::NonPayable {}));
    s.request_close(&alice, id).unwrap();
    s.advance(TIMEOUT);
    let err = refused(&mut s, id, |s| {
        s.exec(&alice, &ExecuteMsg::Withdraw { channel: id }, &funds)
    });
    assert_eq!(err, ContractError::Payment(PaymentError::NonPayable {}));
    assert_eq!(s.native_balance(&alice), START);
}

#[test]
fn close_deadline_is_what_the_channel_says() {
    // A long channel timeout is the owner's own choice; the deadline follows it exactly.
    let mut s = Suite::new();
    let (alice, provider, token) = (s.alice.clone(), s.provider.clone(), s.token.clone());
    let res = s
        .send(
            &alice,
            &token,
            100,
            &ReceiveMsg::Open {
                payee: provider.to_string(),
                close_timeout_secs: MAX_CLOSE_TIMEOUT_SECS,
            },
        )
        .unwrap();
    let id: u64 = attr(&res, "channel_id").unwrap().parse().unwrap();
    s.request_close(&alice, id).unwrap();
    let expected: Timestamp = s.now().plus_seconds(MAX_CLOSE_TIMEOUT_SECS);
    assert_eq!(s.channel(id).closes_at, Some(expected));
}
