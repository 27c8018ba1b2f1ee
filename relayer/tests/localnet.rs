//! The relayer end to end on the localnet (`localnet/start.sh && localnet/deploy.sh` first; the
//! tests FAIL without a reachable chain). Each test instantiates its own escrow with short
//! deadlines, funds throwaway seller and buyers, uploads assets into a temporary `fs` folder it
//! shares with the relayer binary, and drives the sale with the client crate. The tests take
//! turns (they share the admin account that funds them). `--nocapture` shows the figures.

mod common;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use common::*;
use tokio::sync::Mutex;
use twinshare_relayer::db::JobState;
use twinshare_relayer::lane::Priority;
use twinshare_relayer::FailureKind;
use twinshare_types::escrow::{self, SaleStatus};

static TURN: Mutex<()> = Mutex::const_new(());

/// Paper Fig. 5 with a real relayer: three sales (two High with different fees, one Low) are
/// re-keyed in one tx; the relayer delivers them in one tx, High by fee then Low; the buyer
/// decrypts each asset and checks it against the registered root; after confirming, the seller
/// and the relayer are paid. Then SIGTERM stops the relayer cleanly.
#[tokio::test]
async fn full_workflow_delivers_decrypts_and_pays() {
    let _turn = TURN.lock().await;
    let net = net().await;
    net.ensure_provider().await;
    let escrow = net.own_escrow(30, 30, 10).await;
    let market = Market::new(&net, escrow, 1).await;
    let buyer = &market.buyers[0];
    let assets = market
        .list(
            &net,
            &[
                Priority::Low,
                Priority::High { fee: 50 },
                Priority::High { fee: 500 },
            ],
        )
        .await;
    let sales = market
        .buy(&net, buyer, &assets.iter().collect::<Vec<_>>())
        .await;

    let dir = tempfile::tempdir().expect("tempdir");
    let mut relayer = RelayerProc::new(dir.path(), &market.escrow, market.storage_dir.path());
    relayer.start();
    relayer.wait_healthy(Duration::from_secs(20)).await;

    // The seller grants all three in one tx.
    let rekeys: Vec<(u64, Vec<u8>)> = sales
        .iter()
        .zip(&assets)
        .map(|(sale, asset)| (*sale, market.grant(&net, asset, &buyer.receiving_key())))
        .collect();
    let submitted = Instant::now();
    let rekey_tx = market.submit(rekeys).await;
    let included = submitted.elapsed();
    let since_inclusion = Instant::now();
    for sale in &sales {
        net.wait_status(
            &market.escrow,
            *sale,
            SaleStatus::Delivered,
            Duration::from_secs(20),
        )
        .await;
    }
    let all_delivered = since_inclusion.elapsed();
    let delivered = net.deliveries(&market.escrow, market.escrow_height).await;
    assert_eq!(delivered.len(), 3, "{delivered:?}");
    let txs: std::collections::BTreeSet<_> = delivered.iter().map(|d| d.1.clone()).collect();
    println!(
        "SubmitReKey of 3 sales: broadcast to inclusion {:.0} ms (height {}); from its inclusion \
         to all 3 Delivered on chain {:.0} ms (polling every 50 ms); delivered in {} tx(s) at \
         height(s) {:?}",
        included.as_secs_f64() * 1e3,
        rekey_tx.height,
        all_delivered.as_secs_f64() * 1e3,
        txs.len(),
        delivered.iter().map(|d| d.2).collect::<Vec<_>>(),
    );
    if txs.len() == 1 {
        // One batch: High by fee first, then Low (paper Rule 3).
        let order: Vec<u64> = {
            let mut d = delivered.clone();
            d.sort_by_key(|x| x.3);
            d.iter().map(|x| x.0).collect()
        };
        assert_eq!(
            order,
            [sales[2], sales[1], sales[0]],
            "lane order in the tx"
        );
    }

    // The buyer decrypts each asset and it is the seller's data, under the registered root.
    for (sale_id, asset) in sales.iter().zip(&assets) {
        let sale = net.sale(&market.escrow, *sale_id).await;
        let data = market.download(&net, buyer, asset, &sale).await;
        assert_eq!(data, asset.data, "sale {sale_id}");
    }

    // Confirm: the seller gets the price less the relayer's 5%, the relayer its fee.
    let seller_before = net.twin_balance(market.seller.address()).await;
    let relayer_before = net.twin_balance(net.relayer.address()).await;
    let confirm: Vec<_> = sales
        .iter()
        .map(|id| {
            twinshare_client::Msg::execute(
                &market.escrow,
                &escrow::ExecuteMsg::Confirm { sale_id: *id },
                vec![],
            )
            .expect("confirm msg")
        })
        .collect();
    buyer.signer.send(confirm).await.expect("confirm");
    let fee = PRICE * 500 / 10_000;
    assert_eq!(
        net.twin_balance(market.seller.address()).await,
        seller_before + 3 * (PRICE - fee)
    );
    // Other tests' relayers may be paid at the same time: at least this test's fees arrived.
    assert!(net.twin_balance(net.relayer.address()).await >= relayer_before + 3 * fee);
    for id in &sales {
        assert_eq!(
            net.sale(&market.escrow, *id).await.status,
            SaleStatus::Confirmed
        );
    }

    // What the operator sees.
    let status = relayer
        .wait_jobs(JobState::Delivered, 3, Duration::from_secs(10))
        .await;
    assert_eq!(status.source, "daemon");
    let metrics = relayer.metrics().await;
    assert_eq!(
        metric(
            &metrics,
            "twinshare_relayer_jobs{state=\"delivered\",lane=\"high\"}"
        ),
        Some(2.0)
    );
    assert_eq!(
        metric(
            &metrics,
            "twinshare_relayer_jobs{state=\"delivered\",lane=\"low\"}"
        ),
        Some(1.0)
    );
    let count = metric(&metrics, "twinshare_relayer_reencrypt_seconds_count").unwrap_or(0.0);
    let sum = metric(&metrics, "twinshare_relayer_reencrypt_seconds_sum").unwrap_or(0.0);
    assert_eq!(count, 3.0);
    let reencrypt_ms: Vec<f64> = status.jobs.iter().filter_map(|j| j.reencrypt_ms).collect();
    println!(
        "re-encryption (open + verify kfrags + re-encrypt, {} build): mean {:.2} ms, per job {:?} ms; \
         deliveries per tx: {:?}",
        if cfg!(debug_assertions) { "debug" } else { "release" },
        sum / count * 1e3,
        reencrypt_ms,
        status.jobs.iter().map(|j| j.batch_deliveries).collect::<Vec<_>>()
    );
    println!("{}", relayer.status_text());

    let exit = relayer.terminate(Duration::from_secs(10));
    assert!(
        exit.success(),
        "exit {exit:?}; log:\n{}",
        relayer.log_text()
    );
    assert!(relayer.log_text().contains("stopped"));
    market.close(&net).await;
}

