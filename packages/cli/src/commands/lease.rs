//! `twinshare lease`: quote, buy, list, cancel.

use serde::Serialize;
use twinshare_client::Coin;
use twinshare_types::storage::{
    CapacityResponse, ExecuteMsg, LeasesResponse, QueryMsg, QuoteResponse, ReceiveMsg,
};
use twinshare_types::CheckedDenom;

use crate::chain::{event_u64, Actor, Chain, TxInfo};
use crate::cli::LeaseSpec;
use crate::context::Context;
use crate::error::Result;
use crate::output::Outcome;
use crate::units::human_bytes;

/// A bought lease.
#[derive(Debug, Clone, Serialize)]
pub struct LeaseBought {
    pub lease_id: u64,
    pub provider: String,
    pub bytes: u64,
    pub duration_secs: u64,
    pub paid: u128,
    pub denom: String,
    pub tx: TxInfo,
}

pub async fn quote(chain: &Chain, provider: &str, bytes: u64, secs: u64) -> Result<QuoteResponse> {
    chain
        .storage(&QueryMsg::Quote {
            provider: provider.to_string(),
            bytes,
            duration_secs: secs,
        })
        .await
}

/// Buys a lease at the provider's current price, paying in its denom.
pub async fn buy_lease(
    chain: &Chain,
    actor: &Actor,
    provider: &str,
    bytes: u64,
    secs: u64,
) -> Result<LeaseBought> {
    let q = quote(chain, provider, bytes, secs).await?;
    chain
        .require_funds(
            actor,
            q.amount.u128(),
            &q.denom,
            &format!("a lease of {} for {secs} s", human_bytes(bytes)),
        )
        .await?;
    let contract = &chain.network.contracts.storage_payment;
    let (tx, info) = match &q.denom {
        CheckedDenom::Cw20(token) => {
            actor
                .cw20_send(
                    "buy_lease",
                    token.as_str(),
                    contract,
                    q.amount.u128(),
                    &ReceiveMsg::BuyLease {
                        provider: provider.to_string(),
                        bytes,
                        duration_secs: secs,
                    },
                )
                .await?
        }
        CheckedDenom::Native(denom) => {
            actor
                .execute(
                    "buy_lease",
                    contract,
                    &ExecuteMsg::BuyLease {
                        provider: provider.to_string(),
                        bytes,
                        duration_secs: secs,
                    },
                    vec![Coin::new(q.amount.u128(), denom.clone())],
                )
                .await?
        }
    };
    Ok(LeaseBought {
        lease_id: event_u64(&tx, contract, "lease_id")?,
        provider: provider.to_string(),
        bytes,
        duration_secs: secs,
        paid: q.amount.u128(),
        denom: q.denom.to_string(),
        tx: info,
    })
}

pub async fn capacity(chain: &Chain, owner: &str, provider: &str) -> Result<CapacityResponse> {
    chain
        .storage(&QueryMsg::Capacity {
            owner: owner.to_string(),
            provider: provider.to_string(),
        })
        .await
}

pub async fn used_bytes(chain: &Chain, owner: &str, provider: &str) -> Result<u64> {
    let r: twinshare_types::registry::UsedBytesResponse = chain
        .registry(&twinshare_types::registry::QueryMsg::UsedBytes {
            owner: owner.to_string(),
            provider: provider.to_string(),
        })
        .await?;
    Ok(r.used)
}

/// `lease quote`.
pub async fn quote_cmd(ctx: &Context, spec: &LeaseSpec) -> Result<Outcome> {
    let chain = ctx.chain().await?;
    let provider = ctx.provider(&chain, spec.provider.as_deref())?;
    let q = quote(&chain, &provider, spec.bytes, spec.duration).await?;
    let text = format!(
        "{} for {} s with {provider}: {} {}",
        human_bytes(spec.bytes),
        spec.duration,
        q.amount,
        q.denom
    );
    Outcome::new(&q, text)
}

/// `lease buy`.
pub async fn buy(ctx: &Context, spec: &LeaseSpec) -> Result<Outcome> {
    let chain = ctx.chain().await?;
    let actor = ctx.actor(&chain)?;
    let provider = ctx.provider(&chain, spec.provider.as_deref())?;
    let b = buy_lease(&chain, &actor, &provider, spec.bytes, spec.duration).await?;
    let text = format!(
        "lease {} bought: {} for {} s with {}, paid {} {}\n  {}",
        b.lease_id,
        human_bytes(b.bytes),
        b.duration_secs,
        b.provider,
        b.paid,
        b.denom,
        b.tx.line()
    );
    Outcome::new(&b, text)
}

