//! Benchmarks of the model engines on the paper's BTEX run (5 peaks, 0–700 s every 0.1 s = 7001 samples).
//!
//! Group "btex_5_peaks_7001_samples":
//! - `closed_form`: the five peaks summed on one core (sequential, no rayon);
//! - `closed_form_with_derivatives`: signal plus ∂/∂k_a, ∂/∂k_d, ∂/∂A, ∂/∂t0 for every peak;
//! - `closed_form_inlet_tail_2.5s`: the same curve with τ = 2.5 s;
//! - `quadrature_701_samples`: `model::quadrature::peak_signal` for the five peaks on every tenth sample
//!   (0–700 s every 1 s), because adaptive quadrature is orders of magnitude slower; scale by 10 to compare.
//!
//! Run: `cargo bench --no-default-features --bench model -- --quick`.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use elute::model::{Column, Peak, closed, quadrature};

fn btex(c: &mut Criterion) {
    let column = Column::paper_btex();
    let tailed = column.with_inlet_tail_s(2.5).expect("valid tail");
    let peaks = Peak::paper_btex();
    let times: Vec<f64> = (0..=7000).map(|i| i as f64 * 0.1).collect();
    let coarse: Vec<f64> = (0..=700).map(|i| i as f64).collect();

    let mut g = c.benchmark_group("btex_5_peaks_7001_samples");
    g.bench_function("closed_form", |b| {
        b.iter(|| closed::sum_signal_sequential(black_box(&column), black_box(&peaks), black_box(&times)))
    });
    g.bench_function("closed_form_with_derivatives", |b| {
        b.iter(|| {
            peaks
                .iter()
                .map(|p| closed::peak_signal_with_derivatives(black_box(&column), p, black_box(&times)))
                .collect::<Vec<_>>()
        })
    });
    g.bench_function("closed_form_inlet_tail_2.5s", |b| {
        b.iter(|| closed::sum_signal_sequential(black_box(&tailed), black_box(&peaks), black_box(&times)))
    });
    g.bench_function("quadrature_701_samples", |b| {
        b.iter(|| {
            peaks.iter().map(|p| quadrature::peak_signal(black_box(&column), p, black_box(&coarse))).collect::<Vec<_>>()
        })
    });
    g.finish();
}

criterion_group!(benches, btex);
criterion_main!(benches);
