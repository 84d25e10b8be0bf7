//! `JsonrpcSession`: a JSON-RPC connection that reconnects, over one or
//! more remotes (OVS's `jsonrpc_session`).
//!
//! # Main loop
//!
//! Call, in this order, every iteration:
//!
//! 1. [`JsonrpcSession::run`]: connects, flushes, probes, reconnects;
//! 2. [`JsonrpcSession::recv`] until it returns `None` (and
//!    [`JsonrpcSession::send`] whenever you have something to say);
//! 3. [`JsonrpcSession::wait`] and [`JsonrpcSession::recv_wait`];
//! 4. [`crate::poll_loop::block`].
//!
//! # Several remotes
//!
//! The remotes given to [`JsonrpcSession::open_multiple`] are put into
//! random order once (or kept in the given order, or shuffled with a fixed
//! seed: see [`OpenOptions`]) and then used round-robin: the next remote is
//! picked whenever a connection attempt fails and whenever a connection
//! drops. The reconnect FSM is told that as many tries as there are remotes
//! go without backoff, so one full round over the remotes costs no backoff
//! wait.

//!
//! # Beyond OVS
//!
//! [`OpenOptions`] carries options OVS does not have, all off by default so
//! that a session behaves as OVS's unless asked: per-remote health with
//! failing remotes tried last, a connect timeout per attempt, kernel
//! dead-peer detection (`TCP_USER_TIMEOUT`, keepalive), a probe timeout
//! separate from the idle interval, echo replies ahead of the backlog,
//! receive limits, parallel connects, and fast failover. Per-remote
//! statistics ([`JsonrpcSession::get_remote_stats`]) are always kept.

use std::fmt;
use std::io;

use crate::error::{Error, Result};
use crate::json::Json;
use crate::jsonrpc::connection::{Jsonrpc, DEFAULT_INPUT_BUFFER, DEFAULT_MAX_MSG_SIZE, OVSDB_PORT};
use crate::jsonrpc::msg::{Msg, MsgType};
use crate::poll_loop;
use crate::reconnect::{self, Action, Reconnect, Stats};
use crate::stream::{self, PStream, Stream, TcpOptions};
use crate::timeval::time_msec;
use crate::vlog::RateLimit;

/// OVS's rate limit for the session's repeated messages (5 per minute,
/// bursts of 5).
static RL: RateLimit = RateLimit::new(5, 5);

/// How the session orders the remotes before the round-robin starts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum RemoteOrder {
    /// Shuffle once with the thread's random generator (the default).
    #[default]
    Random,
    /// Shuffle once with a generator seeded with this value (reproducible).
    Seeded(u64),
    /// Keep the order given (as OVS's IDL does when asked not to shuffle).
    AsGiven,
}

/// Options for a session beyond OVS's `(names, retry)`. The defaults
/// behave exactly as OVS does (apart from the shuffle, which the mission
/// asks for and [`RemoteOrder::AsGiven`] turns off).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpenOptions {
    /// How the remotes are ordered before the round-robin starts.
    pub order: RemoteOrder,
    /// A remote whose last `deprioritize_after` connection attempts all
    /// failed is tried last in the next round (stable order otherwise).
    /// 0 (the default) keeps the plain round-robin.
    pub deprioritize_after: u32,
    /// A connection attempt still in progress after this many ms fails with
    /// `ETIMEDOUT` and the next remote is tried. 0 (the default): only the
    /// reconnect FSM's own timeout (the larger of 1 s and the backoff).
    pub connect_timeout_ms: i64,
    /// Kernel dead-peer detection for `tcp:`/`ssl:` connections.
    pub tcp: TcpOptions,
    /// How long to wait for the answer to a probe before disconnecting, in
    /// ms; 0 (the default) waits one probe interval, as OVS does.
    pub probe_timeout_ms: i32,
    /// Send replies to the peer's `echo` requests ahead of queued output,
    /// so that a long backlog does not make the peer's probe time out.
    pub echo_priority: bool,
    /// Largest message accepted from the peer, in bytes (default 256 MiB);
    /// a larger one fails the connection with `EPROTO`.
    pub max_msg_size: usize,
    /// Most bytes read from the socket and held unparsed at once, per
    /// connection (default 64 KiB).
    pub input_buffer: usize,
    /// Try this many remotes at once and keep the first that connects
    /// (0 or 1, the default: one at a time).
    pub parallel_connect: usize,
    /// When a connection drops, try every other remote at once without
    /// backoff (OVS waits the minimum backoff once its backoff-free tries
    /// are used up).
    pub fast_failover: bool,
}

