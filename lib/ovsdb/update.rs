//! Parsing `<table-updates>` (`update`, `monitor`) and `<table-updates2>`
//! (`update2`, `update3`, `monitor_cond`, `monitor_cond_since`) into row
//! changes (`ovsdb_cs_parse_db_update`).

use std::fmt;

use crate::json::{Json, Object};

/// What happened to one row (`enum ovsdb_cs_row_update_type`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RowUpdateType {
    /// A new row: `columns` holds its values (`OVSDB_CS_ROW_INSERT`; for
    /// `update2` only the columns whose values are not the default).
    Insert,
    /// `update` only: `columns` holds new values of the row's columns
    /// (`OVSDB_CS_ROW_UPDATE`).
    Update,
    /// `update2` `modify`: `columns` holds diffs (`OVSDB_CS_ROW_XOR`).
    Xor,
    /// The row is gone (`OVSDB_CS_ROW_DELETE`).
    Delete,
}

/// One row's change (`struct ovsdb_cs_row_update`).
#[derive(Clone, Debug, PartialEq)]
pub struct RowUpdate {
    /// The row's UUID, as text.
    pub uuid: String,
    /// The kind of change.
    pub update_type: RowUpdateType,
    /// Column values or diffs (empty for a delete).
    pub columns: Object,
}

/// The changes to one table (`struct ovsdb_cs_table_update`).
#[derive(Clone, Debug, PartialEq)]
pub struct TableUpdate {
    /// The table's name.
    pub table: String,
    /// Its rows' changes.
    pub rows: Vec<RowUpdate>,
}

/// A malformed update (`ovsdb_syntax_error`), with OVS's wording.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UpdateError(pub String);

impl fmt::Display for UpdateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "syntax error: {}", self.0)
    }
}

impl std::error::Error for UpdateError {}

