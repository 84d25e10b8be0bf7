//! C nodes made and read by the one parser core and the one serializer
//! core: [`CBuilder`], the parser's builder of `struct json` nodes, and the
//! serializer's view of a C tree (`Node` for [`json`]).
//!
//! The builder makes each node as OVS's parser does, one `malloc()` per
//! node and per member (and one per string), in the dynamic forms that
//! code written for OVS 3.1 reads directly (`str_ptr` strings, `malloc()`ed
//! element arrays). Beyond OVS: an array's elements are allocated once, at
//! their exact count, when the array closes, and an object's hash map is
//! sized for its members once, when the object closes, instead of growing
//! member by member. A member name read twice keeps its first node and its
//! last value, as OVS's `shash_replace()` does.
//!
//! The serializer reads the C nodes in place: strings and names that are
//! UTF-8 (every string ovsrpc makes is) are read without a copy; any other
//! bytes C code stored are written with the invalid sequences replaced, as
//! the Rust side reads them. A serialized object's text is written as is.
//! A NULL child, which OVS would not accept, reads as `null`.

use std::cell::{Cell, RefCell};
use std::ffi::{c_char, c_void, CStr};
use std::mem;
use std::ptr::{self, NonNull};

use super::hmap::{self as hm, hash_bytes, hmap_node};
use super::json_arena::{free_block, Arena, Place};
use super::json_node::{
    destroy, elements, json, json_type, json_value, new_array_in, new_object_in, new_scalar_in,
    new_string_in, prefetch, string_bytes, type_of, STRING_DYNAMIC,
};
use super::shash::{new_node_named_in, shash, shash_node};
use crate::json::{serialize, Builder, Node, SerializeOptions, Sink, View, Work};

/// A C node holding one reference, released when dropped (the values the
/// parser keeps on its stacks; an error drops them).
pub(crate) struct CValue(NonNull<json>);

impl CValue {
    fn new(p: *mut json) -> CValue {
        CValue(NonNull::new(p).expect("xmalloc never returns NULL"))
    }

    /// Hands the reference over to the caller.
    pub(crate) fn into_raw(self) -> *mut json {
        let p = self.0.as_ptr();
        mem::forget(self);
        p
    }
}

impl Drop for CValue {
    fn drop(&mut self) {
        // SAFETY: the value holds one reference to a live node.
        unsafe { destroy(self.0.as_ptr()) }
    }
}

/// A member name: a member node allocated with the name in place (its
/// link and data unset until the object closes) and OVS's hash of the
/// name; freed when dropped unless a map took it over.
pub(crate) struct CName {
    node: *mut shash_node,
    /// OVS's 32-bit hash (kept small: the parser's stack holds a name per
    /// open member).
    hash: u32,
}

impl CName {
    fn ptr(&self) -> *const c_char {
        // SAFETY: the node's name was set when it was allocated.
        unsafe { (*self.node).name }
    }
}

impl Drop for CName {
    fn drop(&mut self) {
        // SAFETY: the name owns its node, whose name is in place.
        unsafe { free_block(self.node as *mut u8) }
    }
}

/// The builder of C nodes, which it makes in its arena.
#[derive(Default)]
pub(crate) struct CBuilder {
    arena: Arena,
}

impl CBuilder {
    #[inline]
    fn place(&mut self) -> Place<'_> {
        Place::Arena(&mut self.arena)
    }

    #[inline]
    fn scalar(&mut self, t: json_type, u: json_value) -> CValue {
        CValue::new(new_scalar_in(&mut self.place(), t, u))
    }

    /// A string node of `bytes` (UTF-8, checked by the caller).
    #[inline]
    fn string_of(&mut self, bytes: &[u8]) -> CValue {
        CValue::new(new_string_in(
            &mut self.place(),
            json_type::JSON_STRING,
            bytes,
        ))
    }

    /// A member name of `bytes` (UTF-8, checked by the caller).
    #[inline]
    fn name_of(&mut self, bytes: &[u8]) -> CName {
        CName {
            node: new_node_named_in(&mut self.place(), bytes),
            hash: hash_bytes(bytes, 0),
        }
    }
}

thread_local! {
    /// This thread's spare working memory of C-node parsers.
    static SPARE_WORK: Cell<Option<Box<Work<CBuilder>>>> = const { Cell::new(None) };
}

impl Builder for CBuilder {
    type Value = CValue;
    type Name = CName;

    #[inline]
    fn null(&mut self) -> CValue {
        self.scalar(json_type::JSON_NULL, json_value { integer: 0 })
    }

