//! `twinshare assets`.

use twinshare_types::token::{Asset, AssetsResponse, CheckedOpenness, QueryMsg};

use crate::cli::AssetsArgs;
use crate::context::Context;
use crate::error::Result;
use crate::output::Outcome;
use crate::units::human_bytes;

fn line(a: &Asset) -> String {
    let openness = match &a.openness {
        CheckedOpenness::Public => "public".to_string(),
        CheckedOpenness::Private => "private".to_string(),
        CheckedOpenness::Partial { allowlist } => format!("partial ({} allowed)", allowlist.len()),
    };
    format!(
        "asset {} (record {}): {} {}, {}, {}, channel {}, owner {}{}\n  {} | {}",
        a.id,
        a.record_id,
        a.metadata.data_kind,
        human_bytes(a.size),
        a.price,
        openness,
        a.channel,
        a.owner,
        if a.listed { "" } else { " (delisted)" },
        a.metadata.equipment.as_deref().unwrap_or("-"),
        a.metadata.description
    )
}

/// `assets`.
pub async fn assets(ctx: &Context, args: &AssetsArgs) -> Result<Outcome> {
    let chain = ctx.chain().await?;
    if let Some(id) = args.id {
        let a = chain.asset(id).await?;
        let text = line(&a);
        return Outcome::new(&a, text);
    }
    let limit = Some(args.limit.min(twinshare_types::pagination::MAX_LIMIT));
    let msg = match (&args.owner, args.public) {
        (Some(owner), _) => QueryMsg::AssetsByOwner {
            owner: ctx.resolve_address(&chain, owner)?,
            start_after: None,
            limit,
        },
        (None, true) => QueryMsg::PublicAssets {
            start_after: None,
            limit,
        },
        (None, false) => QueryMsg::ListedAssets {
            start_after: None,
            limit,
        },
    };
    let r: AssetsResponse = chain.token(&msg).await?;
    let text = if r.assets.is_empty() {
        "no assets: an owner lists one with `twinshare tokenize RECORD --price AMOUNT`".to_string()
    } else {
        r.assets.iter().map(line).collect::<Vec<_>>().join("\n")
    };
    Outcome::new(&r.assets, text)
}