impl Default for OpenOptions {
    fn default() -> OpenOptions {
        OpenOptions {
            order: RemoteOrder::Random,
            deprioritize_after: 0,
            connect_timeout_ms: 0,
            tcp: TcpOptions::default(),
            probe_timeout_ms: 0,
            echo_priority: false,
            max_msg_size: DEFAULT_MAX_MSG_SIZE,
            input_buffer: DEFAULT_INPUT_BUFFER,
            parallel_connect: 0,
            fast_failover: false,
        }
    }
}

/// Settings that can be changed on an open session all at once, as OVS's
/// `struct jsonrpc_session_options`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SessionOptions {
    /// Maximum backoff between connection attempts, in ms.
    pub max_backoff: i32,
    /// Idle time before an echo probe, in ms (0 disables probes).
    pub probe_interval: i32,
    /// DSCP value for the connection's IP packets.
    pub dscp: u8,
}

/// Health of one remote, as the session has seen it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RemoteStats {
    /// The remote's name.
    pub name: String,
    /// Connection attempts started.
    pub n_attempts: u32,
    /// Attempts that connected.
    pub n_successes: u32,
    /// Attempts in a row that failed, up to the latest (0 after a success).
    pub consecutive_failures: u32,
    /// The last error of an attempt or a connection to it (0: none yet;
    /// `EOF` (-1): the peer closed the connection).
    pub last_error: i32,
    /// When it last connected (monotonic ms), `i64::MAX` for never.
    pub last_connected: i64,
    /// When a connection to it last ended, `i64::MAX` for never.
    pub last_disconnected: i64,
}

impl RemoteStats {
    fn new(name: &str) -> RemoteStats {
        RemoteStats {
            name: name.to_string(),
            n_attempts: 0,
            n_successes: 0,
            consecutive_failures: 0,
            last_error: 0,
            last_connected: i64::MAX,
            last_disconnected: i64::MAX,
        }
    }
}

/// One connection attempt in progress.
struct Attempt {
    remote: usize,
    stream: Stream,
    started: i64,
}

/// A JSON-RPC session that connects, and reconnects with backoff, to one of
/// several remotes, or listens on a passive name. See the module docs for
/// the main-loop order.
pub struct JsonrpcSession {
    remotes: Vec<String>,
    health: Vec<RemoteStats>,
    /// The order of the current round (indexes into `remotes`) and how far
    /// into it the session is.
    round: Vec<usize>,
    round_pos: usize,
    /// The remote the FSM is named after.
    current: usize,
    reconnect: Reconnect,
    rpc: Option<Jsonrpc>,
    rpc_remote: usize,
    attempts: Vec<Attempt>,
    pstream: Option<PStream>,
    last_error: i32,
    seqno: u32,
    dscp: u8,
    max_n_msgs: usize,
    max_backlog_bytes: usize,
    opts: OpenOptions,
}

impl fmt::Debug for JsonrpcSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JsonrpcSession")
            .field("name", &self.name())
            .field("remotes", &self.remotes)
            .field("connected", &self.is_connected())
            .field("seqno", &self.seqno)
            .finish()
    }
}

/// A seed that differs between processes and calls. (Not fastrand's global
/// generator: seeding that allocates a thread handle that a C program's main
/// thread never frees, which leak checkers report.)
fn random_seed() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static CALLS: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    let calls = CALLS.fetch_add(1, Ordering::Relaxed);
    nanos ^ (u64::from(std::process::id()) << 32) ^ calls.wrapping_mul(0x9e37_79b9_7f4a_7c15)
}

/// Puts `names` into the order `order` asks for.
pub fn order_remotes(names: &mut [String], order: RemoteOrder) {
    match order {
        RemoteOrder::Random => fastrand::Rng::with_seed(random_seed()).shuffle(names),
        RemoteOrder::Seeded(seed) => fastrand::Rng::with_seed(seed).shuffle(names),
        RemoteOrder::AsGiven => {}
    }
}

