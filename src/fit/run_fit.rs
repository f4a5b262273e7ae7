//! Fitting a whole run: windows and clusters, the run-level values t0, t1 and τ shared by every peak, and the
//! per-peak results.
//!
//! # One joint fit, started from the cluster fits
//! The run-level values (hold-up time t0, injection time t1, inlet tail τ) couple every peak, the kinetic
//! parameters (k_a, k_d) only the peaks of one cluster. A run fit has three stages:
//! 1. every cluster is fitted alone at the starting run-level values (variable projection, analytic Jacobian,
//!    clusters in parallel with rayon); the windows' moments place each peak, so each starts near its minimum.
//!    When a joint fit follows, this is a warm-up of at most [`RunFitOptions::warmup_iterations`] iterations;
//! 2. when any run-level value is free, **one joint fit** of all (k_a, k_d) pairs and the free run-level values
//!    ([`joint`](super::joint)), areas and window baselines projected out; its Jacobian is block-sparse
//!    (each peak's columns touch only its own pair and the run-level values, all analytic), and the solver
//!    factors it cluster by cluster ([`Problem::jacobian_blocks`](super::Problem::jacobian_blocks));
//! 3. the per-peak reports: after a converged joint fit, one evaluation per cluster at the fitted values gives
//!    its standard errors conditional on the run-level values; otherwise every cluster is polished alone there.
//!
//! Why joint rather than nested (an outer fit of t0/t1/τ around inner cluster fits, which an earlier version
//! did): nesting needed about 100 inner passes per run (2 s on SOLV001), the joint fit about 10 evaluations. The
//! joint fit's standard errors of t0/t1/τ account for every peak's parameters; the per-peak standard errors come
//! from stage 3 and are conditional on the run-level values, which is what a lab compares run to run.
//!
//! t0 is never a per-peak parameter (science note §8): a per-peak t0 runs up to its peak and turns the physics
//! into a meaningless shape.

use rayon::prelude::*;

use super::baseline::{PenalizedOptions, penalized_baseline};
use super::column_fit::{AreaMode, fit_cluster, measured_area, window_moments};
use super::joint::column_with;
use super::metrics::peak_metrics;
use super::observer::Observer;
use super::options::FitOptions;
use super::peaks::{PeakFindError, PeakFindOptions, find_peaks};
use super::problem::Bound;
use super::report::FitReport;
use super::results::{RunFit, RunValue, finite};
use super::run_assemble::assemble;
use super::run_joint::{joint_fit, shrink_before_first_apex};
use crate::model::{Column, Peak, closed, moments};

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
}

impl BaselineChoice {
    pub(super) fn window_degree(&self) -> usize {
        match self {
            Self::Constant | Self::Adaptive(_) => 0,
            Self::Linear => 1,
            Self::Polynomial(d) => (*d).min(super::baseline::MAX_POLYNOMIAL_DEGREE),
        }
    }
}

/// Options of [`fit_run`]. Defaults: areas solved, constant baseline, t0 and t1 from the column, τ fitted,
/// windows 2.5 widths before and 5 after each apex; cluster fits capped at 200 iterations and 10 s (tolerance
/// 1e-8), the joint fit at 100 iterations and 60 s (tolerance 1e-6: t0 lies in a flat valley, and 1e-8 cost a third
/// more time on SOLV001 for a change of R² in the 5th digit).
#[derive(Debug, Clone)]
pub struct RunFitOptions {
    /// Areas solved (default) or fixed from the measured area.
    pub area_mode: AreaMode,
    /// Baseline model.
    pub baseline: BaselineChoice,
    /// Fit the hold-up time t0 (default false: from the column).
    pub fit_holdup: bool,
    /// Fit the injection time t1 (default false).
    pub fit_injection: bool,
    /// Fit the inlet tail τ (default true: real runs tail).
    pub fit_inlet_tail: bool,
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
    /// Options of the joint fit of every peak with the run-level values (caps, cancel token); used only when a
    /// run-level value is free.
    pub outer: FitOptions,
}

