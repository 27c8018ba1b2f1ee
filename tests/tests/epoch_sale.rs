//! A buyer's check of an anchored stream epoch (issue 9: "a buyer of an epoch can check each
//! record against its leaf"), end to end on the localnet through the real `twinshare` binary
//! and the real `twinshare-relayer` daemon (anchoring service and re-encryption in one):
//!
//! an owner publishes a short stream (two epochs), offers one epoch (`stream offer`: registry
//! record + data-token listing), a buyer buys it; before the delivery `stream verify --sale`
//! says it is not delivered, and a third account is refused; the owner grants, the daemon
//! re-encrypts and reports the delivery, and the buyer's `stream verify --sale` checks every
//! record of the epoch against its proof and the anchored root on chain. The owner's own
//! `stream verify` still works, a second offer of the same epoch is refused, and an offer
//! stopped after its Register tx completes when run again. A bought
//! record that is not an epoch is named as such.
//!
//! The daemon uses the dev `relayer` account (the registry's anchorer) and an escrow of the
//! test's own, so it relays only this test's sale.

use std::time::{Duration, Instant};

use serde_json::Value;
use twinshare_cli::commands::stream_offer::upload_report_of;
use twinshare_cli::commands::upload::{register_record, RecordSpec};
use twinshare_e2e::daemon::AnchorDaemon;
use twinshare_e2e::{assert_says, num, suffix, Cli, Localnet, START};
use twinshare_types::escrow::{QueryMsg as EscrowQuery, Sale, SaleStatus};
use twinshare_types::registry::Level;

const PRICE: u128 = 25_000;
const RECORDS: usize = 300;

async fn sale(net: &Localnet, escrow: &str, id: u64) -> Sale {
    net.chain
        .client
        .query_smart(escrow, &EscrowQuery::Sale { id })
        .await
        .unwrap_or_else(|e| panic!("sale {id}: {e}; {START}"))
}

