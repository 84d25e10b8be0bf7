//! A small JSON-RPC server: answers `echo` (the result is the params) and
//! `list_dbs` (`["demo"]`) on every connection it accepts.
//!
//! ```text
//! cargo run --example server -- punix:/tmp/demo.sock
//! cargo run --example server -- ptcp:0:127.0.0.1     # any free port
//! cargo run --example server -- ptcp:0:127.0.0.1 --unixctl=/tmp/server.ctl
//! ```
//!
//! Once it listens it prints `listening on NAME` on standard output, where
//! NAME is the listener's name with the port actually bound
//! (`ptcp:41234:127.0.0.1`). It runs until killed. `RUST_LOG=ovsrpc=debug`
//! shows every message received and sent.
//!
//! With `--unixctl=PATH` (or `--unixctl` alone, for OVS's default path
//! `RUNDIR/server.PID.ctl`, RUNDIR being `OVS_RUNDIR` or the temporary
//! directory) it also answers `ovs-appctl -t PATH COMMAND`: `server/show`
//! (the listener and each client), `exit`, and the built-in
//! `list-commands`, `version`, `vlog/set` and `vlog/list`; for example
//! `ovs-appctl -t /tmp/server.ctl vlog/set jsonrpc:dbg` turns on the
//! message log at run time. It prints `control socket PATH` on standard
//! output once the socket exists.
//!
//! The program is one single-threaded main loop, the way every OVS daemon
//! is written: `run` everything, `wait` everything, then block in
//! `poll_loop::block()` until a socket or timer is ready.

use std::io::Write;
use std::process::ExitCode;

use ovsrpc::json::Json;
use ovsrpc::jsonrpc::{connection, Jsonrpc, JsonrpcSession, Msg, MsgType};
use ovsrpc::poll_loop;
use ovsrpc::unixctl::UnixctlServer;

/// Stop reading from a client whose replies are not being read: past this
/// many queued bytes, its requests wait in the socket.
const MAX_BACKLOG: usize = 1 << 20;

/// The reply to one request.
fn handle(request: &Msg) -> Msg {
    let id = request.id.clone().unwrap_or(Json::Null);
    match request.method.as_deref() {
        // A session answers `echo` itself before we see it; this is for
        // completeness (and for what an `echo` with odd params looks like).
        Some("echo") => Msg::create_reply(
            request.params.clone().unwrap_or_else(Json::empty_array),
            &id,
        ),
        Some("list_dbs") => Msg::create_reply(Json::array(vec![Json::from("demo")]), &id),
        // ovsdb-server's answer to a method it does not know.
        _ => Msg::create_error(Json::from("unknown method"), &id),
    }
}

/// What the control commands see: the clients, and whether to stop.
struct State {
    listener_name: String,
    clients: Vec<JsonrpcSession>,
    exiting: bool,
}

/// `server/show`: the listener, then one line per client.
fn show(state: &State) -> String {
    let mut out = format!(
        "listening on {}\n{} clients\n",
        state.listener_name,
        state.clients.len()
    );
    for c in &state.clients {
        out.push_str(&format!(
            "  {}: {}, backlog {} bytes\n",
            c.get_name(),
            if c.is_connected() {
                "connected"
            } else {
                "closing"
            },
            c.get_backlog()
        ));
    }
    out
}

/// The control socket, if asked for, with the server's commands.
fn open_unixctl(option: Option<&str>) -> Result<Option<UnixctlServer<State>>, ovsrpc::Error> {
    let mut unixctl = match option {
        None => return Ok(None),
        Some("") => UnixctlServer::create_in(&std::env::temp_dir(), None)?,
        Some(path) => UnixctlServer::create(Some(path))?,
    };
    unixctl.register("server/show", "", 0, 0, |state: &mut State, conn, _| {
        conn.reply(&show(state))
    });
    unixctl.register("exit", "", 0, 0, |state: &mut State, conn, _| {
        state.exiting = true;
        conn.reply("")
    });
    Ok(Some(unixctl))
}

fn main() -> ExitCode {
    // Like env_logger's init, with levels that `vlog/set` can change.
    ovsrpc::vlog::register_module("server", "server");
    let _ = ovsrpc::vlog::init_or("warn");

    let mut listen = None;
    let mut unixctl_option = None;
    for arg in std::env::args().skip(1) {
        if arg == "--unixctl" {
            unixctl_option = Some(String::new());
        } else if let Some(path) = arg.strip_prefix("--unixctl=") {
            unixctl_option = Some(path.to_string());
        } else if listen.is_none() {
            listen = Some(arg);
        } else {
            listen = None;
            break;
        }
    }
    let Some(listen) = listen else {
        eprintln!(
            "usage: server LISTEN [--unixctl[=PATH]]     (LISTEN: for example punix:/tmp/demo.sock or ptcp:0:127.0.0.1)"
        );
        return ExitCode::from(2);
    };

    // `pstream_open` is `PStream::open` with the JSON-RPC default port (6640).
    let mut listener = match connection::pstream_open(&listen, 0) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("server: could not listen on \"{listen}\": {e}");
            return ExitCode::FAILURE;
        }
    };
    println!("listening on {}", listener.name());
    let mut unixctl = match open_unixctl(unixctl_option.as_deref()) {
        Ok(u) => u,
        Err(e) => {
            eprintln!("server: could not create the control socket: {e}");
            return ExitCode::FAILURE;
        }
    };
    if let Some(u) = &unixctl {
        println!("control socket {}", u.get_path().display());
    }
    let _ = std::io::stdout().flush();

    // One session per client. `open_unreliably` wraps an accepted
    // connection without reconnecting it (a server does not call back), and
    // still answers the client's `echo` probes, as ovsdb-server does.
    let mut state = State {
        listener_name: listener.name().to_string(),
        clients: Vec::new(),
        exiting: false,
    };
    loop {
        if let Some(u) = &mut unixctl {
            u.run(&mut state);
        }
        if state.exiting {
            // Dropping the control server removes its socket file.
            return ExitCode::SUCCESS;
        }
        let clients = &mut state.clients;
        // Accept every connection that is waiting.
        loop {
            match listener.accept() {
                Ok(stream) => {
                    clients.push(JsonrpcSession::open_unreliably(Jsonrpc::open(stream), 0))
                }
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break,
                Err(e) => {
                    eprintln!("server: accept failed on {}: {e}", listener.name());
                    break;
                }
            }
        }

        // Serve each client: flush its output, then answer what arrived
        // (a bounded number of messages, so one busy client cannot starve
        // the others).
        for client in clients.iter_mut() {
            client.run();
            for _ in 0..50 {
                if client.get_backlog() > MAX_BACKLOG {
                    break;
                }
                let Some(msg) = client.recv() else { break };
                if msg.msg_type == MsgType::Request {
                    // A send error closes the session; the next `run` notices.
                    let _ = client.send(handle(&msg));
                }
            }
        }
        // Forget clients that went away.
        clients.retain(JsonrpcSession::is_alive);

        // Say what would wake us: a new connection, a readable or writable
        // client socket, a probe timer.
        listener.wait();
        if let Some(u) = &unixctl {
            u.wait();
        }
        for client in clients.iter() {
            client.wait();
            if client.get_backlog() <= MAX_BACKLOG {
                client.recv_wait();
            }
        }
        poll_loop::block();
    }
}
