//! `ovstest test-json`, byte for byte: OVS's tests/json.at cases run against
//! the real binary, with positions, exit status, --multiple and --pretty.

mod support;

use std::process::{Command, Stdio};

use support::process::Process;

/// Runs `ovstest test-json ARGS -` with `input` on standard input; returns
/// (stdout, exit code).
fn run(args: &[&str], input: &[u8]) -> (String, i32) {
    let mut child = Process::spawn(
        Command::new(env!("CARGO_BIN_EXE_ovstest"))
            .arg("test-json")
            .args(args)
            .arg("-")
            .stdin(Stdio::piped()),
        "ovstest test-json",
    );
    child.feed(input.to_vec());
    let (code, stdout, _) = child.finish();
    (stdout, code.unwrap_or(-1))
}

/// Runs `ovstest ARGS` with standard input from /dev/null; returns its
/// exit code, standard output and standard error.
fn ovstest(args: &[&dyn AsRef<std::ffi::OsStr>]) -> (Option<i32>, String, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ovstest"));
    for arg in args {
        cmd.arg(arg);
    }
    Process::run(cmd.stdin(Stdio::null()), "ovstest")
}

fn positive(input: &str, want: &str) {
    assert_eq!(
        run(&[], input.as_bytes()),
        (format!("{want}\n"), 0),
        "input {input:?}"
    );
}

fn negative(input: &[u8], want: &str) {
    assert_eq!(
        run(&[], input),
        (format!("error: {want}\n"), 1),
        "input {:?}",
        String::from_utf8_lossy(input)
    );
}

#[test]
fn arrays() {
    positive(" [   ] ", "[]");
    positive(" [ 1 ] ", "[1]");
    positive(" [ 1, 2 ] ", "[1,2]");
    positive(" [ 1, 2, 3, 4, 5 ] ", "[1,2,3,4,5]");
    negative(
        b" [ 1, 2, 3 4, 5 ] ",
        "line 0, column 12, byte 12: syntax error expecting ']' or ','",
    );
    negative(
        b"[1,2,]",
        "line 0, column 5, byte 5: syntax error expecting value",
    );
    negative(
        b"[1,,2]",
        "line 0, column 3, byte 3: syntax error expecting value",
    );
}

