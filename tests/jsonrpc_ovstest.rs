//! `ovstest test-jsonrpc listen|request|notify` with `--detach` and
//! `--pidfile`, as OVS's `test-jsonrpc` has them.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use ovsrpc::poll_loop;
use support::process::{Output, Process};
use support::{Deadline, TempDir};

/// Runs `ovstest test-jsonrpc ARGS...` in `dir`; fails the test if it
/// does not exit within the deadline.
fn ovstest(dir: &Path, args: &[&str]) -> Output {
    let child = Process::spawn(
        Command::new(env!("CARGO_BIN_EXE_ovstest"))
            .arg("test-jsonrpc")
            .args(args)
            .current_dir(dir)
            .stdin(Stdio::null()),
        &format!("ovstest test-jsonrpc {}", args.join(" ")),
    );
    child.output()
}

/// A daemon started with `--detach --pidfile`: killed on drop if the test
/// did not shut it down.
struct Daemon {
    pidfile: PathBuf,
    pid: i32,
}

impl Daemon {
    fn start(dir: &Path, args: &[&str], pidfile: PathBuf) -> Daemon {
        let out = ovstest(dir, args);
        assert!(out.success(), "listen --detach failed: {}", out.stderr);
        assert_eq!(out.stdout, "", "the parent prints nothing");
        let text = std::fs::read_to_string(&pidfile).expect("pidfile exists once detached");
        let pid: i32 = text.trim().parse().expect("pid");
        assert_eq!(text, format!("{pid}\n"));
        assert!(Path::new(&format!("/proc/{pid}")).exists());
        Daemon { pidfile, pid }
    }

    /// Starts `listen --detach` on a unix socket in `dir`, with its pidfile
    /// there too; returns it and the socket's active name.
    fn listen_unix(dir: &Path) -> (Daemon, String) {
        let sock = dir.join("rpc.sock");
        let listen = format!("punix:{}", sock.display());
        let pidfile = dir.join("listen.pid");
        let pidarg = format!("--pidfile={}", pidfile.display());
        let daemon = Daemon::start(
            dir,
            &["--detach", &pidarg, "--no-chdir", "listen", &listen],
            pidfile,
        );
        (daemon, format!("unix:{}", sock.display()))
    }

    /// Waits (poll-loop timer, with a deadline) until the daemon has removed
    /// its pidfile and is gone (or a zombie waiting to be reaped).
    fn wait_for_exit(&mut self) {
        let d = Deadline::new(&format!("daemon {} to exit", self.pid));
        loop {
            let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.pid));
            let gone = match &stat {
                Err(_) => true,
                Ok(s) => s
                    .rsplit(')')
                    .next()
                    .is_some_and(|rest| rest.trim_start().starts_with('Z')),
            };
            if gone && !self.pidfile.exists() {
                self.pid = 0;
                return;
            }
            // A detached daemon is nobody's child: nothing to wait on but
            // its /proc entry, looked at every 10 ms.
            poll_loop::timer_wait(10);
            poll_loop::block();
            d.check();
        }
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        if self.pid > 0 {
            support::process::signal(self.pid, "KILL");
        }
    }
}

#[test]
fn detached_listener_serves_requests_until_shutdown() {
    let dir = TempDir::new("ovstest-jsonrpc");
    let (mut daemon, remote) = Daemon::listen_unix(dir.path());

    // The socket accepts connections as soon as the parent has exited.
    let out = ovstest(
        dir.path(),
        &[
            "request",
            &remote,
            "echo",
            r#"[1, "two", {"b": [], "a": null}]"#,
        ],
    );
    assert!(out.success(), "{}", out.stderr);
    assert_eq!(
        out.stdout,
        "{\"error\":null,\"id\":0,\"result\":[1,\"two\",{\"a\":null,\"b\":[]}]}\n"
    );

    let out = ovstest(dir.path(), &["request", &remote, "frobnicate", "[]"]);
    assert!(out.success(), "{}", out.stderr);
    assert_eq!(
        out.stdout,
        "{\"error\":{\"error\":\"unknown method\"},\"id\":0,\"result\":null}\n"
    );

    // A notification other than shutdown is ignored.
    let out = ovstest(dir.path(), &["notify", &remote, "hello", "[]"]);
    assert!(out.success(), "{}", out.stderr);
    assert_eq!(out.stdout, "");
    let out = ovstest(dir.path(), &["request", &remote, "echo", "[]"]);
    assert_eq!(out.stdout, "{\"error\":null,\"id\":0,\"result\":[]}\n");

    let out = ovstest(dir.path(), &["notify", &remote, "shutdown", "[]"]);
    assert!(out.success(), "{}", out.stderr);
    daemon.wait_for_exit();

    // Nobody listens any more.
    let out = ovstest(dir.path(), &["request", &remote, "echo", "[]"]);
    assert_eq!(out.code, Some(1));
}

