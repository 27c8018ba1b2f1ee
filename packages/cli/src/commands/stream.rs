//! `twinshare stream`: sensor keys on chain, payment channels to the anchoring daemon, proofs of
//! anchored records checked offline and on chain, and stream epochs verified record by record,
//! by their owner or by a buyer of a sale. Publishing is [`super::stream_publish`], offering an
//! epoch for sale [`super::stream_offer`]; the folder-of-files stream is [`super::upload`].
//! The HTTP client, batch signing and the epoch format are `twinshare_stream`'s.

use std::collections::BTreeMap;
use std::time::Duration;

use cosmwasm_std::HexBinary;
use serde::Serialize;
use twinshare_crypto::claims::SensorKey;
use twinshare_stream::api::RecordProof;
use twinshare_stream::epoch::{self, Epoch};
use twinshare_stream::proof::{check_offline, OfflineCheck};
use twinshare_stream::AnchorClient;
use twinshare_types::channel::{
    Channel as PaymentChannel, QueryMsg as ChannelQuery, ReceiveMsg as ChannelReceive,
};
use twinshare_types::registry::{
    Batch, ExecuteMsg as RegistryMsg, QueryMsg as RegistryQuery, SensorsResponse,
    VerifyInclusionResponse,
};
use twinshare_uploader::{AssetId, Opener, Operator};

use crate::chain::{event_u64, Actor, Chain, TxInfo};
use crate::cli::{
    EpochSelector, PaymentChannelCommand, ProveArgs, SensorCommand, StreamCommand, StreamVerifyArgs,
};
use crate::commands::download::{open_sale, SaleOpening};
use crate::context::Context;
use crate::error::{Error, Result};
use crate::output::Outcome;

/// Runs one `stream` subcommand.
pub async fn run(ctx: &Context, command: &StreamCommand) -> Result<Outcome> {
    match command {
        StreamCommand::Sensor(SensorCommand::Add { name }) => sensor_add(ctx, name).await,
        StreamCommand::Sensor(SensorCommand::List) => sensor_list(ctx).await,
        StreamCommand::Channel(PaymentChannelCommand::Open {
            deposit,
            payee,
            close_timeout,
        }) => channel_open(ctx, *deposit, payee.as_deref(), *close_timeout).await,
        StreamCommand::Channel(PaymentChannelCommand::Show { id }) => channel_show(ctx, *id).await,
        StreamCommand::Publish(args) => super::stream_publish::publish(ctx, args).await,
        StreamCommand::Prove(args) => prove(ctx, args).await,
        StreamCommand::Verify(args) => verify(ctx, args).await,
        StreamCommand::Offer(args) => super::stream_offer::offer(ctx, args).await,
        StreamCommand::Files(args) => super::upload::stream(ctx, args).await,
    }
}

/// Sensor `name`'s key: derived from the owner's master key and the name.
pub fn sensor_key(master: &twinshare_crypto::MasterKey, name: &str) -> Result<SensorKey> {
    if name.is_empty() || name.chars().count() > 64 {
        return Err(Error::Usage(format!(
            "sensor name {name:?}: 1 to 64 characters"
        )));
    }
    Ok(SensorKey::from_master(master, name)?)
}

/// The deployment's payment-channel contract.
pub fn payment_channel_contract(chain: &Chain) -> Result<String> {
    let c = &chain.network.contracts.payment_channel;
    if c.is_empty() {
        return Err(Error::State(
            "the deployment names no payment-channel contract: redeploy (localnet/deploy.sh) \
             or point --deployment at a deployment file that has one"
                .into(),
        ));
    }
    Ok(c.clone())
}

#[derive(Serialize)]
struct SensorAdded {
    owner: String,
    name: String,
    pubkey: String,
    tx: TxInfo,
}

async fn sensor_add(ctx: &Context, name: &str) -> Result<Outcome> {
    let chain = ctx.chain().await?;
    let actor = ctx.actor(&chain)?;
    let key = sensor_key(&actor.master, name)?;
    let pubkey = HexBinary::from(key.public_key().to_vec());
    let (_, tx) = actor
        .execute(
            "register_sensor",
            &chain.network.contracts.data_registry,
            &RegistryMsg::RegisterSensor {
                pubkey: pubkey.clone(),
                name: name.to_string(),
            },
            vec![],
        )
        .await?;
    let report = SensorAdded {
        owner: actor.address().to_string(),
        name: name.to_string(),
        pubkey: pubkey.to_hex(),
        tx,
    };
    let text = format!(
        "sensor {name} ({}) registered to {}\n  {}",
        report.pubkey,
        report.owner,
        report.tx.line()
    );
    Outcome::new(&report, text)
}

