//! `openvswitch/json.h`, text: the incremental parser (`json_parser_*`),
//! whole documents from strings, files and streams, serializing to strings
//! and `struct ds`, serialized objects, and string escaping.
//!
//! Parsing runs the one parser core with the builder of C nodes
//! (`json_build`): no Rust tree is made. Serializing runs the one
//! serializer core over the C nodes in place; it sorts members
//! (`JSSF_SORT`) or keeps the `shash`'s iteration order, as OVS's
//! serializer does. Parse errors come back as OVS returns them: a string
//! node holding the message.

use std::ffi::{c_char, c_int, CStr};

use super::ds::{ds, put_bytes};
use super::json::json;
use super::json_build::{serialize_c, to_string_c, CBuilder, CValue};
use super::json_node::{expect_type, json_type, new_string, string_ptr};
use super::{boundary, malloc_bytes, malloc_string, obj, obj_mut};
use crate::json::{Core, Json, SerializeOptions};

/// The parser core making C nodes.
pub(crate) type CParser = Core<CBuilder>;

/// `JSPF_TRAILER`: anything but white space after the value is an error.
const JSPF_TRAILER: c_int = 1 << 0;
/// `JSSF_PRETTY`: multiple lines with indentation.
const JSSF_PRETTY: c_int = 1 << 0;
/// `JSSF_SORT`: object members in sorted order.
const JSSF_SORT: c_int = 1 << 1;

/// An incremental JSON parser (OVS's `struct json_parser`), opaque to C.
pub struct json_parser {
    parser: CParser,
}

/// Returns a new parser. With `JSPF_TRAILER` in `flags` it reads one whole
/// document (anything but white space after the value is an error);
/// without, it stops right after the first complete value.
#[no_mangle]
pub extern "C" fn json_parser_create(flags: c_int) -> *mut json_parser {
    boundary("json_parser_create", || {
        Box::into_raw(Box::new(json_parser {
            parser: CParser::with_flags(flags & JSPF_TRAILER != 0, None),
        }))
    })
}

/// Parses as much of the `n` bytes at `input` as it can and returns how
/// many it consumed: all of them unless the parser became done (a complete
/// value, or an error).
#[no_mangle]
pub unsafe extern "C" fn json_parser_feed(
    p: *mut json_parser,
    input: *const c_char,
    n: usize,
) -> usize {
    boundary("json_parser_feed", || {
        if n == 0 {
            return 0;
        }
        // SAFETY: the caller passes a live parser and `n` readable bytes.
        let (p, bytes) = unsafe {
            (
                obj_mut(p),
                std::slice::from_raw_parts(input as *const u8, n),
            )
        };
        p.parser.feed(bytes)
    })
}

/// Returns true once the parser has a complete value or an error: time to
/// call `json_parser_finish()`.
#[no_mangle]
pub unsafe extern "C" fn json_parser_is_done(p: *const json_parser) -> bool {
    // SAFETY: the caller passes a live parser.
    boundary("json_parser_is_done", || unsafe { obj(p) }.parser.is_done())
}

/// Ends the input, frees the parser and returns the value, or a string
/// holding the error message.
#[no_mangle]
pub unsafe extern "C" fn json_parser_finish(p: *mut json_parser) -> *mut json {
    boundary("json_parser_finish", || {
        assert!(!p.is_null(), "json_parser_finish: null parser");
        // SAFETY: the caller gives up a parser from json_parser_create().
        let mut p = unsafe { Box::from_raw(p) };
        result_to_c(p.parser.finish())
    })
}

/// Frees a parser without finishing it. NULL is fine.
#[no_mangle]
pub unsafe extern "C" fn json_parser_abort(p: *mut json_parser) {
    boundary("json_parser_abort", || {
        if !p.is_null() {
            // SAFETY: the caller gives up a parser from json_parser_create().
            drop(unsafe { Box::from_raw(p) });
        }
    })
}

/// A parse's result as OVS hands it over: the value, or a string node
/// holding the error message.
pub(crate) fn result_to_c(r: Result<CValue, crate::json::Error>) -> *mut json {
    match r {
        Ok(value) => value.into_raw(),
        Err(e) => new_string(&e.to_string()),
    }
}

thread_local! {
    /// A document parser kept per thread, so that parsing many small texts
    /// does not set it up every time.
    static DOCUMENT_PARSER: std::cell::Cell<Option<Box<CParser>>> =
        const { std::cell::Cell::new(None) };
}

