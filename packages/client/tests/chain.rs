//! Against the running localnet: `localnet/start.sh && localnet/deploy.sh` first. Without a
//! reachable chain every test here FAILS, saying so; none passes silently.
//!
//! The tests share the chain and one of them restarts the node, so they take turns (`LOCK`).
//! Run with `--nocapture` to see latencies and gas.

use std::path::PathBuf;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use cosmwasm_std::{Decimal, HexBinary, Uint128};
use sha2::{Digest, Sha256};
use tokio::sync::Mutex;
use twinshare_client::{
    ChainClient, Coin, Deployment, Error, Gas, Key, Msg, Signer, Subscription, SubscriptionConfig,
    SubscriptionItem, TxOptions, TxOutcome,
};
use twinshare_types::registry::{self, Level};
use twinshare_types::storage;
use twinshare_types::Denom;

static LOCK: Mutex<()> = Mutex::const_new(());

const START: &str = "run `localnet/start.sh && localnet/deploy.sh` first";
/// The secp256k1 generator, compressed: a valid Umbral public key.
const PUBKEY: &str = "0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798";

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn init_tracing() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "twinshare_client=info".into()),
        )
        .with_test_writer()
        .try_init();
}

/// The deployment and a connected client, or a panic that says how to get a chain.
async fn chain() -> (Deployment, ChainClient) {
    init_tracing();
    let path = repo().join("localnet/deployment.json");
    let deployment =
        Deployment::load(&path).unwrap_or_else(|e| panic!("no localnet deployment ({e}); {START}"));
    let client = ChainClient::connect(deployment.chain_config())
        .await
        .unwrap_or_else(|e| panic!("the localnet is not reachable: {e}; {START}"));
    (deployment, client)
}

/// The dev account `name`'s key from localnet/dev-accounts.json.
fn dev_key(name: &str) -> Key {
    let text = std::fs::read_to_string(repo().join("localnet/dev-accounts.json"))
        .expect("localnet/dev-accounts.json");
    let file: serde_json::Value = serde_json::from_str(&text).expect("dev accounts JSON");
    let phrase = file["accounts"]
        .as_array()
        .expect("accounts")
        .iter()
        .find(|a| a["name"] == name)
        .and_then(|a| a["mnemonic"].as_str())
        .unwrap_or_else(|| panic!("no dev account {name}"));
    Key::from_mnemonic(phrase, "wasm").expect("dev mnemonic")
}

fn signer(client: &ChainClient, name: &str) -> Signer {
    let signer = Signer::new(client.clone(), dev_key(name));
    assert_eq!(signer.address(), dev_key(name).address());
    signer
}

fn report(what: &str, tx: &TxOutcome, elapsed: Duration) {
    println!(
        "{what}: height {}, gas used {} of {} wanted, {:.3} s to inclusion, tx {}",
        tx.height,
        tx.gas_used,
        tx.gas_wanted,
        elapsed.as_secs_f64(),
        tx.hash
    );
}

/// A 32-byte hash no earlier run has registered.
fn fresh_hash(tag: &str) -> HexBinary {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock")
        .as_nanos();
    HexBinary::from(Sha256::digest(format!("{tag}-{nanos}").as_bytes()).to_vec())
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock")
        .as_millis() as u64
}

fn cw20_balance_query(address: &str) -> serde_json::Value {
    serde_json::json!({ "balance": { "address": address } })
}

async fn cw20_balance(client: &ChainClient, token: &str, address: &str) -> u128 {
    let res: cw20::BalanceResponse = client
        .query_smart(token, &cw20_balance_query(address))
        .await
        .expect("cw20 balance");
    res.balance.u128()
}

