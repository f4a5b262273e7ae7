//! Background work (fits and peak detection) off the UI thread, polled each frame, with progress and cancel.
//!
//! The fitting itself goes through one small interface: [`run_job`] takes a [`JobRequest`] (a snapshot of the
//! session and the measured run), a [`JobControl`] (cancel flag + progress), and returns a [`JobOutcome`] with a
//! new session and per-peak statistics. The app applies the outcome as one undoable change.
//!
//! `fit_peaks` and `detect_peaks` call the same `crate::fit` functions as `elute fit`: per-peak (k_a, k_d) fits
//! by variable projection with the run-level inlet tail τ, standard errors and per-window R².

use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, mpsc};
use std::time::Instant;

use super::state::PeakStats;
use crate::chromatogram::Chromatogram;
use crate::fit::{self, peaks::PeakFindOptions};

use crate::session::Session;

/// What to do in the background.
#[derive(Debug, Clone, PartialEq)]
pub enum JobKind {
    /// Fit these peaks (indices into the session's peaks), each in its own window.
    FitPeaks(Vec<usize>),
    /// Replace the peaks by those found above `threshold_sigma` × the noise level.
    Detect { threshold_sigma: f64 },
}

/// Everything a job needs: a snapshot, so the UI can go on editing while it runs.
#[derive(Debug, Clone)]
pub struct JobRequest {
    /// What to do.
    pub kind: JobKind,
    /// The session as it was when the job started.
    pub session: Session,
    /// The measured channel to fit.
    pub chromatogram: Arc<Chromatogram>,
}

/// A finished job's result: the new session and one statistics entry per peak of it.
#[derive(Debug, Clone, PartialEq)]
pub struct JobOutcome {
    /// The session with fitted (or detected) peaks.
    pub session: Session,
    /// Per peak of `session.peaks`; `None` where nothing was fitted.
    pub stats: Vec<Option<PeakStats>>,
    /// A one-line summary for the status bar.
    pub message: String,
}

/// Why a job produced no outcome.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum JobError {
    /// The user pressed Cancel (not a failure; the document is unchanged).
    #[error("cancelled")]
    Cancelled,
    /// Nothing could be fitted (no data, no peaks, invalid input).
    #[error("{0}")]
    Failed(String),
}

/// The cancel flag and progress a job reads and writes; shared with the UI.
#[derive(Debug, Default)]
pub struct JobControl {
    cancel: AtomicBool,
    /// Progress in [0, 1] as f32 bits.
    progress: AtomicU32,
}

impl JobControl {
    /// True once the user asked to stop; a job checks it between steps and returns [`JobError::Cancelled`].
    pub fn is_cancelled(&self) -> bool {
        self.cancel.load(Ordering::Relaxed)
    }

    /// Reports progress as a fraction in [0, 1].
    pub fn set_progress(&self, fraction: f32) {
        self.progress.store(fraction.clamp(0.0, 1.0).to_bits(), Ordering::Relaxed);
    }

    /// The last reported progress in [0, 1].
    pub fn progress(&self) -> f32 {
        f32::from_bits(self.progress.load(Ordering::Relaxed))
    }

    /// Asks the job to stop.
    pub fn cancel(&self) {
        self.cancel.store(true, Ordering::Relaxed);
    }

    fn check(&self) -> Result<(), JobError> {
        if self.is_cancelled() { Err(JobError::Cancelled) } else { Ok(()) }
    }
}

/// Runs one job to completion on the calling thread. This is the one entry point the app uses.
pub fn run_job(request: &JobRequest, control: &JobControl) -> Result<JobOutcome, JobError> {
    if request.chromatogram.len() < 5 {
        return Err(JobError::Failed("no measured run to fit: open a chromatogram first".into()));
    }
    match &request.kind {
        JobKind::FitPeaks(indices) => fit_peaks(&request.session, &request.chromatogram, indices, control),
        JobKind::Detect { threshold_sigma } => {
            detect_peaks(&request.session, &request.chromatogram, *threshold_sigma, control)
        }
    }
}

