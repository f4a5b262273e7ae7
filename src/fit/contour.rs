//! Joint confidence regions of one peak's (k_a, k_d): the linearised ellipse from the standard errors and their
//! correlation, and the true χ² contour of the sum of squares, profiled over the linear parameters.
//!
//! Both are drawn at Δχ² = [`DELTA_CHI2_95_2D`] (95 % for two parameters). With the residual variance
//! s² = SSE_min/(n − p) standing in for σ², the χ² contour is the set of (k_a, k_d) where
//! SSE(k_a, k_d) = SSE_min + Δχ²·s², every area and baseline coefficient of the window re-solved by linear least
//! squares at each point (as variable projection does) and the window's other peaks held at their fitted (k_a, k_d).
//! Close to a well-determined optimum the two agree; where the model is strongly nonlinear the contour bends
//! (a banana) and the ellipse does not.
//!
//! The contour is traced along rays in the ellipse's own (whitened) coordinates: for each of `n_rays` directions,
//! the radius where ΔSSE crosses the level, by stepping out and bisecting. This assumes the region is star-shaped
//! about the optimum, which holds for the near-elliptic regions of a converged fit.

use nalgebra::{DMatrix, DVector};

use super::lsq::dense::Qr;
use super::lsq::{CancelToken, polynomial_basis};
use crate::model::{Column, Peak, closed};

/// The χ² quantile with 2 degrees of freedom at 95 %: −2 ln 0.05.
pub const DELTA_CHI2_95_2D: f64 = 5.991_464_547_107_979;

/// Largest |ρ| used: k_a and k_d of a well-retained peak are often correlated beyond 0.99999 (K is far better
/// determined than either), so the clamp only guards the square root.
const MAX_ABS_CORRELATION: f64 = 1.0 - 1e-12;

/// Largest whitened radius searched along a ray, in units of √Δχ² (beyond it the contour is reported open).
const MAX_RADIUS_FACTOR: f64 = 4.0;

/// The linearised joint confidence ellipse of two estimates: centre, standard errors (same units as the centre,
/// positive) and correlation ρ (clamped to ±(1 − 10⁻¹²): fitted rates are often correlated beyond 0.99999). Returns `n` points (n ≥ 8) of the closed curve
/// (x − c)ᵀ C⁻¹ (x − c) = Δχ², the last equal to the first; `None` for non-finite or non-positive input.
pub fn confidence_ellipse(
    center: (f64, f64),
    se: (f64, f64),
    correlation: f64,
    delta_chi2: f64,
    n: usize,
) -> Option<Vec<(f64, f64)>> {
    let basis = Whitening::new(center, se, correlation)?;
    if !(delta_chi2.is_finite() && delta_chi2 > 0.0) {
        return None;
    }
    let r = delta_chi2.sqrt();
    let n = n.max(8);
    Some(
        (0..=n)
            .map(|k| {
                let phi = std::f64::consts::TAU * k as f64 / n as f64;
                basis.to_params(r * phi.cos(), r * phi.sin())
            })
            .collect(),
    )
}

/// The map between whitened coordinates (u, v) and parameters: x = c + L·(u, v), L the Cholesky factor of the
/// covariance. The ellipse at Δχ² is the circle of radius √Δχ² in (u, v).
#[derive(Debug, Clone, Copy, PartialEq)]
struct Whitening {
    center: (f64, f64),
    l11: f64,
    l21: f64,
    l22: f64,
}

impl Whitening {
    fn new(center: (f64, f64), se: (f64, f64), correlation: f64) -> Option<Whitening> {
        let ok = |v: f64| v.is_finite() && v > 0.0;
        if !(center.0.is_finite() && center.1.is_finite() && ok(se.0) && ok(se.1) && correlation.is_finite()) {
            return None;
        }
        let rho = correlation.clamp(-MAX_ABS_CORRELATION, MAX_ABS_CORRELATION);
        Some(Whitening { center, l11: se.0, l21: rho * se.1, l22: se.1 * (1.0 - rho * rho).sqrt() })
    }

