//! The example programs against each other and against Open vSwitch's own
//! ovsdb-server and ovsdb-client: the Rust client and server
//! (`examples/client.rs`, `examples/server.rs`) and the C ones
//! (`examples/c_client.c`, `examples/c_server.c`).
//!
//! Nothing is built here. The Rust examples are the binaries Cargo builds
//! next to this test (`cargo test` and `cargo test --all-targets` build
//! examples; `cargo test --test examples` alone does not, so run
//! `cargo build --examples` first in that case). The C examples are looked
//! for in `$C_EXAMPLES_DIR`, `target/c-examples/` and `tests/c/build/`
//! (`make examples-c`); when they are missing their tests fail under
//! `CI=true` and are skipped loudly elsewhere, as are the tests that need
//! ovsdb-server.

mod support;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use support::process::{Output, Process};

/// The client's own timeout, in seconds: shorter than the support
/// module's deadline, so that a stuck client says so itself.
const CLIENT_TIMEOUT_S: u32 = 30;

/// A C example binary, if it has been built. Missing: a failure under
/// `CI=true`, a loud skip (None) elsewhere.
fn c_example(name: &str) -> Option<PathBuf> {
    let target = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("target dir")
        .to_path_buf();
    let mut dirs: Vec<PathBuf> = Vec::new();
    if let Some(d) = std::env::var_os("C_EXAMPLES_DIR") {
        dirs.push(d.into());
    }
    dirs.push(target.join("c-examples"));
    dirs.push(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/c/build"));
    if let Some(p) = dirs.iter().map(|d| d.join(name)).find(|p| p.is_file()) {
        return Some(p);
    }
    support::skip(&format!(
        "C example {name} not built (looked in {}): run `make examples-c`",
        dirs.iter()
            .map(|d| d.display().to_string())
            .collect::<Vec<_>>()
            .join(", ")
    ));
    None
}

/// A running server example, killed on drop.
struct Server {
    process: Process,
    /// The active name a client uses to reach it.
    remote: String,
}

impl Server {
    /// Starts `program` (an example server) listening on `listen` and waits
    /// for its `listening on NAME` line.
    fn start(program: &Path, listen: &str) -> Server {
        let mut process = Process::spawn(
            Command::new(program).arg(listen).stdin(Stdio::null()),
            &program.display().to_string(),
        );
        let line = process.line();
        let name = line
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("unexpected first line from the server: {line:?}"));
        Server {
            remote: active_name(name),
            process,
        }
    }

    fn kill(&mut self) {
        self.process.kill();
    }
}

/// The active name for a listener's name: `punix:PATH` -> `unix:PATH`,
/// `ptcp:PORT:IP` -> `tcp:IP:PORT`.
fn active_name(passive: &str) -> String {
    if let Some(path) = passive.strip_prefix("punix:") {
        format!("unix:{path}")
    } else if let Some(rest) = passive.strip_prefix("ptcp:") {
        let (port, ip) = rest.split_once(':').expect("ptcp:PORT:IP");
        format!("tcp:{ip}:{port}")
    } else {
        panic!("unexpected listener name {passive}")
    }
}

/// Runs `cmd` to completion (within the support module's deadline).
fn run(cmd: &mut Command, what: &str) -> Output {
    let out = Process::spawn(cmd.stdin(Stdio::null()), what).output();
    eprintln!(
        "{what}: exit {:?}\n--- stdout:\n{}--- stderr:\n{}",
        out.code, out.stdout, out.stderr
    );
    out
}

/// Runs the Rust client with `args` to completion, its log (info level)
/// on standard error.
fn client(args: &[&str]) -> Output {
    run(
        Command::new(support::example_path("client"))
            .arg("--timeout")
            .arg(CLIENT_TIMEOUT_S.to_string())
            .args(args)
            .env("RUST_LOG", "ovsrpc=info")
            .env("RUST_LOG_STYLE", "never"),
        &format!("client {args:?}"),
    )
}

fn stdout_lines(output: &Output) -> Vec<String> {
    output.stdout.lines().map(str::to_string).collect()
}

/// The `result` of a reply line printed by the client.
fn result_of(line: &str) -> ovsrpc::json::Json {
    let reply = ovsrpc::json::from_str(line).unwrap_or_else(|e| panic!("{line}: {e}"));
    assert_eq!(
        reply.get("error"),
        Some(&ovsrpc::json::Json::Null),
        "{line}"
    );
    reply.get("result").cloned().expect("result")
}

