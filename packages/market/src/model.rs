//! The model of the paper's Section 5.1.
//!
//! A buyer with budget `B` buys data from sellers `j = 1..n`. Seller `j` samples at rate `r_j`
//! (at most its sensors' raw sampling rate `R_j`) and
//!
//! - gives the buyer the satisfaction `xi(r) = beta1 + beta2 log10(1 + r)` (Eq. 4; the paper's
//!   log is base 10, as the `ln 10` in its derivative, Eq. 6, shows);
//! - pays the energy cost `C_e(r) = eps (alpha1 r + alpha2)` per unit time (Eq. 2);
//! - receives its share of the budget in proportion to the satisfaction it gives, so its utility
//!   is `U_j = xi(r_j) / sum_k xi(r_k) * B - eps (alpha1 r_j + alpha2)` (Eqs. 3 and 5);
//! - must keep `C_eMin <= C_e(r_j) <= C_eMax` and `U_j >= U_min` (the constraints of Eq. 5).
//!
//! The energy constraint and `0 <= r_j <= R_j` make each seller's feasible rates an interval
//! [`RateInterval`]: `[max(0, (C_eMin/eps - alpha2)/alpha1), min(R_j, (C_eMax/eps - alpha2)/alpha1)]`.
//! `U_min` is not a bound on the rate: it decides whether the seller takes part at all
//! (see [`crate::equilibrium`]).

use serde::{Deserialize, Serialize};

use crate::error::{MarketError, Result};

/// `ln 10`, the factor in the derivative of `log10`.
pub const LN_10: f64 = std::f64::consts::LN_10;

/// The model's constants (the paper's notation in the field docs). [`Params::default`] is the
/// simulation of Section 6.2.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// `beta1`: satisfaction at rate 0 (must be > 0, so every seller's budget share is defined).
    pub beta1: f64,
    /// `beta2`: satisfaction gained per decade of `1 + r` (must be > 0).
    pub beta2: f64,
    /// `alpha1`: energy per unit of sampling rate (must be > 0).
    pub alpha1: f64,
    /// `alpha2`: energy at rate 0.
    pub alpha2: f64,
    /// `eps`: price of one unit of electricity (must be > 0).
    pub eps: f64,
    /// `C_eMin`: least energy cost per unit time.
    pub ce_min: f64,
    /// `C_eMax`: greatest energy cost per unit time.
    pub ce_max: f64,
    /// `U_min`: the least utility for which a seller takes part.
    pub u_min: f64,
}

impl Default for Params {
    /// Section 6.2: `beta1 = 0.7, beta2 = 0.1, alpha1 = 0.01, alpha2 = 10, eps = 1, C_eMin = 10,
    /// C_eMax = 20, U_min = 1`.
    fn default() -> Self {
        Params {
            beta1: 0.7,
            beta2: 0.1,
            alpha1: 0.01,
            alpha2: 10.0,
            eps: 1.0,
            ce_min: 10.0,
            ce_max: 20.0,
            u_min: 1.0,
        }
    }
}

/// The raw sampling rates `R` of Section 6.2, in the paper's order.
pub const PAPER_RAW_RATES: [f64; 15] = [
    100.0, 200.0, 1000.0, 500.0, 800.0, 300.0, 600.0, 700.0, 400.0, 900.0, 750.0, 250.0, 450.0,
    650.0, 150.0,
];

/// The budgets of Section 6.2.
pub const PAPER_BUDGETS: [f64; 3] = [200.0, 300.0, 400.0];

pub(crate) fn finite(name: &'static str, value: f64) -> Result<f64> {
    if value.is_finite() {
        Ok(value)
    } else {
        Err(MarketError::NotFinite { name, value })
    }
}

pub(crate) fn positive(name: &'static str, value: f64, hint: &'static str) -> Result<f64> {
    finite(name, value)?;
    if value > 0.0 {
        Ok(value)
    } else {
        Err(MarketError::NotPositive { name, value, hint })
    }
}

