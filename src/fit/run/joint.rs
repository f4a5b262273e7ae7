//! Stage 2 of a run fit ([`fit_run`](super::fit_run)): the joint fit of every peak's (mean, kinetic sd) with the
//! free run-level values t0, t1 and τ, started from the warm-up cluster fits, and its starting values' room
//! before the first peak.

use super::cluster_fit::{AreaMode, measured_area};
use super::joint_model::{JointModel, PeakEval, SIGMA_MAX_OF_WINDOW};
use super::types::{ClusterResult, Context, PeakSeed};
use crate::fit::lsq::{Bound, FitOptions, FitReport, Observer, SeparableModel, fit_separable};
use crate::model::moments::mean_and_kinetic_sd;
use crate::model::{RunLevel, RunLevelFree};

/// What the joint fit returns.
pub(super) struct JointOutcome {
    /// The joint fit's report (every peak's pair, then the free run-level values).
    pub(super) report: FitReport,
    /// The fitted t0, t1 and τ.
    pub(super) values: RunLevel,
    /// Each cluster's (k_a, k_d) pairs as warm starts.
    pub(super) warm: Vec<Option<Vec<f64>>>,
    /// Each cluster's final state, for its report.
    pub(super) states: Vec<ClusterState>,
}

/// A cluster at the joint solution: its peaks' (mean, σ) pairs (s) and, when the joint model's last evaluation
/// was at that solution, its peaks' evaluations there (so that its report needs no new evaluation).
pub(super) struct ClusterState {
    pub(super) mean_sigma: Vec<f64>,
    pub(super) evaluations: Option<Vec<PeakEval>>,
}

/// Stage 2 of [`fit_run`](super::fit_run): the joint fit of every (k_a, k_d) and the free run-level values,
/// started from the cluster fits `first` and the run-level values `v0`. `run_bounds` holds (start, bound) per
/// free value in the order t0, t1, τ.
#[allow(clippy::too_many_arguments)]
pub(super) fn joint_fit(
    ctx: &Context,
    cluster_of: &[usize],
    first: &[ClusterResult],
    free: RunLevelFree,
    v0: RunLevel,
    run_bounds: &[(f64, Bound)],
    options: &FitOptions,
    observer: &mut dyn Observer,
) -> Result<JointOutcome, String> {
    let windows: Vec<&[f64]> = ctx.clusters.iter().map(|c| &ctx.t[c.lo..c.hi]).collect();
    let y_rows: Vec<f64> = ctx.clusters.iter().flat_map(|c| ctx.y[c.lo..c.hi].iter().copied()).collect();
    let (mut theta0, mut bounds) = peak_starts(ctx, first, &v0)?;
    for (v, b) in run_bounds {
        theta0.push(*v);
        bounds.push(*b);
    }
    let signs: Vec<f64> = ctx.seeds.iter().map(|s| if s.negative { -1.0 } else { 1.0 }).collect();
    let mut model = JointModel::new(ctx.template, v0, free, &windows, cluster_of, Some(ctx.degree))
        .with_signs(&signs)
        .with_cancel(options.cancel.clone());
    let mut fixed: Vec<Option<f64>> = vec![None; model.n_basis()];
    if ctx.area_mode == AreaMode::Measured {
        for (s, slot) in fixed.iter_mut().enumerate().take(ctx.seeds.len()) {
            let (lo, hi) = ctx.own[s];
            *slot = Some(signs[s] * measured_area(&ctx.t[lo..hi], &ctx.y[lo..hi]));
        }
    }
    let report =
        fit_separable(&mut model, &y_rows, &theta0, &bounds, &fixed, options, observer).map_err(|e| e.to_string())?;
    let theta = &report.values[..model.n_nonlinear()];
    let values = model.run_values(theta);
    let kinetics = model.kinetics(theta).ok_or("joint solution undefined")?;
    let warm = ctx
        .clusters
        .iter()
        .map(|cl| Some(cl.members.iter().flat_map(|&s| <[f64; 2]>::from(kinetics[s])).collect()))
        .collect();
    let mut evals: Vec<Option<PeakEval>> =
        model.take_evaluations(theta).map(|e| e.into_iter().map(Some).collect()).unwrap_or_default();
    let states = ctx
        .clusters
        .iter()
        .map(|cl| ClusterState {
            mean_sigma: cl.members.iter().flat_map(|&s| [theta[2 * s], theta[2 * s + 1]]).collect(),
            evaluations: cl.members.iter().map(|&s| evals.get_mut(s).and_then(Option::take)).collect(),
        })
        .collect();
    Ok(JointOutcome { report, values, warm, states })
}