async fn sensor_list(ctx: &Context) -> Result<Outcome> {
    let chain = ctx.chain().await?;
    let actor = ctx.actor(&chain)?;
    let mut sensors = Vec::new();
    let mut start_after = None;
    loop {
        let page: SensorsResponse = chain
            .registry(&RegistryQuery::SensorsByOwner {
                owner: actor.address().to_string(),
                start_after: start_after.clone(),
                limit: Some(100),
            })
            .await?;
        let done = page.sensors.len() < 100;
        start_after = page.sensors.last().map(|s| s.pubkey.clone());
        sensors.extend(page.sensors);
        if done {
            break;
        }
    }
    let text = if sensors.is_empty() {
        format!(
            "{} has no sensors: `twinshare stream sensor add NAME`",
            actor.address()
        )
    } else {
        sensors
            .iter()
            .map(|s| format!("{}  {}", s.pubkey, s.name))
            .collect::<Vec<_>>()
            .join("\n")
    };
    Outcome::new(&serde_json::json!({ "sensors": sensors }), text)
}

#[derive(Serialize)]
struct ChannelOpened {
    channel: u64,
    owner: String,
    payee: String,
    deposit: String,
    close_timeout_secs: u64,
    tx: TxInfo,
}

async fn channel_open(
    ctx: &Context,
    deposit: u128,
    payee: Option<&str>,
    close_timeout_secs: u64,
) -> Result<Outcome> {
    if deposit == 0 {
        return Err(Error::Usage("--deposit must be above 0".into()));
    }
    let chain = ctx.chain().await?;
    let contract = payment_channel_contract(&chain)?;
    let actor = ctx.actor(&chain)?;
    let payee = ctx.resolve_address(&chain, payee.unwrap_or("relayer"))?;
    let (tx, info) = actor
        .cw20_send(
            "open_payment_channel",
            &chain.network.contracts.payment_token,
            &contract,
            deposit,
            &ChannelReceive::Open {
                payee: payee.clone(),
                close_timeout_secs,
            },
        )
        .await?;
    let channel = event_u64(&tx, &contract, "channel_id")?;
    let report = ChannelOpened {
        channel,
        owner: actor.address().to_string(),
        payee,
        deposit: deposit.to_string(),
        close_timeout_secs,
        tx: info,
    };
    let text = format!(
        "payment channel {channel} to {} opened with {deposit} TWIN\n  {}",
        report.payee,
        report.tx.line()
    );
    Outcome::new(&report, text)
}

/// A payment channel from the chain.
pub async fn channel(chain: &Chain, id: u64) -> Result<PaymentChannel> {
    let contract = payment_channel_contract(chain)?;
    chain
        .client
        .query_smart(&contract, &ChannelQuery::Channel { id })
        .await
        .map_err(|e| {
            if crate::chain::is_not_found(&e) {
                Error::not_found(
                    format!("payment channel {id}"),
                    "open one with `twinshare stream channel open --deposit N`",
                )
            } else {
                e.into()
            }
        })
}

async fn channel_show(ctx: &Context, id: u64) -> Result<Outcome> {
    let chain = ctx.chain().await?;
    let c = channel(&chain, id).await?;
    let text = format!(
        "payment channel {}: {} -> {}, deposit {}, redeemed {}, refunded {}{}",
        c.id,
        c.owner,
        c.payee,
        c.deposit,
        c.redeemed,
        c.refunded,
        if c.closed { ", closed" } else { "" }
    );
    Outcome::new(&c, text)
}

/// What the chain says about a served proof.
#[derive(Clone, Debug, Serialize)]
pub struct ChainCheck {
    /// The registry's batch has the served root.
    pub batch_root_matches: bool,
    /// The registry's `VerifyInclusion` of the leaf under the batch.
    pub verify_inclusion: bool,
    pub batch_height: u64,
}

impl ChainCheck {
    pub fn ok(&self) -> bool {
        self.batch_root_matches && self.verify_inclusion
    }
}

