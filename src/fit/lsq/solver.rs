//! A Levenberg–Marquardt solver with bounds, cancellation, progress, and iteration/evaluation/time caps.
//!
//! Why our own rather than the `levenberg-marquardt` crate (0.15): that crate is a faithful MINPACK port but has
//! no cancel flag, no wall-time cap, no progress callback, no bounds and no fixed parameters, and it reports
//! non-finite residuals only as a generic user termination; wrapping it would need those features bolted on
//! through side channels in the residual closure. This solver is small (one QR of the scaled Jacobian and an SVD
//! of its small triangular factor per
//! iteration, then every damping trial is O(p²) without refactorising), handles rank-deficient Jacobians
//! gracefully, allocates nothing inside the damping loop, and reaches the NIST StRD Gauss1–3 certified values
//! (see tests/fit_nist.rs).
//!
//! Algorithm (Marquardt 1963 scaling, Nielsen 1999 damping update):
//! * internal variables u (bounded parameters mapped smoothly, see [`Bound`]); J_u = ∂r/∂p · dp/du;
//! * D = the column norms of J_u (Marquardt's scale-invariant damping); SVD J_u D⁻¹ = U S Vᵀ;
//! * trial step D δ = −V diag(sᵢ/(sᵢ² + λ)) Uᵀ r; gain ratio ρ = actual / predicted reduction;
//! * accept if ρ > 1e-4 and λ ← λ·max(1/3, 1 − (2ρ − 1)³), else λ ← λ·ν, ν ← 2ν.

use std::time::Instant;

use nalgebra::{DMatrix, DVector};

use super::dense::Qr;
use super::observer::{CancelToken, Observer, Progress};
use super::options::FitOptions;
use super::problem::{Bound, FitError, Problem};
use super::report::{FitReport, Termination, covariance_summary, covariance_summary_until};

/// Damping trials allowed per iteration before giving up with [`Termination::NoProgress`].
const MAX_TRIALS: usize = 60;

/// The raw outcome of a run, before the covariance is computed.
#[derive(Debug, Clone)]
pub(crate) struct LmOutcome {
    /// Best external parameters (finite).
    pub params: Vec<f64>,
    /// Which parameters were free.
    pub free: Vec<bool>,
    /// ½·SSE at `params`.
    pub cost: f64,
    pub termination: Termination,
    pub iterations: usize,
    pub evaluations: usize,
    pub started: Instant,
    /// Per parameter: true when the value ended on (within 1e-6 of the range of) a finite bound.
    pub at_bound: Vec<bool>,
}

/// Minimises ½·Σ r(p)² from `initial`, honouring `bounds` (empty slice: all free) and `options`, reporting to
/// `observer`. Returns a report (with the reason for stopping) whenever the fit could start; `Err` only for
/// what prevents fitting: sizes that disagree, non-finite inputs, nothing free, fewer points than free
/// parameters, or a model undefined at the start.
pub fn levenberg_marquardt<P: Problem + ?Sized>(
    problem: &mut P,
    initial: &[f64],
    bounds: &[Bound],
    options: &FitOptions,
    observer: &mut dyn Observer,
) -> Result<FitReport, FitError> {
    let out = run_lm(problem, initial, bounds, options, observer)?;
    let n = problem.n_residuals();
    let tss = problem.total_sum_of_squares();
    // A cancelled fit's statistics would cost another Jacobian and factorization nobody waits for.
    if !options.statistics || out.termination == Termination::Cancelled {
        return Ok(build_report(&out, n, None, tss, None));
    }
    let mut jac = DMatrix::zeros(n, problem.n_params());
    let jac_ok = problem.jacobian(&out.params, &mut jac);
    Ok(build_report(&out, n, jac_ok.then_some(&jac), tss, options.cancel.as_ref()))
}

