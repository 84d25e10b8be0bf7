//! A local copy of the monitored tables, kept up to date by the update
//! events of an [`OvsdbCs`](super::OvsdbCs): the part of OVS's IDL
//! (`ovsdb_idl_parse_update`) that applies `update`, `update2` and
//! `update3` to rows, here with rows as JSON objects.

use std::collections::BTreeMap;

use serde::de::DeserializeOwned;

use crate::json::{self, Json, Object};
use crate::ovsdb::datum;
use crate::ovsdb::event::UpdateEvent;
use crate::ovsdb::schema::TableSchema;
use crate::ovsdb::update::{parse_db_update, RowUpdateType, UpdateError};

/// One table of the replica: row UUID (text) to the row's columns, in
/// OVSDB's JSON notation.
pub type Table = BTreeMap<String, Object>;

/// The monitored tables, row by row (the data half of OVS's
/// `struct ovsdb_idl`).
///
/// Feed it every [`Event::Update`](super::Event::Update) the client
/// reports, in order, with [`apply`](Self::apply). Column values are kept
/// in the server's form (sets and maps sorted, a set of one element as the
/// bare atom, defaults filled in where `update2` leaves them out), so a
/// row compares equal to what a `select` on the server returns for its
/// monitored columns.
#[derive(Clone, Debug, Default)]
pub struct Replica {
    tables: BTreeMap<String, Table>,
}

impl Replica {
    /// An empty replica.
    pub fn new() -> Replica {
        Replica::default()
    }

    /// Applies one update event: clears everything first when the event
    /// says so (a full resync), then inserts, modifies and deletes rows.
    ///
    /// A malformed update changes nothing and is returned as an error. A
    /// well-formed one that does not fit the replica (a modify of a missing
    /// row, a diff that does not fit its column) is applied as far as it
    /// goes and the first misfit is returned: the replica no longer matches
    /// the server, and the caller should ask for a full resync
    /// ([`OvsdbCs::flag_inconsistency`](super::OvsdbCs::flag_inconsistency)).
    pub fn apply(&mut self, event: &UpdateEvent) -> Result<(), UpdateError> {
        let updates = parse_db_update(&event.table_updates, event.version)?;
        if event.clear {
            self.tables.clear();
        }
        let mut first_error = None;
        let empty = TableSchema::default();
        for tu in updates {
            let ts = event.schema.tables.get(&tu.table).unwrap_or(&empty);
            let table = self.tables.entry(tu.table.clone()).or_default();
            for ru in tu.rows {
                if let Err(e) =
                    apply_row(table, ts, &tu.table, ru.uuid, ru.update_type, &ru.columns)
                {
                    first_error.get_or_insert(e);
                }
            }
        }
        first_error.map_or(Ok(()), Err)
    }

    /// Forgets every row.
    pub fn clear(&mut self) {
        self.tables.clear();
    }

    /// The rows of `table` (empty when it has none or is not monitored).
    pub fn table(&self, table: &str) -> Option<&Table> {
        self.tables.get(table)
    }

    /// Every table that has held rows.
    pub fn tables(&self) -> &BTreeMap<String, Table> {
        &self.tables
    }

    /// One row by table and UUID.
    pub fn row(&self, table: &str, uuid: &str) -> Option<&Object> {
        self.tables.get(table)?.get(uuid)
    }

    /// Number of rows in `table`.
    pub fn n_rows(&self, table: &str) -> usize {
        self.tables.get(table).map_or(0, BTreeMap::len)
    }

    /// One row as a typed value, through the serde bridge
    /// ([`json::from_json`]): a struct whose fields are the monitored
    /// columns (OVSDB's notation for sets, maps and UUIDs included).
    pub fn row_as<T: DeserializeOwned>(
        &self,
        table: &str,
        uuid: &str,
    ) -> Option<Result<T, serde_json::Error>> {
        let row = self.row(table, uuid)?;
        Some(json::from_json(&Json::object(row.clone())))
    }

    /// Every row of `table` as typed values, by UUID.
    pub fn rows_as<T: DeserializeOwned>(
        &self,
        table: &str,
    ) -> Result<BTreeMap<String, T>, serde_json::Error> {
        let mut out = BTreeMap::new();
        if let Some(t) = self.tables.get(table) {
            for (uuid, row) in t {
                out.insert(uuid.clone(), json::from_json(&Json::object(row.clone()))?);
            }
        }
        Ok(out)
    }
}

fn apply_row(
    table: &mut Table,
    ts: &TableSchema,
    table_name: &str,
    uuid: String,
    update_type: RowUpdateType,
    columns: &Object,
) -> Result<(), UpdateError> {
    let normalized = |name: &str, value: &Json| match ts.columns.get(name) {
        Some(ty) => datum::normalize(ty, value),
        None => value.clone(),
    };
    match update_type {
        RowUpdateType::Delete => {
            if table.remove(&uuid).is_none() {
                return Err(UpdateError(format!(
                    "cannot delete missing row {uuid} from table {table_name}"
                )));
            }
        }
        RowUpdateType::Insert => {
            let mut row = Object::with_capacity(ts.columns.len());
            for (name, ty) in &ts.columns {
                row.insert(name.as_str(), ty.default_value());
            }
            for (name, value) in columns {
                row.insert(name, normalized(name, value));
            }
            table.insert(uuid, row);
        }
        RowUpdateType::Update => {
            let Some(row) = table.get_mut(&uuid) else {
                return Err(UpdateError(format!(
                    "cannot modify missing row {uuid} in table {table_name}"
                )));
            };
            for (name, value) in columns {
                row.insert(name, normalized(name, value));
            }
        }
        RowUpdateType::Xor => {
            let Some(row) = table.get_mut(&uuid) else {
                return Err(UpdateError(format!(
                    "cannot modify missing row {uuid} in table {table_name}"
                )));
            };
            let mut first_error = None;
            for (name, diff) in columns {
                let Some(ty) = ts.columns.get(name) else {
                    row.insert(name, diff.clone());
                    continue;
                };
                let old = row.get(name).cloned().unwrap_or_else(|| ty.default_value());
                match datum::apply_diff(ty, &old, diff) {
                    Ok(new) => {
                        row.insert(name, new);
                    }
                    Err(e) => {
                        first_error.get_or_insert(UpdateError(format!(
                            "column {name} of row {uuid} in table {table_name}: {e}"
                        )));
                    }
                }
            }
            if let Some(e) = first_error {
                return Err(e);
            }
        }
    }
    Ok(())
}
