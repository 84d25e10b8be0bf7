//! A cluster-aware OVSDB client: OVS's `lib/ovsdb-cs.c` and the replica
//! half of its IDL, over a [`JsonrpcSession`](crate::jsonrpc::JsonrpcSession).
//!
//! [`OvsdbCs`] connects to one of several remotes and, on every connection,
//! walks OVS's states ([`State`]): it reads the server's `_Server` schema,
//! monitors `_Server.Database`, checks that the server suits the database
//! (its model, whether it is `connected` to its cluster, whether it is the
//! `leader` when only the leader will do, that its Raft `index` is not
//! behind what the client has seen, its cluster id when the remote pins
//! one), and then monitors the data with `monitor_cond_since` from the last
//! transaction id it saw, falling back to `monitor_cond` and `monitor`. A
//! server found unsuitable, at once or later (a leader that loses its
//! leadership, a member cut off from its cluster), is left for the next
//! remote. Updates come out as [`Event`]s, which a [`Replica`] applies.
//!
//! | file | OVS | what |
//! |---|---|---|
//! | `cs.rs` | `ovsdb_cs_*` | [`OvsdbCs`]: the client over a session |
//! | `machine.rs` | `ovsdb-cs.c` internals | the state machine, without I/O |
//! | `machine/txn.rs` | `ovsdb_cs_*_lock`, `ovsdb_cs_send_transaction` | locks and transactions |
//! | `server.rs` | `ovsdb_cs_check_server_db` | the `_Server` checks |
//! | `update.rs` | `ovsdb_cs_parse_db_update` | update parsing |
//! | `replica.rs` | the IDL's row handling | [`Replica`] |
//! | `condition.rs` | `ovsdb_cs_db_*_condition` | monitor conditions |
//! | `schema.rs`, `datum.rs` | `ovsdb_cs_parse_schema`, `ovsdb_datum_apply_diff` | schemas and values |
//!
//! ```no_run
//! use ovsrpc::json;
//! use ovsrpc::ovsdb::{Event, OvsdbCs, Replica, TxnOutcome};
//! use ovsrpc::poll_loop;
//!
//! let mut cs = OvsdbCs::new("OVN_Northbound");
//! cs.add_table("Logical_Switch");
//! cs.set_remote(Some("tcp:127.0.0.1:6641,tcp:127.0.0.1:6643,tcp:127.0.0.1:6645"), true);
//! let mut replica = Replica::new();
//! let mut txn = None;
//! loop {
//!     for event in cs.run() {
//!         match event {
//!             Event::Connected(server) => println!("on {} (leader: {})", server.remote, server.leader),
//!             Event::Update(update) => {
//!                 if replica.apply(&update).is_err() {
//!                     cs.flag_inconsistency(); // reload everything
//!                 }
//!             }
//!             Event::TxnReply { outcome: TxnOutcome::Unknown, .. } => println!("lost with the connection: check before retrying"),
//!             Event::TxnReply { outcome, .. } => println!("{outcome:?}"),
//!             _ => {}
//!         }
//!     }
//!     if txn.is_none() && cs.may_send_transaction() {
//!         let op = json::from_str(r#"{"op":"insert","table":"Logical_Switch","row":{"name":"sw0"}}"#).unwrap();
//!         txn = cs.send_transaction(vec![op]);
//!     }
//!     cs.wait();
//!     poll_loop::block();
//! }
//! ```

mod condition;
mod cs;
mod datum;
mod event;
mod machine;
mod replica;
mod schema;
mod server;
mod state;
mod update;

#[cfg(test)]
mod tests;

pub use cs::{parse_remote, OvsdbCs};
pub use datum::{apply_diff, atom_cmp, make_map, make_set, normalize};
pub use event::{Event, ServerInfo, TxnOutcome, UpdateEvent};
pub use replica::{Replica, Table};
pub use schema::{AtomicType, ColumnType, Schema, SchemaError, TableSchema};
pub use server::{check_server_db, Suitable, Unsuitable};
pub use state::State;
pub use update::{parse_db_update, RowUpdate, RowUpdateType, TableUpdate, UpdateError};
