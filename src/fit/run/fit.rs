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
//!    ([`joint_model`](super::joint_model)), areas and window baselines projected out; its Jacobian is block-sparse
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
//! t0 is never a per-peak parameter (docs/gc-model.md §8): a per-peak t0 runs up to its peak and turns the physics
//! into a meaningless shape.

use std::time::Instant;

use super::assemble::assemble;
use super::clusters::build_clusters;
use super::joint::{JointOutcome, joint_fit, shrink_before_first_apex};
use super::results::{RunFit, RunValue, finite};
use super::types::{BaselineChoice, ClusterResult, Context, PeakSeed, RunFitError, RunFitOptions};
use crate::fit::baseline::{PenalizedOptions, penalized_baseline};
use crate::fit::lsq::{Bound, FitOptions, FitReport, NoObserver, Observer};
use crate::model::{Column, RunLevel, RunLevelFree, RunLevelKind};

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
    let started = Instant::now();
    validate(t_s, y)?;
    let mut notes = Vec::new();
    let (adaptive, options) = resolve_baseline(y, options, &mut notes)?;
    let options = &options;
    if options.is_cancelled() {
        return Err(RunFitError::Cancelled);
    }
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
    if seeds_ok.len() < seeds.len() {
        notes.push(format!("{} peak(s) skipped: no finite position or width", seeds.len() - seeds_ok.len()));
    }
    if seeds_ok.is_empty() {
        notes.push("no peaks to fit".into());
    }
    if options.column_assumed {
        notes.push("column assumed (generic preset): k_a depends on its phase ratio; mu and k' do not".into());
    }
    let start = Start::new(column, &seeds_ok, options.free);
    let stages = fit_stages(&ctx, column, &start, options, observer, &mut notes);
    if options.is_cancelled() {
        return Err(RunFitError::Cancelled);
    }
    let fitted_column = ctx.column_at(&stages.values).unwrap_or(*column);
    let cluster_of = ctx.cluster_of();
    let mut fit = assemble(
        &ctx,
        &ctx.clusters,
        &cluster_of,
        &fitted_column,
        &stages.results,
        y,
        adaptive.as_deref(),
        options,
        notes,
    );
    let ses = run_level_errors(stages.joint.as_ref(), options.free, seeds_ok.len());
    let rv = |kind: RunLevelKind, se: Option<f64>| RunValue {
        value_s: stages.values.get(kind),
        se_s: se,
        fitted: options.free.get(kind) && stages.joint.is_some(),
    };
    fit.holdup_time = rv(RunLevelKind::HoldupTime, ses.holdup_time_s);
    fit.injection = rv(RunLevelKind::Injection, ses.injection_s);
    fit.inlet_tail = rv(RunLevelKind::InletTail, ses.inlet_tail_s);
    fit.outer_termination = stages.joint.as_ref().map(|r| r.termination);
    fit.outer_evaluations = stages.joint.as_ref().map(|r| r.evaluations).unwrap_or(0);
    fit.elapsed_s = started.elapsed().as_secs_f64();
    Ok(fit)
}

/// Where the run-level values start, and the scales their bounds come from.
#[derive(Clone, Copy)]
struct Start {
    /// Starting t0, t1, τ (s).
    values: RunLevel,
    /// The latest t0 that leaves the first peak room (s).
    holdup_max_s: f64,
    /// The narrowest and the median seed width (s).
    min_width_s: f64,
    median_width_s: f64,
}

