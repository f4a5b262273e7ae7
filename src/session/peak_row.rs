//! The peak table: one row type for every place a peak's figures leave Elute (`elute fit`'s peaks.csv and
//! peaks.json, the app's CSV export and clipboard copy, the HTML report), so that each has the same column
//! names and units. Times in s, rates in 1/s, areas in signal·s.

use serde::Serialize;

use super::{PeakFitSummary, Session};
use crate::fit::Quality;
use crate::fit::metrics::PeakMetrics;
use crate::model::{Peak, RunLevel, moments};

/// Which run a row belongs to.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RunInfo {
    /// The run file as given.
    pub file: String,
    /// Channel number, from 1.
    pub channel: u32,
    /// Channel name in the file.
    pub channel_name: String,
}

/// One row of the peak table. Times in s, rates in 1/s, areas in signal·s.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct PeakRow {
    /// Run file as given.
    pub file: String,
    /// Channel number, from 1.
    pub channel: u32,
    /// Channel name in the file.
    pub channel_name: String,
    /// Peak name.
    pub peak: String,
    /// How far the figures can be trusted: ok, poor_fit, area_at_bound, not_determined, added, unmatched,
    /// not_fitted (see `fit::run::quality`).
    pub quality: String,
    /// Apex of the fitted peak curve, s.
    pub retention_time_s: f64,
    /// Mean (first moment) of the fitted peak, s.
    pub mean_time_s: f64,
    /// Adsorption rate k_a, 1/s (depends on the assumed column when `column_assumed`).
    pub ka_per_s: f64,
    /// Standard error of k_a, 1/s.
    pub ka_se_per_s: Option<f64>,
    /// Desorption rate k_d, 1/s.
    pub kd_per_s: f64,
    /// Standard error of k_d, 1/s.
    pub kd_se_per_s: Option<f64>,
    /// Correlation of the k_a and k_d estimates.
    pub ka_kd_correlation: f64,
    /// K = k_a/k_d.
    pub partition_constant: f64,
    /// μ = α k_a t0 (independent of the assumed α).
    pub mu: f64,
    /// k' = α k_a/k_d (independent of the assumed α).
    pub retention_factor: f64,
    /// Peak area, signal·s.
    pub area: f64,
    /// Standard error of the area, signal·s.
    pub area_se: Option<f64>,
    /// Apex height of the fitted curve, signal units.
    pub height: Option<f64>,
    /// Width at half height of the fitted curve, s.
    pub w50_s: Option<f64>,
    /// USP tailing W5/(2 f5) of the fitted curve.
    pub tailing_usp: Option<f64>,
    /// Asymmetry b10/a10 of the fitted curve.
    pub asymmetry_10: Option<f64>,
    /// Plates 5.54 (t_R/W50)² of the fitted curve.
    pub plates_half_height: Option<f64>,
    /// Start of the peak's window, s.
    pub window_start_s: f64,
    /// End of the peak's window, s.
    pub window_end_s: f64,
    /// Points in the window.
    pub n_points: usize,
    /// SSE in the window (full model), signal².
    pub sse: f64,
    /// RMSE in the window, signal units.
    pub rmse: f64,
    /// R² in the window (full model, neighbours included).
    pub r2: Option<f64>,
    /// Run hold-up time t0, s.
    pub holdup_time_s: f64,
    /// Run injection time t1, s.
    pub injection_s: f64,
    /// Run inlet tail τ, s.
    pub inlet_tail_s: f64,
    /// True when the column is the generic preset.
    pub column_assumed: bool,
    /// What k_a and k_d mean: "isothermal" (the model's rates), or "effective at elution" when the run looks
    /// temperature-programmed (a peak narrower than the inlet profile).
    pub rates: String,
    /// How the fit stopped.
    pub termination: String,
    /// Why the fit failed, if it did.
    pub error: Option<String>,
}

impl PeakRow {
    /// The row of `peak` on `session`'s column with the run-level values `run_level`, its fit figures `fit`
    /// (`None`: never fitted, or edited since) and the lab metrics of its model curve.
    pub fn new(
        run: &RunInfo,
        session: &Session,
        run_level: &RunLevel,
        peak: &Peak,
        fit: Option<&PeakFitSummary>,
        metrics: Option<&PeakMetrics>,
    ) -> PeakRow {
        let column = &session.column;
        let (window_start_s, window_end_s) = fit.and_then(|f| f.window_s).unwrap_or((0.0, 0.0));
        let n_points = fit.map_or(0, |f| f.n_points);
        let sse = fit.map_or(0.0, |f| f.sse);
        let mean_time_s = moments(column, peak).mean_s;
        PeakRow {
            file: run.file.clone(),
            channel: run.channel,
            channel_name: run.channel_name.clone(),
            peak: peak.name.clone(),
            quality: fit.map_or(Quality::NotFitted, |f| f.quality).label().to_string(),
            retention_time_s: fit
                .map(|f| f.retention_time_s)
                .or(metrics.map(|m| m.retention_time_s))
                .unwrap_or(mean_time_s),
            mean_time_s,
            ka_per_s: peak.ka_per_s,
            ka_se_per_s: fit.and_then(|f| f.ka_se_per_s),
            kd_per_s: peak.kd_per_s,
            kd_se_per_s: fit.and_then(|f| f.kd_se_per_s),
            ka_kd_correlation: fit.map_or(0.0, |f| f.ka_kd_correlation),
            partition_constant: peak.partition_constant(),
            mu: fit.map_or_else(|| column.mu(peak.ka_per_s), |f| f.mu),
            retention_factor: fit
                .map_or_else(|| column.alpha() * peak.ka_per_s / peak.kd_per_s, |f| f.retention_factor),
            area: peak.area,
            area_se: fit.and_then(|f| f.area_se),
            height: metrics.map(|m| m.height),
            w50_s: metrics.and_then(|m| m.w50.map(|c| c.width_s())),
            tailing_usp: metrics.and_then(|m| m.tailing_usp),
            asymmetry_10: metrics.and_then(|m| m.asymmetry_10),
            plates_half_height: metrics.and_then(|m| m.plates_half_height),
            window_start_s,
            window_end_s,
            n_points,
            sse,
            rmse: if n_points > 0 { (sse / n_points as f64).sqrt() } else { 0.0 },
            r2: fit.and_then(|f| f.r2),
            holdup_time_s: run_level.holdup_time_s,
            injection_s: run_level.injection_s,
            inlet_tail_s: run_level.inlet_tail_s,
            column_assumed: session.fit.as_ref().is_some_and(|f| f.column_assumed),
            rates: if session.fit.as_ref().is_some_and(|f| f.temperature_programmed) {
                "effective at elution".into()
            } else {
                "isothermal".into()
            },
            termination: fit.map_or_else(|| "not fitted".to_string(), |f| f.termination.clone()),
            error: fit.and_then(|f| f.error.clone()),
        }
    }