    fn to_params(self, u: f64, v: f64) -> (f64, f64) {
        (self.center.0 + self.l11 * u, self.center.1 + self.l21 * u + self.l22 * v)
    }
}

/// One window of a fitted cluster, to trace the χ² contour of one of its peaks.
#[derive(Debug, Clone)]
pub struct ContourProblem<'a> {
    /// Window times, s (finite, increasing).
    pub time_s: &'a [f64],
    /// Window signal (data, with any subtracted baseline already removed).
    pub signal: &'a [f64],
    /// The column with the run-level values of the fit.
    pub column: Column,
    /// Fitted (k_a, k_d) in 1/s of every peak in the window; the others are held at these values.
    pub peaks: Vec<(f64, f64)>,
    /// Which of `peaks` the contour is about.
    pub target: usize,
    /// Degree of the window's polynomial baseline (0: constant, the fitter's default); `None`: no baseline term.
    pub baseline_degree: Option<usize>,
}

/// A traced χ² contour.
#[derive(Debug, Clone, PartialEq)]
pub struct Chi2Contour {
    /// Points (k_a, k_d) in 1/s along the contour, the last equal to the first.
    pub points: Vec<(f64, f64)>,
    /// SSE at the fitted point, signal².
    pub sse_min: f64,
    /// Residual variance s² = SSE_min/(n − p) used for σ², signal².
    pub residual_variance: f64,
    /// The level: SSE_min + Δχ²·s².
    pub level_sse: f64,
    /// False when some ray never reached the level within the search radius (the region is open or very long
    /// there; those points sit at the search limit).
    pub closed: bool,
    /// Smallest SSE met along the rays; below `sse_min` when the fit had not quite converged.
    pub lowest_sse_seen: f64,
}

/// Why no contour could be traced.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ContourError {
    /// Lengths differ, too few points, no peaks, target out of range, non-finite input.
    #[error("invalid input: {0}")]
    InvalidInput(String),
    /// The standard errors or correlation cannot define the search directions.
    #[error("no usable standard errors for this peak")]
    NoStandardErrors,
    /// The model could not be evaluated at the fitted point.
    #[error("the model cannot be evaluated at the fitted values")]
    Undefined,
    /// The cancel token was set.
    #[error("cancelled")]
    Cancelled,
}

impl ContourProblem<'_> {
    fn validate(&self) -> Result<(), ContourError> {
        let bad = |m: &str| Err(ContourError::InvalidInput(m.to_string()));
        let n = self.time_s.len();
        if self.signal.len() != n {
            return bad("time and signal lengths differ");
        }
        if self.target >= self.peaks.len() {
            return bad("target peak out of range");
        }
        let p = 2 * self.peaks.len() + self.peaks.len() + self.baseline_degree.map_or(0, |d| d + 1);
        if n <= p + 2 {
            return bad("too few points in the window");
        }
        if self.time_s.iter().chain(self.signal).any(|v| !v.is_finite()) {
            return bad("non-finite value");
        }
        if self.time_s.windows(2).any(|w| w[1] <= w[0]) {
            return bad("time not increasing");
        }
        if self.peaks.iter().any(|&(a, d)| !(a.is_finite() && d.is_finite() && a > 0.0 && d > 0.0)) {
            return bad("rates must be positive and finite");
        }
        Ok(())
    }
}

/// The profiled sum of squares with every column but the target's fixed.
///
/// Only the target's column changes from one evaluation to the next, so the fixed columns F (the other peaks and
/// the baseline) are factorized once (F = QR): with ỹ and c̃ the parts of y and of the target's column c off
/// span(F) (the last n − k entries of Qᵀy and Qᵀc), the profiled residual is ỹ − (c̃ᵀỹ / c̃ᵀc̃)·c̃. Each evaluation
/// then costs O(n·m) instead of an SVD of the whole n × m basis, O(n·m²): on a 150-peak window that is the
/// difference between milliseconds and a third of a second. Where F is rank-deficient (two peaks at the same
/// rates) the SVD of the whole basis is used, as before.
struct Profile<'a> {
    problem: &'a ContourProblem<'a>,
    phi: DMatrix<f64>,
    y: DVector<f64>,
    /// The QR of the fixed columns and Qᵀy, when F has full rank.
    fixed: Option<(Qr, DVector<f64>)>,
}

