//! The paper's own evaluation method: adaptive quadrature of the Bessel kernel. Slow, pointwise, and kept as
//! the reference the fast closed form is checked against.
//!
//! The impulse response of the column (θ = t − t0, docs/gc-model.md §2) is
//!
//! ```text
//! h(θ) = e^{−μ} δ(θ) + e^{−μ − k_d θ} √(μ k_d/θ) I1(2√(μ k_d θ))
//!      = e^{−μ} δ(θ) + e^{−(√μ − √(k_d θ))²} √(μ k_d/θ) I1e(2√(μ k_d θ))      (overflow-free)
//! ```
//!
//! and the signal is the kernel integrated over the injection window directly (no S(θ) − S(θ − t1)
//! cancellation):
//!
//! ```text
//! y(t) = (A/t1)·[e^{−μ}·1{0 ≤ θ < t1} + ∫_{max(0, θ−t1)}^{max(0, θ)} h_c(T) dT]
//! ```
//!
//! The integral is taken in v = √(k_d T) − √μ, where the continuous kernel becomes the smooth, bounded
//! g(v) = 2√μ·e^{−v²}·I1e(2√μ(√μ + v)): a bump of width about 1 around v ≈ 0 for every μ (in T its relative
//! width shrinks like √(2/μ)). Outside v ∈ [−7, 7] the kernel is below e^{−49} of its peak and is dropped.
//! Each window is split at the mode v = 0 and integrated by globally adaptive Gauss–Kronrod (G7K15, QUADPACK's
//! error estimate), in the offset back from the window's top: the window keeps the length computed without
//! cancellation, which matters when it is much narrower than the kernel (t1 ≪ σ: at μ = 1e6 it can be 1e-7 wide
//! in v, where independent roundings of its two ends in v would cost 1e-9 of its mass).
//!
//! With an inlet tail τ > 0 (docs/gc-model.md §8) the inlet rectangle passed through a first-order lag is known exactly,
//! w(s) = 1 − e^{−s/τ} on [0, t1) and (1 − e^{−t1/τ})·e^{−(s − t1)/τ} after, so
//! y_τ(t) = (A/t1)·[e^{−μ} w(θ) + ∫_0^θ h_c(T) w(θ − T) dT], one integral in the lag θ − T with breakpoints
//! where w or the kernel changes scale.

use super::{Column, Peak};

/// Relative accuracy asked of each integral (QUADPACK's K15 error estimate, itself conservative).
const REL_TOL: f64 = 1e-14;
/// Absolute accuracy floor, as a fraction of the largest window integral of the peak.
const ABS_TOL_OF_PEAK: f64 = 1e-15;
/// Half-width of the kernel's support in v = √(k_d T) − √μ: e^{−49} ≈ 5e-22 of the peak is dropped outside.
const SUPPORT_HALF_WIDTH_V: f64 = 7.0;
/// Lags past t1 + this many τ are dropped from the tailed integral (the lagged inlet is below e^−60 there).
const TAIL_MEMORY_TAU: f64 = 60.0;
/// Most panels one integral may use (a smooth window needs 1–20).
const MAX_PANELS: usize = 200;

/// The continuous part h_c of the column's impulse response in 1/s, at the time `t_s` (s) after t0, for
/// μ = `mu` (≥ 0) adsorptions on average and desorption rate `kd_per_s` (> 0, 1/s).
///
/// Evaluated overflow-free as e^{−(√μ − √(k_d t))²}·√(μ k_d/t)·I1e(2√(μ k_d t)). Edge behaviour: 0 for t < 0
/// and for μ = 0; at t = 0 the finite limit μ·k_d·e^{−μ}. The e^{−μ}·δ(t) part is not included. Its integral
/// over t ≥ 0 is 1 − e^{−μ}.
pub fn impulse_kernel(mu: f64, kd_per_s: f64, t_s: f64) -> f64 {
    if t_s < 0.0 || mu <= 0.0 {
        return 0.0;
    }
    let sqrt_mu = mu.sqrt();
    let u = (kd_per_s * t_s).sqrt();
    let x = 2.0 * sqrt_mu * u;
    // √(μ k_d/t)·I1e(x) = μ k_d · 2·I1e(x)/x, and 2·I1e(x)/x → 1 as x → 0.
    let ratio = if x < 1e-150 { 1.0 } else { 2.0 * pxfm::f_i1e(x) / x };
    let d = sqrt_mu - u;
    (-d * d).exp() * mu * kd_per_s * ratio
}

