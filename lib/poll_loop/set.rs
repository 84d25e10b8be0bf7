//! The poll set itself: per-fd state, epoll registrations, the sleep.

use std::io;
use std::os::unix::io::RawFd;
use std::time::Duration;

use mio::event::Event;
use mio::unix::SourceFd;
use mio::{Events, Interest, Poll, Registry, Token};

use super::{sys, Source, POLLIN, POLLOUT};
use crate::timeval::time_msec;

/// Event bits of a wait, a compact form of poll(2)'s.
const IN: u8 = 1;
const OUT: u8 = 2;

pub(super) fn events_to_bits(events: i16) -> u8 {
    let mut bits = 0;
    if events & POLLIN != 0 {
        bits |= IN;
    }
    if events & POLLOUT != 0 {
        bits |= OUT;
    }
    bits
}

fn bits_to_events(bits: u8) -> i16 {
    let mut events = 0;
    if bits & IN != 0 {
        events |= POLLIN;
    }
    if bits & OUT != 0 {
        events |= POLLOUT;
    }
    events
}

fn bits_to_interest(bits: u8) -> Option<Interest> {
    match bits & (IN | OUT) {
        IN => Some(Interest::READABLE),
        OUT => Some(Interest::WRITABLE),
        0 => None,
        _ => Some(Interest::READABLE | Interest::WRITABLE),
    }
}

/// Fds from this number up are not tracked in the per-fd table (which
/// would take 16 bytes per fd number below them): Linux's `nr_open`, the
/// highest possible `RLIMIT_NOFILE`, is 2^20 unless raised by hand. Waits
/// on such fds (usually bad input) are left to the sleep in poll(2).
pub(super) const MAX_TRACKED_FD: u32 = 1 << 20;

/// One `fd_wait` on an fd below `MAX_TRACKED_FD`, packed: the fd shifted
/// left by 2, the event bits below.
pub(super) fn pack_wait(fd: RawFd, bits: u8) -> u32 {
    (fd as u32) << 2 | bits as u32
}

fn unpack_wait(wait: u32) -> (usize, u8) {
    ((wait >> 2) as usize, (wait & 3) as u8)
}

/// What one event says, in poll(2)'s `revents` bits.
fn event_revents(event: &Event) -> i16 {
    let mut revents = 0;
    if event.is_readable() {
        revents |= libc::POLLIN;
    }
    if event.is_writable() {
        revents |= libc::POLLOUT;
    }
    if event.is_error() {
        revents |= libc::POLLERR;
    }
    // EPOLLHUP is the one flag that closes both directions in mio's terms.
    if event.is_read_closed() && event.is_write_closed() {
        revents |= libc::POLLHUP;
    }
    revents
}

/// The epoll token of `fd`'s registration number `generation`.
fn token(fd: RawFd, generation: u32) -> Token {
    Token(((generation as usize) << 32) | fd as u32 as usize)
}

fn split_token(token: Token) -> (usize, u32) {
    (token.0 & 0xffff_ffff, (token.0 >> 32) as u32)
}

/// Flags of an [`FdState`].
const FIRED: u8 = 1;
const QUEUED: u8 = 2;

/// Everything the poll set knows about one fd number.
#[derive(Clone, Copy)]
struct FdState {
    /// The wait-list epoch in which the fd was last waited: the fd is
    /// waited in this iteration if `stamp == PollSet::epoch`.
    stamp: u32,
    /// Generation of the epoll registration, the high half of its token; it
    /// changes on every `EPOLL_CTL_ADD`, so that events from a registration
    /// of an older file under the same number are recognised and ignored.
    generation: u32,
    /// Index of the fd's first wait in the wait list of epoch `stamp`.
    slot: u32,
    /// Events waited in epoch `stamp` (all waits on the fd, merged).
    waited: u8,
    /// Events of the epoll registration; 0 if not registered.
    interest: u8,
    /// `FIRED`: an event was seen since the registration was last armed, so
    /// the fd's readiness is unknown and it must be re-armed to fire again.
    /// `QUEUED`: in this iteration's `changes`.
    flags: u8,
}

