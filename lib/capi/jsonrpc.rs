//! `jsonrpc.h`: JSON-RPC connections (`struct jsonrpc`) and reconnecting
//! sessions over one or more remotes (`struct jsonrpc_session`). The
//! messages are in `jsonrpc_msg`.
//!
//! Sending takes the message over (`jsonrpc_send()`, `jsonrpc_session_send()`
//! and the blocking variants free it, even on failure); receiving hands the
//! caller a new message to free with `jsonrpc_msg_destroy()`. No tree is
//! converted on the way: a message sent is written from its C nodes
//! straight into the connection's output queue, and a message received is
//! parsed straight into C nodes by the connection's receive path feeding a
//! C-node parser (`jsonrpc_recv`), which each connection and session keeps.

use std::cell::RefCell;
use std::ffi::{c_char, c_int, c_uint, CString};
use std::ptr;

use super::jsonrpc_msg::{destroy_msg, jsonrpc_msg, CMsg};
use super::jsonrpc_recv::{put_received, raw, recv_block, transact_block, CDecoder, CRecvMsg};
use super::reconnect::{put_stats, reconnect_stats};
use super::stream::{pstream, put_pstream, put_stream, stream, with_name};
use super::svec;
use super::{boundary, c_str, c_string, c_strs, obj, obj_mut};
use crate::jsonrpc::connection;
use crate::jsonrpc::connection::Decoder;
use crate::jsonrpc::{Jsonrpc, JsonrpcSession, SessionOptions};

/// The port IANA assigned to OVSDB, the default for "tcp:", "ssl:",
/// "ptcp:" and "pssl:" names without one.
pub const OVSDB_PORT: u16 = 6640;
/// The port OVS used before IANA assigned one.
pub const OVSDB_OLD_PORT: u16 = 6632;

// The header's values are the library's.
const _: () = assert!(OVSDB_PORT == connection::OVSDB_PORT);
const _: () = assert!(OVSDB_OLD_PORT == connection::OVSDB_OLD_PORT);

/// A JSON-RPC connection over a stream (opaque).
pub struct jsonrpc {
    pub(super) inner: Jsonrpc,
    /// The connection's name as a C string, for `jsonrpc_get_name()`.
    name: CString,
    /// The parser of its input, which makes C messages.
    pub(super) decoder: CDecoder,
}

impl jsonrpc {
    fn into_raw(inner: Jsonrpc) -> *mut jsonrpc {
        jsonrpc::into_raw_with(inner, CDecoder::default())
    }

    fn into_raw_with(inner: Jsonrpc, decoder: CDecoder) -> *mut jsonrpc {
        let name = c_string(inner.name());
        Box::into_raw(Box::new(jsonrpc {
            inner,
            name,
            decoder,
        }))
    }

    /// # Safety
    ///
    /// `p` is NULL or came from [`jsonrpc::into_raw`] and was not freed.
    unsafe fn from_raw(p: *mut jsonrpc) -> Option<(Jsonrpc, CDecoder)> {
        // SAFETY: the caller guarantees `p` is NULL or a live box.
        (!p.is_null()).then(|| {
            let b = unsafe { Box::from_raw(p) };
            (b.inner, b.decoder)
        })
    }
}

/// A JSON-RPC session that connects, and reconnects with backoff, to one of
/// several remotes, or listens on a passive name (opaque).
pub struct jsonrpc_session {
    pub(crate) inner: JsonrpcSession,
    /// The remotes' names as C strings, for `jsonrpc_session_get_name()`;
    /// they live as long as the session.
    pub(crate) remotes: Vec<CString>,
    /// The name of a connection handed over with `jsonrpc_session_replace()`
    /// or `jsonrpc_session_open_unreliably()`, if it is not a remote.
    other_name: RefCell<CString>,
    /// The peer's identity as last read, for `jsonrpc_session_get_id()`.
    id: RefCell<Option<CString>>,
    /// The parser of the current connection's input, which makes C
    /// messages, and the session's seqno when it began with it.
    decoder: CDecoder,
    decoder_seqno: u32,
}

