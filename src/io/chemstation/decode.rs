//! Decoders for the two ChemStation data encodings. Both return raw (unscaled) values and check the point count
//! against [`MAX_POINTS`] before allocating.

use super::{Errors, IoError, MAX_POINTS};

/// Version 179: one little-endian `f64` per point from `offset` to the end of the file. A trailing partial
/// record is reported as corruption at its offset; NaN/infinite raw values are caught after scaling.
pub(super) fn f64_le(bytes: &[u8], offset: usize, err: &Errors) -> Result<Vec<f64>, IoError> {
    let data = bytes.get(offset..).unwrap_or_default();
    if !data.len().is_multiple_of(8) {
        let at = (offset + data.len() - data.len() % 8) as u64;
        return Err(
            err.corrupt(at, format!("data area of {} bytes is not a whole number of 8-byte values", data.len()))
        );
    }
    let n = data.len() / 8;
    if n > MAX_POINTS {
        return Err(err.too_large(offset as u64, n as u64));
    }
    Ok(data.chunks_exact(8).map(|c| f64::from_le_bytes(c.try_into().unwrap_or([0; 8]))).collect())
}

/// Versions 81 and 181: big-endian `i16` words. A word other than 32767 is a second difference (added to the
/// running first difference, which is added to the value); 32767 is followed by a 48-bit big-endian signed
/// absolute value (`i16` high word, `u32` low word) and resets the first difference. Runs to the end of the file;
/// a word or escape cut off by the end of the file is reported as corruption.
///
/// End marker: a final zero word directly after an absolute value is not a point. ChemStation 181 files written as
/// a run of absolute values end with one extra `0x0000` word (the corpus file: 5913 eight-byte absolute records +
/// 2 bytes); read as a point it would only repeat the previous value, and the header's start/end times put exactly
/// 200.000 ms between 5913 points, not 5914.
pub(super) fn double_delta(bytes: &[u8], offset: usize, err: &Errors) -> Result<Vec<f64>, IoError> {
    let data = bytes.get(offset..).unwrap_or_default();
    // Every point takes at least two bytes, so this bounds the allocation.
    let max_points = data.len() / 2;
    if max_points > MAX_POINTS {
        return Err(err.too_large(offset as u64, max_points as u64));
    }
    let mut values = Vec::with_capacity(max_points);
    let (mut value, mut delta) = (0_i64, 0_i64);
    let mut pos = 0;
    let mut previous_absolute = false;
    while pos < data.len() {
        let at = (offset + pos) as u64;
        let word = data.get(pos..pos + 2).ok_or_else(|| err.corrupt(at, "data stream ends inside a value"))?;
        let word = i16::from_be_bytes([word[0], word[1]]);
        pos += 2;
        if word == 0 && previous_absolute && pos == data.len() {
            break;
        }
        previous_absolute = word == i16::MAX;
        if word == i16::MAX {
            let abs =
                data.get(pos..pos + 6).ok_or_else(|| err.corrupt(at, "data stream ends inside an absolute value"))?;
            let high = i64::from(i16::from_be_bytes([abs[0], abs[1]]));
            let low = i64::from(u32::from_be_bytes([abs[2], abs[3], abs[4], abs[5]]));
            value = (high << 32) | low;
            delta = 0;
            pos += 6;
        } else {
            // Saturating: a corrupt stream of large deltas must not overflow (values stay far below 2^63).
            delta = delta.saturating_add(i64::from(word));
            value = value.saturating_add(delta);
        }
        values.push(value as f64);
    }
    Ok(values)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn words(ws: &[i16]) -> Vec<u8> {
        ws.iter().flat_map(|w| w.to_be_bytes()).collect()
    }

    fn absolute(v: i64) -> Vec<u8> {
        let mut b = words(&[i16::MAX, (v >> 32) as i16]);
        b.extend_from_slice(&(v as u32).to_be_bytes());
        b
    }

    #[test]
    fn double_delta_second_differences_and_absolute_values() {
        let err = Errors { path: Path::new("t.ch") };
        // 100, then second differences 5, 0, −3 → first differences 5, 5, 2 → 105, 110, 112.
        let mut b = absolute(100);
        b.extend(words(&[5, 0, -3]));
        // A negative 48-bit absolute value resets the first difference.
        b.extend(absolute(-5_000_000_000));
        b.extend(words(&[1]));
        let v = double_delta(&b, 0, &err).unwrap();
        assert_eq!(v, [100.0, 105.0, 110.0, 112.0, -5e9, -5e9 + 1.0]);
    }

    #[test]
    fn trailing_zero_word_after_an_absolute_value_is_an_end_marker() {
        let err = Errors { path: Path::new("t.ch") };
        let mut b = absolute(7);
        b.extend(absolute(9));
        b.extend(words(&[0]));
        assert_eq!(double_delta(&b, 0, &err).unwrap(), [7.0, 9.0]);
        // After a difference, a final zero is a real point (value continues with the same first difference).
        let mut b = absolute(7);
        b.extend(words(&[2, 0]));
        assert_eq!(double_delta(&b, 0, &err).unwrap(), [7.0, 9.0, 11.0]);
    }

    #[test]
    fn truncation_inside_a_value_is_located() {
        let err = Errors { path: Path::new("t.ch") };
        let mut b = absolute(7);
        b.extend(&absolute(9)[..5]);
        match double_delta(&b, 0, &err) {
            Err(IoError::Corrupt { at: crate::io::Location::Byte(at), .. }) => assert_eq!(at, 8),
            other => panic!("{other:?}"),
        }
        assert!(f64_le(&[0; 13], 0, &err).is_err());
        assert_eq!(f64_le(&1.5f64.to_le_bytes(), 0, &err).unwrap(), [1.5]);
    }
}
