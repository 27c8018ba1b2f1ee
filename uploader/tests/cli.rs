//! The binary: exit codes, `--output json` shapes, the key file made on first use, the whole
//! sale (grant, re-encrypt, buyer download) and S3 configured from the environment.

mod common;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use assert_cmd::Command;
use common::{distinctive, S3Server, ACCESS_KEY, BUCKET, SECRET_KEY};
use serde_json::Value;

/// A sandbox: HOME, storage and inputs in one temporary folder; no variable of the caller's
/// environment leaks in.
struct Sandbox {
    dir: tempfile::TempDir,
}

const SCRUBBED: &[&str] = &[
    "XDG_CONFIG_HOME",
    "XDG_DATA_HOME",
    "XDG_STATE_HOME",
    "TWINSHARE_SEED",
    "TWINSHARE_STORAGE",
    "TWINSHARE_DATA",
    "TWINSHARE_KEY_FILE",
    "TWINSHARE_JOURNAL_DIR",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_ENDPOINT_URL",
    "AWS_PROFILE",
    "RUST_LOG",
];

impl Sandbox {
    fn new() -> Self {
        Self {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn home(&self) -> PathBuf {
        self.dir.path().join("home")
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn storage(&self) -> String {
        format!("fs://{}", self.path("storage").display())
    }

    fn write(&self, name: &str, data: &[u8]) -> PathBuf {
        let p = self.path(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, data).unwrap();
        p
    }

    /// The binary with HOME in the sandbox and the sandbox's fs storage.
    fn cmd(&self) -> Command {
        let mut cmd = Command::cargo_bin("twinshare-uploader").unwrap();
        for var in SCRUBBED {
            cmd.env_remove(var);
        }
        cmd.env("HOME", self.home())
            .env("TWINSHARE_STORAGE", self.storage())
            .current_dir(self.dir.path())
            .timeout(Duration::from_secs(60));
        cmd
    }

    fn seed_file(&self, name: &str, byte: u8) -> PathBuf {
        self.write(name, format!("{}\n", hex::encode([byte; 32])).as_bytes())
    }
}

fn json_lines(out: &[u8]) -> Vec<Value> {
    String::from_utf8_lossy(out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l:?}: {e}")))
        .collect()
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn is_hex(v: &Value, len: usize) -> bool {
    v.as_str()
        .is_some_and(|s| s.len() == len && s.chars().all(|c| c.is_ascii_hexdigit()))
}

fn upload_json(sb: &Sandbox, args: &[&str]) -> Value {
    let out = sb
        .cmd()
        .args(["--output", "json", "--key-file", "owner.key", "upload"])
        .args(args)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let mut lines = json_lines(&out.stdout);
    assert_eq!(lines.len(), 1);
    lines.remove(0)
}

#[test]
fn help_teaches_with_examples() {
    let sb = Sandbox::new();
    let out = sb.cmd().arg("--help").output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    for needle in [
        "Examples:",
        "upload",
        "download",
        "keys",
        "grant",
        "reencrypt",
        "--storage",
        "--output",
    ] {
        assert!(text.contains(needle), "--help lacks {needle}:\n{text}");
    }
    let out = sb.cmd().args(["upload", "--help"]).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("--fragment-size") && text.contains("resum"),
        "{text}"
    );
    // A usage error is clap's exit code 2.
    sb.cmd().arg("upload").assert().code(2);
}

#[test]
fn key_file_is_created_on_first_use() {
    let sb = Sandbox::new();
    let out = sb
        .cmd()
        .args(["--output", "json", "keys", "show"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("created a new master key"),
        "{}",
        stderr(&out)
    );
    let key_file = sb.home().join(".config/twinshare/master.key");
    assert!(key_file.is_file());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key_file).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    let keys = &json_lines(&out.stdout)[0];
    for k in ["receiving", "verifying", "relayer"] {
        assert!(is_hex(&keys[k], 66), "{keys}");
    }

    // Second use: the same keys, nothing created.
    let out = sb
        .cmd()
        .args(["--output", "json", "keys", "show", "--asset-id", "a1"])
        .output()
        .unwrap();
    assert!(!stderr(&out).contains("created"));
    let again = &json_lines(&out.stdout)[0];
    assert_eq!(again["receiving"], keys["receiving"]);
    assert!(is_hex(&again["delegating"], 66));
    assert_eq!(again["asset_id"], "a1");

    // TWINSHARE_SEED wins over the default file.
    let out = sb
        .cmd()
        .env("TWINSHARE_SEED", hex::encode([7u8; 32]))
        .args(["--output", "json", "keys", "show"])
        .output()
        .unwrap();
    assert_ne!(json_lines(&out.stdout)[0]["receiving"], keys["receiving"]);
}

#[test]
fn upload_and_download_json_shapes_and_round_trip() {
    let sb = Sandbox::new();
    sb.seed_file("owner.key", 1);
    let data = distinctive(50_000);
    sb.write("in.bin", &data);
    let up = upload_json(
        &sb,
        &["in.bin", "--fragment-size", "8KiB", "--asset-id", "cli-1"],
    );
    assert_eq!(up["asset_id"], "cli-1");
    assert_eq!(up["manifest"], "assets/cli-1/manifest.json");
    assert_eq!(up["input"], "in.bin");
    assert!(is_hex(&up["root"], 64), "{up}");
    assert_eq!(up["size"], 50_000);
    assert_eq!(up["fragments"], 7);
    assert_eq!(up["fragments_stored"], 7);
    assert_eq!(up["fragments_skipped"], 0);
    assert_eq!(up["resumed"], false);
    assert!(sb.path("storage/assets/cli-1/00000006.frag").is_file());
    // The journal is local, under the state folder.
    assert!(sb.home().join(".local/state/twinshare/uploads").is_dir());

    let root = up["root"].as_str().unwrap();
    let out = sb
        .cmd()
        .args(["--output", "json", "--key-file", "owner.key", "download"])
        .args([
            "assets/cli-1/manifest.json",
            "-o",
            "out.bin",
            "--expect-root",
            root,
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let down = &json_lines(&out.stdout)[0];
    assert_eq!(down["root"], up["root"]);
    assert_eq!(down["asset_id"], "cli-1");
    assert_eq!(down["size"], 50_000);
    assert!(down["output"].as_str().unwrap().ends_with("out.bin"));
    assert_eq!(std::fs::read(sb.path("out.bin")).unwrap(), data);

    // The same upload again: everything already stored, nothing sealed again.
    let again = upload_json(
        &sb,
        &["in.bin", "--fragment-size", "8KiB", "--asset-id", "cli-1"],
    );
    assert_eq!(again["fragments_skipped"], 7);
    assert_eq!(again["root"], up["root"]);

    // Text output: locator, root, input.
    let out = sb
        .cmd()
        .args([
            "--key-file",
            "owner.key",
            "upload",
            "in.bin",
            "--no-journal",
            "--fragment-size",
            "8KiB",
        ])
        .output()
        .unwrap();
    let line = String::from_utf8_lossy(&out.stdout);
    let fields: Vec<&str> = line.trim_end().split('\t').collect();
    assert_eq!(fields.len(), 3, "{line:?}");
    assert!(fields[0].starts_with("assets/") && fields[0].ends_with("/manifest.json"));
    assert_eq!(fields[1], root);
}

#[test]
fn stdin_to_stdout() {
    let sb = Sandbox::new();
    sb.seed_file("owner.key", 1);
    let data = distinctive(20_000);
    let out = sb
        .cmd()
        .args([
            "--output",
            "json",
            "--key-file",
            "owner.key",
            "upload",
            "-",
            "--fragment-size",
            "4096",
        ])
        .write_stdin(data.clone())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let up = &json_lines(&out.stdout)[0];
    assert_eq!(up["input"], "-");
    assert_eq!(up["fragments"], 5);
    let out = sb
        .cmd()
        .args(["--key-file", "owner.key", "--quiet", "download"])
        .arg(up["asset_id"].as_str().unwrap())
        .args(["-o", "-"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(out.stdout, data);
}

#[test]
fn folder_prints_one_line_per_file() {
    let sb = Sandbox::new();
    sb.seed_file("owner.key", 1);
    sb.write("dir/z.bin", &distinctive(10));
    sb.write("dir/a.bin", &distinctive(20));
    sb.write("dir/sub/m.bin", &distinctive(30));
    let out = sb
        .cmd()
        .args([
            "--output",
            "json",
            "--key-file",
            "owner.key",
            "upload",
            "dir",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let inputs: Vec<String> = json_lines(&out.stdout)
        .iter()
        .map(|v| v["input"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(inputs, ["dir/a.bin", "dir/sub/m.bin", "dir/z.bin"]);
}

fn fails_with(cmd: &mut Command, needle: &str) -> String {
    let out = cmd.output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "stdout {:?}",
        String::from_utf8_lossy(&out.stdout)
    );
    let err = stderr(&out);
    assert!(err.contains(needle), "expected {needle:?} in {err:?}");
    err
}

#[test]
fn bad_input_fails_clearly_with_exit_code_1() {
    let sb = Sandbox::new();
    sb.seed_file("owner.key", 1);
    sb.seed_file("other.key", 2);
    sb.write("in.bin", &distinctive(30_000));

    fails_with(
        sb.cmd()
            .args(["--key-file", "owner.key", "upload", "missing.bin"]),
        "missing.bin does not exist",
    );
    fails_with(
        sb.cmd().args([
            "--storage",
            "warp://x",
            "--key-file",
            "owner.key",
            "upload",
            "in.bin",
        ]),
        "unknown storage scheme \"warp\"",
    );
    fails_with(
        sb.cmd().args(["--key-file", "nokey.key", "keys", "show"]),
        "nokey.key does not exist",
    );
    fails_with(
        sb.cmd()
            .env("TWINSHARE_SEED", "abcd")
            .args(["keys", "show"]),
        "expected 32",
    );

    let up = upload_json(
        &sb,
        &["in.bin", "--fragment-size", "4KiB", "--asset-id", "bad-1"],
    );
    let root = up["root"].as_str().unwrap().to_string();

    fails_with(
        sb.cmd().args([
            "--key-file",
            "other.key",
            "download",
            "bad-1",
            "-o",
            "x.bin",
        ]),
        "does not open asset bad-1",
    );
    fails_with(
        sb.cmd()
            .args([
                "--key-file",
                "owner.key",
                "download",
                "bad-1",
                "-o",
                "x.bin",
                "--expect-root",
            ])
            .arg("00".repeat(32)),
        "root mismatch",
    );
    fails_with(
        sb.cmd().args([
            "--key-file",
            "owner.key",
            "download",
            "nothing",
            "-o",
            "x.bin",
        ]),
        "no manifest at assets/nothing/manifest.json",
    );

    // A corrupted fragment is named, and no output (nor temporary file) is left.
    let frag = sb.path("storage/assets/bad-1/00000003.frag");
    let mut bytes = std::fs::read(&frag).unwrap();
    bytes[50] ^= 0x80;
    std::fs::write(&frag, bytes).unwrap();
    std::fs::create_dir(sb.path("outdir")).unwrap();
    fails_with(
        sb.cmd().args([
            "--key-file",
            "owner.key",
            "download",
            "bad-1",
            "-o",
            "outdir/y.bin",
            "--expect-root",
            &root,
        ]),
        "fragment 3 at assets/bad-1/00000003.frag is corrupt",
    );
    assert_eq!(std::fs::read_dir(sb.path("outdir")).unwrap().count(), 0);

    // A missing fragment is named.
    std::fs::remove_file(&frag).unwrap();
    fails_with(
        sb.cmd().args([
            "--key-file",
            "owner.key",
            "download",
            "bad-1",
            "-o",
            "outdir/y.bin",
        ]),
        "fragment 3 is missing",
    );
    assert_eq!(std::fs::read_dir(sb.path("outdir")).unwrap().count(), 0);

    // A manifest of an unknown version.
    let manifest = sb.path("storage/assets/bad-1/manifest.json");
    let text = std::fs::read_to_string(&manifest).unwrap();
    std::fs::write(
        &manifest,
        text.replacen("\"version\": 1", "\"version\": 9", 1),
    )
    .unwrap();
    fails_with(
        sb.cmd().args([
            "--key-file",
            "owner.key",
            "download",
            "bad-1",
            "-o",
            "z.bin",
        ]),
        "unknown manifest version 9",
    );
}

#[test]
fn unreachable_backend_fails_after_bounded_retries() {
    let sb = Sandbox::new();
    sb.seed_file("owner.key", 1);
    sb.write("in.bin", b"data");
    let started = Instant::now();
    let err = fails_with(
        sb.cmd()
            .env("AWS_ACCESS_KEY_ID", "k")
            .env("AWS_SECRET_ACCESS_KEY", "s")
            .args(["--storage"])
            .arg(format!(
                "s3://b?endpoint=http://127.0.0.1:{}",
                common::closed_port()
            ))
            .args([
                "--retries",
                "1",
                "--key-file",
                "owner.key",
                "upload",
                "in.bin",
            ]),
        "storage s3",
    );
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    assert!(err.to_lowercase().contains("connect"), "{err}");
    // The cause appears once, not once per layer of the error chain.
    assert_eq!(err.matches("Connection refused").count(), 1, "{err}");
}

#[test]
fn sale_grant_reencrypt_buyer_download() {
    let sb = Sandbox::new();
    sb.seed_file("owner.key", 1);
    sb.seed_file("buyer.key", 2);
    sb.seed_file("relayer.key", 3);
    let data = distinctive(40_000);
    sb.write("twin.bin", &data);
    let up = upload_json(
        &sb,
        &[
            "twin.bin",
            "--fragment-size",
            "16KiB",
            "--asset-id",
            "sold-1",
        ],
    );

    let keys = |file: &str| {
        let out = sb
            .cmd()
            .args(["--output", "json", "--key-file", file, "keys", "show"])
            .output()
            .unwrap();
        json_lines(&out.stdout).remove(0)
    };
    let buyer = keys("buyer.key");
    let relayer = keys("relayer.key");
    let owner = keys("owner.key");

    let out = sb
        .cmd()
        .args([
            "--output",
            "json",
            "--key-file",
            "owner.key",
            "grant",
            "--asset-id",
            "sold-1",
        ])
        .args(["--buyer-key", buyer["receiving"].as_str().unwrap()])
        .args(["--relayer-key", relayer["relayer"].as_str().unwrap()])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let kfrags = json_lines(&out.stdout)[0]["kfrags"]
        .as_str()
        .unwrap()
        .to_string();
    sb.write("kfrags.hex", kfrags.as_bytes());

    let out = sb
        .cmd()
        .args([
            "--output",
            "json",
            "--key-file",
            "relayer.key",
            "reencrypt",
            "--asset-id",
            "sold-1",
            "--sale-id",
            "9",
        ])
        .args([
            "--kfrags",
            "@kfrags.hex",
            "--buyer-key",
            buyer["receiving"].as_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        json_lines(&out.stdout)[0]["cfrags"],
        "assets/sold-1/cfrags/9.bin"
    );

    let out = sb
        .cmd()
        .args([
            "--key-file",
            "buyer.key",
            "download",
            "sold-1",
            "--sale-id",
            "9",
            "-o",
            "bought.bin",
        ])
        .args(["--expect-root", up["root"].as_str().unwrap()])
        .args([
            "--owner-verifying-key",
            owner["verifying"].as_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(std::fs::read(sb.path("bought.bin")).unwrap(), data);

    // Cfrags from a file work the same; another party's key does not.
    std::fs::copy(
        sb.path("storage/assets/sold-1/cfrags/9.bin"),
        sb.path("c.bin"),
    )
    .unwrap();
    sb.cmd()
        .args([
            "--key-file",
            "buyer.key",
            "download",
            "sold-1",
            "--cfrags-file",
            "c.bin",
            "-o",
            "b2.bin",
        ])
        .assert()
        .success();
    fails_with(
        sb.cmd().args([
            "--key-file",
            "relayer.key",
            "download",
            "sold-1",
            "--sale-id",
            "9",
            "-o",
            "b3.bin",
        ]),
        "does not open asset sold-1",
    );
    assert!(!sb.path("b3.bin").exists());
}

#[test]
fn s3_from_environment_variables() {
    let server = S3Server::start();
    let sb = Sandbox::new();
    sb.seed_file("owner.key", 1);
    let data = distinctive(30_000);
    sb.write("in.bin", &data);
    let s3 = |cmd: &mut Command| {
        cmd.env("AWS_ACCESS_KEY_ID", ACCESS_KEY)
            .env("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
            .env("AWS_ENDPOINT_URL", &server.endpoint)
            .env("AWS_REGION", "us-east-1")
            .env("TWINSHARE_STORAGE", format!("s3://{BUCKET}/twinshare"));
    };
    let mut cmd = sb.cmd();
    s3(&mut cmd);
    let out = cmd
        .args([
            "--output",
            "json",
            "--key-file",
            "owner.key",
            "upload",
            "in.bin",
            "--fragment-size",
            "8KiB",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let up = &json_lines(&out.stdout)[0];
    assert!(
        !sb.path("storage").exists(),
        "nothing went to the fs default"
    );
    assert!(server_has_objects(server.dir.path()));

    let mut cmd = sb.cmd();
    s3(&mut cmd);
    cmd.args([
        "--key-file",
        "owner.key",
        "download",
        up["asset_id"].as_str().unwrap(),
        "-o",
        "out.bin",
    ])
    .assert()
    .success();
    assert_eq!(std::fs::read(sb.path("out.bin")).unwrap(), data);
}

fn server_has_objects(dir: &Path) -> bool {
    std::fs::read_dir(dir)
        .map(|d| d.count() > 1)
        .unwrap_or(false)
}