/// Waits (at most 30 s) for the daemon to deliver a granted sale; the milliseconds it took.
async fn delivered(net: &Localnet, escrow: &str, sale_id: u64, daemon: &AnchorDaemon) -> u128 {
    let granted = Instant::now();
    loop {
        let s = sale(net, escrow, sale_id).await;
        match s.status {
            SaleStatus::Delivered => return granted.elapsed().as_millis(),
            SaleStatus::ReKeySubmitted => {}
            other => panic!("sale {sale_id} became {other:?}"),
        }
        assert!(
            granted.elapsed() < Duration::from_secs(30),
            "sale {sale_id} not delivered 30 s after the grant; the daemon's log:\n{}",
            daemon.logs()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_buyer_verifies_every_record_of_a_bought_epoch() {
    let t0 = Instant::now();
    let net = Localnet::connect().await;
    net.ensure_provider().await;
    let funder = net.dev("alice");
    let sfx = suffix();

    // Throwaway owner, buyer and stranger; the test's own escrow.
    let escrow = net.own_escrow(&funder, 120, 120).await;
    let (owner, owner_words) = net.fresh("owner");
    let (buyer, buyer_words) = net.fresh("buyer");
    let (_, stranger_words) = net.fresh("stranger");
    net.fund(
        &funder,
        &[
            (owner.address(), 3_000_000, 200_000),
            (buyer.address(), 1_000_000, 2 * PRICE),
        ],
    )
    .await;
    let mut cli = Cli::new(&net.deployment_path);
    for (name, words) in [
        ("owner", &owner_words),
        ("buyer", &buyer_words),
        ("stranger", &stranger_words),
    ] {
        cli.import_unencrypted(name, words);
    }
    cli.deployment = net.deployment_with_escrow(&escrow, cli.dir.path());

    // The daemon: anchors the owner's claims and relays this escrow's sales, on the test's
    // storage folder.
    let mut daemon = AnchorDaemon::start(
        &cli.path("daemon"),
        &net.deployment_path,
        &escrow,
        &cli.storage_uri(),
        &format!("epochs-e2e-{sfx}"),
        "",
    );

    // The owner: party key (the buyer checks the cfrags against it), a channel with the buyer,
    // a lease, a sensor.
    let as_owner = |args: &[&str]| {
        let mut v = vec!["--from", "owner"];
        v.extend_from_slice(args);
        cli.json(&v)
    };
    as_owner(&["party", "register", "--name", "epoch-sale owner"]);
    let channel = format!("e2e-epochs-{sfx}");
    as_owner(&["channel", "create", &channel, "buyer"]);
    as_owner(&["lease", "buy", "--bytes", "16MiB", "--duration", "1h"]);
    as_owner(&["stream", "sensor", "add", "s1"]);
    daemon.wait_ready(Duration::from_secs(30)).await;
    let url = daemon.anchor.clone();

    // 300 records in batches of 100, epochs cut at 150: two epochs.
    let stream = format!("e2e-{sfx}/vib");
    let file = cli.records_file("vib.csv", RECORDS);
    let published = as_owner(&[
        "--quiet",
        "stream",
        "publish",
        "--stream",
        &stream,
        "--sensor",
        "s1",
        "--file",
        &file,
        "--max-batch",
        "100",
        "--epoch-records",
        "150",
        "--anchor-url",
        &url,
    ]);
    assert_eq!(num(&published["records"]), RECORDS as u128, "{published}");
    let epochs = published["epochs"].as_array().expect("epochs").clone();
    assert!(epochs.len() >= 2, "a couple of epochs: {published}");
    let covered: u128 = epochs.iter().map(|e| num(&e["records"])).sum();
    assert_eq!(covered, RECORDS as u128, "the epochs hold every record");
    // The later epoch, named by stream and first seq (the other way is --epoch LOCATOR).
    let sold: &Value = &epochs[1];
    let first_seq = num(&sold["first_seq"]).to_string();
    let sold_records = num(&sold["records"]);
    let locator = sold["locator"].as_str().expect("locator").to_string();

    // Nothing is registered for an account the epoch does not open for.
    let err = cli.fails(&[
        "--from",
        "stranger",
        "stream",
        "offer",
        "--epoch",
        &locator,
        "--channel",
        &channel,
        "--price",
        "1",
    ]);
    assert_says(&err, &["does not open"]);

    let offered = as_owner(&[
        "stream",
        "offer",
        "--stream",
        &stream,
        "--first-seq",
        &first_seq,
        "--channel",
        &channel,
        "--price",
        &PRICE.to_string(),
    ]);
    assert_eq!(
        offered["epoch"].as_str(),
        Some(locator.as_str()),
        "{offered}"
    );
    assert_eq!(
        offered["root"], sold["root"],
        "the record's hash is the epoch's root"
    );
    assert_eq!(num(&offered["records"]), sold_records);
    let record_id = num(&offered["record_id"]) as u64;
    let asset = num(&offered["asset_id"]).to_string();
    let record = net.chain.record(record_id).await.expect("record");
    assert_eq!(record.owner.as_str(), owner.address());
    assert_eq!(record.locator, locator);
    assert_eq!(
        Some(record.hash.to_hex()),
        offered["root"].as_str().map(String::from)
    );
    // Offering it twice is refused, naming the listing.
    let again = cli.fails(&[
        "--from",
        "owner",
        "stream",
        "offer",
        "--epoch",
        &locator,
        "--channel",
        &channel,
        "--price",
        "1",
    ]);
    assert_says(&again, &["offered already", &format!("asset {asset}")]);

    // An offer stopped after its Register tx (the first epoch registered, not listed): offering
    // again reuses the record and lists it.
    let first = &epochs[0];
    let first_locator = first["locator"].as_str().expect("locator");
    let opened = twinshare_stream::epoch::open(
        &cli.operator(),
        &twinshare_uploader::AssetId::from_locator(first_locator).expect("asset id"),
        twinshare_uploader::Opener::Owner(owner.master.clone()),
        None,
    )
    .await
    .expect("the owner opens its epoch");
    let spec = RecordSpec {
        channel: channel.clone(),
        provider: net.dev("provider").address().to_string(),
        level: Level::Low,
        stream: None,
    };
    let (half_done, _) =
        register_record(&net.chain, &owner, &upload_report_of(&opened.report), &spec)
            .await
            .expect("register the first epoch");
    // At the sale's price: the web wallet's tests expect no listing at 1 or less.
    let resumed = as_owner(&[
        "stream",
        "offer",
        "--epoch",
        first_locator,
        "--channel",
        &channel,
        "--price",
        &PRICE.to_string(),
    ]);
    assert_eq!(num(&resumed["record_id"]) as u64, half_done, "{resumed}");
    assert!(
        resumed["register_tx"].is_null(),
        "no second Register: {resumed}"
    );
    let listed = net
        .chain
        .asset(num(&resumed["asset_id"]) as u64)
        .await
        .expect("the listing");
    assert_eq!(listed.record_id, half_done);

    // The buyer pays; before the delivery the check says what to wait for.
    let bought = cli.json(&["--from", "buyer", "buy", &asset]);
    let sale_id = num(&bought["sale_id"]) as u64;
    let sale_arg = sale_id.to_string();
    let verify_sale = |who: &'static str| {
        vec![
            "--from",
            who,
            "stream",
            "verify",
            "--sale",
            sale_arg.as_str(),
            "--anchor-url",
            url.as_str(),
        ]
    };
    let early = cli.fails(&verify_sale("buyer"));
    assert_says(&early, &["not delivered yet", "grant"]);
    let stranger = cli.fails(&verify_sale("stranger"));
    assert_says(&stranger, &["was bought by", buyer.address()]);

    // The owner grants; the daemon re-encrypts and reports the delivery.
    as_owner(&["grant", &sale_arg]);
    let delivery_ms = delivered(&net, &escrow, sale_id, &daemon).await;

    // The buyer checks every record of what it bought.
    let started = Instant::now();
    let v = cli.json(&verify_sale("buyer"));
    let verify_ms = started.elapsed().as_millis();
    assert_eq!(num(&v["records"]), sold_records, "{v}");
    assert_eq!(num(&v["verified"]), sold_records, "{v}");
    assert_eq!(num(&v["failed"]), 0, "{v}");
    assert!(!v["batches"].as_array().expect("batches").is_empty(), "{v}");
    assert_eq!(num(&v["sale_id"]) as u64, sale_id);
    assert_eq!(num(&v["record_id"]) as u64, record_id);
    assert_eq!(v["owner"].as_str(), Some(owner.address()));
    assert_eq!(v["stream"].as_str(), Some(stream.as_str()));
    assert_eq!(v["first_seq"], sold["first_seq"]);
    assert_eq!(v["last_seq"], sold["last_seq"]);
    let results = v["results"].as_array().expect("results");
    assert_eq!(results.len() as u128, sold_records);
    assert!(results.iter().all(|r| r["ok"] == true), "{v}");
    // Still only the buyer, after the delivery too.
    let stranger = cli.fails(&verify_sale("stranger"));
    assert_says(&stranger, &["was bought by"]);
    // The text says what was checked and the next step.
    let text = cli.run(&verify_sale("buyer"));
    assert!(text.ok(), "{}", text.stderr());
    assert_says(
        &text.stdout(),
        &[
            &format!("{sold_records} of {sold_records} verified"),
            &format!("twinshare confirm {sale_id}"),
        ],
    );

    // The owner's path is unchanged.
    let own = as_owner(&[
        "stream",
        "verify",
        "--epoch",
        &locator,
        "--anchor-url",
        &url,
    ]);
    assert_eq!(num(&own["verified"]), sold_records, "{own}");
    assert_eq!(num(&own["failed"]), 0, "{own}");
    assert_eq!(own["batches"], v["batches"], "the same anchored batches");

    // A sale of data that is not an epoch: the buyer is told so, and how to fetch it.
    let csv = cli.path("plain.csv");
    // Distinct per run: a registry record owns its hash.
    std::fs::write(&csv, format!("t,ax,run\n1,0.5,{sfx}\n2,0.25,{sfx}\n")).expect("csv");
    let up = as_owner(&[
        "upload",
        csv.to_str().expect("path"),
        "--channel",
        &channel,
        "--level",
        "low",
    ]);
    let plain_record = num(&up["record_id"]).to_string();
    let listed = as_owner(&["tokenize", &plain_record, "--price", &PRICE.to_string()]);
    let plain_asset = num(&listed["asset_id"]).to_string();
    let plain_sale = num(&cli.json(&["--from", "buyer", "buy", &plain_asset])["sale_id"]) as u64;
    as_owner(&["grant", &plain_sale.to_string()]);
    delivered(&net, &escrow, plain_sale, &daemon).await;
    let err = cli.fails(&[
        "--from",
        "buyer",
        "stream",
        "verify",
        "--sale",
        &plain_sale.to_string(),
        "--anchor-url",
        &url,
    ]);
    assert_says(
        &err,
        &[
            "not a stream epoch",
            &format!("twinshare download --sale {plain_sale}"),
        ],
    );

    daemon.proc.kill9();
    eprintln!(
        "epoch sale: {RECORDS} records in {} epochs; epoch of {sold_records} records sold \
         (sale {sale_id}), delivered {delivery_ms} ms after the grant, verified by the buyer in \
         {verify_ms} ms against {} batch(es); {:.1} s in all",
        epochs.len(),
        v["batches"].as_array().map_or(0, Vec::len),
        t0.elapsed().as_secs_f64()
    );
}
