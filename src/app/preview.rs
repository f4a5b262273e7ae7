//! The curves of a drag frame: only the peaks that changed are recomputed, each over the samples where its old
//! or new curve is not negligible (its [signal window](crate::model::closed::signal_window_s)), and there at
//! screen resolution on the visible range, though never coarser than a tenth of the peak's σ (coarser off it); between the samples it is evaluated at, the curve
//! is interpolated linearly. The total and the residual are updated by the change over that range only.
//!
//! The closed form is exact on any sorted subset of the run's times, so a preview curve equals the full one at
//! the samples it was evaluated at. Everything else is a preview: its peaks have no lab metrics (`None`, so the
//! table never shows a preview's figures as final), and [`Curves::update`] recomputes them at full resolution
//! (the app does so when the pointer is released).

use std::ops::Range;
use std::time::Instant;

use super::state::{CurveInput, CurveTag, Curves, Document, apex_of, simulation_grid};
use crate::model::{Method, ModelError};

/// Where the plot shows the curves: what a preview is computed for.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PreviewWindow {
    /// The visible time range in s.
    pub visible_s: (f64, f64),
    /// The plot's width in points.
    pub width_px: f32,
}

/// Samples evaluated per point of the plot's width on the visible range (at most: fewer at full resolution).
const SAMPLES_PER_PX: f32 = 4.0;
/// Samples evaluated per standard deviation of the peak, at least (so that a narrow peak keeps its shape when
/// the whole run is in view).
const SAMPLES_PER_SIGMA: f64 = 10.0;
/// Samples evaluated each side of the visible range (the curve off screen is interpolated between them).
const OFF_SCREEN_SAMPLES: usize = 64;

/// One changed peak's preview: the index range it covers, the samples evaluated and its values on the range.
struct PeakPreview {
    index: usize,
    range: Range<usize>,
    evaluated: Vec<usize>,
    values: Vec<f64>,
}

impl Curves {
    /// The curves of `doc` for a drag frame, from `previous` (the last frame's curves, full or a preview): the
    /// changed peaks are previewed on `window` (see the module doc). Falls back to [`Curves::update`] (full
    /// resolution) when a preview cannot follow from `previous`: another run, time grid, method, peak list or
    /// baseline, or an error.
    pub fn preview(previous: Curves, doc: &Document, method: Method, window: &PreviewWindow) -> Curves {
        let start = Instant::now();
        if !previous.can_preview(doc, method) {
            return Curves::update(previous, doc, method);
        }
        let inputs = CurveInput::of(doc, method);
        let changed: Vec<usize> = (0..inputs.len()).filter(|&i| previous.inputs[i] != inputs[i]).collect();
        let visible = index_range(&previous.time_s, window.visible_s);
        let screen_step = visible.len().div_ceil((window.width_px.max(1.0) * SAMPLES_PER_PX) as usize).max(1);
        let one = |&i: &usize| preview_peak(&previous, &previous.inputs[i], &inputs[i], i, &visible, screen_step);
        // A column edit changes every peak: then they are previewed in parallel.
        let previews: Result<Vec<PeakPreview>, ModelError> = if changed.len() > 1 {
            use rayon::prelude::*;
            changed.par_iter().map(one).collect()
        } else {
            changed.iter().map(one).collect()
        };
        let Ok(previews) = previews else { return Curves::update(previous, doc, method) };
        let mut curves = previous;
        let measured = doc.run.as_ref().map(|r| r.chromatogram().signal.as_slice());
        for p in previews {
            curves.apply_preview(p, measured);
        }
        curves.inputs = inputs;
        curves.compute_ms = start.elapsed().as_secs_f64() * 1e3;
        curves
    }

    /// Whether a preview of `doc` can follow from these curves: same run (the same allocation, so the same
    /// times), peaks (by id), baseline and method, and no error.
    fn can_preview(&self, doc: &Document, method: Method) -> bool {
        let same_run = match (&self.run, &doc.run) {
            (Some(a), Some(b)) => std::sync::Arc::ptr_eq(a, b) && a.chromatogram().time_s.len() == self.time_s.len(),
            (None, None) => simulation_grid(&doc.session) == self.time_s,
            _ => false,
        };
        same_run
            && self.error.is_none()
            && self.ids == doc.ids
            && self.inputs.len() == doc.session.peaks.len()
            && self.baseline == doc.session.baseline
            && self.inputs.iter().all(|i| i.method == method)
    }

    /// Puts one peak's preview in place: its curve over the range, the total and residual by the change there.
    fn apply_preview(&mut self, p: PeakPreview, measured: Option<&[f64]>) {
        let range = p.range.clone();
        let curve = &mut self.peaks[p.index][range.clone()];
        let total = &mut self.total[range.clone()];
        for ((old, new), sum) in curve.iter_mut().zip(&p.values).zip(total.iter_mut()) {
            *sum += new - *old;
            *old = *new;
        }
        if let (Some(residual), Some(measured)) = (self.residual.as_mut(), measured) {
            for ((r, m), s) in residual[range.clone()].iter_mut().zip(&measured[range.clone()]).zip(&*total) {
                *r = m - s;
            }
        }
        self.apex[p.index] = apex_of(&self.time_s[range.clone()], &p.values);
        self.metrics[p.index] = None;
        self.exact[p.index] = false;
        let span = &self.tags[p.index].span;
        let span = if span.is_empty() { range.clone() } else { span.start.min(range.start)..span.end.max(range.end) };
        self.tags[p.index] = CurveTag { version: super::state::fresh_curve_version(), span };
        self.evaluated[p.index] = p.evaluated;
    }
}

