//! `twinshare bench share` runs end to end on the localnet (a smoke run: two small rounds).
//! The bench itself prints figures; this only checks that it produces them, its CSV and its SVG.

use twinshare_e2e::{num, Cli, Localnet};

#[tokio::test]
async fn the_fig8_bench_runs_and_writes_its_figures() {
    let net = Localnet::connect().await;
    net.ensure_provider().await;
    let cli = Cli::new(&net.deployment_path);
    let help = cli.run(&["bench", "share", "--help"]);
    assert!(help.ok() && help.stdout().contains("Examples:"));
    let out = cli.path("bench");
    let b = cli.json(&[
        "bench",
        "share",
        "--sensors",
        "1-2",
        "--records",
        "2",
        "--file-size",
        "8KiB",
        "--floor-samples",
        "2",
        "--out-dir",
        out.to_str().expect("path"),
    ]);
    let rounds = b["rounds"].as_array().expect("rounds");
    assert_eq!(rounds.len(), 2);
    for (k, r) in rounds.iter().enumerate() {
        assert_eq!(num(&r["sensors"]) as usize, k + 1);
        assert_eq!(num(&r["samples"]) as usize, 2 * (k + 1));
        let p50 = r["total"]["p50_ms"].as_f64().expect("p50");
        assert!(p50 > 0.0 && p50 <= r["total"]["p95_ms"].as_f64().expect("p95"));
    }
    assert!(b["floor"]["floor_ms"].as_f64().expect("floor") > 0.0);
    let samples = std::fs::read_to_string(out.join("share-samples.csv")).expect("samples");
    assert_eq!(samples.lines().count(), 1 + 2 + 4);
    let summary = std::fs::read_to_string(out.join("share-summary.csv")).expect("summary");
    assert_eq!(summary.lines().count(), 1 + 2);
    let svg = std::fs::read_to_string(out.join("fig8-share-latency.svg")).expect("svg");
    assert!(svg.contains("<svg") && svg.contains("p50"));
    // A usage error is clap's (exit code 2), before anything runs.
    let bad = cli.run(&["bench", "share", "--sensors", "0"]);
    assert_eq!(bad.output.status.code(), Some(2));
    assert!(
        bad.stderr().contains("sensor counts go from 1"),
        "{}",
        bad.stderr()
    );
}
