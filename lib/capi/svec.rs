//! `svec.h`: OVS's vector of malloc'd strings, which
//! `jsonrpc_session_open_multiple()` takes its remotes in.
//!
//! The struct is C's (`names`, `n`, `allocated`), declared by the
//! hand-written `include/svec.h`; the strings and the array are allocated
//! with `malloc()`, so C code may build or free an svec itself, as OVS's
//! callers do. Kept out of the generated header (cbindgen:ignore) because
//! `include/svec.h` declares it with OVS's layout and names.

use std::cmp::Ordering;
use std::ffi::{c_char, CStr};
use std::ptr;

use super::{boundary, c_bytes, malloc_bytes, xrealloc};
use crate::jsonrpc::remotes::random_seed;

/// OVS's `struct svec`: `n` strings in `names`, room for `allocated`.
#[repr(C)]
pub struct svec {
    /// The strings, each from `malloc()`.
    pub names: *mut *mut c_char,
    /// How many strings `names` holds.
    pub n: usize,
    /// How many `names` has room for.
    pub allocated: usize,
}

/// The svec behind `p`.
///
/// # Safety
///
/// `p` points to a valid, initialised `struct svec`.
unsafe fn sv<'a>(p: *const svec) -> &'a svec {
    assert!(!p.is_null(), "null svec");
    // SAFETY: the caller guarantees validity.
    unsafe { &*p }
}

/// The svec behind `p`, for writing.
///
/// # Safety
///
/// As [`sv`], with no other access for `'a`.
unsafe fn sv_mut<'a>(p: *mut svec) -> &'a mut svec {
    assert!(!p.is_null(), "null svec");
    // SAFETY: the caller guarantees exclusive validity.
    unsafe { &mut *p }
}

impl svec {
    /// The string pointers, `n` of them.
    fn slots(&self) -> &[*mut c_char] {
        if self.n == 0 || self.names.is_null() {
            &[]
        } else {
            // SAFETY: `names` holds `n` initialised pointers.
            unsafe { std::slice::from_raw_parts(self.names, self.n) }
        }
    }

    /// The string pointers, for reordering.
    fn slots_mut(&mut self) -> &mut [*mut c_char] {
        if self.n == 0 || self.names.is_null() {
            &mut []
        } else {
            // SAFETY: as `slots`, and `self` is borrowed exclusively.
            unsafe { std::slice::from_raw_parts_mut(self.names, self.n) }
        }
    }

    /// String `i` as bytes (without the NUL).
    fn bytes(&self, i: usize) -> &[u8] {
        // SAFETY: every non-NULL slot is a NUL-terminated string.
        unsafe { CStr::from_ptr(self.slots()[i]) }.to_bytes()
    }

    /// Makes room for one more pointer (and keeps one slot past `n` for
    /// `svec_terminate`'s NULL when growing).
    fn reserve_one(&mut self) {
        if self.n >= self.allocated {
            let grown = if self.allocated == 0 {
                4
            } else {
                self.allocated.checked_mul(2).expect("svec too large")
            };
            let size = grown
                .checked_mul(std::mem::size_of::<*mut c_char>())
                .expect("svec too large");
            // SAFETY: `names` is NULL or from malloc/realloc.
            self.names = unsafe { xrealloc(self.names.cast(), size) }.cast();
            self.allocated = grown;
        }
    }

    /// Appends `s`, which the svec now owns.
    fn push(&mut self, s: *mut c_char) {
        self.reserve_one();
        // SAFETY: `reserve_one` made slot `n` available.
        unsafe { *self.names.add(self.n) = s };
        self.n += 1;
    }

    /// Frees every string and forgets them (keeps the array).
    fn free_strings(&mut self) {
        for &s in self.slots() {
            // SAFETY: each string came from malloc; NULL is fine.
            unsafe { libc::free(s.cast()) };
        }
        self.n = 0;
    }

    fn is_sorted(&self) -> bool {
        (1..self.n).all(|i| self.bytes(i - 1) <= self.bytes(i))
    }

    /// Binary search for `name` (the svec must be sorted).
    fn find(&self, name: &[u8]) -> Option<usize> {
        assert!(self.is_sorted(), "svec is not sorted");
        let (mut lo, mut hi) = (0, self.n);
        while lo < hi {
            let mid = (lo + hi) / 2;
            match self.bytes(mid).cmp(name) {
                Ordering::Less => lo = mid + 1,
                Ordering::Greater => hi = mid,
                Ordering::Equal => return Some(mid),
            }
        }
        None
    }
}

