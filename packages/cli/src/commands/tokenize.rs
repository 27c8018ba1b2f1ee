//! `twinshare tokenize`: list a record as an asset (data-token `Tokenize`).

use cosmwasm_std::Uint128;
use serde::Serialize;
use twinshare_types::token::{AssetMetadata, ExecuteMsg, Openness, TimeRange};
use twinshare_types::Price;

use crate::chain::{event_u64, Actor, Chain, TxInfo};
use crate::cli::{ListingTerms, OpennessArg, TokenizeArgs};
use crate::commands::provider::parse_denom;
use crate::context::Context;
use crate::error::Result;
use crate::output::Outcome;

/// A listed asset.
#[derive(Debug, Clone, Serialize)]
pub struct Tokenized {
    pub asset_id: u64,
    pub record_id: u64,
    pub price: String,
    pub tx: TxInfo,
}

/// Tokenizes `record_id`.
pub async fn tokenize_record(
    chain: &Chain,
    actor: &Actor,
    record_id: u64,
    price: Price,
    openness: Openness,
    metadata: AssetMetadata,
) -> Result<Tokenized> {
    let contract = &chain.network.contracts.data_token;
    let shown = match &price.denom {
        twinshare_types::Denom::Cw20(token) => format!("{} cw20:{token}", price.amount),
        twinshare_types::Denom::Native(denom) => format!("{}{denom}", price.amount),
    };
    let (tx, info) = actor
        .execute(
            "tokenize",
            contract,
            &ExecuteMsg::Tokenize {
                record_id,
                price,
                openness,
                metadata,
            },
            vec![],
        )
        .await?;
    Ok(Tokenized {
        asset_id: event_u64(&tx, contract, "asset_id")?,
        record_id,
        price: shown,
        tx: info,
    })
}

/// A listing's price and openness from its terms (`allow` resolved to addresses: names of
/// keys or accounts allowed).
pub fn listing_terms(
    ctx: &Context,
    chain: &Chain,
    terms: &ListingTerms,
) -> Result<(Price, Openness)> {
    let openness = match terms.openness {
        OpennessArg::Public => Openness::Public,
        OpennessArg::Private => Openness::Private,
        OpennessArg::Partial => Openness::Partial {
            allowlist: terms
                .allow
                .iter()
                .map(|a| ctx.resolve_address(chain, a))
                .collect::<Result<_>>()?,
        },
    };
    let price = Price {
        amount: Uint128::new(terms.price),
        denom: parse_denom(chain, &terms.denom)?,
    };
    Ok((price, openness))
}

/// `tokenize`.
pub async fn tokenize(ctx: &Context, args: &TokenizeArgs) -> Result<Outcome> {
    let chain = ctx.chain().await?;
    let actor = ctx.actor(&chain)?;
    let (price, openness) = listing_terms(ctx, &chain, &args.terms)?;
    let metadata = AssetMetadata {
        data_kind: args.kind.clone(),
        equipment: args.equipment.clone(),
        sampling_rate_hz: args.rate,
        time_range: None::<TimeRange>,
        schema: args.schema.clone(),
        description: args.description.clone(),
    };
    let t = tokenize_record(&chain, &actor, args.record_id, price, openness, metadata).await?;
    let text = format!(
        "record {} listed as asset {} for {}\n  {}\nnext: a buyer runs `twinshare buy {}`",
        t.record_id,
        t.asset_id,
        t.price,
        t.tx.line(),
        t.asset_id
    );
    Outcome::new(&t, text)
}
