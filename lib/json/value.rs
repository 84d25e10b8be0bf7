//! The `Json` value: a cheaply cloned tree of reference-counted nodes.

use std::fmt;
use std::sync::Arc;

use super::object::Object;
use super::serializer::SerializeOptions;

/// A JSON value in OVS's dialect.
///
/// Integers and reals are distinct: `1` is [`Json::Integer`], `1.5` is
/// [`Json::Real`] (and so is `1e300`). Strings, arrays and objects sit behind
/// an [`Arc`], so `clone()` never copies a subtree: like OVS's
/// reference-counted `struct json`, a message and any part of it can be kept
/// or passed around for the cost of a counter increment. An array's
/// elements sit in the same allocation as its reference count (one
/// allocation per array; empty arrays share a static one). Mutation goes
/// through [`Json::as_array_mut`], which replaces the array node with one
/// holding the new elements, and [`Json::as_object_mut`], which copies an
/// object only when it is shared (copy on write, one level at a time).
///
/// Equality follows OVS's `json_equal`: same type, arrays element by element,
/// objects member by member regardless of order, reals with `==`.
#[derive(Clone, Default)]
pub enum Json {
    /// `null`.
    #[default]
    Null,
    /// `false` or `true`.
    Boolean(bool),
    /// A number whose value is an integer in the signed 64-bit range.
    Integer(i64),
    /// Any other number: a double. The parser never makes NaN, an
    /// infinity or a negative zero; if built by hand, the first two are
    /// written as `null` and `-0.0` as `0`.
    Real(f64),
    /// A string (UTF-8).
    String(Arc<str>),
    /// An array: its elements in one shared allocation with the count.
    Array(Arc<[Json]>),
    /// An object: members in insertion order, looked up by name.
    Object(Arc<Object>),
}

/// The type of a [`Json`] value, in the order of OVS's `enum json_type`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum JsonType {
    /// `null` (`JSON_NULL`).
    Null,
    /// `false` (`JSON_FALSE`).
    False,
    /// `true` (`JSON_TRUE`).
    True,
    /// An object (`JSON_OBJECT`).
    Object,
    /// An array (`JSON_ARRAY`).
    Array,
    /// An integer (`JSON_INTEGER`).
    Integer,
    /// A real (`JSON_REAL`).
    Real,
    /// A string (`JSON_STRING`).
    String,
}

impl JsonType {
    /// The name OVS's `json_type_to_string()` gives: `null`, `false`, `true`,
    /// `object`, `array`, `number` (integers and reals alike) or `string`.
    pub fn as_str(self) -> &'static str {
        match self {
            JsonType::Null => "null",
            JsonType::False => "false",
            JsonType::True => "true",
            JsonType::Object => "object",
            JsonType::Array => "array",
            JsonType::Integer | JsonType::Real => "number",
            JsonType::String => "string",
        }
    }
}

impl fmt::Display for JsonType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Json {
    /// A string value.
    pub fn string(s: impl Into<Arc<str>>) -> Json {
        Json::String(s.into())
    }

    /// An array holding `elements`.
    pub fn array(elements: Vec<Json>) -> Json {
        if elements.is_empty() {
            // Empty arrays share one static node: no allocation.
            return Json::Array(Arc::default());
        }
        Json::Array(Arc::from(elements))
    }

    /// An empty array.
    pub fn empty_array() -> Json {
        Json::array(Vec::new())
    }

    /// An object value.
    pub fn object(object: Object) -> Json {
        Json::Object(Arc::new(object))
    }

    /// An empty object.
    pub fn empty_object() -> Json {
        Json::object(Object::new())
    }

    /// The value's type (OVS's `json->type`).
    pub fn json_type(&self) -> JsonType {
        match self {
            Json::Null => JsonType::Null,
            Json::Boolean(false) => JsonType::False,
            Json::Boolean(true) => JsonType::True,
            Json::Integer(_) => JsonType::Integer,
            Json::Real(_) => JsonType::Real,
            Json::String(_) => JsonType::String,
            Json::Array(_) => JsonType::Array,
            Json::Object(_) => JsonType::Object,
        }
    }