    #[inline]
    fn boolean(&mut self, b: bool) -> CValue {
        let t = if b {
            json_type::JSON_TRUE
        } else {
            json_type::JSON_FALSE
        };
        self.scalar(t, json_value { integer: 0 })
    }

    #[inline]
    fn integer(&mut self, i: i64) -> CValue {
        self.scalar(json_type::JSON_INTEGER, json_value { integer: i })
    }

    #[inline]
    fn real(&mut self, r: f64) -> CValue {
        self.scalar(json_type::JSON_REAL, json_value { real: r })
    }

    #[inline]
    fn string(&mut self, s: &str) -> CValue {
        self.string_of(s.as_bytes())
    }

    #[inline]
    fn name(&mut self, s: &str) -> CName {
        self.name_of(s.as_bytes())
    }

    /// C nodes hold bytes: a plain string needs its UTF-8 checked, not
    /// turned into a `str` (ASCII, the common case, checked word by word).
    #[inline]
    fn string_bytes(&mut self, raw: &[u8]) -> Option<CValue> {
        is_utf8(raw).then(|| self.string_of(raw))
    }

    #[inline]
    fn name_bytes(&mut self, raw: &[u8]) -> Option<CName> {
        is_utf8(raw).then(|| self.name_of(raw))
    }

    fn array(&mut self, stack: &mut Vec<CValue>, start: usize) -> CValue {
        let n = stack.len() - start;
        CValue::new(new_array_in(
            &mut self.place(),
            n,
            stack.drain(start..).map(CValue::into_raw),
        ))
    }

    fn object(&mut self, stack: &mut Vec<(CName, CValue)>, start: usize) -> CValue {
        let node = new_object_in(&mut self.place());
        // SAFETY: `node` is a fresh object node; its map is valid.
        let sh = unsafe { (*node).u.object };
        let map = ptr::addr_of_mut!(unsafe { &mut *sh }.map);
        // SAFETY: `map` is valid; sized once for every member.
        unsafe { hm::reserve(map, stack.len() - start) };
        for (name, value) in stack.drain(start..) {
            // SAFETY: `sh` is valid; names in it are C strings.
            let old = unsafe { find(sh, &name) };
            if old.is_null() {
                let m = name.node;
                // SAFETY: `m` is the name's node, its name in place; the
                // map has room for every member, so no growth is due.
                unsafe {
                    ptr::addr_of_mut!((*m).data).write(value.into_raw() as *mut c_void);
                    hm::insert_fast(map, m as *mut hmap_node, name.hash as usize);
                }
                mem::forget(name);
            } else {
                // A repeated name: first place, last value.
                // SAFETY: `old` is a member whose data is a node.
                unsafe {
                    destroy((*old).data as *mut json);
                    (*old).data = value.into_raw() as *mut c_void;
                }
            }
        }
        CValue::new(node)
    }

    fn holds_memory(&self) -> bool {
        self.arena.holds_memory()
    }

    fn take_spare() -> Option<Box<Work<CBuilder>>> {
        SPARE_WORK.try_with(Cell::take).ok().flatten()
    }

    fn keep_spare(work: Box<Work<CBuilder>>) {
        let _ = SPARE_WORK.try_with(|c| c.set(Some(work)));
    }
}

/// True if `bytes` are UTF-8.
#[inline]
fn is_utf8(bytes: &[u8]) -> bool {
    bytes.is_ascii() || simdutf8::basic::from_utf8(bytes).is_ok()
}

/// The member of `sh` named as `name`.
///
/// # Safety
///
/// `sh` is a valid map whose names are C strings.
#[inline]
unsafe fn find(sh: *mut shash, name: &CName) -> *mut shash_node {
    // SAFETY: as the caller guarantees; `name.ptr` is a C string.
    unsafe {
        let map = &(*sh).map;
        let hash = name.hash as usize;
        let mut n = *map.buckets.add(hash & map.mask);
        while !n.is_null() {
            let node = n as *mut shash_node;
            if (*n).hash == hash && libc::strcmp((*node).name, name.ptr()) == 0 {
                return node;
            }
            n = (*n).next;
        }
    }
    ptr::null_mut()
}

/// A `null` node for the serializer to show in place of a NULL child.
struct StaticNull(json);
// SAFETY: the node is never written to; it holds no pointer.
unsafe impl Sync for StaticNull {}
static NULL_NODE: StaticNull = StaticNull(json {
    type_: json_type::JSON_NULL as i32,
    storage_type: STRING_DYNAMIC,
    count: 1,
    u: json_value { integer: 0 },
});

thread_local! {
    /// Strings and names of invalid UTF-8 as written while one tree is
    /// serialized; emptied when it is done.
    static LOSSY: RefCell<Vec<Box<str>>> = const { RefCell::new(Vec::new()) };
}

