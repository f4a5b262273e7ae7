//! Dense factorizations of tall matrices that a cancel token can stop (issue 14: Cancel within 100 ms).
//!
//! A fit of one long cluster (150 peaks over 15,000 points) factorizes a 15,000 × 150 basis at every evaluation
//! and a 15,000 × 300 Jacobian at every iteration. nalgebra's `qr()` and `svd()` cannot be interrupted, and each
//! took 0.5–2 s there. These do the same work in steps that look at the token between columns:
//! * [`Qr`]: Householder QR (LAPACK's `dgeqr2` convention: reflectors H = I − τ v vᵀ with v₀ = 1, stored below the
//!   diagonal), Qᵀ applied to a vector and Q to a thin matrix;
//! * [`tr_mul`], [`gemm`]: the products of the projected Jacobian, a few columns at a time;
//! * [`thin_svd`]: the thin SVD of a tall matrix as QR first and then nalgebra's SVD of the small triangular factor
//!   (Chan's R-SVD), which is also 3–5× faster than the SVD of the tall matrix itself.
//!
//! Callers pass column-normalised matrices (every column's norm 1 or 0), so the plain sums of squares here cannot
//! overflow.

use nalgebra::{DMatrix, DVector};

use super::observer::CancelToken;

/// Matrices with fewer entries factorize in well under a millisecond: they ignore the token, so that a small fit
/// cancelled before it starts still reports its start (as the solver's other stops do).
const CANCELLABLE_ENTRIES: usize = 1 << 18;

/// True when `cancel` is given and set.
fn stopped(cancel: Option<&CancelToken>) -> bool {
    cancel.is_some_and(CancelToken::is_cancelled)
}

/// `cancel` for an n × m matrix: `None` below [`CANCELLABLE_ENTRIES`].
fn for_size(cancel: Option<&CancelToken>, n: usize, m: usize) -> Option<&CancelToken> {
    cancel.filter(|_| n.saturating_mul(m) >= CANCELLABLE_ENTRIES)
}

/// A Householder QR of an n × m matrix: R on and above the diagonal of `packed`, the reflectors' v below it.
#[derive(Debug, Clone)]
pub(crate) struct Qr {
    packed: DMatrix<f64>,
    tau: Vec<f64>,
}

impl Qr {
    /// Factorizes `a`, looking at `cancel` before each panel of [`PANEL`] columns and each block of its update:
    /// `None` once it is set.
    ///
    /// Blocked (LAPACK's `dgeqrf`): each panel is factorized column by column, and its reflectors reach the columns
    /// to its right at once as I − V T Vᵀ (compact WY) through two matrix products, which nalgebra's `gemm` runs
    /// at several times the speed of one reflector after another.
    pub(crate) fn new(mut a: DMatrix<f64>, cancel: Option<&CancelToken>) -> Option<Qr> {
        let (n, m) = a.shape();
        let cancel = for_size(cancel, n, m);
        let k = n.min(m);
        let mut tau = vec![0.0; k];
        for j0 in (0..k).step_by(PANEL) {
            if stopped(cancel) {
                return None;
            }
            let b = PANEL.min(k - j0);
            let data = a.as_mut_slice();
            for j in j0..j0 + b {
                let (left, right) = data.split_at_mut((j + 1) * n);
                let col = &mut left[j * n + j..];
                tau[j] = reflector(col);
                if tau[j] == 0.0 {
                    continue;
                }
                // Within the panel, one reflector after another.
                for other in right[..(j0 + b - j - 1) * n].chunks_exact_mut(n) {
                    reflect(col, tau[j], &mut other[j..]);
                }
            }
            if j0 + b == m {
                continue;
            }
            let (v, t) = wy(&a, &tau, j0, b);
            // (I − V T Vᵀ)ᵀ on the columns right of the panel.
            if !apply_block(&mut a, j0, j0 + b..m, &v, &t.transpose(), cancel) {
                return None;
            }
        }
        Some(Qr { packed: a, tau })
    }

    /// The number of reflectors, min(n, m): Qᵀ's first `reflectors()` entries of a vector lie in the columns' span
    /// (when R's diagonal has no zero).
    pub(crate) fn reflectors(&self) -> usize {
        self.tau.len()
    }

    /// R's diagonal (min(n, m) values).
    pub(crate) fn diagonal(&self) -> Vec<f64> {
        (0..self.reflectors()).map(|i| self.packed[(i, i)]).collect()
    }

    /// R: the k × m upper-triangular factor.
    pub(crate) fn r(&self) -> DMatrix<f64> {
        let m = self.packed.ncols();
        DMatrix::from_fn(self.reflectors(), m, |i, j| if i <= j { self.packed[(i, j)] } else { 0.0 })
    }

