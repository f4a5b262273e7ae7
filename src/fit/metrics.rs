//! Lab report metrics of one peak from a sampled, baseline-removed curve (the fitted model curve or the trace).
//!
//! Definitions follow docs/lab-metrics.md and the USP/pharmacopeia habits; [`CONVENTION`] states
//! them in one paragraph for reports. Crossing times at a fraction of the height use linear interpolation between
//! samples; the apex uses a three-point parabola. Every quantity that the curve cannot support (a width whose level
//! is never crossed inside the window, a zero width) is `None`, never NaN.

/// The conventions used by [`peak_metrics`] and the pair functions, for printing in reports and tables.
pub const CONVENTION: &str = "Retention time t_R: apex of the curve (three-point parabolic refinement); mean: first \
moment. Area: trapezoidal integral of the baseline-removed signal over the window (signal·s). Height: apex minus \
baseline. Widths W50, W10, W5, W4.4 at 50/10/5/4.4 % of the height (linear interpolation between samples); tangent \
width Wt between the intersections of the inflection tangents with the baseline. USP tailing T = W5/(2·f5) at 5 % \
height; asymmetry As = b10/a10 at 10 % height. Plates N = 5.54·(t_R/W50)² (half-height, default); also \
16·(t_R/Wt)² (tangent) and mean²/variance (moments). Plate height H = L/N. Resolution Rs = 1.18·(t_R2 − t_R1)/(W50,1 + \
W50,2) (half-height, default); also 2·(t_R2 − t_R1)/(Wt1 + Wt2) (tangent/base). Selectivity α = k'2/k'1 with \
k' = (t_R − t_M)/t_M. Signal-to-noise S/N = 2H/h_noise with h_noise the peak-to-peak noise of a blank window \
(pharmacopeia); also H/σ_noise.";

/// The pharmacopeia coefficient of the half-height plate count (8 ln 2 = 5.545 rounded as labs print it).
pub const HALF_HEIGHT_PLATES_COEFFICIENT: f64 = 5.54;
/// The pharmacopeia coefficient of the half-height resolution (√(2 ln 2) = 1.177 rounded as labs print it).
pub const HALF_HEIGHT_RESOLUTION_COEFFICIENT: f64 = 1.18;

/// What prevents computing metrics.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum MetricsError {
    /// Time and signal lengths differ.
    #[error("time has {time} values, signal {signal}")]
    LengthMismatch { time: usize, signal: usize },
    /// Fewer than 3 points.
    #[error("need at least 3 points, got {0}")]
    TooFewPoints(usize),
    /// A NaN or infinite value, or time not strictly increasing.
    #[error("invalid input: {0}")]
    InvalidInput(&'static str),
    /// The curve has no positive maximum (no peak above the baseline).
    #[error("no positive peak in the window")]
    NoPeak,
}

/// Front and back crossing times of a level, seconds.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Crossing {
    /// The level as a fraction of the height (0.5 for W50).
    pub fraction: f64,
    /// Time where the rising edge crosses the level, s.
    pub front_s: f64,
    /// Time where the falling edge crosses the level, s.
    pub back_s: f64,
}

impl Crossing {
    /// Full width back − front, s.
    pub fn width_s(&self) -> f64 {
        self.back_s - self.front_s
    }
}

/// Metrics of one peak. Times in seconds, signal in the curve's units, areas in signal·s.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PeakMetrics {
    /// Apex time t_R with parabolic refinement, s.
    pub retention_time_s: f64,
    /// Index of the largest sample.
    pub apex_index: usize,
    /// Height at the apex (parabolic refinement), signal units.
    pub height: f64,
    /// Trapezoidal area over the window, signal·s.
    pub area: f64,
    /// First moment (mean time) ∫t·y/∫y, s; `None` if the area is not positive.
    pub first_moment_s: Option<f64>,
    /// Second central moment ∫(t − mean)²·y/∫y, s²; `None` if the area is not positive.
    pub variance_s2: Option<f64>,
    /// Crossings at 50 % of the height.
    pub w50: Option<Crossing>,
    /// Crossings at 10 %.
    pub w10: Option<Crossing>,
    /// Crossings at 5 %.
    pub w5: Option<Crossing>,
    /// Crossings at 4.4 % (= 5σ for a Gaussian).
    pub w4_4: Option<Crossing>,
    /// Tangent width Wt (4σ for a Gaussian), s.
    pub tangent_width_s: Option<f64>,
    /// USP tailing T = W5/(2 f5) (1 symmetric, > 1 tailing).
    pub tailing_usp: Option<f64>,
    /// Asymmetry As = b10/a10.
    pub asymmetry_10: Option<f64>,
    /// Plates 5.54·(t_R/W50)².
    pub plates_half_height: Option<f64>,
    /// Plates 16·(t_R/Wt)².
    pub plates_tangent: Option<f64>,
    /// Plates mean²/variance.
    pub plates_moments: Option<f64>,
}

