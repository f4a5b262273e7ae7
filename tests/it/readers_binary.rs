//! Binary chromatogram readers (ANDI/AIA netCDF, Agilent ChemStation .ch) against the corpus in tests/data.
//!
//! Expected figures come from tests/data/MANIFEST.md (independent readers; times in minutes, rounded as written
//! there), except where the manifest marks them unverified (chemstation_81.ch): that file is checked against its
//! own header fields and peak-width plausibility instead. Robustness tests truncate and corrupt the real files.

use std::path::{Path, PathBuf};

use elute::chromatogram::Chromatogram;
use elute::io::{self, IoError, Location, MAX_POINTS, andi, chemstation};

fn data_path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data").join(name)
}

fn bytes(name: &str) -> Vec<u8> {
    std::fs::read(data_path(name)).expect("corpus file present")
}

/// Reads a corpus file through the public dispatch and expects exactly one chromatogram.
fn read_one(name: &str) -> Chromatogram {
    let mut v = io::read_file(&data_path(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!(v.len(), 1, "{name}: one chromatogram");
    v.remove(0)
}

/// Half a unit in the last digit the manifest writes ("9.992" → 0.0005, "7.42e+05" → 500), plus a hair.
fn tolerance(manifest: &str) -> f64 {
    let (mantissa, exp) = match manifest.split_once(['e', 'E']) {
        Some((m, e)) => (m, e.parse::<i32>().expect("exponent")),
        None => (manifest, 0),
    };
    let decimals = mantissa.split_once('.').map_or(0, |(_, d)| d.len()) as i32;
    0.5 * 10f64.powi(exp - decimals) * (1.0 + 1e-9)
}

fn assert_close(what: &str, actual: f64, manifest: &str) {
    assert_close_slack(what, actual, manifest, 0.0);
}

/// As [`assert_close`], with `slack` added to the rounding tolerance.
fn assert_close_slack(what: &str, actual: f64, manifest: &str, slack: f64) {
    let expected: f64 = manifest.parse().expect("number");
    let tol = tolerance(manifest) + slack;
    assert!((actual - expected).abs() <= tol, "{what}: got {actual}, manifest says {manifest} (±{tol})");
}

/// Manifest row: points, time range (min), median step (s), signal range, unit.
struct Row {
    file: &'static str,
    points: usize,
    t_min: (&'static str, &'static str),
    step_s: &'static str,
    signal: (&'static str, &'static str),
    unit: &'static str,
}

fn check_row(row: &Row) -> Chromatogram {
    let c = read_one(row.file);
    let f = row.file;
    assert_eq!(c.len(), row.points, "{f}: points");
    assert_eq!(c.signal.len(), c.time_s.len(), "{f}: one time per value");
    let (t0, t1) = c.time_range_s().expect("non-empty");
    // Time ends: the manifest's rounding, or half a sample (its figures were rounded twice on some rows).
    let half_step_min = c.median_step_s().expect("2+ points") / 120.0;
    assert_close_slack(&format!("{f} first time (min)"), t0 / 60.0, row.t_min.0, half_step_min);
    assert_close_slack(&format!("{f} last time (min)"), t1 / 60.0, row.t_min.1, half_step_min);
    assert_close(&format!("{f} median step (s)"), c.median_step_s().expect("2+ points"), row.step_s);
    let (lo, hi) = c.signal_range().expect("non-empty");
    assert_close(&format!("{f} signal min"), lo, row.signal.0);
    assert_close(&format!("{f} signal max"), hi, row.signal.1);
    assert_eq!(c.signal_unit, row.unit, "{f}: unit");
    assert_invariants(&c, f);
    c
}

/// What every chromatogram promises: equal lengths, finite values, strictly increasing times.
fn assert_invariants(c: &Chromatogram, what: &str) {
    assert_eq!(c.time_s.len(), c.signal.len(), "{what}: lengths");
    assert!(c.len() <= MAX_POINTS, "{what}: size");
    assert!(c.time_s.iter().chain(&c.signal).all(|v| v.is_finite()), "{what}: finite");
    assert!(c.time_s.windows(2).all(|w| w[1] > w[0]), "{what}: increasing times");
}

fn peak_names(c: &Chromatogram) -> Vec<String> {
    c.metadata.peaks.iter().map(|p| p.name.clone()).collect()
}

/// The file's peak table should point at real maxima: within ±`window_s` of each stated retention time there must be
/// a sample that is the largest of the `half_width` samples on each side of it (checks the time unit and offset
/// independently of the reader's axis arithmetic). Returns how many peaks pass.
fn peaks_sit_on_maxima(c: &Chromatogram, window_s: f64, half_width: usize) -> usize {
    let at = |t: f64| c.time_s.partition_point(|&x| x < t).min(c.len() - 1);
    let is_apex = |j: usize| {
        j >= half_width
            && j + half_width < c.len()
            && c.signal[j - half_width..=j + half_width].iter().all(|&v| v <= c.signal[j])
            && c.signal[j - half_width] < c.signal[j]
    };
    c.metadata
        .peaks
        .iter()
        .filter(|p| (at(p.retention_time_s - window_s)..=at(p.retention_time_s + window_s)).any(is_apex))
        .count()
}

#[test]
fn solv001_peak_table_names_toluene_ethylbenzene_xylene() {
    let c = check_row(&Row {
        file: "SOLV001.CDF",
        points: 1200,
        t_min: ("0", "9.992"),
        step_s: "0.5",
        signal: ("1.02e+04", "7.42e+05"),
        unit: "uV",
    });
    let names: Vec<String> = peak_names(&c).iter().map(|n| n.replace(' ', "").to_uppercase()).collect();
    assert_eq!(names.len(), 13);
    for want in ["METHANOL", "TOLUENE", "ETHYLBENZENE", "O-XYLENE", "MIBK", "CELLOSOLVEACETATE"] {
        assert!(names.contains(&want.to_string()), "SOLV001 peak {want} in {names:?}");
    }
    assert_eq!(c.metadata.sample_name.as_deref(), Some("SOLVENTS"));
    assert!(c.metadata.peaks.iter().all(|p| p.area.is_some() && p.height.is_some()));
    assert_eq!(peaks_sit_on_maxima(&c, 1.0, 3), 13, "every SOLV001 peak time is at a signal maximum");
    assert!(c.metadata.format.contains("ANDI"));
}

#[test]
fn tgntpe41_negative_delay_coarse_sampling() {
    let c = check_row(&Row {
        file: "tgntpe41.cdf",
        points: 2912,
        t_min: ("-0.0417", "121.2"),
        step_s: "2.5",
        signal: ("6.12e+03", "6.09e+04"),
        unit: "uVolts",
    });
    // Delay of −2.5 s: the first sample is one step before injection.
    assert!((c.time_s[0] + 2.5).abs() < 1e-9);
    // The corrupt year ("3991") is kept as written, not parsed.
    assert!(c.metadata.acquisition_date.as_deref().is_some_and(|d| d.starts_with("3991")));
}

#[test]
fn tgnthpgc_fast_sampling() {
    check_row(&Row {
        file: "tgnthpgc.cdf",
        points: 93003,
        t_min: ("-0.0002", "31"),
        step_s: "0.02",
        signal: ("4.89e+04", "1.81e+07"),
        unit: "uVolts",
    });
}

#[test]
fn pcb_without_unit_attributes_defaults_to_seconds() {
    let c = check_row(&Row {
        file: "PCB.CDF",
        points: 6401,
        t_min: ("0", "21.33"),
        step_s: "0.2",
        signal: ("3.76e+03", "3.3e+04"),
        unit: "",
    });
    assert_eq!(c.metadata.detector.as_deref(), Some("electron capture"));
}

#[test]
fn example1_and_example_are_the_same_run() {
    let row =
        |file, unit| Row { file, points: 4000, t_min: ("0", "6.665"), step_s: "0.1", signal: ("0", "1.07e+08"), unit };
    let a = check_row(&row("EXAMPLE1.CDF", "abundance units"));
    let b = check_row(&row("EXAMPLE.CDF", ""));
    assert_eq!(a.signal, b.signal);
    assert_eq!(a.time_s, b.time_s);
}

#[test]
fn cal_3_peak_table() {
    let c = check_row(&Row {
        file: "CAL_3.CDF",
        points: 4501,
        t_min: ("0", "15"),
        step_s: "0.2",
        signal: ("-1e-05", "1"),
        unit: "Volts",
    });
    let names = peak_names(&c);
    assert_eq!(names.len(), 7, "{names:?}");
    for want in ["2-Octanone", "1-Octanol", "n-Decane", "n-Dodecane", "n-Tridecane"] {
        assert!(names.iter().any(|n| n == want), "CAL_3 peak {want} in {names:?}");
    }
    assert!(peaks_sit_on_maxima(&c, 1.0, 3) >= 6, "CAL_3 peak times at maxima");
}

#[test]
fn pk_sum01n01_peak_table() {
    let c = check_row(&Row {
        file: "PK-SUM01N01.CDF",
        points: 5250,
        t_min: ("0", "8.748"),
        step_s: "0.1",
        signal: ("443", "8.84e+05"),
        unit: "counts/uV second",
    });
    let names = peak_names(&c);
    for want in ["2-Octanone", "Naphthalene"] {
        assert!(names.iter().any(|n| n == want), "PK-SUM01N01 peak {want} in {names:?}");
    }
    assert!(names.iter().any(|n| n.starts_with("2,4-Dimethyl")), "{names:?}");
    assert!(peaks_sit_on_maxima(&c, 1.0, 3) >= 3);
}

#[test]
fn hp_ms_total_ion_chromatogram() {
    let c = check_row(&Row {
        file: "HP_MS.CDF",
        points: 621,
        t_min: ("5.03", "9.997"),
        step_s: "0.482",
        signal: ("6.38e+03", "4e+06"),
        unit: "Arbitrary Intensity Units",
    });
    assert_eq!(c.channel, "TIC");
    assert!(c.metadata.format.contains("MS"));
}

#[test]
fn chemstation_179_eight_byte() {
    let c = check_row(&Row {
        file: "rainbow_caye_nmr_test_mix_FID1A.ch",
        points: 10197,
        t_min: ("0.0008", "8.498"),
        step_s: "0.05",
        signal: ("14", "8.16e+04"),
        unit: "pA",
    });
    assert_eq!(c.metadata.detector.as_deref(), Some("FID"));
    assert!(c.metadata.format.contains("179"));
}

#[test]
fn chemstation_179_four_byte() {
    let c = check_row(&Row {
        file: "chemstation_179_asterix.ch",
        points: 22800,
        t_min: ("0.0008", "19"),
        step_s: "0.05",
        signal: ("2.67", "3.77"),
        unit: "pA",
    });
    assert_eq!(c.metadata.sample_name.as_deref(), Some("NI cat"));
}

#[test]
fn chemstation_181_keeps_every_point_on_the_header_axis() {
    let c = check_row(&Row {
        file: "ccet_chemstation_181_FID1A_blank.ch",
        points: 5913,
        t_min: ("-0.0018", "19.7"),
        step_s: "0.2",
        signal: ("2.14", "263"),
        unit: "pA",
    });
    // Header start/end (f32 ms at bytes 282/286) are the first and last sample times.
    let raw = bytes("ccet_chemstation_181_FID1A_blank.ch");
    let f32_at = |i: usize| f64::from(f32::from_be_bytes(raw[i..i + 4].try_into().unwrap()));
    let (t0, t1) = c.time_range_s().unwrap();
    assert!((t0 - f32_at(282) / 1000.0).abs() < 1e-9 && (t1 - f32_at(286) / 1000.0).abs() < 1e-9);
    let steps_ms: Vec<f64> = c.time_s.windows(2).map(|w| (w[1] - w[0]) * 1000.0).collect();
    assert!(steps_ms.iter().all(|s| (s - 200.0).abs() < 1e-6), "uniform 200 ms");
    assert_eq!(c.channel, "FID1A");
}

#[test]
fn chemstation_81_time_axis_from_header() {
    let c = read_one("chemstation_81.ch");
    assert_invariants(&c, "chemstation_81.ch");
    assert_eq!(c.len(), 2699, "points (the delta stream decodes to exactly the file end)");
    // Header: f32 ms start 180026.69 and end 719826.69 at bytes 282/286; (end − start)/2699 = 200.000 ms.
    let raw = bytes("chemstation_81.ch");
    let f32_at = |i: usize| f64::from(f32::from_be_bytes(raw[i..i + 4].try_into().unwrap()));
    let (start_ms, end_ms) = (f32_at(282), f32_at(286));
    assert!((c.time_s[0] * 1000.0 - start_ms).abs() < 1e-6);
    assert!((start_ms / 60000.0 - 3.0004).abs() < 1e-4 && (end_ms / 60000.0 - 11.9971).abs() < 1e-4);
    let step_s = c.median_step_s().unwrap();
    assert!((step_s - 0.2).abs() < 1e-9, "5 Hz, got {step_s}");
    // Signal: the manifest's signal figures do not depend on the time axis.
    let (lo, hi) = c.signal_range().unwrap();
    assert_close("81 signal min", lo, "17.5");
    assert_close("81 signal max", hi, "31.4");
    assert_eq!(c.signal_unit, "pA");
    assert_eq!(c.metadata.sample_name.as_deref(), Some("5970 mix 10nG"));
    // Plausibility: capillary GC-FID peaks eluting at 4-10 min are seconds wide. Measure the half-height width
    // of the four largest peaks above the median baseline.
    let mut sorted = c.signal.clone();
    sorted.sort_by(f64::total_cmp);
    let base = sorted[sorted.len() / 2];
    let apexes: Vec<usize> = (2..c.len() - 2)
        .filter(|&i| c.signal[i] - base > 8.0 && c.signal[i - 2..=i + 2].iter().all(|&v| v <= c.signal[i]))
        .collect();
    assert!(apexes.len() >= 3, "found {apexes:?}");
    for &i in &apexes {
        let half = base + (c.signal[i] - base) / 2.0;
        let (mut l, mut r) = (i, i);
        while l > 0 && c.signal[l] > half {
            l -= 1;
        }
        while r + 1 < c.len() && c.signal[r] > half {
            r += 1;
        }
        let fwhm_s = c.time_s[r] - c.time_s[l];
        assert!((0.5..10.0).contains(&fwhm_s), "peak at {:.2} min is {fwhm_s} s wide", c.time_s[i] / 60.0);
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Bad input made from the real files.

const CDF_FILES: [&str; 9] = [
    "SOLV001.CDF",
    "tgntpe41.cdf",
    "tgnthpgc.cdf",
    "PCB.CDF",
    "EXAMPLE1.CDF",
    "EXAMPLE.CDF",
    "CAL_3.CDF",
    "PK-SUM01N01.CDF",
    "HP_MS.CDF",
];
const CH_FILES: [&str; 4] = [
    "rainbow_caye_nmr_test_mix_FID1A.ch",
    "chemstation_179_asterix.ch",
    "ccet_chemstation_181_FID1A_blank.ch",
    "chemstation_81.ch",
];

type Reader = fn(&[u8], &Path) -> Result<Vec<Chromatogram>, IoError>;

fn reader_for(name: &str) -> Reader {
    if name.ends_with(".ch") { chemstation::read } else { andi::read }
}

/// Ok with sound chromatograms, or a typed error that names the file. Never a panic (the test would fail).
fn check_outcome(result: Result<Vec<Chromatogram>, IoError>, path: &Path, what: &str) {
    match result {
        Ok(v) => v.iter().for_each(|c| assert_invariants(c, what)),
        Err(e) => assert!(e.to_string().contains(&path.display().to_string()), "{what}: error names the file: {e}"),
    }
}

/// Small deterministic generator (xorshift64*), so failures reproduce.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

#[test]
fn truncated_files_give_typed_errors() {
    for name in CDF_FILES.iter().chain(&CH_FILES) {
        let full = bytes(name);
        let path = data_path(name);
        let read = reader_for(name);
        let n = full.len();
        let mut cuts = vec![0, 1, 3, 4, 7, 8, 12, 20, 33, 64, 100, 200, 283, 290, 600, 1030, 4100, 6150, n / 2, n - 1];
        cuts.retain(|&c| c < n);
        for cut in cuts {
            let what = format!("{name} cut at {cut}");
            let result = read(&full[..cut], &path);
            if cut < 8 {
                assert!(result.is_err(), "{what}: nothing to read");
            }
            check_outcome(result, &path, &what);
        }
    }
}

#[test]
fn flipped_bytes_never_panic() {
    let mut rng = Rng(0x5EED_1234_ABCD_0001);
    for name in CDF_FILES.iter().chain(&CH_FILES) {
        let original = bytes(name);
        let path = data_path(name);
        let read = reader_for(name);
        // Headers are where a flip does damage: aim most flips at the first 6 KiB.
        let trials = if original.len() > 200_000 { 30 } else { 120 };
        for trial in 0..trials {
            let mut b = original.clone();
            for _ in 0..1 + rng.below(4) {
                let i = if rng.below(4) == 0 { rng.below(b.len()) } else { rng.below(b.len().min(6144)) };
                b[i] ^= 1 << rng.below(8);
            }
            check_outcome(read(&b, &path), &path, &format!("{name} flip trial {trial}"));
        }
    }
}

/// Finds `needle` in `hay` (test helper for locating values in the real files).
fn find(hay: &[u8], needle: &[u8]) -> usize {
    hay.windows(needle.len()).position(|w| w == needle).expect("pattern present")
}

#[test]
fn netcdf_header_claiming_billions_of_points_fails_before_allocating() {
    // SOLV001's point_number dimension (1200) → 2^31 − 1.
    let mut b = bytes("SOLV001.CDF");
    let name_at = find(&b, b"point_number");
    let len_at = name_at + 12; // name padded to 12 bytes, then the length
    assert_eq!(u32::from_be_bytes(b[len_at..len_at + 4].try_into().unwrap()), 1200);
    b[len_at..len_at + 4].copy_from_slice(&(i32::MAX as u32).to_be_bytes());
    let path = data_path("SOLV001.CDF");
    match andi::read(&b, &path) {
        Err(IoError::Corrupt { at: Location::Byte(_), .. }) | Err(IoError::TooLarge { .. }) => {}
        other => panic!("expected a size error, got {other:?}"),
    }
    // A huge element count in an attribute or a dimension list count is caught the same way.
    let mut b = bytes("SOLV001.CDF");
    b[12..16].copy_from_slice(&0x7FFF_FFF0u32.to_be_bytes()); // number of dimensions
    assert!(matches!(andi::read(&b, &path), Err(IoError::Corrupt { at: Location::Byte(12), .. })));
}

#[test]
fn netcdf_nan_signal_is_reported_at_its_byte() {
    let path = data_path("SOLV001.CDF");
    let good = read_one("SOLV001.CDF");
    let mut b = bytes("SOLV001.CDF");
    // ordinate_values are big-endian f32: locate the first four values, then poison the third.
    let pattern: Vec<u8> = good.signal[..4].iter().flat_map(|&v| (v as f32).to_be_bytes()).collect();
    let begin = find(&b, &pattern);
    b[begin + 8..begin + 12].copy_from_slice(&f32::NAN.to_be_bytes());
    match andi::read(&b, &path) {
        Err(IoError::NonFinite { at: Location::Byte(at), .. }) => assert_eq!(at, (begin + 8) as u64),
        other => panic!("expected NonFinite, got {other:?}"),
    }
}

#[test]
fn netcdf_scan_times_out_of_order_are_not_monotonic() {
    let path = data_path("HP_MS.CDF");
    let good = read_one("HP_MS.CDF");
    let mut b = bytes("HP_MS.CDF");
    let pattern: Vec<u8> = good.time_s[10..12].iter().flat_map(|v| v.to_be_bytes()).collect();
    let at = find(&b, &pattern);
    let (first, second) = (b[at..at + 8].to_vec(), b[at + 8..at + 16].to_vec());
    b[at..at + 8].copy_from_slice(&second);
    b[at + 8..at + 16].copy_from_slice(&first);
    assert!(matches!(andi::read(&b, &path), Err(IoError::NotMonotonic { .. })));
}

#[test]
fn chemstation_bad_values_and_axes() {
    let name = "chemstation_179_asterix.ch";
    let path = data_path(name);
    // NaN in the data: reported at its byte.
    let mut b = bytes(name);
    b[6144 + 40..6144 + 48].copy_from_slice(&f64::NAN.to_le_bytes());
    match chemstation::read(&b, &path) {
        Err(IoError::NonFinite { at: Location::Byte(at), .. }) => assert_eq!(at, 6184),
        other => panic!("expected NonFinite, got {other:?}"),
    }
    // End time before start time.
    let mut b = bytes(name);
    let (start, end) = (b[282..286].to_vec(), b[286..290].to_vec());
    b[282..286].copy_from_slice(&end);
    b[286..290].copy_from_slice(&start);
    assert!(matches!(chemstation::read(&b, &path), Err(IoError::NotMonotonic { .. })));
    // Infinite scaling factor.
    let mut b = bytes(name);
    b[4732..4740].copy_from_slice(&f64::INFINITY.to_be_bytes());
    assert!(matches!(chemstation::read(&b, &path), Err(IoError::NonFinite { at: Location::Byte(4732), .. })));
    // A data area that is not whole 8-byte values.
    let b = bytes(name);
    assert!(matches!(chemstation::read(&b[..b.len() - 3], &path), Err(IoError::Corrupt { at: Location::Byte(_), .. })));
    // A delta stream cut inside an absolute value (181: 8-byte records).
    let b = bytes("ccet_chemstation_181_FID1A_blank.ch");
    let cut = 6144 + 8 * 100 + 4;
    assert!(matches!(
        chemstation::read(&b[..cut], &path),
        Err(IoError::Corrupt { at: Location::Byte(at), .. }) if at == (6144 + 800) as u64
    ));
    // Header-only file: no data.
    assert!(matches!(chemstation::read(&bytes(name)[..6144], &path), Err(IoError::NoData { .. })));
}

#[test]
fn sniffing() {
    for name in CDF_FILES {
        let b = bytes(name);
        assert!(andi::looks_like(&b) && !chemstation::looks_like(&b), "{name}");
    }
    for name in CH_FILES {
        let b = bytes(name);
        assert!(chemstation::looks_like(&b) && !andi::looks_like(&b), "{name}");
    }
    assert!(!andi::looks_like(b"CDF") && !chemstation::looks_like(b"") && !chemstation::looks_like(b"\x03999"));
}

#[test]
fn netcdf_header_words_set_to_extremes_never_panic() {
    // Every aligned 32-bit word of the header region set to values that break naive readers: huge counts,
    // the streaming record marker, negative offsets, zero.
    const EXTREMES: [u32; 5] = [0x7FFF_FFFF, 0xFFFF_FFFF, 0x8000_0000, 0, 1];
    for name in ["SOLV001.CDF", "HP_MS.CDF", "CAL_3.CDF"] {
        let original = bytes(name);
        let path = data_path(name);
        let header_end = original.len().min(3072);
        for at in (4..header_end).step_by(4) {
            for value in EXTREMES {
                let mut b = original.clone();
                b[at..at + 4].copy_from_slice(&value.to_be_bytes());
                check_outcome(andi::read(&b, &path), &path, &format!("{name} word {at} = {value:#x}"));
            }
        }
    }
}