impl jsonrpc_session {
    pub(crate) fn into_raw(inner: JsonrpcSession) -> *mut jsonrpc_session {
        jsonrpc_session::into_raw_with(inner, CDecoder::default())
    }

    fn into_raw_with(inner: JsonrpcSession, decoder: CDecoder) -> *mut jsonrpc_session {
        let remotes = inner.get_remotes().iter().map(|r| c_string(r)).collect();
        let decoder_seqno = inner.get_seqno();
        Box::into_raw(Box::new(jsonrpc_session {
            inner,
            remotes,
            other_name: RefCell::new(CString::default()),
            id: RefCell::new(None),
            decoder,
            decoder_seqno,
        }))
    }

    /// Receives a message as C nodes, starting the parser afresh if the
    /// connection changed since it was last fed.
    fn recv(&mut self) -> Option<CRecvMsg> {
        let seqno = self.inner.get_seqno();
        if seqno != self.decoder_seqno {
            self.decoder.reset();
            self.decoder_seqno = seqno;
        }
        self.inner.recv_with(&mut self.decoder)
    }
}

/// Settings of a session that can be changed at once with
/// `jsonrpc_session_set_options()`.
#[repr(C)]
pub struct jsonrpc_session_options {
    /// Maximum backoff between connection attempts, in milliseconds.
    pub max_backoff: c_int,
    /// Idle time before an inactivity probe, in milliseconds (0: none).
    pub probe_interval: c_int,
    /// DSCP value for the connection's IP packets.
    pub dscp: u8,
}

/// Runs `f` on the connection behind `rpc`.
///
/// # Safety
///
/// `rpc` is a live connection.
unsafe fn with<R>(func: &'static str, rpc: *const jsonrpc, f: impl FnOnce(&Jsonrpc) -> R) -> R {
    // SAFETY: the caller guarantees `rpc` is live.
    boundary(func, || f(&unsafe { obj(rpc) }.inner))
}

/// Runs `f` on the connection behind `rpc`, for modification.
///
/// # Safety
///
/// `rpc` is a live connection, not in use elsewhere.
unsafe fn with_mut<R>(
    func: &'static str,
    rpc: *mut jsonrpc,
    f: impl FnOnce(&mut Jsonrpc) -> R,
) -> R {
    // SAFETY: the caller guarantees `rpc` is live and not shared.
    boundary(func, || f(&mut unsafe { obj_mut(rpc) }.inner))
}

/// Runs `f` on the session behind `s`.
///
/// # Safety
///
/// `s` is a live session.
unsafe fn with_s<R>(
    func: &'static str,
    s: *const jsonrpc_session,
    f: impl FnOnce(&JsonrpcSession) -> R,
) -> R {
    // SAFETY: the caller guarantees `s` is live.
    boundary(func, || f(&unsafe { obj(s) }.inner))
}

/// Runs `f` on the session behind `s`, for modification.
///
/// # Safety
///
/// `s` is a live session, not in use elsewhere.
unsafe fn with_s_mut<R>(
    func: &'static str,
    s: *mut jsonrpc_session,
    f: impl FnOnce(&mut JsonrpcSession) -> R,
) -> R {
    // SAFETY: the caller guarantees `s` is live and not shared.
    boundary(func, || f(&mut unsafe { obj_mut(s) }.inner))
}

/// 0 for success, else the error number.
fn retval(result: crate::Result<()>) -> c_int {
    result.err().map_or(0, |e| e.errno())
}

/// Like `stream_open()`, with the JSON-RPC default port 6640 for names
/// without a port.
#[no_mangle]
pub unsafe extern "C" fn jsonrpc_stream_open(
    name: *const c_char,
    streamp: *mut *mut stream,
    dscp: u8,
) -> c_int {
    boundary("jsonrpc_stream_open", || {
        // SAFETY: the caller passes a C string and a writable `streamp`.
        unsafe {
            put_stream(
                streamp,
                with_name(name, |n| connection::stream_open(n, dscp)),
            )
        }
    })
}

