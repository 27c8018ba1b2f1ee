//! One sensor's stream as a client sends it: seqs continue from the daemon's `next_seq`, each
//! batch is signed once (with a cumulative voucher when High), a saturated daemon is waited out
//! (Retry-After), and a seq moves on only when the daemon accepted the batch. A retried batch
//! the daemon had already made durable (its answer lost in a crash) counts as accepted.

use std::time::{Duration, Instant};

use twinshare_crypto::claims::SensorKey;
use twinshare_types::claims::{ClaimLevel, ClaimRecord};

use crate::api::{Accepted, StreamSeq};
use crate::batch::{check_stream, record_of, sign_batch, VoucherBook};
use crate::client::AnchorClient;
use crate::error::{Error, Result};

/// How long a batch is retried while the daemon is saturated or away.
pub const DEFAULT_RETRY_FOR: Duration = Duration::from_secs(30);

/// What one accepted batch was.
#[derive(Clone, Debug)]
pub struct Sent {
    /// The claims as signed (seqs assigned).
    pub records: Vec<ClaimRecord>,
    pub accepted: Accepted,
    /// Times the daemon said `saturated` (or was away) before accepting.
    pub retries: u32,
    /// When the accepting request was sent.
    pub submitted_at: Instant,
}

/// A sensor publishing one stream.
pub struct Publisher {
    pub client: AnchorClient,
    pub key: SensorKey,
    pub owner: String,
    pub stream: String,
    /// The seq of the next record.
    pub next_seq: u64,
    /// High: the channel and fee; `None` for Low.
    pub vouchers: Option<VoucherBook>,
    /// How long to keep retrying one batch while the daemon is saturated.
    pub retry_for: Duration,
}

impl Publisher {
    /// Starts where the daemon's stream stands.
    pub async fn start(
        client: AnchorClient,
        key: SensorKey,
        owner: &str,
        stream: &str,
        vouchers: Option<VoucherBook>,
    ) -> Result<Publisher> {
        check_stream(stream)?;
        let state = client.stream_state(owner, stream).await?;
        Ok(Publisher {
            client,
            key,
            owner: owner.to_string(),
            stream: stream.to_string(),
            next_seq: state.next_seq,
            vouchers,
            retry_for: DEFAULT_RETRY_FOR,
        })
    }

    pub fn level(&self) -> ClaimLevel {
        self.vouchers
            .as_ref()
            .map_or(ClaimLevel::Low, VoucherBook::level)
    }

    /// The claims of `samples` (timestamp ms, payload) with the next seqs.
    pub fn claims(&self, samples: &[(u64, Vec<u8>)]) -> Result<Vec<ClaimRecord>> {
        samples
            .iter()
            .enumerate()
            .map(|(i, (ts, payload))| {
                record_of(&self.stream, self.next_seq + i as u64, *ts, payload)
            })
            .collect()
    }

    /// Signs and sends `samples` as one batch. On a rejection nothing moves on (seq, voucher);
    /// the error carries the daemon's code.
    pub async fn send(&mut self, samples: &[(u64, Vec<u8>)]) -> Result<Sent> {
        let records = self.claims(samples)?;
        self.send_claims(records).await
    }

