//! `timeval.h`: the monotonic and wall clocks, in milliseconds.

use std::ffi::c_longlong;

use libc::time_t;

use super::boundary;

/// Milliseconds on a monotonic clock (an arbitrary, fixed origin; only
/// differences mean something). The clock of every timer in the library.
#[no_mangle]
pub extern "C" fn time_msec() -> c_longlong {
    boundary("time_msec", crate::timeval::time_msec)
}

/// Milliseconds since the Unix epoch on the wall clock (which may jump).
#[no_mangle]
pub extern "C" fn time_wall_msec() -> c_longlong {
    boundary("time_wall_msec", crate::timeval::time_wall_msec)
}

/// Seconds on the monotonic clock of `time_msec()` (OVS's `time_now()`).
#[no_mangle]
pub extern "C" fn time_now() -> time_t {
    boundary("time_now", || {
        (crate::timeval::time_msec() / 1000) as time_t
    })
}

/// Seconds since the Unix epoch on the wall clock (OVS's `time_wall()`).
#[no_mangle]
pub extern "C" fn time_wall() -> time_t {
    boundary("time_wall", || {
        crate::timeval::time_wall_msec().div_euclid(1000) as time_t
    })
}
