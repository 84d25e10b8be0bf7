//! The C side of `struct json`: OVS's node layout, the readers that accept
//! every storage type, and the one place where C nodes are built.
//!
//! A node is OVS's `struct json`, member for member: `type`,
//! `storage_type`, the reference `count`, then a union of the object (a
//! `struct shash *` whose data are child nodes), the array (three inline
//! elements, or `size`/`allocated`/`elements`), the integer, the real and
//! the string (inline `str[]` or `str_ptr`). The header spells it out (with
//! OVS 3.1's names `array.n`, `array.elems` and `string` as aliases);
//! `ovsrpc_get_json_layout()` lets a C test compare the two sides.
//!
//! Readers take any storage type, since C code may hand over nodes it
//! built itself (generated IDL code has static nodes with
//! `JSON_STRING_DYNAMIC` strings; OVS's own builders store short strings and
//! small arrays in place). The nodes built here always use the dynamic
//! forms: `str_ptr` strings and element arrays through `array.elements`
//! (in the node's own block, see `tail`). That keeps code written for
//! OVS 3.1, which reads `json->string` and `json->array.elems` directly,
//! working on every node ovsrpc returns; mutators turn an inline array into
//! a dynamic one first.
//!
//! A node this library makes carries its block's header before it
//! (`json_arena`): a parsed node lives in its parser's arena, any other in
//! a block of its own. So the nodes `json_destroy()` frees are the ones the
//! library made, as in OVS, where `json.c` makes every node; a node C code
//! allocates itself can be read and changed, and the caller frees it.
//!
//! Building: the parser makes C nodes through its own builder
//! (`json_build`), and the serializer reads them in place; nothing on those
//! paths goes through a Rust tree. `to_c` turns a Rust [`Json`] made on the
//! Rust side (a request's id) into C nodes in one pass, inserting members
//! in the Rust value's order; `from_c` goes the other way, for the few
//! places that hand a C value to Rust code (logging a message, an echo
//! reply). Reference counting is OVS's and not atomic: a value belongs to one
//! thread at a time.

use std::ffi::{c_char, c_int, c_longlong, c_void, CStr};
use std::mem;
use std::ptr;
use std::sync::Arc;

use super::hmap::{hash_bytes, hash_double, hash_int};
use super::json_arena::{alloc_own, alloc_own_apart, Place, Releases};
use super::shash::{self as sh, shash, shash_node};
use super::{c_str, malloc_bytes, xmalloc, xrealloc};
use crate::json::{Json, Object};

/// The type of a JSON value, with OVS's values.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum json_type {
    /// `null`.
    JSON_NULL,
    /// `false`.
    JSON_FALSE,
    /// `true`.
    JSON_TRUE,
    /// An object: `{"a": b, "c": d, ...}`.
    JSON_OBJECT,
    /// An array: `[1, 2, 3, ...]`.
    JSON_ARRAY,
    /// An integer: `123`.
    JSON_INTEGER,
    /// A real: `123.456`.
    JSON_REAL,
    /// A string: `"..."`.
    JSON_STRING,
    /// The number of types above.
    JSON_N_TYPES,
    /// A value kept in serialized form (`json_serialized_object_create()`).
    JSON_SERIALIZED_OBJECT,
}

pub(crate) const TYPES: [json_type; 10] = [
    json_type::JSON_NULL,
    json_type::JSON_FALSE,
    json_type::JSON_TRUE,
    json_type::JSON_OBJECT,
    json_type::JSON_ARRAY,
    json_type::JSON_INTEGER,
    json_type::JSON_REAL,
    json_type::JSON_STRING,
    json_type::JSON_N_TYPES,
    json_type::JSON_SERIALIZED_OBJECT,
];

/// An `enum json_type` as C passes it: any `int`, checked before use (the
/// header declares the parameter as the enum).
#[repr(transparent)]
pub struct json_type_value(pub c_int);

