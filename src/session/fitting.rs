//! The one fitting workflow the app and the CLI share: peaks detected in the run or taken from a template, fitted
//! with the column model ([`crate::fit::fit_run`]), and the result turned into a session, with cancel and an
//! observer.
//!
//! The rules every caller gets the same way:
//! - detected peaks take their names from the run file's own peak table where a retention time matches;
//! - on an assumed (generic preset) column, t0 and t1 are fitted too, unless an earlier fit of the same session
//!   already fitted them (a refit then starts from them and holds them);
//! - fitting only some peaks of a session holds the run-level values (t0, t1, τ): the peaks not fitted share
//!   them, so they cannot move; τ and the rest are fitted only when every peak is;
//! - a template from another run is matched to the detected peaks in retention order; a template with a column
//!   and no peaks is a known column: its peaks are detected.

use super::added_peaks::{self, AddedPeak};
use super::from_fit::{peak_summary, session_from_fit};
use super::{PeakFitSummary, Session};
use crate::chromatogram::Chromatogram;
use crate::fit::lsq::{CancelToken, Observer};
use crate::fit::peaks::PeakFindOptions;
use crate::fit::run::match_template;
use crate::fit::run::naming::name_from_peak_table;
use crate::fit::run::run_problems;
use crate::fit::{
    BaselineChoice, Detection, PeakSeed, Quality, RunFit, RunFitError, RunFitOptions, detect_seeds_cancellable,
    fit_run, template_seeds,
};
use crate::model::{Column, Peak, RunLevelFree};

/// Where the peaks to fit come from.
#[derive(Debug, Clone, PartialEq)]
pub enum PeakSource {
    /// Detect them in the run with these options (the session's own peaks are replaced).
    Detect(PeakFindOptions),
    /// The session's own peaks, at their own (k_a, k_d), where they are on this run (a document's peaks);
    /// `only`, when given, lists the indices to fit (the others stay as they are).
    Session { only: Option<Vec<usize>> },
    /// The session is a template from another run: its peaks are matched, in retention order, to the peaks
    /// detected with these options ([`crate::fit::match_template`]) and fitted where they were found, from the
    /// detected peaks' moments or the template's values, whichever fits better. Unmatched template peaks are
    /// reported and left out.
    Template(PeakFindOptions),
}

/// Everything a fit needs besides the run.
#[derive(Debug, Clone)]
pub struct FitRequest {
    /// The session the fit starts from: its column, its peaks (with [`PeakSource::Session`]) and its run
    /// reference, which the result keeps.
    pub session: Session,
    /// The column is a generic preset, not the run's: k_a is reported as depending on the assumed phase ratio,
    /// and t0 and t1 are fitted too unless the session's fit summary says they were fitted already.
    pub column_assumed: bool,
    /// On an assumed column, t0 is known all the same (given by the user, from an unretained peak): it is held.
    pub holdup_known: bool,
    /// Where the peaks come from.
    pub peaks: PeakSource,
    /// Baseline, area mode, which run-level values are free, windows and caps. With an assumed column t0 and t1
    /// are freed; fitting a subset frees none.
    pub options: RunFitOptions,
    /// Candidate peaks the user placed, at these times (s): the run is fitted again with them, and each is judged
    /// by whether the data support it ([`super::added_peaks`]). Ignored when fitting a subset.
    pub added_peaks_s: Vec<f64>,
}

impl FitRequest {
    /// Peaks detected with the default options on the generic preset column (what `elute fit RUN` does).
    pub fn detect_on_preset() -> FitRequest {
        FitRequest {
            session: Session::new(Column::default_preset(), Vec::new()),
            column_assumed: true,
            holdup_known: false,
            peaks: PeakSource::Detect(PeakFindOptions::default()),
            options: RunFitOptions::default(),
            added_peaks_s: Vec::new(),
        }
    }

