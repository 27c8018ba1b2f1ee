//! The storage endpoint (`storage_http`) over a real `fs` operator in a temporary folder,
//! through a real listener and raw HTTP/1.1 (a client library would normalise the `..` paths
//! this must refuse): GET, HEAD, ranges, 416, 413, traversal, CORS, 404; and beside `/healthz`
//! in the daemon's own server.

use std::collections::HashMap;
use std::sync::Arc;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use twinshare_relayer::db::Store;
use twinshare_relayer::lane::{Lane, LaneConfig};
use twinshare_relayer::metrics::Metrics;
use twinshare_relayer::storage_http::router;
use twinshare_relayer::supervisor::Shared;
use twinshare_relayer::Shutdown;
use twinshare_uploader::StorageConfig;

const MAX: u64 = 4096;

struct Answer {
    code: u16,
    headers: HashMap<String, String>,
    body: Vec<u8>,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(String::as_str)
    }
}

/// One request on a fresh connection; `Connection: close` so the answer ends at EOF.
async fn request(addr: &str, method: &str, path: &str, headers: &[(&str, &str)]) -> Answer {
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let mut req = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    stream.write_all(req.as_bytes()).await.unwrap();
    let mut bytes = Vec::new();
    stream.read_to_end(&mut bytes).await.unwrap();
    let split = bytes
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("an HTTP head");
    let head = String::from_utf8(bytes[..split].to_vec()).unwrap();
    let mut lines = head.split("\r\n");
    let code = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    Answer {
        code,
        headers,
        body: bytes[split + 4..].to_vec(),
    }
}

fn data(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 7 % 256) as u8).collect()
}

/// A storage folder with a manifest, a fragment and an object over the limit, and a secret file
/// beside (outside) the storage root; the endpoint serving it.
async fn start() -> (tempfile::TempDir, String, Shutdown) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("storage");
    std::fs::create_dir_all(root.join("assets/a/cfrags")).unwrap();
    std::fs::write(root.join("assets/a/manifest.json"), br#"{"version":1}"#).unwrap();
    std::fs::write(root.join("assets/a/00000000.frag"), data(1000)).unwrap();
    std::fs::write(root.join("assets/a/big.bin"), data(MAX as usize + 1)).unwrap();
    std::fs::write(dir.path().join("secret"), b"not for the web").unwrap();
    let op = StorageConfig::fs(&root).build().unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let shutdown = Shutdown::new();
    let wait = shutdown.clone();
    tokio::spawn(async move {
        axum::serve(listener, router(op, MAX))
            .with_graceful_shutdown(async move { wait.wait().await })
            .await
            .unwrap();
    });
    (dir, addr, shutdown)
}

fn assert_cors(a: &Answer) {
    assert_eq!(a.header("access-control-allow-origin"), Some("*"));
    let exposed = a.header("access-control-expose-headers").unwrap_or("");
    for h in ["Content-Length", "Content-Range", "Accept-Ranges"] {
        assert!(exposed.contains(h), "{h} not exposed: {exposed}");
    }
}

