//! Sales (paper 4.5-4.6, escrow): `buy`, `grant`, `confirm`, `refund`, `dispute`, `sales`.

use cosmwasm_std::{Binary, HexBinary};
use serde::Serialize;
use twinshare_client::Coin;
use twinshare_crypto::{Codec, PublicKey, Threshold};
use twinshare_types::escrow::{ExecuteMsg, ReceiveMsg, Sale, SaleStatus};
use twinshare_types::token::{CanBuyResponse, QueryMsg as TokenQuery};
use twinshare_types::CheckedDenom;
use twinshare_uploader::AssetId;

use crate::chain::{event_u64, Actor, Chain, TxInfo};
use crate::cli::SideArg;
use crate::context::Context;
use crate::error::{Error, Result};
use crate::output::Outcome;

/// A purchase.
#[derive(Debug, Clone, Serialize)]
pub struct Bought {
    pub sale_id: u64,
    pub asset_id: u64,
    pub price: String,
    /// The receiving key named in the purchase.
    pub buyer_pubkey: String,
    pub tx: TxInfo,
}

/// Buys `asset_id` at its price, naming the actor's Umbral receiving key.
pub async fn buy_asset(chain: &Chain, actor: &Actor, asset_id: u64) -> Result<Bought> {
    let asset = chain.asset(asset_id).await?;
    let can: CanBuyResponse = chain
        .token(&TokenQuery::CanBuy {
            asset_id,
            buyer: actor.address().to_string(),
        })
        .await?;
    if !can.can_buy {
        return Err(Error::State(format!(
            "you cannot buy asset {asset_id}: {}",
            can.reason
                .unwrap_or_else(|| "the data-token contract refuses".into())
        )));
    }
    chain
        .require_funds(
            actor,
            asset.price.amount.u128(),
            &asset.price.denom,
            &format!("asset {asset_id}"),
        )
        .await?;
    let pubkey = actor.master.receiving_key().public_key().encode();
    let buyer_pubkey = HexBinary::from(pubkey);
    let escrow = &chain.network.contracts.escrow;
    let amount = asset.price.amount.u128();
    let (tx, info) = match &asset.price.denom {
        CheckedDenom::Cw20(token) => {
            actor
                .cw20_send(
                    "buy",
                    token.as_str(),
                    escrow,
                    amount,
                    &ReceiveMsg::Buy {
                        asset_id,
                        buyer_pubkey: buyer_pubkey.clone(),
                    },
                )
                .await?
        }
        CheckedDenom::Native(denom) => {
            actor
                .execute(
                    "buy",
                    escrow,
                    &ExecuteMsg::Buy {
                        asset_id,
                        buyer_pubkey: buyer_pubkey.clone(),
                    },
                    vec![Coin::new(amount, denom.clone())],
                )
                .await?
        }
    };
    Ok(Bought {
        sale_id: event_u64(&tx, escrow, "sale_id")?,
        asset_id,
        price: asset.price.to_string(),
        buyer_pubkey: buyer_pubkey.to_hex(),
        tx: info,
    })
}

/// The storage asset id of an on-chain asset (from its record's manifest locator).
pub async fn storage_asset_of(
    chain: &Chain,
    asset_id: u64,
) -> Result<(AssetId, twinshare_types::registry::Record)> {
    let asset = chain.asset(asset_id).await?;
    let record = chain.record(asset.record_id).await?;
    let storage = AssetId::from_locator(&record.locator)?;
    Ok((storage, record))
}

/// A submitted re-key.
#[derive(Debug, Clone, Serialize)]
pub struct Granted {
    pub sale_id: u64,
    pub asset_id: u64,
    pub buyer: String,
    /// Bytes of the sealed kfrags put on chain.
    pub kfrags_bytes: usize,
    pub tx: TxInfo,
}

/// The seller's grant for one paid sale: kfrags from the per-asset delegating key to the
/// buyer's receiving key, sealed to the relayer key named in the sale, sent with `SubmitReKey`.
pub async fn grant_sale(chain: &Chain, actor: &Actor, sale: &Sale) -> Result<Granted> {
    if sale.seller.as_str() != actor.address() {
        return Err(Error::State(format!(
            "sale {} is a sale of {}, not of {} ({}): grant as the seller",
            sale.id,
            sale.seller,
            actor.name,
            actor.address()
        )));
    }
    if sale.status != SaleStatus::Paid {
        return Err(Error::State(format!(
            "sale {} is {:?}; only a Paid sale waits for the re-key",
            sale.id, sale.status
        )));
    }
    let (asset, _) = storage_asset_of(chain, sale.asset_id).await?;
    let buyer = PublicKey::decode(sale.buyer_pubkey.as_slice())?;
    let relayer = PublicKey::decode(sale.relayer_pubkey.as_slice())?;
    let sealed = twinshare_uploader::sharing::grant(
        &actor.master,
        &asset,
        &buyer,
        &relayer,
        Threshold::default(),
    )?;
    let (_, tx) = actor
        .execute(
            "submit_rekey",
            &chain.network.contracts.escrow,
            &ExecuteMsg::SubmitReKey {
                sale_id: sale.id,
                kfrags: Binary::from(sealed.clone()),
            },
            vec![],
        )
        .await?;
    Ok(Granted {
        sale_id: sale.id,
        asset_id: sale.asset_id,
        buyer: sale.buyer.to_string(),
        kfrags_bytes: sealed.len(),
        tx,
    })
}