/// Like `pstream_open()`, with the JSON-RPC default port 6640 for names
/// without a port.
#[no_mangle]
pub unsafe extern "C" fn jsonrpc_pstream_open(
    name: *const c_char,
    pstreamp: *mut *mut pstream,
    dscp: u8,
) -> c_int {
    boundary("jsonrpc_pstream_open", || {
        // SAFETY: the caller passes a C string and a writable `pstreamp`.
        unsafe {
            put_pstream(
                pstreamp,
                with_name(name, |n| connection::pstream_open(n, dscp)),
            )
        }
    })
}

/// Returns a new JSON-RPC connection over `stream`, which it takes over
/// (connected or still connecting).
#[no_mangle]
pub unsafe extern "C" fn jsonrpc_open(stream: *mut stream) -> *mut jsonrpc {
    boundary("jsonrpc_open", || {
        // SAFETY: the caller gives up a live stream.
        let s = unsafe { stream::from_raw(stream) }.expect("jsonrpc_open: null stream");
        jsonrpc::into_raw(Jsonrpc::open(s))
    })
}

/// Closes `rpc` and its stream, dropping anything not yet sent. NULL is
/// fine.
#[no_mangle]
pub unsafe extern "C" fn jsonrpc_close(rpc: *mut jsonrpc) {
    // SAFETY: the caller gives up `rpc` (or passes NULL).
    boundary("jsonrpc_close", || drop(unsafe { jsonrpc::from_raw(rpc) }))
}

/// Sends as much queued output as the stream takes now.
#[no_mangle]
pub unsafe extern "C" fn jsonrpc_run(rpc: *mut jsonrpc) {
    // SAFETY: the caller passes a live connection.
    unsafe { with_mut("jsonrpc_run", rpc, |r| r.run()) }
}

/// Makes the next `poll_block()` wake up when `jsonrpc_run()` has work.
#[no_mangle]
pub unsafe extern "C" fn jsonrpc_wait(rpc: *mut jsonrpc) {
    // SAFETY: the caller passes a live connection.
    unsafe { with("jsonrpc_wait", rpc, |r| r.wait()) }
}

/// Returns 0 while the connection works, otherwise the positive errno that
/// ended it or `EOF` if the peer closed it.
#[no_mangle]
pub unsafe extern "C" fn jsonrpc_get_status(rpc: *const jsonrpc) -> c_int {
    // SAFETY: the caller passes a live connection.
    unsafe { with("jsonrpc_get_status", rpc, |r| r.get_status()) }
}

/// Returns the number of bytes queued for sending.
#[no_mangle]
pub unsafe extern "C" fn jsonrpc_get_backlog(rpc: *const jsonrpc) -> usize {
    // SAFETY: the caller passes a live connection.
    unsafe { with("jsonrpc_get_backlog", rpc, |r| r.get_backlog()) }
}

/// Makes the connection fail with `E2BIG` once more than `max_n_msgs`
/// messages or `max_backlog_bytes` bytes are queued (0: no limit).
#[no_mangle]
pub unsafe extern "C" fn jsonrpc_set_backlog_threshold(
    rpc: *mut jsonrpc,
    max_n_msgs: usize,
    max_backlog_bytes: usize,
) {
    // SAFETY: the caller passes a live connection.
    unsafe {
        with_mut("jsonrpc_set_backlog_threshold", rpc, |r| {
            r.set_backlog_threshold(max_n_msgs, max_backlog_bytes)
        })
    }
}

/// Returns the number of bytes received so far (wrapping at 2^32).
#[no_mangle]
pub unsafe extern "C" fn jsonrpc_get_received_bytes(rpc: *const jsonrpc) -> c_uint {
    // SAFETY: the caller passes a live connection.
    unsafe {
        with("jsonrpc_get_received_bytes", rpc, |r| {
            r.get_received_bytes()
        })
    }
}

