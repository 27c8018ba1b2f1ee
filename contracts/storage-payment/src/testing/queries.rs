use cosmwasm_std::{coin, StdResult, Uint128};
use twinshare_types::CheckedDenom;

use super::*;
use crate::msg::LeasesResponse;

fn ids(res: LeasesResponse) -> Vec<u64> {
    res.leases.iter().map(|l| l.id).collect()
}

#[test]
fn unknown_provider_and_lease_are_errors() {
    let s = Suite::new();
    let nobody = s.app.api().addr_make("nobody").to_string();
    let res: StdResult<Provider> = s.app.wrap().query_wasm_smart(
        s.contract.clone(),
        &QueryMsg::Provider {
            address: nobody.clone(),
        },
    );
    assert!(res.unwrap_err().to_string().contains("not found"));
    let res: StdResult<QuoteResponse> = s.app.wrap().query_wasm_smart(
        s.contract.clone(),
        &QueryMsg::Quote {
            provider: nobody,
            bytes: 1,
            duration_secs: 1,
        },
    );
    assert!(res.unwrap_err().to_string().contains("not found"));
    let res: StdResult<LeaseResponse> = s
        .app
        .wrap()
        .query_wasm_smart(s.contract.clone(), &QueryMsg::Lease { id: 1 });
    assert!(res.unwrap_err().to_string().contains("not found"));
}

#[test]
fn quote_is_in_the_providers_denom() {
    let s = Suite::new();
    assert_eq!(
        s.quote(&s.cloud20, 3, 7),
        QuoteResponse {
            amount: Uint128::new(6), // ceil(5.25)
            denom: CheckedDenom::Cw20(s.token.clone()),
        }
    );
    assert_eq!(
        s.quote(&s.cloud, 3, 7),
        QuoteResponse {
            amount: Uint128::new(11), // ceil(10.5)
            denom: CheckedDenom::Native(DENOM.to_string()),
        }
    );
}

#[test]
fn leases_are_listed_by_owner_and_by_provider() {
    let mut s = Suite::new();
    let (cloud, cloud20, alice, bob) = (
        s.cloud.clone(),
        s.cloud20.clone(),
        s.alice.clone(),
        s.bob.clone(),
    );
    s.buy(&alice, &cloud, 1, 2, &[coin(1, DENOM)]).unwrap();
    s.buy(&alice, &cloud, 1, 2, &[coin(1, DENOM)]).unwrap();
    s.buy(&bob, &cloud, 1, 2, &[coin(1, DENOM)]).unwrap();
    s.buy_cw20(&alice, &cloud20, 1, 4, 1).unwrap();

    let by_owner = |s: &Suite, who: &Addr, start_after, limit| -> Vec<u64> {
        ids(s.query(&QueryMsg::LeasesByOwner {
            owner: who.to_string(),
            start_after,
            limit,
        }))
    };
    let by_provider = |s: &Suite, who: &Addr, start_after, limit| -> Vec<u64> {
        ids(s.query(&QueryMsg::LeasesByProvider {
            provider: who.to_string(),
            start_after,
            limit,
        }))
    };
    assert_eq!(by_owner(&s, &alice, None, None), vec![1, 2, 4]);
    assert_eq!(by_owner(&s, &alice, None, Some(2)), vec![1, 2]);
    assert_eq!(by_owner(&s, &alice, Some(2), Some(2)), vec![4]);
    assert_eq!(by_owner(&s, &bob, None, None), vec![3]);
    assert_eq!(by_provider(&s, &cloud, None, None), vec![1, 2, 3]);
    assert_eq!(by_provider(&s, &cloud, Some(1), None), vec![2, 3]);
    assert_eq!(by_provider(&s, &cloud20, None, None), vec![4]);
    assert!(by_owner(&s, &cloud, None, None).is_empty());

    // Cancelled and expired leases stay listed.
    s.cancel(&alice, 1).unwrap();
    s.advance(10);
    assert_eq!(by_owner(&s, &alice, None, None), vec![1, 2, 4]);
}

#[test]
fn lease_response_tracks_time() {
    let mut s = Suite::new();
    let (cloud, alice) = (s.cloud.clone(), s.alice.clone());
    s.buy(&alice, &cloud, 10, 100, &[coin(500, DENOM)]).unwrap();
    s.advance(30);
    let res = s.lease(1);
    assert_eq!(res.earned, Uint128::new(150));
    assert_eq!(res.withdrawable, Uint128::new(150));
    assert_eq!(res.refundable, Uint128::new(350));
    assert!(res.active);
    s.withdraw(&cloud, vec![1]).unwrap();
    let res = s.lease(1);
    assert_eq!(res.withdrawable, Uint128::zero());
    assert_eq!(res.lease.withdrawn, Uint128::new(150));
    s.advance(70);
    let res = s.lease(1);
    assert!(!res.active, "a lease is inactive from its end on");
    assert_eq!(res.earned, Uint128::new(500));
    assert_eq!(res.withdrawable, Uint128::new(350));
    assert_eq!(res.refundable, Uint128::zero());
}

#[test]
fn capacity_reflects_expiry_and_cancellation() {
    let mut s = Suite::new();
    let (cloud, cloud20, alice, bob) = (
        s.cloud.clone(),
        s.cloud20.clone(),
        s.alice.clone(),
        s.bob.clone(),
    );
    assert_eq!(
        s.capacity(&alice, &cloud),
        CapacityResponse {
            bytes: 0,
            leases: 0
        }
    );
    s.buy(&alice, &cloud, 100, 1_000, &[coin(50_000, DENOM)])
        .unwrap();
    s.buy(&alice, &cloud, 50, 500, &[coin(12_500, DENOM)])
        .unwrap();
    // Other owners' and other providers' leases do not count.
    s.buy(&bob, &cloud, 7, 1_000, &[coin(3_500, DENOM)])
        .unwrap();
    s.buy_cw20(&alice, &cloud20, 9, 1_000, 2_250).unwrap();
    assert_eq!(
        s.capacity(&alice, &cloud),
        CapacityResponse {
            bytes: 150,
            leases: 2
        }
    );
    assert_eq!(s.capacity(&alice, &cloud20).bytes, 9);
    assert_eq!(s.capacity(&bob, &cloud).bytes, 7);

    s.advance(499);
    assert_eq!(s.capacity(&alice, &cloud).bytes, 150);
    s.advance(1);
    // Lease 2 ended exactly now.
    assert_eq!(
        s.capacity(&alice, &cloud),
        CapacityResponse {
            bytes: 100,
            leases: 1
        }
    );
    s.cancel(&alice, 1).unwrap();
    assert_eq!(
        s.capacity(&alice, &cloud),
        CapacityResponse {
            bytes: 0,
            leases: 0
        }
    );
    // An extension keeps a lease in capacity past its first end.
    s.buy(&alice, &cloud, 5, 10, &[coin(25, DENOM)]).unwrap();
    s.extend(&alice, 5, 10, &[coin(25, DENOM)]).unwrap();
    s.advance(15);
    assert_eq!(s.capacity(&alice, &cloud).bytes, 5);
    s.advance(5);
    assert_eq!(s.capacity(&alice, &cloud).bytes, 0);
}
