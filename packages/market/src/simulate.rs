//! The simulation of Section 6.2: for `n = 1..=N` sellers (the first `n` raw rates), the
//! equilibrium at each budget and UPS at each budget and price; the per-seller results as CSV;
//! and a check of each of the section's claims against the numbers.
//!
//! The paper gives the budgets (200, 300, 400) but not the UPS prices of Figs. 9 and 11. The
//! default prices 14, 16 and 18 span the range where UPS works at all with the paper's constants:
//! below about 13.4 no seller earns `U_min` above its energy cost (`p xi(r*) - C_e(r*) < 1`), and
//! above `B / (15 beta1) = 19.05` (at `B = 200`) the budget share of 15 sellers buys less than
//! the satisfaction of rate 0. Figs. 9 and 11 compare the prices at the reference budget (200),
//! Figs. 10 and 12 the budgets at the reference price (16).

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::equilibrium::{solve_equilibrium, Equilibrium, SolverOptions};
use crate::error::{MarketError, Result};
use crate::model::{
    finite, positive, validate_raw_rates, Instance, Params, PAPER_BUDGETS, PAPER_RAW_RATES,
};
use crate::ups::{solve_ups, UpsOutcome};
use crate::welfare::{break_even_buyer_value, equilibrium_welfare, ups_welfare, Welfare};

/// Everything the simulation varies. [`SimulationConfig::default`] is Section 6.2.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SimulationConfig {
    pub params: Params,
    /// `R`: the raw sampling rates; the market with `n` sellers takes the first `n`.
    pub raw_rates: Vec<f64>,
    /// `N`: markets with `1..=N` sellers are simulated (at most `raw_rates.len()`).
    pub max_sellers: usize,
    pub budgets: Vec<f64>,
    /// UPS prices per unit of satisfaction.
    pub prices: Vec<f64>,
    /// The budget at which Figs. 9 and 11 compare prices (one of `budgets`).
    pub reference_budget: f64,
    /// The price at which Figs. 10 and 12 compare budgets (one of `prices`).
    pub reference_price: f64,
    /// `v`, the buyer's value of one unit of satisfaction ([`crate::welfare`]).
    pub buyer_value: f64,
    pub solver: SolverOptions,
}

/// The default UPS prices (see the module doc).
pub const DEFAULT_PRICES: [f64; 3] = [14.0, 16.0, 18.0];
/// The default buyer value `v`: 20 per unit of satisfaction, above every default price, so the
/// buyer would accept each UPS offer.
pub const DEFAULT_BUYER_VALUE: f64 = 20.0;

impl Default for SimulationConfig {
    fn default() -> Self {
        SimulationConfig {
            params: Params::default(),
            raw_rates: PAPER_RAW_RATES.to_vec(),
            max_sellers: PAPER_RAW_RATES.len(),
            budgets: PAPER_BUDGETS.to_vec(),
            prices: DEFAULT_PRICES.to_vec(),
            reference_budget: PAPER_BUDGETS[0],
            reference_price: DEFAULT_PRICES[1],
            buyer_value: DEFAULT_BUYER_VALUE,
            solver: SolverOptions::default(),
        }
    }
}

impl SimulationConfig {
    /// Checks every parameter and that the references are among the simulated values.
    pub fn validate(&self) -> Result<()> {
        self.params.validate()?;
        validate_raw_rates(&self.raw_rates)?;
        if self.max_sellers == 0 || self.max_sellers > self.raw_rates.len() {
            return Err(MarketError::BadSellerCount {
                requested: self.max_sellers,
                available: self.raw_rates.len(),
            });
        }
        if self.budgets.is_empty() {
            return Err(MarketError::EmptyList { name: "budgets" });
        }
        for &b in &self.budgets {
            positive("budget", b, " (the buyer's budget B)")?;
        }
        if self.prices.is_empty() {
            return Err(MarketError::EmptyList { name: "prices" });
        }
        for &p in &self.prices {
            positive("price", p, " (the UPS price per unit of satisfaction)")?;
        }
        if !self.budgets.contains(&self.reference_budget) {
            return Err(MarketError::ReferenceNotSimulated {
                name: "budget",
                value: self.reference_budget,
                choices: self.budgets.clone(),
            });
        }
        if !self.prices.contains(&self.reference_price) {
            return Err(MarketError::ReferenceNotSimulated {
                name: "price",
                value: self.reference_price,
                choices: self.prices.clone(),
            });
        }
        finite("buyer value", self.buyer_value)?;
        self.solver.validate()
    }
}

