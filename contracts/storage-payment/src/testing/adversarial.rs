//! Every authorization check and bad input, with the exact error.

use cosmwasm_std::{coin, coins, Order, Uint128};
use cw20::Cw20ReceiveMsg;
use cw_storage_plus::Map;
use cw_utils::PaymentError;
use twinshare_types::CommonError;

use super::*;
use crate::msg::{MAX_ENDPOINT_LEN, MAX_WITHDRAW_IDS};
use crate::state::OWNER_PROVIDER_LEASES;

fn buy_msg(provider: &Addr, bytes: u64, duration_secs: u64) -> ReceiveMsg {
    ReceiveMsg::BuyLease {
        provider: provider.to_string(),
        bytes,
        duration_secs,
    }
}

#[test]
fn a_foreign_cw20_cannot_pay() {
    let mut s = Suite::new();
    let (cloud20, alice, fake) = (s.cloud20.clone(), s.alice.clone(), s.fake_token.clone());
    let err = s
        .send_cw20(&alice, &fake, 25_000, &buy_msg(&cloud20, 100, 1_000))
        .unwrap_err();
    assert_eq!(
        contract_err(err),
        ContractError::UnexpectedToken {
            expected: format!("cw20:{}", s.token),
            got: fake.to_string(),
        }
    );
    assert_eq!(s.cw20_balance_of(&fake, &alice), START);
}

#[test]
fn anyone_calling_receive_directly_is_refused() {
    let mut s = Suite::new();
    let (cloud, cloud20, alice, mallory) = (
        s.cloud.clone(),
        s.cloud20.clone(),
        s.alice.clone(),
        s.mallory.clone(),
    );
    let spoof = |msg: &ReceiveMsg| {
        ExecuteMsg::Receive(Cw20ReceiveMsg {
            sender: alice.to_string(),
            amount: Uint128::new(25_000),
            msg: to_json_binary(msg).unwrap(),
        })
    };
    let err = s
        .exec(&mallory, &spoof(&buy_msg(&cloud20, 100, 1_000)), &[])
        .unwrap_err();
    assert_eq!(
        contract_err(err),
        ContractError::UnexpectedToken {
            expected: format!("cw20:{}", s.token),
            got: mallory.to_string(),
        }
    );
    // Native funds on Receive are refused before anything else.
    let err = s
        .exec(
            &mallory,
            &spoof(&buy_msg(&cloud20, 100, 1_000)),
            &coins(25_000, DENOM),
        )
        .unwrap_err();
    assert_eq!(
        contract_err(err),
        ContractError::Payment(PaymentError::NonPayable {})
    );
    // A native-priced provider cannot be paid in the token either.
    let token = s.token.clone();
    let err = s
        .send_cw20(&alice, &token, 50_000, &buy_msg(&cloud, 100, 1_000))
        .unwrap_err();
    assert_eq!(
        contract_err(err),
        ContractError::UnexpectedToken {
            expected: DENOM.to_string(),
            got: token.to_string(),
        }
    );
    // Nor a spoofed extension.
    s.buy_cw20(&alice, &cloud20, 100, 1_000, 25_000).unwrap();
    let err = s
        .exec(
            &mallory,
            &spoof(&ReceiveMsg::ExtendLease {
                lease_id: 1,
                extra_secs: 1_000,
            }),
            &[],
        )
        .unwrap_err();
    assert_eq!(
        contract_err(err),
        ContractError::UnexpectedToken {
            expected: format!("cw20:{}", s.token),
            got: mallory.to_string(),
        }
    );
}

