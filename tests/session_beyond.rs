//! Options beyond OVS, on loopback: per-remote health and failing remotes
//! tried last, connect timeout, kernel dead-peer detection, probe timeout,
//! echo replies ahead of the backlog, receive limits, parallel connect and
//! fast failover. Black-holed remotes are loopback ports whose packets an
//! iptables rule added by the test drops.

mod support;

use ovsrpc::json::Json;
use ovsrpc::jsonrpc::{JsonrpcSession, Msg, MsgType};
use ovsrpc::reconnect::State;
use ovsrpc::stream::{Keepalive, TcpOptions};
use ovsrpc::timeval::time_msec;
use support::server::*;

#[test]
fn remote_stats_and_failing_remotes_tried_last() {
    for deprioritize in [false, true] {
        let mut good = Server::new();
        let bad = refused_remote();
        let mut o = opts();
        o.deprioritize_after = u32::from(deprioritize);
        let mut s = JsonrpcSession::open_multiple_with(&[bad.clone(), good.remote()], true, &o);
        drive_session(&mut s, &mut [&mut good], "connect", |s, _| s.is_connected());
        // A connection is a success once it delivers a message.
        roundtrip(&mut s, &mut [&mut good], 1);
        let st = s.get_remote_stats();
        assert_eq!(st[0].name, bad);
        assert_eq!((st[0].n_attempts, st[0].n_successes), (1, 0));
        assert_eq!(st[0].consecutive_failures, 1);
        assert_eq!(st[0].last_error, libc::ECONNREFUSED);
        assert_eq!(st[0].last_connected, i64::MAX);
        assert_eq!((st[1].n_attempts, st[1].n_successes), (1, 1));
        assert_eq!(st[1].consecutive_failures, 0);
        assert!(st[1].last_connected <= time_msec());
        assert_eq!(st[1].last_disconnected, i64::MAX);

        // The server drops the connection: a new round starts.
        good.conns.clear();
        let seqno = s.get_seqno();
        drive_session(&mut s, &mut [&mut good], "reconnect", |s, _| {
            s.is_connected() && s.get_seqno() != seqno
        });
        roundtrip(&mut s, &mut [&mut good], 2);
        let st = s.get_remote_stats();
        assert_eq!(st[1].n_successes, 2);
        assert!(st[1].last_disconnected < i64::MAX);
        assert_eq!(st[1].last_error, ovsrpc::error::EOF);
        if deprioritize {
            assert_eq!(st[0].n_attempts, 1, "the failing remote went last");
        } else {
            assert_eq!(
                st[0].n_attempts, 2,
                "plain round-robin tries it again first"
            );
            assert_eq!(st[0].consecutive_failures, 2);
        }
    }
}

#[test]
fn connect_timeout_moves_on_from_a_black_holed_remote() {
    let Some((hole, _rule)) = black_hole() else {
        return;
    };
    let mut good = Server::new();
    let mut o = opts();
    o.connect_timeout_ms = 300;
    let mut s = JsonrpcSession::open_multiple_with(&[hole.clone(), good.remote()], true, &o);
    let start = time_msec();
    drive_session(&mut s, &mut [&mut good], "connect", |s, _| s.is_connected());
    let took = time_msec() - start;
    let st = s.get_remote_stats();
    assert_eq!(st[0].last_error, libc::ETIMEDOUT);
    assert_eq!(st[0].consecutive_failures, 1);
    assert_eq!(s.get_name(), good.remote());
    // The attempt was given its 300 ms, no less.
    assert!(took >= 300, "{took}");
    let fsm = s.get_reconnect_stats();
    assert_eq!(fsm.n_attempted_connections, 2);
}

#[test]
fn tcp_user_timeout_notices_a_vanished_peer_without_probes() {
    let mut sv = Server::new();
    let mut o = opts();
    o.tcp = TcpOptions {
        user_timeout_ms: 1000,
        keepalive: None,
    };
    let mut s = JsonrpcSession::open_multiple_with(&[sv.remote()], true, &o);
    // Probes are on but slow: the kernel's 1 s timeout must end the
    // connection before the session's own probe (after 5 s idle) starts.
    s.set_probe_interval(5000);
    drive_session(&mut s, &mut [&mut sv], "connect", |s, _| s.is_connected());
    let Some(_rules) = support::DropRule::all_of(sv.port) else {
        return;
    };
    // Data now goes unacknowledged.
    s.send(Msg::create_notify("lost", Json::empty_array()))
        .unwrap();
    let seqno = s.get_seqno();
    let mut probed = false;
    drive_session(&mut s, &mut [&mut sv], "kernel timeout", |s, _| {
        probed |= s.get_reconnect_stats().state == State::Idle;
        s.get_seqno() != seqno
    });
    assert!(
        !probed,
        "the session probed: the kernel did not time out first"
    );
    assert_eq!(s.get_last_error(), libc::ETIMEDOUT);
}