impl JsonrpcSession {
    /// Opens a session to `name`, an active (`tcp:`, `unix:`, ...) or passive
    /// (`ptcp:`, `punix:`, ...) stream name.
    ///
    /// Active: with `retry`, connects and reconnects with backoff; without,
    /// tries once and then [`is_alive`](Self::is_alive) turns false.
    /// Passive: listens, keeping at most one connection; a new connection
    /// replaces the previous one.
    pub fn open(name: &str, retry: bool) -> JsonrpcSession {
        JsonrpcSession::open_multiple(&[name], retry)
    }

    /// Opens a session over several remotes, shuffled into random order once
    /// and then used round-robin. With `retry` false the session gives up
    /// after one round. Zero remotes gives a session that never connects
    /// (its name is `invalid:`).
    pub fn open_multiple<S: AsRef<str>>(names: &[S], retry: bool) -> JsonrpcSession {
        JsonrpcSession::open_multiple_with(names, retry, &OpenOptions::default())
    }

    /// [`open_multiple`](Self::open_multiple) with explicit options.
    pub fn open_multiple_with<S: AsRef<str>>(
        names: &[S],
        retry: bool,
        options: &OpenOptions,
    ) -> JsonrpcSession {
        let now = time_msec();
        let mut remotes: Vec<String> = names.iter().map(|s| s.as_ref().to_string()).collect();
        let n = remotes.len();
        order_remotes(&mut remotes, options.order);
        if remotes.is_empty() {
            remotes.push("invalid:".to_string());
        }
        let mut s = JsonrpcSession::bare(remotes, Reconnect::new(now), options.clone());
        s.pick_remote();
        s.reconnect.enable(now);
        s.reconnect.set_backoff_free_tries(n as u32);
        s.reconnect.set_probe_timeout(options.probe_timeout_ms);

        let name = s.reconnect.get_name().to_string();
        if PStream::verify_name(&name).is_ok() {
            s.reconnect.set_passive(true, now);
        } else if !retry {
            s.reconnect.set_max_tries(n as u32);
            s.reconnect.set_backoff(i32::MAX, i32::MAX);
        }
        if stream::stream_or_pstream_needs_probes(&name) != Some(true) {
            s.reconnect.set_probe_interval(0);
        }
        s
    }

    fn bare(remotes: Vec<String>, reconnect: Reconnect, opts: OpenOptions) -> JsonrpcSession {
        let n = remotes.len();
        JsonrpcSession {
            health: remotes.iter().map(|r| RemoteStats::new(r)).collect(),
            remotes,
            round: (0..n).collect(),
            round_pos: 0,
            current: 0,
            reconnect,
            rpc: None,
            rpc_remote: 0,
            attempts: Vec::new(),
            pstream: None,
            last_error: 0,
            seqno: 0,
            dscp: 0,
            max_n_msgs: 0,
            max_backlog_bytes: 0,
            opts,
        }
    }

    /// Opens a session around an established connection, which is not
    /// reconnected when it drops. Informational logging is suppressed, on
    /// the assumption that such connections are short-lived.
    pub fn open_unreliably(rpc: Jsonrpc, dscp: u8) -> JsonrpcSession {
        let now = time_msec();
        let name = rpc.name().to_string();
        let mut reconnect = Reconnect::new(now);
        reconnect.set_quiet(true);
        reconnect.set_name(&name);
        reconnect.set_max_tries(0);
        reconnect.connected(now);
        let mut s = JsonrpcSession::bare(vec![name], reconnect, OpenOptions::default());
        s.round_pos = 1;
        s.rpc = Some(rpc);
        s.seqno = 1;
        s.dscp = dscp;
        s.health[0].n_attempts = 1;
        s.health[0].n_successes = 1;
        s.health[0].last_connected = now;
        s
    }

    /// Closes the session and returns its connection, if it has one.
    pub fn steal(mut self) -> Option<Jsonrpc> {
        self.rpc.take()
    }

    /// Replaces the session's connection with `rpc` (closing the old one);
    /// the session counts as connected to `rpc`'s peer.
    pub fn replace(&mut self, rpc: Option<Jsonrpc>) {
        self.rpc = rpc;
        if let Some(rpc) = &self.rpc {
            let name = rpc.name().to_string();
            self.reconnect.set_name(&name);
            self.reconnect.connected(time_msec());
        }
    }

