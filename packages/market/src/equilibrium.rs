//! The Nash equilibrium of Section 5.2: best-response iteration on the KKT conditions (Eqs. 8-13).
//!
//! # One seller's problem
//!
//! Given the satisfaction `Phi` that the other participating sellers give, seller `j` maximizes
//! `U(r) = xi(r) / (Phi + xi(r)) B - eps (alpha1 r + alpha2)` over its feasible interval
//! `[lo, hi]` ([`crate::model::RateInterval`]: the energy bounds `C_eMin`, `C_eMax` and its raw rate
//! `R_j`). `U` is strictly concave in `r` for `Phi > 0` (Eq. 7), so the KKT conditions (9)-(13)
//! have one solution, the stationary point of `U` clipped to the interval:
//!
//! - `U'(lo) <= 0`: the rate is `lo`; the multiplier of the lower bound is `-U'(lo) / (eps alpha1)`
//!   (`mu2` of Eq. 8 when `C_e(lo) = C_eMin`; when the energy bound lies below 0 the bound is
//!   `r >= 0`, reported as `nonnegativity = -U'(0)`).
//! - `U'(hi) >= 0`: the rate is `hi`; the multiplier of the upper bound is `U'(hi) / (eps alpha1)`
//!   (`mu1`, when `C_e(hi) = C_eMax`) or `U'(hi)` (`raw_rate`, the bound `r <= R_j` that the paper
//!   leaves implicit). Where both bounds meet, the energy bound takes the multiplier.
//! - otherwise `U'(r) = 0` inside: all multipliers are 0. With `y = ln(1 + r)`, `U'(r) = 0` is
//!   `ln K - y/2 - ln(Phi + beta1 + beta2 y / ln 10) = 0` with `K^2 = B Phi beta2 / (ln 10 eps
//!   alpha1)`, a convex decreasing function of `y` that Newton's method, safeguarded by
//!   bisection on the bracket `[ln(1 + lo), ln(1 + hi)]`, solves to machine precision in a few
//!   steps.
//! - `Phi = 0` (the seller is alone): its revenue is all of `B` whatever its rate, so it picks `lo`.
//!
//! `U_min` (Eq. 5's second constraint, `mu3`) never moves the rate: if the best feasible utility
//! is at least `U_min` the constraint is slack at the optimum (`mu3 = 0`, Eq. 12); if it is not,
//! no feasible rate satisfies it. So `U_min` decides participation instead.
//!
//! # Participation rule
//!
//! A seller takes part only if it gets at least `U_min`; one that does not is reported as not
//! participating (with the best utility it could have had), never with a rate that breaks the
//! constraint. Non-participants give no satisfaction and get no share of `B`. Who takes part is
//! settled by iterating to a fixed point:
//!
//! 1. **Exits.** Start with every seller whose feasible interval is not empty. Solve the rate
//!    equilibrium among the participants; if some get less than `U_min`, the worse half of those
//!    (lowest utility first; ties: the smaller upper bound `hi`, then the higher index) leave;
//!    repeat until every participant reaches `U_min`. Halving removes many sellers per round in
//!    a crowded market (10,000 sellers sharing a budget that pays 17) and one at a time near the
//!    end.
//! 2. **Entries.** Then outsiders are offered entry, strongest first (largest `hi`, then lowest
//!    index): an outsider enters if it reaches `U_min` by best-responding to the current
//!    participants *and* the rate equilibrium after its entry (everyone re-optimizing) keeps
//!    every participant, itself included, at `U_min` or above; otherwise the participants keep
//!    their previous equilibrium. Outsiders are tried in batches that double after a success and
//!    halve after a failure, and passes over all outsiders repeat until one admits nobody. This
//!    undoes any overshoot of step 1.
//!
//! The result is a Nash equilibrium in rates among the participants, each at `U_min` or above,
//! with a stable set of participants: no outsider reaches `U_min` against the equilibrium
//! ([`Participation::BelowMinimumUtility`]), or its entry would push someone below `U_min`
//! ([`Participation::EntryBlocked`]). The stricter notion (an outsider that could earn `U_min`
//! against the current rates always enters) has no fixed point in some markets: a lone seller
//! samples at its lowest rate, which invites an entrant, after whose entry the incumbent cannot
//! reach `U_min` and leaves, and so on forever.
//!
//! # Stopping
//!
//! A rate equilibrium is reached when a sweep moves no rate by more than
//! [`SolverOptions::tolerance`]. Utilities for the `U_min` checks are computed from the final
//! rates, so a reported participant always meets `U_min` exactly. The sum of all satisfactions is
//! kept as a running total (each seller's `Phi` is the total minus its own), so a sweep costs
//! `O(n)`; the total is recomputed exactly after each sweep.