#[test]
fn keepalive_notices_a_vanished_idle_peer() {
    let mut sv = Server::new();
    let mut o = opts();
    o.tcp = TcpOptions {
        user_timeout_ms: 0,
        keepalive: Some(Keepalive {
            idle_s: 1,
            interval_s: 1,
            count: 1,
        }),
    };
    let mut s = JsonrpcSession::open_multiple_with(&[sv.remote()], true, &o);
    s.set_probe_interval(0);
    drive_session(&mut s, &mut [&mut sv], "connect", |s, _| s.is_connected());
    let Some(_rules) = support::DropRule::all_of(sv.port) else {
        return;
    };
    let seqno = s.get_seqno();
    drive_session(&mut s, &mut [&mut sv], "keepalive timeout", |s, _| {
        s.get_seqno() != seqno
    });
    assert_eq!(s.get_last_error(), libc::ETIMEDOUT);
}

#[test]
fn probe_timeout_separate_from_the_idle_interval() {
    let mut quiet = Server::new();
    quiet.answer = false;
    let mut o = opts();
    o.probe_timeout_ms = 3000;
    let mut s = JsonrpcSession::open_multiple_with(&[quiet.remote()], true, &o);
    s.set_probe_interval(1000);
    drive_session(&mut s, &mut [&mut quiet], "connect", |s, _| {
        s.is_connected()
    });
    let seqno = s.get_seqno();
    drive_session(&mut s, &mut [&mut quiet], "probe", |s, _| {
        s.get_reconnect_stats().state == State::Idle
    });
    let probed_at = time_msec();
    drive_session(&mut s, &mut [&mut quiet], "disconnect", |s, _| {
        s.get_seqno() != seqno
    });
    assert!(
        time_msec() - probed_at >= 2900,
        "waited the probe timeout, not the interval"
    );
}

/// What [`echo_position`] saw.
struct EchoPosition {
    /// Backlog messages the peer received before the echo reply.
    before: usize,
    /// Backlog messages sent in all.
    sent: usize,
    /// Whole backlog messages still queued in the session, behind the
    /// reply, when the reply was queued.
    queued_behind: usize,
}

/// Queues a large backlog toward a peer that does not read, lets the peer
/// send an echo request, then lets it read: says where the echo reply
/// arrived among the backlog messages.
fn echo_position(echo_priority: bool) -> EchoPosition {
    let mut sv = Server::new();
    sv.read = false;
    let mut o = opts();
    o.echo_priority = echo_priority;
    let mut s = JsonrpcSession::open_multiple_with(&[sv.remote()], true, &o);
    s.set_probe_interval(0);
    drive_session(&mut s, &mut [&mut sv], "connect", |s, sv| {
        s.is_connected() && !sv[0].conns.is_empty()
    });
    let payload = Json::array(vec![Json::string("y".repeat(10_000))]);
    let fill = Msg::create_notify("fill", payload);
    let mut wire = Vec::new();
    fill.write_to(&mut wire);
    let n = 2000;
    for _ in 0..n {
        s.send(fill.clone()).unwrap();
    }
    assert!(s.get_backlog() > 0);
    // The echo request, then a notification: once the session delivers
    // the notification it has read the request and queued its reply.
    let id = Json::from("ping");
    sv.conns[0]
        .send(Msg::request_with_id(
            "echo",
            Json::empty_array(),
            id.clone(),
        ))
        .unwrap();
    sv.conns[0]
        .send(Msg::create_notify("marker", Json::empty_array()))
        .unwrap();
    take_inbox();
    let mut queued_behind = None;
    drive_session(&mut s, &mut [&mut sv], "echo request read", |s, _| {
        if take_inbox()
            .iter()
            .any(|m| m.method.as_deref() == Some("marker"))
        {
            // The reply is far smaller than one backlog message, and so
            // is the part of a message in flight.
            queued_behind = Some(s.get_backlog() / wire.len());
        }
        queued_behind.is_some()
    });
    sv.read = true;
    let mut before = 0;
    let mut got_reply = false;
    drive_session(&mut s, &mut [&mut sv], "all received", |_, sv| {
        for m in sv[0].received.drain(..) {
            if m.msg_type == MsgType::Reply && m.id.as_ref() == Some(&id) {
                got_reply = true;
            } else if !got_reply && m.method.as_deref() == Some("fill") {
                before += 1;
            }
        }
        got_reply
    });
    EchoPosition {
        before,
        sent: n,
        queued_behind: queued_behind.unwrap(),
    }
}

