//! `JsonrpcSession` on loopback: several remotes, failover, backoff, retry
//! off, remote order, passive sessions, probes, echo, backlog threshold.
//!
//! Servers are real listeners served in the test's own poll loop; nothing
//! sleeps: every wait is `poll_loop::block()` with a deadline.

mod support;

use ovsrpc::json::Json;
use ovsrpc::jsonrpc::{Jsonrpc, JsonrpcSession, Msg, MsgType, RemoteOrder, SessionOpenOptions};
use ovsrpc::reconnect::State;
use ovsrpc::stream::{PStream, Stream};
use support::server::*;

#[test]
fn two_of_three_refuse_connects_within_first_round_without_backoff() {
    let mut good = Server::new();
    let remotes = vec![refused_remote(), refused_remote(), good.remote()];
    // Seeds enough that the live remote comes first, second and last.
    let mut positions = std::collections::BTreeSet::new();
    for seed in 0..12u64 {
        let opts = SessionOpenOptions {
            order: RemoteOrder::Seeded(seed),
            ..Default::default()
        };
        let mut s = JsonrpcSession::open_multiple_with(&remotes, true, &opts);
        let mut max_backoff_seen = 0;
        drive_session(&mut s, &mut [&mut good], "connect", |s, _| {
            let st = s.get_reconnect_stats();
            max_backoff_seen = max_backoff_seen.max(st.backoff);
            s.is_connected()
        });
        let st = s.get_reconnect_stats();
        assert_eq!(s.get_name(), good.remote());
        assert_eq!(max_backoff_seen, 0, "no backoff within the first round");
        assert!(st.n_attempted_connections <= 3, "{st:?}");
        assert_eq!(st.n_successful_connections, 1);
        assert_eq!(s.get_seqno(), 1);
        let pos = s
            .get_remotes()
            .iter()
            .position(|r| *r == good.remote())
            .unwrap();
        assert_eq!(st.n_attempted_connections as usize, pos + 1);
        positions.insert(pos);
        assert_eq!(
            roundtrip(&mut s, &mut [&mut good], 7),
            Json::array(vec![7.into()])
        );
    }
    assert_eq!(
        positions.into_iter().collect::<Vec<_>>(),
        [0, 1, 2],
        "the seeds put the live remote first, second and last"
    );
}

#[test]
fn failover_to_the_next_remote_when_the_server_goes_away() {
    let mut a = Server::new();
    let mut b = Server::new();
    let mut c = Server::new();
    let remotes = vec![a.remote(), b.remote(), c.remote()];
    let opts = SessionOpenOptions {
        order: RemoteOrder::AsGiven,
        ..Default::default()
    };
    let mut s = JsonrpcSession::open_multiple_with(&remotes, true, &opts);
    drive_session(&mut s, &mut [&mut a, &mut b, &mut c], "connect", |s, _| {
        s.is_connected()
    });
    assert_eq!(s.get_name(), a.remote());
    let seqno = s.get_seqno();
    assert_eq!(
        roundtrip(&mut s, &mut [&mut a, &mut b, &mut c], 1),
        Json::array(vec![1.into()])
    );

    a.stop();
    drive_session(
        &mut s,
        &mut [&mut a, &mut b, &mut c],
        "disconnect",
        |s, _| !s.is_connected(),
    );
    assert_ne!(s.get_seqno(), seqno, "seqno changes on disconnect");
    assert_eq!(s.get_last_error(), ovsrpc::error::EOF);
    drive_session(
        &mut s,
        &mut [&mut a, &mut b, &mut c],
        "reconnect",
        |s, _| s.is_connected(),
    );
    assert_eq!(s.get_name(), b.remote(), "the next remote in order");
    assert_eq!(s.get_seqno(), seqno.wrapping_add(2));
    assert_eq!(
        roundtrip(&mut s, &mut [&mut a, &mut b, &mut c], 2),
        Json::array(vec![2.into()])
    );
    let st = s.get_reconnect_stats();
    assert_eq!(st.n_successful_connections, 2);

    // And once more: b goes, c takes over.
    b.stop();
    let c_remote = c.remote();
    drive_session(
        &mut s,
        &mut [&mut a, &mut b, &mut c],
        "second failover",
        |s, _| s.is_connected() && s.get_name() == c_remote,
    );
    assert_eq!(
        roundtrip(&mut s, &mut [&mut a, &mut b, &mut c], 3),
        Json::array(vec![3.into()])
    );
}

