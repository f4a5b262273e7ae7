//! Agreement between the data length, the header's point count and the header's time span.
//!
//! A `.ch` header stores the run start and end times but (except in the 8-byte v179 flavour) no point count, so a
//! data area cut short, or with a chunk deleted, duplicated or inserted, would otherwise be read with its points
//! spread over the full span: a stretched time axis and every retention time wrong. Two guards:
//!
//! - the 8-byte v179 flavour holds the true count (big-endian `u32` at byte 278): fewer points than that are read
//!   as truncated at the true step, with a warning; more are refused;
//! - otherwise the step that the span gives must be a sampling rate a ChemStation writes ([`RATES_HZ`]), to a
//!   small fraction of one step over the whole run; a spliced file almost never lands on one.

use super::header::{END_TIME_AT, Layout};
use super::{Errors, IoError, Location};

/// Byte offset of the point count in the 8-byte v179 flavour (big-endian `u32`).
pub(super) const POINT_COUNT_AT: usize = 278;

/// Sampling rates (Hz) of Agilent/HP GC detectors: 1, 1.25, 2, 2.5 and 5 × 10^k from 0.01 Hz to 1 kHz,
/// and 6.25 Hz.
const RATES_HZ: [f64; 27] = [
    0.01, 0.0125, 0.02, 0.025, 0.05, 0.1, 0.125, 0.2, 0.25, 0.5, 1.0, 1.25, 2.0, 2.5, 5.0, 6.25, 10.0, 12.5, 20.0,
    25.0, 50.0, 100.0, 125.0, 200.0, 250.0, 500.0, 1000.0,
];

/// Largest mismatch, as a fraction of one step, between the span and a whole number of steps at a listed rate.
const SPAN_TOLERANCE_STEPS: f64 = 1e-3;

/// The sampling step (ms) and, for a file read as truncated, a warning naming how many points are missing.
pub(super) struct Sampling {
    pub step_ms: f64,
    pub warning: Option<String>,
}

/// The step for `n` points read from the data area; `header_count` is the 8-byte v179 count when present.
pub(super) fn sampling(
    layout: &Layout,
    n: usize,
    header_count: Option<usize>,
    err: &Errors,
) -> Result<Sampling, IoError> {
    let span_ms = layout.end_ms - layout.start_ms;
    if span_ms <= 0.0 {
        return Err(IoError::NotMonotonic { format: super::FORMAT, at: Location::Byte(END_TIME_AT), path: err.path() });
    }
    let intervals = |points: usize| if layout.end_is_last_point { points - 1 } else { points };
    if let Some(count) = header_count.filter(|&c| c >= 2) {
        if n > count {
            return Err(err.corrupt(
                POINT_COUNT_AT as u64,
                format!("header counts {count} points but the data area holds {n}: data inserted or duplicated"),
            ));
        }
        let step_ms = span_ms / intervals(count) as f64;
        let warning = (n < count).then(|| {
            format!(
                "file cut short: {} of the header's {count} points are missing (read {n} at the header's step of {} ms)",
                count - n,
                round_ms(step_ms)
            )
        });
        return Ok(Sampling { step_ms, warning });
    }
    let step_ms = span_ms / intervals(n) as f64;
    if is_listed_rate(span_ms, intervals(n)) {
        return Ok(Sampling { step_ms, warning: None });
    }
    Err(err.corrupt(
        END_TIME_AT,
        format!(
            "the header's run of {} to {} ms over {n} points gives a step of {} ms, which is no detector sampling \
             rate: the data area is cut short, spliced or padded",
            round_ms(layout.start_ms),
            round_ms(layout.end_ms),
            round_ms(step_ms)
        ),
    ))
}

/// The step for `n` points when the header's end time is the run's stop time (OpenLab `.dx` members): the
/// end time over `n` must be a listed rate, and the last point must fall before the end.
pub(super) fn sampling_to_run_end(layout: &Layout, n: usize, err: &Errors) -> Result<Sampling, IoError> {
    let step_ms = layout.end_ms / n as f64;
    let last_ms = layout.start_ms + step_ms * (n - 1) as f64;
    if layout.end_ms > 0.0 && is_listed_rate(layout.end_ms, n) && last_ms <= layout.end_ms && layout.start_ms >= 0.0 {
        return Ok(Sampling { step_ms, warning: None });
    }
    Err(err.corrupt(
        END_TIME_AT,
        format!(
            "the run end of {} ms over {n} points gives a step of {} ms, which is no detector sampling rate (or the \
             points would run past the end): the data area is cut short, spliced or padded",
            round_ms(layout.end_ms),
            round_ms(step_ms)
        ),
    ))
}

/// True when `span_ms` is a whole number of steps at a listed rate (f32 header times: allow their rounding too).
fn is_listed_rate(span_ms: f64, intervals: usize) -> bool {
    RATES_HZ.iter().any(|rate| {
        let rate_step_ms = 1000.0 / rate;
        let tolerance_ms = SPAN_TOLERANCE_STEPS * rate_step_ms + 2e-7 * span_ms.abs() + 2e-3;
        (span_ms - rate_step_ms * intervals as f64).abs() <= tolerance_ms
    })
}

/// Milliseconds to three decimals for messages.
fn round_ms(ms: f64) -> f64 {
    (ms * 1000.0).round() / 1000.0
}
