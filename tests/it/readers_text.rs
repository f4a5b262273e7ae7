//! The text-format readers against the real corpus (figures from tests/data/MANIFEST.md, found by independent
//! readers) and against bad input made from the same files.

use std::path::{Path, PathBuf};

use elute::chromatogram::Chromatogram;
use elute::io::{self, Format, IoError, Location, MAX_POINTS};

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data").join(name)
}

fn read(name: &str) -> Vec<Chromatogram> {
    io::read_file(&data(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// `actual` agrees with a manifest figure printed to about three significant digits.
fn close(actual: f64, expected: f64, what: &str) {
    let tol = 6e-3 * expected.abs().max(1e-9);
    assert!((actual - expected).abs() <= tol, "{what}: {actual} vs manifest {expected}");
}

/// Checks one channel against a manifest row: points, time range (min), median step (s), signal range.
fn check(c: &Chromatogram, points: usize, t_min: (f64, f64), step_s: f64, signal: (f64, f64)) {
    let what = |s: &str| format!("{} {s}", c.channel);
    assert_eq!(c.len(), points, "{}", what("points"));
    let (t0, t1) = c.time_range_s().unwrap();
    if t_min.0 == 0.0 {
        assert!(t0.abs() < 1e-9, "{}", what("start"));
    } else {
        close(t0 / 60.0, t_min.0, &what("start"));
    }
    close(t1 / 60.0, t_min.1, &what("end"));
    close(c.median_step_s().unwrap(), step_s, &what("step"));
    let (lo, hi) = c.signal_range().unwrap();
    close(lo, signal.0, &what("signal min"));
    close(hi, signal.1, &what("signal max"));
}

#[test]
fn masshunter_csv_caye() {
    let c = read("rainbow_caye_nmr_test_mix_tic_front.csv");
    assert_eq!(c.len(), 1);
    check(&c[0], 2616, (0.0935, 8.505), 0.264, (452.0, 7.0e5));
    assert_eq!((c[0].channel.as_str(), c[0].signal_unit.as_str()), ("TIC", "counts"));
    assert!(c[0].metadata.format.contains("MassHunter"));
    assert_eq!(c[0].metadata.sample_name.as_deref(), Some("caye_nmr_test_mix"));
    assert_eq!(c[0].metadata.acquisition_date.as_deref(), Some("Tue Dec 17 10:13:57 2019"));
}

#[test]
fn masshunter_csv_and_tsv_cedrol_agree() {
    let csv = read("rainbow_cedrol_mix_01_tic_front.csv");
    let tsv = read("rainbow_cedrol_mix_01_tic_front.tsv");
    check(&csv[0], 7279, (0.0945, 45.24), 0.372, (4.8e6, 1.03e8));
    assert_eq!(csv[0].time_s, tsv[0].time_s);
    assert_eq!(csv[0].signal, tsv[0].signal);
    assert_eq!(csv[0].signal[0], 1.033708e8, "E-notation of the first row");
}

#[test]
fn masshunter_runs_concatenated_become_runs() {
    let a = std::fs::read(data("rainbow_caye_nmr_test_mix_tic_front.csv")).unwrap();
    let b = std::fs::read(data("rainbow_cedrol_mix_01_tic_front.csv")).unwrap();
    let both = [a, b].concat();
    let c = io::read_bytes(&both, Path::new("two_runs.csv")).unwrap();
    assert_eq!(c.len(), 2);
    assert_eq!((c[0].len(), c[1].len()), (2616, 7279));
    assert_eq!(c[1].metadata.sample_name.as_deref(), Some("cedrol_mix_01"));
}

/// The real caye export with its first line (data path and date) replaced by `first`.
fn caye_with_first_line(first: &str) -> Vec<u8> {
    let real = std::fs::read_to_string(data("rainbow_caye_nmr_test_mix_tic_front.csv")).unwrap();
    let (_, rest) = real.split_once('\n').unwrap();
    format!("{first}\r\n{rest}").into_bytes()
}

#[test]
fn masshunter_channel_names_come_from_the_file() {
    // No multi-signal MassHunter export is public: this one is the real TIC export three times, with the data
    // paths MassHunter writes for a GC signal file and for the MSD data (the layout of the first line is real).
    let date = "Tue Dec 17 10:13:57 2019";
    let file = [
        caye_with_first_line(&format!("D:\\MassHunter\\Data\\caye.D\\TCD1A.ch {date}")),
        caye_with_first_line(&format!("D:\\MassHunter\\Data\\caye.D\\FID2B.ch {date}")),
        caye_with_first_line(&format!("D:\\MassHunter\\Data\\caye.D\\data.ms {date}")),
    ]
    .concat();
    let c = io::read_bytes(&file, Path::new("signals.csv")).unwrap();
    let names: Vec<&str> = c.iter().map(|c| c.channel.as_str()).collect();
    assert_eq!(names, ["TCD1A", "FID2B", "TIC"]);
    assert!(c.iter().all(|c| c.metadata.sample_name.as_deref() == Some("caye") && c.len() == 2616));
    // The real file, whose path ends at the run folder, is the MSD's TIC.
    assert_eq!(read("rainbow_caye_nmr_test_mix_tic_front.csv")[0].channel, "TIC");
}

#[test]
fn masshunter_qualitative_export_takes_its_title_and_skips_the_point_column() {
    let text = "#\"+TIC Scan cedrol_mix_01.D \"\r\n#Point,X(Minutes),Y(Counts)\r\n\
                0,0.1,100\r\n1,0.2,120\r\n2,0.3,150\r\n3,0.4,130\r\n";
    let c = io::read_bytes(text.as_bytes(), Path::new("qual.csv")).unwrap();
    assert_eq!(c.len(), 1, "the point index is not a channel");
    assert_eq!((c[0].channel.as_str(), c[0].signal_unit.as_str()), ("+TIC Scan", "Counts"));
    assert_eq!(c[0].time_s, [6.0, 12.0, 18.0, 24.0], "X is in minutes, the point index is not the time");
    assert_eq!(c[0].signal, [100.0, 120.0, 150.0, 130.0]);
    assert_eq!(c[0].metadata.sample_name.as_deref(), Some("cedrol_mix_01"));
    assert_eq!(c[0].metadata.time_unit, Some(elute::chromatogram::TimeUnit::Minutes));
}

#[test]
fn chromeleon_comma_decimals() {
    let c = read("chromeleon_comma.txt");
    assert_eq!(c.len(), 1, "the Step column is not a channel");
    // The export's own header states Signal Min. -0,774900 and Max. 210,061603, 3241 points over 0..54 min.
    check(&c[0], 3241, (0.0, 54.0), 1.0, (-0.7749, 210.061603));
    assert_eq!(c[0].signal_unit, "nC");
    assert!(c[0].metadata.format.contains("Chromeleon"));
    assert_eq!(c[0].metadata.detector.as_deref(), Some("EDet1"));
    assert_eq!(c[0].metadata.sample_name.as_deref(), Some("20170526_MME_AA_STD-Mix2"));
}

#[test]
fn ezchrom_comma_header() {
    let c = read("230324.dat.asc");
    assert_eq!(c.len(), 2);
    check(&c[0], 18001, (0.0, 15.0), 0.05, (9.13, 10.0));
    check(&c[1], 18001, (0.0, 15.0), 0.05, (3.73, 6.73e3));
    assert_eq!(c[0].signal[0], 72567.0 * 0.000130208, "raw × Y-axis multiplier");
}

#[test]
fn ezchrom_tab_header_latin1_micro() {
    let c = read("2023-06-29-007.dat.asc");
    assert_eq!(c.len(), 2);
    check(&c[0], 6781, (0.0, 11.3), 0.1, (1.82, 23.0));
    check(&c[1], 6781, (0.0, 11.3), 0.1, (-601.0, 186.0));
    assert_eq!((c[0].signal_unit.as_str(), c[1].signal_unit.as_str()), ("pA", "25 µV"));
    assert_eq!(c[0].metadata.sample_name.as_deref(), Some("2023-06-29-Ni5silica-methanation"));
}

#[test]
fn fusion_two_modules_with_peaks() {
    let c = read("yadg_15p-Cu-10mA-01_Jun08_2022_16-10.fusion-data");
    assert_eq!(c.len(), 2);
    check(&c[0], 8000, (0.0, 2.666), 0.02, (-5.12e3, 6.21e3));
    check(&c[1], 8500, (0.0, 2.833), 0.02, (-1.35e3, 2.9e6));
    let names: Vec<&str> = c[0].metadata.peaks.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["H2", "O2", "N2", "CH4", "CO"]);
    let b: Vec<&str> = c[1].metadata.peaks.iter().map(|p| p.name.as_str()).collect();
    for gas in ["CO2", "C2H4", "C2H6", "C3H6", "C3H8"] {
        assert!(b.contains(&gas), "{gas} in module B's table {b:?}");
    }
    // Each labelled apex lies on the trace: the signal at the stated top is near the stated height.
    for p in &c[0].metadata.peaks {
        let i = c[0].time_s.partition_point(|&t| t < p.retention_time_s);
        assert!(i < c[0].len(), "{} at {} s inside the run", p.name, p.retention_time_s);
    }
}

#[test]
fn gaml_matches_its_netcdf_twin() {
    let c = read("PE_Turbochrom_GC.gaml");
    assert_eq!(c.len(), 1);
    // Same signal as tgntpe41.cdf (manifest: 2912 points, 6.12e3..6.09e4); the GAML X axis is its own
    // (0..122.0 min, step 0.04191 min).
    check(&c[0], 2912, (0.0, 122.0), 0.04191 * 60.0, (6.12e3, 6.09e4));
    let peaks = &c[0].metadata.peaks;
    assert_eq!(peaks.len(), 83);
    let benzene = peaks.iter().find(|p| p.name == "BENZENE").expect("benzene in the peak table");
    // Its apex sample (PK_MID_INDEX 1401) on the file's axis, and within 0.6 % of PK_RET_TIME 3505 s.
    close(benzene.retention_time_s, c[0].time_s[1401], "benzene apex");
    assert!((benzene.retention_time_s / 3505.35 - 1.0).abs() < 6e-3);
    assert_eq!(benzene.height, Some(46146.162565));
    for name in ["METHANE", "HEXANE", "HEPTANE"] {
        assert!(peaks.iter().any(|p| p.name == name), "{name}");
    }
}

#[test]
fn sniffing_uses_content_not_extension() {
    let cases = [
        ("230324.dat.asc", Format::EzChrom),
        ("PE_Turbochrom_GC.gaml", Format::Gaml),
        ("yadg_15p-Cu-10mA-01_Jun08_2022_16-10.fusion-data", Format::Fusion),
        ("chromeleon_comma.txt", Format::Delimited),
        ("rainbow_cedrol_mix_01_tic_front.tsv", Format::Delimited),
        ("SOLV001.CDF", Format::Andi),
    ];
    for (name, format) in cases {
        let bytes = std::fs::read(data(name)).unwrap();
        assert_eq!(io::sniff(&bytes, Path::new("renamed.dat")), Some(format), "{name}");
    }
    let ez = std::fs::read(data("230324.dat.asc")).unwrap();
    assert_eq!(io::read_bytes(&ez, Path::new("x.csv")).unwrap().len(), 2);
    assert_eq!(io::sniff(b"\x00\x01\x02binary", Path::new("x.csv")), None);
    let xml = std::fs::read(data("ccet_chemstation_181_Result.xml")).unwrap();
    assert!(matches!(io::read_bytes(&xml, Path::new("r.xml")), Err(IoError::UnknownFormat { .. })));
}

#[test]
fn plain_text_variants() {
    let xy = "# Fityk-style data\n# time  signal\n0.00 1.5\n0.01 2.5\n  0.02\t3.5\n";
    let c = io::read_bytes(xy.as_bytes(), Path::new("run.xy")).unwrap();
    assert_eq!(c[0].time_s, vec![0.0, 0.6, 1.2], "unit-less and below 200: minutes");
    let semicolon = "\u{feff}Zeit [s];FID (pA);WLD (mV)\r\n0,5;1,25;3\r\n1,0;1,5;4\r\n";
    let c = io::read_bytes(semicolon.as_bytes(), Path::new("run.csv")).unwrap();
    assert_eq!(c.len(), 2);
    assert_eq!(c[0].time_s, vec![0.5, 1.0]);
    assert_eq!((c[0].signal[0], c[0].signal_unit.as_str(), c[1].signal_unit.as_str()), (1.25, "pA", "mV"));
    let seconds = "time,signal\n0,1\n100,2\n250,3\n";
    let c = io::read_bytes(seconds.as_bytes(), Path::new("run.csv")).unwrap();
    assert_eq!(c[0].time_s, vec![0.0, 100.0, 250.0], "unit-less and 200 or more: seconds");
}

#[test]
fn utf16_export_reads_like_its_utf8_original() {
    let original = read("chromeleon_comma.txt");
    let text = std::fs::read_to_string(data("chromeleon_comma.txt")).unwrap();
    let utf16: Vec<u8> = [0xFF, 0xFE].into_iter().chain(text.encode_utf16().flat_map(u16::to_le_bytes)).collect();
    let c = io::read_bytes(&utf16, Path::new("utf16.txt")).unwrap();
    assert_eq!(c[0].time_s, original[0].time_s);
    assert_eq!(c[0].signal, original[0].signal);
}

// ---- bad input -------------------------------------------------------------------------------------------

const CORPUS: [&str; 17] = [
    "rainbow_caye_nmr_test_mix_tic_front.csv",
    "rainbow_cedrol_mix_01_tic_front.csv",
    "rainbow_cedrol_mix_01_tic_front.tsv",
    "chromeleon_comma.txt",
    "230324.dat.asc",
    "2023-06-29-007.dat.asc",
    "yadg_15p-Cu-10mA-01_Jun08_2022_16-10.fusion-data",
    "PE_Turbochrom_GC.gaml",
    "ccet_chemstation_181_Result.xml",
    "SOLV001.CDF",
    "PCB.CDF",
    "HP_MS.CDF",
    "chemstation_81.ch",
    "chemstation_179_asterix.ch",
    "ccet_chemstation_181_FID1A_blank.ch",
    "rainbow_caye_nmr_test_mix_FID1A.ch",
    "CAL_3.CDF",
];

/// Reads damaged bytes: any `Ok` must hold sound chromatograms, any `Err` must name the file. A panic fails.
fn read_damaged(bytes: &[u8], label: &str) {
    let path = Path::new("damaged-input.bin");
    match io::read_bytes(bytes, path) {
        Ok(list) => {
            for c in list {
                assert_eq!(c.time_s.len(), c.signal.len(), "{label}");
                assert!(c.time_s.windows(2).all(|w| w[1] > w[0]), "{label}: increasing time");
                assert!(c.signal.iter().chain(&c.time_s).all(|v| v.is_finite()), "{label}: finite");
            }
        }
        Err(e) => assert!(e.to_string().contains("damaged-input.bin"), "{label}: {e}"),
    }
}

#[test]
fn truncated_files_fail_cleanly() {
    for name in CORPUS {
        let bytes = std::fs::read(data(name)).unwrap();
        let n = bytes.len();
        for cut in [0, 1, 3, 4, 10, 64, 200, 512, n / 7, n / 3, n / 2, n * 2 / 3, n - 9, n - 2, n - 1] {
            read_damaged(&bytes[..cut.min(n)], &format!("{name} cut at {cut}"));
        }
    }
}

#[test]
fn flipped_bytes_fail_cleanly() {
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move |bound: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % bound as u64) as usize
    };
    for name in CORPUS {
        let bytes = std::fs::read(data(name)).unwrap();
        let n = bytes.len();
        for round in 0..12 {
            let mut damaged = bytes.clone();
            // Early rounds hit the header, where the structure is; later ones anywhere.
            let span = if round < 6 { n.min(600) } else { n };
            for _ in 0..1 + round % 3 {
                let at = next(span);
                damaged[at] ^= [0xFF, 0x80, 0x01, b'9' ^ b'0'][round % 4];
            }
            read_damaged(&damaged, &format!("{name} round {round}"));
        }
    }
}