    /// A template from another run (its column, and its peaks if any) for a new run: the peaks are matched to
    /// those detected with the default options (without peaks, the detected peaks are fitted on the known
    /// column); t0, t1 and τ are held at the template's. A tail fitted to a run that has none only adds bias:
    /// on simulated BTEX runs with a known column, a free τ left 63 of 100 runs within 2 % of the true rates,
    /// against 93 with τ held (the noise's own limit there).
    pub fn template(session: Session) -> FitRequest {
        let mut options = RunFitOptions::default();
        options.free.inlet_tail = false;
        FitRequest { peaks: PeakSource::Template(PeakFindOptions::default()), options, ..FitRequest::session(session) }
    }

    /// Every peak of `session` fitted on its column with the default options (τ fitted, t0 and t1 held).
    pub fn session(session: Session) -> FitRequest {
        FitRequest {
            session,
            column_assumed: false,
            holdup_known: false,
            peaks: PeakSource::Session { only: None },
            options: RunFitOptions::default(),
            added_peaks_s: Vec::new(),
        }
    }
}

/// What a fit produced.
#[derive(Debug, Clone)]
pub struct Fitted {
    /// The run fit itself (per-peak results, metrics, run-level values, notes).
    pub fit: RunFit,
    /// The session after the fit: the fitted session, or with `only`, the template session's peaks with the
    /// listed ones replaced.
    pub session: Session,
    /// Per peak of `session`, its fit figures (`None` for peaks not fitted this time).
    pub fits: Vec<Option<PeakFitSummary>>,
    /// The indices (into `session.peaks`) that were fitted.
    pub fitted: Vec<usize>,
    /// Template peaks that matched no detected peak (with the template's values): not fitted.
    pub unmatched: Vec<Peak>,
    /// The candidate peaks the user placed, each with the verdict of the data.
    pub added: Vec<AddedPeak>,
    /// What the detection or the template match said (the cap raised or binding, peaks left out); also in
    /// `fit.notes`.
    pub detection_notes: Vec<String>,
}

/// Why nothing was fitted.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FittingError {
    /// No peaks to fit (none given, none detected, an empty subset).
    #[error("{0}")]
    NoPeaks(String),
    /// The run itself cannot be fitted (too short, not finite, peak finding failed).
    #[error(transparent)]
    Run(#[from] RunFitError),
    /// The user cancelled (not a failure).
    #[error("cancelled")]
    Cancelled,
}

/// Runs `request` on `run`. `cancel` stops it between and inside the fit's iterations (the result is then
/// [`FittingError::Cancelled`]); `observer` sees the joint fit's progress.
pub fn fit(
    run: &Chromatogram,
    request: &FitRequest,
    cancel: &CancelToken,
    observer: &mut dyn Observer,
) -> Result<Fitted, FittingError> {
    let column = request.session.column;
    let chosen = seeds(run, &request.session, &request.peaks, cancel);
    if cancel.is_cancelled() {
        return Err(FittingError::Cancelled);
    }
    let Seeds { seeds, only, unmatched, notes } = chosen?;
    let mut options = request.options.clone().with_cancel(cancel.clone());
    if request.column_assumed {
        options.column_assumed = true;
        // An assumed column says nothing of t0 and t1: fit them, unless a fit of this session already did (or
        // t0 is known).
        if !request.session.fit.as_ref().is_some_and(|f| f.fitted.holdup_time) {
            options.free.holdup_time = !request.holdup_known;
            options.free.injection = true;
        }
    }
    if only.is_some() {
        options.free = RunLevelFree::NONE;
    }
    let result = fit_with_baseline(run, &column, &seeds, &options, observer);
    if cancel.is_cancelled() {
        return Err(FittingError::Cancelled);
    }
    let mut fit = result?;
    let added = if request.added_peaks_s.is_empty() {
        Vec::new()
    } else if only.is_some() {
        fit.notes.push("placed peaks are judged only when every peak is fitted: none was added".into());
        Vec::new()
    } else {
        let step_s = (run.time_s[run.time_s.len() - 1] - run.time_s[0]) / (run.time_s.len() - 1) as f64;
        let candidates = added_peaks::seeds_with_candidates(&seeds, &request.added_peaks_s, &fit, step_s);
        let result = fit_with_baseline(run, &column, &candidates, &options, observer);
        if cancel.is_cancelled() {
            return Err(FittingError::Cancelled);
        }
        let mut with = result?;
        let judged = added_peaks::judge(&run.time_s, &run.signal, &fit, &mut with, &request.added_peaks_s);
        fit = with;
        judged
    };
    // What the reader warned of comes first: a truncated file's fit may be wrong however good it looks.
    let warned = run.metadata.warnings().map(|w| format!("the file: {w}"));
    fit.notes.splice(0..0, warned);
    fit.notes.extend(notes.iter().cloned());
    if matches!(request.peaks, PeakSource::Detect(_)) || (request.session.peaks.is_empty() && only.is_none()) {
        drop_empty_detections(&mut fit);
    }
    fit.notes.extend(run_problems(&fit));
    Ok(match only {
        Some(only) => merge_subset(fit, &request.session, &only),
        None => {
            let mut session = session_from_fit(&fit);
            session.run = request.session.run.clone();
            let fits = fit.peaks.iter().map(|p| Some(peak_summary(p))).collect();
            let fitted = (0..fit.peaks.len()).collect();
            Fitted { fit, session, fits, fitted, unmatched, added, detection_notes: notes }
        }
    })
}

