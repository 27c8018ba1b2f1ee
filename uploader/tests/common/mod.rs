//! Test harness: the three backends (fs in a temporary folder, memory, and a real S3-compatible
//! server, `s3s-fs`, started on a free loopback port), a layer that counts (and can fail)
//! puts, and helpers.

#![allow(dead_code)]

use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use opendal::raw::*;
use opendal::{Capability, Error, ErrorKind, OperationContext, Operator};
use twinshare_crypto::MasterKey;
use twinshare_uploader::{JournalStore, StorageConfig, UploadOptions};

pub const S3S_FS_VERSION: &str = "0.14.1";
pub const ACCESS_KEY: &str = "twinshare-test";
pub const SECRET_KEY: &str = "twinshare-test-secret";
pub const BUCKET: &str = "twins";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Fs,
    Memory,
    S3,
}

/// Where the s3s-fs binary is: `$S3S_FS`, the cache `scripts/tools.sh` installs into, or PATH.
pub fn find_s3s_fs() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("S3S_FS").map(PathBuf::from) {
        return p.is_file().then_some(p);
    }
    let cache = std::env::var_os("TWINSHARE_CACHE")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/twinshare")));
    if let Some(cache) = cache {
        let p = cache.join(format!("s3s-fs-{S3S_FS_VERSION}/bin/s3s-fs"));
        if p.is_file() {
            return Some(p);
        }
    }
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join("s3s-fs"))
            .find(|p| p.is_file())
    })
}

fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
    listener.local_addr().expect("local address").port()
}

/// A closed loopback port: bound, then released; nothing listens there.
pub fn closed_port() -> u16 {
    free_port()
}

/// A running s3s-fs on loopback, killed on drop.
pub struct S3Server {
    child: Child,
    pub dir: tempfile::TempDir,
    pub endpoint: String,
}

impl S3Server {
    pub fn start() -> Self {
        let bin = find_s3s_fs().unwrap_or_else(|| {
            panic!(
                "s3s-fs {S3S_FS_VERSION} not found (looked at $S3S_FS, \
                 ~/.cache/twinshare/s3s-fs-{S3S_FS_VERSION}/bin/s3s-fs and PATH): \
                 run `bash scripts/tools.sh` to install it"
            )
        });
        let dir = tempfile::tempdir().expect("temporary folder");
        // s3s-fs maps buckets to top-level folders: this creates the bucket.
        std::fs::create_dir(dir.path().join(BUCKET)).expect("bucket folder");
        for _attempt in 0..5 {
            let port = free_port();
            let mut child = Command::new(&bin)
                .args(["--host", "127.0.0.1", "--port", &port.to_string()])
                .args(["--access-key", ACCESS_KEY, "--secret-key", SECRET_KEY])
                .arg(dir.path())
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("start s3s-fs");
            let deadline = Instant::now() + Duration::from_secs(10);
            loop {
                if TcpStream::connect(("127.0.0.1", port)).is_ok() {
                    return Self {
                        child,
                        dir,
                        endpoint: format!("http://127.0.0.1:{port}"),
                    };
                }
                if let Ok(Some(_)) = child.try_wait() {
                    break; // lost the port to someone else: try another
                }
                if Instant::now() > deadline {
                    let _ = child.kill();
                    let _ = child.wait();
                    panic!("s3s-fs did not answer on 127.0.0.1:{port} within 10 s");
                }
                std::thread::sleep(Duration::from_millis(25));
            }
        }
        panic!("s3s-fs could not start on a free loopback port");
    }

    pub fn config(&self) -> StorageConfig {
        s3_config(&self.endpoint)
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn s3_config(endpoint: &str) -> StorageConfig {
    StorageConfig::s3(BUCKET)
        .option("endpoint", endpoint)
        .option("region", "us-east-1")
        .option("access_key_id", ACCESS_KEY)
        .option("secret_access_key", SECRET_KEY)
        .option("disable_config_load", "true")
}

/// One backend for one test, with the local folders the test needs.
pub struct Backend {
    pub kind: Kind,
    pub config: StorageConfig,
    pub op: Operator,
    pub server: Option<S3Server>,
    /// Storage root for fs; scratch space (inputs, outputs, journals) for all.
    pub scratch: tempfile::TempDir,
    pub journal_dir: PathBuf,
}

impl Backend {
    pub fn new(service: Kind) -> Self {
        let scratch = tempfile::tempdir().expect("temporary folder");
        let (config, server) = match service {
            Kind::Fs => (StorageConfig::fs(scratch.path().join("storage")), None),
            Kind::Memory => (StorageConfig::memory(), None),
            Kind::S3 => {
                let server = S3Server::start();
                (server.config(), Some(server))
            }
        };
        let op = config.build().expect("build the operator");
        let journal_dir = scratch.path().join("journals");
        Self {
            kind: service,
            config,
            op,
            server,
            scratch,
            journal_dir,
        }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.scratch.path().join(name)
    }

    pub fn write_input(&self, name: &str, data: &[u8]) -> PathBuf {
        let p = self.path(name);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).expect("input folder");
        }
        std::fs::write(&p, data).expect("write input");
        p
    }

