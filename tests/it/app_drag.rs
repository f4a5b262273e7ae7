//! Dragging with the pointer: drag frames get preview curves (the dragged peak only, at screen resolution), the
//! peak table shows no figure from them, and the release brings the full-resolution result.
#![cfg(feature = "gui")]

use egui_kittest::Harness;
use egui_kittest::kittest::{By, NodeT, Queryable};

use elute::app::actions::Action;
use elute::app::panels::peak_table::PENDING;
use elute::app::panels::plot::Handle;
use elute::app::state::Curves;
use elute::app::{App, AppConfig};

use crate::app_frame_time::busy_document;
use crate::app_workflows::harness_sized;

/// The curves `app` shows equal, bit for bit, the curves computed from scratch for its document.
fn assert_full_resolution(app: &App) {
    let shown = app.curves();
    let full = Curves::compute(app.document(), app.settings().method);
    assert!(!shown.is_preview());
    assert_eq!(shown.time_s, full.time_s);
    assert_eq!(shown.peaks, full.peaks);
    assert_eq!(shown.total, full.total);
    assert_eq!(shown.residual, full.residual);
    assert_eq!(shown.apex, full.apex);
    assert_eq!(shown.metrics, full.metrics);
}

/// The accessible name of peak `name`'s t_R cell in the table.
fn t_r_cell(h: &Harness<'_, App>, name: &str) -> Option<String> {
    let prefix = format!("{name}, t_R");
    h.query_all(By::new().label_contains(&prefix)).next().and_then(|n| n.accesskit_node().label())
}

#[test]
fn a_handle_drag_shows_a_preview_and_the_release_the_full_curves() {
    // Eight tailed peaks on 12,000 samples: the 700-point-wide plot previews the whole run at about every 4th.
    let doc = busy_document(12_000, 0.05, 8, 0.5);
    let mut h = harness_sized(App::new(doc, AppConfig::default()), 1400.0, 900.0);
    h.run();
    h.state_mut().apply(Action::Select(Some(3)));
    h.run();
    let name = h.state().document().session.peaks[3].name.clone();
    let at = h.state().handle_on_screen(Handle::Width).expect("the width handle is drawn");
    h.hover_at(at);
    h.run();
    h.drag_at(at);
    h.step();
    for dx in [5.0, 10.0, 15.0] {
        h.hover_at(at + egui::vec2(dx, 0.0));
        h.step();
        let curves = h.state().curves();
        assert!(curves.is_preview_peak(3), "a drag frame previews the dragged peak");
        assert_eq!(curves.metrics[3], None, "and computes no lab metrics from the preview");
        assert!((0..8).filter(|&i| i != 3).all(|i| !curves.is_preview_peak(i)), "the others are kept as they were");
        assert_eq!(t_r_cell(&h, &name), Some(format!("{name}, t_R (s): {PENDING}")), "the table waits");
    }
    let widened = h.state().document().session.peaks[3].clone();
    let button = egui::PointerButton::Primary;
    let to = at + egui::vec2(15.0, 0.0);
    h.event(egui::Event::PointerButton { pos: to, button, pressed: false, modifiers: egui::Modifiers::NONE });
    h.step();
    assert_full_resolution(h.state());
    h.run();
    assert_full_resolution(h.state());
    assert_eq!(h.state().document().session.peaks[3], widened, "the release kept the dragged peak");
    assert!(t_r_cell(&h, &name).is_some_and(|l| !l.contains(PENDING)), "the table shows t_R again");
}

#[test]
fn a_slider_drag_with_the_pointer_previews_and_the_release_finishes() {
    let doc = busy_document(12_000, 0.05, 8, 0.5);
    let mut h = harness_sized(App::new(doc, AppConfig::default()), 1400.0, 900.0);
    h.run();
    h.state_mut().apply(Action::Select(Some(3)));
    h.run();
    let before = h.state().document().session.peaks[3].clone();
    let slider =
        h.get_by(|n| n.role() == egui::accesskit::Role::Slider && n.label().is_some_and(|l| l.starts_with("k_d")));
    let at = slider.rect().center();
    h.hover_at(at);
    h.run();
    h.drag_at(at);
    h.step();
    let mut previewed = 0;
    for dx in [6.0, 12.0, 18.0] {
        h.hover_at(at + egui::vec2(dx, 0.0));
        h.step();
        let curves = h.state().curves();
        assert!((0..8).filter(|&i| i != 3).all(|i| !curves.is_preview_peak(i)), "only the edited peak changes");
        if curves.is_preview_peak(3) {
            previewed += 1;
            assert_eq!(curves.metrics[3], None, "no lab metrics from a preview");
        }
    }
    assert!(previewed > 0, "the slider drag previewed");
    let to = at + egui::vec2(18.0, 0.0);
    let button = egui::PointerButton::Primary;
    h.event(egui::Event::PointerButton { pos: to, button, pressed: false, modifiers: egui::Modifiers::NONE });
    h.step();
    h.run();
    assert_full_resolution(h.state());
    assert_ne!(h.state().document().session.peaks[3].kd_per_s, before.kd_per_s, "the drag changed k_d");
}