fn positive(v: f64) -> Option<f64> {
    (v.is_finite() && v > 0.0).then_some(v)
}

/// Crossing times of `level` walking out from the apex (linear interpolation); `None` on a side that never drops
/// below the level inside the window.
fn crossing(t: &[f64], y: &[f64], apex: usize, level: f64, fraction: f64) -> Option<Crossing> {
    let interp = |a: usize, b: usize| {
        let d = y[b] - y[a];
        let f = if d != 0.0 { (level - y[a]) / d } else { 0.5 };
        t[a] + f.clamp(0.0, 1.0) * (t[b] - t[a])
    };
    let mut k = apex;
    while k > 0 && y[k - 1] >= level {
        k -= 1;
    }
    if k == 0 {
        return None;
    }
    let front_s = interp(k - 1, k);
    let mut k = apex;
    while k + 1 < y.len() && y[k + 1] >= level {
        k += 1;
    }
    if k + 1 == y.len() {
        return None;
    }
    let back_s = interp(k, k + 1);
    Some(Crossing { fraction, front_s, back_s })
}

/// Vertex of the parabola through three points: (t, y), or `None` if degenerate.
fn parabola_vertex(t: [f64; 3], y: [f64; 3]) -> Option<(f64, f64)> {
    let d1 = (y[1] - y[0]) / (t[1] - t[0]);
    let d2 = (y[2] - y[1]) / (t[2] - t[1]);
    let a = (d2 - d1) / (t[2] - t[0]);
    if !a.is_finite() || a >= 0.0 {
        return None;
    }
    // y = y0 + d1 (x − t0) + a (x − t0)(x − t1); y' = 0.
    let x = 0.5 * (t[0] + t[1]) - d1 / (2.0 * a);
    if !(x >= t[0] && x <= t[2]) {
        return None;
    }
    let v = y[0] + d1 * (x - t[0]) + a * (x - t[0]) * (x - t[1]);
    Some((x, v))
}

/// The extreme slope on one side: returns (time, slope, value) of the steepest rise in `range` (sign = 1) or
/// the steepest fall (sign = −1), refined by a parabola through neighbouring slopes.
fn steepest(t: &[f64], y: &[f64], range: std::ops::Range<usize>, sign: f64) -> Option<(f64, f64, f64)> {
    let slopes: Vec<(f64, f64)> =
        range.clone().map(|k| (0.5 * (t[k] + t[k + 1]), sign * (y[k + 1] - y[k]) / (t[k + 1] - t[k]))).collect();
    let (m, _) = slopes.iter().enumerate().max_by(|a, b| a.1.1.total_cmp(&b.1.1))?;
    let (mut tm, mut sm) = slopes[m];
    if m > 0
        && m + 1 < slopes.len()
        && let Some((x, v)) = parabola_vertex(
            [slopes[m - 1].0, slopes[m].0, slopes[m + 1].0],
            [slopes[m - 1].1, slopes[m].1, slopes[m + 1].1],
        )
    {
        tm = x;
        sm = v;
    }
    if sm.is_nan() || sm <= 0.0 {
        return None;
    }
    // Signal at tm by linear interpolation.
    let k = range.start + t[range.start..range.end + 1].partition_point(|&v| v <= tm).saturating_sub(1);
    let k = k.min(t.len() - 2);
    let f = ((tm - t[k]) / (t[k + 1] - t[k])).clamp(0.0, 1.0);
    let ym = y[k] + f * (y[k + 1] - y[k]);
    Some((tm, sign * sm, ym))
}

