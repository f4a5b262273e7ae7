//! Extra peaks the user places (a click on the trace, `elute fit --add-peak T_S`): the run is fitted again with a
//! candidate at each place, and each candidate is judged by [`crate::fit::evidence`] in its own window against the
//! fit without it. No automatic search: on SOLV001 one "found" peaks under clean single peaks, because what it
//! picked up was shape misfit.

use crate::fit::evidence::{Evidence, extra_peak_evidence};
use crate::fit::{PeakSeed, Quality, RunFit};
use crate::model::{self, Method, moments};

/// Free parameters an extra peak brings: k_a, k_d and its area.
const EXTRA_PARAMETERS: usize = 3;

/// A candidate placed closer than this many standard deviations to the apex of a peak of the fit without it
/// sits on that peak. Two components with one apex make one peak with one maximum and no shoulder (resolution
/// Rs = Δt/4σ below 0.1): the pair can fit any change of shape, which is what the model's misfit looks like, and
/// no fit can tell it from a second analyte. (A two-component fit of SOLV001's methanol, placed on its apex,
/// improves the window SSE eightfold with a slow second "site"; the single peak is misfit, not a pair.)
pub const MIN_SEPARATION_SD: f64 = 0.4;

/// A candidate peak the user placed, and what the data say of it.
#[derive(Debug, Clone, PartialEq)]
pub struct AddedPeak {
    /// Its name in the fit ("added at 268.0 s").
    pub name: String,
    /// Where the user placed it, s.
    pub placed_at_s: f64,
    /// The evidence for it; `None` when its window is too short to judge.
    pub evidence: Option<Evidence>,
    /// The peak of the fit without it whose apex is nearest the place, and the distance in that peak's
    /// standard deviations.
    pub nearest: Option<(String, f64)>,
}

impl AddedPeak {
    /// True when the data support the peak.
    pub fn supported(&self) -> bool {
        self.evidence.is_some_and(|e| e.supported()) && !self.coelutes()
    }

    /// True when the candidate was placed on a peak's apex (closer than [`MIN_SEPARATION_SD`]).
    pub fn coelutes(&self) -> bool {
        self.nearest.as_ref().is_some_and(|(_, sd)| *sd < MIN_SEPARATION_SD)
    }

    /// One sentence for the notes: where, and the verdict with its figures.
    pub fn describe(&self) -> String {
        let verdict = match (&self.evidence, &self.nearest) {
            (Some(e), Some((name, sd))) if self.coelutes() => format!(
                "the data do not support it: it sits on the apex of {name} ({sd:.2} σ away), where a second \
                 component cannot be told from a change of that peak's shape ({})",
                e.describe_figures()
            ),
            (Some(e), _) => e.describe(),
            (None, _) => "its window is too short to judge".to_string(),
        };
        format!("{} (placed by the user): {verdict}", self.name)
    }
}

/// The seeds with a candidate at each of `times_s`, in time order: each as wide as its nearest seed, started from
/// the rates that put its mean there on `fit`'s column, and of its nearest seed's sign.
pub(super) fn seeds_with_candidates(seeds: &[PeakSeed], times_s: &[f64], fit: &RunFit, step_s: f64) -> Vec<PeakSeed> {
    let mut out = seeds.to_vec();
    for &t in times_s {
        let nearest = seeds.iter().min_by(|a, b| (a.apex_time_s - t).abs().total_cmp(&(b.apex_time_s - t).abs()));
        let width_s = nearest.map_or(10.0 * step_s, |s| s.width_s);
        let start = moments::rates_from_moments(&fit.column, t, width_s / 2.3548);
        out.push(PeakSeed {
            name: candidate_name(t),
            apex_time_s: t,
            width_s,
            start,
            negative: nearest.is_some_and(|s| s.negative),
            alternative: None,
        });
    }
    out.sort_by(|a, b| a.apex_time_s.total_cmp(&b.apex_time_s));
    out
}

/// The name of a candidate placed at `t_s`.
pub fn candidate_name(t_s: f64) -> String {
    format!("added at {t_s:.1} s")
}

/// Judges each candidate of `with` (the fit with them) against `without`, in the candidate's own window, marks
/// it [`Quality::Added`] and adds the verdicts to `with`'s notes.
pub(super) fn judge(t_s: &[f64], y: &[f64], without: &RunFit, with: &mut RunFit, times_s: &[f64]) -> Vec<AddedPeak> {
    let mut out = Vec::new();
    for &placed in times_s {
        let name = candidate_name(placed);
        let Some(p) = with.peaks.iter_mut().find(|p| p.name == name) else { continue };
        p.quality = Quality::Added;
        let (lo, hi) = (p.window_start_s, p.window_end_s);
        let a = t_s.partition_point(|&t| t < lo);
        let b = t_s.partition_point(|&t| t <= hi);
        let evidence = (b > a)
            .then(|| {
                let tw = &t_s[a..b];
                let m0 = model_sum(without, tw)?;
                let m1 = model_sum(with, tw)?;
                extra_peak_evidence(tw, &y[a..b], &m0, &m1, EXTRA_PARAMETERS)
            })
            .flatten();
        let nearest = nearest_apex(without, placed);
        out.push(AddedPeak { name, placed_at_s: placed, evidence, nearest });
    }
    with.notes.extend(out.iter().map(AddedPeak::describe));
    out
}

/// The peak of `fit` whose apex is nearest `t_s`, and the distance in its standard deviations (from the
/// model's moments on `fit`'s column).
fn nearest_apex(fit: &RunFit, t_s: f64) -> Option<(String, f64)> {
    fit.peaks
        .iter()
        .map(|p| {
            let sd_s = moments::moments(&fit.column, &p.to_peak()).variance_s2.sqrt();
            (p.name.clone(), (p.retention_time_s - t_s).abs() / sd_s)
        })
        .filter(|(_, d)| d.is_finite())
        .min_by(|a, b| a.1.total_cmp(&b.1))
}

/// The sum of `fit`'s peak curves at `t_s` (the baseline is left to the window's line).
fn model_sum(fit: &RunFit, t_s: &[f64]) -> Option<Vec<f64>> {
    let mut sum = vec![0.0; t_s.len()];
    for p in &fit.peaks {
        let curve = model::peak_signal(&fit.column, &p.to_peak(), t_s, Method::Closed).ok()?;
        sum.iter_mut().zip(curve).for_each(|(s, c)| *s += c);
    }
    Some(sum)
}