/// Returns the connection's name (its stream's). The string belongs to the
/// connection.
#[no_mangle]
pub unsafe extern "C" fn jsonrpc_get_name(rpc: *const jsonrpc) -> *const c_char {
    boundary("jsonrpc_get_name", || {
        // SAFETY: the caller passes a live connection.
        unsafe { obj(rpc) }.name.as_ptr()
    })
}

/// Queues `msg` for sending, taking it over (it is freed even on failure).
/// Returns 0, or the connection's error if it has failed.
#[no_mangle]
pub unsafe extern "C" fn jsonrpc_send(rpc: *mut jsonrpc, msg: *mut jsonrpc_msg) -> c_int {
    boundary("jsonrpc_send", || {
        if msg.is_null() {
            return libc::EINVAL;
        }
        // SAFETY: the caller gives up a live message and passes a live
        // connection; the message is written from its nodes, then freed.
        unsafe {
            let r = obj_mut(rpc).inner.send_outgoing(&CMsg(&*msg));
            destroy_msg(msg);
            retval(r)
        }
    })
}

/// Receives a message without blocking. Returns 0 and stores the message
/// (for the caller to free) in `*msgp`, or returns `EAGAIN` if none has
/// arrived, or the connection's error, and stores NULL.
#[no_mangle]
pub unsafe extern "C" fn jsonrpc_recv(rpc: *mut jsonrpc, msgp: *mut *mut jsonrpc_msg) -> c_int {
    boundary("jsonrpc_recv", || {
        // SAFETY: the caller passes a live connection and a writable
        // `msgp`.
        unsafe {
            let r = obj_mut(rpc);
            put_received(msgp, r.inner.recv_with(&mut r.decoder))
        }
    })
}

/// Makes the next `poll_block()` wake up when `jsonrpc_recv()` may have a
/// message (or an error).
#[no_mangle]
pub unsafe extern "C" fn jsonrpc_recv_wait(rpc: *mut jsonrpc) {
    // SAFETY: the caller passes a live connection.
    unsafe { with("jsonrpc_recv_wait", rpc, |r| r.recv_wait()) }
}

/// Sends `msg` (taken over) and waits until it has been handed to the
/// stream. Returns 0 or the connection's error.
#[no_mangle]
pub unsafe extern "C" fn jsonrpc_send_block(rpc: *mut jsonrpc, msg: *mut jsonrpc_msg) -> c_int {
    boundary("jsonrpc_send_block", || {
        if msg.is_null() {
            return libc::EINVAL;
        }
        // SAFETY: as for jsonrpc_send().
        unsafe {
            let r = obj_mut(rpc).inner.send_block_outgoing(&CMsg(&*msg));
            destroy_msg(msg);
            retval(r)
        }
    })
}

/// Waits for a message; as `jsonrpc_recv()`, but never `EAGAIN`.
#[no_mangle]
pub unsafe extern "C" fn jsonrpc_recv_block(
    rpc: *mut jsonrpc,
    msgp: *mut *mut jsonrpc_msg,
) -> c_int {
    boundary("jsonrpc_recv_block", || {
        // SAFETY: as for jsonrpc_recv().
        unsafe { put_received(msgp, recv_block(obj_mut(rpc))) }
    })
}

/// Sends `request` (taken over) and waits for the reply or error reply with
/// its id, discarding other messages. Returns 0 and stores the reply in
/// `*replyp`, or returns the error and stores NULL.
#[no_mangle]
pub unsafe extern "C" fn jsonrpc_transact_block(
    rpc: *mut jsonrpc,
    request: *mut jsonrpc_msg,
    replyp: *mut *mut jsonrpc_msg,
) -> c_int {
    boundary("jsonrpc_transact_block", || {
        // SAFETY: the caller passes a live connection, gives up `request`
        // and passes a writable `replyp`.
        unsafe {
            let result = if request.is_null() {
                Err(crate::Error::EINVAL)
            } else {
                transact_block(obj_mut(rpc), request)
            };
            put_received(replyp, result)
        }
    })
}

