//! The desktop app's workflows, driven headless through egui_kittest (no GPU, no display).
#![cfg(feature = "gui")]

use std::sync::Arc;
use std::time::{Duration, Instant};

use egui::accesskit::Role;
use egui::{Key, Modifiers};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;

use elute::app::actions::{Action, Command, Setting};
use elute::app::state::{Document, Gesture};
use elute::app::{App, AppConfig};
use elute::chromatogram::Chromatogram;
use elute::model::Column;
use elute::session::LoadedRun as Run;
use elute::session::{self, Session};

fn harness(app: App) -> Harness<'static, App> {
    harness_sized(app, 1400.0, 900.0)
}

/// The app in a headless window of this size. Background workers (the contour tracer) may wake the UI a few more
/// times while it settles: up to 16 steps.
pub fn harness_sized(app: App, width_px: f32, height_px: f32) -> Harness<'static, App> {
    Harness::builder()
        .with_size(egui::vec2(width_px, height_px))
        .with_max_steps(16)
        .build_ui_state(|ui, app: &mut App| app.ui(ui), app)
}

fn btex_app() -> App {
    App::new(Document::new(Session::paper_btex()), AppConfig::default())
}

/// Two Gaussian peaks (60 s, σ 2 s, area 500; 120 s, σ 3 s, area 900) on a baseline of 100, 0.1 s steps,
/// with a small deterministic ripple as noise.
pub fn synthetic_run() -> Chromatogram {
    let gauss = |t: f64, m: f64, s: f64, a: f64| {
        a / (s * (2.0 * std::f64::consts::PI).sqrt()) * (-(t - m).powi(2) / (2.0 * s * s)).exp()
    };
    let time_s: Vec<f64> = (0..2000).map(|i| i as f64 * 0.1).collect();
    let signal = time_s
        .iter()
        .enumerate()
        .map(|(i, &t)| {
            100.0 + gauss(t, 60.0, 2.0, 500.0) + gauss(t, 120.0, 3.0, 900.0) + 0.05 * ((i * 7919 % 13) as f64 - 6.0)
        })
        .collect();
    Chromatogram { time_s, signal, signal_unit: "pA".into(), channel: "FID1A".into(), ..Default::default() }
}

fn run_app() -> App {
    let mut doc = Document::new(Session::new(Column::default_preset(), Vec::new()));
    doc.run = Some(Arc::new(Run { path: None, channels: vec![synthetic_run()], channel: 0 }));
    App::new(doc, AppConfig::default())
}

/// Steps the harness while `busy` holds (at most `limit_s` seconds, a watchdog against hangs, else fails with
/// `what`), then once more.
fn step_while(h: &mut Harness<'_, App>, limit_s: u64, what: &str, busy: impl Fn(&App) -> bool) {
    let start = Instant::now();
    while busy(h.state()) {
        assert!(start.elapsed() < Duration::from_secs(limit_s), "{what}");
        std::thread::sleep(Duration::from_millis(20));
        h.step();
    }
    h.step();
}

/// Steps the harness until the background job is done (a watchdog of 300 s against hangs, not a timing test).
pub fn wait_for_job(h: &mut Harness<'_, App>) {
    step_while(h, 300, "job did not finish", |app| app.job_running());
}

#[test]
fn starts_on_the_default_document_with_curves() {
    let mut h = harness(App::with_default_document(AppConfig::default()));
    wait_for_job(&mut h);
    h.run_steps(2);
    let app = h.state();
    let curves = app.curves();
    let peaks = app.document().session.peaks.len();
    assert!(peaks > 0, "the default document has peaks");
    assert_eq!(curves.peaks.len(), peaks);
    assert!(curves.time_s.len() > 1000);
    assert!(curves.peaks.iter().all(|c| c.len() == curves.time_s.len()));
    assert_eq!(curves.total.len(), curves.time_s.len());
    assert!(curves.error.is_none(), "{:?}", curves.error);
    // The table lists every peak, and the menus and column panel are there.
    let first = app.document().session.peaks[0].name.clone();
    assert!(h.query_all_by_label(&first).count() >= 1);
    h.get_by_label("File");
    assert!(h.query_all_by_label_contains("t0").count() >= 1);
}

