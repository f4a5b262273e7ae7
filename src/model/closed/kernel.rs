//! The step response S of one analyte as Chebyshev panels in u = √(k_d·θ).
//!
//! With x = k_d·θ and u = √x, the continuous part of the impulse response in u,
//! g(u) = 2u·f(u²) = 2√μ·exp(−(√μ − u)²)·I1e(2√μ·u), is a bump of fixed width (standard deviation ≈ 1/√2)
//! around u ≈ √μ for every μ. It is sampled at Chebyshev points on panels of width [`PANEL_WIDTH_U`] covering
//! u ∈ [max(0, √μ − [`HALF_SUPPORT_U`]), √μ + [`HALF_SUPPORT_U`]] (the mass outside is below 1e-17), its
//! series is integrated exactly, and S(θ) = e^−μ + C(u) is then one Clenshaw sum per sample. The density in x,
//! F(u) = f(u²) (finite at u = 0: μe^−μ), and ψ(u) = e^{−μ−x}·I0(2√(μx)) (for ∂S/∂μ) share the panels.
//! Exponents are always combined as −(√μ − u)² ≤ 0, so nothing overflows for any μ.

use std::sync::LazyLock;

use super::bessel;

/// Polynomial degree of the interpolant of the density on one panel.
pub const DEGREE: usize = 16;
/// Chebyshev points per panel.
pub const NODES: usize = DEGREE + 1;
/// Coefficients of the antiderivative on one panel.
pub const NC: usize = DEGREE + 2;
/// Panel width in u = √(k_d θ).
pub const PANEL_WIDTH_U: f64 = 1.0;
/// Half-width of the support in u around √μ. Outside it the engine does no work: S is held at e^−μ below and at
/// its end value above, so a window [θ − t1, θ] that lies outside gives y = 0.
///
/// Why that is below 1e-12 of the peak's height: in v = u − √μ the density g is at most that of a normal
/// density of standard deviation 1/√2 times √(√μ/u) (from I1e(z) ≤ 1/√(2πz)), and where u is small against √μ
/// it is far smaller still (g ≈ 2μu·e^−μ near u = 0). At |v| = 6.25 it is below e^−39 ≈ 1.2e-17 of its peak, and
/// the mass beyond is below 1e-17; a window outside therefore holds less than about 1e-15 of what the best
/// window holds, whatever t1. `the_skipped_parts_are_below_1e_12_of_the_peak` (tests/model_domain.rs) checks
/// it against the reference, whose support is ±7; `support_holds_all_but_1e_16_of_the_mass` checks the mass.
pub const HALF_SUPPORT_U: f64 = 6.25;
/// Most panels a kernel can have.
pub const MAX_PANELS: usize = (2.0 * HALF_SUPPORT_U / PANEL_WIDTH_U) as usize + 2;

/// cos(π k (j + ½)/n), indexed [j][k] (symmetric roles: row j holds every k), scaled by 2/n for the DCT; the
/// nodes are t_j = cos(π(j + ½)/n).
static COS: LazyLock<[[f64; NODES]; NODES]> = LazyLock::new(|| {
    let mut m = [[0.0; NODES]; NODES];
    for (j, row) in m.iter_mut().enumerate() {
        for (k, v) in row.iter_mut().enumerate() {
            *v = (std::f64::consts::PI * k as f64 * (j as f64 + 0.5) / NODES as f64).cos() * 2.0 / NODES as f64;
        }
    }
    m
});

/// The Chebyshev nodes t_j = cos(π(j + ½)/n).
static NODES_T: LazyLock<[f64; NODES]> = LazyLock::new(|| {
    let mut t = [0.0; NODES];
    for (j, v) in t.iter_mut().enumerate() {
        *v = (std::f64::consts::PI * (j as f64 + 0.5) / NODES as f64).cos();
    }
    t
});

/// e^{−2h·s_j} for the node offsets s_j = (h/2)(1 + t_j) within a panel of width h = [`PANEL_WIDTH_U`].
static NODE_STEPS: LazyLock<[f64; NODES]> =
    LazyLock::new(|| NODES_T.map(|t| (-2.0 * PANEL_WIDTH_U * 0.5 * PANEL_WIDTH_U * (1.0 + t)).exp()));

