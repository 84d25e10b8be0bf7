//! The client's state machine without I/O (the heart of OVS's
//! `lib/ovsdb-cs.c`): it reads messages, keeps the `_Server` rows, the
//! monitor setup, conditions, lock and transactions, and says what to send
//! and when to reconnect. [`OvsdbCs`](super::OvsdbCs) runs it over a
//! session; the unit tests drive it with plain messages.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use crate::json::{self, Json, Object};
use crate::jsonrpc::{Msg, MsgType};
use crate::ovsdb::condition::Conditions;
use crate::ovsdb::event::{Event, ServerInfo, TxnOutcome, UpdateEvent};
use crate::ovsdb::replica::Replica;
use crate::ovsdb::schema::{Schema, TableSchema};
use crate::ovsdb::server;
use crate::ovsdb::state::State;
use crate::ovsdb::update::is_uuid;
use crate::vlog::RateLimit;

mod txn;

static RL: RateLimit = RateLimit::new(5, 5);
static SYNTAX_RL: RateLimit = RateLimit::new(1, 5);

/// What the machine asks of the connection.
#[derive(Clone, Debug, PartialEq)]
pub enum Output {
    /// Send this message.
    Send(Msg),
    /// Drop the connection and move on to the next remote, resetting the
    /// backoff first when `reset_backoff` (`ovsdb_cs_force_reconnect`).
    ForceReconnect {
        /// Reset the backoff (the client was monitoring).
        reset_backoff: bool,
    },
}

/// One monitored database: `_Server` or the data (`struct ovsdb_cs_db`).
#[derive(Clone, Debug)]
struct Db {
    name: String,
    monitor_id: Json,
    /// The monitor in place: 0 none, 1 `monitor`, 2 `monitor_cond`, 3
    /// `monitor_cond_since`.
    monitor_version: u8,
    max_version: u8,
    schema: Option<Schema>,
    monitored: Arc<Schema>,
}

impl Db {
    fn new(name: &str, max_version: u8) -> Db {
        Db {
            name: name.to_string(),
            monitor_id: Json::array(vec!["monid".into(), name.into()]),
            monitor_version: 0,
            max_version,
            schema: None,
            monitored: Arc::new(Schema::default()),
        }
    }
}

/// The state machine. See the module documentation.
#[derive(Debug)]
pub struct Machine {
    pub(crate) state: State,
    /// Name of the remote, for log messages.
    pub(crate) remote: String,
    request_id: Option<Json>,
    server: Db,
    data: Db,
    /// Zero UUID as `None`.
    pub(crate) last_id: Option<String>,
    /// Tables to monitor: name to columns (`None`: every column). Empty:
    /// every table of the schema.
    pub(crate) tables: BTreeMap<String, Option<BTreeSet<String>>>,
    pub(crate) conds: Conditions,
    server_rows: Replica,
    pub(crate) leader_only: bool,
    pub(crate) db_change_aware: bool,
    pub(crate) min_index: i64,
    pub(crate) cid: Option<String>,
    txns: Vec<Json>,
    pub(crate) lock_name: Option<String>,
    pub(crate) has_lock: bool,
    pub(crate) is_lock_contended: bool,
    lock_request_id: Option<Json>,
    /// The server settled on for this connection, once it passed.
    pub(crate) server_info: Option<ServerInfo>,
    /// Why the client last chose to leave a server, for the next
    /// [`Event::Disconnected`].
    pub(crate) retry_reason: Option<String>,
    /// Set when a member connected to its cluster said it is not the
    /// leader (a leader is out there, or being elected); cleared when a
    /// suitable server is found.
    pub(crate) hunting_leader: bool,
    /// The data monitor was canceled (a schema conversion): the schema the
    /// `_Server` row shows may be the old one.
    data_schema_suspect: bool,
    /// The same, kept until the next time.
    pub(crate) last_retry_reason: Option<String>,
    pub(crate) events: Vec<Event>,
    pub(crate) out: Vec<Output>,
}