#[test]
fn payment_must_be_exact_in_amount_and_denom() {
    let mut s = Suite::new();
    let (cloud, cloud20, alice) = (s.cloud.clone(), s.cloud20.clone(), s.alice.clone());
    for got in [49_999u128, 50_001] {
        let err = s
            .buy(&alice, &cloud, 100, 1_000, &[coin(got, DENOM)])
            .unwrap_err();
        assert_eq!(
            contract_err(err),
            ContractError::WrongAmount {
                denom: DENOM.to_string(),
                expected: Uint128::new(50_000),
                got: Uint128::new(got),
            }
        );
    }
    let err = s
        .buy(&alice, &cloud, 100, 1_000, &[coin(50_000, OTHER)])
        .unwrap_err();
    assert_eq!(
        contract_err(err),
        ContractError::Payment(PaymentError::MissingDenom(DENOM.to_string()))
    );
    let err = s
        .buy(
            &alice,
            &cloud,
            100,
            1_000,
            &[coin(50_000, DENOM), coin(1, OTHER)],
        )
        .unwrap_err();
    assert_eq!(
        contract_err(err),
        ContractError::Payment(PaymentError::MultipleDenoms {})
    );
    let err = s.buy(&alice, &cloud, 100, 1_000, &[]).unwrap_err();
    assert_eq!(
        contract_err(err),
        ContractError::Payment(PaymentError::NoFunds {})
    );
    // A cw20-priced provider is not paid with native funds.
    let err = s
        .buy(&alice, &cloud20, 100, 1_000, &[coin(25_000, DENOM)])
        .unwrap_err();
    assert_eq!(
        contract_err(err),
        ContractError::NotNativeDenom {
            denom: format!("cw20:{}", s.token)
        }
    );
    for got in [24_999u128, 25_001] {
        let err = s.buy_cw20(&alice, &cloud20, 100, 1_000, got).unwrap_err();
        assert_eq!(
            contract_err(err),
            ContractError::WrongAmount {
                denom: format!("cw20:{}", s.token),
                expected: Uint128::new(25_000),
                got: Uint128::new(got),
            }
        );
    }
    // Extensions are held to the same rule.
    s.buy(&alice, &cloud, 100, 1_000, &[coin(50_000, DENOM)])
        .unwrap();
    let err = s.extend(&alice, 1, 10, &[coin(499, DENOM)]).unwrap_err();
    assert_eq!(
        contract_err(err),
        ContractError::WrongAmount {
            denom: DENOM.to_string(),
            expected: Uint128::new(500),
            got: Uint128::new(499),
        }
    );
    let err = s
        .extend(&alice, 1, 10, &[coin(500, DENOM), coin(1, OTHER)])
        .unwrap_err();
    assert_eq!(
        contract_err(err),
        ContractError::Payment(PaymentError::MultipleDenoms {})
    );
    let token = s.token.clone();
    let err = s
        .send_cw20(
            &alice,
            &token,
            500,
            &ReceiveMsg::ExtendLease {
                lease_id: 1,
                extra_secs: 10,
            },
        )
        .unwrap_err();
    assert_eq!(
        contract_err(err),
        ContractError::UnexpectedToken {
            expected: DENOM.to_string(),
            got: token.to_string(),
        }
    );
    // Nothing moved.
    assert_eq!(s.balance(&alice, DENOM), START - 50_000);
    assert_eq!(s.cw20_balance(&alice), START);
}

#[test]
fn funds_on_nonpayable_arms_are_refused() {
    let mut s = Suite::new();
    let (cloud, alice, bob) = (s.cloud.clone(), s.alice.clone(), s.bob.clone());
    s.buy(&alice, &cloud, 100, 1_000, &[coin(50_000, DENOM)])
        .unwrap();
    s.advance(10);
    let one = coins(1, DENOM);
    let cases: Vec<(Addr, ExecuteMsg)> = vec![
        (
            bob.clone(),
            ExecuteMsg::RegisterProvider {
                price_per_byte_second: dec("1"),
                denom: Denom::Native(DENOM.to_string()),
                relayer: None,
                relayer_pubkey: pubkey(),
                endpoint: "e".to_string(),
            },
        ),
        (
            cloud.clone(),
            ExecuteMsg::UpdateProvider {
                price_per_byte_second: None,
                denom: None,
                relayer: None,
                relayer_pubkey: None,
                endpoint: None,
            },
        ),
        (cloud.clone(), ExecuteMsg::DeactivateProvider {}),
        (cloud.clone(), ExecuteMsg::ActivateProvider {}),
        (alice.clone(), ExecuteMsg::CancelLease { lease_id: 1 }),
        (cloud.clone(), ExecuteMsg::Withdraw { lease_ids: vec![1] }),
    ];
    for (who, msg) in cases {
        let err = s.exec(&who, &msg, &one).unwrap_err();
        assert_eq!(
            contract_err(err),
            ContractError::Payment(PaymentError::NonPayable {}),
            "{msg:?}"
        );
    }
}

