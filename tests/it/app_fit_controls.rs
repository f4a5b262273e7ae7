//! The fit controls and what the peak table says about a fit: quality flags in colour, the inlet tail held or
//! fitted, a hold-up time given by the user, and fits on the column the user edited. Driven headless through
//! egui_kittest.
#![cfg(feature = "gui")]

use egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::{By, NodeT, Queryable};

use crate::app_workflows::wait_for_job;
use elute::app::actions::Action;
use elute::app::panels::peak_table::{quality_colour, quality_of};
use elute::app::state::{Document, Gesture};
use elute::app::{App, AppConfig};
use elute::fit::Quality;
use elute::session::{LoadedRun, PeakFitSummary, Session};

use crate::app_workflows::synthetic_run;

fn harness(app: App) -> Harness<'static, App> {
    crate::app_workflows::harness_sized(app, 1600.0, 1000.0)
}

/// The text of every label and button (table cells are selectable labels, which are buttons).
fn labels(h: &Harness<'_, App>) -> Vec<String> {
    let text = |n: egui_kittest::Node<'_>| {
        let n = n.accesskit_node();
        if n.role() == Role::Label { n.value() } else { n.label() }
    };
    h.query_all(By::new().predicate(|n| matches!(n.role(), Role::Label | Role::Button))).filter_map(text).collect()
}

/// Fit figures of a peak named `name` with this R² and flag.
fn summary(name: &str, r2: f64, quality: Quality) -> PeakFitSummary {
    PeakFitSummary {
        name: name.into(),
        ka_se_per_s: None,
        kd_se_per_s: None,
        ka_kd_correlation: 0.0,
        area_se: None,
        mu: 1.0,
        retention_factor: 1.0,
        retention_time_s: 100.0,
        r2: Some(r2),
        sse: 1.0,
        n_points: 100,
        termination: "converged".into(),
        error: None,
        quality,
        window_s: None,
        cluster: None,
    }
}

#[test]
fn quality_flags_show_in_the_table_and_replace_numbers_that_look_fine() {
    let mut doc = Document::new(Session::paper_btex());
    let names: Vec<String> = doc.session.peaks.iter().map(|p| p.name.clone()).collect();
    doc.fits[0] = Some(summary(&names[0], -0.25, Quality::PoorFit));
    doc.session.peaks[1].area = 0.0;
    doc.fits[1] = Some(summary(&names[1], 0.93, Quality::AreaAtBound));
    doc.session.peaks[2].ka_per_s = 91.402545;
    doc.fits[2] = Some(PeakFitSummary { ka_se_per_s: Some(0.19152), ..summary(&names[2], 0.999, Quality::Ok) });
    doc.fits[3] = Some(summary(&names[3], 0.98, Quality::NotDetermined));
    let mut h = harness(App::new(doc, AppConfig::default()));
    h.run();
    let l = labels(&h);
    // The cells shown (each named "peak, column: text"); the quality column names each flag, unfitted peaks say so.
    let count = |s: &str| l.iter().filter(|t| t.ends_with(&format!(": {s}"))).count();
    assert_eq!(count("poor_fit"), 1, "{l:?}");
    assert_eq!(count("area_at_bound"), 1, "{l:?}");
    assert_eq!(count("ok"), 1, "{l:?}");
    assert_eq!(count("not_determined"), 1, "{l:?}");
    assert_eq!(count("not_fitted"), names.len() - 4, "{l:?}");
    // R² below 0 is shown as the flag, not as a number; a zero area too.
    assert_eq!(count("< 0 (poor_fit)"), 1, "{l:?}");
    assert!(!l.iter().any(|t| t.contains("-0.25")), "{l:?}");
    assert_eq!(count("0 (area_at_bound)"), 1, "{l:?}");
    // No cell of that peak shows its zero area as a number that looks like a value.
    let zero_area_cells: Vec<&String> = l.iter().filter(|t| t.starts_with(&format!("{}, ", names[1]))).collect();
    assert!(!zero_area_cells.is_empty(), "{l:?}");
    assert!(!zero_area_cells.iter().any(|t| t.contains("e0") || t.ends_with(": 0")), "{zero_area_cells:?}");
    // A fine R² is still a number.
    assert_eq!(count("0.9990"), 1, "{l:?}");
    // A value with its standard error carries the digits the error sets.
    assert_eq!(count("91.40 ± 0.19"), 1, "{l:?}");
}