#[tokio::test]
async fn status_accounts_balances_and_queries() {
    let _turn = LOCK.lock().await;
    let (d, client) = chain().await;

    let status = client.status().await.expect("status");
    assert_eq!(status.chain_id, d.chain_id);
    assert!(status.latest_block_height >= d.height, "{status:?}");
    println!(
        "node {} (CometBFT {}), height {}",
        status.moniker, status.version, status.latest_block_height
    );
    assert!(client.height().await.expect("height") >= status.latest_block_height);

    let alice = d.account("alice").expect("alice");
    let account = client.account(alice).await.expect("account");
    println!("alice: {account:?}");
    assert!(account.account_number > 0);
    assert!(client.balance(alice, "ustake").await.expect("balance") > 0);
    assert_eq!(client.balance(alice, "unothing").await.expect("balance"), 0);

    let nobody = Key::random("wasm").expect("key");
    let e = client
        .account(nobody.address())
        .await
        .expect_err("no account");
    assert!(matches!(e, Error::AccountNotFound { .. }), "{e:?}");
    println!("unknown account: {e}");
    assert_eq!(
        client
            .balance(nobody.address(), "ustake")
            .await
            .expect("balance"),
        0
    );

    // Smart queries, typed both ways.
    let token = &d.contracts.payment_token;
    let info: cw20::TokenInfoResponse = client
        .query_smart(token, &serde_json::json!({"token_info": {}}))
        .await
        .expect("token info");
    assert_eq!(info.symbol, "TWIN");
    assert!(cw20_balance(&client, token, alice).await > 0);
    let config: registry::Config = client
        .query_smart(&d.contracts.data_registry, &registry::QueryMsg::Config {})
        .await
        .expect("registry config");
    assert_eq!(config.storage_payment.as_str(), d.contracts.storage_payment);

    // A query the contract refuses: its own words come back.
    let e = client
        .query_smart::<registry::Party>(
            &d.contracts.data_registry,
            &registry::QueryMsg::Party {
                address: nobody.address().to_string(),
            },
        )
        .await
        .expect_err("unregistered party");
    println!("refused query: {e}  [{e:?}]");
    assert!(e.contract_message().is_some(), "{e:?}");
    let e = client
        .query_smart::<serde_json::Value>(token, &serde_json::json!({"no_such_query": {}}))
        .await
        .expect_err("unknown query");
    println!("malformed query: {e}  [{e:?}]");
    assert!(e.contract_message().is_some(), "{e:?}");
}

#[tokio::test]
async fn bank_send_round_trip_latency() {
    let _turn = LOCK.lock().await;
    let (_d, client) = chain().await;
    let mallory = signer(&client, "mallory");
    let to = Key::random("wasm").expect("key");

    let mut latencies = Vec::new();
    for i in 0..10u128 {
        let start = Instant::now();
        let tx = mallory
            .bank_send(to.address(), vec![Coin::new(1_000 + i, "ustake")])
            .await
            .expect("bank send");
        let elapsed = start.elapsed();
        report("bank send", &tx, elapsed);
        assert!(tx.is_ok());
        assert!(tx.gas_used > 0 && tx.gas_used <= tx.gas_wanted);
        latencies.push(elapsed.as_secs_f64());
    }
    latencies.sort_by(f64::total_cmp);
    println!(
        "bank send to inclusion over 10 txs: min {:.3} s, p50 {:.3} s, max {:.3} s",
        latencies[0], latencies[5], latencies[9]
    );
    let expected: u128 = (0..10u128).map(|i| 1_000 + i).sum();
    assert_eq!(
        client
            .balance(to.address(), "ustake")
            .await
            .expect("balance"),
        expected
    );
    // The new account exists now (it has no sequence yet).
    let account = client.account(to.address()).await.expect("new account");
    assert_eq!(account.sequence, 0);
}

