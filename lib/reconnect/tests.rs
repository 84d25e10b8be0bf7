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

mod void {
    use super::*;

    #[test]
    fn starts_disabled_with_ovs_defaults() {
        let fsm = Reconnect::new(1000);
        assert_eq!(fsm.get_name(), "void");
        assert_eq!(fsm.get_min_backoff(), 1000);
        assert_eq!(fsm.get_max_backoff(), 8000);
        assert_eq!(fsm.get_probe_interval(), 5000);
        assert_eq!(fsm.get_max_tries(), u32::MAX);
        assert!(!fsm.is_passive());
        assert!(!fsm.is_enabled());
        assert!(!fsm.is_connected());
        assert_eq!(fsm.state(), State::Void);
        timeout!(fsm, at 1000 => None);
    }

    #[test]
    fn run_never_asks_for_anything() {
        let mut fsm = Reconnect::new(1000);
        run!(fsm, at 1000 => None);
        run!(fsm, at 1_000_000 => None);
        run!(fsm, at i64::MAX => None);
        timeout!(fsm, at 1_000_000 => None);
    }

    #[test]
    fn enable_enters_backoff_with_no_backoff() {
        let mut fsm = Reconnect::new(1000);
        fsm.enable(1500);
        assert!(fsm.is_enabled());
        state!(fsm, at 1500 => Backoff for 0 ms, backoff 0);
        timeout!(fsm, at 1500 => Some(0));
        run!(fsm, at 1500 => Some(Connect));
    }

    #[test]
    fn enable_twice_keeps_the_first() {
        let mut fsm = Reconnect::new(1000);
        fsm.enable(1000);
        fsm.enable(3000);
        state!(fsm, at 3000 => Backoff for 2000 ms, backoff 0);
    }

    #[test]
    fn reports_other_than_connected_are_ignored() {
        let mut fsm = Reconnect::new(1000);
        fsm.disconnected(1100, ECONNRESET);
        fsm.listen_error(1200, ENOMEM);
        fsm.force_reconnect(1300);
        fsm.activity(1400);
        state!(fsm, at 1500 => Void for 500 ms, backoff 0);
        counts!(fsm, at 1500 => 0 of 0, seqno 0);
        // Activity is remembered even though the state does not change.
        assert_eq!(fsm.get_stats(1500).last_activity, 1400);
    }

    #[test]
    fn connected_while_disabled_counts_a_connection() {
        let mut fsm = Reconnect::new(1000);
        fsm.connected(2000);
        state!(fsm, at 2000 => Active for 0 ms, backoff 0);
        counts!(fsm, at 2000 => 1 of 1, seqno 1);
        assert_eq!(fsm.get_stats(2000).last_connected, 2000);
    }

    #[test]
    fn disable_while_connected() {
        let mut fsm = connected(1000);
        fsm.disable(3000);
        assert!(!fsm.is_enabled());
        assert!(!fsm.is_connected());
        state!(fsm, at 3000 => Void for 0 ms, backoff 0);
        counts!(fsm, at 3000 => 1 of 1, seqno 2);
        let stats = fsm.get_stats(3000);
        assert_eq!(stats.total_connected_duration, 2000);
        // Disabling is not a disconnection report.
        assert_eq!(stats.last_disconnected, i64::MAX);
        assert_eq!(stats.msec_since_disconnect, u32::MAX);
        run!(fsm, at 100_000 => None);
        timeout!(fsm, at 100_000 => None);
        // The client's report of the closed connection changes nothing.
        fsm.disconnected(3000, 0);
        state!(fsm, at 3000 => Void for 0 ms, backoff 0);
    }

    #[test]
    fn disable_then_enable_starts_over_without_backoff() {
        let mut fsm = enabled(1000);
        fsm.connect_failed(1000, ECONNREFUSED);
        state!(fsm, at 1000 => Backoff for 0 ms, backoff 1000);
        fsm.disable(1200);
        fsm.enable(1300);
        state!(fsm, at 1300 => Backoff for 0 ms, backoff 0);
        run!(fsm, at 1300 => Some(Connect));
    }
}

mod backoff {
    use super::*;

    #[test]
    fn connect_failures_double_the_backoff_up_to_the_maximum() {
        let mut fsm = enabled(1000);
        run!(fsm, at 1000 => Some(Connect));
        fsm.connect_failed(1000, ECONNREFUSED);
        state!(fsm, at 1000 => Backoff for 0 ms, backoff 1000);
        timeout!(fsm, at 1000 => Some(1000));
        run!(fsm, at 1999 => None);

        run!(fsm, at 2000 => Some(Connect));
        fsm.connecting(2000);
        timeout!(fsm, at 2000 => Some(1000));
        run!(fsm, at 3000 => Some(Disconnect));
        fsm.connect_failed(3000, 0);
        state!(fsm, at 3000 => Backoff for 0 ms, backoff 2000);

        run!(fsm, at 4999 => None);
        run!(fsm, at 5000 => Some(Connect));
        fsm.connect_failed(5000, ECONNREFUSED);
        state!(fsm, at 5000 => Backoff for 0 ms, backoff 4000);

        run!(fsm, at 9000 => Some(Connect));
        fsm.connect_failed(9000, ECONNREFUSED);
        state!(fsm, at 9000 => Backoff for 0 ms, backoff 8000);

        run!(fsm, at 17000 => Some(Connect));
        fsm.connect_failed(17000, ECONNREFUSED);
        state!(fsm, at 17000 => Backoff for 0 ms, backoff 8000);

        run!(fsm, at 24999 => None);
        run!(fsm, at 25000 => Some(Connect));
        counts!(fsm, at 25000 => 0 of 5, seqno 0);
    }

