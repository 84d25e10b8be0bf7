//! OVS's JSON dialect: value type, incremental parser, serializer, serde bridge.
//!
//! The wire rules are those of OVS (`lib/json.c`) as written down in the
//! project's `json-dialect.md`: integers and reals are distinct types, a
//! number is an integer whenever its exact decimal value is one that fits in
//! an `i64`, there is no negative zero, `\u0000` is refused, a JSON text is an
//! object or an array, nesting stops at depth 1000, and every parse error
//! names its position as `line L, column C, byte B`.
//!
//! One deliberate difference: a lone trailing surrogate escape (`\udc00`
//! to `\udfff` with no leading surrogate before it) is refused with OVS's
//! `malformed escaped surrogate pair`, the error OVS gives a lone *leading*
//! surrogate. OVS accepts it and stores the three bytes of its CESU-style
//! encoding, which are not UTF-8; a Rust `String` cannot hold them, and a
//! C caller would receive a string that OVS's own UTF-8 checks refuse
//! elsewhere. No valid JSON text from an OVS peer contains one.
//!
//! * [`Json`] is the value. Cloning one is cheap at any size: strings,
//!   arrays and objects are reference counted, and mutation copies on write
//!   ([`Json::as_array_mut`], [`Json::as_object_mut`]).
//! * [`Object`] keeps its members in insertion order with a hashed index for
//!   lookups by name.
//! * [`Parser`] is incremental: [`Parser::feed`] takes bytes as they arrive
//!   and stops right after one complete top-level value (the JSON-RPC way),
//!   [`Parser::finish`] hands the value over. [`from_str`], [`from_slice`] and
//!   [`from_reader`] parse a whole document.
//! * `Json::to_string` (through [`Display`](std::fmt::Display)), [`Json::to_string_with`], [`Json::write_to_vec`] and
//!   [`Json::write_to`] serialize, compactly or pretty, with members in
//!   insertion order or sorted.
//! * [`to_json`] and [`from_json`] move between typed Rust values and
//!   [`Json`] through serde; `Json` also converts to and from
//!   `serde_json::Value`.
//!
//! # One parser core, one serializer core
//!
//! The parser core (`parser.rs`) does the lexing, the grammar, positions,
//! the size limit and every error, nesting depth included; it makes values
//! through a crate-internal `Builder` trait (`builder.rs`): scalars as they
//! are read (`null`, `boolean`, `integer`, `real`, `string`, `name` for a
//! member name), then `array` / `object` when a container closes, from the
//! elements or `(name, value)` members the core kept on its stacks (a name
//! waits on a stack of its own until its value is complete, so no builder
//! needs a placeholder value). [`Parser`] is that core over the builder of
//! [`Json`] trees (with its interner of short strings); a builder of C
//! `struct json` nodes plugs into the same core and gets the same
//! incremental behaviour and the same errors. A builder's values are owned:
//! those an error leaves on the stacks are dropped. A stream parser (one
//! that waits between values, as a connection's does) lends its stacks and
//! builder back to a spare kept per thread between values, so an idle one
//! holds no memory; a document parser (`from_slice`, `new_document`, and
//! OVS's `json_from_string` in C) is used once and keeps its own.
//!
//! The serializer core (`serializer.rs`) reads a tree through the
//! crate-internal `Node` trait: each node shows itself as a view (null,
//! boolean, integer, real, string, array elements, object members in
//! order); sorting, pretty printing and escaping are the core's. [`Json`]
//! implements it; a C tree implements it over its nodes and is written by
//! the same code to the same bytes.
//!
//! ```
//! use ovsrpc::json::{self, Json, SerializeOptions};
//!
//! let v = json::from_str(r#"{"b": [1, 2.5e0, 1e-9999], "a": "\u00e9"}"#).unwrap();
//! assert_eq!(v.to_string(), r#"{"b":[1,2.5,0],"a":"é"}"#);
//! assert_eq!(v.to_string_with(SerializeOptions::SORTED), r#"{"a":"é","b":[1,2.5,0]}"#);
//!
//! let err = json::from_str("[1, 2,]").unwrap_err();
//! assert_eq!(err.to_string(), "line 0, column 6, byte 6: syntax error expecting value");
//! ```

mod builder;
mod document;
mod error;
mod hash;
mod incremental;
mod intern;
mod number;
mod object;
mod parser;
mod serde_bridge;
mod serializer;
pub(crate) mod string;
mod value;
mod work;

pub(crate) use builder::Builder;
pub use document::{from_reader, from_slice, from_str};
pub use error::Error;
pub use incremental::{Parser, DEFAULT_MAX_SIZE};
pub use object::Object;
pub(crate) use parser::Core;
pub use parser::MAX_HEIGHT;
#[cfg(test)]
pub(crate) use parser::SAMPLE_UPDATE;
pub use serde_bridge::{from_json, to_json};
pub use serializer::SerializeOptions;
pub(crate) use serializer::{serialize, Node, Sink, View};
pub(crate) use string::find_special;
pub use value::{ArrayMut, Json, JsonType};
pub(crate) use work::Work;
