//! One analyte's peak: its adsorption/desorption rates and its area.

use serde::{Deserialize, Serialize};

use super::ModelError;

/// One analyte: linear adsorption kinetics (k_a, k_d) and the peak area that sets its amplitude.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Peak {
    /// Analyte name, shown in tables and used as a CSV column header.
    pub name: String,
    /// Adsorption rate k_a in 1/s (≥ 0; 0 means the analyte never adsorbs).
    pub ka_per_s: f64,
    /// Desorption rate k_d in 1/s (> 0).
    pub kd_per_s: f64,
    /// Peak area A in signal units × seconds: ∫ y dt = A exactly. May be negative (TCD peaks can be).
    pub area: f64,
}

/// The largest |area| a peak may have: far past any detector, and small enough that curves and their sums stay
/// finite (a session with an area of 1e300 on a baseline of 1e308 simulated to infinity).
pub const MAX_ABS_AREA: f64 = 1e150;

impl Peak {
    /// A new peak; not validated (see [`Peak::validate`]).
    pub fn new(name: impl Into<String>, ka_per_s: f64, kd_per_s: f64, area: f64) -> Peak {
        Peak { name: name.into(), ka_per_s, kd_per_s, area }
    }

    /// Checks that every number is finite, k_a ≥ 0, k_d > 0 and |area| ≤ [`MAX_ABS_AREA`].
    pub fn validate(&self) -> Result<(), ModelError> {
        if !(self.ka_per_s.is_finite() && self.ka_per_s >= 0.0) {
            return Err(ModelError::InvalidField {
                field: "ka_per_s",
                value: self.ka_per_s,
                reason: "must be a finite number, 0 or more",
            });
        }
        if !(self.kd_per_s.is_finite() && self.kd_per_s > 0.0) {
            return Err(ModelError::InvalidField {
                field: "kd_per_s",
                value: self.kd_per_s,
                reason: "must be a finite number greater than 0",
            });
        }
        if !(self.area.is_finite() && self.area.abs() <= MAX_ABS_AREA) {
            return Err(ModelError::InvalidField {
                field: "area",
                value: self.area,
                reason: "must be finite, at most 1e150 in magnitude",
            });
        }
        Ok(())
    }

    /// Partition constant K = k_a/k_d (dimensionless).
    pub fn partition_constant(&self) -> f64 {
        self.ka_per_s / self.kd_per_s
    }

    /// The paper's five BTEX analytes (Table 3) with the calibration areas of §5 (a.u.·s at 20 ppb).
    pub fn paper_btex() -> Vec<Peak> {
        vec![
            Peak::new("benzene", 579.0, 5.299, 57.97 * 20.0),
            Peak::new("toluene", 2953.0, 11.502, 46.36 * 20.0),
            Peak::new("ethylbenzene", 9203.0, 16.940, 28.10 * 20.0),
            Peak::new("p/m-xylene", 6483.0, 11.057, 35.28 * 40.0),
            Peak::new("o-xylene", 10168.0, 14.291, 25.82 * 20.0),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_names_the_field() {
        assert!(Peak::new("a", 1.0, 1.0, 1.0).validate().is_ok());
        assert!(Peak::new("a", 0.0, 1.0, -1.0).validate().is_ok());
        let e = Peak::new("a", -1.0, 1.0, 1.0).validate().unwrap_err().to_string();
        assert!(e.contains("ka_per_s"), "{e}");
        let e = Peak::new("a", 1.0, 0.0, 1.0).validate().unwrap_err().to_string();
        assert!(e.contains("kd_per_s"), "{e}");
        let e = Peak::new("a", 1.0, 1.0, f64::NAN).validate().unwrap_err().to_string();
        assert!(e.contains("area"), "{e}");
        assert!((Peak::paper_btex()[1].partition_constant() - 256.7).abs() < 0.1);
    }
}