    #[test]
    fn maximum_need_not_be_a_power_of_two() {
        let mut fsm = enabled(0);
        fsm.set_backoff(1000, 5000);
        fsm.connect_failed(0, ECONNREFUSED);
        state!(fsm, at 0 => Backoff for 0 ms, backoff 1000);
        fsm.connect_failed(1000, ECONNREFUSED);
        state!(fsm, at 1000 => Backoff for 0 ms, backoff 2000);
        fsm.connect_failed(3000, ECONNREFUSED);
        state!(fsm, at 3000 => Backoff for 0 ms, backoff 4000);
        fsm.connect_failed(7000, ECONNREFUSED);
        state!(fsm, at 7000 => Backoff for 0 ms, backoff 5000);
        fsm.connect_failed(12000, ECONNREFUSED);
        state!(fsm, at 12000 => Backoff for 0 ms, backoff 5000);
    }

    #[test]
    fn first_step_is_the_minimum() {
        let mut fsm = enabled(0);
        fsm.set_backoff(3000, 10000);
        fsm.connect_failed(0, ECONNREFUSED);
        state!(fsm, at 0 => Backoff for 0 ms, backoff 3000);
        fsm.connect_failed(3000, ECONNREFUSED);
        state!(fsm, at 3000 => Backoff for 0 ms, backoff 6000);
        fsm.connect_failed(9000, ECONNREFUSED);
        state!(fsm, at 9000 => Backoff for 0 ms, backoff 10000);
    }

    #[test]
    fn run_keeps_asking_until_the_client_reports() {
        let mut fsm = enabled(1000);
        run!(fsm, at 1000 => Some(Connect));
        run!(fsm, at 1001 => Some(Connect));
        state!(fsm, at 1001 => Backoff for 1 ms, backoff 0);
    }

    #[test]
    fn disconnected_while_backing_off_is_ignored() {
        let mut fsm = enabled(1000);
        fsm.connect_failed(1000, ECONNREFUSED);
        fsm.disconnected(1500, ECONNRESET);
        state!(fsm, at 1500 => Backoff for 500 ms, backoff 1000);
        counts!(fsm, at 1500 => 0 of 1, seqno 0);
    }

    #[test]
    fn set_backoff_cuts_the_current_backoff() {
        let mut fsm = enabled(0);
        fsm.connect_failed(0, ECONNREFUSED);
        fsm.connect_failed(1000, ECONNREFUSED);
        fsm.connect_failed(3000, ECONNREFUSED);
        state!(fsm, at 3000 => Backoff for 0 ms, backoff 4000);
        fsm.set_backoff(1000, 2500);
        state!(fsm, at 3500 => Backoff for 500 ms, backoff 2500);
        timeout!(fsm, at 3500 => Some(2000));
        run!(fsm, at 5500 => Some(Connect));
    }

    #[test]
    fn set_backoff_with_default_maximum_cuts_to_zero_as_ovs_does() {
        // OVS compares the current backoff with the raw argument, so "0 for
        // the default maximum" ends the current backoff.
        let mut fsm = enabled(0);
        fsm.connect_failed(0, ECONNREFUSED);
        fsm.set_backoff(1000, 0);
        assert_eq!(fsm.get_max_backoff(), 8000);
        state!(fsm, at 0 => Backoff for 0 ms, backoff 0);
        run!(fsm, at 0 => Some(Connect));
    }

    #[test]
    fn set_backoff_outside_backoff_keeps_the_current_backoff() {
        let mut fsm = enabled(0);
        fsm.connect_failed(0, ECONNREFUSED);
        fsm.connect_failed(1000, ECONNREFUSED);
        fsm.connecting(3000);
        fsm.set_backoff(1000, 1000);
        state!(fsm, at 3000 => Connecting for 0 ms, backoff 2000);
        timeout!(fsm, at 3000 => Some(2000));
    }

