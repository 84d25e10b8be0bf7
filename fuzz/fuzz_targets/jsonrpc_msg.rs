//! Fuzz target: JSON-RPC message decoding through a real connection. The checks live in
//! fuzz/targets/jsonrpc_msg.rs, which the corpus replay test
//! (tests/fuzz_corpus.rs) runs too.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../targets/jsonrpc_msg.rs"]
mod target;

fuzz_target!(|data: &[u8]| target::run(data));
