//! Fuzz target: JSON-RPC messages received through the C API's connection
//! (`jsonrpc_recv()` building C messages), against the Rust path. The
//! checks live in fuzz/targets/jsonrpc_c_recv.rs, which the corpus replay
//! test (tests/fuzz_corpus.rs) runs too.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../targets/jsonrpc_c_recv.rs"]
mod target;

fuzz_target!(|data: &[u8]| target::run(data));
