//! Elute's integration tests, in one binary (one link of the whole stack instead of one per file: link time and
//! disk). Each module is one concern; data and references live in `tests/data` and `tests/reference`.

mod app_cancel;
mod app_drag;
mod app_fit_controls;
mod app_frame_time;
mod app_readable;
mod app_reliable;
mod app_table;
mod app_teaching;
mod app_workflows;
mod cli_fit;
mod cli_info;
mod cli_simulate;
mod cli_teaching;
mod crash_saves;
mod fit_added;
mod fit_cancel;
mod fit_generic;
mod fit_model;
mod fit_nist;
mod fit_peaks_corpus;
mod fit_template;
#[path = "../../examples/fuzz/mutate.rs"]
mod fuzz_mutate;
mod fuzz_short;
#[path = "../../examples/fuzz/targets.rs"]
mod fuzz_targets;
mod model_domain;
mod model_pde;
mod model_quadrature;
mod model_reference;
mod readers_agilent;
mod readers_binary;
mod readers_ole;
mod readers_sri;
mod readers_text;
mod robust_bounded;
mod robust_inputs;
mod robust_outside;
mod sample_runs;
mod van_deemter;
