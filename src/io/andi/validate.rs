//! An independent walk over a classic / 64-bit-offset netCDF-3 header, run before the bytes reach the `netcdf3`
//! crate.
//!
//! `netcdf3` 0.6.1 trusts its input: it reserves `Vec`s sized by header counts (a flipped byte can ask for tens of
//! gigabytes, and a failed allocation aborts the process), multiplies dimension lengths without overflow checks
//! (a panic in debug builds) and allocates every variable at its declared size before reading it. This walk checks,
//! with checked arithmetic and without allocating from header counts, that every count fits in the bytes that
//! remain, every dimension id exists, at most one dimension is unlimited and only as a variable's first dimension,
//! and every variable's data lie inside the file. After it succeeds, everything `netcdf3` allocates is bounded by a
//! small multiple of the file size. The grammar is the one in the netCDF "classic format specification".

use super::{Errors, IoError};

/// Where one variable's data start and how large one element is, for error locations.
#[derive(Debug, Clone)]
pub(super) struct VarExtent {
    pub name: String,
    /// Byte offset of the first element.
    pub begin: u64,
    /// Bytes per element (1, 2, 4 or 8).
    pub element_bytes: u64,
    /// True for record (unlimited-dimension) variables, whose elements are not contiguous.
    pub is_record: bool,
}

/// A cursor over the header bytes that reports every failure as corruption at the current offset.
struct Walker<'a, 'e, 'p> {
    bytes: &'a [u8],
    pos: usize,
    err: &'e Errors<'p>,
}

impl Walker<'_, '_, '_> {
    fn corrupt(&self, what: impl Into<String>) -> IoError {
        self.err.corrupt(self.pos as u64, what)
    }

    fn remaining(&self) -> usize {
        self.bytes.len().saturating_sub(self.pos)
    }

    fn take(&mut self, n: usize, what: &str) -> Result<&[u8], IoError> {
        let end = self.pos.checked_add(n).filter(|&e| e <= self.bytes.len());
        match end {
            Some(end) => {
                let s = &self.bytes[self.pos..end];
                self.pos = end;
                Ok(s)
            }
            None => Err(self.corrupt(format!("header ends inside {what}"))),
        }
    }

    fn u32(&mut self, what: &str) -> Result<u32, IoError> {
        let b = self.take(4, what)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }

    /// A non-negative 32-bit count, no larger than the bytes left divided by the smallest item size.
    fn count(&mut self, what: &str, min_item_bytes: usize) -> Result<usize, IoError> {
        let at = self.pos;
        let n = self.u32(what)?;
        if n > i32::MAX as u32 || (n as usize).saturating_mul(min_item_bytes) > self.remaining() {
            self.pos = at;
            return Err(self.corrupt(format!("{what} count {n} does not fit in the file")));
        }
        Ok(n as usize)
    }

    fn skip_padded(&mut self, n: usize, what: &str) -> Result<(), IoError> {
        self.take(n.div_ceil(4) * 4, what).map(|_| ())
    }

    fn name(&mut self) -> Result<String, IoError> {
        let len = self.count("name length", 1)?;
        let raw = self.take(len, "a name")?;
        let name = String::from_utf8_lossy(raw).into_owned();
        self.take(len.div_ceil(4) * 4 - len, "a name's padding")?;
        Ok(name)
    }

    /// Reads a list tag and its count; ABSENT (eight zero bytes) is an empty list.
    fn list(&mut self, tag: u32, what: &str, min_item_bytes: usize) -> Result<usize, IoError> {
        let at = self.pos;
        let t = self.u32(what)?;
        if t == 0 {
            let n = self.u32(what)?;
            return if n == 0 { Ok(0) } else { Err(self.err.corrupt(at as u64, format!("bad {what} tag"))) };
        }
        if t != tag {
            return Err(self.err.corrupt(at as u64, format!("bad {what} tag {t:#x}")));
        }
        self.count(what, min_item_bytes)
    }

    fn attributes(&mut self) -> Result<(), IoError> {
        let n = self.list(0x0C, "attribute list", 12)?;
        for _ in 0..n {
            self.name()?;
            let size = element_bytes(self.u32("attribute type")?).ok_or_else(|| self.corrupt("bad attribute type"))?;
            let count = self.count("attribute values", size as usize)?;
            self.skip_padded(count * size as usize, "attribute values")?;
        }
        Ok(())
    }
}

