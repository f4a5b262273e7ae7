//! Fitting a whole run: windows and clusters, the run-level values t0, t1 and τ shared by every peak, and the
//! per-peak results.
//!
//! # Nesting, not one joint fit
//! The run-level values (hold-up time t0, injection time t1, inlet tail τ) couple every peak, the kinetic
//! parameters (k_a, k_d) only the peaks of one cluster. We **nest**: an outer Levenberg–Marquardt over the free
//! run-level values (at most 3) whose residual vector is the concatenation of the inner cluster fits' projected
//! residuals; each outer evaluation re-fits every cluster (variable projection, analytic Jacobian) in parallel
//! with rayon, warm-started from the best inner solution so far. Why:
//! - the inner fits stay small (2 nonlinear parameters per peak), independent and parallel, and identical to
//!   the known-column fits (no second code path);
//! - the engine has analytic derivatives for k_a, k_d and t0 but not for t1 and τ, so a joint fit would need
//!   finite differences through every peak anyway; with nesting the outer Jacobian is a finite difference of
//!   the *reduced* residuals (the variable-projection Jacobian of the outer problem), 2 outer evaluations per
//!   free value;
//! - the outer standard errors then account for the inner parameters (they are profiled out), and the per-peak
//!   standard errors are conditional on the run-level values, which is what a lab compares run to run.
//!
//! The cost is a few dozen inner passes per run; a joint block-structured fit would be faster, and is the
//! natural next step once ∂y/∂τ and ∂y/∂t1 are analytic.
//!
//! t0 is never a per-peak parameter (science note §8): a per-peak t0 runs up to its peak and turns the physics
//! into a meaningless shape.

use rayon::prelude::*;

use super::baseline::{PenalizedOptions, fit_polynomial, penalized_baseline, polynomial_scale};
use super::column_fit::{AreaMode, ClusterModel, fit_cluster, measured_area, window_moments};
use super::metrics::{CONVENTION, peak_metrics};
use super::observer::Observer;
use super::options::FitOptions;
use super::peaks::{PeakFindError, PeakFindOptions, find_peaks};
use super::problem::{Bound, Problem, finite_difference_jacobian};
use super::report::{FitReport, Termination};
use super::results::{PeakFit, RunFit, RunValue, finite};
use super::solver::levenberg_marquardt;
use super::varpro::SeparableModel;
use crate::model::{Column, Peak, closed, moments};
use crate::session::{Baseline, BaselineKind};

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
    fn window_degree(&self) -> usize {
        match self {
            Self::Constant | Self::Adaptive(_) => 0,
            Self::Linear => 1,
            Self::Polynomial(d) => (*d).min(super::baseline::MAX_POLYNOMIAL_DEGREE),
        }
    }
}

/// Options of [`fit_run`]. Defaults: areas solved, constant baseline, t0 and t1 from the column, τ fitted,
/// windows 2.5 widths before and 5 after each apex, inner caps 200 iterations, outer 15 iterations (cost tolerance 1e-4: t0 and t1 lie in a flat valley), 60 s.
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
    /// Options of the outer fit of the run-level values (caps, cancel token).
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
            inner: FitOptions::default().with_tolerance(1e-8).with_max_time(Some(std::time::Duration::from_secs(10))),
            outer: FitOptions::default()
                .with_max_iterations(15)
                .with_tolerance(1e-6)
                .with_ftol(1e-4)
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

fn median_step(t_s: &[f64]) -> f64 {
    let mut d: Vec<f64> = t_s.windows(2).map(|w| w[1] - w[0]).collect();
    if d.is_empty() {
        return 1.0;
    }
    d.sort_by(f64::total_cmp);
    d[d.len() / 2]
}

/// One cluster: a window [lo, hi) of sample indices and the seeds fitted in it.
#[derive(Debug, Clone)]
struct Cluster {
    lo: usize,
    hi: usize,
    members: Vec<usize>,
}

/// The outcome of one cluster fit at given run-level values.
#[derive(Debug, Clone)]
struct ClusterResult {
    report: Result<FitReport, String>,
    theta: Vec<f64>,
    resid: Vec<f64>,
}

/// Everything fixed during a run fit.
struct Context<'a> {
    t: &'a [f64],
    /// Data with the adaptive baseline removed (else the data).
    y: Vec<f64>,
    seeds: &'a [PeakSeed],
    own: Vec<(usize, usize)>,
    clusters: Vec<Cluster>,
    degree: usize,
    area_mode: AreaMode,
    inner: FitOptions,
    template: Column,
}

