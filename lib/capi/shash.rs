//! `openvswitch/shash.h`: OVS's string-keyed hash map over [`hmap`], the
//! representation of a JSON object's members (`json_object()`).
//!
//! Every function of OVS's `lib/shash.c` is here, with its behaviour: names
//! hash with OVS's `hash_string(name, 0)`, nodes are `malloc()`ed and go
//! through `hmap_insert()`, so iteration order is OVS's. A name the map
//! copies lives in its node's own allocation, right after the node (one
//! `malloc()` a member instead of OVS's two); a name taken over
//! (`_nocopy`) stays where it is. `name` is then just a pointer into the
//! block: C code reads it as OVS's, and `shash_steal()` hands back a
//! `malloc()`ed copy, as it must. Defining the whole
//! set means a program that links OVS's objects as well never pulls OVS's
//! `shash.o` from `libopenvswitch.a` (its symbols would clash with these).

use std::ffi::{c_char, c_void};
use std::mem;
use std::ptr;

use super::hmap::{self as hm, hash_bytes, hmap, hmap_node};
use super::json_arena::{alloc_own_apart, free_block, Place, Releases};
use super::{boundary, c_bytes, malloc_bytes, xmalloc};

/// A member of a [`shash`] (OVS's `struct shash_node`).
#[repr(C)]
#[derive(Debug)]
pub struct shash_node {
    /// Its place in the map.
    pub node: hmap_node,
    /// The name, a `malloc()`ed string owned by the map.
    pub name: *mut c_char,
    /// The caller's data.
    pub data: *mut c_void,
}

/// A map from strings to pointers (OVS's `struct shash`).
#[repr(C)]
#[derive(Debug)]
pub struct shash {
    /// The underlying hash map of [`shash_node`]s.
    pub map: hmap,
}

fn hash_name(name: &[u8]) -> usize {
    hash_bytes(name, 0) as usize
}

/// The nodes of `sh` in iteration order (`SHASH_FOR_EACH`).
///
/// # Safety
///
/// `sh` is a valid map, unchanged while the iterator is used.
pub(crate) unsafe fn nodes(sh: *const shash) -> impl Iterator<Item = *mut shash_node> {
    // SAFETY: as the caller guarantees; `node` is the first member of
    // `shash_node`, so the pointers convert.
    unsafe { hm::iter(ptr::addr_of!((*sh).map)) }.map(|n| n as *mut shash_node)
}

/// The node named `name` (of which `hash` is the hash).
///
/// # Safety
///
/// `sh` is a valid map.
pub(crate) unsafe fn find(sh: *const shash, name: &[u8], hash: usize) -> *mut shash_node {
    // SAFETY: as the caller guarantees; chain nodes are shash_nodes with
    // valid names.
    unsafe {
        let map = ptr::addr_of!((*sh).map);
        let mut n = *(*map).buckets.add(hash & (*map).mask);
        while !n.is_null() {
            if (*n).hash == hash {
                let node = n as *mut shash_node;
                if c_bytes((*node).name) == name {
                    return node;
                }
            }
            n = (*n).next;
        }
    }
    ptr::null_mut()
}

const NODE: usize = mem::size_of::<shash_node>();

/// Where a name kept in `node`'s own allocation starts.
#[inline]
pub(crate) fn name_slot(node: *const shash_node) -> *mut c_char {
    (node as *mut u8).wrapping_add(NODE) as *mut c_char
}

/// Whether `node`'s name lives in the node's own allocation. Every name
/// stored by this module satisfies: it is the slot after the node exactly
/// when it was copied there (see `alloc_own_apart`).
#[inline]
pub(crate) fn name_inside(node: *const shash_node) -> bool {
    // SAFETY: the caller's node is live.
    unsafe { (*node).name == name_slot(node) }
}

/// A node allocation with `name` copied right after it, the rest of the
/// node unset: the caller writes `node` and `data` before use.
pub(crate) fn new_node_named(name: &[u8]) -> *mut shash_node {
    new_node_named_in(&mut Place::Own, name)
}

