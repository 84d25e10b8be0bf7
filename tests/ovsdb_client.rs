//! `OvsdbCs` against one real ovsdb-server (standalone, 127.0.0.1 and a
//! unix socket): `set_remote` keeping the live connection, locks (lock,
//! contention, steal, stolen), conditions changed with
//! `monitor_cond_change`, and typed rows through serde.

mod support;

use ovsrpc::json;
use ovsrpc::ovsdb::{Event, State, TxnOutcome};
use support::ovsdb::cs::{committed, Client};

fn peers_present() -> bool {
    support::ovs_tools(&["ovsdb-server", "ovsdb-tool"])
}

#[test]
fn set_remote_keeps_the_connection_while_its_remote_is_listed() {
    if !peers_present() {
        return;
    }
    let dir = support::TempDir::new("ovsdb-set-remote");
    let server = support::OvsdbServer::standalone(dir.path());
    let mut c = Client::new(std::slice::from_ref(&server.unix_remote), true);
    c.monitoring(30_000);
    let reconnects = |c: &Client| {
        c.events
            .iter()
            .filter(|e| matches!(e, Event::Reconnect))
            .count()
    };
    let before = reconnects(&c);

    // Still listed: the connection stays, no new monitor.
    let list = format!("tcp:127.0.0.1:1,{}", server.unix_remote);
    c.cs.set_remote(Some(&list), true);
    c.insert(1, "kept", 30_000);
    assert_eq!(reconnects(&c), before, "connection kept");
    assert_eq!(c.cs.state(), State::Monitoring);

    // Not listed: a new connection, to the server's tcp remote.
    c.cs.set_remote(Some(&server.remote), true);
    c.run_until("monitoring over tcp", 30_000, |c| {
        c.cs.state() == State::Monitoring
            && c.cs
                .server_info()
                .is_some_and(|s| s.remote == server.remote)
    });
    assert!(reconnects(&c) > before);
    assert_eq!(c.replica.n_rows("Item"), 1);
}

#[test]
fn locks_are_granted_contended_stolen_and_asserted() {
    if !peers_present() {
        return;
    }
    let dir = support::TempDir::new("ovsdb-locks");
    let server = support::OvsdbServer::standalone(dir.path());
    let remote = std::slice::from_ref(&server.unix_remote);
    let mut a = Client::new(remote, true);
    let mut b = Client::new(remote, true);
    a.monitoring(30_000);
    b.monitoring(30_000);

    a.cs.set_lock(Some("L"));
    a.run_until("a locked", 30_000, |c| c.events.contains(&Event::Locked));
    assert!(a.cs.has_lock());
    b.cs.set_lock(Some("L"));
    assert!(
        !b.cs.may_send_transaction(),
        "no transactions without the lock"
    );
    b.run_until("b contended", 30_000, |c| c.cs.is_lock_contended());
    assert!(!b.cs.has_lock());

    // The holder's transactions assert the lock and commit.
    a.insert(1, "holder", 30_000);

    b.cs.steal_lock("L");
    b.run_until("b locked by stealing", 30_000, |c| c.cs.has_lock());
    a.run_until("a told it was stolen", 30_000, |c| c.cs.is_lock_contended());
    assert!(!a.cs.has_lock());
    assert!(!a.cs.may_send_transaction());
    b.insert(2, "thief", 30_000);

    b.cs.set_lock(None);
    assert_eq!(b.cs.get_lock(), None);
    assert!(!b.cs.has_lock());
}

#[test]
fn conditions_change_the_monitored_rows() {
    if !peers_present() {
        return;
    }
    let dir = support::TempDir::new("ovsdb-conditions");
    let server = support::OvsdbServer::standalone(dir.path());
    let mut c = Client::new(std::slice::from_ref(&server.unix_remote), true);
    c.monitoring(30_000);
    for n in 0..6 {
        c.insert(n, "cond", 30_000);
    }
    c.run_until("all rows", 30_000, |c| c.replica.n_rows("Item") == 6);

    let seqno =
        c.cs.set_condition("Item", &json::from_str(r#"[["n","<",2]]"#).unwrap());
    assert_eq!(seqno, c.cs.get_condition_seqno() + 1);
    c.run_until("condition acknowledged", 30_000, |c| {
        c.cs.get_condition_seqno() == seqno
    });
    c.run_until("only n < 2", 30_000, |c| c.replica.n_rows("Item") == 2);

    // A new row that matches arrives; one that does not, does not.
    c.insert(1, "match", 30_000);
    c.insert(9, "no match", 30_000);
    c.run_until("matching row", 30_000, |c| c.replica.n_rows("Item") == 3);
    let seqno =
        c.cs.set_condition("Item", &json::from_str("[true]").unwrap());
    c.run_until("everything again", 30_000, |c| {
        c.cs.get_condition_seqno() == seqno && c.replica.n_rows("Item") == 8
    });
}

#[test]
fn rows_read_as_typed_values_and_transactions_report_errors() {
    if !peers_present() {
        return;
    }
    type Item = std::collections::BTreeMap<String, serde_json::Value>;
    let dir = support::TempDir::new("ovsdb-typed");
    let server = support::OvsdbServer::standalone(dir.path());
    let mut c = Client::new(std::slice::from_ref(&server.unix_remote), true);
    c.monitoring(30_000);
    c.insert(42, "typed", 30_000);
    c.run_until("row", 30_000, |c| c.replica.n_rows("Item") == 1);
    let rows = c.replica.rows_as::<Item>("Item").unwrap();
    let row = rows.values().next().unwrap();
    assert_eq!(row["n"], serde_json::json!(42));
    assert_eq!(row["who"], serde_json::json!("typed"));
    let uuid = rows.keys().next().unwrap();
    let one: Item = c.replica.row_as("Item", uuid).unwrap().unwrap();
    assert_eq!(&one, row);

    let bad = json::from_str(r#"{"op":"insert","table":"Nope","row":{}}"#).unwrap();
    match c.transact(vec![bad], 30_000) {
        TxnOutcome::Reply(r) => assert!(!committed(&r), "an error for an unknown table: {r}"),
        TxnOutcome::Unknown => panic!("the connection stayed up"),
    }
}

#[test]
fn probe_interval_set_before_set_remote_reaches_the_session() {
    use ovsrpc::jsonrpc::{Jsonrpc, MsgType};
    use ovsrpc::ovsdb::OvsdbCs;
    use ovsrpc::stream::PStream;

    // A peer that never answers: on a unix socket a session does not
    // probe by default, so an `echo` arriving means the interval was kept.
    let dir = support::TempDir::new("ovsdb-probe");
    let path = dir.join("silent.sock");
    let mut listener = PStream::open(&format!("punix:{}", path.display()), 0).unwrap();
    let mut cs = OvsdbCs::new("demo");
    cs.set_probe_interval(200);
    cs.set_remote(Some(&format!("unix:{}", path.display())), true);
    let mut peer: Option<Jsonrpc> = None;
    support::drive_within(30_000, "a probe from the client", || {
        cs.run();
        if peer.is_none() {
            if let Ok(stream) = listener.accept() {
                peer = Some(Jsonrpc::open(stream));
            }
        }
        if let Some(p) = &mut peer {
            p.run();
            if let Ok(msg) = p.recv() {
                if msg.msg_type == MsgType::Request && msg.method.as_deref() == Some("echo") {
                    return true;
                }
            }
        }
        cs.wait();
        listener.wait();
        if let Some(p) = &peer {
            p.wait();
            p.recv_wait();
        }
        false
    });
}
