//! The checks every reader applies before handing out a [`Chromatogram`]: the point count is within
//! [`MAX_POINTS`], every value is finite, the time axis strictly increases.

use std::path::Path;

use super::{IoError, Location, MAX_ABS_SIGNAL, MAX_ABS_TIME_S, MAX_POINTS};
use crate::chromatogram::Chromatogram;

/// Fails with [`IoError::TooLarge`] when a count a file claims (or a count of rows found) exceeds [`MAX_POINTS`].
/// Call it before allocating anything sized by `claimed`.
pub fn check_count(format: &'static str, claimed: u64, at: Location, path: &Path) -> Result<(), IoError> {
    if claimed > MAX_POINTS as u64 {
        return Err(IoError::TooLarge { format, at, claimed, limit: MAX_POINTS, path: path.to_path_buf() });
    }
    Ok(())
}

/// Checks one channel read from a file and hands it back unchanged when it is sound.
///
/// `time_s` must strictly increase and, like `signal`, be finite; `locate` maps a sample index to where it sits
/// in the file (a line, a byte, a field) for the error. Fails with [`IoError::NoData`] when there are no samples,
/// [`IoError::Corrupt`] when the two lengths differ, [`IoError::NonFinite`] or [`IoError::NotMonotonic`] at the
/// first offending sample, [`IoError::Corrupt`] for a time or value past [`MAX_ABS_TIME_S`] / [`MAX_ABS_SIGNAL`].
pub fn check(
    format: &'static str,
    chromatogram: Chromatogram,
    path: &Path,
    locate: &dyn Fn(usize) -> Location,
) -> Result<Chromatogram, IoError> {
    let path_buf = || path.to_path_buf();
    let (time_s, signal) = (&chromatogram.time_s, &chromatogram.signal);
    if time_s.is_empty() {
        return Err(IoError::NoData { format, path: path_buf() });
    }
    if time_s.len() != signal.len() {
        return Err(IoError::Corrupt {
            format,
            at: Location::Field(chromatogram.channel.clone()),
            what: format!("{} times but {} signal values", time_s.len(), signal.len()),
            path: path_buf(),
        });
    }
    check_count(format, time_s.len() as u64, Location::Field(chromatogram.channel.clone()), path)?;
    if let Some(i) = time_s.iter().zip(signal).position(|(t, y)| !t.is_finite() || !y.is_finite()) {
        return Err(IoError::NonFinite { format, at: locate(i), path: path_buf() });
    }
    if let Some(i) = time_s.iter().position(|t| t.abs() > MAX_ABS_TIME_S) {
        let what = format!("time {:e} s is beyond the plausible ±{MAX_ABS_TIME_S:e} s", time_s[i]);
        return Err(IoError::Corrupt { format, at: locate(i), what, path: path_buf() });
    }
    if let Some(i) = signal.iter().position(|y| y.abs() > MAX_ABS_SIGNAL) {
        let what = format!("signal value {:e} is beyond the plausible ±{MAX_ABS_SIGNAL:e}", signal[i]);
        return Err(IoError::Corrupt { format, at: locate(i), what, path: path_buf() });
    }
    if let Some(i) = time_s.windows(2).position(|w| w[1] <= w[0]) {
        return Err(IoError::NotMonotonic { format, at: locate(i + 1), path: path_buf() });
    }
    Ok(chromatogram)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn try_build(time_s: Vec<f64>, signal: Vec<f64>) -> Result<Chromatogram, IoError> {
        let c = Chromatogram { time_s, signal, ..Default::default() };
        check("test", c, Path::new("x"), &|i| Location::Line(i + 1))
    }

    #[test]
    fn rejects_bad_series_at_the_right_sample() {
        assert!(try_build(vec![0.0, 1.0], vec![1.0, 2.0]).is_ok());
        assert!(matches!(try_build(vec![], vec![]), Err(IoError::NoData { .. })));
        assert!(matches!(
            try_build(vec![0.0, 1.0, 1.0], vec![0.0; 3]),
            Err(IoError::NotMonotonic { at: Location::Line(3), .. })
        ));
        assert!(matches!(
            try_build(vec![0.0, 1.0], vec![0.0, f64::NAN]),
            Err(IoError::NonFinite { at: Location::Line(2), .. })
        ));
        assert!(matches!(try_build(vec![0.0], vec![0.0, 1.0]), Err(IoError::Corrupt { .. })));
        assert!(matches!(
            check_count("t", 1 << 40, Location::File, Path::new("x")),
            Err(IoError::TooLarge { claimed, .. }) if claimed == 1 << 40
        ));
    }
}
