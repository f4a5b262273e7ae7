//! Background work (fits and peak detection) off the UI thread, polled each frame, with progress and cancel.
//!
//! The fitting itself goes through one small interface: [`run_job`] takes a [`JobRequest`] (a snapshot of the
//! session and the measured run), a [`JobControl`] (cancel flag + progress), and returns a [`JobOutcome`] with a
//! new session and per-peak statistics. The app applies the outcome as one undoable change.
//!
//! **Placeholder**: `fit_peaks` and `detect_peaks` below do not run a least-squares fit yet. They estimate each
//! peak from the moments of the measured trace (gc-model §3) and score it by R² against the current model. The
//! integrator replaces their bodies with calls into `crate::fit` (per-peak (k_a, k_d) fits with SE, peak
//! detection) once it lands; nothing else in the app needs to change.

use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, mpsc};
use std::time::Instant;

use super::estimate::{climb_to_apex, find_apexes, median, noise_sigma, peak_from_shape};
use super::params::{mean_s, sigma_s};
use super::state::PeakStats;
use crate::chromatogram::Chromatogram;
use crate::model::Method;
use crate::session::{Baseline, Session};

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

/// PLACEHOLDER fit: re-estimates each listed peak from the moments of the measured trace minus the baseline and
/// the other peaks, in a window of its model mean ± 4σ, then scores R² there. To be replaced by the real
/// per-peak least-squares fit of (k_a, k_d) from `crate::fit` (keeping the signature).
pub fn fit_peaks(
    session: &Session,
    run: &Chromatogram,
    indices: &[usize],
    control: &JobControl,
) -> Result<JobOutcome, JobError> {
    if indices.is_empty() || session.peaks.is_empty() {
        return Err(JobError::Failed("no peaks to fit: add or detect peaks first".into()));
    }
    let mut out = session.clone();
    let mut stats = vec![None; session.peaks.len()];
    let times = &run.time_s;
    let sim = session.simulate(times, Method::Closed).map_err(|e| JobError::Failed(e.to_string()))?;
    for (n, &i) in indices.iter().enumerate() {
        control.check()?;
        let Some(peak) = session.peaks.get(i) else { continue };
        // Measured minus baseline minus every other peak: what this peak has to explain.
        let own: Vec<f64> = (0..times.len()).map(|k| run.signal[k] - (sim.signal[k] - sim.peaks[i][k])).collect();
        let (m, s) = (mean_s(&session.column, peak), sigma_s(&session.column, peak));
        let lo = times.partition_point(|&t| t < m - 4.0 * s);
        let hi = times.partition_point(|&t| t <= m + 4.0 * s);
        if hi <= lo + 4 {
            continue;
        }
        let apex = climb_to_apex(&own, (lo + hi) / 2, (hi - lo) / 2);
        if let Some(mut fitted) = peak_from_shape(&session.column, times, &own, apex, peak.name.clone()) {
            fitted.name = peak.name.clone();
            let model = crate::model::peak_signal(&session.column, &fitted, &times[lo..hi], Method::Closed)
                .map_err(|e| JobError::Failed(e.to_string()))?;
            stats[i] = Some(PeakStats { r_squared: r_squared(&own[lo..hi], &model), ..Default::default() });
            out.peaks[i] = fitted;
        }
        control.set_progress((n + 1) as f32 / indices.len() as f32);
    }
    let fitted = stats.iter().filter(|s| s.is_some()).count();
    Ok(JobOutcome {
        session: out,
        stats,
        message: format!("estimated {fitted} of {} peaks from their moments (placeholder fit)", indices.len()),
    })
}

/// PLACEHOLDER detection: a constant baseline at the median, apexes higher than `threshold_sigma` × the noise
/// level above it, each peak from the moments of its half-height window widened three times. To be replaced by
/// `crate::fit`'s peak detection (keeping the signature).
pub fn detect_peaks(
    session: &Session,
    run: &Chromatogram,
    threshold_sigma: f64,
    control: &JobControl,
) -> Result<JobOutcome, JobError> {
    let base = median(&run.signal);
    let noise = noise_sigma(&run.signal).max(f64::MIN_POSITIVE);
    let above: Vec<f64> = run.signal.iter().map(|y| y - base).collect();
    let step = run.median_step_s().unwrap_or(1.0).max(1e-9);
    let min_gap = ((super::params::min_sigma_s(&session.column) / step).ceil() as usize).max(3);
    let apexes = find_apexes(&above, threshold_sigma * noise, min_gap);
    let mut out = session.clone();
    out.peaks.clear();
    out.baseline = Some(Baseline::constant(base));
    for (n, &apex) in apexes.iter().enumerate() {
        control.check()?;
        let name = format!("peak {:.1} s", run.time_s[apex]);
        if let Some(p) = peak_from_shape(&session.column, &run.time_s, &above, apex, name) {
            out.peaks.push(p);
        }
        control.set_progress((n + 1) as f32 / apexes.len() as f32);
    }
    let message = format!(
        "found {} peaks above {threshold_sigma:.1} × noise ({noise:.3e}) (placeholder detection)",
        out.peaks.len()
    );
    let stats = vec![None; out.peaks.len()];
    Ok(JobOutcome { session: out, stats, message })
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
