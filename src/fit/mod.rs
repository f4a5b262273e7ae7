//! Fitting: the least-squares engine ([`lsq`], knowing nothing of chromatography), the GC run fit on top of it
//! ([`run`]), and the signal tools both use. No GUI dependency.
//!
//! Table of contents:
//! * [`lsq`]: bounded, cancellable Levenberg–Marquardt, variable projection, reports and observers.
//! * [`run`]: a whole run fitted with the column model (seeds, clusters, the joint fit of t0/t1/τ, results).
//! * [`noise`]: robust noise estimates (MAD of first differences, peak-to-peak).
//! * [`peaks`]: bounded-time peak finding by prominence.
//! * [`baseline`]: polynomial baselines and ALS/arPLS for drifting ones.
//! * [`metrics`]: lab report metrics (retention, area, widths, tailing, plates, resolution, S/N).
//! * [`contour`]: the joint confidence ellipse and the χ² contour of one peak's (k_a, k_d).
//! * [`evidence`]: whether the data support an extra peak (ΔBIC with an effective number of points).

// Numeric kernels index several arrays in lock-step; index loops read better than zipped iterators there.
#![allow(clippy::needless_range_loop)]

pub mod baseline;
pub mod contour;
pub mod evidence;
pub mod lsq;
pub mod metrics;
pub mod noise;
pub mod peaks;
pub mod run;

pub use lsq::{
    Bound, CancelToken, FitError, FitOptions, FitReport, NoObserver, Observer, Problem, Progress, Termination,
    levenberg_marquardt,
};
pub use run::{
    AreaMode, BaselineChoice, Detection, MAX_ABS_SIGNAL, MIN_SIGNAL_RANGE, PeakFit, PeakSeed, Quality, RunFit,
    RunFitError, RunFitOptions, RunValue, detect_seeds, detect_seeds_cancellable, fit_run, match_template,
    template_seeds,
};
