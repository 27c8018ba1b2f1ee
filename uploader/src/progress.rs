//! Progress reporting. The library calls a [`Progress`] (plaintext bytes done, per asset); a
//! front end decides how to show it: [`NoProgress`] for daemons and tests, [`BarProgress`] for
//! a terminal (indicatif: bytes, rate, ETA), or its own implementation.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Receives progress events. Called from the pipeline's driving task, never concurrently for
/// one asset; implementations must be cheap (no I/O on the hot path).
pub trait Progress: Send + Sync {
    /// An asset starts: `total` plaintext bytes when known (a file), `None` for a stream.
    fn start(&self, _label: &str, _total: Option<u64>) {}
    /// `bytes` more plaintext bytes are done (stored, found already stored, or downloaded
    /// and verified).
    fn advance(&self, _bytes: u64) {}
    /// The asset is done (or failed).
    fn finish(&self) {}
    /// Something the user should know (e.g. an upload is being resumed).
    fn note(&self, _message: &str) {}
}

/// Reports nothing.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoProgress;

impl Progress for NoProgress {}

/// Counts bytes; for tests and for callers that poll.
#[derive(Debug, Default)]
pub struct CountingProgress {
    pub bytes: AtomicU64,
    pub assets: AtomicU64,
    pub notes: Mutex<Vec<String>>,
}

impl Progress for CountingProgress {
    fn start(&self, _label: &str, _total: Option<u64>) {
        self.assets.fetch_add(1, Ordering::Relaxed);
    }
    fn advance(&self, bytes: u64) {
        self.bytes.fetch_add(bytes, Ordering::Relaxed);
    }
    fn note(&self, message: &str) {
        if let Ok(mut notes) = self.notes.lock() {
            notes.push(message.to_string());
        }
    }
}

/// A terminal progress bar on stderr: bytes, rate and ETA (a spinner with bytes and rate when
/// the size is unknown). With `bar` false nothing is drawn; with `notes` false notes are not
/// printed either (`--quiet`).
pub struct BarProgress {
    bar: Mutex<Option<ProgressBar>>,
    draw: bool,
    notes: bool,
}

impl BarProgress {
    pub fn new(draw: bool, notes: bool) -> Self {
        Self {
            bar: Mutex::new(None),
            draw,
            notes,
        }
    }

    fn style(total_known: bool) -> ProgressStyle {
        let template = if total_known {
            "{msg:20!} [{bar:30.cyan/blue}] {bytes}/{total_bytes} {binary_bytes_per_sec} eta {eta}"
        } else {
            "{msg:20!} {spinner} {bytes} {binary_bytes_per_sec} {elapsed}"
        };
        ProgressStyle::with_template(template)
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> ")
    }
}

impl Progress for BarProgress {
    fn start(&self, label: &str, total: Option<u64>) {
        if !self.draw {
            return;
        }
        let bar = match total {
            Some(total) => ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr()),
            None => ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr()),
        };
        bar.set_style(Self::style(total.is_some()));
        bar.set_message(label.to_string());
        bar.enable_steady_tick(Duration::from_millis(200));
        if let Ok(mut slot) = self.bar.lock() {
            if let Some(old) = slot.replace(bar) {
                old.finish_and_clear();
            }
        }
    }

    fn advance(&self, bytes: u64) {
        if let Ok(slot) = self.bar.lock() {
            if let Some(bar) = slot.as_ref() {
                bar.inc(bytes);
            }
        }
    }

    fn finish(&self) {
        if let Ok(mut slot) = self.bar.lock() {
            if let Some(bar) = slot.take() {
                bar.finish_and_clear();
            }
        }
    }

    fn note(&self, message: &str) {
        if !self.notes {
            return;
        }
        match self.bar.lock().ok().as_ref().and_then(|s| s.as_ref()) {
            Some(bar) => bar.println(message),
            None => eprintln!("{message}"),
        }
    }
}
