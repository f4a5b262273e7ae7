//! Baselines: constant, linear and low-degree polynomial terms (linear terms for variable projection) and one
//! adaptive method for drifting baselines, penalised least squares with asymmetric weights (Eilers & Boelens
//! 2005 "ALS", and the noise-aware reweighting arPLS of Baek et al. 2015), solved in O(n) per iteration with a
//! banded (pentadiagonal) Cholesky factorisation.

use nalgebra::DVector;

use super::lsq::{MAX_POLYNOMIAL_DEGREE, polynomial_basis, polynomial_scale};

/// What prevents a baseline estimate.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum BaselineError {
    /// Fewer points than the method needs.
    #[error("not enough points: {points} (need {needed})")]
    NotEnoughPoints { points: usize, needed: usize },
    /// Time and signal lengths differ.
    #[error("time has {time} values, signal {signal}")]
    LengthMismatch { time: usize, signal: usize },
    /// A NaN or infinite input.
    #[error("non-finite input: {0}")]
    NonFinite(&'static str),
    /// An option out of range.
    #[error("invalid option: {0}")]
    InvalidOption(&'static str),
}

/// A fitted polynomial baseline b(t) = Σ aₖ xᵏ, x = (t − centre_s)/half_span_s.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PolynomialBaseline {
    /// Centre of the scaled abscissa, seconds.
    pub centre_s: f64,
    /// Half-span of the scaled abscissa, seconds (> 0).
    pub half_span_s: f64,
    /// Coefficients a₀…a_d in signal units.
    pub coefficients: Vec<f64>,
}

impl PolynomialBaseline {
    /// The baseline at time `t_s` (seconds), signal units.
    pub fn value_at(&self, t_s: f64) -> f64 {
        let x = (t_s - self.centre_s) / self.half_span_s;
        self.coefficients.iter().rev().fold(0.0, |acc, a| acc * x + a)
    }

    /// The baseline on a grid.
    pub fn evaluate(&self, t_s: &[f64]) -> Vec<f64> {
        t_s.iter().map(|&t| self.value_at(t)).collect()
    }
}

fn check_inputs(t_s: &[f64], y: &[f64], needed: usize) -> Result<(), BaselineError> {
    if t_s.len() != y.len() {
        return Err(BaselineError::LengthMismatch { time: t_s.len(), signal: y.len() });
    }
    if y.len() < needed {
        return Err(BaselineError::NotEnoughPoints { points: y.len(), needed });
    }
    if t_s.iter().any(|v| !v.is_finite()) {
        return Err(BaselineError::NonFinite("time"));
    }
    if y.iter().any(|v| !v.is_finite()) {
        return Err(BaselineError::NonFinite("signal"));
    }
    Ok(())
}

/// Least-squares polynomial baseline of `degree` (0 constant, 1 linear, ≤ [`MAX_POLYNOMIAL_DEGREE`]) through
/// (t, y), optionally weighted (weights ≥ 0, e.g. 0 on peaks). Use it on peak-free stretches or with weights;
/// over peaks it is biased upwards (use [`penalized_baseline`] then).
pub fn fit_polynomial(
    t_s: &[f64],
    y: &[f64],
    degree: usize,
    weights: Option<&[f64]>,
) -> Result<PolynomialBaseline, BaselineError> {
    if degree > MAX_POLYNOMIAL_DEGREE {
        return Err(BaselineError::InvalidOption("polynomial degree above MAX_POLYNOMIAL_DEGREE"));
    }
    check_inputs(t_s, y, degree + 1)?;
    if let Some(w) = weights
        && (w.len() != y.len() || w.iter().any(|v| !v.is_finite() || *v < 0.0))
    {
        return Err(BaselineError::InvalidOption("weights must be finite, non-negative, one per point"));
    }
    let (centre_s, half_span_s) = polynomial_scale(t_s);
    let mut a = polynomial_basis(t_s, degree);
    let mut b = DVector::from_column_slice(y);
    if let Some(w) = weights {
        for i in 0..y.len() {
            let s = w[i].sqrt();
            a.row_mut(i).scale_mut(s);
            b[i] *= s;
        }
    }
    let svd = a.svd(true, true);
    let coef = svd.solve(&b, 1e-12).map_err(|_| BaselineError::InvalidOption("singular polynomial fit"))?;
    let coefficients: Vec<f64> = coef.iter().copied().collect();
    if coefficients.iter().any(|v| !v.is_finite()) {
        return Err(BaselineError::InvalidOption("singular polynomial fit"));
    }
    Ok(PolynomialBaseline { centre_s, half_span_s, coefficients })
}

/// How [`penalized_baseline`] reweights points after each smoothing pass.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Reweighting {
    /// Eilers–Boelens ALS: weight `p` above the baseline, 1 − p below (p ≈ 0.001–0.05). The baseline sits near
    /// the lower envelope of the noise (biased low by about one noise standard deviation).
    Asymmetric { p: f64 },
    /// arPLS (Baek et al. 2015): logistic weights from the mean and spread of the negative residuals, so the
    /// baseline runs through the middle of the noise. The default.
    Arpls,
}