/// The outlet signal y(t) of one peak (no baseline) at each of `times_s` (s), by quadrature of the Bessel kernel,
/// including the column's injection time t1 and inlet tail τ. Units: the peak's area per second; ∫ y dt = A.
///
/// Each sample is computed on its own (no grid assumptions; any order of times works), to about 1e-13 of the
/// peak height. Edge behaviour: y = 0 before t0; μ = 0 gives the pure rectangle A/t1 on [t0, t0 + t1); y is
/// right-continuous at t0 and t0 + t1 (the e^{−μ} rectangle includes t0 and excludes t0 + t1). The peak is assumed
/// validated (k_a ≥ 0, k_d > 0, all finite, as [`super::peak_signal`] checks); otherwise the values are NaN.
pub fn peak_signal(column: &Column, peak: &Peak, times_s: &[f64]) -> Vec<f64> {
    let kernel = WindowKernel::new(column, peak);
    times_s.iter().map(|&t| kernel.signal(t)).collect()
}

/// Everything one peak needs to evaluate samples: μ, k_d, t0, t1, τ and the tolerance scale.
struct WindowKernel {
    mu: f64,
    sqrt_mu: f64,
    kd_per_s: f64,
    t0_s: f64,
    t1_s: f64,
    tau_s: f64,
    /// A/t1.
    height: f64,
    /// e^{−μ}, the never-adsorbed fraction.
    delta_weight: f64,
    /// Absolute tolerance of each integral.
    abs_tol: f64,
}

impl WindowKernel {
    fn new(column: &Column, peak: &Peak) -> WindowKernel {
        let mu = column.mu(peak.ka_per_s);
        let valid = mu.is_finite() && mu >= 0.0 && peak.kd_per_s.is_finite() && peak.kd_per_s > 0.0;
        let mut k = WindowKernel {
            mu,
            sqrt_mu: mu.sqrt(),
            kd_per_s: peak.kd_per_s,
            t0_s: column.holdup_time_s(),
            t1_s: column.injection_s(),
            tau_s: column.inlet_tail_s(),
            height: if valid { peak.area / column.injection_s() } else { f64::NAN },
            delta_weight: (-mu).exp(),
            abs_tol: 0.0,
        };
        if valid && mu > 0.0 {
            // Scale: the window integral at the kernel's mode, the largest there is to within a factor ~2.
            let mode_s = (mu - 1.0).max(0.0) / k.kd_per_s;
            let peak_window = k.window_integral(mode_s + 0.5 * k.t1_s);
            k.abs_tol = ABS_TOL_OF_PEAK * peak_window.max(k.delta_weight);
        }
        k
    }

    /// y at the absolute time `t_s`.
    fn signal(&self, t_s: f64) -> f64 {
        let theta = t_s - self.t0_s;
        if !self.height.is_finite() || theta.is_nan() {
            return f64::NAN;
        }
        if theta < 0.0 {
            return 0.0;
        }
        let value = if self.tau_s > 0.0 {
            self.delta_weight * self.lagged_inlet(theta) + self.tailed_integral(theta)
        } else {
            let rectangle = if theta < self.t1_s { self.delta_weight } else { 0.0 };
            rectangle + self.window_integral(theta)
        };
        self.height * value
    }

    /// The continuous kernel per unit v = √(k_d T) − √μ (dT = 2(√μ + v)/k_d dv absorbed):
    /// g(v) = 2√μ·e^{−v²}·I1e(2√μ(√μ + v)), smooth and bounded, a bump of width ~1 around v ≈ 0.
    fn kernel_v(&self, v: f64) -> f64 {
        let u = (self.sqrt_mu + v).max(0.0);
        2.0 * self.sqrt_mu * (-v * v).exp() * pxfm::f_i1e(2.0 * self.sqrt_mu * u)
    }

    /// v = √(k_d T) − √μ for T ≥ 0, written as (k_d T − μ)/(√(k_d T) + √μ) so that it keeps its relative
    /// accuracy near the mode even for μ = 1e6 (μ > 0).
    fn v_of(&self, t_s: f64) -> f64 {
        let kt = self.kd_per_s * t_s.max(0.0);
        (kt - self.mu) / (kt.sqrt() + self.sqrt_mu)
    }

    /// The kernel's support in v, where it is not negligible: [max(−√μ, −7), 7].
    fn support_v(&self) -> (f64, f64) {
        ((-self.sqrt_mu).max(-SUPPORT_HALF_WIDTH_V), SUPPORT_HALF_WIDTH_V)
    }

