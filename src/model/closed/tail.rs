//! The inlet tail: exact convolution with (1/τ)·e^{−t/τ} on the sampling grid.
//!
//! A quantity Φ(θ) = w0·e^{−θ/τ} + ∫_0^θ φ(θ')·e^{−(θ−θ')/τ} dθ' obeys, between two samples,
//! Φ(θ_{j+1}) = e^{−Δ/τ}·Φ(θ_j) + ∫_{θ_j}^{θ_{j+1}} φ(θ')·e^{−(θ_{j+1}−θ')/τ} dθ'. The interval integral is
//! done by Gauss–Legendre in θ' on pieces split at panel boundaries and kept short against τ and the panel
//! width, with φ from the panel interpolants (φ is analytic in θ', also at 0); past the support of φ, Φ only
//! decays. Parts older than 40τ are dropped (weight e^−40 ≈ 4e-18).
//!
//! With Q = e^{−μ}e^{−θ/τ} + ∫ f_c e^{−(θ−θ')/τ} (channel 0) the tailed step response is S_τ = S − Q and its
//! density is Q/τ; channels 1 and 2 give ψ∗k and (θ f)∗k for the derivatives, and channel 3 gives
//! Ψ = e^{−μ}·θ·e^{−θ/τ} + ∫ f_c·(θ − θ')·e^{−(θ−θ')/τ} dθ', with ∂Q/∂τ = Ψ/τ² (so ∂S_τ/∂τ = −Ψ/τ²). Ψ obeys
//! Ψ(θ_{j+1}) = e^{−Δ/τ}·(Ψ(θ_j) + Δ·Q(θ_j)) + ∫_{θ_j}^{θ_{j+1}} f_c·(θ_{j+1} − θ')·e^{−(θ_{j+1}−θ')/τ} dθ'.

use std::sync::LazyLock;

use super::kernel::{Kernel, PANEL_WIDTH_U, clenshaw_lanes, clenshaw_pair4, clenshaw4, gauss_legendre};

/// Channels of the recursion: Q (always), ψ∗k, (θf)∗k and Ψ (derivatives).
pub const CHANNELS: usize = 4;

type Rule = LazyLock<(Vec<f64>, Vec<f64>)>;
static GL3: Rule = LazyLock::new(|| gauss_legendre(3));
static GL4: Rule = LazyLock::new(|| gauss_legendre(4));
static GL6: Rule = LazyLock::new(|| gauss_legendre(6));
static GL8: Rule = LazyLock::new(|| gauss_legendre(8));
static RULES: [&Rule; 4] = [&GL3, &GL4, &GL6, &GL8];
const MAX_RULE: usize = 8;

/// Gauss–Legendre weights times e^{−(L/2)(1 − x_k)/τ} for the last (rule, piece length L).
struct WeightCache {
    order: usize,
    len: f64,
    w: [f64; MAX_RULE],
}

impl WeightCache {
    fn new() -> Self {
        WeightCache { order: usize::MAX, len: f64::NAN, w: [0.0; MAX_RULE] }
    }

    /// The weights for a piece of length `len`. On a uniform grid the lengths differ only by rounding, so a
    /// length within 1e-9 (relative) of the cached one reuses it with the first-order correction
    /// e^{−δ(1−x)/(2τ)} ≈ 1 − δ(1−x)/(2τ) (the neglected term is below 1e-20).
    fn weights(&mut self, order: usize, len: f64, inv_tau: f64, xs: &[f64], ws: &[f64]) -> [f64; MAX_RULE] {
        let delta = len - self.len;
        if order == self.order && delta.abs() <= 1e-9 * self.len {
            let mut w = self.w;
            if delta != 0.0 {
                for (o, x) in w.iter_mut().zip(xs) {
                    *o *= 1.0 - 0.5 * delta * (1.0 - x) * inv_tau;
                }
            }
            return w;
        }
        self.order = order;
        self.len = len;
        for ((o, x), w) in self.w.iter_mut().zip(xs).zip(ws) {
            *o = w * (-0.5 * len * (1.0 - x) * inv_tau).exp();
        }
        self.w
    }
}

