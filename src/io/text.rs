//! Text helpers shared by the text readers: byte-order marks, UTF-8 with a latin-1 fallback, line splitting with
//! 1-based line numbers, and numbers written with a dot or a comma as decimal separator.

use std::borrow::Cow;

/// The bytes without a leading UTF-8 byte-order mark (EF BB BF), if there is one.
pub fn strip_bom(bytes: &[u8]) -> &[u8] {
    bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes)
}

/// Longest text from a file that an error message quotes, in characters.
pub const MAX_QUOTED_CHARS: usize = 160;

/// Text from a file made safe to print in an error message: control characters (NUL, ESC of ANSI codes, CR,
/// ...) are escaped as `\u{1b}`, and past [`MAX_QUOTED_CHARS`] characters the rest is cut and counted.
pub fn for_message(text: &str) -> String {
    let mut out = String::new();
    for (i, c) in text.chars().enumerate() {
        if i == MAX_QUOTED_CHARS {
            let rest = text.chars().count() - i;
            out.push_str(&format!("… ({rest} more characters)"));
            break;
        }
        if c.is_control() {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    out
}

/// Decodes text: UTF-8 when the bytes are valid UTF-8 (after removing a byte-order mark), otherwise latin-1
/// (ISO 8859-1, every byte one character: how EZChrom writes its micro sign). Never fails.
pub fn decode(bytes: &[u8]) -> Cow<'_, str> {
    let bytes = strip_bom(bytes);
    match std::str::from_utf8(bytes) {
        Ok(s) => Cow::Borrowed(s),
        Err(_) => Cow::Owned(bytes.iter().map(|&b| b as char).collect()),
    }
}

/// Text in UTF-16 with a byte-order mark (`FF FE` little-endian, `FE FF` big-endian; some Windows exports),
/// re-encoded as UTF-8 without the mark; `None` for anything else. Unpaired surrogates become U+FFFD.
pub fn utf16_to_utf8(bytes: &[u8]) -> Option<Vec<u8>> {
    let little = match bytes {
        [0xFF, 0xFE, ..] => true,
        [0xFE, 0xFF, ..] => false,
        _ => return None,
    };
    let units = bytes[2..].chunks_exact(2).map(|p| {
        let pair = [p[0], p[1]];
        if little { u16::from_le_bytes(pair) } else { u16::from_be_bytes(pair) }
    });
    Some(char::decode_utf16(units).map(|c| c.unwrap_or('\u{FFFD}')).collect::<String>().into_bytes())
}

/// True when the bytes look like text: no NUL bytes and few other control characters (tab, CR, LF and form
/// feed allowed). Only the given prefix is examined.
pub fn looks_like_text(head: &[u8]) -> bool {
    if head.is_empty() {
        return false;
    }
    let control = head.iter().filter(|&&b| b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0c)).count();
    !head.contains(&0) && control * 100 <= head.len()
}

/// Iterates over lines as (1-based line number, line without its `\n` or `\r\n` ending).
pub fn numbered_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let mut start = 0;
    let ends = memchr::memchr_iter(b'\n', text.as_bytes()).chain(std::iter::once(text.len()));
    ends.enumerate().map(move |(i, end)| {
        // `\n` is ASCII, so both ends are character boundaries.
        let line = text.get(start..end).unwrap_or("");
        start = end + 1;
        (i + 1, line.strip_suffix('\r').unwrap_or(line))
    })
}

/// Decimal separator of numbers in a text file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decimal {
    /// `1.5`
    Dot,
    /// `1,5` (German, French... exports); a dot is then not accepted.
    Comma,
}

/// Parses one number cell: surrounding spaces and double quotes are ignored; with [`Decimal::Comma`] the comma
/// is the decimal separator. Accepts exponents (`1.03E+08`) and the spellings `NaN`/`inf` (so callers can report
/// them as non-finite rather than as garbage). `None` when the cell is not a number.
pub fn parse_number(cell: &str, decimal: Decimal) -> Option<f64> {
    let mut bytes = cell.as_bytes();
    while let [b' ' | b'"', rest @ ..] = bytes {
        bytes = rest;
    }
    while let [rest @ .., b' ' | b'"'] = bytes {
        bytes = rest;
    }
    super::number::parse(bytes, if decimal == Decimal::Comma { b',' } else { b'.' })
}