/// Every peak's starting (mean, σ) at the run-level values `v0` from the warm-up fits `first`, and their bounds.
/// Each peak's mean stays inside its own window: the objective sees only the windows, so a peak that leaves its
/// window would be unconstrained by data (and could swamp the rest of the run); σ stays below
/// [`SIGMA_MAX_OF_WINDOW`] of the window.
fn peak_starts(ctx: &Context, first: &[ClusterResult], v0: &RunLevel) -> Result<(Vec<f64>, Vec<Bound>), String> {
    let m = ctx.seeds.len();
    let start = v0.apply_to(&ctx.template).ok_or("invalid starting run-level values")?;
    let mut theta0 = vec![0.0; 2 * m];
    for (c, cl) in ctx.clusters.iter().enumerate() {
        for (j, &s) in cl.members.iter().enumerate() {
            let (ka, kd) = (first[c].theta[2 * j], first[c].theta[2 * j + 1]);
            let (mean, sigma) = mean_and_kinetic_sd(&start, ka, kd);
            theta0[2 * s] = mean;
            theta0[2 * s + 1] = sigma;
        }
    }
    let mut bounds = vec![Bound::Positive; 2 * m];
    for s in 0..m {
        let (lo, hi) = ctx.own[s];
        let (a, b) = (ctx.t[lo], ctx.t[hi - 1]);
        if b > a {
            let sigma_max = SIGMA_MAX_OF_WINDOW * (b - a);
            bounds[2 * s + 1] = Bound::Interval(1e-9 * sigma_max, sigma_max);
            if !(theta0[2 * s + 1] > 1e-3 * sigma_max && theta0[2 * s + 1] < 0.9 * sigma_max) {
                theta0[2 * s + 1] = theta0[2 * s + 1].clamp(1e-3 * sigma_max, 0.9 * sigma_max);
                if !theta0[2 * s + 1].is_finite() {
                    theta0[2 * s + 1] = 0.1 * sigma_max;
                }
            }
            bounds[2 * s] = Bound::Interval(a, b);
            if !(theta0[2 * s] > a && theta0[2 * s] < b) {
                theta0[2 * s] = ctx.seeds[s].apex_time_s.clamp(a + 0.01 * (b - a), b - 0.01 * (b - a));
            }
        }
    }
    Ok((theta0, bounds))
}

/// Every peak's mean lies after t0 + t1/2 + τ (k' ≥ 0), so the starting run-level values `v` must leave room
/// before the earliest apex: when t0 is before it but t1/2 + τ take more than half of what is left, the free
/// ones of t1 and τ shrink by a common factor to half of it. Without this the joint model was undefined at its
/// start on a TCD channel whose first peak (the injection transient, near 1 s) came before the τ started from
/// the median width (3.3 s), and the run fell back to slow per-cluster fits.
pub(super) fn shrink_before_first_apex(v: &mut RunLevel, free: RunLevelFree, seeds: &[PeakSeed]) {
    let first_apex = seeds.iter().map(|s| s.apex_time_s).fold(f64::INFINITY, f64::min);
    let room = 0.5 * (first_apex - v.holdup_time_s);
    let part = |is_free: bool, value: f64| if is_free { (0.0, value) } else { (value, 0.0) };
    let (fixed_t1, movable_t1) = part(free.injection, 0.5 * v.injection_s);
    let (fixed_tau, movable_tau) = part(free.inlet_tail, v.inlet_tail_s);
    let (fixed, movable) = (fixed_t1 + fixed_tau, movable_t1 + movable_tau);
    if room.is_finite() && room > fixed && movable > 0.0 && fixed + movable > room {
        let factor = (room - fixed) / movable;
        if free.injection {
            v.injection_s *= factor;
        }
        if free.inlet_tail {
            v.inlet_tail_s *= factor;
        }
    }
}