    #[test]
    fn set_backoff_adjusts_its_arguments() {
        let cases = [
            ((0, 0), (1000, 8000)),
            ((500, 700), (1000, 1000)),
            ((2000, 0), (2000, 8000)),
            ((9000, 0), (9000, 9000)),
            ((5000, 2000), (5000, 5000)),
            ((1500, 30000), (1500, 30000)),
            ((-5, -5), (1000, 1000)),
        ];
        for ((min, max), expected) in cases {
            let mut fsm = Reconnect::new(0);
            fsm.set_backoff(min, max);
            assert_eq!(
                (fsm.get_min_backoff(), fsm.get_max_backoff()),
                expected,
                "set_backoff({min}, {max})"
            );
        }
    }

    #[test]
    fn skip_backoff_connects_at_once() {
        let mut fsm = enabled(1000);
        fsm.connect_failed(1000, ECONNREFUSED);
        fsm.connect_failed(2000, ECONNREFUSED);
        state!(fsm, at 2500 => Backoff for 500 ms, backoff 2000);
        fsm.skip_backoff();
        state!(fsm, at 2500 => Backoff for 500 ms, backoff 0);
        run!(fsm, at 2500 => Some(Connect));
        // The next failure starts again from the minimum.
        fsm.connect_failed(2500, ECONNREFUSED);
        state!(fsm, at 2500 => Backoff for 0 ms, backoff 1000);
    }

    #[test]
    fn skip_backoff_outside_backoff_does_nothing() {
        let mut fsm = enabled(1000);
        fsm.connect_failed(1000, ECONNREFUSED);
        fsm.connecting(2000);
        fsm.skip_backoff();
        state!(fsm, at 2000 => Connecting for 0 ms, backoff 1000);
    }
}

mod connecting {
    use super::*;

    #[test]
    fn attempt_times_out_after_at_least_one_second() {
        let mut fsm = enabled(1000);
        run!(fsm, at 1000 => Some(Connect));
        fsm.connecting(1000);
        state!(fsm, at 1000 => Connecting for 0 ms, backoff 0);
        timeout!(fsm, at 1000 => Some(1000));
        run!(fsm, at 1999 => None);
        run!(fsm, at 2000 => Some(Disconnect));
        run!(fsm, at 2001 => Some(Disconnect));
        state!(fsm, at 2001 => Connecting for 1001 ms, backoff 0);
        fsm.connect_failed(2001, 0);
        state!(fsm, at 2001 => Backoff for 0 ms, backoff 1000);
        counts!(fsm, at 2001 => 0 of 1, seqno 0);
    }

    #[test]
    fn attempt_may_take_as_long_as_the_backoff() {
        let mut fsm = enabled(1000);
        fsm.connect_failed(1000, ECONNREFUSED);
        fsm.connect_failed(2000, ECONNREFUSED);
        state!(fsm, at 2000 => Backoff for 0 ms, backoff 2000);
        run!(fsm, at 4000 => Some(Connect));
        fsm.connecting(4000);
        timeout!(fsm, at 4000 => Some(2000));
        run!(fsm, at 5999 => None);
        run!(fsm, at 6000 => Some(Disconnect));
    }

    #[test]
    fn connecting_twice_keeps_the_timer() {
        let mut fsm = enabled(1000);
        fsm.connecting(1000);
        fsm.connecting(1500);
        state!(fsm, at 1500 => Connecting for 500 ms, backoff 0);
        timeout!(fsm, at 1500 => Some(500));
    }

    #[test]
    fn slow_connect_succeeds() {
        let mut fsm = enabled(1000);
        run!(fsm, at 1000 => Some(Connect));
        fsm.connecting(1000);
        run!(fsm, at 1500 => None);
        fsm.connected(1500);
        assert!(fsm.is_connected());
        state!(fsm, at 1500 => Active for 0 ms, backoff 0);
        counts!(fsm, at 1500 => 1 of 1, seqno 1);
        let stats = fsm.get_stats(1500);
        assert_eq!(stats.last_connected, 1500);
        assert_eq!(stats.msec_since_connect, 0);
        assert_eq!(stats.total_connected_duration, 0);
    }

    #[test]
    fn connected_without_connecting_first() {
        let mut fsm = enabled(1000);
        fsm.connected(1000);
        state!(fsm, at 1000 => Active for 0 ms, backoff 0);
        counts!(fsm, at 1000 => 1 of 1, seqno 1);
        // A second report changes nothing.
        fsm.connected(1200);
        state!(fsm, at 1200 => Active for 200 ms, backoff 0);
        counts!(fsm, at 1200 => 1 of 1, seqno 1);
    }

    #[test]
    fn force_reconnect_aborts_the_attempt() {
        let mut fsm = enabled(1000);
        fsm.connecting(1000);
        fsm.force_reconnect(1200);
        state!(fsm, at 1200 => Reconnect for 0 ms, backoff 0);
        counts!(fsm, at 1200 => 0 of 1, seqno 0);
        run!(fsm, at 1200 => Some(Disconnect));
        fsm.disconnected(1200, 0);
        state!(fsm, at 1200 => Backoff for 0 ms, backoff 1000);
        counts!(fsm, at 1200 => 0 of 1, seqno 0);
    }
}