/// Legendre P_n(z) and its derivative P_n'(z) (|z| < 1), by the three-term recurrence.
fn legendre_with_derivative(n: usize, z: f64) -> (f64, f64) {
    let (mut p0, mut p1) = (1.0, z);
    for k in 2..=n {
        let p2 = ((2 * k - 1) as f64 * z * p1 - (k - 1) as f64 * p0) / k as f64;
        p0 = p1;
        p1 = p2;
    }
    // p1 = P_n(z), p0 = P_{n−1}(z)
    (p1, n as f64 * (z * p1 - p0) / (z * z - 1.0))
}

/// Gauss–Legendre rule with `n` nodes on [−1, 1]: (nodes, weights), by Newton iteration on P_n.
pub fn gauss_legendre(n: usize) -> (Vec<f64>, Vec<f64>) {
    let mut x = vec![0.0; n];
    let mut w = vec![0.0; n];
    for i in 0..n {
        let mut z = (std::f64::consts::PI * (i as f64 + 0.75) / (n as f64 + 0.5)).cos();
        for _ in 0..100 {
            let (p, dp) = legendre_with_derivative(n, z);
            let dz = p / dp;
            z -= dz;
            if dz.abs() < 1e-16 {
                break;
            }
        }
        let (_, dp) = legendre_with_derivative(n, z);
        x[i] = z;
        w[i] = 2.0 / ((1.0 - z * z) * dp * dp);
    }
    (x, w)
}

/// Gauss–Legendre rule used for short intervals of the density.
pub static GL_SHORT: LazyLock<(Vec<f64>, Vec<f64>)> = LazyLock::new(|| gauss_legendre(6));

/// Σ c_k T_k(t) by Clenshaw's recurrence. (No `mul_add` in the engine: without the FMA target feature it is a
/// libm call, which is slow and blocks vectorisation.)
#[inline(always)]
pub fn clenshaw<const M: usize>(c: &[f64; M], t: f64) -> f64 {
    let t2 = t + t;
    let mut b1 = 0.0;
    let mut b2 = 0.0;
    let mut k = M - 1;
    while k > 0 {
        let b0 = t2 * b1 + (c[k] - b2);
        b2 = b1;
        b1 = b0;
        k -= 1;
    }
    t * b1 + (c[0] - b2)
}

/// Clenshaw at four points at once: four independent recurrences that the CPU overlaps (and that vectorise).
#[inline(always)]
pub fn clenshaw4<const M: usize>(c: &[f64; M], t: [f64; 4]) -> [f64; 4] {
    clenshaw_lanes(c, t)
}

/// Clenshaw at `L` points at once: `L` independent recurrences, written lane-wise so that they vectorise and
/// the CPU overlaps their latency (eight lanes keep the floating-point units busy on SSE2).
#[inline(always)]
#[allow(clippy::needless_range_loop)]
pub fn clenshaw_lanes<const M: usize, const L: usize>(c: &[f64; M], t: [f64; L]) -> [f64; L] {
    let mut t2 = [0.0; L];
    for l in 0..L {
        t2[l] = t[l] + t[l];
    }
    let mut b1 = [0.0; L];
    let mut b2 = [0.0; L];
    let mut k = M - 1;
    while k > 0 {
        let ck = c[k];
        let mut b0 = [0.0; L];
        for l in 0..L {
            b0[l] = t2[l] * b1[l] + (ck - b2[l]);
        }
        b2 = b1;
        b1 = b0;
        k -= 1;
    }
    let mut out = [0.0; L];
    for l in 0..L {
        out[l] = t[l] * b1[l] + (c[0] - b2[l]);
    }
    out
}

/// Two series at the same four points: eight independent recurrences in one pass (the density and ψ of a panel,
/// for derivatives), so the CPU overlaps them as it does eight lanes of one series.
#[inline(always)]
#[allow(clippy::needless_range_loop)]
pub fn clenshaw_pair4<const M: usize>(a: &[f64; M], b: &[f64; M], t: [f64; 4]) -> ([f64; 4], [f64; 4]) {
    let mut t2 = [0.0; 4];
    for l in 0..4 {
        t2[l] = t[l] + t[l];
    }
    let (mut a1, mut a2, mut b1, mut b2) = ([0.0; 4], [0.0; 4], [0.0; 4], [0.0; 4]);
    let mut k = M - 1;
    while k > 0 {
        let (ak, bk) = (a[k], b[k]);
        let (mut a0, mut b0) = ([0.0; 4], [0.0; 4]);
        for l in 0..4 {
            a0[l] = t2[l] * a1[l] + (ak - a2[l]);
            b0[l] = t2[l] * b1[l] + (bk - b2[l]);
        }
        a2 = a1;
        a1 = a0;
        b2 = b1;
        b1 = b0;
        k -= 1;
    }
    let (mut oa, mut ob) = ([0.0; 4], [0.0; 4]);
    for l in 0..4 {
        oa[l] = t[l] * a1[l] + (a[0] - a2[l]);
        ob[l] = t[l] * b1[l] + (b[0] - b2[l]);
    }
    (oa, ob)
}

