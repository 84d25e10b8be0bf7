//! The load fixture of the reliability tests and the load bench: the
//! `load_server` example as a child process, and a crowd of pipelining
//! client sessions.
//!
//! The server is `target/<profile>/examples/load_server`, which
//! `cargo test` and `cargo bench` build along with the tests (and `make`
//! builds with `cargo build --release --examples`).

use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::io::AsRawFd;
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ovsrpc::json::Json;
use ovsrpc::jsonrpc::{JsonrpcSession, Msg, MsgType};
use ovsrpc::poll_loop;
use ovsrpc::timeval::time_msec;

use super::{drive, example_path, Deadline, DEADLINE_MS};

/// Peak resident set size (VmHWM) of process `pid`, in KiB.
pub fn vm_hwm_kb(pid: u32) -> u64 {
    status_field(pid, "VmHWM:")
}

/// Current resident set size (VmRSS) of process `pid`, in KiB.
pub fn vm_rss_kb(pid: u32) -> u64 {
    status_field(pid, "VmRSS:")
}

fn status_field(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("proc status");
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("status field")
}

/// The `load_server` example running as a child process, killed on drop.
/// Its standard error (its log) is collected line by line by a thread,
/// which also writes one byte per line to a socket that the test's poll
/// loop can wait on ([`LoadServer::log_wait`]).
pub struct LoadServer {
    child: Child,
    /// Its passive name, e.g. `punix:/tmp/.../s.sock`.
    pub listen: String,
    /// The active name clients use, e.g. `unix:/tmp/.../s.sock`.
    pub remote: String,
    args: Vec<String>,
    log: Arc<Mutex<Vec<String>>>,
    log_signal: UnixStream,
}

impl LoadServer {
    /// Starts `load_server ARGS... punix:SOCK` and waits until it says it
    /// is listening.
    pub fn start(sock: &Path, args: &[&str]) -> LoadServer {
        let listen = format!("punix:{}", sock.display());
        let remote = format!("unix:{}", sock.display());
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        let (child, log, log_signal) = LoadServer::spawn(&listen, &args);
        LoadServer {
            child,
            listen,
            remote,
            args,
            log,
            log_signal,
        }
    }

    fn spawn(listen: &str, args: &[String]) -> (Child, Arc<Mutex<Vec<String>>>, UnixStream) {
        let mut child = Command::new(example_path("load_server"))
            .args(args)
            .arg(listen)
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start load_server");
        let log = Arc::new(Mutex::new(Vec::new()));
        let (signal_tx, signal_rx) = UnixStream::pair().expect("socketpair");
        signal_rx.set_nonblocking(true).expect("nonblocking");
        // A full signal socket already says "lines arrived": never block
        // the reader thread on it (that would block the server's log).
        signal_tx.set_nonblocking(true).expect("nonblocking");
        let stderr = child.stderr.take().expect("stderr");
        let sink = Arc::clone(&log);
        std::thread::spawn(move || {
            let mut signal_tx = signal_tx;
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                sink.lock().unwrap().push(line);
                let _ = signal_tx.write_all(b"x");
            }
        });
        // The first line on standard output says it is listening (or the
        // pipe closes because it failed to start). Read by a thread, so
        // that a server that says nothing fails the test instead of
        // hanging it.
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut first = String::new();
            let _ = BufReader::new(stdout).read_line(&mut first);
            let _ = tx.send(first);
        });
        let Ok(first) = rx.recv_timeout(Duration::from_millis(DEADLINE_MS as u64)) else {
            let _ = child.kill();
            let _ = child.wait();
            panic!("load_server said nothing within {DEADLINE_MS} ms");
        };
        assert!(
            first.starts_with("listening on "),
            "load_server did not start: {first:?}, log: {:?}",
            log.lock().unwrap()
        );
        (child, log, signal_rx)
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Its peak resident set size so far, in KiB.
    pub fn vm_hwm_kb(&self) -> u64 {
        vm_hwm_kb(self.pid())
    }

    /// SIGKILLs the server and reaps it.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Starts the server again with the same arguments (after [`kill`](Self::kill)).
    pub fn restart(&mut self) {
        self.kill();
        let (child, log, log_signal) = LoadServer::spawn(&self.listen, &self.args);
        self.child = child;
        self.log = log;
        self.log_signal = log_signal;
    }

    /// True while the process has not exited.
    pub fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// The log lines seen so far.
    pub fn log(&self) -> Vec<String> {
        self.log.lock().unwrap().clone()
    }

    /// How many log lines so far contain `needle`.
    pub fn log_count(&self, needle: &str) -> usize {
        self.log
            .lock()
            .unwrap()
            .iter()
            .filter(|l| l.contains(needle))
            .count()
    }

    /// Makes the next `poll_loop::block` wake when a log line arrives.
    pub fn log_wait(&self) {
        let mut buf = [0u8; 256];
        while matches!((&self.log_signal).read(&mut buf), Ok(n) if n > 0) {}
        poll_loop::fd_wait(self.log_signal.as_raw_fd(), poll_loop::POLLIN);
    }
}

