//! OVS's reconnect state machine: when to connect, back off, probe and give up.
//!
//! [`Reconnect`] is the finite-state machine of OVS's `lib/reconnect.c`. It
//! decides when a client should (re)connect to, or listen for, a peer, how
//! long to back off after a failure (starting at the minimum backoff and
//! doubling up to the maximum), and when an idle connection should be probed
//! and finally dropped. It does no networking and reads no clock: every call
//! that depends on time takes `now`, in milliseconds on the monotonic clock
//! ([`crate::timeval::time_msec`] outside tests).
//!
//! # States
//!
//! | state | meaning | leaves when |
//! |---|---|---|
//! | `VOID` | disabled | [`Reconnect::enable`] |
//! | `BACKOFF` | waiting before the next attempt | the backoff ends: `run` says [`Action::Connect`] |
//! | `CONNECTING` | an attempt is in progress | [`Reconnect::connected`], [`Reconnect::connect_failed`], or it times out: `run` says [`Action::Disconnect`] |
//! | `ACTIVE` | connected, peer recently heard from | the probe interval passes without activity: `run` says [`Action::Probe`] |
//! | `IDLE` | connected, probe sent, no answer yet | [`Reconnect::activity`], or another probe interval passes: `run` says [`Action::Disconnect`] |
//! | `RECONNECT` | the client asked to drop the connection | `run` says [`Action::Disconnect`] |
//! | `LISTENING` | passive: listening for connections | [`Reconnect::connected`] or [`Reconnect::listen_error`] |
//!
//! # Driving it
//!
//! In each pass of the main loop the owner calls, in this order:
//!
//! 1. [`Reconnect::run`] with the current time, and acts on its answer:
//!    start a connection attempt (then report it with
//!    [`Reconnect::connecting`], [`Reconnect::connected`] or
//!    [`Reconnect::connect_failed`]), close the connection (then report it
//!    with [`Reconnect::disconnected`]) or send a probe;
//! 2. the event reports as things happen: [`Reconnect::activity`] when data
//!    arrives or a stalled queue drains, [`Reconnect::receive_attempted`]
//!    each time it tries to read, [`Reconnect::disconnected`] when the
//!    connection drops;
//! 3. [`Reconnect::wait`] (or [`Reconnect::timeout`]) so that the poll loop
//!    wakes up when `run` will next have something to say.
//!
//! ```
//! use ovsrpc::reconnect::{Action, Reconnect};
//!
//! let mut fsm = Reconnect::new(1000);
//! fsm.set_name("tcp:127.0.0.1:6640");
//! fsm.enable(1000);
//! assert_eq!(fsm.run(1000), Some(Action::Connect));
//! fsm.connect_failed(1000, libc::ECONNREFUSED);
//! assert_eq!(fsm.timeout(1000), Some(1000)); // back off for the minimum, 1 s
//! assert_eq!(fsm.run(2000), Some(Action::Connect));
//! fsm.connected(2000);
//! assert!(fsm.is_connected());
//! ```
//!
//! # Logging
//!
//! Messages use OVS's wording and levels (`NAME: connecting...`,
//! `NAME: connection attempt failed (Connection refused)`, ...).
//! [`Reconnect::set_quiet`] lowers the informational ones to debug level,
//! exactly where OVS uses the FSM's configurable level; the messages OVS
//! always logs at info, warning or error level keep that level.

use std::panic::Location;

use log::Level;

use crate::error::{retval_to_string, EOF};
use crate::poll_loop::{self, Source};

mod beyond;
mod types;

pub use types::{Action, State, Stats};

/// Default minimum backoff, in milliseconds (`RECONNECT_DEFAULT_MIN_BACKOFF`).
pub const DEFAULT_MIN_BACKOFF: i32 = 1000;
/// Default maximum backoff, in milliseconds (`RECONNECT_DEFAULT_MAX_BACKOFF`).
pub const DEFAULT_MAX_BACKOFF: i32 = 8000;
/// Default probe interval, in milliseconds
/// (`RECONNECT_DEFAULT_PROBE_INTERVAL`).
pub const DEFAULT_PROBE_INTERVAL: i32 = 5000;