/// Computes [`PeakMetrics`] of the single peak in (t, y), y baseline-removed, t strictly increasing (s). The
/// window should contain the whole peak down to its 4.4 % level, or the corresponding widths are `None`.
/// Errors: mismatched lengths, fewer than 3 points, non-finite or non-increasing input, no positive maximum.
pub fn peak_metrics(t_s: &[f64], y: &[f64]) -> Result<PeakMetrics, MetricsError> {
    let n = y.len();
    if t_s.len() != n {
        return Err(MetricsError::LengthMismatch { time: t_s.len(), signal: n });
    }
    if n < 3 {
        return Err(MetricsError::TooFewPoints(n));
    }
    if y.iter().chain(t_s).any(|v| !v.is_finite()) {
        return Err(MetricsError::InvalidInput("non-finite value"));
    }
    if t_s.windows(2).any(|w| w[1] <= w[0]) {
        return Err(MetricsError::InvalidInput("time not strictly increasing"));
    }
    let apex = (0..n).max_by(|&a, &b| y[a].total_cmp(&y[b])).unwrap_or(0);
    if y[apex] <= 0.0 {
        return Err(MetricsError::NoPeak);
    }
    let (mut tr, mut h) = (t_s[apex], y[apex]);
    if apex > 0
        && apex + 1 < n
        && let Some((x, v)) =
            parabola_vertex([t_s[apex - 1], t_s[apex], t_s[apex + 1]], [y[apex - 1], y[apex], y[apex + 1]])
    {
        tr = x;
        h = v.max(y[apex]);
    }
    let mut area = 0.0;
    let mut m1 = 0.0;
    for k in 0..n - 1 {
        let dt = t_s[k + 1] - t_s[k];
        area += 0.5 * dt * (y[k] + y[k + 1]);
        m1 += 0.5 * dt * (t_s[k] * y[k] + t_s[k + 1] * y[k + 1]);
    }
    let (first_moment_s, variance_s2) = if area > 0.0 {
        let mean = m1 / area;
        let mut m2 = 0.0;
        for k in 0..n - 1 {
            let dt = t_s[k + 1] - t_s[k];
            m2 += 0.5 * dt * ((t_s[k] - mean).powi(2) * y[k] + (t_s[k + 1] - mean).powi(2) * y[k + 1]);
        }
        (Some(mean), positive(m2 / area))
    } else {
        (None, None)
    };
    let at = |f: f64| crossing(t_s, y, apex, f * h, f);
    let (w50, w10, w5, w4_4) = (at(0.5), at(0.1), at(0.05), at(0.044));

    // Inflection tangents, searched between the 5 % crossings (or the window edges) and the apex.
    let lo = w5.map_or(0, |c| t_s.partition_point(|&v| v < c.front_s).saturating_sub(1));
    let hi = w5.map_or(n - 1, |c| t_s.partition_point(|&v| v <= c.back_s).min(n - 1));
    let tangent_width_s = if apex > lo && hi > apex {
        match (steepest(t_s, y, lo..apex, 1.0), steepest(t_s, y, apex..hi, -1.0)) {
            (Some((t1, s1, y1)), Some((t2, s2, y2))) => positive((t2 - y2 / s2) - (t1 - y1 / s1)),
            _ => None,
        }
    } else {
        None
    };
    let tailing_usp = w5.and_then(|c| positive(c.width_s() / (2.0 * (tr - c.front_s))));
    let asymmetry_10 = w10.and_then(|c| positive((c.back_s - tr) / (tr - c.front_s)));
    let plates_half_height = w50.and_then(|c| positive(HALF_HEIGHT_PLATES_COEFFICIENT * (tr / c.width_s()).powi(2)));
    let plates_tangent = tangent_width_s.and_then(|w| positive(16.0 * (tr / w).powi(2)));
    let plates_moments = match (first_moment_s, variance_s2) {
        (Some(m), Some(v)) => positive(m * m / v),
        _ => None,
    };
    Ok(PeakMetrics {
        retention_time_s: tr,
        apex_index: apex,
        height: h,
        area,
        first_moment_s,
        variance_s2,
        w50,
        w10,
        w5,
        w4_4,
        tangent_width_s,
        tailing_usp,
        asymmetry_10,
        plates_half_height,
        plates_tangent,
        plates_moments,
    })
}

/// Area percent 100·area/total; `None` if the total is not positive.
pub fn area_percent(area: f64, total_area: f64) -> Option<f64> {
    positive(total_area).and_then(|t| {
        let v = 100.0 * area / t;
        v.is_finite().then_some(v)
    })
}

/// Plate height H = L/N, metres (L in metres); `None` unless both are positive.
pub fn plate_height_m(column_length_m: f64, plates: f64) -> Option<f64> {
    positive(column_length_m).zip(positive(plates)).and_then(|(l, n)| positive(l / n))
}

