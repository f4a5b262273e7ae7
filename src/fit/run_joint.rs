//! Stage 2 of a run fit ([`fit_run`](super::run_fit::fit_run)): the joint fit of every peak's (mean, kinetic sd)
//! with the free run-level values t0, t1 and τ, started from the warm-up cluster fits; its starting values' room
//! before the first peak, and the per-cluster reports at its solution (stage 3).

use rayon::prelude::*;

use super::column_fit::{AreaMode, fit_cluster_from, measured_area};
use super::joint::{JointModel, PeakEval, SIGMA_MAX_OF_WINDOW, column_with, kinetics_from, theta_from};
use super::observer::Observer;
use super::options::FitOptions;
use super::problem::Bound;
use super::report::FitReport;
use super::run_fit::{ClusterResult, Context, PeakSeed};
use super::varpro::{SeparableModel, fit_separable};
use crate::model::Column;

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

impl Context<'_> {
    /// Every cluster's fit at `column` started from its state at the joint solution (in parallel), reusing the
    /// joint fit's last evaluations where they match; `warm` holds each cluster's (k_a, k_d) for a failed fit.
    pub(super) fn fit_all_from(
        &self,
        column: &Column,
        states: Vec<ClusterState>,
        warm: &[Option<Vec<f64>>],
        options: &FitOptions,
    ) -> Vec<ClusterResult> {
        states
            .into_par_iter()
            .enumerate()
            .map(|(c, state)| {
                let cl = &self.clusters[c];
                let (t, y) = (&self.t[cl.lo..cl.hi], &self.y[cl.lo..cl.hi]);
                let (fixed, degree) = (self.fixed_areas(c), Some(self.degree));
                let report =
                    fit_cluster_from(t, y, column, &state.mean_sigma, state.evaluations, &fixed, degree, options);
                match report {
                    Ok(r) => ClusterResult { theta: r.values[..state.mean_sigma.len()].to_vec(), report: Ok(r) },
                    Err(e) => ClusterResult {
                        report: Err(e.to_string()),
                        theta: warm[c].clone().unwrap_or_else(|| {
                            let pairs = state.mean_sigma.chunks_exact(2);
                            pairs.flat_map(|p| <[f64; 2]>::from(kinetics_or_nan(column, p[0], p[1]))).collect()
                        }),
                    },
                }
            })
            .collect()
    }
}

/// Every peak's mean lies after t0 + t1/2 + τ (k' ≥ 0), so the starting run-level values `v` = (t0, t1, τ), s,
/// must leave room before the earliest apex: when t0 is before it but t1/2 + τ take more than half of what is
/// left, the free ones of t1 and τ shrink by a common factor to half of it. Without this the joint model was
/// undefined at its start on a TCD channel whose first peak (the injection transient, near 1 s) came before the τ
/// started from the median width (3.3 s), and the run fell back to slow per-cluster fits.
pub(super) fn shrink_before_first_apex(v: &mut [f64; 3], free: [bool; 3], seeds: &[PeakSeed]) {
    let first_apex = seeds.iter().map(|s| s.apex_time_s).fold(f64::INFINITY, f64::min);
    let room = 0.5 * (first_apex - v[0]);
    let fixed = if free[1] { 0.0 } else { 0.5 * v[1] } + if free[2] { 0.0 } else { v[2] };
    let movable = if free[1] { 0.5 * v[1] } else { 0.0 } + if free[2] { v[2] } else { 0.0 };
    if room.is_finite() && room > fixed && movable > 0.0 && fixed + movable > room {
        let factor = (room - fixed) / movable;
        for i in [1, 2].into_iter().filter(|&i| free[i]) {
            v[i] *= factor;
        }
    }
}

/// (k_a, k_d) in 1/s of a peak with mean time `mean_s` and kinetic σ `sigma_s` (s) on `column`; NaN if undefined.
fn kinetics_or_nan(column: &Column, mean_s: f64, sigma_s: f64) -> (f64, f64) {
    kinetics_from(column, mean_s, sigma_s).unwrap_or((f64::NAN, f64::NAN))
}
