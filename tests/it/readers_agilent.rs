//! Agilent readers: MSD ChemStation `data.ms` (GC-MS TIC), `.D` run folders with `Result.xml`, OpenLab CDS `.dx`.
//!
//! Figures come from tests/data/MANIFEST.md (rows rainbow_yellow.D/* and rainbow_teal.dx, read there with
//! independent readers); the `data.ms` TIC is also checked value by value against MassHunter's own export in the
//! same folder (tic_front.csv, whose scan rows are the stored per-scan TIC). Robustness: truncation at several
//! offsets and byte flips, never a panic, never a silently stretched axis.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::process::Command;

use elute::chromatogram::Chromatogram;
use elute::io::{self, Format, IoError};

fn data_path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data").join(name)
}

fn bytes(name: &str) -> Vec<u8> {
    std::fs::read(data_path(name)).expect("corpus file present")
}

const MS: &str = "rainbow_yellow.D/data.ms";

fn min_max(v: &[f64]) -> (f64, f64) {
    v.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &x| (lo.min(x), hi.max(x)))
}

fn median_step_s(c: &Chromatogram) -> f64 {
    let mut steps: Vec<f64> = c.time_s.windows(2).map(|w| w[1] - w[0]).collect();
    steps.sort_by(f64::total_cmp);
    steps[steps.len() / 2]
}

fn extra<'a>(c: &'a Chromatogram, key: &str) -> Option<&'a str> {
    c.metadata.extra.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
}

fn read_ms() -> Chromatogram {
    let mut v = io::read_file(&data_path(MS)).unwrap();
    assert_eq!(v.len(), 1);
    v.remove(0)
}

#[test]
fn data_ms_tic_matches_the_manifest() {
    assert_eq!(io::sniff(&bytes(MS), Path::new("x")), Some(Format::AgilentMs));
    let c = read_ms();
    assert_eq!((c.channel.as_str(), c.signal_unit.as_str()), ("TIC", "counts"));
    assert_eq!(c.len(), 1307);
    assert_eq!(extra(&c, "scans"), Some("1307"));
    assert_eq!(extra(&c, "warning"), None);
    // Time range 0.0956–8.494 min, median step 0.386 s.
    // 5.733 s = 0.09555 min, written 0.0956 there.
    assert!((c.time_s[0] - 5.733).abs() < 1e-9, "{}", c.time_s[0]);
    assert!((c.time_s[c.len() - 1] / 60.0 - 8.494).abs() < 5e-4);
    assert!((median_step_s(&c) - 0.386).abs() < 5e-4, "{}", median_step_s(&c));
    // Stored per-scan TIC 12232..700250, maximum at 2.687 min.
    assert_eq!(min_max(&c.signal), (12232.0, 700250.0));
    let i_max = c.signal.iter().position(|&y| y == 700250.0).unwrap();
    assert!((c.time_s[i_max] / 60.0 - 2.687).abs() < 5e-4);
    // Scan method m/z 100–300; the pairs stored span 100.1–299.2 (also found by a separate Python decode).
    let (lo, hi) = extra(&c, "m/z range").unwrap().split_once("..").unwrap();
    let (lo, hi): (f64, f64) = (lo.parse().unwrap(), hi.parse().unwrap());
    assert_eq!((lo, hi), (100.1, 299.2));
    assert_eq!(c.metadata.instrument.as_deref(), Some("5977B GCM"));
    assert!(c.metadata.acquisition_date.as_deref().unwrap().contains("17 Dec 19"));
}

#[test]
fn data_ms_tic_equals_the_masshunter_export_scan_rows() {
    let c = read_ms();
    let csv = String::from_utf8(bytes("rainbow_yellow.D/tic_front.csv")).unwrap();
    let rows: Vec<(f64, f64)> = csv
        .lines()
        .skip(2)
        .filter_map(|l| l.trim().split_once(','))
        .map(|(t, y)| (t.parse().unwrap(), y.parse().unwrap()))
        .collect();
    assert_eq!(rows.len(), 2616);
    // Every scan has a row at its time (5-decimal minutes) with exactly its stored TIC.
    let matched = c
        .time_s
        .iter()
        .zip(&c.signal)
        .filter(|&(t, y)| rows.iter().any(|&(rt, ry)| (rt - t / 60.0).abs() < 6e-6 && ry == *y))
        .count();
    assert_eq!(matched, 1307);
}