    /// Closes the session (dropping it does the same).
    pub fn close(self) {}

    /// Moves the FSM on to the next remote of the round, starting a new
    /// round (failing remotes last, if asked) after the last one.
    fn pick_remote(&mut self) {
        if self.round_pos >= self.round.len() {
            self.new_round();
        }
        self.current = self.round[self.round_pos];
        self.round_pos += 1;
        let name = self.remotes[self.current].clone();
        self.reconnect.set_name(&name);
    }

    fn new_round(&mut self) {
        self.round = (0..self.remotes.len()).collect();
        let k = self.opts.deprioritize_after;
        if k > 0 {
            let health = &self.health;
            self.round
                .sort_by_key(|&i| health[i].consecutive_failures >= k);
        }
        self.round_pos = 0;
    }

    fn note_failure(&mut self, remote: usize, errno: i32) {
        let h = &mut self.health[remote];
        h.consecutive_failures = h.consecutive_failures.saturating_add(1);
        h.last_error = errno;
    }

    fn disconnect(&mut self) {
        let now = time_msec();
        if let Some(mut rpc) = self.rpc.take() {
            rpc.error(Error::EOF);
            self.health[self.rpc_remote].last_disconnected = now;
        } else if !self.attempts.is_empty() {
            for a in std::mem::take(&mut self.attempts) {
                self.note_failure(a.remote, libc::ETIMEDOUT);
            }
        } else {
            return;
        }
        self.seqno = self.seqno.wrapping_add(1);
        self.pick_remote();
    }

    fn connect(&mut self) {
        self.disconnect();
        let now = time_msec();
        if self.reconnect.is_passive() {
            let name = self.reconnect.get_name().to_string();
            let opened = match self.pstream {
                Some(_) => Ok(()),
                None => PStream::open_with_default_port(&name, OVSDB_PORT, self.dscp)
                    .map(|p| self.pstream = Some(p))
                    .map_err(Error::from),
            };
            match opened {
                Ok(()) => self.reconnect.listening(now),
                Err(e) => {
                    self.reconnect.connect_failed(now, e.errno());
                    self.pick_remote();
                }
            }
            return;
        }

        // The current remote, and with parallel connects the next ones of
        // the round too (the FSM keeps the first one's name meanwhile).
        let first = self.current;
        let mut targets = vec![first];
        let k = self.opts.parallel_connect.clamp(1, self.remotes.len());
        while targets.len() < k {
            self.pick_remote();
            if targets.contains(&self.current) {
                break;
            }
            targets.push(self.current);
        }
        if targets.len() > 1 {
            let name = self.remotes[first].clone();
            self.reconnect.set_name(&name);
        }

        let mut error = 0;
        for remote in targets {
            self.health[remote].n_attempts = self.health[remote].n_attempts.saturating_add(1);
            match Stream::open_with_default_port(&self.remotes[remote], OVSDB_PORT, self.dscp) {
                Ok(mut stream) => {
                    if !self.opts.tcp.is_default() {
                        if let Err(e) = stream.set_tcp_options(&self.opts.tcp) {
                            crate::warn_rl!(
                                RL,
                                "{}: setting TCP options failed ({})",
                                stream.name(),
                                e
                            );
                        }
                    }
                    self.attempts.push(Attempt {
                        remote,
                        stream,
                        started: now,
                    });
                }
                Err(e) => {
                    error = Error::from(e).errno();
                    self.note_failure(remote, error);
                }
            }
        }
        if self.attempts.is_empty() {
            self.last_error = error;
            self.reconnect.connect_failed(now, error);
            self.pick_remote();
        } else {
            self.reconnect.connecting(now);
        }
    }

    fn new_rpc(&mut self, remote: usize, stream: Stream) {
        let mut rpc = Jsonrpc::open(stream);
        rpc.set_backlog_threshold(self.max_n_msgs, self.max_backlog_bytes);
        rpc.set_max_msg_size(self.opts.max_msg_size);
        rpc.set_input_buffer_size(self.opts.input_buffer);
        self.rpc = Some(rpc);
        self.rpc_remote = remote;
        self.seqno = self.seqno.wrapping_add(1);
    }

