//! TCP: `tcp:HOST:PORT` (active) and `ptcp:PORT[:IP]` (passive)
//! (OVS's `stream-tcp.c`, `inet_open_active` and `inet_open_passive`).
//!
//! An active stream to an IP literal starts its non-blocking `connect()`
//! inside [`Stream::open`]. One to a host name first asks the
//! [resolver](super::resolver) and reports `EAGAIN` from `connect()` until
//! the addresses are known; it then tries them in the order the system
//! gave them, moving on to the next when one fails, and reports the last
//! failure. (OVS tries only the first address; trying all of them lets
//! `tcp:localhost:PORT` reach a listener on `127.0.0.1` when `localhost`
//! also resolves to `::1`.) The DSCP value is applied before `connect()`,
//! so that the SYN carries it; `TCP_NODELAY` is set once connected.

use std::collections::VecDeque;
use std::io::{self, IoSlice};
use std::net::SocketAddr;
use std::os::unix::io::RawFd;

use socket2::{Domain, SockAddr, Socket};

use super::fd::{self, Family, FdPStream, FdStream};
use super::names::{format_address, inet_parse_active, inet_parse_passive, InetTarget};
use super::resolver::{Lookup, LookupError};
use super::{
    strerror, sys, PStream, PStreamProvider, Stream, StreamClass, StreamProvider, StreamWait,
};
use crate::poll_loop;
use crate::vlog::RateLimit;

/// Rate limit for per-attempt messages (10 a minute, bursts of 25, as
/// OVS's stream modules).
static RL: RateLimit = RateLimit::new(10, 25);

/// Backlog of not-yet-accepted connections on a `ptcp:` listener.
const LISTEN_BACKLOG: i32 = 64;

/// The `tcp` active stream provider.
pub(crate) static TCP_STREAM_PROVIDER: StreamProvider = StreamProvider {
    name: "tcp",
    needs_probes: true,
    open: tcp_open,
};

/// The `ptcp` passive stream provider.
pub(crate) static PTCP_PSTREAM_PROVIDER: PStreamProvider = PStreamProvider {
    name: "ptcp",
    needs_probes: true,
    listen: ptcp_open,
};

fn family_of(addr: &SocketAddr) -> Family {
    match addr {
        SocketAddr::V4(_) => Family::Ipv4,
        SocketAddr::V6(_) => Family::Ipv6,
    }
}

fn einval() -> io::Error {
    io::Error::from_raw_os_error(libc::EINVAL)
}

/// An active TCP stream: resolving, connecting or connected.
struct TcpStream {
    name: String,
    dscp: u8,
    /// The host name lookup, while it runs.
    lookup: Option<Lookup>,
    /// The port to use with resolved addresses.
    port: u16,
    /// Addresses not tried yet.
    pending: VecDeque<SocketAddr>,
    /// The socket of the current attempt.
    sock: Option<FdStream>,
    /// Why the previous attempt failed, reported if no address is left.
    last_error: Option<io::Error>,
}

/// Creates a socket for `addr`, applies `dscp` and starts connecting.
/// Returns the socket and whether it connected at once.
fn start_connect(name: &str, addr: SocketAddr, dscp: u8) -> io::Result<(FdStream, bool)> {
    let family = family_of(&addr);
    let sock = sys::stream_socket(Domain::for_address(addr)).inspect_err(|e| {
        log::error!("{name}: socket: {}", strerror(e));
    })?;
    fd::apply_dscp(&sock, family, dscp).inspect_err(|e| {
        log::error!("{name}: set_dscp: {}", strerror(e));
    })?;
    let connected = sys::start_connect(&sock, &SockAddr::from(addr))?;
    if connected {
        fd::set_nodelay(&sock, name);
    }
    Ok((FdStream::new(sock, family, name), connected))
}

impl TcpStream {
    fn connected(&mut self) -> io::Result<&mut FdStream> {
        self.sock
            .as_mut()
            .ok_or_else(|| io::Error::from_raw_os_error(libc::ENOTCONN))
    }
}