/// Opens a session to `name`, active ("tcp:", "unix:", "ssl:") or passive
/// ("ptcp:", "punix:", "pssl:"). Active: with `retry`, connects and
/// reconnects with backoff; without, tries once. Passive: listens, keeping
/// the latest connection.
#[no_mangle]
pub unsafe extern "C" fn jsonrpc_session_open(
    name: *const c_char,
    retry: bool,
) -> *mut jsonrpc_session {
    boundary("jsonrpc_session_open", || {
        // SAFETY: the caller passes a C string.
        let name = unsafe { c_str(name) }.expect("jsonrpc_session_open: null name");
        jsonrpc_session::into_raw(JsonrpcSession::open(&name, retry))
    })
}

/// Opens a session over the remotes in `remotes` (OVS's signature), shuffled
/// once and then tried round-robin, each once before backing off.
///
/// `jsonrpc.h` also accepts the form `(const char **names, size_t n, bool
/// retry)`: a macro of that name dispatches on the number of arguments, to
/// this function for two and to `jsonrpc_session_open_multiple_names()` for
/// three. The exported symbol keeps OVS's signature, so objects compiled
/// against OVS's own `jsonrpc.h` call it correctly.
#[no_mangle]
pub unsafe extern "C" fn jsonrpc_session_open_multiple(
    remotes: *const svec::svec,
    retry: bool,
) -> *mut jsonrpc_session {
    boundary("jsonrpc_session_open_multiple", || {
        assert!(
            !remotes.is_null(),
            "jsonrpc_session_open_multiple: null svec"
        );
        // SAFETY: the caller passes a valid svec.
        let remotes = unsafe { svec::svec_to_strings(remotes) };
        jsonrpc_session::into_raw(JsonrpcSession::open_multiple(&remotes, retry))
    })
}

/// Opens a session over the `n` remotes in `names`, as
/// `jsonrpc_session_open_multiple()` does from an svec. Called through the
/// three-argument form of the `jsonrpc_session_open_multiple()` macro.
#[no_mangle]
pub unsafe extern "C" fn jsonrpc_session_open_multiple_names(
    names: *mut *const c_char,
    n: usize,
    retry: bool,
) -> *mut jsonrpc_session {
    boundary("jsonrpc_session_open_multiple_names", || {
        // SAFETY: the caller passes NULL or `n` C strings.
        let remotes = unsafe { c_strs(names, n) };
        jsonrpc_session::into_raw(JsonrpcSession::open_multiple(&remotes, retry))
    })
}

/// Returns a session around the established connection `rpc` (taken over),
/// which is not reconnected when it drops. `dscp` is its DSCP value.
#[no_mangle]
pub unsafe extern "C" fn jsonrpc_session_open_unreliably(
    rpc: *mut jsonrpc,
    dscp: u8,
) -> *mut jsonrpc_session {
    boundary("jsonrpc_session_open_unreliably", || {
        // SAFETY: the caller gives up a live connection.
        let (rpc, decoder) =
            unsafe { jsonrpc::from_raw(rpc) }.expect("jsonrpc_session_open_unreliably: null");
        jsonrpc_session::into_raw_with(JsonrpcSession::open_unreliably(rpc, dscp), decoder)
    })
}

/// Closes the session and its connection. NULL is fine.
#[no_mangle]
pub unsafe extern "C" fn jsonrpc_session_close(s: *mut jsonrpc_session) {
    boundary("jsonrpc_session_close", || {
        if !s.is_null() {
            // SAFETY: the caller gives up a live session.
            drop(unsafe { Box::from_raw(s) });
        }
    })
}

