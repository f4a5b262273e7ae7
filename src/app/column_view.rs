//! The column view's state and what it shows: the time control (play, pause, speed, scrub), the bands of every
//! peak along the column at that time, the carrier's pressure and velocity, what a hovered band is doing, and
//! the outlet value that meets the chromatogram's model curve. Drawn by `panels::column_view`; computed by
//! `model::profile` (this file only picks what to evaluate).

use crate::model::profile::{Band, band_profile, carrier_profile, column_content};
use crate::model::{Column, Peak, closed};

/// Positions evaluated along the column per frame (the "a few hundred"): enough for a smooth band at
/// any zoom a side panel allows, cheap enough for 20 peaks at 60 frames per second.
pub const POINTS: usize = 301;

/// The playback speeds offered: (factor, label). 1× is real time.
pub const SPEEDS: [(f64, &str); 7] =
    [(0.25, "0.25×"), (0.5, "0.5×"), (1.0, "1× (real time)"), (2.0, "2×"), (5.0, "5×"), (10.0, "10×"), (20.0, "20×")];

/// The longest frame a playing view advances by, s: after a stall (a dialog, a slow frame) it does not jump.
const MAX_FRAME_S: f64 = 0.1;

/// The column view's state, kept by the app between frames.
#[derive(Debug, Clone, PartialEq)]
pub struct ColumnView {
    /// The moment shown, s after the injection starts.
    pub time_s: f64,
    /// Playing (time advances by `speed` × the frame time).
    pub playing: bool,
    /// Simulated seconds per real second.
    pub speed: f64,
    /// Show the carrier's pressure and velocity along the column.
    pub show_carrier: bool,
}

impl Default for ColumnView {
    fn default() -> ColumnView {
        ColumnView { time_s: 0.0, playing: false, speed: 5.0, show_carrier: false }
    }
}

impl ColumnView {
    /// Moves the time on by `frame_s` real seconds (capped at [`MAX_FRAME_S`]) when playing, and stops at
    /// `end_s`. Pressing play at the end starts again from 0 (see [`ColumnView::toggle_play`]).
    pub fn advance(&mut self, frame_s: f64, end_s: f64) {
        if !self.playing {
            return;
        }
        let step = frame_s.clamp(0.0, MAX_FRAME_S) * self.speed;
        self.time_s = (self.time_s + step).min(end_s);
        if self.time_s >= end_s {
            self.playing = false;
        }
    }

    /// Play or pause; playing from the end starts again at 0.
    pub fn toggle_play(&mut self, end_s: f64) {
        self.playing = !self.playing;
        if self.playing && self.time_s >= end_s {
            self.time_s = 0.0;
        }
    }
}

/// What the view draws at one moment.
#[derive(Debug, Clone, PartialEq)]
pub struct Frame {
    /// Positions along the column: metres when the length is known, else x/L.
    pub x: Vec<f64>,
    /// Whether `x` is in metres.
    pub metres: bool,
    /// Each peak's band (gas and film, in units of c0), in the document's order.
    pub bands: Vec<Band>,
    /// Pressure (bar) and carrier velocity (m/s) along x, when the column's geometry gives them.
    pub carrier: Option<(Vec<f64>, Vec<f64>)>,
}

/// The bands of `peaks` on `column` at `time_s` (and the carrier when `with_carrier`), on [`POINTS`] positions.
pub fn frame(column: &Column, peaks: &[Peak], time_s: f64, with_carrier: bool) -> Frame {
    let fractions: Vec<f64> = (0..POINTS).map(|i| i as f64 / (POINTS - 1) as f64).collect();
    let length = column.length_m();
    let x = fractions.iter().map(|f| length.map_or(*f, |l| f * l)).collect();
    let bands = peaks.iter().map(|p| band_profile(column, p, time_s, &fractions)).collect();
    let carrier = with_carrier
        .then(|| carrier_profile(column, &fractions))
        .and_then(|c| c.iter().map(|(p, u)| Some((p.map(|p| p / 1e5)?, (*u)?))).collect::<Option<Vec<_>>>())
        .map(|c| c.into_iter().unzip());
    Frame { x, metres: length.is_some(), bands, carrier }
}

/// The outlet of one peak at one moment: the profile's last value and the chromatogram's model curve there.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Outlet {
    /// c(L, t)/c0 from the profile.
    pub gas: f64,
    /// The signal this is, A/(r·t1)·c(L, t)/c0 (signal units).
    pub signal: f64,
    /// The peak's model curve at t (the chromatogram's value under the cursor).
    pub model_curve: f64,
}

