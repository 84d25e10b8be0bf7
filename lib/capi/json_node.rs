//! The C side of `struct json`: the node layout C reads, object members
//! with a name index, and the one-pass conversions between C trees and Rust
//! [`Json`] values. The functions of `openvswitch/json.h` are in
//! [`super::json`].
//!
//! A C `struct json` is a node owned by C: its type and reference count
//! first, then a union holding the integer, the real, the string (a
//! `malloc()`ed, NUL-terminated copy), the array (a `malloc()`ed array of
//! child nodes) or a pointer to the object's members. The header spells the
//! struct out by hand (cbindgen cannot write an anonymous union), so C reads
//! `json->type`, `json->count`, `json->integer` and `json->real` directly,
//! as OVS code does; `ovsrpc_get_json_layout()` lets a C test check that
//! both sides agree.
//!
//! A Rust [`Json`] becomes a C tree in one pass (`to_c`: one allocation
//! per node, each string copied once) and back in one pass (`from_c`);
//! nothing is serialized and parsed again on the way. Reference counting is
//! OVS's: `json_clone()` adds a reference to the same node, `json_destroy()`
//! drops one and frees the node with the last one. Like OVS's, the count is
//! not atomic: a value belongs to one thread at a time.

use std::collections::hash_map::RandomState;
use std::ffi::{c_char, c_int, c_longlong, c_uint, CString};
use std::hash::BuildHasher;
use std::mem;
use std::ptr;
use std::sync::{Arc, OnceLock};

use super::{c_str, c_string, malloc_string, xmalloc};
use crate::json::{Json, Object};

/// The type of a JSON value, with OVS's values.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum json_type {
    /// `null`.
    JSON_NULL,
    /// `false`.
    JSON_FALSE,
    /// `true`.
    JSON_TRUE,
    /// An object: `{"a": b, "c": d, ...}`.
    JSON_OBJECT,
    /// An array: `[1, 2, 3, ...]`.
    JSON_ARRAY,
    /// An integer: `123`.
    JSON_INTEGER,
    /// A real: `123.456`.
    JSON_REAL,
    /// A string: `"..."`.
    JSON_STRING,
    /// The number of types above.
    JSON_N_TYPES,
    /// OVS's internal pre-serialized type (never created by ovsrpc).
    JSON_SERIALIZED_OBJECT,
}

pub(crate) const TYPES: [json_type; 10] = [
    json_type::JSON_NULL,
    json_type::JSON_FALSE,
    json_type::JSON_TRUE,
    json_type::JSON_OBJECT,
    json_type::JSON_ARRAY,
    json_type::JSON_INTEGER,
    json_type::JSON_REAL,
    json_type::JSON_STRING,
    json_type::JSON_N_TYPES,
    json_type::JSON_SERIALIZED_OBJECT,
];

/// An `enum json_type` as C passes it: any `int`, checked before use (the
/// header declares the parameter as the enum).
#[repr(transparent)]
pub struct json_type_value(pub c_int);

/// The elements of a `JSON_ARRAY` node: `n` child nodes, in a `malloc()`ed
/// array with room for `n_allocated`.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct json_array {
    /// Number of elements.
    pub n: usize,
    /// Room in `elems`.
    pub n_allocated: usize,
    /// The elements (each a node holding one reference).
    pub elems: *mut *mut json,
}

/// The value of a node; which member is live depends on the type.
#[repr(C)]
pub union json_value {
    /// `JSON_OBJECT`: the members (a Rust box).
    object_: *mut Members,
    /// `JSON_ARRAY`.
    pub array: json_array,
    /// `JSON_INTEGER`.
    pub integer: c_longlong,
    /// `JSON_REAL`.
    pub real: f64,
    /// `JSON_STRING`: a `malloc()`ed, NUL-terminated string.
    pub string: *mut c_char,
}

/// A JSON value as C holds it (see the module documentation). The header
/// declares the same layout with an anonymous union, as OVS's.
#[repr(C)]
pub struct json {
    /// A `json_type` value, kept as an `int` so that whatever C stores
    /// here is never undefined behaviour on the Rust side.
    pub type_: c_int,
    /// OVS's `storage_type` slot, unused.
    storage_type_: c_uint,
    /// The reference count.
    pub count: usize,
    /// The value.
    pub u: json_value,
}

