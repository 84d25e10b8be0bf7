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
#[path = "../fuzz/targets/jsonrpc_c_recv.rs"]
mod jsonrpc_c_recv;
#[path = "../fuzz/targets/jsonrpc_msg.rs"]
mod jsonrpc_msg;
#[path = "../fuzz/targets/reconnect_fsm.rs"]
mod reconnect_fsm;
#[path = "../fuzz/targets/stream_names.rs"]
mod stream_names;

use std::panic::{self, AssertUnwindSafe};
use std::path::PathBuf;

/// Runs `check` on `data`, catching a panic: `Err` holds its message.
fn check_caught(check: fn(&[u8]), data: &[u8]) -> Result<(), String> {
    panic::catch_unwind(AssertUnwindSafe(|| check(data))).map_err(|e| {
        e.downcast_ref::<String>()
            .cloned()
            .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_default()
    })
}

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
        if let Err(why) = check_caught(check, &data) {
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
fn jsonrpc_c_recv_corpus() {
    replay("jsonrpc_c_recv", jsonrpc_c_recv::run);
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

/// The atoms of generated JSON: OVSDB-ish pieces, odd numbers and
/// strings. The last, a number out of range, fails wherever it appears.
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
    "1e400",
];

/// Appends a random JSON value made of [`ATOMS`] of at most `depth`
/// levels.
fn gen_value(r: &mut Rng, depth: usize, out: &mut Vec<u8>) {
    gen_value_of(r, depth, ATOMS, out);
}

/// Appends a random JSON value made of `atoms` of at most `depth` levels.
fn gen_value_of(r: &mut Rng, depth: usize, atoms: &[&str], out: &mut Vec<u8>) {
    let pick = if depth == 0 { 0 } else { r.below(4) };
    match pick {
        2 => {
            out.push(b'[');
            for i in 0..r.below(6) {
                if i > 0 {
                    out.push(b',');
                }
                gen_value_of(r, depth - 1, atoms, out);
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
                gen_value_of(r, depth - 1, atoms, out);
            }
            out.push(b'}');
        }
        _ => out.extend_from_slice(atoms[r.below(atoms.len())].as_bytes()),
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
    mutate(r, &mut data, 1 + k);
    data
}

/// Applies up to three random mutations to `data` from byte `body` on:
/// a byte replaced (by any byte or by JSON's punctuation), removed or
/// inserted, or the rest cut off.
fn mutate(r: &mut Rng, data: &mut Vec<u8>, body: usize) {
    const PUNCT: &[u8] = b"{}[],:\"\\ 0e-.";
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
}

/// Appends one JSON-RPC message, or something in its place: a request, a
/// notification, a reply or an error reply (members in random order, a
/// `null` member or a name written with an escape now and then), or one with a member a message cannot
/// have, a member of the wrong kind, a member given twice, or a value
/// that is no object.
fn gen_message(r: &mut Rng, out: &mut Vec<u8>) {
    const METHODS: &[&str] = &[
        "\"echo\"",
        "\"transact\"",
        "\"monitor_cond\"",
        "\"update\"",
        "\"\"",
        "\"tap\\u00e9\"",
        "5",
        "null",
    ];
    const IDS: &[&str] = &[
        "0",
        "1",
        "-17",
        "\"echo\"",
        "\"x\"",
        "[1,\"a\"]",
        "{}",
        "1.5",
    ];
    // Values that parse, so that most messages arrive.
    let in_range = &ATOMS[..ATOMS.len() - 1];
    let value = |r: &mut Rng| {
        let mut v = Vec::new();
        gen_value_of(r, 3, in_range, &mut v);
        String::from_utf8(v).expect("generated JSON is UTF-8")
    };
    let params = |r: &mut Rng| {
        if r.below(8) == 0 {
            value(r)
        } else {
            let mut v = vec![b'['];
            for i in 0..r.below(4) {
                if i > 0 {
                    v.push(b',');
                }
                gen_value_of(r, 3, in_range, &mut v);
            }
            v.push(b']');
            String::from_utf8(v).expect("generated JSON is UTF-8")
        }
    };
    let method = |r: &mut Rng| {
        if r.below(6) == 0 {
            METHODS[r.below(METHODS.len())].to_string()
        } else {
            METHODS[r.below(4)].to_string()
        }
    };
    let id = |r: &mut Rng| IDS[r.below(IDS.len())].to_string();
    let mut members: Vec<(&str, String)> = match r.below(16) {
        0..=3 => vec![("method", method(r)), ("params", params(r)), ("id", id(r))],
        4..=6 => {
            let mut m = vec![("method", method(r)), ("params", params(r))];
            if r.below(2) == 0 {
                m.push(("id", "null".to_string()));
            }
            m
        }
        7..=9 => vec![
            ("result", value(r)),
            ("error", "null".to_string()),
            ("id", id(r)),
        ],
        10..=12 => vec![
            ("error", value(r)),
            ("result", "null".to_string()),
            ("id", id(r)),
        ],
        13 => {
            // No message: a value of another kind at the top level.
            if r.below(2) == 0 {
                out.extend_from_slice(params(r).as_bytes());
            } else {
                gen_value_of(r, 3, in_range, out);
            }
            return;
        }
        _ => {
            // Any members at all, some of them none a message has.
            let names = [
                "method", "params", "result", "error", "id", "extra", "Method", "",
            ];
            (0..r.below(6))
                .map(|_| (names[r.below(names.len())], value(r)))
                .collect()
        }
    };
    if r.below(6) == 0 && !members.is_empty() {
        let (name, _) = members[r.below(members.len())];
        let again = if r.below(2) == 0 {
            "null".to_string()
        } else {
            value(r)
        };
        members.insert(r.below(members.len() + 1), (name, again));
    }
    if r.below(12) == 0 {
        members.insert(r.below(members.len() + 1), ("extra", value(r)));
    }
    if r.below(2) == 0 {
        for i in (1..members.len()).rev() {
            members.swap(i, r.below(i + 1));
        }
    }
    out.push(b'{');
    for (i, (name, value)) in members.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.push(b'"');
        match name.as_bytes().split_first() {
            // The same name with its first letter escaped, now and then.
            Some((&first, rest)) if r.below(10) == 0 => {
                out.extend_from_slice(format!("\\u{:04x}", first).as_bytes());
                out.extend_from_slice(rest);
            }
            _ => out.extend_from_slice(name.as_bytes()),
        }
        out.extend_from_slice(format!("\":{value}").as_bytes());
    }
    out.push(b'}');
}

/// One input for `jsonrpc_c_recv::run`: how the end is read, chunk sizes
/// (small ones often), then a few messages with white space between,
/// then, for one input in two, some random mutations.
fn gen_msg_input(r: &mut Rng) -> Vec<u8> {
    let mut data = vec![r.next() as u8];
    let k = r.below(16);
    data.push(k as u8);
    for _ in 0..k {
        let size = if r.below(2) == 0 {
            r.below(16)
        } else {
            r.below(256)
        };
        data.push(size as u8);
    }
    for i in 0..1 + r.below(5) {
        if i > 0 {
            data.extend_from_slice([&b" "[..], b"\n", b"", b"", b"\t "][r.below(5)]);
        }
        gen_message(r, &mut data);
    }
    if r.below(4) == 0 {
        data.extend_from_slice([&b" "[..], b"\n", b"{", b"[1"][r.below(4)]);
    }
    if r.below(2) == 0 {
        mutate(r, &mut data, 2 + k);
    }
    data
}

/// Runs `check` over inputs made by `generate` for `FUZZ_SECS` seconds
/// (default 600), for machines without cargo-fuzz; prints the number of
/// executions, and fails on the first input whose check panics, printing
/// it.
fn soak(target: &str, generate: fn(&mut Rng) -> Vec<u8>, check: fn(&[u8])) {
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
        let data = generate(&mut r);
        if let Err(why) = check_caught(check, &data) {
            panic!("input {:?} failed after {execs} executions: {why}", data);
        }
        execs += 1;
    }
    eprintln!(
        "{target} soak: {execs} executions in {} s (seed {seed}), 0 crashes",
        start.elapsed().as_secs()
    );
}

/// The `json_c_nodes` check over generated JSON:
/// `cargo test --release --test fuzz_corpus json_c_nodes_soak -- --ignored
/// --nocapture`.
#[test]
#[ignore]
fn json_c_nodes_soak() {
    soak("json_c_nodes", gen_input, json_c_nodes::run);
}

/// The `jsonrpc_c_recv` check over generated streams of JSON-RPC messages:
/// `cargo test --release --test fuzz_corpus jsonrpc_c_recv_soak --
/// --ignored --nocapture`.
#[test]
#[ignore]
fn jsonrpc_c_recv_soak() {
    soak("jsonrpc_c_recv", gen_msg_input, jsonrpc_c_recv::run);
}
