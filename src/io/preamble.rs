//! The lines a delimited text file carries before its numbers: key/value metadata (Chromeleon's block,
//! `# Sample: ...` comments), the Agilent MassHunter two-line header, and the column header.

use super::text::{Separator, split_fields, unquote};
use crate::chromatogram::Metadata;
pub use crate::chromatogram::TimeUnit;

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
            let label = i.checked_sub(1).and_then(|j| masshunter_origin(lines[j].trim(), &mut p.metadata));
            p.channel = Some(label.unwrap_or_else(|| "TIC".into()));
            continue;
        }
        if let Some((label, sample)) = qual_title(raw) {
            p.flavour = Some(Flavour::MassHunter);
            p.channel = Some(label);
            p.metadata.sample_name = sample.or(p.metadata.sample_name.take());
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
/// The sample is the run folder's stem; returns the signal the path names after that folder, if any
/// ([`signal_label`]).
fn masshunter_origin(line: &str, metadata: &mut Metadata) -> Option<String> {
    let line = line.trim_start_matches('\u{feff}');
    const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    let tokens: Vec<&str> = line.split_whitespace().collect();
    let (data_path, date) = match tokens.len().checked_sub(5) {
        Some(k) if DAYS.contains(&tokens[k]) => (tokens[..k].join(" "), Some(tokens[k..].join(" "))),
        _ => (tokens.join(" "), None),
    };
    let (folder, after) = split_at_run_folder(&data_path);
    let name = folder.rsplit(['\\', '/']).next().unwrap_or("");
    let stem = name.trim_end_matches(".D").trim_end_matches(".d").trim();
    if !stem.is_empty() {
        metadata.sample_name = Some(stem.to_string());
    }
    metadata.acquisition_date = date;
    let label = signal_label(after);
    if !data_path.is_empty() {
        metadata.extra.push(("data path".into(), data_path.clone()));
    }
    label
}

/// MassHunter Qualitative's chromatogram title line, `#"+TIC Scan run.D "` or `#"FID2B run.D "`: the signal's
/// label, and the sample (the run folder's stem) when the line names it.
fn qual_title(raw: &str) -> Option<(String, Option<String>)> {
    let inner = raw.trim().strip_prefix("#\"")?.strip_suffix('"')?.trim();
    let tokens: Vec<&str> = inner.split_whitespace().collect();
    let is_folder = |t: &&str| t.len() > 2 && t.to_ascii_lowercase().ends_with(".d");
    let (label, sample) = match tokens.iter().rposition(is_folder) {
        Some(k) if k > 0 => {
            let name = tokens[k].rsplit(['\\', '/']).next().unwrap_or(tokens[k]);
            (tokens[..k].join(" "), Some(name[..name.len() - 2].to_string()))
        }
        _ => (inner.to_string(), None),
    };
    (!label.is_empty()).then_some((label, sample))
}

/// Splits a data path after its last run folder `….D` (the path up to it, and what follows); without one, the
/// whole path and nothing.
fn split_at_run_folder(data_path: &str) -> (&str, &str) {
    let lower = data_path.to_ascii_lowercase();
    let end = lower
        .match_indices(".d")
        .map(|(k, _)| k + 2)
        .filter(|&k| lower[k..].chars().next().is_none_or(|c| matches!(c, '\\' | '/' | ' ')))
        .last()
        .unwrap_or(data_path.len());
    data_path.split_at(end)
}

/// The signal named after a run folder: a signal file (`\FID2B.ch` gives `FID2B`, `\data.ms` the `TIC`,
/// `\dataSim.ms` the `TIC (SIM)`) or a label (` TCD1A`). `None` when nothing follows (an MSD `tic_front.csv`).
fn signal_label(after_folder: &str) -> Option<String> {
    let rest = after_folder.trim_matches(|c: char| matches!(c, '\\' | '/') || c.is_whitespace());
    let label = match rest.to_ascii_lowercase().as_str() {
        "" => return None,
        "data.ms" => "TIC".to_string(),
        "datasim.ms" => "TIC (SIM)".to_string(),
        r if r.ends_with(".ch") || r.ends_with(".ms") => rest[..rest.len() - 3].to_string(),
        _ => rest.to_string(),
    };
    Some(label)
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

/// True when a header cell is nothing but a common detector-signal unit (`counts`, `pA`, `uV`, `mAU`, ...).
pub fn is_signal_unit(cell: &str) -> bool {
    const UNITS: [&str; 18] = [
        "counts",
        "count",
        "cps",
        "abundance",
        "pa",
        "na",
        "fa",
        "ua",
        "µa",
        "uv",
        "µv",
        "mv",
        "v",
        "mau",
        "au",
        "a.u.",
        "nc",
        "%",
    ];
    let c = cell.trim().to_lowercase();
    UNITS.contains(&c.as_str())
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
    fn masshunter_signal_names_come_from_the_data_path() {
        let name = |first: &str| parse(&[first, "Start of data points"], Separator::Comma).channel;
        let date = "Fri Jan 14 14:16:58 2022";
        assert_eq!(name(&format!("D:\\MassHunter\\Data\\run 1.D {date}")).as_deref(), Some("TIC"));
        assert_eq!(name(&format!("D:\\Data\\run.D\\FID2B.ch {date}")).as_deref(), Some("FID2B"));
        assert_eq!(name(&format!("D:\\Data\\run.D\\TCD1A.CH {date}")).as_deref(), Some("TCD1A"));
        assert_eq!(name(&format!("D:\\Data\\run.D\\data.ms {date}")).as_deref(), Some("TIC"));
        assert_eq!(name(&format!("D:\\Data\\run.D\\dataSim.ms {date}")).as_deref(), Some("TIC (SIM)"));
        assert_eq!(name(&format!("D:\\Data\\run.D TCD1A {date}")).as_deref(), Some("TCD1A"));
        assert_eq!(name("/data/x.dir/run.d/FID1A.ch").as_deref(), Some("FID1A"));
        let p = parse(&[&format!("D:\\Data\\my run.D\\FID2B.ch {date}"), "Start of data points"], Separator::Comma);
        assert_eq!(p.metadata.sample_name.as_deref(), Some("my run"), "the sample is the run folder's stem");
    }

    #[test]
    fn masshunter_qualitative_titles_name_the_signal() {
        let p = parse(&["#\"+TIC Scan cedrol_mix_01.D \""], Separator::Comma);
        assert_eq!(p.flavour, Some(Flavour::MassHunter));
        assert_eq!(p.channel.as_deref(), Some("+TIC Scan"));
        assert_eq!(p.metadata.sample_name.as_deref(), Some("cedrol_mix_01"));
        assert_eq!(parse(&["#\"FID2B D:\\x\\run.D \""], Separator::Comma).channel.as_deref(), Some("FID2B"));
        assert_eq!(parse(&["#\"TCD1A\""], Separator::Comma).channel.as_deref(), Some("TCD1A"));
        assert_eq!(parse(&["# \"quoted\" words, not a title"], Separator::Comma).channel, None);
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