/// OVS's reconnect FSM. See the [module documentation](self) for the
/// states and the order in which a main loop calls the methods.
///
/// All times are milliseconds on one monotonic clock, passed in by the
/// caller; errors are OVS return values: 0 for none, a positive errno, or
/// [`EOF`] (-1) when the peer closed the connection.
#[derive(Clone, Debug)]
pub struct Reconnect {
    // Configuration.
    name: String,
    min_backoff: i32,
    max_backoff: i32,
    probe_interval: i32,
    probe_timeout: i32,
    connect_timeout: i32,
    /// The text to log for the failure being reported, if not the errno's.
    reason: Option<String>,
    passive: bool,
    /// Level of the informational messages: info, or debug when quiet.
    info: Level,

    // State.
    state: State,
    state_entered: i64,
    backoff: i32,
    last_activity: i64,
    last_connected: i64,
    last_disconnected: i64,
    last_receive_attempt: i64,
    max_tries: u32,
    backoff_free_tries: u32,

    // Statistics only.
    creation_time: i64,
    n_attempted_connections: u32,
    n_successful_connections: u32,
    total_connected_duration: u32,
    seqno: u32,
}

impl Reconnect {
    /// Creates a disabled FSM (state `VOID`) with the default settings:
    /// name `void`, backoff from 1000 to 8000 ms, probe interval 5000 ms,
    /// active mode, unlimited tries. Callers usually follow with
    /// [`set_name`](Self::set_name) and [`enable`](Self::enable).
    /// (`reconnect_create`)
    pub fn new(now: i64) -> Reconnect {
        Reconnect {
            name: "void".to_string(),
            min_backoff: DEFAULT_MIN_BACKOFF,
            max_backoff: DEFAULT_MAX_BACKOFF,
            probe_interval: DEFAULT_PROBE_INTERVAL,
            probe_timeout: 0,
            connect_timeout: 0,
            reason: None,
            passive: false,
            info: Level::Info,
            state: State::Void,
            state_entered: now,
            backoff: 0,
            last_activity: now,
            last_connected: i64::MAX,
            last_disconnected: i64::MAX,
            last_receive_attempt: now,
            max_tries: u32::MAX,
            backoff_free_tries: 0,
            creation_time: now,
            n_attempted_connections: 0,
            n_successful_connections: 0,
            total_connected_duration: 0,
            seqno: 0,
        }
    }

    /// With `quiet`, informational messages are logged at debug level
    /// (for connections expected to be short-lived, whose comings and
    /// goings would only clutter the log); without, at info level, the
    /// default. Warnings, errors, debug messages and the few messages OVS
    /// always logs at info level are unaffected. (`reconnect_set_quiet`)
    pub fn set_quiet(&mut self, quiet: bool) {
        self.info = if quiet { Level::Debug } else { Level::Info };
    }

    /// The name used in log messages. (`reconnect_get_name`)
    pub fn get_name(&self) -> &str {
        &self.name
    }

    /// Sets the name used in log messages. (`reconnect_set_name`; the C ABI
    /// maps a null name to `void`, as OVS does.)
    pub fn set_name(&mut self, name: &str) {
        self.name = name.to_string();
    }

    /// Minimum backoff between connection attempts, in milliseconds.
    /// (`reconnect_get_min_backoff`)
    pub fn get_min_backoff(&self) -> i32 {
        self.min_backoff
    }

    /// Maximum backoff between connection attempts, in milliseconds.
    /// (`reconnect_get_max_backoff`)
    pub fn get_max_backoff(&self) -> i32 {
        self.max_backoff
    }

    /// The probe interval in milliseconds; 0 means connections are never
    /// probed. (`reconnect_get_probe_interval`)
    pub fn get_probe_interval(&self) -> i32 {
        self.probe_interval
    }

    /// Limits the number of connection attempts the FSM will ask for to
    /// `max_tries`; `u32::MAX`, the default, means unlimited. Each
    /// [`enable`](Self::enable) and each retry after a disconnection uses
    /// one try; when none are left the FSM disables itself instead of
    /// backing off. (`reconnect_set_max_tries`)
    pub fn set_max_tries(&mut self, max_tries: u32) {
        self.max_tries = max_tries;
    }

