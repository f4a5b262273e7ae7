//! Issue 13, "The app a technician can rely on": a plot you can read (peak labels, axes), files that open as what
//! they are, a window that says what is open, a layout that fits a small screen. Each test is named after the
//! item it covers and drives the app headless through egui_kittest.
#![cfg(feature = "gui")]

use egui_kittest::kittest::Queryable;

use elute::app::actions::{Action, Command};
use elute::app::state::Document;
use elute::app::{App, AppConfig};
use elute::session::Session;

use crate::app_workflows::{harness_sized, wait_for_job};

fn btex_app() -> App {
    App::new(Document::new(Session::paper_btex()), AppConfig::default())
}

/// The retention time of a label "name\nt unit", in its unit.
fn label_time(label: &str) -> (f64, String) {
    let t = label.lines().nth(1).unwrap_or_else(|| panic!("no time line in {label:?}"));
    let (value, unit) = t.split_once(' ').unwrap_or_else(|| panic!("no unit in {t:?}"));
    (value.parse().unwrap_or_else(|_| panic!("not a number: {value:?}")), unit.to_string())
}

#[test]
fn peak_labels_name_each_peak_with_t_r_in_the_axis_unit() {
    let mut h = harness_sized(btex_app(), 1400.0, 900.0);
    h.run();
    let names: Vec<String> = h.state().document().session.peaks.iter().map(|p| p.name.clone()).collect();
    let labels = h.state().plot_labels().to_vec();
    assert_eq!(labels.len(), names.len(), "one label per peak: {labels:?}");
    for n in &names {
        assert!(labels.iter().any(|l| l.starts_with(&format!("{n}\n"))), "{n} labelled: {labels:?}");
    }
    let seconds: Vec<(f64, String)> = labels.iter().map(|l| label_time(l)).collect();
    assert!(seconds.iter().all(|(_, u)| u == "s"), "{seconds:?}");
    assert!(seconds.windows(2).all(|w| w[0].0 < w[1].0), "in retention order: {seconds:?}");

    // Ctrl+M: the same peaks, t_R in minutes.
    h.state_mut().run_command(Command::ToggleTimeUnit);
    h.run();
    let minutes: Vec<(f64, String)> = h.state().plot_labels().iter().map(|l| label_time(l)).collect();
    assert!(minutes.iter().all(|(_, u)| u == "min"), "{minutes:?}");
    for (s, m) in seconds.iter().zip(&minutes) {
        assert!((s.0 / 60.0 - m.0).abs() < 1e-3, "{} s is {} min", s.0, m.0);
    }

    // View ▸ Peak labels hides them, and shows them again.
    h.get_by_label("View").click();
    h.run();
    h.get_by_label("Peak labels").click();
    h.run();
    assert!(h.state().plot_labels().is_empty(), "{:?}", h.state().plot_labels());
    assert!(!h.state().settings().peak_labels);
    h.state_mut().apply(Action::Set(elute::app::actions::Setting::PeakLabels(true)));
    h.run();
    assert_eq!(h.state().plot_labels().len(), names.len());
}

#[test]
fn peak_labels_number_unnamed_peaks_by_retention() {
    // Eleven unnamed peaks, stored latest first: numbered 1 to 11 by retention, so "peak 2" comes before "peak 10".
    let mut session = Session::paper_btex();
    let template = session.peaks[0].clone();
    session.peaks = (0..11)
        .rev()
        .map(|k| {
            let mut p = template.clone();
            p.name = String::new();
            p.ka_per_s = template.ka_per_s * (1.0 + 0.15 * f64::from(k));
            p
        })
        .collect();
    let mut h = harness_sized(App::new(Document::new(session), AppConfig::default()), 1400.0, 900.0);
    h.run();
    let labels = h.state().plot_labels().to_vec();
    let names: Vec<&str> = labels.iter().map(|l| l.lines().next().unwrap()).collect();
    let expected: Vec<String> = (1..=11).map(|n| format!("peak {n}")).collect();
    assert_eq!(names, expected.iter().map(String::as_str).collect::<Vec<_>>());
    let times: Vec<f64> = labels.iter().map(|l| label_time(l).0).collect();
    assert!(times.windows(2).all(|w| w[0] < w[1]), "{times:?}");
}