/// Checks a served proof on chain: the `Batch` root and `VerifyInclusion`.
pub async fn check_on_chain(chain: &Chain, proof: &RecordProof) -> Result<ChainCheck> {
    let batch: Batch = chain
        .registry(&RegistryQuery::Batch { id: proof.batch_id })
        .await?;
    let v: VerifyInclusionResponse = chain
        .registry(&RegistryQuery::VerifyInclusion {
            batch_id: proof.batch_id,
            leaf: proof.leaf.clone(),
            proof: proof.proof.clone(),
        })
        .await?;
    Ok(ChainCheck {
        batch_root_matches: batch.root == proof.root && v.root == proof.root,
        verify_inclusion: v.valid,
        batch_height: batch.height,
    })
}

#[derive(Serialize)]
struct Proved {
    owner: String,
    stream: String,
    seq: u64,
    batch_id: u64,
    root: String,
    anchored_height: u64,
    anchor_tx: String,
    proof_siblings: usize,
    /// The proof's JSON size, as served.
    proof_bytes: usize,
    offline: OfflineCheck,
    chain: ChainCheck,
    valid: bool,
}

async fn prove(ctx: &Context, args: &ProveArgs) -> Result<Outcome> {
    let chain = ctx.chain().await?;
    let owner = match &args.owner {
        Some(o) => ctx.resolve_address(&chain, o)?,
        None => ctx.actor(&chain)?.address().to_string(),
    };
    let client = AnchorClient::new(&args.anchor.anchor_url)?;
    let proof = client
        .wait_proof(
            &owner,
            &args.stream,
            args.seq,
            Duration::from_secs(args.wait),
            Duration::from_millis(100),
        )
        .await?;
    let offline = check_offline(&proof, &owner, &args.stream, args.seq, None);
    let on_chain = check_on_chain(&chain, &proof).await?;
    let report = Proved {
        owner,
        stream: args.stream.clone(),
        seq: args.seq,
        batch_id: proof.batch_id,
        root: proof.root.to_hex(),
        anchored_height: proof.height,
        anchor_tx: proof.tx_hash.clone(),
        proof_siblings: proof.proof.siblings.len(),
        proof_bytes: serde_json::to_vec(&proof)
            .map(|v| v.len())
            .unwrap_or_default(),
        valid: offline.ok() && on_chain.ok(),
        offline,
        chain: on_chain,
    };
    let yes = |b: bool| if b { "yes" } else { "NO" };
    let text = format!(
        "record {} of {:?} of {}: batch {} (root {}, height {}, tx {})\n  offline: leaf is the record's {}, path reaches the root {}{}\n  on chain: batch root equal {}, VerifyInclusion {}",
        report.seq,
        report.stream,
        report.owner,
        report.batch_id,
        report.root,
        report.anchored_height,
        report.anchor_tx,
        yes(report.offline.leaf_matches_record),
        yes(report.offline.path_reaches_root),
        report
            .offline
            .problem
            .as_ref()
            .map(|p| format!(" ({p})"))
            .unwrap_or_default(),
        yes(report.chain.batch_root_matches),
        yes(report.chain.verify_inclusion),
    );
    if !report.valid {
        return Err(Error::Verification(text));
    }
    Outcome::new(&report, text)
}

/// One record of a verified epoch.
#[derive(Clone, Debug, Serialize)]
pub struct RecordCheck {
    pub seq: u64,
    pub ok: bool,
    pub batch_id: Option<u64>,
    pub problem: Option<String>,
}

/// What `stream verify` found in one epoch.
#[derive(Serialize)]
struct EpochVerified {
    epoch: String,
    owner: String,
    stream: String,
    first_seq: u64,
    last_seq: u64,
    /// The buyer's path: the sale and the record it bought.
    sale_id: Option<u64>,
    record_id: Option<u64>,
    records: usize,
    verified: usize,
    failed: usize,
    batches: Vec<u64>,
    results: Vec<RecordCheck>,
}

/// The asset id of an epoch named by its locator, or by `owner`'s stream and first seq.
pub fn epoch_asset(which: &EpochSelector, owner: &str) -> Result<AssetId> {
    match (
        which.epoch.as_deref(),
        which.stream.as_deref(),
        which.first_seq,
    ) {
        (Some(locator), _, _) => Ok(AssetId::from_locator(locator)?),
        (None, Some(stream), Some(first)) => Ok(epoch::epoch_id(owner, stream, first)?),
        _ => Err(Error::Usage(
            "name the epoch: --epoch LOCATOR, or --stream S --first-seq N".into(),
        )),
    }
}

