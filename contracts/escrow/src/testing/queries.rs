use cosmwasm_std::coin;

use super::*;

fn ids(response: SalesResponse) -> Vec<u64> {
    response.sales.into_iter().map(|s| s.id).collect()
}

fn by_seller(
    suite: &Suite,
    seller: &Addr,
    start_after: Option<u64>,
    limit: Option<u32>,
) -> Vec<u64> {
    ids(suite
        .app
        .wrap()
        .query_wasm_smart(
            &suite.escrow,
            &QueryMsg::SalesBySeller {
                seller: seller.to_string(),
                start_after,
                limit,
            },
        )
        .unwrap())
}

fn pending(suite: &Suite, start_after: Option<u64>, limit: Option<u32>) -> Vec<u64> {
    ids(suite
        .app
        .wrap()
        .query_wasm_smart(
            &suite.escrow,
            &QueryMsg::PendingDeliveries {
                relayer: suite.relayer.to_string(),
                start_after,
                limit,
            },
        )
        .unwrap())
}

/// Five native assets 10..=14 of the seller, and asset 20 owned by the stranger; the buyer buys
/// all of them (sales 1..=5 and 6), the stranger buys asset 10 (sale 7).
fn many_sales() -> Suite {
    let mut suite = Suite::new();
    let price = CheckedPrice {
        amount: Uint128::new(10),
        denom: CheckedDenom::Native(DENOM.to_string()),
    };
    for id in 10..=14 {
        let asset = suite.asset(id, price.clone(), Level::Low);
        suite.set_asset(asset);
    }
    let mut other = suite.asset(20, price, Level::Low);
    other.owner = suite.stranger.clone();
    suite.set_asset(other);
    let (buyer, stranger) = (suite.buyer.clone(), suite.stranger.clone());
    for id in [10, 11, 12, 13, 14, 20] {
        suite.buy_native(&buyer, id, &[coin(10, DENOM)]).unwrap();
    }
    suite.buy_native(&stranger, 10, &[coin(10, DENOM)]).unwrap();
    suite
}

#[test]
fn sale_not_found() {
    let suite = Suite::new();
    let err = suite
        .app
        .wrap()
        .query_wasm_smart::<Sale>(&suite.escrow, &QueryMsg::Sale { id: 99 })
        .unwrap_err();
    assert!(err.to_string().contains("no sale 99"), "{err}");
}

#[test]
fn sales_by_buyer_pages_by_id() {
    let suite = many_sales();
    let buyer = suite.buyer.clone();
    assert_eq!(
        ids(suite.sales_by_buyer(&buyer, None, None)),
        vec![1, 2, 3, 4, 5, 6]
    );
    assert_eq!(ids(suite.sales_by_buyer(&buyer, None, Some(2))), vec![1, 2]);
    assert_eq!(
        ids(suite.sales_by_buyer(&buyer, Some(2), Some(2))),
        vec![3, 4]
    );
    assert_eq!(
        ids(suite.sales_by_buyer(&buyer, Some(4), Some(2))),
        vec![5, 6]
    );
    assert_eq!(
        ids(suite.sales_by_buyer(&buyer, Some(6), Some(2))),
        Vec::<u64>::new()
    );
    let stranger = suite.stranger.clone();
    assert_eq!(ids(suite.sales_by_buyer(&stranger, None, None)), vec![7]);
    // The full sale comes back, not just the id.
    let sale = &suite.sales_by_buyer(&stranger, None, None).sales[0];
    assert_eq!(sale, &suite.sale(7));
}

#[test]
fn sales_by_seller_pages_by_id() {
    let suite = many_sales();
    assert_eq!(
        by_seller(&suite, &suite.seller, None, None),
        vec![1, 2, 3, 4, 5, 7]
    );
    assert_eq!(
        by_seller(&suite, &suite.seller, Some(3), Some(2)),
        vec![4, 5]
    );
    assert_eq!(by_seller(&suite, &suite.seller, Some(5), None), vec![7]);
    assert_eq!(by_seller(&suite, &suite.stranger, None, None), vec![6]);
    assert!(by_seller(&suite, &suite.buyer, None, None).is_empty());
}

#[test]
fn pending_deliveries_follow_rekey_and_delivery() {
    let mut suite = many_sales();
    assert!(pending(&suite, None, None).is_empty());
    for id in [1, 3, 5] {
        suite.submit_rekey(id).unwrap();
    }
    assert_eq!(pending(&suite, None, None), vec![1, 3, 5]);
    assert_eq!(pending(&suite, None, Some(2)), vec![1, 3]);
    assert_eq!(pending(&suite, Some(3), Some(2)), vec![5]);
    suite.report_delivery(3).unwrap();
    assert_eq!(pending(&suite, None, None), vec![1, 5]);
}

#[test]
fn list_queries_validate_addresses() {
    let suite = Suite::new();
    let err = suite
        .app
        .wrap()
        .query_wasm_smart::<SalesResponse>(
            &suite.escrow,
            &QueryMsg::SalesByBuyer {
                buyer: suite.buyer.as_str().to_uppercase(),
                start_after: None,
                limit: None,
            },
        )
        .unwrap_err();
    assert!(err.to_string().contains("invalid buyer address"), "{err}");
}
