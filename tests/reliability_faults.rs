//! Faults: the server is SIGKILLed mid-stream and restarted, a peer sends
//! half a message and closes, a peer resets the connection, writes go to a
//! closed peer, the server runs out of descriptors, a client stops
//! reading. Nothing panics, nothing is delivered twice, what arrived
//! before the fault is delivered, and the errors are the ones OVS gives.
//!
//! SIGPIPE is restored to its default action in this test binary (Rust
//! programs ignore it) and in `load_server`: a send without
//! `MSG_NOSIGNAL` would kill the process instead of failing with EPIPE.

mod support;

use std::io::Write;
use std::net::TcpStream;
use std::os::unix::net::UnixStream;
use std::sync::Once;

use ovsrpc::json::Json;
use ovsrpc::jsonrpc::{Jsonrpc, JsonrpcSession, Msg, MsgType};
use ovsrpc::poll_loop;
use ovsrpc::stream::PStream;
use ovsrpc::timeval::time_msec;
use ovsrpc::Error;
use support::drive;
use support::load::{run_session, server_stats, stat, wait_session, LoadServer};
use support::log::{self, logged};

#[allow(unsafe_code)]
fn default_sigpipe() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // SAFETY: installing SIG_DFL runs no handler code; it only changes
        // the disposition of SIGPIPE for this test process.
        let old = unsafe { libc::signal(libc::SIGPIPE, libc::SIG_DFL) };
        assert_ne!(old, libc::SIG_ERR);
    });
}

/// Restores SIGPIPE's default action and captures this test's log.
fn setup() -> log::Capture {
    default_sigpipe();
    log::capture()
}

/// Three valid messages.
fn valid_prefix() -> Vec<u8> {
    let mut out = Vec::new();
    for i in 0..3 {
        Msg::request_with_id("m", Json::array(vec![i.into()]), Json::Integer(i)).write_to(&mut out);
    }
    out
}

// ---------------------------------------------------------------------
// A client of the restart test: pipelines numbered requests in a window,
// resends the unanswered ones after each reconnection, and checks that
// every id is answered exactly once, in order.

struct Client {
    s: JsonrpcSession,
    index: i64,
    total: i64,
    /// Next id whose reply is expected.
    next_reply: i64,
    /// Next id to send on the current connection.
    next_send: i64,
    /// Seqno of the connection the requests in flight went out on.
    seqno: u32,
    seqnos_seen: Vec<u32>,
}

const WINDOW: i64 = 20;

impl Client {
    fn step(&mut self) -> u64 {
        self.s.run();
        if self.s.get_seqno() != self.seqno {
            self.seqno = self.s.get_seqno();
            self.seqnos_seen.push(self.seqno);
            // A new connection (or none): what was in flight is lost;
            // start again from the first unanswered request.
            self.next_send = self.next_reply;
        }
        let mut n = 0;
        while let Some(m) = self.s.recv() {
            assert_eq!(m.msg_type, MsgType::Reply, "client {}: {m}", self.index);
            assert_eq!(
                m.id,
                Some(Json::Integer(self.next_reply)),
                "client {}: reply duplicated or out of order",
                self.index
            );
            assert_eq!(
                m.result,
                Some(Json::array(vec![self.index.into(), self.next_reply.into()]))
            );
            self.next_reply += 1;
            n += 1;
        }
        while self.s.is_connected()
            && self.next_send < self.total
            && self.next_send < self.next_reply + WINDOW
        {
            let params = Json::array(vec![self.index.into(), self.next_send.into()]);
            let req = Msg::request_with_id("ping", params, Json::Integer(self.next_send));
            if self.s.send(req).is_err() {
                break;
            }
            self.next_send += 1;
        }
        wait_session(&self.s);
        n
    }
}

