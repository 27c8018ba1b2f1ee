//! The paper's workflow, Sections 4.2-4.6, with two parties on the localnet: alice (User A)
//! registers her identity, leases storage, encrypts and uploads sensor data and registers its
//! root (4.2-4.3), tokenizes it (4.4); bob (User B) buys it into the escrow (4.5-4.6) and alice
//! submits the re-key. Real wasm, real blocks, `fs` storage, the real `twinshare` binary; checks
//! the sale on chain (the escrow holds alice's kfrags, which open with the relayer's key and
//! verify for exactly this asset and buyer) and every balance that moved.

use twinshare_cli::commands::upload::SEAL_OVERHEAD;
use twinshare_crypto::{open_sealed_kfrags, verify_kfrags, Codec};
use twinshare_e2e::{
    assert_says, fee_of, lease_room, now_ms, num, random_u64, suffix, Cli, Localnet,
};
use twinshare_types::escrow::SaleStatus;
use twinshare_types::registry::Level;
use twinshare_types::token::CheckedOpenness;
use twinshare_types::CheckedDenom;
use twinshare_uploader::AssetId;

const PRICE: u128 = 50_000;
const FEE: u128 = 1_000;
const SAMPLE_BYTES: u64 = 256 * 1024;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alice_shares_sensor_data_with_bob_up_to_the_escrow_holding_her_rekey() {
    let net = Localnet::connect().await;
    let provider = net.ensure_provider().await;
    let alice = net.dev("alice");
    let bob = net.dev("bob");
    let relayer = net.dev("relayer");
    let escrow = net.contracts().escrow.clone();
    let cli = Cli::new(&net.deployment_path);
    cli.json(&["keys", "import-dev"]);
    let sfx = suffix();

    let alice_cw20 = net.cw20(alice.address()).await;
    let bob_cw20 = net.cw20(bob.address()).await;
    let alice_ustake = net.ustake(alice.address()).await;
    let bob_ustake = net.ustake(bob.address()).await;
    let mut alice_fees = 0u128;
    let mut bob_fees = 0u128;

    // 4.2: both parties put their Umbral verifying keys on chain (a no-op when already there).
    for (who, name) in [
        ("alice", "welding robot A operator"),
        ("bob", "welding robot B operator"),
    ] {
        let r = cli.json(&["--from", who, "party", "register", "--name", name]);
        if !r["tx"].is_null() {
            *if who == "alice" {
                &mut alice_fees
            } else {
                &mut bob_fees
            } += fee_of(&r["tx"]);
        }
        let party = net
            .chain
            .party(r["address"].as_str().expect("address"))
            .await
            .expect("party query")
            .expect("party registered");
        assert_eq!(party.pubkey.to_hex(), r["pubkey"].as_str().expect("pubkey"));
    }

    // Fig. 2: a consortium channel of alice (admin) and bob, fresh for this run.
    let channel = format!("e2e-weld-{sfx}");
    let r = cli.json(&["--from", "alice", "channel", "create", &channel, "bob"]);
    alice_fees += fee_of(&r["tx"]);

    // Welding robot A's sensor data, fresh each run.
    let file = cli.path("vibration.csv");
    let sample = twinshare_cli::sample::write_vibration_csv(
        &file,
        SAMPLE_BYTES,
        random_u64(),
        1000,
        now_ms(),
    )
    .expect("sample");
    let stored = sample.bytes + SEAL_OVERHEAD; // one 4 MiB fragment

    // 4.3: a lease that covers it (at the open-lease bound, the soonest lease is cancelled).
    let room = lease_room(&net, &alice, &provider, stored, 300).await;
    let refund = room.cancelled.as_ref().map_or(0, |c| c.refund);
    if let Some(c) = &room.cancelled {
        alice_fees += fee_of(&serde_json::to_value(&c.tx).expect("json"));
    }
    let bytes = room.bytes.to_string();
    let lease = cli.json(&[
        "--from",
        "alice",
        "lease",
        "buy",
        "--bytes",
        &bytes,
        "--duration",
        "15m",
    ]);
    alice_fees += fee_of(&lease["tx"]);
    let lease_paid = num(&lease["paid"]);
    assert!(lease_paid > 0, "{lease}");

    // 4.2 + 4.3 (4): encrypt, upload and register the root (High, with a service fee).
    let file_arg = file.to_str().expect("path");
    let fee = FEE.to_string();
    let up = cli.json(&[
        "--from",
        "alice",
        "upload",
        file_arg,
        "--channel",
        &channel,
        "--level",
        "high",
        "--fee",
        &fee,
    ]);
    alice_fees += fee_of(&up["register_tx"]);
    let record_id = num(&up["record_id"]) as u64;
    let record = net.chain.record(record_id).await.expect("record");
    assert_eq!(record.owner.as_str(), alice.address());
    assert_eq!(record.channel, channel);
    assert_eq!(record.hash.to_hex(), up["root"].as_str().expect("root"));
    assert_eq!(record.size, stored);
    assert_eq!(record.locator, up["locator"].as_str().expect("locator"));
    assert_eq!(record.provider.as_str(), provider);
    assert_eq!(record.level, Level::High { fee: FEE.into() });
    // Rule 2: the fee went from the registry to the fee collector in that very tx.
    let register = net
        .tx(up["register_tx"]["hash"].as_str().expect("hash"))
        .await;
    let registry_config: twinshare_types::registry::Config = net
        .chain
        .registry(&twinshare_types::registry::QueryMsg::Config {})
        .await
        .expect("registry config");
    assert_eq!(
        twinshare_cli::chain::bank_transferred(
            &register,
            &net.contracts().data_registry,
            registry_config.fee_collector.as_str(),
            "ustake"
        ),
        FEE
    );
    // The ciphertext is in the fs storage, not the plaintext.
    let asset = AssetId::from_locator(&record.locator).expect("locator");
    let manifest = twinshare_uploader::storage::read_manifest(&cli.operator(), &asset)
        .await
        .expect("manifest in storage");
    assert_eq!(hex::encode(manifest.root), record.hash.to_hex());
    assert_eq!(
        manifest.verifying_public_key,
        alice.master.verifying_public_key()
    );

    // Anyone holding the file finds its owner on chain.
    let v = cli.json(&["verify", file_arg]);
    assert_eq!(num(&v["record"]["id"]) as u64, record_id);
    assert_eq!(v["record"]["owner"], alice.address());

    // 4.4: tokenize at a price in TWIN, public within the channel.
    let record_arg = record_id.to_string();
    let price = PRICE.to_string();
    let t = cli.json(&[
        "--from",
        "alice",
        "tokenize",
        &record_arg,
        "--price",
        &price,
        "--kind",
        "vibration",
        "--equipment",
        "welding-robot-A",
        "--rate",
        "1000",
    ]);
    alice_fees += fee_of(&t["tx"]);
    let asset_id = num(&t["asset_id"]) as u64;
    let listed = net.chain.asset(asset_id).await.expect("asset");
    assert_eq!(listed.record_id, record_id);
    assert_eq!(listed.owner.as_str(), alice.address());
    assert_eq!(listed.openness, CheckedOpenness::Public);
    assert_eq!(listed.price.amount.u128(), PRICE);
    assert!(
        matches!(&listed.price.denom, CheckedDenom::Cw20(t) if t.as_str() == net.contracts().payment_token)
    );

    // 4.6: bob pays into the escrow (cw20 Send), naming his receiving key.
    let asset_arg = asset_id.to_string();
    let b = cli.json(&["--from", "bob", "buy", &asset_arg]);
    bob_fees += fee_of(&b["tx"]);
    let sale_id = num(&b["sale_id"]) as u64;
    let buy_height = num(&b["tx"]["height"]) as u64;
    let sale = net.chain.sale(sale_id).await.expect("sale");
    assert_eq!(sale.status, SaleStatus::Paid);
    assert_eq!(sale.buyer.as_str(), bob.address());
    assert_eq!(sale.seller.as_str(), alice.address());
    assert_eq!(sale.asset_id, asset_id);
    assert_eq!(sale.price.amount.u128(), PRICE);
    assert_eq!(sale.relayer.as_str(), relayer.address());
    assert_eq!(
        sale.buyer_pubkey.as_slice(),
        bob.master.receiving_key().public_key().encode().as_slice()
    );
    assert!(sale.kfrags.is_none());
    // The escrow took exactly the price in bob's block (pinned to heights: other sales on the
    // shared escrow do not disturb this).
    assert_eq!(
        net.cw20_at(&escrow, buy_height).await - net.cw20_at(&escrow, buy_height - 1).await,
        PRICE,
        "the escrow's cw20 balance across bob's purchase"
    );

    // 4.6 (3): alice agrees and submits the re-key: kfrags for bob, sealed to the relayer.
    let sale_arg = sale_id.to_string();
    let g = cli.json(&["--from", "alice", "grant", &sale_arg]);
    alice_fees += fee_of(&g["tx"]);
    let kfrags_bytes = num(&g["kfrags_bytes"]) as usize;

    let sale = net.chain.sale(sale_id).await.expect("sale");
    assert_eq!(sale.status, SaleStatus::ReKeySubmitted, "{sale:?}");
    let sealed = sale.kfrags.as_ref().expect("kfrags on chain");
    assert_eq!(sealed.len(), kfrags_bytes);
    assert!(sale.delivery_deadline.is_some());
    assert!(sale.cfrag_locator.is_none());
    // Only the relayer opens them; they re-key exactly this asset for exactly bob.
    let kfrags = open_sealed_kfrags(&relayer.master.relayer_key(), sealed.as_slice())
        .expect("the relayer opens the sealed kfrags");
    assert_eq!(kfrags.len(), 1, "one relayer, one kfrag");
    let kfrag_len = kfrags[0].encode().len();
    let capsule_len = u16::from_be_bytes([sealed[1], sealed[2]]) as usize;
    // 0x01 || u16 capsule length || capsule || DEM(count || u16 length || kfrag), the DEM
    // adding a 24-byte nonce and a 16-byte tag.
    assert_eq!(sealed[0], 1);
    assert_eq!(capsule_len, manifest.capsule.encode().len());
    assert_eq!(kfrags_bytes, 3 + capsule_len + 3 + kfrag_len + 24 + 16);
    let escrow_config: twinshare_types::escrow::Config = net
        .chain
        .escrow(&twinshare_types::escrow::QueryMsg::Config {})
        .await
        .expect("escrow config");
    assert!(kfrags_bytes <= escrow_config.max_kfrags_bytes as usize);
    verify_kfrags(
        kfrags,
        &alice.master.verifying_public_key(),
        &manifest.delegating_public_key,
        &bob.master.receiving_key().public_key(),
    )
    .expect("the kfrags are alice's, for this asset and bob");
    // Sealed to the relayer, not readable by anyone else.
    assert!(open_sealed_kfrags(&bob.master.relayer_key(), sealed.as_slice()).is_err());
    // The paid sale is no longer bob's to take back: refunds wait for the delivery deadline.
    let refused = cli.fails(&["--from", "bob", "refund", &sale_arg]);
    assert_says(&refused, &["refund"]);

    // Balances: bob paid the price, alice paid the lease (less a cancelled lease's refund);
    // gas fees and the High record's service fee come out of ustake, exactly.
    assert_eq!(
        net.cw20(bob.address()).await as i128 - bob_cw20 as i128,
        -(PRICE as i128),
        "bob's TWIN"
    );
    assert_eq!(
        net.cw20(alice.address()).await as i128 - alice_cw20 as i128,
        refund as i128 - lease_paid as i128,
        "alice's TWIN"
    );
    assert_eq!(
        alice_ustake - net.ustake(alice.address()).await,
        alice_fees + FEE,
        "alice's ustake: her gas fees and the record's service fee"
    );
    assert_eq!(
        bob_ustake - net.ustake(bob.address()).await,
        bob_fees,
        "bob's ustake: his gas fees"
    );
    println!(
        "channel {channel}: record {record_id}, asset {asset_id}, sale {sale_id} rekey_submitted \
         ({kfrags_bytes} bytes of sealed kfrags); lease {bytes} B paid {lease_paid} TWIN"
    );
}
