//! The incremental parser: pieces give what the whole gives, values arrive
//! one at a time from a stream, and random trees survive serialize → parse.

use ovsrpc::json::{self, Json, Object, Parser, SerializeOptions, DEFAULT_MAX_SIZE};

/// Parses `input` as a document fed in the given piece sizes (cycled).
fn parse_in_pieces(input: &[u8], sizes: &[usize]) -> Result<Json, String> {
    let mut p = Parser::new_document();
    let mut rest = input;
    let mut k = 0;
    while !rest.is_empty() {
        let n = sizes[k % sizes.len()].clamp(1, rest.len());
        k += 1;
        let used = p.feed(&rest[..n]);
        if used != n {
            assert!(p.is_done(), "a parser stops early only when done");
            break;
        }
        rest = &rest[n..];
    }
    p.finish().map_err(|e| e.to_string())
}

fn whole(input: &[u8]) -> Result<Json, String> {
    json::from_slice(input).map_err(|e| e.to_string())
}

/// Asserts that `input` cut in three pieces, at every first cut that is a
/// multiple of `step` and every second cut after it, gives `want`.
fn splits_give(input: &[u8], want: &Result<Json, String>, step: usize) {
    for a in (0..=input.len()).step_by(step) {
        for b in a..=input.len() {
            let mut p = Parser::new_document();
            for piece in [&input[..a], &input[a..b], &input[b..]] {
                if p.feed(piece) != piece.len() {
                    break;
                }
            }
            let got = p.finish().map_err(|e| e.to_string());
            assert_eq!(
                &got,
                want,
                "split at {a},{b}: {:?}",
                String::from_utf8_lossy(input)
            );
        }
    }
}

const SAMPLES: &[&[u8]] = &[
    b"{\"id\":0,\"method\":\"echo\",\"params\":[\"a\\\"b\",-12.5e-3,true,null,{}]}",
    b"[\"\\ud834\\udd1e \\u00e9 \\n\\t\", 9223372036854775807, -9223372036854775808.0, 1e-9999]",
    b"  \n[ 1 ,\r\n 2.5 , \"x\" ]  \n ",
    b"[1e9999]",
    b"[\"\\ud834\\u1234\"]",
    b"[\"abc\ndef\"]",
    b"[\"a\\\nb\"]",
    b"[\"\\q\x01\"]",
    b"[\"ok\xc3(\"]",
    b"{\"a\" 1}",
    b"[1,2,]",
    b"[1]null",
    b"[nul",
    b"[\"unterminated",
    b"[\"esc\\",
    b"[-",
    b"[0123]",
    b"[1.5.3]",
    b"[\xff]",
    b"   ",
    b"",
];

#[test]
fn every_split_gives_what_the_whole_gives() {
    for input in SAMPLES {
        let want = whole(input);
        assert_eq!(
            parse_in_pieces(input, &[1]),
            want,
            "byte by byte: {:?}",
            String::from_utf8_lossy(input)
        );
        splits_give(input, &want, 1);
    }
}

/// Strings long enough for the vectorized scans, with what matters (an
/// escape, a control byte, bad UTF-8, a character of several bytes, the
/// end of input) well inside, cut at every two places.
#[test]
fn long_strings_split_everywhere() {
    let a = "a".repeat(70);
    let b = "b".repeat(90);
    let inputs: Vec<Vec<u8>> = vec![
        format!("[\"{a}é{b}\",\"{b}\"]").into_bytes(),
        format!("[\"{a}\\n{b}\\u00e9{a}\"]").into_bytes(),
        format!("[\"{a}\\\"{b}\"]").into_bytes(),
        format!("[\"{a}\t{b}\"]").into_bytes(),
        format!("[\"{a}\\q{b}\"]").into_bytes(),
        [
            format!("[\"{a}").as_bytes(),
            b"\xe2\x82",
            format!("{b}\"]").as_bytes(),
        ]
        .concat(),
        [
            format!("[\"{a}").as_bytes(),
            b"\xf0\x9d\x84\x9e",
            format!("{b}\"]").as_bytes(),
        ]
        .concat(),
        format!("[\"{a}{b}").into_bytes(),
        format!("[\"{a}{b}\\").into_bytes(),
    ];
    for input in &inputs {
        splits_give(input, &whole(input), 3);
    }
    // What the whole input gives, for the record.
    let outcomes: Vec<String> = inputs
        .iter()
        .map(|i| match whole(i) {
            Ok(_) => "ok".to_string(),
            Err(e) => e.split(": ").last().unwrap_or_default().to_string(),
        })
        .collect();
    assert_eq!(
        outcomes,
        [
            "ok",
            "ok",
            "ok",
            "U+0009 must be escaped in quoted string",
            "bad escape \\q",
            "invalid UTF-8 sequence 0xe2 0x82 0x62",
            "ok",
            "unexpected end of input in quoted string",
            "unexpected end of input in quoted string",
        ]
    );
}

