//! Benchmarks of the model engines on the paper's BTEX run (5 peaks, 0–700 s every 0.1 s = 7001 samples).
//!
//! Group "btex_5_peaks_7001_samples":
//! - `closed_form`: the five peaks summed on one core (sequential, no rayon);
//! - `closed_form_with_derivatives`: signal plus ∂/∂k_a, ∂/∂k_d, ∂/∂A, ∂/∂t0 for every peak;
//! - `closed_form_inlet_tail_2.5s`: the same curve with τ = 2.5 s;
//! - group "..._peer", `quadrature`: `model::quadrature::peak_signal` for the five peaks on the same samples.
//!
//! At the end it prints the closed form's and the quadrature's best times measured in the same run and their
//! ratio.
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

    // The ratio, measured here in one run (best of several passes each, interleaved, one core), so that it can be
    // read off even on a loaded machine where the absolute figures drift.
    let best = |f: &dyn Fn()| {
        (0..5)
            .map(|_| {
                let start = std::time::Instant::now();
                f();
                start.elapsed().as_secs_f64()
            })
            .fold(f64::INFINITY, f64::min)
    };
    let (mut closed_s, mut quad_s) = (f64::INFINITY, f64::INFINITY);
    for _ in 0..3 {
        closed_s = closed_s.min(
            best(&|| {
                for _ in 0..100 {
                    black_box(closed::sum_signal_sequential(black_box(&column), black_box(&peaks), black_box(&times)));
                }
            }) / 100.0,
        );
        quad_s = quad_s.min(best(&|| {
            for p in &peaks {
                black_box(quadrature::peak_signal(black_box(&column), p, black_box(&times)));
            }
        }));
    }
    println!(
        "same run: closed form {:.1} us, quadrature {:.2} ms, ratio {:.0}x",
        closed_s * 1e6,
        quad_s * 1e3,
        quad_s / closed_s
    );
}

criterion_group!(benches, btex);
criterion_main!(benches);
