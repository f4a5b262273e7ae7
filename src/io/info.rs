//! The `elute info FILE` summary: what a file holds, in plain text.

use std::fmt::Write;
use std::path::Path;

use crate::chromatogram::{Chromatogram, Metadata};

/// Most extra metadata fields and peak-table rows listed per chromatogram (the rest are counted).
const MAX_LISTED: usize = 100;

/// Describes what was read from `path`: format, run metadata, and for each chromatogram its channel, point
/// count, time range (minutes and seconds), sampling interval (median step; the step range when the axis is
/// irregular), signal unit and range, and the file's peak table. Metadata shared with the previous chromatogram
/// is not repeated; the detector is shown with each channel. Returns text ending in a newline; an empty slice says so.
pub fn describe(path: &Path, chromatograms: &[Chromatogram]) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "{}", path.display());
    if chromatograms.is_empty() {
        let _ = writeln!(s, "  no chromatograms");
        return s;
    }
    let _ = writeln!(s, "  {} chromatogram(s)", chromatograms.len());
    let mut previous: Option<&Metadata> = None;
    for (i, c) in chromatograms.iter().enumerate() {
        let m = &c.metadata;
        if previous.is_none_or(|p| !same_run(p, m)) {
            describe_metadata(&mut s, m);
        }
        previous = Some(m);
        let _ = write!(s, "  [{}] {}", i + 1, if c.channel.is_empty() { "(unnamed channel)" } else { &c.channel });
        if let Some(detector) = &m.detector {
            let _ = write!(s, " (detector {detector})");
        }
        let _ = writeln!(s, ": {} points", c.len());
        if let Some((t0, t1)) = c.time_range_s() {
            let _ = writeln!(s, "      time      {:.4} – {:.4} min ({} – {} s)", t0 / 60.0, t1 / 60.0, g(t0), g(t1));
        }
        if let Some(step) = c.median_step_s() {
            let _ = write!(s, "      sampling  {} s ({} Hz)", g(step), g(1.0 / step));
            let (lo, hi) = step_range(&c.time_s);
            if hi > lo * 1.01 {
                let _ = write!(s, ", irregular: steps {} – {} s", g(lo), g(hi));
            }
            let _ = writeln!(s);
        }
        if let Some((lo, hi)) = c.signal_range() {
            let unit = if c.signal_unit.is_empty() { "(unit not stated)".to_string() } else { c.signal_unit.clone() };
            let _ = writeln!(s, "      signal    {} – {} {unit}", g(lo), g(hi));
        }
        describe_peaks(&mut s, c);
    }
    s
}

fn same_run(a: &Metadata, b: &Metadata) -> bool {
    a.format == b.format
        && a.sample_name == b.sample_name
        && a.instrument == b.instrument
        && a.acquisition_date == b.acquisition_date
        && a.extra == b.extra
}

fn describe_metadata(s: &mut String, m: &Metadata) {
    let _ = writeln!(s, "  format        {}", m.format);
    for (label, value) in [("sample", &m.sample_name), ("instrument", &m.instrument), ("acquired", &m.acquisition_date)]
    {
        if let Some(v) = value {
            let _ = writeln!(s, "  {label:<13} {v}");
        }
    }
    if let Some(unit) = m.time_unit.filter(|_| !m.extra.iter().any(|(k, _)| k == "time unit")) {
        let _ = writeln!(s, "  {:<13} {}", "time unit:", unit.name());
    }
    for (k, v) in m.extra.iter().take(MAX_LISTED) {
        let _ = writeln!(s, "  {:<13} {v}", format!("{k}:"));
    }
    if m.extra.len() > MAX_LISTED {
        let _ = writeln!(s, "  ... {} more fields", m.extra.len() - MAX_LISTED);
    }
}

fn describe_peaks(s: &mut String, c: &Chromatogram) {
    let peaks = &c.metadata.peaks;
    if peaks.is_empty() {
        return;
    }
    let named = peaks.iter().filter(|p| !p.name.is_empty()).count();
    let _ = writeln!(s, "      peak table: {} peaks ({named} named)", peaks.len());
    let _ = writeln!(s, "        {:<24} {:>10} {:>10} {:>12} {:>12}", "name", "RT (min)", "RT (s)", "area", "height");
    for p in peaks.iter().take(MAX_LISTED) {
        let opt = |v: Option<f64>| v.map(g).unwrap_or_else(|| "-".into());
        let name: String = p.name.chars().take(24).collect();
        let (rt_min, rt_s) = (p.retention_time_s / 60.0, p.retention_time_s);
        let _ = writeln!(s, "        {name:<24} {rt_min:>10.4} {rt_s:>10.2} {:>12} {:>12}", opt(p.area), opt(p.height));
    }
    if peaks.len() > MAX_LISTED {
        let _ = writeln!(s, "        ... {} more peaks", peaks.len() - MAX_LISTED);
    }
}

/// Smallest and largest step of a time axis (0, 0 with fewer than two samples).
fn step_range(time_s: &[f64]) -> (f64, f64) {
    time_s
        .windows(2)
        .map(|w| w[1] - w[0])
        .fold(None, |acc: Option<(f64, f64)>, d| Some(acc.map_or((d, d), |(lo, hi)| (lo.min(d), hi.max(d)))))
        .unwrap_or((0.0, 0.0))
}

/// A number with about four significant digits, without trailing noise.
fn g(v: f64) -> String {
    if v == 0.0 || !v.is_finite() {
        return format!("{v}");
    }
    let magnitude = v.abs().log10().floor() as i32;
    if !(-3..6).contains(&magnitude) {
        return format!("{v:.3e}");
    }
    let decimals = (3 - magnitude).max(0) as usize;
    let text = format!("{v:.decimals$}");
    if text.contains('.') { text.trim_end_matches('0').trim_end_matches('.').to_string() } else { text }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chromatogram::PeakTableEntry;

    #[test]
    fn summary_lists_axis_signal_and_peaks() {
        let mut c = Chromatogram {
            time_s: (0..601).map(|i| i as f64 * 0.5).collect(),
            signal: (0..601).map(|i| i as f64).collect(),
            signal_unit: "pA".into(),
            channel: "FID".into(),
            ..Default::default()
        };
        c.metadata.format = "CSV".into();
        c.metadata.peaks.push(PeakTableEntry { name: "toluene".into(), retention_time_s: 120.0, ..Default::default() });
        let text = describe(Path::new("run.csv"), &[c]);
        assert!(text.contains("601 points"), "{text}");
        assert!(text.contains("0.0000 – 5.0000 min (0 – 300 s)"), "{text}");
        assert!(text.contains("0.5 s (2 Hz)"), "{text}");
        assert!(text.contains("0 – 600 pA"), "{text}");
        assert!(text.contains("toluene") && text.contains("2.0000"), "{text}");
        assert!(!text.contains("irregular"));
    }

    #[test]
    fn number_format() {
        assert_eq!(g(0.05), "0.05");
        assert_eq!(g(20.0), "20");
        assert_eq!(g(1.81e7), "1.810e7");
        assert_eq!(g(-601.26), "-601.3");
    }
}
