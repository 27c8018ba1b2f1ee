//! The one retry policy of the relayer: exponential backoff with jitter, used for every retried
//! thing (connecting to the chain, the event subscription's reconnects, the startup sweep, a
//! job whose step failed for a passing reason). A step says whether to go on, retry or stop
//! ([`Step`]); this file alone decides how long to wait.
//!
//! Jobs are also bounded by the chain: a sale whose delivery deadline passed is dropped when its
//! next attempt checks the sale, so unbounded attempts (`max_attempts = 0`, the default) cannot
//! retry forever.

use std::future::Future;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tracing::{info, warn};

use crate::error::ConfigError;
use crate::supervisor::Shutdown;

/// Backoff: `min_delay_ms x factor^(attempt-1)`, capped at `max_delay_ms`, each delay drawn
/// uniformly from [50%, 100%] of that when `jitter` is on (so many jobs failing together do not
/// come back together).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RetryPolicy {
    pub min_delay_ms: u64,
    pub max_delay_ms: u64,
    pub factor: f64,
    /// Attempts of one job before it fails with `gave_up`; 0: until its sale's deadline.
    pub max_attempts: u32,
    pub jitter: bool,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            min_delay_ms: 250,
            max_delay_ms: 10_000,
            factor: 2.0,
            max_attempts: 0,
            jitter: true,
        }
    }
}

/// What one attempt of a step came to.
#[derive(Debug)]
pub enum Step<T, E> {
    /// Done: go on with this.
    Continue(T),
    /// Failed for a passing reason: try again after the policy's delay.
    Retry(E),
    /// Failed for good.
    Abort(E),
}

impl RetryPolicy {
    pub fn validate(&self) -> Result<(), ConfigError> {
        let invalid = |reason: String| ConfigError::Invalid {
            field: "retry",
            reason,
        };
        if self.min_delay_ms == 0 || self.max_delay_ms < self.min_delay_ms {
            return Err(invalid(format!(
                "min_delay_ms {} and max_delay_ms {}: need 0 < min <= max",
                self.min_delay_ms, self.max_delay_ms
            )));
        }
        if !(self.factor >= 1.0 && self.factor.is_finite()) {
            return Err(invalid(format!("factor {} (need >= 1)", self.factor)));
        }
        Ok(())
    }

    pub fn min_delay(&self) -> Duration {
        Duration::from_millis(self.min_delay_ms)
    }

    pub fn max_delay(&self) -> Duration {
        Duration::from_millis(self.max_delay_ms)
    }

    /// The wait before attempt `attempt + 1`, after `attempt` (>= 1) failed attempts.
    pub fn delay(&self, attempt: u32) -> Duration {
        let exp = attempt.saturating_sub(1).min(64) as i32;
        let base = (self.min_delay_ms as f64) * self.factor.powi(exp);
        let capped = base.min(self.max_delay_ms as f64);
        let scaled = if self.jitter {
            capped * (0.5 + 0.5 * unit_random())
        } else {
            capped
        };
        Duration::from_millis(scaled.max(1.0) as u64)
    }

    /// Whether a job that failed `attempts` times must give up.
    pub fn exhausted(&self, attempts: u32) -> bool {
        self.max_attempts != 0 && attempts >= self.max_attempts
    }

    /// Runs `step` until it continues or aborts, waiting between attempts. `None` when shutdown
    /// was asked for while waiting.
    pub async fn run<T, E, F, Fut>(
        &self,
        what: &str,
        shutdown: &Shutdown,
        mut step: F,
    ) -> Option<Result<T, E>>
    where
        E: std::fmt::Display,
        F: FnMut(u32) -> Fut,
        Fut: Future<Output = Step<T, E>>,
    {
        let mut attempt = 1u32;
        loop {
            match step(attempt).await {
                Step::Continue(v) => {
                    if attempt > 1 {
                        info!(attempt, "{what}: succeeded after retrying");
                    }
                    return Some(Ok(v));
                }
                Step::Abort(e) => return Some(Err(e)),
                Step::Retry(e) => {
                    if self.exhausted(attempt) {
                        return Some(Err(e));
                    }
                    let delay = self.delay(attempt);
                    if attempt == 1 || attempt.is_power_of_two() {
                        warn!(attempt, retry_in = ?delay, error = %e, "{what}: failed, retrying");
                    }
                    if shutdown.sleep(delay).await {
                        return None;
                    }
                    attempt = attempt.saturating_add(1);
                }
            }
        }
    }
}

/// A uniform draw from [0, 1) from the OS RNG; 0.5 if it fails (jitter is not security).
fn unit_random() -> f64 {
    let mut bytes = [0u8; 4];
    match getrandom::getrandom(&mut bytes) {
        Ok(()) => f64::from(u32::from_le_bytes(bytes)) / (f64::from(u32::MAX) + 1.0),
        Err(_) => 0.5,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_grow_and_cap() {
        let p = RetryPolicy {
            jitter: false,
            ..RetryPolicy::default()
        };
        assert_eq!(p.delay(1), Duration::from_millis(250));
        assert_eq!(p.delay(2), Duration::from_millis(500));
        assert_eq!(p.delay(3), Duration::from_millis(1_000));
        assert_eq!(p.delay(20), Duration::from_millis(10_000));
        assert_eq!(p.delay(u32::MAX), Duration::from_millis(10_000));
        let j = RetryPolicy::default();
        for attempt in 1..10 {
            let d = j.delay(attempt);
            assert!(d <= p.delay(attempt) && d >= p.delay(attempt) / 2, "{d:?}");
        }
    }

    #[test]
    fn attempts_bound_only_when_asked() {
        let p = RetryPolicy::default();
        assert!(!p.exhausted(1_000_000));
        let bounded = RetryPolicy {
            max_attempts: 3,
            ..p
        };
        assert!(!bounded.exhausted(2));
        assert!(bounded.exhausted(3));
    }

    #[test]
    fn bad_policies_are_refused() {
        assert!(RetryPolicy::default().validate().is_ok());
        for bad in [
            RetryPolicy {
                min_delay_ms: 0,
                ..RetryPolicy::default()
            },
            RetryPolicy {
                max_delay_ms: 1,
                ..RetryPolicy::default()
            },
            RetryPolicy {
                factor: 0.5,
                ..RetryPolicy::default()
            },
        ] {
            assert!(bad.validate().is_err(), "{bad:?}");
        }
    }

    #[tokio::test]
    async fn run_retries_then_continues_or_aborts() {
        let p = RetryPolicy {
            min_delay_ms: 1,
            max_delay_ms: 2,
            ..RetryPolicy::default()
        };
        let shutdown = Shutdown::new();
        let got = p
            .run("test", &shutdown, |attempt| async move {
                if attempt < 3 {
                    Step::Retry(format!("attempt {attempt}"))
                } else {
                    Step::Continue(attempt)
                }
            })
            .await;
        assert_eq!(got.map(|r| r.ok()), Some(Some(3)));
        let got: Option<Result<(), String>> = p
            .run("test", &shutdown, |_| async {
                Step::Abort("no".to_string())
            })
            .await;
        assert_eq!(got, Some(Err("no".to_string())));
        shutdown.trigger();
        let got: Option<Result<(), String>> = p
            .run("test", &shutdown, |_| async {
                Step::Retry("down".to_string())
            })
            .await;
        assert!(got.is_none());
    }
}