#[test]
fn all_down_backoff_grows_to_max_then_recovers() {
    let mut a = Server::new();
    let mut b = Server::new();
    a.stop();
    b.stop();
    let remotes = vec![a.remote(), b.remote()];
    let mut s = JsonrpcSession::open_multiple(&remotes, true);
    s.set_max_backoff(2000);
    // (attempts so far, backoff) each time the backoff changes.
    let mut backoffs: Vec<(u32, i32)> = vec![(0, 0)];
    drive_session(&mut s, &mut [&mut a, &mut b], "backoff at max", |s, _| {
        let st = s.get_reconnect_stats();
        if backoffs.last().map(|b| b.1) != Some(st.backoff) {
            backoffs.push((st.n_attempted_connections, st.backoff));
        }
        st.backoff == 2000 && st.n_attempted_connections >= 4
    });
    // One free round over both remotes, then the minimum, then doubling to
    // the cap.
    assert_eq!(backoffs[1], (2, 1000), "{backoffs:?}");
    let backoffs: Vec<i32> = backoffs.iter().map(|b| b.1).collect();
    assert_eq!(backoffs.last(), Some(&2000), "{backoffs:?}");
    assert!(backoffs.windows(2).all(|w| w[0] <= w[1]), "{backoffs:?}");
    assert!(!s.is_connected());
    assert!(s.is_alive());
    assert_eq!(s.get_last_error(), libc::ECONNREFUSED);

    b.start_again();
    drive_session(&mut s, &mut [&mut a, &mut b], "recovery", |s, _| {
        s.is_connected()
    });
    assert_eq!(s.get_name(), b.remote());
    assert_eq!(
        roundtrip(&mut s, &mut [&mut a, &mut b], 9),
        Json::array(vec![9.into()])
    );
}

#[test]
fn without_retry_gives_up_after_one_round() {
    let remotes = vec![refused_remote(), refused_remote(), refused_remote()];
    let mut s = JsonrpcSession::open_multiple(&remotes, false);
    assert!(s.is_alive());
    drive_session(&mut s, &mut [], "give up", |s, _| !s.is_alive());
    let st = s.get_reconnect_stats();
    assert_eq!(st.n_attempted_connections, 3, "{st:?}");
    assert_eq!(st.n_successful_connections, 0);
    assert!(!s.is_connected());
    assert_eq!(s.get_last_error(), libc::ECONNREFUSED);
}

#[test]
fn remote_order_with_seed_is_reproducible_and_differs_across_seeds() {
    let remotes: Vec<String> = (0..8)
        .map(|i| format!("tcp:127.0.0.1:{}", 7000 + i))
        .collect();
    let order = |order| {
        JsonrpcSession::open_multiple_with(
            &remotes,
            true,
            &SessionOpenOptions {
                order,
                ..Default::default()
            },
        )
        .get_remotes()
        .to_vec()
    };
    assert_eq!(
        order(RemoteOrder::Seeded(42)),
        order(RemoteOrder::Seeded(42))
    );
    assert_eq!(order(RemoteOrder::AsGiven), remotes);
    let distinct: std::collections::HashSet<Vec<String>> = (0..10)
        .map(|seed| order(RemoteOrder::Seeded(seed)))
        .collect();
    assert!(distinct.len() > 1, "different seeds give different orders");
    for seed in 0..10 {
        let mut o = order(RemoteOrder::Seeded(seed));
        o.sort();
        let mut r = remotes.clone();
        r.sort();
        assert_eq!(o, r, "a permutation of the remotes");
    }
}