/// cw20 Transfer; cw20 Send into storage-payment's Receive to buy a lease from a registered
/// provider; then data-registry `Register` with a High fee paid in native funds (execute with
/// funds), twice in one tx.
#[tokio::test]
async fn cw20_send_buys_a_lease_and_register_pays_a_fee() {
    let _turn = LOCK.lock().await;
    let (d, client) = chain().await;
    let c = &d.contracts;
    let alice = signer(&client, "alice");
    let provider = signer(&client, "provider");
    let bob = d.account("bob").expect("bob");

    // cw20 transfer.
    let before = cw20_balance(&client, &c.payment_token, bob).await;
    let start = Instant::now();
    let tx = alice
        .cw20_transfer(&c.payment_token, bob, 1_234)
        .await
        .expect("cw20 transfer");
    report("cw20 transfer", &tx, start.elapsed());
    assert_eq!(
        cw20_balance(&client, &c.payment_token, bob).await,
        before + 1_234
    );
    let events = tx.wasm_events();
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0].contract, c.payment_token);
    assert_eq!(events[0].action.as_deref(), Some("transfer"));
    assert_eq!(events[0].attribute("amount"), Some("1234"));

    // The provider lists itself once (a rerun finds it listed).
    let listed = client
        .query_smart::<storage::Provider>(
            &c.storage_payment,
            &storage::QueryMsg::Provider {
                address: provider.address().to_string(),
            },
        )
        .await;
    match listed {
        Ok(p) => println!(
            "provider already listed: {} per byte-second",
            p.price_per_byte_second
        ),
        Err(e) => {
            println!("provider not listed yet ({e}); registering");
            let start = Instant::now();
            let tx = provider
                .execute(
                    &c.storage_payment,
                    &storage::ExecuteMsg::RegisterProvider {
                        price_per_byte_second: Decimal::from_ratio(1u128, 3_600_000u128),
                        denom: Denom::Cw20(c.payment_token.clone()),
                        relayer: Some(d.account("relayer").expect("relayer").to_string()),
                        relayer_pubkey: HexBinary::from_hex(PUBKEY).expect("hex"),
                        endpoint: "fs:///var/lib/twinshare".into(),
                    },
                    vec![],
                )
                .await
                .expect("register provider");
            report("register provider", &tx, start.elapsed());
        }
    }

    // Alice buys a lease through cw20 Send -> storage-payment Receive.
    let (bytes, secs) = (1_000_000u64, 3_600u64);
    let quote: storage::QuoteResponse = client
        .query_smart(
            &c.storage_payment,
            &storage::QueryMsg::Quote {
                provider: provider.address().to_string(),
                bytes,
                duration_secs: secs,
            },
        )
        .await
        .expect("quote");
    println!("lease of {bytes} bytes for {secs} s costs {}", quote.amount);
    let alice_cw20 = cw20_balance(&client, &c.payment_token, alice.address()).await;
    let start = Instant::now();
    let tx = alice
        .cw20_send(
            &c.payment_token,
            &c.storage_payment,
            quote.amount.u128(),
            &storage::ReceiveMsg::BuyLease {
                provider: provider.address().to_string(),
                bytes,
                duration_secs: secs,
            },
        )
        .await
        .expect("cw20 send buys a lease");
    report("cw20 send -> buy lease", &tx, start.elapsed());
    let lease_id: u64 = tx
        .wasm_attribute(&c.storage_payment, "lease_id")
        .expect("lease_id attribute")
        .parse()
        .expect("lease id");
    let actions: Vec<_> = tx
        .wasm_events()
        .into_iter()
        .filter_map(|e| e.action)
        .collect();
    assert_eq!(actions, ["send", "buy_lease"]);
    assert_eq!(
        cw20_balance(&client, &c.payment_token, alice.address()).await,
        alice_cw20 - quote.amount.u128()
    );
    let lease: storage::LeaseResponse = client
        .query_smart(
            &c.storage_payment,
            &storage::QueryMsg::Lease { id: lease_id },
        )
        .await
        .expect("lease");
    assert_eq!(lease.lease.owner.as_str(), alice.address());
    assert_eq!(lease.lease.bytes, bytes);
    assert!(lease.active);

    // A channel for this run (RegisterParty / CreateChannel are nonpayable).
    let channel = format!("client-test-{}", now_ms());
    let start = Instant::now();
    let tx = alice
        .execute(
            &c.data_registry,
            &registry::ExecuteMsg::CreateChannel {
                id: channel.clone(),
                members: vec![bob.to_string()],
            },
            vec![],
        )
        .await
        .expect("create channel");
    report("create channel", &tx, start.elapsed());

    // Two High records in one tx, each paying its fee in native funds.
    let fee = 1_000u128;
    let collector = d.account("fee-collector").expect("fee collector");
    let collected = client.balance(collector, "ustake").await.expect("balance");
    let register = |tag: &str| {
        Msg::execute(
            &c.data_registry,
            &registry::ExecuteMsg::Register {
                channel: channel.clone(),
                hash: fresh_hash(tag),
                size: 4_096,
                level: Level::High {
                    fee: Uint128::new(fee),
                },
                locator: format!("fs://twins/{tag}"),
                stream: None,
                client_timestamp: now_ms(),
                provider: provider.address().to_string(),
            },
            vec![Coin::new(fee, "ustake")],
        )
        .expect("register message")
    };
    let start = Instant::now();
    let tx = alice
        .send(vec![register("a"), register("b")])
        .await
        .expect("two registers in one tx");
    report(
        "2 x register (High, with funds) in one tx",
        &tx,
        start.elapsed(),
    );
    let ids: Vec<String> = tx
        .wasm_events()
        .iter()
        .filter(|e| e.action.as_deref() == Some("register"))
        .filter_map(|e| e.attribute("record_id").map(str::to_string))
        .collect();
    assert_eq!(ids.len(), 2, "{:?}", tx.wasm_events());
    assert_eq!(
        client.balance(collector, "ustake").await.expect("balance"),
        collected + 2 * fee
    );
    let record: registry::Record = client
        .query_smart(
            &c.data_registry,
            &registry::QueryMsg::Record {
                id: ids[0].parse().expect("record id"),
            },
        )
        .await
        .expect("record");
    assert_eq!(record.owner.as_str(), alice.address());
    assert_eq!(record.channel, channel);
    assert_eq!(record.height, tx.height);

    // One contract execute with funds, timed alone.
    let start = Instant::now();
    let tx = alice.send(vec![register("c")]).await.expect("register");
    report("register (High, with funds)", &tx, start.elapsed());

    // Cancel the lease (refunding the rest), so reruns on one chain stay under the contract's
    // bound on open leases per owner and provider.
    let refundable = client
        .query_smart::<storage::LeaseResponse>(
            &c.storage_payment,
            &storage::QueryMsg::Lease { id: lease_id },
        )
        .await
        .expect("lease")
        .refundable;
    let before = cw20_balance(&client, &c.payment_token, alice.address()).await;
    let tx = alice
        .execute(
            &c.storage_payment,
            &storage::ExecuteMsg::CancelLease { lease_id },
            vec![],
        )
        .await
        .expect("cancel lease");
    report("cancel lease", &tx, Duration::ZERO);
    assert!(cw20_balance(&client, &c.payment_token, alice.address()).await >= before);
    assert!(refundable.u128() <= quote.amount.u128());
}

