//! The closed-form outlet signal: the hot path of every slider drag and every fit iteration.
//!
//! y(t) = (A/t1)·[S(t − t0) − S(t − t0 − t1)], S(θ) = 0 for θ < 0, S(0) = e^−μ (right-continuous),
//! S(θ) = e^−μ + ∫_0^{k_dθ} e^{−μ−x}√(μ/x)·I1(2√(μx)) dx = Q1(√(2k_dθ), √(2μ)) (first-order Marcum Q),
//! optionally convolved with the inlet tail (1/τ)e^{−t/τ}.
//!
//! - [`kernel`]: S, the density and ψ = −∂S/∂μ as Chebyshev panels in u = √(k_d θ) (one Clenshaw sum per sample);
//! - [`tail`]: the exact convolution with the inlet tail on the sampling grid;
//! - [`derivatives`]: analytic ∂y/∂k_a, ∂y/∂k_d, ∂y/∂A and ∂y/∂t0;
//! - [`bessel`]: fast exponentially scaled I0, I1.
//!
//! Work is skipped where y is exactly 0 (before t0, and after the support plus t1 without a tail). On a uniform
//! grid whose step divides t1, S(θ − t1) is S at an earlier sample, so S is evaluated once per sample.
//! When t1 is short against the peak width, S(θ) − S(θ − t1) would cancel, so the density is integrated over
//! [θ − t1, θ] directly (with a tail, S_τ = S − Q and only the S part is replaced).

pub mod bessel;
pub mod derivatives;
pub mod kernel;
pub mod tail;

use rayon::prelude::*;

use super::{Column, Peak};
pub use derivatives::{PeakDerivatives, peak_signal_with_derivatives};
use kernel::{Kernel, PANEL_WIDTH_U, clenshaw};
use tail::{CHANNELS, TailConvolver};

/// Below this width in u of [θ − t1, θ], the signal is integrated directly instead of differenced.
const CANCELLATION_U: f64 = PANEL_WIDTH_U / 64.0;
/// Peaks × samples above which [`sum_signal`] runs peaks in parallel.
const PARALLEL_WORK: usize = 100_000;
/// τ below this fraction of the peak's width in θ counts as no tail. The tail moves a smooth peak by about
/// τ·|y′| ≤ τ/width of its height, below 1e-14; next to a jump of the e^−μ rectangle it matters only within
/// about 40τ ≤ 4e-13 widths of the jump, where which side of the jump a sample falls on already depends on how
/// its time was rounded.
const NEGLIGIBLE_TAU: f64 = 1e-14;

/// S(θ) as a function of μ and x = k_d·θ: the step response of the column (the CDF of the outlet time,
/// including the e^−μ fraction that never adsorbs). 0 for x < 0, e^−μ at x = 0, → 1 as x → ∞; absolute
/// error about 1e-14 for μ ∈ [0, 1e6] (tested ≤ 1e-13 against a Poisson sum and direct quadrature). μ < 0
/// counts as 0, μ = +∞ gives 0 for finite x; NaN in gives NaN.
///
/// Each call builds the panels for μ (a few µs); to evaluate many x at one μ, use [`kernel::Kernel`].
pub fn marcum_s(mu: f64, x: f64) -> f64 {
    if mu.is_nan() || x.is_nan() {
        return f64::NAN;
    }
    if x < 0.0 || (mu == f64::INFINITY && x.is_finite()) {
        return 0.0;
    }
    Kernel::new(mu, false, false).s_of_u(x.sqrt())
}

/// The grid shift m when `times_s` is uniform (to rounding) with a step that divides t1, the first time is not
/// after t0 (so every needed S(θ − t1) ≥ 0 is on the grid), else None.
#[allow(clippy::needless_range_loop)]
pub(crate) fn grid_shift(times_s: &[f64], t0: f64, t1: f64) -> Option<usize> {
    let n = times_s.len();
    if n < 2 || times_s[0] > t0 {
        return None;
    }
    let (first, last) = (times_s[0], times_s[n - 1]);
    let dt = (last - first) / (n - 1) as f64;
    if dt.is_nan() || dt <= 0.0 {
        return None;
    }
    let m = (t1 / dt).round();
    let tol = 256.0 * f64::EPSILON * first.abs().max(last.abs()).max(t1);
    // A shift as long as the grid reuses nothing (and would overflow index arithmetic for an absurd t1).
    if m.is_nan() || m < 1.0 || m >= n as f64 || (m * dt - t1).abs() > tol {
        return None;
    }
    // Eight independent lanes without early exit inside a chunk, so that the check vectorises.
    let on_grid = |i: usize, t: f64| (t - (first + i as f64 * dt)).abs() <= tol;
    let mut chunks = times_s.chunks_exact(8);
    let mut k: [f64; 8] = std::array::from_fn(|l| l as f64);
    let mut uniform = true;
    for chunk in &mut chunks {
        let mut ok = true;
        for l in 0..8 {
            ok &= (chunk[l] - (first + k[l] * dt)).abs() <= tol;
            k[l] += 8.0;
        }
        uniform &= ok;
    }
    let rest = n - chunks.remainder().len();
    let uniform = uniform && chunks.remainder().iter().enumerate().all(|(i, &t)| on_grid(rest + i, t));
    uniform.then_some(m as usize)
}

