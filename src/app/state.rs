//! The document the user edits (session + measured run + fit statistics), its undo history, and the curves
//! computed from it.
//!
//! Undo snapshots the whole [`Document`]: it is `Clone + PartialEq`, and the measured run sits behind an `Arc`
//! so a snapshot costs the session only. A slider drag is one step: edits that carry the same [`Gesture`] id
//! while the pointer is held merge into the snapshot taken when the gesture began.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use crate::chromatogram::Chromatogram;
use crate::fit::metrics::{PeakMetrics, peak_metrics};
use crate::model::{Column, Method, Peak};
use crate::session::Session;

/// A measured run as loaded: the channel shown and where it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Run {
    /// The file it was read from; `None` for the embedded default run.
    pub path: Option<PathBuf>,
    /// Every channel in the file.
    pub channels: Vec<Chromatogram>,
    /// Index into `channels` of the channel shown and fitted.
    pub channel: usize,
}

impl Run {
    /// The channel shown.
    pub fn chromatogram(&self) -> &Chromatogram {
        &self.channels[self.channel.min(self.channels.len().saturating_sub(1))]
    }

    /// A one-line name for the status bar.
    pub fn display_name(&self) -> String {
        match &self.path {
            Some(p) => p.file_name().map_or_else(|| p.display().to_string(), |n| n.to_string_lossy().into_owned()),
            None => "embedded run".into(),
        }
    }
}

/// Fit statistics of one peak, when it has been fitted.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct PeakStats {
    /// Standard error of k_a in 1/s, when the fitter reports it.
    pub ka_se_per_s: Option<f64>,
    /// Standard error of k_d in 1/s, when the fitter reports it.
    pub kd_se_per_s: Option<f64>,
    /// Coefficient of determination over the peak's fit window.
    pub r_squared: Option<f64>,
    /// Correlation of the k_a and k_d estimates, in [−1, 1] (0 when unknown).
    pub ka_kd_correlation: f64,
    /// Index of the cluster the peak was fitted in (peaks of one cluster share a window and a fit).
    pub cluster: Option<usize>,
    /// The peak's own fit window (start, end) in s; the cluster's window is the union over its peaks.
    pub window_s: Option<(f64, f64)>,
}

/// What the user edits and undo restores: the session, the measured run and the fit statistics.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    /// Column, peaks, baseline and run reference (what is saved).
    pub session: Session,
    /// The measured run, when there is one.
    pub run: Option<Arc<Run>>,
    /// One entry per peak of `session.peaks` (kept the same length); `None` until fitted.
    pub stats: Vec<Option<PeakStats>>,
}

impl Document {
    /// A document over `session` with no run; the statistics are those the session's fit summary carries (by
    /// peak name: standard errors, their correlation and R²; no cluster or window), so a saved, fitted session
    /// reopens with its uncertainties.
    pub fn new(session: Session) -> Document {
        let stats = stats_from_summary(&session);
        Document { session, run: None, stats }
    }

    /// Keeps `stats` as long as `session.peaks` (new peaks get `None`).
    pub fn sync_stats(&mut self) {
        self.stats.resize(self.session.peaks.len(), None);
    }
}

/// Per peak of `session`, the statistics its fit summary carries (matched by name); `None` where it has none.
pub fn stats_from_summary(session: &Session) -> Vec<Option<PeakStats>> {
    session
        .peaks
        .iter()
        .map(|p| {
            let f = session.fit.as_ref()?.peaks.iter().find(|f| f.name == p.name)?;
            Some(PeakStats {
                ka_se_per_s: f.ka_se_per_s,
                kd_se_per_s: f.kd_se_per_s,
                r_squared: f.r2,
                ka_kd_correlation: f.ka_kd_correlation,
                cluster: None,
                window_s: None,
            })
        })
        .collect()
}

/// Makes `session`'s fit summary agree with `stats` (per peak of `session`, by name): entries of peaks without
/// statistics (never fitted, or edited since) are dropped, the others take the standard errors, correlation and
/// R² of `stats`.
pub fn sync_summary(session: &mut Session, stats: &[Option<PeakStats>]) {
    let current: Vec<(String, PeakStats)> =
        session.peaks.iter().zip(stats).filter_map(|(p, st)| st.map(|st| (p.name.clone(), st))).collect();
    let Some(fit) = &mut session.fit else { return };
    fit.peaks.retain(|e| current.iter().any(|(n, _)| *n == e.name));
    for e in &mut fit.peaks {
        if let Some((_, st)) = current.iter().find(|(n, _)| *n == e.name) {
            e.ka_se_per_s = st.ka_se_per_s;
            e.kd_se_per_s = st.kd_se_per_s;
            e.ka_kd_correlation = st.ka_kd_correlation;
            e.r2 = st.r_squared;
        }
    }
}

