//! What `bench share` writes: every sample as CSV, one summary row per sensor count as CSV, and
//! Fig. 8 as SVG (latency p50 and p95 against the number of sensors, with the floor). SVG text
//! is laid out by plotters' font-free estimate, so no system font is needed.

use std::path::Path;

use plotters::prelude::*;
use serde::Serialize;

use super::share::{Floor, Round, Sample};
use crate::error::{Error, Result};

fn csv_error(path: &Path, e: impl std::fmt::Display) -> Error {
    Error::io(
        format!("cannot write {}", path.display()),
        std::io::Error::other(e.to_string()),
    )
}

/// One row per record of every sensor in every round.
pub fn write_samples(path: &Path, samples: &[Sample]) -> Result<()> {
    let mut w = csv::Writer::from_path(path).map_err(|e| csv_error(path, e))?;
    for s in samples {
        w.serialize(s).map_err(|e| csv_error(path, e))?;
    }
    w.flush().map_err(|e| csv_error(path, e))
}

#[derive(Serialize)]
struct SummaryRow {
    sensors: usize,
    samples: usize,
    p50_ms: f64,
    p95_ms: f64,
    p50_x_floor: f64,
    p95_x_floor: f64,
    upload_p50_ms: f64,
    register_p50_ms: f64,
    query_p50_ms: f64,
    download_p50_ms: f64,
    records_per_s: f64,
    floor_ms: f64,
    bank_send_p50_ms: f64,
    storage_put_get_p50_ms: f64,
}

/// One row per sensor count.
pub fn write_summary(path: &Path, rounds: &[Round], floor: &Floor) -> Result<()> {
    let mut w = csv::Writer::from_path(path).map_err(|e| csv_error(path, e))?;
    for r in rounds {
        w.serialize(SummaryRow {
            sensors: r.sensors,
            samples: r.samples,
            p50_ms: r.total.p50_ms,
            p95_ms: r.total.p95_ms,
            p50_x_floor: r.total.p50_x_floor,
            p95_x_floor: r.total.p95_x_floor,
            upload_p50_ms: r.upload.p50_ms,
            register_p50_ms: r.register.p50_ms,
            query_p50_ms: r.query.p50_ms,
            download_p50_ms: r.download.p50_ms,
            records_per_s: r.records_per_s,
            floor_ms: floor.floor_ms,
            bank_send_p50_ms: floor.bank_send_p50_ms,
            storage_put_get_p50_ms: floor.storage_put_get_p50_ms,
        })
        .map_err(|e| csv_error(path, e))?;
    }
    w.flush().map_err(|e| csv_error(path, e))
}

/// Fig. 8: p50 and p95 of steps 1-6 against the number of sensors, and the floor.
pub fn draw_latency(path: &Path, rounds: &[Round], floor: &Floor, title: &str) -> Result<()> {
    draw(path, rounds, floor, title).map_err(|e| {
        Error::io(
            format!("cannot draw {}", path.display()),
            std::io::Error::other(e.to_string()),
        )
    })
}

