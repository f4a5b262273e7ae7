//! Peak finding by prominence, in bounded time.
//!
//! Steps: estimate the noise σ from the data ([`noise_sd_at_lag`](super::noise::noise_sd_at_lag), the largest of lags 1, 2, 4 so that
//! detector-filtered noise is not underestimated); smooth lightly (centred moving average); find local maxima
//! (plateaus give their middle); compute each maximum's prominence exactly as scipy's `peak_prominences` (with no
//! window limit) in O(n) with monotonic stacks; keep maxima with prominence ≥ k·σ; keep the N most prominent.
//! Total O(n + N log N) time and O(n) memory, so it always ends quickly.
//!
//! Negative peaks (e.g. TCD) are found with [`Polarity::Negative`] (the search runs on −y; heights and
//! prominences are reported as positive magnitudes, values in the data's own sign).

use super::lsq::CancelToken;
use super::noise::noise_sd_at_lag_until;

/// Which way peaks point.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub enum Polarity {
    /// Peaks rise above the baseline (FID, MS). The default.
    #[default]
    Positive,
    /// Peaks dip below the baseline (some TCD traces).
    Negative,
}

/// Options for [`find_peaks`]. Defaults: `min_prominence_sigma` 10, `max_peaks` 50, `smoothing_points` 5,
/// positive polarity, noise estimated from the data.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PeakFindOptions {
    /// k: a candidate needs prominence ≥ k·σ_noise (σ of the raw trace). Default 10; 5–8 finds smaller peaks
    /// at the risk of noise spikes on non-Gaussian noise.
    pub min_prominence_sigma: f64,
    /// N: keep only the N most prominent candidates. Default 50.
    pub max_peaks: usize,
    /// Width of the centred moving average, points (1 = none; even values are rounded up). Default 5.
    pub smoothing_points: usize,
    /// Peak direction. Default positive.
    pub polarity: Polarity,
    /// Use this σ_noise (signal units) instead of estimating it. Default `None`.
    pub noise_sd: Option<f64>,
}

impl Default for PeakFindOptions {
    fn default() -> Self {
        Self {
            min_prominence_sigma: 10.0,
            max_peaks: 50,
            smoothing_points: 5,
            polarity: Polarity::Positive,
            noise_sd: None,
        }
    }
}

impl PeakFindOptions {
    /// Sets k (prominence threshold in noise standard deviations).
    pub fn with_min_prominence_sigma(mut self, k: f64) -> Self {
        self.min_prominence_sigma = k;
        self
    }
    /// Sets the cap N on candidates.
    pub fn with_max_peaks(mut self, n: usize) -> Self {
        self.max_peaks = n;
        self
    }
    /// Sets the smoothing window (points).
    pub fn with_smoothing_points(mut self, w: usize) -> Self {
        self.smoothing_points = w;
        self
    }
    /// Sets the polarity.
    pub fn with_polarity(mut self, p: Polarity) -> Self {
        self.polarity = p;
        self
    }
    /// Fixes σ_noise instead of estimating it.
    pub fn with_noise_sd(mut self, sd: f64) -> Self {
        self.noise_sd = Some(sd);
        self
    }
}

/// One candidate peak. Indices refer to the input arrays; times are in the input's time unit (seconds).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FoundPeak {
    /// Index of the apex (the maximum of the smoothed trace).
    pub apex_index: usize,
    /// Time of the apex, s.
    pub apex_time_s: f64,
    /// Raw signal at the apex, in the data's sign.
    pub apex_value: f64,
    /// Smoothed apex height above the straight line joining the two bases (magnitude, signal units). The bases
    /// are minima of the smoothed noise, so on noisy data this reads high by about 1–3 noise σ.
    pub height: f64,
    /// Prominence of the smoothed apex (magnitude, signal units).
    pub prominence: f64,
    /// Index of the lowest point between the apex and the nearest higher point (or edge) on the left.
    pub left_base_index: usize,
    /// Same on the right.
    pub right_base_index: usize,
    /// Time of the left base, s.
    pub left_base_time_s: f64,
    /// Time of the right base, s.
    pub right_base_time_s: f64,
    /// Full width at half prominence, s (linear interpolation of the smoothed trace).
    pub width_half_prominence_s: f64,
}