#[test]
fn window_title_names_the_file_and_marks_unsaved_changes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("btex.elute.json");
    let mut h = harness_sized(btex_app(), 1400.0, 900.0);
    h.run();
    assert_eq!(h.state().window_title(), "simulation — Elute");
    let mut peak = h.state().document().session.peaks[0].clone();
    peak.area *= 1.1;
    h.state_mut().apply(Action::SetPeak { index: 0, peak, gesture: elute::app::state::Gesture::Single });
    h.run();
    assert_eq!(h.state().window_title(), "simulation • — Elute");
    h.state_mut().apply(Action::SavePath(path.clone()));
    h.run();
    assert_eq!(h.state().window_title(), "btex.elute.json — Elute");
    h.state_mut().run_command(Command::Undo);
    h.run();
    assert_eq!(h.state().window_title(), "btex.elute.json • — Elute");
}

#[test]
fn side_panels_leave_the_plot_half_the_width_at_1024_by_700() {
    let mut h = harness_sized(btex_app(), 1024.0, 700.0);
    h.run();
    let plot = h.state().plot_rect().expect("plot drawn");
    assert!(plot.width() >= 0.5 * 1024.0, "plot {:.0} of 1024 points wide", plot.width());
    // Both panels collapse from the View menu; the plot then takes nearly the whole width.
    for panel in ["Column panel", "Peaks panel"] {
        h.get_by_label("View").click();
        h.run();
        h.get_by_label(panel).click();
        h.run();
    }
    // Let the collapse animations finish.
    for _ in 0..30 {
        h.step();
    }
    let wide = h.state().plot_rect().expect("plot drawn");
    assert!(wide.width() >= 0.95 * 1024.0, "plot {:.0} of 1024 points wide", wide.width());
}

#[test]
fn opening_a_fusion_file_opens_a_run_on_its_channel_with_most_signal() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/yadg_15p-Cu-10mA-01_Jun08_2022_16-10.fusion-data");
    let mut h = harness_sized(btex_app(), 1400.0, 900.0);
    h.state_mut().apply(Action::OpenPath(path));
    h.run();
    assert_eq!(h.state().error(), None, "a Fusion JSON is a run, not a session");
    let run = h.state().document().run.clone().expect("opened as a run");
    assert_eq!(run.channels.len(), 2);
    assert_eq!(run.chromatogram().metadata.format, "INFICON Fusion JSON");
    let scores: Vec<f64> = run.channels.iter().map(elute::session::open::signal_above_noise).collect();
    assert!(scores.iter().all(|s| *s <= scores[run.channel]), "channel {} shown, scores {scores:?}", run.channel);
}

/// Opening a file sets the time axis to the unit the file (or its vendor's software) uses: minutes for a
/// ChemStation signal, seconds for an INFICON Fusion run; the user's toggle still switches it afterwards.
#[test]
fn the_time_axis_starts_in_the_files_unit() {
    let data = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data");
    let mut h = harness_sized(btex_app(), 1400.0, 900.0);
    h.run();
    assert!(!h.state().settings().minutes, "the example starts in seconds");
    h.state_mut().apply(Action::OpenPath(data.join("rainbow_caye_nmr_test_mix_FID1A.ch")));
    wait_for_job(&mut h);
    h.run();
    assert!(h.state().settings().minutes, "a ChemStation signal opens in minutes");
    let labels = h.state().plot_labels().to_vec();
    assert!(!labels.is_empty() && labels.iter().all(|l| label_time(l).1 == "min"), "{labels:?}");
    h.state_mut().run_command(Command::ToggleTimeUnit);
    h.run();
    assert!(!h.state().settings().minutes, "the toggle still works");
    h.state_mut().apply(Action::OpenPath(data.join("yadg_15p-Cu-10mA-01_Jun08_2022_16-10.fusion-data")));
    wait_for_job(&mut h);
    h.state_mut().run_command(Command::ToggleTimeUnit);
    h.state_mut().apply(Action::OpenPath(data.join("yadg_15p-Cu-10mA-01_Jun08_2022_16-10.fusion-data")));
    wait_for_job(&mut h);
    h.run();
    assert!(!h.state().settings().minutes, "a Fusion run opens in seconds, whatever the axis showed before");
}

