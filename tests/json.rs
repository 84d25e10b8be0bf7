//! The JSON dialect, rule by rule: every error text with its position, the
//! number rules at their edges, strings, objects, serialization.

// The real literals below are the decimal inputs written out in full, on
// purpose: the test is that parsing them gives what the compiler gives.
#![allow(clippy::excessive_precision)]

use std::sync::Arc;

use ovsrpc::json::{self, Json, JsonType, Object, SerializeOptions};

/// Parses `input` as a document and returns the error's full text.
fn err(input: &[u8]) -> String {
    match json::from_slice(input) {
        Ok(v) => panic!("{:?} parsed as {v}", String::from_utf8_lossy(input)),
        Err(e) => e.to_string(),
    }
}

/// Parses `input` and returns it serialized compactly.
fn ok(input: &str) -> String {
    match json::from_str(input) {
        Ok(v) => v.to_string(),
        Err(e) => panic!("{input:?} failed: {e}"),
    }
}

/// The single element of a one-element array document.
fn elem(input: &str) -> Json {
    let v = json::from_str(&format!("[{input}]")).unwrap_or_else(|e| panic!("{input}: {e}"));
    v.at(0).cloned().expect("one element")
}

/// The error message for `[input]`, without position.
fn elem_err(input: &str) -> String {
    match json::from_str(&format!("[{input}]")) {
        Ok(v) => panic!("{input} parsed as {v}"),
        Err(e) => e.message().to_owned(),
    }
}