/// `lease list`.
pub async fn list(ctx: &Context, owner: Option<String>) -> Result<Outcome> {
    let chain = ctx.chain().await?;
    let owner = match owner {
        Some(o) => ctx.resolve_address(&chain, &o)?,
        None => ctx.resolve_address(&chain, &ctx.key_name()?)?,
    };
    let r: LeasesResponse = chain
        .storage(&QueryMsg::LeasesByOwner {
            owner: owner.clone(),
            start_after: None,
            limit: Some(twinshare_types::pagination::MAX_LIMIT),
        })
        .await?;
    let provider = ctx.provider(&chain, None).ok();
    let cap = match &provider {
        Some(p) => Some(capacity(&chain, &owner, p).await?),
        None => None,
    };
    let used = match &provider {
        Some(p) => Some(used_bytes(&chain, &owner, p).await?),
        None => None,
    };
    let mut text = String::new();
    for l in &r.leases {
        text.push_str(&format!(
            "lease {}: {} with {} until {}{}, paid {} {}\n",
            l.id,
            human_bytes(l.bytes),
            l.provider,
            l.end,
            if l.cancelled { " (cancelled)" } else { "" },
            l.paid,
            l.denom
        ));
    }
    if r.leases.is_empty() {
        text.push_str("no leases: `twinshare lease buy --bytes 64MiB --duration 30d`\n");
    }
    if let (Some(c), Some(u)) = (&cap, used) {
        text.push_str(&format!(
            "capacity with the provider now: {} in {} open lease(s), {} registered\n",
            human_bytes(c.bytes),
            c.leases,
            human_bytes(u)
        ));
    }
    #[derive(Serialize)]
    struct Listed {
        owner: String,
        leases: Vec<twinshare_types::storage::Lease>,
        capacity: Option<CapacityResponse>,
        used_bytes: Option<u64>,
    }
    Outcome::new(
        &Listed {
            owner,
            leases: r.leases,
            capacity: cap,
            used_bytes: used,
        },
        text,
    )
}

/// `lease cancel`.
pub async fn cancel(ctx: &Context, lease_id: u64) -> Result<Outcome> {
    let chain = ctx.chain().await?;
    let actor = ctx.actor(&chain)?;
    let (_, tx) = actor
        .execute(
            "cancel_lease",
            &chain.network.contracts.storage_payment,
            &ExecuteMsg::CancelLease { lease_id },
            vec![],
        )
        .await?;
    let text = format!(
        "lease {lease_id} cancelled; the unused part is refunded\n  {}",
        tx.line()
    );
    Outcome::new(&tx, text)
}

/// A lease cancelled to stay under the open-lease bound.
#[derive(Debug, Clone, Serialize)]
pub struct LeaseCancelled {
    pub lease_id: u64,
    pub bytes: u64,
    /// What came back to the owner.
    pub refund: u128,
    pub tx: TxInfo,
}

/// The owner's open leases with `provider` (not cancelled, not ended), soonest end first.
pub async fn open_leases(
    chain: &Chain,
    owner: &str,
    provider: &str,
) -> Result<Vec<twinshare_types::storage::Lease>> {
    let mut all = Vec::new();
    let mut start_after = None;
    loop {
        let page: LeasesResponse = chain
            .storage(&QueryMsg::LeasesByOwner {
                owner: owner.to_string(),
                start_after,
                limit: Some(twinshare_types::pagination::MAX_LIMIT),
            })
            .await?;
        let done = page.leases.len() < twinshare_types::pagination::MAX_LIMIT as usize;
        start_after = page.leases.last().map(|l| l.id);
        all.extend(page.leases);
        if done || start_after.is_none() {
            break;
        }
    }
    let mut open = Vec::new();
    for l in all
        .into_iter()
        .filter(|l| l.provider.as_str() == provider && !l.cancelled)
    {
        let r: twinshare_types::storage::LeaseResponse =
            chain.storage(&QueryMsg::Lease { id: l.id }).await?;
        if r.active {
            open.push(r.lease);
        }
    }
    open.sort_by_key(|l| l.end);
    Ok(open)
}

/// Cancels the owner's open lease with `provider` that ends first (its unused part is refunded).
pub async fn cancel_soonest(
    chain: &Chain,
    actor: &Actor,
    provider: &str,
) -> Result<Option<LeaseCancelled>> {
    let Some(lease) = open_leases(chain, actor.address(), provider)
        .await?
        .into_iter()
        .next()
    else {
        return Ok(None);
    };
    let contract = &chain.network.contracts.storage_payment;
    let (tx, info) = actor
        .execute(
            "cancel_lease",
            contract,
            &ExecuteMsg::CancelLease { lease_id: lease.id },
            vec![],
        )
        .await?;
    let refund = tx
        .wasm_attribute(contract, "refund")
        .and_then(|v| v.parse().ok())
        .unwrap_or_default();
    Ok(Some(LeaseCancelled {
        lease_id: lease.id,
        bytes: lease.bytes,
        refund,
        tx: info,
    }))
}
