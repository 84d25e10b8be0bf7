//! The README's Rust quick start: a client over three servers that keeps
//! going when the one it uses goes away.
//!
//! ```text
//! cargo run --example server -- ptcp:6641:127.0.0.1 &
//! cargo run --example server -- ptcp:6642:127.0.0.1 &
//! cargo run --example server -- ptcp:6643:127.0.0.1 &
//! RUST_LOG=ovsrpc=info cargo run --example quickstart
//! ```
//!
//! Kill the server it reports, and the next request is answered by another.
//! Other remotes can be given on the command line.

use ovsrpc::json::Json;
use ovsrpc::jsonrpc::{JsonrpcSession, Msg, MsgType};
use ovsrpc::poll_loop;

/// Sends one request and waits for its reply, sending it again if the
/// connection it went out on is lost first.
fn call(session: &mut JsonrpcSession, method: &str, params: Json) -> Msg {
    let mut sent: Option<(Json, u32)> = None; // (request id, session seqno)
    loop {
        session.run(); // connect, reconnect, flush, probe
        if sent
            .as_ref()
            .is_some_and(|(_, seqno)| *seqno != session.get_seqno())
        {
            sent = None; // a new connection: the old one took the request with it
        }
        if sent.is_none() && session.is_connected() {
            let request = Msg::create_request(method, params.clone());
            let id = request.id.clone().unwrap();
            if session.send(request).is_ok() {
                sent = Some((id, session.get_seqno()));
            }
        }
        while let Some(msg) = session.recv() {
            let reply = matches!(msg.msg_type, MsgType::Reply | MsgType::Error);
            if reply && msg.id.as_ref() == sent.as_ref().map(|(id, _)| id) {
                return msg;
            }
        }
        session.wait(); // what would let run() make progress
        session.recv_wait(); // ... or recv() return something
        poll_loop::block(); // sleep until one of those happens
    }
}

fn main() {
    env_logger::init(); // RUST_LOG=ovsrpc=info shows connections come and go
    let mut remotes: Vec<String> = std::env::args().skip(1).collect();
    if remotes.is_empty() {
        remotes = [
            "tcp:127.0.0.1:6641",
            "tcp:127.0.0.1:6642",
            "tcp:127.0.0.1:6643",
        ]
        .map(String::from)
        .to_vec();
    }
    let mut session = JsonrpcSession::open_multiple(&remotes, true);
    for i in 0..30 {
        let reply = call(&mut session, "echo", Json::array(vec![i.into()]));
        println!(
            "{} answered {}",
            session.get_name(),
            reply.result.unwrap_or(Json::Null)
        );
        std::thread::sleep(std::time::Duration::from_millis(500));
    }
}
