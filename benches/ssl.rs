//! Throughput of 10 KB notifications over `ssl:` beside the same over
//! `tcp:`, measured in one run: a server-side stream sends fixed 10 KB
//! JSON-RPC-shaped messages to a client-side stream on loopback, both
//! driven by the same poll loop at the raw stream level (`send`, `recv`,
//! `run`, `wait`, `block`). Prints MB/s for each and the ssl/tcp ratio.
//!
//! Certificates are made with the `openssl` command line at start.
//! `SSL_BENCH_MESSAGES` sets the number of messages per run (default
//! 20000, i.e. 200 MB; 200 when run by `cargo test --all-targets`, as a
//! smoke test); each transport gets 3 runs and the best counts.

#[path = "../tests/support/mod.rs"]
mod support;

use std::io;
use std::time::Instant;

use ovsrpc::poll_loop;
use ovsrpc::stream::{PStream, Stream};
use support::tls::*;

const MESSAGE_SIZE: usize = 10 * 1024;
const RUNS: usize = 3;

/// A 10 KB JSON-RPC notification.
fn notification() -> Vec<u8> {
    let head = br#"{"id":null,"method":"update3","params":["monid",""#;
    let tail = br#""]}"#;
    let mut m = head.to_vec();
    m.resize(MESSAGE_SIZE - tail.len(), b'x');
    m.extend_from_slice(tail);
    assert_eq!(m.len(), MESSAGE_SIZE);
    m
}

/// Sends `count` copies of `msg` from `from` to `to`; returns seconds.
fn pump(from: &mut Stream, to: &mut Stream, msg: &[u8], count: usize) -> f64 {
    let total = msg.len() * count;
    let mut sent = 0usize;
    let mut received = 0usize;
    let mut buf = vec![0u8; 64 * 1024];
    let start = Instant::now();
    while received < total {
        from.run();
        to.run();
        while sent < total {
            let off = sent % msg.len();
            match from.send(&msg[off..]) {
                Ok(n) => sent += n,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) => panic!("send: {e}"),
            }
        }
        loop {
            match to.recv(&mut buf) {
                Ok(0) => panic!("unexpected EOF"),
                Ok(n) => received += n,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) => panic!("recv: {e}"),
            }
        }
        if received >= total {
            break;
        }
        from.run_wait();
        to.run_wait();
        if sent < total {
            from.send_wait();
        }
        to.recv_wait();
        poll_loop::block();
    }
    start.elapsed().as_secs_f64()
}

fn best_mb_per_s(from: &mut Stream, to: &mut Stream, msg: &[u8], count: usize) -> f64 {
    // One short warm-up run, then the best of RUNS.
    pump(from, to, msg, count / 10 + 1);
    (0..RUNS)
        .map(|_| (msg.len() * count) as f64 / 1e6 / pump(from, to, msg, count))
        .fold(0.0, f64::max)
}

/// Connects a client to `l` and returns (server side, client side).
fn tcp_pair() -> (Stream, Stream) {
    let mut l = PStream::open("ptcp:0:127.0.0.1", 0).expect("ptcp");
    let port = l.bound_port().unwrap();
    let mut client = Stream::open(&format!("tcp:127.0.0.1:{port}"), 0).expect("tcp");
    support::stream::finish_connect(&mut client).expect("tcp connect");
    let server = support::stream::accept(&mut l);
    (server, client)
}

fn main() {
    // `cargo bench` passes --bench; `cargo test --all-targets` runs this
    // too, without it: then a short smoke run checks that it works.
    let benching = std::env::args().any(|a| a == "--bench");
    let count: usize = std::env::var("SSL_BENCH_MESSAGES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(if benching { 20_000 } else { 200 });
    if !benching {
        println!("ssl bench: smoke run (numbers mean nothing; use cargo bench)");
    }
    let Some(pki) = Pki::new("ssl-bench") else {
        eprintln!("ssl bench skipped: no openssl command");
        return;
    };
    let ca = pki.ca("ca");
    let server_cfg = config(&pki.good(&ca, "server"), &ca);
    let client_cfg = config(&pki.good(&ca, "client"), &ca);
    let msg = notification();
    println!(
        "ssl bench: {} KB notifications server->client on loopback, {count} per run \
         ({} MB), best of {RUNS}",
        MESSAGE_SIZE / 1024,
        MESSAGE_SIZE * count / 1_000_000
    );

    let (mut s, mut c) = tcp_pair();
    let tcp = best_mb_per_s(&mut s, &mut c, &msg, count);
    println!(
        "tcp:              {tcp:8.1} MB/s  {:9.0} msgs/s",
        tcp * 1e6 / MESSAGE_SIZE as f64
    );

    let mut results = Vec::new();
    for proto in ["TLSv1.3", "TLSv1.2"] {
        server_cfg.set_protocols(proto).unwrap();
        client_cfg.set_protocols(proto).unwrap();
        let mut l = server_cfg.listen("pssl:0:127.0.0.1", 0).expect("pssl");
        let port = l.bound_port().unwrap();
        let (mut c, mut s) = good_pair(&mut l, &client_cfg, &format!("ssl:127.0.0.1:{port}"));
        let ssl = best_mb_per_s(&mut s, &mut c, &msg, count);
        println!(
            "ssl ({proto}):    {ssl:8.1} MB/s  {:9.0} msgs/s",
            ssl * 1e6 / MESSAGE_SIZE as f64
        );
        results.push((proto, ssl));
    }
    for (proto, ssl) in results {
        println!("ratio ssl({proto})/tcp throughput: {:.2}", ssl / tcp);
    }
}
