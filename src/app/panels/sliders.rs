//! The peak editor's sliders: each range follows the value it shows (a span of decades around it, so no real
//! value is ever clamped), stays put while the pointer is held (a drag's gain is fixed by the range it started
//! on), and the number beside every slider takes a typed value of any size.

use std::ops::RangeInclusive;

use egui::{Slider, SliderClamping};

use super::gesture;
use crate::app::state::Gesture;

/// Decades each side of the value on a logarithmic slider: 2, so a slider spans 4 decades (about 55 points
/// per decade at the editor's slider width).
pub const LOG_DECADES_EACH_SIDE: f64 = 2.0;

/// A logarithmic range around a positive `value`: `value / 10^d ..= value · 10^d`; `None` for a value that
/// cannot be on a log scale (zero, negative, not finite).
pub fn log_range_around(value: f64) -> Option<RangeInclusive<f64>> {
    let f = 10f64.powf(LOG_DECADES_EACH_SIDE);
    (value.is_finite() && value > 0.0).then(|| value / f..=value * f)
}

/// One slider of the editor, named `text`, over the range `range_now` gives for the current value; while the
/// pointer is held the range of the frame the press began on is used. `key` names the slider's range in the
/// egui memory (include the peak's id, so another peak starts fresh). Returns the gesture of a change.
pub fn value_slider(
    ui: &mut egui::Ui,
    key: egui::Id,
    value: &mut f64,
    range_now: RangeInclusive<f64>,
    text: &str,
    tip: &str,
) -> Option<Gesture> {
    // The release frame still sets the value at the pointer: on the range the drag began on.
    let held = ui.input(|i| i.pointer.any_down() || i.pointer.any_released());
    let stored: Option<RangeInclusive<f64>> = ui.data(|d| d.get_temp(key));
    let range = match stored {
        Some(r) if held => r,
        _ => {
            ui.data_mut(|d| d.insert_temp(key, range_now.clone()));
            range_now
        }
    };
    let log = *range.start() > 0.0 && range.end() / range.start() > 100.0;
    let before = *value;
    let r = ui
        .add(Slider::new(value, range).logarithmic(log).clamping(SliderClamping::Never).text(text).smart_aim(false))
        .on_hover_text(format!("{tip}. Click the number to type any value."));
    if !value.is_finite() {
        *value = before;
    }
    (r.changed() && *value != before).then(|| gesture(&r))
}
