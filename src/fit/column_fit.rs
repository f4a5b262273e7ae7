//! One cluster of overlapping peaks fitted with the column model, by variable projection.
//!
//! The nonlinear parameters are (k_a, k_d) per peak (1/s, bounded positive: the solver fits log k), the linear
//! ones are the peak areas (unit-area basis columns y(t; k_a, k_d, A = 1)) and the baseline polynomial terms of
//! the window. The column (t0, t1, τ) is held fixed here: run-level values are the business of
//! [`run_fit`](super::run_fit). Derivatives ∂y/∂k_a and ∂y/∂k_d are analytic
//! ([`peak_signal_with_derivatives`]).

use nalgebra::DMatrix;

use super::baseline::polynomial_basis;
use super::joint::{JointModel, SIGMA_MAX_OF_WINDOW, kinetics_from, theta_from};
use super::observer::NoObserver;
use super::options::FitOptions;
use super::problem::{Bound, FitError};
use super::report::FitReport;
use super::varpro::{SeparableModel, fit_separable};
use crate::model::closed::{PeakDerivatives, peak_signal_with_derivatives};
use crate::model::{Column, Peak};

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

/// The separable model of a cluster: n peaks of the column model plus a window polynomial baseline.
/// θ = (k_a₀, k_d₀, k_a₁, k_d₁, …) in 1/s; basis = peak 0 … peak n−1 (unit area), then baseline xᵏ.
#[derive(Debug, Clone)]
pub struct ClusterModel {
    t_s: Vec<f64>,
    column: Column,
    n_peaks: usize,
    baseline: DMatrix<f64>,
    cache: Option<(Vec<f64>, Vec<PeakDerivatives>)>,
}

impl ClusterModel {
    /// A cluster model of `n_peaks` on the window times `t_s` (s, increasing), with a window baseline polynomial
    /// of `baseline_degree` (`None`: no baseline term, e.g. after an adaptive baseline was subtracted).
    pub fn new(t_s: &[f64], column: Column, n_peaks: usize, baseline_degree: Option<usize>) -> ClusterModel {
        let baseline = match baseline_degree {
            Some(d) => polynomial_basis(t_s, d),
            None => DMatrix::zeros(t_s.len(), 0),
        };
        ClusterModel { t_s: t_s.to_vec(), column, n_peaks, baseline, cache: None }
    }

    fn evaluate(&mut self, theta: &[f64]) -> bool {
        if self.cache.as_ref().is_some_and(|(th, _)| th.as_slice() == theta) {
            return true;
        }
        self.cache = None;
        let mut out = Vec::with_capacity(self.n_peaks);
        for j in 0..self.n_peaks {
            let (ka, kd) = (theta[2 * j], theta[2 * j + 1]);
            if !(ka.is_finite() && kd.is_finite() && ka > 0.0 && kd > 0.0) {
                return false;
            }
            let peak = Peak::new("", ka, kd, 1.0);
            let d = peak_signal_with_derivatives(&self.column, &peak, &self.t_s);
            if d.signal.iter().chain(&d.d_ka).chain(&d.d_kd).any(|v| !v.is_finite()) {
                return false;
            }
            out.push(d);
        }
        self.cache = Some((theta.to_vec(), out));
        true
    }
}

impl SeparableModel for ClusterModel {
    fn n_points(&self) -> usize {
        self.t_s.len()
    }
    fn n_nonlinear(&self) -> usize {
        2 * self.n_peaks
    }
    fn n_basis(&self) -> usize {
        self.n_peaks + self.baseline.ncols()
    }
    fn derivative_structure(&self) -> Vec<(usize, usize)> {
        (0..self.n_peaks).flat_map(|j| [(j, 2 * j), (j, 2 * j + 1)]).collect()
    }
    /// Peak areas are not negative.
    fn nonnegative(&self) -> Vec<usize> {
        (0..self.n_peaks).collect()
    }
    fn basis(&mut self, theta: &[f64], phi: &mut DMatrix<f64>) -> bool {
        if !self.evaluate(theta) {
            return false;
        }
        let Some((_, d)) = &self.cache else { return false };
        for (j, dj) in d.iter().enumerate() {
            phi.column_mut(j).copy_from_slice(&dj.signal);
        }
        for b in 0..self.baseline.ncols() {
            phi.column_mut(self.n_peaks + b).copy_from(&self.baseline.column(b));
        }
        true
    }
    fn basis_derivatives(&mut self, theta: &[f64], dphi: &mut DMatrix<f64>) -> bool {
        if !self.evaluate(theta) {
            return false;
        }
        let Some((_, d)) = &self.cache else { return false };
        for (j, dj) in d.iter().enumerate() {
            dphi.column_mut(2 * j).copy_from_slice(&dj.d_ka);
            dphi.column_mut(2 * j + 1).copy_from_slice(&dj.d_kd);
        }
        true
    }
}

