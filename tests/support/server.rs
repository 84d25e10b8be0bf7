//! The server fixture: a JSON-RPC echo server on a loopback port, run from
//! the test's own poll loop (no thread), and the driver that runs a
//! session beside such servers until a condition holds.

use std::io;

use ovsrpc::json::Json;
use ovsrpc::jsonrpc::{Jsonrpc, JsonrpcSession, Msg, MsgType, RemoteOrder, SessionOpenOptions};
use ovsrpc::stream::PStream;

use super::drive;

thread_local! {
    /// Messages the session delivered while `drive_session` ran it.
    static INBOX: std::cell::RefCell<Vec<Msg>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Takes the messages delivered so far.
pub fn take_inbox() -> Vec<Msg> {
    INBOX.with(|i| std::mem::take(&mut *i.borrow_mut()))
}

/// A JSON-RPC echo server on a loopback port, run from the test's loop.
pub struct Server {
    /// The port it listens on (kept across [`stop`](Self::stop)).
    pub port: u16,
    /// The listener, while listening.
    pub pstream: Option<PStream>,
    /// The connections it accepted and still holds.
    pub conns: Vec<Jsonrpc>,
    /// Answer requests? (false: a silent peer that only reads)
    pub answer: bool,
    /// Read at all? (false: a peer that never reads, to fill buffers)
    pub read: bool,
    /// Every message received so far, in order.
    pub received: Vec<Msg>,
    /// How many connections it has accepted so far.
    pub accepted: usize,
}

impl Server {
    /// Listens on a free port of 127.0.0.1, answering and reading.
    pub fn new() -> Server {
        let pstream = PStream::open("ptcp:0:127.0.0.1", 0).expect("listen");
        let port = pstream.bound_port().expect("port");
        Server {
            port,
            pstream: Some(pstream),
            conns: Vec::new(),
            answer: true,
            read: true,
            received: Vec::new(),
            accepted: 0,
        }
    }

    /// The active name that reaches it.
    pub fn remote(&self) -> String {
        format!("tcp:127.0.0.1:{}", self.port)
    }

    /// Stops listening and drops every connection.
    pub fn stop(&mut self) {
        self.pstream = None;
        self.conns.clear();
    }

    /// Listens again on the same port.
    pub fn start_again(&mut self) {
        self.pstream =
            Some(PStream::open(&format!("ptcp:{}:127.0.0.1", self.port), 0).expect("relisten"));
    }

    /// Accepts, reads and answers what is there, without blocking.
    pub fn run(&mut self) {
        if let Some(p) = &mut self.pstream {
            loop {
                match p.accept() {
                    Ok(s) => {
                        self.accepted += 1;
                        self.conns.push(Jsonrpc::open(s));
                    }
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                    Err(e) => panic!("accept: {e}"),
                }
            }
        }
        for c in &mut self.conns {
            c.run();
            while self.read {
                match c.recv() {
                    Ok(msg) => {
                        if self.answer && msg.msg_type == MsgType::Request {
                            let reply = Msg::create_reply(
                                msg.params.clone().unwrap(),
                                msg.id.as_ref().unwrap(),
                            );
                            let _ = c.send(reply);
                        }
                        self.received.push(msg);
                    }
                    Err(_) => break,
                }
            }
        }
        self.conns.retain(|c| c.get_status() == 0);
    }

    /// Registers what [`run`](Self::run) waits for with the poll loop.
    pub fn wait(&self) {
        if let Some(p) = &self.pstream {
            p.wait();
        }
        for c in &self.conns {
            c.wait();
            if self.read {
                c.recv_wait();
            }
        }
    }
}

/// A TCP port on loopback with nothing listening: connections are refused.
pub fn refused_remote() -> String {
    format!("tcp:127.0.0.1:{}", super::free_port())
}

/// Runs the session, the servers and `cond` until `cond` holds; fails
/// the test after the deadline, naming `what`. What the session delivers
/// goes to the inbox ([`take_inbox`]).
pub fn drive_session<F>(
    s: &mut JsonrpcSession,
    servers: &mut [&mut Server],
    what: &str,
    mut cond: F,
) where
    F: FnMut(&mut JsonrpcSession, &mut [&mut Server]) -> bool,
{
    drive(what, || {
        s.run();
        // Receive as an application does: this is also what lets the
        // session notice EOF and count receive attempts.
        while let Some(m) = s.recv() {
            INBOX.with(|i| i.borrow_mut().push(m));
        }
        for sv in servers.iter_mut() {
            sv.run();
        }
        if cond(s, servers) {
            return true;
        }
        s.wait();
        s.recv_wait();
        for sv in servers.iter() {
            sv.wait();
        }
        false
    });
}

/// Sends an echo-method request and waits for its reply through the
/// session; returns the reply's result.
pub fn roundtrip(s: &mut JsonrpcSession, servers: &mut [&mut Server], value: i64) -> Json {
    let req = Msg::create_request("ping", Json::array(vec![Json::Integer(value)]));
    let id = req.id.clone();
    s.send(req).expect("send");
    let mut result = None;
    drive_session(s, servers, "reply", |_, _| {
        for m in take_inbox() {
            if m.msg_type == MsgType::Reply && m.id == id {
                result = m.result.clone();
            }
        }
        result.is_some()
    });
    result.unwrap()
}

/// Session options with the remotes tried in the order given.
pub fn opts() -> SessionOpenOptions {
    SessionOpenOptions {
        order: RemoteOrder::AsGiven,
        ..Default::default()
    }
}

/// A loopback port nothing answers: its SYNs are dropped (None without
/// iptables).
pub fn black_hole() -> Option<(String, super::DropRule)> {
    let port = super::free_port();
    let rule = super::DropRule::syn_to(port)?;
    Some((format!("tcp:127.0.0.1:{port}"), rule))
}
