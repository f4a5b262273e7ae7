//! The last step of a run fit: per-peak results (standard errors, windows' R², lab metrics from the curve and
//! the trace), the run baseline for the session and the whole-run goodness of fit, from the final cluster fits.

use rayon::prelude::*;

use super::cluster_fit::measured_area;
use super::quality::{Quality, peak_quality};
use super::results::{PeakFit, RunFit, RunValue, finite};
use super::seeds::median_step;
use super::types::{BaselineChoice, Cluster, ClusterResult, Context, RunFitOptions};
use crate::fit::baseline::fit_polynomial;
use crate::fit::lsq::{Termination, polynomial_scale};
use crate::fit::metrics::{CONVENTION, peak_metrics};
use crate::model::{Baseline, BaselineKind, Column, Peak, closed, moments};

/// Per-peak results, the run baseline and whole-run goodness of fit from the final cluster fits.
#[allow(clippy::too_many_arguments)]
pub(super) fn assemble(
    ctx: &Context,
    clusters: &[Cluster],
    cluster_of: &[usize],
    column: &Column,
    results: &[ClusterResult],
    y: &[f64],
    adaptive: Option<&[f64]>,
    options: &RunFitOptions,
    notes: Vec<String>,
) -> RunFit {
    let (mut peaks, window_base) = peak_fits(ctx, clusters, cluster_of, column, results);
    // The full peak model on the whole grid.
    let t = ctx.t;
    let n = t.len();
    let curves: Vec<Vec<f64>> = peaks.par_iter().map(|p| closed::peak_signal(column, &p.to_peak(), t)).collect();
    let mut sum = vec![0.0; n];
    for c in &curves {
        for (s, v) in sum.iter_mut().zip(c) {
            *s += v;
        }
    }
    window_statistics(ctx, column, &mut peaks, y, adaptive, &window_base, &sum);
    let largest_area = peaks.iter().map(|p| p.area.abs()).fold(0.0, f64::max);
    for p in &mut peaks {
        p.quality = peak_quality(p, largest_area);
    }
    let (temperature_programmed, mut notes) = (narrower_than_the_inlet(&peaks, column), notes);
    if let Some(note) = &temperature_programmed {
        notes.push(note.clone());
    }
    let (baseline, sse, r2) = run_baseline(t, y, &sum, options);
    let zero = RunValue { value_s: 0.0, se_s: None, fitted: false };
    RunFit {
        column: *column,
        column_assumed: options.column_assumed,
        holdup_time: zero,
        injection: zero,
        inlet_tail: zero,
        peaks,
        baseline,
        sse,
        rmse: (sse / n as f64).sqrt(),
        r2,
        n_points: n,
        outer_termination: None,
        outer_evaluations: 0,
        elapsed_s: 0.0,
        metrics_convention: CONVENTION.to_string(),
        notes,
        temperature_programmed: temperature_programmed.is_some(),
    }
}

/// The note when some fitted peak's half-height width on the trace is below the inlet profile's, which no
/// isothermal column can make (docs/gc-model.md §10).
fn narrower_than_the_inlet(peaks: &[PeakFit], column: &Column) -> Option<String> {
    let inlet = moments::inlet_w50_s(column);
    let narrow: Vec<(&str, f64)> = peaks
        .iter()
        // Peaks the model describes well (their width on the trace is a peak's, not noise's or a shoulder's).
        .filter(|p| p.quality != Quality::AreaAtBound && p.r2.is_some_and(|r2| r2 >= 0.9))
        .filter_map(|p| Some((p.name.as_str(), p.trace_metrics.as_ref()?.w50?.width_s())))
        .filter(|&(_, w)| w < inlet)
        .collect();
    let (name, w) = narrow.iter().copied().min_by(|a, b| a.1.total_cmp(&b.1))?;
    Some(format!(
        "the run looks temperature-programmed: {name} is {w:.2} s wide at half height, narrower than the inlet \
         profile ({inlet:.2} s), which no isothermal column can make; k_a and k_d are effective values at elution"
    ))
}

