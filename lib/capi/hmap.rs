//! `openvswitch/hmap.h`: OVS's intrusive hash map, with its layout and its
//! behaviour, and OVS's string hash (`hash_bytes()` of `lib/hash.c`, the
//! murmur-style version OVS builds on x86-64 without SSE 4.2).
//!
//! The header implements the inline half (`hmap_insert`, `hmap_remove`,
//! `hmap_first`, `hmap_next`, the iteration macros); this file the
//! functions OVS's `lib/hmap.c` defines, every one of them, so that a
//! program linking OVS's own objects never needs OVS's `hmap.o` (whose
//! symbols would then clash with these). Bucket arithmetic, growth
//! (`calc_mask`), and the order in which a resize relinks nodes are OVS's,
//! so iteration order, and with it the order of object members in
//! serialized JSON, is the one OVS gives.

use std::ffi::{c_char, c_uint};
use std::mem;
use std::ptr;

use super::{boundary, xmalloc};
use crate::jsonrpc::remotes::random_seed;

/// A node of a hash map, embedded in the caller's structure (OVS's
/// `struct hmap_node`).
#[repr(C)]
#[derive(Debug)]
pub struct hmap_node {
    /// The node's hash value.
    pub hash: usize,
    /// The next node in the same bucket.
    pub next: *mut hmap_node,
}

/// A hash map (OVS's `struct hmap`): `buckets` points to `one` exactly when
/// `mask` is 0.
#[repr(C)]
#[derive(Debug)]
pub struct hmap {
    /// `mask + 1` bucket heads.
    pub buckets: *mut *mut hmap_node,
    /// The single bucket of a map with `mask` 0.
    pub one: *mut hmap_node,
    /// Number of buckets minus 1 (a power of 2 minus 1).
    pub mask: usize,
    /// Number of nodes.
    pub n: usize,
}

/// A place in an iteration by `hmap_at_position()`.
#[repr(C)]
#[derive(Debug)]
pub struct hmap_position {
    /// Bucket index.
    pub bucket: c_uint,
    /// Index within the bucket.
    pub offset: c_uint,
}

fn rot(x: u32, k: u32) -> u32 {
    x.rotate_left(k)
}

fn mhash_add(hash: u32, data: u32) -> u32 {
    let mut hash = hash;
    if data != 0 {
        let d = rot(data.wrapping_mul(0xcc9e_2d51), 15).wrapping_mul(0x1b87_3593);
        hash ^= d;
    }
    rot(hash, 13).wrapping_mul(5).wrapping_add(0xe654_6b64)
}

fn mhash_finish(hash: u32, last: u32) -> u32 {
    let mut h = hash ^ last;
    h ^= h >> 16;
    h = h.wrapping_mul(0x85eb_ca6b);
    h ^= h >> 13;
    h = h.wrapping_mul(0xc2b2_ae35);
    h ^ (h >> 16)
}

/// OVS's `hash_bytes()`: 32-bit words in native byte order, the tail
/// zero-padded, finished with the length.
pub(crate) fn hash_bytes(bytes: &[u8], basis: u32) -> u32 {
    let mut hash = basis;
    let mut words = bytes.chunks_exact(4);
    for w in &mut words {
        hash = mhash_add(hash, u32::from_ne_bytes([w[0], w[1], w[2], w[3]]));
    }
    let tail = words.remainder();
    if !tail.is_empty() {
        let mut t = [0u8; 4];
        t[..tail.len()].copy_from_slice(tail);
        hash = mhash_add(hash, u32::from_ne_bytes(t));
    }
    mhash_finish(hash, bytes.len() as u32)
}

/// OVS's `hash_int()` (`hash_2words(x, basis)`).
pub(crate) fn hash_int(x: u32, basis: u32) -> u32 {
    mhash_finish(mhash_add(mhash_add(x, 0), basis), 8)
}

/// OVS's `hash_double()` (`hash_3words()` over the two halves).
pub(crate) fn hash_double(x: f64, basis: u32) -> u32 {
    let b = x.to_ne_bytes();
    let lo = u32::from_ne_bytes([b[0], b[1], b[2], b[3]]);
    let hi = u32::from_ne_bytes([b[4], b[5], b[6], b[7]]);
    mhash_finish(mhash_add(mhash_add(mhash_add(lo, 0), hi), basis), 12)
}

/// The bucket heads of `h` as a slice.
///
/// # Safety
///
/// `h` is a valid map.
unsafe fn buckets<'a>(h: *const hmap) -> &'a mut [*mut hmap_node] {
    // SAFETY: a valid map has `mask + 1` bucket heads at `buckets`.
    unsafe { std::slice::from_raw_parts_mut((*h).buckets, (*h).mask + 1) }
}