/// Closes the session and returns its connection (for the caller to close),
/// or NULL if it has none.
#[no_mangle]
pub unsafe extern "C" fn jsonrpc_session_steal(s: *mut jsonrpc_session) -> *mut jsonrpc {
    boundary("jsonrpc_session_steal", || {
        assert!(!s.is_null(), "jsonrpc_session_steal: null session");
        // SAFETY: the caller gives up a live session.
        let mut session = unsafe { Box::from_raw(s) };
        if session.inner.get_seqno() != session.decoder_seqno {
            session.decoder.reset();
        }
        let decoder = std::mem::take(&mut session.decoder);
        session
            .inner
            .steal()
            .map_or(ptr::null_mut(), |rpc| jsonrpc::into_raw_with(rpc, decoder))
    })
}

/// Replaces the session's connection with `rpc` (taken over; NULL: none),
/// closing the old one.
#[no_mangle]
pub unsafe extern "C" fn jsonrpc_session_replace(s: *mut jsonrpc_session, rpc: *mut jsonrpc) {
    // SAFETY: the caller passes a live session and gives up `rpc`.
    let rpc = boundary("jsonrpc_session_replace", || unsafe {
        jsonrpc::from_raw(rpc)
    });
    boundary("jsonrpc_session_replace", || {
        // SAFETY: as above.
        let s = unsafe { obj_mut(s) };
        let (rpc, decoder) = match rpc {
            Some((rpc, decoder)) => (Some(rpc), decoder),
            None => (None, CDecoder::default()),
        };
        s.inner.replace(rpc);
        s.decoder = decoder;
        s.decoder_seqno = s.inner.get_seqno();
    })
}

/// Does the session's work: connects, reconnects, sends queued output,
/// probes an idle connection.
#[no_mangle]
pub unsafe extern "C" fn jsonrpc_session_run(s: *mut jsonrpc_session) {
    // SAFETY: the caller passes a live session.
    unsafe { with_s_mut("jsonrpc_session_run", s, |s| s.run()) }
}

/// Makes the next `poll_block()` wake up when `jsonrpc_session_run()` has
/// work.
#[no_mangle]
pub unsafe extern "C" fn jsonrpc_session_wait(s: *mut jsonrpc_session) {
    // SAFETY: the caller passes a live session.
    unsafe { with_s("jsonrpc_session_wait", s, |s| s.wait()) }
}

/// Returns the number of bytes queued for sending on the connection.
#[no_mangle]
pub unsafe extern "C" fn jsonrpc_session_get_backlog(s: *const jsonrpc_session) -> usize {
    // SAFETY: the caller passes a live session.
    unsafe { with_s("jsonrpc_session_get_backlog", s, |s| s.get_backlog()) }
}

/// Returns the name of the current remote (connected, being tried, or
/// next). The string belongs to the session.
#[no_mangle]
pub unsafe extern "C" fn jsonrpc_session_get_name(s: *const jsonrpc_session) -> *const c_char {
    boundary("jsonrpc_session_get_name", || {
        // SAFETY: the caller passes a live session.
        let s = unsafe { obj(s) };
        let name = s.inner.get_name();
        if let Some(r) = s.remotes.iter().find(|r| r.as_bytes() == name.as_bytes()) {
            return r.as_ptr();
        }
        let mut other = s.other_name.borrow_mut();
        if other.as_bytes() != name.as_bytes() {
            *other = c_string(name);
        }
        other.as_ptr()
    })
}

/// Returns the number of remotes.
#[no_mangle]
pub unsafe extern "C" fn jsonrpc_session_get_n_remotes(s: *const jsonrpc_session) -> usize {
    // SAFETY: the caller passes a live session.
    unsafe { with_s("jsonrpc_session_get_n_remotes", s, |s| s.get_n_remotes()) }
}