/// As [`new_node_named`], made in `place`.
#[inline]
pub(crate) fn new_node_named_in(place: &mut Place, name: &[u8]) -> *mut shash_node {
    let node = place.alloc(NODE + name.len() + 1) as *mut shash_node;
    let slot = name_slot(node) as *mut u8;
    // SAFETY: the block has room for the node, the name and its NUL.
    unsafe {
        ptr::copy_nonoverlapping(name.as_ptr(), slot, name.len());
        *slot.add(name.len()) = 0;
        ptr::addr_of_mut!((*node).name).write(slot as *mut c_char);
    }
    node
}

/// Puts `node` (allocated by [`new_node_named`] or `alloc_own_apart`,
/// its name set) = `data` in the map.
///
/// # Safety
///
/// `sh` is a valid map; `node` a fresh node with its name set.
unsafe fn insert_node(
    sh: *mut shash,
    node: *mut shash_node,
    data: *const c_void,
    hash: usize,
) -> *mut shash_node {
    // SAFETY: as the caller guarantees.
    unsafe {
        ptr::addr_of_mut!((*node).data).write(data as *mut c_void);
        hm::insert(ptr::addr_of_mut!((*sh).map), node as *mut hmap_node, hash);
    }
    node
}

/// Adds `name` (taken over) = `data` without looking for `name`.
///
/// # Safety
///
/// `sh` is a valid map; `name` a malloc()ed string.
pub(crate) unsafe fn add_nocopy(
    sh: *mut shash,
    name: *mut c_char,
    data: *const c_void,
    hash: usize,
) -> *mut shash_node {
    let node = alloc_own_apart(NODE, name as *const u8) as *mut shash_node;
    // SAFETY: `node` is fresh and big enough; the map is valid.
    unsafe {
        ptr::addr_of_mut!((*node).name).write(name);
        insert_node(sh, node, data, hash)
    }
}

/// Adds a copy of `name` = `data` without looking for `name`.
///
/// # Safety
///
/// `sh` is a valid map.
pub(crate) unsafe fn add_copy(
    sh: *mut shash,
    name: &[u8],
    data: *const c_void,
    hash: usize,
) -> *mut shash_node {
    // SAFETY: as the caller guarantees; the node has its name.
    unsafe { insert_node(sh, new_node_named(name), data, hash) }
}

/// Frees a node out of any map, with its name.
///
/// # Safety
///
/// `node` is a live node of this module's making, in no map.
pub(crate) unsafe fn free_node(node: *mut shash_node) {
    // SAFETY: as the caller guarantees.
    unsafe { free_node_with(node, &mut Releases::default()) }
}

/// [`free_node`], giving the block back through `r`.
///
/// # Safety
///
/// As [`free_node`].
#[inline]
pub(crate) unsafe fn free_node_with(node: *mut shash_node, r: &mut Releases) {
    // SAFETY: as the caller guarantees: a name apart is malloc()ed.
    unsafe {
        if !name_inside(node) {
            libc::free((*node).name as *mut c_void);
        }
        r.free(node as *mut u8);
    }
}

/// Removes `node` from `sh` and frees it with its name.
///
/// # Safety
///
/// `node` is in the valid map `sh`.
unsafe fn delete(sh: *mut shash, node: *mut shash_node) {
    // SAFETY: as the caller guarantees.
    unsafe {
        hm::remove(ptr::addr_of_mut!((*sh).map), node as *mut hmap_node);
        free_node(node);
    }
}

/// Removes `node` from `sh`, frees it and returns its name, `malloc()`ed.
///
/// # Safety
///
/// `node` is in the valid map `sh`.
unsafe fn steal(sh: *mut shash, node: *mut shash_node) -> *mut c_char {
    // SAFETY: as the caller guarantees; nodes come from malloc.
    unsafe {
        let name = if name_inside(node) {
            malloc_bytes(c_bytes((*node).name))
        } else {
            (*node).name
        };
        hm::remove(ptr::addr_of_mut!((*sh).map), node as *mut hmap_node);
        free_block(node as *mut u8);
        name
    }
}

