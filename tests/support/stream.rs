//! Raw streams for the tests: connecting, accepting, moving bytes both
//! ways and reading to the end, each driven by the poll loop (never
//! sleeping) through [`drive`](super::drive).

use std::io;

use ovsrpc::stream::{PStream, Stream};

use super::drive;

/// True for `EAGAIN`.
pub fn would_block<T>(r: &io::Result<T>) -> bool {
    matches!(r, Err(e) if e.kind() == io::ErrorKind::WouldBlock)
}

/// The errno of a failed result.
pub fn errno_of<T: std::fmt::Debug>(r: io::Result<T>) -> i32 {
    r.expect_err("expected an error")
        .raw_os_error()
        .expect("expected an errno")
}

/// Drives `s` until its connection attempt finishes; returns the outcome.
pub fn finish_connect(s: &mut Stream) -> io::Result<()> {
    let mut outcome = None;
    let what = format!("{} to connect", s.name());
    drive(&what, || {
        s.run();
        let r = s.connect();
        if !would_block(&r) {
            outcome = Some(r);
            return true;
        }
        s.run_wait();
        s.connect_wait();
        false
    });
    outcome.unwrap()
}

/// Accepts one connection on `l`, driving the poll loop.
pub fn accept(l: &mut PStream) -> Stream {
    let mut accepted = None;
    let what = format!("a connection on {}", l.name());
    drive(&what, || {
        let r = l.accept();
        if !would_block(&r) {
            accepted = Some(r.expect("accept"));
            return true;
        }
        l.wait();
        false
    });
    accepted.unwrap()
}

/// Opens `name` and drives both the new stream's connect and `l`'s accept
/// until both are done. Returns (client, server).
pub fn connect_pair(l: &mut PStream, name: &str) -> (Stream, Stream) {
    let mut client = Stream::open(name, 0).unwrap_or_else(|e| panic!("open {name}: {e}"));
    let mut server = None;
    let what = format!("{name} to connect to {}", l.name());
    drive(&what, || {
        client.run();
        let c = client.connect();
        if server.is_none() {
            let a = l.accept();
            if !would_block(&a) {
                server = Some(a.expect("accept"));
            }
        }
        match c {
            Ok(()) if server.is_some() => return true,
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => client.connect_wait(),
            Err(e) => panic!("connect {name}: {e}"),
        }
        if server.is_none() {
            l.wait();
        }
        client.run_wait();
        false
    });
    (client, server.unwrap())
}

/// Moves `data` from `from` to `to`, interleaving sends and receives so
/// that neither side's buffers need to hold it all. Returns what `to`
/// received.
pub fn transfer(from: &mut Stream, to: &mut Stream, data: &[u8]) -> Vec<u8> {
    let mut sent = 0;
    let mut got = Vec::with_capacity(data.len());
    let mut buf = vec![0u8; 65536];
    let what = format!("{} bytes from {} to {}", data.len(), from.name(), to.name());
    drive(&what, || {
        from.run();
        to.run();
        if sent < data.len() {
            match from.send(&data[sent..]) {
                Ok(n) => {
                    assert!(n > 0, "send returned 0 for a non-empty buffer");
                    sent += n;
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(e) => panic!("send: {e}"),
            }
        }
        match to.recv(&mut buf) {
            Ok(0) => panic!("unexpected EOF after {} bytes", got.len()),
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
            Err(e) => panic!("recv: {e}"),
        }
        if got.len() >= data.len() {
            return true;
        }
        if sent < data.len() {
            from.send_wait();
        }
        to.recv_wait();
        from.run_wait();
        to.run_wait();
        false
    });
    got
}

/// Receives until end of file or an error: `Ok(data)` at EOF, `Err` with
/// the error (and whatever came before is dropped).
pub fn recv_to_end(s: &mut Stream) -> io::Result<Vec<u8>> {
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    let mut end = None;
    let what = format!("EOF on {}", s.name());
    drive(&what, || loop {
        match s.recv(&mut buf) {
            Ok(0) => {
                end = Some(Ok(()));
                return true;
            }
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                s.recv_wait();
                return false;
            }
            Err(e) => {
                end = Some(Err(e));
                return true;
            }
        }
    });
    end.unwrap().map(|()| got)
}

/// A deterministic test pattern of `n` bytes.
pub fn pattern(n: usize, seed: u8) -> Vec<u8> {
    (0..n)
        .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed))
        .collect()
}

/// Opens a TCP listener on an ephemeral loopback port; returns it and the
/// port.
pub fn ptcp_loopback() -> (PStream, u16) {
    let l = PStream::open("ptcp:0:127.0.0.1", 0).expect("ptcp:0:127.0.0.1");
    let port = l.bound_port().expect("bound port");
    (l, port)
}
