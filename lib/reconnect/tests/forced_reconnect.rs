//! RECONNECT: the client forced a reconnection.

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