    /// Drives the connection attempts in progress: the first to connect
    /// wins (the others are closed); failures and per-attempt timeouts are
    /// recorded; when all have failed the FSM hears of it.
    fn run_attempts(&mut self) {
        let now = time_msec();
        let mut winner = None;
        let mut error = 0;
        let mut i = 0;
        while i < self.attempts.len() {
            let a = &mut self.attempts[i];
            a.stream.run();
            match a.stream.connect() {
                Ok(()) => {
                    winner = Some(self.attempts.swap_remove(i));
                    break;
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    let timeout = self.opts.connect_timeout_ms;
                    if timeout > 0 && now.saturating_sub(a.started) >= timeout {
                        crate::info_rl!(
                            RL,
                            "{}: connection attempt timed out after {} ms",
                            a.stream.name(),
                            timeout
                        );
                        error = libc::ETIMEDOUT;
                        let remote = a.remote;
                        self.attempts.swap_remove(i);
                        self.note_failure(remote, error);
                    } else {
                        i += 1;
                    }
                }
                Err(e) => {
                    error = Error::from(e).errno();
                    let a = self.attempts.swap_remove(i);
                    if self.attempts.len() + usize::from(winner.is_some()) > 0 {
                        crate::info_rl!(
                            RL,
                            "{}: connection attempt failed ({})",
                            a.stream.name(),
                            crate::error::retval_to_string(error)
                        );
                    }
                    self.note_failure(a.remote, error);
                }
            }
        }
        if let Some(w) = winner {
            // Losers of a parallel connect are closed, not counted as failed.
            self.attempts.clear();
            let h = &mut self.health[w.remote];
            h.n_successes = h.n_successes.saturating_add(1);
            h.consecutive_failures = 0;
            h.last_connected = now;
            let name = self.remotes[w.remote].clone();
            self.reconnect.set_name(&name);
            self.current = w.remote;
            self.reconnect.connected(now);
            self.new_rpc(w.remote, w.stream);
        } else if self.attempts.is_empty() && error != 0 {
            self.reconnect.connect_failed(now, error);
            self.pick_remote();
            self.last_error = error;
        }
    }

