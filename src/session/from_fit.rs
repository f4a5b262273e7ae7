//! A run fit as a session document: the fitted column, peaks and run baseline, and the fit summary that carries
//! what the peaks' own fields do not (uncertainties, R², notes).

use super::{FitSummary, FittedRunValues, PeakFitSummary, Session};
use crate::fit::{PeakFit, RunFit};

/// The session document of `fit`: fitted column, peaks, run baseline and the fit summary (one entry per peak, in
/// the fit's peak order). `run` is left `None` for the caller to fill (path, hash, channel).
pub fn session_from_fit(fit: &RunFit) -> Session {
    let mut s = Session::new(fit.column, fit.model_peaks());
    s.baseline = Some(fit.baseline.clone());
    s.fit = Some(FitSummary {
        r2: fit.r2,
        sse: fit.sse,
        rmse: fit.rmse,
        n_points: fit.n_points,
        column_assumed: fit.column_assumed,
        fitted: FittedRunValues {
            holdup_time: fit.holdup_time.fitted,
            holdup_time_se_s: fit.holdup_time.se_s,
            injection: fit.injection.fitted,
            injection_se_s: fit.injection.se_s,
            inlet_tail: fit.inlet_tail.fitted,
            inlet_tail_se_s: fit.inlet_tail.se_s,
        },
        notes: fit.notes.clone(),
        temperature_programmed: fit.temperature_programmed,
        peaks: fit.peaks.iter().map(peak_summary).collect(),
    });
    s
}

/// One peak's fit figures as the session keeps them.
pub fn peak_summary(p: &PeakFit) -> PeakFitSummary {
    PeakFitSummary {
        name: p.name.clone(),
        ka_se_per_s: p.ka_se_per_s,
        kd_se_per_s: p.kd_se_per_s,
        ka_kd_correlation: p.ka_kd_correlation,
        area_se: p.area_se,
        mu: p.mu,
        retention_factor: p.retention_factor,
        retention_time_s: p.retention_time_s,
        r2: p.r2,
        sse: p.sse,
        n_points: p.n_points,
        termination: p.termination.describe().to_string(),
        error: p.error.clone(),
        quality: p.quality,
        window_s: Some((p.window_start_s, p.window_end_s)),
        cluster: p.error.is_none().then_some(p.cluster),
    }
}