/// Retention factor k' = (t_R − t_M)/t_M; `None` unless t_M > 0.
pub fn retention_factor(retention_time_s: f64, holdup_time_s: f64) -> Option<f64> {
    positive(holdup_time_s).map(|tm| (retention_time_s - tm) / tm).filter(|v| v.is_finite())
}

/// Selectivity α = k'₂/k'₁ of neighbours (k'₁ the earlier peak); `None` unless k'₁ > 0.
pub fn selectivity(k1: f64, k2: f64) -> Option<f64> {
    positive(k1).map(|k| k2 / k).filter(|v| v.is_finite())
}

/// Half-height resolution Rs = 1.18·(t_R2 − t_R1)/(W50,1 + W50,2) (the default); `None` unless the widths sum
/// to a positive value.
pub fn resolution_half_height(t1_s: f64, w50_1_s: f64, t2_s: f64, w50_2_s: f64) -> Option<f64> {
    positive(w50_1_s + w50_2_s).map(|w| HALF_HEIGHT_RESOLUTION_COEFFICIENT * (t2_s - t1_s) / w)
}

/// Tangent (base-width) resolution Rs = 2·(t_R2 − t_R1)/(Wt1 + Wt2); `None` unless the widths sum positive.
pub fn resolution_tangent(t1_s: f64, wt_1_s: f64, t2_s: f64, wt_2_s: f64) -> Option<f64> {
    positive(wt_1_s + wt_2_s).map(|w| 2.0 * (t2_s - t1_s) / w)
}

/// Resolution between two measured peaks by both conventions: (half-height, tangent).
pub fn resolution(first: &PeakMetrics, second: &PeakMetrics) -> (Option<f64>, Option<f64>) {
    let half = first.w50.zip(second.w50).and_then(|(a, b)| {
        resolution_half_height(first.retention_time_s, a.width_s(), second.retention_time_s, b.width_s())
    });
    let tan = first
        .tangent_width_s
        .zip(second.tangent_width_s)
        .and_then(|(a, b)| resolution_tangent(first.retention_time_s, a, second.retention_time_s, b));
    (half, tan)
}

/// Signal-to-noise 2H/h_noise with h_noise the peak-to-peak noise (the pharmacopeia form, default); `None`
/// unless h_noise > 0.
pub fn signal_to_noise_peak_to_peak(height: f64, h_noise: f64) -> Option<f64> {
    positive(h_noise).map(|h| 2.0 * height / h)
}

/// Signal-to-noise H/σ_noise with σ_noise the noise standard deviation; `None` unless σ > 0.
pub fn signal_to_noise_sd(height: f64, noise_sd: f64) -> Option<f64> {
    positive(noise_sd).map(|s| height / s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parabola_vertex_is_exact_for_a_parabola_on_an_uneven_grid() {
        let f = |x: f64| 3.0 - 2.0 * (x - 1.3).powi(2);
        let t = [1.0, 1.25, 1.9];
        let (x, v) = parabola_vertex(t, t.map(f)).unwrap();
        assert!((x - 1.3).abs() < 1e-12 && (v - 3.0).abs() < 1e-12);
    }

    #[test]
    fn truncated_windows_give_none_not_nan() {
        let t: Vec<f64> = (0..50).map(|i| i as f64 * 0.1).collect();
        let y: Vec<f64> = t.iter().map(|t| (-0.5 * ((t - 4.0) / 0.5f64).powi(2)).exp()).collect();
        let m = peak_metrics(&t, &y).unwrap();
        assert!(m.w50.is_some() && m.w5.is_none() && m.tailing_usp.is_none());
        assert!(peak_metrics(&t, &vec![-1.0; 50]).is_err());
    }

    #[test]
    fn pair_helpers() {
        assert_eq!(area_percent(25.0, 200.0), Some(12.5));
        assert_eq!(area_percent(1.0, 0.0), None);
        assert_eq!(plate_height_m(30.0, 100_000.0), Some(3e-4));
        assert_eq!(retention_factor(300.0, 100.0), Some(2.0));
        assert_eq!(selectivity(2.0, 3.0), Some(1.5));
        assert_eq!(signal_to_noise_peak_to_peak(10.0, 0.5), Some(40.0));
        assert_eq!(signal_to_noise_sd(10.0, 0.1), Some(100.0));
    }
}
