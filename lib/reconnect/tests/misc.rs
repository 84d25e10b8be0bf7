//! Actions, state names, timeout clamping, number formatting, wait().

use super::*;

#[test]
fn action_values_are_ovs_enum_values() {
    assert_eq!(Connect as i32, 1);
    assert_eq!(Disconnect as i32, 2);
    assert_eq!(Probe as i32, 3);
}

#[test]
fn state_names_are_ovs_names() {
    let all = [
        (State::Void, "VOID"),
        (State::Backoff, "BACKOFF"),
        (State::Connecting, "CONNECTING"),
        (State::Active, "ACTIVE"),
        (State::Idle, "IDLE"),
        (State::Reconnect, "RECONNECT"),
        (State::Listening, "LISTENING"),
    ];
    for (state, name) in all {
        assert_eq!(state.to_string(), name);
        assert_eq!(state.name(), name);
        assert_eq!(state.c_name().to_str(), Ok(name));
        assert_eq!(
            state.is_connected(),
            matches!(state, State::Active | State::Idle)
        );
    }
}

#[test]
fn timeout_is_clamped_to_an_int() {
    let fsm = enabled(0);
    timeout!(fsm, at -(1_i64 << 40) => Some(i64::from(i32::MAX)));
    let mut fsm = connected(1000);
    fsm.force_reconnect(1000);
    timeout!(fsm, at 5000 => Some(0));
}

#[test]
fn seconds_are_formatted_like_printf_g3() {
    for (x, text) in [
        (0.0, "0"),
        (1.0, "1"),
        (2.0, "2"),
        (8.0, "8"),
        (1.5, "1.5"),
        (0.25, "0.25"),
        (5.001, "5"),
        (10.0, "10"),
        (12.345, "12.3"),
        (123.4, "123"),
        (999.5, "1e+03"),
        (1234.0, "1.23e+03"),
        (0.0001, "0.0001"),
        (0.00001, "1e-05"),
        (-2.5, "-2.5"),
    ] {
        assert_eq!(format_g3(x), text, "{x}");
    }
}

#[test]
fn wait_wakes_the_poll_loop_when_run_is_due() {
    let (done_tx, done_rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        // The poll set is per thread: register and block in this one.
        let fsm = enabled(0);
        fsm.wait(0);
        poll_loop::block();
        let _ = done_tx.send(());
    });
    assert!(
        done_rx
            .recv_timeout(std::time::Duration::from_secs(30))
            .is_ok(),
        "block() did not return although run() was due"
    );
}
