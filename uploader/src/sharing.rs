//! The two sides of a sale around storage: the owner's grant (kfrags for a buyer, sealed to a
//! relayer) and the relayer's re-encryption, which stores the cfrags next to the asset
//! (`assets/<asset-id>/cfrags/<sale-id>.bin`, see [`crate::layout`]) for the buyer to fetch.
//! Thin wrappers over `twinshare_crypto::sharing`; the relayer daemon calls
//! [`reencrypt_to_storage`] for each sale.

use opendal::Operator;
use twinshare_crypto::sharing::encode_cfrags;
use twinshare_crypto::{relay, MasterKey, PublicKey, Threshold};

use crate::error::Result;
use crate::layout::{AssetId, SaleId};
use crate::storage;

/// The owner's re-key of one asset for one buyer, sealed to the relayer's public key: the
/// opaque bytes that go on chain (escrow `SubmitReKey`).
pub fn grant(
    owner: &MasterKey,
    asset: &AssetId,
    buyer: &PublicKey,
    relayer: &PublicKey,
    threshold: Threshold,
) -> Result<Vec<u8>> {
    Ok(twinshare_crypto::sharing::grant(
        owner,
        asset.as_bytes(),
        buyer,
        relayer,
        threshold,
    )?)
}

/// The relayer's step for one sale: read the asset's manifest, open and verify the sealed
/// kfrags against the manifest's keys and the buyer's key, re-encrypt the capsule, store the
/// cfrags. Returns the cfrags' locator.
pub async fn reencrypt_to_storage(
    op: &Operator,
    relayer: &MasterKey,
    asset: &AssetId,
    sale: &SaleId,
    sealed_kfrags: &[u8],
    buyer: &PublicKey,
) -> Result<String> {
    let manifest = storage::read_manifest(op, asset).await?;
    let cfrags = relay(
        &relayer.relayer_key(),
        sealed_kfrags,
        &manifest.capsule,
        &manifest.verifying_public_key,
        &manifest.delegating_public_key,
        buyer,
    )?;
    storage::put_cfrags(op, asset, sale, encode_cfrags(&cfrags)?).await
}
