//! Replays the fuzz corpora (fuzz/corpus/TARGET/*) through the fuzz
//! targets' own checks (fuzz/targets/TARGET.rs, the same code the fuzz
//! crate runs), so that `cargo test` and `make check` keep every input the
//! fuzzers found interesting passing. Each file runs on its own; a failure
//! names every file that failed and why.

#[path = "../fuzz/targets/json_chunks.rs"]
mod json_chunks;
#[path = "../fuzz/targets/json_parse.rs"]
mod json_parse;
#[path = "../fuzz/targets/jsonrpc_msg.rs"]
mod jsonrpc_msg;
#[path = "../fuzz/targets/reconnect_fsm.rs"]
mod reconnect_fsm;
#[path = "../fuzz/targets/stream_names.rs"]
mod stream_names;

use std::panic::{self, AssertUnwindSafe};
use std::path::PathBuf;

/// Runs `check` on every file of fuzz/corpus/`target`; fails naming each
/// file whose check panicked. An empty or missing corpus is a failure too.
fn replay(target: &str, check: fn(&[u8])) {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.expect("corpus entry").path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "{} holds no inputs", dir.display());
    let mut failures = Vec::new();
    for file in &files {
        let data = std::fs::read(file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        if let Err(e) = panic::catch_unwind(AssertUnwindSafe(|| check(&data))) {
            let why = e
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            failures.push(format!("{}: {why}", file.display()));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} {target} inputs failed:\n{}",
        failures.len(),
        files.len(),
        failures.join("\n")
    );
    eprintln!("{target}: {} inputs replayed", files.len());
}

#[test]
fn json_parse_corpus() {
    replay("json_parse", json_parse::run);
}

#[test]
fn json_chunks_corpus() {
    replay("json_chunks", json_chunks::run);
}

#[test]
fn jsonrpc_msg_corpus() {
    replay("jsonrpc_msg", jsonrpc_msg::run);
}

#[test]
fn stream_names_corpus() {
    replay("stream_names", stream_names::run);
}

#[test]
fn reconnect_fsm_corpus() {
    replay("reconnect_fsm", reconnect_fsm::run);
}
