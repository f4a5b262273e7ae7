//! The GC run fit: a whole run's peaks with the column model, t0, t1 and τ shared by the run.
//!
//! The stages, each in its own file, in the order a fit goes through them:
//! * [`seeds`]: where the peaks are (detected, or from a template's peaks) and [`naming`] from the file's table;
//!   [`matching`]: a template from another run matched to the detected peaks;
//! * [`clusters`]: each peak's window, overlapping windows merged into clusters, every cluster fitted alone
//!   (the warm-up, in parallel) with [`cluster_fit`];
//! * [`joint`]: one joint fit of every peak and the free run-level values, on the [`joint_model`];
//! * [`assemble`]: per-peak results, lab metrics and the whole-run goodness of fit;
//! * [`fit`]: [`fit_run`], which runs the stages;
//! * [`quality`]: each peak's flag and the run's problems;
//! * [`types`]: what the stages share (options, seeds, clusters, the context); [`results`]: what a fit returns.
//!
//! Imports point one way: `fit` → `joint`, `assemble`, `clusters` → `cluster_fit`, `joint_model` → `types`.

mod assemble;
pub mod cluster_fit;
mod clusters;
pub mod fit;
mod joint;
mod joint_model;
pub mod matching;
pub mod naming;
pub mod quality;
pub mod results;
pub mod seeds;
pub mod types;

pub use cluster_fit::{AreaMode, fit_cluster};
pub use fit::{MAX_ABS_SIGNAL, MIN_SIGNAL_RANGE, fit_run};
pub use matching::{TemplateMatch, match_template};
pub use quality::{POOR_FIT_R2, POOR_RUN_R2, Quality, run_problems};
pub use results::{PeakFit, RunFit, RunValue};
pub use seeds::{
    Detection, MAX_DETECTED_PEAKS, STRONG_CANDIDATE_FACTOR, detect_seeds, detect_seeds_cancellable, template_seeds,
};
pub use types::{BaselineChoice, PeakSeed, RunFitError, RunFitOptions};
