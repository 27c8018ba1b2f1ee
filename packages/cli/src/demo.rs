//! `twinshare demo`: the paper's scenario (Section 4, Fig. 5) end to end on the localnet with
//! the dev accounts: alice is User A (owner, seller), bob User B (buyer), `provider` the cloud
//! provider and `relayer` its relayer account.
//!
//! Re-runnable on the same chain: parties, the provider listing and the channel are reused when
//! they are already right; every run generates fresh data (so a fresh root, record, asset and
//! sale). The relayer's step is the running relayer daemon's (`twinshare-relayer run`, which
//! `scripts/demo.sh` starts): the demo checks that it is healthy and serves the same relayer
//! account, key, escrow and storage, then waits for its `ReportDelivery` on chain
//! ([`crate::relayer_daemon`]). Without a daemon, `--in-process-relayer` runs that step in the
//! demo itself with the relayer's dev key ([`crate::relay`]).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use cosmwasm_std::{Decimal, HexBinary, Uint128};
use serde::Serialize;
use sha2::{Digest, Sha256};
use twinshare_crypto::Codec;
use twinshare_types::escrow::{
    Config as EscrowConfig, ExecuteMsg as EscrowMsg, QueryMsg as EscrowQuery,
};
use twinshare_types::registry::{
    Config as RegistryConfig, ExecuteMsg as RegistryMsg, Level, QueryMsg as RegistryQuery,
};
use twinshare_types::storage::{Config as StorageConfigMsg, QueryMsg as StorageQuery};
use twinshare_types::token::{AssetMetadata, Openness, TimeRange};
use twinshare_types::{Denom, Price};
use twinshare_uploader::{NoProgress, Operator, StorageConfig};

use crate::chain::{Actor, Chain, TxInfo};
use crate::commands::{channel, download, lease, party, provider, sales, tokenize, upload, verify};
use crate::config::Network;
use crate::dev_accounts;
use crate::error::{Error, Result};
use crate::identity::Identity;
use crate::output::Console;
use crate::relayer_daemon;
use crate::sample;
use crate::units::human_bytes;

/// The demo's knobs.
#[derive(Clone, Debug)]
pub struct DemoOptions {
    /// Bytes of generated sensor data.
    pub size: u64,
    pub channel: String,
    /// Asset price in TWIN units.
    pub price: u128,
    /// Service fee of the High record, in the registry's fee denom.
    pub fee: u128,
    /// Where the generated and downloaded files go.
    pub work_dir: PathBuf,
    pub storage: StorageConfig,
    /// Lease duration when a lease is bought.
    pub lease_secs: u64,
    /// Who re-encrypts and reports the delivery.
    pub relayer: RelayerMode,
}

/// Who does the relayer's step (paper Section 4.6, Fig. 5).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RelayerMode {
    /// A running `twinshare-relayer` daemon. The demo first checks its HTTP endpoint at
    /// `listen` (`None`: no check, e.g. a daemon without HTTP), then waits up to `timeout` for
    /// its `ReportDelivery` on chain.
    Daemon {
        listen: Option<String>,
        timeout: Duration,
    },
    /// The demo itself, with the relayer's dev key ([`crate::relay`]): no daemon needed.
    InProcess,
}

/// One step of the run.
#[derive(Debug, Clone, Serialize)]
pub struct Step {
    pub n: usize,
    /// Paper section.
    pub section: &'static str,
    pub name: String,
    pub actor: String,
    pub detail: String,
    pub ms: u64,
    pub txs: Vec<TxInfo>,
}

/// cw20 (and one native) balances of the actors.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Balances {
    pub alice: i128,
    pub bob: i128,
    pub provider: i128,
    pub relayer: i128,
    pub escrow: i128,
    /// Native fee denom held by the registry's fee collector (High records' service fees).
    pub fee_collector_native: i128,
}

impl Balances {
    fn minus(&self, before: &Balances) -> Balances {
        Balances {
            alice: self.alice - before.alice,
            bob: self.bob - before.bob,
            provider: self.provider - before.provider,
            relayer: self.relayer - before.relayer,
            escrow: self.escrow - before.escrow,
            fee_collector_native: self.fee_collector_native - before.fee_collector_native,
        }
    }
}

