//! The selected peak's joint 95 % confidence region of (k_a, k_d): the linearised ellipse at once (from the fit's
//! standard errors and correlation), the χ² contour on a background thread once the pointer is up
//! (`crate::fit::contour`: each ray costs about 15 profile evaluations of the cluster's window; tens of ms for a few
//! peaks, 2–3 s for a 150-peak window).
//!
//! Both exist only while the peak carries fit statistics: editing the peak clears them, and so the region. A region
//! dropped while its contour is traced stops the thread at its next ray.

use std::sync::mpsc;

use super::state::Document;
use crate::fit::CancelToken;
use crate::fit::contour::{
    Chi2Contour, ContourProblem, DELTA_CHI2_95_2D, chi2_contour_cancellable, confidence_ellipse,
};
use crate::model::Column;

/// Points on the drawn ellipse.
const ELLIPSE_POINTS: usize = 96;
/// Rays of the traced χ² contour.
const CONTOUR_RAYS: usize = 72;

/// The χ² contour: waiting to be traced, being traced, traced, or why not.
#[derive(Debug)]
pub enum ContourState {
    /// Ready to trace once the pointer is released (a drag changes the document every frame; tracing then
    /// would start a thread per frame).
    Waiting(Box<ContourJob>),
    /// Tracing on a background thread, which stops at its next ray once the token is set (when this region is
    /// dropped: another peak selected, this one edited).
    Computing(mpsc::Receiver<Result<Chi2Contour, String>>, CancelToken),
    /// Traced.
    Done(Chi2Contour),
    /// Not available (no window or data), or failed: the reason.
    Unavailable(String),
}

/// The confidence region of one fitted peak, for one revision of the document.
#[derive(Debug)]
pub struct Confidence {
    /// The (document revision, peak index) it was made for.
    pub key: (u64, usize),
    /// Peak name.
    pub name: String,
    /// Fitted (k_a, k_d), 1/s.
    pub center: (f64, f64),
    /// Standard errors of (k_a, k_d), 1/s.
    pub se: (f64, f64),
    /// Correlation of the k_a and k_d estimates.
    pub correlation: f64,
    /// The linearised 95 % ellipse, points (k_a, k_d) in 1/s, closed.
    pub ellipse: Vec<(f64, f64)>,
    /// The χ² contour at the same level.
    pub contour: ContourState,
}

/// What the background thread needs: an owned copy of the cluster's window.
#[derive(Debug)]
pub struct ContourJob {
    time_s: Vec<f64>,
    signal: Vec<f64>,
    column: Column,
    peaks: Vec<(f64, f64)>,
    target: usize,
    se: (f64, f64),
    correlation: f64,
}

impl ContourJob {
    fn run(&self, cancel: &CancelToken) -> Result<Chi2Contour, String> {
        let problem = ContourProblem {
            time_s: &self.time_s,
            signal: &self.signal,
            column: self.column,
            peaks: self.peaks.clone(),
            target: self.target,
            // The run fit's default window baseline: a constant.
            baseline_degree: Some(0),
        };
        chi2_contour_cancellable(&problem, self.se, self.correlation, DELTA_CHI2_95_2D, CONTOUR_RAYS, Some(cancel))
            .map_err(|e| e.to_string())
    }
}

impl Confidence {
    /// The region of peak `index` of `doc` at `revision`, when the peak has standard errors of both rates. The
    /// χ² contour waits for [`Confidence::poll`] to start it.
    pub fn for_peak(doc: &Document, index: usize, revision: u64) -> Option<Confidence> {
        let peak = doc.session.peaks.get(index)?;
        let stats = doc.fits.get(index).cloned().flatten()?;
        let se = (stats.ka_se_per_s?, stats.kd_se_per_s?);
        let center = (peak.ka_per_s, peak.kd_per_s);
        let ellipse = confidence_ellipse(center, se, stats.ka_kd_correlation, DELTA_CHI2_95_2D, ELLIPSE_POINTS)?;
        let contour = match contour_job(doc, index, se, stats.ka_kd_correlation) {
            Ok(job) => ContourState::Waiting(Box::new(job)),
            Err(why) => ContourState::Unavailable(why),
        };
        Some(Confidence {
            key: (revision, index),
            name: peak.name.clone(),
            center,
            se,
            correlation: stats.ka_kd_correlation,
            ellipse,
            contour,
        })
    }

