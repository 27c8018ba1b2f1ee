//! The market's command line (`twinshare market`): clap arguments for `simulate` (paper Section
//! 6.2, with TOML overrides) and `solve` (one market, from flags or JSON), and what each
//! returns: a JSON document for scripts and a text report for people. The `twinshare` CLI
//! prints one or the other.

use std::fmt::Write as _;
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::plot::draw_figures;
use crate::simulate::{
    run, write_results_csv, write_summary_csv, Algorithm, MarketSummary, Simulation,
    SimulationConfig, DEFAULT_BUYER_VALUE,
};
use crate::{
    equilibrium_welfare, solve_equilibrium, solve_ups, ups_welfare, Equilibrium, Instance,
    MarketError, Params, Participation, SolverOptions, UpsOutcome, UpsParticipation, Welfare,
};

/// Appends a line to a report (a `String` cannot fail to take it).
macro_rules! outln {
    ($out:expr) => {
        $out.push('\n')
    };
    ($out:expr, $($arg:tt)*) => {{
        let _ = writeln!($out, $($arg)*);
    }};
}

/// What a market command returns.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// The whole result, for `--output json`.
    pub json: serde_json::Value,
    /// The readable report.
    pub text: String,
}

/// Why a market command failed, in words that say what to fix.
#[derive(Debug, Error)]
pub enum CommandError {
    #[error("reading {what} {}: {source}", path.display())]
    Read {
        what: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("writing {what} {}: {source}", path.display())]
    Write {
        what: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("parsing {what}: {reason}")]
    Parse { what: String, reason: String },
    #[error("{0}")]
    Input(String),
    #[error("invalid {what}: {source}")]
    Invalid {
        what: &'static str,
        source: MarketError,
    },
    #[error(transparent)]
    Market(#[from] MarketError),
    #[error("the report as JSON: {0}")]
    Json(#[from] serde_json::Error),
}

pub type Result<T> = std::result::Result<T, CommandError>;

/// Runs one market command.
pub fn execute(command: &MarketCommand) -> Result<Report> {
    match command {
        MarketCommand::Simulate(args) => simulate(args),
        MarketCommand::Solve(args) => solve(args),
    }
}

#[derive(Debug, Subcommand)]
pub enum MarketCommand {
    /// Rerun the simulation of Section 6.2: markets of 1..N sellers (the first n raw rates),
    /// the equilibrium at each budget and UPS at each budget and price.
    ///
    /// Writes results.csv (one line per seller and market: algorithm, budget, price, n_sellers,
    /// seller, raw_rate, rate, utility, satisfaction, participates), summary.csv (one line per
    /// market: mean rate and profit, total social benefit) and the four SVG figures of
    /// Figs. 9-12, then reports which of the section's claims the numbers support.
    ///
    /// Every parameter defaults to the paper's (beta1 0.7, beta2 0.1, alpha1 0.01, alpha2 10,
    /// eps 1, C_eMin 10, C_eMax 20, U_min 1, R = 100, 200, 1000, 500, 800, 300, 600, 700,
    /// 400, 900, 750, 250, 450, 650, 150, budgets 200, 300, 400). The paper does not give its
    /// UPS prices; the defaults 14, 16, 18 span the prices at which UPS sellers can take part.
    /// Precedence: flag, then --params-file, then default.
    ///
    /// Examples:
    ///   twinshare market simulate                     # the paper's parameters, ./market-results/
    ///   twinshare market simulate --prices 15,17 --reference-price 15 --out-dir /tmp/run
    ///   twinshare market simulate --params-file market.toml --no-plots --output json
    #[command(
        verbatim_doc_comment,
        after_help = "A --params-file is TOML; every key is optional:
  raw_rates = [100, 200, 1000]
  budgets = [200, 300, 400]
  prices = [14, 16, 18]
  max_sellers = 3
  reference_budget = 200     # Figs. 9 and 11 compare prices at this budget
  reference_price = 16       # Figs. 10 and 12 compare budgets at this price
  buyer_value = 20           # what one unit of satisfaction is worth to the buyer
  out_dir = \"market-results\"
  [params]
  beta1 = 0.7
  beta2 = 0.1
  alpha1 = 0.01
  alpha2 = 10
  eps = 1
  ce_min = 10
  ce_max = 20
  u_min = 1
  [solver]
  tolerance = 1e-9
  max_sweeps = 10000"
    )]
    Simulate(SimulateArgs),