/// What may make a fit wrong is said where the user reads it: after opening a PeakSimple run cut short, the status
/// bar repeats the reader's warning that points are missing.
#[test]
fn a_truncated_files_warning_shows_in_the_status_bar() {
    let dir = tempfile::tempdir().unwrap();
    let data = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/catalight_series/temp420K_FID01.CHR");
    let bytes = std::fs::read(data).unwrap();
    let cut = dir.path().join("cut.CHR");
    std::fs::write(&cut, &bytes[..bytes.len() * 3 / 4]).unwrap();
    let mut h = harness_sized(btex_app(), 1400.0, 900.0);
    h.state_mut().apply(Action::OpenPath(cut));
    wait_for_job(&mut h);
    h.run();
    let message = h.state().message();
    assert!(message.contains("the file: ") && message.contains("points SIZE declares are missing"), "{message}");
}

/// A run of 20 peaks 10 s apart: 8 tall ones and 12 small ones (at a threshold of 10 × the noise they pass it, but
/// stay under the 4 × threshold at which the cap rises by itself), with deterministic noise.
fn twenty_peak_run() -> elute::chromatogram::Chromatogram {
    let mut rng = crate::fit_template::Rng::new(5);
    let time_s: Vec<f64> = (0..2200).map(|i| i as f64 * 0.1).collect();
    let signal = time_s
        .iter()
        .map(|&t| {
            let k = (t / 10.0).round();
            let height = if (1.0..=20.0).contains(&k) { if k as usize % 5 < 2 { 1000.0 } else { 22.0 } } else { 0.0 };
            100.0 + height * (-0.5 * ((t - 10.0 * k) / 0.8).powi(2)).exp() + rng.uniform() - 0.5
        })
        .collect();
    elute::chromatogram::Chromatogram { time_s, signal, ..Default::default() }
}

/// The 50-peak detection cap: the fit panel sets it ("at most N peaks"), the status bar says when it binds, and a
/// raised cap fits every peak.
#[test]
fn the_detection_cap_says_when_it_binds_and_the_user_can_raise_it() {
    use elute::app::actions::Setting;
    let mut doc = Document::new(Session::new(elute::model::Column::default_preset(), Vec::new()));
    let run = elute::session::LoadedRun { path: None, channels: vec![twenty_peak_run()], channel: 0 };
    doc.run = Some(std::sync::Arc::new(run));
    let mut h = harness_sized(App::new(doc, AppConfig::default()), 1400.0, 900.0);
    h.run();
    assert!(h.query_by_label("at most").is_some(), "the cap is in the fit panel");
    assert_eq!(h.state().settings().max_peaks, 50);
    h.state_mut().apply(Action::Set(Setting::Threshold(10.0)));
    h.state_mut().apply(Action::Set(Setting::MaxPeaks(10)));
    h.state_mut().apply(Action::Command(Command::DetectPeaks));
    wait_for_job(&mut h);
    h.run();
    let message = h.state().message().to_string();
    assert_eq!(h.state().document().session.peaks.len(), 10, "{message}");
    assert!(message.contains("20 candidate peaks") && message.contains("only the 10 most prominent"), "{message}");
    h.state_mut().apply(Action::Set(Setting::MaxPeaks(30)));
    h.state_mut().apply(Action::Command(Command::DetectPeaks));
    wait_for_job(&mut h);
    h.run();
    let message = h.state().message().to_string();
    assert_eq!(h.state().document().session.peaks.len(), 20, "{message}");
    assert!(!message.contains("(the cap)"), "{message}");
}