/// Runs `f` with this thread's spare document parser (or a new one if it
/// is in use), then keeps the parser for next time.
fn with_document_parser<T>(f: impl FnOnce(&mut CParser) -> T) -> T {
    let mut p = DOCUMENT_PARSER
        .try_with(|c| c.take())
        .ok()
        .flatten()
        .unwrap_or_else(|| Box::new(CParser::with_flags(true, None)));
    let result = f(&mut p);
    p.reset();
    let _ = DOCUMENT_PARSER.try_with(|c| c.set(Some(p)));
    result
}

/// Parses `bytes` as one whole JSON text into C nodes.
pub(crate) fn parse_document(bytes: &[u8]) -> Result<CValue, crate::json::Error> {
    with_document_parser(|p| {
        p.feed(bytes);
        p.finish()
    })
}

/// Parses `string` as a JSON text (an object or an array). Returns the
/// value, or on error a string value holding the error message, as OVS
/// does (the caller tells them apart by type).
#[no_mangle]
pub unsafe extern "C" fn json_from_string(string: *const c_char) -> *mut json {
    boundary("json_from_string", || {
        assert!(!string.is_null(), "json_from_string: null string");
        // SAFETY: the caller passes a C string (checked non-NULL).
        let bytes = unsafe { CStr::from_ptr(string) }.to_bytes();
        result_to_c(parse_document(bytes))
    })
}

/// Parses the text held by the serialized object `json`.
#[no_mangle]
pub unsafe extern "C" fn json_from_serialized_object(json: *const json) -> *mut json {
    boundary("json_from_serialized_object", || {
        // SAFETY: the caller passes a live node.
        let j = unsafe { obj(json) };
        expect_type(
            j,
            "json_from_serialized_object",
            &[json_type::JSON_SERIALIZED_OBJECT],
        );
        // SAFETY: a serialized object holds a C string.
        let text = unsafe { CStr::from_ptr(string_ptr(j)) }.to_bytes();
        result_to_c(parse_document(text))
    })
}

/// Reads `stream` to its end and parses what it held as one JSON text.
/// Returns the value or a string holding the error.
#[no_mangle]
pub unsafe extern "C" fn json_from_stream(stream: *mut libc::FILE) -> *mut json {
    boundary("json_from_stream", || {
        assert!(!stream.is_null(), "json_from_stream: null stream");
        let result = with_document_parser(|p| {
            let mut buf = vec![0u8; 64 * 1024];
            loop {
                // SAFETY: `buf` has room for `buf.len()` bytes; the caller
                // passes an open stream.
                let n = unsafe { libc::fread(buf.as_mut_ptr().cast(), 1, buf.len(), stream) };
                if n == 0 || p.feed(&buf[..n]) != n {
                    break;
                }
            }
            p.finish()
        });
        // SAFETY: as above.
        if unsafe { libc::ferror(stream) } != 0 {
            let e = std::io::Error::last_os_error();
            return new_string(&format!("error reading JSON stream: {}", strerror(&e)));
        }
        result_to_c(result)
    })
}

/// `fopen()`'s mode "r".
const READ_MODE: [c_char; 2] = [b'r' as c_char, 0];

