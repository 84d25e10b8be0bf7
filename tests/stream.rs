//! Active streams on loopback: connect, send, receive, EOF, failures, for
//! every transport, always driving the poll loop.

mod support;

use std::io::{self, IoSlice};
use std::os::unix::io::BorrowedFd;

use ovsrpc::stream::{PStream, Stream, StreamWait};
use support::stream::*;
use support::{ipv6_available, Deadline, TempDir, DEADLINE_MS};

/// Checks a connected pair in both directions, with more data than fits in
/// one socket buffer.
fn round_trip(client: &mut Stream, server: &mut Stream) {
    let up = pattern(300_000, 1);
    assert_eq!(transfer(client, server, &up), up);
    let down = pattern(200_000, 7);
    assert_eq!(transfer(server, client, &down), down);
}

#[test]
fn tcp_ipv4_connect_accept_send_recv() {
    let (mut l, port) = ptcp_loopback();
    let name = format!("tcp:127.0.0.1:{port}");
    let (mut client, mut server) = connect_pair(&mut l, &name);
    assert_eq!(client.name(), name);
    let peer = server
        .name()
        .strip_prefix("tcp:127.0.0.1:")
        .expect("server name");
    let peer_port: u16 = peer.parse().expect("peer port");
    assert_ne!(peer_port, port);
    assert_eq!(client.peer_id(), None);
    round_trip(&mut client, &mut server);
}

#[test]
fn tcp_ipv6_connect_accept_send_recv() {
    if !ipv6_available("tcp_ipv6_connect_accept_send_recv") {
        return;
    }
    let mut l = PStream::open("ptcp:0:[::1]", 0).expect("ptcp:0:[::1]");
    let port = l.bound_port().unwrap();
    assert_eq!(l.name(), format!("ptcp:{port}:[::1]"));
    let (mut client, mut server) = connect_pair(&mut l, &format!("tcp:[::1]:{port}"));
    assert!(server.name().starts_with("tcp:[::1]:"), "{}", server.name());
    round_trip(&mut client, &mut server);
}

#[test]
fn tcp_host_name_resolves_without_blocking() {
    let (mut l, port) = ptcp_loopback();
    let name = format!("tcp:localhost:{port}");
    let mut client = Stream::open(&name, 0).expect("open");
    // The name went to the resolver: no socket exists yet.
    assert_eq!(client.as_raw_fd(), None);
    let mut buf = [0u8; 8];
    let first = client.recv(&mut buf);
    assert!(
        would_block(&first) || first.is_ok(),
        "recv while resolving: {first:?}"
    );
    finish_connect(&mut client).expect("connect to localhost");
    assert!(client.as_raw_fd().is_some());
    assert_eq!(client.name(), name);
    let mut server = accept(&mut l);
    round_trip(&mut client, &mut server);
}

#[test]
fn ip_literals_connect_without_the_resolver() {
    let (_l, port) = ptcp_loopback();
    let client = Stream::open(&format!("tcp:127.0.0.1:{port}"), 0).expect("open");
    // The socket exists (and is connecting) as soon as open returns.
    assert!(client.as_raw_fd().is_some());
}

#[test]
fn unix_connect_accept_send_recv() {
    let dir = TempDir::new("stream-unix");
    let path = dir.file("sock");
    let mut l = PStream::open(&format!("punix:{path}"), 0).expect("punix");
    assert_eq!(l.name(), format!("punix:{path}"));
    assert_eq!(l.bound_port(), None);
    let (mut client, mut server) = connect_pair(&mut l, &format!("unix:{path}"));
    assert_eq!(client.name(), format!("unix:{path}"));
    // The client did not bind a name: OVS numbers such peers.
    assert!(server.name().starts_with("unix#"), "{}", server.name());
    round_trip(&mut client, &mut server);
}

