//! `ssl:` and `pssl:` on loopback, with certificates made at test time by
//! the `openssl` command line: mutual authentication, peer ids, every way
//! a handshake can fail (each with its log line, and the listener going on
//! serving others), protocol and cipher selection, reloading files, CA
//! bootstrap, and the poll-loop contract.
#![cfg(feature = "ssl")]

mod support;

use std::io;

use ovsrpc::poll_loop;
use ovsrpc::stream::ssl::SslConfig;
use ovsrpc::stream::{stream_or_pstream_needs_probes, PStream, Stream, StreamWait};
use ovsrpc::timeval::time_msec;
use support::log::{self, assert_logged, logged};
use support::stream::{errno_of, pattern, transfer, would_block};
use support::tls::*;
use support::DEADLINE_MS;

/// A pssl listener on loopback with `cfg`; returns it and its port.
fn listen(cfg: &SslConfig) -> (PStream, u16) {
    let l = cfg.listen("pssl:0:127.0.0.1", 0).expect("pssl:0:127.0.0.1");
    let port = l.bound_port().expect("bound port");
    (l, port)
}

/// Checks that `l` still completes a good mutual-auth connection.
fn still_serves(l: &mut PStream, port: u16, client: &SslConfig) {
    let (mut c, mut s) = good_pair(l, client, &format!("ssl:127.0.0.1:{port}"));
    let data = pattern(5000, 3);
    assert_eq!(transfer(&mut c, &mut s, &data), data);
}

/// A PKI with one CA and a server and a client certificate from it.
struct Setup {
    pki: Pki,
    ca: Ca,
    server: SslConfig,
    client: SslConfig,
}

fn setup(tag: &str) -> Option<Setup> {
    let pki = Pki::new(tag)?;
    let ca = pki.ca("ca");
    let server = config(&pki.good(&ca, "server"), &ca);
    let client = config(&pki.good(&ca, "client"), &ca);
    Some(Setup {
        pki,
        ca,
        server,
        client,
    })
}

fn echo_with_mutual_auth(protocols: &str, kind: KeyKind) {
    let Some(Setup { pki, ca, .. }) = setup("ssl-echo") else {
        return;
    };
    let server = config(
        &pki.leaf(&ca, "server", "ovsdb-server-1", Validity::Current, kind),
        &ca,
    );
    let client = config(
        &pki.leaf(&ca, "client", "chassis-7", Validity::Current, kind),
        &ca,
    );
    server.set_protocols(protocols).unwrap();
    client.set_protocols(protocols).unwrap();
    let (mut l, port) = listen(&server);
    assert_eq!(l.name(), format!("pssl:{port}:127.0.0.1"));
    let name = format!("ssl:127.0.0.1:{port}");
    let (mut c, mut s) = good_pair(&mut l, &client, &name);
    assert_eq!(c.name(), name);
    assert!(s.name().starts_with("ssl:127.0.0.1:"), "{}", s.name());
    // Each side knows the other by its certificate's common name.
    assert_eq!(c.peer_id(), Some("ovsdb-server-1"));
    assert_eq!(s.peer_id(), Some("chassis-7"));

    // More than a socket buffer, both ways.
    let up = pattern(300_000, 1);
    assert_eq!(transfer(&mut c, &mut s, &up), up);
    let down = pattern(200_000, 9);
    assert_eq!(transfer(&mut s, &mut c, &down), down);

    // Closing sends close_notify: a clean end of file.
    drop(c);
    assert_eq!(recv_outcome(&mut s, None).expect("clean EOF"), 0);
    assert_eq!(s.recv(&mut [0u8; 8]).expect("EOF is sticky"), 0);
}

#[test]
fn echo_tls13_mutual_auth() {
    let _log = log::capture();
    echo_with_mutual_auth("TLSv1.3", KeyKind::Ec);
}

#[test]
fn echo_tls12_mutual_auth() {
    let _log = log::capture();
    echo_with_mutual_auth("TLSv1.2", KeyKind::Ec);
}

