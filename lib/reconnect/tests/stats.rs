//! get_stats: every field of `struct reconnect_stats`.

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