/// Sends `msg` (taken over, freed even on failure) on the current
/// connection. Returns 0, `ENOTCONN` if not connected, or the connection's
/// error.
#[no_mangle]
pub unsafe extern "C" fn jsonrpc_session_send(
    s: *mut jsonrpc_session,
    msg: *mut jsonrpc_msg,
) -> c_int {
    boundary("jsonrpc_session_send", || {
        if msg.is_null() {
            return libc::EINVAL;
        }
        // SAFETY: the caller gives up a live message and passes a live
        // session; the message is written from its nodes, then freed.
        unsafe {
            let r = obj_mut(s).inner.send_outgoing(&CMsg(&*msg));
            destroy_msg(msg);
            retval(r)
        }
    })
}

/// Returns a received message (for the caller to free), or NULL if none is
/// there. Echo requests from the peer are answered, and replies to the
/// session's own probes swallowed, without showing up here.
#[no_mangle]
pub unsafe extern "C" fn jsonrpc_session_recv(s: *mut jsonrpc_session) -> *mut jsonrpc_msg {
    boundary("jsonrpc_session_recv", || {
        // SAFETY: the caller passes a live session.
        raw(unsafe { obj_mut(s) }.recv())
    })
}

/// Makes the next `poll_block()` wake up when `jsonrpc_session_recv()` may
/// have a message.
#[no_mangle]
pub unsafe extern "C" fn jsonrpc_session_recv_wait(s: *mut jsonrpc_session) {
    // SAFETY: the caller passes a live session.
    unsafe { with_s("jsonrpc_session_recv_wait", s, |s| s.recv_wait()) }
}

/// Returns true while the session is connected, connecting, or will try
/// again.
#[no_mangle]
pub unsafe extern "C" fn jsonrpc_session_is_alive(s: *const jsonrpc_session) -> bool {
    // SAFETY: the caller passes a live session.
    unsafe { with_s("jsonrpc_session_is_alive", s, |s| s.is_alive()) }
}

/// Returns true while the session has a connection.
#[no_mangle]
pub unsafe extern "C" fn jsonrpc_session_is_connected(s: *const jsonrpc_session) -> bool {
    // SAFETY: the caller passes a live session.
    unsafe { with_s("jsonrpc_session_is_connected", s, |s| s.is_connected()) }
}

/// Returns a number that changes each time the session connects or
/// disconnects.
#[no_mangle]
pub unsafe extern "C" fn jsonrpc_session_get_seqno(s: *const jsonrpc_session) -> c_uint {
    // SAFETY: the caller passes a live session.
    unsafe { with_s("jsonrpc_session_get_seqno", s, |s| s.get_seqno()) }
}

/// Returns the current connection's status (0 if fine or not connected).
#[no_mangle]
pub unsafe extern "C" fn jsonrpc_session_get_status(s: *const jsonrpc_session) -> c_int {
    // SAFETY: the caller passes a live session.
    unsafe { with_s("jsonrpc_session_get_status", s, |s| s.get_status()) }
}

/// Returns the last error any of the session's connections met (0: none).
#[no_mangle]
pub unsafe extern "C" fn jsonrpc_session_get_last_error(s: *const jsonrpc_session) -> c_int {
    // SAFETY: the caller passes a live session.
    unsafe { with_s("jsonrpc_session_get_last_error", s, |s| s.get_last_error()) }
}

/// Fills `*stats` with the statistics of the session's reconnect FSM.
#[no_mangle]
pub unsafe extern "C" fn jsonrpc_session_get_reconnect_stats(
    s: *const jsonrpc_session,
    stats: *mut reconnect_stats,
) {
    // SAFETY: the caller passes a live session and a writable `stats`.
    unsafe {
        let st = with_s("jsonrpc_session_get_reconnect_stats", s, |s| {
            s.get_reconnect_stats()
        });
        boundary("jsonrpc_session_get_reconnect_stats", || {
            put_stats(stats, st)
        })
    }
}

/// Lets a session opened without retry reconnect after all.
#[no_mangle]
pub unsafe extern "C" fn jsonrpc_session_enable_reconnect(s: *mut jsonrpc_session) {
    // SAFETY: the caller passes a live session.
    unsafe {
        with_s_mut("jsonrpc_session_enable_reconnect", s, |s| {
            s.enable_reconnect()
        })
    }
}

