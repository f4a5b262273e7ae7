//! Fast decimal-number parsing for the text readers.
//!
//! Chromatogram exports write short decimals (`0.09452`, `1.033708E+08`, `0,016667`). For those, Clinger's fast
//! path is exact: when the digits form an integer `m ≤ 2^53` and the decimal exponent `e` has `|e| ≤ 22`, both
//! `m` and `10^|e|` are exact doubles, so the single IEEE multiplication or division `m × 10^e` is the correctly
//! rounded value — the same bits as `str::parse::<f64>`. Anything else (more digits, larger exponents, `NaN`,
//! `inf`, odd spellings) falls back to `str::parse`, so results never differ from the standard library.

/// Exact powers of ten as doubles (10^0 ..= 10^22).
const POW10: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20,
    1e21, 1e22,
];

/// Parses a decimal number whose decimal separator is `decimal` (`b'.'` or `b','`), the other one being
/// rejected. Same value as `str::parse::<f64>` on the text with the separator replaced by a dot; `None` when
/// the standard library would reject it.
pub fn parse(cell: &[u8], decimal: u8) -> Option<f64> {
    fast(cell, decimal).or_else(|| slow(cell, decimal))
}

fn fast(s: &[u8], decimal: u8) -> Option<f64> {
    let (negative, mut i) = match s.first()? {
        b'-' => (true, 1),
        b'+' => (false, 1),
        _ => (false, 0),
    };
    let mut mantissa: u64 = 0;
    let mut digits = 0u32;
    let mut exponent: i32 = 0;
    let mut seen_digit = false;
    while let Some(&b) = s.get(i) {
        if !b.is_ascii_digit() {
            break;
        }
        mantissa = mantissa.wrapping_mul(10).wrapping_add(u64::from(b - b'0'));
        digits += u32::from(mantissa != 0);
        seen_digit = true;
        i += 1;
    }
    if s.get(i) == Some(&decimal) {
        i += 1;
        while let Some(&b) = s.get(i) {
            if !b.is_ascii_digit() {
                break;
            }
            mantissa = mantissa.wrapping_mul(10).wrapping_add(u64::from(b - b'0'));
            digits += u32::from(mantissa != 0);
            exponent -= 1;
            seen_digit = true;
            i += 1;
        }
    }
    if !seen_digit || digits > 15 {
        return None; // no digits, or possibly beyond 2^53 (and the u64 may have wrapped): exact path unsafe
    }
    if let Some(b'e' | b'E') = s.get(i) {
        i += 1;
        let (exp_negative, start) = match s.get(i) {
            Some(b'-') => (true, i + 1),
            Some(b'+') => (false, i + 1),
            _ => (false, i),
        };
        i = start;
        let mut e: i32 = 0;
        while let Some(&b) = s.get(i) {
            if !b.is_ascii_digit() || e > 1000 {
                break;
            }
            e = e * 10 + i32::from(b - b'0');
            i += 1;
        }
        if i == start {
            return None;
        }
        exponent += if exp_negative { -e } else { e };
    }
    if i != s.len() || mantissa > (1 << 53) {
        return None;
    }
    let m = mantissa as f64;
    let value = match exponent {
        0..=22 => m * POW10[exponent as usize],
        -22..=-1 => m / POW10[(-exponent) as usize],
        _ => return None,
    };
    Some(if negative { -value } else { value })
}

fn slow(s: &[u8], decimal: u8) -> Option<f64> {
    if decimal == b'.' {
        return std::str::from_utf8(s).ok()?.parse().ok();
    }
    if s.contains(&b'.') || s.len() > 64 {
        return None;
    }
    let mut buf = [0u8; 64];
    for (dst, &src) in buf.iter_mut().zip(s) {
        *dst = if src == decimal { b'.' } else { src };
    }
    std::str::from_utf8(&buf[..s.len()]).ok()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_bits_as_the_standard_library() {
        let cases = [
            "0",
            "-0",
            "1",
            "+2.5",
            "0.09452",
            "1.033708E+08",
            "9.623614E+07",
            "-601.5",
            "12345.678901",
            ".5",
            "5.",
            "1e-22",
            "1e22",
            "1e23",
            "123456789012345678901234567890",
            "0.1000000000000000055511151231257827",
            "4.9e-324",
            "1.7976931348623157e308",
            "2.2250738585072014e-308",
            "9007199254740993",
            "1e-400",
            "NaN",
            "inf",
            "-infinity",
        ];
        for c in cases {
            let std: f64 = c.parse().unwrap();
            let ours = parse(c.as_bytes(), b'.').unwrap();
            assert!(std.to_bits() == ours.to_bits() || (std.is_nan() && ours.is_nan()), "{c}: {std} vs {ours}");
        }
        for bad in ["", "-", ".", "e5", "1e", "1e+", "1.2.3", "1,5", "abc", "1 2", "--1"] {
            assert_eq!(parse(bad.as_bytes(), b'.'), None, "{bad}");
        }
        assert_eq!(parse(b"0,016667", b','), Some(0.016667));
        assert_eq!(parse(b"1.5", b','), None);
    }

    #[test]
    fn random_decimals_agree_with_std() {
        let mut state: u64 = 0x2545_F491_4F6C_DD1D;
        for _ in 0..20_000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let v = f64::from_bits(state >> 2) % 1e9;
            let text = format!("{v:.*}", (state % 12) as usize);
            let std: f64 = text.parse().unwrap();
            assert_eq!(parse(text.as_bytes(), b'.').map(f64::to_bits), Some(std.to_bits()), "{text}");
        }
    }
}
