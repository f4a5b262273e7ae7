//! What a run fit returns: per-peak kinetic parameters with uncertainties, goodness of fit in the peak's own
//! window, lab metrics, and the run-level values (t0, t1, τ) shared by every peak. No field is ever NaN or
//! infinite: values that cannot be computed are `None`, and a failed peak fit carries its reason in `error`.

use serde::{Deserialize, Serialize};

use super::quality::Quality;
use crate::fit::lsq::Termination;
use crate::fit::metrics::PeakMetrics;
use crate::model::{Baseline, Column, Peak};

/// The fit of one peak. Times in s, rates in 1/s, areas in signal·s.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PeakFit {
    /// Peak name (template name, or "peak N" for detected peaks, numbered from 1 in time order).
    pub name: String,
    /// Adsorption rate k_a, 1/s. Depends on the assumed phase ratio when the column is a preset.
    pub ka_per_s: f64,
    /// Standard error of k_a, 1/s (conditional on the run-level values).
    pub ka_se_per_s: Option<f64>,
    /// Desorption rate k_d, 1/s.
    pub kd_per_s: f64,
    /// Standard error of k_d, 1/s.
    pub kd_se_per_s: Option<f64>,
    /// Correlation between k_a and k_d estimates, in [−1, 1] (0 when unknown).
    pub ka_kd_correlation: f64,
    /// Peak area A (signal·s): solved, or fixed from the measured area.
    pub area: f64,
    /// Standard error of the area (None when fixed).
    pub area_se: Option<f64>,
    /// Partition constant K = k_a/k_d (dimensionless).
    pub partition_constant: f64,
    /// μ = α·k_a·t0, the mean number of adsorptions (independent of the assumed α).
    pub mu: f64,
    /// Retention factor k' = α·k_a/k_d (independent of the assumed α).
    pub retention_factor: f64,
    /// Apex time of the fitted peak curve, s.
    pub retention_time_s: f64,
    /// Mean (first moment) of the fitted peak, s (exact moments of the model).
    pub mean_time_s: f64,
    /// Start and end of the peak's own window, s.
    pub window_start_s: f64,
    /// End of the peak's own window, s.
    pub window_end_s: f64,
    /// Points in the peak's own window.
    pub n_points: usize,
    /// SSE in the peak's own window against the full model (neighbours and the window baseline included).
    pub sse: f64,
    /// √(SSE/n) in the window, signal units.
    pub rmse: f64,
    /// 1 − SSE/SST in the window (None when the window data are constant).
    pub r2: Option<f64>,
    /// Index of the cluster the peak was fitted in (peaks of one cluster share a window and a fit).
    pub cluster: usize,
    /// Why the cluster fit stopped.
    pub termination: Termination,
    /// LM iterations of the cluster fit (last inner fit).
    pub iterations: usize,
    /// Residual evaluations of the cluster fit (last inner fit).
    pub evaluations: usize,
    /// Lab metrics of the fitted peak curve (noise free, on a 10× finer grid).
    pub model_metrics: Option<PeakMetrics>,
    /// Lab metrics of the trace: data minus the fitted baseline in the peak's window (neighbours not removed).
    pub trace_metrics: Option<PeakMetrics>,
    /// Why the fit failed, when it did (the values are then the starting guess).
    pub error: Option<String>,
    /// How far the figures can be trusted ([`super::quality`]).
    pub quality: Quality,
}

impl PeakFit {
    /// The fitted peak as a model peak.
    pub fn to_peak(&self) -> Peak {
        Peak::new(self.name.clone(), self.ka_per_s, self.kd_per_s, self.area)
    }
}

/// A run-level value: hold-up time, injection time or inlet tail (s).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RunValue {
    /// Value, s.
    pub value_s: f64,
    /// Standard error, s (None when held fixed or undetermined).
    pub se_s: Option<f64>,
    /// Whether it was fitted (false: taken from the column).
    pub fitted: bool,
}

/// The fit of one whole run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunFit {
    /// The column with the fitted t0, t1 and τ.
    pub column: Column,
    /// True when the column is the generic preset: k_a then depends on the assumed phase ratio (μ and k' don't).
    pub column_assumed: bool,
    /// Hold-up time t0.
    pub holdup_time: RunValue,
    /// Injection time t1.
    pub injection: RunValue,
    /// Inlet tail τ.
    pub inlet_tail: RunValue,
    /// Peaks in time order.
    pub peaks: Vec<PeakFit>,
    /// The run baseline (as stored in the session; times in s).
    pub baseline: Baseline,
    /// Whole-run SSE of data − (baseline + all peaks), signal².
    pub sse: f64,
    /// Whole-run RMSE, signal units.
    pub rmse: f64,
    /// Whole-run R² (None for constant data).
    pub r2: Option<f64>,
    /// Points in the run.
    pub n_points: usize,
    /// Why the outer fit of the run-level values stopped (None when none was fitted).
    pub outer_termination: Option<Termination>,
    /// Outer evaluations (each one a full set of cluster fits).
    pub outer_evaluations: usize,
    /// Wall time, s.
    pub elapsed_s: f64,
    /// Conventions of the lab metrics.
    pub metrics_convention: String,
    /// Notes for the user (e.g. "no peaks found", "column assumed").
    pub notes: Vec<String>,
    /// Some peak is narrower than the inlet profile, which no isothermal column can make: the run looks
    /// temperature-programmed, and k_a and k_d are effective values at elution.
    pub temperature_programmed: bool,
}

impl RunFit {
    /// The fitted peaks as model peaks.
    pub fn model_peaks(&self) -> Vec<Peak> {
        self.peaks.iter().map(PeakFit::to_peak).collect()
    }

    /// True when every peak fit converged without error.
    pub fn all_converged(&self) -> bool {
        self.peaks.iter().all(|p| p.error.is_none() && p.termination.is_converged())
    }
}

/// Replaces a non-finite value by `None`.
pub(crate) fn finite(v: f64) -> Option<f64> {
    v.is_finite().then_some(v)
}