/// Removes every node, freeing names and nodes and, with `free_data`,
/// the data.
///
/// # Safety
///
/// `sh` is a valid map.
pub(crate) unsafe fn clear(sh: *mut shash, free_data: bool) {
    // SAFETY: as the caller guarantees; the next node is found before the
    // current one is freed.
    unsafe {
        let map = ptr::addr_of_mut!((*sh).map);
        let mut n = hm::first_from(map, 0);
        while !n.is_null() {
            let following = hm::next(map, n);
            let node = n as *mut shash_node;
            if free_data {
                libc::free((*node).data);
            }
            delete(sh, node);
            n = following;
        }
    }
}

/// Initializes `sh` as an empty map.
#[no_mangle]
pub unsafe extern "C" fn shash_init(sh: *mut shash) {
    // SAFETY: the caller passes a writable map.
    boundary("shash_init", || unsafe {
        hm::init(ptr::addr_of_mut!((*sh).map))
    })
}

/// Frees `sh`'s nodes and names (not the data) and its buckets. NULL is
/// fine.
#[no_mangle]
pub unsafe extern "C" fn shash_destroy(sh: *mut shash) {
    boundary("shash_destroy", || {
        if !sh.is_null() {
            // SAFETY: the caller passes a valid map.
            unsafe {
                clear(sh, false);
                hm::destroy(ptr::addr_of_mut!((*sh).map));
            }
        }
    })
}

/// Like `shash_destroy()`, and also `free()`s each node's data.
#[no_mangle]
pub unsafe extern "C" fn shash_destroy_free_data(sh: *mut shash) {
    boundary("shash_destroy_free_data", || {
        if !sh.is_null() {
            // SAFETY: the caller passes a valid map.
            unsafe {
                clear(sh, true);
                hm::destroy(ptr::addr_of_mut!((*sh).map));
            }
        }
    })
}

/// Exchanges the contents of `a` and `b`.
#[no_mangle]
pub unsafe extern "C" fn shash_swap(a: *mut shash, b: *mut shash) {
    // SAFETY: the caller passes valid maps.
    unsafe { hm::hmap_swap(ptr::addr_of_mut!((*a).map), ptr::addr_of_mut!((*b).map)) }
}

/// Repairs `sh` after it was moved in memory.
#[no_mangle]
pub unsafe extern "C" fn shash_moved(sh: *mut shash) {
    // SAFETY: the caller passes a valid map.
    unsafe { hm::hmap_moved(ptr::addr_of_mut!((*sh).map)) }
}

/// Removes every node, freeing nodes and names (not the data).
#[no_mangle]
pub unsafe extern "C" fn shash_clear(sh: *mut shash) {
    // SAFETY: the caller passes a valid map.
    boundary("shash_clear", || unsafe { clear(sh, false) })
}

/// Removes every node, freeing nodes, names and data.
#[no_mangle]
pub unsafe extern "C" fn shash_clear_free_data(sh: *mut shash) {
    // SAFETY: the caller passes a valid map.
    boundary("shash_clear_free_data", || unsafe { clear(sh, true) })
}

/// Returns true if `sh` has no nodes.
#[no_mangle]
pub unsafe extern "C" fn shash_is_empty(sh: *const shash) -> bool {
    // SAFETY: the caller passes a valid map.
    unsafe { (*sh).map.n == 0 }
}

/// Returns the number of nodes in `sh`.
#[no_mangle]
pub unsafe extern "C" fn shash_count(sh: *const shash) -> usize {
    // SAFETY: the caller passes a valid map.
    unsafe { (*sh).map.n }
}

/// Adds a node `name` (copied) = `data`, without checking whether `name`
/// is present already, and returns it.
#[no_mangle]
pub unsafe extern "C" fn shash_add(
    sh: *mut shash,
    name: *const c_char,
    data: *const c_void,
) -> *mut shash_node {
    boundary("shash_add", || {
        // SAFETY: the caller passes a valid map and a C string.
        unsafe {
            let b = c_bytes(name);
            add_copy(sh, b, data, hash_name(b))
        }
    })
}