#[test]
fn long_tokens_across_many_pieces() {
    let s = "é".repeat(30_000) + "\\n\\u00e9\\ud834\\udd1e" + &"x".repeat(30_000);
    let number = format!("1{}e-30000", "0".repeat(30_000));
    let input = format!("[\"{s}\", {number}, trueX]");
    let want = whole(input.as_bytes());
    assert_eq!(
        want.as_ref().unwrap_err(),
        &format!(
            "line 0, column {0}, byte {0}: invalid keyword 'trueX'",
            input.len() - 1
        )
    );
    for sizes in [&[1usize][..], &[7, 1, 4096], &[4096], &[65536, 3]] {
        assert_eq!(parse_in_pieces(input.as_bytes(), sizes), want);
    }
    let good = format!("[\"{s}\", {number}]");
    let v = parse_in_pieces(good.as_bytes(), &[5, 4093]).unwrap();
    assert_eq!(
        v.at(0).and_then(Json::as_str).map(|t| t.chars().count()),
        Some(30_000 + 1 + 1 + 1 + 30_000)
    );
    assert_eq!(v.at(1), Some(&Json::Integer(1)));
}

#[test]
fn a_stream_of_values_one_at_a_time() {
    let messages = [
        r#"{"id":0,"method":"echo","params":[]}"#,
        r#"[1,2,{"a":"}"}]"#,
        r#"{"result":"\"]}","error":null,"id":0}"#,
        "{}",
        "[]",
    ];
    let stream = messages.join(" \n");
    for size in [1, 2, 3, 5, 8, 13, 1000] {
        let mut parser = Parser::new();
        let mut got = Vec::new();
        for chunk in stream.as_bytes().chunks(size) {
            let mut rest = chunk;
            loop {
                let n = parser.feed(rest);
                rest = &rest[n..];
                if parser.is_done() {
                    got.push(parser.finish().unwrap().to_string());
                }
                if rest.is_empty() {
                    break;
                }
            }
        }
        // Only white space is left over, and it makes no value.
        assert_eq!(parser.bytes_consumed(), 0);
        assert_eq!(got, messages, "pieces of {size}");
    }
}

#[test]
fn feed_stops_right_after_a_value() {
    let mut p = Parser::new();
    assert_eq!(p.feed(b"[1] [2]"), 3);
    assert!(p.is_done());
    assert_eq!(p.feed(b"more"), 0);
    assert_eq!(p.finish().unwrap().to_string(), "[1]");
    assert!(!p.is_done());
    assert_eq!(p.feed(b" [2]"), 4);
    assert_eq!(p.finish().unwrap().to_string(), "[2]");

    // A number or keyword ends at the byte after it, which stays unconsumed
    // when it brings an error.
    assert_eq!(p.feed(b"[1 2]"), 4);
    assert_eq!(
        p.finish().unwrap_err().to_string(),
        "line 0, column 4, byte 4: syntax error expecting ']' or ','"
    );
    // The byte that is itself the error is consumed.
    assert_eq!(p.feed(b"]["), 1);
    assert_eq!(
        p.finish().unwrap_err().message(),
        "syntax error at beginning of input"
    );

    // After an error nothing more is consumed until finish().
    assert_eq!(p.feed(b"[;"), 2);
    assert!(p.is_done());
    assert_eq!(p.feed(b"[]"), 0);
    assert!(p.finish().is_err());
    assert_eq!(p.feed(b"[]"), 2);
    assert!(p.finish().is_ok());
}

