//! Timings of the equilibrium solver: the paper's 15 sellers and 10,000 sellers.
//!
//! `cargo run --release -p twinshare-market --example bench_equilibrium`
//!
//! Prints figures; it asserts nothing about time (a benchmark is not a timed test).

use std::hint::black_box;
use std::time::{Duration, Instant};

use twinshare_market::{solve_equilibrium, Instance, Params, SolverOptions, PAPER_RAW_RATES};

/// Runs `f` until `min_total` has passed (at least `min_runs` times) and returns the runs and
/// the median and smallest time of one run.
fn time<F: FnMut()>(mut f: F, min_runs: usize, min_total: Duration) -> (usize, Duration, Duration) {
    let mut samples = Vec::new();
    let start = Instant::now();
    while samples.len() < min_runs || start.elapsed() < min_total {
        let t = Instant::now();
        f();
        samples.push(t.elapsed());
    }
    samples.sort();
    (samples.len(), samples[samples.len() / 2], samples[0])
}

/// Deterministic raw rates in [100, 1000] (a fixed linear congruential sequence).
fn raw_rates(n: usize) -> Vec<f64> {
    let mut x: u64 = 0x2545_F491_4F6C_DD1D;
    (0..n)
        .map(|_| {
            x = x
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            100.0 + (x >> 11) as f64 / (1u64 << 53) as f64 * 900.0
        })
        .collect()
}

fn report(label: &str, instance: &Instance, min_runs: usize, min_total: Duration) {
    let options = SolverOptions::default();
    let eq = match solve_equilibrium(instance, &options) {
        Ok(eq) => eq,
        Err(e) => {
            println!("{label}: error: {e}");
            return;
        }
    };
    let (runs, median, best) = time(
        || {
            let _ = black_box(solve_equilibrium(black_box(instance), &options));
        },
        min_runs,
        min_total,
    );
    println!(
        "{label}: median {:>10.3} us, best {:>10.3} us over {runs} runs; {} sweeps in {} rounds, converged {}, {} of {} sellers take part",
        median.as_secs_f64() * 1e6,
        best.as_secs_f64() * 1e6,
        eq.iterations,
        eq.participation_rounds,
        eq.converged,
        eq.participants,
        eq.sellers.len()
    );
}

fn main() {
    let params = Params::default();
    println!(
        "Equilibrium timings (tolerance {:e})",
        SolverOptions::default().tolerance
    );
    for budget in [200.0, 300.0, 400.0] {
        let instance = Instance {
            params,
            budget,
            raw_rates: PAPER_RAW_RATES.to_vec(),
        };
        report(
            &format!("15 sellers (paper R), B = {budget:>6}"),
            &instance,
            200,
            Duration::from_millis(300),
        );
    }
    let n = 10_000;
    let rates = raw_rates(n);
    // The budget per seller of the paper's B = 200 with 15 sellers: every seller can take part.
    let budget = 200.0 / 15.0 * n as f64;
    report(
        &format!("{n} sellers, B = {budget:.0} (B/n as the paper's 200/15)"),
        &Instance {
            params,
            budget,
            raw_rates: rates.clone(),
        },
        5,
        Duration::from_secs(2),
    );
    let budget = 400.0 / 15.0 * n as f64;
    report(
        &format!("{n} sellers, B = {budget:.0} (B/n as the paper's 400/15)"),
        &Instance {
            params,
            budget,
            raw_rates: rates.clone(),
        },
        5,
        Duration::from_secs(2),
    );
    // A budget that pays about half of them: participation is settled over several rounds.
    report(
        &format!("{n} sellers, B = 60000 (about half can reach U_min)"),
        &Instance {
            params,
            budget: 60_000.0,
            raw_rates: rates.clone(),
        },
        5,
        Duration::from_secs(2),
    );
    // The paper's B = 200 shared by 10,000 sellers: almost all must drop out (U_min).
    report(
        &format!("{n} sellers, B = 200 (most cannot reach U_min)"),
        &Instance {
            params,
            budget: 200.0,
            raw_rates: rates,
        },
        5,
        Duration::from_secs(2),
    );
}