#[test]
fn a_slider_changes_the_document_and_undo_restores_it_exactly() {
    let mut h = harness(btex_app());
    h.run();
    let original = h.state().document().clone();
    h.query_all_by_label("toluene").next().expect("table row").click();
    h.run();
    assert_eq!(h.state().selected(), Some(1));
    h.get_by_role_and_label(Role::Slider, "k_d (1/s)").set_value_accesskit(20.0);
    h.run();
    let edited = h.state().document().clone();
    assert_ne!(edited, original);
    assert!((edited.session.peaks[1].kd_per_s - 20.0).abs() < 1e-9, "{}", edited.session.peaks[1].kd_per_s);
    assert_eq!(edited.session.peaks[0], original.session.peaks[0]);
    h.key_press_modifiers(Modifiers::COMMAND, Key::Z);
    h.run();
    assert_eq!(h.state().document(), &original);
    h.key_press_modifiers(Modifiers::COMMAND | Modifiers::SHIFT, Key::Z);
    h.run();
    assert_eq!(h.state().document(), &edited);
}

#[test]
fn one_drag_is_one_undo_step() {
    let mut app = btex_app();
    let original = app.document().clone();
    let id = egui::Id::unique("drag-test");
    for area in [100.0, 200.0, 300.0] {
        let mut p = original.session.peaks[2].clone();
        p.area = area;
        app.apply(Action::SetPeak { index: 2, peak: p, gesture: Gesture::Drag(id) });
    }
    assert_eq!(app.document().session.peaks[2].area, 300.0);
    app.apply(Action::Command(Command::Undo));
    assert_eq!(app.document(), &original);
}

#[test]
fn save_then_reopen_gives_the_same_state() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("btex.elute.json");
    let mut h = harness(btex_app());
    h.run();
    let mut peak = h.state().document().session.peaks[3].clone();
    peak.ka_per_s *= 1.1;
    h.state_mut().apply(Action::SetPeak { index: 3, peak, gesture: Gesture::Single });
    h.state_mut().apply(Action::SavePath(path.clone()));
    h.run();
    assert!(!h.state().is_dirty());
    let saved = h.state().document().session.clone();

    let mut other =
        harness(App::new(Document::new(Session::new(Column::default_preset(), vec![])), AppConfig::default()));
    other.state_mut().apply(Action::OpenPath(path.clone()));
    other.run();
    assert!(other.state().error().is_none(), "{:?}", other.state().error());
    assert_eq!(other.state().document().session, saved);
    assert_eq!(session::load(&path).unwrap(), saved);
}

#[test]
fn exported_csv_parses_back_to_the_table() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("peaks.csv");
    let mut h = harness(btex_app());
    h.run();
    h.state_mut().apply(Action::ExportCsvPath(path.clone()));
    let text = std::fs::read_to_string(&path).unwrap();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let headers = reader.headers().unwrap().clone();
    assert_eq!(headers.iter().collect::<Vec<_>>(), elute::session::PeakRow::header());
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    let peaks = &h.state().document().session.peaks;
    assert_eq!(rows.len(), peaks.len());
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap_or_else(|| panic!("no column {name}"));
    for (row, p) in rows.iter().zip(peaks) {
        assert_eq!(&row[col("peak")], p.name);
        assert_eq!(row[col("ka_per_s")].parse::<f64>().unwrap(), p.ka_per_s);
        assert_eq!(row[col("kd_per_s")].parse::<f64>().unwrap(), p.kd_per_s);
    }
    // The lab metrics: every BTEX peak is resolved from the others, so all its columns are filled, and the
    // half-height plates follow their definition from the exported t_R and W50.
    let (tr, w50, plates) = (col("retention_time_s"), col("w50_s"), col("plates_half_height"));
    let (tailing, asym) = (col("tailing_usp"), col("asymmetry_10"));
    let num = |row: &csv::StringRecord, c: usize| row[c].parse::<f64>().unwrap();
    for row in &rows {
        let n = 5.54 * (num(row, tr) / num(row, w50)).powi(2);
        assert!((num(row, plates) / n - 1.0).abs() < 1e-9, "{} vs {n}", num(row, plates));
        assert!(num(row, tailing) > 0.9 && num(row, asym) > 0.9, "{row:?}");
    }
}

