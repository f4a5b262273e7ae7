//! The lines a delimited text file carries before its numbers: key/value metadata (Chromeleon's block,
//! `# Sample: ...` comments), the Agilent MassHunter two-line header, and the column header.

use super::text::{Separator, split_fields, unquote};
use crate::chromatogram::Metadata;

/// Time unit of a text time column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeUnit {
    /// Seconds.
    Seconds,
    /// Minutes.
    Minutes,
    /// Milliseconds.
    Milliseconds,
}

impl TimeUnit {
    /// Seconds per unit.
    pub fn seconds(self) -> f64 {
        match self {
            TimeUnit::Seconds => 1.0,
            TimeUnit::Minutes => 60.0,
            TimeUnit::Milliseconds => 1e-3,
        }
    }

    /// Short name ("s", "min", "ms").
    pub fn name(self) -> &'static str {
        match self {
            TimeUnit::Seconds => "s",
            TimeUnit::Minutes => "min",
            TimeUnit::Milliseconds => "ms",
        }
    }
}

/// Which program wrote the file, when the preamble says so.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavour {
    /// Plain delimited text.
    Plain,
    /// Agilent MassHunter chromatogram export ("Start of data points").
    MassHunter,
    /// Thermo Chromeleon ASCII export ("Chromatogram Data:").
    Chromeleon,
}

/// What a preamble says.
#[derive(Debug, Clone, Default)]
pub struct Preamble {
    /// Metadata fields found (format left empty).
    pub metadata: Metadata,
    /// The program that wrote the file, if recognised.
    pub flavour: Option<Flavour>,
    /// Signal unit stated in the preamble ("Signal Unit", MassHunter's "counts").
    pub signal_unit: Option<String>,
    /// Time unit the preamble implies (MassHunter exports are in minutes).
    pub time_unit: Option<TimeUnit>,
    /// Channel name the preamble states.
    pub channel: Option<String>,
}

/// Most key/value lines kept in [`Metadata::extra`] (a preamble of thousands of lines is not metadata).
const MAX_EXTRA: usize = 200;

/// Reads metadata from preamble lines (without the column header line).
pub fn parse(lines: &[&str], sep: Separator) -> Preamble {
    let mut p = Preamble::default();
    let mut injection_time = None;
    let mut fields = Vec::new();
    let is_start = |l: &str| l.trim().eq_ignore_ascii_case("start of data points");
    for (i, raw) in lines.iter().enumerate() {
        let line = raw.trim_start_matches('\u{feff}').trim().trim_start_matches('#').trim();
        if line.is_empty() || lines.get(i + 1).is_some_and(|next| is_start(next)) {
            continue; // MassHunter's data-path line is read with the line after it
        }
        if is_start(line) {
            p.flavour = Some(Flavour::MassHunter);
            p.time_unit = Some(TimeUnit::Minutes);
            p.signal_unit = Some("counts".into());
            p.channel = Some("TIC".into());
            if let Some(prev) = i.checked_sub(1).map(|j| lines[j].trim()) {
                masshunter_origin(prev, &mut p.metadata);
            }
            continue;
        }
        if line.eq_ignore_ascii_case("chromatogram data:") {
            p.flavour = Some(Flavour::Chromeleon);
        }
        let Some((key, value)) = key_value(line, sep, &mut fields) else { continue };
        let lower = key.to_ascii_lowercase();
        let mut mapped = true;
        let set = |slot: &mut Option<String>| {
            if slot.is_none() && !value.is_empty() {
                *slot = Some(value.clone());
            }
        };
        match lower.as_str() {
            "sample name" | "sample" | "sample id" | "samplename" | "sample_name" | "injection" => {
                set(&mut p.metadata.sample_name)
            }
            "instrument" | "instrument name" | "instrument id" => set(&mut p.metadata.instrument),
            "detector" | "detector name" => set(&mut p.metadata.detector),
            "acquisition date" | "acquisition date and time" | "injection date" | "acquired" | "date" | "run date" => {
                set(&mut p.metadata.acquisition_date)
            }
            "injection time" => injection_time = Some(value.clone()),
            "signal unit" | "y unit" | "units" => set(&mut p.signal_unit),
            "channel" => {
                set(&mut p.channel);
                mapped = false;
            }
            "generating data system" if value.to_ascii_lowercase().contains("chromeleon") => {
                p.flavour = Some(Flavour::Chromeleon);
                mapped = false;
            }
            _ => mapped = false,
        }
        if !mapped && !value.is_empty() && p.metadata.extra.len() < MAX_EXTRA {
            p.metadata.extra.push((key.to_string(), value));
        }
    }
    if let (Some(date), Some(time)) = (p.metadata.acquisition_date.as_mut(), injection_time) {
        date.push(' ');
        date.push_str(&time);
    }
    p
}

