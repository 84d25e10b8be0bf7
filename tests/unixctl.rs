//! unixctl against the real thing: Debian's `ovs-appctl` (a child process)
//! talks to our server, which this test's thread drives in its poll loop;
//! our client talks to a real `ovsdb-server`'s control socket.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Mutex, Once};

use ovsrpc::poll_loop;
use ovsrpc::unixctl::{UnixctlClient, UnixctlConn, UnixctlServer};
use support::TempDir;

/// What the handlers of these tests share with the test.
#[derive(Default)]
struct Ctx {
    calls: u32,
    /// A request answered later, by the `go` command.
    pending: Option<UnixctlConn>,
}

fn appctl_path() -> Option<PathBuf> {
    support::require("ovs-appctl", "openvswitch-common")
}

fn new_server(dir: &TempDir) -> UnixctlServer<Ctx> {
    let path = dir.join("test.ctl");
    let mut server = UnixctlServer::create(path.to_str()).expect("create server");
    server.register(
        "echo-args",
        "ARG1 [ARG2]",
        1,
        2,
        |ctx: &mut Ctx, conn, args| {
            ctx.calls += 1;
            let text = format!("{} got {}", conn.command(), args.join("|"));
            conn.reply(&text)
        },
    );
    server.register("fail", "", 0, 0, |_, conn, _| conn.reply_error("it failed"));
    server.register("wait-for-go", "", 0, 0, |ctx: &mut Ctx, conn, _| {
        ctx.pending = Some(conn);
    });
    server.register("go", "", 0, 0, |ctx: &mut Ctx, conn, _| {
        let pending = ctx.pending.take();
        match pending {
            Some(p) => {
                p.reply("released by go");
                conn.reply("ok");
            }
            None => conn.reply_error("nothing waits"),
        }
    });
    server
}

fn spawn_appctl(appctl: &Path, target: &Path, args: &[&str]) -> Child {
    Command::new(appctl)
        .arg("-t")
        .arg(target)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn ovs-appctl")
}

/// Drives `server` until every child has exited (30 s at most) and
/// returns their outputs.
fn drive(server: &mut UnixctlServer<Ctx>, ctx: &mut Ctx, children: Vec<Child>) -> Vec<Output> {
    drive_with(server, ctx, children, |_| {})
}

fn appctl(server: &mut UnixctlServer<Ctx>, ctx: &mut Ctx, args: &[&str]) -> Option<Output> {
    let appctl = appctl_path()?;
    let child = spawn_appctl(&appctl, server.get_path(), args);
    Some(drive(server, ctx, vec![child]).remove(0))
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Asserts that ovs-appctl got an error reply with text `error`.
fn assert_error(o: &Output, error: &str) {
    assert_eq!(o.status.code(), Some(2), "stderr: {}", stderr(o));
    let err = stderr(o);
    assert!(
        err.starts_with(&format!("{error}\n")),
        "expected {error:?}, got {err:?}"
    );
    assert!(err.contains("server returned an error"), "{err}");
    assert_eq!(stdout(o), "");
}

#[test]
fn list_commands_and_version() {
    let dir = TempDir::new("unixctl-list");
    let mut server = new_server(&dir);
    let mut ctx = Ctx::default();
    let Some(o) = appctl(&mut server, &mut ctx, &["list-commands"]) else {
        return;
    };
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    // OVS's layout: a heading, then "  %-23s %s" per command, sorted.
    let expected_lines = [
        "The available commands are:",
        "  echo-args               ARG1 [ARG2]",
        "  fail                    ",
        "  go                      ",
        "  list-commands           ",
        "  version                 ",
        "  vlog/disable-rate-limit [module]...",
        "  vlog/enable-rate-limit  [module]...",
        "  vlog/list               ",
        "  vlog/set                {spec | PATTERN:destination:pattern}",
        "  wait-for-go             ",
    ];
    assert_eq!(text, expected_lines.join("\n") + "\n");

    let o = appctl(&mut server, &mut ctx, &["version"]).unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        stdout(&o),
        format!(
            "{} (ovsrpc) {}\n",
            ovsrpc::unixctl::program_name(),
            env!("CARGO_PKG_VERSION")
        )
    );
    server.set_version("myprog (ovsrpc) 9.9");
    let o = appctl(&mut server, &mut ctx, &["version"]).unwrap();
    assert_eq!(stdout(&o), "myprog (ovsrpc) 9.9\n");
    // Every ovs-appctl run was a connection of its own, closed by the
    // client: the server closes its side too.
    drive_until(&mut server, &mut ctx, |server, _| server.n_conns() == 0);
}

