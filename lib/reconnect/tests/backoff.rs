//! BACKOFF: waiting before the next attempt; the backoff doubles to the cap.

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