/// Splits `Key<sep>value[<sep>more]` or `Key: value` into the key (without a trailing colon) and the value.
fn key_value<'a>(line: &'a str, sep: Separator, fields: &mut Vec<&'a str>) -> Option<(&'a str, String)> {
    if sep != Separator::Whitespace {
        split_fields(line, sep, fields);
        if fields.len() >= 2 {
            let key = unquote(fields[0]).trim_end_matches(':').trim();
            let value: Vec<&str> = fields[1..].iter().map(|f| unquote(f)).filter(|f| !f.is_empty()).collect();
            return (!key.is_empty()).then(|| (key, value.join(" ")));
        }
    }
    let (key, value) = line.split_once(':').or_else(|| line.split_once('='))?;
    let key = key.trim();
    (!key.is_empty() && key.len() <= 60).then(|| (key, unquote(value).to_string()))
}

/// MassHunter's first line: `D:\MassHunter\Data\name.D Tue Dec 17 10:13:57 2019` (data path, then the date).
fn masshunter_origin(line: &str, metadata: &mut Metadata) {
    let line = line.trim_start_matches('\u{feff}');
    const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    let tokens: Vec<&str> = line.split_whitespace().collect();
    let (data_path, date) = match tokens.len().checked_sub(5) {
        Some(k) if DAYS.contains(&tokens[k]) => (tokens[..k].join(" "), Some(tokens[k..].join(" "))),
        _ => (tokens.join(" "), None),
    };
    let folder = data_path.rsplit(['\\', '/']).next().unwrap_or("");
    let stem = folder.trim_end_matches(".D").trim_end_matches(".d").trim();
    if !stem.is_empty() {
        metadata.sample_name = Some(stem.to_string());
    }
    metadata.acquisition_date = date;
    if !data_path.is_empty() {
        metadata.extra.push(("data path".into(), data_path));
    }
}

/// Time unit named in a column header: `Time (min)`, `time_s`, `RT [sec]`, `min`, `t/ms`...
pub fn header_time_unit(header: &str) -> Option<TimeUnit> {
    header.split(|c: char| !c.is_ascii_alphanumeric()).filter(|t| !t.is_empty()).find_map(|t| {
        match t.to_ascii_lowercase().as_str() {
            "min" | "mins" | "minute" | "minutes" => Some(TimeUnit::Minutes),
            "s" | "sec" | "secs" | "second" | "seconds" => Some(TimeUnit::Seconds),
            "ms" | "msec" | "millisecond" | "milliseconds" => Some(TimeUnit::Milliseconds),
            _ => None,
        }
    })
}

/// Unit written in brackets in a column header: `Value (nC)` → `nC`, `Signal [pA]` → `pA`.
pub fn header_unit(header: &str) -> Option<String> {
    let open = header.rfind(['(', '['])?;
    let close = header[open..].find([')', ']'])? + open;
    let unit = header[open + 1..close].trim();
    (!unit.is_empty()).then(|| unit.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masshunter_header() {
        let p = parse(
            &["D:\\MassHunter\\Data\\caye_nmr_test_mix .D Tue Dec 17 10:13:57 2019", "Start of data points"],
            Separator::Comma,
        );
        assert_eq!(p.flavour, Some(Flavour::MassHunter));
        assert_eq!(p.metadata.sample_name.as_deref(), Some("caye_nmr_test_mix"));
        assert_eq!(p.metadata.acquisition_date.as_deref(), Some("Tue Dec 17 10:13:57 2019"));
        assert_eq!(p.time_unit, Some(TimeUnit::Minutes));
    }

    #[test]
    fn header_units() {
        assert_eq!(header_time_unit("Time (min)"), Some(TimeUnit::Minutes));
        assert_eq!(header_time_unit("time_s"), Some(TimeUnit::Seconds));
        assert_eq!(header_time_unit("RT [sec]"), Some(TimeUnit::Seconds));
        assert_eq!(header_time_unit("time"), None);
        assert_eq!(header_unit("Value (nC)").as_deref(), Some("nC"));
        assert_eq!(header_unit("Signal [pA]").as_deref(), Some("pA"));
        assert_eq!(header_unit("signal"), None);
    }

    #[test]
    fn key_values() {
        let p = parse(&["Injection\tMix2", "Injection Date\t26.05.2017", "Injection Time\t16:52:02"], Separator::Tab);
        assert_eq!(p.metadata.sample_name.as_deref(), Some("Mix2"));
        assert_eq!(p.metadata.acquisition_date.as_deref(), Some("26.05.2017 16:52:02"));
        let p = parse(&["# Sample: benzene std", "# detector = FID"], Separator::Whitespace);
        assert_eq!(p.metadata.sample_name.as_deref(), Some("benzene std"));
        assert_eq!(p.metadata.detector.as_deref(), Some("FID"));
    }
}
