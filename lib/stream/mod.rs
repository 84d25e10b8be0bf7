//! Byte streams chosen by name: active [`Stream`]s and passive [`PStream`]s.
//!
//! As in OVS, a name of the form `TYPE:ARGS` picks the transport:
//!
//! | name                      | meaning                                        |
//! |---------------------------|------------------------------------------------|
//! | `tcp:HOST:PORT`           | TCP to `HOST` (IPv4, host name) at `PORT`      |
//! | `tcp:[IPv6]:PORT`         | TCP over IPv6 (`[fe80::1%eth0]` takes a scope) |
//! | `unix:PATH`               | Unix domain socket (relative to [`rundir`])    |
//! | `ptcp:PORT[:IP]`          | listen on TCP `PORT` (0: any free port)        |
//! | `ptcp:PORT:[IPv6]`        | listen on IPv6                                 |
//! | `punix:PATH`              | listen on a Unix domain socket                 |
//! | `ssl:HOST:PORT`           | TLS over TCP (feature `ssl`; see `ssl` below)  |
//! | `pssl:PORT[:IP]`          | listen for TLS over TCP                        |
//!
//! An unknown `TYPE` gives `EAFNOSUPPORT`; malformed `ARGS` give `EINVAL`,
//! with a log line saying what is wrong. Each transport lives in its own
//! file behind the provider traits of [`StreamClass`] and [`PStreamClass`]
//! (see the `provider` module), so a new one (TLS) slots in without
//! touching callers.
//!
//! Everything is non-blocking and driven by the [`poll_loop`]. A stream is
//! used like this:
//!
//! 1. [`Stream::open`] starts the connection and returns at once.
//! 2. Each pass of the main loop calls [`Stream::run`] and then
//!    [`Stream::connect`] (until it returns `Ok`), [`Stream::recv`] and
//!    [`Stream::send`], each of which returns an error of kind
//!    [`io::ErrorKind::WouldBlock`] (errno `EAGAIN`) when it cannot make
//!    progress now.
//! 3. Before blocking, it calls [`Stream::run_wait`] and
//!    [`Stream::wait`] with what it is waiting for, then
//!    [`poll_loop::block`].
//!
//! ```no_run
//! use ovsrpc::poll_loop;
//! use ovsrpc::stream::{Stream, StreamWait};
//! use std::io::ErrorKind;
//!
//! let mut stream = Stream::open("tcp:127.0.0.1:6640", 0)?;
//! loop {
//!     stream.run();
//!     match stream.send(b"hello") {
//!         Ok(_) => break,
//!         Err(e) if e.kind() == ErrorKind::WouldBlock => {}
//!         Err(e) => return Err(e),
//!     }
//!     stream.run_wait();
//!     stream.wait(StreamWait::Send);
//!     poll_loop::block();
//! }
//! # Ok::<(), std::io::Error>(())
//! ```
//!
//! Errors are `std::io::Error`s carrying the errno OVS would return
//! (`crate::Error: From<io::Error>` turns them back into an errno). Sends
//! never raise `SIGPIPE`.
//!
//! With the `ssl` feature (on by default), the `ssl` submodule holds the
//! TLS transport and OVS's `stream_ssl_set_*` configuration functions.

use std::fmt;
use std::io::{self, IoSlice};
use std::os::unix::io::RawFd;

use crate::poll_loop;
use crate::timeval::time_msec;

mod fd;
mod names;
mod provider;
mod resolver;
#[cfg(feature = "ssl")]
pub mod ssl;
mod sys;
mod tcp;
mod unix;

pub use names::{
    abs_file_name, format_address, inet_parse_active, inet_parse_passive, rundir, rundir_or,
    unix_parse_path, InetTarget,
};
pub use provider::{
    PStreamClass, PStreamProvider, StreamClass, StreamProvider, StreamWait, PSTREAM_PROVIDERS,
    STREAM_PROVIDERS,
};

/// Describes `e` the way OVS's `ovs_strerror` would (no "(os error N)").
pub(crate) fn strerror(e: &io::Error) -> String {
    match e.raw_os_error() {
        Some(errno) => crate::error::retval_to_string(errno),
        None => e.to_string(),
    }
}