/// Assembles a report from an outcome and the external Jacobian at the solution (`None` if undefined). Once
/// `cancel` is set the statistics stop and the report says [`Termination::Cancelled`], without them.
pub(crate) fn build_report(
    out: &LmOutcome,
    n: usize,
    jac: Option<&DMatrix<f64>>,
    tss: Option<f64>,
    cancel: Option<&CancelToken>,
) -> FitReport {
    let n_free = out.free.iter().filter(|f| **f).count();
    let sse = 2.0 * out.cost;
    let dof = n.saturating_sub(n_free);
    let s2 = (dof > 0).then(|| sse / dof as f64);
    let none = || covariance_summary(&DMatrix::zeros(0, 0), &out.free, None);
    let mut termination = out.termination;
    let (standard_errors, correlation) = match jac {
        Some(j) => covariance_summary_until(j, &out.free, s2, cancel).unwrap_or_else(|| {
            termination = Termination::Cancelled;
            none()
        }),
        None => none(),
    };
    let r_squared = tss.filter(|t| *t > 0.0 && t.is_finite()).map(|t| 1.0 - sse / t);
    FitReport {
        values: out.params.clone(),
        free: out.free.clone(),
        standard_errors,
        correlation,
        sse,
        rmse: if n > 0 { (sse / n as f64).sqrt() } else { 0.0 },
        residual_sd: s2.map(f64::sqrt),
        r_squared,
        n_points: n,
        n_free,
        at_bound: out.at_bound.clone(),
        termination,
        iterations: out.iterations,
        evaluations: out.evaluations,
        elapsed_s: out.started.elapsed().as_secs_f64(),
    }
}

/// Maps internal u (free parameters only) to external parameters and dp/du.
fn apply(bounds: &[Bound], free_idx: &[usize], u: &[f64], ext: &mut [f64], dpdu: &mut [f64]) {
    for (c, &j) in free_idx.iter().enumerate() {
        let (p, d) = bounds.get(j).copied().unwrap_or_default().to_external(u[c]);
        ext[j] = p;
        dpdu[c] = d;
    }
}

fn eval_cost<P: Problem + ?Sized>(problem: &mut P, params: &[f64], r: &mut [f64]) -> f64 {
    if !problem.residuals(params, r) {
        return f64::INFINITY;
    }
    let c = 0.5 * r.iter().map(|v| v * v).sum::<f64>();
    if c.is_finite() { c } else { f64::INFINITY }
}

/// Singular values S, Vᵀ and Uᵀr of a tall matrix A = U S Vᵀ (n × p, n ≥ p) without forming U: a Householder
/// QR first (A = Q R, Qᵀr applied in place in O(np)), then the SVD of the small p × p factor R. `None` when the
/// SVD fails or `cancel` is set (looked at between the QR's columns).
fn svd_projection(
    a: DMatrix<f64>,
    mut r: DVector<f64>,
    cancel: Option<&CancelToken>,
) -> Option<(DVector<f64>, DMatrix<f64>, DVector<f64>)> {
    let p = a.ncols();
    let qr = Qr::new(a, cancel)?;
    qr.q_tr_mul(&mut r);
    let small = qr.r();
    let svd = small.svd(true, true);
    let (u, vt) = (svd.u?, svd.v_t?);
    let ur = u.tr_mul(&r.rows(0, p));
    Some((svd.singular_values, vt, ur))
}

/// Row blocks of a Jacobian: (rows, the columns that may be nonzero on them).
pub(crate) type Blocks = Vec<(std::ops::Range<usize>, Vec<usize>)>;

/// [`svd_projection`] of a block-sparse A: each row block is reduced by its own QR on its own columns, and the
/// stacked triangular factors (with Qᵀr of each block) go through the dense path. Row blocks are disjoint and
/// cover A; `blocks` holds (rows, free columns) as built by [`free_blocks`]. Equal to the dense result in exact
/// arithmetic (an orthogonal transformation of the rows). Falls back to the dense path when the stacked factors
/// have fewer rows than A has columns.
fn svd_projection_blocked(
    a: &DMatrix<f64>,
    r: &DVector<f64>,
    blocks: &Blocks,
    cancel: Option<&CancelToken>,
) -> Option<(DVector<f64>, DMatrix<f64>, DVector<f64>)> {
    match reduce_row_blocks(a, Some(r), blocks) {
        Some((stacked, top)) => svd_projection(stacked, top, cancel),
        None => svd_projection(a.clone(), r.clone(), cancel),
    }
}

