//! The serde bridge: `Json` as a serde value, and typed Rust values to and
//! from `Json`.

use std::fmt;
use std::sync::Arc;

use serde::de::value::BorrowedStrDeserializer;
use serde::de::{
    self, DeserializeOwned, DeserializeSeed, Deserializer, EnumAccess, IntoDeserializer, MapAccess,
    SeqAccess, VariantAccess, Visitor,
};
use serde::ser::{Serialize, SerializeMap, Serializer};
use serde::Deserialize;

use super::object::Object;
use super::value::Json;

/// Converts a serializable Rust value to [`Json`].
///
/// ```
/// use std::collections::BTreeMap;
///
/// let ports = BTreeMap::from([("br0", vec![65534]), ("eth0", vec![1, 2])]);
/// let j = ovsrpc::json::to_json(&ports).unwrap();
/// assert_eq!(j.to_string(), r#"{"br0":[65534],"eth0":[1,2]}"#);
/// ```
pub fn to_json<T: Serialize + ?Sized>(value: &T) -> Result<Json, serde_json::Error> {
    serde_json::to_value(value).map(Json::from)
}

/// Converts [`Json`] to a typed Rust value.
///
/// ```
/// let j = ovsrpc::json::from_str(r#"["br0", 65534, null]"#).unwrap();
/// let row: (String, i64, Option<bool>) = ovsrpc::json::from_json(&j).unwrap();
/// assert_eq!(row, ("br0".to_string(), 65534, None));
/// ```
pub fn from_json<T: DeserializeOwned>(json: &Json) -> Result<T, serde_json::Error> {
    T::deserialize(json)
}

impl Serialize for Json {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Json::Null => s.serialize_unit(),
            Json::Boolean(b) => s.serialize_bool(*b),
            Json::Integer(i) => s.serialize_i64(*i),
            Json::Real(r) => s.serialize_f64(*r),
            Json::String(t) => s.serialize_str(t),
            Json::Array(a) => s.collect_seq(a.iter()),
            Json::Object(o) => {
                let mut map = s.serialize_map(Some(o.len()))?;
                for (k, v) in o.iter() {
                    map.serialize_entry(k, v)?;
                }
                map.end()
            }
        }
    }
}

struct JsonVisitor;

impl<'de> Visitor<'de> for JsonVisitor {
    type Value = Json;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, b: bool) -> Result<Json, E> {
        Ok(Json::Boolean(b))
    }

    fn visit_i64<E>(self, i: i64) -> Result<Json, E> {
        Ok(Json::Integer(i))
    }

    fn visit_u64<E>(self, u: u64) -> Result<Json, E> {
        Ok(Json::from(u))
    }

    fn visit_i128<E>(self, i: i128) -> Result<Json, E> {
        Ok(i64::try_from(i).map_or(Json::Real(i as f64), Json::Integer))
    }

    fn visit_u128<E>(self, u: u128) -> Result<Json, E> {
        Ok(i64::try_from(u).map_or(Json::Real(u as f64), Json::Integer))
    }

    fn visit_f64<E>(self, r: f64) -> Result<Json, E> {
        Ok(Json::Real(r))
    }

    fn visit_str<E>(self, s: &str) -> Result<Json, E> {
        Ok(Json::from(s))
    }

    fn visit_string<E>(self, s: String) -> Result<Json, E> {
        Ok(Json::from(s))
    }

    fn visit_none<E>(self) -> Result<Json, E> {
        Ok(Json::Null)
    }

    fn visit_unit<E>(self) -> Result<Json, E> {
        Ok(Json::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Json, D::Error> {
        Json::deserialize(d)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Json, A::Error> {
        let mut v = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        while let Some(e) = seq.next_element()? {
            v.push(e);
        }
        Ok(Json::array(v))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Json, A::Error> {
        let mut o = Object::new();
        while let Some((k, v)) = map.next_entry::<String, Json>()? {
            o.insert(k, v);
        }
        Ok(Json::object(o))
    }
}

impl<'de> Deserialize<'de> for Json {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Json, D::Error> {
        d.deserialize_any(JsonVisitor)
    }
}

impl From<serde_json::Value> for Json {
    fn from(v: serde_json::Value) -> Json {
        use serde_json::Value;
        match v {
            Value::Null => Json::Null,
            Value::Bool(b) => Json::Boolean(b),
            Value::Number(n) => match (n.as_i64(), n.as_u64()) {
                (Some(i), _) => Json::Integer(i),
                (None, Some(u)) => Json::from(u),
                _ => Json::Real(n.as_f64().unwrap_or(0.0)),
            },
            Value::String(s) => Json::from(s),
            Value::Array(a) => Json::array(a.into_iter().map(Json::from).collect()),
            Value::Object(m) => {
                Json::object(m.into_iter().map(|(k, v)| (k, Json::from(v))).collect())
            }
        }
    }
}

impl From<&Json> for serde_json::Value {
    /// A non-finite real, which JSON cannot express, becomes `null`.
    fn from(j: &Json) -> serde_json::Value {
        use serde_json::Value;
        match j {
            Json::Null => Value::Null,
            Json::Boolean(b) => Value::Bool(*b),
            Json::Integer(i) => Value::from(*i),
            Json::Real(r) => serde_json::Number::from_f64(*r).map_or(Value::Null, Value::Number),
            Json::String(s) => Value::String(s.to_string()),
            Json::Array(a) => Value::Array(a.iter().map(Value::from).collect()),
            Json::Object(o) => Value::Object(
                o.iter()
                    .map(|(k, v)| (k.to_owned(), Value::from(v)))
                    .collect(),
            ),
        }
    }
}

impl From<Json> for serde_json::Value {
    fn from(j: Json) -> serde_json::Value {
        serde_json::Value::from(&j)
    }
}

// `&Json` as a serde Deserializer, so that `from_json` reads typed values
// straight from the tree, borrowing its strings.

type DeError = serde_json::Error;

fn unexpected(j: &Json) -> de::Unexpected<'_> {
    match j {
        Json::Null => de::Unexpected::Unit,
        Json::Boolean(b) => de::Unexpected::Bool(*b),
        Json::Integer(i) => de::Unexpected::Signed(*i),
        Json::Real(r) => de::Unexpected::Float(*r),
        Json::String(s) => de::Unexpected::Str(s),
        Json::Array(_) => de::Unexpected::Seq,
        Json::Object(_) => de::Unexpected::Map,
    }
}

impl<'de> Deserializer<'de> for &'de Json {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self {
            Json::Null => visitor.visit_unit(),
            Json::Boolean(b) => visitor.visit_bool(*b),
            Json::Integer(i) => visitor.visit_i64(*i),
            Json::Real(r) => visitor.visit_f64(*r),
            Json::String(s) => visitor.visit_borrowed_str(s),
            Json::Array(a) => {
                let mut seq = Seq { iter: a.iter() };
                let v = visitor.visit_seq(&mut seq)?;
                match seq.iter.len() {
                    0 => Ok(v),
                    _ => Err(de::Error::invalid_length(
                        a.len(),
                        &"fewer elements in array",
                    )),
                }
            }
            Json::Object(o) => visitor.visit_map(Map {
                iter: o.iter(),
                value: None,
            }),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self {
            Json::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        match self {
            Json::String(s) => visitor.visit_enum(Enum {
                variant: s,
                value: None,
            }),
            Json::Object(o) if o.len() == 1 => {
                let (variant, value) = o
                    .iter()
                    .next()
                    .ok_or_else(|| de::Error::custom("empty object"))?;
                visitor.visit_enum(Enum {
                    variant,
                    value: Some(value),
                })
            }
            other => Err(de::Error::invalid_type(
                unexpected(other),
                &"string or single-member object",
            )),
        }
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct seq tuple tuple_struct map struct
        identifier ignored_any
    }
}

struct Seq<'de> {
    iter: std::slice::Iter<'de, Json>,
}