#[test]
fn quality_flags_have_their_own_colours() {
    for visuals in [egui::Visuals::dark(), egui::Visuals::light()] {
        let c = |q| quality_colour(q, &visuals);
        assert_eq!(c(Quality::PoorFit), Some(visuals.error_fg_color));
        assert_eq!(c(Quality::AreaAtBound), Some(visuals.error_fg_color));
        assert_eq!(c(Quality::NotDetermined), Some(visuals.warn_fg_color));
        let (ok, added) = (c(Quality::Ok).unwrap(), c(Quality::Added).unwrap());
        assert!(ok.g() > ok.r() && ok.g() > ok.b(), "ok is green: {ok:?}");
        assert!(added.b() > added.r() && added.b() > added.g(), "added is blue: {added:?}");
        assert_eq!(c(Quality::NotFitted), None);
    }
    for q in [Quality::Ok, Quality::PoorFit, Quality::AreaAtBound, Quality::NotDetermined, Quality::Added] {
        assert_eq!(quality_of(q.label()), q);
    }
}

/// The synthetic two-peak run on the generic preset column (assumed, as a run opened without a session).
fn run_app() -> App {
    let mut doc = Document::new(Session::new(elute::model::Column::default_preset(), Vec::new()));
    doc.column_assumed = true;
    doc.run = Some(std::sync::Arc::new(LoadedRun { path: None, channels: vec![synthetic_run()], channel: 0 }));
    App::new(doc, AppConfig::default())
}

/// Clicks the button or checkbox labelled `label`, then runs the job it starts (if any) to its end.
fn click_and_wait(h: &mut Harness<'_, App>, label: &str) {
    h.get_by_label(label).click();
    h.step();
    wait_for_job(h);
    h.run();
}

/// Sets the number field labelled `label` to `value`: the one in the column panel (leftmost) or the one in the
/// fit panel (rightmost).
fn set_spin(h: &mut Harness<'_, App>, label: &str, rightmost: bool, value: f64) {
    let mut fields: Vec<_> = h.query_all_by_role_and_label(Role::SpinButton, label).collect();
    assert!(!fields.is_empty(), "no field {label}");
    fields.sort_by(|a, b| a.rect().min.x.total_cmp(&b.rect().min.x));
    let field = if rightmost { fields.last() } else { fields.first() };
    field.unwrap().set_value_accesskit(value);
    h.run();
}

#[test]
fn fit_the_inlet_tail_box_holds_tau_on_a_known_column_unless_ticked() {
    let mut h = harness(run_app());
    h.run();
    assert!(h.state().fits_inlet_tail(), "on the assumed preset τ is fitted by default");
    click_and_wait(&mut h, "Detect peaks");
    // The user gives the column (a known column, with a τ off the run's): the box is now off by default.
    let column = h.state().document().session.column;
    let tau_s = 3.0 * column.inlet_tail_s() + 1.0;
    let column = column.with_inlet_tail_s(tau_s).unwrap();
    h.state_mut().apply(Action::SetColumn { column, gesture: Gesture::Single });
    h.run();
    assert!(!h.state().fits_inlet_tail());
    click_and_wait(&mut h, "Fit all");
    assert!(h.state().error().is_none(), "{:?}", h.state().error());
    let held = h.state().document().session.column.inlet_tail_s();
    assert_eq!(held, tau_s, "unticked, Fit all holds τ at the column's value");
    // Ticked, τ is fitted with the peaks.
    click_and_wait(&mut h, "Fit the inlet tail τ");
    assert!(h.state().fits_inlet_tail());
    click_and_wait(&mut h, "Fit all");
    let fitted = h.state().document().session.column.inlet_tail_s();
    assert!((fitted - tau_s).abs() > 1e-3 * tau_s, "ticked, τ is fitted: {fitted} s from {tau_s} s");
    assert!(h.state().document().session.fit.as_ref().is_some_and(|f| f.fitted.inlet_tail));
}

const NOT_DETERMINED: &str = "This run does not determine t0 (hold-up time)";

