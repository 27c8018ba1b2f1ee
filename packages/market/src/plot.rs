//! Figs. 9-12 of the paper drawn from a [`Simulation`] as SVG: the mean rate and the mean seller
//! profit (over the participating sellers) against the number of sellers, ours (NE, solid lines,
//! circles) against UPS (dashed lines, triangles), by price at the reference budget and by
//! budget at the reference price. A market where no seller takes part leaves a gap.
//!
//! SVG text is laid out by plotters' font-free estimate, so no system font is needed.

use std::path::{Path, PathBuf};

use plotters::prelude::*;

use crate::error::{MarketError, Result};
use crate::simulate::{Algorithm, MarketSummary, Simulation};

/// The figure files [`draw_figures`] writes, in the paper's order.
pub const FIGURE_FILES: [&str; 4] = [
    "fig09_rate_by_price.svg",
    "fig10_rate_by_budget.svg",
    "fig11_profit_by_price.svg",
    "fig12_profit_by_budget.svg",
];

const PALETTE: [RGBColor; 6] = [
    RGBColor(31, 119, 180),
    RGBColor(214, 39, 40),
    RGBColor(44, 160, 44),
    RGBColor(148, 103, 189),
    RGBColor(255, 127, 14),
    RGBColor(140, 86, 75),
];

struct Series {
    label: String,
    algorithm: Algorithm,
    color: RGBColor,
    points: Vec<(usize, Option<f64>)>,
}

#[derive(Clone, Copy)]
enum Quantity {
    Rate,
    Profit,
}

fn series_of(
    sim: &Simulation,
    algorithm: Algorithm,
    budget: f64,
    price: Option<f64>,
    quantity: Quantity,
    label: String,
    color: RGBColor,
) -> Series {
    let pick = |m: &&MarketSummary| match quantity {
        Quantity::Rate => m.mean_rate,
        Quantity::Profit => m.mean_utility,
    };
    Series {
        label,
        algorithm,
        color,
        points: sim
            .series(algorithm, budget, price)
            .iter()
            .map(|m| (m.n_sellers, pick(m)))
            .collect(),
    }
}

fn by_price(sim: &Simulation, quantity: Quantity) -> Vec<Series> {
    let b = sim.config.reference_budget;
    let mut v = vec![series_of(
        sim,
        Algorithm::Ne,
        b,
        None,
        quantity,
        format!("ours (NE), B = {b}"),
        BLACK,
    )];
    for (i, &p) in sim.config.prices.iter().enumerate() {
        v.push(series_of(
            sim,
            Algorithm::Ups,
            b,
            Some(p),
            quantity,
            format!("UPS, p = {p}, B = {b}"),
            PALETTE[i % PALETTE.len()],
        ));
    }
    v
}

fn by_budget(sim: &Simulation, quantity: Quantity) -> Vec<Series> {
    let p = sim.config.reference_price;
    let mut v = Vec::new();
    for (i, &b) in sim.config.budgets.iter().enumerate() {
        let color = PALETTE[i % PALETTE.len()];
        v.push(series_of(
            sim,
            Algorithm::Ne,
            b,
            None,
            quantity,
            format!("ours (NE), B = {b}"),
            color,
        ));
        v.push(series_of(
            sim,
            Algorithm::Ups,
            b,
            Some(p),
            quantity,
            format!("UPS, p = {p}, B = {b}"),
            color,
        ));
    }
    v
}

/// Draws the four figures into `dir` and returns their paths.
pub fn draw_figures(sim: &Simulation, dir: &Path) -> Result<Vec<PathBuf>> {
    let b = sim.config.reference_budget;
    let p = sim.config.reference_price;
    let figures = [
        (
            FIGURE_FILES[0],
            format!("Fig. 9: optimal sampling rate, ours vs UPS by price (B = {b})"),
            "mean sampling rate of participating sellers",
            by_price(sim, Quantity::Rate),
        ),
        (
            FIGURE_FILES[1],
            format!("Fig. 10: optimal sampling rate, ours vs UPS by budget (p = {p})"),
            "mean sampling rate of participating sellers",
            by_budget(sim, Quantity::Rate),
        ),
        (
            FIGURE_FILES[2],
            format!("Fig. 11: seller profit, ours vs UPS by price (B = {b})"),
            "mean profit (utility) of participating sellers",
            by_price(sim, Quantity::Profit),
        ),
        (
            FIGURE_FILES[3],
            format!("Fig. 12: seller profit, ours vs UPS by budget (p = {p})"),
            "mean profit (utility) of participating sellers",
            by_budget(sim, Quantity::Profit),
        ),
    ];
    let mut paths = Vec::new();
    for (file, title, y_desc, series) in figures {
        let path = dir.join(file);
        draw_figure(&path, &title, y_desc, &series, sim.config.max_sellers).map_err(|e| {
            MarketError::Output {
                path: path.clone(),
                message: e.to_string(),
            }
        })?;
        paths.push(path);
    }
    Ok(paths)
}

