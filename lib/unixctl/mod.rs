//! OVS's unixctl: the control socket that `ovs-appctl` talks to (OVS's
//! `lib/unixctl.c`).
//!
//! A program creates a [`UnixctlServer`] listening on `punix:` at OVS's
//! default path, `RUNDIR/PROGRAM.PID.ctl` ([`default_path`]), or at a path
//! of its choice, registers commands, and calls the server's `run` and
//! `wait` in its main loop. `ovs-appctl -t PATH COMMAND ARG...` then
//! sends the command as a JSON-RPC request whose method is the command
//! and whose params are the arguments, all strings; the reply's result
//! (success) or error is a text, which `ovs-appctl` prints.
//!
//! A command has a usage text (for `list-commands`), a minimum and a
//! maximum number of arguments (checked before the handler is called,
//! with OVS's error texts) and a handler. The handler answers through the
//! [`UnixctlConn`] it is given, at once or later (keep the `UnixctlConn`
//! and reply when the answer is known; the connection reads no other
//! request meanwhile). Built in: `list-commands`, `version`, and
//! `vlog/set`, `vlog/list` over [`crate::vlog::levels`] (they change what
//! the program logs once it installs [`crate::vlog::init`] as its logger),
//! `vlog/enable-rate-limit` and `vlog/disable-rate-limit`.
//! [`register_session_commands`] adds status and `reconnect` commands for
//! a [`JsonrpcSession`](crate::jsonrpc::JsonrpcSession).
//!
//! [`UnixctlClient`] is the other end: one command, one reply.
//!
//! ```
//! use ovsrpc::poll_loop;
//! use ovsrpc::unixctl::{UnixctlClient, UnixctlServer};
//!
//! let dir = std::env::temp_dir().join(format!("ovsrpc-unixctl-doc-{}", std::process::id()));
//! std::fs::create_dir_all(&dir)?;
//! let path = dir.join("doc.ctl");
//!
//! // The context here counts the calls; a program would pass its state.
//! let mut server: UnixctlServer<u32> = UnixctlServer::create(path.to_str())?;
//! server.register("greet", "NAME", 1, 1, |calls, conn, args| {
//!     *calls += 1;
//!     conn.reply(&format!("hello, {}", args[0]));
//! });
//!
//! // The client blocks, so it runs in a thread of its own here.
//! let client = std::thread::spawn(move || {
//!     let mut client = UnixctlClient::create_at(&path).unwrap();
//!     client.transact("greet", &["world"]).unwrap()
//! });
//! let mut calls = 0;
//! while !client.is_finished() {
//!     server.run(&mut calls);
//!     server.wait();
//!     poll_loop::timer_wait(10);
//!     poll_loop::block();
//! }
//! assert_eq!(client.join().unwrap(), Ok("hello, world\n".to_string()));
//! assert_eq!(calls, 1);
//! # drop(server);
//! # std::fs::remove_dir_all(&dir)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod client;
mod server;
mod session;

pub use crate::stream::rundir_or;
pub use client::UnixctlClient;
pub use server::{default_path, program_name, Handler, UnixctlConn, UnixctlServer};
pub use session::{register_session_commands, remote_stats, session_status, SessionGetter};
