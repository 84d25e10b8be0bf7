//! `JsonrpcSession`: a JSON-RPC connection that reconnects, over one or
//! more remotes (OVS's `jsonrpc_session`, in `lib/jsonrpc.c`).
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
//! seed: see [`SessionOpenOptions`]) and then used round-robin: the next
//! remote is picked whenever a connection attempt fails and whenever a
//! connection drops. The reconnect FSM is told that as many tries as there
//! are remotes go without backoff, so one full round over the remotes
//! costs no backoff wait. Which remote comes next is the business of
//! [`Remotes`]; this module does the
//! I/O and tells it what happened.
//!
//! # Beyond OVS
//!
//! [`SessionOpenOptions`] carries options OVS does not have, all off by
//! default so that a session behaves as OVS's unless asked: per-remote
//! health with failing remotes tried last, a connect timeout, kernel
//! dead-peer detection (`TCP_USER_TIMEOUT`, keepalive), a probe timeout
//! separate from the idle interval, echo replies ahead of the backlog,
//! receive limits, parallel connects, fast failover, a deadline per
//! message and jitter on reconnection. Per-remote statistics ([`JsonrpcSession::get_remote_stats`])
//! are always kept. [`JsonrpcSession::run`] reads the clock once.

mod options;

use std::fmt;
use std::io;

use crate::error::{Error, Result};
use crate::json::Json;
use crate::jsonrpc::connection::{Decoder, Incoming, Jsonrpc, OVSDB_PORT};
use crate::jsonrpc::msg::Msg;
use crate::jsonrpc::remotes::{random_seed, Remotes};
use crate::poll_loop;
use crate::reconnect::{self, Action, Reconnect, State, Stats};
use crate::stream::{self, PStream, Stream};
use crate::timeval::time_msec;
use crate::vlog::RateLimit;

pub use crate::jsonrpc::remotes::{RemoteOrder, RemoteStats};
pub use options::{SessionOpenOptions, SessionOptions};

/// OVS's rate limit for the session's repeated messages (5 per minute,
/// bursts of 5).
static RL: RateLimit = RateLimit::new(5, 5);

/// A JSON-RPC session that connects, and reconnects with backoff, to one of
/// several remotes, or listens on a passive name. See the module docs for
/// the main-loop order.
pub struct JsonrpcSession {
    remotes: Remotes,
    /// The remotes' names in the order used (kept for
    /// [`get_remotes`](Self::get_remotes)).
    names: Vec<String>,
    reconnect: Reconnect,
    rpc: Option<Jsonrpc>,
    /// The connection attempts in progress, with their remotes (OVS has
    /// one `stream`; parallel connects make more).
    streams: Vec<(usize, Stream)>,
    pstream: Option<PStream>,
    last_error: i32,
    seqno: u32,
    dscp: u8,
    max_n_msgs: usize,
    max_backlog_bytes: usize,
    opts: SessionOpenOptions,
    /// When the message now being received began (with a message timeout).
    message_started: Option<i64>,
}

impl fmt::Debug for JsonrpcSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JsonrpcSession")
            .field("name", &self.get_name())
            .field("remotes", &self.names)
            .field("connected", &self.is_connected())
            .field("seqno", &self.seqno)
            .finish()
    }
}

impl JsonrpcSession {
    /// Opens a session to `name`, an active (`tcp:`, `unix:`, ...) or passive
    /// (`ptcp:`, `punix:`, ...) stream name.
    ///
    /// Active: with `retry`, connects and reconnects with backoff; without,
    /// tries once and then [`is_alive`](Self::is_alive) turns false.
    /// Passive: listens, keeping at most one connection; a new connection
    /// replaces the previous one. (`jsonrpc_session_open`)
    pub fn open(name: &str, retry: bool) -> JsonrpcSession {
        JsonrpcSession::open_multiple(&[name], retry)
    }

    /// Opens a session over several remotes, shuffled into random order once
    /// and then used round-robin. With `retry` false the session gives up
    /// after one round. Zero remotes gives a session that never connects
    /// (its name is `invalid:`). (`jsonrpc_session_open_multiple`)
    pub fn open_multiple<S: AsRef<str>>(names: &[S], retry: bool) -> JsonrpcSession {
        JsonrpcSession::open_multiple_with(names, retry, &SessionOpenOptions::default())
    }