    /// The number of connection attempts left, `u32::MAX` if unlimited.
    /// (`reconnect_get_max_tries`)
    pub fn get_max_tries(&self) -> u32 {
        self.max_tries
    }

    /// After a disconnection, the next `backoff_free_tries - 1` attempts
    /// are made without any backoff; 0 and 1 both mean a single attempt
    /// (the ordinary behaviour). A session with several remotes sets this
    /// to the number of remotes so that it tries each of them once before
    /// backing off. (`reconnect_set_backoff_free_tries`)
    pub fn set_backoff_free_tries(&mut self, backoff_free_tries: u32) {
        self.backoff_free_tries = backoff_free_tries;
    }

    /// Sets the minimum and maximum backoff, in milliseconds. The minimum
    /// is raised to at least 1000; a maximum of 0 means the default (8000),
    /// any other maximum is raised to at least 1000 and to at least the
    /// minimum. The current backoff is also how long a connection attempt
    /// may take.
    ///
    /// As in OVS, if the FSM is backing off with a current backoff above
    /// the `max_backoff` argument, the current backoff is cut to that
    /// argument as given (before the adjustments above).
    /// (`reconnect_set_backoff`)
    pub fn set_backoff(&mut self, min_backoff: i32, max_backoff: i32) {
        self.min_backoff = min_backoff.max(1000);
        self.max_backoff = if max_backoff != 0 {
            max_backoff.max(1000)
        } else {
            DEFAULT_MAX_BACKOFF
        };
        if self.min_backoff > self.max_backoff {
            self.max_backoff = self.min_backoff;
        }

        if self.state == State::Backoff && self.backoff > max_backoff {
            self.backoff = max_backoff;
        }
    }

    /// Sets the probe interval in milliseconds: after that long connected
    /// without [`activity`](Self::activity), `run` asks for a probe; after
    /// another interval without an answer, for a disconnection. 0 disables
    /// probing; any other value is raised to at least 1000.
    /// (`reconnect_set_probe_interval`)
    pub fn set_probe_interval(&mut self, probe_interval: i32) {
        self.probe_interval = if probe_interval != 0 {
            probe_interval.max(1000)
        } else {
            0
        };
    }

    /// True in passive mode (listening for connections), false in active
    /// mode (connecting), the default. (`reconnect_is_passive`)
    pub fn is_passive(&self) -> bool {
        self.passive
    }

    /// Chooses passive (listening) or active (connecting) mode. Switching to
    /// passive while connecting or reconnecting, or to active while
    /// listening (if a try is left), restarts with no backoff.
    /// (`reconnect_set_passive`)
    pub fn set_passive(&mut self, passive: bool, now: i64) {
        if self.passive != passive {
            self.passive = passive;

            let restart = if passive {
                matches!(self.state, State::Connecting | State::Reconnect)
            } else {
                self.state == State::Listening && self.may_retry()
            };
            if restart {
                self.transition(now, State::Backoff);
                self.backoff = 0;
            }
        }
    }

    /// True unless the FSM is disabled (state `VOID`).
    /// (`reconnect_is_enabled`)
    pub fn is_enabled(&self) -> bool {
        self.state != State::Void
    }

    /// If disabled and a try is left, enables the FSM with no backoff, so
    /// that the next [`run`](Self::run) says [`Action::Connect`]. Otherwise
    /// does nothing. (`reconnect_enable`)
    pub fn enable(&mut self, now: i64) {
        if self.state == State::Void && self.may_retry() {
            self.transition(now, State::Backoff);
            self.backoff = 0;
        }
    }

    /// Disables the FSM: until it is enabled again, `run` asks for nothing.
    /// (`reconnect_disable`)
    pub fn disable(&mut self, now: i64) {
        if self.state != State::Void {
            self.transition(now, State::Void);
        }
    }

    /// If connected or connecting, makes the next [`run`](Self::run) say
    /// [`Action::Disconnect`], so that the client drops the connection,
    /// backs off and reconnects. (`reconnect_force_reconnect`)
    pub fn force_reconnect(&mut self, now: i64) {
        if matches!(self.state, State::Connecting | State::Active | State::Idle) {
            self.transition(now, State::Reconnect);
        }
    }