/// Every seed's fit from its cluster's result (values, standard errors, termination; a failed cluster keeps its
/// start and the measured areas), and each sample's window baseline.
fn peak_fits(
    ctx: &Context,
    clusters: &[Cluster],
    cluster_of: &[usize],
    column: &Column,
    results: &[ClusterResult],
) -> (Vec<PeakFit>, Vec<f64>) {
    let t = ctx.t;
    let n = t.len();
    let ns = ctx.seeds.len();
    // Per seed: (ka, kd, area, se_ka, se_kd, corr, se_area, cluster, report info, error).
    let mut peaks: Vec<Option<PeakFit>> = vec![None; ns];
    let mut window_base = vec![0.0; n];
    for (cl, res) in clusters.iter().zip(results) {
        let m = cl.members.len();
        let p = 2 * m;
        let (values, ses, report) = match &res.report {
            Ok(r) => (r.values.clone(), r.standard_errors.clone(), Some(r)),
            Err(_) => {
                let mut v = res.theta.clone();
                v.extend(cl.members.iter().map(|&s| {
                    let (lo, hi) = ctx.own[s];
                    measured_area(&t[lo..hi], &ctx.y[lo..hi])
                }));
                let yw = &ctx.y[cl.lo..cl.hi];
                v.push(yw.iter().sum::<f64>() / yw.len() as f64);
                v.extend(std::iter::repeat_n(0.0, ctx.degree));
                let len = v.len();
                (v, vec![None; len], None)
            }
        };
        let (centre, half) = polynomial_scale(&t[cl.lo..cl.hi]);
        let coef = &values[p + m..];
        for i in cl.lo..cl.hi {
            let x = (t[i] - centre) / half;
            window_base[i] = coef.iter().rev().fold(0.0, |acc, c| acc * x + c);
        }
        for (j, &s) in cl.members.iter().enumerate() {
            let (ka, kd, area) = (values[2 * j], values[2 * j + 1], values[p + j]);
            let pk = Peak::new(ctx.seeds[s].name.clone(), ka, kd, area);
            let mom = moments::moments(column, &pk);
            let corr = report.map(|r| r.correlation_between(2 * j, 2 * j + 1)).unwrap_or(0.0);
            peaks[s] = Some(PeakFit {
                name: pk.name.clone(),
                ka_per_s: ka,
                ka_se_per_s: ses[2 * j].and_then(finite),
                kd_per_s: kd,
                kd_se_per_s: ses[2 * j + 1].and_then(finite),
                ka_kd_correlation: if corr.is_finite() { corr.clamp(-1.0, 1.0) } else { 0.0 },
                area,
                area_se: ses[p + j].and_then(finite),
                partition_constant: ka / kd,
                mu: column.mu(ka),
                retention_factor: column.alpha() * ka / kd,
                retention_time_s: mom.mean_s,
                mean_time_s: mom.mean_s,
                window_start_s: 0.0,
                window_end_s: 0.0,
                n_points: 0,
                sse: 0.0,
                rmse: 0.0,
                r2: None,
                cluster: cluster_of[s],
                termination: report.map(|r| r.termination).unwrap_or(Termination::UndefinedJacobian),
                iterations: report.map(|r| r.iterations).unwrap_or(0),
                evaluations: report.map(|r| r.evaluations).unwrap_or(0),
                model_metrics: None,
                trace_metrics: None,
                error: res.report.as_ref().err().cloned(),
                quality: Quality::Ok,
            });
        }
    }
    (peaks.into_iter().flatten().collect(), window_base)
}

