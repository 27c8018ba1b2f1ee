//! The anchoring service against the localnet (`localnet/start.sh && localnet/deploy.sh` first;
//! FAILS without a reachable chain): the service runs in process with the dev `relayer`
//! account; a throwaway owner leases storage, registers a sensor key and opens a payment
//! channel to the relayer; its sensor submits Low and High batches; the service anchors them;
//! every record's proof is checked offline with `twinshare_types::merkle` and on chain with the
//! registry's `VerifyInclusion`, and both agree (also on a tampered leaf); the newest voucher is
//! redeemed. `--nocapture` prints the latencies.

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use common::*;
use cosmwasm_std::{HexBinary, Uint128};
use twinshare_client::Signer;
use twinshare_crypto::SensorKey;
use twinshare_relayer::anchor::chain::{AnchorChain, AnchorContracts};
use twinshare_relayer::anchor::ingest::Checked;
use twinshare_relayer::anchor::metrics::Source;
use twinshare_relayer::anchor::store::Store;
use twinshare_relayer::chain::ChainHandle;
use twinshare_relayer::lane::Priority;
use twinshare_relayer::metrics::Metrics;
use twinshare_relayer::{Config, Shutdown};
use twinshare_stream::api::ProofStatus;
use twinshare_stream::batch::sign_batch;
use twinshare_stream::AnchorClient;
use twinshare_types::channel;
use twinshare_types::claims::{ClaimLevel, ClaimRecord, Voucher};
use twinshare_types::merkle;
use twinshare_types::registry;

fn records(stream: &str, from: u64, n: u64) -> Vec<ClaimRecord> {
    (from..from + n)
        .map(|seq| ClaimRecord {
            stream: stream.to_string(),
            seq,
            timestamp: now_ms(),
            size: 128,
            hash: HexBinary::from(merkle::leaf_hash(format!("{stream}/{seq}").as_bytes()).to_vec()),
        })
        .collect()
}

