//! Sending to a peer that has gone away reports an error instead of killing
//! the process with SIGPIPE. This test binary restores SIGPIPE's default
//! action (Rust programs normally ignore it), so a send without
//! `MSG_NOSIGNAL` would kill it.

mod support;

use std::io::{self, IoSlice};

use ovsrpc::stream::{PStream, Stream};
use support::stream::*;
use support::{Deadline, TempDir};

fn restore_default_sigpipe() {
    // SAFETY: signal() with SIG_DFL installs no handler code; it only
    // changes the disposition of SIGPIPE for this test process.
    let old = unsafe { libc::signal(libc::SIGPIPE, libc::SIG_DFL) };
    assert_ne!(old, libc::SIG_ERR);
}

/// Sends to `s` (whose peer is closed) until the send fails; returns the
/// errno. Bounded by the deadline and an iteration count.
fn send_until_error(s: &mut Stream, vectored: bool) -> i32 {
    let d = Deadline::new(&format!("a send error on {}", s.name()));
    for _ in 0..100_000 {
        let r = if vectored {
            s.send_vectored(&[IoSlice::new(b"a"), IoSlice::new(b"b")])
        } else {
            s.send(b"ab")
        };
        match r {
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
            Err(e) => return e.raw_os_error().expect("errno"),
        }
        s.send_wait();
        d.block();
    }
    panic!("sends to a closed peer kept succeeding");
}

#[test]
fn sends_to_a_closed_peer_fail_with_epipe_not_sigpipe() {
    restore_default_sigpipe();
    let dir = TempDir::new("sigpipe");
    let (mut tl, port) = ptcp_loopback();
    let mut ul = PStream::open(&format!("punix:{}", dir.file("s")), 0).unwrap();
    for vectored in [false, true] {
        for (l, name) in [
            (&mut tl, format!("tcp:127.0.0.1:{port}")),
            (&mut ul, format!("unix:{}", dir.file("s"))),
        ] {
            let (mut client, server) = connect_pair(l, &name);
            drop(server);
            let errno = send_until_error(&mut client, vectored);
            assert!(
                errno == libc::EPIPE || errno == libc::ECONNRESET,
                "{name}: unexpected errno {errno}"
            );
        }
    }
}