use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::model::{positive, Bound, Instance, Params, RateInterval, LN_10};

/// How long and how precisely to iterate.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SolverOptions {
    /// Stop when no rate moves by more than this between two sweeps (rate units; default 1e-9).
    pub tolerance: f64,
    /// Give up on a rate equilibrium after this many sweeps over the sellers (default 10,000);
    /// the result then says `converged: false`.
    pub max_sweeps: usize,
}

impl Default for SolverOptions {
    fn default() -> Self {
        SolverOptions {
            tolerance: 1e-9,
            max_sweeps: 10_000,
        }
    }
}

impl SolverOptions {
    /// `tolerance > 0` and finite.
    pub fn validate(&self) -> Result<()> {
        positive("tolerance", self.tolerance, "")?;
        Ok(())
    }
}

/// The KKT multipliers of Eq. 8 at a seller's rate, plus the two bounds the paper leaves
/// implicit. Each is 0 unless its constraint is active. `mu1` and `mu2` multiply the energy
/// constraints as written in Eq. 8 (so they are `U'` divided by `eps alpha1`); `raw_rate` and
/// `nonnegativity` multiply `R_j - r` and `r`, in utility per unit of rate.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct Multipliers {
    /// `mu1`: `C_e(r) <= C_eMax`.
    pub mu1: f64,
    /// `mu2`: `C_e(r) >= C_eMin`.
    pub mu2: f64,
    /// `mu3`: `U(r) >= U_min`; always 0 at the optimum of a participant (see the module doc).
    pub mu3: f64,
    /// `r <= R_j`, the raw sampling rate.
    pub raw_rate: f64,
    /// `r >= 0`, active only when the energy bound lies below 0.
    pub nonnegativity: f64,
}

/// The solution of one seller's problem against fixed others.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BestResponse {
    pub rate: f64,
    pub utility: f64,
    /// `dU/dr` at `rate` (Eq. 6).
    pub marginal_utility: f64,
    /// The constraint that holds `rate` in place, or [`Bound::Interior`].
    pub bound: Bound,
    pub multipliers: Multipliers,
}

/// Seller `j`'s best response: the rate in `interval` that maximizes
/// [`Params::share_utility`] against `others` (`Phi_-j`), with its KKT multipliers.
/// `hint` (a previous rate) only speeds up Newton's method.
pub fn best_response(
    params: &Params,
    budget: f64,
    interval: &RateInterval,
    others: f64,
    hint: Option<f64>,
) -> BestResponse {
    let others = others.max(0.0);
    let (rate, bound) = interval.clip(best_rate(params, budget, interval, others, hint));
    let marginal_utility = params.share_marginal_utility(budget, rate, others);
    BestResponse {
        rate,
        utility: params.share_utility(budget, rate, others),
        marginal_utility,
        bound,
        multipliers: multipliers(params, bound, marginal_utility),
    }
}

/// The rate of [`best_response`], without the rest.
fn best_rate(
    params: &Params,
    budget: f64,
    interval: &RateInterval,
    others: f64,
    hint: Option<f64>,
) -> f64 {
    if others <= 0.0 || budget <= 0.0 {
        interval.lo
    } else {
        stationary_rate(params, budget, interval, others, hint).clamp(interval.lo, interval.hi)
    }
}

/// KKT multipliers from the stationarity condition (9) at an active bound:
/// `U' - eps alpha1 mu1 + eps alpha1 mu2 - nu_R + nu_0 = 0` (with `mu3 = 0`), clamped at 0
/// (a wrong sign is a rounding residue of an interior optimum at the bound).
pub(crate) fn multipliers(params: &Params, bound: Bound, marginal_utility: f64) -> Multipliers {
    let energy = params.eps * params.alpha1;
    let mut m = Multipliers::default();
    match bound {
        Bound::EnergyMax => m.mu1 = (marginal_utility / energy).max(0.0),
        Bound::EnergyMin => m.mu2 = (-marginal_utility / energy).max(0.0),
        Bound::RawRate | Bound::BudgetShare => m.raw_rate = marginal_utility.max(0.0),
        Bound::NonNegative => m.nonnegativity = (-marginal_utility).max(0.0),
        Bound::Interior => {}
    }
    m
}