    /// Beyond OVS: [`open_multiple`](Self::open_multiple) with options.
    pub fn open_multiple_with<S: AsRef<str>>(
        names: &[S],
        retry: bool,
        options: &SessionOpenOptions,
    ) -> JsonrpcSession {
        let now = time_msec();
        let n = names.len() as u32;
        let remotes = Remotes::new(names, options.order);
        let mut s = JsonrpcSession::bare(remotes, Reconnect::new(now), options.clone());
        s.seed_jitter();
        s.apply_open_options();
        s.reconnect.set_name(s.remotes.current_name());
        s.reconnect.enable(now);
        s.reconnect.set_backoff_free_tries(n);

        let name = s.reconnect.get_name().to_string();
        if PStream::verify_name(&name).is_ok() {
            s.reconnect.set_passive(true, now);
        } else if !retry {
            s.reconnect.set_max_tries(n);
            s.reconnect.set_backoff(i32::MAX, i32::MAX);
        }
        if stream::stream_or_pstream_needs_probes(&name) != Some(true) {
            s.reconnect.set_probe_interval(0);
        }
        s
    }

    fn bare(remotes: Remotes, reconnect: Reconnect, opts: SessionOpenOptions) -> JsonrpcSession {
        JsonrpcSession {
            names: remotes.names().map(str::to_string).collect(),
            remotes,
            reconnect,
            rpc: None,
            streams: Vec::new(),
            pstream: None,
            last_error: 0,
            seqno: 0,
            dscp: 0,
            max_n_msgs: 0,
            max_backlog_bytes: 0,
            opts,
            message_started: None,
        }
    }

    /// Opens a session around an established connection, which is not
    /// reconnected when it drops. Informational logging is suppressed, on
    /// the assumption that such connections are short-lived.
    /// (`jsonrpc_session_open_unreliably`)
    pub fn open_unreliably(rpc: Jsonrpc, dscp: u8) -> JsonrpcSession {
        let now = time_msec();
        let name = rpc.name().to_string();
        let mut reconnect = Reconnect::new(now);
        reconnect.set_quiet(true);
        reconnect.set_name(&name);
        reconnect.set_max_tries(0);
        reconnect.connected(now);
        let mut remotes = Remotes::new(&[name], RemoteOrder::AsGiven);
        remotes.established(now);
        let mut s = JsonrpcSession::bare(remotes, reconnect, SessionOpenOptions::default());
        s.rpc = Some(rpc);
        s.seqno = 1;
        s.dscp = dscp;
        s
    }

    /// Closes the session (dropping it does the same).
    /// (`jsonrpc_session_close`)
    pub fn close(self) {}

    /// Closes the session and returns its connection, if it has one.
    /// (`jsonrpc_session_steal`)
    pub fn steal(mut self) -> Option<Jsonrpc> {
        self.rpc.take()
    }

    /// Replaces the session's connection with `rpc` (closing the old one);
    /// the session counts as connected to `rpc`'s peer, and the remote of
    /// that name (if any) owns the connection from now on.
    /// (`jsonrpc_session_replace`)
    pub fn replace(&mut self, rpc: Option<Jsonrpc>) {
        let now = time_msec();
        self.rpc = rpc;
        self.message_started = None;
        let name = self.rpc.as_ref().map(|rpc| rpc.name().to_string());
        self.remotes.replaced(name.as_deref(), now);
        if let Some(name) = name {
            self.reconnect.set_name(&name);
            self.reconnect.connected(now);
        }
    }

    /// The FSM takes the name of the next remote. (`jsonrpc_session_pick_remote`)
    fn pick_remote(&mut self) {
        self.remotes.advance();
        self.reconnect.set_name(self.remotes.current_name());
    }

    /// Closes the connection, or abandons the attempts in progress, and
    /// picks the next remote. `error` is what the remote is charged with:
    /// the connection's error, `ETIMEDOUT` for an attempt or a probe that
    /// timed out, 0 when the session drops it for its own reasons.
    /// (`jsonrpc_session_disconnect`)
    fn disconnect(&mut self, now: i64, error: i32) {
        if let Some(mut rpc) = self.rpc.take() {
            rpc.error(Error::EOF);
            self.remotes.disconnected(now, error);
        } else if !self.streams.is_empty() {
            self.streams.clear();
            self.remotes.abandon_attempts(error);
        } else {
            return;
        }
        self.message_started = None;
        self.seqno = self.seqno.wrapping_add(1);
        self.pick_remote();
    }

