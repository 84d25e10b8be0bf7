//! The poll loop on real pipes, sockets and files.
//!
//! What woke `block()` is read from its debug log (`wakeup due to ...`),
//! captured per thread. Scenarios that matter for the fast path also run
//! with debug logging off, where `fd_wait` takes its buffered path; there a
//! wakeup by an fd is told from one by the safety timer by the time (the
//! timer is 10 s away). The tests take a lock so that no other test creates
//! fds while one checks which number the kernel reuses.

mod support;

use std::fs::File;
use std::io::{self, Read, Write};
use std::os::fd::AsFd;
use std::os::unix::io::{AsRawFd, RawFd};
use std::os::unix::net::UnixStream;
use std::sync::{Mutex, MutexGuard};

use mio::unix::pipe::{self, Receiver, Sender};
use ovsrpc::poll_loop::{self, Source, POLLIN, POLLOUT};
use ovsrpc::timeval::time_msec;

// ---------------------------------------------------------------------------
// Harness.

/// How a test observes the loop.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Mode {
    /// Debug logging on: `block()` says why it woke.
    Logged,
    /// Debug logging off: the fast path of `fd_wait`.
    Quiet,
}

const MODES: [Mode; 2] = [Mode::Logged, Mode::Quiet];

/// Far enough that reaching it means the fd did not wake `block()`.
const SAFETY_MS: i64 = 10_000;

/// What a test holds while it runs: the lock that serialises the tests,
/// and its log capture.
struct Serial {
    _log: support::log::Capture,
    _guard: MutexGuard<'static, ()>,
}

/// Serialises the tests, captures the test's log and sets the log level
/// for `mode`.
fn setup(mode: Mode) -> Serial {
    static SERIAL: Mutex<()> = Mutex::new(());
    let guard = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let log = support::log::capture_debug();
    ::log::set_max_level(match mode {
        Mode::Logged => ::log::LevelFilter::Debug,
        Mode::Quiet => ::log::LevelFilter::Info,
    });
    // One iteration so that the loop notices the log level and opens its
    // epoll fd (/dev/null is always ready), before a test picks fd numbers.
    let null = File::open("/dev/null").expect("/dev/null");
    poll_loop::fd_wait(null.as_raw_fd(), POLLIN);
    poll_loop::block();
    Serial {
        _log: log,
        _guard: guard,
    }
}

/// Calls `block()` and returns its `wakeup due to` log lines.
fn block() -> Vec<String> {
    support::log::take();
    poll_loop::block();
    support::log::take()
        .into_iter()
        .filter(|l| {
            l.target.starts_with("ovsrpc::poll_loop") && l.text.starts_with("wakeup due to ")
        })
        .map(|l| l.text)
        .collect()
}

/// Blocks with a safety timer and checks that `fd` woke the loop with
/// exactly the `flags` (such as `"[POLLIN]"`), and nothing else did.
#[track_caller]
fn assert_woken_by(mode: Mode, fd: RawFd, flags: &str) {
    let deadline = time_msec() + SAFETY_MS;
    poll_loop::timer_wait_until(deadline);
    let lines = block();
    assert!(time_msec() < deadline, "fd {fd} did not wake block()");
    if mode == Mode::Logged {
        assert_eq!(lines.len(), 1, "{lines:?}");
        let prefix = format!("wakeup due to {flags} on fd {fd} (");
        assert!(lines[0].starts_with(&prefix), "{lines:?}, {prefix}");
        assert!(lines[0].contains(") at tests/poll_loop.rs:"), "{lines:?}");
    }
}

/// Blocks with a `msec` timer and checks that the timer woke the loop.
#[track_caller]
fn assert_timeout(mode: Mode, msec: i64) {
    let before = time_msec();
    poll_loop::timer_wait(msec);
    let lines = block();
    assert!(time_msec() - before >= msec, "block() returned early");
    if mode == Mode::Logged {
        assert_eq!(lines.len(), 1, "{lines:?}");
        assert!(
            lines[0].contains("-ms timeout at tests/poll_loop.rs:"),
            "{lines:?}"
        );
    }
}

fn new_pipe() -> (Sender, Receiver) {
    pipe::new().expect("pipe")
}