impl FdState {
    /// True if the fd's registration must be (re)armed for what is waited.
    fn needs_arming(&self) -> bool {
        self.flags & FIRED != 0 || self.waited & !self.interest != 0
    }
}

const UNUSED: FdState = FdState {
    stamp: 0,
    generation: 0,
    slot: 0,
    waited: 0,
    interest: 0,
    flags: 0,
};

struct Epoll {
    poll: Poll,
    events: Events,
}

/// Capacity of one epoll_wait; more events are fetched in further calls.
const EVENTS_CAPACITY: usize = 256;

/// Why `block()` woke, kept for the debug log.
pub(super) enum Wakeup {
    Fd {
        fd: RawFd,
        revents: i16,
        source: Option<Source>,
    },
    Timeout {
        elapsed: i64,
        source: Option<Source>,
    },
}

/// One thread's poll set.
///
/// `fd_wait` only appends to the wait list. A main loop in a steady state
/// waits on the same fds in the same order in every iteration, so
/// `block()` first compares the list with the previous one (`epoch_waits`,
/// a memcmp): if they are equal, the per-fd state is already right and only
/// the fds in `pending` (those that fired, or that could not be
/// registered) need a look. Otherwise the list is merged into the per-fd
/// state under a new epoch: a few memory accesses per wait, and a syscall
/// per fd whose registration must change.
pub(super) struct PollSet {
    /// This iteration's waits (but those still in the `WaitBuffer`), as
    /// `pack_wait`, in call order.
    pub(super) waits: Vec<u32>,
    /// Where each wait was registered, kept only if debug logging was on
    /// when the iteration began: it is only for the log. Valid if as long
    /// as the wait list.
    pub(super) sources: Vec<Source>,
    /// This iteration's waits on fds from `MAX_TRACKED_FD` up: fd, events
    /// (as poll(2)'s), source.
    pub(super) far_waits: Vec<(RawFd, i16, Source)>,
    /// The wait list of the current epoch; during `block()`, after the
    /// comparison, the same as this iteration's.
    epoch_waits: Vec<u32>,
    /// Number of the current wait list (never 0, the stamp of unused fds).
    epoch: u32,
    /// The per-fd state must be rebuilt from the next wait list even if it
    /// is the same as `epoch_waits`.
    stale_epoch: bool,
    /// Indexed by fd number.
    fds: Vec<FdState>,
    /// Fds that may need arming at the next `block()`.
    pending: Vec<RawFd>,
    /// Fds to arm in this `block()`.
    changes: Vec<RawFd>,
    /// When to wake at the latest (i64::MIN: at once; i64::MAX: never).
    pub(super) timeout_when: i64,
    pub(super) timeout_where: Option<Source>,
    /// Opened on first use; `None` also if epoll is unavailable, in which
    /// case every `block()` sleeps in poll(2).
    epoll: Option<Epoll>,
    /// `sys::fork_generation()` when `epoll` was opened.
    fork_generation: u64,
    /// Reused buffer for poll(2).
    pollfds: Vec<libc::pollfd>,
    /// Not to repeat a failure in the log at every iteration.
    warned_epoll: bool,
    last_poll_error_log: i64,
}

impl PollSet {
    pub(super) const fn new() -> PollSet {
        PollSet {
            waits: Vec::new(),
            sources: Vec::new(),
            far_waits: Vec::new(),
            epoch_waits: Vec::new(),
            epoch: 1,
            stale_epoch: false,
            fds: Vec::new(),
            pending: Vec::new(),
            changes: Vec::new(),
            timeout_when: i64::MAX,
            timeout_where: None,
            epoll: None,
            fork_generation: 0,
            pollfds: Vec::new(),
            warned_epoll: false,
            last_poll_error_log: i64::MIN,
        }
    }

