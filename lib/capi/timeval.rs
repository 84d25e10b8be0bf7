//! `timeval.h`: the monotonic and wall clocks, in milliseconds and
//! microseconds, and OVS's conversions and formatting of times.

// time_t, long and suseconds_t are i64 on 64-bit targets only.
#![allow(clippy::useless_conversion)]

use std::ffi::{c_char, c_int, c_longlong, c_uint};

use libc::{time_t, timespec, timeval};

use super::{boundary, obj, obj_mut, put};

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

/// Microseconds on the monotonic clock of `time_msec()`.
#[no_mangle]
pub extern "C" fn time_usec() -> c_longlong {
    boundary("time_usec", crate::timeval::time_usec)
}

/// Microseconds since the Unix epoch on the wall clock.
#[no_mangle]
pub extern "C" fn time_wall_usec() -> c_longlong {
    boundary("time_wall_usec", crate::timeval::time_wall_usec)
}

/// The `time_msec()` value when the clock was first read in this process
/// (OVS: when its time module was initialised).
#[no_mangle]
pub extern "C" fn time_boot_msec() -> c_longlong {
    boundary("time_boot_msec", crate::timeval::time_boot_msec)
}

/// `usec` microseconds as a timespec (floor division: correct before the
/// epoch too).
fn usec_to_timespec(usec: i64) -> timespec {
    timespec {
        tv_sec: usec.div_euclid(1_000_000) as time_t,
        tv_nsec: (usec.rem_euclid(1_000_000) * 1000) as _,
    }
}

/// Stores the monotonic time of `time_msec()` into `*ts`.
#[no_mangle]
pub unsafe extern "C" fn time_timespec(ts: *mut timespec) {
    boundary("time_timespec", || {
        // SAFETY: the caller passes a writable timespec.
        unsafe { *obj_mut(ts) = usec_to_timespec(crate::timeval::time_usec()) }
    })
}

/// Stores the wall-clock time into `*ts`.
#[no_mangle]
pub unsafe extern "C" fn time_wall_timespec(ts: *mut timespec) {
    boundary("time_wall_timespec", || {
        // SAFETY: the caller passes a writable timespec.
        unsafe { *obj_mut(ts) = usec_to_timespec(crate::timeval::time_wall_usec()) }
    })
}

/// Makes the process die of SIGALRM `secs` seconds from now, or cancels
/// that if `secs` is 0. (OVS checks its deadline inside its own poll loop;
/// here the kernel's `alarm()` delivers the same signal at the same time,
/// whatever the program is doing.)
#[no_mangle]
pub extern "C" fn time_alarm(secs: c_uint) {
    boundary("time_alarm", || {
        // SAFETY: SIGALRM's action is the caller's; its default (what OVS
        // relies on) terminates the process.
        unsafe { libc::alarm(secs) };
    })
}

/// `poll()` with an absolute deadline on the `time_msec()` clock
/// (`timeout_when`; `LLONG_MAX` for none): retries when interrupted by a
/// signal until the deadline, returns the number of ready descriptors, 0 on
/// timeout or a negative errno, and stores the milliseconds spent in
/// `*elapsed`. `handles` is for Windows and ignored.
#[no_mangle]
pub unsafe extern "C" fn time_poll(
    pollfds: *mut libc::pollfd,
    n_pollfds: c_int,
    _handles: *mut u32,
    timeout_when: c_longlong,
    elapsed: *mut c_int,
) -> c_int {
    boundary("time_poll", || {
        let start = crate::timeval::time_msec();
        let retval = loop {
            let now = crate::timeval::time_msec();
            let time_left = if now >= timeout_when {
                0
            } else {
                timeout_when.saturating_sub(now).min(c_int::MAX as i64) as c_int
            };
            // SAFETY: the caller passes `n_pollfds` pollfd structures.
            let r = unsafe { libc::poll(pollfds, n_pollfds.max(0) as libc::nfds_t, time_left) };
            if r >= 0 {
                break r;
            }
            let errno = std::io::Error::last_os_error()
                .raw_os_error()
                .unwrap_or(libc::EIO);
            if errno != libc::EINTR {
                break -errno;
            }
            if time_left == 0 {
                break 0;
            }
        };
        let spent = (crate::timeval::time_msec() - start).clamp(0, c_int::MAX as i64);
        // SAFETY: the caller passes a writable int (or NULL).
        unsafe { put(elapsed, spent as c_int) };
        retval
    })
}