impl Default for RunFitOptions {
    fn default() -> Self {
        RunFitOptions {
            area_mode: AreaMode::Linear,
            baseline: BaselineChoice::Constant,
            fit_holdup: false,
            fit_injection: false,
            fit_inlet_tail: true,
            column_assumed: false,
            window_before_widths: 2.5,
            window_after_widths: 5.0,
            warmup_iterations: 3,
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
        RunFitOptions { fit_inlet_tail: false, ..Default::default() }
    }

    /// For a run whose column is unknown: t0, t1 and τ fitted, the column marked as assumed.
    pub fn unknown_column() -> Self {
        RunFitOptions { fit_holdup: true, fit_injection: true, column_assumed: true, ..Default::default() }
    }

    /// Shares `token` with the inner and outer fits.
    pub fn with_cancel(mut self, token: super::CancelToken) -> Self {
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
}

/// Detects peaks in (t, y) and turns them into seeds named "peak 1", "peak 2", … in time order.
pub fn detect_seeds(t_s: &[f64], y: &[f64], options: &PeakFindOptions) -> Result<Vec<PeakSeed>, RunFitError> {
    let found = find_peaks(t_s, y, options)?;
    let dt = median_step(t_s);
    Ok(found
        .peaks
        .iter()
        .enumerate()
        .map(|(i, p)| PeakSeed {
            name: format!("peak {}", i + 1),
            apex_time_s: p.apex_time_s,
            width_s: p.width_half_prominence_s.max(2.0 * dt),
            start: None,
        })
        .collect())
}

/// Seeds from known peaks (a session template): apex and half-height width of each peak's model curve on the
/// run's grid `t_s` on `column`, starting at the peak's own (k_a, k_d).
pub fn template_seeds(column: &Column, peaks: &[Peak], t_s: &[f64]) -> Vec<PeakSeed> {
    let dt = median_step(t_s);
    peaks
        .iter()
        .map(|p| {
            let m = moments::moments(column, p);
            let unit = Peak::new("", p.ka_per_s, p.kd_per_s, 1.0);
            let y = closed::peak_signal(column, &unit, t_s);
            let sd = m.variance_s2.max(0.0).sqrt();
            let (apex, width) = match peak_metrics(t_s, &y) {
                Ok(pm) => (pm.retention_time_s, pm.w50.map(|c| c.width_s()).unwrap_or(2.355 * sd)),
                Err(_) => (m.mean_s, 2.355 * sd),
            };
            PeakSeed {
                name: p.name.clone(),
                apex_time_s: apex,
                width_s: if width.is_finite() { width.max(2.0 * dt) } else { 2.0 * dt },
                start: Some((p.ka_per_s, p.kd_per_s)),
            }
        })
        .collect()
}

pub(super) fn median_step(t_s: &[f64]) -> f64 {
    let mut d: Vec<f64> = t_s.windows(2).map(|w| w[1] - w[0]).collect();
    if d.is_empty() {
        return 1.0;
    }
    d.sort_by(f64::total_cmp);
    d[d.len() / 2]
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
    fn column_at(&self, v: [f64; 3]) -> Option<Column> {
        column_with(&self.template, v)
    }

    /// Starting (k_a, k_d) for a seed on `column`: its own start, else the moments of its window (limited to
    /// halfway to the neighbouring apexes), else a guess from the apex and width.
    fn guess(&self, s: usize, column: &Column) -> (f64, f64) {
        let seed = &self.seeds[s];
        if let Some(st) = seed.start
            && st.0 > 0.0
            && st.1 > 0.0
            && st.0.is_finite()
            && st.1.is_finite()
        {
            return st;
        }
        let (mut lo_t, mut hi_t) = (self.t[self.own[s].0], self.t[self.own[s].1 - 1]);
        for (o, other) in self.seeds.iter().enumerate() {
            if o == s {
                continue;
            }
            let mid = 0.5 * (other.apex_time_s + seed.apex_time_s);
            if other.apex_time_s < seed.apex_time_s {
                lo_t = lo_t.max(mid);
            } else {
                hi_t = hi_t.min(mid);
            }
        }
        let lo = self.t.partition_point(|&t| t < lo_t);
        let hi = self.t.partition_point(|&t| t <= hi_t);
        let m = (hi > lo + 3).then(|| window_moments(&self.t[lo..hi], &self.y[lo..hi])).flatten();
        if let Some((mean, var)) = m
            && let Some(g) = moments::initial_guess(column, mean, var)
        {
            return g;
        }
        let (t0, t1, tau) = (column.holdup_time_s(), column.injection_s(), column.inlet_tail_s());
        let mean = m.map(|m| m.0).unwrap_or(seed.apex_time_s);
        let k_prime = ((mean - tau - 0.5 * t1) / t0 - 1.0).max(0.05);
        let sd = seed.width_s / 2.355;
        let var = m.map(|m| m.1).unwrap_or(sd * sd);
        let kinetic = (var - tau * tau - t1 * t1 / 12.0).max(0.25 * sd * sd).max(1e-12);
        let kd = 2.0 * k_prime * t0 / kinetic;
        (k_prime * kd / column.alpha(), kd)
    }

    fn fit_cluster_at(&self, c: usize, column: &Column, warm: Option<&[f64]>, options: &FitOptions) -> ClusterResult {
        let cl = &self.clusters[c];
        let (t, y) = (&self.t[cl.lo..cl.hi], &self.y[cl.lo..cl.hi]);
        let theta0: Vec<f64> = match warm {
            Some(w) => w.to_vec(),
            None => cl.members.iter().flat_map(|&s| <[f64; 2]>::from(self.guess(s, column))).collect(),
        };
        let report = fit_cluster(t, y, column, &theta0, &self.fixed_areas(c), Some(self.degree), options);
        match report {
            Ok(r) => ClusterResult { theta: r.values[..theta0.len()].to_vec(), report: Ok(r) },
            Err(e) => ClusterResult { report: Err(e.to_string()), theta: theta0 },
        }
    }

    /// Per peak of cluster `c`: its area held at the measured one (measured-area mode) or `None` (solved).
    pub(super) fn fixed_areas(&self, c: usize) -> Vec<Option<f64>> {
        let cl = &self.clusters[c];
        match self.area_mode {
            AreaMode::Linear => vec![None; cl.members.len()],
            AreaMode::Measured => cl
                .members
                .iter()
                .map(|&s| {
                    let (lo, hi) = self.own[s];
                    Some(measured_area(&self.t[lo..hi], &self.y[lo..hi]))
                })
                .collect(),
        }
    }

    /// Fits every cluster at `column`, in parallel, from `warm` starts where given (else the seeds' guesses).
    fn fit_all(&self, column: &Column, warm: &[Option<Vec<f64>>], options: &FitOptions) -> Vec<ClusterResult> {
        (0..self.clusters.len())
            .into_par_iter()
            .map(|c| self.fit_cluster_at(c, column, warm[c].as_deref(), options))
            .collect()
    }
}

/// Builds each seed's own window and merges overlapping windows into clusters.
fn build_clusters(t: &[f64], seeds: &[PeakSeed], before: f64, after: f64) -> (Vec<(usize, usize)>, Vec<Cluster>) {
    let n = t.len();
    let own: Vec<(usize, usize)> = seeds
        .iter()
        .map(|s| {
            let lo = t.partition_point(|&x| x < s.apex_time_s - before * s.width_s);
            let hi = t.partition_point(|&x| x <= s.apex_time_s + after * s.width_s);
            let (mut lo, mut hi) = (lo.min(n.saturating_sub(1)), hi.max(lo + 1).min(n));
            while hi - lo < 12 && (lo > 0 || hi < n) {
                lo = lo.saturating_sub(1);
                hi = (hi + 1).min(n);
            }
            (lo, hi)
        })
        .collect();
    let mut order: Vec<usize> = (0..seeds.len()).collect();
    order.sort_by(|&a, &b| own[a].0.cmp(&own[b].0));
    let mut clusters: Vec<Cluster> = Vec::new();
    for s in order {
        let (lo, hi) = own[s];
        match clusters.last_mut() {
            Some(c) if lo < c.hi => {
                c.hi = c.hi.max(hi);
                c.members.push(s);
            }
            _ => clusters.push(Cluster { lo, hi, members: vec![s] }),
        }
    }
    (own, clusters)
}

/// Fits every seed's (k_a, k_d) and area on the run (t, y) (s, signal), with the run-level values t0, t1 and τ
/// held at `column`'s or fitted as `options` says (shared by all peaks; see the module doc). `observer` sees
/// the joint fit's progress. Always returns a result for every seed unless the input itself is unusable; a
/// seed whose cluster fit failed carries the reason in [`PeakFit::error`](super::PeakFit::error).
pub fn fit_run(
    t_s: &[f64],
    y: &[f64],
    column: &Column,
    seeds: &[PeakSeed],
    options: &RunFitOptions,
    observer: &mut dyn Observer,
) -> Result<RunFit, RunFitError> {
    let started = std::time::Instant::now();
    validate(t_s, y)?;
    let adaptive: Option<Vec<f64>> = match options.baseline {
        BaselineChoice::Adaptive(po) => {
            Some(penalized_baseline(y, &po).map_err(|e| RunFitError::Baseline(e.to_string()))?)
        }
        _ => None,
    };
    let y_work: Vec<f64> = match &adaptive {
        Some(b) => y.iter().zip(b).map(|(a, b)| a - b).collect(),
        None => y.to_vec(),
    };
    let seeds_ok: Vec<PeakSeed> = seeds
        .iter()
        .filter(|s| s.apex_time_s.is_finite() && s.width_s.is_finite() && s.width_s > 0.0)
        .cloned()
        .collect();
    let (own, clusters) = build_clusters(t_s, &seeds_ok, options.window_before_widths, options.window_after_widths);
    let ctx = Context {
        t: t_s,
        y: y_work,
        seeds: &seeds_ok,
        own,
        clusters,
        degree: options.baseline.window_degree(),
        area_mode: options.area_mode,
        template: *column,
    };
    let mut notes = Vec::new();
    if seeds_ok.len() < seeds.len() {
        notes.push(format!("{} peak(s) skipped: no finite position or width", seeds.len() - seeds_ok.len()));
    }
    if seeds_ok.is_empty() {
        notes.push("no peaks to fit".into());
    }
    if options.column_assumed {
        notes.push("column assumed (generic preset): k_a depends on its phase ratio; mu and k' do not".into());
    }
    // Starting run-level values.
    let mut widths: Vec<f64> = seeds_ok.iter().map(|s| s.width_s).collect();
    widths.sort_by(f64::total_cmp);
    let median_w = widths.get(widths.len() / 2).copied().unwrap_or(1.0);
    let min_w = widths.first().copied().unwrap_or(1.0);
    let mut v0 = [column.holdup_time_s(), column.injection_s(), column.inlet_tail_s()];
    // A fitted t0 ends before the first peak starts (its apex less one half-height width), or, when that start is
    // not after time zero, before half the first apex (a peak at 1 s could not be placed with t0 ≥ 2.5 s).
    let first_start = seeds_ok.iter().map(|s| s.apex_time_s - s.width_s).fold(f64::INFINITY, f64::min);
    let first_apex = seeds_ok.iter().map(|s| s.apex_time_s).fold(f64::INFINITY, f64::min);
    let peaks_after_zero = first_apex.is_finite() && first_apex > 0.0;
    let hi_t0 = match (first_start.is_finite() && first_start > 0.0, peaks_after_zero) {
        (true, _) => first_start,
        (false, true) => 0.5 * first_apex,
        (false, false) => v0[0],
    };
    if options.fit_holdup && peaks_after_zero && !(0.3 * hi_t0..0.9 * hi_t0).contains(&v0[0]) {
        v0[0] = 0.6 * hi_t0;
    }
    if options.fit_injection && v0[1] > min_w {
        v0[1] = 0.5 * min_w;
    }
    if options.fit_inlet_tail && v0[2] <= 0.0 {
        v0[2] = 0.5 * median_w;
    }
    let free = [options.fit_holdup, options.fit_injection, options.fit_inlet_tail];
    shrink_before_first_apex(&mut v0, free, &seeds_ok);
    let cluster_of: Vec<usize> = {
        let mut v = vec![0; seeds_ok.len()];
        for (c, cl) in ctx.clusters.iter().enumerate() {
            for &s in &cl.members {
                v[s] = c;
            }
        }
        v
    };
    let any_free = free.iter().any(|f| *f) && !ctx.clusters.is_empty();
    // Stage 1: every cluster alone at the starting run-level values. With a joint fit to follow, the cluster fits
    // before and after it use no tighter tolerance than the joint fit's own (on SOLV001 this halves their time
    // at the same R²; a much looser stage 1, 1e-4, led the joint fit to a worse optimum, R² 0.99251).
    let cluster_options =
        if any_free { no_tighter_than(&options.inner, &options.outer) } else { options.inner.clone() };
    let start_column = ctx.column_at(v0).unwrap_or(*column);
    let s1 = if any_free {
        // The warm-up's reports are not shown: no statistics.
        cluster_options
            .clone()
            .with_max_iterations(options.warmup_iterations.min(cluster_options.max_iterations))
            .without_statistics()
    } else {
        cluster_options.clone()
    };
    let first = ctx.fit_all(&start_column, &vec![None; ctx.clusters.len()], &s1);
    let mut joint_report: Option<FitReport> = None;
    let mut values = v0;
    let mut results = first;
    if any_free {
        let mut run_bounds = Vec::new();
        if free[0] {
            run_bounds.push((v0[0], Bound::Interval(0.25 * hi_t0, hi_t0.max(1.01 * v0[0]))));
        }
        if free[1] {
            run_bounds.push((v0[1], Bound::Interval(1e-3, (4.0 * min_w).max(2.0 * v0[1]))));
        }
        if free[2] {
            run_bounds.push((v0[2], Bound::Interval(1e-4, (4.0 * median_w).max(2.0 * v0[2]))));
        }
        // Stage 2: one joint fit.
        match joint_fit(&ctx, &cluster_of, &results, free, v0, &run_bounds, &options.outer, observer) {
            Ok((r, v, warm, states)) => {
                values = v;
                let k0 = 2 * seeds_ok.len();
                let se_t0 = r.standard_errors.get(k0).copied().flatten().filter(|v| v.is_finite());
                let at_bound = r.at_bound.get(k0).copied().unwrap_or(false);
                if free[0] && (at_bound || se_t0.is_none_or(|se| se > 0.5 * v[0])) {
                    notes.push(format!(
                        "t0 is not determined by this run ({:.3} s, SE {}{}); k_a, mu and k' depend on it: give the \
                         column or t0 if known",
                        v[0],
                        se_t0.map(|se| format!("{se:.3} s")).unwrap_or_else(|| "undefined".into()),
                        if at_bound { ", at its bound" } else { "" }
                    ));
                }
                let (jt, ji, je) = (r.termination, r.iterations, r.evaluations);
                joint_report = Some(r);
                // Stage 3: the per-peak reports, each cluster at the fitted run-level values. After a converged
                // joint fit every cluster is already at its minimum there (the joint gradient includes the
                // cluster's own), so its statistics at the joint solution give its conditional standard errors
                // (from the joint fit's last evaluation, reused: no new one), and the peaks carry the joint fit's
                // termination and counts; otherwise each cluster is polished by its own fit. A polish
                // after a converged joint fit is not only slower (about 10 % of a SOLV001 run fit): without the
                // joint fit's bounds it let peaks spread out of their windows (whole-run R² of CAL_3 −1.33 and of
                // chromeleon_comma −0.21, against 0.948 and 0.911 with the joint solution kept).
                let col = ctx.column_at(values).unwrap_or(*column);
                let converged = jt.is_converged();
                let mut polish = cluster_options.clone();
                if converged {
                    polish.max_iterations = 0;
                }
                results = if converged {
                    ctx.fit_all_from(&col, states, &warm, &polish)
                } else {
                    ctx.fit_all(&col, &warm, &polish)
                };
                if converged {
                    for rep in results.iter_mut().filter_map(|c| c.report.as_mut().ok()) {
                        rep.termination = jt;
                        rep.iterations = ji;
                        rep.evaluations = je;
                    }
                }
            }
            Err(e) => {
                notes.push(format!("run-level fit failed ({e}); values held at the column's"));
                // The warm-up fits stopped early: finish them at the starting values.
                let warm: Vec<Option<Vec<f64>>> = results.iter().map(|r| Some(r.theta.clone())).collect();
                results = ctx.fit_all(&start_column, &warm, &cluster_options);
            }
        }
    }
    let fitted_column = ctx.column_at(values).unwrap_or(*column);
    let clusters = ctx.clusters.clone();
    let mut ses = [None; 3];
    if let Some(r) = &joint_report {
        let mut k = 2 * seeds_ok.len();
        for i in 0..3 {
            if free[i] {
                ses[i] = r.standard_errors.get(k).copied().flatten().and_then(finite);
                k += 1;
            }
        }
    }
    let rv = |i: usize| RunValue { value_s: values[i], se_s: ses[i], fitted: free[i] && joint_report.is_some() };
    let mut fit =
        assemble(&ctx, &clusters, &cluster_of, &fitted_column, &results, y, adaptive.as_deref(), options, notes);
    fit.holdup_time = rv(0);
    fit.injection = rv(1);
    fit.inlet_tail = rv(2);
    fit.outer_termination = joint_report.as_ref().map(|r| r.termination);
    fit.outer_evaluations = joint_report.as_ref().map(|r| r.evaluations).unwrap_or(0);
    fit.elapsed_s = started.elapsed().as_secs_f64();
    Ok(fit)
}

/// `inner` with each tolerance raised to `outer`'s where that is looser.
fn no_tighter_than(inner: &FitOptions, outer: &FitOptions) -> FitOptions {
    let mut o = inner.clone();
    o.ftol = o.ftol.max(outer.ftol);
    o.xtol = o.xtol.max(outer.xtol);
    o.gtol = o.gtol.max(outer.gtol);
    o
}

fn validate(t: &[f64], y: &[f64]) -> Result<(), RunFitError> {
    if t.len() != y.len() {
        return Err(RunFitError::InvalidInput(format!("{} times for {} values", t.len(), y.len())));
    }
    if t.len() < 8 {
        return Err(RunFitError::InvalidInput(format!("{} points (need at least 8)", t.len())));
    }
    if t.iter().chain(y).any(|v| !v.is_finite()) {
        return Err(RunFitError::InvalidInput("a time or signal value is not finite".into()));
    }
    if t.windows(2).any(|w| w[1] <= w[0]) {
        return Err(RunFitError::InvalidInput("times are not strictly increasing".into()));
    }
    Ok(())
}
