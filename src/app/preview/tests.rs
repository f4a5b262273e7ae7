use std::sync::Arc;

use super::*;
use crate::model::{Column, Peak};
use crate::session::{LoadedRun, Session};

/// Six tailed peaks (τ 0.5 s) on a 20,000-sample run at 20 Hz whose signal is their sum plus a ramp.
fn tailed_document() -> Document {
    let column = Column::default_preset().with_inlet_tail_s(0.5).unwrap();
    let peaks: Vec<Peak> = (0..6)
        .map(|i| {
            let (mean_s, sd_s) = (80.0 + 150.0 * i as f64, 1.5 + 0.5 * i as f64);
            let (ka, kd) = crate::model::moments::rates_from_moments(&column, mean_s, sd_s).unwrap();
            Peak::new(format!("p{i}"), ka, kd, 300.0 + 50.0 * i as f64)
        })
        .collect();
    let time_s: Vec<f64> = (0..20_000).map(|i| i as f64 * 0.05).collect();
    let model = crate::model::closed::sum_signal(&column, &peaks, &time_s);
    let signal = model.iter().zip(&time_s).map(|(m, t)| m + 5.0 + 0.001 * t).collect();
    let run = crate::chromatogram::Chromatogram { time_s, signal, ..Default::default() };
    let mut doc = Document::new(Session::new(column, peaks));
    doc.run = Some(Arc::new(LoadedRun { path: None, channels: vec![run], channel: 0 }));
    doc
}

/// The whole run in view on a plot `width_px` wide.
fn whole_run(width_px: f32) -> PreviewWindow {
    PreviewWindow { visible_s: (0.0, 1000.0), width_px }
}

fn height(y: &[f64]) -> f64 {
    y.iter().fold(0.0_f64, |m, v| m.max(v.abs()))
}

/// Every drawn and tabled figure of `a` equals that of `b`, bit for bit.
fn assert_same(a: &Curves, b: &Curves) {
    assert_eq!(a.time_s, b.time_s);
    assert_eq!(a.peaks, b.peaks);
    assert_eq!(a.total, b.total);
    assert_eq!(a.residual, b.residual);
    assert_eq!(a.apex, b.apex);
    assert_eq!(a.metrics, b.metrics);
    assert!(!a.is_preview() && !b.is_preview());
}

/// The preview's total and residual hold its peaks: total = Σ peaks (no baseline here), residual = measured − total.
fn assert_consistent(c: &Curves, doc: &Document) {
    let scale = c.peaks.iter().map(|y| height(y)).fold(0.0, f64::max);
    let measured = &doc.run.as_ref().unwrap().chromatogram().signal;
    for j in 0..c.time_s.len() {
        let sum: f64 = c.peaks.iter().map(|y| y[j]).sum();
        assert!((c.total[j] - sum).abs() <= 1e-12 * scale, "total at {j}");
        assert_eq!(c.residual.as_ref().unwrap()[j], measured[j] - c.total[j]);
    }
}

#[test]
fn a_preview_is_exact_where_evaluated_has_no_metrics_and_a_full_update_finishes_it() {
    let mut doc = tailed_document();
    let full = Curves::compute(&doc, Method::Closed);
    doc.session.peaks[2].kd_per_s *= 1.3;
    // 60 points wide: 240 samples on screen, so the peak (σ 2.5 s, 50 samples) is evaluated every 5th sample.
    let preview = Curves::preview(full.clone(), &doc, Method::Closed, &whole_run(60.0));
    let reference = Curves::compute(&doc, Method::Closed);
    assert!(preview.is_preview());
    let evaluated = preview.preview_samples(2);
    let (first, last) = (evaluated[0], *evaluated.last().unwrap());
    assert!(evaluated.len() < (last - first) / 2, "a coarser grid than the run's: {} samples", evaluated.len());
    let h = height(&reference.peaks[2]);
    for &j in evaluated {
        let (p, r) = (preview.peaks[2][j], reference.peaks[2][j]);
        assert!((p - r).abs() <= 1e-9 * h, "sample {j}: preview {p}, full {r}");
    }
    // Off its window, the curve and every other peak are the previous (exact) ones.
    assert_eq!(preview.peaks[2][..first], full.peaks[2][..first]);
    for i in [0, 1, 3, 4, 5] {
        assert_eq!(preview.peaks[i], full.peaks[i]);
        assert_eq!(preview.metrics[i], full.metrics[i]);
        assert!(preview.preview_samples(i).is_empty());
    }
    assert_eq!(preview.metrics[2], None, "no lab metrics from a preview");
    let (t_apex, y_apex) = preview.apex[2].unwrap();
    let (t_ref, y_ref) = reference.apex[2].unwrap();
    assert!((t_apex - t_ref).abs() < 0.5 && (y_apex / y_ref - 1.0).abs() < 1e-2, "{t_apex} {y_apex} {t_ref} {y_ref}");
    assert_consistent(&preview, &doc);
    assert_same(&Curves::update(preview, &doc, Method::Closed), &reference);
}

