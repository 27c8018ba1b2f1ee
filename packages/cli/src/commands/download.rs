//! `twinshare download`: fetch, decrypt and verify against the root registered on chain.

use std::path::Path;

use serde::Serialize;
use sha2::{Digest, Sha256};
use twinshare_crypto::sharing::decode_cfrags;
use twinshare_crypto::{Codec, PublicKey};
use twinshare_types::escrow::{Sale, SaleStatus};
use twinshare_types::registry::Record;
use twinshare_uploader::progress::Progress;
use twinshare_uploader::{AssetId, DownloadOptions, Downloader, NoProgress, Opener, Operator};

use crate::chain::{Actor, Chain};
use crate::cli::DownloadArgs;
use crate::commands::sales::storage_asset_of;
use crate::context::Context;
use crate::error::{Error, Result};
use crate::output::Outcome;
use crate::units::human_bytes;

/// A verified download.
#[derive(Debug, Clone, Serialize)]
pub struct Downloaded {
    pub sale_id: Option<u64>,
    pub record_id: u64,
    /// The root registered on chain, which the data matched.
    pub root: String,
    pub verified: bool,
    pub size: u64,
    pub fragments: u64,
    pub output: String,
    pub elapsed_ms: u64,
}

/// Whether `locator` names an object inside the asset's folder.
fn inside(asset: &AssetId, locator: &str) -> bool {
    locator.starts_with(&asset.prefix()) && !locator.split('/').any(|s| s == ".." || s.is_empty())
}

/// What a buyer needs to open the data of a delivered sale, every part checked against the
/// chain: the sale is the actor's, the cfrags hash to what the relayer reported, the seller's
/// verifying key is the one registered on chain, and the data must hash to `root` (the
/// record's hash).
pub struct SaleOpening {
    pub sale: Sale,
    pub record: Record,
    pub asset: AssetId,
    pub opener: Opener,
    pub root: [u8; 32],
}

/// Checks a sale for `actor` as its buyer and builds the [`Opener::Buyer`] from the delivered
/// cfrags (see [`SaleOpening`]).
pub async fn open_sale(
    chain: &Chain,
    actor: &Actor,
    op: &Operator,
    sale_id: u64,
) -> Result<SaleOpening> {
    let sale = chain.sale(sale_id).await?;
    if sale.buyer.as_str() != actor.address() {
        return Err(Error::State(format!(
            "sale {sale_id} was bought by {}, not by {} ({})",
            sale.buyer,
            actor.name,
            actor.address()
        )));
    }
    let (locator, hash) = match (&sale.cfrag_locator, &sale.cfrag_hash) {
        (Some(l), Some(h)) => (l.clone(), h.clone()),
        _ => {
            let next = match sale.status {
                SaleStatus::Paid => format!(
                    "not delivered yet: the seller has not granted; wait for its re-key \
                     (`twinshare grant {sale_id}` or its seller-agent), then for the relayer"
                ),
                SaleStatus::ReKeySubmitted => "not delivered yet: the seller granted, the \
                     relayer has not delivered yet; wait for its delivery report and try again \
                     shortly"
                    .to_string(),
                _ => "the sale has no delivery".to_string(),
            };
            return Err(Error::State(format!(
                "sale {sale_id} is {}: {next}",
                sale.status.as_str()
            )));
        }
    };
    let (asset, record) = storage_asset_of(chain, sale.asset_id).await?;
    if !inside(&asset, &locator) {
        return Err(Error::Verification(format!(
            "the cfrag locator {locator:?} on chain is outside asset {asset}"
        )));
    }
    let bytes = twinshare_uploader::storage::read_optional(op, &locator)
        .await?
        .ok_or_else(|| {
            Error::not_found(
                format!("cfrags at {locator}"),
                "the storage you point at (--storage) is not the provider's",
            )
        })?;
    let got: [u8; 32] = Sha256::digest(&bytes).into();
    if got.as_slice() != hash.as_slice() {
        return Err(Error::Verification(format!(
            "the cfrags at {locator} hash to {}, the relayer reported {}: dispute the sale (`twinshare dispute {sale_id} --reason ...`)",
            hex::encode(got),
            hash.to_hex()
        )));
    }
    let cfrags = decode_cfrags(&bytes)?;
    let seller = chain.party(sale.seller.as_str()).await?.ok_or_else(|| {
        Error::not_found(
            format!("party {}", sale.seller),
            "the seller never registered its verifying key, so its cfrags cannot be checked",
        )
    })?;
    let verifying_key = PublicKey::decode(seller.pubkey.as_slice())?;
    let root = root_of(&record.hash)?;
    Ok(SaleOpening {
        opener: Opener::Buyer {
            master: actor.master.clone(),
            cfrags,
            verifying_key: Some(verifying_key),
        },
        sale,
        record,
        asset,
        root,
    })
}