/// The clipped stationary point for `others > 0`, `budget > 0`.
fn stationary_rate(
    params: &Params,
    budget: f64,
    interval: &RateInterval,
    others: f64,
    hint: Option<f64>,
) -> f64 {
    // h(y) = ln K - y/2 - ln(A + c y) has the sign of U'(e^y - 1).
    let c = params.beta2 / LN_10;
    let a = others + params.beta1;
    let ln_k = 0.5 * (budget.ln() + others.ln() + c.ln() - (params.eps * params.alpha1).ln());
    let h = |y: f64| ln_k - 0.5 * y - (a + c * y).ln();
    let dh = |y: f64| -0.5 - c / (a + c * y);

    let mut lo = interval.lo.ln_1p();
    let mut hi = interval.hi.ln_1p();
    if h(lo) <= 0.0 {
        return interval.lo;
    }
    if h(hi) >= 0.0 {
        return interval.hi;
    }
    // Root in (lo, hi), h decreasing: h(lo) > 0 > h(hi).
    let mut y = match hint {
        Some(r) if r > interval.lo && r < interval.hi => r.ln_1p(),
        _ => lo,
    };
    for _ in 0..200 {
        let value = h(y);
        if value == 0.0 {
            break;
        }
        if value > 0.0 {
            lo = y;
        } else {
            hi = y;
        }
        let newton = y - value / dh(y);
        let next = if newton > lo && newton < hi {
            newton
        } else {
            0.5 * (lo + hi)
        };
        let step = (next - y).abs();
        y = next;
        if step <= 4.0 * f64::EPSILON * y.abs().max(1.0) || hi - lo <= f64::EPSILON * hi.abs() {
            break;
        }
    }
    y.exp_m1()
}

/// Why a seller does not take part.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Participation {
    /// Takes part at the reported rate.
    Participates,
    /// Its best feasible utility against the participants' equilibrium rates is below `U_min`.
    BelowMinimumUtility { best_rate: f64, best_utility: f64 },
    /// It would reach `U_min` against the participants' current rates, but once everyone
    /// re-optimizes after its entry some participant (it included) would fall below `U_min`.
    EntryBlocked { best_rate: f64, best_utility: f64 },
    /// No rate satisfies the energy constraint and `r <= R_j` (`R_j` is below the rate that costs
    /// `C_eMin`).
    NoFeasibleRate,
}

/// One seller at the equilibrium. The rate fields are `None` for a non-participant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SellerOutcome {
    /// Position in the instance's `raw_rates` (0-based).
    pub index: usize,
    pub raw_rate: f64,
    pub participation: Participation,
    pub rate: Option<f64>,
    /// `xi(rate)`.
    pub satisfaction: Option<f64>,
    /// `U_j` at the equilibrium.
    pub utility: Option<f64>,
    /// `xi_j / sum_k xi_k * B`.
    pub revenue: Option<f64>,
    /// `eps (alpha1 r + alpha2)`.
    pub energy_cost: Option<f64>,
    /// `dU_j/dr_j` at the equilibrium (0 up to rounding when interior).
    pub marginal_utility: Option<f64>,
    pub bound: Option<Bound>,
    pub multipliers: Option<Multipliers>,
}

impl SellerOutcome {
    pub fn participates(&self) -> bool {
        self.participation == Participation::Participates
    }
}

/// The result of [`solve_equilibrium`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Equilibrium {
    /// One per raw rate, in the instance's order.
    pub sellers: Vec<SellerOutcome>,
    /// Best-response sweeps performed, over all participation rounds.
    pub iterations: usize,
    /// Rate equilibria solved while settling who takes part (1 when everyone does).
    pub participation_rounds: usize,
    /// Whether the sweeps that produced the reported rates met the stopping rule within
    /// [`SolverOptions::max_sweeps`].
    pub converged: bool,
    /// The largest rate change of the last sweep that produced the reported rates.
    pub last_change: f64,
    pub participants: usize,
    /// `sum_k xi(r_k)` over the participants.
    pub total_satisfaction: f64,
}