/// A read of a damaged file: a typed error, or a read whose times are a prefix of the intact file's (never a
/// stretched axis) and which says what is missing.
fn assert_refused_or_prefix(intact: &Chromatogram, result: Result<Vec<Chromatogram>, IoError>, what: &str) {
    match result {
        Err(e) => assert!(!e.to_string().is_empty()),
        Ok(v) => {
            let c = &v[0];
            assert!(c.len() <= intact.len(), "{what}");
            assert_eq!(c.time_s[..], intact.time_s[..c.len()], "{what}: time axis changed");
            if c.len() < intact.len() {
                assert!(extra(c, "warning").is_some(), "{what}: cut short without a warning");
            }
        }
    }
}

#[test]
fn data_ms_truncated_is_refused_or_read_as_a_prefix_with_a_warning() {
    let intact = read_ms();
    let b = bytes(MS);
    let footer = 15684;
    for cut in
        [3, 100, 0x143, 5768, 5768 + 10, 5768 + 700, b.len() / 2, b.len() - footer - 5, b.len() - footer, b.len() - 1]
    {
        let result = io::read_bytes(&b[..cut], Path::new("data.ms"));
        assert_refused_or_prefix(&intact, result, &format!("cut at {cut}"));
    }
    // Cut inside the last record: the other 1306 scans, with a warning naming the shortfall.
    let c = io::read_bytes(&b[..b.len() - footer - 5], Path::new("data.ms")).unwrap().remove(0);
    assert_eq!(c.len(), 1306);
    assert!(extra(&c, "warning").unwrap().contains("1306 of the header's 1307"));
    // Only the footer gone: every scan is whole.
    assert_eq!(io::read_bytes(&b[..b.len() - footer], Path::new("data.ms")).unwrap()[0].len(), 1307);
}

#[test]
fn data_ms_zero_length_record_lc_file_and_byte_flips() {
    let mut b = bytes(MS);
    b[5768] = 0;
    b[5769] = 0;
    assert!(matches!(io::read_bytes(&b, Path::new("data.ms")), Err(IoError::Corrupt { .. })));

    let mut lc = bytes(MS);
    lc[5..22].copy_from_slice(b"MSD Spectral File");
    let e = io::read_bytes(&lc, Path::new("data.ms")).unwrap_err();
    assert!(e.to_string().contains("MSD Spectral File"), "{e}");

    let intact = bytes(MS);
    for at in (0..intact.len()).step_by(997).chain([0x10A, 0x10B, 0x142, 0x143, 5768, 5769, 5780]) {
        let mut b = intact.clone();
        b[at] ^= 0xFF;
        let r = catch_unwind(AssertUnwindSafe(|| io::read_bytes(&b, Path::new("data.ms"))));
        assert!(r.is_ok(), "panic with byte {at} flipped");
    }
}

#[test]
fn d_folder_reads_every_signal() {
    let dir = data_path("rainbow_yellow.D");
    let channels = io::read_path(&dir).unwrap();
    let names: Vec<&str> = channels.iter().map(|c| c.channel.as_str()).collect();
    assert_eq!(channels.len(), 2, "{names:?}");
    // FID1A.ch first (10197 points at 20 Hz), then the data.ms TIC.
    assert_eq!(channels[0].len(), 10197);
    assert_eq!(channels[0].signal_unit, "pA");
    assert_eq!(channels[1].channel, "TIC");
    assert_eq!(channels[1].len(), 1307);
    // A plain file inside reads as before; the folder is named by its helper.
    assert_eq!(io::read_path(&dir.join("data.ms")).unwrap().len(), 1);
    assert_eq!(io::agilent_d::enclosing_folder(&dir.join("data.ms")), Some(dir.as_path()));
    // read_file refuses any directory; read_path refuses one that is not a .D folder.
    assert!(matches!(io::read_file(&dir), Err(IoError::NotRunFolder { .. })));
    let e = io::read_path(&data_path("")).unwrap_err();
    assert!(matches!(e, IoError::NotRunFolder { .. }));
    assert!(!e.to_string().contains("Is a directory"), "{e}");
}