#[test]
fn only_the_owner_extends_or_cancels() {
    let mut s = Suite::new();
    let (cloud, cloud20, alice, mallory) = (
        s.cloud.clone(),
        s.cloud20.clone(),
        s.alice.clone(),
        s.mallory.clone(),
    );
    s.buy(&alice, &cloud, 100, 1_000, &[coin(50_000, DENOM)])
        .unwrap();
    s.buy_cw20(&alice, &cloud20, 100, 1_000, 25_000).unwrap();
    let not_owner = |lease_id| ContractError::NotLeaseOwner {
        lease_id,
        address: mallory.clone(),
    };
    let err = s.cancel(&mallory, 1).unwrap_err();
    assert_eq!(contract_err(err), not_owner(1));
    // Even the provider may not cancel.
    let err = s.cancel(&cloud, 1).unwrap_err();
    assert_eq!(
        contract_err(err),
        ContractError::NotLeaseOwner {
            lease_id: 1,
            address: cloud.clone()
        }
    );
    let err = s.extend(&mallory, 1, 10, &[coin(500, DENOM)]).unwrap_err();
    assert_eq!(contract_err(err), not_owner(1));
    let token = s.token.clone();
    let err = s
        .send_cw20(
            &mallory,
            &token,
            250,
            &ReceiveMsg::ExtendLease {
                lease_id: 2,
                extra_secs: 10,
            },
        )
        .unwrap_err();
    assert_eq!(contract_err(err), not_owner(2));
    let err = s.cancel(&mallory, 99).unwrap_err();
    assert_eq!(
        contract_err(err),
        ContractError::LeaseNotFound { lease_id: 99 }
    );
}

#[test]
fn only_the_provider_withdraws_and_ids_are_checked() {
    let mut s = Suite::new();
    let (cloud, cloud20, alice, mallory) = (
        s.cloud.clone(),
        s.cloud20.clone(),
        s.alice.clone(),
        s.mallory.clone(),
    );
    s.buy(&alice, &cloud, 100, 1_000, &[coin(50_000, DENOM)])
        .unwrap();
    s.buy_cw20(&alice, &cloud20, 100, 1_000, 25_000).unwrap();
    s.advance(100);

    let err = s.withdraw(&mallory, vec![1]).unwrap_err();
    assert_eq!(
        contract_err(err),
        ContractError::NotLeaseProvider { lease_id: 1 }
    );
    let err = s.withdraw(&alice, vec![1]).unwrap_err();
    assert_eq!(
        contract_err(err),
        ContractError::NotLeaseProvider { lease_id: 1 }
    );
    // One foreign lease in the list fails the whole withdrawal.
    let err = s.withdraw(&cloud, vec![1, 2]).unwrap_err();
    assert_eq!(
        contract_err(err),
        ContractError::NotLeaseProvider { lease_id: 2 }
    );
    assert_eq!(s.balance(&cloud, DENOM), START);

    let err = s.withdraw(&cloud, vec![1, 1]).unwrap_err();
    assert_eq!(contract_err(err), ContractError::DuplicateLeaseId { id: 1 });
    assert_eq!(s.balance(&cloud, DENOM), START);
    let err = s.withdraw(&cloud, vec![]).unwrap_err();
    assert_eq!(contract_err(err), ContractError::NoLeaseIds {});
    let many: Vec<u64> = (1..=MAX_WITHDRAW_IDS as u64 + 1).collect();
    let err = s.withdraw(&cloud, many).unwrap_err();
    assert_eq!(
        contract_err(err),
        ContractError::TooManyLeaseIds {
            max: MAX_WITHDRAW_IDS,
            got: MAX_WITHDRAW_IDS + 1
        }
    );
    let err = s.withdraw(&cloud, vec![7]).unwrap_err();
    assert_eq!(
        contract_err(err),
        ContractError::LeaseNotFound { lease_id: 7 }
    );

    s.withdraw(&cloud, vec![1]).unwrap();
    assert_eq!(s.balance(&cloud, DENOM), START + 5_000);
}