/// Groups edits into one undo step: a drag of one widget is one gesture.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gesture {
    /// A complete edit (a typed value, a click, a keyboard step): its own undo step.
    Single,
    /// Part of a continuing drag of the widget with this id: merged with the other parts.
    Drag(egui::Id),
}

/// Undo and redo stacks of document snapshots.
#[derive(Debug, Default)]
pub struct History {
    undo: Vec<Document>,
    redo: Vec<Document>,
    open_gesture: Option<egui::Id>,
}

/// Most undo steps kept.
const MAX_UNDO: usize = 200;

impl History {
    /// Records `before` (the document before an edit) unless the edit continues the open gesture.
    pub fn record(&mut self, before: &Document, gesture: Gesture) {
        match gesture {
            Gesture::Drag(id) if self.open_gesture == Some(id) => return,
            Gesture::Drag(id) => self.open_gesture = Some(id),
            Gesture::Single => self.open_gesture = None,
        }
        self.undo.push(before.clone());
        if self.undo.len() > MAX_UNDO {
            self.undo.remove(0);
        }
        self.redo.clear();
    }

    /// Ends any open gesture (call when the pointer is released).
    pub fn end_gesture(&mut self) {
        self.open_gesture = None;
    }

    /// Steps back: returns the previous document and stores `current` for redo.
    pub fn undo(&mut self, current: &Document) -> Option<Document> {
        self.open_gesture = None;
        let prev = self.undo.pop()?;
        self.redo.push(current.clone());
        Some(prev)
    }

    /// Steps forward again after an undo.
    pub fn redo(&mut self, current: &Document) -> Option<Document> {
        self.open_gesture = None;
        let next = self.redo.pop()?;
        self.undo.push(current.clone());
        Some(next)
    }

    /// Whether there is something to undo.
    pub fn can_undo(&self) -> bool {
        !self.undo.is_empty()
    }

    /// Whether there is something to redo.
    pub fn can_redo(&self) -> bool {
        !self.redo.is_empty()
    }

    /// Forgets everything (after opening another session or run).
    pub fn clear(&mut self) {
        *self = History::default();
    }
}

/// The curves drawn for a document: model per peak, their sum plus baseline, residuals.
#[derive(Debug, Clone, Default)]
pub struct Curves {
    /// Time grid in s (the run's own times, or a simulation grid without a run).
    pub time_s: Vec<f64>,
    /// Each peak's model signal (no baseline).
    pub peaks: Vec<Vec<f64>>,
    /// Baseline plus all peaks.
    pub total: Vec<f64>,
    /// Measured minus total, when there is a run.
    pub residual: Option<Vec<f64>>,
    /// Each peak's apex (time s, height above the baseline); `None` when its curve is flat.
    pub apex: Vec<Option<(f64, f64)>>,
    /// Each peak's lab metrics from its model curve on the time grid (`None`: no positive peak).
    pub metrics: Vec<Option<PeakMetrics>>,
    /// Why the curves are missing or incomplete, if they are.
    pub error: Option<String>,
    /// Wall time of the last recomputation in ms.
    pub compute_ms: f64,
    /// What each peak curve was computed from.
    inputs: Vec<CurveInput>,
}

/// Samples on the simulation grid when there is no measured run.
const SIMULATION_POINTS: usize = 7_000;

/// An apex: (time s, value).
type Apex = Option<(f64, f64)>;
/// A computed peak curve, its apex and its lab metrics.
type PeakCurve = (Vec<f64>, Apex, Option<PeakMetrics>);

/// What one peak curve was computed from: when it is unchanged, the curve is reused.
#[derive(Debug, Clone, PartialEq)]
struct CurveInput {
    column: Column,
    peak: Peak,
    method: Method,
}

impl Curves {
    /// Computes the curves of `doc` with `method` from scratch.
    pub fn compute(doc: &Document, method: Method) -> Curves {
        Curves::update(Curves::default(), doc, method)
    }

