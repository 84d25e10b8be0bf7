//! Options of a session beyond OVS keep their word, on loopback: fast
//! failover after every kind of drop, a connect timeout longer or shorter
//! than the FSM's, no blame for attempts the application abandoned, the
//! round position kept by parallel connects, `replace` handing the
//! connection to its remote, TCP options on accepted connections, no
//! success for a connection broken at once, a deadline per message, and
//! error texts. Black-holed remotes are loopback ports whose packets an
//! iptables rule added by the test drops.

mod support;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::Duration;

use log::Level;
use ovsrpc::error::EOF;
use ovsrpc::json::Json;
use ovsrpc::jsonrpc::{Jsonrpc, JsonrpcSession, Msg};
use ovsrpc::reconnect::State;
use ovsrpc::stream::{Keepalive, Stream, TcpOptions};
use ovsrpc::timeval::time_msec;
use support::server::{black_hole, drive_session as drive, opts, roundtrip, take_inbox, Server};

/// A peer on a loopback port, run on its own thread: it accepts up to
/// `n` connections, one after the other, and runs `script` on each.
/// Returns the remote's name.
fn raw_peer<F>(n: usize, script: F) -> String
where
    F: Fn(TcpStream) + Send + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for conn in listener.incoming().take(n).flatten() {
            script(conn);
        }
    });
    format!("tcp:127.0.0.1:{port}")
}

/// Reads until the other end closes (or a read fails), with a bound.
fn read_to_close(mut conn: TcpStream) {
    let _ = conn.set_read_timeout(Some(Duration::from_secs(30)));
    let mut buf = [0u8; 4096];
    while let Ok(n) = conn.read(&mut buf) {
        if n == 0 {
            break;
        }
    }
}

