//! Fuzzes the JSON parser: any input parses or fails cleanly; fed in
//! pieces it gives exactly what it gives whole; what it parses serializes
//! (compact, pretty, sorted) to text that parses back to the same value.
//!
//! The body of the `json_parse` fuzz target ([`run`]), shared by the fuzz
//! crate (fuzz/fuzz_targets/json_parse.rs) and by tests/fuzz_corpus.rs, which
//! replays the corpus through it under `cargo test`.

#[path = "common.rs"]
mod common;

use common::same;
use ovsrpc::json::{self, Json, Parser, SerializeOptions};

fn outcome(r: &Result<Json, json::Error>) -> Result<&Json, String> {
    r.as_ref().map_err(|e| e.to_string())
}

/// Checks one input; panics when a property does not hold.
pub fn run(data: &[u8]) {
    let whole = json::from_slice(data);

    // Fed in up to three pieces, split where the input says.
    if data.len() >= 2 {
        let a = usize::from(data[0]) % data.len();
        let b = (a + usize::from(data[data.len() - 1]) * 7) % data.len();
        let (a, b) = (a.min(b), a.max(b));
        let mut p = Parser::new_document();
        for piece in [&data[..a], &data[a..b], &data[b..]] {
            if p.feed(piece) != piece.len() {
                break;
            }
        }
        assert_eq!(
            outcome(&p.finish()),
            outcome(&whole),
            "pieces differ from whole"
        );
    }

    // The streaming parser agrees with the document parser on a prefix.
    let mut p = Parser::new();
    let n = p.feed(data);
    if p.is_done() {
        if let Ok(v) = p.finish() {
            assert_eq!(Ok(&v), outcome(&json::from_slice(&data[..n])));
        }
    }

    if let Ok(v) = whole {
        for options in [SerializeOptions::COMPACT, SerializeOptions::PRETTY_SORTED] {
            let text = v.to_string_with(options);
            let v2 = json::from_str(&text).expect("serialized output must parse");
            assert!(same(&v, &v2), "round trip changed the value: {text}");
            // From there on the round trip is exact.
            let text2 = v2.to_string_with(options);
            let v3 = json::from_str(&text2).expect("reparse");
            assert_eq!(v2, v3);
            assert_eq!(text2, v3.to_string_with(options));
        }
    }
}
