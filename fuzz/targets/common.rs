//! What the fuzz targets share: how an input announces the chunk sizes to
//! feed the rest in, the cutting into those chunks, JSON equality up to
//! the dialect's one lossy step, the messages a stream of bytes reads
//! as when parsed whole, and C trees as text. Included by each target that needs it
//! (`#[path = "common.rs"] mod common;`), so that the fuzz crate and
//! tests/fuzz_corpus.rs compile the same code.
#![allow(dead_code)]

use std::ffi::{c_char, CStr};

use ovsrpc::capi::json::{json, json_destroy, json_string_create_nocopy};
use ovsrpc::capi::json_text::json_to_string;
use ovsrpc::json::{Json, Parser};
use ovsrpc::jsonrpc::Msg;
use ovsrpc::Error;

/// `json_to_string()`'s flag for sorted members.
pub const JSSF_SORT: i32 = 2;

/// Frees a `malloc()`ed C string the C API returned: a string node takes
/// it over and frees it with itself.
///
/// # Safety
///
/// `s` is a `malloc()`ed string not used afterwards.
pub unsafe fn free_c_string(s: *mut c_char) {
    // SAFETY: as the caller guarantees.
    unsafe { json_destroy(json_string_create_nocopy(s)) }
}

/// `json_to_string(j, flags)` as a `String` (the C string freed).
///
/// # Safety
///
/// `j` is a live tree.
pub unsafe fn c_json_text(j: *const json, flags: i32) -> String {
    // SAFETY: as the caller guarantees; the returned string is freed once.
    unsafe {
        let s = json_to_string(j, flags);
        let text = CStr::from_ptr(s).to_str().expect("UTF-8").to_string();
        free_c_string(s);
        text
    }
}

/// Splits `data` (at least one byte) into the chunk sizes its first byte
/// announces (`data[0] % 16` of them, one byte each, 0 read as 1) and the
/// input that follows them.
pub fn chunk_sizes(data: &[u8]) -> (Vec<usize>, &[u8]) {
    let k = usize::from(data[0] % 16).min(data.len() - 1);
    let sizes = data[1..1 + k]
        .iter()
        .map(|&b| usize::from(b).max(1))
        .collect();
    (sizes, &data[1 + k..])
}

/// `input` cut into pieces of `sizes`, cycling through them; byte by byte
/// when there are none.
pub fn pieces<'a>(input: &'a [u8], sizes: &[usize]) -> Vec<&'a [u8]> {
    let mut pieces = Vec::new();
    let mut at = 0;
    let mut i = 0;
    while at < input.len() {
        let n = sizes.get(i % sizes.len().max(1)).copied().unwrap_or(1);
        let end = (at + n).min(input.len());
        pieces.push(&input[at..end]);
        at = end;
        i += 1;
    }
    pieces
}

/// Equality up to the dialect's one lossy step: a real whose shortest
/// text is an integer in range reads back as that integer.
pub fn same(a: &Json, b: &Json) -> bool {
    match (a, b) {
        (Json::Integer(i), Json::Real(r)) | (Json::Real(r), Json::Integer(i)) => *i as f64 == *r,
        (Json::Array(x), Json::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y.iter()).all(|(p, q)| same(p, q))
        }
        (Json::Object(x), Json::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        _ => a == b,
    }
}

/// The messages a connection should receive from `input`: the whole input
/// parsed as a stream of values (with at most `max` bytes each, the
/// parser's default for `None`), each read as a message, up to the first
/// failure (`EPROTO`) or the end of the input (`EOF`), with that ending.
pub fn reference_msgs(input: &[u8], max: Option<u64>) -> (Vec<Msg>, i32) {
    let mut p = Parser::new();
    if let Some(max) = max {
        p.set_max_size(Some(max));
    }
    let mut msgs = Vec::new();
    let mut rest = input;
    loop {
        let n = p.feed(rest);
        rest = &rest[n..];
        if !p.is_done() {
            return (msgs, Error::EOF.errno());
        }
        match p.finish().ok().map(Msg::from_json) {
            Some(Ok(m)) => msgs.push(m),
            _ => return (msgs, Error::EPROTO.errno()),
        }
    }
}
