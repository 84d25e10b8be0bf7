//! Hashing: a fast seeded hash for object indexes, and `Json::hash`.

use std::hash::BuildHasher;
use std::sync::OnceLock;

use super::value::Json;

const K0: u64 = 0x9e37_79b9_7f4a_7c15;
const K1: u64 = 0xbf58_476d_1ce4_e5b9;
const K2: u64 = 0x94d0_49bb_1331_11eb;

/// The process's random seed for object indexes, so that a peer cannot
/// choose member names that all land in one bucket.
fn seed() -> u64 {
    static SEED: OnceLock<u64> = OnceLock::new();
    *SEED.get_or_init(|| {
        std::collections::hash_map::RandomState::new().hash_one(0x6f76_7372_7063u64)
    })
}

#[inline]
fn mix(a: u64, b: u64) -> u64 {
    let m = u128::from(a) * u128::from(b);
    (m as u64) ^ ((m >> 64) as u64)
}

#[inline]
fn fmix(mut h: u64) -> u64 {
    h ^= h >> 30;
    h = h.wrapping_mul(K1);
    h ^= h >> 27;
    h = h.wrapping_mul(K2);
    h ^ (h >> 31)
}

/// Hashes `bytes` from `basis` (folded multiply over 8-byte words).
#[inline]
pub(crate) fn hash_bytes(bytes: &[u8], basis: u64) -> u64 {
    let mut h = basis ^ (bytes.len() as u64).wrapping_mul(K0);
    let mut chunks = bytes.chunks_exact(16);
    for c in &mut chunks {
        let a = u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]);
        let b = u64::from_le_bytes([c[8], c[9], c[10], c[11], c[12], c[13], c[14], c[15]]);
        h = mix(a ^ h ^ K1, b ^ K2);
    }
    let rest = chunks.remainder();
    let (a, b) = match rest.len() {
        0 => (0, 0),
        1..=3 => {
            let n = rest.len();
            let v = u64::from(rest[0]) << 16 | u64::from(rest[n / 2]) << 8 | u64::from(rest[n - 1]);
            (v, 0)
        }
        4..=7 => {
            let n = rest.len();
            let lo = u32::from_le_bytes([rest[0], rest[1], rest[2], rest[3]]);
            let hi = u32::from_le_bytes([rest[n - 4], rest[n - 3], rest[n - 2], rest[n - 1]]);
            (u64::from(lo), u64::from(hi))
        }
        n => {
            let lo = u64::from_le_bytes(rest[..8].try_into().unwrap_or([0; 8]));
            let hi = u64::from_le_bytes(rest[n - 8..].try_into().unwrap_or([0; 8]));
            (lo, hi)
        }
    };
    fmix(mix(a ^ h ^ K2, b ^ K0))
}

/// The seeded hash of an object member name, for [`super::Object`]'s index.
#[inline]
pub(crate) fn hash_name(name: &str) -> u64 {
    hash_bytes(name.as_bytes(), seed())
}

fn hash_u64(x: u64, basis: u64) -> u64 {
    fmix(mix(x ^ K0, basis ^ K1))
}

impl Json {
    /// A hash of the value in the spirit of OVS's `json_hash()`: equal values
    /// hash equally, and an object's hash does not depend on the order of its
    /// members. Unlike the index hash it is not seeded, so it is stable across
    /// processes (but not promised across versions of this library).
    pub fn hash(&self, basis: u32) -> u32 {
        let h = self.hash64(u64::from(basis));
        (h ^ (h >> 32)) as u32
    }

    fn hash64(&self, basis: u64) -> u64 {
        match self {
            Json::Null => hash_u64(1 << 8, basis),
            Json::Boolean(false) => hash_u64(2 << 8, basis),
            Json::Boolean(true) => hash_u64(3 << 8, basis),
            Json::Integer(i) => hash_u64(*i as u64, basis),
            Json::Real(r) => hash_u64(if *r == 0.0 { 0 } else { r.to_bits() }, basis ^ K2),
            Json::String(s) => hash_bytes(s.as_bytes(), basis),
            Json::Array(a) => a
                .iter()
                .fold(hash_u64(a.len() as u64, basis), |h, e| e.hash64(h)),
            Json::Object(o) => {
                // A sum of per-member hashes: independent of member order.
                let sum = o.iter().fold(0u64, |acc, (name, value)| {
                    acc.wrapping_add(value.hash64(hash_bytes(name.as_bytes(), 0)))
                });
                hash_u64(sum, basis ^ (o.len() as u64))
            }
        }
    }
}
