//! The `_Server` database checks (`ovsdb_cs_check_server_db`): is the
//! server at the other end of the connection a suitable one for the
//! database the client wants?

use std::sync::Arc;

use crate::json::{Json, Object};
use crate::ovsdb::event::ServerInfo;
use crate::ovsdb::replica::Table;
use crate::ovsdb::schema::{Schema, TableSchema};

/// The columns of `_Server.Database` the client monitors
/// (`server_columns[]`).
pub const SERVER_COLUMNS: [&str; 7] = [
    "name",
    "model",
    "connected",
    "leader",
    "schema",
    "cid",
    "index",
];

/// The `monitor_cond` requests for `_Server`: the `Database` table with
/// the columns of [`SERVER_COLUMNS`] the schema has
/// (`ovsdb_cs_compose_server_monitor_request`). Returns the requests and
/// the monitored part of the schema.
pub fn compose_server_monitor_request(schema: &Schema) -> (Json, Schema) {
    let mut requests = Object::new();
    let mut monitored = Schema {
        name: schema.name.clone(),
        ..Schema::default()
    };
    match schema.tables.get("Database") {
        None => log::warn!("_Server database lacks Database table (database needs upgrade?)"),
        Some(table) => {
            let mut ts = TableSchema::default();
            let mut columns = Vec::new();
            for name in SERVER_COLUMNS {
                match table.columns.get(name) {
                    Some(ty) => {
                        columns.push(Json::from(name));
                        ts.columns.insert(name.to_string(), ty.clone());
                    }
                    None => log::warn!(
                        "Database table in _Server database lacks {name} column (database needs upgrade?)"
                    ),
                }
            }
            let mut request = Object::new();
            request.insert("columns", Json::array(columns));
            requests.insert("Database", Json::array(vec![Json::object(request)]));
            monitored.tables.insert("Database".to_string(), ts);
        }
    }
    (Json::object(requests), monitored)
}

/// An optional column's single value, if it has one (`["set", []]` or a
/// missing column has none).
fn one<'a>(row: &'a Object, column: &str) -> Option<&'a Json> {
    match row.get(column)? {
        Json::Array(a) if a.first().and_then(Json::as_str) == Some("set") => {
            a.get(1)?.as_array()?.first()
        }
        v => Some(v),
    }
}

fn get_str<'a>(row: &'a Object, column: &str) -> Option<&'a str> {
    one(row, column)?.as_str()
}

fn get_bool(row: &Object, column: &str) -> Option<bool> {
    one(row, column)?.as_bool()
}

fn get_uuid<'a>(row: &'a Object, column: &str) -> Option<&'a str> {
    let v = one(row, column)?;
    if v.at(0)?.as_str()? == "uuid" {
        v.at(1)?.as_str()
    } else {
        None
    }
}

/// The `_Server.Database` row describing `db_name` (or, when the remote
/// pins a cluster id, the row with that `cid`) (`ovsdb_find_server_row`).
pub fn find_server_row<'a>(
    rows: &'a Table,
    db_name: &str,
    cid: Option<&str>,
) -> Option<&'a Object> {
    rows.values().find(|row| match cid {
        Some(cid) => get_uuid(row, "cid").is_some_and(|c| c.eq_ignore_ascii_case(cid)),
        None => get_str(row, "name") == Some(db_name),
    })
}

/// Why a server is unsuitable, with OVS's log text (after `REMOTE: `).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unsuitable {
    /// OVS's words, e.g. `clustered database server is not cluster
    /// leader; trying another server`.
    pub reason: String,
    /// Logged as a warning (stale data) rather than information.
    pub warn: bool,
}

/// A suitable server: what it is and the data schema its row carries.
#[derive(Clone, Debug)]
pub struct Suitable {
    /// Model, leadership, index.
    pub info: ServerInfo,
    /// The database schema from the row's `schema` column.
    pub schema: Arc<str>,
}