    /// True for `null`.
    pub fn is_null(&self) -> bool {
        matches!(self, Json::Null)
    }

    /// True for an integer or a real.
    pub fn is_number(&self) -> bool {
        matches!(self, Json::Integer(_) | Json::Real(_))
    }

    /// The boolean, if this is `false` or `true`.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Json::Boolean(b) => Some(*b),
            _ => None,
        }
    }

    /// The integer, if this is an integer (reals are not converted).
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Json::Integer(i) => Some(*i),
            _ => None,
        }
    }

    /// The number as a double, for an integer or a real (OVS's
    /// `json_real()`).
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Json::Integer(i) => Some(*i as f64),
            Json::Real(r) => Some(*r),
            _ => None,
        }
    }

    /// The string, if this is a string.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Json::String(s) => Some(s),
            _ => None,
        }
    }

    /// The shared string, if this is a string (cloning it is cheap).
    pub fn as_arc_str(&self) -> Option<&Arc<str>> {
        match self {
            Json::String(s) => Some(s),
            _ => None,
        }
    }

    /// The elements, if this is an array.
    pub fn as_array(&self) -> Option<&[Json]> {
        match self {
            Json::Array(a) => Some(a),
            _ => None,
        }
    }

    /// The object, if this is an object.
    pub fn as_object(&self) -> Option<&Object> {
        match self {
            Json::Object(o) => Some(o),
            _ => None,
        }
    }

    /// The elements for modification, if this is an array, as a vector
    /// that becomes the array's new elements when the returned guard is
    /// dropped. The array node is replaced, never changed in place, so a
    /// shared array is left as it was (the elements themselves are shared,
    /// not copied).
    pub fn as_array_mut(&mut self) -> Option<ArrayMut<'_>> {
        match self {
            Json::Array(a) => {
                let elements = a.to_vec();
                Some(ArrayMut { array: a, elements })
            }
            _ => None,
        }
    }

    /// The object for modification, if this is an object. A shared object is
    /// copied first (the member values are shared, not copied).
    pub fn as_object_mut(&mut self) -> Option<&mut Object> {
        match self {
            Json::Object(o) => Some(Arc::make_mut(o)),
            _ => None,
        }
    }

    /// The member `name` of an object; `None` for a missing member or a
    /// value that is not an object.
    pub fn get(&self, name: &str) -> Option<&Json> {
        self.as_object().and_then(|o| o.get(name))
    }

    /// Element `index` of an array; `None` out of range or for a value that
    /// is not an array.
    pub fn at(&self, index: usize) -> Option<&Json> {
        self.as_array().and_then(|a| a.get(index))
    }

    /// True if `self` and `other` are the same node (a clone of one
    /// another), not merely equal. Scalars are never the same node; empty
    /// arrays all share one node, and the parser shares repeated short
    /// strings.
    pub fn ptr_eq(&self, other: &Json) -> bool {
        match (self, other) {
            (Json::String(a), Json::String(b)) => Arc::ptr_eq(a, b),
            (Json::Array(a), Json::Array(b)) => Arc::ptr_eq(a, b),
            (Json::Object(a), Json::Object(b)) => Arc::ptr_eq(a, b),
            _ => false,
        }
    }

    /// A copy that shares nothing with `self` (OVS's `json_deep_clone()`).
    /// Rarely needed: [`Clone`] shares, and mutation copies on write.
    pub fn deep_clone(&self) -> Json {
        match self {
            Json::String(s) => Json::String(Arc::from(&**s)),
            Json::Array(a) => Json::array(a.iter().map(Json::deep_clone).collect()),
            Json::Object(o) => Json::object(
                o.iter()
                    .map(|(k, v)| (Arc::<str>::from(k), v.deep_clone()))
                    .collect(),
            ),
            other => other.clone(),
        }
    }

    /// Serialized compactly with members in insertion order: the same text
    /// as `to_string()`, built without going through `std::fmt`.
    pub fn to_compact_string(&self) -> String {
        self.to_string_with(SerializeOptions::COMPACT)
    }
}