    /// Solve one market: the Nash equilibrium rates (and UPS rates with --price).
    ///
    /// Prints each seller's rate, utility, satisfaction, the constraint that binds it and its
    /// KKT multipliers (mu1: C_eMax, mu2: C_eMin, mu3: U_min, and the bounds r <= R_j and
    /// r >= 0), whether the iteration converged, and the total social benefit. A seller that
    /// cannot reach U_min is reported as not taking part.
    ///
    /// Examples:
    ///   twinshare market solve --budget 200 --raw-rates 100,200,1000,500,800,300,600
    ///   twinshare market solve --budget 300 --raw-rates 100,200,1000 --price 16
    ///   echo '{"budget": 200, "raw_rates": [100, 200]}' | twinshare market solve --input - --output json
    #[command(
        verbatim_doc_comment,
        after_help = "An --input file (or - for standard input) is JSON; every key is optional and flags override it:
  {\"params\": {\"beta1\": 0.7, \"u_min\": 1}, \"budget\": 200, \"raw_rates\": [100, 200, 1000],
   \"prices\": [16], \"buyer_value\": 20, \"solver\": {\"tolerance\": 1e-9, \"max_sweeps\": 10000}}
The JSON of a library Instance ({\"params\": {...}, \"budget\": ..., \"raw_rates\": [...]}) is accepted as is."
    )]
    Solve(SolveArgs),
}

/// The model's constants; each overrides the file and the paper's default.
#[derive(Debug, Clone, Default, Args)]
pub struct ModelArgs {
    /// beta1, satisfaction at rate 0 [default: 0.7]
    #[arg(long, allow_negative_numbers = true)]
    beta1: Option<f64>,
    /// beta2, satisfaction per decade of 1 + r [default: 0.1]
    #[arg(long, allow_negative_numbers = true)]
    beta2: Option<f64>,
    /// alpha1, energy per unit of sampling rate [default: 0.01]
    #[arg(long, allow_negative_numbers = true)]
    alpha1: Option<f64>,
    /// alpha2, energy at rate 0 [default: 10]
    #[arg(long, allow_negative_numbers = true)]
    alpha2: Option<f64>,
    /// eps, price of one unit of electricity [default: 1]
    #[arg(long, allow_negative_numbers = true)]
    pub eps: Option<f64>,
    /// C_eMin, least energy cost per unit time [default: 10]
    #[arg(long, allow_negative_numbers = true)]
    pub ce_min: Option<f64>,
    /// C_eMax, greatest energy cost per unit time [default: 20]
    #[arg(long, allow_negative_numbers = true)]
    pub ce_max: Option<f64>,
    /// U_min, the least utility for which a seller takes part [default: 1]
    #[arg(long, allow_negative_numbers = true)]
    pub u_min: Option<f64>,
}

/// Iteration control.
#[derive(Debug, Clone, Default, Args)]
pub struct SolverArgs {
    /// Stop when no rate moves by more than this between sweeps [default: 1e-9]
    #[arg(long, allow_negative_numbers = true)]
    pub tolerance: Option<f64>,
    /// Give up (and say so) after this many sweeps [default: 10000]
    #[arg(long)]
    pub max_sweeps: Option<usize>,
}

#[derive(Debug, Args)]
pub struct SimulateArgs {
    #[command(flatten)]
    pub model: ModelArgs,
    #[command(flatten)]
    pub solver: SolverArgs,
    /// Raw sampling rates R, comma-separated; the market with n sellers takes the first n
    /// [default: the paper's 15]
    #[arg(long, value_delimiter = ',', allow_negative_numbers = true)]
    pub raw_rates: Option<Vec<f64>>,
    /// Simulate markets of 1..N sellers [default: the number of raw rates]
    #[arg(long)]
    pub max_sellers: Option<usize>,
    /// Buyer budgets B, comma-separated [default: 200,300,400]
    #[arg(long, value_delimiter = ',', allow_negative_numbers = true)]
    pub budgets: Option<Vec<f64>>,
    /// UPS prices per unit of satisfaction, comma-separated [default: 14,16,18]
    #[arg(long, value_delimiter = ',', allow_negative_numbers = true)]
    pub prices: Option<Vec<f64>>,
    /// The budget at which Figs. 9 and 11 compare prices [default: the first budget]
    #[arg(long, allow_negative_numbers = true)]
    pub reference_budget: Option<f64>,
    /// The price at which Figs. 10 and 12 compare budgets [default: the middle price]
    #[arg(long, allow_negative_numbers = true)]
    pub reference_price: Option<f64>,
    /// What one unit of satisfaction is worth to the buyer, for the total social benefit
    /// [default: 20]
    #[arg(long, allow_negative_numbers = true)]
    pub buyer_value: Option<f64>,
    /// A TOML file with any of the parameters (see below)
    #[arg(long, value_name = "FILE")]
    pub params_file: Option<PathBuf>,
    /// Where to write results.csv, summary.csv and the figures [default: ./market-results]
    #[arg(long, value_name = "DIR")]
    pub out_dir: Option<PathBuf>,
    /// Write the CSV files only
    #[arg(long)]
    pub no_plots: bool,
}

#[derive(Debug, Args)]
pub struct SolveArgs {
    #[command(flatten)]
    pub model: ModelArgs,
    #[command(flatten)]
    pub solver: SolverArgs,
    /// The buyer's budget B (required here or in --input)
    #[arg(long, allow_negative_numbers = true)]
    pub budget: Option<f64>,
    /// The sellers' raw sampling rates R, comma-separated (required here or in --input)
    #[arg(long, value_delimiter = ',', allow_negative_numbers = true)]
    pub raw_rates: Option<Vec<f64>>,
    /// Also solve UPS at these prices per unit of satisfaction, comma-separated
    #[arg(
        long = "price",
        visible_alias = "prices",
        value_delimiter = ',',
        allow_negative_numbers = true
    )]
    pub prices: Option<Vec<f64>>,
    /// Value of one unit of satisfaction to the buyer, for the total social benefit
    /// [default: 20]
    #[arg(long, allow_negative_numbers = true)]
    pub buyer_value: Option<f64>,
    /// A JSON file with the instance (see below); - reads standard input
    #[arg(long, value_name = "FILE")]
    pub input: Option<PathBuf>,
}

