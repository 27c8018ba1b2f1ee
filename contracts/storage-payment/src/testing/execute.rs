//! Buy, extend, cancel and withdraw flows, with exact balances.

use cosmwasm_std::{coin, Uint128};
use twinshare_types::CheckedDenom;

use super::*;
use crate::msg::Lease;

#[test]
fn native_lease_buy_withdraw_extend_cancel() {
    let mut s = Suite::new();
    let (cloud, alice, contract) = (s.cloud.clone(), s.alice.clone(), s.contract.clone());
    let t0 = s.now();

    assert_eq!(s.quote(&cloud, 100, 1_000).amount, Uint128::new(50_000));
    s.buy(&alice, &cloud, 100, 1_000, &[coin(50_000, DENOM)])
        .unwrap();
    assert_eq!(s.balance(&alice, DENOM), START - 50_000);
    assert_eq!(s.balance(&contract, DENOM), 50_000);
    let res = s.lease(1);
    assert_eq!(
        res.lease,
        Lease {
            id: 1,
            owner: alice.clone(),
            provider: cloud.clone(),
            bytes: 100,
            start: t0,
            end: t0.plus_seconds(1_000),
            price_per_byte_second: dec("0.5"),
            denom: CheckedDenom::Native(DENOM.to_string()),
            paid: Uint128::new(50_000),
            withdrawn: Uint128::zero(),
            cancelled: false,
        }
    );
    assert_eq!(res.earned, Uint128::zero());
    assert_eq!(res.refundable, Uint128::new(50_000));
    assert!(res.active);

    // A quarter elapsed: the provider takes a quarter.
    s.advance(250);
    assert_eq!(s.lease(1).withdrawable, Uint128::new(12_500));
    s.withdraw(&cloud, vec![1]).unwrap();
    assert_eq!(s.balance(&cloud, DENOM), START + 12_500);
    // Withdrawing again in the same block pays nothing more (state was saved).
    let err = s.withdraw(&cloud, vec![1]).unwrap_err();
    assert_eq!(contract_err(err), ContractError::NothingToWithdraw {});

    // Extend by 1000 s at the lease's price: paid doubles, the rate stays.
    s.advance(250);
    s.extend(&alice, 1, 1_000, &[coin(50_000, DENOM)]).unwrap();
    let res = s.lease(1);
    assert_eq!(res.lease.end, t0.plus_seconds(2_000));
    assert_eq!(res.lease.paid, Uint128::new(100_000));
    assert_eq!(res.earned, Uint128::new(25_000));
    assert_eq!(res.withdrawable, Uint128::new(12_500));
    assert_eq!(s.balance(&alice, DENOM), START - 100_000);

    // Cancel at half-time: the unelapsed half comes back.
    s.advance(500);
    assert_eq!(s.lease(1).refundable, Uint128::new(50_000));
    s.cancel(&alice, 1).unwrap();
    assert_eq!(s.balance(&alice, DENOM), START - 50_000);
    let res = s.lease(1);
    assert!(res.lease.cancelled);
    assert!(!res.active);
    assert_eq!(res.lease.end, s.now());
    assert_eq!(res.lease.paid, Uint128::new(50_000));
    assert_eq!(res.refundable, Uint128::zero());
    assert_eq!(res.withdrawable, Uint128::new(37_500));

    // The provider gets the rest of what elapsed, and nothing more, ever.
    s.advance(10_000);
    s.withdraw(&cloud, vec![1]).unwrap();
    assert_eq!(s.balance(&cloud, DENOM), START + 50_000);
    assert_eq!(s.balance(&contract, DENOM), 0);
    let err = s.withdraw(&cloud, vec![1]).unwrap_err();
    assert_eq!(contract_err(err), ContractError::NothingToWithdraw {});
}

#[test]
fn cw20_lease_buy_extend_cancel_withdraw() {
    let mut s = Suite::new();
    let (cloud20, alice, contract) = (s.cloud20.clone(), s.alice.clone(), s.contract.clone());

    // 100 bytes x 1000 s x 0.25 = 25 000 tokens; the owner is the cw20 sender.
    s.buy_cw20(&alice, &cloud20, 100, 1_000, 25_000).unwrap();
    let lease = s.lease(1).lease;
    assert_eq!(lease.owner, alice);
    assert_eq!(lease.denom, CheckedDenom::Cw20(s.token.clone()));
    assert_eq!(s.cw20_balance(&alice), START - 25_000);
    assert_eq!(s.cw20_balance(&contract), 25_000);

    s.advance(200);
    let token = s.token.clone();
    s.send_cw20(
        &alice,
        &token,
        12_500,
        &ReceiveMsg::ExtendLease {
            lease_id: 1,
            extra_secs: 500,
        },
    )
    .unwrap();
    let res = s.lease(1);
    assert_eq!(res.lease.paid, Uint128::new(37_500));
    assert_eq!(res.earned, Uint128::new(5_000));

    s.advance(400);
    // Elapsed 600 of 1500 s: earned 15 000, refund 22 500.
    s.cancel(&alice, 1).unwrap();
    assert_eq!(s.cw20_balance(&alice), START - 37_500 + 22_500);
    s.withdraw(&cloud20, vec![1]).unwrap();
    assert_eq!(s.cw20_balance(&cloud20), START + 15_000);
    assert_eq!(s.cw20_balance(&contract), 0);
}

