//! Read-only storage over HTTP for the web wallet (issue 8; docs/web-crypto-api.md): a browser cannot
//! open the provider's `fs` backend, so the relayer, which already holds the provider's OpenDAL
//! operator, serves what it stores (manifests, sealed fragments, cfrags) at
//! `GET|HEAD /storage/v1/<object path>`. Serving it publicly reveals nothing: ciphertext opens
//! only with a buyer's cfrags, and those only with the buyer's key.
//!
//! One `Range: bytes=...` range per request (206; 416 when it starts past the end); a response
//! body larger than `max_object_bytes` is 413 (fetch in ranges); paths with `..`, `.`, empty
//! segments or a leading `/` are 400; no listing. CORS allows any origin to read, and exposes
//! the headers a ranged download needs.

use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use opendal::ErrorKind;
use tracing::warn;
use twinshare_uploader::Operator;

/// URL prefix of the objects.
pub const PREFIX: &str = "/storage/v1";
/// Default largest response body.
pub const DEFAULT_MAX_OBJECT_BYTES: u64 = 64 << 20;

struct Storage {
    op: Operator,
    max_object_bytes: u64,
}

/// The storage routes, with CORS headers on every answer; merge into the daemon's router.
pub fn router(op: Operator, max_object_bytes: u64) -> Router {
    let state = Arc::new(Storage {
        op,
        max_object_bytes,
    });
    Router::new()
        .route(
            &format!("{PREFIX}/{{*path}}"),
            get(get_object).options(preflight),
        )
        .route(PREFIX, get(no_listing).options(preflight))
        .route(&format!("{PREFIX}/"), get(no_listing).options(preflight))
        .layer(axum::middleware::map_response(cors))
        .with_state(state)
}

async fn cors(mut response: Response) -> Response {
    let h = response.headers_mut();
    h.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    h.insert(
        header::ACCESS_CONTROL_EXPOSE_HEADERS,
        HeaderValue::from_static("Content-Length, Content-Range, Accept-Ranges"),
    );
    response
}

async fn preflight() -> Response {
    (
        StatusCode::NO_CONTENT,
        [
            (header::ACCESS_CONTROL_ALLOW_METHODS, "GET, HEAD, OPTIONS"),
            (header::ACCESS_CONTROL_ALLOW_HEADERS, "Range"),
            (header::ACCESS_CONTROL_MAX_AGE, "600"),
        ],
    )
        .into_response()
}

fn text(code: StatusCode, message: impl Into<String>) -> Response {
    (
        code,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        message.into() + "\n",
    )
        .into_response()
}

async fn no_listing() -> Response {
    text(
        StatusCode::BAD_REQUEST,
        "name an object (storage/v1/<path>); there is no listing",
    )
}

/// A relative object path: no empty, `.` or `..` segment (so no leading or trailing `/`, no
/// `//`), no backslash or control character. OpenDAL would resolve some of these outside the
/// intended object or name a folder.
fn check_path(path: &str) -> Result<(), String> {
    if path.is_empty() {
        return Err("empty path".into());
    }
    if path.starts_with('/') {
        return Err("absolute path".into());
    }
    if path.chars().any(|c| c == '\\' || c.is_control()) {
        return Err("backslash or control character in the path".into());
    }
    if let Some(bad) = path
        .split('/')
        .find(|s| s.is_empty() || *s == "." || *s == "..")
    {
        return Err(if bad.is_empty() {
            "empty path segment".into()
        } else {
            format!("{bad:?} path segment")
        });
    }
    Ok(())
}

/// What a `Range` header asks for.
#[derive(Debug, PartialEq, Eq)]
enum Wanted {
    /// No range (or one this endpoint ignores, as RFC 9110 allows: malformed, several).
    Whole,
    /// Bytes `start..end` (end exclusive) of the object.
    Part { start: u64, end: u64 },
    /// A single range that starts at or past the end of the object.
    Unsatisfiable,
}

/// Parses `bytes=a-b`, `bytes=a-` and `bytes=-n` against an object of `len` bytes.
fn wanted(headers: &HeaderMap, len: u64) -> Wanted {
    let Some(spec) = headers
        .get(header::RANGE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().strip_prefix("bytes="))
    else {
        return Wanted::Whole;
    };
    if spec.contains(',') {
        return Wanted::Whole;
    }
    let Some((a, b)) = spec.trim().split_once('-') else {
        return Wanted::Whole;
    };
    let (a, b) = (a.trim(), b.trim());
    let num = |s: &str| {
        (!s.is_empty() && s.bytes().all(|c| c.is_ascii_digit()))
            .then(|| s.parse::<u64>().ok())
            .flatten()
    };
    match (a.is_empty(), num(a), num(b)) {
        // bytes=-n: the last n bytes.
        (true, _, Some(n)) => {
            if n == 0 || len == 0 {
                Wanted::Unsatisfiable
            } else {
                Wanted::Part {
                    start: len - n.min(len),
                    end: len,
                }
            }
        }
        (false, Some(start), last) if b.is_empty() || last.is_some() => {
            if last.is_some_and(|l| l < start) {
                return Wanted::Whole;
            }
            if start >= len {
                return Wanted::Unsatisfiable;
            }
            let end = last.map_or(len, |l| l.saturating_add(1).min(len));
            Wanted::Part { start, end }
        }
        _ => Wanted::Whole,
    }
}

/// Where the object is and how the answer is shaped; the error response otherwise.
struct Plan {
    status: StatusCode,
    start: u64,
    end: u64,
    headers: Vec<(header::HeaderName, String)>,
}

