//! The HTTP client of the anchoring daemon (reqwest, JSON). Stream names may hold `/`, so every
//! path segment is percent-encoded.

use std::time::{Duration, Instant};

use reqwest::{StatusCode, Url};
use serde::de::DeserializeOwned;

use crate::api::{Accepted, ApiError, ClaimBatch, ProofStatus, RecordProof, StreamState, PREFIX};
use crate::error::{Error, Result};

/// How long one request may take.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// A client of one daemon. Cheap to clone (one connection pool).
#[derive(Clone, Debug)]
pub struct AnchorClient {
    base: Url,
    http: reqwest::Client,
}

impl AnchorClient {
    /// `addr` is `host:port` or an `http://` URL.
    pub fn new(addr: &str) -> Result<AnchorClient> {
        let text = if addr.contains("://") {
            addr.to_string()
        } else {
            format!("http://{addr}")
        };
        let base = Url::parse(&text)
            .map_err(|e| Error::Invalid(format!("anchoring daemon address {addr:?}: {e}")))?;
        if base.cannot_be_a_base() {
            return Err(Error::Invalid(format!(
                "anchoring daemon address {addr:?} is not an http URL"
            )));
        }
        let http = reqwest::Client::builder()
            .timeout(REQUEST_TIMEOUT)
            // Many simulated sensors share one process: keep a connection per sensor.
            .pool_max_idle_per_host(1024)
            .build()
            .map_err(|e| Error::Invalid(format!("HTTP client: {e}")))?;
        Ok(AnchorClient { base, http })
    }

    pub fn base(&self) -> &str {
        self.base.as_str()
    }