/// The members of an object node, in insertion order, with a name index
/// once there are more than a few.
pub(crate) struct Members {
    pub(crate) entries: Vec<(CString, *mut json)>,
    /// Open addressing over `entries`, present above [`LINEAR_MAX`]
    /// members: each slot holds an entry's index plus 1, or 0 when empty.
    /// The table is at least twice as big as `entries`.
    index: Option<Box<[u32]>>,
}

/// Objects up to this size are searched linearly.
const LINEAR_MAX: usize = 8;

/// The process's random seed for member-name hashes, so that a peer cannot
/// choose names that all collide.
fn seed() -> u64 {
    static SEED: OnceLock<u64> = OnceLock::new();
    *SEED.get_or_init(|| RandomState::new().hash_one(0x6a73_6f6e_u64))
}

/// A fast seeded hash of a member name.
fn hash_name(name: &[u8]) -> u64 {
    const K: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut h = seed() ^ (name.len() as u64).wrapping_mul(K);
    let mut chunks = name.chunks_exact(8);
    for c in &mut chunks {
        let w = u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]);
        h = (h ^ w).wrapping_mul(K).rotate_left(29);
    }
    for &b in chunks.remainder() {
        h = (h ^ u64::from(b)).wrapping_mul(K).rotate_left(29);
    }
    h ^= h >> 32;
    h.wrapping_mul(K) ^ (h >> 29)
}

impl Members {
    pub(crate) fn with_capacity(n: usize) -> Members {
        Members {
            entries: Vec::with_capacity(n),
            index: None,
        }
    }

    /// The index of member `name`, if present.
    pub(crate) fn find(&self, name: &[u8]) -> Option<usize> {
        let Some(table) = &self.index else {
            return self.entries.iter().position(|(k, _)| k.as_bytes() == name);
        };
        let mask = table.len() - 1;
        let mut slot = hash_name(name) as usize & mask;
        loop {
            match table[slot] {
                0 => return None,
                i if self.entries[i as usize - 1].0.as_bytes() == name => {
                    return Some(i as usize - 1)
                }
                _ => slot = (slot + 1) & mask,
            }
        }
    }

    /// Appends `name` = `value`; `name` must not be present.
    pub(crate) fn push_new(&mut self, name: CString, value: *mut json) {
        self.entries.push((name, value));
        let n = self.entries.len();
        match &mut self.index {
            Some(table) if n * 2 <= table.len() => {
                Members::index_entry(table, &self.entries, n - 1);
            }
            _ if n > LINEAR_MAX => self.reindex(),
            _ => {}
        }
    }

    fn index_entry(table: &mut [u32], entries: &[(CString, *mut json)], i: usize) {
        let mask = table.len() - 1;
        let mut slot = hash_name(entries[i].0.as_bytes()) as usize & mask;
        while table[slot] != 0 {
            slot = (slot + 1) & mask;
        }
        table[slot] = i as u32 + 1;
    }

    fn reindex(&mut self) {
        let size = (self.entries.len() * 4).next_power_of_two();
        let mut table = vec![0u32; size].into_boxed_slice();
        for i in 0..self.entries.len() {
            Members::index_entry(&mut table, &self.entries, i);
        }
        self.index = Some(table);
    }

    /// Puts `name` = `value` (taking the reference `value` holds); an
    /// existing member keeps its place and its old value is released.
    pub(crate) fn put(&mut self, name: CString, value: *mut json) {
        match self.find(name.as_bytes()) {
            Some(i) => {
                let old = mem::replace(&mut self.entries[i].1, value);
                // SAFETY: `old` is a node this object held a reference to.
                unsafe { destroy(old) };
            }
            None => self.push_new(name, value),
        }
    }
}

/// The type of a node, or `None` for a value no `json_type` has.
pub(crate) fn type_of(j: &json) -> Option<json_type> {
    usize::try_from(j.type_)
        .ok()
        .and_then(|i| TYPES.get(i).copied())
}

pub(crate) fn new_node(t: json_type, u: json_value) -> *mut json {
    Box::into_raw(Box::new(json {
        type_: t as c_int,
        storage_type_: 0,
        count: 1,
        u,
    }))
}

