//! `examples/cluster_monitor.rs` (`cluster-monitor`) against a real 3-server
//! Raft cluster: its JSON lines as the leader is SIGKILLed, and the replica
//! it prints at the end against the database.

mod support;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use ovsrpc::json::{self, Json};
use support::ovsdb::cs::{Client, RaftCluster};

#[test]
fn cluster_monitor_follows_the_leader_and_prints_the_replica() {
    if !support::ovs_tools(&["ovsdb-server", "ovsdb-tool"]) {
        return;
    }
    let dir = support::TempDir::new("ovsdb-example");
    let mut cluster = RaftCluster::demo(dir.path(), 3);
    let mut writer = Client::new(&cluster.remotes(), true);
    writer.monitoring(60_000);
    for n in 0..5 {
        writer.insert(n, "first", 60_000);
    }

    let mut child = Command::new(support::example_path("cluster-monitor"))
        .args(["--duration", "20", "demo", "Item"])
        .args(cluster.remotes())
        .stdout(Stdio::piped())
        .spawn()
        .expect("start cluster-monitor");
    let (tx, rx) = mpsc::channel();
    let stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let next = || -> Json {
        let line = rx
            .recv_timeout(Duration::from_secs(60))
            .expect("a line from cluster-monitor");
        json::from_str(&line).unwrap_or_else(|e| panic!("not JSON: {line}: {e}"))
    };

    let connected = next();
    assert_eq!(connected.get("event").unwrap().as_str(), Some("connected"));
    assert_eq!(connected.get("leader"), Some(&Json::Boolean(true)));
    let leader = connected
        .get("remote")
        .unwrap()
        .as_str()
        .unwrap()
        .to_string();
    let first = next();
    assert_eq!(
        first.to_string(),
        r#"{"event":"update","resync":true,"rows":5}"#
    );

    cluster.kill(cluster.index_of(&leader));
    let mut lines = Vec::new();
    loop {
        let l = next();
        lines.push(l.clone());
        if l.get("event").unwrap().as_str() == Some("update") {
            break;
        }
    }
    assert!(
        lines
            .iter()
            .any(|l| l.get("event").unwrap().as_str() == Some("disconnected")
                && l.get("remote").unwrap().as_str() == Some(&leader)),
        "{lines:?}"
    );
    let again = lines
        .iter()
        .find(|l| l.get("event").unwrap().as_str() == Some("connected"))
        .expect("connected again");
    assert_ne!(again.get("remote").unwrap().as_str(), Some(leader.as_str()));
    assert_eq!(
        lines.last().unwrap().to_string(),
        r#"{"event":"update","resync":false,"rows":5}"#,
        "resumed, not reloaded"
    );

    writer.insert(5, "second", 60_000);
    let server = writer.select_items(60_000);
    let replica = loop {
        let l = next();
        if l.get("event").unwrap().as_str() == Some("replica") {
            break l;
        }
    };
    assert!(child.wait().expect("wait").success());
    assert_eq!(replica.get("table").unwrap().as_str(), Some("Item"));
    let rows = replica.get("rows").unwrap().as_object().unwrap();
    assert_eq!(rows.len(), server.len());
    for (uuid, row) in &server {
        assert_eq!(
            rows.get(uuid),
            Some(&Json::object(row.clone())),
            "row {uuid}"
        );
    }
}