    /// `PREFIX/segments...`, each segment percent-encoded.
    fn url(&self, segments: &[&str]) -> Url {
        let mut url = self.base.clone();
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty();
            for part in PREFIX.trim_start_matches('/').split('/') {
                path.push(part);
            }
            for s in segments {
                path.push(s);
            }
        }
        url
    }

    fn unreachable(url: &Url, e: impl std::fmt::Display) -> Error {
        Error::Unreachable {
            url: url.to_string(),
            reason: e.to_string(),
        }
    }

    /// Sends one signed batch. `Ok` only once the daemon says the claims are durable.
    pub async fn submit(&self, batch: &ClaimBatch) -> Result<Accepted> {
        let url = self.url(&["claims"]);
        let response = self
            .http
            .post(url.clone())
            .json(batch)
            .send()
            .await
            .map_err(|e| Self::unreachable(&url, e))?;
        let (status, body) = Self::read(&url, response).await?;
        if status == StatusCode::OK {
            return Self::parse(&url, &body);
        }
        Err(Self::rejection(&url, status, &body.0, body.1))
    }

    /// The daemon's view of a stream: the next seq it accepts, what is anchored, what pends.
    pub async fn stream_state(&self, owner: &str, stream: &str) -> Result<StreamState> {
        self.get_json(&["streams", owner, stream]).await
    }

    /// The proof of record `seq`: anchored, pending or unknown.
    pub async fn proof(&self, owner: &str, stream: &str, seq: u64) -> Result<ProofStatus> {
        let seq = seq.to_string();
        let url = self.url(&["proofs", owner, stream, &seq]);
        let response = self
            .http
            .get(url.clone())
            .send()
            .await
            .map_err(|e| Self::unreachable(&url, e))?;
        let (status, body) = Self::read(&url, response).await?;
        match status {
            StatusCode::OK => Ok(ProofStatus::Anchored(Box::new(Self::parse::<RecordProof>(
                &url, &body,
            )?))),
            StatusCode::ACCEPTED => Ok(ProofStatus::Pending),
            StatusCode::NOT_FOUND => Ok(ProofStatus::Unknown),
            other => Err(Self::rejection(&url, other, &body.0, body.1)),
        }
    }

    /// Polls until record `seq` is anchored (every `poll`), up to `timeout`.
    pub async fn wait_proof(
        &self,
        owner: &str,
        stream: &str,
        seq: u64,
        timeout: Duration,
        poll: Duration,
    ) -> Result<RecordProof> {
        let started = Instant::now();
        loop {
            let status = self.proof(owner, stream, seq).await?;
            if let ProofStatus::Anchored(p) = status {
                return Ok(*p);
            }
            if started.elapsed() >= timeout {
                return Err(Error::Invalid(format!(
                    "record {seq} of {stream:?} is not anchored after {:.1} s (the daemon says {})",
                    timeout.as_secs_f64(),
                    if status == ProofStatus::Pending {
                        "pending"
                    } else {
                        "unknown"
                    }
                )));
            }
            tokio::time::sleep(poll).await;
        }
    }

    /// `GET /status` as JSON (counts, batches, rates; its shape is the daemon's).
    pub async fn status(&self) -> Result<serde_json::Value> {
        self.get_json(&["status"]).await
    }

    async fn get_json<T: DeserializeOwned>(&self, segments: &[&str]) -> Result<T> {
        let url = self.url(segments);
        let response = self
            .http
            .get(url.clone())
            .send()
            .await
            .map_err(|e| Self::unreachable(&url, e))?;
        let (status, body) = Self::read(&url, response).await?;
        if status == StatusCode::OK {
            return Self::parse(&url, &body);
        }
        Err(Self::rejection(&url, status, &body.0, body.1))
    }

    /// Status, and the body with the Retry-After header (seconds).
    async fn read(
        url: &Url,
        response: reqwest::Response,
    ) -> Result<(StatusCode, (Vec<u8>, Option<u64>))> {
        let status = response.status();
        let retry_after = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse().ok());
        let bytes = response
            .bytes()
            .await
            .map_err(|e| Self::unreachable(url, e))?;
        Ok((status, (bytes.to_vec(), retry_after)))
    }

    fn parse<T: DeserializeOwned>(url: &Url, body: &(Vec<u8>, Option<u64>)) -> Result<T> {
        serde_json::from_slice(&body.0).map_err(|e| Error::Protocol {
            url: url.to_string(),
            reason: format!("{e}: {}", String::from_utf8_lossy(&body.0)),
        })
    }

    fn rejection(url: &Url, status: StatusCode, body: &[u8], retry_after: Option<u64>) -> Error {
        match serde_json::from_slice::<ApiError>(body) {
            Ok(e) => Error::Rejected {
                status: status.as_u16(),
                code: e.error,
                message: e.message,
                expected_seq: e.expected_seq,
                retry_after_secs: retry_after,
            },
            Err(_) => Error::Protocol {
                url: url.to_string(),
                reason: format!(
                    "status {status} with a body that is not an API error: {}",
                    String::from_utf8_lossy(body)
                ),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::{StreamSeq, PREFIX};
    use crate::batch::{record_of, sign_batch};
    use axum::extract::Path;
    use axum::http::{HeaderMap, StatusCode as S};
    use axum::routing::{get, post};
    use axum::{Json, Router};
    use twinshare_crypto::claims::SensorKey;
    use twinshare_types::claims::ClaimLevel;

    /// A stand-in daemon: accepts seq 0.., refuses others, serves stream state and proofs
    /// with the path segments it received, so the test sees what the client encoded.
    async fn serve() -> String {
        async fn claims(Json(b): Json<ClaimBatch>) -> (S, HeaderMap, Json<serde_json::Value>) {
            let mut headers = HeaderMap::new();
            if b.records.is_empty() {
                headers.insert("retry-after", "2".parse().expect("header"));
                return (
                    S::SERVICE_UNAVAILABLE,
                    headers,
                    Json(serde_json::json!({"error": "saturated", "message": "queue full"})),
                );
            }
            if crate::batch::verify_batch(&b).is_err() {
                return (
                    S::UNAUTHORIZED,
                    headers,
                    Json(serde_json::json!({"error": "bad_signature", "message": "no"})),
                );
            }
            if b.records[0].seq != 0 {
                return (
                    S::CONFLICT,
                    headers,
                    Json(serde_json::json!({"error": "out_of_order_seq",
                        "message": "expected seq 0", "expected_seq": 0})),
                );
            }
            let last = b.records.last().map(|r| r.seq).unwrap_or_default();
            let stream = b.records[0].stream.clone();
            (
                S::OK,
                headers,
                Json(
                    serde_json::to_value(Accepted {
                        accepted: b.records.len() as u64,
                        streams: vec![StreamSeq {
                            stream,
                            last_seq: last,
                        }],
                    })
                    .expect("json"),
                ),
            )
        }
        async fn stream(Path((owner, stream)): Path<(String, String)>) -> Json<StreamState> {
            Json(StreamState {
                next_seq: (owner.len() + stream.len()) as u64,
                last_anchored_seq: None,
                pending: 0,
            })
        }
        async fn proof(Path((_o, stream, seq)): Path<(String, String, u64)>) -> S {
            match (stream.as_str(), seq) {
                ("a/b", 1) => S::ACCEPTED,
                _ => S::NOT_FOUND,
            }
        }
        let app = Router::new()
            .route(&format!("{PREFIX}/claims"), post(claims))
            .route(
                &format!("{PREFIX}/streams/{{owner}}/{{stream}}"),
                get(stream),
            )
            .route(
                &format!("{PREFIX}/proofs/{{owner}}/{{stream}}/{{seq}}"),
                get(proof),
            );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        addr.to_string()
    }

    #[tokio::test]
    async fn submits_and_reads_rejections_with_their_codes() {
        let addr = serve().await;
        let client = AnchorClient::new(&addr).expect("client");
        let key = SensorKey::random().expect("key");
        let rec = |seq| record_of("a/b", seq, 1, b"x").expect("record");
        let ok =
            sign_batch(&key, "wasm1o", ClaimLevel::Low, vec![rec(0), rec(1)], None).expect("sign");
        let accepted = client.submit(&ok).await.expect("accepted");
        assert_eq!(accepted.accepted, 2);
        assert_eq!(accepted.streams[0].last_seq, 1);

        let late = sign_batch(&key, "wasm1o", ClaimLevel::Low, vec![rec(5)], None).expect("sign");
        let e = client.submit(&late).await.expect_err("out of order");
        assert_eq!(e.code(), Some("out_of_order_seq"));
        assert!(matches!(
            e,
            Error::Rejected {
                status: 409,
                expected_seq: Some(0),
                ..
            }
        ));
        assert!(!e.is_transient());

        let mut forged = ok.clone();
        forged.owner = "wasm1thief".into();
        let e = client.submit(&forged).await.expect_err("bad signature");
        assert_eq!(e.code(), Some("bad_signature"));

        let empty = sign_batch(&key, "wasm1o", ClaimLevel::Low, vec![], None).expect("sign");
        let e = client.submit(&empty).await.expect_err("saturated");
        assert!(e.is_transient());
        assert!(matches!(
            e,
            Error::Rejected {
                retry_after_secs: Some(2),
                ..
            }
        ));
    }

    #[tokio::test]
    async fn path_segments_are_encoded_and_proof_states_told_apart() {
        let addr = serve().await;
        let client = AnchorClient::new(&format!("http://{addr}/")).expect("client");
        // The daemon must see "a/b" as one segment: owner (6) + stream (3).
        let s = client.stream_state("wasm1o", "a/b").await.expect("state");
        assert_eq!(s.next_seq, 9);
        assert_eq!(
            client.proof("wasm1o", "a/b", 1).await.expect("proof"),
            ProofStatus::Pending
        );
        assert_eq!(
            client.proof("wasm1o", "a/b", 2).await.expect("proof"),
            ProofStatus::Unknown
        );
        let e = client
            .wait_proof(
                "wasm1o",
                "a/b",
                1,
                Duration::from_millis(50),
                Duration::from_millis(10),
            )
            .await
            .expect_err("never anchored");
        assert!(e.to_string().contains("pending"));
    }

    #[tokio::test]
    async fn an_absent_daemon_is_unreachable() {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("port")
            .port();
        let client = AnchorClient::new(&format!("127.0.0.1:{port}")).expect("client");
        let e = client.stream_state("o", "s").await.expect_err("nobody");
        assert!(matches!(e, Error::Unreachable { .. }));
        assert!(e.is_transient());
        assert!(AnchorClient::new("mailto:x").is_err());
    }
}
