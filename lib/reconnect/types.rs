//! The FSM's vocabulary: its states, the actions it asks for, and its
//! statistics (OVS's `struct reconnect_stats`).

use std::ffi::CStr;
use std::fmt;

/// A state of the reconnect FSM. `Display` gives OVS's name (`BACKOFF`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum State {
    /// Disabled: `run` never asks for anything.
    Void,
    /// Waiting out the backoff before the next connection (or listen)
    /// attempt.
    Backoff,
    /// A connection (or listen) attempt is in progress.
    Connecting,
    /// Connected, and the peer was heard from within the probe interval.
    Active,
    /// Connected, a probe was sent, no answer yet.
    Idle,
    /// The client forced a reconnection: the connection should be dropped.
    Reconnect,
    /// Passive mode: listening for incoming connections.
    Listening,
}

impl State {
    /// OVS's name for the state (`VOID`, `BACKOFF`, `CONNECTING`, `ACTIVE`,
    /// `IDLE`, `RECONNECT`, `LISTENING`).
    pub const fn name(self) -> &'static str {
        match self {
            State::Void => "VOID",
            State::Backoff => "BACKOFF",
            State::Connecting => "CONNECTING",
            State::Active => "ACTIVE",
            State::Idle => "IDLE",
            State::Reconnect => "RECONNECT",
            State::Listening => "LISTENING",
        }
    }

    /// The same name as a static C string, for `reconnect_stats.state` in
    /// the C ABI.
    pub fn c_name(self) -> &'static CStr {
        let bytes: &'static [u8] = match self {
            State::Void => b"VOID\0",
            State::Backoff => b"BACKOFF\0",
            State::Connecting => b"CONNECTING\0",
            State::Active => b"ACTIVE\0",
            State::Idle => b"IDLE\0",
            State::Reconnect => b"RECONNECT\0",
            State::Listening => b"LISTENING\0",
        };
        CStr::from_bytes_with_nul(bytes).unwrap_or_default()
    }

    /// True for the connected states, `ACTIVE` and `IDLE`.
    pub const fn is_connected(self) -> bool {
        matches!(self, State::Active | State::Idle)
    }
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What [`run`](super::Reconnect::run) asks the client to do. The
/// discriminants are OVS's `enum reconnect_action` values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(i32)]
pub enum Action {
    /// Start a connection attempt (passive: start listening) and report
    /// how it goes with
    /// [`connecting`](super::Reconnect::connecting),
    /// [`listening`](super::Reconnect::listening),
    /// [`connected`](super::Reconnect::connected) or
    /// [`connect_failed`](super::Reconnect::connect_failed).
    Connect = 1,
    /// Drop the connection, connection attempt or listen attempt, then
    /// report it with [`disconnected`](super::Reconnect::disconnected) or
    /// [`connect_failed`](super::Reconnect::connect_failed).
    Disconnect = 2,
    /// Send the peer something that elicits a reply (an echo request), to
    /// find out whether the connection still works.
    Probe = 3,
}

/// A snapshot of the FSM's statistics, field for field OVS's
/// `struct reconnect_stats`. Times and durations are in milliseconds; the
/// unsigned durations wrap as OVS's `unsigned int` does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stats {
    /// When the FSM was created.
    pub creation_time: i64,
    /// Time of the last [`activity`](super::Reconnect::activity) report
    /// (the creation time before any).
    pub last_activity: i64,
    /// Time of the last [`connected`](super::Reconnect::connected) report,
    /// `i64::MAX` if never.
    pub last_connected: i64,
    /// Time of the last disconnection from a connected state, `i64::MAX`
    /// if never.
    pub last_disconnected: i64,
    /// Current backoff duration.
    pub backoff: i32,
    /// Number of connections plus number of disconnections.
    pub seqno: u32,
    /// Currently connected (`ACTIVE` or `IDLE`)?
    pub is_connected: bool,
    /// Time since the last connection, `u32::MAX` if never connected.
    pub msec_since_connect: u32,
    /// Time since the last disconnection, `u32::MAX` if never
    /// disconnected.
    pub msec_since_disconnect: u32,
    /// Sum of the durations of all connections, the current one included.
    pub total_connected_duration: u32,
    /// Number of connection attempts that finished (successfully or not).
    pub n_attempted_connections: u32,
    /// Number of connection attempts that succeeded.
    pub n_successful_connections: u32,
    /// Current state (for humans debugging; its name is
    /// [`State::name`]).
    pub state: State,
    /// Time since the current state was entered.
    pub state_elapsed: u32,
}
