//! The document the user edits (session + measured run + each peak's fit figures and id), its undo history, and
//! the curves computed from it.
//!
//! Undo snapshots the whole [`Document`]: it is `Clone + PartialEq`, and the measured run sits behind an `Arc`
//! so a snapshot costs the session only. A slider drag is one step: edits that carry the same [`Gesture`] id
//! while the pointer is held merge into the snapshot taken when the gesture began.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use crate::fit::metrics::{PeakMetrics, peak_metrics};
use crate::model::{Baseline, Column, Method, Peak};
use crate::session::{LoadedRun, PeakFitSummary, Session};

/// A peak's identity for its whole life in the document: kept when other peaks are added, removed or
/// reordered, and when the peak itself is edited or fitted (its colour follows it).
pub type PeakId = u64;

/// What the user edits and undo restores: the session, the measured run and each peak's fit figures.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    /// Column, peaks, baseline and run reference (what is saved). Its fit summary's per-peak entries are held in
    /// `fits` while the document is open (the summary's own list is empty) and written back by
    /// [`Document::session_to_save`].
    pub session: Session,
    /// The measured run, when there is one.
    pub run: Option<Arc<LoadedRun>>,
    /// One entry per peak of `session.peaks` (kept the same length): its fit figures, `None` until fitted (and
    /// again once edited by hand).
    pub fits: Vec<Option<PeakFitSummary>>,
    /// One id per peak of `session.peaks` (kept the same length).
    pub ids: Vec<PeakId>,
    /// The column is a generic preset, not the run's (a run opened without a session): fits then fit t0 and t1.
    pub column_assumed: bool,
    /// On an assumed column, the user gave t0 (typed, or from the unretained peak): fits hold it.
    pub holdup_known: bool,
    /// The next id to hand out.
    next_id: PeakId,
}

impl Document {
    /// A document over `session` with no run; each peak's fit figures are those the session's fit summary
    /// carries for it (matched by name, once, here: a saved, fitted session reopens with its uncertainties).
    pub fn new(mut session: Session) -> Document {
        let summaries = session.fit.as_mut().map(|f| std::mem::take(&mut f.peaks)).unwrap_or_default();
        let fits = session.peaks.iter().map(|p| summaries.iter().find(|f| f.name == p.name).cloned()).collect();
        let column_assumed = session.fit.as_ref().is_some_and(|f| f.column_assumed);
        let mut doc =
            Document { session, run: None, fits, ids: Vec::new(), column_assumed, holdup_known: false, next_id: 0 };
        doc.sync();
        doc
    }

    /// Keeps `fits` and `ids` as long as `session.peaks` (new peaks get no figures and a fresh id).
    pub fn sync(&mut self) {
        let n = self.session.peaks.len();
        self.fits.resize(n, None);
        while self.ids.len() < n {
            self.ids.push(self.next_id);
            self.next_id += 1;
        }
        self.ids.truncate(n);
    }

    /// Adds a peak at the end; returns its index.
    pub fn push_peak(&mut self, peak: Peak) -> usize {
        self.session.peaks.push(peak);
        self.sync();
        self.session.peaks.len() - 1
    }

    /// Removes peak `index` with its figures and id.
    pub fn remove_peak(&mut self, index: usize) {
        if index < self.session.peaks.len() {
            self.session.peaks.remove(index);
            self.fits.remove(index);
            self.ids.remove(index);
        }
    }

    /// Replaces every peak (a detection): fresh ids, these figures.
    pub fn replace_peaks(&mut self, peaks: Vec<Peak>, fits: Vec<Option<PeakFitSummary>>) {
        self.session.peaks = peaks;
        self.fits = fits;
        self.ids.clear();
        self.sync();
    }

