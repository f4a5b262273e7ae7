//! Frame-time benchmarks of the app (each `#[ignore]`d: they print figures and check nothing). Run with
//! `cargo test --release --test it frame_time -- --ignored --nocapture`.
#![cfg(feature = "gui")]

use std::sync::Arc;
use std::time::Instant;

use egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};

use elute::app::actions::Action;
use elute::app::panels::plot::Handle;
use elute::app::state::Document;
use elute::app::{App, AppConfig};
use elute::chromatogram::Chromatogram;
use elute::model::{Column, Peak};
use elute::session::LoadedRun as Run;
use elute::session::Session;

use crate::app_workflows::harness_sized;

/// A run of `n` samples `step_s` apart holding `count` peaks spread over it (σ growing from 1.5 to 4 s with
/// retention, as on a temperature-free isothermal run it would), on a column with the inlet tail `tau_s`.
pub fn busy_document(n: usize, step_s: f64, count: usize, tau_s: f64) -> Document {
    let time_s: Vec<f64> = (0..n).map(|i| i as f64 * step_s).collect();
    let end_s = time_s[n - 1];
    let column = Column::default_preset().with_inlet_tail_s(tau_s).unwrap();
    let peaks: Vec<Peak> = (0..count)
        .map(|i| {
            let f = (i as f64 + 0.5) / count as f64;
            let mean = 60.0 + f * (end_s - 160.0);
            let sd = 1.5 + 2.5 * f;
            let (ka, kd) = elute::model::moments::rates_from_moments(&column, mean, sd).unwrap();
            Peak::new(format!("p{i}"), ka, kd, 100.0 * (1.0 + (i % 7) as f64))
        })
        .collect();
    let model = elute::model::closed::sum_signal(&column, &peaks, &time_s);
    let signal = model.iter().zip(&time_s).map(|(m, t)| 10.0 + m + (t * 0.37).sin() * 0.1).collect();
    let run = Chromatogram { time_s, signal, ..Default::default() };
    let mut doc = Document::new(Session::new(column, peaks));
    doc.run = Some(Arc::new(Run { path: None, channels: vec![run], channel: 0 }));
    doc
}

/// The median, 95th percentile and largest of `v` (sorted in place).
fn spread(v: &mut [f64]) -> (f64, f64, f64) {
    v.sort_by(f64::total_cmp);
    let pct = |q: f64| v[((v.len() - 1) as f64 * q).round() as usize];
    (pct(0.5), pct(0.95), pct(1.0))
}

/// Drags with the pointer from `at`, as a user does (press, `frames` moves a few points sideways, release), and
/// prints the model work and whole headless frame time per drag frame, and those of the release frame.
fn drag_from(h: &mut Harness<'static, App>, at: egui::Pos2, label: &str, frames: usize) {
    h.hover_at(at);
    h.run();
    h.drag_at(at);
    h.step();
    let (mut model, mut frame, mut previews) = (Vec::new(), Vec::new(), 0);
    let mut to = at;
    for k in 0..frames {
        // Back and forth, a few points a frame, so every frame changes the document.
        let dx = 4.0 + (k % 10) as f32 * if (k / 10) % 2 == 0 { 1.0 } else { -1.0 };
        to = at + egui::vec2(dx + 8.0 * ((k / 10) % 2) as f32, 0.0);
        h.hover_at(to);
        let before = h.state().document().session.clone();
        let start = Instant::now();
        h.step();
        let frame_ms = start.elapsed().as_secs_f64() * 1e3;
        // Only frames that changed the document count (the first few move the pointer past the drag threshold).
        if h.state().document().session != before {
            frame.push(frame_ms);
            model.push(h.state().curves().compute_ms);
            previews += usize::from(h.state().curves().is_preview());
        }
    }
    let button = egui::PointerButton::Primary;
    h.event(egui::Event::PointerButton { pos: to, button, pressed: false, modifiers: egui::Modifiers::NONE });
    let start = Instant::now();
    h.step();
    let release_frame_ms = start.elapsed().as_secs_f64() * 1e3;
    let release_model_ms = h.state().curves().compute_ms;
    assert!(!h.state().curves().is_preview(), "the release frame computes the full curves");
    let (m50, m95, mmax) = spread(&mut model);
    let (f50, f95, _) = spread(&mut frame);
    println!(
        "{label}, {} drag frames ({previews} previews): model work per frame median {m50:.2} ms, p95 {m95:.2} \
         ms, max {mmax:.2} ms; whole headless frame median {f50:.2} ms, p95 {f95:.2} ms; release: model \
         {release_model_ms:.2} ms, frame {release_frame_ms:.2} ms",
        model.len()
    );
}

