//! ACTIVE: connected; probed after an interval without activity.

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
