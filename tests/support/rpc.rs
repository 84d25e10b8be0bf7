//! JSON-RPC connections for the tests: connected pairs on loopback, waits
//! on one connection, a raw peer's writes, and a stream class that counts
//! the calls reaching the socket.

use std::io;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use ovsrpc::jsonrpc::{Jsonrpc, Msg};
use ovsrpc::stream::{PStream, Stream, StreamClass, StreamWait};
use ovsrpc::Error;

use super::stream::accept;
use super::{drive, DEADLINE_MS};

/// A connected Unix socket pair through a `punix:` listener in `dir`:
/// (client, server).
pub fn unix_pair(dir: &std::path::Path) -> (Stream, Stream) {
    let path = dir.join(format!("s{}.sock", fastrand::u32(..)));
    let mut listener = PStream::open(&format!("punix:{}", path.display()), 0).expect("punix");
    let client = Stream::open_block(
        Stream::open(&format!("unix:{}", path.display()), 0),
        DEADLINE_MS,
    )
    .expect("unix connect");
    let server = accept(&mut listener);
    (client, server)
}

/// A connected TCP pair on 127.0.0.1: (client, server).
pub fn tcp_pair() -> (Stream, Stream) {
    let mut listener = PStream::open("ptcp:0:127.0.0.1", 0).expect("ptcp");
    let port = listener.bound_port().expect("bound port");
    let client = Stream::open_block(
        Stream::open(&format!("tcp:127.0.0.1:{port}"), 0),
        DEADLINE_MS,
    )
    .expect("tcp connect");
    let server = accept(&mut listener);
    (client, server)
}

/// Runs a main loop over `rpcs` until `done` holds: each pass runs every
/// connection, calls `step` (which may receive and send), then waits.
pub fn drive_rpcs(rpcs: &mut [&mut Jsonrpc], mut step: impl FnMut(&mut [&mut Jsonrpc]) -> bool) {
    drive("the connections' step to hold", || {
        for rpc in rpcs.iter_mut() {
            rpc.run();
        }
        if step(rpcs) {
            return true;
        }
        for rpc in rpcs.iter() {
            rpc.wait();
            rpc.recv_wait();
        }
        false
    });
}

/// Receives one message, flushing output meanwhile. Errors other than
/// `EAGAIN` are returned.
pub fn recv_within(rpc: &mut Jsonrpc) -> Result<Msg, Error> {
    let mut result = None;
    drive("a message or an error", || {
        match rpc.recv() {
            Err(e) if e.is_again() => {}
            other => {
                result = Some(other);
                return true;
            }
        }
        rpc.run();
        rpc.wait();
        rpc.recv_wait();
        false
    });
    result.unwrap()
}

/// Writes all of `bytes` to a raw stream (a peer that speaks bytes, not
/// messages).
pub fn write_all(stream: &mut Stream, bytes: &[u8]) {
    let mut sent = 0;
    drive("a raw write to finish", || {
        while sent < bytes.len() {
            match stream.send(&bytes[sent..]) {
                Ok(n) => sent += n,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    stream.send_wait();
                    return false;
                }
                Err(e) => panic!("send: {e}"),
            }
        }
        true
    });
}

/// A stream class that passes everything to an inner stream and counts
/// the `send` and `recv` calls that reach it (and so the system calls).
pub struct Counting {
    inner: Stream,
    /// `send` calls so far.
    pub sends: Arc<AtomicUsize>,
    /// `recv` calls so far.
    pub recvs: Arc<AtomicUsize>,
}

/// Wraps `inner` so that its calls are counted; returns the wrapped stream
/// and the (sends, recvs) counters.
pub fn counting(inner: Stream) -> (Stream, Arc<AtomicUsize>, Arc<AtomicUsize>) {
    let sends = Arc::new(AtomicUsize::new(0));
    let recvs = Arc::new(AtomicUsize::new(0));
    let name = inner.name().to_string();
    let class = Counting {
        inner,
        sends: sends.clone(),
        recvs: recvs.clone(),
    };
    (
        Stream::from_class(&name, Box::new(class), Ok(())),
        sends,
        recvs,
    )
}

impl StreamClass for Counting {
    fn connect(&mut self) -> io::Result<()> {
        self.inner.connect()
    }

    fn recv(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.recvs.fetch_add(1, Ordering::Relaxed);
        self.inner.recv(buf)
    }

    fn send(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.sends.fetch_add(1, Ordering::Relaxed);
        self.inner.send(buf)
    }

    fn wait(&self, wait: StreamWait) {
        self.inner.wait(wait)
    }

    fn set_dscp(&mut self, dscp: u8) -> io::Result<()> {
        self.inner.set_dscp(dscp)
    }
}
