//! What [`OvsdbCs::run`](super::OvsdbCs::run) reports
//! (`struct ovsdb_cs_event`).

use std::sync::Arc;

use crate::json::Json;
use crate::jsonrpc::Msg;
use crate::ovsdb::schema::Schema;

/// Data for the database arrived (`struct ovsdb_cs_update_event`).
#[derive(Clone, Debug, PartialEq)]
pub struct UpdateEvent {
    /// `<table-updates>` (version 1) or `<table-updates2>` (2, 3).
    pub table_updates: Json,
    /// 1 for `monitor`/`update`, 2 for `monitor_cond`/`update2`, 3 for
    /// `monitor_cond_since`/`update3`.
    pub version: u8,
    /// True when the local copy must be cleared before applying this
    /// update: a monitor reply that carries the whole database (a
    /// `monitor_cond_since` that found the last id sets this to false).
    pub clear: bool,
    /// True for the reply to a monitor request, false for a notification.
    pub monitor_reply: bool,
    /// The last transaction id after this update (versions 3 only, and a
    /// `monitor_cond_since` reply), as text.
    pub last_id: Option<String>,
    /// The monitored tables and columns with their types, as requested
    /// from the schema in force when the monitor was set up.
    pub schema: Arc<Schema>,
}

/// What became of a transaction sent with
/// [`OvsdbCs::send_transaction`](super::OvsdbCs::send_transaction).
#[derive(Clone, Debug, PartialEq)]
pub enum TxnOutcome {
    /// The server answered: a reply (`result`, one entry per operation) or
    /// an error message.
    Reply(Msg),
    /// The connection dropped before an answer arrived. The transaction
    /// may or may not have been committed; it is not sent again. (OVS
    /// forgets such transactions; its IDL reports them as `TRY_AGAIN`.)
    Unknown,
}

/// The server the client settled on, from its `_Server` row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServerInfo {
    /// The remote connected to.
    pub remote: String,
    /// `standalone`, `clustered`, `relay` (empty when the server has no
    /// `_Server` database).
    pub model: String,
    /// True when the server is the cluster leader (standalone servers
    /// count as leaders, relays never do).
    pub leader: bool,
    /// The Raft log index the server had reached (clustered only).
    pub index: Option<i64>,
}

/// One event (`enum ovsdb_cs_event_type`, plus [`Event::Connected`] and
/// [`Event::Disconnected`] beyond OVS).
#[derive(Clone, Debug, PartialEq)]
pub enum Event {
    /// The session connected or disconnected: the client starts over
    /// (`OVSDB_CS_EVENT_TYPE_RECONNECT`). Data keeps arriving as updates.
    Reconnect,
    /// The lock set with [`OvsdbCs::set_lock`](super::OvsdbCs::set_lock)
    /// was granted (`OVSDB_CS_EVENT_TYPE_LOCKED`).
    Locked,
    /// Data arrived (`OVSDB_CS_EVENT_TYPE_UPDATE`).
    Update(UpdateEvent),
    /// A transaction ended (`OVSDB_CS_EVENT_TYPE_TXN_REPLY`): its request
    /// id as returned by `send_transaction`, and the outcome.
    TxnReply {
        /// The request id.
        id: Json,
        /// The reply, or [`TxnOutcome::Unknown`] when the connection
        /// dropped first.
        outcome: TxnOutcome,
    },
    /// Beyond OVS: the server passed the `_Server` checks and the data
    /// monitor is being requested from it.
    Connected(ServerInfo),
    /// Beyond OVS: the connection to `remote` ended, for `reason` (why the
    /// client left the server, or the connection's error).
    Disconnected {
        /// The remote that was connected.
        remote: String,
        /// Why, in words.
        reason: String,
    },
}
