//! Storage: an OpenDAL [`Operator`] chosen by configuration or URI, with retries, timeouts and
//! logging added as layers (never written into call sites), and the few object operations the
//! uploader, the downloader and the relayer share (manifests, fragments, cfrags; see
//! [`crate::layout`]).
//!
//! URIs ([`StorageConfig::parse`]):
//!
//! | URI | backend |
//! | --- | --- |
//! | `fs:///var/lib/twinshare`, `/abs/path`, `./rel`, `~/x` | `fs`: a local folder (the embedded default) |
//! | `memory` or `memory://` | `memory`: in-process, empty at start (tests) |
//! | `s3://bucket[/root][?endpoint=..&region=..]` | `s3`: credentials, endpoint and region default to `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_REGION`, `AWS_ENDPOINT_URL` |
//! | `<scheme>://[name][/root][?key=value..]` or a bare `<scheme>` | any other OpenDAL service of this build, configured by its options map |
//!
//! Extra options (`--storage-opt key=value`) are added to the URI's query options.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use opendal::layers::{
    LoggingInterceptor, LoggingLayer, RetryEvent, RetryInterceptor, RetryLayer, TimeoutLayer,
};
use opendal::raw::Operation;
use opendal::raw::ServiceInfo;
use opendal::{ErrorKind, Operator, OperatorRegistry};
use twinshare_crypto::sharing::decode_cfrags;
use twinshare_crypto::{CapsuleFrag, Manifest};

use crate::error::{Error, Result};
use crate::layout::{AssetId, SaleId};

/// How failed storage operations are retried: exponential backoff from `min_delay`, doubling,
/// capped at `max_delay`, at most `max_times` retries of a temporary error (connection refused,
/// 5xx, timeouts). The defaults give up on an unreachable backend after about 3 seconds.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RetryPolicy {
    pub max_times: usize,
    pub min_delay: Duration,
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_times: 4,
            min_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(2),
        }
    }
}

/// A storage backend: OpenDAL scheme, URI and options, plus the cross-cutting policies.
#[derive(Clone, Debug)]
pub struct StorageConfig {
    scheme: String,
    uri: String,
    options: BTreeMap<String, String>,
    pub retry: RetryPolicy,
    /// Deadline of one non-streaming operation (stat, delete, list page).
    pub timeout: Duration,
    /// Deadline of one read or write call on an object body.
    pub io_timeout: Duration,
}

/// Option keys whose values never appear in descriptions or logs.
const SECRET_KEYS: &[&str] = &[
    "secret_access_key",
    "aws_secret_access_key",
    "session_token",
    "aws_session_token",
    "password",
    "token",
    "access_token",
    "credential",
];

fn default_policies(
    scheme: String,
    uri: String,
    options: BTreeMap<String, String>,
) -> StorageConfig {
    StorageConfig {
        scheme,
        uri,
        options,
        retry: RetryPolicy::default(),
        timeout: Duration::from_secs(30),
        io_timeout: Duration::from_secs(60),
    }
}

fn expand_home(path: &str) -> PathBuf {
    match (path.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) => Path::new(&home).join(rest),
        _ => PathBuf::from(path),
    }
}

impl StorageConfig {
    /// A local folder (created on first write).
    pub fn fs(root: impl AsRef<Path>) -> Self {
        let root = root.as_ref().to_string_lossy().into_owned();
        let mut options = BTreeMap::new();
        options.insert("root".to_string(), root);
        default_policies("fs".into(), "fs".into(), options)
    }

    /// An empty in-process store; every [`StorageConfig::build`] makes a new one.
    pub fn memory() -> Self {
        default_policies("memory".into(), "memory".into(), BTreeMap::new())
    }

    /// An S3 bucket. Endpoint, region and credentials not set with [`StorageConfig::option`]
    /// come from the environment (`AWS_ENDPOINT_URL`, `AWS_REGION`, `AWS_ACCESS_KEY_ID`,
    /// `AWS_SECRET_ACCESS_KEY`) when the operator is built.
    pub fn s3(bucket: &str) -> Self {
        let mut options = BTreeMap::new();
        options.insert("bucket".to_string(), bucket.to_string());
        default_policies("s3".into(), "s3".into(), options)
    }