/// True when `s` is a UUID in its 36-character text form.
pub fn is_uuid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, &c)| match i {
            8 | 13 | 18 | 23 => c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

fn parse_row_update1(row: &Object) -> Result<(RowUpdateType, Object), UpdateError> {
    let old = row.get("old");
    let new = row.get("new");
    if old.is_some_and(|o| o.as_object().is_none()) {
        return Err(UpdateError("\"old\" <row> is not object".into()));
    }
    if new.is_some_and(|n| n.as_object().is_none()) {
        return Err(UpdateError("\"new\" <row> is not object".into()));
    }
    if usize::from(old.is_some()) + usize::from(new.is_some()) != row.len() {
        return Err(UpdateError(
            "<row-update> contains unexpected member".into(),
        ));
    }
    let object = |j: Option<&Json>| j.and_then(Json::as_object).cloned().unwrap_or_default();
    match (old, new) {
        (None, None) => Err(UpdateError(
            "<row-update> missing \"old\" and \"new\" members".into(),
        )),
        (Some(_), None) => Ok((RowUpdateType::Delete, Object::new())),
        (None, Some(_)) => Ok((RowUpdateType::Insert, object(new))),
        (Some(_), Some(_)) => Ok((RowUpdateType::Update, object(new))),
    }
}

fn parse_row_update2(row: &Object) -> Result<(RowUpdateType, Object), UpdateError> {
    if row.len() != 1 {
        return Err(UpdateError(format!(
            "<row-update2> has {} members instead of expected 1",
            row.len()
        )));
    }
    let (op, value) = row.iter().next().expect("one member");
    let update_type = match op {
        "insert" | "initial" => RowUpdateType::Insert,
        "modify" => RowUpdateType::Xor,
        "delete" => {
            if !value.is_null() {
                return Err(UpdateError(
                    "<row-update2> delete operation has unexpected value".into(),
                ));
            }
            return Ok((RowUpdateType::Delete, Object::new()));
        }
        _ => {
            return Err(UpdateError(format!(
                "<row-update2> has unknown member \"{op}\""
            )))
        }
    };
    let columns = value.as_object().ok_or_else(|| {
        UpdateError(format!(
            "<row-update2> \"{op}\" operation has unexpected value"
        ))
    })?;
    Ok((update_type, columns.clone()))
}

/// Parses `<table-updates>` (`version` 1) or `<table-updates2>` (2 or 3)
/// into one [`TableUpdate`] per table, in the order received
/// (`ovsdb_cs_parse_db_update`).
pub fn parse_db_update(json: &Json, version: u8) -> Result<Vec<TableUpdate>, UpdateError> {
    let suffix = if version > 1 { "2" } else { "" };
    let tables = json
        .as_object()
        .ok_or_else(|| UpdateError(format!("<table-updates{suffix}> is not an object")))?;
    let mut out = Vec::with_capacity(tables.len());
    for (table, tu) in tables {
        let rows = tu.as_object().ok_or_else(|| {
            UpdateError(format!(
                "<table-update{suffix}> for table \"{table}\" is not an object"
            ))
        })?;
        let mut updates = Vec::with_capacity(rows.len());
        for (uuid, ru) in rows {
            if !is_uuid(uuid) {
                return Err(UpdateError(format!(
                    "<table-update{suffix}> for table \"{table}\" contains bad UUID \"{uuid}\" as member name"
                )));
            }
            let ru = ru.as_object().ok_or_else(|| {
                UpdateError(format!(
                    "<table-update{suffix}> for table \"{table}\" contains <row-update{suffix}> that is not an object"
                ))
            })?;
            let (update_type, columns) = if version == 1 {
                parse_row_update1(ru)?
            } else {
                parse_row_update2(ru)?
            };
            updates.push(RowUpdate {
                uuid: uuid.to_string(),
                update_type,
                columns,
            });
        }
        out.push(TableUpdate {
            table: table.to_string(),
            rows: updates,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json;

    const U1: &str = "11111111-2222-3333-4444-555555555555";

    #[test]
    fn update2_kinds() {
        let j = json::from_str(&format!(
            r#"{{"T":{{"{U1}":{{"initial":{{"a":1}}}}}},"U":{{"{U1}":{{"modify":{{"a":2}}}}}},"V":{{"{U1}":{{"delete":null}}}}}}"#
        ))
        .unwrap();
        let tus = parse_db_update(&j, 2).unwrap();
        assert_eq!(tus.len(), 3);
        assert_eq!(tus[0].rows[0].update_type, RowUpdateType::Insert);
        assert_eq!(tus[1].rows[0].update_type, RowUpdateType::Xor);
        assert_eq!(tus[2].rows[0].update_type, RowUpdateType::Delete);
        assert_eq!(tus[1].rows[0].columns.get("a"), Some(&Json::Integer(2)));
    }

    #[test]
    fn update1_kinds() {
        let j = json::from_str(&format!(
            r#"{{"T":{{"{U1}":{{"new":{{"a":1}}}}}},"U":{{"{U1}":{{"old":{{"a":1}},"new":{{"a":2}}}}}},"V":{{"{U1}":{{"old":{{}}}}}}}}"#
        ))
        .unwrap();
        let tus = parse_db_update(&j, 1).unwrap();
        assert_eq!(tus[0].rows[0].update_type, RowUpdateType::Insert);
        assert_eq!(tus[1].rows[0].update_type, RowUpdateType::Update);
        assert_eq!(tus[2].rows[0].update_type, RowUpdateType::Delete);
    }

    #[test]
    fn malformed_updates_are_errors_with_ovs_wording() {
        let bad = |s: &str, v| {
            parse_db_update(&json::from_str(s).unwrap(), v)
                .unwrap_err()
                .0
        };
        assert_eq!(bad("[]", 2), "<table-updates2> is not an object");
        assert_eq!(
            bad(r#"{"T":1}"#, 1).to_string(),
            "<table-update> for table \"T\" is not an object"
        );
        assert!(bad(r#"{"T":{"x":{}}}"#, 2).contains("bad UUID \"x\""));
        let two = format!(r#"{{"T":{{"{U1}":{{"insert":{{}},"delete":null}}}}}}"#);
        assert_eq!(
            bad(&two, 2),
            "<row-update2> has 2 members instead of expected 1"
        );
        let del = format!(r#"{{"T":{{"{U1}":{{"delete":{{}}}}}}}}"#);
        assert_eq!(
            bad(&del, 3),
            "<row-update2> delete operation has unexpected value"
        );
        let none = format!(r#"{{"T":{{"{U1}":{{}}}}}}"#);
        assert_eq!(
            bad(&none, 1),
            "<row-update> missing \"old\" and \"new\" members"
        );
    }
}
