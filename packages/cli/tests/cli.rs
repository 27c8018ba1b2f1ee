//! The binary without a chain: keys (encrypted, wrong password, DEV ONLY flags), configuration,
//! `--help`, and the error a missing chain gives.

use assert_cmd::Command;
use std::path::{Path, PathBuf};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The binary with a private home and no inherited TwinShare settings.
fn twinshare(home: &Path) -> Command {
    let mut cmd = Command::cargo_bin("twinshare").expect("binary");
    for var in [
        "TWINSHARE_DEPLOYMENT",
        "TWINSHARE_FROM",
        "TWINSHARE_PASSWORD",
        "TWINSHARE_STORAGE",
        "TWINSHARE_CONFIG",
    ] {
        cmd.env_remove(var);
    }
    cmd.env("TWINSHARE_HOME", home.join("home"))
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_STATE_HOME", home.join("state"))
        .current_dir(home);
    cmd
}

fn json(out: &[u8]) -> serde_json::Value {
    serde_json::from_slice(out)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(out)))
}

#[test]
fn encrypted_keys_refuse_a_wrong_password() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = twinshare(dir.path())
        .args(["keys", "add", "carol", "--words", "12", "--output", "json"])
        .env("TWINSHARE_PASSWORD", "right horse")
        .assert()
        .success();
    let added = json(&out.get_output().stdout);
    let mnemonic = added["mnemonic"].as_str().expect("mnemonic").to_string();
    assert_eq!(mnemonic.split_whitespace().count(), 12);
    assert_eq!(added["encrypted"], true);
    let file = std::fs::read_to_string(dir.path().join("home/keys/carol.json")).expect("key file");
    assert!(!file.contains(&mnemonic), "the mnemonic is in clear");

    let out = twinshare(dir.path())
        .args(["keys", "export", "carol"])
        .env("TWINSHARE_PASSWORD", "wrong horse")
        .assert()
        .failure();
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(stderr.contains("wrong password"), "{stderr}");

    let pw = dir.path().join("pw");
    std::fs::write(&pw, "right horse\n").expect("pw");
    let out = twinshare(dir.path())
        .args(["keys", "export", "carol", "--password-file"])
        .arg(&pw)
        .assert()
        .success();
    assert_eq!(
        String::from_utf8_lossy(&out.get_output().stdout).trim(),
        mnemonic
    );

    // No password source and no terminal: a clear error, not a hang.
    let out = twinshare(dir.path())
        .args(["keys", "add", "dave"])
        .assert()
        .failure();
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(stderr.contains("--unencrypted"), "{stderr}");
}

#[test]
fn dev_keys_are_flagged_and_listed() {
    let dir = tempfile::tempdir().expect("tempdir");
    twinshare(dir.path())
        .args(["keys", "import-dev"])
        .assert()
        .success();
    // Importing again keeps them.
    twinshare(dir.path())
        .args(["keys", "import", "--dev-accounts"])
        .arg(repo().join("localnet/dev-accounts.json"))
        .assert()
        .success();
    twinshare(dir.path())
        .args(["keys", "add", "scratch", "--unencrypted"])
        .assert()
        .success();
    let out = twinshare(dir.path())
        .args(["keys", "list"])
        .assert()
        .success();
    let text = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    assert!(text.contains("alice"), "{text}");
    assert!(text.contains("DEV ONLY"), "{text}");
    let out = twinshare(dir.path())
        .args(["keys", "list", "--output", "json"])
        .assert()
        .success();
    let keys = json(&out.get_output().stdout);
    let keys = keys.as_array().expect("list");
    let alice = keys.iter().find(|k| k["name"] == "alice").expect("alice");
    assert_eq!(alice["dev_account"], true);
    assert_eq!(alice["encrypted"], false);
    assert_eq!(
        alice["address"],
        "wasm1vlv6cwf7zjaua6gmx6xcgl2yjuqlhe5chevkcs"
    );
    let scratch = keys
        .iter()
        .find(|k| k["name"] == "scratch")
        .expect("scratch");
    assert_eq!(scratch["dev_account"], false);
    assert!(scratch["flag"].as_str().expect("flag").contains("DEV ONLY"));
    let out = twinshare(dir.path())
        .args(["keys", "show", "bob", "--output", "json"])
        .assert()
        .success();
    let bob = json(&out.get_output().stdout);
    assert_eq!(
        bob["public_keys"]["verifying"].as_str().expect("key").len(),
        66
    );
}

#[test]
fn config_imports_a_deployment_and_an_unreachable_chain_says_what_to_do() {
    let dir = tempfile::tempdir().expect("tempdir");
    let fixture = repo().join("packages/client/tests/fixtures/deployment.json");
    let mut deployment: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&fixture).expect("fixture")).expect("json");
    // Nothing listens on port 9.
    deployment["rpc"] = "http://127.0.0.1:9".into();
    let path = dir.path().join("deployment.json");
    std::fs::write(&path, deployment.to_string()).expect("write");
    twinshare(dir.path())
        .args(["config", "import"])
        .arg(&path)
        .assert()
        .success();
    let out = twinshare(dir.path())
        .args(["config", "show", "--output", "json"])
        .assert()
        .success();
    let shown = json(&out.get_output().stdout);
    assert_eq!(shown["network"]["rpc"], "http://127.0.0.1:9");
    assert_eq!(shown["network_source"]["kind"], "config_network");

    let out = twinshare(dir.path()).args(["status"]).assert().failure();
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(stderr.contains("cannot reach the node"), "{stderr}");
    assert!(stderr.contains("localnet/start.sh"), "{stderr}");
    let out = twinshare(dir.path())
        .args(["status", "--output", "json"])
        .assert()
        .failure();
    assert!(json(&out.get_output().stdout)["error"]
        .as_str()
        .expect("error")
        .contains("localnet/start.sh"));
}

#[test]
fn no_network_anywhere_is_explained() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = twinshare(dir.path()).args(["assets"]).assert().failure();
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(stderr.contains("no network configured"), "{stderr}");
    assert!(stderr.contains("localnet/deploy.sh"), "{stderr}");
}

#[test]
fn help_teaches() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = twinshare(dir.path()).args(["--help"]).assert().success();
    let text = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    assert!(text.contains("twinshare demo"), "{text}");
    let out = twinshare(dir.path())
        .args(["buy", "--help"])
        .assert()
        .success();
    let text = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    assert!(text.contains("Examples:"), "{text}");
    assert!(text.contains("twinshare --from bob buy 3"), "{text}");
}
