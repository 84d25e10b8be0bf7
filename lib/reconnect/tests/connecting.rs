//! CONNECTING: an attempt in progress, timed out after max(1000, backoff).

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

#[test]
fn connect_timeout_may_be_shorter_than_a_second() {
    let mut fsm = enabled(1000);
    fsm.set_connect_timeout(300);
    run!(fsm, at 1000 => Some(Connect));
    fsm.connecting(1000);
    timeout!(fsm, at 1000 => Some(300));
    run!(fsm, at 1299 => None);
    run!(fsm, at 1300 => Some(Disconnect));
}

#[test]
fn connect_timeout_may_be_longer_than_the_backoff() {
    let mut fsm = enabled(1000);
    fsm.set_connect_timeout(5000);
    fsm.connect_failed(1000, ECONNREFUSED);
    state!(fsm, at 1000 => Backoff for 0 ms, backoff 1000);
    run!(fsm, at 2000 => Some(Connect));
    fsm.connecting(2000);
    timeout!(fsm, at 2000 => Some(5000));
    run!(fsm, at 3000 => None);
    run!(fsm, at 6999 => None);
    run!(fsm, at 7000 => Some(Disconnect));
}

#[test]
fn connect_timeout_zero_is_ovs_deadline() {
    let mut fsm = enabled(1000);
    fsm.set_connect_timeout(5000);
    fsm.set_connect_timeout(0);
    assert_eq!(fsm.get_connect_timeout(), 0);
    fsm.connecting(1000);
    timeout!(fsm, at 1000 => Some(1000));
}