/// Drives `server` until `cond` holds after a run (30 s at most).
fn drive_until(
    server: &mut UnixctlServer<Ctx>,
    ctx: &mut Ctx,
    cond: impl Fn(&UnixctlServer<Ctx>, &Ctx) -> bool,
) {
    support::drive_within(30_000, "the server's condition", || {
        server.run(ctx);
        if cond(server, ctx) {
            return true;
        }
        server.wait();
        false
    });
}

#[test]
fn command_with_arguments_and_argument_counts() {
    let dir = TempDir::new("unixctl-args");
    let mut server = new_server(&dir);
    let mut ctx = Ctx::default();
    let Some(o) = appctl(&mut server, &mut ctx, &["echo-args", "a b", "c"]) else {
        return;
    };
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o), "echo-args got a b|c\n");
    let o = appctl(&mut server, &mut ctx, &["echo-args", "one"]).unwrap();
    assert_eq!(stdout(&o), "echo-args got one\n");
    assert_eq!(ctx.calls, 2);

    let o = appctl(&mut server, &mut ctx, &["echo-args"]).unwrap();
    assert_error(&o, "\"echo-args\" command requires at least 1 arguments");
    let o = appctl(&mut server, &mut ctx, &["echo-args", "1", "2", "3"]).unwrap();
    assert_error(&o, "\"echo-args\" command takes at most 2 arguments");
    let o = appctl(&mut server, &mut ctx, &["version", "extra"]).unwrap();
    assert_error(&o, "\"version\" command takes at most 0 arguments");
    assert_eq!(ctx.calls, 2, "refused requests never reach the handler");

    let o = appctl(&mut server, &mut ctx, &["no-such-command"]).unwrap();
    assert_error(
        &o,
        "\"no-such-command\" is not a valid command (use \"list-commands\" to see a list of valid commands)",
    );
    let o = appctl(&mut server, &mut ctx, &["fail"]).unwrap();
    assert_error(&o, "it failed");
}

#[test]
fn deferred_reply() {
    let dir = TempDir::new("unixctl-deferred");
    let mut server = new_server(&dir);
    let mut ctx = Ctx::default();
    let Some(appctl) = appctl_path() else {
        return;
    };
    let waiter = spawn_appctl(&appctl, server.get_path(), &["wait-for-go"]);
    // Drive until the request is held, unanswered.
    drive_until(&mut server, &mut ctx, |_, ctx| ctx.pending.is_some());
    // A second client releases it; both finish.
    let go = spawn_appctl(&appctl, server.get_path(), &["go"]);
    let outputs = drive(&mut server, &mut ctx, vec![waiter, go]);
    assert!(outputs[0].status.success(), "{}", stderr(&outputs[0]));
    assert_eq!(stdout(&outputs[0]), "released by go\n");
    assert_eq!(stdout(&outputs[1]), "ok\n");

    // A reply given outside any handler goes out at the next run.
    let waiter = spawn_appctl(&appctl, server.get_path(), &["wait-for-go"]);
    drive_until(&mut server, &mut ctx, |_, ctx| ctx.pending.is_some());
    ctx.pending.take().unwrap().reply("from the main loop");
    let out = drive(&mut server, &mut ctx, vec![waiter]);
    assert_eq!(stdout(&out[0]), "from the main loop\n");
}

/// The records the test's logger received: (target, level, text).
static LINES: Mutex<Vec<(String, log::Level, String)>> = Mutex::new(Vec::new());

struct Capture;

impl log::Log for Capture {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        true
    }
    fn log(&self, r: &log::Record<'_>) {
        LINES
            .lock()
            .unwrap()
            .push((r.target().to_string(), r.level(), r.args().to_string()));
    }
    fn flush(&self) {}
}

fn logged(target: &str, text: &str) -> bool {
    LINES
        .lock()
        .unwrap()
        .iter()
        .any(|(t, _, s)| t.starts_with(target) && s.contains(text))
}

