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
    let separator = match d.separator {
        Separator::Comma => b',',
        Separator::Tab => b'\t',
        Separator::Semicolon => b';',
        Separator::Whitespace => return parse_row_general(line, d, fields, values),
    };
    match parse_row_fast(line.as_bytes(), separator, d.decimal, values) {
        Row::Data => Row::Data,
        // Quoted cells may hide separators: let the general splitter decide.
        _ if line.contains('"') => parse_row_general(line, d, fields, values),
        other => other,
    }
}

/// The hot path for single-byte separators: cells found with `memchr`, numbers parsed in place, no allocation.
fn parse_row_fast(line: &[u8], separator: u8, decimal: Decimal, values: &mut Vec<f64>) -> Row {
    values.clear();
    let mut rest = line;
    let mut trailing_blank = 0;
    loop {
        // Cells are short: a plain scan beats memchr's setup cost here.
        let (cell, next) = match rest.iter().position(|&b| b == separator) {
            Some(k) => (&rest[..k], Some(&rest[k + 1..])),
            None => (rest, None),
        };
        let cell = cell.trim_ascii();
        let decimal_byte = if decimal == Decimal::Comma { b',' } else { b'.' };
        match super::number::parse(cell, decimal_byte) {
            Some(v) => {
                values.push(v);
                trailing_blank = 0;
            }
            None if values.is_empty() => return Row::Text,
            None if cell.is_empty() => {
                values.push(f64::NAN);
                trailing_blank += 1;
            }
            None => {
                let text = String::from_utf8_lossy(cell);
                if !is_missing(&text) {
                    let shown: String = text.chars().take(40).collect();
                    return Row::Broken(format!("cell {} `{shown}` is not a number", values.len() + 1));
                }
                values.push(f64::NAN);
                trailing_blank = 0;
            }
        }
        match next {
            Some(n) => rest = n,
            None => break,
        }
    }
    values.truncate((values.len() - trailing_blank).max(1)); // trailing separators
    if values.len() < 2 {
        return Row::Broken("a time with no signal value".into());
    }
    Row::Data
}

fn parse_row_general<'a>(line: &'a str, d: Dialect, fields: &mut Vec<&'a str>, values: &mut Vec<f64>) -> Row {
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
    /// Number of rows.
    rows: usize,
    /// (row, 1-based line) wherever rows stop following each other line by line (blank or comment lines).
    breaks: Vec<(usize, usize)>,
    /// Line of the last row.
    last_line: usize,
}

impl Block<'_> {
    fn push_row(&mut self, values: &[f64], line: usize) {
        if self.rows == 0 || line != self.last_line + 1 {
            self.breaks.push((self.rows, line));
        }
        for (column, &v) in self.columns.iter_mut().zip(values) {
            column.push(v);
        }
        self.rows += 1;
        self.last_line = line;
    }

    /// 1-based line of a row.
    fn line_of(&self, row: usize) -> usize {
        let k = self.breaks.partition_point(|&(r, _)| r <= row);
        k.checked_sub(1).and_then(|k| self.breaks.get(k)).map_or(0, |&(r, line)| line + (row - r))
    }
}

