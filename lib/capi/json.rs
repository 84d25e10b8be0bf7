//! `openvswitch/json.h`: OVS's JSON values for C.
//!
//! Values are C nodes (see [`super::json_node`]): C reads `json->type`,
//! `json->count`, `json->integer` and `json->real` directly and everything
//! else through these functions. Values are reference counted as in OVS:
//! `json_clone()` adds a reference, `json_destroy()` drops one. Parsing and
//! serializing run in Rust; the tree crosses the boundary once each way.

use std::ffi::{c_char, c_int, c_longlong, CStr, CString};
use std::mem::{self, MaybeUninit};
use std::ptr::{self, addr_of};

use super::json_node::{
    destroy, elements, equal, expect_type, from_c, members, members_mut, new_array, new_node,
    new_object, new_string, to_c, type_of, Members, TYPES,
};
pub use super::json_node::{json, json_array, json_type, json_type_value, json_value};
use super::{boundary, malloc_string, obj, obj_mut, put, xmalloc, xrealloc};
use crate::json::{self as rjson, Json, SerializeOptions};

/// Serialize on multiple lines with indentation (for `json_to_string()`).
pub const JSSF_PRETTY: c_int = 1 << 0;
/// Serialize object members sorted by name (for `json_to_string()`).
pub const JSSF_SORT: c_int = 1 << 1;

/// Returns the name of type `type`: "null", "false", "true", "object",
/// "array", "number" (integers and reals) or "string". The string is
/// static.
#[no_mangle]
pub extern "C" fn json_type_to_string(type_: json_type_value) -> *const c_char {
    boundary("json_type_to_string", || {
        let name: &'static CStr = match usize::try_from(type_.0).ok().and_then(|i| TYPES.get(i)) {
            Some(json_type::JSON_NULL) => c_lit(b"null\0"),
            Some(json_type::JSON_FALSE) => c_lit(b"false\0"),
            Some(json_type::JSON_TRUE) => c_lit(b"true\0"),
            Some(json_type::JSON_OBJECT) => c_lit(b"object\0"),
            Some(json_type::JSON_ARRAY) => c_lit(b"array\0"),
            Some(json_type::JSON_INTEGER | json_type::JSON_REAL) => c_lit(b"number\0"),
            Some(json_type::JSON_STRING) => c_lit(b"string\0"),
            _ => c_lit(b"<invalid>\0"),
        };
        name.as_ptr()
    })
}