#[test]
fn typed_errors_for_bad_values() {
    let p = Path::new("bad.csv");
    let read = |s: &str| io::read_bytes(s.as_bytes(), p);
    assert!(matches!(read(""), Err(IoError::Empty { .. })));
    assert!(matches!(read("time,signal\n"), Err(IoError::NoData { .. })));
    assert!(matches!(read("t,y\n0,1\n1,NaN\n2,3\n"), Err(IoError::NonFinite { at: Location::Line(3), .. })));
    assert!(matches!(read("t,y\n0,1\n1,inf\n"), Err(IoError::NonFinite { at: Location::Line(3), .. })));
    assert!(matches!(read("t,y\n0,1\n2,2\n1,3\n"), Err(IoError::NotMonotonic { at: Location::Line(4), .. })));
    assert!(matches!(read("t,y\n0,1\n1,2\n1,3\n"), Err(IoError::NotMonotonic { at: Location::Line(4), .. })));
    let err = read("t,y\n0,1\n1,2\n2,oops\n").unwrap_err();
    assert!(matches!(err, IoError::Corrupt { at: Location::Line(4), .. }), "{err}");
    assert!(err.to_string().contains("bad.csv") && err.to_string().contains("oops"), "{err}");

    // EZChrom: a value that is not a number, and a file cut short of its declared points.
    let ez = std::fs::read_to_string(data("230324.dat.asc")).unwrap();
    let garbled = ez.replacen("\n72673\n", "\n72x73\n", 1);
    assert!(matches!(io::read_bytes(garbled.as_bytes(), p), Err(IoError::Corrupt { at: Location::Line(15), .. })));
    let short = &ez[..ez.len() / 2];
    assert!(matches!(io::read_bytes(short.as_bytes(), p), Err(IoError::Corrupt { .. })));
    let longer = format!("{ez}12345\n");
    assert!(matches!(io::read_bytes(longer.as_bytes(), p), Err(IoError::Corrupt { .. })));
}

