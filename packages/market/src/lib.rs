//! Optimal sampling rate selection for big digital twin data (paper Section 5) and the
//! simulation of its Section 6.2 (DESIGN.md, "Market").
//!
//! - [`model`]: satisfaction `xi(r) = beta1 + beta2 log10(1 + r)`, energy cost, seller utility,
//!   each seller's feasible interval of rates (Section 5.1).
//! - [`equilibrium`]: the Nash equilibrium by best-response iteration on the KKT conditions
//!   (Section 5.2), with the multipliers and the participation rule for `U_min`.
//! - [`ups`]: the uniform pricing baseline of Section 6.2.
//! - [`welfare`]: total social benefit (sellers plus buyer) and its definition.
//! - [`simulate`]: Section 6.2 over `n = 1..15` sellers, `results.csv`, and the check of the
//!   section's claims.
//! - [`plot`]: Figs. 9-12 as SVG.
//! - [`command`]: `twinshare market simulate|solve` (arguments, reports).
//!
//! ```
//! use twinshare_market::{solve_equilibrium, Instance, Params, SolverOptions};
//!
//! let instance = Instance {
//!     params: Params::default(), // Section 6.2's constants
//!     budget: 200.0,
//!     raw_rates: vec![100.0, 200.0, 1000.0, 500.0, 800.0, 300.0, 600.0],
//! };
//! let eq = solve_equilibrium(&instance, &SolverOptions::default())?;
//! assert!(eq.converged);
//! for seller in &eq.sellers {
//!     let utility = seller.utility.expect("all seven take part");
//!     assert!(utility >= instance.params.u_min);
//! }
//! # Ok::<(), twinshare_market::MarketError>(())
//! ```

pub mod command;
pub mod equilibrium;
pub mod error;
pub mod model;
pub mod plot;
pub mod simulate;
pub mod ups;
pub mod welfare;

pub use equilibrium::{
    best_response, solve_equilibrium, BestResponse, Equilibrium, Multipliers, Participation,
    SellerOutcome, SolverOptions,
};
pub use error::{MarketError, Result};
pub use model::{Bound, Instance, Params, RateInterval, PAPER_BUDGETS, PAPER_RAW_RATES};
pub use plot::draw_figures;
pub use simulate::{
    run, Algorithm, ClaimCheck, MarketSummary, Simulation, SimulationConfig, Verdict,
};
pub use ups::{solve_ups, UpsOutcome, UpsParticipation, UpsSeller};
pub use welfare::{break_even_buyer_value, equilibrium_welfare, ups_welfare, Welfare};