/// The io::Error for an OVS errno (or EOF).
fn errno_error(errno: i32) -> io::Error {
    io::Error::from(crate::Error::from_errno(errno))
}

/// Where an active stream is in its life (OVS's `enum stream_state`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// The transport is still connecting.
    Connecting,
    /// Connected: `recv` and `send` go to the transport.
    Connected,
    /// The attempt failed with this errno; every call reports it.
    Disconnected(i32),
}

/// An active byte stream (OVS's `struct stream`): a connection, or an
/// attempt at one, to the peer named when it was opened.
///
/// In a main loop, each pass calls, in this order: [`run`](Stream::run);
/// then [`connect`](Stream::connect), [`recv`](Stream::recv) and
/// [`send`](Stream::send) as needed (each returns `WouldBlock` rather than
/// waiting); then, if the pass made no progress, [`run_wait`](Stream::run_wait)
/// and [`wait`](Stream::wait) (or `connect_wait`, `recv_wait`, `send_wait`)
/// for whatever it needs next; then [`poll_loop::block`]. A stream belongs
/// to one thread at a time (it is `Send`, not `Sync`).
///
/// Dropping a `Stream` closes it.
pub struct Stream {
    class: Box<dyn StreamClass>,
    name: String,
    state: State,
    tcp_options: Option<TcpOptions>,
    /// Why the connection attempt failed, when the resolver said more than
    /// the errno.
    failure: Option<String>,
}

/// Keepalive probe timing for [`TcpOptions`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Keepalive {
    /// Idle seconds before the first probe (`TCP_KEEPIDLE`).
    pub idle_s: u32,
    /// Seconds between probes (`TCP_KEEPINTVL`).
    pub interval_s: u32,
    /// Unanswered probes before the connection is dropped (`TCP_KEEPCNT`).
    pub count: u32,
}

/// Beyond OVS: kernel dead-peer detection for `tcp:` and `ssl:` streams, so
/// that a peer that vanished with data unacknowledged is noticed without
/// waiting for the JSON-RPC probe.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TcpOptions {
    /// `TCP_USER_TIMEOUT` in ms: how long sent data may stay
    /// unacknowledged (also bounds SYN retries) before the connection fails
    /// with `ETIMEDOUT`. 0: the kernel default.
    pub user_timeout_ms: u32,
    /// Keepalive probes on an idle connection; `None`: off (the default).
    pub keepalive: Option<Keepalive>,
}

impl TcpOptions {
    /// True when nothing is set.
    pub fn is_default(&self) -> bool {
        *self == TcpOptions::default()
    }
}

impl Stream {
    /// Starts connecting to `name` (`tcp:HOST:PORT`, `unix:PATH`, ...) and
    /// returns at once; see [`connect`](Stream::connect) for finishing.
    /// `dscp` (0 to 63) is applied to IP connections before they connect.
    ///
    /// Errors: `EAFNOSUPPORT` for an unknown type, `EINVAL` for a malformed
    /// name (both logged), or the errno of a connection attempt that failed
    /// at once (for example `ENOENT` for a Unix socket file that does not
    /// exist).
    pub fn open(name: &str, dscp: u8) -> io::Result<Stream> {
        let provider = provider::lookup_stream(name).inspect_err(|_| {
            provider::log_unsupported(name, false);
        })?;
        let suffix = &name[provider.name.len() + 1..];
        (provider.open)(name, suffix, dscp)
    }

    /// Like [`open`](Stream::open), but a `tcp:` (or `ssl:`) name without
    /// a port gets `default_port` (the JSON-RPC layer uses 6640). The
    /// stream's name then includes the port.
    pub fn open_with_default_port(name: &str, default_port: u16, dscp: u8) -> io::Result<Stream> {
        Stream::open(&names::active_with_default_port(name, default_port), dscp)
    }