fn draw_figure(
    path: &Path,
    title: &str,
    y_desc: &str,
    series: &[Series],
    n_max: usize,
) -> std::result::Result<(), Box<dyn std::error::Error>> {
    let values = series
        .iter()
        .flat_map(|s| s.points.iter().filter_map(|p| p.1));
    let (lo, hi) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
        (lo.min(v), hi.max(v))
    });
    let (y_lo, y_hi) = if lo.is_finite() {
        let lo = lo.min(0.0);
        let span = (hi - lo).max(1.0);
        (lo, hi + 0.08 * span)
    } else {
        (0.0, 1.0)
    };

    let root = SVGBackend::new(path, (960, 640)).into_drawing_area();
    root.fill(&WHITE)?;
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 22))
        .margin(16)
        .x_label_area_size(48)
        .y_label_area_size(72)
        .build_cartesian_2d(0.5f64..(n_max as f64 + 0.5), y_lo..y_hi)?;
    chart
        .configure_mesh()
        .x_desc("number of sellers")
        .y_desc(y_desc)
        .x_labels(n_max.min(20))
        .x_label_formatter(&|x| format!("{x:.0}"))
        .y_label_formatter(&|y| {
            if y_hi - y_lo >= 20.0 {
                format!("{y:.0}")
            } else {
                format!("{y:.2}")
            }
        })
        .axis_desc_style(("sans-serif", 18))
        .label_style(("sans-serif", 15))
        .light_line_style(WHITE.mix(0.0))
        .draw()?;

    for s in series {
        let color = s.color;
        let width = if s.algorithm == Algorithm::Ne { 3 } else { 2 };
        let style = color.stroke_width(width);
        // Contiguous runs of markets where someone takes part.
        let mut runs: Vec<Vec<(f64, f64)>> = vec![Vec::new()];
        for &(n, v) in &s.points {
            match v {
                Some(v) => {
                    if let Some(run) = runs.last_mut() {
                        run.push((n as f64, v));
                    }
                }
                None => runs.push(Vec::new()),
            }
        }
        let mut labelled = false;
        for run in runs.into_iter().filter(|r| !r.is_empty()) {
            let anno = match s.algorithm {
                Algorithm::Ne => chart.draw_series(LineSeries::new(run.clone(), style))?,
                Algorithm::Ups => {
                    chart.draw_series(DashedLineSeries::new(run.clone(), 8, 5, style))?
                }
            };
            if !labelled {
                labelled = true;
                let label = anno.label(s.label.clone());
                match s.algorithm {
                    Algorithm::Ne => label.legend(move |(x, y)| {
                        EmptyElement::at((x, y))
                            + PathElement::new(vec![(0, 0), (24, 0)], style)
                            + Circle::new((12, 0), 4, color.filled())
                    }),
                    Algorithm::Ups => label.legend(move |(x, y)| {
                        EmptyElement::at((x, y))
                            + PathElement::new(vec![(0, 0), (24, 0)], style)
                            + TriangleMarker::new((12, 0), 5, color.filled())
                    }),
                };
            }
            match s.algorithm {
                Algorithm::Ne => {
                    chart.draw_series(run.iter().map(|&p| Circle::new(p, 4, color.filled())))?;
                }
                Algorithm::Ups => {
                    chart.draw_series(
                        run.iter()
                            .map(|&p| TriangleMarker::new(p, 5, color.filled())),
                    )?;
                }
            }
        }
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .label_font(("sans-serif", 15))
        .draw()?;
    root.present()?;
    Ok(())
}