/// The optional model constants of a file.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ModelFile {
    beta1: Option<f64>,
    beta2: Option<f64>,
    alpha1: Option<f64>,
    alpha2: Option<f64>,
    eps: Option<f64>,
    ce_min: Option<f64>,
    ce_max: Option<f64>,
    u_min: Option<f64>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct SolverFile {
    tolerance: Option<f64>,
    max_sweeps: Option<usize>,
}

/// `simulate --params-file` (not `--config`: that names the CLI's own config file).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct SimulateFile {
    params: Option<ModelFile>,
    solver: Option<SolverFile>,
    raw_rates: Option<Vec<f64>>,
    max_sellers: Option<usize>,
    budgets: Option<Vec<f64>>,
    prices: Option<Vec<f64>>,
    reference_budget: Option<f64>,
    reference_price: Option<f64>,
    buyer_value: Option<f64>,
    out_dir: Option<PathBuf>,
}

/// `solve --input`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct SolveFile {
    params: Option<ModelFile>,
    solver: Option<SolverFile>,
    budget: Option<f64>,
    raw_rates: Option<Vec<f64>>,
    prices: Option<Vec<f64>>,
    buyer_value: Option<f64>,
}

fn params_from(flags: &ModelArgs, file: Option<&ModelFile>) -> Params {
    let file = file.cloned().unwrap_or_default();
    let d = Params::default();
    Params {
        beta1: flags.beta1.or(file.beta1).unwrap_or(d.beta1),
        beta2: flags.beta2.or(file.beta2).unwrap_or(d.beta2),
        alpha1: flags.alpha1.or(file.alpha1).unwrap_or(d.alpha1),
        alpha2: flags.alpha2.or(file.alpha2).unwrap_or(d.alpha2),
        eps: flags.eps.or(file.eps).unwrap_or(d.eps),
        ce_min: flags.ce_min.or(file.ce_min).unwrap_or(d.ce_min),
        ce_max: flags.ce_max.or(file.ce_max).unwrap_or(d.ce_max),
        u_min: flags.u_min.or(file.u_min).unwrap_or(d.u_min),
    }
}