#[test]
fn server_killed_mid_stream_and_restarted_loses_and_repeats_nothing() {
    let _log = setup();
    let dir = support::TempDir::new("faults-kill");
    let mut server = LoadServer::start(&dir.join("s.sock"), &[]);
    const CLIENTS: i64 = 10;
    const TOTAL: i64 = 600;
    let mut clients: Vec<Client> = (0..CLIENTS)
        .map(|index| Client {
            s: JsonrpcSession::open(&server.remote, true),
            index,
            total: TOTAL,
            next_reply: 0,
            next_send: 0,
            seqno: 0,
            seqnos_seen: Vec::new(),
        })
        .collect();

    // Run until a third of the replies are in, then kill the server in the
    // middle of the stream and start it again at once.
    let mut replies = 0;
    drive("a third of the replies", || {
        for c in clients.iter_mut() {
            replies += c.step();
        }
        replies >= (CLIENTS * TOTAL / 3) as u64
    });
    assert!(
        clients.iter().any(|c| c.next_reply < TOTAL),
        "still mid-stream"
    );
    server.kill();
    server.restart();

    drive("every reply after the restart", || {
        for c in clients.iter_mut() {
            replies += c.step();
        }
        clients.iter().all(|c| c.next_reply == TOTAL)
    });
    assert_eq!(replies, (CLIENTS * TOTAL) as u64, "each reply exactly once");
    for c in &clients {
        let st = c.s.get_reconnect_stats();
        assert!(c.s.is_connected());
        assert!(
            c.s.get_seqno() >= 3,
            "client {}: connected, dropped, connected again: {:?}",
            c.index,
            c.seqnos_seen
        );
        assert!(st.n_successful_connections >= 2, "{st:?}");
    }
}

