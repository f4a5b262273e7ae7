//! Whether the data support an extra peak: the change in BIC between two fits of one window, counted with an
//! effective number of points that allows for the residuals' autocorrelation.
//!
//! A chromatogram's residuals are rarely independent: where the model's shape misses the peak's, they run in
//! long stretches of one sign (SOLV001's have a lag-1 autocorrelation of 0.7–0.8). A BIC that counts the raw
//! points then overstates the evidence several-fold, and any extra peak "improves" the fit by soaking up shape
//! misfit. With lag-1 autocorrelation ρ (an AR(1) view of the residuals) the window carries about
//! n_eff = n (1 − ρ)/(1 + ρ) independent points, and
//!
//! ΔBIC = n_eff · ln(SSE₁/SSE₀) + Δk · ln(n_eff)
//!
//! with SSE₀ the fit without the peak, SSE₁ the fit with it (both with a straight baseline solved in the window),
//! Δk its free parameters (k_a, k_d, area). ρ is taken from the residuals of the fuller model: when the peak is
//! real, they are the noise; when it is shape misfit, they stay correlated. The verdict follows Kass and Raftery's
//! scale: ΔBIC below −[`STRONG_EVIDENCE`] is strong evidence for the peak.

/// ΔBIC below minus this is strong evidence (Kass and Raftery 1995: 6–10 strong, above 10 very strong).
pub const STRONG_EVIDENCE: f64 = 6.0;

/// The evidence for an extra peak in one window.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Evidence {
    /// BIC with the peak minus BIC without it (negative favours the peak).
    pub delta_bic: f64,
    /// Points in the window.
    pub n_points: usize,
    /// Effective number of independent points, n (1 − ρ)/(1 + ρ).
    pub n_effective: f64,
    /// Lag-1 autocorrelation of the fuller model's residuals, clamped to [0, 0.99].
    pub lag1_correlation: f64,
}

impl Evidence {
    /// True when the data support the extra peak (ΔBIC < −[`STRONG_EVIDENCE`]).
    pub fn supported(&self) -> bool {
        self.delta_bic < -STRONG_EVIDENCE
    }

    /// The verdict in words, with its figures.
    pub fn describe(&self) -> String {
        let verdict = if self.supported() { "the data support it" } else { "the data do not support it" };
        format!("{verdict} ({})", self.describe_figures())
    }

    /// The figures behind the verdict: ΔBIC, the effective and raw points, the lag-1 correlation.
    pub fn describe_figures(&self) -> String {
        format!(
            "ΔBIC {:+.1}, {:.0} effective of {} points, lag-1 residual correlation {:.2}",
            self.delta_bic, self.n_effective, self.n_points, self.lag1_correlation
        )
    }
}

/// The evidence for an extra peak with `extra_parameters` free parameters, from the data `y` and the two models
/// (without the peak, `without`; with it, `with`) on the same window samples at times `t_s`. `None` when the
/// window is too short to judge (fewer than 3 points beyond the parameters) or the data are not finite.
pub fn extra_peak_evidence(
    t_s: &[f64],
    y: &[f64],
    without: &[f64],
    with: &[f64],
    extra_parameters: usize,
) -> Option<Evidence> {
    let n = t_s.len();
    if n < extra_parameters + 5 || y.len() != n || without.len() != n || with.len() != n {
        return None;
    }
    let r0 = line_residuals(t_s, &difference(y, without))?;
    let r1 = line_residuals(t_s, &difference(y, with))?;
    let sse = |r: &[f64]| r.iter().map(|v| v * v).sum::<f64>();
    let (sse0, sse1) = (sse(&r0), sse(&r1));
    if !(sse0.is_finite() && sse1.is_finite()) {
        return None;
    }
    let rho = lag1_correlation(&r1).clamp(0.0, 0.99);
    let n_eff = (n as f64 * (1.0 - rho) / (1.0 + rho)).max(1.0 + extra_parameters as f64);
    // A perfect fit either way: compare on a floor far below any real noise.
    let floor = 1e-300_f64.max(1e-24 * y.iter().map(|v| v * v).sum::<f64>());
    let ratio = (sse1.max(floor)) / (sse0.max(floor));
    let delta_bic = n_eff * ratio.ln() + extra_parameters as f64 * n_eff.ln();
    Some(Evidence { delta_bic, n_points: n, n_effective: n_eff, lag1_correlation: rho })
}

fn difference(a: &[f64], b: &[f64]) -> Vec<f64> {
    a.iter().zip(b).map(|(x, y)| x - y).collect()
}