/// The app's CSV export and `elute fit`'s peaks.csv are one row type: the same header for the same run.
#[test]
fn the_apps_csv_export_has_the_header_of_elute_fits_peaks_csv() {
    let dir = tempfile::tempdir().unwrap();
    let run = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/SOLV001.CDF");
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_elute"))
        .arg("fit")
        .arg(&run)
        .arg("--out")
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(status.status.success(), "{}", String::from_utf8_lossy(&status.stderr));
    let cli = std::fs::read_to_string(dir.path().join("peaks.csv")).unwrap();
    let mut h = harness(App::new(Document::new(Session::new(Column::default_preset(), vec![])), AppConfig::default()));
    h.state_mut().apply(Action::OpenPath(run));
    wait_for_job(&mut h);
    let exported = dir.path().join("app.csv");
    h.state_mut().apply(Action::ExportCsvPath(exported.clone()));
    let app = std::fs::read_to_string(&exported).unwrap();
    let header = |text: &str| text.lines().next().unwrap_or_default().to_string();
    assert_eq!(header(&app), header(&cli));
    assert_eq!(app.lines().count(), cli.lines().count(), "one row per peak in both");
}

#[test]
fn a_bad_file_shows_a_banner_and_leaves_the_document() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("broken.cdf");
    std::fs::write(&bad, b"\x00\x01 definitely not a chromatogram").unwrap();
    let mut h = harness(btex_app());
    h.run();
    let before = h.state().document().clone();
    h.state_mut().apply(Action::OpenPath(bad));
    h.run();
    let error = h.state().error().expect("banner").to_string();
    assert!(error.contains("broken.cdf"), "{error}");
    h.get_by_label_contains("broken.cdf");
    assert_eq!(h.state().document(), &before);

    let newer = dir.path().join("newer.json");
    std::fs::write(&newer, session::to_json(&Session::paper_btex()).replace("\"version\": 1", "\"version\": 7"))
        .unwrap();
    h.state_mut().apply(Action::OpenPath(newer));
    h.run();
    assert!(h.state().error().unwrap().contains("newer"), "{:?}", h.state().error());
    assert_eq!(h.state().document(), &before);
    h.get_by_label("Dismiss").click();
    h.run();
    assert!(h.state().error().is_none());
}