#[test]
fn previews_follow_each_other_at_full_resolution_when_the_screen_has_room() {
    let mut doc = tailed_document();
    let mut curves = Curves::compute(&doc, Method::Closed);
    for factor in [1.2, 0.8, 1.1] {
        doc.session.peaks[4].kd_per_s *= factor;
        doc.session.peaks[4].area *= factor;
        let zoomed_in = PreviewWindow { visible_s: (600.0, 760.0), width_px: 2000.0 };
        curves = Curves::preview(curves, &doc, Method::Closed, &zoomed_in);
    }
    let reference = Curves::compute(&doc, Method::Closed);
    let evaluated = curves.preview_samples(4).to_vec();
    assert!(evaluated.windows(2).all(|w| w[1] == w[0] + 1), "every sample of the window evaluated");
    let h = height(&reference.peaks[4]);
    for (j, (p, r)) in curves.peaks[4].iter().zip(&reference.peaks[4]).enumerate() {
        assert!((p - r).abs() <= 1e-9 * h, "sample {j}: preview {p}, full {r}");
    }
    assert_consistent(&curves, &doc);
    assert_same(&Curves::update(curves, &doc, Method::Closed), &reference);
}

#[test]
fn a_preview_off_screen_is_coarse_and_one_that_cannot_follow_is_a_full_compute() {
    let mut doc = tailed_document();
    let full = Curves::compute(&doc, Method::Closed);
    doc.session.peaks[0].kd_per_s *= 1.1;
    let elsewhere = PreviewWindow { visible_s: (600.0, 700.0), width_px: 800.0 };
    let preview = Curves::preview(full.clone(), &doc, Method::Closed, &elsewhere);
    assert!(preview.preview_samples(0).len() <= 2 * OFF_SCREEN_SAMPLES + 2);
    assert_consistent(&preview, &doc);
    // A removed peak: the peak list changed, so the curves are computed in full.
    doc.remove_peak(3);
    let after = Curves::preview(preview, &doc, Method::Closed, &elsewhere);
    assert_same(&after, &Curves::compute(&doc, Method::Closed));
}

#[test]
fn preview_samples_cover_the_range_within_their_limits() {
    let s = preview_samples(&(10..1010), &(500..600), 5, 4);
    assert_eq!((s[0], *s.last().unwrap()), (10, 1009));
    assert!(s.windows(2).all(|w| w[0] < w[1]));
    let on_screen = s.iter().filter(|&&j| (500..600).contains(&j)).count();
    assert!((20..=22).contains(&on_screen), "{on_screen}");
    assert!(s.len() <= on_screen + 2 * 5);
    assert!(s.contains(&499) && s.contains(&500) && s.contains(&599) && s.contains(&600));
    assert_eq!(preview_samples(&(3..6), &(0..100), 1, 4), [3, 4, 5]);
    assert!(preview_samples(&(3..3), &(0..100), 1, 4).is_empty());
    let y = interpolate(&[0.0, 1.0, 2.0, 3.0], 7, &[7, 8, 10], &[1.0, 3.0, 7.0]);
    assert_eq!(y, [1.0, 3.0, 5.0, 7.0]);
}