#[test]
fn strings() {
    positive(r#"[ "" ]"#, r#"[""]"#);
    positive(r#"[ "a", "b", "c" ]"#, r#"["a","b","c"]"#);
    positive(
        r#"[ " \" \\ \/ \b \f \n \r \t" ]"#,
        r#"[" \" \\ / \b \f \n \r \t"]"#,
    );
    positive(
        r#"[ " \u0022 \u005c \u002F \u0008 \u000c \u000A \u000d \u0009" ]"#,
        r#"[" \" \\ / \b \f \n \r \t"]"#,
    );
    positive(r#"["\ud834\udd1e"]"#, r#"["𝄞"]"#);
    negative(
        br#""xxx""#,
        "line 0, column 4, byte 4: syntax error at beginning of input",
    );
    negative(
        b"[\"xxx\n\"]",
        "line 0, column 5, byte 5: U+000A must be escaped in quoted string",
    );
    negative(
        b"[\"xxx\x0c\"]",
        "line 0, column 5, byte 5: U+000C must be escaped in quoted string",
    );
    negative(br#"["\x12"]"#, "line 0, column 6, byte 6: bad escape \\x");
    negative(
        br#"["\u1x"]"#,
        "line 0, column 6, byte 6: quoted string ends within \\u escape",
    );
    negative(
        br#"["\u1xyz"]"#,
        "line 0, column 8, byte 8: malformed \\u escape",
    );
    negative(
        br#"["\ud834xxx"]"#,
        "line 0, column 11, byte 11: malformed escaped surrogate pair",
    );
    negative(
        br#"["\ud834\u1234"]"#,
        "line 0, column 14, byte 14: second half of escaped surrogate pair is not trailing surrogate",
    );
    negative(
        br#"["\u0000"]"#,
        "line 0, column 8, byte 8: null bytes not supported in quoted strings",
    );
    negative(
        b"\"xxx",
        "line 0, column 4, byte 4: unexpected end of input in quoted string",
    );
    negative(
        b"[\"\xc3\x28\"]",
        "line 0, column 4, byte 4: invalid UTF-8 sequence 0xc3 0x28",
    );
}

#[test]
fn objects() {
    positive("{ }", "{}");
    positive(r#"{"b": 2, "a": 1, "c": 3}"#, r#"{"a":1,"b":2,"c":3}"#);
    positive(r#"{"b": 2, "a": 1, "b": 3}"#, r#"{"a":1,"b":3}"#);
    negative(
        br#"{"a": }, "b": 2"#,
        "line 0, column 6, byte 6: syntax error expecting value",
    );
    negative(
        br#"{"b": 2, "a" 1, "c": 3}"#,
        "line 0, column 14, byte 14: syntax error parsing object expecting ':'",
    );
    negative(
        br#"{"b": 2 "a" 1, "c": 3}"#,
        "line 0, column 10, byte 10: syntax error expecting '}' or ','",
    );
    negative(
        br#"{"b": 2, "a": 1, "c": 3, }"#,
        "line 0, column 25, byte 25: syntax error parsing object expecting string",
    );
    negative(
        br#"{"b": 2, "a": 1,, "c": 3}"#,
        "line 0, column 16, byte 16: syntax error parsing object expecting string",
    );
    negative(
        b"{1: 2}",
        "line 0, column 2, byte 2: syntax error parsing object expecting string",
    );
}

#[test]
fn literal_names() {
    positive("[ null ]", "[null]");
    positive("[ false ]", "[false]");
    positive("[ true ]", "[true]");
    negative(
        b"null",
        "line 0, column 4, byte 4: syntax error at beginning of input",
    );
    negative(
        b"[ nullify ]",
        "line 0, column 9, byte 9: invalid keyword 'nullify'",
    );
    negative(
        b"[ nubs ]",
        "line 0, column 6, byte 6: invalid keyword 'nubs'",
    );
    negative(
        b"[ xxx ]",
        "line 0, column 5, byte 5: invalid keyword 'xxx'",
    );
}

#[test]
fn numbers() {
    positive(
        "[1.0000000000,\n 2.00000000000000000000000000000000000,\n 2e5,\n 2.1234e4,\n 2.1230e3,\n 0e-10000,\n 0e10000]",
        "[1,2,200000,21234,2123,0,0]",
    );
    positive(
        "[9223372036854775807, -9223372036854775808]",
        "[9223372036854775807,-9223372036854775808]",
    );
    positive(
        "[9223372036854775807.0, -9223372036854775808.0,\n 92233720.36854775807e11, -9.223372036854775808e18]",
        "[9223372036854775807,-9223372036854775808,9223372036854775807,-9223372036854775808]",
    );
    positive(
        "[9223372036854775807000, -92233720368547758080000]",
        "[9.223372036854776e+21,-9.223372036854776e+22]",
    );
    positive("[-0, -0.0, 1e-9999, -1e-9999]", "[0,0,0,0]");
    positive("[0.0, 1.0, 2.0, 3.0, 3.5, 81.250]", "[0,1,2,3,3.5,81.25]");
    positive(
        "[1e3, 1E3, 2.5E2, 1e+3, 125e-3, 3.125e-2, 3125e-05, 1.525878906e-5]",
        "[1000,1000,250,1000,0.125,0.03125,0.03125,1.525878906e-05]",
    );
    positive(
        "[-0, -1.0, -2.0, -3.0, -3.5, -8.1250]",
        "[0,-1,-2,-3,-3.5,-8.125]",
    );
    positive(
        "[-1e3, -1E3, -2.5E2, -1e+3, -125e-3, -3.125e-2, -3125e-05, -1.525878906e-5]",
        "[-1000,-1000,-250,-1000,-0.125,-0.03125,-0.03125,-1.525878906e-05]",
    );
    positive("[1e-9999]", "[0]");
    positive("[1.7976931348623157e308]", "[1.7976931348623157e+308]");
    negative(
        b"1",
        "line 0, column 1, byte 1: syntax error at beginning of input",
    );
    negative(
        b"[0123]",
        "line 0, column 5, byte 5: leading zeros not allowed",
    );
    negative(
        b"[1e9999]",
        "line 0, column 7, byte 7: number outside valid range",
    );
    negative(
        b"[1e9999999999999999999]",
        "line 0, column 22, byte 22: exponent outside valid range",
    );
    negative(
        b"[1.]",
        "line 0, column 3, byte 3: decimal point must be followed by digit",
    );
    negative(
        b"[1e]",
        "line 0, column 3, byte 3: exponent must contain at least one digit",
    );
    negative(
        b"[1e+]",
        "line 0, column 4, byte 4: exponent must contain at least one digit",
    );
    negative(
        b"[1e-]",
        "line 0, column 4, byte 4: exponent must contain at least one digit",
    );
    negative(
        b"[-]",
        "line 0, column 2, byte 2: '-' must be followed by digit",
    );
    negative(b"[1-1]", "line 0, column 4, byte 4: syntax error in number");
}

#[test]
fn rfc4627_examples() {
    positive(
        r#"{
   "Image": {
       "Width":  800,
       "Height": 600,
       "Title":  "View from 15th Floor",
       "Thumbnail": {
           "Url":    "http://www.example.com/image/481989943",
           "Height": 125,
           "Width":  "100"
       },
       "IDs": [116, 943, 234, 38793]
     }
}"#,
        r#"{"Image":{"Height":600,"IDs":[116,943,234,38793],"Thumbnail":{"Height":125,"Url":"http://www.example.com/image/481989943","Width":"100"},"Title":"View from 15th Floor","Width":800}}"#,
    );
    positive(
        r#"[
   {"precision": "zip", "Latitude": 37.7668, "Longitude": -122.3959, "Address": "",
    "City": "SAN FRANCISCO", "State": "CA", "Zip": "94107", "Country": "US"},
   {"precision": "zip", "Latitude": 37.371991, "Longitude": -122.026020, "Address": "",
    "City": "SUNNYVALE", "State": "CA", "Zip": "94085", "Country": "US"}
]"#,
        r#"[{"Address":"","City":"SAN FRANCISCO","Country":"US","Latitude":37.7668,"Longitude":-122.3959,"State":"CA","Zip":"94107","precision":"zip"},{"Address":"","City":"SUNNYVALE","Country":"US","Latitude":37.371991,"Longitude":-122.02602,"State":"CA","Zip":"94085","precision":"zip"}]"#,
    );
}

#[test]
fn pathological_cases() {
    negative(
        b"[1]null",
        "line 0, column 7, byte 7: trailing garbage at end of input",
    );
    negative(
        b"[\x0c]",
        "line 0, column 1, byte 1: invalid character U+000c",
    );
    negative(b";", "line 0, column 0, byte 0: invalid character ';'");
    let deep = format!("{}{}", "[".repeat(1003), "]".repeat(1003));
    negative(
        deep.as_bytes(),
        "line 0, column 1000, byte 1000: input exceeds maximum nesting depth 1000",
    );
    let deep = format!("{}{}", "{\"x\":".repeat(1003), "}".repeat(1003));
    negative(
        deep.as_bytes(),
        "line 0, column 5000, byte 5000: input exceeds maximum nesting depth 1000",
    );
    let ok = format!("{}{}", "[".repeat(1000), "]".repeat(1000));
    assert_eq!(run(&[], ok.as_bytes()), (format!("{ok}\n"), 0));
}

#[test]
fn empty_input() {
    let (code, stdout, _) = ovstest(&[&"test-json", &"/dev/null"]);
    assert_eq!(
        stdout,
        "error: line 0, column 0, byte 0: empty input stream\n"
    );
    assert_eq!(code, Some(1));
}

#[test]
fn multiple_inputs() {
    let m = |input: &str| run(&["--multiple"], input.as_bytes());
    assert_eq!(m("{}{}{}"), ("{}\n{}\n{}\n".into(), 0));
    assert_eq!(m("{}  {}  {}"), ("{}\n{}\n{}\n".into(), 0));
    assert_eq!(m("{}\n{}\n{}"), ("{}\n{}\n{}\n".into(), 0));
    assert_eq!(m("{}[]{}[]"), ("{}\n[]\n{}\n[]\n".into(), 0));
    assert_eq!(
        m("{}x{}"),
        (
            "{}\nerror: line 0, column 1, byte 1: invalid keyword 'x'\n{}\n".into(),
            1
        )
    );
    assert_eq!(
        m("{}{}x"),
        (
            "{}\n{}\nerror: line 0, column 1, byte 1: invalid keyword 'x'\n".into(),
            1
        )
    );
    // Each value counts positions from its own start; \v and \f between
    // values are skipped as C's isspace() skips them.
    assert_eq!(
        m("[1]\x0b\x0c [1 2] {\"a\":\n 1,}"),
        (
            "[1]\nerror: line 0, column 4, byte 4: syntax error expecting ']' or ','\n\
             error: line 0, column 0, byte 0: syntax error at beginning of input\n\
             error: line 1, column 3, byte 9: syntax error parsing object expecting string\n"
                .into(),
            1
        )
    );
    assert_eq!(
        m("[1,"),
        (
            "error: line 0, column 3, byte 3: unexpected end of input\n".into(),
            1
        )
    );
    assert_eq!(m(" \n "), (String::new(), 0));
}

#[test]
fn pretty_output() {
    assert_eq!(
        run(&["--pretty"], br#"{"b":[1,{"y":[],"x":{}}],"a":"s"}"#),
        (
            "{\n  \"a\": \"s\",\n  \"b\": [\n    1,\n    {\n      \"x\": {\n        },\n      \"y\": []}]}\n".into(),
            0
        )
    );
    assert_eq!(
        run(&["--multiple", "--pretty"], b"[1] [2]"),
        ("[\n  1]\n[\n  2]\n".into(), 0)
    );
}

#[test]
fn reads_a_file_and_rejects_bad_usage() {
    let path = std::env::temp_dir().join(format!("ovsrpc-test-json-{}.json", std::process::id()));
    std::fs::write(&path, "[\"file\"]").expect("write input file");
    let (code, stdout, _) = ovstest(&[&"test-json", &path]);
    let _ = std::fs::remove_file(&path);
    assert_eq!((stdout.as_str(), code), ("[\"file\"]\n", Some(0)));

    for args in [
        &["test-json"][..],
        &["test-json", "a", "b"],
        &["test-json", "--bogus", "-"],
        &["test-json", "/nonexistent/x.json"],
    ] {
        let args: Vec<&dyn AsRef<std::ffi::OsStr>> = args.iter().map(|a| a as _).collect();
        let (code, stdout, stderr) = ovstest(&args);
        assert_eq!(code, Some(1), "{stderr}");
        assert!(stdout.is_empty(), "{stdout}");
        assert!(!stderr.is_empty());
    }
}
