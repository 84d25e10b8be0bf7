//! Monitors one table of an OVSDB database over several servers, following
//! the cluster leader (or any suitable member) as servers come and go.
//!
//! ```text
//! cluster-monitor [--any-server] [--duration SECONDS] DB TABLE REMOTE...
//! ```
//!
//! It connects to one of the REMOTEs (`tcp:IP:PORT`, `unix:PATH`, `ssl:...`)
//! and keeps a replica of TABLE, using only a cluster's leader unless
//! `--any-server` is given (then any member connected to its cluster, or a
//! relay, will do). It writes one JSON object per line on standard output:
//!
//! ```text
//! {"event":"connected","remote":"tcp:127.0.0.1:6641","leader":true}
//! {"event":"update","resync":true,"rows":3}
//! {"event":"disconnected","remote":"tcp:127.0.0.1:6641","reason":"End of file"}
//! {"event":"replica","table":"Item","rows":{"<uuid>":{"n":1,...},...}}
//! ```
//!
//! `connected` on each connection to a suitable server; `update` after each
//! update applied, `resync` true when the replica was cleared and loaded
//! whole, `rows` the replica's row count; `disconnected` when a connection
//! to a suitable server ends, with the reason; and when SECONDS have passed
//! (without `--duration`, never), the replica in OVSDB's JSON notation,
//! after which it exits 0.
//!
//! `RUST_LOG=ovsrpc=info` shows why servers are left.

use std::io::Write;
use std::process::ExitCode;

use ovsrpc::json::{Json, Object};
use ovsrpc::ovsdb::{Event, OvsdbCs, Replica};
use ovsrpc::poll_loop;
use ovsrpc::timeval::time_msec;

const USAGE: &str = "usage: cluster-monitor [--any-server] [--duration SECONDS] DB TABLE REMOTE...";

fn line(members: Vec<(&str, Json)>) {
    let object: Object = members.into_iter().collect();
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{}", Json::object(object));
    let _ = out.flush();
}

fn main() -> ExitCode {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("warn")).init();
    let mut args = std::env::args().skip(1).peekable();
    let mut any_server = false;
    let mut duration_ms = None;
    while let Some(a) = args.peek() {
        match a.as_str() {
            "--any-server" => any_server = true,
            "--duration" => {
                args.next();
                match args.peek().and_then(|s| s.parse::<f64>().ok()) {
                    Some(s) if s >= 0.0 => duration_ms = Some((s * 1000.0) as i64),
                    _ => {
                        eprintln!("{USAGE}");
                        return ExitCode::from(2);
                    }
                }
            }
            "-h" | "--help" => {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            _ => break,
        }
        args.next();
    }
    let rest: Vec<String> = args.collect();
    if rest.len() < 3 {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    }
    let (db, table, remotes) = (&rest[0], &rest[1], &rest[2..]);

    let mut cs = OvsdbCs::new(db);
    cs.set_leader_only(!any_server);
    // While an election runs, look for the new leader every second rather
    // than with a backoff growing to 8 s.
    cs.set_leader_search_backoff(1000);
    cs.add_table(table);
    cs.set_remote(Some(&remotes.join(",")), true);
    let mut replica = Replica::new();
    let deadline = duration_ms.map(|d| time_msec() + d);

    loop {
        for event in cs.run() {
            match event {
                Event::Connected(info) => line(vec![
                    ("event", "connected".into()),
                    ("remote", info.remote.into()),
                    ("leader", info.leader.into()),
                ]),
                Event::Disconnected { remote, reason } => line(vec![
                    ("event", "disconnected".into()),
                    ("remote", remote.into()),
                    ("reason", reason.into()),
                ]),
                Event::Update(update) => {
                    if let Err(e) = replica.apply(&update) {
                        log::warn!("{e}; asking for a full resync");
                        cs.flag_inconsistency();
                        continue;
                    }
                    line(vec![
                        ("event", "update".into()),
                        ("resync", update.clear.into()),
                        ("rows", Json::Integer(replica.n_rows(table) as i64)),
                    ]);
                }
                Event::Reconnect | Event::Locked | Event::TxnReply { .. } => {}
            }
        }
        if let Some(deadline) = deadline {
            if time_msec() >= deadline {
                break;
            }
            poll_loop::timer_wait_until(deadline);
        }
        cs.wait();
        poll_loop::block();
    }

    let rows: Object = replica
        .table(table)
        .into_iter()
        .flatten()
        .map(|(uuid, row)| (uuid.as_str(), Json::object(row.clone())))
        .collect();
    line(vec![
        ("event", "replica".into()),
        ("table", table.as_str().into()),
        ("rows", Json::object(rows)),
    ]);
    ExitCode::SUCCESS
}
