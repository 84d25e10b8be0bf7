//! JSON parse and serialize throughput next to serde_json on the same input
//! in the same run, plus the incremental parser's cost of small pieces.
//!
//! Inputs: (a) an OVSDB monitor update of 10,000 generated rows (strings,
//! integers, uuids, sets, maps), (b) a 1 MB string full of escapes, (c)
//! 50,000 small JSON-RPC messages. Parsing includes dropping the result, for
//! both libraries. Each figure is the best of several alternating rounds.
//! For (a) the bench also prints the fastest Rust parsers it knows,
//! sonic-rs and simd-json, on the same input, each to its own value tree,
//! and the parse by ovsrpc and serde_json each alone in a process of its
//! own (alternate rounds in one process leave each parser the other's
//! heap).
//!
//! For comparing builds: OVSRPC_JSON_BENCH_SECTIONS=a,b,c,incremental
//! (any of them; same inputs), OVSRPC_JSON_NO_FASTEST (no sonic-rs and
//! simd-json), OVSRPC_JSON_NO_ALONE (no child processes), and
//! OVSRPC_JSON_PROFILE=ovsrpc|serde (one parser alone on (a), for perf).

use std::hint::black_box;
use std::time::{Duration, Instant};

use ovsrpc::json::{self, Json, Parser, SerializeOptions};

fn uuid(rng: &mut fastrand::Rng) -> String {
    let h = |rng: &mut fastrand::Rng, n: usize| -> String {
        (0..n)
            .map(|_| char::from(b"0123456789abcdef"[rng.usize(..16)]))
            .collect()
    };
    format!(
        "{}-{}-{}-{}-{}",
        h(rng, 8),
        h(rng, 4),
        h(rng, 4),
        h(rng, 4),
        h(rng, 12)
    )
}

