//! `stream.h`: active and passive byte streams chosen by name (`tcp:`,
//! `unix:`, `ssl:`, `ptcp:`, `punix:`, `pssl:`).
//!
//! Functions that return `int` return 0 on success or a positive errno
//! (`EAGAIN` when the call would block), except `stream_recv()` and
//! `stream_send()`, which return a byte count or a negative errno.

use std::cell::RefCell;
use std::ffi::{c_char, c_int, c_longlong, c_void, CString};
use std::io;
use std::ptr;

use super::{boundary, c_str, c_string, errno_of, obj, obj_mut, put};
use crate::stream::{stream_or_pstream_needs_probes as needs_probes, PStream, Stream, StreamWait};

/// An active stream (opaque): a connection, or an attempt at one.
pub struct stream {
    inner: Stream,
    /// The stream's name as a C string, for `stream_get_name()`.
    name: CString,
    /// The peer's identity as last read, for `stream_get_peer_id()`.
    peer_id: RefCell<Option<CString>>,
    /// The identity set by `stream_set_peer_id()`, which takes precedence.
    pub(crate) peer_id_set: Option<CString>,
}

impl stream {
    /// Hands `inner` to C as a new `struct stream *`.
    pub(crate) fn into_raw(inner: Stream) -> *mut stream {
        let name = c_string(inner.name());
        Box::into_raw(Box::new(stream {
            inner,
            name,
            peer_id: RefCell::new(None),
            peer_id_set: None,
        }))
    }

    /// Takes back a `struct stream *` handed to C, which C must not use
    /// again.
    ///
    /// # Safety
    ///
    /// `p` is NULL or came from [`stream::into_raw`] and was not freed.
    pub(crate) unsafe fn from_raw(p: *mut stream) -> Option<Stream> {
        if p.is_null() {
            None
        } else {
            // SAFETY: the caller guarantees `p` is a live box from into_raw.
            Some(unsafe { Box::from_raw(p) }.inner)
        }
    }
}

/// A passive stream (opaque): a listener for incoming connections.
pub struct pstream {
    inner: PStream,
    /// The listener's name as a C string, for `pstream_get_name()`.
    name: CString,
}

impl pstream {
    /// Hands `inner` to C as a new `struct pstream *`.
    pub(crate) fn into_raw(inner: PStream) -> *mut pstream {
        let name = c_string(inner.name());
        Box::into_raw(Box::new(pstream { inner, name }))
    }
}

/// What a stream's user waits for, for `stream_wait()`.
#[repr(C)]
pub enum stream_wait_type {
    /// The connection attempt to finish.
    STREAM_CONNECT,
    /// Data to receive.
    STREAM_RECV,
    /// Room to send.
    STREAM_SEND,
}

/// A `enum stream_wait_type` as C passes it: any `int`, checked before use
/// (the header declares the parameter as the enum).
#[repr(transparent)]
pub struct stream_wait_type_value(pub c_int);

/// Stores the result of opening a stream: the new stream and 0, or NULL and
/// the error.
///
/// # Safety
///
/// `streamp` is NULL or writable.
pub(crate) unsafe fn put_stream(streamp: *mut *mut stream, result: io::Result<Stream>) -> c_int {
    let (p, error) = match result {
        Ok(s) => (stream::into_raw(s), 0),
        Err(e) => (ptr::null_mut(), errno_of(e)),
    };
    // SAFETY: the caller guarantees `streamp` is NULL or writable.
    unsafe { put(streamp, p) };
    error
}

/// Stores the result of opening a passive stream, as [`put_stream`].
///
/// # Safety
///
/// `pstreamp` is NULL or writable.
pub(crate) unsafe fn put_pstream(
    pstreamp: *mut *mut pstream,
    result: io::Result<PStream>,
) -> c_int {
    let (p, error) = match result {
        Ok(s) => (pstream::into_raw(s), 0),
        Err(e) => (ptr::null_mut(), errno_of(e)),
    };
    // SAFETY: the caller guarantees `pstreamp` is NULL or writable.
    unsafe { put(pstreamp, p) };
    error
}

/// Calls `open` with the C string `name`, or fails with `EINVAL` for NULL.
///
/// # Safety
///
/// `name` is NULL or a C string.
pub(crate) unsafe fn with_name<T>(
    name: *const c_char,
    open: impl FnOnce(&str) -> io::Result<T>,
) -> io::Result<T> {
    // SAFETY: the caller guarantees `name` is NULL or a C string.
    match unsafe { c_str(name) } {
        Some(name) => open(&name),
        None => Err(io::Error::from_raw_os_error(libc::EINVAL)),
    }
}

