//! Input memory of a connection: nothing between messages, only the bytes
//! a read brought beyond a message while they wait.

use std::io::Write;
use std::os::unix::net::UnixStream;

use super::*;
use crate::json::Json;
use crate::timeval::time_msec;

/// Receives on `rpc` until something other than `EAGAIN` comes, driving
/// the poll loop, for at most a generous minute.
fn recv_next(rpc: &mut Jsonrpc) -> Result<Msg> {
    let deadline = time_msec() + 60_000;
    loop {
        match rpc.recv() {
            Err(e) if e.is_again() => {}
            other => return other,
        }
        assert!(time_msec() < deadline, "no message in time");
        rpc.recv_wait();
        poll_loop::timer_wait_until(deadline);
        poll_loop::block();
    }
}

/// Receives until `EAGAIN` comes (the input is drained).
fn drain_again(rpc: &mut Jsonrpc) {
    match rpc.recv() {
        Err(e) if e.is_again() => {}
        other => panic!("expected EAGAIN, got {other:?}"),
    }
}

#[test]
fn idle_connection_holds_no_input_memory() {
    let dir = std::env::temp_dir().join(format!("ovsrpc-conn-mem-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("s.sock");
    let mut pstream = PStream::open(&format!("punix:{}", path.display()), 0).unwrap();
    let mut peer = UnixStream::connect(&path).unwrap();
    let stream = pstream.accept().expect("accept");
    let mut rpc = Jsonrpc::open(stream);

    // Two messages in one write: the second waits in the connection, as
    // just its bytes.
    let second = br#"{"id":2,"method":"echo","params":["b"]}"#;
    peer.write_all(br#"{"id":1,"method":"echo","params":["a"]}"#)
        .unwrap();
    peer.write_all(second).unwrap();
    let m1 = recv_next(&mut rpc).unwrap();
    assert_eq!(m1.id, Some(Json::from(1)));
    assert_eq!(rpc.pending.len() - rpc.pending_start, second.len());
    assert!(!rpc.parser.holds_memory());
    assert!(rpc.is_receiving());
    let m2 = recv_next(&mut rpc).unwrap();
    assert_eq!(m2.id, Some(Json::from(2)));
    assert_eq!(rpc.pending.capacity(), 0, "kept bytes released once parsed");
    assert!(!rpc.parser.holds_memory());

    // Half a message: the parser keeps its stacks until the rest comes.
    peer.write_all(br#"{"id":3,"method":"echo","par"#).unwrap();
    let deadline = time_msec() + 60_000;
    loop {
        drain_again(&mut rpc);
        if rpc.parser.holds_memory() {
            break;
        }
        assert!(time_msec() < deadline, "half message not read in time");
        rpc.recv_wait();
        poll_loop::timer_wait_until(deadline);
        poll_loop::block();
    }
    assert_eq!(rpc.pending.capacity(), 0);
    peer.write_all(br#"ams":[{"c":[1,2]}]}"#).unwrap();
    let m3 = recv_next(&mut rpc).unwrap();
    assert_eq!(m3.id, Some(Json::from(3)));
    assert_eq!(rpc.pending.capacity(), 0);
    assert!(!rpc.parser.holds_memory());
    assert!(!rpc.is_receiving());
    drain_again(&mut rpc);
    drop(rpc);
    let _ = std::fs::remove_dir_all(&dir);
}
