//! Interoperation with Open vSwitch itself (Debian's `openvswitch-common`,
//! OpenSSL underneath): `ovsdb-server --remote=pssl:` as the server for our
//! `ssl:` streams, and `ovsdb-client ... ssl:` against our `pssl:`
//! listener, which answers JSON-RPC by hand at the byte level. Under
//! CI=true a missing peer fails the test; elsewhere it is skipped loudly.
#![cfg(feature = "ssl")]

mod support;

use std::io;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use ovsrpc::poll_loop;
use ovsrpc::stream::ssl::SslConfig;
use ovsrpc::stream::{PStream, Stream};
use serde_json::{json, Value};
use support::log::{self, assert_logged, logged};
use support::process::{Output, Process};
use support::stream::{errno_of, would_block};
use support::tls::*;
use support::OvsdbServer;

/// The peers this file needs, or `None` (skip) outside CI.
fn peers() -> Option<(PathBuf, PathBuf, PathBuf)> {
    Some((
        support::require("ovsdb-server", "openvswitch-common")?,
        support::require("ovsdb-tool", "openvswitch-common")?,
        support::require("ovsdb-client", "openvswitch-common")?,
    ))
}

fn run_ok(cmd: &mut Command) {
    support::process::Process::run_ok(cmd);
}

/// Starts an `ovsdb-server` (with `--detach`: it is listening on return)
/// serving a fresh database with `support::SCHEMA` on `remote`, with
/// `leaf`'s key and certificate and `ca` as CA certificate, plus `extra`
/// options.
fn start_ovsdb_server(
    tools: &(PathBuf, PathBuf, PathBuf),
    dir: &Path,
    remote: &str,
    leaf: &Leaf,
    ca: &Ca,
    extra: &[&str],
) -> OvsdbServer {
    let (_, tool, _) = tools;
    let schema = dir.join("schema.ovsschema");
    std::fs::write(&schema, support::SCHEMA).unwrap();
    let db = dir.join("demo.db");
    let _ = std::fs::remove_file(&db);
    run_ok(Command::new(tool).arg("create").arg(&db).arg(&schema));
    let mut args = vec![
        format!("--private-key={}", leaf.key),
        format!("--certificate={}", leaf.cert),
        format!("--ca-cert={}", ca.cert),
        format!("--remote={remote}"),
    ];
    args.extend(extra.iter().map(|a| a.to_string()));
    OvsdbServer::start_with(dir, "ovsdb-server", &db, &args)
}