/// Returns 0 if `name` has the form "TYPE:ARGS" with a supported active
/// TYPE, otherwise `EAFNOSUPPORT` (`EINVAL` for NULL). ARGS are not checked.
#[no_mangle]
pub unsafe extern "C" fn stream_verify_name(name: *const c_char) -> c_int {
    boundary("stream_verify_name", || {
        // SAFETY: the caller passes a C string or NULL.
        match unsafe { c_str(name) } {
            Some(name) => Stream::verify_name(&name).err().map_or(0, errno_of),
            None => libc::EINVAL,
        }
    })
}

/// Starts connecting to `name` ("tcp:HOST:PORT", "unix:PATH", ...) without
/// blocking. `dscp` is applied to IP connections. Returns 0 and stores the
/// new stream in `*streamp`, or returns a positive errno and stores NULL;
/// use `stream_connect()` to finish connecting.
#[no_mangle]
pub unsafe extern "C" fn stream_open(
    name: *const c_char,
    streamp: *mut *mut stream,
    dscp: u8,
) -> c_int {
    boundary("stream_open", || {
        // SAFETY: the caller passes a C string and a writable `streamp`.
        unsafe { put_stream(streamp, with_name(name, |n| Stream::open(n, dscp))) }
    })
}

/// Like `stream_open()`, but a "tcp:" or "ssl:" name without a port gets
/// `default_port`.
#[no_mangle]
pub unsafe extern "C" fn stream_open_with_default_port(
    name: *const c_char,
    default_port: u16,
    streamp: *mut *mut stream,
    dscp: u8,
) -> c_int {
    boundary("stream_open_with_default_port", || {
        // SAFETY: as for stream_open().
        unsafe {
            let opened = with_name(name, |n| {
                Stream::open_with_default_port(n, default_port, dscp)
            });
            put_stream(streamp, opened)
        }
    })
}

/// Waits for the connection started by `stream_open()` to finish: pass
/// `stream_open()`'s return value as `error` and its stream in `*streamp`.
/// `timeout` is in milliseconds (negative: no limit). Returns 0 with the
/// connected stream left in `*streamp`, or a positive errno (`ETIMEDOUT`
/// when time ran out) after closing the stream and storing NULL.
#[no_mangle]
pub unsafe extern "C" fn stream_open_block(
    error: c_int,
    timeout: c_longlong,
    streamp: *mut *mut stream,
) -> c_int {
    boundary("stream_open_block", || {
        if streamp.is_null() {
            return libc::EINVAL;
        }
        // SAFETY: `streamp` is non-NULL and the caller guarantees it is
        // readable, holding a stream from stream_open() or NULL.
        let taken = unsafe { stream::from_raw(*streamp) };
        let opened = match (error, taken) {
            (0, Some(s)) => Ok(s),
            (0, None) => Err(io::Error::from_raw_os_error(libc::EINVAL)),
            (e, _) => Err(io::Error::from(crate::Error::from_errno(e))),
        };
        // SAFETY: `streamp` is non-NULL and writable.
        unsafe { put_stream(streamp, Stream::open_block(opened, timeout)) }
    })
}

/// Closes `stream`. NULL is fine.
#[no_mangle]
pub unsafe extern "C" fn stream_close(stream: *mut stream) {
    boundary("stream_close", || {
        // SAFETY: `stream` came from this library and is not used again.
        drop(unsafe { stream::from_raw(stream) });
    })
}

/// Returns the stream's name (for an accepted stream, its peer). The string
/// belongs to the stream.
#[no_mangle]
pub unsafe extern "C" fn stream_get_name(stream: *const stream) -> *const c_char {
    boundary("stream_get_name", || {
        // SAFETY: the caller passes a live stream.
        unsafe { obj(stream) }.name.as_ptr()
    })
}

/// Returns the peer's identity: the one set by `stream_set_peer_id()`, else
/// the authenticated one (ssl only), else NULL. The string belongs to the
/// stream.
#[no_mangle]
pub unsafe extern "C" fn stream_get_peer_id(stream: *const stream) -> *const c_char {
    boundary("stream_get_peer_id", || {
        // SAFETY: the caller passes a live stream.
        let s = unsafe { obj(stream) };
        if let Some(id) = &s.peer_id_set {
            return id.as_ptr();
        }
        let mut cache = s.peer_id.borrow_mut();
        match s.inner.peer_id() {
            None => ptr::null(),
            Some(id) => {
                if cache.as_ref().is_none_or(|c| c.as_bytes() != id.as_bytes()) {
                    *cache = Some(c_string(id));
                }
                cache.as_ref().map_or(ptr::null(), |c| c.as_ptr())
            }
        }
    })
}

/// Tries to finish connecting, without blocking. Returns 0 once connected,
/// `EAGAIN` while still connecting, or the positive errno the attempt
/// failed with (returned again by every later call).
#[no_mangle]
pub unsafe extern "C" fn stream_connect(stream: *mut stream) -> c_int {
    boundary("stream_connect", || {
        // SAFETY: the caller passes a live stream.
        unsafe { obj_mut(stream) }
            .inner
            .connect()
            .err()
            .map_or(0, errno_of)
    })
}