#[test]
fn detect_then_fit_all_fills_the_table_and_undo_takes_it_back() {
    let mut h = harness(run_app());
    h.run();
    h.get_by_label("Detect peaks").click();
    h.step();
    wait_for_job(&mut h);
    let detected = h.state().document().clone();
    assert_eq!(detected.session.peaks.len(), 2, "{:?}", detected.session.peaks);
    let means: Vec<f64> =
        detected.session.peaks.iter().map(|p| elute::model::moments(&detected.session.column, p).mean_s).collect();
    assert!((means[0] - 60.0).abs() < 0.5 && (means[1] - 120.0).abs() < 0.5, "{means:?}");
    // Detection fits what it finds: every peak has its statistics.
    assert!(detected.fits.iter().all(|s| s.as_ref().is_some_and(|s| s.r2.is_some())), "{:?}", detected.fits);

    // A wrong inlet tail: with "Fit the inlet tail τ" ticked (on a known column τ is held unless it is), Fit all
    // refits τ with every peak and the document takes the fitted column.
    let wrong_tau = 3.0 * detected.session.column.inlet_tail_s() + 1.0;
    let column = detected.session.column.with_inlet_tail_s(wrong_tau).unwrap();
    h.state_mut().apply(Action::SetColumn { column, gesture: Gesture::Single });
    h.state_mut().apply(Action::Set(Setting::FitInletTail(true)));
    let before_fit = h.state().document().clone();
    h.get_by_label("Fit all").click();
    h.step();
    wait_for_job(&mut h);
    assert!(h.state().error().is_none(), "{:?}", h.state().error());
    let fitted = h.state().document().clone();
    assert!(fitted.fits.iter().all(|s| s.as_ref().is_some_and(|s| s.r2.is_some())), "{:?}", fitted.fits);
    let tau = fitted.session.column.inlet_tail_s();
    assert!(tau < 0.8 * wrong_tau, "τ {tau} s after Fit all (from {wrong_tau} s)");
    assert!(fitted.session.fit.as_ref().is_some_and(|f| f.fitted.inlet_tail), "{:?}", fitted.session.fit);
    h.state_mut().apply(Action::Command(Command::Undo));
    assert_eq!(h.state().document(), &before_fit);
}

#[test]
fn clicking_the_trace_adds_a_peak_and_delete_removes_it() {
    let mut app = run_app();
    app.ensure_curves();
    app.apply(Action::AddPeakAt { time_s: 119.0 });
    let doc = app.document();
    assert_eq!(doc.session.peaks.len(), 1);
    let m = elute::model::moments(&doc.session.column, &doc.session.peaks[0]).mean_s;
    assert!((m - 120.0).abs() < 0.5, "{m}");
    assert_eq!(app.selected(), Some(0));
    let mut h = harness(app);
    h.run();
    h.key_press(Key::Delete);
    h.run();
    assert!(h.state().document().session.peaks.is_empty());
}

/// Steps the harness until the selected peak's χ² contour is traced (at most 30 s).
fn wait_for_contour(h: &mut Harness<'_, App>) {
    step_while(h, 300, "contour not traced", |app| app.confidence().is_some_and(|c| c.is_computing()));
}

#[test]
fn after_fit_all_the_selected_peak_shows_its_confidence_region() {
    let mut h = harness(run_app());
    h.run();
    h.state_mut().apply(Action::Command(Command::DetectPeaks));
    wait_for_job(&mut h);
    h.get_by_label("Fit all").click();
    h.step();
    wait_for_job(&mut h);
    assert!(h.state().confidence().is_none(), "nothing selected yet");
    h.state_mut().apply(Action::Select(Some(1)));
    h.run();
    let doc = h.state().document().clone();
    let stats = doc.fits[1].clone().expect("fitted");
    let c = h.state().confidence().expect("a confidence region for the fitted, selected peak");
    assert_eq!(c.center, (doc.session.peaks[1].ka_per_s, doc.session.peaks[1].kd_per_s));
    assert_eq!(c.se, (stats.ka_se_per_s.unwrap(), stats.kd_se_per_s.unwrap()));
    assert!(c.ellipse.len() > 32 && c.ellipse.iter().all(|p| p.0.is_finite() && p.1.is_finite()));
    // The ellipse spans ±√5.99·SE around the fit on each axis.
    let half = c.ellipse.iter().map(|p| (p.0 - c.center.0).abs()).fold(0.0, f64::max);
    assert!((half / (5.991f64.sqrt() * c.se.0) - 1.0).abs() < 0.01, "{half}");
    h.get_by_label("Confidence region of (k_a, k_d)");
    wait_for_contour(&mut h);
    let c = h.state().confidence().expect("still selected");
    let contour = c.contour().expect("the χ² contour was traced");
    assert!(contour.closed && contour.points.iter().all(|p| p.0 > 0.0 && p.1 > 0.0));
    // The traced contour and the ellipse have the same extent to within a third (the model is nearly linear
    // over its 95 % region on this clean, well-sampled peak).
    let span = |pts: &[(f64, f64)]| pts.iter().map(|p| (p.0 - c.center.0).abs()).fold(0.0, f64::max);
    assert!((span(&contour.points) / span(&c.ellipse) - 1.0).abs() < 0.33, "{:?}", contour.points);
    // Editing the peak drops its statistics, and so its region.
    let mut p = doc.session.peaks[1].clone();
    p.kd_per_s *= 1.2;
    h.state_mut().apply(Action::SetPeak { index: 1, peak: p, gesture: Gesture::Single });
    h.run();
    assert!(h.state().confidence().is_none());
}