/// Chebyshev coefficients (T_0 coefficient not doubled) of the values at the first-kind nodes t_j.
/// Written as a sum of rows so that the inner loop vectorises.
#[inline]
fn dct(cos: &[[f64; NODES]; NODES], values: &[f64; NODES]) -> [f64; NODES] {
    let mut a = [0.0; NODES];
    for (row, v) in cos.iter().zip(values) {
        for (ak, c) in a.iter_mut().zip(row) {
            *ak += c * v;
        }
    }
    a[0] *= 0.5;
    a
}

/// One panel: u ∈ [a, a + h], t = 2(u − a)/h − 1.
#[derive(Clone, Copy, Debug)]
pub struct Panel {
    /// Left end in u.
    pub a: f64,
    /// S(u) = e^−μ + C(u) on the panel.
    pub s: [f64; NC],
    /// F(u) = f(u²), the density in x.
    pub f: [f64; NODES],
    /// ψ(u) = e^{−μ−u²}·I0(2√μ·u) (zero unless requested).
    pub psi: [f64; NODES],
}

const EMPTY: Panel = Panel { a: 0.0, s: [0.0; NC], f: [0.0; NODES], psi: [0.0; NODES] };

/// The step response of one μ, in u = √(k_d θ) (independent of k_d).
#[derive(Clone, Debug)]
pub struct Kernel {
    /// μ = α k_a t0 (≥ 0).
    pub mu: f64,
    /// e^−μ: S at θ = 0, the fraction that never adsorbs.
    pub exp_neg_mu: f64,
    /// Start of the support in u (below it, S = e^−μ).
    pub u_lo: f64,
    /// End of the support in u (above it, S = `s_end`).
    pub u_hi: f64,
    /// S above the support (1 up to the neglected mass, < 1e-16).
    pub s_end: f64,
    /// Whether F (the density) was interpolated.
    pub has_density: bool,
    /// Whether ψ was interpolated.
    pub has_psi: bool,
    count: usize,
    panels: [Panel; MAX_PANELS],
}

