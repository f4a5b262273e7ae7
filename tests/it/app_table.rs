//! Issue 13, "The app a technician can rely on": the peak table and opening files. Each test is named after the
//! item it covers and drives the app headless through egui_kittest.
#![cfg(feature = "gui")]

use egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};

use elute::app::actions::{Action, Command};
use elute::app::state::Document;
use elute::app::{App, AppConfig};
use elute::session::{self, Session};

use crate::app_workflows::harness_sized;

/// `n` peaks named p00, p01, … in retention order (stored latest first), or unnamed.
fn many_peaks(n: usize, named: bool) -> Session {
    let mut session = Session::paper_btex();
    let template = session.peaks[0].clone();
    session.peaks = (0..n)
        .rev()
        .map(|k| {
            let mut p = template.clone();
            p.name = if named { format!("p{k:02}") } else { String::new() };
            p.ka_per_s = template.ka_per_s * (1.0 + 0.15 * k as f64);
            p
        })
        .collect();
    session
}

fn harness(session: Session) -> Harness<'static, App> {
    harness_sized(App::new(Document::new(session), AppConfig::default()), 1400.0, 900.0)
}

/// The screen rectangle of the widget labelled `label`.
fn rect_of(h: &Harness<'_, App>, label: &str) -> egui::Rect {
    h.get_by_label(label).rect()
}

/// The body cell of `peak` in the column whose header is `header`.
fn cell_rect(h: &Harness<'_, App>, peak: &str, header: &str) -> Option<egui::Rect> {
    let prefix = format!("{peak}, {header}: ");
    h.query_by(|n| n.label().is_some_and(|l| l.starts_with(&prefix))).map(|n| n.rect())
}

/// The names of the rows laid out now (the visible ones).
fn visible_rows(h: &Harness<'_, App>, n: usize) -> Vec<String> {
    (0..n).map(|k| format!("p{k:02}")).filter(|p| h.query_by_role_and_label(Role::Button, p).is_some()).collect()
}

#[test]
fn peak_table_has_a_sticky_header_a_frozen_name_column_and_uses_the_height() {
    let mut h = harness(many_peaks(60, true));
    h.run();
    let shown = visible_rows(&h, 60);
    assert!(shown.len() >= 15, "the table fills the free height: {} rows", shown.len());
    assert!(shown.len() < 60, "only the visible rows are laid out: {}", shown.len());
    let name_header = rect_of(&h, "name");
    let t_header = rect_of(&h, "t_R (s), sorted ascending");
    let first_name = rect_of(&h, "p00");

    // Down: the header stays, the rows move, the name column moves with them.
    let node = h.query_by(|n| n.label().is_some_and(|l| l.starts_with("p02, k_d (1/s): "))).expect("a body cell");
    node.scroll_down();
    h.run();
    assert_eq!(rect_of(&h, "name"), name_header, "the header stays");
    assert_eq!(rect_of(&h, "t_R (s), sorted ascending"), t_header);
    let now = visible_rows(&h, 60);
    assert_ne!(now.first(), shown.first(), "the rows scrolled: {now:?}");
    for p in &now {
        let name = rect_of(&h, p);
        if let Some(kd) = cell_rect(&h, p, "k_d (1/s)") {
            assert!((name.center().y - kd.center().y).abs() < 1.0, "{p}: name {name:?}, k_d {kd:?}");
        }
    }
    if let Some(first) = h.query_by_role_and_label(Role::Button, "p00") {
        assert!(first.rect().top() < first_name.top(), "p00 moved up");
    }

    // Sideways: the name column stays, the other columns and their headers move together.
    let p = now[2].clone();
    let name_x = rect_of(&h, &p).left();
    let ka = cell_rect(&h, &p, "k_a (1/s)").expect("k_a shown");
    let ka_header = rect_of(&h, "k_a (1/s)");
    assert!((ka.left() - ka_header.left()).abs() < 1.0, "header over its column: {ka:?} {ka_header:?}");
    // (egui takes AccessKit's "scroll left" as moving the view to the right.)
    h.query_by(|n| n.label().is_some_and(|l| l.starts_with(&format!("{p}, k_a (1/s): ")))).unwrap().scroll_left();
    h.run();
    assert_eq!(rect_of(&h, &p).left(), name_x, "the name column stays");
    let t_cell_gone_or_moved = cell_rect(&h, &p, "k_a (1/s)").is_none_or(|r| r.left() < ka.left() - 10.0);
    assert!(t_cell_gone_or_moved, "the other columns scrolled");
    if let (Some(ka), Some(head)) = (cell_rect(&h, &p, "k_a (1/s)"), h.query_by_label("k_a (1/s)")) {
        assert!((ka.left() - head.rect().left()).abs() < 1.0, "header still over its column");
    }
    assert_eq!(rect_of(&h, "name"), name_header);
}

