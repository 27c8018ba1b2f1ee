//! The paper's whole workflow (Section 4) across all contracts, with real cw20 balances:
//! A registers a party key, buys a lease, registers records, tokenizes; B buys; A submits the
//! re-key; the relayer reports delivery; B confirms; every balance is what it must be.

use cosmwasm_std::{coins, Uint128};
use twinshare_testing::suite::{test_hash, NATIVE};
use twinshare_testing::Suite;
use twinshare_types::escrow::{ExecuteMsg as EscrowMsg, SaleStatus};
use twinshare_types::registry::{self, Level};
use twinshare_types::storage;
use twinshare_types::token::{self, Openness};

const MIB: u64 = 1 << 20;
const DAY: u64 = 86_400;

#[test]
fn paper_workflow_moves_every_token_where_it_belongs() {
    let mut s = Suite::default();
    let (alice, bob, relayer, provider) = (
        s.alice.clone(),
        s.bob.clone(),
        s.relayer.clone(),
        s.provider.clone(),
    );
    let start = s.config.initial_cw20;

    // 4.2 parties: both register their Umbral public keys.
    s.register_party(&alice, 1, "welding robot A operator")
        .unwrap();
    s.register_party(&bob, 2, "welding robot B operator")
        .unwrap();

    // 4.3 storage: A pays for 16 MiB for 30 days, in cw20 through the Receive hook.
    let lease_cost = s.quote(16 * MIB, 30 * DAY);
    assert!(lease_cost > 0);
    let lease_id = s.buy_lease(&alice, 16 * MIB, 30 * DAY).unwrap();
    assert_eq!(s.cw20_balance(&alice), start - lease_cost);
    assert_eq!(s.cw20_balance(&s.storage.clone()), lease_cost);

    // 4.2 ownership: a High sensor record with a service fee, and a Low process plan.
    let fee = 1_000u128;
    let sensor = s
        .register_record(
            &alice,
            test_hash(1),
            4 * MIB,
            Level::High {
                fee: Uint128::new(fee),
            },
            &coins(fee, NATIVE),
        )
        .unwrap();
    let plan = s
        .register_record(&alice, test_hash(2), 2 * MIB, Level::Low, &[])
        .unwrap();
    assert_eq!(s.native_balance(&s.fee_collector.clone()), fee);
    assert_eq!(s.record(sensor).owner, alice);
    assert_eq!(s.record(plan).level, Level::Low);
    let used: registry::UsedBytesResponse = s
        .app
        .wrap()
        .query_wasm_smart(
            &s.registry,
            &registry::QueryMsg::UsedBytes {
                owner: alice.to_string(),
                provider: provider.to_string(),
            },
        )
        .unwrap();
    assert_eq!(used.used, 6 * MIB);

    // 4.4 tokenization: the sensor record for 50,000 tokens, open to the channel.
    let price = 50_000u128;
    let asset = s.tokenize(&alice, sensor, price, Openness::Public).unwrap();
    let can: token::CanBuyResponse = s
        .app
        .wrap()
        .query_wasm_smart(
            &s.data_token,
            &token::QueryMsg::CanBuy {
                asset_id: asset,
                buyer: bob.to_string(),
            },
        )
        .unwrap();
    assert!(can.can_buy, "{:?}", can.reason);

    // 4.6 sale: B pays into escrow, A re-keys, the relayer delivers, B confirms.
    let sale = s.buy(&bob, asset, price, 2).unwrap();
    assert_eq!(s.cw20_balance(&bob), start - price);
    assert_eq!(s.cw20_balance(&s.escrow.clone()), price);
    assert_eq!(s.sale(sale).status, SaleStatus::Paid);

    s.submit_rekey(&alice, sale, b"kfrags sealed to the relayer")
        .unwrap();
    assert_eq!(s.sale(sale).status, SaleStatus::ReKeySubmitted);
    s.report_delivery(&relayer, sale).unwrap();
    assert_eq!(s.sale(sale).status, SaleStatus::Delivered);
    s.escrow_exec(&bob, &EscrowMsg::Confirm { sale_id: sale })
        .unwrap();
    assert_eq!(s.sale(sale).status, SaleStatus::Confirmed);

    let relayer_fee = price * u128::from(s.config.relayer_fee_bps) / 10_000;
    assert_eq!(s.cw20_balance(&s.escrow.clone()), 0);
    assert_eq!(s.cw20_balance(&bob), start - price);
    assert_eq!(
        s.cw20_balance(&alice),
        start - lease_cost + price - relayer_fee
    );
    assert_eq!(s.cw20_balance(&relayer), start + relayer_fee);

    // 4.3 again: half the lease elapses, the provider withdraws its pro-rata share, A cancels
    // and gets the rest back; nothing is created or lost.
    s.advance(15 * DAY);
    let storage_addr = s.storage.clone();
    s.exec(
        &provider,
        &storage_addr,
        &storage::ExecuteMsg::Withdraw {
            lease_ids: vec![lease_id],
        },
    )
    .unwrap();
    let provider_got = s.cw20_balance(&provider) - start;
    assert_eq!(provider_got, lease_cost / 2);
    s.exec(
        &alice,
        &storage_addr,
        &storage::ExecuteMsg::CancelLease { lease_id },
    )
    .unwrap();
    let refund = s.cw20_balance(&alice) - (start - lease_cost + price - relayer_fee);
    assert_eq!(provider_got + refund, lease_cost);
    assert_eq!(s.cw20_balance(&s.storage.clone()), 0);
}
