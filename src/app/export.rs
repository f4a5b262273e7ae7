//! The peak table as data, CSV and tab-separated text (for the clipboard), and the files the app writes.

use std::path::Path;

use super::params::{mean_s, sigma_s};
use super::state::{Curves, Document};

/// One row of the peak table. Times in s, rates in 1/s, area in signal units × s, height in signal units.
#[derive(Debug, Clone, PartialEq)]
pub struct TableRow {
    /// Analyte name.
    pub name: String,
    /// Retention time t_R (the apex of the model curve) in s; `None` when the curve is flat.
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
}

/// Column headers, with units.
pub const HEADERS: [&str; 12] = [
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
];

/// The table rows of `doc`, with apex and height read from `curves` (computed from the same document).
pub fn table_rows(doc: &Document, curves: &Curves) -> Vec<TableRow> {
    doc.session
        .peaks
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let apex = curves.apex.get(i).copied().flatten();
            let stats = doc.stats.get(i).copied().flatten().unwrap_or_default();
            TableRow {
                name: p.name.clone(),
                apex_s: apex.map(|a| a.0),
                mean_s: mean_s(&doc.session.column, p),
                sigma_s: sigma_s(&doc.session.column, p),
                area: p.area,
                height: apex.map(|a| a.1),
                ka_per_s: p.ka_per_s,
                ka_se_per_s: stats.ka_se_per_s,
                kd_per_s: p.kd_per_s,
                kd_se_per_s: stats.kd_se_per_s,
                partition: p.partition_constant(),
                r_squared: stats.r_squared,
            }
        })
        .collect()
}

fn cells(row: &TableRow) -> [String; 12] {
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