    /// Blocks as `poll_loop::block()` says, then clears the waits and the
    /// timer for the next iteration. Returns what woke it if `debug`.
    pub(super) fn block(&mut self, debug: bool) -> Vec<Wakeup> {
        let mut wakeups = Vec::new();
        if self.epoll.is_some() && sys::fork_generation() != self.fork_generation {
            self.forget_registrations();
        }
        let start = time_msec();
        if self.timeout_when <= start {
            if debug {
                wakeups.push(Wakeup::Timeout {
                    elapsed: 0,
                    source: self.timeout_where,
                });
            }
        } else {
            if self.stale_epoch || self.waits != self.epoch_waits {
                self.stale_epoch = false;
                self.new_epoch();
            } else {
                self.queue_pending();
            }
            if !self.poll_ready(debug, &mut wakeups) {
                self.sleep(start, debug, &mut wakeups);
            }
        }
        self.next_iteration();
        wakeups
    }

    /// Makes this iteration's wait list the current epoch's and queues the
    /// fds whose registration does not match it.
    fn new_epoch(&mut self) {
        if self.epoch == u32::MAX {
            for state in &mut self.fds {
                state.stamp = 0;
            }
            self.epoch = 0;
        }
        self.epoch += 1;
        std::mem::swap(&mut self.waits, &mut self.epoch_waits);
        // Everything that needs arming is found again below.
        self.pending.clear();
        self.changes.clear();

        let epoch = self.epoch;
        for (slot, &wait) in self.epoch_waits.iter().enumerate() {
            let (index, bits) = unpack_wait(wait);
            if index >= self.fds.len() {
                self.fds.resize(index + 1, UNUSED);
            }
            let state = &mut self.fds[index];
            if state.stamp != epoch {
                state.stamp = epoch;
                state.waited = bits;
                state.slot = slot as u32;
            } else {
                state.waited |= bits;
            }
            if state.needs_arming() && state.flags & QUEUED == 0 {
                state.flags |= QUEUED;
                self.changes.push(index as RawFd);
            }
        }
    }

    /// Same wait list as the current epoch's: only the pending fds that are
    /// waited may need arming.
    fn queue_pending(&mut self) {
        self.changes.clear();
        for &fd in &self.pending {
            let state = &mut self.fds[fd as usize];
            if state.stamp == self.epoch && state.needs_arming() && state.flags & QUEUED == 0 {
                state.flags |= QUEUED;
                self.changes.push(fd);
            }
        }
        self.pending.clear();
    }