/// What `demo --output json` prints.
#[derive(Debug, Clone, Serialize)]
pub struct DemoSummary {
    pub chain_id: String,
    pub channel: String,
    pub sample: sample::SampleInfo,
    /// SHA-256 of the generated file.
    pub sample_sha256: String,
    pub storage: String,
    pub storage_asset_id: String,
    pub root: String,
    pub record_id: u64,
    pub asset_id: u64,
    pub sale_id: u64,
    /// The sale's final status (`confirmed`).
    pub sale_status: String,
    pub price: u128,
    pub relayer_fee: u128,
    pub register_fee: u128,
    /// What the register tx moved from the registry to the fee collector (its bank events).
    pub register_fee_collected: u128,
    pub fee_denom: String,
    pub lease: Option<lease::LeaseBought>,
    /// A lease cancelled to stay under the open-lease bound, if any.
    pub lease_cancelled: Option<lease::LeaseCancelled>,
    /// cw20 paid for storage this run: the new lease less the refund of a cancelled one.
    pub lease_paid: i128,
    pub download: download::Downloaded,
    /// The downloaded file is byte for byte the generated one.
    pub download_matches_original: bool,
    pub balances_before: Balances,
    pub balances_after: Balances,
    pub balances_delta: Balances,
    /// What the deltas must be: bob -price, alice +price - relayer fee - lease, relayer +fee,
    /// escrow 0, fee collector +register fee (when nobody else registers High records meanwhile).
    pub expected_delta: Balances,
    /// The cw20 deltas are exactly the expected ones and the register tx paid exactly the fee.
    pub balances_ok: bool,
    /// The relayer's step ran in process (`--in-process-relayer`; false: the relayer daemon
    /// delivered).
    pub relayer_in_process: bool,
    /// From the inclusion of the `SubmitReKey` tx until the delivery was seen on chain.
    pub delivery_ms: u64,
    pub steps: Vec<Step>,
    /// Every execute message sent, in order, with its gas.
    pub txs: Vec<TxInfo>,
    pub total_ms: u64,
}

struct Run<'a> {
    console: Console,
    steps: Vec<Step>,
    started: &'a Instant,
}

impl Run<'_> {
    fn record(
        &mut self,
        section: &'static str,
        name: &str,
        actor: &str,
        detail: String,
        since: Instant,
        txs: Vec<TxInfo>,
    ) {
        let ms = since.elapsed().as_millis() as u64;
        let n = self.steps.len() + 1;
        self.console.line(format!(
            "{n:>2}. [{section}] {name} ({actor}, {:.2} s): {detail}",
            ms as f64 / 1000.0
        ));
        for tx in &txs {
            self.console
                .line(format!("      {}: {}", tx.step, tx.line()));
        }
        self.steps.push(Step {
            n,
            section,
            name: name.to_string(),
            actor: actor.to_string(),
            detail,
            ms,
            txs,
        });
    }
}

fn actor(chain: &Chain, name: &str) -> Result<Actor> {
    let account = dev_accounts::builtin_account(name)?;
    let identity = Identity::from_mnemonic(name, &account.mnemonic, chain.prefix())?;
    if let Some(expected) = chain.network.accounts.get(name) {
        if expected != identity.address() {
            return Err(Error::State(format!(
                "the deployment's {name} is {expected}, but the built-in dev account derives {}: \
                 redeploy the localnet (`localnet/reset.sh && localnet/start.sh && localnet/deploy.sh`)",
                identity.address()
            )));
        }
    }
    Ok(Actor::new(chain, identity))
}

async fn balances(
    chain: &Chain,
    a: &[&Actor; 4],
    fee_collector: &str,
    fee_denom: &str,
) -> Result<Balances> {
    let b = |v: u128| v as i128;
    Ok(Balances {
        alice: b(chain.cw20_balance(a[0].address()).await?),
        bob: b(chain.cw20_balance(a[1].address()).await?),
        provider: b(chain.cw20_balance(a[2].address()).await?),
        relayer: b(chain.cw20_balance(a[3].address()).await?),
        escrow: b(chain.cw20_balance(&chain.network.contracts.escrow).await?),
        fee_collector_native: b(chain.native_balance(fee_collector, fee_denom).await?),
    })
}

