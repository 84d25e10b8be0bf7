//! `stream.h`, continued: the helpers around streams that OVS's header also
//! declares (usage text, peer identity, address parsing, content sniffing,
//! and the record/replay hooks, which do nothing here).

use std::ffi::{c_char, c_int, c_void};
use std::net::SocketAddr;

use super::stream::{pstream, stream};
use super::{boundary, c_str, c_string, obj_mut};
use crate::stream::InetTarget;

/// What a stream is expected to carry, for `stream_report_content()`.
#[repr(C)]
pub enum stream_content_type {
    /// Not recognised.
    STREAM_UNKNOWN,
    /// OpenFlow messages.
    STREAM_OPENFLOW,
    /// A TLS handshake.
    STREAM_SSL,
    /// JSON-RPC messages.
    STREAM_JSONRPC,
}

/// An OVS log module (opaque here: the library logs through its own
/// logger).
pub struct vlog_module {
    _private: [u8; 0],
}

/// A `enum stream_content_type` as C passes it, checked before use.
#[repr(transparent)]
pub struct stream_content_type_value(pub c_int);

/// Prints on stdout the stream names a program accepts, for its `--help`:
/// the active ones if `active`, the passive ones if `passive`, then the
/// TLS options (with `--bootstrap-ca-cert` if `bootstrap`). `name` is what
/// the connections are for, e.g. "JSON-RPC".
#[no_mangle]
pub unsafe extern "C" fn stream_usage(
    name: *const c_char,
    active: bool,
    passive: bool,
    bootstrap: bool,
) {
    boundary("stream_usage", || {
        // SAFETY: the caller passes a C string.
        let name = unsafe { c_str(name) }.unwrap_or_default();
        let text = usage_text(&name, active, passive, bootstrap);
        super::c_print(text.as_bytes());
    })
}

/// The text [`stream_usage`] prints.
fn usage_text(name: &str, active: bool, passive: bool, bootstrap: bool) -> String {
    let ssl = cfg!(feature = "ssl");
    let mut t = String::from("\n");
    if active {
        t += &format!("Active {name} connection methods:\n");
        t += "  tcp:HOST:PORT           PORT at remote HOST\n";
        if ssl {
            t += "  ssl:HOST:PORT           SSL PORT at remote HOST\n";
        }
        t += "  unix:FILE               Unix domain socket named FILE\n";
    }
    if passive {
        t += &format!("Passive {name} connection methods:\n");
        t += "  ptcp:PORT[:IP]          listen to TCP PORT on IP\n";
        if ssl {
            t += "  pssl:PORT[:IP]          listen for SSL on PORT on IP\n";
        }
        t += "  punix:FILE              listen on Unix domain socket FILE\n";
    }
    if ssl {
        t += "PKI configuration (required to use SSL):\n";
        t += "  -p, --private-key=FILE  file with private key\n";
        t += "  -c, --certificate=FILE  file with certificate for private key\n";
        t += "  -C, --ca-cert=FILE      file with peer CA certificate\n";
        if bootstrap {
            t += "  --bootstrap-ca-cert=FILE  file with peer CA certificate to read or create\n";
        }
        t += "SSL options:\n";
        t += "  --ssl-protocols=PROTOS  list of SSL protocols to enable\n";
        t += "  --ssl-ciphers=CIPHERS   list of SSL ciphers to enable\n";
        t += "  --ssl-ciphersuites=SUITES  list of TLSv1.3 ciphersuites to enable\n";
        t += "  --ssl-server-name=NAME  server name to send (SNI)\n";
    }
    t
}

/// Sets the identity `stream_get_peer_id()` returns for `stream` (a copy
/// of `peer_id`; NULL forgets it).
#[no_mangle]
pub unsafe extern "C" fn stream_set_peer_id(stream: *mut stream, peer_id: *const c_char) {
    boundary("stream_set_peer_id", || {
        // SAFETY: the caller passes a live stream and a C string or NULL.
        let (s, id) = unsafe { (obj_mut(stream), c_str(peer_id)) };
        s.peer_id_set = id.map(|id| c_string(&id));
    })
}

/// Parses the address of a "tcp:" or "ssl:" `target`, with `default_port`
/// when it has none, into `*ss` (a `struct sockaddr_storage`). Returns
/// false for other names, malformed ones, and host names: OVS resolves
/// those in the background and returns false until the answer is in; this
/// library resolves them only when connecting, so here they stay false.
#[no_mangle]
pub unsafe extern "C" fn stream_parse_target_with_default_port(
    target: *const c_char,
    default_port: c_int,
    ss: *mut libc::sockaddr_storage,
) -> bool {
    boundary("stream_parse_target_with_default_port", || {
        // SAFETY: the caller passes a C string.
        let Some(target) = (unsafe { c_str(target) }) else {
            return false;
        };
        let Ok(port) = u16::try_from(default_port) else {
            return false;
        };
        match crate::stream::parse_target_with_default_port(&target, port) {
            Some(InetTarget::Addr(addr)) => {
                // SAFETY: the caller passes a writable sockaddr_storage.
                unsafe { write_sockaddr(obj_mut(ss), addr) };
                true
            }
            _ => false,
        }
    })
}

