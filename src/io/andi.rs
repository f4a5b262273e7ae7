//! ANDI / AIA chromatography netCDF (ASTM E1947) and the total ion chromatogram of ANDI/MS netCDF (ASTM E2077).
//!
//! Chromatography files: the signal is `ordinate_values` (any numeric netCDF type); the time of point `i` is
//! `actual_delay_time + i × actual_sampling_interval` in seconds (the standard's unit for both; the delay may be
//! negative or absent, absent meaning 0), or `raw_data_retention` when the file stores an explicit time per point.
//! The signal unit is the global `detector_unit` attribute (empty when absent). The file's peak table
//! (`peak_retention_time`, `peak_name`, `peak_area`, `peak_height`) becomes [`Metadata::peaks`]; its times are
//! converted with the global `retention_unit` (seconds unless it mentions minutes).
//!
//! Mass-spectrometry files without `ordinate_values`: the chromatogram is `total_intensity` against
//! `scan_acquisition_time` (seconds), channel "TIC".
//!
//! Reading goes through the `netcdf3` crate, from memory. That crate trusts header counts, so the header is first
//! walked and checked by [`validate`]; as a last resort the crate calls run under `catch_unwind`, so a panic inside
//! it on some input the walk did not foresee becomes an [`IoError::Corrupt`] (the default panic hook still prints
//! the panic message to stderr).

use std::io::Cursor;
use std::path::{Path, PathBuf};

use netcdf3::{DataSet, DataVector, FileReader};

use crate::chromatogram::{Chromatogram, Metadata, PeakTableEntry, TimeUnit};
use crate::io::{IoError, Location, MAX_POINTS};

mod validate;

use validate::VarExtent;

/// Format name used in errors.
const FORMAT: &str = "ANDI/AIA netCDF";

/// Values at or beyond this magnitude are netCDF fill values (default float fill ≈ 9.97e36), meaning "not given".
const FILL_MAGNITUDE: f64 = 9.0e36;

/// True when `bytes` start with the netCDF-3 magic: `CDF\x01` (classic) or `CDF\x02` (64-bit offsets).
pub fn looks_like(bytes: &[u8]) -> bool {
    matches!(bytes.get(..4), Some([b'C', b'D', b'F', 1 | 2]))
}

/// Reads an ANDI chromatography or ANDI/MS netCDF file into one [`Chromatogram`] (time in seconds).
///
/// Errors (`path` names the file in each): [`IoError::Corrupt`] with a byte offset for a malformed or truncated
/// header, data outside the file or a missing sampling interval; [`IoError::TooLarge`] when a variable declares
/// more than [`MAX_POINTS`] points (checked before reading it); [`IoError::NonFinite`] for NaN/infinite signal
/// values, times or sampling parameters; [`IoError::NotMonotonic`] for a time axis that does not strictly
/// increase; [`IoError::NoData`] when the file has neither `ordinate_values` nor a TIC, or they are empty;
/// [`IoError::Corrupt`] for a value past [`super::MAX_ABS_SIGNAL`] or a time past [`super::MAX_ABS_TIME_S`].
pub fn read(bytes: &[u8], path: &Path) -> Result<Vec<Chromatogram>, IoError> {
    let err = Errors { path };
    let extents = validate::check(bytes, &err)?;
    let owned = bytes.to_vec();
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let name = path.to_string_lossy();
        let mut reader = FileReader::open_seek_read(&name, Box::new(Cursor::new(owned)))
            .map_err(|e| err.corrupt(0, format!("netCDF header: {e}")))?;
        let file = File { reader: &mut reader, extents: &extents, err: &err };
        file.chromatogram().map(|c| vec![c])
    }));
    let chromatograms = result.unwrap_or_else(|_| Err(err.corrupt(0, "the netCDF library panicked on this file")))?;
    // The checks every reader applies, the implausible-value limits among them.
    let at = |i: usize| Location::Field(format!("sample {i}"));
    chromatograms.into_iter().map(|c| super::series::check(FORMAT, c, path, &at)).collect()
}

