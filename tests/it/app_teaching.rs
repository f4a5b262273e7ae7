//! The teaching views of the app, driven headless through egui_kittest: the column view's time control.
#![cfg(feature = "gui")]

use egui::accesskit::Role;
use egui_kittest::kittest::{By, NodeT, Queryable};

use elute::app::state::Document;
use elute::app::{App, AppConfig};
use elute::model::closed;
use elute::session::Session;

use super::app_workflows::harness_sized;

fn btex_app() -> App {
    App::new(Document::new(Session::paper_btex()), AppConfig::default())
}

/// The text of the first label containing `needle`.
fn label_containing(h: &egui_kittest::Harness<'_, App>, needle: &str) -> String {
    let text = |n: egui_kittest::Node<'_>| {
        let n = n.accesskit_node();
        if n.role() == Role::Label { n.value() } else { n.label() }
    };
    h.query_all(By::new().predicate(|n| n.role() == Role::Label))
        .filter_map(text)
        .find(|t| t.contains(needle))
        .unwrap_or_else(|| panic!("no label contains {needle:?}"))
}

/// The gas band's apex position (m) of peak `i` in the view's last frame.
fn apex_m(app: &App, i: usize) -> f64 {
    let f = app.column_view_frame().expect("the column view is drawn");
    let g = &f.bands[i].gas;
    let k = (0..g.len()).max_by(|&a, &b| g[a].total_cmp(&g[b])).unwrap();
    f.x[k]
}

#[test]
fn the_column_view_plays_and_scrubs_and_its_time_is_the_chromatogram_cursor() {
    let mut h = harness_sized(btex_app(), 1280.0, 800.0);
    h.run();
    assert!(h.state().column_view_frame().is_none() && h.state().plot_cursor_s().is_none());
    // View ▸ Column view opens it under the chromatogram, at t = 0 (nothing in the column yet).
    h.get_by_label("View").click();
    h.run();
    h.get_by_label("Column view (bands inside the column)").click();
    h.run();
    assert_eq!(h.state().plot_cursor_s(), Some(0.0));
    let frame = h.state().column_view_frame().expect("drawn");
    assert_eq!(frame.bands.len(), 5);
    assert!(frame.metres && (frame.x.last().unwrap() - 20.0).abs() < 1e-12);
    label_containing(&h, "no band is leaving the column");

    // Scrub to 60 s: the bands are inside, benzene ahead of toluene, and the cursor follows.
    h.state_mut().column_view_mut().time_s = 60.0;
    h.run();
    assert_eq!(h.state().plot_cursor_s(), Some(60.0));
    let (benzene, toluene) = (apex_m(h.state(), 0), apex_m(h.state(), 1));
    assert!(benzene > toluene && toluene > 0.0, "benzene {benzene} m, toluene {toluene} m");

    // Play at 20×: time moves on, and so do the bands and the cursor.
    h.state_mut().column_view_mut().speed = 20.0;
    h.get_by_label("Play").click();
    for _ in 0..10 {
        h.step();
    }
    let view = h.state().column_view().clone();
    assert!(view.playing && view.time_s > 60.5, "{view:?}");
    assert_eq!(h.state().plot_cursor_s(), Some(view.time_s));
    assert!(apex_m(h.state(), 0) > benzene, "the benzene band moved down the column");
    h.get_by_label("Pause").click();
    h.run();
    assert!(!h.state().column_view().playing);

    // At 0.25× a frame moves the time by a few ms, and the slider does not round that away.
    h.state_mut().column_view_mut().speed = 0.25;
    let before_s = h.state().column_view().time_s;
    h.get_by_label("Play").click();
    for _ in 0..3 {
        h.step();
    }
    let moved_s = h.state().column_view().time_s - before_s;
    assert!(moved_s > 0.0 && moved_s < 0.1, "moved {moved_s} s in three frames at 0.25×");
    h.get_by_label("Pause").click();
    h.run();

    // At toluene's mean the outlet readout names it and matches the model curve under the cursor.
    let col = &h.state().document().session.column.clone();
    let toluene_peak = h.state().document().session.peaks[1].clone();
    let t = elute::model::moments(col, &toluene_peak).mean_s;
    h.state_mut().column_view_mut().time_s = t;
    h.run();
    let curve = closed::peak_signal(col, &toluene_peak, &[t])[0];
    let label = label_containing(&h, "At the outlet (x = L)");
    assert!(label.contains("toluene") && label.contains("(the same value)"), "{label}");
    assert!(
        label.contains(&format!("{curve:.4}")),
        "{label} vs {curve} at {t} s, view at {} s",
        h.state().column_view().time_s
    );
}
