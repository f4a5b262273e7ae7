//! Readers: every chromatogram format a lab hands you, detected from content, with typed errors.
//!
//! [`read_file`] / [`read_bytes`] sniff the format ([`sniff`]) and return one [`Chromatogram`] per channel or run;
//! [`read_path`] also opens an Agilent `.D` run folder ([`agilent_d`]). Each format lives in its own file. Errors
//! name the file and say what is wrong and where.
//!
//! | format | module | detected by |
//! |---|---|---|
//! | ANDI/AIA netCDF (`.cdf`) | [`andi`] | `CDF\x01` / `CDF\x02` magic |
//! | Agilent ChemStation `.ch` | [`chemstation`] | its binary header magic |
//! | Agilent MSD ChemStation GC-MS `data.ms` (TIC) | [`msd`] | `01 32 00 00` + Pascal `GC / MS Data File` |
//! | Agilent OpenLab CDS `.dx` (ZIP of `.ch` traces) | [`openlab_dx`] | `PK\x03\x04` + an `injection.acmd` entry |
//! | Agilent `.D` folder (its `.ch`, `data.ms`, `Result.xml`) | [`agilent_d`], [`agilent_result`] | a directory named `*.D` ([`read_path`]) |
//! | INFICON Fusion micro-GC JSON (`.fusion-data`) | [`fusion`] | JSON object with `detectors` + `runTimeStamp` |
//! | GAML XML (`.gaml`) | [`gaml`] | `<GAML` root element |
//! | EZChrom ASCII export (`.dat.asc`) | [`ezchrom`] | `Sampling Rate:` / `Y Axis Multiplier:` header |
//! | Shimadzu GCsolution / LabSolutions `.gcd` | [`gcd`] | OLE2 magic + `LSS Raw Data/Chromatogram Ch1` stream |
//! | EZChrom Elite binary `.dat` | [`ezchrom_dat`] | OLE2 magic + `Detector Data/Detector N Trace` streams |
//! | Shimadzu LabSolutions ASCII export (`.txt`) | [`labsolutions`] | `[Header]` naming LabSolutions |
//! | SRI PeakSimple `.CHR` / `.ASC` (+ `.RES` beside them) | [`peaksimple`] | `<RATE>=` / `<SIZE>=` header lines |
//! | delimited text: CSV, TSV, `;`, whitespace; MassHunter and Chromeleon exports; `.xy`/`.dat` | [`delimited`] | anything else that is text |
//!
//! Shared pieces: [`ole`] (the OLE2 container, with a stream-size cap), [`text`] (byte-order marks, latin-1
//! fallback, numbers with comma decimals) and [`series`] (the checks every reader applies: finite values,
//! increasing time, the [`MAX_POINTS`] limit).
//! [`source`] gets a file's bytes safely (regular files only, at most [`MAX_FILE_BYTES`]; an Elute session given
//! as a run is named as one). [`info`] turns what was read into the `elute info` summary.

use std::path::{Path, PathBuf};

use crate::chromatogram::{Chromatogram, TimeUnit};

pub mod agilent_d;
pub mod agilent_result;
pub mod andi;
pub mod chemstation;
pub mod delimited;
pub mod ezchrom;
pub mod ezchrom_dat;
pub mod fusion;
pub mod gaml;
pub mod gcd;
pub mod info;
pub mod labsolutions;
pub mod msd;
mod number;
pub mod ole;
pub mod openlab_dx;
pub mod peaksimple;
mod preamble;
pub mod series;
pub mod source;
pub mod text;

pub use source::{MAX_FILE_BYTES, SESSION_FORMAT_TAG, read_source};

/// Largest number of points any reader accepts in one chromatogram (guards allocations against headers
/// that claim billions of points).
pub const MAX_POINTS: usize = 50_000_000;

/// Largest magnitude of a signal value any reader accepts: past it a value is corrupt, not a detector reading
/// (and the fit refuses it: its one home is [`crate::fit::MAX_ABS_SIGNAL`]).
pub const MAX_ABS_SIGNAL: f64 = crate::fit::MAX_ABS_SIGNAL;

/// Largest magnitude of a time (seconds) any reader accepts: 1e6 s is 11.6 days, far beyond any GC run.
pub const MAX_ABS_TIME_S: f64 = 1e6;