/// Drops the connection, if any, and reconnects.
#[no_mangle]
pub unsafe extern "C" fn jsonrpc_session_force_reconnect(s: *mut jsonrpc_session) {
    // SAFETY: the caller passes a live session.
    unsafe {
        with_s_mut("jsonrpc_session_force_reconnect", s, |s| {
            s.force_reconnect()
        })
    }
}

/// Lets the next full round over the remotes go without backoff.
#[no_mangle]
pub unsafe extern "C" fn jsonrpc_session_reset_backoff(s: *mut jsonrpc_session) {
    // SAFETY: the caller passes a live session.
    unsafe { with_s_mut("jsonrpc_session_reset_backoff", s, |s| s.reset_backoff()) }
}

/// Sets the maximum backoff between connection attempts, in milliseconds.
#[no_mangle]
pub unsafe extern "C" fn jsonrpc_session_set_max_backoff(
    s: *mut jsonrpc_session,
    max_backoff: c_int,
) {
    // SAFETY: the caller passes a live session.
    unsafe {
        with_s_mut("jsonrpc_session_set_max_backoff", s, |s| {
            s.set_max_backoff(max_backoff)
        })
    }
}

/// Sets the idle time before an inactivity probe, in milliseconds (0: no
/// probes).
#[no_mangle]
pub unsafe extern "C" fn jsonrpc_session_set_probe_interval(
    s: *mut jsonrpc_session,
    probe_interval: c_int,
) {
    // SAFETY: the caller passes a live session.
    unsafe {
        with_s_mut("jsonrpc_session_set_probe_interval", s, |s| {
            s.set_probe_interval(probe_interval)
        })
    }
}

/// Sets the DSCP value of the connection's packets; a change reconnects.
#[no_mangle]
pub unsafe extern "C" fn jsonrpc_session_set_dscp(s: *mut jsonrpc_session, dscp: u8) {
    // SAFETY: the caller passes a live session.
    unsafe { with_s_mut("jsonrpc_session_set_dscp", s, |s| s.set_dscp(dscp)) }
}

/// Makes a connection fail with `E2BIG` once more than `max_n_msgs`
/// messages or `max_backlog_bytes` bytes are queued (0: no limit).
#[no_mangle]
pub unsafe extern "C" fn jsonrpc_session_set_backlog_threshold(
    s: *mut jsonrpc_session,
    max_n_msgs: usize,
    max_backlog_bytes: usize,
) {
    // SAFETY: the caller passes a live session.
    unsafe {
        with_s_mut("jsonrpc_session_set_backlog_threshold", s, |s| {
            s.set_backlog_threshold(max_n_msgs, max_backlog_bytes)
        })
    }
}

/// Applies `options` (maximum backoff, probe interval, DSCP) at once.
#[no_mangle]
pub unsafe extern "C" fn jsonrpc_session_set_options(
    s: *mut jsonrpc_session,
    options: *const jsonrpc_session_options,
) {
    boundary("jsonrpc_session_set_options", || {
        // SAFETY: the caller passes a live session and options.
        let (s, o) = unsafe { (obj_mut(s), obj(options)) };
        s.inner.set_options(&SessionOptions {
            max_backoff: o.max_backoff,
            probe_interval: o.probe_interval,
            dscp: o.dscp,
        });
    })
}

/// Returns the peer's identity (an ssl peer's certificate name), or NULL.
/// The string belongs to the session.
#[no_mangle]
pub unsafe extern "C" fn jsonrpc_session_get_id(s: *const jsonrpc_session) -> *const c_char {
    boundary("jsonrpc_session_get_id", || {
        // SAFETY: the caller passes a live session.
        let s = unsafe { obj(s) };
        let mut cache = s.id.borrow_mut();
        match s.inner.get_id() {
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
