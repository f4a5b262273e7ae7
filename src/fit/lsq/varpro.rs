//! Variable projection (Golub–Pereyra) for separable models y(t) ≈ Σⱼ cⱼ·φⱼ(t; θ).
//!
//! The linear coefficients c (peak areas, baseline polynomial coefficients) are eliminated: at every θ they are
//! the least-squares solution c(θ) = A⁺ z, found through an SVD of the basis matrix A (rank-deficient bases are
//! truncated, never inverted blindly). Levenberg–Marquardt then runs on θ only, on the projected residual
//! r(θ) = P⊥ z, with the full Golub–Pereyra Jacobian
//!
//! ```text
//! ∂r/∂θₖ = −P⊥ (∂A/∂θₖ c + ∂Φ_F/∂θₖ c_F) − (A⁺)ᵀ (∂A/∂θₖ)ᵀ r
//! ```
//!
//! where A holds the free basis columns, Φ_F the basis columns whose coefficients are fixed (c_F, e.g. "area fixed
//! from the measured peak area") and z = y − Φ_F c_F. The report's uncertainties use the full Jacobian with
//! respect to (θ, c) at the solution, so areas get standard errors and correlations with θ too.
//!
//! [`PeakSum`] builds the common case: n peaks of one unit-area [`PeakShape`] plus a polynomial baseline.

use std::time::Instant;

use nalgebra::{DMatrix, DVector};

use super::dense::{self, thin_svd};
use super::observer::{CancelToken, Observer};
use super::options::FitOptions;
use super::problem::{Bound, FitError, Problem};
use super::report::{FitReport, Termination};
use super::solver::{LmOutcome, build_report, free_blocks, reduce_row_blocks, run_lm};

mod peak_sum;
pub use peak_sum::{GaussianShape, PeakShape, PeakSum};

/// A separable model: m basis functions φⱼ(t; θ) of p nonlinear parameters on a fixed grid of n points.
pub trait SeparableModel {
    /// Number of data points n.
    fn n_points(&self) -> usize;
    /// Number of nonlinear parameters p.
    fn n_nonlinear(&self) -> usize;
    /// Number of basis functions m (linear coefficients).
    fn n_basis(&self) -> usize;
    /// The (basis j, parameter k) pairs where ∂φⱼ/∂θₖ may be non-zero, in the column order of
    /// [`basis_derivatives`](Self::basis_derivatives). Constant for the model's lifetime.
    fn derivative_structure(&self) -> Vec<(usize, usize)>;
    /// Writes φⱼ(tᵢ; θ) into `phi` (n × m). Return `false` if undefined at θ.
    fn basis(&mut self, theta: &[f64], phi: &mut DMatrix<f64>) -> bool;
    /// Writes ∂φⱼ/∂θₖ for each structure pair d into column d of `dphi` (n × structure length).
    fn basis_derivatives(&mut self, theta: &[f64], dphi: &mut DMatrix<f64>) -> bool;
    /// Optional block structure, constant for the model's lifetime: disjoint row ranges, each with the basis
    /// columns that are zero outside it (every column in exactly one block). The linear least squares then
    /// splits into one small SVD per block instead of one of the whole n × m basis. `None` (the default): one
    /// block.
    fn blocks(&self) -> Option<Vec<(std::ops::Range<usize>, Vec<usize>)>> {
        None
    }
    /// Basis columns whose coefficients must not be negative (peak areas). At a θ where the least-squares
    /// coefficient of such a column comes out negative, the column is held at zero (the most negative first, then
    /// the rest re-solved, until none is negative): an active-set non-negative least squares. Default: none.
    fn nonnegative(&self) -> Vec<usize> {
        Vec::new()
    }
}

