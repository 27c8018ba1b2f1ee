//! The channel's life: open, top up, redeem, close by timeout or by release.

use cosmwasm_std::Uint128;

use super::*;

#[test]
fn open_takes_the_deposit_and_records_the_channel() {
    let mut s = Suite::new();
    let (alice, provider) = (s.alice.clone(), s.provider.clone());
    let res = s.try_open(&alice, &provider, 1_000).unwrap();
    assert_eq!(attr(&res, "channel_id").as_deref(), Some("1"));
    assert_eq!(attr(&res, "action").as_deref(), Some("open_channel"));
    assert_eq!(
        s.channel(1),
        Channel {
            id: 1,
            owner: alice.clone(),
            payee: provider.clone(),
            deposit: Uint128::new(1_000),
            redeemed: Uint128::zero(),
            refunded: Uint128::zero(),
            close_timeout_secs: TIMEOUT,
            closes_at: None,
            closed: false,
        }
    );
    assert_eq!(s.balance(&alice), START - 1_000);
    assert_eq!(s.balance(&s.contract.clone()), 1_000);
    // Ids count up.
    assert_eq!(s.open_alice(5), 2);
}

#[test]
fn top_up_adds_to_the_deposit() {
    let mut s = Suite::new();
    let alice = s.alice.clone();
    let id = s.open_alice(1_000);
    let res = s.top_up(&alice, id, 250).unwrap();
    assert_eq!(attr(&res, "deposit").as_deref(), Some("1250"));
    assert_eq!(s.channel(id).deposit, Uint128::new(1_250));
    assert_eq!(s.balance(&s.contract.clone()), 1_250);
    // The larger deposit covers a larger voucher.
    s.redeem(&sensor(1), id, 1_200).unwrap();
}

#[test]
fn redeem_pays_the_difference_to_the_last_voucher() {
    let mut s = Suite::new();
    let provider = s.provider.clone();
    let id = s.open_alice(1_000);
    let res = s.redeem(&sensor(1), id, 300).unwrap();
    assert_eq!(attr(&res, "paid").as_deref(), Some("300"));
    assert_eq!(s.balance(&provider), START + 300);
    let res = s.redeem(&sensor(1), id, 750).unwrap();
    assert_eq!(attr(&res, "paid").as_deref(), Some("450"));
    assert_eq!(s.balance(&provider), START + 750);
    assert_eq!(s.channel(id).redeemed, Uint128::new(750));
    assert_eq!(s.balance(&s.contract.clone()), 250);
    // The whole deposit may be owed.
    s.redeem(&sensor(1), id, 1_000).unwrap();
    assert_eq!(s.balance(&provider), START + 1_000);
    assert_eq!(s.balance(&s.contract.clone()), 0);
}

#[test]
fn any_sensor_of_the_owner_signs() {
    let mut s = Suite::new();
    let alice = s.alice.clone();
    s.set_sensor(&sensor(3), Some(&alice));
    let id = s.open_alice(1_000);
    s.redeem(&sensor(1), id, 100).unwrap();
    s.redeem(&sensor(3), id, 200).unwrap();
    assert_eq!(s.channel(id).redeemed, Uint128::new(200));
}

#[test]
fn withdraw_after_the_timeout_refunds_the_rest() {
    let mut s = Suite::new();
    let alice = s.alice.clone();
    let id = s.open_alice(1_000);
    s.redeem(&sensor(1), id, 400).unwrap();
    let res = s.request_close(&alice, id).unwrap();
    let closes_at = s.now().plus_seconds(TIMEOUT);
    assert_eq!(
        attr(&res, "closes_at"),
        Some(closes_at.seconds().to_string())
    );
    assert_eq!(s.channel(id).closes_at, Some(closes_at));
    // The payee may still redeem while the close request runs.
    s.advance(TIMEOUT - 1);
    s.redeem(&sensor(1), id, 600).unwrap();
    s.advance(1);
    let res = s.withdraw(&alice, id).unwrap();
    assert_eq!(attr(&res, "refunded").as_deref(), Some("400"));
    let ch = s.channel(id);
    assert!(ch.closed);
    assert_eq!(ch.redeemed, Uint128::new(600));
    assert_eq!(ch.refunded, Uint128::new(400));
    assert_eq!(ch.deposit, ch.redeemed + ch.refunded);
    assert_eq!(s.balance(&alice), START - 600);
    assert_eq!(s.balance(&s.contract.clone()), 0);
}

#[test]
fn release_closes_at_once_and_refunds_the_owner() {
    let mut s = Suite::new();
    let (alice, provider) = (s.alice.clone(), s.provider.clone());
    let id = s.open_alice(1_000);
    s.redeem(&sensor(1), id, 100).unwrap();
    let res = s.release(&provider, id).unwrap();
    assert_eq!(attr(&res, "action").as_deref(), Some("release"));
    let ch = s.channel(id);
    assert!(ch.closed);
    assert_eq!(ch.refunded, Uint128::new(900));
    assert_eq!(s.balance(&alice), START - 100);
    assert_eq!(s.balance(&provider), START + 100);
}

#[test]
fn closing_a_fully_redeemed_channel_sends_nothing() {
    let mut s = Suite::new();
    let provider = s.provider.clone();
    let id = s.open_alice(500);
    s.redeem(&sensor(1), id, 500).unwrap();
    // cw20-base refuses a zero transfer, so a refund of nothing must not be a message.
    let res = s.release(&provider, id).unwrap();
    assert_eq!(attr(&res, "refunded").as_deref(), Some("0"));
    assert!(s.channel(id).closed);
}

#[test]
fn channels_are_independent() {
    let mut s = Suite::new();
    let (bob, provider, mallory) = (s.bob.clone(), s.provider.clone(), s.mallory.clone());
    let a = s.open_alice(1_000);
    let b = s.open(&bob, &provider, 2_000);
    let m = s.open(&bob, &mallory, 50);
    s.redeem(&sensor(1), a, 10).unwrap();
    s.redeem(&sensor(2), b, 20).unwrap();
    s.exec(&mallory, &redeem_msg(&sensor(2), m, 50), &[])
        .unwrap();
    assert_eq!(s.channel(a).redeemed, Uint128::new(10));
    assert_eq!(s.channel(b).redeemed, Uint128::new(20));
    assert_eq!(s.channel(m).redeemed, Uint128::new(50));
    assert_eq!(s.balance(&s.contract.clone()), 990 + 1_980);
}