/// Like `shash_add()`, taking over `name` (allocated with `malloc()`).
#[no_mangle]
pub unsafe extern "C" fn shash_add_nocopy(
    sh: *mut shash,
    name: *mut c_char,
    data: *const c_void,
) -> *mut shash_node {
    boundary("shash_add_nocopy", || {
        // SAFETY: the caller passes a valid map and a malloc()ed string.
        unsafe { add_nocopy(sh, name, data, hash_name(c_bytes(name))) }
    })
}

/// Adds `name` = `data` if `name` is absent and returns true; otherwise
/// returns false.
#[no_mangle]
pub unsafe extern "C" fn shash_add_once(
    sh: *mut shash,
    name: *const c_char,
    data: *const c_void,
) -> bool {
    boundary("shash_add_once", || {
        // SAFETY: the caller passes a valid map and a C string.
        unsafe {
            let b = c_bytes(name);
            let h = hash_name(b);
            if find(sh, b, h).is_null() {
                add_copy(sh, b, data, h);
                true
            } else {
                false
            }
        }
    })
}

/// Adds `name` = `data`; `name` must be absent (the process aborts
/// otherwise, as OVS's assertion does).
#[no_mangle]
pub unsafe extern "C" fn shash_add_assert(
    sh: *mut shash,
    name: *const c_char,
    data: *const c_void,
) {
    // SAFETY: the caller passes a valid map and a C string.
    let added = unsafe { shash_add_once(sh, name, data) };
    boundary("shash_add_assert", || {
        assert!(added, "shash_add_assert: name already present")
    })
}

/// Sets `name` to `data`: returns the old data if `name` was present
/// (keeping its node), otherwise adds it and returns NULL.
#[no_mangle]
pub unsafe extern "C" fn shash_replace(
    sh: *mut shash,
    name: *const c_char,
    data: *const c_void,
) -> *mut c_void {
    boundary("shash_replace", || {
        // SAFETY: the caller passes a valid map and a C string.
        unsafe {
            let b = c_bytes(name);
            let h = hash_name(b);
            let node = find(sh, b, h);
            if node.is_null() {
                add_copy(sh, b, data, h);
                ptr::null_mut()
            } else {
                std::mem::replace(&mut (*node).data, data as *mut c_void)
            }
        }
    })
}

/// Like `shash_replace()`, taking over `name` (freed if `name` was
/// present).
#[no_mangle]
pub unsafe extern "C" fn shash_replace_nocopy(
    sh: *mut shash,
    name: *mut c_char,
    data: *const c_void,
) -> *mut c_void {
    boundary("shash_replace_nocopy", || {
        // SAFETY: the caller passes a valid map and a malloc()ed string.
        unsafe {
            let b = c_bytes(name);
            let h = hash_name(b);
            let node = find(sh, b, h);
            if node.is_null() {
                add_nocopy(sh, name, data, h);
                ptr::null_mut()
            } else {
                libc::free(name as *mut c_void);
                std::mem::replace(&mut (*node).data, data as *mut c_void)
            }
        }
    })
}

/// Removes `node` from `sh` and frees it and its name (not its data).
#[no_mangle]
pub unsafe extern "C" fn shash_delete(sh: *mut shash, node: *mut shash_node) {
    // SAFETY: the caller passes a node of the valid map `sh`.
    boundary("shash_delete", || unsafe { delete(sh, node) })
}

/// Removes `node` from `sh`, frees it and returns its name (the caller
/// frees it).
#[no_mangle]
pub unsafe extern "C" fn shash_steal(sh: *mut shash, node: *mut shash_node) -> *mut c_char {
    // SAFETY: the caller passes a node of the valid map `sh`.
    boundary("shash_steal", || unsafe { steal(sh, node) })
}

/// Returns the node named `name`, or NULL.
#[no_mangle]
pub unsafe extern "C" fn shash_find(sh: *const shash, name: *const c_char) -> *mut shash_node {
    boundary("shash_find", || {
        // SAFETY: the caller passes a valid map and a C string.
        unsafe {
            let b = c_bytes(name);
            find(sh, b, hash_name(b))
        }
    })
}