    /// Arms the registrations in `changes`, then asks epoll without
    /// blocking whether any waited fd is ready. Returns true if one is (or
    /// if an fd is ready by nature).
    fn poll_ready(&mut self, debug: bool, wakeups: &mut Vec<Wakeup>) -> bool {
        if self.epoch_waits.is_empty() {
            // Nothing to ask epoll (waits on far fds are for poll(2)).
            return false;
        }
        if self.epoll.is_none() {
            self.open_epoll();
        }
        let PollSet {
            fds,
            changes,
            pending,
            epoll,
            epoch,
            epoch_waits,
            stale_epoch,
            sources,
            warned_epoll,
            ..
        } = self;
        for &fd in changes.iter() {
            fds[fd as usize].flags &= !QUEUED;
        }
        let Some(epoll) = epoll else {
            // Register everything once epoll can be opened.
            *stale_epoch = true;
            return false;
        };
        let source_of = |state: &FdState| {
            if sources.len() == epoch_waits.len() {
                sources.get(state.slot as usize).copied()
            } else {
                None
            }
        };

        let mut woke = false;
        for &fd in changes.iter() {
            let state = &mut fds[fd as usize];
            match arm(epoll.poll.registry(), fd, state, warned_epoll) {
                Armed::Yes => {}
                Armed::No => pending.push(fd),
                Armed::ReadyNow(revents) => {
                    pending.push(fd);
                    woke = true;
                    if debug {
                        wakeups.push(Wakeup::Fd {
                            fd,
                            revents,
                            source: source_of(state),
                        });
                    }
                }
            }
        }
        if woke && !debug {
            return true;
        }

        // Bounded, in case events keep arriving while we drain them.
        for _ in 0..64 {
            match epoll.poll.poll(&mut epoll.events, Some(Duration::ZERO)) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    log::error!("epoll_wait: {e}");
                    break;
                }
            }
            let mut n_events = 0;
            for event in epoll.events.iter() {
                n_events += 1;
                let (index, generation) = split_token(event.token());
                let Some(state) = fds.get_mut(index) else {
                    continue;
                };
                if state.generation != generation || state.interest == 0 {
                    // A registration of a file that no longer has this
                    // number (still open elsewhere), or a stale one.
                    continue;
                }
                if state.flags & FIRED == 0 {
                    state.flags |= FIRED;
                    pending.push(index as RawFd);
                }
                if state.stamp == *epoch {
                    let revents = event_revents(event);
                    let wanted = bits_to_events(state.waited) | libc::POLLERR | libc::POLLHUP;
                    if revents & wanted != 0 {
                        woke = true;
                        if debug {
                            wakeups.push(Wakeup::Fd {
                                fd: index as RawFd,
                                revents: revents & wanted,
                                source: source_of(state),
                            });
                        }
                    }
                }
            }
            if n_events < epoll.events.capacity() {
                break;
            }
        }
        woke
    }

    /// Sleeps in poll(2) on every waited fd until one is ready or the timer
    /// expires. See the module documentation for why not in epoll_wait.
    fn sleep(&mut self, start: i64, debug: bool, wakeups: &mut Vec<Wakeup>) {
        let mut pollfds = std::mem::take(&mut self.pollfds);
        pollfds.clear();
        // One entry per fd: the one of its first wait.
        for (slot, &wait) in self.epoch_waits.iter().enumerate() {
            let (index, _) = unpack_wait(wait);
            let state = &self.fds[index];
            if state.slot as usize == slot {
                pollfds.push(libc::pollfd {
                    fd: index as RawFd,
                    events: bits_to_events(state.waited),
                    revents: 0,
                });
            }
        }
        let n_tracked = pollfds.len();
        pollfds.extend(self.far_waits.iter().map(|&(fd, events, _)| libc::pollfd {
            fd,
            events,
            revents: 0,
        }));
        let result = loop {
            let timeout = poll_timeout(self.timeout_when, time_msec());
            match sys::poll(&mut pollfds, timeout) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                result => break result,
            }
        };
        match result {
            Err(e) => {
                let now = time_msec();
                if now.saturating_sub(self.last_poll_error_log) >= 5000 {
                    self.last_poll_error_log = now;
                    log::error!("poll: {e}");
                }
            }
            Ok(0) => {
                if debug {
                    wakeups.push(Wakeup::Timeout {
                        elapsed: time_msec() - start,
                        source: self.timeout_where,
                    });
                }
            }
            Ok(_) => {
                let sources_valid = self.sources.len() == self.epoch_waits.len();
                for (i, pollfd) in pollfds.iter().enumerate() {
                    if pollfd.revents == 0 {
                        continue;
                    }
                    if i >= n_tracked {
                        if debug {
                            wakeups.push(Wakeup::Fd {
                                fd: pollfd.fd,
                                revents: pollfd.revents,
                                source: Some(self.far_waits[i - n_tracked].2),
                            });
                        }
                        continue;
                    }
                    let state = &mut self.fds[pollfd.fd as usize];
                    // Re-arm it next time: that also repairs a registration
                    // lost to the fd being closed and its number reused.
                    if state.flags & FIRED == 0 {
                        state.flags |= FIRED;
                        self.pending.push(pollfd.fd);
                    }
                    if debug {
                        let source = if sources_valid {
                            self.sources.get(state.slot as usize).copied()
                        } else {
                            None
                        };
                        wakeups.push(Wakeup::Fd {
                            fd: pollfd.fd,
                            revents: pollfd.revents,
                            source,
                        });
                    }
                }
            }
        }
        self.pollfds = pollfds;
    }

    fn next_iteration(&mut self) {
        self.waits.clear();
        self.sources.clear();
        self.far_waits.clear();
        self.timeout_when = i64::MAX;
        self.timeout_where = None;
    }

    fn open_epoll(&mut self) {
        let fork_generation = sys::fork_generation();
        match Poll::new() {
            Ok(poll) => {
                self.fork_generation = fork_generation;
                self.epoll = Some(Epoll {
                    poll,
                    events: Events::with_capacity(EVENTS_CAPACITY),
                });
            }
            Err(e) => {
                if !self.warned_epoll {
                    self.warned_epoll = true;
                    log::warn!("epoll_create1 failed ({e}), polling with poll(2)");
                }
            }
        }
    }

    /// In a forked child: the epoll instance is shared with the parent, so
    /// drop it and register everything again in a new one.
    fn forget_registrations(&mut self) {
        self.epoll = None;
        for state in &mut self.fds {
            state.interest = 0;
            state.flags = 0;
        }
        self.pending.clear();
        self.stale_epoch = true;
    }
}

