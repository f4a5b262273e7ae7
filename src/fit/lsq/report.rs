//! The result of a fit: values, standard errors, correlations, goodness of fit and why the solver stopped.
//!
//! Uncertainties come from the Jacobian J = ∂r/∂p at the solution, scaled by the residual variance
//! s² = SSE/(n − p_free): Cov = s²·(JᵀJ)⁻¹, computed through an SVD of the column-normalised J so that a nearly
//! singular problem is detected instead of producing garbage. A parameter that the data cannot determine (it has
//! a component in the numerical null space of J) gets `None` as its standard error. No field is ever NaN.

use nalgebra::DMatrix;

use super::dense::Qr;
use super::observer::CancelToken;

/// Why the solver stopped. Stopping is not failure: every variant comes with the best parameters found so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Termination {
    /// The residuals are zero to rounding (an exact fit).
    ExactFit,
    /// The relative change of the cost fell below `ftol` (actual and predicted).
    ConvergedCost,
    /// The scaled parameter step fell below `xtol` relative to the parameters.
    ConvergedStep,
    /// The gradient is orthogonal to the residuals to within `gtol` (cosine test).
    ConvergedGradient,
    /// The iteration cap was reached.
    MaxIterations,
    /// The cap on residual evaluations was reached.
    MaxEvaluations,
    /// The wall-time cap was reached.
    TimeLimit,
    /// The cancel token was set or the observer asked to stop.
    Cancelled,
    /// No step could reduce the cost although no convergence test was met (damping grew without bound).
    NoProgress,
    /// The model's Jacobian was undefined or non-finite at the current point.
    UndefinedJacobian,
}

impl Termination {
    /// True for the variants that mean "a minimum was reached" (exact fit and the three convergence tests).
    pub fn is_converged(&self) -> bool {
        matches!(self, Self::ExactFit | Self::ConvergedCost | Self::ConvergedStep | Self::ConvergedGradient)
    }

    /// A short human description for reports and status lines.
    pub fn describe(&self) -> &'static str {
        match self {
            Self::ExactFit => "converged (exact fit)",
            Self::ConvergedCost => "converged (cost change below tolerance)",
            Self::ConvergedStep => "converged (parameter step below tolerance)",
            Self::ConvergedGradient => "converged (gradient below tolerance)",
            Self::MaxIterations => "stopped: iteration limit reached",
            Self::MaxEvaluations => "stopped: evaluation limit reached",
            Self::TimeLimit => "stopped: time limit reached",
            Self::Cancelled => "stopped: cancelled",
            Self::NoProgress => "stopped: no step reduces the cost",
            Self::UndefinedJacobian => "stopped: model derivative undefined",
        }
    }
}

/// The outcome of a fit. Parameter order is the problem's (for variable projection: nonlinear θ first, then
/// every linear coefficient, fixed ones included).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FitReport {
    /// Best parameter values found (finite).
    pub values: Vec<f64>,
    /// Which parameters were fitted (false: held fixed).
    pub free: Vec<bool>,
    /// Standard errors (same units as the values); `None` for fixed parameters, when n = p_free, or when the
    /// parameter is not determined by the data (singular Jacobian).
    pub standard_errors: Vec<Option<f64>>,
    /// Correlation matrix (row-major p × p, entries in [−1, 1]); 1 on the diagonal; 0 in rows and columns of
    /// parameters without a standard error.
    pub correlation: Vec<Vec<f64>>,
    /// Sum of squared residuals at the solution (signal²).
    pub sse: f64,
    /// Root mean squared residual √(SSE/n) (signal units).
    pub rmse: f64,
    /// Residual standard deviation s = √(SSE/(n − p_free)) (signal units); `None` when n = p_free.
    pub residual_sd: Option<f64>,
    /// Coefficient of determination 1 − SSE/SST, when the data's total sum of squares is known and non-zero.
    pub r_squared: Option<f64>,
    /// Number of data points n.
    pub n_points: usize,
    /// Number of fitted parameters p_free.
    pub n_free: usize,
    /// Per parameter: true when the value ended on a finite bound (within 1e-6 of its scale): the optimum may
    /// lie outside the allowed range, so its standard error understates the uncertainty.
    pub at_bound: Vec<bool>,
    /// Why the solver stopped.
    pub termination: Termination,
    /// Iterations performed (Jacobian evaluations inside the loop).
    pub iterations: usize,
    /// Residual evaluations.
    pub evaluations: usize,
    /// Wall time of the fit, seconds.
    pub elapsed_s: f64,
}

impl FitReport {
    /// Correlation between parameters `i` and `j` (0 if either has no standard error or is out of range).
    pub fn correlation_between(&self, i: usize, j: usize) -> f64 {
        self.correlation.get(i).and_then(|row| row.get(j)).copied().unwrap_or(0.0)
    }
}

/// Standard errors and correlations from a Jacobian (n × p, columns of fixed parameters ignored) and a residual
/// variance `s2`. Returns `(standard_errors, correlation)` as described on [`FitReport`].
pub fn covariance_summary(jac: &DMatrix<f64>, free: &[bool], s2: Option<f64>) -> (Vec<Option<f64>>, Vec<Vec<f64>>) {
    covariance_summary_until(jac, free, s2, None).expect("no cancel token")
}