    /// Waits for the connection started by `opened` (the result of
    /// [`open`](Stream::open)) to finish, for at most `timeout_ms`
    /// milliseconds (negative: no limit), driving the current thread's
    /// poll loop. For simple programs that have nothing else to do.
    ///
    /// Returns the connected stream, or the error from `opened`, the
    /// connection's failure, or `ETIMEDOUT`; on error the stream is closed.
    pub fn open_block(opened: io::Result<Stream>, timeout_ms: i64) -> io::Result<Stream> {
        let mut stream = opened?;
        let deadline = if timeout_ms >= 0 {
            time_msec().saturating_add(timeout_ms)
        } else {
            i64::MAX
        };
        loop {
            match stream.connect() {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    if deadline != i64::MAX && time_msec() > deadline {
                        return Err(io::Error::from_raw_os_error(libc::ETIMEDOUT));
                    }
                    stream.run();
                    stream.run_wait();
                    stream.connect_wait();
                    if deadline != i64::MAX {
                        poll_loop::timer_wait_until(deadline);
                    }
                    poll_loop::block();
                }
                Ok(()) => return Ok(stream),
                Err(e) => return Err(e),
            }
        }
    }

    /// Checks that `name` has the form `TYPE:ARGS` with a supported active
    /// `TYPE`, without opening anything and without logging. `ARGS` are
    /// not checked (a port may still be filled in by
    /// [`open_with_default_port`](Stream::open_with_default_port)), as in
    /// OVS.
    ///
    /// Errors: `EAFNOSUPPORT`.
    pub fn verify_name(name: &str) -> io::Result<()> {
        provider::lookup_stream(name).map(|_| ())
    }

    /// Wraps a transport's connection object (OVS's `stream_init`). For
    /// [`StreamProvider::open`] and [`PStreamClass::accept`]
    /// implementations.
    ///
    /// `connect_status` says where the connection is: `Ok(())` connected,
    /// an error of kind `WouldBlock` still connecting (the stream will call
    /// [`StreamClass::connect`]), any other error failed.
    pub fn from_class(
        name: &str,
        class: Box<dyn StreamClass>,
        connect_status: io::Result<()>,
    ) -> Stream {
        let state = match connect_status {
            Ok(()) => State::Connected,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => State::Connecting,
            Err(e) => State::Disconnected(crate::Error::from(e).errno()),
        };
        Stream {
            class,
            name: name.to_string(),
            state,
            tcp_options: None,
            failure: None,
        }
    }

    /// The stream's name: the one passed to [`open`](Stream::open) (with
    /// any default port filled in), or for an accepted stream its peer
    /// (`tcp:IP:PORT`, `unix:PATH`, or `unix#N` for an unnamed Unix peer).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Tries to finish connecting, without blocking.
    ///
    /// Returns `Ok(())` once connected, an error of kind `WouldBlock`
    /// (`EAGAIN`) while the attempt is in progress (including while a host
    /// name is being resolved), or the reason it failed (`ECONNREFUSED`,
    /// ...). Once it has returned something other than `WouldBlock` it
    /// keeps returning that. A host name that does not resolve fails with
    /// `ENOENT` (see [`connect_failure`](Stream::connect_failure)).
    pub fn connect(&mut self) -> io::Result<()> {
        if self.state == State::Connecting {
            match self.class.connect() {
                Ok(()) => {
                    self.state = State::Connected;
                    self.apply_tcp_options();
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(e) => {
                    if e.kind() == io::ErrorKind::NotFound && e.raw_os_error().is_none() {
                        // A name that did not resolve: keep the resolver's
                        // words for `connect_failure`.
                        self.failure = Some(e.to_string());
                    }
                    let errno = crate::Error::from(e).errno();
                    // A transport must not report "in progress" as failure.
                    self.state = if errno == libc::EINPROGRESS {
                        State::Connecting
                    } else {
                        State::Disconnected(errno)
                    };
                }
            }
        }
        match self.state {
            State::Connecting => Err(sys::again()),
            State::Connected => Ok(()),
            State::Disconnected(errno) => Err(errno_error(errno)),
        }
    }

    /// Beyond OVS: why connecting failed, in words that say more than the
    /// errno [`connect`](Stream::connect) returned: the resolver's message
    /// for a host name that did not resolve (where the errno is `ENOENT`,
    /// "No such file or directory"). `None` otherwise.
    pub fn connect_failure(&self) -> Option<&str> {
        self.failure.as_deref()
    }

    /// Receives up to `buf.len()` bytes, without blocking.
    ///
    /// Returns the number of bytes received (at least 1), `Ok(0)` at end of
    /// file (or if `buf` is empty), `WouldBlock` if nothing has arrived (or
    /// the connection is still being made), or an error (the connection's
    /// failure, `ECONNRESET`, ...).
    pub fn recv(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.connect()?;
        if buf.is_empty() {
            return Ok(0);
        }
        self.class.recv(buf)
    }

    /// Sends some of `buf`, without blocking.
    ///
    /// Returns the number of bytes sent (at least 1 unless `buf` is empty),
    /// `WouldBlock` if none can be sent now (or the connection is still
    /// being made), or an error (`EPIPE`, `ECONNRESET`, ...; never a
    /// `SIGPIPE`).
    pub fn send(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.connect()?;
        if buf.is_empty() {
            return Ok(0);
        }
        self.class.send(buf)
    }

    /// Sends a prefix of the concatenation of `bufs`, in one system call
    /// where the transport allows (`sendmsg(2)` for sockets, at most 1024
    /// buffers per call), without blocking. Same return contract as
    /// [`send`](Stream::send).
    pub fn send_vectored(&mut self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        self.connect()?;
        if bufs.iter().all(|b| b.is_empty()) {
            return Ok(0);
        }
        self.class.send_vectored(bufs)
    }

    /// Does background work the transport needs (none for TCP and Unix
    /// sockets). Call it once per pass of the main loop.
    pub fn run(&mut self) {
        self.class.run();
    }

    /// Registers with the poll loop what [`run`](Stream::run) waits for.
    pub fn run_wait(&self) {
        self.class.run_wait();
    }

    /// Registers with the poll loop so that the next
    /// [`poll_loop::block`] wakes when `wait` can make progress. While the
    /// stream is connecting this waits for the connection whatever `wait`
    /// says; once it has failed, `block` returns at once.
    pub fn wait(&self, wait: StreamWait) {
        match self.state {
            State::Connecting => self.class.wait(StreamWait::Connect),
            State::Connected => self.class.wait(wait),
            State::Disconnected(_) => poll_loop::immediate_wake(),
        }
    }

    /// `wait(StreamWait::Connect)`.
    pub fn connect_wait(&self) {
        self.wait(StreamWait::Connect);
    }

    /// `wait(StreamWait::Recv)`.
    pub fn recv_wait(&self) {
        self.wait(StreamWait::Recv);
    }

    /// `wait(StreamWait::Send)`.
    pub fn send_wait(&self) {
        self.wait(StreamWait::Send);
    }

    /// The peer's authenticated identity (TLS only), if known.
    pub fn peer_id(&self) -> Option<&str> {
        self.class.peer_id()
    }

    /// Sets the DSCP value (0 to 63, else `EINVAL`) of the packets sent on
    /// an IP connection (`IP_TOS` or `IPV6_TCLASS`). Unix sockets ignore it.
    pub fn set_dscp(&mut self, dscp: u8) -> io::Result<()> {
        self.class.set_dscp(dscp)
    }

    /// The underlying socket, if there is one yet (not while a host name is
    /// being resolved). For inspection only: reading or writing it behind
    /// the stream's back breaks the stream.
    pub fn as_raw_fd(&self) -> Option<RawFd> {
        self.class.as_raw_fd()
    }

    /// Beyond OVS: sets kernel dead-peer detection options (see
    /// [`TcpOptions`]) on a `tcp:` or `ssl:` stream; other kinds ignore
    /// them. Applied now if the socket exists, and again once connected.
    pub fn set_tcp_options(&mut self, opts: &TcpOptions) -> io::Result<()> {
        if !(self.name.starts_with("tcp:") || self.name.starts_with("ssl:")) {
            return Ok(());
        }
        self.tcp_options = Some(*opts);
        match self.class.as_raw_fd() {
            Some(fd) => sys::set_tcp_options(fd, opts),
            None => Ok(()),
        }
    }

    fn apply_tcp_options(&mut self) {
        if let (Some(opts), Some(fd)) = (&self.tcp_options, self.class.as_raw_fd()) {
            if let Err(e) = sys::set_tcp_options(fd, opts) {
                log::warn!(
                    "{}: setting TCP options failed ({})",
                    self.name,
                    strerror(&e)
                );
            }
        }
    }
}