    /// If backing off, ends the backoff: the next [`run`](Self::run) says
    /// [`Action::Connect`].
    ///
    /// OVS's `reconnect.h` declares `reconnect_skip_backoff()` without
    /// defining it; this is the natural meaning, done the way
    /// [`enable`](Self::enable) starts without backoff (the current backoff
    /// becomes 0).
    pub fn skip_backoff(&mut self) {
        if self.state == State::Backoff {
            self.backoff = 0;
        }
    }

    /// True if connected (`ACTIVE` or `IDLE`): [`connected`](Self::connected)
    /// was reported more recently than a failure, a disconnection or
    /// [`disable`](Self::disable). (`reconnect_is_connected`)
    pub fn is_connected(&self) -> bool {
        self.state.is_connected()
    }

    /// Milliseconds since the last successful connection (even if it has
    /// since dropped), `u32::MAX` if never connected.
    /// (`reconnect_get_last_connect_elapsed`)
    pub fn get_last_connect_elapsed(&self, now: i64) -> u32 {
        elapsed_or_max(self.last_connected, now)
    }

    /// Milliseconds since the last disconnection (even if connected again
    /// since), `u32::MAX` if never disconnected.
    /// (`reconnect_get_last_disconnect_elapsed`)
    pub fn get_last_disconnect_elapsed(&self, now: i64) -> u32 {
        elapsed_or_max(self.last_disconnected, now)
    }

    /// The current state.
    pub fn state(&self) -> State {
        self.state
    }

    /// Reports that the connection dropped, or that a connection or listen
    /// attempt failed. `error` says why: a positive errno, [`EOF`] if the
    /// peer closed the connection, 0 if there is no specific reason.
    ///
    /// Unless disabled or already backing off, the FSM logs what happened
    /// and backs off: without backoff while backoff-free tries remain;
    /// for the minimum backoff (passive: none) if the connection saw
    /// activity for at least the current backoff; otherwise starting at the
    /// minimum and doubling up to the maximum. With no tries left it
    /// disables itself instead. (`reconnect_disconnected`)
    pub fn disconnected(&mut self, now: i64, error: i32) {
        if matches!(self.state, State::Backoff | State::Void) {
            return;
        }

        // Report what happened.
        let name = &self.name;
        match self.state {
            State::Active | State::Idle => {
                if error > 0 {
                    log::warn!("{}: connection dropped ({})", name, retval_to_string(error));
                } else if error == EOF {
                    log::log!(self.info, "{}: connection closed by peer", name);
                } else {
                    log::log!(self.info, "{}: connection dropped", name);
                }
            }
            State::Listening => {
                if error > 0 {
                    log::warn!(
                        "{}: error listening for connections ({})",
                        name,
                        retval_to_string(error)
                    );
                } else {
                    log::log!(self.info, "{}: error listening for connections", name);
                }
            }
            _ if self.backoff < self.max_backoff => {
                let kind = if self.passive { "listen" } else { "connection" };
                if error > 0 {
                    let text = match &self.reason {
                        Some(reason) => reason.clone(),
                        None => retval_to_string(error),
                    };
                    log::info!("{}: {} attempt failed ({})", name, kind, text);
                } else {
                    log::log!(self.info, "{}: {} attempt timed out", name, kind);
                }
            }
            _ => {
                // The backoff is at its maximum: stay silent rather than
                // fill the log (that was announced when it got there).
            }
        }

        if self.state.is_connected() {
            self.last_disconnected = now;
        }

        if !self.may_retry() {
            self.transition(now, State::Void);
            return;
        }

        // Back off.
        if self.backoff_free_tries > 1 {
            self.backoff_free_tries -= 1;
            self.backoff = 0;
        } else if self.state.is_connected()
            && (self.last_activity.saturating_sub(self.last_connected) >= i64::from(self.backoff)
                || self.passive)
        {
            self.backoff = if self.passive { 0 } else { self.min_backoff };
        } else if self.backoff < self.min_backoff {
            self.backoff = self.min_backoff;
        } else if self.backoff < self.max_backoff / 2 {
            self.backoff *= 2;
            log::log!(
                self.info,
                "{}: waiting {} seconds before {}",
                self.name,
                format_g3(f64::from(self.backoff) / 1000.0),
                if self.passive {
                    "trying to listen again"
                } else {
                    "reconnect"
                }
            );
        } else {
            if self.backoff < self.max_backoff {
                log::info!(
                    "{}: continuing to {} in the background but suppressing further logging",
                    self.name,
                    if self.passive {
                        "try to listen"
                    } else {
                        "reconnect"
                    }
                );
            }
            self.backoff = self.max_backoff;
        }
        self.transition(now, State::Backoff);
    }

