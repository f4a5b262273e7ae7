//! Agilent OpenLab CDS `.dx`: a ZIP (OPC) package of one injection's signals.
//!
//! | member | read as |
//! |---|---|
//! | `injection.acmd` | UTF-8 XML manifest (byte-order mark): one `<Signal>` per trace, with `Encoding`, `TraceId`, `DeviceName`, `ChannelName`, `Description`, `Units` |
//! | `<TraceId>.CH` | a `Signal179` trace: a ChemStation `.ch` v179 file, read by [`chemstation::read_with`] (end time = run end) |
//! | `<TraceId>.UV`, `.IT` | spectra (`Spectra131`) and instrument traces (`InstrumentTrace179`): not read |
//!
//! The member's end time is the run's stop time, not its last point: the step is end / n (400 ms on the corpus
//! file, the spacing of its `.UV` spectra), not (end − start)/(n − 1) = 400.45 ms. See [`chemstation::EndTime`].
//!
//! Signals the manifest lists but the package lacks are named in `metadata.extra` ("missing signals"), not an
//! error (trimmed packages exist). Layout from the corpus MANIFEST ("New formats"), checked on rainbow_teal.dx.
//!
//! Zip bombs: an entry whose declared uncompressed size exceeds [`MAX_ENTRY_BYTES`] is refused before it is
//! inflated, and inflation itself stops one byte past that cap whatever the header declared.

use std::io::{Cursor, Read};
use std::path::{Path, PathBuf};

use roxmltree::{Document, Node};
use zip::ZipArchive;

use crate::chromatogram::Chromatogram;
use crate::io::{IoError, Location, chemstation};

/// Format name used in errors.
const FORMAT: &str = "OpenLab CDS .dx";
/// Name of the manifest member.
const MANIFEST: &str = "injection.acmd";
/// Largest uncompressed size of one member read (bytes).
pub const MAX_ENTRY_BYTES: u64 = 512 * 1024 * 1024;
/// Most `<Signal>` elements read from one manifest (a guard: real ones list tens).
const MAX_SIGNALS: usize = 10_000;
/// The manifest's encoding name for a ChemStation `.ch` v179 trace.
const SIGNAL_179: &str = "Agilent.OpenLab.Rawdata/Signal179";

/// True when `bytes` are a ZIP (local-header magic) whose first entries include `injection.acmd`: the name sits in
/// the clear in a local header, so a byte search over the first 64 KiB finds it without inflating anything.
pub fn looks_like(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK\x03\x04")
        && (memchr::memmem::find(&bytes[..bytes.len().min(65_536)], MANIFEST.as_bytes()).is_some()
            || memchr::memmem::rfind(&bytes[bytes.len().saturating_sub(65_536)..], MANIFEST.as_bytes()).is_some())
}

/// One `<Signal>` of the manifest.
#[derive(Debug)]
struct Signal {
    encoding: String,
    trace_id: String,
    name: String,
    unit: String,
}

/// Reads every `Signal179` trace of a `.dx` package, one [`Chromatogram`] each (channel named from the manifest).
///
/// Errors name `path`: [`IoError::Corrupt`] for a broken ZIP, a missing or unparsable manifest, or a member past
/// [`MAX_ENTRY_BYTES`]; a member `.CH` file's own errors (its path shown as `package.dx/<member>`);
/// [`IoError::NoData`] when no listed `.CH` trace is in the package.
pub fn read(bytes: &[u8], path: &Path) -> Result<Vec<Chromatogram>, IoError> {
    let err = Errors { path };
    let mut zip = ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| err.corrupt(Location::File, format!("not a readable ZIP: {e}")))?;
    let manifest = member(&mut zip, MANIFEST, &err)?
        .ok_or_else(|| err.corrupt(Location::Field(MANIFEST.into()), "no injection.acmd manifest"))?;
    let (signals, info) = parse_manifest(&manifest, &err)?;
    let mut channels = Vec::new();
    let mut missing = Vec::new();
    for signal in signals.iter().filter(|s| s.encoding == SIGNAL_179) {
        let name = format!("{}.CH", signal.trace_id);
        let Some(data) = member(&mut zip, &name, &err)? else {
            missing.push(signal.name.clone());
            continue;
        };
        let member_path = path.join(&name);
        let mut read = chemstation::read_with(&data, &member_path, chemstation::EndTime::RunEnd)?;
        for c in &mut read {
            label(c, signal, &info);
        }
        channels.extend(read);
    }
    let Some(first) = channels.first_mut() else {
        return Err(IoError::NoData { format: FORMAT, path: path.to_path_buf() });
    };
    if !missing.is_empty() {
        first.metadata.extra.push((
            "missing signals".into(),
            format!("{} listed but not in the package: {}", missing.len(), missing.join(", ")),
        ));
    }
    Ok(channels)
}

