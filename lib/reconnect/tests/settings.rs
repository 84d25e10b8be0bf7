//! Setters and getters.

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
