//! max_tries and backoff_free_tries.

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
