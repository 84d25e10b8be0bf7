//! Helpers for the tests of the OVSDB client (`ovsrpc::ovsdb`): a Raft cluster that remembers its
//! members' Raft ports and control sockets, a relay in front of it, and a
//! client ([`OvsdbCs`] plus [`Replica`]) driven by the poll loop until a
//! condition holds.

use std::path::{Path, PathBuf};
use std::process::Command;

use ovsrpc::json::{self, Json, Object};
use ovsrpc::ovsdb::{Event, OvsdbCs, Replica, TxnOutcome};
use ovsrpc::timeval::time_msec;

use super::super::process::signal;
use super::super::{drive_until, find_tool};
use super::{run, DropRule, OvsdbServer, SCHEMA};

/// The group the isolatable member of a cluster runs as (`nogroup`), so
/// that iptables' owner match can pick out the packets it sends.
pub const ISOLATED_GID: u32 = 65534;

/// A Raft cluster of ovsdb-servers on 127.0.0.1 serving database `demo`.
pub struct RaftCluster {
    /// The members, in creation order.
    pub members: Vec<OvsdbServer>,
    /// Each member's Raft port.
    pub raft_ports: Vec<u16>,
    /// Each member's unixctl socket.
    pub ctls: Vec<PathBuf>,
    /// Members stopped with SIGSTOP.
    pub stopped: Vec<bool>,
}

impl RaftCluster {
    /// Creates and starts an `n`-member cluster over `schema` in `dir` and
    /// waits (through `ovsdb-client wait`, no polling) until each member is
    /// connected to the cluster.
    pub fn start(dir: &Path, n: usize, schema: &str) -> RaftCluster {
        RaftCluster::start_with(dir, n, schema, false)
    }

    /// [`start`](Self::start), with the last member running under group
    /// [`ISOLATED_GID`] when `isolatable`, so that [`isolate`](Self::isolate)
    /// can cut it off.
    pub fn start_with(dir: &Path, n: usize, schema: &str, isolatable: bool) -> RaftCluster {
        let (raft_ports, dbs) = super::create_cluster_dbs(dir, n, schema, "m");
        let members: Vec<OvsdbServer> = (0..n)
            .map(|i| {
                let gid = (isolatable && i == n - 1).then_some(ISOLATED_GID);
                OvsdbServer::start_as(dir, &format!("m{i}"), &dbs[i], 0, gid)
            })
            .collect();
        let cluster = RaftCluster {
            ctls: (0..n).map(|i| dir.join(format!("m{i}.ctl"))).collect(),
            members,
            raft_ports,
            stopped: vec![false; n],
        };
        for i in 0..n {
            cluster.wait_connected(i);
        }
        cluster
    }

    /// A cluster over the tests' usual schema ([`SCHEMA`]).
    pub fn demo(dir: &Path, n: usize) -> RaftCluster {
        RaftCluster::start(dir, n, SCHEMA)
    }

    /// The members' `tcp:` remotes.
    pub fn remotes(&self) -> Vec<String> {
        self.members.iter().map(|s| s.remote.clone()).collect()
    }

    /// The index of the member with `remote`.
    pub fn index_of(&self, remote: &str) -> usize {
        self.members
            .iter()
            .position(|m| m.remote == remote)
            .unwrap_or_else(|| panic!("{remote} is not a member"))
    }

    /// Blocks in `ovsdb-client wait` until member `i` is connected to the
    /// cluster (at most 60 s).
    pub fn wait_connected(&self, i: usize) {
        run(
            Command::new(find_tool("ovsdb-client").expect("ovsdb-client"))
                .arg("--timeout=60")
                .arg("wait")
                .arg(&self.members[i].unix_remote)
                .arg("demo")
                .arg("connected"),
        );
    }

    /// Member `i`'s Raft role (`leader`, `follower`, `candidate`), from
    /// `ovs-appctl cluster/status`.
    pub fn role(&self, i: usize) -> Option<String> {
        let out = Command::new(find_tool("ovs-appctl")?)
            .arg("-t")
            .arg(&self.ctls[i])
            .args(["cluster/status", "demo"])
            .output()
            .ok()?;
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .find_map(|l| l.strip_prefix("Role: ").map(str::to_string))
    }

    /// Cuts the isolatable member (the last) off from the other members:
    /// drops every loopback packet to or from its Raft port and every
    /// packet it sends to theirs. The rules go when the returned value
    /// drops. `None` (after a loud message, or a panic under CI) when
    /// iptables cannot add rules.
    pub fn isolate(&self) -> Option<Vec<DropRule>> {
        let last = self.members.len() - 1;
        let (a, b) = DropRule::all_of(self.raft_ports[last])?;
        let peers: Vec<String> = self.raft_ports[..last].iter().map(u16::to_string).collect();
        let c = DropRule::add(
            "OUTPUT",
            &[
                "-m",
                "owner",
                "--gid-owner",
                &ISOLATED_GID.to_string(),
                "-m",
                "multiport",
                "--dports",
                &peers.join(","),
            ],
        )?;
        Some(vec![a, b, c])
    }

    /// SIGKILLs member `i` (a stopped one dies without running again).
    pub fn kill(&mut self, i: usize) {
        self.stopped[i] = false;
        self.members[i].kill();
    }

    /// Restarts a killed member `i` and waits until it is connected.
    pub fn restart(&mut self, i: usize) {
        self.members[i].restart();
        self.wait_connected(i);
    }

    /// SIGSTOPs member `i`.
    pub fn stop(&mut self, i: usize) {
        signal(self.members[i].pid, "STOP");
        self.stopped[i] = true;
    }

