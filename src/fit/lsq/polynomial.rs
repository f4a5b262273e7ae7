//! Polynomial terms on a scaled abscissa, as linear terms of variable projection: the window baselines of the
//! run fit and any model that adds a low-degree polynomial.

use nalgebra::DMatrix;

/// Highest polynomial degree accepted for a baseline (higher degrees chase the peaks).
pub const MAX_POLYNOMIAL_DEGREE: usize = 5;

/// The scaled abscissa x = (t − t_c)/h used by polynomial baselines, t_c the grid centre and h its half-span
/// (h = 1 for a single point or a zero span), so polynomial columns stay well conditioned.
pub fn polynomial_scale(t_s: &[f64]) -> (f64, f64) {
    let (lo, hi) = t_s.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &t| (a.min(t), b.max(t)));
    if !lo.is_finite() || !hi.is_finite() {
        return (0.0, 1.0);
    }
    let h = 0.5 * (hi - lo);
    (0.5 * (lo + hi), if h > 0.0 { h } else { 1.0 })
}

/// The n × (degree+1) matrix of baseline terms xᵏ, x = (t − t_c)/h (see [`polynomial_scale`]). Degree is capped
/// at [`MAX_POLYNOMIAL_DEGREE`]. Degree 0 is the constant baseline, 1 the linear one.
pub fn polynomial_basis(t_s: &[f64], degree: usize) -> DMatrix<f64> {
    let d = degree.min(MAX_POLYNOMIAL_DEGREE);
    let (c, h) = polynomial_scale(t_s);
    DMatrix::from_fn(t_s.len(), d + 1, |i, k| ((t_s[i] - c) / h).powi(k as i32))
}