    /// Replaces `b` (n values) by Qᵀ b.
    pub(crate) fn q_tr_mul(&self, b: &mut DVector<f64>) {
        let n = self.packed.nrows();
        let data = self.packed.as_slice();
        for (j, &t) in self.tau.iter().enumerate() {
            if t != 0.0 {
                reflect(&data[j * n + j..(j + 1) * n], t, &mut b.as_mut_slice()[j..]);
            }
        }
    }

    /// Q·[small; 0]: the n × r matrix whose first k rows are `small` (k × r) with Q applied, a panel of reflectors
    /// at a time (as I − V T Vᵀ), looking at `cancel` before each block of columns (`None` once it is set).
    pub(crate) fn q_mul_thin(&self, small: &DMatrix<f64>, cancel: Option<&CancelToken>) -> Option<DMatrix<f64>> {
        let n = self.packed.nrows();
        let k = self.reflectors();
        let cancel = for_size(cancel, n, small.ncols().max(k));
        let r = small.ncols();
        let mut out = DMatrix::<f64>::zeros(n, r);
        out.view_mut((0, 0), (k.min(small.nrows()), r)).copy_from(&small.view((0, 0), (k.min(small.nrows()), r)));
        let starts: Vec<usize> = (0..k).step_by(PANEL).collect();
        for &j0 in starts.iter().rev() {
            if stopped(cancel) {
                return None;
            }
            let b = PANEL.min(k - j0);
            let (v, t) = wy(&self.packed, &self.tau, j0, b);
            if !apply_block(&mut out, j0, 0..r, &v, &t, cancel) {
                return None;
            }
        }
        Some(out)
    }
}

/// X ← X − V M (Vᵀ X) on rows j0.. of the columns `cols` of `x`, [`PRODUCT_COLUMNS`] of them at a time: with M = T
/// (from [`wy`]) that applies I − V T Vᵀ, with M = Tᵀ its transpose. False once `cancel` is set.
fn apply_block(
    x: &mut DMatrix<f64>,
    j0: usize,
    cols: std::ops::Range<usize>,
    v: &DMatrix<f64>,
    m: &DMatrix<f64>,
    cancel: Option<&CancelToken>,
) -> bool {
    let rows = x.nrows() - j0;
    let vt = v.transpose();
    for c0 in cols.clone().step_by(PRODUCT_COLUMNS) {
        if stopped(cancel) {
            return false;
        }
        let w = PRODUCT_COLUMNS.min(cols.end - c0);
        let mut block = x.view_mut((j0, c0), (rows, w));
        let vt_x = &vt * &block;
        block.gemm(-1.0, v, &(m * vt_x), 1.0);
    }
    true
}

/// Columns factorized per panel of the blocked QR.
const PANEL: usize = 32;

/// The panel of reflectors j0..j0 + b of `packed` as V ((n − j0) × b: unit diagonal, zeros above it) and the upper
/// triangular T with H_j0 ⋯ H_(j0+b−1) = I − V T Vᵀ (Schreiber and Van Loan's compact WY form).
fn wy(packed: &DMatrix<f64>, tau: &[f64], j0: usize, b: usize) -> (DMatrix<f64>, DMatrix<f64>) {
    let n = packed.nrows();
    let v = DMatrix::from_fn(n - j0, b, |i, c| match i.cmp(&c) {
        std::cmp::Ordering::Less => 0.0,
        std::cmp::Ordering::Equal => 1.0,
        std::cmp::Ordering::Greater => packed[(j0 + i, j0 + c)],
    });
    let vtv = v.transpose() * &v;
    let mut t = DMatrix::<f64>::zeros(b, b);
    for c in 0..b {
        let tc = tau[j0 + c];
        t[(c, c)] = tc;
        // T[0..c, c] = −τ_c T[0..c, 0..c] Vᵀ[0..c] v_c.
        for i in 0..c {
            let mut sum = 0.0;
            for l in i..c {
                sum += t[(i, l)] * vtv[(l, c)];
            }
            t[(i, c)] = -tc * sum;
        }
    }
    (v, t)
}

/// Turns `x` into a Householder vector in place: x₀ becomes β (the new diagonal value), x₁.. become v₁.. (v₀ = 1
/// implied); returns τ, so that (I − τ v vᵀ) x = β e₀. τ = 0 when x₁.. are already zero.
fn reflector(x: &mut [f64]) -> f64 {
    let alpha = x[0];
    let tail2: f64 = x[1..].iter().map(|v| v * v).sum();
    if tail2 == 0.0 {
        return 0.0;
    }
    let norm = (alpha * alpha + tail2).sqrt();
    let beta = if alpha >= 0.0 { -norm } else { norm };
    let scale = 1.0 / (alpha - beta);
    x[1..].iter_mut().for_each(|v| *v *= scale);
    x[0] = beta;
    (beta - alpha) / beta
}