/// The text of `bytes`: in place when it is UTF-8, else with the invalid
/// sequences replaced, kept until the tree being serialized is done.
#[inline]
fn text_of(bytes: &[u8]) -> &str {
    if bytes.is_ascii() {
        // SAFETY: ASCII is UTF-8 (the common case, checked word by word,
        // cheaper than full validation).
        return unsafe { std::str::from_utf8_unchecked(bytes) };
    }
    match std::str::from_utf8(bytes) {
        Ok(s) => s,
        Err(_) => {
            let owned: Box<str> = String::from_utf8_lossy(bytes).into();
            let p: *const str = &*owned;
            LOSSY.with(|l| l.borrow_mut().push(owned));
            // SAFETY: the box's contents do not move while it lives in
            // LOSSY, and LOSSY is emptied only by `serialize_c` once the
            // serializer, the only reader of views, has returned.
            unsafe { &*p }
        }
    }
}

#[inline]
fn child<'a>(p: *mut json) -> &'a json {
    if p.is_null() {
        &NULL_NODE.0
    } else {
        // SAFETY: a child of a live tree is live while the tree is.
        unsafe { &*p }
    }
}

/// The elements of a C array node as nodes, each fetched a few ahead.
pub(crate) struct CElements<'a> {
    elements: &'a [*mut json],
    at: usize,
}

impl<'a> Iterator for CElements<'a> {
    type Item = &'a json;

    #[inline]
    fn next(&mut self) -> Option<&'a json> {
        let e = *self.elements.get(self.at)?;
        if let Some(&ahead) = self.elements.get(self.at + 4) {
            prefetch(ahead);
        }
        self.at += 1;
        Some(child(e))
    }
}

/// The members of a C object node as (name, node) pairs, in the map's
/// iteration order (OVS's `SHASH_FOR_EACH`).
pub(crate) struct CMembers<'a> {
    map: &'a hm::hmap,
    node: *mut hmap_node,
}

impl<'a> Iterator for CMembers<'a> {
    type Item = (&'a str, &'a json);

    #[inline]
    fn next(&mut self) -> Option<(&'a str, &'a json)> {
        if self.node.is_null() {
            return None;
        }
        let this = self.node as *const shash_node;
        // SAFETY: `this` is a member of the live map: its name is a C
        // string and its data a node; `next` stays within the map.
        unsafe {
            // The value is read right after the name: start fetching it
            // (and the next member) before the name is scanned.
            let data = (*this).data as *const u8;
            prefetch(data);
            prefetch_between(this as *const u8, data);
            self.node = hm::next(self.map, self.node);
            prefetch(self.node);
            let name = CStr::from_ptr((*this).name).to_bytes();
            Some((text_of(name), child((*this).data as *mut json)))
        }
    }
}

/// The most bytes [`prefetch_between`] asks for.
const SPAN: usize = 8192;

/// Starts fetching every cache line from `from` up to `to` when that is a
/// short way forward. A parser's arena lays a member out that way: its
/// name node first, then the nodes of its value, the value's own node
/// last. Fetched together, a cold value's lines arrive in parallel instead
/// of one after another as its pointers are followed.
#[inline]
fn prefetch_between(from: *const u8, to: *const u8) {
    let span = (to as usize).wrapping_sub(from as usize);
    if span <= SPAN {
        let mut at = 64;
        while at < span {
            prefetch(from.wrapping_add(at));
            at += 64;
        }
    }
}

impl Node for json {
    type Elements<'a> = CElements<'a>;
    type Members<'a> = CMembers<'a>;

    #[inline]
    fn view(&self) -> View<'_, json> {
        // SAFETY: the type says which member of the union is live; the
        // tree is live while it is serialized.
        unsafe {
            match type_of(self) {
                Some(json_type::JSON_FALSE) => View::Boolean(false),
                Some(json_type::JSON_TRUE) => View::Boolean(true),
                Some(json_type::JSON_INTEGER) => View::Integer(self.u.integer),
                Some(json_type::JSON_REAL) => View::Real(self.u.real),
                Some(json_type::JSON_STRING) => View::String(text_of(string_bytes(self))),
                Some(json_type::JSON_SERIALIZED_OBJECT) => View::Raw(text_of(string_bytes(self))),
                Some(json_type::JSON_ARRAY) => View::Array(CElements {
                    elements: elements(self),
                    at: 0,
                }),
                Some(json_type::JSON_OBJECT) => {
                    let map = &(*self.u.object).map;
                    View::Object(CMembers {
                        map,
                        node: hm::first_from(map, 0),
                    })
                }
                _ => View::Null,
            }
        }
    }
}

