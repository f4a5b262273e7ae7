//! Curve fitting on data: a [`Problem`] built from a model f(t; p) and measured (t, y), with residuals y − f.
//!
//! Use it for plain (non-separable) fits such as the NIST-style "all parameters nonlinear" case or a peak model
//! fitted with its area as an ordinary parameter; use [`varpro`](super::varpro) when the model is linear in
//! some coefficients.

use nalgebra::DMatrix;

use super::problem::{FitError, Problem};

/// A model curve f(t; p) on a time grid.
pub trait CurveModel {
    /// Number of parameters p.
    fn n_params(&self) -> usize;
    /// Writes f(tᵢ; p) into `value` and, when `jac` is given, ∂f(tᵢ)/∂pⱼ into `jac` (n × p). Return `false` if
    /// the model is undefined at `params`.
    fn eval(&mut self, t_s: &[f64], params: &[f64], value: &mut [f64], jac: Option<&mut DMatrix<f64>>) -> bool;
}

/// Data plus a [`CurveModel`]; residuals yᵢ − f(tᵢ; p), optionally multiplied by weights wᵢ (e.g. 1/σᵢ).
#[derive(Debug, Clone)]
pub struct CurveProblem<'a, M: CurveModel> {
    t_s: &'a [f64],
    y: &'a [f64],
    weights: Option<&'a [f64]>,
    model: M,
    scratch: Vec<f64>,
}

impl<'a, M: CurveModel> CurveProblem<'a, M> {
    /// Wraps data and a model. Errors: mismatched lengths, non-finite data, negative or non-finite weights.
    pub fn new(t_s: &'a [f64], y: &'a [f64], weights: Option<&'a [f64]>, model: M) -> Result<Self, FitError> {
        if t_s.len() != y.len() || weights.is_some_and(|w| w.len() != y.len()) {
            return Err(FitError::SizeMismatch { what: "time, data and weights must have one value per point".into() });
        }
        if t_s.iter().chain(y).any(|v| !v.is_finite()) {
            return Err(FitError::NonFiniteInput { what: "time or data".into() });
        }
        if weights.is_some_and(|w| w.iter().any(|v| !v.is_finite() || *v < 0.0)) {
            return Err(FitError::NonFiniteInput { what: "weights (must be finite and ≥ 0)".into() });
        }
        Ok(Self { t_s, y, weights, model, scratch: vec![0.0; y.len()] })
    }

    /// The wrapped model.
    pub fn model(&self) -> &M {
        &self.model
    }
}

impl<M: CurveModel> Problem for CurveProblem<'_, M> {
    fn n_residuals(&self) -> usize {
        self.y.len()
    }
    fn n_params(&self) -> usize {
        self.model.n_params()
    }
    fn residuals(&mut self, params: &[f64], out: &mut [f64]) -> bool {
        if !self.model.eval(self.t_s, params, out, None) {
            return false;
        }
        for i in 0..out.len() {
            let w = self.weights.map_or(1.0, |w| w[i]);
            out[i] = w * (self.y[i] - out[i]);
        }
        true
    }
    fn jacobian(&mut self, params: &[f64], jac: &mut DMatrix<f64>) -> bool {
        if !self.model.eval(self.t_s, params, &mut self.scratch, Some(jac)) {
            return false;
        }
        for j in 0..jac.ncols() {
            for i in 0..jac.nrows() {
                let w = self.weights.map_or(1.0, |w| w[i]);
                jac[(i, j)] *= -w;
            }
        }
        true
    }
    fn total_sum_of_squares(&self) -> Option<f64> {
        match self.weights {
            None => super::varpro::total_sum_of_squares(self.y),
            Some(w) => {
                let sw: f64 = w.iter().map(|v| v * v).sum();
                if sw <= 0.0 {
                    return None;
                }
                let m = self.y.iter().zip(w).map(|(y, w)| w * w * y).sum::<f64>() / sw;
                Some(self.y.iter().zip(w).map(|(y, w)| (w * (y - m)).powi(2)).sum())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fit::{Bound, FitOptions, NoObserver, levenberg_marquardt};

    /// f = a·exp(−k t).
    struct Decay;

    impl CurveModel for Decay {
        fn n_params(&self) -> usize {
            2
        }
        fn eval(&mut self, t: &[f64], p: &[f64], v: &mut [f64], jac: Option<&mut DMatrix<f64>>) -> bool {
            for (i, &ti) in t.iter().enumerate() {
                v[i] = p[0] * (-p[1] * ti).exp();
            }
            if let Some(j) = jac {
                for (i, &ti) in t.iter().enumerate() {
                    let e = (-p[1] * ti).exp();
                    j[(i, 0)] = e;
                    j[(i, 1)] = -p[0] * ti * e;
                }
            }
            true
        }
    }

    #[test]
    fn fits_an_exponential_decay_with_a_positive_rate() {
        let t: Vec<f64> = (0..40).map(|i| i as f64 * 0.25).collect();
        let y: Vec<f64> = t.iter().map(|t| 3.0 * (-0.7 * t).exp()).collect();
        let mut prob = CurveProblem::new(&t, &y, None, Decay).unwrap();
        let b = [Bound::Free, Bound::Positive];
        let rep = levenberg_marquardt(&mut prob, &[1.0, 5.0], &b, &FitOptions::default(), &mut NoObserver).unwrap();
        assert!(rep.termination.is_converged(), "{:?}", rep.termination);
        assert!((rep.values[0] - 3.0).abs() < 1e-8 && (rep.values[1] - 0.7).abs() < 1e-8, "{:?}", rep.values);
        assert!(CurveProblem::new(&t, &y[..3], None, Decay).is_err());
    }
}