    /// Reports that a connection attempt (passive: a listen attempt) is in
    /// progress. If it takes longer than the current backoff (at least
    /// 1000 ms; beyond OVS, the connect timeout if one is set), `run` says
    /// [`Action::Disconnect`]. (`reconnect_connecting`)
    pub fn connecting(&mut self, now: i64) {
        if self.state != State::Connecting {
            if self.passive {
                log::log!(self.info, "{}: listening...", self.name);
            } else if self.backoff < self.max_backoff {
                log::log!(self.info, "{}: connecting...", self.name);
            }
            self.transition(now, State::Connecting);
        }
    }

    /// Reports that the client (passive) is listening for connections. This
    /// lasts until it reports an accepted connection
    /// ([`connected`](Self::connected)) or a failure
    /// ([`listen_error`](Self::listen_error)). (`reconnect_listening`)
    pub fn listening(&mut self, now: i64) {
        if self.state != State::Listening {
            log::log!(self.info, "{}: listening...", self.name);
            self.transition(now, State::Listening);
        }
    }

    /// Reports that accepting a connection failed with `error` (for
    /// example `accept()` returned `ENOMEM`). While listening, the FSM
    /// backs off and then asks (with [`Action::Connect`]) to listen again;
    /// in any other state this does nothing. (`reconnect_listen_error`)
    pub fn listen_error(&mut self, now: i64, error: i32) {
        if self.state == State::Listening {
            self.disconnected(now, error);
        }
    }

    /// Reports that the connection is established. The probe timer starts;
    /// [`activity`](Self::activity) resets it. It is fine to report this
    /// as soon as the transport connects, even if a higher layer (a TLS
    /// handshake) may still fail: a connection that drops at once keeps the
    /// backoff growing. (`reconnect_connected`)
    pub fn connected(&mut self, now: i64) {
        if !self.state.is_connected() {
            self.connecting(now);

            log::log!(self.info, "{}: connected", self.name);
            self.transition(now, State::Active);
            self.last_connected = now;
        }
    }

    /// Reports that a connection attempt failed with `error` (see
    /// [`disconnected`](Self::disconnected)). The FSM backs off and then
    /// asks to try again. (`reconnect_connect_failed`)
    pub fn connect_failed(&mut self, now: i64, error: i32) {
        self.connecting(now);
        self.disconnected(now, error);
    }

    /// Reports activity on the connection (a message received, a stalled
    /// send queue draining): the peer is alive, so the probe timer
    /// restarts, and an `IDLE` connection becomes `ACTIVE` again.
    /// (`reconnect_activity`)
    pub fn activity(&mut self, now: i64) {
        if self.state == State::Idle {
            self.transition(now, State::Active);
        }
        self.last_activity = now;
    }

    /// Reports an attempt to receive from the connection at `now`, whether
    /// or not anything arrived. The probe timer only expires once a receive
    /// was attempted after its deadline, so that a long stall of the main
    /// loop (where `run` gets to look before the client gets to read) does
    /// not count as the peer's silence; until then `timeout` asks to be
    /// woken again 1 ms later. Passing `i64::MAX` turns the check off.
    /// (`reconnect_receive_attempted`)
    pub fn receive_attempted(&mut self, now: i64) {
        self.last_receive_attempt = now;
    }