impl Params {
    /// Checks that the constants describe a market: all finite; `beta1`, `beta2`, `alpha1`,
    /// `eps` > 0; `C_eMin <= C_eMax`; and some rate `r >= 0` costs at most `C_eMax`.
    pub fn validate(&self) -> Result<()> {
        positive(
            "beta1",
            self.beta1,
            " (satisfaction must be positive for the budget shares)",
        )?;
        positive(
            "beta2",
            self.beta2,
            " (satisfaction must grow with the rate)",
        )?;
        positive("alpha1", self.alpha1, " (energy must grow with the rate)")?;
        finite("alpha2", self.alpha2)?;
        positive("eps", self.eps, " (the price of electricity)")?;
        finite("C_eMin", self.ce_min)?;
        finite("C_eMax", self.ce_max)?;
        finite("U_min", self.u_min)?;
        if self.ce_min > self.ce_max {
            return Err(MarketError::EnergyBoundsReversed {
                ce_min: self.ce_min,
                ce_max: self.ce_max,
            });
        }
        let fixed_cost = self.eps * self.alpha2;
        if fixed_cost > self.ce_max {
            return Err(MarketError::EnergyCapBelowFixedCost {
                fixed_cost,
                ce_max: self.ce_max,
            });
        }
        Ok(())
    }

    /// `xi(r) = beta1 + beta2 log10(1 + r)` (Eq. 4).
    pub fn satisfaction(&self, rate: f64) -> f64 {
        self.beta1 + self.beta2 * rate.ln_1p() / LN_10
    }

    /// `xi'(r) = beta2 / (ln 10 (1 + r))`.
    pub fn satisfaction_slope(&self, rate: f64) -> f64 {
        self.beta2 / (LN_10 * (1.0 + rate))
    }

    /// `xi^-1(x) = 10^((x - beta1) / beta2) - 1`: the rate that gives satisfaction `x`. Below 0
    /// when `x < beta1` (no rate gives that little), `+inf` when it overflows.
    pub fn satisfaction_inverse(&self, satisfaction: f64) -> f64 {
        ((satisfaction - self.beta1) / self.beta2 * LN_10).exp_m1()
    }

    /// `C_e(r) = eps (alpha1 r + alpha2)` (Eq. 2).
    pub fn energy_cost(&self, rate: f64) -> f64 {
        self.eps * (self.alpha1 * rate + self.alpha2)
    }

    /// The rates at which the energy cost equals `C_eMin` and `C_eMax`:
    /// `((C_eMin/eps - alpha2)/alpha1, (C_eMax/eps - alpha2)/alpha1)`, nudged inwards by a
    /// rounding error at most so that `C_e` of each lies inside `[C_eMin, C_eMax]` in floating
    /// point too.
    pub fn energy_rate_bounds(&self) -> (f64, f64) {
        let mut lo = (self.ce_min / self.eps - self.alpha2) / self.alpha1;
        let mut hi = (self.ce_max / self.eps - self.alpha2) / self.alpha1;
        // A step of one ulp of `r` may change `C_e(r)` by less than one ulp of `C_e`: grow the
        // step geometrically (the result moves by at most twice the needed amount).
        let mut step = f64::EPSILON * lo.abs().max(f64::MIN_POSITIVE);
        for _ in 0..1100 {
            if self.energy_cost(lo) >= self.ce_min {
                break;
            }
            lo += step;
            step *= 2.0;
        }
        let mut step = f64::EPSILON * hi.abs().max(f64::MIN_POSITIVE);
        for _ in 0..1100 {
            if self.energy_cost(hi) <= self.ce_max {
                break;
            }
            hi -= step;
            step *= 2.0;
        }
        (lo, hi)
    }

