//! `twinshare stream offer`: one stored stream epoch put up for sale. The epoch is already
//! sealed in storage (`stream publish`), so this registers its manifest's root as a record
//! ([`register_record`], as `upload` does) and lists the record ([`tokenize_record`], as
//! `tokenize` does); the sale then runs like any other, and the buyer checks each record with
//! `stream verify --sale`.

use cosmwasm_std::HexBinary;
use serde::Serialize;
use twinshare_stream::epoch::{self, Epoch};
use twinshare_types::registry::{QueryMsg as RegistryQuery, Record};
use twinshare_types::token::{Asset, AssetMetadata, QueryMsg as TokenQuery, TimeRange};
use twinshare_uploader::{DownloadReport, Opener, UploadReport};

use crate::chain::TxInfo;
use crate::cli::OfferArgs;
use crate::commands::stream::epoch_asset;
use crate::commands::tokenize::{listing_terms, tokenize_record, Tokenized};
use crate::commands::upload::{check_member, level, register_record, RecordSpec};
use crate::context::Context;
use crate::error::{Error, Result};
use crate::output::Outcome;

/// An epoch offered for sale.
#[derive(Debug, Serialize)]
pub struct Offered {
    /// The epoch's locator (its manifest), also the record's locator.
    pub epoch: String,
    pub stream: String,
    pub first_seq: u64,
    pub last_seq: u64,
    pub records: u64,
    /// The manifest's root: the record's hash.
    pub root: String,
    pub record_id: u64,
    /// `None` when the epoch was registered already (an earlier offer that did not list it).
    pub register_tx: Option<TxInfo>,
    /// The data-token asset buyers buy.
    pub asset_id: u64,
    pub price: String,
    pub tokenize_tx: TxInfo,
}

/// The upload report `register_record` takes, rebuilt from the epoch's verified download: the
/// epoch was sealed by `stream publish`, whose report is not kept.
pub fn upload_report_of(download: &DownloadReport) -> UploadReport {
    UploadReport {
        input: download.manifest.clone(),
        asset_id: download.asset_id.clone(),
        manifest: download.manifest.clone(),
        root: download.root.clone(),
        size: download.size,
        fragments: download.fragments,
        fragments_stored: 0,
        fragments_skipped: 0,
        resumed: false,
        plaintext_hashes: Vec::new(),
    }
}

/// What a buyer reads: the stream, its seqs and the records' time span.
fn metadata(e: &Epoch, args: &OfferArgs) -> AssetMetadata {
    let first = e.first_seq().unwrap_or_default();
    let last = e.entries.last().map(|x| x.seq).unwrap_or_default();
    let times = e.entries.iter().map(|x| x.timestamp);
    let time_range = match (times.clone().min(), times.max()) {
        (Some(start), Some(end)) => Some(TimeRange { start, end }),
        _ => None,
    };
    AssetMetadata {
        data_kind: "stream-epoch".into(),
        equipment: args.equipment.clone(),
        sampling_rate_hz: None,
        time_range,
        schema: args.schema.clone(),
        description: args.description.clone().unwrap_or_else(|| {
            format!(
                "stream {:?}: records {first}..{last} ({} records, each anchored; check them \
                 with `twinshare stream verify --sale`)",
                e.stream,
                e.len()
            )
        }),
    }
}