    /// Starts tracing the contour on a background thread when `may_start` (the pointer is up; `wake` is called
    /// from that thread when it is done), and picks up the traced contour when the thread has finished.
    pub fn poll(&mut self, may_start: bool, wake: impl FnOnce() + Send + 'static) {
        if may_start && matches!(self.contour, ContourState::Waiting(_)) {
            let waiting = std::mem::replace(&mut self.contour, ContourState::Unavailable(String::new()));
            if let ContourState::Waiting(job) = waiting {
                let (sender, receiver) = mpsc::channel();
                let cancel = CancelToken::new();
                let token = cancel.clone();
                std::thread::spawn(move || {
                    let _ = sender.send(job.run(&token));
                    wake();
                });
                self.contour = ContourState::Computing(receiver, cancel);
            }
        }
        if let ContourState::Computing(r, _) = &self.contour {
            match r.try_recv() {
                Ok(Ok(c)) => self.contour = ContourState::Done(c),
                Ok(Err(e)) => self.contour = ContourState::Unavailable(e),
                Err(mpsc::TryRecvError::Empty) => {}
                Err(mpsc::TryRecvError::Disconnected) => {
                    self.contour = ContourState::Unavailable("the contour thread stopped".into())
                }
            }
        }
    }

    /// The traced contour, once done.
    pub fn contour(&self) -> Option<&Chi2Contour> {
        match &self.contour {
            ContourState::Done(c) => Some(c),
            _ => None,
        }
    }

    /// True while the contour waits to be traced or is being traced.
    pub fn is_computing(&self) -> bool {
        matches!(self.contour, ContourState::Computing(..) | ContourState::Waiting(_))
    }

    /// The tracing thread's token, while it runs (tests).
    pub fn tracing_token(&self) -> Option<&CancelToken> {
        match &self.contour {
            ContourState::Computing(_, token) => Some(token),
            _ => None,
        }
    }
}

/// A region no longer shown stops its tracing thread.
impl Drop for Confidence {
    fn drop(&mut self) {
        if let ContourState::Computing(_, token) = &self.contour {
            token.cancel();
        }
    }
}

/// The window of peak `index`'s cluster (the union of its peaks' own windows) and the cluster's peaks.
fn contour_job(doc: &Document, index: usize, se: (f64, f64), correlation: f64) -> Result<ContourJob, String> {
    let run = doc.run.as_ref().ok_or("no measured run")?;
    let stats = doc.fits.get(index).cloned().flatten().ok_or("not fitted")?;
    let (cluster, (mut lo_s, mut hi_s)) =
        stats.cluster.zip(stats.window_s).ok_or("the fit did not report the peak's window")?;
    let mut members = Vec::new();
    for (i, s) in doc.fits.iter().enumerate() {
        if let Some(s) = s
            && s.cluster == Some(cluster)
            && let Some((a, b)) = s.window_s
        {
            lo_s = lo_s.min(a);
            hi_s = hi_s.max(b);
            members.push(i);
        }
    }
    let c = run.chromatogram();
    let lo = c.time_s.partition_point(|&t| t < lo_s);
    let hi = c.time_s.partition_point(|&t| t <= hi_s);
    if hi <= lo + 3 * members.len() + 4 {
        return Err("too few points in the fit window".into());
    }
    let target = members.iter().position(|&i| i == index).ok_or("the peak is not in its cluster")?;
    let peaks = members.iter().map(|&i| (doc.session.peaks[i].ka_per_s, doc.session.peaks[i].kd_per_s)).collect();
    Ok(ContourJob {
        time_s: c.time_s[lo..hi].to_vec(),
        signal: c.signal[lo..hi].to_vec(),
        column: doc.session.column,
        peaks,
        target,
        se,
        correlation,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Dropping a region (another peak selected, this one edited) sets its tracing thread's token.
    #[test]
    fn a_dropped_region_stops_its_tracing_thread() {
        let (_sender, receiver) = mpsc::channel();
        let token = CancelToken::new();
        let region = Confidence {
            key: (1, 0),
            name: "peak 1".into(),
            center: (1.0, 1.0),
            se: (0.1, 0.1),
            correlation: 0.0,
            ellipse: Vec::new(),
            contour: ContourState::Computing(receiver, token.clone()),
        };
        assert!(region.tracing_token().is_some_and(|t| !t.is_cancelled()));
        drop(region);
        assert!(token.is_cancelled());
    }
}