fn sha256_file(path: &Path) -> Result<String> {
    let bytes =
        std::fs::read(path).map_err(|e| Error::io(format!("cannot read {}", path.display()), e))?;
    Ok(hex::encode(Sha256::digest(&bytes)))
}

fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or_default()
}

/// The channel to use: `wanted` if it holds alice and bob (or alice administers it and can add
/// bob), else a fresh `wanted-<time>`.
async fn ensure_channel(
    chain: &Chain,
    alice: &Actor,
    bob: &Actor,
    wanted: &str,
) -> Result<(String, String, Vec<TxInfo>)> {
    let contract = &chain.network.contracts.data_registry;
    let id = match channel::channel(chain, wanted).await? {
        None => wanted.to_string(),
        Some(c) => {
            let members = channel::members(chain, wanted).await?;
            let has = |a: &Actor| members.iter().any(|m| m == a.address());
            if has(alice) && has(bob) {
                return Ok((
                    wanted.to_string(),
                    "exists with alice and bob: reused".into(),
                    vec![],
                ));
            }
            if c.admin.as_str() == alice.address() && has(alice) {
                let (_, tx) = alice
                    .execute(
                        "add_members",
                        contract,
                        &RegistryMsg::AddMembers {
                            channel: wanted.to_string(),
                            members: vec![bob.address().to_string()],
                        },
                        vec![],
                    )
                    .await?;
                return Ok((wanted.to_string(), "exists: bob added".into(), vec![tx]));
            }
            format!("{wanted}-{}", now_ms() / 1000)
        }
    };
    let (_, tx) = alice
        .execute(
            "create_channel",
            contract,
            &RegistryMsg::CreateChannel {
                id: id.clone(),
                members: vec![bob.address().to_string()],
            },
            vec![],
        )
        .await?;
    Ok((
        id.clone(),
        format!("created {id:?} with alice (admin) and bob"),
        vec![tx],
    ))
}