#[test]
fn zero_remotes_never_connects() {
    let none: Vec<String> = Vec::new();
    let mut s = JsonrpcSession::open_multiple(&none, true);
    assert_eq!(s.get_name(), "invalid:");
    assert_eq!(s.get_n_remotes(), 1);
    for _ in 0..3 {
        s.run();
    }
    assert!(!s.is_connected());
    assert_eq!(s.get_last_error(), libc::EAFNOSUPPORT);
    let mut s = JsonrpcSession::open_multiple(&none, false);
    drive_session(&mut s, &mut [], "give up", |s, _| !s.is_alive());
}

#[test]
fn passive_session_newest_connection_replaces_previous() {
    let dir = support::TempDir::new("passive");
    let path = dir.join("s.sock");
    let mut s = JsonrpcSession::open(&format!("punix:{}", path.display()), true);
    drive_session(&mut s, &mut [], "listening", |s, _| {
        s.get_reconnect_stats().state == State::Listening
    });
    let name = format!("unix:{}", path.display());
    let mut c1 = Jsonrpc::open(Stream::open_block(Stream::open(&name, 0), 10_000).unwrap());
    drive_session(&mut s, &mut [], "first connection", |s, _| s.is_connected());
    assert_eq!(s.get_seqno(), 1);
    c1.send(Msg::create_notify("hello", Json::array(vec![1.into()])))
        .unwrap();
    let mut got = None;
    drive_session(&mut s, &mut [], "notification", |s, _| {
        c1.run();
        let _ = s;
        got = got.take().or_else(|| take_inbox().pop());
        got.is_some()
    });
    assert_eq!(got.unwrap().method.as_deref(), Some("hello"));

    let mut c2 = Jsonrpc::open(Stream::open_block(Stream::open(&name, 0), 10_000).unwrap());
    drive_session(&mut s, &mut [], "replacement", |s, _| s.get_seqno() == 3);
    assert!(s.is_connected());
    // The first client sees its connection closed.
    support::drive("the first client to see its connection closed", || {
        s.run();
        match c1.recv() {
            Err(e) if e.is_again() => {}
            Err(e) => {
                assert!(e.is_eof() || e.errno() == libc::ECONNRESET, "{e:?}");
                return true;
            }
            Ok(m) => panic!("unexpected {m:?}"),
        }
        s.wait();
        c1.recv_wait();
        false
    });
    // The second one is served.
    c2.send(Msg::create_notify("second", Json::empty_array()))
        .unwrap();
    let mut got = None;
    drive_session(&mut s, &mut [], "second notification", |s, _| {
        c2.run();
        let _ = s;
        got = got.take().or_else(|| take_inbox().pop());
        got.is_some()
    });
    assert_eq!(got.unwrap().method.as_deref(), Some("second"));
}

#[test]
fn silent_peer_is_probed_then_dropped() {
    let mut quiet = Server::new();
    quiet.answer = false;
    let mut s = JsonrpcSession::open(&quiet.remote(), true);
    s.set_probe_interval(1000);
    drive_session(&mut s, &mut [&mut quiet], "connect", |s, _| {
        s.is_connected()
    });
    let connected_seqno = s.get_seqno();
    // The session sends an echo probe with id "echo" after the interval.
    drive_session(&mut s, &mut [&mut quiet], "probe", |_, sv| {
        sv[0]
            .received
            .iter()
            .any(|m| m.method.as_deref() == Some("echo") && m.id == Some(Json::from("echo")))
    });
    let st = s.get_reconnect_stats();
    assert_eq!(st.state, State::Idle);
    assert!(s.is_connected());
    // No answer within another interval: the session disconnects.
    drive_session(&mut s, &mut [&mut quiet], "disconnect", |s, _| {
        s.get_seqno() != connected_seqno
    });
    let st = s.get_reconnect_stats();
    assert!(st.last_disconnected >= st.last_connected + 2000, "{st:?}");
}