    /// ∫_{max(0, θ−t1)}^{max(0, θ)} h_c(T) dT (dimensionless).
    ///
    /// Integrated in the offset s = v(θ) − v ≥ 0 back from the window's top, so that the window keeps the
    /// length computed without cancellation: where it is much narrower than the kernel (t1 ≪ σ), its ends in v
    /// would carry independent rounding errors of ulp(v), up to 2e-8 of the window at μ = 1e6, k_d = 0.01 1/s,
    /// t1 = 0.01 s.
    fn window_integral(&self, theta_s: f64) -> f64 {
        if self.mu <= 0.0 || theta_s <= 0.0 {
            return 0.0;
        }
        let (lo, hi) = self.support_v();
        let top = self.v_of(theta_s);
        let length = if theta_s > self.t1_s {
            let kd = self.kd_per_s;
            kd * self.t1_s / ((kd * theta_s).sqrt() + (kd * (theta_s - self.t1_s)).sqrt())
        } else {
            top + self.sqrt_mu
        };
        // s ∈ [max(0, top − hi), min(length, top − lo)], split at the mode (v = 0, s = top).
        let (a, b) = ((top - hi).max(0.0), length.min(top - lo));
        if a >= b {
            return 0.0;
        }
        integrate(&|s| self.kernel_v(top - s), &[a, top, b], self.abs_tol)
    }

    /// The inlet rectangle [0, t1) passed through the lag (1/τ)e^{−s/τ}, at `s_s` seconds after the injection start.
    fn lagged_inlet(&self, s_s: f64) -> f64 {
        let tau = self.tau_s;
        if s_s <= 0.0 {
            0.0
        } else if s_s < self.t1_s {
            -(-s_s / tau).exp_m1()
        } else {
            -(-self.t1_s / tau).exp_m1() * (-(s_s - self.t1_s) / tau).exp()
        }
    }

    /// ∫_0^θ h_c(T) w(θ − T) dT with the lagged inlet w (inlet tail τ > 0), in the lag s = θ − T.
    ///
    /// In s the inlet profile w is placed exactly (no large times are subtracted to find it), and the integral is
    /// split where either factor changes scale: at the kink of w (s = t1), at multiples of τ after s = 0 and
    /// after t1, and at the kernel's mode and flanks. Without these breakpoints an adaptive rule can step over a
    /// profile of width τ inside a kernel thousands of seconds wide and return 0. Lags past t1 + 60τ, where w is
    /// below e^−60 of its peak, are dropped.
    fn tailed_integral(&self, theta_s: f64) -> f64 {
        if self.mu <= 0.0 || theta_s <= 0.0 {
            return 0.0;
        }
        let (lo, hi) = self.support_v();
        let (t1, tau, kd) = (self.t1_s, self.tau_s, self.kd_per_s);
        // T(v) = (√μ + v)²/k_d, the time after t0 at which the kernel sits at v.
        let t_of = |v: f64| (self.sqrt_mu + v).powi(2) / kd;
        let s_min = (theta_s - t_of(hi)).max(0.0);
        let s_max = (theta_s - t_of(lo)).min(theta_s).min(t1 + TAIL_MEMORY_TAU * tau);
        if s_min >= s_max {
            return 0.0;
        }
        let mut points = vec![s_min, t1];
        for k in [0.25, 1.0, 3.0, 8.0, 20.0, 40.0] {
            points.extend([k * tau, t1 + k * tau]);
        }
        points.extend([-3.0, -1.0, 0.0, 1.0, 3.0].iter().filter(|&&v| v > lo).map(|&v| theta_s - t_of(v)));
        points.push(s_max);
        let f = |s: f64| impulse_kernel(self.mu, kd, theta_s - s) * self.lagged_inlet(s);
        integrate(&f, &points, self.abs_tol)
    }
}

