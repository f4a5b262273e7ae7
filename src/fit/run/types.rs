//! The types a run fit's stages share: the options and the seeds a caller gives, the clusters the run is cut
//! into, and the context every stage reads.

use super::cluster_fit::AreaMode;
use crate::fit::baseline::PenalizedOptions;
use crate::fit::lsq::{CancelToken, FitOptions, FitReport};
use crate::fit::peaks::PeakFindError;
use crate::model::{Column, RunLevel, RunLevelFree};

/// The baseline under the peaks.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum BaselineChoice {
    /// One constant per cluster window, fitted with the peaks (the paper's). The default.
    Constant,
    /// A straight line per window, fitted with the peaks.
    Linear,
    /// A polynomial of this degree (≤ 5) per window, fitted with the peaks.
    Polynomial(usize),
    /// An adaptive (arPLS/ALS) baseline estimated first over the whole run and subtracted; a constant per window
    /// is still fitted on top.
    Adaptive(PenalizedOptions),
    /// Chosen from the data: [`BaselineChoice::Adaptive`] when the run's baseline drifts or humps (see
    /// [`crate::fit::baseline::drifts`]), else [`BaselineChoice::Constant`]; the fit's notes say which.
    Auto,
}

impl BaselineChoice {
    pub(super) fn window_degree(&self) -> usize {
        match self {
            Self::Constant | Self::Adaptive(_) | Self::Auto => 0,
            Self::Linear => 1,
            Self::Polynomial(d) => (*d).min(crate::fit::lsq::MAX_POLYNOMIAL_DEGREE),
        }
    }
}

/// Options of [`fit_run`]. Defaults: areas solved, the baseline chosen from the data, t0 and t1 from the column, τ fitted,
/// windows 2.5 widths before and 5 after each apex; cluster fits capped at 200 iterations and 10 s (tolerance
/// 1e-8), the joint fit at 100 iterations and 60 s (tolerance 1e-6: t0 lies in a flat valley, and 1e-8 cost a third
/// more time on SOLV001 for a change of R² in the 5th digit).
#[derive(Debug, Clone)]
pub struct RunFitOptions {
    /// Areas solved (default) or fixed from the measured area.
    pub area_mode: AreaMode,
    /// Baseline model.
    pub baseline: BaselineChoice,
    /// Which run-level values are fitted (default: τ only; t0 and t1 from the column).
    pub free: RunLevelFree,
    /// The column is an assumed preset (k_a then depends on its phase ratio; reported as such).
    pub column_assumed: bool,
    /// Window start before each apex, in half-height widths.
    pub window_before_widths: f64,
    /// Window end after each apex, in half-height widths (longer: peaks tail).
    pub window_after_widths: f64,
    /// Options of each cluster fit (caps, tolerances, cancel token).
    pub inner: FitOptions,
    /// When a joint fit follows, the cluster fits before it stop after this many iterations (default 3): they
    /// only bring each peak near its minimum, and the joint fit refines everything together. On SOLV001 this
    /// cuts the run fit's model evaluations from about 310 to 180 peak evaluations at the same R² (to 1e-5);
    /// on the corpus some runs end slightly better and some slightly worse (the joint optimum is not unique).
    pub warmup_iterations: usize,
    /// How many starts the joint fit tries when t1 or τ is free (default 1): the lowest SSE wins. Each costs a
    /// warm-up and a joint fit; on SOLV001 2 starts find R² 0.99269 against 0.99257 from one.
    pub joint_starts: usize,
    /// Options of the joint fit of every peak with the run-level values (caps, cancel token); used only when a
    /// run-level value is free.
    pub outer: FitOptions,
}

impl Default for RunFitOptions {
    fn default() -> Self {
        RunFitOptions {
            area_mode: AreaMode::Linear,
            baseline: BaselineChoice::Auto,
            free: RunLevelFree { inlet_tail: true, ..RunLevelFree::NONE },
            column_assumed: false,
            window_before_widths: 2.5,
            window_after_widths: 5.0,
            warmup_iterations: 3,
            joint_starts: 1,
            inner: FitOptions::default().with_tolerance(1e-8).with_max_time(Some(std::time::Duration::from_secs(10))),
            outer: FitOptions::default()
                .with_max_iterations(100)
                .with_tolerance(1e-6)
                .with_max_time(Some(std::time::Duration::from_secs(60))),
        }
    }
}

