//! Attacks and bad input across the real contracts (each contract's own suite covers its own
//! checks with mocks): every refusal is the exact error, and nothing moves when it is refused.

use cosmwasm_std::{to_json_binary, Addr, Uint128};
use cw20::Cw20Coin;
use cw_multi_test::Executor;
use twinshare_testing::keys::pubkey;
use twinshare_testing::suite::test_hash;
use twinshare_testing::Suite;
use twinshare_types::escrow::{self, SaleStatus};
use twinshare_types::registry::Level;
use twinshare_types::storage;
use twinshare_types::token::{self, Openness};

const MIB: u64 = 1 << 20;
const DAY: u64 = 86_400;

/// The contract error at the root of a failed execution.
fn root<E: std::fmt::Display + std::fmt::Debug + Send + Sync + 'static>(err: anyhow::Error) -> E {
    err.downcast::<E>()
        .unwrap_or_else(|err| panic!("unexpected error: {err:?}"))
}

/// A suite where alice holds a lease, a registered record and a public asset priced 1,000.
fn with_asset(openness: Openness) -> (Suite, u64) {
    let mut s = Suite::default();
    let alice = s.alice.clone();
    s.buy_lease(&alice, 8 * MIB, 30 * DAY).unwrap();
    let record = s
        .register_record(&alice, test_hash(1), MIB, Level::Low, &[])
        .unwrap();
    let asset = s.tokenize(&alice, record, 1_000, openness).unwrap();
    (s, asset)
}

/// Deploys a second cw20 whose only holder is `holder`.
fn foreign_token(s: &mut Suite, holder: &Addr) -> Addr {
    s.app
        .instantiate_contract(
            s.cw20_code,
            holder.clone(),
            &cw20_base::msg::InstantiateMsg {
                name: "Counterfeit".into(),
                symbol: "FAKE".into(),
                decimals: 6,
                initial_balances: vec![Cw20Coin {
                    address: holder.to_string(),
                    amount: Uint128::new(1_000_000),
                }],
                mint: None,
                marketing: None,
            },
            &[],
            "fake",
            None,
        )
        .unwrap()
}

#[test]
fn a_foreign_cw20_cannot_buy_an_asset() {
    let (mut s, asset) = with_asset(Openness::Public);
    let bob = s.bob.clone();
    let fake = foreign_token(&mut s, &bob);
    let escrow_addr = s.escrow.clone();
    let err = s
        .app
        .execute_contract(
            bob.clone(),
            fake.clone(),
            &cw20::Cw20ExecuteMsg::Send {
                contract: escrow_addr.to_string(),
                amount: Uint128::new(1_000),
                msg: to_json_binary(&escrow::ReceiveMsg::Buy {
                    asset_id: asset,
                    buyer_pubkey: pubkey(2),
                })
                .unwrap(),
            },
            &[],
        )
        .unwrap_err();
    assert_eq!(
        root::<::escrow::ContractError>(err),
        ::escrow::ContractError::UnexpectedToken {
            expected: format!("cw20:{}", s.cw20),
            got: fake.to_string(),
        }
    );
    assert_eq!(s.cw20_balance(&escrow_addr), 0);
}

#[test]
fn a_foreign_cw20_cannot_pay_a_lease() {
    let mut s = Suite::default();
    let alice = s.alice.clone();
    let fake = foreign_token(&mut s, &alice);
    let cost = s.quote(MIB, DAY);
    let err = s
        .app
        .execute_contract(
            alice.clone(),
            fake.clone(),
            &cw20::Cw20ExecuteMsg::Send {
                contract: s.storage.to_string(),
                amount: Uint128::new(cost),
                msg: to_json_binary(&storage::ReceiveMsg::BuyLease {
                    provider: s.provider.to_string(),
                    bytes: MIB,
                    duration_secs: DAY,
                })
                .unwrap(),
            },
            &[],
        )
        .unwrap_err();
    assert!(matches!(
        root::<storage_payment::ContractError>(err),
        storage_payment::ContractError::UnexpectedToken { got, .. } if got == fake.as_str()
    ));
}