    /// The connection dropped with `error` (for the FSM: OVS passes 0 for a
    /// probe timeout) and `charge` (for the remote's statistics). Beyond
    /// OVS, with fast failover, every other remote is tried without
    /// backoff.
    fn connection_dropped(&mut self, now: i64, error: i32, charge: i32) {
        if self.opts.fast_failover && !self.reconnect.is_passive() {
            self.reconnect
                .set_backoff_free_tries(self.remotes.len() as u32);
        }
        self.reconnect.disconnected(now, error);
        self.disconnect(now, charge);
    }

    /// Starts connecting to the current remote (with parallel connects, the
    /// next ones too), or listening. (`jsonrpc_session_connect`)
    fn connect(&mut self, now: i64) {
        self.disconnect(now, 0);
        let error = if !self.reconnect.is_passive() {
            let mut error = 0;
            for remote in self.remotes.start_attempts() {
                let name = &self.names[remote];
                match Stream::open_with_default_port(name, OVSDB_PORT, self.dscp) {
                    Ok(mut stream) => {
                        self.set_tcp_options(&mut stream);
                        self.streams.push((remote, stream));
                    }
                    Err(e) => {
                        error = Error::from(e).errno();
                        self.remotes.attempt_failed(remote, error);
                    }
                }
            }
            if self.streams.is_empty() {
                self.last_error = error;
                error
            } else {
                self.reconnect.connecting(now);
                0
            }
        } else {
            let name = self.reconnect.get_name();
            let opened = match self.pstream {
                Some(_) => Ok(()),
                None => PStream::open_with_default_port(name, OVSDB_PORT, self.dscp)
                    .map(|p| self.pstream = Some(p)),
            };
            match opened {
                Ok(()) => {
                    self.reconnect.listening(now);
                    0
                }
                Err(e) => Error::from(e).errno(),
            }
        };
        if error != 0 {
            self.reconnect.connect_failed(now, error);
            self.pick_remote();
        }
    }

    /// Beyond OVS: the kernel's dead-peer detection on a new stream.
    fn set_tcp_options(&self, stream: &mut Stream) {
        if !self.opts.tcp.is_default() {
            if let Err(e) = stream.set_tcp_options(&self.opts.tcp) {
                crate::warn_rl!(RL, "{}: setting TCP options failed ({})", stream.name(), e);
            }
        }
    }

    /// Wraps a connected stream in the session's connection.
    fn open_rpc(&mut self, stream: Stream) {
        let mut rpc = Jsonrpc::open(stream);
        rpc.set_backlog_threshold(self.max_n_msgs, self.max_backlog_bytes);
        rpc.set_max_msg_size(self.opts.max_msg_size);
        rpc.set_input_buffer_size(self.opts.input_buffer);
        self.rpc = Some(rpc);
        self.message_started = None;
        self.seqno = self.seqno.wrapping_add(1);
    }

