//! The provider interface: what a transport implements to be reachable by
//! name (OVS's `stream-provider.h`).
//!
//! A transport supplies a [`StreamProvider`] (a scheme name such as `tcp`
//! and an `open` function) and a [`StreamClass`] implementation for the
//! connections it opens; a passive transport supplies a [`PStreamProvider`]
//! and a [`PStreamClass`]. [`Stream`] and [`PStream`] wrap the boxed class
//! objects and keep the state every transport shares (the name and the
//! connecting/connected/failed state), so callers never see which transport
//! they are talking to. Adding a transport (TLS, say) means adding one file
//! and one line to [`STREAM_PROVIDERS`] / [`PSTREAM_PROVIDERS`].
//!
//! No method of either trait may block: where the work cannot be done now,
//! it returns an error of kind [`io::ErrorKind::WouldBlock`] (raw errno
//! `EAGAIN`), and `wait` tells the poll loop what to wake up for.

use std::io::{self, IoSlice};
use std::os::unix::io::RawFd;

use super::{tcp, unix, PStream, Stream};

/// What a stream's user is waiting for (OVS's `enum stream_wait_type`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum StreamWait {
    /// The connection attempt to finish (either way).
    Connect,
    /// Data (or end of file) to become available for `recv`.
    Recv,
    /// Room for `send` to accept at least one byte.
    Send,
}

/// An active connection as one transport implements it (OVS's `struct
/// stream_class` function pointers). Boxed inside a [`Stream`].
///
/// [`Stream`] calls [`connect`](StreamClass::connect) until it stops
/// returning `WouldBlock` and never calls `recv`, `send` or
/// `send_vectored` before it has returned `Ok(())`, nor with an empty
/// buffer. None of the methods may block.
pub trait StreamClass: Send {
    /// Tries to complete the connection, without blocking.
    ///
    /// Returns `Ok(())` once connected, an error of kind `WouldBlock`
    /// (`EAGAIN`) while the attempt is still in progress, or the reason the
    /// attempt failed (for example `ECONNREFUSED`).
    fn connect(&mut self) -> io::Result<()>;

    /// Receives up to `buf.len()` bytes (never 0) into `buf`, without
    /// blocking.
    ///
    /// Returns the number of bytes received (at least 1), `Ok(0)` at end of
    /// file (the peer closed the connection normally), `WouldBlock` if no
    /// data is available yet, or another error.
    fn recv(&mut self, buf: &mut [u8]) -> io::Result<usize>;

    /// Sends some of `buf` (never empty), without blocking.
    ///
    /// Returns the number of bytes accepted (at least 1; never `Ok(0)`),
    /// `WouldBlock` if nothing can be accepted now, or another error (for
    /// example `EPIPE` once the peer is gone; never a `SIGPIPE`).
    fn send(&mut self, buf: &[u8]) -> io::Result<usize>;

    /// Sends a prefix of the concatenation of `bufs` (whose total length is
    /// not 0), without blocking, in a single system call where the
    /// transport allows. Same return contract as
    /// [`send`](StreamClass::send).
    ///
    /// The default sends from the first non-empty buffer only.
    fn send_vectored(&mut self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        match bufs.iter().find(|b| !b.is_empty()) {
            Some(b) => self.send(b),
            None => Ok(0),
        }
    }

    /// Does background work (flushing a TLS buffer, say), without blocking.
    /// The default does nothing.
    fn run(&mut self) {}

    /// Registers with the poll loop whatever [`run`](StreamClass::run)
    /// waits for. The default registers nothing.
    fn run_wait(&self) {}

    /// Registers with the poll loop so that the next
    /// [`block`](crate::poll_loop::block) wakes when the operation `wait`
    /// can make progress. Never blocks.
    fn wait(&self, wait: StreamWait);

    /// Sets the DSCP value (0 to 63) of the packets the connection sends.
    /// Returns `EINVAL` for larger values; transports without IP headers
    /// accept and ignore it.
    fn set_dscp(&mut self, dscp: u8) -> io::Result<()>;

    /// The authenticated identity of the peer (a TLS certificate's common
    /// name), if the transport has one. The default has none.
    fn peer_id(&self) -> Option<&str> {
        None
    }

    /// The underlying descriptor, if there is one yet. The default has
    /// none.
    fn as_raw_fd(&self) -> Option<RawFd> {
        None
    }
}

