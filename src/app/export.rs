//! The peak table as data, CSV and tab-separated text (for the clipboard), and the files the app writes.

use std::path::Path;

use super::params::{mean_s, sigma_s};
use super::state::{Curves, Document};
use crate::fit::metrics::resolution_half_height;

/// One row of the peak table. Times in s, rates in 1/s, area in signal units × s, height in signal units.
#[derive(Debug, Clone, PartialEq)]
pub struct TableRow {
    /// Analyte name.
    pub name: String,
    /// Retention time t_R (the apex of the model curve, parabolic refinement) in s; `None` when the curve is flat.
    pub apex_s: Option<f64>,
    /// Mean (first moment) in s.
    pub mean_s: f64,
    /// Standard deviation in s.
    pub sigma_s: f64,
    /// Peak area in signal units × s.
    pub area: f64,
    /// Height of the model curve above the baseline in signal units; `None` when the curve is flat.
    pub height: Option<f64>,
    /// k_a in 1/s and its standard error when fitted.
    pub ka_per_s: f64,
    pub ka_se_per_s: Option<f64>,
    /// k_d in 1/s and its standard error when fitted.
    pub kd_per_s: f64,
    pub kd_se_per_s: Option<f64>,
    /// Partition constant K = k_a/k_d.
    pub partition: f64,
    /// R² of the last fit.
    pub r_squared: Option<f64>,
    /// Width at half height W50 of the model curve, s.
    pub w50_s: Option<f64>,
    /// USP tailing T = W5/(2 f5) at 5 % height (1 symmetric, > 1 tailing).
    pub tailing_usp: Option<f64>,
    /// Asymmetry As = b10/a10 at 10 % height.
    pub asymmetry_10: Option<f64>,
    /// Plates N = 5.54 (t_R/W50)² (half-height method).
    pub plates_half_height: Option<f64>,
    /// Resolution to the previous peak in time, Rs = 1.18 (t_R2 − t_R1)/(W50,1 + W50,2) (half-height).
    pub resolution_prev: Option<f64>,
}

/// Column headers, with units. The lab metrics (last five) follow [`crate::fit::metrics::CONVENTION`], from the
/// model curve of each peak.
pub const HEADERS: [&str; 17] = [
    "name",
    "t_R (s)",
    "mean (s)",
    "sigma (s)",
    "area (signal*s)",
    "height (signal)",
    "k_a (1/s)",
    "SE k_a (1/s)",
    "k_d (1/s)",
    "SE k_d (1/s)",
    "K = k_a/k_d",
    "R2",
    "W50 (s)",
    "USP tailing T (5%)",
    "asymmetry As (10%)",
    "plates N (half height)",
    "resolution Rs to previous (half height)",
];

/// The table rows of `doc`, with apex, height and lab metrics read from `curves` (computed from the same
/// document). The resolution of a peak is to the peak with the next earlier retention time, when both have W50.
pub fn table_rows(doc: &Document, curves: &Curves) -> Vec<TableRow> {
    let mut rows: Vec<TableRow> = doc
        .session
        .peaks
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let apex = curves.apex.get(i).copied().flatten();
            let stats = doc.stats.get(i).copied().flatten().unwrap_or_default();
            let m = curves.metrics.get(i).cloned().flatten();
            TableRow {
                name: p.name.clone(),
                apex_s: m.as_ref().map(|m| m.retention_time_s).or(apex.map(|a| a.0)),
                mean_s: mean_s(&doc.session.column, p),
                sigma_s: sigma_s(&doc.session.column, p),
                area: p.area,
                height: m.as_ref().map(|m| m.height).or(apex.map(|a| a.1)),
                ka_per_s: p.ka_per_s,
                ka_se_per_s: stats.ka_se_per_s,
                kd_per_s: p.kd_per_s,
                kd_se_per_s: stats.kd_se_per_s,
                partition: p.partition_constant(),
                r_squared: stats.r_squared,
                w50_s: m.as_ref().and_then(|m| m.w50).map(|c| c.width_s()),
                tailing_usp: m.as_ref().and_then(|m| m.tailing_usp),
                asymmetry_10: m.as_ref().and_then(|m| m.asymmetry_10),
                plates_half_height: m.as_ref().and_then(|m| m.plates_half_height),
                resolution_prev: None,
            }
        })
        .collect();
    // Resolution to the previous peak in time order (peaks with an apex and W50 only).
    let mut order: Vec<usize> =
        (0..rows.len()).filter(|&i| rows[i].apex_s.is_some() && rows[i].w50_s.is_some()).collect();
    order.sort_by(|&a, &b| rows[a].apex_s.unwrap_or(0.0).total_cmp(&rows[b].apex_s.unwrap_or(0.0)));
    for pair in order.windows(2) {
        let (a, b) = (&rows[pair[0]], &rows[pair[1]]);
        if let (Some(t1), Some(w1), Some(t2), Some(w2)) = (a.apex_s, a.w50_s, b.apex_s, b.w50_s) {
            rows[pair[1]].resolution_prev = resolution_half_height(t1, w1, t2, w2);
        }
    }
    rows
}

