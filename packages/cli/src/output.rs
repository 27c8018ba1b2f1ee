//! What commands print: every command returns an [`Outcome`] (a JSON value and its text
//! rendering); `--output json` prints the JSON on stdout, text mode the text. Multi-step
//! commands also report each step as it happens ([`Console`]) in text mode.

use serde::Serialize;

use crate::error::{Error, Result};

/// `--output`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputMode {
    /// Lines for people.
    #[default]
    Text,
    /// One JSON document on stdout (progress and logs go to stderr).
    Json,
}

/// A command's result.
#[derive(Clone, Debug, PartialEq)]
pub struct Outcome {
    pub json: serde_json::Value,
    pub text: String,
}

impl Outcome {
    pub fn new<T: Serialize>(report: &T, text: impl Into<String>) -> Result<Outcome> {
        Ok(Outcome {
            json: serde_json::to_value(report)
                .map_err(|e| Error::Unexpected(format!("report as JSON: {e}")))?,
            text: text.into(),
        })
    }

    /// What to print for `mode`.
    pub fn render(&self, mode: OutputMode) -> String {
        match mode {
            OutputMode::Text => self.text.trim_end().to_string(),
            OutputMode::Json => {
                serde_json::to_string_pretty(&self.json).unwrap_or_else(|_| self.json.to_string())
            }
        }
    }
}

/// Live step lines (text mode only; quiet in JSON mode so stdout stays one document).
#[derive(Clone, Copy, Debug)]
pub struct Console {
    pub mode: OutputMode,
    pub quiet: bool,
}

impl Console {
    pub fn new(mode: OutputMode, quiet: bool) -> Self {
        Self { mode, quiet }
    }

    /// A silent console (library callers, tests).
    pub fn silent() -> Self {
        Self {
            mode: OutputMode::Json,
            quiet: true,
        }
    }

    pub fn line(&self, text: impl AsRef<str>) {
        if self.mode == OutputMode::Text && !self.quiet {
            println!("{}", text.as_ref());
        }
    }

    /// Whether a progress bar may be drawn (text mode, on a terminal, not quiet).
    pub fn draws(&self) -> bool {
        use std::io::IsTerminal;
        self.mode == OutputMode::Text && !self.quiet && std::io::stderr().is_terminal()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcomes_render_per_mode() {
        #[derive(Serialize)]
        struct R {
            id: u64,
        }
        let o = Outcome::new(&R { id: 7 }, "record 7\n").expect("outcome");
        assert_eq!(o.render(OutputMode::Text), "record 7");
        let v: serde_json::Value = serde_json::from_str(&o.render(OutputMode::Json)).expect("json");
        assert_eq!(v["id"], 7);
    }
}