/// Receives up to `n` bytes into `buffer`, without blocking. Returns the
/// number of bytes received (positive), 0 at end of file, or a negative
/// errno (`-EAGAIN` if nothing has arrived yet).
#[no_mangle]
pub unsafe extern "C" fn stream_recv(stream: *mut stream, buffer: *mut c_void, n: usize) -> c_int {
    boundary("stream_recv", || {
        // SAFETY: the caller passes a live stream.
        let s = unsafe { obj_mut(stream) };
        let n = n.min(c_int::MAX as usize);
        let buf: &mut [u8] = if n == 0 || buffer.is_null() {
            &mut []
        } else {
            // SAFETY: the caller guarantees `buffer` has room for `n`
            // bytes, not otherwise in use during the call.
            unsafe { std::slice::from_raw_parts_mut(buffer as *mut u8, n) }
        };
        match s.inner.recv(buf) {
            Ok(got) => got as c_int,
            Err(e) => -errno_of(e).abs(),
        }
    })
}

/// Sends up to `n` bytes from `buffer`, without blocking. Returns the
/// number of bytes sent (positive unless `n` is 0) or a negative errno
/// (`-EAGAIN` if nothing can be sent now). Never raises `SIGPIPE`.
#[no_mangle]
pub unsafe extern "C" fn stream_send(
    stream: *mut stream,
    buffer: *const c_void,
    n: usize,
) -> c_int {
    boundary("stream_send", || {
        // SAFETY: the caller passes a live stream.
        let s = unsafe { obj_mut(stream) };
        let n = n.min(c_int::MAX as usize);
        let buf: &[u8] = if n == 0 || buffer.is_null() {
            &[]
        } else {
            // SAFETY: the caller guarantees `buffer` holds `n` bytes.
            unsafe { std::slice::from_raw_parts(buffer as *const u8, n) }
        };
        match s.inner.send(buf) {
            Ok(sent) => sent as c_int,
            Err(e) => -errno_of(e).abs(),
        }
    })
}

/// Does the background work the stream needs; call it in each pass of the
/// main loop.
#[no_mangle]
pub unsafe extern "C" fn stream_run(stream: *mut stream) {
    boundary("stream_run", || {
        // SAFETY: the caller passes a live stream.
        unsafe { obj_mut(stream) }.inner.run()
    })
}

/// Makes the next `poll_block()` wake up when `stream_run()` has work.
#[no_mangle]
pub unsafe extern "C" fn stream_run_wait(stream: *mut stream) {
    boundary("stream_run_wait", || {
        // SAFETY: the caller passes a live stream.
        unsafe { obj(stream) }.inner.run_wait()
    })
}

/// Makes the next `poll_block()` wake up when the stream can make progress
/// on `wait`.
#[no_mangle]
pub unsafe extern "C" fn stream_wait(stream: *mut stream, wait: stream_wait_type_value) {
    boundary("stream_wait", || {
        let wait = match wait.0 {
            x if x == stream_wait_type::STREAM_CONNECT as c_int => StreamWait::Connect,
            x if x == stream_wait_type::STREAM_RECV as c_int => StreamWait::Recv,
            x if x == stream_wait_type::STREAM_SEND as c_int => StreamWait::Send,
            x => panic!("stream_wait: bad wait type {x}"),
        };
        // SAFETY: the caller passes a live stream.
        unsafe { obj(stream) }.inner.wait(wait)
    })
}

/// `stream_wait(stream, STREAM_CONNECT)`.
#[no_mangle]
pub unsafe extern "C" fn stream_connect_wait(stream: *mut stream) {
    boundary("stream_connect_wait", || {
        // SAFETY: the caller passes a live stream.
        unsafe { obj(stream) }.inner.connect_wait()
    })
}

/// `stream_wait(stream, STREAM_RECV)`.
#[no_mangle]
pub unsafe extern "C" fn stream_recv_wait(stream: *mut stream) {
    boundary("stream_recv_wait", || {
        // SAFETY: the caller passes a live stream.
        unsafe { obj(stream) }.inner.recv_wait()
    })
}

/// `stream_wait(stream, STREAM_SEND)`.
#[no_mangle]
pub unsafe extern "C" fn stream_send_wait(stream: *mut stream) {
    boundary("stream_send_wait", || {
        // SAFETY: the caller passes a live stream.
        unsafe { obj(stream) }.inner.send_wait()
    })
}