fn split_blocks<'a>(text: &'a str, d: Dialect, path: &Path) -> Result<Vec<Block<'a>>, IoError> {
    let corrupt = |line, what| IoError::Corrupt { format: FORMAT, at: Location::Line(line), what, path: path.into() };
    let (mut fields, mut values) = (Vec::new(), Vec::new());
    let mut blocks = Vec::new();
    let mut pending: Vec<&str> = Vec::new();
    let mut current: Option<Block> = None;
    for (line_no, line) in numbered_lines(text) {
        let row = parse_row(line, d, &mut fields, &mut values);
        let trimmed = || line.trim();
        if row != Row::Data && (trimmed().is_empty() || (current.is_some() && trimmed().starts_with('#'))) {
            continue;
        }
        match row {
            Row::Data => {
                let block = current.get_or_insert_with(|| {
                    // Room for the rows the rest of the text can hold at this row's length (the first block
                    // usually takes nearly all the file); later blocks grow as needed.
                    let rows = if blocks.is_empty() { text.len() / (line.len() + 1) + 16 } else { 0 };
                    let capacity = rows.min(super::MAX_POINTS);
                    Block {
                        preamble: std::mem::take(&mut pending),
                        columns: (0..values.len()).map(|_| Vec::with_capacity(capacity)).collect(),
                        rows: 0,
                        breaks: Vec::new(),
                        last_line: 0,
                    }
                });
                if values.len() != block.columns.len() {
                    let what = format!("{} fields where earlier rows have {}", values.len(), block.columns.len());
                    return Err(corrupt(line_no, what));
                }
                if block.rows >= super::MAX_POINTS {
                    let claimed = block.rows as u64 + 1;
                    return Err(IoError::TooLarge {
                        format: FORMAT,
                        at: Location::Line(line_no),
                        claimed,
                        limit: super::MAX_POINTS,
                        path: path.into(),
                    });
                }
                block.push_row(&values, line_no);
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

/// True for a header line of units only: a time unit (or nothing) first, then signal units (or nothing).
fn is_units_line(cells: &[String]) -> bool {
    let time_ok = cells[0].is_empty() || preamble::header_time_unit(&cells[0]).is_some() && cells[0].len() <= 8;
    time_ok && cells[1..].iter().all(|c| c.is_empty() || preamble::is_signal_unit(c))
}

fn block_to_chromatograms(
    mut block: Block,
    d: Dialect,
    (run, runs): (usize, usize),
    previous_names: &mut Option<Vec<String>>,
    path: &Path,
) -> Result<Vec<Chromatogram>, IoError> {
    let n = block.columns.len();
    let mut names = block.preamble.last().and_then(|l| header_names(l, d, n));
    if names.is_some() {
        block.preamble.pop();
    }
    // A units line under a names line (`Time,FID` then `min,pA`): join them as `Time (min)`, `FID (pA)`.
    if let Some(units) = names.as_ref().filter(|u| is_units_line(u))
        && let Some(above) = block.preamble.last().and_then(|l| header_names(l, d, n))
    {
        let joined = above.iter().zip(units).map(|(a, u)| if u.is_empty() { a.clone() } else { format!("{a} ({u})") });
        names = Some(joined.collect());
        block.preamble.pop();
    }
    let names = names.or_else(|| previous_names.clone().filter(|p| p.len() == n));
    *previous_names = names.clone();
    let info = preamble::parse(&block.preamble, d.separator);
    let (names, n) = drop_point_index(&mut block, names, n);

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
    metadata.time_unit = Some(unit);
    if runs > 1 {
        metadata.extra.push(("run".into(), format!("{} of {runs}", run + 1)));
    }

    let single = channels.len() == 1;
    let mut out = Vec::with_capacity(channels.len());
    for (k, &col) in channels.iter().enumerate() {
        let header = names.as_ref().map(|n| n[col].clone()).filter(|h| !h.is_empty());
        // A header that is only a unit (`min,counts`) names the unit, not the channel.
        let bare_unit = header.clone().filter(|h| preamble::is_signal_unit(h));
        let header = if bare_unit.is_some() { None } else { header };
        let channel = match (&header, &info.channel) {
            (Some(h), Some(c)) if single && is_generic_axis(h) => c.clone(),
            (Some(h), _) => h.clone(),
            (None, Some(c)) if single => c.clone(),
            (None, _) if single => "signal".to_string(),
            (None, _) => format!("signal {}", k + 1),
        };
        let signal_unit = bare_unit
            .or_else(|| header.as_deref().and_then(preamble::header_unit))
            .or_else(|| info.signal_unit.clone())
            .unwrap_or_default();
        let signal = std::mem::take(&mut block.columns[col]);
        let time_s = if k + 1 == channels.len() { std::mem::take(&mut time) } else { time.clone() };
        let c = Chromatogram { time_s, signal, signal_unit, channel, metadata: metadata.clone() };
        out.push(series::check(FORMAT, c, path, &|i| Location::Line(block.line_of(i)))?);
    }
    Ok(out)
}

/// Drops a leading point-index column (MassHunter Qualitative's `#Point,X(Minutes),Y(Counts)`): its numbers
/// count samples, they are not times. Returns the names and column count left.
fn drop_point_index(block: &mut Block, names: Option<Vec<String>>, n: usize) -> (Option<Vec<String>>, usize) {
    match names {
        Some(mut v) if n >= 3 && v[0].trim().eq_ignore_ascii_case("point") => {
            v.remove(0);
            block.columns.remove(0);
            (Some(v), n - 1)
        }
        other => (other, n),
    }
}

/// A signal header that names only the axis (`Y`, `Y(Counts)`): the preamble's channel name says more.
fn is_generic_axis(header: &str) -> bool {
    let name = header.split(['(', '[']).next().unwrap_or("").trim();
    name.eq_ignore_ascii_case("y")
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
    fn unit_only_and_two_line_headers() {
        let c = read_str("min,counts\n1,5\n2,6\n").unwrap();
        assert_eq!((c[0].channel.as_str(), c[0].signal_unit.as_str()), ("signal", "counts"));
        let c = read_str("Time;FID;TCD\ns;pA;uV\n300;1;2\n301;2;3\n").unwrap();
        assert_eq!(c[0].time_s, vec![300.0, 301.0]);
        assert_eq!((c[0].channel.as_str(), c[0].signal_unit.as_str()), ("FID (pA)", "pA"));
        assert_eq!(c[1].signal_unit, "uV");
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