    /// The session as it is saved: the document's, with the fit summary's per-peak entries those of the peaks
    /// that still carry figures (an edited peak's are gone), in peak order.
    pub fn session_to_save(&self) -> Session {
        let mut s = self.session.clone();
        if let Some(fit) = &mut s.fit {
            fit.peaks = self.fits.iter().flatten().cloned().collect();
        }
        s
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
    pub(super) inputs: Vec<CurveInput>,
    /// Per peak: the curve is the full-resolution result (else a drag preview, see [`Curves::preview`]).
    pub(super) exact: Vec<bool>,
    /// Per peak: its curve's version and span.
    pub(super) tags: Vec<CurveTag>,
    /// Per peak: the samples (indices into `time_s`) a preview evaluated exactly; empty for an exact curve.
    pub(super) evaluated: Vec<Vec<usize>>,
    /// The run, ids and baseline the curves were computed for: a preview needs all three unchanged.
    pub(super) run: Option<Arc<LoadedRun>>,
    pub(super) ids: Vec<PeakId>,
    pub(super) baseline: Option<Baseline>,
}

/// Samples on the simulation grid when there is no measured run.
const SIMULATION_POINTS: usize = 7_000;

/// An apex: (time s, value).
pub(super) type Apex = Option<(f64, f64)>;
/// A computed peak curve, its apex, its lab metrics and its tag.
type PeakCurve = (Vec<f64>, Apex, Option<PeakMetrics>, CurveTag);

/// What is known of a peak curve besides its values.
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct CurveTag {
    /// Changes whenever the curve does (see [`Curves::curve_version`]).
    pub(super) version: u64,
    /// The samples outside which the curve is exactly 0 (the total adds it over these only).
    pub(super) span: std::ops::Range<usize>,
}

impl CurveTag {
    /// The tag of a freshly computed curve `y`.
    fn of(y: &[f64]) -> CurveTag {
        let first = y.iter().position(|v| *v != 0.0).unwrap_or(0);
        let end = y.iter().rposition(|v| *v != 0.0).map_or(first, |k| k + 1);
        CurveTag { version: fresh_curve_version(), span: first..end }
    }
}

/// The version the next computed peak curve gets.
static NEXT_CURVE_VERSION: AtomicU64 = AtomicU64::new(1);

/// A version no other peak curve has had.
pub(super) fn fresh_curve_version() -> u64 {
    NEXT_CURVE_VERSION.fetch_add(1, Ordering::Relaxed)
}

/// What one peak curve was computed from: when it is unchanged, the curve is reused.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct CurveInput {
    pub(super) column: Column,
    pub(super) peak: Peak,
    pub(super) method: Method,
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
            let Curves { peaks, inputs, apex, metrics, exact, tags, .. } = previous;
            // A preview's curves are not the full result: never reused.
            inputs
                .into_iter()
                .zip(peaks.into_iter().zip(apex).zip(metrics))
                .zip(exact.into_iter().zip(tags))
                .map(|((i, ((y, a), m)), (exact, v))| exact.then_some((i, (y, a, m, v))))
                .collect()
        } else {
            Vec::new()
        };
        let inputs = CurveInput::of(doc, method);
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
            let tag = CurveTag::of(&y);
            reused[i] = Some((y, apex, metrics, tag));
        }
        let mut peaks = Vec::with_capacity(reused.len());
        let mut apex = Vec::with_capacity(reused.len());
        let mut metrics = Vec::with_capacity(reused.len());
        let mut tags = Vec::with_capacity(reused.len());
        for (y, a, m, v) in reused.into_iter().flatten() {
            peaks.push(y);
            apex.push(a);
            metrics.push(m);
            tags.push(v);
        }
        let mut total: Vec<f64> = match &doc.session.baseline {
            Some(b) => time_s.iter().map(|&t| b.value_at(t)).collect(),
            None => vec![0.0; time_s.len()],
        };
        // Adding a curve's zeros would change no sum: each curve is added over its span only.
        for (y, tag) in peaks.iter().zip(&tags) {
            for (s, v) in total[tag.span.clone()].iter_mut().zip(&y[tag.span.clone()]) {
                *s += v;
            }
        }
        let residual = doc
            .run
            .as_ref()
            .map(|run| run.chromatogram().signal.iter().zip(&total).map(|(m, s)| m - s).collect::<Vec<f64>>());
        let n = peaks.len();
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
            exact: vec![true; n],
            tags,
            evaluated: vec![Vec::new(); n],
            run: doc.run.clone(),
            ids: doc.ids.clone(),
            baseline: doc.session.baseline.clone(),
        }
    }

    /// Whether some peak curve is a drag preview (then its metrics are `None` and the total and residual hold
    /// it): [`Curves::update`] finishes it.
    pub fn is_preview(&self) -> bool {
        self.exact.iter().any(|e| !e)
    }

    /// Peak `index`'s curve version: equal versions, equal curves (on the same time grid).
    pub fn curve_version(&self, index: usize) -> Option<u64> {
        self.tags.get(index).map(|t| t.version)
    }

    /// The samples outside which peak `index`'s curve is exactly 0.
    pub fn curve_span(&self, index: usize) -> Option<std::ops::Range<usize>> {
        self.tags.get(index).map(|t| t.span.clone())
    }

    /// Whether peak `index`'s curve is a drag preview (its lab metrics are then `None`).
    pub fn is_preview_peak(&self, index: usize) -> bool {
        self.exact.get(index).is_some_and(|e| !e)
    }

    /// The samples (indices into `time_s`) where peak `index`'s preview curve was evaluated exactly (between
    /// them it is interpolated); empty when its curve is the full-resolution result.
    pub fn preview_samples(&self, index: usize) -> &[usize] {
        self.evaluated.get(index).map_or(&[], Vec::as_slice)
    }
}

impl CurveInput {
    /// The inputs of each peak of `doc` with `method`.
    pub(super) fn of(doc: &Document, method: Method) -> Vec<CurveInput> {
        let column = doc.session.column;
        doc.session.peaks.iter().map(|p| CurveInput { column, peak: p.clone(), method }).collect()
    }
}

/// Samples kept each side of the part of a curve above [`METRICS_FLOOR`] × its height.
const METRICS_MARGIN: usize = 3;
/// Fraction of the height below which a curve's samples are left out of its metrics (all levels used are ≥ 4.4 %).
const METRICS_FLOOR: f64 = 1e-3;

/// Lab metrics of one peak's model curve, computed over the samples above 0.1 % of its height (the metrics'
/// lowest level is 4.4 %), so the cost follows the peak's width, not the run's length.
pub(super) fn curve_metrics(time_s: &[f64], y: &[f64]) -> Option<PeakMetrics> {
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
pub(super) fn apex_of(time_s: &[f64], y: &[f64]) -> Apex {
    let k = (0..y.len()).max_by(|&a, &b| y[a].abs().total_cmp(&y[b].abs()))?;
    (y[k] != 0.0).then(|| (time_s[k], y[k]))
}

/// A grid from 0 to past the last peak (its mean + 8σ, at least 60 s).
pub fn simulation_grid(session: &Session) -> Vec<f64> {
    let end_s = session
        .peaks
        .iter()
        .map(|p| {
            let m = crate::model::moments(&session.column, p);
            m.mean_s + 8.0 * m.variance_s2.sqrt()
        })
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
        let run = crate::chromatogram::Chromatogram {
            signal: vec![1.0; run_times.len()],
            time_s: run_times,
            ..Default::default()
        };
        doc.run = Some(Arc::new(LoadedRun { path: None, channels: vec![run], channel: 0 }));
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
