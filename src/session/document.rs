//! The session document, version 1: what a user saves, what `elute fit` writes and what the app opens.
//!
//! ```json
//! {"format": "elute-session", "version": 1,
//!  "column": {...}, "peaks": [{"name", "ka_per_s", "kd_per_s", "area"}, ...],
//!  "baseline": {"kind": "constant" | "linear" | "polynomial", "coefficients": [...]},
//!  "run": {"path", "sha256", "channel"},
//!  "embedded_run": {"channel", "signal_unit", "n_points", "time_s_f64le", "signal_f64le"}}
//! ```
//! `baseline` absent means zero; `run` absent means a pure simulation; `embedded_run` (optional) carries the
//! measured channel itself, for when the run file is missing or changed ([`super::EmbeddedRun`]). Unknown fields are refused (so no data is
//! ever silently dropped), and so is a file from a newer version.

use serde::{Deserialize, Serialize};

use crate::model::{self, Baseline, Column, Method, ModelError, Peak};

/// The `format` tag every session file carries.
pub const FORMAT_TAG: &str = crate::io::SESSION_FORMAT_TAG;
/// The session format version this build writes and reads.
pub const VERSION: u32 = 1;

/// Which measured run a session belongs to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunRef {
    /// Path of the run file as the user gave it (relative paths are relative to the session file).
    pub path: String,
    /// SHA-256 of the run file's bytes, lowercase hex, to notice a changed or different file.
    pub sha256: String,
    /// Channel (or run inside a multi-run file), numbered from 1.
    pub channel: u32,
}

/// A whole session: column, peaks, baseline, and the run it was fitted to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Session {
    /// Always [`FORMAT_TAG`].
    pub format: String,
    /// Always [`VERSION`] when written by this build.
    pub version: u32,
    /// The column and the run's inlet (injection time, inlet tail).
    pub column: Column,
    /// The analytes, in retention order as the user keeps them.
    #[serde(default)]
    pub peaks: Vec<Peak>,
    /// The baseline; `None` means zero.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline: Option<Baseline>,
    /// The measured run; `None` means a pure simulation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run: Option<RunRef>,
    /// Fit figures written by `elute fit` (uncertainties, R²); `None` for sessions never fitted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fit: Option<super::FitSummary>,
    /// The measured channel itself, embedded so the session reopens without its run file; `None` (the default,
    /// and what `elute fit` writes) refers to the run by `run` only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub embedded_run: Option<super::EmbeddedRun>,
}

/// The simulated curves of a session on a time grid.
#[derive(Debug, Clone, PartialEq)]
pub struct Simulation {
    /// Sample times in s.
    pub time_s: Vec<f64>,
    /// Baseline plus the sum of all peaks, per sample.
    pub signal: Vec<f64>,
    /// Each peak's own signal (no baseline), in the session's peak order.
    pub peaks: Vec<Vec<f64>>,
}

impl Session {
    /// A new session with the given column and peaks, no baseline and no run.
    pub fn new(column: Column, peaks: Vec<Peak>) -> Session {
        Session {
            format: FORMAT_TAG.into(),
            version: VERSION,
            column,
            peaks,
            baseline: None,
            run: None,
            fit: None,
            embedded_run: None,
        }
    }

    /// The paper's BTEX experiment (Table 3 rates, calibration areas, constant baseline 3935.4 a.u.).
    pub fn paper_btex() -> Session {
        let mut s = Session::new(Column::paper_btex(), Peak::paper_btex());
        s.baseline = Some(Baseline::constant(3935.4));
        s
    }

    /// Checks everything a loaded file could get wrong beyond its JSON shape: tag, version, peaks, baseline,
    /// embedded run.
    pub fn validate(&self) -> Result<(), String> {
        if self.format != FORMAT_TAG {
            return Err(format!("field `format` is {:?}, expected {FORMAT_TAG:?}", self.format));
        }
        if self.version != VERSION {
            return Err(format!("field `version` is {}, this build reads version {VERSION}", self.version));
        }
        for (i, p) in self.peaks.iter().enumerate() {
            p.validate().map_err(|e| format!("peaks[{i}] ({:?}): {e}", p.name))?;
        }
        if let Some(b) = &self.baseline {
            b.validate()?;
        }
        if let Some(e) = &self.embedded_run {
            e.validate()?;
        }
        Ok(())
    }

    /// Evaluates baseline + peaks on `times_s` with the chosen method. Peaks run in parallel when the work is
    /// large enough to pay for it.
    pub fn simulate(&self, times_s: &[f64], method: Method) -> Result<Simulation, ModelError> {
        model::validate_times(times_s)?;
        let eval = |p: &Peak| model::peak_signal(&self.column, p, times_s, method);
        let peaks: Vec<Vec<f64>> = if method != Method::Closed || self.peaks.len() * times_s.len() > 200_000 {
            use rayon::prelude::*;
            self.peaks.par_iter().map(eval).collect::<Result<_, _>>()?
        } else {
            self.peaks.iter().map(eval).collect::<Result<_, _>>()?
        };
        let mut signal: Vec<f64> = match &self.baseline {
            Some(b) => times_s.iter().map(|&t| b.value_at(t)).collect(),
            None => vec![0.0; times_s.len()],
        };
        for p in &peaks {
            for (s, v) in signal.iter_mut().zip(p) {
                *s += v;
            }
        }
        Ok(Simulation { time_s: times_s.to_vec(), signal, peaks })
    }
}
