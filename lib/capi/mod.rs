//! The extern "C" functions behind `libovsrpc.a`, with OVS's names,
//! signatures and ownership rules.
//!
//! One file per OVS module: [`poll_loop`] and [`timeval`]
//! (`openvswitch/poll-loop.h`, `timeval.h`), [`reconnect`] (`reconnect.h`),
//! [`stream`] with [`stream_util`] (`stream.h`), `stream_ssl`
//! (`stream-ssl.h`, with the `ssl` feature), [`json`] with [`json_node`]
//! and [`json_text`] (`openvswitch/json.h`), [`shash`] and [`hmap`]
//! (`openvswitch/shash.h`, `openvswitch/hmap.h`: a JSON object's members),
//! [`ds`] (`openvswitch/dynamic-string.h`), [`jsonrpc`] with
//! [`jsonrpc_msg`] (`jsonrpc.h`), [`unixctl`] (`unixctl.h`, the control
//! socket `ovs-appctl` talks to), [`svec`] (`svec.h`, declared by hand
//! there rather than generated), and [`session_options`] for the session's
//! options and statistics beyond OVS (`ovsrpc_session_*`). cbindgen turns
//! this module into `include/ovsrpc.h`, which includes the hand-written
//! headers of the JSON model (OVS's structs, enums and macros) and declares
//! every function again, so that compiling it checks the two against each
//! other. The one variadic function, `json_object_put_format()`, is C
//! (`json_format.c`, built by `build.rs`): stable Rust cannot define one.
//! [`logging`] lets a C program see the library's log messages.
//!
//! The rules every function here follows:
//!
//! * Its body runs inside `boundary`: a panic is logged and the process
//!   aborts, as an OVS assertion failure would; no unwinding crosses into C.
//! * Opaque objects (`struct stream`, `struct jsonrpc`, ...) are Rust boxes
//!   handed to C as raw pointers; the `_close`/`_destroy` functions take
//!   them back, and accept NULL.
//! * Out-parameters are written as OVS documents: on success, and where OVS
//!   says so, with NULL on failure.
//! * Strings returned for the caller to free are allocated with `malloc()`;
//!   strings returned as `const char *` belong to the object they came from.
//! * Errors are OVS's: 0, a positive errno, or `EOF` (-1).

// C names for C types; the safety contract of every extern function is the
// C one stated in its doc comment (valid pointers or NULL where allowed).
#![allow(non_camel_case_types, clippy::missing_safety_doc)]
#![deny(unsafe_op_in_unsafe_fn)]

use std::borrow::Cow;
use std::ffi::{c_char, CStr, CString};
use std::io;
use std::panic::{self, AssertUnwindSafe};
use std::ptr;

pub mod ds;
pub mod hmap;
pub mod json;
pub(crate) mod json_arena;
pub(crate) mod json_build;
pub mod json_node;
pub mod json_text;
pub mod jsonrpc;
pub mod jsonrpc_msg;
pub(crate) mod jsonrpc_recv;
pub mod logging;
pub mod poll_loop;
pub mod reconnect;
pub mod session_options;
pub mod shash;
pub mod stream;
#[cfg(feature = "ssl")]
pub mod stream_ssl;
pub mod stream_util;
/// cbindgen:ignore
pub mod svec;
pub mod timeval;
pub mod unixctl;

extern "C" {
    /// Defined in ovs_vlog.c (compiled by build.rs).
    static ovsrpc_vlog_modules_anchor: std::ffi::c_int;
}