    /// SIGCONTs member `i`.
    pub fn cont(&mut self, i: usize) {
        signal(self.members[i].pid, "CONT");
        self.stopped[i] = false;
    }

    /// Starts a relay (`relay:demo:REMOTES`) in front of the cluster.
    pub fn relay(&self, dir: &Path) -> OvsdbServer {
        let source = format!("relay:demo:{}", self.remotes().join(","));
        OvsdbServer::start(dir, "relay", Path::new(&source), 0)
    }
}

impl Drop for RaftCluster {
    fn drop(&mut self) {
        for i in 0..self.members.len() {
            if self.stopped[i] {
                signal(self.members[i].pid, "CONT");
            }
        }
    }
}

/// An [`OvsdbCs`] with its [`Replica`] and every event it reported.
pub struct Client {
    /// The client.
    pub cs: OvsdbCs,
    /// The replica its updates were applied to.
    pub replica: Replica,
    /// Every event so far, in order.
    pub events: Vec<Event>,
}

impl Client {
    /// A client of `demo` over `remotes` (kept in the order given).
    pub fn new(remotes: &[String], leader_only: bool) -> Client {
        let mut cs = OvsdbCs::new("demo");
        cs.set_leader_only(leader_only);
        cs.set_shuffle_remotes(false);
        cs.set_remote(Some(&remotes.join(",")), true);
        Client {
            cs,
            replica: Replica::new(),
            events: Vec::new(),
        }
    }

    /// Runs the client in the poll loop until `cond` holds; panics naming
    /// `what` if it does not within `timeout_ms`.
    pub fn run_until(
        &mut self,
        what: &str,
        timeout_ms: i64,
        mut cond: impl FnMut(&Client) -> bool,
    ) {
        let done = drive_until(time_msec() + timeout_ms, || {
            for event in self.cs.run() {
                if let Event::Update(u) = &event {
                    if let Err(e) = self.replica.apply(u) {
                        panic!("update did not apply: {e}");
                    }
                }
                self.events.push(event);
            }
            if cond(self) {
                return true;
            }
            self.cs.wait();
            false
        });
        assert!(
            done,
            "{what}: not within {timeout_ms} ms; state {}, events {:?}",
            self.cs.state(),
            self.events.iter().rev().take(8).collect::<Vec<_>>()
        );
    }

    /// Runs until the client is monitoring.
    pub fn monitoring(&mut self, timeout_ms: i64) {
        self.run_until("monitoring", timeout_ms, |c| {
            c.cs.state() == ovsrpc::ovsdb::State::Monitoring
        });
    }

    /// Sends `ops` as soon as the client may, and runs until the
    /// transaction ends; returns its outcome.
    pub fn transact(&mut self, ops: Vec<Json>, timeout_ms: i64) -> TxnOutcome {
        let deadline = time_msec() + timeout_ms;
        let mut id = None;
        loop {
            if id.is_none() && self.cs.may_send_transaction() {
                id = self.cs.send_transaction(ops.clone());
            }
            let seen = self.events.len();
            let left = (deadline - time_msec()).max(1);
            let want = id.clone();
            self.run_until("transaction", left, |c| {
                c.events.len() > seen || (want.is_none() && c.cs.may_send_transaction())
            });
            if let Some(want) = &id {
                for e in &self.events[seen..] {
                    if let Event::TxnReply { id, outcome } = e {
                        if id == want {
                            return outcome.clone();
                        }
                    }
                }
            }
        }
    }

    /// Inserts `{"n": n, "who": who}` until a reply says it committed;
    /// unknown outcomes are retried (the row may then be there twice).
    pub fn insert(&mut self, n: i64, who: &str, timeout_ms: i64) {
        let deadline = time_msec() + timeout_ms;
        loop {
            let op = super::insert_op(n, who);
            if let TxnOutcome::Reply(r) = self.transact(vec![op], (deadline - time_msec()).max(1)) {
                if committed(&r) {
                    return;
                }
            }
            assert!(time_msec() < deadline, "insert {n} did not commit");
        }
    }

    /// The rows of `Item` as the server has them now (a `select` through
    /// this client), by UUID, without `_uuid` and `_version`.
    pub fn select_items(&mut self, timeout_ms: i64) -> std::collections::BTreeMap<String, Object> {
        let op = json::from_str(r#"{"op":"select","table":"Item","where":[]}"#).unwrap();
        let deadline = time_msec() + timeout_ms;
        loop {
            if let TxnOutcome::Reply(r) =
                self.transact(vec![op.clone()], (deadline - time_msec()).max(1))
            {
                if committed(&r) {
                    let rows = r
                        .result
                        .as_ref()
                        .unwrap()
                        .at(0)
                        .unwrap()
                        .get("rows")
                        .unwrap();
                    let mut out = std::collections::BTreeMap::new();
                    for row in rows.as_array().unwrap() {
                        let mut row = row.as_object().unwrap().clone();
                        let uuid = row.remove("_uuid").unwrap();
                        row.remove("_version");
                        out.insert(uuid.at(1).unwrap().as_str().unwrap().to_string(), row);
                    }
                    return out;
                }
            }
            assert!(time_msec() < deadline, "select did not complete");
        }
    }

    /// Events from index `from` on.
    pub fn events_since(&self, from: usize) -> &[Event] {
        &self.events[from..]
    }
}

/// True when a `transact` reply is a success with no operation failing.
pub fn committed(reply: &ovsrpc::jsonrpc::Msg) -> bool {
    reply
        .result
        .as_ref()
        .and_then(Json::as_array)
        .is_some_and(|ops| ops.iter().all(|op| op.get("error").is_none()))
}