/// True for cells that spell a missing value: empty, `n.a.`, `NA`, `N/A`, `-`, `--`.
pub fn is_missing(cell: &str) -> bool {
    let c = cell.trim_matches(|c: char| c == ' ' || c == '"');
    c.is_empty() || ["n.a.", "na", "n/a", "-", "--", "null"].iter().any(|m| c.eq_ignore_ascii_case(m))
}

/// Field separator of a delimited text file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Separator {
    /// `,`
    Comma,
    /// tab
    Tab,
    /// `;`
    Semicolon,
    /// one or more spaces or tabs
    Whitespace,
}

impl Separator {
    /// A short human name ("comma", "tab", ...).
    pub fn name(self) -> &'static str {
        match self {
            Separator::Comma => "comma",
            Separator::Tab => "tab",
            Separator::Semicolon => "semicolon",
            Separator::Whitespace => "whitespace",
        }
    }
}

/// Splits a line into fields, appending them to `out` (cleared first). Double-quoted fields may contain the
/// separator; the quotes are kept (cells are unquoted by [`parse_number`] and [`unquote`]).
pub fn split_fields<'a>(line: &'a str, sep: Separator, out: &mut Vec<&'a str>) {
    out.clear();
    let ch = match sep {
        Separator::Whitespace => {
            out.extend(line.split_ascii_whitespace());
            return;
        }
        Separator::Comma => b',',
        Separator::Tab => b'\t',
        Separator::Semicolon => b';',
    };
    if !line.contains('"') {
        out.extend(line.split(ch as char));
        return;
    }
    let bytes = line.as_bytes();
    let mut start = 0;
    let mut quoted = false;
    for (i, &b) in bytes.iter().enumerate() {
        if b == b'"' {
            quoted = !quoted;
        } else if b == ch && !quoted {
            out.push(&line[start..i]);
            start = i + 1;
        }
    }
    out.push(&line[start..]);
}

/// The cell without surrounding spaces and double quotes.
pub fn unquote(cell: &str) -> &str {
    cell.trim().trim_matches('"').trim()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_with_both_decimals() {
        assert_eq!(parse_number("1.033708E+08", Decimal::Dot), Some(1.033708e8));
        assert_eq!(parse_number(" \"2.5\" ", Decimal::Dot), Some(2.5));
        assert_eq!(parse_number("0,016667", Decimal::Comma), Some(0.016667));
        assert_eq!(parse_number("-0,774900", Decimal::Comma), Some(-0.7749));
        assert_eq!(parse_number("1.5", Decimal::Comma), None);
        assert_eq!(parse_number("n.a.", Decimal::Dot), None);
        assert!(parse_number("NaN", Decimal::Dot).is_some_and(f64::is_nan));
        assert!(is_missing("n.a.") && is_missing("") && !is_missing("0"));
    }

    #[test]
    fn latin1_fallback_and_bom() {
        assert_eq!(decode(b"\xEF\xBB\xBFabc"), "abc");
        assert_eq!(decode(b"25 \xB5V"), "25 \u{b5}V");
        assert!(looks_like_text(b"a,b\r\n1,2\n"));
        assert!(!looks_like_text(b"CDF\x01\x00\x00"));
    }

    #[test]
    fn utf16_exports() {
        let le: Vec<u8> =
            [0xFF, 0xFE].into_iter().chain("t\ty\n1\t2\n".encode_utf16().flat_map(u16::to_le_bytes)).collect();
        assert_eq!(utf16_to_utf8(&le).as_deref(), Some(&b"t\ty\n1\t2\n"[..]));
        let be: Vec<u8> = [0xFE, 0xFF].into_iter().chain("µ".encode_utf16().flat_map(u16::to_be_bytes)).collect();
        assert_eq!(utf16_to_utf8(&be), Some("µ".as_bytes().to_vec()));
        assert_eq!(utf16_to_utf8(b"plain"), None);
    }

    #[test]
    fn quoted_fields_keep_separators() {
        let mut out = Vec::new();
        split_fields("\"Signal, pA\",2", Separator::Comma, &mut out);
        assert_eq!(out, vec!["\"Signal, pA\"", "2"]);
        assert_eq!(unquote(out[0]), "Signal, pA");
        split_fields("  1.0   2.0\t3", Separator::Whitespace, &mut out);
        assert_eq!(out, vec!["1.0", "2.0", "3"]);
    }
}
