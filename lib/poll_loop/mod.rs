//! Per-thread poll set: `fd_wait`, `timer_wait`, `immediate_wake`, `block`.
//!
//! This is OVS's `poll-loop` module. A main loop calls every object's
//! `run` (do what can be done now, never block), then every object's `wait`
//! (register with [`fd_wait`], [`timer_wait`], [`timer_wait_until`] or
//! [`immediate_wake`] what would let `run` make progress), then [`block`]:
//!
//! ```no_run
//! # fn run() {}
//! # let fd = 0;
//! loop {
//!     run();
//!     ovsrpc::poll_loop::fd_wait(fd, ovsrpc::poll_loop::POLLIN);
//!     ovsrpc::poll_loop::timer_wait(1000);
//!     ovsrpc::poll_loop::block();
//! }
//! ```
//!
//! Semantics, as OVS:
//!
//! * Registrations are one-shot: what is registered between two calls to
//!   [`block`] is consumed by the second one.
//! * Waits are level-triggered, as poll(2): an fd that is still readable
//!   wakes every [`block`] that waits on it, whether or not anyone read from
//!   it. Waiting twice on one fd waits for the union of the events.
//! * Fds that epoll cannot watch (regular files, directories) are always
//!   ready, as poll(2) says they are; a closed fd wakes [`block`] at once
//!   with `[POLLNVAL]`; negative fds are ignored, as poll(2) ignores them.
//! * The earliest timer wins; [`immediate_wake`] (or a timer already
//!   expired) makes [`block`] return at once; with nothing registered,
//!   [`block`] sleeps until a signal, as OVS does.
//! * Every wait records where it was registered (`#[track_caller]`, or the
//!   `Source` passed to the `*_at` variants) and [`block`] logs at debug
//!   level what woke it: `wakeup due to [POLLIN] on fd 7 (pipe:[1234]) at
//!   src/main.rs:42` or `wakeup due to 50-ms timeout at src/main.rs:40`.
//!
//! Each thread has its own poll set and its own epoll instance.
//!
//! # How it scales
//!
//! OVS hands every waited fd to poll(2) in every iteration, so an iteration
//! costs O(waited fds) in the kernel even when one of them is ready. Here
//! epoll registrations (through mio) persist across iterations, keyed by
//! fd, and [`block`] touches only what changed: an fd that is waited but
//! not registered, registered for fewer events, or that reported readiness
//! since it was last armed is (re)armed with `EPOLL_CTL_MOD` (or `ADD`),
//! which makes a still-ready fd fire again under edge triggering. Then one
//! non-blocking `epoll_wait` answers "is anything ready?" in time
//! proportional to what is ready, not to what is waited. Events for fds
//! registered in an earlier iteration but not waited in this one are
//! ignored (and, being edge-triggered, do not repeat), so they never make
//! [`block`] return early.
//!
//! When nothing is ready, [`block`] sleeps in poll(2) over the waited fds.
//! This is deliberate: the kernel drops an fd's epoll registration silently
//! when the fd is closed, so if the fd's number is reused by a new file
//! before the next wait, nothing short of a syscall per fd would tell that
//! the new file is not registered, and sleeping in epoll_wait could then
//! miss it forever. Sleeping in poll(2) cannot, and an fd that wakes the
//! sleep is re-armed in epoll next time, which repairs its registration.
//! Besides the `fd_wait` calls themselves (a store each; in the steady
//! state, where a loop waits on the same fds in the same order every time,
//! `block` recognises the unchanged list with one memcmp), the cost of an
//! iteration is therefore proportional to the number of changed or ready
//! fds while the loop is busy, and proportional to the number of waited fds
//! only when the loop is about to go idle (a loop that goes idle between
//! every two requests pays that every time, as OVS pays it always).
//! Events from an old file that is still open elsewhere (a `dup` or a
//! forked child) and whose number was reused are told apart by a
//! generation number in the epoll token. A forked child gets a new epoll
//! instance on its first [`block`].

use std::cell::{Cell, RefCell};
use std::ffi::CStr;
use std::os::unix::io::RawFd;
use std::panic::Location;

use crate::timeval::time_msec;

mod set;
#[allow(unsafe_code)]
mod sys;

use set::{events_to_bits, pack_wait, PollSet, Wakeup, MAX_TRACKED_FD};

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

/// Registers `fd` for `events` (`POLLIN`, `POLLOUT` or both) in the current
/// thread's poll set: the next [`block`] wakes when it is ready.
///
/// A negative `fd` is ignored, as poll(2) ignores it. Other bits than
/// `POLLIN` and `POLLOUT` are ignored; with neither, the next [`block`]
/// still wakes if the fd reports an error or a hangup, as with poll(2).
#[track_caller]
#[inline]
pub fn fd_wait(fd: RawFd, events: i16) {
    fd_wait_at(fd, events, Source::Rust(Location::caller()));
}

/// [`fd_wait`] with an explicit source location.
#[inline]
pub fn fd_wait_at(fd: RawFd, events: i16, source: Source) {
    // try_with: a wait registered while the thread is being torn down has
    // no block() to wake anyway.
    let _ = BUFFER.try_with(|buffer| {
        let len = buffer.len.get();
        // One comparison also rules out negative fds.
        if (fd as u32) < MAX_TRACKED_FD && len < BUFFER_SIZE && !buffer.keep_sources.get() {
            buffer.waits[len].set(pack_wait(fd, events_to_bits(events)));
            buffer.len.set(len + 1);
        } else {
            wait_slowly(buffer, fd, events, source);
        }
    });
}

