//! LISTENING and passive mode.

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