impl Kernel {
    /// Builds the panels of S for μ ≥ 0 (finite); `with_density` also interpolates F = f(u²) (for the inlet
    /// tail, short injections and derivatives), `with_psi` also ψ (for derivatives; implies the density).
    #[allow(clippy::needless_range_loop)]
    pub fn new(mu: f64, with_density: bool, with_psi: bool) -> Kernel {
        let with_density = with_density || with_psi;
        let mu = if mu.is_finite() { mu.max(0.0) } else { 0.0 };
        let exp_neg_mu = (-mu).exp();
        let mut k = Kernel {
            mu,
            exp_neg_mu,
            u_lo: 0.0,
            u_hi: 0.0,
            s_end: 1.0,
            has_density: with_density,
            has_psi: with_psi,
            count: 0,
            panels: [EMPTY; MAX_PANELS],
        };
        if mu == 0.0 {
            // Nothing adsorbs: S = 1 for θ ≥ 0, a pure rectangle.
            return k;
        }
        let sm = mu.sqrt();
        let u_lo = (sm - HALF_SUPPORT_U).max(0.0);
        let count = ((sm + HALF_SUPPORT_U - u_lo) / PANEL_WIDTH_U).ceil().max(1.0) as usize;
        let count = count.min(MAX_PANELS);
        let h = PANEL_WIDTH_U;
        let cos = &*COS;
        let nodes = &*NODES_T;
        let mut start = exp_neg_mu;
        let half_h = 0.5 * h;
        // Node j of panel p sits at u = a_p + s_j, s_j = (h/2)(1 + t_j); with D_p = √μ − a_p,
        // e^{−(√μ − u)²} = e^{−D_p²}·e^{2D_p s_j − s_j²}, and D_{p+1} = D_p − h turns the second factor into a
        // running product with e^{−2h s_j}: one exp per panel instead of one per node (all factors stay within
        // e^{±13}; the products lose about p ulps, far below 1e-14).
        let offsets: [f64; NODES] = nodes.map(|t| half_h * (1.0 + t));
        let steps = &*NODE_STEPS;
        let d0 = sm - u_lo;
        let mut running: [f64; NODES] = offsets.map(|o| (o * (2.0 * d0 - o)).exp());
        for p in 0..count {
            let a = u_lo + p as f64 * h;
            let d = sm - a;
            let ep = (-d * d).exp();
            let u: [f64; NODES] = offsets.map(|o| a + o);
            let z = u.map(|u| 2.0 * sm * u);
            let i1 = bessel::i1e_many(&z);
            let mut e = [0.0; NODES];
            for ((e, r), st) in e.iter_mut().zip(running.iter_mut()).zip(steps) {
                *e = ep * *r;
                *r *= st;
            }
            let mut gv = [0.0; NODES];
            for ((g, e), i1) in gv.iter_mut().zip(&e).zip(&i1) {
                *g = 2.0 * sm * e * i1;
            }
            let mut fv = [0.0; NODES];
            if with_density {
                for j in 0..NODES {
                    fv[j] = if z[j] > 0.0 { e[j] * sm / u[j] * i1[j] } else { e[j] * mu };
                }
            }
            let mut pv = [0.0; NODES];
            if with_psi {
                let i0 = bessel::i0e_many(&z);
                for j in 0..NODES {
                    pv[j] = e[j] * i0[j];
                }
            }
            let ga = dct(cos, &gv);
            let mut s = [0.0; NC];
            for kk in 1..NC {
                let prev = if kk == 1 { 2.0 * ga[0] } else { ga[kk - 1] };
                let next = if kk + 1 < NODES { ga[kk + 1] } else { 0.0 };
                s[kk] = half_h * (prev - next) / (2.0 * kk as f64);
            }
            let at_minus_one: f64 = (1..NC).map(|kk| if kk % 2 == 1 { -s[kk] } else { s[kk] }).sum();
            s[0] = start - at_minus_one;
            start = s.iter().sum();
            let panel = &mut k.panels[p];
            panel.a = a;
            panel.s = s;
            if with_density {
                panel.f = dct(cos, &fv);
            }
            if with_psi {
                panel.psi = dct(cos, &pv);
            }
        }
        k.count = count;
        k.u_lo = u_lo;
        k.u_hi = u_lo + count as f64 * h;
        k.s_end = start;
        k
    }

    /// The panels in use.
    #[inline]
    pub fn panels(&self) -> &[Panel] {
        &self.panels[..self.count]
    }

    /// Panel index and local coordinate t ∈ [−1, 1] of u inside the support, else None.
    #[inline]
    pub fn locate(&self, u: f64) -> Option<(usize, f64)> {
        if !(u >= self.u_lo && u < self.u_hi) {
            return None;
        }
        let x = (u - self.u_lo) / PANEL_WIDTH_U;
        let p = (x as usize).min(self.count - 1);
        let t = 2.0 * (x - p as f64) - 1.0;
        Some((p, t))
    }

    /// S as a function of u = √(k_d θ) for θ ≥ 0 (u ≥ 0): e^−μ below the support, `s_end` above.
    #[inline]
    pub fn s_of_u(&self, u: f64) -> f64 {
        match self.locate(u) {
            Some((p, t)) => clenshaw(&self.panels[p].s, t),
            None if u < self.u_lo => self.exp_neg_mu,
            None => self.s_end,
        }
    }

    /// F(u) = f(u²) = e^{−μ−x}·√(μ/x)·I1(2√(μx)) at x = u² (0 outside the support; needs `has_density`).
    #[inline]
    pub fn f_of_u(&self, u: f64) -> f64 {
        match self.locate(u) {
            Some((p, t)) => clenshaw(&self.panels[p].f, t),
            None => 0.0,
        }
    }

    /// ψ(u) = e^{−μ−x}·I0(2√(μx)) at x = u² (0 outside the support; needs `has_psi`).
    #[inline]
    pub fn psi_of_u(&self, u: f64) -> f64 {
        match self.locate(u) {
            Some((p, t)) => clenshaw(&self.panels[p].psi, t),
            None => 0.0,
        }
    }

