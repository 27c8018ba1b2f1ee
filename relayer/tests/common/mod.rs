//! A small framework for the relayer's end-to-end tests on the localnet: the chain and the dev
//! accounts, an escrow instance of the test's own (short deadlines), funded throwaway parties, a
//! channel and a lease, assets uploaded with the uploader library into a folder the relayer
//! shares, purchases, grants, and the relayer binary as a child process.
//!
//! Needs `localnet/start.sh && localnet/deploy.sh`; without a reachable chain every test FAILS
//! with a message saying so.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use cosmwasm_std::{Decimal, HexBinary, Uint128};
use sha2::{Digest, Sha256};
use twinshare_client::cosmrs::tx::Msg as _;
use twinshare_client::{ChainClient, Coin, Deployment, Key, Msg, Signer, TxOutcome};
use twinshare_crypto::{Codec, MasterKey, PublicKey, Threshold};
use twinshare_relayer::http::StatusReport;
use twinshare_relayer::lane::Priority;
use twinshare_relayer::Identity;
use twinshare_types::escrow::{self, Sale, SaleStatus};
use twinshare_types::registry::{self, Level};
use twinshare_types::storage;
use twinshare_types::token::{self, AssetMetadata, Openness};
use twinshare_types::{Denom, Price};
use twinshare_uploader::layout::{AssetId, SaleId};
use twinshare_uploader::{NoProgress, Operator, StorageConfig, UploadOptions, Uploader};

pub const START: &str = "start the chain first: `localnet/start.sh && localnet/deploy.sh`";
/// Price of every test asset, in TWIN's smallest unit.
pub const PRICE: u128 = 100_000;
/// TWIN each throwaway party gets from the admin (and gives back in [`Market::close`]).
pub const FUNDING: u128 = 6 * PRICE;

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

pub fn deployment_path() -> PathBuf {
    repo().join("localnet/deployment.json")
}

pub fn init_tracing() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()),
        )
        .with_test_writer()
        .try_init();
}

/// A random lowercase hex suffix, so runs never collide.
pub fn suffix() -> String {
    let mut b = [0u8; 5];
    getrandom::getrandom(&mut b).expect("OS RNG");
    hex::encode(b)
}

pub fn random_bytes(n: usize) -> Vec<u8> {
    let mut b = vec![0u8; n];
    getrandom::getrandom(&mut b).expect("OS RNG");
    b
}

/// A uniform draw in `lo..hi` (ms), from the OS RNG.
pub fn random_ms(lo: u64, hi: u64) -> Duration {
    let mut b = [0u8; 8];
    getrandom::getrandom(&mut b).expect("OS RNG");
    Duration::from_millis(lo + u64::from_le_bytes(b) % (hi - lo).max(1))
}

pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock")
        .as_millis() as u64
}

/// The mnemonic of a dev account.
pub fn dev_mnemonic(name: &str) -> String {
    let file = repo().join("localnet/dev-accounts.json");
    twinshare_relayer::config::dev_mnemonic(&file, name)
        .unwrap_or_else(|e| panic!("{e}"))
        .to_string()
}

/// The chain, its deployment and the accounts the tests act as.
pub struct Net {
    pub d: Deployment,
    pub client: ChainClient,
    /// Funds the throwaway parties and instantiates the test escrows.
    pub admin: Signer,
    pub provider: Signer,
    /// The relayer's identity (the dev `relayer` account and its Umbral key).
    pub relayer: Identity,
}

/// Connects, or panics saying how to get a chain.
pub async fn net() -> Net {
    init_tracing();
    let d = Deployment::load(deployment_path())
        .unwrap_or_else(|e| panic!("no localnet deployment ({e}); {START}"));
    let client = ChainClient::connect(d.chain_config())
        .await
        .unwrap_or_else(|e| panic!("the localnet is not reachable: {e}; {START}"));
    let admin = Signer::from_mnemonic(client.clone(), &dev_mnemonic("admin")).expect("admin key");
    let provider =
        Signer::from_mnemonic(client.clone(), &dev_mnemonic("provider")).expect("provider key");
    let relayer = Identity::from_mnemonic(&dev_mnemonic("relayer"), &d.bech32_prefix)
        .expect("relayer identity");
    assert_eq!(relayer.address(), d.account("relayer").expect("relayer"));
    Net {
        d,
        client,
        admin,
        provider,
        relayer,
    }
}

