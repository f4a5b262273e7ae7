//! One cluster of overlapping peaks fitted with the column model, by variable projection.
//!
//! Each peak has two nonlinear parameters, reported as (k_a, k_d) in 1/s; the linear ones are the peak areas
//! (unit-area basis columns y(t; k_a, k_d, A = 1), of the peak's sign: rising, or dipping below the baseline) and the baseline polynomial terms of the
//! window. The column (t0, t1, τ) is held fixed here: run-level values are the business of
//! [`run_fit`](super::run_fit). The model is the joint model's (`joint`) on one window with no run-level value
//! free, so the solver works on each peak's mean time and kinetic width (see [`fit_cluster`]); derivatives are
//! analytic. This file also holds the window helpers that give the starting values: [`measured_area`] and
//! [`window_moments`].

use nalgebra::DMatrix;

use super::joint_model::{JointModel, PeakEval, SIGMA_MAX_OF_WINDOW};
use crate::fit::lsq::{Bound, FitError, FitOptions, FitReport, NoObserver, SeparableModel, fit_separable};
use crate::model::moments::{mean_and_kinetic_sd, rates_from_mean_and_kinetic_sd, unretained_mean_s};
use crate::model::{Column, RunLevel, RunLevelFree};

/// How the peak areas are obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AreaMode {
    /// Solved as linear parameters at every step (variable projection). The default.
    #[default]
    Linear,
    /// Fixed from the measured (trapezoid, baseline-removed) area of the peak's window: the paper's mode.
    Measured,
}

/// Fits one cluster: `t_s`, `y` the window (s, signal), `column` with the run-level values held fixed, `theta0`
/// the starting (k_a, k_d) pairs (1/s, positive), `fixed_areas` per peak `Some(area)` to hold (measured-area
/// mode) or `None` to solve. The report's values are θ = (k_a, k_d) pairs, then the n areas (never negative),
/// then the baseline coefficients (in the scaled abscissa of [`polynomial_basis`](super::baseline::polynomial_basis)).
///
/// The solver works on each peak's mean time and kinetic standard deviation σ (`JointModel`), with the mean held
/// inside the window (and after t0 + t1/2 + τ, where k' = 0) and σ below a quarter of the window's length: a peak
/// cannot wander out of, or spread over, more than the data that determine it. The report is mapped back to
/// (k_a, k_d); standard errors and correlations follow by the delta method, which for Jacobian-based covariances
/// is exact (the same as fitting (k_a, k_d) directly). `at_bound` flags a peak whose mean or σ ended on a bound.
pub fn fit_cluster(
    t_s: &[f64],
    y: &[f64],
    column: &Column,
    theta0: &[f64],
    fixed_areas: &[Option<f64>],
    baseline_degree: Option<usize>,
    options: &FitOptions,
) -> Result<FitReport, FitError> {
    fit_cluster_signed(t_s, y, column, theta0, fixed_areas, &[], baseline_degree, options)
}

/// [`fit_cluster`] with each peak's sign (−1: it dips below the baseline; its area comes out negative).
#[allow(clippy::too_many_arguments)]
pub(crate) fn fit_cluster_signed(
    t_s: &[f64],
    y: &[f64],
    column: &Column,
    theta0: &[f64],
    fixed_areas: &[Option<f64>],
    signs: &[f64],
    baseline_degree: Option<usize>,
    options: &FitOptions,
) -> Result<FitReport, FitError> {
    let mean_sigma: Vec<f64> = theta0
        .chunks(2)
        .flat_map(|pair| <[f64; 2]>::from(mean_and_kinetic_sd(column, pair[0], *pair.get(1).unwrap_or(&f64::NAN))))
        .collect();
    fit_cluster_from(t_s, y, column, &mean_sigma, None, fixed_areas, signs, baseline_degree, options)
}