/// Bytes per element of a netCDF type code, `None` for an unknown code.
fn element_bytes(nc_type: u32) -> Option<u64> {
    match nc_type {
        1 | 2 => Some(1),
        3 => Some(2),
        4 | 5 => Some(4),
        6 => Some(8),
        _ => None,
    }
}

/// Walks the header and checks every variable against the file size; returns where each variable's data are.
pub(super) fn check(bytes: &[u8], err: &Errors) -> Result<Vec<VarExtent>, IoError> {
    let mut w = Walker { bytes, pos: 0, err };
    let magic = w.take(4, "the magic number")?;
    let offset_bytes = match magic {
        [b'C', b'D', b'F', 1] => 4,
        [b'C', b'D', b'F', 2] => 8,
        _ => return Err(err.corrupt(0, "not a classic netCDF file (magic CDF\\x01 or CDF\\x02)")),
    };
    let numrecs_at = w.pos;
    let numrecs = w.u32("the record count")?;
    let numrecs = match numrecs {
        u32::MAX => None, // streaming: the reader derives it from the file size
        n if n <= i32::MAX as u32 => Some(u64::from(n)),
        n => return Err(err.corrupt(numrecs_at as u64, format!("bad record count {n}"))),
    };

    let n_dims = w.list(0x0A, "dimension list", 8)?;
    let mut dims: Vec<u64> = Vec::with_capacity(n_dims);
    for _ in 0..n_dims {
        w.name()?;
        let at = w.pos;
        let len = w.u32("a dimension length")?;
        if len > i32::MAX as u32 {
            return Err(err.corrupt(at as u64, format!("bad dimension length {len}")));
        }
        dims.push(u64::from(len));
    }
    if dims.iter().filter(|&&d| d == 0).count() > 1 {
        return Err(err.corrupt(numrecs_at as u64, "more than one unlimited dimension"));
    }
    w.attributes()?;

    let file_len = bytes.len() as u64;
    let n_vars = w.list(0x0B, "variable list", 24)?;
    let mut vars = Vec::with_capacity(n_vars);
    for _ in 0..n_vars {
        let var_at = w.pos as u64;
        let name = w.name()?;
        let rank = w.count("variable rank", 4)?;
        let mut elements: u64 = 1;
        let mut is_record = false;
        for i in 0..rank {
            let at = w.pos as u64;
            let id = w.u32("a dimension id")? as usize;
            let len = *dims.get(id).ok_or_else(|| err.corrupt(at, format!("variable `{name}` uses dimension {id}")))?;
            if len == 0 {
                if i != 0 {
                    return Err(err.corrupt(at, format!("variable `{name}`: unlimited dimension is not first")));
                }
                is_record = true;
            } else {
                elements = elements
                    .checked_mul(len)
                    .filter(|&e| e <= file_len)
                    .ok_or_else(|| err.corrupt(var_at, format!("variable `{name}` is larger than the file")))?;
            }
        }
        w.attributes()?;
        let type_at = w.pos as u64;
        let element_bytes = element_bytes(w.u32("a variable type")?)
            .ok_or_else(|| err.corrupt(type_at, format!("variable `{name}` has an unknown type")))?;
        w.u32("a variable size")?;
        let begin_at = w.pos as u64;
        let begin = if offset_bytes == 4 {
            u64::from(w.u32("a variable offset")?)
        } else {
            let b = w.take(8, "a variable offset")?;
            u64::from_be_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]])
        };
        let chunk_bytes = elements * element_bytes; // elements <= file_len, so no overflow
        // Record variables hold `numrecs` chunks; with a streaming count the reader derives at most
        // (file_len − begin)/record_size of them, which stays inside the file.
        let records = if is_record { numrecs.unwrap_or(0) } else { 1 };
        let total = chunk_bytes.checked_mul(records).filter(|&t| t <= file_len);
        let fits = total.is_some() && begin <= file_len && (is_record || begin + chunk_bytes <= file_len);
        if !fits {
            return Err(err.corrupt(begin_at, format!("data of variable `{name}` lie outside the file")));
        }
        vars.push(VarExtent { name, begin, element_bytes, is_record });
    }
    Ok(vars)
}