#[test]
fn echo_replies_go_ahead_of_the_backlog() {
    let p = echo_position(true);
    // Right behind the message in flight: every message still queued
    // when the reply was queued comes after it.
    assert!(
        p.queued_behind >= 100,
        "too little backlog to tell: {} of {} queued",
        p.queued_behind,
        p.sent
    );
    assert!(
        p.before <= p.sent - p.queued_behind,
        "with priority the reply overtakes the {} queued messages; \
         {} of {} arrived before it",
        p.queued_behind,
        p.before,
        p.sent
    );
    let p = echo_position(false);
    assert_eq!(
        p.before, p.sent,
        "without it (OVS) the reply waits behind all {}",
        p.sent
    );
}

#[test]
fn max_msg_size_fails_the_connection_and_keeps_earlier_messages() {
    let mut sv = Server::new();
    let mut o = opts();
    o.max_msg_size = 64 * 1024;
    o.input_buffer = 4096;
    let mut s = JsonrpcSession::open_multiple_with(&[sv.remote()], true, &o);
    drive_session(&mut s, &mut [&mut sv], "connect", |s, sv| {
        s.is_connected() && !sv[0].conns.is_empty()
    });
    let seqno = s.get_seqno();
    sv.conns[0]
        .send(Msg::create_notify("small", Json::empty_array()))
        .unwrap();
    sv.conns[0]
        .send(Msg::create_notify(
            "big",
            Json::array(vec![Json::string("z".repeat(100_000))]),
        ))
        .unwrap();
    let mut got = Vec::new();
    drive_session(&mut s, &mut [&mut sv], "failure", |s, _| {
        got.extend(take_inbox());
        s.get_seqno() != seqno
    });
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].method.as_deref(), Some("small"));
    assert_eq!(s.get_last_error(), libc::EPROTO);
}

#[test]
fn parallel_connect_keeps_the_first_that_connects() {
    let Some((hole1, _r1)) = black_hole() else {
        return;
    };
    let Some((hole2, _r2)) = black_hole() else {
        return;
    };
    let mut good = Server::new();
    let mut o = opts();
    o.parallel_connect = 3;
    let remotes = [hole1, hole2, good.remote()];
    let mut s = JsonrpcSession::open_multiple_with(&remotes, true, &o);
    drive_session(&mut s, &mut [&mut good], "connect", |s, _| s.is_connected());
    assert_eq!(s.get_name(), good.remote());
    let fsm = s.get_reconnect_stats();
    assert_eq!(
        fsm.n_attempted_connections, 1,
        "one attempt over three remotes"
    );
    roundtrip(&mut s, &mut [&mut good], 1);
    let st = s.get_remote_stats();
    assert_eq!(st.iter().map(|r| r.n_attempts).sum::<u32>(), 3);
    assert_eq!(st[2].n_successes, 1);
    assert_eq!(
        (st[0].consecutive_failures, st[1].consecutive_failures),
        (0, 0),
        "the losers were abandoned, not failed"
    );
}

/// Connects to a, then drops a, b and c in turn (a comes back before c
/// goes); returns the FSM backoff seen right after the third drop, when the
/// initial backoff-free tries are used up.
fn third_failover_backoff(fast: bool) -> i32 {
    let mut a = Server::new();
    let mut b = Server::new();
    let mut c = Server::new();
    let mut o = opts();
    o.fast_failover = fast;
    let remotes = [a.remote(), b.remote(), c.remote()];
    let mut s = JsonrpcSession::open_multiple_with(&remotes, true, &o);
    drive_session(
        &mut s,
        &mut [&mut a, &mut b, &mut c],
        "connect a",
        |s, _| s.is_connected(),
    );
    a.stop();
    let b_remote = b.remote();
    drive_session(
        &mut s,
        &mut [&mut a, &mut b, &mut c],
        "failover to b",
        |s, _| s.is_connected() && s.get_name() == b_remote,
    );
    b.stop();
    let c_remote = c.remote();
    drive_session(
        &mut s,
        &mut [&mut a, &mut b, &mut c],
        "failover to c",
        |s, _| s.is_connected() && s.get_name() == c_remote,
    );
    a.start_again();
    c.stop();
    let seqno = s.get_seqno();
    drive_session(
        &mut s,
        &mut [&mut a, &mut b, &mut c],
        "drop of c",
        |s, _| s.get_seqno() != seqno,
    );
    let backoff = s.get_reconnect_stats().backoff;
    let a_remote = a.remote();
    drive_session(
        &mut s,
        &mut [&mut a, &mut b, &mut c],
        "failover to a",
        |s, _| s.is_connected() && s.get_name() == a_remote,
    );
    backoff
}

#[test]
fn fast_failover_skips_the_backoff() {
    assert_eq!(third_failover_backoff(true), 0);
    assert_eq!(
        third_failover_backoff(false),
        1000,
        "OVS waits the minimum backoff once its free tries are used"
    );
}
