//! Fuzz target: the streaming JSON parser fed in random chunkings. The checks live in
//! fuzz/targets/json_chunks.rs, which the corpus replay test
//! (tests/fuzz_corpus.rs) runs too.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../targets/json_chunks.rs"]
mod target;

fuzz_target!(|data: &[u8]| target::run(data));
