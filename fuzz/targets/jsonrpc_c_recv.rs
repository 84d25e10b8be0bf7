//! Fuzzes the C API's receive path: a C connection (`jsonrpc_open()` over
//! a `unix:` stream opened with `stream_open()`, the peer a Unix socket in
//! the temporary directory that writes the input in random chunk sizes)
//! read with `jsonrpc_recv()` until `EAGAIN` after each chunk must deliver
//! exactly the messages that a whole-input parse followed by
//! `Msg::from_json` gives, in order, then fail with `EPROTO` at the first
//! bad one or report `EOF` at the end of the input. The C decoder builds a
//! message straight from the top-level members, or an object first when a
//! member is none a message has; either way each message's type, method
//! and members (serialized by `json_to_string()` with sorted members) are
//! those of the Rust message, `jsonrpc_msg_is_valid()` accepts it, and it
//! is freed with `jsonrpc_msg_destroy()` (a leak shows under a leak
//! checker, a double free crashes).
//!
//! Input layout: byte 0 picks how what is left after the last chunk (the
//! peer having closed) is read: even, `jsonrpc_recv()` again on `EAGAIN`;
//! odd, `jsonrpc_recv_block()`. Byte 1 gives the number `k` (0..=15) of
//! chunk-size bytes that follow; the rest is what the peer sends, in
//! chunks of those sizes in turn (byte by byte when none are given). The
//! C connection has no maximum message size to set (OVS's has none), so
//! inputs of the `jsonrpc_msg` target read the same here apart from byte 0.
//!
//! The body of the `jsonrpc_c_recv` fuzz target ([`run`]), shared by the
//! fuzz crate (fuzz/fuzz_targets/jsonrpc_c_recv.rs) and by
//! tests/fuzz_corpus.rs, which replays the corpus through it under
//! `cargo test`.

#[path = "common.rs"]
mod common;

use common::{c_json_text, free_c_string, JSSF_SORT};

use std::ffi::{c_int, CStr, CString};
use std::io::Write;
use std::net::Shutdown;
use std::os::unix::net::{UnixListener, UnixStream};
use std::ptr;
use std::sync::atomic::{AtomicU64, Ordering};

use ovsrpc::capi::json::json;
use ovsrpc::capi::jsonrpc::{
    jsonrpc, jsonrpc_close, jsonrpc_get_received_bytes, jsonrpc_get_status, jsonrpc_open,
    jsonrpc_recv, jsonrpc_recv_block,
};
use ovsrpc::capi::jsonrpc_msg::{jsonrpc_msg, jsonrpc_msg_destroy, jsonrpc_msg_is_valid};
use ovsrpc::capi::stream::{stream, stream_open, stream_open_block};
use ovsrpc::json::{Json, SerializeOptions};
use ovsrpc::jsonrpc::Msg;
use ovsrpc::Error;

/// A received message as text: its type (OVS's number), its method, and
/// each member serialized with sorted members (`None` where absent).
#[derive(Debug, PartialEq)]
struct Fields {
    msg_type: c_int,
    method: Option<String>,
    params: Option<String>,
    result: Option<String>,
    error: Option<String>,
    id: Option<String>,
}

impl Fields {
    fn of_rust(m: &Msg) -> Fields {
        let text = |j: &Option<Json>| {
            j.as_ref()
                .map(|j| j.to_string_with(SerializeOptions::SORTED))
        };
        Fields {
            msg_type: m.msg_type as c_int,
            method: m.method.clone(),
            params: text(&m.params),
            result: text(&m.result),
            error: text(&m.error),
            id: text(&m.id),
        }
    }

    /// Reads a C message (taking it over: it is checked, read, then freed
    /// with `jsonrpc_msg_destroy()`).
    fn of_c(m: *mut jsonrpc_msg) -> Fields {
        assert!(!m.is_null(), "jsonrpc_recv() returned 0 and no message");
        // SAFETY: `m` is a live message the C API handed over, freed once
        // below; its members are NULL or live nodes, its method NULL or a
        // C string; the strings json_to_string() returns are freed once.
        unsafe {
            let invalid = jsonrpc_msg_is_valid(m);
            let why = (!invalid.is_null())
                .then(|| CStr::from_ptr(invalid).to_string_lossy().into_owned());
            if !invalid.is_null() {
                free_c_string(invalid);
            }
            let text = |j: *mut json| (!j.is_null()).then(|| c_json_text(j, JSSF_SORT));
            let m_ref = &*m;
            let fields = Fields {
                msg_type: m_ref.type_.0,
                method: (!m_ref.method.is_null()).then(|| {
                    CStr::from_ptr(m_ref.method)
                        .to_str()
                        .expect("UTF-8")
                        .to_string()
                }),
                params: text(m_ref.params),
                result: text(m_ref.result),
                error: text(m_ref.error),
                id: text(m_ref.id),
            };
            jsonrpc_msg_destroy(m);
            assert_eq!(why, None, "a received message is invalid: {fields:?}");
            fields
        }
    }
}

