//! [`OvsdbCs`]: the cluster-aware OVSDB client over a
//! [`JsonrpcSession`] (OVS's `struct ovsdb_cs`).

use std::collections::BTreeSet;

use crate::error::retval_to_string;
use crate::json::Json;
use crate::jsonrpc::{JsonrpcSession, RemoteOrder, SessionOpenOptions};
use crate::ovsdb::event::{Event, ServerInfo};
use crate::ovsdb::machine::{Machine, Output};
use crate::ovsdb::schema::Schema;
use crate::ovsdb::state::State;
use crate::ovsdb::update::is_uuid;

/// Most messages handled per [`OvsdbCs::run`], as OVS does.
const MAX_MSGS_PER_RUN: usize = 50;

/// A client of one database on an OVSDB server or cluster
/// (`struct ovsdb_cs`).
///
/// On every connection it reads the server's `_Server` database, leaves a
/// server that cannot serve the database well (see
/// [`set_leader_only`](Self::set_leader_only)), and monitors the data with
/// `monitor_cond_since` so that after a reconnect only what changed since
/// the last transaction it saw comes again.
///
/// # Main loop
///
/// Each pass: [`run`](Self::run) and handle the events it returns (apply
/// [`Event::Update`]s to a [`Replica`](super::Replica), match
/// [`Event::TxnReply`]s); send transactions with
/// [`send_transaction`](Self::send_transaction); then
/// [`wait`](Self::wait) and [`poll_loop::block`](crate::poll_loop::block).
#[derive(Debug)]
pub struct OvsdbCs {
    session: Option<JsonrpcSession>,
    remote: Option<String>,
    state_seqno: Option<u32>,
    shuffle_remotes: bool,
    probe_interval: Option<i32>,
    /// Beyond OVS: the session's maximum backoff while looking for the
    /// leader (0: OVS's behaviour), and whether it is lowered now.
    leader_search_backoff: i32,
    backoff_lowered: bool,
    m: Machine,
    /// The remote of the suitable server this connection settled on.
    connected_remote: Option<String>,
    /// Bytes received over all connections, and the connection (seqno) and
    /// its count at the last look.
    received_bytes: u64,
    bytes_seqno: u32,
    bytes_seen: u64,
}

/// Splits `remote` (comma-separated names, optionally one `cid:UUID`
/// pinning a cluster id) into names and cid (`ovsdb_session_parse_remote`).
pub fn parse_remote(remote: &str) -> (Vec<String>, Option<String>) {
    let mut names: Vec<String> = remote
        .split(',')
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect();
    let mut cid = None;
    if let Some(i) = names
        .iter()
        .position(|n| n.strip_prefix("cid:").is_some_and(is_uuid))
    {
        cid = Some(names.remove(i)[4..].to_ascii_lowercase());
    }
    (names, cid)
}

impl OvsdbCs {
    /// A client for database `db_name`, not connected yet: give it remotes
    /// with [`set_remote`](Self::set_remote). Defaults as OVS's: leader
    /// only, remotes shuffled, db-change-aware (`ovsdb_cs_create`).
    pub fn new(db_name: &str) -> OvsdbCs {
        OvsdbCs {
            session: None,
            remote: None,
            state_seqno: None,
            shuffle_remotes: true,
            probe_interval: None,
            leader_search_backoff: 0,
            backoff_lowered: false,
            m: Machine::new(db_name),
            connected_remote: None,
            received_bytes: 0,
            bytes_seqno: u32::MAX,
            bytes_seen: 0,
        }
    }

