//! `twinshare demo --output json` against the running localnet: `localnet/start.sh &&
//! localnet/deploy.sh` first (scripts/test.sh does it). Without a reachable chain this FAILS,
//! saying so; it never passes silently.

use assert_cmd::Command;
use std::path::{Path, PathBuf};

const START: &str = "run `localnet/start.sh && localnet/deploy.sh` first";

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn twinshare(tmp: &Path) -> Command {
    let mut cmd = Command::cargo_bin("twinshare").expect("binary");
    for var in [
        "TWINSHARE_DEPLOYMENT",
        "TWINSHARE_FROM",
        "TWINSHARE_STORAGE",
        "TWINSHARE_CONFIG",
    ] {
        cmd.env_remove(var);
    }
    // Run from inside the repository: the deployment is found walking up.
    cmd.env("TWINSHARE_HOME", tmp.join("home"))
        .env("XDG_DATA_HOME", tmp.join("data"))
        .env("XDG_STATE_HOME", tmp.join("state"))
        .current_dir(repo().join("packages/cli"));
    cmd
}

#[test]
fn the_demo_runs_the_papers_scenario_on_the_localnet() {
    let tmp = tempfile::tempdir().expect("tempdir");
    assert!(
        repo().join("localnet/deployment.json").is_file(),
        "no localnet/deployment.json; {START}"
    );
    let status = twinshare(tmp.path())
        .args(["status", "--output", "json"])
        .output()
        .expect("run twinshare status");
    assert!(
        status.status.success(),
        "the localnet is not reachable: {}; {START}",
        String::from_utf8_lossy(&status.stderr).trim()
    );

    let out = twinshare(tmp.path())
        // The daemon path is covered by tests/tests/sale_with_relayer_daemon.rs; here the demo
        // relays in process so this test needs only the chain.
        .args([
            "demo",
            "--size",
            "1MiB",
            "--in-process-relayer",
            "--output",
            "json",
        ])
        .output()
        .expect("run twinshare demo");
    assert!(
        out.status.success(),
        "demo failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let s: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "demo output is not JSON ({e}): {}",
            String::from_utf8_lossy(&out.stdout)
        )
    });
    println!(
        "{}",
        serde_json::to_string_pretty(&s["txs"]).unwrap_or_default()
    );

    assert_eq!(s["sale_status"], "confirmed");
    assert_eq!(s["download"]["verified"], true);
    assert_eq!(s["download_matches_original"], true);
    assert_eq!(s["download"]["root"], s["root"]);
    // Either the in-process stand-in or a running relayer daemon delivered.
    assert!(s["relayer_in_process"].is_boolean());

    let int = |v: &serde_json::Value| v.as_i64().unwrap_or_else(|| panic!("not a number: {v}"));
    let price = int(&s["price"]);
    let relayer_fee = int(&s["relayer_fee"]);
    let lease = int(&s["lease_paid"]);
    let fee = int(&s["register_fee"]);
    assert_eq!(
        relayer_fee,
        price * 500 / 10_000,
        "the localnet's relayer fee is 500 bps"
    );
    let delta = &s["balances_delta"];
    assert_eq!(int(&delta["bob"]), -price, "bob pays exactly the price");
    assert_eq!(
        int(&delta["alice"]),
        price - relayer_fee - lease,
        "alice gets the price less the relayer's fee, and pays the lease"
    );
    assert_eq!(
        int(&delta["relayer"]),
        relayer_fee,
        "the relayer gets its fee"
    );
    assert_eq!(
        int(&delta["escrow"]),
        0,
        "the escrow holds nothing after the confirm"
    );
    // Exactly the fee moved to the fee collector in the register tx (its balance may also move
    // with other accounts' records while the demo runs).
    assert_eq!(
        int(&s["register_fee_collected"]),
        fee,
        "the fee collector gets the High record's fee"
    );
    assert!(int(&delta["fee_collector_native"]) >= fee);
    assert_eq!(s["balances_ok"], true);

    // Every execute message was recorded with its gas.
    let txs = s["txs"].as_array().expect("txs");
    let steps: Vec<&str> = txs.iter().filter_map(|t| t["step"].as_str()).collect();
    for step in [
        "register",
        "tokenize",
        "buy",
        "submit_rekey",
        "report_delivery",
        "confirm",
    ] {
        assert!(steps.contains(&step), "no {step} tx in {steps:?}");
    }
    assert!(txs
        .iter()
        .all(|t| int(&t["gas_used"]) > 0 && int(&t["gas_used"]) <= int(&t["gas_wanted"])));

    // The generated file verifies against the chain by itself (`twinshare verify`).
    let sample = s["sample"]["path"].as_str().expect("sample path");
    let out = twinshare(tmp.path())
        .args(["verify", sample, "--output", "json"])
        .output()
        .expect("run twinshare verify");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("verify JSON");
    assert_eq!(v["record"]["id"], s["record_id"]);
    // A changed file does not.
    let changed = tmp.path().join("changed.csv");
    let mut bytes = std::fs::read(sample).expect("sample");
    bytes[100] ^= 1;
    std::fs::write(&changed, bytes).expect("write");
    let out = twinshare(tmp.path())
        .args(["verify"])
        .arg(&changed)
        .output()
        .expect("run twinshare verify");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("not registered"));
}