async fn verify(ctx: &Context, args: &StreamVerifyArgs) -> Result<Outcome> {
    let chain = ctx.chain().await?;
    let actor = ctx.actor(&chain)?;
    let (_, op) = ctx.operator()?;
    if let Some(sale_id) = args.sale {
        return verify_sale(&chain, &actor, &op, sale_id, args).await;
    }
    let owner = actor.address().to_string();
    let asset = epoch_asset(&args.which, &owner)?;
    let e = epoch::load(&op, &asset, Opener::Owner(actor.master.clone()))
        .await
        .map_err(|e| Error::State(format!("epoch {}: {e}", asset.as_str())))?;
    if e.owner != owner {
        return Err(Error::Verification(format!(
            "epoch {} says its owner is {}, not {owner}",
            asset.as_str(),
            e.owner
        )));
    }
    let client = AnchorClient::new(&args.anchor.anchor_url)?;
    let checks = check_epoch(&chain, &client, &e, &owner, Duration::from_secs(args.wait)).await?;
    verified_outcome(asset.manifest_path(), &e, &owner, checks, None)
}

/// The buyer's `stream verify --sale`: the sale's checks and opener are `twinshare download`'s
/// ([`open_sale`]); the epoch must hash to the record's root and belong to the record's owner,
/// who sold it; then every record is checked like the owner's.
async fn verify_sale(
    chain: &Chain,
    actor: &Actor,
    op: &Operator,
    sale_id: u64,
    args: &StreamVerifyArgs,
) -> Result<Outcome> {
    let SaleOpening {
        sale,
        record,
        asset,
        opener,
        root,
    } = open_sale(chain, actor, op, sale_id).await?;
    let opened = epoch::open(op, &asset, opener, Some(root))
        .await
        .map_err(|e| match e {
            twinshare_stream::Error::BadEpoch(why) => Error::State(format!(
                "record {} bought in sale {sale_id} is not a stream epoch ({why}); fetch it as \
                 a file with `twinshare download --sale {sale_id} -o FILE`",
                record.id
            )),
            other => Error::Stream(other),
        })?;
    let e = opened.epoch;
    check_epoch_owner(&e.owner, record.owner.as_str(), sale.seller.as_str())?;
    let client = AnchorClient::new(&args.anchor.anchor_url)?;
    let owner = record.owner.to_string();
    let checks = check_epoch(chain, &client, &e, &owner, Duration::from_secs(args.wait)).await?;
    verified_outcome(
        asset.manifest_path(),
        &e,
        &owner,
        checks,
        Some((sale_id, record.id)),
    )
}

/// The epoch's header, the record on chain and the sale must name one owner: otherwise the
/// leaves checked would be someone else's records.
fn check_epoch_owner(header: &str, record_owner: &str, seller: &str) -> Result<()> {
    if header == record_owner && record_owner == seller {
        return Ok(());
    }
    Err(Error::Verification(format!(
        "owners differ: the epoch says {header}, the record on chain belongs to {record_owner}, \
         the sale's seller is {seller}"
    )))
}

/// Every record of an epoch checked, and the anchored batches they are in.
pub struct EpochChecks {
    pub results: Vec<RecordCheck>,
    pub batches: Vec<u64>,
}

/// Checks each record of `e` as `owner`'s: its leaf recomputed from the payload, the daemon's
/// proof of it (waiting up to `wait` for one still pending), and the proof's root against the
/// batch's root on chain.
pub async fn check_epoch(
    chain: &Chain,
    client: &AnchorClient,
    e: &Epoch,
    owner: &str,
    wait: Duration,
) -> Result<EpochChecks> {
    let claims = e.claims()?;
    let mut results = Vec::with_capacity(claims.len());
    // Each batch's root is read from the chain once.
    let mut roots: BTreeMap<u64, HexBinary> = BTreeMap::new();
    for claim in &claims {
        let served = client
            .wait_proof(
                owner,
                &e.stream,
                claim.seq,
                wait,
                Duration::from_millis(100),
            )
            .await;
        let check = match served {
            Err(err) => RecordCheck {
                seq: claim.seq,
                ok: false,
                batch_id: None,
                problem: Some(err.to_string()),
            },
            Ok(p) => {
                let offline = check_offline(&p, owner, &e.stream, claim.seq, Some(claim));
                let root = match roots.get(&p.batch_id) {
                    Some(r) => r.clone(),
                    None => {
                        let b: Batch = chain
                            .registry(&RegistryQuery::Batch { id: p.batch_id })
                            .await?;
                        roots.insert(p.batch_id, b.root.clone());
                        b.root
                    }
                };
                let on_chain = root == p.root;
                let mut problem = offline.problem.clone();
                if !on_chain {
                    problem = Some(format!(
                        "{}the daemon's root is not batch {}'s root on chain",
                        problem.map(|p| format!("{p}; ")).unwrap_or_default(),
                        p.batch_id
                    ));
                }
                RecordCheck {
                    seq: claim.seq,
                    ok: offline.ok() && on_chain,
                    batch_id: Some(p.batch_id),
                    problem,
                }
            }
        };
        results.push(check);
    }
    Ok(EpochChecks {
        results,
        batches: roots.into_keys().collect(),
    })
}