#[test]
fn registering_needs_a_paid_unexpired_lease_with_that_provider() {
    let mut s = Suite::default();
    let alice = s.alice.clone();
    // No lease at all.
    let err = s
        .register_record(&alice, test_hash(1), 10, Level::Low, &[])
        .unwrap_err();
    assert_eq!(
        root::<data_registry::ContractError>(err),
        data_registry::ContractError::OverCapacity {
            needed: 10,
            used: 0,
            capacity: 0
        }
    );
    // A 1 MiB lease holds exactly 1 MiB.
    s.buy_lease(&alice, MIB, DAY).unwrap();
    s.register_record(&alice, test_hash(1), MIB, Level::Low, &[])
        .unwrap();
    let err = s
        .register_record(&alice, test_hash(2), 1, Level::Low, &[])
        .unwrap_err();
    assert_eq!(
        root::<data_registry::ContractError>(err),
        data_registry::ContractError::OverCapacity {
            needed: 1,
            used: MIB,
            capacity: MIB
        }
    );
    // A second lease adds capacity; once both expire, nothing more can be registered.
    s.buy_lease(&alice, MIB, DAY).unwrap();
    s.register_record(&alice, test_hash(2), 1, Level::Low, &[])
        .unwrap();
    s.advance(DAY + 1);
    let err = s
        .register_record(&alice, test_hash(3), 1, Level::Low, &[])
        .unwrap_err();
    assert_eq!(
        root::<data_registry::ContractError>(err),
        data_registry::ContractError::OverCapacity {
            needed: 1,
            used: MIB + 1,
            capacity: 0
        }
    );
}

#[test]
fn outsiders_can_neither_register_nor_buy_in_a_channel() {
    let (mut s, asset) = with_asset(Openness::Public);
    let mallory = s.mallory.clone();
    s.buy_lease(&mallory, MIB, DAY).unwrap();
    let err = s
        .register_record(&mallory, test_hash(9), 10, Level::Low, &[])
        .unwrap_err();
    assert_eq!(
        root::<data_registry::ContractError>(err),
        data_registry::ContractError::NotChannelMember {
            channel: "welding".into(),
            address: mallory.to_string()
        }
    );
    let err = s.buy(&mallory, asset, 1_000, 3).unwrap_err();
    assert!(matches!(
        root::<::escrow::ContractError>(err),
        ::escrow::ContractError::CannotBuy { asset_id, .. } if asset_id == asset
    ));
    assert_eq!(s.cw20_balance(&s.escrow.clone()), 0);
}

#[test]
fn partial_openness_admits_only_the_allowlist() {
    let mut s = Suite::default();
    let (alice, bob) = (s.alice.clone(), s.bob.clone());
    s.buy_lease(&alice, MIB, 30 * DAY).unwrap();
    let record = s
        .register_record(&alice, test_hash(1), 10, Level::Low, &[])
        .unwrap();
    let stranger = s.app.api().addr_make("maintainer");
    let asset = s
        .tokenize(
            &alice,
            record,
            1_000,
            Openness::Partial {
                allowlist: vec![stranger.to_string()],
            },
        )
        .unwrap();
    let err = s.buy(&bob, asset, 1_000, 2).unwrap_err();
    assert!(matches!(
        root::<::escrow::ContractError>(err),
        ::escrow::ContractError::CannotBuy { .. }
    ));
    let data_token = s.data_token.clone();
    s.exec(
        &alice,
        &data_token,
        &token::ExecuteMsg::UpdateAllowlist {
            asset_id: asset,
            add: vec![bob.to_string()],
            remove: vec![],
        },
    )
    .unwrap();
    s.buy(&bob, asset, 1_000, 2).unwrap();
}

