//! Least-squares fitting of chromatographic peaks, independent of any particular peak model (no GUI dependency).
//!
//! Table of contents:
//! * [`problem`]: the [`Problem`] trait (residuals + Jacobian), parameter [`Bound`]s, [`FitError`].
//! * [`options`]: [`FitOptions`], a builder with documented defaults (caps, tolerances, cancel token).
//! * [`observer`]: [`Observer`] progress callback and [`CancelToken`] (an `Arc<AtomicBool>`).
//! * [`solver`]: [`levenberg_marquardt`], the bounded, cancellable LM solver.
//! * [`report`]: [`FitReport`] (values, standard errors, correlations, SSE/RMSE/R², [`Termination`]).
//! * [`varpro`]: variable projection for y = Σ cⱼ φⱼ(t; θ) + baseline, with fixed-area support.
//! * [`noise`]: robust noise estimates (MAD of first differences, peak-to-peak).
//! * [`peaks`]: bounded-time peak finding by prominence.
//! * [`baseline`]: constant/linear/polynomial baselines and asymmetric least squares for drift.
//! * [`metrics`]: lab report metrics (retention, area, widths, tailing, plates, resolution, S/N).

// Numeric kernels index several arrays in lock-step; index loops read better than zipped iterators there.
#![allow(clippy::needless_range_loop)]

pub mod baseline;
pub mod metrics;
pub mod noise;
pub mod observer;
pub mod options;
pub mod peaks;
pub mod problem;
pub mod report;
pub mod solver;
pub mod varpro;

pub use observer::{CancelToken, NoObserver, Observer, Progress};
pub use options::FitOptions;
pub use problem::{Bound, FitError, Problem, finite_difference_jacobian};
pub use report::{FitReport, Termination, covariance_summary};
pub use solver::levenberg_marquardt;