/// Peak `index`'s preview for the change from `old` to `new` (see the module doc).
fn preview_peak(
    curves: &Curves,
    old: &CurveInput,
    new: &CurveInput,
    index: usize,
    visible: &Range<usize>,
    screen_step: usize,
) -> Result<PeakPreview, ModelError> {
    let times = &curves.time_s;
    let old_range = index_range(times, crate::model::closed::signal_window_s(&old.column, &old.peak));
    let new_range = index_range(times, crate::model::closed::signal_window_s(&new.column, &new.peak));
    let range = old_range.start.min(new_range.start)..old_range.end.max(new_range.end);
    let step = screen_step.min(sigma_step(times, visible, new));
    let evaluated = preview_samples(&range, visible, step, OFF_SCREEN_SAMPLES);
    let at: Vec<f64> = evaluated.iter().map(|&j| times[j]).collect();
    let y = crate::model::peak_signal(&new.column, &new.peak, &at, new.method)?;
    let values = interpolate(&times[range.clone()], range.start, &evaluated, &y);
    Ok(PeakPreview { index, range, evaluated, values })
}

/// The indices of `times` (sorted) within [from, to] s, widened by one sample each side (clamped).
fn index_range(times: &[f64], (from_s, to_s): (f64, f64)) -> Range<usize> {
    let start = times.partition_point(|&t| t < from_s).saturating_sub(1);
    let end = (times.partition_point(|&t| t <= to_s) + 1).min(times.len());
    start..end.max(start)
}

/// The largest step (in samples) over `visible` that keeps [`SAMPLES_PER_SIGMA`] samples per standard
/// deviation of the peak `input`.
fn sigma_step(times: &[f64], visible: &Range<usize>, input: &CurveInput) -> usize {
    let (Some(&first), Some(&last)) = (times.get(visible.start), times.get(visible.end.saturating_sub(1))) else {
        return 1;
    };
    let step_s = (last - first) / visible.len().saturating_sub(1).max(1) as f64;
    let sd_s = crate::model::moments(&input.column, &input.peak).variance_s2.sqrt();
    let step = (sd_s / (SAMPLES_PER_SIGMA * step_s)).floor();
    if step.is_finite() && step >= 1.0 { (step as usize).min(times.len()) } else { 1 }
}

/// The samples of `range` to evaluate, sorted: inside `visible` every `step`-th, and at most about
/// `off_screen` each side outside it; always the first and last of each part, so that every sample of `range`
/// lies between two evaluated ones.
fn preview_samples(range: &Range<usize>, visible: &Range<usize>, step: usize, off_screen: usize) -> Vec<usize> {
    let inner = range.start.max(visible.start)..range.end.min(visible.end);
    let mut out = Vec::new();
    if inner.is_empty() {
        spread(range.clone(), range.len().div_ceil(off_screen.max(1)), &mut out);
    } else {
        let before = range.start..inner.start;
        let after = inner.end..range.end;
        spread(before.clone(), before.len().div_ceil(off_screen.max(1)), &mut out);
        spread(inner.clone(), step, &mut out);
        spread(after.clone(), after.len().div_ceil(off_screen.max(1)), &mut out);
    }
    out
}

/// Appends every `step`-th index of `part`, its first and last included.
fn spread(part: Range<usize>, step: usize, out: &mut Vec<usize>) {
    let Some(last) = part.end.checked_sub(1).filter(|&l| l >= part.start) else { return };
    out.extend(part.step_by(step.max(1)));
    if out.last() != Some(&last) {
        out.push(last);
    }
}

/// Values at every sample of `times` (the range starting at index `first`) from the values `y` at the sorted
/// indices `evaluated` (which include the range's ends): `y` itself there, linear in time between.
fn interpolate(times: &[f64], first: usize, evaluated: &[usize], y: &[f64]) -> Vec<f64> {
    let mut out = vec![0.0; times.len()];
    for (k, w) in evaluated.windows(2).enumerate() {
        let (a, b) = (w[0] - first, w[1] - first);
        let (ta, tb, ya, yb) = (times[a], times[b], y[k], y[k + 1]);
        for j in a + 1..b {
            let f = if tb > ta { (times[j] - ta) / (tb - ta) } else { 0.0 };
            out[j] = ya + (yb - ya) * f;
        }
    }
    for (&j, &v) in evaluated.iter().zip(y) {
        out[j - first] = v;
    }
    out
}

#[cfg(test)]
mod tests;