    /// The only place the state changes: counts finished attempts,
    /// connections and disconnections, accumulates the connected time, and
    /// records when the new state was entered.
    fn transition(&mut self, now: i64, state: State) {
        if self.state == State::Connecting {
            self.n_attempted_connections = self.n_attempted_connections.wrapping_add(1);
            if state == State::Active {
                self.n_successful_connections = self.n_successful_connections.wrapping_add(1);
            }
        }
        if self.state.is_connected() != state.is_connected() {
            if self.state.is_connected() {
                // Truncated to 32 bits, as OVS's unsigned int.
                let duration = now.wrapping_sub(self.last_connected) as u32;
                self.total_connected_duration =
                    self.total_connected_duration.wrapping_add(duration);
            }
            self.seqno = self.seqno.wrapping_add(1);
        }

        log::debug!(
            "{}: entering {} ({}=>{})",
            self.name,
            state,
            self.state,
            state
        );
        self.state = state;
        self.state_entered = now;
    }

    /// When `run` next has something to say, `i64::MAX` for never.
    fn deadline(&self, now: i64) -> i64 {
        match self.state {
            State::Void | State::Listening => i64::MAX,
            State::Backoff => self.state_entered.saturating_add(i64::from(self.backoff)),
            State::Connecting => {
                let timeout = if self.connect_timeout > 0 {
                    self.connect_timeout
                } else {
                    self.backoff.max(1000)
                };
                self.state_entered.saturating_add(i64::from(timeout))
            }
            State::Active => {
                if self.probe_interval != 0 {
                    let base = self.last_activity.max(self.state_entered);
                    let expiration = base.saturating_add(i64::from(self.probe_interval));
                    self.probe_deadline(expiration, now)
                } else {
                    i64::MAX
                }
            }
            State::Idle => {
                if self.probe_interval != 0 {
                    let expiration = self
                        .state_entered
                        .saturating_add(i64::from(self.effective_probe_timeout()));
                    self.probe_deadline(expiration, now)
                } else {
                    i64::MAX
                }
            }
            State::Reconnect => self.state_entered,
        }
    }

    /// The probe timer's deadline: `expiration` while it is still ahead, or
    /// once a receive was attempted at or after it; otherwise (the time has
    /// passed but nobody tried to read since) 1 ms from now, to give the
    /// client a chance to try.
    fn probe_deadline(&self, expiration: i64, now: i64) -> i64 {
        if now < expiration || self.last_receive_attempt >= expiration {
            expiration
        } else {
            now.saturating_add(1)
        }
    }

    /// Says whether the client should do something now:
    ///
    /// * `None`: nothing.
    /// * [`Action::Connect`]: active mode, start connecting and report it
    ///   with [`connecting`](Self::connecting), then
    ///   [`connected`](Self::connected) or
    ///   [`connect_failed`](Self::connect_failed); passive mode, start
    ///   listening (unless already listening) and report it with
    ///   [`listening`](Self::listening), or `connecting`/`connect_failed`
    ///   if the attempt is in progress or failed. A listening client keeps
    ///   accepting and reports each accepted connection with `connected`.
    /// * [`Action::Disconnect`]: drop the connection, connection attempt or
    ///   listen attempt and report it with
    ///   [`disconnected`](Self::disconnected) or `connect_failed`.
    /// * [`Action::Probe`]: send the peer a request that elicits a reply
    ///   (only with a nonzero probe interval). The FSM is now `IDLE`.
    ///
    /// (`reconnect_run`)
    pub fn run(&mut self, now: i64) -> Option<Action> {
        if now < self.deadline(now) {
            return None;
        }
        match self.state {
            State::Void | State::Listening => None,
            State::Backoff => Some(Action::Connect),
            State::Connecting | State::Reconnect => Some(Action::Disconnect),
            State::Active => {
                log::debug!(
                    "{}: idle {} ms, sending inactivity probe",
                    self.name,
                    now.saturating_sub(self.last_activity.max(self.state_entered))
                );
                self.transition(now, State::Idle);
                Some(Action::Probe)
            }
            State::Idle => {
                log::error!(
                    "{}: no response to inactivity probe after {} seconds, disconnecting",
                    self.name,
                    format_g3(now.saturating_sub(self.state_entered) as f64 / 1000.0)
                );
                Some(Action::Disconnect)
            }
        }
    }