/// What [`arm`] did.
enum Armed {
    /// Registered for the waited events, re-armed.
    Yes,
    /// Not registered: the sleep in poll(2) still watches it.
    No,
    /// Not registered, and ready by nature, with these `revents`.
    ReadyNow(i16),
}

/// (Re)arms `fd`'s epoll registration for the events waited on it. epoll
/// refuses regular files and directories (`EPERM`), which poll(2) reports
/// always readable and writable, and closed fds (`EBADF`), which poll(2)
/// reports with `POLLNVAL`: such fds are ready now.
fn arm(registry: &Registry, fd: RawFd, state: &mut FdState, warned: &mut bool) -> Armed {
    // Without POLLIN or POLLOUT there is nothing to register: poll(2) in
    // the sleep still reports errors and hangups.
    let Some(interest) = bits_to_interest(state.waited) else {
        return Armed::No;
    };
    let result = if state.interest == 0 {
        add(registry, fd, state, interest)
    } else {
        match registry.reregister(&mut SourceFd(&fd), token(fd, state.generation), interest) {
            // Closed and its number reused since it was registered.
            Err(e) if e.raw_os_error() == Some(libc::ENOENT) => add(registry, fd, state, interest),
            result => result,
        }
    };
    state.flags &= !FIRED;
    match result {
        Ok(()) => {
            state.interest = state.waited;
            Armed::Yes
        }
        Err(e) => {
            state.interest = 0;
            match e.raw_os_error() {
                Some(libc::EPERM) => Armed::ReadyNow(bits_to_events(state.waited)),
                Some(libc::EBADF) => Armed::ReadyNow(libc::POLLNVAL),
                _ => {
                    if !*warned {
                        *warned = true;
                        log::warn!("epoll_ctl on fd {fd} failed ({e}), polling it with poll(2)");
                    }
                    Armed::No
                }
            }
        }
    }
}

/// Registers `fd` under a new generation.
fn add(registry: &Registry, fd: RawFd, state: &mut FdState, interest: Interest) -> io::Result<()> {
    let generation = state.generation.wrapping_add(1);
    let new_token = token(fd, generation);
    let result = match registry.register(&mut SourceFd(&fd), new_token, interest) {
        // Registered, though not by us as far as we knew: take it over.
        Err(e) if e.raw_os_error() == Some(libc::EEXIST) => {
            registry.reregister(&mut SourceFd(&fd), new_token, interest)
        }
        result => result,
    };
    if result.is_ok() {
        state.generation = generation;
    }
    result
}

/// poll(2)'s timeout argument for a wakeup at `when`, at time `now`.
fn poll_timeout(when: i64, now: i64) -> i32 {
    if when == i64::MAX {
        -1
    } else {
        when.saturating_sub(now).clamp(0, i32::MAX as i64) as i32
    }
}
