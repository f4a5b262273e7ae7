//! What the user sets that is not part of the document: the time unit, the slider mode, the detection threshold and cap,
//! the theme, embedding, the evaluation method and whether fits free the inlet tail. Kept between runs through eframe's storage (all but the
//! method); every change comes through an [`Action`](super::actions::Action).

use crate::app::params::ParamMode;
use crate::fit::peaks::PeakFindOptions;
use crate::fit::run::MAX_DETECTED_PEAKS;
use crate::model::Method;

/// The view settings. Persisted between runs except `method`.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct Settings {
    /// Time axis in minutes.
    pub minutes: bool,
    /// What the peak sliders show.
    pub param_mode: ParamMode,
    /// Peak detection threshold, in noise standard deviations.
    pub threshold_sigma: f64,
    /// The most peaks a detection keeps before it says the cap binds (it still rises by itself for strong
    /// peaks, up to [`MAX_DETECTED_PEAKS`]).
    pub max_peaks: usize,
    /// Colour theme (following the system by default).
    pub theme: ThemeChoice,
    /// Embed the measured channel in saved sessions (the embedded default run always is).
    pub embed_run: bool,
    /// Label each peak on the plot at its apex (name and t_R).
    pub peak_labels: bool,
    /// How curves are computed (the closed form is the fast default; not kept between runs).
    #[serde(skip)]
    pub method: Method,
    /// Fit the inlet tail τ (`Some`: the user's choice) or hold it at the column's value; `None`: by the column
    /// (fitted on an assumed preset, held on a known column or a template). Not kept between runs.
    #[serde(skip)]
    pub fit_inlet_tail: Option<bool>,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            minutes: false,
            param_mode: ParamMode::Rates,
            threshold_sigma: 20.0,
            max_peaks: PeakFindOptions::default().max_peaks,
            theme: ThemeChoice::System,
            embed_run: false,
            peak_labels: true,
            method: Method::Closed,
            fit_inlet_tail: None,
        }
    }
}

/// The detection caps the settings accept.
pub const MAX_PEAKS_RANGE: std::ops::RangeInclusive<usize> = 1..=MAX_DETECTED_PEAKS;

/// The detection thresholds the settings accept, in noise standard deviations.
pub const THRESHOLD_RANGE: std::ops::RangeInclusive<f64> = 1.0..=1e4;

impl Settings {
    /// These settings with out-of-range values (from an older or edited store) replaced by the defaults.
    pub fn sanitized(mut self) -> Settings {
        if !(self.threshold_sigma.is_finite() && THRESHOLD_RANGE.contains(&self.threshold_sigma)) {
            self.threshold_sigma = Settings::default().threshold_sigma;
        }
        if !MAX_PEAKS_RANGE.contains(&self.max_peaks) {
            self.max_peaks = Settings::default().max_peaks;
        }
        self
    }
}

/// The colour theme: following the system (the default) or forced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub enum ThemeChoice {
    /// Follow the desktop's dark/light setting (egui falls back to dark when the system does not say).
    #[default]
    System,
    /// Always light.
    Light,
    /// Always dark.
    Dark,
}

impl ThemeChoice {
    /// Every choice, in menu order.
    pub const ALL: [ThemeChoice; 3] = [ThemeChoice::System, ThemeChoice::Light, ThemeChoice::Dark];

    /// Menu label.
    pub fn label(self) -> &'static str {
        match self {
            ThemeChoice::System => "Follow the system",
            ThemeChoice::Light => "Light",
            ThemeChoice::Dark => "Dark",
        }
    }

    /// egui's preference for this choice.
    pub fn preference(self) -> egui::ThemePreference {
        match self {
            ThemeChoice::System => egui::ThemePreference::System,
            ThemeChoice::Light => egui::ThemePreference::Light,
            ThemeChoice::Dark => egui::ThemePreference::Dark,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn out_of_range_thresholds_fall_back_to_the_default() {
        let s = Settings { threshold_sigma: f64::NAN, ..Settings::default() }.sanitized();
        assert_eq!(s.threshold_sigma, 20.0);
        for bad in [0, MAX_DETECTED_PEAKS + 1] {
            assert_eq!(Settings { max_peaks: bad, ..Settings::default() }.sanitized().max_peaks, 50);
        }
        assert_eq!(Settings { max_peaks: 120, ..Settings::default() }.sanitized().max_peaks, 120);
        let s = Settings { threshold_sigma: 5.0, theme: ThemeChoice::Dark, ..Settings::default() }.sanitized();
        assert_eq!((s.threshold_sigma, s.theme), (5.0, ThemeChoice::Dark));
        let json = serde_json::to_string(&Settings { method: Method::Quadrature, ..Settings::default() }).unwrap();
        assert!(!json.contains("method"));
    }
}