/// `JSON_STRING_DYNAMIC`: the string is at `str_ptr`.
pub(crate) const STRING_DYNAMIC: c_int = 0;
/// `JSON_STRING_INLINE`: the string is in `str`.
pub(crate) const STRING_INLINE: c_int = 1;
/// `JSON_ARRAY_DYNAMIC`: the elements are at `array.elements`.
pub(crate) const ARRAY_DYNAMIC: c_int = 2;
/// `JSON_ARRAY_INLINE_1`; `_2` and `_3` follow.
pub(crate) const ARRAY_INLINE_1: c_int = 3;
/// The number of elements an array node holds in place at most.
pub(crate) const ARRAY_INLINE_LEN: usize = 3;

/// The elements of a dynamic `JSON_ARRAY` node (OVS's `struct
/// json_array`).
#[repr(C)]
#[derive(Clone, Copy)]
pub struct json_array {
    /// Number of elements (OVS 3.1: `n`).
    pub size: usize,
    /// Room in `elements` (OVS 3.1: `n_allocated`).
    pub allocated: usize,
    /// The elements, each a node holding one reference (OVS 3.1: `elems`).
    pub elements: *mut *mut json,
}

/// The value of a node; which member is live depends on the type and the
/// storage type.
#[repr(C)]
pub union json_value {
    /// `JSON_OBJECT`: the members, data being `struct json *`.
    pub object: *mut shash,
    /// `JSON_ARRAY` stored in place (`JSON_ARRAY_INLINE_*`).
    pub elements: [*mut json; ARRAY_INLINE_LEN],
    /// `JSON_ARRAY` stored dynamically.
    pub array: json_array,
    /// `JSON_INTEGER`.
    pub integer: c_longlong,
    /// `JSON_REAL`.
    pub real: f64,
    /// `JSON_STRING` stored in place (`JSON_STRING_INLINE`).
    pub str_: [c_char; mem::size_of::<json_array>()],
    /// `JSON_STRING` (`JSON_STRING_DYNAMIC`) or `JSON_SERIALIZED_OBJECT`: a
    /// `malloc()`ed string.
    pub str_ptr: *mut c_char,
}

/// A JSON value as C holds it: OVS's `struct json`.
#[repr(C)]
pub struct json {
    /// A `json_type` value, kept as an `int` so that whatever C stores
    /// here is never undefined behaviour on the Rust side.
    pub type_: c_int,
    /// OVS's `enum json_storage_type`.
    pub storage_type: c_int,
    /// The reference count.
    pub count: usize,
    /// The value.
    pub u: json_value,
}

// OVS's layout on LP64 targets: 40 bytes, the value at offset 16.
#[cfg(target_pointer_width = "64")]
const _: () = {
    assert!(mem::size_of::<json>() == 40);
    assert!(mem::size_of::<json_array>() == 24);
    assert!(mem::offset_of!(json, count) == 8);
    assert!(mem::offset_of!(json, u) == 16);
};

/// The type of a node, or `None` for a value no `json_type` has.
pub(crate) fn type_of(j: &json) -> Option<json_type> {
    usize::try_from(j.type_)
        .ok()
        .and_then(|i| TYPES.get(i).copied())
}

/// The size of a node; what a node's own allocation holds after it starts
/// here (its [`tail`]).
const NODE: usize = mem::size_of::<json>();

/// Where data kept in node `p`'s own allocation starts: the bytes of a
/// string, the elements of an array, the map of an object.
///
/// The nodes built here keep their string, elements or map there (one
/// `malloc()` where OVS makes two), and still in the dynamic forms that
/// code written for OVS 3.1 reads: `str_ptr`, `array.elements` and
/// `object` point at the tail. A node's data is in its tail exactly when
/// the pointer equals [`tail`]: every pointer this module stores keeps to
/// that (see `alloc_own_apart`), and the code that frees or grows the
/// data asks.
#[inline]
pub(crate) fn tail<T>(p: *const json) -> *mut T {
    (p as *mut u8).wrapping_add(NODE) as *mut T
}

/// A node allocation of its own with room for `extra` bytes of tail.
fn alloc_node(extra: usize) -> *mut json {
    alloc_own(NODE + extra) as *mut json
}

