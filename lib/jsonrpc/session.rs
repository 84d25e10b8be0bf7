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

use std::fmt;

use log::info;

use crate::error::{Error, Result};
use crate::json::Json;
use crate::jsonrpc::connection::{Jsonrpc, OVSDB_PORT};
use crate::jsonrpc::msg::{Msg, MsgType};
use crate::poll_loop;
use crate::reconnect::{Action, Reconnect, Stats};
use crate::stream::{self, PStream, Stream};
use crate::timeval::time_msec;

/// How [`JsonrpcSession::open_multiple_with`] orders the remotes.
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

/// Options for opening a session beyond OVS's `(names, retry)`.
#[derive(Clone, Debug, Default)]
pub struct OpenOptions {
    /// How the remotes are ordered before the round-robin starts.
    pub order: RemoteOrder,
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

/// A JSON-RPC session that connects, and reconnects with backoff, to one of
/// several remotes, or listens on a passive name. See the module docs for
/// the main-loop order.
pub struct JsonrpcSession {
    remotes: Vec<String>,
    next_remote: usize,
    reconnect: Reconnect,
    rpc: Option<Jsonrpc>,
    stream: Option<Stream>,
    pstream: Option<PStream>,
    last_error: i32,
    seqno: u32,
    dscp: u8,
    max_n_msgs: usize,
    max_backlog_bytes: usize,
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

/// Puts `names` into the order `order` asks for.
pub fn order_remotes(names: &mut [String], order: RemoteOrder) {
    match order {
        RemoteOrder::Random => fastrand::shuffle(names),
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

    /// [`open_multiple`](Self::open_multiple) with explicit options (remote
    /// order).
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
        let mut s = JsonrpcSession {
            remotes,
            next_remote: 0,
            reconnect: Reconnect::new(now),
            rpc: None,
            stream: None,
            pstream: None,
            last_error: 0,
            seqno: 0,
            dscp: 0,
            max_n_msgs: 0,
            max_backlog_bytes: 0,
        };
        s.pick_remote();
        s.reconnect.enable(now);
        s.reconnect.set_backoff_free_tries(n as u32);

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
        JsonrpcSession {
            remotes: vec![name],
            next_remote: 0,
            reconnect,
            rpc: Some(rpc),
            stream: None,
            pstream: None,
            last_error: 0,
            seqno: 1,
            dscp,
            max_n_msgs: 0,
            max_backlog_bytes: 0,
        }
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

    fn pick_remote(&mut self) {
        let i = self.next_remote % self.remotes.len();
        self.next_remote = self.next_remote.wrapping_add(1);
        let name = self.remotes[i].clone();
        self.reconnect.set_name(&name);
    }

    fn disconnect(&mut self) {
        if let Some(mut rpc) = self.rpc.take() {
            rpc.error(Error::EOF);
        } else if self.stream.take().is_none() {
            return;
        }
        self.seqno = self.seqno.wrapping_add(1);
        self.pick_remote();
    }

    fn connect(&mut self) {
        let name = self.reconnect.get_name().to_string();
        self.disconnect();
        let now = time_msec();
        let result = if !self.reconnect.is_passive() {
            match Stream::open_with_default_port(&name, OVSDB_PORT, self.dscp) {
                Ok(stream) => {
                    self.stream = Some(stream);
                    self.reconnect.connecting(now);
                    Ok(())
                }
                Err(e) => {
                    let e = Error::from(e);
                    self.last_error = e.errno();
                    Err(e)
                }
            }
        } else {
            let opened = match self.pstream {
                Some(_) => Ok(()),
                None => PStream::open_with_default_port(&name, OVSDB_PORT, self.dscp)
                    .map(|p| self.pstream = Some(p))
                    .map_err(Error::from),
            };
            if opened.is_ok() {
                self.reconnect.listening(now);
            }
            opened
        };
        if let Err(e) = result {
            self.reconnect.connect_failed(now, e.errno());
            self.pick_remote();
        }
    }

    fn new_rpc(&mut self, stream: Stream) {
        let mut rpc = Jsonrpc::open(stream);
        rpc.set_backlog_threshold(self.max_n_msgs, self.max_backlog_bytes);
        self.rpc = Some(rpc);
        self.seqno = self.seqno.wrapping_add(1);
    }

    /// Does everything that can be done now without blocking: accepts,
    /// completes connects, flushes output, sends probes, reconnects.
    pub fn run(&mut self) {
        if let Some(pstream) = &mut self.pstream {
            match pstream.accept() {
                Ok(stream) => {
                    if self.rpc.is_some() || self.stream.is_some() {
                        info!(
                            "{}: new connection replacing active connection",
                            self.reconnect.get_name()
                        );
                        self.disconnect();
                    }
                    self.reconnect.connected(time_msec());
                    self.new_rpc(stream);
                }
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
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
                self.reconnect.disconnected(time_msec(), status);
                self.disconnect();
                self.last_error = status;
            }
        } else if let Some(stream) = &mut self.stream {
            stream.run();
            match stream.connect() {
                Ok(()) => {
                    self.reconnect.connected(time_msec());
                    let stream = self.stream.take().expect("stream present");
                    self.new_rpc(stream);
                }
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                Err(e) => {
                    let errno = Error::from(e).errno();
                    self.reconnect.connect_failed(time_msec(), errno);
                    self.pick_remote();
                    self.stream = None;
                    self.last_error = errno;
                }
            }
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
        } else if let Some(stream) = &self.stream {
            stream.run_wait();
            stream.connect_wait();
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

    /// The remotes in the order the session uses them.
    pub fn remotes(&self) -> &[String] {
        &self.remotes
    }

    /// Sends `msg` on the current connection, or fails with `ENOTCONN`.
    pub fn send(&mut self, msg: Msg) -> Result<()> {
        match &mut self.rpc {
            Some(rpc) => rpc.send(msg),
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
            let reply = Msg::create_reply(
                msg.params.clone().unwrap_or_else(Json::empty_array),
                msg.id.as_ref().expect("requests have ids"),
            );
            let _ = self.send(reply);
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
        self.rpc.is_some() || self.stream.is_some() || self.reconnect.get_max_tries() != 0
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
            crate::reconnect::DEFAULT_MIN_BACKOFF,
            crate::reconnect::DEFAULT_MAX_BACKOFF,
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
/// the condition held. Meant for simple programs and tests.
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
