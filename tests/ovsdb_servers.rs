//! The OVSDB client's choice of server against real ovsdb-servers on
//! 127.0.0.1: a relay is accepted unless only the leader will do; a schema
//! conversion (`monitor_canceled`) makes the client monitor again on the
//! same connection; a follower cut off from its cluster (its Raft port
//! black-holed with iptables on loopback) is left once `_Server` says it
//! is disconnected.

mod support;

use std::process::Command;

use ovsrpc::json;
use ovsrpc::ovsdb::{Event, State};
use support::ovsdb::cs::{Client, RaftCluster};

fn peers_present() -> bool {
    support::ovs_tools(&["ovsdb-server", "ovsdb-tool", "ovsdb-client", "ovs-appctl"])
}

#[test]
fn relay_is_accepted_when_not_leader_only_and_refused_when_leader_only() {
    if !peers_present() {
        return;
    }
    let dir = support::TempDir::new("ovsdb-relay");
    let cluster = RaftCluster::demo(dir.path(), 3);
    let relay = cluster.relay(dir.path());
    let mut writer = Client::new(&cluster.remotes(), true);
    writer.monitoring(60_000);
    writer.insert(7, "via-leader", 60_000);

    let mut any = Client::new(std::slice::from_ref(&relay.remote), false);
    any.run_until("relay monitored with the row", 60_000, |c| {
        c.cs.state() == State::Monitoring && c.replica.n_rows("Item") == 1
    });
    let info = any.cs.server_info().unwrap();
    assert_eq!((info.model.as_str(), info.leader), ("relay", false));

    let mut leader_only = Client::new(std::slice::from_ref(&relay.remote), true);
    leader_only.run_until("relay refused", 60_000, |c| {
        c.cs.last_retry_reason()
            .is_some_and(|r| r.contains("relay database server cannot be a leader"))
    });
    assert!(
        !leader_only
            .events
            .iter()
            .any(|e| matches!(e, Event::Connected(_))),
        "never settled on the relay"
    );
    assert_eq!(leader_only.replica.n_rows("Item"), 0);
}

#[test]
fn schema_conversion_cancels_the_monitor_and_the_client_monitors_again() {
    if !peers_present() {
        return;
    }
    let dir = support::TempDir::new("ovsdb-convert");
    let server = support::OvsdbServer::standalone(dir.path());
    let mut c = Client::new(std::slice::from_ref(&server.unix_remote), true);
    c.monitoring(30_000);
    c.insert(1, "v1", 30_000);
    c.run_until("row replicated", 30_000, |c| c.replica.n_rows("Item") == 1);
    assert!(c.cs.data_schema().unwrap().column("Item", "tags").is_none());
    let seqno = c.cs.session().unwrap().get_seqno();
    let mark = c.events.len();

    let v2 = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/ovsdb/demo-v2.ovsschema");
    let out = Command::new(support::find_tool("ovsdb-client").unwrap())
        .args(["--timeout=30", "convert", &server.unix_remote, v2])
        .output()
        .expect("run ovsdb-client convert");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    c.run_until("monitoring the converted database", 30_000, |c| {
        c.cs.state() == State::Monitoring
            && c.cs
                .data_schema()
                .is_some_and(|s| s.column("Item", "tags").is_some())
    });
    assert_eq!(
        c.cs.session().unwrap().get_seqno(),
        seqno,
        "same connection: monitor_canceled handled without reconnecting"
    );
    assert!(!c
        .events_since(mark)
        .iter()
        .any(|e| matches!(e, Event::Reconnect)));
    let row = c
        .replica
        .table("Item")
        .unwrap()
        .values()
        .next()
        .unwrap()
        .clone();
    assert_eq!(
        row.get("tags").unwrap().to_string(),
        r#"["set",[]]"#,
        "new column monitored"
    );

    let op = json::from_str(
        r#"{"op":"update","table":"Item","where":[],"row":{"tags":["set",["b","a"]]}}"#,
    )
    .unwrap();
    c.transact(vec![op], 30_000);
    c.run_until("tags replicated", 30_000, |c| {
        c.replica
            .table("Item")
            .unwrap()
            .values()
            .next()
            .unwrap()
            .get("tags")
            .unwrap()
            .to_string()
            == r#"["set",["a","b"]]"#
    });
    let server_rows = c.select_items(30_000);
    assert_eq!(c.replica.table("Item").unwrap(), &server_rows);
}

#[test]
fn follower_cut_off_from_its_cluster_is_left_once_server_says_disconnected() {
    if !peers_present() || support::require("iptables", "iptables").is_none() {
        return;
    }
    let dir = support::TempDir::new("ovsdb-partition");
    let mut cluster = RaftCluster::start_with(dir.path(), 3, support::SCHEMA, true);
    let cut = 2;
    if cluster.role(cut).as_deref() == Some("leader") {
        // Leadership moves away when the leader dies.
        cluster.kill(cut);
        cluster.restart(cut);
    }
    assert_eq!(cluster.role(cut).as_deref(), Some("follower"));
    let remotes = vec![
        cluster.members[cut].remote.clone(),
        cluster.members[0].remote.clone(),
    ];
    let mut c = Client::new(&remotes, false);
    c.monitoring(60_000);
    assert_eq!(c.cs.server_info().unwrap().remote, remotes[0]);

    // The rules go away when `_rules` drops, failure or not.
    let Some(_rules) = cluster.isolate() else {
        return;
    };
    let mark = c.events.len();
    c.run_until("left the cut-off follower", 60_000, |c| {
        c.events.iter().skip(mark).any(|e| {
            matches!(e, Event::Disconnected { remote, reason }
                if *remote == remotes[0] && reason.contains("disconnected from cluster"))
        })
    });
    c.run_until("monitoring another member", 60_000, |c| {
        c.cs.state() == State::Monitoring
            && c.cs.server_info().is_some_and(|s| s.remote == remotes[1])
    });
}

#[test]
fn cid_in_the_remote_pins_the_cluster() {
    if !peers_present() {
        return;
    }
    let dir = support::TempDir::new("ovsdb-cid");
    let cluster = RaftCluster::demo(dir.path(), 3);
    let out = Command::new(support::find_tool("ovsdb-tool").unwrap())
        .arg("db-cid")
        .arg(dir.join("m0.db"))
        .output()
        .expect("ovsdb-tool db-cid");
    let cid = String::from_utf8_lossy(&out.stdout).trim().to_string();
    assert_eq!(cid.len(), 36, "a cluster id: {cid:?}");

    let mut remotes = cluster.remotes();
    remotes.push(format!("cid:{cid}"));
    let mut c = Client::new(&remotes, true);
    c.monitoring(60_000);
    assert!(c.cs.server_info().unwrap().leader);

    let mut remotes = cluster.remotes();
    remotes.push("cid:00000000-0000-0000-0000-0000000000aa".to_string());
    let mut other = Client::new(&remotes, true);
    other.run_until("refused: another cluster", 60_000, |c| {
        c.cs.last_retry_reason() == Some("server does not have demo database")
    });
    assert!(!other
        .events
        .iter()
        .any(|e| matches!(e, Event::Connected(_))));
}