/// [`fd_wait_at`] when the buffer is full, or debug logging wants sources,
/// or the fd is out of the ordinary.
#[cold]
#[inline(never)]
fn wait_slowly(buffer: &WaitBuffer, fd: RawFd, events: i16, source: Source) {
    if fd < 0 {
        return;
    }
    let _ = LOOP.try_with(|poll_set| {
        let mut poll_set = poll_set.borrow_mut();
        if fd as u32 >= MAX_TRACKED_FD {
            let events = events & (POLLIN | POLLOUT);
            poll_set.far_waits.push((fd, events, source));
            return;
        }
        let wait = pack_wait(fd, events_to_bits(events));
        buffer.drain_into(&mut poll_set.waits);
        if buffer.keep_sources.get() {
            poll_set.waits.push(wait);
            poll_set.sources.push(source);
        } else {
            buffer.waits[0].set(wait);
            buffer.len.set(1);
        }
    });
}

/// Makes the next [`block`] wake after at most `msec` milliseconds.
///
/// As in OVS, a nonpositive `msec` makes the next [`block`] return at once.
#[track_caller]
pub fn timer_wait(msec: i64) {
    timer_wait_at(msec, Source::Rust(Location::caller()));
}

/// [`timer_wait`] with an explicit source location.
pub fn timer_wait_at(msec: i64, source: Source) {
    let when = if msec <= 0 {
        i64::MIN
    } else {
        time_msec().saturating_add(msec)
    };
    timer_wait_until_at(when, source);
}

/// Makes the next [`block`] wake no later than the monotonic time `when`
/// (milliseconds, as [`time_msec`]). A time already past makes it return at
/// once; `i64::MAX` means never.
#[track_caller]
pub fn timer_wait_until(when: i64) {
    timer_wait_until_at(when, Source::Rust(Location::caller()));
}

/// [`timer_wait_until`] with an explicit source location.
pub fn timer_wait_until_at(when: i64, source: Source) {
    let _ = LOOP.try_with(|poll_set| {
        let mut poll_set = poll_set.borrow_mut();
        if when < poll_set.timeout_when {
            poll_set.timeout_when = when;
            poll_set.timeout_where = Some(source);
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

/// Blocks until one of the registered events happens (or the earliest timer
/// expires), then clears the set for the next iteration.
pub fn block() {
    let debug = log::log_enabled!(log::Level::Debug);
    let wakeups = LOOP
        .try_with(|poll_set| {
            let mut poll_set = poll_set.borrow_mut();
            let _ = BUFFER.try_with(|buffer| buffer.drain_into(&mut poll_set.waits));
            let wakeups = poll_set.block(debug);
            let _ = BUFFER.try_with(|buffer| buffer.keep_sources.set(debug));
            wakeups
        })
        .unwrap_or_default();
    // Logged after the poll set is released, so that a logger may use it.
    for wakeup in &wakeups {
        log_wakeup(wakeup);
    }
}

thread_local! {
    static LOOP: RefCell<PollSet> = const { RefCell::new(PollSet::new()) };
    static BUFFER: WaitBuffer = const { WaitBuffer::new() };
}

/// Capacity of [`WaitBuffer`].
const BUFFER_SIZE: usize = 256;

/// Where `fd_wait` writes, to be cheap: a fixed array of plain cells needs
/// neither a `RefCell` borrow nor a capacity check beyond its length. It is
/// drained into `PollSet::waits` when full and by `block()`.
struct WaitBuffer {
    len: Cell<usize>,
    /// Debug logging was on when this iteration began: then every wait
    /// goes to `PollSet::waits` with its source, for the log.
    keep_sources: Cell<bool>,
    waits: [Cell<u32>; BUFFER_SIZE],
}

impl WaitBuffer {
    const fn new() -> WaitBuffer {
        // Copied into each element, as array repetition needs before Rust
        // 1.79 (the crate's rust-version is 1.75); never used by itself.
        #[allow(clippy::declare_interior_mutable_const)]
        const EMPTY: Cell<u32> = Cell::new(0);
        WaitBuffer {
            len: Cell::new(0),
            keep_sources: Cell::new(true),
            waits: [EMPTY; BUFFER_SIZE],
        }
    }

    /// Moves the buffered waits to the end of `waits`.
    fn drain_into(&self, waits: &mut Vec<u32>) {
        let len = self.len.replace(0);
        waits.extend(self.waits[..len].iter().map(Cell::get));
    }
}

fn log_wakeup(wakeup: &Wakeup) {
    let mut message = String::from("wakeup due to ");
    let source = match *wakeup {
        Wakeup::Fd {
            fd,
            revents,
            source,
        } => {
            for (bit, name) in [
                (libc::POLLIN, "[POLLIN]"),
                (libc::POLLOUT, "[POLLOUT]"),
                (libc::POLLERR, "[POLLERR]"),
                (libc::POLLHUP, "[POLLHUP]"),
                (libc::POLLNVAL, "[POLLNVAL]"),
            ] {
                if revents & bit != 0 {
                    message.push_str(name);
                }
            }
            message.push_str(&format!(" on fd {fd} ({})", describe_fd(fd)));
            source
        }
        Wakeup::Timeout { elapsed, source } => {
            message.push_str(&format!("{elapsed}-ms timeout"));
            source
        }
    };
    if let Some(source) = source {
        message.push_str(" at ");
        match source {
            Source::Rust(location) => {
                message.push_str(&format!("{}:{}", location.file(), location.line()))
            }
            Source::C(locator) => message.push_str(&locator.to_string_lossy()),
        }
    }
    log::debug!("{message}");
}

/// What an fd is, for the log: the target of /proc/self/fd/N, such as
/// `pipe:[1234]`, `socket:[5678]` or a file name.
fn describe_fd(fd: RawFd) -> String {
    match std::fs::read_link(format!("/proc/self/fd/{fd}")) {
        Ok(target) => target.display().to_string(),
        Err(_) => String::from("unknown"),
    }
}