/// The Nash equilibrium of `instance` (see the module doc for the method and the participation
/// rule).
pub fn solve_equilibrium(instance: &Instance, options: &SolverOptions) -> Result<Equilibrium> {
    instance.validate()?;
    options.validate()?;
    let mut market = Market::new(instance, options);
    market.settle_participation();
    Ok(market.outcome())
}

/// The state of the iteration: who takes part, at which rate.
struct Market<'a> {
    params: &'a Params,
    budget: f64,
    raw_rates: &'a [f64],
    options: &'a SolverOptions,
    intervals: Vec<Option<RateInterval>>,
    /// Feasible sellers by decreasing upper rate bound (ties: lower index first).
    order: Vec<usize>,
    /// Position of each seller in `order`.
    rank: Vec<usize>,
    /// The participants, in the order they are swept.
    members: Vec<usize>,
    member: Vec<bool>,
    /// Meaningful for members only.
    rate: Vec<f64>,
    /// `xi(rate)` for members, 0 for everyone else.
    xi: Vec<f64>,
    total: f64,
    sweeps: usize,
    rounds: usize,
    converged: bool,
    last_change: f64,
}

impl<'a> Market<'a> {
    fn new(instance: &'a Instance, options: &'a SolverOptions) -> Self {
        let params = &instance.params;
        let n = instance.raw_rates.len();
        let intervals: Vec<Option<RateInterval>> = instance
            .raw_rates
            .iter()
            .map(|&r| params.feasible_interval(r))
            .collect();
        let mut order: Vec<usize> = (0..n).filter(|&j| intervals[j].is_some()).collect();
        order.sort_by(|&a, &b| {
            let ha = intervals[a].map_or(0.0, |i| i.hi);
            let hb = intervals[b].map_or(0.0, |i| i.hi);
            hb.total_cmp(&ha).then(a.cmp(&b))
        });
        let mut rank = vec![usize::MAX; n];
        for (k, &j) in order.iter().enumerate() {
            rank[j] = k;
        }
        let mut rate = vec![0.0; n];
        let mut xi = vec![0.0; n];
        let mut member = vec![false; n];
        for &j in &order {
            if let Some(i) = intervals[j] {
                rate[j] = i.lo;
                xi[j] = params.satisfaction(i.lo);
                member[j] = true;
            }
        }
        let total = xi.iter().sum();
        Market {
            params,
            budget: instance.budget,
            raw_rates: &instance.raw_rates,
            options,
            members: order.clone(),
            intervals,
            order,
            rank,
            member,
            rate,
            xi,
            total,
            sweeps: 0,
            rounds: 0,
            converged: false,
            last_change: f64::INFINITY,
        }
    }

    fn others(&self, j: usize) -> f64 {
        (self.total - self.xi[j]).max(0.0)
    }

    fn utility(&self, j: usize) -> f64 {
        self.params
            .share_utility(self.budget, self.rate[j], self.others(j))
    }

    fn recompute_total(&mut self) {
        self.total = self.members.iter().map(|&j| self.xi[j]).sum();
    }

    /// Gauss-Seidel best-response sweeps over the members until no rate moves by more than the
    /// tolerance.
    fn solve_rates(&mut self) {
        self.rounds += 1;
        self.recompute_total();
        self.converged = false;
        for _ in 0..self.options.max_sweeps {
            self.sweeps += 1;
            let mut change: f64 = 0.0;
            for k in 0..self.members.len() {
                let j = self.members[k];
                let Some(interval) = self.intervals[j] else {
                    continue;
                };
                let others = self.others(j);
                let r = best_rate(
                    self.params,
                    self.budget,
                    &interval,
                    others,
                    Some(self.rate[j]),
                );
                change = change.max((r - self.rate[j]).abs());
                let x = self.params.satisfaction(r);
                self.total += x - self.xi[j];
                self.xi[j] = x;
                self.rate[j] = r;
            }
            self.recompute_total();
            self.last_change = change;
            if change <= self.options.tolerance {
                self.converged = true;
                break;
            }
        }
    }

