//! Delimited text chromatograms: CSV, TSV, `;`- and whitespace-separated columns, dot or comma decimals,
//! byte-order marks, CRLF; Agilent MassHunter and Thermo Chromeleon exports; Fityk-style two-column `.xy`/`.dat`.
//!
//! # Layout of a file
//! Any lines of metadata (key/value pairs, `#` comments, MassHunter's two header lines, Chromeleon's block), an
//! optional column-header line, then rows of numbers. The first column is time; every other column is one
//! channel (a column headed `Step ...`, Chromeleon's step-width column, is skipped). When non-numeric lines
//! interrupt the rows and more rows follow (MassHunter writes several runs into one file like that), each block
//! of rows becomes its own run with the metadata of the lines before it.
//!
//! # Separator and decimal
//! Sniffed from the last rows of the file (metadata lines are at the top): the first of tab, `;`, `,`,
//! whitespace, each tried with a dot and then a comma decimal (never comma with comma), under which most of
//! those rows split into two or more numbers.
//!
//! # Time unit
//! From the time column's header when it names one (`Time (min)`, `time_s`, `RT [sec]`, `t/ms`); MassHunter
//! exports are minutes. Otherwise the rule is: **the time column is in minutes when its last value is below
//! 200, in seconds otherwise**. GC runs rarely last longer than 200 min, and a run logged in seconds is rarely
//! shorter than 200 s (3.3 min); a micro-GC run exported in seconds without a unit is the known misfit, and
//! gets a header to fix it. The choice and its reason are recorded in the metadata (`time unit`).
//!
//! # Why a hand parser and not the `csv` crate
//! The rows are simple (no quoted newlines in chromatogram exports), but the files are not: free-form metadata
//! with other field counts, comma decimals, runs of spaces as separators, several blocks per file, and errors
//! that must name the line. Splitting each line and parsing numbers with the standard library is simpler than
//! bending `csv` to that, and fast: one pass, no per-row allocation (about 0.1 s per million rows).

use std::path::Path;

use super::preamble::{self, Flavour, TimeUnit};
use super::series;
use super::text::{Decimal, Separator, decode, is_missing, numbered_lines, parse_number, split_fields, unquote};
use super::{IoError, Location};
use crate::chromatogram::{Chromatogram, Metadata};

/// Format name used in errors.
pub const FORMAT: &str = "delimited text";

/// Unit-less time columns whose last value is below this are taken as minutes (see the module doc).
pub const MINUTES_BELOW: f64 = 200.0;

/// Most preamble lines kept per block (the last one, the column header, is always kept).
const MAX_PREAMBLE_LINES: usize = 500;

/// Separator and decimal of a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dialect {
    /// Field separator.
    pub separator: Separator,
    /// Decimal separator.
    pub decimal: Decimal,
}

/// Reads every run and channel of a delimited text file. Errors: [`IoError::NoData`] without rows of numbers,
/// [`IoError::Corrupt`] for a broken row (wrong field count, a cell that is not a number) with its line,
/// [`IoError::NonFinite`] for NaN, infinite or missing (`n.a.`) values, [`IoError::NotMonotonic`], and
/// [`IoError::TooLarge`] past [`super::MAX_POINTS`] rows.
pub fn read(bytes: &[u8], path: &Path) -> Result<Vec<Chromatogram>, IoError> {
    let text = decode(bytes);
    let dialect = sniff_dialect(&text).ok_or_else(|| IoError::NoData { format: FORMAT, path: path.to_path_buf() })?;
    let blocks = split_blocks(&text, dialect, path)?;
    if blocks.is_empty() {
        return Err(IoError::NoData { format: FORMAT, path: path.to_path_buf() });
    }
    let runs = blocks.len();
    let mut out = Vec::new();
    let mut previous_names: Option<Vec<String>> = None;
    for (k, block) in blocks.into_iter().enumerate() {
        out.extend(block_to_chromatograms(block, dialect, (k, runs), &mut previous_names, path)?);
    }
    Ok(out)
}