#[test]
fn every_error_text_with_its_position() {
    let cases: &[(&[u8], &str)] = &[
        (b"\"xxx\"", "line 0, column 4, byte 4: syntax error at beginning of input"),
        (b"null", "line 0, column 4, byte 4: syntax error at beginning of input"),
        (b" 1", "line 0, column 2, byte 2: syntax error at beginning of input"),
        (b"]", "line 0, column 0, byte 0: syntax error at beginning of input"),
        (b"[1,2,]", "line 0, column 5, byte 5: syntax error expecting value"),
        (b"[1,,2]", "line 0, column 3, byte 3: syntax error expecting value"),
        (b"{\"a\": }", "line 0, column 6, byte 6: syntax error expecting value"),
        (b"[}", "line 0, column 1, byte 1: syntax error expecting value"),
        (b"[1 2]", "line 0, column 4, byte 4: syntax error expecting ']' or ','"),
        (b"[1}", "line 0, column 2, byte 2: syntax error expecting ']' or ','"),
        (b"{\"a\":1 \"b\":2}", "line 0, column 9, byte 9: syntax error expecting '}' or ','"),
        (b"{\"a\":1]", "line 0, column 6, byte 6: syntax error expecting '}' or ','"),
        (b"{1:2}", "line 0, column 2, byte 2: syntax error parsing object expecting string"),
        (b"{\"a\":1,}", "line 0, column 7, byte 7: syntax error parsing object expecting string"),
        (b"{]", "line 0, column 1, byte 1: syntax error parsing object expecting string"),
        (b"{\"a\" 1}", "line 0, column 6, byte 6: syntax error parsing object expecting ':'"),
        (b"{\"a\",", "line 0, column 4, byte 4: syntax error parsing object expecting ':'"),
        (b"[1]null", "line 0, column 7, byte 7: trailing garbage at end of input"),
        (b"[1] [2]", "line 0, column 4, byte 4: trailing garbage at end of input"),
        (b"{}\"x\"", "line 0, column 4, byte 4: trailing garbage at end of input"),
        (b"", "line 0, column 0, byte 0: empty input stream"),
        (b"  \n ", "line 1, column 1, byte 4: empty input stream"),
        (b"[1,", "line 0, column 3, byte 3: unexpected end of input"),
        (b"{\"a\":[1]", "line 0, column 8, byte 8: unexpected end of input"),
        (b"[1", "line 0, column 2, byte 2: unexpected end of input"),
        (b"[tr", "line 0, column 3, byte 3: invalid keyword 'tr'"),
        (b"[\"abc", "line 0, column 5, byte 5: unexpected end of input in quoted string"),
        (b"[\"abc\\", "line 0, column 6, byte 6: unexpected end of input in quoted string"),
        (b"[;]", "line 0, column 1, byte 1: invalid character ';'"),
        (b"[A]", "line 0, column 1, byte 1: invalid character 'A'"),
        (b"[\x0c]", "line 0, column 1, byte 1: invalid character U+000c"),
        (b"[\x7f]", "line 0, column 1, byte 1: invalid character U+007f"),
        (b"[\xc3\xa9]", "line 0, column 1, byte 1: invalid character U+00c3"),
        (b"[\x00]", "line 0, column 1, byte 1: invalid character U+0000"),
        (b"[ nullify ]", "line 0, column 9, byte 9: invalid keyword 'nullify'"),
        (b"[trueX]", "line 0, column 6, byte 6: invalid keyword 'trueX'"),
        (b"[0123]", "line 0, column 5, byte 5: leading zeros not allowed"),
        (b"[-01]", "line 0, column 4, byte 4: leading zeros not allowed"),
        (b"[-]", "line 0, column 2, byte 2: '-' must be followed by digit"),
        (b"[-.5]", "line 0, column 4, byte 4: '-' must be followed by digit"),
        (b"[1.]", "line 0, column 3, byte 3: decimal point must be followed by digit"),
        (b"[1.e5]", "line 0, column 5, byte 5: decimal point must be followed by digit"),
        (b"[1e]", "line 0, column 3, byte 3: exponent must contain at least one digit"),
        (b"[1E+]", "line 0, column 4, byte 4: exponent must contain at least one digit"),
        (b"[1e-]", "line 0, column 4, byte 4: exponent must contain at least one digit"),
        (b"[1e9999999999999999999]", "line 0, column 22, byte 22: exponent outside valid range"),
        (b"[1e2147483648]", "line 0, column 13, byte 13: exponent outside valid range"),
        (b"[1e-2147483649]", "line 0, column 14, byte 14: exponent outside valid range"),
        (b"[1.5e-2147483648]", "line 0, column 16, byte 16: exponent outside valid range"),
        (b"[1e9999]", "line 0, column 7, byte 7: number outside valid range"),
        (b"[-1e400]", "line 0, column 7, byte 7: number outside valid range"),
        // OVS stops reading exponent digits at INT_MAX / 10.
        (b"[1e2147483647]", "line 0, column 13, byte 13: exponent outside valid range"),
        (b"[1e2147483639]", "line 0, column 13, byte 13: number outside valid range"),
        (b"[1-2]", "line 0, column 4, byte 4: syntax error in number"),
        (b"[1.5.3]", "line 0, column 6, byte 6: syntax error in number"),
        (b"[1e5e5]", "line 0, column 6, byte 6: syntax error in number"),
        (b"[1+]", "line 0, column 3, byte 3: syntax error in number"),
        (b"[\"\\x12\"]", "line 0, column 6, byte 6: bad escape \\x"),
        (b"[\"\\a\"]", "line 0, column 4, byte 4: bad escape \\a"),
        (b"[\"\\u12\"]", "line 0, column 6, byte 6: quoted string ends within \\u escape"),
        (b"[\"\\u1x\"]", "line 0, column 6, byte 6: quoted string ends within \\u escape"),
        (b"[\"\\u12x4\"]", "line 0, column 8, byte 8: malformed \\u escape"),
        (b"[\"\\ud834xxx\"]", "line 0, column 11, byte 11: malformed escaped surrogate pair"),
        (b"[\"\\ud834\"]", "line 0, column 8, byte 8: malformed escaped surrogate pair"),
        (b"[\"\\udd1e\"]", "line 0, column 8, byte 8: malformed escaped surrogate pair"),
        (b"[\"\\ud834\\u12\"]", "line 0, column 12, byte 12: quoted string ends within \\u escape"),
        (
            b"[\"\\ud834\\u0041\"]",
            "line 0, column 14, byte 14: second half of escaped surrogate pair is not trailing surrogate",
        ),
        (b"[\"\\u0000\"]", "line 0, column 8, byte 8: null bytes not supported in quoted strings"),
        (b"[\"xxx\n\"]", "line 0, column 5, byte 5: U+000A must be escaped in quoted string"),
        (b"[\"a\tb\"]", "line 0, column 3, byte 3: U+0009 must be escaped in quoted string"),
        (b"[\"\x1f\"]", "line 0, column 2, byte 2: U+001F must be escaped in quoted string"),
        (b"[\"\x00\"]", "line 0, column 2, byte 2: U+0000 must be escaped in quoted string"),
        (b"[\"a\xc3(\"]", "line 0, column 5, byte 5: invalid UTF-8 sequence 0xc3 0x28"),
        (b"[\"\xff\"]", "line 0, column 3, byte 3: invalid UTF-8 sequence 0xff"),
        (b"[\"\xed\xa0\x80\"]", "line 0, column 5, byte 5: invalid UTF-8 sequence 0xed 0xa0"),
    ];
    for (input, want) in cases {
        assert_eq!(
            &err(input),
            want,
            "input {:?}",
            String::from_utf8_lossy(input)
        );
    }
}