/// A listener as one transport implements it (OVS's `struct pstream_class`
/// function pointers). Boxed inside a [`PStream`]. None of the methods may
/// block.
pub trait PStreamClass: Send {
    /// Accepts one waiting connection, without blocking.
    ///
    /// Returns the new stream (named after its peer), `WouldBlock` if no
    /// connection is waiting, or another error.
    fn accept(&mut self) -> io::Result<Stream>;

    /// Registers with the poll loop so that the next
    /// [`block`](crate::poll_loop::block) wakes when a connection is
    /// waiting to be accepted.
    fn wait(&self);

    /// Sets the DSCP value (0 to 63) used by connections accepted from now
    /// on. Returns `EINVAL` for larger values; transports without IP
    /// headers accept and ignore it.
    fn set_dscp(&mut self, dscp: u8) -> io::Result<()>;

    /// The port the listener is bound to, where that means something. The
    /// default has none.
    fn bound_port(&self) -> Option<u16> {
        None
    }

    /// The listening descriptor, if there is one. The default has none.
    fn as_raw_fd(&self) -> Option<RawFd> {
        None
    }
}

/// An active stream scheme: the `tcp` of `tcp:HOST:PORT`.
pub struct StreamProvider {
    /// The scheme, without the colon (`"tcp"`, `"unix"`).
    pub name: &'static str,
    /// Whether connections of this kind need inactivity probes to notice a
    /// dead peer (true for TCP, false for Unix sockets).
    pub needs_probes: bool,
    /// Opens a stream: `open(name, suffix, dscp)` where `name` is the whole
    /// name (for the stream and its log messages) and `suffix` what follows
    /// the first colon. Must not block: a connection that cannot complete
    /// at once is returned in its connecting state (see
    /// [`Stream::from_class`]).
    pub open: fn(name: &str, suffix: &str, dscp: u8) -> io::Result<Stream>,
}

/// A passive stream scheme: the `ptcp` of `ptcp:PORT`.
pub struct PStreamProvider {
    /// The scheme, without the colon (`"ptcp"`, `"punix"`).
    pub name: &'static str,
    /// Whether connections accepted by this kind of listener need
    /// inactivity probes.
    pub needs_probes: bool,
    /// Starts listening: `listen(name, suffix, dscp)` with the same
    /// arguments as [`StreamProvider::open`]. Must not block.
    pub listen: fn(name: &str, suffix: &str, dscp: u8) -> io::Result<PStream>,
}

/// Every active scheme, looked up by name prefix.
pub static STREAM_PROVIDERS: &[&StreamProvider] = &[
    &tcp::TCP_STREAM_PROVIDER,
    &unix::UNIX_STREAM_PROVIDER,
    #[cfg(feature = "ssl")]
    &super::ssl::SSL_STREAM_PROVIDER,
];

/// Every passive scheme, looked up by name prefix.
pub static PSTREAM_PROVIDERS: &[&PStreamProvider] = &[
    &tcp::PTCP_PSTREAM_PROVIDER,
    &unix::PUNIX_PSTREAM_PROVIDER,
    #[cfg(feature = "ssl")]
    &super::ssl::PSSL_PSTREAM_PROVIDER,
];

/// The scheme of `name` (what precedes the first colon), or `None` if
/// `name` has no colon.
fn scheme(name: &str) -> Option<&str> {
    name.split_once(':').map(|(scheme, _)| scheme)
}

fn unsupported() -> io::Error {
    io::Error::from_raw_os_error(libc::EAFNOSUPPORT)
}

/// The active provider for `name`, or `EAFNOSUPPORT`. Does not log.
pub(crate) fn lookup_stream(name: &str) -> io::Result<&'static StreamProvider> {
    let scheme = scheme(name).ok_or_else(unsupported)?;
    STREAM_PROVIDERS
        .iter()
        .copied()
        .find(|p| p.name == scheme)
        .ok_or_else(unsupported)
}

/// The passive provider for `name`, or `EAFNOSUPPORT`. Does not log.
pub(crate) fn lookup_pstream(name: &str) -> io::Result<&'static PStreamProvider> {
    let scheme = scheme(name).ok_or_else(unsupported)?;
    PSTREAM_PROVIDERS
        .iter()
        .copied()
        .find(|p| p.name == scheme)
        .ok_or_else(unsupported)
}

/// Logs why `name` has no provider (for `open`, not for `verify_name`).
pub(crate) fn log_unsupported(name: &str, passive: bool) {
    let kind = if passive { "passive stream" } else { "stream" };
    match scheme(name) {
        None => log::error!("{name}: bad {kind} name (expected TYPE:ARGS)"),
        Some(s) => log::error!("{name}: unknown {kind} type \"{s}\""),
    }
}