    /// Computes the curves of `doc`, reusing the peak curves of `previous` whose column, peak, method and time
    /// grid are unchanged (a slider drag recomputes one peak, not all of them).
    pub fn update(previous: Curves, doc: &Document, method: Method) -> Curves {
        let start = Instant::now();
        let time_s: Vec<f64> = match &doc.run {
            Some(run) => run.chromatogram().time_s.clone(),
            None => simulation_grid(&doc.session),
        };
        let same_grid = previous.time_s == time_s;
        let mut old_peaks: Vec<Option<(CurveInput, PeakCurve)>> = if same_grid {
            let Curves { peaks, inputs, apex, metrics, .. } = previous;
            inputs
                .into_iter()
                .zip(peaks.into_iter().zip(apex).zip(metrics))
                .map(|(i, ((y, a), m))| Some((i, (y, a, m))))
                .collect()
        } else {
            Vec::new()
        };
        let inputs: Vec<CurveInput> = doc
            .session
            .peaks
            .iter()
            .map(|p| CurveInput { column: doc.session.column, peak: p.clone(), method })
            .collect();
        // Reuse by input, wherever the peak now sits in the list (a removal shifts the indices).
        let mut reused: Vec<Option<PeakCurve>> = inputs
            .iter()
            .map(|input| {
                let k = old_peaks.iter().position(|o| o.as_ref().is_some_and(|(i, _)| i == input))?;
                old_peaks[k].take().map(|(_, curve)| curve)
            })
            .collect();
        let todo: Vec<usize> = (0..inputs.len()).filter(|&i| reused[i].is_none()).collect();
        let eval = |&i: &usize| crate::model::peak_signal(&doc.session.column, &inputs[i].peak, &time_s, method);
        let fresh: Result<Vec<Vec<f64>>, _> = if method != Method::Closed || todo.len() * time_s.len() > 200_000 {
            use rayon::prelude::*;
            todo.par_iter().map(eval).collect()
        } else {
            todo.iter().map(eval).collect()
        };
        let fresh = match fresh {
            Ok(f) => f,
            Err(e) => {
                return Curves {
                    error: Some(format!("cannot compute the model: {e}")),
                    time_s,
                    compute_ms: start.elapsed().as_secs_f64() * 1e3,
                    ..Default::default()
                };
            }
        };
        for (i, y) in todo.into_iter().zip(fresh) {
            let apex = apex_of(&time_s, &y);
            let metrics = curve_metrics(&time_s, &y);
            reused[i] = Some((y, apex, metrics));
        }
        let mut peaks = Vec::with_capacity(reused.len());
        let mut apex = Vec::with_capacity(reused.len());
        let mut metrics = Vec::with_capacity(reused.len());
        for (y, a, m) in reused.into_iter().flatten() {
            peaks.push(y);
            apex.push(a);
            metrics.push(m);
        }
        let mut total: Vec<f64> = match &doc.session.baseline {
            Some(b) => time_s.iter().map(|&t| b.value_at(t)).collect(),
            None => vec![0.0; time_s.len()],
        };
        for y in &peaks {
            for (s, v) in total.iter_mut().zip(y) {
                *s += v;
            }
        }
        let residual = doc
            .run
            .as_ref()
            .map(|run| run.chromatogram().signal.iter().zip(&total).map(|(m, s)| m - s).collect::<Vec<f64>>());
        Curves {
            time_s,
            peaks,
            total,
            residual,
            apex,
            metrics,
            inputs,
            error: None,
            compute_ms: start.elapsed().as_secs_f64() * 1e3,
        }
    }
}

/// Samples kept each side of the part of a curve above [`METRICS_FLOOR`] × its height.
const METRICS_MARGIN: usize = 3;
/// Fraction of the height below which a curve's samples are left out of its metrics (all levels used are ≥ 4.4 %).
const METRICS_FLOOR: f64 = 1e-3;

/// Lab metrics of one peak's model curve, computed over the samples above 0.1 % of its height (the metrics'
/// lowest level is 4.4 %), so the cost follows the peak's width, not the run's length.
fn curve_metrics(time_s: &[f64], y: &[f64]) -> Option<PeakMetrics> {
    let k = (0..y.len()).max_by(|&a, &b| y[a].total_cmp(&y[b]))?;
    let floor = y[k] * METRICS_FLOOR;
    if floor.is_nan() || floor <= 0.0 {
        return None;
    }
    let (lo, hi) = super::estimate::bounds_above(y, k, floor);
    let (lo, hi) = (lo.saturating_sub(METRICS_MARGIN), (hi + METRICS_MARGIN + 1).min(y.len()));
    peak_metrics(&time_s[lo..hi], &y[lo..hi]).ok()
}

