//! `twinshare provider`: register, show, list.

use std::str::FromStr;

use cosmwasm_std::{Decimal, HexBinary};
use serde::Serialize;
use twinshare_types::storage::{ExecuteMsg, Provider, ProvidersResponse, QueryMsg};
use twinshare_types::Denom;

use crate::chain::{Actor, Chain, TxInfo};
use crate::context::Context;
use crate::error::{Error, Result};
use crate::output::Outcome;

/// `cw20` (the payment token), `cw20:<address>`, `native:<denom>` or a bare native denom.
pub fn parse_denom(chain: &Chain, text: &str) -> Result<Denom> {
    let t = text.trim();
    Ok(if t == "cw20" || t == "twin" || t == "TWIN" {
        Denom::Cw20(chain.network.contracts.payment_token.clone())
    } else if let Some(a) = t.strip_prefix("cw20:") {
        Denom::Cw20(a.to_string())
    } else if let Some(d) = t.strip_prefix("native:") {
        Denom::Native(d.to_string())
    } else if !t.is_empty()
        && t.chars()
            .all(|c| c.is_ascii_alphanumeric() || "/:._-".contains(c))
    {
        Denom::Native(t.to_string())
    } else {
        return Err(Error::Usage(format!(
            "{text:?} is not a denom: use cw20 (the payment token), cw20:<address> or native:<denom>"
        )));
    })
}

/// The listing a provider wants.
#[derive(Clone, Debug)]
pub struct Listing {
    pub price_per_byte_second: Decimal,
    pub denom: Denom,
    pub relayer: String,
    pub relayer_pubkey: HexBinary,
    pub endpoint: String,
}

/// What `ensure_provider` did.
#[derive(Debug, Serialize)]
pub struct ProviderSetup {
    pub provider: String,
    /// `registered`, `updated` or `unchanged`.
    pub result: &'static str,
    pub tx: Option<TxInfo>,
}

fn same_denom(a: &twinshare_types::CheckedDenom, b: &Denom) -> bool {
    use twinshare_types::CheckedDenom as C;
    match (a, b) {
        (C::Native(x), Denom::Native(y)) => x == y,
        (C::Cw20(x), Denom::Cw20(y)) => x.as_str() == y,
        _ => false,
    }
}

/// Registers the actor as a provider with `listing`, or updates the fields that differ.
pub async fn ensure_provider(
    chain: &Chain,
    actor: &Actor,
    listing: &Listing,
) -> Result<ProviderSetup> {
    let contract = &chain.network.contracts.storage_payment;
    let existing = chain.provider(actor.address()).await?;
    let (result, msg) = match existing {
        None => (
            "registered",
            Some(ExecuteMsg::RegisterProvider {
                price_per_byte_second: listing.price_per_byte_second,
                denom: listing.denom.clone(),
                relayer: Some(listing.relayer.clone()),
                relayer_pubkey: listing.relayer_pubkey.clone(),
                endpoint: listing.endpoint.clone(),
            }),
        ),
        Some(p) => {
            let price = (p.price_per_byte_second != listing.price_per_byte_second)
                .then_some(listing.price_per_byte_second);
            let denom = (!same_denom(&p.denom, &listing.denom)).then(|| listing.denom.clone());
            let relayer = (p.relayer.as_str() != listing.relayer).then(|| listing.relayer.clone());
            let relayer_pubkey = (p.relayer_pubkey != listing.relayer_pubkey)
                .then(|| listing.relayer_pubkey.clone());
            let endpoint = (p.endpoint != listing.endpoint).then(|| listing.endpoint.clone());
            if price.is_none()
                && denom.is_none()
                && relayer.is_none()
                && relayer_pubkey.is_none()
                && endpoint.is_none()
            {
                ("unchanged", None)
            } else {
                (
                    "updated",
                    Some(ExecuteMsg::UpdateProvider {
                        price_per_byte_second: price,
                        denom,
                        relayer,
                        relayer_pubkey,
                        endpoint,
                    }),
                )
            }
        }
    };
    let mut tx = None;
    if let Some(msg) = msg {
        let step = if result == "registered" {
            "register_provider"
        } else {
            "update_provider"
        };
        tx = Some(actor.execute(step, contract, &msg, vec![]).await?.1);
    }
    // A deactivated listing accepts no leases: switch it back on.
    if let Some(p) = chain.provider(actor.address()).await? {
        if !p.active {
            tx = Some(
                actor
                    .execute(
                        "activate_provider",
                        contract,
                        &ExecuteMsg::ActivateProvider {},
                        vec![],
                    )
                    .await?
                    .1,
            );
        }
    }
    Ok(ProviderSetup {
        provider: actor.address().to_string(),
        result,
        tx,
    })
}