/// `*ts` in milliseconds.
#[no_mangle]
pub unsafe extern "C" fn timespec_to_msec(ts: *const timespec) -> c_longlong {
    boundary("timespec_to_msec", || {
        // SAFETY: the caller passes a valid timespec.
        let ts = unsafe { obj(ts) };
        i64::from(ts.tv_sec) * 1000 + i64::from(ts.tv_nsec) / 1_000_000
    })
}

/// `*ts` in microseconds.
#[no_mangle]
pub unsafe extern "C" fn timespec_to_usec(ts: *const timespec) -> c_longlong {
    boundary("timespec_to_usec", || {
        // SAFETY: the caller passes a valid timespec.
        let ts = unsafe { obj(ts) };
        i64::from(ts.tv_sec) * 1_000_000 + i64::from(ts.tv_nsec) / 1000
    })
}

/// `*tv` in milliseconds.
#[no_mangle]
pub unsafe extern "C" fn timeval_to_msec(tv: *const timeval) -> c_longlong {
    boundary("timeval_to_msec", || {
        // SAFETY: the caller passes a valid timeval.
        let tv = unsafe { obj(tv) };
        i64::from(tv.tv_sec) * 1000 + i64::from(tv.tv_usec) / 1000
    })
}

/// `*tv` in microseconds.
#[no_mangle]
pub unsafe extern "C" fn timeval_to_usec(tv: *const timeval) -> c_longlong {
    boundary("timeval_to_usec", || {
        // SAFETY: the caller passes a valid timeval.
        let tv = unsafe { obj(tv) };
        i64::from(tv.tv_sec) * 1_000_000 + i64::from(tv.tv_usec)
    })
}

/// A broken-down time with milliseconds (OVS's `struct tm_msec`).
#[repr(C)]
pub struct tm_msec {
    /// The time to the second.
    pub tm: libc::tm,
    /// Milliseconds, 0 to 999.
    pub msec: c_int,
}

/// Splits `now` (milliseconds since the epoch) into `*result`, broken down
/// by `convert` (localtime_r or gmtime_r).
///
/// # Safety
///
/// `result` is NULL or writable.
unsafe fn tm_msec_from(
    now: i64,
    result: *mut tm_msec,
    convert: unsafe extern "C" fn(*const time_t, *mut libc::tm) -> *mut libc::tm,
) -> *mut tm_msec {
    // SAFETY: the caller passes a writable tm_msec.
    let out = unsafe { obj_mut(result) };
    // Truncation toward zero, as OVS's division does.
    let secs = (now / 1000) as time_t;
    // SAFETY: both pointers are valid.
    unsafe { convert(&secs, &mut out.tm) };
    out.msec = (now % 1000) as c_int;
    result
}

/// `now` (milliseconds since the epoch) as local time, into `*result`,
/// which is returned.
#[no_mangle]
pub unsafe extern "C" fn localtime_msec(now: c_longlong, result: *mut tm_msec) -> *mut tm_msec {
    // SAFETY: per the C contract.
    boundary("localtime_msec", || unsafe {
        tm_msec_from(now, result, libc::localtime_r)
    })
}

/// `now` (milliseconds since the epoch) as UTC, into `*result`, which is
/// returned.
#[no_mangle]
pub unsafe extern "C" fn gmtime_msec(now: c_longlong, result: *mut tm_msec) -> *mut tm_msec {
    // SAFETY: per the C contract.
    boundary("gmtime_msec", || unsafe {
        tm_msec_from(now, result, libc::gmtime_r)
    })
}