impl Drop for LoadServer {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Runs `s` once and collects what it received.
pub fn run_session(s: &mut JsonrpcSession, inbox: &mut Vec<Msg>) {
    s.run();
    while let Some(m) = s.recv() {
        inbox.push(m);
    }
}

/// Registers `s` with the poll loop.
pub fn wait_session(s: &JsonrpcSession) {
    s.wait();
    s.recv_wait();
}

/// Sends a `stats` request on `s` (once it is connected) and returns the
/// server's counters.
pub fn server_stats(s: &mut JsonrpcSession) -> Json {
    let mut inbox = Vec::new();
    drive("a connection for stats", || {
        run_session(s, &mut inbox);
        wait_session(s);
        s.is_connected()
    });
    let req = Msg::request_with_id("stats", Json::empty_array(), Json::from("stats"));
    s.send(req).expect("send stats");
    let mut result = None;
    drive("stats reply", || {
        run_session(s, &mut inbox);
        for m in inbox.drain(..) {
            if m.id.as_ref().and_then(|i| i.as_str()) == Some("stats") {
                result = m.result.clone();
            }
        }
        wait_session(s);
        result.is_some()
    });
    result.expect("stats result")
}

/// Asks the server for its counters over `s` until it holds `n`
/// connections (a connection made, or closed by its peer, while the server
/// was answering may show only in a later answer).
pub fn wait_server_connections(s: &mut JsonrpcSession, n: i64) {
    let d = Deadline::new(&format!("the server to hold {n} connections"));
    while stat(&server_stats(s), "connections") != n {
        d.check();
    }
}

/// One counter from a `stats` reply.
pub fn stat(stats: &Json, name: &str) -> i64 {
    stats
        .as_object()
        .and_then(|o| o.get(name))
        .and_then(|v| v.as_i64())
        .unwrap_or_else(|| panic!("no {name} in {stats}"))
}

/// A client of the load: one session that pipelines `ping` requests with
/// ids 0, 1, 2, ... and checks that the replies come back exactly once
/// and in order, then sends a final request with id `"end"` whose reply
/// proves nothing was duplicated after the last numbered reply.
pub struct LoadClient {
    /// The session.
    pub session: JsonrpcSession,
    index: i64,
    next_reply: i64,
    n_requests: i64,
    done: bool,
}

impl LoadClient {
    fn new(remote: &str, index: usize) -> LoadClient {
        LoadClient {
            session: JsonrpcSession::open(remote, true),
            index: index as i64,
            next_reply: 0,
            n_requests: 0,
            done: false,
        }
    }

    fn send_all(&mut self, n: usize) {
        self.n_requests = n as i64;
        for seq in 0..self.n_requests {
            let params = Json::array(vec![Json::Integer(self.index), Json::Integer(seq)]);
            let req = Msg::request_with_id("ping", params, Json::Integer(seq));
            self.session.send(req).expect("send request");
        }
    }

