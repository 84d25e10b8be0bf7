//! Unix domain sockets: `unix:PATH` (active) and `punix:PATH` (passive)
//! (OVS's `stream-unix.c` and `make_unix_socket`).
//!
//! Relative paths are taken relative to [`rundir`](super::names::rundir).
//! A path longer than `sun_path` (107 bytes plus the terminator) is reached
//! through `/proc/self/fd/<dirfd>/<basename>`, where `<dirfd>` is a
//! descriptor opened on the socket's directory for the duration of the
//! `bind` or `connect`. `punix:` removes whatever file is in the way before
//! binding (a stale socket left by a dead process) and removes its socket
//! file again when the listener is dropped.

use std::fs::{File, OpenOptions};
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::os::unix::io::AsRawFd;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

use socket2::{Domain, SockAddr, Socket};

use super::fd::{Family, FdPStream, FdStream};
use super::names::unix_parse_path;
use super::{strerror, sys, PStream, PStreamProvider, Stream, StreamClass, StreamProvider};
use crate::vlog::RateLimit;

/// Rate limit for per-attempt messages (10 a minute, bursts of 25, as
/// OVS's stream modules).
static RL: RateLimit = RateLimit::new(10, 25);

/// The longest path that fits in `sockaddr_un.sun_path` with its NUL.
const MAX_UN_LEN: usize = 107;

/// Backlog of not-yet-accepted connections on a `punix:` listener.
const LISTEN_BACKLOG: i32 = 64;

/// The `unix` active stream provider.
pub(crate) static UNIX_STREAM_PROVIDER: StreamProvider = StreamProvider {
    name: "unix",
    needs_probes: false,
    open: unix_open,
};

/// The `punix` passive stream provider.
pub(crate) static PUNIX_PSTREAM_PROVIDER: PStreamProvider = PStreamProvider {
    name: "punix",
    needs_probes: false,
    listen: punix_open,
};

/// A `sockaddr_un` for a path, and the directory descriptor that keeps a
/// shortened `/proc/self/fd/...` path valid until the address is used.
struct UnixAddr {
    addr: SockAddr,
    _dir: Option<File>,
}

fn name_too_long(path: &Path) -> io::Error {
    log::warn!(
        "Unix socket name {} is longer than maximum {} bytes",
        path.display(),
        MAX_UN_LEN
    );
    io::Error::from_raw_os_error(libc::ENAMETOOLONG)
}

/// Builds the address for `path`, going through `/proc/self/fd` when the
/// path does not fit in `sun_path` (OVS's `make_sockaddr_un` and
/// `shorten_name_via_proc`).
fn make_sockaddr_un(path: &Path) -> io::Result<UnixAddr> {
    if path.as_os_str().len() <= MAX_UN_LEN {
        return Ok(UnixAddr {
            addr: SockAddr::unix(path)?,
            _dir: None,
        });
    }
    let Some(base) = path.file_name() else {
        return Err(name_too_long(path));
    };
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let dir_file = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_DIRECTORY)
        .open(dir)
        .inspect_err(|e| {
            log::warn!("{}: open failed ({})", dir.display(), strerror(e));
        })?;
    let mut short = format!("/proc/self/fd/{}/", dir_file.as_raw_fd()).into_bytes();
    short.extend_from_slice(base.as_bytes());
    if short.len() > MAX_UN_LEN {
        return Err(name_too_long(path));
    }
    let short = PathBuf::from(std::ffi::OsStr::from_bytes(&short));
    Ok(UnixAddr {
        addr: SockAddr::unix(&short)?,
        _dir: Some(dir_file),
    })
}

/// Opens `unix:PATH`: connects a non-blocking Unix socket to `PATH`.
fn unix_open(name: &str, suffix: &str, _dscp: u8) -> io::Result<Stream> {
    let path = unix_parse_path(name, suffix)?;
    let connected = sys::stream_socket(Domain::UNIX).and_then(|sock| {
        let addr = make_sockaddr_un(&path)?;
        sys::start_connect(&sock, &addr.addr)?;
        Ok(sock)
    });
    let sock = match connected {
        Ok(sock) => sock,
        Err(e) => {
            // A full backlog makes connect() fail with EAGAIN; OVS reports
            // that as EPROTO so that callers do not mistake it for "in
            // progress".
            let e = if e.raw_os_error() == Some(libc::EAGAIN) {
                io::Error::from_raw_os_error(libc::EPROTO)
            } else {
                e
            };
            crate::debug_rl!(RL, "{name}: connection failed ({})", strerror(&e));
            return Err(e);
        }
    };
    let mut fd = FdStream::new(sock, Family::Unix, name);
    let status = fd.connect();
    Ok(Stream::from_class(name, Box::new(fd), status))
}

/// Removes whatever is at `path` before binding (a stale socket file).
fn unlink_stale(path: &Path) {
    if let Err(e) = std::fs::remove_file(path) {
        if e.kind() != io::ErrorKind::NotFound {
            log::warn!("unlinking \"{}\": {}", path.display(), strerror(&e));
        }
    }
}

/// Binds `sock` to `path` with permissions 0700.
fn bind_unix(sock: &Socket, path: &Path) -> io::Result<()> {
    let addr = make_sockaddr_un(path)?;
    sock.bind(&addr.addr)?;
    // OVS narrows the umask around bind(); the umask is process-wide, so we
    // set the mode right after instead.
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o700))
}

/// Opens `punix:PATH`: listens on a Unix socket bound to `PATH`.
fn punix_open(name: &str, suffix: &str, _dscp: u8) -> io::Result<PStream> {
    let path = unix_parse_path(name, suffix)?;
    let sock = sys::stream_socket(Domain::UNIX)?;
    unlink_stale(&path);
    if let Err(e) = bind_unix(&sock, &path) {
        log::error!("{}: binding failed: {}", path.display(), strerror(&e));
        unlink_stale(&path);
        return Err(e);
    }
    if let Err(e) = sock.listen(LISTEN_BACKLOG) {
        log::error!("{name}: listen: {}", strerror(&e));
        unlink_stale(&path);
        return Err(e);
    }
    let listener = FdPStream::new(sock, name, Family::Unix, punix_accept, None, Some(path));
    Ok(PStream::from_class(name, Box::new(listener)))
}

/// Names an accepted Unix connection: `unix:PATH` if the peer bound a
/// name, otherwise `unix#N` with a process-wide counter, as OVS does.
fn punix_accept(sock: Socket, peer: SockAddr) -> io::Result<Stream> {
    static NEXT_INDEX: AtomicU32 = AtomicU32::new(0);
    let name = match peer.as_pathname() {
        Some(p) if !p.as_os_str().is_empty() => format!("unix:{}", p.display()),
        _ => format!("unix#{}", NEXT_INDEX.fetch_add(1, Ordering::Relaxed)),
    };
    let fd = FdStream::new(sock, Family::Unix, &name);
    Ok(Stream::from_class(&name, Box::new(fd), Ok(())))
}