/// Writes the C tree `j` (NULL reads as `null`) to `out`.
///
/// # Safety
///
/// `j` is NULL or a live tree, unchanged meanwhile.
pub(crate) unsafe fn serialize_c<S: Sink>(j: *const json, out: &mut S, options: SerializeOptions) {
    serialize(child(j as *mut json), out, options);
    let _ = LOSSY.try_with(|l| {
        if let Ok(mut l) = l.try_borrow_mut() {
            l.clear();
        }
    });
}

/// The C tree `j` serialized into a new `String`.
///
/// # Safety
///
/// As [`serialize_c`].
pub(crate) unsafe fn to_string_c(j: *const json, options: SerializeOptions) -> String {
    let mut out = String::new();
    // SAFETY: as the caller guarantees.
    unsafe { serialize_c(j, &mut out, options) };
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capi::json_node::{members, new_array, new_string_bytes, new_string_nocopy};
    use crate::json::Core;

    const TEXT: &str = crate::json::SAMPLE_UPDATE;

    fn parse_c(text: &str, step: usize) -> Result<CValue, crate::json::Error> {
        Core::<CBuilder>::parse_chunks(text.as_bytes(), step)
    }

    #[test]
    fn c_nodes_serialize_as_the_rust_tree_does() {
        let rust = crate::json::from_str(TEXT).unwrap();
        for step in [1, 3, 64, TEXT.len()] {
            let c = parse_c(TEXT, step).unwrap();
            for options in [SerializeOptions::SORTED, SerializeOptions::PRETTY_SORTED] {
                // SAFETY: `c` is a live tree.
                let text = unsafe { to_string_c(c.0.as_ptr(), options) };
                assert_eq!(text, rust.to_string_with(options), "step {step}");
            }
            // Unsorted: the map's order, which reads back as the same value.
            // SAFETY: as above.
            let text = unsafe { to_string_c(c.0.as_ptr(), SerializeOptions::COMPACT) };
            assert_eq!(crate::json::from_str(&text).unwrap(), rust);
        }
    }

    #[test]
    fn a_repeated_name_keeps_one_member_with_the_last_value() {
        let c = parse_c(r#"{"a":1,"b":2,"a":[3]}"#, 1).unwrap();
        // SAFETY: `c` is a live object.
        unsafe {
            let j = &*c.0.as_ptr();
            let m: Vec<String> = members(j)
                .map(|(n, _)| n.to_string_lossy().into_owned())
                .collect();
            assert_eq!(m.len(), 2);
            assert_eq!(
                to_string_c(j, SerializeOptions::SORTED),
                r#"{"a":[3],"b":2}"#
            );
        }
    }

    #[test]
    fn errors_are_the_rust_parsers() {
        for text in [
            r#"{"a":[1,2,{"b":"c"}],"d":[true,]}"#,
            r#"[1,"x",{"y":[2,3"#,
        ] {
            let expected = crate::json::from_str(text).unwrap_err().to_string();
            for step in [1, 4, text.len()] {
                let got = parse_c(text, step).err().expect("an error");
                assert_eq!(got.to_string(), expected);
            }
        }
    }

    #[test]
    fn plain_strings_that_are_not_utf8_fail_as_in_rust() {
        for text in [
            &b"[\"a\xffb\"]"[..],
            b"{\"\xc3\":1}",
            b"{\"k\":\"\xe2\x82\"}",
        ] {
            let expected = crate::json::from_slice(text).unwrap_err().to_string();
            let got = Core::<CBuilder>::parse_chunks(text, text.len())
                .err()
                .expect("an error");
            assert_eq!(got.to_string(), expected);
        }
        let c = parse_c("[\"é\",{\"ü\":\"x\"}]", usize::MAX).unwrap();
        // SAFETY: `c` is a live tree.
        let text = unsafe { to_string_c(c.0.as_ptr(), SerializeOptions::SORTED) };
        assert_eq!(text, "[\"é\",{\"ü\":\"x\"}]");
    }

    #[test]
    fn odd_nodes_serialize() {
        // Bytes that are not UTF-8, a NULL element, a serialized object.
        let bad = new_string_bytes(b"a\xffb");
        let raw = new_string_nocopy(
            json_type::JSON_SERIALIZED_OBJECT,
            crate::capi::malloc_bytes(br#"{"z" : 1}"#),
        );
        let a = new_array(&[bad, ptr::null_mut(), raw]);
        // SAFETY: `a` is a live tree, released once.
        unsafe {
            assert_eq!(
                to_string_c(a, SerializeOptions::COMPACT),
                "[\"a\u{fffd}b\",null,{\"z\" : 1}]"
            );
            destroy(a);
        }
    }
}