    /// Members below `U_min`, lowest utility first (ties: weakest first).
    fn violators(&self) -> Vec<(usize, f64)> {
        let mut v: Vec<(usize, f64)> = self
            .members
            .iter()
            .map(|&j| (j, self.utility(j)))
            .filter(|&(_, u)| u < self.params.u_min)
            .collect();
        v.sort_by(|a, b| {
            a.1.total_cmp(&b.1)
                .then(self.rank[b.0].cmp(&self.rank[a.0]))
        });
        v
    }

    fn remove(&mut self, j: usize) {
        self.member[j] = false;
        self.xi[j] = 0.0;
    }

    fn add(&mut self, j: usize, rate: f64) {
        self.member[j] = true;
        self.rate[j] = rate;
        self.xi[j] = self.params.satisfaction(rate);
        self.members.push(j);
    }

    /// The best response of non-member `j` to the current members.
    fn entry_response(&self, j: usize) -> Option<BestResponse> {
        let interval = self.intervals[j]?;
        Some(best_response(
            self.params,
            self.budget,
            &interval,
            self.total,
            None,
        ))
    }

    /// Exits, then entries, until neither changes the participants (see the module doc).
    fn settle_participation(&mut self) {
        // Exits: drop the worse half of the members below U_min until none is.
        loop {
            self.solve_rates();
            let violators = self.violators();
            if violators.is_empty() {
                break;
            }
            let drop = violators.len().div_ceil(2);
            for &(j, _) in &violators[..drop] {
                self.remove(j);
            }
            let member = &self.member;
            self.members.retain(|&j| member[j]);
        }
        // Entries: admit non-members (strongest first) whose entry keeps every member,
        // themselves included, at U_min or above once everyone has re-optimized. Batches grow
        // after a success and shrink after a failure.
        loop {
            let mut admitted_any = false;
            let candidates: Vec<usize> = self
                .order
                .iter()
                .copied()
                .filter(|&j| !self.member[j])
                .collect();
            let mut batch_size = candidates.len().max(1);
            let mut next = 0;
            while next < candidates.len() {
                // The next batch of candidates that reach U_min against the current members.
                let mut batch = Vec::new();
                let mut k = next;
                while k < candidates.len() && batch.len() < batch_size {
                    let j = candidates[k];
                    k += 1;
                    if let Some(br) = self.entry_response(j) {
                        if br.utility >= self.params.u_min {
                            batch.push((j, br.rate));
                        }
                    }
                }
                if batch.is_empty() {
                    break;
                }
                let saved: Vec<(usize, f64, f64)> = self
                    .members
                    .iter()
                    .map(|&j| (j, self.rate[j], self.xi[j]))
                    .collect();
                let (saved_converged, saved_change, saved_total) =
                    (self.converged, self.last_change, self.total);
                for &(j, r) in &batch {
                    self.add(j, r);
                }
                self.solve_rates();
                if self.converged && self.violators().is_empty() {
                    admitted_any = true;
                    next = k;
                    batch_size = batch_size.saturating_mul(2);
                } else {
                    // Revert to the members' previous equilibrium.
                    for &(j, _) in &batch {
                        self.remove(j);
                    }
                    let member = &self.member;
                    self.members.retain(|&j| member[j]);
                    for (j, r, x) in saved {
                        self.rate[j] = r;
                        self.xi[j] = x;
                    }
                    self.converged = saved_converged;
                    self.last_change = saved_change;
                    self.total = saved_total;
                    if batch.len() == 1 {
                        next = k; // this candidate is blocked
                    } else {
                        batch_size = batch.len().div_ceil(2);
                    }
                }
            }
            if !admitted_any {
                break;
            }
        }
        self.recompute_total();
    }