#[test]
fn answered_probe_keeps_the_connection_and_is_swallowed() {
    let mut sv = Server::new();
    let mut s = JsonrpcSession::open(&sv.remote(), true);
    s.set_probe_interval(1000);
    drive_session(&mut s, &mut [&mut sv], "connect", |s, _| s.is_connected());
    let seqno = s.get_seqno();
    let mut delivered = Vec::new();
    drive_session(&mut s, &mut [&mut sv], "two probes answered", |_, sv| {
        delivered.extend(take_inbox());
        sv[0]
            .received
            .iter()
            .filter(|m| m.method.as_deref() == Some("echo"))
            .count()
            >= 2
    });
    // Let the replies arrive and be swallowed.
    drive_session(&mut s, &mut [&mut sv], "settle", |s, _| {
        delivered.extend(take_inbox());
        s.get_reconnect_stats().state == State::Active
    });
    assert!(
        delivered.is_empty(),
        "echo replies are not delivered: {delivered:?}"
    );
    assert_eq!(s.get_seqno(), seqno, "still the same connection");
}

#[test]
fn echo_requests_from_the_peer_are_answered() {
    let dir = support::TempDir::new("echo");
    let path = dir.join("s.sock");
    let mut listener = PStream::open(&format!("punix:{}", path.display()), 0).unwrap();
    let mut s = JsonrpcSession::open(&format!("unix:{}", path.display()), true);
    let mut peer: Option<Jsonrpc> = None;
    drive_session(&mut s, &mut [], "connect", |s, _| {
        if peer.is_none() {
            if let Ok(st) = listener.accept() {
                peer = Some(Jsonrpc::open(st));
            }
        }
        s.is_connected() && peer.is_some()
    });
    let mut peer = peer.unwrap();
    let id = Json::from("x");
    peer.send(Msg::request_with_id(
        "echo",
        Json::array(vec![42.into()]),
        id.clone(),
    ))
    .unwrap();
    peer.send(Msg::create_notify("after", Json::empty_array()))
        .unwrap();
    let mut reply = None;
    let mut delivered = Vec::new();
    drive_session(&mut s, &mut [], "echo reply", |_, _| {
        delivered.extend(take_inbox());
        peer.run();
        if let Ok(m) = peer.recv() {
            reply = Some(m);
        }
        reply.is_some() && !delivered.is_empty()
    });
    let reply = reply.unwrap();
    assert_eq!(reply.msg_type, MsgType::Reply);
    assert_eq!(reply.id, Some(id));
    assert_eq!(reply.result, Some(Json::array(vec![42.into()])));
    assert_eq!(
        delivered.len(),
        1,
        "the echo request itself is not delivered"
    );
    assert_eq!(delivered[0].method.as_deref(), Some("after"));
}

#[test]
fn backlog_threshold_trips_and_the_session_reconnects() {
    let mut sink = Server::new();
    sink.read = false;
    let mut s = JsonrpcSession::open(&sink.remote(), true);
    s.set_backlog_threshold(60, 256 * 1024);
    drive_session(&mut s, &mut [&mut sink], "connect", |s, _| s.is_connected());
    let seqno = s.get_seqno();
    let big = Json::array(vec![Json::string("x".repeat(10_000))]);
    let mut sent = 0;
    while s.is_connected() && sent < 10_000 {
        let _ = s.send(Msg::create_notify("fill", big.clone()));
        sent += 1;
        s.run();
    }
    assert!(sent < 10_000, "threshold never tripped");
    assert_eq!(s.get_last_error(), libc::E2BIG);
    assert_ne!(s.get_seqno(), seqno);
    drive_session(&mut s, &mut [&mut sink], "reconnect", |s, _| {
        s.is_connected()
    });
    assert_eq!(s.get_reconnect_stats().n_successful_connections, 2);
}

#[test]
fn send_without_connection_is_enotconn() {
    let mut s = JsonrpcSession::open(&refused_remote(), false);
    let e = s
        .send(Msg::create_notify("x", Json::empty_array()))
        .unwrap_err();
    assert_eq!(e.errno(), libc::ENOTCONN);
}