/// Applies H = I − τ v vᵀ (v₀ = 1, v₁.. from `v[1..]`) to `b` (the same length as `v`).
fn reflect(v: &[f64], tau: f64, b: &mut [f64]) {
    let w = b[0] + v[1..].iter().zip(&b[1..]).map(|(x, y)| x * y).sum::<f64>();
    let s = tau * w;
    b[0] -= s;
    b[1..].iter_mut().zip(&v[1..]).for_each(|(y, x)| *y -= s * x);
}

/// Columns of a product computed between two looks at the cancel token.
const PRODUCT_COLUMNS: usize = 32;

/// Uᵀ A for a tall U (n × r) and A (n × p), through a transposed copy of U so that nalgebra's `gemm` (matrixmultiply)
/// does the work (its `tr_mul` takes one dot product per entry, several times slower), [`PRODUCT_COLUMNS`] columns
/// of A at a time; `None` once `cancel` is set.
pub(crate) fn tr_mul(u: &DMatrix<f64>, a: &DMatrix<f64>, cancel: Option<&CancelToken>) -> Option<DMatrix<f64>> {
    let ut = u.transpose();
    let mut out = DMatrix::<f64>::zeros(u.ncols(), a.ncols());
    gemm(&mut out, 1.0, &ut, a, 0.0, cancel).then_some(out)
}

/// C ← α A B + β C (nalgebra's `gemm`), [`PRODUCT_COLUMNS`] columns of C at a time; false (C partly updated) once
/// `cancel` is set.
pub(crate) fn gemm(
    c: &mut DMatrix<f64>,
    alpha: f64,
    a: &DMatrix<f64>,
    b: &DMatrix<f64>,
    beta: f64,
    cancel: Option<&CancelToken>,
) -> bool {
    let p = c.ncols();
    let cancel = for_size(cancel, a.nrows().max(c.nrows()), a.ncols().max(p));
    for c0 in (0..p).step_by(PRODUCT_COLUMNS) {
        if stopped(cancel) {
            return false;
        }
        let w = PRODUCT_COLUMNS.min(p - c0);
        c.columns_mut(c0, w).gemm(alpha, a, &b.columns(c0, w), beta);
    }
    true
}