#[test]
fn tcp_refused_connection_gives_econnrefused() {
    let (l, port) = ptcp_loopback();
    drop(l);
    let name = format!("tcp:127.0.0.1:{port}");
    let result = Stream::open_block(Stream::open(&name, 0), DEADLINE_MS);
    assert_eq!(errno_of(result), libc::ECONNREFUSED);

    // Driven by hand: a non-blocking connect is still in progress when
    // open() returns (as OVS's stream_open); then the failure sticks, and
    // every call reports it.
    let mut s = Stream::open(&name, 0).expect("open starts the connect");
    assert_eq!(errno_of(finish_connect(&mut s)), libc::ECONNREFUSED);
    assert_eq!(errno_of(s.connect()), libc::ECONNREFUSED);
    let mut buf = [0u8; 4];
    assert_eq!(errno_of(s.recv(&mut buf)), libc::ECONNREFUSED);
    assert_eq!(errno_of(s.send(b"x")), libc::ECONNREFUSED);
    // A failed stream wakes the poll loop at once (the deadline would fail
    // the test otherwise).
    let d = Deadline::new("a failed stream to wake the poll loop");
    s.wait(StreamWait::Recv);
    d.block();
}

#[test]
fn unix_connect_to_missing_or_dead_socket_fails() {
    let dir = TempDir::new("stream-refused");
    let path = dir.file("nothing-here");
    assert_eq!(
        errno_of(Stream::open(&format!("unix:{path}"), 0)),
        libc::ENOENT
    );

    // A socket file whose listener is gone.
    let stale = dir.file("stale");
    drop(std::os::unix::net::UnixListener::bind(&stale).expect("bind"));
    assert!(std::path::Path::new(&stale).exists());
    assert_eq!(
        errno_of(Stream::open(&format!("unix:{stale}"), 0)),
        libc::ECONNREFUSED
    );
}

#[test]
fn eof_after_peer_closes() {
    let dir = TempDir::new("stream-eof");
    let (mut tl, port) = ptcp_loopback();
    let mut ul = PStream::open(&format!("punix:{}", dir.file("s")), 0).unwrap();
    let pairs = [
        connect_pair(&mut tl, &format!("tcp:127.0.0.1:{port}")),
        connect_pair(&mut ul, &format!("unix:{}", dir.file("s"))),
    ];
    for (mut client, mut server) in pairs {
        let d = Deadline::new("send");
        loop {
            match server.send(b"bye") {
                Ok(n) => {
                    assert_eq!(n, 3);
                    break;
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    server.send_wait();
                    d.block();
                }
                Err(e) => panic!("send: {e}"),
            }
        }
        drop(server);
        assert_eq!(recv_to_end(&mut client).expect("clean EOF"), b"bye");
        // EOF is sticky.
        let mut buf = [0u8; 4];
        assert_eq!(client.recv(&mut buf).unwrap(), 0);
    }
}

#[test]
fn listener_that_closes() {
    // TCP: a connection the kernel completed but nobody accepted is reset
    // when the listener closes; new connections are refused.
    let (l, port) = ptcp_loopback();
    let name = format!("tcp:127.0.0.1:{port}");
    let mut client = Stream::open(&name, 0).unwrap();
    finish_connect(&mut client).expect("handshake completes before accept");
    drop(l);
    match recv_to_end(&mut client) {
        Ok(data) => assert!(data.is_empty()),
        Err(e) => assert_eq!(e.raw_os_error(), Some(libc::ECONNRESET), "{e}"),
    }
    assert_eq!(
        errno_of(Stream::open_block(Stream::open(&name, 0), DEADLINE_MS)),
        libc::ECONNREFUSED
    );

    // Unix: same, and the socket file is gone.
    let dir = TempDir::new("stream-lclose");
    let path = dir.file("s");
    let l = PStream::open(&format!("punix:{path}"), 0).unwrap();
    let mut client = Stream::open(&format!("unix:{path}"), 0).unwrap();
    finish_connect(&mut client).expect("unix connect");
    drop(l);
    match recv_to_end(&mut client) {
        Ok(data) => assert!(data.is_empty()),
        Err(e) => assert_eq!(e.raw_os_error(), Some(libc::ECONNRESET), "{e}"),
    }
    assert!(!std::path::Path::new(&path).exists());
    assert_eq!(
        errno_of(Stream::open(&format!("unix:{path}"), 0)),
        libc::ENOENT
    );
}