/// Standard errors (per parameter) and the correlation matrix, as [`covariance_summary`] returns them.
pub(crate) type Covariance = (Vec<Option<f64>>, Vec<Vec<f64>>);

/// [`covariance_summary`], stopped between the columns of its QR once `cancel` is set (`None`).
pub(crate) fn covariance_summary_until(
    jac: &DMatrix<f64>,
    free: &[bool],
    s2: Option<f64>,
    cancel: Option<&CancelToken>,
) -> Option<Covariance> {
    let p = free.len();
    let mut se = vec![None; p];
    let mut corr = vec![vec![0.0; p]; p];
    for (i, row) in corr.iter_mut().enumerate() {
        row[i] = 1.0;
    }
    let Some(s2) = s2.filter(|v| v.is_finite() && *v >= 0.0) else {
        return Some((se, corr));
    };
    let idx: Vec<usize> = (0..p).filter(|&j| free[j] && j < jac.ncols()).collect();
    let k = idx.len();
    if k == 0 || jac.nrows() < k || jac.iter().any(|v| !v.is_finite()) {
        return Some((se, corr));
    }
    // Column-normalise so the singular-value threshold is scale free.
    let mut a = DMatrix::<f64>::zeros(jac.nrows(), k);
    let mut norms = vec![0.0; k];
    for (c, &j) in idx.iter().enumerate() {
        let col = jac.column(j);
        let nrm = col.norm();
        norms[c] = nrm;
        if nrm > 0.0 {
            a.column_mut(c).copy_from(&(col / nrm));
        }
    }
    // JᵀJ = RᵀR: the SVD of the small triangular factor gives the same S and V as that of the tall J.
    let svd = if a.nrows() > a.ncols() { Qr::new(a, cancel)?.r().svd(false, true) } else { a.svd(false, true) };
    let Some(vt) = svd.v_t else {
        return Some((se, corr));
    };
    let smax = svd.singular_values.iter().copied().fold(0.0, f64::max);
    let tol = smax * 1e-10 * (k as f64);
    let mut identifiable = vec![true; k];
    let mut cov_n = DMatrix::<f64>::zeros(k, k);
    for (m, &s) in svd.singular_values.iter().enumerate() {
        let v = vt.row(m);
        if s <= tol || s == 0.0 {
            for c in 0..k {
                if v[c].abs() > 1e-3 {
                    identifiable[c] = false;
                }
            }
            continue;
        }
        let w = 1.0 / (s * s);
        for r in 0..k {
            for c in 0..k {
                cov_n[(r, c)] += w * v[r] * v[c];
            }
        }
    }
    for c in 0..k {
        if norms[c] == 0.0 {
            identifiable[c] = false;
        }
    }
    for (r, &jr) in idx.iter().enumerate() {
        if !identifiable[r] {
            continue;
        }
        let var = s2 * cov_n[(r, r)] / (norms[r] * norms[r]);
        if var.is_finite() && var >= 0.0 {
            se[jr] = Some(var.sqrt());
        }
    }
    for (r, &jr) in idx.iter().enumerate() {
        for (c, &jc) in idx.iter().enumerate() {
            if r != c && se[jr].is_some() && se[jc].is_some() {
                let d = (cov_n[(r, r)] * cov_n[(c, c)]).sqrt();
                let v = if d > 0.0 { cov_n[(r, c)] / d } else { 0.0 };
                corr[jr][jc] = if v.is_finite() { v.clamp(-1.0, 1.0) } else { 0.0 };
            }
        }
    }
    Some((se, corr))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn straight_line_standard_errors_match_textbook_formulas() {
        // y = a + b x: Var(b) = s²/Sxx, Var(a) = s²(1/n + x̄²/Sxx), Cov(a,b) = −x̄ s²/Sxx.
        let x: Vec<f64> = (0..10).map(|i| i as f64 * 0.7 + 1.0).collect();
        let n = x.len() as f64;
        let jac = DMatrix::from_fn(x.len(), 2, |i, j| if j == 0 { 1.0 } else { x[i] });
        let s2 = 0.3;
        let (se, corr) = covariance_summary(&jac, &[true, true], Some(s2));
        let xbar = x.iter().sum::<f64>() / n;
        let sxx: f64 = x.iter().map(|v| (v - xbar).powi(2)).sum();
        let var_b = s2 / sxx;
        let var_a = s2 * (1.0 / n + xbar * xbar / sxx);
        let cov_ab = -xbar * s2 / sxx;
        assert!((se[1].unwrap() - var_b.sqrt()).abs() < 1e-12);
        assert!((se[0].unwrap() - var_a.sqrt()).abs() < 1e-12);
        assert!((corr[0][1] - cov_ab / (var_a * var_b).sqrt()).abs() < 1e-12);
    }

    #[test]
    fn unidentifiable_parameters_get_no_error() {
        // Columns 0 and 1 identical: neither is determined; column 2 is.
        let jac = DMatrix::from_fn(6, 3, |i, j| if j < 2 { 1.0 } else { i as f64 });
        let (se, corr) = covariance_summary(&jac, &[true, true, true], Some(1.0));
        assert!(se[0].is_none() && se[1].is_none());
        assert!(corr.iter().flatten().all(|v| v.is_finite()));
        let (se2, _) = covariance_summary(&jac, &[true, false, true], Some(1.0));
        assert!(se2[0].is_some() && se2[1].is_none() && se2[2].is_some());
    }
}
