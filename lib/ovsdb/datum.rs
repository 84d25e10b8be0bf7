//! Column values in OVSDB's JSON notation (RFC 7047 §5.1): atoms, `["set",
//! [...]]`, `["map", [[k, v], ...]]`, and the `update2` diffs applied to
//! them (`ovsdb_datum_apply_diff`).
//!
//! Values are kept as the server writes them: a set of one element is the
//! bare atom, elements and map keys sorted in OVSDB's atom order
//! (`ovsdb_atom_compare_3way`), so a value built here compares equal to the
//! one the server returns for the same contents.

use std::cmp::Ordering;

use crate::json::Json;
use crate::ovsdb::schema::ColumnType;

/// True when `json` is an atom of the `uuid` or `named-uuid` kind
/// (`["uuid", "..."]`), which is an array but not a set or a map.
fn is_uuid_atom(json: &Json) -> bool {
    matches!(
        json.at(0).and_then(Json::as_str),
        Some("uuid" | "named-uuid")
    ) && json.as_array().is_some_and(|a| a.len() == 2)
}

/// Compares two atoms in OVSDB's order: numbers numerically, false before
/// true, strings bytewise, UUIDs by value (their text, fixed-width lower
/// case hex, orders the same way). Atoms of different kinds fall back to
/// their serialized text, which only a malformed value can produce.
pub fn atom_cmp(a: &Json, b: &Json) -> Ordering {
    match (a, b) {
        (Json::Integer(x), Json::Integer(y)) => x.cmp(y),
        (Json::Integer(_) | Json::Real(_), Json::Integer(_) | Json::Real(_)) => {
            let x = a.as_f64().unwrap_or(0.0);
            let y = b.as_f64().unwrap_or(0.0);
            x.partial_cmp(&y).unwrap_or(Ordering::Equal)
        }
        (Json::Boolean(x), Json::Boolean(y)) => x.cmp(y),
        (Json::String(x), Json::String(y)) => x.as_bytes().cmp(y.as_bytes()),
        _ if is_uuid_atom(a) && is_uuid_atom(b) => {
            let x = a.at(1).and_then(Json::as_str).unwrap_or("");
            let y = b.at(1).and_then(Json::as_str).unwrap_or("");
            x.cmp(y)
        }
        _ => a.to_string().cmp(&b.to_string()),
    }
}

/// The elements of a set value: `["set", [...]]` or a bare atom (a set of
/// one). `None` when `json` is neither.
pub fn set_elements(json: &Json) -> Option<Vec<Json>> {
    if json.at(0).and_then(Json::as_str) == Some("set") {
        return json.at(1)?.as_array().map(<[Json]>::to_vec);
    }
    match json {
        Json::Array(_) if !is_uuid_atom(json) => None,
        Json::Object(_) | Json::Null => None,
        _ => Some(vec![json.clone()]),
    }
}

/// The pairs of a map value `["map", [[k, v], ...]]`.
pub fn map_pairs(json: &Json) -> Option<Vec<(Json, Json)>> {
    if json.at(0).and_then(Json::as_str) != Some("map") {
        return None;
    }
    json.at(1)?
        .as_array()?
        .iter()
        .map(|p| Some((p.at(0)?.clone(), p.at(1)?.clone())))
        .collect()
}

/// Builds a set value in the server's form: sorted, and the bare atom when
/// it has exactly one element.
pub fn make_set(mut elements: Vec<Json>) -> Json {
    elements.sort_by(atom_cmp);
    elements.dedup_by(|a, b| atom_cmp(a, b) == Ordering::Equal);
    if elements.len() == 1 {
        elements.pop().unwrap_or(Json::Null)
    } else {
        Json::array(vec!["set".into(), Json::array(elements)])
    }
}

/// Builds a map value in the server's form, sorted by key.
pub fn make_map(mut pairs: Vec<(Json, Json)>) -> Json {
    pairs.sort_by(|a, b| atom_cmp(&a.0, &b.0));
    Json::array(vec![
        "map".into(),
        Json::array(
            pairs
                .into_iter()
                .map(|(k, v)| Json::array(vec![k, v]))
                .collect(),
        ),
    ])
}

/// Puts a value received for a column of type `ty` in the server's form
/// (sorted sets and maps, one-element sets as atoms). Values that do not
/// parse are returned unchanged.
pub fn normalize(ty: &ColumnType, value: &Json) -> Json {
    if ty.is_scalar() {
        return value.clone();
    }
    if ty.is_map() {
        return map_pairs(value).map_or_else(|| value.clone(), make_map);
    }
    set_elements(value).map_or_else(|| value.clone(), make_set)
}

/// A diff that does not fit its column's type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DiffError(pub String);

