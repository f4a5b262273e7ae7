//! Elute fits gas-chromatography peaks with a physical column model.
//!
//! Architecture, imports pointing down only:
//! [`chromatogram`] (plain data) → [`model`] (the physics) → [`fit`] / [`io`] / [`session`] → `app` / [`cli`].
//! Only `app` (feature `gui`) knows egui; `cargo build --no-default-features` builds everything else.

// Elute's own code has no unsafe; only the fuzzing harness's counting allocator (an example) needs it.
#![forbid(unsafe_code)]

pub mod chromatogram;
pub mod cli;
pub mod fit;
pub mod io;
pub mod model;
pub mod session;

#[cfg(feature = "gui")]
pub mod app;
