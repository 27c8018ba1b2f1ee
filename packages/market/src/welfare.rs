//! Total social benefit: the sellers' utilities plus the buyer's.
//!
//! # Definition
//!
//! The paper compares "total social benefits" without defining the buyer's part. Here:
//!
//! - a seller's benefit is its utility `U_j` (revenue minus energy cost); non-participants count 0;
//! - the buyer values each unit of satisfaction at `v` (the *buyer value*, a parameter: what a unit
//!   of the satisfaction of Eq. 4 is worth to the buyer's model) and pays for what it buys, so its
//!   benefit is `v * sum_j xi(r_j) - payment`, summed over the participants. The payment is the
//!   whole budget `B` under the equilibrium (the budget is split by satisfaction share; 0 when no
//!   seller takes part) and `p * sum_j xi(r_j)` under UPS;
//! - the total social benefit is the sum. Payments are transfers between buyer and sellers, so it
//!   equals `v * sum_j xi(r_j) - sum_j eps (alpha1 r_j + alpha2)`: the value of the data minus the
//!   energy spent producing it.
//!
//! Which mechanism gives more total benefit therefore depends on `v`:
//! [`break_even_buyer_value`] gives the `v` at which two outcomes tie.

use serde::{Deserialize, Serialize};

use crate::equilibrium::Equilibrium;
use crate::ups::UpsOutcome;

/// The parts of the total social benefit of one outcome.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Welfare {
    /// Sellers taking part.
    pub participants: usize,
    /// `sum_j U_j` over the participants.
    pub sellers_utility: f64,
    /// `sum_j xi(r_j)` over the participants: the satisfaction the buyer gets.
    pub satisfaction: f64,
    /// `sum_j eps (alpha1 r_j + alpha2)` over the participants.
    pub energy_cost: f64,
    /// What the buyer pays.
    pub payment: f64,
    /// `v`, the buyer's value of one unit of satisfaction.
    pub buyer_value: f64,
    /// `v * satisfaction - payment`.
    pub buyer_benefit: f64,
    /// `sellers_utility + buyer_benefit`.
    pub total: f64,
}

fn welfare(
    participants: usize,
    sellers_utility: f64,
    satisfaction: f64,
    energy_cost: f64,
    payment: f64,
    buyer_value: f64,
) -> Welfare {
    let buyer_benefit = buyer_value * satisfaction - payment;
    Welfare {
        participants,
        sellers_utility,
        satisfaction,
        energy_cost,
        payment,
        buyer_value,
        buyer_benefit,
        total: sellers_utility + buyer_benefit,
    }
}

/// The total social benefit at an equilibrium with budget `budget`.
pub fn equilibrium_welfare(eq: &Equilibrium, budget: f64, buyer_value: f64) -> Welfare {
    let mut utility = 0.0;
    let mut satisfaction = 0.0;
    let mut energy = 0.0;
    for s in eq.sellers.iter().filter(|s| s.participates()) {
        utility += s.utility.unwrap_or(0.0);
        satisfaction += s.satisfaction.unwrap_or(0.0);
        energy += s.energy_cost.unwrap_or(0.0);
    }
    let payment = if eq.participants > 0 { budget } else { 0.0 };
    welfare(
        eq.participants,
        utility,
        satisfaction,
        energy,
        payment,
        buyer_value,
    )
}

/// The total social benefit under UPS.
pub fn ups_welfare(ups: &UpsOutcome, buyer_value: f64) -> Welfare {
    let mut utility = 0.0;
    let mut satisfaction = 0.0;
    let mut energy = 0.0;
    let mut payment = 0.0;
    for s in ups.sellers.iter().filter(|s| s.participates()) {
        utility += s.utility.unwrap_or(0.0);
        satisfaction += s.satisfaction.unwrap_or(0.0);
        energy += s.energy_cost.unwrap_or(0.0);
        payment += s.payment.unwrap_or(0.0);
    }
    welfare(
        ups.participants,
        utility,
        satisfaction,
        energy,
        payment,
        buyer_value,
    )
}

/// The buyer value `v` at which `a` and `b` have the same total social benefit:
/// `(energy_a - energy_b) / (satisfaction_a - satisfaction_b)`. Above it the outcome that gives
/// more satisfaction has the higher total. `None` when both give the same satisfaction.
pub fn break_even_buyer_value(a: &Welfare, b: &Welfare) -> Option<f64> {
    let ds = a.satisfaction - b.satisfaction;
    (ds.abs() > 1e-12).then(|| (a.energy_cost - b.energy_cost) / ds)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::equilibrium::{solve_equilibrium, SolverOptions};
    use crate::model::{Instance, Params, PAPER_RAW_RATES};
    use crate::ups::solve_ups;

    #[test]
    fn payments_cancel() {
        let inst = Instance {
            params: Params::default(),
            budget: 300.0,
            raw_rates: PAPER_RAW_RATES[..9].to_vec(),
        };
        let v = 20.0;
        let eq = solve_equilibrium(&inst, &SolverOptions::default()).unwrap();
        let w = equilibrium_welfare(&eq, 300.0, v);
        assert!((w.total - (v * w.satisfaction - w.energy_cost)).abs() < 1e-9);
        assert!((w.sellers_utility + w.energy_cost - 300.0).abs() < 1e-9);
        let u = ups_welfare(&solve_ups(&inst, 16.0).unwrap(), v);
        assert!((u.total - (v * u.satisfaction - u.energy_cost)).abs() < 1e-9);
        if let Some(be) = break_even_buyer_value(&w, &u) {
            let wa = equilibrium_welfare(&eq, 300.0, be);
            let ua = ups_welfare(&solve_ups(&inst, 16.0).unwrap(), be);
            assert!((wa.total - ua.total).abs() < 1e-6);
        }
    }
}