impl fmt::Debug for Stream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Stream")
            .field("name", &self.name)
            .field("state", &self.state)
            .finish()
    }
}

/// A passive stream (OVS's `struct pstream`): a listener that accepts
/// [`Stream`]s.
///
/// In a main loop, call [`accept`](PStream::accept) until it returns
/// `WouldBlock`, then [`wait`](PStream::wait) before
/// [`poll_loop::block`].
///
/// Dropping a `PStream` closes it (and removes a `punix:` socket file).
pub struct PStream {
    class: Box<dyn PStreamClass>,
    name: String,
    /// After an accept failed for lack of resources, no accept before this
    /// time (see [`PStream::accept`]).
    accept_backoff_until: Option<i64>,
}

/// How long a listener rests after an accept failed for lack of
/// descriptors or memory.
const ACCEPT_BACKOFF_MS: i64 = 100;

/// Accept errors that mean "out of resources": the waiting connection
/// stays queued and the listener stays readable until something frees up.
fn is_resource_exhaustion(e: &io::Error) -> bool {
    matches!(
        e.raw_os_error(),
        Some(libc::EMFILE | libc::ENFILE | libc::ENOBUFS | libc::ENOMEM)
    )
}

impl PStream {
    /// Starts listening on `name` (`ptcp:PORT[:IP]`, `punix:PATH`, ...).
    /// `dscp` (0 to 63) is applied to IP listeners.
    ///
    /// Errors: `EAFNOSUPPORT` for an unknown type, `EINVAL` for a malformed
    /// name (both logged), or the errno from binding or listening
    /// (`EADDRINUSE`, ...).
    pub fn open(name: &str, dscp: u8) -> io::Result<PStream> {
        let provider = provider::lookup_pstream(name).inspect_err(|_| {
            provider::log_unsupported(name, true);
        })?;
        let suffix = &name[provider.name.len() + 1..];
        (provider.listen)(name, suffix, dscp)
    }