/// (a) `{"id":null,"method":"update","params":[...]}` with `rows` Interface rows.
fn monitor_update(rows: usize, rng: &mut fastrand::Rng) -> String {
    let mut s = String::from(r#"{"id":null,"method":"update","params":["monid",{"Interface":{"#);
    for i in 0..rows {
        if i > 0 {
            s.push(',');
        }
        let mac = format!(
            "{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}",
            rng.u8(..),
            rng.u8(..),
            rng.u8(..),
            rng.u8(..),
            rng.u8(..),
            rng.u8(..)
        );
        s.push_str(&format!(
            concat!(
                r#""{}":{{"new":{{"name":"tap{}-{}","type":"","ofport":{},"mtu":1500,"admin_state":"up","link_state":"{}","#,
                r#""mac_in_use":"{}","ifindex":{},"link_speed":10000000000,"#,
                r#""external_ids":["map",[["attached-mac","{}"],["iface-id","{}"],["iface-status","active"],["vm-id","{}"]]],"#,
                r#""options":["map",[]],"bfd":["map",[]],"cfm_fault":["set",[]],"#,
                r#""statistics":["map",[["collisions",0],["rx_bytes",{}],["rx_dropped",{}],["rx_packets",{}],["tx_bytes",{}],["tx_packets",{}]]],"#,
                r#""ingress_policing_rate":0,"ingress_policing_burst":0,"#,
                r#""qos":["set",[["uuid","{}"]]],"mirrors":["set",[["uuid","{}"],["uuid","{}"]]],"link_resets":{}}}}}"#
            ),
            uuid(rng),
            i,
            rng.u32(..0xffff),
            rng.u16(1..65000),
            if rng.bool() { "up" } else { "down" },
            mac,
            rng.u32(1..100_000),
            mac,
            uuid(rng),
            uuid(rng),
            rng.u64(..1 << 40),
            rng.u32(..1000),
            rng.u64(..1 << 32),
            rng.u64(..1 << 40),
            rng.u64(..1 << 32),
            uuid(rng),
            uuid(rng),
            uuid(rng),
            rng.u8(..20),
        ));
    }
    s.push_str("}}]}");
    s
}

/// (b) `["..."]` holding about 1 MB of text with escapes.
fn escaped_string(rng: &mut fastrand::Rng) -> String {
    const PIECES: &[&str] = &[
        "plain text run ",
        "another stretch of ordinary words, ",
        "\\\"",
        "\\\\",
        "\\n",
        "\\t",
        "\\/",
        "\\u00e9",
        "\\u20ac",
        "\\ud834\\udd1e",
        "é",
        "€",
        "\\u0001",
    ];
    let mut s = String::from("[\"");
    while s.len() < 1_000_000 {
        s.push_str(PIECES[rng.usize(..PIECES.len())]);
    }
    s.push_str("\"]");
    s
}

/// (c) 50,000 small JSON-RPC messages.
fn small_messages(rng: &mut fastrand::Rng) -> Vec<String> {
    (0..50_000)
        .map(|i| match i % 4 {
            0 => format!(r#"{{"id":{i},"method":"echo","params":["hello",{i}]}}"#),
            1 => format!(r#"{{"id":{},"result":[{{"count":1}}],"error":null}}"#, i - 1),
            2 => format!(
                r#"{{"id":null,"method":"update2","params":["mon",{{"Port":{{"{}":{{"modify":{{"tag":{},"trunks":["set",[1,2,3]]}}}}}}}}]}}"#,
                uuid(rng),
                rng.u16(..4096)
            ),
            _ => format!(
                r#"{{"id":{i},"method":"transact","params":["Open_vSwitch",{{"op":"update","table":"Bridge","where":[["_uuid","==",["uuid","{}"]]],"row":{{"name":"br{i}"}}}}]}}"#,
                uuid(rng)
            ),
        })
        .collect()
}

/// Best time of `f` over rounds lasting about `budget` in all.
struct Timer {
    best: Duration,
}

impl Timer {
    fn new() -> Timer {
        Timer {
            best: Duration::MAX,
        }
    }

    fn run(&mut self, f: &mut dyn FnMut()) {
        let t = Instant::now();
        f();
        self.best = self.best.min(t.elapsed());
    }
}

/// Times `ours` and `theirs` alternately; returns their best times.
fn compare(
    rounds: usize,
    ours: &mut dyn FnMut(),
    theirs: &mut dyn FnMut(),
) -> (Duration, Duration) {
    let (mut a, mut b) = (Timer::new(), Timer::new());
    for _ in 0..rounds {
        a.run(ours);
        b.run(theirs);
    }
    (a.best, b.best)
}

fn mbps(bytes: usize, t: Duration) -> f64 {
    bytes as f64 / 1e6 / t.as_secs_f64()
}

fn report(what: &str, bytes: usize, ours: Duration, theirs: Duration, target: f64) {
    let (o, t) = (mbps(bytes, ours), mbps(bytes, theirs));
    println!(
        "json {what}: ovsrpc {o:8.1} MB/s, serde_json {t:8.1} MB/s, ratio {:.2}x (target >= {target:.1}x)",
        o / t
    );
}

fn bench_document(name: &str, text: &str, rounds: usize, target: f64, fastest: bool) {
    let bytes = text.as_bytes();
    let (ours, theirs) = compare(
        rounds,
        &mut || {
            drop(black_box(
                json::from_slice(black_box(bytes)).expect("parse"),
            ))
        },
        &mut || {
            drop(black_box(
                serde_json::from_slice::<serde_json::Value>(black_box(bytes)).expect("parse"),
            ))
        },
    );
    report(
        &format!("parse     {name} ({:.1} MB)", bytes.len() as f64 / 1e6),
        bytes.len(),
        ours,
        theirs,
        target,
    );
    if fastest && std::env::var_os("OVSRPC_JSON_NO_FASTEST").is_none() {
        fastest_parsers(bytes, ours, rounds);
    }

    let v = json::from_slice(bytes).expect("parse");
    let value: serde_json::Value = serde_json::from_slice(bytes).expect("parse");
    let out_len = v.to_compact_string().len();
    let (ours, theirs) = compare(
        rounds,
        &mut || drop(black_box(black_box(&v).to_vec(SerializeOptions::COMPACT))),
        &mut || {
            drop(black_box(
                serde_json::to_vec(black_box(&value)).expect("serialize"),
            ))
        },
    );
    report(
        &format!("serialize {name} ({:.1} MB)", out_len as f64 / 1e6),
        out_len,
        ours,
        theirs,
        1.0,
    );
}

/// Parses (a) with each parser alone in a child process of its own (this
/// bench run again with OVSRPC_JSON_PROFILE), alternately, and prints the
/// best times: a program holds one parser's trees, not two parsers'
/// interleaved, and the allocator's state shows in the interleaved line.
fn each_alone(bytes: usize) {
    let exe = std::env::current_exe().expect("current exe");
    let run = |who: &str| -> Duration {
        let out = std::process::Command::new(&exe)
            .arg("--bench")
            .env("OVSRPC_JSON_PROFILE", who)
            .output()
            .expect("run the bench alone");
        let text = String::from_utf8_lossy(&out.stdout);
        Duration::from_secs_f64(text.trim().parse().expect("a time"))
    };
    let (mut ours, mut theirs) = (Duration::MAX, Duration::MAX);
    for _ in 0..2 {
        ours = ours.min(run("ovsrpc"));
        theirs = theirs.min(run("serde"));
    }
    report(
        "parse     (a) each parser alone in its own process",
        bytes,
        ours,
        theirs,
        2.0,
    );
}

/// The same parse by the fastest Rust JSON parsers, to a tree of their own
/// (`sonic_rs::Value`, simd-json's owned value), printed next to `ours`.
/// simd-json parses in place, so its time includes copying the input into
/// a buffer of its own, as a caller holding a shared input must.
fn fastest_parsers(bytes: &[u8], ours: Duration, rounds: usize) {
    let (sonic, simd) = compare(
        rounds,
        &mut || {
            drop(black_box(
                sonic_rs::from_slice::<sonic_rs::Value>(black_box(bytes)).expect("parse"),
            ))
        },
        &mut || {
            let mut copy = black_box(bytes).to_vec();
            drop(black_box(
                simd_json::to_owned_value(&mut copy).expect("parse"),
            ))
        },
    );
    let o = mbps(bytes.len(), ours);
    let (s, d) = (mbps(bytes.len(), sonic), mbps(bytes.len(), simd));
    println!(
        "json parse     fastest Rust parsers, same input: sonic-rs {s:8.1} MB/s (ovsrpc {:.2}x), \
         simd-json {d:8.1} MB/s (ovsrpc {:.2}x)",
        o / s,
        o / d
    );
}

fn bench_messages(messages: &[String], rounds: usize) {
    let total: usize = messages.iter().map(String::len).sum();
    let (ours, theirs) = compare(
        rounds,
        &mut || {
            for m in messages {
                drop(black_box(
                    json::from_slice(black_box(m.as_bytes())).expect("parse"),
                ));
            }
        },
        &mut || {
            for m in messages {
                drop(black_box(
                    serde_json::from_slice::<serde_json::Value>(black_box(m.as_bytes()))
                        .expect("parse"),
                ));
            }
        },
    );
    report(
        &format!(
            "parse     (c) {} small messages ({:.1} MB)",
            messages.len(),
            total as f64 / 1e6
        ),
        total,
        ours,
        theirs,
        0.8,
    );

    // The same messages as one stream through one reused parser (what a
    // JSON-RPC connection does), against serde_json's stream deserializer.
    let stream: String = messages.concat();
    let (ours, theirs) = compare(
        rounds,
        &mut || {
            let mut p = Parser::new();
            let mut rest = stream.as_bytes();
            while !rest.is_empty() {
                let n = p.feed(rest);
                rest = &rest[n..];
                if p.is_done() {
                    drop(black_box(p.finish().expect("parse")));
                }
            }
        },
        &mut || {
            for v in serde_json::Deserializer::from_slice(stream.as_bytes())
                .into_iter::<serde_json::Value>()
            {
                drop(black_box(v.expect("parse")));
            }
        },
    );
    report(
        "parse     (c) as one stream, one parser",
        total,
        ours,
        theirs,
        0.8,
    );

    let parsed: Vec<Json> = messages
        .iter()
        .map(|m| json::from_str(m).expect("parse"))
        .collect();
    let values: Vec<serde_json::Value> = messages
        .iter()
        .map(|m| serde_json::from_str(m).expect("parse"))
        .collect();
    let (ours, theirs) = compare(
        rounds,
        &mut || {
            for v in &parsed {
                black_box(v.to_vec(SerializeOptions::COMPACT));
            }
        },
        &mut || {
            for v in &values {
                black_box(serde_json::to_vec(v).expect("serialize"));
            }
        },
    );
    report(
        &format!("serialize (c) {} small messages", messages.len()),
        total,
        ours,
        theirs,
        1.0,
    );
}

/// A 64 MiB document fed in 4 KiB pieces against one whole-buffer parse.
fn bench_incremental(rng: &mut fastrand::Rng) {
    let one = monitor_update(1000, rng);
    let mut doc = String::from("[");
    while doc.len() < 64 << 20 {
        if doc.len() > 1 {
            doc.push(',');
        }
        doc.push_str(&one);
    }
    doc.push(']');
    let bytes = doc.as_bytes();
    let (mut whole, mut pieces) = (Timer::new(), Timer::new());
    for _ in 0..3 {
        whole.run(&mut || drop(black_box(json::from_slice(bytes).expect("parse"))));
        pieces.run(&mut || {
            let mut p = Parser::new_document();
            for chunk in bytes.chunks(4096) {
                p.feed(chunk);
            }
            drop(black_box(p.finish().expect("parse")));
        });
    }
    println!(
        "json incremental {:.1} MiB: whole {:.3} s, 4 KiB pieces {:.3} s, ratio {:.2}x (limit 1.5x)",
        bytes.len() as f64 / (1 << 20) as f64,
        whole.best.as_secs_f64(),
        pieces.best.as_secs_f64(),
        pieces.best.as_secs_f64() / whole.best.as_secs_f64()
    );
}

fn main() {
    // `cargo bench` passes --bench; `cargo test --all-targets` (make check)
    // does not, and then a quick smoke run on small inputs is enough.
    let full = std::env::args().any(|a| a == "--bench");
    let mut rng = fastrand::Rng::with_seed(2009);
    if !full {
        println!("json bench: smoke run on small inputs (figures come from `cargo bench`)");
        bench_document(
            "(a) monitor update, 100 rows",
            &monitor_update(100, &mut rng),
            2,
            2.0,
            true,
        );
        bench_messages(&small_messages(&mut rng)[..1000], 2);
        return;
    }
    let update = monitor_update(10_000, &mut rng);
    if let Some(who) = std::env::var_os("OVSRPC_JSON_PROFILE") {
        // One parser alone on (a) in this process (for `perf`, and for the
        // "each alone" line): prints its best time of 20.
        let mut best = Duration::MAX;
        for _ in 0..20 {
            let t = Instant::now();
            if who == "serde" {
                drop(black_box(
                    serde_json::from_slice::<serde_json::Value>(update.as_bytes()).expect("parse"),
                ));
            } else {
                drop(black_box(
                    json::from_slice(update.as_bytes()).expect("parse"),
                ));
            }
            best = best.min(t.elapsed());
        }
        println!("{}", best.as_secs_f64());
        return;
    }
    // OVSRPC_JSON_BENCH_SECTIONS=a,b,c,incremental (the default: all)
    // runs some sections only, on the same inputs, for comparing builds:
    // each section's figures depend on the allocator's state that the
    // sections before it left.
    let sections =
        std::env::var("OVSRPC_JSON_BENCH_SECTIONS").unwrap_or_else(|_| "a,b,c,incremental".into());
    let run = |name: &str| sections.split(',').any(|s| s == name);
    if run("a") {
        bench_document("(a) monitor update, 10,000 rows", &update, 15, 2.0, true);
        if std::env::var_os("OVSRPC_JSON_NO_ALONE").is_none() {
            each_alone(update.len());
        }
    }
    let escaped = escaped_string(&mut rng);
    if run("b") {
        bench_document("(b) 1 MB string with escapes", &escaped, 30, 0.8, false);
    }
    let messages = small_messages(&mut rng);
    if run("c") {
        bench_messages(&messages, 10);
    }
    if run("incremental") {
        bench_incremental(&mut rng);
    }
}
