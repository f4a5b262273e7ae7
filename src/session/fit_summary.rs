//! The optional fit summary stored in a session written by `elute fit`: goodness of fit and uncertainties that
//! the peaks' own fields (k_a, k_d, area) do not carry. Absent in hand-written and simulated sessions; files
//! without it load unchanged.

use serde::{Deserialize, Serialize};

use crate::fit::Quality;

/// Whole-run figures of a fit. Times in s, rates in 1/s, signal in the run's units.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FitSummary {
    /// Whole-run R² of data against baseline + all peaks (None for constant data).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub r2: Option<f64>,
    /// Whole-run sum of squared residuals, signal².
    pub sse: f64,
    /// Whole-run RMSE, signal units.
    pub rmse: f64,
    /// Points in the run.
    pub n_points: usize,
    /// True when the column is a generic preset: k_a then depends on its assumed phase ratio (μ and k' don't).
    pub column_assumed: bool,
    /// Which run-level values were fitted.
    pub fitted: FittedRunValues,
    /// Per peak, in the session's peak order.
    #[serde(default)]
    pub peaks: Vec<PeakFitSummary>,
    /// Some peak is narrower than the inlet profile: the run looks temperature-programmed, and k_a and k_d are
    /// effective values at elution (absent: false).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub temperature_programmed: bool,
    /// What the fitter wants the reader to know (an assumed column, a run-level value the run does not
    /// determine, skipped peaks); absent when none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// Fitted run-level values and their standard errors (s); `None` SE when held fixed or undetermined.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FittedRunValues {
    /// t0 was fitted.
    pub holdup_time: bool,
    /// Standard error of t0, s.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub holdup_time_se_s: Option<f64>,
    /// t1 was fitted.
    pub injection: bool,
    /// Standard error of t1, s.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub injection_se_s: Option<f64>,
    /// τ was fitted.
    pub inlet_tail: bool,
    /// Standard error of τ, s.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inlet_tail_se_s: Option<f64>,
}

/// One peak's fit figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PeakFitSummary {
    /// Peak name (as in `peaks`).
    pub name: String,
    /// Standard error of k_a, 1/s.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ka_se_per_s: Option<f64>,
    /// Standard error of k_d, 1/s.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kd_se_per_s: Option<f64>,
    /// Correlation of the k_a and k_d estimates.
    pub ka_kd_correlation: f64,
    /// Standard error of the area, signal·s.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub area_se: Option<f64>,
    /// μ = α k_a t0.
    pub mu: f64,
    /// k' = α k_a / k_d.
    pub retention_factor: f64,
    /// Apex of the fitted peak, s.
    pub retention_time_s: f64,
    /// R² in the peak's own window, full model.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub r2: Option<f64>,
    /// SSE in the window.
    pub sse: f64,
    /// Points in the window.
    pub n_points: usize,
    /// How the fit stopped (human-readable).
    pub termination: String,
    /// Why the fit failed, if it did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// How far the figures can be trusted (absent: ok).
    #[serde(default, skip_serializing_if = "Quality::is_ok")]
    pub quality: Quality,
    /// The peak's own fit window (start, end), s. Known right after a fit; not saved.
    #[serde(skip)]
    pub window_s: Option<(f64, f64)>,
    /// The cluster the peak was fitted in (peaks of one cluster share a window and a fit), when it succeeded.
    /// Known right after a fit; not saved.
    #[serde(skip)]
    pub cluster: Option<usize>,
}