/// ∫ f over [first, last] of `points`, split at every interior point that lies strictly inside. Globally
/// adaptive G7K15 (QUADPACK's QAG scheme): the panel with the largest error estimate is bisected until the total
/// estimate is below max(REL_TOL·|I|, `abs_tol`), the estimates reach rounding level, or MAX_PANELS is reached.
/// Also the column content's integral along the column (`profile::column_content`).
pub(crate) fn integrate(f: &dyn Fn(f64) -> f64, points: &[f64], abs_tol: f64) -> f64 {
    let (a, b) = (points[0], points[points.len() - 1]);
    if b <= a {
        return 0.0;
    }
    let mut edges: Vec<f64> = points.iter().copied().filter(|&p| p > a && p < b).collect();
    edges.sort_by(f64::total_cmp);
    edges.insert(0, a);
    edges.push(b);
    let mut panels: Vec<Panel> = edges.windows(2).map(|w| Panel::new(f, w[0], w[1])).collect();
    while panels.len() < MAX_PANELS {
        let total: f64 = panels.iter().map(|p| p.value).sum();
        let error: f64 = panels.iter().map(|p| p.error).sum();
        if error <= (REL_TOL * total.abs()).max(abs_tol) {
            break;
        }
        let worst = (0..panels.len()).max_by(|&i, &j| panels[i].error.total_cmp(&panels[j].error)).unwrap_or(0);
        let p = panels[worst];
        let m = 0.5 * (p.a + p.b);
        if p.error <= p.rounding || m <= p.a || m >= p.b {
            break;
        }
        panels[worst] = Panel::new(f, p.a, m);
        panels.push(Panel::new(f, m, p.b));
    }
    panels.iter().map(|p| p.value).sum()
}

/// One panel of the adaptive quadrature: its K15 value, error estimate and rounding-error level.
#[derive(Debug, Clone, Copy)]
struct Panel {
    a: f64,
    b: f64,
    value: f64,
    error: f64,
    rounding: f64,
}

impl Panel {
    fn new(f: &dyn Fn(f64) -> f64, a: f64, b: f64) -> Panel {
        let (value, error, rounding) = kronrod15(f, a, b);
        Panel { a, b, value, error, rounding }
    }
}

/// Kronrod 15-point abscissae on [−1, 1] (positive half, descending; the odd entries are the Gauss 7 nodes).
const XGK: [f64; 8] = [
    0.991_455_371_120_812_6,
    0.949_107_912_342_758_5,
    0.864_864_423_359_769_1,
    0.741_531_185_599_394_4,
    0.586_087_235_467_691_1,
    0.405_845_151_377_397_2,
    0.207_784_955_007_898_5,
    0.0,
];
/// Kronrod 15-point weights matching [`XGK`].
const WGK: [f64; 8] = [
    0.022_935_322_010_529_225,
    0.063_092_092_629_978_56,
    0.104_790_010_322_250_18,
    0.140_653_259_715_525_92,
    0.169_004_726_639_267_9,
    0.190_350_578_064_785_4,
    0.204_432_940_075_298_9,
    0.209_482_141_084_727_83,
];
/// Gauss 7-point weights at XGK[1], XGK[3], XGK[5], XGK[7].
const WG: [f64; 4] =
    [0.129_484_966_168_869_7, 0.279_705_391_489_276_7, 0.381_830_050_505_118_9, 0.417_959_183_673_469_4];