mod active {
    use super::*;

    #[test]
    fn probe_after_the_interval_without_activity() {
        let mut fsm = connected(1000);
        timeout!(fsm, at 1000 => Some(5000));
        run!(fsm, at 5999 => None);
        run!(fsm, at 6000 => Some(Probe));
        state!(fsm, at 6000 => Idle for 0 ms, backoff 0);
        assert!(fsm.is_connected());
        counts!(fsm, at 6000 => 1 of 1, seqno 1);
    }

    #[test]
    fn activity_postpones_the_probe() {
        let mut fsm = connected(1000);
        fsm.activity(3000);
        timeout!(fsm, at 3000 => Some(5000));
        run!(fsm, at 6000 => None);
        fsm.activity(7000);
        state!(fsm, at 7000 => Active for 6000 ms, backoff 0);
        run!(fsm, at 11999 => None);
        run!(fsm, at 12000 => Some(Probe));
    }

    #[test]
    fn activity_before_the_connection_does_not_postpone() {
        let mut fsm = enabled(0);
        fsm.activity(500);
        state!(fsm, at 500 => Backoff for 500 ms, backoff 0);
        fsm.connected(1000);
        timeout!(fsm, at 1000 => Some(5000));
        run!(fsm, at 6000 => Some(Probe));
    }

    #[test]
    fn zero_probe_interval_never_probes() {
        let mut fsm = connected(1000);
        fsm.set_probe_interval(0);
        timeout!(fsm, at 1000 => None);
        run!(fsm, at 1_000_000 => None);
        state!(fsm, at 1_000_000 => Active for 999000 ms, backoff 0);
    }

    #[test]
    fn changing_the_probe_interval_moves_the_deadline() {
        let mut fsm = connected(1000);
        fsm.set_probe_interval(2000);
        timeout!(fsm, at 1000 => Some(2000));
        run!(fsm, at 3000 => Some(Probe));
    }

    #[test]
    fn drop_records_the_disconnection() {
        let mut fsm = connected(1000);
        fsm.disconnected(4000, ECONNRESET);
        assert!(!fsm.is_connected());
        state!(fsm, at 4000 => Backoff for 0 ms, backoff 1000);
        counts!(fsm, at 4000 => 1 of 1, seqno 2);
        let stats = fsm.get_stats(5000);
        assert_eq!(stats.last_disconnected, 4000);
        assert_eq!(stats.msec_since_disconnect, 1000);
        assert_eq!(stats.msec_since_connect, 4000);
        assert_eq!(stats.total_connected_duration, 3000);
        assert_eq!(fsm.get_last_disconnect_elapsed(5000), 1000);
        assert_eq!(fsm.get_last_connect_elapsed(5000), 4000);
    }

    /// Backs off to 4000 ms with three failures, then connects at 7000.
    fn connected_with_backoff_4000() -> Reconnect {
        let mut fsm = enabled(0);
        fsm.connect_failed(0, ECONNREFUSED);
        fsm.connect_failed(1000, ECONNREFUSED);
        fsm.connect_failed(3000, ECONNREFUSED);
        run!(fsm, at 7000 => Some(Connect));
        fsm.connected(7000);
        state!(fsm, at 7000 => Active for 0 ms, backoff 4000);
        fsm
    }

    #[test]
    fn connection_active_for_the_backoff_resets_it() {
        let mut fsm = connected_with_backoff_4000();
        fsm.activity(11000);
        fsm.disconnected(12000, EOF);
        state!(fsm, at 12000 => Backoff for 0 ms, backoff 1000);
    }

    #[test]
    fn brief_connection_keeps_the_backoff_growing() {
        let mut fsm = connected_with_backoff_4000();
        fsm.activity(10999);
        fsm.disconnected(12000, EOF);
        state!(fsm, at 12000 => Backoff for 0 ms, backoff 8000);
    }

    #[test]
    fn connection_dropped_right_after_connecting() {
        let mut fsm = connected(1000);
        // No activity at all: with no backoff yet, the minimum applies.
        fsm.disconnected(1000, EOF);
        state!(fsm, at 1000 => Backoff for 0 ms, backoff 1000);
        run!(fsm, at 2000 => Some(Connect));
        fsm.connected(2000);
        fsm.disconnected(2000, EOF);
        state!(fsm, at 2000 => Backoff for 0 ms, backoff 2000);
        run!(fsm, at 4000 => Some(Connect));
        fsm.connected(4000);
        fsm.disconnected(4000, ECONNRESET);
        state!(fsm, at 4000 => Backoff for 0 ms, backoff 4000);
        counts!(fsm, at 4000 => 3 of 3, seqno 6);
    }