#[tokio::test]
async fn claims_are_anchored_and_proofs_verify_on_chain() {
    let net = net().await;
    net.ensure_provider().await;
    let market = Market::new(&net, (String::new(), 0), 0).await;
    let owner: &Signer = &market.seller.signer;
    let c = net.c();
    assert!(
        !c.payment_channel.is_empty(),
        "the deployment has no payment-channel: run localnet/deploy.sh"
    );

    // The owner's sensor and a channel paying the relayer.
    let key = SensorKey::random().unwrap();
    owner
        .execute(
            &c.data_registry,
            &registry::ExecuteMsg::RegisterSensor {
                pubkey: HexBinary::from(key.public_key().to_vec()),
                name: "press-7 vibration".into(),
            },
            vec![],
        )
        .await
        .expect("register sensor");
    let opened = owner
        .cw20_send(
            &c.payment_token,
            &c.payment_channel,
            10_000,
            &channel::ReceiveMsg::Open {
                payee: net.relayer.address().to_string(),
                close_timeout_secs: 60,
            },
        )
        .await
        .expect("open channel");
    let channel_id: u64 = opened
        .wasm_attribute(&c.payment_channel, "channel_id")
        .expect("channel_id attribute")
        .parse()
        .unwrap();

    // The service in process, with the dev relayer account.
    let dir = tempfile::tempdir().unwrap();
    let config = service_config(dir.path());
    let chain = relayer_chain(&net, &config);
    let shutdown = Shutdown::new();
    let metrics = Arc::new(Metrics::new());
    let running =
        twinshare_relayer::anchor::start(&config, &chain, metrics.clone(), shutdown.clone())
            .await
            .expect("anchoring service");
    let client = AnchorClient::new(&running.addr.to_string()).unwrap();
    let who = owner.address();

    // Low batches on one stream, High batches paying 3 per record on another.
    let started = Instant::now();
    let low = "press-7/vib";
    let high = "press-7/alarm";
    for b in 0..3 {
        let batch =
            sign_batch(&key, who, ClaimLevel::Low, records(low, b * 100, 100), None).unwrap();
        let ok = client.submit(&batch).await.expect("low batch");
        assert_eq!(ok.accepted, 100);
    }
    let mut cumulative = 0u128;
    for b in 0..2 {
        cumulative += 3 * 50;
        let batch = sign_batch(
            &key,
            who,
            ClaimLevel::High {
                fee_per_record: Uint128::new(3),
            },
            records(high, b * 50, 50),
            Some(Voucher {
                channel: channel_id,
                cumulative: Uint128::new(cumulative),
            }),
        )
        .unwrap();
        client.submit(&batch).await.expect("high batch");
    }
    let acked = started.elapsed();
    // Acknowledged to provable: until no claim of either stream is pending.
    let provable = loop {
        let a = client.stream_state(who, low).await.unwrap();
        let b = client.stream_state(who, high).await.unwrap();
        if a.pending == 0 && b.pending == 0 {
            break started.elapsed();
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "not anchored in 60 s"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };

    // Every record becomes provable; offline and on-chain checks agree.
    let mut checked = 0;
    let mut batches = std::collections::BTreeSet::new();
    for (stream, n) in [(low, 300u64), (high, 100u64)] {
        for seq in 0..n {
            let deadline = Instant::now() + Duration::from_secs(60);
            let proof = loop {
                match client.proof(who, stream, seq).await.expect("proof") {
                    ProofStatus::Anchored(p) => break p,
                    ProofStatus::Pending => {
                        assert!(
                            Instant::now() < deadline,
                            "{stream}/{seq} not anchored in 60 s"
                        );
                        tokio::time::sleep(Duration::from_millis(100)).await;
                    }
                    ProofStatus::Unknown => panic!("{stream}/{seq} unknown"),
                }
            };
            assert_eq!(proof.owner, who);
            assert_eq!(proof.record.seq, seq);
            assert_eq!(proof.record.stream, stream);
            let offline =
                merkle::verify(proof.root.as_slice(), proof.leaf.as_slice(), &proof.proof);
            assert!(offline, "{stream}/{seq}: offline check failed");
            let on_chain: registry::VerifyInclusionResponse = net
                .client
                .query_smart(
                    &c.data_registry,
                    &registry::QueryMsg::VerifyInclusion {
                        batch_id: proof.batch_id,
                        leaf: proof.leaf.clone(),
                        proof: proof.proof.clone(),
                    },
                )
                .await
                .expect("VerifyInclusion");
            assert!(on_chain.valid, "{stream}/{seq}: the registry says invalid");
            assert_eq!(on_chain.root, proof.root);
            if batches.insert(proof.batch_id) {
                let b: registry::Batch = net
                    .client
                    .query_smart(
                        &c.data_registry,
                        &registry::QueryMsg::Batch { id: proof.batch_id },
                    )
                    .await
                    .expect("batch");
                assert_eq!(b.anchorer.as_str(), net.relayer.address());
                assert_eq!(b.height, proof.height);
                assert_eq!(b.count, proof.proof.leaf_count);
                let tx = net
                    .client
                    .tx(&proof.tx_hash)
                    .await
                    .expect("tx")
                    .expect("tx included");
                assert_eq!(tx.height, proof.height);
                // A tampered leaf: both checks say no.
                let mut leaf = proof.leaf.to_vec();
                let last = leaf.len() - 1;
                leaf[last] ^= 1;
                assert!(!merkle::verify(proof.root.as_slice(), &leaf, &proof.proof));
                let tampered: registry::VerifyInclusionResponse = net
                    .client
                    .query_smart(
                        &c.data_registry,
                        &registry::QueryMsg::VerifyInclusion {
                            batch_id: proof.batch_id,
                            leaf: HexBinary::from(leaf),
                            proof: proof.proof.clone(),
                        },
                    )
                    .await
                    .expect("VerifyInclusion");
                assert!(!tampered.valid);
            }
            checked += 1;
        }
    }
    let state = client.stream_state(who, low).await.unwrap();
    assert_eq!(state.next_seq, 300);
    assert_eq!(state.last_anchored_seq, Some(299));
    assert_eq!(state.pending, 0);
    // Seen included by the node's push (the websocket), not by looking the txs up.
    let seen = |source| {
        metrics
            .anchor
            .inclusions
            .get_or_create(&Source { source })
            .get()
    };
    let (pushed, looked_up) = (seen("pushed"), seen("looked_up"));
    assert!(
        pushed > 0 && pushed + looked_up >= batches.len() as u64,
        "{pushed} inclusion(s) pushed, {looked_up} looked up, {} batch(es)",
        batches.len()
    );
    println!(
        "{checked} records acknowledged in {acked:?}, all provable after {provable:?}, in {} batch(es), {pushed} inclusion(s) pushed",
        batches.len()
    );

    // The newest voucher is redeemed: the channel paid the relayer `cumulative`.
    let redeemed = twinshare_relayer::anchor::redeem::redeem_all(&running.service).await;
    assert_eq!(redeemed, vec![channel_id]);
    let ch: channel::Channel = net
        .client
        .query_smart(
            &c.payment_channel,
            &channel::QueryMsg::Channel { id: channel_id },
        )
        .await
        .expect("channel");
    assert_eq!(ch.redeemed.u128(), cumulative);
    assert!(running.service.store.unredeemed().is_empty());

    shutdown.trigger();
    running.join(Duration::from_secs(10)).await;
}

/// The relayer's config for an in-process service with its database in `dir`.
fn service_config(dir: &std::path::Path) -> Config {
    let mut config = Config::default();
    config.chain.deployment = Some(deployment_path());
    config.relayer.dev_accounts = Some(repo().join("localnet/dev-accounts.json"));
    config.relayer.mnemonic_env = "TWINSHARE_ANCHOR_TEST_UNSET".into();
    config.db.path = Some(dir.join("relayer.redb"));
    config.anchor.listen = "127.0.0.1:0".into();
    config.anchor.recovery_window_ms = 1_500;
    config
}

fn relayer_chain(net: &Net, config: &Config) -> ChainHandle {
    let settings = config.chain().unwrap();
    let key = twinshare_client::Key::from_mnemonic(&dev_mnemonic("relayer"), &net.d.bech32_prefix)
        .unwrap();
    ChainHandle::new(&settings, key).unwrap()
}

/// A stored claim batch of `n` records (the store does not check signatures).
fn post(owner: &str, stream: &str, n: u64) -> Checked {
    let records = records(stream, 0, n);
    Checked {
        owner: owner.to_string(),
        level: ClaimLevel::Low,
        priority: Priority::Low,
        leaf_hashes: records
            .iter()
            .map(|r| merkle::leaf_hash(&twinshare_types::claims::leaf_bytes(owner, r)))
            .collect(),
        bytes: n * 128,
        records,
        body_hash: [0; 32],
        sensor_pubkey: vec![],
        signature: vec![],
        voucher: None,
        room: u64::MAX,
        arrived: Instant::now(),
    }
}

/// The registry's batches of the anchor channel with `root`.
async fn batches_with_root(net: &Net, channel: &str, root: &str) -> usize {
    let mut n = 0;
    let mut start_after = None;
    loop {
        let page: registry::BatchesResponse = net
            .client
            .query_smart(
                &net.c().data_registry,
                &registry::QueryMsg::BatchesByChannel {
                    channel: channel.to_string(),
                    start_after,
                    limit: Some(30),
                },
            )
            .await
            .expect("batches");
        n += page
            .batches
            .iter()
            .filter(|b| b.root.to_hex() == root)
            .count();
        start_after = page.batches.last().map(|b| b.id);
        if page.batches.len() < 30 {
            return n;
        }
    }
}

/// Crash safety of anchoring, two kills: (1) after the AnchorBatch tx left but before its hash
/// was recorded: on restart the batch is found on chain by its root, not sent again; (2) after
/// the batch was written `sending` but before the tx left: on restart, once the recovery window
/// passes without the root on chain, it is sent. Each root is anchored exactly once and every
/// record becomes provable.
#[tokio::test]
async fn a_killed_anchorer_anchors_each_batch_exactly_once() {
    let net = net().await;
    let owner = twinshare_client::Key::random(&net.d.bech32_prefix)
        .unwrap()
        .address()
        .to_string();
    for broadcast_before_kill in [true, false] {
        let dir = tempfile::tempdir().unwrap();
        let config = service_config(dir.path());
        let chain = relayer_chain(&net, &config);
        let anchor = AnchorChain::new(
            chain.client().clone(),
            chain.signer().clone(),
            AnchorContracts {
                registry: net.c().data_registry.clone(),
                storage_payment: net.c().storage_payment.clone(),
                payment_channel: None,
                provider: net.provider.address().to_string(),
                channel: config.anchor.channel.clone(),
            },
        );
        anchor.ensure_channel().await.expect("anchor channel");
        let stream = format!("kill-{}", suffix());
        let db = config.anchor.db_path(&config.db_path());
        let root = {
            let store = Store::open(&db).unwrap();
            for r in store.commit(&[post(&owner, &stream, 40)]).unwrap() {
                r.unwrap();
            }
            let (batch, _) = store.begin_batch(1_000, 1).unwrap().unwrap();
            store.set_sent(batch.no, None).unwrap();
            if broadcast_before_kill {
                anchor.send_anchor(&batch).await.expect("broadcast");
            }
            batch.root
            // Dropped here: the "kill".
        };
        let shutdown = Shutdown::new();
        let running = twinshare_relayer::anchor::start(
            &config,
            &chain,
            Arc::new(Metrics::new()),
            shutdown.clone(),
        )
        .await
        .expect("anchoring service");
        let client = AnchorClient::new(&running.addr.to_string()).unwrap();
        let deadline = Instant::now() + Duration::from_secs(60);
        for seq in 0..40 {
            loop {
                match client.proof(&owner, &stream, seq).await.expect("proof") {
                    ProofStatus::Anchored(p) => {
                        assert_eq!(p.root.to_hex(), root);
                        assert!(merkle::verify(
                            p.root.as_slice(),
                            p.leaf.as_slice(),
                            &p.proof
                        ));
                        break;
                    }
                    ProofStatus::Pending => {
                        assert!(
                            Instant::now() < deadline,
                            "seq {seq} not anchored after the restart"
                        );
                        tokio::time::sleep(Duration::from_millis(100)).await;
                    }
                    ProofStatus::Unknown => panic!("seq {seq} lost in the crash"),
                }
            }
        }
        // Give a duplicate every chance to land, then count.
        tokio::time::sleep(Duration::from_secs(2)).await;
        assert_eq!(
            batches_with_root(&net, &config.anchor.channel, &root).await,
            1,
            "broadcast before the kill: {broadcast_before_kill}"
        );
        shutdown.trigger();
        running.join(Duration::from_secs(10)).await;
    }
}

/// A daemon whose account the registry does not list as an anchorer is told so at start, in
/// words naming the fix, and creates nothing (it used to find out at its first AnchorBatch and
/// retry that forever).
#[tokio::test]
async fn an_account_that_is_not_an_anchorer_is_told_so_at_start() {
    let net = net().await;
    let channel = format!("not-anchorer-{}", suffix());
    let anchor = AnchorChain::new(
        net.client.clone(),
        net.provider.clone(),
        AnchorContracts {
            registry: net.c().data_registry.clone(),
            storage_payment: net.c().storage_payment.clone(),
            payment_channel: None,
            provider: net.provider.address().to_string(),
            channel: channel.clone(),
        },
    );
    let err = anchor
        .ensure_channel()
        .await
        .expect_err("the provider is no anchorer");
    let text = err.to_string();
    assert!(
        text.contains("not an anchorer") && text.contains("UpdateAnchorers"),
        "{text}"
    );
    let created: Result<registry::Channel, _> = net
        .client
        .query_smart(
            &net.c().data_registry,
            &registry::QueryMsg::Channel { id: channel },
        )
        .await;
    assert!(created.is_err(), "no channel was created");
}