/// Writes a node with one reference into the allocation `p`.
fn init_node(p: *mut json, t: json_type, storage_type: c_int, u: json_value) -> *mut json {
    // SAFETY: `p` is fresh and big enough for a node.
    unsafe {
        p.write(json {
            type_: t as c_int,
            storage_type,
            count: 1,
            u,
        })
    };
    p
}

/// A new `malloc()`ed node with one reference; a string, array or object
/// in `u` stays where it is (taken over).
pub(crate) fn new_node(t: json_type, storage_type: c_int, u: json_value) -> *mut json {
    // SAFETY: the type and storage type say which member of `u` is live.
    let apart = unsafe {
        match t {
            json_type::JSON_STRING | json_type::JSON_SERIALIZED_OBJECT
                if storage_type != STRING_INLINE =>
            {
                u.str_ptr as *const u8
            }
            json_type::JSON_ARRAY if storage_type == ARRAY_DYNAMIC => u.array.elements as *const u8,
            json_type::JSON_OBJECT => u.object as *const u8,
            _ => ptr::null(),
        }
    };
    let p = if apart.is_null() {
        alloc_node(0)
    } else {
        alloc_own_apart(NODE, apart) as *mut json
    };
    init_node(p, t, storage_type, u)
}

/// A node holding no pointer (a literal or a number), made in `place`.
#[inline]
pub(crate) fn new_scalar_in(place: &mut Place, t: json_type, u: json_value) -> *mut json {
    init_node(place.alloc(NODE) as *mut json, t, STRING_DYNAMIC, u)
}

/// A node of a type without a value (`null`, `false`, `true`).
pub(crate) fn new_scalar(t: json_type) -> *mut json {
    new_node(t, STRING_DYNAMIC, json_value { integer: 0 })
}

/// A string node that takes over the `malloc()`ed string `s`.
pub(crate) fn new_string_nocopy(t: json_type, s: *mut c_char) -> *mut json {
    new_node(t, STRING_DYNAMIC, json_value { str_ptr: s })
}

/// A string node of type `t` holding a copy of `bytes` in its tail.
pub(crate) fn new_string_typed(t: json_type, bytes: &[u8]) -> *mut json {
    new_string_in(&mut Place::Own, t, bytes)
}

/// A string node of type `t` holding a copy of `bytes` in its tail, made
/// in `place`.
#[inline]
pub(crate) fn new_string_in(place: &mut Place, t: json_type, bytes: &[u8]) -> *mut json {
    let p = place.alloc(NODE + bytes.len() + 1) as *mut json;
    let s = tail::<u8>(p);
    // SAFETY: the tail has room for the bytes and a NUL.
    unsafe {
        ptr::copy_nonoverlapping(bytes.as_ptr(), s, bytes.len());
        *s.add(bytes.len()) = 0;
    }
    init_node(
        p,
        t,
        STRING_DYNAMIC,
        json_value {
            str_ptr: s as *mut c_char,
        },
    )
}

/// A string node holding a copy of `bytes`.
pub(crate) fn new_string_bytes(bytes: &[u8]) -> *mut json {
    new_string_typed(json_type::JSON_STRING, bytes)
}

/// A string node holding a copy of `s`.
pub(crate) fn new_string(s: &str) -> *mut json {
    new_string_bytes(s.as_bytes())
}

/// A dynamic array node of `n` elements taken from `elems` (each reference
/// taken over), which lie in its tail, made in `place`.
#[inline]
pub(crate) fn new_array_in(
    place: &mut Place,
    n: usize,
    elems: impl Iterator<Item = *mut json>,
) -> *mut json {
    let p = place.alloc(NODE + n * mem::size_of::<*mut json>()) as *mut json;
    let e: *mut *mut json = if n == 0 { ptr::null_mut() } else { tail(p) };
    let mut i = 0;
    for v in elems.take(n) {
        // SAFETY: the tail has room for `n` pointers, `i < n`.
        unsafe { e.add(i).write(v) };
        i += 1;
    }
    assert_eq!(i, n, "an array node's elements fall short of their count");
    init_node(
        p,
        json_type::JSON_ARRAY,
        ARRAY_DYNAMIC,
        json_value {
            array: json_array {
                size: n,
                allocated: n,
                elements: e,
            },
        },
    )
}