    /// Does everything that can be done now without blocking: accepts,
    /// completes connects, flushes output, sends probes, reconnects.
    pub fn run(&mut self) {
        if let Some(pstream) = &mut self.pstream {
            match pstream.accept() {
                Ok(stream) => {
                    if self.rpc.is_some() || !self.attempts.is_empty() {
                        crate::info_rl!(
                            RL,
                            "{}: new connection replacing active connection",
                            self.reconnect.get_name()
                        );
                        self.disconnect();
                    }
                    self.reconnect.connected(time_msec());
                    let remote = self.current;
                    self.new_rpc(remote, stream);
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(e) => {
                    self.reconnect
                        .listen_error(time_msec(), Error::from(e).errno());
                    self.pstream = None;
                }
            }
        }

        if let Some(rpc) = &mut self.rpc {
            let backlog = rpc.get_backlog();
            rpc.run();
            if rpc.get_backlog() < backlog {
                // Data that had been queued went out: that is activity. Data
                // sent straight away is not, since a stalled connection can
                // swallow a lot before anything pushes back.
                self.reconnect.activity(time_msec());
            }
            let status = rpc.get_status();
            if status != 0 {
                if self.opts.fast_failover && !self.reconnect.is_passive() {
                    // A new backoff-free round over the other remotes.
                    self.reconnect
                        .set_backoff_free_tries(self.remotes.len() as u32);
                }
                self.reconnect.disconnected(time_msec(), status);
                let remote = self.rpc_remote;
                self.disconnect();
                self.health[remote].last_error = status;
                self.last_error = status;
            }
        } else if !self.attempts.is_empty() {
            self.run_attempts();
        }

        match self.reconnect.run(time_msec()) {
            Some(Action::Connect) => self.connect(),
            Some(Action::Disconnect) => {
                self.reconnect.disconnected(time_msec(), 0);
                self.disconnect();
            }
            Some(Action::Probe) => {
                if let Some(rpc) = &mut self.rpc {
                    let probe =
                        Msg::request_with_id("echo", Json::empty_array(), Json::from("echo"));
                    let _ = rpc.send(probe);
                }
            }
            None => {}
        }
    }

    /// Registers with the poll loop whatever would let [`run`](Self::run)
    /// make progress.
    #[track_caller]
    pub fn wait(&self) {
        if let Some(rpc) = &self.rpc {
            rpc.wait();
        } else {
            for a in &self.attempts {
                a.stream.run_wait();
                a.stream.connect_wait();
                if self.opts.connect_timeout_ms > 0 {
                    poll_loop::timer_wait_until(
                        a.started.saturating_add(self.opts.connect_timeout_ms),
                    );
                }
            }
        }
        if let Some(pstream) = &self.pstream {
            pstream.wait();
        }
        self.reconnect.wait(time_msec());
    }

    /// Bytes queued for sending on the current connection (0 if none).
    pub fn get_backlog(&self) -> usize {
        self.rpc.as_ref().map_or(0, |r| r.get_backlog())
    }

    /// Bytes received on the current connection so far (0 if none).
    pub fn received_bytes(&self) -> u64 {
        self.rpc.as_ref().map_or(0, |r| r.received_bytes_total())
    }

    /// The name of the current remote (the one connected to, being tried,
    /// or to be tried next).
    pub fn name(&self) -> &str {
        self.reconnect.get_name()
    }

    /// Number of remotes (1 for a session opened on one name; 1 for a
    /// session opened on none, whose remote is `invalid:`).
    pub fn get_n_remotes(&self) -> usize {
        self.remotes.len()
    }

    /// The remotes in the order the session uses them (after the shuffle).
    pub fn remotes(&self) -> &[String] {
        &self.remotes
    }

    /// Beyond OVS: the health of each remote, in the order of
    /// [`remotes`](Self::remotes).
    pub fn get_remote_stats(&self) -> &[RemoteStats] {
        &self.health
    }

    /// The options the session was opened with.
    pub fn open_options(&self) -> &OpenOptions {
        &self.opts
    }

    /// Changes the beyond-OVS options of an open session (the remote order
    /// is fixed at open and ignored here). Connection-level settings take
    /// effect from the next connection.
    pub fn set_open_options(&mut self, options: &OpenOptions) {
        let order = self.opts.order;
        self.opts = options.clone();
        self.opts.order = order;
        self.reconnect.set_probe_timeout(options.probe_timeout_ms);
    }

    /// Sends `msg` on the current connection, or fails with `ENOTCONN`.
    pub fn send(&mut self, msg: Msg) -> Result<()> {
        match &mut self.rpc {
            Some(rpc) => rpc.send(msg),
            None => Err(Error::ENOTCONN),
        }
    }

    /// Queues `msg` on the current connection without writing yet: the next
    /// [`run`](Self::run) writes everything queued in one go (beyond OVS:
    /// for senders with many messages at hand). `ENOTCONN` when not
    /// connected.
    pub fn queue(&mut self, msg: Msg) -> Result<()> {
        match &mut self.rpc {
            Some(rpc) => rpc.queue(msg),
            None => Err(Error::ENOTCONN),
        }
    }

    /// Receives one message, if a whole one is there. Answers the peer's
    /// `echo` requests and swallows the replies to our own probes.
    pub fn recv(&mut self) -> Option<Msg> {
        let rpc = self.rpc.as_mut()?;
        let received = rpc.get_received_bytes();
        let msg = rpc.recv();
        let now = time_msec();
        self.reconnect.receive_attempted(now);
        if received != rpc.get_received_bytes() {
            // Bytes arrived: that counts as activity even if no whole message
            // did, so a large message on a slow link does not time out.
            self.reconnect.activity(now);
        }
        let msg = msg.ok()?;
        if msg.msg_type == MsgType::Request && msg.method.as_deref() == Some("echo") {
            let params = msg.params.unwrap_or_else(Json::empty_array);
            let id = msg.id.unwrap_or(Json::Null);
            let reply = Msg::create_reply(params, &id);
            let _ = if self.opts.echo_priority {
                rpc.send_priority(reply)
            } else {
                rpc.send(reply)
            };
            None
        } else if msg.msg_type == MsgType::Reply
            && msg.id.as_ref().and_then(|id| id.as_str()) == Some("echo")
        {
            None
        } else {
            Some(msg)
        }
    }

    /// Makes the next [`poll_loop::block`] wake when [`recv`](Self::recv)
    /// may have something.
    #[track_caller]
    pub fn recv_wait(&self) {
        if let Some(rpc) = &self.rpc {
            rpc.recv_wait();
        }
    }

    /// True while the session is connected, trying to connect, or will try
    /// again.
    pub fn is_alive(&self) -> bool {
        self.rpc.is_some() || !self.attempts.is_empty() || self.reconnect.get_max_tries() != 0
    }

    /// True while the session has a connection.
    pub fn is_connected(&self) -> bool {
        self.rpc.is_some()
    }

    /// A number that changes every time the session connects or
    /// disconnects.
    pub fn get_seqno(&self) -> u32 {
        self.seqno
    }

    /// The current connection's status (0 when fine or not connected).
    pub fn get_status(&self) -> i32 {
        self.rpc.as_ref().map_or(0, |r| r.get_status())
    }

    /// The last error any connection of this session met (0 if none ever).
    pub fn get_last_error(&self) -> i32 {
        self.last_error
    }

    /// The reconnect FSM's statistics now.
    pub fn get_reconnect_stats(&self) -> Stats {
        self.reconnect.get_stats(time_msec())
    }

    /// Lets a session opened without retry reconnect after all.
    pub fn enable_reconnect(&mut self) {
        self.reconnect.set_max_tries(u32::MAX);
        self.reconnect.set_backoff(
            reconnect::DEFAULT_MIN_BACKOFF,
            reconnect::DEFAULT_MAX_BACKOFF,
        );
    }

    /// Drops the connection (if any) and reconnects.
    pub fn force_reconnect(&mut self) {
        self.reconnect.force_reconnect(time_msec());
    }

    /// Lets the next full round over the remotes go without backoff (one
    /// more try if connected now, since the drop of this connection starts
    /// the round).
    pub fn reset_backoff(&mut self) {
        let mut free_tries = self.remotes.len() as u32;
        if self.is_connected() {
            free_tries += 1;
        }
        self.reconnect.set_backoff_free_tries(free_tries);
    }

    /// Sets the maximum backoff between connection attempts, in ms.
    pub fn set_max_backoff(&mut self, max_backoff: i32) {
        self.reconnect.set_backoff(0, max_backoff);
    }

    /// Sets the idle time before an echo probe, in ms (0 disables probes).
    pub fn set_probe_interval(&mut self, probe_interval: i32) {
        self.reconnect.set_probe_interval(probe_interval);
    }

    /// Sets the DSCP value; a change closes the connection and reconnects.
    pub fn set_dscp(&mut self, dscp: u8) {
        if self.dscp != dscp {
            self.pstream = None;
            self.dscp = dscp;
            self.force_reconnect();
        }
    }

    /// Sets the send backlog limits: beyond `max_n_msgs` messages or
    /// `max_backlog_bytes` bytes (0: no limit) the connection is dropped.
    pub fn set_backlog_threshold(&mut self, max_n_msgs: usize, max_backlog_bytes: usize) {
        self.max_n_msgs = max_n_msgs;
        self.max_backlog_bytes = max_backlog_bytes;
        if let Some(rpc) = &mut self.rpc {
            rpc.set_backlog_threshold(max_n_msgs, max_backlog_bytes);
        }
    }

    /// Applies `options` (max backoff, probe interval, DSCP) at once.
    pub fn set_options(&mut self, options: &SessionOptions) {
        self.set_max_backoff(options.max_backoff);
        self.set_probe_interval(options.probe_interval);
        self.set_dscp(options.dscp);
    }

    /// The peer's identity (an ssl peer certificate's common name), if any.
    pub fn get_id(&self) -> Option<&str> {
        self.rpc.as_ref().and_then(|r| r.peer_id())
    }
}

/// Drives the poll loop until `cond` holds for `session` (running and
/// waiting on it each iteration), or `timeout_ms` passes. Returns whether
/// the condition held. `cond` should call [`JsonrpcSession::recv`] if it
/// expects messages (otherwise pending input wakes the loop at once).
pub fn run_until<F>(session: &mut JsonrpcSession, timeout_ms: i64, mut cond: F) -> bool
where
    F: FnMut(&mut JsonrpcSession) -> bool,
{
    let deadline = time_msec() + timeout_ms;
    loop {
        session.run();
        if cond(session) {
            return true;
        }
        if time_msec() >= deadline {
            return false;
        }
        session.wait();
        session.recv_wait();
        poll_loop::timer_wait_until(deadline);
        poll_loop::block();
    }
}
