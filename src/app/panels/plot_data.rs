//! The plot's data: the curves as plot points (min/max-decimated when long), each peak's line and area fill,
//! rebuilt only in part when a frame changed only some peaks.

use egui_plot::PlotPoint;

use crate::app::state::{Curves, Document};
use crate::model::Baseline;

/// The curves as plot points, rebuilt only when the curves or the time unit change.
#[derive(Debug)]
pub(super) struct PlotData {
    pub(super) revision: u64,
    pub(super) minutes: bool,
    /// Built from a drag preview (rebuilt once the full-resolution curves replace it at the same revision).
    pub(super) preview: bool,
    /// The run, baseline and peak curve versions it was built from (what the next build may keep).
    run: Option<std::sync::Arc<crate::session::LoadedRun>>,
    baseline: Option<Baseline>,
    versions: Vec<Option<u64>>,
    pub(super) measured: Vec<PlotPoint>,
    pub(super) total: Vec<PlotPoint>,
    pub(super) peaks: Vec<Vec<PlotPoint>>,
    /// Each peak's area as drawn: (time in the axis unit, baseline, baseline + peak) at its curve's points.
    pub(super) fills: Vec<PeakFill>,
    pub(super) residual: Vec<PlotPoint>,
}

/// Above this many samples, a trace is drawn as the min and max of each of `DECIMATED_BINS` bins.
const DECIMATE_ABOVE: usize = 20_000;
const DECIMATED_BINS: usize = 8_000;

/// Points of (x, y), min/max-decimated when long, with x divided by `x_scale`.
fn points(x: &[f64], y: &[f64], x_scale: f64) -> Vec<PlotPoint> {
    let n = x.len().min(y.len());
    if n <= DECIMATE_ABOVE {
        return (0..n).map(|i| PlotPoint::new(x[i] / x_scale, y[i])).collect();
    }
    let mut out = Vec::with_capacity(2 * DECIMATED_BINS);
    for b in 0..DECIMATED_BINS {
        let (lo, hi) = (b * n / DECIMATED_BINS, ((b + 1) * n / DECIMATED_BINS).max(b * n / DECIMATED_BINS + 1));
        let (mut imin, mut imax) = (lo, lo);
        for i in lo..hi.min(n) {
            if y[i] < y[imin] {
                imin = i;
            }
            if y[i] > y[imax] {
                imax = i;
            }
        }
        for i in if imin <= imax { [imin, imax] } else { [imax, imin] } {
            out.push(PlotPoint::new(x[i] / x_scale, y[i]));
        }
    }
    out
}

/// A peak's curve on top of the baseline, trimmed to where it is visible (|y| above 1e-4 of its maximum).
fn peak_points(x: &[f64], y: &[f64], base: &[f64], x_scale: f64) -> Vec<PlotPoint> {
    let max = y.iter().fold(0.0_f64, |m, v| m.max(v.abs()));
    if max == 0.0 {
        return Vec::new();
    }
    let cut = max * 1e-4;
    let first = y.iter().position(|v| v.abs() > cut).unwrap_or(0).saturating_sub(1);
    let last = y.iter().rposition(|v| v.abs() > cut).map_or(y.len(), |i| (i + 2).min(y.len()));
    let shifted: Vec<f64> = (first..last).map(|i| y[i] + base[i]).collect();
    points(&x[first..last], &shifted, x_scale)
}

/// The area under one peak's curve: x in the axis unit, the baseline and the curve above it.
#[derive(Debug, Default)]
pub(super) struct PeakFill {
    pub(super) x: Vec<f64>,
    pub(super) base: Vec<f64>,
    pub(super) top: Vec<f64>,
}

impl PeakFill {
    fn under(line: &[PlotPoint], baseline: Option<&Baseline>, x_scale: f64) -> PeakFill {
        let base = |x: f64| baseline.map_or(0.0, |b| b.value_at(x * x_scale));
        PeakFill {
            x: line.iter().map(|p| p.x).collect(),
            base: line.iter().map(|p| base(p.x)).collect(),
            top: line.iter().map(|p| p.y).collect(),
        }
    }
}