    #[test]
    fn receive_attempted_holds_the_probe_until_a_read_was_tried() {
        let mut fsm = Reconnect::new(1000);
        fsm.enable(1000);
        fsm.connected(1000);
        // The last receive attempt is the creation time.
        timeout!(fsm, at 1000 => Some(5000));
        run!(fsm, at 6000 => None);
        timeout!(fsm, at 6000 => Some(1));
        timeout!(fsm, at 7000 => Some(1));
        fsm.receive_attempted(5999);
        run!(fsm, at 7000 => None);
        fsm.receive_attempted(7000);
        timeout!(fsm, at 7000 => Some(0));
        run!(fsm, at 7000 => Some(Probe));
        // The same holds for the answer to the probe.
        timeout!(fsm, at 7000 => Some(5000));
        run!(fsm, at 12000 => None);
        timeout!(fsm, at 12000 => Some(1));
        fsm.receive_attempted(12000);
        run!(fsm, at 12000 => Some(Disconnect));
    }

    #[test]
    fn receive_attempted_exactly_at_the_deadline_counts() {
        let mut fsm = Reconnect::new(1000);
        fsm.enable(1000);
        fsm.connected(1000);
        fsm.receive_attempted(6000);
        run!(fsm, at 6000 => Some(Probe));
    }
}

mod idle {
    use super::*;

    #[test]
    fn unanswered_probe_disconnects_after_another_interval() {
        let mut fsm = connected(1000);
        run!(fsm, at 6000 => Some(Probe));
        timeout!(fsm, at 6000 => Some(5000));
        run!(fsm, at 10999 => None);
        run!(fsm, at 11000 => Some(Disconnect));
        run!(fsm, at 11001 => Some(Disconnect));
        state!(fsm, at 11001 => Idle for 5001 ms, backoff 0);
        fsm.disconnected(11001, 0);
        state!(fsm, at 11001 => Backoff for 0 ms, backoff 1000);
        counts!(fsm, at 11001 => 1 of 1, seqno 2);
        let stats = fsm.get_stats(11001);
        assert_eq!(stats.last_disconnected, 11001);
        assert_eq!(stats.total_connected_duration, 10001);
    }

    #[test]
    fn activity_answers_the_probe() {
        let mut fsm = connected(1000);
        run!(fsm, at 6000 => Some(Probe));
        fsm.activity(6500);
        state!(fsm, at 6500 => Active for 0 ms, backoff 0);
        // Still the same connection.
        counts!(fsm, at 6500 => 1 of 1, seqno 1);
        run!(fsm, at 11499 => None);
        run!(fsm, at 11500 => Some(Probe));
    }

    #[test]
    fn zero_probe_interval_while_idle_waits_forever() {
        let mut fsm = connected(1000);
        run!(fsm, at 6000 => Some(Probe));
        fsm.set_probe_interval(0);
        timeout!(fsm, at 6000 => None);
        run!(fsm, at 1_000_000 => None);
    }

    #[test]
    fn force_reconnect_while_idle() {
        let mut fsm = connected(1000);
        run!(fsm, at 6000 => Some(Probe));
        fsm.force_reconnect(7000);
        state!(fsm, at 7000 => Reconnect for 0 ms, backoff 0);
        run!(fsm, at 7000 => Some(Disconnect));
    }
}

mod forced_reconnect {
    use super::*;

    #[test]
    fn force_reconnect_asks_for_a_disconnect_at_once() {
        let mut fsm = connected(1000);
        fsm.force_reconnect(3000);
        assert!(!fsm.is_connected());
        state!(fsm, at 3000 => Reconnect for 0 ms, backoff 0);
        counts!(fsm, at 3000 => 1 of 1, seqno 2);
        assert_eq!(fsm.get_stats(3000).total_connected_duration, 2000);
        timeout!(fsm, at 3000 => Some(0));
        run!(fsm, at 3000 => Some(Disconnect));
        fsm.disconnected(3000, 0);
        state!(fsm, at 3000 => Backoff for 0 ms, backoff 1000);
        // Leaving RECONNECT is not counted as a disconnection from a
        // connected state.
        assert_eq!(fsm.get_stats(3000).last_disconnected, i64::MAX);
        counts!(fsm, at 3000 => 1 of 1, seqno 2);
        run!(fsm, at 4000 => Some(Connect));
    }

    #[test]
    fn force_reconnect_when_not_connected_does_nothing() {
        let mut fsm = enabled(1000);
        fsm.force_reconnect(1000);
        state!(fsm, at 1000 => Backoff for 0 ms, backoff 0);
        let mut fsm = passive(1000);
        fsm.listening(1000);
        fsm.force_reconnect(1000);
        state!(fsm, at 1000 => Listening for 0 ms, backoff 0);
    }

    #[test]
    fn switching_to_passive_restarts_without_backoff() {
        let mut fsm = connected(1000);
        fsm.force_reconnect(2000);
        fsm.set_passive(true, 2500);
        assert!(fsm.is_passive());
        state!(fsm, at 2500 => Backoff for 0 ms, backoff 0);
        run!(fsm, at 2500 => Some(Connect));
    }
}

mod listening {
    use super::*;