/// The apex (time s, value) of a curve by largest |y|; `None` when it is flat zero.
fn apex_of(time_s: &[f64], y: &[f64]) -> Apex {
    let k = (0..y.len()).max_by(|&a, &b| y[a].abs().total_cmp(&y[b].abs()))?;
    (y[k] != 0.0).then(|| (time_s[k], y[k]))
}

/// A grid from 0 to past the last peak (its mean + 8σ, at least 60 s).
pub fn simulation_grid(session: &Session) -> Vec<f64> {
    let end_s = session
        .peaks
        .iter()
        .map(|p| super::params::mean_s(&session.column, p) + 8.0 * super::params::sigma_s(&session.column, p))
        .filter(|t| t.is_finite())
        .fold(60.0_f64, f64::max)
        .min(1e6);
    let step = end_s / (SIMULATION_POINTS - 1) as f64;
    (0..SIMULATION_POINTS).map(|i| i as f64 * step).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_drag_is_one_undo_step_and_redo_returns() {
        let mut h = History::default();
        let mut doc = Document::new(Session::paper_btex());
        let original = doc.clone();
        let id = egui::Id::unique("slider");
        for area in [1.0, 2.0, 3.0] {
            h.record(&doc, Gesture::Drag(id));
            doc.session.peaks[0].area = area;
        }
        h.end_gesture();
        h.record(&doc, Gesture::Single);
        doc.session.peaks[1].area = 9.0;
        let after = doc.clone();
        doc = h.undo(&doc).unwrap();
        assert_eq!(doc.session.peaks[0].area, 3.0);
        doc = h.undo(&doc).unwrap();
        assert_eq!(doc, original);
        assert!(h.undo(&doc).is_none());
        doc = h.redo(&doc).unwrap();
        doc = h.redo(&doc).unwrap();
        assert_eq!(doc, after);
    }

    #[test]
    fn an_update_recomputes_only_changed_peaks_and_equals_a_full_compute() {
        let mut doc = Document::new(Session::paper_btex());
        let run_times: Vec<f64> = (0..3000).map(|i| i as f64 * 0.25).collect();
        let run = Chromatogram { signal: vec![1.0; run_times.len()], time_s: run_times, ..Default::default() };
        doc.run = Some(Arc::new(Run { path: None, channels: vec![run], channel: 0 }));
        let mut previous = Curves::compute(&doc, Method::Closed);
        // Mark a reused curve so reuse is visible whatever the engine returns.
        previous.peaks[0][0] = 42.0;
        doc.session.peaks[3].kd_per_s *= 1.5;
        doc.session.peaks.remove(1);
        let updated = Curves::update(previous, &doc, Method::Closed);
        assert_eq!(updated.peaks[0][0], 42.0, "benzene's curve was reused");
        let mut full = Curves::compute(&doc, Method::Closed);
        full.peaks[0][0] = 42.0;
        assert_eq!(updated.peaks, full.peaks);
        assert_eq!(updated.peaks.len(), 4);
        assert_eq!(updated.residual.as_ref().map(Vec::len), Some(3000));
    }

    #[test]
    fn metrics_over_the_support_equal_those_over_the_whole_run() {
        let doc = Document::new(Session::paper_btex());
        let curves = Curves::compute(&doc, Method::Closed);
        for (y, m) in curves.peaks.iter().zip(&curves.metrics) {
            let m = m.as_ref().expect("every BTEX peak has metrics");
            let full = peak_metrics(&curves.time_s, y).unwrap();
            assert_eq!(m.w50, full.w50);
            assert_eq!(m.w5, full.w5);
            assert_eq!(m.retention_time_s, full.retention_time_s);
            assert_eq!(m.plates_half_height, full.plates_half_height);
            assert!((m.area / full.area - 1.0).abs() < 1e-3);
        }
        assert_eq!(curve_metrics(&[0.0, 1.0, 2.0], &[0.0, 0.0, 0.0]), None);
    }

    #[test]
    fn grid_covers_the_last_peak() {
        let s = Session::paper_btex();
        let grid = simulation_grid(&s);
        assert_eq!(grid.len(), SIMULATION_POINTS);
        // o-xylene: mean 576.6 s, σ 8.77 s.
        assert!(*grid.last().unwrap() > 576.6 + 5.0 * 8.77);
    }
}
