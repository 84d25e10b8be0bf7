//! Fuzz target: stream name parsing. The checks live in
//! fuzz/targets/stream_names.rs, which the corpus replay test
//! (tests/fuzz_corpus.rs) runs too.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../targets/stream_names.rs"]
mod target;

fuzz_target!(|data: &[u8]| target::run(data));
