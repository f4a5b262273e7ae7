//! Initial peak parameters from the local shape of a measured trace: the apex, the half-height window around
//! it, and the moment inverse of docs/gc-model.md §3. Used when the user clicks on the trace to add a peak.

use crate::model::moments::rates_from_moments;
use crate::model::{Column, Peak};

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
    let min_sigma = crate::model::moments::inlet_sd_s(column) * 1.05;
    let min_mean = crate::model::moments::unretained_mean_s(column) + min_sigma;
    let (ka, kd) = rates_from_moments(column, mean.max(min_mean), sigma.max(min_sigma))?;
    Some(Peak::new(name, ka, kd, area))
}

/// Mean (s), σ (s) and area of a sampled peak (baseline already removed), from its first two moments by the
/// trapezoid rule over positive values. `None` with fewer than three samples or no positive area.
pub fn sample_moments(time_s: &[f64], signal: &[f64]) -> Option<(f64, f64, f64)> {
    if time_s.len() < 3 || time_s.len() != signal.len() {
        return None;
    }
    let (mut m0, mut m1, mut m2) = (0.0, 0.0, 0.0);
    for i in 1..time_s.len() {
        let dt = time_s[i] - time_s[i - 1];
        for (t, y) in [(time_s[i - 1], signal[i - 1]), (time_s[i], signal[i])] {
            let w = 0.5 * dt * y.max(0.0);
            m0 += w;
            m1 += w * t;
            m2 += w * t * t;
        }
    }
    if m0 <= 0.0 {
        return None;
    }
    let mean = m1 / m0;
    let var = (m2 / m0 - mean * mean).max(0.0);
    Some((mean, var.sqrt(), m0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_gaussian_shaped_peak_comes_back_with_its_moments() {
        let column = Column::paper_btex();
        let t: Vec<f64> = (0..8000).map(|i| i as f64 * 0.1).collect();
        let y: Vec<f64> = t.iter().map(|&t| 50.0 * (-(t - 231.2f64).powi(2) / (2.0 * 5.94 * 5.94)).exp()).collect();
        let apex = climb_to_apex(&y, 2300, 50);
        assert_eq!(apex, 2312);
        let p = peak_from_shape(&column, &t, &y, apex, "x".into()).unwrap();
        assert!((crate::model::moments(&column, &p).mean_s - 231.2).abs() < 0.05);
        // The ±3·HWHM (±3.5σ) window clips the tails a little: σ within 3 %.
        assert!(
            (crate::model::moments(&column, &p).variance_s2.sqrt() / 5.94 - 1.0).abs() < 0.03,
            "{}",
            crate::model::moments(&column, &p).variance_s2.sqrt()
        );
        assert!((p.area / (50.0 * 5.94 * (2.0 * std::f64::consts::PI).sqrt()) - 1.0).abs() < 0.02);
    }

    #[test]
    fn median_of_a_few_values() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[]), 0.0);
    }

    #[test]
    fn sample_moments_of_a_gaussian() {
        let t: Vec<f64> = (0..2001).map(|i| i as f64 * 0.05).collect();
        let y: Vec<f64> = t.iter().map(|&t| 3.0 * (-(t - 50.0).powi(2) / (2.0 * 4.0)).exp()).collect();
        let (m, s, a) = sample_moments(&t, &y).unwrap();
        assert!((m - 50.0).abs() < 1e-9 && (s - 2.0).abs() < 1e-6);
        assert!((a - 3.0 * (2.0 * std::f64::consts::PI * 4.0).sqrt()).abs() < 1e-6);
    }
}