#[test]
fn many_connects_to_one_listener() {
    const N: usize = 20;
    let dir = TempDir::new("stream-many");
    let (tl, port) = ptcp_loopback();
    let upath = dir.file("s");
    let ul = PStream::open(&format!("punix:{upath}"), 0).unwrap();
    for (mut l, name) in [
        (tl, format!("tcp:127.0.0.1:{port}")),
        (ul, format!("unix:{upath}")),
    ] {
        let mut clients: Vec<Stream> = (0..N)
            .map(|_| Stream::open(&name, 0).expect("open"))
            .collect();
        let mut servers = Vec::new();
        let d = Deadline::new("all connections");
        loop {
            let mut pending = 0;
            for c in &mut clients {
                match c.connect() {
                    Ok(()) => {}
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                        pending += 1;
                        c.connect_wait();
                    }
                    Err(e) => panic!("{name}: {e}"),
                }
            }
            loop {
                match l.accept() {
                    Ok(s) => servers.push(s),
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                    Err(e) => panic!("accept: {e}"),
                }
            }
            if pending == 0 && servers.len() == N {
                break;
            }
            l.wait();
            d.block();
        }
        // Each client says who it is; each server echoes it back.
        for (i, c) in clients.iter_mut().enumerate() {
            assert_eq!(c.send(format!("{i:02}").as_bytes()).unwrap(), 2);
        }
        let mut seen = Vec::new();
        for s in &mut servers {
            let mut buf = [0u8; 2];
            let d = Deadline::new("a client's greeting");
            let n = loop {
                match s.recv(&mut buf) {
                    Ok(n) => break n,
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                        s.recv_wait();
                        d.block();
                    }
                    Err(e) => panic!("recv: {e}"),
                }
            };
            assert_eq!(n, 2, "greetings are 2 bytes and arrive whole");
            seen.push(String::from_utf8(buf.to_vec()).unwrap());
            assert_eq!(s.send(&buf).unwrap(), 2);
        }
        seen.sort();
        let expected: Vec<String> = (0..N).map(|i| format!("{i:02}")).collect();
        assert_eq!(seen, expected);
        for (i, c) in clients.iter_mut().enumerate() {
            let mut buf = [0u8; 2];
            let d = Deadline::new("an echo");
            loop {
                match c.recv(&mut buf) {
                    Ok(2) => break,
                    Ok(n) => panic!("short echo {n}"),
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                        c.recv_wait();
                        d.block();
                    }
                    Err(e) => panic!("recv: {e}"),
                }
            }
            assert_eq!(buf, format!("{i:02}").as_bytes());
        }
    }
}

#[test]
fn nonblocking_connect_completes_through_poll_block() {
    let (mut l, port) = ptcp_loopback();
    let mut s = Stream::open(&format!("tcp:127.0.0.1:{port}"), 0).unwrap();
    // Sending before the connection is up must not block either.
    let early = s.send(b"early");
    assert!(would_block(&early) || early.is_ok(), "{early:?}");
    let d = Deadline::new("the connection");
    let mut blocks = 0;
    while would_block(&s.connect()) {
        s.connect_wait();
        d.block();
        blocks += 1;
    }
    s.connect().expect("connected");
    assert!(blocks < 1000, "connect needed {blocks} passes");
    let mut server = accept(&mut l);
    if let Ok(n) = early {
        // The connection was already up: the bytes went out.
        let mut buf = [0u8; 5];
        let d = Deadline::new("early bytes");
        let mut got = 0;
        while got < n {
            match server.recv(&mut buf[got..n]) {
                Ok(k) => got += k,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    server.recv_wait();
                    d.block();
                }
                Err(e) => panic!("recv: {e}"),
            }
        }
        assert_eq!(&buf[..n], &b"early"[..n]);
    }
    round_trip(&mut s, &mut server);

    // open_block does the same loop.
    let s = Stream::open_block(
        Stream::open(&format!("tcp:127.0.0.1:{port}"), 0),
        DEADLINE_MS,
    );
    assert!(s.is_ok(), "{s:?}");
    let s = Stream::open_block(Stream::open(&format!("tcp:127.0.0.1:{port}"), 0), -1);
    assert!(s.is_ok(), "{s:?}");
    // A failed open passes through.
    assert_eq!(
        errno_of(Stream::open_block(Stream::open("nope:1", 0), 0)),
        libc::EAFNOSUPPORT
    );
}