#[test]
fn vlog_set_changes_what_is_logged() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        ovsrpc::vlog::register_module("apptest", "apptest");
        ovsrpc::vlog::init_with(Box::new(Capture), "info").expect("first logger");
    });
    let dir = TempDir::new("unixctl-vlog");
    let mut server = new_server(&dir);
    let mut ctx = Ctx::default();
    if appctl_path().is_none() {
        return;
    }

    log::debug!(target: "apptest", "debug line 1");
    log::info!(target: "apptest", "info line 1");
    assert!(logged("apptest", "info line 1"));
    assert!(!logged("apptest", "debug line 1"));

    let o = appctl(&mut server, &mut ctx, &["vlog/set", "apptest:dbg"]).unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o), "");
    log::debug!(target: "apptest::sub", "debug line 2");
    assert!(logged("apptest", "debug line 2"));

    // The library's own debug lines: the server logs each request it
    // receives once its module, unixctl, is at dbg.
    let o = appctl(&mut server, &mut ctx, &["echo-args", "quiet"]).unwrap();
    assert!(o.status.success());
    assert!(!logged(
        "ovsrpc::unixctl",
        "received request echo-args[\"quiet\"]"
    ));
    let o = appctl(&mut server, &mut ctx, &["vlog/set", "unixctl:console:dbg"]).unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let o = appctl(&mut server, &mut ctx, &["echo-args", "loud"]).unwrap();
    assert!(o.status.success());
    assert!(logged(
        "ovsrpc::unixctl",
        "received request echo-args[\"loud\"]"
    ));
    assert!(logged("ovsrpc::unixctl", "replying with success"));

    let o = appctl(&mut server, &mut ctx, &["vlog/list"]).unwrap();
    let list = stdout(&o);
    assert!(list.starts_with("                 console\n                 -------\n"));
    assert!(list.contains("\napptest            DBG\n"), "{list}");
    assert!(list.contains("\nunixctl            DBG\n"), "{list}");
    assert!(list.contains("\njsonrpc           INFO\n"), "{list}");

    let o = appctl(&mut server, &mut ctx, &["vlog/set", "apptest:off"]).unwrap();
    assert!(o.status.success());
    log::error!(target: "apptest", "error line 3");
    assert!(!logged("apptest", "error line 3"));

    let o = appctl(&mut server, &mut ctx, &["vlog/set", "nosuchmodule:dbg"]).unwrap();
    assert_error(&o, "no destination, level, or module \"nosuchmodule\"");

    // Rate limiting, for the whole process.
    assert!(ovsrpc::vlog::rate_limits_enabled());
    let o = appctl(&mut server, &mut ctx, &["vlog/disable-rate-limit"]).unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(!ovsrpc::vlog::rate_limits_enabled());
    let o = appctl(
        &mut server,
        &mut ctx,
        &["vlog/enable-rate-limit", "jsonrpc"],
    )
    .unwrap();
    assert_error(
        &o,
        "rate limiting applies to every module at once: \"jsonrpc\" alone cannot be changed (use ANY or no argument)",
    );
    let o = appctl(&mut server, &mut ctx, &["vlog/enable-rate-limit", "ANY"]).unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(ovsrpc::vlog::rate_limits_enabled());
}

/// Our client against ovsdb-server's control socket.
#[test]
fn client_against_ovsdb_server() {
    if !support::ovs_tools(&["ovsdb-server", "ovsdb-tool"]) {
        return;
    }
    let dir = TempDir::new("unixctl-ovsdb");
    let cluster = support::ovsdb::cs::RaftCluster::demo(dir.path(), 1);
    let mut client = UnixctlClient::create_at(&cluster.ctls[0]).expect("connect to ovsdb-server");

    let status = client
        .transact("cluster/status", &["demo"])
        .expect("transact")
        .expect("success reply");
    assert!(status.contains("Name: demo\n"), "{status}");
    assert!(status.contains("Role: leader\n"), "{status}");
    assert!(status.contains("Status: cluster member\n"), "{status}");

    let memory = client
        .transact::<&str>("memory/show", &[])
        .expect("transact")
        .expect("success reply");
    assert!(memory.contains("cells:"), "{memory}");

    let error = client
        .transact("cluster/status", &["nosuchdb"])
        .expect("transact")
        .expect_err("error reply");
    assert_eq!(error, "unknown cluster\n");

    let unknown = client
        .transact::<&str>("no-such-command", &[])
        .expect("transact")
        .expect_err("error reply");
    assert_eq!(
        unknown,
        "\"no-such-command\" is not a valid command (use \"list-commands\" to see a list of valid commands)\n"
    );
    drop(cluster);
}

