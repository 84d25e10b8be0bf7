//! Fuzz target: the reconnect FSM with random command sequences. The checks live in
//! fuzz/targets/reconnect_fsm.rs, which the corpus replay test
//! (tests/fuzz_corpus.rs) runs too.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../targets/reconnect_fsm.rs"]
mod target;

fuzz_target!(|data: &[u8]| target::run(data));
