//! A measured channel embedded in a session file, so the session reopens without its run file.
//!
//! The arrays are stored as base64 of little-endian IEEE-754 doubles: exact (decimal JSON numbers are parsed
//! to within an ulp only) and about half the size of decimal text. Loading checks everything a file could get
//! wrong: lengths, finiteness, increasing time and a size bound.

use base64::Engine;
use serde::{Deserialize, Serialize};

use crate::chromatogram::{Chromatogram, Metadata, TimeUnit};

/// Most samples an embedded channel may hold (80 MB of doubles per array).
pub const MAX_EMBEDDED_POINTS: usize = 10_000_000;

/// One channel of the run, embedded in the session.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmbeddedRun {
    /// Channel name as the file gave it ("FID1A", …); may be empty.
    #[serde(default)]
    pub channel: String,
    /// Unit of the signal as the file gave it; may be empty.
    #[serde(default)]
    pub signal_unit: String,
    /// Number of samples.
    pub n_points: usize,
    /// Sample times in s: base64 of little-endian f64.
    pub time_s_f64le: String,
    /// Signal values: base64 of little-endian f64.
    pub signal_f64le: String,
    /// The unit the run's file showed times in (the app's time axis starts in it); absent when unknown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_unit: Option<TimeUnit>,
}

fn encode(values: &[f64]) -> String {
    let bytes: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn decode(text: &str, n: usize, what: &str) -> Result<Vec<f64>, String> {
    // Refuse before decoding anything too large.
    if text.len() / 4 * 3 > 8 * (n + 1) {
        return Err(format!("embedded run: `{what}` holds more than {n} values"));
    }
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(text.trim())
        .map_err(|e| format!("embedded run: `{what}` is not valid base64: {e}"))?;
    if bytes.len() != 8 * n {
        return Err(format!("embedded run: `{what}` holds {} bytes, {n} values need {}", bytes.len(), 8 * n));
    }
    Ok(bytes.chunks_exact(8).map(|c| f64::from_le_bytes(c.try_into().unwrap_or([0; 8]))).collect())
}

impl EmbeddedRun {
    /// Embeds the time, signal, channel name, signal unit and time unit of `c` (not its other metadata). Errors as
    /// [`EmbeddedRun::to_chromatogram`] would on loading (empty, too long, non-finite, time not increasing).
    pub fn from_chromatogram(c: &Chromatogram) -> Result<EmbeddedRun, String> {
        check(&c.time_s, &c.signal)?;
        Ok(EmbeddedRun {
            channel: c.channel.clone(),
            signal_unit: c.signal_unit.clone(),
            n_points: c.time_s.len(),
            time_s_f64le: encode(&c.time_s),
            signal_f64le: encode(&c.signal),
            time_unit: c.metadata.time_unit,
        })
    }

    /// The channel back, bit for bit (metadata empty but for the time unit). Errors: invalid base64, a byte count that does not match
    /// `n_points`, more than [`MAX_EMBEDDED_POINTS`] or fewer than 2 samples, non-finite values, time not strictly
    /// increasing.
    pub fn to_chromatogram(&self) -> Result<Chromatogram, String> {
        if self.n_points > MAX_EMBEDDED_POINTS {
            return Err(format!("embedded run: {} samples, at most {MAX_EMBEDDED_POINTS} allowed", self.n_points));
        }
        let time_s = decode(&self.time_s_f64le, self.n_points, "time_s_f64le")?;
        let signal = decode(&self.signal_f64le, self.n_points, "signal_f64le")?;
        check(&time_s, &signal)?;
        Ok(Chromatogram {
            time_s,
            signal,
            signal_unit: self.signal_unit.clone(),
            channel: self.channel.clone(),
            metadata: Metadata { time_unit: self.time_unit, ..Default::default() },
        })
    }

    /// Checks the embedded data without keeping it (what session validation calls).
    pub fn validate(&self) -> Result<(), String> {
        self.to_chromatogram().map(|_| ())
    }
}

fn check(time_s: &[f64], signal: &[f64]) -> Result<(), String> {
    let n = time_s.len();
    if signal.len() != n {
        return Err(format!("embedded run: {n} times but {} signal values", signal.len()));
    }
    if n < 2 {
        return Err("embedded run: fewer than 2 samples".into());
    }
    if n > MAX_EMBEDDED_POINTS {
        return Err(format!("embedded run: {n} samples, at most {MAX_EMBEDDED_POINTS} allowed"));
    }
    if time_s.iter().chain(signal).any(|v| !v.is_finite()) {
        return Err("embedded run: non-finite value".into());
    }
    if time_s.windows(2).any(|w| w[1] <= w[0]) {
        return Err("embedded run: time not strictly increasing".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn channel() -> Chromatogram {
        // Values with full 17-digit mantissas, which decimal JSON may not round-trip exactly.
        let time_s: Vec<f64> = (0..500).map(|i| (i as f64 * 0.1).sqrt() + i as f64 * 1e-3 / 3.0).collect();
        let signal: Vec<f64> = time_s.iter().map(|t| (t * 7.1).sin() / 3.0 + 1e-300).collect();
        Chromatogram { time_s, signal, signal_unit: "pA".into(), channel: "FID1A".into(), ..Default::default() }
    }

    #[test]
    fn a_channel_round_trips_bit_for_bit_through_json() {
        let c = channel();
        let e = EmbeddedRun::from_chromatogram(&c).unwrap();
        let json = serde_json::to_string(&e).unwrap();
        let back: EmbeddedRun = serde_json::from_str(&json).unwrap();
        assert_eq!(back.to_chromatogram().unwrap(), c);
        // Base64 of doubles: 4/3 × 8 bytes per value and array.
        assert!(json.len() < 2 * 11 * c.len() + 200, "{}", json.len());
    }

    #[test]
    fn damaged_data_is_refused() {
        let c = channel();
        let good = EmbeddedRun::from_chromatogram(&c).unwrap();
        let mut e = good.clone();
        e.n_points += 1;
        assert!(e.validate().unwrap_err().contains("bytes"));
        let mut e = good.clone();
        e.signal_f64le.insert(3, '#');
        assert!(e.validate().unwrap_err().contains("base64"));
        let mut reversed = c.clone();
        reversed.time_s.reverse();
        assert!(EmbeddedRun::from_chromatogram(&reversed).unwrap_err().contains("increasing"));
        let mut nan = c.clone();
        nan.signal[4] = f64::NAN;
        assert!(EmbeddedRun::from_chromatogram(&nan).unwrap_err().contains("non-finite"));
        let mut e = good;
        e.n_points = MAX_EMBEDDED_POINTS + 1;
        assert!(e.validate().unwrap_err().contains("at most"));
    }
}