/// `r` minus its least-squares straight line in `t` (the window baseline both fits get).
fn line_residuals(t_s: &[f64], r: &[f64]) -> Option<Vec<f64>> {
    let n = t_s.len() as f64;
    let mt = t_s.iter().sum::<f64>() / n;
    let mr = r.iter().sum::<f64>() / n;
    let (mut stt, mut str_) = (0.0, 0.0);
    for (t, v) in t_s.iter().zip(r) {
        stt += (t - mt) * (t - mt);
        str_ += (t - mt) * (v - mr);
    }
    let slope = if stt > 0.0 { str_ / stt } else { 0.0 };
    let out: Vec<f64> = t_s.iter().zip(r).map(|(t, v)| v - mr - slope * (t - mt)).collect();
    out.iter().all(|v| v.is_finite()).then_some(out)
}

/// The autocorrelation of `r` at `lag` (0 for a constant series).
fn autocorrelation(r: &[f64], lag: usize) -> f64 {
    let m = r.iter().sum::<f64>() / r.len() as f64;
    let var: f64 = r.iter().map(|v| (v - m).powi(2)).sum();
    if var <= 0.0 || lag >= r.len() {
        return 0.0;
    }
    let cov: f64 = r.iter().zip(&r[lag..]).map(|(a, b)| (a - m) * (b - m)).sum();
    cov / var
}

/// The lag-1 autocorrelation of `r`.
fn lag1_correlation(r: &[f64]) -> f64 {
    autocorrelation(r, 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A deterministic stand-in for white noise (an LCG mapped to [−1, 1]).
    fn noise(n: usize, seed: u64) -> Vec<f64> {
        let mut s = seed;
        (0..n)
            .map(|_| {
                s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                (s >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0
            })
            .collect()
    }

    fn gauss(t: &[f64], centre: f64, sd: f64, height: f64) -> Vec<f64> {
        t.iter().map(|&x| height * (-0.5 * ((x - centre) / sd).powi(2)).exp()).collect()
    }

    #[test]
    fn a_real_second_peak_is_supported_and_white_noise_counts_every_point() {
        let t: Vec<f64> = (0..200).map(|i| i as f64 * 0.1).collect();
        let big = gauss(&t, 8.0, 1.0, 1.0);
        let small = gauss(&t, 9.2, 1.0, 0.15);
        let e = noise(200, 7);
        let y: Vec<f64> = (0..200).map(|i| big[i] + small[i] + 0.005 * e[i]).collect();
        let with: Vec<f64> = big.iter().zip(&small).map(|(a, b)| a + b).collect();
        let ev = extra_peak_evidence(&t, &y, &big, &with, 3).unwrap();
        assert!(ev.supported(), "{ev:?}");
        assert!(ev.lag1_correlation < 0.2 && ev.n_effective > 130.0, "{ev:?}");
    }

    #[test]
    fn an_extra_peak_that_only_soaks_up_misfit_is_not_supported() {
        // The data are a peak of another shape (a skew the model lacks); the "extra peak" halves the misfit, but
        // the residuals that remain are smooth, so they count as few points.
        let t: Vec<f64> = (0..200).map(|i| i as f64 * 0.1).collect();
        let truth: Vec<f64> = t
            .iter()
            .map(|&x| if x < 8.0 { gauss(&[x], 8.0, 0.9, 1.0)[0] } else { gauss(&[x], 8.0, 1.1, 1.0)[0] })
            .collect();
        let e = noise(200, 11);
        let y: Vec<f64> = truth.iter().zip(&e).map(|(a, b)| a + 0.002 * b).collect();
        let without = gauss(&t, 8.0, 1.0, 1.0);
        let misfit: Vec<f64> = truth.iter().zip(&without).map(|(a, b)| a - b).collect();
        let with: Vec<f64> = without.iter().zip(&misfit).map(|(a, m)| a + 0.5 * m).collect();
        let ev = extra_peak_evidence(&t, &y, &without, &with, 3).unwrap();
        assert!(ev.lag1_correlation > 0.9, "{ev:?}");
        assert!(!ev.supported(), "{ev:?}");
        // Counting raw points, the same fits would have been called strong evidence.
        let raw = 200.0 * (ev_sse(&t, &y, &with) / ev_sse(&t, &y, &without)).ln() + 3.0 * 200f64.ln();
        assert!(raw < -STRONG_EVIDENCE, "{raw}");
    }

    fn ev_sse(t: &[f64], y: &[f64], m: &[f64]) -> f64 {
        line_residuals(t, &difference(y, m)).unwrap().iter().map(|v| v * v).sum()
    }

    #[test]
    fn too_short_or_mismatched_windows_are_not_judged() {
        let t = [0.0, 1.0, 2.0];
        assert!(extra_peak_evidence(&t, &[1.0; 3], &[0.0; 3], &[0.0; 3], 3).is_none());
        assert!(extra_peak_evidence(&[0.0; 10], &[1.0; 9], &[0.0; 10], &[0.0; 10], 3).is_none());
    }
}