impl Net {
    pub fn c(&self) -> &twinshare_client::Contracts {
        &self.d.contracts
    }

    /// Instantiates the deployed escrow code again, wired to the deployed data-token and
    /// storage-payment, with these deadlines. Returns its address and creation height.
    pub async fn own_escrow(&self, rekey: u64, delivery: u64, dispute: u64) -> (String, u64) {
        let code_id = *self.d.code_ids.get("escrow").expect("escrow code id");
        let msg = escrow::InstantiateMsg {
            admin: Some(self.admin.address().to_string()),
            data_token: self.c().data_token.clone(),
            storage_payment: self.c().storage_payment.clone(),
            arbiter: self.d.account("arbiter").expect("arbiter").to_string(),
            relayer_fee_bps: 500,
            rekey_timeout_secs: rekey,
            delivery_timeout_secs: delivery,
            dispute_window_secs: dispute,
            max_kfrags_bytes: None,
        };
        let any = twinshare_client::cosmrs::cosmwasm::MsgInstantiateContract {
            sender: self.admin.key().account_id().clone(),
            admin: Some(self.admin.key().account_id().clone()),
            code_id,
            label: Some(format!("relayer-test-escrow-{}", suffix())),
            msg: serde_json::to_vec(&msg).expect("json"),
            funds: vec![],
        }
        .to_any()
        .expect("any");
        let tx = self
            .admin
            .send(vec![Msg::Any(any)])
            .await
            .expect("instantiate escrow");
        let addr = tx
            .attribute("instantiate", "_contract_address")
            .expect("contract address")
            .to_string();
        (addr, tx.height)
    }

    /// Makes the dev provider list the dev relayer with the relayer identity's Umbral key.
    pub async fn ensure_provider(&self) {
        let c = self.c();
        let want_key = HexBinary::from(self.relayer.relayer_public_key().encode());
        let listed = self
            .client
            .query_smart::<storage::Provider>(
                &c.storage_payment,
                &storage::QueryMsg::Provider {
                    address: self.provider.address().to_string(),
                },
            )
            .await;
        match listed {
            Err(_) => {
                self.provider
                    .execute(
                        &c.storage_payment,
                        &storage::ExecuteMsg::RegisterProvider {
                            price_per_byte_second: Decimal::from_ratio(1u128, 3_600_000u128),
                            denom: Denom::Cw20(c.payment_token.clone()),
                            relayer: Some(self.relayer.address().to_string()),
                            relayer_pubkey: want_key,
                            endpoint: "fs:///var/lib/twinshare".into(),
                        },
                        vec![],
                    )
                    .await
                    .expect("register provider");
            }
            Ok(p) => {
                if p.relayer_pubkey != want_key || p.relayer.as_str() != self.relayer.address() {
                    println!(
                        "provider listed relayer {} with key {}; updating to {} {}",
                        p.relayer,
                        p.relayer_pubkey,
                        self.relayer.address(),
                        want_key
                    );
                    self.provider
                        .execute(
                            &c.storage_payment,
                            &storage::ExecuteMsg::UpdateProvider {
                                price_per_byte_second: None,
                                denom: None,
                                relayer: Some(self.relayer.address().to_string()),
                                relayer_pubkey: Some(want_key),
                                endpoint: None,
                            },
                            vec![],
                        )
                        .await
                        .expect("update provider");
                }
                if !p.active {
                    self.provider
                        .execute(
                            &c.storage_payment,
                            &storage::ExecuteMsg::ActivateProvider {},
                            vec![],
                        )
                        .await
                        .expect("activate provider");
                }
            }
        }
    }

    pub async fn twin_balance(&self, address: &str) -> u128 {
        let res: cw20::BalanceResponse = self
            .client
            .query_smart(
                &self.c().payment_token,
                &serde_json::json!({ "balance": { "address": address } }),
            )
            .await
            .expect("cw20 balance");
        res.balance.u128()
    }

    pub async fn sale(&self, escrow: &str, id: u64) -> Sale {
        self.client
            .query_smart(escrow, &escrow::QueryMsg::Sale { id })
            .await
            .expect("sale")
    }