#[test]
fn echo_rsa_pkcs1_keys_default_protocols() {
    let _log = log::capture();
    echo_with_mutual_auth("TLSv1.2,TLSv1.3", KeyKind::Rsa);
}

#[test]
fn names_probes_and_default_ports() {
    let _log = log::capture();
    assert_eq!(stream_or_pstream_needs_probes("ssl:1.2.3.4:5"), Some(true));
    assert_eq!(stream_or_pstream_needs_probes("pssl:5"), Some(true));
    assert!(Stream::verify_name("ssl:host:1").is_ok());
    assert!(PStream::verify_name("pssl:1").is_ok());
    let Some(Setup {
        client,
        server,
        pki: _pki,
        ..
    }) = setup("ssl-names")
    else {
        return;
    };
    // Malformed names fail at once with EINVAL.
    assert_eq!(errno_of(client.open("ssl:", 0)), libc::EINVAL);
    assert_eq!(errno_of(client.open("ssl:1.2.3.400:1", 0)), libc::EINVAL);
    assert_eq!(
        errno_of(client.open("tcp:1.2.3.4:1", 0)),
        libc::EAFNOSUPPORT
    );
    assert_eq!(errno_of(server.listen("pssl:x", 0)), libc::EINVAL);
    assert_eq!(errno_of(server.listen("ptcp:0", 0)), libc::EAFNOSUPPORT);
    // pssl:0 without an IP binds every address and names what it bound.
    let l = server.listen("pssl:0", 0).expect("pssl:0");
    let port = l.bound_port().unwrap();
    assert_eq!(l.name(), format!("pssl:{port}:0.0.0.0"));
}

#[test]
fn ipv6_and_host_names() {
    let _log = log::capture();
    let Some(Setup {
        server,
        client,
        pki: _pki,
        ..
    }) = setup("ssl-v6")
    else {
        return;
    };
    if support::ipv6_available("ipv6_and_host_names") {
        let mut l = server.listen("pssl:0:[::1]", 0).expect("pssl:0:[::1]");
        let port = l.bound_port().unwrap();
        assert_eq!(l.name(), format!("pssl:{port}:[::1]"));
        let (c, s) = good_pair(&mut l, &client, &format!("ssl:[::1]:{port}"));
        assert!(s.name().starts_with("ssl:[::1]:"), "{}", s.name());
        assert_eq!(c.peer_id(), Some("server"));
    }
    // A host name goes to the resolver, is sent as SNI, and is not
    // checked against the certificate (whose CN is "server").
    let (mut l, port) = listen(&server);
    let (c, _s) = good_pair(&mut l, &client, &format!("ssl:localhost:{port}"));
    assert_eq!(c.peer_id(), Some("server"));
    // An SNI override changes nothing about verification either.
    client.set_server_name(Some("ovsdb.example.org"));
    let (c, _s) = good_pair(&mut l, &client, &format!("ssl:127.0.0.1:{port}"));
    assert_eq!(c.peer_id(), Some("server"));
}

#[test]
fn handshake_waits_for_the_server_without_blocking() {
    let _log = log::capture();
    let Some(Setup {
        server,
        client,
        pki: _pki,
        ..
    }) = setup("ssl-nonblock")
    else {
        return;
    };
    let (mut l, port) = listen(&server);
    let mut c = client.open(&format!("ssl:127.0.0.1:{port}"), 0).unwrap();
    // The kernel completes the TCP connection from the backlog, but nobody
    // answers the ClientHello: connect keeps saying EAGAIN, and waiting
    // for it returns when the timer does.
    for _ in 0..3 {
        c.run();
        assert!(would_block(&c.connect()));
        c.connect_wait();
        pause(20);
    }
    let mut buf = [0u8; 4];
    assert!(would_block(&c.recv(&mut buf)));
    assert!(would_block(&c.send(b"early")));
    let mut s = accept_driving(&mut l, &mut c);
    let (cr, sr) = handshakes(Some(&mut c), Some(&mut s));
    cr.unwrap().unwrap();
    sr.unwrap().unwrap();
}