impl<'de> SeqAccess<'de> for Seq<'de> {
    type Error = DeError;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, DeError> {
        self.iter.next().map(|e| seed.deserialize(e)).transpose()
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.iter.len())
    }
}

struct Map<'de> {
    iter: super::object::Iter<'de>,
    value: Option<&'de Json>,
}

impl<'de> MapAccess<'de> for Map<'de> {
    type Error = DeError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, DeError> {
        match self.iter.next() {
            Some((k, v)) => {
                self.value = Some(v);
                seed.deserialize(BorrowedStrDeserializer::new(k)).map(Some)
            }
            None => Ok(None),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, DeError> {
        match self.value.take() {
            Some(v) => seed.deserialize(v),
            None => Err(de::Error::custom("value is missing")),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.iter.len())
    }
}

struct Enum<'de> {
    variant: &'de str,
    value: Option<&'de Json>,
}

impl<'de> EnumAccess<'de> for Enum<'de> {
    type Error = DeError;
    type Variant = Variant<'de>;

    fn variant_seed<V: DeserializeSeed<'de>>(
        self,
        seed: V,
    ) -> Result<(V::Value, Variant<'de>), DeError> {
        let v = seed.deserialize(BorrowedStrDeserializer::<DeError>::new(self.variant))?;
        Ok((v, Variant { value: self.value }))
    }
}

struct Variant<'de> {
    value: Option<&'de Json>,
}

impl<'de> VariantAccess<'de> for Variant<'de> {
    type Error = DeError;

    fn unit_variant(self) -> Result<(), DeError> {
        match self.value {
            None | Some(Json::Null) => Ok(()),
            Some(other) => Err(de::Error::invalid_type(unexpected(other), &"unit variant")),
        }
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, DeError> {
        match self.value {
            Some(v) => seed.deserialize(v),
            None => Err(de::Error::invalid_type(
                de::Unexpected::UnitVariant,
                &"newtype variant",
            )),
        }
    }

    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value, DeError> {
        match self.value {
            Some(v @ Json::Array(_)) => v.deserialize_any(visitor),
            Some(other) => Err(de::Error::invalid_type(unexpected(other), &"tuple variant")),
            None => Err(de::Error::invalid_type(
                de::Unexpected::UnitVariant,
                &"tuple variant",
            )),
        }
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        match self.value {
            Some(v @ Json::Object(_)) => v.deserialize_any(visitor),
            Some(other) => Err(de::Error::invalid_type(
                unexpected(other),
                &"struct variant",
            )),
            None => Err(de::Error::invalid_type(
                de::Unexpected::UnitVariant,
                &"struct variant",
            )),
        }
    }
}

impl<'de> IntoDeserializer<'de, DeError> for &'de Json {
    type Deserializer = &'de Json;

    fn into_deserializer(self) -> &'de Json {
        self
    }
}

impl From<Arc<Object>> for Json {
    fn from(o: Arc<Object>) -> Json {
        Json::Object(o)
    }
}