/// Thin, rank-truncated SVD of the basis columns `cols` of `phi` on `rows`: (U, S⁻¹, V) with A⁺ = V S⁻¹ Uᵀ.
///
/// Columns are normalised before the SVD: nalgebra's SVD converges to an absolute threshold set by the largest
/// singular value, which leaves the small ones (peaks beside a baseline column of ones) wrong in the 6th digit.
/// With A = Aₙ·D, A⁺ = D⁻¹Vₙ S⁻¹ Uᵀ, so V is returned as D⁻¹Vₙ. `None` if the SVD fails or `cancel` is set
/// (looked at between the columns of its QR).
fn block_svd(
    phi: &DMatrix<f64>,
    rows: std::ops::Range<usize>,
    cols: &[usize],
    cancel: Option<&CancelToken>,
) -> Option<(DMatrix<f64>, Vec<f64>, DMatrix<f64>)> {
    let (n, mf) = (rows.len(), cols.len());
    let mut a = DMatrix::from_fn(n, mf, |i, c| phi[(rows.start + i, cols[c])]);
    let scale: Vec<f64> = (0..mf)
        .map(|c| {
            let s = a.column(c).norm();
            if s > 0.0 && s.is_finite() { s } else { 1.0 }
        })
        .collect();
    for (c, s) in scale.iter().enumerate() {
        a.column_mut(c).scale_mut(1.0 / s);
    }
    let (u, singular_values, vt) = thin_svd(a, cancel)?;
    let smax = singular_values.iter().copied().fold(0.0, f64::max);
    let tol = smax * 1e-12 * (n.max(mf) as f64);
    let keep: Vec<usize> = (0..singular_values.len()).filter(|&k| singular_values[k] > tol).collect();
    let u = DMatrix::from_fn(n, keep.len(), |i, c| u[(i, keep[c])]);
    let v = DMatrix::from_fn(mf, keep.len(), |i, c| vt[(keep[c], i)] / scale[i]);
    let s_inv = keep.iter().map(|&k| 1.0 / singular_values[k]).collect();
    Some((u, s_inv, v))
}

/// The projected problem on θ; caches the linear solve at the last θ.
struct Projected<'a, M: SeparableModel> {
    model: &'a mut M,
    y: &'a [f64],
    fixed: Vec<Option<f64>>,
    /// Columns fitted (not fixed by the caller), and of those the ones not held at zero at the last θ.
    base_free: Vec<usize>,
    free_cols: Vec<usize>,
    /// Per column: its coefficient must be ≥ 0.
    nonneg: Vec<bool>,
    structure: Vec<(usize, usize)>,
    blocks: Option<Vec<(std::ops::Range<usize>, Vec<usize>)>>,
    phi: DMatrix<f64>,
    dphi: DMatrix<f64>,
    /// Thin SVD factors of the free basis A (rank-truncated): U (n × r), S⁻¹ (r), V (m_free × r).
    u: DMatrix<f64>,
    s_inv: Vec<f64>,
    v: DMatrix<f64>,
    coef: Vec<f64>,
    resid: DVector<f64>,
    cached_theta: Option<Vec<f64>>,
    /// With blocks: per block that has free columns, its index and its columns' range in U (from the last
    /// factorisation).
    block_k: Vec<(usize, std::ops::Range<usize>)>,
    /// With blocks: per block, the nonlinear parameters its basis functions depend on (sorted).
    block_params: Vec<Vec<usize>>,
    /// Stops a factorization between its columns (the solve then fails, and the solver stops on the token).
    cancel: Option<CancelToken>,
}

/// Per block, the nonlinear parameters its basis columns depend on (sorted, from the derivative structure).
fn block_params(
    structure: &[(usize, usize)],
    blocks: Option<&[(std::ops::Range<usize>, Vec<usize>)]>,
) -> Vec<Vec<usize>> {
    blocks
        .unwrap_or_default()
        .iter()
        .map(|(_, cols)| {
            let mut params: Vec<usize> = structure.iter().filter(|(j, _)| cols.contains(j)).map(|&(_, k)| k).collect();
            params.sort_unstable();
            params.dedup();
            params
        })
        .collect()
}

