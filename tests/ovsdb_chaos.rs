//! A bounded chaos run against a real 3-server Raft cluster: for 60
//! seconds members are SIGKILLed and restarted, or SIGSTOPped and
//! continued (at most one down at a time), while one client transacts and
//! monitors. At the end the client's replica equals the database row for
//! row, and every transaction reported committed is in it.

mod support;

use std::collections::{BTreeMap, BTreeSet};

use ovsrpc::json::{self, Json};
use ovsrpc::ovsdb::{Event, State, TxnOutcome};
use ovsrpc::poll_loop;
use ovsrpc::timeval::time_msec;
use support::ovsdb::cs::{committed, Client, RaftCluster};

const CHAOS_MS: i64 = 60_000;
const STEP_MS: i64 = 3_000;

#[derive(Clone, Copy, Debug, PartialEq)]
enum Down {
    Killed(usize),
    Stopped(usize),
}

#[test]
fn chaos_keeps_the_replica_equal_to_the_database() {
    if !support::ovs_tools(&["ovsdb-server", "ovsdb-tool", "ovs-appctl"]) {
        return;
    }
    let dir = support::TempDir::new("ovsdb-chaos");
    let schema = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/ovsdb/demo-v2.ovsschema"
    ))
    .unwrap();
    let mut cluster = RaftCluster::start(dir.path(), 3, &schema);
    let mut c = Client::new(&cluster.remotes(), true);
    c.cs.set_probe_interval(1000);
    c.monitoring(60_000);

    let seed = fastrand::u64(..);
    println!("chaos seed {seed}");
    let mut rng = fastrand::Rng::with_seed(seed);
    let start = time_msec();
    let mut next_action = start + STEP_MS;
    let mut down: Option<Down> = None;
    let mut actions = Vec::new();

    // Transactions: n -> what it did; outcomes by n.
    let mut in_flight: Option<(Json, i64)> = None;
    let mut next_n = 0i64;
    let mut committed_inserts = BTreeSet::new();
    let mut deletes_tried = BTreeSet::new();
    let mut outcomes: BTreeMap<&str, usize> = BTreeMap::new();

    while time_msec() < start + CHAOS_MS {
        for event in c.cs.run() {
            match &event {
                Event::Update(u) => c.replica.apply(u).expect("update applies"),
                Event::TxnReply { id, outcome } => {
                    let (want, n) = in_flight.clone().expect("a transaction in flight");
                    assert_eq!(*id, want);
                    in_flight = None;
                    let kind = match outcome {
                        TxnOutcome::Reply(r) if committed(r) => {
                            if n % 5 != 4 {
                                committed_inserts.insert(n);
                            }
                            "committed"
                        }
                        TxnOutcome::Reply(_) => "failed",
                        TxnOutcome::Unknown => "unknown",
                    };
                    *outcomes.entry(kind).or_default() += 1;
                }
                _ => {}
            }
            c.events.push(event);
        }

        if in_flight.is_none() && c.cs.may_send_transaction() {
            let n = next_n;
            let op = if n % 5 == 4 {
                // Every fifth: delete an earlier row; also a modify of
                // another one's set column.
                json::from_str(&format!(
                    r#"[{{"op":"delete","table":"Item","where":[["n","==",{}]]}},
                        {{"op":"mutate","table":"Item","where":[["n","==",{}]],
                          "mutations":[["tags","insert",["set",["m{n}"]]]]}}]"#,
                    n - 4,
                    n - 3
                ))
                .unwrap()
            } else {
                json::from_str(&format!(
                    r#"[{{"op":"insert","table":"Item","row":{{"n":{n},"who":"chaos","tags":["set",["t{}","u"]]}}}}]"#,
                    n % 3
                ))
                .unwrap()
            };
            let ops = op.as_array().unwrap().to_vec();
            // As in OVS, sending can still fail when the connection broke
            // since the last run(): the transaction was not sent, and the
            // next pass tries again.
            if let Some(id) = c.cs.send_transaction(ops) {
                if n % 5 == 4 {
                    deletes_tried.insert(n - 4);
                }
                next_n += 1;
                in_flight = Some((id, n));
            }
        }

        if time_msec() >= next_action {
            let action = match down.take() {
                Some(Down::Killed(i)) => {
                    cluster.restart(i);
                    format!("restart m{i}")
                }
                Some(Down::Stopped(i)) => {
                    cluster.cont(i);
                    format!("cont m{i}")
                }
                None => {
                    let i = rng.usize(0..3);
                    if rng.bool() {
                        cluster.kill(i);
                        down = Some(Down::Killed(i));
                        format!("kill m{i}")
                    } else {
                        cluster.stop(i);
                        down = Some(Down::Stopped(i));
                        format!("stop m{i}")
                    }
                }
            };
            actions.push(action);
            next_action = time_msec() + STEP_MS;
        }

        c.cs.wait();
        poll_loop::timer_wait_until(next_action.min(start + CHAOS_MS));
        poll_loop::block();
    }
    match down {
        Some(Down::Killed(i)) => cluster.restart(i),
        Some(Down::Stopped(i)) => cluster.cont(i),
        None => {}
    }
    println!("chaos: {actions:?}; transactions {outcomes:?}");

    // Settle: the last transaction ends, the client monitors a leader.
    c.run_until("settled", 60_000, |c| {
        c.cs.state() == State::Monitoring && c.cs.n_transactions() == 0
    });
    let server = c.select_items(60_000);
    c.run_until("replica equals the database", 30_000, |c| {
        c.replica
            .table("Item")
            .map_or(server.is_empty(), |t| *t == server)
    });
    let present: BTreeSet<i64> = server
        .values()
        .map(|row| row.get("n").unwrap().as_i64().unwrap())
        .collect();
    let missing: Vec<_> = committed_inserts
        .iter()
        .filter(|n| !deletes_tried.contains(n) && !present.contains(n))
        .collect();
    assert!(missing.is_empty(), "committed inserts missing: {missing:?}");
    assert!(
        outcomes.get("committed").copied().unwrap_or(0) > 10,
        "the run committed transactions: {outcomes:?}"
    );
    assert!(actions.len() >= 4, "the run did some chaos: {actions:?}");
}