/// The stacked triangular factors R of A's row blocks (each block's Householder QR on its own columns), and Qᵀr
/// of each block's rows of `r` when given: RᵀR = AᵀA and Rᵀ(Qᵀr) = Aᵀr, in far fewer rows. Blocks are
/// (rows, columns), disjoint and covering A. `None` when the factors have fewer rows than A has columns.
pub(crate) fn reduce_row_blocks(
    a: &DMatrix<f64>,
    r: Option<&DVector<f64>>,
    blocks: &Blocks,
) -> Option<(DMatrix<f64>, DVector<f64>)> {
    let p = a.ncols();
    let total: usize = blocks.iter().map(|(rows, cols)| rows.len().min(cols.len())).sum();
    if total < p {
        return None;
    }
    let mut stacked = DMatrix::<f64>::zeros(total, p);
    let mut top = DVector::<f64>::zeros(total);
    let mut at = 0;
    for (rows, cols) in blocks {
        let (nb, cb) = (rows.len(), cols.len());
        let kb = nb.min(cb);
        if kb == 0 {
            continue;
        }
        let mut sub = DMatrix::<f64>::zeros(nb, cb);
        for (ci, &c) in cols.iter().enumerate() {
            sub.column_mut(ci).copy_from(&a.view((rows.start, c), (nb, 1)));
        }
        let qr = sub.qr();
        if let Some(r) = r {
            let mut rb = r.rows(rows.start, nb).into_owned();
            qr.q_tr_mul(&mut rb);
            top.rows_mut(at, kb).copy_from(&rb.rows(0, kb));
        }
        let rf = qr.r();
        for i in 0..kb {
            for (ci, &c) in cols.iter().enumerate() {
                stacked[(at + i, c)] = rf[(i, ci)];
            }
        }
        at += kb;
    }
    Some((stacked, top))
}

/// The problem's [`jacobian_blocks`](Problem::jacobian_blocks) in free-column indices (fixed parameters dropped),
/// or `None` when absent or not disjoint and covering `n` rows.
pub(crate) fn free_blocks(blocks: Option<Blocks>, free_idx: &[usize], p: usize, n: usize) -> Option<Blocks> {
    let blocks = blocks?;
    let mut col_of = vec![usize::MAX; p];
    for (c, &j) in free_idx.iter().enumerate() {
        col_of[j] = c;
    }
    let mut covered = vec![false; n];
    let mut out = Vec::with_capacity(blocks.len());
    for (rows, params) in blocks {
        if rows.end > n || params.iter().any(|&j| j >= p) {
            return None;
        }
        for i in rows.clone() {
            if std::mem::replace(&mut covered[i], true) {
                return None;
            }
        }
        let cols: Vec<usize> = params.iter().map(|&j| col_of[j]).filter(|&c| c != usize::MAX).collect();
        out.push((rows, cols));
    }
    covered.iter().all(|c| *c).then_some(out)
}