/// Initialises `svec` as empty (OVS's `svec_init`).
#[no_mangle]
pub unsafe extern "C" fn svec_init(svec: *mut svec) {
    boundary("svec_init", || {
        // SAFETY: the caller passes writable memory for a struct svec.
        unsafe {
            ptr::write(
                sv_mut(svec),
                svec {
                    names: ptr::null_mut(),
                    n: 0,
                    allocated: 0,
                },
            )
        }
    })
}

/// Initialises `svec` as a copy of `other`, strings included (OVS's
/// `svec_clone`).
#[no_mangle]
pub unsafe extern "C" fn svec_clone(svec: *mut svec, other: *const svec) {
    boundary("svec_clone", || {
        // SAFETY: per the C contract.
        unsafe {
            svec_init(svec);
            svec_append(svec, other);
        }
    })
}

/// Frees the strings and the array of `svec` (OVS's `svec_destroy`).
#[no_mangle]
pub unsafe extern "C" fn svec_destroy(svec: *mut svec) {
    boundary("svec_destroy", || {
        // SAFETY: per the C contract.
        let s = unsafe { sv_mut(svec) };
        s.free_strings();
        // SAFETY: `names` is NULL or from malloc.
        unsafe { libc::free(s.names.cast()) };
        s.names = ptr::null_mut();
        s.allocated = 0;
    })
}

/// Frees the strings of `svec`, leaving it empty (OVS's `svec_clear`).
#[no_mangle]
pub unsafe extern "C" fn svec_clear(svec: *mut svec) {
    // SAFETY: per the C contract.
    boundary("svec_clear", || unsafe { sv_mut(svec) }.free_strings())
}

/// Whether `svec` holds no string (OVS's `svec_is_empty`).
#[no_mangle]
pub unsafe extern "C" fn svec_is_empty(svec: *const svec) -> bool {
    // SAFETY: per the C contract.
    boundary("svec_is_empty", || unsafe { sv(svec) }.n == 0)
}

/// Appends a copy of `name` (OVS's `svec_add`).
#[no_mangle]
pub unsafe extern "C" fn svec_add(svec: *mut svec, name: *const c_char) {
    boundary("svec_add", || {
        // SAFETY: per the C contract.
        let copy = malloc_bytes(unsafe { c_bytes(name) });
        unsafe { sv_mut(svec) }.push(copy)
    })
}

/// Appends `name` itself, which `svec` then owns and frees (OVS's
/// `svec_add_nocopy`).
#[no_mangle]
pub unsafe extern "C" fn svec_add_nocopy(svec: *mut svec, name: *mut c_char) {
    // SAFETY: per the C contract.
    boundary("svec_add_nocopy", || unsafe { sv_mut(svec) }.push(name))
}

/// Removes `name` from the sorted `svec`, if present (OVS's `svec_del`).
#[no_mangle]
pub unsafe extern "C" fn svec_del(svec: *mut svec, name: *const c_char) {
    boundary("svec_del", || {
        // SAFETY: per the C contract.
        let (s, name) = unsafe { (sv_mut(svec), c_bytes(name)) };
        if let Some(i) = s.find(name) {
            let removed = s.slots()[i];
            s.slots_mut()[i..].rotate_left(1);
            s.n -= 1;
            // SAFETY: the string came from malloc.
            unsafe { libc::free(removed.cast()) };
        }
    })
}

/// Appends copies of the strings of `other` (OVS's `svec_append`).
#[no_mangle]
pub unsafe extern "C" fn svec_append(svec: *mut svec, other: *const svec) {
    boundary("svec_append", || {
        // SAFETY: per the C contract; `other` may be `svec` itself, so
        // each string is copied before the push that may move the array.
        let n = unsafe { sv(other) }.n;
        for i in 0..n {
            let copy = malloc_bytes(unsafe { sv(other) }.bytes(i));
            unsafe { sv_mut(svec) }.push(copy);
        }
    })
}

/// Stores a NULL after the last string, so that `names` can serve as an
/// `argv` (`n` stays the same) (OVS's `svec_terminate`).
#[no_mangle]
pub unsafe extern "C" fn svec_terminate(svec: *mut svec) {
    boundary("svec_terminate", || {
        // SAFETY: per the C contract.
        let s = unsafe { sv_mut(svec) };
        s.reserve_one();
        // SAFETY: `reserve_one` made slot `n` available.
        unsafe { *s.names.add(s.n) = ptr::null_mut() };
    })
}