/// Stores `addr` in `ss` as the kernel's sockaddr_in or sockaddr_in6.
fn write_sockaddr(ss: &mut libc::sockaddr_storage, addr: SocketAddr) {
    // SAFETY: all-zero bytes are a valid sockaddr_storage.
    *ss = unsafe { std::mem::zeroed() };
    let p = ss as *mut libc::sockaddr_storage;
    match addr {
        SocketAddr::V4(a) => {
            let sin = libc::sockaddr_in {
                sin_family: libc::AF_INET as libc::sa_family_t,
                sin_port: a.port().to_be(),
                sin_addr: libc::in_addr {
                    s_addr: u32::from_ne_bytes(a.ip().octets()),
                },
                sin_zero: [0; 8],
            };
            // SAFETY: sockaddr_storage is large and aligned enough for any
            // socket address.
            unsafe { p.cast::<libc::sockaddr_in>().write(sin) };
        }
        SocketAddr::V6(a) => {
            let sin6 = libc::sockaddr_in6 {
                sin6_family: libc::AF_INET6 as libc::sa_family_t,
                sin6_port: a.port().to_be(),
                sin6_flowinfo: a.flowinfo().to_be(),
                sin6_addr: libc::in6_addr {
                    s6_addr: a.ip().octets(),
                },
                sin6_scope_id: a.scope_id(),
            };
            // SAFETY: as above.
            unsafe { p.cast::<libc::sockaddr_in6>().write(sin6) };
        }
    }
}

/// Looks at the first `size` bytes received on `stream_name` and, if they
/// look like a different protocol than `expected_type`, logs a warning
/// ("NAME: received SSL data on JSON-RPC channel"). The log line goes
/// through the library's logger; `module` (an OVS vlog module) is not used.
#[no_mangle]
pub unsafe extern "C" fn stream_report_content(
    data: *const c_void,
    size: isize,
    expected_type: stream_content_type_value,
    _module: *mut vlog_module,
    stream_name: *const c_char,
) {
    boundary("stream_report_content", || {
        let bytes: &[u8] = if data.is_null() || size <= 0 {
            &[]
        } else {
            // SAFETY: the caller passes `size` readable bytes.
            unsafe { std::slice::from_raw_parts(data.cast(), size as usize) }
        };
        let expected = match expected_type.0 {
            1 => "OpenFlow",
            2 => "SSL",
            3 => "JSON-RPC",
            _ => "unknown",
        };
        match crate::stream::guess_content(bytes) {
            Some(actual) if actual != expected => {
                // SAFETY: the caller passes a C string.
                let name = unsafe { c_str(stream_name) }.unwrap_or_default();
                log::warn!("{name}: received {actual} data on {expected} channel");
            }
            _ => {}
        }
    })
}

/// Does nothing: OVS records a stream's traffic for replay only when run
/// with `--record`, which this library does not offer.
#[no_mangle]
pub extern "C" fn stream_replay_open_wfd(
    _stream: *mut stream,
    _open_result: c_int,
    _name: *const c_char,
) {
}

/// Does nothing (see `stream_replay_open_wfd()`).
#[no_mangle]
pub extern "C" fn pstream_replay_open_wfd(
    _pstream: *mut pstream,
    _listen_result: c_int,
    _name: *const c_char,
) {
}

/// Does nothing (see `stream_replay_open_wfd()`).
#[no_mangle]
pub extern "C" fn stream_replay_close_wfd(_stream: *mut stream) {}

/// Does nothing (see `stream_replay_open_wfd()`).
#[no_mangle]
pub extern "C" fn pstream_replay_close_wfd(_pstream: *mut pstream) {}

/// Does nothing (see `stream_replay_open_wfd()`).
#[no_mangle]
pub extern "C" fn stream_replay_write(
    _stream: *mut stream,
    _buffer: *const c_void,
    _n: c_int,
    _is_read: bool,
) {
}

/// Does nothing (see `stream_replay_open_wfd()`).
#[no_mangle]
pub extern "C" fn pstream_replay_write_accept(
    _pstream: *mut pstream,
    _stream: *const stream,
    _accept_result: c_int,
) {
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usage_lists_what_was_asked() {
        let t = usage_text("JSON-RPC", true, false, false);
        assert!(t.contains("Active JSON-RPC connection methods:"));
        assert!(t.contains("unix:FILE"));
        assert!(!t.contains("Passive"));
        assert!(!t.contains("bootstrap"));
        let t = usage_text("JSON-RPC", false, true, true);
        assert!(t.contains("punix:FILE") && !t.contains("Active"));
        assert_eq!(t.contains("--bootstrap-ca-cert"), cfg!(feature = "ssl"));
    }

    #[test]
    fn parses_ip_targets_only() {
        // SAFETY: all-zero bytes are a valid sockaddr_storage.
        let mut ss: libc::sockaddr_storage = unsafe { std::mem::zeroed() };
        let parse = |t: &str, ss: &mut libc::sockaddr_storage| {
            let t = std::ffi::CString::new(t).unwrap();
            // SAFETY: a valid C string and a writable sockaddr_storage.
            unsafe { stream_parse_target_with_default_port(t.as_ptr(), 6640, ss) }
        };
        assert!(parse("tcp:127.0.0.1", &mut ss));
        // SAFETY: it was written as a sockaddr_in.
        let sin = unsafe { *(&ss as *const _ as *const libc::sockaddr_in) };
        assert_eq!(sin.sin_family as i32, libc::AF_INET);
        assert_eq!(u16::from_be(sin.sin_port), 6640);
        assert_eq!(sin.sin_addr.s_addr.to_ne_bytes(), [127, 0, 0, 1]);
        assert!(parse("ssl:[::1]:6641", &mut ss));
        // SAFETY: it was written as a sockaddr_in6.
        let sin6 = unsafe { *(&ss as *const _ as *const libc::sockaddr_in6) };
        assert_eq!(sin6.sin6_family as i32, libc::AF_INET6);
        assert_eq!(u16::from_be(sin6.sin6_port), 6641);
        assert!(!parse("unix:/tmp/x", &mut ss));
        assert!(!parse("tcp:localhost:1", &mut ss));
        assert!(!parse("tcp:127.0.0.1:99999", &mut ss));
    }
}