/// Longest piece, relative to τ, integrated by one Gauss–Legendre rule.
const MAX_PIECE_TAU: f64 = 1.0;
/// Longest piece in u, relative to the panel width.
const MAX_PIECE_U: f64 = 0.5;
/// Older parts than this many τ are dropped: their weight in the convolution is below e^−40 ≈ 4e-18 of the
/// newest part's, and the density they carry is at most the peak's, so what is dropped is below 1e-17 of the
/// peak's height. Past the kernel's support nothing new enters and the state only decays (exactly).
pub const MEMORY_TAU: f64 = 40.0;

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

    /// Adds ∫ over [a, b] (θ, clipped to the support) of φ(θ')e^{−(b−θ')/τ} dθ', per channel, to `acc`.
    /// Gauss–Legendre in θ on pieces split at panel boundaries; the exponential weights of a piece depend only
    /// on its length, so they are cached across the (usually equal) sampling intervals.
    ///
    /// Long (about 100 lines) for a reason: it is the inner loop of every tailed evaluation, and its three rule
    /// branches share the piece's locals; split, they would pass a dozen values per piece.
    fn interval(&self, a: f64, b: f64, acc: &mut [f64; CHANNELS], cache: &mut WeightCache) {
        let lo = a.max(self.theta_lo).max(b - MEMORY_TAU * self.tau);
        let hi = b.min(self.theta_hi);
        if hi.partial_cmp(&lo) != Some(std::cmp::Ordering::Greater) {
            return;
        }
        let k = self.kernel;
        let kd = self.kd;
        let inv_tau = 1.0 / self.tau;
        let panels = k.panels();
        let mut th_a = lo;
        let mut u_a = (kd * th_a).sqrt();
        let Some((mut p, _)) = k.locate(u_a.max(k.u_lo)) else { return };
        while th_a < hi && p < panels.len() {
            let panel = &panels[p];
            let pe_u = panel.a + PANEL_WIDTH_U;
            let pe = pe_u * pe_u / kd;
            let u_lim = u_a + MAX_PIECE_U * PANEL_WIDTH_U;
            let th_b = hi.min(pe).min(th_a + MAX_PIECE_TAU * self.tau).min(u_lim * u_lim / kd);
            if th_b <= th_a {
                // At (or rounded past) the panel end: continue on the next panel.
                p += 1;
                continue;
            }
            let len = th_b - th_a;
            let u_b = (kd * th_b).sqrt();
            // Relative piece size against the two scales: the density (a bump of width ~0.7 in u) and τ.
            // The Gauss–Legendre error of n nodes goes like ρ^{2n}/(2n)!-ish; these orders keep it < 1e-16.
            let rho = ((u_b - u_a) / (MAX_PIECE_U * PANEL_WIDTH_U)).max(len / (MAX_PIECE_TAU * self.tau));
            let order = if rho <= 0.05 {
                0
            } else if rho <= 0.3 {
                1
            } else if rho <= 0.6 {
                2
            } else {
                3
            };
            let (xs, ws) = &**RULES[order];
            let weights = cache.weights(order, len, inv_tau, xs, ws);
            let tail = if th_b == b { 1.0 } else { ((th_b - b) * inv_tau).exp() };
            let half = 0.5 * len;
            let mut sum = [0.0; CHANNELS];
            let local = |x: f64| {
                let theta = th_a + half * (1.0 + x);
                let u = (kd * theta).sqrt();
                (theta, 2.0 * (u - panel.a) / PANEL_WIDTH_U - 1.0)
            };
            if xs.len() <= 4 && !self.derivatives {
                // The common case (short sampling intervals): up to four nodes in one interleaved Clenshaw.
                let mut t4 = [0.0; 4];
                for (t, x) in t4.iter_mut().zip(xs) {
                    *t = local(*x).1;
                }
                let f4 = clenshaw4(&panel.f, t4);
                for (f, w) in f4.iter().zip(&weights[..xs.len()]) {
                    sum[0] += w * kd * f;
                }
            } else if xs.len() <= 4 {
                // Derivatives at up to four nodes: the density and ψ in one eight-chain Clenshaw pass.
                let mut t4 = [0.0; 4];
                let mut th = [0.0; 4];
                for (k, x) in xs.iter().enumerate() {
                    (th[k], t4[k]) = local(*x);
                }
                let (f4, p4) = clenshaw_pair4(&panel.f, &panel.psi, t4);
                for k in 0..xs.len() {
                    sum[0] += weights[k] * kd * f4[k];
                    sum[1] += weights[k] * p4[k] * inv_tau;
                    sum[2] += weights[k] * th[k] * f4[k] * inv_tau;
                    sum[3] += weights[k] * kd * f4[k] * (b - th[k]);
                }
            } else {
                // Every node at once: eight independent Clenshaw recurrences per series overlap their latency
                // (unused lanes evaluate at t = 0 and are ignored).
                let mut tt = [0.0; MAX_RULE];
                let mut th = [0.0; MAX_RULE];
                for (k, x) in xs.iter().enumerate() {
                    (th[k], tt[k]) = local(*x);
                }
                let f8 = clenshaw_lanes(&panel.f, tt);
                for k in 0..xs.len() {
                    sum[0] += weights[k] * kd * f8[k];
                }
                if self.derivatives {
                    let p8 = clenshaw_lanes(&panel.psi, tt);
                    for k in 0..xs.len() {
                        sum[1] += weights[k] * p8[k] * inv_tau;
                        sum[2] += weights[k] * th[k] * f8[k] * inv_tau;
                        sum[3] += weights[k] * kd * f8[k] * (b - th[k]);
                    }
                }
            }
            for c in 0..CHANNELS {
                acc[c] += sum[c] * half * tail;
            }
            th_a = th_b;
            u_a = u_b;
            if th_b >= pe {
                p += 1;
            }
        }
    }

    /// Φ at every θ of `thetas` (sorted, all ≥ 0), starting from Φ(0) = (e^−μ, ψ-channel 0, 0, 0).
    pub fn run(&self, thetas: &[f64], out: &mut [[f64; CHANNELS]]) {
        let inv_tau = 1.0 / self.tau;
        let mut prev_theta = 0.0;
        let mut state = [self.kernel.exp_neg_mu, 0.0, 0.0, 0.0];
        let mut cached_gap = f64::NAN;
        let mut cached_decay = 0.0;
        let mut cache = WeightCache::new();
        for (o, &th) in out.iter_mut().zip(thetas) {
            let gap = th - prev_theta;
            // Uniform grids give gaps equal up to rounding: reuse the cached decay with a first-order correction.
            let delta = gap - cached_gap;
            let decay = if delta.abs() <= 1e-9 * cached_gap {
                cached_decay * (1.0 - delta * inv_tau)
            } else {
                cached_gap = gap;
                cached_decay = (-gap * inv_tau).exp();
                cached_decay
            };
            state[3] += gap * state[0];
            for s in state.iter_mut() {
                *s *= decay;
            }
            if th > self.theta_lo && prev_theta < self.theta_hi {
                self.interval(prev_theta, th, &mut state, &mut cache);
            }
            *o = state;
            prev_theta = th;
        }
    }
}
