//! Replays the fuzz corpora (fuzz/corpus/TARGET/*) through the fuzz
//! targets' own checks (fuzz/targets/TARGET.rs, the same code the fuzz
//! crate runs), so that `cargo test` and `make check` keep every input the
//! fuzzers found interesting passing. Each file runs on its own; a failure
//! names every file that failed and why.

// Each target includes fuzz/targets/common.rs itself, as it does in its
// own fuzz binary; here that module is compiled once per target.
#![allow(clippy::duplicate_mod)]

#[path = "../fuzz/targets/json_c_nodes.rs"]
mod json_c_nodes;
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
fn json_c_nodes_corpus() {
    replay("json_c_nodes", json_c_nodes::run);
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

/// A small xorshift generator: the soak below needs no crate for it.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Appends a random JSON value (OVSDB-ish pieces, odd numbers and
/// strings) of at most `depth` levels.
fn gen_value(r: &mut Rng, depth: usize, out: &mut Vec<u8>) {
    const ATOMS: &[&str] = &[
        "null",
        "true",
        "false",
        "0",
        "-0",
        "1",
        "-17",
        "1500",
        "1e10",
        "1.5e-3",
        "-1e-400",
        "1e400",
        "9223372036854775807",
        "9223372036854775808",
        "-9223372036854775809",
        "0.1",
        "\"\"",
        "\"uuid\"",
        "\"map\"",
        "\"set\"",
        "\"tap\\u00e9\\n\"",
        "\"\\ud834\\udd1e\"",
        "\"\\\"q\\\"\"",
        "\"\\\\\"",
        "\"\\t\\b\\f\\r\"",
        "\"é€\"",
        "\"\\u0001\"",
        "\"6f8a1c2e-0000-4000-8000-0123456789ab\"",
    ];
    let pick = if depth == 0 { 0 } else { r.below(4) };
    match pick {
        2 => {
            out.push(b'[');
            for i in 0..r.below(6) {
                if i > 0 {
                    out.push(b',');
                }
                gen_value(r, depth - 1, out);
            }
            out.push(b']');
        }
        3 => {
            out.push(b'{');
            for i in 0..r.below(6) {
                if i > 0 {
                    out.push(b',');
                }
                // Few names, so that repeats happen.
                let name = ["a", "b", "name", "new", "old", "é", "_uuid"][r.below(7)];
                out.extend_from_slice(format!("\"{name}\":").as_bytes());
                gen_value(r, depth - 1, out);
            }
            out.push(b'}');
        }
        _ => out.extend_from_slice(ATOMS[r.below(ATOMS.len())].as_bytes()),
    }
}

/// One input for `json_c_nodes::run`: chunk sizes, then a few texts with
/// white space between, then some random mutations.
fn gen_input(r: &mut Rng) -> Vec<u8> {
    let mut data = Vec::new();
    let k = r.below(16);
    data.push(k as u8);
    for _ in 0..k {
        data.push(r.next() as u8);
    }
    for i in 0..1 + r.below(3) {
        if i > 0 {
            data.extend_from_slice([&b" "[..], b"\n", b"", b"\t "][r.below(4)]);
        }
        let mut v = Vec::new();
        if r.below(2) == 0 {
            v.push(b'[');
            gen_value(r, 5, &mut v);
            v.push(b']');
        } else {
            gen_value(r, 5, &mut v);
        }
        data.extend_from_slice(&v);
    }
    const PUNCT: &[u8] = b"{}[],:\"\\ 0e-.";
    let body = 1 + k;
    for _ in 0..r.below(4) {
        if data.len() <= body {
            break;
        }
        let at = body + r.below(data.len() - body);
        match r.below(5) {
            0 => data[at] = r.next() as u8,
            1 => data[at] = PUNCT[r.below(PUNCT.len())],
            2 => {
                data.remove(at);
            }
            3 => data.insert(at, PUNCT[r.below(PUNCT.len())]),
            _ => data.truncate(at),
        }
    }
    data
}

/// Runs the `json_c_nodes` check over generated inputs for
/// `FUZZ_SECS` seconds (default 600), for machines without cargo-fuzz:
/// `cargo test --release --test fuzz_corpus -- --ignored --nocapture`.
/// Fails on the first input whose check panics, printing it.
#[test]
#[ignore]
fn json_c_nodes_soak() {
    let secs: u64 = std::env::var("FUZZ_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(600);
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(1, |d| d.as_nanos() as u64 | 1);
    let mut r = Rng(seed);
    let start = std::time::Instant::now();
    let mut execs: u64 = 0;
    while start.elapsed().as_secs() < secs {
        let data = gen_input(&mut r);
        if let Err(e) = panic::catch_unwind(AssertUnwindSafe(|| json_c_nodes::run(&data))) {
            let why = e
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            panic!("input {:?} failed after {execs} executions: {why}", data);
        }
        execs += 1;
    }
    eprintln!(
        "json_c_nodes soak: {execs} executions in {} s (seed {seed}), 0 crashes",
        start.elapsed().as_secs()
    );
}
