//! Helpers shared by the JSON-RPC integration tests: socket pairs on
//! loopback, a log capture per thread, and waits driven by the poll loop
//! with a deadline (never sleeps).
#![allow(dead_code)]

use std::cell::{Cell, RefCell};
use std::io;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Once};

use log::{Level, LevelFilter, Log, Metadata, Record};
use ovsrpc::jsonrpc::{Jsonrpc, Msg};
use ovsrpc::poll_loop;
use ovsrpc::stream::{PStream, Stream, StreamClass, StreamWait};
use ovsrpc::timeval::time_msec;
use ovsrpc::Error;

/// How long any single wait in a test may take before it counts as a hang.
pub const DEADLINE_MS: i64 = 30_000;

thread_local! {
    static CAPTURED: RefCell<Vec<(Level, String)>> = const { RefCell::new(Vec::new()) };
    static DEBUG: Cell<bool> = const { Cell::new(false) };
}

/// Captures log records per thread (each test runs on its own thread).
/// Debug records are kept only on threads that asked with
/// [`capture_debug`], so big messages are not formatted for nothing.
struct Capture;

impl Log for Capture {
    fn enabled(&self, metadata: &Metadata) -> bool {
        metadata.level() <= Level::Info || DEBUG.with(Cell::get)
    }

    fn log(&self, record: &Record) {
        if !self.enabled(record.metadata()) {
            return;
        }
        let text = record.args().to_string();
        if std::env::var_os("TEST_LOG").is_some() {
            eprintln!("[{}] {}", record.level(), text);
        }
        CAPTURED.with(|c| c.borrow_mut().push((record.level(), text)));
    }

    fn flush(&self) {}
}

/// Installs the capturing logger (once per process).
pub fn init_logging() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let _ = log::set_logger(&Capture);
        log::set_max_level(LevelFilter::Debug);
    });
}

/// Keeps debug records on this thread too.
pub fn capture_debug(on: bool) {
    init_logging();
    DEBUG.with(|d| d.set(on));
}

/// Takes the records logged on this thread so far.
pub fn take_logs() -> Vec<(Level, String)> {
    CAPTURED.with(|c| std::mem::take(&mut *c.borrow_mut()))
}

/// The messages of the records at `level` logged on this thread so far
/// (the records are consumed).
pub fn take_logs_at(level: Level) -> Vec<String> {
    take_logs()
        .into_iter()
        .filter(|(l, _)| *l == level)
        .map(|(_, m)| m)
        .collect()
}

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
    let server = accept_within(&mut listener);
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
    let server = accept_within(&mut listener);
    (client, server)
}

/// Accepts one connection, waiting at most [`DEADLINE_MS`].
pub fn accept_within(listener: &mut PStream) -> Stream {
    let deadline = time_msec() + DEADLINE_MS;
    loop {
        match listener.accept() {
            Ok(s) => return s,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
            Err(e) => panic!("accept: {e}"),
        }
        assert!(time_msec() < deadline, "accept timed out");
        listener.wait();
        poll_loop::timer_wait_until(deadline);
        poll_loop::block();
    }
}

/// Runs a main loop over `rpcs` until `done` holds: each pass runs every
/// connection, calls `step` (which may receive and send), then waits.
/// Panics after [`DEADLINE_MS`].
pub fn drive(rpcs: &mut [&mut Jsonrpc], mut step: impl FnMut(&mut [&mut Jsonrpc]) -> bool) {
    let deadline = time_msec() + DEADLINE_MS;
    loop {
        for rpc in rpcs.iter_mut() {
            rpc.run();
        }
        if step(rpcs) {
            return;
        }
        assert!(time_msec() < deadline, "test loop timed out");
        for rpc in rpcs.iter() {
            rpc.wait();
            rpc.recv_wait();
        }
        poll_loop::timer_wait_until(deadline);
        poll_loop::block();
    }
}

/// Receives one message, flushing output meanwhile; panics after
/// [`DEADLINE_MS`]. Errors other than `EAGAIN` are returned.
pub fn recv_within(rpc: &mut Jsonrpc) -> Result<Msg, Error> {
    let deadline = time_msec() + DEADLINE_MS;
    loop {
        match rpc.recv() {
            Err(e) if e.is_again() => {}
            other => return other,
        }
        assert!(time_msec() < deadline, "recv timed out");
        rpc.run();
        rpc.wait();
        rpc.recv_wait();
        poll_loop::timer_wait_until(deadline);
        poll_loop::block();
    }
}

/// Writes all of `bytes` to a raw stream (a peer that speaks bytes, not
/// messages); panics after [`DEADLINE_MS`].
pub fn write_all(stream: &mut Stream, bytes: &[u8]) {
    let deadline = time_msec() + DEADLINE_MS;
    let mut sent = 0;
    while sent < bytes.len() {
        match stream.send(&bytes[sent..]) {
            Ok(n) => sent += n,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                assert!(time_msec() < deadline, "write timed out");
                stream.send_wait();
                poll_loop::timer_wait_until(deadline);
                poll_loop::block();
            }
            Err(e) => panic!("send: {e}"),
        }
    }
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
