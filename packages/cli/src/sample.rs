//! Sample sensor data: a welding robot's 3-axis vibration as CSV (`t_ms,ax,ay,az`), the kind of
//! time-sensitive data the paper's scenario shares. Deterministic for a seed, so tests can
//! regenerate it; each demo run uses a fresh seed, so its root is new on chain.

use std::io::{BufWriter, Write};
use std::path::Path;

use serde::Serialize;

use crate::error::{Error, Result};

/// What was generated.
#[derive(Debug, Clone, Serialize)]
pub struct SampleInfo {
    pub path: String,
    pub bytes: u64,
    pub rows: u64,
    pub sampling_rate_hz: u64,
    /// Data time span, ms since the Unix epoch.
    pub start_ms: u64,
    pub end_ms: u64,
    pub schema: String,
}

/// xorshift64*: enough for noise, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        let v = self.0.wrapping_mul(0x2545_F491_4F6C_DD1D);
        (v >> 11) as f64 / (1u64 << 53) as f64 - 0.5
    }
}

/// Writes about `target_bytes` of vibration samples at `rate_hz` starting at `start_ms`.
pub fn write_vibration_csv(
    path: &Path,
    target_bytes: u64,
    seed: u64,
    rate_hz: u64,
    start_ms: u64,
) -> Result<SampleInfo> {
    let io = |e| Error::io(format!("cannot write {}", path.display()), e);
    let file = std::fs::File::create(path).map_err(io)?;
    let mut out = BufWriter::new(file);
    let header = format!(
        "# twinshare sample: welding-robot-A spindle vibration, {rate_hz} Hz, seed {seed}\nt_ms,ax,ay,az\n"
    );
    out.write_all(header.as_bytes()).map_err(io)?;
    let mut bytes = header.len() as u64;
    let mut rng = Rng(seed | 1);
    let rate = rate_hz.max(1);
    let mut row = 0u64;
    let mut line = String::with_capacity(64);
    while bytes < target_bytes {
        let t = row as f64 / rate as f64;
        // A 50 Hz spindle tone, its 150 Hz harmonic, a slow weld-cycle envelope and noise.
        let envelope = 1.0 + 0.3 * (2.0 * std::f64::consts::PI * 0.5 * t).sin();
        let ax = envelope * (2.0 * std::f64::consts::PI * 50.0 * t).sin() + 0.05 * rng.next();
        let ay =
            0.6 * envelope * (2.0 * std::f64::consts::PI * 150.0 * t).cos() + 0.05 * rng.next();
        let az =
            9.81 + 0.2 * (2.0 * std::f64::consts::PI * 50.0 * t + 0.7).sin() + 0.05 * rng.next();
        line.clear();
        use std::fmt::Write as _;
        let _ = writeln!(
            line,
            "{},{ax:.5},{ay:.5},{az:.5}",
            start_ms + row * 1000 / rate
        );
        out.write_all(line.as_bytes()).map_err(io)?;
        bytes += line.len() as u64;
        row += 1;
    }
    out.flush().map_err(io)?;
    Ok(SampleInfo {
        path: path.display().to_string(),
        bytes,
        rows: row,
        sampling_rate_hz: rate,
        start_ms,
        end_ms: start_ms + row.saturating_sub(1) * 1000 / rate,
        schema: "csv:t_ms,ax,ay,az".into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_are_sized_and_reproducible() {
        let dir = tempfile::tempdir().expect("tempdir");
        let a = dir.path().join("a.csv");
        let b = dir.path().join("b.csv");
        let info = write_vibration_csv(&a, 100_000, 7, 1000, 1_700_000_000_000).expect("a");
        write_vibration_csv(&b, 100_000, 7, 1000, 1_700_000_000_000).expect("b");
        assert!(
            info.bytes >= 100_000 && info.bytes < 100_100,
            "{}",
            info.bytes
        );
        assert_eq!(std::fs::metadata(&a).expect("meta").len(), info.bytes);
        assert_eq!(std::fs::read(&a).expect("a"), std::fs::read(&b).expect("b"));
        let text = std::fs::read_to_string(&a).expect("text");
        assert!(text.lines().nth(1) == Some("t_ms,ax,ay,az"));
        let c = dir.path().join("c.csv");
        write_vibration_csv(&c, 1_000, 8, 1000, 1_700_000_000_000).expect("c");
        assert_ne!(
            std::fs::read(&a).expect("a")[..1000],
            std::fs::read(&c).expect("c")[..1000]
        );
    }
}