/// Sniffs separator and decimal from the last rows that start like a number; `None` when no dialect splits them
/// into two or more numbers.
pub fn sniff_dialect(text: &str) -> Option<Dialect> {
    let sample: Vec<&str> = text
        .rsplit('\n')
        .take(5000)
        .map(str::trim)
        .filter(|l| l.trim_start_matches('"').starts_with(|c: char| c.is_ascii_digit() || matches!(c, '-' | '+' | '.')))
        .take(8)
        .collect();
    const CANDIDATES: [(Separator, Decimal); 7] = [
        (Separator::Tab, Decimal::Dot),
        (Separator::Tab, Decimal::Comma),
        (Separator::Semicolon, Decimal::Dot),
        (Separator::Semicolon, Decimal::Comma),
        (Separator::Comma, Decimal::Dot),
        (Separator::Whitespace, Decimal::Dot),
        (Separator::Whitespace, Decimal::Comma),
    ];
    let (mut fields, mut values) = (Vec::new(), Vec::new());
    CANDIDATES.iter().map(|&(separator, decimal)| Dialect { separator, decimal }).find(|&d| {
        let ok = sample.iter().filter(|l| parse_row(l, d, &mut fields, &mut values) == Row::Data).count();
        ok > 0 && ok * 2 >= sample.len()
    })
}

/// How a line parses under a dialect.
#[derive(Debug, PartialEq)]
enum Row {
    /// Two or more cells, all numbers or missing-value marks; values in the buffer (NaN for missing).
    Data,
    /// The first cell is not a number: metadata, a header, a footer.
    Text,
    /// Starts with a number but is not a row of numbers (what is wrong).
    Broken(String),
}

fn parse_row<'a>(line: &'a str, d: Dialect, fields: &mut Vec<&'a str>, values: &mut Vec<f64>) -> Row {
    split_fields(line, d.separator, fields);
    while fields.len() > 1 && fields.last().is_some_and(|f| f.trim().is_empty()) {
        fields.pop(); // a trailing separator
    }
    values.clear();
    match fields.first().and_then(|f| parse_number(f, d.decimal)) {
        Some(t) => values.push(t),
        None => return Row::Text,
    }
    if fields.len() < 2 {
        return Row::Broken("a time with no signal value".into());
    }
    for (i, cell) in fields.iter().enumerate().skip(1) {
        match parse_number(cell, d.decimal) {
            Some(v) => values.push(v),
            None if is_missing(cell) => values.push(f64::NAN),
            None => {
                let shown: String = cell.chars().take(40).collect();
                return Row::Broken(format!("cell {} `{shown}` is not a number", i + 1));
            }
        }
    }
    Row::Data
}

/// One block of numeric rows and the lines before it.
struct Block<'a> {
    preamble: Vec<&'a str>,
    /// columns[0] is time, in the file's unit.
    columns: Vec<Vec<f64>>,
    /// 1-based line of each row.
    row_lines: Vec<usize>,
}

fn split_blocks<'a>(text: &'a str, d: Dialect, path: &Path) -> Result<Vec<Block<'a>>, IoError> {
    let corrupt = |line, what| IoError::Corrupt { format: FORMAT, at: Location::Line(line), what, path: path.into() };
    let (mut fields, mut values) = (Vec::new(), Vec::new());
    let mut blocks = Vec::new();
    let mut pending: Vec<&str> = Vec::new();
    let mut current: Option<Block> = None;
    for (line_no, line) in numbered_lines(text) {
        let trimmed = line.trim();
        if trimmed.is_empty() || (current.is_some() && trimmed.starts_with('#')) {
            continue;
        }
        match parse_row(line, d, &mut fields, &mut values) {
            Row::Data => {
                let block = current.get_or_insert_with(|| Block {
                    preamble: std::mem::take(&mut pending),
                    columns: vec![Vec::new(); values.len()],
                    row_lines: Vec::new(),
                });
                if values.len() != block.columns.len() {
                    let what = format!("{} fields where earlier rows have {}", values.len(), block.columns.len());
                    return Err(corrupt(line_no, what));
                }
                if block.row_lines.len() >= super::MAX_POINTS {
                    let claimed = block.row_lines.len() as u64 + 1;
                    return Err(IoError::TooLarge {
                        format: FORMAT,
                        at: Location::Line(line_no),
                        claimed,
                        limit: super::MAX_POINTS,
                        path: path.into(),
                    });
                }
                for (column, &v) in block.columns.iter_mut().zip(values.iter()) {
                    column.push(v);
                }
                block.row_lines.push(line_no);
            }
            Row::Broken(what) if current.is_some() => return Err(corrupt(line_no, what)),
            Row::Text | Row::Broken(_) => {
                if let Some(block) = current.take() {
                    blocks.push(block);
                }
                if pending.len() >= MAX_PREAMBLE_LINES {
                    pending.pop();
                }
                pending.push(line);
            }
        }
    }
    blocks.extend(current);
    Ok(blocks)
}

