//! UPS best rates against a grid, and the Section 6.2 simulation's bookkeeping.

use proptest::prelude::*;
use twinshare_market::simulate::{run, Algorithm, SimulationConfig, Verdict};
use twinshare_market::{solve_ups, Instance, Params, UpsParticipation, PAPER_RAW_RATES};

fn check_ups(instance: &Instance, price: f64) {
    let p = &instance.params;
    let out = solve_ups(instance, price).unwrap();
    let n = instance.raw_rates.len() as f64;
    let share = instance.budget / (n * price);
    let mut paid = 0.0;
    for s in &out.sellers {
        let raw = instance.raw_rates[s.index];
        let Some(interval) = p.feasible_interval(raw) else {
            assert_eq!(s.participation, UpsParticipation::NoFeasibleRate);
            continue;
        };
        let hi = interval.hi.min(out.cap_rate);
        if hi < interval.lo {
            assert!(matches!(
                s.participation,
                UpsParticipation::BudgetShareTooSmall { .. }
            ));
            continue;
        }
        let u = |r: f64| price * p.satisfaction(r) - p.energy_cost(r);
        let best = (0..=4000)
            .map(|k| interval.lo + (hi - interval.lo) * k as f64 / 4000.0)
            .map(u)
            .fold(f64::NEG_INFINITY, f64::max);
        match s.participation {
            UpsParticipation::Participates => {
                let r = s.rate.unwrap();
                assert!(r >= interval.lo && r <= hi);
                let cost = p.energy_cost(r);
                assert!(cost >= p.ce_min && cost <= p.ce_max);
                let ur = s.utility.unwrap();
                assert!(ur >= p.u_min);
                assert!(
                    ur >= best - 1e-9 * best.abs().max(1.0),
                    "{ur} < grid {best}"
                );
                // The budget share caps the payment.
                assert!(s.satisfaction.unwrap() <= share * (1.0 + 1e-12));
                paid += s.payment.unwrap();
            }
            UpsParticipation::BelowMinimumUtility { best_utility, .. } => {
                assert!(best_utility < p.u_min);
                assert!(best < p.u_min + 1e-9 * p.u_min.abs().max(1.0));
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    assert!(paid <= instance.budget * (1.0 + 1e-12));
}

#[test]
fn paper_ups_rates_are_grid_optima() {
    for budget in [200.0, 300.0, 400.0] {
        for n in 1..=15 {
            for price in [10.0, 14.0, 16.0, 18.0, 20.0, 30.0] {
                check_ups(
                    &Instance {
                        params: Params::default(),
                        budget,
                        raw_rates: PAPER_RAW_RATES[..n].to_vec(),
                    },
                    price,
                );
            }
        }
    }
}

proptest! {
    #[test]
    fn random_ups_rates_are_grid_optima(
        budget in 1.0f64..2000.0,
        price in 0.5f64..60.0,
        u_min in -2.0f64..5.0,
        raw_rates in prop::collection::vec(0.0f64..3000.0, 1..20),
    ) {
        let instance = Instance {
            params: Params { u_min, ..Params::default() },
            budget,
            raw_rates,
        };
        check_ups(&instance, price);
    }
}

#[test]
fn paper_simulation_is_complete_and_consistent() {
    let sim = run(&SimulationConfig::default()).unwrap();
    assert_eq!(sim.rows.len(), 3 * 120 * 4);
    assert_eq!(sim.markets.len(), 3 * 15 * 4);
    for m in &sim.markets {
        assert!(m.converged);
        if m.algorithm == Algorithm::Ne {
            // Everyone takes part in the paper's markets, and the budget is paid out.
            assert_eq!(m.participants, m.n_sellers);
            assert!((m.welfare.sellers_utility + m.welfare.energy_cost - m.budget).abs() < 1e-9);
        }
    }
    // A lone seller keeps the whole budget at the lowest rate.
    let one = sim.market(Algorithm::Ne, 200.0, None, 1).unwrap();
    assert_eq!(one.mean_rate, Some(0.0));
    assert!((one.mean_utility.unwrap() - 190.0).abs() < 1e-9);
    // The claims are all evaluated; NE profit falls with n at every step.
    assert_eq!(sim.claims.len(), 5);
    let decreasing = sim
        .claims
        .iter()
        .find(|c| c.id == "ne_profit_decreasing")
        .unwrap();
    assert_eq!(decreasing.verdict, Verdict::Supported);
}

#[test]
fn simulation_rejects_bad_configs() {
    let bad = [
        SimulationConfig {
            budgets: vec![],
            ..SimulationConfig::default()
        },
        SimulationConfig {
            max_sellers: 16,
            ..SimulationConfig::default()
        },
        SimulationConfig {
            prices: vec![16.0, -1.0],
            ..SimulationConfig::default()
        },
        SimulationConfig {
            reference_budget: 250.0,
            ..SimulationConfig::default()
        },
        SimulationConfig {
            raw_rates: vec![],
            ..SimulationConfig::default()
        },
    ];
    for c in bad {
        assert!(run(&c).is_err(), "{c:?}");
    }
}
