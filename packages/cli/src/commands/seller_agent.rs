//! `twinshare seller-agent`: grants every purchase of the seller's assets.
//!
//! Subscribes to the escrow's txs first, then catches up on every `Paid` sale of the seller
//! (`SalesBySeller`), then grants each new `buy` event naming the seller. A gap the subscription
//! could not fill (`Gap { complete: false }`) triggers a full re-scan. Each sale is granted at
//! most once per run, and only while the chain says it is `Paid`.

use std::collections::BTreeSet;

use serde::Serialize;
use twinshare_client::{Subscription, SubscriptionConfig, SubscriptionItem};
use twinshare_types::escrow::{events, SaleStatus};

use crate::chain::{Actor, Chain};
use crate::cli::SellerAgentArgs;
use crate::commands::sales::{grant_sale, Granted};
use crate::context::Context;
use crate::error::Result;
use crate::output::{Console, Outcome};

/// What the agent did.
#[derive(Debug, Default, Serialize)]
pub struct AgentReport {
    pub seller: String,
    pub granted: Vec<Granted>,
    /// Sales whose grant failed, with the reason.
    pub failed: Vec<(u64, String)>,
    pub rescans: u32,
}

struct Agent<'a> {
    chain: &'a Chain,
    actor: &'a Actor,
    console: Console,
    done: BTreeSet<u64>,
    report: AgentReport,
}

impl Agent<'_> {
    async fn grant_if_paid(&mut self, sale_id: u64) -> Result<()> {
        if self.done.contains(&sale_id) {
            return Ok(());
        }
        let sale = self.chain.sale(sale_id).await?;
        if sale.status != SaleStatus::Paid || sale.seller.as_str() != self.actor.address() {
            return Ok(());
        }
        self.done.insert(sale_id);
        match grant_sale(self.chain, self.actor, &sale).await {
            Ok(g) => {
                self.console.line(format!(
                    "granted sale {} (asset {}, buyer {}): {}",
                    g.sale_id,
                    g.asset_id,
                    g.buyer,
                    g.tx.line()
                ));
                self.report.granted.push(g);
            }
            Err(e) => {
                tracing::warn!(sale_id, error = %e, "grant failed");
                self.console
                    .line(format!("sale {sale_id}: grant failed: {e}"));
                self.report.failed.push((sale_id, e.to_string()));
            }
        }
        Ok(())
    }

    /// Every Paid sale of the seller.
    async fn catch_up(&mut self) -> Result<()> {
        let pending: Vec<u64> = self
            .chain
            .sales_by_seller(self.actor.address())
            .await?
            .into_iter()
            .filter(|s| s.status == SaleStatus::Paid)
            .map(|s| s.id)
            .collect();
        self.console.line(format!(
            "{} pending sale(s) of {} to grant",
            pending.len(),
            self.actor.address()
        ));
        for id in pending {
            self.grant_if_paid(id).await?;
        }
        Ok(())
    }
}

/// `seller-agent`.
pub async fn run(ctx: &Context, args: &SellerAgentArgs) -> Result<Outcome> {
    let chain = ctx.chain().await?;
    let actor = ctx.actor(&chain)?;
    let escrow = chain.network.contracts.escrow.clone();
    // Subscribed before the catch-up: a purchase in between is seen by one or the other.
    let mut subscription = if args.once {
        None
    } else {
        Some(Subscription::start(SubscriptionConfig::contract(&chain.network.rpc, &escrow)).await?)
    };
    let mut agent = Agent {
        chain: &chain,
        actor: &actor,
        console: ctx.console,
        done: BTreeSet::new(),
        report: AgentReport {
            seller: actor.address().to_string(),
            ..AgentReport::default()
        },
    };
    agent.catch_up().await?;
    if let Some(sub) = subscription.as_mut() {
        agent
            .console
            .line("watching the escrow for purchases (Ctrl-C stops)");
        loop {
            let item = tokio::select! {
                item = sub.next() => item,
                _ = tokio::signal::ctrl_c() => break,
            };
            match item {
                None => break,
                Some(SubscriptionItem::Tx(tx)) => {
                    for event in tx.wasm_events() {
                        let ours = event.contract == escrow
                            && event.action.as_deref() == Some("buy")
                            && event.attribute(events::SELLER) == Some(actor.address());
                        if let (true, Some(id)) = (
                            ours,
                            event
                                .attribute(events::SALE_ID)
                                .and_then(|v| v.parse::<u64>().ok()),
                        ) {
                            agent.grant_if_paid(id).await?;
                        }
                    }
                }
                Some(SubscriptionItem::Gap {
                    complete: false,
                    from,
                    to,
                    ..
                }) => {
                    agent.console.line(format!(
                        "events of heights {from}..={to} may be missing: re-scanning the seller's sales"
                    ));
                    agent.report.rescans += 1;
                    agent.catch_up().await?;
                }
                Some(SubscriptionItem::Disconnected { reason, .. }) => {
                    agent
                        .console
                        .line(format!("disconnected ({reason}); reconnecting"));
                }
                Some(other) => tracing::debug!(?other, "subscription"),
            }
        }
    }
    let report = agent.report;
    let text = format!(
        "seller-agent for {}: {} sale(s) granted, {} failed",
        report.seller,
        report.granted.len(),
        report.failed.len()
    );
    Outcome::new(&report, text)
}