/// Options for [`penalized_baseline`]. Defaults: `lambda` 1e6, [`Reweighting::Arpls`], `max_iterations` 50,
/// `tolerance` 1e-3.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PenalizedOptions {
    /// Smoothness penalty λ on the squared second differences, per grid point (dimensionless, > 0). The baseline
    /// follows features longer than about 2π·λ^{1/4} points: 1e6 → ~200 points. Scale as (points per peak)^4.
    pub lambda: f64,
    /// Reweighting rule.
    pub reweighting: Reweighting,
    /// Cap on reweighting passes (each O(n)).
    pub max_iterations: usize,
    /// Stop when the relative change of the weights falls below this.
    pub tolerance: f64,
}

impl Default for PenalizedOptions {
    fn default() -> Self {
        Self { lambda: 1e6, reweighting: Reweighting::Arpls, max_iterations: 50, tolerance: 1e-3 }
    }
}

impl PenalizedOptions {
    /// Sets λ.
    pub fn with_lambda(mut self, lambda: f64) -> Self {
        self.lambda = lambda;
        self
    }
    /// Sets the reweighting rule.
    pub fn with_reweighting(mut self, r: Reweighting) -> Self {
        self.reweighting = r;
        self
    }
    /// Sets the cap on passes (at least 1 is used).
    pub fn with_max_iterations(mut self, n: usize) -> Self {
        self.max_iterations = n.max(1);
        self
    }
}

/// Solves (W + λ DᵀD) z = W y for the second-difference operator D by banded Cholesky, O(n).
/// Returns `None` if the matrix is not positive definite (all weights zero).
fn whittaker_solve(y: &[f64], w: &[f64], lambda: f64, z: &mut [f64]) -> Option<()> {
    let n = y.len();
    // Bands of A = W + λ DᵀD: a0 (diagonal), a1 (i, i+1), a2 (i, i+2).
    let mut a0: Vec<f64> = w.to_vec();
    let mut a1 = vec![0.0; n];
    let mut a2 = vec![0.0; n];
    for i in 0..n.saturating_sub(2) {
        let c = [1.0, -2.0, 1.0];
        for r in 0..3 {
            a0[i + r] += lambda * c[r] * c[r];
        }
        a1[i] += lambda * c[0] * c[1];
        a1[i + 1] += lambda * c[1] * c[2];
        a2[i] += lambda * c[0] * c[2];
    }
    // A = L Lᵀ, L lower with bands l0 (diag), l1[i] = L[i][i−1], l2[i] = L[i][i−2].
    let mut l0 = vec![0.0; n];
    let mut l1 = vec![0.0; n];
    let mut l2 = vec![0.0; n];
    for i in 0..n {
        if i >= 2 {
            l2[i] = a2[i - 2] / l0[i - 2];
        }
        if i >= 1 {
            let prod = if i >= 2 { l2[i] * l1[i - 1] } else { 0.0 };
            l1[i] = (a1[i - 1] - prod) / l0[i - 1];
        }
        let d = a0[i] - l1[i] * l1[i] - l2[i] * l2[i];
        if d <= 0.0 || !d.is_finite() {
            return None;
        }
        l0[i] = d.sqrt();
    }
    for i in 0..n {
        let mut v = w[i] * y[i];
        if i >= 1 {
            v -= l1[i] * z[i - 1];
        }
        if i >= 2 {
            v -= l2[i] * z[i - 2];
        }
        z[i] = v / l0[i];
    }
    for i in (0..n).rev() {
        let mut v = z[i];
        if i + 1 < n {
            v -= l1[i + 1] * z[i + 1];
        }
        if i + 2 < n {
            v -= l2[i + 2] * z[i + 2];
        }
        z[i] = v / l0[i];
    }
    Some(())
}

/// Blocks the drift test cuts a run into.
const DRIFT_BLOCKS: usize = 40;

/// Whether the baseline under `y` drifts or humps enough to need an adaptive baseline. The run's lower envelope is
/// the 10th percentile of each of 40 blocks, which peaks narrower than a block do not reach; its spread (from its
/// 10th to its 80th percentile, so that the few blocks a cluster of peaks fills do not count) must be more than
/// 5 % of the tallest peak above it and more than 50 times the noise `noise_sd`. A constant baseline per window
/// cannot follow such a run: on a hump, the windows' constants absorb it and the peaks' areas go to zero. O(n),
/// so that every fit can ask.
pub fn drifts(y: &[f64], noise_sd: f64) -> bool {
    if y.len() < 4 * DRIFT_BLOCKS {
        return false;
    }
    let block = y.len() / DRIFT_BLOCKS;
    let percentile = |v: &mut Vec<f64>, q: f64| {
        let k = ((v.len() - 1) as f64 * q) as usize;
        *v.select_nth_unstable_by(k, f64::total_cmp).1
    };
    let mut envelope: Vec<f64> =
        y.chunks(block).filter(|c| c.len() * 2 >= block).map(|c| percentile(&mut c.to_vec(), 0.1)).collect();
    let (lo, hi) = (percentile(&mut envelope, 0.1), percentile(&mut envelope, 0.8));
    let tallest = y.iter().fold(f64::NEG_INFINITY, |m, &v| m.max(v)) - lo;
    let range = hi - lo;
    range > 0.05 * tallest && range > 50.0 * noise_sd
}

