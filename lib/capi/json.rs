//! `openvswitch/json.h`: OVS's JSON values for C, building, reading and
//! changing them. Parsing and serializing are in [`super::json_text`].
//!
//! Values are OVS's `struct json` nodes (see [`super::json_node`]): C reads
//! the members directly, objects are `struct shash`es walked with
//! `SHASH_FOR_EACH`. Values are reference counted as in OVS: the header's
//! inline `json_clone()` adds a reference, its inline `json_destroy()`
//! drops one and calls `json_destroy__()` with the last.

use std::ffi::{c_char, c_longlong, c_void, CStr};
use std::mem::{self, MaybeUninit};
use std::ptr::{self, addr_of};

use super::json_node::{
    destroy, destroy_node, dynamic_array, elements, equal, expect_type, from_c, new_array,
    new_node, new_object, new_scalar, new_string, new_string_bytes, new_string_nocopy, object_put,
    string_ptr, to_c, type_of, TYPES,
};
pub use super::json_node::{json, json_array, json_type, json_type_value, json_value};
use super::shash::shash;
use super::{boundary, malloc_string, obj, obj_mut, put};

/// OVS's `struct uuid`: 128 bits as four 32-bit words, most significant
/// first.
#[repr(C)]
pub struct uuid {
    /// The four words.
    pub parts: [u32; 4],
}

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
    boundary("json_null_create", || new_scalar(json_type::JSON_NULL))
}

/// Returns a new `true` or `false`.
#[no_mangle]
pub extern "C" fn json_boolean_create(b: bool) -> *mut json {
    boundary("json_boolean_create", || {
        new_scalar(if b {
            json_type::JSON_TRUE
        } else {
            json_type::JSON_FALSE
        })
    })
}

/// Returns a new string holding a copy of `s` (NULL: the empty string).
#[no_mangle]
pub unsafe extern "C" fn json_string_create(s: *const c_char) -> *mut json {
    boundary("json_string_create", || {
        let bytes = if s.is_null() {
            &[][..]
        } else {
            // SAFETY: the caller passes a C string.
            unsafe { CStr::from_ptr(s) }.to_bytes()
        };
        new_string_bytes(bytes)
    })
}

/// Returns a new string that takes ownership of `s`, which must have been
/// allocated with `malloc()`.
#[no_mangle]
pub unsafe extern "C" fn json_string_create_nocopy(s: *mut c_char) -> *mut json {
    boundary("json_string_create_nocopy", || {
        let s = if s.is_null() { malloc_string("") } else { s };
        new_string_nocopy(json_type::JSON_STRING, s)
    })
}

/// The text of `uuid` in OVS's `UUID_FMT`.
///
/// # Safety
///
/// `uuid` points to a `struct uuid`.
unsafe fn uuid_text(uuid: *const uuid) -> String {
    // SAFETY: as the caller guarantees.
    let p = unsafe { obj(uuid) }.parts;
    format!(
        "{:08x}-{:04x}-{:04x}-{:04x}-{:04x}{:08x}",
        p[0],
        p[1] >> 16,
        p[1] & 0xffff,
        p[2] >> 16,
        p[2] & 0xffff,
        p[3]
    )
}

/// Returns a new string holding `uuid` in the form
/// `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`.
#[no_mangle]
pub unsafe extern "C" fn json_string_create_uuid(uuid: *const uuid) -> *mut json {
    // SAFETY: the caller passes a `struct uuid`.
    boundary("json_string_create_uuid", || {
        new_string(&unsafe { uuid_text(uuid) })
    })
}

/// Returns a new integer.
#[no_mangle]
pub extern "C" fn json_integer_create(integer: c_longlong) -> *mut json {
    boundary("json_integer_create", || {
        new_node(json_type::JSON_INTEGER, 0, json_value { integer })
    })
}

/// Returns a new real.
#[no_mangle]
pub extern "C" fn json_real_create(real: f64) -> *mut json {
    boundary("json_real_create", || {
        new_node(json_type::JSON_REAL, 0, json_value { real })
    })
}

/// Returns a new, empty array.
#[no_mangle]
pub extern "C" fn json_array_create_empty() -> *mut json {
    boundary("json_array_create_empty", || new_array(&[]))
}

/// Returns a new array of the `n` elements in `elements`, taking ownership
/// of the elements and of `elements` itself (allocated with `malloc()`).
#[no_mangle]
pub unsafe extern "C" fn json_array_create(elements: *mut *mut json, n: usize) -> *mut json {
    boundary("json_array_create", || {
        let n = if elements.is_null() { 0 } else { n };
        new_node(
            json_type::JSON_ARRAY,
            super::json_node::ARRAY_DYNAMIC,
            json_value {
                array: json_array {
                    size: n,
                    allocated: n,
                    elements,
                },
            },
        )
    })
}

