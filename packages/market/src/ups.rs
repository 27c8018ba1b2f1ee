//! The uniform pricing baseline (UPS) of Section 6.2.
//!
//! The buyer pays a uniform price `p` per unit of satisfaction and splits its budget `B` evenly
//! over the `n` sellers in the market, so a seller is paid at most `B / n`: its satisfaction is
//! capped at `B / (n p)` and its rate at `xi^-1(B / (n p)) = 10^((B/(np) - beta1)/beta2) - 1`
//! (the paper's `r_ijMax`). `n` is the number of sellers offered to the buyer, fixed before the
//! sellers choose; a seller that stays out does not raise the others' caps.
//!
//! Seller `j` maximizes `p xi(r) - eps (alpha1 r + alpha2)`, concave in `r`, over its feasible
//! interval (energy bounds and `R_j`) further capped by the budget share. The unconstrained
//! optimum is `r* = p beta2 / (ln 10 eps alpha1) - 1`, the same for every seller; the best rate is
//! `r*` clipped to the interval. As under the equilibrium, a seller whose best utility is below
//! `U_min` does not take part, and one whose budget cap lies below its least feasible rate
//! cannot.

use serde::{Deserialize, Serialize};

use crate::equilibrium::{multipliers, Multipliers};
use crate::error::Result;
use crate::model::{positive, Bound, Instance, Params, RateInterval, LN_10};

/// Why a seller does or does not take part under UPS.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum UpsParticipation {
    Participates,
    /// Its best utility under the price is below `U_min`.
    BelowMinimumUtility {
        best_rate: f64,
        best_utility: f64,
    },
    /// `xi^-1(B / (n p))` lies below the least rate the energy constraint allows: the buyer's
    /// share for this seller buys less satisfaction than the seller's cheapest feasible data.
    BudgetShareTooSmall {
        cap_rate: f64,
    },
    /// No rate satisfies the energy constraint and `r <= R_j`.
    NoFeasibleRate,
}

/// One seller under UPS. The rate fields are `None` for a non-participant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UpsSeller {
    pub index: usize,
    pub raw_rate: f64,
    pub participation: UpsParticipation,
    pub rate: Option<f64>,
    pub satisfaction: Option<f64>,
    /// `p xi(r) - eps (alpha1 r + alpha2)`.
    pub utility: Option<f64>,
    /// `p xi(r)`, what the buyer pays this seller.
    pub payment: Option<f64>,
    pub energy_cost: Option<f64>,
    pub bound: Option<Bound>,
    /// Multipliers of the seller's own problem (the budget cap's is reported as `raw_rate`, the
    /// multiplier of the rate's upper bound).
    pub multipliers: Option<Multipliers>,
}

impl UpsSeller {
    pub fn participates(&self) -> bool {
        self.participation == UpsParticipation::Participates
    }
}

/// The result of [`solve_ups`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UpsOutcome {
    pub price: f64,
    pub budget: f64,
    pub n_sellers: usize,
    /// `xi^-1(B / (n p))` (may be negative: no rate is affordable; or infinite).
    pub cap_rate: f64,
    /// `p beta2 / (ln 10 eps alpha1) - 1`, every seller's unconstrained optimum.
    pub unconstrained_rate: f64,
    pub sellers: Vec<UpsSeller>,
    pub participants: usize,
}

/// Every seller's best rate under UPS at `price` (see the module doc).
pub fn solve_ups(instance: &Instance, price: f64) -> Result<UpsOutcome> {
    instance.validate()?;
    positive("price", price, " (the UPS price per unit of satisfaction)")?;
    let params = &instance.params;
    let n = instance.raw_rates.len();
    let share = instance.budget / (n as f64 * price);
    let cap_rate = params.satisfaction_inverse(share);
    let unconstrained_rate = price * params.beta2 / (LN_10 * params.eps * params.alpha1) - 1.0;
    let sellers: Vec<UpsSeller> = instance
        .raw_rates
        .iter()
        .enumerate()
        .map(|(index, &raw_rate)| {
            ups_seller(params, price, cap_rate, unconstrained_rate, index, raw_rate)
        })
        .collect();
    let participants = sellers.iter().filter(|s| s.participates()).count();
    Ok(UpsOutcome {
        price,
        budget: instance.budget,
        n_sellers: n,
        cap_rate,
        unconstrained_rate,
        sellers,
        participants,
    })
}

