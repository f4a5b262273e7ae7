//! Every file in sample_runs/ loads and means what its README says.

use std::path::Path;

use elute::session::{self, Session};

#[test]
fn btex_paper_sample_is_the_papers_experiment() {
    let s = session::load(Path::new("sample_runs/btex-paper.elute.json")).unwrap();
    assert_eq!(s, Session::paper_btex());
    assert!(s.run.is_none());
}

#[test]
fn every_sample_session_loads() {
    for entry in std::fs::read_dir("sample_runs").unwrap() {
        let path = entry.unwrap().path();
        if path.to_string_lossy().ends_with(".elute.json") {
            session::load(&path).unwrap_or_else(|e| panic!("{e}"));
        }
    }
}

/// The file dialog's filter (`io::run_file_extensions`) lists every extension a reader's files carry: each file
/// in tests/data that a reader recognises has an extension its format names.
#[test]
fn the_open_dialog_filter_lists_every_readable_extension() {
    let listed = elute::io::run_file_extensions();
    for name in ["fusion-data", "gcd", "dx", "gaml", "dat", "ch", "cdf", "csv", "chr"] {
        assert!(listed.contains(&name), "{name} missing from {listed:?}");
    }
    let mut checked = 0;
    for entry in std::fs::read_dir("tests/data").unwrap() {
        let path = entry.unwrap().path();
        let Some(ext) = path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase) else { continue };
        if !path.is_file() || ext == "md" {
            continue;
        }
        let bytes = std::fs::read(&path).unwrap();
        if let Some(format) = elute::io::sniff(&bytes, &path) {
            assert!(format.extensions().contains(&ext.as_str()), "{}: {format:?} lacks .{ext}", path.display());
            checked += 1;
        }
    }
    assert!(checked >= 15, "only {checked} files recognised");
}

/// Each reader says which unit its file's times are shown in (the app's time axis starts in it): the unit the
/// file states (ANDI's `retention_unit`, GAML's X units, a text header), else the one its vendor's software shows.
#[test]
fn every_reader_says_which_time_unit_its_file_shows() {
    use elute::chromatogram::TimeUnit::{Minutes, Seconds};
    let cases = [
        ("SOLV001.CDF", Seconds),
        ("tgnthpgc.cdf", Seconds),
        ("chemstation_81.ch", Minutes),
        ("chemstation_179_asterix.ch", Minutes),
        ("rainbow_teal.dx", Minutes),
        ("rainbow_yellow.D", Minutes),
        ("ccet_FS19_214.gcd", Minutes),
        ("yadg_230324.dat", Minutes),
        ("230324.dat.asc", Minutes),
        ("PE_Turbochrom_GC.gaml", Minutes),
        ("yadg_15p-Cu-10mA-01_Jun08_2022_16-10.fusion-data", Seconds),
        ("rainbow_cedrol_mix_01_tic_front.csv", Minutes),
        ("chromeleon_comma.txt", Minutes),
        ("catalight_series/temp420K_FID01.CHR", Minutes),
    ];
    for (name, unit) in cases {
        let runs = elute::io::read_path(&std::path::Path::new("tests/data").join(name)).unwrap();
        for c in &runs {
            assert_eq!(c.metadata.time_unit, Some(unit), "{name} {}", c.channel);
        }
    }
    // Every file a reader recognises says it.
    for entry in std::fs::read_dir("tests/data").unwrap() {
        let path = entry.unwrap().path();
        let bytes = if path.is_file() { std::fs::read(&path).unwrap() } else { continue };
        if elute::io::sniff(&bytes, &path).is_some()
            && let Ok(runs) = elute::io::read_file(&path)
        {
            assert!(runs.iter().all(|c| c.metadata.time_unit.is_some()), "{}", path.display());
        }
    }
}
