//! Fuzz target: the JSON parser. The checks live in
//! fuzz/targets/json_parse.rs, which the corpus replay test
//! (tests/fuzz_corpus.rs) runs too.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../targets/json_parse.rs"]
mod target;

fuzz_target!(|data: &[u8]| target::run(data));