/// `strftime()` of `tm->tm` into `s`, then every `#` of the result replaced
/// by the milliseconds, digit by digit ("%S.###" gives "01.123"; digits
/// past the third are 0). Returns what `strftime()` returns (0 when `max`
/// is 0).
#[no_mangle]
pub unsafe extern "C" fn strftime_msec(
    s: *mut c_char,
    max: usize,
    format: *const c_char,
    tm: *const tm_msec,
) -> usize {
    boundary("strftime_msec", || {
        if max == 0 {
            return 0;
        }
        // SAFETY: the caller passes a buffer of `max` bytes, a format and
        // a tm_msec.
        let (tm, n) = unsafe {
            let tm = obj(tm);
            (tm, libc::strftime(s, max, format, &tm.tm))
        };
        if n > 0 {
            let digits = format!("{:03}", tm.msec.clamp(0, 999));
            // SAFETY: strftime wrote `n` bytes to `s`.
            let out = unsafe { std::slice::from_raw_parts_mut(s as *mut u8, n) };
            let mut run = 0;
            for b in out.iter_mut() {
                if *b == b'#' {
                    *b = digits.as_bytes().get(run).copied().unwrap_or(b'0');
                    run += 1;
                } else {
                    run = 0;
                }
            }
        }
        n
    })
}

/// `gettimeofday()` into `*tv`; aborts if it fails, as OVS's does.
#[no_mangle]
pub unsafe extern "C" fn xgettimeofday(tv: *mut timeval) {
    boundary("xgettimeofday", || {
        // SAFETY: the caller passes a writable timeval.
        let r = unsafe { libc::gettimeofday(obj_mut(tv), std::ptr::null_mut()) };
        assert!(
            r == 0,
            "gettimeofday failed: {}",
            std::io::Error::last_os_error()
        );
    })
}

/// `clock_gettime(id)` into `*ts`; aborts if it fails, as OVS's does.
#[no_mangle]
pub unsafe extern "C" fn xclock_gettime(id: libc::clock_t, ts: *mut timespec) {
    boundary("xclock_gettime", || {
        // SAFETY: the caller passes a writable timespec.
        let r = unsafe { libc::clock_gettime(id as libc::clockid_t, obj_mut(ts)) };
        assert!(
            r == 0,
            "xclock_gettime() failed: {}",
            std::io::Error::last_os_error()
        );
    })
}

/// `nsec` nanoseconds as a timespec, `tv_nsec` always in [0, 1e9).
#[no_mangle]
pub unsafe extern "C" fn nsec_to_timespec(nsec: c_longlong, ts: *mut timespec) {
    boundary("nsec_to_timespec", || {
        // SAFETY: the caller passes a writable timespec.
        unsafe {
            *obj_mut(ts) = timespec {
                tv_sec: nsec.div_euclid(1_000_000_000) as time_t,
                tv_nsec: nsec.rem_euclid(1_000_000_000) as _,
            }
        }
    })
}

/// The process's CPU usage in percent, or -1 when unknown: OVS measures it
/// in its poll loop; this library does not, so the answer is always -1,
/// which OVS also gives before its first measurement.
#[no_mangle]
pub extern "C" fn get_cpu_usage() -> c_int {
    -1
}

/// Does nothing: OVS's time warping ("time/warp" for its own tests) does
/// not exist in this library, and without it OVS's function also does
/// nothing.
#[no_mangle]
pub extern "C" fn timewarp_run() {}

/// Does nothing. OVS's version (declared in its `dummy.h`, called when a
/// daemon runs with `--enable-dummy`) registers the "time/stop" and
/// "time/warp" unixctl commands of its test clock; this library's clock
/// cannot be stopped or warped. Defined so that a program linking OVS's
/// objects with this library does not pull in OVS's `timeval.o` for it.
#[no_mangle]
pub extern "C" fn timeval_dummy_register() {}