#[test]
fn positions_count_lines_columns_and_bytes() {
    assert_eq!(
        err(b"[\n  1,\n  ]"),
        "line 2, column 2, byte 9: syntax error expecting value"
    );
    assert_eq!(
        err(b"\r\n\r\n {\"a\":\n\tx}"),
        "line 3, column 2, byte 13: invalid keyword 'x'"
    );
    // OVS counts a newline consumed after a backslash inside a string too.
    assert_eq!(
        err(b"[\"\\\n\"]"),
        "line 1, column 0, byte 4: bad escape \\\n"
    );
    // The first problem wins; a raw control byte beats a pending bad escape.
    assert_eq!(
        err(b"[\"\\q\x01\"]"),
        "line 0, column 4, byte 4: U+0001 must be escaped in quoted string"
    );
    let e = json::from_str("[\n1 2]").unwrap_err();
    assert_eq!((e.line(), e.column(), e.byte()), (1, 3, 5));
    assert_eq!(e.position(), Some((1, 3, 5)));
    assert_eq!(e.message(), "syntax error expecting ']' or ','");
    assert!(!e.is_io());
}

#[test]
fn nesting_depth_limit() {
    let deep = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
    assert!(json::from_str(&deep(1000)).is_ok());
    assert_eq!(
        err(deep(1001).as_bytes()),
        "line 0, column 1000, byte 1000: input exceeds maximum nesting depth 1000"
    );
    let objects = |n: usize| format!("{}{{}}{}", "{\"x\":".repeat(n - 1), "}".repeat(n - 1));
    assert!(json::from_str(&objects(1000)).is_ok());
    assert_eq!(
        err(objects(1001).as_bytes()),
        "line 0, column 5000, byte 5000: input exceeds maximum nesting depth 1000"
    );
    // A hostile input a million levels deep fails cleanly at level 1001.
    let hostile = "[".repeat(1_000_000);
    assert_eq!(
        err(hostile.as_bytes()),
        "line 0, column 1000, byte 1000: input exceeds maximum nesting depth 1000"
    );
}

#[test]
fn integers_at_the_edges() {
    let cases: &[(&str, i64)] = &[
        ("9223372036854775807", i64::MAX),
        ("-9223372036854775808", i64::MIN),
        ("9223372036854775807.0", i64::MAX),
        ("-9223372036854775808.000", i64::MIN),
        ("92233720.36854775807e11", i64::MAX),
        ("-9.223372036854775808e18", i64::MIN),
        ("922337203685477580.7e1", i64::MAX),
        ("9223372036854775807000e-3", i64::MAX),
        ("1.0000000000", 1),
        ("2.00000000000000000000000000000000000", 2),
        ("2e5", 200_000),
        ("2.1234e4", 21234),
        ("2.1230e3", 2123),
        ("1.50e1", 15),
        ("150e-1", 15),
        ("0.5e1", 5),
        ("1e18", 1_000_000_000_000_000_000),
        ("10000000000000000000000e-4", 1_000_000_000_000_000_000),
        ("0", 0),
        ("-0", 0),
        ("-0.0", 0),
        ("0e-10000", 0),
        ("0e10000", 0),
        ("-0.000e-3", 0),
        ("0.0000000000000000000000000000", 0),
        ("1e-9999", 0),
        ("-1e-9999", 0),
        ("1e-400", 0),
        ("-123456789012345678", -123_456_789_012_345_678),
    ];
    for (text, want) in cases {
        assert_eq!(elem(text), Json::Integer(*want), "{text}");
    }
}