/// Fits one cluster: `t_s`, `y` the window (s, signal), `column` with the run-level values held fixed, `theta0`
/// the starting (k_a, k_d) pairs (1/s, positive), `fixed_areas` per peak `Some(area)` to hold (measured-area
/// mode) or `None` to solve. The report's values are θ = (k_a, k_d) pairs, then the n areas (never negative),
/// then the baseline coefficients (in the scaled abscissa of [`polynomial_basis`]).
///
/// The solver works on each peak's mean time and k_d ([`JointModel`]), with the mean held inside the window
/// (and after t0 + t1/2 + τ, where k' = 0): a peak cannot wander out of the data that determine it. The report
/// is mapped back to (k_a, k_d); standard errors and correlations follow by the delta method, which for
/// Jacobian-based covariances is exact (the same as fitting (k_a, k_d) directly).
pub fn fit_cluster(
    t_s: &[f64],
    y: &[f64],
    column: &Column,
    theta0: &[f64],
    fixed_areas: &[Option<f64>],
    baseline_degree: Option<usize>,
    options: &FitOptions,
) -> Result<FitReport, FitError> {
    let n_peaks = theta0.len() / 2;
    let run = [column.holdup_time_s(), column.injection_s(), column.inlet_tail_s()];
    let mut model = JointModel::new(*column, run, [false; 3], &[t_s], &vec![0; n_peaks], baseline_degree);
    let first_mean = run[0] + 0.5 * run[1] + run[2];
    let (a, b) = match (t_s.first(), t_s.last()) {
        (Some(&lo), Some(&hi)) => (lo.max(first_mean + 1e-9 * first_mean.abs().max(1.0)), hi),
        _ => (0.0, 0.0),
    };
    let mut start = Vec::with_capacity(theta0.len());
    let mut bounds = Vec::with_capacity(theta0.len());
    for pair in theta0.chunks(2) {
        let (ka, kd) = (pair[0], *pair.get(1).unwrap_or(&f64::NAN));
        let (mean, sigma) = theta_from(column, ka, kd);
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
    let mut fixed: Vec<Option<f64>> = fixed_areas.to_vec();
    fixed.resize(n_peaks, None);
    fixed.resize(model.n_basis(), None);
    let mut report = fit_separable(&mut model, y, &start, &bounds, &fixed, options, &mut NoObserver)?;
    to_kinetics(&mut report, column, n_peaks);
    Ok(report)
}

/// Maps a report on (mean, σ) pairs (the first 2·`n_peaks` values) to (k_a, k_d) on `column`: values, standard
/// errors and correlations (delta method: C' = G C Gᵀ with k_d = 2s/σ², k_a = k_d·s/(α t0), s = m − t0 − t1/2 − τ).
fn to_kinetics(report: &mut FitReport, column: &Column, n_peaks: usize) {
    let p = report.values.len();
    let se: Vec<f64> = report.standard_errors.iter().map(|s| s.unwrap_or(0.0)).collect();
    let cov = DMatrix::from_fn(p, p, |i, j| se[i] * se[j] * report.correlation_between(i, j));
    let mut g = DMatrix::<f64>::identity(p, p);
    let first_mean = column.holdup_time_s() + 0.5 * column.injection_s() + column.inlet_tail_s();
    for j in 0..n_peaks {
        let (m, sigma) = (report.values[2 * j], report.values[2 * j + 1]);
        let (ka, kd) = kinetics_from(column, m, sigma).unwrap_or((f64::NAN, f64::NAN));
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basis_derivatives_match_finite_differences() {
        let column = Column::paper_btex().with_inlet_tail_s(1.5).unwrap();
        let t: Vec<f64> = (0..400).map(|i| 200.0 + 0.25 * i as f64).collect();
        let mut m = ClusterModel::new(&t, column, 1, Some(0));
        let theta = [Peak::paper_btex()[1].ka_per_s, Peak::paper_btex()[1].kd_per_s];
        let mut d = DMatrix::zeros(t.len(), 2);
        assert!(m.basis_derivatives(&theta, &mut d));
        for k in 0..2 {
            let h = theta[k] * 1e-6;
            let (mut p, mut q) = (DMatrix::zeros(t.len(), 2), DMatrix::zeros(t.len(), 2));
            let mut th = theta;
            th[k] += h;
            assert!(m.basis(&th, &mut p));
            th[k] -= 2.0 * h;
            assert!(m.basis(&th, &mut q));
            let fd = (p.column(0) - q.column(0)) / (2.0 * h);
            let err = (fd - d.column(k)).abs().max();
            assert!(err < 1e-5 * d.column(k).abs().max(), "param {k}: {err}");
        }
    }
}