/// Crash safety: twenty sales are re-keyed a few at a time while the relayer is killed with
/// SIGKILL at random moments and started again. Every sale is delivered, exactly once.
#[tokio::test]
async fn kill_9_at_random_points_misses_nothing_and_delivers_once() {
    let _turn = TURN.lock().await;
    let net = net().await;
    net.ensure_provider().await;
    let escrow = net.own_escrow(300, 300, 10).await;
    let market = Market::new(&net, escrow, 4).await;
    let priorities: Vec<Priority> = (0..5)
        .map(|i| {
            if i % 2 == 0 {
                Priority::High {
                    fee: 10 + random_ms(0, 990).as_millis(),
                }
            } else {
                Priority::Low
            }
        })
        .collect();
    let assets = market.list(&net, &priorities).await;
    // 4 buyers x 5 assets = 20 sales.
    let mut sales: Vec<(u64, usize, usize)> = Vec::new();
    for (b, buyer) in market.buyers.iter().enumerate() {
        let ids = market
            .buy(&net, buyer, &assets.iter().collect::<Vec<_>>())
            .await;
        sales.extend(ids.into_iter().enumerate().map(|(a, id)| (id, b, a)));
    }
    assert_eq!(sales.len(), 20);

    let dir = tempfile::tempdir().expect("tempdir");
    let mut relayer = RelayerProc::new(dir.path(), &market.escrow, market.storage_dir.path());
    relayer.start();
    relayer.wait_healthy(Duration::from_secs(20)).await;

    let started = Instant::now();
    let mut kills = 0;
    let mut next_kill = Instant::now() + random_ms(150, 1_000);
    let mut pending: Vec<(u64, usize, usize)> = sales.clone();
    // Re-keys go out in groups of 1-4 at random intervals; the relayer dies at random moments
    // meanwhile (and, once everything is submitted, a few more times).
    let mut kills_after_submit = 0;
    loop {
        if !pending.is_empty() {
            let n = (random_ms(1, 5).as_millis() as usize).min(pending.len());
            let group: Vec<_> = pending.drain(..n).collect();
            let rekeys = group
                .iter()
                .map(|(id, b, a)| {
                    (
                        *id,
                        market.grant(&net, &assets[*a], &market.buyers[*b].receiving_key()),
                    )
                })
                .collect();
            market.submit(rekeys).await;
        }
        tokio::time::sleep(random_ms(0, 600)).await;
        if Instant::now() >= next_kill {
            relayer.kill9();
            kills += 1;
            if pending.is_empty() {
                kills_after_submit += 1;
            }
            tokio::time::sleep(random_ms(0, 300)).await;
            relayer.start();
            next_kill = Instant::now() + random_ms(150, 1_000);
        }
        if pending.is_empty() && kills_after_submit >= 3 {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "the kill loop took too long"
        );
    }
    // Let the last run finish the work.
    for (id, _, _) in &sales {
        net.wait_status(
            &market.escrow,
            *id,
            SaleStatus::Delivered,
            Duration::from_secs(60),
        )
        .await;
    }
    let all_delivered = started.elapsed();

    // Exactly one successful ReportDelivery per sale on chain.
    let delivered = net.deliveries(&market.escrow, market.escrow_height).await;
    let mut per_sale: BTreeMap<u64, usize> = BTreeMap::new();
    let mut per_tx: BTreeMap<String, usize> = BTreeMap::new();
    for (sale, tx, _, _) in &delivered {
        *per_sale.entry(*sale).or_default() += 1;
        *per_tx.entry(tx.clone()).or_default() += 1;
    }
    for (id, _, _) in &sales {
        assert_eq!(
            per_sale.get(id),
            Some(&1),
            "sale {id} delivered {:?} times",
            per_sale.get(id)
        );
    }
    assert_eq!(per_sale.len(), 20);

    // The stored cfrags are the ones reported (never replaced after a report), and open.
    for (id, b, a) in &sales {
        let sale = net.sale(&market.escrow, *id).await;
        let data = market
            .download(&net, &market.buyers[*b], &assets[*a], &sale)
            .await;
        assert_eq!(data, assets[*a].data, "sale {id}");
    }

    // The relayer's own account, once the last run's records caught up with the chain (a job
    // killed while reporting waits the recovery delay, then finds its sale delivered): every
    // sale was logged either as reported by the run that sent it, or as found delivered after
    // a restart; none was reported twice; refused txs are counted.
    relayer.wait_healthy(Duration::from_secs(20)).await;
    relayer
        .wait_jobs(JobState::Delivered, 20, Duration::from_secs(15))
        .await;
    let log = relayer.log_text();
    let per_line = |needle: &str| {
        let mut out: BTreeMap<u64, usize> = BTreeMap::new();
        for line in log.lines().filter(|l| l.contains(needle)) {
            if let Some(sale) = field(line, "sale") {
                *out.entry(sale).or_default() += 1;
            }
        }
        out
    };
    let logged = per_line("delivery reported");
    let found = per_line("the escrow already holds this relayer's delivery");
    assert!(logged.values().all(|n| *n == 1), "{logged:?}");
    for (id, _, _) in &sales {
        assert!(
            logged.contains_key(id) || found.contains_key(id),
            "sale {id} is in no log line"
        );
    }
    let found = found.len();
    let refused = log.matches("the escrow refused the delivery tx").count();
    let sizes: Vec<usize> = per_tx.values().copied().collect();
    println!(
        "kill -9: {} SIGKILLs over {} runs in {:.1} s; all 20 delivered {:.1} s after the first \
         re-key; {} delivery txs with {:?} deliveries each; {} sales logged as reported by the \
         run that sent them, {} found already delivered after a restart; {} refused delivery txs",
        kills,
        relayer.runs,
        started.elapsed().as_secs_f64(),
        all_delivered.as_secs_f64(),
        per_tx.len(),
        sizes,
        logged.len(),
        found,
        refused
    );
    let exit = relayer.terminate(Duration::from_secs(10));
    assert!(exit.success(), "exit {exit:?}");
    for (b, buyer) in market.buyers.iter().enumerate() {
        let mine: Vec<u64> = sales.iter().filter(|s| s.1 == b).map(|s| s.0).collect();
        market.confirm(buyer, &mine).await;
    }
    market.close(&net).await;
}

