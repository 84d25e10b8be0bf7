//! The parts of an OVSDB schema (RFC 7047 §3.2) a client needs: tables,
//! their columns and each column's type.
//!
//! OVS's `ovsdb_cs_parse_schema` keeps only table and column names; the
//! replica also needs each column's type, to fill in the default values
//! `update2` leaves out and to apply `modify` diffs to sets and maps.

use std::collections::BTreeMap;
use std::fmt;

use crate::json::Json;

/// The type of one atom (`ovsdb_atomic_type`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AtomicType {
    /// `integer`.
    Integer,
    /// `real`.
    Real,
    /// `boolean`.
    Boolean,
    /// `string`.
    String,
    /// `uuid`.
    Uuid,
}

impl AtomicType {
    fn from_name(name: &str) -> Option<AtomicType> {
        Some(match name {
            "integer" => AtomicType::Integer,
            "real" => AtomicType::Real,
            "boolean" => AtomicType::Boolean,
            "string" => AtomicType::String,
            "uuid" => AtomicType::Uuid,
            _ => return None,
        })
    }

    /// The atom's default value (`ovsdb_atom_default`): 0, 0.0, false, ""
    /// or the all-zero UUID.
    pub fn default_atom(self) -> Json {
        match self {
            AtomicType::Integer => Json::Integer(0),
            AtomicType::Real => Json::Real(0.0),
            AtomicType::Boolean => Json::Boolean(false),
            AtomicType::String => Json::string(""),
            AtomicType::Uuid => Json::array(vec![
                "uuid".into(),
                "00000000-0000-0000-0000-000000000000".into(),
            ]),
        }
    }
}

/// A column's type (`struct ovsdb_type`): a key type, an optional value
/// type (a map), and how many elements it holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ColumnType {
    /// Type of the keys (of the elements, for a set or a scalar).
    pub key: AtomicType,
    /// Type of the values, for a map.
    pub value: Option<AtomicType>,
    /// Fewest elements (0 or 1).
    pub min: u32,
    /// Most elements; `u32::MAX` for `"unlimited"`.
    pub max: u32,
}

impl ColumnType {
    /// True for a column holding exactly one atom (`ovsdb_type_is_scalar`):
    /// its `update2` diff is the new value, not a set of changes.
    pub fn is_scalar(&self) -> bool {
        self.value.is_none() && self.min == 1 && self.max == 1
    }

    /// True for a map column (`ovsdb_type_is_map`).
    pub fn is_map(&self) -> bool {
        self.value.is_some()
    }

    /// The column's default value in OVSDB's JSON notation
    /// (`ovsdb_datum_init_default`): the atom's default for a scalar, an
    /// empty set or map otherwise.
    pub fn default_value(&self) -> Json {
        if self.is_scalar() {
            self.key.default_atom()
        } else if self.is_map() {
            Json::array(vec!["map".into(), Json::empty_array()])
        } else {
            Json::array(vec!["set".into(), Json::empty_array()])
        }
    }

    /// Parses a `<type>` (RFC 7047 §3.2): an atomic type name, or an object
    /// with `key`, optional `value`, `min` and `max`.
    pub fn from_json(json: &Json) -> Result<ColumnType, SchemaError> {
        fn base(json: &Json) -> Result<AtomicType, SchemaError> {
            let name = match json {
                Json::String(s) => s.as_ref(),
                Json::Object(o) => o.get("type").and_then(Json::as_str).unwrap_or(""),
                _ => "",
            };
            AtomicType::from_name(name)
                .ok_or_else(|| SchemaError(format!("unknown atomic type {json}")))
        }
        match json {
            Json::String(_) => Ok(ColumnType {
                key: base(json)?,
                value: None,
                min: 1,
                max: 1,
            }),
            Json::Object(o) => {
                let key = base(o.get("key").unwrap_or(&Json::Null))?;
                let value = o.get("value").map(base).transpose()?;
                let min = match o.get("min") {
                    None => 1,
                    Some(m) => m
                        .as_i64()
                        .and_then(|m| u32::try_from(m).ok())
                        .ok_or_else(|| SchemaError(format!("bad min {m}")))?,
                };
                let max = match o.get("max") {
                    None => 1,
                    Some(Json::String(s)) if s.as_ref() == "unlimited" => u32::MAX,
                    Some(m) => m
                        .as_i64()
                        .and_then(|m| u32::try_from(m).ok())
                        .ok_or_else(|| SchemaError(format!("bad max {m}")))?,
                };
                Ok(ColumnType {
                    key,
                    value,
                    min,
                    max,
                })
            }
            _ => Err(SchemaError(format!("bad column type {json}"))),
        }
    }
}