/// `ne` (the equilibrium of Section 5) or `ups`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Algorithm {
    Ne,
    Ups,
}

impl Algorithm {
    pub fn as_str(self) -> &'static str {
        match self {
            Algorithm::Ne => "ne",
            Algorithm::Ups => "ups",
        }
    }
}

/// One line of `results.csv`: one seller in one market.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SellerRow {
    pub algorithm: Algorithm,
    pub budget: f64,
    /// Empty for `ne`.
    pub price: Option<f64>,
    pub n_sellers: usize,
    /// 1-based position in `R`.
    pub seller: usize,
    pub raw_rate: f64,
    /// Empty when the seller does not take part.
    pub rate: Option<f64>,
    pub utility: Option<f64>,
    pub satisfaction: Option<f64>,
    pub participates: bool,
}

/// One market: the averages that Figs. 9-12 draw, and its total social benefit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MarketSummary {
    pub algorithm: Algorithm,
    pub budget: f64,
    pub price: Option<f64>,
    pub n_sellers: usize,
    pub participants: usize,
    /// Mean rate over the participants (`None` when none takes part).
    pub mean_rate: Option<f64>,
    /// Mean utility ("profit") over the participants.
    pub mean_utility: Option<f64>,
    pub welfare: Welfare,
    /// Best-response sweeps (0 for UPS, which needs none).
    pub iterations: usize,
    pub converged: bool,
}

/// How a claim of Section 6.2 fares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Supported,
    PartlySupported,
    Refuted,
}

impl Verdict {
    fn from_counts(held: usize, total: usize) -> Verdict {
        if total > 0 && held == total {
            Verdict::Supported
        } else if held == 0 {
            Verdict::Refuted
        } else {
            Verdict::PartlySupported
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Supported => "supported",
            Verdict::PartlySupported => "partly supported",
            Verdict::Refuted => "refuted",
        }
    }
}

/// One claim of Section 6.2 and what the simulation says about it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClaimCheck {
    pub id: String,
    pub claim: String,
    /// How the claim was turned into a test.
    pub test: String,
    pub verdict: Verdict,
    /// Numbers behind the verdict, one line per compared series.
    pub evidence: Vec<String>,
}

/// The whole simulation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Simulation {
    pub config: SimulationConfig,
    pub rows: Vec<SellerRow>,
    pub markets: Vec<MarketSummary>,
    pub claims: Vec<ClaimCheck>,
}

impl Simulation {
    /// The summary of one market, if simulated.
    pub fn market(
        &self,
        algorithm: Algorithm,
        budget: f64,
        price: Option<f64>,
        n: usize,
    ) -> Option<&MarketSummary> {
        self.markets.iter().find(|m| {
            m.algorithm == algorithm && m.budget == budget && m.price == price && m.n_sellers == n
        })
    }

    /// The markets of one series, ordered by `n`.
    pub fn series(
        &self,
        algorithm: Algorithm,
        budget: f64,
        price: Option<f64>,
    ) -> Vec<&MarketSummary> {
        let mut v: Vec<_> = self
            .markets
            .iter()
            .filter(|m| m.algorithm == algorithm && m.budget == budget && m.price == price)
            .collect();
        v.sort_by_key(|m| m.n_sellers);
        v
    }
}

/// Runs the simulation described by `config`.
pub fn run(config: &SimulationConfig) -> Result<Simulation> {
    config.validate()?;
    let mut rows = Vec::new();
    let mut markets = Vec::new();
    for &budget in &config.budgets {
        for n in 1..=config.max_sellers {
            let instance = Instance {
                params: config.params,
                budget,
                raw_rates: config.raw_rates[..n].to_vec(),
            };
            let eq = solve_equilibrium(&instance, &config.solver)?;
            push_equilibrium(&mut rows, &mut markets, &eq, budget, config.buyer_value);
            for &price in &config.prices {
                let ups = solve_ups(&instance, price)?;
                push_ups(&mut rows, &mut markets, &ups, config.buyer_value);
            }
        }
    }
    let mut sim = Simulation {
        config: config.clone(),
        rows,
        markets,
        claims: Vec::new(),
    };
    sim.claims = check_claims(&sim);
    Ok(sim)
}

fn mean(values: impl Iterator<Item = f64>) -> Option<f64> {
    let (sum, count) = values.fold((0.0, 0usize), |(s, c), v| (s + v, c + 1));
    (count > 0).then(|| sum / count as f64)
}