    /// Parses a storage URI (see the module documentation).
    pub fn parse(uri: &str) -> Result<Self> {
        let uri = uri.trim();
        if uri.is_empty() {
            return Err(Error::StorageConfig {
                reason: "an empty storage URI".into(),
            });
        }
        if uri.starts_with('/')
            || uri.starts_with("./")
            || uri.starts_with("../")
            || uri.starts_with("~/")
        {
            return Ok(Self::fs(expand_home(uri)));
        }
        let Some((scheme, rest)) = uri.split_once("://") else {
            // A bare scheme: `memory`, `fs` (needs a root option), `s3` (needs a bucket).
            let scheme = uri.to_ascii_lowercase();
            if !scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            {
                return Err(Error::StorageConfig {
                    reason: format!(
                        "{uri:?} is neither a URI (scheme://...) nor a path (/..., ./..., ~/...)"
                    ),
                });
            }
            return Ok(default_policies(scheme.clone(), scheme, BTreeMap::new()));
        };
        let scheme = scheme.to_ascii_lowercase();
        match scheme.as_str() {
            "fs" | "file" => {
                let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
                let options = parse_query(query)?;
                let root = match options.iter().find(|(k, _)| k == "root") {
                    Some((_, root)) => root.clone(),
                    None if !path.is_empty() => path.to_string(),
                    None => {
                        return Err(Error::StorageConfig {
                            reason: "fs:// needs a folder, e.g. fs:///var/lib/twinshare".into(),
                        })
                    }
                };
                let mut cfg = Self::fs(expand_home(&root));
                for (k, v) in options.into_iter().filter(|(k, _)| k != "root") {
                    cfg = cfg.option(k, v);
                }
                Ok(cfg)
            }
            "memory" => {
                let (_, query) = rest.split_once('?').unwrap_or((rest, ""));
                let mut cfg = Self::memory();
                for (k, v) in parse_query(query)? {
                    cfg = cfg.option(k, v);
                }
                Ok(cfg)
            }
            _ => {
                // OpenDAL's own URI parser reads name, root and query options for every other
                // service (s3 included); the URI is kept and handed to it when building.
                opendal::OperatorUri::new(uri, Vec::<(String, String)>::new()).map_err(|e| {
                    Error::StorageConfig {
                        reason: format!("{uri:?}: {e}"),
                    }
                })?;
                Ok(default_policies(scheme, uri.to_string(), BTreeMap::new()))
            }
        }
    }

    /// Adds (or replaces) one service option, e.g. `endpoint`, `region`, `root`.
    pub fn option(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.options
            .insert(key.into().to_ascii_lowercase(), value.into());
        self
    }

    pub fn with_retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    pub fn with_timeouts(mut self, timeout: Duration, io_timeout: Duration) -> Self {
        self.timeout = timeout;
        self.io_timeout = io_timeout;
        self
    }

    pub fn scheme(&self) -> &str {
        &self.scheme
    }

    /// A description without secrets, e.g. `s3://bucket (endpoint=http://127.0.0.1:9000)`:
    /// for messages, and to tell upload journals of different backends apart.
    pub fn describe(&self) -> String {
        let mut out = if self.uri == self.scheme {
            self.scheme.clone()
        } else {
            strip_query(&self.uri)
        };
        let shown: Vec<String> = self
            .options
            .iter()
            .filter(|(k, _)| !SECRET_KEYS.contains(&k.as_str()) && !k.contains("secret"))
            .filter(|(k, _)| k.as_str() != "access_key_id" && k.as_str() != "aws_access_key_id")
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        if !shown.is_empty() {
            out.push_str(&format!(" ({})", shown.join(", ")));
        }
        out
    }

    /// The options handed to OpenDAL: the configured ones, plus environment defaults for s3.
    fn effective_options(&self) -> BTreeMap<String, String> {
        let mut options = self.options.clone();
        if self.scheme == "s3" {
            let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
            let mut default = |key: &str, value: Option<String>| {
                if let Some(value) = value {
                    options.entry(key.to_string()).or_insert(value);
                }
            };
            default("endpoint", env("AWS_ENDPOINT_URL"));
            default(
                "region",
                env("AWS_REGION")
                    .or_else(|| env("AWS_DEFAULT_REGION"))
                    .or_else(|| Some("us-east-1".to_string())),
            );
            default("access_key_id", env("AWS_ACCESS_KEY_ID"));
            default("secret_access_key", env("AWS_SECRET_ACCESS_KEY"));
            default("session_token", env("AWS_SESSION_TOKEN"));
            // Never ask the cloud metadata endpoint for credentials.
            default("disable_ec2_metadata", Some("true".to_string()));
        }
        options
    }

