//! JSON-RPC 1.0 as OVS speaks it: messages ([`Msg`]), connections over one
//! stream ([`Jsonrpc`]) and reconnecting sessions over one or more remotes
//! ([`JsonrpcSession`]).

pub mod connection;
pub mod msg;
mod output;
pub mod remotes;
pub mod session;

pub use connection::{
    Jsonrpc, DEFAULT_INPUT_BUFFER, DEFAULT_MAX_MSG_SIZE, OVSDB_OLD_PORT, OVSDB_PORT,
};
pub use msg::{Msg, MsgType};
pub(crate) use output::Outgoing;
pub use remotes::{RemoteOrder, RemoteStats};
pub use session::{JsonrpcSession, SessionOpenOptions, SessionOptions};