impl Machine {
    /// A machine for database `db_name` with OVS's defaults: leader-only,
    /// db-change-aware, `monitor_cond_since` first (`ovsdb_cs_create`).
    pub fn new(db_name: &str) -> Machine {
        Machine {
            state: State::ServerSchemaRequested,
            remote: "void".to_string(),
            request_id: None,
            server: Db::new("_Server", 2),
            data: Db::new(db_name, 3),
            last_id: None,
            tables: BTreeMap::new(),
            conds: Conditions::default(),
            server_rows: Replica::new(),
            leader_only: true,
            db_change_aware: true,
            min_index: 0,
            cid: None,
            txns: Vec::new(),
            lock_name: None,
            has_lock: false,
            is_lock_contended: false,
            lock_request_id: None,
            server_info: None,
            retry_reason: None,
            last_retry_reason: None,
            data_schema_suspect: false,
            hunting_leader: false,
            events: Vec::new(),
            out: Vec::new(),
        }
    }

    /// The database's name.
    pub fn db_name(&self) -> &str {
        &self.data.name
    }

    /// The data schema in force, once known.
    pub fn data_schema(&self) -> Option<&Schema> {
        self.data.schema.as_ref()
    }

    /// The monitor version in place for the data (0: none yet).
    pub fn monitor_version(&self) -> u8 {
        self.data.monitor_version
    }

    /// The only place the state changes (`ovsdb_cs_transition_at`).
    fn transition(&mut self, new: State, at: &str) {
        log::debug!("{}: {} -> {} at {}", self.remote, self.state, new, at);
        self.state = new;
    }

    fn send(&mut self, msg: Msg) {
        self.out.push(Output::Send(msg));
    }

    fn send_request(&mut self, msg: Msg) {
        self.request_id = msg.id.clone();
        self.send(msg);
    }

    /// Leaves this server for the next one (`ovsdb_cs_retry_at`).
    pub(crate) fn retry(&mut self, at: &str, reason: &str) {
        self.force_reconnect();
        self.retry_reason = Some(reason.to_string());
        self.last_retry_reason = Some(reason.to_string());
        self.transition(State::Retry, at);
    }

    /// `ovsdb_cs_force_reconnect`: no backoff when leaving a server that
    /// was being monitored.
    pub(crate) fn force_reconnect(&mut self) {
        self.out.push(Output::ForceReconnect {
            reset_backoff: self.state == State::Monitoring,
        });
    }

    /// Starts over on a new connection (`ovsdb_cs_restart_fsm` and the
    /// seqno change of `ovsdb_cs_run`): transactions in flight end with an
    /// unknown outcome, a [`Event::Reconnect`] is reported, the lock is
    /// requested again.
    pub fn reconnected(&mut self) {
        self.restart_fsm();
        self.server_info = None;
        for id in std::mem::take(&mut self.txns) {
            self.events.push(Event::TxnReply {
                id,
                outcome: TxnOutcome::Unknown,
            });
        }
        self.events.push(Event::Reconnect);
        if self.lock_name.is_some() {
            let msg = self.compose_lock_request("lock");
            self.lock_request_id = msg.id.clone();
            self.send(msg);
        }
    }

    fn restart_fsm(&mut self) {
        if self.conds.sync(self.last_id.is_none()) {
            self.last_id = None;
        }
        self.send_schema_request(false);
        self.transition(State::ServerSchemaRequested, "restart");
        self.data.monitor_version = 0;
        self.server.monitor_version = 0;
    }

    fn send_schema_request(&mut self, data: bool) {
        let name = if data {
            &self.data.name
        } else {
            &self.server.name
        };
        let msg = Msg::create_request("get_schema", Json::array(vec![name.as_str().into()]));
        self.send_request(msg);
    }