/// A dynamic array node of `elems` (each reference taken over).
pub(crate) fn new_array(elems: &[*mut json]) -> *mut json {
    new_array_in(&mut Place::Own, elems.len(), elems.iter().copied())
}

/// A new, empty object node, its map in its tail.
pub(crate) fn new_object() -> *mut json {
    new_object_in(&mut Place::Own)
}

/// A new, empty object node, its map in its tail, made in `place`.
#[inline]
pub(crate) fn new_object_in(place: &mut Place) -> *mut json {
    let p = place.alloc(NODE + mem::size_of::<shash>()) as *mut json;
    let sh = tail::<shash>(p);
    // SAFETY: the tail has room for a map.
    unsafe { sh::shash_init(sh) };
    init_node(
        p,
        json_type::JSON_OBJECT,
        STRING_DYNAMIC,
        json_value { object: sh },
    )
}

/// Sets member `name` of `object` to `value` (taking over its reference);
/// the old value, if any, is released (OVS's `json_object_put()`).
///
/// # Safety
///
/// `object` is a live object node; `name` is a C string.
pub(crate) unsafe fn object_put(object: &mut json, name: *const c_char, value: *mut json) {
    // SAFETY: as the caller guarantees.
    unsafe {
        let old = sh::shash_replace(object.u.object, name, value as *const c_void);
        destroy(old as *mut json);
    }
}

/// Converts a Rust value into a new C tree holding one reference.
pub(crate) fn to_c(j: &Json) -> *mut json {
    match j {
        Json::Null => new_scalar(json_type::JSON_NULL),
        Json::Boolean(false) => new_scalar(json_type::JSON_FALSE),
        Json::Boolean(true) => new_scalar(json_type::JSON_TRUE),
        Json::Integer(i) => new_node(
            json_type::JSON_INTEGER,
            STRING_DYNAMIC,
            json_value { integer: *i },
        ),
        Json::Real(r) => new_node(
            json_type::JSON_REAL,
            STRING_DYNAMIC,
            json_value { real: *r },
        ),
        Json::String(s) => new_string(s),
        Json::Array(a) => {
            let elems: Vec<*mut json> = a.iter().map(to_c).collect();
            new_array(&elems)
        }
        Json::Object(o) => {
            let node = new_object();
            // SAFETY: `node` is a fresh object node.
            let sh = unsafe { (*node).u.object };
            for (name, value) in o.iter() {
                let name = name.as_bytes();
                let value = to_c(value);
                if name.contains(&0) {
                    // A C reader sees the name up to the NUL: two such
                    // names may meet, so the later one replaces.
                    let cname =
                        malloc_bytes(&name[..name.iter().position(|&b| b == 0).unwrap_or(0)]);
                    // SAFETY: `node` is an object, `cname` a C string.
                    unsafe {
                        object_put(&mut *node, cname, value);
                        libc::free(cname as *mut c_void);
                    }
                } else {
                    // Names of a Rust object are unique: no lookup.
                    // SAFETY: `sh` is the node's live map.
                    unsafe {
                        sh::add_copy(
                            sh,
                            name,
                            value as *const c_void,
                            hash_bytes(name, 0) as usize,
                        )
                    };
                }
            }
            node
        }
    }
}

/// The string of a string or serialized-object node, whatever its storage.
///
/// # Safety
///
/// `j` is a live `JSON_STRING` or `JSON_SERIALIZED_OBJECT` node.
pub(crate) unsafe fn string_ptr(j: &json) -> *const c_char {
    if j.storage_type == STRING_INLINE {
        // SAFETY: an inline string lives in `str`.
        unsafe { j.u.str_.as_ptr() }
    } else {
        // SAFETY: otherwise `str_ptr` is the live member.
        unsafe { j.u.str_ptr }
    }
}