#[test]
fn t0_not_determined_is_said_and_a_typed_t0_is_held_by_the_next_fit() {
    let mut h = harness(run_app());
    h.run();
    assert!(h.query_by_label(NOT_DETERMINED).is_none(), "nothing fitted yet");
    click_and_wait(&mut h, "Detect peaks");
    let notes = h.state().document().session.fit.as_ref().map(|f| f.notes.clone()).unwrap_or_default();
    assert!(h.state().t0_undetermined(), "{notes:?}");
    h.get_by_label(NOT_DETERMINED);
    // "Set the column" points at the column panel: its t0 field takes the keyboard focus.
    h.get_by_label("Set the column (panel on the left)").click();
    h.run();
    let mut t0_fields: Vec<_> = h.query_all_by_role_and_label(Role::SpinButton, "Hold-up time t0").collect();
    t0_fields.sort_by(|a, b| a.rect().min.x.total_cmp(&b.rect().min.x));
    assert!(t0_fields[0].is_focused(), "the column panel's t0 field has the focus");
    let before = h.state().document().session.column;
    h.key_press(egui::Key::Escape);
    h.run();
    assert!(h.state().document().column_assumed, "focusing the field changes no column: {}", h.state().message());
    assert_eq!(h.state().document().session.column, before);
    let n = h.query_all_by_role_and_label(Role::SpinButton, "Hold-up time t0").count();
    assert_eq!(n, 2, "{:?}", labels(&h));
    // Entering t0 in the fit panel gives it to the column, and the next fit holds it.
    set_spin(&mut h, "Hold-up time t0", true, 25.0);
    assert!(h.state().document().holdup_known);
    assert!(h.state().document().column_assumed, "k_a still depends on the assumed phase ratio");
    assert_eq!(h.state().document().session.column.holdup_time_s(), 25.0);
    click_and_wait(&mut h, "Fit all");
    assert!(h.state().error().is_none(), "{:?}", h.state().error());
    let doc = h.state().document();
    assert_eq!(doc.session.column.holdup_time_s(), 25.0, "the fit held the given t0");
    assert!(doc.session.fit.as_ref().is_some_and(|f| !f.fitted.holdup_time), "{:?}", doc.session.fit);
    assert!(h.query_by_label(NOT_DETERMINED).is_none());

    // On a run not fitted yet, the first detection would fit t0 on the assumed column: a given t0 is held.
    let mut h = harness(run_app());
    h.run();
    h.state_mut().apply(Action::SetHoldupTime { holdup_time_s: 25.0 });
    click_and_wait(&mut h, "Detect peaks");
    let doc = h.state().document();
    assert_eq!(doc.session.column.holdup_time_s(), 25.0, "the detection held the given t0");
    assert!(doc.session.fit.as_ref().is_some_and(|f| !f.fitted.holdup_time && f.fitted.injection));
}

#[test]
fn t0_not_determined_the_picked_unretained_peak_gives_t0() {
    let mut h = harness(run_app());
    h.run();
    click_and_wait(&mut h, "Detect peaks");
    assert!(h.state().t0_undetermined());
    h.get_by_label("Pick the unretained peak").click();
    h.run();
    assert!(h.state().picking_unretained());
    assert!(h.state().message().contains("Pick mode"), "the status bar says so: {}", h.state().message());
    // Click a little off the apex of the first measured peak (60 s): its apex is taken.
    let column = h.state().document().session.column;
    let transform = h.state().plot_transform().expect("the plot is drawn");
    let pos = transform.position_from_point(&egui_plot::PlotPoint::new(59.5, 150.0));
    let modifiers = egui::Modifiers::NONE;
    h.hover_at(pos);
    h.run();
    for pressed in [true, false] {
        h.event(egui::Event::PointerButton { pos, button: egui::PointerButton::Primary, pressed, modifiers });
    }
    h.run();
    assert!(!h.state().picking_unretained(), "one click picks: {}", h.state().message());
    let expected_s = 60.0 - 0.5 * column.injection_s() - column.inlet_tail_s();
    let t0_s = h.state().document().session.column.holdup_time_s();
    assert!((t0_s - expected_s).abs() < 0.15, "t0 {t0_s} s, expected {expected_s} s");
    assert!(h.state().document().holdup_known);
}

#[test]
fn detect_and_fit_all_fit_on_the_column_edited_in_the_panel() {
    let mut h = harness(run_app());
    h.run();
    click_and_wait(&mut h, "Detect peaks");
    set_spin(&mut h, "Hold-up time t0", false, 12.5);
    let edited = h.state().document().clone();
    assert!(!edited.column_assumed, "an edited column is the user's, not the preset");
    assert_eq!(edited.session.column.holdup_time_s(), 12.5);
    let injection_s = edited.session.column.injection_s();
    for button in ["Detect peaks", "Fit all"] {
        click_and_wait(&mut h, button);
        assert!(h.state().error().is_none(), "{button}: {:?}", h.state().error());
        let doc = h.state().document();
        assert!(!doc.session.peaks.is_empty(), "{button}");
        assert_eq!(doc.session.column.holdup_time_s(), 12.5, "{button} held t0");
        assert_eq!(doc.session.column.injection_s(), injection_s, "{button} held t1");
        let fit = doc.session.fit.as_ref().expect("a fit summary");
        assert!(!fit.fitted.holdup_time && !fit.fitted.injection, "{button}: {fit:?}");
    }
}