/// Decides whether the server whose `_Server.Database` rows are `rows` can
/// serve `db_name` (`ovsdb_cs_check_server_db__`):
///
/// * clustered: it has joined (has a schema), is `connected` to the
///   cluster, is the `leader` when `leader_only`, and its `index` is not
///   below `min_index`, the highest index seen (then raised to it);
/// * relay: it is connected to its source, and `leader_only` is off;
/// * standalone (or anything else): it has the schema.
pub fn check_server_db(
    rows: &Table,
    remote: &str,
    db_name: &str,
    cid: Option<&str>,
    leader_only: bool,
    min_index: &mut i64,
) -> Result<Suitable, Unsuitable> {
    let info = |reason: &str| Unsuitable {
        reason: reason.to_string(),
        warn: false,
    };
    let Some(row) = find_server_row(rows, db_name, cid) else {
        return Err(info(&format!("server does not have {db_name} database")));
    };
    let model = get_str(row, "model").unwrap_or("");
    let schema = one(row, "schema").and_then(Json::as_arc_str).cloned();
    let connected = get_bool(row, "connected").unwrap_or(false);
    let leader;
    let mut index = None;
    match model {
        "clustered" => {
            leader = get_bool(row, "leader").unwrap_or(false);
            let i = one(row, "index").and_then(Json::as_i64).unwrap_or(0);
            index = Some(i);
            if schema.is_none() {
                return Err(info(
                    "clustered database server has not yet joined cluster; trying another server",
                ));
            } else if !connected {
                return Err(info(
                    "clustered database server is disconnected from cluster; trying another server",
                ));
            } else if leader_only && !leader {
                return Err(info(
                    "clustered database server is not cluster leader; trying another server",
                ));
            } else if i < *min_index {
                return Err(Unsuitable {
                    reason: "clustered database server has stale data; trying another server"
                        .into(),
                    warn: true,
                });
            }
            *min_index = i;
        }
        "relay" => {
            leader = false;
            if schema.is_none() {
                return Err(info(
                    "relay database server has not yet connected to the relay source; trying another server",
                ));
            } else if !connected {
                return Err(info(
                    "relay database server is disconnected from the relay source; trying another server",
                ));
            } else if leader_only {
                return Err(info(
                    "relay database server cannot be a leader; trying another server",
                ));
            }
        }
        _ => {
            leader = get_bool(row, "leader").unwrap_or(true);
            if schema.is_none() {
                return Err(info("missing database schema"));
            }
        }
    }
    Ok(Suitable {
        info: ServerInfo {
            remote: remote.to_string(),
            model: model.to_string(),
            leader,
            index,
        },
        schema: schema.unwrap_or_else(|| Arc::from("")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json;

    const R: &str = "11111111-2222-3333-4444-555555555555";

    fn rows(row: &str) -> Table {
        let mut t = Table::new();
        t.insert(
            R.to_string(),
            json::from_str(row).unwrap().as_object().unwrap().clone(),
        );
        t
    }

    fn clustered(connected: bool, leader: bool, index: i64) -> Table {
        rows(&format!(
            r#"{{"name":"db","model":"clustered","connected":{connected},"leader":{leader},
                "schema":"{{}}","cid":["uuid","{R}"],"index":{index}}}"#
        ))
    }

    fn check(t: &Table, leader_only: bool, min: &mut i64) -> Result<Suitable, Unsuitable> {
        check_server_db(t, "tcp:1", "db", None, leader_only, min)
    }

    #[test]
    fn the_leader_of_a_connected_cluster_is_suitable_and_raises_min_index() {
        let mut min = 3;
        let ok = check(&clustered(true, true, 7), true, &mut min).unwrap();
        assert!(ok.info.leader);
        assert_eq!(ok.info.model, "clustered");
        assert_eq!(min, 7);
    }

    #[test]
    fn a_follower_only_when_not_leader_only() {
        let mut min = 0;
        let e = check(&clustered(true, false, 7), true, &mut min).unwrap_err();
        assert!(e.reason.contains("is not cluster leader"));
        assert!(check(&clustered(true, false, 7), false, &mut min).is_ok());
    }

    #[test]
    fn a_disconnected_member_is_refused_even_when_not_leader_only() {
        let mut min = 0;
        let e = check(&clustered(false, true, 7), false, &mut min).unwrap_err();
        assert!(e.reason.contains("disconnected from cluster"));
    }

    #[test]
    fn stale_index_is_refused_with_a_warning() {
        let mut min = 9;
        let e = check(&clustered(true, true, 7), true, &mut min).unwrap_err();
        assert!(e.warn && e.reason.contains("stale data"));
        assert_eq!(min, 9);
    }

    #[test]
    fn relay_only_when_not_leader_only() {
        let t =
            rows(r#"{"name":"db","model":"relay","connected":true,"leader":false,"schema":"{}"}"#);
        let mut min = 0;
        assert!(check(&t, true, &mut min)
            .unwrap_err()
            .reason
            .contains("cannot be a leader"));
        assert!(!check(&t, false, &mut min).unwrap().info.leader);
    }

    #[test]
    fn standalone_needs_its_schema() {
        let t = rows(
            r#"{"name":"db","model":"standalone","connected":true,"leader":true,"schema":["set",[]]}"#,
        );
        let mut min = 0;
        assert_eq!(
            check(&t, true, &mut min).unwrap_err().reason,
            "missing database schema"
        );
        let t = rows(
            r#"{"name":"db","model":"standalone","connected":true,"leader":true,"schema":"{}"}"#,
        );
        assert!(check(&t, true, &mut min).is_ok());
    }

    #[test]
    fn cid_pins_the_row_by_cluster_id() {
        let t = clustered(true, true, 1);
        let mut min = 0;
        assert!(check_server_db(&t, "r", "other", Some(R), true, &mut min).is_ok());
        let e = check_server_db(
            &t,
            "r",
            "db",
            Some("00000000-0000-0000-0000-000000000000"),
            true,
            &mut min,
        )
        .unwrap_err();
        assert_eq!(e.reason, "server does not have db database");
    }
}