/// Splits a column-header line into `n` names, trying the file's separator, then tabs, then runs of two or more
/// spaces. `None` when the line is not a header for `n` columns (wrong count, or numbers).
fn header_names(line: &str, d: Dialect, n: usize) -> Option<Vec<String>> {
    let line = line.trim().trim_start_matches('#').trim();
    let mut fields = Vec::new();
    split_fields(line, d.separator, &mut fields);
    while fields.len() > 1 && fields.last().is_some_and(|f| f.trim().is_empty()) {
        fields.pop();
    }
    let mut names: Vec<String> = fields.iter().map(|f| unquote(f).to_string()).collect();
    if names.len() != n {
        names = line.split('\t').map(|f| unquote(f).to_string()).collect();
    }
    if names.len() != n {
        names = line.split("  ").map(str::trim).filter(|f| !f.is_empty()).map(|f| unquote(f).to_string()).collect();
    }
    let numeric = names.iter().any(|f| parse_number(f, d.decimal).is_some());
    (names.len() == n && !numeric).then_some(names)
}

fn block_to_chromatograms(
    mut block: Block,
    d: Dialect,
    (run, runs): (usize, usize),
    previous_names: &mut Option<Vec<String>>,
    path: &Path,
) -> Result<Vec<Chromatogram>, IoError> {
    let n = block.columns.len();
    let names = block.preamble.last().and_then(|l| header_names(l, d, n));
    if names.is_some() {
        block.preamble.pop();
    }
    let names = names.or_else(|| previous_names.clone().filter(|p| p.len() == n));
    *previous_names = names.clone();
    let info = preamble::parse(&block.preamble, d.separator);

    let mut time = std::mem::take(&mut block.columns[0]);
    let last = time.iter().copied().filter(|t| t.is_finite()).fold(f64::NEG_INFINITY, f64::max);
    let (unit, why) = match (names.as_ref().and_then(|n| preamble::header_time_unit(&n[0])), info.time_unit) {
        (Some(u), _) => (u, "from the column header"),
        (None, Some(u)) => (u, "as the exporting program writes it"),
        (None, None) if last < MINUTES_BELOW => (TimeUnit::Minutes, "assumed: no unit given, last time below 200"),
        (None, None) => (TimeUnit::Seconds, "assumed: no unit given, last time 200 or more"),
    };
    let factor = unit.seconds();
    time.iter_mut().for_each(|t| *t *= factor);

    let is_step = |i: usize| names.as_ref().is_some_and(|n| n[i].trim().to_ascii_lowercase().starts_with("step"));
    let mut channels: Vec<usize> = (1..n).filter(|&i| !is_step(i)).collect();
    if channels.is_empty() {
        channels = (1..n).collect();
    }

    let format = format_name(info.flavour, d);
    let mut metadata = Metadata { format: format.clone(), ..info.metadata };
    metadata.extra.push(("time unit".into(), format!("{} ({why})", unit.name())));
    if runs > 1 {
        metadata.extra.push(("run".into(), format!("{} of {runs}", run + 1)));
    }

    let single = channels.len() == 1;
    let mut out = Vec::with_capacity(channels.len());
    for (k, &col) in channels.iter().enumerate() {
        let header = names.as_ref().map(|n| n[col].clone()).filter(|h| !h.is_empty());
        let channel = match (&header, &info.channel) {
            (Some(h), _) => h.clone(),
            (None, Some(c)) if single => c.clone(),
            (None, _) if single => "signal".to_string(),
            (None, _) => format!("signal {}", k + 1),
        };
        let signal_unit =
            header.as_deref().and_then(preamble::header_unit).or_else(|| info.signal_unit.clone()).unwrap_or_default();
        let signal = std::mem::take(&mut block.columns[col]);
        let time_s = if k + 1 == channels.len() { std::mem::take(&mut time) } else { time.clone() };
        let c = Chromatogram { time_s, signal, signal_unit, channel, metadata: metadata.clone() };
        let lines = &block.row_lines;
        out.push(series::check(FORMAT, c, path, &|i| Location::Line(lines.get(i).copied().unwrap_or(0)))?);
    }
    Ok(out)
}