impl Start {
    /// The column's values, moved where a free one would start badly: t0 inside [0.3, 0.9] of the latest t0 the
    /// first peak allows, t1 below the narrowest peak, τ from half the median width, and t1/2 + τ leaving room
    /// before the first apex.
    fn new(column: &Column, seeds: &[PeakSeed], free: RunLevelFree) -> Start {
        let mut widths: Vec<f64> = seeds.iter().map(|s| s.width_s).collect();
        widths.sort_by(f64::total_cmp);
        let median_w = widths.get(widths.len() / 2).copied().unwrap_or(1.0);
        let min_w = widths.first().copied().unwrap_or(1.0);
        let mut v = RunLevel::of(column);
        // A fitted t0 ends before the first peak starts (its apex less one half-height width), or, when that
        // start is not after time zero, before half the first apex (a peak at 1 s could not be placed with
        // t0 ≥ 2.5 s).
        let first_start = seeds.iter().map(|s| s.apex_time_s - s.width_s).fold(f64::INFINITY, f64::min);
        let first_apex = seeds.iter().map(|s| s.apex_time_s).fold(f64::INFINITY, f64::min);
        let peaks_after_zero = first_apex.is_finite() && first_apex > 0.0;
        let hi_t0 = match (first_start.is_finite() && first_start > 0.0, peaks_after_zero) {
            (true, _) => first_start,
            (false, true) => 0.5 * first_apex,
            (false, false) => v.holdup_time_s,
        };
        if free.holdup_time && peaks_after_zero && !(0.3 * hi_t0..0.9 * hi_t0).contains(&v.holdup_time_s) {
            v.holdup_time_s = 0.6 * hi_t0;
        }
        if free.injection && v.injection_s > min_w {
            v.injection_s = 0.5 * min_w;
        }
        if free.inlet_tail && v.inlet_tail_s <= 0.0 {
            v.inlet_tail_s = 0.5 * median_w;
        }
        shrink_before_first_apex(&mut v, free, seeds);
        Start { values: v, holdup_max_s: hi_t0, min_width_s: min_w, median_width_s: median_w }
    }

    /// (start, bound) of each free value, in the order t0, t1, τ.
    fn bounds(&self, free: RunLevelFree) -> Vec<(f64, Bound)> {
        let v = &self.values;
        free.kinds()
            .map(|kind| match kind {
                RunLevelKind::HoldupTime => (
                    v.holdup_time_s,
                    Bound::Interval(0.25 * self.holdup_max_s, self.holdup_max_s.max(1.01 * v.holdup_time_s)),
                ),
                RunLevelKind::Injection => {
                    (v.injection_s, Bound::Interval(1e-3, (4.0 * self.min_width_s).max(2.0 * v.injection_s)))
                }
                RunLevelKind::InletTail => {
                    (v.inlet_tail_s, Bound::Interval(1e-4, (4.0 * self.median_width_s).max(2.0 * v.inlet_tail_s)))
                }
            })
            .collect()
    }
}

/// The further starts of the joint fit beyond the first, `count − 1` of them, from a small grid of t1 (at the
/// narrowest peak's width, then twice the first start) and τ (0.75, then 1 of the first start), for the free
/// ones.
/// t1 and τ trade off and the joint fit has separate local optima in t1: on SOLV001 the first start ends at R²
/// 0.99257 (t1 0.98 s), and a start of t1 near 2–3 s reaches 0.99269 (t1 2.1 s) from most τ starts.
fn joint_start_grid(start: &Start, free: RunLevelFree, count: usize) -> Vec<RunLevel> {
    let v = start.values;
    let t1s: Vec<f64> =
        if free.injection { vec![start.min_width_s, 2.0 * v.injection_s, v.injection_s] } else { vec![v.injection_s] };
    let taus: Vec<f64> =
        if free.inlet_tail { vec![0.75 * v.inlet_tail_s, v.inlet_tail_s] } else { vec![v.inlet_tail_s] };
    let mut grid = Vec::new();
    for &t1 in &t1s {
        for &tau in &taus {
            let candidate = RunLevel { injection_s: t1, inlet_tail_s: tau, ..v };
            if candidate != v && !grid.contains(&candidate) {
                grid.push(candidate);
            }
        }
    }
    grid.truncate(count.saturating_sub(1));
    grid
}

/// What the stages leave: the run-level values, every cluster's final fit and the joint fit's report.
struct Stages {
    values: RunLevel,
    results: Vec<ClusterResult>,
    joint: Option<FitReport>,
}