    /// Connects to `remote`: one or more comma-separated names
    /// (`tcp:IP:PORT`, `unix:PATH`, `ssl:...`), optionally with `cid:UUID`
    /// to accept only servers of that cluster. With `retry`, reconnects
    /// when a connection fails. `None` disconnects. When the new list still
    /// holds the remote connected now (and the cluster id is the same), the
    /// connection is kept (`ovsdb_cs_set_remote`), unless the client is
    /// leaving that server.
    pub fn set_remote(&mut self, remote: Option<&str>, retry: bool) {
        if remote == self.remote.as_deref() {
            return;
        }
        let old_cid = self.m.cid.clone();
        let rpc = self.session.take().and_then(JsonrpcSession::steal);
        self.remote = None;
        let Some(remote) = remote else {
            self.state_seqno = None;
            return;
        };
        let (names, cid) = parse_remote(remote);
        self.m.cid = cid;
        let options = SessionOpenOptions {
            order: if self.shuffle_remotes {
                RemoteOrder::Random
            } else {
                RemoteOrder::AsGiven
            },
            ..SessionOpenOptions::default()
        };
        let mut session = JsonrpcSession::open_multiple_with(&names, retry, &options);
        if let Some(interval) = self.probe_interval {
            session.set_probe_interval(interval);
        }
        match rpc {
            // A server being left (RETRY) is not kept: its forced
            // reconnect belonged to the old session.
            Some(rpc)
                if old_cid == self.m.cid
                    && self.m.state != State::Retry
                    && names.iter().any(|n| n == rpc.name()) =>
            {
                session.replace(Some(rpc));
                self.state_seqno = Some(session.get_seqno());
            }
            _ => self.state_seqno = None,
        }
        self.session = Some(session);
        self.backoff_lowered = false;
        self.remote = Some(remote.to_string());
    }

    /// Does what can be done now and returns what happened
    /// (`ovsdb_cs_run`): sends changed conditions, runs the session, starts
    /// over after a reconnect, and handles up to 50 messages.
    pub fn run(&mut self) -> Vec<Event> {
        let Some(session) = self.session.as_mut() else {
            return Vec::new();
        };
        let connected = session.is_connected();
        self.m.send_cond_change(connected);
        Self::flush(session, &mut self.m);
        session.run();
        self.m.remote = session.get_name().to_string();
        self.count_bytes();
        let Some(session) = self.session.as_mut() else {
            return Vec::new();
        };

        let seqno = session.get_seqno();
        if self.state_seqno != Some(seqno) {
            self.state_seqno = Some(seqno);
            if let Some(remote) = self.connected_remote.take() {
                let reason =
                    self.m
                        .retry_reason
                        .take()
                        .unwrap_or_else(|| match session.get_last_error() {
                            0 => "connection closed".to_string(),
                            e => retval_to_string(e),
                        });
                self.m.events.push(Event::Disconnected { remote, reason });
            }
            self.m.reconnected();
            Self::flush(session, &mut self.m);
        }

        for _ in 0..MAX_MSGS_PER_RUN {
            let Some(msg) = session.recv() else { break };
            self.m.process_msg(msg);
            Self::flush(session, &mut self.m);
        }
        self.count_bytes();
        self.apply_leader_search_backoff();
        if let Some(info) = &self.m.server_info {
            if self.connected_remote.is_none() {
                self.connected_remote = Some(info.remote.clone());
            }
        }
        std::mem::take(&mut self.m.events)
    }

    fn apply_leader_search_backoff(&mut self) {
        let Some(session) = self.session.as_mut() else {
            return;
        };
        let hunting = self.leader_search_backoff > 0 && self.m.hunting_leader;
        if hunting != self.backoff_lowered {
            session.set_max_backoff(if hunting {
                self.leader_search_backoff
            } else {
                crate::reconnect::DEFAULT_MAX_BACKOFF
            });
            self.backoff_lowered = hunting;
        }
    }

    fn count_bytes(&mut self) {
        let Some(session) = &self.session else { return };
        let (seqno, bytes) = (session.get_seqno(), session.received_bytes());
        if seqno == self.bytes_seqno {
            self.received_bytes += bytes.saturating_sub(self.bytes_seen);
        } else {
            self.received_bytes += bytes;
        }
        self.bytes_seqno = seqno;
        self.bytes_seen = bytes;
    }

    /// Beyond OVS: bytes received from servers over every connection so
    /// far, as of the last [`run`](Self::run) (what a failover costs can be
    /// measured with).
    pub fn received_bytes(&self) -> u64 {
        self.received_bytes
    }