#[tokio::test]
async fn failures_carry_the_chains_words() {
    let _turn = LOCK.lock().await;
    let (d, client) = chain().await;
    let bob = signer(&client, "bob");
    let registry = &d.contracts.data_registry;
    let bad_party = registry::ExecuteMsg::RegisterParty {
        pubkey: HexBinary::from(vec![0x00, 0x11]),
        name: "bob".into(),
    };

    // Refused in simulation: nothing is broadcast.
    let seq = bob.refresh().await.expect("account").sequence;
    let e = bob
        .execute(registry, &bad_party, vec![])
        .await
        .expect_err("bad key");
    println!("contract error (simulation): {e}\n  log: {e:?}");
    let text = e.contract_message().expect("contract message");
    assert!(text.starts_with("invalid Umbral public key"), "{text}");
    assert_eq!(e.tx_hash(), None);
    assert_eq!(bob.cached_sequence().await, Some(seq));

    // With a fixed gas limit the tx reaches a block and fails there.
    let fixed = TxOptions {
        gas: Gas::Limit(300_000),
        ..TxOptions::default()
    };
    let e = bob
        .send_with(
            vec![Msg::execute(registry, &bad_party, vec![]).expect("msg")],
            &fixed,
        )
        .await
        .expect_err("bad key in a block");
    println!("contract error (block): {e}\n  log: {e:?}");
    assert!(
        matches!(
            &e,
            Error::Contract {
                height: Some(_),
                ..
            }
        ),
        "{e:?}"
    );
    assert!(e
        .contract_message()
        .expect("text")
        .starts_with("invalid Umbral public key"));
    let failed = client
        .tx(e.tx_hash().expect("hash"))
        .await
        .expect("lookup")
        .expect("included");
    assert!(!failed.is_ok());
    println!(
        "failed tx used {} gas of {}",
        failed.gas_used, failed.gas_wanted
    );
    // A failed tx still used its sequence; the signer knows.
    assert_eq!(bob.cached_sequence().await, Some(seq + 1));

    // Out of gas.
    let good_party = registry::ExecuteMsg::RegisterParty {
        pubkey: HexBinary::from_hex(PUBKEY).expect("hex"),
        name: "bob".into(),
    };
    let tight = TxOptions {
        gas: Gas::Limit(80_000),
        ..TxOptions::default()
    };
    let e = bob
        .send_with(
            vec![Msg::execute(registry, &good_party, vec![]).expect("msg")],
            &tight,
        )
        .await
        .expect_err("out of gas");
    println!("out of gas: {e}");
    match &e {
        Error::OutOfGas {
            gas_wanted,
            gas_used,
            tx_hash,
            ..
        } => {
            assert_eq!(*gas_wanted, 80_000);
            assert!(*gas_used > 80_000);
            assert!(tx_hash.is_some());
        }
        other => panic!("{other:?}"),
    }

    // Insufficient funds, in simulation and in a block.
    let huge = vec![Coin::new(10u128.pow(15), "ustake")];
    let mallory = d.account("mallory").expect("mallory");
    let e = bob
        .bank_send(mallory, huge.clone())
        .await
        .expect_err("too much");
    println!("insufficient funds (simulation): {e}\n  log: {e:?}");
    assert!(matches!(e, Error::InsufficientFunds { .. }), "{e:?}");
    let e = bob
        .send_with(vec![Msg::bank_send(mallory, huge)], &fixed)
        .await
        .expect_err("too much");
    println!("insufficient funds (block): {e}");
    assert!(
        matches!(
            e,
            Error::InsufficientFunds {
                tx_hash: Some(_),
                ..
            }
        ),
        "{e:?}"
    );

    // A fee below the node's minimum gas price.
    let mut cheap = d.chain_config();
    cheap.gas_price = "0.0001ustake".parse().expect("gas price");
    let cheap = ChainClient::new(cheap).expect("client");
    let cheap_bob = Signer::new(cheap, dev_key("bob"));
    let e = cheap_bob
        .bank_send(mallory, vec![Coin::new(1, "ustake")])
        .await
        .expect_err("fee too low");
    println!("fee too low: {e}");
    assert!(matches!(e, Error::InsufficientFee { .. }), "{e:?}");

    // A tx no block holds.
    let e = client
        .wait_for_tx(&"AB".repeat(32), Duration::from_millis(500))
        .await
        .expect_err("never included");
    println!("timeout: {e}");
    assert!(matches!(e, Error::TxTimeout { .. }), "{e:?}");

    // A node that is not there.
    let gone = ChainClient::connect(twinshare_client::ChainConfig::new(
        &d.chain_id,
        "http://127.0.0.1:1",
        d.gas_price.clone(),
    ))
    .await
    .expect_err("nothing listens on port 1");
    println!("unreachable: {gone}");
    assert!(matches!(gone, Error::RpcUnreachable { .. }), "{gone:?}");
    let text = gone.to_string();
    assert!(
        text.contains("Connection refused") && !text.contains('\n'),
        "{text}"
    );
    assert!(text.contains("localnet/start.sh"), "{text}");
}