fn draw(
    path: &Path,
    rounds: &[Round],
    floor: &Floor,
    title: &str,
) -> std::result::Result<(), Box<dyn std::error::Error>> {
    let n_max = rounds.iter().map(|r| r.sensors).max().unwrap_or(1);
    let y_top = rounds
        .iter()
        .map(|r| r.total.p95_ms)
        .fold(floor.floor_ms, f64::max)
        .max(1.0)
        * 1.15;
    let root = SVGBackend::new(path, (960, 640)).into_drawing_area();
    root.fill(&WHITE)?;
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 20))
        .margin(16)
        .x_label_area_size(48)
        .y_label_area_size(72)
        .build_cartesian_2d(0.5f64..(n_max as f64 + 0.5), 0f64..y_top)?;
    chart
        .configure_mesh()
        .x_desc("number of sensors sharing at once")
        .y_desc("latency, steps 1-6 (ms)")
        .x_labels(n_max.min(20))
        .x_label_formatter(&|x| format!("{x:.0}"))
        .y_label_formatter(&|y| format!("{y:.0}"))
        .axis_desc_style(("sans-serif", 18))
        .label_style(("sans-serif", 15))
        .light_line_style(WHITE.mix(0.0))
        .draw()?;

    let p50: Vec<(f64, f64)> = rounds
        .iter()
        .map(|r| (r.sensors as f64, r.total.p50_ms))
        .collect();
    let p95: Vec<(f64, f64)> = rounds
        .iter()
        .map(|r| (r.sensors as f64, r.total.p95_ms))
        .collect();
    let blue = RGBColor(31, 119, 180);
    let red = RGBColor(214, 39, 40);
    let grey = RGBColor(110, 110, 110);

    let style = blue.stroke_width(3);
    chart
        .draw_series(LineSeries::new(p50.clone(), style))?
        .label("p50")
        .legend(move |(x, y)| {
            EmptyElement::at((x, y))
                + PathElement::new(vec![(0, 0), (24, 0)], style)
                + Circle::new((12, 0), 4, blue.filled())
        });
    chart.draw_series(p50.iter().map(|&p| Circle::new(p, 4, blue.filled())))?;

    let style = red.stroke_width(2);
    chart
        .draw_series(DashedLineSeries::new(p95.clone(), 8, 5, style))?
        .label("p95")
        .legend(move |(x, y)| {
            EmptyElement::at((x, y))
                + PathElement::new(vec![(0, 0), (24, 0)], style)
                + TriangleMarker::new((12, 0), 5, red.filled())
        });
    chart.draw_series(p95.iter().map(|&p| TriangleMarker::new(p, 5, red.filled())))?;

    let style = grey.stroke_width(2);
    chart
        .draw_series(DashedLineSeries::new(
            vec![(0.5, floor.floor_ms), (n_max as f64 + 0.5, floor.floor_ms)],
            4,
            4,
            style,
        ))?
        .label(format!(
            "floor: bank send to inclusion + storage put+get ({:.0} ms)",
            floor.floor_ms
        ))
        .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 24, y)], style));

    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::LowerRight)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .label_font(("sans-serif", 15))
        .draw()?;
    root.present()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bench::stats::Spread;

    #[test]
    fn writes_csv_and_svg() {
        let dir = tempfile::tempdir().expect("tempdir");
        let spread = |p50: f64, p95: f64| Spread::of(&[p50, p95], 100.0);
        let rounds: Vec<Round> = (1..=3)
            .map(|k| Round {
                sensors: k,
                samples: 2 * k,
                total: spread(300.0 + k as f64, 400.0 + k as f64),
                upload: spread(5.0, 6.0),
                register: spread(250.0, 300.0),
                query: spread(3.0, 4.0),
                download: spread(5.0, 7.0),
                wall_s: 1.0,
                records_per_s: 2.0,
            })
            .collect();
        let floor = Floor {
            bank_send_ms: vec![200.0],
            bank_send_p50_ms: 200.0,
            storage_put_get_ms: vec![1.0],
            storage_put_get_p50_ms: 1.0,
            floor_ms: 201.0,
        };
        let summary = dir.path().join("s.csv");
        write_summary(&summary, &rounds, &floor).expect("summary");
        let text = std::fs::read_to_string(&summary).expect("read");
        assert!(text.starts_with("sensors,samples,p50_ms,p95_ms,p50_x_floor"));
        assert_eq!(text.lines().count(), 4);
        let svg = dir.path().join("f.svg");
        draw_latency(&svg, &rounds, &floor, "Fig. 8").expect("svg");
        let text = std::fs::read_to_string(&svg).expect("read");
        assert!(text.contains("<svg") && text.contains("p95") && text.contains("floor"));
    }
}
