//! A real 3-server OVSDB Raft cluster (Debian's ovsdb-tool and
//! ovsdb-server, started by the test on loopback): one session over the
//! three `tcp:` remotes keeps inserting while the server it is connected to
//! is SIGKILLed; the session moves to another member and every
//! acknowledged insert is in the database afterwards.

mod support;

use std::collections::BTreeSet;

use ovsrpc::json::{self, Json};
use ovsrpc::jsonrpc::{JsonrpcSession, Msg};
use ovsrpc::timeval::time_msec;

fn insert_op(n: i64) -> Json {
    support::insert_params(n, "session_cluster")
}

/// Sends `params` as a `transact` and waits for a successful reply,
/// resending after a reconnect or an error reply. Returns the reply.
fn transact(s: &mut JsonrpcSession, params: &Json, deadline: i64) -> Msg {
    support::call_until_ok(
        s,
        || Msg::create_request("transact", params.clone()),
        deadline,
    )
    .expect("transact did not complete in time")
}

#[test]
fn cluster_failover_keeps_every_acknowledged_insert() {
    if !support::ovs_tools(&["ovsdb-server", "ovsdb-tool"]) {
        return;
    }
    let dir = support::TempDir::new("cluster");
    let mut cluster = support::ovsdb::cs::RaftCluster::demo(dir.path(), 3);
    let remotes = cluster.remotes();
    let mut s = JsonrpcSession::open_multiple(&remotes, true);
    let deadline = time_msec() + 120_000;

    let mut acked = BTreeSet::new();
    for n in 0..20 {
        transact(&mut s, &insert_op(n), deadline);
        acked.insert(n);
    }

    // Kill the member the session is connected to.
    let victim = cluster
        .members
        .iter()
        .position(|sv| sv.remote == s.get_name())
        .expect("connected to a member");
    let seqno = s.get_seqno();
    let killed_at = time_msec();
    cluster.members[victim].kill();
    transact(&mut s, &insert_op(20), deadline);
    let failover_ms = time_msec() - killed_at;
    acked.insert(20);
    assert_ne!(s.get_seqno(), seqno, "the session reconnected");
    assert_ne!(s.get_name(), remotes[victim], "to another member");
    println!(
        "cluster failover: {failover_ms} ms from SIGKILL of {} to the next acknowledged insert via {}",
        remotes[victim],
        s.get_name()
    );
    eprintln!("cluster failover: {failover_ms} ms");

    for n in 21..40 {
        transact(&mut s, &insert_op(n), deadline);
        acked.insert(n);
    }

    // Every acknowledged insert is there (a few unacknowledged ones may be
    // too: a request lost with the connection may still have committed).
    let select = json::from_str(
        r#"["demo", {"op": "select", "table": "Item", "where": [], "columns": ["n"]}]"#,
    )
    .unwrap();
    let reply = transact(&mut s, &select, deadline);
    let rows = reply.result.as_ref().unwrap().as_array().unwrap()[0]
        .get("rows")
        .unwrap()
        .as_array()
        .unwrap()
        .to_vec();
    let present: BTreeSet<i64> = rows
        .iter()
        .map(|r| r.get("n").unwrap().as_i64().unwrap())
        .collect();
    let missing: Vec<_> = acked.difference(&present).collect();
    assert!(
        missing.is_empty(),
        "acknowledged inserts missing: {missing:?}"
    );
    let mut counts = std::collections::BTreeMap::new();
    for r in &rows {
        *counts
            .entry(r.get("n").unwrap().as_i64().unwrap())
            .or_insert(0) += 1;
    }
    assert!(
        counts.values().all(|&c| c <= 2),
        "an insert resent after a failover may appear twice, never more: {counts:?}"
    );
}