impl<'a, M: SeparableModel> Projected<'a, M> {
    /// The projected problem over `model` and data `y` (n values), with `fixed` coefficients (one per basis
    /// column, `None` fitted), per column whether it is held `nonneg`, the model's derivative `structure` and
    /// `blocks`; nothing is evaluated or factorised yet.
    fn new(
        model: &'a mut M,
        y: &'a [f64],
        fixed: Vec<Option<f64>>,
        nonneg: Vec<bool>,
        structure: Vec<(usize, usize)>,
        blocks: Option<Vec<(std::ops::Range<usize>, Vec<usize>)>>,
    ) -> Self {
        let (n, m) = (y.len(), fixed.len());
        let free_cols: Vec<usize> = (0..m).filter(|&j| fixed[j].is_none()).collect();
        Projected {
            block_params: block_params(&structure, blocks.as_deref()),
            dphi: DMatrix::zeros(n, structure.len()),
            model,
            y,
            fixed,
            base_free: free_cols.clone(),
            free_cols,
            nonneg,
            structure,
            blocks,
            phi: DMatrix::zeros(n, m),
            u: DMatrix::zeros(n, 0),
            s_inv: vec![],
            v: DMatrix::zeros(0, 0),
            coef: vec![0.0; m],
            resid: DVector::zeros(n),
            cached_theta: None,
            block_k: Vec::new(),
            cancel: None,
        }
    }

    /// Thin SVD factors (U, S⁻¹, V) of the basis columns `free_cols` at the current `phi`, per block.
    fn factorize(&mut self, n: usize) -> bool {
        let mf = self.free_cols.len();
        if mf == 0 {
            self.u = DMatrix::zeros(n, 0);
            self.s_inv.clear();
            self.v = DMatrix::zeros(0, 0);
            self.block_k.clear();
        } else {
            let single;
            let blocks: &[(std::ops::Range<usize>, Vec<usize>)] = match &self.blocks {
                Some(b) => b,
                None => {
                    single = [(0..n, self.free_cols.clone())];
                    &single
                }
            };
            let mut pos = vec![usize::MAX; self.phi.ncols()];
            for (c, &j) in self.free_cols.iter().enumerate() {
                pos[j] = c;
            }
            let mut parts = Vec::with_capacity(blocks.len());
            for (b, (rows, cols)) in blocks.iter().enumerate() {
                let free: Vec<usize> = cols.iter().copied().filter(|&j| pos[j] != usize::MAX).collect();
                if free.is_empty() {
                    continue;
                }
                let Some(part) = block_svd(&self.phi, rows.clone(), &free, self.cancel.as_ref()) else {
                    return false;
                };
                parts.push((b, rows.clone(), free, part));
            }
            let r: usize = parts.iter().map(|p| p.3.0.ncols()).sum();
            self.u = DMatrix::zeros(n, r);
            self.v = DMatrix::zeros(mf, r);
            self.s_inv.clear();
            self.block_k.clear();
            let mut k0 = 0;
            for (b, rows, free, (u, s_inv, v)) in parts {
                let k = u.ncols();
                self.block_k.push((b, k0..k0 + k));
                self.u.view_mut((rows.start, k0), (rows.len(), k)).copy_from(&u);
                for (i, &j) in free.iter().enumerate() {
                    for c in 0..k {
                        self.v[(pos[j], k0 + c)] = v[(i, c)];
                    }
                }
                self.s_inv.extend(s_inv);
                k0 += k;
            }
        }
        true
    }

    /// Solves the linear part at θ and caches residuals and coefficients. Returns false if undefined.
    fn solve(&mut self, theta: &[f64]) -> bool {
        if self.cached_theta.as_deref() == Some(theta) {
            return true;
        }
        self.cached_theta = None;
        if !self.model.basis(theta, &mut self.phi) || self.phi.iter().any(|v| !v.is_finite()) {
            return false;
        }
        let n = self.y.len();
        let mut z = DVector::from_column_slice(self.y);
        for (j, f) in self.fixed.iter().enumerate() {
            if let Some(c) = f {
                z.axpy(-c, &self.phi.column(j), 1.0);
            }
        }
        self.free_cols = self.base_free.clone();
        let utz = loop {
            if !self.factorize(n) {
                return false;
            }
            // c_free = V S⁻¹ Uᵀ z.
            let utz = self.u.tr_mul(&z);
            let scaled = DVector::from_fn(utz.len(), |k, _| utz[k] * self.s_inv[k]);
            let c_free = &self.v * &scaled;
            for (j, f) in self.fixed.iter().enumerate() {
                self.coef[j] = f.unwrap_or(0.0);
            }
            for (c, &j) in self.free_cols.iter().enumerate() {
                self.coef[j] = c_free[c];
            }
            // The most negative constrained coefficient (by its contribution to the fit) is held at zero.
            let worst = self
                .free_cols
                .iter()
                .copied()
                .filter(|&j| self.nonneg[j] && self.coef[j] < 0.0)
                .map(|j| (j, self.coef[j] * self.phi.column(j).norm()))
                .min_by(|a, b| a.1.total_cmp(&b.1));
            match worst {
                Some((j, _)) => {
                    self.coef[j] = 0.0;
                    self.free_cols.retain(|&c| c != j);
                }
                None => break utz,
            }
        };
        self.resid = z - &self.u * utz;
        if self.resid.iter().any(|v| !v.is_finite()) || self.coef.iter().any(|v| !v.is_finite()) {
            return false;
        }
        self.cached_theta = Some(theta.to_vec());
        true
    }
}