/// Where in a file a problem was found.
#[derive(Debug, Clone, PartialEq)]
pub enum Location {
    /// 1-based line number (text formats).
    Line(usize),
    /// Byte offset from the start of the file (binary formats).
    Byte(u64),
    /// A named field, variable or element.
    Field(String),
    /// Nowhere in particular (the whole file).
    File,
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Location::Line(n) => write!(f, "line {n}"),
            Location::Byte(n) => write!(f, "byte {n}"),
            Location::Field(name) => write!(f, "field `{}`", text::for_message(name)),
            Location::File => write!(f, "file"),
        }
    }
}

/// What went wrong reading a chromatogram file. The path comes last in every message.
#[derive(Debug, thiserror::Error)]
pub enum IoError {
    #[error("cannot read: {source} ({path})")]
    Open { path: PathBuf, source: std::io::Error },
    #[error("the file is empty ({path})")]
    Empty { path: PathBuf },
    #[error("not a chromatogram format Elute knows ({path})")]
    UnknownFormat { path: PathBuf },
    #[error("{format}: truncated or corrupt at {at}: {} ({path})", text::for_message(.what))]
    Corrupt { format: &'static str, at: Location, what: String, path: PathBuf },
    #[error("{format}: time axis is not increasing at {at} ({path})")]
    NotMonotonic { format: &'static str, at: Location, path: PathBuf },
    #[error("{format}: value is NaN or infinite at {at} ({path})")]
    NonFinite { format: &'static str, at: Location, path: PathBuf },
    #[error("{format}: {at} claims {claimed} points, more than the limit of {limit} ({path})")]
    TooLarge { format: &'static str, at: Location, claimed: u64, limit: usize, path: PathBuf },
    #[error("{format}: no data found ({path})")]
    NoData { format: &'static str, path: PathBuf },
    #[error("a folder, not a run file; only Agilent .D folders are read as a run ({path})")]
    NotRunFolder { path: PathBuf },
    #[error("not a file Elute can read: it is {kind} ({path})")]
    NotAFile { kind: &'static str, path: PathBuf },
    #[error("the file is {bytes} bytes, more than the limit of {limit} bytes for a run ({path})")]
    FileTooLarge { bytes: u64, limit: u64, path: PathBuf },
    #[error("this is an Elute session, not a run: open it in the app (`elute FILE`) or fit its run ({path})")]
    IsSession { path: PathBuf },
}

/// A file format [`sniff`] can recognise.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// ANDI/AIA chromatography netCDF (binary).
    Andi,
    /// Agilent ChemStation `.ch` (binary).
    ChemStation,
    /// Agilent MSD ChemStation GC-MS `data.ms` (binary).
    AgilentMs,
    /// Agilent OpenLab CDS `.dx` (ZIP package).
    OpenLabDx,
    /// INFICON Fusion micro-GC run JSON.
    Fusion,
    /// GAML XML.
    Gaml,
    /// EZChrom Elite ASCII export.
    EzChrom,
    /// Shimadzu GCsolution / LabSolutions `.gcd` (OLE2).
    ShimadzuGcd,
    /// EZChrom Elite binary `.dat` (OLE2).
    EzChromDat,
    /// SRI PeakSimple `.CHR` (binary) or its `.ASC` export.
    PeakSimple,
    /// Shimadzu LabSolutions ASCII export.
    LabSolutions,
    /// Any delimited or whitespace-separated text (CSV, TSV, MassHunter, Chromeleon, `.xy`).
    Delimited,
}

impl Format {
    /// Every format, in the order of the table above.
    pub const ALL: [Format; 12] = [
        Format::Andi,
        Format::ChemStation,
        Format::AgilentMs,
        Format::OpenLabDx,
        Format::Fusion,
        Format::Gaml,
        Format::EzChrom,
        Format::ShimadzuGcd,
        Format::EzChromDat,
        Format::PeakSimple,
        Format::LabSolutions,
        Format::Delimited,
    ];

    /// The file extensions this format's files carry (lower case, without the dot), for file dialogs' filters.
    /// The content decides the format ([`sniff`]); these only help the user find the files.
    pub fn extensions(self) -> &'static [&'static str] {
        match self {
            Format::Andi => &["cdf", "nc"],
            Format::ChemStation => &["ch"],
            Format::AgilentMs => &["ms"],
            Format::OpenLabDx => &["dx"],
            Format::Fusion => &["fusion-data", "json"],
            Format::Gaml => &["gaml", "xml"],
            Format::EzChrom => &["asc"],
            Format::ShimadzuGcd => &["gcd"],
            Format::EzChromDat => &["dat"],
            Format::PeakSimple => &["chr", "asc"],
            Format::LabSolutions => &["txt"],
            Format::Delimited => &["csv", "tsv", "txt", "xy", "dat", "asc"],
        }
    }

    /// The unit this format's software shows times in, for a reader that does not say (ChemStation, OpenLab,
    /// GCsolution, EZChrom and PeakSimple show minutes; INFICON Fusion shows seconds). `None` where the file itself
    /// states it (ANDI, GAML and text: their readers set [`Metadata::time_unit`](crate::chromatogram::Metadata)).
    pub fn shown_time_unit(self) -> Option<TimeUnit> {
        match self {
            Format::Andi | Format::Gaml | Format::Delimited => None,
            Format::Fusion => Some(TimeUnit::Seconds),
            Format::ChemStation
            | Format::AgilentMs
            | Format::OpenLabDx
            | Format::EzChrom
            | Format::ShimadzuGcd
            | Format::EzChromDat
            | Format::PeakSimple
            | Format::LabSolutions => Some(TimeUnit::Minutes),
        }
    }
}

/// Every extension some reader's files carry, sorted and without repeats (file dialogs' filters).
pub fn run_file_extensions() -> Vec<&'static str> {
    let mut out: Vec<&'static str> = Format::ALL.iter().flat_map(|f| f.extensions().iter().copied()).collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// Reads a file, or an Agilent `.D` folder ([`agilent_d::read`]), and returns every chromatogram in it. Any other
/// directory is [`IoError::NotRunFolder`]; on a plain file this is [`read_file`].
pub fn read_path(path: &Path) -> Result<Vec<Chromatogram>, IoError> {
    if path.is_dir() {
        return agilent_d::read(path);
    }
    read_file(path)
}

/// [`read_path`], with the bytes that identify the run (for its content hash): the file's bytes, or a `.D`
/// folder's [`agilent_d::identity_bytes`].
pub fn read_identified(path: &Path) -> Result<(Vec<u8>, Vec<Chromatogram>), IoError> {
    if path.is_dir() {
        return Ok((agilent_d::identity_bytes(path)?, agilent_d::read(path)?));
    }
    let bytes = read_source(path)?;
    let runs = read_beside(&bytes, path)?;
    Ok((bytes, runs))
}

/// Reads a file and returns every chromatogram in it (one per channel or per run). A directory is refused with
/// [`IoError::NotRunFolder`] (use [`read_path`] to open `.D` folders). Only regular files of at most
/// [`MAX_FILE_BYTES`] are read ([`read_source`]). For a PeakSimple run the `.RES` results file beside it, when
/// there is one, is read too.
pub fn read_file(path: &Path) -> Result<Vec<Chromatogram>, IoError> {
    if path.is_dir() {
        return Err(IoError::NotRunFolder { path: path.to_path_buf() });
    }
    let bytes = read_source(path)?;
    read_beside(&bytes, path)
}

/// [`read_bytes`] of a file's bytes, plus what files beside it add (a PeakSimple run's `.RES`).
fn read_beside(bytes: &[u8], path: &Path) -> Result<Vec<Chromatogram>, IoError> {
    let mut chromatograms = read_bytes(bytes, path)?;
    if peaksimple::looks_like(&bytes[..bytes.len().min(4096)]) {
        peaksimple::attach_results(&mut chromatograms, path);
    }
    Ok(chromatograms)
}

/// Reads chromatograms from bytes already in memory; `path` names the source in errors and is used only as a
/// hint (its extension) when the content is ambiguous.
///
/// Text in UTF-16 with a byte-order mark is re-encoded to UTF-8 first. Never panics on any input; every failure
/// is a typed [`IoError`]. An empty input is [`IoError::Empty`], binary content no reader recognises is
/// [`IoError::UnknownFormat`].
pub fn read_bytes(bytes: &[u8], path: &Path) -> Result<Vec<Chromatogram>, IoError> {
    if bytes.is_empty() {
        return Err(IoError::Empty { path: path.to_path_buf() });
    }
    if let Some(utf8) = text::utf16_to_utf8(bytes) {
        return if utf8.is_empty() {
            Err(IoError::Empty { path: path.to_path_buf() })
        } else {
            read_bytes(&utf8, path)
        };
    }
    if source::is_session(bytes) {
        return Err(IoError::IsSession { path: path.to_path_buf() });
    }
    let format = sniff(bytes, path).ok_or_else(|| IoError::UnknownFormat { path: path.to_path_buf() })?;
    let mut chromatograms = read_format(format, bytes, path)?;
    for c in &mut chromatograms {
        c.metadata.time_unit = c.metadata.time_unit.or(format.shown_time_unit());
    }
    Ok(chromatograms)
}

/// Reads `bytes` with the reader of `format`.
fn read_format(format: Format, bytes: &[u8], path: &Path) -> Result<Vec<Chromatogram>, IoError> {
    match format {
        Format::Andi => andi::read(bytes, path),
        Format::ChemStation => chemstation::read(bytes, path),
        Format::AgilentMs => msd::read(bytes, path),
        Format::OpenLabDx => openlab_dx::read(bytes, path),
        Format::Fusion => fusion::read(bytes, path),
        Format::Gaml => gaml::read(bytes, path),
        Format::EzChrom => ezchrom::read(bytes, path),
        Format::ShimadzuGcd => gcd::read(bytes, path),
        Format::EzChromDat => ezchrom_dat::read(bytes, path),
        Format::PeakSimple => peaksimple::read(bytes, path),
        Format::LabSolutions => labsolutions::read(bytes, path),
        Format::Delimited => delimited::read(bytes, path),
    }
}

/// Detects the format from the content (magic bytes, then the shape of the text); `None` for binary content
/// no reader knows. The extension decides only between text formats whose content does not (a `.json` or
/// `.fusion-data` file that is JSON goes to [`fusion`], which then says what is missing).
pub fn sniff(bytes: &[u8], path: &Path) -> Option<Format> {
    if bytes.starts_with(b"CDF\x01") || bytes.starts_with(b"CDF\x02") || andi::looks_like(bytes) {
        return Some(Format::Andi);
    }
    if chemstation::looks_like(bytes) {
        return Some(Format::ChemStation);
    }
    if ole::is_ole(bytes) {
        return sniff_ole(bytes, path);
    }
    if msd::looks_like(bytes) {
        return Some(Format::AgilentMs);
    }
    if openlab_dx::looks_like(bytes) {
        return Some(Format::OpenLabDx);
    }
    let head = text::strip_bom(&bytes[..bytes.len().min(4096)]);
    let first = head.iter().copied().find(|b| !b.is_ascii_whitespace());
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
    if first == Some(b'{') && (fusion::looks_like(bytes) || ext == "fusion-data" || ext == "json") {
        return Some(Format::Fusion);
    }
    if peaksimple::looks_like(head) {
        return Some(Format::PeakSimple);
    }
    if first == Some(b'<') {
        return gaml::looks_like(head).then_some(Format::Gaml);
    }
    if labsolutions::looks_like(head) {
        return Some(Format::LabSolutions);
    }
    if ezchrom::looks_like(head) {
        return Some(Format::EzChrom);
    }
    if text::looks_like_text(head) {
        return Some(Format::Delimited);
    }
    None
}

/// Which OLE2 format a compound file is, by the streams it holds; `None` for other compound files. A container
/// too corrupt to open goes by its extension (`.gcd`, `.dat`) to the reader, which then says what is wrong.
fn sniff_ole(bytes: &[u8], path: &Path) -> Option<Format> {
    let Ok(file) = ole::Ole::open(bytes, "OLE2", path) else {
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
        return match ext.as_str() {
            "gcd" => Some(Format::ShimadzuGcd),
            "dat" => Some(Format::EzChromDat),
            _ => None,
        };
    };
    if gcd::looks_like(&file) {
        Some(Format::ShimadzuGcd)
    } else if ezchrom_dat::looks_like(&file) {
        Some(Format::EzChromDat)
    } else {
        None
    }
}