/// Per-peak constants: kernel, amplitude and timing.
pub(crate) struct PeakSetup {
    pub kernel: Kernel,
    pub kd: f64,
    pub t0: f64,
    pub t1: f64,
    pub tau: f64,
    /// A/t1, signal units.
    pub height: f64,
    pub alpha_t0: f64,
    pub alpha_ka: f64,
}

impl PeakSetup {
    pub fn new(column: &Column, peak: &Peak, with_psi: bool) -> PeakSetup {
        let t0 = column.holdup_time_s();
        let t1 = column.injection_s();
        let mut ps = PeakSetup::from_parts(
            column.mu(peak.ka_per_s),
            peak.kd_per_s,
            t0,
            t1,
            column.inlet_tail_s(),
            peak.area / t1,
            with_psi,
        );
        ps.alpha_t0 = column.alpha() * t0;
        ps.alpha_ka = column.alpha() * peak.ka_per_s;
        ps
    }

    /// From μ, k_d (1/s), t0, t1, τ (s) and the height A/t1; α-dependent fields are left 0.
    pub fn from_parts(mu: f64, kd: f64, t0: f64, t1: f64, tau: f64, height: f64, with_psi: bool) -> PeakSetup {
        // The kinetic part's standard deviation in θ is √(2μ)/k_d; with μ ≈ 0 the rectangle t1 sets the scale.
        let width = ((2.0 * mu).sqrt() / kd).max(t1);
        let tau = if tau > NEGLIGIBLE_TAU * width { tau } else { 0.0 };
        // The density is needed by the tail, the derivatives and the short-injection path (see
        // `fix_cancellation`; u_hi ≤ √μ + HALF_SUPPORT_U + one panel).
        let u_hi_bound = mu.max(0.0).sqrt() + kernel::HALF_SUPPORT_U + PANEL_WIDTH_U;
        let short = kd * t1 / (2.0 * u_hi_bound) < CANCELLATION_U;
        let kernel = Kernel::new(mu, tau > 0.0 || short, with_psi);
        PeakSetup { kernel, kd, t0, t1, tau, height, alpha_t0: 0.0, alpha_ka: 0.0 }
    }

    /// θ at the end of the support: S is constant (`s_end`) beyond.
    pub fn theta_hi(&self) -> f64 {
        self.kernel.u_hi * self.kernel.u_hi / self.kd
    }
}

/// Samples evaluated together by one interleaved Clenshaw sum.
const LANES: usize = 8;

/// S(θ_i) for θ_i = times[i] − offset (sorted), the vectorisable fast path.
pub(crate) fn s_sorted(k: &Kernel, kd: f64, times: &[f64], offset: f64, out: &mut [f64]) {
    let n = times.len();
    let neg = times.partition_point(|&t| t - offset < 0.0);
    out[..neg].fill(0.0);
    let mut i = neg;
    let below = times.partition_point(|&t| t - offset < k.u_lo * k.u_lo / kd).max(i);
    out[i..below].fill(k.exp_neg_mu);
    i = below;
    let scale = 2.0 / PANEL_WIDTH_U;
    for p in k.panels() {
        let end_u = p.a + PANEL_WIDTH_U;
        let end = times.partition_point(|&t| t - offset < end_u * end_u / kd).max(i);
        let shift = -(p.a * scale) - 1.0;
        let local = |t: f64| (kd * (t - offset)).sqrt() * scale + shift;
        let mut outs = out[i..end].chunks_exact_mut(LANES);
        let mut ts = times[i..end].chunks_exact(LANES);
        for (o, t) in (&mut outs).zip(&mut ts) {
            let mut x = [0.0; LANES];
            for (x, &t) in x.iter_mut().zip(t) {
                *x = local(t);
            }
            o.copy_from_slice(&kernel::clenshaw_lanes(&p.s, x));
        }
        let (o, t) = (outs.into_remainder(), ts.remainder());
        if !t.is_empty() {
            // Pad the last few samples to a full set of lanes with the last one (inside the panel).
            let mut x = [local(t[t.len() - 1]); LANES];
            for (x, &t) in x.iter_mut().zip(t) {
                *x = local(t);
            }
            let v = kernel::clenshaw_lanes(&p.s, x);
            o.copy_from_slice(&v[..o.len()]);
        }
        i = end;
    }
    out[i..n].fill(k.s_end);
}