#[test]
fn an_expired_lease_pays_the_provider_all_of_it() {
    let mut s = Suite::new();
    let (cloud, alice) = (s.cloud.clone(), s.alice.clone());
    s.buy(&alice, &cloud, 7, 3, &[coin(11, DENOM)]).unwrap(); // ceil(10.5)
    s.advance(1);
    s.withdraw(&cloud, vec![1]).unwrap(); // floor(11 / 3)
    assert_eq!(s.balance(&cloud, DENOM), START + 3);
    s.advance(100);
    let res = s.lease(1);
    assert!(!res.active);
    assert_eq!(res.earned, Uint128::new(11));
    assert_eq!(res.withdrawable, Uint128::new(8));
    assert_eq!(res.refundable, Uint128::zero());
    s.withdraw(&cloud, vec![1]).unwrap();
    assert_eq!(s.balance(&cloud, DENOM), START + 11);
    assert_eq!(s.balance(&alice, DENOM), START - 11);
}

#[test]
fn a_tiny_lease_pays_the_ceiling() {
    let mut s = Suite::bare(None);
    let (bob, alice) = (s.bob.clone(), s.alice.clone());
    s.register(&bob, dec("0.000001"), Denom::Native(DENOM.to_string()))
        .unwrap();
    assert_eq!(s.quote(&bob, 1, 1).amount, Uint128::one());
    let err = s.buy(&alice, &bob, 1, 1, &[]).unwrap_err();
    assert_eq!(
        contract_err(err),
        ContractError::Payment(cw_utils::PaymentError::NoFunds {})
    );
    s.buy(&alice, &bob, 1, 1, &[coin(1, DENOM)]).unwrap();
}

#[test]
fn free_storage_needs_no_funds_in_any_denom() {
    let mut s = Suite::bare(None);
    let (bob, cloud20, alice) = (s.bob.clone(), s.cloud20.clone(), s.alice.clone());
    s.register(&bob, Decimal::zero(), Denom::Native(DENOM.to_string()))
        .unwrap();
    let token = Denom::Cw20(s.token.to_string());
    s.register(&cloud20, Decimal::zero(), token).unwrap();

    s.buy(&alice, &bob, 1_000_000, 86_400, &[]).unwrap();
    // A free cw20-priced lease is bought with the native message (cw20 refuses zero sends).
    s.buy(&alice, &cloud20, 1_000_000, 86_400, &[]).unwrap();
    s.extend(&alice, 1, 100, &[]).unwrap();
    s.extend(&alice, 2, 100, &[]).unwrap();
    let err = s.buy(&alice, &bob, 1, 1, &[coin(1, DENOM)]).unwrap_err();
    assert_eq!(
        contract_err(err),
        ContractError::Payment(cw_utils::PaymentError::NonPayable {})
    );
    s.advance(10);
    // Cancelling refunds nothing and sends no (zero) transfer.
    let res = s.cancel(&alice, 2).unwrap();
    let token_called = res.events.iter().any(|e| {
        e.attributes
            .iter()
            .any(|a| a.key == "_contract_address" && a.value == s.token.as_str())
    });
    assert!(!token_called, "no zero cw20 transfer");
    assert_eq!(s.cw20_balance(&alice), START);
    assert_eq!(s.capacity(&alice, &bob).bytes, 1_000_000);
    let res = s.cancel(&alice, 1).unwrap();
    assert!(
        !res.events.iter().any(|e| e.ty == "transfer"),
        "no zero bank send"
    );
    assert_eq!(s.capacity(&alice, &bob).bytes, 0);
    let err = s.withdraw(&bob, vec![1]).unwrap_err();
    assert_eq!(contract_err(err), ContractError::NothingToWithdraw {});
}

#[test]
fn withdraw_pays_one_transfer_per_denom() {
    let mut s = Suite::new();
    let (cloud, alice, bob) = (s.cloud.clone(), s.alice.clone(), s.bob.clone());
    s.buy(&alice, &cloud, 10, 100, &[coin(500, DENOM)]).unwrap();
    s.buy(&bob, &cloud, 20, 100, &[coin(1_000, DENOM)]).unwrap();
    let token = Denom::Cw20(s.token.to_string());
    s.exec(
        &cloud,
        &ExecuteMsg::UpdateProvider {
            price_per_byte_second: Some(dec("1")),
            denom: Some(token),
            relayer: None,
            relayer_pubkey: None,
            endpoint: None,
        },
        &[],
    )
    .unwrap();
    s.buy_cw20(&alice, &cloud, 10, 100, 1_000).unwrap();
    s.advance(50);
    // Lease 4 has not earned anything yet (bought now): skipped, not an error.
    s.buy_cw20(&bob, &cloud, 1, 100, 100).unwrap();

    let res = s.withdraw(&cloud, vec![1, 2, 3, 4]).unwrap();
    let wasm = res.events.iter().find(|e| e.ty == "wasm").unwrap();
    let amounts: Vec<_> = wasm
        .attributes
        .iter()
        .filter(|a| a.key == "amount")
        .map(|a| a.value.clone())
        .collect();
    assert_eq!(
        amounts,
        vec![format!("750 {DENOM}"), format!("500 cw20:{}", s.token)]
    );
    assert_eq!(s.balance(&cloud, DENOM), START + 750);
    assert_eq!(s.cw20_balance(&cloud), START + 500);
    assert_eq!(s.lease(4).lease.withdrawn, Uint128::zero());
}