/// `stream offer`.
pub async fn offer(ctx: &Context, args: &OfferArgs) -> Result<Outcome> {
    let chain = ctx.chain().await?;
    let actor = ctx.actor(&chain)?;
    let (_, op) = ctx.operator()?;
    let owner = actor.address().to_string();
    let asset = epoch_asset(&args.which, &owner)?;

    // Every check before the first tx: the epoch opens with the caller's key and names the
    // caller, the listing's terms are valid, the epoch is not listed already.
    let opened = epoch::open(&op, &asset, Opener::Owner(actor.master.clone()), None)
        .await
        .map_err(|e| {
            Error::State(format!(
                "epoch {} does not open with the key of {} ({owner}): {e}",
                asset.manifest_path(),
                actor.name
            ))
        })?;
    let e = &opened.epoch;
    if e.owner != owner {
        return Err(Error::Verification(format!(
            "epoch {} says its owner is {}, not {owner}: only its owner offers it",
            asset.manifest_path(),
            e.owner
        )));
    }
    if e.is_empty() {
        return Err(Error::State(format!(
            "epoch {} holds no records",
            asset.manifest_path()
        )));
    }
    check_member(&chain, &actor, &args.channel).await?;
    let spec = RecordSpec {
        channel: args.channel.clone(),
        provider: ctx.provider(&chain, args.provider.as_deref())?,
        level: level(args.level, args.fee)?,
        // Registry streams are the folder-of-files kind (`stream files`); an epoch's records
        // are anchored under their own stream name, which the epoch's header carries.
        stream: None,
    };
    let (price, openness) = listing_terms(ctx, &chain, &args.terms)?;
    let metadata = metadata(e, args);
    let hash = HexBinary::from_hex(&opened.report.root)
        .map_err(|err| Error::Unexpected(format!("epoch root {:?}: {err}", opened.report.root)))?;
    let registered: Option<Record> = chain
        .optional(chain.registry(&RegistryQuery::RecordByHash { hash }))
        .await?;
    let existing = match registered {
        Some(r) if r.owner.as_str() != owner => {
            return Err(Error::State(format!(
                "the root of epoch {} is registered to {} already (record {})",
                asset.manifest_path(),
                r.owner,
                r.id
            )))
        }
        Some(r) => {
            let listed: Option<Asset> = chain
                .token(&TokenQuery::AssetByRecord { record_id: r.id })
                .await?;
            if let Some(a) = listed {
                return Err(Error::State(format!(
                    "epoch {} is offered already: record {}, asset {}; a buyer runs \
                     `twinshare buy {}`",
                    asset.manifest_path(),
                    r.id,
                    a.id,
                    a.id
                )));
            }
            Some(r.id)
        }
        None => None,
    };

    let (record_id, register_tx) = match existing {
        Some(id) => (id, None),
        None => {
            let report = upload_report_of(&opened.report);
            let (id, tx) = register_record(&chain, &actor, &report, &spec).await?;
            (id, Some(tx))
        }
    };
    let Tokenized {
        asset_id,
        price,
        tx: tokenize_tx,
        ..
    } = tokenize_record(&chain, &actor, record_id, price, openness, metadata).await?;
    let report = Offered {
        epoch: asset.manifest_path(),
        stream: e.stream.clone(),
        first_seq: e.first_seq().unwrap_or_default(),
        last_seq: e.entries.last().map(|x| x.seq).unwrap_or_default(),
        records: e.len() as u64,
        root: opened.report.root.clone(),
        record_id,
        register_tx,
        asset_id,
        price,
        tokenize_tx,
    };
    let registered = match &report.register_tx {
        Some(tx) => format!("record {record_id} registered: {}", tx.line()),
        None => format!("record {record_id} was registered already"),
    };
    let text = format!(
        "epoch {} of {:?} (records {}..{}, {} records, root {})\n  {registered}\n  listed as \
         asset {asset_id} for {}: {}\nnext: a buyer runs `twinshare buy {asset_id}`; once \
         delivered, `twinshare stream verify --sale SALE_ID` checks every record",
        report.epoch,
        report.stream,
        report.first_seq,
        report.last_seq,
        report.records,
        report.root,
        report.price,
        report.tokenize_tx.line()
    );
    Outcome::new(&report, text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_record_is_the_epoch_as_stored() {
        let download = DownloadReport {
            asset_id: "epoch-0011223344556677-200".into(),
            manifest: "assets/epoch-0011223344556677-200/manifest.json".into(),
            root: "ab".repeat(32),
            size: 9_000,
            fragments: 1,
            output: "-".into(),
        };
        let report = upload_report_of(&download);
        assert_eq!(report.manifest, download.manifest, "the record's locator");
        assert_eq!(report.root, download.root, "the record's hash");
        // Registered size: the sealed bytes the lease must cover.
        assert_eq!(
            crate::commands::upload::stored_size(&report),
            9_000 + crate::commands::upload::SEAL_OVERHEAD
        );
    }

    #[test]
    fn the_listing_says_which_records_and_when() {
        let mut e = Epoch::new("wasm1o", "press-7/vib", &[2u8; 33]);
        for (seq, ts) in [
            (200u64, 1_700_000_000_050u64),
            (201, 1_700_000_000_010),
            (202, 1_700_000_000_090),
        ] {
            e.push(seq, ts, vec![1, 2, 3]).expect("push");
        }
        let args = OfferArgs {
            which: crate::cli::EpochSelector {
                epoch: None,
                stream: Some("press-7/vib".into()),
                first_seq: Some(200),
            },
            terms: crate::cli::ListingTerms {
                price: 5,
                denom: "cw20".into(),
                openness: crate::cli::OpennessArg::Public,
                allow: vec![],
            },
            channel: "c".into(),
            provider: None,
            level: crate::cli::LevelArg::High,
            fee: 0,
            equipment: Some("press-7".into()),
            schema: None,
            description: None,
        };
        let m = metadata(&e, &args);
        assert_eq!(
            m.time_range,
            Some(TimeRange {
                start: 1_700_000_000_010,
                end: 1_700_000_000_090
            })
        );
        assert!(
            m.description.contains("records 200..202"),
            "{}",
            m.description
        );
        assert_eq!(m.equipment.as_deref(), Some("press-7"));
        let given = OfferArgs {
            description: Some("night shift".into()),
            ..args
        };
        assert_eq!(metadata(&e, &given).description, "night shift");
    }
}
