//! A small JSON-RPC server: answers `echo` (the result is the params) and
//! `list_dbs` (`["demo"]`) on every connection it accepts.
//!
//! ```text
//! cargo run --example server -- punix:/tmp/demo.sock
//! cargo run --example server -- ptcp:0:127.0.0.1     # any free port
//! ```
//!
//! Once it listens it prints `listening on NAME` on standard output, where
//! NAME is the listener's name with the port actually bound
//! (`ptcp:41234:127.0.0.1`). It runs until killed. `RUST_LOG=ovsrpc=debug`
//! shows every message received and sent.
//!
//! The program is one single-threaded main loop, the way every OVS daemon
//! is written: `run` everything, `wait` everything, then block in
//! `poll_loop::block()` until a socket or timer is ready.

use std::io::Write;
use std::process::ExitCode;

use ovsrpc::json::Json;
use ovsrpc::jsonrpc::{connection, Jsonrpc, JsonrpcSession, Msg, MsgType};
use ovsrpc::poll_loop;

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

fn main() -> ExitCode {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("warn")).init();

    let args: Vec<String> = std::env::args().skip(1).collect();
    let [listen] = args.as_slice() else {
        eprintln!(
            "usage: server LISTEN     (for example punix:/tmp/demo.sock or ptcp:0:127.0.0.1)"
        );
        return ExitCode::from(2);
    };

    // `pstream_open` is `PStream::open` with the JSON-RPC default port (6640).
    let mut listener = match connection::pstream_open(listen, 0) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("server: could not listen on \"{listen}\": {e}");
            return ExitCode::FAILURE;
        }
    };
    println!("listening on {}", listener.name());
    let _ = std::io::stdout().flush();

    // One session per client. `open_unreliably` wraps an accepted
    // connection without reconnecting it (a server does not call back), and
    // still answers the client's `echo` probes, as ovsdb-server does.
    let mut clients: Vec<JsonrpcSession> = Vec::new();
    loop {
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
        for client in &mut clients {
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
        for client in &clients {
            client.wait();
            if client.get_backlog() <= MAX_BACKLOG {
                client.recv_wait();
            }
        }
        poll_loop::block();
    }
}