/// Index range [i0, end) of samples where y can be non-zero: from t0 on, and without a tail up to where θ − t1
/// passes the support's end (beyond, S is at its end value at both ends of the window and y is exactly 0; see
/// [`kernel::HALF_SUPPORT_U`] for why the true signal there is below 1e-15 of the peak's height). With a tail
/// every later sample is computed: the tail's state decays but never ends.
pub(crate) struct Active {
    pub i0: usize,
    pub end: usize,
}

impl Active {
    pub fn new(ps: &PeakSetup, times: &[f64]) -> Active {
        let i0 = times.partition_point(|&t| t - ps.t0 < 0.0);
        let lo_off = ps.t0 + ps.t1;
        let end = if ps.tau > 0.0 {
            times.len()
        } else {
            let th = ps.theta_hi();
            times.partition_point(|&t| t - lo_off <= th)
        };
        Active { i0, end: end.max(i0) }
    }
}

/// μ above which the never-adsorbed fraction e^−μ (< 2e-22) counts as nothing before the support.
const NEGLIGIBLE_FRACTION_MU: f64 = 50.0;

/// The time range [from, to] in s outside which one peak's signal is exactly 0 or below about 1e-15 of its
/// height: from t0 (or, when e^−μ is negligible, from where the support starts) to where θ − t1 leaves the
/// support, plus [`tail::MEMORY_TAU`]·τ with an inlet tail (past that, the tail's weight is below e^−40). Each
/// end is finite when the column and peak are valid.
pub fn signal_window_s(column: &Column, peak: &Peak) -> (f64, f64) {
    let ps = PeakSetup::new(column, peak, false);
    let theta_lo = ps.kernel.u_lo * ps.kernel.u_lo / ps.kd;
    let from = if ps.kernel.mu > NEGLIGIBLE_FRACTION_MU { ps.t0 + theta_lo } else { ps.t0 };
    (from, ps.t0 + ps.t1 + ps.theta_hi() + tail::MEMORY_TAU * ps.tau)
}

/// One evaluation of the (tailed) step response on a set of samples.
pub(crate) struct Tailed {
    /// S_τ = S − Q (S without a tail).
    pub s: Vec<f64>,
    /// Q, the part of S that the tail holds back (empty without a tail).
    pub q: Vec<f64>,
    /// The convolution channels (Q, ψ∗k, (θf)∗k, Ψ) per sample (empty without a tail).
    pub ch: Vec<[f64; CHANNELS]>,
}

/// S (and, with a tail, S_τ) on the samples of `times` with θ = t − offset; θ < 0 gives 0. With a tail also
/// the convolution channels per sample.
pub(crate) fn s_values(ps: &PeakSetup, times: &[f64], offset: f64, derivatives: bool) -> Tailed {
    let mut s = vec![0.0; times.len()];
    s_sorted(&ps.kernel, ps.kd, times, offset, &mut s);
    if ps.tau <= 0.0 {
        return Tailed { s, q: Vec::new(), ch: Vec::new() };
    }
    let start = times.partition_point(|&t| t - offset < 0.0);
    let thetas: Vec<f64> = times[start..].iter().map(|&t| t - offset).collect();
    let mut ch = vec![[0.0; CHANNELS]; times.len()];
    TailConvolver::new(&ps.kernel, ps.kd, ps.tau, derivatives).run(&thetas, &mut ch[start..]);
    let q: Vec<f64> = ch.iter().map(|c| c[0]).collect();
    for (sv, q) in s.iter_mut().zip(&q) {
        *sv -= q;
    }
    Tailed { s, q, ch }
}