    /// The row of a template peak that no peak of the run matched: the template's values, no fit figures.
    pub fn unmatched(run: &RunInfo, session: &Session, run_level: &RunLevel, peak: &Peak) -> PeakRow {
        PeakRow {
            quality: Quality::Unmatched.label().into(),
            ..PeakRow::new(run, session, run_level, peak, None, None)
        }
    }

    /// The column names, in order: the field names (each with its unit where it has one).
    pub fn header() -> Vec<String> {
        let mut w = csv::Writer::from_writer(Vec::new());
        // Serialising into memory cannot fail; the first record is the header.
        let _ = w.serialize(PeakRow::default());
        let bytes = w.into_inner().unwrap_or_default();
        let text = String::from_utf8_lossy(&bytes);
        text.lines().next().unwrap_or_default().split(',').map(String::from).collect()
    }
}

/// The rows as CSV (RFC 4180, header first, shortest exact decimals; unknown values empty). With no rows, only
/// the header.
pub fn to_csv(rows: &[PeakRow]) -> Result<Vec<u8>, csv::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    if rows.is_empty() {
        w.write_record(PeakRow::header())?;
    }
    for r in rows {
        w.serialize(r)?;
    }
    w.into_inner().map_err(|e| csv::Error::from(e.into_error()))
}

/// Each row's cells as text, in [`PeakRow::header`] order (what the CSV carries: shortest exact decimals, unknown
/// values empty).
pub fn cells(rows: &[PeakRow]) -> Vec<Vec<String>> {
    let csv_bytes = to_csv(rows).unwrap_or_default();
    let mut reader = csv::Reader::from_reader(csv_bytes.as_slice());
    reader.records().flatten().map(|r| r.iter().map(String::from).collect()).collect()
}

/// The rows as a pretty-printed JSON array of objects.
pub fn to_json(rows: &[PeakRow]) -> Result<Vec<u8>, serde_json::Error> {
    serde_json::to_vec_pretty(rows)
}

/// The rows as tab-separated text for the clipboard (header first; tabs and newlines in text replaced by spaces).
pub fn to_tsv(rows: &[PeakRow]) -> String {
    let csv_bytes = to_csv(rows).unwrap_or_default();
    let mut reader = csv::ReaderBuilder::new().has_headers(false).from_reader(csv_bytes.as_slice());
    let clean = |s: &str| s.replace(['\t', '\n', '\r'], " ");
    let mut out = String::new();
    for record in reader.records().flatten() {
        out += &record.iter().map(clean).collect::<Vec<_>>().join("\t");
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_names_every_field_and_round_trips_through_csv_and_tsv() {
        let header = PeakRow::header();
        assert_eq!(header.len(), 35);
        assert_eq!(header[0], "file");
        assert_eq!(header[4], "quality");
        assert!(header.iter().any(|h| h == "ka_se_per_s") && header.last().map(String::as_str) == Some("error"));
        let session = Session::paper_btex();
        let run = RunInfo { file: "a, \"b\".csv".into(), channel: 2, channel_name: "FID\tA".into() };
        let rl = RunLevel::of(&session.column);
        let rows: Vec<PeakRow> =
            session.peaks.iter().map(|p| PeakRow::new(&run, &session, &rl, p, None, None)).collect();
        let csv_bytes = to_csv(&rows).unwrap();
        let mut reader = csv::Reader::from_reader(csv_bytes.as_slice());
        assert_eq!(reader.headers().unwrap().iter().collect::<Vec<_>>(), header);
        let back: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
        assert_eq!(back.len(), 5);
        assert_eq!(&back[0][0], "a, \"b\".csv");
        assert_eq!(back[1][7].parse::<f64>().unwrap(), 2953.0);
        assert_eq!(&back[1][4], "not_fitted");
        let tsv = to_tsv(&rows);
        assert_eq!(tsv.lines().count(), 6);
        assert!(tsv.lines().all(|l| l.split('\t').count() == header.len()), "{tsv}");
        assert_eq!(String::from_utf8(to_csv(&[]).unwrap()).unwrap().trim_end(), header.join(","));
    }
}