impl<'a> Profile<'a> {
    fn new(problem: &'a ContourProblem<'a>) -> Profile<'a> {
        let t = problem.time_s;
        let baseline = problem.baseline_degree.map(|d| polynomial_basis(t, d));
        let m = problem.peaks.len() + baseline.as_ref().map_or(0, |b| b.ncols());
        let mut phi = DMatrix::zeros(t.len(), m);
        for (j, &(ka, kd)) in problem.peaks.iter().enumerate() {
            if j != problem.target {
                let y = closed::peak_signal(&problem.column, &Peak::new("", ka, kd, 1.0), t);
                phi.column_mut(j).copy_from_slice(&y);
            }
        }
        if let Some(b) = baseline {
            for k in 0..b.ncols() {
                phi.column_mut(problem.peaks.len() + k).copy_from(&b.column(k));
            }
        }
        let y = DVector::from_column_slice(problem.signal);
        let fixed = factor_fixed(&phi, problem.target, &y);
        Profile { problem, phi, y, fixed }
    }

    /// SSE with the target at (k_a, k_d) and every linear coefficient solved; `None` where undefined.
    fn sse(&mut self, ka: f64, kd: f64) -> Option<f64> {
        if !(ka.is_finite() && kd.is_finite() && ka > 0.0 && kd > 0.0) {
            return None;
        }
        let col = closed::peak_signal(&self.problem.column, &Peak::new("", ka, kd, 1.0), self.problem.time_s);
        if col.iter().any(|v| !v.is_finite()) {
            return None;
        }
        let sse = match &self.fixed {
            Some((qr, qty)) => {
                let mut qc = DVector::from_vec(col);
                qr.q_tr_mul(&mut qc);
                let (k, n) = (qr.reflectors(), qc.len());
                let (c, y) = (qc.rows(k, n - k), qty.rows(k, n - k));
                let cc = c.norm_squared();
                // A target column inside span(F) adds nothing (the SVD path's truncation does the same).
                let scale = if cc > 1e-24 * qc.norm_squared() { c.dot(&y) / cc } else { 0.0 };
                (y - c * scale).norm_squared()
            }
            None => {
                self.phi.column_mut(self.problem.target).copy_from_slice(&col);
                sse_by_svd(&self.phi, &self.y)?
            }
        };
        sse.is_finite().then_some(sse)
    }
}

/// The QR of `phi`'s non-zero columns other than `target` (a peak outside the window adds nothing), with Qᵀy;
/// `None` when they are rank-deficient (a diagonal of R below 1e-10 of its column's norm).
fn factor_fixed(phi: &DMatrix<f64>, target: usize, y: &DVector<f64>) -> Option<(Qr, DVector<f64>)> {
    let cols: Vec<usize> = (0..phi.ncols()).filter(|&j| j != target && phi.column(j).norm() > 0.0).collect();
    let f = DMatrix::from_fn(phi.nrows(), cols.len(), |i, c| phi[(i, cols[c])]);
    let norms: Vec<f64> = f.column_iter().map(|c| c.norm()).collect();
    let qr = Qr::new(f, None)?;
    let full_rank = qr.diagonal().iter().zip(&norms).all(|(r, n)| r.abs() > 1e-10 * n);
    if !full_rank {
        return None;
    }
    let mut qty = y.clone();
    qr.q_tr_mul(&mut qty);
    Some((qr, qty))
}

/// The least-squares SSE of `y` on the columns of `phi` (a rank-truncated SVD solve); `None` where it fails.
fn sse_by_svd(phi: &DMatrix<f64>, y: &DVector<f64>) -> Option<f64> {
    let svd = phi.clone().svd(true, true);
    let smax = svd.singular_values.iter().copied().fold(0.0, f64::max);
    let coef = svd.solve(y, smax * 1e-12).ok()?;
    Some((y - phi * coef).norm_squared())
}