/// Returns a new array holding `elem0` (taking ownership).
#[no_mangle]
pub extern "C" fn json_array_create_1(elem0: *mut json) -> *mut json {
    boundary("json_array_create_1", || new_array(&[elem0]))
}

/// Returns a new array holding `elem0` and `elem1` (taking ownership).
#[no_mangle]
pub extern "C" fn json_array_create_2(elem0: *mut json, elem1: *mut json) -> *mut json {
    boundary("json_array_create_2", || new_array(&[elem0, elem1]))
}

/// Returns a new array holding `elem0`, `elem1` and `elem2` (taking
/// ownership).
#[no_mangle]
pub extern "C" fn json_array_create_3(
    elem0: *mut json,
    elem1: *mut json,
    elem2: *mut json,
) -> *mut json {
    boundary("json_array_create_3", || new_array(&[elem0, elem1, elem2]))
}

/// Appends `element` to `array`, taking ownership of `element`.
#[no_mangle]
pub unsafe extern "C" fn json_array_add(array: *mut json, element: *mut json) {
    boundary("json_array_add", || {
        // SAFETY: the caller passes a live array node.
        let j = unsafe { obj_mut(array) };
        expect_type(j, "json_array_add", &[json_type::JSON_ARRAY]);
        // SAFETY: the node is an array, made dynamic first.
        unsafe {
            dynamic_array(j);
            super::json_node::array_push(array, element);
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
        let a = unsafe { dynamic_array(j) };
        assert!(
            index < a.size,
            "json_array_set: index {index} out of range ({})",
            a.size
        );
        // SAFETY: `index` is in range; the old element held a reference.
        unsafe {
            let slot = a.elements.add(index);
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
        // SAFETY: the node is an array; element `size - 1` exists if
        // size > 0.
        unsafe {
            let a = dynamic_array(j);
            if a.size == 0 {
                return ptr::null_mut();
            }
            a.size -= 1;
            a.elements.add(a.size).read()
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
        // SAFETY: the node is an array, made dynamic first.
        unsafe {
            let a = dynamic_array(j);
            if a.size < a.allocated {
                let size = a.size;
                super::json_node::array_reserve_exact(array, size);
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
        let want = unsafe { CStr::from_ptr(s) }.to_bytes();
        // SAFETY: the node is an array of live nodes.
        unsafe { elements(j) }.iter().any(|&e| {
            // SAFETY: elements are live nodes.
            let e = unsafe { &*e };
            type_of(e) == Some(json_type::JSON_STRING)
                && unsafe { super::json_node::string_bytes(e) } == want
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
        unsafe { elements(j) }.len()
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

/// Returns the elements of `array` as a `struct json_array` (OVS 3.1's
/// accessor): `n` elements at `elems`. An array stored in place becomes
/// dynamic first.
#[no_mangle]
pub unsafe extern "C" fn json_array(array: *const json) -> *mut json_array {
    boundary("json_array", || {
        // SAFETY: the caller passes a live array node; OVS's accessor casts
        // away the const too.
        let j = unsafe { obj_mut(array as *mut json) };
        expect_type(j, "json_array", &[json_type::JSON_ARRAY]);
        // SAFETY: the node is an array.
        unsafe { dynamic_array(j) as *mut json_array }
    })
}

/// Returns a new, empty object.
#[no_mangle]
pub extern "C" fn json_object_create() -> *mut json {
    boundary("json_object_create", new_object)
}

/// Returns true if `object` has no members.
#[no_mangle]
pub unsafe extern "C" fn json_object_is_empty(object: *mut json) -> bool {
    // SAFETY: the caller passes a live object node.
    unsafe { json_object_size(object) == 0 }
}

/// Returns the number of members of `object` (an ovsrpc addition:
/// `shash_count(json_object(object))`).
#[no_mangle]
pub unsafe extern "C" fn json_object_size(object: *const json) -> usize {
    boundary("json_object_size", || {
        // SAFETY: the caller passes a live object node.
        let j = unsafe { obj(object) };
        expect_type(j, "json_object_size", &[json_type::JSON_OBJECT]);
        // SAFETY: the node is an object.
        unsafe { (*j.u.object).map.n }
    })
}

/// Returns the members of `object`: a `struct shash` whose data are the
/// member values (`struct json *`). It belongs to the object.
#[no_mangle]
pub unsafe extern "C" fn json_object(object: *const json) -> *mut shash {
    boundary("json_object", || {
        // SAFETY: the caller passes a live object node.
        let j = unsafe { obj(object) };
        expect_type(j, "json_object", &[json_type::JSON_OBJECT]);
        // SAFETY: the node is an object.
        unsafe { j.u.object }
    })
}

/// Sets member `name` of `object` to `value`, taking ownership of `value`
/// (the name is copied). An existing member keeps its node; its old value
/// is released.
#[no_mangle]
pub unsafe extern "C" fn json_object_put(object: *mut json, name: *const c_char, value: *mut json) {
    boundary("json_object_put", || {
        // SAFETY: the caller passes a live object node and a C string.
        let j = unsafe { obj_mut(object) };
        expect_type(j, "json_object_put", &[json_type::JSON_OBJECT]);
        assert!(!name.is_null(), "json_object_put: null name");
        // SAFETY: as above.
        unsafe { object_put(j, name, value) };
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
    boundary("json_object_put_nocopy", || {
        // SAFETY: the caller passes a live object node and a malloc()ed
        // name, which the map keeps or frees.
        unsafe {
            let j = obj_mut(object);
            expect_type(j, "json_object_put_nocopy", &[json_type::JSON_OBJECT]);
            let old = super::shash::shash_replace_nocopy(j.u.object, name, value as *const c_void);
            destroy(old as *mut json);
        }
    })
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

/// Sets member `name` of `object` to a new string holding `uuid` in the
/// form `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`.
#[no_mangle]
pub unsafe extern "C" fn json_object_put_uuid(
    object: *mut json,
    name: *const c_char,
    uuid: *const uuid,
) {
    // SAFETY: the caller passes a live object node, a C string and a uuid.
    unsafe { json_object_put(object, name, json_string_create_uuid(uuid)) }
}

/// Returns the value of member `name` of `object`, or NULL if there is no
/// such member (or `object` is NULL or not an object). The value belongs to
/// the object. An ovsrpc addition: `shash_find_data(json_object(object),
/// name)`.
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
        unsafe { super::shash::shash_find_data(j.u.object, name) as *mut json }
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
        unsafe { string_ptr(j) }
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

/// Returns `json` with one more reference: the header's inline
/// `json_clone()`, for Rust callers.
///
/// # Safety
///
/// `json` is a live node.
pub unsafe fn json_clone(json: *const json) -> *mut json {
    // SAFETY: the caller passes a live node; as in OVS, cloning adds a
    // reference to the very node.
    unsafe { (*(json as *mut json)).count += 1 };
    json as *mut json
}

/// Drops one reference to `json`: the header's inline `json_destroy()`,
/// for Rust callers.
///
/// # Safety
///
/// `json` is NULL or a live node the caller holds a reference to.
pub unsafe fn json_destroy(json: *mut json) {
    // SAFETY: as the caller guarantees.
    unsafe { destroy(json) }
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
        unsafe { deep_clone(&*json) }
    })
}

/// # Safety
///
/// `j` is a live tree.
unsafe fn deep_clone(j: &json) -> *mut json {
    // SAFETY: the type says which member is live; children are live.
    unsafe {
        match type_of(j) {
            Some(json_type::JSON_ARRAY) => {
                let e: Vec<*mut json> = elements(j).iter().map(|&e| deep_clone(&*e)).collect();
                new_array(&e)
            }
            Some(json_type::JSON_OBJECT) => {
                let o = new_object();
                for (name, v) in super::json_node::members(j) {
                    object_put(&mut *o, name.as_ptr(), deep_clone(&*v));
                }
                o
            }
            Some(t @ (json_type::JSON_STRING | json_type::JSON_SERIALIZED_OBJECT)) => {
                super::json_node::new_string_typed(t, super::json_node::string_bytes(j))
            }
            Some(json_type::JSON_INTEGER) => json_integer_create(j.u.integer),
            Some(json_type::JSON_REAL) => json_real_create(j.u.real),
            _ => to_c(&from_c(j)),
        }
    }
}

/// A C `bool` argument read as a byte, so that a caller that passes no
/// such argument (code built for OVS 3.1's one-argument `json_destroy__()`)
/// leaves no invalid `bool` on the Rust side. The header shows `bool`.
#[repr(transparent)]
pub struct json_bool_arg(pub u8);

/// Frees `json`, whose reference count has dropped to 0, and releases
/// what it holds (called by the inline `json_destroy()`). `yield` is
/// accepted for OVS's signature and has no effect.
#[no_mangle]
pub unsafe extern "C" fn json_destroy__(json: *mut json, yield_: json_bool_arg) {
    let _ = yield_.0;
    // SAFETY: the caller passes a node nobody refers to any more.
    boundary("json_destroy__", || unsafe { destroy_node(json) })
}

/// Returns a hash of `json`, starting from `basis`; equal values hash
/// equally. The values are OVS's `json_hash()`'s.
#[no_mangle]
pub unsafe extern "C" fn json_hash(json: *const json, basis: usize) -> usize {
    // SAFETY: the caller passes a live tree.
    boundary("json_hash", || unsafe {
        super::json_node::hash(obj(json), basis)
    })
}

/// Returns true if `a` and `b` are equal: same type, and the same value
/// (arrays element by element, objects member by member in any order).
#[no_mangle]
pub unsafe extern "C" fn json_equal(a: *const json, b: *const json) -> bool {
    // SAFETY: the caller passes live trees (or NULL).
    boundary("json_equal", || unsafe { equal(a, b) })
}

/// Where the members of `struct json` are, as Rust lays them out (for a C
/// test to compare with the header's `offsetof()`s).
#[repr(C)]
pub struct ovsrpc_json_layout {
    /// `sizeof(struct json)`.
    pub size: usize,
    /// `_Alignof(struct json)`.
    pub align: usize,
    /// `offsetof(struct json, storage_type)`.
    pub storage_type: usize,
    /// `offsetof(struct json, count)`.
    pub count: usize,
    /// `offsetof(struct json, object)`.
    pub object: usize,
    /// `offsetof(struct json, elements)`.
    pub elements: usize,
    /// `offsetof(struct json, integer)`.
    pub integer: usize,
    /// `offsetof(struct json, real)`.
    pub real: usize,
    /// `offsetof(struct json, str)`.
    pub str_: usize,
    /// `offsetof(struct json, str_ptr)`.
    pub str_ptr: usize,
    /// `offsetof(struct json, array.size)`.
    pub array_size: usize,
    /// `offsetof(struct json, array.allocated)`.
    pub array_allocated: usize,
    /// `offsetof(struct json, array.elements)`.
    pub array_elements: usize,
    /// `sizeof(struct shash_node)`.
    pub shash_node_size: usize,
    /// `offsetof(struct shash_node, name)`.
    pub shash_node_name: usize,
    /// `offsetof(struct shash_node, data)`.
    pub shash_node_data: usize,
    /// `sizeof(struct hmap)`.
    pub hmap_size: usize,
    /// `offsetof(struct hmap, mask)`.
    pub hmap_mask: usize,
    /// `sizeof(struct ds)`.
    pub ds_size: usize,
}

/// Fills `*layout` with where Rust puts the members of `struct json` and
/// of the structures around it.
#[no_mangle]
pub unsafe extern "C" fn ovsrpc_get_json_layout(layout: *mut ovsrpc_json_layout) {
    use super::ds::ds;
    use super::hmap::hmap;
    use super::shash::shash_node;
    boundary("ovsrpc_get_json_layout", || {
        let node = MaybeUninit::<json>::uninit();
        let base = node.as_ptr();
        let at = |p: *const u8| p as usize - base as usize;
        let sn = MaybeUninit::<shash_node>::uninit();
        let sb = sn.as_ptr();
        let hm = MaybeUninit::<hmap>::uninit();
        let hb = hm.as_ptr();
        // SAFETY: only addresses are taken (addr_of!), nothing is read.
        let l = unsafe {
            ovsrpc_json_layout {
                size: mem::size_of::<json>(),
                align: mem::align_of::<json>(),
                storage_type: at(addr_of!((*base).storage_type).cast()),
                count: at(addr_of!((*base).count).cast()),
                object: at(addr_of!((*base).u.object).cast()),
                elements: at(addr_of!((*base).u.elements).cast()),
                integer: at(addr_of!((*base).u.integer).cast()),
                real: at(addr_of!((*base).u.real).cast()),
                str_: at(addr_of!((*base).u.str_).cast()),
                str_ptr: at(addr_of!((*base).u.str_ptr).cast()),
                array_size: at(addr_of!((*base).u.array.size).cast()),
                array_allocated: at(addr_of!((*base).u.array.allocated).cast()),
                array_elements: at(addr_of!((*base).u.array.elements).cast()),
                shash_node_size: mem::size_of::<shash_node>(),
                shash_node_name: addr_of!((*sb).name) as usize - sb as usize,
                shash_node_data: addr_of!((*sb).data) as usize - sb as usize,
                hmap_size: mem::size_of::<hmap>(),
                hmap_mask: addr_of!((*hb).mask) as usize - hb as usize,
                ds_size: mem::size_of::<ds>(),
            }
        };
        // SAFETY: the caller passes a writable `layout`.
        unsafe { put(layout, l) }
    })
}
