//! `twinshare market`: files, JSON, configuration and error messages.

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_twinshare"));
    // No chain, keys or config file are involved: an empty home proves it.
    c.env(
        "TWINSHARE_HOME",
        std::env::temp_dir().join("twinshare-market-test-home"),
    )
    .env_remove("TWINSHARE_CONFIG")
    .arg("market");
    c
}

fn run(args: &[&str]) -> Output {
    bin().args(args).output().expect("the binary runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn json(o: &Output) -> serde_json::Value {
    assert!(o.status.success(), "failed: {}", stderr(o));
    serde_json::from_str(&stdout(o)).expect("valid JSON")
}

#[test]
fn simulate_writes_results_summary_and_figures() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().to_str().unwrap();
    let o = run(&["simulate", "--out-dir", out, "--output", "json"]);
    let v = json(&o);

    let results = std::fs::read_to_string(dir.path().join("results.csv")).unwrap();
    let mut lines = results.lines();
    assert_eq!(
        lines.next(),
        Some("algorithm,budget,price,n_sellers,seller,raw_rate,rate,utility,satisfaction,participates")
    );
    // 3 budgets x (1 + 2 + ... + 15) sellers x (NE + 3 UPS prices).
    assert_eq!(lines.clone().count(), 3 * 120 * 4);
    let first = lines.next().unwrap();
    assert!(first.starts_with("ne,200,,1,1,100,"), "{first}");
    assert!(results
        .lines()
        .any(|l| l.starts_with("ups,400,18,15,15,150,")));

    let summary = std::fs::read_to_string(dir.path().join("summary.csv")).unwrap();
    assert_eq!(summary.lines().count(), 1 + 3 * 15 * 4);
    for f in [
        "fig09_rate_by_price.svg",
        "fig10_rate_by_budget.svg",
        "fig11_profit_by_price.svg",
        "fig12_profit_by_budget.svg",
    ] {
        let svg = std::fs::read_to_string(dir.path().join(f)).unwrap();
        assert!(svg.starts_with("<svg") && svg.contains("ours (NE)") && svg.contains("UPS"));
    }

    let claims = v["claims"].as_array().unwrap();
    let ids: Vec<&str> = claims.iter().map(|c| c["id"].as_str().unwrap()).collect();
    assert_eq!(
        ids,
        [
            "rates_many_sellers",
            "rates_few_sellers",
            "ups_profit_steady",
            "ne_profit_decreasing",
            "social_benefit"
        ]
    );
    assert_eq!(v["markets"].as_array().unwrap().len(), 3 * 15 * 4);
    assert_eq!(v["config"]["params"]["beta1"], 0.7);
}

#[test]
fn simulate_takes_flags_and_a_toml_file() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("market.toml");
    std::fs::write(
        &config,
        "raw_rates = [100, 200, 1000, 500]\nbudgets = [250]\nprices = [15]\n[params]\nu_min = 2\n",
    )
    .unwrap();
    let out = dir.path().join("out");
    let o = run(&[
        "simulate",
        "--params-file",
        config.to_str().unwrap(),
        "--max-sellers",
        "3",
        "--out-dir",
        out.to_str().unwrap(),
        "--no-plots",
        "--output",
        "json",
    ]);
    let v = json(&o);
    assert_eq!(v["config"]["budgets"], serde_json::json!([250.0]));
    assert_eq!(v["config"]["max_sellers"], 3);
    assert_eq!(v["config"]["reference_price"], 15.0);
    assert_eq!(v["config"]["params"]["u_min"], 2.0);
    assert_eq!(v["config"]["params"]["beta2"], 0.1);
    assert!(out.join("results.csv").exists());
    assert!(!out.join("fig09_rate_by_price.svg").exists());

    // A flag beats the file.
    let o = run(&[
        "simulate",
        "--params-file",
        config.to_str().unwrap(),
        "--budgets",
        "300",
        "--out-dir",
        out.to_str().unwrap(),
        "--no-plots",
        "--output",
        "json",
    ]);
    assert_eq!(json(&o)["config"]["budgets"], serde_json::json!([300.0]));

    // Unknown keys are errors, with the key named.
    std::fs::write(&config, "budget = [250]\n").unwrap();
    let o = run(&[
        "simulate",
        "--params-file",
        config.to_str().unwrap(),
        "--out-dir",
        out.to_str().unwrap(),
    ]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("budget"), "{}", stderr(&o));
}

