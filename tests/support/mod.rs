//! The one support module of the integration tests (and of the benches
//! that include it with `#[path]`).
//!
//! - here: peers a test needs ([`require`], [`require_python_ovs`]),
//!   [`TempDir`], [`free_port`], and the one poll-loop driver: [`drive`]
//!   runs a step until it says done, blocking in the poll loop between
//!   steps, and fails the test at a generous [`Deadline`] instead of
//!   hanging. Every helper that waits for something is built on it; a
//!   test that checks what one `block()` does (that a wait wakes it, how
//!   many passes a connect takes) uses [`Deadline`] itself.
//! - [`log`]: the one log capture, scoped to the test that asks for it.
//! - [`stream`]: raw stream pairs, transfers and waits.
//! - [`rpc`]: JSON-RPC connection pairs and a counting stream class.
//! - [`server`]: the JSON-RPC echo server fixture run from the test's own
//!   poll loop, and the session driver built on it.
//! - [`process`]: a child process read and reaped with a deadline.
//! - [`ovsdb`]: real ovsdb-server processes and clusters, and loopback
//!   packet-drop rules (re-exported here).
//! - [`load`]: the `load_server` example as a child process and a crowd of
//!   pipelining client sessions.
//! - [`tls`]: a PKI made with the `openssl` command line, and handshakes.
//!
//! A test that needs a peer calls [`require`]: under `CI=true` a missing
//! peer is a failure; elsewhere the test is skipped with a loud message.
#![allow(dead_code)]

pub mod load;
pub mod log;
pub mod ovsdb;
pub mod process;
pub mod rpc;
pub mod server;
pub mod stream;
#[cfg(feature = "ssl")]
pub mod tls;

#[allow(unused_imports)]
pub use ovsdb::*;

use std::fs;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

use ovsrpc::poll_loop;
use ovsrpc::timeval::time_msec;

/// How long any single wait in a test may take before it counts as a
/// hang and fails the test. Generous: the machine may be busy.
pub const DEADLINE_MS: i64 = 60_000;

/// A point in time after which a test gives up waiting for something.
pub struct Deadline {
    when: i64,
    what: String,
}

impl Deadline {
    /// A deadline [`DEADLINE_MS`] from now, for waiting on `what`.
    pub fn new(what: &str) -> Deadline {
        Deadline::after(DEADLINE_MS, what)
    }

    /// A deadline `ms` from now, for waiting on `what`.
    pub fn after(ms: i64, what: &str) -> Deadline {
        Deadline {
            when: time_msec() + ms,
            what: what.to_string(),
        }
    }

    /// When it falls (monotonic ms, as [`time_msec`]).
    pub fn when(&self) -> i64 {
        self.when
    }

    /// Fails the test if the deadline has passed.
    pub fn check(&self) {
        assert!(
            time_msec() <= self.when,
            "timed out waiting for {}",
            self.what
        );
    }

    /// Registers the deadline with the poll loop, blocks, then checks it.
    pub fn block(&self) {
        poll_loop::timer_wait_until(self.when);
        poll_loop::block();
        self.check();
    }
}

/// The one poll-loop driver: calls `step`, which runs everything the test
/// drives and returns true when what it waits for holds, or else registers
/// with the poll loop what it waits on; then blocks. Fails the test after
/// [`DEADLINE_MS`], naming `what`.
pub fn drive(what: &str, step: impl FnMut() -> bool) {
    drive_within(DEADLINE_MS, what, step);
}

/// [`drive`] with a deadline `ms` from now instead of [`DEADLINE_MS`].
pub fn drive_within(ms: i64, what: &str, step: impl FnMut() -> bool) {
    assert!(
        drive_until(time_msec() + ms, step),
        "timed out after {ms} ms waiting for: {what}"
    );
}

