//! The reconnect FSM as a whole: scripted scenarios run through
//! `ovstest test-reconnect` and compared byte for byte with transcripts
//! derived from the FSM's rules, the driver's handling of bad input, and
//! the FSM's log messages (OVS's wording and levels).

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use libc::{EADDRINUSE, ECONNREFUSED, ECONNRESET, ENOMEM};
use log::Level;
use ovsrpc::error::EOF;
use ovsrpc::reconnect::Reconnect;
use support::process::Output;

// ---------------------------------------------------------------------------
// Running the driver.

fn scripts_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/scripts")
}

/// Runs `ovstest test-reconnect` with `input` on its standard input.
fn ovstest(input: &[u8]) -> Output {
    let mut child = support::process::Process::spawn(
        Command::new(env!("CARGO_BIN_EXE_ovstest"))
            .arg("test-reconnect")
            .stdin(Stdio::piped()),
        "ovstest test-reconnect",
    );
    child.feed(input.to_vec());
    child.output()
}

/// A line diff of `expected` and `actual`: `-` for expected lines that
/// are missing, `+` for unexpected ones, and up to three common lines
/// (two spaces) around each change.
fn diff(expected: &str, actual: &str) -> String {
    let a: Vec<&str> = expected.lines().collect();
    let b: Vec<&str> = actual.lines().collect();
    // Longest common subsequence table, from the ends.
    let mut lcs = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            lcs[i][j] = if a[i] == b[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let (mut i, mut j) = (0, 0);
    let mut lines: Vec<(char, &str)> = Vec::new();
    while i < a.len() || j < b.len() {
        if i < a.len() && j < b.len() && a[i] == b[j] {
            lines.push((' ', a[i]));
            i += 1;
            j += 1;
        } else if j < b.len() && (i == a.len() || lcs[i][j + 1] >= lcs[i + 1][j]) {
            lines.push(('+', b[j]));
            j += 1;
        } else {
            lines.push(('-', a[i]));
            i += 1;
        }
    }
    const CONTEXT: usize = 3;
    let changed: Vec<usize> = (0..lines.len()).filter(|&k| lines[k].0 != ' ').collect();
    let near = |k: usize| changed.iter().any(|&c| k.abs_diff(c) <= CONTEXT);
    let mut out = String::new();
    let mut skipped = false;
    for (k, (tag, text)) in lines.iter().enumerate() {
        if near(k) {
            if skipped {
                out += "  ...\n";
                skipped = false;
            }
            out += &format!("{tag} {text}\n");
        } else {
            skipped = true;
        }
    }
    out
}

/// Runs tests/scripts/NAME.reconnect and compares standard output with
/// tests/scripts/NAME.expected.
fn check_script(name: &str) {
    let dir = scripts_dir();
    let script = std::fs::read(dir.join(format!("{name}.reconnect"))).expect("read script");
    let expected =
        std::fs::read_to_string(dir.join(format!("{name}.expected"))).expect("read transcript");
    let output = ovstest(&script);
    let actual = output.stdout.as_str();
    assert!(
        output.code == Some(0),
        "{name}: ovstest exited with {:?}: {}",
        output.code,
        output.stderr.as_str()
    );
    assert!(
        actual == expected,
        "{name}: transcript differs (- expected, + actual):\n{}",
        diff(&expected, actual)
    );
}

/// One test per scenario script.
macro_rules! scenarios {
    ($($test:ident => $name:literal,)*) => {
        $(
            #[test]
            fn $test() {
                check_script($name);
            }
        )*

        /// Every script in tests/scripts has a test and a transcript.
        #[test]
        fn every_script_is_checked() {
            let mut listed = vec![$($name),*];
            listed.sort_unstable();
            let mut found: Vec<String> = std::fs::read_dir(scripts_dir())
                .expect("list tests/scripts")
                .filter_map(|entry| {
                    let name = entry.ok()?.file_name().into_string().ok()?;
                    name.strip_suffix(".reconnect").map(str::to_string)
                })
                .collect();
            found.sort_unstable();
            assert_eq!(found, listed);
            for name in &found {
                assert!(
                    scripts_dir().join(format!("{name}.expected")).exists(),
                    "{name}.expected is missing"
                );
            }
        }
    };
}

scenarios! {
    quick_connect_then_idle_disconnect => "quick-connect-idle-disconnect",
    slow_connect => "slow-connect",
    connect_failures_back_off_to_the_cap => "backoff-to-cap",
    idle_probe_then_disconnect => "idle-probe-disconnect",
    activity_postpones_the_probe => "activity-postpones-probe",
    passive_listening_with_listen_errors => "passive-listen-errors",
    max_tries_exhaustion => "max-tries",
    backoff_free_tries => "backoff-free-tries",
    receive_attempted => "receive-attempted",
    force_reconnect => "force-reconnect",
    disable_while_connected => "disable-while-connected",
    connection_dropped_right_after_connecting => "dropped-after-connect",
    long_connection_resets_backoff => "long-connection-resets-backoff",
    nothing_happens_until_enabled => "not-enabled",
    demo => "demo",
}

// ---------------------------------------------------------------------------
// The driver's handling of unusual input.

#[test]
fn empty_script_prints_only_the_start() {
    let output = ovstest(b"");
    assert!(output.code == Some(0));
    assert_eq!(output.stdout, "### t=1000 ###\n");
}

#[test]
fn last_line_without_newline_is_run() {
    let output = ovstest(b"enable");
    assert!(output.code == Some(0));
    assert_eq!(
        output.stdout.as_str(),
        "### t=1000 ###\nenable  in BACKOFF for 0 ms (0 ms backoff)\n"
    );
}

#[test]
fn words_may_be_quoted_and_separated_by_any_white_space() {
    let output = ovstest(b"\t'enable'  \r\nrun \"500\"\n");
    assert!(output.code == Some(0));
    assert_eq!(
        output.stdout.as_str(),
        "### t=1000 ###\n\t'enable'  \r\n  in BACKOFF for 0 ms (0 ms backoff)\n\
         run \"500\"\n  should connect\n\n### t=1500 ###\n  in BACKOFF for 500 ms (0 ms backoff)\n"
    );
}

/// Runs a script that must fail; returns (stdout, stderr).
fn fails(script: &[u8]) -> (String, String) {
    let output = ovstest(script);
    assert_eq!(output.code, Some(1), "exit status");
    (output.stdout.clone(), output.stderr.clone())
}

#[test]
fn unknown_command_is_fatal_after_its_echo() {
    let (stdout, stderr) = fails(b"enable\nfrobnicate now\nrun\n");
    assert_eq!(
        stdout,
        "### t=1000 ###\nenable\n  in BACKOFF for 0 ms (0 ms backoff)\nfrobnicate now\n"
    );
    assert!(
        stderr.contains("unknown command 'frobnicate'"),
        "stderr: {stderr}"
    );
}

#[test]
fn unknown_error_name_is_fatal() {
    let (_, stderr) = fails(b"enable\nrun\nconnect-failed EBUSY\n");
    assert!(stderr.contains("unknown error 'EBUSY'"), "stderr: {stderr}");
}

#[test]
fn argument_counts_are_checked() {
    let (_, stderr) = fails(b"enable now\n");
    assert!(
        stderr.contains("'enable' command takes at most 0 arguments"),
        "stderr: {stderr}"
    );
    let (_, stderr) = fails(b"advance\n");
    assert!(
        stderr.contains("'advance' command requires at least 1 arguments"),
        "stderr: {stderr}"
    );
}

#[test]
fn receive_attempted_takes_now_or_llong_max() {
    let (_, stderr) = fails(b"receive-attempted 5\n");
    assert!(
        stderr.contains("receive-attempted: bad argument 5"),
        "stderr: {stderr}"
    );
}

#[test]
fn max_tries_from_a_negative_number_wraps_as_unsigned() {
    let output = ovstest(b"set-max-tries -2\n");
    assert!(output.code == Some(0));
    assert_eq!(
        output.stdout.as_str(),
        "### t=1000 ###\nset-max-tries -2\n  4294967294 tries left\n"
    );
}

// ---------------------------------------------------------------------------
// Log messages, captured per test by the support module's logger.

/// Starts capturing this test's log messages, debug ones included.
fn capture() -> support::log::Capture {
    support::log::capture_debug()
}

/// The reconnect module's messages logged since the last call, at `min`
/// level or more severe.
fn logged(min: Level) -> Vec<(Level, String)> {
    support::log::take()
        .into_iter()
        .filter(|l| l.target.starts_with("ovsrpc::reconnect") && l.level <= min)
        .map(|l| (l.level, l.text))
        .collect()
}

fn msgs(list: &[(Level, &str)]) -> Vec<(Level, String)> {
    list.iter()
        .map(|(level, text)| (*level, text.to_string()))
        .collect()
}

#[test]
fn connection_attempts_log_until_the_backoff_is_at_its_maximum() {
    let _log = capture();
    let mut fsm = Reconnect::new(1000);
    fsm.set_name("tcp:127.0.0.1:6640");
    fsm.enable(1000);
    fsm.connecting(1000);
    fsm.connect_failed(2000, ECONNREFUSED);
    assert_eq!(
        logged(Level::Info),
        msgs(&[
            (Level::Info, "tcp:127.0.0.1:6640: connecting..."),
            (
                Level::Info,
                "tcp:127.0.0.1:6640: connection attempt failed (Connection refused)"
            ),
        ])
    );
    fsm.connect_failed(3000, 0);
    assert_eq!(
        logged(Level::Info),
        msgs(&[
            (Level::Info, "tcp:127.0.0.1:6640: connecting..."),
            (
                Level::Info,
                "tcp:127.0.0.1:6640: connection attempt timed out"
            ),
            (
                Level::Info,
                "tcp:127.0.0.1:6640: waiting 2 seconds before reconnect"
            ),
        ])
    );
    fsm.connect_failed(5000, ECONNREFUSED);
    fsm.connect_failed(9000, ECONNREFUSED);
    assert_eq!(
        logged(Level::Info),
        msgs(&[
            (Level::Info, "tcp:127.0.0.1:6640: connecting..."),
            (
                Level::Info,
                "tcp:127.0.0.1:6640: connection attempt failed (Connection refused)"
            ),
            (
                Level::Info,
                "tcp:127.0.0.1:6640: waiting 4 seconds before reconnect"
            ),
            (Level::Info, "tcp:127.0.0.1:6640: connecting..."),
            (
                Level::Info,
                "tcp:127.0.0.1:6640: connection attempt failed (Connection refused)"
            ),
            (
                Level::Info,
                "tcp:127.0.0.1:6640: continuing to reconnect in the background but \
                 suppressing further logging"
            ),
        ])
    );
    // At the maximum backoff, attempts and failures are not logged.
    fsm.connect_failed(17000, ECONNREFUSED);
    fsm.connect_failed(25000, 0);
    assert_eq!(logged(Level::Info), []);
    // A success still is.
    fsm.connected(33000);
    assert_eq!(
        logged(Level::Info),
        msgs(&[(Level::Info, "tcp:127.0.0.1:6640: connected")])
    );
}

#[test]
fn disconnections_log_why() {
    let _log = capture();
    let mut fsm = Reconnect::new(1000);
    fsm.set_name("unix:db.sock");
    fsm.receive_attempted(i64::MAX);
    fsm.enable(1000);
    fsm.connected(1000);
    fsm.disconnected(1500, EOF);
    fsm.connected(2500);
    fsm.disconnected(2600, ECONNRESET);
    fsm.connected(4600);
    fsm.disconnected(4700, 0);
    assert_eq!(
        logged(Level::Info),
        msgs(&[
            (Level::Info, "unix:db.sock: connecting..."),
            (Level::Info, "unix:db.sock: connected"),
            (Level::Info, "unix:db.sock: connection closed by peer"),
            (Level::Info, "unix:db.sock: connecting..."),
            (Level::Info, "unix:db.sock: connected"),
            (
                Level::Warn,
                "unix:db.sock: connection dropped (Connection reset by peer)"
            ),
            (
                Level::Info,
                "unix:db.sock: waiting 2 seconds before reconnect"
            ),
            (Level::Info, "unix:db.sock: connecting..."),
            (Level::Info, "unix:db.sock: connected"),
            (Level::Info, "unix:db.sock: connection dropped"),
            (
                Level::Info,
                "unix:db.sock: waiting 4 seconds before reconnect"
            ),
        ])
    );
}

#[test]
fn passive_mode_logs_listening() {
    let _log = capture();
    let mut fsm = Reconnect::new(1000);
    fsm.set_name("ptcp:6640");
    fsm.set_passive(true, 1000);
    fsm.enable(1000);
    fsm.listening(1000);
    fsm.listen_error(1000, ENOMEM);
    fsm.connect_failed(2000, EADDRINUSE);
    fsm.listening(4000);
    fsm.listen_error(4000, 0);
    fsm.connect_failed(8000, 0);
    fsm.connected(16000);
    fsm.disconnected(16500, EOF);
    assert_eq!(
        logged(Level::Info),
        msgs(&[
            (Level::Info, "ptcp:6640: listening..."),
            (
                Level::Warn,
                "ptcp:6640: error listening for connections (Cannot allocate memory)"
            ),
            (Level::Info, "ptcp:6640: listening..."),
            (
                Level::Info,
                "ptcp:6640: listen attempt failed (Address already in use)"
            ),
            (
                Level::Info,
                "ptcp:6640: waiting 2 seconds before trying to listen again"
            ),
            (Level::Info, "ptcp:6640: listening..."),
            (Level::Info, "ptcp:6640: error listening for connections"),
            (
                Level::Info,
                "ptcp:6640: waiting 4 seconds before trying to listen again"
            ),
            (Level::Info, "ptcp:6640: listening..."),
            (Level::Info, "ptcp:6640: listen attempt timed out"),
            (
                Level::Info,
                "ptcp:6640: continuing to try to listen in the background but \
                 suppressing further logging"
            ),
            (Level::Info, "ptcp:6640: listening..."),
            (Level::Info, "ptcp:6640: connected"),
            (Level::Info, "ptcp:6640: connection closed by peer"),
        ])
    );
}

#[test]
fn probes_log_idleness_and_the_disconnection() {
    let _log = capture();
    let mut fsm = Reconnect::new(1000);
    fsm.set_name("tcp:10.0.0.1:6641");
    fsm.receive_attempted(i64::MAX);
    fsm.enable(1000);
    fsm.connected(1000);
    logged(Level::Trace);
    assert_eq!(
        fsm.run(6000),
        Some(ovsrpc::reconnect::Action::Probe),
        "probe at t=6000"
    );
    assert_eq!(
        fsm.run(11500),
        Some(ovsrpc::reconnect::Action::Disconnect),
        "disconnect at t=11500"
    );
    assert_eq!(
        logged(Level::Debug),
        msgs(&[
            (
                Level::Debug,
                "tcp:10.0.0.1:6641: idle 5000 ms, sending inactivity probe"
            ),
            (
                Level::Debug,
                "tcp:10.0.0.1:6641: entering IDLE (ACTIVE=>IDLE)"
            ),
            (
                Level::Error,
                "tcp:10.0.0.1:6641: no response to inactivity probe after 5.5 seconds, \
                 disconnecting"
            ),
        ])
    );
}

#[test]
fn transitions_are_logged_at_debug_level() {
    let _log = capture();
    let mut fsm = Reconnect::new(1000);
    fsm.set_name("r");
    fsm.enable(1000);
    fsm.connected(1000);
    fsm.disable(1000);
    let transitions: Vec<(Level, String)> = logged(Level::Trace)
        .into_iter()
        .filter(|(_, text)| text.contains("entering"))
        .collect();
    assert_eq!(
        transitions,
        msgs(&[
            (Level::Debug, "r: entering BACKOFF (VOID=>BACKOFF)"),
            (Level::Debug, "r: entering CONNECTING (BACKOFF=>CONNECTING)"),
            (Level::Debug, "r: entering ACTIVE (CONNECTING=>ACTIVE)"),
            (Level::Debug, "r: entering VOID (ACTIVE=>VOID)"),
        ])
    );
}

#[test]
fn quiet_turns_informational_messages_into_debug_ones() {
    let _log = capture();
    let mut fsm = Reconnect::new(1000);
    fsm.set_name("q");
    fsm.set_quiet(true);
    fsm.set_backoff(1000, 2000);
    fsm.enable(1000);
    fsm.connect_failed(1000, ECONNREFUSED);
    fsm.connect_failed(2000, 0);
    fsm.connected(4000);
    fsm.disconnected(4100, ECONNRESET);
    // OVS logs a failed attempt and the "continuing" notice at info level
    // whatever the setting, and warnings stay warnings.
    assert_eq!(
        logged(Level::Info),
        msgs(&[
            (
                Level::Info,
                "q: connection attempt failed (Connection refused)"
            ),
            (
                Level::Info,
                "q: continuing to reconnect in the background but suppressing further logging"
            ),
            (
                Level::Warn,
                "q: connection dropped (Connection reset by peer)"
            ),
        ])
    );
    // Back at info level (with no "connecting..." at the maximum backoff).
    fsm.set_quiet(false);
    fsm.connected(20000);
    assert_eq!(logged(Level::Info), msgs(&[(Level::Info, "q: connected")]));
}
