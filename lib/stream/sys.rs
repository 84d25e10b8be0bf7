//! The syscall edge of the stream module: sockets in, `io::Result` out.
//!
//! Everything the transports do to a file descriptor goes through here.
//! Most calls go through `socket2`, which is already safe; the two that need
//! raw `libc` calls (`poll(2)` on one descriptor and `if_nametoindex(3)`)
//! sit behind the `syscall!` helper, which turns `-1` into
//! [`io::Error::last_os_error`]. Every call retries on `EINTR`, sends always
//! carry `MSG_NOSIGNAL` so that a closed peer yields `EPIPE` instead of
//! killing the process with `SIGPIPE`, and Linux's occasional `ENOBUFS` on
//! a full Unix socket is reported as `EAGAIN`, as OVS does.
#![allow(unsafe_code)]

use std::ffi::CString;
use std::io::{self, IoSlice, Read};
use std::net::SocketAddr;
use std::os::unix::io::{AsRawFd, RawFd};

use socket2::{Domain, SockAddr, Socket, Type};

/// Calls a libc function and turns a `-1` return into the current `errno`.
macro_rules! syscall {
    ($fn: ident ( $($arg: expr),* $(,)* ) ) => {{
        let res = libc::$fn($($arg, )*);
        if res == -1 {
            Err(io::Error::last_os_error())
        } else {
            Ok(res)
        }
    }};
}

/// The largest number of buffers one `sendmsg` call accepts (`IOV_MAX` on
/// Linux).
pub const MAX_IOVS: usize = 1024;

/// Runs `f` again for as long as it fails with `EINTR`.
fn retry<T>(mut f: impl FnMut() -> io::Result<T>) -> io::Result<T> {
    loop {
        match f() {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            other => return other,
        }
    }
}

/// `EAGAIN` as an `io::Error` (kind `WouldBlock`, raw errno `EAGAIN`).
pub fn again() -> io::Error {
    io::Error::from_raw_os_error(libc::EAGAIN)
}

/// Creates a non-blocking, close-on-exec stream socket in `domain`.
pub fn stream_socket(domain: Domain) -> io::Result<Socket> {
    Socket::new(domain, Type::STREAM.nonblocking(), None)
}

/// Starts connecting `sock` to `addr`. `Ok(true)`: connected at once;
/// `Ok(false)`: in progress (`EINPROGRESS`); `Err`: failed.
pub fn start_connect(sock: &Socket, addr: &SockAddr) -> io::Result<bool> {
    match retry(|| sock.connect(addr)) {
        Ok(()) => Ok(true),
        Err(e) if e.raw_os_error() == Some(libc::EINPROGRESS) => Ok(false),
        Err(e) => Err(e),
    }
}

/// What a zero-timeout `poll(2)` for `POLLOUT` says about a connecting
/// socket.
pub enum Completion {
    /// Not writable yet: the connection is still in progress.
    InProgress,
    /// Writable without error: connected.
    Connected,
    /// `POLLERR`: the attempt failed; `SO_ERROR` has the reason.
    Failed,
}

/// Polls `fd` for `POLLOUT` without waiting.
pub fn poll_connect(fd: RawFd) -> io::Result<Completion> {
    let mut pfd = libc::pollfd {
        fd,
        events: libc::POLLOUT,
        revents: 0,
    };
    // SAFETY: `pfd` is a valid, exclusively borrowed pollfd and we pass a
    // count of exactly 1; a zero timeout means poll() does not block.
    let n = retry(|| unsafe { syscall!(poll(&mut pfd, 1, 0)) })?;
    Ok(if n == 0 {
        Completion::InProgress
    } else if pfd.revents & libc::POLLERR != 0 {
        Completion::Failed
    } else {
        Completion::Connected
    })
}

/// Receives into `buf` without blocking (`recv(2)` with no flags on a
/// non-blocking socket).
pub fn recv(sock: &Socket, buf: &mut [u8]) -> io::Result<usize> {
    let mut s = sock;
    retry(|| s.read(buf))
}