fn fill(mut writer: impl Write) -> usize {
    let mut total = 0;
    let chunk = [0u8; 65536];
    // Bounded: a socket buffer is far smaller than 256 MB.
    for _ in 0..4096 {
        match writer.write(&chunk) {
            Ok(n) => total += n,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return total,
            Err(e) => panic!("write: {e}"),
        }
    }
    panic!("socket never filled up");
}

fn drain(mut reader: impl Read) -> usize {
    let mut total = 0;
    let mut chunk = [0u8; 65536];
    loop {
        match reader.read(&mut chunk) {
            Ok(0) => return total,
            Ok(n) => total += n,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return total,
            Err(e) => panic!("read: {e}"),
        }
    }
}

/// The soft RLIMIT_NOFILE, from /proc/self/limits.
fn open_files_limit() -> u64 {
    let limits = std::fs::read_to_string("/proc/self/limits").unwrap_or_default();
    limits
        .lines()
        .find(|line| line.starts_with("Max open files"))
        .and_then(|line| line.split_whitespace().nth(3))
        .and_then(|soft| soft.parse().ok())
        .unwrap_or(u64::MAX)
}

// ---------------------------------------------------------------------------
// Level triggering and consumption.

#[test]
fn readable_pipe_wakes_every_block_until_read() {
    for mode in MODES {
        let _serial = setup(mode);
        let (mut w, mut r) = new_pipe();
        w.write_all(b"x").unwrap();
        for _ in 0..3 {
            poll_loop::fd_wait(r.as_raw_fd(), POLLIN);
            assert_woken_by(mode, r.as_raw_fd(), "[POLLIN]");
        }
        assert_eq!(drain(&mut r), 1);
        poll_loop::fd_wait(r.as_raw_fd(), POLLIN);
        assert_timeout(mode, 30);
        w.write_all(b"y").unwrap();
        poll_loop::fd_wait(r.as_raw_fd(), POLLIN);
        assert_woken_by(mode, r.as_raw_fd(), "[POLLIN]");
    }
}

#[test]
fn waits_are_consumed_by_block() {
    for mode in MODES {
        let _serial = setup(mode);
        let (mut w, r) = new_pipe();
        w.write_all(b"x").unwrap();
        poll_loop::fd_wait(r.as_raw_fd(), POLLIN);
        assert_woken_by(mode, r.as_raw_fd(), "[POLLIN]");
        // Not waited any more: still readable, and even new data (a new
        // edge for its registration) must not wake the loop.
        assert_timeout(mode, 50);
        w.write_all(b"y").unwrap();
        assert_timeout(mode, 50);
        // Waited again: wakes at once.
        poll_loop::fd_wait(r.as_raw_fd(), POLLIN);
        assert_woken_by(mode, r.as_raw_fd(), "[POLLIN]");
    }
}

#[test]
fn waits_on_one_fd_merge_and_keep_the_first_source() {
    let _serial = setup(Mode::Logged);
    let (a, _b) = UnixStream::pair().unwrap();
    // Writable, not readable.
    let first = line!() + 1;
    poll_loop::fd_wait(a.as_raw_fd(), POLLIN);
    poll_loop::fd_wait(a.as_raw_fd(), POLLOUT);
    poll_loop::timer_wait(SAFETY_MS);
    let lines = block();
    assert_eq!(lines.len(), 1, "{lines:?}");
    let fd = a.as_raw_fd();
    assert!(
        lines[0].starts_with(&format!("wakeup due to [POLLOUT] on fd {fd} (socket:[")),
        "{lines:?}"
    );
    assert!(
        lines[0].ends_with(&format!(") at tests/poll_loop.rs:{first}")),
        "{lines:?}"
    );
}

#[test]
fn explicit_c_sources_are_logged() {
    let _serial = setup(Mode::Logged);
    let fd_where = c"lib/stream-fd.c:123";
    let timer_where = c"lib/reconnect.c:45";
    let (mut w, r) = new_pipe();
    poll_loop::fd_wait_at(r.as_raw_fd(), POLLIN, Source::C(fd_where));
    poll_loop::timer_wait_at(20, Source::C(timer_where));
    let lines = block();
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(
        lines[0].ends_with("-ms timeout at lib/reconnect.c:45"),
        "{lines:?}"
    );

    w.write_all(b"x").unwrap();
    poll_loop::fd_wait_at(r.as_raw_fd(), POLLIN, Source::C(fd_where));
    let lines = block();
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(lines[0].ends_with(") at lib/stream-fd.c:123"), "{lines:?}");
}

