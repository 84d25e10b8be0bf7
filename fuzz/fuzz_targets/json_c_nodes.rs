//! Fuzz target: the C API's parser building C nodes, fed in random
//! chunkings, against the Rust path. The checks live in
//! fuzz/targets/json_c_nodes.rs, which the corpus replay test
//! (tests/fuzz_corpus.rs) runs too.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../targets/json_c_nodes.rs"]
mod target;

fuzz_target!(|data: &[u8]| target::run(data));