/// The run fit; with the baseline left to the data ([`BaselineChoice::Auto`]) on a run whose baseline drifts, the
/// adaptive baseline's fit is kept only when its peaks fit their windows better (a higher median window R²) than
/// with a constant baseline per window: on a blank or a near-blank run the "drift" is the ghost peaks themselves.
fn fit_with_baseline(
    run: &Chromatogram,
    column: &Column,
    seeds: &[PeakSeed],
    options: &RunFitOptions,
    observer: &mut dyn Observer,
) -> Result<RunFit, RunFitError> {
    let fit = fit_run(&run.time_s, &run.signal, column, seeds, options, observer)?;
    let adaptive_chosen = options.baseline == BaselineChoice::Auto && fit.notes.iter().any(|n| n.contains("drifts"));
    if !adaptive_chosen {
        return Ok(fit);
    }
    if options.is_cancelled() {
        return Err(RunFitError::Cancelled);
    }
    let constant = RunFitOptions { baseline: BaselineChoice::Constant, ..options.clone() };
    let other = fit_run(&run.time_s, &run.signal, column, seeds, &constant, observer)?;
    let median_r2 = |f: &RunFit| {
        let mut r: Vec<f64> = f.peaks.iter().map(|p| p.r2.unwrap_or(f64::NEG_INFINITY)).collect();
        r.sort_by(f64::total_cmp);
        r.get(r.len() / 2).copied().unwrap_or(f64::NEG_INFINITY)
    };
    if median_r2(&other) >= median_r2(&fit) {
        let mut other = other;
        other.notes.push("the baseline drifts, but a constant baseline per window fits the peaks better".into());
        return Ok(other);
    }
    Ok(fit)
}

/// The seeds of a fit and what choosing them found.
struct Seeds {
    seeds: Vec<PeakSeed>,
    /// For a strict subset of the session's peaks, the indices fitted.
    only: Option<Vec<usize>>,
    /// Template peaks no detected peak matched.
    unmatched: Vec<Peak>,
    /// What the user should know about the choice.
    notes: Vec<String>,
}