/// [`fit_cluster`] started from each peak's (mean time, kinetic σ) in s, `mean_sigma`, instead of (k_a, k_d),
/// with the peaks' evaluations at that start on this window and `column` when already made (`seed`, from a joint
/// fit's last evaluation): a fit capped at zero iterations then computes only its statistics. A seed that does not
/// match exactly (another start after clamping, another column) is not used. `signs` gives each peak's sign (−1 for
/// a peak that dips below the baseline, whose area comes out negative; empty: all rising); `fixed_areas` are
/// signed.
#[allow(clippy::too_many_arguments)]
pub(crate) fn fit_cluster_from(
    t_s: &[f64],
    y: &[f64],
    column: &Column,
    mean_sigma: &[f64],
    seed: Option<Vec<PeakEval>>,
    fixed_areas: &[Option<f64>],
    signs: &[f64],
    baseline_degree: Option<usize>,
    options: &FitOptions,
) -> Result<FitReport, FitError> {
    let n_peaks = mean_sigma.len() / 2;
    let run = RunLevel::of(column);
    let mut model = JointModel::new(*column, run, RunLevelFree::NONE, &[t_s], &vec![0; n_peaks], baseline_degree)
        .with_signs(signs)
        .with_cancel(options.cancel.clone());
    let sign = |j: usize| if signs.get(j).is_some_and(|&g| g < 0.0) { -1.0 } else { 1.0 };
    let first_mean = unretained_mean_s(column);
    let (a, b) = match (t_s.first(), t_s.last()) {
        (Some(&lo), Some(&hi)) => (lo.max(first_mean + 1e-9 * first_mean.abs().max(1.0)), hi),
        _ => (0.0, 0.0),
    };
    let mut start = Vec::with_capacity(mean_sigma.len());
    let mut bounds = Vec::with_capacity(mean_sigma.len());
    for pair in mean_sigma.chunks(2) {
        let (mean, sigma) = (pair[0], *pair.get(1).unwrap_or(&f64::NAN));
        if b > a {
            let inside = a + 1e-3 * (b - a)..=b - 1e-3 * (b - a);
            let clamped = if mean.is_finite() { mean.clamp(*inside.start(), *inside.end()) } else { 0.5 * (a + b) };
            start.push(clamped);
            bounds.push(Bound::Interval(a, b));
        } else {
            start.push(mean);
            bounds.push(Bound::Positive);
        }
        let sigma_max = SIGMA_MAX_OF_WINDOW * (b - a).max(0.0);
        if sigma_max > 0.0 {
            start.push(if sigma.is_finite() {
                sigma.clamp(1e-3 * sigma_max, 0.9 * sigma_max)
            } else {
                0.1 * sigma_max
            });
            bounds.push(Bound::Interval(1e-9 * sigma_max, sigma_max));
        } else {
            start.push(sigma);
            bounds.push(Bound::Positive);
        }
    }
    if let Some(evals) = seed {
        // Keyed by the θ they were made at: used only if the start was not clamped away from it.
        model.seed(mean_sigma, column, evals);
    }
    let mut fixed: Vec<Option<f64>> = fixed_areas.iter().enumerate().map(|(j, a)| a.map(|a| a * sign(j))).collect();
    fixed.resize(n_peaks, None);
    fixed.resize(model.n_basis(), None);
    let mut report = fit_separable(&mut model, y, &start, &bounds, &fixed, options, &mut NoObserver)?;
    to_kinetics(&mut report, column, n_peaks);
    // The coefficients are the areas' magnitudes: give the dipping peaks their sign.
    for j in 0..n_peaks {
        report.values[2 * n_peaks + j] *= sign(j);
    }
    Ok(report)
}