#[test]
fn reset_and_size_limit() {
    let mut p = Parser::new();
    assert_eq!(p.max_size(), Some(DEFAULT_MAX_SIZE));
    assert_eq!(DEFAULT_MAX_SIZE, 256 << 20);
    p.feed(b"[\"half");
    p.reset();
    p.feed(b"{\"a\":1}");
    assert_eq!(p.finish().unwrap().to_string(), r#"{"a":1}"#);

    p.set_max_size(Some(10));
    assert_eq!(p.feed(b"[1,2,3,44]"), 10);
    assert!(p.finish().is_ok(), "exactly at the limit is fine");
    assert_eq!(p.feed(b"[1,2,3,4,5,6]"), 10);
    assert!(p.is_done());
    assert_eq!(
        p.finish().unwrap_err().to_string(),
        "line 0, column 10, byte 10: input exceeds maximum size 10"
    );
    // The limit counts across feeds, white space included.
    assert_eq!(p.feed(b"   \n  "), 6);
    assert_eq!(p.feed(b"[1,2]"), 4);
    assert_eq!(
        p.finish().unwrap_err().to_string(),
        "line 1, column 6, byte 10: input exceeds maximum size 10"
    );
    p.set_max_size(None);
    assert_eq!(p.feed(&[b' '; 100]), 100);
    assert_eq!(p.feed(b"[]"), 2);
    assert!(p.finish().is_ok());
}

#[test]
fn hostile_depth_in_pieces() {
    let hostile = vec![b'['; 1_000_000];
    let mut p = Parser::new();
    let mut consumed = 0;
    for chunk in hostile.chunks(4096) {
        consumed += p.feed(chunk);
        if p.is_done() {
            break;
        }
    }
    assert_eq!(consumed, 1001);
    assert_eq!(
        p.finish().unwrap_err().to_string(),
        "line 0, column 1000, byte 1000: input exceeds maximum nesting depth 1000"
    );
}

// Property tests: random trees, seeded and bounded.

fn random_string(rng: &mut fastrand::Rng) -> String {
    const PIECES: &[&str] = &[
        "a", "Z", "0", " ", "\"", "\\", "/", "\n", "\t", "\u{1}", "\u{1f}", "\u{7f}", "é", "€",
        "𝄞", "\u{ffff}", "name", "uuid",
    ];
    (0..rng.usize(0..12))
        .map(|_| PIECES[rng.usize(..PIECES.len())])
        .collect()
}

fn random_real(rng: &mut fastrand::Rng) -> f64 {
    loop {
        let r = match rng.u8(0..3) {
            0 => f64::from_bits(rng.u64(..)),
            1 => (rng.f64() - 0.5) * 10f64.powi(rng.i32(-30..30)),
            _ => rng.i32(-1000..1000) as f64 / 8.0,
        };
        // Reals that read back as integers (or not at all) are not reals
        // on the wire: leave them out.
        let integral_in_range = r.fract() == 0.0 && r.abs() < 9.3e18;
        if r.is_finite() && !integral_in_range {
            return r;
        }
    }
}

fn random_json(rng: &mut fastrand::Rng, depth: usize) -> Json {
    let kinds = if depth >= 5 { 6 } else { 8 };
    match rng.u8(0..kinds) {
        0 => Json::Null,
        1 => Json::Boolean(rng.bool()),
        2 => Json::Integer(match rng.u8(0..4) {
            0 => i64::MAX,
            1 => i64::MIN,
            2 => rng.i64(..),
            _ => rng.i64(-1000..1000),
        }),
        3 => Json::Real(random_real(rng)),
        4 | 5 => Json::from(random_string(rng)),
        6 => Json::array(
            (0..rng.usize(0..6))
                .map(|_| random_json(rng, depth + 1))
                .collect(),
        ),
        _ => {
            let mut o = Object::new();
            for _ in 0..rng.usize(0..12) {
                o.insert(random_string(rng), random_json(rng, depth + 1));
            }
            Json::object(o)
        }
    }
}

fn random_document(rng: &mut fastrand::Rng) -> Json {
    loop {
        let v = random_json(rng, 0);
        if matches!(v, Json::Array(_) | Json::Object(_)) {
            return v;
        }
    }
}

#[test]
fn property_serialize_then_parse_round_trips() {
    let mut rng = fastrand::Rng::with_seed(0x6f76_7372_7063);
    for round in 0..400 {
        let v = random_document(&mut rng);
        for options in [
            SerializeOptions::COMPACT,
            SerializeOptions::PRETTY,
            SerializeOptions::SORTED,
            SerializeOptions::PRETTY_SORTED,
        ] {
            let text = v.to_string_with(options);
            let back =
                json::from_str(&text).unwrap_or_else(|e| panic!("round {round}: {e}\n{text}"));
            assert_eq!(back, v, "round {round}, {options:?}:\n{text}");
            assert_eq!(back.to_string_with(options), text);
            assert_eq!(back.hash(7), v.hash(7));
            // Through serde_json's Value and back, too.
            let value = serde_json::Value::from(&v);
            assert_eq!(Json::from(value), v, "round {round} via serde_json::Value");
        }
        // Random pieces give what the whole gives.
        let text = v.to_string_with(SerializeOptions::PRETTY);
        let sizes: Vec<usize> = (0..5).map(|_| rng.usize(1..64)).collect();
        assert_eq!(parse_in_pieces(text.as_bytes(), &sizes), Ok(v.clone()));
    }
}

#[test]
fn property_damaged_input_fails_the_same_in_pieces() {
    let mut rng = fastrand::Rng::with_seed(42);
    for _ in 0..400 {
        let v = random_document(&mut rng);
        let mut text = v.to_string_with(SerializeOptions::PRETTY).into_bytes();
        for _ in 0..rng.usize(1..4) {
            if text.is_empty() {
                break;
            }
            let at = rng.usize(..text.len());
            match rng.u8(0..3) {
                0 => text[at] = rng.u8(..),
                1 => {
                    text.remove(at);
                }
                _ => {
                    const NASTY: &[u8] = b"\"\\{}[],:-0e.\x01\xc3 nt";
                    text.insert(at, NASTY[rng.usize(..NASTY.len())]);
                }
            }
        }
        let want = whole(&text);
        let sizes: Vec<usize> = (0..4).map(|_| rng.usize(1..16)).collect();
        assert_eq!(
            parse_in_pieces(&text, &sizes),
            want,
            "{:?}",
            String::from_utf8_lossy(&text)
        );
        assert_eq!(parse_in_pieces(&text, &[1]), want);
    }
}