#[test]
fn inactive_or_unknown_providers_sell_nothing() {
    let mut s = Suite::new();
    let (cloud20, alice, nobody) = (
        s.cloud20.clone(),
        s.alice.clone(),
        s.app.api().addr_make("nobody"),
    );
    s.exec(&cloud20, &ExecuteMsg::DeactivateProvider {}, &[])
        .unwrap();
    let err = s
        .buy_cw20(&alice, &cloud20, 100, 1_000, 25_000)
        .unwrap_err();
    assert_eq!(
        contract_err(err),
        ContractError::ProviderInactive {
            provider: cloud20.clone()
        }
    );
    let err = s.buy(&alice, &nobody, 1, 1, &[coin(1, DENOM)]).unwrap_err();
    assert_eq!(
        contract_err(err),
        ContractError::ProviderNotFound {
            provider: nobody.to_string()
        }
    );
    let err = s
        .buy(&alice, &Addr::unchecked("NotAnAddress"), 1, 1, &[])
        .unwrap_err();
    assert!(matches!(
        contract_err(err),
        ContractError::Common(CommonError::InvalidAddress {
            what: "provider",
            ..
        })
    ));
}

#[test]
fn expired_or_cancelled_leases_cannot_be_extended_or_cancelled() {
    let mut s = Suite::new();
    let (cloud, alice) = (s.cloud.clone(), s.alice.clone());
    s.buy(&alice, &cloud, 10, 100, &[coin(500, DENOM)]).unwrap();
    s.buy(&alice, &cloud, 10, 100, &[coin(500, DENOM)]).unwrap();
    s.cancel(&alice, 2).unwrap();
    let err = s.cancel(&alice, 2).unwrap_err();
    assert_eq!(
        contract_err(err),
        ContractError::LeaseCancelled { lease_id: 2 }
    );
    let err = s.extend(&alice, 2, 10, &[coin(50, DENOM)]).unwrap_err();
    assert_eq!(
        contract_err(err),
        ContractError::LeaseCancelled { lease_id: 2 }
    );

    s.advance(100);
    let err = s.extend(&alice, 1, 10, &[coin(50, DENOM)]).unwrap_err();
    assert_eq!(
        contract_err(err),
        ContractError::LeaseExpired { lease_id: 1 }
    );
    let err = s.cancel(&alice, 1).unwrap_err();
    assert_eq!(
        contract_err(err),
        ContractError::LeaseExpired { lease_id: 1 }
    );
    assert_eq!(s.balance(&alice, DENOM), START - 500);
}

#[test]
fn zero_bytes_zero_duration_and_overflows_are_refused() {
    let mut s = Suite::new();
    let (cloud, alice, bob) = (s.cloud.clone(), s.alice.clone(), s.bob.clone());
    let err = s.buy(&alice, &cloud, 0, 100, &[]).unwrap_err();
    assert_eq!(contract_err(err), ContractError::ZeroBytes {});
    let err = s.buy(&alice, &cloud, 100, 0, &[]).unwrap_err();
    assert_eq!(contract_err(err), ContractError::ZeroDuration {});
    let err = s
        .buy_cw20(&alice, &s.cloud20.clone(), 0, 100, 1)
        .unwrap_err();
    assert_eq!(contract_err(err), ContractError::ZeroBytes {});
    s.buy(&alice, &cloud, 10, 100, &[coin(500, DENOM)]).unwrap();
    let err = s.extend(&alice, 1, 0, &[]).unwrap_err();
    assert_eq!(contract_err(err), ContractError::ZeroDuration {});

    // Free storage for ever would overflow the timestamp: refused, not a panic.
    s.register(&bob, Decimal::zero(), Denom::Native(DENOM.to_string()))
        .unwrap();
    let now = s.now().seconds();
    let err = s.buy(&alice, &bob, 1, u64::MAX, &[]).unwrap_err();
    assert_eq!(
        contract_err(err),
        ContractError::DurationTooLong {
            from_secs: now,
            secs: u64::MAX
        }
    );
    let mallory = s.mallory.clone();
    s.register(&mallory, Decimal::MAX, Denom::Native(DENOM.to_string()))
        .unwrap();
    let err = s
        .buy(&alice, &mallory, u64::MAX, u64::MAX, &[coin(1, DENOM)])
        .unwrap_err();
    assert_eq!(
        contract_err(err),
        ContractError::CostOverflow {
            bytes: u64::MAX,
            secs: u64::MAX
        }
    );
}

