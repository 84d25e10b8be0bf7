//! The README's Rust quick start: a client over three remotes that
//! survives the loss of one. Run it against any three JSON-RPC servers that
//! answer `echo` (ovsdb-server does):
//!
//!     cargo run --example quickstart -- tcp:127.0.0.1:6641 tcp:127.0.0.1:6642 tcp:127.0.0.1:6643

use ovsrpc::json::Json;
use ovsrpc::jsonrpc::{JsonrpcSession, Msg, MsgType};
use ovsrpc::poll_loop;

fn main() {
    env_logger::init(); // RUST_LOG=ovsrpc=info shows "connecting...", "connected"
    let remotes: Vec<String> = std::env::args().skip(1).collect();

    // Shuffled once, then tried round-robin; reconnects with backoff.
    let mut session = JsonrpcSession::open_multiple(&remotes, true);
    let mut pending: Option<(Json, u32)> = None; // (request id, seqno sent on)
    let mut answered = 0;

    while answered < 10 {
        session.run();

        // (Re)send when connected and nothing is outstanding; a request
        // lost with a dropped connection is sent again on the next one.
        if session.get_seqno() != pending.as_ref().map_or(u32::MAX, |p| p.1) {
            pending = None;
        }
        if pending.is_none() && session.is_connected() {
            let request = Msg::create_request("echo", Json::array(vec![answered.into()]));
            pending = Some((request.id.clone().unwrap(), session.get_seqno()));
            let _ = session.send(request);
        }

        while let Some(msg) = session.recv() {
            if msg.msg_type == MsgType::Reply && pending.as_ref().map(|p| &p.0) == msg.id.as_ref() {
                println!("{} answered {}", session.name(), msg.result.unwrap());
                pending = None;
                answered += 1;
            }
        }

        session.wait();
        session.recv_wait();
        if pending.is_none() && session.is_connected() {
            poll_loop::immediate_wake();
        }
        poll_loop::block();
    }
}