/// ΔS_i = S(θ_i) − S(θ_i − t1) (tailed when τ > 0) on the active samples `times` (θ = t − t0), from the values
/// `hi` = S(θ_i) and, without a grid shift, a second evaluation `lo`; the nearly cancelling samples are
/// replaced by a direct integral. With a shift, the `flat` samples just before `times` have S = e^−μ and
/// earlier ones S = 0.
pub(crate) fn delta_s(
    ps: &PeakSetup,
    times: &[f64],
    hi: &Tailed,
    lo: Option<&Tailed>,
    shift: Option<usize>,
    flat: usize,
) -> Vec<f64> {
    let mut ds: Vec<f64> = match (lo, shift) {
        (Some(lo), _) => hi.s.iter().zip(&lo.s).map(|(h, l)| h - l).collect(),
        (None, Some(m)) => {
            let n = hi.s.len();
            let mut ds = hi.s.clone();
            // i < m: S(θ_i − t1) is e^−μ for the `flat` samples just before `times`, 0 before them.
            for (i, d) in ds.iter_mut().enumerate().take(m.min(n)) {
                if m - i <= flat {
                    *d -= ps.kernel.exp_neg_mu;
                }
            }
            if n > m {
                for (d, before) in ds[m..].iter_mut().zip(&hi.s[..n - m]) {
                    *d -= before;
                }
            }
            ds
        }
        (None, None) => unreachable!("either a second evaluation or a grid shift"),
    };
    // Whether S(θ_i − t1) was taken at θ < 0 (as 0), decided exactly as the evaluation above decided it, so that
    // the direct integral below agrees with it on which side of the jump at θ − t1 = 0 a sample is.
    let lo_negative = |i: usize| match shift {
        Some(m) if lo.is_none() => i + flat < m,
        _ => times[i] - (ps.t0 + ps.t1) < 0.0,
    };
    // With a tail, S_τ = S − Q: the untailed difference is replaced, the difference of the Q's kept.
    let q_lo = |i: usize| -> f64 {
        match (lo, shift) {
            (Some(lo), _) => lo.q[i],
            (None, Some(m)) if i >= m => hi.q[i - m],
            _ => 0.0,
        }
    };
    let q_diff = |i: usize| if ps.tau > 0.0 { hi.q[i] - q_lo(i) } else { 0.0 };
    fix_cancellation(ps, times, &mut ds, lo_negative, q_diff);
    ds
}

/// Adds y of one peak to `out` (same length as `times_s`), with a known grid shift.
pub(crate) fn add_with_shift(column: &Column, peak: &Peak, times_s: &[f64], shift: Option<usize>, out: &mut [f64]) {
    let ps = PeakSetup::new(column, peak, false);
    let act = Active::new(&ps, times_s);
    if act.end <= act.i0 {
        return;
    }
    let r = ps.height;
    // Without a tail, S = e^−μ on [0, θ_lo): there y = r·e^−μ while θ − t1 < 0 (the delta rectangle), else 0
    // (the continuous part below the support is below 1e-15 of the peak, see `kernel::HALF_SUPPORT_U`).
    let j0 = if ps.tau > 0.0 {
        act.i0
    } else {
        let theta_lo = ps.kernel.u_lo * ps.kernel.u_lo / ps.kd;
        times_s.partition_point(|&t| t - ps.t0 < theta_lo).clamp(act.i0, act.end)
    };
    let em = ps.kernel.exp_neg_mu;
    if j0 > act.i0 && em != 0.0 {
        let lo_off = ps.t0 + ps.t1;
        for (i, o) in out.iter_mut().enumerate().take(j0).skip(act.i0) {
            let before_t1 = match shift {
                Some(m) => i < m + act.i0,
                None => times_s[i] - lo_off < 0.0,
            };
            if before_t1 {
                *o += r * em;
            }
        }
    }
    if act.end <= j0 {
        return;
    }
    let times = &times_s[j0..act.end];
    let hi = s_values(&ps, times, ps.t0, false);
    let lo = if shift.is_none() { Some(s_values(&ps, times, ps.t0 + ps.t1, false)) } else { None };
    let ds = delta_s(&ps, times, &hi, lo.as_ref(), shift, j0 - act.i0);
    for (o, d) in out[j0..act.end].iter_mut().zip(&ds) {
        *o += r * d;
    }
}

