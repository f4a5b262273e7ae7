//! Issue 13, "The app a technician can rely on": no silent corruption, no lost work, peaks you can point at.
//! Each test is named after the item it covers, and drives the app headless through egui_kittest.
#![cfg(feature = "gui")]

use egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;

use crate::app_workflows::wait_for_job;
use elute::app::actions::{Action, Command, Setting};
use elute::app::params::ParamMode;
use elute::app::state::{Document, Gesture};
use elute::app::{App, AppConfig};
use elute::session::Session;

use crate::app_workflows::synthetic_run;

fn harness(app: App) -> Harness<'static, App> {
    crate::app_workflows::harness_sized(app, 1400.0, 1000.0)
}

fn btex_app() -> App {
    App::new(Document::new(Session::paper_btex()), AppConfig::default())
}

/// The text of the first label starting with `prefix`.
fn label_starting(h: &Harness<'_, App>, prefix: &str) -> String {
    h.query_all_by_role(Role::Label)
        .filter_map(|n| n.value())
        .find(|l| l.starts_with(prefix))
        .unwrap_or_else(|| panic!("no label starting with {prefix}"))
}

#[test]
fn sliders_clamp_real_values() {
    let mut app = btex_app();
    // A late peak's real k_a, far above the old slider's top (1e7).
    let mut late = app.document().session.peaks[1].clone();
    late.ka_per_s = 1.6e8;
    app.apply(Action::SetPeak { index: 1, peak: late, gesture: Gesture::Single });
    app.apply(Action::Select(Some(1)));
    let mut h = harness(app);
    h.run();
    assert_eq!(h.state().document().session.peaks[1].ka_per_s, 1.6e8, "showing the slider changes nothing");

    // The three slider modes read the same peak the same way.
    let mut readouts = Vec::new();
    for mode in ParamMode::ALL {
        h.state_mut().apply(Action::Set(Setting::ParamMode(mode)));
        h.run();
        readouts.push(label_starting(&h, "μ = "));
    }
    assert!(readouts.windows(2).all(|w| w[0] == w[1]), "{readouts:?}");
    assert_eq!(h.state().document().session.peaks[1].ka_per_s, 1.6e8, "switching modes changes nothing");

    // Nudging k_d changes k_d only.
    h.state_mut().apply(Action::Set(Setting::ParamMode(ParamMode::Rates)));
    h.run();
    let kd = h.state().document().session.peaks[1].kd_per_s;
    h.get_by_role_and_label(Role::Slider, "k_d (1/s)").set_value_accesskit(kd * 1.01);
    h.run();
    let p = &h.state().document().session.peaks[1];
    assert_eq!(p.ka_per_s, 1.6e8, "k_a untouched by a k_d nudge");
    assert!((p.kd_per_s / (kd * 1.01) - 1.0).abs() < 1e-9, "{}", p.kd_per_s);

    // Typed entry beside the slider takes a value beyond any range shown.
    h.get_by_role_and_label(Role::SpinButton, "k_a (1/s)").set_value_accesskit(4.0e9);
    h.run();
    assert_eq!(h.state().document().session.peaks[1].ka_per_s, 4.0e9);
}

#[test]
fn sliders_clamp_real_values_area_drag_has_a_bounded_gain_and_is_one_undo_step() {
    let mut app = btex_app();
    app.apply(Action::Select(Some(2)));
    let mut h = harness(app);
    h.run();
    let before = h.state().document().clone();
    let area = before.session.peaks[2].area;
    let rect = h.get_by_role_and_label(Role::Slider, "area").rect();
    let start = rect.center();
    h.hover_at(start);
    h.run();
    h.drag_at(start);
    h.run();
    for dx in [10.0, 20.0, 30.0, 40.0, 50.0] {
        h.hover_at(start + egui::vec2(dx, 0.0));
        h.run();
    }
    h.drop_at(start + egui::vec2(50.0, 0.0));
    h.run();
    let dragged = h.state().document().session.peaks[2].area;
    assert!(dragged > area, "the drag moved the area up: {area} -> {dragged}");
    assert!(dragged / area < 100.0, "a 50-point drag stays within two decades: {area} -> {dragged}");
    h.state_mut().apply(Action::Command(Command::Undo));
    assert_eq!(h.state().document(), &before, "one drag, one undo step");
}

