//! Beyond OVS: jitter on reconnection, end to end on loopback. A session
//! over two remotes loses its connection; with jitter the round over the
//! other remote starts no sooner than the seeded draw, and without it at
//! once, as in OVS.

mod support;

use ovsrpc::jsonrpc::{JsonrpcSession, RemoteOrder, SessionOpenOptions};
use ovsrpc::reconnect::{Reconnect, State};
use ovsrpc::stream::{PStream, Stream};
use ovsrpc::timeval::time_msec;

const DEADLINE_MS: i64 = 30_000;

fn listener() -> (PStream, String) {
    let p = PStream::open("ptcp:0:127.0.0.1", 0).expect("listen on loopback");
    let name = format!("tcp:127.0.0.1:{}", p.bound_port().expect("bound port"));
    (p, name)
}

/// Runs `s` and the listeners until `accepted` returns a stream from one
/// of them; returns it with the index of its listener.
fn drive_until_accept(s: &mut JsonrpcSession, listeners: &mut [PStream]) -> (usize, Stream) {
    let mut accepted = None;
    support::drive_within(DEADLINE_MS, "a connection accepted", || {
        s.run();
        while s.recv().is_some() {}
        for (i, l) in listeners.iter_mut().enumerate() {
            if let Ok(stream) = l.accept() {
                accepted = Some((i, stream));
                return true;
            }
        }
        s.wait();
        s.recv_wait();
        for l in listeners.iter() {
            l.wait();
        }
        false
    });
    accepted.expect("accepted")
}

/// Runs `s` until `done` holds.
fn drive_until(s: &mut JsonrpcSession, mut done: impl FnMut(&JsonrpcSession) -> bool) {
    support::drive_within(DEADLINE_MS, "the session's condition", || {
        s.run();
        while s.recv().is_some() {}
        if done(s) {
            return true;
        }
        s.wait();
        s.recv_wait();
        false
    });
}

/// The wait the FSM draws, with `seed` and `window`, at the start of a
/// backoff-free round after a drop (the session over two remotes).
fn first_round_wait(window: i32, seed: u64) -> i64 {
    let mut fsm = Reconnect::new(0);
    fsm.set_jitter(window);
    fsm.seed_jitter(seed);
    fsm.set_backoff_free_tries(2);
    fsm.enable(0);
    fsm.connected(0);
    fsm.disconnected(100, -1);
    fsm.timeout(100).expect("backing off")
}

/// Opens a session over two listeners, lets it connect to the first,
/// drops that connection from the server side and returns how long after
/// the drop the second listener saw the session connect.
fn failover_ms(opts: &SessionOpenOptions) -> i64 {
    let (l1, n1) = listener();
    let (l2, n2) = listener();
    let mut listeners = [l1, l2];
    let mut s = JsonrpcSession::open_multiple_with(&[n1, n2], true, opts);
    let (i, first) = drive_until_accept(&mut s, &mut listeners);
    assert_eq!(i, 0, "the remotes are tried in the order given");
    drive_until(&mut s, |s| s.is_connected());

    let dropped = time_msec();
    drop(first);
    drive_until(&mut s, |s| !s.is_connected());
    let stats = s.get_reconnect_stats();
    assert_eq!(
        stats.backoff, 0,
        "the round over the remotes is backoff-free"
    );
    assert_eq!(
        stats.state == State::Backoff,
        opts.jitter_ms > 0,
        "with jitter (only) the round waits in BACKOFF"
    );
    let (i, _second) = drive_until_accept(&mut s, &mut listeners);
    assert_eq!(i, 1, "the next remote of the round");
    drive_until(&mut s, |s| s.is_connected());
    time_msec() - dropped
}

#[test]
fn a_dropped_session_waits_its_seeded_draw_before_the_next_remote() {
    const WINDOW: i32 = 2000;
    // A seed whose draw is well inside the window.
    let seed = (0..100)
        .find(|&seed| (800..=1800).contains(&first_round_wait(WINDOW, seed)))
        .expect("some seed draws 800..1800 ms");
    let wait = first_round_wait(WINDOW, seed);
    let opts = SessionOpenOptions {
        order: RemoteOrder::AsGiven,
        jitter_ms: WINDOW,
        jitter_seed: Some(seed),
        ..Default::default()
    };
    let took = failover_ms(&opts);
    assert!(
        took >= wait,
        "connected to the next remote {took} ms after the drop, before the draw of {wait} ms"
    );
}

#[test]
fn without_jitter_the_next_remote_is_tried_at_once() {
    let opts = SessionOpenOptions {
        order: RemoteOrder::AsGiven,
        ..Default::default()
    };
    // OVS's schedule: no wait in BACKOFF after the drop.
    let (l1, n1) = listener();
    let (l2, n2) = listener();
    let mut listeners = [l1, l2];
    let mut s = JsonrpcSession::open_multiple_with(&[n1, n2], true, &opts);
    let (_, first) = drive_until_accept(&mut s, &mut listeners);
    drive_until(&mut s, |s| s.is_connected());
    drop(first);
    drive_until(&mut s, |s| !s.is_connected());
    // The same pass that saw the drop started the next attempt.
    assert_ne!(s.get_reconnect_stats().state, State::Backoff);
    let (i, _second) = drive_until_accept(&mut s, &mut listeners);
    assert_eq!(i, 1);
}
