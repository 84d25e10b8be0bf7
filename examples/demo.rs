//! `make demo`: one JSON-RPC session over three local servers survives the
//! loss of the one it is connected to.
//!
//! With Debian's `ovsdb-server` installed the three servers are a real OVSDB
//! Raft cluster and the requests are `transact` inserts; without it they are
//! three `ovstest test-jsonrpc` echo servers and the requests are `echo`.
//!
//! The demo also serves a unixctl control socket with the session's status
//! commands (`session/status`, `session/remotes`,
//! `session/connection-status`, `session/reconnect`) and, at the end, asks
//! it with `ovs-appctl` (or, without it, with ovsrpc's own unixctl client).

#[path = "../tests/support/mod.rs"]
mod support;

use std::io::Write;
use std::process::{Command, Stdio};

use ovsrpc::json::Json;
use ovsrpc::jsonrpc::{JsonrpcSession, Msg};
use ovsrpc::poll_loop;
use ovsrpc::timeval::time_msec;
use ovsrpc::unixctl::{register_session_commands, UnixctlClient, UnixctlServer};

/// The three servers, whichever kind they are.
enum Servers {
    Cluster(support::ovsdb::cs::RaftCluster),
    Echo(Vec<(String, std::process::Child)>),
}

impl Servers {
    fn start(dir: &std::path::Path) -> Servers {
        if support::find_tool("ovsdb-server").is_some()
            && support::find_tool("ovsdb-tool").is_some()
        {
            say("starting a 3-server OVSDB Raft cluster on 127.0.0.1 (ovsdb-tool, ovsdb-server)");
            Servers::Cluster(support::ovsdb::cs::RaftCluster::demo(dir, 3))
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
                if let Some(sv) = c.members.iter_mut().find(|s| s.remote == remote) {
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

/// Runs `ovs-appctl -t CTL ARGS...` against the demo's control socket
/// (ovsrpc's own client if ovs-appctl is not installed), serving the
/// socket and the session meanwhile, and prints the answer.
fn appctl(unixctl: &mut UnixctlServer<JsonrpcSession>, s: &mut JsonrpcSession, args: &[&str]) {
    let path = unixctl.get_path().to_path_buf();
    let appctl = support::find_tool("ovs-appctl");
    say(&format!(
        "$ {} -t {} {}",
        if appctl.is_some() {
            "ovs-appctl"
        } else {
            "(ovsrpc's unixctl client)"
        },
        path.display(),
        args.join(" ")
    ));
    let owned: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    let asker = std::thread::spawn(move || match appctl {
        Some(appctl) => Command::new(appctl)
            .arg("-t")
            .arg(&path)
            .args(&owned)
            .output()
            .map(|o| {
                String::from_utf8_lossy(&o.stdout).into_owned()
                    + &String::from_utf8_lossy(&o.stderr)
            })
            .unwrap_or_else(|e| format!("ovs-appctl: {e}\n")),
        None => {
            let reply = UnixctlClient::create_at(&path)
                .and_then(|mut c| c.transact(&owned[0], &owned[1..]));
            match reply {
                Ok(Ok(text)) | Ok(Err(text)) => text,
                Err(e) => format!("error: {e}\n"),
            }
        }
    });
    let answered = support::drive_until(time_msec() + 10_000, || {
        if asker.is_finished() {
            return true;
        }
        unixctl.run(s);
        s.run();
        while s.recv().is_some() {}
        unixctl.wait();
        s.wait();
        s.recv_wait();
        // The asker is a thread, not a poll event: look again every 5 ms.
        poll_loop::timer_wait(5);
        false
    });
    if answered {
        for line in asker.join().unwrap_or_default().lines() {
            say(&format!("    {line}"));
        }
    } else {
        say("    (no answer within 10 s)");
    }
}

fn main() {
    // env_logger's output, with levels that `vlog/set` can change.
    let mut output = env_logger::Builder::new();
    output.format_timestamp(None).format_target(false);
    let _ = ovsrpc::vlog::init_env_logger(output, "ovsrpc=info");
    let dir = support::TempDir::new("demo");
    let mut servers = Servers::start(dir.path());
    let remotes = servers.remotes();
    for (i, r) in remotes.iter().enumerate() {
        say(&format!("  server {}: {r}", i + 1));
    }

    let t0 = time_msec();
    let mut s = JsonrpcSession::open_multiple(&remotes, true);
    let mut unixctl: UnixctlServer<JsonrpcSession> =
        UnixctlServer::create(dir.join("demo.ctl").to_str()).expect("control socket");
    register_session_commands(&mut unixctl, "session", |s| s);
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

    appctl(&mut unixctl, &mut s, &["session/status"]);
    appctl(&mut unixctl, &mut s, &["session/remotes"]);
}