/// Runs the scenario on `network`.
pub async fn run_demo(
    network: Network,
    options: &DemoOptions,
    console: Console,
) -> Result<DemoSummary> {
    let started = Instant::now();
    let mut run = Run {
        console,
        steps: vec![],
        started: &started,
    };
    let t = Instant::now();
    let chain = Chain::connect(network.clone()).await?;
    let height = chain.client.height().await?;
    let alice = actor(&chain, "alice")?;
    let bob = actor(&chain, "bob")?;
    let prov = actor(&chain, "provider")?;
    let relayer = actor(&chain, "relayer")?;
    let registry_config: RegistryConfig = chain.registry(&RegistryQuery::Config {}).await?;
    let escrow_config: EscrowConfig = chain.escrow(&EscrowQuery::Config {}).await?;
    let storage_config: StorageConfigMsg = chain.storage(&StorageQuery::Config {}).await?;
    let op: Operator = options.storage.build()?;
    let storage_label = options.storage.describe();
    std::fs::create_dir_all(&options.work_dir)
        .map_err(|e| Error::io(format!("cannot create {}", options.work_dir.display()), e))?;
    let actors = [&alice, &bob, &prov, &relayer];
    let fee_denom = registry_config.fee_denom.clone();
    let before = balances(
        &chain,
        &actors,
        registry_config.fee_collector.as_str(),
        &fee_denom,
    )
    .await?;
    run.record(
        "setup",
        "connect",
        "all",
        format!(
            "chain {} at height {height}; storage {storage_label}; cw20 before: alice {} bob {} provider {} relayer {}",
            chain.network.chain_id, before.alice, before.bob, before.provider, before.relayer
        ),
        t,
        vec![],
    );

    // 4.2: parties register their Umbral verifying keys.
    let t = Instant::now();
    let mut txs = vec![];
    for (a, name) in [
        (&alice, "welding robot A operator"),
        (&bob, "welding robot B operator"),
    ] {
        if let Some(tx) = party::register_party(&chain, a, name).await?.tx {
            txs.push(tx);
        }
    }
    let detail = if txs.is_empty() {
        "alice and bob already registered with their verifying keys".to_string()
    } else {
        format!("{} party registration(s) sent", txs.len())
    };
    run.record("4.2", "register parties", "alice, bob", detail, t, txs);

    // 4.3: the provider lists its storage, naming the relayer and its Umbral key.
    let t = Instant::now();
    let listing = provider::Listing {
        // About one TWIN unit per KB-hour, as in the contract tests.
        price_per_byte_second: Decimal::from_ratio(1u128, 3_600_000u128),
        denom: Denom::Cw20(chain.network.contracts.payment_token.clone()),
        relayer: relayer.address().to_string(),
        relayer_pubkey: HexBinary::from(relayer.master.relayer_key().public_key().encode()),
        endpoint: storage_label.clone(),
    };
    let setup = provider::ensure_provider(&chain, &prov, &listing).await?;
    run.record(
        "4.3",
        "storage provider",
        "provider",
        format!(
            "listing {} (cw20, relayer = relayer account and key)",
            setup.result
        ),
        t,
        setup.tx.into_iter().collect(),
    );

    // 4.6's relayer: the daemon must be up and serve what the demo uses, else no delivery comes.
    if let RelayerMode::Daemon {
        listen: Some(listen),
        ..
    } = &options.relayer
    {
        let t = Instant::now();
        let info = relayer_daemon::check(
            listen,
            relayer.address(),
            &listing.relayer_pubkey.to_hex(),
            &chain.network.contracts.escrow,
            &storage_label,
        )
        .await?;
        run.record(
            "4.6",
            "relayer daemon",
            "relayer",
            format!(
                "healthy at {listen}: relays as {} with the listed key {}{}, reads {}",
                info.relayer,
                info.relayer_pubkey,
                if info.dev_mnemonic {
                    " (DEV-ONLY mnemonic)"
                } else {
                    ""
                },
                info.storage
            ),
            t,
            vec![],
        );
    }

    // Channel (paper Fig. 2): alice and bob in `welding`.
    let t = Instant::now();
    let (channel_id, detail, txs) = ensure_channel(&chain, &alice, &bob, &options.channel).await?;
    run.record("4.1", "channel", "alice", detail, t, txs);

    // The sensor data.
    let t = Instant::now();
    let seed = now_ms() ^ u64::from(std::process::id()) << 20;
    let sample_path = options.work_dir.join(format!("vibration-{seed:x}.csv"));
    let sample = {
        let path = sample_path.clone();
        let size = options.size;
        tokio::task::spawn_blocking(move || {
            sample::write_vibration_csv(&path, size, seed, 1000, now_ms())
        })
        .await
        .map_err(|e| Error::Unexpected(format!("sample task: {e}")))??
    };
    let sample_sha256 = sha256_file(&sample_path)?;
    run.record(
        "data",
        "generate sensor data",
        "alice",
        format!(
            "{} of 1 kHz 3-axis vibration CSV, {} rows: {}",
            human_bytes(sample.bytes),
            sample.rows,
            sample.path
        ),
        t,
        vec![],
    );

    // 4.3: a lease that covers the new data.
    let t = Instant::now();
    let fragment_size = twinshare_uploader::DEFAULT_FRAGMENT_SIZE as u64;
    let stored = sample.bytes + sample.bytes.div_ceil(fragment_size) * upload::SEAL_OVERHEAD;
    let cap = lease::capacity(&chain, alice.address(), prov.address()).await?;
    let used = lease::used_bytes(&chain, alice.address(), prov.address()).await?;
    // The contract bounds an owner's open leases with one provider: at the bound, the lease
    // that ends first is cancelled (its unused part comes back) to make room.
    let mut txs = vec![];
    let mut available = cap.bytes;
    let cancelled = if cap.leases >= storage_config.max_open_leases {
        let c = lease::cancel_soonest(&chain, &alice, prov.address()).await?;
        if let Some(c) = &c {
            available = available.saturating_sub(c.bytes);
            txs.push(c.tx.clone());
        }
        c
    } else {
        None
    };
    let needed = (used + stored).saturating_sub(available);
    let b = lease::buy_lease(
        &chain,
        &alice,
        prov.address(),
        needed.max(stored),
        options.lease_secs,
    )
    .await?;
    txs.push(b.tx.clone());
    let mut detail = format!(
        "lease {}: {} for {} s, paid {} {} (cw20 Send)",
        b.lease_id,
        human_bytes(b.bytes),
        b.duration_secs,
        b.paid,
        b.denom
    );
    if let Some(c) = &cancelled {
        detail.push_str(&format!(
            "; lease {} cancelled first to stay under the open-lease bound ({} refunded)",
            c.lease_id, c.refund
        ));
    }
    let lease_refund = cancelled.as_ref().map_or(0, |c| c.refund);
    let lease_paid = b.paid as i128 - lease_refund as i128;
    let bought = Some(b);
    run.record("4.3", "buy storage lease", "alice", detail, t, txs);

    // 4.2 / 4.6: encrypt and store, then register the root (High, with a fee).
    let t = Instant::now();
    let report = upload::upload_file(
        &op,
        &storage_label,
        &alice.master,
        &sample_path,
        fragment_size,
        &NoProgress,
    )
    .await?;
    run.record(
        "4.6",
        "encrypt and upload",
        "alice",
        format!(
            "{} fragment(s) sealed into {}, root {}",
            report.fragments, report.manifest, report.root
        ),
        t,
        vec![],
    );
    let t = Instant::now();
    let spec = upload::RecordSpec {
        channel: channel_id.clone(),
        provider: prov.address().to_string(),
        level: Level::High {
            fee: Uint128::new(options.fee),
        },
        stream: None,
    };
    let (record_id, register_outcome, register_tx) =
        upload::register_record_tx(&chain, &alice, &report, &spec).await?;
    let fee_collected = crate::chain::bank_transferred(
        &register_outcome,
        &chain.network.contracts.data_registry,
        registry_config.fee_collector.as_str(),
        &fee_denom,
    );
    // The file itself leads to the registered record (what `twinshare verify` does).
    let (root, _, _) = verify::file_root(&sample_path, fragment_size)?;
    let found = verify::record_by_root(&chain, &root).await?;
    if found.as_ref().map(|r| r.id) != Some(record_id) || hex::encode(root) != report.root {
        return Err(Error::Verification(format!(
            "the file's recomputed root {} does not lead to record {record_id}",
            hex::encode(root)
        )));
    }
    run.record(
        "4.2",
        "register ownership",
        "alice",
        format!(
            "record {record_id} (High, fee {} {fee_denom} to the fee collector); the file verifies against it",
            options.fee
        ),
        t,
        vec![register_tx],
    );

    // 4.4: tokenize.
    let t = Instant::now();
    let metadata = AssetMetadata {
        data_kind: "vibration".into(),
        equipment: Some("welding-robot-A".into()),
        sampling_rate_hz: Some(sample.sampling_rate_hz),
        time_range: Some(TimeRange {
            start: sample.start_ms,
            end: sample.end_ms,
        }),
        schema: Some(sample.schema.clone()),
        description: "Spindle vibration of welding robot A during a weld cycle (TwinShare demo)"
            .into(),
    };
    let price = Price {
        amount: Uint128::new(options.price),
        denom: Denom::Cw20(chain.network.contracts.payment_token.clone()),
    };
    let tokenized =
        tokenize::tokenize_record(&chain, &alice, record_id, price, Openness::Public, metadata)
            .await?;
    let asset_id = tokenized.asset_id;
    run.record(
        "4.4",
        "tokenize",
        "alice",
        format!(
            "asset {asset_id}: {} TWIN units, public in channel {channel_id}",
            options.price
        ),
        t,
        vec![tokenized.tx.clone()],
    );

    // 4.6: bob buys.
    let t = Instant::now();
    let bought_sale = sales::buy_asset(&chain, &bob, asset_id).await?;
    let sale_id = bought_sale.sale_id;
    run.record(
        "4.6",
        "buy",
        "bob",
        format!(
            "sale {sale_id}: {} paid into escrow with a cw20 Send, naming bob's receiving key",
            bought_sale.price
        ),
        t,
        vec![bought_sale.tx.clone()],
    );

    // 4.6: alice grants.
    let t = Instant::now();
    let sale = chain.sale(sale_id).await?;
    let granted = sales::grant_sale(&chain, &alice, &sale).await?;
    run.record(
        "4.6",
        "grant (re-key)",
        "alice",
        format!(
            "kfrags for bob's key from the asset's delegating key, sealed to the relayer ({} bytes on chain)",
            granted.kfrags_bytes
        ),
        t,
        vec![granted.tx.clone()],
    );

    // 4.6: the relayer re-encrypts the capsule and reports the delivery.
    let t = Instant::now();
    let rekey_height = granted.tx.height;
    let (relayer_in_process, delivery_ms, detail, txs) = match &options.relayer {
        // A daemon watching the same relayer account may still deliver first: then its delivery
        // stands (the in-process step stores its cfrags under its own name, never clobbering
        // the daemon's).
        RelayerMode::InProcess => match crate::relay::relay_sale(&chain, &relayer, &op, sale_id)
            .await
        {
            Ok(relayed) => (
                true,
                t.elapsed().as_millis() as u64,
                format!(
                    "done IN PROCESS by the demo (--in-process-relayer, relayer dev key): kfrags opened and verified against alice's key on chain, capsule re-encrypted in {} ms, cfrags at {} (sha256 {})",
                    relayed.reencrypt_ms, relayed.cfrag_locator, relayed.cfrag_hash
                ),
                vec![relayed.tx],
            ),
            Err(e) => {
                let now = chain.sale(sale_id).await?;
                match (&now.cfrag_locator, now.status) {
                    (Some(locator), twinshare_types::escrow::SaleStatus::Delivered) => (
                        false,
                        t.elapsed().as_millis() as u64,
                        format!(
                            "delivered by a running relayer daemon first (cfrags at {locator}); the in-process step stood down: {e}"
                        ),
                        vec![],
                    ),
                    _ => return Err(e),
                }
            }
        },
        RelayerMode::Daemon { timeout, .. } => {
            let d = relayer_daemon::wait_delivery(&chain, sale_id, rekey_height, *timeout).await?;
            let ms = d.waited.as_millis() as u64;
            let at =
                d.tx.as_ref()
                    .map(|tx| format!(" at height {} (SubmitReKey at {rekey_height})", tx.height))
                    .unwrap_or_default();
            (
                false,
                ms,
                format!(
                    "delivered by the relayer DAEMON {:.2} s after the SubmitReKey tx{at}: cfrags at {} (sha256 {})",
                    ms as f64 / 1000.0,
                    d.sale.cfrag_locator.as_deref().unwrap_or("-"),
                    d.sale
                        .cfrag_hash
                        .as_ref()
                        .map(|h| h.to_hex())
                        .unwrap_or_else(|| "-".into())
                ),
                d.tx.into_iter().collect(),
            )
        }
    };
    run.record(
        "4.6",
        "re-encrypt and deliver",
        if relayer_in_process {
            "relayer (in-process, dev key)"
        } else {
            "relayer daemon"
        },
        detail,
        t,
        txs,
    );

    // 5: bob downloads and verifies.
    let t = Instant::now();
    let out = options.work_dir.join(format!("bob-sale-{sale_id}.csv"));
    let downloaded =
        download::download_sale(&chain, &bob, &op, sale_id, &out, true, &NoProgress).await?;
    let matches = sha256_file(&out)? == sample_sha256;
    if !matches {
        return Err(Error::Verification(format!(
            "bob's download {} differs from the generated file",
            out.display()
        )));
    }
    run.record(
        "4.6",
        "download and verify",
        "bob",
        format!(
            "cfrags checked against the hash on chain, data key opened, {} fragment(s) decrypted and verified against the root of record {record_id}: {} (identical to alice's file)",
            downloaded.fragments, downloaded.output
        ),
        t,
        vec![],
    );

    // 4.6: bob confirms; the escrow pays.
    let t = Instant::now();
    let confirm = sales::settle(&chain, &bob, &EscrowMsg::Confirm { sale_id }, "confirm").await?;
    let final_sale = chain.sale(sale_id).await?;
    run.record(
        "4.6",
        "confirm",
        "bob",
        format!(
            "sale {sale_id} {}: alice paid {} less the relayer's fee {} ({} bps)",
            final_sale.status.as_str(),
            options.price,
            final_sale.relayer_fee,
            escrow_config.relayer_fee_bps
        ),
        t,
        vec![confirm],
    );

    let after = balances(
        &chain,
        &actors,
        registry_config.fee_collector.as_str(),
        &fee_denom,
    )
    .await?;
    let delta = after.minus(&before);
    let relayer_fee = final_sale.relayer_fee.u128();
    let price_i = options.price as i128;
    let expected = Balances {
        alice: price_i - relayer_fee as i128 - lease_paid,
        bob: -price_i,
        provider: 0,
        relayer: relayer_fee as i128,
        escrow: 0,
        fee_collector_native: options.fee as i128,
    };
    // The cw20 movements must be exact. The fee collector's native balance also moves with other
    // accounts' High records (and with gas when it is an actor), so its part is checked on the
    // register tx itself: exactly the fee went from the registry to the fee collector.
    let cw20_ok = Balances {
        fee_collector_native: 0,
        ..delta
    } == Balances {
        fee_collector_native: 0,
        ..expected
    };
    let balances_ok = cw20_ok && fee_collected == options.fee;
    console.line(format!(
        "cw20 balances (TWIN units) after: alice {} ({:+}) | bob {} ({:+}) | provider {} ({:+}) | relayer {} ({:+}) | escrow {} ({:+}); fee collector {:+} {fee_denom}",
        after.alice, delta.alice, after.bob, delta.bob, after.provider, delta.provider, after.relayer, delta.relayer, after.escrow, delta.escrow, delta.fee_collector_native
    ));
    console.line(if balances_ok {
        let others = if delta.fee_collector_native != expected.fee_collector_native {
            " (the fee collector's balance also moved with other activity on the chain)"
        } else {
            ""
        };
        format!(
            "balances moved by exactly the price, the relayer's fee and the lease; the register tx paid exactly {} {fee_denom} to the fee collector{others}",
            fee_collected
        )
    } else {
        format!("NOTE: balances moved differently than expected (other activity on the chain?): expected {expected:?}")
    });
    let txs: Vec<TxInfo> = run.steps.iter().flat_map(|s| s.txs.clone()).collect();
    let total_ms = run.started.elapsed().as_millis() as u64;
    console.line(format!(
        "done in {:.1} s: {} txs, {} gas in all",
        total_ms as f64 / 1000.0,
        txs.len(),
        txs.iter().map(|t| t.gas_used).sum::<u64>()
    ));
    Ok(DemoSummary {
        chain_id: chain.network.chain_id.clone(),
        channel: channel_id,
        sample,
        sample_sha256,
        storage: storage_label,
        storage_asset_id: report.asset_id.clone(),
        root: report.root.clone(),
        record_id,
        asset_id,
        sale_id,
        sale_status: final_sale.status.as_str().to_string(),
        price: options.price,
        relayer_fee,
        register_fee: options.fee,
        register_fee_collected: fee_collected,
        fee_denom,
        lease: bought,
        lease_cancelled: cancelled,
        lease_paid,
        download: downloaded,
        download_matches_original: matches,
        balances_before: before,
        balances_after: after,
        balances_delta: delta,
        expected_delta: expected,
        balances_ok,
        relayer_in_process,
        delivery_ms,
        steps: run.steps,
        txs,
        total_ms,
    })
}