/// The text of an error as C's `strerror()` gives it.
fn strerror(e: &std::io::Error) -> String {
    let s = e.to_string();
    // io::Error adds " (os error N)".
    match s.rfind(" (os error ") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

/// Reads the file named `file_name` and parses it as one JSON text.
/// Returns the value or a string holding the error.
#[no_mangle]
pub unsafe extern "C" fn json_from_file(file_name: *const c_char) -> *mut json {
    boundary("json_from_file", || {
        assert!(!file_name.is_null(), "json_from_file: null file name");
        // SAFETY: the caller passes a C string; the mode is a literal.
        let stream = unsafe { libc::fopen(file_name, READ_MODE.as_ptr()) };
        if stream.is_null() {
            let e = std::io::Error::last_os_error();
            // SAFETY: the caller passes a C string.
            let name = unsafe { CStr::from_ptr(file_name) }.to_string_lossy();
            return new_string(&format!("error opening \"{name}\": {}", strerror(&e)));
        }
        // SAFETY: `stream` is open; it is closed once.
        unsafe {
            let json = json_from_stream(stream);
            libc::fclose(stream);
            json
        }
    })
}

fn options(flags: c_int) -> SerializeOptions {
    SerializeOptions {
        pretty: flags & JSSF_PRETTY != 0,
        sort: flags & JSSF_SORT != 0,
    }
}

/// Returns `json` serialized, compactly unless `flags` has `JSSF_PRETTY`,
/// members in the object's iteration order unless it has `JSSF_SORT`. The
/// caller frees the string with `free()`.
#[no_mangle]
pub unsafe extern "C" fn json_to_string(json: *const json, flags: c_int) -> *mut c_char {
    boundary("json_to_string", || {
        let mut out = Vec::new();
        // SAFETY: the caller passes a live tree.
        unsafe { serialize_c(json, &mut out, options(flags)) };
        malloc_bytes(&out)
    })
}

/// Appends `json` serialized as `json_to_string()` would to `ds`.
#[no_mangle]
pub unsafe extern "C" fn json_to_ds(json: *const json, flags: c_int, ds: *mut ds) {
    boundary("json_to_ds", || {
        // SAFETY: the caller passes a live tree and a valid `struct ds`.
        unsafe {
            let mut out = Vec::new();
            serialize_c(json, &mut out, options(flags));
            put_bytes(ds, &out);
        }
    })
}

/// Returns a new serialized object: `src` kept as its text (members
/// sorted), written out as is wherever the node is serialized.
#[no_mangle]
pub unsafe extern "C" fn json_serialized_object_create(src: *const json) -> *mut json {
    boundary("json_serialized_object_create", || {
        // SAFETY: the caller passes a live tree.
        let text = unsafe { to_string_c(src, SerializeOptions::SORTED) };
        super::json_node::new_string_typed(json_type::JSON_SERIALIZED_OBJECT, text.as_bytes())
    })
}

/// Returns the text of the serialized object `json`. It belongs to the
/// node.
#[no_mangle]
pub unsafe extern "C" fn json_serialized_object(json: *const json) -> *const c_char {
    boundary("json_serialized_object", || {
        // SAFETY: the caller passes a live node.
        let j = unsafe { obj(json) };
        expect_type(
            j,
            "json_serialized_object",
            &[json_type::JSON_SERIALIZED_OBJECT],
        );
        // SAFETY: the node is a serialized object.
        unsafe { string_ptr(j) }
    })
}

/// Unescapes the `in_len` bytes at `in`, the inside of a JSON string
/// without its quotes. Returns true and stores the result in `*outp`, or
/// returns false and stores an error message there; either way the caller
/// frees `*outp`.
#[no_mangle]
pub unsafe extern "C" fn json_string_unescape(
    in_: *const c_char,
    in_len: usize,
    outp: *mut *mut c_char,
) -> bool {
    boundary("json_string_unescape", || {
        let raw = if in_len == 0 {
            &[][..]
        } else {
            // SAFETY: the caller passes `in_len` readable bytes.
            unsafe { std::slice::from_raw_parts(in_ as *const u8, in_len) }
        };
        let (ok, text) = match unescape(raw) {
            Ok(s) => (true, malloc_bytes(s.as_bytes())),
            Err(e) => (false, malloc_string(&e)),
        };
        // SAFETY: the caller passes a writable `outp`.
        unsafe { super::put(outp, text) };
        ok
    })
}

/// OVS's unescaping: the first problem in byte order is the error, an
/// unescaped `"` being one.
fn unescape(raw: &[u8]) -> Result<String, String> {
    let mut i = 0;
    let quote = loop {
        match raw.get(i) {
            None => break None,
            Some(b'\\') => i += 2,
            Some(b'"') => break Some(i),
            Some(_) => i += 1,
        }
    };
    match quote {
        None => crate::json::string::decode_raw(raw),
        Some(q) => {
            crate::json::string::decode_raw(&raw[..q])?;
            Err("quoted string may not include unescaped \"".into())
        }
    }
}

/// Appends `in` to `out` as a quoted JSON string, escaped as the
/// serializer escapes strings.
#[no_mangle]
pub unsafe extern "C" fn json_string_escape(in_: *const c_char, out: *mut ds) {
    boundary("json_string_escape", || {
        assert!(!in_.is_null(), "json_string_escape: null string");
        // SAFETY: the caller passes a C string and a valid `struct ds`.
        unsafe {
            let s = CStr::from_ptr(in_).to_string_lossy();
            let quoted = Json::String(s.as_ref().into()).to_string_with(SerializeOptions::COMPACT);
            put_bytes(out, quoted.as_bytes());
        }
    })
}
