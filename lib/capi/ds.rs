//! `openvswitch/dynamic-string.h`: OVS's `struct ds`, which
//! `json_to_ds()` and `json_string_escape()` append to.
//!
//! The header implements the string functions C code uses as static inline
//! functions, so libovsrpc.a defines no `ds_*` symbol: a program that also
//! links OVS's own objects gets OVS's `dynamic-string.o` for the rest of
//! the API without clashes. Appending here follows OVS's `ds_reserve()`
//! growth (the room at least doubles) and keeps the string NUL-terminated.

use std::ffi::c_char;

use super::xrealloc;

/// A growable string (OVS's `struct ds`): `length` bytes at `string`, with
/// room for `allocated` plus a terminating NUL.
#[repr(C)]
#[derive(Debug)]
pub struct ds {
    /// The bytes, NUL-terminated once anything was put; may be NULL.
    pub string: *mut c_char,
    /// Number of bytes, not counting the NUL.
    pub length: usize,
    /// Room in `string`, not counting the NUL.
    pub allocated: usize,
}

/// Appends `bytes` to `d`.
///
/// # Safety
///
/// `d` is a valid `struct ds` whose `string` is NULL or `malloc()`ed.
pub(crate) unsafe fn put_bytes(d: *mut ds, bytes: &[u8]) {
    // SAFETY: as the caller guarantees; the room is made before the copy.
    unsafe {
        let d = &mut *d;
        let want = d.length + bytes.len();
        if want > d.allocated || d.string.is_null() {
            d.allocated += want.max(d.allocated);
            d.string = xrealloc(d.string as *mut libc::c_void, d.allocated + 1) as *mut c_char;
        }
        std::ptr::copy_nonoverlapping(
            bytes.as_ptr(),
            (d.string as *mut u8).add(d.length),
            bytes.len(),
        );
        d.length = want;
        *d.string.add(want) = 0;
    }
}