/// The bytes of a string node (NULL reads as empty).
///
/// # Safety
///
/// As [`string_ptr`].
pub(crate) unsafe fn string_bytes(j: &json) -> &[u8] {
    // SAFETY: as the caller guarantees.
    let p = unsafe { string_ptr(j) };
    if p.is_null() {
        &[]
    } else {
        // SAFETY: a live string node holds a C string.
        unsafe { CStr::from_ptr(p) }.to_bytes()
    }
}

/// The text of a string node (invalid UTF-8 replaced).
///
/// # Safety
///
/// As [`string_ptr`].
pub(crate) unsafe fn text(j: &json) -> std::borrow::Cow<'_, str> {
    // SAFETY: as the caller guarantees.
    unsafe { c_str(string_ptr(j)) }.unwrap_or_default()
}

/// How many elements an array node holds in place (0: it is dynamic).
fn inline_len(j: &json) -> usize {
    match j.storage_type - ARRAY_INLINE_1 {
        k @ 0..=2 => k as usize + 1,
        _ => 0,
    }
}

/// The elements of an array node, whatever its storage.
///
/// # Safety
///
/// `j` is a live `JSON_ARRAY` node.
pub(crate) unsafe fn elements(j: &json) -> &[*mut json] {
    match inline_len(j) {
        // SAFETY: a dynamic array: `array` is live, `elements` holds `size`
        // initialized pointers (or is NULL when empty).
        0 => unsafe {
            let a = j.u.array;
            if a.size == 0 || a.elements.is_null() {
                &[]
            } else {
                std::slice::from_raw_parts(a.elements, a.size)
            }
        },
        // SAFETY: an inline array: the first `k` of `elements` are live.
        k => unsafe { &j.u.elements[..k] },
    }
}

/// Makes an array node dynamic (a no-op for one that is), so that its
/// `array` member can be changed, and returns that member.
///
/// # Safety
///
/// `j` is a live `JSON_ARRAY` node.
pub(crate) unsafe fn dynamic_array(j: &mut json) -> &mut json_array {
    let k = inline_len(j);
    if k > 0 {
        // SAFETY: inline: the first `k` elements are live; copy them out
        // before `array` overwrites them.
        let elems: Vec<*mut json> = unsafe { j.u.elements[..k].to_vec() };
        // The node is read as an empty dynamic array with its elements
        // apart for the moment, then given room for them.
        j.u.array = json_array {
            size: 0,
            allocated: 0,
            elements: ptr::null_mut(),
        };
        j.storage_type = ARRAY_DYNAMIC;
        // SAFETY: `j` is now a live dynamic array node.
        unsafe { array_reserve_exact(j, k) };
        // SAFETY: there is room for `k` pointers.
        unsafe {
            ptr::copy_nonoverlapping(elems.as_ptr(), j.u.array.elements, k);
            j.u.array.size = k;
        }
    }
    j.storage_type = ARRAY_DYNAMIC;
    // SAFETY: the node is now a dynamic array.
    unsafe { &mut j.u.array }
}

/// Gives the dynamic array node `j` room for `cap` elements (at least its
/// size), moving elements kept in its tail to a `malloc()`ed block.
///
/// # Safety
///
/// `j` is a live dynamic `JSON_ARRAY` node.
pub(crate) unsafe fn array_reserve_exact(j: *mut json, cap: usize) {
    let bytes = cap.max(1) * mem::size_of::<*mut json>();
    // SAFETY: as the caller guarantees; elements apart are malloc()ed.
    unsafe {
        let a = &mut (*j).u.array;
        let old = a.elements;
        let mut p = if old == tail(j) {
            let p = xmalloc(bytes) as *mut *mut json;
            ptr::copy_nonoverlapping(old, p, a.size.min(cap));
            p
        } else {
            xrealloc(old as *mut c_void, bytes) as *mut *mut json
        };
        if p == tail(j) {
            // A block right after a node without a tail: it would read as
            // the tail; move it.
            let q = xmalloc(bytes) as *mut *mut json;
            ptr::copy_nonoverlapping(p, q, a.size.min(cap));
            libc::free(p as *mut c_void);
            p = q;
        }
        a.elements = p;
        a.allocated = cap;
    }
}