/// The seeds to fit: detected, the session's own peaks (all or a subset), or a template matched to the run.
fn seeds(
    run: &Chromatogram,
    session: &Session,
    source: &PeakSource,
    cancel: &CancelToken,
) -> Result<Seeds, FittingError> {
    let plain = |seeds, only| Seeds { seeds, only, unmatched: Vec::new(), notes: Vec::new() };
    let detected_plain = |find| detected(run, find, cancel).map(|(seeds, notes)| Seeds { notes, ..plain(seeds, None) });
    match source {
        PeakSource::Detect(find) => detected_plain(find),
        PeakSource::Session { only } => {
            let peaks = &session.peaks;
            if peaks.is_empty() {
                return Err(FittingError::NoPeaks("no peaks to fit: add or detect peaks first".into()));
            }
            let only: Option<Vec<usize>> =
                only.as_ref().map(|o| o.iter().copied().filter(|&i| i < peaks.len()).collect());
            if only.as_ref().is_some_and(Vec::is_empty) {
                return Err(FittingError::NoPeaks("no peaks to fit: none of the listed peaks exists".into()));
            }
            // Every peak of the session is fitted (the neighbours of a listed peak share its windows); a subset
            // that covers them all is the whole fit.
            let all = only.as_ref().is_none_or(|o| (0..peaks.len()).all(|i| o.contains(&i)));
            Ok(plain(template_seeds(&session.column, peaks, &run.time_s), if all { None } else { only }))
        }
        PeakSource::Template(find) => {
            if session.peaks.is_empty() {
                // A column without a peak list: detect and fit with it.
                return detected_plain(find);
            }
            let (found, mut notes) = detected(run, find, cancel)?;
            let m = match_template(&session.column, &session.peaks, &run.time_s, &found);
            if !m.unmatched.is_empty() {
                notes.push(format!("template peak(s) not found in this run, left out: {}", m.unmatched.join(", ")));
            }
            if m.extra > 0 {
                notes.push(format!("{} detected peak(s) match no template peak and are not fitted", m.extra));
            }
            if m.seeds.is_empty() {
                return Err(FittingError::NoPeaks("no template peak was found in this run".into()));
            }
            let unmatched = session.peaks.iter().filter(|p| m.unmatched.contains(&p.name)).cloned().collect();
            Ok(Seeds { seeds: m.seeds, only: None, unmatched, notes })
        }
    }
}

/// Peaks detected with `find`, named after the run file's own peak table where a retention time matches, and the
/// detection's notes (the cap); it stops between its passes once `cancel` is set.
fn detected(
    run: &Chromatogram,
    find: &PeakFindOptions,
    cancel: &CancelToken,
) -> Result<(Vec<PeakSeed>, Vec<String>), FittingError> {
    let Detection { mut seeds, notes } = detect_seeds_cancellable(&run.time_s, &run.signal, find, cancel)?;
    name_from_peak_table(&mut seeds, &run.metadata.peaks, None);
    if seeds.is_empty() {
        return Err(FittingError::NoPeaks(format!("no peaks above {:.1} × noise", find.min_prominence_sigma)));
    }
    Ok((seeds, notes))
}

/// Drops detected peaks whose area the fit held at zero (not in the data), with a note naming them. The other peaks'
/// fits are unchanged: a zero-area peak adds nothing to the model.
fn drop_empty_detections(fit: &mut RunFit) {
    let empty: Vec<String> =
        fit.peaks.iter().filter(|p| p.quality == Quality::AreaAtBound).map(|p| p.name.clone()).collect();
    if empty.is_empty() {
        return;
    }
    fit.peaks.retain(|p| p.quality != Quality::AreaAtBound);
    fit.notes.push(format!(
        "{} detected peak(s) dropped: the fit holds their area at zero (not in the data): {}",
        empty.len(),
        empty.join(", ")
    ));
}

/// A subset fit: `session` with the listed peaks replaced by their fits; its column, baseline and fit summary
/// stay (the run-level values were held).
fn merge_subset(fit: RunFit, session: &Session, only: &[usize]) -> Fitted {
    let mut session = session.clone();
    let mut fits = vec![None; session.peaks.len()];
    let mut fitted = Vec::new();
    for &i in only {
        if let Some(pf) = fit.peaks.iter().find(|pf| pf.name == session.peaks[i].name) {
            session.peaks[i] = pf.to_peak();
            fits[i] = Some(peak_summary(pf));
            fitted.push(i);
        }
    }
    Fitted { fit, session, fits, fitted, unmatched: Vec::new(), added: Vec::new(), detection_notes: Vec::new() }
}
