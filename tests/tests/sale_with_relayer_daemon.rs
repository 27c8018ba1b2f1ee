//! The whole sale with nobody acting by hand after the purchase (paper 4.6, Fig. 5): the real
//! `twinshare-relayer` daemon and the seller's `twinshare seller-agent` run as child processes;
//! a throwaway seller uploads, registers and tokenizes sensor data, a throwaway buyer buys it;
//! the agent grants, the daemon re-encrypts and reports the delivery, the buyer downloads a file
//! that verifies against the registered root and is the seller's byte for byte, confirms, and
//! the seller and the relayer are paid exactly the price less the fee and the fee.
//!
//! An escrow of the test's own (the deployed code, wired to the deployed data-token and
//! storage-payment) keeps the daemon away from the other tests' sales on the shared escrow; the
//! daemon has its own database and reads the test's `fs` storage folder.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};
use twinshare_cli::relayer_daemon::get_local;
use twinshare_e2e::daemon::{free_port, spawn, Proc};
use twinshare_e2e::{now_ms, num, random_u64, relayer_bin, repo, suffix, Cli, Localnet, START};
use twinshare_types::escrow::{QueryMsg as EscrowQuery, Sale, SaleStatus};

const PRICE: u128 = 40_000;
const SELLER_TWIN: u128 = 10_000;
const BUYER_TWIN: u128 = 60_000;
const SAMPLE_BYTES: u64 = 16 * 1024;

/// The daemon with the dev `relayer` account, `escrow`, `storage` and a database in `dir`.
fn start_relayer(dir: &Path, deployment: &Path, escrow: &str, storage: &str) -> (Proc, String) {
    let http = format!("127.0.0.1:{}", free_port());
    let config = dir.join("relayer.toml");
    let text = format!(
        "[chain]\ndeployment = {dep:?}\nescrow = {escrow:?}\nsweep_interval_secs = 5\n\
         [relayer]\ndev_accounts = {dev:?}\n\
         [storage]\nuri = {storage:?}\n\
         [db]\npath = {db:?}\n\
         [lane]\nlinger_ms = 20\n\
         [retry]\nmin_delay_ms = 100\nmax_delay_ms = 2000\n\
         [http]\nlisten = {http:?}\n\
         [daemon]\nshutdown_grace_secs = 2\n",
        dep = deployment.display().to_string(),
        dev = repo()
            .join("localnet/dev-accounts.json")
            .display()
            .to_string(),
        db = dir.join("relayer.redb").display().to_string(),
    );
    std::fs::write(&config, text).expect("relayer config");
    (spawn(&config, &dir.join("relayer.log")), http)
}