pub(crate) fn new_array(elems: Vec<*mut json>) -> *mut json {
    let n = elems.len();
    let p = xmalloc(n * mem::size_of::<*mut json>()) as *mut *mut json;
    // SAFETY: `p` has room for `n` pointers.
    unsafe { ptr::copy_nonoverlapping(elems.as_ptr(), p, n) };
    new_node(
        json_type::JSON_ARRAY,
        json_value {
            array: json_array {
                n,
                n_allocated: n,
                elems: p,
            },
        },
    )
}

pub(crate) fn new_object(members: Members) -> *mut json {
    new_node(
        json_type::JSON_OBJECT,
        json_value {
            object_: Box::into_raw(Box::new(members)),
        },
    )
}

pub(crate) fn new_string(s: &str) -> *mut json {
    new_node(
        json_type::JSON_STRING,
        json_value {
            string: malloc_string(s),
        },
    )
}

/// Converts a Rust value into a new C tree holding one reference: one
/// allocation per node, strings copied once.
pub(crate) fn to_c(j: &Json) -> *mut json {
    match j {
        Json::Null => new_node(json_type::JSON_NULL, json_value { integer: 0 }),
        Json::Boolean(false) => new_node(json_type::JSON_FALSE, json_value { integer: 0 }),
        Json::Boolean(true) => new_node(json_type::JSON_TRUE, json_value { integer: 0 }),
        Json::Integer(i) => new_node(json_type::JSON_INTEGER, json_value { integer: *i }),
        Json::Real(r) => new_node(json_type::JSON_REAL, json_value { real: *r }),
        Json::String(s) => new_string(s),
        Json::Array(a) => new_array(a.iter().map(to_c).collect()),
        Json::Object(o) => {
            let mut members = Members::with_capacity(o.len());
            // Names are unique in a Rust object: no lookups needed.
            for (name, value) in o.iter() {
                members.push_new(c_string(name), to_c(value));
            }
            new_object(members)
        }
    }
}

/// [`to_c`] for an optional value: `None` is NULL.
pub(crate) fn option_to_c(j: Option<&Json>) -> *mut json {
    j.map_or(ptr::null_mut(), to_c)
}

/// The elements of an array node.
///
/// # Safety
///
/// `j` is a live `JSON_ARRAY` node.
pub(crate) unsafe fn elements(j: &json) -> &[*mut json] {
    // SAFETY: the node is an array, so `array` is the live member.
    let a = unsafe { j.u.array };
    if a.n == 0 || a.elems.is_null() {
        &[]
    } else {
        // SAFETY: `elems` holds `n` initialized pointers.
        unsafe { std::slice::from_raw_parts(a.elems, a.n) }
    }
}

/// The members of an object node.
///
/// # Safety
///
/// `j` is a live `JSON_OBJECT` node.
pub(crate) unsafe fn members(j: &json) -> &Members {
    // SAFETY: the node is an object, so `object_` is the live member and
    // points to its boxed members.
    unsafe { &*j.u.object_ }
}

/// The members of an object node, for modification.
///
/// # Safety
///
/// `j` is a live `JSON_OBJECT` node.
pub(crate) unsafe fn members_mut(j: &mut json) -> &mut Members {
    // SAFETY: as for `members`, and `j` is borrowed exclusively.
    unsafe { &mut *j.u.object_ }
}

/// The text of a string node (invalid UTF-8 replaced).
///
/// # Safety
///
/// `j` is a live `JSON_STRING` node.
pub(crate) unsafe fn text(j: &json) -> std::borrow::Cow<'_, str> {
    // SAFETY: the node is a string: `string` is a NUL-terminated string or
    // NULL (treated as empty).
    unsafe { c_str(j.u.string) }.unwrap_or_default()
}