#[test]
fn wrong_amount_delisted_asset_and_inactive_provider_are_refused() {
    let (mut s, asset) = with_asset(Openness::Public);
    let (alice, bob, provider) = (s.alice.clone(), s.bob.clone(), s.provider.clone());
    let err = s.buy(&bob, asset, 999, 2).unwrap_err();
    assert_eq!(
        root::<::escrow::ContractError>(err),
        ::escrow::ContractError::WrongAmount {
            expected: Uint128::new(1_000),
            got: Uint128::new(999)
        }
    );

    let storage_addr = s.storage.clone();
    s.exec(
        &provider,
        &storage_addr,
        &storage::ExecuteMsg::DeactivateProvider {},
    )
    .unwrap();
    let err = s.buy(&bob, asset, 1_000, 2).unwrap_err();
    assert_eq!(
        root::<::escrow::ContractError>(err),
        ::escrow::ContractError::ProviderInactive {
            provider: provider.to_string()
        }
    );
    s.exec(
        &provider,
        &storage_addr,
        &storage::ExecuteMsg::ActivateProvider {},
    )
    .unwrap();

    let data_token = s.data_token.clone();
    s.exec(
        &alice,
        &data_token,
        &token::ExecuteMsg::Delist { asset_id: asset },
    )
    .unwrap();
    let err = s.buy(&bob, asset, 1_000, 2).unwrap_err();
    assert!(matches!(
        root::<::escrow::ContractError>(err),
        ::escrow::ContractError::CannotBuy { .. }
    ));
    assert_eq!(s.cw20_balance(&bob), s.config.initial_cw20);
}

#[test]
fn only_the_providers_relayer_delivers_and_a_sale_settles_once() {
    let (mut s, asset) = with_asset(Openness::Public);
    let (alice, bob, provider, relayer) = (
        s.alice.clone(),
        s.bob.clone(),
        s.provider.clone(),
        s.relayer.clone(),
    );
    let sale = s.buy(&bob, asset, 1_000, 2).unwrap();
    s.submit_rekey(&alice, sale, b"sealed").unwrap();
    // The provider account is not its relayer account.
    let err = s.report_delivery(&provider, sale).unwrap_err();
    assert_eq!(
        root::<::escrow::ContractError>(err),
        ::escrow::ContractError::NotRelayer {
            sale_id: sale,
            relayer: relayer.to_string()
        }
    );
    s.report_delivery(&relayer, sale).unwrap();
    s.escrow_exec(&bob, &escrow::ExecuteMsg::Confirm { sale_id: sale })
        .unwrap();
    let seller_after = s.cw20_balance(&alice);
    let err = s
        .escrow_exec(&bob, &escrow::ExecuteMsg::Confirm { sale_id: sale })
        .unwrap_err();
    assert_eq!(
        root::<::escrow::ContractError>(err),
        ::escrow::ContractError::WrongStatus {
            sale_id: sale,
            status: SaleStatus::Confirmed,
            expected: SaleStatus::Delivered
        }
    );
    assert_eq!(s.cw20_balance(&alice), seller_after, "paid once");
}

#[test]
fn refund_waits_for_the_deadline_then_returns_everything() {
    let (mut s, asset) = with_asset(Openness::Public);
    let bob = s.bob.clone();
    let sale = s.buy(&bob, asset, 1_000, 2).unwrap();
    let err = s
        .escrow_exec(&bob, &escrow::ExecuteMsg::Refund { sale_id: sale })
        .unwrap_err();
    assert!(matches!(
        root::<::escrow::ContractError>(err),
        ::escrow::ContractError::RefundNotAvailable { sale_id, .. } if sale_id == sale
    ));
    s.advance(s.config.rekey_timeout_secs);
    s.escrow_exec(&bob, &escrow::ExecuteMsg::Refund { sale_id: sale })
        .unwrap();
    assert_eq!(s.sale(sale).status, SaleStatus::Refunded);
    assert_eq!(s.cw20_balance(&bob), s.config.initial_cw20);
    assert_eq!(s.cw20_balance(&s.escrow.clone()), 0);
}