/// Traces the χ² contour of the target peak's (k_a, k_d) at `delta_chi2` (use [`DELTA_CHI2_95_2D`]) along
/// `n_rays` (≥ 8) rays. `se` and `correlation` are the fit's standard errors (1/s) and correlation of
/// (k_a, k_d): they set the search directions and scale, not the result. Cost: about 15 model evaluations of
/// the window per ray.
pub fn chi2_contour(
    problem: &ContourProblem<'_>,
    se: (f64, f64),
    correlation: f64,
    delta_chi2: f64,
    n_rays: usize,
) -> Result<Chi2Contour, ContourError> {
    chi2_contour_cancellable(problem, se, correlation, delta_chi2, n_rays, None)
}

/// [`chi2_contour`] that stops with [`ContourError::Cancelled`] before a ray once `cancel` is set (the app's
/// tracing thread, when the user selects another peak or edits this one).
pub fn chi2_contour_cancellable(
    problem: &ContourProblem<'_>,
    se: (f64, f64),
    correlation: f64,
    delta_chi2: f64,
    n_rays: usize,
    cancel: Option<&CancelToken>,
) -> Result<Chi2Contour, ContourError> {
    problem.validate()?;
    let center = problem.peaks[problem.target];
    let white = Whitening::new(center, se, correlation).ok_or(ContourError::NoStandardErrors)?;
    if !(delta_chi2.is_finite() && delta_chi2 > 0.0) {
        return Err(ContourError::InvalidInput("Δχ² must be positive".into()));
    }
    let mut profile = Profile::new(problem);
    let sse_min = profile.sse(center.0, center.1).ok_or(ContourError::Undefined)?;
    let n = problem.time_s.len();
    let p = 3 * problem.peaks.len() + problem.baseline_degree.map_or(0, |d| d + 1);
    let residual_variance = sse_min / (n - p) as f64;
    let level_sse = sse_min + delta_chi2 * residual_variance;
    let r0 = delta_chi2.sqrt();
    let r_max = MAX_RADIUS_FACTOR * r0;
    let mut closed = true;
    let mut lowest = sse_min;
    let n_rays = n_rays.max(8);
    let mut points = Vec::with_capacity(n_rays + 1);
    for k in 0..n_rays {
        if cancel.is_some_and(CancelToken::is_cancelled) {
            return Err(ContourError::Cancelled);
        }
        let phi = std::f64::consts::TAU * k as f64 / n_rays as f64;
        let (cu, cv) = (phi.cos(), phi.sin());
        // Undefined points (non-positive rates) count as outside the region.
        let mut above = |r: f64, lowest: &mut f64| {
            let (a, d) = white.to_params(r * cu, r * cv);
            match profile.sse(a, d) {
                Some(s) => {
                    *lowest = lowest.min(s);
                    s > level_sse
                }
                None => true,
            }
        };
        // Step out by half the linearised radius until above the level, then bisect.
        let step = 0.5 * r0;
        let (mut inside, mut outside) = (0.0, None);
        let mut r = step;
        while r <= r_max + 1e-12 {
            if above(r, &mut lowest) {
                outside = Some(r);
                break;
            }
            inside = r;
            r += step;
        }
        let radius = match outside {
            Some(mut out) => {
                for _ in 0..10 {
                    let mid = 0.5 * (inside + out);
                    if above(mid, &mut lowest) {
                        out = mid;
                    } else {
                        inside = mid;
                    }
                }
                0.5 * (inside + out)
            }
            None => {
                closed = false;
                r_max
            }
        };
        points.push(white.to_params(radius * cu, radius * cv));
    }
    points.push(points[0]);
    Ok(Chi2Contour { points, sse_min, residual_variance, level_sse, closed, lowest_sse_seen: lowest })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fit::FitOptions;
    use crate::fit::noise::tests::gaussian_noise;
    use crate::fit::run::fit_cluster;

    #[test]
    fn the_ellipse_satisfies_its_quadratic_form() {
        let (c, se, rho) = ((2.0, 5.0), (0.3, 0.7), 0.8);
        let pts = confidence_ellipse(c, se, rho, DELTA_CHI2_95_2D, 64).unwrap();
        assert_eq!(pts.len(), 65);
        assert_eq!(pts[0], pts[64]);
        let cov = [[se.0 * se.0, rho * se.0 * se.1], [rho * se.0 * se.1, se.1 * se.1]];
        let det = cov[0][0] * cov[1][1] - cov[0][1] * cov[1][0];
        for (x, y) in pts {
            let (dx, dy) = (x - c.0, y - c.1);
            let q = (cov[1][1] * dx * dx - 2.0 * cov[0][1] * dx * dy + cov[0][0] * dy * dy) / det;
            assert!((q - DELTA_CHI2_95_2D).abs() < 1e-9, "{q}");
        }
        // The bounding box of the ellipse is ±√Δχ²·SE on each axis.
        let half_width = confidence_ellipse(c, se, rho, DELTA_CHI2_95_2D, 4000)
            .unwrap()
            .iter()
            .map(|p| (p.0 - c.0).abs())
            .fold(0.0, f64::max);
        assert!((half_width / (DELTA_CHI2_95_2D.sqrt() * se.0) - 1.0).abs() < 1e-3, "{half_width}");
        assert!(confidence_ellipse(c, (0.0, 1.0), rho, DELTA_CHI2_95_2D, 16).is_none());
        // A near-degenerate correlation (as fitted rates show) still gives a finite, thin ellipse.
        let thin = confidence_ellipse(c, se, 0.999_999_9, DELTA_CHI2_95_2D, 64).unwrap();
        assert!(thin.iter().all(|p| p.0.is_finite() && p.1.is_finite()));
    }

    #[test]
    fn on_a_noisy_peak_the_chi2_contour_is_close_to_the_linearised_ellipse() {
        let column = Column::paper_btex();
        let truth = Peak::new("", 2953.0, 24.0, 5000.0);
        let m = crate::model::moments::moments(&column, &truth);
        let sd = m.variance_s2.sqrt();
        let t: Vec<f64> = (0..1000).map(|i| m.mean_s - 6.0 * sd + i as f64 * 0.016 * sd).collect();
        let clean = closed::peak_signal(&column, &truth, &t);
        let height = clean.iter().copied().fold(0.0, f64::max);
        let noise = gaussian_noise(t.len(), 0.01 * height, 11);
        let y: Vec<f64> = clean.iter().zip(&noise).map(|(c, e)| 50.0 + c + e).collect();
        let start = [truth.ka_per_s * 1.002, truth.kd_per_s * 0.998];
        let fitted =
            fit_cluster(&t, &y, &column, &start, &[None], Some(0), &FitOptions::default().with_tolerance(1e-10))
                .unwrap();
        let (ka, kd) = (fitted.values[0], fitted.values[1]);
        let se = (fitted.standard_errors[0].unwrap(), fitted.standard_errors[1].unwrap());
        let rho = fitted.correlation_between(0, 1);
        let problem = ContourProblem {
            time_s: &t,
            signal: &y,
            column,
            peaks: vec![(ka, kd)],
            target: 0,
            baseline_degree: Some(0),
        };
        let contour = chi2_contour(&problem, se, rho, DELTA_CHI2_95_2D, 48).unwrap();
        assert!(contour.closed);
        assert_eq!(contour.points.len(), 49);
        // The fit's SSE and the profile's agree, and the fitted point is the minimum.
        assert!((contour.sse_min / fitted.sse - 1.0).abs() < 1e-6, "{} {}", contour.sse_min, fitted.sse);
        assert!(contour.lowest_sse_seen >= contour.sse_min * (1.0 - 1e-6));
        // Residual variance ≈ the noise variance.
        let s = contour.residual_variance.sqrt();
        assert!(
            (s / (0.01 * height) - 1.0).abs() < 0.1,
            "s {s}, noise {}, fit {:?} {:?}",
            0.01 * height,
            fitted.values,
            fitted.termination
        );
        // Every contour point lies near the ellipse: its whitened radius is within 10 % of √Δχ².
        let white = Whitening::new((ka, kd), se, rho).unwrap();
        for &(a, d) in &contour.points {
            let u = (a - ka) / white.l11;
            let v = (d - kd - white.l21 * u) / white.l22;
            let r = (u * u + v * v).sqrt();
            assert!((r / DELTA_CHI2_95_2D.sqrt() - 1.0).abs() < 0.1, "whitened radius {r}");
        }
    }

    /// The profile through the fixed columns' QR gives the SSE of the whole basis's SVD solve (the independent
    /// method it replaced) at random rates around three overlapping peaks on a sloped baseline; with two fixed
    /// peaks at the same rates it falls back to the SVD. A set token stops the tracing.
    #[test]
    fn the_qr_profile_equals_the_svd_solve_over_random_rates() {
        let column = Column::paper_btex();
        let truth = [(2953.0, 24.0), (2700.0, 23.0), (3300.0, 25.0)];
        let peaks: Vec<Peak> = truth.iter().map(|&(a, d)| Peak::new("", a, d, 4000.0)).collect();
        let m = crate::model::moments::moments(&column, &peaks[0]);
        let sd = m.variance_s2.sqrt();
        let t: Vec<f64> = (0..1500).map(|i| m.mean_s - 10.0 * sd + i as f64 * 0.02 * sd).collect();
        let noise = gaussian_noise(t.len(), 0.5, 5);
        let y: Vec<f64> = (0..t.len())
            .map(|i| {
                let peaks_y: f64 = peaks.iter().map(|p| closed::peak_signal(&column, p, &t[i..=i])[0]).sum();
                20.0 + 0.01 * i as f64 + peaks_y + noise[i]
            })
            .collect();
        let mut state = 99u64;
        let mut rnd = || {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (state >> 11) as f64 / (1u64 << 53) as f64
        };
        for (fixed_rates, expect_fast) in [(truth.to_vec(), true), (vec![truth[0], truth[1], truth[1]], false)] {
            for target in 0..3 {
                let problem = ContourProblem {
                    time_s: &t,
                    signal: &y,
                    column,
                    peaks: fixed_rates.clone(),
                    target,
                    baseline_degree: Some(1),
                };
                let mut profile = Profile::new(&problem);
                // Identical fixed columns (targets 0: peaks 1 and 2 are the same) make F rank-deficient.
                assert_eq!(profile.fixed.is_some(), expect_fast || target != 0, "target {target}");
                for _ in 0..40 {
                    let ka = fixed_rates[target].0 * (0.8 + 0.4 * rnd());
                    let kd = fixed_rates[target].1 * (0.8 + 0.4 * rnd());
                    let fast = profile.sse(ka, kd).expect("defined");
                    profile.phi.column_mut(target).copy_from_slice(&closed::peak_signal(
                        &column,
                        &Peak::new("", ka, kd, 1.0),
                        &t,
                    ));
                    let svd = sse_by_svd(&profile.phi, &profile.y).expect("defined");
                    assert!((fast / svd - 1.0).abs() < 1e-9, "target {target} at ({ka}, {kd}): {fast} vs {svd}");
                }
            }
        }
        let problem = ContourProblem {
            time_s: &t,
            signal: &y,
            column,
            peaks: truth.to_vec(),
            target: 1,
            baseline_degree: Some(1),
        };
        let token = CancelToken::new();
        token.cancel();
        let stopped = chi2_contour_cancellable(&problem, (30.0, 0.3), 0.9, DELTA_CHI2_95_2D, 16, Some(&token));
        assert_eq!(stopped.unwrap_err(), ContourError::Cancelled);
    }

    #[test]
    fn bad_input_is_refused() {
        let t = [0.0, 1.0, 2.0];
        let problem = ContourProblem {
            time_s: &t,
            signal: &t,
            column: Column::paper_btex(),
            peaks: vec![(1.0, 1.0)],
            target: 0,
            baseline_degree: Some(0),
        };
        assert!(matches!(chi2_contour(&problem, (1.0, 1.0), 0.0, 6.0, 8), Err(ContourError::InvalidInput(_))));
    }
}