    /// Like [`open`](PStream::open), but a `ptcp:` (or `pssl:`) name
    /// without a port listens on `default_port`.
    pub fn open_with_default_port(name: &str, default_port: u16, dscp: u8) -> io::Result<PStream> {
        PStream::open(&names::passive_with_default_port(name, default_port), dscp)
    }

    /// Checks that `name` has the form `TYPE:ARGS` with a supported passive
    /// `TYPE`, without opening anything and without logging (`ARGS` are not
    /// checked, as in OVS).
    ///
    /// Errors: `EAFNOSUPPORT`.
    pub fn verify_name(name: &str) -> io::Result<()> {
        provider::lookup_pstream(name).map(|_| ())
    }

    /// Wraps a transport's listener object (OVS's `pstream_init`). For
    /// [`PStreamProvider::listen`] implementations.
    pub fn from_class(name: &str, class: Box<dyn PStreamClass>) -> PStream {
        PStream {
            class,
            name: name.to_string(),
            accept_backoff_until: None,
        }
    }

    /// The listener's name. For `ptcp:` it names the address actually
    /// bound, `ptcp:PORT:IP` (so `ptcp:0` shows the kernel's port); for
    /// others it is the name passed to [`open`](PStream::open).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Accepts a waiting connection, without blocking.
    ///
    /// Returns the new, connected stream, `WouldBlock` if none is waiting,
    /// or another error.
    ///
    /// When accepting fails for lack of resources (`EMFILE`, `ENFILE`,
    /// `ENOBUFS`, `ENOMEM`), the error is returned once and the listener
    /// then rests for 100 ms: `accept` says `WouldBlock` and
    /// [`wait`](PStream::wait) waits for the end of the rest instead of the
    /// listening socket. The connection stays queued in the kernel and is
    /// accepted once descriptors free up. (OVS keeps waiting on the socket,
    /// which stays readable while the connection is queued, so a server
    /// that logs the error and keeps its listener, as ovsdb-server does,
    /// spins at full CPU until then.)
    pub fn accept(&mut self) -> io::Result<Stream> {
        if let Some(until) = self.accept_backoff_until {
            if time_msec() < until {
                return Err(sys::again());
            }
            self.accept_backoff_until = None;
        }
        let result = self.class.accept();
        if let Err(e) = &result {
            if is_resource_exhaustion(e) {
                self.accept_backoff_until = Some(time_msec() + ACCEPT_BACKOFF_MS);
            }
        }
        result
    }

