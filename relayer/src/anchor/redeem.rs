//! Getting paid: the newest voucher of each payment channel is redeemed (one `Redeem` tx per
//! channel whose voucher grew) every `redeem_interval_secs`, and once more at shutdown. The
//! contract pays `cumulative - redeemed`, so a redeem of an older voucher never pays twice.

use std::sync::Arc;
use std::time::Duration;

use tracing::{info, warn};

use super::metrics::Outcome;
use super::Service;

/// The redeem loop, until shutdown (then one last pass).
pub async fn run(svc: Arc<Service>) {
    let interval = Duration::from_secs(svc.config.redeem_interval_secs.max(1));
    loop {
        let stopping = svc.shutdown.sleep(interval).await;
        redeem_all(&svc).await;
        if stopping {
            return;
        }
    }
}

/// Redeems every voucher newer than the last redeem; the channels redeemed.
pub async fn redeem_all(svc: &Service) -> Vec<u64> {
    let Some(chain) = &svc.chain else {
        return vec![];
    };
    if chain.contracts.payment_channel.is_none() {
        return vec![];
    }
    let mut done = Vec::new();
    for v in svc.store.unredeemed() {
        let m = &svc.metrics.anchor.redeems;
        match chain.redeem(&v).await {
            Ok(outcome) => {
                m.get_or_create(&Outcome { outcome: "ok" }).inc();
                info!(
                    channel = v.channel,
                    cumulative = %v.cumulative,
                    tx = %outcome.hash,
                    "voucher redeemed"
                );
                let store = svc.store.clone();
                let (channel, cumulative) = (v.channel, v.cumulative);
                match tokio::task::spawn_blocking(move || store.set_redeemed(channel, cumulative))
                    .await
                {
                    Ok(Ok(())) => done.push(v.channel),
                    Ok(Err(e)) => warn!(error = %e, "cannot record a redeem"),
                    Err(e) => warn!(error = %e, "cannot record a redeem"),
                }
            }
            Err(e) => {
                m.get_or_create(&Outcome { outcome: "failed" }).inc();
                warn!(channel = v.channel, error = %e, "redeeming a voucher failed; trying again later");
            }
        }
    }
    done
}