/// Fits the listed peaks with the column model (`crate::fit::fit_run`): every peak of the session is fitted,
/// starting from its current values, with t0 and t1 from the column; the listed peaks take their fitted k_a, k_d
/// and area. When all peaks are listed the run-level inlet tail τ is fitted too and the column (τ), the baseline
/// and the fit summary are taken from the fit; a subset is fitted at the column's τ. Statistics carry the standard errors and the R² in each peak's own window.
pub fn fit_peaks(
    session: &Session,
    run: &Chromatogram,
    indices: &[usize],
    control: &JobControl,
) -> Result<JobOutcome, JobError> {
    if indices.is_empty() || session.peaks.is_empty() {
        return Err(JobError::Failed("no peaks to fit: add or detect peaks first".into()));
    }
    let seeds = fit::template_seeds(&session.column, &session.peaks, &run.time_s);
    let all = (0..session.peaks.len()).all(|i| indices.contains(&i));
    // τ is fitted only with every peak; a subset is fitted at the column's τ, which the other peaks share.
    let fitted = run_fit(session, run, &seeds, all, control)?;
    let mut out = if all { with_run(fitted.to_session(), session) } else { session.clone() };
    let mut stats = vec![None; session.peaks.len()];
    for &i in indices {
        let Some(name) = session.peaks.get(i).map(|p| &p.name) else { continue };
        if let Some(pf) = fitted.peaks.iter().find(|pf| &pf.name == name) {
            if let Some(slot) = out.peaks.iter_mut().find(|p| &p.name == name) {
                *slot = pf.to_peak();
            }
            stats[i] = Some(peak_stats(pf));
        }
    }
    // `out.peaks` follows the fit's order when all were fitted; keep the statistics aligned with it.
    if all {
        stats = out.peaks.iter().map(|p| fitted.peaks.iter().find(|pf| pf.name == p.name).map(peak_stats)).collect();
    }
    let failed = fitted.peaks.iter().filter(|p| p.error.is_some()).count();
    let r2 = fitted.r2.map_or("–".to_string(), |r| format!("{r:.4}"));
    let message = format!(
        "fitted {} peak(s) with the column model: whole-run R² {r2}, τ = {:.2} s{}",
        indices.len(),
        fitted.inlet_tail.value_s,
        if failed > 0 { format!(", {failed} cluster fit(s) failed") } else { String::new() }
    );
    Ok(JobOutcome { session: out, stats, message })
}

/// Detects peaks above `threshold_sigma` × the noise (`crate::fit::detect_seeds`), names them after the run
/// file's own peak table where one matches (`crate::fit::naming`), and fits them all with the column model and
/// the run-level inlet tail.
pub fn detect_peaks(
    session: &Session,
    run: &Chromatogram,
    threshold_sigma: f64,
    control: &JobControl,
) -> Result<JobOutcome, JobError> {
    let options = PeakFindOptions::default().with_min_prominence_sigma(threshold_sigma);
    let mut seeds =
        fit::detect_seeds(&run.time_s, &run.signal, &options).map_err(|e| JobError::Failed(e.to_string()))?;
    fit::naming::name_from_peak_table(&mut seeds, &run.metadata.peaks, None);
    if seeds.is_empty() {
        return Err(JobError::Failed(format!("no peaks above {threshold_sigma:.1} × noise")));
    }
    let fitted = run_fit(session, run, &seeds, true, control)?;
    let out = with_run(fitted.to_session(), session);
    let stats = out.peaks.iter().map(|p| fitted.peaks.iter().find(|pf| pf.name == p.name).map(peak_stats)).collect();
    let r2 = fitted.r2.map_or("–".to_string(), |r| format!("{r:.4}"));
    let message =
        format!("found and fitted {} peaks above {threshold_sigma:.1} × noise: whole-run R² {r2}", seeds.len());
    Ok(JobOutcome { session: out, stats, message })
}

/// The fitted session keeps the run reference of the session it came from.
fn with_run(mut fitted: Session, from: &Session) -> Session {
    fitted.run = from.run.clone();
    fitted
}

fn peak_stats(pf: &fit::PeakFit) -> PeakStats {
    PeakStats {
        ka_se_per_s: pf.ka_se_per_s,
        kd_se_per_s: pf.kd_se_per_s,
        r_squared: pf.r2,
        ka_kd_correlation: pf.ka_kd_correlation,
        cluster: pf.error.is_none().then_some(pf.cluster),
        window_s: Some((pf.window_start_s, pf.window_end_s)),
    }
}

