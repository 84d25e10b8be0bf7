//! Fuzzes the streaming JSON parser (the one a JSON-RPC connection uses)
//! fed in random chunkings: whatever the piece sizes, the sequence of
//! values and the error that ends it are exactly those of feeding the
//! input in one piece, with and without a maximum value size.
//!
//! Input layout: byte 0 picks the maximum size (0: default), byte 1 the
//! number `k` (0..=15) of chunk-size bytes that follow; the rest is the
//! JSON text. Chunk sizes are used in turn, cycling.
//!
//! The body of the `json_chunks` fuzz target ([`run`]), shared by the fuzz
//! crate (fuzz/fuzz_targets/json_chunks.rs) and by tests/fuzz_corpus.rs, which
//! replays the corpus through it under `cargo test`.

#[path = "common.rs"]
mod common;

use ovsrpc::json::{Json, Parser};

/// What one parse of a stream of values produced: each value or the error
/// that stopped the stream (as text, which carries its position), then
/// whether input ended inside a value.
#[derive(Debug, PartialEq)]
struct Outcome {
    values: Vec<Result<Json, String>>,
    trailing: Option<Result<Json, String>>,
}

fn parser(max: Option<u64>) -> Parser {
    let mut p = Parser::new();
    if let Some(max) = max {
        p.set_max_size(Some(max));
    }
    p
}

/// Feeds `pieces` in order, collecting values until an error.
fn parse<'a>(max: Option<u64>, pieces: impl Iterator<Item = &'a [u8]>) -> Outcome {
    let mut p = parser(max);
    let mut values = Vec::new();
    for mut piece in pieces {
        while !piece.is_empty() {
            let n = p.feed(piece);
            assert!(n <= piece.len(), "feed consumed more than it was given");
            piece = &piece[n..];
            if p.is_done() {
                let r = p.finish().map_err(|e| e.to_string());
                let failed = r.is_err();
                values.push(r);
                if failed {
                    return Outcome {
                        values,
                        trailing: None,
                    };
                }
            } else {
                assert!(
                    piece.is_empty(),
                    "a parser that is not done takes everything"
                );
            }
        }
    }
    // End of input: what finish() says about a partial value, if any.
    let trailing = (p.bytes_consumed() > 0).then(|| p.finish().map_err(|e| e.to_string()));
    Outcome { values, trailing }
}

/// Checks one input; panics when a property does not hold.
pub fn run(data: &[u8]) {
    if data.len() < 2 {
        return;
    }
    let max = match data[0] {
        0 => None,
        m => Some(u64::from(m) * 3),
    };
    let (sizes, input) = common::chunk_sizes(&data[1..]);

    let whole = parse(max, std::iter::once(input));

    // Chunks of the given sizes, cycling; byte by byte when none given.
    let pieces = common::pieces(input, &sizes);
    let chunked = parse(max, pieces.iter().copied());
    assert_eq!(whole, chunked, "chunking changed the outcome");

    // Every value the stream produced serializes to text that parses; from
    // there on the round trip is exact (the first one may turn a real that
    // prints as an integer into an integer, as the dialect says).
    for v in whole.values.iter().flatten() {
        let text = v.to_string();
        let again = ovsrpc::json::from_str(&text).expect("serialized value parses");
        let text2 = again.to_string();
        let third = ovsrpc::json::from_str(&text2).expect("reparse");
        assert_eq!(third, again);
        assert_eq!(third.to_string(), text2);
    }
}