#[test]
fn the_default_run_names_its_peaks_after_the_files_own_peak_table() {
    let mut h = harness(App::with_default_document(AppConfig::default()));
    wait_for_job(&mut h);
    wait_for_job(&mut h);
    h.run_steps(2);
    // The file writes "TOLUENE", "ETHYL BENZENE", "o-XYLENE".
    let names: Vec<String> =
        h.state().document().session.peaks.iter().map(|p| p.name.to_lowercase().replace(' ', "")).collect();
    for analyte in ["toluene", "ethylbenzene", "o-xylene"] {
        let k = names.iter().position(|n| n == analyte).unwrap_or_else(|| panic!("{analyte} not in {names:?}"));
        let shown = h.state().document().session.peaks[k].name.clone();
        assert!(h.query_all_by_label(&shown).count() >= 1, "{shown} is in the table");
    }
    // On the real run too, a selected peak's χ² contour is traced (k_a and k_d correlate beyond 0.9999 there).
    let toluene = names.iter().position(|n| n == "toluene").unwrap();
    h.state_mut().apply(Action::Select(Some(toluene)));
    h.run();
    wait_for_contour(&mut h);
    let c = h.state().confidence().expect("toluene was fitted");
    let contour = c.contour().unwrap_or_else(|| panic!("{:?}", c.contour));
    assert!(contour.points.iter().all(|p| p.0 > 0.0 && p.1.is_finite()), "{:?}", contour.points);
    assert!(contour.closed && c.correlation > 0.99, "{}", c.correlation);
    let span = |pts: &[(f64, f64)]| pts.iter().map(|p| (p.0 - c.center.0).abs()).fold(0.0, f64::max);
    // Same extent as the ellipse along k_a to within a third (the pair correlates beyond 0.99999: the true region
    // is a slightly curved sliver, 1.26 times the linearised one's extent on this fit).
    let ratio = span(&contour.points) / span(&c.ellipse);
    assert!((ratio - 1.0).abs() < 0.33, "contour/ellipse extent {ratio}");
}

