//! Where C nodes live: each node and each member node this library
//! allocates carries, in the 8 bytes before it, the block it lives in:
//! NULL for a block of its own (`malloc()`ed, freed with the node), or an
//! [`Arena`] chunk shared with the nodes parsed around it.
//!
//! A parser makes its nodes in chunks of [`CHUNK`] bytes: a node costs a
//! pointer bump instead of a `malloc()`, and destroying a parsed tree
//! returns whole chunks instead of one block per node. A chunk counts the
//! nodes still alive in it and goes back to `malloc()` with the last one,
//! on whatever thread drops it (the count is atomic). The price: a node
//! kept after the rest of its message is destroyed keeps its chunk, so a
//! program that keeps a few nodes of each message it parses holds up to a
//! chunk per kept node (OVS's allocator would hold the node alone).
//! Anything a caller makes through the API is a block of its own.

use std::ptr;
use std::sync::atomic::{AtomicUsize, Ordering};

use super::xmalloc;

/// The size of an arena chunk.
pub(crate) const CHUNK: usize = 8192;

/// The count an arena chunk starts with while a parser still allocates
/// from it: no number of releases can bring it to 0 before the parser
/// leaves it and takes back what it did not hand out.
const HOLD: usize = 1 << (usize::BITS - 2);

/// The bytes before each node (the chunk it lives in, or NULL).
const HEADER: usize = std::mem::size_of::<*mut Chunk>();

/// The head of an arena chunk, followed by its nodes.
#[repr(C)]
pub(crate) struct Chunk {
    /// The nodes alive in the chunk, plus [`HOLD`] while a parser allocates
    /// from it.
    live: AtomicUsize,
}

/// A block of `size` bytes of its own, after a NULL header.
pub(crate) fn alloc_own(size: usize) -> *mut u8 {
    let h = xmalloc(HEADER + size) as *mut u8;
    // SAFETY: `h` has room for the header and `size` bytes.
    unsafe {
        (h as *mut *mut Chunk).write(ptr::null_mut());
        h.add(HEADER)
    }
}

/// A block of `size` bytes of its own that does not end at `apart`, a
/// separate block the caller will keep a pointer to. A pointer equal to
/// where a block ends reads as data kept in the block itself, and an
/// allocator that packs equal-sized blocks could put `apart` right there;
/// a second block cannot be there (the first is still live).
pub(crate) fn alloc_own_apart(size: usize, apart: *const u8) -> *mut u8 {
    let p = alloc_own(size);
    if !ptr::eq(p.wrapping_add(size), apart) {
        return p;
    }
    let q = alloc_own(size);
    // SAFETY: `p` came from alloc_own and is unused.
    unsafe { free_block(p) };
    q
}

/// Gives back the block at `p` (from [`alloc_own`] or an [`Arena`]).
///
/// # Safety
///
/// `p` came from [`alloc_own`] or [`Arena::alloc`] and is no longer used.
pub(crate) unsafe fn free_block(p: *mut u8) {
    // SAFETY: as the caller guarantees.
    unsafe { Releases::default().free(p) }
}

/// Blocks given back during one tree's destruction: releases of the same
/// chunk in a row are counted and taken from its count at once (a tree's
/// nodes lie together), instead of one atomic operation a node.
pub(crate) struct Releases {
    chunk: *mut Chunk,
    n: usize,
}

impl Default for Releases {
    fn default() -> Releases {
        Releases {
            chunk: ptr::null_mut(),
            n: 0,
        }
    }
}

impl Releases {
    /// Gives back the block at `p`, perhaps later (by the time `self` is
    /// dropped): a block of its own at once, a chunk's when the run of
    /// blocks from that chunk ends.
    ///
    /// # Safety
    ///
    /// As [`free_block`].
    #[inline]
    pub(crate) unsafe fn free(&mut self, p: *mut u8) {
        // SAFETY: as the caller guarantees, a header precedes `p`.
        unsafe {
            let h = p.sub(HEADER);
            let chunk = (h as *const *mut Chunk).read();
            if chunk.is_null() {
                libc::free(h as *mut libc::c_void);
            } else if chunk == self.chunk {
                self.n += 1;
            } else {
                self.flush();
                self.chunk = chunk;
                self.n = 1;
            }
        }
    }

    fn flush(&mut self) {
        if self.n > 0 {
            // SAFETY: `n` blocks of the live chunk were given back.
            unsafe { release(self.chunk, self.n) };
            self.n = 0;
        }
    }
}

impl Drop for Releases {
    fn drop(&mut self) {
        self.flush();
    }
}

/// Takes `n` from `chunk`'s count, freeing it when that leaves none.
///
/// # Safety
///
/// `chunk` is a live chunk whose count includes `n`.
unsafe fn release(chunk: *mut Chunk, n: usize) {
    // SAFETY: as the caller guarantees. AcqRel: whoever frees the chunk
    // sees every other thread's last use of its nodes.
    unsafe {
        if (*chunk).live.fetch_sub(n, Ordering::AcqRel) == n {
            libc::free(chunk as *mut libc::c_void);
        }
    }
}