/// Two handles on one key: the second sends meanwhile, the first's cached sequence is stale,
/// the chain says so, the first refetches and succeeds.
#[tokio::test]
async fn a_stale_sequence_recovers() {
    let _turn = LOCK.lock().await;
    let (d, client) = chain().await;
    let first = signer(&client, "arbiter");
    let second = signer(&client, "arbiter");
    let to = d.account("fee-collector").expect("fee collector");

    let tx = first
        .bank_send(to, vec![Coin::new(1, "ustake")])
        .await
        .expect("first send");
    let cached = first.cached_sequence().await.expect("cached");
    assert_eq!(
        client
            .account(first.address())
            .await
            .expect("account")
            .sequence,
        cached
    );
    report("bank send (first handle)", &tx, Duration::ZERO);
    second
        .bank_send(to, vec![Coin::new(1, "ustake")])
        .await
        .expect("second handle");
    // `first` still believes `cached` is next; the chain expects cached + 1.
    let start = Instant::now();
    let sent = first
        .broadcast(
            vec![Msg::bank_send(to, vec![Coin::new(1, "ustake")])],
            &TxOptions::default(),
        )
        .await
        .expect("recovers from the stale sequence");
    assert_eq!(sent.sequence, cached + 1);
    let tx = client
        .wait_for_tx(&sent.hash, Duration::from_secs(30))
        .await
        .expect("included");
    report("bank send after a sequence mismatch", &tx, start.elapsed());
    assert_eq!(first.cached_sequence().await, Some(cached + 2));

    // Several txs in a row from the cache, without waiting in between (one per block or so).
    let mut hashes = Vec::new();
    for _ in 0..3 {
        let sent = first
            .broadcast(
                vec![Msg::bank_send(to, vec![Coin::new(1, "ustake")])],
                &TxOptions::default(),
            )
            .await;
        // Simulation runs against the last block, so a second unconfirmed tx may be refused
        // there; the retry fixes the sequence from the node's answer.
        hashes.push(sent.expect("pipelined send").hash);
    }
    for h in hashes {
        client
            .wait_for_tx(&h, Duration::from_secs(30))
            .await
            .expect("pipelined tx included");
    }
}