#[test]
fn reals_at_the_edges() {
    let cases: &[(&str, f64)] = &[
        ("9223372036854775808", 9.223372036854775808e18),
        ("-9223372036854775809", -9.223372036854775809e18),
        ("9223372036854775807.5", 9.223372036854775807e18),
        ("9223372036854775807000", 9.223372036854775807e21),
        ("-92233720368547758080000", -9.223372036854775808e22),
        ("1e19", 1e19),
        ("10e18", 1e19),
        ("1.5", 1.5),
        ("15e-1", 1.5),
        ("0.1", 0.1),
        ("-8.1250", -8.125),
        ("3125e-05", 0.03125),
        ("1.7976931348623157e308", f64::MAX),
        ("5e-324", 5e-324),
        ("2.2250738585072014e-308", f64::MIN_POSITIVE),
        (
            "123456789012345678901234567890e-20",
            1234567890.123456789012345678,
        ),
    ];
    for (text, want) in cases {
        assert_eq!(elem(text), Json::Real(*want), "{text}");
    }
}

#[test]
fn numbers_serialize_per_the_dialect() {
    assert_eq!(
        ok("[9223372036854775807000, -92233720368547758080000]"),
        "[9.223372036854776e+21,-9.223372036854776e+22]"
    );
    assert_eq!(ok("[-0, -0.0, 1e-9999, -1e-9999]"), "[0,0,0,0]");
    assert_eq!(
        ok("[0.0, 1.0, 2.0, 3.0, 3.5, 81.250]"),
        "[0,1,2,3,3.5,81.25]"
    );
    assert_eq!(
        ok("[1e3, 1E3, 2.5E2, 1e+3, 125e-3, 3.125e-2, 3125e-05, 1.525878906e-5]"),
        "[1000,1000,250,1000,0.125,0.03125,0.03125,1.525878906e-05]"
    );
    assert_eq!(
        ok("[-1e3, -125e-3, -3.125e-2, -1.525878906e-5]"),
        "[-1000,-0.125,-0.03125,-1.525878906e-05]"
    );
    assert_eq!(
        ok("[1.7976931348623157e308, 5e-324]"),
        "[1.7976931348623157e+308,5e-324]"
    );
    assert_eq!(
        ok("[37.7668, -122.3959, -122.026020]"),
        "[37.7668,-122.3959,-122.02602]"
    );
    assert_eq!(
        ok("[0.0001, 0.00001, 1.25e15, 1.25e16]"),
        "[0.0001,1e-05,1250000000000000,12500000000000000]"
    );
    // Written reals read back as the same double.
    for r in [
        0.1,
        1.0 / 3.0,
        2.0f64.sqrt(),
        1e-300,
        6.02214076e23,
        -4.9e-324,
    ] {
        let text = Json::Real(r).to_string();
        assert_eq!(elem(&text), Json::Real(r), "{text}");
    }
    // No JSON form for these: they are written as null.
    assert_eq!(Json::Real(f64::NAN).to_string(), "null");
    assert_eq!(Json::Real(f64::NEG_INFINITY).to_string(), "null");
    assert_eq!(Json::Real(-0.0).to_string(), "0");
}