fn run_app() -> App {
    let mut doc = Document::new(Session::new(elute::model::Column::default_preset(), Vec::new()));
    doc.run = Some(std::sync::Arc::new(elute::session::LoadedRun {
        path: None,
        channels: vec![synthetic_run()],
        channel: 0,
    }));
    App::new(doc, AppConfig::default())
}

#[test]
fn fit_peak_after_a_drag_keeps_the_peak_and_says_so() {
    let mut app = run_app();
    app.ensure_curves();
    app.apply(Action::AddPeakAt { time_s: 119.0 });
    let added = app.document().session.peaks[0].clone();
    // Drag its apex 75 s off the data's peaks, onto flat baseline.
    let moved = elute::app::panels::plot::drag_peak(
        app.document(),
        0,
        120.0,
        elute::app::panels::plot::Handle::Apex,
        165.0 + 30.0,
    )
    .expect("in the model's reach");
    app.apply(Action::SetPeak { index: 0, peak: moved.clone(), gesture: Gesture::Single });
    let mut h = harness(app);
    h.run();
    h.state_mut().apply(Action::Command(Command::FitPeak));
    wait_for_job(&mut h);
    let doc = h.state().document();
    assert_eq!(doc.session.peaks.len(), 1);
    let p = &doc.session.peaks[0];
    assert!(p.area > 0.0, "the peak is still there: {p:?}");
    let msg = h.state().message().to_string();
    assert_eq!(p, &moved, "the fit's zero area is refused, the peak kept as it was: {msg}");
    assert!(msg.contains("found no peak") && msg.contains(&added.name), "the status bar says why: {msg}");
}

#[test]
fn switching_the_column_to_geometry_moves_no_peak() {
    // A fitted hold-up column as a run gets (t0 and β not the paper's), with the peaks of a session on it.
    let mut session = Session::paper_btex();
    let moments_on = |c: &elute::model::Column, s: &Session| -> Vec<(f64, f64)> {
        s.peaks.iter().map(|p| elute::model::moments(c, p)).map(|m| (m.mean_s, m.variance_s2)).collect()
    };
    session.column =
        elute::model::Column::from_holdup(61.3, 180.0, 2.5).and_then(|c| c.with_inlet_tail_s(1.7)).unwrap();
    let before = moments_on(&session.column, &session);
    let mut h = harness(App::new(Document::new(session), AppConfig::default()));
    h.run();
    h.get_by_label("Geometry").click();
    h.run();
    let doc = h.state().document();
    let column = doc.session.column;
    assert!(column.has_geometry(), "switched");
    assert!((column.holdup_time_s() / 61.3 - 1.0).abs() < 1e-9, "t0 {}", column.holdup_time_s());
    assert!((column.phase_ratio() / 180.0 - 1.0).abs() < 1e-9, "β {}", column.phase_ratio());
    assert_eq!((column.injection_s(), column.inlet_tail_s()), (2.5, 1.7));
    for ((m0, v0), (m1, v1)) in before.iter().zip(moments_on(&column, &doc.session)) {
        assert!((m1 / m0 - 1.0).abs() < 1e-9 && (v1 / v0 - 1.0).abs() < 1e-6, "({m0}, {v0}) -> ({m1}, {v1})");
    }
    h.state_mut().apply(Action::Command(Command::Undo));
    assert!(!h.state().document().session.column.has_geometry(), "one undo step back");
}