/// Stages 1–3 of the module doc.
fn fit_stages(
    ctx: &Context,
    column: &Column,
    start: &Start,
    options: &RunFitOptions,
    observer: &mut dyn Observer,
    notes: &mut Vec<String>,
) -> Stages {
    let free = options.free;
    let any_free = free.any() && !ctx.clusters.is_empty();
    // Stage 1: every cluster alone at the starting run-level values. With a joint fit to follow, the cluster fits
    // before and after it use no tighter tolerance than the joint fit's own (on SOLV001 this halves their time
    // at the same R²; a much looser stage 1, 1e-4, led the joint fit to a worse optimum, R² 0.99251).
    let cluster_options =
        if any_free { no_tighter_than(&options.inner, &options.outer) } else { options.inner.clone() };
    let start_column = ctx.column_at(&start.values).unwrap_or(*column);
    let warmup = if any_free {
        // The warm-up's reports are not shown: no statistics.
        cluster_options
            .clone()
            .with_max_iterations(options.warmup_iterations.min(cluster_options.max_iterations))
            .without_statistics()
    } else {
        cluster_options.clone()
    };
    let first = ctx.fit_all(&start_column, &vec![None; ctx.clusters.len()], &warmup);
    if !any_free || options.is_cancelled() {
        return Stages { values: start.values, results: first, joint: None };
    }
    // Stage 2: one joint fit, or with `joint_starts` > 1 the best (lowest SSE) of that many, each from its own
    // warm-up (see `joint_start_grid`).
    let cluster_of = ctx.cluster_of();
    let fit_from = |values: RunLevel, warm: &[ClusterResult], observer: &mut dyn Observer| {
        let bounds = Start { values, ..*start }.bounds(free);
        joint_fit(ctx, &cluster_of, warm, free, values, &bounds, &options.outer, observer)
    };
    let mut joint = fit_from(start.values, &first, observer);
    for values in joint_start_grid(start, free, options.joint_starts) {
        if options.is_cancelled() {
            break;
        }
        let other_column = ctx.column_at(&values).unwrap_or(*column);
        let warm = ctx.fit_all(&other_column, &vec![None; ctx.clusters.len()], &warmup);
        let other = fit_from(values, &warm, &mut NoObserver);
        let sse = |r: &Result<JointOutcome, String>| r.as_ref().map_or(f64::INFINITY, |o| o.report.sse);
        if sse(&other) < sse(&joint) {
            joint = other;
        }
    }
    match joint {
        // Cancelled: `fit_run` reports it; nothing more to compute.
        _ if options.is_cancelled() => Stages { values: start.values, results: first, joint: None },
        Ok(outcome) => after_joint(ctx, column, outcome, free, &cluster_options, notes),
        Err(e) => {
            notes.push(format!("run-level fit failed ({e}); values held at the column's"));
            // The warm-up fits stopped early: finish them at the starting values.
            let warm: Vec<Option<Vec<f64>>> = first.iter().map(|r| Some(r.theta.clone())).collect();
            let results = ctx.fit_all(&start_column, &warm, &cluster_options);
            Stages { values: start.values, results, joint: None }
        }
    }
}

/// Stage 3: the per-peak reports, each cluster at the fitted run-level values, and the note when t0 is not
/// determined.
///
/// After a converged joint fit every cluster is already at its minimum there (the joint gradient includes the
/// cluster's own), so its statistics at the joint solution give its conditional standard errors (from the joint
/// fit's last evaluation, reused: no new one), and the peaks carry the joint fit's termination and counts;
/// otherwise each cluster is polished by its own fit. A polish after a converged joint fit is not only slower
/// (about 10 % of a SOLV001 run fit): without the joint fit's bounds it let peaks spread out of their windows
/// (whole-run R² of CAL_3 −1.33 and of chromeleon_comma −0.21, against 0.948 and 0.911 with the joint solution
/// kept).
fn after_joint(
    ctx: &Context,
    column: &Column,
    outcome: JointOutcome,
    free: RunLevelFree,
    cluster_options: &FitOptions,
    notes: &mut Vec<String>,
) -> Stages {
    let JointOutcome { report, values, warm, states } = outcome;
    let k0 = 2 * ctx.seeds.len();
    let se_t0 = report.standard_errors.get(k0).copied().flatten().filter(|v| v.is_finite());
    let at_bound = report.at_bound.get(k0).copied().unwrap_or(false);
    let t0 = values.holdup_time_s;
    if free.holdup_time && (at_bound || se_t0.is_none_or(|se| se > 0.5 * t0)) {
        notes.push(format!(
            "t0 is not determined by this run ({t0:.3} s, SE {}{}); k_a, mu and k' depend on it: give the column or \
             t0 if known",
            se_t0.map(|se| format!("{se:.3} s")).unwrap_or_else(|| "undefined".into()),
            if at_bound { ", at its bound" } else { "" }
        ));
    }
    let col = ctx.column_at(&values).unwrap_or(*column);
    let converged = report.termination.is_converged();
    let mut polish = cluster_options.clone();
    let mut results = if converged {
        polish.max_iterations = 0;
        ctx.fit_all_from(&col, states, &warm, &polish)
    } else {
        ctx.fit_all(&col, &warm, &polish)
    };
    if converged {
        for rep in results.iter_mut().filter_map(|c| c.report.as_mut().ok()) {
            rep.termination = report.termination;
            rep.iterations = report.iterations;
            rep.evaluations = report.evaluations;
        }
    }
    Stages { values, results, joint: Some(report) }
}

