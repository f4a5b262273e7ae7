//! The physics: the column model of Cabrera-Codony et al., "Mathematical modelling of flow and adsorption in a
//! gas chromatograph" (arXiv 2024), evaluated in closed form.
//!
//! Per analyte, in SI units:
//!
//! ```text
//! c_t + (u c)_x = (D c_x)_x − α q_t,   q_t = k_a c − k_d q,   α = 2δ/R (= 1/β)
//! p(x) = p0·√(1 − (1 − r²) x/L),  u(x) = u0·p0/p(x),  r = pL/p0
//! t0 = (L/u0)·(2/3)(1 + r + r²)/(1 + r),   μ = α k_a t0
//! S(θ) = Q1(√(2 k_d θ), √(2μ))  (first-order Marcum Q; S(θ) = 0 for θ < 0, S(0) = e^−μ)
//! y(t) = (A/t1)·[S(t − t0) − S(t − t0 − t1)]           (∫ y dt = A), optionally ∗ (1/τ)e^{−t/τ}
//! ```
//!
//! Table of contents:
//! - [`column`], [`peak`], [`baseline`]: the column (geometry or hold-up time), the analyte (k_a, k_d, area) and
//!   the baseline under the peaks;
//! - [`run_level`]: t0, t1 and τ, shared by every peak of a run, and which of them a fit frees;
//! - [`moments`]: every moment formula, forward and inverse (mean, variance ⇄ k_a, k_d);
//! - [`closed`]: the closed-form engine and its analytic derivatives (the hot path);
//! - [`profile`]: the bands inside the column at one moment (gas and film along x, and where the analyte is);
//! - [`van_deemter`]: the plate height against the carrier velocity, and its terms;
//! - [`quadrature`] and [`pde`]: the two reference methods (the paper's quadrature of the Bessel kernel, the full
//!   PDE solver).
//!
//! It never imports `fit`, `io`, `session` or `app`.

pub mod baseline;
pub mod closed;
pub mod column;
pub mod moments;
pub mod pde;
pub mod peak;
pub mod profile;
pub mod quadrature;
pub mod run_level;
pub mod van_deemter;

pub use baseline::{Baseline, BaselineKind};
pub use column::{Column, ColumnSetup, RawColumn};
pub use moments::{Moments, initial_guess, moments};
pub use peak::Peak;
pub use profile::{Band, Content, band_profile, column_content, concentration_profile};
pub use run_level::{RunLevel, RunLevelFree, RunLevelKind};

/// What is wrong with a model input. Messages name the field; callers add the file.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ModelError {
    /// A field has a value outside its valid range.
    #[error("field `{field}` = {value}: {reason}")]
    InvalidField { field: &'static str, value: f64, reason: &'static str },
    /// A required field is absent.
    #[error("missing field `{field}`")]
    MissingField { field: &'static str },
    /// A time grid is unusable (empty, not finite, not increasing).
    #[error("time grid: {0}")]
    InvalidGrid(String),
}

/// How to evaluate a peak's outlet signal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Method {
    /// The closed form (Marcum Q), the fast default used by every live curve and every fit.
    #[default]
    Closed,
    /// Adaptive quadrature of the Bessel kernel: the paper's own way, kept as the reference.
    Quadrature,
    /// The full numerical solution of the PDE system, with diffusion and variable velocity.
    Pde,
}

/// Checks that a time grid is non-empty, finite and non-decreasing.
pub fn validate_times(times_s: &[f64]) -> Result<(), ModelError> {
    if times_s.is_empty() {
        return Err(ModelError::InvalidGrid("no times".into()));
    }
    if let Some(i) = times_s.iter().position(|t| !t.is_finite()) {
        return Err(ModelError::InvalidGrid(format!("time #{} is not finite", i + 1)));
    }
    if let Some(i) = times_s.windows(2).position(|w| w[1] < w[0]) {
        return Err(ModelError::InvalidGrid(format!("times decrease after #{}", i + 1)));
    }
    Ok(())
}

/// The outlet signal y(t) of one peak (no baseline) at each of `times_s` (s, finite, non-decreasing), with the
/// column's injection time and inlet tail. Signal units are those of the peak's area per second.
pub fn peak_signal(column: &Column, peak: &Peak, times_s: &[f64], method: Method) -> Result<Vec<f64>, ModelError> {
    peak.validate()?;
    validate_times(times_s)?;
    match method {
        Method::Closed => Ok(closed::peak_signal(column, peak, times_s)),
        Method::Quadrature => Ok(quadrature::peak_signal(column, peak, times_s)),
        Method::Pde => pde::peak_signal(column, peak, times_s, &pde::PdeOptions::default()),
    }
}
