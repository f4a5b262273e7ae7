//! Flags, not silence: each peak's [`Quality`] and the run's problems, from the fit's own figures, so that a
//! result that may be wrong says so where the user reads it (the peak table, the CLI summary, the report).

use serde::{Deserialize, Serialize};

use super::results::{PeakFit, RunFit};

/// A peak fit whose window R² is below this is flagged [`Quality::PoorFit`]: the model explains less than half of
/// the variation in the peak's own window.
pub const POOR_FIT_R2: f64 = 0.5;
/// A run whose whole-run R² is below this is reported as poorly fitted.
pub const POOR_RUN_R2: f64 = 0.9;

/// How far a peak's figures can be trusted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Quality {
    /// Nothing to flag.
    #[default]
    Ok,
    /// The window R² is below [`POOR_FIT_R2`] (or undefined).
    PoorFit,
    /// The area sits at its bound (zero, where areas are held to one sign): the peak is not in the data.
    AreaAtBound,
    /// A standard error is larger than its value (k_a, k_d or the area): the run does not determine it.
    NotDetermined,
    /// Placed by the user (a candidate peak), not found by detection.
    Added,
    /// A template peak that no peak of this run matched: not fitted.
    Unmatched,
    /// Never fitted (a peak added or edited by hand).
    NotFitted,
}

impl Quality {
    /// The flag's name, as in the peak table.
    pub fn label(self) -> &'static str {
        match self {
            Quality::Ok => "ok",
            Quality::PoorFit => "poor_fit",
            Quality::AreaAtBound => "area_at_bound",
            Quality::NotDetermined => "not_determined",
            Quality::Added => "added",
            Quality::Unmatched => "unmatched",
            Quality::NotFitted => "not_fitted",
        }
    }

    /// Whether this is [`Quality::Ok`] (for serde's `skip_serializing_if`).
    pub fn is_ok(&self) -> bool {
        *self == Quality::Ok
    }

    /// What the flag means, in a sentence.
    pub fn describe(self) -> &'static str {
        match self {
            Quality::Ok => "no flag",
            Quality::PoorFit => "the model explains less than half of the variation in the peak's window (R² < 0.5)",
            Quality::AreaAtBound => "the area is held at zero by its bound: the peak is not in the data",
            Quality::NotDetermined => "a standard error is larger than its value: the run does not determine it",
            Quality::Added => "placed by the user, not found by detection",
            Quality::Unmatched => "a template peak no peak of this run matched: not fitted",
            Quality::NotFitted => "not fitted (added or edited by hand)",
        }
    }
}

/// The flag of one fitted peak from its own figures; `largest_area` is the largest |area| of the run (an area
/// below 1e-12 of it counts as zero).
pub fn peak_quality(p: &PeakFit, largest_area: f64) -> Quality {
    if p.area == 0.0 || p.area.abs() <= 1e-12 * largest_area {
        return Quality::AreaAtBound;
    }
    if p.r2.is_none_or(|r2| r2 < POOR_FIT_R2) {
        return Quality::PoorFit;
    }
    let undetermined = |v: f64, se: Option<f64>| se.is_some_and(|se| se > v.abs());
    if undetermined(p.ka_per_s, p.ka_se_per_s)
        || undetermined(p.kd_per_s, p.kd_se_per_s)
        || undetermined(p.area, p.area_se)
    {
        return Quality::NotDetermined;
    }
    Quality::Ok
}

/// The run's problems, each a sentence: a whole-run R² below [`POOR_RUN_R2`], a joint fit or a peak fit that did
/// not converge. Empty when there is none.
pub fn run_problems(fit: &RunFit) -> Vec<String> {
    let mut out = Vec::new();
    match fit.r2 {
        Some(r2) if r2 >= POOR_RUN_R2 => {}
        Some(r2) => out.push(format!("poor fit: whole-run R² {r2:.4} is below {POOR_RUN_R2}")),
        None => out.push("poor fit: whole-run R² is undefined (constant data)".into()),
    }
    if let Some(t) = fit.outer_termination
        && !t.is_converged()
    {
        out.push(format!("the run-level fit did not converge ({})", t.describe()));
    }
    let failed = fit.peaks.iter().filter(|p| p.error.is_some() || !p.termination.is_converged()).count();
    if failed > 0 {
        out.push(format!("{failed} peak fit(s) did not converge"));
    }
    out
}