    fn flush(session: &mut JsonrpcSession, m: &mut Machine) {
        for out in m.out.drain(..) {
            match out {
                Output::Send(msg) => {
                    let _ = session.send(msg);
                }
                Output::ForceReconnect { reset_backoff } => {
                    if reset_backoff {
                        session.reset_backoff();
                    }
                    session.force_reconnect();
                }
            }
        }
    }

    /// Makes the next [`poll_loop::block`](crate::poll_loop::block) wake
    /// when [`run`](Self::run) has something to do (`ovsdb_cs_wait`).
    #[track_caller]
    pub fn wait(&self) {
        if let Some(session) = &self.session {
            session.wait();
            session.recv_wait();
            if session.is_connected() && self.m.cond_change_ready() {
                crate::poll_loop::immediate_wake();
            }
        }
    }

    /// The state the client is in (OVS keeps `cs->state` private).
    pub fn state(&self) -> State {
        self.m.state
    }

    /// The database's name, as given to [`new`](Self::new).
    pub fn db_name(&self) -> &str {
        self.m.db_name()
    }

    /// Beyond OVS: the server this connection settled on, once it passed
    /// the `_Server` checks.
    pub fn server_info(&self) -> Option<&ServerInfo> {
        self.m.server_info.as_ref()
    }

    /// Beyond OVS: why the client last left a server of its own accord (OVS's log
    /// text: `clustered database server is not cluster leader; trying
    /// another server`, ...), if it ever did.
    pub fn last_retry_reason(&self) -> Option<&str> {
        self.m.last_retry_reason.as_deref()
    }

    /// The data schema in force, once known (OVS's `cs->data.schema`).
    pub fn data_schema(&self) -> Option<&Schema> {
        self.m.data_schema()
    }

    /// The last transaction id seen, when monitoring with
    /// `monitor_cond_since` (`cs->data.last_id`).
    pub fn last_id(&self) -> Option<&str> {
        self.m.last_id.as_deref()
    }

    /// The data monitor in place: 0 none yet, 1 `monitor`, 2
    /// `monitor_cond`, 3 `monitor_cond_since` (`cs->data.monitor_version`).
    pub fn monitor_version(&self) -> u8 {
        self.m.monitor_version()
    }

    /// The session underneath, when a remote is set (`cs->session`).
    pub fn session(&self) -> Option<&JsonrpcSession> {
        self.session.as_ref()
    }

    /// Reconnect after a connection fails, even if `set_remote` said not
    /// to retry (`ovsdb_cs_enable_reconnect`).
    pub fn enable_reconnect(&mut self) {
        if let Some(s) = &mut self.session {
            s.enable_reconnect();
        }
    }

    /// Drops the connection and connects again, to the next remote; no
    /// backoff when the client was monitoring (`ovsdb_cs_force_reconnect`).
    pub fn force_reconnect(&mut self) {
        self.m.force_reconnect();
        if let Some(s) = &mut self.session {
            Self::flush(s, &mut self.m);
        }
    }

    /// The local copy no longer matches the server: forget the last
    /// transaction id (so that the next monitor brings everything) and
    /// reconnect (`ovsdb_cs_flag_inconsistency`).
    pub fn flag_inconsistency(&mut self) {
        self.m.last_id = None;
        self.m.retry("inconsistency", "inconsistent data");
        if let Some(s) = &mut self.session {
            Self::flush(s, &mut self.m);
        }
    }

    /// True while connected or going to try again (`ovsdb_cs_is_alive`).
    pub fn is_alive(&self) -> bool {
        self.session.as_ref().is_some_and(JsonrpcSession::is_alive) && self.m.state != State::Error
    }

    /// True while connected to a server (`ovsdb_cs_is_connected`).
    pub fn is_connected(&self) -> bool {
        self.session
            .as_ref()
            .is_some_and(JsonrpcSession::is_connected)
    }

