//! Least-squares fitting of chromatographic peaks, independent of any particular peak model (no GUI dependency).
//!
//! Table of contents:
//! * [`problem`]: the [`Problem`] trait (residuals + Jacobian), parameter [`Bound`]s, [`FitError`].
//! * [`options`]: [`FitOptions`], a builder with documented defaults (caps, tolerances, cancel token).
//! * [`observer`]: [`Observer`] progress callback and [`CancelToken`] (an `Arc<AtomicBool>`).
//! * [`solver`]: [`levenberg_marquardt()`], the bounded, cancellable LM solver.
//! * [`report`]: [`FitReport`] (values, standard errors, correlations, SSE/RMSE/R², [`Termination`]).
//! * [`curve`]: [`CurveProblem`], a [`Problem`] from measured (t, y) and a [`CurveModel`] f(t; p).
//! * [`varpro`]: variable projection for y = Σ cⱼ φⱼ(t; θ) + baseline: fixed or non-negative areas, block structure.
//! * [`noise`]: robust noise estimates (MAD of first differences, peak-to-peak).
//! * [`peaks`]: bounded-time peak finding by prominence.
//! * [`baseline`]: constant/linear/polynomial baselines (VarPro terms) and ALS/arPLS for drifting baselines.
//! * [`metrics`]: lab report metrics (retention, area, widths, tailing, plates, resolution, S/N).
//! * [`column_fit`]: one cluster of peaks fitted with the column model (k_a, k_d per peak; areas projected).
//! * `joint`: the joint run model (all peaks' k_a, k_d and the shared t0/t1/τ in one separable model).
//! * [`run_fit`]: a whole run: windows, clusters in parallel, run-level t0/t1/τ by one joint fit.
//! * `run_joint`: a run fit's joint stage, every peak with the free t0/t1/τ.
//! * `run_assemble`: a run fit's last step, per-peak results and whole-run goodness of fit.
//! * [`results`]: [`RunFit`] and [`PeakFit`], what a run fit returns.
//! * [`naming`]: detected peaks named after the run file's own peak table.
//! * [`contour`]: the joint confidence ellipse and the χ² contour of one peak's (k_a, k_d).

// Numeric kernels index several arrays in lock-step; index loops read better than zipped iterators there.
#![allow(clippy::needless_range_loop)]

pub mod baseline;
pub mod column_fit;
pub mod contour;
pub mod curve;
mod joint;
pub mod metrics;
pub mod naming;
pub mod noise;
pub mod observer;
pub mod options;
pub mod peaks;
pub mod problem;
pub mod report;
pub mod results;
mod run_assemble;
pub mod run_fit;
mod run_joint;
pub mod solver;
pub mod varpro;

pub use column_fit::{AreaMode, fit_cluster};
pub use curve::{CurveModel, CurveProblem};
pub use observer::{CancelToken, NoObserver, Observer, Progress};
pub use options::FitOptions;
pub use problem::{Bound, FitError, Problem, finite_difference_jacobian};
pub use report::{FitReport, Termination, covariance_summary};
pub use results::{PeakFit, RunFit, RunValue};
pub use run_fit::{BaselineChoice, PeakSeed, RunFitError, RunFitOptions, detect_seeds, fit_run, template_seeds};
pub use solver::levenberg_marquardt;
pub use varpro::{GaussianShape, PeakShape, PeakSum, SeparableModel, fit_separable};