fn ups_seller(
    params: &Params,
    price: f64,
    cap_rate: f64,
    unconstrained_rate: f64,
    index: usize,
    raw_rate: f64,
) -> UpsSeller {
    let out = |participation| UpsSeller {
        index,
        raw_rate,
        participation,
        rate: None,
        satisfaction: None,
        utility: None,
        payment: None,
        energy_cost: None,
        bound: None,
        multipliers: None,
    };
    let Some(mut interval) = params.feasible_interval(raw_rate) else {
        return out(UpsParticipation::NoFeasibleRate);
    };
    if cap_rate < interval.lo || cap_rate.is_nan() {
        return out(UpsParticipation::BudgetShareTooSmall { cap_rate });
    }
    if cap_rate < interval.hi {
        interval = RateInterval {
            hi: cap_rate,
            upper: Bound::BudgetShare,
            ..interval
        };
    }
    let (rate, bound) = interval.clip(unconstrained_rate);
    let satisfaction = params.satisfaction(rate);
    let payment = price * satisfaction;
    let energy_cost = params.energy_cost(rate);
    let utility = payment - energy_cost;
    if utility < params.u_min {
        return out(UpsParticipation::BelowMinimumUtility {
            best_rate: rate,
            best_utility: utility,
        });
    }
    let marginal = price * params.satisfaction_slope(rate) - params.eps * params.alpha1;
    UpsSeller {
        index,
        raw_rate,
        participation: UpsParticipation::Participates,
        rate: Some(rate),
        satisfaction: Some(satisfaction),
        utility: Some(utility),
        payment: Some(payment),
        energy_cost: Some(energy_cost),
        bound: Some(bound),
        multipliers: Some(multipliers(params, bound, marginal)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paper(budget: f64, n: usize) -> Instance {
        Instance {
            params: Params::default(),
            budget,
            raw_rates: crate::model::PAPER_RAW_RATES[..n].to_vec(),
        }
    }

    #[test]
    fn unconstrained_rate_and_cap() {
        let out = solve_ups(&paper(200.0, 1), 16.0).unwrap();
        // r* = 16 * 0.1 / (ln 10 * 0.01) - 1 = 68.49
        assert!((out.unconstrained_rate - (160.0 / LN_10 - 1.0)).abs() < 1e-9);
        let s = &out.sellers[0];
        assert_eq!(s.bound, Some(Bound::Interior));
        assert!((s.rate.unwrap() - out.unconstrained_rate).abs() < 1e-12);
    }

    #[test]
    fn budget_share_caps_the_rate_and_the_payment() {
        // 15 sellers, B = 200, p = 16: share 0.8333 satisfaction, cap 10^1.333 - 1 = 20.5.
        let out = solve_ups(&paper(200.0, 15), 16.0).unwrap();
        assert!((out.cap_rate - (10f64.powf((200.0 / 240.0 - 0.7) / 0.1) - 1.0)).abs() < 1e-9);
        for s in &out.sellers {
            assert_eq!(s.bound, Some(Bound::BudgetShare));
            assert!(s.payment.unwrap() <= 200.0 / 15.0 + 1e-9);
        }
    }

    #[test]
    fn unaffordable_and_unprofitable_sellers_stay_out() {
        // B/(np) = 200/(15*20) = 0.667 < beta1: no rate is affordable.
        let out = solve_ups(&paper(200.0, 15), 20.0).unwrap();
        assert_eq!(out.participants, 0);
        assert!(matches!(
            out.sellers[0].participation,
            UpsParticipation::BudgetShareTooSmall { .. }
        ));
        // p = 10: p xi(r) - C_e(r) < 1 everywhere.
        let out = solve_ups(&paper(200.0, 3), 10.0).unwrap();
        assert_eq!(out.participants, 0);
        assert!(matches!(
            out.sellers[0].participation,
            UpsParticipation::BelowMinimumUtility { .. }
        ));
        assert!(solve_ups(&paper(200.0, 3), -1.0).is_err());
    }
}