    /// Signs and sends already-built claims (seqs must start at `next_seq`).
    pub async fn send_claims(&mut self, records: Vec<ClaimRecord>) -> Result<Sent> {
        if records.is_empty() {
            return Err(Error::Invalid("an empty batch".into()));
        }
        let n = records.len();
        let voucher = self.vouchers.as_ref().map(|b| b.next(n)).transpose()?;
        let batch = sign_batch(
            &self.key,
            &self.owner,
            self.level(),
            records.clone(),
            voucher.clone(),
        )?;
        let started = Instant::now();
        let mut retries = 0u32;
        loop {
            let submitted_at = Instant::now();
            match self.client.submit(&batch).await {
                Ok(accepted) => {
                    self.next_seq += n as u64;
                    if let (Some(book), Some(v)) = (self.vouchers.as_mut(), voucher.as_ref()) {
                        book.accept(v);
                    }
                    return Ok(Sent {
                        records,
                        accepted,
                        retries,
                        submitted_at,
                    });
                }
                Err(e) if e.is_transient() && started.elapsed() < self.retry_for => {
                    retries += 1;
                    let wait = match &e {
                        Error::Rejected {
                            retry_after_secs: Some(s),
                            ..
                        } => Duration::from_secs(*s).min(Duration::from_secs(5)),
                        _ => Duration::from_millis(50 * u64::from(retries.min(20))),
                    };
                    tracing::debug!(stream = %self.stream, retries, "daemon busy: {e}");
                    tokio::time::sleep(wait.max(Duration::from_millis(20))).await;
                }
                // A retry of a batch the daemon had made durable before its answer was lost
                // (it crashed, or the connection broke): it expects the seq after this batch.
                Err(Error::Rejected {
                    ref code,
                    expected_seq: Some(expected),
                    ..
                }) if retries > 0
                    && code == crate::api::codes::OUT_OF_ORDER_SEQ
                    && expected == self.next_seq + n as u64 =>
                {
                    self.next_seq = expected;
                    if let (Some(book), Some(v)) = (self.vouchers.as_mut(), voucher.as_ref()) {
                        book.accept(v);
                    }
                    let last_seq = expected - 1;
                    return Ok(Sent {
                        accepted: Accepted {
                            accepted: n as u64,
                            streams: vec![StreamSeq {
                                stream: self.stream.clone(),
                                last_seq,
                            }],
                        },
                        records,
                        retries,
                        submitted_at,
                    });
                }
                Err(e) => return Err(e),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::{ClaimBatch, StreamState, PREFIX};
    use axum::extract::State;
    use axum::http::StatusCode as S;
    use axum::routing::{get, post};
    use axum::{Json, Router};
    use std::sync::{Arc, Mutex};

    /// A stand-in daemon: `saturate` refusals first; `lose_answer` commits a batch but answers
    /// 503 (a crash after the commit); seqs must follow `next`.
    #[derive(Default)]
    struct Daemon {
        next: u64,
        saturate: u32,
        lose_answer: bool,
    }

    type Shared = Arc<Mutex<Daemon>>;

    fn reply(status: S, body: serde_json::Value) -> (S, Json<serde_json::Value>) {
        (status, Json(body))
    }

    async fn claims(
        State(d): State<Shared>,
        Json(b): Json<ClaimBatch>,
    ) -> (S, Json<serde_json::Value>) {
        let mut d = d.lock().expect("lock");
        if d.saturate > 0 {
            d.saturate -= 1;
            return reply(
                S::SERVICE_UNAVAILABLE,
                serde_json::json!({"error": "saturated"}),
            );
        }
        if b.records[0].seq != d.next {
            let next = d.next;
            return reply(
                S::CONFLICT,
                serde_json::json!({"error": "out_of_order_seq", "message": "", "expected_seq": next}),
            );
        }
        d.next += b.records.len() as u64;
        if std::mem::take(&mut d.lose_answer) {
            return reply(
                S::SERVICE_UNAVAILABLE,
                serde_json::json!({"error": "saturated"}),
            );
        }
        let last = d.next - 1;
        reply(
            S::OK,
            serde_json::json!({"accepted": b.records.len(), "streams": [{"stream": b.records[0].stream, "last_seq": last}]}),
        )
    }

    async fn stream(State(d): State<Shared>) -> Json<StreamState> {
        Json(StreamState {
            next_seq: d.lock().expect("lock").next,
            last_anchored_seq: None,
            pending: 0,
        })
    }

    #[tokio::test]
    async fn seqs_move_only_on_acceptance_and_a_lost_answer_is_not_sent_twice() {
        let d: Shared = Arc::new(Mutex::new(Daemon {
            next: 7,
            ..Daemon::default()
        }));
        let app = Router::new()
            .route(&format!("{PREFIX}/claims"), post(claims))
            .route(
                &format!("{PREFIX}/streams/{{owner}}/{{stream}}"),
                get(stream),
            )
            .with_state(d.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr").to_string();
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        let client = AnchorClient::new(&addr).expect("client");
        let key = SensorKey::random().expect("key");
        let mut p = Publisher::start(client, key, "wasm1o", "a/b", None)
            .await
            .expect("start");
        assert_eq!(p.next_seq, 7, "continues from the daemon's next seq");
        let samples = |n: u8| {
            (0..n)
                .map(|i| (1_000 + u64::from(i), vec![i; 4]))
                .collect::<Vec<_>>()
        };

        d.lock().expect("lock").saturate = 2;
        let sent = p.send(&samples(3)).await.expect("accepted after waiting");
        assert_eq!((sent.retries, p.next_seq), (2, 10));
        assert_eq!(
            sent.records.iter().map(|r| r.seq).collect::<Vec<_>>(),
            vec![7, 8, 9]
        );

        d.lock().expect("lock").lose_answer = true;
        let sent = p
            .send(&samples(2))
            .await
            .expect("the retry finds it durable");
        assert_eq!((sent.retries, p.next_seq), (1, 12));
        assert_eq!(sent.accepted.streams[0].last_seq, 11);
        assert_eq!(d.lock().expect("lock").next, 12, "committed once");

        d.lock().expect("lock").next = 20;
        let e = p
            .send(&samples(1))
            .await
            .expect_err("someone else moved the stream");
        assert_eq!(e.code(), Some("out_of_order_seq"));
        assert_eq!(p.next_seq, 12, "a refusal moves nothing");
        p.retry_for = Duration::ZERO;
        d.lock().expect("lock").saturate = 1;
        assert!(p
            .send(&samples(1))
            .await
            .expect_err("no retries")
            .is_transient());
    }
}