async fn wait_healthy(relayer: &mut Proc, http: &str, timeout: Duration) {
    let started = Instant::now();
    loop {
        if let Ok((200, _)) = get_local(http, "/healthz").await {
            return;
        }
        assert!(
            relayer.alive(),
            "the relayer exited; its log:\n{}",
            relayer.log_text()
        );
        assert!(
            started.elapsed() < timeout,
            "the relayer is not healthy after {timeout:?}; its log:\n{}",
            relayer.log_text()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn wait_for_line(proc: &mut Proc, line: &str, timeout: Duration) {
    let started = Instant::now();
    while !proc.log_text().contains(line) {
        assert!(
            proc.alive(),
            "{} exited; its log:\n{}",
            proc.name,
            proc.log_text()
        );
        assert!(
            started.elapsed() < timeout,
            "{} did not say {line:?} within {timeout:?}; its log:\n{}",
            proc.name,
            proc.log_text()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn sale(net: &Localnet, escrow: &str, id: u64) -> Sale {
    net.chain
        .client
        .query_smart(escrow, &EscrowQuery::Sale { id })
        .await
        .unwrap_or_else(|e| panic!("sale {id}: {e}; {START}"))
}

fn sha256_file(path: &Path) -> String {
    hex::encode(Sha256::digest(std::fs::read(path).expect("read file")))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn seller_agent_grants_and_the_relayer_daemon_delivers_the_whole_sale() {
    let t0 = Instant::now();
    let net = Localnet::connect().await;
    let provider = net.ensure_provider().await;
    let funder = net.dev("alice");
    let relayer_address = net.dev("relayer").address().to_string();
    let sfx = suffix();

    // This test's escrow; throwaway seller and buyer, funded by alice in one tx.
    let escrow = net.own_escrow(&funder, 120, 120).await;
    let (seller, seller_words) = net.fresh("seller");
    let (buyer, buyer_words) = net.fresh("buyer");
    net.fund(
        &funder,
        &[
            (seller.address(), 2_000_000, SELLER_TWIN),
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

    // The daemon (its own database, the test's storage) and the seller's agent.
    let relayer_dir = cli.path("relayer");
    std::fs::create_dir_all(&relayer_dir).expect("relayer folder");
    let (mut relayer, http) = start_relayer(
        &relayer_dir,
        &net.deployment_path,
        &escrow,
        &format!("fs://{}", cli.path("store").display()),
    );
    let mut agent = Proc {
        name: "seller-agent",
        child: cli.spawn(
            &["--from", "seller", "seller-agent"],
            &cli.path("agent.log"),
        ),
        log: cli.path("agent.log"),
    };

    // The seller: party key (which the relayer checks kfrags against), channel, lease, data.
    cli.json(&[
        "--from",
        "seller",
        "party",
        "register",
        "--name",
        "daemon-test seller",
    ]);
    let channel = format!("e2e-daemon-{sfx}");
    cli.json(&["--from", "seller", "channel", "create", &channel, "buyer"]);
    cli.json(&[
        "--from",
        "seller",
        "lease",
        "buy",
        "--bytes",
        "32KiB",
        "--duration",
        "15m",
    ]);
    let file = cli.path("vibration.csv");
    twinshare_cli::sample::write_vibration_csv(&file, SAMPLE_BYTES, random_u64(), 100, now_ms())
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
    let record_id = num(&up["record_id"]) as u64;
    let price = PRICE.to_string();
    let t = cli.json(&[
        "--from",
        "seller",
        "tokenize",
        &record_id.to_string(),
        "--price",
        &price,
    ]);
    let asset = num(&t["asset_id"]).to_string();

    wait_healthy(&mut relayer, &http, Duration::from_secs(20)).await;
    // The key the provider lists for its relayer is the daemon's (`identity`, what an operator
    // registers): the CLI and the daemon derive it the same way from the dev mnemonic.
    let identity = Command::new(relayer_bin())
        .arg("--config")
        .arg(relayer_dir.join("relayer.toml"))
        .arg("identity")
        .env("RUST_LOG", "warn")
        .env_remove("TWINSHARE_RELAYER_MNEMONIC")
        .output()
        .expect("twinshare-relayer identity");
    let identity = String::from_utf8_lossy(&identity.stdout).to_string();
    let field = |name: &str| {
        identity
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .map(|v| v.trim().to_string())
            .unwrap_or_else(|| panic!("no {name} in `identity`:\n{identity}"))
    };
    let listed = net
        .chain
        .provider(&provider)
        .await
        .expect("provider query")
        .expect("provider listed");
    assert_eq!(field("address"), relayer_address);
    assert_eq!(listed.relayer.as_str(), relayer_address);
    assert_eq!(field("relayer_pubkey"), listed.relayer_pubkey.to_hex());
    wait_for_line(
        &mut agent,
        "watching the escrow for purchases",
        Duration::from_secs(20),
    )
    .await;

    // The buyer pays; nobody else acts by hand until the delivery.
    let b = cli.json(&["--from", "buyer", "buy", &asset]);
    let sale_id = num(&b["sale_id"]) as u64;
    let bought = Instant::now();
    let mut rekeyed = None;
    let delivered = loop {
        let s = sale(&net, &escrow, sale_id).await;
        match s.status {
            SaleStatus::Paid => {}
            SaleStatus::ReKeySubmitted => {
                rekeyed.get_or_insert_with(Instant::now);
            }
            SaleStatus::Delivered => break s,
            other => panic!("sale {sale_id} became {other:?}"),
        }
        assert!(
            bought.elapsed() < Duration::from_secs(30),
            "sale {sale_id} is {:?} 30 s after the purchase\nseller-agent log:\n{}\nrelayer log:\n{}",
            s.status,
            agent.log_text(),
            relayer.log_text()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let grant_ms = rekeyed.map(|r| (r - bought).as_millis());
    let delivery_ms = rekeyed.map(|r| r.elapsed().as_millis());
    assert!(
        agent
            .log_text()
            .contains(&format!("granted sale {sale_id}")),
        "the agent granted it:\n{}",
        agent.log_text()
    );
    assert_eq!(delivered.relayer.as_str(), relayer_address);
    let locator = delivered.cfrag_locator.clone().expect("cfrag locator");
    assert!(
        locator.ends_with(&format!("cfrags/{sale_id}.bin")),
        "{locator}"
    );

    // The buyer downloads; the CLI checks the cfrags' hash and the root on chain.
    let out = cli.path("bought.csv");
    let d = cli.json(&[
        "--from",
        "buyer",
        "download",
        "--sale",
        &sale_id.to_string(),
        "-o",
        out.to_str().expect("path"),
    ]);
    assert_eq!(d["verified"], true, "{d}");
    let record = net.chain.record(record_id).await.expect("record");
    assert_eq!(d["root"].as_str(), Some(record.hash.to_hex().as_str()));
    assert_eq!(sha256_file(&out), sha256_file(&file), "the buyer's copy");

    // The buyer confirms: the seller gets the price less the relayer's fee, the relayer the fee
    // (pinned to the confirm's block, so other activity on the chain does not disturb it).
    let fee = delivered.relayer_fee.u128();
    assert_eq!(fee, PRICE * 500 / 10_000, "500 bps of the price");
    let c = cli.json(&["--from", "buyer", "confirm", &sale_id.to_string()]);
    let h = num(&c["height"]) as u64;
    let delta = |after: u128, before: u128| after as i128 - before as i128;
    let seller_delta = delta(
        net.cw20_at(seller.address(), h).await,
        net.cw20_at(seller.address(), h - 1).await,
    );
    let relayer_delta = delta(
        net.cw20_at(&relayer_address, h).await,
        net.cw20_at(&relayer_address, h - 1).await,
    );
    assert_eq!(seller_delta, (PRICE - fee) as i128, "the seller's TWIN");
    assert_eq!(relayer_delta, fee as i128, "the relayer's TWIN");
    assert_eq!(
        sale(&net, &escrow, sale_id).await.status,
        SaleStatus::Confirmed
    );
    assert_eq!(net.cw20(&escrow).await, 0, "the test's escrow is empty");

    assert!(agent.alive() && relayer.alive(), "both still running");
    agent.kill9();
    relayer.kill9();
    println!(
        "sale {sale_id}: granted by the agent {grant_ms:?} ms after the purchase, delivered by \
         the daemon {delivery_ms:?} ms after the re-key; seller +{}, relayer +{fee}; {:.1} s in all",
        PRICE - fee,
        t0.elapsed().as_secs_f64()
    );
}