/// Names of the listening sockets, one per connection made by this
/// process.
static SOCKETS: AtomicU64 = AtomicU64::new(0);

/// A C connection over a `unix:` stream, and the peer's end of it.
fn connect() -> (*mut jsonrpc, UnixStream) {
    let path = std::env::temp_dir().join(format!(
        "ovsrpc-fuzz-recv-{}-{}.sock",
        std::process::id(),
        SOCKETS.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_file(&path);
    let listener = UnixListener::bind(&path).expect("bind the peer's socket");
    let name = CString::new(format!("unix:{}", path.display())).expect("no NUL");
    let mut s: *mut stream = ptr::null_mut();
    // SAFETY: a C string and a writable stream pointer; the stream, once
    // connected, is handed to jsonrpc_open().
    let error = unsafe { stream_open_block(stream_open(name.as_ptr(), &mut s, 0), -1, &mut s) };
    let accepted = (error == 0).then(|| listener.accept());
    let _ = std::fs::remove_file(&path);
    assert_eq!(error, 0, "stream_open(\"{}\")", path.display());
    let (peer, _) = accepted.expect("connected").expect("accept the connection");
    // SAFETY: a connected stream, given up to the connection.
    let rpc = unsafe { jsonrpc_open(s) };
    assert!(!rpc.is_null());
    (rpc, peer)
}

/// Receives with `jsonrpc_recv()` until it says `EAGAIN` or fails,
/// collecting the messages; returns that `EAGAIN` or error.
fn drain(rpc: *mut jsonrpc, got: &mut Vec<Fields>) -> c_int {
    loop {
        let mut m: *mut jsonrpc_msg = ptr::null_mut();
        // SAFETY: a live connection and a writable message pointer.
        let error = unsafe { jsonrpc_recv(rpc, &mut m) };
        if error != 0 {
            assert!(m.is_null(), "jsonrpc_recv() failed with a message");
            return error;
        }
        got.push(Fields::of_c(m));
    }
}

/// Checks one input; panics when a property does not hold.
pub fn run(data: &[u8]) {
    if data.len() < 2 {
        return;
    }
    let block = data[0] % 2 == 1;
    let (sizes, input) = common::chunk_sizes(&data[1..]);
    let again = Error::EAGAIN.errno();

    let (rpc, mut peer) = connect();
    let mut got = Vec::new();
    let mut status = again;
    for piece in common::pieces(input, &sizes) {
        peer.write_all(piece).expect("write to the C connection");
        status = drain(rpc, &mut got);
        if status != again {
            break;
        }
    }
    if status == again {
        peer.shutdown(Shutdown::Write).expect("shutdown");
        // Once the peer has closed, a call says `EAGAIN` only when it
        // used up its reads; one call per byte left is more than enough.
        for _ in 0..=input.len() + 2 {
            status = if block {
                let mut m: *mut jsonrpc_msg = ptr::null_mut();
                // SAFETY: a live connection and a writable message pointer.
                match unsafe { jsonrpc_recv_block(rpc, &mut m) } {
                    0 => {
                        got.push(Fields::of_c(m));
                        again
                    }
                    error => {
                        assert!(m.is_null(), "jsonrpc_recv_block() failed with a message");
                        error
                    }
                }
            } else {
                drain(rpc, &mut got)
            };
            if status != again {
                break;
            }
        }
        assert_ne!(status, again, "the connection never saw the end");
    }

    // SAFETY: a live connection and a writable message pointer; the
    // connection is closed once, and not used afterwards.
    let (status_after, received, recv_after) = unsafe {
        let mut m: *mut jsonrpc_msg = ptr::null_mut();
        let recv_after = jsonrpc_recv(rpc, &mut m);
        assert!(m.is_null(), "a message after the connection ended");
        let ended = (
            jsonrpc_get_status(rpc),
            jsonrpc_get_received_bytes(rpc),
            recv_after,
        );
        jsonrpc_close(rpc);
        ended
    };
    assert_eq!(status_after, status, "jsonrpc_get_status()");
    assert_eq!(recv_after, status, "jsonrpc_recv() after the end");
    if status == Error::EOF.errno() {
        assert_eq!(
            received,
            input.len() as u32,
            "EOF before all input was read"
        );
    } else {
        assert!(u64::from(received) <= input.len() as u64);
    }

    let (want, want_status) = common::reference_msgs(input, None);
    let want: Vec<Fields> = want.iter().map(Fields::of_rust).collect();
    assert_eq!(got, want, "the C connection and the whole parse disagree");
    assert_eq!(status, want_status, "the C connection ended otherwise");
}