impl std::fmt::Display for DiffError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Applies an `update2` `modify` diff to `old` (`ovsdb_datum_apply_diff`):
/// for a scalar the diff is the new value; for a set each element of the
/// diff is removed when present and added when absent; for a map each pair
/// removes a key holding that same value, replaces the value of a key
/// holding another, or adds a missing key.
pub fn apply_diff(ty: &ColumnType, old: &Json, diff: &Json) -> Result<Json, DiffError> {
    if ty.is_scalar() {
        return Ok(diff.clone());
    }
    if ty.is_map() {
        let mut pairs = map_pairs(old).ok_or_else(|| DiffError(format!("bad map {old}")))?;
        let changes = map_pairs(diff).ok_or_else(|| DiffError(format!("bad map diff {diff}")))?;
        for (k, v) in changes {
            match pairs
                .iter()
                .position(|(pk, _)| atom_cmp(pk, &k) == Ordering::Equal)
            {
                Some(i) if pairs[i].1 == v => {
                    pairs.swap_remove(i);
                }
                Some(i) => pairs[i].1 = v,
                None => pairs.push((k, v)),
            }
        }
        return Ok(make_map(pairs));
    }
    let mut elements = set_elements(old).ok_or_else(|| DiffError(format!("bad set {old}")))?;
    let changes = set_elements(diff).ok_or_else(|| DiffError(format!("bad set diff {diff}")))?;
    for e in changes {
        match elements
            .iter()
            .position(|x| atom_cmp(x, &e) == Ordering::Equal)
        {
            Some(i) => {
                elements.swap_remove(i);
            }
            None => elements.push(e),
        }
    }
    Ok(make_set(elements))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json;
    use crate::ovsdb::schema::AtomicType;

    fn j(s: &str) -> Json {
        json::from_str(&format!("[{s}]"))
            .unwrap()
            .at(0)
            .unwrap()
            .clone()
    }

    fn set_of(key: AtomicType) -> ColumnType {
        ColumnType {
            key,
            value: None,
            min: 0,
            max: u32::MAX,
        }
    }

    #[test]
    fn atoms_order_as_ovsdb_orders_them() {
        assert_eq!(atom_cmp(&j("2"), &j("10")), Ordering::Less);
        assert_eq!(atom_cmp(&j("\"b\""), &j("\"a\"")), Ordering::Greater);
        assert_eq!(atom_cmp(&j("false"), &j("true")), Ordering::Less);
        assert_eq!(
            atom_cmp(
                &j(r#"["uuid","0a000000-0000-0000-0000-000000000000"]"#),
                &j(r#"["uuid","b0000000-0000-0000-0000-000000000000"]"#)
            ),
            Ordering::Less
        );
    }

    #[test]
    fn set_diff_toggles_elements_and_keeps_the_server_form() {
        let ty = set_of(AtomicType::Integer);
        let v = apply_diff(&ty, &j(r#"["set",[]]"#), &j("3")).unwrap();
        assert_eq!(v, j("3"));
        let v = apply_diff(&ty, &v, &j(r#"["set",[1,2]]"#)).unwrap();
        assert_eq!(v, j(r#"["set",[1,2,3]]"#));
        let v = apply_diff(&ty, &v, &j(r#"["set",[1,3]]"#)).unwrap();
        assert_eq!(v, j("2"));
        let v = apply_diff(&ty, &v, &j("2")).unwrap();
        assert_eq!(v, j(r#"["set",[]]"#));
    }

    #[test]
    fn map_diff_adds_replaces_and_removes() {
        let ty = ColumnType {
            key: AtomicType::String,
            value: Some(AtomicType::Integer),
            min: 0,
            max: u32::MAX,
        };
        let v = apply_diff(
            &ty,
            &j(r#"["map",[["a",1],["b",2]]]"#),
            &j(r#"["map",[["a",1],["b",5],["c",3]]]"#),
        )
        .unwrap();
        assert_eq!(v, j(r#"["map",[["b",5],["c",3]]]"#));
        assert!(apply_diff(&ty, &v, &j("1")).is_err());
    }

    #[test]
    fn scalar_diff_is_the_new_value() {
        let ty = ColumnType {
            key: AtomicType::String,
            value: None,
            min: 1,
            max: 1,
        };
        assert_eq!(
            apply_diff(&ty, &j("\"x\""), &j("\"y\"")).unwrap(),
            j("\"y\"")
        );
    }

    #[test]
    fn normalize_sorts_sets_received_in_any_order() {
        let ty = set_of(AtomicType::String);
        assert_eq!(
            normalize(&ty, &j(r#"["set",["b","a"]]"#)),
            j(r#"["set",["a","b"]]"#)
        );
        assert_eq!(normalize(&ty, &j(r#"["set",["a"]]"#)), j("\"a\""));
    }
}