/// The error of a failed lookup: the system's errno if it gave one, else
/// `ENOENT` (kind `NotFound`) with the resolver's own message, which says
/// more than that errno's text ("Name or service not known", not "No such
/// file or directory").
fn lookup_error(e: &LookupError) -> io::Error {
    if e.errno != libc::ENOENT {
        // The system's own errno says it.
        return io::Error::from_raw_os_error(e.errno);
    }
    let message = e
        .message
        .strip_prefix("failed to lookup address information: ")
        .unwrap_or(&e.message);
    io::Error::new(
        io::ErrorKind::NotFound,
        format!("host name lookup failed: {message}"),
    )
}

impl StreamClass for TcpStream {
    fn connect(&mut self) -> io::Result<()> {
        loop {
            if let Some(lookup) = &mut self.lookup {
                match lookup.poll() {
                    None => return Err(sys::again()),
                    Some(Ok(ips)) => {
                        self.lookup = None;
                        let port = self.port;
                        self.pending = ips
                            .into_iter()
                            .map(|ip| SocketAddr::new(ip, port))
                            .collect();
                    }
                    Some(Err(e)) => {
                        self.lookup = None;
                        crate::warn_rl!(
                            RL,
                            "{}: host name lookup failed ({})",
                            self.name,
                            e.message
                        );
                        return Err(lookup_error(&e));
                    }
                }
            }
            if self.sock.is_none() {
                let Some(addr) = self.pending.pop_front() else {
                    return Err(self
                        .last_error
                        .take()
                        .unwrap_or_else(|| io::Error::from_raw_os_error(libc::ENOENT)));
                };
                match start_connect(&self.name, addr, self.dscp) {
                    Ok((sock, _)) => self.sock = Some(sock),
                    Err(e) => {
                        crate::debug_rl!(RL, "{}: connect to {addr}: {}", self.name, strerror(&e));
                        self.last_error = Some(e);
                        continue;
                    }
                }
            }
            let result = self.connected().and_then(|sock| sock.connect());
            match result {
                Err(e) if e.kind() != io::ErrorKind::WouldBlock && !self.pending.is_empty() => {
                    crate::debug_rl!(
                        RL,
                        "{}: connection attempt failed ({}), trying next address",
                        self.name,
                        strerror(&e)
                    );
                    self.sock = None;
                    self.last_error = Some(e);
                }
                other => return other,
            }
        }
    }

    fn recv(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.connected()?.recv(buf)
    }

    fn send(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.connected()?.send(buf)
    }

    fn send_vectored(&mut self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        self.connected()?.send_vectored(bufs)
    }

    fn wait(&self, wait: StreamWait) {
        match (&self.lookup, &self.sock) {
            (Some(lookup), _) => lookup.wait(),
            (None, Some(sock)) => sock.wait(wait),
            // The next connect() has work to do at once.
            (None, None) => poll_loop::immediate_wake(),
        }
    }

    fn set_dscp(&mut self, dscp: u8) -> io::Result<()> {
        if dscp > 63 {
            return Err(einval());
        }
        self.dscp = dscp;
        match &mut self.sock {
            Some(sock) => sock.set_dscp(dscp),
            None => Ok(()),
        }
    }

    fn as_raw_fd(&self) -> Option<RawFd> {
        self.sock.as_ref().and_then(|s| s.as_raw_fd())
    }
}

/// Opens `tcp:HOST:PORT`.
fn tcp_open(name: &str, suffix: &str, dscp: u8) -> io::Result<Stream> {
    if dscp > 63 {
        log::error!("{name}: set_dscp: {}", strerror(&einval()));
        return Err(einval());
    }
    let mut stream = TcpStream {
        name: name.to_string(),
        dscp,
        lookup: None,
        port: 0,
        pending: VecDeque::new(),
        sock: None,
        last_error: None,
    };
    let status = match inet_parse_active(suffix, None)? {
        InetTarget::Addr(addr) => match start_connect(name, addr, dscp) {
            Ok((sock, connected)) => {
                stream.sock = Some(sock);
                if connected {
                    Ok(())
                } else {
                    Err(sys::again())
                }
            }
            Err(e) => {
                log::error!("{name}: connect: {}", strerror(&e));
                return Err(e);
            }
        },
        InetTarget::Host { name: host, port } => {
            stream.port = port;
            stream.lookup = Some(Lookup::start(&host)?);
            Err(sys::again())
        }
    };
    Ok(Stream::from_class(name, Box::new(stream), status))
}

