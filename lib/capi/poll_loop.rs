//! `openvswitch/poll-loop.h`: the current thread's poll set.
//!
//! The `poll_fd_wait()`, `poll_timer_wait()`, `poll_timer_wait_until()` and
//! `poll_immediate_wake()` macros of the header call these `_at` functions
//! with the caller's source location (`OVS_SOURCE_LOCATOR`, `"file.c:123"`).

use std::ffi::{c_char, c_int, c_longlong, c_short, CStr};

use super::boundary;
use crate::poll_loop::{self, Source};

/// The location recorded for a NULL `where`.
// Not a c"" literal: the cbindgen that generates the header cannot parse one.
#[allow(clippy::manual_c_str_literals)]
const UNKNOWN: &CStr = match CStr::from_bytes_with_nul(b"<unknown>\0") {
    Ok(s) => s,
    Err(_) => panic!("literal is NUL-terminated"),
};

/// The source location C callers pass, or a placeholder for NULL.
///
/// # Safety
///
/// `where_` is NULL or a NUL-terminated string that outlives the next
/// `poll_block()` (OVS passes string literals).
unsafe fn source(where_: *const c_char) -> Source {
    if where_.is_null() {
        Source::C(UNKNOWN)
    } else {
        // SAFETY: the caller guarantees a NUL-terminated string that lives
        // until the poll set is cleared; OVS keeps the same pointer for the
        // same time.
        Source::C(unsafe { CStr::from_ptr(where_) })
    }
}

/// Arranges for the next `poll_block()` to wake up when `fd` is ready for
/// `events` (`OVS_POLLIN`, `OVS_POLLOUT` or both). `where` names the caller,
/// for debug logging; it must stay valid until `poll_block()` returns (a
/// string literal, as `OVS_SOURCE_LOCATOR` gives).
#[no_mangle]
pub unsafe extern "C" fn poll_fd_wait_at(fd: c_int, events: c_short, where_: *const c_char) {
    boundary("poll_fd_wait_at", || {
        // SAFETY: see `source`; the caller follows this function's contract.
        let src = unsafe { source(where_) };
        poll_loop::fd_wait_at(fd, events & (poll_loop::POLLIN | poll_loop::POLLOUT), src);
    })
}

/// Arranges for the next `poll_block()` to wake up after at most `msec`
/// milliseconds (0 or less: at once, as OVS).
#[no_mangle]
pub unsafe extern "C" fn poll_timer_wait_at(msec: c_longlong, where_: *const c_char) {
    boundary("poll_timer_wait_at", || {
        // SAFETY: see `source`.
        let src = unsafe { source(where_) };
        poll_loop::timer_wait_at(msec.max(0), src);
    })
}

/// Arranges for the next `poll_block()` to wake up no later than `msec`, a
/// time on the `time_msec()` clock. `LLONG_MAX` means never.
#[no_mangle]
pub unsafe extern "C" fn poll_timer_wait_until_at(msec: c_longlong, where_: *const c_char) {
    boundary("poll_timer_wait_until_at", || {
        // SAFETY: see `source`.
        let src = unsafe { source(where_) };
        poll_loop::timer_wait_until_at(msec, src);
    })
}

/// Makes the next `poll_block()` return at once.
#[no_mangle]
pub unsafe extern "C" fn poll_immediate_wake_at(where_: *const c_char) {
    boundary("poll_immediate_wake_at", || {
        // SAFETY: see `source`.
        let src = unsafe { source(where_) };
        poll_loop::immediate_wake_at(src);
    })
}

/// Blocks until one of the events registered since the last `poll_block()`
/// happens, then clears the current thread's poll set.
#[no_mangle]
pub extern "C" fn poll_block() {
    boundary("poll_block", poll_loop::block)
}
