//! The peak table of the document as [`PeakRow`]s (the row type `elute fit` writes, so the app's CSV export and
//! clipboard copy have the same columns), and the files the app writes.

use std::path::Path;

use super::state::{Curves, Document};
use crate::fit::metrics::resolution_half_height;
use crate::model::RunLevel;
use crate::session::{PeakRow, RunInfo};

/// The table rows of `doc`, one per peak in the document's order, with the lab metrics of each model curve read
/// from `curves` (computed from the same document).
pub fn table_rows(doc: &Document, curves: &Curves) -> Vec<PeakRow> {
    let info = match &doc.run {
        Some(run) => RunInfo {
            file: run.path.as_ref().map_or_else(|| run.display_name(), |p| p.display().to_string()),
            channel: u32::try_from(run.channel + 1).unwrap_or(1),
            channel_name: run.chromatogram().channel.clone(),
        },
        None => RunInfo { file: "simulation".into(), channel: 1, channel_name: String::new() },
    };
    let session = doc.session_to_save();
    let run_level = RunLevel::of(&session.column);
    doc.session
        .peaks
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let fit = doc.fits.get(i).and_then(Option::as_ref);
            let metrics = curves.metrics.get(i).and_then(Option::as_ref);
            PeakRow::new(&info, &session, &run_level, p, fit, metrics)
        })
        .collect()
}

/// Per row, the half-height resolution Rs = 1.18·(t_R2 − t_R1)/(W50,1 + W50,2) to the peak with the next earlier
/// retention time, when both have a W50.
pub fn resolutions(rows: &[PeakRow]) -> Vec<Option<f64>> {
    let mut out = vec![None; rows.len()];
    let mut order: Vec<usize> = (0..rows.len()).filter(|&i| rows[i].w50_s.is_some()).collect();
    order.sort_by(|&a, &b| rows[a].retention_time_s.total_cmp(&rows[b].retention_time_s));
    for pair in order.windows(2) {
        let (a, b) = (&rows[pair[0]], &rows[pair[1]]);
        if let (Some(w1), Some(w2)) = (a.w50_s, b.w50_s) {
            out[pair[1]] = resolution_half_height(a.retention_time_s, w1, b.retention_time_s, w2);
        }
    }
    out
}

/// The table as CSV (the columns of `elute fit`'s peaks.csv).
pub fn to_csv(rows: &[PeakRow]) -> String {
    String::from_utf8(crate::session::peak_row::to_csv(rows).unwrap_or_default()).unwrap_or_default()
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
    use crate::session::{Session, peak_row};

    #[test]
    fn csv_and_tsv_carry_every_row_with_the_cli_header() {
        let mut doc = Document::new(Session::paper_btex());
        doc.session.peaks[0].name = "a, \"b\"\tc".into();
        let rows = table_rows(&doc, &Curves::default());
        let csv_text = to_csv(&rows);
        let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
        assert_eq!(reader.headers().unwrap().iter().collect::<Vec<_>>(), PeakRow::header());
        let back: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
        assert_eq!(back.len(), 5);
        assert_eq!(&back[0][3], "a, \"b\"\tc");
        let tsv = peak_row::to_tsv(&rows);
        assert_eq!(tsv.lines().count(), 6);
        let dir = tempfile::tempdir().unwrap();
        let png = dir.path().join("x.png");
        write_png(&png, &egui::ColorImage::new([3, 2], vec![egui::Color32::RED; 6])).unwrap();
        assert!(std::fs::read(&png).unwrap().starts_with(b"\x89PNG"));
    }
}