    /// The monitor requests for the data: the chosen tables and columns
    /// that the schema has, with the acknowledged conditions when
    /// `version` > 1 (the IDL's `compose_monitor_requests` and
    /// `ovsdb_cs_send_monitor_request`).
    fn compose_data_requests(&mut self, version: u8) -> Json {
        let schema = self.data.schema.clone().unwrap_or_default();
        let mut monitored = Schema {
            name: schema.name.clone(),
            ..Schema::default()
        };
        let mut mrs = Object::new();
        let all: BTreeMap<String, Option<BTreeSet<String>>> = if self.tables.is_empty() {
            schema.tables.keys().map(|t| (t.clone(), None)).collect()
        } else {
            self.tables.clone()
        };
        for (table, columns) in &all {
            let Some(ts) = schema.tables.get(table) else {
                log::warn!(
                    "{}: {} database lacks {} table",
                    self.remote,
                    self.data.name,
                    table
                );
                continue;
            };
            let mut mts = TableSchema::default();
            for (name, ty) in &ts.columns {
                if columns.as_ref().is_none_or(|c| c.contains(name)) {
                    mts.columns.insert(name.clone(), ty.clone());
                }
            }
            if let Some(cols) = columns {
                for c in cols.iter().filter(|c| !ts.columns.contains_key(*c)) {
                    log::warn!("{}: table {} lacks {} column", self.remote, table, c);
                }
            }
            let mut mr = Object::new();
            mr.insert(
                "columns",
                Json::array(mts.columns.keys().map(|c| Json::from(c.as_str())).collect()),
            );
            if version > 1 {
                if let Some((_, cond)) = self.conds.acked().find(|(t, _)| t == table) {
                    mr.insert("where", cond.clone());
                }
            }
            mrs.insert(table.as_str(), Json::array(vec![Json::object(mr)]));
            monitored.tables.insert(table.clone(), mts);
        }
        self.data.monitored = Arc::new(monitored);
        Json::object(mrs)
    }

    fn send_data_monitor_request(&mut self, version: u8) {
        let mrs = self.compose_data_requests(version);
        let method = match version {
            1 => "monitor",
            2 => "monitor_cond",
            _ => "monitor_cond_since",
        };
        let mut params = vec![
            self.data.name.as_str().into(),
            self.data.monitor_id.clone(),
            mrs,
        ];
        if version == 3 {
            let last = self
                .last_id
                .clone()
                .unwrap_or_else(|| "00000000-0000-0000-0000-000000000000".to_string());
            params.push(last.into());
        }
        self.send_request(Msg::create_request(method, Json::array(params)));
        let state = match version {
            1 => State::DataMonitorRequested,
            2 => State::DataMonitorCondRequested,
            _ => State::DataMonitorCondSinceRequested,
        };
        self.transition(state, method);
    }

    /// Handles one received message (`ovsdb_cs_process_msg`).
    pub fn process_msg(&mut self, msg: Msg) {
        let is_response = matches!(msg.msg_type, MsgType::Reply | MsgType::Error);
        if is_response && self.request_id.is_some() && msg.id == self.request_id {
            self.request_id = None;
            self.process_response(msg);
            return;
        }
        if self.parse_update_rpc(&msg, false) {
            return;
        }
        if self.server.monitor_version > 0 && self.parse_update_rpc(&msg, true) {
            self.check_server_db();
            return;
        }
        if self.handle_monitor_canceled(&msg) {
            return;
        }
        if self.process_lock_replies(&msg) {
            return;
        }
        if is_response && self.process_txn_reply(&msg) {
            return;
        }
        log::debug!(
            "{}: received unexpected {} message: {}",
            self.remote,
            msg.msg_type,
            msg
        );
    }