/// Our client against our server, no peer needed: reply, error reply and
/// a connection that ends without a reply.
#[test]
fn client_against_our_server() {
    let dir = TempDir::new("unixctl-self");
    let mut server = new_server(&dir);
    let path = server.get_path().to_path_buf();
    let client = std::thread::spawn(move || {
        let mut client = UnixctlClient::create_at(&path).expect("connect");
        let a = client.transact("echo-args", &["x"]).expect("transact");
        let b = client.transact::<&str>("fail", &[]).expect("transact");
        let c = client.transact::<&str>("echo-args", &[]).expect("transact");
        (a, b, c)
    });
    let mut ctx = Ctx::default();
    support::drive_within(30_000, "the client to finish", || {
        if client.is_finished() {
            return true;
        }
        server.run(&mut ctx);
        server.wait();
        // A thread's end is not a poll event: look again every 5 ms.
        poll_loop::timer_wait(5);
        false
    });
    let (a, b, c) = client.join().unwrap();
    assert_eq!(a, Ok("echo-args got x\n".to_string()));
    assert_eq!(b, Err("it failed\n".to_string()));
    assert_eq!(
        c,
        Err("\"echo-args\" command requires at least 1 arguments\n".to_string())
    );
}

#[test]
fn socket_file_follows_the_server() {
    let dir = TempDir::new("unixctl-path");
    let path = dir.join("x.ctl");
    let server: UnixctlServer = UnixctlServer::create(path.to_str()).unwrap();
    assert_eq!(server.get_path(), path);
    assert!(path.exists());
    drop(server);
    assert!(!path.exists(), "the socket file is removed with the server");

    // OVS's default: RUNDIR/PROGRAM.PID.ctl, RUNDIR given here.
    let server: UnixctlServer = UnixctlServer::create_in(dir.path(), None).unwrap();
    if std::env::var_os("OVS_RUNDIR").is_none() {
        let expected = dir.join(&format!(
            "{}.{}.ctl",
            ovsrpc::unixctl::program_name(),
            std::process::id()
        ));
        assert_eq!(server.get_path(), expected);
        assert!(expected.exists());
    }
}

/// Drives `server` and `tick` (which runs and waits the test's other
/// objects) until `children` have exited; returns their outputs.
fn drive_with<C: 'static>(
    server: &mut UnixctlServer<C>,
    ctx: &mut C,
    children: Vec<Child>,
    mut tick: impl FnMut(&mut C),
) -> Vec<Output> {
    let mut children: Vec<Option<Child>> = children.into_iter().map(Some).collect();
    let mut outputs: Vec<Option<Output>> = children.iter().map(|_| None).collect();
    support::drive_within(30_000, "ovs-appctl to finish", || {
        server.run(ctx);
        tick(ctx);
        for (i, slot) in children.iter_mut().enumerate() {
            if slot
                .as_mut()
                .is_some_and(|c| c.try_wait().expect("try_wait").is_some())
            {
                outputs[i] = Some(slot.take().unwrap().wait_with_output().expect("output"));
            }
        }
        if children.iter().all(Option::is_none) {
            return true;
        }
        server.wait();
        // Child exits are not poll events: look again every 5 ms.
        poll_loop::timer_wait(5);
        false
    });
    outputs.into_iter().map(Option::unwrap).collect()
}