/// `hmap_init()` for Rust callers.
///
/// # Safety
///
/// `h` is valid for writes.
pub(crate) unsafe fn init(h: *mut hmap) {
    // SAFETY: the caller guarantees `h` is writable; `one` lives in it.
    unsafe {
        (*h).buckets = ptr::addr_of_mut!((*h).one);
        (*h).one = ptr::null_mut();
        (*h).mask = 0;
        (*h).n = 0;
    }
}

/// The inline `hmap_insert_fast()`: at the head of its bucket, no growth.
///
/// # Safety
///
/// `h` is a valid map and `node` a node in none.
pub(crate) unsafe fn insert_fast(h: *mut hmap, node: *mut hmap_node, hash: usize) {
    // SAFETY: the caller guarantees validity; the index is masked.
    unsafe {
        let bucket = (*h).buckets.add(hash & (*h).mask);
        (*node).hash = hash;
        (*node).next = *bucket;
        *bucket = node;
        (*h).n += 1;
    }
}

/// The inline `hmap_insert()`: inserts, then grows as OVS does.
///
/// # Safety
///
/// As [`insert_fast`].
pub(crate) unsafe fn insert(h: *mut hmap, node: *mut hmap_node, hash: usize) {
    // SAFETY: as the caller guarantees.
    unsafe {
        insert_fast(h, node, hash);
        if (*h).n / 2 > (*h).mask {
            expand(h);
        }
    }
}

/// The inline `hmap_remove()`.
///
/// # Safety
///
/// `node` is in the valid map `h`.
pub(crate) unsafe fn remove(h: *mut hmap, node: *mut hmap_node) {
    // SAFETY: `node` is in its bucket's chain, so the walk ends on it.
    unsafe {
        let mut link = (*h).buckets.add((*node).hash & (*h).mask);
        while *link != node {
            link = ptr::addr_of_mut!((**link).next);
        }
        *link = (*node).next;
        (*h).n -= 1;
    }
}

/// The inline `hmap_first()` / `hmap_next__()`: the first node in a
/// bucket at or after `start`.
///
/// # Safety
///
/// `h` is a valid map.
pub(crate) unsafe fn first_from(h: *const hmap, start: usize) -> *mut hmap_node {
    // SAFETY: as the caller guarantees.
    let b = unsafe { buckets(h) };
    b.get(start..)
        .and_then(|rest| rest.iter().find(|n| !n.is_null()))
        .copied()
        .unwrap_or(ptr::null_mut())
}

/// The inline `hmap_next()`.
///
/// # Safety
///
/// `node` is in the valid map `h`.
pub(crate) unsafe fn next(h: *const hmap, node: *const hmap_node) -> *mut hmap_node {
    // SAFETY: as the caller guarantees.
    unsafe {
        if !(*node).next.is_null() {
            (*node).next
        } else {
            first_from(h, ((*node).hash & (*h).mask) + 1)
        }
    }
}

/// The nodes of `h` in iteration order (OVS's `HMAP_FOR_EACH`).
///
/// # Safety
///
/// `h` is a valid map, not changed while the iterator is used.
pub(crate) unsafe fn iter(h: *const hmap) -> impl Iterator<Item = *mut hmap_node> {
    // SAFETY: as the caller guarantees.
    let mut node = unsafe { first_from(h, 0) };
    std::iter::from_fn(move || {
        if node.is_null() {
            return None;
        }
        let this = node;
        // SAFETY: `this` is in `h`.
        node = unsafe { next(h, this) };
        Some(this)
    })
}

/// OVS's `calc_mask()`: the mask for `capacity` nodes, 2 nodes per bucket,
/// at least 4 buckets once there is more than one.
fn calc_mask(capacity: usize) -> usize {
    let mut mask = capacity / 2;
    mask |= mask >> 1;
    mask |= mask >> 2;
    mask |= mask >> 4;
    mask |= mask >> 8;
    mask |= mask >> 16;
    mask |= mask >> 32;
    mask | ((mask & 1) << 1)
}

/// Moves every node into a table of `new_mask + 1` buckets, walking the old
/// buckets in order and each chain from its head, as OVS's `resize()`.
///
/// # Safety
///
/// `h` is a valid map.
unsafe fn resize(h: *mut hmap, new_mask: usize) {
    let mut tmp = mem::MaybeUninit::<hmap>::uninit();
    let t = tmp.as_mut_ptr();
    // SAFETY: `t` is writable; after `init` it is a valid empty map, then
    // it gets `new_mask + 1` NULL buckets from malloc.
    unsafe {
        init(t);
        if new_mask != 0 {
            let b =
                xmalloc(mem::size_of::<*mut hmap_node>() * (new_mask + 1)) as *mut *mut hmap_node;
            for i in 0..=new_mask {
                b.add(i).write(ptr::null_mut());
            }
            (*t).buckets = b;
            (*t).mask = new_mask;
        }
        for i in 0..=(*h).mask {
            let mut node = *(*h).buckets.add(i);
            while !node.is_null() {
                let following = (*node).next;
                insert_fast(t, node, (*node).hash);
                node = following;
            }
        }
        swap(h, t);
        destroy(t);
    }
}