#[test]
fn changing_channel_detects_and_fits_the_new_channels_peaks() {
    let first = synthetic_run();
    let gauss = |t: f64| 700.0 / (2.5 * (2.0 * std::f64::consts::PI).sqrt()) * (-(t - 90.0).powi(2) / 12.5).exp();
    let second = elute::chromatogram::Chromatogram {
        signal: first.time_s.iter().enumerate().map(|(i, &t)| 50.0 + gauss(t) + 0.02 * ((i % 7) as f64)).collect(),
        channel: "TCD2B".into(),
        ..first.clone()
    };
    let mut doc = Document::new(Session::new(elute::model::Column::default_preset(), Vec::new()));
    doc.run =
        Some(std::sync::Arc::new(elute::session::LoadedRun { path: None, channels: vec![first, second], channel: 0 }));
    let mut h = harness(App::new(doc, AppConfig::default()));
    h.run();
    h.state_mut().apply(Action::Command(Command::DetectPeaks));
    wait_for_job(&mut h);
    let on_first = h.state().document().clone();
    assert_eq!(on_first.session.peaks.len(), 2, "the first channel's two peaks");

    h.get_by_role_and_label(Role::ComboBox, "Channel").click();
    h.run();
    h.get_by_label("2: TCD2B").click();
    h.run();
    wait_for_job(&mut h);
    let doc = h.state().document();
    assert_eq!(doc.run.as_ref().map(|r| r.channel), Some(1));
    // Only the second channel's peak carries area (detection may add a speck of noise, never 60 s or 120 s).
    let real: Vec<usize> = (0..doc.session.peaks.len()).filter(|&i| doc.session.peaks[i].area > 10.0).collect();
    assert_eq!(real.len(), 1, "only the second channel's peak: {:?}", doc.session.peaks);
    let mean = elute::model::moments(&doc.session.column, &doc.session.peaks[real[0]]).mean_s;
    assert!((mean - 90.0).abs() < 1.0, "fitted where the second channel's peak is: {mean}");
    assert!(doc.fits[real[0]].is_some(), "and fitted");
    assert!(h.state().message().contains("found and fitted"), "{}", h.state().message());

    h.state_mut().apply(Action::Command(Command::Undo));
    assert_eq!(h.state().document(), &on_first, "the switch and its detection are one undo step");
}

/// The BTEX document with its data folder in `dir` and one unsaved edit (the first peak's area set to 4321).
fn edited_btex(dir: &std::path::Path) -> Harness<'static, App> {
    let config = AppConfig { data_dir: Some(data_dir(dir)), native_dialogs: false };
    let mut h = harness(App::new(Document::new(Session::paper_btex()), config));
    h.run();
    let mut p = h.state().document().session.peaks[0].clone();
    p.area = 4321.0;
    h.state_mut().apply(Action::SetPeak { index: 0, peak: p, gesture: Gesture::Single });
    h.run();
    h
}

fn data_dir(dir: &std::path::Path) -> elute::app::data_dir::DataDir {
    elute::app::data_dir::DataDir::new(dir.join("data"))
}

#[test]
fn lost_work_autosave_runs_also_when_the_session_has_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("btex.elute.json");
    let config = AppConfig { data_dir: Some(data_dir(dir.path())), native_dialogs: false };
    let mut h = harness(App::new(Document::new(Session::paper_btex()), config));
    h.run();
    h.state_mut().apply(Action::SavePath(file.clone()));
    h.run();
    assert!(data_dir(dir.path()).read_autosave().is_none(), "nothing to autosave after a save");
    let mut p = h.state().document().session.peaks[0].clone();
    p.area = 4321.0;
    h.state_mut().apply(Action::SetPeak { index: 0, peak: p, gesture: Gesture::Single });
    h.run();
    let autosave = data_dir(dir.path()).read_autosave().expect("the edit of a saved session is autosaved");
    assert_eq!(autosave.session.peaks[0].area, 4321.0);
    assert_eq!(autosave.session_file.as_deref(), Some(file.as_path()));
}