fn solver_from(flags: &SolverArgs, file: Option<&SolverFile>) -> SolverOptions {
    let file = file.cloned().unwrap_or_default();
    let d = SolverOptions::default();
    SolverOptions {
        tolerance: flags.tolerance.or(file.tolerance).unwrap_or(d.tolerance),
        max_sweeps: flags.max_sweeps.or(file.max_sweeps).unwrap_or(d.max_sweeps),
    }
}

/// Fixed notation for ordinary magnitudes, scientific for huge or tiny ones.
fn num(v: f64) -> String {
    if v != 0.0 && (v.abs() >= 1e7 || v.abs() < 1e-4) {
        format!("{v:.4e}")
    } else {
        format!("{v:.4}")
    }
}

fn simulate(args: &SimulateArgs) -> Result<Report> {
    let file: SimulateFile = match &args.params_file {
        Some(path) => {
            let text = fs::read_to_string(path).map_err(|source| CommandError::Read {
                what: "the parameters file",
                path: path.clone(),
                source,
            })?;
            toml::from_str(&text).map_err(|e| CommandError::Parse {
                what: format!("the parameters file {}", path.display()),
                reason: e.to_string(),
            })?
        }
        None => SimulateFile::default(),
    };
    let d = SimulationConfig::default();
    let raw_rates = args
        .raw_rates
        .clone()
        .or(file.raw_rates.clone())
        .unwrap_or(d.raw_rates);
    let budgets = args
        .budgets
        .clone()
        .or(file.budgets.clone())
        .unwrap_or(d.budgets);
    let prices = args
        .prices
        .clone()
        .or(file.prices.clone())
        .unwrap_or(d.prices);
    let config = SimulationConfig {
        params: params_from(&args.model, file.params.as_ref()),
        max_sellers: args
            .max_sellers
            .or(file.max_sellers)
            .unwrap_or(raw_rates.len()),
        reference_budget: args
            .reference_budget
            .or(file.reference_budget)
            .or(budgets.first().copied())
            .unwrap_or(d.reference_budget),
        reference_price: args
            .reference_price
            .or(file.reference_price)
            .or(prices.get(prices.len() / 2).copied())
            .unwrap_or(d.reference_price),
        buyer_value: args
            .buyer_value
            .or(file.buyer_value)
            .unwrap_or(DEFAULT_BUYER_VALUE),
        solver: solver_from(&args.solver, file.solver.as_ref()),
        raw_rates,
        budgets,
        prices,
    };
    let out_dir = args
        .out_dir
        .clone()
        .or(file.out_dir.clone())
        .unwrap_or_else(|| PathBuf::from("market-results"));

    let sim = run(&config).map_err(|e| CommandError::Invalid {
        what: "simulation parameters",
        source: e,
    })?;
    fs::create_dir_all(&out_dir).map_err(|source| CommandError::Write {
        what: "the output directory",
        path: out_dir.clone(),
        source,
    })?;
    let mut files = vec![out_dir.join("results.csv"), out_dir.join("summary.csv")];
    write_results_csv(&sim, &files[0])?;
    write_summary_csv(&sim, &files[1])?;
    if !args.no_plots {
        files.extend(draw_figures(&sim, &out_dir)?);
    }

    let json = {
        #[derive(Serialize)]
        struct Summary<'a> {
            out_dir: &'a Path,
            files: &'a [PathBuf],
            config: &'a SimulationConfig,
            markets: &'a [MarketSummary],
            claims: &'a [crate::ClaimCheck],
        }
        let report = Summary {
            out_dir: &out_dir,
            files: &files,
            config: &sim.config,
            markets: &sim.markets,
            claims: &sim.claims,
        };
        serde_json::to_value(&report)?
    };
    let mut text = String::new();
    print_simulation(&mut text, &sim, &files);
    Ok(Report { json, text })
}

