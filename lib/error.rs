//! Errno-carrying errors, as OVS returns them.
//!
//! OVS functions return 0 for success, a positive errno for failure and
//! `EOF` (-1) for end of file. [`Error`] carries that number; the C ABI
//! hands it back unchanged.

use std::fmt;
use std::io;

/// OVS's end-of-file pseudo-errno.
pub const EOF: i32 = -1;

/// An OVS-style error: a positive errno, or [`EOF`].
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Error(i32);

/// `Result` with [`Error`].
pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    /// End of file (OVS's `EOF`, -1).
    pub const EOF: Error = Error(EOF);
    /// Resource temporarily unavailable: try again after waiting.
    pub const EAGAIN: Error = Error(libc::EAGAIN);
    /// Protocol error (malformed input from the peer).
    pub const EPROTO: Error = Error(libc::EPROTO);
    /// Argument list too long (backlog threshold exceeded).
    pub const E2BIG: Error = Error(libc::E2BIG);
    /// Invalid argument.
    pub const EINVAL: Error = Error(libc::EINVAL);
    /// Address family not supported (unknown stream scheme).
    pub const EAFNOSUPPORT: Error = Error(libc::EAFNOSUPPORT);
    /// Not connected.
    pub const ENOTCONN: Error = Error(libc::ENOTCONN);
    /// Operation timed out.
    pub const ETIMEDOUT: Error = Error(libc::ETIMEDOUT);

    /// Wraps an errno value (positive) or [`EOF`].
    pub const fn from_errno(errno: i32) -> Error {
        Error(errno)
    }

    /// The errno value: positive, or [`EOF`] for end of file.
    pub const fn errno(self) -> i32 {
        self.0
    }

    /// True for end of file.
    pub const fn is_eof(self) -> bool {
        self.0 == EOF
    }

    /// True for `EAGAIN` (try again later).
    pub const fn is_again(self) -> bool {
        self.0 == libc::EAGAIN
    }
}

/// Describes an OVS return value as `ovs_retval_to_string` does: "" for 0,
/// "End of file" for [`EOF`], otherwise the system's text for the errno.
pub fn retval_to_string(retval: i32) -> String {
    match retval {
        0 => String::new(),
        EOF => "End of file".to_string(),
        e => {
            let s = io::Error::from_raw_os_error(e).to_string();
            // io::Error's Display appends " (os error N)"; OVS prints strerror().
            match s.rfind(" (os error ") {
                Some(i) => s[..i].to_string(),
                None => s,
            }
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&retval_to_string(self.0))
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Error({}: {})", self.0, retval_to_string(self.0))
    }
}

impl std::error::Error for Error {}

impl From<io::Error> for Error {
    fn from(e: io::Error) -> Error {
        if let Some(errno) = e.raw_os_error() {
            return Error(errno);
        }
        Error(match e.kind() {
            io::ErrorKind::WouldBlock => libc::EAGAIN,
            io::ErrorKind::UnexpectedEof => EOF,
            io::ErrorKind::InvalidInput => libc::EINVAL,
            io::ErrorKind::NotFound => libc::ENOENT,
            io::ErrorKind::InvalidData => libc::EPROTO,
            io::ErrorKind::TimedOut => libc::ETIMEDOUT,
            io::ErrorKind::ConnectionRefused => libc::ECONNREFUSED,
            io::ErrorKind::ConnectionReset => libc::ECONNRESET,
            io::ErrorKind::BrokenPipe => libc::EPIPE,
            io::ErrorKind::NotConnected => libc::ENOTCONN,
            io::ErrorKind::Unsupported => libc::EAFNOSUPPORT,
            _ => libc::EIO,
        })
    }
}

impl From<Error> for io::Error {
    fn from(e: Error) -> io::Error {
        if e.is_eof() {
            io::Error::new(io::ErrorKind::UnexpectedEof, "End of file")
        } else {
            io::Error::from_raw_os_error(e.0)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_match_ovs() {
        assert_eq!(retval_to_string(0), "");
        assert_eq!(retval_to_string(EOF), "End of file");
        assert_eq!(retval_to_string(libc::ECONNREFUSED), "Connection refused");
    }

    #[test]
    fn io_round_trip() {
        let e: Error = io::Error::from(io::ErrorKind::WouldBlock).into();
        assert!(e.is_again());
        let e: Error = io::Error::from_raw_os_error(libc::EPIPE).into();
        assert_eq!(e.errno(), libc::EPIPE);
        let back: io::Error = Error::EOF.into();
        assert_eq!(back.kind(), io::ErrorKind::UnexpectedEof);
    }
}