/// The buyer's download of a delivered sale ([`open_sale`]'s checks, then the data must hash to
/// the record's root).
pub async fn download_sale(
    chain: &Chain,
    actor: &Actor,
    op: &Operator,
    sale_id: u64,
    output: &Path,
    overwrite: bool,
    progress: &dyn Progress,
) -> Result<Downloaded> {
    let started = std::time::Instant::now();
    let opening = open_sale(chain, actor, op, sale_id).await?;
    let downloader = Downloader::new(
        op.clone(),
        DownloadOptions {
            expect_root: Some(opening.root),
            overwrite,
            ..DownloadOptions::default()
        },
    );
    let report = downloader
        .download_to_path(&opening.asset, opening.opener, output, progress)
        .await?;
    Ok(Downloaded {
        sale_id: Some(sale_id),
        record_id: opening.record.id,
        root: report.root,
        verified: true,
        size: report.size,
        fragments: report.fragments,
        output: report.output,
        elapsed_ms: started.elapsed().as_millis() as u64,
    })
}

fn root_of(hash: &cosmwasm_std::HexBinary) -> Result<[u8; 32]> {
    hash.as_slice()
        .try_into()
        .map_err(|_| Error::Unexpected(format!("a record hash of {} bytes", hash.len())))
}

/// The owner's download of its own record.
pub async fn download_record(
    chain: &Chain,
    actor: &Actor,
    op: &Operator,
    record_id: u64,
    output: &Path,
    overwrite: bool,
    progress: &dyn Progress,
) -> Result<Downloaded> {
    let started = std::time::Instant::now();
    let record = chain.record(record_id).await?;
    if record.owner.as_str() != actor.address() {
        return Err(Error::State(format!(
            "record {record_id} belongs to {}; others buy it (`twinshare assets`, `twinshare buy`)",
            record.owner
        )));
    }
    let asset = AssetId::from_locator(&record.locator)?;
    let downloader = Downloader::new(
        op.clone(),
        DownloadOptions {
            expect_root: Some(root_of(&record.hash)?),
            overwrite,
            ..DownloadOptions::default()
        },
    );
    let report = downloader
        .download_to_path(
            &asset,
            Opener::Owner(actor.master.clone()),
            output,
            progress,
        )
        .await?;
    Ok(Downloaded {
        sale_id: None,
        record_id,
        root: report.root,
        verified: true,
        size: report.size,
        fragments: report.fragments,
        output: report.output,
        elapsed_ms: started.elapsed().as_millis() as u64,
    })
}

/// `download`.
pub async fn download(ctx: &Context, args: &DownloadArgs) -> Result<Outcome> {
    let chain = ctx.chain().await?;
    let actor = ctx.actor(&chain)?;
    let (_, op) = ctx.operator()?;
    let d = match (args.sale, args.record) {
        (Some(sale), _) => {
            download_sale(
                &chain,
                &actor,
                &op,
                sale,
                &args.output_file,
                args.overwrite,
                &NoProgress,
            )
            .await?
        }
        (None, Some(record)) => {
            download_record(
                &chain,
                &actor,
                &op,
                record,
                &args.output_file,
                args.overwrite,
                &NoProgress,
            )
            .await?
        }
        (None, None) => return Err(Error::Usage("name --sale ID or --record ID".into())),
    };
    let mut text = format!(
        "{} written: {}, {} fragment(s), verified against the root of record {} on chain ({})",
        d.output,
        human_bytes(d.size),
        d.fragments,
        d.record_id,
        d.root
    );
    if let Some(sale) = d.sale_id {
        text.push_str(&format!(
            "\nnext: `twinshare confirm {sale}` pays the seller"
        ));
    }
    Outcome::new(&d, text)
}
