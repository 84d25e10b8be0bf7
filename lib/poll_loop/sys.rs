//! The poll loop's syscall edge: poll(2) and fork detection.
//!
//! epoll itself is reached through mio; only what mio does not offer is
//! here.

use std::io;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Once;

/// Calls poll(2) on `pfds` with `timeout` milliseconds (negative: forever)
/// and returns the number of entries with nonzero `revents`.
pub(super) fn poll(pfds: &mut [libc::pollfd], timeout: i32) -> io::Result<usize> {
    // SAFETY: `pfds` is a valid, exclusively borrowed array of `pollfd`
    // whose length we pass; poll(2) writes only the `revents` fields.
    let n = unsafe { libc::poll(pfds.as_mut_ptr(), pfds.len() as libc::nfds_t, timeout) };
    if n < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(n as usize)
    }
}

/// Incremented in the child of every fork(2).
static FORK_GENERATION: AtomicU64 = AtomicU64::new(0);

extern "C" fn after_fork_in_child() {
    // Only an atomic increment: async-signal-safe, as a fork handler of a
    // multithreaded process must be.
    FORK_GENERATION.fetch_add(1, Ordering::Relaxed);
}

/// Returns a number that changes in a child process after fork(2), so that
/// a thread can tell that its epoll instance is shared with its parent.
///
/// The fork handler is installed on the first call.
pub(super) fn fork_generation() -> u64 {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        // SAFETY: the handler is a plain `extern "C" fn` that lives for the
        // whole program and only touches an atomic.
        let error = unsafe { libc::pthread_atfork(None, None, Some(after_fork_in_child)) };
        if error != 0 {
            log::warn!(
                "pthread_atfork failed ({}): a forked child must not reuse the parent's poll loop",
                io::Error::from_raw_os_error(error)
            );
        }
    });
    FORK_GENERATION.load(Ordering::Relaxed)
}
