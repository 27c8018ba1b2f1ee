//! The running relayer daemon (`twinshare-relayer run`) as the demo sees it: its HTTP endpoint
//! (`/healthz`, `/status`) to check it is up and serves the relayer and storage the demo uses,
//! and the sale on chain to wait for its `ReportDelivery`.

use std::time::{Duration, Instant};

use serde::Deserialize;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use twinshare_types::escrow::{Sale, SaleStatus};

use crate::chain::{Chain, TxInfo};
use crate::error::{Error, Result};

/// The daemon's default HTTP endpoint (`[http] listen`).
pub const DEFAULT_LISTEN: &str = "127.0.0.1:9464";

/// What to tell a user whose daemon does not deliver.
pub const CHECK_HINT: &str = "check the relayer's log (scripts/demo.sh writes it to \
    ~/.cache/twinshare/localnet/logs/relayer.log) and `twinshare-relayer status`, or run the demo \
    without a daemon: `twinshare demo --in-process-relayer`";

/// `info` of the daemon's `/status`.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct DaemonInfo {
    pub relayer: String,
    pub relayer_pubkey: String,
    pub escrow: String,
    pub storage: String,
    #[serde(default)]
    pub dev_mnemonic: bool,
}

#[derive(Deserialize)]
struct StatusAnswer {
    info: DaemonInfo,
}

/// `GET path` on the daemon at `addr`: the status code and body. Plain HTTP/1.0 over TCP (the
/// endpoint is on loopback).
pub async fn get_local(addr: &str, path: &str) -> Result<(u16, String)> {
    let unreachable = |reason: String| {
        Error::State(format!(
            "no relayer daemon answers at http://{addr}{path} ({reason}): start one \
             (`twinshare-relayer run`; scripts/demo.sh does) or pass --in-process-relayer"
        ))
    };
    let io = async {
        let mut stream = tokio::net::TcpStream::connect(addr).await?;
        stream
            .write_all(format!("GET {path} HTTP/1.0\r\nHost: {addr}\r\n\r\n").as_bytes())
            .await?;
        let mut bytes = Vec::new();
        stream.read_to_end(&mut bytes).await?;
        Ok::<_, std::io::Error>(bytes)
    };
    let bytes = tokio::time::timeout(Duration::from_secs(5), io)
        .await
        .map_err(|_| unreachable("no answer within 5 s".into()))?
        .map_err(|e| unreachable(e.to_string()))?;
    let text = String::from_utf8_lossy(&bytes);
    let (head, body) = text
        .split_once("\r\n\r\n")
        .ok_or_else(|| unreachable("not an HTTP answer".into()))?;
    let code = head
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .ok_or_else(|| unreachable(format!("bad status line {:?}", head.lines().next())))?;
    Ok((code, body.to_string()))
}

/// Checks that the daemon at `addr` is healthy and relays for `relayer` with `relayer_pubkey`
/// (hex), for `escrow`, reading `storage` (a [`twinshare_uploader::StorageConfig::describe`]
/// text): else the demo's sale would never be delivered. Its info.
pub async fn check(
    addr: &str,
    relayer: &str,
    relayer_pubkey: &str,
    escrow: &str,
    storage: &str,
) -> Result<DaemonInfo> {
    let (code, body) = get_local(addr, "/healthz").await?;
    if code != 200 {
        return Err(Error::State(format!(
            "the relayer daemon at {addr} is not healthy ({code}: {}); {CHECK_HINT}",
            body.trim()
        )));
    }
    let (code, body) = get_local(addr, "/status").await?;
    if code != 200 {
        return Err(Error::State(format!(
            "the relayer daemon at {addr} answered /status with {code}; {CHECK_HINT}"
        )));
    }
    let info = serde_json::from_str::<StatusAnswer>(&body)
        .map_err(|e| {
            Error::State(format!(
                "the relayer daemon's /status is not understood: {e}"
            ))
        })?
        .info;
    let mismatch = |what: &str, daemon: &str, demo: &str| {
        Error::State(format!(
            "the relayer daemon at {addr} serves another {what} ({daemon}) than the demo uses \
             ({demo}): start it with the same deployment, dev `relayer` account and storage \
             (scripts/demo.sh does), or pass --in-process-relayer"
        ))
    };
    if info.relayer != relayer {
        return Err(mismatch("relayer account", &info.relayer, relayer));
    }
    if !info.relayer_pubkey.eq_ignore_ascii_case(relayer_pubkey) {
        return Err(mismatch(
            "relayer key",
            &info.relayer_pubkey,
            relayer_pubkey,
        ));
    }
    if info.escrow != escrow {
        return Err(mismatch("escrow", &info.escrow, escrow));
    }
    if info.storage != storage {
        return Err(mismatch("storage", &info.storage, storage));
    }
    Ok(info)
}

/// A delivery the daemon reported.
#[derive(Debug, Clone)]
pub struct Delivered {
    pub sale: Sale,
    /// From the call until the sale was seen delivered.
    pub waited: Duration,
    /// The daemon's `report_delivery` tx, when found by search.
    pub tx: Option<TxInfo>,
}

/// Polls sale `sale_id` until it is delivered (or past: confirmed, disputed), up to `timeout`;
/// `since_height` is where the search for the delivery tx starts.
pub async fn wait_delivery(
    chain: &Chain,
    sale_id: u64,
    since_height: u64,
    timeout: Duration,
) -> Result<Delivered> {
    let started = Instant::now();
    let sale = loop {
        let sale = chain.sale(sale_id).await?;
        match sale.status {
            SaleStatus::Delivered | SaleStatus::Confirmed | SaleStatus::Disputed => break sale,
            SaleStatus::Paid | SaleStatus::ReKeySubmitted => {}
            other => {
                return Err(Error::State(format!(
                    "sale {sale_id} became {} while waiting for the relayer daemon's delivery; {CHECK_HINT}",
                    other.as_str()
                )))
            }
        }
        if started.elapsed() >= timeout {
            return Err(Error::State(format!(
                "the relayer daemon did not report the delivery of sale {sale_id} within {} s \
                 (the sale is still {}); {CHECK_HINT}",
                timeout.as_secs(),
                sale.status.as_str()
            )));
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let waited = started.elapsed();
    let tx = delivery_tx(chain, sale_id, since_height, waited).await;
    Ok(Delivered { sale, waited, tx })
}

/// The `report_delivery` tx of `sale_id` since `from` (best effort: `None` when the node's index
/// does not find it).
async fn delivery_tx(chain: &Chain, sale_id: u64, from: u64, waited: Duration) -> Option<TxInfo> {
    let escrow = &chain.network.contracts.escrow;
    let to = chain.client.height().await.ok()?;
    let txs = chain
        .client
        .search_txs(
            &format!("wasm._contract_address='{escrow}' AND wasm.action='report_delivery'"),
            from,
            to,
        )
        .await
        .ok()?;
    let id = sale_id.to_string();
    let tx = txs.into_iter().filter(|t| t.is_ok()).find(|t| {
        t.wasm_events().iter().any(|e| {
            &e.contract == escrow
                && e.action.as_deref() == Some("report_delivery")
                && e.attribute("sale_id") == Some(id.as_str())
        })
    })?;
    Some(TxInfo {
        step: "report_delivery".into(),
        signer: "relayer daemon".into(),
        fee: chain
            .client
            .config()
            .gas_price
            .fee(tx.gas_wanted)
            .to_string(),
        hash: tx.hash,
        height: tx.height,
        gas_used: tx.gas_used,
        gas_wanted: tx.gas_wanted,
        latency_ms: waited.as_millis() as u64,
    })
}