/// A session's status commands, asked by ovs-appctl while the session is
/// connected to the second of two remotes (the first has no listener).
#[test]
fn session_status_commands() {
    use ovsrpc::jsonrpc::{JsonrpcSession, RemoteOrder, SessionOpenOptions};
    let Some(appctl) = appctl_path() else {
        return;
    };
    let dir = TempDir::new("unixctl-session");
    let good = dir.join("good.sock");
    let bad = dir.join("absent.sock");
    let mut listener = JsonrpcSession::open(&format!("punix:{}", good.display()), true);
    let remotes = [
        format!("unix:{}", bad.display()),
        format!("unix:{}", good.display()),
    ];
    let options = SessionOpenOptions {
        order: RemoteOrder::AsGiven,
        ..SessionOpenOptions::default()
    };
    let mut session = JsonrpcSession::open_multiple_with(&remotes, true, &options);
    let mut server: UnixctlServer<JsonrpcSession> =
        UnixctlServer::create(dir.join("s.ctl").to_str()).unwrap();
    assert!(ovsrpc::unixctl::register_session_commands(
        &mut server,
        "session",
        |s| s
    ));
    let mut tick = |s: &mut JsonrpcSession| {
        listener.run();
        while listener.recv().is_some() {}
        s.run();
        while s.recv().is_some() {}
        listener.wait();
        listener.recv_wait();
        s.wait();
        s.recv_wait();
    };
    // Connect (through the failed attempt on the absent remote).
    let mut echo_sent = false;
    support::drive_within(30_000, "the session to connect", || {
        server.run(&mut session);
        tick(&mut session);
        if session.is_connected() && session.get_remote_stats()[1].n_successes == 1 {
            return true;
        }
        // A connection counts as a success once it delivers a message:
        // the listening session answers this echo by itself.
        if session.is_connected() && !echo_sent {
            let echo =
                ovsrpc::jsonrpc::Msg::create_request("echo", ovsrpc::json::Json::array(vec![]));
            session.send(echo).expect("send echo");
            echo_sent = true;
        }
        server.wait();
        false
    });

    let ctl = server.get_path().to_path_buf();
    let ask = |args: &[&str]| spawn_appctl(&appctl, &ctl, args);
    let children = vec![
        ask(&["session/status"]),
        ask(&["session/remotes"]),
        ask(&["session/connection-status"]),
    ];
    let out = drive_with(&mut server, &mut session, children, &mut tick);
    let status = stdout(&out[0]);
    assert!(
        status.starts_with(&format!("remote: {}\n", remotes[1])),
        "{status}"
    );
    assert!(status.contains("\nstate: ACTIVE\n"), "{status}");
    assert!(status.contains("\nconnected: true\n"), "{status}");
    assert!(
        status.contains(&format!("\nseqno: {}\n", session.get_seqno())),
        "{status}"
    );
    assert!(status.contains("\nremotes: 2\n"), "{status}");
    let remotes_text = stdout(&out[1]);
    let lines: Vec<&str> = remotes_text.lines().collect();
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(
        lines[0].starts_with(&format!("{}: attempts 1, successes 0, failures in a row 1, last error No such file or directory", remotes[0])),
        "{lines:?}"
    );
    assert!(
        lines[1].starts_with(&format!(
            "{} (connected): attempts 1, successes 1, failures in a row 0",
            remotes[1]
        )),
        "{lines:?}"
    );
    assert_eq!(stdout(&out[2]), "connected\n");

    // reconnect: the session drops its connection and makes a new one.
    let seqno = session.get_seqno();
    let out = drive_with(
        &mut server,
        &mut session,
        vec![ask(&["session/reconnect"])],
        &mut tick,
    );
    assert!(out[0].status.success(), "{}", stderr(&out[0]));
    assert_eq!(stdout(&out[0]), "");
    assert_ne!(session.get_seqno(), seqno, "the connection was dropped");
    let stats = session.get_reconnect_stats();
    assert!(stats.n_attempted_connections >= 2, "{stats:?}");
}