    /// Builds the operator with its layers: timeouts inside retries (a timed-out attempt is
    /// retried), logging inside both (each attempt is logged, through `tracing`).
    pub fn build(&self) -> Result<Operator> {
        opendal::install_default();
        let registry = OperatorRegistry::get();
        let schemes = registry.schemes();
        if !schemes.contains(&self.scheme) {
            let mut available: Vec<String> = schemes.into_iter().collect();
            available.sort();
            return Err(Error::UnknownScheme {
                scheme: self.scheme.clone(),
                available: available.join(", "),
            });
        }
        let options = self.effective_options();
        let op =
            Operator::from_uri((self.uri.as_str(), options)).map_err(|e| Error::StorageConfig {
                reason: format!("{}: {e}", self.describe()),
            })?;
        let retry = RetryLayer::new()
            .with_max_times(self.retry.max_times)
            .with_min_delay(self.retry.min_delay)
            .with_max_delay(self.retry.max_delay)
            .with_factor(2.0)
            .with_jitter()
            .with_notify(TracingRetry);
        Ok(op
            .layer(LoggingLayer::new(TracingLogger))
            .layer(
                TimeoutLayer::new()
                    .with_timeout(self.timeout)
                    .with_io_timeout(self.io_timeout),
            )
            .layer(retry))
    }
}

/// The URI without its query and without a `user:password@` part.
fn strip_query(uri: &str) -> String {
    let base = uri.split_once('?').map_or(uri, |(base, _)| base);
    match base.split_once("://") {
        Some((scheme, rest)) => {
            let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
            match authority.rsplit_once('@') {
                Some((_, host)) => format!("{scheme}://***@{host}{path}"),
                None => base.to_string(),
            }
        }
        None => base.to_string(),
    }
}

fn parse_query(query: &str) -> Result<Vec<(String, String)>> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| match pair.split_once('=') {
            Some((k, v)) if !k.is_empty() => Ok((k.to_string(), v.to_string())),
            _ => Err(Error::StorageConfig {
                reason: format!("option {pair:?} is not key=value"),
            }),
        })
        .collect()
}

/// OpenDAL's per-operation log lines, as `tracing` events (target `opendal`): operations at
/// debug, failures at debug too (the caller reports them; a missing object is often expected).
#[derive(Clone, Copy, Debug, Default)]
pub struct TracingLogger;

impl LoggingInterceptor for TracingLogger {
    fn log(
        &self,
        info: &ServiceInfo,
        operation: Operation,
        context: &[(&str, &str)],
        message: &str,
        err: Option<&opendal::Error>,
    ) {
        let ctx: String = context.iter().map(|(k, v)| format!(" {k}={v}")).collect();
        match err {
            Some(err) => tracing::debug!(
                target: "opendal",
                service = info.scheme(),
                "{operation}{ctx} {message}: {err}"
            ),
            None => tracing::trace!(
                target: "opendal",
                service = info.scheme(),
                "{operation}{ctx} {message}"
            ),
        }
    }
}

/// Each retry as a `tracing` warning: a slow backend says why it is slow.
#[derive(Clone, Copy, Debug, Default)]
pub struct TracingRetry;

impl RetryInterceptor for TracingRetry {
    fn intercept(&self, event: RetryEvent<'_>) {
        tracing::warn!(
            target: "opendal",
            "storage {} failed (attempt {}), retrying in {:.1}s: {}",
            event.op,
            event.attempt,
            event.retry_after.as_secs_f64(),
            event.err
        );
    }
}

/// A short name of the operator's backend for error messages: `s3:bucket`, `fs:/data`.
pub fn backend_name(op: &Operator) -> String {
    let info = op.info();
    let name = info.name();
    let root = info.root();
    match (name.is_empty(), root.is_empty()) {
        (true, true) => info.scheme().to_string(),
        (true, false) => format!("{}:{root}", info.scheme()),
        (false, _) => format!("{}:{name}", info.scheme()),
    }
}

pub(crate) fn storage_error(
    op: &Operator,
    action: &'static str,
    path: &str,
    source: opendal::Error,
) -> Error {
    Error::Storage {
        backend: backend_name(op),
        action,
        path: path.to_string(),
        source: Box::new(source),
    }
}

/// Reads an object whole; `Ok(None)` when it does not exist.
pub async fn read_optional(op: &Operator, path: &str) -> Result<Option<Vec<u8>>> {
    match op.read(path).await {
        Ok(buf) => Ok(Some(buf.to_vec())),
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
        Err(e) => Err(storage_error(op, "read", path, e)),
    }
}

/// Writes an object whole (one PUT on object stores).
pub async fn write(op: &Operator, path: &str, bytes: Vec<u8>) -> Result<()> {
    op.write(path, bytes)
        .await
        .map(|_| ())
        .map_err(|e| storage_error(op, "write", path, e))
}

/// Whether an object exists.
pub async fn exists(op: &Operator, path: &str) -> Result<bool> {
    match op.stat(path).await {
        Ok(_) => Ok(true),
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(false),
        Err(e) => Err(storage_error(op, "stat", path, e)),
    }
}

