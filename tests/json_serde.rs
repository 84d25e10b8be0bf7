//! The serde bridge: Json as a serde value, typed values to and from Json,
//! and conversions with serde_json::Value.

use std::collections::{BTreeMap, HashMap};

use ovsrpc::json::{self, from_json, to_json, Json};

#[test]
fn typed_values_to_json_and_back() {
    let ports: BTreeMap<String, Vec<i64>> =
        BTreeMap::from([("br0".into(), vec![65534]), ("eth0".into(), vec![1, 2])]);
    let j = to_json(&ports).unwrap();
    assert_eq!(j.to_string(), r#"{"br0":[65534],"eth0":[1,2]}"#);
    let back: BTreeMap<String, Vec<i64>> = from_json(&j).unwrap();
    assert_eq!(back, ports);

    let row = (
        "br0".to_string(),
        7u16,
        Some(2.5f64),
        None::<bool>,
        vec!['x', 'y'],
    );
    let j = to_json(&row).unwrap();
    assert_eq!(j.to_string(), r#"["br0",7,2.5,null,["x","y"]]"#);
    let back: (String, u16, Option<f64>, Option<bool>, Vec<char>) = from_json(&j).unwrap();
    assert_eq!(back, row);

    // Typed reads from parsed text, borrowing nothing from it afterwards.
    let j = json::from_str(r#"{"a": [1, 2, 3], "b": []}"#).unwrap();
    let m: HashMap<String, Vec<u8>> = from_json(&j).unwrap();
    assert_eq!(m["a"], [1, 2, 3]);
    assert!(m["b"].is_empty());
    let unit: () = from_json(&Json::Null).unwrap();
    assert_eq!(unit, ());
}

#[test]
fn type_mismatches_are_errors_not_panics() {
    let j = json::from_str(r#"[1.5, "x", {"a": true}]"#).unwrap();
    assert!(from_json::<Vec<i64>>(&j).is_err());
    assert!(from_json::<(f64, String)>(&j).is_err(), "too many elements");
    assert!(from_json::<(f64, String, HashMap<String, bool>)>(&j).is_ok());
    assert!(from_json::<u8>(&Json::Integer(300)).is_err());
    assert!(from_json::<String>(&Json::Integer(3)).is_err());
    assert!(from_json::<Option<i32>>(&Json::Null).unwrap().is_none());
    let e = from_json::<i64>(&Json::from("nope")).unwrap_err();
    assert!(e.to_string().contains("invalid type"), "{e}");
}

#[test]
fn json_is_a_serde_value() {
    // Serialize: serde_json writes what our compact serializer writes.
    let j = json::from_str(r#"{"z":[null,true,-1,"q\"\n"],"a":{"b":[]}}"#).unwrap();
    assert_eq!(serde_json::to_string(&j).unwrap(), j.to_string());

    // Deserialize from another format's deserializer.
    let j: Json =
        serde_json::from_str(r#"{"x": [1, 2.5, 18446744073709551615, "s"], "x2": null}"#).unwrap();
    assert_eq!(j.get("x").and_then(|x| x.at(0)), Some(&Json::Integer(1)));
    assert_eq!(j.get("x").and_then(|x| x.at(1)), Some(&Json::Real(2.5)));
    assert_eq!(
        j.get("x").and_then(|x| x.at(2)),
        Some(&Json::Real(18446744073709551615.0))
    );
    assert_eq!(j.get("x2"), Some(&Json::Null));
    // Json as a field inside a typed value.
    let v: Vec<Json> = serde_json::from_str(r#"[{"a":1}, [2], "3"]"#).unwrap();
    assert_eq!(Json::array(v).to_string(), r#"[{"a":1},[2],"3"]"#);
}

#[test]
fn serde_json_value_conversions() {
    let value =
        serde_json::json!({"n": [1, -2, 3.25, u64::MAX], "s": "é", "o": {"t": true, "f": null}});
    let j = Json::from(value.clone());
    assert_eq!(
        j.get("n").and_then(|n| n.at(3)),
        Some(&Json::Real(u64::MAX as f64))
    );
    assert_eq!(j.get("s").and_then(Json::as_str), Some("é"));
    let back = serde_json::Value::from(&j);
    assert_eq!(back["n"][2], serde_json::json!(3.25));
    assert_eq!(back["o"], value["o"]);
    assert_eq!(
        serde_json::Value::from(Json::Real(f64::NAN)),
        serde_json::Value::Null
    );
    assert_eq!(Json::from(serde_json::Value::from(j.clone())), j);
}

#[test]
fn enums_through_from_json() {
    use serde::de::{self, Deserializer, EnumAccess, VariantAccess, Visitor};

    /// A hand-written enum (no derive here): `"Unit"`, `{"New": 5}`,
    /// `{"Tuple": [1, 2]}`.
    #[derive(Debug, PartialEq)]
    enum E {
        Unit,
        New(i64),
        Tuple(i64, i64),
    }

    impl<'de> serde::Deserialize<'de> for E {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<E, D::Error> {
            struct V;
            impl<'de> Visitor<'de> for V {
                type Value = E;
                fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                    f.write_str("E")
                }
                fn visit_enum<A: EnumAccess<'de>>(self, a: A) -> Result<E, A::Error> {
                    let (name, variant): (String, _) = a.variant()?;
                    match name.as_str() {
                        "Unit" => variant.unit_variant().map(|()| E::Unit),
                        "New" => variant.newtype_variant().map(E::New),
                        "Tuple" => variant
                            .tuple_variant(2, TupleV)
                            .map(|(x, y)| E::Tuple(x, y)),
                        other => Err(de::Error::unknown_variant(other, &["Unit", "New", "Tuple"])),
                    }
                }
            }
            struct TupleV;
            impl<'de> Visitor<'de> for TupleV {
                type Value = (i64, i64);
                fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                    f.write_str("pair")
                }
                fn visit_seq<S: de::SeqAccess<'de>>(
                    self,
                    mut s: S,
                ) -> Result<(i64, i64), S::Error> {
                    let x = s
                        .next_element()?
                        .ok_or_else(|| de::Error::invalid_length(0, &self))?;
                    let y = s
                        .next_element()?
                        .ok_or_else(|| de::Error::invalid_length(1, &self))?;
                    Ok((x, y))
                }
            }
            d.deserialize_enum("E", &["Unit", "New", "Tuple"], V)
        }
    }

    let parse = |t: &str| {
        from_json::<E>(
            &json::from_str(&format!("[{t}]"))
                .unwrap()
                .at(0)
                .cloned()
                .unwrap(),
        )
    };
    assert_eq!(parse(r#""Unit""#).unwrap(), E::Unit);
    assert_eq!(parse(r#"{"New": 5}"#).unwrap(), E::New(5));
    assert_eq!(parse(r#"{"Tuple": [1, 2]}"#).unwrap(), E::Tuple(1, 2));
    assert!(parse(r#"{"Other": 1}"#).is_err());
    assert!(parse(r#"{"New": 5, "Unit": null}"#).is_err());
    assert!(parse("7").is_err());
}
