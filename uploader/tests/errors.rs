//! Bad input gets a clear, typed error: unknown scheme, missing or unreadable input, empty
//! input, bad options, and an unreachable backend that fails within bounded time.

mod common;

use std::time::{Duration, Instant};

use common::{distinctive, master, s3_config, Backend, Kind};
use twinshare_uploader::{
    AssetId, DownloadOptions, Downloader, Error, NoProgress, Opener, RetryPolicy, StorageConfig,
    UploadOptions, Uploader,
};

#[test]
fn unknown_scheme_names_the_scheme_and_the_known_ones() {
    let err = StorageConfig::parse("nosuchstore://bucket/x")
        .unwrap()
        .build()
        .unwrap_err();
    assert!(matches!(&err, Error::UnknownScheme { scheme, .. } if scheme == "nosuchstore"));
    let text = err.to_string();
    assert!(
        text.contains("nosuchstore") && text.contains("fs") && text.contains("s3"),
        "{text}"
    );
    assert!(StorageConfig::parse("not a uri").is_err());
}

#[test]
fn other_services_are_reached_by_scheme_and_options() {
    // The generic path (`Operator::via_iter`-style): scheme plus an options map.
    let dir = tempfile::tempdir().unwrap();
    let uri = format!("file://?root={}", dir.path().display());
    let config = StorageConfig::parse(&uri).unwrap();
    assert_eq!(config.scheme(), "fs");
    assert!(config
        .describe()
        .contains(&dir.path().display().to_string()));
    assert!(config.build().is_ok());
    let config = StorageConfig::parse("memory").unwrap().option("root", "/x");
    assert!(config.build().is_ok());
}

#[tokio::test]
async fn missing_unreadable_and_empty_inputs() {
    let b = Backend::new(Kind::Memory);
    let up = Uploader::new(b.op.clone(), master(1), b.options(1024)).unwrap();

    let missing = b.path("nope.bin");
    let err = up
        .upload_file(&missing, None, &NoProgress)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::InputNotFound { path } if path == &missing),
        "{err}"
    );
    assert!(err.to_string().contains("nope.bin does not exist"));

    // A path through a regular file: not readable as a path (works as root too).
    let file = b.write_input("plain.txt", b"x");
    let err = up
        .upload_file(&file.join("child"), None, &NoProgress)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InputUnreadable { .. }), "{err}");

    let empty = b.write_input("empty.bin", b"");
    let err = up.upload_file(&empty, None, &NoProgress).await.unwrap_err();
    assert!(matches!(err, Error::EmptyInput { .. }), "{err}");
    let err = up
        .upload_reader(&b""[..], "-", None, None, &NoProgress)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::EmptyInput { .. }), "{err}");

    // Nothing reached storage.
    assert!(b.all_objects().await.is_empty());
}

#[test]
fn bad_options_are_refused() {
    let op = StorageConfig::memory().build().unwrap();
    for size in [0, (1 << 30) + 1] {
        let options = UploadOptions {
            fragment_size: size,
            ..UploadOptions::default()
        };
        assert!(matches!(
            Uploader::new(op.clone(), master(1), options),
            Err(Error::InvalidFragmentSize { .. })
        ));
    }
    assert!(AssetId::new("../etc").is_err());
    assert!(twinshare_uploader::download::parse_root("abcd").is_err());
}

/// An S3 endpoint on a closed loopback port: the first request fails after the configured
/// retries, well within a few seconds, naming the backend and the cause.
#[tokio::test]
async fn unreachable_backend_fails_within_bounded_time() {
    let endpoint = format!("http://127.0.0.1:{}", common::closed_port());
    let config = s3_config(&endpoint).with_retry(RetryPolicy {
        max_times: 2,
        min_delay: Duration::from_millis(50),
        max_delay: Duration::from_millis(200),
    });
    let op = config.build().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.bin");
    std::fs::write(&input, distinctive(5000)).unwrap();

    let started = Instant::now();
    let up = Uploader::new(op.clone(), master(1), UploadOptions::default()).unwrap();
    let err = up.upload_file(&input, None, &NoProgress).await.unwrap_err();
    let took = started.elapsed();
    assert!(took < Duration::from_secs(5), "took {took:?}");
    assert!(matches!(err, Error::Storage { .. }), "{err}");
    let text = format!("{err} {:?}", std::error::Error::source(&err));
    assert!(
        text.contains("s3") && text.to_lowercase().contains("connect"),
        "{text}"
    );

    let started = Instant::now();
    let err = Downloader::new(op, DownloadOptions::default())
        .download_to_writer(
            &AssetId::new("a").unwrap(),
            Opener::Owner(master(1)),
            &mut Vec::new(),
            &NoProgress,
        )
        .await
        .unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(matches!(err, Error::Storage { .. }), "{err}");
}

/// The journal lives locally (mode 0600), holds the plaintext hashes, and never in storage.
#[tokio::test]
async fn journal_is_local_and_private() {
    let b = Backend::new(Kind::Fs);
    let data = distinctive(3000);
    let input = b.write_input("in.bin", &data);
    let up = Uploader::new(b.op.clone(), master(1), b.options(1024)).unwrap();
    let report = up.upload_file(&input, None, &NoProgress).await.unwrap();
    let journals: Vec<_> = walk(&b.journal_dir);
    assert_eq!(journals.len(), 1, "{journals:?}");
    let text = std::fs::read_to_string(&journals[0]).unwrap();
    let leaf = hex::encode(report.plaintext_hashes[0]);
    assert!(text.contains(&leaf), "the journal records plaintext hashes");
    assert!(text.contains("\"kind\":\"complete\""));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&journals[0])
            .unwrap()
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(mode, 0o600);
    }
    for (path, bytes) in b.all_objects().await {
        assert!(!String::from_utf8_lossy(&bytes).contains(&leaf), "{path}");
    }
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}