/// A drifting baseline under peaks by asymmetrically reweighted penalised least squares (ALS / arPLS).
/// Works on the sample index (uniform sampling assumed; mild non-uniformity is harmless). Needs ≥ 3 points.
/// Time O(n·iterations), memory O(n). Returns the baseline, one value per point.
pub fn penalized_baseline(y: &[f64], options: &PenalizedOptions) -> Result<Vec<f64>, BaselineError> {
    if y.len() < 3 {
        return Err(BaselineError::NotEnoughPoints { points: y.len(), needed: 3 });
    }
    if y.iter().any(|v| !v.is_finite()) {
        return Err(BaselineError::NonFinite("signal"));
    }
    if !(options.lambda.is_finite() && options.lambda > 0.0) {
        return Err(BaselineError::InvalidOption("lambda must be finite and positive"));
    }
    if let Reweighting::Asymmetric { p } = options.reweighting
        && !(p > 0.0 && p < 1.0)
    {
        return Err(BaselineError::InvalidOption("asymmetry p must be in (0, 1)"));
    }
    let n = y.len();
    let mut w = vec![1.0; n];
    let mut z = vec![0.0; n];
    for _ in 0..options.max_iterations.max(1) {
        whittaker_solve(y, &w, options.lambda, &mut z).ok_or(BaselineError::InvalidOption("singular system"))?;
        let new_w: Vec<f64> = match options.reweighting {
            Reweighting::Asymmetric { p } => y.iter().zip(&z).map(|(a, b)| if a > b { p } else { 1.0 - p }).collect(),
            Reweighting::Arpls => {
                let neg: Vec<f64> = y.iter().zip(&z).map(|(a, b)| a - b).filter(|d| *d < 0.0).collect();
                if neg.len() < 2 {
                    break;
                }
                let m = neg.iter().sum::<f64>() / neg.len() as f64;
                let s = (neg.iter().map(|d| (d - m).powi(2)).sum::<f64>() / (neg.len() - 1) as f64).sqrt();
                if s <= 0.0 {
                    break;
                }
                y.iter()
                    .zip(&z)
                    .map(|(a, b)| {
                        let e = (2.0 * ((a - b) - (2.0 * s - m)) / s).clamp(-700.0, 700.0);
                        1.0 / (1.0 + e.exp())
                    })
                    .collect()
            }
        };
        let dw: f64 = w.iter().zip(&new_w).map(|(a, b)| (a - b).powi(2)).sum::<f64>().sqrt();
        let nw: f64 = w.iter().map(|a| a * a).sum::<f64>().sqrt();
        w = new_w;
        if nw > 0.0 && dw / nw < options.tolerance {
            break;
        }
    }
    whittaker_solve(y, &w, options.lambda, &mut z).ok_or(BaselineError::InvalidOption("singular system"))?;
    Ok(z)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn polynomial_fit_recovers_exact_quadratic() {
        let t: Vec<f64> = (0..50).map(|i| 100.0 + i as f64 * 0.5).collect();
        let y: Vec<f64> = t.iter().map(|t| 2.0 - 0.01 * t + 3e-4 * t * t).collect();
        let b = fit_polynomial(&t, &y, 2, None).unwrap();
        for (ti, yi) in t.iter().zip(&y) {
            assert!((b.value_at(*ti) - yi).abs() < 1e-10);
        }
        let c = fit_polynomial(&t, &vec![4.0; t.len()], 0, None).unwrap();
        assert!((c.coefficients[0] - 4.0).abs() < 1e-12);
    }

    #[test]
    fn whittaker_with_tiny_lambda_reproduces_data_and_huge_lambda_gives_a_line() {
        let y: Vec<f64> = (0..40).map(|i| (i as f64 * 0.3).sin()).collect();
        let w = vec![1.0; y.len()];
        let mut z = vec![0.0; y.len()];
        whittaker_solve(&y, &w, 1e-9, &mut z).unwrap();
        assert!(y.iter().zip(&z).all(|(a, b)| (a - b).abs() < 1e-6));
        // A straight line is left unchanged by any λ (its second differences vanish).
        let line: Vec<f64> = (0..40).map(|i| 1.0 + 0.2 * i as f64).collect();
        whittaker_solve(&line, &w, 1e7, &mut z).unwrap();
        assert!(line.iter().zip(&z).all(|(a, b)| (a - b).abs() < 1e-6));
    }

    #[test]
    fn bad_inputs_are_errors() {
        assert!(penalized_baseline(&[1.0, 2.0], &PenalizedOptions::default()).is_err());
        assert!(penalized_baseline(&[1.0, f64::NAN, 2.0], &PenalizedOptions::default()).is_err());
        assert!(fit_polynomial(&[0.0, 1.0], &[1.0], 0, None).is_err());
    }
}