    /// The rates seller with raw sampling rate `raw_rate` may choose, or `None` when the energy
    /// constraint and `r <= R_j` leave none (`R_j` below the rate that costs `C_eMin`).
    pub fn feasible_interval(&self, raw_rate: f64) -> Option<RateInterval> {
        let (energy_lo, energy_hi) = self.energy_rate_bounds();
        let (lo, lower) = if energy_lo >= 0.0 {
            (energy_lo, Bound::EnergyMin)
        } else {
            (0.0, Bound::NonNegative)
        };
        let (hi, upper) = if energy_hi <= raw_rate {
            (energy_hi, Bound::EnergyMax)
        } else {
            (raw_rate, Bound::RawRate)
        };
        (lo <= hi).then_some(RateInterval {
            lo,
            hi,
            lower,
            upper,
        })
    }

    /// Seller utility under the satisfaction-share rule of Eq. 5:
    /// `xi(r) / (others + xi(r)) * B - C_e(r)`, where `others` is the satisfaction the other
    /// participating sellers give (`Phi_-j` in the paper).
    pub fn share_utility(&self, budget: f64, rate: f64, others: f64) -> f64 {
        let xi = self.satisfaction(rate);
        xi / (others + xi) * budget - self.energy_cost(rate)
    }

    /// `dU/dr` of [`Params::share_utility`] (Eq. 6):
    /// `B Phi xi'(r) / (Phi + xi(r))^2 - eps alpha1`.
    pub fn share_marginal_utility(&self, budget: f64, rate: f64, others: f64) -> f64 {
        let total = others + self.satisfaction(rate);
        budget * others * self.satisfaction_slope(rate) / (total * total) - self.eps * self.alpha1
    }

    /// `d2U/dr2` (Eq. 7, whose printed form drops the minus sign):
    /// `-beta2 B Phi (Phi + xi + 2 beta2 / ln 10) / (ln 10 (1 + r)^2 (Phi + xi)^3)`, negative for
    /// `Phi > 0`, so `U` is strictly concave in the seller's own rate.
    pub fn share_utility_curvature(&self, budget: f64, rate: f64, others: f64) -> f64 {
        let total = others + self.satisfaction(rate);
        let one_plus = 1.0 + rate;
        -self.beta2 * budget * others * (total + 2.0 * self.beta2 / LN_10)
            / (LN_10 * one_plus * one_plus * total * total * total)
    }
}

/// Which constraint holds a rate where it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Bound {
    /// Inside the feasible interval: the stationarity condition holds with zero multipliers.
    Interior,
    /// `C_e(r) = C_eMin` (multiplier `mu2` of Eq. 8).
    EnergyMin,
    /// `r = 0` (the energy bound lies below 0, so rates' own sign binds).
    NonNegative,
    /// `C_e(r) = C_eMax` (multiplier `mu1` of Eq. 8).
    EnergyMax,
    /// `r = R_j`, the seller's raw sampling rate.
    RawRate,
    /// UPS only: `xi(r) = B / (n p)`, the seller's share of the budget.
    BudgetShare,
}

/// A seller's feasible rates `[lo, hi]` and the constraint behind each end.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RateInterval {
    pub lo: f64,
    pub hi: f64,
    /// [`Bound::EnergyMin`] or [`Bound::NonNegative`].
    pub lower: Bound,
    /// [`Bound::EnergyMax`] or [`Bound::RawRate`] (or [`Bound::BudgetShare`] under UPS).
    pub upper: Bound,
}

impl RateInterval {
    /// `rate` clipped into the interval, with the bound that clipped it.
    pub fn clip(&self, rate: f64) -> (f64, Bound) {
        if rate <= self.lo {
            (self.lo, self.lower)
        } else if rate >= self.hi {
            (self.hi, self.upper)
        } else {
            (rate, Bound::Interior)
        }
    }
}

/// One market: the constants, the buyer's budget and the sellers' raw sampling rates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Instance {
    pub params: Params,
    /// `B`, the buyer's budget (> 0).
    pub budget: f64,
    /// `R_j`, each seller's raw sampling rate (>= 0, at least one).
    pub raw_rates: Vec<f64>,
}