#[test]
fn escapes_and_surrogate_pairs() {
    assert_eq!(
        ok(r#"[ " \" \\ \/ \b \f \n \r \t" ]"#),
        r#"[" \" \\ / \b \f \n \r \t"]"#
    );
    assert_eq!(
        ok(r#"[ " \u0022 \u005c \u002F \u0008 \u000c \u000A \u000d \u0009" ]"#),
        r#"[" \" \\ / \b \f \n \r \t"]"#
    );
    assert_eq!(elem(r#""\ud834\udd1e""#), Json::from("𝄞"));
    assert_eq!(elem(r#""\uD834\uDD1E""#), Json::from("𝄞"));
    assert_eq!(elem(r#""\u00e9\u20AC""#), Json::from("é€"));
    assert_eq!(elem(r#""\u0001\u001f""#).to_string(), r#""\u0001\u001f""#);
    assert_eq!(elem("\"é€𝄞\"").as_str(), Some("é€𝄞"));
    assert_eq!(elem(r#""a\/b""#).to_string(), r#""a/b""#);
    assert_eq!(
        elem_err(r#""\ud834\ud834""#),
        "second half of escaped surrogate pair is not trailing surrogate"
    );
    assert_eq!(
        elem_err(r#""\uDC00\uD834""#),
        "malformed escaped surrogate pair"
    );
    assert_eq!(elem_err(r#""\U0041""#), "bad escape \\U");
    // Every control byte is refused raw and accepted escaped.
    for c in 1u8..0x20 {
        let raw = [b'[', b'"', c, b'"', b']'];
        assert_eq!(
            json::from_slice(&raw).unwrap_err().message(),
            format!("U+{c:04X} must be escaped in quoted string")
        );
        let escaped = format!("[\"\\u{c:04x}\"]");
        let v = json::from_str(&escaped).unwrap();
        assert_eq!(
            v.at(0).and_then(Json::as_str),
            Some(char::from(c).to_string().as_str())
        );
    }
    // Output escapes only what it must.
    let s = Json::from("\"\\/\u{8}\u{c}\n\r\t\u{0}\u{1b}\u{7f}é");
    assert_eq!(
        s.to_string(),
        r#""\"\\/\b\f\n\r\t\u0000\u001b"#.to_owned() + "\u{7f}é\""
    );
}

#[test]
fn invalid_utf8_is_refused() {
    for (raw, want) in [
        (&b"\xc3"[..], "invalid UTF-8 sequence 0xc3"),
        (b"\xc0\x80", "invalid UTF-8 sequence 0xc0"),
        (b"\xe2\x28\xa1", "invalid UTF-8 sequence 0xe2 0x28"),
        (b"\xf0\x9f\x98", "invalid UTF-8 sequence 0xf0 0x9f 0x98"),
        (b"\xf4\x90\x80\x80", "invalid UTF-8 sequence 0xf4 0x90"),
        (b"ok\xfe", "invalid UTF-8 sequence 0xfe"),
        (b"\\n\x80", "invalid UTF-8 sequence 0x80"),
    ] {
        let mut input = b"[\"".to_vec();
        input.extend_from_slice(raw);
        input.extend_from_slice(b"\"]");
        let e = json::from_slice(&input).unwrap_err();
        assert_eq!(e.message(), want, "{raw:?}");
        assert_eq!(
            e.byte() as usize,
            input.len() - 2,
            "reported at the closing quote"
        );
    }
    // Valid multibyte sequences of every length pass.
    assert_eq!(
        elem("\"\u{7ff}\u{800}\u{ffff}\u{10000}\u{10ffff}\"")
            .as_str()
            .map(str::len),
        Some(2 + 3 + 3 + 4 + 4)
    );
}

#[test]
fn objects_keep_insertion_order_and_replace_in_place() {
    let v = json::from_str(r#"{"b": 1, "a": 2, "b": 3}"#).unwrap();
    assert_eq!(v.to_string(), r#"{"b":3,"a":2}"#);
    assert_eq!(
        v.to_string_with(SerializeOptions::SORTED),
        r#"{"a":2,"b":3}"#
    );
    assert_eq!(v.get("b"), Some(&Json::Integer(3)));

    // Large objects (hash index) behave the same.
    let mut text = String::from("{");
    for i in 0..100 {
        text.push_str(&format!("\"k{}\":{i},", i % 60));
    }
    text.push_str("\"last\":true}");
    let v = json::from_str(&text).unwrap();
    let o = v.as_object().unwrap();
    assert_eq!(o.len(), 61);
    assert_eq!(o.keys().next(), Some("k0"));
    assert_eq!(o.get("k5"), Some(&Json::Integer(65)));
    assert_eq!(o.get("k59"), Some(&Json::Integer(59)));
    assert_eq!(o.keys().last(), Some("last"));
    assert!(o.get("k60").is_none());

    let mut o = Object::new();
    for i in 0..50 {
        assert!(o.insert(format!("m{i}"), i).is_none());
    }
    assert_eq!(o.insert("m7", "seven"), Some(Json::Integer(7)));
    assert_eq!(o.keys().nth(7), Some("m7"));
    assert_eq!(o.remove("m0"), Some(Json::Integer(0)));
    assert_eq!(o.remove("m0"), None);
    assert_eq!(o.len(), 49);
    assert_eq!(o.get("m7").and_then(Json::as_str), Some("seven"));
    assert_eq!(o.get("m49"), Some(&Json::Integer(49)));
    assert_eq!(o.keys().next(), Some("m1"));
    let sorted: Vec<&str> = o.sorted().into_iter().map(|(k, _)| k).take(3).collect();
    assert_eq!(sorted, ["m1", "m10", "m11"]);
}

#[test]
fn equality_and_hash_ignore_member_order() {
    let a = json::from_str(r#"{"x":[1,2.5,"s"],"y":{"p":null,"q":true}}"#).unwrap();
    let b = json::from_str(r#"{"y":{"q":true,"p":null},"x":[1,2.5,"s"]}"#).unwrap();
    assert_eq!(a, b);
    assert_eq!(a.hash(0), b.hash(0));
    assert_ne!(a.hash(0), a.hash(1));
    let c = json::from_str(r#"{"y":{"q":true,"p":null},"x":[2.5,1,"s"]}"#).unwrap();
    assert_ne!(a, c);
    assert_ne!(a.hash(0), c.hash(0));
    // Integer and real are different types.
    assert_ne!(Json::Integer(1), Json::Real(1.0));
    assert_ne!(Json::Real(f64::NAN), Json::Real(f64::NAN));
}

#[test]
fn types_constructors_and_accessors() {
    let v = json::from_str(r#"[null,false,true,{},[],1,1.5,"s"]"#).unwrap();
    let types: Vec<JsonType> = v.as_array().unwrap().iter().map(Json::json_type).collect();
    assert_eq!(
        types,
        [
            JsonType::Null,
            JsonType::False,
            JsonType::True,
            JsonType::Object,
            JsonType::Array,
            JsonType::Integer,
            JsonType::Real,
            JsonType::String
        ]
    );
    // OVS's enum order.
    assert!(JsonType::Null < JsonType::False && JsonType::Object < JsonType::Array);
    assert!(JsonType::Integer < JsonType::Real && JsonType::Real < JsonType::String);
    assert_eq!(JsonType::Real.as_str(), "number");
    assert_eq!(v.at(5).and_then(Json::as_f64), Some(1.0));
    assert_eq!(v.at(6).and_then(Json::as_i64), None);
    assert_eq!(v.at(1).and_then(Json::as_bool), Some(false));
    assert!(v.at(0).is_some_and(Json::is_null));
    assert!(v.at(99).is_none());

    let built = Json::from(vec![
        Json::Null,
        false.into(),
        true.into(),
        Json::empty_object(),
        Json::empty_array(),
        1i64.into(),
        1.5.into(),
        "s".into(),
    ]);
    assert_eq!(built, v);
    assert_eq!(Json::from(u64::MAX), Json::Real(u64::MAX as f64));
    assert_eq!(Json::from(Some(3)), Json::Integer(3));
    assert_eq!(Json::from(None::<i32>), Json::Null);
    let o: Object = [("a", Json::from(1)), ("b", Json::from("x"))]
        .into_iter()
        .collect();
    assert_eq!(Json::from(o).to_string(), r#"{"a":1,"b":"x"}"#);
    let parsed: Json = "[1]".parse().unwrap();
    assert_eq!(parsed, Json::from(vec![Json::from(1)]));
}

#[test]
fn arrays_edited_through_the_guard_and_empty_arrays_shared() {
    let parsed = json::from_str("[[],[1],[]]").unwrap();
    let (a, b) = (parsed.at(0).unwrap(), parsed.at(2).unwrap());
    assert!(a.ptr_eq(b), "empty arrays share one node");
    assert!(a.ptr_eq(&Json::empty_array()));

    let mut v = parsed.at(0).cloned().unwrap();
    v.as_array_mut().unwrap().push(Json::from("x"));
    assert_eq!(v.to_string(), r#"["x"]"#);
    assert_eq!(
        parsed.to_string(),
        "[[],[1],[]]",
        "the parsed tree is unchanged"
    );

    let mut w = parsed.at(1).cloned().unwrap();
    {
        let mut elements = w.as_array_mut().unwrap();
        elements.clear();
        assert!(elements.is_empty());
    }
    assert!(
        w.ptr_eq(&Json::empty_array()),
        "emptied: the shared empty node"
    );
    assert_eq!(parsed.at(1).unwrap().to_string(), "[1]");
    assert!(Json::from(1).as_array_mut().is_none());
}

#[test]
fn clones_share_and_mutation_copies_on_write() {
    let big = json::from_str(&format!("[{}]", vec!["{\"k\":[1,2,3]}"; 1000].join(","))).unwrap();
    let copy = big.clone();
    assert!(copy.ptr_eq(&big), "clone shares the node");
    let sub = big.at(500).cloned().unwrap();
    assert!(sub.ptr_eq(big.at(500).unwrap()));

    let mut edited = big.clone();
    edited.as_array_mut().unwrap().push(Json::Null);
    assert!(!edited.ptr_eq(&big));
    assert_eq!(big.as_array().unwrap().len(), 1000);
    assert_eq!(edited.as_array().unwrap().len(), 1001);
    // Elements are still shared after the copy.
    assert!(edited.at(0).unwrap().ptr_eq(big.at(0).unwrap()));

    let mut obj = big.at(0).cloned().unwrap();
    obj.as_object_mut().unwrap().insert("k", "changed");
    assert_eq!(obj.to_string(), r#"{"k":"changed"}"#);
    assert_eq!(big.at(0).unwrap().to_string(), r#"{"k":[1,2,3]}"#);

    let deep = big.deep_clone();
    assert_eq!(deep, big);
    assert!(!deep.ptr_eq(&big));
    assert!(!deep.at(0).unwrap().ptr_eq(big.at(0).unwrap()));
    let s: Arc<str> = Arc::from("shared");
    let a = Json::String(s.clone());
    assert!(a.as_arc_str().is_some_and(|t| Arc::ptr_eq(t, &s)));
}

#[test]
fn serializer_forms() {
    let v = json::from_str(r#"{"b":[1,{"d":[],"c":{}}],"a":"x"}"#).unwrap();
    assert_eq!(v.to_string(), r#"{"b":[1,{"d":[],"c":{}}],"a":"x"}"#);
    assert_eq!(v.to_compact_string(), v.to_string());
    assert_eq!(
        v.to_string_with(SerializeOptions::SORTED),
        r#"{"a":"x","b":[1,{"c":{},"d":[]}]}"#
    );
    assert_eq!(
        v.to_string_with(SerializeOptions::PRETTY),
        "{\n  \"b\": [\n    1,\n    {\n      \"d\": [],\n      \"c\": {\n        }}],\n  \"a\": \"x\"}"
    );
    assert_eq!(
        v.to_string_with(SerializeOptions::PRETTY_SORTED),
        "{\n  \"a\": \"x\",\n  \"b\": [\n    1,\n    {\n      \"c\": {\n        },\n      \"d\": []}]}"
    );
    assert_eq!(format!("{v:#}"), v.to_string_with(SerializeOptions::PRETTY));
    assert_eq!(format!("{v:?}"), v.to_string());

    let mut buf = b"prefix:".to_vec();
    v.write_to_vec(&mut buf, SerializeOptions::COMPACT);
    assert_eq!(buf, format!("prefix:{v}").into_bytes());
    let mut s = String::from(">");
    v.write_to_string(&mut s, SerializeOptions::SORTED);
    assert_eq!(
        s,
        format!(">{}", v.to_string_with(SerializeOptions::SORTED))
    );
    let mut w = Vec::new();
    v.write_to(&mut w, SerializeOptions::PRETTY).unwrap();
    assert_eq!(w, v.to_string_with(SerializeOptions::PRETTY).into_bytes());

    // A failing writer's error comes back.
    struct Full;
    impl std::io::Write for Full {
        fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
            Err(std::io::Error::from(std::io::ErrorKind::StorageFull))
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let e = v.write_to(Full, SerializeOptions::COMPACT).unwrap_err();
    assert_eq!(e.kind(), std::io::ErrorKind::StorageFull);
}

#[test]
fn from_reader_reads_to_the_end() {
    let text = format!("[{}]", vec!["\"abcdefghij\""; 20_000].join(",\n"));
    let v = json::from_reader(text.as_bytes()).unwrap();
    assert_eq!(v.as_array().map(<[Json]>::len), Some(20_000));
    let e = json::from_reader(&b"[1,\n2,]"[..]).unwrap_err();
    assert_eq!(
        e.to_string(),
        "line 1, column 2, byte 6: syntax error expecting value"
    );

    struct Broken;
    impl std::io::Read for Broken {
        fn read(&mut self, _: &mut [u8]) -> std::io::Result<usize> {
            Err(std::io::Error::other("disk on fire"))
        }
    }
    let e = json::from_reader(Broken).unwrap_err();
    assert!(e.is_io());
    assert_eq!(e.position(), None);
    assert_eq!(e.to_string(), "error reading JSON stream: disk on fire");
}