impl<M: SeparableModel> Problem for Projected<'_, M> {
    fn n_residuals(&self) -> usize {
        self.y.len()
    }
    /// With a block-diagonal basis, the projected Jacobian keeps the blocks: a parameter's column is nonzero
    /// only on the rows of the blocks whose basis functions depend on it.
    fn jacobian_blocks(&self) -> Option<Vec<(std::ops::Range<usize>, Vec<usize>)>> {
        let blocks = self.blocks.as_ref()?;
        Some(blocks.iter().zip(&self.block_params).map(|((rows, _), params)| (rows.clone(), params.clone())).collect())
    }
    fn n_params(&self) -> usize {
        self.model.n_nonlinear()
    }
    fn residuals(&mut self, theta: &[f64], out: &mut [f64]) -> bool {
        if !self.solve(theta) {
            return false;
        }
        out.copy_from_slice(self.resid.as_slice());
        true
    }
    fn jacobian(&mut self, theta: &[f64], jac: &mut DMatrix<f64>) -> bool {
        if !self.solve(theta) || !self.model.basis_derivatives(theta, &mut self.dphi) {
            return false;
        }
        let n = self.y.len();
        let p = theta.len();
        let mf = self.free_cols.len();
        let mut free_pos = vec![usize::MAX; self.fixed.len()];
        for (c, &j) in self.free_cols.iter().enumerate() {
            free_pos[j] = c;
        }
        // Columns a_k = Σ_d ∂φ_j/∂θ_k c_j (all j) and b_k = (∂A/∂θ_k)ᵀ r (free j), then in matrix form
        // J = −(A_θ − U Uᵀ A_θ) − U S⁻¹ Vᵀ B = −A_θ + U (Uᵀ A_θ − S⁻¹ Vᵀ B).
        let mut a_mat = DMatrix::<f64>::zeros(n, p);
        let mut b_mat = DMatrix::<f64>::zeros(mf, p);
        for (d, &(j, k)) in self.structure.iter().enumerate() {
            let col = self.dphi.column(d);
            a_mat.column_mut(k).axpy(self.coef[j], &col, 1.0);
            if free_pos[j] != usize::MAX {
                b_mat[(free_pos[j], k)] += col.dot(&self.resid);
            }
        }
        if let Some(blocks) = self.blocks.as_ref().filter(|b| b.len() > 1) {
            // U, V and A are block-structured: the product is formed per block, on its rows, its U columns and
            // the parameters of its basis functions (zero elsewhere).
            jac.copy_from(&a_mat);
            jac.neg_mut();
            for (b, ks) in &self.block_k {
                let (rows, cols) = &blocks[*b];
                let params = &self.block_params[*b];
                let ub = self.u.view((rows.start, ks.start), (rows.len(), ks.len()));
                let frees: Vec<usize> = cols.iter().map(|&j| free_pos[j]).filter(|&c| c != usize::MAX).collect();
                let mut small = DMatrix::<f64>::zeros(ks.len(), params.len());
                for (q, &k) in params.iter().enumerate() {
                    let a_col = a_mat.view((rows.start, k), (rows.len(), 1));
                    for (r, kk) in ks.clone().enumerate() {
                        let mut vtb = 0.0;
                        for &c in &frees {
                            vtb += self.v[(c, kk)] * b_mat[(c, k)];
                        }
                        small[(r, q)] = ub.column(r).dot(&a_col) - self.s_inv[kk] * vtb;
                    }
                }
                let prod = ub * &small;
                for (q, &k) in params.iter().enumerate() {
                    let mut col = jac.view_mut((rows.start, k), (rows.len(), 1));
                    col += prod.column(q);
                }
            }
            return jac.iter().all(|v| v.is_finite());
        }
        let cancel = self.cancel.as_ref();
        let Some(mut small) = dense::tr_mul(&self.u, &a_mat, cancel) else { return false };
        let mut vtb = self.v.tr_mul(&b_mat);
        for (r, s_inv) in self.s_inv.iter().enumerate() {
            vtb.row_mut(r).scale_mut(*s_inv);
        }
        small -= vtb;
        jac.copy_from(&a_mat);
        dense::gemm(jac, 1.0, &self.u, &small, -1.0, cancel) && jac.iter().all(|v| v.is_finite())
    }
    fn total_sum_of_squares(&self) -> Option<f64> {
        total_sum_of_squares(self.y)
    }
}