/// Replaces S(θ) − S(θ − t1) by the direct integral over [θ − t1, θ] where the two nearly cancel (t1 ≪ peak
/// width): the width in u is computed as k_d·t1/(u + u′), so no digit is lost. `lo_negative(i)` says whether
/// S(θ_i − t1) counts as taken before the jump at 0 (then S(θ_i) − 0 includes the e^−μ step). With a tail,
/// `q_diff(i)` is Q(θ_i) − Q(θ_i − t1) (S_τ = S − Q), which is kept: it is the smooth, small part and carries no
/// cancellation of S's size.
fn fix_cancellation(
    ps: &PeakSetup,
    times: &[f64],
    ds: &mut [f64],
    lo_negative: impl Fn(usize) -> bool,
    q_diff: impl Fn(usize) -> f64,
) {
    let k = &ps.kernel;
    if k.panels().is_empty() || !k.has_density || ps.kd * ps.t1 / (2.0 * k.u_hi) >= CANCELLATION_U {
        return;
    }
    for (i, (d, &t)) in ds.iter_mut().zip(times).enumerate() {
        let theta = t - ps.t0;
        let u = (ps.kd * theta).sqrt();
        if u <= k.u_lo {
            continue;
        }
        let theta_lo = theta - ps.t1;
        // u − u_lo without cancellation: (u² − u_lo²)/(u + u_lo).
        let (u_lo, du) = if theta_lo > 0.0 {
            let u_lo = (ps.kd * theta_lo).sqrt();
            (u_lo, ps.kd * ps.t1 / (u + u_lo))
        } else {
            (0.0, u)
        };
        if du >= CANCELLATION_U {
            continue;
        }
        let delta = if lo_negative(i) { k.exp_neg_mu } else { 0.0 };
        *d = k.mass_between(u_lo, du) + delta - q_diff(i);
    }
}

/// Adds the outlet signal y(t) of one peak (signal units; area × 1/s) to `out`, which must have the length of
/// `times_s` (finite, non-decreasing, possibly irregular). Includes the column's inlet tail. Samples before
/// t0 receive nothing.
///
/// # Panics
/// If `out` and `times_s` differ in length (a programming error, not bad input).
pub fn add_peak_signal(column: &Column, peak: &Peak, times_s: &[f64], out: &mut [f64]) {
    assert_eq!(out.len(), times_s.len(), "output and time grid differ in length");
    let shift = grid_shift(times_s, column.holdup_time_s(), column.injection_s());
    add_with_shift(column, peak, times_s, shift, out);
}

/// The outlet signal y(t) of one peak at each of `times_s` (s; finite, non-decreasing, possibly irregular),
/// in the peak area's signal units per second: y = (A/t1)·[S(t − t0) − S(t − t0 − t1)], convolved with the
/// inlet tail when τ > 0. ∫ y dt = A.
pub fn peak_signal(column: &Column, peak: &Peak, times_s: &[f64]) -> Vec<f64> {
    let mut out = vec![0.0; times_s.len()];
    add_peak_signal(column, peak, times_s, &mut out);
    out
}

/// The sum of several peaks' outlet signals on `times_s` (no baseline). Runs peaks in parallel (rayon) when
/// peaks × samples is large, sequentially otherwise.
pub fn sum_signal(column: &Column, peaks: &[Peak], times_s: &[f64]) -> Vec<f64> {
    let shift = grid_shift(times_s, column.holdup_time_s(), column.injection_s());
    let mut out = vec![0.0; times_s.len()];
    if peaks.len() > 1 && peaks.len() * times_s.len() >= PARALLEL_WORK {
        let parts: Vec<Vec<f64>> = peaks
            .par_iter()
            .map(|p| {
                let mut v = vec![0.0; times_s.len()];
                add_with_shift(column, p, times_s, shift, &mut v);
                v
            })
            .collect();
        for part in parts {
            for (o, v) in out.iter_mut().zip(part) {
                *o += v;
            }
        }
    } else {
        for p in peaks {
            add_with_shift(column, p, times_s, shift, &mut out);
        }
    }
    out
}

/// [`sum_signal`] on one thread (for benchmarks and callers that parallelise at a higher level).
pub fn sum_signal_sequential(column: &Column, peaks: &[Peak], times_s: &[f64]) -> Vec<f64> {
    let shift = grid_shift(times_s, column.holdup_time_s(), column.injection_s());
    let mut out = vec![0.0; times_s.len()];
    for p in peaks {
        add_with_shift(column, p, times_s, shift, &mut out);
    }
    out
}

#[cfg(test)]
mod tests;