/// The candidates and the figures used to find them.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PeakFindResult {
    /// Peaks in time order.
    pub peaks: Vec<FoundPeak>,
    /// σ_noise used (signal units).
    pub noise_sd: f64,
    /// Prominence threshold k·σ_noise (signal units).
    pub threshold: f64,
    /// Number of maxima above the threshold before the cap (≥ `peaks.len()`).
    pub candidates_above_threshold: usize,
    /// The prominence of each of those candidates, largest first (signal units).
    pub candidate_prominences: Vec<f64>,
}

/// What prevents peak finding.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PeakFindError {
    /// Time and signal lengths differ.
    #[error("time has {time} values, signal {signal}")]
    LengthMismatch { time: usize, signal: usize },
    /// A NaN or infinite value.
    #[error("non-finite {0}")]
    NonFinite(&'static str),
    /// An option out of range.
    #[error("invalid option: {0}")]
    InvalidOption(&'static str),
    /// The cancel token of [`find_peaks_cancellable`] was set.
    #[error("cancelled")]
    Cancelled,
}

/// Centred moving average with windows shrinking at the edges; O(n) via prefix sums.
pub fn moving_average(y: &[f64], window: usize) -> Vec<f64> {
    let n = y.len();
    let half = window.max(1) / 2;
    if half == 0 || n == 0 {
        return y.to_vec();
    }
    let mut prefix = vec![0.0; n + 1];
    for i in 0..n {
        prefix[i + 1] = prefix[i] + y[i];
    }
    (0..n)
        .map(|i| {
            let lo = i.saturating_sub(half);
            let hi = (i + half + 1).min(n);
            (prefix[hi] - prefix[lo]) / (hi - lo) as f64
        })
        .collect()
}

/// For each i: (min of a over (p, i], its index) where p is the nearest index to the left with a[p] > a[i]
/// (or the start). O(n) with a monotonic stack.
fn left_minima(a: &[f64]) -> Vec<(f64, usize)> {
    let mut out = Vec::with_capacity(a.len());
    let mut stack: Vec<(usize, f64, usize)> = Vec::new();
    for (i, &v) in a.iter().enumerate() {
        let (mut m, mut mi) = (v, i);
        while let Some(&(j, sm, smi)) = stack.last() {
            if a[j] > v {
                break;
            }
            if sm < m {
                m = sm;
                mi = smi;
            }
            stack.pop();
        }
        stack.push((i, m, mi));
        out.push((m, mi));
    }
    out
}

/// Finds peaks in (t, y). See the module doc for the method and [`PeakFindOptions`] for the knobs.
/// Errors on mismatched lengths, non-finite values, or options out of range (k < 0 or NaN). Fewer than 3 points
/// give no peaks.
///
/// About 100 lines for a reason: one pass of the method in the module doc, whose steps (smoothing, noise,
/// candidates, prominence, the cap) share the same buffers.
pub fn find_peaks(t_s: &[f64], y: &[f64], options: &PeakFindOptions) -> Result<PeakFindResult, PeakFindError> {
    find_peaks_cancellable(t_s, y, options, None)
}

/// [`find_peaks`] that looks at `cancel` between its passes over the trace (each takes tens of milliseconds on 5
/// million points) and stops with [`PeakFindError::Cancelled`] once it is set.
pub fn find_peaks_cancellable(
    t_s: &[f64],
    y: &[f64],
    options: &PeakFindOptions,
    cancel: Option<&CancelToken>,
) -> Result<PeakFindResult, PeakFindError> {
    let stop = || if cancel.is_some_and(CancelToken::is_cancelled) { Err(PeakFindError::Cancelled) } else { Ok(()) };
    if t_s.len() != y.len() {
        return Err(PeakFindError::LengthMismatch { time: t_s.len(), signal: y.len() });
    }
    if t_s.iter().any(|v| !v.is_finite()) {
        return Err(PeakFindError::NonFinite("time"));
    }
    stop()?;
    if y.iter().any(|v| !v.is_finite()) {
        return Err(PeakFindError::NonFinite("signal"));
    }
    if !options.min_prominence_sigma.is_finite() || options.min_prominence_sigma < 0.0 {
        return Err(PeakFindError::InvalidOption("min_prominence_sigma must be finite and ≥ 0"));
    }
    if options.noise_sd.is_some_and(|s| !(s.is_finite() && s >= 0.0)) {
        return Err(PeakFindError::InvalidOption("noise_sd must be finite and ≥ 0"));
    }
    let n = y.len();
    let sign = if options.polarity == Polarity::Negative { -1.0 } else { 1.0 };
    let s: Vec<f64> = y.iter().map(|v| sign * v).collect();
    stop()?;
    let sigma = match options.noise_sd {
        Some(sd) => sd,
        None => {
            let mut largest = 0.0f64;
            let stopped = || cancel.is_some_and(CancelToken::is_cancelled);
            for lag in [1, 2, 4] {
                let sd = noise_sd_at_lag_until(&s, lag, &stopped).ok_or(PeakFindError::Cancelled)?;
                largest = sd.map_or(largest, |sd| largest.max(sd));
            }
            largest
        }
    };
    stop()?;
    let range = s.iter().fold(f64::NEG_INFINITY, |a, &b| a.max(b)) - s.iter().fold(f64::INFINITY, |a, &b| a.min(b));
    // A noise-free trace would accept rounding wiggles; floor the threshold at a tiny fraction of the range.
    let threshold = (options.min_prominence_sigma * sigma).max(1e-9 * range.max(0.0));
    let mut result = PeakFindResult {
        peaks: vec![],
        noise_sd: sigma,
        threshold,
        candidates_above_threshold: 0,
        candidate_prominences: vec![],
    };
    if n < 3 || options.max_peaks == 0 {
        return Ok(result);
    }
    stop()?;
    let sm = moving_average(&s, options.smoothing_points);
    stop()?;
    let left = left_minima(&sm);
    stop()?;
    let rev: Vec<f64> = sm.iter().rev().copied().collect();
    let right_rev = left_minima(&rev);
    stop()?;

    let mut cands: Vec<(usize, f64, usize, usize)> = Vec::new(); // (apex, prominence, left base, right base)
    let mut i = 1;
    while i + 1 < n {
        if sm[i - 1] < sm[i] {
            let mut j = i;
            while j + 1 < n && sm[j + 1] == sm[i] {
                j += 1;
            }
            if j + 1 < n && sm[j + 1] < sm[i] {
                let apex = (i + j) / 2;
                let (lm, li) = left[i];
                let (rm, rj) = right_rev[n - 1 - j];
                let prom = sm[apex] - lm.max(rm);
                if prom >= threshold && prom > 0.0 {
                    cands.push((apex, prom, li, n - 1 - rj));
                }
            }
            i = j + 1;
        } else {
            i += 1;
        }
    }
    stop()?;
    result.candidates_above_threshold = cands.len();
    result.candidate_prominences = cands.iter().map(|c| c.1).collect();
    result.candidate_prominences.sort_by(|a, b| b.total_cmp(a));
    if cands.len() > options.max_peaks {
        cands.select_nth_unstable_by(options.max_peaks - 1, |a, b| b.1.total_cmp(&a.1));
        cands.truncate(options.max_peaks);
    }
    cands.sort_by_key(|c| c.0);

    for (apex_sm, prom, lb, rb) in cands {
        // The smoothed maximum: on a noisy flat top it is steadier than the raw maximum.
        let apex = apex_sm;
        let base_at = if rb > lb {
            let f = (t_s[apex_sm] - t_s[lb]) / (t_s[rb] - t_s[lb]);
            let f = if f.is_finite() { f } else { 0.5 };
            sm[lb] + f * (sm[rb] - sm[lb])
        } else {
            sm[lb]
        };
        let level = sm[apex_sm] - 0.5 * prom;
        let crossing = |a: usize, b: usize| -> f64 {
            let d = sm[b] - sm[a];
            let f = if d != 0.0 { (level - sm[a]) / d } else { 0.0 };
            t_s[a] + f.clamp(0.0, 1.0) * (t_s[b] - t_s[a])
        };
        let mut k = apex_sm;
        while k > lb && sm[k - 1] > level {
            k -= 1;
        }
        let t_left = if k > lb || sm[k] <= level { if k > 0 { crossing(k - 1, k) } else { t_s[k] } } else { t_s[k] };
        let mut k = apex_sm;
        while k < rb && sm[k + 1] > level {
            k += 1;
        }
        let t_right = if k + 1 < n { crossing(k, k + 1) } else { t_s[k] };
        result.peaks.push(FoundPeak {
            apex_index: apex,
            apex_time_s: t_s[apex],
            apex_value: y[apex],
            height: (sm[apex_sm] - base_at).max(0.0),
            prominence: prom,
            left_base_index: lb,
            right_base_index: rb,
            left_base_time_s: t_s[lb],
            right_base_time_s: t_s[rb],
            width_half_prominence_s: (t_right - t_left).max(0.0),
        });
    }
    Ok(result)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fit::noise::tests::gaussian_noise;

    #[test]
    fn prominence_matches_a_brute_force_definition() {
        let y = gaussian_noise(400, 1.0, 3);
        let left = left_minima(&y);
        for i in 0..y.len() {
            let mut m = y[i];
            let mut k = i;
            while k > 0 && y[k - 1] <= y[i] {
                k -= 1;
                m = m.min(y[k]);
            }
            assert_eq!(left[i].0, m, "at {i}");
        }
    }

    #[test]
    fn finds_two_gaussians_with_widths_and_bases() {
        let n = 2000;
        let t: Vec<f64> = (0..n).map(|i| i as f64 * 0.1).collect();
        let noise = gaussian_noise(n, 0.01, 11);
        let y: Vec<f64> = t
            .iter()
            .zip(&noise)
            .map(|(&t, e)| {
                2.0 * (-0.5 * ((t - 60.0) / 1.5f64).powi(2)).exp() + (-0.5 * ((t - 120.0) / 2.0f64).powi(2)).exp() + e
            })
            .collect();
        let r = find_peaks(&t, &y, &PeakFindOptions::default()).unwrap();
        assert_eq!(r.peaks.len(), 2, "{:?}", r.peaks);
        let fwhm = 2.0 * (2.0 * 2f64.ln()).sqrt();
        for (p, (c, sd, h)) in r.peaks.iter().zip([(60.0, 1.5, 2.0), (120.0, 2.0, 1.0)]) {
            assert!((p.apex_time_s - c).abs() <= 0.3, "{p:?}");
            assert!((p.height / h - 1.0).abs() < 0.03, "{p:?}");
            assert!((p.width_half_prominence_s / (fwhm * sd) - 1.0).abs() < 0.05, "{p:?}");
            assert!(p.left_base_time_s < c - 3.0 * sd && p.right_base_time_s > c + 3.0 * sd);
        }
        // Lags up to 4 see a little of the peak slopes: a slight, conservative over-estimate.
        assert!(r.noise_sd / 0.01 > 0.95 && r.noise_sd / 0.01 < 1.2, "{}", r.noise_sd);
    }

    #[test]
    fn negative_peaks_and_cap() {
        let n = 3000;
        let t: Vec<f64> = (0..n).map(|i| i as f64).collect();
        let y: Vec<f64> = t
            .iter()
            .map(|&t| -((t % 300.0 - 150.0) / 10.0f64).powi(2).mul_add(-0.5, 0.0).exp() * (1.0 + t / 3000.0))
            .collect();
        let neg = find_peaks(&t, &y, &PeakFindOptions::default().with_polarity(Polarity::Negative)).unwrap();
        assert_eq!(neg.peaks.len(), 10);
        assert!(neg.peaks.iter().all(|p| p.apex_value < 0.0 && (p.apex_time_s % 300.0 - 150.0).abs() < 1.0));
        let pos = find_peaks(&t, &y, &PeakFindOptions::default()).unwrap();
        // With positive polarity the only maxima are the flat stretches between the dips.
        assert!(pos.peaks.iter().all(|p| p.apex_value > -0.01));
        let capped =
            find_peaks(&t, &y, &PeakFindOptions::default().with_polarity(Polarity::Negative).with_max_peaks(3))
                .unwrap();
        assert_eq!(capped.peaks.len(), 3);
        assert_eq!(capped.candidates_above_threshold, 10);
        // The three kept are the most prominent: the last three (amplitude grows with t).
        assert!(capped.peaks.iter().all(|p| p.apex_time_s > 2100.0));
    }
}