/// Opens `ptcp:PORT[:IP]`: binds, listens, and names the listener after the
/// address actually bound (`ptcp:PORT:IP`, with the kernel's port for
/// `ptcp:0`).
fn ptcp_open(_name: &str, suffix: &str, dscp: u8) -> io::Result<PStream> {
    let addr = inet_parse_passive(suffix, None)?;
    let family = family_of(&addr);
    let fail = |what: &str, e: io::Error| {
        log::error!("{suffix}: {what}: {}", strerror(&e));
        e
    };
    let sock = sys::stream_socket(Domain::for_address(addr)).map_err(|e| fail("socket", e))?;
    sock.set_reuse_address(true)
        .map_err(|e| fail("setsockopt(SO_REUSEADDR)", e))?;
    sock.bind(&SockAddr::from(addr))
        .map_err(|e| fail("bind", e))?;
    fd::apply_dscp(&sock, family, dscp).map_err(|e| fail("set_dscp", e))?;
    sock.listen(LISTEN_BACKLOG).map_err(|e| fail("listen", e))?;
    let bound = match sys::local_inet_addr(&sock) {
        Ok(Some(a)) => a,
        Ok(None) => {
            return Err(fail(
                "getsockname",
                io::Error::from_raw_os_error(libc::EAFNOSUPPORT),
            ))
        }
        Err(e) => return Err(fail("getsockname", e)),
    };
    if addr.port() == 0 {
        log::info!("{suffix}: listening on port {}", bound.port());
    }
    let name = format!("ptcp:{}:{}", bound.port(), format_address(&bound));
    let listener = FdPStream::new(sock, &name, family, ptcp_accept, Some(bound.port()), None);
    Ok(PStream::from_class(&name, Box::new(listener)))
}

/// Names an accepted TCP connection `tcp:IP:PORT` after its peer.
fn ptcp_accept(sock: Socket, peer: SockAddr) -> io::Result<Stream> {
    let (name, family) = match peer.as_socket() {
        Some(a) => (
            format!("tcp:{}:{}", format_address(&a), a.port()),
            family_of(&a),
        ),
        None => ("tcp".to_string(), Family::Ipv4),
    };
    fd::set_nodelay(&sock, &name);
    let fd = FdStream::new(sock, family, &name);
    Ok(Stream::from_class(&name, Box::new(fd), Ok(())))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::timeval::time_msec;

    fn resolved(addrs: &[SocketAddr]) -> Stream {
        let class = TcpStream {
            name: "tcp:test:0".to_string(),
            dscp: 0,
            lookup: None,
            port: 0,
            pending: addrs.iter().copied().collect(),
            sock: None,
            last_error: None,
        };
        Stream::from_class("tcp:test:0", Box::new(class), Err(sys::again()))
    }

    fn finish(s: &mut Stream) -> io::Result<()> {
        let deadline = time_msec() + 10_000;
        loop {
            let r = s.connect();
            if !matches!(&r, Err(e) if e.kind() == io::ErrorKind::WouldBlock) {
                return r;
            }
            assert!(time_msec() < deadline, "connect timed out");
            s.connect_wait();
            poll_loop::timer_wait_until(deadline);
            poll_loop::block();
        }
    }

    #[test]
    fn resolved_addresses_are_tried_in_order_until_one_connects() {
        let mut listener = PStream::open("ptcp:0:127.0.0.1", 0).unwrap();
        let good: SocketAddr = ([127, 0, 0, 1], listener.bound_port().unwrap()).into();
        let closed = PStream::open("ptcp:0:127.0.0.1", 0).unwrap();
        let refused: SocketAddr = ([127, 0, 0, 1], closed.bound_port().unwrap()).into();
        drop(closed);

        let mut s = resolved(&[refused, refused, good]);
        finish(&mut s).expect("the third address connects");
        assert!(listener.accept_block().is_ok());

        let mut s = resolved(&[refused, refused]);
        let e = finish(&mut s).unwrap_err();
        assert_eq!(e.raw_os_error(), Some(libc::ECONNREFUSED));

        let mut s = resolved(&[]);
        let e = finish(&mut s).unwrap_err();
        assert_eq!(e.raw_os_error(), Some(libc::ENOENT));
    }
}