/// Makes room in `h` for `capacity` nodes without further growth (the
/// inline `hmap_reserve()`).
///
/// # Safety
///
/// `h` is a valid map.
pub(crate) unsafe fn reserve(h: *mut hmap, capacity: usize) {
    let m = calc_mask(capacity);
    // SAFETY: as the caller guarantees.
    unsafe {
        if m > (*h).mask {
            resize(h, m);
        }
    }
}

/// # Safety
///
/// `h` is a valid map.
unsafe fn expand(h: *mut hmap) {
    // SAFETY: as the caller guarantees.
    unsafe {
        let m = calc_mask((*h).n);
        if m > (*h).mask {
            resize(h, m);
        }
    }
}

/// # Safety
///
/// `a` and `b` are valid maps.
unsafe fn swap(a: *mut hmap, b: *mut hmap) {
    // SAFETY: as the caller guarantees; `ptr::swap` handles a == b.
    unsafe {
        ptr::swap(a, b);
        moved(a);
        moved(b);
    }
}

/// # Safety
///
/// `h` is valid for reads and writes.
unsafe fn moved(h: *mut hmap) {
    // SAFETY: as the caller guarantees.
    unsafe {
        if (*h).mask == 0 {
            (*h).buckets = ptr::addr_of_mut!((*h).one);
        }
    }
}

/// # Safety
///
/// `h` is NULL or a valid map.
pub(crate) unsafe fn destroy(h: *mut hmap) {
    // SAFETY: as the caller guarantees; buckets other than `one` came from
    // malloc.
    unsafe {
        if !h.is_null() && (*h).buckets != ptr::addr_of_mut!((*h).one) {
            libc::free((*h).buckets as *mut libc::c_void);
        }
    }
}

/// Initializes `hmap` as an empty hash map.
#[no_mangle]
pub unsafe extern "C" fn hmap_init(hmap: *mut hmap) {
    // SAFETY: the caller passes a writable map.
    boundary("hmap_init", || unsafe { init(hmap) })
}

/// Frees the buckets of `hmap` (not the nodes, which belong to the
/// caller). NULL is fine.
#[no_mangle]
pub unsafe extern "C" fn hmap_destroy(hmap: *mut hmap) {
    // SAFETY: the caller passes NULL or a valid map.
    boundary("hmap_destroy", || unsafe { destroy(hmap) })
}

/// Removes every node from `hmap` (without freeing them), keeping its
/// buckets.
#[no_mangle]
pub unsafe extern "C" fn hmap_clear(hmap: *mut hmap) {
    boundary("hmap_clear", || {
        // SAFETY: the caller passes a valid map.
        unsafe {
            if (*hmap).n > 0 {
                (*hmap).n = 0;
                buckets(hmap).fill(ptr::null_mut());
            }
        }
    })
}

/// Exchanges the contents of `a` and `b`.
#[no_mangle]
pub unsafe extern "C" fn hmap_swap(a: *mut hmap, b: *mut hmap) {
    // SAFETY: the caller passes valid maps.
    boundary("hmap_swap", || unsafe { swap(a, b) })
}

/// Repairs `hmap` after its `struct hmap` was moved in memory (as by
/// `memcpy()`).
#[no_mangle]
pub unsafe extern "C" fn hmap_moved(hmap: *mut hmap) {
    // SAFETY: the caller passes a valid (moved) map.
    boundary("hmap_moved", || unsafe { moved(hmap) })
}

/// Grows `hmap`'s buckets if its node count calls for more. `where`
/// names the caller (unused).
#[no_mangle]
pub unsafe extern "C" fn hmap_expand_at(hmap: *mut hmap, _where: *const c_char) {
    // SAFETY: the caller passes a valid map.
    boundary("hmap_expand_at", || unsafe { expand(hmap) })
}

/// Shrinks `hmap`'s buckets if its node count allows fewer.
#[no_mangle]
pub unsafe extern "C" fn hmap_shrink_at(hmap: *mut hmap, _where: *const c_char) {
    boundary("hmap_shrink_at", || {
        // SAFETY: the caller passes a valid map.
        unsafe {
            let m = calc_mask((*hmap).n);
            if m < (*hmap).mask {
                resize(hmap, m);
            }
        }
    })
}