impl Instance {
    /// Checks the parameters, the budget and the raw rates.
    pub fn validate(&self) -> Result<()> {
        self.params.validate()?;
        positive("budget", self.budget, " (the buyer's budget B)")?;
        validate_raw_rates(&self.raw_rates)
    }
}

/// Non-empty, each finite and `>= 0`.
pub fn validate_raw_rates(raw_rates: &[f64]) -> Result<()> {
    if raw_rates.is_empty() {
        return Err(MarketError::NoSellers);
    }
    for (index, &value) in raw_rates.iter().enumerate() {
        if !(value.is_finite() && value >= 0.0) {
            return Err(MarketError::BadRawRate { index, value });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paper_energy_bounds_are_0_and_1000() {
        let p = Params::default();
        let (lo, hi) = p.energy_rate_bounds();
        assert_eq!(lo, 0.0);
        assert!((hi - 1000.0).abs() < 1e-9);
        assert!(p.energy_cost(lo) >= p.ce_min && p.energy_cost(hi) <= p.ce_max);
    }

    #[test]
    fn satisfaction_is_log10() {
        let p = Params::default();
        assert!((p.satisfaction(99.0) - 0.9).abs() < 1e-12);
        assert!((p.satisfaction(999.0) - 1.0).abs() < 1e-12);
        assert!((p.satisfaction_inverse(0.9) - 99.0).abs() < 1e-9);
    }

    #[test]
    fn derivatives_match_finite_differences() {
        let p = Params::default();
        for &(b, r, phi) in &[(200.0, 50.0, 5.0), (400.0, 3.0, 0.9), (300.0, 700.0, 12.0)] {
            let h = 1e-4;
            let d = (p.share_utility(b, r + h, phi) - p.share_utility(b, r - h, phi)) / (2.0 * h);
            assert!((d - p.share_marginal_utility(b, r, phi)).abs() < 1e-6);
            let d2 = (p.share_marginal_utility(b, r + h, phi)
                - p.share_marginal_utility(b, r - h, phi))
                / (2.0 * h);
            assert!((d2 - p.share_utility_curvature(b, r, phi)).abs() < 1e-6);
            assert!(p.share_utility_curvature(b, r, phi) < 0.0);
        }
    }

    #[test]
    fn interval_bounds_and_infeasible_sellers() {
        let p = Params::default();
        let i = p.feasible_interval(300.0).unwrap();
        assert_eq!(
            (i.lo, i.hi, i.lower, i.upper),
            (0.0, 300.0, Bound::EnergyMin, Bound::RawRate)
        );
        let i = p.feasible_interval(5000.0).unwrap();
        assert_eq!(i.upper, Bound::EnergyMax);
        let q = Params { ce_min: 12.0, ..p };
        // (12 - 10) / 0.01 = 200: a seller whose sensors give at most 100 cannot reach C_eMin.
        assert!(q.feasible_interval(100.0).is_none());
        let q = Params { ce_min: 5.0, ..p };
        assert_eq!(q.feasible_interval(10.0).unwrap().lower, Bound::NonNegative);
    }

    #[test]
    fn validation_names_the_problem() {
        let p = Params {
            ce_min: 30.0,
            ..Params::default()
        };
        assert!(matches!(
            p.validate(),
            Err(MarketError::EnergyBoundsReversed { .. })
        ));
        let i = Instance {
            params: Params::default(),
            budget: -1.0,
            raw_rates: vec![1.0],
        };
        assert!(i.validate().unwrap_err().to_string().contains("budget"));
        let i = Instance {
            params: Params::default(),
            budget: 1.0,
            raw_rates: vec![],
        };
        assert!(matches!(i.validate(), Err(MarketError::NoSellers)));
        let p = Params {
            beta2: f64::NAN,
            ..Params::default()
        };
        assert!(p.validate().is_err());
    }
}
