//! Input mutations for the fuzzing harness: byte flips, overwrites, truncations, chunk splices (deleted,
//! duplicated, inserted from another seed), extreme integers written over header bytes, and JSON-aware mutations
//! for sessions (numbers set to extremes, keys dropped, values retyped, deep nesting, a byte-order mark).
//! Seeded and deterministic: the same seed gives the same inputs.

/// SplitMix64: small, seeded, good enough to pick mutations.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x9E37_79B9_7F4A_7C15)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in 0..n (0 when n is 0).
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 { 0 } else { (self.next_u64() % n as u64) as usize }
    }
}

/// Integers that break header arithmetic, in every width the binary formats use.
const EXTREMES: [u64; 9] = [0, 1, 0x7F, 0xFF, 0x7FFF, 0xFFFF, 0x7FFF_FFFF, 0xFFFF_FFFF, u64::MAX];

/// One mutation of `input`; `others` are the other seeds (for splices).
pub fn mutate_bytes(rng: &mut Rng, input: &[u8], others: &[Vec<u8>]) -> Vec<u8> {
    let mut out = input.to_vec();
    let rounds = 1 + rng.below(3);
    for _ in 0..rounds {
        let n = out.len();
        match rng.below(7) {
            0 if n > 0 => {
                let i = rng.below(n);
                out[i] ^= 1 << rng.below(8);
            }
            1 if n > 0 => {
                let i = rng.below(n);
                out[i] = rng.next_u64() as u8;
            }
            2 => out.truncate(rng.below(n + 1)),
            3 if n > 1 => {
                // Delete a chunk.
                let a = rng.below(n);
                let b = (a + 1 + rng.below(4096)).min(n);
                out.drain(a..b);
            }
            4 if n > 1 => {
                // Duplicate a chunk in place.
                let a = rng.below(n);
                let b = (a + 1 + rng.below(4096)).min(n);
                let chunk = out[a..b].to_vec();
                out.splice(b..b, chunk);
            }
            5 if !others.is_empty() => {
                // Insert a chunk of another seed.
                let other = &others[rng.below(others.len())];
                if !other.is_empty() {
                    let a = rng.below(other.len());
                    let b = (a + 1 + rng.below(4096)).min(other.len());
                    let at = rng.below(n + 1);
                    out.splice(at..at, other[a..b].iter().copied());
                }
            }
            _ if n > 0 => {
                // An extreme integer over header bytes (the first 1 KiB), in a random width and byte order.
                let width = [1usize, 2, 4, 8][rng.below(4)];
                let at = rng.below(n.min(1024));
                let v = EXTREMES[rng.below(EXTREMES.len())];
                let bytes = if rng.below(2) == 0 { v.to_be_bytes() } else { v.to_le_bytes() };
                let src = if bytes[0] == 0 { &bytes[8 - width..] } else { &bytes[..width] };
                for (k, b) in src.iter().enumerate() {
                    if let Some(slot) = out.get_mut(at + k) {
                        *slot = *b;
                    }
                }
            }
            _ => {}
        }
    }
    out
}

/// One JSON-aware mutation of a session text (falls back to a byte mutation when it is not JSON).
pub fn mutate_json(rng: &mut Rng, input: &[u8], others: &[Vec<u8>]) -> Vec<u8> {
    let Ok(mut value) = serde_json::from_slice::<serde_json::Value>(input) else {
        return mutate_bytes(rng, input, others);
    };
    match rng.below(10) {
        0 => return mutate_bytes(rng, input, others),
        1 => {
            // A byte-order mark in front.
            let mut out = vec![0xEF, 0xBB, 0xBF];
            out.extend_from_slice(input);
            return out;
        }
        2 => {
            // Deep nesting.
            let depth = 1 + rng.below(100_000);
            let mut out = "[".repeat(depth).into_bytes();
            out.extend("]".repeat(depth).bytes());
            return out;
        }
        _ => {
            let mut leaves = Vec::new();
            collect_paths(&value, &mut Vec::new(), &mut leaves);
            for _ in 0..1 + rng.below(3) {
                if leaves.is_empty() {
                    break;
                }
                let path = leaves[rng.below(leaves.len())].clone();
                if let Some(slot) = at_path(&mut value, &path) {
                    *slot = replacement(rng, slot);
                }
            }
        }
    }
    serde_json::to_vec(&value).unwrap_or_else(|_| input.to_vec())
}

/// A value to put where `old` was: extreme numbers, another type, or nothing.
fn replacement(rng: &mut Rng, old: &serde_json::Value) -> serde_json::Value {
    use serde_json::{Value, json};
    let numbers = [0.0, -0.0, -1.0, 1e-310, 1e-300, 1e300, f64::MAX, -f64::MAX, 4.9e-324, 1e20, 1e9];
    match rng.below(6) {
        0 | 1 => json!(numbers[rng.below(numbers.len())]),
        2 => Value::Null,
        3 => json!("x".repeat(rng.below(64))),
        4 => match old {
            Value::Array(a) if !a.is_empty() => {
                // A long array of copies.
                Value::Array(std::iter::repeat_n(a[0].clone(), 1 + rng.below(20_000)).collect())
            }
            _ => json!([]),
        },
        _ => json!({}),
    }
}

/// Every path (object keys and array indices) to a value in `v`.
fn collect_paths(v: &serde_json::Value, prefix: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
    if out.len() > 10_000 {
        return;
    }
    out.push(prefix.clone());
    match v {
        serde_json::Value::Object(m) => {
            for (k, child) in m {
                prefix.push(k.clone());
                collect_paths(child, prefix, out);
                prefix.pop();
            }
        }
        serde_json::Value::Array(a) => {
            for (i, child) in a.iter().enumerate().take(50) {
                prefix.push(i.to_string());
                collect_paths(child, prefix, out);
                prefix.pop();
            }
        }
        _ => {}
    }
}

fn at_path<'a>(v: &'a mut serde_json::Value, path: &[String]) -> Option<&'a mut serde_json::Value> {
    let mut cur = v;
    for key in path {
        cur = match cur {
            serde_json::Value::Object(m) => m.get_mut(key)?,
            serde_json::Value::Array(a) => a.get_mut(key.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(cur)
}