    fn process_response(&mut self, msg: Msg) {
        let ok = msg.msg_type == MsgType::Reply;
        if !ok
            && !matches!(
                self.state,
                State::ServerSchemaRequested
                    | State::ServerMonitorRequested
                    | State::DataMonitorCondRequested
                    | State::DataMonitorCondSinceRequested
            )
        {
            crate::info_rl!(
                RL,
                "{}: received unexpected {} response in {} state: {}",
                self.remote,
                msg.msg_type,
                self.state,
                msg
            );
            self.retry("unexpected response", "unexpected response");
            return;
        }
        let result = msg.result.unwrap_or(Json::Null);
        match self.state {
            State::ServerSchemaRequested => {
                if ok {
                    match Schema::from_json(&result) {
                        Ok(schema) => {
                            let (mrs, monitored) = server::compose_server_monitor_request(&schema);
                            self.server.schema = Some(schema);
                            self.server.monitored = Arc::new(monitored);
                            let params = Json::array(vec![
                                "_Server".into(),
                                self.server.monitor_id.clone(),
                                mrs,
                            ]);
                            self.send_request(Msg::create_request("monitor_cond", params));
                            self.transition(State::ServerMonitorRequested, "monitor_cond _Server");
                        }
                        Err(e) => {
                            log::warn!("{}: {}", self.remote, e);
                            self.send_schema_request(true);
                            self.transition(State::DataSchemaRequested, "bad _Server schema");
                        }
                    }
                } else {
                    self.send_schema_request(true);
                    self.transition(State::DataSchemaRequested, "no _Server");
                }
            }
            State::ServerMonitorRequested => {
                if ok {
                    self.server.monitor_version = self.server.max_version;
                    self.server_rows.clear();
                    self.apply_server_update(&result, 2);
                    if self.check_server_db() && self.db_change_aware {
                        let msg = Msg::create_request(
                            "set_db_change_aware",
                            Json::array(vec![Json::Boolean(true)]),
                        );
                        self.send(msg);
                    }
                } else {
                    self.send_schema_request(true);
                    self.transition(State::DataSchemaRequested, "no _Server monitor");
                }
            }
            State::DataSchemaRequested => match Schema::from_json(&result) {
                Ok(schema) => {
                    self.data.schema = Some(schema);
                    self.suitable(ServerInfo {
                        remote: self.remote.clone(),
                        model: String::new(),
                        leader: true,
                        index: None,
                    });
                    // Without `_Server` there is no `monitor_cond_since`
                    // either; with it (a schema fetched after a conversion)
                    // there is.
                    let v = if self.server.monitor_version > 0 {
                        self.data.max_version
                    } else {
                        self.data.max_version.min(2)
                    };
                    self.send_data_monitor_request(v);
                }
                Err(e) => {
                    log::warn!("{}: {}", self.remote, e);
                    self.transition(State::Error, "bad schema");
                }
            },
            State::DataMonitorCondSinceRequested => {
                if ok {
                    self.data.monitor_version = 3;
                    self.transition(State::Monitoring, "monitor_cond_since reply");
                    self.parse_monitor_reply(result, 3);
                } else {
                    self.send_data_monitor_request(2);
                }
            }
            State::DataMonitorCondRequested => {
                if ok {
                    self.data.monitor_version = 2;
                    self.transition(State::Monitoring, "monitor_cond reply");
                    self.parse_monitor_reply(result, 2);
                } else {
                    self.send_data_monitor_request(1);
                }
            }
            State::DataMonitorRequested => {
                self.data.monitor_version = 1;
                self.transition(State::Monitoring, "monitor reply");
                self.parse_monitor_reply(result, 1);
            }
            State::Monitoring => {
                // The reply to a monitor_cond_change.
                self.conds.ack();
                self.send_cond_change(true);
                self.conds.seqno = self.conds.seqno.wrapping_add(1);
            }
            State::Error | State::Retry => {}
        }
    }

    /// Settles on this connection's server; reported once per connection
    /// (a re-monitor on the same connection is not a new server).
    fn suitable(&mut self, info: ServerInfo) {
        self.retry_reason = None;
        self.hunting_leader = false;
        if self.server_info.is_none() {
            self.events.push(Event::Connected(info.clone()));
        }
        self.server_info = Some(info);
    }