fn c_lit(bytes: &'static [u8]) -> &'static CStr {
    CStr::from_bytes_with_nul(bytes).unwrap_or_default()
}

/// Returns a new `null`.
#[no_mangle]
pub extern "C" fn json_null_create() -> *mut json {
    boundary("json_null_create", || to_c(&Json::Null))
}

/// Returns a new `true` or `false`.
#[no_mangle]
pub extern "C" fn json_boolean_create(b: bool) -> *mut json {
    boundary("json_boolean_create", || to_c(&Json::Boolean(b)))
}

/// Returns a new string holding a copy of `s` (NULL: the empty string).
#[no_mangle]
pub unsafe extern "C" fn json_string_create(s: *const c_char) -> *mut json {
    boundary("json_string_create", || {
        // SAFETY: the caller passes a C string or NULL.
        let bytes = if s.is_null() {
            &[][..]
        } else {
            // SAFETY: as above.
            unsafe { CStr::from_ptr(s) }.to_bytes()
        };
        new_node(
            json_type::JSON_STRING,
            json_value {
                string: super::malloc_bytes(bytes),
            },
        )
    })
}

/// Returns a new string that takes ownership of `s`, which must have been
/// allocated with `malloc()`.
#[no_mangle]
pub unsafe extern "C" fn json_string_create_nocopy(s: *mut c_char) -> *mut json {
    boundary("json_string_create_nocopy", || {
        let s = if s.is_null() { malloc_string("") } else { s };
        new_node(json_type::JSON_STRING, json_value { string: s })
    })
}

/// Returns a new integer.
#[no_mangle]
pub extern "C" fn json_integer_create(integer: c_longlong) -> *mut json {
    boundary("json_integer_create", || to_c(&Json::Integer(integer)))
}

/// Returns a new real.
#[no_mangle]
pub extern "C" fn json_real_create(real: f64) -> *mut json {
    boundary("json_real_create", || to_c(&Json::Real(real)))
}

/// Returns a new, empty array.
#[no_mangle]
pub extern "C" fn json_array_create_empty() -> *mut json {
    boundary("json_array_create_empty", || new_array(Vec::new()))
}

/// Returns a new array of the `n` elements in `elements`, taking ownership
/// of the elements and of `elements` itself (allocated with `malloc()`).
#[no_mangle]
pub unsafe extern "C" fn json_array_create(elements: *mut *mut json, n: usize) -> *mut json {
    boundary("json_array_create", || {
        let elems = if elements.is_null() {
            xmalloc(0) as *mut *mut json
        } else {
            elements
        };
        new_node(
            json_type::JSON_ARRAY,
            json_value {
                array: json_array {
                    n: if elements.is_null() { 0 } else { n },
                    n_allocated: if elements.is_null() { 0 } else { n },
                    elems,
                },
            },
        )
    })
}

/// Returns a new array holding `elem0` (taking ownership).
#[no_mangle]
pub extern "C" fn json_array_create_1(elem0: *mut json) -> *mut json {
    boundary("json_array_create_1", || new_array(vec![elem0]))
}

/// Returns a new array holding `elem0` and `elem1` (taking ownership).
#[no_mangle]
pub extern "C" fn json_array_create_2(elem0: *mut json, elem1: *mut json) -> *mut json {
    boundary("json_array_create_2", || new_array(vec![elem0, elem1]))
}

/// Returns a new array holding `elem0`, `elem1` and `elem2` (taking
/// ownership).
#[no_mangle]
pub extern "C" fn json_array_create_3(
    elem0: *mut json,
    elem1: *mut json,
    elem2: *mut json,
) -> *mut json {
    boundary("json_array_create_3", || {
        new_array(vec![elem0, elem1, elem2])
    })
}

/// Appends `element` to `array`, taking ownership of `element`.
#[no_mangle]
pub unsafe extern "C" fn json_array_add(array: *mut json, element: *mut json) {
    boundary("json_array_add", || {
        // SAFETY: the caller passes a live array node.
        let j = unsafe { obj_mut(array) };
        expect_type(j, "json_array_add", &[json_type::JSON_ARRAY]);
        // SAFETY: the node is an array; `elems` is malloc()ed with room for
        // `n_allocated` pointers.
        unsafe {
            let a = &mut j.u.array;
            if a.n >= a.n_allocated {
                let cap = (a.n_allocated * 2).max(4);
                a.elems = xrealloc(
                    a.elems as *mut libc::c_void,
                    cap * mem::size_of::<*mut json>(),
                ) as *mut *mut json;
                a.n_allocated = cap;
            }
            a.elems.add(a.n).write(element);
            a.n += 1;
        }
    })
}

/// Replaces element `index` of `array` (which must exist) with `element`,
/// taking ownership of `element` and releasing the old one.
#[no_mangle]
pub unsafe extern "C" fn json_array_set(array: *mut json, index: usize, element: *mut json) {
    boundary("json_array_set", || {
        // SAFETY: the caller passes a live array node.
        let j = unsafe { obj_mut(array) };
        expect_type(j, "json_array_set", &[json_type::JSON_ARRAY]);
        // SAFETY: the node is an array.
        let a = unsafe { j.u.array };
        assert!(
            index < a.n,
            "json_array_set: index {index} out of range ({})",
            a.n
        );
        // SAFETY: `index` is in range; the old element held a reference.
        unsafe {
            let slot = a.elems.add(index);
            destroy(slot.read());
            slot.write(element);
        }
    })
}

/// Removes the last element of `array` and returns it (the caller owns
/// it), or returns NULL if the array is empty.
#[no_mangle]
pub unsafe extern "C" fn json_array_pop(array: *mut json) -> *mut json {
    boundary("json_array_pop", || {
        // SAFETY: the caller passes a live array node.
        let j = unsafe { obj_mut(array) };
        expect_type(j, "json_array_pop", &[json_type::JSON_ARRAY]);
        // SAFETY: the node is an array; element `n - 1` exists if n > 0.
        unsafe {
            let a = &mut j.u.array;
            if a.n == 0 {
                return ptr::null_mut();
            }
            a.n -= 1;
            a.elems.add(a.n).read()
        }
    })
}

/// Frees the unused room at the end of `array`'s storage.
#[no_mangle]
pub unsafe extern "C" fn json_array_trim(array: *mut json) {
    boundary("json_array_trim", || {
        // SAFETY: the caller passes a live array node.
        let j = unsafe { obj_mut(array) };
        expect_type(j, "json_array_trim", &[json_type::JSON_ARRAY]);
        // SAFETY: the node is an array with malloc()ed storage.
        unsafe {
            let a = &mut j.u.array;
            if a.n < a.n_allocated {
                a.elems = xrealloc(
                    a.elems as *mut libc::c_void,
                    a.n * mem::size_of::<*mut json>(),
                ) as *mut *mut json;
                a.n_allocated = a.n;
            }
        }
    })
}

/// Returns true if `array` holds a string element equal to `s`.
#[no_mangle]
pub unsafe extern "C" fn json_array_contains_string(array: *const json, s: *const c_char) -> bool {
    boundary("json_array_contains_string", || {
        // SAFETY: the caller passes a live array node and a C string.
        let j = unsafe { obj(array) };
        expect_type(j, "json_array_contains_string", &[json_type::JSON_ARRAY]);
        if s.is_null() {
            return false;
        }
        // SAFETY: as above.
        let want = unsafe { CStr::from_ptr(s) };
        // SAFETY: the node is an array of live nodes.
        unsafe { elements(j) }.iter().any(|&e| {
            // SAFETY: elements are live nodes; a string's `string` is a C
            // string.
            let e = unsafe { &*e };
            type_of(e) == Some(json_type::JSON_STRING)
                && !unsafe { e.u.string }.is_null()
                && unsafe { CStr::from_ptr(e.u.string) } == want
        })
    })
}

/// Returns the number of elements of `array`.
#[no_mangle]
pub unsafe extern "C" fn json_array_size(array: *const json) -> usize {
    boundary("json_array_size", || {
        // SAFETY: the caller passes a live array node.
        let j = unsafe { obj(array) };
        expect_type(j, "json_array_size", &[json_type::JSON_ARRAY]);
        // SAFETY: the node is an array.
        unsafe { j.u.array.n }
    })
}

/// Returns element `index` of `array`, or NULL if `index` is out of range.
/// The element belongs to the array (`json_clone()` it to keep it).
#[no_mangle]
pub unsafe extern "C" fn json_array_at(array: *const json, index: usize) -> *const json {
    boundary("json_array_at", || {
        // SAFETY: the caller passes a live array node.
        let j = unsafe { obj(array) };
        expect_type(j, "json_array_at", &[json_type::JSON_ARRAY]);
        // SAFETY: the node is an array.
        unsafe { elements(j) }
            .get(index)
            .map_or(ptr::null(), |&e| e as *const json)
    })
}

/// Returns a new, empty object.
#[no_mangle]
pub extern "C" fn json_object_create() -> *mut json {
    boundary("json_object_create", || {
        new_object(Members::with_capacity(0))
    })
}

/// Returns true if `object` has no members.
#[no_mangle]
pub unsafe extern "C" fn json_object_is_empty(object: *mut json) -> bool {
    // SAFETY: the caller passes a live object node.
    unsafe { json_object_size(object) == 0 }
}

/// Returns the number of members of `object`.
#[no_mangle]
pub unsafe extern "C" fn json_object_size(object: *const json) -> usize {
    boundary("json_object_size", || {
        // SAFETY: the caller passes a live object node.
        let j = unsafe { obj(object) };
        expect_type(j, "json_object_size", &[json_type::JSON_OBJECT]);
        // SAFETY: the node is an object.
        unsafe { members(j) }.entries.len()
    })
}

/// Sets member `name` of `object` to `value`, taking ownership of `value`
/// (the name is copied). An existing member keeps its place; its old value
/// is released.
#[no_mangle]
pub unsafe extern "C" fn json_object_put(object: *mut json, name: *const c_char, value: *mut json) {
    boundary("json_object_put", || {
        // SAFETY: the caller passes a live object node and a C string.
        let j = unsafe { obj_mut(object) };
        expect_type(j, "json_object_put", &[json_type::JSON_OBJECT]);
        assert!(!name.is_null(), "json_object_put: null name");
        // SAFETY: as above.
        let name = CString::from(unsafe { CStr::from_ptr(name) });
        // SAFETY: the node is an object.
        unsafe { members_mut(j) }.put(name, value);
    })
}

/// Like `json_object_put()`, but takes ownership of `name`, which must have
/// been allocated with `malloc()`.
#[no_mangle]
pub unsafe extern "C" fn json_object_put_nocopy(
    object: *mut json,
    name: *mut c_char,
    value: *mut json,
) {
    // SAFETY: the caller passes a live object node and a malloc()ed name.
    unsafe {
        json_object_put(object, name, value);
        libc::free(name as *mut libc::c_void);
    }
}

/// Sets member `name` of `object` to a new string holding a copy of
/// `value`.
#[no_mangle]
pub unsafe extern "C" fn json_object_put_string(
    object: *mut json,
    name: *const c_char,
    value: *const c_char,
) {
    // SAFETY: the caller passes a live object node and C strings.
    unsafe { json_object_put(object, name, json_string_create(value)) }
}

/// Returns the value of member `name` of `object`, or NULL if there is no
/// such member (or `object` is NULL or not an object). The value belongs to
/// the object (`json_clone()` it to keep it).
#[no_mangle]
pub unsafe extern "C" fn json_object_find(object: *const json, name: *const c_char) -> *mut json {
    boundary("json_object_find", || {
        if object.is_null() || name.is_null() {
            return ptr::null_mut();
        }
        // SAFETY: the caller passes a live node and a C string.
        let j = unsafe { &*object };
        if type_of(j) != Some(json_type::JSON_OBJECT) {
            return ptr::null_mut();
        }
        // SAFETY: the node is an object; `name` is a C string.
        let m = unsafe { members(j) };
        let name = unsafe { CStr::from_ptr(name) }.to_bytes();
        m.find(name).map_or(ptr::null_mut(), |i| m.entries[i].1)
    })
}

/// Iteration over `object` in insertion order: if it has a member number
/// `index`, stores its name (which belongs to the object) in `*namep` and
/// its value (likewise) in `*valuep` and returns true; otherwise returns
/// false. `JSON_OBJECT_FOR_EACH` wraps this.
#[no_mangle]
pub unsafe extern "C" fn json_object_at(
    object: *const json,
    index: usize,
    namep: *mut *const c_char,
    valuep: *mut *mut json,
) -> bool {
    boundary("json_object_at", || {
        // SAFETY: the caller passes a live object node.
        let j = unsafe { obj(object) };
        expect_type(j, "json_object_at", &[json_type::JSON_OBJECT]);
        // SAFETY: the node is an object.
        match unsafe { members(j) }.entries.get(index) {
            Some((name, value)) => {
                // SAFETY: the caller passes writable out-parameters.
                unsafe {
                    put(namep, name.as_ptr());
                    put(valuep, *value);
                }
                true
            }
            None => false,
        }
    })
}

/// Returns the string held by `json`, which must be a string. It belongs to
/// the value.
#[no_mangle]
pub unsafe extern "C" fn json_string(json: *const json) -> *const c_char {
    boundary("json_string", || {
        // SAFETY: the caller passes a live string node.
        let j = unsafe { obj(json) };
        expect_type(j, "json_string", &[json_type::JSON_STRING]);
        // SAFETY: the node is a string.
        unsafe { j.u.string }
    })
}

/// Returns the value of `json`, which must be `true` or `false`.
#[no_mangle]
pub unsafe extern "C" fn json_boolean(json: *const json) -> bool {
    boundary("json_boolean", || {
        // SAFETY: the caller passes a live node.
        let j = unsafe { obj(json) };
        let t = expect_type(
            j,
            "json_boolean",
            &[json_type::JSON_TRUE, json_type::JSON_FALSE],
        );
        t == json_type::JSON_TRUE
    })
}

/// Returns the value of `json`, which must be a real or an integer, as a
/// double.
#[no_mangle]
pub unsafe extern "C" fn json_real(json: *const json) -> f64 {
    boundary("json_real", || {
        // SAFETY: the caller passes a live node.
        let j = unsafe { obj(json) };
        let t = expect_type(
            j,
            "json_real",
            &[json_type::JSON_REAL, json_type::JSON_INTEGER],
        );
        // SAFETY: the type says which member is live.
        unsafe {
            if t == json_type::JSON_REAL {
                j.u.real
            } else {
                j.u.integer as f64
            }
        }
    })
}

/// Returns the value of `json`, which must be an integer.
#[no_mangle]
pub unsafe extern "C" fn json_integer(json: *const json) -> i64 {
    boundary("json_integer", || {
        // SAFETY: the caller passes a live node.
        let j = unsafe { obj(json) };
        expect_type(j, "json_integer", &[json_type::JSON_INTEGER]);
        // SAFETY: the node is an integer.
        unsafe { j.u.integer }
    })
}

/// Returns `json` with one more reference (the same node: a change made
/// through one reference shows through all). Release it with
/// `json_destroy()`.
#[no_mangle]
pub unsafe extern "C" fn json_clone(json: *const json) -> *mut json {
    boundary("json_clone", || {
        // SAFETY: the caller passes a live node; as in OVS, cloning adds a
        // reference to the very node.
        let j = unsafe { obj_mut(json as *mut json) };
        j.count += 1;
        json as *mut json
    })
}

/// Like `json_clone()`, but NULL gives NULL.
#[no_mangle]
pub unsafe extern "C" fn json_nullable_clone(json: *const json) -> *mut json {
    if json.is_null() {
        ptr::null_mut()
    } else {
        // SAFETY: the caller passes a live node.
        unsafe { json_clone(json) }
    }
}

/// Returns a copy of `json` that shares no node with it (each node with one
/// reference).
#[no_mangle]
pub unsafe extern "C" fn json_deep_clone(json: *const json) -> *mut json {
    boundary("json_deep_clone", || {
        if json.is_null() {
            return ptr::null_mut();
        }
        // SAFETY: the caller passes a live tree.
        to_c(&unsafe { from_c(json) })
    })
}

/// Drops one reference to `json`, freeing it (and releasing its elements or
/// members) with the last one. NULL is fine.
#[no_mangle]
pub unsafe extern "C" fn json_destroy(json: *mut json) {
    // SAFETY: the caller passes NULL or a node it holds a reference to.
    boundary("json_destroy", || unsafe { destroy(json) })
}

/// Returns a hash of `json`, starting from `basis`; equal values hash
/// equally (an object's hash ignores member order).
#[no_mangle]
pub unsafe extern "C" fn json_hash(json: *const json, basis: usize) -> usize {
    boundary("json_hash", || {
        // SAFETY: the caller passes a live tree.
        let value = unsafe { from_c(json) };
        value.hash(basis as u32) as usize
    })
}

/// Returns true if `a` and `b` are equal: same type, and the same value
/// (arrays element by element, objects member by member in any order).
#[no_mangle]
pub unsafe extern "C" fn json_equal(a: *const json, b: *const json) -> bool {
    // SAFETY: the caller passes live trees (or NULL).
    boundary("json_equal", || unsafe { equal(a, b) })
}

/// Parses `string` as a JSON text (an object or an array). Returns the
/// value, or on error a string value holding the error message, as OVS
/// does (the caller tells them apart by type).
#[no_mangle]
pub unsafe extern "C" fn json_from_string(string: *const c_char) -> *mut json {
    boundary("json_from_string", || {
        assert!(!string.is_null(), "json_from_string: null string");
        // SAFETY: the caller passes a C string (checked non-NULL).
        let bytes = unsafe { CStr::from_ptr(string) }.to_bytes();
        match rjson::from_slice(bytes) {
            Ok(value) => to_c(&value),
            Err(e) => new_string(&e.to_string()),
        }
    })
}

/// Returns `json` serialized, compactly unless `flags` has `JSSF_PRETTY`,
/// members in insertion order unless it has `JSSF_SORT`. The caller frees
/// the string with `free()`.
#[no_mangle]
pub unsafe extern "C" fn json_to_string(json: *const json, flags: c_int) -> *mut c_char {
    boundary("json_to_string", || {
        let options = SerializeOptions {
            pretty: flags & JSSF_PRETTY != 0,
            sort: flags & JSSF_SORT != 0,
        };
        // SAFETY: the caller passes a live tree.
        let value = unsafe { from_c(json) };
        malloc_string(&value.to_string_with(options))
    })
}

/// Where the members of `struct json` are, as Rust lays them out (for a C
/// test to compare with the header's `offsetof()`s).
#[repr(C)]
pub struct ovsrpc_json_layout {
    /// `sizeof(struct json)`.
    pub size: usize,
    /// `_Alignof(struct json)`.
    pub align: usize,
    /// `offsetof(struct json, count)`.
    pub count: usize,
    /// `offsetof(struct json, integer)`.
    pub integer: usize,
    /// `offsetof(struct json, real)`.
    pub real: usize,
    /// `offsetof(struct json, string)`.
    pub string: usize,
    /// `offsetof(struct json, array.n)`.
    pub array_n: usize,
    /// `offsetof(struct json, array.elems)`.
    pub array_elems: usize,
}

/// Fills `*layout` with where Rust puts the members of `struct json`.
#[no_mangle]
pub unsafe extern "C" fn ovsrpc_get_json_layout(layout: *mut ovsrpc_json_layout) {
    boundary("ovsrpc_get_json_layout", || {
        let node = MaybeUninit::<json>::uninit();
        let base = node.as_ptr();
        let at = |p: *const u8| p as usize - base as usize;
        // SAFETY: only addresses are taken (addr_of!), nothing is read.
        let l = unsafe {
            ovsrpc_json_layout {
                size: mem::size_of::<json>(),
                align: mem::align_of::<json>(),
                count: at(addr_of!((*base).count).cast()),
                integer: at(addr_of!((*base).u.integer).cast()),
                real: at(addr_of!((*base).u.real).cast()),
                string: at(addr_of!((*base).u.string).cast()),
                array_n: at(addr_of!((*base).u.array.n).cast()),
                array_elems: at(addr_of!((*base).u.array.elems).cast()),
            }
        };
        // SAFETY: the caller passes a writable `layout`.
        unsafe { put(layout, l) }
    })
}