impl Context<'_> {
    fn column_at(&self, v: [f64; 3]) -> Option<Column> {
        self.template.with_holdup_time_s(v[0]).ok()?.with_injection_s(v[1]).ok()?.with_inlet_tail_s(v[2]).ok()
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

    fn fit_cluster_at(&self, c: usize, column: &Column, warm: Option<&[f64]>) -> ClusterResult {
        let cl = &self.clusters[c];
        let (t, y) = (&self.t[cl.lo..cl.hi], &self.y[cl.lo..cl.hi]);
        let theta0: Vec<f64> = match warm {
            Some(w) => w.to_vec(),
            None => cl.members.iter().flat_map(|&s| <[f64; 2]>::from(self.guess(s, column))).collect(),
        };
        let fixed: Vec<Option<f64>> = match self.area_mode {
            AreaMode::Linear => vec![None; cl.members.len()],
            AreaMode::Measured => cl
                .members
                .iter()
                .map(|&s| {
                    let (lo, hi) = self.own[s];
                    Some(measured_area(&self.t[lo..hi], &self.y[lo..hi]))
                })
                .collect(),
        };
        let report = fit_cluster(t, y, column, &theta0, &fixed, Some(self.degree), &self.inner);
        match report {
            Ok(r) => {
                let p = theta0.len();
                let theta = r.values[..p].to_vec();
                let mut model = ClusterModel::new(t, *column, cl.members.len(), Some(self.degree));
                let mut phi = nalgebra::DMatrix::zeros(t.len(), model.n_basis());
                let resid = if model.basis(&theta, &mut phi) {
                    let coef = nalgebra::DVector::from_column_slice(&r.values[p..]);
                    let fitted = &phi * coef;
                    y.iter().zip(fitted.iter()).map(|(a, b)| a - b).collect()
                } else {
                    centred(y)
                };
                ClusterResult { report: Ok(r), theta, resid }
            }
            Err(e) => ClusterResult { report: Err(e.to_string()), theta: theta0, resid: centred(y) },
        }
    }

    fn fit_all(&self, column: &Column, warm: &[Option<Vec<f64>>]) -> Vec<ClusterResult> {
        (0..self.clusters.len()).into_par_iter().map(|c| self.fit_cluster_at(c, column, warm[c].as_deref())).collect()
    }
}

fn centred(y: &[f64]) -> Vec<f64> {
    let m = y.iter().sum::<f64>() / y.len().max(1) as f64;
    y.iter().map(|v| v - m).collect()
}

/// The outer problem: free run-level values → concatenated inner residuals.
struct Outer<'c, 'a> {
    ctx: &'c Context<'a>,
    free: [bool; 3],
    base: [f64; 3],
    n: usize,
    warm: Vec<Option<Vec<f64>>>,
    best_cost: f64,
    best: Option<([f64; 3], Vec<ClusterResult>)>,
}

impl Outer<'_, '_> {
    fn full(&self, params: &[f64]) -> [f64; 3] {
        let mut v = self.base;
        let mut k = 0;
        for i in 0..3 {
            if self.free[i] {
                v[i] = params[k];
                k += 1;
            }
        }
        v
    }
}

