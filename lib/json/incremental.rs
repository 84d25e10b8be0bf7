//! [`Parser`]: the incremental parser core over the [`Json`] builder.

use super::builder::JsonBuilder;
use super::error::Error;
use super::parser::Core;
use super::value::Json;

/// The input size limit of a parser made by [`Parser::new`]: 256 MiB.
pub const DEFAULT_MAX_SIZE: u64 = 256 << 20;

/// An incremental parser for one JSON text at a time (OVS's
/// `struct json_parser`).
///
/// Feed it bytes as they arrive; it consumes them until one complete
/// top-level value (an object or array) has been read, then
/// [`is_done`](Parser::is_done) turns true and [`feed`](Parser::feed)
/// consumes nothing more. [`finish`](Parser::finish) then yields the value,
/// or the first error, and resets the parser for the next value:
///
/// ```
/// use ovsrpc::json::Parser;
///
/// let input = br#"{"id":1} [2, 3]"#;
/// let mut parser = Parser::new();
/// let mut rest = &input[..];
/// let mut values = Vec::new();
/// while !rest.is_empty() {
///     let n = parser.feed(rest);
///     rest = &rest[n..];
///     if parser.is_done() {
///         values.push(parser.finish().unwrap().to_string());
///     }
/// }
/// assert_eq!(values, [r#"{"id":1}"#, "[2,3]"]);
/// ```
///
/// A parser from [`Parser::new_document`] instead reads the whole input as a
/// single text and reports anything after the value as `trailing garbage at
/// end of input` (OVS's `JSPF_TRAILER`); there [`finish`](Parser::finish)
/// marks the end of input.
///
/// After an error the parser is done and consumes nothing more. Errors are
/// OVS's, positioned at the byte being looked at when the problem showed:
/// for a string that is its closing quote, for a number or keyword the byte
/// after it, and at the end of input for [`finish`](Parser::finish).
pub struct Parser {
    core: Core<JsonBuilder>,
}

impl Default for Parser {
    fn default() -> Parser {
        Parser::new()
    }
}

impl Parser {
    /// A parser for a stream of values: it stops right after each complete
    /// top-level value (OVS's `json_parser_create(0)`), as a JSON-RPC
    /// connection wants. Input beyond [`DEFAULT_MAX_SIZE`] bytes for one
    /// value is an error; see [`set_max_size`](Parser::set_max_size).
    pub fn new() -> Parser {
        Parser {
            core: Core::with_flags(false, Some(DEFAULT_MAX_SIZE)),
        }
    }

    /// A parser for one whole document: anything but white space after the
    /// value is an error (OVS's `JSPF_TRAILER`), and there is no size limit.
    pub fn new_document() -> Parser {
        Parser {
            core: Core::with_flags(true, None),
        }
    }

    /// Limits the input of one value to `max` bytes (white space before it
    /// included); `None` removes the limit. Reaching the limit before the
    /// value is complete is the error `input exceeds maximum size MAX`.
    pub fn set_max_size(&mut self, max: Option<u64>) {
        self.core.set_max_size(max);
    }

    /// The size limit in force.
    pub fn max_size(&self) -> Option<u64> {
        self.core.max_size()
    }

    /// True once a complete top-level value has been read (for a parser
    /// from [`Parser::new`]) or an error has occurred: time to call
    /// [`finish`](Parser::finish).
    pub fn is_done(&self) -> bool {
        self.core.is_done()
    }

    /// True once the current value has begun: a byte other than leading
    /// whitespace was consumed (or it is already done).
    pub fn is_started(&self) -> bool {
        self.core.is_started()
    }

    /// Bytes consumed since the start of this value.
    pub fn bytes_consumed(&self) -> u64 {
        self.core.bytes_consumed()
    }

    /// Forgets everything about the current value and starts afresh,
    /// keeping the settings.
    pub fn reset(&mut self) {
        self.core.reset();
    }

    /// Parses as much of `input` as it can and returns how many bytes it
    /// consumed (OVS's `json_parser_feed()`). That is all of `input` unless
    /// the parser became done: after a complete top-level value (not in a
    /// document parser) or an error.
    #[inline]
    pub fn feed(&mut self, input: &[u8]) -> usize {
        self.core.feed(input)
    }

    /// Ends the input and returns the value, or the first error (OVS's
    /// `json_parser_finish()`). The parser is reset for the next value.
    pub fn finish(&mut self) -> Result<Json, Error> {
        self.core.finish()
    }

    /// True while the parser holds working memory of its own (a value is
    /// half-read); between values it holds none.
    #[cfg(test)]
    pub(crate) fn holds_memory(&self) -> bool {
        self.core.holds_memory()
    }
}
