//! `Jsonrpc` connections on real loopback sockets: request/reply over Unix
//! and TCP, big messages, pipelining, batching, the backlog threshold, and
//! the peer that closes early or sends garbage.

mod support;

use std::sync::atomic::Ordering;

use ::log::Level;
use ovsrpc::json::{self, Json};
use ovsrpc::jsonrpc::{connection, Jsonrpc, Msg, MsgType};
use ovsrpc::stream::Stream;
use ovsrpc::Error;
use support::log;
use support::rpc::*;
use support::{drive, TempDir, DEADLINE_MS};

fn j(text: &str) -> Json {
    json::from_str(text).unwrap_or_else(|e| panic!("{text}: {e}"))
}

/// Serves `stream` on a thread of its own: `echo` requests are answered
/// with their params, `fail` with an error reply, notifications are
/// counted; returns the number of notifications when the peer hangs up.
fn spawn_echo_server(stream: Stream) -> std::thread::JoinHandle<usize> {
    std::thread::spawn(move || {
        let mut rpc = Jsonrpc::open(stream);
        let mut notifications = 0;
        loop {
            match rpc.recv_block() {
                Ok(msg) => match msg.msg_type {
                    MsgType::Request => {
                        let id = msg.id.clone().expect("id");
                        let reply = match msg.method.as_deref() {
                            Some("echo") => Msg::create_reply(msg.params.expect("params"), &id),
                            _ => Msg::create_error(j(r#"{"error":"unknown method"}"#), &id),
                        };
                        if rpc.send(reply).is_err() {
                            return notifications;
                        }
                    }
                    MsgType::Notify => notifications += 1,
                    _ => {}
                },
                Err(e) => {
                    assert!(e.is_eof(), "echo server: {e}");
                    return notifications;
                }
            }
        }
    })
}

// Request and reply.

#[test]
fn request_and_reply_over_unix() {
    let _log = log::capture();
    let dir = TempDir::new("jsonrpc-unix");
    let (client, server) = unix_pair(dir.path());
    let client_name = client.name().to_string();
    let mut client = Jsonrpc::open(client);
    let mut server = Jsonrpc::open(server);
    assert_eq!(client.get_name(), client_name);
    assert!(client_name.starts_with("unix:"));

    let request = Msg::create_request("echo", j(r#"["hello",{"n":[1,2.5,null]}]"#));
    let request_id = request.id.clone();
    let mut wire = Vec::new();
    request.write_to(&mut wire);
    client.send(request.clone()).expect("send");
    assert_eq!(client.get_backlog(), 0, "a small message leaves at once");

    let got = recv_within(&mut server).expect("server recv");
    assert_eq!(got, request);
    assert_eq!(server.get_received_bytes() as usize, wire.len());

    let reply = Msg::create_reply(got.params.clone().expect("params"), &got.id.expect("id"));
    server.send(reply).expect("reply");
    let got = recv_within(&mut client).expect("client recv");
    assert_eq!(got.msg_type, MsgType::Reply);
    assert_eq!(got.id, request_id);
    assert_eq!(got.result, request.params);
    assert_eq!(client.get_status(), 0);
    assert_eq!(server.get_status(), 0);
}

#[test]
fn request_and_reply_over_tcp_with_blocking_calls() {
    let _log = log::capture();
    let (client, server) = tcp_pair();
    assert!(client.name().starts_with("tcp:127.0.0.1:"));
    let echo = spawn_echo_server(server);
    let mut client = Jsonrpc::open(client);

    let params = j(r#"["ü€𝄞", {"deep": [[[{}]]]}, -1, 1e300, true]"#);
    let reply = client
        .transact_block(Msg::create_request("echo", params.clone()))
        .expect("transact");
    assert_eq!(reply.msg_type, MsgType::Reply);
    assert_eq!(reply.result, Some(params));

    let reply = client
        .transact_block(Msg::create_request("nonexistent", Json::empty_array()))
        .expect("transact");
    assert_eq!(reply.msg_type, MsgType::Error);
    assert_eq!(reply.error, Some(j(r#"{"error":"unknown method"}"#)));

    client
        .send_block(Msg::create_notify("note", Json::empty_array()))
        .expect("notify");
    client
        .send_block(Msg::create_notify("note", Json::empty_array()))
        .expect("notify");
    // A request after the notifications: its reply means they arrived.
    let id = Json::string("last");
    client
        .send_block(Msg::request_with_id(
            "echo",
            Json::empty_array(),
            id.clone(),
        ))
        .expect("send");
    let reply = client.recv_block().expect("reply");
    assert_eq!(reply.id, Some(id));
    client.close();
    assert_eq!(echo.join().expect("server thread"), 2);
}

#[test]
fn open_block_uses_the_jsonrpc_default_port_only_when_none_is_given() {
    let mut listener = ovsrpc::stream::PStream::open("ptcp:0:127.0.0.1", 0).expect("ptcp");
    let port = listener.bound_port().expect("port");
    let handle = std::thread::spawn(move || {
        let stream = support::stream::accept(&mut listener);
        spawn_echo_server(stream).join().expect("server")
    });
    let mut rpc =
        connection::open_block(&format!("tcp:127.0.0.1:{port}"), DEADLINE_MS).expect("open");
    assert_eq!(rpc.get_name(), format!("tcp:127.0.0.1:{port}"));
    let reply = rpc
        .transact_block(Msg::create_request("echo", j("[1]")))
        .expect("echo");
    assert_eq!(reply.result, Some(j("[1]")));
    drop(rpc);
    handle.join().expect("thread");
}

// Big and many messages.

/// A string of `len` bytes: mostly plain text, with characters that need
/// escaping and multi-byte UTF-8 every few KiB, so that escapes and
/// characters straddle read boundaries.
fn mixed_string(len: usize) -> String {
    let special = "\"quoted\"\t\\ é€𝄞\n\u{1}";
    let plain = "The quick brown fox jumps over the lazy dog. ".repeat(90);
    let mut s = String::with_capacity(len + plain.len() + special.len());
    let mut i = 0u32;
    while s.len() < len {
        s.push_str(special);
        s.push_str(&i.to_string());
        s.push_str(&plain);
        i += 1;
    }
    while s.len() > len {
        s.pop();
    }
    s
}

#[test]
fn sixty_four_mib_message_in_both_directions() {
    let _log = log::capture();
    let dir = TempDir::new("jsonrpc-big");
    let (client, server) = unix_pair(dir.path());
    let echo = spawn_echo_server(server);
    let mut client = Jsonrpc::open(client);
    let big = mixed_string(64 << 20);
    let params = Json::array(vec![Json::string(big.as_str()), Json::Integer(64)]);
    let reply = client
        .transact_block(Msg::create_request("echo", params))
        .expect("transact");
    let result = reply.result.expect("result");
    assert_eq!(result.at(1), Some(&Json::Integer(64)));
    let back = result.at(0).and_then(Json::as_str).expect("string");
    assert_eq!(back.len(), big.len());
    assert!(back == big, "the 64 MiB string came back changed");
    assert!(client.received_bytes_total() > 64 << 20);
    client.close();
    echo.join().expect("server thread");
}

#[test]
fn ten_thousand_pipelined_requests_are_answered_in_order() {
    let _log = log::capture();
    let dir = TempDir::new("jsonrpc-pipeline");
    let (client, server) = unix_pair(dir.path());
    let mut client = Jsonrpc::open(client);
    let mut server = Jsonrpc::open(server);
    const N: usize = 10_000;
    let mut ids = Vec::with_capacity(N);
    for i in 0..N {
        let msg = Msg::create_request("echo", Json::array(vec![Json::Integer(i as i64)]));
        ids.push(msg.id.clone().expect("id"));
        client.send(msg).expect("send");
    }
    let mut answered = 0;
    let mut served = 0;
    drive_rpcs(&mut [&mut client, &mut server], |rpcs| {
        let [client, server] = rpcs else {
            unreachable!()
        };
        loop {
            match server.recv() {
                Ok(msg) => {
                    let id = msg.id.expect("id");
                    server
                        .send(Msg::create_reply(msg.params.expect("params"), &id))
                        .expect("reply");
                    served += 1;
                }
                Err(e) if e.is_again() => break,
                Err(e) => panic!("server: {e}"),
            }
        }
        loop {
            match client.recv() {
                Ok(reply) => {
                    assert_eq!(reply.msg_type, MsgType::Reply);
                    assert_eq!(reply.id.as_ref(), Some(&ids[answered]), "out of order");
                    assert_eq!(
                        reply.result,
                        Some(Json::array(vec![Json::Integer(answered as i64)]))
                    );
                    answered += 1;
                }
                Err(e) if e.is_again() => break,
                Err(e) => panic!("client: {e}"),
            }
        }
        answered == N
    });
    assert_eq!(served, N);
}

#[test]
fn small_messages_queued_together_leave_in_one_send() {
    let _log = log::capture();
    let dir = TempDir::new("jsonrpc-batch");
    let (client, server) = unix_pair(dir.path());
    let (client, sends, _) = counting(client);
    let (server, _, recvs) = counting(server);
    let mut client = Jsonrpc::open(client);
    let mut server = Jsonrpc::open(server);

    // queue() never writes; one run() writes the lot (~40 KB) in one call.
    const N: usize = 1000;
    for i in 0..N {
        client
            .queue(Msg::create_notify(
                "tick",
                Json::array(vec![Json::Integer(i as i64)]),
            ))
            .expect("queue");
    }
    assert_eq!(sends.load(Ordering::Relaxed), 0);
    assert_eq!(client.get_backlog_msgs(), N);
    client.run();
    assert_eq!(
        sends.load(Ordering::Relaxed),
        1,
        "one send(2) for {N} messages"
    );
    assert_eq!(client.get_backlog(), 0);

    let mut got = 0;
    while got < N {
        let msg = recv_within(&mut server).expect("recv");
        assert_eq!(
            msg.params,
            Some(Json::array(vec![Json::Integer(got as i64)]))
        );
        got += 1;
    }
    assert!(
        recvs.load(Ordering::Relaxed) <= 4,
        "{} reads for {N} small messages",
        recvs.load(Ordering::Relaxed)
    );

    // send() on an empty queue writes at once, as OVS does.
    let before = sends.load(Ordering::Relaxed);
    client
        .send(Msg::create_notify("now", Json::empty_array()))
        .expect("send");
    assert_eq!(sends.load(Ordering::Relaxed), before + 1);
    assert_eq!(client.get_backlog(), 0);
}

#[test]
fn messages_queued_behind_a_full_socket_leave_together() {
    let _log = log::capture();
    let dir = TempDir::new("jsonrpc-full");
    let (client, server) = unix_pair(dir.path());
    let (client, sends, _) = counting(client);
    let mut client = Jsonrpc::open(client);
    let mut server = Jsonrpc::open(server);
    let big = Json::array(vec![Json::string("x".repeat(64 * 1024))]);
    // Fill the socket: the last message stays (partly) queued.
    for _ in 0..1000 {
        client
            .send(Msg::create_notify("fill", big.clone()))
            .expect("send");
        if client.get_backlog() > 0 {
            break;
        }
    }
    assert!(client.get_backlog() > 0, "socket never filled");
    // Now sends only queue: no system call each.
    let before = sends.load(Ordering::Relaxed);
    for i in 0..200 {
        client
            .send(Msg::create_notify("small", j(&format!("[{i}]"))))
            .expect("send");
    }
    assert_eq!(sends.load(Ordering::Relaxed), before);
    assert!(client.get_backlog_msgs() >= 201);
    // The reader drains; the writer's queue goes out in a few big writes.
    let mut smalls = 0;
    drive_rpcs(&mut [&mut client, &mut server], |rpcs| {
        loop {
            match rpcs[1].recv() {
                Ok(msg) if msg.method.as_deref() == Some("small") => {
                    assert_eq!(msg.params, Some(j(&format!("[{smalls}]"))));
                    smalls += 1;
                }
                Ok(_) => {}
                Err(e) if e.is_again() => break,
                Err(e) => panic!("recv: {e}"),
            }
        }
        smalls == 200
    });
    let writes = sends.load(Ordering::Relaxed) - before;
    assert!(writes <= 20, "{writes} writes for the queue");
}

#[test]
fn send_priority_goes_right_behind_the_message_in_flight() {
    let _log = log::capture();
    let dir = TempDir::new("jsonrpc-priority");
    let (client, server) = unix_pair(dir.path());
    let mut client = Jsonrpc::open(client);
    let mut server = Jsonrpc::open(server);
    for i in 0..3 {
        client
            .queue(Msg::create_notify("n", j(&format!("[{i}]"))))
            .expect("queue");
    }
    client
        .send_priority(Msg::create_notify("urgent", Json::empty_array()))
        .expect("priority");
    client.run();
    let order: Vec<String> = (0..4)
        .map(|_| {
            let m = recv_within(&mut server).expect("recv");
            format!("{}{}", m.method.unwrap_or_default(), m.params.expect("p"))
        })
        .collect();
    assert_eq!(order, ["n[0]", "urgent[]", "n[1]", "n[2]"]);
}

/// Long plain strings (4 KiB and more) are queued by reference and go out
/// gathered with the bytes around them; with short and escaped ones in
/// between, a priority message inserted while the socket is full, and a
/// reader that takes its time, everything arrives intact and in order,
/// and the backlog counts exactly the bytes on the wire.
#[test]
fn long_strings_queued_by_reference_arrive_intact_and_in_order() {
    let _log = log::capture();
    let dir = TempDir::new("jsonrpc-shared");
    let (client, server) = unix_pair(dir.path());
    let mut client = Jsonrpc::open(client);
    let mut server = Jsonrpc::open(server);
    // Distinct contents, lengths from 3 KiB to 21 KiB.
    let text = |i: usize| -> String {
        let len = 3072 + i * 61;
        (0..len)
            .map(|k| char::from(b'a' + ((i + k) % 26) as u8))
            .collect()
    };
    let msgs: Vec<Msg> = (0..300)
        .map(|i| {
            let params = match i % 3 {
                0 => j(&format!("[{i}]")),
                1 => Json::array(vec![Json::string(text(i)), Json::Integer(i as i64)]),
                _ => Json::array(vec![
                    Json::string(text(i) + "\"é\n"),
                    Json::string(text(i + 1)),
                    Json::Integer(i as i64),
                ]),
            };
            Msg::create_notify("n", params)
        })
        .collect();
    let mut wire = 0;
    for msg in &msgs {
        let mut bytes = Vec::new();
        msg.write_to(&mut bytes);
        wire += bytes.len();
        client.queue(msg.clone()).expect("queue");
    }
    assert_eq!(client.get_backlog(), wire, "backlog counts the wire bytes");
    assert_eq!(client.get_backlog_msgs(), 300);

    // Write what the socket takes, then put a message right behind the
    // one in flight.
    client.run();
    let left = client.get_backlog_msgs();
    assert!(left > 0 && left < 300, "{left} of 300 still queued");
    let urgent = Msg::create_notify("urgent", j("[]"));
    client.send_priority(urgent.clone()).expect("priority");
    let mut expected: Vec<Msg> = msgs.clone();
    expected.insert(300 - left + 1, urgent);

    let mut got: Vec<Msg> = Vec::new();
    drive_rpcs(&mut [&mut client, &mut server], |rpcs| {
        // Take at most a few messages per pass: a slow reader.
        for _ in 0..3 {
            match rpcs[1].recv() {
                Ok(msg) => got.push(msg),
                Err(e) if e.is_again() => break,
                Err(e) => panic!("recv: {e}"),
            }
        }
        got.len() == expected.len()
    });
    assert_eq!(client.get_backlog(), 0);
    assert_eq!(client.get_backlog_msgs(), 0);
    for (i, (got, want)) in got.iter().zip(&expected).enumerate() {
        assert!(got == want, "message {i} differs");
    }
}

// The backlog threshold.

/// Fills `client`'s socket (the peer reads nothing) with 10 KB
/// notifications until one stays queued.
fn fill_socket(client: &mut Jsonrpc) {
    let payload = Json::array(vec![Json::string("y".repeat(10_000))]);
    for _ in 0..100_000 {
        client
            .send(Msg::create_notify("fill", payload.clone()))
            .expect("fill");
        if client.get_backlog() > 0 {
            return;
        }
    }
    panic!("the socket never filled");
}

#[test]
fn slow_reader_grows_the_backlog_until_the_byte_threshold_trips() {
    let _log = log::capture();
    let dir = TempDir::new("jsonrpc-backlog");
    let (client, server) = unix_pair(dir.path());
    let mut client = Jsonrpc::open(client);
    let _slow_reader = Jsonrpc::open(server); // Never reads.
    const MAX_BYTES: usize = 1 << 20;
    client.set_backlog_threshold(0, MAX_BYTES);
    let name = client.get_name().to_string();

    let payload = Json::array(vec![Json::string("z".repeat(10_000))]);
    let mut last_backlog = 0;
    let mut grew = 0;
    let mut result = Ok(());
    for _ in 0..10_000 {
        result = client.send(Msg::create_notify("update", payload.clone()));
        if result.is_err() {
            break;
        }
        let backlog = client.get_backlog();
        assert!(backlog <= MAX_BYTES || client.get_backlog_msgs() < 50);
        if backlog > last_backlog {
            grew += 1;
        }
        last_backlog = backlog;
    }
    assert_eq!(result, Err(Error::E2BIG));
    assert!(grew >= 50, "backlog grew only {grew} times");
    assert_eq!(client.get_status(), libc::E2BIG);
    assert_eq!(client.get_backlog(), 0);
    assert_eq!(client.get_backlog_msgs(), 0);
    assert_eq!(
        client.send(Msg::create_notify("more", Json::empty_array())),
        Err(Error::E2BIG)
    );
    assert_eq!(client.recv(), Err(Error::E2BIG));

    let warns = log::take_at(Level::Warn);
    assert_eq!(warns.len(), 1, "{warns:?}");
    let prefix = "sending backlog exceeded maximum size (";
    let suffix = format!(" > {MAX_BYTES} bytes), disconnecting, jsonrpc: {name}.");
    assert!(
        warns[0].starts_with(prefix) && warns[0].ends_with(&suffix),
        "{}",
        warns[0]
    );
    let reported: usize = warns[0][prefix.len()..warns[0].len() - suffix.len()]
        .parse()
        .expect("number");
    assert!(reported > MAX_BYTES);
}

#[test]
fn message_count_threshold_trips_and_says_so() {
    let _log = log::capture();
    let dir = TempDir::new("jsonrpc-count");
    let (client, server) = unix_pair(dir.path());
    let mut client = Jsonrpc::open(client);
    let _slow_reader = Jsonrpc::open(server);
    fill_socket(&mut client);
    let queued = client.get_backlog_msgs();
    assert!(queued < 50);
    client.set_backlog_threshold(60, 0);
    let name = client.get_name().to_string();
    log::take();
    let mut sent = 0;
    let err = loop {
        match client.send(Msg::create_notify("n", Json::empty_array())) {
            Ok(()) => sent += 1,
            Err(e) => break e,
        }
        assert!(sent < 100, "threshold never tripped");
    };
    assert_eq!(err, Error::E2BIG);
    assert_eq!(queued + sent + 1, 61);
    let logs = log::take();
    let infos: Vec<&String> = logs
        .iter()
        .filter(|l| l.level == Level::Info)
        .map(|l| &l.text)
        .collect();
    assert!(
        infos[0].starts_with(&format!(
            "excessive sending backlog, jsonrpc: {name}, num of msgs: 50, backlog: "
        )),
        "{infos:?}"
    );
    let warns: Vec<&String> = logs
        .iter()
        .filter(|l| l.level == Level::Warn)
        .map(|l| &l.text)
        .collect();
    assert_eq!(
        warns,
        [&format!(
            "sending backlog exceeded maximum number of messages (61 > 60), disconnecting, \
             jsonrpc: {name}."
        )]
    );
}

#[test]
fn threshold_is_only_checked_from_fifty_queued_messages() {
    let _log = log::capture();
    let dir = TempDir::new("jsonrpc-fifty");
    let (client, server) = unix_pair(dir.path());
    let mut client = Jsonrpc::open(client);
    let _slow_reader = Jsonrpc::open(server);
    fill_socket(&mut client);
    // Far over the byte limit already, but fewer than 50 messages queued:
    // OVS lets it be.
    client.set_backlog_threshold(0, 100);
    let payload = Json::array(vec![Json::string("w".repeat(1000))]);
    while client.get_backlog_msgs() < 49 {
        client
            .send(Msg::create_notify("n", payload.clone()))
            .expect("below 50 messages the threshold is not checked");
    }
    assert!(client.get_backlog() > 100);
    assert_eq!(
        client.send(Msg::create_notify("n", payload)),
        Err(Error::E2BIG)
    );
}

// The peer that closes early or sends what is not JSON-RPC.

/// Our connection on the accepting side, and the raw client stream as a
/// peer that writes bytes.
fn raw_peer(dir: &TempDir) -> (Stream, Jsonrpc) {
    let (client, server) = unix_pair(dir.path());
    (client, Jsonrpc::open(server))
}

#[test]
fn peer_closing_in_the_middle_of_a_message_is_eof_after_whole_ones() {
    let _log = log::capture();
    let dir = TempDir::new("jsonrpc-midclose");
    let (mut peer, mut rpc) = raw_peer(&dir);
    write_all(
        &mut peer,
        br#"{"method":"a","params":[],"id":1} {"method":"b","params":[2],"id":null}{"method":"c","par"#,
    );
    drop(peer);
    let a = recv_within(&mut rpc).expect("first");
    assert_eq!(a.method.as_deref(), Some("a"));
    let b = recv_within(&mut rpc).expect("second");
    assert_eq!(b.msg_type, MsgType::Notify);
    assert_eq!(recv_within(&mut rpc), Err(Error::EOF));
    assert_eq!(rpc.get_status(), Error::EOF.errno());
    assert_eq!(rpc.recv(), Err(Error::EOF));
    assert_eq!(
        rpc.send(Msg::create_notify("late", Json::empty_array())),
        Err(Error::EOF)
    );
    // OVS says nothing here; we say what happened, once, naming the peer.
    let warns = log::take_at(Level::Warn);
    assert_eq!(warns.len(), 1, "{warns:?}");
    assert!(
        warns[0].contains(rpc.name()) && warns[0].contains("closed in the middle of a message"),
        "{warns:?}"
    );
}

#[test]
fn peer_closing_between_messages_is_eof() {
    let _log = log::capture();
    let dir = TempDir::new("jsonrpc-close");
    let (mut peer, mut rpc) = raw_peer(&dir);
    write_all(&mut peer, br#"{"method":"a","params":[],"id":1}"#);
    drop(peer);
    assert!(recv_within(&mut rpc).is_ok());
    assert_eq!(recv_within(&mut rpc), Err(Error::EOF));
}

/// Sends `before` (whole valid messages, `n_before` of them) and then
/// `bad` from a raw peer; checks that the messages before arrive, then
/// EPROTO, with exactly one warning, which is returned.
fn expect_eproto(before: &[u8], n_before: usize, bad: &[u8]) -> String {
    let dir = TempDir::new("jsonrpc-bad");
    let (mut peer, mut rpc) = raw_peer(&dir);
    let name = rpc.get_name().to_string();
    log::take();
    write_all(&mut peer, before);
    write_all(&mut peer, bad);
    for i in 0..n_before {
        let msg = recv_within(&mut rpc).unwrap_or_else(|e| panic!("message {i}: {e}"));
        assert_eq!(msg.params, Some(Json::array(vec![Json::Integer(i as i64)])));
    }
    assert_eq!(recv_within(&mut rpc), Err(Error::EPROTO));
    assert_eq!(rpc.get_status(), libc::EPROTO);
    assert_eq!(rpc.recv(), Err(Error::EPROTO));
    let warns = log::take_at(Level::Warn);
    assert_eq!(warns.len(), 1, "{warns:?}");
    let text = warns[0]
        .strip_prefix(&format!("{name}: "))
        .unwrap_or_else(|| panic!("log line does not name the peer: {}", warns[0]));
    text.to_string()
}

fn numbered(n: usize) -> Vec<u8> {
    let mut v = Vec::new();
    for i in 0..n {
        Msg::create_notify("n", Json::array(vec![Json::Integer(i as i64)])).write_to(&mut v);
        v.push(b'\n');
    }
    v
}

/// Runs `f` on a fresh thread with a log capture of its own.
fn on_own_thread<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::spawn(move || {
        let _log = log::capture();
        f()
    })
    .join()
    .expect("thread")
}

#[test]
fn garbage_is_eproto_after_the_messages_before_it() {
    let before = numbered(3);
    let text = on_own_thread({
        let before = before.clone();
        move || expect_eproto(&before, 3, b"]garbage")
    });
    assert_eq!(
        text,
        "error parsing stream: line 1, column 0, byte 1: syntax error at beginning of input"
    );
    let text = on_own_thread({
        let before = before.clone();
        move || expect_eproto(&before, 3, br#"{"method":"m","params":[1,,2]}"#)
    });
    assert_eq!(
        text,
        "error parsing stream: line 1, column 26, byte 27: syntax error expecting value"
    );
    let text = on_own_thread(move || expect_eproto(&before, 3, b"{\"method\":\"\xff\"}"));
    assert!(
        text.starts_with("error parsing stream: ") && text.contains("invalid UTF-8"),
        "{text}"
    );
}

#[test]
fn invalid_json_rpc_is_eproto_after_the_messages_before_it() {
    let cases: [(&[u8], &str); 6] = [
        (b"[1,2,3]", "message is not a JSON object"),
        (
            br#"{"method":7,"params":[],"id":1}"#,
            "method is not a JSON string",
        ),
        (
            br#"{"method":"m","params":[],"id":1,"jsonrpc":"2.0"}"#,
            "message has unexpected member \"jsonrpc\"",
        ),
        (
            br#"{"method":"m","params":{},"id":1}"#,
            "\"params\" must be JSON array",
        ),
        (br#"{"result":[]}"#, "reply must have \"id\""),
        (
            br#"{"error":"e","params":[],"id":2}"#,
            "error must not have \"params\"",
        ),
    ];
    for (bad, expected) in cases {
        let text = on_own_thread(move || expect_eproto(&numbered(2), 2, bad));
        assert_eq!(text, format!("received bad JSON-RPC message: {expected}"));
    }
}

#[test]
fn a_message_over_the_size_limit_is_eproto() {
    let text = on_own_thread(|| {
        let dir = TempDir::new("jsonrpc-max");
        let (mut peer, mut rpc) = raw_peer(&dir);
        rpc.set_max_msg_size(1000);
        let name = rpc.get_name().to_string();
        let mut bytes = numbered(1);
        Msg::create_notify("big", Json::array(vec![Json::string("q".repeat(2000))]))
            .write_to(&mut bytes);
        write_all(&mut peer, &bytes);
        assert!(recv_within(&mut rpc).is_ok());
        assert_eq!(recv_within(&mut rpc), Err(Error::EPROTO));
        let warns = log::take_at(Level::Warn);
        assert_eq!(warns.len(), 1, "{warns:?}");
        warns[0].replace(&name, "NAME")
    });
    assert!(
        text.starts_with("NAME: error parsing stream: ")
            && text.ends_with("input exceeds maximum size 1000"),
        "{text}"
    );
}

// Reading.

#[test]
fn recv_reads_at_most_fifty_times_per_call() {
    let _log = log::capture();
    let dir = TempDir::new("jsonrpc-reads");
    let (mut client, server) = unix_pair(dir.path());
    let (server, _, recvs) = counting(server);
    let mut rpc = Jsonrpc::open(server);
    // Reads of 1 KiB at most, and a message of 120 KiB already in the
    // socket when recv() is first called: taking it whole needs about 120
    // reads, so without the cap the first call would read them all.
    rpc.set_input_buffer_size(1024);
    let mut bytes = Vec::new();
    Msg::create_notify(
        "big",
        Json::array(vec![Json::string("r".repeat(120 << 10))]),
    )
    .write_to(&mut bytes);
    write_all(&mut client, &bytes);
    let reads_needed = bytes.len().div_ceil(1024);
    assert!(reads_needed > 100, "{reads_needed}");

    let mut per_call = Vec::new();
    let mut msg = None;
    drive("the big message", || {
        let before = recvs.load(Ordering::Relaxed);
        let result = rpc.recv();
        per_call.push(recvs.load(Ordering::Relaxed) - before);
        match result {
            Ok(m) => {
                msg = Some(m);
                return true;
            }
            Err(e) if e.is_again() => {}
            Err(e) => panic!("recv: {e}"),
        }
        rpc.recv_wait();
        false
    });
    assert_eq!(msg.unwrap().method.as_deref(), Some("big"));
    // Every call but the last read exactly 50 times (the socket always
    // had more), and the calls together read the message.
    let (last, full) = per_call.split_last().unwrap();
    assert!(
        !full.is_empty(),
        "one call took the whole message: {per_call:?}"
    );
    assert!(full.iter().all(|&n| n == 50), "{per_call:?}");
    assert!(*last <= 50, "{per_call:?}");
    assert!(
        per_call.iter().sum::<usize>() >= reads_needed,
        "{per_call:?}"
    );
}

// Logging.

#[test]
fn each_message_is_logged_at_debug_level_with_members_sorted() {
    let log_debug = log::capture_debug();
    let dir = TempDir::new("jsonrpc-debuglog");
    let (client, server) = unix_pair(dir.path());
    let mut client = Jsonrpc::open(client);
    let mut server = Jsonrpc::open(server);
    let request = Msg::request_with_id("echo", j(r#"[{"b":1,"a":[2]}]"#), Json::Integer(42));
    client.send(request).expect("send");
    recv_within(&mut server).expect("recv");
    server
        .send(Msg::create_reply(j(r#"{"z":0,"y":1}"#), &Json::Integer(42)))
        .expect("reply");
    recv_within(&mut client).expect("recv");
    log_debug.set_debug(false);
    let debug: Vec<String> = log::take_at(Level::Debug)
        .into_iter()
        .filter(|m| m.contains(": send ") || m.contains(": received "))
        .collect();
    let (c, s) = (client.get_name(), server.get_name());
    assert_eq!(
        debug,
        [
            format!(r#"{c}: send request, method="echo", params=[{{"a":[2],"b":1}}], id=42"#),
            format!(r#"{s}: received request, method="echo", params=[{{"a":[2],"b":1}}], id=42"#),
            format!(r#"{s}: send reply, result={{"y":1,"z":0}}, id=42"#),
            format!(r#"{c}: received reply, result={{"y":1,"z":0}}, id=42"#),
        ]
    );
}

#[test]
fn tls_bytes_on_a_plain_connection_are_named_as_such() {
    let _log = log::capture();
    let dir = TempDir::new("jsonrpc-tls-on-plain");
    let (mut peer, mut rpc) = raw_peer(&dir);
    // The start of a TLS ClientHello.
    write_all(&mut peer, &[0x16, 0x03, 0x01, 0x00, 0xa5, 0x01, 0x00]);
    assert_eq!(recv_within(&mut rpc), Err(Error::EPROTO));
    let warns = log::take_at(Level::Warn);
    assert!(
        warns
            .iter()
            .any(|w| w.contains(rpc.name()) && w.contains("received SSL data on JSON-RPC channel")),
        "{warns:?}"
    );
}