/// Writes `bytes` one at a time, `gap_ms` apart; stops when a write fails.
fn dribble(conn: &mut TcpStream, bytes: &[u8], gap_ms: u64) {
    for b in bytes {
        if conn.write_all(&[*b]).is_err() {
            return;
        }
        std::thread::sleep(Duration::from_millis(gap_ms));
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum DropKind {
    Eof,
    Error,
    ProbeTimeout,
    Backlog,
}

/// Connects to a, drops it in the way `kind` says, fails over to b and
/// drops that the same way; returns the FSM's backoff right after the
/// second drop, when OVS's backoff-free tries are used up.
fn backoff_after_second_drop(kind: DropKind, fast: bool) -> i32 {
    let mut a = Server::new();
    let mut b = Server::new();
    let mut o = opts();
    o.fast_failover = fast;
    o.max_msg_size = 4096;
    let remotes = [a.remote(), b.remote()];
    let mut s = JsonrpcSession::open_multiple_with(&remotes, true, &o);
    if kind == DropKind::ProbeTimeout {
        // Silent peers: probes go unanswered.
        s.set_probe_interval(1000);
        a.answer = false;
        b.answer = false;
    } else {
        s.set_probe_interval(0);
    }
    if kind == DropKind::Backlog {
        s.set_backlog_threshold(0, 64 * 1024);
        a.read = false;
        b.read = false;
    }
    let mut backoff = -1;
    for i in 0..2 {
        let sv: &mut Server = if i == 0 { &mut a } else { &mut b };
        let remote = sv.remote();
        drive(&mut s, &mut [&mut *sv], "connect", |s, sv| {
            s.is_connected() && s.get_name() == remote && !sv[0].conns.is_empty()
        });
        let seqno = s.get_seqno();
        match kind {
            DropKind::Eof => sv.conns.clear(),
            DropKind::Error => {
                // Over the session's max_msg_size: EPROTO.
                let big = Json::array(vec![Json::string("x".repeat(10_000))]);
                sv.conns[0].send(Msg::create_notify("big", big)).unwrap();
            }
            DropKind::ProbeTimeout => {}
            DropKind::Backlog => {
                let payload = Json::array(vec![Json::string("y".repeat(10_000))]);
                for _ in 0..5000 {
                    let sent = s.send(Msg::create_notify("fill", payload.clone()));
                    if sent.is_err() || s.get_status() != 0 {
                        break;
                    }
                }
                assert_eq!(s.get_status(), libc::E2BIG, "the backlog tripped");
            }
        }
        drive(&mut s, &mut [&mut *sv], "drop", |s, _| {
            s.get_seqno() != seqno
        });
        backoff = s.get_reconnect_stats().backoff;
    }
    backoff
}

#[test]
fn fast_failover_holds_for_every_kind_of_drop() {
    for kind in [
        DropKind::Eof,
        DropKind::Error,
        DropKind::ProbeTimeout,
        DropKind::Backlog,
    ] {
        assert_eq!(backoff_after_second_drop(kind, true), 0, "{kind:?}");
    }
    for kind in [DropKind::ProbeTimeout, DropKind::Backlog] {
        assert_eq!(
            backoff_after_second_drop(kind, false),
            1000,
            "{kind:?} without fast failover: OVS's minimum backoff"
        );
    }
}

#[test]
fn connect_timeout_may_be_longer_than_the_fsm_deadline() {
    let Some((hole, _rule)) = black_hole() else {
        return;
    };
    let mut good = Server::new();
    let mut o = opts();
    o.connect_timeout_ms = 2500;
    let mut s = JsonrpcSession::open_multiple_with(&[hole, good.remote()], true, &o);
    let start = time_msec();
    // Past OVS's deadline (1 s): the attempt is still going.
    drive(&mut s, &mut [&mut good], "1.5 s", |_, _| {
        ovsrpc::poll_loop::timer_wait_until(start + 1500);
        time_msec() >= start + 1500
    });
    assert_eq!(s.get_reconnect_stats().state, State::Connecting);
    assert_eq!(s.get_remote_stats()[0].consecutive_failures, 0);
    drive(&mut s, &mut [&mut good], "connect", |s, _| s.is_connected());
    assert!(time_msec() - start >= 2500, "given its 2.5 s");
    let st = &s.get_remote_stats()[0];
    assert_eq!(
        (st.consecutive_failures, st.last_error),
        (1, libc::ETIMEDOUT)
    );
    assert_eq!(s.get_name(), good.remote());
}

#[test]
fn abandoned_attempts_are_not_blamed_but_timed_out_ones_are() {
    let Some((hole, _rule)) = black_hole() else {
        return;
    };
    let mut o = opts();
    o.connect_timeout_ms = 1500;
    let mut s = JsonrpcSession::open_multiple_with(&[hole], true, &o);
    for (what, dscp) in [("force_reconnect", None), ("set_dscp", Some(8))] {
        drive(&mut s, &mut [], "attempt", |s, _| {
            s.get_reconnect_stats().state == State::Connecting
        });
        match dscp {
            None => s.force_reconnect(),
            Some(d) => s.set_dscp(d),
        }
        drive(&mut s, &mut [], "abandoned", |s, _| {
            s.get_reconnect_stats().state == State::Backoff
        });
        let st = &s.get_remote_stats()[0];
        assert_eq!(
            (st.consecutive_failures, st.last_error),
            (0, 0),
            "{what} is no failure of the remote"
        );
    }
    drive(&mut s, &mut [], "a real timeout", |s, _| {
        s.get_remote_stats()[0].consecutive_failures == 1
    });
    assert_eq!(s.get_remote_stats()[0].last_error, libc::ETIMEDOUT);
}

#[test]
fn parallel_connect_goes_on_after_the_winner() {
    let Some((hole_a, _ra)) = black_hole() else {
        return;
    };
    let Some((hole_c, _rc)) = black_hole() else {
        return;
    };
    let mut b = Server::new();
    let mut d = Server::new();
    let mut o = opts();
    o.parallel_connect = 3;
    let remotes = [hole_a, b.remote(), hole_c, d.remote()];
    let mut s = JsonrpcSession::open_multiple_with(&remotes, true, &o);
    drive(&mut s, &mut [&mut b, &mut d], "connect", |s, _| {
        s.is_connected()
    });
    assert_eq!(s.get_name(), b.remote(), "a, b, c tried: b won");
    let seqno = s.get_seqno();
    b.conns.clear();
    drive(&mut s, &mut [&mut b, &mut d], "reconnect", |s, _| {
        s.is_connected() && s.get_seqno() == seqno.wrapping_add(2)
    });
    // After b come c, d, a: c gets its turn and d wins.
    let st = s.get_remote_stats();
    assert_eq!(st[2].n_attempts, 2, "c was not skipped");
    assert_eq!(s.get_name(), d.remote());
}

#[test]
fn replace_hands_the_connection_to_its_remote() {
    let mut a = Server::new();
    let mut b = Server::new();
    let mut s = JsonrpcSession::open_multiple_with(&[a.remote(), b.remote()], true, &opts());
    s.set_probe_interval(0);
    drive(&mut s, &mut [&mut a, &mut b], "connect a", |s, _| {
        s.is_connected()
    });
    roundtrip(&mut s, &mut [&mut a, &mut b], 1);
    let rpc = Jsonrpc::open(Stream::open(&b.remote(), 0).expect("open"));
    s.replace(Some(rpc));
    assert_eq!(s.get_name(), b.remote());
    roundtrip(&mut s, &mut [&mut a, &mut b], 2);
    let seqno = s.get_seqno();
    b.conns.clear();
    drive(&mut s, &mut [&mut a, &mut b], "drop of b", |s, _| {
        s.get_seqno() != seqno
    });
    let st = s.get_remote_stats();
    assert_eq!(st[1].last_error, EOF, "b's drop is charged to b");
    assert_eq!(st[0].last_error, 0, "not to a");
    assert!(
        st[0].last_disconnected < i64::MAX,
        "a's connection was closed"
    );
}

#[test]
fn passive_session_sets_tcp_options_on_accepted_connections() {
    let port = support::free_port();
    let mut o = opts();
    o.tcp = TcpOptions {
        user_timeout_ms: 0,
        keepalive: Some(Keepalive {
            idle_s: 1,
            interval_s: 1,
            count: 1,
        }),
    };
    let name = format!("ptcp:{port}:127.0.0.1");
    let mut s = JsonrpcSession::open_multiple_with(&[name], true, &o);
    s.set_probe_interval(0);
    drive(&mut s, &mut [], "listening", |s, _| {
        s.get_reconnect_stats().state == State::Listening
    });
    let mut client = Jsonrpc::open(Stream::open(&format!("tcp:127.0.0.1:{port}"), 0).unwrap());
    drive(&mut s, &mut [], "accept", |s, _| {
        client.run();
        s.is_connected()
    });
    let Some(_rules) = support::DropRule::all_of(port) else {
        return;
    };
    let seqno = s.get_seqno();
    drive(&mut s, &mut [], "keepalive timeout", |s, _| {
        s.get_seqno() != seqno
    });
    assert_eq!(s.get_last_error(), libc::ETIMEDOUT);
    drop(client);
}

#[test]
fn a_connection_broken_at_once_is_no_success() {
    // A peer that answers in HTTP: the session's first read fails (EPROTO).
    let http = raw_peer(5, |mut conn| {
        let _ = conn.write_all(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
        read_to_close(conn);
    });
    let mut good = Server::new();
    let mut o = opts();
    o.deprioritize_after = 1;
    let good_remote = good.remote();
    let mut s = JsonrpcSession::open_multiple_with(&[http.clone(), good_remote.clone()], true, &o);
    s.set_probe_interval(0);
    drive(&mut s, &mut [&mut good], "connect", |s, _| {
        s.is_connected() && s.get_name() == good_remote
    });
    roundtrip(&mut s, &mut [&mut good], 1);
    let st = &s.get_remote_stats()[0];
    assert_eq!(st.name, http);
    assert_eq!(
        (st.n_attempts, st.n_successes, st.consecutive_failures),
        (1, 0, 1)
    );
    assert_eq!(st.last_error, libc::EPROTO);
    let seqno = s.get_seqno();
    good.conns.clear();
    drive(&mut s, &mut [&mut good], "reconnect", |s, _| {
        s.is_connected() && s.get_seqno() == seqno.wrapping_add(2)
    });
    assert_eq!(s.get_name(), good.remote());
    assert_eq!(
        s.get_remote_stats()[0].n_attempts,
        1,
        "the failing remote went last"
    );
}

const SLOW: &[u8] = b"{\"method\":\"slow\",\"params\":[],\"id\":null}";

/// A session on a peer that sends one message a byte every 100 ms.
fn dribbled(message_timeout_ms: i64) -> JsonrpcSession {
    let peer = raw_peer(1, |mut conn| {
        dribble(&mut conn, SLOW, 100);
        read_to_close(conn);
    });
    let mut o = opts();
    o.message_timeout_ms = message_timeout_ms;
    let mut s = JsonrpcSession::open_multiple_with(&[peer], true, &o);
    s.set_probe_interval(0);
    s
}

#[test]
fn a_message_over_its_deadline_drops_the_connection() {
    let _log = support::log::capture();
    let mut s = dribbled(1000);
    take_inbox();
    drive(&mut s, &mut [], "connect", |s, _| s.is_connected());
    let start = time_msec();
    let seqno = s.get_seqno();
    drive(&mut s, &mut [], "drop", |s, _| s.get_seqno() != seqno);
    assert!(time_msec() - start >= 1000, "not before its deadline");
    assert_eq!(s.get_last_error(), libc::ETIMEDOUT);
    assert!(take_inbox().is_empty());
    let warnings = support::log::take_at(Level::Warn);
    assert!(
        warnings
            .iter()
            .any(|w| w.ends_with("message incomplete after 1000 ms, dropping connection")),
        "{warnings:?}"
    );
}

#[test]
fn without_a_message_timeout_a_dribbling_peer_keeps_the_session() {
    let mut s = dribbled(0);
    take_inbox();
    drive(&mut s, &mut [], "connect", |s, _| s.is_connected());
    let seqno = s.get_seqno();
    let mut got = Vec::new();
    drive(&mut s, &mut [], "the whole message", |_, _| {
        got.extend(take_inbox());
        !got.is_empty()
    });
    assert_eq!(got[0].method.as_deref(), Some("slow"));
    assert_eq!(s.get_seqno(), seqno, "the same connection, as OVS");
}

#[test]
fn idle_time_between_messages_is_not_a_message() {
    let peer = raw_peer(1, |mut conn| {
        let mut first = SLOW.to_vec();
        first.push(b'\n');
        let _ = conn.write_all(&first);
        std::thread::sleep(Duration::from_millis(1500));
        let _ = conn.write_all(&first);
        read_to_close(conn);
    });
    let mut o = opts();
    o.message_timeout_ms = 1000;
    let mut s = JsonrpcSession::open_multiple_with(&[peer], true, &o);
    s.set_probe_interval(0);
    take_inbox();
    drive(&mut s, &mut [], "connect", |s, _| s.is_connected());
    let seqno = s.get_seqno();
    let mut got = Vec::new();
    drive(&mut s, &mut [], "two messages", |_, _| {
        got.extend(take_inbox());
        got.len() == 2
    });
    assert_eq!(s.get_seqno(), seqno, "kept through 1.5 s of silence");
}

#[test]
fn tcp_without_a_host_logs_no_appended_port() {
    let _log = support::log::capture();
    let mut s = JsonrpcSession::open("tcp:", false);
    drive(&mut s, &mut [], "give up", |s, _| !s.is_alive());
    let errors = support::log::take_at(Level::Error);
    assert_eq!(errors, [": host must be specified"]);
}

#[test]
fn an_unknown_host_says_the_lookup_failed() {
    let _log = support::log::capture();
    let mut s = JsonrpcSession::open("tcp:no-such-host.invalid:6640", false);
    drive(&mut s, &mut [], "give up", |s, _| !s.is_alive());
    let infos = support::log::take_at(Level::Info);
    let failed: Vec<&String> = infos
        .iter()
        .filter(|l| l.contains("connection attempt failed"))
        .collect();
    assert_eq!(failed.len(), 1, "{infos:?}");
    assert!(
        failed[0].starts_with(
            "tcp:no-such-host.invalid:6640: connection attempt failed (host name lookup failed: "
        ),
        "{}",
        failed[0]
    );
    assert!(!failed[0].contains("No such file or directory"));
}