fn fmt_opt(v: Option<f64>, width: usize) -> String {
    match v {
        Some(v) => format!("{v:>width$.2}"),
        None => format!("{:>width$}", "-"),
    }
}

fn print_simulation(out: &mut String, sim: &Simulation, files: &[PathBuf]) {
    let c = &sim.config;
    outln!(
        out,
        "Section 6.2 simulation: n = 1..{} sellers, budgets {:?}, UPS prices {:?}, buyer value {}",
        c.max_sellers,
        c.budgets,
        c.prices,
        c.buyer_value
    );
    let not_converged = sim.markets.iter().filter(|m| !m.converged).count();
    if not_converged > 0 {
        outln!(
            out,
            "WARNING: {not_converged} equilibria did not converge within {} sweeps",
            c.solver.max_sweeps
        );
    }
    for &b in &c.budgets {
        outln!(out);
        outln!(out, "Budget {b}: mean rate / mean profit over participating sellers (participants), total social benefit");
        let mut header = format!(
            "{:>3} | {:>8} {:>8} {:>3} {:>9}",
            "n", "NE rate", "profit", "in", "welfare"
        );
        for &p in &c.prices {
            header.push_str(&format!(
                " | {:>8} {:>8} {:>3} {:>9}",
                format!("p={p}"),
                "profit",
                "in",
                "welfare"
            ));
        }
        outln!(out, "{header}");
        for n in 1..=c.max_sellers {
            let mut line = String::new();
            if let Some(m) = sim.market(Algorithm::Ne, b, None, n) {
                line.push_str(&format!(
                    "{n:>3} | {} {} {:>3} {:>9.2}",
                    fmt_opt(m.mean_rate, 8),
                    fmt_opt(m.mean_utility, 8),
                    m.participants,
                    m.welfare.total
                ));
            }
            for &p in &c.prices {
                if let Some(m) = sim.market(Algorithm::Ups, b, Some(p), n) {
                    line.push_str(&format!(
                        " | {} {} {:>3} {:>9.2}",
                        fmt_opt(m.mean_rate, 8),
                        fmt_opt(m.mean_utility, 8),
                        m.participants,
                        m.welfare.total
                    ));
                }
            }
            outln!(out, "{line}");
        }
    }
    outln!(out);
    outln!(out, "Claims of Section 6.2:");
    for claim in &sim.claims {
        outln!(out, "- [{}] {}", claim.verdict.as_str(), claim.claim);
        outln!(out, "  test: {}", claim.test);
        for e in &claim.evidence {
            outln!(out, "    {e}");
        }
    }
    outln!(out);
    outln!(out, "Wrote:");
    for f in files {
        outln!(out, "  {}", f.display());
    }
}

