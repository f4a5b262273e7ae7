//! Initial peak parameters from the local shape of a measured trace: the apex, the half-height window around
//! it, and the moment inverse of gc-model §3. Used when the user clicks on the trace to add a peak, and by the
//! placeholder peak detection in [`super::jobs`].

use super::params::{rates_from_moments, sample_moments};
use crate::model::{Column, Peak};

/// Robust noise level of a signal (signal units): the median absolute first difference / (√2 · 0.6745), which
/// ignores slow peaks and baseline drift. 0 with fewer than three samples.
pub fn noise_sigma(signal: &[f64]) -> f64 {
    if signal.len() < 3 {
        return 0.0;
    }
    let mut d: Vec<f64> = signal.windows(2).map(|w| (w[1] - w[0]).abs()).collect();
    let mid = d.len() / 2;
    let (_, m, _) = d.select_nth_unstable_by(mid, f64::total_cmp);
    *m / (std::f64::consts::SQRT_2 * 0.6745)
}

/// The median of `values` (0 when empty).
pub fn median(values: &[f64]) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    let mut v = values.to_vec();
    let mid = v.len() / 2;
    let (_, m, _) = v.select_nth_unstable_by(mid, f64::total_cmp);
    *m
}

/// Index of the highest sample of `signal` within `radius` samples of `index`.
pub fn climb_to_apex(signal: &[f64], index: usize, radius: usize) -> usize {
    let lo = index.saturating_sub(radius);
    let hi = (index + radius + 1).min(signal.len());
    (lo..hi).max_by(|&a, &b| signal[a].total_cmp(&signal[b])).unwrap_or(index)
}

/// The indices (first, last) around `apex` where `signal` stays above half its apex value.
pub fn half_height_bounds(signal: &[f64], apex: usize) -> (usize, usize) {
    bounds_above(signal, apex, signal[apex] / 2.0)
}

/// The indices (first, last) of the run of samples around `apex` that stay above `level`.
pub fn bounds_above(signal: &[f64], apex: usize, level: f64) -> (usize, usize) {
    let mut lo = apex;
    while lo > 0 && signal[lo - 1] > level {
        lo -= 1;
    }
    let mut hi = apex;
    while hi + 1 < signal.len() && signal[hi + 1] > level {
        hi += 1;
    }
    (lo, hi)
}

/// The half-height window around `apex`, widened `widen` times its half-widths on each side (at least two
/// samples), for the moments to see the tails.
pub fn half_height_window(signal: &[f64], apex: usize, widen: f64) -> (usize, usize) {
    let (lo, hi) = half_height_bounds(signal, apex);
    let extra_lo = ((apex - lo) as f64 * widen).ceil() as usize;
    let extra_hi = ((hi - apex) as f64 * widen).ceil() as usize;
    (apex.saturating_sub(extra_lo.max(2)), (apex + extra_hi.max(2)).min(signal.len() - 1))
}

/// A peak with its apex near `apex` of `signal` (baseline and other peaks already removed), with k_a and k_d
/// from the moments of the window around it and the window's area. When the moments are out of the model's
/// reach (a peak before t0 or narrower than the injection), falls back to a peak at least t0 + 3σ_min late.
pub fn peak_from_shape(column: &Column, time_s: &[f64], signal: &[f64], apex: usize, name: String) -> Option<Peak> {
    if signal.len() < 5 || apex >= signal.len() || signal[apex] <= 0.0 {
        return None;
    }
    let (lo, hi) = half_height_window(signal, apex, 3.0);
    // Remove what is left of a baseline: the straight line through the window's ends (when below the apex).
    let (t_lo, t_hi) = (time_s[lo], time_s[hi]);
    let (y_lo, y_hi) = (signal[lo].min(signal[apex]), signal[hi].min(signal[apex]));
    let line = |t: f64| if t_hi > t_lo { y_lo + (y_hi - y_lo) * (t - t_lo) / (t_hi - t_lo) } else { y_lo };
    let net: Vec<f64> = (lo..=hi).map(|k| signal[k] - line(time_s[k])).collect();
    let (mean, sigma, area) = sample_moments(&time_s[lo..=hi], &net)?;
    let min_sigma = super::params::min_sigma_s(column) * 1.05;
    let min_mean = super::params::min_mean_s(column) + min_sigma;
    let (ka, kd) = rates_from_moments(column, mean.max(min_mean), sigma.max(min_sigma))?;
    Some(Peak::new(name, ka, kd, area))
}

/// Local maxima of `signal` above `threshold` that are the highest sample of their own half-height window
/// (so ripples on a flank do not count), at least `min_gap` samples apart (the higher one wins).
pub fn find_apexes(signal: &[f64], threshold: f64, min_gap: usize) -> Vec<usize> {
    let mut apexes: Vec<usize> = Vec::new();
    for i in 1..signal.len().saturating_sub(1) {
        if !(signal[i] > threshold && signal[i] >= signal[i - 1] && signal[i] > signal[i + 1]) {
            continue;
        }
        let (lo, hi) = half_height_bounds(signal, i);
        if signal[lo..=hi].iter().any(|&y| y > signal[i]) {
            continue;
        }
        match apexes.last_mut() {
            Some(last) if i - *last < min_gap => {
                if signal[i] > signal[*last] {
                    *last = i;
                }
            }
            _ => apexes.push(i),
        }
    }
    apexes
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::params::{mean_s, sigma_s};

    #[test]
    fn a_gaussian_shaped_peak_comes_back_with_its_moments() {
        let column = Column::paper_btex();
        let t: Vec<f64> = (0..8000).map(|i| i as f64 * 0.1).collect();
        let y: Vec<f64> = t.iter().map(|&t| 50.0 * (-(t - 231.2f64).powi(2) / (2.0 * 5.94 * 5.94)).exp()).collect();
        let apex = climb_to_apex(&y, 2300, 50);
        assert_eq!(apex, 2312);
        let p = peak_from_shape(&column, &t, &y, apex, "x".into()).unwrap();
        assert!((mean_s(&column, &p) - 231.2).abs() < 0.05);
        // The ±3·HWHM (±3.5σ) window clips the tails a little: σ within 3 %.
        assert!((sigma_s(&column, &p) / 5.94 - 1.0).abs() < 0.03, "{}", sigma_s(&column, &p));
        assert!((p.area / (50.0 * 5.94 * (2.0 * std::f64::consts::PI).sqrt()) - 1.0).abs() < 0.02);
        assert_eq!(find_apexes(&y, 10.0, 20), vec![2312]);
    }

    #[test]
    fn noise_of_white_noise_is_its_sigma() {
        // A deterministic pseudo-random sequence (LCG) turned into roughly normal noise by summing 12 uniforms.
        let mut state = 12345u64;
        let mut uniform = || {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (state >> 11) as f64 / (1u64 << 53) as f64
        };
        let y: Vec<f64> = (0..20000).map(|_| (0..12).map(|_| uniform()).sum::<f64>() - 6.0).collect();
        assert!((noise_sigma(&y) - 1.0).abs() < 0.05, "{}", noise_sigma(&y));
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
    }
}
