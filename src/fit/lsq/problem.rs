//! The least-squares problem the solver minimises, parameter bounds, and the errors that prevent fitting.
//!
//! A [`Problem`] maps a parameter vector p (length [`Problem::n_params`]) to a residual vector r(p) (length
//! [`Problem::n_residuals`]) and its Jacobian ∂r/∂p. The solver minimises the cost ½·Σ r². Residuals are usually
//! `data − model` (the sign does not matter to the fit or the report).

use nalgebra::DMatrix;

/// A nonlinear least-squares problem. Methods take `&mut self` so implementations can cache work shared between
/// the residuals and the Jacobian at the same point (variable projection does).
pub trait Problem {
    /// Number of residuals n (data points). Constant for the problem's lifetime.
    fn n_residuals(&self) -> usize;
    /// Number of parameters p, fixed ones included. Constant for the problem's lifetime.
    fn n_params(&self) -> usize;
    /// Writes r(p) into `out` (length n). Return `false` if the model is undefined at `params`; the solver then
    /// treats the point as infinitely bad (it never lets a non-finite value into a result).
    fn residuals(&mut self, params: &[f64], out: &mut [f64]) -> bool;
    /// Writes the Jacobian ∂r_i/∂p_j into `jac` (n × p, already sized). Return `false` if undefined.
    /// Columns of fixed parameters are ignored. [`finite_difference_jacobian`] is a fallback.
    fn jacobian(&mut self, params: &[f64], jac: &mut DMatrix<f64>) -> bool;
    /// Total sum of squares of the data about its mean, Σ(yᵢ − ȳ)², for R² in the report. Default `None`.
    fn total_sum_of_squares(&self) -> Option<f64> {
        None
    }
    /// The Jacobian's sparsity, if known: disjoint row ranges that together cover every residual, each with the
    /// parameters whose columns may be nonzero on those rows (all others are zero there). The solver then
    /// factors the Jacobian block by block. Default `None` (dense). Constant for the problem's lifetime.
    fn jacobian_blocks(&self) -> Option<Vec<(std::ops::Range<usize>, Vec<usize>)>> {
        None
    }
}

/// A central-difference Jacobian of `problem` at `params` (2p residual evaluations), for problems without an
/// analytic one and for checking analytic Jacobians in tests. Step per parameter: h = 1e-6·`rel_step`·max(|p|,
/// 1e-3) (pass `rel_step` = 1.0 for the default). Returns `false` if any evaluation fails.
pub fn finite_difference_jacobian<P: Problem + ?Sized>(
    problem: &mut P,
    params: &[f64],
    rel_step: f64,
    jac: &mut DMatrix<f64>,
) -> bool {
    let n = problem.n_residuals();
    let mut p = params.to_vec();
    let mut plus = vec![0.0; n];
    let mut minus = vec![0.0; n];
    for j in 0..params.len() {
        let h = 1e-6 * rel_step * params[j].abs().max(1e-3);
        p[j] = params[j] + h;
        let ok_p = problem.residuals(&p, &mut plus);
        p[j] = params[j] - h;
        let ok_m = problem.residuals(&p, &mut minus);
        p[j] = params[j];
        if !(ok_p && ok_m) {
            return false;
        }
        for i in 0..n {
            jac[(i, j)] = (plus[i] - minus[i]) / (2.0 * h);
        }
    }
    true
}

/// The admissible range of one parameter. The solver enforces it by a smooth change of variable
/// (p = lo + e^u for a lower bound, a logistic map for an interval), so the fit never leaves the range (a
/// parameter pressed against a bound may end on it, to rounding) and the
/// reported standard errors are those of p itself (computed from ∂r/∂p at the solution).
#[derive(Debug, Clone, Copy, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub enum Bound {
    /// Any real value (the default).
    #[default]
    Free,
    /// Held at its initial value; not fitted, standard error `None`.
    Fixed,
    /// Strictly positive (fitted as log p): rate constants, widths, areas.
    Positive,
    /// Strictly greater than the value.
    Lower(f64),
    /// Strictly less than the value.
    Upper(f64),
    /// Strictly between `lo` and `hi` (`lo < hi`).
    Interval(f64, f64),
}

impl Bound {
    /// True for every variant but [`Bound::Fixed`].
    pub fn is_free(&self) -> bool {
        !matches!(self, Bound::Fixed)
    }