#[test]
fn open_with_default_port_fills_in_the_port() {
    let (mut l, port) = ptcp_loopback();
    let s = Stream::open_with_default_port("tcp:127.0.0.1", port, 0).unwrap();
    assert_eq!(s.name(), format!("tcp:127.0.0.1:{port}"));
    let mut s = Stream::open_block(Ok(s), DEADLINE_MS).unwrap();
    let mut server = accept(&mut l);
    round_trip(&mut s, &mut server);
    // An explicit port wins.
    let s = Stream::open_with_default_port(&format!("tcp:127.0.0.1:{port}"), 1, 0).unwrap();
    assert_eq!(s.name(), format!("tcp:127.0.0.1:{port}"));
}

#[test]
fn send_vectored_writes_many_buffers_at_once() {
    let (mut l, port) = ptcp_loopback();
    let (mut client, mut server) = connect_pair(&mut l, &format!("tcp:127.0.0.1:{port}"));
    let chunks: Vec<Vec<u8>> = (0..3000).map(|i| pattern(1 + i % 97, i as u8)).collect();
    let expected: Vec<u8> = chunks.concat();
    let mut offset = 0; // bytes of `expected` already sent
    let mut got = Vec::new();
    let mut buf = vec![0u8; 65536];
    let mut calls = 0;
    let d = Deadline::new("vectored data");
    while got.len() < expected.len() {
        if offset < expected.len() {
            // Rebuild the slice list from the first unsent byte.
            let mut slices = Vec::new();
            let mut pos = 0;
            for c in &chunks {
                let end = pos + c.len();
                if end > offset {
                    let start = offset.saturating_sub(pos);
                    slices.push(IoSlice::new(&c[start..]));
                }
                pos = end;
            }
            match client.send_vectored(&slices) {
                Ok(n) => {
                    assert!(n > 0);
                    offset += n;
                    calls += 1;
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => client.send_wait(),
                Err(e) => panic!("send_vectored: {e}"),
            }
        }
        match server.recv(&mut buf) {
            Ok(0) => panic!("EOF"),
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                server.recv_wait();
                d.block();
            }
            Err(e) => panic!("recv: {e}"),
        }
    }
    assert_eq!(got, expected);
    // 3000 buffers cannot go in fewer than three calls of at most 1024.
    assert!(calls >= 3, "{calls} calls");
    assert!(calls < 3000, "one call per buffer: not vectored");
    // Empty input sends nothing.
    assert_eq!(client.send_vectored(&[IoSlice::new(&[])]).unwrap(), 0);
    assert_eq!(client.send(&[]).unwrap(), 0);
    assert_eq!(server.recv(&mut []).unwrap(), 0);
}

/// Reads an `int` socket option of the stream's socket.
fn sockopt(fd: i32, level: i32, name: i32) -> i32 {
    // SAFETY: the fd is open for the duration of the call (the stream that
    // owns it is alive in the caller).
    let fd = unsafe { BorrowedFd::borrow_raw(fd) };
    let sock = socket2::SockRef::from(&fd);
    match (level, name) {
        (libc::IPPROTO_IP, libc::IP_TOS) => sock.tos().unwrap() as i32,
        (libc::IPPROTO_IPV6, libc::IPV6_TCLASS) => sock.tclass_v6().unwrap() as i32,
        (libc::IPPROTO_TCP, libc::TCP_NODELAY) => sock.nodelay().unwrap() as i32,
        _ => unreachable!(),
    }
}