/// The solver loop shared by plain LM and variable projection.
///
/// Long for a reason: the Levenberg–Marquardt iteration (trial step, gain ratio, damping update, the stopping
/// tests, the observer and the caps) shares a dozen pieces of state across one loop, as MINPACK's `lmdif` does;
/// split into functions it would pass them all back and forth and read worse.
pub(crate) fn run_lm<P: Problem + ?Sized>(
    problem: &mut P,
    initial: &[f64],
    bounds: &[Bound],
    options: &FitOptions,
    observer: &mut dyn Observer,
) -> Result<LmOutcome, FitError> {
    let started = Instant::now();
    let n = problem.n_residuals();
    let p = problem.n_params();
    if initial.len() != p {
        return Err(FitError::SizeMismatch { what: format!("{} initial values for {p} parameters", initial.len()) });
    }
    if !bounds.is_empty() && bounds.len() != p {
        return Err(FitError::SizeMismatch { what: format!("{} bounds for {p} parameters", bounds.len()) });
    }
    if let Some(j) = initial.iter().position(|v| !v.is_finite()) {
        return Err(FitError::NonFiniteInput { what: format!("initial value of parameter {j}") });
    }
    if let Some(j) = bounds.iter().position(|b| !b.is_valid()) {
        return Err(FitError::NonFiniteInput { what: format!("bound of parameter {j}") });
    }
    let free: Vec<bool> = (0..p).map(|j| bounds.get(j).is_none_or(|b| b.is_free())).collect();
    let free_idx: Vec<usize> = (0..p).filter(|&j| free[j]).collect();
    let nf = free_idx.len();
    if nf == 0 {
        return Err(FitError::NothingFree);
    }
    if n == 0 || n < nf {
        return Err(FitError::NotEnoughData { points: n, free: nf });
    }

    let mut u: Vec<f64> =
        free_idx.iter().map(|&j| bounds.get(j).copied().unwrap_or_default().to_internal(initial[j])).collect();
    let mut ext = initial.to_vec();
    let mut dpdu = vec![0.0; nf];
    apply(bounds, &free_idx, &u, &mut ext, &mut dpdu);
    // Start exactly at the given values where the bound transform's round trip only rounded them (a start inside
    // its bounds), so that a model evaluated there before (a cached or seeded evaluation) is not evaluated again.
    for &j in &free_idx {
        if (ext[j] - initial[j]).abs() <= 1e-12 * initial[j].abs() {
            ext[j] = initial[j];
        }
    }
    // One block is the dense case: no gain from the block path.
    let blocks = free_blocks(problem.jacobian_blocks(), &free_idx, p, n).filter(|b| b.len() > 1);
    let mut r = vec![0.0; n];
    let mut cost = eval_cost(problem, &ext, &mut r);
    let mut evaluations = 1usize;
    if !cost.is_finite() {
        // A model stops evaluating once cancelled: that start is not undefined.
        return Err(if options.is_cancelled() { FitError::Cancelled } else { FitError::UndefinedAtStart });
    }

    let outcome = |params: &[f64], cost: f64, termination, iterations, evaluations| LmOutcome {
        params: params.to_vec(),
        free: free.clone(),
        cost,
        termination,
        iterations,
        evaluations,
        started,
        at_bound: (0..params.len()).map(|j| bounds.get(j).is_some_and(|b| b.is_at_bound(params[j]))).collect(),
    };
    let cancelled = || options.is_cancelled();
    let stop_requested = |evaluations: usize| -> Option<Termination> {
        if cancelled() {
            return Some(Termination::Cancelled);
        }
        if options.max_time.is_some_and(|t| started.elapsed() >= t) {
            return Some(Termination::TimeLimit);
        }
        if evaluations >= options.max_evaluations {
            return Some(Termination::MaxEvaluations);
        }
        None
    };
    let progress = |iteration, cost, evaluations| Progress {
        iteration,
        cost,
        evaluations,
        elapsed_s: started.elapsed().as_secs_f64(),
    };
    if !observer.observe(&progress(0, cost, evaluations)) {
        return Ok(outcome(&ext, cost, Termination::Cancelled, 0, evaluations));
    }

    let mut jac_full = DMatrix::<f64>::zeros(n, p);
    let mut jac = DMatrix::<f64>::zeros(n, nf);
    let mut diag = vec![0.0f64; nf];
    let mut r_new = vec![0.0; n];
    let mut u_new = vec![0.0; nf];
    let mut ext_new = ext.clone();
    let mut dpdu_new = vec![0.0; nf];
    let mut step = vec![0.0; nf];
    let mut lambda = -1.0f64;
    let mut nu = 2.0f64;
    let mut iterations = 0usize;

    loop {
        if iterations >= options.max_iterations {
            return Ok(outcome(&ext, cost, Termination::MaxIterations, iterations, evaluations));
        }
        if let Some(t) = stop_requested(evaluations) {
            return Ok(outcome(&ext, cost, t, iterations, evaluations));
        }
        if cost == 0.0 {
            return Ok(outcome(&ext, cost, Termination::ExactFit, iterations, evaluations));
        }
        let jacobian_ok = problem.jacobian(&ext, &mut jac_full);
        // A Jacobian or a factorization of a big fit takes seconds: look at the token after each (not at the time
        // or evaluation caps, so an uncancelled fit stops where it always did).
        if cancelled() {
            return Ok(outcome(&ext, cost, Termination::Cancelled, iterations, evaluations));
        }
        if !jacobian_ok {
            return Ok(outcome(&ext, cost, Termination::UndefinedJacobian, iterations, evaluations));
        }
        iterations += 1;
        for (c, &j) in free_idx.iter().enumerate() {
            for i in 0..n {
                jac[(i, c)] = jac_full[(i, j)] * dpdu[c];
            }
        }
        if jac.iter().any(|v| !v.is_finite()) {
            return Ok(outcome(&ext, cost, Termination::UndefinedJacobian, iterations, evaluations));
        }
        let rnorm = (2.0 * cost).sqrt();
        let rvec = DVector::from_column_slice(&r);
        let mut gmax = 0.0f64;
        for c in 0..nf {
            let col = jac.column(c);
            let cn = col.norm();
            // Marquardt's scale-invariant choice D = current column norms (not Moré's running maximum): a
            // parameter approaching a bound through its transform keeps full Gauss–Newton steps in u.
            diag[c] = if cn > 0.0 { cn } else { 1.0 };
            if cn > 0.0 {
                gmax = gmax.max(col.dot(&rvec).abs() / (cn * rnorm));
            }
        }
        if gmax <= options.gtol {
            return Ok(outcome(&ext, cost, Termination::ConvergedGradient, iterations, evaluations));
        }
        for c in 0..nf {
            jac.column_mut(c).scale_mut(1.0 / diag[c]);
        }
        let projected = match &blocks {
            Some(b) => svd_projection_blocked(&jac, &rvec, b, options.cancel.as_ref()),
            None => svd_projection(jac.clone(), rvec, options.cancel.as_ref()),
        };
        if cancelled() {
            return Ok(outcome(&ext, cost, Termination::Cancelled, iterations, evaluations));
        }
        let Some((s, vt, ur)) = projected else {
            return Ok(outcome(&ext, cost, Termination::UndefinedJacobian, iterations, evaluations));
        };
        if lambda < 0.0 {
            let smax2 = s.iter().map(|v| v * v).fold(0.0, f64::max);
            lambda = options.initial_damping * if smax2 > 0.0 { smax2 } else { 1.0 };
        }
        let unorm: f64 = u.iter().zip(&diag).map(|(a, d)| (a * d).powi(2)).sum::<f64>().sqrt();

        let mut trials = 0usize;
        loop {
            if let Some(t) = stop_requested(evaluations) {
                return Ok(outcome(&ext, cost, t, iterations, evaluations));
            }
            trials += 1;
            step.iter_mut().for_each(|v| *v = 0.0);
            let mut pred = 0.0;
            for k in 0..s.len() {
                let sk = s[k];
                let denom = sk * sk + lambda;
                if denom <= 0.0 {
                    continue;
                }
                let coef = -sk * ur[k] / denom;
                for c in 0..nf {
                    step[c] += coef * vt[(k, c)];
                }
                let q = lambda / denom;
                pred += 0.5 * ur[k] * ur[k] * (1.0 - q * q);
            }
            let step_norm = step.iter().map(|v| v * v).sum::<f64>().sqrt();
            for c in 0..nf {
                u_new[c] = u[c] + step[c] / diag[c];
            }
            apply(bounds, &free_idx, &u_new, &mut ext_new, &mut dpdu_new);
            // A transform can overflow (e^u for huge u): never hand a non-finite parameter to the model.
            let cost_new = if ext_new.iter().all(|v| v.is_finite()) {
                eval_cost(problem, &ext_new, &mut r_new)
            } else {
                f64::INFINITY
            };
            evaluations += 1;
            let actual = cost - cost_new;
            let rho = if pred > 0.0 { actual / pred } else { -1.0 };
            let small_step = step_norm <= options.xtol * (unorm + options.xtol);
            if cost_new.is_finite() && rho > 1e-4 {
                let cost_old = cost;
                std::mem::swap(&mut u, &mut u_new);
                std::mem::swap(&mut ext, &mut ext_new);
                std::mem::swap(&mut dpdu, &mut dpdu_new);
                std::mem::swap(&mut r, &mut r_new);
                cost = cost_new;
                lambda *= (1.0 - (2.0 * rho - 1.0).powi(3)).max(1.0 / 3.0);
                nu = 2.0;
                if actual <= options.ftol * cost_old && pred <= options.ftol * cost_old {
                    return Ok(outcome(&ext, cost, Termination::ConvergedCost, iterations, evaluations));
                }
                // Also stop when the external parameters no longer move: a parameter pressed against a bound
                // keeps moving internally (u → ±∞) while p converges.
                let external_still = free_idx
                    .iter()
                    .all(|&j| (ext[j] - ext_new[j]).abs() <= options.xtol * (ext[j].abs() + options.xtol));
                if small_step || external_still {
                    return Ok(outcome(&ext, cost, Termination::ConvergedStep, iterations, evaluations));
                }
                break;
            }
            if pred <= options.ftol * cost && actual.abs() <= options.ftol * cost {
                return Ok(outcome(&ext, cost, Termination::ConvergedCost, iterations, evaluations));
            }
            if small_step {
                return Ok(outcome(&ext, cost, Termination::ConvergedStep, iterations, evaluations));
            }
            if trials >= MAX_TRIALS || !lambda.is_finite() {
                return Ok(outcome(&ext, cost, Termination::NoProgress, iterations, evaluations));
            }
            lambda *= nu;
            nu = (nu * 2.0).min(1e8);
        }
        if !observer.observe(&progress(iterations, cost, evaluations)) {
            return Ok(outcome(&ext, cost, Termination::Cancelled, iterations, evaluations));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The block path gives the dense path's singular values, least-squares solution V S⁻¹ Uᵀr and covariance.
    #[test]
    fn blocked_projection_and_covariance_equal_the_dense_ones() {
        // Three row blocks: columns {0, 1, 6}, {2, 3, 6}, {4, 5, 6} (column 6 shared, like a run-level value).
        let n = 60;
        let p = 7;
        let blocks: Blocks = vec![(0..25, vec![0, 1, 6]), (25..40, vec![2, 3, 6]), (40..60, vec![4, 5, 6])];
        let mut a = DMatrix::<f64>::zeros(n, p);
        let mut seed = 12345u64;
        let mut rnd = || {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (seed >> 11) as f64 / (1u64 << 53) as f64 - 0.5
        };
        for (rows, cols) in &blocks {
            for i in rows.clone() {
                for &c in cols {
                    a[(i, c)] = rnd();
                }
            }
        }
        let r = DVector::from_fn(n, |_, _| rnd());
        let solve = |(s, vt, ur): (DVector<f64>, DMatrix<f64>, DVector<f64>)| {
            let z = DVector::from_fn(s.len(), |i, _| ur[i] / s[i]);
            (s, vt.transpose() * z)
        };
        let (s_dense, x_dense) = solve(svd_projection(a.clone(), r.clone(), None).unwrap());
        let (s_blk, x_blk) = solve(svd_projection_blocked(&a, &r, &blocks, None).unwrap());
        for (u, v) in s_dense.iter().zip(&s_blk) {
            assert!((u - v).abs() < 1e-12 * s_dense[0], "{u} vs {v}");
        }
        assert!((&x_dense - &x_blk).norm() < 1e-10 * x_dense.norm());
        // The stacked factors carry the same covariance.
        let (stacked, _) = reduce_row_blocks(&a, None, &blocks).unwrap();
        assert!(stacked.nrows() < n);
        let free = vec![true; p];
        let (se_dense, corr_dense) = covariance_summary(&a, &free, Some(0.3));
        let (se_blk, corr_blk) = covariance_summary(&stacked, &free, Some(0.3));
        for (u, v) in se_dense.iter().zip(&se_blk) {
            let (u, v) = (u.unwrap(), v.unwrap());
            assert!((u - v).abs() < 1e-12 * u, "{u} vs {v}");
        }
        for (ru, rv) in corr_dense.iter().zip(&corr_blk) {
            for (u, v) in ru.iter().zip(rv) {
                assert!((u - v).abs() < 1e-12, "{u} vs {v}");
            }
        }
        // Blocks must be disjoint and cover every row.
        assert!(free_blocks(Some(vec![(0..30, vec![0]), (20..60, vec![1])]), &[0, 1], 2, 60).is_none());
        assert!(free_blocks(Some(vec![(0..30, vec![0])]), &[0, 1], 2, 60).is_none());
        assert_eq!(free_blocks(Some(vec![(0..60, vec![0, 1])]), &[1], 2, 60), Some(vec![(0..60, vec![0])]));
    }
}