    /// Polls the sale until it is `status` (or the timeout); the time it took.
    pub async fn wait_status(
        &self,
        escrow: &str,
        id: u64,
        status: SaleStatus,
        timeout: Duration,
    ) -> Duration {
        let start = Instant::now();
        loop {
            let sale = self.sale(escrow, id).await;
            if sale.status == status {
                return start.elapsed();
            }
            assert!(
                start.elapsed() < timeout,
                "sale {id} is {:?}, not {:?}, after {timeout:?}",
                sale.status,
                status
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Every successful `report_delivery` event of `escrow` since `from`: (sale id, tx hash,
    /// height, the event's position in its tx).
    pub async fn deliveries(&self, escrow: &str, from: u64) -> Vec<(u64, String, u64, usize)> {
        let to = self.client.height().await.expect("height");
        let txs = self
            .client
            .search_txs(
                &format!("wasm._contract_address='{escrow}' AND wasm.action='report_delivery'"),
                from,
                to,
            )
            .await
            .expect("tx_search");
        let mut out = Vec::new();
        for tx in txs.iter().filter(|t| t.is_ok()) {
            let mut pos = 0;
            for e in tx.wasm_events() {
                if e.contract == escrow && e.action.as_deref() == Some("report_delivery") {
                    let sale = e
                        .attribute("sale_id")
                        .expect("sale_id")
                        .parse()
                        .expect("id");
                    out.push((sale, tx.hash.clone(), tx.height, pos));
                    pos += 1;
                }
            }
        }
        out
    }
}

/// A throwaway account with an Umbral master key.
pub struct Party {
    pub signer: Signer,
    pub master: MasterKey,
}

impl Party {
    pub fn address(&self) -> &str {
        self.signer.address()
    }

    pub fn receiving_key(&self) -> PublicKey {
        self.master.receiving_key().public_key()
    }
}

/// An asset on chain and in storage.
#[derive(Clone, Debug)]
pub struct Listed {
    pub asset_id: u64,
    pub record_id: u64,
    pub storage_id: AssetId,
    pub root: Vec<u8>,
    pub data: Vec<u8>,
    pub priority: Priority,
}

/// A seller, buyers, a channel, a lease, a storage folder the relayer shares, and an escrow.
pub struct Market {
    pub escrow: String,
    pub escrow_height: u64,
    pub seller: Party,
    pub buyers: Vec<Party>,
    pub channel: String,
    pub storage_dir: tempfile::TempDir,
    pub op: Operator,
}

impl Market {
    /// Funds a seller and `buyers` buyers, registers the seller's party key (its verifying key,
    /// which the relayer checks kfrags against), creates a channel and buys a lease.
    pub async fn new(net: &Net, escrow: (String, u64), buyers: usize) -> Market {
        let c = net.c();
        let prefix = &net.d.bech32_prefix;
        let mk = || Party {
            signer: Signer::new(net.client.clone(), Key::random(prefix).expect("key")),
            master: MasterKey::random(),
        };
        let seller = mk();
        let buyers: Vec<Party> = (0..buyers).map(|_| mk()).collect();
        let mut funding = Vec::new();
        for p in std::iter::once(&seller).chain(&buyers) {
            funding.push(Msg::bank_send(
                p.address(),
                vec![Coin::new(20_000_000, "ustake")],
            ));
            funding.push(Msg::cw20_transfer(&c.payment_token, p.address(), FUNDING).expect("msg"));
        }
        net.admin.send(funding).await.expect("fund parties");

        seller
            .signer
            .execute(
                &c.data_registry,
                &registry::ExecuteMsg::RegisterParty {
                    pubkey: HexBinary::from(seller.master.verifying_public_key().encode()),
                    name: "relayer-test seller".into(),
                },
                vec![],
            )
            .await
            .expect("register seller party");
        let channel = format!("relayer-test-{}", suffix());
        seller
            .signer
            .execute(
                &c.data_registry,
                &registry::ExecuteMsg::CreateChannel {
                    id: channel.clone(),
                    members: buyers.iter().map(|b| b.address().to_string()).collect(),
                },
                vec![],
            )
            .await
            .expect("create channel");

        let (bytes, secs) = (50_000_000u64, 3_600u64);
        let quote: storage::QuoteResponse = net
            .client
            .query_smart(
                &c.storage_payment,
                &storage::QueryMsg::Quote {
                    provider: net.provider.address().to_string(),
                    bytes,
                    duration_secs: secs,
                },
            )
            .await
            .expect("quote");
        match &quote.denom {
            twinshare_types::CheckedDenom::Cw20(token) => {
                seller
                    .signer
                    .cw20_send(
                        token.as_str(),
                        &c.storage_payment,
                        quote.amount.u128(),
                        &storage::ReceiveMsg::BuyLease {
                            provider: net.provider.address().to_string(),
                            bytes,
                            duration_secs: secs,
                        },
                    )
                    .await
                    .expect("buy lease (cw20)");
            }
            twinshare_types::CheckedDenom::Native(denom) => {
                seller
                    .signer
                    .execute(
                        &c.storage_payment,
                        &storage::ExecuteMsg::BuyLease {
                            provider: net.provider.address().to_string(),
                            bytes,
                            duration_secs: secs,
                        },
                        vec![Coin::new(quote.amount.u128(), denom.clone())],
                    )
                    .await
                    .expect("buy lease (native)");
            }
        }
        let storage_dir = tempfile::tempdir().expect("tempdir");
        let op = StorageConfig::fs(storage_dir.path())
            .build()
            .expect("fs storage");
        Market {
            escrow: escrow.0,
            escrow_height: escrow.1,
            seller,
            buyers,
            channel,
            storage_dir,
            op,
        }
    }

    /// `buyer` confirms `sales` in one tx (so the payments reach the seller, and through
    /// [`Market::close`] go back to the admin).
    pub async fn confirm(&self, buyer: &Party, sales: &[u64]) {
        let msgs: Vec<Msg> = sales
            .iter()
            .map(|id| {
                Msg::execute(
                    &self.escrow,
                    &escrow::ExecuteMsg::Confirm { sale_id: *id },
                    vec![],
                )
                .expect("confirm msg")
            })
            .collect();
        buyer.signer.send(msgs).await.expect("confirm");
    }

    /// Gives the TWIN the throwaway parties hold back to the admin that funded them.
    pub async fn close(&self, net: &Net) {
        for p in std::iter::once(&self.seller).chain(&self.buyers) {
            let left = net.twin_balance(p.address()).await;
            if left > 0 {
                if let Err(e) = p
                    .signer
                    .cw20_transfer(&net.c().payment_token, net.admin.address(), left)
                    .await
                {
                    println!(
                        "could not return {left} TWIN units from {}: {e}",
                        p.address()
                    );
                }
            }
        }
    }

    /// Uploads one random asset per priority, registers and tokenizes them (one tx each step).
    pub async fn list(&self, net: &Net, priorities: &[Priority]) -> Vec<Listed> {
        let c = net.c();
        let uploader = Uploader::new(
            self.op.clone(),
            self.seller.master.clone(),
            UploadOptions {
                fragment_size: 1024,
                ..UploadOptions::default()
            },
        )
        .expect("uploader");
        let mut uploaded = Vec::new();
        for (i, p) in priorities.iter().enumerate() {
            let data = random_bytes(2_500 + i * 100);
            let id = AssetId::new(format!("relayer-test-{}-{i}", suffix())).expect("asset id");
            let report = uploader
                .upload_reader(
                    &data[..],
                    "test data",
                    Some(id.clone()),
                    Some(data.len() as u64),
                    &NoProgress,
                )
                .await
                .expect("upload");
            uploaded.push((id, report, data, *p));
        }
        let register: Vec<Msg> = uploaded
            .iter()
            .map(|(_, report, _, p)| {
                let (level, funds) = match p {
                    Priority::High { fee } => (
                        Level::High {
                            fee: Uint128::new(*fee),
                        },
                        vec![Coin::new(*fee, net.d.fee_denom.clone())],
                    ),
                    Priority::Low => (Level::Low, vec![]),
                };
                Msg::execute(
                    &c.data_registry,
                    &registry::ExecuteMsg::Register {
                        channel: self.channel.clone(),
                        hash: HexBinary::from_hex(&report.root).expect("root"),
                        size: report.size,
                        level,
                        locator: report.manifest.clone(),
                        stream: None,
                        client_timestamp: now_ms(),
                        provider: net.provider.address().to_string(),
                    },
                    funds,
                )
                .expect("register msg")
            })
            .collect();
        let tx = self
            .seller
            .signer
            .send(register)
            .await
            .expect("register records");
        let record_ids = attrs(&tx, &c.data_registry, "register", "record_id");
        assert_eq!(record_ids.len(), uploaded.len());
        let tokenize: Vec<Msg> = record_ids
            .iter()
            .map(|record_id| {
                Msg::execute(
                    &c.data_token,
                    &token::ExecuteMsg::Tokenize {
                        record_id: *record_id,
                        price: Price {
                            amount: Uint128::new(PRICE),
                            denom: Denom::Cw20(c.payment_token.clone()),
                        },
                        openness: Openness::Public,
                        metadata: AssetMetadata {
                            data_kind: "vibration".into(),
                            equipment: Some("welding-robot-A".into()),
                            sampling_rate_hz: Some(1_000),
                            time_range: None,
                            schema: Some("bin".into()),
                            description: "relayer end-to-end test".into(),
                        },
                    },
                    vec![],
                )
                .expect("tokenize msg")
            })
            .collect();
        let tx = self.seller.signer.send(tokenize).await.expect("tokenize");
        let asset_ids = attrs(&tx, &c.data_token, "tokenize", "asset_id");
        assert_eq!(asset_ids.len(), uploaded.len());
        uploaded
            .into_iter()
            .zip(record_ids.into_iter().zip(asset_ids))
            .map(
                |((storage_id, report, data, priority), (record_id, asset_id))| Listed {
                    asset_id,
                    record_id,
                    storage_id,
                    root: hex::decode(&report.root).expect("root hex"),
                    data,
                    priority,
                },
            )
            .collect()
    }

    /// `buyer` buys every asset of `assets` in one tx (cw20 Send to the escrow); the sale ids.
    pub async fn buy(&self, net: &Net, buyer: &Party, assets: &[&Listed]) -> Vec<u64> {
        let msgs: Vec<Msg> = assets
            .iter()
            .map(|a| {
                Msg::cw20_send(
                    &net.c().payment_token,
                    &self.escrow,
                    PRICE,
                    &escrow::ReceiveMsg::Buy {
                        asset_id: a.asset_id,
                        buyer_pubkey: HexBinary::from(buyer.receiving_key().encode()),
                    },
                )
                .expect("buy msg")
            })
            .collect();
        let tx = buyer.signer.send(msgs).await.expect("buy");
        let ids = attrs(&tx, &self.escrow, "buy", "sale_id");
        assert_eq!(ids.len(), assets.len());
        ids
    }

    /// The sealed kfrags of `asset` for the receiving key `buyer`, sealed to the relayer.
    pub fn grant(&self, net: &Net, asset: &Listed, buyer: &PublicKey) -> Vec<u8> {
        twinshare_uploader::sharing::grant(
            &self.seller.master,
            &asset.storage_id,
            buyer,
            &net.relayer.relayer_public_key(),
            Threshold::default(),
        )
        .expect("grant")
    }

    /// Submits re-keys (sale id, sealed kfrags) in one tx.
    pub async fn submit(&self, rekeys: Vec<(u64, Vec<u8>)>) -> TxOutcome {
        let msgs: Vec<Msg> = rekeys
            .into_iter()
            .map(|(sale_id, kfrags)| {
                Msg::execute(
                    &self.escrow,
                    &escrow::ExecuteMsg::SubmitReKey {
                        sale_id,
                        kfrags: kfrags.into(),
                    },
                    vec![],
                )
                .expect("rekey msg")
            })
            .collect();
        self.seller.signer.send(msgs).await.expect("submit re-keys")
    }

    /// Downloads and decrypts a delivered sale as its buyer, checking the cfrags against the
    /// seller's registered key and the data against the registered root.
    pub async fn download(&self, net: &Net, buyer: &Party, asset: &Listed, sale: &Sale) -> Vec<u8> {
        let locator = sale.cfrag_locator.as_deref().expect("cfrag locator");
        let sale_key = SaleId::new(sale.id.to_string()).expect("sale id");
        assert_eq!(locator, asset.storage_id.cfrags_path(&sale_key));
        let stored = self.op.read(locator).await.expect("stored cfrags").to_vec();
        assert_eq!(
            sale.cfrag_hash.as_ref().expect("cfrag hash").to_vec(),
            Sha256::digest(&stored).to_vec(),
            "the hash on chain is the stored cfrag's"
        );
        let party: registry::Party = net
            .client
            .query_smart(
                &net.c().data_registry,
                &registry::QueryMsg::Party {
                    address: sale.seller.to_string(),
                },
            )
            .await
            .expect("seller party");
        let record: registry::Record = net
            .client
            .query_smart(
                &net.c().data_registry,
                &registry::QueryMsg::Record {
                    id: asset.record_id,
                },
            )
            .await
            .expect("record");
        let cfrags =
            twinshare_uploader::storage::get_cfrags(&self.op, &asset.storage_id, &sale_key)
                .await
                .expect("cfrags");
        let root: [u8; 32] = record.hash.to_vec().try_into().expect("32-byte root");
        let downloader = twinshare_uploader::Downloader::new(
            self.op.clone(),
            twinshare_uploader::DownloadOptions {
                expect_root: Some(root),
                ..Default::default()
            },
        );
        let mut out = Vec::new();
        downloader
            .download_to_writer(
                &asset.storage_id,
                twinshare_uploader::Opener::Buyer {
                    master: buyer.master.clone(),
                    cfrags,
                    verifying_key: Some(PublicKey::decode(party.pubkey.as_slice()).expect("key")),
                },
                &mut out,
                &NoProgress,
            )
            .await
            .expect("buyer download");
        out
    }
}

/// The values of `key` in the `action` events of `contract`, as numbers, in order.
pub fn attrs(tx: &TxOutcome, contract: &str, action: &str, key: &str) -> Vec<u64> {
    tx.wasm_events()
        .iter()
        .filter(|e| e.contract == contract && e.action.as_deref() == Some(action))
        .filter_map(|e| e.attribute(key).and_then(|v| v.parse().ok()))
        .collect()
}

/// A free loopback port.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

/// The relayer binary, run as a child process with its own config, database and log.
pub struct RelayerProc {
    pub dir: PathBuf,
    pub config: PathBuf,
    pub log: PathBuf,
    pub http: String,
    pub child: Option<Child>,
    pub runs: usize,
}

impl RelayerProc {
    /// Writes the config for `escrow` and `storage`, under `dir`.
    pub fn new(dir: &Path, escrow: &str, storage: &Path) -> RelayerProc {
        Self::with_rpc(dir, escrow, storage, None)
    }

    /// The same, reaching the node at `rpc` (a proxy) rather than the deployment's.
    pub fn with_rpc(dir: &Path, escrow: &str, storage: &Path, rpc: Option<&str>) -> RelayerProc {
        let http = format!("127.0.0.1:{}", free_port());
        let config = dir.join("relayer.toml");
        let rpc = rpc.map(|r| format!("rpc = {r:?}\n")).unwrap_or_default();
        let text = format!(
            "[chain]\ndeployment = {dep:?}\nescrow = {escrow:?}\nsweep_interval_secs = 5\n{rpc}\
             [storage]\nuri = {storage:?}\n\
             [db]\npath = {db:?}\n\
             [lane]\nbatch_size = 8\nlow_share = 0.25\nlinger_ms = 50\n\
             [retry]\nmin_delay_ms = 100\nmax_delay_ms = 2000\n\
             [http]\nlisten = {http:?}\n\
             [daemon]\nshutdown_grace_secs = 5\nrecovery_delay_ms = 1000\n",
            dep = deployment_path().display().to_string(),
            storage = format!("fs://{}", storage.display()),
            db = dir.join("relayer.redb").display().to_string(),
        );
        std::fs::write(&config, text).expect("write config");
        RelayerProc {
            dir: dir.to_path_buf(),
            config,
            log: dir.join("relayer.log"),
            http,
            child: None,
            runs: 0,
        }
    }

    /// Starts the daemon (`run`), appending its log.
    pub fn start(&mut self) {
        self.start_with(&["run"]);
    }

    /// Starts the binary with `args` (`run`, `replay --from-height H`), appending its log.
    pub fn start_with(&mut self, args: &[&str]) {
        assert!(self.child.is_none(), "already running");
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)
            .expect("log file");
        let child = Command::new(env!("CARGO_BIN_EXE_twinshare-relayer"))
            .arg("--config")
            .arg(&self.config)
            .args(args)
            .env("RUST_LOG", "info,opendal=warn")
            .env_remove("TWINSHARE_RELAYER_MNEMONIC")
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("spawn the relayer");
        self.child = Some(child);
        self.runs += 1;
    }

    /// SIGKILL, as `kill -9` does.
    pub fn kill9(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// SIGTERM, then waits for the exit; the exit status.
    pub fn terminate(&mut self, timeout: Duration) -> std::process::ExitStatus {
        let mut child = self.child.take().expect("running");
        let pid = child.id().to_string();
        let ok = Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .expect("kill -TERM");
        assert!(ok.success());
        let start = Instant::now();
        loop {
            if let Some(status) = child.try_wait().expect("wait") {
                return status;
            }
            if start.elapsed() > timeout {
                let _ = child.kill();
                panic!("the relayer did not stop within {timeout:?} of SIGTERM");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Whether the child is still running.
    pub fn alive(&mut self) -> bool {
        match self.child.as_mut() {
            Some(c) => c.try_wait().expect("try_wait").is_none(),
            None => false,
        }
    }

    /// Waits until `/healthz` answers 200.
    pub async fn wait_healthy(&mut self, timeout: Duration) {
        let start = Instant::now();
        loop {
            if let Ok((200, _)) = twinshare_relayer::http::get_local(&self.http, "/healthz").await {
                return;
            }
            assert!(
                self.alive(),
                "the relayer exited; log:\n{}",
                self.log_text()
            );
            assert!(
                start.elapsed() < timeout,
                "the relayer is not healthy after {timeout:?}; log:\n{}",
                self.log_text()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// `twinshare-relayer status --json`, as an operator would run it.
    pub fn status(&self) -> StatusReport {
        let out = Command::new(env!("CARGO_BIN_EXE_twinshare-relayer"))
            .arg("--config")
            .arg(&self.config)
            .args(["status", "--json"])
            .env("RUST_LOG", "warn")
            .output()
            .expect("status command");
        assert!(
            out.status.success(),
            "status failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).expect("status JSON")
    }

    /// Polls `status` until `n` jobs are in `state`; the report.
    pub async fn wait_jobs(
        &self,
        state: twinshare_relayer::db::JobState,
        n: usize,
        timeout: Duration,
    ) -> StatusReport {
        let start = Instant::now();
        loop {
            let report = self.status();
            if report.in_state(state).count() == n {
                return report;
            }
            assert!(
                start.elapsed() < timeout,
                "not {n} jobs {state} after {timeout:?}:\n{}",
                self.status_text()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// `twinshare-relayer status` in words.
    pub fn status_text(&self) -> String {
        let out = Command::new(env!("CARGO_BIN_EXE_twinshare-relayer"))
            .arg("--config")
            .arg(&self.config)
            .arg("status")
            .env("RUST_LOG", "warn")
            .output()
            .expect("status command");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    pub async fn metrics(&self) -> String {
        let (code, body) = twinshare_relayer::http::get_local(&self.http, "/metrics")
            .await
            .expect("metrics");
        assert_eq!(code, 200);
        body
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for RelayerProc {
    fn drop(&mut self) {
        self.kill9();
    }
}

/// A metric's value in OpenMetrics text (`name{labels} value`).
pub fn metric(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find(|l| l.starts_with(series) && l[series.len()..].starts_with(' '))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
}

/// A TCP proxy on loopback in front of the node's RPC, which a test can cut (every connection
/// dropped, the port closed) and restore: RPC loss without touching the shared chain.
pub struct Proxy {
    pub port: u16,
    upstream: String,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl Proxy {
    /// Proxies a free local port to `upstream` (`host:port`).
    pub async fn start(upstream: &str) -> Proxy {
        let mut p = Proxy {
            port: free_port(),
            upstream: upstream.to_string(),
            task: None,
        };
        p.restore().await;
        p
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Drops every connection and stops listening.
    pub fn cut(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }

    /// Listens again on the same port.
    pub async fn restore(&mut self) {
        assert!(self.task.is_none(), "the proxy is up");
        let mut tries = 0;
        let listener = loop {
            match tokio::net::TcpListener::bind(("127.0.0.1", self.port)).await {
                Ok(l) => break l,
                Err(e) if tries < 50 => {
                    tries += 1;
                    println!("rebinding the proxy: {e}");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                Err(e) => panic!("cannot listen on {}: {e}", self.port),
            }
        };
        let upstream = self.upstream.clone();
        self.task = Some(tokio::spawn(async move {
            let mut conns = tokio::task::JoinSet::new();
            loop {
                let Ok((mut inbound, _)) = listener.accept().await else {
                    return;
                };
                let upstream = upstream.clone();
                conns.spawn(async move {
                    if let Ok(mut outbound) = tokio::net::TcpStream::connect(&upstream).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
                while conns.try_join_next().is_some() {}
            }
        }));
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.cut();
    }
}