/// Deletes an object (a missing one is not an error).
pub async fn delete(op: &Operator, path: &str) -> Result<()> {
    op.delete(path)
        .await
        .map_err(|e| storage_error(op, "delete", path, e))
}

/// Reads and checks an asset's manifest: missing is [`Error::ManifestNotFound`], an unknown
/// version or a malformed manifest is [`Error::Manifest`].
pub async fn read_manifest(op: &Operator, asset: &AssetId) -> Result<Manifest> {
    let locator = asset.manifest_path();
    let bytes = read_optional(op, &locator)
        .await?
        .ok_or_else(|| Error::ManifestNotFound {
            locator: locator.clone(),
            backend: backend_name(op),
        })?;
    let text = std::str::from_utf8(&bytes).map_err(|e| Error::Manifest {
        locator: locator.clone(),
        source: twinshare_crypto::CryptoError::ManifestJson {
            reason: format!("not UTF-8: {e}"),
        },
    })?;
    Manifest::from_json(text).map_err(|source| Error::Manifest { locator, source })
}

/// Stores the cfrags of one sale next to the asset (the relayer's delivery); returns the
/// locator.
pub async fn put_cfrags(
    op: &Operator,
    asset: &AssetId,
    sale: &SaleId,
    encoded: Vec<u8>,
) -> Result<String> {
    let path = asset.cfrags_path(sale);
    write(op, &path, encoded).await?;
    Ok(path)
}

/// Reads and decodes the cfrags of one sale (still to be verified by the buyer).
pub async fn get_cfrags(op: &Operator, asset: &AssetId, sale: &SaleId) -> Result<Vec<CapsuleFrag>> {
    let path = asset.cfrags_path(sale);
    let bytes = read_optional(op, &path)
        .await?
        .ok_or_else(|| Error::Storage {
            backend: backend_name(op),
            action: "read",
            path: path.clone(),
            source: Box::new(opendal::Error::new(
                ErrorKind::NotFound,
                "no cfrags stored for this sale",
            )),
        })?;
    Ok(decode_cfrags(&bytes)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_uris() {
        let c = StorageConfig::parse("fs:///tmp/x").unwrap();
        assert_eq!(c.scheme(), "fs");
        assert_eq!(c.options["root"], "/tmp/x");
        let c = StorageConfig::parse("/data/store").unwrap();
        assert_eq!(
            (c.scheme(), c.options["root"].as_str()),
            ("fs", "/data/store")
        );
        assert_eq!(StorageConfig::parse("memory").unwrap().scheme(), "memory");
        assert_eq!(
            StorageConfig::parse("memory://").unwrap().scheme(),
            "memory"
        );
        let c = StorageConfig::parse("s3://bucket/root?endpoint=http://127.0.0.1:9").unwrap();
        assert_eq!(c.scheme(), "s3");
        assert_eq!(c.describe(), "s3://bucket/root");
        let c = c
            .option("secret_access_key", "hunter2")
            .option("region", "eu");
        assert!(!c.describe().contains("hunter2"));
        assert!(c.describe().contains("region=eu"));
        let c = StorageConfig::parse("webdav://me:pw@host/dav?token=t").unwrap();
        assert_eq!(c.describe(), "webdav://***@host/dav");
        assert!(StorageConfig::parse("").is_err());
        assert!(StorageConfig::parse("fs://").is_err());
        assert!(StorageConfig::parse("a b").is_err());
        assert!(StorageConfig::parse("fs:///x?novalue").is_err());
    }

    #[test]
    fn unknown_scheme_is_named() {
        let err = StorageConfig::parse("nosuch://x")
            .unwrap()
            .build()
            .unwrap_err();
        match err {
            Error::UnknownScheme { scheme, available } => {
                assert_eq!(scheme, "nosuch");
                assert!(
                    available.contains("fs") && available.contains("s3"),
                    "{available}"
                );
            }
            other => panic!("{other}"),
        }
    }

    #[tokio::test]
    async fn memory_round_trip() {
        let op = StorageConfig::memory().build().unwrap();
        assert_eq!(read_optional(&op, "a/b").await.unwrap(), None);
        assert!(!exists(&op, "a/b").await.unwrap());
        write(&op, "a/b", b"xyz".to_vec()).await.unwrap();
        assert_eq!(read_optional(&op, "a/b").await.unwrap().unwrap(), b"xyz");
        assert!(exists(&op, "a/b").await.unwrap());
        delete(&op, "a/b").await.unwrap();
        assert!(!exists(&op, "a/b").await.unwrap());
    }
}