    fn outcome(&self) -> Equilibrium {
        let params = self.params;
        let budget = self.budget;
        let sellers: Vec<SellerOutcome> = (0..self.raw_rates.len())
            .map(|j| {
                let raw_rate = self.raw_rates[j];
                let Some(interval) = self.intervals[j] else {
                    return non_participant(j, raw_rate, Participation::NoFeasibleRate);
                };
                if self.member[j] {
                    let r = self.rate[j];
                    let others = self.others(j);
                    let (_, bound) = interval.clip(r);
                    let marginal_utility = params.share_marginal_utility(budget, r, others);
                    let satisfaction = self.xi[j];
                    let revenue = satisfaction / (others + satisfaction) * budget;
                    let energy_cost = params.energy_cost(r);
                    SellerOutcome {
                        index: j,
                        raw_rate,
                        participation: Participation::Participates,
                        rate: Some(r),
                        satisfaction: Some(satisfaction),
                        utility: Some(revenue - energy_cost),
                        revenue: Some(revenue),
                        energy_cost: Some(energy_cost),
                        marginal_utility: Some(marginal_utility),
                        bound: Some(bound),
                        multipliers: Some(multipliers(params, bound, marginal_utility)),
                    }
                } else {
                    let br = best_response(params, budget, &interval, self.total, None);
                    let participation = if br.utility < params.u_min {
                        Participation::BelowMinimumUtility {
                            best_rate: br.rate,
                            best_utility: br.utility,
                        }
                    } else {
                        Participation::EntryBlocked {
                            best_rate: br.rate,
                            best_utility: br.utility,
                        }
                    };
                    non_participant(j, raw_rate, participation)
                }
            })
            .collect();
        let participants = self.members.len();
        Equilibrium {
            sellers,
            iterations: self.sweeps,
            participation_rounds: self.rounds,
            converged: self.converged,
            last_change: self.last_change,
            participants,
            total_satisfaction: self.total,
        }
    }
}

fn non_participant(index: usize, raw_rate: f64, participation: Participation) -> SellerOutcome {
    SellerOutcome {
        index,
        raw_rate,
        participation,
        rate: None,
        satisfaction: None,
        utility: None,
        revenue: None,
        energy_cost: None,
        marginal_utility: None,
        bound: None,
        multipliers: None,
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
    fn best_response_is_the_grid_maximum() {
        let p = Params::default();
        let interval = p.feasible_interval(1000.0).unwrap();
        for &(b, phi) in &[(200.0, 0.7), (200.0, 5.0), (400.0, 13.0), (300.0, 100.0)] {
            let br = best_response(&p, b, &interval, phi, None);
            let best_grid = (0..=100_000)
                .map(|k| p.share_utility(b, k as f64 * 0.01, phi))
                .fold(f64::NEG_INFINITY, f64::max);
            assert!(
                br.utility >= best_grid - 1e-9,
                "{b} {phi}: {br:?} vs {best_grid}"
            );
        }
    }

    #[test]
    fn a_lone_seller_samples_at_the_lowest_rate() {
        let eq = solve_equilibrium(&paper(200.0, 1), &SolverOptions::default()).unwrap();
        let s = &eq.sellers[0];
        assert_eq!(s.rate, Some(0.0));
        assert_eq!(s.bound, Some(Bound::EnergyMin));
        assert!((s.utility.unwrap() - 190.0).abs() < 1e-9);
        // U' = -eps alpha1 at the lower bound, so mu2 = 1.
        assert!((s.multipliers.unwrap().mu2 - 1.0).abs() < 1e-12);
    }

    #[test]
    fn paper_instance_converges() {
        for b in [200.0, 300.0, 400.0] {
            for n in 1..=15 {
                let eq = solve_equilibrium(&paper(b, n), &SolverOptions::default()).unwrap();
                assert!(eq.converged, "B={b} n={n}: {eq:?}");
                assert_eq!(eq.participants, n);
            }
        }
    }

    #[test]
    fn too_many_sellers_for_the_budget_drop_out() {
        // 40 sellers sharing 200: at most ~17 can earn U_min = 1 above their energy cost of 10+.
        let inst = Instance {
            params: Params::default(),
            budget: 200.0,
            raw_rates: vec![500.0; 40],
        };
        let eq = solve_equilibrium(&inst, &SolverOptions::default()).unwrap();
        assert!(eq.converged);
        assert!(eq.participants > 0 && eq.participants < 40);
        for s in &eq.sellers {
            match s.participation {
                Participation::Participates => assert!(s.utility.unwrap() >= 1.0),
                Participation::BelowMinimumUtility { best_utility, .. } => {
                    assert!(best_utility < 1.0)
                }
                Participation::EntryBlocked { best_utility, .. } => assert!(best_utility >= 1.0),
                Participation::NoFeasibleRate => panic!("all feasible"),
            }
        }
    }
}