#[tokio::test]
async fn get_and_head_serve_whole_objects() {
    let (_dir, addr, shutdown) = start().await;
    let a = request(&addr, "GET", "/storage/v1/assets/a/manifest.json", &[]).await;
    assert_eq!(a.code, 200);
    assert_eq!(a.body, br#"{"version":1}"#);
    assert_eq!(a.header("content-type"), Some("application/json"));
    assert_eq!(a.header("content-length"), Some("13"));
    assert_eq!(a.header("accept-ranges"), Some("bytes"));
    assert_cors(&a);

    let a = request(&addr, "GET", "/storage/v1/assets/a/00000000.frag", &[]).await;
    assert_eq!((a.code, a.body.clone()), (200, data(1000)));
    assert_eq!(a.header("content-type"), Some("application/octet-stream"));

    let a = request(&addr, "HEAD", "/storage/v1/assets/a/00000000.frag", &[]).await;
    assert_eq!(a.code, 200);
    assert_eq!(a.header("content-length"), Some("1000"));
    assert!(a.body.is_empty());
    assert_cors(&a);
    shutdown.trigger();
}

#[tokio::test]
async fn ranges_are_served_and_checked() {
    let (_dir, addr, shutdown) = start().await;
    let frag = "/storage/v1/assets/a/00000000.frag";
    let a = request(&addr, "GET", frag, &[("Range", "bytes=10-19")]).await;
    assert_eq!(a.code, 206);
    assert_eq!(a.body, data(1000)[10..20]);
    assert_eq!(a.header("content-range"), Some("bytes 10-19/1000"));
    assert_eq!(a.header("content-length"), Some("10"));
    assert_cors(&a);

    let a = request(&addr, "GET", frag, &[("Range", "bytes=-5")]).await;
    assert_eq!((a.code, a.body.clone()), (206, data(1000)[995..].to_vec()));
    assert_eq!(a.header("content-range"), Some("bytes 995-999/1000"));

    let a = request(&addr, "GET", frag, &[("Range", "bytes=990-5000")]).await;
    assert_eq!((a.code, a.body.len()), (206, 10));

    let a = request(&addr, "HEAD", frag, &[("Range", "bytes=0-99")]).await;
    assert_eq!(a.code, 206);
    assert_eq!(a.header("content-length"), Some("100"));
    assert!(a.body.is_empty());

    // Starts past the end: 416, with the size.
    let a = request(&addr, "GET", frag, &[("Range", "bytes=1000-")]).await;
    assert_eq!(a.code, 416);
    assert_eq!(a.header("content-range"), Some("bytes */1000"));
    assert_cors(&a);

    // Several ranges: ignored (RFC 9110 allows it), the whole object.
    let a = request(&addr, "GET", frag, &[("Range", "bytes=0-1,5-6")]).await;
    assert_eq!((a.code, a.body.len()), (200, 1000));
    shutdown.trigger();
}

#[tokio::test]
async fn responses_over_the_limit_are_413_but_ranges_of_them_work() {
    let (_dir, addr, shutdown) = start().await;
    let big = "/storage/v1/assets/a/big.bin";
    let a = request(&addr, "GET", big, &[]).await;
    assert_eq!(a.code, 413);
    assert!(String::from_utf8_lossy(&a.body).contains("fetch it in ranges"));
    assert_cors(&a);
    let a = request(
        &addr,
        "GET",
        big,
        &[("Range", &format!("bytes=0-{}", MAX - 1))],
    )
    .await;
    assert_eq!(a.code, 206);
    assert_eq!(a.body, data(MAX as usize + 1)[..MAX as usize]);
    let a = request(&addr, "GET", big, &[("Range", &format!("bytes={MAX}-"))]).await;
    assert_eq!((a.code, a.body.len()), (206, 1));
    shutdown.trigger();
}

#[tokio::test]
async fn traversal_and_odd_paths_are_refused() {
    let (_dir, addr, shutdown) = start().await;
    for path in [
        "/storage/v1/../secret",
        "/storage/v1/assets/../../secret",
        "/storage/v1/assets/%2e%2e/%2e%2e/secret",
        "/storage/v1/%2Fetc%2Fpasswd",
        "/storage/v1//etc/passwd",
        "/storage/v1/assets//a/manifest.json",
        "/storage/v1/assets/./a/manifest.json",
        "/storage/v1/assets/a/",
        "/storage/v1/assets%5Ca%5Cmanifest.json",
    ] {
        let a = request(&addr, "GET", path, &[]).await;
        assert_eq!(a.code, 400, "{path}: {}", String::from_utf8_lossy(&a.body));
        assert!(!String::from_utf8_lossy(&a.body).contains("not for the web"));
        assert_cors(&a);
    }
    // No listing.
    for path in ["/storage/v1/", "/storage/v1"] {
        assert_eq!(request(&addr, "GET", path, &[]).await.code, 400, "{path}");
    }
    shutdown.trigger();
}

#[tokio::test]
async fn unknown_objects_and_folders_are_404_other_methods_405() {
    let (_dir, addr, shutdown) = start().await;
    let a = request(&addr, "GET", "/storage/v1/assets/a/00000001.frag", &[]).await;
    assert_eq!(a.code, 404);
    assert_cors(&a);
    assert_eq!(
        request(&addr, "HEAD", "/storage/v1/assets/b/manifest.json", &[])
            .await
            .code,
        404
    );
    // A folder is not an object.
    assert_eq!(
        request(&addr, "GET", "/storage/v1/assets/a", &[])
            .await
            .code,
        404
    );
    assert_eq!(
        request(&addr, "GET", "/storage/v1/assets/a/cfrags", &[])
            .await
            .code,
        404
    );
    for method in ["POST", "PUT", "DELETE"] {
        let a = request(&addr, method, "/storage/v1/assets/a/manifest.json", &[]).await;
        assert_eq!(a.code, 405, "{method}");
    }
    shutdown.trigger();
}

#[tokio::test]
async fn cors_preflight_allows_ranged_reads() {
    let (_dir, addr, shutdown) = start().await;
    let a = request(
        &addr,
        "OPTIONS",
        "/storage/v1/assets/a/00000000.frag",
        &[
            ("Origin", "http://127.0.0.1:5173"),
            ("Access-Control-Request-Method", "GET"),
            ("Access-Control-Request-Headers", "range"),
        ],
    )
    .await;
    assert_eq!(a.code, 204);
    assert_eq!(a.header("access-control-allow-origin"), Some("*"));
    assert!(a
        .header("access-control-allow-methods")
        .unwrap()
        .contains("GET"));
    assert!(a
        .header("access-control-allow-methods")
        .unwrap()
        .contains("HEAD"));
    assert_eq!(a.header("access-control-allow-headers"), Some("Range"));
    shutdown.trigger();
}

/// Merged into the daemon's server, beside `/healthz`.
#[tokio::test]
async fn served_beside_the_daemon_endpoints() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("s/assets/x")).unwrap();
    std::fs::write(dir.path().join("s/assets/x/manifest.json"), b"{}").unwrap();
    let op = StorageConfig::fs(dir.path().join("s")).build().unwrap();
    let store = Arc::new(Store::open(&dir.path().join("r.redb")).unwrap());
    let shutdown = Shutdown::new();
    let shared = Arc::new(Shared::new(
        store,
        Arc::new(Metrics::new()),
        Lane::new(LaneConfig::default()),
        shutdown.clone(),
    ));
    let (addr, task) = twinshare_relayer::http::serve_with(
        "127.0.0.1:0",
        shared,
        router(op, MAX),
        shutdown.clone(),
    )
    .await
    .unwrap();
    let addr = addr.to_string();
    let a = request(&addr, "GET", "/storage/v1/assets/x/manifest.json", &[]).await;
    assert_eq!((a.code, a.body), (200, b"{}".to_vec()));
    // The daemon's own routes are there and carry no CORS headers.
    let a = request(&addr, "GET", "/healthz", &[]).await;
    assert_eq!(a.code, 503);
    assert_eq!(a.header("access-control-allow-origin"), None);
    shutdown.trigger();
    task.await.unwrap();
}
