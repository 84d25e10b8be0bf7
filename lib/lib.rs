//! ovsrpc: Open vSwitch's synchronous JSON-RPC stack, in Rust.
//!
//! This is the machinery OVS daemons and tools use to talk to `ovsdb-server`
//! and to each other: a poll loop, a monotonic clock, the reconnect state
//! machine, byte streams chosen by name, OVS's JSON dialect, JSON-RPC 1.0
//! connections, and sessions that reconnect over one or more remotes. It has
//! no async runtime: one thread runs a loop that does all the work that can
//! be done now, then sleeps in `epoll` until there is more. (The one thread
//! the library starts looks up host names, which `getaddrinfo` would
//! otherwise block the loop on.) Behaviour, log messages and C names follow OVS function by
//! function, so what you know about OVS's `lib/jsonrpc.c` holds here.
//!
//! # Layers
//!
//! From the bottom up, each built on the ones before:
//!
//! | module | OVS | what it does |
//! |---|---|---|
//! | [`timeval`] | `timeval.c` | monotonic milliseconds ([`timeval::time_msec`]) |
//! | [`poll_loop`] | `poll-loop.c` | per-thread poll set: [`poll_loop::fd_wait`], [`poll_loop::timer_wait`], [`poll_loop::immediate_wake`], [`poll_loop::block`] |
//! | [`reconnect`] | `reconnect.c` | when to connect, back off, probe and give up; pure logic, time passed in |
//! | [`stream`] | `stream*.c` | non-blocking byte streams by name: `tcp:`, `unix:`, `ssl:` and passive `ptcp:`, `punix:`, `pssl:` |
//! | [`json`] | `json.c` | the [`json::Json`] value, incremental parser, serializer, serde bridge |
//! | [`jsonrpc`] | `jsonrpc.c` | [`jsonrpc::Msg`]; [`jsonrpc::Jsonrpc`], one connection; [`jsonrpc::JsonrpcSession`], a connection that reconnects, over several remotes |
//! | [`ovsdb`] | `ovsdb-cs.c` | [`ovsdb::OvsdbCs`], a cluster-aware OVSDB client: `_Server` checks, `monitor_cond_since`, a replica, transactions and locks |
//! | [`vlog`] | `vlog.c` | log rate limiting ([`vlog::RateLimit`]), levels per module changeable at run time |
//! | [`unixctl`] | `unixctl.c` | the control socket `ovs-appctl` talks to: [`unixctl::UnixctlServer`], [`unixctl::UnixctlClient`] |
//! | `capi` | the headers above | the `extern "C"` functions behind `libovsrpc.a` (feature `capi`) |
//!
//! Most programs only need [`jsonrpc::JsonrpcSession`] and the poll loop.
//!
//! # The main loop
//!
//! Every object has a `run` method (do what can be done now; never block)
//! and a `wait` method (tell the poll loop what would let `run` make
//! progress: a readable socket, a timer). A program's loop calls every
//! `run`, handles what arrived, calls every `wait`, then
//! [`poll_loop::block`], which sleeps until one of the registered events
//! happens. Registrations are one-shot: each pass registers afresh.
//!
//! For a [`jsonrpc::JsonrpcSession`] one pass is: `run`; `recv` until it
//! returns `None` (and `send` whatever you have to say); `wait` and
//! `recv_wait`; then [`poll_loop::block`]. Here a listening session (a
//! server on a Unix socket) and a client session share one loop and
//! exchange one request; sessions answer `echo` requests by themselves:
//!
//! ```
//! use ovsrpc::json::Json;
//! use ovsrpc::jsonrpc::{JsonrpcSession, Msg, MsgType};
//! use ovsrpc::poll_loop;
//! use ovsrpc::timeval::time_msec;
//!
//! let dir = std::env::temp_dir().join(format!("ovsrpc-doc-{}", std::process::id()));
//! std::fs::create_dir_all(&dir)?;
//! let socket = dir.join("demo.sock");
//!
//! // A passive name listens; an active one connects (and reconnects).
//! let mut server = JsonrpcSession::open(&format!("punix:{}", socket.display()), true);
//! let mut client = JsonrpcSession::open(&format!("unix:{}", socket.display()), true);
//!
//! let mut request = Some(Msg::create_request("echo", Json::array(vec!["hello".into()])));
//! let id = request.as_ref().unwrap().id.clone();
//! let deadline = time_msec() + 10_000;
//! let reply = loop {
//!     // Run: connect, accept, flush output, probe, reconnect.
//!     server.run();
//!     client.run();
//!
//!     // Handle what arrived. The server session answers `echo` inside
//!     // `recv`; any other request would come out here to be answered.
//!     while let Some(msg) = server.recv() {
//!         if msg.msg_type == MsgType::Request {
//!             let error = Json::from("unknown method");
//!             server.send(Msg::create_error(error, msg.id.as_ref().unwrap()))?;
//!         }
//!     }
//!     if client.is_connected() {
//!         if let Some(request) = request.take() {
//!             client.send(request)?;
//!         }
//!     }
//!     if let Some(msg) = client.recv() {
//!         if msg.msg_type == MsgType::Reply && msg.id == id {
//!             break msg;
//!         }
//!     }
//!     assert!(time_msec() < deadline, "no reply within 10 s");
//!
//!     // Wait: register what would let a `run` or `recv` make progress...
//!     server.wait();
//!     server.recv_wait();
//!     client.wait();
//!     client.recv_wait();
//!     poll_loop::timer_wait_until(deadline);
//!     // ...and sleep until one of those happens.
//!     poll_loop::block();
//! };
//! assert_eq!(reply.result, Some(Json::array(vec!["hello".into()])));
//! # drop(server);
//! # std::fs::remove_dir_all(&dir)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Several remotes, and surviving the loss of one
//!
//! [`jsonrpc::JsonrpcSession::open_multiple`] takes a list of remotes,
//! shuffles it once, and connects to one; when a connection attempt fails
//! or the connection drops it moves on to the next, one full round without
//! backoff, then with OVS's backoff (1 s doubling to 8 s). Each
//! (re)connection changes [`jsonrpc::JsonrpcSession::get_seqno`]: a request
//! sent before the change may never be answered, so a client sends it again
//! on the new connection. `examples/client.rs` is a complete client that
//! does this; [`jsonrpc::SessionOpenOptions`] has options beyond OVS (connect
//! timeouts, faster failover, remotes that keep failing tried last).
//!
//! # Errors
//!
//! Where OVS returns an errno, this crate returns an [`Error`] carrying it
//! (or OVS's `EOF`, -1, when the peer closed the connection); streams
//! return `std::io::Error` with the same errno, `WouldBlock` for `EAGAIN`.
//! Bad input from a peer is an error on that connection (`EPROTO`, with a
//! log line), never a panic.
//!
//! # Logging
//!
//! The library logs through the [`log`](https://docs.rs/log) crate with
//! OVS's wording, each line starting with the name of the remote or
//! listener it is about (`tcp:127.0.0.1:6640: connecting...`,
//! `unix:/run/db.sock: connection closed by peer`). Targets are module
//! paths, so with `env_logger`:
//!
//! * `RUST_LOG=ovsrpc=info`: connections made, lost and retried;
//! * `RUST_LOG=ovsrpc=debug`: also every JSON-RPC message sent and received
//!   (`tcp:127.0.0.1:6640: send request, method="echo", params=[], id=0`),
//!   state changes of the reconnect machine, and what woke the poll loop.
//!
//! Warnings that can repeat without bound (receive errors, TLS failures)
//! are rate-limited as in OVS; see [`vlog`].
//!
//! # Features
//!
//! * `ssl` (default): `ssl:` and `pssl:` streams on rustls, configured as
//!   in OVS (private key, certificate, CA certificate, optional bootstrap).
//! * `capi` (default): the C ABI, OVS's C function names over this crate,
//!   for C programs linking `libovsrpc.a`.
//!
//! # Threads
//!
//! The poll set is per thread and a session belongs to the thread that runs
//! it; several threads may each run their own loop. Nothing blocks except
//! [`poll_loop::block`] and the functions named `*_block`.
#![deny(missing_docs)]
#![deny(unsafe_code)]

pub mod error;
pub mod json;
pub mod jsonrpc;
pub mod ovsdb;
pub mod poll_loop;
pub mod reconnect;
pub mod stream;
pub mod timeval;
pub mod unixctl;
pub mod vlog;

#[cfg(feature = "capi")]
#[allow(unsafe_code)]
pub mod capi;

pub use error::{Error, Result};
