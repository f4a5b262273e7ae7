//! Numbers as the app shows them: a value with its standard error to the digits the error sets, and a value
//! alone to a number of significant digits. Scientific notation outside [1e-3, 1e5).

/// Significant digits of a standard error as shown.
const SE_DIGITS: i32 = 2;

/// Plain notation for magnitudes in [`PLAIN_MIN`], [`PLAIN_MAX`]; scientific outside.
const PLAIN_MIN: f64 = 1e-3;
const PLAIN_MAX: f64 = 1e5;
/// Most decimals a value with its error is shown with in plain notation.
const MAX_PLAIN_DECIMALS: usize = 6;

/// The decimal exponent of `x` (> 0): 91.4 → 1, 0.19 → −1.
fn exponent(x: f64) -> i32 {
    x.abs().log10().floor() as i32
}

/// `value ± se`, the error to two significant digits and the value to the same decimal place ("91.40 ± 0.19");
/// in scientific notation with a shared exponent when either is large or small ("(0.91 ± 1.9)e10"). Without a
/// usable error, the value to four significant digits.
pub fn value_with_se(value: f64, se: Option<f64>) -> String {
    let Some(se) = se.filter(|s| s.is_finite() && *s > 0.0) else { return significant(value, 4) };
    if !value.is_finite() {
        return format!("{value} ± {}", significant(se, SE_DIGITS as usize));
    }
    let last = exponent(se) - (SE_DIGITS - 1);
    let largest = value.abs().max(se);
    let d = (-last).max(0) as usize;
    if (PLAIN_MIN..PLAIN_MAX).contains(&largest) && d <= MAX_PLAIN_DECIMALS {
        return format!("{value:.d$} ± {se:.d$}");
    }
    let e = exponent(largest);
    let scale = 10f64.powi(e);
    let d = (e - last).max(0) as usize;
    format!("({:.d$} ± {:.d$})e{e}", value / scale, se / scale)
}

/// `value` to `digits` significant digits: plain in [1e-3, 1e5), else scientific ("1.234e-5"); 0 as "0".
pub fn significant(value: f64, digits: usize) -> String {
    let digits = digits.max(1);
    if value == 0.0 {
        return "0".into();
    }
    if !value.is_finite() {
        return format!("{value}");
    }
    if (PLAIN_MIN..PLAIN_MAX).contains(&value.abs()) {
        let d = (digits as i32 - 1 - exponent(value)).max(0) as usize;
        format!("{value:.d$}")
    } else {
        format!("{value:.*e}", digits - 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_error_sets_the_digits() {
        assert_eq!(value_with_se(91.402545, Some(0.19152)), "91.40 ± 0.19");
        assert_eq!(value_with_se(0.0123456, Some(0.0004567)), "0.01235 ± 0.00046");
        assert_eq!(value_with_se(1234.567, Some(56.7)), "1235 ± 57");
        assert_eq!(value_with_se(12.0, Some(3.0)), "12.0 ± 3.0");
    }

    #[test]
    fn an_error_larger_than_its_value_shows_so_in_scientific_notation() {
        assert_eq!(value_with_se(91402545.0214, Some(19152927938.10)), "(0.0 ± 1.9)e10");
        assert_eq!(value_with_se(2.5e-6, Some(1.2e-7)), "(2.50 ± 0.12)e-6");
        assert_eq!(value_with_se(0.5, Some(1.234e-9)), "(5.000000000 ± 0.000000012)e-1");
    }

    #[test]
    fn without_an_error_four_significant_digits() {
        assert_eq!(value_with_se(4.56789, None), "4.568");
        assert_eq!(value_with_se(4.56789, Some(f64::NAN)), "4.568");
        assert_eq!(significant(0.000123456, 3), "1.23e-4");
        assert_eq!(significant(123456.0, 3), "1.23e5");
        assert_eq!(significant(91.4, 3), "91.4");
        assert_eq!(significant(0.0, 3), "0");
        assert_eq!(significant(-2.0, 2), "-2.0");
    }
}