/// Appends `element` to the dynamic array node `j`, growing it as OVS's
/// `x2nrealloc()` does.
///
/// # Safety
///
/// `j` is a live dynamic `JSON_ARRAY` node.
pub(crate) unsafe fn array_push(j: *mut json, element: *mut json) {
    // SAFETY: as the caller guarantees.
    unsafe {
        let a = (*j).u.array;
        if a.size >= a.allocated {
            let cap = if a.allocated == 0 { 4 } else { a.allocated * 2 };
            array_reserve_exact(j, cap);
        }
        let a = &mut (*j).u.array;
        // SAFETY: there is room for one more.
        a.elements.add(a.size).write(element);
        a.size += 1;
    }
}

/// The members of an object node.
///
/// # Safety
///
/// `j` is a live `JSON_OBJECT` node.
pub(crate) unsafe fn object(j: &json) -> *mut shash {
    // SAFETY: the node is an object.
    unsafe { j.u.object }
}

/// The members of an object node as (name, value) pairs, in the map's
/// iteration order.
///
/// # Safety
///
/// `j` is a live `JSON_OBJECT` node, unchanged while the iterator is used.
pub(crate) unsafe fn members(j: &json) -> impl Iterator<Item = (&CStr, *mut json)> {
    // SAFETY: as the caller guarantees; each node has a C string name and a
    // node as data.
    unsafe { sh::nodes(object(j)) }
        .map(|n: *mut shash_node| unsafe { (CStr::from_ptr((*n).name), (*n).data as *mut json) })
}

/// Converts a C tree into a Rust value, in one pass (objects in the map's
/// iteration order). NULL, which OVS would not accept, becomes `null`; a
/// serialized object becomes the value its text holds.
///
/// # Safety
///
/// `p` is NULL or a live node whose whole tree is valid.
pub(crate) unsafe fn from_c(p: *const json) -> Json {
    if p.is_null() {
        return Json::Null;
    }
    // SAFETY: the caller guarantees `p` is live.
    let j = unsafe { &*p };
    match type_of(j) {
        Some(json_type::JSON_FALSE) => Json::Boolean(false),
        Some(json_type::JSON_TRUE) => Json::Boolean(true),
        // SAFETY: the type says which union member is live; children are
        // live nodes of the same tree.
        Some(json_type::JSON_INTEGER) => Json::Integer(unsafe { j.u.integer }),
        Some(json_type::JSON_REAL) => Json::Real(unsafe { j.u.real }),
        Some(json_type::JSON_STRING) => Json::String(Arc::from(unsafe { text(j) }.as_ref())),
        Some(json_type::JSON_SERIALIZED_OBJECT) => {
            crate::json::from_slice(unsafe { string_bytes(j) }).unwrap_or(Json::Null)
        }
        Some(json_type::JSON_ARRAY) => Json::array(
            unsafe { elements(j) }
                .iter()
                .map(|&e| unsafe { from_c(e) })
                .collect(),
        ),
        Some(json_type::JSON_OBJECT) => {
            // SAFETY: the node is an object.
            let n = unsafe { (*object(j)).map.n };
            let mut o = Object::with_capacity(n);
            for (name, value) in unsafe { members(j) } {
                o.insert(&*name.to_string_lossy(), unsafe { from_c(value) });
            }
            Json::object(o)
        }
        _ => Json::Null,
    }
}

/// Drops one reference to `p`, freeing the node and its children with the
/// last one (the inline `json_destroy()`).
///
/// # Safety
///
/// `p` is NULL or a live node on which the caller holds a reference.
pub(crate) unsafe fn destroy(p: *mut json) {
    // SAFETY: as the caller guarantees.
    unsafe { destroy_with(p, &mut Releases::default()) }
}

