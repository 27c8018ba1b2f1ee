//! Bad input through the CLI: each is answered by a clear error on stderr and exit code 1, and
//! nothing changes on chain (balances, account sequence, sales, records before and after).
//!
//! One shop is set up for all of them (first test to need it): a throwaway seller lists a
//! small record in a fresh channel whose members are one throwaway buyer per test, all funded
//! by alice in one tx.

use cosmwasm_std::HexBinary;
use tokio::sync::OnceCell;
use twinshare_cli::chain::Actor;
use twinshare_cli::commands::{lease, tokenize, upload};
use twinshare_e2e::{assert_says, now_ms, num, random_u64, suffix, Cli, Localnet};
use twinshare_types::registry::{ExecuteMsg as RegistryMsg, Level, QueryMsg as RegistryQuery};
use twinshare_types::token::{AssetMetadata, Openness};
use twinshare_types::{Denom, Price};
use twinshare_uploader::{NoProgress, StorageConfig};

const PRICE: u128 = 50_000;

/// What the tests share: plain data, so each test's runtime can use it.
struct Shop {
    channel: String,
    asset_id: u64,
    /// Buyer name -> mnemonic.
    buyers: Vec<(&'static str, String)>,
}

impl Shop {
    fn words(&self, name: &str) -> &str {
        &self
            .buyers
            .iter()
            .find(|(n, _)| *n == name)
            .unwrap_or_else(|| panic!("no buyer {name}"))
            .1
    }
}

/// (name, ustake, TWIN): `pauper` holds ustake for fees only.
const BUYERS: [(&str, u128, u128); 4] = [
    ("dora", 1_000_000, 100_000),
    ("carol", 1_000_000, 100_000),
    ("pauper", 300_000, 0),
    ("ollie", 1_000_000, 10_000),
];

static SHOP: OnceCell<Shop> = OnceCell::const_new();

async fn shop(net: &Localnet) -> &'static Shop {
    SHOP.get_or_init(|| open_shop(net)).await
}