    /// Drives the connection attempts in progress: the first to connect
    /// wins (the others are closed); when all have failed the FSM hears of
    /// the last failure.
    fn run_attempts(&mut self, now: i64) {
        let mut i = 0;
        while i < self.streams.len() {
            let stream = &mut self.streams[i].1;
            stream.run();
            match stream.connect() {
                Ok(()) => {
                    let (remote, stream) = self.streams.swap_remove(i);
                    self.streams.clear();
                    self.remotes.connected(remote, now);
                    self.reconnect.set_name(self.remotes.current_name());
                    self.reconnect.connected(now);
                    self.open_rpc(stream);
                    return;
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => i += 1,
                Err(e) => {
                    let error = Error::from(e).errno();
                    let (remote, stream) = self.streams.remove(i);
                    // The resolver's words say more than ENOENT's.
                    let reason = stream.connect_failure().map(str::to_string);
                    if self.remotes.attempt_failed(remote, error) {
                        self.reconnect.set_name(&self.names[remote]);
                        match &reason {
                            Some(reason) => {
                                self.reconnect.connect_failed_because(now, error, reason)
                            }
                            None => self.reconnect.connect_failed(now, error),
                        }
                        self.pick_remote();
                        self.last_error = error;
                        return;
                    }
                    crate::info_rl!(
                        RL,
                        "{}: connection attempt failed ({})",
                        stream.name(),
                        reason.unwrap_or_else(|| crate::error::retval_to_string(error))
                    );
                }
            }
        }
    }

    /// Beyond OVS: fails the connection if the message being received has
    /// taken longer than the message timeout.
    fn check_message_deadline(&mut self, now: i64) {
        let (Some(started), Some(rpc)) = (self.message_started, self.rpc.as_mut()) else {
            return;
        };
        let timeout = self.opts.message_timeout_ms;
        if timeout > 0 && now >= started.saturating_add(timeout) {
            crate::warn_rl!(
                RL,
                "{}: message incomplete after {} ms, dropping connection",
                rpc.name(),
                timeout
            );
            rpc.error(Error::ETIMEDOUT);
            self.message_started = None;
        }
    }

    /// Does everything that can be done now without blocking: accepts,
    /// completes connects, flushes output, sends probes, reconnects.
    /// (`jsonrpc_session_run`)
    pub fn run(&mut self) {
        let now = time_msec();
        if let Some(pstream) = &mut self.pstream {
            match pstream.accept() {
                Ok(mut stream) => {
                    if self.rpc.is_some() || !self.streams.is_empty() {
                        crate::info_rl!(
                            RL,
                            "{}: new connection replacing active connection",
                            self.reconnect.get_name()
                        );
                        self.disconnect(now, 0);
                    }
                    self.set_tcp_options(&mut stream);
                    self.reconnect.connected(now);
                    self.remotes.accepted(now);
                    self.open_rpc(stream);
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(e) => {
                    self.reconnect.listen_error(now, Error::from(e).errno());
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
                self.reconnect.activity(now);
            }
            self.check_message_deadline(now);
            let error = self.rpc.as_ref().map_or(0, |rpc| rpc.get_status());
            if error != 0 {
                self.connection_dropped(now, error, error);
                self.last_error = error;
            }
        } else if !self.streams.is_empty() {
            self.run_attempts(now);
        }

        let state = self.reconnect.state();
        match self.reconnect.run(now) {
            Some(Action::Connect) => self.connect(now),
            Some(Action::Disconnect) => match state {
                // No answer to a probe: the connection is dead.
                State::Idle => self.connection_dropped(now, 0, libc::ETIMEDOUT),
                // The attempts took too long.
                State::Connecting => {
                    self.reconnect.disconnected(now, 0);
                    self.disconnect(now, libc::ETIMEDOUT);
                }
                // The application asked for it (force_reconnect, set_dscp).
                _ => {
                    self.reconnect.disconnected(now, 0);
                    self.disconnect(now, 0);
                }
            },
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
    /// make progress. (`jsonrpc_session_wait`)
    #[track_caller]
    pub fn wait(&self) {
        if let Some(rpc) = &self.rpc {
            rpc.wait();
            if let Some(started) = self.message_started {
                poll_loop::timer_wait_until(started.saturating_add(self.opts.message_timeout_ms));
            }
        } else {
            for (_, stream) in &self.streams {
                stream.run_wait();
                stream.connect_wait();
            }
        }
        if let Some(pstream) = &self.pstream {
            pstream.wait();
        }
        self.reconnect.wait(time_msec());
    }

    /// Bytes queued for sending on the current connection (0 if none).
    /// (`jsonrpc_session_get_backlog`)
    pub fn get_backlog(&self) -> usize {
        self.rpc.as_ref().map_or(0, |r| r.get_backlog())
    }

    /// Bytes received on the current connection so far (0 if none).
    pub fn received_bytes(&self) -> u64 {
        self.rpc.as_ref().map_or(0, |r| r.received_bytes_total())
    }

    /// The name of the current remote (the one connected to, being tried,
    /// or to be tried next). (`jsonrpc_session_get_name`)
    pub fn get_name(&self) -> &str {
        self.reconnect.get_name()
    }

    /// The peer's identity (an ssl peer certificate's common name), if any.
    /// (`jsonrpc_session_get_id`)
    pub fn get_id(&self) -> Option<&str> {
        self.rpc.as_ref().and_then(|r| r.peer_id())
    }

    /// Number of remotes (1 for a session opened on one name; 1 for a
    /// session opened on none, whose remote is `invalid:`).
    /// (`jsonrpc_session_get_n_remotes`)
    pub fn get_n_remotes(&self) -> usize {
        self.names.len()
    }

    /// Beyond OVS: the remotes in the order the session uses them (after
    /// the shuffle).
    pub fn get_remotes(&self) -> &[String] {
        &self.names
    }

    /// Beyond OVS: the health of each remote, in the order of
    /// [`get_remotes`](Self::get_remotes).
    pub fn get_remote_stats(&self) -> &[RemoteStats] {
        self.remotes.stats()
    }

    /// Beyond OVS: the options the session was opened with (as changed by
    /// [`set_open_options`](Self::set_open_options)).
    pub fn get_open_options(&self) -> &SessionOpenOptions {
        &self.opts
    }

    /// Beyond OVS: changes the options of an open session (the remote
    /// order is fixed at open and ignored here). Connection-level settings
    /// (`tcp`, `max_msg_size`, `input_buffer`) take effect from the next
    /// connection; the others at once.
    pub fn set_open_options(&mut self, options: &SessionOpenOptions) {
        let order = self.opts.order;
        let reseed = options.jitter_seed != self.opts.jitter_seed;
        self.opts = options.clone();
        self.opts.order = order;
        if reseed {
            self.seed_jitter();
        }
        self.apply_open_options();
    }

    /// Seeds the FSM's jitter draws: the seed given, or one of the
    /// session's own.
    fn seed_jitter(&mut self) {
        let seed = self.opts.jitter_seed.unwrap_or_else(random_seed);
        self.reconnect.seed_jitter(seed);
    }

    fn apply_open_options(&mut self) {
        self.remotes
            .set_deprioritize_after(self.opts.deprioritize_after);
        self.remotes.set_parallel(self.opts.parallel_connect);
        self.reconnect.set_probe_timeout(self.opts.probe_timeout_ms);
        let connect_timeout = self.opts.connect_timeout_ms.clamp(0, i64::from(i32::MAX));
        self.reconnect.set_connect_timeout(connect_timeout as i32);
        self.reconnect.set_jitter(self.opts.jitter_ms);
        if self.opts.message_timeout_ms <= 0 {
            self.message_started = None;
        }
    }

    /// Sends `msg` on the current connection, or fails with `ENOTCONN`.
    /// (`jsonrpc_session_send`)
    pub fn send(&mut self, msg: Msg) -> Result<()> {
        self.send_outgoing(&msg)
    }

    /// [`send`](Self::send) for any message a connection's output queue
    /// takes.
    pub(crate) fn send_outgoing<M: crate::jsonrpc::output::Outgoing>(
        &mut self,
        msg: &M,
    ) -> Result<()> {
        match &mut self.rpc {
            Some(rpc) => rpc.send_outgoing(msg),
            None => Err(Error::ENOTCONN),
        }
    }

    /// Beyond OVS: queues `msg` on the current connection without writing
    /// yet; the next [`run`](Self::run) writes everything queued in one go
    /// (for senders with many messages at hand). `ENOTCONN` when not
    /// connected.
    pub fn queue(&mut self, msg: Msg) -> Result<()> {
        match &mut self.rpc {
            Some(rpc) => rpc.queue(msg),
            None => Err(Error::ENOTCONN),
        }
    }

    /// Receives one message, if a whole one is there. Answers the peer's
    /// `echo` requests and swallows the replies to our own probes.
    /// (`jsonrpc_session_recv`)
    pub fn recv(&mut self) -> Option<Msg> {
        let mut parser = self.rpc.as_mut().map(|rpc| rpc.take_parser())?;
        let msg = self.recv_with(&mut parser);
        if let Some(rpc) = self.rpc.as_mut() {
            rpc.put_parser(parser);
        }
        msg
    }

    /// [`recv`](Self::recv) feeding `parser` instead of the connection's
    /// own: the C API parses straight into C nodes. The caller resets
    /// `parser` whenever the session's connection changes
    /// ([`get_seqno`](Self::get_seqno)).
    pub(crate) fn recv_with<D>(&mut self, parser: &mut D) -> Option<D::Msg>
    where
        D: Decoder,
        D::Msg: Incoming,
    {
        let rpc = self.rpc.as_mut()?;
        let received = rpc.get_received_bytes();
        let msg = rpc.recv_with(parser);
        let now = time_msec();
        self.reconnect.receive_attempted(now);
        if received != rpc.get_received_bytes() {
            // Bytes arrived: that counts as activity even if no whole message
            // did, so a large message on a slow link does not time out.
            self.reconnect.activity(now);
        }
        if self.opts.message_timeout_ms > 0 {
            if msg.is_ok() || !rpc.is_receiving_with(parser) {
                self.message_started = None;
            }
            if rpc.is_receiving_with(parser) && self.message_started.is_none() {
                self.message_started = Some(now);
            }
        }
        let msg = msg.ok()?;
        self.remotes.message_received();
        if let Some(reply) = msg.echo_reply() {
            let _ = if self.opts.echo_priority {
                rpc.send_priority(reply)
            } else {
                rpc.send(reply)
            };
            None
        } else if msg.is_echo_reply() {
            None
        } else {
            Some(msg)
        }
    }

    /// Makes the next [`poll_loop::block`] wake when [`recv`](Self::recv)
    /// may have something. (`jsonrpc_session_recv_wait`)
    #[track_caller]
    pub fn recv_wait(&self) {
        if let Some(rpc) = &self.rpc {
            rpc.recv_wait();
        }
    }

    /// True while the session is connected, trying to connect, or will try
    /// again. (`jsonrpc_session_is_alive`)
    pub fn is_alive(&self) -> bool {
        self.rpc.is_some() || !self.streams.is_empty() || self.reconnect.get_max_tries() != 0
    }

    /// True while the session has a connection.
    /// (`jsonrpc_session_is_connected`)
    pub fn is_connected(&self) -> bool {
        self.rpc.is_some()
    }

    /// A number that changes every time the session connects or
    /// disconnects. (`jsonrpc_session_get_seqno`)
    pub fn get_seqno(&self) -> u32 {
        self.seqno
    }

    /// The current connection's status (0 when fine or not connected).
    /// (`jsonrpc_session_get_status`)
    pub fn get_status(&self) -> i32 {
        self.rpc.as_ref().map_or(0, |r| r.get_status())
    }

    /// The last error any connection of this session met (0 if none ever).
    /// (`jsonrpc_session_get_last_error`)
    pub fn get_last_error(&self) -> i32 {
        self.last_error
    }

    /// The reconnect FSM's statistics now.
    /// (`jsonrpc_session_get_reconnect_stats`)
    pub fn get_reconnect_stats(&self) -> Stats {
        self.reconnect.get_stats(time_msec())
    }

    /// Lets a session opened without retry reconnect after all.
    /// (`jsonrpc_session_enable_reconnect`)
    pub fn enable_reconnect(&mut self) {
        self.reconnect.set_max_tries(u32::MAX);
        self.reconnect.set_backoff(
            reconnect::DEFAULT_MIN_BACKOFF,
            reconnect::DEFAULT_MAX_BACKOFF,
        );
    }

    /// Drops the connection (if any) and reconnects. The remote is not
    /// blamed for it. (`jsonrpc_session_force_reconnect`)
    pub fn force_reconnect(&mut self) {
        self.reconnect.force_reconnect(time_msec());
    }

    /// Lets the next full round over the remotes go without backoff (one
    /// more try if connected now, since the drop of this connection starts
    /// the round). (`jsonrpc_session_reset_backoff`)
    pub fn reset_backoff(&mut self) {
        let mut free_tries = self.names.len() as u32;
        if self.is_connected() {
            free_tries += 1;
        }
        self.reconnect.set_backoff_free_tries(free_tries);
    }

    /// Sets the maximum backoff between connection attempts, in ms.
    /// (`jsonrpc_session_set_max_backoff`)
    pub fn set_max_backoff(&mut self, max_backoff: i32) {
        self.reconnect.set_backoff(0, max_backoff);
    }

    /// Sets the idle time before an echo probe, in ms (0 disables probes).
    /// (`jsonrpc_session_set_probe_interval`)
    pub fn set_probe_interval(&mut self, probe_interval: i32) {
        self.reconnect.set_probe_interval(probe_interval);
    }

    /// Sets the DSCP value; a change closes the connection and reconnects.
    /// (`jsonrpc_session_set_dscp`)
    pub fn set_dscp(&mut self, dscp: u8) {
        if self.dscp != dscp {
            self.pstream = None;
            self.dscp = dscp;
            self.force_reconnect();
        }
    }

    /// Sets the send backlog limits: beyond `max_n_msgs` messages or
    /// `max_backlog_bytes` bytes (0: no limit) the connection is dropped.
    /// (`jsonrpc_session_set_backlog_threshold`)
    pub fn set_backlog_threshold(&mut self, max_n_msgs: usize, max_backlog_bytes: usize) {
        self.max_n_msgs = max_n_msgs;
        self.max_backlog_bytes = max_backlog_bytes;
        if let Some(rpc) = &mut self.rpc {
            rpc.set_backlog_threshold(max_n_msgs, max_backlog_bytes);
        }
    }

    /// Applies `options` (max backoff, probe interval, DSCP) at once.
    /// (`jsonrpc_session_set_options`)
    pub fn set_options(&mut self, options: &SessionOptions) {
        self.set_max_backoff(options.max_backoff);
        self.set_probe_interval(options.probe_interval);
        self.set_dscp(options.dscp);
    }
}
