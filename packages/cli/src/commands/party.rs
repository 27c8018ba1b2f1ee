//! `twinshare party`: register, show.

use cosmwasm_std::HexBinary;
use serde::Serialize;
use twinshare_crypto::Codec;
use twinshare_types::registry::{ExecuteMsg, Party};

use crate::chain::{Actor, Chain, TxInfo};
use crate::context::Context;
use crate::error::{Error, Result};
use crate::output::Outcome;

/// What `register_party` did.
#[derive(Debug, Serialize)]
pub struct PartyRegistration {
    pub address: String,
    pub name: String,
    pub pubkey: String,
    /// `None` when the chain already had this key and name.
    pub tx: Option<TxInfo>,
}

/// Registers the actor's Umbral verifying key (skipped when the chain already has it).
pub async fn register_party(chain: &Chain, actor: &Actor, name: &str) -> Result<PartyRegistration> {
    let pubkey = actor.master.verifying_public_key().encode();
    let existing = chain.party(actor.address()).await?;
    let up_to_date = existing
        .as_ref()
        .is_some_and(|p| p.pubkey.as_slice() == pubkey.as_slice() && p.name == name);
    let tx = if up_to_date {
        None
    } else {
        let (_, info) = actor
            .execute(
                "register_party",
                &chain.network.contracts.data_registry,
                &ExecuteMsg::RegisterParty {
                    pubkey: HexBinary::from(pubkey.clone()),
                    name: name.to_string(),
                },
                vec![],
            )
            .await?;
        Some(info)
    };
    Ok(PartyRegistration {
        address: actor.address().to_string(),
        name: name.to_string(),
        pubkey: hex::encode(&pubkey),
        tx,
    })
}

/// `party register`.
pub async fn register(ctx: &Context, name: Option<String>) -> Result<Outcome> {
    let chain = ctx.chain().await?;
    let actor = ctx.actor(&chain)?;
    let name = name.unwrap_or_else(|| actor.name.clone());
    let r = register_party(&chain, &actor, &name).await?;
    let text = match &r.tx {
        Some(tx) => format!(
            "party {} registered as {:?} with verifying key {}\n  {}",
            r.address,
            r.name,
            r.pubkey,
            tx.line()
        ),
        None => format!(
            "party {} already registered with this key and name",
            r.address
        ),
    };
    Outcome::new(&r, text)
}

/// `party show`.
pub async fn show(ctx: &Context, who: Option<String>) -> Result<Outcome> {
    let chain = ctx.chain().await?;
    let who = match who {
        Some(w) => w,
        None => ctx.key_name()?,
    };
    let address = ctx.resolve_address(&chain, &who)?;
    let party: Party = chain.party(&address).await?.ok_or_else(|| {
        Error::not_found(
            format!("party {address}"),
            "it never registered; its owner runs `twinshare party register`",
        )
    })?;
    let text = format!(
        "{} {:?}\n  verifying key {}\n  updated at {}",
        party.address,
        party.name,
        party.pubkey.to_hex(),
        party.updated_at
    );
    Outcome::new(&party, text)
}