/// Sorts the strings in `strcmp()` order (OVS's `svec_sort`).
#[no_mangle]
pub unsafe extern "C" fn svec_sort(svec: *mut svec) {
    boundary("svec_sort", || {
        // SAFETY: per the C contract; every slot is a valid string.
        let s = unsafe { sv_mut(svec) };
        s.slots_mut()
            .sort_by(|&a, &b| unsafe { c_bytes(a).cmp(c_bytes(b)) });
    })
}

/// Removes adjacent duplicates from the sorted `svec` (OVS's
/// `svec_unique`).
#[no_mangle]
pub unsafe extern "C" fn svec_unique(svec: *mut svec) {
    boundary("svec_unique", || {
        // SAFETY: per the C contract.
        let s = unsafe { sv_mut(svec) };
        assert!(s.is_sorted(), "svec_unique: svec is not sorted");
        let mut kept = 0;
        for i in 0..s.n {
            if kept > 0 && s.bytes(kept - 1) == s.bytes(i) {
                // SAFETY: the duplicate came from malloc.
                unsafe { libc::free(s.slots()[i].cast()) };
            } else {
                s.slots_mut().swap(kept, i);
                kept += 1;
            }
        }
        s.n = kept;
    })
}

/// Sorts `svec` and removes duplicates (OVS's `svec_sort_unique`).
#[no_mangle]
pub unsafe extern "C" fn svec_sort_unique(svec: *mut svec) {
    // SAFETY: per the C contract.
    boundary("svec_sort_unique", || unsafe {
        svec_sort(svec);
        svec_unique(svec);
    })
}

/// Removes the NULL entries of `svec` (OVS's `svec_compact`).
#[no_mangle]
pub unsafe extern "C" fn svec_compact(svec: *mut svec) {
    boundary("svec_compact", || {
        // SAFETY: per the C contract.
        let s = unsafe { sv_mut(svec) };
        let mut kept = 0;
        for i in 0..s.n {
            if !s.slots()[i].is_null() {
                s.slots_mut()[kept] = s.slots()[i];
                kept += 1;
            }
        }
        s.n = kept;
    })
}

/// Puts the strings in a random order (OVS's `svec_shuffle`).
#[no_mangle]
pub unsafe extern "C" fn svec_shuffle(svec: *mut svec) {
    // SAFETY: per the C contract.
    boundary("svec_shuffle", || {
        fastrand::Rng::with_seed(random_seed()).shuffle(unsafe { sv_mut(svec) }.slots_mut())
    })
}

/// Splits the sorted `a` and `b` into the strings only in `a`, in both and
/// only in `b`; each output may be NULL and is initialised first (OVS's
/// `svec_diff`).
#[no_mangle]
pub unsafe extern "C" fn svec_diff(
    a: *const svec,
    b: *const svec,
    a_only: *mut svec,
    both: *mut svec,
    b_only: *mut svec,
) {
    boundary("svec_diff", || {
        // SAFETY: per the C contract; outputs are NULL or writable.
        unsafe {
            let (a, b) = (sv(a), sv(b));
            assert!(a.is_sorted() && b.is_sorted(), "svec_diff: not sorted");
            for out in [a_only, both, b_only] {
                if !out.is_null() {
                    svec_init(out);
                }
            }
            let add = |out: *mut svec, s: &[u8]| {
                if !out.is_null() {
                    sv_mut(out).push(malloc_bytes(s));
                }
            };
            let (mut i, mut j) = (0, 0);
            while i < a.n && j < b.n {
                match a.bytes(i).cmp(b.bytes(j)) {
                    Ordering::Less => {
                        add(a_only, a.bytes(i));
                        i += 1;
                    }
                    Ordering::Greater => {
                        add(b_only, b.bytes(j));
                        j += 1;
                    }
                    Ordering::Equal => {
                        add(both, a.bytes(i));
                        i += 1;
                        j += 1;
                    }
                }
            }
            for i in i..a.n {
                add(a_only, a.bytes(i));
            }
            for j in j..b.n {
                add(b_only, b.bytes(j));
            }
        }
    })
}

/// Whether the sorted `svec` holds `name` (OVS's `svec_contains`).
#[no_mangle]
pub unsafe extern "C" fn svec_contains(svec: *const svec, name: *const c_char) -> bool {
    boundary("svec_contains", || {
        // SAFETY: per the C contract.
        unsafe { sv(svec).find(c_bytes(name)) }.is_some()
    })
}

