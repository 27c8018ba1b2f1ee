//! The HTTP endpoint (axum): `/healthz` (200 while the event loop runs, 503 while starting,
//! stalled or shutting down), `/metrics` (Prometheus / OpenMetrics text) and `/status` (the
//! jobs as JSON, read by `twinshare-relayer status`). Also the small client that command uses.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::task::JoinHandle;
use tracing::error;

use crate::db::{JobRecord, JobState, Snapshot};
use crate::error::HttpError;
use crate::supervisor::{DaemonInfo, Shared, Shutdown};

/// What `/status` answers and `twinshare-relayer status` prints.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct StatusReport {
    /// Where the report comes from: `daemon` (over HTTP) or `database` (read directly).
    pub source: String,
    pub info: DaemonInfo,
    pub health: String,
    /// Height up to which events are turned into jobs.
    pub cursor: Option<u64>,
    pub chain_height: Option<u64>,
    /// Jobs waiting in the lane: High, Low.
    pub lane_high: usize,
    pub lane_low: usize,
    /// `state/lane` -> count.
    pub counts: Vec<(String, String, usize)>,
    pub jobs: Vec<JobRecord>,
}

impl StatusReport {
    /// A report from the database alone (no daemon running).
    pub fn from_snapshot(snapshot: Snapshot) -> Self {
        let counts = counts(&snapshot);
        Self {
            source: "database".into(),
            health: "not running".into(),
            cursor: snapshot.cursor,
            counts,
            jobs: snapshot.jobs,
            ..Self::default()
        }
    }

    /// The jobs in `state`.
    pub fn in_state(&self, state: JobState) -> impl Iterator<Item = &JobRecord> {
        self.jobs.iter().filter(move |j| j.state == state)
    }
}

fn counts(snapshot: &Snapshot) -> Vec<(String, String, usize)> {
    snapshot
        .counts()
        .into_iter()
        .map(|((state, lane), n)| (state.as_str().to_string(), lane.to_string(), n))
        .collect()
}

fn report(shared: &Shared) -> StatusReport {
    let snapshot = shared.store.snapshot();
    let (lane_high, lane_low) = shared.lane_lengths();
    let chain_height = shared.metrics.chain_height.get();
    StatusReport {
        source: "daemon".into(),
        info: shared.info(),
        health: shared.health().1.to_string(),
        cursor: snapshot.cursor,
        chain_height: (chain_height > 0).then_some(chain_height as u64),
        lane_high,
        lane_low,
        counts: counts(&snapshot),
        jobs: snapshot.jobs,
    }
}

async fn healthz(State(shared): State<Arc<Shared>>) -> Response {
    let (healthy, words) = shared.health();
    let code = if healthy {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let body = serde_json::json!({
        "status": words,
        "cursor": shared.store.cursor(),
        "chain_height": shared.metrics.chain_height.get(),
    });
    (code, Json(body)).into_response()
}

async fn metrics(State(shared): State<Arc<Shared>>) -> Response {
    shared.metrics.set_jobs(&shared.store.snapshot());
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        shared.metrics.encode(),
    )
        .into_response()
}

async fn status(State(shared): State<Arc<Shared>>) -> Json<StatusReport> {
    Json(report(&shared))
}

/// Binds `listen` and serves until `shutdown`; the bound address and the server task.
pub async fn serve(
    listen: &str,
    shared: Arc<Shared>,
    shutdown: Shutdown,
) -> Result<(SocketAddr, JoinHandle<()>), HttpError> {
    serve_with(listen, shared, Router::new(), shutdown).await
}

/// [`serve`] with more routes beside the daemon's own (the storage endpoint,
/// [`crate::storage_http::router`]).
pub async fn serve_with(
    listen: &str,
    shared: Arc<Shared>,
    extra: Router,
    shutdown: Shutdown,
) -> Result<(SocketAddr, JoinHandle<()>), HttpError> {
    let app = Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .route("/status", get(status))
        .with_state(shared)
        .merge(extra);
    serve_router(listen, app, "HTTP server", shutdown).await
}

/// Binds `listen` and serves `app` until `shutdown` (the relayer's endpoint and the anchoring
/// API each have one); the bound address and the server's task, which logs if `name` stops
/// on an error.
pub async fn serve_router(
    listen: &str,
    app: Router,
    name: &'static str,
    shutdown: Shutdown,
) -> Result<(SocketAddr, JoinHandle<()>), HttpError> {
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|source| HttpError::Bind {
            addr: listen.to_string(),
            source,
        })?;
    let addr = listener.local_addr().map_err(HttpError::Serve)?;
    let task = tokio::spawn(async move {
        let served = axum::serve(listener, app)
            .with_graceful_shutdown(async move { shutdown.wait().await })
            .await;
        if let Err(e) = served {
            error!(server = name, error = %e, "server stopped");
        }
    });
    Ok((addr, task))
}

/// `GET path` on a local relayer: the status code and body. Plain HTTP/1.0 over TCP: the
/// endpoint is on the relayer's own host.
pub async fn get_local(addr: &str, path: &str) -> Result<(u16, String), HttpError> {
    let unreachable = |reason: String| HttpError::Unreachable {
        addr: addr.to_string(),
        reason,
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

/// The status report of the relayer listening at `addr`.
pub async fn fetch_status(addr: &str) -> Result<StatusReport, HttpError> {
    let (code, body) = get_local(addr, "/status").await?;
    if code != 200 {
        return Err(HttpError::Unreachable {
            addr: addr.to_string(),
            reason: format!("/status answered {code}"),
        });
    }
    serde_json::from_str(&body).map_err(|e| HttpError::Unreachable {
        addr: addr.to_string(),
        reason: format!("/status is not a status report: {e}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::Store;
    use crate::lane::{Lane, LaneConfig, Priority};
    use crate::metrics::Metrics;

    #[tokio::test]
    async fn endpoints_answer() {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(Store::open(&dir.path().join("r.redb")).unwrap());
        store
            .record_seen(vec![JobRecord::new(5, 1, Priority::Low)], Some(12))
            .unwrap();
        let shutdown = Shutdown::new();
        let shared = Arc::new(Shared::new(
            store,
            Arc::new(Metrics::new()),
            Lane::new(LaneConfig::default()),
            shutdown.clone(),
        ));
        shared.enqueue(5, Priority::Low);
        let (addr, task) = serve("127.0.0.1:0", shared, shutdown.clone())
            .await
            .unwrap();
        let addr = addr.to_string();

        // Not started: the event loop never ran.
        let (code, body) = get_local(&addr, "/healthz").await.unwrap();
        assert_eq!(code, 503, "{body}");
        assert!(body.contains("starting"));

        let (code, body) = get_local(&addr, "/metrics").await.unwrap();
        assert_eq!(code, 200);
        assert!(
            body.contains("twinshare_relayer_jobs{state=\"queued\",lane=\"low\"} 1"),
            "{body}"
        );
        assert!(body.contains("twinshare_relayer_processed_height 12"));

        let report = fetch_status(&addr).await.unwrap();
        assert_eq!(report.source, "daemon");
        assert_eq!(report.cursor, Some(12));
        assert_eq!(report.lane_low, 1);
        assert_eq!(report.jobs.len(), 1);
        assert_eq!(report.in_state(JobState::Queued).count(), 1);

        let (code, _) = get_local(&addr, "/nothing").await.unwrap();
        assert_eq!(code, 404);
        shutdown.trigger();
        task.await.unwrap();
        assert!(fetch_status(&addr).await.is_err());
    }
}
