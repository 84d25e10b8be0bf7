//! The OVSDB client against a real 3-server Raft cluster (Debian's
//! ovsdb-server 3.1 on 127.0.0.1): SIGKILL of the leader moves the client
//! to the new leader, resumed with `monitor_cond_since` (no full resync);
//! a transaction cut off by SIGKILL ends with an unknown outcome.

mod support;

use ovsrpc::ovsdb::{Event, State, TxnOutcome};
use ovsrpc::timeval::time_msec;
use support::ovsdb::cs::{Client, RaftCluster};

fn peers_present() -> bool {
    support::ovs_tools(&["ovsdb-server", "ovsdb-tool", "ovs-appctl"])
}

#[test]
fn leader_sigkill_resumes_on_the_new_leader_without_resync() {
    if !peers_present() {
        return;
    }
    let dir = support::TempDir::new("ovsdb-failover");
    let mut cluster = RaftCluster::demo(dir.path(), 3);
    let mut c = Client::new(&cluster.remotes(), true);
    c.monitoring(60_000);
    let first = c.cs.server_info().unwrap().clone();
    assert!(first.leader && first.model == "clustered");
    assert_eq!(
        cluster.role(cluster.index_of(&first.remote)).as_deref(),
        Some("leader")
    );
    assert_eq!(c.cs.monitor_version(), 3, "monitor_cond_since in use");

    for n in 0..20 {
        c.insert(n, "before", 60_000);
    }
    c.run_until("20 rows replicated", 30_000, |c| {
        c.replica.n_rows("Item") == 20
    });
    let last_id = c.cs.last_id().map(str::to_string);
    assert!(last_id.is_some());

    let leader = cluster.index_of(&first.remote);
    let mark = c.events.len();
    let killed_at = time_msec();
    cluster.kill(leader);
    c.run_until("monitoring a new leader", 60_000, |c| {
        c.cs.state() == State::Monitoring
            && c.cs.server_info().is_some_and(|s| s.remote != first.remote)
    });
    let failover_ms = time_msec() - killed_at;
    let now = c.cs.server_info().unwrap().clone();
    assert!(now.leader);
    println!(
        "ovsdb failover: {failover_ms} ms from SIGKILL of {} to monitoring {}",
        first.remote, now.remote
    );

    let after = c.events_since(mark);
    assert!(
        after
            .iter()
            .any(|e| matches!(e, Event::Disconnected { remote, .. } if *remote == first.remote)),
        "the lost leader is reported: {after:?}"
    );
    let resumed: Vec<_> = after
        .iter()
        .filter_map(|e| match e {
            Event::Update(u) if u.monitor_reply => Some(u),
            _ => None,
        })
        .collect();
    assert_eq!(
        resumed.len(),
        1,
        "one monitor reply after the failover: {after:?}"
    );
    assert_eq!(resumed[0].version, 3);
    assert!(
        !resumed[0].clear,
        "resumed from the last id, not a full resync"
    );
    assert!(
        resumed[0]
            .table_updates
            .get("Item")
            .and_then(|t| t.as_object())
            .is_none_or(|t| t.is_empty()),
        "nothing changed since the last id: no rows sent again"
    );
    assert_eq!(c.replica.n_rows("Item"), 20);

    // The new leader keeps the replica in step.
    c.insert(20, "after", 60_000);
    c.run_until("row 21 replicated", 30_000, |c| {
        c.replica.n_rows("Item") == 21
    });
    let server = c.select_items(30_000);
    assert_eq!(c.replica.table("Item").unwrap(), &server);
}

#[test]
fn transaction_cut_off_by_sigkill_is_of_unknown_outcome() {
    if !peers_present() {
        return;
    }
    let dir = support::TempDir::new("ovsdb-unknown");
    let mut cluster = RaftCluster::demo(dir.path(), 3);
    let mut c = Client::new(&cluster.remotes(), true);
    c.monitoring(60_000);
    c.insert(1, "first", 60_000);
    let leader = cluster.index_of(&c.cs.server_info().unwrap().remote);

    // Stopped, the leader cannot answer; killed, its connection drops.
    cluster.stop(leader);
    let op = support::insert_op(2, "cut");
    assert!(c.cs.may_send_transaction());
    let id = c.cs.send_transaction(vec![op]).expect("sent");
    assert_eq!(c.cs.n_transactions(), 1);
    // Let the request go out on the socket before the kill.
    c.run_until("request flushed", 10_000, |c| {
        c.cs.session().is_some_and(|s| s.get_backlog() == 0)
    });
    cluster.kill(leader);
    let mark = c.events.len();
    c.run_until("transaction ended", 60_000, |c| {
        c.events
            .iter()
            .skip(mark)
            .any(|e| matches!(e, Event::TxnReply { .. }))
    });
    let outcome = c
        .events_since(mark)
        .iter()
        .find_map(|e| match e {
            Event::TxnReply { id: i, outcome } if *i == id => Some(outcome.clone()),
            _ => None,
        })
        .expect("the transaction's own event");
    assert_eq!(outcome, TxnOutcome::Unknown);
    assert_eq!(c.cs.n_transactions(), 0, "not resent");

    // Whatever became of it, the client carries on with the new leader.
    c.monitoring(60_000);
    c.insert(3, "later", 60_000);
    let server = c.select_items(30_000);
    c.run_until("replica caught up", 30_000, |c| {
        c.replica.n_rows("Item") == server.len()
    });
    assert_eq!(c.replica.table("Item").unwrap(), &server);
}

#[test]
fn leader_search_backoff_caps_the_wait_while_looking_for_the_leader() {
    if !peers_present() {
        return;
    }
    let dir = support::TempDir::new("ovsdb-leader-search");
    let cluster = RaftCluster::demo(dir.path(), 3);
    let follower = (0..3)
        .find(|&i| cluster.role(i).as_deref() == Some("follower"))
        .expect("a follower");
    // Only a follower to go to: the client keeps looking for the leader.
    let mut c = Client::new(
        std::slice::from_ref(&cluster.members[follower].remote),
        true,
    );
    c.cs.set_leader_search_backoff(1000);
    let mut max_backoff = 0;
    c.run_until("five tries at the follower", 60_000, |c| {
        let stats = c.cs.session().unwrap().get_reconnect_stats();
        max_backoff = max_backoff.max(stats.backoff);
        c.events
            .iter()
            .filter(|e| matches!(e, Event::Reconnect))
            .count()
            >= 10
    });
    assert!(c
        .cs
        .last_retry_reason()
        .unwrap()
        .contains("not cluster leader"));
    assert!(
        max_backoff <= 1000,
        "backoff capped while searching: {max_backoff} ms"
    );
    assert!(!c.events.iter().any(|e| matches!(e, Event::Connected(_))));

    // Given the whole cluster, it settles on the leader, and the session's
    // usual maximum backoff returns.
    c.cs.set_remote(Some(&cluster.remotes().join(",")), true);
    c.monitoring(60_000);
    assert!(c.cs.server_info().unwrap().leader);
}