/// Whether `svec`, sorted or not, holds `name` (OVS's
/// `svec_contains_unsorted`).
#[no_mangle]
pub unsafe extern "C" fn svec_contains_unsorted(svec: *const svec, name: *const c_char) -> bool {
    boundary("svec_contains_unsorted", || {
        // SAFETY: per the C contract.
        let (s, name) = unsafe { (sv(svec), c_bytes(name)) };
        (0..s.n).any(|i| s.bytes(i) == name)
    })
}

/// The index of `name` in the sorted `svec`, or `SIZE_MAX` (OVS's
/// `svec_find`).
#[no_mangle]
pub unsafe extern "C" fn svec_find(svec: *const svec, name: *const c_char) -> usize {
    boundary("svec_find", || {
        // SAFETY: per the C contract.
        unsafe { sv(svec).find(c_bytes(name)) }.unwrap_or(usize::MAX)
    })
}

/// Whether the strings are in `strcmp()` order (OVS's `svec_is_sorted`).
#[no_mangle]
pub unsafe extern "C" fn svec_is_sorted(svec: *const svec) -> bool {
    // SAFETY: per the C contract.
    boundary("svec_is_sorted", || unsafe { sv(svec) }.is_sorted())
}

/// Whether the sorted `svec` has no duplicate (OVS's `svec_is_unique`).
#[no_mangle]
pub unsafe extern "C" fn svec_is_unique(svec: *const svec) -> bool {
    // SAFETY: per the C contract.
    boundary("svec_is_unique", || {
        unsafe { svec_get_duplicate(svec) }.is_null()
    })
}

/// A string that the sorted `svec` holds twice, or NULL (OVS's
/// `svec_get_duplicate`).
#[no_mangle]
pub unsafe extern "C" fn svec_get_duplicate(svec: *const svec) -> *const c_char {
    boundary("svec_get_duplicate", || {
        // SAFETY: per the C contract.
        let s = unsafe { sv(svec) };
        assert!(s.is_sorted(), "svec_get_duplicate: not sorted");
        (1..s.n)
            .find(|&i| s.bytes(i - 1) == s.bytes(i))
            .map_or(ptr::null(), |i| s.slots()[i] as *const c_char)
    })
}

/// Exchanges the contents of `a` and `b` (OVS's `svec_swap`).
#[no_mangle]
pub unsafe extern "C" fn svec_swap(a: *mut svec, b: *mut svec) {
    boundary("svec_swap", || {
        if a != b {
            // SAFETY: per the C contract; distinct svecs.
            unsafe { ptr::swap(a, b) }
        }
    })
}

/// Prints `title:` and then each string in double quotes, one a line, on
/// stdout (OVS's `svec_print`).
#[no_mangle]
pub unsafe extern "C" fn svec_print(svec: *const svec, title: *const c_char) {
    boundary("svec_print", || {
        // SAFETY: per the C contract.
        let (s, title) = unsafe { (sv(svec), c_bytes(title)) };
        let mut text = Vec::with_capacity(title.len() + 2);
        text.extend_from_slice(title);
        text.extend_from_slice(b":\n");
        for i in 0..s.n {
            text.push(b'"');
            text.extend_from_slice(s.bytes(i));
            text.extend_from_slice(b"\"\n");
        }
        super::c_print(&text);
    })
}

/// Splits `words` at white space into words appended to `svec`, with the
/// shell's quoting: '...' keeps everything, "..." keeps everything but
/// lets a backslash quote the next character, and a backslash outside
/// quotes quotes the next character (OVS's `svec_parse_words`).
#[no_mangle]
pub unsafe extern "C" fn svec_parse_words(svec: *mut svec, words: *const c_char) {
    boundary("svec_parse_words", || {
        // SAFETY: per the C contract.
        let (s, text) = unsafe { (sv_mut(svec), c_bytes(words)) };
        for word in parse_words(text) {
            s.push(malloc_bytes(&word));
        }
    })
}