impl RunFitOptions {
    /// Every run-level value held at the column's (t0, t1, τ known).
    pub fn known_column() -> Self {
        RunFitOptions { free: RunLevelFree::NONE, ..Default::default() }
    }

    /// For a run whose column is unknown: t0, t1 and τ fitted, the column marked as assumed.
    pub fn unknown_column() -> Self {
        let free = RunLevelFree { holdup_time: true, injection: true, inlet_tail: true };
        RunFitOptions { free, column_assumed: true, ..Default::default() }
    }

    /// True once the cancel token of these options (if any) is set.
    pub fn is_cancelled(&self) -> bool {
        [&self.inner.cancel, &self.outer.cancel].iter().any(|c| c.as_ref().is_some_and(CancelToken::is_cancelled))
    }

    /// Shares `token` with the inner and outer fits.
    pub fn with_cancel(mut self, token: CancelToken) -> Self {
        self.inner = self.inner.with_cancel(token.clone());
        self.outer = self.outer.with_cancel(token);
        self
    }
}

/// A peak to fit: where it is and, optionally, where to start.
#[derive(Debug, Clone, PartialEq)]
pub struct PeakSeed {
    /// Name for the results.
    pub name: String,
    /// Apex time, s.
    pub apex_time_s: f64,
    /// Full width at half height (or prominence), s (> 0).
    pub width_s: f64,
    /// Starting (k_a, k_d) in 1/s; `None`: from the window's moments.
    pub start: Option<(f64, f64)>,
    /// The peak dips below the baseline (a TCD's negative peak): its area is fitted negative.
    pub negative: bool,
    /// Another start to try, (k_a, k_d) in 1/s (a template's values when `start` is the moments'): the cluster
    /// is fitted from each and the lower SSE wins.
    pub alternative: Option<(f64, f64)>,
}

/// What prevents a run fit.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RunFitError {
    /// The trace is unusable (lengths, non-finite values, time not increasing, too short).
    #[error("invalid run: {0}")]
    InvalidInput(String),
    /// Peak detection failed.
    #[error("peak finding: {0}")]
    PeakFinding(#[from] PeakFindError),
    /// The adaptive baseline could not be estimated.
    #[error("baseline: {0}")]
    Baseline(String),
    /// The options' cancel token was set: the fit stopped between or inside its stages.
    #[error("cancelled")]
    Cancelled,
}

/// One cluster: a window [lo, hi) of sample indices and the seeds fitted in it.
#[derive(Debug, Clone)]
pub(super) struct Cluster {
    pub(super) lo: usize,
    pub(super) hi: usize,
    pub(super) members: Vec<usize>,
}

/// The outcome of one cluster fit at given run-level values.
#[derive(Debug, Clone)]
pub(super) struct ClusterResult {
    pub(super) report: Result<FitReport, String>,
    pub(super) theta: Vec<f64>,
}

/// Everything fixed during a run fit.
pub(super) struct Context<'a> {
    pub(super) t: &'a [f64],
    /// Data with the adaptive baseline removed (else the data).
    pub(super) y: Vec<f64>,
    pub(super) seeds: &'a [PeakSeed],
    pub(super) own: Vec<(usize, usize)>,
    pub(super) clusters: Vec<Cluster>,
    pub(super) degree: usize,
    pub(super) area_mode: AreaMode,
    pub(super) template: Column,
}

impl Context<'_> {
    /// The signs (+1, or −1 for a dip) of cluster `c`'s members.
    pub(super) fn signs(&self, c: usize) -> Vec<f64> {
        self.clusters[c].members.iter().map(|&s| if self.seeds[s].negative { -1.0 } else { 1.0 }).collect()
    }

    /// The template column with the run-level values `v`; `None` when the column refuses them.
    pub(super) fn column_at(&self, v: &RunLevel) -> Option<Column> {
        v.apply_to(&self.template)
    }

    /// Per seed, the index of its cluster.
    pub(super) fn cluster_of(&self) -> Vec<usize> {
        let mut v = vec![0; self.seeds.len()];
        for (c, cl) in self.clusters.iter().enumerate() {
            for &s in &cl.members {
                v[s] = c;
            }
        }
        v
    }
}