fn solve(args: &SolveArgs) -> Result<Report> {
    let file: SolveFile = match &args.input {
        Some(path) => {
            let text = if path.as_os_str() == "-" {
                let mut s = String::new();
                std::io::stdin()
                    .read_to_string(&mut s)
                    .map_err(|source| CommandError::Read {
                        what: "the instance from",
                        path: PathBuf::from("standard input"),
                        source,
                    })?;
                s
            } else {
                fs::read_to_string(path).map_err(|source| CommandError::Read {
                    what: "the input file",
                    path: path.clone(),
                    source,
                })?
            };
            serde_json::from_str(&text).map_err(|e| CommandError::Parse {
                what: format!("the instance JSON from {}", path.display()),
                reason: e.to_string(),
            })?
        }
        None => SolveFile::default(),
    };
    let Some(budget) = args.budget.or(file.budget) else {
        return Err(CommandError::Input(
            "no budget: give --budget B (or \"budget\" in the --input JSON)".into(),
        ));
    };
    let Some(raw_rates) = args.raw_rates.clone().or(file.raw_rates.clone()) else {
        return Err(CommandError::Input(
            "no sellers: give --raw-rates R1,R2,... (or \"raw_rates\" in the --input JSON)".into(),
        ));
    };
    let instance = Instance {
        params: params_from(&args.model, file.params.as_ref()),
        budget,
        raw_rates,
    };
    let options = solver_from(&args.solver, file.solver.as_ref());
    let buyer_value = args
        .buyer_value
        .or(file.buyer_value)
        .unwrap_or(DEFAULT_BUYER_VALUE);
    if !buyer_value.is_finite() {
        return Err(CommandError::Input(format!(
            "--buyer-value must be a finite number, got {buyer_value}"
        )));
    }
    let prices = args
        .prices
        .clone()
        .or(file.prices.clone())
        .unwrap_or_default();

    let eq = solve_equilibrium(&instance, &options).map_err(|e| CommandError::Invalid {
        what: "instance",
        source: e,
    })?;
    let eq_welfare = equilibrium_welfare(&eq, budget, buyer_value);
    let mut ups = Vec::new();
    for &p in &prices {
        let outcome = solve_ups(&instance, p).map_err(|e| CommandError::Invalid {
            what: "UPS price",
            source: e,
        })?;
        let w = ups_welfare(&outcome, buyer_value);
        ups.push((outcome, w));
    }

    let json = {
        #[derive(Serialize)]
        struct UpsReport<'a> {
            #[serde(flatten)]
            outcome: &'a UpsOutcome,
            welfare: &'a Welfare,
        }
        #[derive(Serialize)]
        struct Solution<'a> {
            instance: &'a Instance,
            solver: &'a SolverOptions,
            equilibrium: &'a Equilibrium,
            equilibrium_welfare: &'a Welfare,
            ups: Vec<UpsReport<'a>>,
        }
        let report = Solution {
            instance: &instance,
            solver: &options,
            equilibrium: &eq,
            equilibrium_welfare: &eq_welfare,
            ups: ups
                .iter()
                .map(|(outcome, welfare)| UpsReport { outcome, welfare })
                .collect(),
        };
        serde_json::to_value(&report)?
    };
    let mut text = String::new();
    print_equilibrium(&mut text, &instance, &eq, &eq_welfare);
    for (outcome, w) in &ups {
        print_ups(&mut text, outcome, w);
    }
    Ok(Report { json, text })
}