/// The peak names from the top of the table down.
fn table_order(h: &Harness<'_, App>) -> Vec<String> {
    let mut named: Vec<(f32, String)> = h
        .state()
        .document()
        .session
        .peaks
        .iter()
        .map(|p| (h.get_by_role_and_label(Role::Button, &p.name).rect().min.y, p.name.clone()))
        .collect();
    named.sort_by(|a, b| a.0.total_cmp(&b.0));
    named.into_iter().map(|(_, n)| n).collect()
}

#[test]
fn peak_table_sorts_by_any_column_and_shows_the_columns_chosen() {
    let mut doc = Document::new(Session::paper_btex());
    // Out of retention order in the document: the table still lists them by retention time.
    doc.session.peaks.reverse();
    let mut h = harness_sized(App::new(doc, AppConfig::default()), 1400.0, 900.0);
    h.run();
    let rows = elute::app::export::table_rows(h.state().document(), h.state().curves());
    let mut by_retention: Vec<&elute::session::PeakRow> = rows.iter().collect();
    by_retention.sort_by(|a, b| a.retention_time_s.total_cmp(&b.retention_time_s));
    let by_retention: Vec<String> = by_retention.iter().map(|r| r.peak.clone()).collect();
    assert_ne!(by_retention, rows.iter().map(|r| r.peak.clone()).collect::<Vec<_>>());
    assert_eq!(table_order(&h), by_retention, "retention order by default");
    // Clicking the sorted header reverses; another header sorts by it.
    h.get_by_label("t_R (s), sorted ascending").click();
    h.run();
    let reversed: Vec<String> = by_retention.iter().rev().cloned().collect();
    assert_eq!(table_order(&h), reversed);
    assert!(h.query_by_label("t_R (s), sorted descending").is_some());
    h.get_by_label("name").click();
    h.run();
    let mut by_name = by_retention.clone();
    by_name.sort_by_key(|n| n.to_lowercase());
    assert_eq!(table_order(&h), by_name);
    // A number column: by area.
    h.get_by_label("area (signal·s)").click();
    h.run();
    let mut by_area: Vec<&elute::session::PeakRow> = rows.iter().collect();
    by_area.sort_by(|a, b| a.area.total_cmp(&b.area));
    assert_eq!(table_order(&h), by_area.iter().map(|r| r.peak.clone()).collect::<Vec<_>>());
    // The Columns menu hides a column, and shows it again.
    assert!(h.query_by_label("W50 (s)").is_some());
    toggle_column(&mut h, "W50 (s)");
    assert!(h.query_by_label("W50 (s)").is_none());
    assert!(h.query_by_label("k_d (1/s)").is_some());
    toggle_column(&mut h, "W50 (s)");
    assert!(h.query_by_label("W50 (s)").is_some());
}

#[test]
fn opening_a_file_resets_the_table_scroll() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("many.elute.json");
    session::save(&many_peaks(60, true), &path).unwrap();
    let mut h = harness(many_peaks(60, true));
    h.run();
    let top = rect_of(&h, "p00");
    for _ in 0..3 {
        h.get_all_by(|n| n.label().is_some_and(|l| l.contains(", k_d (1/s): "))).nth(2).unwrap().scroll_down();
        h.run();
    }
    assert!(h.query_by_role_and_label(Role::Button, "p00").is_none_or(|n| n.rect().top() < top.top()), "scrolled");
    h.state_mut().apply(Action::OpenPath(path));
    h.run();
    assert!(h.query_by_label_contains("opened session").is_some(), "the file opened");
    assert_eq!(rect_of(&h, "p00"), top, "the new file's table starts at its top");
}