/// The elements of an array being modified ([`Json::as_array_mut`]): a
/// `Vec<Json>` that is written back as the array's elements when dropped.
pub struct ArrayMut<'a> {
    array: &'a mut Arc<[Json]>,
    elements: Vec<Json>,
}

impl std::ops::Deref for ArrayMut<'_> {
    type Target = Vec<Json>;

    fn deref(&self) -> &Vec<Json> {
        &self.elements
    }
}

impl std::ops::DerefMut for ArrayMut<'_> {
    fn deref_mut(&mut self) -> &mut Vec<Json> {
        &mut self.elements
    }
}

impl Drop for ArrayMut<'_> {
    fn drop(&mut self) {
        let elements = std::mem::take(&mut self.elements);
        *self.array = if elements.is_empty() {
            Arc::default()
        } else {
            Arc::from(elements)
        };
    }
}

impl PartialEq for Json {
    fn eq(&self, other: &Json) -> bool {
        match (self, other) {
            (Json::Null, Json::Null) => true,
            (Json::Boolean(a), Json::Boolean(b)) => a == b,
            (Json::Integer(a), Json::Integer(b)) => a == b,
            (Json::Real(a), Json::Real(b)) => a == b,
            (Json::String(a), Json::String(b)) => a == b,
            (Json::Array(a), Json::Array(b)) => Arc::ptr_eq(a, b) || a == b,
            (Json::Object(a), Json::Object(b)) => Arc::ptr_eq(a, b) || a == b,
            _ => false,
        }
    }
}

impl fmt::Debug for Json {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.fmt_with(f, SerializeOptions::COMPACT)
    }
}

/// Compact serialization, members in insertion order; `{:#}` pretty-prints.
impl fmt::Display for Json {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let options = if f.alternate() {
            SerializeOptions::PRETTY
        } else {
            SerializeOptions::COMPACT
        };
        self.fmt_with(f, options)
    }
}

impl std::str::FromStr for Json {
    type Err = super::Error;

    fn from_str(s: &str) -> Result<Json, super::Error> {
        super::from_str(s)
    }
}

impl From<bool> for Json {
    fn from(b: bool) -> Json {
        Json::Boolean(b)
    }
}

macro_rules! from_int {
    ($($t:ty),*) => {$(
        impl From<$t> for Json {
            fn from(i: $t) -> Json {
                Json::Integer(i64::from(i))
            }
        }
    )*};
}
from_int!(i8, i16, i32, i64, u8, u16, u32);

impl From<u64> for Json {
    /// An integer, or a real above `i64::MAX`.
    fn from(u: u64) -> Json {
        match i64::try_from(u) {
            Ok(i) => Json::Integer(i),
            Err(_) => Json::Real(u as f64),
        }
    }
}

impl From<f64> for Json {
    fn from(r: f64) -> Json {
        Json::Real(r)
    }
}

impl From<&str> for Json {
    fn from(s: &str) -> Json {
        Json::String(Arc::from(s))
    }
}

impl From<String> for Json {
    fn from(s: String) -> Json {
        Json::String(Arc::from(s))
    }
}

impl From<Arc<str>> for Json {
    fn from(s: Arc<str>) -> Json {
        Json::String(s)
    }
}

impl From<Vec<Json>> for Json {
    fn from(v: Vec<Json>) -> Json {
        Json::array(v)
    }
}

impl From<Object> for Json {
    fn from(o: Object) -> Json {
        Json::object(o)
    }
}

impl<T: Into<Json>> From<Option<T>> for Json {
    /// `None` is `null`.
    fn from(o: Option<T>) -> Json {
        o.map_or(Json::Null, Into::into)
    }
}

impl FromIterator<Json> for Json {
    /// Collects into an array.
    fn from_iter<I: IntoIterator<Item = Json>>(iter: I) -> Json {
        Json::array(iter.into_iter().collect())
    }
}
