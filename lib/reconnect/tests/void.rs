//! VOID: disabled; only `enable` and `connected` get it going.

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