/// Events of a contract arrive live; while the node is stopped, a tx is sent after it restarts
/// but before the subscription reconnects; the subscription reports the disconnection, delivers
/// the missed tx (backfilled), then `Gap` and `Resumed`.
#[tokio::test]
async fn subscription_survives_a_node_restart() {
    let _turn = LOCK.lock().await;
    let (d, client) = chain().await;
    let token = d.contracts.payment_token.clone();
    let admin = signer(&client, "admin");
    let bob = d.account("bob").expect("bob").to_string();

    let mut config = SubscriptionConfig::contract(&d.rpc, &token);
    // Slow reconnects leave time to send a tx the subscription cannot see live.
    config.backoff_min = Duration::from_secs(4);
    config.backoff_max = Duration::from_secs(8);
    config.health_interval = Duration::from_millis(500);
    let mut sub = Subscription::start(config).await.expect("subscribe");

    // Live.
    let start = Instant::now();
    let live = admin
        .cw20_transfer(&token, &bob, 7)
        .await
        .expect("transfer");
    let item = next_tx(&mut sub, Duration::from_secs(10)).await;
    println!(
        "live event {:.3} s after the send started",
        start.elapsed().as_secs_f64()
    );
    assert_eq!(item.hash, live.hash);
    assert!(!item.backfilled);
    let events = item.wasm_events();
    assert_eq!(events[0].contract, token);
    assert_eq!(events[0].action.as_deref(), Some("transfer"));
    assert_eq!(events[0].attribute("to"), Some(bob.as_str()));
    assert_eq!(events[0].height, live.height);

    // Stop the node; the subscription notices.
    run_script("stop.sh");
    let stopped = Instant::now();
    match sub.next_timeout(Duration::from_secs(15)).await {
        Some(SubscriptionItem::Disconnected {
            last_height,
            reason,
        }) => {
            println!(
                "disconnected after {:.1} s (last height {last_height}): {reason}",
                stopped.elapsed().as_secs_f64()
            );
            assert!(last_height >= live.height);
        }
        other => panic!("expected Disconnected, got {other:?}"),
    }
    // Start it again and send at once, before the subscription's next attempt.
    run_script("start.sh");
    let missed = admin
        .cw20_transfer(&token, &bob, 8)
        .await
        .expect("transfer while the subscription is away");
    println!(
        "missed tx at height {}, {:.1} s after the stop",
        missed.height,
        stopped.elapsed().as_secs_f64()
    );

    let mut got_missed = None;
    let mut gap = None;
    loop {
        match sub.next_timeout(Duration::from_secs(30)).await {
            Some(SubscriptionItem::Tx(tx)) => {
                println!(
                    "delivered tx {} at {} (backfilled: {})",
                    tx.hash, tx.height, tx.backfilled
                );
                if tx.hash == missed.hash {
                    got_missed = Some(tx);
                }
            }
            Some(SubscriptionItem::Gap {
                from,
                to,
                delivered,
                complete,
            }) => {
                println!("gap {from}..={to}: {delivered} tx(s) delivered, complete: {complete}");
                assert!(complete);
                gap = Some((from, to));
            }
            Some(SubscriptionItem::Resumed { height }) => {
                println!("resumed at height {height}");
                break;
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    let (from, to) = gap.expect("a Gap notice");
    let missed_tx = match got_missed {
        Some(tx) => tx,
        // The reconnect beat the tx into a block (a slow machine): then it arrives live.
        None => next_tx(&mut sub, Duration::from_secs(10)).await,
    };
    assert_eq!(missed_tx.hash, missed.hash);
    if missed.height <= to {
        assert!(missed_tx.backfilled, "in the gap, so found by tx_search");
        assert!(from <= missed.height, "{from}..={to} vs {}", missed.height);
    } else {
        println!("note: the subscription reconnected before the tx; it came live");
        assert!(!missed_tx.backfilled);
    }
    assert!(
        from > live.height.saturating_sub(1),
        "the gap starts after what was seen live"
    );
    assert_eq!(missed_tx.wasm_events()[0].attribute("amount"), Some("8"));

    // Live again, and nothing twice.
    let again = admin
        .cw20_transfer(&token, &bob, 9)
        .await
        .expect("transfer");
    let item = next_tx(&mut sub, Duration::from_secs(10)).await;
    assert_eq!(item.hash, again.hash);
    assert!(!item.backfilled);
    assert!(sub.last_height() >= to);

    // A consumer resuming from a height gets what it missed, then the notices.
    let config = SubscriptionConfig::contract(&d.rpc, &token).from_height(live.height);
    let mut resumed = Subscription::start(config).await.expect("resume");
    let mut hashes = Vec::new();
    loop {
        match resumed.next_timeout(Duration::from_secs(10)).await {
            Some(SubscriptionItem::Tx(tx)) => {
                assert!(tx.backfilled);
                hashes.push(tx.hash);
            }
            Some(SubscriptionItem::Gap { .. }) => {}
            Some(SubscriptionItem::Resumed { .. }) => break,
            other => panic!("unexpected {other:?}"),
        }
    }
    for h in [&live.hash, &missed.hash, &again.hash] {
        assert!(hashes.contains(h), "{h} not in {hashes:?}");
    }
}

async fn next_tx(sub: &mut Subscription, timeout: Duration) -> twinshare_client::TxEvents {
    match sub.next_timeout(timeout).await {
        Some(SubscriptionItem::Tx(tx)) => tx,
        other => panic!("expected a tx, got {other:?}"),
    }
}

fn run_script(name: &str) {
    let status = std::process::Command::new(repo().join("localnet").join(name))
        .status()
        .unwrap_or_else(|e| panic!("localnet/{name}: {e}"));
    assert!(status.success(), "localnet/{name} failed: {status}");
}