impl Problem for Outer<'_, '_> {
    fn n_residuals(&self) -> usize {
        self.n
    }
    fn n_params(&self) -> usize {
        self.free.iter().filter(|f| **f).count()
    }
    fn residuals(&mut self, params: &[f64], out: &mut [f64]) -> bool {
        let v = self.full(params);
        let Some(column) = self.ctx.column_at(v) else { return false };
        let results = self.ctx.fit_all(&column, &self.warm);
        let mut k = 0;
        for r in &results {
            out[k..k + r.resid.len()].copy_from_slice(&r.resid);
            k += r.resid.len();
        }
        let cost: f64 = out.iter().map(|r| r * r).sum();
        if !cost.is_finite() {
            return false;
        }
        if cost < self.best_cost {
            self.best_cost = cost;
            self.warm = results.iter().map(|r| r.report.is_ok().then(|| r.theta.clone())).collect();
            self.best = Some((v, results));
        }
        true
    }
    fn jacobian(&mut self, params: &[f64], jac: &mut nalgebra::DMatrix<f64>) -> bool {
        finite_difference_jacobian(self, params, 100.0, jac)
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
/// the outer fit's progress. Always returns a result for every seed unless the input itself is unusable; a
/// seed whose cluster fit failed carries the reason in [`PeakFit::error`].
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
        inner: options.inner.clone(),
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
    let first_apex = seeds_ok.iter().map(|s| s.apex_time_s).fold(f64::INFINITY, f64::min);
    let mut widths: Vec<f64> = seeds_ok.iter().map(|s| s.width_s).collect();
    widths.sort_by(f64::total_cmp);
    let median_w = widths.get(widths.len() / 2).copied().unwrap_or(1.0);
    let min_w = widths.first().copied().unwrap_or(1.0);
    let mut v0 = [column.holdup_time_s(), column.injection_s(), column.inlet_tail_s()];
    if options.fit_holdup && first_apex.is_finite() && v0[0] >= 0.8 * first_apex {
        v0[0] = 0.5 * first_apex;
    }
    if options.fit_injection && v0[1] > min_w {
        v0[1] = 0.5 * min_w;
    }
    if options.fit_inlet_tail && v0[2] <= 0.0 {
        v0[2] = 0.5 * median_w;
    }
    let free = [options.fit_holdup, options.fit_injection, options.fit_inlet_tail];
    let n_resid: usize = ctx.clusters.iter().map(|c| c.hi - c.lo).sum();
    let mut outer = Outer {
        ctx: &ctx,
        free,
        base: v0,
        n: n_resid,
        warm: vec![None; ctx.clusters.len()],
        best_cost: f64::INFINITY,
        best: None,
    };
    let mut outer_report: Option<FitReport> = None;
    let any_free = free.iter().any(|f| *f) && !ctx.clusters.is_empty();
    if any_free {
        let hi_t0 = if first_apex.is_finite() { first_apex } else { v0[0] * 10.0 };
        let mut p0 = Vec::new();
        let mut bounds = Vec::new();
        if free[0] {
            p0.push(v0[0]);
            bounds.push(Bound::Interval(0.01 * hi_t0, hi_t0));
        }
        if free[1] {
            p0.push(v0[1]);
            bounds.push(Bound::Interval(1e-3, (4.0 * min_w).max(2.0 * v0[1])));
        }
        if free[2] {
            p0.push(v0[2]);
            bounds.push(Bound::Interval(1e-4, (4.0 * median_w).max(2.0 * v0[2])));
        }
        match levenberg_marquardt(&mut outer, &p0, &bounds, &options.outer, observer) {
            Ok(r) => outer_report = Some(r),
            Err(e) => notes.push(format!("run-level fit did not start ({e}); values held at the column's")),
        }
    }
    let (values, results) = match outer.best.take() {
        Some(b) => b,
        None => {
            let col = ctx.column_at(v0).unwrap_or(*column);
            (v0, ctx.fit_all(&col, &vec![None; ctx.clusters.len()]))
        }
    };
    let fitted_column = ctx.column_at(values).unwrap_or(*column);
    let cluster_of: Vec<usize> = {
        let mut v = vec![0; seeds_ok.len()];
        for (c, cl) in ctx.clusters.iter().enumerate() {
            for &s in &cl.members {
                v[s] = c;
            }
        }
        v
    };
    let clusters = ctx.clusters.clone();
    let mut ses = [None; 3];
    if let Some(r) = &outer_report {
        let mut k = 0;
        for i in 0..3 {
            if free[i] {
                ses[i] = r.standard_errors.get(k).copied().flatten().and_then(finite);
                k += 1;
            }
        }
    }
    let rv = |i: usize| RunValue { value_s: values[i], se_s: ses[i], fitted: free[i] && outer_report.is_some() };
    let mut fit =
        assemble(&ctx, &clusters, &cluster_of, &fitted_column, &results, y, adaptive.as_deref(), options, notes);
    fit.holdup_time = rv(0);
    fit.injection = rv(1);
    fit.inlet_tail = rv(2);
    fit.outer_termination = outer_report.as_ref().map(|r| r.termination);
    fit.outer_evaluations = outer_report.as_ref().map(|r| r.evaluations).unwrap_or(0);
    fit.elapsed_s = started.elapsed().as_secs_f64();
    Ok(fit)
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

/// Per-peak results, the run baseline and whole-run goodness of fit from the final cluster fits.
#[allow(clippy::too_many_arguments)]
fn assemble(
    ctx: &Context,
    clusters: &[Cluster],
    cluster_of: &[usize],
    column: &Column,
    results: &[ClusterResult],
    y: &[f64],
    adaptive: Option<&[f64]>,
    options: &RunFitOptions,
    notes: Vec<String>,
) -> RunFit {
    let t = ctx.t;
    let n = t.len();
    let ns = ctx.seeds.len();
    // Per seed: (ka, kd, area, se_ka, se_kd, corr, se_area, cluster, report info, error).
    let mut peaks: Vec<Option<PeakFit>> = vec![None; ns];
    let mut window_base = vec![0.0; n];
    for (cl, res) in clusters.iter().zip(results) {
        let m = cl.members.len();
        let p = 2 * m;
        let (values, ses, report) = match &res.report {
            Ok(r) => (r.values.clone(), r.standard_errors.clone(), Some(r)),
            Err(_) => {
                let mut v = res.theta.clone();
                v.extend(cl.members.iter().map(|&s| {
                    let (lo, hi) = ctx.own[s];
                    measured_area(&t[lo..hi], &ctx.y[lo..hi])
                }));
                let tw = &t[cl.lo..cl.hi];
                let yw = &ctx.y[cl.lo..cl.hi];
                v.push(yw.iter().sum::<f64>() / yw.len() as f64);
                v.extend(std::iter::repeat_n(0.0, ctx.degree));
                let _ = tw;
                let len = v.len();
                (v, vec![None; len], None)
            }
        };
        let (centre, half) = polynomial_scale(&t[cl.lo..cl.hi]);
        let coef = &values[p + m..];
        for i in cl.lo..cl.hi {
            let x = (t[i] - centre) / half;
            window_base[i] = coef.iter().rev().fold(0.0, |acc, c| acc * x + c);
        }
        for (j, &s) in cl.members.iter().enumerate() {
            let (ka, kd, area) = (values[2 * j], values[2 * j + 1], values[p + j]);
            let pk = Peak::new(ctx.seeds[s].name.clone(), ka, kd, area);
            let mom = moments::moments(column, &pk);
            let corr = report.map(|r| r.correlation_between(2 * j, 2 * j + 1)).unwrap_or(0.0);
            peaks[s] = Some(PeakFit {
                name: pk.name.clone(),
                ka_per_s: ka,
                ka_se_per_s: ses[2 * j].and_then(finite),
                kd_per_s: kd,
                kd_se_per_s: ses[2 * j + 1].and_then(finite),
                ka_kd_correlation: if corr.is_finite() { corr.clamp(-1.0, 1.0) } else { 0.0 },
                area,
                area_se: ses[p + j].and_then(finite),
                partition_constant: ka / kd,
                mu: column.mu(ka),
                retention_factor: column.alpha() * ka / kd,
                retention_time_s: mom.mean_s,
                mean_time_s: mom.mean_s,
                window_start_s: 0.0,
                window_end_s: 0.0,
                n_points: 0,
                sse: 0.0,
                rmse: 0.0,
                r2: None,
                cluster: cluster_of[s],
                termination: report.map(|r| r.termination).unwrap_or(Termination::UndefinedJacobian),
                iterations: report.map(|r| r.iterations).unwrap_or(0),
                evaluations: report.map(|r| r.evaluations).unwrap_or(0),
                model_metrics: None,
                trace_metrics: None,
                error: res.report.as_ref().err().cloned(),
            });
        }
    }
    let mut peaks: Vec<PeakFit> = peaks.into_iter().flatten().collect();
    // The full peak model on the whole grid.
    let curves: Vec<Vec<f64>> = peaks.par_iter().map(|p| closed::peak_signal(column, &p.to_peak(), t)).collect();
    let mut sum = vec![0.0; n];
    for c in &curves {
        for (s, v) in sum.iter_mut().zip(c) {
            *s += v;
        }
    }
    let adaptive_at = |i: usize| adaptive.map(|a| a[i]).unwrap_or(0.0);
    let dt = median_step(t);
    peaks.par_iter_mut().enumerate().for_each(|(s, pf)| {
        let (lo, hi) = ctx.own[s];
        let (mut sse, mut sy, mut syy) = (0.0, 0.0, 0.0);
        for i in lo..hi {
            let model = adaptive_at(i) + window_base[i] + sum[i];
            sse += (y[i] - model).powi(2);
            sy += y[i];
            syy += y[i] * y[i];
        }
        let k = (hi - lo) as f64;
        let sst = syy - sy * sy / k;
        pf.window_start_s = t[lo];
        pf.window_end_s = t[hi - 1];
        pf.n_points = hi - lo;
        pf.sse = sse;
        pf.rmse = (sse / k).sqrt();
        pf.r2 = (sst > 0.0).then(|| 1.0 - sse / sst).and_then(finite);
        // Model metrics on a 10× finer grid over the window.
        let fine_n = (((t[hi - 1] - t[lo]) / (dt / 10.0)).ceil() as usize).clamp(3, 20_000);
        let step = (t[hi - 1] - t[lo]) / (fine_n - 1) as f64;
        let tf: Vec<f64> = (0..fine_n).map(|i| t[lo] + step * i as f64).collect();
        let yf = closed::peak_signal(column, &pf.to_peak(), &tf);
        pf.model_metrics = peak_metrics(&tf, &yf).ok();
        if let Some(mm) = &pf.model_metrics {
            pf.retention_time_s = mm.retention_time_s;
        }
        let trace: Vec<f64> = (lo..hi).map(|i| y[i] - adaptive_at(i) - window_base[i]).collect();
        pf.trace_metrics = peak_metrics(&t[lo..hi], &trace).ok();
    });
    // The run baseline for the session: a polynomial through data − peaks.
    let degree = match options.baseline {
        BaselineChoice::Adaptive(_) => 3,
        b => b.window_degree(),
    };
    let rest: Vec<f64> = y.iter().zip(&sum).map(|(a, b)| a - b).collect();
    let baseline = fit_polynomial(t, &rest, degree, None)
        .ok()
        .map(|pb| raw_baseline(pb.centre_s, pb.half_span_s, &pb.coefficients))
        .filter(|b| b.validate().is_ok())
        .unwrap_or_else(|| Baseline::constant(rest.iter().sum::<f64>() / n as f64));
    let (mut sse, mut sy, mut syy) = (0.0, 0.0, 0.0);
    for i in 0..n {
        sse += (y[i] - baseline.value_at(t[i]) - sum[i]).powi(2);
        sy += y[i];
        syy += y[i] * y[i];
    }
    let sst = syy - sy * sy / n as f64;
    let zero = RunValue { value_s: 0.0, se_s: None, fitted: false };
    RunFit {
        column: *column,
        column_assumed: options.column_assumed,
        holdup_time: zero,
        injection: zero,
        inlet_tail: zero,
        peaks,
        baseline,
        sse,
        rmse: (sse / n as f64).sqrt(),
        r2: (sst > 0.0).then(|| 1.0 - sse / sst).and_then(finite),
        n_points: n,
        outer_termination: None,
        outer_evaluations: 0,
        elapsed_s: 0.0,
        metrics_convention: CONVENTION.to_string(),
        notes,
    }
}

/// Converts b(t) = Σ aₖ ((t − c)/h)ᵏ into the session's raw powers b(t) = Σ cᵢ tⁱ.
fn raw_baseline(centre: f64, half: f64, a: &[f64]) -> Baseline {
    let d = a.len();
    let mut c = vec![0.0; d];
    for (k, &ak) in a.iter().enumerate() {
        let scale = ak / half.powi(k as i32);
        // (t − centre)^k = Σ_i C(k, i) t^i (−centre)^(k−i)
        let mut binom = 1.0;
        for i in 0..=k {
            c[i] += scale * binom * (-centre).powi((k - i) as i32);
            binom = binom * (k - i) as f64 / (i + 1) as f64;
        }
    }
    let kind = match d {
        1 => BaselineKind::Constant,
        2 => BaselineKind::Linear,
        _ => BaselineKind::Polynomial,
    };
    Baseline { kind, coefficients: c }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_baseline_matches_the_scaled_polynomial() {
        let a = [1.5, -0.3, 0.2, 0.05];
        let b = raw_baseline(300.0, 250.0, &a);
        for t in [0.0, 100.0, 450.0, 600.0] {
            let x: f64 = (t - 300.0) / 250.0;
            let want = a[0] + a[1] * x + a[2] * x * x + a[3] * x * x * x;
            assert!((b.value_at(t) - want).abs() < 1e-10, "{t}");
        }
    }
}
