//! Issue 13, "The app a technician can rely on": no silent corruption, no lost work, peaks you can point at.
//! Each test is named after the item it covers, and drives the app headless through egui_kittest.
#![cfg(feature = "gui")]

use egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;

use elute::app::actions::{Action, Command, Setting};
use elute::app::params::ParamMode;
use elute::app::state::{Document, Gesture};
use elute::app::{App, AppConfig};
use elute::session::Session;

fn harness(app: App) -> Harness<'static, App> {
    Harness::builder().with_size(egui::vec2(1400.0, 1000.0)).build_ui_state(|ui, app: &mut App| app.ui(ui), app)
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