/// `buy`.
pub async fn buy(ctx: &Context, asset_id: u64) -> Result<Outcome> {
    let chain = ctx.chain().await?;
    let actor = ctx.actor(&chain)?;
    let b = buy_asset(&chain, &actor, asset_id).await?;
    let text = format!(
        "sale {}: paid {} into escrow for asset {}\n  {}\nnext: the seller grants (`twinshare grant {}` or its seller-agent), the relayer delivers, then `twinshare download --sale {} -o FILE` and `twinshare confirm {}`",
        b.sale_id, b.price, b.asset_id, b.tx.line(), b.sale_id, b.sale_id, b.sale_id
    );
    Outcome::new(&b, text)
}

/// `grant`.
pub async fn grant(ctx: &Context, sale_id: u64) -> Result<Outcome> {
    let chain = ctx.chain().await?;
    let actor = ctx.actor(&chain)?;
    let sale = chain.sale(sale_id).await?;
    let g = grant_sale(&chain, &actor, &sale).await?;
    let text = format!(
        "sale {}: re-key submitted for {} ({} bytes sealed to the relayer)\n  {}",
        g.sale_id,
        g.buyer,
        g.kfrags_bytes,
        g.tx.line()
    );
    Outcome::new(&g, text)
}

/// Confirm, refund or dispute.
pub async fn settle(chain: &Chain, actor: &Actor, msg: &ExecuteMsg, step: &str) -> Result<TxInfo> {
    Ok(actor
        .execute(step, &chain.network.contracts.escrow, msg, vec![])
        .await?
        .1)
}

async fn settle_cmd(
    ctx: &Context,
    sale_id: u64,
    msg: ExecuteMsg,
    step: &str,
    done: &str,
) -> Result<Outcome> {
    let chain = ctx.chain().await?;
    let actor = ctx.actor(&chain)?;
    let sale = chain.sale(sale_id).await?;
    if sale.buyer.as_str() != actor.address() {
        return Err(Error::State(format!(
            "sale {sale_id} was bought by {}, not by {} ({}): only the buyer may {step}",
            sale.buyer,
            actor.name,
            actor.address()
        )));
    }
    let tx = settle(&chain, &actor, &msg, step).await?;
    let text = format!("sale {sale_id}: {done}\n  {}", tx.line());
    Outcome::new(&tx, text)
}

/// `confirm`.
pub async fn confirm(ctx: &Context, sale_id: u64) -> Result<Outcome> {
    settle_cmd(
        ctx,
        sale_id,
        ExecuteMsg::Confirm { sale_id },
        "confirm",
        "confirmed; the seller is paid, less the relayer's fee",
    )
    .await
}

/// `refund`.
pub async fn refund(ctx: &Context, sale_id: u64) -> Result<Outcome> {
    settle_cmd(
        ctx,
        sale_id,
        ExecuteMsg::Refund { sale_id },
        "refund",
        "refunded to you",
    )
    .await
}

/// `dispute`.
pub async fn dispute(ctx: &Context, sale_id: u64, reason: &str) -> Result<Outcome> {
    settle_cmd(
        ctx,
        sale_id,
        ExecuteMsg::Dispute {
            sale_id,
            reason: reason.to_string(),
        },
        "dispute",
        "disputed; the arbiter will settle it",
    )
    .await
}

/// `sales`.
pub async fn list(ctx: &Context, side: SideArg) -> Result<Outcome> {
    let chain = ctx.chain().await?;
    let me = ctx.resolve_address(&chain, &ctx.key_name()?)?;
    let sales = match side {
        SideArg::Buyer => chain.sales_by_buyer(&me).await?,
        SideArg::Seller => chain.sales_by_seller(&me).await?,
    };
    let text = if sales.is_empty() {
        format!("no sales as {side:?} for {me}").to_lowercase()
    } else {
        sales
            .iter()
            .map(|s| {
                format!(
                    "sale {}: asset {} {} -> {}, {}, {}",
                    s.id,
                    s.asset_id,
                    s.seller,
                    s.buyer,
                    s.price,
                    s.status.as_str()
                )
            })
            .collect::<Vec<_>>()
            .join("\n")
    };
    Outcome::new(&sales, text)
}