#[test]
fn solve_prints_rates_and_multipliers() {
    let o = run(&[
        "solve",
        "--budget",
        "200",
        "--raw-rates",
        "100,200,1000,500,800,300,600",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(text.contains("converged"), "{text}");
    assert!(text.contains("mu1="), "{text}");
    assert!(text.contains("7 of 7 sellers take part"), "{text}");

    let v = json(&run(&[
        "solve",
        "--budget",
        "200",
        "--raw-rates",
        "100,200,1000",
        "--price",
        "16",
        "--output",
        "json",
    ]));
    assert_eq!(v["equilibrium"]["converged"], true);
    let sellers = v["equilibrium"]["sellers"].as_array().unwrap();
    assert_eq!(sellers.len(), 3);
    // Seller 1 is held at its raw rate 100, with a positive multiplier for r <= R.
    assert_eq!(sellers[0]["rate"], 100.0);
    assert_eq!(sellers[0]["bound"], "raw_rate");
    assert!(sellers[0]["multipliers"]["raw_rate"].as_f64().unwrap() > 0.0);
    let ups = v["ups"].as_array().unwrap();
    assert_eq!(ups[0]["price"], 16.0);
    assert!(ups[0]["welfare"]["total"].is_number());
}

#[test]
fn solve_reads_json_from_stdin_and_reports_non_participants() {
    let mut child = bin()
        .args(["solve", "--input", "-", "--output", "json"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // 30 sellers share 200: not all can earn U_min = 1.
    let rates: Vec<String> = (0..30).map(|_| "500".to_string()).collect();
    let input = format!(
        "{{\"params\": {{\"u_min\": 1}}, \"budget\": 200, \"raw_rates\": [{}]}}",
        rates.join(",")
    );
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let o = child.wait_with_output().unwrap();
    let v = json(&o);
    let eq = &v["equilibrium"];
    let participants = eq["participants"].as_u64().unwrap();
    assert!(participants > 0 && participants < 30);
    let out: Vec<_> = eq["sellers"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["participation"]["status"] != "participates")
        .collect();
    assert_eq!(out.len() as u64, 30 - participants);
    assert!(out.iter().all(|s| s["rate"].is_null()));
}

#[test]
fn bad_parameters_are_explained() {
    let cases: [(&[&str], &str); 7] = [
        (
            &["solve", "--budget", "-5", "--raw-rates", "100"],
            "budget must be greater than 0",
        ),
        (
            &[
                "solve",
                "--budget",
                "200",
                "--raw-rates",
                "100",
                "--ce-min",
                "30",
            ],
            "C_eMin (30) is greater than C_eMax (20)",
        ),
        (
            &["solve", "--budget", "200", "--raw-rates", "100,-1"],
            "R[1] must be a finite number >= 0",
        ),
        (&["solve", "--budget", "200"], "no sellers"),
        (&["solve", "--raw-rates", "100"], "no budget"),
        (
            &[
                "solve",
                "--budget",
                "200",
                "--raw-rates",
                "100",
                "--price",
                "0",
            ],
            "price must be greater than 0",
        ),
        (
            &["simulate", "--reference-price", "99", "--no-plots"],
            "reference price 99 is not one of",
        ),
    ];
    for (args, message) in cases {
        let o = run(args);
        assert!(!o.status.success(), "{args:?} succeeded");
        assert!(stderr(&o).contains(message), "{args:?}: {}", stderr(&o));
    }
    // An empty R from JSON.
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("i.json");
    std::fs::write(&f, r#"{"budget": 200, "raw_rates": []}"#).unwrap();
    let o = run(&["solve", "--input", f.to_str().unwrap()]);
    assert!(
        stderr(&o).contains("raw sampling rates R are empty"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn help_teaches() {
    let o = run(&["--help"]);
    let text = stdout(&o);
    assert!(text.contains("Examples:") && text.contains("simulate") && text.contains("solve"));
    let o = run(&["simulate", "--help"]);
    let text = stdout(&o);
    assert!(text.contains("--config") && text.contains("reference_price = 16"));
    let o = run(&["solve", "--help"]);
    assert!(stdout(&o).contains("--input"));
}
