//! The joint run model: every peak's (k_a, k_d) and the free run-level values (t0, t1, τ) in one separable
//! model, so that one variable-projection fit solves them all together.
//!
//! The residual rows are the cluster windows of the run, one after another (a window's rows are its samples).
//! The linear coefficients are each peak's area (its unit-area curve lives only on its own cluster's rows) and
//! each cluster's window polynomial baseline, exactly as in the per-cluster fits
//! ([`fit_cluster`](super::cluster_fit::fit_cluster), which use this model on one window with no run-level value
//! free), so a joint solution is also a stationary point of every cluster fit at the same run-level values.
//!
//! θ = (m₀, σ₀, …, m_{n−1}, σ_{n−1}, then the free run-level values in the order t0, t1, τ), where mⱼ is peak
//! j's **mean time** (s, first moment, docs/gc-model.md §3) and σⱼ its **kinetic standard deviation** (s, the
//! column's share of the peak width, without the injection and the inlet tail):
//!
//! ```text
//! m = t0·(1 + k') + t1/2 + τ,  σ² = 2·k'·t0/k_d,  k' = α·k_a/k_d
//! ⇔  with s = m − t0 − t1/2 − τ (= k'·t0):  k_d = 2s/σ²,  μ = α·k_a·t0 = 2s²/σ²,  k_a = μ/(α·t0)
//! ```
//!
//! Why not (k_a, k_d): with k_a, a change of t0 (or t1, τ) moves every peak, and the fit has to walk every k_a
//! along with it through a long curved valley (about 100 iterations on SOLV001 with t0 free). With the mean and
//! width held, a run-level value changes only the shapes. And both coordinates have bounds that keep a peak on
//! the data that determine it: the mean stays inside the peak's window and σ below a quarter of the window's
//! length. Unbounded, fits on poor windows drove μ to 1e-27 and the area to 1e57 (a spike at t0, outside the
//! window), or made a peak so broad that it swamped its neighbours' windows: the objective sees only the windows.
//! θ with m ≤ t0 + t1/2 + τ (k' ≤ 0) is undefined.
//!
//! The structure is block-sparse: ∂φⱼ/∂θ is non-zero only for peak j's own pair and for the run-level values.
//! ∂y/∂k_a, ∂y/∂k_d, ∂y/∂t0, ∂y/∂t1 and ∂y/∂τ are analytic ([`peak_signal_with_derivatives`]) and chained to
//! θ. Peaks are evaluated in parallel.

use nalgebra::DMatrix;
use rayon::prelude::*;

use crate::fit::lsq::{CancelToken, MAX_POLYNOMIAL_DEGREE, SeparableModel, polynomial_basis};
use crate::model::closed::{PeakDerivatives, peak_signal_with_derivatives};
use crate::model::moments::rates_from_mean_and_kinetic_sd;
use crate::model::{Column, Peak, RunLevel, RunLevelFree, RunLevelKind};

/// The largest kinetic standard deviation of a peak, as a fraction of its window's length; see the module doc.
pub(super) const SIGMA_MAX_OF_WINDOW: f64 = 0.25;

/// One peak's evaluation: its derivatives with respect to k_a, k_d, t0, t1 and τ (engine order, at fixed k_a and
/// k_d), with the values the chain rule to θ needs.
pub(crate) struct PeakEval {
    d: PeakDerivatives,
    ka: f64,
    kd: f64,
    /// s = m − t0 − t1/2 − τ = k'·t0, s (> 0).
    retained_s: f64,
    /// σ, s (> 0).
    sigma_s: f64,
}

/// The separable model of a whole run; see the module doc.
pub(crate) struct JointModel {
    template: Column,
    /// Run-level values (t0, t1, τ) in s used when not free.
    base: RunLevel,
    free: RunLevelFree,
    /// The concatenated window times, s.
    t_s: Vec<f64>,
    /// Per peak: its cluster's rows [lo, hi) in `t_s`.
    peak_rows: Vec<(usize, usize)>,
    /// Per cluster: its rows [lo, hi) in `t_s`.
    cluster_rows: Vec<(usize, usize)>,
    /// Per peak: its cluster.
    peak_cluster: Vec<usize>,
    /// Block-diagonal baseline columns (n × Σ (degree + 1)).
    baseline: DMatrix<f64>,
    /// Per peak: +1, or −1 for a peak that dips below the baseline (its basis column is the negated curve, so its
    /// non-negative coefficient is the area's magnitude).
    signs: Vec<f64>,
    /// Checked before each peak's evaluation: a cancelled evaluation is undefined (the solver then stops on the
    /// token), so one evaluation of hundreds of peaks does not outlast a cancel by more than one peak's.
    cancel: Option<CancelToken>,
    cache: Option<(Vec<f64>, Vec<PeakEval>)>,
}