    /// ∫ g(u) du over [u1, u1 + du] (du ≥ 0), by Gauss–Legendre on the density interpolant, split at panel
    /// boundaries: the continuous part of S(u1 + du) − S(u1) without cancellation, for short intervals. The
    /// width is passed separately so that callers can compute it without cancellation too.
    pub fn mass_between(&self, u1: f64, du: f64) -> f64 {
        // Work in offsets from u1, which stay exact however short the interval is.
        let mut off = (self.u_lo - u1).max(0.0);
        let end = du.min(self.u_hi - u1);
        // Also refuses NaN ends.
        if off.partial_cmp(&end) != Some(std::cmp::Ordering::Less) {
            return 0.0;
        }
        // Walk the panels by index from the one holding the start. Locating each piece's start afresh would
        // put a start that rounds to just below a panel boundary back into the panel it ends, where the piece
        // is empty, and drop the rest of the interval (up to half the peak's height was lost that way).
        let first = ((u1 + off - self.u_lo) / PANEL_WIDTH_U).floor().max(0.0) as usize;
        let (xs, ws) = &*GL_SHORT;
        let mut total = 0.0;
        for panel in self.panels().iter().skip(first.min(self.count - 1)) {
            if off >= end {
                break;
            }
            let pa = panel.a;
            let piece_end = end.min(pa + PANEL_WIDTH_U - u1);
            let half = 0.5 * (piece_end - off);
            if half <= 0.0 {
                // The start rounded to this panel's end: the piece belongs to the next one.
                continue;
            }
            let mid = off + half;
            let mut s = 0.0;
            for (x, w) in xs.iter().zip(ws) {
                let u = u1 + (half * x + mid);
                let t = 2.0 * (u - pa) / PANEL_WIDTH_U - 1.0;
                s += w * 2.0 * u * clenshaw(&panel.f, t);
            }
            total += s * half;
            off = piece_end;
        }
        total
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gauss_legendre_integrates_polynomials() {
        let (x, w) = gauss_legendre(6);
        let int = |k: i32| x.iter().zip(&w).map(|(x, w)| w * x.powi(k)).sum::<f64>();
        assert!((int(0) - 2.0).abs() < 1e-15);
        assert!((int(10) - 2.0 / 11.0).abs() < 1e-15);
        assert!(int(9).abs() < 1e-15);
    }

    /// g(u) = 2√μ·e^{−(√μ−u)²}·I1e(2√μu) straight from pxfm.
    fn g_direct(mu: f64, u: f64) -> f64 {
        let sm = mu.sqrt();
        2.0 * sm * (-(sm - u) * (sm - u)).exp() * pxfm::f_i1e(2.0 * sm * u)
    }

    /// ∫ g du over [a, b] by 20-point Gauss–Legendre on pieces of 0.05 (independent of the panels).
    fn mass(mu: f64, a: f64, b: f64) -> f64 {
        let (x, w) = gauss_legendre(20);
        let n = ((b - a) / 0.05).ceil().max(1.0) as usize;
        let h = (b - a) / n as f64;
        (0..n)
            .map(|i| {
                let mid = a + (i as f64 + 0.5) * h;
                0.5 * h * x.iter().zip(&w).map(|(x, w)| w * g_direct(mu, mid + 0.5 * h * x)).sum::<f64>()
            })
            .sum()
    }

    #[test]
    fn support_holds_all_but_1e_16_of_the_mass() {
        // Over the domain of μ, the density outside [u_lo, u_hi] integrates to below 1e-16, and at the edges it is
        // below 1e-15 of its largest value (see HALF_SUPPORT_U).
        let mut mu = 1e-3;
        while mu <= 1e6 {
            let k = Kernel::new(mu, false, false);
            let sm = mu.sqrt();
            let peak = (0..=2000).map(|i| g_direct(mu, k.u_hi * i as f64 / 2000.0)).fold(0.0, f64::max);
            let below = if k.u_lo > 0.0 { mass(mu, (sm - 12.0).max(0.0), k.u_lo) } else { 0.0 };
            let above = mass(mu, k.u_hi, sm + 12.0);
            assert!(below + above < 1e-16, "mu {mu}: {below:e} below, {above:e} above");
            for edge in [k.u_lo, k.u_hi] {
                if edge > 0.0 {
                    assert!(
                        g_direct(mu, edge) < 1e-15 * peak,
                        "mu {mu}: g at {edge} is {:e} of the peak",
                        g_direct(mu, edge) / peak
                    );
                }
            }
            mu *= 1.37;
        }
    }

    #[test]
    fn total_mass_is_one_minus_the_delta() {
        for mu in [1e-3, 0.5, 3.0, 30.0, 440.0, 7722.5, 9.1e4, 1e6] {
            let k = Kernel::new(mu, false, false);
            assert!((k.s_end - 1.0).abs() < 3e-15, "mu {mu}: S(∞) − 1 = {:e}", k.s_end - 1.0);
        }
    }
}