fn push_equilibrium(
    rows: &mut Vec<SellerRow>,
    markets: &mut Vec<MarketSummary>,
    eq: &Equilibrium,
    budget: f64,
    buyer_value: f64,
) {
    let n = eq.sellers.len();
    for s in &eq.sellers {
        rows.push(SellerRow {
            algorithm: Algorithm::Ne,
            budget,
            price: None,
            n_sellers: n,
            seller: s.index + 1,
            raw_rate: s.raw_rate,
            rate: s.rate,
            utility: s.utility,
            satisfaction: s.satisfaction,
            participates: s.participates(),
        });
    }
    markets.push(MarketSummary {
        algorithm: Algorithm::Ne,
        budget,
        price: None,
        n_sellers: n,
        participants: eq.participants,
        mean_rate: mean(eq.sellers.iter().filter_map(|s| s.rate)),
        mean_utility: mean(eq.sellers.iter().filter_map(|s| s.utility)),
        welfare: equilibrium_welfare(eq, budget, buyer_value),
        iterations: eq.iterations,
        converged: eq.converged,
    });
}

fn push_ups(
    rows: &mut Vec<SellerRow>,
    markets: &mut Vec<MarketSummary>,
    ups: &UpsOutcome,
    buyer_value: f64,
) {
    for s in &ups.sellers {
        rows.push(SellerRow {
            algorithm: Algorithm::Ups,
            budget: ups.budget,
            price: Some(ups.price),
            n_sellers: ups.n_sellers,
            seller: s.index + 1,
            raw_rate: s.raw_rate,
            rate: s.rate,
            utility: s.utility,
            satisfaction: s.satisfaction,
            participates: s.participates(),
        });
    }
    markets.push(MarketSummary {
        algorithm: Algorithm::Ups,
        budget: ups.budget,
        price: Some(ups.price),
        n_sellers: ups.n_sellers,
        participants: ups.participants,
        mean_rate: mean(ups.sellers.iter().filter_map(|s| s.rate)),
        mean_utility: mean(ups.sellers.iter().filter_map(|s| s.utility)),
        welfare: ups_welfare(ups, buyer_value),
        iterations: 0,
        converged: true,
    });
}

/// The largest `n` that the paper calls "few" sellers ("more than six" is many).
pub const FEW_SELLERS: usize = 6;
/// The relative spread `(max - min) / mean` of UPS profit over `n` up to which it counts as
/// "steady".
pub const FLAT_SPREAD: f64 = 0.10;

fn fmt_opt(v: Option<f64>) -> String {
    v.map_or_else(|| "none".to_string(), |v| format!("{v:.2}"))
}

/// The UPS series compared with the equilibrium at the same budget: every (budget, price).
fn comparisons(sim: &Simulation) -> Vec<(f64, f64)> {
    let c = &sim.config;
    let mut v = Vec::new();
    for &b in &c.budgets {
        for &p in &c.prices {
            v.push((b, p));
        }
    }
    v
}