/// The words of `text` as [`svec_parse_words`] splits them.
fn parse_words(text: &[u8]) -> Vec<Vec<u8>> {
    let mut words = Vec::new();
    let mut i = 0;
    loop {
        while i < text.len() && text[i].is_ascii_whitespace() {
            i += 1;
        }
        if i >= text.len() {
            break;
        }
        let mut word = Vec::new();
        let mut quote: Option<u8> = None;
        while i < text.len() {
            let c = text[i];
            i += 1;
            match (quote, c) {
                (Some(q), _) if c == q => quote = None,
                (None, b'\'' | b'"') => quote = Some(c),
                (None | Some(b'"'), b'\\') => {
                    if i < text.len() {
                        word.push(text[i]);
                        i += 1;
                    } else {
                        log::warn!(
                            "{}: ends in trailing backslash",
                            String::from_utf8_lossy(text)
                        );
                    }
                }
                (None, _) if c.is_ascii_whitespace() => break,
                _ => word.push(c),
            }
        }
        if quote.is_some() {
            log::warn!(
                "{}: word ends inside quoted string",
                String::from_utf8_lossy(text)
            );
        }
        words.push(word);
    }
    words
}

/// Whether `a` and `b` hold the same strings in the same order (OVS's
/// `svec_equal`).
#[no_mangle]
pub unsafe extern "C" fn svec_equal(a: *const svec, b: *const svec) -> bool {
    boundary("svec_equal", || {
        // SAFETY: per the C contract.
        let (a, b) = unsafe { (sv(a), sv(b)) };
        a.n == b.n && (0..a.n).all(|i| a.bytes(i) == b.bytes(i))
    })
}

/// The strings joined with `delimiter`, followed by `terminator`, in a
/// string from `malloc()` (OVS's `svec_join`).
#[no_mangle]
pub unsafe extern "C" fn svec_join(
    svec: *const svec,
    delimiter: *const c_char,
    terminator: *const c_char,
) -> *mut c_char {
    boundary("svec_join", || {
        // SAFETY: per the C contract.
        let (s, delimiter, terminator) =
            unsafe { (sv(svec), c_bytes(delimiter), c_bytes(terminator)) };
        let mut text = Vec::new();
        for i in 0..s.n {
            if i > 0 {
                text.extend_from_slice(delimiter);
            }
            text.extend_from_slice(s.bytes(i));
        }
        text.extend_from_slice(terminator);
        malloc_bytes(&text)
    })
}

/// The last string; `svec` must not be empty (OVS's `svec_back`).
#[no_mangle]
pub unsafe extern "C" fn svec_back(svec: *const svec) -> *const c_char {
    boundary("svec_back", || {
        // SAFETY: per the C contract.
        let s = unsafe { sv(svec) };
        assert!(s.n > 0, "svec_back: empty svec");
        s.slots()[s.n - 1] as *const c_char
    })
}

/// Removes and frees the last string; `svec` must not be empty (OVS's
/// `svec_pop_back`).
#[no_mangle]
pub unsafe extern "C" fn svec_pop_back(svec: *mut svec) {
    boundary("svec_pop_back", || {
        // SAFETY: per the C contract.
        let s = unsafe { sv_mut(svec) };
        assert!(s.n > 0, "svec_pop_back: empty svec");
        let last = s.slots()[s.n - 1];
        s.n -= 1;
        // SAFETY: the string came from malloc.
        unsafe { libc::free(last.cast()) };
    })
}

/// Strings of `svec` as Rust text, for the library's own use (the remotes
/// of `jsonrpc_session_open_multiple`).
///
/// # Safety
///
/// `p` points to a valid svec.
pub(crate) unsafe fn svec_to_strings(p: *const svec) -> Vec<String> {
    // SAFETY: the caller guarantees validity.
    let s = unsafe { sv(p) };
    (0..s.n)
        .map(|i| String::from_utf8_lossy(s.bytes(i)).into_owned())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::parse_words;

    fn words(s: &str) -> Vec<String> {
        parse_words(s.as_bytes())
            .into_iter()
            .map(|w| String::from_utf8(w).unwrap())
            .collect()
    }

    #[test]
    fn splits_at_white_space() {
        assert_eq!(words("  run 1000\n"), ["run", "1000"]);
        assert_eq!(words(""), Vec::<String>::new());
        assert_eq!(words(" \t\n"), Vec::<String>::new());
    }

    #[test]
    fn quotes_and_backslashes() {
        assert_eq!(words(r#"a 'b c' "d e""#), ["a", "b c", "d e"]);
        assert_eq!(words(r#"'x\y' "x\"y" x\ y"#), [r"x\y", r#"x"y"#, "x y"]);
        assert_eq!(words(r"a\"), ["a"]);
        assert_eq!(words("'open"), ["open"]);
        assert_eq!(words("a''b"), ["ab"]);
    }
}