    /// The last connection error, or `ENOENT` in the ERROR state
    /// (`ovsdb_cs_get_last_error`).
    pub fn get_last_error(&self) -> i32 {
        match self
            .session
            .as_ref()
            .map_or(0, JsonrpcSession::get_last_error)
        {
            0 if self.m.state == State::Error => libc::ENOENT,
            e => e,
        }
    }

    /// Idle time before the session probes the server, in ms (0: never)
    /// (`ovsdb_cs_set_probe_interval`).
    ///
    /// Beyond OVS, which only changes the current session: the interval is
    /// kept for sessions that later [`set_remote`](Self::set_remote) calls
    /// open.
    pub fn set_probe_interval(&mut self, probe_interval: i32) {
        self.probe_interval = Some(probe_interval);
        if let Some(s) = &mut self.session {
            s.set_probe_interval(probe_interval);
        }
    }

    /// Only a cluster's leader is acceptable when true (the default);
    /// otherwise any connected member or relay is (`ovsdb_cs_set_leader_only`).
    /// Turning it on while monitoring re-checks the server now.
    pub fn set_leader_only(&mut self, leader_only: bool) {
        self.m.leader_only = leader_only;
        if leader_only {
            self.m.recheck_server();
            if let Some(s) = &mut self.session {
                Self::flush(s, &mut self.m);
            }
        }
    }

    /// Beyond OVS: while the client looks for the leader (a member
    /// connected to its cluster said it is not the leader, so one is out
    /// there or being elected), the session waits at most `max_backoff_ms`
    /// between connection attempts (at least 1000, the minimum backoff),
    /// instead of doubling up to 8 s; the usual maximum returns once a
    /// suitable server is found. 0 (the default) keeps OVS's backoff.
    pub fn set_leader_search_backoff(&mut self, max_backoff_ms: i32) {
        self.leader_search_backoff = max_backoff_ms.max(0);
        self.apply_leader_search_backoff();
    }

    /// Shuffle the remotes given to the next [`set_remote`](Self::set_remote)
    /// (the default) or keep their order (`ovsdb_cs_set_shuffle_remotes`).
    pub fn set_shuffle_remotes(&mut self, shuffle: bool) {
        self.shuffle_remotes = shuffle;
    }

    /// Ask the server to cancel monitors when the database changes (on by
    /// default), so that a schema conversion makes the client monitor again
    /// (`ovsdb_cs_set_db_change_aware`). Beyond OVS: when, after such a
    /// cancellation, `_Server` still shows the schema from before it (as
    /// ovsdb-server 3.1 does after a conversion), the client asks for the
    /// schema with `get_schema` before monitoring again, so that new
    /// columns are monitored; otherwise it behaves as OVS.
    pub fn set_db_change_aware(&mut self, aware: bool) {
        self.m.db_change_aware = aware;
    }

    /// Forgets the highest Raft index seen, so that a cluster rebuilt from
    /// scratch is not taken for stale (`ovsdb_cs_reset_min_index`).
    pub fn reset_min_index(&mut self) {
        self.m.min_index = 0;
    }

    /// The highest Raft index seen so far (`cs->min_index`).
    pub fn min_index(&self) -> i64 {
        self.m.min_index
    }

    /// Monitors `table` with every column (the IDL's
    /// `ovsdb_idl_add_table`). Until a table is added, every table of the
    /// schema is monitored. Takes effect on the next monitor
    /// request (a new connection).
    pub fn add_table(&mut self, table: &str) {
        self.m.tables.insert(table.to_string(), None);
    }

    /// Monitors only `columns` of `table` (the IDL's
    /// `ovsdb_idl_add_column`; columns the schema lacks are left out with
    /// a warning).
    pub fn add_columns(&mut self, table: &str, columns: &[&str]) {
        let set: BTreeSet<String> = columns.iter().map(|c| c.to_string()).collect();
        self.m.tables.insert(table.to_string(), Some(set));
    }

    /// Sets the condition selecting which rows of `table` are monitored (an
    /// array of `[column, function, value]` clauses, `[true]` for all);
    /// returns the condition seqno at which it is in force
    /// (`ovsdb_cs_set_condition`).
    pub fn set_condition(&mut self, table: &str, condition: &Json) -> u32 {
        let seqno = self.m.conds.set(table, condition);
        if self.m.conds.changed {
            crate::poll_loop::immediate_wake();
        }
        seqno
    }