#[test]
fn buffered_plaintext_wakes_recv_wait_at_once() {
    let _log = log::capture();
    let Some(Setup {
        server,
        client,
        pki: _pki,
        ..
    }) = setup("ssl-wake")
    else {
        return;
    };
    let (mut l, port) = listen(&server);
    let (mut c, mut s) = good_pair(&mut l, &client, &format!("ssl:127.0.0.1:{port}"));
    let message = pattern(10_000, 5);
    send_all(&mut c, &message);
    // Read the message 100 bytes at a time. After the first read the
    // socket is drained (the whole record was decrypted), so only the
    // stream's own buffer can wake the poll loop: each recv_wait must
    // make block() return at once, long before the deadline timer.
    let mut got = Vec::new();
    let mut buf = [0u8; 100];
    let start = time_msec();
    while got.len() < message.len() {
        match s.recv(&mut buf) {
            Ok(0) => panic!("EOF"),
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
            Err(e) => panic!("recv: {e}"),
        }
        if got.len() == message.len() {
            break;
        }
        s.recv_wait();
        poll_loop::timer_wait(DEADLINE_MS);
        poll_loop::block();
        assert!(
            time_msec() - start < DEADLINE_MS,
            "recv_wait did not wake for buffered plaintext"
        );
    }
    assert_eq!(got, message);
}

#[test]
fn server_rejects_client_from_another_ca() {
    let _log = log::capture();
    let Some(Setup {
        pki, ca, server, ..
    }) = setup("ssl-wrongca-c")
    else {
        return;
    };
    let other = pki.ca("other-ca");
    // The client trusts our CA but its certificate comes from another.
    let stranger = config(&pki.good(&other, "stranger"), &ca);
    let (mut l, port) = listen(&server);
    let (mut c, cr, mut s, sr) = handshake(&mut l, &stranger, &format!("ssl:127.0.0.1:{port}"));
    let server_name = s.name().to_string();
    assert_eq!(errno_of(sr), libc::EPROTO);
    assert_logged(&[
        &server_name,
        "SSL_accept: certificate verify failed",
        "not signed by a trusted CA",
    ]);
    // With TLS 1.3 the client has finished its part before the server
    // judges its certificate: the alert arrives on the next read.
    let client_err = match cr {
        Err(e) => e,
        Ok(()) => recv_outcome(&mut c, Some(&mut s)).expect_err("client must fail"),
    };
    assert_eq!(client_err.raw_os_error(), Some(libc::EPROTO));
    assert_logged(&[c.name(), "received fatal alert unknown_ca"]);
    still_serves(&mut l, port, &config(&pki.good(&ca, "friend"), &ca));
}

#[test]
fn client_rejects_server_from_another_ca() {
    let _log = log::capture();
    let Some(Setup {
        pki, ca, client, ..
    }) = setup("ssl-wrongca-s")
    else {
        return;
    };
    let other = pki.ca("other-ca");
    let impostor = config(&pki.good(&other, "impostor"), &ca);
    let (mut l, port) = listen(&impostor);
    let (c, cr, s, sr) = handshake(&mut l, &client, &format!("ssl:127.0.0.1:{port}"));
    assert_eq!(errno_of(cr), libc::EPROTO);
    assert_logged(&[
        c.name(),
        "SSL_connect: certificate verify failed",
        "unknown issuer",
    ]);
    assert_eq!(errno_of(sr), libc::EPROTO);
    assert_logged(&[s.name(), "SSL_accept", "received fatal alert unknown_ca"]);
    // Failed streams stay failed and wake the poll loop at once.
    let d = support::Deadline::new("a failed ssl stream to wake the poll loop");
    c.wait(StreamWait::Recv);
    d.block();
}