impl JointModel {
    /// A joint model over `windows` (each a slice of run times, s, increasing; one per cluster) whose peaks are
    /// `peak_cluster` (per peak, the index of its window), with run-level values `base` (t0, t1, τ in s), of
    /// which the `free` ones are fitted, and a window baseline polynomial of `degree` per cluster (`None`: none).
    pub(crate) fn new(
        template: Column,
        base: RunLevel,
        free: RunLevelFree,
        windows: &[&[f64]],
        peak_cluster: &[usize],
        degree: Option<usize>,
    ) -> JointModel {
        let mut t_s = Vec::new();
        let mut rows = Vec::with_capacity(windows.len());
        for w in windows {
            rows.push((t_s.len(), t_s.len() + w.len()));
            t_s.extend_from_slice(w);
        }
        let per = degree.map(|d| d.min(MAX_POLYNOMIAL_DEGREE) + 1).unwrap_or(0);
        let mut baseline = DMatrix::zeros(t_s.len(), per * windows.len());
        if let Some(d) = degree {
            for (c, w) in windows.iter().enumerate() {
                let b = polynomial_basis(w, d);
                baseline.view_mut((rows[c].0, per * c), (w.len(), b.ncols())).copy_from(&b);
            }
        }
        let peak_rows = peak_cluster.iter().map(|&c| rows[c]).collect();
        JointModel {
            template,
            base,
            free,
            t_s,
            peak_rows,
            cluster_rows: rows,
            peak_cluster: peak_cluster.to_vec(),
            baseline,
            signs: vec![1.0; peak_cluster.len()],
            cancel: None,
            cache: None,
        }
    }

    /// This model with evaluations that stop once `cancel` (when given) is set.
    pub(crate) fn with_cancel(mut self, cancel: Option<CancelToken>) -> JointModel {
        self.cancel = cancel;
        self
    }

    /// This model with the peaks' signs (+1 rising, −1 dipping; missing entries count as +1).
    pub(crate) fn with_signs(mut self, signs: &[f64]) -> JointModel {
        for (s, &g) in self.signs.iter_mut().zip(signs) {
            *s = if g < 0.0 { -1.0 } else { 1.0 };
        }
        self
    }

    fn n_peaks(&self) -> usize {
        self.peak_rows.len()
    }

    fn n_free_run(&self) -> usize {
        self.free.count()
    }

    /// (t0, t1, τ) at θ: the free ones from θ's last entries, the others from the base.
    pub(crate) fn run_values(&self, theta: &[f64]) -> RunLevel {
        let mut v = self.base;
        for (k, kind) in self.free.kinds().enumerate() {
            v.set(kind, theta[2 * self.n_peaks() + k]);
        }
        v
    }

    /// Each peak's (k_a, k_d) in 1/s at θ; `None` where undefined.
    pub(crate) fn kinetics(&self, theta: &[f64]) -> Option<Vec<(f64, f64)>> {
        let column = self.column_at(theta)?;
        (0..self.n_peaks()).map(|j| rates_from_mean_and_kinetic_sd(&column, theta[2 * j], theta[2 * j + 1])).collect()
    }

    /// The column at θ, `None` where the run-level values are invalid.
    pub(crate) fn column_at(&self, theta: &[f64]) -> Option<Column> {
        self.run_values(theta).apply_to(&self.template)
    }

    /// The evaluations of every peak at exactly `theta` (its cluster's window, this model's column), moved out of
    /// the cache; `None` if the cache holds another θ.
    pub(crate) fn take_evaluations(&mut self, theta: &[f64]) -> Option<Vec<PeakEval>> {
        match self.cache.take() {
            Some((th, evals)) if th == theta => Some(evals),
            other => {
                self.cache = other;
                None
            }
        }
    }

