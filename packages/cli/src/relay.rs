//! The relayer's step for one sale, in process: what the relayer daemon (`twinshare-relayer`)
//! does for every sale. `demo --in-process-relayer` uses it with the relayer's dev key when no
//! daemon runs; `twinshare relay` is the same for one sale.
//!
//! Open the sealed kfrags with the relayer key, verify them against the seller's verifying key
//! FROM THE CHAIN (the manifest must carry the same key), the manifest's delegating key and the
//! buyer's key from the sale, re-encrypt the capsule, store the cfrags next to the asset, and
//! report the delivery with the cfrags' SHA-256.

use cosmwasm_std::HexBinary;
use serde::Serialize;
use sha2::{Digest, Sha256};
use twinshare_crypto::{Codec, PublicKey};
use twinshare_types::escrow::{ExecuteMsg, SaleStatus};
use twinshare_uploader::{Operator, SaleId};

use crate::chain::{Actor, Chain, TxInfo};
use crate::commands::sales::storage_asset_of;
use crate::error::{Error, Result};

/// A delivery.
#[derive(Debug, Clone, Serialize)]
pub struct Relayed {
    pub sale_id: u64,
    pub cfrag_locator: String,
    pub cfrag_hash: String,
    pub reencrypt_ms: u64,
    pub tx: TxInfo,
}

/// Re-encrypts one sale's capsule into storage and reports the delivery, as `relayer`.
pub async fn relay_sale(
    chain: &Chain,
    relayer: &Actor,
    op: &Operator,
    sale_id: u64,
) -> Result<Relayed> {
    let sale = chain.sale(sale_id).await?;
    if sale.relayer.as_str() != relayer.address() {
        return Err(Error::State(format!(
            "sale {sale_id} is relayed by {}, not by {}",
            sale.relayer,
            relayer.address()
        )));
    }
    if sale.status != SaleStatus::ReKeySubmitted {
        return Err(Error::State(format!(
            "sale {sale_id} is {}; the relayer acts on rekey_submitted",
            sale.status.as_str()
        )));
    }
    let kfrags = sale
        .kfrags
        .as_ref()
        .ok_or_else(|| Error::Unexpected(format!("sale {sale_id} has no kfrags")))?;
    let started = std::time::Instant::now();
    let (asset, record) = storage_asset_of(chain, sale.asset_id).await?;
    let manifest = twinshare_uploader::storage::read_manifest(op, &asset).await?;
    manifest.check_registered_root(record.hash.as_slice())?;
    let seller = chain.party(sale.seller.as_str()).await?.ok_or_else(|| {
        Error::not_found(
            format!("party {}", sale.seller),
            "the seller must register its verifying key before its kfrags can be checked",
        )
    })?;
    let seller_key = PublicKey::decode(seller.pubkey.as_slice())?;
    if seller_key != manifest.verifying_public_key {
        return Err(Error::Verification(format!(
            "the manifest of asset {asset} names another verifying key than seller {}'s on chain",
            sale.seller
        )));
    }
    let buyer = PublicKey::decode(sale.buyer_pubkey.as_slice())?;
    // Its own object name (`cfrags/<sale>.in-process.bin`): a relayer daemon racing for the same
    // sale writes `cfrags/<sale>.bin`, and neither overwrites what the other reported.
    let sale_label = SaleId::new(format!("{sale_id}.in-process"))?;
    let locator = twinshare_uploader::sharing::reencrypt_to_storage(
        op,
        &relayer.master,
        &asset,
        &sale_label,
        kfrags.as_slice(),
        &buyer,
    )
    .await?;
    let stored = twinshare_uploader::storage::read_optional(op, &locator)
        .await?
        .ok_or_else(|| {
            Error::Unexpected(format!("the cfrags just stored at {locator} are gone"))
        })?;
    let hash: [u8; 32] = Sha256::digest(&stored).into();
    let reencrypt_ms = started.elapsed().as_millis() as u64;
    let (_, tx) = relayer
        .execute(
            "report_delivery",
            &chain.network.contracts.escrow,
            &ExecuteMsg::ReportDelivery {
                sale_id,
                cfrag_locator: locator.clone(),
                cfrag_hash: HexBinary::from(hash.to_vec()),
            },
            vec![],
        )
        .await?;
    Ok(Relayed {
        sale_id,
        cfrag_locator: locator,
        cfrag_hash: hex::encode(hash),
        reencrypt_ms,
        tx,
    })
}
