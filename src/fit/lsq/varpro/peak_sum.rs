//! [`PeakSum`]: n peaks of one unit-area [`PeakShape`] plus a polynomial baseline, as a [`SeparableModel`].

use nalgebra::DMatrix;

use super::SeparableModel;

/// A unit-area peak shape for [`PeakSum`]: q parameters of its own per peak, plus s parameters shared by every
/// peak of the sum (e.g. a run-level inlet time constant; default none).
pub trait PeakShape {
    /// Number q of nonlinear parameters per peak.
    fn n_params(&self) -> usize;
    /// Number s of nonlinear parameters shared by all peaks. Default 0.
    fn n_shared_params(&self) -> usize {
        0
    }
    /// Writes the shape (∫ φ dt = 1, so its coefficient is the peak area in signal·s) at times `t_s` into
    /// `value`, and ∂φ/∂θₖ into `grad` (column-major n × (q + s)). `theta` holds the peak's q parameters
    /// followed by the s shared ones. Return `false` if undefined at `theta`.
    fn eval(&mut self, t_s: &[f64], theta: &[f64], value: &mut [f64], grad: &mut [f64]) -> bool;
}

/// A Gaussian with unit area, θ = (centre_s, sigma_s): φ = exp(−(t−μ)²/2σ²)/(σ√(2π)). Undefined for σ ≤ 0.
#[derive(Debug, Clone, Copy, Default)]
pub struct GaussianShape;

impl PeakShape for GaussianShape {
    fn n_params(&self) -> usize {
        2
    }
    fn eval(&mut self, t_s: &[f64], theta: &[f64], value: &mut [f64], grad: &mut [f64]) -> bool {
        let (mu, sigma) = (theta[0], theta[1]);
        if sigma <= 0.0 || !sigma.is_finite() || !mu.is_finite() {
            return false;
        }
        let n = t_s.len();
        let norm = 1.0 / (sigma * (2.0 * std::f64::consts::PI).sqrt());
        for (i, &t) in t_s.iter().enumerate() {
            let z = (t - mu) / sigma;
            let f = norm * (-0.5 * z * z).exp();
            value[i] = f;
            grad[i] = f * z / sigma;
            grad[n + i] = f * (z * z - 1.0) / sigma;
        }
        true
    }
}

/// n peaks of one [`PeakShape`] plus a polynomial baseline, on a time grid.
///
/// Basis order: peak 0 … peak n−1 (coefficients = areas, signal·s), then baseline terms xᵏ for k = 0..=degree
/// with x = (t − t_c)/h, t_c the grid centre and h its half-span (see
/// [`polynomial_basis`](crate::fit::lsq::polynomial_basis)). θ order: peak 0's q parameters, peak 1's, …, then
/// the s shared parameters.
#[derive(Debug, Clone)]
pub struct PeakSum<S: PeakShape> {
    t_s: Vec<f64>,
    shape: S,
    n_peaks: usize,
    baseline: DMatrix<f64>,
    scratch_v: Vec<f64>,
    scratch_g: Vec<f64>,
    scratch_theta: Vec<f64>,
}

impl<S: PeakShape> PeakSum<S> {
    /// A model of `n_peaks` peaks on `t_s` with a baseline polynomial of `baseline_degree` (`None`: no baseline;
    /// `Some(0)`: constant, the paper's).
    pub fn new(t_s: &[f64], shape: S, n_peaks: usize, baseline_degree: Option<usize>) -> Self {
        let baseline = match baseline_degree {
            Some(d) => crate::fit::lsq::polynomial_basis(t_s, d),
            None => DMatrix::zeros(t_s.len(), 0),
        };
        let qs = shape.n_params() + shape.n_shared_params();
        Self {
            t_s: t_s.to_vec(),
            n_peaks,
            baseline,
            scratch_v: vec![0.0; t_s.len()],
            scratch_g: vec![0.0; t_s.len() * qs],
            scratch_theta: vec![0.0; qs],
            shape,
        }
    }

    /// The peak shape.
    pub fn shape(&self) -> &S {
        &self.shape
    }

    /// Evaluates peak j into the scratch buffers.
    fn eval_peak(&mut self, j: usize, theta: &[f64]) -> bool {
        let q = self.shape.n_params();
        let shared = &theta[self.n_peaks * q..];
        self.scratch_theta[..q].copy_from_slice(&theta[j * q..(j + 1) * q]);
        self.scratch_theta[q..].copy_from_slice(shared);
        self.shape.eval(&self.t_s, &self.scratch_theta, &mut self.scratch_v, &mut self.scratch_g)
    }
}

impl<S: PeakShape> SeparableModel for PeakSum<S> {
    fn n_points(&self) -> usize {
        self.t_s.len()
    }
    fn n_nonlinear(&self) -> usize {
        self.n_peaks * self.shape.n_params() + self.shape.n_shared_params()
    }
    fn n_basis(&self) -> usize {
        self.n_peaks + self.baseline.ncols()
    }
    fn derivative_structure(&self) -> Vec<(usize, usize)> {
        let q = self.shape.n_params();
        let s = self.shape.n_shared_params();
        let np = self.n_peaks;
        (0..np).flat_map(|j| (0..q).map(move |k| (j, j * q + k)).chain((0..s).map(move |k| (j, np * q + k)))).collect()
    }
    fn basis(&mut self, theta: &[f64], phi: &mut DMatrix<f64>) -> bool {
        for j in 0..self.n_peaks {
            if !self.eval_peak(j, theta) {
                return false;
            }
            phi.column_mut(j).copy_from_slice(&self.scratch_v);
        }
        for b in 0..self.baseline.ncols() {
            phi.column_mut(self.n_peaks + b).copy_from(&self.baseline.column(b));
        }
        true
    }
    fn basis_derivatives(&mut self, theta: &[f64], dphi: &mut DMatrix<f64>) -> bool {
        let qs = self.shape.n_params() + self.shape.n_shared_params();
        let n = self.t_s.len();
        for j in 0..self.n_peaks {
            if !self.eval_peak(j, theta) {
                return false;
            }
            // Structure order: peak j's q own parameters, then the s shared ones.
            for k in 0..qs {
                dphi.column_mut(j * qs + k).copy_from_slice(&self.scratch_g[k * n..(k + 1) * n]);
            }
        }
        true
    }
}
