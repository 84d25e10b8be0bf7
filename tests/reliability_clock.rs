//! The wall clock jumps: timers run on the monotonic clock and are
//! unaffected.
//!
//! Changing the machine's real clock is not acceptable in a test, and a
//! time namespace (`unshare --time`) offsets CLOCK_MONOTONIC and
//! CLOCK_BOOTTIME only, never CLOCK_REALTIME: the opposite of what is
//! needed. So the test re-runs itself as a child process under
//! libfaketime (Debian package `faketime`), with `LD_PRELOAD`, the fake
//! offset read from a file on every clock read (`FAKETIME_NO_CACHE=1`)
//! and the monotonic clock left real (`FAKETIME_DONT_FAKE_MONOTONIC=1`).
//! The child moves its own wall clock a day forward and two days back by
//! rewriting that file while poll-loop timers and a session's reconnect
//! backoff are running, and checks:
//!
//! * the jumps are real for the process (`time_wall_msec` moves by a day)
//!   while `time_msec` does not;
//! * a poll-loop timer fires no earlier than its monotonic deadline after
//!   a forward jump (a wall-clock timer would fire at once) and does fire
//!   after a backward jump (a wall-clock timer would wait a day);
//! * a session's reconnect backoff lasts its full monotonic length across
//!   a forward jump, and the session keeps retrying across a backward one.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use ovsrpc::jsonrpc::JsonrpcSession;
use ovsrpc::poll_loop;
use ovsrpc::timeval::{time_msec, time_wall_msec};
use support::process::Process;

/// Set in the child: the path of the faketime offset file.
const CHILD_ENV: &str = "OVSRPC_CLOCK_CHILD";
const DAY_MS: i64 = 86_400_000;

fn libfaketime() -> Option<PathBuf> {
    let lib = [
        "/usr/lib/x86_64-linux-gnu",
        "/usr/lib/aarch64-linux-gnu",
        "/usr/lib",
    ]
    .iter()
    .map(|d| Path::new(d).join("faketime/libfaketime.so.1"))
    .find(|p| p.is_file());
    if lib.is_none() {
        support::skip(
            "libfaketime not found: install Debian package faketime \
             (apt-get install -y faketime)",
        );
    }
    lib
}

#[test]
fn wall_clock_jumps_do_not_move_timers() {
    if let Ok(offset_file) = std::env::var(CHILD_ENV) {
        child(Path::new(&offset_file));
        return;
    }
    let Some(lib) = libfaketime() else { return };
    let dir = support::TempDir::new("clock");
    let offset_file = dir.join("offset");
    std::fs::write(&offset_file, "+0\n").unwrap();
    let child = Process::spawn(
        Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "wall_clock_jumps_do_not_move_timers",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(CHILD_ENV, &offset_file)
            .env("LD_PRELOAD", &lib)
            .env("FAKETIME_TIMESTAMP_FILE", &offset_file)
            .env("FAKETIME_NO_CACHE", "1")
            .env("FAKETIME_DONT_FAKE_MONOTONIC", "1")
            .stdin(Stdio::null()),
        "the test under libfaketime",
    );
    let (code, stdout, stderr) = child.finish();
    assert!(
        code == Some(0) && stderr.contains("clock child: ok"),
        "child failed ({code:?}):\n{stdout}\n{stderr}"
    );
    eprintln!(
        "{}",
        stderr
            .lines()
            .filter(|l| l.starts_with("clock child"))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

/// Sets the child's wall clock offset from the real time.
fn jump(offset_file: &Path, offset: &str) {
    std::fs::write(offset_file, format!("{offset}\n")).unwrap();
}

/// Registers a timer of `ms` milliseconds (the only thing the poll loop
/// waits on), moves the wall clock to `offset`, and blocks once; returns
/// the monotonic time until the timer woke the loop. A timer that fired
/// early shows as less than `ms`.
fn timer_across_jump(offset_file: &Path, ms: i64, offset: &str) -> i64 {
    let t0 = time_msec();
    poll_loop::timer_wait_until(t0 + ms);
    jump(offset_file, offset);
    poll_loop::block();
    time_msec() - t0
}

fn child(offset_file: &Path) {
    // The jumps are real for this process, and only for the wall clock.
    jump(offset_file, "+0");
    let (w0, m0) = (time_wall_msec(), time_msec());
    jump(offset_file, "+1d");
    let (w1, m1) = (time_wall_msec(), time_msec());
    assert!(
        w1 - w0 >= DAY_MS - 60_000,
        "wall clock moved {} ms",
        w1 - w0
    );
    assert!(m1 - m0 < 60_000, "monotonic clock moved {} ms", m1 - m0);
    jump(offset_file, "-1d");
    let w2 = time_wall_msec();
    assert!(
        w1 - w2 >= 2 * DAY_MS - 60_000,
        "wall clock went back {} ms",
        w1 - w2
    );
    eprintln!(
        "clock child: wall clock jumped +1 day and -2 days; monotonic moved {} ms",
        time_msec() - m0
    );

    // A timer does not fire early when the wall clock jumps forward...
    jump(offset_file, "+0");
    let took = timer_across_jump(offset_file, 300, "+1d");
    assert!(took >= 300, "a 300 ms timer fired after {took} ms");
    // ... and does fire when it jumps back.
    let took = timer_across_jump(offset_file, 200, "-1d");
    assert!(
        (200..60_000).contains(&took),
        "a 200 ms timer took {took} ms"
    );
    eprintln!("clock child: timers of 300 and 200 ms across jumps took their monotonic time");

    // A session's reconnect backoff: the first attempt fails at once (no
    // such socket), the FSM backs off 1 s, then 2 s. Jump a day forward
    // right after the first failure and two days back after the second.
    jump(offset_file, "+0");
    let missing = offset_file.with_file_name("no-such.sock");
    let mut s = JsonrpcSession::open(&format!("unix:{}", missing.display()), true);
    let mut attempts: Vec<i64> = Vec::new();
    support::drive("three connection attempts", || {
        s.run();
        let n = s.get_reconnect_stats().n_attempted_connections as usize;
        while attempts.len() < n {
            attempts.push(time_msec());
            match attempts.len() {
                1 => jump(offset_file, "+1d"),
                2 => jump(offset_file, "-1d"),
                _ => {}
            }
        }
        s.wait();
        attempts.len() >= 3
    });
    let gaps = [attempts[1] - attempts[0], attempts[2] - attempts[1]];
    assert!(gaps[0] >= 1000, "backoff after a forward jump: {gaps:?}");
    assert!(gaps[1] >= 2000, "backoff after a backward jump: {gaps:?}");
    assert!(gaps[1] < 30_000, "backoff after a backward jump: {gaps:?}");
    jump(offset_file, "+0");
    eprintln!("clock child: reconnect backoffs across jumps took {gaps:?} ms (1000 and 2000 due)");
    eprintln!("clock child: ok");
}
