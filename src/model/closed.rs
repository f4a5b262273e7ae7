//! The closed-form outlet signal (placeholder until the engine lands).

use super::{Column, Peak};

/// y(t) of one peak on `times_s`. Placeholder: zeros.
pub fn peak_signal(_column: &Column, _peak: &Peak, times_s: &[f64]) -> Vec<f64> {
    vec![0.0; times_s.len()]
}
