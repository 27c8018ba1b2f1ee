//! Percentiles of latency samples and the summary of one sensor count.

use serde::Serialize;

/// The nearest-rank percentile `q` (0 < q <= 1) of `samples`; 0 for no samples.
pub fn percentile(samples: &[f64], q: f64) -> f64 {
    if samples.is_empty() {
        return 0.0;
    }
    let mut sorted = samples.to_vec();
    sorted.sort_by(f64::total_cmp);
    let rank = (q.clamp(0.0, 1.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// `v` to `digits` decimals (for files people read).
pub fn round_to(v: f64, digits: i32) -> f64 {
    let scale = 10f64.powi(digits);
    (v * scale).round() / scale
}

/// p50 and p95 of one quantity, in milliseconds, and as multiples of the floor.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Spread {
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub p50_x_floor: f64,
    pub p95_x_floor: f64,
}

impl Spread {
    pub fn of(samples: &[f64], floor_ms: f64) -> Spread {
        let p50 = percentile(samples, 0.50);
        let p95 = percentile(samples, 0.95);
        let ratio = |v: f64| {
            if floor_ms > 0.0 {
                round_to(v / floor_ms, 4)
            } else {
                0.0
            }
        };
        Spread {
            p50_ms: p50,
            p95_ms: p95,
            p50_x_floor: ratio(p50),
            p95_x_floor: ratio(p95),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let v: Vec<f64> = (1..=20).map(f64::from).collect();
        assert_eq!(percentile(&v, 0.5), 10.0);
        assert_eq!(percentile(&v, 0.95), 19.0);
        assert_eq!(percentile(&v, 1.0), 20.0);
        assert_eq!(percentile(&[7.0], 0.95), 7.0);
        assert_eq!(percentile(&[], 0.5), 0.0);
        assert_eq!(percentile(&[3.0, 1.0, 2.0], 0.5), 2.0);
        let s = Spread::of(&[100.0, 200.0, 300.0, 400.0], 100.0);
        assert_eq!(s.p50_ms, 200.0);
        assert_eq!(s.p95_ms, 400.0);
        assert_eq!(s.p50_x_floor, 2.0);
        assert_eq!(s.p95_x_floor, 4.0);
        assert_eq!(Spread::of(&[5.0], 0.0).p50_x_floor, 0.0);
        assert_eq!(Spread::of(&[1.0], 3.0).p50_x_floor, 0.3333);
        assert_eq!(round_to(2.0 / 3.0, 3), 0.667);
    }
}