#[test]
fn open_leases_per_owner_and_provider_are_bounded() {
    let mut s = Suite::with_max(Some(2));
    let (cloud, cloud20, alice, bob, contract) = (
        s.cloud.clone(),
        s.cloud20.clone(),
        s.alice.clone(),
        s.bob.clone(),
        s.contract.clone(),
    );
    let index_len = |s: &Suite, owner: &Addr, provider: &Addr| {
        let storage = s.app.contract_storage(&contract);
        let index: Map<(&Addr, &Addr, u64), ()> = OWNER_PROVIDER_LEASES;
        index
            .prefix((owner, provider))
            .keys(storage.as_ref(), None, None, Order::Ascending)
            .count()
    };
    s.buy(&alice, &cloud, 1, 10, &[coin(5, DENOM)]).unwrap(); // 1
    s.buy(&alice, &cloud, 1, 100, &[coin(50, DENOM)]).unwrap(); // 2
    let err = s
        .buy(&alice, &cloud, 1, 100, &[coin(50, DENOM)])
        .unwrap_err();
    assert_eq!(
        contract_err(err),
        ContractError::TooManyOpenLeases {
            owner: alice.clone(),
            max: 2
        }
    );
    // Other owners and other providers are not affected.
    s.buy(&bob, &cloud, 1, 100, &[coin(50, DENOM)]).unwrap(); // 3
    s.buy_cw20(&alice, &cloud20, 4, 100, 100).unwrap(); // 4

    // Once lease 1 has expired, a new one fits, and lease 1 leaves the index.
    s.advance(10);
    s.buy(&alice, &cloud, 1, 100, &[coin(50, DENOM)]).unwrap(); // 5
    assert_eq!(index_len(&s, &alice, &cloud), 2);
    let err = s
        .buy(&alice, &cloud, 1, 100, &[coin(50, DENOM)])
        .unwrap_err();
    assert_eq!(
        contract_err(err),
        ContractError::TooManyOpenLeases {
            owner: alice.clone(),
            max: 2
        }
    );
    // A cancel frees a slot at once.
    s.cancel(&alice, 2).unwrap();
    assert_eq!(index_len(&s, &alice, &cloud), 1);
    s.buy(&alice, &cloud, 1, 100, &[coin(50, DENOM)]).unwrap(); // 6
    assert_eq!(index_len(&s, &alice, &cloud), 2);
    assert_eq!(s.capacity(&alice, &cloud).leases, 2);
}