/// Converts a C tree into a Rust value, in one pass. NULL (which OVS would
/// not accept) becomes `null`.
///
/// # Safety
///
/// `p` is NULL or a live node whose whole tree is valid.
pub(crate) unsafe fn from_c(p: *const json) -> Json {
    if p.is_null() {
        return Json::Null;
    }
    // SAFETY: the caller guarantees `p` is live.
    let j = unsafe { &*p };
    match type_of(j) {
        Some(json_type::JSON_FALSE) => Json::Boolean(false),
        Some(json_type::JSON_TRUE) => Json::Boolean(true),
        // SAFETY: the type says which union member is live; children are
        // live nodes of the same tree.
        Some(json_type::JSON_INTEGER) => Json::Integer(unsafe { j.u.integer }),
        Some(json_type::JSON_REAL) => Json::Real(unsafe { j.u.real }),
        Some(json_type::JSON_STRING) => Json::String(Arc::from(unsafe { text(j) }.as_ref())),
        Some(json_type::JSON_ARRAY) => Json::array(
            unsafe { elements(j) }
                .iter()
                .map(|&e| unsafe { from_c(e) })
                .collect(),
        ),
        Some(json_type::JSON_OBJECT) => {
            let m = unsafe { members(j) };
            let mut o = Object::with_capacity(m.entries.len());
            for (name, value) in &m.entries {
                o.insert(&*name.to_string_lossy(), unsafe { from_c(*value) });
            }
            Json::object(o)
        }
        _ => Json::Null,
    }
}

/// Drops one reference to `p`, freeing the node and its children with the
/// last one.
///
/// # Safety
///
/// `p` is NULL or a live node on which the caller holds a reference.
pub(crate) unsafe fn destroy(p: *mut json) {
    if p.is_null() {
        return;
    }
    // SAFETY: the caller guarantees `p` is live.
    let j = unsafe { &mut *p };
    j.count = j.count.saturating_sub(1);
    if j.count > 0 {
        return;
    }
    match type_of(j) {
        // SAFETY: for each type, the matching union member is live and was
        // allocated as this module allocates it.
        Some(json_type::JSON_STRING) => unsafe { libc::free(j.u.string as *mut libc::c_void) },
        Some(json_type::JSON_ARRAY) => unsafe {
            for &e in elements(j) {
                destroy(e);
            }
            libc::free(j.u.array.elems as *mut libc::c_void);
        },
        Some(json_type::JSON_OBJECT) => unsafe {
            let m = Box::from_raw(j.u.object_);
            for (_, v) in m.entries {
                destroy(v);
            }
        },
        _ => {}
    }
    // SAFETY: every node is a Box from `new_node`, freed once (the count
    // just reached 0).
    drop(unsafe { Box::from_raw(p) });
}

/// A node's type, aborting (as OVS's assertions do) if it is not one of
/// `want`.
pub(crate) fn expect_type(j: &json, func: &str, want: &[json_type]) -> json_type {
    match type_of(j) {
        Some(t) if want.contains(&t) => t,
        got => {
            let want: Vec<String> = want.iter().map(|t| format!("{t:?}")).collect();
            let got = got.map_or_else(|| format!("bad type {}", j.type_), |t| format!("{t:?}"));
            panic!("{func}: expected {}, got {got}", want.join(" or "))
        }
    }
}

/// [`json_equal`] on C trees, without converting them.
///
/// # Safety
///
/// `a` and `b` are NULL or live trees.
pub(crate) unsafe fn equal(a: *const json, b: *const json) -> bool {
    if a == b {
        return true;
    }
    if a.is_null() || b.is_null() {
        return false;
    }
    // SAFETY: both are live nodes.
    let (a, b) = unsafe { (&*a, &*b) };
    let t = type_of(a);
    if t != type_of(b) {
        return false;
    }
    // SAFETY: both nodes have type `t`, which says which member is live;
    // children are live nodes.
    unsafe {
        match t {
            Some(json_type::JSON_INTEGER) => a.u.integer == b.u.integer,
            Some(json_type::JSON_REAL) => a.u.real == b.u.real,
            Some(json_type::JSON_STRING) => text(a) == text(b),
            Some(json_type::JSON_ARRAY) => {
                let (x, y) = (elements(a), elements(b));
                x.len() == y.len() && x.iter().zip(y).all(|(&p, &q)| equal(p, q))
            }
            Some(json_type::JSON_OBJECT) => {
                let (x, y) = (members(a), members(b));
                x.entries.len() == y.entries.len()
                    && x.entries.iter().all(|(name, v)| {
                        y.find(name.as_bytes())
                            .is_some_and(|i| equal(*v, y.entries[i].1))
                    })
            }
            _ => true,
        }
    }
}