#[test]
fn pidfile_defaults_to_the_working_directory() {
    let dir = TempDir::new("ovstest-jsonrpc-pid");
    let port = support::free_port();
    let listen = format!("ptcp:{port}:127.0.0.1");
    let remote = format!("tcp:127.0.0.1:{port}");
    let mut daemon = Daemon::start(
        dir.path(),
        &["--detach", "--pidfile", "listen", &listen],
        dir.join("test-jsonrpc.pid"),
    );
    let out = ovstest(dir.path(), &["request", &remote, "echo", r#"["tcp"]"#]);
    assert!(out.success(), "{}", out.stderr);
    assert_eq!(
        out.stdout,
        "{\"error\":null,\"id\":0,\"result\":[\"tcp\"]}\n"
    );
    let out = ovstest(dir.path(), &["notify", &remote, "shutdown", "[]"]);
    assert!(out.success(), "{}", out.stderr);
    daemon.wait_for_exit();
}

/// Exit status 1 with a one-line message on standard error, from
/// test-jsonrpc, that contains every one of `needles`.
#[track_caller]
fn assert_fails(out: &Output, needles: &[&str]) {
    assert_eq!(out.code, Some(1), "{}", out.stdout);
    let err = &out.stderr;
    assert_eq!(err.lines().count(), 1, "{err:?}");
    assert!(err.ends_with('\n'));
    assert!(err.starts_with("test-jsonrpc: "), "{err:?}");
    for needle in needles {
        assert!(err.contains(needle), "{err:?} does not say {needle:?}");
    }
    assert_eq!(out.stdout, "");
}

#[test]
fn errors_are_one_line_and_exit_status_one() {
    let dir = TempDir::new("ovstest-jsonrpc-err");
    let nowhere = format!("unix:{}", dir.join("nobody.sock").display());
    for command in ["request", "notify"] {
        let out = ovstest(dir.path(), &[command, &nowhere, "echo", "[]"]);
        assert_fails(
            &out,
            &[&nowhere, "could not open", "No such file or directory"],
        );
    }
    let port = support::free_port();
    let refused = format!("tcp:127.0.0.1:{port}");
    let out = ovstest(dir.path(), &["request", &refused, "echo", "[]"]);
    assert_fails(&out, &[&refused, "could not open", "Connection refused"]);

    // PARAMS must be a JSON array text: refused before connecting, here to
    // a listener that would answer a well-formed request.
    let (mut daemon, remote) = Daemon::listen_unix(dir.path());
    let out = ovstest(dir.path(), &["request", &remote, "echo", "[]"]);
    assert!(out.success(), "the listener answers: {}", out.stderr);
    let out = ovstest(dir.path(), &["request", &remote, "echo", "{}"]);
    assert_fails(&out, &["{}: not a JSON array"]);
    let out = ovstest(dir.path(), &["request", &remote, "echo", "[1,"]);
    assert_fails(&out, &["[1,: ", "unexpected end of input"]);
    let out = ovstest(dir.path(), &["notify", &remote, "echo", "nope"]);
    assert_fails(&out, &["nope: ", "invalid keyword 'nope'"]);
    let out = ovstest(dir.path(), &["notify", &remote, "shutdown", "[]"]);
    assert!(out.success(), "{}", out.stderr);
    daemon.wait_for_exit();

    // A name that is not a passive one (the stream layer logs why, too).
    let out = ovstest(dir.path(), &["listen", "tcp:127.0.0.1:1"]);
    assert_eq!(out.code, Some(1));
    assert!(out.stderr.contains("could not listen on"), "{}", out.stderr);
}