/// Makes room in `hmap` for `capacity` nodes without further growth.
#[no_mangle]
pub unsafe extern "C" fn hmap_reserve_at(hmap: *mut hmap, capacity: usize, _where: *const c_char) {
    boundary("hmap_reserve_at", || {
        // SAFETY: the caller passes a valid map.
        unsafe {
            let m = calc_mask(capacity);
            if m > (*hmap).mask {
                resize(hmap, m);
            }
        }
    })
}

/// Tells `hmap` that the node at `old_node` now lives at `node` (moved in
/// memory, same hash).
#[no_mangle]
pub unsafe extern "C" fn hmap_node_moved(
    hmap: *mut hmap,
    old_node: *mut hmap_node,
    node: *mut hmap_node,
) {
    boundary("hmap_node_moved", || {
        // SAFETY: the caller passes a valid map in which `old_node` is
        // linked, so the walk ends on it.
        unsafe {
            let mut link = (*hmap).buckets.add((*node).hash & (*hmap).mask);
            while *link != old_node {
                link = ptr::addr_of_mut!((**link).next);
            }
            *link = node;
        }
    })
}

/// Returns a node of `hmap`, which must not be empty, chosen at random.
#[no_mangle]
pub unsafe extern "C" fn hmap_random_node(hmap: *const hmap) -> *mut hmap_node {
    boundary("hmap_random_node", || {
        // SAFETY: the caller passes a valid non-empty map.
        let b = unsafe { buckets(hmap) };
        assert!(
            b.iter().any(|n| !n.is_null()),
            "hmap_random_node: empty map"
        );
        let mut rng = fastrand::Rng::with_seed(random_seed());
        let head = loop {
            let n = b[rng.usize(..) & (b.len() - 1)];
            if !n.is_null() {
                break n;
            }
        };
        let mut count = 0;
        let mut n = head;
        while !n.is_null() {
            count += 1;
            // SAFETY: chain nodes are valid.
            n = unsafe { (*n).next };
        }
        let mut node = head;
        for _ in 0..rng.usize(..count) {
            // SAFETY: fewer steps than the chain's length.
            node = unsafe { (*node).next };
        }
        node
    })
}

/// Returns the node at `*pos` in `hmap` (or NULL at the end) and advances
/// `*pos`; a position starts as { 0, 0 }.
#[no_mangle]
pub unsafe extern "C" fn hmap_at_position(
    hmap: *const hmap,
    pos: *mut hmap_position,
) -> *mut hmap_node {
    boundary("hmap_at_position", || {
        // SAFETY: the caller passes a valid map and position.
        unsafe {
            let mask = (*hmap).mask;
            let mut offset = (*pos).offset as usize;
            let mut b = (*pos).bucket as usize;
            while b <= mask {
                let mut node = *(*hmap).buckets.add(b);
                let mut i = 0;
                while !node.is_null() {
                    if i == offset {
                        let nb = (*node).hash & mask;
                        if (*node).next.is_null() {
                            (*pos).bucket = (nb + 1) as c_uint;
                            (*pos).offset = 0;
                        } else {
                            (*pos).bucket = nb as c_uint;
                            (*pos).offset = (offset + 1) as c_uint;
                        }
                        return node;
                    }
                    i += 1;
                    node = (*node).next;
                }
                offset = 0;
                b += 1;
            }
            (*pos).bucket = 0;
            (*pos).offset = 0;
            ptr::null_mut()
        }
    })
}

/// Returns true if `node` is in `hmap`.
#[no_mangle]
pub unsafe extern "C" fn hmap_contains(hmap: *const hmap, node: *const hmap_node) -> bool {
    boundary("hmap_contains", || {
        // SAFETY: the caller passes a valid map and node.
        unsafe {
            let mut p = *(*hmap).buckets.add((*node).hash & (*hmap).mask);
            while !p.is_null() {
                if ptr::eq(p, node) {
                    return true;
                }
                p = (*p).next;
            }
            false
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_bytes_words_then_tail() {
        // Whole words first, then the zero-padded tail, then the length.
        assert_eq!(hash_bytes(b"", 0), mhash_finish(0, 0));
        let h = hash_bytes(b"abcde", 0);
        let mut x = mhash_add(0, u32::from_ne_bytes(*b"abcd"));
        x = mhash_add(x, u32::from(b'e'));
        assert_eq!(h, mhash_finish(x, 5));
    }

    #[test]
    fn calc_mask_is_ovs() {
        assert_eq!(calc_mask(0), 0);
        assert_eq!(calc_mask(1), 0);
        assert_eq!(calc_mask(2), 3);
        assert_eq!(calc_mask(7), 3);
        assert_eq!(calc_mask(8), 7);
        assert_eq!(calc_mask(100), 63);
    }
}