#[test]
fn pollout_follows_socket_buffer_space() {
    for mode in MODES {
        let _serial = setup(mode);
        let (mut a, mut b) = UnixStream::pair().unwrap();
        a.set_nonblocking(true).unwrap();
        b.set_nonblocking(true).unwrap();
        poll_loop::fd_wait(a.as_raw_fd(), POLLOUT);
        assert_woken_by(mode, a.as_raw_fd(), "[POLLOUT]");
        assert!(fill(&mut a) > 0);
        poll_loop::fd_wait(a.as_raw_fd(), POLLOUT);
        assert_timeout(mode, 30);
        assert!(drain(&mut b) > 0);
        poll_loop::fd_wait(a.as_raw_fd(), POLLOUT);
        assert_woken_by(mode, a.as_raw_fd(), "[POLLOUT]");
    }
}

#[test]
fn peer_hangup_wakes_a_reader() {
    let _serial = setup(Mode::Logged);
    let (a, b) = UnixStream::pair().unwrap();
    poll_loop::fd_wait(a.as_raw_fd(), POLLIN);
    assert_timeout(Mode::Logged, 20);
    drop(b);
    poll_loop::fd_wait(a.as_raw_fd(), POLLIN);
    poll_loop::timer_wait(SAFETY_MS);
    let lines = block();
    let prefix = "wakeup due to [POLLIN]";
    let suffix = format!(" on fd {} (", a.as_raw_fd());
    assert!(
        lines.len() == 1 && lines[0].starts_with(prefix) && lines[0].contains(&suffix),
        "{lines:?}"
    );
}

#[test]
fn no_events_still_wakes_on_error() {
    let _serial = setup(Mode::Logged);
    let (w, r) = new_pipe();
    poll_loop::fd_wait(w.as_raw_fd(), 0);
    assert_timeout(Mode::Logged, 20);
    drop(r);
    poll_loop::fd_wait(w.as_raw_fd(), 0);
    assert_woken_by(Mode::Logged, w.as_raw_fd(), "[POLLERR]");
}

// ---------------------------------------------------------------------------
// Timers.

#[test]
fn timer_alone_wakes_after_it_expires() {
    for mode in MODES {
        let _serial = setup(mode);
        assert_timeout(mode, 50);
        let deadline = time_msec() + 40;
        poll_loop::timer_wait_until(deadline);
        block();
        assert!(time_msec() >= deadline);
    }
}

#[test]
fn unready_fd_and_timer_wake_on_the_timer() {
    for mode in MODES {
        let _serial = setup(mode);
        let (_w, r) = new_pipe();
        poll_loop::fd_wait(r.as_raw_fd(), POLLIN);
        assert_timeout(mode, 50);
    }
}

#[test]
fn earliest_timer_wins() {
    let _serial = setup(Mode::Logged);
    let before = time_msec();
    poll_loop::timer_wait(SAFETY_MS);
    let line = line!() + 1;
    poll_loop::timer_wait(30);
    poll_loop::timer_wait_until(time_msec() + SAFETY_MS);
    let lines = block();
    assert!(time_msec() - before >= 30);
    assert!(time_msec() < before + SAFETY_MS);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(
        lines[0].ends_with(&format!("-ms timeout at tests/poll_loop.rs:{line}")),
        "{lines:?}"
    );
}

#[test]
fn immediate_wake_returns_at_once() {
    let _serial = setup(Mode::Logged);
    let (_w, r) = new_pipe();
    let deadline = time_msec() + SAFETY_MS;
    poll_loop::fd_wait(r.as_raw_fd(), POLLIN);
    poll_loop::timer_wait_until(deadline);
    let line = line!() + 1;
    poll_loop::immediate_wake();
    let lines = block();
    assert!(time_msec() < deadline);
    assert_eq!(
        lines,
        [format!(
            "wakeup due to 0-ms timeout at tests/poll_loop.rs:{line}"
        )]
    );
}

#[test]
fn nonpositive_or_past_timers_wake_at_once() {
    let _serial = setup(Mode::Logged);
    let deadline = time_msec() + SAFETY_MS;
    for arm in [
        || poll_loop::timer_wait(0),
        || poll_loop::timer_wait(-5),
        || poll_loop::timer_wait_until(time_msec() - 1),
        || poll_loop::timer_wait_until(i64::MIN),
    ] {
        poll_loop::timer_wait_until(deadline);
        arm();
        let lines = block();
        assert!(time_msec() < deadline);
        assert_eq!(lines.len(), 1, "{lines:?}");
        assert!(
            lines[0].starts_with("wakeup due to 0-ms timeout at "),
            "{lines:?}"
        );
    }
}