    /// Registers with the current thread's poll loop a timer for when
    /// [`run`](Self::run) should next be called (nothing if never).
    /// (`reconnect_wait`)
    #[track_caller]
    pub fn wait(&self, now: i64) {
        if let Some(msec) = self.timeout(now) {
            poll_loop::timer_wait_at(msec, Source::Rust(Location::caller()));
        }
    }

    /// Milliseconds until [`run`](Self::run) should next be called if
    /// nothing else happens meanwhile (0 if now, at most `i32::MAX`), or
    /// `None` if it need not be called. Pure: changes nothing.
    /// (`reconnect_timeout`)
    pub fn timeout(&self, now: i64) -> Option<i64> {
        let deadline = self.deadline(now);
        if deadline == i64::MAX {
            None
        } else {
            Some(deadline.saturating_sub(now).clamp(0, i64::from(i32::MAX)))
        }
    }

    /// A snapshot of the statistics at `now`. (`reconnect_get_stats`)
    pub fn get_stats(&self, now: i64) -> Stats {
        let msec_since_connect = self.get_last_connect_elapsed(now);
        Stats {
            creation_time: self.creation_time,
            last_activity: self.last_activity,
            last_connected: self.last_connected,
            last_disconnected: self.last_disconnected,
            backoff: self.backoff,
            seqno: self.seqno,
            is_connected: self.is_connected(),
            msec_since_connect,
            msec_since_disconnect: self.get_last_disconnect_elapsed(now),
            total_connected_duration: self.total_connected_duration.wrapping_add(
                if self.is_connected() {
                    msec_since_connect
                } else {
                    0
                },
            ),
            n_attempted_connections: self.n_attempted_connections,
            n_successful_connections: self.n_successful_connections,
            state: self.state,
            state_elapsed: now.wrapping_sub(self.state_entered) as u32,
        }
    }

    /// Uses up one try, if the number is limited; false if none was left.
    fn may_retry(&mut self) -> bool {
        let may_retry = self.max_tries > 0;
        if may_retry && self.max_tries != u32::MAX {
            self.max_tries -= 1;
        }
        may_retry
    }
}

/// `now - then` truncated to 32 bits as OVS's `unsigned int`, or `u32::MAX`
/// if `then` is "never" (`i64::MAX`).
fn elapsed_or_max(then: i64, now: i64) -> u32 {
    if then == i64::MAX {
        u32::MAX
    } else {
        now.wrapping_sub(then) as u32
    }
}

/// Formats `x` as C's `printf("%.3g", x)` does (OVS writes seconds that
/// way: `waiting 2 seconds`, `after 5.5 seconds`).
fn format_g3(x: f64) -> String {
    const PRECISION: i32 = 3;
    if x == 0.0 {
        return if x.is_sign_negative() { "-0" } else { "0" }.to_string();
    }
    if !x.is_finite() {
        return if x.is_nan() {
            "nan"
        } else if x > 0.0 {
            "inf"
        } else {
            "-inf"
        }
        .to_string();
    }
    // The exponent after rounding to PRECISION significant digits decides
    // between the fixed and the exponential styles, as in C.
    let scientific = format!("{:.*e}", (PRECISION - 1) as usize, x);
    let (mantissa, exponent) = scientific
        .split_once('e')
        .unwrap_or((scientific.as_str(), "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    if !(-4..PRECISION).contains(&exponent) {
        format!(
            "{}e{}{:02}",
            strip_fraction_zeros(mantissa),
            if exponent < 0 { '-' } else { '+' },
            exponent.abs()
        )
    } else {
        let decimals = (PRECISION - 1 - exponent) as usize;
        strip_fraction_zeros(&format!("{:.*}", decimals, x)).to_string()
    }
}

/// Removes trailing zeros after a decimal point, and the point if nothing
/// is left after it (`%g` without `#`).
fn strip_fraction_zeros(s: &str) -> &str {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.')
    } else {
        s
    }
}

#[cfg(test)]
mod tests;