    #[test]
    fn listens_until_told_otherwise() {
        let mut fsm = passive(1000);
        run!(fsm, at 1000 => Some(Connect));
        fsm.listening(1000);
        state!(fsm, at 1000 => Listening for 0 ms, backoff 0);
        assert!(!fsm.is_connected());
        timeout!(fsm, at 1000 => None);
        run!(fsm, at 1_000_000 => None);
        counts!(fsm, at 1_000_000 => 0 of 0, seqno 0);
    }

    #[test]
    fn listen_errors_back_off() {
        let mut fsm = passive(1000);
        fsm.listening(1000);
        fsm.listen_error(1000, ENOMEM);
        state!(fsm, at 1000 => Backoff for 0 ms, backoff 1000);
        timeout!(fsm, at 1000 => Some(1000));
        run!(fsm, at 2000 => Some(Connect));
        fsm.listening(2000);
        fsm.listen_error(2500, 0);
        state!(fsm, at 2500 => Backoff for 0 ms, backoff 2000);
        run!(fsm, at 4500 => Some(Connect));
        fsm.listening(4500);
        fsm.listen_error(4500, ENOMEM);
        state!(fsm, at 4500 => Backoff for 0 ms, backoff 4000);
        fsm.listening(8500);
        fsm.listen_error(8500, ENOMEM);
        state!(fsm, at 8500 => Backoff for 0 ms, backoff 8000);
        counts!(fsm, at 8500 => 0 of 0, seqno 0);
    }

    #[test]
    fn listen_error_while_not_listening_is_ignored() {
        let mut fsm = passive(1000);
        fsm.listen_error(1000, ENOMEM);
        state!(fsm, at 1000 => Backoff for 0 ms, backoff 0);
        fsm.connected(1000);
        fsm.listen_error(1500, ENOMEM);
        state!(fsm, at 1500 => Active for 500 ms, backoff 0);
    }

    #[test]
    fn accepted_connection_counts_as_an_attempt() {
        let mut fsm = passive(1000);
        fsm.listening(1000);
        fsm.connected(1500);
        state!(fsm, at 1500 => Active for 0 ms, backoff 0);
        counts!(fsm, at 1500 => 1 of 1, seqno 1);
    }

    #[test]
    fn dropped_passive_connection_listens_again_at_once() {
        let mut fsm = passive(1000);
        fsm.listening(1000);
        fsm.listen_error(1000, ENOMEM);
        run!(fsm, at 2000 => Some(Connect));
        fsm.listening(2000);
        fsm.connected(2000);
        state!(fsm, at 2000 => Active for 0 ms, backoff 1000);
        fsm.disconnected(2100, EOF);
        state!(fsm, at 2100 => Backoff for 0 ms, backoff 0);
        run!(fsm, at 2100 => Some(Connect));
    }

    #[test]
    fn failed_listen_attempt_backs_off() {
        let mut fsm = passive(1000);
        fsm.connect_failed(1000, libc::EADDRINUSE);
        state!(fsm, at 1000 => Backoff for 0 ms, backoff 1000);
        counts!(fsm, at 1000 => 0 of 1, seqno 0);
    }

    #[test]
    fn switching_to_active_while_listening_restarts() {
        let mut fsm = passive(1000);
        fsm.listening(1000);
        fsm.listen_error(1000, ENOMEM);
        fsm.listening(2000);
        fsm.set_passive(false, 2500);
        assert!(!fsm.is_passive());
        state!(fsm, at 2500 => Backoff for 0 ms, backoff 0);
        run!(fsm, at 2500 => Some(Connect));
    }

    #[test]
    fn switching_to_active_while_listening_uses_a_try() {
        let mut fsm = Reconnect::new(1000);
        fsm.set_passive(true, 1000);
        fsm.set_max_tries(2);
        fsm.enable(1000);
        fsm.listening(1000);
        assert_eq!(fsm.get_max_tries(), 1);
        fsm.set_passive(false, 1000);
        assert_eq!(fsm.get_max_tries(), 0);
        state!(fsm, at 1000 => Backoff for 0 ms, backoff 0);

        // With no try left, it keeps listening.
        let mut fsm = Reconnect::new(1000);
        fsm.set_passive(true, 1000);
        fsm.set_max_tries(1);
        fsm.enable(1000);
        fsm.listening(1000);
        fsm.set_passive(false, 1000);
        state!(fsm, at 1000 => Listening for 0 ms, backoff 0);
    }

    #[test]
    fn switching_modes_while_connected_keeps_the_state() {
        let mut fsm = connected(1000);
        fsm.set_passive(true, 2000);
        assert!(fsm.is_passive());
        state!(fsm, at 2000 => Active for 1000 ms, backoff 0);
        fsm.set_passive(true, 2000);
        fsm.set_passive(false, 2000);
        state!(fsm, at 2000 => Active for 1000 ms, backoff 0);
    }
}

mod tries {
    use super::*;