/// Returns 0 if `name` has the form "TYPE:ARGS" with a supported passive
/// TYPE, otherwise `EAFNOSUPPORT` (`EINVAL` for NULL).
#[no_mangle]
pub unsafe extern "C" fn pstream_verify_name(name: *const c_char) -> c_int {
    boundary("pstream_verify_name", || {
        // SAFETY: the caller passes a C string or NULL.
        match unsafe { c_str(name) } {
            Some(name) => PStream::verify_name(&name).err().map_or(0, errno_of),
            None => libc::EINVAL,
        }
    })
}

/// Starts listening on `name` (`ptcp:PORT[:IP]`, `punix:PATH`, ...).
/// Returns 0 and stores the listener in `*pstreamp`, or returns a positive
/// errno and stores NULL.
#[no_mangle]
pub unsafe extern "C" fn pstream_open(
    name: *const c_char,
    pstreamp: *mut *mut pstream,
    dscp: u8,
) -> c_int {
    boundary("pstream_open", || {
        // SAFETY: the caller passes a C string and a writable `pstreamp`.
        unsafe { put_pstream(pstreamp, with_name(name, |n| PStream::open(n, dscp))) }
    })
}

/// Like `pstream_open()`, but a "ptcp:" or "pssl:" name without a port
/// listens on `default_port`.
#[no_mangle]
pub unsafe extern "C" fn pstream_open_with_default_port(
    name: *const c_char,
    default_port: u16,
    pstreamp: *mut *mut pstream,
    dscp: u8,
) -> c_int {
    boundary("pstream_open_with_default_port", || {
        // SAFETY: as for pstream_open().
        unsafe {
            let opened = with_name(name, |n| {
                PStream::open_with_default_port(n, default_port, dscp)
            });
            put_pstream(pstreamp, opened)
        }
    })
}

/// Returns the listener's name ("ptcp:PORT:IP" names the address actually
/// bound). The string belongs to the listener.
#[no_mangle]
pub unsafe extern "C" fn pstream_get_name(pstream: *const pstream) -> *const c_char {
    boundary("pstream_get_name", || {
        // SAFETY: the caller passes a live listener.
        unsafe { obj(pstream) }.name.as_ptr()
    })
}

/// Closes the listener (removing a "punix:" socket file). NULL is fine.
#[no_mangle]
pub unsafe extern "C" fn pstream_close(pstream: *mut pstream) {
    boundary("pstream_close", || {
        if !pstream.is_null() {
            // SAFETY: `pstream` came from this library and is not used
            // again.
            drop(unsafe { Box::from_raw(pstream) });
        }
    })
}

/// Accepts a waiting connection without blocking. Returns 0 and stores the
/// new stream in `*streamp`, or returns `EAGAIN` (none waiting) or another
/// positive errno and stores NULL.
#[no_mangle]
pub unsafe extern "C" fn pstream_accept(pstream: *mut pstream, streamp: *mut *mut stream) -> c_int {
    boundary("pstream_accept", || {
        // SAFETY: the caller passes a live listener and a writable
        // `streamp`.
        unsafe { put_stream(streamp, obj_mut(pstream).inner.accept()) }
    })
}

/// Like `pstream_accept()`, but blocks until a connection arrives.
#[no_mangle]
pub unsafe extern "C" fn pstream_accept_block(
    pstream: *mut pstream,
    streamp: *mut *mut stream,
) -> c_int {
    boundary("pstream_accept_block", || {
        // SAFETY: as for pstream_accept().
        unsafe { put_stream(streamp, obj_mut(pstream).inner.accept_block()) }
    })
}

/// Makes the next `poll_block()` wake up when a connection is waiting.
#[no_mangle]
pub unsafe extern "C" fn pstream_wait(pstream: *mut pstream) {
    boundary("pstream_wait", || {
        // SAFETY: the caller passes a live listener.
        unsafe { obj(pstream) }.inner.wait()
    })
}

/// Returns the TCP port the listener is bound to, in network byte order
/// (OVS's `ovs_be16`), or 0 where ports do not apply ("punix:").
#[no_mangle]
pub unsafe extern "C" fn pstream_get_bound_port(pstream: *const pstream) -> u16 {
    boundary("pstream_get_bound_port", || {
        // SAFETY: the caller passes a live listener.
        unsafe { obj(pstream) }
            .inner
            .bound_port()
            .unwrap_or(0)
            .to_be()
    })
}

/// Returns 1 if connections named `name` (active or passive) need
/// inactivity probes ("tcp:", "ssl:", ...), 0 if not ("unix:", ...), -1 if
/// `name` has no supported type.
#[no_mangle]
pub unsafe extern "C" fn stream_or_pstream_needs_probes(name: *const c_char) -> c_int {
    boundary("stream_or_pstream_needs_probes", || {
        // SAFETY: the caller passes a C string or NULL.
        match unsafe { c_str(name) }.and_then(|n| needs_probes(&n)) {
            Some(true) => 1,
            Some(false) => 0,
            None => -1,
        }
    })
}