/// Where a new node goes: a block of its own, or a parser's arena.
pub(crate) enum Place<'a> {
    /// A block of its own.
    Own,
    /// The parser's current chunk.
    Arena(&'a mut Arena),
}

impl Place<'_> {
    /// A block of `size` bytes, 8-byte aligned, after its header.
    #[inline]
    pub(crate) fn alloc(&mut self, size: usize) -> *mut u8 {
        match self {
            Place::Own => alloc_own(size),
            Place::Arena(a) => a.alloc(size),
        }
    }
}

/// A parser's cursor in its current chunk.
pub(crate) struct Arena {
    chunk: *mut Chunk,
    at: *mut u8,
    end: *mut u8,
    /// Nodes handed out from `chunk`.
    allocs: usize,
}

// SAFETY: the cursor belongs to one parser at a time; the chunks it points
// into are shared only through their atomic counts.
unsafe impl Send for Arena {}

impl Default for Arena {
    fn default() -> Arena {
        Arena {
            chunk: ptr::null_mut(),
            at: ptr::null_mut(),
            end: ptr::null_mut(),
            allocs: 0,
        }
    }
}

impl Arena {
    /// A block of `size` bytes in the current chunk (8-byte aligned), or
    /// in a new one.
    #[inline]
    pub(crate) fn alloc(&mut self, size: usize) -> *mut u8 {
        let need = (HEADER + size + 7) & !7;
        if (self.end as usize) - (self.at as usize) < need {
            return self.alloc_slow(size, need);
        }
        let h = self.at;
        // SAFETY: the chunk has `need` bytes left at `h`, 8-aligned.
        unsafe {
            self.at = h.add(need);
            (h as *mut *mut Chunk).write(self.chunk);
            self.allocs += 1;
            h.add(HEADER)
        }
    }

    #[cold]
    fn alloc_slow(&mut self, size: usize, need: usize) -> *mut u8 {
        if need > CHUNK / 4 {
            // Too big to share a chunk: a block of its own.
            return alloc_own(size);
        }
        self.leave();
        let c = xmalloc(CHUNK) as *mut Chunk;
        // SAFETY: `c` is a fresh chunk of CHUNK bytes.
        unsafe {
            c.write(Chunk {
                live: AtomicUsize::new(HOLD),
            });
            self.chunk = c;
            self.at = (c as *mut u8).add(std::mem::size_of::<Chunk>());
            self.end = (c as *mut u8).add(CHUNK);
        }
        self.allocs = 0;
        self.alloc(size)
    }

    /// Stops allocating from the current chunk (freed now if none of its
    /// nodes is alive).
    pub(crate) fn leave(&mut self) {
        if !self.chunk.is_null() {
            // SAFETY: the chunk's count holds HOLD, of which `allocs` went
            // to the nodes handed out.
            unsafe { release(self.chunk, HOLD - self.allocs) };
            self.chunk = ptr::null_mut();
            self.at = ptr::null_mut();
            self.end = ptr::null_mut();
            self.allocs = 0;
        }
    }

    /// True if the cursor keeps a chunk.
    pub(crate) fn holds_memory(&self) -> bool {
        !self.chunk.is_null()
    }
}

impl Drop for Arena {
    fn drop(&mut self) {
        self.leave();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chunk_goes_with_its_last_node_wherever_that_is() {
        let mut a = Arena::default();
        let x = a.alloc(40);
        let y = a.alloc(100);
        assert!(a.holds_memory());
        // SAFETY: both blocks came from the arena.
        unsafe {
            let chunk = (x.sub(HEADER) as *const *mut Chunk).read();
            assert_eq!(chunk, (y.sub(HEADER) as *const *mut Chunk).read());
            free_block(x);
            a.leave();
            assert_eq!((*chunk).live.load(Ordering::Relaxed), 1);
            let y = y as usize;
            std::thread::spawn(move || free_block(y as *mut u8))
                .join()
                .unwrap();
        }
    }

    #[test]
    fn big_blocks_and_full_chunks() {
        let mut a = Arena::default();
        let big = a.alloc(CHUNK);
        // SAFETY: `big` came from the arena.
        unsafe { assert!((big.sub(HEADER) as *const *mut Chunk).read().is_null()) };
        let blocks: Vec<*mut u8> = (0..1000).map(|_| a.alloc(48)).collect();
        for (i, &p) in blocks.iter().enumerate() {
            assert_eq!(p as usize % 8, 0);
            // SAFETY: each block has 48 bytes.
            unsafe { p.write_bytes(i as u8, 48) };
        }
        drop(a);
        // SAFETY: every block came from the arena, freed once.
        unsafe {
            free_block(big);
            for p in blocks {
                free_block(p);
            }
        }
    }
}