/// Each peak's goodness of fit in its own window (against the full model: neighbours, window baseline and the
/// adaptive baseline included) and its lab metrics from the model curve (on a 10× finer grid) and from the trace.
fn window_statistics(
    ctx: &Context,
    column: &Column,
    peaks: &mut [PeakFit],
    y: &[f64],
    adaptive: Option<&[f64]>,
    window_base: &[f64],
    sum: &[f64],
) {
    let t = ctx.t;
    let adaptive_at = |i: usize| adaptive.map(|a| a[i]).unwrap_or(0.0);
    let dt = median_step(t);
    peaks.par_iter_mut().enumerate().for_each(|(s, pf)| {
        let (lo, hi) = ctx.own[s];
        let (mut sse, mut sy, mut syy) = (0.0, 0.0, 0.0);
        for i in lo..hi {
            let model = adaptive_at(i) + window_base[i] + sum[i];
            sse += (y[i] - model).powi(2);
            sy += y[i];
            syy += y[i] * y[i];
        }
        let k = (hi - lo) as f64;
        let sst = syy - sy * sy / k;
        pf.window_start_s = t[lo];
        pf.window_end_s = t[hi - 1];
        pf.n_points = hi - lo;
        pf.sse = sse;
        pf.rmse = (sse / k).sqrt();
        pf.r2 = (sst > 0.0).then(|| 1.0 - sse / sst).and_then(finite);
        // Model metrics on a 10× finer grid over the window.
        let fine_n = (((t[hi - 1] - t[lo]) / (dt / 10.0)).ceil() as usize).clamp(3, 20_000);
        let step = (t[hi - 1] - t[lo]) / (fine_n - 1) as f64;
        let tf: Vec<f64> = (0..fine_n).map(|i| t[lo] + step * i as f64).collect();
        let yf = closed::peak_signal(column, &pf.to_peak(), &tf);
        pf.model_metrics = peak_metrics(&tf, &yf).ok();
        if let Some(mm) = &pf.model_metrics {
            pf.retention_time_s = mm.retention_time_s;
        }
        let trace: Vec<f64> = (lo..hi).map(|i| y[i] - adaptive_at(i) - window_base[i]).collect();
        pf.trace_metrics = peak_metrics(&t[lo..hi], &trace).ok();
    });
}

/// The run baseline for the session (a polynomial through data − peaks) and the whole-run SSE and R² against it.
fn run_baseline(t: &[f64], y: &[f64], sum: &[f64], options: &RunFitOptions) -> (Baseline, f64, Option<f64>) {
    let n = t.len();
    let degree = match options.baseline {
        BaselineChoice::Adaptive(_) => 3,
        b => b.window_degree(),
    };
    let rest: Vec<f64> = y.iter().zip(sum).map(|(a, b)| a - b).collect();
    let baseline = fit_polynomial(t, &rest, degree, None)
        .ok()
        .map(|pb| raw_baseline(pb.centre_s, pb.half_span_s, &pb.coefficients))
        .filter(|b| b.validate().is_ok())
        .unwrap_or_else(|| Baseline::constant(rest.iter().sum::<f64>() / n as f64));
    let (mut sse, mut sy, mut syy) = (0.0, 0.0, 0.0);
    for i in 0..n {
        sse += (y[i] - baseline.value_at(t[i]) - sum[i]).powi(2);
        sy += y[i];
        syy += y[i] * y[i];
    }
    let sst = syy - sy * sy / n as f64;
    (baseline, sse, (sst > 0.0).then(|| 1.0 - sse / sst).and_then(finite))
}

/// Converts b(t) = Σ aₖ ((t − c)/h)ᵏ into the session's raw powers b(t) = Σ cᵢ tⁱ.
fn raw_baseline(centre: f64, half: f64, a: &[f64]) -> Baseline {
    let d = a.len();
    let mut c = vec![0.0; d];
    for (k, &ak) in a.iter().enumerate() {
        let scale = ak / half.powi(k as i32);
        // (t − centre)^k = Σ_i C(k, i) t^i (−centre)^(k−i)
        let mut binom = 1.0;
        for i in 0..=k {
            c[i] += scale * binom * (-centre).powi((k - i) as i32);
            binom = binom * (k - i) as f64 / (i + 1) as f64;
        }
    }
    let kind = match d {
        1 => BaselineKind::Constant,
        2 => BaselineKind::Linear,
        _ => BaselineKind::Polynomial,
    };
    Baseline { kind, coefficients: c }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_baseline_matches_the_scaled_polynomial() {
        let a = [1.5, -0.3, 0.2, 0.05];
        let b = raw_baseline(300.0, 250.0, &a);
        for t in [0.0, 100.0, 450.0, 600.0] {
            let x: f64 = (t - 300.0) / 250.0;
            let want = a[0] + a[1] * x + a[2] * x * x + a[3] * x * x * x;
            assert!((b.value_at(t) - want).abs() < 1e-10, "{t}");
        }
    }
}