/// An open netCDF file with the extents found by the header walk.
struct File<'r, 'e, 'p> {
    reader: &'r mut FileReader,
    extents: &'e [VarExtent],
    err: &'e Errors<'p>,
}

impl File<'_, '_, '_> {
    fn ds(&self) -> &DataSet {
        self.reader.data_set()
    }

    fn chromatogram(mut self) -> Result<Chromatogram, IoError> {
        if self.ds().has_var("ordinate_values") {
            self.chromatography()
        } else if self.ds().has_var("scan_acquisition_time") && self.ds().has_var("total_intensity") {
            self.mass_spec_tic()
        } else {
            Err(IoError::NoData { format: FORMAT, path: self.err.path() })
        }
    }

    /// ANDI chromatography: ordinate values on a uniform (or explicit) time axis, plus the peak table.
    fn chromatography(&mut self) -> Result<Chromatogram, IoError> {
        let signal = self.numeric("ordinate_values")?;
        if signal.is_empty() {
            return Err(IoError::NoData { format: FORMAT, path: self.err.path() });
        }
        let explicit_times = self.ds().var_len("raw_data_retention") == Some(signal.len())
            && global(self.ds(), "uniform_sampling_flag").is_some_and(|f| f.starts_with(['N', 'n']));
        let time_s = if explicit_times {
            self.numeric("raw_data_retention")?
        } else {
            let interval_s = self.scalar("actual_sampling_interval")?.filter(|v| v.abs() < FILL_MAGNITUDE);
            let interval_s = interval_s
                .ok_or_else(|| self.corrupt_at_var("actual_sampling_interval", "no usable actual_sampling_interval"))?;
            if interval_s <= 0.0 {
                return Err(self.corrupt_at_var("actual_sampling_interval", "sampling interval is not positive"));
            }
            let delay_s = self.scalar("actual_delay_time")?.filter(|v| v.abs() < FILL_MAGNITUDE).unwrap_or(0.0);
            (0..signal.len()).map(|i| delay_s + interval_s * i as f64).collect()
        };
        let time_var = if explicit_times { "raw_data_retention" } else { "actual_sampling_interval" };
        self.check_increasing(&time_s, time_var)?;

        let ds = self.ds();
        let detector = global(ds, "detector_name").or_else(|| global(ds, "detection_method_name"));
        let mut extra = Vec::new();
        for key in [
            "operator_name",
            "company_method_name",
            "detection_method_name",
            "sample_type",
            "sample_injection_volume",
            "retention_unit",
            "dataset_completeness",
            "aia_template_revision",
        ] {
            if let Some(v) = global(ds, key) {
                extra.push((key.to_string(), v));
            }
        }
        let metadata = Metadata {
            format: FORMAT.to_string(),
            sample_name: global(ds, "sample_name").or_else(|| global(ds, "sample_id")),
            instrument: global(ds, "dataset_origin"),
            detector: detector.clone(),
            acquisition_date: global(ds, "injection_date_time_stamp").or_else(|| global(ds, "dataset_date_time_stamp")),
            peaks: self.peak_table()?,
            extra,
            time_unit: Some(self.retention_unit()),
        };
        let ds = self.ds();
        Ok(Chromatogram {
            time_s,
            signal,
            signal_unit: global(ds, "detector_unit").unwrap_or_default(),
            channel: detector.unwrap_or_else(|| "ordinate_values".to_string()),
            metadata,
        })
    }

    /// ANDI/MS: the total ion chromatogram.
    fn mass_spec_tic(&mut self) -> Result<Chromatogram, IoError> {
        let time_s = self.numeric("scan_acquisition_time")?;
        let signal = self.numeric("total_intensity")?;
        if signal.is_empty() {
            return Err(IoError::NoData { format: FORMAT, path: self.err.path() });
        }
        if time_s.len() != signal.len() {
            return Err(self.corrupt_at_var(
                "total_intensity",
                format!("{} scan times but {} total intensities", time_s.len(), signal.len()),
            ));
        }
        self.check_increasing(&time_s, "scan_acquisition_time")?;
        let ds = self.ds();
        let mut extra = Vec::new();
        for key in ["experiment_type", "test_separation_type", "test_ionization_mode", "operator_name"] {
            if let Some(v) = global(ds, key) {
                extra.push((key.to_string(), v));
            }
        }
        let unit = ds.get_var_attr("total_intensity", "units").and_then(|a| a.get_u8()).map(latin1);
        Ok(Chromatogram {
            time_s,
            signal,
            signal_unit: unit.filter(|u| !u.is_empty()).unwrap_or_default(),
            channel: "TIC".to_string(),
            metadata: Metadata {
                format: "ANDI/MS netCDF".to_string(),
                sample_name: global(ds, "experiment_title").or_else(|| global(ds, "sample_name")),
                instrument: global(ds, "dataset_origin"),
                detector: global(ds, "test_detector_type"),
                acquisition_date: global(ds, "experiment_date_time_stamp"),
                peaks: Vec::new(),
                extra,
                time_unit: Some(self.retention_unit()),
            },
        })
    }

    /// The unit of the file's retention times: minutes when the global `retention_unit` mentions them, else the
    /// standard's seconds.
    fn retention_unit(&self) -> TimeUnit {
        let unit = global(self.ds(), "retention_unit").unwrap_or_default().to_lowercase();
        if unit.contains("min") { TimeUnit::Minutes } else { TimeUnit::Seconds }
    }

    /// The file's own peak table; empty when the file has none. Rows without a usable retention time are skipped.
    fn peak_table(&mut self) -> Result<Vec<PeakTableEntry>, IoError> {
        if !self.ds().has_var("peak_retention_time") {
            return Ok(Vec::new());
        }
        let to_s = self.retention_unit().seconds();
        let rts = self.numeric_allow_nan("peak_retention_time")?;
        let names = self.strings("peak_name", rts.len())?;
        let areas = self.optional_column("peak_area", rts.len())?;
        let heights = self.optional_column("peak_height", rts.len())?;
        Ok(rts
            .iter()
            .enumerate()
            .filter(|&(_, rt)| rt.is_finite() && rt.abs() < FILL_MAGNITUDE)
            .map(|(i, rt)| PeakTableEntry {
                name: names.get(i).cloned().unwrap_or_default(),
                retention_time_s: rt * to_s,
                area: areas.get(i).copied().flatten(),
                height: heights.get(i).copied().flatten(),
            })
            .collect())
    }

    /// A per-peak numeric column, `None` for missing, fill or non-finite entries; empty when absent or the wrong
    /// length.
    fn optional_column(&mut self, var: &str, n: usize) -> Result<Vec<Option<f64>>, IoError> {
        if self.ds().var_len(var) != Some(n) {
            return Ok(Vec::new());
        }
        let values = self.numeric_allow_nan(var)?;
        Ok(values.into_iter().map(|v| Some(v).filter(|v| v.is_finite() && v.abs() < FILL_MAGNITUDE)).collect())
    }

    /// A 2-D char variable split into `n` trimmed strings; empty when absent or not divisible.
    fn strings(&mut self, var: &str, n: usize) -> Result<Vec<String>, IoError> {
        let len = self.ds().var_len(var).unwrap_or(0);
        if n == 0 || len == 0 || !len.is_multiple_of(n) {
            return Ok(Vec::new());
        }
        let raw = self.reader.read_var(var).map_err(|e| self.corrupt_at_var(var, format!("reading: {e}")))?;
        Ok(raw.get_u8().map(|b| b.chunks(len / n).map(latin1).collect()).unwrap_or_default())
    }

    /// First element of a numeric variable; `None` when the variable is absent or empty. NaN/inf is an error.
    fn scalar(&mut self, var: &str) -> Result<Option<f64>, IoError> {
        if !self.ds().has_var(var) {
            return Ok(None);
        }
        Ok(self.numeric(var)?.first().copied())
    }

    /// A numeric variable as `f64`, every value finite.
    fn numeric(&mut self, var: &str) -> Result<Vec<f64>, IoError> {
        let values = self.numeric_allow_nan(var)?;
        if let Some(i) = values.iter().position(|v| !v.is_finite()) {
            return Err(IoError::NonFinite {
                format: FORMAT,
                at: self.element_location(var, i),
                path: self.err.path(),
            });
        }
        Ok(values)
    }

    /// A numeric variable as `f64`, any integer or float type; its length is checked against [`MAX_POINTS`]
    /// before it is read.
    fn numeric_allow_nan(&mut self, var: &str) -> Result<Vec<f64>, IoError> {
        let len = self.ds().var_len(var).unwrap_or(0);
        if len > MAX_POINTS {
            let at = self.element_location(var, 0);
            return Err(IoError::TooLarge {
                format: FORMAT,
                at,
                claimed: len as u64,
                limit: MAX_POINTS,
                path: self.err.path(),
            });
        }
        let data = self.reader.read_var(var).map_err(|e| self.corrupt_at_var(var, format!("reading: {e}")))?;
        Ok(match data {
            DataVector::I8(v) => v.into_iter().map(f64::from).collect(),
            DataVector::U8(v) => v.into_iter().map(f64::from).collect(),
            DataVector::I16(v) => v.into_iter().map(f64::from).collect(),
            DataVector::I32(v) => v.into_iter().map(f64::from).collect(),
            DataVector::F32(v) => v.into_iter().map(f64::from).collect(),
            DataVector::F64(v) => v,
        })
    }

    fn check_increasing(&self, time_s: &[f64], var: &str) -> Result<(), IoError> {
        if let Some(i) = time_s.windows(2).position(|w| w[1] <= w[0]) {
            return Err(IoError::NotMonotonic {
                format: FORMAT,
                at: self.element_location(var, i + 1),
                path: self.err.path(),
            });
        }
        Ok(())
    }

    fn extent(&self, var: &str) -> Option<&VarExtent> {
        self.extents.iter().find(|e| e.name == var)
    }

    /// Byte offset of element `i` of a contiguous variable, else the variable's name.
    fn element_location(&self, var: &str, i: usize) -> Location {
        match self.extent(var) {
            Some(e) if !e.is_record => Location::Byte(e.begin + e.element_bytes * i as u64),
            _ => Location::Field(var.to_string()),
        }
    }

    fn corrupt_at_var(&self, var: &str, what: impl Into<String>) -> IoError {
        let at = self.extent(var).map_or(Location::Field(var.to_string()), |e| Location::Byte(e.begin));
        IoError::Corrupt { format: FORMAT, at, what: format!("`{var}`: {}", what.into()), path: self.err.path() }
    }
}

/// A global text attribute, Latin-1 decoded and trimmed; `None` when absent or blank.
fn global(ds: &DataSet, name: &str) -> Option<String> {
    let text = latin1(ds.get_global_attr(name)?.get_u8()?);
    (!text.is_empty()).then_some(text)
}

/// Decodes 8-bit text (ANDI predates UTF-8), dropping control characters, NUL padding and surrounding blanks.
fn latin1(bytes: &[u8]) -> String {
    let text: String = bytes.iter().map(|&b| char::from(b)).filter(|c| !c.is_control() || *c == '\0').collect();
    text.trim_matches(|c: char| c == '\0' || c.is_whitespace()).to_string()
}

/// Builds this format's errors for one file.
struct Errors<'a> {
    path: &'a Path,
}

impl Errors<'_> {
    fn path(&self) -> PathBuf {
        self.path.to_path_buf()
    }

    fn corrupt(&self, at: u64, what: impl Into<String>) -> IoError {
        IoError::Corrupt { format: FORMAT, at: Location::Byte(at), what: what.into(), path: self.path() }
    }
}