    /// Accepts a connection, blocking (in the current thread's poll loop)
    /// until one arrives. Never returns `WouldBlock`.
    pub fn accept_block(&mut self) -> io::Result<Stream> {
        loop {
            match self.accept() {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    self.wait();
                    poll_loop::block();
                }
                other => return other,
            }
        }
    }

    /// Registers with the poll loop so that the next [`poll_loop::block`]
    /// wakes when a connection is waiting (or, while the listener rests
    /// after running out of resources, when the rest ends).
    pub fn wait(&self) {
        match self.accept_backoff_until {
            Some(until) => poll_loop::timer_wait_until(until),
            None => self.class.wait(),
        }
    }

    /// The TCP port the listener is bound to (for `ptcp:0`, the one the
    /// kernel chose), or `None` where ports do not apply (`punix:`).
    pub fn bound_port(&self) -> Option<u16> {
        self.class.bound_port()
    }

    /// Sets the DSCP value (0 to 63, else `EINVAL`) for connections
    /// accepted from now on. Unix sockets ignore it.
    pub fn set_dscp(&mut self, dscp: u8) -> io::Result<()> {
        self.class.set_dscp(dscp)
    }

    /// The listening socket. For inspection only.
    pub fn as_raw_fd(&self) -> Option<RawFd> {
        self.class.as_raw_fd()
    }
}

impl fmt::Debug for PStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PStream").field("name", &self.name).finish()
    }
}

/// What kind of traffic starts with `head`: `"SSL"`, `"JSON-RPC"`,
/// `"OpenFlow"`, or `None` if it cannot tell (OVS's `stream_guess_content`),
/// for log lines that say a peer speaks the wrong protocol.
pub fn guess_content(head: &[u8]) -> Option<&'static str> {
    match head {
        [0x16, 0x03, ..] => Some("SSL"),
        [b'{', b'"', ..] => Some("JSON-RPC"),
        [0x01, 0x00, ..] => Some("OpenFlow"),
        _ => None,
    }
}

/// Whether connections named `name` (active or passive) need periodic
/// inactivity probes to notice a dead peer: `Some(true)` for `tcp:`,
/// `ptcp:` (and `ssl:`), `Some(false)` for `unix:` and `punix:`, `None` if
/// `name` has no supported type (OVS returns 1, 0, -1).
pub fn stream_or_pstream_needs_probes(name: &str) -> Option<bool> {
    if let Ok(p) = provider::lookup_stream(name) {
        Some(p.needs_probes)
    } else if let Ok(p) = provider::lookup_pstream(name) {
        Some(p.needs_probes)
    } else {
        None
    }
}

/// Parses the address of a `tcp:` or `ssl:` name, with `default_port` if it
/// has none (OVS's `stream_parse_target_with_default_port`). Returns `None`
/// (after logging) for other names or malformed ones. Nothing is resolved.
pub fn parse_target_with_default_port(target: &str, default_port: u16) -> Option<InetTarget> {
    let suffix = target
        .strip_prefix("tcp:")
        .or_else(|| target.strip_prefix("ssl:"))?;
    inet_parse_active(suffix, Some(default_port)).ok()
}