fn format_name(flavour: Option<Flavour>, d: Dialect) -> String {
    let kind = match d.separator {
        Separator::Comma => "CSV",
        Separator::Tab => "TSV",
        Separator::Semicolon => "semicolon-separated text",
        Separator::Whitespace => "whitespace-separated text",
    };
    let decimal = if d.decimal == Decimal::Comma { ", comma decimals" } else { "" };
    match flavour.unwrap_or(Flavour::Plain) {
        Flavour::Plain => format!("{kind}{decimal}"),
        Flavour::MassHunter => format!("Agilent MassHunter export ({kind}{decimal})"),
        Flavour::Chromeleon => format!("Thermo Chromeleon export ({kind}{decimal})"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_str(s: &str) -> Result<Vec<Chromatogram>, IoError> {
        read(s.as_bytes(), Path::new("test.csv"))
    }

    #[test]
    fn dialects() {
        let d = |s: &str| sniff_dialect(s).map(|d| (d.separator, d.decimal));
        assert_eq!(d("t,y\n1,2\n2,3\n"), Some((Separator::Comma, Decimal::Dot)));
        assert_eq!(d("t;y\n1,5;2\n2,5;3\n"), Some((Separator::Semicolon, Decimal::Comma)));
        assert_eq!(d("1\t2.5\n2\t3\n"), Some((Separator::Tab, Decimal::Dot)));
        assert_eq!(d("0,5\t2,5\n"), Some((Separator::Tab, Decimal::Comma)));
        assert_eq!(d("# x y\n 0.1  2\n 0.2  3\n"), Some((Separator::Whitespace, Decimal::Dot)));
        assert_eq!(d("no numbers here\n"), None);
    }

    #[test]
    fn header_units_and_channels() {
        let c = read_str("Time (s),FID [pA],TCD [uV]\r\n0,1,10\r\n0.5,2,20\r\n1.0,3,30\r\n").unwrap();
        assert_eq!(c.len(), 2);
        assert_eq!(c[0].time_s, vec![0.0, 0.5, 1.0]);
        assert_eq!((c[0].channel.as_str(), c[0].signal_unit.as_str()), ("FID [pA]", "pA"));
        assert_eq!((c[1].signal_unit.as_str(), c[1].signal[2]), ("uV", 30.0));
    }

    #[test]
    fn unitless_time_rule() {
        let minutes = read_str("1,5\n2,6\n199,7\n").unwrap();
        assert_eq!(minutes[0].time_s, vec![60.0, 120.0, 199.0 * 60.0]);
        let seconds = read_str("1,5\n2,6\n200,7\n").unwrap();
        assert_eq!(seconds[0].time_s, vec![1.0, 2.0, 200.0]);
    }

    #[test]
    fn several_runs_and_comments() {
        let c = read_str("# run A\nmin,counts\n1,2\n2,3\nsecond run\n1,5\n2,6\n3,7\n").unwrap();
        assert_eq!(c.len(), 2);
        assert_eq!((c[0].len(), c[1].len()), (2, 3));
        assert_eq!(c[1].time_s[2], 180.0);
    }

    #[test]
    fn typed_errors_with_lines() {
        assert!(matches!(read_str("t,y\n1,2\n2,x\n"), Err(IoError::Corrupt { at: Location::Line(3), .. })));
        assert!(matches!(read_str("t,y\n1,2\n2,NaN\n"), Err(IoError::NonFinite { at: Location::Line(3), .. })));
        assert!(matches!(read_str("t,y\n1,2\n2,n.a.\n"), Err(IoError::NonFinite { at: Location::Line(3), .. })));
        assert!(matches!(read_str("t,y\n2,2\n1,3\n"), Err(IoError::NotMonotonic { at: Location::Line(3), .. })));
        assert!(matches!(read_str("t,y\n1,2\n2,3,4\n"), Err(IoError::Corrupt { at: Location::Line(3), .. })));
        assert!(matches!(read_str("just words\n"), Err(IoError::NoData { .. })));
    }
}