    #[test]
    fn max_tries_count_down_and_disable_the_fsm() {
        let mut fsm = Reconnect::new(1000);
        fsm.set_max_tries(2);
        fsm.enable(1000);
        assert_eq!(fsm.get_max_tries(), 1);
        fsm.connect_failed(1000, ECONNREFUSED);
        assert_eq!(fsm.get_max_tries(), 0);
        state!(fsm, at 1000 => Backoff for 0 ms, backoff 1000);
        run!(fsm, at 2000 => Some(Connect));
        fsm.connect_failed(2000, ECONNREFUSED);
        assert!(!fsm.is_enabled());
        state!(fsm, at 2000 => Void for 0 ms, backoff 1000);
        counts!(fsm, at 2000 => 0 of 2, seqno 0);
        run!(fsm, at 10_000 => None);
        timeout!(fsm, at 10_000 => None);
        // Enabling again needs a try.
        fsm.enable(10_000);
        assert!(!fsm.is_enabled());
    }

    #[test]
    fn last_try_ends_when_the_connection_drops() {
        let mut fsm = Reconnect::new(1000);
        fsm.set_max_tries(1);
        fsm.enable(1000);
        fsm.connected(1000);
        fsm.disconnected(3000, EOF);
        state!(fsm, at 3000 => Void for 0 ms, backoff 0);
        counts!(fsm, at 3000 => 1 of 1, seqno 2);
        assert_eq!(fsm.get_stats(3000).last_disconnected, 3000);
    }

    #[test]
    fn zero_tries_never_enable() {
        let mut fsm = Reconnect::new(1000);
        fsm.set_max_tries(0);
        fsm.enable(1000);
        assert!(!fsm.is_enabled());
        run!(fsm, at 1000 => None);
        timeout!(fsm, at 1000 => None);
    }

    #[test]
    fn unlimited_tries_are_not_counted() {
        let mut fsm = enabled(1000);
        fsm.connect_failed(1000, ECONNREFUSED);
        fsm.connect_failed(2000, ECONNREFUSED);
        assert_eq!(fsm.get_max_tries(), u32::MAX);
    }

    #[test]
    fn backoff_free_tries_skip_the_backoff() {
        let mut fsm = enabled(1000);
        fsm.set_backoff_free_tries(3);
        fsm.connect_failed(1000, ECONNREFUSED);
        state!(fsm, at 1000 => Backoff for 0 ms, backoff 0);
        run!(fsm, at 1000 => Some(Connect));
        fsm.connect_failed(1000, ECONNREFUSED);
        state!(fsm, at 1000 => Backoff for 0 ms, backoff 0);
        fsm.connect_failed(1000, ECONNREFUSED);
        state!(fsm, at 1000 => Backoff for 0 ms, backoff 1000);
        fsm.connect_failed(2000, ECONNREFUSED);
        state!(fsm, at 2000 => Backoff for 0 ms, backoff 2000);
        counts!(fsm, at 2000 => 0 of 4, seqno 0);
    }

    #[test]
    fn zero_and_one_backoff_free_tries_both_mean_one_attempt() {
        for free in [0, 1] {
            let mut fsm = enabled(1000);
            fsm.set_backoff_free_tries(free);
            fsm.connect_failed(1000, ECONNREFUSED);
            state!(fsm, at 1000 => Backoff for 0 ms, backoff 1000);
        }
    }

    #[test]
    fn backoff_free_tries_apply_after_a_connection_drops() {
        let mut fsm = connected(1000);
        fsm.set_backoff_free_tries(2);
        fsm.disconnected(2000, EOF);
        state!(fsm, at 2000 => Backoff for 0 ms, backoff 0);
        run!(fsm, at 2000 => Some(Connect));
        fsm.connect_failed(2000, ECONNREFUSED);
        state!(fsm, at 2000 => Backoff for 0 ms, backoff 1000);
    }

    #[test]
    fn backoff_free_tries_still_use_up_max_tries() {
        let mut fsm = Reconnect::new(1000);
        fsm.set_max_tries(2);
        fsm.set_backoff_free_tries(5);
        fsm.enable(1000);
        fsm.connect_failed(1000, ECONNREFUSED);
        state!(fsm, at 1000 => Backoff for 0 ms, backoff 0);
        fsm.connect_failed(1000, ECONNREFUSED);
        state!(fsm, at 1000 => Void for 0 ms, backoff 0);
    }
}

mod settings {
    use super::*;

    #[test]
    fn name_is_kept() {
        let mut fsm = Reconnect::new(0);
        fsm.set_name("tcp:127.0.0.1:6640");
        assert_eq!(fsm.get_name(), "tcp:127.0.0.1:6640");
    }

    #[test]
    fn probe_interval_is_at_least_one_second_unless_zero() {
        for (set, expected) in [
            (0, 0),
            (1, 1000),
            (999, 1000),
            (1000, 1000),
            (1500, 1500),
            (-5, 1000),
            (i32::MAX, i32::MAX),
        ] {
            let mut fsm = Reconnect::new(0);
            fsm.set_probe_interval(set);
            assert_eq!(fsm.get_probe_interval(), expected, "set {set}");
        }
    }