#[test]
fn dscp_is_set_before_connect_and_can_change() {
    let (mut l, port) = ptcp_loopback();
    let name = format!("tcp:127.0.0.1:{port}");
    let mut s = Stream::open(&name, 46).unwrap();
    let fd = s.as_raw_fd().unwrap();
    assert_eq!(sockopt(fd, libc::IPPROTO_IP, libc::IP_TOS), 46 << 2);
    finish_connect(&mut s).unwrap();
    assert_eq!(sockopt(fd, libc::IPPROTO_TCP, libc::TCP_NODELAY), 1);
    s.set_dscp(10).unwrap();
    assert_eq!(sockopt(fd, libc::IPPROTO_IP, libc::IP_TOS), 10 << 2);
    assert_eq!(errno_of(s.set_dscp(64)), libc::EINVAL);
    assert_eq!(errno_of(Stream::open(&name, 64)), libc::EINVAL);
    let server = accept(&mut l);
    assert_eq!(
        sockopt(
            server.as_raw_fd().unwrap(),
            libc::IPPROTO_TCP,
            libc::TCP_NODELAY
        ),
        1
    );

    if ipv6_available("dscp_is_set_before_connect_and_can_change") {
        let l6 = PStream::open("ptcp:0:[::1]", 0).unwrap();
        let s6 = Stream::open(&format!("tcp:[::1]:{}", l6.bound_port().unwrap()), 12).unwrap();
        let fd = s6.as_raw_fd().unwrap();
        assert_eq!(sockopt(fd, libc::IPPROTO_IPV6, libc::IPV6_TCLASS), 12 << 2);
    }

    // Unix sockets have no IP header: accepted and ignored.
    let dir = TempDir::new("stream-dscp");
    let mut ul = PStream::open(&format!("punix:{}", dir.file("s")), 0).unwrap();
    let (mut c, _s) = connect_pair(&mut ul, &format!("unix:{}", dir.file("s")));
    c.set_dscp(10).unwrap();
    assert_eq!(errno_of(c.set_dscp(64)), libc::EINVAL);
}

#[test]
fn wait_while_connecting_waits_for_the_connection() {
    // Whatever the caller asks for, a connecting stream waits for the
    // connection; once connected, the poll loop wakes for it.
    let (_l, port) = ptcp_loopback();
    let mut s = Stream::open(&format!("tcp:127.0.0.1:{port}"), 0).unwrap();
    let d = Deadline::new("connect via recv_wait");
    while would_block(&s.connect()) {
        s.recv_wait();
        d.block();
    }
    s.connect().unwrap();
}

#[test]
fn connect_still_in_progress_completes_through_poll_block() {
    // A listener whose accept queue holds one connection: a second SYN is
    // dropped until the queue drains, so the second connect really is in
    // progress when the poll loop blocks (until the SYN is retransmitted).
    let listener =
        socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
    listener
        .bind(
            &"127.0.0.1:0"
                .parse::<std::net::SocketAddr>()
                .unwrap()
                .into(),
        )
        .unwrap();
    listener.listen(0).unwrap();
    let port = listener.local_addr().unwrap().as_socket().unwrap().port();
    let name = format!("tcp:127.0.0.1:{port}");

    let mut first = Stream::open(&name, 0).unwrap();
    finish_connect(&mut first).expect("first connection fills the queue");
    let mut second = Stream::open(&name, 0).unwrap();
    assert!(would_block(&second.connect()), "{:?}", second.connect());
    assert!(would_block(&second.send(b"x")));

    // Make room, then let the poll loop tell us when the retransmitted SYN
    // got through.
    let (_accepted, _) = listener.accept().unwrap();
    let d = Deadline::new("the second connection");
    let mut blocks = 0;
    while would_block(&second.connect()) {
        second.connect_wait();
        d.block();
        blocks += 1;
    }
    second.connect().expect("second connection");
    assert!(blocks >= 1);
    let (_accepted2, _) = listener.accept().unwrap();
}