/// The report of a checked epoch; an error naming each failed record when any failed.
fn verified_outcome(
    locator: String,
    e: &Epoch,
    owner: &str,
    checks: EpochChecks,
    sale: Option<(u64, u64)>,
) -> Result<Outcome> {
    let results = checks.results;
    let failed = results.iter().filter(|r| !r.ok).count();
    let report = EpochVerified {
        epoch: locator,
        owner: owner.to_string(),
        stream: e.stream.clone(),
        first_seq: e.first_seq().unwrap_or_default(),
        last_seq: e.entries.last().map(|x| x.seq).unwrap_or_default(),
        sale_id: sale.map(|s| s.0),
        record_id: sale.map(|s| s.1),
        records: results.len(),
        verified: results.len() - failed,
        failed,
        batches: checks.batches,
        results,
    };
    let mut text = String::new();
    for r in report.results.iter().filter(|r| !r.ok) {
        text.push_str(&format!(
            "record {}: FAILED: {}\n",
            r.seq,
            r.problem.as_deref().unwrap_or("?")
        ));
    }
    text.push_str(&format!(
        "epoch {} of {:?}: records {}..{}: {} of {} verified against {} anchored batch(es) on chain",
        report.epoch,
        report.stream,
        report.first_seq,
        report.last_seq,
        report.verified,
        report.records,
        report.batches.len()
    ));
    if let Some((sale_id, _)) = sale {
        text.push_str(&if failed > 0 {
            format!("\nnext: dispute the sale (`twinshare dispute {sale_id} --reason ...`)")
        } else {
            format!("\nnext: `twinshare confirm {sale_id}` pays the seller")
        });
    }
    if failed > 0 {
        return Err(Error::Verification(text));
    }
    Outcome::new(&report, text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bought_epoch_must_name_the_record_owner_who_sold_it() {
        assert!(check_epoch_owner("wasm1a", "wasm1a", "wasm1a").is_ok());
        for (header, record, seller) in [
            ("wasm1b", "wasm1a", "wasm1a"),
            ("wasm1a", "wasm1b", "wasm1a"),
            ("wasm1a", "wasm1a", "wasm1b"),
        ] {
            let err = check_epoch_owner(header, record, seller).expect_err("a mismatch");
            let text = err.to_string();
            assert!(text.contains("owners differ"), "{text}");
            assert!(text.contains("wasm1b"), "the odd one is named: {text}");
        }
    }

    #[test]
    fn epochs_are_named_by_locator_or_by_stream_and_first_seq() {
        let pick =
            |epoch: Option<String>, stream: Option<&str>, first_seq: Option<u64>| EpochSelector {
                epoch,
                stream: stream.map(String::from),
                first_seq,
            };
        let by_seq =
            epoch_asset(&pick(None, Some("press-7/vib"), Some(200)), "wasm1o").expect("id");
        assert_eq!(
            by_seq,
            epoch::epoch_id("wasm1o", "press-7/vib", 200).expect("id")
        );
        let by_locator = epoch_asset(
            &pick(Some(by_seq.manifest_path()), None, None),
            "wasm1other",
        )
        .expect("id");
        assert_eq!(by_locator, by_seq, "a locator names the epoch whoever asks");
        assert!(matches!(
            epoch_asset(&pick(None, Some("s"), None), "wasm1o"),
            Err(Error::Usage(_))
        ));
    }
}