#[test]
fn peak_table_shows_t_r_in_minutes_when_the_axis_is() {
    let mut h = harness(Session::paper_btex());
    h.run();
    let rows = elute::app::export::table_rows(h.state().document(), h.state().curves());
    let name = rows[0].peak.clone();
    let value = |h: &Harness<'_, App>, header: &str| -> f64 {
        let prefix = format!("{name}, {header}: ");
        let node = h.get_by(|n| n.label().is_some_and(|l| l.starts_with(&prefix)));
        node.accesskit_node().label().unwrap()[prefix.len()..].parse().unwrap()
    };
    assert!(h.query_by_label("t_R (s), sorted ascending").is_some());
    assert!((value(&h, "t_R (s)") - rows[0].retention_time_s).abs() < 0.01);
    h.state_mut().run_command(Command::ToggleTimeUnit);
    h.run();
    assert!(h.query_by_label("t_R (min), sorted ascending").is_some());
    assert!(h.query_by_label("t_R (s), sorted ascending").is_none());
    assert!((value(&h, "t_R (min)") - rows[0].retention_time_s / 60.0).abs() < 1e-3);
}

#[test]
fn every_peak_table_button_has_an_accessible_name() {
    // Unnamed peaks: the harness's accessibility check fails on any button without a name.
    let mut h = harness(many_peaks(11, false));
    h.run();
    // Numbered by retention, as the plot labels them; every cell says its peak and column.
    assert!(h.query_by_role_and_label(Role::Button, "peak 1").is_some());
    assert!(h.query_by_role_and_label(Role::Button, "peak 11").is_some());
    h.get_by_role_and_label(Role::Button, "peak 2").click();
    h.run();
    assert!(h.state().selected().is_some());
    let unnamed = h
        .query_all_by_role(Role::Button)
        .filter(|n| n.accesskit_node().label().is_none_or(|l| l.trim().is_empty()))
        .count();
    assert_eq!(unnamed, 0, "buttons without a name");
    let checkboxes =
        h.query_all_by_role(Role::CheckBox).filter(|n| n.accesskit_node().label().is_none_or(|l| l.trim().is_empty()));
    assert_eq!(checkboxes.count(), 0);
}

/// Shows or hides the column `label` from the Columns menu, and closes the menu.
fn toggle_column(h: &mut Harness<'_, App>, label: &str) {
    h.get_by_label("Columns…").click();
    h.run();
    h.get_by_role_and_label(Role::CheckBox, label).click();
    h.run();
    h.key_press(egui::Key::Escape);
    h.run();
}

/// Presses the primary button at `from`, moves to `to` in ten steps, and releases there.
fn drag(h: &mut Harness<'_, App>, from: egui::Pos2, to: egui::Pos2) {
    let button = |pos, pressed| egui::Event::PointerButton {
        pos,
        button: egui::PointerButton::Primary,
        pressed,
        modifiers: egui::Modifiers::NONE,
    };
    h.hover_at(from);
    h.run();
    h.event(button(from, true));
    h.run();
    for k in 1..=10 {
        h.event(egui::Event::PointerMoved(from.lerp(to, k as f32 / 10.0)));
        h.run();
    }
    h.event(button(to, false));
    h.run();
}

#[test]
fn opening_a_file_resets_the_panel_widths() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("btex.elute.json");
    session::save(&Session::paper_btex(), &path).unwrap();
    let mut h = harness(Session::paper_btex());
    h.run();
    let first = h.state().plot_rect().expect("plot drawn");
    // Widen the peak panel by dragging its edge (a few points right of the plot) to the left (it stops at its widest).
    for dx in 1..=24 {
        let edge = egui::pos2(first.right() + dx as f32, first.center().y);
        drag(&mut h, edge, edge - egui::vec2(200.0, 0.0));
        if h.state().plot_rect().unwrap().width() < first.width() - 40.0 {
            break;
        }
    }
    let narrowed = h.state().plot_rect().unwrap();
    assert!(narrowed.width() < first.width() - 40.0, "the drag widened the panel: {first:?} → {narrowed:?}");
    h.state_mut().apply(Action::OpenPath(path));
    for _ in 0..5 {
        h.run();
    }
    assert!(h.query_by_label_contains("opened session").is_some(), "the file opened");
    let reopened = h.state().plot_rect().unwrap();
    assert!(
        (reopened.width() - first.width()).abs() < 2.0,
        "the panels start at their first widths: {first:?}, {reopened:?}"
    );
}
