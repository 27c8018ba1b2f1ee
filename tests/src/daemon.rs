//! The relayer daemon with its anchoring service, as a child process of a test: its own config,
//! database folder, listeners on free loopback ports, and an escrow of the test's own (so it
//! never relays other tests' sales on the shared escrow). Killed when dropped.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use twinshare_stream::AnchorClient;

use crate::{relayer_bin, repo};

/// A child process killed (and reaped) when dropped, so a failing test leaves nothing behind.
pub struct Proc {
    pub name: &'static str,
    pub child: Child,
    pub log: PathBuf,
}

impl Proc {
    pub fn alive(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// SIGKILL (`kill -9`) and reap.
    pub fn kill9(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        self.kill9();
    }
}

/// A free loopback port.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

/// A daemon with the anchoring service: where it lives and how to reach it.
pub struct AnchorDaemon {
    pub dir: PathBuf,
    pub config: PathBuf,
    pub anchor: String,
    pub channel: String,
    pub proc: Proc,
    restarts: u32,
}

impl AnchorDaemon {
    /// Writes the config (dev `relayer` account, `escrow`, `storage`, database in `dir`, the
    /// `[anchor]` section with `channel` and the `anchor_extra` lines) and starts the daemon.
    pub fn start(
        dir: &Path,
        deployment: &Path,
        escrow: &str,
        storage: &str,
        channel: &str,
        anchor_extra: &str,
    ) -> AnchorDaemon {
        std::fs::create_dir_all(dir).expect("daemon folder");
        let anchor = format!("127.0.0.1:{}", free_port());
        let text = format!(
            "[chain]\ndeployment = {dep:?}\nescrow = {escrow:?}\nsweep_interval_secs = 5\n\
             [relayer]\ndev_accounts = {dev:?}\n\
             [storage]\nuri = {storage:?}\n\
             [db]\npath = {db:?}\n\
             [http]\nlisten = {http:?}\n\
             [daemon]\nshutdown_grace_secs = 2\n\
             [anchor]\nlisten = {anchor:?}\nchannel = {channel:?}\n{anchor_extra}\n",
            dep = deployment.display().to_string(),
            dev = repo()
                .join("localnet/dev-accounts.json")
                .display()
                .to_string(),
            db = dir.join("relayer.redb").display().to_string(),
            http = format!("127.0.0.1:{}", free_port()),
        );
        let config = dir.join("relayer.toml");
        std::fs::write(&config, text).expect("relayer config");
        let proc = spawn(&config, &dir.join("relayer-0.log"));
        AnchorDaemon {
            dir: dir.to_path_buf(),
            config,
            anchor,
            channel: channel.to_string(),
            proc,
            restarts: 0,
        }
    }

    pub fn client(&self) -> AnchorClient {
        AnchorClient::new(&self.anchor).expect("anchor client")
    }

    /// Waits until the anchoring API answers `/status`.
    pub async fn wait_ready(&mut self, timeout: Duration) {
        let client = self.client();
        let started = Instant::now();
        loop {
            if client.status().await.is_ok() {
                return;
            }
            assert!(
                self.proc.alive(),
                "the relayer exited; its log:\n{}",
                self.proc.log_text()
            );
            assert!(
                started.elapsed() < timeout,
                "the anchoring API does not answer after {timeout:?}; the relayer's log:\n{}",
                self.proc.log_text()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// `kill -9`, then a new daemon on the same config and database (a new log file).
    pub fn kill9_and_restart(&mut self) {
        self.proc.kill9();
        self.restarts += 1;
        let log = self.dir.join(format!("relayer-{}.log", self.restarts));
        self.proc = spawn(&self.config, &log);
    }

    /// Every log so far.
    pub fn logs(&self) -> String {
        (0..=self.restarts)
            .map(|i| {
                std::fs::read_to_string(self.dir.join(format!("relayer-{i}.log")))
                    .unwrap_or_default()
            })
            .collect::<Vec<_>>()
            .join("\n--- restart ---\n")
    }
}

/// Starts `twinshare-relayer --config CONFIG run`, its log to `log`.
pub fn spawn(config: &Path, log: &Path) -> Proc {
    let file = std::fs::File::create(log).expect("relayer log");
    let child = Command::new(relayer_bin())
        .arg("--config")
        .arg(config)
        .arg("run")
        .env("RUST_LOG", "info,opendal=warn,tendermint_rpc=warn")
        .env_remove("TWINSHARE_RELAYER_MNEMONIC")
        .env_remove("TWINSHARE_RELAYER_CONFIG")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(file)
        .spawn()
        .expect("start twinshare-relayer");
    Proc {
        name: "relayer",
        child,
        log: log.to_path_buf(),
    }
}