/// Maps a report on (mean, σ) pairs (the first 2·`n_peaks` values) to (k_a, k_d) on `column`: values, standard
/// errors and correlations (delta method: C' = G C Gᵀ with k_d = 2s/σ², k_a = k_d·s/(α t0), s = m − t0 − t1/2 − τ).
fn to_kinetics(report: &mut FitReport, column: &Column, n_peaks: usize) {
    let p = report.values.len();
    let se: Vec<f64> = report.standard_errors.iter().map(|s| s.unwrap_or(0.0)).collect();
    let cov = DMatrix::from_fn(p, p, |i, j| se[i] * se[j] * report.correlation_between(i, j));
    let mut g = DMatrix::<f64>::identity(p, p);
    let first_mean = unretained_mean_s(column);
    for j in 0..n_peaks {
        let (m, sigma) = (report.values[2 * j], report.values[2 * j + 1]);
        let (ka, kd) = rates_from_mean_and_kinetic_sd(column, m, sigma).unwrap_or((f64::NAN, f64::NAN));
        let s = m - first_mean;
        g[(2 * j, 2 * j)] = 2.0 * ka / s;
        g[(2 * j, 2 * j + 1)] = -2.0 * ka / sigma;
        g[(2 * j + 1, 2 * j)] = kd / s;
        g[(2 * j + 1, 2 * j + 1)] = -2.0 * kd / sigma;
        report.values[2 * j] = ka;
        report.values[2 * j + 1] = kd;
    }
    let cov = &g * cov * g.transpose();
    let had: Vec<bool> = report.standard_errors.iter().map(|s| s.is_some()).collect();
    let new_se: Vec<Option<f64>> =
        (0..p).map(|i| (had[i] && cov[(i, i)] >= 0.0).then(|| cov[(i, i)].sqrt()).filter(|v| v.is_finite())).collect();
    for i in 0..p {
        for j in 0..p {
            report.correlation[i][j] = match (new_se[i], new_se[j]) {
                _ if i == j => 1.0,
                (Some(a), Some(b)) if a > 0.0 && b > 0.0 => (cov[(i, j)] / (a * b)).clamp(-1.0, 1.0),
                _ => 0.0,
            };
        }
    }
    report.standard_errors = new_se;
}

/// The measured peak area in a window: trapezoid of y − baseline, the baseline being the straight line through
/// the means of the first and last 5 % of the window (at least one point each). Signal·s; 0 for < 2 points.
pub fn measured_area(t_s: &[f64], y: &[f64]) -> f64 {
    let n = t_s.len().min(y.len());
    if n < 2 {
        return 0.0;
    }
    let k = (n / 20).max(1);
    let mean = |s: &[f64]| s.iter().sum::<f64>() / s.len() as f64;
    let (ta, ya) = (mean(&t_s[..k]), mean(&y[..k]));
    let (tb, yb) = (mean(&t_s[n - k..n]), mean(&y[n - k..n]));
    let slope = if tb > ta { (yb - ya) / (tb - ta) } else { 0.0 };
    let base = |t: f64| ya + slope * (t - ta);
    (1..n).map(|i| 0.5 * (y[i] - base(t_s[i]) + y[i - 1] - base(t_s[i - 1])) * (t_s[i] - t_s[i - 1])).sum()
}

/// Mean (s) and variance (s²) of y − baseline over a window (baseline as in [`measured_area`], negative parts
/// clipped to 0). `None` when the clipped area is not positive.
pub fn window_moments(t_s: &[f64], y: &[f64]) -> Option<(f64, f64)> {
    let n = t_s.len().min(y.len());
    if n < 3 {
        return None;
    }
    let k = (n / 20).max(1);
    let mean = |s: &[f64]| s.iter().sum::<f64>() / s.len() as f64;
    let (ta, ya) = (mean(&t_s[..k]), mean(&y[..k]));
    let (tb, yb) = (mean(&t_s[n - k..n]), mean(&y[n - k..n]));
    let slope = if tb > ta { (yb - ya) / (tb - ta) } else { 0.0 };
    let w: Vec<f64> = (0..n).map(|i| (y[i] - ya - slope * (t_s[i] - ta)).max(0.0)).collect();
    let s0: f64 = w.iter().sum();
    if !(s0 > 0.0 && s0.is_finite()) {
        return None;
    }
    let m = (0..n).map(|i| w[i] * t_s[i]).sum::<f64>() / s0;
    let v = (0..n).map(|i| w[i] * (t_s[i] - m).powi(2)).sum::<f64>() / s0;
    (m.is_finite() && v.is_finite() && v > 0.0).then_some((m, v))
}