/// Tests each claim of Section 6.2 on the simulated markets.
pub fn check_claims(sim: &Simulation) -> Vec<ClaimCheck> {
    let n_max = sim.config.max_sellers;
    let v = sim.config.buyer_value;
    let mut claims = Vec::new();

    // Rates: many sellers -> NE higher; few sellers -> UPS higher.
    for (id, claim, range) in [
        (
            "rates_many_sellers",
            "With more than six sellers, sellers sample faster under our algorithm (NE) than under UPS.",
            (FEW_SELLERS + 1)..=n_max,
        ),
        (
            "rates_few_sellers",
            "With few sellers (six or fewer), sellers sample faster under UPS.",
            1..=FEW_SELLERS.min(n_max),
        ),
    ] {
        let ne_higher = id == "rates_many_sellers";
        let mut held = 0;
        let mut total = 0;
        let mut evidence = Vec::new();
        for (b, p) in comparisons(sim) {
            let mut h = 0;
            let mut t = 0;
            let mut detail = Vec::new();
            for n in range.clone() {
                let (Some(ne), Some(ups)) = (
                    sim.market(Algorithm::Ne, b, None, n),
                    sim.market(Algorithm::Ups, b, Some(p), n),
                ) else {
                    continue;
                };
                // A market where no UPS seller takes part has rate 0 for the buyer.
                let ne_rate = ne.mean_rate.unwrap_or(0.0);
                let ups_rate = ups.mean_rate.unwrap_or(0.0);
                t += 1;
                if (ne_rate > ups_rate) == ne_higher && ne_rate != ups_rate {
                    h += 1;
                }
                detail.push(format!(
                    "n={n}: {} vs {}",
                    fmt_opt(ne.mean_rate),
                    fmt_opt(ups.mean_rate)
                ));
            }
            if t == 0 {
                continue;
            }
            held += h;
            total += t;
            evidence.push(format!(
                "B={b} p={p}: holds at {h}/{t} (mean rate NE vs UPS; {})",
                detail.join(", ")
            ));
        }
        if total > 0 {
            claims.push(ClaimCheck {
                id: id.into(),
                claim: claim.into(),
                test: "mean rate over participating sellers, NE against UPS at the same budget, for every simulated price and each n in the range; a market with no UPS participant counts as rate 0".into(),
                verdict: Verdict::from_counts(held, total),
                evidence,
            });
        }
    }

    // UPS profit steady in n.
    {
        let mut held = 0;
        let mut evidence = Vec::new();
        let cmp = comparisons(sim);
        for &(b, p) in &cmp {
            let profits: Vec<(usize, f64)> = sim
                .series(Algorithm::Ups, b, Some(p))
                .iter()
                .filter_map(|m| m.mean_utility.map(|u| (m.n_sellers, u)))
                .collect();
            let lo = profits.iter().map(|x| x.1).fold(f64::INFINITY, f64::min);
            let hi = profits
                .iter()
                .map(|x| x.1)
                .fold(f64::NEG_INFINITY, f64::max);
            let avg = mean(profits.iter().map(|x| x.1));
            let spread = avg.map(|a| (hi - lo) / a.abs());
            let flat = profits.len() == n_max && spread.is_some_and(|s| s <= FLAT_SPREAD);
            if flat {
                held += 1;
            }
            evidence.push(format!(
                "B={b} p={p}: profit {} over n with participants ({} of {n_max}), spread (max-min)/mean = {}: {}",
                if profits.is_empty() {
                    "none".to_string()
                } else {
                    format!("{lo:.3}..{hi:.3}")
                },
                profits.len(),
                spread.map_or("n/a".into(), |s| format!("{:.1}%", s * 100.0)),
                if flat { "steady" } else { "not steady" }
            ));
        }
        claims.push(ClaimCheck {
            id: "ups_profit_steady".into(),
            claim: "Under UPS a seller's profit is steady as the number of sellers grows.".into(),
            test: format!(
                "mean UPS profit over n = 1..{n_max} varies by at most {:.0}% of its mean, with sellers taking part at every n",
                FLAT_SPREAD * 100.0
            ),
            verdict: Verdict::from_counts(held, cmp.len()),
            evidence,
        });
    }

    // NE profit decreasing in n.
    {
        let mut held = 0;
        let mut total = 0;
        let mut evidence = Vec::new();
        for &b in &sim.config.budgets {
            let s = sim.series(Algorithm::Ne, b, None);
            let mut dec = 0;
            let mut steps = 0;
            let mut rises = Vec::new();
            for w in s.windows(2) {
                if let (Some(a), Some(c)) = (w[0].mean_utility, w[1].mean_utility) {
                    steps += 1;
                    if c < a {
                        dec += 1;
                    } else {
                        rises.push(format!(
                            "n={}->{}: {a:.2}->{c:.2}",
                            w[0].n_sellers, w[1].n_sellers
                        ));
                    }
                }
            }
            held += dec;
            total += steps;
            let pick = |n: usize| {
                fmt_opt(
                    s.iter()
                        .find(|m| m.n_sellers == n)
                        .and_then(|m| m.mean_utility),
                )
            };
            evidence.push(format!(
                "B={b}: decreases at {dec}/{steps} steps; profit n=1: {}, n=2: {}, n=6: {}, n=10: {}, n={n_max}: {}{}",
                pick(1),
                pick(2),
                pick(6),
                pick(10),
                pick(n_max),
                if rises.is_empty() { String::new() } else { format!("; rises: {}", rises.join(", ")) }
            ));
        }
        claims.push(ClaimCheck {
            id: "ne_profit_decreasing".into(),
            claim:
                "Under our algorithm a seller's profit decreases as the number of sellers grows."
                    .into(),
            test: "mean NE profit over participants falls from each n to n+1".into(),
            verdict: Verdict::from_counts(held, total),
            evidence,
        });
    }

    // Total social benefit.
    {
        let mut held = 0;
        let mut total = 0;
        let mut evidence = Vec::new();
        for (b, p) in comparisons(sim) {
            let mut h = 0;
            let mut t = 0;
            let mut breakeven = Vec::new();
            let mut first_last = Vec::new();
            for n in 1..=n_max {
                let (Some(ne), Some(ups)) = (
                    sim.market(Algorithm::Ne, b, None, n),
                    sim.market(Algorithm::Ups, b, Some(p), n),
                ) else {
                    continue;
                };
                t += 1;
                if ne.welfare.total > ups.welfare.total {
                    h += 1;
                }
                if n == 1 || n == n_max || n == FEW_SELLERS + 1 {
                    first_last.push(format!(
                        "n={n}: {:.2} vs {:.2}",
                        ne.welfare.total, ups.welfare.total
                    ));
                }
                if let Some(be) = break_even_buyer_value(&ne.welfare, &ups.welfare) {
                    breakeven.push((n, be, ne.welfare.satisfaction > ups.welfare.satisfaction));
                }
            }
            held += h;
            total += t;
            let be_text = breakeven
                .iter()
                .map(|(n, be, ne_more)| format!("{n}:{be:.1}{}", if *ne_more { "+" } else { "-" }))
                .collect::<Vec<_>>()
                .join(" ");
            evidence.push(format!(
                "B={b} p={p}: NE higher at {h}/{t} n ({}); break-even v by n (+: NE wins above it, -: below it): {be_text}",
                first_last.join(", ")
            ));
        }
        claims.push(ClaimCheck {
            id: "social_benefit".into(),
            claim: "Our algorithm gives a higher total social benefit than UPS.".into(),
            test: format!(
                "total social benefit = sellers' utilities + buyer's (v * satisfaction - payment), v = {v}; NE against UPS at the same budget for every price and n"
            ),
            verdict: Verdict::from_counts(held, total),
            evidence,
        });
    }
    claims
}