/// The thin SVD A = U S Vᵀ of an n × m matrix: U (n × min(n, m)), S, Vᵀ (min(n, m) × m), with singular values in
/// nalgebra's order. Tall matrices go through [`Qr`] and the SVD of R; `None` when cancelled or the SVD fails.
pub(crate) fn thin_svd(
    a: DMatrix<f64>,
    cancel: Option<&CancelToken>,
) -> Option<(DMatrix<f64>, DVector<f64>, DMatrix<f64>)> {
    let (n, m) = a.shape();
    let cancel = for_size(cancel, n, m);
    if n < 2 * m {
        let svd = a.svd(true, true);
        return Some((svd.u?, svd.singular_values, svd.v_t?));
    }
    let qr = Qr::new(a, cancel)?;
    let svd = qr.r().svd(true, true);
    if stopped(cancel) {
        return None;
    }
    let u = qr.q_mul_thin(&svd.u?, cancel)?;
    Some((u, svd.singular_values, svd.v_t?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn random_matrix(n: usize, m: usize, seed: u64) -> DMatrix<f64> {
        let mut state = seed;
        DMatrix::from_fn(n, m, |_, _| {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (state >> 11) as f64 / (1u64 << 53) as f64 - 0.5
        })
    }

    /// Against nalgebra's own QR and SVD on random tall matrices (and one with a zero and a repeated column):
    /// RᵀR = AᵀA, Qᵀb keeps the norm and gives R's projection, U S Vᵀ = A with orthonormal U.
    #[test]
    fn qr_and_thin_svd_agree_with_nalgebra_on_random_tall_matrices() {
        for (case, &(n, m)) in
            [(40, 3), (200, 17), (57, 28), (9, 9), (30, 1), (300, 70), (120, 100), (500, 2)].iter().enumerate()
        {
            let mut a = random_matrix(n, m, 7 + case as u64);
            if m > 3 {
                a.column_mut(1).fill(0.0);
                let c0 = a.column(0).into_owned();
                a.column_mut(2).copy_from(&c0);
            }
            let qr = Qr::new(a.clone(), None).expect("no token");
            let r = qr.r();
            let gram = a.transpose() * &a;
            assert!((r.transpose() * &r - &gram).norm() < 1e-12 * gram.norm().max(1.0), "case {case}: RᵀR");
            let b = DVector::from_fn(n, |i, _| (i as f64 * 0.37).sin());
            let mut qtb = b.clone();
            qr.q_tr_mul(&mut qtb);
            assert!((qtb.norm() - b.norm()).abs() < 1e-12 * b.norm(), "case {case}: Qᵀ keeps the norm");
            let k = n.min(m);
            // Rᵀ (Qᵀb)₀..ₖ = Aᵀb, whatever the rank.
            let atb = a.transpose() * &b;
            let rt_qtb = r.transpose() * qtb.rows(0, k);
            assert!((rt_qtb - &atb).norm() < 1e-12 * atb.norm().max(1.0), "case {case}: Rᵀ Qᵀb = Aᵀb");
            if m > 3 {
                // With a zero and a repeated column, Q past them is not unique: compare with nalgebra only below.
                continue_with_svd(&a, case, k);
                continue;
            }
            let reference = a.clone().qr();
            let mut ref_qtb = b.clone();
            reference.q_tr_mul(&mut ref_qtb);
            // Qᵀb agrees with nalgebra's up to the sign of each reflector (R's rows have the same signs flipped).
            let r_ref = reference.r();
            for i in 0..k {
                let sign = if (r[(i, i)] >= 0.0) == (r_ref[(i, i)] >= 0.0) { 1.0 } else { -1.0 };
                if r[(i, i)].abs() > 1e-10 {
                    assert!((qtb[i] - sign * ref_qtb[i]).abs() < 1e-10, "case {case}: (Qᵀb)[{i}]");
                }
            }
            continue_with_svd(&a, case, k);
        }
    }

    /// [`thin_svd`] of `a` (k = min(n, m)): U S Vᵀ = A, UᵀU = I, and nalgebra's singular values.
    fn continue_with_svd(a: &DMatrix<f64>, case: usize, k: usize) {
        let (u, s, vt) = thin_svd(a.clone(), None).expect("no token");
        let rebuilt = &u * DMatrix::from_diagonal(&s) * &vt;
        assert!((rebuilt - a).norm() < 1e-12 * a.norm().max(1.0), "case {case}: U S Vᵀ = A");
        let utu = u.transpose() * &u;
        assert!((utu - DMatrix::identity(k, k)).norm() < 1e-12, "case {case}: UᵀU = I");
        let mut s_ref: Vec<f64> = a.clone().svd(false, false).singular_values.iter().copied().collect();
        let mut s_ours: Vec<f64> = s.iter().copied().collect();
        s_ref.sort_by(f64::total_cmp);
        s_ours.sort_by(f64::total_cmp);
        for (x, y) in s_ours.iter().zip(&s_ref) {
            assert!((x - y).abs() < 1e-12 * s_ref[k - 1].max(1.0), "case {case}: singular values {x} vs {y}");
        }
    }

    /// The chunked products equal nalgebra's whole ones.
    #[test]
    fn chunked_products_equal_the_whole_ones() {
        let (u, a) = (random_matrix(300, 40, 5), random_matrix(300, 70, 6));
        let expected = u.tr_mul(&a);
        assert!((tr_mul(&u, &a, None).expect("no token") - &expected).norm() < 1e-12 * expected.norm());
        let (b, mut c) = (random_matrix(40, 70, 8), random_matrix(300, 70, 9));
        let want = &u * &b * 2.0 - &c * 0.5;
        assert!(gemm(&mut c, 2.0, &u, &b, -0.5, None));
        assert!((c - &want).norm() < 1e-12 * want.norm());
    }

    /// A set token stops every step of a big matrix; a small one ignores it.
    #[test]
    fn a_set_token_stops_the_factorizations_of_big_matrices() {
        let token = CancelToken::new();
        token.cancel();
        let (n, m) = (CANCELLABLE_ENTRIES / 128, 128);
        assert!(Qr::new(random_matrix(n, m, 3), Some(&token)).is_none());
        assert!(thin_svd(random_matrix(n, m, 3), Some(&token)).is_none());
        let qr = Qr::new(random_matrix(n, 4, 3), None).expect("no token");
        assert!(qr.q_mul_thin(&DMatrix::identity(4, m), Some(&token)).is_none());
        let u = random_matrix(n, m, 4);
        assert!(tr_mul(&u, &u, Some(&token)).is_none());
        assert!(!gemm(&mut DMatrix::zeros(n, m), 1.0, &u, &DMatrix::identity(m, m), 0.0, Some(&token)));
        assert!(Qr::new(random_matrix(100, 10, 3), Some(&token)).is_some());
        assert!(thin_svd(random_matrix(100, 10, 3), Some(&token)).is_some());
    }
}