#[test]
fn sessions_embed_the_run_and_reopen_without_the_run_file() {
    let dir = tempfile::tempdir().unwrap();
    // The built-in example run embeds itself: no run file is needed to reopen.
    let path = dir.path().join("default.elute.json");
    let mut h = harness(App::with_default_document(AppConfig::default()));
    wait_for_job(&mut h);
    wait_for_job(&mut h);
    h.state_mut().apply(Action::SavePath(path.clone()));
    assert!(h.state().error().is_none(), "{:?}", h.state().error());
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains("\"embedded_run\""));
    let before = h.state().document().clone();
    let mut other = harness(btex_app());
    other.state_mut().apply(Action::OpenPath(path));
    other.run();
    assert!(other.state().error().is_none(), "{:?}", other.state().error());
    assert_eq!(other.state().document().session, before.session);
    assert_eq!(other.state().document().run, before.run);
    // The fitted peaks reopen with their uncertainties (standard errors, correlation, R²) from the fit summary.
    let (a, b) = (&other.state().document().fits, &before.fits);
    assert_eq!(a.len(), b.len());
    assert!(b.iter().all(|s| s.is_some()), "the default document is fitted");
    for (x, y) in a.iter().zip(b) {
        let (x, y) = (x.as_ref().expect("statistics after reopening"), y.as_ref().unwrap());
        assert_eq!(
            (x.ka_se_per_s, x.kd_se_per_s, x.ka_kd_correlation, x.r2),
            (y.ka_se_per_s, y.kd_se_per_s, y.ka_kd_correlation, y.r2)
        );
    }

    // Another run embeds when asked; with its file gone the session still reopens on the same data.
    let source =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/rainbow_cedrol_mix_01_tic_front.csv");
    let run_path = dir.path().join("cedrol.csv");
    std::fs::copy(&source, &run_path).unwrap();
    let session_path = dir.path().join("cedrol.elute.json");
    let mut h = harness(btex_app());
    h.state_mut().apply(Action::OpenPath(run_path.clone()));
    wait_for_job(&mut h);
    wait_for_job(&mut h);
    assert!(h.state().error().is_none(), "{:?}", h.state().error());
    let mut settings = h.state().settings();
    settings.embed_run = true;
    h.state_mut().apply_settings(settings);
    h.state_mut().apply(Action::SavePath(session_path.clone()));
    let before = h.state().document().clone();
    std::fs::remove_file(&run_path).unwrap();
    let mut other = harness(btex_app());
    other.state_mut().apply(Action::OpenPath(session_path));
    other.run();
    let app = other.state();
    assert!(app.error().is_none(), "{:?}", app.error());
    assert!(app.message().contains("embedded"), "{}", app.message());
    assert_eq!(app.document().session, before.session);
    let (a, b) = (app.document().run.as_ref().unwrap().chromatogram(), before.run.as_ref().unwrap().chromatogram());
    assert_eq!((&a.time_s, &a.signal, &a.channel, &a.signal_unit), (&b.time_s, &b.signal, &b.channel, &b.signal_unit));
    assert_eq!(app.curves().residual.as_ref().map(Vec::len), Some(b.len()));
}

#[test]
fn the_theme_follows_the_system_unless_overridden() {
    let mut h = harness(btex_app());
    h.run();
    assert_eq!(h.ctx.options(|o| o.theme_preference), egui::ThemePreference::System);
    let mut settings = h.state().settings();
    settings.theme = elute::app::settings::ThemeChoice::Light;
    h.state_mut().apply_settings(settings);
    h.run();
    assert_eq!(h.ctx.theme(), egui::Theme::Light);
    settings.theme = elute::app::settings::ThemeChoice::Dark;
    h.state_mut().apply_settings(settings);
    h.run();
    assert_eq!(h.ctx.theme(), egui::Theme::Dark);
    assert_eq!(h.state().settings().theme, elute::app::settings::ThemeChoice::Dark);
}

#[test]
fn svg_and_html_report_are_written() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = run_app();
    app.ensure_curves();
    app.apply(Action::AddPeakAt { time_s: 60.0 });
    app.ensure_curves();
    app.apply(Action::ExportSvgPath(dir.path().join("plot.svg")));
    app.apply(Action::ExportReportPath(dir.path().join("report.html")));
    assert!(app.error().is_none(), "{:?}", app.error());
    let svg = std::fs::read_to_string(dir.path().join("plot.svg")).unwrap();
    assert!(svg.starts_with("<svg") && svg.contains("signal (pA)"));
    let html = std::fs::read_to_string(dir.path().join("report.html")).unwrap();
    assert!(html.contains("<svg") && html.contains("peak 60.0 s") && html.contains("FID1A"));
}