#[test]
fn provider_registration_is_validated() {
    let mut s = Suite::new();
    let (cloud, bob, mallory) = (s.cloud.clone(), s.bob.clone(), s.mallory.clone());
    let register = |relayer: Option<String>, key: &str, endpoint: String, denom: Denom| {
        ExecuteMsg::RegisterProvider {
            price_per_byte_second: dec("1"),
            denom,
            relayer,
            relayer_pubkey: HexBinary::from_hex(key).unwrap(),
            endpoint,
        }
    };
    let native = || Denom::Native(DENOM.to_string());

    let err = s.register(&cloud, dec("1"), native()).unwrap_err();
    assert_eq!(
        contract_err(err),
        ContractError::ProviderExists {
            provider: cloud.clone()
        }
    );
    // A 32-byte key, and a key with an uncompressed prefix.
    let err = s
        .exec(
            &bob,
            &register(None, &PUBKEY[2..], "e".into(), native()),
            &[],
        )
        .unwrap_err();
    assert_eq!(
        contract_err(err),
        ContractError::Common(CommonError::InvalidUmbralKey {
            reason: "32 bytes".to_string()
        })
    );
    let bad_prefix = format!("04{}", &PUBKEY[2..]);
    let err = s
        .exec(
            &bob,
            &register(None, &bad_prefix, "e".into(), native()),
            &[],
        )
        .unwrap_err();
    assert!(matches!(
        contract_err(err),
        ContractError::Common(CommonError::InvalidUmbralKey { .. })
    ));
    let err = s
        .exec(&bob, &register(None, PUBKEY, String::new(), native()), &[])
        .unwrap_err();
    assert_eq!(contract_err(err), ContractError::EmptyEndpoint {});
    let err = s
        .exec(
            &bob,
            &register(None, PUBKEY, "x".repeat(MAX_ENDPOINT_LEN + 1), native()),
            &[],
        )
        .unwrap_err();
    assert_eq!(
        contract_err(err),
        ContractError::EndpointTooLong {
            len: MAX_ENDPOINT_LEN + 1,
            max: MAX_ENDPOINT_LEN
        }
    );
    // An upper-cased relayer address is another spelling: refused.
    let upper = mallory.as_str().to_uppercase();
    let err = s
        .exec(
            &bob,
            &register(Some(upper), PUBKEY, "e".into(), native()),
            &[],
        )
        .unwrap_err();
    assert!(matches!(
        contract_err(err),
        ContractError::Common(CommonError::InvalidAddress {
            what: "relayer",
            ..
        })
    ));
    let err = s
        .exec(
            &bob,
            &register(None, PUBKEY, "e".into(), Denom::Native("x".into())),
            &[],
        )
        .unwrap_err();
    assert_eq!(
        contract_err(err),
        ContractError::Common(CommonError::InvalidDenom {
            denom: "x".to_string()
        })
    );
    let err = s
        .exec(
            &bob,
            &register(None, PUBKEY, "e".into(), Denom::Cw20("nope".into())),
            &[],
        )
        .unwrap_err();
    assert!(matches!(
        contract_err(err),
        ContractError::Common(CommonError::InvalidAddress {
            what: "cw20 token",
            ..
        })
    ));
}

#[test]
fn only_providers_manage_their_listing() {
    let mut s = Suite::new();
    let (cloud, mallory) = (s.cloud.clone(), s.mallory.clone());
    let not_found = ContractError::ProviderNotFound {
        provider: mallory.to_string(),
    };
    let update = ExecuteMsg::UpdateProvider {
        price_per_byte_second: Some(Decimal::zero()),
        denom: None,
        relayer: None,
        relayer_pubkey: None,
        endpoint: None,
    };
    for msg in [
        update,
        ExecuteMsg::DeactivateProvider {},
        ExecuteMsg::ActivateProvider {},
    ] {
        let err = s.exec(&mallory, &msg, &[]).unwrap_err();
        assert_eq!(contract_err(err), not_found);
    }
    // An update is validated like a registration, and changes nothing when refused.
    let err = s
        .exec(
            &cloud,
            &ExecuteMsg::UpdateProvider {
                price_per_byte_second: Some(Decimal::zero()),
                denom: None,
                relayer: None,
                relayer_pubkey: Some(HexBinary::from(vec![2u8; 3])),
                endpoint: None,
            },
            &[],
        )
        .unwrap_err();
    assert_eq!(
        contract_err(err),
        ContractError::Common(CommonError::InvalidUmbralKey {
            reason: "3 bytes".to_string()
        })
    );
    let err = s
        .exec(
            &cloud,
            &ExecuteMsg::UpdateProvider {
                price_per_byte_second: None,
                denom: None,
                relayer: None,
                relayer_pubkey: None,
                endpoint: Some(String::new()),
            },
            &[],
        )
        .unwrap_err();
    assert_eq!(contract_err(err), ContractError::EmptyEndpoint {});
    assert_eq!(s.provider(&cloud).price_per_byte_second, dec("0.5"));
}
