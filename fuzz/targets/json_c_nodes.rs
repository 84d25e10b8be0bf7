//! Fuzzes the builder of C nodes: the C API's incremental parser
//! (`json_parser_*`, the one parser core building `struct json` nodes
//! directly), fed in random chunkings, must give what the Rust parser gives
//! for the same bytes: the same values, serialized by the C API from the C
//! nodes to the same text (members sorted; unsorted, it must read back as
//! the same value), or the same error text. `json_from_string` (a whole
//! document) is checked against `from_slice` the same way, and every node
//! is freed (a leak shows under a leak checker, a double free crashes).
//!
//! Input layout: byte 0 gives the number `k` (0..=15) of chunk-size bytes
//! that follow; the rest is the JSON text. Chunk sizes are used in turn,
//! cycling (byte by byte when none are given).
//!
//! The body of the `json_c_nodes` fuzz target ([`run`]), shared by the fuzz
//! crate (fuzz/fuzz_targets/json_c_nodes.rs) and by tests/fuzz_corpus.rs,
//! which replays the corpus through it under `cargo test`.

#[path = "common.rs"]
mod common;

use common::{c_json_text, JSSF_SORT};

use std::ffi::{c_char, CStr, CString};

use ovsrpc::capi::json::{json, json_destroy, json_string, json_type};
use ovsrpc::capi::json_text::{
    json_from_string, json_parser_create, json_parser_feed, json_parser_finish, json_parser_is_done,
};
use ovsrpc::json::{Json, Parser, SerializeOptions};

/// One value or error, as text: the sorted serialization of a value, or
/// the error message.
#[derive(Debug, PartialEq)]
enum Item {
    Value(String),
    Error(String),
}

/// Reads a C result (taking it over): a string node is the error text
/// (texts are always objects or arrays), anything else a value, checked
/// to serialize unsorted to text that reads back as the same value.
fn c_item(j: *mut json) -> Item {
    assert!(!j.is_null(), "the C parser returned NULL");
    // SAFETY: `j` is a live tree the C API returned, freed once below.
    unsafe {
        let item = if (*j).type_ == json_type::JSON_STRING as i32 {
            let msg = CStr::from_ptr(json_string(j))
                .to_str()
                .expect("UTF-8")
                .to_string();
            Item::Error(msg)
        } else {
            let sorted_text = c_json_text(j, JSSF_SORT);
            let unsorted_text = c_json_text(j, 0);
            // Both read back as the same value (compared once read, since
            // a real that prints as an integer reads back as one).
            let back = ovsrpc::json::from_str(&unsorted_text).expect("unsorted text parses");
            let back_sorted = ovsrpc::json::from_str(&sorted_text).expect("sorted text parses");
            assert_eq!(
                back.to_string_with(SerializeOptions::SORTED),
                back_sorted.to_string_with(SerializeOptions::SORTED),
                "unsorted C text reads back as another value"
            );
            Item::Value(sorted_text)
        };
        json_destroy(j);
        item
    }
}

fn rust_item(r: Result<Json, ovsrpc::json::Error>) -> Item {
    match r {
        Ok(v) => Item::Value(v.to_string_with(SerializeOptions::SORTED)),
        // A C string ends at its first NUL, which an error text may quote.
        Err(e) => Item::Error(e.to_string().split('\0').next().unwrap_or("").to_string()),
    }
}

/// The Rust parser over `input` in one piece: values until an error, then
/// what the end of input leaves.
fn rust_stream(input: &[u8]) -> Vec<Item> {
    let mut p = Parser::new();
    p.set_max_size(None);
    let mut items = Vec::new();
    let mut rest = input;
    while !rest.is_empty() {
        let n = p.feed(rest);
        rest = &rest[n..];
        if p.is_done() {
            let item = rust_item(p.finish());
            let failed = matches!(item, Item::Error(_));
            items.push(item);
            if failed {
                return items;
            }
        }
    }
    if p.bytes_consumed() > 0 {
        items.push(rust_item(p.finish()));
    }
    items
}

/// The C parser over `pieces`, a new parser after each value (as OVS's
/// `json_parser_finish()` frees it).
fn c_stream<'a>(pieces: impl Iterator<Item = &'a [u8]>) -> Vec<Item> {
    // SAFETY: each parser is used until finished, then dropped by
    // json_parser_finish(); the slices are readable.
    unsafe {
        let mut p = json_parser_create(0);
        let mut consumed = 0usize;
        let mut items = Vec::new();
        for mut piece in pieces {
            while !piece.is_empty() {
                let n = json_parser_feed(p, piece.as_ptr() as *const c_char, piece.len());
                assert!(n <= piece.len(), "feed consumed more than it was given");
                consumed += n;
                piece = &piece[n..];
                if json_parser_is_done(p) {
                    let item = c_item(json_parser_finish(p));
                    p = json_parser_create(0);
                    consumed = 0;
                    let failed = matches!(item, Item::Error(_));
                    items.push(item);
                    if failed {
                        json_destroy(json_parser_finish(p));
                        return items;
                    }
                } else {
                    assert!(
                        piece.is_empty(),
                        "a parser that is not done takes everything"
                    );
                }
            }
        }
        let last = c_item(json_parser_finish(p));
        if consumed > 0 {
            items.push(last);
        }
        items
    }
}

/// Checks one input; panics when a property does not hold.
pub fn run(data: &[u8]) {
    if data.is_empty() {
        return;
    }
    let (sizes, input) = common::chunk_sizes(data);

    // The stream parser, in chunks, against the Rust one in one piece.
    let pieces = common::pieces(input, &sizes);
    let rust = rust_stream(input);
    let c = c_stream(pieces.iter().copied());
    // The C stream counts "consumed" only from what it fed; white space
    // alone before the end counts for the Rust parser's bytes_consumed too,
    // so both see the same trailing item.
    assert_eq!(rust, c, "C nodes differ from the Rust path");

    // A whole document (NUL-free, as a C string is).
    if !input.contains(&0) {
        let text = CString::new(input).expect("no NUL");
        // SAFETY: a C string; the result is taken over by c_item.
        let c_doc = c_item(unsafe { json_from_string(text.as_ptr()) });
        let rust_doc = rust_item(ovsrpc::json::from_slice(input));
        assert_eq!(rust_doc, c_doc, "json_from_string differs from from_slice");
    }
}