    fn parse_monitor_reply(&mut self, result: Json, version: u8) {
        let (clear, table_updates) = if version == 3 {
            let parsed = match result.as_array() {
                Some([Json::Boolean(found), Json::String(last), updates]) if is_uuid(last) => {
                    Some((*found, last.to_string(), updates.clone()))
                }
                _ => None,
            };
            let Some((found, last, updates)) = parsed else {
                crate::warn_rl!(
                    SYNTAX_RL,
                    "{}: bad monitor_cond_since reply format",
                    self.remote
                );
                return;
            };
            self.set_last_id(&last);
            (!found, updates)
        } else {
            (true, result)
        };
        self.add_update(table_updates, version, clear, true);
    }

    fn set_last_id(&mut self, last: &str) {
        self.last_id = if last.bytes().all(|b| b == b'0' || b == b'-') {
            None
        } else {
            Some(last.to_ascii_lowercase())
        };
    }

    fn add_update(&mut self, table_updates: Json, version: u8, clear: bool, monitor_reply: bool) {
        self.events.push(Event::Update(UpdateEvent {
            table_updates,
            version,
            clear,
            monitor_reply,
            last_id: self.last_id.clone(),
            schema: self.data.monitored.clone(),
        }));
    }

    /// `update`, `update2` or `update3` for `_Server` (`server`) or the data
    /// (`ovsdb_cs_db_parse_update_rpc`).
    fn parse_update_rpc(&mut self, msg: &Msg, server: bool) -> bool {
        if msg.msg_type != MsgType::Notify {
            return false;
        }
        let version = match msg.method.as_deref() {
            Some("update") => 1,
            Some("update2") => 2,
            Some("update3") => 3,
            _ => return false,
        };
        let n = if version == 3 { 3 } else { 2 };
        let Some(params) = msg
            .params
            .as_ref()
            .and_then(Json::as_array)
            .filter(|p| p.len() == n)
        else {
            crate::warn_rl!(
                SYNTAX_RL,
                "{}: {} must be an array with {} elements.",
                self.remote,
                msg.method.as_deref().unwrap_or(""),
                n
            );
            return false;
        };
        let db = if server { &self.server } else { &self.data };
        if params[0] != db.monitor_id {
            return false;
        }
        if server {
            let updates = params[1].clone();
            self.apply_server_update(&updates, version);
            return true;
        }
        if version == 3 {
            match params[1].as_str().filter(|s| is_uuid(s)) {
                Some(last) => {
                    let last = last.to_string();
                    self.set_last_id(&last);
                }
                None => {
                    crate::warn_rl!(
                        SYNTAX_RL,
                        "{}: Last-id {} is not in UUID format.",
                        self.remote,
                        params[1]
                    );
                    return false;
                }
            }
        }
        let updates = params[if version == 3 { 2 } else { 1 }].clone();
        self.add_update(updates, version, false, false);
        true
    }

    fn apply_server_update(&mut self, updates: &Json, version: u8) {
        let event = UpdateEvent {
            table_updates: updates.clone(),
            version,
            clear: false,
            monitor_reply: false,
            last_id: None,
            schema: self.server.monitored.clone(),
        };
        if let Err(e) = self.server_rows.apply(&event) {
            crate::warn_rl!(SYNTAX_RL, "{}: {}", self.remote, e);
        }
    }