/// The app over `doc` in a 1400 × 900 window, settled.
fn settled(doc: Document) -> Harness<'static, App> {
    let mut h = harness_sized(App::new(doc, AppConfig::default()), 1400.0, 900.0);
    h.run();
    h
}

/// Drags peak `select`'s width handle (one peak changes per frame).
fn drag_width_handle(label: &str, doc: Document, select: usize, frames: usize) {
    let mut h = settled(doc);
    h.state_mut().apply(Action::Select(Some(select)));
    h.run();
    let at = h.state().handle_on_screen(Handle::Width).expect("the width handle is drawn");
    drag_from(&mut h, at, &format!("{label}, width handle"), frames);
}

/// Drags the column panel's inlet tail τ field (every peak changes per frame).
fn drag_inlet_tail(label: &str, doc: Document, frames: usize) {
    let mut h = settled(doc);
    let field = h.query_all_by_label("Inlet tail τ").find(|n| n.accesskit_node().role() == Role::SpinButton);
    let at = field.expect("the τ field").rect().center();
    drag_from(&mut h, at, &format!("{label}, τ field"), frames);
}

/// Case (a) of issue 13: a cedrol-like FID run (54,285 points at 20 Hz, 45 min), 30 peaks, τ = 0.5 s.
#[test]
#[ignore = "timing measurement, not a check"]
fn frame_time_drag_30_tailed_peaks_on_54k_points() {
    let doc = busy_document(54_285, 0.05, 30, 0.5);
    drag_width_handle("30 peaks (τ 0.5 s) × 54,285 points", doc.clone(), 15, 60);
    drag_inlet_tail("30 peaks (τ 0.5 s) × 54,285 points", doc, 60);
}

/// Case (b) of issue 13: 100,000 points at 0.03 s (50 min), 50 peaks, τ = 0.8 s.
#[test]
#[ignore = "timing measurement, not a check"]
fn frame_time_drag_50_tailed_peaks_on_100k_points() {
    let doc = busy_document(100_000, 0.03, 50, 0.8);
    drag_width_handle("50 peaks (τ 0.8 s) × 100,000 points", doc.clone(), 25, 60);
    drag_inlet_tail("50 peaks (τ 0.8 s) × 100,000 points", doc, 60);
}

/// Frame time with 20 peaks on a 100,000-point run (no inlet tail), after slider edits made through accesskit
/// (each a complete edit, not a held pointer: the full-resolution path).
#[test]
#[ignore = "timing measurement, not a check"]
fn frame_time_at_20_peaks_on_100k_points() {
    let n = 100_000;
    let time_s: Vec<f64> = (0..n).map(|i| i as f64 * 0.01).collect();
    let signal: Vec<f64> = time_s.iter().map(|t| 10.0 + (t * 0.37).sin() * 0.1).collect();
    let run = Chromatogram { time_s, signal, ..Default::default() };
    let column = Column::default_preset();
    let peaks = (0..20)
        .map(|i| {
            let mean = 50.0 + 45.0 * i as f64;
            let (ka, kd) = elute::model::moments::rates_from_moments(&column, mean, 3.0).unwrap();
            Peak::new(format!("p{i}"), ka, kd, 100.0)
        })
        .collect();
    let mut doc = Document::new(Session::new(column, peaks));
    doc.run = Some(Arc::new(Run { path: None, channels: vec![run], channel: 0 }));
    let mut h = harness_sized(App::new(doc, AppConfig::default()), 1400.0, 900.0);
    h.run();
    h.state_mut().apply(Action::Select(Some(7)));
    h.run();
    let mut frames = Vec::new();
    let mut model = Vec::new();
    for k in 0..60 {
        h.get_by_role_and_label(Role::Slider, "k_d (1/s)").set_value_accesskit(1.0 + 0.01 * k as f64);
        let start = Instant::now();
        h.step();
        frames.push(start.elapsed().as_secs_f64() * 1e3);
        model.push(h.state().curves().compute_ms);
    }
    let (m50, m95, mmax) = spread(&mut model);
    let (f50, f95, _) = spread(&mut frames);
    println!(
        "20 peaks × {n} points, {} slider changes: model work per frame median {m50:.2} ms, p95 {m95:.2} ms, max \
         {mmax:.2} ms; whole headless frame (layout, plot tessellation, model) median {f50:.2} ms, p95 {f95:.2} ms",
        model.len(),
    );
}
