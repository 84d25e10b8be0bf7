//! Failover of an OVSDB client on a real 3-server Raft cluster holding
//! 10,000 rows, ovsrpc's `OvsdbCs` beside OVS's own Python IDL
//! (`ovs.db.idl` from python3-openvswitch), same cluster, same run: the
//! time from SIGKILL of the leader to monitoring the new leader, and the
//! bytes received from the servers in that time, against the bytes of the
//! full initial download; and ovsrpc again with the leader-search backoff
//! cap (`set_leader_search_backoff`, beyond OVS).
//!
//! After its initial load each client writes one row and sees it come
//! back as an update (OVS 3.1's Python IDL only learns the last
//! transaction id from such an update, not from the `monitor_cond_since`
//! reply; without it, it downloads everything again after a failover).
//! Each client kills the leader it is connected to itself, so that both
//! measure from the same moment with their own clock; the killed member is
//! restarted before the other client's turn.

#[path = "../tests/support/mod.rs"]
mod support;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use ovsrpc::json::{self, Json};
use ovsrpc::ovsdb::{Event, OvsdbCs, Replica, State};
use ovsrpc::timeval::time_msec;
use support::ovsdb::cs::{Client, RaftCluster};

/// Rows in the table under `cargo bench` (a smoke run under `cargo test`
/// has 1,000).
const BENCH_ROWS: usize = 10_000;
/// Failovers per client under `cargo bench` (one in a smoke run); medians
/// are reported (the backoff a client meets depends on where the election
/// stands when it comes by).
const BENCH_ROUNDS: usize = 5;

const PYTHON: &str = r#"
import json, os, signal, sys, time
import ovs.db.idl, ovs.poller, ovs.stream

received = [0]
_recv = ovs.stream.Stream.recv
def recv(self, n):
    error, data = _recv(self, n)
    if not error and data:
        received[0] += len(data)
    return error, data
ovs.stream.Stream.recv = recv

schema, remotes, pids, rows = sys.argv[1], sys.argv[2], json.loads(sys.argv[3]), int(sys.argv[4])
helper = ovs.db.idl.SchemaHelper(location=schema)
helper.register_table("Item")
idl = ovs.db.idl.Idl(remotes, helper, leader_only=True)

def run_until(cond, timeout):
    deadline = time.monotonic() + timeout
    while True:
        idl.run()
        if cond():
            return
        if time.monotonic() > deadline:
            sys.exit("python idl: timeout")
        poller = ovs.poller.Poller()
        idl.wait(poller)
        poller.timer_wait(int((deadline - time.monotonic()) * 1000) + 1)
        poller.block()

t0 = time.monotonic()
run_until(lambda: idl.state == idl.IDL_S_MONITORING and len(idl.tables["Item"].rows) == rows, 300)
full_ms, full = (time.monotonic() - t0) * 1000, received[0]
# One write after the load, so that an update3 brings a last id: the 3.1
# IDL does not take it from the monitor_cond_since reply.
txn = ovs.db.idl.Transaction(idl)
row = txn.insert(idl.tables["Item"])
row.n = -2
row.who = "python"
assert txn.commit_block() == ovs.db.idl.Transaction.SUCCESS
rows += 1
run_until(lambda: len(idl.tables["Item"].rows) == rows, 60)
leader = idl._session.get_name()
before = received[0]
os.kill(pids[leader], signal.SIGKILL)
t0 = time.monotonic()
run_until(lambda: idl._session.get_name() != leader and idl._session.is_connected()
          and idl.state == idl.IDL_S_MONITORING, 300)
ms = (time.monotonic() - t0) * 1000
assert len(idl.tables["Item"].rows) == rows
print(json.dumps({"killed": leader, "ms": ms, "bytes": received[0] - before,
                  "full": full, "full_ms": full_ms}))
"#;

fn drive(
    cs: &mut OvsdbCs,
    replica: &mut Replica,
    timeout_ms: i64,
    mut cond: impl FnMut(&OvsdbCs, &Replica) -> bool,
) {
    support::drive_within(timeout_ms, "the client's condition", || {
        for e in cs.run() {
            if let Event::Update(u) = e {
                replica.apply(&u).expect("update applies");
            }
        }
        if cond(cs, replica) {
            return true;
        }
        cs.wait();
        false
    });
}

