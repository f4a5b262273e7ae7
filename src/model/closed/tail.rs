//! The inlet tail: exact convolution with (1/τ)·e^{−t/τ} on the sampling grid.
//!
//! A quantity Φ(θ) = w0·e^{−θ/τ} + ∫_0^θ φ(θ')·e^{−(θ−θ')/τ} dθ' obeys, between two samples,
//! Φ(θ_{j+1}) = e^{−Δ/τ}·Φ(θ_j) + ∫_{θ_j}^{θ_{j+1}} φ(θ')·e^{−(θ_{j+1}−θ')/τ} dθ'. The interval integral is
//! done in u = √(k_d θ') (dθ' = 2u du/k_d) by Gauss–Legendre on pieces split at panel boundaries and kept
//! short against τ and the panel width, with φ from the panel interpolants; past the support of φ, Φ only
//! decays. Parts older than 40τ are dropped (weight e^−40 ≈ 4e-18).
//!
//! With Q = e^{−μ}e^{−θ/τ} + ∫ f_c e^{−(θ−θ')/τ} (channel 0) the tailed step response is S_τ = S − Q and its
//! density is Q/τ; channels 1 and 2 give ψ∗k and (θ f)∗k for the derivatives.

use std::sync::LazyLock;

use super::panels::{Kernel, PANEL_WIDTH_U, clenshaw, gauss_legendre};

/// Channels of the recursion: Q (always), ψ∗k and (θf)∗k (derivatives).
pub const CHANNELS: usize = 3;

static GL3: LazyLock<(Vec<f64>, Vec<f64>)> = LazyLock::new(|| gauss_legendre(3));
static GL4: LazyLock<(Vec<f64>, Vec<f64>)> = LazyLock::new(|| gauss_legendre(4));
static GL6: LazyLock<(Vec<f64>, Vec<f64>)> = LazyLock::new(|| gauss_legendre(6));
static GL8: LazyLock<(Vec<f64>, Vec<f64>)> = LazyLock::new(|| gauss_legendre(8));

/// Longest piece, relative to τ, integrated by one Gauss–Legendre rule.
const MAX_PIECE_TAU: f64 = 1.0;
/// Longest piece in u, relative to the panel width.
const MAX_PIECE_U: f64 = 0.5;
/// Older parts than this many τ are dropped.
const MEMORY_TAU: f64 = 40.0;

/// The exponential convolution of one analyte's kernel, on sorted θ ≥ 0.
pub struct TailConvolver<'a> {
    kernel: &'a Kernel,
    kd: f64,
    tau: f64,
    derivatives: bool,
    theta_lo: f64,
    theta_hi: f64,
}

impl<'a> TailConvolver<'a> {
    /// A convolver for `kernel` at k_d (1/s) and τ (s, > 0); `derivatives` also fills channels 1 and 2.
    pub fn new(kernel: &'a Kernel, kd: f64, tau: f64, derivatives: bool) -> Self {
        TailConvolver {
            kernel,
            kd,
            tau,
            derivatives,
            theta_lo: kernel.u_lo * kernel.u_lo / kd,
            theta_hi: kernel.u_hi * kernel.u_hi / kd,
        }
    }

    /// ∫ over [a, b] (θ, clipped to the support) of φ(θ')e^{−(b−θ')/τ} dθ', per channel.
    fn interval(&self, a: f64, b: f64, acc: &mut [f64; CHANNELS]) {
        let lo = a.max(self.theta_lo).max(b - MEMORY_TAU * self.tau);
        let hi = b.min(self.theta_hi);
        if hi.partial_cmp(&lo) != Some(std::cmp::Ordering::Greater) {
            return;
        }
        let k = self.kernel;
        let kd = self.kd;
        let inv_tau = 1.0 / self.tau;
        let mut u_a = (kd * lo).sqrt().max(k.u_lo);
        let u_end = (kd * hi).sqrt().min(k.u_hi);
        while u_a < u_end {
            let Some((p, _)) = k.locate(u_a) else { break };
            let panel = &k.panels()[p];
            let panel_end = panel.a + PANEL_WIDTH_U;
            // Piece end: panel end, length limits in u and θ.
            let mut u_b = u_end.min(panel_end).min(u_a + MAX_PIECE_U * PANEL_WIDTH_U);
            let th_a = u_a * u_a / kd;
            let th_max = th_a + MAX_PIECE_TAU * self.tau;
            if u_b * u_b / kd > th_max {
                u_b = (kd * th_max).sqrt().max(u_a * (1.0 + 1e-15));
            }
            // Relative piece size against the two scales: the density (a bump of width ~0.7 in u) and τ.
            // The Gauss–Legendre error of n nodes goes like ρ^{2n}/(2n)!-ish; these orders keep it < 1e-16.
            let rho = ((u_b - u_a) / (MAX_PIECE_U * PANEL_WIDTH_U))
                .max((u_b * u_b - u_a * u_a) / kd / (MAX_PIECE_TAU * self.tau));
            let (xs, ws) = if rho <= 0.05 {
                &*GL3
            } else if rho <= 0.12 {
                &*GL4
            } else if rho <= 0.5 {
                &*GL6
            } else {
                &*GL8
            };
            let (mid, half) = (0.5 * (u_a + u_b), 0.5 * (u_b - u_a));
            let mut sum = [0.0; CHANNELS];
            for (x, w) in xs.iter().zip(ws) {
                let u = mid + half * x;
                let t = 2.0 * (u - panel.a) / PANEL_WIDTH_U - 1.0;
                let theta = u * u / kd;
                let decay = ((theta - b) * inv_tau).exp();
                let f = clenshaw(&panel.f, t);
                // g(u) du = f_c dθ'.
                sum[0] += w * decay * 2.0 * u * f;
                if self.derivatives {
                    let jac = 2.0 * u / kd * inv_tau; // dθ'/du, with the 1/τ of the kernel
                    sum[1] += w * decay * jac * clenshaw(&panel.psi, t);
                    sum[2] += w * decay * jac * theta * f;
                }
            }
            for c in 0..CHANNELS {
                acc[c] += sum[c] * half;
            }
            if u_b <= u_a {
                break;
            }
            u_a = u_b;
        }
    }

    /// Φ at every θ of `thetas` (sorted, all ≥ 0), starting from Φ(0) = (e^−μ, ψ-channel 0, 0).
    pub fn run(&self, thetas: &[f64], out: &mut [[f64; CHANNELS]]) {
        let inv_tau = 1.0 / self.tau;
        let mut prev_theta = 0.0;
        let mut state = [self.kernel.exp_neg_mu, 0.0, 0.0];
        let mut cached_gap = f64::NAN;
        let mut cached_decay = 0.0;
        for (o, &th) in out.iter_mut().zip(thetas) {
            let gap = th - prev_theta;
            if gap != cached_gap {
                cached_gap = gap;
                cached_decay = (-gap * inv_tau).exp();
            }
            for s in state.iter_mut() {
                *s *= cached_decay;
            }
            if th > self.theta_lo && prev_theta < self.theta_hi {
                self.interval(prev_theta, th, &mut state);
            }
            *o = state;
            prev_theta = th;
        }
    }
}