/// ∫_a^b f by K15 with QUADPACK's error estimate (|K15 − G7| scaled by the integrand's variation, raised to
/// the power 1.5) and the rounding level 50·ε·∫|f|: (value, error estimate, rounding level).
fn kronrod15(f: &dyn Fn(f64) -> f64, a: f64, b: f64) -> (f64, f64, f64) {
    let c = 0.5 * (a + b);
    let h = 0.5 * (b - a);
    let fc = f(c);
    let mut k = WGK[7] * fc;
    let mut g = WG[3] * fc;
    let mut k_abs = WGK[7] * fc.abs();
    let mut values = [(0.0, 0.0); 7];
    for (j, v) in values.iter_mut().enumerate() {
        let dx = h * XGK[j];
        let (lo, hi) = (f(c - dx), f(c + dx));
        *v = (lo, hi);
        k += WGK[j] * (lo + hi);
        k_abs += WGK[j] * (lo.abs() + hi.abs());
        if j % 2 == 1 {
            g += WG[j / 2] * (lo + hi);
        }
    }
    let mean = 0.5 * k;
    let mut variation = WGK[7] * (fc - mean).abs();
    for (j, &(lo, hi)) in values.iter().enumerate() {
        variation += WGK[j] * ((lo - mean).abs() + (hi - mean).abs());
    }
    let (value, variation, k_abs) = (k * h, variation * h.abs(), k_abs * h.abs());
    let mut error = ((k - g) * h).abs();
    if variation != 0.0 && error != 0.0 {
        error = variation * (200.0 * error / variation).powf(1.5).min(1.0);
    }
    let rounding = 50.0 * f64::EPSILON * k_abs;
    (value, error.max(rounding), rounding)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kronrod_rule_is_exact_for_polynomials() {
        // K15 is exact to degree 22, G7 to degree 13, on [−1, 1] and on any shifted interval.
        for d in 0..=22 {
            let exact = if d % 2 == 1 { 0.0 } else { 2.0 / (d as f64 + 1.0) };
            let (k, err, _) = kronrod15(&|x: f64| x.powi(d), -1.0, 1.0);
            assert!((k - exact).abs() < 1e-15, "K15 degree {d}: {k} vs {exact}");
            if d <= 13 {
                // G7 is exact too, so the error estimate is at rounding level.
                assert!(err < 1e-13, "G7 degree {d}: error estimate {err}");
            }
        }
        let (k, _, _) = kronrod15(&|x: f64| x.powi(5), 1.0, 3.0);
        assert!((k - (3f64.powi(6) - 1.0) / 6.0).abs() < 1e-12);
    }

    #[test]
    fn adaptive_quadrature_handles_a_narrow_gaussian() {
        let f = |x: f64| (-(x - 0.3) * (x - 0.3) / (2.0 * 1e-4)).exp();
        let exact = (2.0 * std::f64::consts::PI * 1e-4).sqrt();
        let got = integrate(&f, &[-1.0, 0.3, 1.0], 1e-18);
        assert!((got - exact).abs() < 1e-15 * exact, "{got} vs {exact}");
    }

    #[test]
    fn kernel_limit_at_zero_and_overflow_free_at_large_mu() {
        let (mu, kd) = (3.0, 2.0);
        let at0 = impulse_kernel(mu, kd, 0.0);
        assert!((at0 - mu * kd * (-mu).exp()).abs() < 1e-15);
        assert!((impulse_kernel(mu, kd, 1e-12) - at0).abs() < 1e-9 * at0);
        assert_eq!(impulse_kernel(mu, kd, -1.0), 0.0);
        assert_eq!(impulse_kernel(0.0, kd, 1.0), 0.0);
        // Direct formula where I1 does not overflow: e^{−μ−k_d t}·√(μ k_d/t)·I1(x) with I1 = e^x·I1e.
        let t = 0.7;
        let x = 2.0 * (mu * kd * t).sqrt();
        let direct = (-mu - kd * t).exp() * (mu * kd / t).sqrt() * pxfm::f_i1e(x) * x.exp();
        assert!((impulse_kernel(mu, kd, t) - direct).abs() < 1e-14 * direct);
        // μ = 1e6: at the mode the kernel is ≈ k_d/√(4πμ) (a normal density of variance 2μ/k_d²).
        let (mu, kd) = (1e6, 50.0);
        let peak = impulse_kernel(mu, kd, mu / kd);
        let normal = kd / (4.0 * std::f64::consts::PI * mu).sqrt();
        assert!(peak.is_finite() && (peak / normal - 1.0).abs() < 1e-3, "{peak} vs {normal}");
    }

    #[test]
    fn window_integral_matches_brute_force_in_time() {
        // The adaptive v-space integral against 2000 K15 panels of `impulse_kernel` in T: an independent
        // variable and code path. They agree to 1e-13 of the peak window even at μ = 1e6, where the T-space
        // window ends carry ulp(θ) ≈ 4e-12 s of rounding.
        for &(holdup_s, ka, kd, t1) in &[(100.0, 4.5e5, 50.0, 4.0), (1.0, 135.0, 2.0, 0.1), (34.0, 2953.0, 11.5, 4.0)] {
            let column = Column::from_holdup(holdup_s, 45.0, t1).unwrap();
            let k = WindowKernel::new(&column, &Peak::new("p", ka, kd, 1.0));
            let mode_s = k.mu / kd;
            let sigma_s = (2.0 * k.mu).sqrt() / kd + t1;
            let scale = k.window_integral(mode_s + 0.5 * t1);
            for step in [-6.0, -1.0, -0.1, 0.0, 0.3, 1.0, 2.5, 6.0] {
                let theta = (mode_s + step * sigma_s).max(0.5 * t1);
                let n = 2000;
                let lo = (theta - t1).max(0.0);
                // Shared panel edges, so rounding leaves no gaps or overlaps between panels.
                let edge = |i: usize| if i == n { theta } else { lo + (theta - lo) * i as f64 / n as f64 };
                let brute: f64 =
                    (0..n).map(|i| kronrod15(&|t| impulse_kernel(k.mu, kd, t), edge(i), edge(i + 1)).0).sum();
                let ours = k.window_integral(theta);
                assert!((ours - brute).abs() < 1e-13 * scale, "mu {} theta {theta}: {ours} vs {brute}", k.mu);
            }
        }
    }
}