/// [`Outlet`] of `peak` at `time_s`.
pub fn outlet(column: &Column, peak: &Peak, time_s: f64) -> Outlet {
    let gas = band_profile(column, peak, time_s, &[1.0]).gas[0];
    let signal = peak.area / (column.pressure_ratio() * column.injection_s()) * gas;
    let model_curve = closed::peak_signal(column, peak, &[time_s])[0];
    Outlet { gas, signal, model_curve }
}

/// What a hovered band is doing.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BandInfo {
    /// Share of the injected amount still inside the column (gas and film), 0–1.
    pub in_column: f64,
    /// Share of what is inside that sits in the film, 0–1.
    pub in_film: f64,
    /// The band's speed against the carrier's, 1/(1 + K′) with K′ = αk_a/k_d.
    pub speed_ratio: f64,
    /// The band's speed at the position, u(x)/(1 + K′) in m/s, when the velocity is known.
    pub band_speed_m_s: Option<f64>,
}

/// [`BandInfo`] of `peak` at `time_s`, at the fraction `fraction` of the column.
pub fn band_info(column: &Column, peak: &Peak, time_s: f64, fraction: f64) -> BandInfo {
    let content = column_content(column, peak, time_s);
    let speed_ratio = 1.0 / (1.0 + column.alpha() * peak.partition_constant());
    BandInfo {
        in_column: content.in_column(),
        in_film: content.film_share(),
        speed_ratio,
        band_speed_m_s: column.velocity_m_s(fraction).map(|u| u * speed_ratio),
    }
}

/// The index of the band highest at position index `at` (gas + film share), if any band is there.
pub fn band_at(frame: &Frame, alpha: f64, at: usize) -> Option<usize> {
    let amount = |b: &Band| b.gas.get(at).copied().unwrap_or(0.0) + alpha * b.film.get(at).copied().unwrap_or(0.0);
    (0..frame.bands.len())
        .map(|i| (i, amount(&frame.bands[i])))
        .filter(|(_, a)| *a > 1e-9)
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(i, _)| i)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn playing_advances_by_the_speed_and_stops_at_the_end() {
        let mut v = ColumnView { playing: true, speed: 10.0, ..ColumnView::default() };
        v.advance(0.05, 100.0);
        assert!((v.time_s - 0.5).abs() < 1e-12);
        v.advance(5.0, 100.0);
        assert!((v.time_s - 1.5).abs() < 1e-12, "a stalled frame advances at most 0.1 s");
        v.time_s = 99.9;
        v.advance(0.05, 100.0);
        assert_eq!((v.time_s, v.playing), (100.0, false));
        v.toggle_play(100.0);
        assert_eq!((v.time_s, v.playing), (0.0, true));
    }

    #[test]
    fn the_outlet_of_the_profile_is_the_model_curve() {
        let col = Column::paper_btex();
        for p in Peak::paper_btex() {
            let t = crate::model::moments(&col, &p).mean_s;
            let o = outlet(&col, &p, t);
            assert!(o.signal > 0.0 && (o.signal - o.model_curve).abs() < 1e-9 * o.model_curve, "{o:?}");
        }
    }

    #[test]
    fn a_frame_has_every_band_and_the_carrier_in_bar() {
        let col = Column::paper_btex();
        let f = frame(&col, &Peak::paper_btex(), 100.0, true);
        assert_eq!((f.x.len(), f.bands.len(), f.metres), (POINTS, 5, true));
        let (p, u) = f.carrier.as_ref().unwrap();
        assert!((p[0] - 4.01).abs() < 1e-12 && (u[0] - 0.41).abs() < 1e-12);
        let benzene =
            band_at(&f, col.alpha(), f.bands[0].gas.iter().enumerate().max_by(|a, b| a.1.total_cmp(b.1)).unwrap().0);
        assert_eq!(benzene, Some(0));
        let info = band_info(&col, &Peak::paper_btex()[0], 100.0, 0.5);
        assert!(info.in_column > 0.99 && info.in_film > 0.5 && info.speed_ratio < 1.0, "{info:?}");
        let holdup = frame(&Column::default_preset(), &Peak::paper_btex(), 10.0, true);
        assert!(!holdup.metres && holdup.carrier.is_none());
    }
}