/// [`destroy`], giving blocks back through `r`.
///
/// # Safety
///
/// As [`destroy`].
#[inline]
unsafe fn destroy_with(p: *mut json, r: &mut Releases) {
    if p.is_null() {
        return;
    }
    // SAFETY: the caller guarantees `p` is live.
    let j = unsafe { &mut *p };
    j.count = j.count.wrapping_sub(1);
    if j.count == 0 {
        // SAFETY: the last reference is gone.
        unsafe { destroy_node_with(p, r) }
    }
}

/// Asks the CPU to bring `p`'s cache line in (a hint; any pointer is fine,
/// NULL included: nothing is read).
#[inline(always)]
pub(crate) fn prefetch<T>(p: *const T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch reads nothing and cannot fault.
    unsafe {
        std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(p as *const i8)
    };
    #[cfg(not(target_arch = "x86_64"))]
    let _ = p;
}

/// Frees `p`, whose count has reached 0, and releases its children
/// (`json_destroy__()`).
///
/// # Safety
///
/// `p` is a node made here that nobody refers to any more.
pub(crate) unsafe fn destroy_node(p: *mut json) {
    // SAFETY: as the caller guarantees.
    unsafe { destroy_node_with(p, &mut Releases::default()) }
}

/// [`destroy_node`], giving blocks back through `r`.
///
/// # Safety
///
/// As [`destroy_node`].
unsafe fn destroy_node_with(p: *mut json, r: &mut Releases) {
    // SAFETY: as the caller guarantees; for each type and storage type the
    // matching member is live and owned by the node.
    unsafe {
        let j = &mut *p;
        match type_of(j) {
            Some(json_type::JSON_STRING | json_type::JSON_SERIALIZED_OBJECT)
                if j.storage_type == STRING_INLINE => {}
            Some(json_type::JSON_STRING | json_type::JSON_SERIALIZED_OBJECT)
                if j.u.str_ptr != tail(p) =>
            {
                libc::free(j.u.str_ptr as *mut c_void);
            }
            Some(json_type::JSON_ARRAY) => {
                let e = elements(j);
                for (i, &child) in e.iter().enumerate() {
                    if let Some(&ahead) = e.get(i + 4) {
                        prefetch(ahead);
                    }
                    destroy_with(child, r);
                }
                if inline_len(j) == 0 && j.u.array.elements != tail(p) {
                    libc::free(j.u.array.elements as *mut c_void);
                }
            }
            Some(json_type::JSON_OBJECT) => {
                // One pass over the buckets: each member's value, name and
                // node go together (the map itself is freed after).
                let sh = j.u.object;
                let map = ptr::addr_of_mut!((*sh).map);
                for i in 0..=(*map).mask {
                    let mut n = *(*map).buckets.add(i);
                    while !n.is_null() {
                        let next = (*n).next;
                        let member = n as *mut shash_node;
                        prefetch(next);
                        destroy_with((*member).data as *mut json, r);
                        sh::free_node_with(member, r);
                        n = next;
                    }
                }
                super::hmap::destroy(map);
                if sh != tail(p) {
                    libc::free(sh as *mut c_void);
                }
            }
            _ => {}
        }
        r.free(p as *mut u8);
    }
}

/// A node's type, aborting (as OVS's assertions do) if it is not one of
/// `want`.
pub(crate) fn expect_type(j: &json, func: &str, want: &[json_type]) -> json_type {
    match type_of(j) {
        Some(t) if want.contains(&t) => t,
        got => {
            let want: Vec<String> = want.iter().map(|t| format!("{t:?}")).collect();
            let got = got.map_or_else(|| format!("bad type {}", j.type_), |t| format!("{t:?}"));
            panic!("{func}: expected {}, got {got}", want.join(" or "))
        }
    }
}

