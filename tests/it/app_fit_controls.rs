//! The fit controls and what the peak table says about a fit: quality flags in colour, the inlet tail held or
//! fitted, a hold-up time given by the user, and fits on the column the user edited. Driven headless through
//! egui_kittest.
#![cfg(feature = "gui")]

use egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::{By, NodeT, Queryable};

use elute::app::panels::peak_table::{quality_colour, quality_of};
use elute::app::state::Document;
use elute::app::{App, AppConfig};
use elute::fit::Quality;
use elute::session::{PeakFitSummary, Session};

fn harness(app: App) -> Harness<'static, App> {
    Harness::builder().with_size(egui::vec2(1600.0, 1000.0)).build_ui_state(|ui, app: &mut App| app.ui(ui), app)
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
    doc.fits[2] = Some(summary(&names[2], 0.999, Quality::Ok));
    doc.fits[3] = Some(summary(&names[3], 0.98, Quality::NotDetermined));
    let mut h = harness(App::new(doc, AppConfig::default()));
    h.run();
    let l = labels(&h);
    let count = |s: &str| l.iter().filter(|t| t.as_str() == s).count();
    // The quality column names each flag; unfitted peaks say so.
    assert_eq!(count("poor_fit"), 1, "{l:?}");
    assert_eq!(count("area_at_bound"), 1, "{l:?}");
    assert_eq!(count("ok"), 1, "{l:?}");
    assert_eq!(count("not_determined"), 1, "{l:?}");
    assert_eq!(count("not_fitted"), names.len() - 4, "{l:?}");
    // R² below 0 is shown as the flag, not as a number; a zero area too.
    assert_eq!(count("< 0 (poor_fit)"), 1, "{l:?}");
    assert!(!l.iter().any(|t| t.contains("-0.25")), "{l:?}");
    assert_eq!(count("0 (area_at_bound)"), 1, "{l:?}");
    assert!(!l.iter().any(|t| t.starts_with("0.0000e0")), "{l:?}");
    // A fine R² is still a number.
    assert_eq!(count("0.9990"), 1, "{l:?}");
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