// ---------------------------------------------------------------------------
// Fds epoll cannot watch, closed fds, reused fd numbers.

#[test]
fn regular_file_is_always_ready() {
    let _serial = setup(Mode::Logged);
    let path = std::env::temp_dir().join(format!("poll_loop_test_{}", std::process::id()));
    let file = File::create(&path).unwrap();
    std::fs::remove_file(&path).unwrap();
    let fd = file.as_raw_fd();
    for _ in 0..2 {
        poll_loop::fd_wait(fd, POLLIN);
        assert_woken_by(Mode::Logged, fd, "[POLLIN]");
    }
    poll_loop::fd_wait(fd, POLLOUT);
    assert_woken_by(Mode::Logged, fd, "[POLLOUT]");
    poll_loop::fd_wait(fd, POLLIN | POLLOUT);
    assert_woken_by(Mode::Logged, fd, "[POLLIN][POLLOUT]");
    drop(file);

    // The same in the quiet mode.
    drop(_serial);
    let _serial = setup(Mode::Quiet);
    let file = File::open("/proc/self/limits").unwrap();
    poll_loop::fd_wait(file.as_raw_fd(), POLLIN);
    assert_woken_by(Mode::Quiet, file.as_raw_fd(), "[POLLIN]");
}

#[test]
fn closed_fd_wakes_with_pollnval() {
    let _serial = setup(Mode::Logged);
    let (w, r) = new_pipe();
    let fd = r.as_raw_fd();
    drop((w, r));
    poll_loop::fd_wait(fd, POLLIN);
    assert_woken_by(Mode::Logged, fd, "[POLLNVAL]");
}

#[test]
fn negative_fd_is_ignored() {
    let _serial = setup(Mode::Logged);
    poll_loop::fd_wait(-1, POLLIN);
    poll_loop::fd_wait(-7, POLLOUT);
    assert_timeout(Mode::Logged, 20);
}

/// A pipe whose read end has the number `fd`, which was just freed.
///
/// The kernel hands out the lowest free number; a lower one may have been
/// freed meanwhile (a finished test's thread closing its epoll fd), so
/// lower numbers are taken up first.
fn pipe_reusing(fd: RawFd) -> (Sender, Receiver) {
    let mut lower = Vec::new();
    for _ in 0..16 {
        let probe = File::open("/dev/null").unwrap();
        if probe.as_raw_fd() == fd {
            drop(probe);
            let (w, r) = new_pipe();
            assert_eq!(r.as_raw_fd(), fd, "the kernel did not reuse fd {fd}");
            return (w, r);
        }
        assert!(probe.as_raw_fd() < fd, "fd {fd} was taken");
        lower.push(probe);
    }
    panic!("fd {fd} never came back");
}

#[test]
fn reused_fd_number_after_a_silent_registration() {
    for mode in MODES {
        let _serial = setup(mode);
        // Registered, never ready, then closed: epoll drops it silently.
        let (w, r) = new_pipe();
        let fd = r.as_raw_fd();
        poll_loop::fd_wait(fd, POLLIN);
        assert_timeout(mode, 20);
        drop((r, w));

        // Same number, same wait as before, ready.
        let (mut w, mut r) = pipe_reusing(fd);
        w.write_all(b"x").unwrap();
        for _ in 0..3 {
            poll_loop::fd_wait(fd, POLLIN);
            assert_woken_by(mode, fd, "[POLLIN]");
        }
        drain(&mut r);
        poll_loop::fd_wait(fd, POLLIN);
        assert_timeout(mode, 20);
        w.write_all(b"y").unwrap();
        poll_loop::fd_wait(fd, POLLIN);
        assert_woken_by(mode, fd, "[POLLIN]");
    }
}