/// Maps Linux's `ENOBUFS` on a full socket to `EAGAIN`, as OVS does.
fn nobufs_to_again(e: io::Error) -> io::Error {
    if e.raw_os_error() == Some(libc::ENOBUFS) {
        again()
    } else {
        e
    }
}

/// Sends `buf` without blocking and without raising `SIGPIPE`.
pub fn send(sock: &Socket, buf: &[u8]) -> io::Result<usize> {
    retry(|| sock.send_with_flags(buf, libc::MSG_NOSIGNAL)).map_err(nobufs_to_again)
}

/// Sends `bufs` in one `sendmsg(2)` without blocking and without raising
/// `SIGPIPE`. At most [`MAX_IOVS`] buffers are passed.
pub fn send_vectored(sock: &Socket, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
    let bufs = &bufs[..bufs.len().min(MAX_IOVS)];
    retry(|| sock.send_vectored_with_flags(bufs, libc::MSG_NOSIGNAL)).map_err(nobufs_to_again)
}

/// Accepts one connection without blocking; the new socket is made
/// non-blocking and close-on-exec.
pub fn accept(sock: &Socket) -> io::Result<(Socket, SockAddr)> {
    let (new, addr) = retry(|| sock.accept())?;
    new.set_nonblocking(true)?;
    Ok((new, addr))
}

/// The descriptor of `sock`.
pub fn fd(sock: &Socket) -> RawFd {
    sock.as_raw_fd()
}

/// Sets the DSCP bits of an IPv4 (`IP_TOS`) or IPv6 (`IPV6_TCLASS`) socket.
/// `dscp` must be 63 or less; the caller checks.
pub fn set_dscp(sock: &Socket, v6: bool, dscp: u8) -> io::Result<()> {
    let tos = u32::from(dscp) << 2;
    if v6 {
        sock.set_tclass_v6(tos)
    } else {
        sock.set_tos(tos)
    }
}

/// The local address of an IP socket, or `None` for other families.
pub fn local_inet_addr(sock: &Socket) -> io::Result<Option<SocketAddr>> {
    Ok(sock.local_addr()?.as_socket())
}

/// Translates a network interface name into its index (`if_nametoindex`),
/// or `None` if there is no such interface.
pub fn if_nametoindex(name: &str) -> Option<u32> {
    let c = CString::new(name).ok()?;
    // SAFETY: `c` is a valid NUL-terminated string that outlives the call;
    // if_nametoindex only reads it.
    let index = unsafe { libc::if_nametoindex(c.as_ptr()) };
    (index != 0).then_some(index)
}

/// Applies kernel dead-peer detection options to the TCP socket `fd`:
/// `TCP_USER_TIMEOUT` (ms; 0 leaves the kernel default) and keepalive
/// probes (`SO_KEEPALIVE` with `TCP_KEEPIDLE`, `TCP_KEEPINTVL`,
/// `TCP_KEEPCNT`).
pub fn set_tcp_options(fd: RawFd, opts: &super::TcpOptions) -> io::Result<()> {
    // SAFETY: the caller passes the descriptor of a socket that it owns and
    // keeps open for the duration of this call; the borrow ends with it.
    let fd = unsafe { std::os::fd::BorrowedFd::borrow_raw(fd) };
    let sock = socket2::SockRef::from(&fd);
    if opts.user_timeout_ms > 0 {
        sock.set_tcp_user_timeout(Some(std::time::Duration::from_millis(u64::from(
            opts.user_timeout_ms,
        ))))?;
    }
    if let Some(ka) = &opts.keepalive {
        let params = socket2::TcpKeepalive::new()
            .with_time(std::time::Duration::from_secs(u64::from(ka.idle_s.max(1))))
            .with_interval(std::time::Duration::from_secs(u64::from(
                ka.interval_s.max(1),
            )))
            .with_retries(ka.count.max(1));
        sock.set_tcp_keepalive(&params)?;
    }
    Ok(())
}
