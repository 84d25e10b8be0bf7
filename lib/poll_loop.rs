//! Per-thread poll set: `fd_wait`, `timer_wait`, `immediate_wake`, `block`.
//!
//! PLACEHOLDER implementation on poll(2); the scalable mio-based one
//! replaces it (issue 2). The public API below is the contract.

use std::cell::RefCell;
use std::ffi::CStr;
use std::os::unix::io::RawFd;
use std::panic::Location;

use crate::timeval::time_msec;

/// Wait until the fd is readable (poll(2)'s `POLLIN`).
pub const POLLIN: i16 = libc::POLLIN;
/// Wait until the fd is writable (poll(2)'s `POLLOUT`).
pub const POLLOUT: i16 = libc::POLLOUT;

/// Where a wait was registered, for the debug log of what woke `block()`.
#[derive(Clone, Copy, Debug)]
pub enum Source {
    /// A Rust call site (from `#[track_caller]`).
    Rust(&'static Location<'static>),
    /// A C call site (`OVS_SOURCE_LOCATOR`, a string literal).
    C(&'static CStr),
}

#[derive(Default)]
struct PollSet {
    fds: Vec<(RawFd, i16, Source)>,
    timeout_when: Option<(i64, Source)>,
}

thread_local! {
    static POLL: RefCell<PollSet> = RefCell::new(PollSet::default());
}

/// Registers `fd` for `events` (`POLLIN`, `POLLOUT` or both) in the current
/// thread's poll set: the next [`block`] wakes when it is ready.
#[track_caller]
pub fn fd_wait(fd: RawFd, events: i16) {
    fd_wait_at(fd, events, Source::Rust(Location::caller()));
}

/// [`fd_wait`] with an explicit source location.
pub fn fd_wait_at(fd: RawFd, events: i16, source: Source) {
    POLL.with(|p| p.borrow_mut().fds.push((fd, events, source)));
}

/// Makes the next [`block`] wake after at most `msec` milliseconds
/// (negative: no timeout; 0: immediately).
#[track_caller]
pub fn timer_wait(msec: i64) {
    timer_wait_at(msec, Source::Rust(Location::caller()));
}

/// [`timer_wait`] with an explicit source location.
pub fn timer_wait_at(msec: i64, source: Source) {
    if msec >= 0 {
        timer_wait_until_at(time_msec().saturating_add(msec), source);
    }
}

/// Makes the next [`block`] wake no later than the monotonic time `when`
/// (milliseconds, as [`time_msec`]). `i64::MAX` means never.
#[track_caller]
pub fn timer_wait_until(when: i64) {
    timer_wait_until_at(when, Source::Rust(Location::caller()));
}

/// [`timer_wait_until`] with an explicit source location.
pub fn timer_wait_until_at(when: i64, source: Source) {
    if when == i64::MAX {
        return;
    }
    POLL.with(|p| {
        let mut p = p.borrow_mut();
        match p.timeout_when {
            Some((w, _)) if w <= when => {}
            _ => p.timeout_when = Some((when, source)),
        }
    });
}

/// Makes the next [`block`] return at once.
#[track_caller]
pub fn immediate_wake() {
    immediate_wake_at(Source::Rust(Location::caller()));
}

/// [`immediate_wake`] with an explicit source location.
pub fn immediate_wake_at(source: Source) {
    timer_wait_until_at(i64::MIN, source);
}

/// Blocks until one of the registered events happens, then clears the set.
pub fn block() {
    let (mut pfds, when) = POLL.with(|p| {
        let mut p = p.borrow_mut();
        let pfds: Vec<libc::pollfd> = p
            .fds
            .drain(..)
            .map(|(fd, events, _)| libc::pollfd {
                fd,
                events,
                revents: 0,
            })
            .collect();
        (pfds, p.timeout_when.take().map(|(w, _)| w))
    });
    let timeout = match when {
        None => -1,
        Some(w) => (w.saturating_sub(time_msec())).clamp(0, i32::MAX as i64) as i32,
    };
    sys::poll(&mut pfds, timeout);
}

#[allow(unsafe_code)]
mod sys {
    pub fn poll(pfds: &mut [libc::pollfd], timeout: i32) {
        // SAFETY: pfds is a valid, exclusively borrowed array of pollfd of
        // the length we pass.
        unsafe {
            libc::poll(pfds.as_mut_ptr(), pfds.len() as libc::nfds_t, timeout);
        }
    }
}