/// Bad input from the chain: garbage kfrags, kfrags made for another buyer's key, and an asset
/// whose manifest (capsule) is gone from storage each fail their job with the reason, visible
/// in `status` and the metrics; the daemon keeps running and delivers a good sale after them.
/// The operator puts the manifest back and runs `replay --from-height`: that sale is delivered,
/// the bad kfrags fail again. The buyer takes the other two payments back once the delivery
/// deadline passes.
#[tokio::test]
async fn bad_kfrags_fail_cleanly_and_the_buyer_is_refunded() {
    let _turn = TURN.lock().await;
    let net = net().await;
    net.ensure_provider().await;
    let escrow = net.own_escrow(60, 12, 5).await;
    let market = Market::new(&net, escrow, 2).await;
    let (buyer, other) = (&market.buyers[0], &market.buyers[1]);
    let assets = market
        .list(
            &net,
            &[
                Priority::High { fee: 100 },
                Priority::Low,
                Priority::High { fee: 7 },
                Priority::Low,
            ],
        )
        .await;
    let sales = market
        .buy(&net, buyer, &assets.iter().collect::<Vec<_>>())
        .await;

    let dir = tempfile::tempdir().expect("tempdir");
    let mut relayer = RelayerProc::new(dir.path(), &market.escrow, market.storage_dir.path());
    relayer.start();
    relayer.wait_healthy(Duration::from_secs(20)).await;

    // The capsule of asset 2 disappears from storage.
    let manifest_path = assets[2].storage_id.manifest_path();
    let manifest = market
        .op
        .read(&manifest_path)
        .await
        .expect("manifest")
        .to_vec();
    market
        .op
        .delete(&manifest_path)
        .await
        .expect("delete manifest");
    let balance_before = net.twin_balance(buyer.address()).await;
    let rekeys = vec![
        (sales[0], b"these are not kfrags".to_vec()),
        (
            sales[1],
            market.grant(&net, &assets[1], &other.receiving_key()),
        ),
        (
            sales[2],
            market.grant(&net, &assets[2], &buyer.receiving_key()),
        ),
        (
            sales[3],
            market.grant(&net, &assets[3], &buyer.receiving_key()),
        ),
    ];
    let submitted = Instant::now();
    let rekey_tx = market.submit(rekeys).await;

    // The good sale is delivered despite its failing neighbours.
    net.wait_status(
        &market.escrow,
        sales[3],
        SaleStatus::Delivered,
        Duration::from_secs(20),
    )
    .await;
    let sale = net.sale(&market.escrow, sales[3]).await;
    assert_eq!(
        market.download(&net, buyer, &assets[3], &sale).await,
        assets[3].data
    );

    // The bad ones fail with their reasons; the daemon lives on.
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        let status = relayer.status();
        // The chain shows the good sale delivered as soon as its tx is in a block; the relayer
        // records it when its poll sees the tx.
        let settled = status.in_state(JobState::Failed).count() == 3
            && status.in_state(JobState::Delivered).count() == 1;
        if settled || Instant::now() > deadline {
            break status;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let job = |id: u64| {
        status
            .jobs
            .iter()
            .find(|j| j.sale_id == id)
            .unwrap_or_else(|| panic!("no job for sale {id}"))
            .clone()
    };
    for (id, kind) in [
        (sales[0], FailureKind::BadKfrags),
        (sales[1], FailureKind::BadKfrags),
        (sales[2], FailureKind::MissingCapsule),
    ] {
        let j = job(id);
        assert_eq!(j.state, JobState::Failed, "sale {id}: {j:?}");
        assert_eq!(j.failure, Some(kind), "sale {id}: {j:?}");
        println!(
            "sale {id}: failed ({kind}): {}",
            j.last_error.unwrap_or_default()
        );
    }
    assert!(job(sales[1])
        .clone()
        .last_error
        .unwrap_or_default()
        .contains("verification"));
    assert_eq!(job(sales[3]).state, JobState::Delivered);
    println!("{}", relayer.status_text());
    let metrics = relayer.metrics().await;
    assert_eq!(
        metric(
            &metrics,
            "twinshare_relayer_job_failures_total{kind=\"bad_kfrags\"}"
        ),
        Some(2.0)
    );
    assert_eq!(
        metric(
            &metrics,
            "twinshare_relayer_job_failures_total{kind=\"missing_capsule\"}"
        ),
        Some(1.0)
    );
    let failed: f64 = ["high", "low"]
        .iter()
        .filter_map(|lane| {
            metric(
                &metrics,
                &format!("twinshare_relayer_jobs{{state=\"failed\",lane=\"{lane}\"}}"),
            )
        })
        .sum();
    assert_eq!(failed, 3.0);
    assert!(
        relayer.alive(),
        "the relayer died; log:\n{}",
        relayer.log_text()
    );
    let (code, _) = twinshare_relayer::http::get_local(&relayer.http, "/healthz")
        .await
        .expect("healthz");
    assert_eq!(code, 200);

    // The operator restores the manifest and replays from the re-keys' height: the sale whose
    // capsule was missing is delivered; the bad kfrags fail again.
    market
        .op
        .write(&manifest_path, manifest)
        .await
        .expect("restore manifest");
    assert!(relayer.terminate(Duration::from_secs(10)).success());
    let from = rekey_tx.height.to_string();
    relayer.start_with(&["replay", "--from-height", &from]);
    relayer.wait_healthy(Duration::from_secs(20)).await;
    net.wait_status(
        &market.escrow,
        sales[2],
        SaleStatus::Delivered,
        Duration::from_secs(8),
    )
    .await;
    let sale = net.sale(&market.escrow, sales[2]).await;
    assert_eq!(
        market.download(&net, buyer, &assets[2], &sale).await,
        assets[2].data
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let status = relayer.status();
        let failed: Vec<u64> = status
            .in_state(JobState::Failed)
            .map(|j| j.sale_id)
            .collect();
        // The chain shows a delivery as soon as its tx is in a block; the relayer records it
        // when its poll sees the tx: wait for both.
        if failed == [sales[0], sales[1]] && status.in_state(JobState::Delivered).count() == 2 {
            break;
        }
        assert!(Instant::now() < deadline, "{}", relayer.status_text());
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    println!("after the replay:\n{}", relayer.status_text());

    // After the delivery deadline (12 s) the buyer takes the two payments back.
    let wait = Duration::from_secs(13).saturating_sub(submitted.elapsed());
    tokio::time::sleep(wait).await;
    let refund = |id: u64| {
        twinshare_client::Msg::execute(
            &market.escrow,
            &escrow::ExecuteMsg::Refund { sale_id: id },
            vec![],
        )
        .expect("refund msg")
    };
    let mut tries = 0;
    loop {
        match buyer
            .signer
            .send(vec![refund(sales[0]), refund(sales[1])])
            .await
        {
            Ok(_) => break,
            // Block time may trail the wall clock by a block or two.
            Err(e) if tries < 10 && e.to_string().contains("refund") => {
                tries += 1;
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
            Err(e) => panic!("refund: {e}"),
        }
    }
    for id in &sales[..2] {
        assert_eq!(
            net.sale(&market.escrow, *id).await.status,
            SaleStatus::Refunded
        );
    }
    assert_eq!(
        net.twin_balance(buyer.address()).await,
        balance_before + 2 * PRICE
    );
    assert!(relayer.alive());
    let exit = relayer.terminate(Duration::from_secs(10));
    assert!(exit.success());
    market.confirm(buyer, &sales[2..]).await;
    market.close(&net).await;
}

/// `key=value` of a log line (tracing's default format), as a number.
fn field(line: &str, key: &str) -> Option<u64> {
    let start = line.find(&format!(" {key}="))? + key.len() + 2;
    line[start..]
        .split(|c: char| !c.is_ascii_digit())
        .next()
        .and_then(|v| v.parse().ok())
}

/// RPC loss: the relayer reaches the node through a proxy that the test cuts for a few seconds
/// while re-keys are submitted; the relayer retries, reconnects, catches up on the blocks it
/// missed and delivers them, then goes on with live events.
#[tokio::test]
async fn rpc_loss_reconnects_and_catches_up() {
    let _turn = TURN.lock().await;
    let net = net().await;
    net.ensure_provider().await;
    let escrow = net.own_escrow(60, 60, 5).await;
    let market = Market::new(&net, escrow, 1).await;
    let buyer = &market.buyers[0];
    let assets = market
        .list(
            &net,
            &[Priority::High { fee: 20 }, Priority::Low, Priority::Low],
        )
        .await;
    let sales = market
        .buy(&net, buyer, &assets.iter().collect::<Vec<_>>())
        .await;
    let upstream = net
        .d
        .rpc
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_string();
    let mut proxy = Proxy::start(&upstream).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let mut relayer = RelayerProc::with_rpc(
        dir.path(),
        &market.escrow,
        market.storage_dir.path(),
        Some(&proxy.url()),
    );
    relayer.start();
    relayer.wait_healthy(Duration::from_secs(20)).await;

    proxy.cut();
    let cut = Instant::now();
    let rekeys: Vec<(u64, Vec<u8>)> = sales[..2]
        .iter()
        .zip(&assets)
        .map(|(sale, asset)| (*sale, market.grant(&net, asset, &buyer.receiving_key())))
        .collect();
    market.submit(rekeys).await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    for id in &sales[..2] {
        assert_eq!(
            net.sale(&market.escrow, *id).await.status,
            SaleStatus::ReKeySubmitted,
            "delivered while the RPC was cut?"
        );
    }
    proxy.restore().await;
    let outage = cut.elapsed();
    let restored = Instant::now();
    for id in &sales[..2] {
        net.wait_status(
            &market.escrow,
            *id,
            SaleStatus::Delivered,
            Duration::from_secs(30),
        )
        .await;
    }
    let recovered = restored.elapsed();

    // Live again.
    market
        .submit(vec![(
            sales[2],
            market.grant(&net, &assets[2], &buyer.receiving_key()),
        )])
        .await;
    net.wait_status(
        &market.escrow,
        sales[2],
        SaleStatus::Delivered,
        Duration::from_secs(20),
    )
    .await;
    let metrics = relayer.metrics().await;
    let disconnects = metric(&metrics, "twinshare_relayer_event_disconnects_total").unwrap_or(0.0);
    assert!(disconnects >= 1.0, "{metrics}");
    let delivered = net.deliveries(&market.escrow, market.escrow_height).await;
    assert_eq!(delivered.len(), 3, "{delivered:?}");
    println!(
        "RPC cut for {:.1} s: both re-keys delivered {:.1} s after it came back; {} event \
         disconnection(s)",
        outage.as_secs_f64(),
        recovered.as_secs_f64(),
        disconnects
    );
    assert!(relayer.terminate(Duration::from_secs(10)).success());
    market.confirm(buyer, &sales).await;
    market.close(&net).await;
}