#[test]
fn huge_counts_fail_before_allocating() {
    let p = Path::new("huge");
    let ez = std::fs::read_to_string(data("230324.dat.asc")).unwrap();
    let huge = ez.replacen("Total Data Points:,18001,18001", "Total Data Points:,9000000000,9000000000", 1);
    assert!(matches!(
        io::read_bytes(huge.as_bytes(), p),
        Err(IoError::TooLarge { claimed: 9_000_000_000, limit: MAX_POINTS, .. })
    ));

    let fusion = std::fs::read_to_string(data("yadg_15p-Cu-10mA-01_Jun08_2022_16-10.fusion-data")).unwrap();
    let huge = fusion.replacen("\"nValuesExpected\":8000", "\"nValuesExpected\":4000000000000", 1);
    assert!(huge.len() > fusion.len(), "the fixture has the field");
    assert!(matches!(io::read_bytes(huge.as_bytes(), p), Err(IoError::TooLarge { .. })));

    let gaml = std::fs::read_to_string(data("PE_Turbochrom_GC.gaml")).unwrap();
    let huge = gaml.replacen("numvalues=\"2912\"", "numvalues=\"4000000000\"", 1);
    assert!(matches!(io::read_bytes(huge.as_bytes(), p), Err(IoError::TooLarge { claimed: 4_000_000_000, .. })));
    let wrong = gaml.replacen("numvalues=\"2912\"", "numvalues=\"2000\"", 1);
    assert!(matches!(io::read_bytes(wrong.as_bytes(), p), Err(IoError::Corrupt { .. })));
}

#[test]
fn info_describes_a_corpus_file() {
    let path = data("yadg_15p-Cu-10mA-01_Jun08_2022_16-10.fusion-data");
    let c = io::read_file(&path).unwrap();
    let text = io::info::describe(&path, &c);
    for needle in ["INFICON Fusion", "Module A", "8000 points", "0.02 s (50 Hz)", "H2", "CO2", "counts"] {
        assert!(text.contains(needle), "{needle} in\n{text}");
    }
}
