//! Reader speed: a 1,000,000-point two-column CSV (20 Hz, seconds) read by `io::read_file`, the whole path
//! from disk to a checked `Chromatogram`. Target: under 0.3 s in release. `scripts/bench_readers.py` runs this
//! and pandas.read_csv on the same content and prints the ratio.

use std::io::Write;
use std::path::Path;

use criterion::{Criterion, criterion_group, criterion_main};

/// Rows of the benchmark file.
pub const POINTS: usize = 1_000_000;

/// Writes the benchmark CSV: header `time_s,signal_pA`, time `i / 20` s with 3 decimals, a Gaussian peak on a
/// slightly rippled baseline with 6 decimals (the peer script writes the identical text).
fn write_csv(path: &Path) {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).expect("create bench file"));
    writeln!(out, "time_s,signal_pA").unwrap();
    for i in 0..POINTS {
        let t = i as f64 / 20.0;
        let y = 12.345 + (i % 17) as f64 * 0.001 + 1000.0 * (-((t - 25_000.0) / 500.0).powi(2)).exp();
        writeln!(out, "{t:.3},{y:.6}").unwrap();
    }
    out.flush().unwrap();
}

fn read_million_point_csv(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("million.csv");
    write_csv(&path);
    let mut group = c.benchmark_group("readers");
    group.sample_size(10);
    group.bench_function("csv_1M_points", |b| {
        b.iter(|| {
            let c = elute::io::read_file(&path).expect("bench file reads");
            assert_eq!(c[0].len(), POINTS);
            c
        })
    });
    group.finish();
}

criterion_group!(benches, read_million_point_csv);
criterion_main!(benches);