#[test]
fn lost_work_crash_recovery_restores_the_run_and_names_the_file_and_time() {
    let dir = tempfile::tempdir().unwrap();
    let run_path = dir.path().join("SOLV001.CDF");
    std::fs::copy(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/SOLV001.CDF"), &run_path).unwrap();
    let (_, reference) = elute::session::open::read_run(&run_path).unwrap();
    let mut edited = Session::paper_btex();
    edited.run = Some(reference);
    edited.peaks[2].area = 777.0;
    let file = dir.path().join("solv.elute.json");
    data_dir(dir.path()).write_autosave(&edited, Some(&file)).unwrap();

    let config = AppConfig { data_dir: Some(data_dir(dir.path())), native_dialogs: false };
    let mut h = harness(App::new(Document::new(Session::paper_btex()), config));
    h.run();
    let offer = label_starting(&h, "Elute did not close cleanly");
    assert!(offer.contains("solv.elute.json") && offer.contains(" ago"), "names the file and its time: {offer}");
    // The offer blocks the app: the rest of the window does not take clicks.
    h.query_all_by_label("benzene").next().expect("the table row").click();
    h.run();
    assert_eq!(h.state().selected(), None, "the table behind the offer took a click");
    h.get_by_label("Restore").click();
    h.run();
    let doc = h.state().document();
    assert_eq!(doc.session.peaks, edited.peaks, "the restored edits");
    let run = doc.run.as_ref().expect("the run is restored too");
    assert_eq!(run.path.as_deref(), Some(run_path.as_path()));
    assert!(h.state().is_dirty(), "restored edits are unsaved");
    assert!(!h.state().job_running(), "no auto-fit replaces the restored edits");
}

#[test]
fn lost_work_ctrl_q_and_open_ask_before_discarding_unsaved_changes() {
    let dir = tempfile::tempdir().unwrap();
    let other = dir.path().join("other.elute.json");
    elute::session::save(&Session::new(elute::model::Column::default_preset(), Vec::new()), &other).unwrap();
    let mut h = edited_btex(dir.path());
    let edited = h.state().document().clone();

    // Ctrl+Q asks; Cancel stays.
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Q);
    h.run();
    assert!(!h.state().is_closing());
    h.get_by_label("Cancel").click();
    h.run();
    assert!(!h.state().is_closing() && h.query_by_label("Unsaved changes").is_none());

    // Open asks too; Cancel keeps the document.
    h.state_mut().apply(Action::OpenPath(other.clone()));
    h.run();
    assert_eq!(h.state().document(), &edited, "nothing opened before the answer");
    h.get_by_label("Unsaved changes");
    h.get_by_label("Cancel").click();
    h.run();
    assert_eq!(h.state().document(), &edited);

    // Save as… from the question saves under the typed path, then goes on (here: quits).
    let saved = dir.path().join("kept.elute.json");
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Q);
    h.run();
    h.get_by_label("Save as…").click();
    h.run();
    h.get_by_role(Role::TextInput).focus();
    h.run();
    h.get_by_role(Role::TextInput).type_text(&saved.display().to_string());
    h.run();
    h.get_by_label("OK").click();
    h.run();
    assert_eq!(elute::session::load(&saved).unwrap().peaks[0].area, 4321.0, "saved before quitting");
    assert!(h.state().is_closing(), "and then quit");
    h.state().on_clean_exit();
    assert!(data_dir(dir.path()).read_autosave().is_none(), "a clean quit leaves no 'did not close cleanly'");
}

#[test]
fn lost_work_discarding_on_quit_leaves_no_crash_offer() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = edited_btex(dir.path());
    assert!(data_dir(dir.path()).read_autosave().is_some(), "autosaved meanwhile");
    h.state_mut().apply(Action::Command(Command::Quit));
    h.run();
    h.get_by_label("Discard changes").click();
    h.run();
    assert!(h.state().is_closing());
    h.state().on_clean_exit();
    assert!(data_dir(dir.path()).read_autosave().is_none());
}

/// The run app with its two peaks detected and fitted, drawn.
fn fitted_run_harness() -> Harness<'static, App> {
    let mut h = harness(run_app());
    h.run();
    h.state_mut().apply(Action::Command(Command::DetectPeaks));
    wait_for_job(&mut h);
    h.run();
    h
}

/// Where peak `i`'s apex is drawn on screen.
fn apex_on_screen(h: &Harness<'_, App>, i: usize) -> egui::Pos2 {
    let app = h.state();
    let (t, y) = app.curves().apex[i].expect("an apex");
    let base = app.document().session.baseline.as_ref().map_or(0.0, |b| b.value_at(t));
    app.plot_transform().expect("drawn").position_from_point(&egui_plot::PlotPoint::new(t, base + y))
}

fn click_at(h: &mut Harness<'_, App>, pos: egui::Pos2, button: egui::PointerButton, modifiers: egui::Modifiers) {
    h.event(egui::Event::ModifiersChanged(modifiers));
    h.hover_at(pos);
    h.run();
    for pressed in [true, false] {
        h.event(egui::Event::PointerButton { pos, button, pressed, modifiers });
    }
    h.run();
    h.event(egui::Event::ModifiersChanged(egui::Modifiers::NONE));
    h.run();
}

