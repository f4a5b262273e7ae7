//! The full PDE solver (placeholder until it lands).

use super::{Column, ModelError, Peak};

/// Grid options of the PDE solver.
#[derive(Debug, Clone, Default)]
pub struct PdeOptions {}

/// y(t) of one peak on `times_s`. Placeholder: zeros.
pub fn peak_signal(
    _column: &Column,
    _peak: &Peak,
    times_s: &[f64],
    _options: &PdeOptions,
) -> Result<Vec<f64>, ModelError> {
    Ok(vec![0.0; times_s.len()])
}