#[test]
fn half_a_message_then_close_delivers_what_came_before_then_eof() {
    let _log = setup();
    let dir = support::TempDir::new("faults-half");
    let path = dir.join("s.sock");
    let mut listener = PStream::open(&format!("punix:{}", path.display()), 0).unwrap();
    let mut peer = UnixStream::connect(&path).unwrap();
    let mut rpc = Jsonrpc::open(listener.accept_block().unwrap());
    let mut bytes = valid_prefix();
    bytes.extend_from_slice(br#"{"method":"m","params":[1,2,"hal"#);
    peer.write_all(&bytes).unwrap();
    drop(peer);

    let (msgs, status) = support::load::receive_until_failure(&mut rpc, "end of file");
    assert_eq!(msgs.len(), 3);
    assert_eq!(status, Error::EOF.errno());
    let lines = logged(&[rpc.name(), "connection closed in the middle of a message"]);
    assert_eq!(lines.len(), 1, "{lines:?}");
}

#[test]
fn a_reset_connection_fails_with_econnreset_after_delivering_what_came_before() {
    let _log = setup();
    let mut listener = PStream::open("ptcp:0:127.0.0.1", 0).unwrap();
    let port = listener.bound_port().unwrap();
    let peer = TcpStream::connect(("127.0.0.1", port)).unwrap();
    let mut rpc = Jsonrpc::open(listener.accept_block().unwrap());
    (&peer).write_all(&valid_prefix()).unwrap();
    let mut msgs = Vec::new();
    drive("the valid messages", || {
        while let Ok(m) = rpc.recv() {
            msgs.push(m);
        }
        rpc.recv_wait();
        msgs.len() == 3
    });
    // Half a message, then an abortive close: SO_LINGER 0 sends RST.
    (&peer).write_all(br#"{"method":"m","par"#).unwrap();
    let sock = socket2::Socket::from(peer);
    sock.set_linger(Some(std::time::Duration::ZERO)).unwrap();
    drop(sock);

    let (more, status) = support::load::receive_until_failure(&mut rpc, "the reset");
    assert!(more.is_empty());
    assert_eq!(status, libc::ECONNRESET, "{}", Error::from_errno(status));
    let lines = logged(&[rpc.name(), "receive error: Connection reset by peer"]);
    assert_eq!(lines.len(), 1, "{lines:?}");
}

#[test]
fn writes_to_a_closed_peer_fail_with_epipe_and_do_not_raise_sigpipe() {
    let _log = setup();
    let dir = support::TempDir::new("faults-epipe");
    let path = dir.join("s.sock");
    let mut listener = PStream::open(&format!("punix:{}", path.display()), 0).unwrap();
    let peer = UnixStream::connect(&path).unwrap();
    let mut rpc = Jsonrpc::open(listener.accept_block().unwrap());
    drop(peer);
    let mut result = Ok(());
    for i in 0..1000 {
        result = rpc.send(Msg::create_notify("n", Json::array(vec![i.into()])));
        if result.is_err() {
            break;
        }
    }
    // The process is alive (SIGPIPE is deadly here) and the send failed.
    assert_eq!(result, Err(Error::from_errno(libc::EPIPE)));
    assert_eq!(rpc.get_status(), libc::EPIPE);
    let lines = logged(&[rpc.name(), "send error: Broken pipe"]);
    assert_eq!(lines.len(), 1, "{lines:?}");
}

#[test]
fn a_server_whose_clients_vanish_keeps_serving() {
    let _log = setup();
    let dir = support::TempDir::new("faults-vanish");
    let server = LoadServer::start(&dir.join("s.sock"), &[]);
    // Clients that send requests and close without reading the replies:
    // the server's writes meet a closed peer (EPIPE, with SIGPIPE at its
    // default action in the server).
    let path = dir.join("s.sock");
    let vanishing = 20;
    for _ in 0..vanishing {
        let mut raw = UnixStream::connect(&path).unwrap();
        let mut out = Vec::new();
        for i in 0..200 {
            Msg::request_with_id("ping", Json::array(vec![i.into()]), Json::Integer(i))
                .write_to(&mut out);
        }
        raw.write_all(&out).unwrap();
    }
    let mut probe = JsonrpcSession::open(&server.remote, true);
    let stats = server_stats(&mut probe);
    // The probe queued behind the vanishing clients: the server took them
    // all before it could answer the probe.
    assert_eq!(stat(&stats, "accepted"), vanishing + 1, "{stats}");
    support::load::wait_server_connections(&mut probe, 1);
    let mut server = server;
    assert!(server.is_running(), "server died: {:?}", server.log());
}

// ---------------------------------------------------------------------
// Backlog threshold and descriptor exhaustion, against load_server.

#[test]
fn a_slow_reader_trips_the_backlog_threshold_and_others_are_served() {
    let _log = setup();
    let dir = support::TempDir::new("faults-slow");
    let path = dir.join("s.sock");
    let server = LoadServer::start(
        &path,
        &["--backlog-msgs", "100", "--backlog-bytes", "65536"],
    );
    // The slow reader sends requests with big replies and never reads.
    let mut slow = UnixStream::connect(&path).unwrap();
    let big = Json::from("x".repeat(4096));
    let mut out = Vec::new();
    for i in 0..400 {
        Msg::request_with_id("ping", Json::array(vec![big.clone()]), Json::Integer(i))
            .write_to(&mut out);
    }
    let writer = std::thread::spawn(move || {
        let _ = slow.write_all(&out);
        slow
    });
    let mut probe = JsonrpcSession::open(&server.remote, true);
    let mut inbox = Vec::new();
    drive("the server to log the backlog", || {
        run_session(&mut probe, &mut inbox);
        wait_session(&probe);
        server.log_wait();
        server.log_count("sending backlog exceeded maximum") > 0
    });
    let line = server
        .log()
        .into_iter()
        .find(|l| l.contains("sending backlog exceeded maximum"))
        .unwrap();
    assert!(line.contains("disconnecting, jsonrpc: unix#"), "{line}");
    // The slow client was dropped; the probe is served.
    support::load::wait_server_connections(&mut probe, 1);
    let _slow = writer.join().unwrap();
}

#[test]
fn accept_hits_emfile_logs_keeps_serving_and_recovers() {
    let _log = setup();
    let dir = support::TempDir::new("faults-emfile");
    let path = dir.join("s.sock");
    let mut server = LoadServer::start(&path, &["--max-fds", "24"]);
    let remote = server.remote.clone();

    // The probe connects first, so it is served throughout.
    let mut probe = JsonrpcSession::open(&remote, true);
    let held = stat(&server_stats(&mut probe), "connections");
    assert_eq!(held, 1);

    // More clients than the server has descriptors for. Each sends one
    // request; those accepted get their reply.
    const N: usize = 30;
    // (session, the seqno of the connection its request went out on,
    // answered): a client whose connection drops before the answer sends
    // its request again on the next one.
    let mut clients: Vec<(JsonrpcSession, Option<u32>, bool)> = (0..N)
        .map(|_| (JsonrpcSession::open(&remote, true), None, false))
        .collect();
    let step = |clients: &mut Vec<(JsonrpcSession, Option<u32>, bool)>| {
        for (s, sent_on, answered) in clients.iter_mut() {
            s.run();
            if s.is_connected() && !*answered && *sent_on != Some(s.get_seqno()) {
                let req = Msg::request_with_id("ping", Json::array(vec![]), Json::Integer(0));
                s.send(req).unwrap();
                *sent_on = Some(s.get_seqno());
            }
            while let Some(m) = s.recv() {
                assert_eq!(m.id, Some(Json::Integer(0)));
                assert!(!*answered, "answered twice");
                *answered = true;
            }
            wait_session(s);
        }
    };
    drive("the server to hit EMFILE", || {
        step(&mut clients);
        server.log_wait();
        server.log_count("accept failed: Too many open files") > 0
    });
    assert!(
        server
            .log()
            .iter()
            .any(|l| l.contains(&format!("{}: accept failed", server.listen))),
        "{:?}",
        server.log()
    );

    // While the descriptors are exhausted the server keeps serving the
    // connections it has, without spinning on the listener (which stays
    // readable). Give it an idle window of 300 ms: it may retry accept
    // once per 100 ms of backoff, where a busy loop retries on every pass,
    // thousands of times. (This window is the one place a test here lets
    // time pass on purpose: spinning is a rate, and a rate needs time.)
    let before = server_stats(&mut probe);
    let t0 = time_msec();
    while time_msec() < t0 + 300 {
        poll_loop::timer_wait_until(t0 + 300);
        poll_loop::block();
    }
    let after = server_stats(&mut probe);
    let elapsed = time_msec() - t0;
    let retries = stat(&after, "accept_errors") - stat(&before, "accept_errors");
    let passes = stat(&after, "iterations") - stat(&before, "iterations");
    let capacity = stat(&after, "connections");
    eprintln!(
        "emfile: {capacity} connections held; {retries} accept retries and {passes} passes \
         in an idle window of {elapsed} ms"
    );
    assert!(capacity < N as i64 + 1, "the limit bites: {capacity}");
    assert!(
        retries <= elapsed / 100 + 2,
        "server retried accept {retries} times in {elapsed} ms ({passes} passes of its \
         main loop) while out of descriptors: busy loop"
    );

    // The clients the server did accept get their answers.
    drive("the accepted clients to be answered", || {
        step(&mut clients);
        clients.iter().any(|c| c.2)
    });
    // Close the clients that were answered: the server accepts the others.
    let before_close = clients.iter().filter(|c| c.2).count();
    assert!(
        before_close > 0 && before_close < N,
        "{before_close} answered"
    );
    // Each client is closed once answered, which frees its descriptor on
    // the server for the next one: the others may outnumber what the
    // server can hold at once.
    clients.retain(|c| !c.2);
    let mut answered = before_close;
    drive("every remaining client to be answered", || {
        step(&mut clients);
        let waiting = clients.len();
        clients.retain(|c| !c.2);
        answered += waiting - clients.len();
        clients.is_empty()
    });
    assert_eq!(answered, N, "every client answered once");
    assert!(server.is_running());
}