fn expect_rejected_certificate(validity: Validity, phrase: &str) {
    let Some(Setup {
        pki,
        ca,
        server,
        client,
    }) = setup("ssl-validity")
    else {
        return;
    };
    // A server presenting such a certificate is refused by the client...
    let bad_server = config(
        &pki.leaf(&ca, "bad-server", "bad-server", validity, KeyKind::Ec),
        &ca,
    );
    let (mut bl, bport) = listen(&bad_server);
    let (c, cr, _s, _sr) = handshake(&mut bl, &client, &format!("ssl:127.0.0.1:{bport}"));
    assert_eq!(errno_of(cr), libc::EPROTO);
    assert_logged(&[c.name(), "SSL_connect: certificate verify failed", phrase]);

    // ...and a client presenting one is refused by the server.
    let bad_client = config(
        &pki.leaf(&ca, "bad-client", "bad-client", validity, KeyKind::Ec),
        &ca,
    );
    let (mut l, port) = listen(&server);
    let (mut c, cr, mut s, sr) = handshake(&mut l, &bad_client, &format!("ssl:127.0.0.1:{port}"));
    assert_eq!(errno_of(sr), libc::EPROTO);
    assert_logged(&[s.name(), "SSL_accept: certificate verify failed", phrase]);
    if cr.is_ok() {
        let e = recv_outcome(&mut c, Some(&mut s)).expect_err("client must fail");
        assert_eq!(e.raw_os_error(), Some(libc::EPROTO));
    }
    still_serves(&mut l, port, &client);
}

#[test]
fn expired_certificates_are_refused_both_ways() {
    let _log = log::capture();
    expect_rejected_certificate(Validity::Expired, "has expired: valid until 2001-01-01");
}

#[test]
fn not_yet_valid_certificates_are_refused_both_ways() {
    let _log = log::capture();
    expect_rejected_certificate(
        Validity::NotYetValid,
        "not yet valid: valid from 2090-01-01",
    );
}

/// Runs `openssl s_client` against 127.0.0.1:`port` with `args`, while
/// driving `l` to accept and handshake one connection. Returns the
/// server-side stream and its handshake result.
fn s_client_against(l: &mut PStream, port: u16, args: &[&str]) -> Option<(Stream, io::Result<()>)> {
    let openssl = openssl()?;
    let mut child = std::process::Command::new(openssl)
        .args(["s_client", "-connect", &format!("127.0.0.1:{port}")])
        .args(args)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn openssl s_client");
    let mut s = accept(l);
    let (_, sr) = handshakes(None, Some(&mut s));
    let _ = child.kill();
    let _ = child.wait();
    Some((s, sr.unwrap()))
}

#[test]
fn client_without_certificate_is_refused() {
    let _log = log::capture();
    let Some(Setup {
        ca,
        server,
        client,
        pki: _pki,
        ..
    }) = setup("ssl-nocert")
    else {
        return;
    };
    let (mut l, port) = listen(&server);
    for proto in ["-tls1_3", "-tls1_2"] {
        let Some((s, sr)) = s_client_against(&mut l, port, &[proto, "-CAfile", &ca.cert]) else {
            return;
        };
        assert_eq!(errno_of(sr), libc::EPROTO, "{proto}");
        assert_logged(&[
            s.name(),
            "SSL_accept: the peer did not present a certificate",
        ]);
        still_serves(&mut l, port, &client);
    }
}