/// The named member's bytes (`None` when the package has no such entry), refused past [`MAX_ENTRY_BYTES`]
/// before inflating and capped while inflating.
fn member(zip: &mut ZipArchive<Cursor<&[u8]>>, name: &str, err: &Errors) -> Result<Option<Vec<u8>>, IoError> {
    let at = || Location::Field(name.to_string());
    let entry = match zip.by_name(name) {
        Ok(entry) => entry,
        Err(zip::result::ZipError::FileNotFound) => return Ok(None),
        Err(e) => return Err(err.corrupt(at(), format!("unreadable entry: {e}"))),
    };
    let declared = entry.size();
    if declared > MAX_ENTRY_BYTES {
        return Err(err.corrupt(
            at(),
            format!("declares {declared} bytes uncompressed, more than the {MAX_ENTRY_BYTES}-byte limit"),
        ));
    }
    // The declared size can lie: never trust it for the allocation or the bound.
    let mut data = Vec::with_capacity(declared.min(16 << 20) as usize);
    entry
        .take(MAX_ENTRY_BYTES + 1)
        .read_to_end(&mut data)
        .map_err(|e| err.corrupt(at(), format!("cannot inflate: {e}")))?;
    if data.len() as u64 > MAX_ENTRY_BYTES {
        return Err(err.corrupt(at(), format!("inflates past the {MAX_ENTRY_BYTES}-byte limit")));
    }
    Ok(Some(data))
}

/// Run-wide facts of the manifest's `InjectionInfo`.
#[derive(Debug, Default)]
struct InjectionInfo {
    sample_name: Option<String>,
    date: Option<String>,
    operator: Option<String>,
    method: Option<String>,
}

fn parse_manifest(bytes: &[u8], err: &Errors) -> Result<(Vec<Signal>, InjectionInfo), IoError> {
    let at = || Location::Field(MANIFEST.into());
    let text = std::str::from_utf8(crate::io::text::strip_bom(bytes))
        .map_err(|e| err.corrupt(at(), format!("not UTF-8: {e}")))?;
    let doc = Document::parse(text).map_err(|e| err.corrupt(at(), format!("not XML: {e}")))?;
    let info_node = doc.descendants().find(|n| n.has_tag_name("InjectionInfo"));
    let get = |name: &str| info_node.and_then(|n| text_of(n, name));
    let info = InjectionInfo {
        sample_name: get("SampleName"),
        date: get("RunDateTime"),
        operator: get("RunOperator"),
        method: get("AcquisitionMethod"),
    };
    let signals = doc.descendants().filter(|n| n.has_tag_name("Signal")).take(MAX_SIGNALS).map(signal).collect();
    Ok((signals, info))
}

fn signal(node: Node) -> Signal {
    let get = |name: &str| text_of(node, name).unwrap_or_default();
    let description = get("Description");
    let name = [get("ChannelName"), description.split(',').next().unwrap_or("").trim().to_string(), get("DeviceName")]
        .into_iter()
        .find(|s| !s.is_empty())
        .unwrap_or_else(|| get("TraceId"));
    Signal { encoding: get("Encoding"), trace_id: get("TraceId"), name, unit: get("Units") }
}

/// Names a member's chromatogram from its manifest entry and adds the run's facts.
fn label(c: &mut Chromatogram, signal: &Signal, info: &InjectionInfo) {
    c.channel = signal.name.clone();
    if c.signal_unit.is_empty() {
        c.signal_unit = signal.unit.clone();
    }
    let meta = &mut c.metadata;
    meta.format = format!("OpenLab CDS .dx ({})", meta.format);
    meta.sample_name = meta.sample_name.take().or_else(|| info.sample_name.clone());
    meta.acquisition_date = info.date.clone().or_else(|| meta.acquisition_date.take());
    meta.extra.push(("trace id".into(), signal.trace_id.clone()));
    for (key, value) in [("run operator", &info.operator), ("acquisition method", &info.method)] {
        // The member's own header usually repeats them (as "operator", "method").
        if let Some(v) = value.as_ref().filter(|v| !meta.extra.iter().any(|(_, e)| e == *v)) {
            meta.extra.push((key.into(), v.clone()));
        }
    }
}

/// Trimmed non-empty text of the child `name`.
fn text_of(node: Node, name: &str) -> Option<String> {
    let text = node.children().find(|n| n.has_tag_name(name))?.text()?.trim();
    (!text.is_empty()).then(|| text.to_string())
}

/// Builds this format's errors for one file.
struct Errors<'a> {
    path: &'a Path,
}

impl Errors<'_> {
    fn corrupt(&self, at: Location, what: impl Into<String>) -> IoError {
        IoError::Corrupt { format: FORMAT, at, what: what.into(), path: PathBuf::from(self.path) }
    }
}