    /// Seeds the cache with evaluations made elsewhere (another model's [`take_evaluations`](Self::take_evaluations))
    /// at `theta` on `column` over the same windows. They are kept only if `column` is exactly this model's column
    /// at `theta` and there is one per peak, so a seeded model computes what it would have computed itself.
    pub(crate) fn seed(&mut self, theta: &[f64], column: &Column, evals: Vec<PeakEval>) {
        let same_rows = evals.iter().zip(&self.peak_rows).all(|(e, &(lo, hi))| e.d.signal.len() == hi - lo);
        if evals.len() == self.n_peaks() && same_rows && self.column_at(theta).as_ref() == Some(column) {
            self.cache = Some((theta.to_vec(), evals));
        }
    }

    /// Evaluates every peak and its derivatives at θ (cached). False where θ is undefined or not finite.
    fn evaluate(&mut self, theta: &[f64]) -> bool {
        if self.cache.as_ref().is_some_and(|(th, _)| th.as_slice() == theta) {
            return true;
        }
        self.cache = None;
        let Some(column) = self.column_at(theta) else { return false };
        let Some(kinetics) = self.kinetics(theta) else { return false };
        let sigma: Vec<f64> = (0..kinetics.len()).map(|j| theta[2 * j + 1]).collect();
        let cancelled = || self.cancel.as_ref().is_some_and(CancelToken::is_cancelled);
        let evals: Option<Vec<PeakEval>> = kinetics
            .par_iter()
            .zip(&self.peak_rows)
            .enumerate()
            .map(|(j, (&(ka, kd), &(lo, hi)))| {
                if cancelled() {
                    return None;
                }
                let d = peak_signal_with_derivatives(&column, &Peak::new("", ka, kd, 1.0), &self.t_s[lo..hi]);
                Some(PeakEval { d, ka, kd, retained_s: 0.5 * kd * sigma[j] * sigma[j], sigma_s: sigma[j] })
            })
            .collect();
        let Some(evals) = evals else { return false };
        let finite = evals.iter().all(|e| {
            let d = &e.d;
            [&d.signal, &d.d_ka, &d.d_kd, &d.d_t0, &d.d_t1, &d.d_tau].iter().all(|v| v.iter().all(|x| x.is_finite()))
        });
        if !finite {
            return false;
        }
        self.cache = Some((theta.to_vec(), evals));
        true
    }
}