#[test]
fn plain_tcp_client_to_pssl() {
    let _log = log::capture();
    let Some(Setup {
        server,
        client,
        pki: _pki,
        ..
    }) = setup("ssl-plain-client")
    else {
        return;
    };
    let (mut l, port) = listen(&server);
    let mut tcp = Stream::open(&format!("tcp:127.0.0.1:{port}"), 0).unwrap();
    support::stream::finish_connect(&mut tcp).unwrap();
    send_all(&mut tcp, br#"{"method":"list_dbs","params":[],"id":0}"#);
    let mut s = accept(&mut l);
    let (_, sr) = handshakes(None, Some(&mut s));
    assert_eq!(errno_of(sr.unwrap()), libc::EPROTO);
    assert_logged(&[s.name(), "received JSON-RPC data on SSL channel"]);
    assert_logged(&[
        s.name(),
        "SSL_accept: the peer sent data that is not valid TLS",
    ]);
    // The tcp client sees the end of the connection (after a TLS alert).
    drop(s);
    let end = support::stream::recv_to_end(&mut tcp);
    assert!(
        end.is_ok() || matches!(&end, Err(e) if e.raw_os_error() == Some(libc::ECONNRESET)),
        "{end:?}"
    );
    still_serves(&mut l, port, &client);
}

/// A TLS client against a plain `ptcp:` listener whose server either
/// answers in JSON or just hangs up.
fn tls_client_to_ptcp(answer: Option<&[u8]>) -> Option<String> {
    let Setup {
        client, pki: _pki, ..
    } = setup("ssl-to-ptcp")?;
    let (mut l, port) = support::stream::ptcp_loopback();
    let name = format!("ssl:127.0.0.1:{port}");
    let mut c = client.open(&name, 0).unwrap();
    let mut s = accept_driving(&mut l, &mut c);
    // The plain server receives a TLS ClientHello (the client must run to
    // send it).
    let d = support::Deadline::new("the ClientHello");
    let mut hello = Vec::new();
    let mut buf = [0u8; 4096];
    while hello.len() < 2 {
        c.run();
        let cr = c.connect();
        eprintln!("client connect: {cr:?} hello {}", hello.len());
        match s.recv(&mut buf) {
            Ok(0) => panic!("EOF before the ClientHello"),
            Ok(n) => hello.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
            Err(e) => panic!("recv: {e}"),
        }
        if hello.len() >= 2 {
            break;
        }
        s.recv_wait();
        c.connect_wait();
        d.block();
    }
    assert_eq!(&hello[..2], &[0x16, 0x03]);
    if let Some(answer) = answer {
        send_all(&mut s, answer);
    }
    drop(s);
    let (cr, _) = handshakes(Some(&mut c), None);
    assert_eq!(errno_of(cr.unwrap()), libc::EPROTO);
    Some(name)
}

#[test]
fn tls_client_to_plain_ptcp_that_answers_json() {
    let _log = log::capture();
    let answer = br#"{"id":null,"error":"syntax error"}"#;
    let Some(name) = tls_client_to_ptcp(Some(answer)) else {
        return;
    };
    assert_logged(&[&name, "received JSON-RPC data on SSL channel"]);
    assert_logged(&[
        &name,
        "SSL_connect: the peer sent data that is not valid TLS",
    ]);
}

#[test]
fn tls_client_to_plain_ptcp_that_hangs_up() {
    let _log = log::capture();
    let Some(name) = tls_client_to_ptcp(None) else {
        return;
    };
    let hung_up = logged(&[&name, "SSL_connect", "plain tcp rather than pssl"]);
    assert!(!hung_up.is_empty(), "no log line explains the failure");
}

#[test]
fn missing_or_mismatched_configuration() {
    let _log = log::capture();
    let Some(Setup { pki, ca, .. }) = setup("ssl-config") else {
        return;
    };
    let empty = SslConfig::new();
    assert!(!empty.is_configured());
    assert_eq!(
        errno_of(empty.open("ssl:127.0.0.1:1", 0)),
        libc::ENOPROTOOPT
    );
    assert_logged(&["Private key must be configured to use SSL"]);
    assert_logged(&["CA certificate must be configured to use SSL"]);

    // A key that belongs to another certificate.
    let a = pki.good(&ca, "a");
    let b = pki.good(&ca, "b");
    let mismatched = SslConfig::new();
    mismatched.set_key_and_cert(&a.key, &b.cert).unwrap();
    mismatched.set_ca_cert_file(&ca.cert, false).unwrap();
    assert!(mismatched.is_configured());
    assert_eq!(
        errno_of(mismatched.open("ssl:127.0.0.1:1", 0)),
        libc::ENOPROTOOPT
    );
    assert_logged(&["Private key does not match certificate public key"]);

    // Files that are not what they should be.
    let bad = SslConfig::new();
    let e = bad.set_private_key_file(&ca.cert).unwrap_err();
    assert_eq!(e.raw_os_error(), Some(libc::EINVAL));
    assert_logged(&["SSL_use_PrivateKey_file", &ca.cert]);
    let e = bad.set_certificate_file(&pki.file("nope.pem")).unwrap_err();
    assert_eq!(e.raw_os_error(), Some(libc::ENOENT));
    let e = bad.set_ca_cert_file(&a.key, false).unwrap_err();
    assert_eq!(e.raw_os_error(), Some(libc::EINVAL));
    // A listener with an unusable configuration refuses each connection,
    // logging why, and goes on listening.
    let (mut l, port) = listen(&bad);
    let good = config(&b, &ca);
    let mut c = good.open(&format!("ssl:127.0.0.1:{port}"), 0).unwrap();
    let d = support::Deadline::new("an accept to fail");
    let e = loop {
        c.run();
        let _ = c.connect();
        match l.accept() {
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
            Err(e) => break e,
            Ok(_) => panic!("accept with an unusable configuration"),
        }
        l.wait();
        c.connect_wait();
        d.block();
    };
    assert_eq!(e.raw_os_error(), Some(libc::ENOPROTOOPT));
    assert!(would_block(&l.accept()));
}

#[test]
fn protocol_mismatch_fails_with_a_reason() {
    let _log = log::capture();
    let Some(Setup {
        server,
        client,
        pki: _pki,
        ..
    }) = setup("ssl-proto")
    else {
        return;
    };
    server.set_protocols("TLSv1.2").unwrap();
    client.set_protocols("TLSv1.3").unwrap();
    let (mut l, port) = listen(&server);
    let (c, cr, s, sr) = handshake(&mut l, &client, &format!("ssl:127.0.0.1:{port}"));
    assert_eq!(errno_of(cr), libc::EPROTO);
    assert_eq!(errno_of(sr), libc::EPROTO);
    assert_logged(&[s.name(), "SSL_accept: no protocol version"]);
    assert_logged(&[
        c.name(),
        "SSL_connect: received fatal alert protocol_version",
    ]);
    client.set_protocols("TLSv1.2+").unwrap();
    still_serves(&mut l, port, &client);
}

#[test]
fn cipher_selection() {
    let _log = log::capture();
    let Some(Setup {
        server,
        client,
        pki: _pki,
        ..
    }) = setup("ssl-ciphers")
    else {
        return;
    };
    server.set_protocols("TLSv1.2").unwrap();
    client.set_protocols("TLSv1.2").unwrap();
    server.set_ciphers("ECDHE-ECDSA-CHACHA20-POLY1305").unwrap();
    client.set_ciphers("AES128").unwrap();
    let (mut l, port) = listen(&server);
    let (c, cr, s, sr) = handshake(&mut l, &client, &format!("ssl:127.0.0.1:{port}"));
    assert_eq!(errno_of(sr), libc::EPROTO);
    assert_logged(&[s.name(), "SSL_accept: no protocol version, cipher suite"]);
    assert_eq!(errno_of(cr), libc::EPROTO);
    assert_logged(&[
        c.name(),
        "SSL_connect: received fatal alert handshake_failure",
    ]);
    client.set_ciphers("HIGH:!aNULL:!MD5").unwrap();
    still_serves(&mut l, port, &client);
    // TLS 1.3 suites are chosen separately.
    server.set_protocols("TLSv1.3").unwrap();
    client.set_protocols("TLSv1.3").unwrap();
    server
        .set_ciphersuites("TLS_CHACHA20_POLY1305_SHA256")
        .unwrap();
    client.set_ciphersuites("TLS_AES_256_GCM_SHA384").unwrap();
    let (_c, cr, _s, sr) = handshake(&mut l, &client, &format!("ssl:127.0.0.1:{port}"));
    assert!(cr.is_err() && sr.is_err());
    client
        .set_ciphersuites("TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256")
        .unwrap();
    still_serves(&mut l, port, &client);
}

/// Sets a file's modification time explicitly, so that a rewrite is seen
/// as a change even within the file system's timestamp granularity.
fn touch(path: &str, secs_ahead: u64) {
    let f = std::fs::File::options().write(true).open(path).unwrap();
    let when = std::time::SystemTime::now() + std::time::Duration::from_secs(secs_ahead);
    f.set_modified(when).unwrap();
}

#[test]
fn replaced_files_take_effect_on_the_next_connection() {
    let _log = log::capture();
    let Some(Setup {
        pki, ca, client, ..
    }) = setup("ssl-reload")
    else {
        return;
    };
    let first = pki.leaf(&ca, "srv", "first-name", Validity::Current, KeyKind::Ec);
    let server = config(&first, &ca);
    let (mut l, port) = listen(&server);
    let name = format!("ssl:127.0.0.1:{port}");
    let (c1, _s1) = good_pair(&mut l, &client, &name);
    assert_eq!(c1.peer_id(), Some("first-name"));

    // Renew the server's key and certificate in place (same file names).
    let renewed = pki.leaf(
        &ca,
        "renewed",
        "second-name",
        Validity::Current,
        KeyKind::Ec,
    );
    std::fs::copy(&renewed.key, &first.key).unwrap();
    std::fs::copy(&renewed.cert, &first.cert).unwrap();
    touch(&first.key, 5);
    touch(&first.cert, 5);
    let (c2, _s2) = good_pair(&mut l, &client, &name);
    assert_eq!(c2.peer_id(), Some("second-name"));
    // The connection made before keeps working with what it had.
    assert_eq!(c1.peer_id(), Some("first-name"));

    // A CA certificate replaced by another CA's: the old clients are now
    // strangers.
    let other = pki.ca("other-ca");
    let ca_file = pki.file("server-ca.pem");
    std::fs::copy(&ca.cert, &ca_file).unwrap();
    server.set_ca_cert_file(&ca_file, false).unwrap();
    let (_c, cr, _s, sr) = handshake(&mut l, &client, &name);
    cr.unwrap();
    sr.unwrap();
    std::fs::copy(&other.cert, &ca_file).unwrap();
    touch(&ca_file, 10);
    let (_c, _cr, _s, sr) = handshake(&mut l, &client, &name);
    assert_eq!(errno_of(sr), libc::EPROTO);
}

#[test]
fn ca_certificate_bootstrap() {
    let _log = log::capture();
    let Some(Setup {
        pki, ca, server, ..
    }) = setup("ssl-bootstrap")
    else {
        return;
    };
    // The server sends its CA certificate after its own.
    server.set_peer_ca_cert_file(&ca.cert).unwrap();
    let (mut l, port) = listen(&server);
    let name = format!("ssl:127.0.0.1:{port}");
    let learner = SslConfig::new();
    let me = pki.good(&ca, "learner");
    learner.set_key_and_cert(&me.key, &me.cert).unwrap();
    let ca_file = pki.file("bootstrapped-ca.pem");
    learner.set_ca_cert_file(&ca_file, true).unwrap();
    assert!(learner.is_configured());

    // First connection: the CA certificate is saved and the connection
    // dropped, as OVS does.
    let (_c, cr, _s, _sr) = handshake(&mut l, &learner, &name);
    assert_eq!(errno_of(cr), libc::EPROTO);
    assert_logged(&["successfully bootstrapped CA cert to", &ca_file]);
    assert_logged(&["Trusting CA cert from", &ca_file, "CN=ca"]);
    let saved = std::fs::read(&ca_file).unwrap();
    let original = std::fs::read(&ca.cert).unwrap();
    assert_eq!(
        String::from_utf8_lossy(&saved).trim(),
        String::from_utf8_lossy(&original).trim()
    );
    // From then on, connections are verified against it.
    let (c, _s) = good_pair(&mut l, &learner, &name);
    assert_eq!(c.peer_id(), Some("server"));

    // A server that does not send its CA certificate cannot be learnt from.
    let quiet = config(&pki.good(&ca, "quiet"), &ca);
    let (mut ql, qport) = listen(&quiet);
    let learner2 = SslConfig::new();
    learner2.set_key_and_cert(&me.key, &me.cert).unwrap();
    learner2
        .set_ca_cert_file(&pki.file("never-written.pem"), true)
        .unwrap();
    let (_c, cr, _s, _sr) = handshake(&mut ql, &learner2, &format!("ssl:127.0.0.1:{qport}"));
    assert_eq!(errno_of(cr), libc::EPROTO);
    assert_logged(&["could not bootstrap CA cert: obtained certificate is not self-signed"]);
    assert_logged(&["only one certificate was received"]);
    assert!(!std::path::Path::new(&pki.file("never-written.pem")).exists());
}

#[test]
fn verification_disabled_with_ca_file_none() {
    let _log = log::capture();
    let Some(Setup { pki, ca, .. }) = setup("ssl-none") else {
        return;
    };
    let other = pki.ca("other-ca");
    // Server and client from unrelated CAs, neither checking the other.
    let server = config(&pki.good(&other, "server"), &other);
    server.set_ca_cert_file("none", false).unwrap();
    let client = config(&pki.good(&ca, "client"), &ca);
    client.set_ca_cert_file("none", false).unwrap();
    assert_logged(&["Peer certificate validation disabled"]);
    let (mut l, port) = listen(&server);
    let (c, s) = good_pair(&mut l, &client, &format!("ssl:127.0.0.1:{port}"));
    assert_eq!(c.peer_id(), Some("server"));
    // A server that does not verify does not ask for a certificate.
    assert_eq!(s.peer_id(), None);
}

#[test]
fn peer_that_vanishes_without_close_notify() {
    let _log = log::capture();
    let Some(Setup {
        pki, ca, client, ..
    }) = setup("ssl-truncate")
    else {
        return;
    };
    let Some(openssl) = openssl() else {
        return;
    };
    let srv = pki.good(&ca, "s_server");
    let port = support::free_port();
    let mut child = support::process::Process::spawn(
        std::process::Command::new(openssl)
            .args(["s_server", "-accept", &format!("127.0.0.1:{port}")])
            .args(["-key", &srv.key, "-cert", &srv.cert, "-CAfile", &ca.cert])
            .args(["-Verify", "1", "-naccept", "1"])
            .stdin(std::process::Stdio::piped()),
        "openssl s_server",
    );
    // s_server says ACCEPT once it listens.
    child.find(false, |line| (line == "ACCEPT").then_some(()));
    let name = format!("ssl:127.0.0.1:{port}");
    let mut c = client.open(&name, 0).expect("open");
    let (cr, _) = handshakes(Some(&mut c), None);
    cr.unwrap().expect("handshake with openssl s_server");
    assert_eq!(c.peer_id(), Some("s_server"));
    // Once s_server relays a line from its stdin, it has processed the
    // whole handshake (nothing of ours is left unread to provoke a reset).
    {
        use std::io::Write;
        let stdin = child.stdin();
        stdin.write_all(b"hello\n").unwrap();
        stdin.flush().unwrap();
    }
    let got = recv_until(&mut c, "a line from s_server", |b| b.ends_with(b"\n"));
    assert_eq!(got, b"hello\n");
    // Killed outright: the TCP connection ends without a close_notify.
    child.kill();
    let e = recv_outcome(&mut c, None).expect_err("truncation is an error");
    assert_eq!(e.raw_os_error(), Some(libc::EPROTO));
    assert_logged(&[&name, "SSL_read: unexpected SSL connection close"]);
}
