//! Where the peaks are: seeds detected in the trace or taken from a template session's peaks, and named after
//! the run file's own peak table.

use super::types::{PeakSeed, RunFitError};
use crate::fit::lsq::CancelToken;
use crate::fit::metrics::peak_metrics;
use crate::fit::peaks::{FoundPeak, PeakFindError, PeakFindOptions, PeakFindResult, Polarity, find_peaks_cancellable};
use crate::model::{Column, Peak, closed, moments};

/// Peaks detected in a run, and what the user should know about the detection.
#[derive(Debug, Clone, PartialEq)]
pub struct Detection {
    /// Seeds named "peak 1", "peak 2", … in time order.
    pub seeds: Vec<PeakSeed>,
    /// When the cap on candidates was raised, or still binds.
    pub notes: Vec<String>,
}

/// Past the cap (`max_peaks`), candidates standing at least this many times the detection threshold are still
/// peaks the data justify: the cap rises to their number (at most [`MAX_DETECTED_PEAKS`]).
pub const STRONG_CANDIDATE_FACTOR: f64 = 4.0;

/// The most peaks a detection keeps, however many stand out (a run's fit grows with its peaks).
pub const MAX_DETECTED_PEAKS: usize = 200;

/// Detects peaks in (t, y) and turns them into seeds named "peak 1", "peak 2", … in time order: peaks that rise
/// above the baseline and, with [`Polarity::Positive`] (the default), peaks that dip below it (a TCD's negative
/// peaks), as [`is_dip`] judges them. When more candidates pass than `max_peaks`, the cap rises to the number
/// of strong ones ([`STRONG_CANDIDATE_FACTOR`]); a note says so, and says when the cap still leaves candidates out.
pub fn detect_seeds(t_s: &[f64], y: &[f64], options: &PeakFindOptions) -> Result<Detection, RunFitError> {
    detect_seeds_cancellable(t_s, y, options, &CancelToken::new())
}

/// [`detect_seeds`] that stops once `cancel` is set ([`RunFitError::Cancelled`]), between the steps of each of its
/// detections (the peaks, a raised cap's second pass, the dips; [`find_peaks_cancellable`]).
pub fn detect_seeds_cancellable(
    t_s: &[f64],
    y: &[f64],
    options: &PeakFindOptions,
    cancel: &CancelToken,
) -> Result<Detection, RunFitError> {
    let find = |options: &PeakFindOptions| match find_peaks_cancellable(t_s, y, options, Some(cancel)) {
        Err(PeakFindError::Cancelled) => Err(RunFitError::Cancelled),
        other => Ok(other?),
    };
    let mut options = *options;
    let mut notes = Vec::new();
    let mut found = find(&options)?;
    if let Some((raised, note)) = raised_cap(&found, &options) {
        // Only a raised cap needs a second pass; otherwise the first one is the detection.
        found = find(&raised)?;
        (options, notes) = (raised, vec![note]);
    }
    if found.candidates_above_threshold > options.max_peaks {
        notes.push(format!(
            "{} candidate peaks pass the detection threshold; only the {} most prominent are fitted (the cap)",
            found.candidates_above_threshold, options.max_peaks
        ));
    }
    let dt = median_step(t_s);
    let seed = |p: &FoundPeak, negative: bool| PeakSeed {
        name: String::new(),
        apex_time_s: p.apex_time_s,
        width_s: p.width_half_prominence_s.max(2.0 * dt),
        start: None,
        negative,
        alternative: None,
    };
    let mut seeds: Vec<PeakSeed> = found.peaks.iter().map(|p| seed(p, false)).collect();
    if options.polarity == Polarity::Positive {
        let dips = find(&options.with_polarity(Polarity::Negative))?;
        let mut widths: Vec<f64> = found.peaks.iter().map(|p| p.width_half_prominence_s).collect();
        widths.sort_by(f64::total_cmp);
        let widest = widths.get(widths.len() / 2).map_or(f64::INFINITY, |w| 5.0 * w);
        let level = quartile(y);
        seeds.extend(dips.peaks.iter().filter(|p| is_dip(p, y, level, dips.threshold, widest)).map(|p| seed(p, true)));
        seeds.sort_by(|a, b| a.apex_time_s.total_cmp(&b.apex_time_s));
    }
    for (i, s) in seeds.iter_mut().enumerate() {
        s.name = format!("peak {}", i + 1);
    }
    Ok(Detection { seeds, notes })
}

/// The options with the cap raised to the number of strong candidates of `found` (a detection with `options`),
/// and the note saying so; `None` when the cap holds every candidate or no more of them are strong.
fn raised_cap(found: &PeakFindResult, options: &PeakFindOptions) -> Option<(PeakFindOptions, String)> {
    if found.candidates_above_threshold <= options.max_peaks {
        return None;
    }
    let strong_level = STRONG_CANDIDATE_FACTOR * found.threshold;
    let strong = found.candidate_prominences.iter().take_while(|&&p| p >= strong_level).count();
    let raised = strong.min(MAX_DETECTED_PEAKS);
    if raised <= options.max_peaks {
        return None;
    }
    let note = format!(
        "{strong} candidate peaks stand over {STRONG_CANDIDATE_FACTOR}× the detection threshold: the cap of {} \
         peaks was raised to {raised}",
        options.max_peaks
    );
    Some((options.with_max_peaks(raised), note))
}

/// Whether a peak of −y is a peak that dips below the baseline `level` (the run's lower quartile, where its
/// baseline rests): it goes below that by the prominence threshold, and the signal comes back to the baseline on
/// both sides (its bases, the highest points on each side, sit near `level`). The valley between two rising peaks
/// is a peak of −y too, but its bases are those peaks; a step down (a PE Turbochrom export's baseline after an
/// integration event) has one base off the baseline. Nor is it much wider than the run's rising peaks (`widest`):
/// a slow sag of the baseline is not a peak.
fn is_dip(p: &FoundPeak, y: &[f64], level: f64, threshold: f64, widest: f64) -> bool {
    let near = |v: f64| (v - level).abs() < 0.25 * p.prominence;
    p.apex_value < level - threshold
        && near(y[p.left_base_index])
        && near(y[p.right_base_index])
        && p.width_half_prominence_s <= widest
}

/// The lower quartile of `values` (0 when empty).
fn quartile(values: &[f64]) -> f64 {
    let mut v = values.to_vec();
    if v.is_empty() {
        return 0.0;
    }
    let k = v.len() / 4;
    *v.select_nth_unstable_by(k, f64::total_cmp).1
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
                negative: p.area < 0.0,
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
