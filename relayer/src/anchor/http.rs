//! The claims API on its own listener (axum): `POST /anchor/v1/claims`,
//! `GET /anchor/v1/streams/{owner}/{stream}`, `GET /anchor/v1/proofs/{owner}/{stream}/{seq}`,
//! `GET /anchor/v1/status`. Errors are `{"error": "<code>", "message": "<words>"}`. A stream
//! name may hold `/`: sent raw or percent-encoded, the last segment of a proof path is the seq.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::json;
use tokio::task::JoinHandle;
use tracing::error;
use twinshare_stream::api::{Accepted as AcceptedBody, StreamSeq, StreamState};

use super::ingest::Rejection;
use super::proofs::{prove, ProofAnswer};
use super::Service;
use crate::error::HttpError;
use crate::supervisor::Shutdown;

/// Bytes of JSON one record may take, for the body limit (a record is ~200 bytes).
const BYTES_PER_RECORD: usize = 1024;

fn rejection(r: &Rejection) -> Response {
    let mut body = json!({"error": r.code(), "message": r.message()});
    if let Rejection::OutOfOrderSeq { expected, .. } = r {
        body["expected_seq"] = json!(expected);
    }
    let mut response = (r.status(), Json(body)).into_response();
    if let Rejection::Saturated { retry_after_secs } = r {
        if let Ok(v) = retry_after_secs.to_string().parse() {
            response.headers_mut().insert(header::RETRY_AFTER, v);
        }
    }
    if let Rejection::Unavailable(_) = r {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, header::HeaderValue::from_static("1"));
    }
    response
}

fn internal(e: impl std::fmt::Display) -> Response {
    error!(error = %e, "anchor API");
    rejection(&Rejection::Unavailable(e.to_string()))
}

async fn claims(State(svc): State<Arc<Service>>, body: Bytes) -> Response {
    match svc.submit(&body).await {
        Ok(a) => Json(AcceptedBody {
            accepted: a.accepted,
            streams: a
                .streams
                .into_iter()
                .map(|(stream, last_seq)| StreamSeq { stream, last_seq })
                .collect(),
        })
        .into_response(),
        Err(r) => rejection(&r),
    }
}

async fn stream(
    State(svc): State<Arc<Service>>,
    Path((owner, stream)): Path<(String, String)>,
) -> Response {
    let s = svc.store.stream(&owner, &stream).unwrap_or_default();
    Json(StreamState {
        next_seq: s.next_seq,
        last_anchored_seq: s.last_anchored_seq,
        pending: s.pending,
    })
    .into_response()
}

async fn proof(
    State(svc): State<Arc<Service>>,
    Path((owner, rest)): Path<(String, String)>,
) -> Response {
    let Some((stream, seq)) = rest.rsplit_once('/') else {
        return rejection(&Rejection::Malformed(
            "expected /anchor/v1/proofs/{owner}/{stream}/{seq}".into(),
        ));
    };
    let Ok(seq) = seq.parse::<u64>() else {
        return rejection(&Rejection::Malformed(format!(
            "seq {seq:?} is not a number"
        )));
    };
    let (store, owner, stream) = (svc.store.clone(), owner.clone(), stream.to_string());
    let answer = tokio::task::spawn_blocking(move || prove(&store, &owner, &stream, seq)).await;
    match answer {
        Ok(Ok(ProofAnswer::Anchored(p))) => Json(p).into_response(),
        Ok(Ok(ProofAnswer::Pending)) => {
            (StatusCode::ACCEPTED, Json(json!({"status": "pending"}))).into_response()
        }
        Ok(Ok(ProofAnswer::Unknown)) => (
            StatusCode::NOT_FOUND,
            Json(json!({"error": "unknown", "message": "this daemon never acknowledged that record"})),
        )
            .into_response(),
        Ok(Err(e)) => internal(e),
        Err(e) => internal(e),
    }
}

async fn status(State(svc): State<Arc<Service>>) -> Response {
    let counts = svc.store.counts();
    let (ack_rate, anchor_rate) = svc.sample();
    let (queued_high, queued_low) = svc.queue.lengths();
    Json(json!({
        "address": svc.address,
        "channel": svc.config.channel,
        "acknowledged": counts.acknowledged,
        "anchored": counts.anchored,
        "pending": {"high": counts.pending_high, "low": counts.pending_low},
        "in_flight": counts.in_flight,
        "queued_batches": {"high": queued_high, "low": queued_low},
        "batches": counts.batches,
        "last_batch_id": counts.last_batch_id,
        "last_anchor_height": counts.last_anchor_height,
        "streams": counts.streams,
        "rates": {"acknowledged_per_sec": ack_rate, "anchored_per_sec": anchor_rate},
    }))
    .into_response()
}

/// The router of the API.
pub fn router(svc: Arc<Service>) -> Router {
    let limit = svc
        .config
        .max_batch_records
        .saturating_mul(BYTES_PER_RECORD)
        + 64 * 1024;
    Router::new()
        .route("/anchor/v1/claims", post(claims))
        .route("/anchor/v1/streams/{owner}/{*stream}", get(stream))
        .route("/anchor/v1/proofs/{owner}/{*rest}", get(proof))
        .route("/anchor/v1/status", get(status))
        .layer(DefaultBodyLimit::max(limit))
        .with_state(svc)
}

/// Binds `listen` and serves until `shutdown`.
pub async fn serve(
    listen: &str,
    svc: Arc<Service>,
    shutdown: Shutdown,
) -> Result<(SocketAddr, JoinHandle<()>), HttpError> {
    crate::http::serve_router(listen, router(svc), "anchor API server", shutdown).await
}
