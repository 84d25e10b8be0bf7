//! Whole documents: `from_str`, `from_slice`, `from_reader`.

use std::io::Read;

use super::error::Error;
use super::incremental::Parser;
use super::value::Json;

/// Parses a whole JSON text (OVS's `json_from_string()`).
pub fn from_str(s: &str) -> Result<Json, Error> {
    from_slice(s.as_bytes())
}

/// Parses a whole JSON text from bytes.
pub fn from_slice(bytes: &[u8]) -> Result<Json, Error> {
    with_document_parser(|p| {
        p.feed(bytes);
        p.finish()
    })
}

thread_local! {
    /// A document parser kept per thread, so that parsing many small texts
    /// does not set up stacks and the interner every time.
    static DOCUMENT_PARSER: std::cell::Cell<Option<Box<Parser>>> = const { std::cell::Cell::new(None) };
}

/// Runs `f` with this thread's spare document parser (or a new one if it is
/// in use), then keeps the parser for next time.
fn with_document_parser<T>(f: impl FnOnce(&mut Parser) -> T) -> T {
    let mut p = DOCUMENT_PARSER
        .with(|c| c.take())
        .unwrap_or_else(|| Box::new(Parser::new_document()));
    let result = f(&mut p);
    p.reset();
    DOCUMENT_PARSER.with(|c| c.set(Some(p)));
    result
}

/// Reads `reader` to its end (or to the first error) and parses what it
/// held as one JSON text (OVS's `json_from_stream()`). A read error is
/// returned as an [`Error`] for which [`Error::is_io`] is true.
pub fn from_reader<R: Read>(mut reader: R) -> Result<Json, Error> {
    with_document_parser(|p| {
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = match reader.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(Error::io(e)),
            };
            if p.feed(&buf[..n]) != n {
                break;
            }
        }
        p.finish()
    })
}