#[test]
fn rust_client_rust_server_unix() {
    let dir = support::TempDir::new("examples-unix");
    let server = Server::start(
        &support::example_path("server"),
        &format!("punix:{}", dir.join("server.sock").display()),
    );
    let out = client(&[&server.remote]);
    assert!(out.success());
    assert_eq!(
        stdout_lines(&out),
        [r#"{"error":null,"id":0,"result":["hello"]}"#]
    );
}

#[test]
fn rust_client_rust_server_tcp_many_requests_and_clients() {
    let server = Server::start(&support::example_path("server"), "ptcp:0:127.0.0.1");
    assert!(
        server.remote.starts_with("tcp:127.0.0.1:"),
        "{}",
        server.remote
    );
    // Three clients at once, each with five requests on one connection.
    let clients: Vec<_> = (0..3)
        .map(|i| {
            let remote = server.remote.clone();
            std::thread::spawn(move || {
                let params = format!("[{i}, \"x\"]");
                client(&["--count", "5", &remote, "echo", &params])
            })
        })
        .collect();
    for (i, c) in clients.into_iter().enumerate() {
        let out = c.join().unwrap();
        assert!(out.success());
        let lines = stdout_lines(&out);
        assert_eq!(lines.len(), 5);
        for line in &lines {
            assert_eq!(result_of(line).to_string(), format!("[{i},\"x\"]"));
        }
    }
    let out = client(&[&server.remote, "list_dbs"]);
    assert!(out.success());
    assert_eq!(result_of(&stdout_lines(&out)[0]).to_string(), r#"["demo"]"#);
}

#[test]
fn rust_server_error_reply_for_unknown_method() {
    let server = Server::start(&support::example_path("server"), "ptcp:0:127.0.0.1");
    let out = client(&[&server.remote, "no_such_method", "[]"]);
    assert_eq!(out.code, Some(1), "an error reply fails the client");
    assert_eq!(
        stdout_lines(&out),
        [r#"{"error":"unknown method","id":0,"result":null}"#]
    );
}

#[test]
fn client_skips_a_dead_remote() {
    let dir = support::TempDir::new("examples-dead");
    let a = Server::start(&support::example_path("server"), "ptcp:0:127.0.0.1");
    let b = Server::start(&support::example_path("server"), "ptcp:0:127.0.0.1");
    // Nothing listens on this one: whenever the shuffle puts it first, the
    // session moves on without backoff. The client shuffles at random, so
    // run it until a run has tried the dead remote (each run does with
    // odds of at least one in three).
    let dead = format!("unix:{}", dir.join("nobody.sock").display());
    let remotes = format!("{dead},{},{}", a.remote, b.remote);
    let failed = format!("{dead}: connection attempt failed (No such file or directory)");
    let mut tried_dead = false;
    for _ in 0..40 {
        let out = client(&["--count", "4", &remotes]);
        assert!(out.success());
        let lines = stdout_lines(&out);
        assert_eq!(lines.len(), 4, "{lines:?}");
        for line in &lines {
            assert_eq!(result_of(line).to_string(), r#"["hello"]"#);
        }
        if out.stderr.contains(&failed) {
            tried_dead = true;
            assert!(
                !out.stderr.contains("waiting"),
                "backed off after the dead remote:\n{}",
                out.stderr
            );
            break;
        }
    }
    assert!(tried_dead, "no run tried {dead}");
}

/// The Rust client in `-` mode, with its log on standard error.
struct InteractiveClient(Process);

impl InteractiveClient {
    fn start(remotes: &str) -> InteractiveClient {
        InteractiveClient(Process::spawn(
            Command::new(support::example_path("client"))
                .args(["--timeout", &CLIENT_TIMEOUT_S.to_string(), remotes, "-"])
                .env("RUST_LOG", "ovsrpc=info")
                .env("RUST_LOG_STYLE", "never")
                .stdin(Stdio::piped()),
            "the interactive client",
        ))
    }

    /// Sends one request line and returns the reply line.
    fn request(&mut self, line: &str) -> String {
        let stdin = self.0.stdin();
        writeln!(stdin, "{line}").expect("write to the client");
        stdin.flush().unwrap();
        self.0.line()
    }

    /// The remote of the next `REMOTE: connected` log line.
    fn next_connected(&mut self) -> String {
        self.0.find(true, |line| {
            eprintln!("client log: {line}");
            let message = line.split_once("] ").map_or(line, |(_, m)| m);
            message.strip_suffix(": connected").map(str::to_string)
        })
    }
}

#[test]
fn client_survives_the_loss_of_its_server() {
    let mut servers: Vec<Server> = (0..3)
        .map(|_| Server::start(&support::example_path("server"), "ptcp:0:127.0.0.1"))
        .collect();
    let remotes: Vec<String> = servers.iter().map(|s| s.remote.clone()).collect();
    let mut c = InteractiveClient::start(&remotes.join(","));

    assert_eq!(result_of(&c.request("echo [1]")).to_string(), "[1]");
    let first = c.next_connected();
    assert!(
        remotes.contains(&first),
        "{first} is not one of {remotes:?}"
    );

    // Kill the server the client is connected to; the next request must be
    // answered by another one.
    servers
        .iter_mut()
        .find(|s| s.remote == first)
        .unwrap()
        .kill();
    assert_eq!(result_of(&c.request("echo [2]")).to_string(), "[2]");
    let second = c.next_connected();
    assert_ne!(second, first);
    assert!(remotes.contains(&second));

    // And it stays usable there.
    assert_eq!(result_of(&c.request("list_dbs")).to_string(), r#"["demo"]"#);
}

#[test]
fn rust_client_ovsdb_server() {
    if !support::ovs_tools(&["ovsdb-server", "ovsdb-tool"]) {
        return;
    }
    let dir = support::TempDir::new("examples-ovsdb");
    let server = support::OvsdbServer::standalone(dir.path());
    for remote in [&server.remote, &server.unix_remote] {
        let out = client(&[remote, "list_dbs"]);
        assert!(out.success());
        let dbs = result_of(&stdout_lines(&out)[0]);
        let dbs: Vec<&str> = dbs
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|d| d.as_str())
            .collect();
        assert!(dbs.contains(&"demo"), "{dbs:?}");

        let out = client(&["--count", "2", remote, "echo", r#"["hi", 1]"#]);
        assert!(out.success());
        let lines = stdout_lines(&out);
        assert_eq!(lines.len(), 2, "{lines:?}");
        for line in lines {
            assert_eq!(result_of(&line).to_string(), r#"["hi",1]"#);
        }
    }
}

#[test]
fn ovsdb_client_rust_server() {
    let Some(ovsdb_client) = support::require("ovsdb-client", "openvswitch-common") else {
        return;
    };
    let dir = support::TempDir::new("examples-ovsdb-client");
    let server = Server::start(
        &support::example_path("server"),
        &format!("punix:{}", dir.join("server.sock").display()),
    );
    let out = run(
        Command::new(ovsdb_client).args(["--timeout=30", "list-dbs", &server.remote]),
        "ovsdb-client",
    );
    assert!(out.success(), "ovsdb-client: {}", out.stderr);
    assert_eq!(out.stdout, "demo\n");
}

#[test]
fn c_client_rust_server() {
    let Some(c_client) = c_example("c_client") else {
        return;
    };
    let server = Server::start(&support::example_path("server"), "ptcp:0:127.0.0.1");
    let out = run(
        Command::new(c_client).args(["-n", "3", &server.remote]),
        "c_client",
    );
    let stdout = &out.stdout;
    assert!(out.success(), "c_client: {stdout}{}", out.stderr);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{stdout}");
    for (i, line) in lines.iter().enumerate() {
        assert_eq!(*line, format!("{}: reply [\"hello\",{i}]", server.remote));
    }
}

#[test]
fn rust_client_c_server() {
    let Some(c_server) = c_example("c_server") else {
        return;
    };
    let dir = support::TempDir::new("examples-c-server");
    let server = Server::start(
        &c_server,
        &format!("punix:{}", dir.join("c.sock").display()),
    );
    let out = client(&["--count", "2", &server.remote]);
    assert!(out.success());
    assert_eq!(
        stdout_lines(&out),
        [
            r#"{"error":null,"id":0,"result":["hello"]}"#,
            r#"{"error":null,"id":1,"result":["hello"]}"#
        ]
    );
}

#[test]
fn c_client_ovsdb_server() {
    let Some(c_client) = c_example("c_client") else {
        return;
    };
    if !support::ovs_tools(&["ovsdb-server", "ovsdb-tool"]) {
        return;
    }
    let dir = support::TempDir::new("examples-c-ovsdb");
    let server = support::OvsdbServer::standalone(dir.path());
    let out = run(
        Command::new(c_client).args(["-n", "2", &server.unix_remote]),
        "c_client",
    );
    let stdout = &out.stdout;
    assert!(out.success(), "c_client: {stdout}{}", out.stderr);
    assert_eq!(stdout.lines().count(), 2, "{stdout}");
    assert!(stdout.contains("reply [\"hello\",1]"), "{stdout}");
}

/// The README's quick start (`examples/quickstart.rs`) over three servers:
/// killing the one it uses does not stop it.
#[test]
fn quickstart_survives_the_loss_of_its_server() {
    let mut servers: Vec<Server> = (0..3)
        .map(|_| Server::start(&support::example_path("server"), "ptcp:0:127.0.0.1"))
        .collect();
    let remotes: Vec<String> = servers.iter().map(|s| s.remote.clone()).collect();
    let mut quickstart = Process::spawn(
        Command::new(support::example_path("quickstart"))
            .args(&remotes)
            .stdin(Stdio::null()),
        "the quick start",
    );

    // "REMOTE answered [N]"
    let parse = |line: &str| -> (String, String) {
        let (remote, result) = line
            .split_once(" answered ")
            .unwrap_or_else(|| panic!("unexpected line {line:?}"));
        (remote.to_string(), result.to_string())
    };
    let (first, result) = parse(&quickstart.line());
    assert_eq!(result, "[0]");
    assert!(remotes.contains(&first), "{first}");
    servers
        .iter_mut()
        .find(|s| s.remote == first)
        .unwrap()
        .kill();

    // Answers go on, in sequence, until another server gives one.
    let mut expected = 1;
    let other = quickstart.find(false, |line| {
        let (remote, result) = parse(line);
        assert_eq!(result, format!("[{expected}]"), "{line}");
        expected += 1;
        (remote != first).then_some(remote)
    });
    assert!(remotes.contains(&other), "{other}");
}
