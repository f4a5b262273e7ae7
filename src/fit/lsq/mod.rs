//! The least-squares engine: bounded, cancellable Levenberg–Marquardt and variable projection, knowing nothing of
//! chromatography (as the levenberg-marquardt crate or argmin would be).
//!
//! Table of contents:
//! * [`problem`]: the [`Problem`] trait (residuals + Jacobian, optionally block-sparse), parameter [`Bound`]s,
//!   [`FitError`].
//! * [`options`]: [`FitOptions`], a builder with documented defaults (caps, tolerances, cancel token).
//! * [`observer`]: [`Observer`] progress callback and [`CancelToken`] (an `Arc<AtomicBool>`).
//! * [`solver`]: [`levenberg_marquardt()`], the bounded, cancellable LM solver.
//! * [`dense`]: Householder QR and the thin SVD of tall matrices, stopped by a cancel token between columns.
//! * [`report`]: [`FitReport`] (values, standard errors, correlations, SSE/RMSE/R², [`Termination`]).
//! * [`curve`]: [`CurveProblem`], a [`Problem`] from measured (t, y) and a [`CurveModel`] f(t; p).
//! * [`varpro`]: variable projection for y = Σ cⱼ φⱼ(t; θ) + polynomial: fixed or non-negative coefficients,
//!   block structure.
//! * [`polynomial`]: polynomial terms on a scaled abscissa.

pub mod curve;
pub(crate) mod dense;
pub mod observer;
pub mod options;
pub mod polynomial;
pub mod problem;
pub mod report;
pub mod solver;
pub mod varpro;

pub use curve::{CurveModel, CurveProblem};
pub use observer::{CancelToken, NoObserver, Observer, Progress};
pub use options::FitOptions;
pub use polynomial::{MAX_POLYNOMIAL_DEGREE, polynomial_basis, polynomial_scale};
pub use problem::{Bound, FitError, Problem, finite_difference_jacobian};
pub use report::{FitReport, Termination, covariance_summary};
pub use solver::levenberg_marquardt;
pub use varpro::{GaussianShape, PeakShape, PeakSum, SeparableModel, fit_separable};
