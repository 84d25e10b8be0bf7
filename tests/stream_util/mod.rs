//! Helpers shared by the stream tests: drive the poll loop until something
//! holds (never sleeping), with a generous deadline.
#![allow(dead_code)]

use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

use ovsrpc::poll_loop;
use ovsrpc::stream::{PStream, Stream};
use ovsrpc::timeval::time_msec;

/// How long any single scenario may take before the test fails.
pub const DEADLINE_MS: i64 = 10_000;

/// A point in time after which a test gives up.
pub struct Deadline {
    when: i64,
    what: String,
}

impl Deadline {
    /// A deadline [`DEADLINE_MS`] from now, for waiting on `what`.
    pub fn new(what: &str) -> Deadline {
        Deadline {
            when: time_msec() + DEADLINE_MS,
            what: what.to_string(),
        }
    }

    /// Fails the test if the deadline has passed.
    pub fn check(&self) {
        assert!(
            time_msec() <= self.when,
            "timed out after {DEADLINE_MS} ms waiting for {}",
            self.what
        );
    }

    /// Registers the deadline with the poll loop, blocks, then checks it.
    pub fn block(&self) {
        poll_loop::timer_wait_until(self.when);
        poll_loop::block();
        self.check();
    }
}

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
    let d = Deadline::new(&format!("{} to connect", s.name()));
    loop {
        s.run();
        let r = s.connect();
        if !would_block(&r) {
            return r;
        }
        s.run_wait();
        s.connect_wait();
        d.block();
    }
}

/// Accepts one connection on `l`, driving the poll loop.
pub fn accept(l: &mut PStream) -> Stream {
    let d = Deadline::new(&format!("a connection on {}", l.name()));
    loop {
        let r = l.accept();
        if !would_block(&r) {
            return r.expect("accept");
        }
        l.wait();
        d.block();
    }
}

/// Opens `name` and drives both the new stream's connect and `l`'s accept
/// until both are done. Returns (client, server).
pub fn connect_pair(l: &mut PStream, name: &str) -> (Stream, Stream) {
    let mut client = Stream::open(name, 0).unwrap_or_else(|e| panic!("open {name}: {e}"));
    let mut server = None;
    let d = Deadline::new(&format!("{name} to connect to {}", l.name()));
    loop {
        client.run();
        let c = client.connect();
        if server.is_none() {
            let a = l.accept();
            if !would_block(&a) {
                server = Some(a.expect("accept"));
            }
        }
        match c {
            Ok(()) if server.is_some() => break,
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => client.connect_wait(),
            Err(e) => panic!("connect {name}: {e}"),
        }
        if server.is_none() {
            l.wait();
        }
        client.run_wait();
        d.block();
    }
    (client, server.unwrap())
}

/// Moves `data` from `from` to `to`, interleaving sends and receives so
/// that neither side's buffers need to hold it all. Returns what `to`
/// received.
pub fn transfer(from: &mut Stream, to: &mut Stream, data: &[u8]) -> Vec<u8> {
    let mut sent = 0;
    let mut got = Vec::with_capacity(data.len());
    let mut buf = vec![0u8; 65536];
    let d = Deadline::new(&format!(
        "{} bytes from {} to {}",
        data.len(),
        from.name(),
        to.name()
    ));
    while got.len() < data.len() {
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
            break;
        }
        if sent < data.len() {
            from.send_wait();
        }
        to.recv_wait();
        from.run_wait();
        to.run_wait();
        d.block();
    }
    got
}

/// Receives until end of file or an error: `Ok(data)` at EOF, `Err` with
/// the error (and whatever came before is dropped).
pub fn recv_to_end(s: &mut Stream) -> io::Result<Vec<u8>> {
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    let d = Deadline::new(&format!("EOF on {}", s.name()));
    loop {
        match s.recv(&mut buf) {
            Ok(0) => return Ok(got),
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                s.recv_wait();
                d.block();
            }
            Err(e) => return Err(e),
        }
    }
}

/// A deterministic test pattern of `n` bytes.
pub fn pattern(n: usize, seed: u8) -> Vec<u8> {
    (0..n)
        .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed))
        .collect()
}

/// A fresh directory under the system temp dir, removed on drop.
pub struct TempDir(PathBuf);

impl TempDir {
    /// Creates `$TMPDIR/ovsrpc-<tag>-<pid>-<n>`.
    pub fn new(tag: &str) -> TempDir {
        static N: AtomicU32 = AtomicU32::new(0);
        let path = std::env::temp_dir().join(format!(
            "ovsrpc-{tag}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).expect("create temp dir");
        TempDir(path)
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        &self.0
    }

    /// `name` inside the directory, as a string.
    pub fn file(&self, name: &str) -> String {
        self.0
            .join(name)
            .to_str()
            .expect("utf-8 temp path")
            .to_string()
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Whether `::1` can be bound. Without it the IPv6 tests are skipped with a
/// loud message, except under CI (`CI=true`), where that is a failure.
pub fn ipv6_available(test: &str) -> bool {
    match std::net::TcpListener::bind("[::1]:0") {
        Ok(_) => true,
        Err(e) => {
            let ci = std::env::var("CI").map(|v| v == "true").unwrap_or(false);
            assert!(!ci, "{test}: ::1 is not usable ({e}) and CI=true: failing");
            eprintln!("########## {test}: SKIPPED: ::1 is not usable here ({e}) ##########");
            false
        }
    }
}

/// Opens a TCP listener on an ephemeral loopback port; returns it and the
/// port.
pub fn ptcp_loopback() -> (PStream, u16) {
    let l = PStream::open("ptcp:0:127.0.0.1", 0).expect("ptcp:0:127.0.0.1");
    let port = l.bound_port().expect("bound port");
    (l, port)
}
