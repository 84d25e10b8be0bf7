//! ovsrpc: Open vSwitch's synchronous JSON-RPC stack in Rust.
//!
//! The crate mirrors OVS's C modules, layer by layer:
//!
//! * [`poll_loop`] and [`timeval`]: a per-thread poll set and a monotonic
//!   clock. Every object has a `run` (do what can be done now, never block)
//!   and a `wait` (register what would let `run` make progress); a main loop
//!   calls all the `run`s, then all the `wait`s, then [`poll_loop::block`].
//! * [`reconnect`]: OVS's reconnect state machine, pure logic that takes the
//!   current time as an argument.
//! * [`stream`]: active and passive byte streams chosen by name (`tcp:`,
//!   `unix:`, `ptcp:`, `punix:`, ...).
//! * [`json`]: OVS's JSON dialect: value type, incremental parser, serializer.
//! * [`jsonrpc`]: JSON-RPC 1.0 messages, connections and reconnecting
//!   sessions over one or more remotes.
//! * `capi`: the extern "C" functions behind `libovsrpc.a` and the headers
//!   in `include/`.
#![deny(missing_docs)]
#![deny(unsafe_code)]

pub mod error;
pub mod json;
pub mod jsonrpc;
pub mod poll_loop;
pub mod reconnect;
pub mod stream;
pub mod timeval;
pub mod vlog;

#[cfg(feature = "capi")]
#[allow(unsafe_code)]
pub mod capi;

pub use error::{Error, Result};
