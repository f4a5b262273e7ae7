//! Where the peaks are: seeds detected in the trace or taken from a template session's peaks, and named after
//! the run file's own peak table.

use super::types::{PeakSeed, RunFitError};
use crate::fit::metrics::peak_metrics;
use crate::fit::peaks::{PeakFindOptions, find_peaks};
use crate::model::{Column, Peak, closed, moments};

/// Detects peaks in (t, y) and turns them into seeds named "peak 1", "peak 2", … in time order.
pub fn detect_seeds(t_s: &[f64], y: &[f64], options: &PeakFindOptions) -> Result<Vec<PeakSeed>, RunFitError> {
    let found = find_peaks(t_s, y, options)?;
    let dt = median_step(t_s);
    Ok(found
        .peaks
        .iter()
        .enumerate()
        .map(|(i, p)| PeakSeed {
            name: format!("peak {}", i + 1),
            apex_time_s: p.apex_time_s,
            width_s: p.width_half_prominence_s.max(2.0 * dt),
            start: None,
            alternative: None,
        })
        .collect())
}

/// Seeds from known peaks (a session template): apex and half-height width of each peak's model curve on the
/// run's grid `t_s` on `column`, starting at the peak's own (k_a, k_d).
pub fn template_seeds(column: &Column, peaks: &[Peak], t_s: &[f64]) -> Vec<PeakSeed> {
    let dt = median_step(t_s);
    peaks
        .iter()
        .map(|p| {
            let m = moments::moments(column, p);
            let unit = Peak::new("", p.ka_per_s, p.kd_per_s, 1.0);
            let y = closed::peak_signal(column, &unit, t_s);
            let sd = m.variance_s2.max(0.0).sqrt();
            let (apex, width) = match peak_metrics(t_s, &y) {
                Ok(pm) => (pm.retention_time_s, pm.w50.map(|c| c.width_s()).unwrap_or(2.355 * sd)),
                Err(_) => (m.mean_s, 2.355 * sd),
            };
            PeakSeed {
                name: p.name.clone(),
                apex_time_s: apex,
                width_s: if width.is_finite() { width.max(2.0 * dt) } else { 2.0 * dt },
                start: Some((p.ka_per_s, p.kd_per_s)),
                alternative: None,
            }
        })
        .collect()
}

pub(super) fn median_step(t_s: &[f64]) -> f64 {
    let mut d: Vec<f64> = t_s.windows(2).map(|w| w[1] - w[0]).collect();
    if d.is_empty() {
        return 1.0;
    }
    d.sort_by(f64::total_cmp);
    d[d.len() / 2]
}