/// Standard errors (s) of the free run-level values from the joint fit's report, whose parameters are every
/// peak's pair (2·`n_peaks`) and then the free values in the order t0, t1, τ; `None` where held or undefined.
fn run_level_errors(joint: Option<&FitReport>, free: RunLevelFree, n_peaks: usize) -> RunLevelErrors {
    let mut out = RunLevelErrors::default();
    let Some(r) = joint else { return out };
    for (k, kind) in free.kinds().enumerate() {
        let se = r.standard_errors.get(2 * n_peaks + k).copied().flatten().and_then(finite);
        match kind {
            RunLevelKind::HoldupTime => out.holdup_time_s = se,
            RunLevelKind::Injection => out.injection_s = se,
            RunLevelKind::InletTail => out.inlet_tail_s = se,
        }
    }
    out
}

/// Standard errors of t0, t1 and τ, s.
#[derive(Default)]
struct RunLevelErrors {
    holdup_time_s: Option<f64>,
    injection_s: Option<f64>,
    inlet_tail_s: Option<f64>,
}

/// The adaptive baseline to subtract (with [`BaselineChoice::Adaptive`], or [`BaselineChoice::Auto`] on a
/// drifting run), and the options with the choice made; a note says what `Auto` chose.
fn resolve_baseline(
    y: &[f64],
    options: &RunFitOptions,
    notes: &mut Vec<String>,
) -> Result<(Option<Vec<f64>>, RunFitOptions), RunFitError> {
    let mut options = options.clone();
    match options.baseline {
        BaselineChoice::Adaptive(po) => {
            let b = penalized_baseline(y, &po).map_err(|e| RunFitError::Baseline(e.to_string()))?;
            Ok((Some(b), options))
        }
        BaselineChoice::Auto => {
            let noise = crate::fit::noise::noise_sd(y).unwrap_or(0.0);
            if crate::fit::baseline::drifts(y, noise) {
                let po = PenalizedOptions::default();
                let b = penalized_baseline(y, &po).map_err(|e| RunFitError::Baseline(e.to_string()))?;
                options.baseline = BaselineChoice::Adaptive(po);
                notes.push("the baseline drifts: an adaptive (arPLS) baseline was chosen (--baseline sets one)".into());
                Ok((Some(b), options))
            } else {
                options.baseline = BaselineChoice::Constant;
                Ok((None, options))
            }
        }
        _ => Ok((None, options)),
    }
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
    let largest = y.iter().fold(0.0f64, |a, v| a.max(v.abs()));
    if largest > MAX_ABS_SIGNAL {
        return Err(RunFitError::InvalidInput(format!(
            "a signal value of {largest:e} is beyond ±{MAX_ABS_SIGNAL:e}: sums of squares would overflow"
        )));
    }
    let range = y.iter().fold(f64::NEG_INFINITY, |a, &v| a.max(v)) - y.iter().fold(f64::INFINITY, |a, &v| a.min(v));
    if range > 0.0 && range < MIN_SIGNAL_RANGE {
        return Err(RunFitError::InvalidInput(format!(
            "the signal varies by only {range:e}, below {MIN_SIGNAL_RANGE:e}: its residuals would underflow to zero \
             and any fit would look exact; scale the signal (another unit) and fit again"
        )));
    }
    Ok(())
}

/// Largest signal magnitude a run fit takes: squares of it stay far from overflow (1e200 over 5e7 points).
pub const MAX_ABS_SIGNAL: f64 = 1e100;

/// Smallest non-zero spread (max − min) of a signal a run fit takes: below it, squared residuals underflow
/// (1e-100² = 1e-200 is still 1e108 above the smallest normal f64, so every smaller fit is exact arithmetic).
pub const MIN_SIGNAL_RANGE: f64 = 1e-100;
