//! The plot as SVG and a one-page HTML report (run, column, plot, peak table with units and conventions) that
//! prints well to PDF. Plain strings, no drawing library.

use std::fmt::Write as _;

use super::state::{Curves, Document};
use crate::session::{PeakRow, peak_row};

/// Most points per polyline in the SVG (longer traces are min/max-decimated).
const SVG_MAX_POINTS: usize = 4_000;

/// A "nice" tick step (1, 2 or 5 × 10^k) giving about `target` ticks over `span`.
fn nice_step(span: f64, target: f64) -> f64 {
    let raw = (span / target).max(f64::MIN_POSITIVE);
    let mag = 10f64.powf(raw.log10().floor());
    let n = raw / mag;
    mag * if n < 1.5 {
        1.0
    } else if n < 3.5 {
        2.0
    } else if n < 7.5 {
        5.0
    } else {
        10.0
    }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// Indices of a min/max decimation of `y` to about `max_points` points.
fn decimate(y: &[f64], max_points: usize) -> Vec<usize> {
    if y.len() <= max_points {
        return (0..y.len()).collect();
    }
    let bins = max_points / 2;
    let mut out = Vec::with_capacity(max_points);
    for b in 0..bins {
        let (lo, hi) = (b * y.len() / bins, ((b + 1) * y.len() / bins).max(b * y.len() / bins + 1));
        let range = lo..hi.min(y.len());
        let imin = range.clone().min_by(|&a, &c| y[a].total_cmp(&y[c])).unwrap_or(lo);
        let imax = range.max_by(|&a, &c| y[a].total_cmp(&y[c])).unwrap_or(lo);
        out.extend(if imin <= imax { [imin, imax] } else { [imax, imin] });
    }
    out
}

/// The chromatogram (measured trace, each peak on the baseline, the model sum) as an SVG of `width` × `height`
/// pixels, time axis in s.
pub fn plot_svg(doc: &Document, curves: &Curves, width: f64, height: f64) -> String {
    let (ml, mr, mt, mb) = (70.0, 20.0, 20.0, 45.0);
    let t = &curves.time_s;
    let measured = doc.run.as_ref().map(|r| r.chromatogram());
    let base: Vec<f64> = t.iter().map(|&x| doc.session.baseline.as_ref().map_or(0.0, |b| b.value_at(x))).collect();
    let (mut x0, mut x1) = (t.first().copied().unwrap_or(0.0), t.last().copied().unwrap_or(1.0));
    let mut ys: Vec<f64> = curves.total.clone();
    if let Some(m) = measured {
        ys.extend(&m.signal);
        if let Some((a, b)) = m.time_range_s() {
            x0 = x0.min(a);
            x1 = x1.max(b);
        }
    }
    let (mut y0, mut y1) = ys.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| (a.min(v), b.max(v)));
    if !(y0.is_finite() && y1.is_finite()) {
        (y0, y1) = (0.0, 1.0);
    }
    if y1 - y0 <= 0.0 {
        (y0, y1) = (y0 - 1.0, y1 + 1.0);
    }
    let pad = 0.05 * (y1 - y0);
    let (y0, y1) = (y0 - pad, y1 + pad);
    if x1 <= x0 {
        x1 = x0 + 1.0;
    }
    let (pw, ph) = (width - ml - mr, height - mt - mb);
    let sx = |x: f64| ml + (x - x0) / (x1 - x0) * pw;
    let sy = |y: f64| mt + (1.0 - (y - y0) / (y1 - y0)) * ph;
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="11">"#
    );
    let _ = write!(svg, r##"<rect x="{ml}" y="{mt}" width="{pw}" height="{ph}" fill="white" stroke="#444"/>"##);
    let step = nice_step(x1 - x0, 8.0);
    let mut x = (x0 / step).ceil() * step;
    while x <= x1 + 1e-9 * step {
        let px = sx(x);
        let _ = write!(
            svg,
            r##"<line x1="{px:.1}" y1="{:.1}" x2="{px:.1}" y2="{:.1}" stroke="#ddd"/><text x="{px:.1}" y="{:.1}" text-anchor="middle">{}</text>"##,
            mt,
            mt + ph,
            mt + ph + 15.0,
            x
        );
        x += step;
    }
    let step = nice_step(y1 - y0, 6.0);
    let mut y = (y0 / step).ceil() * step;
    while y <= y1 {
        let py = sy(y);
        let _ = write!(
            svg,
            r##"<line x1="{ml}" y1="{py:.1}" x2="{:.1}" y2="{py:.1}" stroke="#ddd"/><text x="{:.1}" y="{:.1}" text-anchor="end">{}</text>"##,
            ml + pw,
            ml - 5.0,
            py + 4.0,
            (y * 1e6).round() / 1e6
        );
        y += step;
    }
    let unit = measured.map(|m| m.signal_unit.as_str()).filter(|u| !u.is_empty()).unwrap_or("a.u.");
    let _ = write!(
        svg,
        r#"<text x="{:.1}" y="{:.1}" text-anchor="middle">time (s)</text><text transform="translate(14 {:.1}) rotate(-90)" text-anchor="middle">signal ({})</text>"#,
        ml + pw / 2.0,
        height - 8.0,
        mt + ph / 2.0,
        escape(unit)
    );
    let mut polyline = |xs: &[f64], ys: &[f64], color: &str, w: f64| {
        let n = xs.len().min(ys.len());
        if n < 2 {
            return;
        }
        let _ = write!(svg, r#"<polyline fill="none" stroke="{color}" stroke-width="{w}" points=""#);
        for i in decimate(&ys[..n], SVG_MAX_POINTS) {
            let _ = write!(svg, "{:.1},{:.1} ", sx(xs[i]), sy(ys[i]));
        }
        svg.push_str(r#""/>"#);
    };
    if let Some(m) = measured {
        polyline(&m.time_s, &m.signal, "#888", 1.0);
    }
    for (i, y) in curves.peaks.iter().enumerate() {
        if y.iter().all(|v| *v == 0.0) {
            continue;
        }
        let on_base: Vec<f64> = y.iter().zip(&base).map(|(a, b)| a + b).collect();
        let c = super::panels::plot::peak_color(doc.ids.get(i).copied().unwrap_or(i as u64));
        polyline(t, &on_base, &format!("rgb({},{},{})", c.r(), c.g(), c.b()), 1.2);
    }
    polyline(t, &curves.total, "#111", 1.6);
    svg.push_str("</svg>");
    svg
}

/// The peak-table columns the one-page report shows (with the names and units of `elute fit`'s peaks.csv).
const REPORT_COLUMNS: [&str; 15] = [
    "peak",
    "retention_time_s",
    "mean_time_s",
    "area",
    "height",
    "ka_per_s",
    "ka_se_per_s",
    "kd_per_s",
    "kd_se_per_s",
    "partition_constant",
    "r2",
    "w50_s",
    "tailing_usp",
    "asymmetry_10",
    "plates_half_height",
];

/// A number cell with six significant digits (text cells unchanged, empty as "—").
fn readable(cell: &str) -> String {
    match cell.parse::<f64>() {
        _ if cell.is_empty() => "—".into(),
        Ok(v) if v != 0.0 && (v.abs() >= 1e6 || v.abs() < 1e-3) => format!("{v:.5e}"),
        Ok(v) => {
            let digits = (5 - v.abs().log10().floor().max(-1.0) as i32).clamp(0, 6) as usize;
            format!("{v:.digits$}")
        }
        Err(_) => cell.to_string(),
    }
}

/// A one-page HTML report: run information, column, the plot as SVG, and the peak table with units and the
/// metric conventions stated.
pub fn html_report(doc: &Document, curves: &Curves, rows: &[PeakRow]) -> String {
    let mut h = String::from(
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>Elute report</title><style>\
         body{font-family:sans-serif;margin:1.5cm;font-size:10pt}table{border-collapse:collapse}\
         td,th{border:1px solid #aaa;padding:2px 6px;text-align:right}th{background:#eee}\
         td:first-child{text-align:left}@page{size:A4;margin:1cm}h1{font-size:16pt}h2{font-size:12pt}\
         </style></head><body><h1>Elute report</h1>",
    );
    h += "<h2>Run</h2><table>";
    let mut row = |k: &str, v: String| {
        let _ = write!(h, "<tr><td>{}</td><td>{}</td></tr>", escape(k), escape(&v));
    };
    match &doc.run {
        Some(run) => {
            let c = run.chromatogram();
            row("file", run.display_name());
            row("channel", format!("{} ({})", run.channel + 1, c.channel));
            row("points", c.len().to_string());
            if let Some((a, b)) = c.time_range_s() {
                row("time range", format!("{a:.3} – {b:.3} s"));
            }
            row("format", c.metadata.format.clone());
            for (k, v) in [
                ("sample", &c.metadata.sample_name),
                ("instrument", &c.metadata.instrument),
                ("detector", &c.metadata.detector),
                ("acquired", &c.metadata.acquisition_date),
            ] {
                if let Some(v) = v {
                    row(k, v.clone());
                }
            }
        }
        None => row("run", "none (simulation)".into()),
    }
    if let Some(r) = &doc.session.run {
        row("SHA-256", r.sha256.clone());
    }
    let col = &doc.session.column;
    row("hold-up time t0", format!("{:.4} s", col.holdup_time_s()));
    row("phase ratio β", format!("{:.3} (α = {:.5})", col.phase_ratio(), col.alpha()));
    row("pressure ratio r", format!("{:.4}", col.pressure_ratio()));
    if let Some(l) = col.length_m() {
        row("length", format!("{l} m"));
    }
    if let Some(u) = col.velocity_m_s(1.0) {
        row("outlet velocity u(L)", format!("{u:.4} m/s"));
    }
    row("injection time t1", format!("{} s", col.injection_s()));
    row("inlet tail τ", format!("{} s", col.inlet_tail_s()));
    if let Some(b) = &doc.session.baseline {
        row("baseline", format!("{:?} {:?}", b.kind, b.coefficients));
    }
    h += "</table><h2>Chromatogram</h2>";
    h += &plot_svg(doc, curves, 720.0, 320.0);
    h += "<h2>Peaks</h2><table><tr>";
    let header = PeakRow::header();
    let shown: Vec<usize> = REPORT_COLUMNS.iter().filter_map(|c| header.iter().position(|h| h == c)).collect();
    for &k in &shown {
        let _ = write!(h, "<th>{}</th>", escape(&header[k]));
    }
    h += "</tr>";
    for cells in peak_row::cells(rows) {
        h += "<tr>";
        for &k in &shown {
            let _ = write!(h, "<td>{}</td>", escape(&readable(&cells[k])));
        }
        h += "</tr>";
    }
    h += "</table><h2>Conventions</h2><ul>\
          <li>t_R is the apex of the model curve; mean and σ are its first two moments \
          (mean = t0(1 + k') + t1/2 + τ, σ² = 2k't0/k_d + t1²/12 + τ², k' = αk_a/k_d).</li>\
          <li>Area is ∫y dt of the model peak in signal units × s; height is above the baseline.</li>\
          <li>k_a, k_d are the linear adsorption and desorption rates in 1/s; K = k_a/k_d. SE: standard errors \
          from the fit covariance, when fitted.</li>\
          <li>R² = 1 − SS_res/SS_tot over each peak's fit window.</li>\
          <li>Lab metrics from each peak's model curve: W50 is the width at half height; USP tailing \
          T = W5/(2·f5) at 5 % height; asymmetry As = b10/a10 at 10 % height; plates N = 5.54·(t_R/W50)² \
          (half-height method); resolution Rs = 1.18·(t_R2 − t_R1)/(W50,1 + W50,2) to the previous peak in time \
          (half-height method).</li>\
          <li>Model: Cabrera-Codony et al., closed-form outlet signal of the column model.</li></ul>";
    let _ = write!(h, "<p>Elute {}</p></body></html>", env!("CARGO_PKG_VERSION"));
    h
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::Session;

    #[test]
    fn ticks_are_nice_and_the_svg_is_well_formed() {
        assert_eq!(nice_step(700.0, 8.0), 100.0);
        assert_eq!(nice_step(1.0, 5.0), 0.2);
        let doc = Document::new(Session::paper_btex());
        let mut curves = Curves::compute(&doc, crate::model::Method::Closed);
        // One flat peak is left out of the plot; the sum and the four others are drawn.
        curves.peaks[0] = vec![0.0; curves.time_s.len()];
        let svg = plot_svg(&doc, &curves, 600.0, 300.0);
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert_eq!(svg.matches("<polyline").count(), 1 + 4);
        let rows = super::super::export::table_rows(&doc, &curves);
        let html = html_report(&doc, &curves, &rows);
        assert!(html.contains("toluene") && html.contains("<svg") && html.contains("<th>ka_per_s</th>"));
        assert_eq!(decimate(&[0.0; 3], 4).len(), 3);
        assert!(decimate(&vec![1.0; 10_000], 100).len() <= 100);
    }
}
