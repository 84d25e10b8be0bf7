//! Idle bench: the memory a server spends on connections that say little.
//!
//! This process listens on one `punix:` socket and serves every connection
//! the way ovsdb-server does: one [`JsonrpcSession`] per accepted
//! connection, all in one poll loop. A child process (this same binary,
//! run with `--idle-clients N REMOTE`) opens N client sessions to it, a few
//! hundred connection attempts at a time; each sends one `hello` request of
//! about 200 bytes once connected. When the server has answered all N and
//! its replies have left, every connection is idle, and the bench prints
//! the server's resident memory (VmRSS of /proc/self/status) before the
//! first connection and now, divided by N: the memory an idle connection
//! costs (socket buffers live in the kernel and are not counted).
//!
//! Both processes raise their RLIMIT_NOFILE soft limit to the hard limit.
//! `cargo bench --bench idle` holds 10,000 connections; under
//! `cargo test --all-targets` (no `--bench` argument) it does a smoke run
//! with 200.

#[path = "../tests/support/mod.rs"]
mod support;

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};

use ovsrpc::json::Json;
use ovsrpc::jsonrpc::{Jsonrpc, JsonrpcSession, Msg, MsgType};
use ovsrpc::poll_loop;
use ovsrpc::stream::PStream;
use ovsrpc::timeval::time_msec;
use support::load::{raise_fd_limit, vm_rss_kb};

/// Connection attempts the client keeps unanswered at once, below the
/// listen backlog, so that no `connect` finds the backlog full.
const IN_FLIGHT: usize = 256;
/// Longest the whole run may take.
const DEADLINE_MS: i64 = 300_000;

fn hello_params(i: usize) -> Json {
    Json::array(vec![
        Json::from(format!("client {i}")),
        Json::from("x".repeat(180)),
    ])
}

/// The client side: opens `n` sessions to `remote`, sends `hello` on each
/// once connected, prints `ready` when all have their reply, then keeps
/// them open until standard input closes.
fn clients(n: usize, remote: &str) {
    raise_fd_limit(u64::MAX);
    let mut sessions: Vec<JsonrpcSession> = Vec::with_capacity(n);
    let mut sent = Vec::with_capacity(n);
    let mut answered = Vec::with_capacity(n);
    let mut n_answered = 0;
    let mut ready = false;
    // Standard input closing (the bench ending, however it ends) ends the
    // client.
    std::thread::spawn(|| {
        let _ = std::io::copy(&mut std::io::stdin(), &mut std::io::sink());
        std::process::exit(0);
    });
    loop {
        while sessions.len() < n && sessions.len() - n_answered < IN_FLIGHT {
            sessions.push(JsonrpcSession::open(remote, true));
            sent.push(false);
            answered.push(false);
        }
        for (i, s) in sessions.iter_mut().enumerate() {
            s.run();
            if !sent[i] && s.is_connected() {
                let _ = s.send(Msg::create_request("hello", hello_params(i)));
                sent[i] = true;
            }
            while let Some(msg) = s.recv() {
                if msg.msg_type == MsgType::Reply && !answered[i] {
                    answered[i] = true;
                    n_answered += 1;
                }
            }
        }
        if !ready && n_answered == n {
            ready = true;
            println!("ready");
            let _ = std::io::stdout().flush();
        }
        for s in &sessions {
            s.wait();
            s.recv_wait();
        }
        poll_loop::block();
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(at) = args.iter().position(|a| a == "--idle-clients") {
        let n: usize = args[at + 1].parse().expect("number of clients");
        clients(n, &args[at + 2]);
        return;
    }
    let full = args.iter().any(|arg| arg == "--bench");
    let n = if full { 10_000 } else { 200 };
    let limit = raise_fd_limit(u64::MAX);
    if limit < n as u64 + 100 {
        println!(
            "idle bench: RLIMIT_NOFILE is {limit}, {} needed; skipped",
            n + 100
        );
        return;
    }
    let dir = support::TempDir::new("idle-bench");
    let sock = dir.join("idle.sock");
    let mut pstream = PStream::open(&format!("punix:{}", sock.display()), 0).expect("listen");
    let remote = format!("unix:{}", sock.display());

    let mut sessions: Vec<JsonrpcSession> = Vec::with_capacity(n + 1);
    let self_id = std::process::id();
    let rss_before = vm_rss_kb(self_id);

    let mut child = Command::new(std::env::current_exe().expect("current exe"))
        .args(["--idle-clients", &n.to_string(), &remote])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("start the client process");
    let start = time_msec();
    let mut hellos = 0;
    loop {
        loop {
            match pstream.accept() {
                Ok(stream) => {
                    sessions.push(JsonrpcSession::open_unreliably(Jsonrpc::open(stream), 0))
                }
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break,
                Err(e) => panic!("accept: {e}"),
            }
        }
        for s in &mut sessions {
            s.run();
            while let Some(msg) = s.recv() {
                if let (Some("hello"), Some(id)) = (msg.method.as_deref(), &msg.id) {
                    hellos += 1;
                    let _ = s.send(Msg::create_reply(Json::from("welcome"), id));
                }
            }
        }
        sessions.retain(|s| s.is_alive());
        if hellos == n && sessions.iter().all(|s| s.get_backlog() == 0) {
            break;
        }
        assert!(
            time_msec() - start < DEADLINE_MS,
            "{hellos} of {n} connections said hello in time"
        );
        pstream.wait();
        for s in &sessions {
            s.wait();
            s.recv_wait();
        }
        poll_loop::block();
    }
    let connect_ms = time_msec() - start;
    let rss_after = vm_rss_kb(self_id);
    assert_eq!(sessions.len(), n);

    // The client says it has every reply: all connections are idle now.
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("client output");
    assert_eq!(line.trim(), "ready");
    let per_conn = (rss_after.saturating_sub(rss_before)) as f64 / n as f64;
    println!(
        "idle: {n} connections (one ~200-byte request and reply each, {connect_ms} ms); \
         server RSS {rss_before} KiB before, {rss_after} KiB idle: {per_conn:.1} KiB per idle \
         connection (target <= 16 KiB){}",
        if full {
            ""
        } else {
            " [smoke run: use cargo bench]"
        }
    );
    drop(child.stdin.take());
    let _ = child.kill();
    let _ = child.wait();
}
