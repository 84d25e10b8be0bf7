//! Unit tests of the reconnect FSM, one section per state. Every call
//! carries its time explicitly; the helpers below only shorten the asserts.

use super::*;
use libc::{ECONNREFUSED, ECONNRESET, ENOMEM};
use Action::{Connect, Disconnect, Probe};

/// `run!(fsm, at T => EXPECTED)`: `fsm.run(T)` returns `EXPECTED`.
macro_rules! run {
    ($fsm:ident, at $now:expr => $expected:expr) => {
        assert_eq!($fsm.run($now), $expected, "run() at t={}", $now)
    };
}

/// `timeout!(fsm, at T => EXPECTED)`: `fsm.timeout(T)` returns `EXPECTED`.
macro_rules! timeout {
    ($fsm:ident, at $now:expr => $expected:expr) => {
        assert_eq!($fsm.timeout($now), $expected, "timeout() at t={}", $now)
    };
}

/// `state!(fsm, at T => STATE for E ms, backoff B)`: at time T the FSM has
/// been in STATE for E ms with a current backoff of B ms.
macro_rules! state {
    ($fsm:ident, at $now:expr => $state:ident for $elapsed:tt ms, backoff $backoff:tt) => {{
        let stats = $fsm.get_stats($now);
        assert_eq!(
            (stats.state, stats.state_elapsed, stats.backoff),
            (State::$state, $elapsed, $backoff),
            "(state, elapsed, backoff) at t={}",
            $now
        );
    }};
}

/// `counts!(fsm, at T => S of A, seqno Q)`: S successful connections out of
/// A attempts, seqno Q.
macro_rules! counts {
    ($fsm:ident, at $now:expr => $ok:tt of $attempts:tt, seqno $seqno:tt) => {{
        let stats = $fsm.get_stats($now);
        assert_eq!(
            (
                stats.n_successful_connections,
                stats.n_attempted_connections,
                stats.seqno
            ),
            ($ok, $attempts, $seqno),
            "(successful, attempted, seqno) at t={}",
            $now
        );
    }};
}

/// An FSM created and enabled at `now`, with the receive-attempted check
/// turned off (see the `active` section for that check).
fn enabled(now: i64) -> Reconnect {
    let mut fsm = Reconnect::new(now);
    fsm.set_name("test");
    fsm.receive_attempted(i64::MAX);
    fsm.enable(now);
    fsm
}

/// An FSM created, enabled and connected at `now`.
fn connected(now: i64) -> Reconnect {
    let mut fsm = enabled(now);
    assert_eq!(fsm.run(now), Some(Connect));
    fsm.connected(now);
    fsm
}

/// A passive FSM created and enabled at `now`.
fn passive(now: i64) -> Reconnect {
    let mut fsm = Reconnect::new(now);
    fsm.set_name("ptest");
    fsm.receive_attempted(i64::MAX);
    fsm.set_passive(true, now);
    fsm.enable(now);
    fsm
}

mod active;
mod backoff;
mod connecting;
mod forced_reconnect;
mod idle;
mod jitter;
mod listening;
mod misc;
mod settings;
mod stats;
mod tries;
mod void;
