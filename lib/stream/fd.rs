//! Streams and listeners on a socket descriptor, shared by `tcp` and `unix`
//! (OVS's `stream-fd.c`).
//!
//! [`FdStream`] sends and receives on a connected (or connecting)
//! non-blocking socket; [`FdPStream`] accepts on a listening one and hands
//! each new socket to a transport-specific callback that names it and wraps
//! it in a [`Stream`].

use std::io::{self, IoSlice};
use std::os::unix::io::RawFd;
use std::path::PathBuf;

use socket2::{SockAddr, Socket};

use super::sys::{self, Completion};
use super::{PStreamClass, Stream, StreamClass, StreamWait};
use crate::poll_loop::{self, POLLIN, POLLOUT};
use crate::vlog::RateLimit;

/// Rate limit for this module's per-call error messages (OVS's
/// `stream-fd.c` uses 10 a minute, bursts of 25).
static RL: RateLimit = RateLimit::new(10, 25);

/// The address family of a descriptor stream, which decides what
/// `set_dscp` and connection completion do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Family {
    /// TCP over IPv4.
    Ipv4,
    /// TCP over IPv6.
    Ipv6,
    /// Unix domain socket.
    Unix,
}

impl Family {
    fn is_inet(self) -> bool {
        self != Family::Unix
    }
}

/// Sets `TCP_NODELAY`, logging (not failing) if that is refused, as OVS does.
pub(crate) fn set_nodelay(sock: &Socket, name: &str) {
    if let Err(e) = sock.set_nodelay(true) {
        log::error!("{name}: setsockopt(TCP_NODELAY): {}", super::strerror(&e));
    }
}

/// Checks `dscp` and applies it to an IP socket; a no-op for Unix sockets.
pub(crate) fn apply_dscp(sock: &Socket, family: Family, dscp: u8) -> io::Result<()> {
    if dscp > 63 {
        return Err(io::Error::from_raw_os_error(libc::EINVAL));
    }
    match family {
        Family::Ipv4 => sys::set_dscp(sock, false, dscp),
        Family::Ipv6 => sys::set_dscp(sock, true, dscp),
        Family::Unix => Ok(()),
    }
}

/// An active stream on a socket descriptor.
pub(crate) struct FdStream {
    sock: Socket,
    family: Family,
    /// The stream's name, for log messages.
    name: String,
}

impl FdStream {
    /// Wraps `sock`, which is connected or connecting.
    pub(crate) fn new(sock: Socket, family: Family, name: &str) -> FdStream {
        FdStream {
            sock,
            family,
            name: name.to_string(),
        }
    }
}

impl StreamClass for FdStream {
    fn connect(&mut self) -> io::Result<()> {
        match sys::poll_connect(sys::fd(&self.sock))? {
            Completion::InProgress => Err(sys::again()),
            Completion::Connected => {
                if self.family.is_inet() {
                    set_nodelay(&self.sock, &self.name);
                }
                Ok(())
            }
            Completion::Failed => match self.sock.take_error()? {
                Some(e) => Err(e),
                None => {
                    crate::error_rl!(RL, "{}: poll returned POLLERR but SO_ERROR is 0", self.name);
                    Err(io::Error::from_raw_os_error(libc::EPROTO))
                }
            },
        }
    }

    fn recv(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let r = sys::recv(&self.sock, buf);
        if let Err(e) = &r {
            if e.kind() != io::ErrorKind::WouldBlock {
                crate::debug_rl!(RL, "{}: recv: {}", self.name, super::strerror(e));
            }
        }
        r
    }

    fn send(&mut self, buf: &[u8]) -> io::Result<usize> {
        match sys::send(&self.sock, buf) {
            Ok(0) => Err(sys::again()),
            Ok(n) => Ok(n),
            Err(e) => {
                if e.kind() != io::ErrorKind::WouldBlock {
                    crate::debug_rl!(RL, "{}: send: {}", self.name, super::strerror(&e));
                }
                Err(e)
            }
        }
    }

    fn send_vectored(&mut self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        match sys::send_vectored(&self.sock, bufs) {
            Ok(0) => Err(sys::again()),
            Ok(n) => Ok(n),
            Err(e) => {
                if e.kind() != io::ErrorKind::WouldBlock {
                    crate::debug_rl!(RL, "{}: send: {}", self.name, super::strerror(&e));
                }
                Err(e)
            }
        }
    }

    fn wait(&self, wait: StreamWait) {
        let events = match wait {
            StreamWait::Connect | StreamWait::Send => POLLOUT,
            StreamWait::Recv => POLLIN,
        };
        poll_loop::fd_wait(sys::fd(&self.sock), events);
    }

    fn set_dscp(&mut self, dscp: u8) -> io::Result<()> {
        apply_dscp(&self.sock, self.family, dscp)
    }

    fn as_raw_fd(&self) -> Option<RawFd> {
        Some(sys::fd(&self.sock))
    }
}

/// Turns a newly accepted socket and its peer address into a named stream.
pub(crate) type AcceptCallback = fn(Socket, SockAddr) -> io::Result<Stream>;

/// A listener on a socket descriptor.
pub(crate) struct FdPStream {
    sock: Socket,
    /// The listener's name, for log messages.
    name: String,
    family: Family,
    accept_cb: AcceptCallback,
    bound_port: Option<u16>,
    /// The socket file to remove when the listener closes (`punix:`).
    unlink_path: Option<PathBuf>,
}

impl FdPStream {
    /// Wraps the listening socket `sock`, named `name` in log messages.
    pub(crate) fn new(
        sock: Socket,
        name: &str,
        family: Family,
        accept_cb: AcceptCallback,
        bound_port: Option<u16>,
        unlink_path: Option<PathBuf>,
    ) -> FdPStream {
        FdPStream {
            sock,
            name: name.to_string(),
            family,
            accept_cb,
            bound_port,
            unlink_path,
        }
    }
}

impl PStreamClass for FdPStream {
    fn accept(&mut self) -> io::Result<Stream> {
        match sys::accept(&self.sock) {
            Ok((sock, addr)) => (self.accept_cb)(sock, addr),
            Err(e) => {
                if e.kind() != io::ErrorKind::WouldBlock {
                    crate::debug_rl!(RL, "{}: accept: {}", self.name, super::strerror(&e));
                }
                Err(e)
            }
        }
    }

    fn wait(&self) {
        poll_loop::fd_wait(sys::fd(&self.sock), POLLIN);
    }

    fn set_dscp(&mut self, dscp: u8) -> io::Result<()> {
        apply_dscp(&self.sock, self.family, dscp)
    }

    fn bound_port(&self) -> Option<u16> {
        self.bound_port
    }

    fn as_raw_fd(&self) -> Option<RawFd> {
        Some(sys::fd(&self.sock))
    }
}

impl Drop for FdPStream {
    fn drop(&mut self) {
        if let Some(path) = self.unlink_path.take() {
            if let Err(e) = std::fs::remove_file(&path) {
                if e.kind() != io::ErrorKind::NotFound {
                    log::warn!(
                        "{}: unlink failed ({})",
                        path.display(),
                        super::strerror(&e)
                    );
                }
            }
        }
    }
}