/// Σ(yᵢ − ȳ)² (None for empty input).
pub(crate) fn total_sum_of_squares(y: &[f64]) -> Option<f64> {
    if y.is_empty() {
        return None;
    }
    let m = y.iter().sum::<f64>() / y.len() as f64;
    Some(y.iter().map(|v| (v - m).powi(2)).sum())
}

/// Fits a separable model to `y` by variable projection.
///
/// * `theta0`, `theta_bounds`: initial nonlinear parameters and their bounds (empty slice: all free).
/// * `fixed_linear`: per basis function, `Some(c)` to hold its coefficient at c (e.g. a peak area taken from
///   the measured area), `None` to fit it; an empty slice fits all.
///
/// The report's values are θ followed by all m coefficients (fixed ones included, `free` = false). If every θ is
/// fixed the linear problem is solved directly (termination [`Termination::ConvergedGradient`]).
/// Errors: see [`FitError`]; non-finite `y` is rejected.
///
/// Long for a reason: it checks the inputs, builds the projected problem, and handles the two edge cases (every
/// θ fixed; the linear solve at the end) around the shared LM loop; each part is short and in order.
pub fn fit_separable<M: SeparableModel>(
    model: &mut M,
    y: &[f64],
    theta0: &[f64],
    theta_bounds: &[Bound],
    fixed_linear: &[Option<f64>],
    options: &FitOptions,
    observer: &mut dyn Observer,
) -> Result<FitReport, FitError> {
    let started = Instant::now();
    let n = model.n_points();
    let m = model.n_basis();
    let p = model.n_nonlinear();
    if y.len() != n {
        return Err(FitError::SizeMismatch { what: format!("{} data values for a {n}-point model", y.len()) });
    }
    if theta0.len() != p || (!theta_bounds.is_empty() && theta_bounds.len() != p) {
        return Err(FitError::SizeMismatch { what: format!("nonlinear parameters: model has {p}") });
    }
    if !fixed_linear.is_empty() && fixed_linear.len() != m {
        return Err(FitError::SizeMismatch { what: format!("{} fixed-coefficient flags for {m}", fixed_linear.len()) });
    }
    if y.iter().any(|v| !v.is_finite()) {
        return Err(FitError::NonFiniteInput { what: "data values".into() });
    }
    if fixed_linear.iter().flatten().any(|v| !v.is_finite()) {
        return Err(FitError::NonFiniteInput { what: "fixed linear coefficient".into() });
    }
    let fixed: Vec<Option<f64>> = if fixed_linear.is_empty() { vec![None; m] } else { fixed_linear.to_vec() };
    let free_cols: Vec<usize> = (0..m).filter(|&j| fixed[j].is_none()).collect();
    let structure = model.derivative_structure();
    if structure.iter().any(|&(j, k)| j >= m || k >= p) {
        return Err(FitError::SizeMismatch { what: "derivative structure out of range".into() });
    }
    let theta_free: Vec<bool> = (0..p).map(|k| theta_bounds.get(k).is_none_or(|b| b.is_free())).collect();
    let n_free_theta = theta_free.iter().filter(|f| **f).count();
    let n_free = n_free_theta + free_cols.len();
    if n_free == 0 {
        return Err(FitError::NothingFree);
    }
    if n == 0 || n < n_free {
        return Err(FitError::NotEnoughData { points: n, free: n_free });
    }
    let mut nonneg = vec![false; m];
    for j in model.nonnegative() {
        if j < m {
            nonneg[j] = true;
        }
    }
    let blocks = model.blocks();
    if let Some(b) = &blocks {
        let mut seen = vec![false; m];
        let ok = b
            .iter()
            .all(|(rows, cols)| rows.end <= n && cols.iter().all(|&j| j < m && !std::mem::replace(&mut seen[j], true)))
            && seen.iter().all(|s| *s);
        if !ok {
            return Err(FitError::SizeMismatch { what: "block structure: rows or columns out of range".into() });
        }
    }
    let mut proj = Projected::new(model, y, fixed.clone(), nonneg, structure.clone(), blocks);
    proj.cancel = options.cancel.clone();
    let mut out = if n_free_theta == 0 {
        if theta0.iter().any(|v| !v.is_finite()) {
            return Err(FitError::NonFiniteInput { what: "initial nonlinear parameter".into() });
        }
        if !proj.solve(theta0) {
            return Err(FitError::UndefinedAtStart);
        }
        LmOutcome {
            params: theta0.to_vec(),
            free: theta_free.clone(),
            cost: 0.5 * proj.resid.norm_squared(),
            termination: Termination::ConvergedGradient,
            iterations: 0,
            evaluations: 1,
            started,
            at_bound: vec![false; p],
        }
    } else {
        let mut lm_bounds = theta_bounds.to_vec();
        if lm_bounds.is_empty() {
            lm_bounds = vec![Bound::Free; p];
        }
        run_lm(&mut proj, theta0, &lm_bounds, options, observer)?
    };
    let theta = out.params.clone();
    // The best θ is always a point where the model was defined, so this succeeds unless the fit was cancelled
    // (the factorization stops on the token).
    if !proj.solve(&theta) {
        return Err(if options.is_cancelled() { FitError::Cancelled } else { FitError::UndefinedAtStart });
    }
    out.cost = 0.5 * proj.resid.norm_squared();
    out.params.extend_from_slice(&proj.coef);
    out.free.extend(fixed.iter().map(|f| f.is_none()));
    out.at_bound.resize(p + m, false);
    let tss = total_sum_of_squares(y);
    // A cancelled fit's statistics would cost a factorization of the full Jacobian nobody waits for.
    if !options.statistics || out.termination == Termination::Cancelled {
        return Ok(build_report(&out, n, None, tss, None));
    }
    let jac_ok = proj.model.basis_derivatives(&theta, &mut proj.dphi);
    // Full Jacobian of r = y − Σ cⱼ φⱼ with respect to (θ, c).
    let mut full = DMatrix::<f64>::zeros(n, p + m);
    for (d, &(j, k)) in structure.iter().enumerate() {
        let cj = proj.coef[j];
        full.column_mut(k).axpy(-cj, &proj.dphi.column(d), 1.0);
    }
    for j in 0..m {
        full.column_mut(p + j).copy_from(&(-proj.phi.column(j)));
    }
    // With blocks, the covariance comes from the stacked per-block triangular factors (same JᵀJ, far fewer rows).
    let full_blocks = proj.blocks.as_ref().map(|b| {
        b.iter()
            .zip(&proj.block_params)
            .map(|((rows, cols), params)| {
                (rows.clone(), params.iter().copied().chain(cols.iter().map(|&j| p + j)).collect())
            })
            .collect()
    });
    let all: Vec<usize> = (0..p + m).collect();
    let reduced = free_blocks(full_blocks, &all, p + m, n)
        .filter(|b| b.len() > 1)
        .and_then(|b| reduce_row_blocks(&full, None, &b))
        .map(|(stacked, _)| stacked);
    let jac = jac_ok.then_some(reduced.as_ref().unwrap_or(&full));
    Ok(build_report(&out, n, jac, tss, options.cancel.as_ref()))
}

#[cfg(test)]
mod tests;