#[test]
fn d_folder_takes_peaks_from_result_xml_and_reports_bad_members() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("blank.d");
    std::fs::create_dir(&dir).unwrap();
    std::fs::copy(data_path("ccet_chemstation_181_FID1A_blank.ch"), dir.join("FID1A.ch")).unwrap();
    std::fs::copy(data_path("ccet_chemstation_181_Result.xml"), dir.join("Result.xml")).unwrap();
    // With a second signal the peaks still go to FID1A (named by its file, whatever its header calls it).
    std::fs::copy(data_path("rainbow_yellow.D/data.ms"), dir.join("DATA.MS")).unwrap();
    let v = io::read_path(&dir).unwrap();
    assert_eq!(v.len(), 2);
    assert_eq!((v[0].metadata.peaks.len(), v[1].metadata.peaks.len()), (36, 0));
    std::fs::remove_file(dir.join("DATA.MS")).unwrap();
    let c = io::read_path(&dir).unwrap().remove(0);
    assert_eq!(c.len(), 5913);
    assert_eq!(c.metadata.peaks.len(), 36);
    let first = &c.metadata.peaks[0];
    assert!((first.retention_time_s - 0.167537 * 60.0).abs() < 1e-9);
    assert_eq!((first.area, first.height), (Some(685.784119), Some(260.630585)));
    assert!(c.metadata.sample_name.is_some());

    // An unreadable member is a warning while another signal reads; alone it is the error.
    std::fs::write(dir.join("BAD2B.ch"), b"\x03179 not a real file").unwrap();
    let v = io::read_path(&dir).unwrap();
    assert_eq!(v.len(), 1);
    assert!(v[0].metadata.extra.iter().any(|(k, v)| k.starts_with("warning") && v.contains("BAD2B.ch")));
    std::fs::remove_file(dir.join("FID1A.ch")).unwrap();
    assert!(matches!(io::read_path(&dir), Err(IoError::Corrupt { .. })));
    std::fs::remove_file(dir.join("BAD2B.ch")).unwrap();
    assert!(matches!(io::read_path(&dir), Err(IoError::NoData { .. })));
}

const DX: &str = "rainbow_teal.dx";

#[test]
fn openlab_dx_reads_the_ch_members_it_holds() {
    assert_eq!(io::sniff(&bytes(DX), Path::new("x")), Some(Format::OpenLabDx));
    let v = io::read_file(&data_path(DX)).unwrap();
    let names: Vec<&str> = v.iter().map(|c| c.channel.as_str()).collect();
    assert_eq!(names.len(), 2, "{names:?}");
    for (name, lo, hi) in [("DAD1A", -151.0, 28.3), ("DAD1H", -0.196, 32.8)] {
        let c = v.iter().find(|c| c.channel == name).unwrap_or_else(|| panic!("{name} in {names:?}"));
        assert_eq!(c.len(), 750);
        assert_eq!(c.signal_unit, "mAU");
        assert!((c.time_s[0] / 60.0 - 0.00104).abs() < 5e-6, "{}", c.time_s[0]);
        // Step 0.4 s (2.5 Hz, the .UV spectra's spacing; end time 300000 ms = 750 steps), so the last point is
        // at 4.9944 min, before the run end of 5 min.
        assert!((median_step_s(c) - 0.4).abs() < 1e-9);
        assert!((c.time_s[749] / 60.0 - 4.9944).abs() < 5e-5, "{}", c.time_s[749]);
        let (min, max) = min_max(&c.signal);
        let tol = |x: f64| 0.05 * x.abs().max(0.01) + 1e-3;
        assert!((min - lo).abs() <= tol(lo) && (max - hi).abs() <= tol(hi), "{name}: {min}..{max}");
    }
    // The manifest lists 8 DAD .CH signals; the other 6 are missing from the package.
    let missing = v.iter().find_map(|c| extra(c, "missing signals")).unwrap();
    assert!(missing.starts_with("6 listed"), "{missing}");
}

#[test]
fn openlab_dx_truncated_flipped_and_lying_sizes_are_refused() {
    let b = bytes(DX);
    for cut in [4, 30, 1000, b.len() / 3, b.len() / 2, b.len() - 22, b.len() - 1] {
        let r = catch_unwind(AssertUnwindSafe(|| io::read_bytes(&b[..cut], Path::new("t.dx"))));
        match r {
            Ok(Err(_)) => {}
            Ok(Ok(v)) => assert!(v.iter().all(|c| c.len() == 750), "cut at {cut} read short"),
            Err(_) => panic!("panic cut at {cut}"),
        }
    }
    for at in (0..b.len()).step_by(7919).chain(b.len() - 200..b.len()) {
        let mut f = b.clone();
        f[at] ^= 0xFF;
        let r = catch_unwind(AssertUnwindSafe(|| io::read_bytes(&f, Path::new("t.dx"))));
        assert!(r.is_ok(), "panic with byte {at} flipped");
    }
    // Every central-directory entry declaring 4 GB uncompressed: refused before inflating.
    let mut bomb = b.clone();
    let mut at = 0;
    while let Some(i) = bomb[at..].windows(4).position(|w| w == b"PK\x01\x02") {
        let entry = at + i;
        bomb[entry + 24..entry + 28].copy_from_slice(&0xFFFF_FFF0u32.to_le_bytes());
        at = entry + 4;
    }
    let e = io::read_bytes(&bomb, Path::new("bomb.dx")).unwrap_err();
    assert!(e.to_string().contains("limit"), "{e}");
}