    /// Maps an external value p to the internal variable u. Values on or outside the bound are first moved
    /// just inside (by 1e-9 of the scale), so a start on a bound is accepted.
    pub(crate) fn to_internal(self, p: f64) -> f64 {
        match self {
            Bound::Free | Bound::Fixed => p,
            Bound::Positive => p.max(f64::MIN_POSITIVE * 1e10).ln(),
            Bound::Lower(lo) => (p - lo).max(1e-9 * lo.abs().max(1e-12)).ln(),
            Bound::Upper(hi) => (hi - p).max(1e-9 * hi.abs().max(1e-12)).ln(),
            Bound::Interval(lo, hi) => {
                let w = hi - lo;
                let s = ((p - lo) / w).clamp(1e-9, 1.0 - 1e-9);
                (s / (1.0 - s)).ln()
            }
        }
    }

    /// Maps an internal u back to p, and returns dp/du.
    pub(crate) fn to_external(self, u: f64) -> (f64, f64) {
        match self {
            Bound::Free | Bound::Fixed => (u, 1.0),
            Bound::Positive => {
                let e = u.exp();
                (e, e)
            }
            Bound::Lower(lo) => {
                let e = u.exp();
                (lo + e, e)
            }
            Bound::Upper(hi) => {
                let e = u.exp();
                (hi - e, -e)
            }
            Bound::Interval(lo, hi) => {
                let w = hi - lo;
                let s = 1.0 / (1.0 + (-u).exp());
                (lo + w * s, w * s * (1.0 - s))
            }
        }
    }

    /// True when `p` lies on a finite bound, within 1e-6 of the interval width (or of max(|bound|, 1) for a
    /// one-sided bound). [`Bound::Positive`] counts as a bound at 0 only below 1e-12.
    pub fn is_at_bound(&self, p: f64) -> bool {
        let near = |b: f64, scale: f64| (p - b).abs() <= 1e-6 * scale;
        match *self {
            Bound::Free | Bound::Fixed => false,
            Bound::Positive => p <= 1e-12,
            Bound::Lower(v) | Bound::Upper(v) => near(v, v.abs().max(1.0)),
            Bound::Interval(lo, hi) => near(lo, hi - lo) || near(hi, hi - lo),
        }
    }

    /// Checks the bound's own values (finite, `lo < hi`).
    pub(crate) fn is_valid(&self) -> bool {
        match self {
            Bound::Free | Bound::Fixed | Bound::Positive => true,
            Bound::Lower(v) | Bound::Upper(v) => v.is_finite(),
            Bound::Interval(lo, hi) => lo.is_finite() && hi.is_finite() && lo < hi,
        }
    }
}

/// What prevents a fit from starting. A fit that starts always returns a [`FitReport`](crate::fit::FitReport)
/// whose [`Termination`](crate::fit::Termination) says how it stopped.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FitError {
    /// No data points, or fewer points than free parameters.
    #[error("not enough data: {points} points for {free} free parameters")]
    NotEnoughData { points: usize, free: usize },
    /// Every parameter is fixed.
    #[error("nothing to fit: every parameter is fixed")]
    NothingFree,
    /// An input (data, time, initial parameter, bound) is NaN or infinite.
    #[error("non-finite input: {what}")]
    NonFiniteInput { what: String },
    /// Array lengths disagree.
    #[error("size mismatch: {what}")]
    SizeMismatch { what: String },
    /// The model cannot be evaluated at the initial parameters (undefined or non-finite).
    #[error("the model is undefined at the initial parameters")]
    UndefinedAtStart,
    /// The options' cancel token was set before the fit had a result to report.
    #[error("cancelled")]
    Cancelled,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bound_transforms_round_trip_and_have_correct_derivative() {
        let cases = [
            (Bound::Free, -3.5),
            (Bound::Positive, 0.02),
            (Bound::Lower(2.0), 5.0),
            (Bound::Upper(-1.0), -4.0),
            (Bound::Interval(1.0, 3.0), 2.5),
        ];
        for (b, p) in cases {
            let u = b.to_internal(p);
            let (back, d) = b.to_external(u);
            assert!((back - p).abs() < 1e-12 * p.abs().max(1.0), "{b:?}");
            let h = 1e-6;
            let fd = (b.to_external(u + h).0 - b.to_external(u - h).0) / (2.0 * h);
            assert!((fd - d).abs() < 1e-6 * d.abs().max(1e-6), "{b:?}: {fd} vs {d}");
        }
    }

    #[test]
    fn start_on_a_bound_is_moved_inside() {
        let b = Bound::Interval(0.0, 1.0);
        let (p, _) = b.to_external(b.to_internal(1.0));
        assert!(p < 1.0 && p > 0.999);
        let (q, _) = Bound::Positive.to_external(Bound::Positive.to_internal(0.0));
        assert!(q > 0.0 && q.is_finite());
    }
}
