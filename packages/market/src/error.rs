//! Errors of the market model: parameters that describe no market, and output that could not be
//! written.

use std::path::PathBuf;

/// Everything that can go wrong in this crate.
#[derive(Debug, thiserror::Error)]
pub enum MarketError {
    /// A parameter is NaN or infinite.
    #[error("{name} must be a finite number, got {value}")]
    NotFinite { name: &'static str, value: f64 },

    /// A parameter that must be strictly positive is not.
    #[error("{name} must be greater than 0, got {value}{hint}")]
    NotPositive {
        name: &'static str,
        value: f64,
        hint: &'static str,
    },

    /// `C_eMin > C_eMax`: the energy constraint admits no cost at all.
    #[error("C_eMin ({ce_min}) is greater than C_eMax ({ce_max}): no energy cost satisfies C_eMin <= eps (alpha1 r + alpha2) <= C_eMax")]
    EnergyBoundsReversed { ce_min: f64, ce_max: f64 },

    /// Even a sampling rate of 0 costs more than `C_eMax`.
    #[error("no sampling rate r >= 0 keeps the energy cost within C_eMax: eps * alpha2 = {fixed_cost} > C_eMax = {ce_max}")]
    EnergyCapBelowFixedCost { fixed_cost: f64, ce_max: f64 },

    /// No seller was given.
    #[error("the raw sampling rates R are empty: give at least one seller")]
    NoSellers,

    /// A raw sampling rate is negative, NaN or infinite.
    #[error("raw sampling rate R[{index}] must be a finite number >= 0, got {value}")]
    BadRawRate { index: usize, value: f64 },

    /// A list that needs at least one entry (budgets, prices) is empty.
    #[error("{name} is empty: give at least one value")]
    EmptyList { name: &'static str },

    /// `max_sellers` is 0 or exceeds the number of raw rates.
    #[error("the number of sellers must be between 1 and {available} (the length of R), got {requested}")]
    BadSellerCount { requested: usize, available: usize },

    /// A reference value for the plots is not one of the simulated values.
    #[error("the reference {name} {value} is not one of the simulated {name}s {choices:?}")]
    ReferenceNotSimulated {
        name: &'static str,
        value: f64,
        choices: Vec<f64>,
    },

    /// A file or directory could not be written.
    #[error("could not write {path}: {message}")]
    Output { path: PathBuf, message: String },
}

/// This crate's result type.
pub type Result<T> = std::result::Result<T, MarketError>;