fn main() {
    if !support::ovs_tools(&["ovsdb-server", "ovsdb-tool"]) || !support::require_python_ovs() {
        return;
    }
    let bench = std::env::args().any(|a| a == "--bench");
    let (rows_total, rounds) = if bench {
        (BENCH_ROWS, BENCH_ROUNDS)
    } else {
        (1_000, 1)
    };
    let dir = support::TempDir::new("bench-ovsdb-failover");
    let mut cluster = RaftCluster::demo(dir.path(), 3);
    let remotes = cluster.remotes();

    // 10,000 rows, 1,000 per transaction.
    let mut writer = Client::new(&remotes, true);
    writer.monitoring(60_000);
    for batch in 0..rows_total / 1000 {
        let ops: Vec<Json> = (0..1000)
            .map(|i| {
                let n = batch * 1000 + i;
                support::insert_op(n as i64, &format!("row {n} of the failover bench"))
            })
            .collect();
        let outcome = writer.transact(ops, 120_000);
        assert!(
            matches!(outcome, ovsrpc::ovsdb::TxnOutcome::Reply(ref r) if support::ovsdb::cs::committed(r))
        );
    }
    drop(writer);

    let script = dir.join("idl_failover.py");
    std::fs::write(&script, PYTHON).unwrap();
    let mut rows = rows_total;

    // ovsrpc: two clients through every round, one with OVS's backoff,
    // one with the leader-search cap.
    let mut clients = Vec::new();
    let mut full = (0, 0);
    for search_backoff in [0, 1000] {
        let mut cs = OvsdbCs::new("demo");
        cs.add_table("Item");
        cs.set_leader_search_backoff(search_backoff);
        cs.set_remote(Some(&remotes.join(",")), true);
        let mut replica = Replica::new();
        let t0 = time_msec();
        drive(&mut cs, &mut replica, 300_000, |cs, r| {
            cs.state() == State::Monitoring && r.n_rows("Item") == rows
        });
        full = (cs.received_bytes(), time_msec() - t0);
        clients.push((cs, replica, Vec::new()));
    }
    let (ours_full, ours_full_ms) = full;

    let mut python = Vec::new();
    let mut py_full = (0, 0.0);
    for round in 0..rounds {
        for (k, (cs, replica, results)) in clients.iter_mut().enumerate() {
            // One write (so that the client has a last id from an update,
            // as the Python side needs), then SIGKILL of its leader.
            let op = support::insert_op(-1 - (round * 2 + k) as i64, "ovsrpc");
            // (The connection may have gone with an earlier victim: send
            // once the client is monitoring again.)
            let mut sent = false;
            while !sent {
                drive(cs, replica, 120_000, |cs, _| cs.may_send_transaction());
                sent = cs.send_transaction(vec![op.clone()]).is_some();
            }
            rows += 1;
            drive(cs, replica, 60_000, |_, r| r.n_rows("Item") == rows);
            let leader = cs.server_info().unwrap().remote.clone();
            let victim = cluster.index_of(&leader);
            let before = cs.received_bytes();
            cluster.kill(victim);
            let t0 = time_msec();
            drive(cs, replica, 300_000, |cs, _| {
                cs.state() == State::Monitoring
                    && cs.server_info().is_some_and(|s| s.remote != leader)
            });
            results.push((time_msec() - t0, cs.received_bytes() - before));
            assert_eq!(replica.n_rows("Item"), rows);
            cluster.restart(victim);
        }

        // OVS's Python IDL: load, one write, SIGKILL of its leader.
        let pids: Json = cluster
            .members
            .iter()
            .map(|m| (m.remote.as_str(), Json::Integer(i64::from(m.pid))))
            .collect::<ovsrpc::json::Object>()
            .into();
        let mut child = Command::new("/usr/bin/python3")
            .arg(&script)
            .arg(dir.join("cluster.ovsschema"))
            .arg(remotes.join(","))
            .arg(pids.to_string())
            .arg(rows.to_string())
            .stdout(Stdio::piped())
            .spawn()
            .expect("run python3");
        let line = BufReader::new(child.stdout.take().unwrap())
            .lines()
            .next()
            .expect("a line from the Python IDL")
            .unwrap();
        assert!(child.wait().unwrap().success(), "python idl failed");
        rows += 1;
        let py = json::from_str(&line).unwrap();
        let killed = cluster.index_of(py.get("killed").and_then(Json::as_str).unwrap());
        python.push((
            py.get("ms").and_then(Json::as_f64).unwrap() as i64,
            py.get("bytes").and_then(Json::as_i64).unwrap() as u64,
        ));
        py_full = (
            py.get("full").and_then(Json::as_i64).unwrap(),
            py.get("full_ms").and_then(Json::as_f64).unwrap(),
        );
        cluster.restart(killed);
    }

    let median = |v: &[(i64, u64)]| {
        let mut ms: Vec<i64> = v.iter().map(|x| x.0).collect();
        let mut bytes: Vec<u64> = v.iter().map(|x| x.1).collect();
        ms.sort_unstable();
        bytes.sort_unstable();
        (ms[ms.len() / 2], bytes[bytes.len() / 2])
    };
    let ours = &clients[0].2;
    let fast = &clients[1].2;
    let (ours_ms, ours_bytes) = median(ours);
    let (fast_ms, fast_bytes) = median(fast);
    let (py_ms, py_bytes) = median(&python);
    println!(
        "ovsdb failover, 3-member Raft cluster, {rows_total} rows, {rounds} rounds each (ms, bytes):{}",
        if bench { "" } else { " [smoke run: use cargo bench]" }
    );
    println!(
        "  ovsrpc OvsdbCs: initial load {ours_full} bytes in {ours_full_ms} ms; SIGKILL of the leader to monitoring the new one: median {ours_ms} ms, {ours_bytes} bytes ({:.3}% of the full load); rounds {ours:?}",
        100.0 * ours_bytes as f64 / ours_full as f64
    );
    println!(
        "  ovsrpc OvsdbCs, leader-search backoff 1 s: median {fast_ms} ms, {fast_bytes} bytes ({:.3}%); rounds {fast:?}",
        100.0 * fast_bytes as f64 / ours_full as f64
    );
    println!(
        "  Python ovs.db.idl: initial load {} bytes in {:.0} ms; SIGKILL of the leader to monitoring the new one: median {py_ms} ms, {py_bytes} bytes ({:.3}% of the full load); rounds {python:?}",
        py_full.0,
        py_full.1,
        100.0 * py_bytes as f64 / py_full.0 as f64
    );
    println!(
        "  medians ovsrpc/python: failover time {:.2} (with the leader-search cap {:.2}), bytes after failover {:.2}",
        ours_ms as f64 / py_ms.max(1) as f64,
        fast_ms as f64 / py_ms.max(1) as f64,
        ours_bytes as f64 / py_bytes.max(1) as f64
    );
}