/// Sends a raw JSON-RPC `list_dbs` request on `c` and returns the reply.
fn list_dbs(c: &mut Stream) -> Value {
    send_all(c, br#"{"method":"list_dbs","params":[],"id":0}"#);
    let reply = recv_until(c, "the list_dbs reply", complete_json);
    serde_json::from_slice(&reply).expect("reply is JSON")
}

/// Opens `name` with `cfg` and drives the handshake to its end.
fn connect(cfg: &SslConfig, name: &str) -> (Stream, io::Result<()>) {
    let mut c = cfg.open(name, 0).expect("open");
    let (r, _) = handshakes(Some(&mut c), None);
    (c, r.unwrap())
}

fn ovsdb_server_as_peer(protocols: Option<&str>) {
    let Some(tools) = peers() else { return };
    let Some(pki) = Pki::new("ssl-ovsdb-server") else {
        return;
    };
    let ca = pki.ca("ca");
    let srv = pki.good(&ca, "ovsdb-server");
    let port = support::free_port();
    let mut extra = Vec::new();
    let proto_arg;
    if let Some(p) = protocols {
        proto_arg = format!("--ssl-protocols={p}");
        extra.push(proto_arg.as_str());
    }
    let _server = start_ovsdb_server(
        &tools,
        pki.path(),
        &format!("pssl:{port}:127.0.0.1"),
        &srv,
        &ca,
        &extra,
    );
    let client = config(&pki.good(&ca, "chassis-1"), &ca);
    if let Some(p) = protocols {
        client.set_protocols(p).unwrap();
    }
    let (mut c, r) = connect(&client, &format!("ssl:127.0.0.1:{port}"));
    r.expect("handshake with ovsdb-server");
    assert_eq!(c.peer_id(), Some("ovsdb-server"));
    let reply = list_dbs(&mut c);
    assert_eq!(reply["id"], json!(0));
    assert_eq!(reply["error"], Value::Null);
    assert_eq!(reply["result"], json!(["demo", "_Server"]));
}

#[test]
fn our_ssl_client_to_ovsdb_server_pssl() {
    let _log = log::capture();
    ovsdb_server_as_peer(None);
}

#[test]
fn our_ssl_client_to_ovsdb_server_pssl_tls12() {
    let _log = log::capture();
    ovsdb_server_as_peer(Some("TLSv1.2"));
}

#[test]
fn ovsdb_server_rejects_our_client_from_another_ca() {
    let _log = log::capture();
    let Some(tools) = peers() else { return };
    let Some(pki) = Pki::new("ssl-ovsdb-server-ca") else {
        return;
    };
    let ca = pki.ca("ca");
    let other = pki.ca("other-ca");
    let port = support::free_port();
    let server = start_ovsdb_server(
        &tools,
        pki.path(),
        &format!("pssl:{port}:127.0.0.1"),
        &pki.good(&ca, "ovsdb-server"),
        &ca,
        &[],
    );
    let name = format!("ssl:127.0.0.1:{port}");
    // Our certificate is from another CA: ovsdb-server refuses it.
    let stranger = config(&pki.good(&other, "stranger"), &ca);
    let (mut c, r) = connect(&stranger, &name);
    let e = match r {
        Err(e) => e,
        Ok(()) => recv_outcome(&mut c, None).expect_err("rejected"),
    };
    assert_eq!(e.raw_os_error(), Some(libc::EPROTO));
    assert_logged(&[&name, "received fatal alert"]);
    // And ovsdb-server's certificate is from a CA we do not trust.
    let suspicious = config(&pki.good(&other, "suspicious"), &other);
    let (_c, r) = connect(&suspicious, &name);
    assert_eq!(errno_of(r), libc::EPROTO);
    assert_logged(&[
        &name,
        "SSL_connect: certificate verify failed",
        "unknown issuer",
    ]);
    // ovsdb-server logged its side of the first failure.
    let log = server.log_text();
    assert!(log.contains("certificate verify failed"), "{log}");
}

#[test]
fn our_ssl_client_to_ovsdb_server_plain_ptcp() {
    let _log = log::capture();
    let Some(tools) = peers() else { return };
    let Some(pki) = Pki::new("ssl-ovsdb-server-ptcp") else {
        return;
    };
    let ca = pki.ca("ca");
    let port = support::free_port();
    let _server = start_ovsdb_server(
        &tools,
        pki.path(),
        &format!("ptcp:{port}:127.0.0.1"),
        &pki.good(&ca, "ovsdb-server"),
        &ca,
        &[],
    );
    let name = format!("ssl:127.0.0.1:{port}");
    let client = config(&pki.good(&ca, "client"), &ca);
    let (_c, r) = connect(&client, &name);
    assert_eq!(errno_of(r), libc::EPROTO);
    let explained = logged(&[&name, "SSL_connect", "plain tcp rather than pssl"]);
    let json = logged(&[&name, "received JSON-RPC data on SSL channel"]);
    assert!(
        !explained.is_empty() || !json.is_empty(),
        "no log line explains the failure"
    );
}

/// A JSON-RPC server by hand on a `pssl:` (or any) listener: answers
/// `list_dbs` with `["Demo"]` and `echo` with its params, on every
/// connection, until `child` exits. Returns the child's output, the peer
/// ids of the connections that completed their handshake, and the
/// handshake errors of the others.
fn serve_until_exit(l: &mut PStream, mut child: Process) -> (Output, Vec<String>, Vec<i32>) {
    struct Conn {
        s: Stream,
        connected: bool,
        input: Vec<u8>,
        output: Vec<u8>,
    }
    let mut conns: Vec<Conn> = Vec::new();
    let mut peer_ids = Vec::new();
    let mut failures = Vec::new();
    support::drive("ovsdb-client to finish", || {
        match l.accept() {
            Ok(s) => conns.push(Conn {
                s,
                connected: false,
                input: Vec::new(),
                output: Vec::new(),
            }),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
            Err(e) => panic!("accept: {e}"),
        }
        for conn in &mut conns {
            conn.s.run();
            if !conn.connected {
                match conn.s.connect() {
                    Ok(()) => {
                        conn.connected = true;
                        peer_ids.push(conn.s.peer_id().unwrap_or("").to_string());
                    }
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
                    Err(e) => {
                        failures.push(e.raw_os_error().unwrap_or(0));
                        conn.connected = true;
                        conn.input.clear();
                        continue;
                    }
                }
            }
            let mut buf = [0u8; 4096];
            match conn.s.recv(&mut buf) {
                Ok(n) if n > 0 => conn.input.extend_from_slice(&buf[..n]),
                _ => {}
            }
            // Answer every complete request.
            let mut consumed = 0;
            let mut stream = serde_json::Deserializer::from_slice(&conn.input).into_iter::<Value>();
            while let Some(Ok(request)) = stream.next() {
                consumed = stream.byte_offset();
                let reply = match request["method"].as_str() {
                    Some("list_dbs") => {
                        json!({"id": request["id"], "result": ["Demo"], "error": null})
                    }
                    Some("echo") => {
                        json!({"id": request["id"], "result": request["params"], "error": null})
                    }
                    _ => json!({"id": request["id"], "result": null, "error": "unknown method"}),
                };
                conn.output
                    .extend_from_slice(serde_json::to_string(&reply).unwrap().as_bytes());
            }
            conn.input.drain(..consumed);
            if !conn.output.is_empty() {
                match conn.s.send(&conn.output) {
                    Ok(n) => {
                        conn.output.drain(..n);
                    }
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                    Err(_) => conn.output.clear(),
                }
            }
        }
        if child.has_exited() {
            return true;
        }
        l.wait();
        for conn in &conns {
            conn.s.run_wait();
            if conn.connected {
                conn.s.recv_wait();
                if !conn.output.is_empty() {
                    conn.s.send_wait();
                }
            } else {
                conn.s.connect_wait();
            }
        }
        // The child's exit is not a poll event: look again soon.
        poll_loop::timer_wait(20);
        false
    });
    (child.output(), peer_ids, failures)
}

/// Starts `ovsdb-client --timeout=10 <pki options> list-dbs <remote>`.
fn ovsdb_client(client: &Path, pki_opts: &[String], remote: &str) -> Process {
    Process::spawn(
        Command::new(client)
            .arg("--timeout=10")
            .args(pki_opts)
            .args(["list-dbs", remote])
            .stdin(Stdio::null()),
        "ovsdb-client",
    )
}

fn pki_options(leaf: &Leaf, ca: &Ca) -> Vec<String> {
    vec![
        format!("--private-key={}", leaf.key),
        format!("--certificate={}", leaf.cert),
        format!("--ca-cert={}", ca.cert),
    ]
}

#[test]
fn ovsdb_client_to_our_pssl() {
    let _log = log::capture();
    let Some(tools) = peers() else { return };
    let Some(pki) = Pki::new("ssl-ovsdb-client") else {
        return;
    };
    let ca = pki.ca("ca");
    let server = config(&pki.good(&ca, "our-server"), &ca);
    let mut l = server.listen("pssl:0:127.0.0.1", 0).unwrap();
    let port = l.bound_port().unwrap();
    let remote = format!("ssl:127.0.0.1:{port}");

    let me = pki.good(&ca, "ovsdb-client-1");
    let child = ovsdb_client(&tools.2, &pki_options(&me, &ca), &remote);
    let (out, peers, failures) = serve_until_exit(&mut l, child);
    assert!(out.success(), "ovsdb-client failed: {}", out.stderr);
    assert_eq!(out.stdout.trim(), "Demo");
    assert_eq!(peers, ["ovsdb-client-1"]);
    assert!(failures.is_empty(), "{failures:?}");

    // ovsdb-client with a certificate from another CA is refused with a
    // log line; the listener goes on serving.
    let other = pki.ca("other-ca");
    let stranger = pki.good(&other, "stranger");
    let child = ovsdb_client(&tools.2, &pki_options(&stranger, &ca), &remote);
    let (out, peers, failures) = serve_until_exit(&mut l, child);
    assert!(!out.success());
    assert!(peers.is_empty(), "{peers:?}");
    assert!(failures.contains(&libc::EPROTO), "{failures:?}");
    assert_logged(&[
        "SSL_accept: certificate verify failed",
        "not signed by a trusted CA",
    ]);

    // ovsdb-client speaking plain tcp to our pssl listener.
    let child = ovsdb_client(&tools.2, &[], &format!("tcp:127.0.0.1:{port}"));
    let (out, peers, _) = serve_until_exit(&mut l, child);
    assert!(!out.success());
    assert!(peers.is_empty(), "{peers:?}");
    assert_logged(&["received JSON-RPC data on SSL channel"]);

    // Still serving.
    let child = ovsdb_client(&tools.2, &pki_options(&me, &ca), &remote);
    let (out, _, _) = serve_until_exit(&mut l, child);
    assert!(out.success());
}

#[test]
fn ovsdb_client_tls12_with_selected_cipher() {
    let _log = log::capture();
    let Some(tools) = peers() else { return };
    let Some(pki) = Pki::new("ssl-ovsdb-client12") else {
        return;
    };
    let ca = pki.ca("ca");
    let server = config(&pki.good(&ca, "our-server"), &ca);
    server.set_protocols("TLSv1.2").unwrap();
    server.set_ciphers("ECDHE-ECDSA-AES256-GCM-SHA384").unwrap();
    let mut l = server.listen("pssl:0:127.0.0.1", 0).unwrap();
    let port = l.bound_port().unwrap();
    let mut opts = pki_options(&pki.good(&ca, "c12"), &ca);
    opts.push("--ssl-protocols=TLSv1.2".into());
    opts.push("--ssl-ciphers=ECDHE-ECDSA-AES256-GCM-SHA384".into());
    let child = ovsdb_client(&tools.2, &opts, &format!("ssl:127.0.0.1:{port}"));
    let (out, peers, _) = serve_until_exit(&mut l, child);
    assert!(out.success(), "{}", out.stderr);
    assert_eq!(peers, ["c12"]);
    // A raw check that nothing else is pending on the listener.
    assert!(would_block(&l.accept()));
}