/// One run fit with cancel and progress wired to `control` (progress follows the outer fit of τ).
fn run_fit(
    session: &Session,
    run: &Chromatogram,
    seeds: &[fit::PeakSeed],
    fit_tail: bool,
    control: &JobControl,
) -> Result<fit::RunFit, JobError> {
    control.check()?;
    let cancel = fit::CancelToken::new();
    let options = fit::RunFitOptions { fit_inlet_tail: fit_tail, ..Default::default() }.with_cancel(cancel.clone());
    let max_outer = options.outer.max_iterations.max(1) as f32;
    let mut observer = |p: &fit::Progress| {
        if control.is_cancelled() {
            cancel.cancel();
            return false;
        }
        control.set_progress((p.iteration as f32 + 1.0) / (max_outer + 1.0));
        true
    };
    let result = fit::fit_run(&run.time_s, &run.signal, &session.column, seeds, &options, &mut observer)
        .map_err(|e| JobError::Failed(e.to_string()));
    control.check()?;
    control.set_progress(1.0);
    result
}

/// R² = 1 − SS_res/SS_tot of `model` against `measured`; `None` when the data are constant.
pub fn r_squared(measured: &[f64], model: &[f64]) -> Option<f64> {
    let n = measured.len().min(model.len());
    if n == 0 {
        return None;
    }
    let mean = measured[..n].iter().sum::<f64>() / n as f64;
    let ss_tot: f64 = measured[..n].iter().map(|y| (y - mean).powi(2)).sum();
    let ss_res: f64 = measured[..n].iter().zip(&model[..n]).map(|(y, m)| (y - m).powi(2)).sum();
    (ss_tot > 0.0).then(|| 1.0 - ss_res / ss_tot)
}

/// A job running on its own thread.
pub struct Job {
    /// What it is doing, for the progress bar.
    pub label: String,
    /// When it started.
    pub started: Instant,
    control: Arc<JobControl>,
    receiver: mpsc::Receiver<Result<JobOutcome, JobError>>,
}

impl Job {
    /// Starts `request` on a new thread; `on_done` is called from that thread when it finishes (to wake the UI).
    pub fn spawn(label: String, request: JobRequest, on_done: impl FnOnce() + Send + 'static) -> Job {
        let control = Arc::new(JobControl::default());
        let (sender, receiver) = mpsc::channel();
        let thread_control = Arc::clone(&control);
        std::thread::spawn(move || {
            let result = run_job(&request, &thread_control);
            let _ = sender.send(result);
            on_done();
        });
        Job { label, started: Instant::now(), control, receiver }
    }

    /// Progress in [0, 1].
    pub fn progress(&self) -> f32 {
        self.control.progress()
    }

    /// Asks the job to stop; its result will be [`JobError::Cancelled`].
    pub fn cancel(&self) {
        self.control.cancel();
    }

    /// The result, once the job has finished. A vanished thread (a panic) is reported as a failure.
    pub fn poll(&self) -> Option<Result<JobOutcome, JobError>> {
        match self.receiver.try_recv() {
            Ok(result) => Some(result),
            Err(mpsc::TryRecvError::Empty) => None,
            Err(mpsc::TryRecvError::Disconnected) => Some(Err(JobError::Failed("the job stopped unexpectedly".into()))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cancel_is_reported_and_progress_is_clamped() {
        let c = JobControl::default();
        c.set_progress(2.0);
        assert_eq!(c.progress(), 1.0);
        c.cancel();
        let run =
            Chromatogram { time_s: (0..100).map(f64::from).collect(), signal: vec![0.0; 100], ..Default::default() };
        let req = JobRequest {
            kind: JobKind::FitPeaks(vec![0]),
            session: Session::paper_btex(),
            chromatogram: Arc::new(run),
        };
        assert_eq!(run_job(&req, &c), Err(JobError::Cancelled));
        assert_eq!(r_squared(&[1.0, 2.0, 3.0], &[1.0, 2.0, 3.0]), Some(1.0));
        assert_eq!(r_squared(&[1.0, 1.0], &[0.0, 0.0]), None);
    }
}
