//! `json::Error`: a parse error with its position, or a read error.

use std::fmt;
use std::io;

/// Why parsing failed.
///
/// A syntax error carries the position where it was detected, counted from
/// 0 as OVS counts it: `line` (newlines consumed), `column` (bytes since the
/// last newline) and `byte` (bytes consumed). [`Display`](fmt::Display) gives
/// OVS's text, `line L, column C, byte B: MESSAGE`; [`Error::message`] gives
/// the message alone. An error from [`super::from_reader`]'s reader has no
/// position and displays as `error reading JSON stream: ...`.
pub struct Error {
    inner: Box<Inner>,
}

struct Inner {
    message: String,
    position: Option<(u64, u64, u64)>,
    io: Option<io::Error>,
}

impl Error {
    pub(crate) fn syntax(message: String, line: u64, column: u64, byte: u64) -> Error {
        Error {
            inner: Box::new(Inner {
                message,
                position: Some((line, column, byte)),
                io: None,
            }),
        }
    }

    pub(crate) fn io(err: io::Error) -> Error {
        Error {
            inner: Box::new(Inner {
                message: format!("error reading JSON stream: {err}"),
                position: None,
                io: Some(err),
            }),
        }
    }

    /// The message without the position, e.g. `syntax error expecting value`.
    pub fn message(&self) -> &str {
        &self.inner.message
    }

    /// `(line, column, byte)` of a syntax error, all counted from 0.
    pub fn position(&self) -> Option<(u64, u64, u64)> {
        self.inner.position
    }

    /// The line of a syntax error (0 for a read error).
    pub fn line(&self) -> u64 {
        self.inner.position.map_or(0, |p| p.0)
    }

    /// The column of a syntax error (0 for a read error).
    pub fn column(&self) -> u64 {
        self.inner.position.map_or(0, |p| p.1)
    }

    /// The byte offset of a syntax error (0 for a read error).
    pub fn byte(&self) -> u64 {
        self.inner.position.map_or(0, |p| p.2)
    }

    /// True if the reader failed rather than the input being malformed.
    pub fn is_io(&self) -> bool {
        self.inner.io.is_some()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.inner.position {
            Some((line, column, byte)) => write!(
                f,
                "line {line}, column {column}, byte {byte}: {}",
                self.inner.message
            ),
            None => f.write_str(&self.inner.message),
        }
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "json::Error({self})")
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.inner
            .io
            .as_ref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

impl From<Error> for io::Error {
    /// A syntax error becomes `InvalidData`; a read error is given back.
    fn from(e: Error) -> io::Error {
        let mut inner = e.inner;
        match inner.io.take() {
            Some(io) => io,
            None => io::Error::new(io::ErrorKind::InvalidData, Error { inner }),
        }
    }
}
