//! Stage 2 of a run fit ([`fit_run`](super::run_fit::fit_run)): the joint fit of every peak's (mean, kinetic sd)
//! with the free run-level values t0, t1 and τ, started from the warm-up cluster fits.

use super::column_fit::{AreaMode, measured_area};
use super::joint::{JointModel, PeakEval, SIGMA_MAX_OF_WINDOW, column_with, theta_from};
use super::observer::Observer;
use super::options::FitOptions;
use super::problem::Bound;
use super::report::FitReport;
use super::run_fit::{ClusterResult, Context};
use super::varpro::{SeparableModel, fit_separable};

/// What the joint fit returns: its report, the fitted (t0, t1, τ) in s, each cluster's θ as warm starts and each
/// cluster's final state for its report.
pub(super) type JointOutcome = (FitReport, [f64; 3], Vec<Option<Vec<f64>>>, Vec<ClusterState>);

/// A cluster at the joint solution: its peaks' (mean, σ) pairs (s) and, when the joint model's last evaluation
/// was at that solution, its peaks' evaluations there (so that its report needs no new evaluation).
pub(super) struct ClusterState {
    pub(super) mean_sigma: Vec<f64>,
    pub(super) evaluations: Option<Vec<PeakEval>>,
}

/// Stage 2 of [`fit_run`](super::run_fit::fit_run): the joint fit of every (k_a, k_d) and the free run-level values, started from the
/// cluster fits `first` and the run-level values `v0` (s). `run_bounds` holds (start, bound) per free value in the
/// order t0, t1, τ. Returns the report, the fitted (t0, t1, τ) and each cluster's θ as warm starts.
#[allow(clippy::too_many_arguments)]
pub(super) fn joint_fit(
    ctx: &Context,
    cluster_of: &[usize],
    first: &[ClusterResult],
    free: [bool; 3],
    v0: [f64; 3],
    run_bounds: &[(f64, Bound)],
    options: &FitOptions,
    observer: &mut dyn Observer,
) -> Result<JointOutcome, String> {
    let m = ctx.seeds.len();
    let windows: Vec<&[f64]> = ctx.clusters.iter().map(|c| &ctx.t[c.lo..c.hi]).collect();
    let y_rows: Vec<f64> = ctx.clusters.iter().flat_map(|c| ctx.y[c.lo..c.hi].iter().copied()).collect();
    let start = column_with(&ctx.template, v0).ok_or("invalid starting run-level values")?;
    let mut theta0 = vec![0.0; 2 * m];
    for (c, cl) in ctx.clusters.iter().enumerate() {
        for (j, &s) in cl.members.iter().enumerate() {
            let (ka, kd) = (first[c].theta[2 * j], first[c].theta[2 * j + 1]);
            let (mean, sigma) = theta_from(&start, ka, kd);
            theta0[2 * s] = mean;
            theta0[2 * s + 1] = sigma;
        }
    }
    // Each peak's mean stays inside its own window: the objective sees only the windows, so a peak that leaves
    // its window would be unconstrained by data (and could swamp the rest of the run).
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
    for (v, b) in run_bounds {
        theta0.push(*v);
        bounds.push(*b);
    }
    let mut model = JointModel::new(ctx.template, v0, free, &windows, cluster_of, Some(ctx.degree));
    let mut fixed: Vec<Option<f64>> = vec![None; model.n_basis()];
    if ctx.area_mode == AreaMode::Measured {
        for s in 0..m {
            let (lo, hi) = ctx.own[s];
            fixed[s] = Some(measured_area(&ctx.t[lo..hi], &ctx.y[lo..hi]));
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
    Ok((report, values, warm, states))
}
