//! Background work (fits and peak detection) off the UI thread, polled each frame, with progress and cancel.
//!
//! A job is the shared fitting workflow ([`crate::session::fitting`], the same one `elute fit` runs) on a
//! snapshot of the document: [`run_job`] takes a [`JobRequest`] and a [`JobControl`] (cancel flag + progress)
//! and returns a [`JobOutcome`] that the app applies as one undoable change.

use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, mpsc};
use std::time::Instant;

use crate::chromatogram::Chromatogram;
use crate::fit::{CancelToken, Progress, peaks::PeakFindOptions};
use crate::session::fitting::{self, FitRequest, FittingError, PeakSource};
use crate::session::{PeakFitSummary, Session};

/// What to do in the background.
#[derive(Debug, Clone, PartialEq)]
pub enum JobKind {
    /// Fit these peaks (indices into the session's peaks), each in its own window.
    FitPeaks(Vec<usize>),
    /// Replace the peaks by those found above `threshold_sigma` × the noise level, at most `max_peaks` of them
    /// (a cap that rises by itself for strong peaks).
    Detect { threshold_sigma: f64, max_peaks: usize },
}

/// Everything a job needs: a snapshot, so the UI can go on editing while it runs.
#[derive(Debug, Clone)]
pub struct JobRequest {
    /// What to do.
    pub kind: JobKind,
    /// The session as it was when the job started.
    pub session: Session,
    /// Its column is a generic preset (t0 and t1 are then fitted too).
    pub column_assumed: bool,
    /// On an assumed column, t0 was given by the user: it is held all the same.
    pub holdup_known: bool,
    /// Fit the inlet tail τ with every peak (else it is held at the column's value).
    pub fit_inlet_tail: bool,
    /// The measured channel to fit.
    pub chromatogram: Arc<Chromatogram>,
}

/// A finished job's result.
#[derive(Debug, Clone, PartialEq)]
pub struct JobOutcome {
    /// The session after the job (every peak fitted or detected; or the listed ones replaced).
    pub session: Session,
    /// Per peak of `session`, its fit figures (`None` for peaks not fitted this time).
    pub fits: Vec<Option<PeakFitSummary>>,
    /// Every peak was fitted (a detection, or a fit of all): the column (the fitted τ), the baseline and the fit
    /// summary are the job's too.
    pub whole_run: bool,
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
    cancel: CancelToken,
    /// Progress in [0, 1] as f32 bits.
    progress: AtomicU32,
    /// The worker has returned (its result is sent or about to be).
    finished: AtomicBool,
}

impl JobControl {
    /// True once the user asked to stop.
    pub fn is_cancelled(&self) -> bool {
        self.cancel.is_cancelled()
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
        self.cancel.cancel();
    }
}

/// Runs one job to completion on the calling thread. This is the one entry point the app uses.
pub fn run_job(request: &JobRequest, control: &JobControl) -> Result<JobOutcome, JobError> {
    if control.is_cancelled() {
        return Err(JobError::Cancelled);
    }
    if request.chromatogram.len() < 5 {
        return Err(JobError::Failed("no measured run to fit: open a chromatogram first".into()));
    }
    let peaks = match &request.kind {
        JobKind::FitPeaks(indices) => PeakSource::Session { only: Some(indices.clone()) },
        JobKind::Detect { threshold_sigma, max_peaks } => PeakSource::Detect(
            PeakFindOptions::default().with_min_prominence_sigma(*threshold_sigma).with_max_peaks(*max_peaks),
        ),
    };
    let mut fit_request = FitRequest {
        peaks,
        column_assumed: request.column_assumed,
        holdup_known: request.holdup_known,
        ..FitRequest::session(request.session.clone())
    };
    fit_request.options.free.inlet_tail = request.fit_inlet_tail;
    let max_outer = fit_request.options.outer.max_iterations.max(1) as f32;
    let mut observer = |p: &Progress| {
        control.set_progress((p.iteration as f32 + 1.0) / (max_outer + 1.0));
        !control.is_cancelled()
    };
    let fitted = match fitting::fit(&request.chromatogram, &fit_request, &control.cancel, &mut observer) {
        Ok(f) => f,
        Err(FittingError::Cancelled) => return Err(JobError::Cancelled),
        Err(e) => return Err(JobError::Failed(e.to_string())),
    };
    control.set_progress(1.0);
    let whole_run = fitted.fitted.len() == fitted.session.peaks.len();
    let fit = &fitted.fit;
    let r2 = fit.r2.map_or("–".to_string(), |r| format!("{r:.4}"));
    let failed = fit.peaks.iter().filter(|p| p.error.is_some()).count();
    let failed = if failed > 0 { format!(", {failed} cluster fit(s) failed") } else { String::new() };
    let message = match &request.kind {
        JobKind::Detect { threshold_sigma, .. } => format!(
            "found and fitted {} peaks above {threshold_sigma:.1} × noise: whole-run R² {r2}{failed}",
            fitted.session.peaks.len()
        ),
        JobKind::FitPeaks(_) => format!(
            "fitted {} peak(s) with the column model: whole-run R² {r2}, τ = {:.2} s{failed}",
            fitted.fitted.len(),
            fit.inlet_tail.value_s
        ),
    };
    let message = with_warnings(message, &request.chromatogram, &fitted);
    Ok(JobOutcome { session: fitted.session, fits: fitted.fits, whole_run, message })
}

/// `message`, then what may make the fit wrong or incomplete, where the status bar shows it: the reader's warnings
/// (a truncated file), the detection's cap (raised, or binding) and the run's problems (poor whole-run R², no
/// convergence), as the CLI summary prints them.
fn with_warnings(message: String, run: &Chromatogram, fitted: &fitting::Fitted) -> String {
    let warned = run.metadata.warnings().map(|w| format!("the file: {w}"));
    let detection = fitted.detection_notes.iter().cloned();
    let problems: Vec<String> = warned.chain(detection).chain(crate::fit::run::run_problems(&fitted.fit)).collect();
    if problems.is_empty() { message } else { format!("{message} — {}", problems.join("; ")) }
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
            thread_control.finished.store(true, Ordering::Release);
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

    /// True once the worker has returned: after a cancel, the work has really stopped.
    pub fn is_finished(&self) -> bool {
        self.control.finished.load(Ordering::Acquire)
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
            column_assumed: false,
            holdup_known: false,
            fit_inlet_tail: true,
            chromatogram: Arc::new(run),
        };
        assert_eq!(run_job(&req, &c), Err(JobError::Cancelled));
    }
}
