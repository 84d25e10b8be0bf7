//! The states of the client (`enum ovsdb_cs_state`).

use std::fmt;

/// Where the client is in setting up its monitors (`enum ovsdb_cs_state`).
/// A new connection always starts at [`State::ServerSchemaRequested`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum State {
    /// Waiting for the `_Server` schema (`CS_S_SERVER_SCHEMA_REQUESTED`).
    /// A failure means an old server without `_Server`: ask for the data
    /// schema instead.
    ServerSchemaRequested,
    /// Waiting for the `monitor_cond` reply on `_Server.Database`
    /// (`CS_S_SERVER_MONITOR_REQUESTED`); then the server checks.
    ServerMonitorRequested,
    /// Waiting for the data schema from `get_schema`
    /// (`CS_S_DATA_SCHEMA_REQUESTED`), for servers without `_Server`.
    DataSchemaRequested,
    /// Waiting for the `monitor_cond_since` reply
    /// (`CS_S_DATA_MONITOR_COND_SINCE_REQUESTED`); a failure falls back to
    /// `monitor_cond`.
    DataMonitorCondSinceRequested,
    /// Waiting for the `monitor_cond` reply
    /// (`CS_S_DATA_MONITOR_COND_REQUESTED`); a failure falls back to
    /// `monitor`.
    DataMonitorCondRequested,
    /// Waiting for the `monitor` reply (`CS_S_DATA_MONITOR_REQUESTED`).
    DataMonitorRequested,
    /// Receiving updates (`CS_S_MONITORING`).
    Monitoring,
    /// Nothing useful can be done on this connection (`CS_S_ERROR`): the
    /// client stays until the connection changes.
    Error,
    /// The server was unsuitable and a reconnect to another one is under
    /// way (`CS_S_RETRY`).
    Retry,
}

impl State {
    /// OVS's name for the state (`ovsdb_cs_state_to_string`).
    pub fn as_str(self) -> &'static str {
        match self {
            State::ServerSchemaRequested => "SERVER_SCHEMA_REQUESTED",
            State::ServerMonitorRequested => "SERVER_MONITOR_REQUESTED",
            State::DataSchemaRequested => "DATA_SCHEMA_REQUESTED",
            State::DataMonitorCondSinceRequested => "DATA_MONITOR_COND_SINCE_REQUESTED",
            State::DataMonitorCondRequested => "DATA_MONITOR_COND_REQUESTED",
            State::DataMonitorRequested => "DATA_MONITOR_REQUESTED",
            State::Monitoring => "MONITORING",
            State::Error => "ERROR",
            State::Retry => "RETRY",
        }
    }
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