async fn plan(storage: &Storage, path: &str, headers: &HeaderMap) -> Result<Plan, Response> {
    check_path(path).map_err(|reason| text(StatusCode::BAD_REQUEST, reason))?;
    let meta = match storage.op.stat(path).await {
        Ok(meta) if !meta.is_dir() => meta,
        Ok(_) => return Err(text(StatusCode::NOT_FOUND, format!("no object {path}"))),
        Err(e) if e.kind() == ErrorKind::NotFound => {
            return Err(text(StatusCode::NOT_FOUND, format!("no object {path}")))
        }
        Err(e) => {
            warn!(path, error = %e, "storage endpoint: stat failed");
            return Err(text(StatusCode::BAD_GATEWAY, format!("storage: {e}")));
        }
    };
    let len = meta.content_length();
    let content_type = if path.ends_with(".json") {
        "application/json"
    } else {
        "application/octet-stream"
    };
    let mut out = vec![
        (header::ACCEPT_RANGES, "bytes".to_string()),
        (header::CONTENT_TYPE, content_type.to_string()),
    ];
    let (status, start, end) = match wanted(headers, len) {
        Wanted::Whole => (StatusCode::OK, 0, len),
        Wanted::Part { start, end } => {
            out.push((
                header::CONTENT_RANGE,
                format!("bytes {start}-{}/{len}", end - 1),
            ));
            (StatusCode::PARTIAL_CONTENT, start, end)
        }
        Wanted::Unsatisfiable => {
            let mut r = text(
                StatusCode::RANGE_NOT_SATISFIABLE,
                format!("{path} has {len} bytes"),
            );
            if let Ok(v) = HeaderValue::from_str(&format!("bytes */{len}")) {
                r.headers_mut().insert(header::CONTENT_RANGE, v);
            }
            return Err(r);
        }
    };
    if end - start > storage.max_object_bytes {
        return Err(text(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "{path}: {} bytes asked, at most {} per response; fetch it in ranges (Range: bytes=a-b)",
                end - start,
                storage.max_object_bytes
            ),
        ));
    }
    out.push((header::CONTENT_LENGTH, (end - start).to_string()));
    Ok(Plan {
        status,
        start,
        end,
        headers: out,
    })
}

fn respond(plan: Plan, body: Body) -> Response {
    let mut response = (plan.status, body).into_response();
    for (name, value) in plan.headers {
        if let Ok(v) = HeaderValue::from_str(&value) {
            response.headers_mut().insert(name, v);
        }
    }
    response
}

/// GET, and HEAD (axum routes HEAD to the GET handler): HEAD answers the headers without
/// reading the object.
async fn get_object(
    State(storage): State<Arc<Storage>>,
    Path(path): Path<String>,
    method: Method,
    headers: HeaderMap,
) -> Response {
    let plan = match plan(&storage, &path, &headers).await {
        Ok(plan) => plan,
        Err(r) => return r,
    };
    if method == Method::HEAD {
        return respond(plan, Body::empty());
    }
    let bytes: Bytes = if plan.start == plan.end {
        Bytes::new()
    } else {
        match storage
            .op
            .read_with(&path)
            .range(plan.start..plan.end)
            .await
        {
            Ok(buffer) => buffer.to_bytes(),
            Err(e) if e.kind() == ErrorKind::NotFound => {
                return text(StatusCode::NOT_FOUND, format!("no object {path}"))
            }
            Err(e) => {
                warn!(path, error = %e, "storage endpoint: read failed");
                return text(StatusCode::BAD_GATEWAY, format!("storage: {e}"));
            }
        }
    };
    if bytes.len() as u64 != plan.end - plan.start {
        // The object changed between stat and read: the headers would lie.
        return text(
            StatusCode::SERVICE_UNAVAILABLE,
            format!("{path} changed while it was read; try again"),
        );
    }
    respond(plan, Body::from(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn range(v: &str, len: u64) -> Wanted {
        let mut h = HeaderMap::new();
        h.insert(header::RANGE, HeaderValue::from_str(v).unwrap());
        wanted(&h, len)
    }

    #[test]
    fn ranges_parse() {
        use Wanted::*;
        assert_eq!(wanted(&HeaderMap::new(), 10), Whole);
        assert_eq!(range("bytes=0-3", 10), Part { start: 0, end: 4 });
        assert_eq!(range("bytes=4-", 10), Part { start: 4, end: 10 });
        assert_eq!(range("bytes=4-100", 10), Part { start: 4, end: 10 });
        assert_eq!(range("bytes=-3", 10), Part { start: 7, end: 10 });
        assert_eq!(range("bytes=-30", 10), Part { start: 0, end: 10 });
        assert_eq!(range("bytes=10-", 10), Unsatisfiable);
        assert_eq!(range("bytes=-0", 10), Unsatisfiable);
        assert_eq!(range("bytes=0-", 0), Unsatisfiable);
        // Ignored, per RFC 9110: malformed, reversed, several ranges, other units.
        for v in [
            "bytes=5-2",
            "bytes=0-1,4-5",
            "items=0-1",
            "bytes=a-b",
            "bytes=-",
            "bytes=+1-2",
        ] {
            assert_eq!(range(v, 10), Whole, "{v}");
        }
    }

    #[test]
    fn paths_are_checked() {
        assert!(check_path("assets/a/00000000.frag").is_ok());
        for bad in [
            "",
            "/etc/passwd",
            "a/../b",
            "..",
            "a//b",
            "a/",
            "./a",
            "a\\b",
            "a\nb",
        ] {
            assert!(check_path(bad).is_err(), "{bad:?}");
        }
    }
}