fn cells(row: &TableRow) -> [String; 17] {
    let num = |v: f64| format!("{v}");
    let opt = |v: Option<f64>| v.map(num).unwrap_or_default();
    [
        row.name.clone(),
        opt(row.apex_s),
        num(row.mean_s),
        num(row.sigma_s),
        num(row.area),
        opt(row.height),
        num(row.ka_per_s),
        opt(row.ka_se_per_s),
        num(row.kd_per_s),
        opt(row.kd_se_per_s),
        num(row.partition),
        opt(row.r_squared),
        opt(row.w50_s),
        opt(row.tailing_usp),
        opt(row.asymmetry_10),
        opt(row.plates_half_height),
        opt(row.resolution_prev),
    ]
}

/// The table as CSV (RFC 4180 quoting, header first, full precision; unknown values empty).
pub fn to_csv(rows: &[TableRow]) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    // Writing to a Vec cannot fail.
    let _ = w.write_record(HEADERS);
    for row in rows {
        let _ = w.write_record(cells(row));
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

/// The table as tab-separated text for the clipboard (tabs and newlines in names replaced by spaces).
pub fn to_tsv(rows: &[TableRow]) -> String {
    let clean = |s: &str| s.replace(['\t', '\n', '\r'], " ");
    let mut out = HEADERS.join("\t") + "\n";
    for row in rows {
        out += &cells(row).iter().map(|c| clean(c)).collect::<Vec<_>>().join("\t");
        out.push('\n');
    }
    out
}

/// Writes `text` to `path` atomically.
pub fn write_text(path: &Path, text: &str) -> std::io::Result<()> {
    crate::session::write_atomically(path, text.as_bytes())
}

/// Writes an egui image as PNG (atomically).
pub fn write_png(path: &Path, image: &egui::ColorImage) -> Result<(), String> {
    let [w, h] = image.size;
    let rgba: Vec<u8> = image.pixels.iter().flat_map(|c| c.to_srgba_unmultiplied()).collect();
    let buffer = image::RgbaImage::from_raw(w as u32, h as u32, rgba).ok_or("empty screenshot")?;
    let mut bytes = Vec::new();
    buffer
        .write_to(&mut std::io::Cursor::new(&mut bytes), image::ImageFormat::Png)
        .map_err(|e| format!("cannot encode PNG: {e}"))?;
    crate::session::write_atomically(path, &bytes).map_err(|e| format!("cannot write PNG: {e} ({})", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::Session;

    #[test]
    fn csv_and_tsv_carry_every_row_and_quote_names() {
        let mut doc = Document::new(Session::paper_btex());
        doc.session.peaks[0].name = "a, \"b\"\tc".into();
        let curves = Curves::default();
        let rows = table_rows(&doc, &curves);
        let csv_text = to_csv(&rows);
        let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
        assert_eq!(reader.headers().unwrap().len(), HEADERS.len());
        let back: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
        assert_eq!(back.len(), 5);
        assert_eq!(&back[0][0], "a, \"b\"\tc");
        assert_eq!(back[1][6].parse::<f64>().unwrap(), 2953.0);
        let tsv = to_tsv(&rows);
        assert_eq!(tsv.lines().count(), 6);
        assert!(tsv.lines().all(|l| l.split('\t').count() == HEADERS.len()));
        let dir = tempfile::tempdir().unwrap();
        let png = dir.path().join("x.png");
        write_png(&png, &egui::ColorImage::new([3, 2], vec![egui::Color32::RED; 6])).unwrap();
        assert!(std::fs::read(&png).unwrap().starts_with(b"\x89PNG"));
    }
}