/// One table: its columns by name.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TableSchema {
    /// Column name to type (`_uuid` and `_version` are not listed).
    pub columns: BTreeMap<String, ColumnType>,
}

/// A database schema reduced to what a client needs
/// (`ovsdb_cs_parse_schema`, with column types).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Schema {
    /// The database's name.
    pub name: String,
    /// Table name to table.
    pub tables: BTreeMap<String, TableSchema>,
}

/// A schema that could not be parsed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SchemaError(pub String);

impl fmt::Display for SchemaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "error parsing database schema: {}", self.0)
    }
}

impl std::error::Error for SchemaError {}

impl Schema {
    /// Parses a `<database-schema>` as `get_schema` returns it or as the
    /// `_Server` database's `schema` column holds it (`ovsdb_cs_parse_schema`).
    pub fn from_json(json: &Json) -> Result<Schema, SchemaError> {
        let name = json.get("name").and_then(Json::as_str).unwrap_or("");
        let tables = json
            .get("tables")
            .and_then(Json::as_object)
            .ok_or_else(|| SchemaError("database schema lacks \"tables\"".into()))?;
        let mut schema = Schema {
            name: name.to_string(),
            tables: BTreeMap::new(),
        };
        for (table, tjson) in tables {
            let columns = tjson
                .get("columns")
                .and_then(Json::as_object)
                .ok_or_else(|| SchemaError(format!("table {table} lacks \"columns\"")))?;
            let mut ts = TableSchema::default();
            for (column, cjson) in columns {
                let ty = cjson.get("type").ok_or_else(|| {
                    SchemaError(format!("column {table}.{column} lacks \"type\""))
                })?;
                ts.columns
                    .insert(column.to_string(), ColumnType::from_json(ty)?);
            }
            schema.tables.insert(table.to_string(), ts);
        }
        Ok(schema)
    }

    /// The type of `table`.`column`, if the schema has it.
    pub fn column(&self, table: &str, column: &str) -> Option<&ColumnType> {
        self.tables.get(table)?.columns.get(column)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json;

    #[test]
    fn parses_tables_columns_and_types() {
        let s = Schema::from_json(
            &json::from_str(
                r#"{"name":"d","tables":{"T":{"columns":{
                    "a":{"type":"integer"},
                    "b":{"type":{"key":"string","min":0,"max":1}},
                    "c":{"type":{"key":{"type":"uuid"},"value":"string","min":0,"max":"unlimited"}}}}}}"#,
            )
            .unwrap(),
        )
        .unwrap();
        assert_eq!(s.name, "d");
        let a = s.column("T", "a").unwrap();
        assert!(a.is_scalar());
        assert_eq!(a.default_value(), Json::Integer(0));
        let b = s.column("T", "b").unwrap();
        assert!(!b.is_scalar() && !b.is_map());
        assert_eq!(b.default_value().to_string(), r#"["set",[]]"#);
        let c = s.column("T", "c").unwrap();
        assert!(c.is_map());
        assert_eq!(c.max, u32::MAX);
        assert_eq!(c.default_value().to_string(), r#"["map",[]]"#);
    }

    #[test]
    fn refuses_what_is_not_a_schema() {
        assert!(Schema::from_json(&json::from_str("[]").unwrap()).is_err());
        assert!(Schema::from_json(
            &json::from_str(r#"{"tables":{"T":{"columns":{"a":{"type":"blob"}}}}}"#).unwrap()
        )
        .is_err());
    }
}