impl SeparableModel for JointModel {
    fn n_points(&self) -> usize {
        self.t_s.len()
    }
    fn n_nonlinear(&self) -> usize {
        2 * self.n_peaks() + self.n_free_run()
    }
    fn n_basis(&self) -> usize {
        self.n_peaks() + self.baseline.ncols()
    }
    fn derivative_structure(&self) -> Vec<(usize, usize)> {
        let (m, r) = (self.n_peaks(), self.n_free_run());
        (0..m)
            .flat_map(|j| [(j, 2 * j), (j, 2 * j + 1)].into_iter().chain((0..r).map(move |k| (j, 2 * m + k))))
            .collect()
    }
    /// Peak areas are not negative.
    fn nonnegative(&self) -> Vec<usize> {
        (0..self.n_peaks()).collect()
    }
    /// One block per cluster: its rows, its peaks' columns and its baseline columns.
    fn blocks(&self) -> Option<Vec<(std::ops::Range<usize>, Vec<usize>)>> {
        let (m, nc) = (self.n_peaks(), self.cluster_rows.len());
        let per = self.baseline.ncols() / nc.max(1);
        Some(
            self.cluster_rows
                .iter()
                .enumerate()
                .map(|(c, &(lo, hi))| {
                    let peaks = (0..m).filter(|&j| self.peak_cluster[j] == c);
                    (lo..hi, peaks.chain(m + per * c..m + per * (c + 1)).collect())
                })
                .collect(),
        )
    }
    fn basis(&mut self, theta: &[f64], phi: &mut DMatrix<f64>) -> bool {
        if !self.evaluate(theta) {
            return false;
        }
        let Some((_, evals)) = &self.cache else { return false };
        let m = evals.len();
        for (j, e) in evals.iter().enumerate() {
            let lo = self.peak_rows[j].0;
            let sign = self.signs[j];
            for (i, v) in e.d.signal.iter().enumerate() {
                phi[(lo + i, j)] = sign * v;
            }
        }
        phi.columns_mut(m, self.baseline.ncols()).copy_from(&self.baseline);
        true
    }
    fn basis_derivatives(&mut self, theta: &[f64], dphi: &mut DMatrix<f64>) -> bool {
        if !self.evaluate(theta) {
            return false;
        }
        let Some((_, evals)) = &self.cache else { return false };
        let per = 2 + self.n_free_run();
        let Some(column) = self.column_at(theta) else { return false };
        let t0 = column.holdup_time_s();
        let mut work = Vec::new();
        for (j, e) in evals.iter().enumerate() {
            let (lo, hi) = self.peak_rows[j];
            let (d_ka, d_kd) = (&e.d.d_ka, &e.d.d_kd);
            // k_d = 2s/σ², k_a = k_d·s/(α t0) with s = m − t0 − t1/2 − τ: (∂k_a, ∂k_d) with respect to m, σ, t0, t1, τ.
            let (s_ret, sg, ka, kd) = (e.retained_s, e.sigma_s, e.ka, e.kd);
            let chain = [
                (2.0 * ka / s_ret, kd / s_ret),
                (-2.0 * ka / sg, -2.0 * kd / sg),
                (-2.0 * ka / s_ret - ka / t0, -kd / s_ret),
                (-ka / s_ret, -0.5 * kd / s_ret),
                (-2.0 * ka / s_ret, -kd / s_ret),
            ];
            let mut k = 0;
            let sign = self.signs[j];
            let mut put = |col: &mut dyn Iterator<Item = f64>, dphi: &mut DMatrix<f64>| {
                for (i, v) in col.enumerate() {
                    dphi[(lo + i, per * j + k)] = sign * v;
                }
                k += 1;
            };
            for (ga, gd) in &chain[..2] {
                put(&mut d_ka.iter().zip(d_kd).map(|(a, b)| a * ga + b * gd), dphi);
            }
            for (r, own) in [&e.d.d_t0, &e.d.d_t1, &e.d.d_tau].into_iter().enumerate() {
                if !self.free.get(RunLevelKind::ALL[r]) {
                    continue;
                }
                let (ga, gd) = chain[2 + r];
                work.clear();
                work.extend(own.iter().zip(d_ka).zip(d_kd).map(|((o, a), b)| o + a * ga + b * gd));
                put(&mut work.iter().copied(), dphi);
            }
            debug_assert_eq!(hi - lo, d_ka.len());
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fit::lsq::{Bound, FitOptions, NoObserver, fit_separable};
    use crate::model::closed::{peak_signal, sum_signal};
    use crate::model::moments::mean_and_kinetic_sd as theta_from;

    const ALL_FREE: RunLevelFree = RunLevelFree { holdup_time: true, injection: true, inlet_tail: true };

    fn grid(lo: f64, hi: f64, dt: f64) -> Vec<f64> {
        let n = ((hi - lo) / dt).round() as usize + 1;
        (0..n).map(|i| lo + dt * i as f64).collect()
    }

    #[test]
    fn basis_derivatives_match_finite_differences() {
        let col = Column::paper_btex().with_inlet_tail_s(2.0).unwrap();
        let peaks = Peak::paper_btex();
        let t = grid(0.0, 700.0, 0.5);
        let windows: Vec<&[f64]> = vec![&t[300..700], &t[800..1300]];
        let cluster = [0, 0, 1, 1, 1];
        let base = RunLevel { inlet_tail_s: 2.0, ..RunLevel::of(&col) };
        let mut model = JointModel::new(col, base, ALL_FREE, &windows, &cluster, Some(1));
        let mut theta: Vec<f64> =
            peaks.iter().flat_map(|p| <[f64; 2]>::from(theta_from(&col, p.ka_per_s, p.kd_per_s))).collect();
        theta.extend([base.holdup_time_s, base.injection_s, base.inlet_tail_s]);
        let (n, m) = (model.n_points(), model.n_basis());
        let structure = model.derivative_structure();
        let mut dphi = DMatrix::zeros(n, structure.len());
        assert!(model.basis_derivatives(&theta, &mut dphi));
        let mut phi0 = DMatrix::zeros(n, m);
        assert!(model.basis(&theta, &mut phi0));
        let phi_scale = phi0.columns(0, 5).amax();
        for (d, &(j, k)) in structure.iter().enumerate() {
            let h = 1e-5 * theta[k];
            let mut eval = |x: f64| {
                let mut th = theta.clone();
                th[k] = x;
                let mut phi = DMatrix::zeros(n, m);
                assert!(model.basis(&th, &mut phi));
                phi.column(j).into_owned()
            };
            let num = (eval(theta[k] + h) - eval(theta[k] - h)) / (2.0 * h);
            let scale = num.amax().max(dphi.column(d).amax());
            let err = (&num - dphi.column(d)).amax();
            // Some columns are nearly zero (t0 at fixed mean and width moves little): the forward-difference
            // noise of the closed form (about 1e-13 of the unit-area peak) is the floor.
            let floor = 1e-9 * phi_scale;
            assert!(scale > 0.0 && err <= 1e-5 * scale + floor, "basis {j} parameter {k}: error {err:e} of {scale:e}");
        }
    }

    /// A cluster fit seeded with a joint model's evaluations reports exactly what it reports unseeded (the seed only
    /// saves the evaluation), and a seed is refused for another θ or another column.
    #[test]
    fn seeded_cluster_reports_equal_unseeded_ones() {
        let col = Column::paper_btex().with_inlet_tail_s(2.0).unwrap();
        let peaks = &Peak::paper_btex()[..2];
        let t = grid(0.0, 700.0, 0.5);
        let (lo, hi) = (200, 700);
        let y: Vec<f64> = sum_signal(&col, peaks, &t[lo..hi]).iter().map(|v| v + 50.0).collect();
        let base = RunLevel::of(&col);
        let theta: Vec<f64> =
            peaks.iter().flat_map(|p| <[f64; 2]>::from(theta_from(&col, 1.01 * p.ka_per_s, p.kd_per_s))).collect();
        let evaluated = || {
            let mut m = JointModel::new(col, base, RunLevelFree::NONE, &[&t[lo..hi]], &[0, 0], Some(0));
            let mut phi = DMatrix::zeros(m.n_points(), m.n_basis());
            assert!(m.basis(&theta, &mut phi));
            m
        };
        let mut joint = evaluated();
        let mut other = theta.clone();
        other[0] += 0.1;
        assert!(joint.take_evaluations(&other).is_none(), "another θ: nothing to take");
        let evals = joint.take_evaluations(&theta).expect("evaluated at θ");
        assert!(joint.cache.is_none());

        // Zero iterations (a run fit's per-cluster reports after a converged joint fit): statistics only.
        let options = FitOptions { max_iterations: 0, ..FitOptions::default() };
        let fixed = [None, None];
        let plain = crate::fit::run::cluster_fit::fit_cluster_from(
            &t[lo..hi],
            &y,
            &col,
            &theta,
            None,
            &fixed,
            &[],
            Some(0),
            &options,
        )
        .unwrap();
        let seeded = crate::fit::run::cluster_fit::fit_cluster_from(
            &t[lo..hi],
            &y,
            &col,
            &theta,
            Some(evals),
            &fixed,
            &[],
            Some(0),
            &options,
        )
        .unwrap();
        assert_eq!(plain.values, seeded.values);
        assert_eq!(plain.standard_errors, seeded.standard_errors);
        assert_eq!(plain.sse, seeded.sse);

        // Refused: another column, another θ key (the cache stays empty).
        let mut m = JointModel::new(col, base, RunLevelFree::NONE, &[&t[lo..hi]], &[0, 0], Some(0));
        let wider = col.with_inlet_tail_s(2.5).unwrap();
        m.seed(&theta, &wider, evaluated().take_evaluations(&theta).unwrap());
        assert!(m.cache.is_none(), "seed for another column refused");
        m.seed(&theta, &col, evaluated().take_evaluations(&theta).unwrap());
        assert!(m.cache.as_ref().is_some_and(|(th, _)| *th == theta), "matching seed kept");
    }

    /// Two clusters of BTEX peaks with an inlet tail, noise-free: from t1 20 % short, τ 1.5 s instead of 2 s and
    /// each peak's mean and width 0.1 % off, the joint fit recovers every k_a, k_d, area and the shared t1 and τ. (A run fit starts
    /// the joint fit from per-cluster fits whose windows' moments place each peak; far starts that put peaks in
    /// the wrong place are not what this tests.)
    #[test]
    fn joint_fit_recovers_kinetics_and_run_values() {
        let truth = Column::paper_btex().with_inlet_tail_s(2.0).unwrap();
        let peaks = Peak::paper_btex();
        let t = grid(0.0, 700.0, 0.5);
        let y: Vec<f64> = sum_signal(&truth, &peaks, &t).iter().map(|v| v + 100.0).collect();
        // Windows around each peak's apex: benzene+toluene in one cluster, the xylenes in another.
        let apex: Vec<f64> = peaks
            .iter()
            .map(|p| {
                let c = peak_signal(&truth, p, &t);
                t[c.iter().enumerate().max_by(|a, b| a.1.total_cmp(b.1)).unwrap().0]
            })
            .collect();
        let (lo1, hi1) = (apex[0] - 30.0, apex[1] + 60.0);
        let (lo2, hi2) = (apex[2] - 30.0, apex[4] + 60.0);
        let idx = |a: f64, b: f64| (t.partition_point(|&x| x < a), t.partition_point(|&x| x <= b));
        let (a1, b1) = idx(lo1, hi1);
        let (a2, b2) = idx(lo2, hi2);
        assert!(b1 <= a2, "clusters must not overlap: {hi1} vs {lo2}");
        let windows: Vec<&[f64]> = vec![&t[a1..b1], &t[a2..b2]];
        let ys: Vec<f64> = y[a1..b1].iter().chain(&y[a2..b2]).copied().collect();
        let cluster = [0, 0, 1, 1, 1];
        let base = RunLevel { injection_s: 0.8 * truth.injection_s(), inlet_tail_s: 1.5, ..RunLevel::of(&truth) };
        let free = RunLevelFree { injection: true, inlet_tail: true, ..RunLevelFree::NONE };
        let mut model = JointModel::new(truth, base, free, &windows, &cluster, Some(0));
        let mut theta0: Vec<f64> = peaks
            .iter()
            .flat_map(|p| <[f64; 2]>::from(theta_from(&truth, 1.001 * p.ka_per_s, 0.999 * p.kd_per_s)))
            .collect();
        theta0.extend([base.injection_s, base.inlet_tail_s]);
        let mut bounds = vec![Bound::Positive; 10];
        bounds.extend([Bound::Interval(0.01, 20.0), Bound::Interval(1e-3, 20.0)]);
        let opts = FitOptions::default().with_tolerance(1e-12);
        let r = fit_separable(&mut model, &ys, &theta0, &bounds, &[], &opts, &mut NoObserver).unwrap();
        let kinetics = model.kinetics(&r.values[..12]).unwrap();
        for (j, p) in peaks.iter().enumerate() {
            let (ka, kd) = kinetics[j];
            assert!(
                (ka / p.ka_per_s - 1.0).abs() < 1e-6,
                "{}: k_a {ka} vs {} ({:?} {} it, sse {:e}, {:?}, {apex:?})",
                p.name,
                p.ka_per_s,
                r.termination,
                r.iterations,
                r.sse,
                &r.values[10..12]
            );
            assert!((kd / p.kd_per_s - 1.0).abs() < 1e-6, "{}: k_d {kd} vs {}", p.name, p.kd_per_s);
            assert!((r.values[12 + j] / p.area - 1.0).abs() < 1e-6, "{}: area", p.name);
        }
        assert!((r.values[10] / truth.injection_s() - 1.0).abs() < 1e-6, "t1 {}", r.values[10]);
        assert!((r.values[11] / 2.0 - 1.0).abs() < 1e-6, "tau {}", r.values[11]);
    }
}
