//! Hostile input, size: a peer announces a string and never ends it (it
//! would send 1 GiB). The receiver's memory stays bounded by its maximum
//! message size: past it the connection fails with EPROTO and a log line,
//! after delivering what came before. One test in its own binary, so that
//! this process's peak RSS measures the receiver alone.

mod support;

use std::io::Write;
use std::os::unix::net::UnixStream;
use std::sync::mpsc;
use std::thread;

use ovsrpc::json::{self, Json};
use ovsrpc::jsonrpc::{Jsonrpc, Msg, DEFAULT_MAX_MSG_SIZE};
use ovsrpc::stream::PStream;
use ovsrpc::Error;
use support::load::{vm_hwm_kb, vm_rss_kb};
use support::log::{self, logged};

const MIB: usize = 1 << 20;
/// The maximum message size set on the receiver.
const MAX: usize = 8 * MIB;
/// What the peer would send if nobody stopped it.
const ANNOUNCED: u64 = 1 << 30;

#[test]
fn an_endless_string_fails_at_the_maximum_message_size_with_bounded_memory() {
    let _log = log::capture();
    // The default limit is 256 MiB, for connections and parsers alike.
    assert_eq!(DEFAULT_MAX_MSG_SIZE, 256 * MIB);
    assert_eq!(json::Parser::new().max_size(), Some(256 * MIB as u64));

    let dir = support::TempDir::new("hostile-size");
    let path = dir.join("s.sock");
    let mut listener = PStream::open(&format!("punix:{}", path.display()), 0).unwrap();
    let mut peer = UnixStream::connect(&path).unwrap();
    let mut rpc = Jsonrpc::open(listener.accept_block().unwrap());
    rpc.set_max_msg_size(MAX);

    let rss_before = vm_rss_kb(std::process::id());
    let (done_tx, done_rx) = mpsc::channel::<()>();
    let writer = thread::spawn(move || {
        let mut first = Vec::new();
        Msg::create_notify("before", Json::array(vec![1.into()])).write_to(&mut first);
        first.extend_from_slice(br#"{"method":"big","params":[""#);
        peer.write_all(&first).unwrap();
        let chunk = vec![b'a'; 64 * 1024];
        let mut written = 0u64;
        // Bounded: 1 GiB at most, and it stops as soon as the receiver
        // has closed the connection.
        while written < ANNOUNCED {
            if peer.write_all(&chunk).is_err() {
                break;
            }
            written += chunk.len() as u64;
        }
        let _ = done_rx.recv();
        written
    });

    let (msgs, status) =
        support::load::receive_until_failure(&mut rpc, "the endless string to be cut off");
    let name = rpc.name().to_string();
    let received = rpc.received_bytes_total();
    drop(rpc);
    let _ = done_tx.send(());
    let written = writer.join().unwrap();
    let hwm = vm_hwm_kb(std::process::id());

    assert_eq!(msgs.len(), 1, "the message before the string is delivered");
    assert_eq!(msgs[0].method.as_deref(), Some("before"));
    assert_eq!(status, Error::EPROTO.errno());
    let lines = logged(&[
        &name,
        "error parsing stream",
        "input exceeds maximum size 8388608",
    ]);
    assert_eq!(lines.len(), 1, "log: {lines:?}");
    // The receiver read little more than the maximum, and the peer was
    // stopped long before its gigabyte.
    assert!(received <= (MAX + MIB) as u64, "received {received} bytes");
    assert!(written < ANNOUNCED / 8, "peer wrote {written} bytes");
    // Memory: the peak is the partial string (at most MAX, maybe twice in
    // a growing buffer) plus buffers, far below what was announced.
    let growth_kb = hwm.saturating_sub(rss_before);
    eprintln!(
        "endless string: cut at {MAX} bytes; received {received}, peer wrote {written}; \
         peak RSS {hwm} KiB ({growth_kb} KiB above the {rss_before} KiB before)"
    );
    assert!(
        growth_kb < 4 * MAX as u64 / 1024,
        "peak RSS grew by {growth_kb} KiB"
    );
}