fn print_equilibrium(out: &mut String, instance: &Instance, eq: &Equilibrium, w: &Welfare) {
    outln!(
        out,
        "Nash equilibrium, budget {}: {} after {} sweeps in {} participation rounds (last largest rate change {:.3e}); {} of {} sellers take part",
        instance.budget,
        if eq.converged { "converged" } else { "DID NOT CONVERGE" },
        eq.iterations,
        eq.participation_rounds,
        eq.last_change,
        eq.participants,
        eq.sellers.len()
    );
    outln!(
        out,
        "{:>6} {:>9} {:>11} {:>10} {:>12} {:>12}  {:<13} multipliers",
        "seller",
        "raw rate",
        "rate",
        "utility",
        "satisfaction",
        "dU/dr",
        "bound"
    );
    for s in &eq.sellers {
        match s.participation {
            Participation::Participates => {
                let m = s.multipliers.unwrap_or_default();
                outln!(
        out,
                    "{:>6} {:>9} {:>11.4} {:>10.4} {:>12.6} {:>12.3e}  {:<13} mu1={:.4} mu2={:.4} mu3={:.4} R={:.4e} r>=0={:.4e}",
                    s.index + 1,
                    s.raw_rate,
                    s.rate.unwrap_or(f64::NAN),
                    s.utility.unwrap_or(f64::NAN),
                    s.satisfaction.unwrap_or(f64::NAN),
                    s.marginal_utility.unwrap_or(f64::NAN),
                    s.bound.map_or("-".into(), |b| format!("{b:?}")),
                    m.mu1,
                    m.mu2,
                    m.mu3,
                    m.raw_rate,
                    m.nonnegativity
                );
            }
            Participation::BelowMinimumUtility {
                best_rate,
                best_utility,
            } => outln!(
        out,
                "{:>6} {:>9} does not take part: its best rate {best_rate:.4} would earn {best_utility:.4} < U_min {}",
                s.index + 1,
                s.raw_rate,
                instance.params.u_min
            ),
            Participation::EntryBlocked {
                best_rate,
                best_utility,
            } => outln!(
        out,
                "{:>6} {:>9} does not take part: it would earn {best_utility:.4} at rate {best_rate:.4} against the current rates, but after everyone re-optimizes its entry leaves a seller below U_min",
                s.index + 1,
                s.raw_rate,
            ),
            Participation::NoFeasibleRate => outln!(
        out,
                "{:>6} {:>9} does not take part: no rate up to R meets the energy constraint",
                s.index + 1,
                s.raw_rate
            ),
        }
    }
    print_welfare(out, w);
}

fn print_ups(out: &mut String, u: &UpsOutcome, w: &Welfare) {
    outln!(out);
    outln!(
        out,
        "UPS at price {} per unit of satisfaction, budget {} over {} sellers: rate cap xi^-1(B/(n p)) = {}, unconstrained optimum {}; {} take part",
        u.price,
        u.budget,
        u.n_sellers,
        num(u.cap_rate),
        num(u.unconstrained_rate),
        u.participants
    );
    outln!(
        out,
        "{:>6} {:>9} {:>11} {:>10} {:>12}  bound",
        "seller",
        "raw rate",
        "rate",
        "utility",
        "satisfaction"
    );
    for s in &u.sellers {
        match s.participation {
            UpsParticipation::Participates => outln!(
        out,
                "{:>6} {:>9} {:>11.4} {:>10.4} {:>12.6}  {:<13}",
                s.index + 1,
                s.raw_rate,
                s.rate.unwrap_or(f64::NAN),
                s.utility.unwrap_or(f64::NAN),
                s.satisfaction.unwrap_or(f64::NAN),
                s.bound.map_or("-".into(), |b| format!("{b:?}")),
            ),
            UpsParticipation::BelowMinimumUtility {
                best_rate,
                best_utility,
            } => outln!(
        out,
                "{:>6} {:>9} does not take part: its best rate {best_rate:.4} would earn {best_utility:.4} < U_min",
                s.index + 1,
                s.raw_rate
            ),
            UpsParticipation::BudgetShareTooSmall { cap_rate } => outln!(
        out,
                "{:>6} {:>9} does not take part: the budget share buys only rate {cap_rate:.4}, below the least feasible rate",
                s.index + 1,
                s.raw_rate
            ),
            UpsParticipation::NoFeasibleRate => outln!(
        out,
                "{:>6} {:>9} does not take part: no rate up to R meets the energy constraint",
                s.index + 1,
                s.raw_rate
            ),
        }
    }
    print_welfare(out, w);
}

fn print_welfare(out: &mut String, w: &Welfare) {
    outln!(
        out,
        "total social benefit {:.4} = sellers {:.4} + buyer {:.4} ({} x satisfaction {:.4} - payment {:.4})",
        w.total, w.sellers_utility, w.buyer_benefit, w.buyer_value, w.satisfaction, w.payment
    );
}