#[test]
fn without_a_file_dialog_a_path_field_opens_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.elute.json");
    let mut saved = Session::paper_btex();
    saved.peaks.truncate(2);
    session::save(&saved, &path).unwrap();
    let mut h = harness(btex_app());
    h.run();
    h.key_press_modifiers(Modifiers::COMMAND, Key::O);
    h.run();
    h.get_by_label("Open file");
    let field = h.get_by_role(Role::TextInput);
    field.focus();
    h.run();
    h.get_by_role(Role::TextInput).type_text(&path.display().to_string());
    h.run();
    h.get_by_label("OK").click();
    h.run();
    assert!(h.state().error().is_none(), "{:?}", h.state().error());
    assert_eq!(h.state().document().session, saved);
}

#[test]
fn an_autosaved_session_is_offered_and_restored() {
    let dir = tempfile::tempdir().unwrap();
    let data = elute::app::data_dir::DataDir::new(dir.path().to_path_buf());
    let mut unsaved = Session::paper_btex();
    unsaved.peaks[0].area = 1234.5;
    data.write_autosave(&unsaved, None).unwrap();
    let config = AppConfig { data_dir: Some(data), native_dialogs: false };
    let mut h = harness(App::new(Document::new(Session::paper_btex()), config));
    h.run();
    h.get_by_label("Restore").click();
    h.run();
    assert_eq!(h.state().document().session, unsaved);
    assert!(h.query_by_label("Restore").is_none());
}

/// Workflow 2 of issue 5. Runs fully once the readers land; until then (`io::read_file` is a stub) it checks
/// that the reader's refusal shows as a banner.
#[test]
fn loading_a_corpus_file_shows_it_detected_and_fitted() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/SOLV001.CDF");
    let mut h = harness(btex_app());
    h.run();
    h.state_mut().apply(Action::OpenPath(path.clone()));
    h.step();
    if let Err(e) = elute::io::read_file(&path) {
        assert!(h.state().error().is_some_and(|b| b.contains("SOLV001.CDF")), "{e}");
        return;
    }
    wait_for_job(&mut h);
    wait_for_job(&mut h);
    let app = h.state();
    assert!(app.error().is_none(), "{:?}", app.error());
    let run = app.document().run.as_ref().expect("the run is loaded");
    assert_eq!(app.curves().time_s.len(), run.chromatogram().len());
    assert!(app.curves().residual.is_some());
    assert!(!app.document().session.peaks.is_empty(), "peaks were detected");
    assert!(!app.is_dirty());
}

/// The path field takes the focus when it appears, starts the next time in the folder of the last path given,
/// and expands a leading `~` to the home folder.
#[test]
fn the_path_field_takes_focus_remembers_the_last_folder_and_expands_home() {
    use elute::app::panels::dialogs::expand_home;
    let home = std::path::PathBuf::from("/home/tech");
    assert_eq!(expand_home("~/runs/a.cdf", Some(home.clone())), home.join("runs/a.cdf"));
    assert_eq!(expand_home("~", Some(home.clone())), home);
    assert_eq!(expand_home("~bob/a.cdf", Some(home.clone())), std::path::PathBuf::from("~bob/a.cdf"));
    assert_eq!(expand_home("~/a.cdf", None), std::path::PathBuf::from("~/a.cdf"));

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.elute.json");
    session::save(&Session::paper_btex(), &path).unwrap();
    let mut h = harness(btex_app());
    h.run();
    h.key_press_modifiers(Modifiers::COMMAND, Key::O);
    h.run();
    h.run();
    assert!(h.get_by_role(Role::TextInput).is_focused(), "the field has the focus when it appears");
    h.get_by_role(Role::TextInput).type_text(&path.display().to_string());
    h.run();
    h.get_by_label("OK").click();
    h.run();
    assert!(h.state().error().is_none(), "{:?}", h.state().error());
    h.key_press_modifiers(Modifiers::COMMAND, Key::O);
    h.run();
    let folder = format!("{}/", dir.path().display());
    assert!(h.query_all_by_value(&folder).next().is_some(), "the next prompt starts in {folder}");
}
