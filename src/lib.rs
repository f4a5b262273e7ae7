//! Elute fits gas-chromatography peaks with a physical column model.
//!
//! Architecture, imports pointing down only:
//! [`chromatogram`] (plain data) → [`model`] (the physics) → [`fit`] / [`io`] / [`session`] → `app` / [`cli`].
//! Only `app` (feature `gui`) knows egui; `cargo build --no-default-features` builds everything else.

pub mod chromatogram;
pub mod cli;
pub mod fit;
pub mod io;
pub mod model;
pub mod session;

#[cfg(feature = "gui")]
pub mod app;