    /// Runs the session and checks what arrived; returns the number of
    /// replies taken.
    fn step(&mut self) -> u64 {
        self.session.run();
        let mut n = 0;
        while let Some(m) = self.session.recv() {
            n += 1;
            assert!(
                !self.done,
                "client {}: message after the end: {m}",
                self.index
            );
            assert_eq!(m.msg_type, MsgType::Reply, "client {}: {m}", self.index);
            if self.next_reply == self.n_requests {
                assert_eq!(m.id, Some(Json::from("end")), "client {}: {m}", self.index);
                self.done = true;
                continue;
            }
            assert_eq!(
                m.id,
                Some(Json::Integer(self.next_reply)),
                "client {}: reply out of order or duplicated",
                self.index
            );
            let want = Json::array(vec![
                Json::Integer(self.index),
                Json::Integer(self.next_reply),
            ]);
            assert_eq!(m.result, Some(want), "client {}", self.index);
            self.next_reply += 1;
            if self.next_reply == self.n_requests {
                let end = Msg::request_with_id("ping", Json::empty_array(), Json::from("end"));
                self.session.send(end).expect("send end");
            }
        }
        n
    }
}

/// What a load run measured.
#[derive(Debug)]
pub struct LoadReport {
    /// Concurrent connections.
    pub connections: usize,
    /// Pipelined requests per connection.
    pub requests_per_connection: usize,
    /// Replies received (numbered ones and the final ones).
    pub replies: u64,
    /// Milliseconds to open every connection.
    pub connect_ms: i64,
    /// Milliseconds from the first request sent to the last reply.
    pub run_ms: i64,
    /// The server's `connections` counter once all were open.
    pub server_connections: i64,
}

/// Opens `n_conns` sessions to `remote` (in batches, each taken by the
/// server before the next, so that the listener's accept queue of 64 never
/// overflows), checks that the server holds
/// them all at once, then has each pipeline `n_reqs` requests and waits
/// until every reply is in; see [`LoadClient`] for the checks.
pub fn run_load(remote: &str, n_conns: usize, n_reqs: usize) -> LoadReport {
    const BATCH: usize = 32;
    let start = time_msec();
    let mut clients: Vec<LoadClient> = Vec::with_capacity(n_conns);
    while clients.len() < n_conns {
        let first = clients.len();
        for i in first..(first + BATCH).min(n_conns) {
            clients.push(LoadClient::new(remote, i));
        }
        let batch = &mut clients[first..];
        drive("a batch of clients to connect", || {
            for c in batch.iter_mut() {
                c.step();
                wait_session(&c.session);
            }
            batch.iter().all(|c| c.session.is_connected())
        });
        // Wait until the server has taken them from its accept queue, so
        // that the next batch finds room there.
        let n = clients.len() as i64;
        wait_server_connections(&mut clients[first].session, n);
    }
    let server_connections = stat(&server_stats(&mut clients[0].session), "connections");
    let connect_ms = time_msec() - start;

    let start = time_msec();
    for c in &mut clients {
        c.send_all(n_reqs);
    }
    let mut replies = 0;
    drive("every reply", || {
        for c in clients.iter_mut() {
            replies += c.step();
            wait_session(&c.session);
        }
        clients.iter().all(|c| c.done)
    });
    let run_ms = time_msec() - start;
    for c in &clients {
        assert_eq!(
            c.session.get_seqno(),
            1,
            "client {} reconnected during the load",
            c.index
        );
    }
    LoadReport {
        connections: n_conns,
        requests_per_connection: n_reqs,
        replies,
        connect_ms,
        run_ms,
        server_connections,
    }
}

/// Raises this process's soft limit on open descriptors to at least `n`
/// (up to the hard limit) and returns the new soft limit. Children
/// started afterwards inherit it.
#[allow(unsafe_code)]
pub fn raise_fd_limit(n: u64) -> u64 {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: `lim` is a valid, writable rlimit for getrlimit to fill.
    assert_eq!(unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) }, 0);
    if lim.rlim_cur < n {
        lim.rlim_cur = n.min(lim.rlim_max);
        // SAFETY: `lim` is a valid rlimit that setrlimit only reads.
        assert_eq!(unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &lim) }, 0);
    }
    lim.rlim_cur
}

/// Receives on `rpc` until it fails; returns the messages and the errno.
pub fn receive_until_failure(rpc: &mut ovsrpc::jsonrpc::Jsonrpc, what: &str) -> (Vec<Msg>, i32) {
    let mut msgs = Vec::new();
    let mut status = 0;
    drive(what, || {
        rpc.run();
        loop {
            match rpc.recv() {
                Ok(m) => msgs.push(m),
                Err(e) if e.is_again() => break,
                Err(e) => {
                    status = e.errno();
                    return true;
                }
            }
        }
        rpc.wait();
        rpc.recv_wait();
        false
    });
    (msgs, status)
}