/// Returns the node whose name is the `len` bytes at `name`, or NULL.
#[no_mangle]
pub unsafe extern "C" fn shash_find_len(
    sh: *const shash,
    name: *const c_char,
    len: usize,
) -> *mut shash_node {
    boundary("shash_find_len", || {
        // SAFETY: the caller passes a valid map and `len` readable bytes.
        unsafe {
            let b = std::slice::from_raw_parts(name as *const u8, len);
            find(sh, b, hash_name(b))
        }
    })
}

/// Returns the data of the node named `name`, or NULL.
#[no_mangle]
pub unsafe extern "C" fn shash_find_data(sh: *const shash, name: *const c_char) -> *mut c_void {
    // SAFETY: the caller passes a valid map and a C string.
    let node = unsafe { shash_find(sh, name) };
    if node.is_null() {
        ptr::null_mut()
    } else {
        // SAFETY: a node of the map.
        unsafe { (*node).data }
    }
}

/// Removes the node named `name` and returns its data, or returns NULL if
/// there is none.
#[no_mangle]
pub unsafe extern "C" fn shash_find_and_delete(sh: *mut shash, name: *const c_char) -> *mut c_void {
    // SAFETY: the caller passes a valid map and a C string.
    unsafe {
        let node = shash_find(sh, name);
        if node.is_null() {
            ptr::null_mut()
        } else {
            let data = (*node).data;
            shash_delete(sh, node);
            data
        }
    }
}

/// Like `shash_find_and_delete()`, but the node must exist and have
/// non-NULL data (the process aborts otherwise).
#[no_mangle]
pub unsafe extern "C" fn shash_find_and_delete_assert(
    sh: *mut shash,
    name: *const c_char,
) -> *mut c_void {
    // SAFETY: the caller passes a valid map and a C string.
    let data = unsafe { shash_find_and_delete(sh, name) };
    boundary("shash_find_and_delete_assert", || {
        assert!(!data.is_null(), "shash_find_and_delete_assert: not found")
    });
    data
}

/// Returns the first node of `sh` in iteration order, or NULL.
#[no_mangle]
pub unsafe extern "C" fn shash_first(sh: *const shash) -> *mut shash_node {
    // SAFETY: the caller passes a valid map.
    boundary("shash_first", || unsafe {
        hm::first_from(ptr::addr_of!((*sh).map), 0) as *mut shash_node
    })
}

/// Returns a `malloc()`ed array of `sh`'s nodes sorted by name (`strcmp()`
/// order), or NULL if `sh` is empty. The caller frees the array.
#[no_mangle]
pub unsafe extern "C" fn shash_sort(sh: *const shash) -> *mut *const shash_node {
    boundary("shash_sort", || {
        // SAFETY: the caller passes a valid map.
        let mut v: Vec<*const shash_node> = unsafe { nodes(sh) }.map(|n| n as *const _).collect();
        if v.is_empty() {
            return ptr::null_mut();
        }
        // SAFETY: nodes of the map have valid names.
        v.sort_unstable_by(|&a, &b| unsafe { c_bytes((*a).name).cmp(c_bytes((*b).name)) });
        let p =
            xmalloc(v.len() * std::mem::size_of::<*const shash_node>()) as *mut *const shash_node;
        // SAFETY: `p` has room for `v.len()` pointers.
        unsafe { ptr::copy_nonoverlapping(v.as_ptr(), p, v.len()) };
        p
    })
}

/// Returns true if `a` and `b` have the same names.
#[no_mangle]
pub unsafe extern "C" fn shash_equal_keys(a: *const shash, b: *const shash) -> bool {
    boundary("shash_equal_keys", || {
        // SAFETY: the caller passes valid maps.
        unsafe {
            (*a).map.n == (*b).map.n
                && nodes(a).all(|n| {
                    let name = c_bytes((*n).name);
                    !find(b, name, hash_name(name)).is_null()
                })
        }
    })
}

/// Returns a node of `sh`, which must not be empty, chosen at random.
#[no_mangle]
pub unsafe extern "C" fn shash_random_node(sh: *mut shash) -> *mut shash_node {
    // SAFETY: the caller passes a valid non-empty map.
    unsafe { hm::hmap_random_node(ptr::addr_of!((*sh).map)) as *mut shash_node }
}
