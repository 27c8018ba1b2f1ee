use cosmwasm_std::Uint128;
use twinshare_types::CheckedDenom;

use super::*;
use crate::msg::ProvidersResponse;

#[test]
fn register_defaults_the_relayer_to_the_sender() {
    let s = Suite::new();
    assert_eq!(
        s.provider(&s.cloud),
        Provider {
            address: s.cloud.clone(),
            price_per_byte_second: dec("0.5"),
            denom: CheckedDenom::Native(DENOM.to_string()),
            relayer: s.cloud.clone(),
            relayer_pubkey: pubkey(),
            endpoint: format!("s3://{}", s.cloud),
            active: true,
        }
    );
    assert_eq!(
        s.provider(&s.cloud20).denom,
        CheckedDenom::Cw20(s.token.clone())
    );
}

#[test]
fn register_with_a_relayer_and_free_storage() {
    let mut s = Suite::bare(None);
    let (cloud, bob) = (s.cloud.clone(), s.bob.clone());
    let res = s
        .exec(
            &cloud,
            &ExecuteMsg::RegisterProvider {
                price_per_byte_second: Decimal::zero(),
                denom: Denom::Native(DENOM.to_string()),
                relayer: Some(bob.to_string()),
                relayer_pubkey: pubkey(),
                endpoint: "x".repeat(crate::msg::MAX_ENDPOINT_LEN),
            },
            &[],
        )
        .unwrap();
    let wasm = res.events.iter().find(|e| e.ty == "wasm").unwrap();
    assert!(wasm
        .attributes
        .iter()
        .any(|a| a.key == "action" && a.value == "register_provider"));
    let p = s.provider(&cloud);
    assert_eq!(p.relayer, bob);
    assert_eq!(p.price_per_byte_second, Decimal::zero());
    assert_eq!(
        s.quote(&cloud, 1_000, 1_000).amount,
        Uint128::zero(),
        "free storage costs nothing"
    );
}

#[test]
fn update_changes_the_listing_but_not_existing_leases() {
    let mut s = Suite::new();
    let (cloud, alice) = (s.cloud.clone(), s.alice.clone());
    s.buy(&alice, &cloud, 100, 1_000, &[coin(50_000, DENOM)])
        .unwrap();

    let token = s.token.to_string();
    s.exec(
        &cloud,
        &ExecuteMsg::UpdateProvider {
            price_per_byte_second: Some(dec("2")),
            denom: Some(Denom::Cw20(token)),
            relayer: Some(alice.to_string()),
            relayer_pubkey: None,
            endpoint: Some("https://cloud.example".to_string()),
        },
        &[],
    )
    .unwrap();
    let p = s.provider(&cloud);
    assert_eq!(p.price_per_byte_second, dec("2"));
    assert_eq!(p.denom, CheckedDenom::Cw20(s.token.clone()));
    assert_eq!(p.relayer, alice);
    assert_eq!(p.relayer_pubkey, pubkey());
    assert_eq!(p.endpoint, "https://cloud.example");

    // Lease 1 keeps its price and denom: extending 10 s of 100 bytes costs 500 ustake.
    let lease = s.lease(1).lease;
    assert_eq!(lease.price_per_byte_second, dec("0.5"));
    assert_eq!(lease.denom, CheckedDenom::Native(DENOM.to_string()));
    s.extend(&alice, 1, 10, &[coin(500, DENOM)]).unwrap();
    // A new lease is at the new price, in the token.
    assert_eq!(s.quote(&cloud, 100, 10).amount, Uint128::new(2_000));
    s.buy_cw20(&alice, &cloud, 100, 10, 2_000).unwrap();
    assert_eq!(s.lease(2).lease.denom, CheckedDenom::Cw20(s.token.clone()));
}

#[test]
fn deactivate_stops_buys_and_extensions_until_activated() {
    let mut s = Suite::new();
    let (cloud, alice) = (s.cloud.clone(), s.alice.clone());
    s.buy(&alice, &cloud, 100, 1_000, &[coin(50_000, DENOM)])
        .unwrap();
    s.exec(&cloud, &ExecuteMsg::DeactivateProvider {}, &[])
        .unwrap();
    assert!(!s.provider(&cloud).active);

    let err = s
        .buy(&alice, &cloud, 100, 10, &[coin(500, DENOM)])
        .unwrap_err();
    assert_eq!(
        contract_err(err),
        ContractError::ProviderInactive {
            provider: cloud.clone()
        }
    );
    let err = s.extend(&alice, 1, 10, &[coin(500, DENOM)]).unwrap_err();
    assert_eq!(
        contract_err(err),
        ContractError::ProviderInactive {
            provider: cloud.clone()
        }
    );
    // The existing lease runs on and can still be cancelled and withdrawn from.
    assert!(s.lease(1).active);
    s.advance(100);
    s.withdraw(&cloud, vec![1]).unwrap();

    s.exec(&cloud, &ExecuteMsg::ActivateProvider {}, &[])
        .unwrap();
    assert!(s.provider(&cloud).active);
    s.buy(&alice, &cloud, 100, 10, &[coin(500, DENOM)]).unwrap();
    s.extend(&alice, 1, 10, &[coin(500, DENOM)]).unwrap();
}

#[test]
fn providers_are_listed_by_address_in_pages() {
    let s = Suite::new();
    let all: ProvidersResponse = s.query(&QueryMsg::Providers {
        start_after: None,
        limit: None,
    });
    let mut expected = vec![s.cloud.clone(), s.cloud20.clone()];
    expected.sort();
    assert_eq!(
        all.providers
            .iter()
            .map(|p| p.address.clone())
            .collect::<Vec<_>>(),
        expected
    );
    let first: ProvidersResponse = s.query(&QueryMsg::Providers {
        start_after: None,
        limit: Some(1),
    });
    assert_eq!(first.providers.len(), 1);
    assert_eq!(first.providers[0].address, expected[0]);
    let second: ProvidersResponse = s.query(&QueryMsg::Providers {
        start_after: Some(expected[0].to_string()),
        limit: Some(1),
    });
    assert_eq!(second.providers[0].address, expected[1]);
    let none: ProvidersResponse = s.query(&QueryMsg::Providers {
        start_after: Some(expected[1].to_string()),
        limit: None,
    });
    assert!(none.providers.is_empty());
}