    /// Counts the condition changes the server acknowledged
    /// (`ovsdb_cs_get_condition_seqno`).
    pub fn get_condition_seqno(&self) -> u32 {
        self.m.conds.seqno
    }

    /// Takes the lock `name` (and keeps asking for it on every new
    /// connection), or releases the lock held with `None`
    /// (`ovsdb_cs_set_lock`). [`Event::Locked`] says when it is granted.
    pub fn set_lock(&mut self, name: Option<&str>) {
        let connected = self.is_connected();
        self.m.set_lock(name, connected);
        if let Some(s) = &mut self.session {
            Self::flush(s, &mut self.m);
        }
    }

    /// Takes the lock `name` from whoever holds it: RFC 7047's `steal`,
    /// which OVS's IDL does not offer.
    pub fn steal_lock(&mut self, name: &str) {
        let connected = self.is_connected();
        self.m.steal_lock(name, connected);
        if let Some(s) = &mut self.session {
            Self::flush(s, &mut self.m);
        }
    }

    /// The lock asked for (`ovsdb_cs_get_lock`).
    pub fn get_lock(&self) -> Option<&str> {
        self.m.lock_name.as_deref()
    }

    /// True while the lock is held (`ovsdb_cs_has_lock`).
    pub fn has_lock(&self) -> bool {
        self.m.has_lock
    }

    /// True when another client holds the lock asked for
    /// (`ovsdb_cs_is_lock_contended`).
    pub fn is_lock_contended(&self) -> bool {
        self.m.is_lock_contended
    }

    /// True when a transaction can be sent now: monitoring, and holding
    /// the lock if one is set (`ovsdb_cs_may_send_transaction`).
    pub fn may_send_transaction(&self) -> bool {
        self.session.is_some() && self.m.may_send_transaction()
    }

    /// Sends a `transact` with `operations` (RFC 7047 operations, without
    /// the database name, which is added) and returns its request id, or
    /// `None` when it cannot be sent now (`ovsdb_cs_send_transaction`).
    /// Its end comes as an [`Event::TxnReply`] with that id: the reply, or
    /// an unknown outcome if the connection drops first. It is never sent
    /// again by the client.
    pub fn send_transaction(&mut self, operations: Vec<Json>) -> Option<Json> {
        let session = self.session.as_mut()?;
        let msg = self.m.compose_transaction(operations)?;
        let id = msg.id.clone()?;
        session.send(msg).ok()?;
        self.m.track_transaction(id.clone());
        Some(id)
    }

    /// Transactions sent and not yet ended (`cs->n_txns`).
    pub fn n_transactions(&self) -> usize {
        self.m.n_transactions()
    }

    /// Forgets transaction `id`: no event will report it
    /// (`ovsdb_cs_forget_transaction`).
    pub fn forget_transaction(&mut self, id: &Json) -> bool {
        self.m.forget_transaction(id)
    }
}

#[cfg(test)]
mod tests {
    use super::parse_remote;

    #[test]
    fn remotes_split_on_commas_and_cid_pins_a_cluster() {
        let (names, cid) = parse_remote(" tcp:127.0.0.1:1, unix:/x ,");
        assert_eq!(names, ["tcp:127.0.0.1:1", "unix:/x"]);
        assert_eq!(cid, None);
        let (names, cid) = parse_remote(
            "tcp:127.0.0.1:1,cid:AAAAAAAA-0000-0000-0000-000000000001,tcp:127.0.0.1:2",
        );
        assert_eq!(names, ["tcp:127.0.0.1:1", "tcp:127.0.0.1:2"]);
        assert_eq!(cid.as_deref(), Some("aaaaaaaa-0000-0000-0000-000000000001"));
        let (names, cid) = parse_remote("cid:not-a-uuid");
        assert_eq!((names.len(), cid), (1, None));
    }
}