#[test]
fn elute_info_describes_data_ms_d_folders_and_dx() {
    let out = Command::new(env!("CARGO_BIN_EXE_elute"))
        .args([
            "info",
            "tests/data/rainbow_yellow.D/data.ms",
            "tests/data/rainbow_yellow.D",
            "tests/data/rainbow_teal.dx",
            "tests",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    // `tests` is a folder but not a .D folder: its error is printed, the others still describe.
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("only Agilent .D folders"), "{stderr}");
    assert!(!stderr.contains("panicked"));
    assert!(stdout.matches("1307").count() >= 2, "{stdout}");
    assert!(stdout.contains("TIC") && stdout.contains("10197"), "{stdout}");
    assert!(stdout.contains("DAD1A") && stdout.contains("DAD1H"), "{stdout}");
    // The file inside the folder is described with its whole run, and says so.
    assert!(stdout.contains("data.ms is part of the run folder tests/data/rainbow_yellow.D"), "{stdout}");
    assert_eq!(stdout.matches("Front Signal (detector FID): 10197 points").count(), 2, "{stdout}");
    assert!(stdout.contains("file in the folder: FID1A.ch"), "{stdout}");
}

/// `elute fit` on a file inside a `.D` folder fits that file's signal, read with its folder (the session's run is
/// the folder, at that channel).
#[test]
fn elute_fit_on_a_file_inside_a_d_folder_fits_its_signal_with_the_folder() {
    let out_dir = std::env::temp_dir().join(format!("elute-d-member-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&out_dir);
    let out = Command::new(env!("CARGO_BIN_EXE_elute"))
        .arg("fit")
        .arg(data_path("rainbow_yellow.D/data.ms"))
        .arg("--out")
        .arg(&out_dir)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let sessions: Vec<PathBuf> = std::fs::read_dir(&out_dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.to_string_lossy().ends_with(".elute.json"))
        .collect();
    assert_eq!(sessions.len(), 1, "only the member's signal is fitted: {sessions:?}");
    let session: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&sessions[0]).unwrap()).unwrap();
    let run = &session["run"];
    assert!(run["path"].as_str().unwrap().ends_with("rainbow_yellow.D"), "{run}");
    assert_eq!(run["channel"], 2, "{run}");
    let table = std::fs::read_to_string(out_dir.join("peaks.csv")).unwrap();
    assert!(table.lines().skip(1).all(|l| l.contains("TIC")), "{table}");
    let _ = std::fs::remove_dir_all(&out_dir);
}

#[test]
fn the_app_opens_a_d_folder_as_one_run_with_a_stable_hash() {
    use elute::session::open::{Opened, open_path, read_run};
    let dir = data_path("rainbow_yellow.D");
    let Opened::Run { run, reference } = open_path(&dir).unwrap() else { panic!("a run") };
    assert_eq!(run.channels.len(), 2);
    assert_eq!(run.chromatogram().len(), 10197);
    assert_eq!(reference.sha256.len(), 64);
    assert_eq!(read_run(&dir).unwrap().1.sha256, reference.sha256);
    // Any file inside the folder opens the whole run, showing that file's own signal.
    for (member, channel) in [("FID1A.ch", 0), ("data.ms", 1), ("tic_front.csv", run.channel)] {
        let Opened::Run { run: inside, reference: same } = open_path(&dir.join(member)).unwrap() else { panic!() };
        assert_eq!(inside.channels, run.channels, "{member}");
        assert_eq!(same.sha256, reference.sha256, "{member}");
        assert_eq!(inside.channel, channel, "{member}");
        assert_eq!(same.channel as usize, channel + 1, "{member}");
    }
    assert_eq!(io::agilent_d::member_channel(&run.channels, Path::new("x/fid1a.CH")), Some(0));
    assert_eq!(io::agilent_d::member_channel(&run.channels, Path::new("Result.xml")), None);
    let e = open_path(&data_path("")).unwrap_err();
    assert!(e.contains("only Agilent .D folders"), "{e}");
}
