//! A measured chromatogram: one channel of one run, as read from an instrument file.
//!
//! Plain data (std + serde only). Readers in [`crate::io`] produce it; the fitter and the app consume it.

use serde::{Deserialize, Serialize};

/// One channel of one run: a time axis in seconds, the detector signal and what the file says about it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Chromatogram {
    /// Sample times in seconds, strictly increasing. May be irregular (some GC-MS scans).
    pub time_s: Vec<f64>,
    /// Detector signal, one value per time, in [`Chromatogram::signal_unit`]. Always finite.
    pub signal: Vec<f64>,
    /// Unit of the signal as the file states it ("pA", "uV", "counts", ...); empty when the file says nothing.
    pub signal_unit: String,
    /// Channel name ("FID1A", "TIC", "Module A", "Value (nC)", ...).
    pub channel: String,
    /// Descriptive fields from the file.
    pub metadata: Metadata,
}

/// What the file says about the run. Every field is optional: absent means the file did not say.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Metadata {
    /// Name of the file format that was detected ("ANDI/AIA netCDF", "ChemStation .ch v179", ...).
    pub format: String,
    pub sample_name: Option<String>,
    pub instrument: Option<String>,
    pub detector: Option<String>,
    /// Acquisition date and time as the file writes it (not parsed: instruments disagree on formats).
    pub acquisition_date: Option<String>,
    /// The file's own peak table, when it has one.
    pub peaks: Vec<PeakTableEntry>,
    /// Any other key/value pairs worth showing.
    pub extra: Vec<(String, String)>,
    /// The unit the file writes its times in, or the one its vendor's software shows them in (ChemStation stores
    /// ms and shows minutes: minutes). The app's time axis starts in it. `None`: the reader cannot tell.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_unit: Option<TimeUnit>,
}

/// A unit of time in a file: of a text time column, or the one a format's software shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TimeUnit {
    /// Seconds.
    Seconds,
    /// Minutes.
    Minutes,
    /// Milliseconds.
    Milliseconds,
}

impl TimeUnit {
    /// Seconds per unit.
    pub fn seconds(self) -> f64 {
        match self {
            TimeUnit::Seconds => 1.0,
            TimeUnit::Minutes => 60.0,
            TimeUnit::Milliseconds => 1e-3,
        }
    }

    /// Short name ("s", "min", "ms").
    pub fn name(self) -> &'static str {
        match self {
            TimeUnit::Seconds => "s",
            TimeUnit::Minutes => "min",
            TimeUnit::Milliseconds => "ms",
        }
    }
}

/// One row of a peak table stored in an instrument file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct PeakTableEntry {
    /// Compound name; may be empty.
    pub name: String,
    /// Retention time in seconds.
    pub retention_time_s: f64,
    /// Peak area in signal units × seconds, when the file gives it.
    pub area: Option<f64>,
    /// Peak height in signal units, when the file gives it.
    pub height: Option<f64>,
}

impl Metadata {
    /// What the reader warned of (truncated data, members not read, bytes ignored): the [`Metadata::extra`]
    /// fields whose key starts with "warning". A fit of the run repeats them in its notes.
    pub fn warnings(&self) -> impl Iterator<Item = &str> {
        self.extra.iter().filter(|(k, _)| k.starts_with("warning")).map(|(_, v)| v.as_str())
    }
}

impl Chromatogram {
    /// Number of samples.
    pub fn len(&self) -> usize {
        self.time_s.len()
    }

    /// True when there are no samples.
    pub fn is_empty(&self) -> bool {
        self.time_s.is_empty()
    }

    /// Time range (first, last) in seconds; `None` when empty.
    pub fn time_range_s(&self) -> Option<(f64, f64)> {
        Some((*self.time_s.first()?, *self.time_s.last()?))
    }

    /// Median sampling step in seconds; `None` with fewer than two samples.
    pub fn median_step_s(&self) -> Option<f64> {
        if self.time_s.len() < 2 {
            return None;
        }
        let mut steps: Vec<f64> = self.time_s.windows(2).map(|w| w[1] - w[0]).collect();
        let mid = steps.len() / 2;
        let (_, m, _) = steps.select_nth_unstable_by(mid, f64::total_cmp);
        Some(*m)
    }

    /// Signal range (min, max); `None` when empty.
    pub fn signal_range(&self) -> Option<(f64, f64)> {
        let mut it = self.signal.iter().copied();
        let first = it.next()?;
        Some(it.fold((first, first), |(lo, hi), v| (lo.min(v), hi.max(v))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_figures() {
        let c =
            Chromatogram { time_s: vec![0.0, 0.5, 1.0, 2.0], signal: vec![3.0, -1.0, 4.0, 1.0], ..Default::default() };
        assert_eq!(c.len(), 4);
        assert_eq!(c.time_range_s(), Some((0.0, 2.0)));
        assert_eq!(c.median_step_s(), Some(0.5));
        assert_eq!(c.signal_range(), Some((-1.0, 4.0)));
        assert!(Chromatogram::default().median_step_s().is_none());
    }
}
