//! `make demo`: one JSON-RPC session over three local servers survives the
//! loss of the one it is connected to.
//!
//! With Debian's `ovsdb-server` installed the three servers are a real OVSDB
//! Raft cluster and the requests are `transact` inserts; without it they are
//! three `ovstest test-jsonrpc` echo servers and the requests are `echo`.

#[path = "../tests/support/mod.rs"]
mod support;

use std::io::Write;
use std::process::{Command, Stdio};

use ovsrpc::json::Json;
use ovsrpc::jsonrpc::{JsonrpcSession, Msg};
use ovsrpc::timeval::time_msec;

/// The three servers, whichever kind they are.
enum Servers {
    Cluster(support::Cluster),
    Echo(Vec<(String, std::process::Child)>),
}

impl Servers {
    fn start(dir: &std::path::Path) -> Servers {
        if support::find_tool("ovsdb-server").is_some()
            && support::find_tool("ovsdb-tool").is_some()
        {
            say("starting a 3-server OVSDB Raft cluster on 127.0.0.1 (ovsdb-tool, ovsdb-server)");
            Servers::Cluster(support::Cluster::start(dir, 3))
        } else {
            say("ovsdb-server not found: starting 3 ovstest echo servers instead");
            let exe = std::env::current_exe().unwrap();
            let ovstest = exe.parent().unwrap().parent().unwrap().join("ovstest");
            let servers = (0..3)
                .map(|_| {
                    let port = support::free_port();
                    let child = Command::new(&ovstest)
                        .args(["test-jsonrpc", "listen", &format!("ptcp:{port}:127.0.0.1")])
                        .stdout(Stdio::null())
                        .spawn()
                        .expect("start ovstest (run `make` first)");
                    (format!("tcp:127.0.0.1:{port}"), child)
                })
                .collect();
            Servers::Echo(servers)
        }
    }

    fn remotes(&self) -> Vec<String> {
        match self {
            Servers::Cluster(c) => c.remotes(),
            Servers::Echo(v) => v.iter().map(|(r, _)| r.clone()).collect(),
        }
    }

    fn kill(&mut self, remote: &str) {
        match self {
            Servers::Cluster(c) => {
                if let Some(sv) = c.servers.iter_mut().find(|s| s.remote == remote) {
                    sv.kill();
                }
            }
            Servers::Echo(v) => {
                if let Some((_, child)) = v.iter_mut().find(|(r, _)| r == remote) {
                    let _ = child.kill();
                    let _ = child.wait();
                }
            }
        }
    }

    fn request(&self, n: i64) -> Msg {
        match self {
            Servers::Cluster(_) => {
                Msg::create_request("transact", support::insert_params(n, "demo"))
            }
            Servers::Echo(_) => Msg::create_request("echo", Json::array(vec![n.into()])),
        }
    }
}

impl Drop for Servers {
    fn drop(&mut self) {
        if let Servers::Echo(v) = self {
            for (_, child) in v.iter_mut() {
                let _ = child.kill();
                let _ = child.wait();
            }
        }
    }
}

fn say(line: &str) {
    let mut out = std::io::stdout();
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}

/// Runs one request to completion (resending after a reconnect). Returns
/// how long it took.
fn request(s: &mut JsonrpcSession, servers: &Servers, n: i64) -> i64 {
    let start = time_msec();
    if support::call_until_ok(s, || servers.request(n), start + 60_000).is_none() {
        say("giving up: no reply within 60 s");
        std::process::exit(1);
    }
    time_msec() - start
}

fn stats_line(s: &JsonrpcSession) -> String {
    let st = s.get_reconnect_stats();
    format!(
        "reconnect stats: state {}, {} successful connections out of {} attempts, seqno {}, backoff {} ms",
        st.state, st.n_successful_connections, st.n_attempted_connections, s.get_seqno(), st.backoff
    )
}

fn main() {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("ovsrpc=info"))
        .format_timestamp(None)
        .format_target(false)
        .init();
    let dir = support::TempDir::new("demo");
    let mut servers = Servers::start(dir.path());
    let remotes = servers.remotes();
    for (i, r) in remotes.iter().enumerate() {
        say(&format!("  server {}: {r}", i + 1));
    }

    let t0 = time_msec();
    let mut s = JsonrpcSession::open_multiple(&remotes, true);
    say(&format!(
        "session opened over {} remotes, shuffled once into: {}",
        s.get_n_remotes(),
        s.get_remotes().join(", ")
    ));

    let mut n = 0;
    let mut latencies = Vec::new();
    for _ in 0..200 {
        latencies.push(request(&mut s, &servers, n));
        n += 1;
    }
    latencies.sort();
    say(&format!(
        "connected to {} after {} ms; 200 requests answered, median {} ms, worst {} ms",
        s.get_name(),
        time_msec() - t0,
        latencies[100],
        latencies[199]
    ));
    say(&stats_line(&s));

    let victim = s.get_name().to_string();
    say(&format!(
        "killing the connected server {victim} with SIGKILL"
    ));
    let killed = time_msec();
    let seqno = s.get_seqno();
    servers.kill(&victim);
    // First the session itself: how long until it is connected elsewhere.
    if !support::wait_reconnected(&mut s, seqno, killed + 60_000) {
        say("giving up: not reconnected within 60 s");
        std::process::exit(1);
    }
    say(&format!(
        "the session reconnected to {} {} ms after the kill",
        s.get_name(),
        time_msec() - killed
    ));
    let took = request(&mut s, &servers, n);
    n += 1;
    say(&format!(
        "failover: the next request was answered {} ms after the kill (that request took {took} ms{})",
        time_msec() - killed,
        if matches!(servers, Servers::Cluster(_)) {
            "; if the killed server was the Raft leader this includes electing a new one"
        } else {
            ""
        }
    ));
    say(&stats_line(&s));

    let t1 = time_msec();
    for _ in 0..200 {
        request(&mut s, &servers, n);
        n += 1;
    }
    say(&format!(
        "200 more requests answered through {} in {} ms; {} requests in all, none lost",
        s.get_name(),
        time_msec() - t1,
        n
    ));
    say(&stats_line(&s));
}