/// Writes `results.csv` (the columns of [`SellerRow`]).
pub fn write_results_csv(sim: &Simulation, path: &Path) -> Result<()> {
    let err = |e: &dyn std::fmt::Display| MarketError::Output {
        path: path.to_path_buf(),
        message: e.to_string(),
    };
    let mut w = csv::Writer::from_path(path).map_err(|e| err(&e))?;
    w.write_record([
        "algorithm",
        "budget",
        "price",
        "n_sellers",
        "seller",
        "raw_rate",
        "rate",
        "utility",
        "satisfaction",
        "participates",
    ])
    .map_err(|e| err(&e))?;
    let opt = |v: Option<f64>| v.map_or_else(String::new, |v| v.to_string());
    for r in &sim.rows {
        w.write_record([
            r.algorithm.as_str().to_string(),
            r.budget.to_string(),
            opt(r.price),
            r.n_sellers.to_string(),
            r.seller.to_string(),
            r.raw_rate.to_string(),
            opt(r.rate),
            opt(r.utility),
            opt(r.satisfaction),
            r.participates.to_string(),
        ])
        .map_err(|e| err(&e))?;
    }
    w.flush().map_err(|e| err(&e))
}

/// Writes `summary.csv`: one line per market with the averages drawn in Figs. 9-12 and the
/// parts of its total social benefit.
pub fn write_summary_csv(sim: &Simulation, path: &Path) -> Result<()> {
    let err = |e: &dyn std::fmt::Display| MarketError::Output {
        path: path.to_path_buf(),
        message: e.to_string(),
    };
    let mut w = csv::Writer::from_path(path).map_err(|e| err(&e))?;
    w.write_record([
        "algorithm",
        "budget",
        "price",
        "n_sellers",
        "participants",
        "mean_rate",
        "mean_utility",
        "sellers_utility",
        "satisfaction",
        "energy_cost",
        "payment",
        "buyer_benefit",
        "total_social_benefit",
        "iterations",
        "converged",
    ])
    .map_err(|e| err(&e))?;
    let opt = |v: Option<f64>| v.map_or_else(String::new, |v| v.to_string());
    for m in &sim.markets {
        w.write_record([
            m.algorithm.as_str().to_string(),
            m.budget.to_string(),
            opt(m.price),
            m.n_sellers.to_string(),
            m.participants.to_string(),
            opt(m.mean_rate),
            opt(m.mean_utility),
            m.welfare.sellers_utility.to_string(),
            m.welfare.satisfaction.to_string(),
            m.welfare.energy_cost.to_string(),
            m.welfare.payment.to_string(),
            m.welfare.buyer_benefit.to_string(),
            m.welfare.total.to_string(),
            m.iterations.to_string(),
            m.converged.to_string(),
        ])
        .map_err(|e| err(&e))?;
    }
    w.flush().map_err(|e| err(&e))
}
