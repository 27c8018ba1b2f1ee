//! `twinshare channel`: create, add, remove, show.

use serde::Serialize;
use twinshare_types::registry::{Channel, ExecuteMsg, MembersResponse, QueryMsg};

use crate::chain::{Chain, TxInfo};
use crate::context::Context;
use crate::error::{Error, Result};
use crate::output::Outcome;

fn resolve_all(ctx: &Context, chain: &Chain, names: &[String]) -> Result<Vec<String>> {
    names
        .iter()
        .map(|m| ctx.resolve_address(chain, m))
        .collect()
}

/// A channel, or `None`.
pub async fn channel(chain: &Chain, id: &str) -> Result<Option<Channel>> {
    chain
        .optional(chain.registry(&QueryMsg::Channel { id: id.to_string() }))
        .await
}

/// Every member of a channel.
pub async fn members(chain: &Chain, id: &str) -> Result<Vec<String>> {
    let mut out = Vec::new();
    let mut start_after = None;
    loop {
        let page: MembersResponse = chain
            .registry(&QueryMsg::Members {
                channel: id.to_string(),
                start_after: start_after.clone(),
                limit: Some(twinshare_types::pagination::MAX_LIMIT),
            })
            .await?;
        let done = page.members.len() < twinshare_types::pagination::MAX_LIMIT as usize;
        start_after = page.members.last().map(|a| a.to_string());
        out.extend(page.members.into_iter().map(|a| a.to_string()));
        if done || start_after.is_none() {
            return Ok(out);
        }
    }
}

#[derive(Debug, Serialize)]
struct Changed {
    channel: String,
    members: Vec<String>,
    tx: TxInfo,
}

async fn change(ctx: &Context, id: &str, members: &[String], kind: &str) -> Result<Outcome> {
    let chain = ctx.chain().await?;
    let actor = ctx.actor(&chain)?;
    let addresses = resolve_all(ctx, &chain, members)?;
    let msg = match kind {
        "create" => ExecuteMsg::CreateChannel {
            id: id.to_string(),
            members: addresses.clone(),
        },
        "add" => ExecuteMsg::AddMembers {
            channel: id.to_string(),
            members: addresses.clone(),
        },
        _ => ExecuteMsg::RemoveMembers {
            channel: id.to_string(),
            members: addresses.clone(),
        },
    };
    let step = format!("channel_{kind}");
    let (_, tx) = actor
        .execute(&step, &chain.network.contracts.data_registry, &msg, vec![])
        .await?;
    let text = format!(
        "channel {id}: {kind} {}\n  {}",
        if addresses.is_empty() {
            "(you only)".to_string()
        } else {
            addresses.join(", ")
        },
        tx.line()
    );
    Outcome::new(
        &Changed {
            channel: id.to_string(),
            members: addresses,
            tx,
        },
        text,
    )
}

/// `channel create`.
pub async fn create(ctx: &Context, id: &str, members: &[String]) -> Result<Outcome> {
    change(ctx, id, members, "create").await
}

/// `channel add`.
pub async fn add(ctx: &Context, id: &str, members: &[String]) -> Result<Outcome> {
    change(ctx, id, members, "add").await
}

/// `channel remove`.
pub async fn remove(ctx: &Context, id: &str, members: &[String]) -> Result<Outcome> {
    change(ctx, id, members, "remove").await
}

/// `channel show`.
pub async fn show(ctx: &Context, id: &str) -> Result<Outcome> {
    let chain = ctx.chain().await?;
    let c = channel(&chain, id).await?.ok_or_else(|| {
        Error::not_found(
            format!("channel {id:?}"),
            "create it with `twinshare channel create ID MEMBER...`",
        )
    })?;
    let members = members(&chain, id).await?;
    #[derive(Serialize)]
    struct Shown {
        channel: Channel,
        members: Vec<String>,
    }
    let text = format!(
        "channel {} (admin {}, created {}): {} members\n  {}",
        c.id,
        c.admin,
        c.created_at,
        c.member_count,
        members.join("\n  ")
    );
    Outcome::new(
        &Shown {
            channel: c,
            members,
        },
        text,
    )
}