/// The example server (`examples/server.rs`) answers ovs-appctl on the
/// socket given with `--unixctl`, and `vlog/set` turns on its message log.
#[test]
fn example_server_answers_ovs_appctl() {
    use std::io::{BufRead, BufReader};
    use std::process::Command;
    let Some(appctl) = appctl_path() else {
        return;
    };
    let program = support::example_path("server");
    let dir = TempDir::new("unixctl-example");
    let ctl = dir.join("server.ctl");
    let log = dir.join("server.log");
    let mut child = Command::new(&program)
        .arg("ptcp:0:127.0.0.1")
        .arg(format!("--unixctl={}", ctl.display()))
        .env_remove("RUST_LOG")
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .expect("start the example server");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let listening = lines.next().expect("a line").expect("text");
    let port = listening
        .strip_prefix("listening on ptcp:")
        .and_then(|r| r.split(':').next())
        .unwrap_or_else(|| panic!("{listening}"))
        .to_string();
    assert_eq!(
        lines.next().expect("a line").expect("text"),
        format!("control socket {}", ctl.display())
    );

    let run = |args: &[&str]| {
        let out = Command::new(&appctl)
            .arg("-t")
            .arg(&ctl)
            .args(args)
            .output()
            .expect("run ovs-appctl");
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let mut rpc = ovsrpc::jsonrpc::connection::open_block(&format!("tcp:127.0.0.1:{port}"), 10_000)
        .expect("connect to the example");
    let echo = |rpc: &mut ovsrpc::jsonrpc::Jsonrpc, word: &str| {
        let request = ovsrpc::jsonrpc::Msg::create_request(
            "list_dbs",
            ovsrpc::json::Json::array(vec![word.into()]),
        );
        rpc.transact_block(request).expect("reply");
    };
    echo(&mut rpc, "before");
    let show = run(&["server/show"]);
    assert!(
        show.starts_with(&format!("listening on ptcp:{port}:127.0.0.1\n1 clients\n")),
        "{show}"
    );
    assert!(show.contains(": connected, backlog 0 bytes\n"), "{show}");

    let logged = || std::fs::read_to_string(&log).unwrap();
    assert!(!logged().contains("received request, method=\"list_dbs\""));
    assert_eq!(run(&["vlog/set", "jsonrpc:dbg"]), "");
    echo(&mut rpc, "after");
    assert!(
        logged().contains("received request, method=\"list_dbs\", params=[\"after\"]"),
        "{}",
        logged()
    );
    assert!(!logged().contains("params=[\"before\"]"));

    assert_eq!(run(&["exit"]), "");
    let status = child.wait().expect("wait");
    assert!(status.success());
    assert!(!ctl.exists(), "the control socket is removed on exit");
}

/// A handler that drops its request unanswered: the client gets an error
/// instead of waiting forever. A deferred reply to a client that has gone
/// away is dropped with its connection.
#[test]
fn unanswered_and_orphaned_requests() {
    let dir = TempDir::new("unixctl-orphan");
    let mut server = new_server(&dir);
    server.register("drop", "", 0, 0, |_, conn, _| drop(conn));
    let path = server.get_path().to_path_buf();
    let client = std::thread::spawn(move || {
        let mut client = UnixctlClient::create_at(&path).expect("connect");
        let dropped = client.transact::<&str>("drop", &[]).expect("transact");
        // Then a request whose client leaves before the answer.
        let mut rpc = client.into_jsonrpc();
        let request = ovsrpc::jsonrpc::Msg::create_request(
            "wait-for-go",
            ovsrpc::json::Json::array(Vec::new()),
        );
        rpc.send_block(request).expect("send");
        drop(rpc);
        dropped
    });
    let mut ctx = Ctx::default();
    drive_until(&mut server, &mut ctx, |_, ctx| ctx.pending.is_some());
    let dropped = client.join().unwrap();
    assert_eq!(
        dropped,
        Err("\"drop\" command ended without a reply\n".to_string())
    );
    // The connection is noticed closed once the request is answered.
    assert_eq!(server.n_conns(), 1);
    ctx.pending.take().unwrap().reply("too late");
    drive_until(&mut server, &mut ctx, |server, _| server.n_conns() == 0);
}

/// OVS's Python unixctl client (python3-openvswitch) against our server.
#[test]
fn python_client_against_our_server() {
    if !support::require_python_ovs() {
        return;
    }
    let dir = TempDir::new("unixctl-python");
    let mut server = new_server(&dir);
    let script = r#"
import sys
import ovs.unixctl.client
error, client = ovs.unixctl.client.UnixctlClient.create(sys.argv[1])
assert not error, error
for command, args in (("echo-args", ["p", "q"]), ("echo-args", []), ("fail", [])):
    error, err, result = client.transact(command, args)
    print("%d %r %r" % (error, err, result))
client.close()
"#;
    let child = Command::new("/usr/bin/python3")
        .arg("-c")
        .arg(script)
        .arg(server.get_path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start python3");
    let mut ctx = Ctx::default();
    let out = drive(&mut server, &mut ctx, vec![child]).remove(0);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "0 None 'echo-args got p|q\\n'\n\
         0 '\"echo-args\" command requires at least 1 arguments\\n' None\n\
         0 'it failed\\n' None\n"
    );
}