#[test]
fn reused_fd_number_after_a_fired_registration() {
    for mode in MODES {
        let _serial = setup(mode);
        let (mut w, r) = new_pipe();
        let fd = r.as_raw_fd();
        w.write_all(b"x").unwrap();
        poll_loop::fd_wait(fd, POLLIN);
        assert_woken_by(mode, fd, "[POLLIN]");
        drop((r, w));

        // The new pipe is empty: the old readiness must not leak into it.
        let (mut w, _r) = pipe_reusing(fd);
        poll_loop::fd_wait(fd, POLLIN);
        assert_timeout(mode, 30);
        w.write_all(b"y").unwrap();
        poll_loop::fd_wait(fd, POLLIN);
        assert_woken_by(mode, fd, "[POLLIN]");
    }
}

#[test]
fn reused_fd_number_while_the_old_file_lives_on() {
    for mode in MODES {
        let _serial = setup(mode);
        let (mut old_w, old_r) = new_pipe();
        let fd = old_r.as_raw_fd();
        poll_loop::fd_wait(fd, POLLIN);
        assert_timeout(mode, 20);
        // A dup keeps the old pipe, and its epoll registration, alive.
        let old_dup = old_r.as_fd().try_clone_to_owned().unwrap();
        drop(old_r);
        let (mut w, _r) = pipe_reusing(fd);

        // The old pipe's events carry the old registration's token: they
        // may wake one block() spuriously, as the new file is not yet
        // known to be new, but never again once the number is re-armed.
        old_w.write_all(b"x").unwrap();
        poll_loop::fd_wait(fd, POLLIN);
        poll_loop::timer_wait(50);
        block();
        for _ in 0..2 {
            old_w.write_all(b"x").unwrap();
            poll_loop::fd_wait(fd, POLLIN);
            assert_timeout(mode, 50);
        }
        w.write_all(b"y").unwrap();
        poll_loop::fd_wait(fd, POLLIN);
        assert_woken_by(mode, fd, "[POLLIN]");
        drop(old_dup);
    }
}

// ---------------------------------------------------------------------------
// Scale and threads.

#[test]
fn five_thousand_pipes_one_ready() {
    const N: usize = 5000;
    let limit = open_files_limit();
    assert!(
        limit >= (2 * N + 64) as u64,
        "RLIMIT_NOFILE is {limit}, this test needs {}",
        2 * N + 64
    );
    for mode in MODES {
        let _serial = setup(mode);
        let pipes: Vec<(Sender, Receiver)> = (0..N).map(|_| new_pipe()).collect();
        let wait_all = || {
            for (_, r) in &pipes {
                poll_loop::fd_wait(r.as_raw_fd(), POLLIN);
            }
        };

        (&pipes[4321].0).write_all(b"x").unwrap();
        for _ in 0..3 {
            wait_all();
            assert_woken_by(mode, pipes[4321].1.as_raw_fd(), "[POLLIN]");
        }
        drain(&pipes[4321].1);
        wait_all();
        assert_timeout(mode, 30);

        (&pipes[17].0).write_all(b"x").unwrap();
        wait_all();
        assert_woken_by(mode, pipes[17].1.as_raw_fd(), "[POLLIN]");
        // A different set of waits, still with the ready one.
        for (_, r) in pipes.iter().rev().step_by(3) {
            poll_loop::fd_wait(r.as_raw_fd(), POLLIN);
        }
        poll_loop::fd_wait(pipes[17].1.as_raw_fd(), POLLIN);
        assert_woken_by(mode, pipes[17].1.as_raw_fd(), "[POLLIN]");
    }
}

#[test]
fn each_thread_has_its_own_poll_set() {
    let _serial = setup(Mode::Logged);
    let (mut w, r) = new_pipe();
    w.write_all(b"x").unwrap();
    let fd = r.as_raw_fd();
    std::thread::scope(|scope| {
        let waiters: Vec<_> = (0..2)
            .map(|_| {
                scope.spawn(move || {
                    let _log = support::log::capture_debug();
                    poll_loop::fd_wait(fd, POLLIN);
                    assert_woken_by(Mode::Logged, fd, "[POLLIN]");
                })
            })
            .collect();
        for waiter in waiters {
            waiter.join().unwrap();
        }
    });

    // A wait registered in this thread is not another thread's.
    poll_loop::fd_wait(fd, POLLIN);
    std::thread::scope(|scope| {
        scope
            .spawn(|| {
                let _log = support::log::capture_debug();
                assert_timeout(Mode::Logged, 30)
            })
            .join()
            .unwrap();
    });
    assert_woken_by(Mode::Logged, fd, "[POLLIN]");
}