async fn open_shop(net: &Localnet) -> Shop {
    let provider = net.ensure_provider().await;
    let funder = net.dev("alice");
    let (seller, _) = net.fresh("seller");
    let buyers: Vec<(&'static str, Actor, String)> = BUYERS
        .iter()
        .map(|(name, _, _)| {
            let (a, w) = net.fresh(name);
            (*name, a, w)
        })
        .collect();
    let mut grants = vec![(seller.address(), 2_000_000, 10_000)];
    for ((_, ustake, twin), (_, a, _)) in BUYERS.iter().zip(&buyers) {
        grants.push((a.address(), *ustake, *twin));
    }
    net.fund(&funder, &grants).await;

    let chain = &net.chain;
    let channel = format!("e2e-bad-{}", suffix());
    seller
        .execute(
            "create_channel",
            &chain.network.contracts.data_registry,
            &RegistryMsg::CreateChannel {
                id: channel.clone(),
                members: buyers.iter().map(|(_, a, _)| a.address().into()).collect(),
            },
            vec![],
        )
        .await
        .expect("channel");
    lease::buy_lease(chain, &seller, &provider, 16 * 1024, 900)
        .await
        .expect("lease");
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("spec.csv");
    twinshare_cli::sample::write_vibration_csv(&file, 8 * 1024, random_u64(), 100, now_ms())
        .expect("sample");
    let storage = StorageConfig::fs(dir.path().join("store"));
    let op = storage.build().expect("fs");
    let spec = upload::RecordSpec {
        channel: channel.clone(),
        provider: provider.clone(),
        level: Level::Low,
        stream: None,
    };
    let up = upload::upload_and_register(
        chain,
        &seller,
        upload::Target {
            op: &op,
            label: &storage.describe(),
            fragment_size: 4 << 20,
        },
        &file,
        Some(&spec),
        &NoProgress,
    )
    .await
    .expect("upload and register");
    let t = tokenize::tokenize_record(
        chain,
        &seller,
        up.record_id.expect("record"),
        Price {
            amount: PRICE.into(),
            denom: Denom::Cw20(chain.network.contracts.payment_token.clone()),
        },
        Openness::Public,
        AssetMetadata {
            data_kind: "specification".into(),
            equipment: None,
            sampling_rate_hz: None,
            time_range: None,
            schema: None,
            description: "e2e bad-input fixture".into(),
        },
    )
    .await
    .expect("tokenize");
    Shop {
        channel,
        asset_id: t.asset_id,
        buyers: buyers.into_iter().map(|(n, _, w)| (n, w)).collect(),
    }
}

/// A private CLI home holding one buyer's key (encrypted with `password`, or DEV-style in clear).
fn cli_with(net: &Localnet, name: &str, words: &str, password: Option<&str>) -> Cli {
    let cli = Cli::new(&net.deployment_path);
    let file = cli.path("mnemonic.txt");
    std::fs::write(&file, words).expect("mnemonic file");
    let path = file.to_str().expect("path");
    match password {
        Some(pw) => {
            let k = cli.json_env(
                &["keys", "import", name, "--mnemonic-file", path],
                &[("TWINSHARE_PASSWORD", pw)],
            );
            assert_eq!(k["encrypted"], true);
        }
        None => {
            cli.json(&[
                "keys",
                "import",
                name,
                "--mnemonic-file",
                path,
                "--unencrypted",
            ]);
        }
    }
    std::fs::remove_file(&file).expect("remove mnemonic file");
    cli
}

/// What must not change: TWIN, ustake, the account's sequence (no tx at all), its purchases.
#[derive(Debug, PartialEq, Eq)]
struct Footprint {
    twin: u128,
    ustake: u128,
    sequence: u64,
    sales: usize,
}

async fn footprint(net: &Localnet, address: &str) -> Footprint {
    Footprint {
        twin: net.cw20(address).await,
        ustake: net.ustake(address).await,
        sequence: net.sequence(address).await,
        sales: net
            .chain
            .sales_by_buyer(address)
            .await
            .expect("sales by buyer")
            .len(),
    }
}

fn address_of(net: &Localnet, words: &str) -> String {
    twinshare_cli::identity::Identity::from_mnemonic("x", words, net.chain.prefix())
        .expect("identity")
        .address()
        .to_string()
}

#[tokio::test]
async fn buying_an_unknown_asset_says_so_and_changes_nothing() {
    let net = Localnet::connect().await;
    let shop = shop(&net).await;
    let words = shop.words("dora");
    let dora = address_of(&net, words);
    let cli = cli_with(&net, "dora", words, None);
    assert!(
        net.chain.asset(999_999).await.is_err(),
        "asset 999999 exists on this chain"
    );
    let before = footprint(&net, &dora).await;
    let err = cli.fails(&["--from", "dora", "buy", "999999"]);
    println!("{err}");
    assert_says(&err, &["asset 999999 not found", "twinshare assets"]);
    assert_eq!(footprint(&net, &dora).await, before);
}

#[tokio::test]
async fn a_wrong_keystore_password_says_so_and_signs_nothing() {
    let net = Localnet::connect().await;
    let shop = shop(&net).await;
    let words = shop.words("carol");
    let carol = address_of(&net, words);
    let cli = cli_with(&net, "carol", words, Some("right horse battery"));
    let asset = shop.asset_id.to_string();
    let before = footprint(&net, &carol).await;
    let err = cli.fails_env(
        &["--from", "carol", "buy", &asset],
        &[("TWINSHARE_PASSWORD", "wrong horse battery")],
    );
    println!("{err}");
    assert_says(&err, &["wrong password", "carol"]);
    assert_eq!(footprint(&net, &carol).await, before);
    // No password source and no terminal: an error that says how to give one, not a hang.
    let err = cli.fails(&["--from", "carol", "buy", &asset]);
    assert_says(&err, &["password"]);
    assert_eq!(footprint(&net, &carol).await, before);

    // The same purchase with the right password goes through: the password was the problem.
    let b = cli.json_env(
        &["--from", "carol", "buy", &asset],
        &[("TWINSHARE_PASSWORD", "right horse battery")],
    );
    assert!(num(&b["sale_id"]) > 0);
    assert_eq!(net.cw20(&carol).await, before.twin - PRICE);
}

#[tokio::test]
async fn buying_without_funds_says_so_and_changes_nothing() {
    let net = Localnet::connect().await;
    let shop = shop(&net).await;
    let words = shop.words("pauper");
    let pauper = address_of(&net, words);
    let cli = cli_with(&net, "pauper", words, None);
    let asset = shop.asset_id.to_string();
    let before = footprint(&net, &pauper).await;
    assert_eq!(before.twin, 0);
    assert!(before.ustake > 0, "pauper holds ustake for fees");
    let listed = net.chain.asset(shop.asset_id).await.expect("asset");
    let err = cli.fails(&["--from", "pauper", "buy", &asset]);
    println!("{err}");
    assert_says(&err, &["insufficient funds", "costs", "holds 0"]);
    assert_eq!(footprint(&net, &pauper).await, before);
    assert_eq!(
        net.chain.asset(shop.asset_id).await.expect("asset"),
        listed,
        "the asset is untouched"
    );
    // A lease, paid in the same cw20: the same words, not the token's bare "Cannot Sub".
    let err = cli.fails(&["--from", "pauper", "lease", "buy", "--bytes", "1MiB"]);
    println!("{err}");
    assert_says(&err, &["insufficient funds", "lease of 1", "holds 0"]);
    assert!(!err.contains("Cannot Sub"), "{err}");
    assert_eq!(footprint(&net, &pauper).await, before);
}

#[tokio::test]
async fn registering_more_than_the_lease_says_so_and_registers_nothing() {
    let net = Localnet::connect().await;
    let shop = shop(&net).await;
    let words = shop.words("ollie");
    let ollie = address_of(&net, words);
    let provider = net.ensure_provider().await;
    let cli = cli_with(&net, "ollie", words, None);
    // A 4 KiB lease, then a 64 KiB file.
    cli.json(&[
        "--from",
        "ollie",
        "lease",
        "buy",
        "--bytes",
        "4KiB",
        "--duration",
        "15m",
    ]);
    let file = cli.path("big.csv");
    twinshare_cli::sample::write_vibration_csv(&file, 64 * 1024, random_u64(), 1000, now_ms())
        .expect("sample");
    let (root, _, _) = twinshare_cli::commands::verify::file_root(&file, 4 << 20).expect("root");
    let used = |net: &Localnet| {
        let (o, p) = (ollie.clone(), provider.clone());
        let chain = net.chain.clone();
        async move { lease::used_bytes(&chain, &o, &p).await.expect("used") }
    };
    let records = |net: &Localnet| {
        let chain = net.chain.clone();
        let owner = ollie.clone();
        async move {
            let r: twinshare_types::registry::RecordsResponse = chain
                .registry(&RegistryQuery::RecordsByOwner {
                    owner,
                    start_after: None,
                    limit: None,
                })
                .await
                .expect("records");
            r.records.len()
        }
    };
    let before = (
        footprint(&net, &ollie).await,
        used(&net).await,
        records(&net).await,
    );
    assert_eq!(before.1, 0);
    let err = cli.fails(&[
        "--from",
        "ollie",
        "upload",
        file.to_str().expect("path"),
        "--channel",
        &shop.channel,
    ]);
    println!("{err}");
    assert_says(&err, &["over capacity", "lease buy"]);
    assert_eq!(
        (
            footprint(&net, &ollie).await,
            used(&net).await,
            records(&net).await
        ),
        before
    );
    // The file's root is registered to nobody.
    let found = twinshare_cli::commands::verify::record_by_root(&net.chain, &root)
        .await
        .expect("query");
    assert!(
        found.is_none(),
        "root {} registered",
        HexBinary::from(root.to_vec())
    );
    let err = cli.fails(&["verify", file.to_str().expect("path")]);
    assert_says(&err, &["not registered"]);
}
