//! Solver options: a builder with documented defaults (architecture habit 9).

use std::time::Duration;

use super::observer::CancelToken;

/// Options for the Levenberg–Marquardt solver and everything built on it.
///
/// Defaults: `max_iterations` 200, `max_evaluations` 4000, `max_time` 30 s, `ftol` 1e-10, `xtol` 1e-10,
/// `gtol` 1e-10, `initial_damping` 1e-3, no cancel token, statistics computed.
#[derive(Debug, Clone)]
pub struct FitOptions {
    /// Cap on LM iterations (one Jacobian each). Default 200.
    pub max_iterations: usize,
    /// Cap on residual evaluations (trial steps included). Default 4000.
    pub max_evaluations: usize,
    /// Wall-time cap; `None` for none. Default 30 s.
    pub max_time: Option<Duration>,
    /// Relative cost-change tolerance (actual and predicted reduction). Default 1e-10.
    pub ftol: f64,
    /// Relative scaled-step tolerance. Default 1e-10.
    pub xtol: f64,
    /// Gradient cosine tolerance (max over parameters of |Jⱼᵀr| / (‖Jⱼ‖‖r‖)). Default 1e-10.
    pub gtol: f64,
    /// Initial damping λ₀ relative to the largest squared singular value of the scaled Jacobian. Default 1e-3.
    pub initial_damping: f64,
    /// Cancellation flag polled before every evaluation. Default none.
    pub cancel: Option<CancelToken>,
    /// Compute the report's standard errors and correlations (a factorisation of the full Jacobian at the
    /// solution). Default true; false leaves them `None`, for intermediate fits whose report is not shown.
    pub statistics: bool,
}

impl Default for FitOptions {
    fn default() -> Self {
        Self {
            max_iterations: 200,
            max_evaluations: 4000,
            max_time: Some(Duration::from_secs(30)),
            ftol: 1e-10,
            xtol: 1e-10,
            gtol: 1e-10,
            initial_damping: 1e-3,
            cancel: None,
            statistics: true,
        }
    }
}

impl FitOptions {
    /// Without standard errors and correlations (see [`statistics`](Self::statistics)).
    pub fn without_statistics(mut self) -> Self {
        self.statistics = false;
        self
    }
    /// Sets the iteration cap (at least 1 is used).
    pub fn with_max_iterations(mut self, n: usize) -> Self {
        self.max_iterations = n.max(1);
        self
    }
    /// Sets the cap on residual evaluations (at least 2 is used).
    pub fn with_max_evaluations(mut self, n: usize) -> Self {
        self.max_evaluations = n.max(2);
        self
    }
    /// Sets (or with `None` removes) the wall-time cap.
    pub fn with_max_time(mut self, t: Option<Duration>) -> Self {
        self.max_time = t;
        self
    }
    /// Sets all three convergence tolerances (ftol, xtol, gtol) to `tol` (non-negative; NaN is treated as 0).
    pub fn with_tolerance(mut self, tol: f64) -> Self {
        let t = if tol.is_nan() { 0.0 } else { tol.max(0.0) };
        self.ftol = t;
        self.xtol = t;
        self.gtol = t;
        self
    }
    /// Sets the relative cost-change tolerance.
    pub fn with_ftol(mut self, tol: f64) -> Self {
        self.ftol = tol.max(0.0);
        self
    }
    /// Sets the relative step tolerance.
    pub fn with_xtol(mut self, tol: f64) -> Self {
        self.xtol = tol.max(0.0);
        self
    }
    /// Sets the gradient cosine tolerance.
    pub fn with_gtol(mut self, tol: f64) -> Self {
        self.gtol = tol.max(0.0);
        self
    }
    /// Sets the initial relative damping (clamped to [1e-12, 1e6]).
    pub fn with_initial_damping(mut self, d: f64) -> Self {
        self.initial_damping = if d.is_finite() { d.clamp(1e-12, 1e6) } else { 1e-3 };
        self
    }
    /// Attaches a cancel token.
    pub fn with_cancel(mut self, token: CancelToken) -> Self {
        self.cancel = Some(token);
        self
    }
    /// True once the cancel token (if any) is set.
    pub fn is_cancelled(&self) -> bool {
        self.cancel.as_ref().is_some_and(CancelToken::is_cancelled)
    }
}