/// OVS's `json_equal()` on C trees.
///
/// # Safety
///
/// `a` and `b` are NULL or live trees.
pub(crate) unsafe fn equal(a: *const json, b: *const json) -> bool {
    if a == b {
        return true;
    }
    if a.is_null() || b.is_null() {
        return false;
    }
    // SAFETY: both are live nodes.
    let (a, b) = unsafe { (&*a, &*b) };
    let t = type_of(a);
    if t != type_of(b) {
        return false;
    }
    // SAFETY: both nodes have type `t`, which says which member is live;
    // children are live nodes.
    unsafe {
        match t {
            Some(json_type::JSON_INTEGER) => a.u.integer == b.u.integer,
            Some(json_type::JSON_REAL) => a.u.real == b.u.real,
            Some(json_type::JSON_STRING | json_type::JSON_SERIALIZED_OBJECT) => {
                string_bytes(a) == string_bytes(b)
            }
            Some(json_type::JSON_ARRAY) => {
                let (x, y) = (elements(a), elements(b));
                x.len() == y.len() && x.iter().zip(y).all(|(&p, &q)| equal(p, q))
            }
            Some(json_type::JSON_OBJECT) => {
                let (x, y) = (object(a), object(b));
                (*x).map.n == (*y).map.n
                    && members(a).all(|(name, v)| {
                        let name = name.to_bytes();
                        let other = sh::find(y, name, hash_bytes(name, 0) as usize);
                        !other.is_null() && equal(v, (*other).data as *const json)
                    })
            }
            _ => true,
        }
    }
}

/// OVS's `json_hash()`: the same value for the same tree as OVS computes
/// (objects by sorted member name).
///
/// # Safety
///
/// `j` is a live tree.
pub(crate) unsafe fn hash(j: &json, basis: usize) -> usize {
    let b = basis as u32;
    // SAFETY: the type says which member is live; children are live.
    unsafe {
        match type_of(j) {
            Some(json_type::JSON_OBJECT) => {
                let mut m: Vec<(&CStr, *mut json)> = members(j).collect();
                m.sort_unstable_by(|x, y| x.0.cmp(y.0));
                m.iter().fold(basis, |h, (name, v)| {
                    let h = hash_bytes(name.to_bytes(), h as u32) as usize;
                    hash(&**v, h)
                })
            }
            Some(json_type::JSON_ARRAY) => {
                let e = elements(j);
                e.iter()
                    .fold(hash_int(e.len() as u32, b) as usize, |h, &v| hash(&*v, h))
            }
            Some(json_type::JSON_STRING | json_type::JSON_SERIALIZED_OBJECT) => {
                hash_bytes(string_bytes(j), b) as usize
            }
            Some(json_type::JSON_INTEGER) => hash_int(j.u.integer as u32, b) as usize,
            Some(json_type::JSON_REAL) => hash_double(j.u.real, b) as usize,
            _ => hash_int((j.type_ as u32) << 8, b) as usize,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn to_c_and_back() {
        let v = crate::json::from_str(
            r#"{"a":[1,2.5,"x",null,true,false],"b":{"c":{}},"d":[],"e":"é"}"#,
        )
        .unwrap();
        let c = to_c(&v);
        // SAFETY: `c` is a fresh tree, released once.
        unsafe {
            assert_eq!(from_c(c), v);
            assert!(equal(c, c));
            let d = to_c(&v);
            assert!(equal(c, d));
            assert_eq!(hash(&*c, 3), hash(&*d, 3));
            destroy(d);
            destroy(c);
        }
    }

    #[test]
    fn reads_inline_storage() {
        let mut s = json {
            type_: json_type::JSON_STRING as c_int,
            storage_type: STRING_INLINE,
            count: 1,
            u: json_value { str_: [0; 24] },
        };
        // SAFETY: `str_` is the live member of this inline string.
        unsafe { s.u.str_[..2].copy_from_slice(&[b'h' as c_char, b'i' as c_char]) };
        let e = to_c(&Json::Integer(7));
        let a = json {
            type_: json_type::JSON_ARRAY as c_int,
            storage_type: ARRAY_INLINE_1 + 1,
            count: 1,
            u: json_value {
                elements: [&mut s, e, ptr::null_mut()],
            },
        };
        // SAFETY: both nodes are live for the test; `e` is released once.
        unsafe {
            assert_eq!(from_c(&a), crate::json::from_str(r#"["hi",7]"#).unwrap());
            destroy(e);
        }
    }
}