impl PlotData {
    /// The plot data of `curves`, taking from `old` (the last frame's) what has not changed: the measured trace
    /// (same run) and each peak whose curve has the same version (same baseline and time unit).
    pub(super) fn build(
        doc: &Document,
        curves: &Curves,
        revision: u64,
        minutes: bool,
        old: Option<PlotData>,
    ) -> PlotData {
        let s = if minutes { 60.0 } else { 1.0 };
        let t = &curves.time_s;
        let run = doc.run.clone();
        let mut old = old.filter(|o| o.minutes == minutes && o.baseline == doc.session.baseline);
        let same_run = |o: &PlotData| match (&o.run, &run) {
            (Some(a), Some(b)) => std::sync::Arc::ptr_eq(a, b),
            _ => false,
        };
        let measured = match old.as_mut() {
            Some(o) if same_run(o) => std::mem::take(&mut o.measured),
            _ => run.as_ref().map_or_else(Vec::new, |r| {
                let c = r.chromatogram();
                points(&c.time_s, &c.signal, s)
            }),
        };
        let versions: Vec<Option<u64>> = (0..curves.peaks.len()).map(|i| curves.curve_version(i)).collect();
        let mut base: Option<Vec<f64>> = None;
        let (peaks, fills): (Vec<Vec<PlotPoint>>, Vec<PeakFill>) = curves
            .peaks
            .iter()
            .zip(&versions)
            .enumerate()
            .map(|(i, (y, v))| {
                let kept = old.as_mut().and_then(|o| {
                    let k = o.versions.iter().position(|w| w.is_some() && w == v)?;
                    Some((std::mem::take(&mut o.peaks[k]), std::mem::take(&mut o.fills[k])))
                });
                kept.unwrap_or_else(|| {
                    let base = base.get_or_insert_with(|| match &doc.session.baseline {
                        Some(b) => t.iter().map(|&x| b.value_at(x)).collect(),
                        None => vec![0.0; t.len()],
                    });
                    // Where the curve is not zero, and a sample each side: what `peak_points` keeps lies within.
                    let span = curves.curve_span(i).unwrap_or(0..y.len());
                    let span = span.start.saturating_sub(1)..(span.end + 1).min(y.len());
                    let line = peak_points(&t[span.clone()], &y[span.clone()], &base[span], s);
                    let fill = PeakFill::under(&line, doc.session.baseline.as_ref(), s);
                    (line, fill)
                })
            })
            .unzip();
        PlotData {
            revision,
            minutes,
            preview: curves.is_preview(),
            run,
            baseline: doc.session.baseline.clone(),
            versions,
            measured,
            total: points(t, &curves.total, s),
            peaks,
            fills,
            residual: curves.residual.as_ref().map_or_else(Vec::new, |r| points(t, r, s)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::Session;

    #[test]
    fn peak_fill_lies_between_the_baseline_and_the_curve() {
        let baseline = Baseline::constant(100.0);
        let line: Vec<PlotPoint> =
            (0..5).map(|i| PlotPoint::new(f64::from(i), 100.0 + f64::from(i * (4 - i)))).collect();
        let fill = PeakFill::under(&line, Some(&baseline), 60.0);
        assert_eq!(fill.x, [0.0, 1.0, 2.0, 3.0, 4.0]);
        assert_eq!(fill.base, [100.0; 5]);
        assert_eq!(fill.top, [100.0, 103.0, 104.0, 103.0, 100.0]);
        let bare = PeakFill::under(&line, None, 1.0);
        assert_eq!(bare.base, [0.0; 5], "no baseline: filled down to zero");
    }

    #[test]
    fn a_rebuild_keeps_the_unchanged_peaks_and_equals_a_fresh_build() {
        let method = crate::model::Method::Closed;
        let mut doc = Document::new(Session::paper_btex());
        let curves = Curves::compute(&doc, method);
        let old = PlotData::build(&doc, &curves, 0, true, None);
        let kept_first = old.peaks[0].as_ptr();
        doc.session.peaks[1].kd_per_s *= 1.2;
        let curves = Curves::update(curves, &doc, method);
        let kept = PlotData::build(&doc, &curves, 1, true, Some(old));
        let fresh = PlotData::build(&doc, &curves, 1, true, None);
        assert_eq!(kept.peaks[0].as_ptr(), kept_first, "an unchanged peak's points are kept, not rebuilt");
        assert_eq!(kept.peaks, fresh.peaks);
        // Built from each curve's span, the lines are those of the whole curve.
        let b = doc.session.baseline.as_ref();
        let base: Vec<f64> = curves.time_s.iter().map(|&t| b.map_or(0.0, |b| b.value_at(t))).collect();
        for (line, y) in fresh.peaks.iter().zip(&curves.peaks) {
            assert_eq!(*line, peak_points(&curves.time_s, y, &base, 60.0));
        }
        assert_eq!(kept.total, fresh.total);
        for (a, b) in kept.fills.iter().zip(&fresh.fills) {
            assert_eq!((&a.x, &a.base, &a.top), (&b.x, &b.base, &b.top));
        }
    }

    #[test]
    fn decimation_keeps_the_extremes() {
        let x: Vec<f64> = (0..100_000).map(f64::from).collect();
        let mut y = vec![0.0; 100_000];
        y[54_321] = 7.0;
        y[12_345] = -3.0;
        let p = points(&x, &y, 60.0);
        assert!(p.len() <= 2 * DECIMATED_BINS);
        assert!(p.iter().any(|q| q.y == 7.0 && (q.x - 54_321.0 / 60.0).abs() < 1e-9));
        assert!(p.iter().any(|q| q.y == -3.0));
        assert!(p.windows(2).all(|w| w[0].x <= w[1].x));
    }
}
