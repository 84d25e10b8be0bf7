//! What the C boundary costs for JSON: `json_from_string()` (the parser
//! core building C nodes directly: a `malloc()`ed node per value, a
//! `shash_node` and a name per member, as OVS) and `json_destroy()` next to
//! the Rust parse alone; `json_to_string()` (the serializer core reading the
//! C nodes in place) next to the Rust serializer alone. Same input, same
//! run; each figure is the best of several alternating rounds.
//!
//! The input is an OVSDB-monitor-like update with many rows of strings,
//! integers, uuids, sets and maps: the kind of message a C client receives.

use std::ffi::{CStr, CString};
use std::hint::black_box;
use std::time::{Duration, Instant};

use ovsrpc::capi::json::json_destroy;
use ovsrpc::capi::json_text::{json_from_string, json_to_string};
use ovsrpc::json::{self, SerializeOptions};

fn update(rows: usize, rng: &mut fastrand::Rng) -> String {
    let mut s = String::from(r#"{"id":null,"method":"update","params":["mon",{"Port":{"#);
    for i in 0..rows {
        if i > 0 {
            s.push(',');
        }
        let uuid = format!(
            "{:08x}-0000-4000-8000-{:012x}",
            rng.u32(..),
            rng.u64(..1 << 48)
        );
        s.push_str(&format!(
            concat!(
                r#""{uuid}":{{"new":{{"name":"port{i}","tag":{tag},"mtu":1500,"#,
                r#""trunks":["set",[1,2,3,{tag}]],"enabled":true,"ratio":{ratio},"#,
                r#""external_ids":["map",[["iface-id","{uuid}"],["owner","ovn"]]],"#,
                r#""interfaces":["uuid","{uuid}"]}}}}"#
            ),
            uuid = uuid,
            i = i,
            tag = rng.u16(1..4095),
            ratio = rng.f64(),
        ));
    }
    s.push_str("}}]}");
    s
}

/// Best time of `f` over `rounds` runs.
fn best(rounds: usize, mut f: impl FnMut()) -> Duration {
    (0..rounds)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed()
        })
        .min()
        .unwrap_or_default()
}

fn main() {
    // `cargo bench` passes --bench; `cargo test --all-targets` does not,
    // and then a quick smoke run is enough.
    let full = std::env::args().any(|a| a == "--bench");
    let (rows, rounds) = if full { (20_000, 15) } else { (200, 2) };
    if !full {
        println!("capi bench: smoke run (figures come from `cargo bench`)");
    }
    let mut rng = fastrand::Rng::with_seed(7);
    let text = update(rows, &mut rng);
    let ctext = CString::new(text.clone()).expect("no NUL in JSON text");
    let value = json::from_str(&text).expect("valid JSON");
    // SAFETY: `ctext` is a C string; the result is a fresh tree.
    let cvalue = unsafe { json_from_string(ctext.as_ptr()) };

    let (mut rust_parse, mut c_parse) = (Duration::MAX, Duration::MAX);
    let (mut rust_ser, mut c_ser) = (Duration::MAX, Duration::MAX);
    for _ in 0..rounds {
        rust_parse = rust_parse.min(best(1, || drop(black_box(json::from_str(&text)))));
        c_parse = c_parse.min(best(1, || {
            // SAFETY: a C string in, a tree out that we release at once.
            unsafe { json_destroy(black_box(json_from_string(ctext.as_ptr()))) }
        }));
        rust_ser = rust_ser.min(best(1, || {
            drop(black_box(value.to_string_with(SerializeOptions::COMPACT)))
        }));
        c_ser = c_ser.min(best(1, || {
            // SAFETY: `cvalue` is a live tree; the string is malloc()ed.
            unsafe {
                let s = json_to_string(cvalue, 0);
                black_box(CStr::from_ptr(s));
                libc::free(s as *mut libc::c_void);
            }
        }));
    }
    // SAFETY: releases the tree made above.
    unsafe { json_destroy(cvalue) };

    let mib = text.len() as f64 / (1 << 20) as f64;
    println!(
        "capi parse {mib:.1} MiB: Rust {:.4} s, json_from_string+json_destroy {:.4} s, ratio {:.2}x",
        rust_parse.as_secs_f64(),
        c_parse.as_secs_f64(),
        c_parse.as_secs_f64() / rust_parse.as_secs_f64()
    );
    println!(
        "capi serialize {mib:.1} MiB: Rust {:.4} s, json_to_string+free {:.4} s, ratio {:.2}x",
        rust_ser.as_secs_f64(),
        c_ser.as_secs_f64(),
        c_ser.as_secs_f64() / rust_ser.as_secs_f64()
    );
}