    #[test]
    fn quiet_lowers_informational_messages_to_debug() {
        let mut fsm = Reconnect::new(0);
        assert_eq!(fsm.info, Level::Info);
        fsm.set_quiet(true);
        assert_eq!(fsm.info, Level::Debug);
        fsm.set_quiet(false);
        assert_eq!(fsm.info, Level::Info);
    }

    #[test]
    fn max_tries_round_trip() {
        let mut fsm = Reconnect::new(0);
        fsm.set_max_tries(7);
        assert_eq!(fsm.get_max_tries(), 7);
    }
}

mod stats {
    use super::*;

    #[test]
    fn snapshot_at_creation() {
        let fsm = Reconnect::new(1000);
        assert_eq!(
            fsm.get_stats(1250),
            Stats {
                creation_time: 1000,
                last_activity: 1000,
                last_connected: i64::MAX,
                last_disconnected: i64::MAX,
                backoff: 0,
                seqno: 0,
                is_connected: false,
                msec_since_connect: u32::MAX,
                msec_since_disconnect: u32::MAX,
                total_connected_duration: 0,
                n_attempted_connections: 0,
                n_successful_connections: 0,
                state: State::Void,
                state_elapsed: 250,
            }
        );
    }

    #[test]
    fn connected_time_accumulates_over_connections() {
        let mut fsm = connected(1000);
        fsm.disconnected(3000, EOF);
        run!(fsm, at 4000 => Some(Connect));
        fsm.connected(4000);
        let stats = fsm.get_stats(4200);
        assert_eq!(stats.total_connected_duration, 2200);
        assert_eq!(stats.msec_since_connect, 200);
        assert_eq!(stats.msec_since_disconnect, 1200);
        assert!(stats.is_connected);
        fsm.disconnected(4500, EOF);
        let stats = fsm.get_stats(9000);
        assert_eq!(stats.total_connected_duration, 2500);
        assert!(!stats.is_connected);
        counts!(fsm, at 9000 => 2 of 2, seqno 4);
    }

    #[test]
    fn durations_wrap_like_unsigned_int() {
        let mut fsm = Reconnect::new(0);
        fsm.connected(0);
        let later = (1_i64 << 32) + 5;
        let stats = fsm.get_stats(later);
        assert_eq!(stats.msec_since_connect, 5);
        assert_eq!(stats.total_connected_duration, 5);
        assert_eq!(stats.state_elapsed, 5);
    }
}

mod misc {
    use super::*;

    #[test]
    fn action_values_are_ovs_enum_values() {
        assert_eq!(Connect as i32, 1);
        assert_eq!(Disconnect as i32, 2);
        assert_eq!(Probe as i32, 3);
    }

    #[test]
    fn state_names_are_ovs_names() {
        let all = [
            (State::Void, "VOID"),
            (State::Backoff, "BACKOFF"),
            (State::Connecting, "CONNECTING"),
            (State::Active, "ACTIVE"),
            (State::Idle, "IDLE"),
            (State::Reconnect, "RECONNECT"),
            (State::Listening, "LISTENING"),
        ];
        for (state, name) in all {
            assert_eq!(state.to_string(), name);
            assert_eq!(state.name(), name);
            assert_eq!(state.c_name().to_str(), Ok(name));
            assert_eq!(
                state.is_connected(),
                matches!(state, State::Active | State::Idle)
            );
        }
    }

    #[test]
    fn timeout_is_clamped_to_an_int() {
        let fsm = enabled(0);
        timeout!(fsm, at -(1_i64 << 40) => Some(i64::from(i32::MAX)));
        let mut fsm = connected(1000);
        fsm.force_reconnect(1000);
        timeout!(fsm, at 5000 => Some(0));
    }

    #[test]
    fn seconds_are_formatted_like_printf_g3() {
        for (x, text) in [
            (0.0, "0"),
            (1.0, "1"),
            (2.0, "2"),
            (8.0, "8"),
            (1.5, "1.5"),
            (0.25, "0.25"),
            (5.001, "5"),
            (10.0, "10"),
            (12.345, "12.3"),
            (123.4, "123"),
            (999.5, "1e+03"),
            (1234.0, "1.23e+03"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (-2.5, "-2.5"),
        ] {
            assert_eq!(format_g3(x), text, "{x}");
        }
    }

    #[test]
    fn wait_wakes_the_poll_loop_when_run_is_due() {
        let (done_tx, done_rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            // The poll set is per thread: register and block in this one.
            let fsm = enabled(0);
            fsm.wait(0);
            poll_loop::block();
            let _ = done_tx.send(());
        });
        assert!(
            done_rx
                .recv_timeout(std::time::Duration::from_secs(30))
                .is_ok(),
            "block() did not return although run() was due"
        );
    }
}
