//! The refund path (paper 4.6: deadlines protect the buyer): an escrow of the test's own with a
//! 6 s re-key deadline (the deployed escrow code, wired to the deployed data-token and
//! storage-payment, admin the dev admin), the CLI pointed at it with `--deployment`; a buyer
//! pays for an asset whose seller never grants, cannot take the money back before the deadline,
//! and after it `twinshare refund` restores the buyer's TWIN exactly.

use std::time::Duration;

use twinshare_e2e::{assert_says, fee_of, now_ms, num, random_u64, suffix, Cli, Localnet};
use twinshare_types::escrow::{Config as EscrowConfig, QueryMsg as EscrowQuery, SaleStatus};

const PRICE: u128 = 40_000;
const BUYER_TWIN: u128 = 100_000;
const TIMEOUT_SECS: u64 = 6;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sale_the_seller_never_grants_is_refunded_after_the_deadline() {
    let net = Localnet::connect().await;
    net.ensure_provider().await;
    let funder = net.dev("alice");
    let sfx = suffix();

    // The escrow of this test: same code, 6 s deadlines, the dev admin as admin.
    let escrow = net.own_escrow(&funder, TIMEOUT_SECS, TIMEOUT_SECS).await;
    let config: EscrowConfig = net
        .chain
        .client
        .query_smart(&escrow, &EscrowQuery::Config {})
        .await
        .expect("escrow config");
    assert_eq!(config.rekey_timeout_secs, TIMEOUT_SECS);
    assert_eq!(config.delivery_timeout_secs, TIMEOUT_SECS);
    assert_eq!(
        Some(&config.admin.to_string()),
        net.network.accounts.get("admin")
    );
    assert_eq!(config.data_token.as_str(), net.contracts().data_token);

    // A throwaway seller and buyer, funded by alice in one tx.
    let (seller, seller_words) = net.fresh("seller");
    let (buyer, buyer_words) = net.fresh("buyer");
    net.fund(
        &funder,
        &[
            (seller.address(), 2_000_000, 10_000),
            (buyer.address(), 1_000_000, BUYER_TWIN),
        ],
    )
    .await;

    let cli = Cli::new(&net.deployment_path);
    for (name, words) in [("seller", &seller_words), ("buyer", &buyer_words)] {
        cli.import_unencrypted(name, words);
    }
    let own = net.deployment_with_escrow(&escrow, cli.dir.path());
    let cli = cli.with_deployment(&own);

    // The seller lists a small record in a channel with the buyer.
    let channel = format!("e2e-refund-{sfx}");
    cli.json(&["--from", "seller", "channel", "create", &channel, "buyer"]);
    cli.json(&[
        "--from",
        "seller",
        "lease",
        "buy",
        "--bytes",
        "16KiB",
        "--duration",
        "15m",
    ]);
    let file = cli.path("plan.csv");
    twinshare_cli::sample::write_vibration_csv(&file, 8 * 1024, random_u64(), 100, now_ms())
        .expect("sample");
    let up = cli.json(&[
        "--from",
        "seller",
        "upload",
        file.to_str().expect("path"),
        "--channel",
        &channel,
        "--level",
        "low",
    ]);
    let record = num(&up["record_id"]).to_string();
    let price = PRICE.to_string();
    let t = cli.json(&["--from", "seller", "tokenize", &record, "--price", &price]);
    let asset = num(&t["asset_id"]).to_string();

    // The buyer pays into the test's escrow.
    assert_eq!(net.cw20(buyer.address()).await, BUYER_TWIN);
    let b = cli.json(&["--from", "buyer", "buy", &asset]);
    let sale_id = num(&b["sale_id"]) as u64;
    let sale_arg = sale_id.to_string();
    assert_eq!(net.cw20(buyer.address()).await, BUYER_TWIN - PRICE);
    assert_eq!(
        net.cw20(&escrow).await,
        PRICE,
        "the test's escrow holds the price"
    );
    let sale: twinshare_types::escrow::Sale = net
        .chain
        .client
        .query_smart(&escrow, &EscrowQuery::Sale { id: sale_id })
        .await
        .expect("sale in the test's escrow");
    assert_eq!(sale.status, SaleStatus::Paid);
    assert_eq!(
        sale.rekey_deadline.seconds() - sale.created_at.seconds(),
        TIMEOUT_SECS
    );

    // Before the deadline: refused, nothing moves.
    let ustake = net.ustake(buyer.address()).await;
    let refused = cli.fails(&["--from", "buyer", "refund", &sale_arg]);
    assert_says(&refused, &["no refund of sale", "yet", "re-key"]);
    assert_eq!(net.cw20(buyer.address()).await, BUYER_TWIN - PRICE);
    assert_eq!(
        net.ustake(buyer.address()).await,
        ustake,
        "no fee for a refused refund"
    );

    // The seller never grants; past the deadline the buyer takes the payment back.
    net.wait_past(sale.rekey_deadline, Duration::from_secs(60))
        .await;
    let r = cli.json(&["--from", "buyer", "refund", &sale_arg]);
    let refund_fee = fee_of(&r);
    assert!(refund_fee > 0);
    let sale: twinshare_types::escrow::Sale = net
        .chain
        .client
        .query_smart(&escrow, &EscrowQuery::Sale { id: sale_id })
        .await
        .expect("sale");
    assert_eq!(sale.status, SaleStatus::Refunded);
    assert_eq!(
        net.cw20(buyer.address()).await,
        BUYER_TWIN,
        "the buyer's TWIN is restored exactly"
    );
    assert_eq!(
        net.cw20(&escrow).await,
        0,
        "the test's escrow holds nothing"
    );
    assert_eq!(
        ustake - net.ustake(buyer.address()).await,
        refund_fee,
        "the refund cost the buyer its gas fee only"
    );

    // Only once.
    let again = cli.fails(&["--from", "buyer", "refund", &sale_arg]);
    assert_says(&again, &["refund"]);
    assert_eq!(net.cw20(buyer.address()).await, BUYER_TWIN);
}