/// Runs `f`, the body of the extern function `func`. If it panics, logs the
/// panic and aborts the process: unwinding into C is undefined behaviour,
/// and a panic here means a broken invariant, like a failed `ovs_assert()`.
pub(crate) fn boundary<R>(func: &'static str, f: impl FnOnce() -> R) -> R {
    // SAFETY: a constant `int` defined in ovs_vlog.c; reading it ties that
    // file (and its constructor, which names ovsrpc's log modules for a
    // program that also links OVS's vlog) to every program using the C API.
    unsafe { ptr::read_volatile(ptr::addr_of!(ovsrpc_vlog_modules_anchor)) };
    match panic::catch_unwind(AssertUnwindSafe(f)) {
        Ok(r) => r,
        Err(payload) => {
            let what = payload
                .downcast_ref::<&str>()
                .map(|s| (*s).to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".to_string());
            log::error!("{func}: panic: {what}; aborting");
            // The C program may not have set up a logger: say it on stderr
            // too, as OVS's assertion failures do.
            eprintln!("ovsrpc: {func}: panic: {what}; aborting");
            std::process::abort()
        }
    }
}

/// The C string at `p` as UTF-8 text (invalid sequences replaced), or `None`
/// for NULL.
///
/// # Safety
///
/// `p` is NULL or points to a NUL-terminated string that stays valid and
/// unchanged for `'a`.
pub(crate) unsafe fn c_str<'a>(p: *const c_char) -> Option<Cow<'a, str>> {
    if p.is_null() {
        None
    } else {
        // SAFETY: the caller guarantees a valid NUL-terminated string.
        Some(unsafe { CStr::from_ptr(p) }.to_string_lossy())
    }
}

/// The bytes of the C string at `p`, without the NUL; panics (so that the
/// C boundary aborts) on NULL.
///
/// # Safety
///
/// `p` is NULL or points to a NUL-terminated string that stays valid and
/// unchanged for `'a`.
pub(crate) unsafe fn c_bytes<'a>(p: *const c_char) -> &'a [u8] {
    assert!(!p.is_null(), "null string");
    // SAFETY: the caller guarantees a valid NUL-terminated string.
    unsafe { CStr::from_ptr(p) }.to_bytes()
}

/// The `n` C strings at `names` as owned text (see [`c_str`]), NULL entries
/// left out; none if `names` is NULL.
///
/// # Safety
///
/// `names` is NULL or points to `n` pointers, each NULL or a NUL-terminated
/// string.
pub(crate) unsafe fn c_strs(names: *const *const c_char, n: usize) -> Vec<String> {
    if names.is_null() {
        return Vec::new();
    }
    // SAFETY: the caller passes `n` readable pointers.
    unsafe { std::slice::from_raw_parts(names, n) }
        .iter()
        // SAFETY: each is NULL or a C string.
        .filter_map(|&p| unsafe { c_str(p) }.map(Cow::into_owned))
        .collect()
}

/// Allocates with `malloc()` a NUL-terminated copy of `bytes`, which the C
/// caller releases with `free()`. Aborts if memory is exhausted, as OVS's
/// `xmalloc()` does.
pub(crate) fn malloc_bytes(bytes: &[u8]) -> *mut c_char {
    let p = xmalloc(bytes.len() + 1) as *mut u8;
    // SAFETY: `p` has room for `bytes.len() + 1` bytes and does not overlap
    // `bytes`.
    unsafe {
        ptr::copy_nonoverlapping(bytes.as_ptr(), p, bytes.len());
        *p.add(bytes.len()) = 0;
    }
    p as *mut c_char
}

/// Prints `text` on C's `stdout` through `printf()`, so that it keeps its
/// place among the C caller's own buffered output (as OVS's usage and
/// print functions do).
pub(crate) fn c_print(text: &[u8]) {
    // Not a c"" literal: the cbindgen that generates the header cannot
    // parse one.
    #[allow(clippy::manual_c_str_literals)]
    const FORMAT: &[u8] = b"%s\0";
    let line = malloc_bytes(text);
    // SAFETY: a NUL-terminated format and string; the string came from
    // malloc and is freed once.
    unsafe {
        libc::printf(FORMAT.as_ptr().cast(), line);
        libc::free(line.cast());
    }
}

/// [`malloc_bytes`] for text.
pub(crate) fn malloc_string(s: &str) -> *mut c_char {
    malloc_bytes(s.as_bytes())
}

/// `malloc(size)` that aborts instead of returning NULL (OVS's `xmalloc`).
pub(crate) fn xmalloc(size: usize) -> *mut libc::c_void {
    // SAFETY: malloc has no preconditions; 0 is bumped to 1 so that NULL
    // always means failure.
    let p = unsafe { libc::malloc(size.max(1)) };
    if p.is_null() {
        out_of_memory()
    }
    p
}

/// `realloc(p, size)` that aborts instead of failing (OVS's `xrealloc`).
///
/// # Safety
///
/// `p` is NULL or a live allocation from `malloc()`/`realloc()`.
pub(crate) unsafe fn xrealloc(p: *mut libc::c_void, size: usize) -> *mut libc::c_void {
    // SAFETY: the caller guarantees `p` came from malloc (or is NULL).
    let q = unsafe { libc::realloc(p, size.max(1)) };
    if q.is_null() {
        out_of_memory()
    }
    q
}

fn out_of_memory() -> ! {
    eprintln!("ovsrpc: virtual memory exhausted");
    std::process::abort()
}

/// A `CString` copy of `s` for handing out as `const char *`. Text that
/// contains a NUL byte (never the case for names built from C strings) is
/// cut at the NUL, which is what a C reader would see anyway.
pub(crate) fn c_string(s: &str) -> CString {
    let bytes = s.as_bytes();
    let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    CString::new(&bytes[..end]).unwrap_or_default()
}

/// The OVS error number carried by `e`: a positive errno, or `EOF` (-1).
pub(crate) fn errno_of(e: io::Error) -> i32 {
    crate::Error::from(e).errno()
}

/// Stores `value` through the out-parameter `p` if it is not NULL.
///
/// # Safety
///
/// `p` is NULL or valid for writes of a `T`.
pub(crate) unsafe fn put<T>(p: *mut T, value: T) {
    if !p.is_null() {
        // SAFETY: checked for NULL; the caller guarantees validity.
        unsafe { p.write(value) };
    }
}

/// The object behind a C handle, for reading.
///
/// # Safety
///
/// `p` is NULL or points to a live `T` not being written for `'a`. NULL
/// panics (the boundary then aborts), where OVS would crash.
pub(crate) unsafe fn obj<'a, T>(p: *const T) -> &'a T {
    assert!(!p.is_null(), "null pointer argument");
    // SAFETY: non-NULL, and the caller guarantees validity.
    unsafe { &*p }
}

/// The object behind a C handle, for writing.
///
/// # Safety
///
/// `p` is NULL or points to a live `T` not otherwise accessed for `'a`.
/// NULL panics (the boundary then aborts).
pub(crate) unsafe fn obj_mut<'a, T>(p: *mut T) -> &'a mut T {
    assert!(!p.is_null(), "null pointer argument");
    // SAFETY: non-NULL, and the caller guarantees exclusive validity.
    unsafe { &mut *p }
}