#[test]
fn pointing_at_peaks_click_selects_shift_click_adds_right_click_deletes() {
    let mut h = fitted_run_harness();
    let n = h.state().document().session.peaks.len();
    assert_eq!(n, 2);
    let at = apex_on_screen(&h, 1);
    click_at(&mut h, at, egui::PointerButton::Primary, egui::Modifiers::NONE);
    assert_eq!(h.state().selected(), Some(1), "a click on a curve selects it");
    assert_eq!(h.state().document().session.peaks.len(), n, "and adds no duplicate");
    assert!(label_starting(&h, "Plot: click a curve").contains("Shift+click to add"), "the status bar says how");

    // Hovering shows the name, t_R and area.
    h.hover_at(apex_on_screen(&h, 0) + egui::vec2(0.0, 2.0));
    h.run();
    h.run();
    let name = h.state().document().session.peaks[0].name.clone();
    let tip = h
        .query_all_by_role(Role::Label)
        .filter_map(|n| n.value())
        .find(|l| l.starts_with(&name) && l.contains("t_R") && l.contains("area"));
    assert!(tip.is_some(), "a hover tip naming {name} with t_R and area");

    // Shift+click adds a peak where the model misses one: between the two.
    let gap = h.state().plot_transform().unwrap().position_from_point(&egui_plot::PlotPoint::new(90.0, 100.0));
    click_at(&mut h, gap, egui::PointerButton::Primary, egui::Modifiers::SHIFT);
    let after_add = h.state().document().session.peaks.len();
    assert!(after_add == n + 1 || h.state().message().contains("no peak above the model"), "{}", h.state().message());

    // Right-click on a curve deletes it.
    let ids_before = h.state().document().ids.clone();
    let at = apex_on_screen(&h, 0);
    click_at(&mut h, at, egui::PointerButton::Secondary, egui::Modifiers::NONE);
    assert_eq!(h.state().document().session.peaks.len(), after_add - 1, "right-click deleted the curve");
    assert_eq!(h.state().document().ids, ids_before[1..].to_vec(), "the first peak went, the others kept their ids");
}

#[test]
fn pointing_at_peaks_the_whole_table_row_selects_and_colours_follow_the_peak() {
    let mut h = harness(btex_app());
    h.run();
    let doc = h.state().document().clone();
    // A retention-time cell, not the name, selects its row.
    let t_r = format!("{:.2}", h.state().curves().metrics[1].as_ref().unwrap().retention_time_s);
    let name = doc.session.peaks[1].name.clone();
    h.query_all_by_label(&format!("{name}, t_R (s): {t_r}")).next().expect("the t_R cell").click();
    h.run();
    assert_eq!(h.state().selected(), Some(1));
    // Colours follow ids, so deleting the first peak does not recolour the second.
    let second = elute::app::panels::plot::peak_color(doc.ids[1]);
    h.state_mut().apply(Action::RemovePeak(0));
    let now = h.state().document();
    assert_eq!(elute::app::panels::plot::peak_color(now.ids[0]), second);
    assert_ne!(elute::app::panels::plot::peak_color(0), elute::app::panels::plot::peak_color(8), "no repeat at 8");
}

#[test]
fn pointing_at_peaks_the_width_handle_is_apart_from_the_apex_and_has_a_sane_gain() {
    use elute::app::panels::plot::Handle;
    let mut h = fitted_run_harness();
    h.state_mut().apply(Action::Select(Some(0)));
    h.run();
    let apex = h.state().handle_on_screen(Handle::Apex).expect("apex handle");
    let width = h.state().handle_on_screen(Handle::Width).expect("width handle");
    assert!(width.x - apex.x >= 29.0, "the width handle stands apart from the apex line: {apex:?} {width:?}");
    let sigma = |app: &App| {
        let d = app.document();
        elute::model::moments(&d.session.column, &d.session.peaks[0]).variance_s2.sqrt()
    };
    let before = sigma(h.state());
    h.hover_at(width);
    h.run();
    h.drag_at(width);
    h.run();
    for dx in [6.0, 12.0, 18.0] {
        h.hover_at(width + egui::vec2(dx, 0.0));
        h.run();
    }
    h.drop_at(width + egui::vec2(18.0, 0.0));
    h.run();
    let after = sigma(h.state());
    assert!(after > before && after / before < 2.0, "an 18-point drag widens by less than 2x: {before} -> {after}");
    h.state_mut().apply(Action::Command(Command::Undo));
    assert!((sigma(h.state()) / before - 1.0).abs() < 1e-12, "one undo step");
}

#[test]
fn results_you_can_read_the_legend_lists_only_measured_and_model() {
    let mut h = fitted_run_harness();
    h.run();
    let names: Vec<String> = h.state().document().session.peaks.iter().map(|p| p.name.clone()).collect();
    for name in &names {
        // The peak table names each peak once; the legend no more.
        assert_eq!(h.query_all_by_label(name).count(), 1, "{name} only in the table");
    }
    h.get_by_label("measured");
    h.get_by_label("model (sum + baseline)");
}
