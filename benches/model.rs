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
    g.finish();

    // The peer: the paper's own method (adaptive quadrature of the Bessel kernel) on the same 7,001 samples.
    // First the agreement, printed so the run records it next to the timings.
    let closed_curves: Vec<Vec<f64>> = peaks.iter().map(|p| closed::peak_signal(&column, p, &times)).collect();
    let quad_curves: Vec<Vec<f64>> = peaks.iter().map(|p| quadrature::peak_signal(&column, p, &times)).collect();
    for ((p, a), b) in peaks.iter().zip(&closed_curves).zip(&quad_curves) {
        let height = a.iter().fold(0.0_f64, |m, v| m.max(v.abs()));
        let diff = a.iter().zip(b).fold(0.0_f64, |m, (x, y)| m.max((x - y).abs()));
        println!("agreement {:>13}: max |closed - quadrature| = {:.2e} of peak height", p.name, diff / height);
    }
    let mut g = c.benchmark_group("btex_5_peaks_7001_samples_peer");
    g.sample_size(10);
    g.bench_function("quadrature", |b| {
        b.iter(|| {
            peaks.iter().map(|p| quadrature::peak_signal(black_box(&column), p, black_box(&times))).collect::<Vec<_>>()
        })
    });
    g.finish();
}

criterion_group!(benches, btex);
criterion_main!(benches);
