//! The baseline under the peaks: a polynomial in time (constant, linear or of higher degree), in signal units.
//! Plain data with serde, as stored in the session file.

use serde::{Deserialize, Serialize};

/// A baseline under the peaks, in signal units, as a function of time in seconds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Baseline {
    /// Which family the coefficients belong to.
    pub kind: BaselineKind,
    /// Coefficients, lowest order first: b(t) = Σ_k c_k·t_s^k. Constant: 1, linear: 2, polynomial: any count.
    pub coefficients: Vec<f64>,
}

/// The baseline families a session can store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BaselineKind {
    /// b(t) = c0 (the paper's).
    Constant,
    /// b(t) = c0 + c1·t.
    Linear,
    /// b(t) = Σ c_k t^k.
    Polynomial,
}

impl Baseline {
    /// A constant baseline.
    pub fn constant(value: f64) -> Baseline {
        Baseline { kind: BaselineKind::Constant, coefficients: vec![value] }
    }

    /// Checks the coefficient count against the kind and that every coefficient is finite and at most 1e150 in
    /// magnitude (past any detector; larger ones overflow the simulated sum).
    pub fn validate(&self) -> Result<(), String> {
        let n = self.coefficients.len();
        let ok = match self.kind {
            BaselineKind::Constant => n == 1,
            BaselineKind::Linear => n == 2,
            BaselineKind::Polynomial => (1..=8).contains(&n),
        };
        if !ok {
            return Err(format!("baseline: {n} coefficients do not fit kind {:?}", self.kind));
        }
        if self.coefficients.iter().any(|c| !(c.is_finite() && c.abs() <= 1e150)) {
            return Err("baseline: coefficients must be finite, at most 1e150 in magnitude".into());
        }
        Ok(())
    }

    /// The baseline value at `time_s` (Horner).
    pub fn value_at(&self, time_s: f64) -> f64 {
        self.coefficients.iter().rev().fold(0.0, |acc, c| acc * time_s + c)
    }
}