    /// Checks the server against `_Server` and, on the first pass, sets up
    /// the data monitor; leaves the server when it is unsuitable
    /// (`ovsdb_cs_check_server_db`).
    fn check_server_db(&mut self) -> bool {
        let empty = BTreeMap::new();
        let rows = self.server_rows.table("Database").unwrap_or(&empty);
        let verdict = server::check_server_db(
            rows,
            &self.remote,
            &self.data.name,
            self.cid.as_deref(),
            self.leader_only,
            &mut self.min_index,
        );
        let ok = match verdict {
            Err(e) => {
                self.hunting_leader |= e.reason.contains("is not cluster leader");
                if e.warn {
                    log::warn!("{}: {}", self.remote, e.reason);
                } else {
                    log::info!("{}: {}", self.remote, e.reason);
                }
                self.retry("server check", &e.reason);
                return false;
            }
            Ok(ok) => ok,
        };
        if let Some(info) = &mut self.server_info {
            info.leader = ok.info.leader;
            info.index = ok.info.index;
        }
        if self.state == State::ServerMonitorRequested {
            match json::from_str(&ok.schema)
                .map_err(|e| e.to_string())
                .and_then(|j| Schema::from_json(&j).map_err(|e| e.to_string()))
            {
                Ok(schema) => {
                    if std::mem::take(&mut self.data_schema_suspect)
                        && self.data.schema.as_ref() == Some(&schema)
                    {
                        // Beyond OVS: ovsdb-server 3.1 keeps the old schema
                        // in `_Server` after a conversion; ask for the real
                        // one rather than monitor the old columns.
                        log::info!(
                            "{}: _Server shows the {} schema from before the monitor was canceled; asking for the schema",
                            self.remote,
                            self.data.name
                        );
                        self.suitable(ok.info);
                        self.send_schema_request(true);
                        self.transition(State::DataSchemaRequested, "schema after cancel");
                        return true;
                    }
                    self.data.schema = Some(schema);
                }
                Err(e) => {
                    log::warn!("{}: {}", self.remote, e);
                    self.transition(State::Error, "bad schema");
                    return false;
                }
            }
            self.suitable(ok.info);
            let v = self.data.max_version;
            self.send_data_monitor_request(v);
        }
        true
    }

    /// Checks the server again now, if its `_Server` rows are monitored
    /// (`ovsdb_cs_set_leader_only` turning leader-only on).
    pub fn recheck_server(&mut self) {
        if self.server.monitor_version > 0 {
            self.check_server_db();
        }
    }

    /// `monitor_canceled`: the server dropped a monitor (after a schema
    /// conversion, say); cancel the other one and start over on this
    /// connection (`ovsdb_cs_handle_monitor_canceled`).
    fn handle_monitor_canceled(&mut self, msg: &Msg) -> bool {
        if msg.msg_type != MsgType::Notify || msg.method.as_deref() != Some("monitor_canceled") {
            return false;
        }
        let Some([id]) = msg.params.as_ref().and_then(Json::as_array) else {
            return false;
        };
        let (this, other) = if *id == self.data.monitor_id {
            (&mut self.data, &mut self.server)
        } else if self.server.monitor_version > 0 && *id == self.server.monitor_id {
            (&mut self.server, &mut self.data)
        } else {
            return false;
        };
        log::info!(
            "{}: monitor of {} canceled by the server",
            self.remote,
            this.name
        );
        this.monitor_version = 0;
        let data_canceled = this.name != "_Server";
        if other.monitor_version > 0 {
            other.monitor_version = 0;
            let cancel = Msg::create_request(
                "monitor_cancel",
                Json::array(vec![other.monitor_id.clone()]),
            );
            self.send(cancel);
        }
        self.data_schema_suspect |= data_canceled;
        self.restart_fsm();
        true
    }

    /// True when new conditions wait and could be sent now.
    pub fn cond_change_ready(&self) -> bool {
        self.conds.changed && self.data.monitor_version >= 2 && self.request_id.is_none()
    }

    /// Sends the new conditions, if any and if nothing else is in flight
    /// (`ovsdb_cs_send_cond_change`).
    pub fn send_cond_change(&mut self, connected: bool) {
        if !connected || self.data.monitor_version == 1 || self.request_id.is_some() {
            return;
        }
        // Conditions are only sent on an established monitor; before that
        // the monitor request carries them.
        if self.data.monitor_version == 0 {
            return;
        }
        if let Some(requests) = self.conds.compose_change() {
            let params = Json::array(vec![
                self.data.monitor_id.clone(),
                self.data.monitor_id.clone(),
                requests,
            ]);
            self.send_request(Msg::create_request("monitor_cond_change", params));
        }
    }
}