    /// Options with small fragments and a journal in the scratch folder.
    pub fn options(&self, fragment_size: usize) -> UploadOptions {
        UploadOptions {
            fragment_size,
            in_flight: 4,
            journal: Some(JournalStore::new(&self.journal_dir)),
            storage_label: self.config.describe(),
        }
    }

    /// Every stored object, path and bytes.
    pub async fn all_objects(&self) -> Vec<(String, Vec<u8>)> {
        let entries = self
            .op
            .list_with("")
            .recursive(true)
            .await
            .expect("list storage");
        let mut out = Vec::new();
        for e in entries {
            if e.metadata().is_file() {
                let bytes = self.op.read(e.path()).await.expect("read object").to_vec();
                out.push((e.path().to_string(), bytes));
            }
        }
        out.sort();
        out
    }
}

pub fn master(byte: u8) -> MasterKey {
    MasterKey::from_seed(&[byte; 32]).expect("seed")
}

/// Distinctive, non-repeating content: every 32-byte window is unique (a counter mixed with
/// text), so a leak of any window into storage is detectable.
pub fn distinctive(len: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(len + 64);
    let mut i: u64 = 0;
    while out.len() < len {
        out.extend_from_slice(
            format!(
                "weld-robot-A sample {i:012} torque={} ;",
                i * 7919 % 100_003
            )
            .as_bytes(),
        );
        i += 1;
    }
    out.truncate(len);
    out
}

/// Counts the puts an operator makes and can fail every put from the `k`-th on (0-based),
/// with a permanent error (so retries do not hide it).
#[derive(Clone, Debug, Default)]
pub struct PutCounter {
    state: Arc<PutState>,
}

#[derive(Debug)]
struct PutState {
    count: AtomicUsize,
    fail_from: AtomicUsize,
    paths: Mutex<Vec<String>>,
}

impl Default for PutState {
    fn default() -> Self {
        Self {
            count: AtomicUsize::new(0),
            fail_from: AtomicUsize::new(usize::MAX),
            paths: Mutex::new(Vec::new()),
        }
    }
}

impl PutCounter {
    pub fn failing_after(k: usize) -> Self {
        let c = Self::default();
        c.state.fail_from.store(k, Ordering::SeqCst);
        c
    }

    /// Paths of the puts that were let through.
    pub fn puts(&self) -> Vec<String> {
        self.state.paths.lock().expect("lock").clone()
    }
}

impl Layer for PutCounter {
    fn apply_service(&self, inner: Servicer) -> Servicer {
        Arc::new(CountingService {
            inner,
            state: self.state.clone(),
        })
    }
}

#[derive(Debug)]
struct CountingService {
    inner: Servicer,
    state: Arc<PutState>,
}

impl Service for CountingService {
    type Reader = oio::Reader;
    type Writer = oio::Writer;
    type Lister = oio::Lister;
    type Deleter = oio::Deleter;
    type Copier = oio::Copier;
    type Composer = oio::Composer;

    fn info(&self) -> ServiceInfo {
        self.inner.info()
    }

    fn capability(&self) -> Capability {
        self.inner.capability()
    }

    async fn create_dir(
        &self,
        ctx: &OperationContext,
        path: &str,
        args: OpCreateDir,
    ) -> opendal::Result<RpCreateDir> {
        self.inner.create_dir(ctx, path, args).await
    }

    async fn stat(
        &self,
        ctx: &OperationContext,
        path: &str,
        args: OpStat,
    ) -> opendal::Result<RpStat> {
        self.inner.stat(ctx, path, args).await
    }

    fn read(
        &self,
        ctx: &OperationContext,
        path: &str,
        args: OpRead,
    ) -> opendal::Result<Self::Reader> {
        self.inner.read(ctx, path, args)
    }

    fn write(
        &self,
        ctx: &OperationContext,
        path: &str,
        args: OpWrite,
    ) -> opendal::Result<Self::Writer> {
        let n = self.state.count.fetch_add(1, Ordering::SeqCst);
        if n >= self.state.fail_from.load(Ordering::SeqCst) {
            return Err(Error::new(
                ErrorKind::PermissionDenied,
                "injected failure: the storage went away",
            ));
        }
        self.state
            .paths
            .lock()
            .expect("lock")
            .push(path.to_string());
        self.inner.write(ctx, path, args)
    }

    fn delete(&self, ctx: &OperationContext) -> opendal::Result<Self::Deleter> {
        self.inner.delete(ctx)
    }

    fn list(
        &self,
        ctx: &OperationContext,
        path: &str,
        args: OpList,
    ) -> opendal::Result<Self::Lister> {
        self.inner.list(ctx, path, args)
    }

    fn copy(
        &self,
        ctx: &OperationContext,
        from: &str,
        to: &str,
        args: OpCopy,
    ) -> opendal::Result<Self::Copier> {
        self.inner.copy(ctx, from, to, args)
    }

    async fn rename(
        &self,
        ctx: &OperationContext,
        from: &str,
        to: &str,
        args: OpRename,
    ) -> opendal::Result<RpRename> {
        self.inner.rename(ctx, from, to, args).await
    }

    async fn presign(
        &self,
        ctx: &OperationContext,
        path: &str,
        args: OpPresign,
    ) -> opendal::Result<RpPresign> {
        self.inner.presign(ctx, path, args).await
    }
}