/// The loop under [`drive`], for callers that handle the deadline
/// themselves: runs `step` as [`drive`] does until it returns true (then
/// true) or until `deadline` (monotonic ms) has passed (then false).
pub fn drive_until(deadline: i64, mut step: impl FnMut() -> bool) -> bool {
    loop {
        if step() {
            return true;
        }
        if time_msec() >= deadline {
            return false;
        }
        poll_loop::timer_wait_until(deadline);
        poll_loop::block();
    }
}

/// Path of an example binary built next to this test or bench binary.
pub fn example_path(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("current exe");
    // target/<profile>/deps/<this binary>
    let profile_dir = exe.parent().and_then(Path::parent).expect("target dir");
    let path = profile_dir.join("examples").join(name);
    assert!(
        path.is_file(),
        "{} not found: build it with `cargo build --examples` (cargo test and make do)",
        path.display()
    );
    path
}

/// Finds an executable by name in the usual places.
pub fn find_tool(name: &str) -> Option<PathBuf> {
    let mut dirs: Vec<PathBuf> = vec!["/usr/sbin".into(), "/usr/bin".into(), "/sbin".into()];
    if let Some(path) = std::env::var_os("PATH") {
        dirs.extend(std::env::split_paths(&path));
    }
    dirs.into_iter().map(|d| d.join(name)).find(|p| p.is_file())
}

/// True when running under CI (`CI=true`), where missing peers are failures.
pub fn in_ci() -> bool {
    std::env::var("CI")
        .map(|v| v == "true" || v == "1")
        .unwrap_or(false)
}

/// Fails the test under CI, otherwise prints a loud skip message: for a
/// test that cannot run here.
pub fn skip(msg: &str) {
    if in_ci() {
        panic!("{msg}");
    }
    eprintln!("\n*** SKIPPED: {msg} ***\n");
}

/// Returns the path of a required peer program. When it is missing: panics
/// under CI, otherwise prints a loud skip message and returns None.
pub fn require(name: &str, package: &str) -> Option<PathBuf> {
    let found = find_tool(name);
    if found.is_none() {
        skip(&format!(
            "{name} not found: install Debian package {package} (apt-get install -y {package})"
        ));
    }
    found
}

/// True when `/usr/bin/python3` can import the `ovs` module; panics under CI
/// when it cannot, otherwise prints a loud skip message.
pub fn require_python_ovs() -> bool {
    let ok = Command::new("/usr/bin/python3")
        .args(["-c", "import ovs.jsonrpc, ovs.stream, ovs.poller"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    if !ok {
        skip(
            "Python module ovs not importable by /usr/bin/python3: \
             install Debian package python3-openvswitch",
        );
    }
    ok
}

/// Whether `::1` can be bound. Without it the IPv6 tests are skipped with a
/// loud message, except under CI (`CI=true`), where that is a failure.
pub fn ipv6_available(test: &str) -> bool {
    match TcpListener::bind("[::1]:0") {
        Ok(_) => true,
        Err(e) => {
            skip(&format!("{test}: ::1 is not usable here ({e})"));
            false
        }
    }
}

/// A directory under the system temp dir, removed with its contents on drop.
pub struct TempDir(PathBuf);

impl TempDir {
    /// Creates a new, empty, uniquely named directory.
    pub fn new(tag: &str) -> TempDir {
        static N: AtomicUsize = AtomicUsize::new(0);
        let n = N.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!(
            "ovsrpc-{tag}-{}-{n}-{}",
            std::process::id(),
            fastrand::u32(..)
        ));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).expect("create temp dir");
        TempDir(dir)
    }

    /// The directory's path.
    pub fn path(&self) -> &Path {
        &self.0
    }

    /// A path inside the directory.
    pub fn join(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }

    /// A path inside the directory, as a string.
    pub fn file(&self, name: &str) -> String {
        self.0
            .join(name)
            .to_str()
            .expect("utf-8 temp path")
            .to_string()
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// A TCP port on 127.0.0.1 that was free a moment ago.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("bind 127.0.0.1:0")
        .port()
}
