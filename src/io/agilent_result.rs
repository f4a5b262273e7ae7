//! ChemStation `Result.xml` (the integration report a ChemStation writes into a `.D` folder): peak table, sample
//! name and injection date.
//!
//! | element path | read as |
//! |---|---|
//! | `ChemStationResult/SampleInformation/SampleName` | sample name |
//! | `ChemStationResult/SampleInformation/InjectionDateTime` | acquisition date (as written: `23-Aug-22, 12:48:20`) |
//! | `ChemStationResult/Results/ResultsGroup/Peak` | one peak-table row per element |
//! | `…/Peak/SignalDesc` | the signal the peak belongs to (`FID1 A,`) |
//! | `…/Peak/MeasRetTime` (`Unit="min"`), `Area`, `Height`, `Name` | retention time, area, height, compound name |
//!
//! How the layout was established: no specification or reference reader was used. The one file seen
//! (tests/data/ccet_chemstation_181_Result.xml, ChemStation C.01.10) is UTF-16 LE with a byte-order mark; its tree
//! was listed element by element. `Results/ResultsGroup/Peak` (36 rows) repeats, value for value, the
//! `Chromatograms/Signal/IntegrationResults` rows (`RetTime`, `Area`, `Height`) and adds the compound `Name` and
//! the units as attributes (`MeasRetTime Unit="min"`, `Area Unit="pA*s"`), so it is the table read. Areas are
//! converted by the unit's time part (`*s` as is, `*min` × 60); a retention time in an unknown unit is skipped.
//! Rows that are not finite numbers are skipped, never an error: the chromatogram matters more than its report.

use std::path::Path;

use roxmltree::{Document, Node};

use crate::chromatogram::PeakTableEntry;
use crate::io::{IoError, Location, MAX_ABS_TIME_S};

/// Format name used in errors.
const FORMAT: &str = "ChemStation Result.xml";
/// Most peak rows read from one report (a guard, far above any real table).
const MAX_PEAKS: usize = 100_000;

/// What a `Result.xml` holds that Elute uses.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Report {
    pub sample_name: Option<String>,
    pub acquisition_date: Option<String>,
    /// Peaks with the signal description each belongs to (`FID1 A,`).
    pub peaks: Vec<(String, PeakTableEntry)>,
}

/// Parses a `Result.xml` (UTF-16 with a byte-order mark, or UTF-8). Errors: [`IoError::Corrupt`] when it is not
/// XML or its root is not `ChemStationResult`.
pub fn read(bytes: &[u8], path: &Path) -> Result<Report, IoError> {
    let utf8 = crate::io::text::utf16_to_utf8(bytes).unwrap_or_else(|| bytes.to_vec());
    let text = String::from_utf8_lossy(crate::io::text::strip_bom(&utf8)).into_owned();
    let corrupt = |at: Location, what: String| IoError::Corrupt { format: FORMAT, at, what, path: path.to_path_buf() };
    let doc = Document::parse(&text).map_err(|e| corrupt(Location::File, format!("not XML: {e}")))?;
    let root = doc.root_element();
    if root.tag_name().name() != "ChemStationResult" {
        return Err(corrupt(Location::Field(root.tag_name().name().into()), "root is not ChemStationResult".into()));
    }
    let sample = child(root, "SampleInformation");
    let peaks = child(root, "Results")
        .into_iter()
        .flat_map(|r| r.children().filter(|n| n.has_tag_name("ResultsGroup")))
        .flat_map(|g| g.children().filter(|n| n.has_tag_name("Peak")))
        .filter_map(peak)
        .take(MAX_PEAKS)
        .collect();
    Ok(Report {
        sample_name: sample.and_then(|s| text_of(s, "SampleName")),
        acquisition_date: sample.and_then(|s| text_of(s, "InjectionDateTime")),
        peaks,
    })
}

/// One `Peak` row, `None` when its retention time is missing, not finite or in an unknown unit.
fn peak(node: Node) -> Option<(String, PeakTableEntry)> {
    let rt = child(node, "MeasRetTime")?;
    let rt_s = number(rt)? * seconds_per(rt.attribute("Unit").unwrap_or("min"))?;
    if rt_s.abs() > MAX_ABS_TIME_S {
        return None;
    }
    let area = child(node, "Area").and_then(|a| {
        let unit = a.attribute("Unit").unwrap_or("");
        let per_time = unit.rsplit('*').next().filter(|_| unit.contains('*')).unwrap_or("s");
        Some(number(a)? * seconds_per(per_time)?)
    });
    let entry = PeakTableEntry {
        name: text_of(node, "Name").unwrap_or_default(),
        retention_time_s: rt_s,
        area,
        height: child(node, "Height").and_then(number),
    };
    Some((text_of(node, "SignalDesc").unwrap_or_default(), entry))
}

/// Seconds in one `unit` of time.
fn seconds_per(unit: &str) -> Option<f64> {
    match unit.trim().to_ascii_lowercase().as_str() {
        "min" => Some(60.0),
        "s" | "sec" => Some(1.0),
        "ms" => Some(1e-3),
        _ => None,
    }
}

fn child<'a, 'i>(node: Node<'a, 'i>, name: &str) -> Option<Node<'a, 'i>> {
    node.children().find(|n| n.has_tag_name(name))
}

/// Trimmed non-empty text of the child `name`.
fn text_of(node: Node, name: &str) -> Option<String> {
    let text = child(node, name)?.text()?.trim();
    (!text.is_empty()).then(|| text.to_string())
}

/// The element's text as a finite number.
fn number(node: Node) -> Option<f64> {
    node.text()?.trim().parse::<f64>().ok().filter(|v| v.is_finite() && v.abs() < 1e100)
}

/// True when a peak's signal description (`FID1 A,`) names `channel` (`FID1A`, `FID1 A, Front Signal`): both
/// compared without blanks and commas, case-insensitively.
pub fn signal_matches(signal_desc: &str, channel: &str) -> bool {
    let squash = |s: &str| s.chars().filter(|c| !c.is_whitespace() && *c != ',').collect::<String>().to_uppercase();
    let (desc, channel) = (squash(signal_desc), squash(channel));
    !desc.is_empty() && (channel.starts_with(&desc) || desc.starts_with(&channel))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_peaks_with_units_and_skips_bad_rows() {
        let xml = r#"<ChemStationResult><SampleInformation><SampleName>s1</SampleName></SampleInformation>
            <Results><ResultsGroup>
              <Peak><SignalDesc>FID1 A,</SignalDesc><MeasRetTime Unit="min">1.5</MeasRetTime>
                <Area Unit="pA*s">10</Area><Height Unit="pA">2</Height><Name>benzene</Name></Peak>
              <Peak><MeasRetTime Unit="min">NaN</MeasRetTime></Peak>
              <Peak><MeasRetTime Unit="fortnight">1</MeasRetTime></Peak>
            </ResultsGroup></Results></ChemStationResult>"#;
        let r = read(xml.as_bytes(), Path::new("Result.xml")).unwrap();
        assert_eq!(r.sample_name.as_deref(), Some("s1"));
        assert_eq!(r.peaks.len(), 1);
        let (desc, p) = &r.peaks[0];
        assert!(signal_matches(desc, "FID1A"));
        assert!(!signal_matches(desc, "FID2B"));
        assert_eq!((p.retention_time_s, p.area, p.height, p.name.as_str()), (90.0, Some(10.0), Some(2.0), "benzene"));
        assert!(read(b"<other/>", Path::new("Result.xml")).is_err());
    }
}
