//! Robust noise estimates from the data itself.
//!
//! * [`noise_sd`]: σ from the median absolute deviation of the first differences, σ ≈ 1.4826·MAD(Δy)/√2. Smooth
//!   signal (peaks, drift) hardly changes first differences, so this measures the white-noise level even on a
//!   trace full of peaks. O(n) (selection, not sorting).
//! * [`peak_to_peak_noise`]: h_noise = max − min of a linearly detrended window (the pharmacopeia convention for
//!   S/N = 2H/h_noise); apply it to a blank stretch.

/// Median of a scratch buffer (reordered in place); `None` when empty. O(n) by selection.
fn median_in_place(v: &mut [f64]) -> Option<f64> {
    let n = v.len();
    if n == 0 {
        return None;
    }
    let mid = n / 2;
    let (_, m, _) = v.select_nth_unstable_by(mid, f64::total_cmp);
    let upper = *m;
    if n % 2 == 1 {
        return Some(upper);
    }
    let lower = v[..mid].iter().copied().fold(f64::NEG_INFINITY, f64::max);
    Some(0.5 * (lower + upper))
}

/// White-noise standard deviation estimated as 1.4826·MAD(Δy)/√2 (signal units). Non-finite values are skipped.
/// `None` with fewer than 3 usable differences. Returns 0 for a noise-free (piecewise constant) signal.
pub fn noise_sd(y: &[f64]) -> Option<f64> {
    noise_sd_at_lag(y, 1)
}

/// Like [`noise_sd`] but from differences at lag `lag` ≥ 1: 1.4826·MAD(y(i+lag) − y(i))/√2. For white noise
/// every lag gives σ; for detector-filtered (correlated) noise lag 1 underestimates σ and larger lags approach
/// it. `None` with fewer than 3 usable differences or `lag` = 0.
pub fn noise_sd_at_lag(y: &[f64], lag: usize) -> Option<f64> {
    noise_sd_at_lag_until(y, lag, &|| false).flatten()
}

/// [`noise_sd_at_lag`] that asks `stopped` between its passes (the differences, two selections): `None` once it
/// says true, else `Some` of the estimate. Each pass over 5 million points takes tens of milliseconds.
pub(crate) fn noise_sd_at_lag_until(y: &[f64], lag: usize, stopped: &dyn Fn() -> bool) -> Option<Option<f64>> {
    if lag == 0 || y.len() <= lag {
        return Some(None);
    }
    let mut d: Vec<f64> = Vec::with_capacity(y.len() - lag);
    d.extend(y.iter().zip(&y[lag..]).map(|(a, b)| b - a).filter(|v| v.is_finite()));
    if d.len() < 3 {
        return Some(None);
    }
    if stopped() {
        return None;
    }
    let Some(med) = median_in_place(&mut d) else { return Some(None) };
    if stopped() {
        return None;
    }
    d.iter_mut().for_each(|v| *v = (*v - med).abs());
    let mad = median_in_place(&mut d);
    Some(mad.map(|mad| 1.4826 * mad / std::f64::consts::SQRT_2))
}

/// Peak-to-peak noise h_noise (signal units): max − min of y after removing its least-squares straight line
/// against t. `None` with fewer than 3 points, mismatched lengths or non-finite input.
pub fn peak_to_peak_noise(t_s: &[f64], y: &[f64]) -> Option<f64> {
    let n = y.len();
    if n < 3 || t_s.len() != n || y.iter().chain(t_s).any(|v| !v.is_finite()) {
        return None;
    }
    let nf = n as f64;
    let tm = t_s.iter().sum::<f64>() / nf;
    let ym = y.iter().sum::<f64>() / nf;
    let sxx: f64 = t_s.iter().map(|t| (t - tm).powi(2)).sum();
    let sxy: f64 = t_s.iter().zip(y).map(|(t, v)| (t - tm) * (v - ym)).sum();
    let slope = if sxx > 0.0 { sxy / sxx } else { 0.0 };
    let (lo, hi) = t_s
        .iter()
        .zip(y)
        .map(|(t, v)| v - ym - slope * (t - tm))
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), r| (a.min(r), b.max(r)));
    Some(hi - lo)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A small deterministic Gaussian generator (xorshift + Box–Muller) for tests.
    pub(crate) fn gaussian_noise(n: usize, sd: f64, seed: u64) -> Vec<f64> {
        let mut s = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
        let mut uni = || {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            ((s >> 11) as f64 + 0.5) / (1u64 << 53) as f64
        };
        (0..n).map(|_| sd * (-2.0 * uni().ln()).sqrt() * (2.0 * std::f64::consts::PI * uni()).cos()).collect()
    }

    #[test]
    fn mad_noise_recovers_sigma_under_peaks_and_drift() {
        let n = 20_000;
        let noise = gaussian_noise(n, 0.05, 7);
        let y: Vec<f64> = (0..n)
            .map(|i| {
                let t = i as f64;
                0.001 * t + 10.0 * (-((t - 5000.0) / 40.0).powi(2)).exp() + noise[i]
            })
            .collect();
        let s = noise_sd(&y).unwrap();
        assert!((s / 0.05 - 1.0).abs() < 0.05, "{s}");
    }

    #[test]
    fn median_handles_even_and_odd() {
        assert_eq!(median_in_place(&mut [3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median_in_place(&mut [4.0, 1.0, 3.0, 2.0]), Some(2.5));
        assert_eq!(median_in_place(&mut []), None);
    }

    #[test]
    fn peak_to_peak_ignores_a_linear_trend() {
        let t: Vec<f64> = (0..100).map(|i| i as f64).collect();
        let y: Vec<f64> =
            t.iter().map(|t| 5.0 + 2.0 * t + if (*t as usize).is_multiple_of(2) { 0.1 } else { -0.1 }).collect();
        let h = peak_to_peak_noise(&t, &y).unwrap();
        assert!((h - 0.2).abs() < 0.01, "{h}");
    }
}