/// `provider register`.
pub async fn register(
    ctx: &Context,
    price: &str,
    denom: &str,
    relayer: Option<String>,
    relayer_pubkey: Option<String>,
    endpoint: Option<String>,
) -> Result<Outcome> {
    let chain = ctx.chain().await?;
    let actor = ctx.actor(&chain)?;
    let price = Decimal::from_str(price).map_err(|e| {
        Error::Usage(format!(
            "--price {price:?}: {e} (a decimal such as 0.0000003)"
        ))
    })?;
    let relayer_name = relayer.clone().unwrap_or_else(|| actor.name.clone());
    let relayer_address = match &relayer {
        Some(r) => ctx.resolve_address(&chain, r)?,
        None => actor.address().to_string(),
    };
    let relayer_pubkey = match relayer_pubkey {
        Some(hex_key) => HexBinary::from_hex(hex_key.trim())
            .map_err(|e| Error::Usage(format!("--relayer-pubkey: {e}")))?,
        None => {
            let file = ctx.keystore.load(&relayer_name).map_err(|_| {
                Error::Usage(format!(
                    "the relayer's Umbral key is needed: import the relayer's key as {relayer_name:?} \
                     or pass --relayer-pubkey HEX (its `keys show` relayer key)"
                ))
            })?;
            HexBinary::from_hex(&file.public_keys.relayer)
                .map_err(|e| Error::Usage(format!("relayer key of {relayer_name}: {e}")))?
        }
    };
    let endpoint = endpoint.unwrap_or_else(|| {
        ctx.storage_config()
            .map(|c| c.describe())
            .unwrap_or_else(|_| "local".to_string())
    });
    let listing = Listing {
        price_per_byte_second: price,
        denom: parse_denom(&chain, denom)?,
        relayer: relayer_address,
        relayer_pubkey,
        endpoint,
    };
    let setup = ensure_provider(&chain, &actor, &listing).await?;
    let text = format!(
        "provider {}: {}{}",
        setup.provider,
        setup.result,
        setup
            .tx
            .as_ref()
            .map(|t| format!("\n  {}", t.line()))
            .unwrap_or_default()
    );
    Outcome::new(&setup, text)
}

fn provider_line(p: &Provider) -> String {
    format!(
        "{}  {} per byte-second in {}, relayer {}{}\n  endpoint {}",
        p.address,
        p.price_per_byte_second,
        p.denom,
        p.relayer,
        if p.active { "" } else { " (INACTIVE)" },
        p.endpoint
    )
}

/// `provider show`.
pub async fn show(ctx: &Context, who: Option<String>) -> Result<Outcome> {
    let chain = ctx.chain().await?;
    let address = ctx.provider(&chain, who.as_deref())?;
    let p = chain.provider(&address).await?.ok_or_else(|| {
        Error::not_found(
            format!("provider {address}"),
            "it is not registered; `twinshare provider list` lists providers",
        )
    })?;
    let text = provider_line(&p);
    Outcome::new(&p, text)
}

/// `provider list`.
pub async fn list(ctx: &Context) -> Result<Outcome> {
    let chain = ctx.chain().await?;
    let r: ProvidersResponse = chain
        .storage(&QueryMsg::Providers {
            start_after: None,
            limit: Some(twinshare_types::pagination::MAX_LIMIT),
        })
        .await?;
    let text = if r.providers.is_empty() {
        "no providers yet: a provider runs `twinshare provider register`".to_string()
    } else {
        r.providers
            .iter()
            .map(provider_line)
            .collect::<Vec<_>>()
            .join("\n")
    };
    Outcome::new(&r.providers, text)
}
