//! IDLE: probe sent; disconnected after another interval without an answer.

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

#[test]
fn probe_timeout_shorter_than_the_interval() {
    let mut fsm = connected(1000);
    fsm.set_probe_timeout(1500);
    run!(fsm, at 6000 => Some(Probe));
    timeout!(fsm, at 6000 => Some(1500));
    run!(fsm, at 7499 => None);
    run!(fsm, at 7500 => Some(Disconnect));
}

#[test]
fn probe_timeout_longer_than_the_interval() {
    let mut fsm = connected(1000);
    fsm.set_probe_timeout(60_000);
    run!(fsm, at 6000 => Some(Probe));
    run!(fsm, at 11_000 => None);
    run!(fsm, at 65_999 => None);
    run!(fsm, at 66_000 => Some(Disconnect));
}

#[test]
fn probe_timeout_zero_means_one_interval_and_is_clamped() {
    let mut fsm = connected(1000);
    fsm.set_probe_timeout(0);
    assert_eq!(fsm.get_probe_timeout(), 0);
    fsm.set_probe_timeout(10);
    assert_eq!(fsm.get_probe_timeout(), 1000);
    fsm.set_probe_timeout(-5);
    assert_eq!(fsm.get_probe_timeout(), 0);
    run!(fsm, at 6000 => Some(Probe));
    run!(fsm, at 11_000 => Some(Disconnect));
}
