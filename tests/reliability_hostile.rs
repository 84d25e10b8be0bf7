//! Hostile input over a real Unix socket into a [`Jsonrpc`]: three valid
//! messages first, then something bad. Each case checks that the valid
//! messages are delivered, then the connection fails with a clear error
//! (`EPROTO`) and a log line naming the peer and the problem, and that
//! nothing panics. The peer writes from its own thread, so inputs far
//! bigger than the socket buffer (a million nested brackets) go through.
//! The endless string is in reliability_hostile_size.rs, a binary of its
//! own so that its memory can be measured.

mod support;

use std::io::Write;
use std::os::unix::net::UnixStream;
use std::sync::mpsc;
use std::thread;

use ovsrpc::json::Json;
use ovsrpc::jsonrpc::{Jsonrpc, JsonrpcSession, Msg, MsgType};
use ovsrpc::stream::PStream;
use ovsrpc::Error;
use support::drive;
use support::load::wait_session;
use support::log::{self, logged};

/// The three valid messages every case starts with.
fn valid_prefix() -> Vec<u8> {
    let mut out = Vec::new();
    Msg::request_with_id("first", Json::array(vec![1.into()]), Json::Integer(1)).write_to(&mut out);
    Msg::create_notify("second", Json::array(vec!["two".into()])).write_to(&mut out);
    out.extend_from_slice(b"\n  ");
    Msg::create_reply(Json::array(vec![3.into()]), &Json::Integer(3)).write_to(&mut out);
    out
}

fn check_valid_prefix(got: &[Msg]) {
    assert_eq!(
        got.len(),
        3,
        "the valid messages before the bad input: {got:?}"
    );
    assert_eq!(got[0].method.as_deref(), Some("first"));
    assert_eq!(got[0].id, Some(Json::Integer(1)));
    assert_eq!(got[1].msg_type, MsgType::Notify);
    assert_eq!(got[2].msg_type, MsgType::Reply);
    assert_eq!(got[2].result, Some(Json::array(vec![3.into()])));
}

/// What the receiving side saw.
struct Outcome {
    msgs: Vec<Msg>,
    status: i32,
    /// The receiving connection's name (unique in this process).
    name: String,
    /// Bytes the peer managed to write.
    written: u64,
}

/// Connects a peer to a fresh listener, has it write the valid prefix and
/// then `pieces` (stopping at the first write error), and receives on the
/// accepted connection until it fails. `max` sets the maximum message
/// size. The peer keeps its end open until the receiver is done.
fn receive_hostile(tag: &str, pieces: Vec<Vec<u8>>, max: Option<usize>) -> Outcome {
    let dir = support::TempDir::new(&format!("hostile-{tag}"));
    let path = dir.join("s.sock");
    let mut listener = PStream::open(&format!("punix:{}", path.display()), 0).expect("listen");
    let mut peer = UnixStream::connect(&path).expect("connect");
    let mut rpc = Jsonrpc::open(listener.accept_block().expect("accept"));
    if let Some(max) = max {
        rpc.set_max_msg_size(max);
    }
    let (done_tx, done_rx) = mpsc::channel::<()>();
    let writer = thread::spawn(move || {
        let mut written = 0u64;
        'write: for piece in std::iter::once(valid_prefix()).chain(pieces) {
            for chunk in piece.chunks(64 * 1024) {
                if peer.write_all(chunk).is_err() {
                    break 'write;
                }
                written += chunk.len() as u64;
            }
        }
        // Hold the connection open until the receiver has finished, so
        // that what it sees is the bad input, not end of file.
        let _ = done_rx.recv();
        written
    });

    let (msgs, status) =
        support::load::receive_until_failure(&mut rpc, &format!("{tag}: the connection to fail"));
    assert_eq!(rpc.get_status(), status);
    let name = rpc.name().to_string();
    drop(rpc);
    let _ = done_tx.send(());
    let written = writer.join().expect("writer thread");
    Outcome {
        msgs,
        status,
        name,
        written,
    }
}

/// Runs one case that must end in EPROTO with a log line containing
/// every one of `log_needles`.
fn expect_eproto(tag: &str, pieces: Vec<Vec<u8>>, log_needles: &[&str]) -> Outcome {
    let out = receive_hostile(tag, pieces, None);
    check_valid_prefix(&out.msgs);
    assert_eq!(out.status, Error::EPROTO.errno(), "{tag}: status");
    let mut needles = vec![out.name.as_str()];
    needles.extend_from_slice(log_needles);
    let lines = logged(&needles);
    assert_eq!(lines.len(), 1, "{tag}: one log line with {needles:?}");
    assert!(lines[0].starts_with("WARN"), "{tag}: {}", lines[0]);
    out
}

fn request_with_params(params: &str) -> Vec<u8> {
    format!(r#"{{"method":"m","params":{params},"id":9}}"#).into_bytes()
}

#[test]
fn nesting_deeper_than_1000_is_refused() {
    let _log = log::capture();
    let params = format!("[{}{}]", "[".repeat(1000), "]".repeat(1000));
    let out = expect_eproto(
        "depth",
        vec![request_with_params(&params)],
        &[
            "error parsing stream",
            "input exceeds maximum nesting depth 1000",
        ],
    );
    // Depth 1000 itself is fine: the same with one level less goes through.
    let ok = format!("[{}{}]", "[".repeat(998), "]".repeat(998));
    let out2 = receive_hostile(
        "depth-ok",
        vec![request_with_params(&ok), b"]".to_vec()],
        None,
    );
    assert_eq!(out2.msgs.len(), 4, "a message nested 1000 deep is accepted");
    assert_eq!(out2.status, Error::EPROTO.errno());
    let _ = out;
}

#[test]
fn a_million_open_brackets_fail_at_depth_1000_without_overflowing_the_stack() {
    let _log = log::capture();
    let out = expect_eproto(
        "million",
        vec![b"[".repeat(1_000_000)],
        &["input exceeds maximum nesting depth 1000"],
    );
    assert!(out.written >= 1000);
}

#[test]
fn invalid_utf8_is_refused() {
    let _log = log::capture();
    expect_eproto(
        "utf8",
        vec![b"{\"method\":\"m\",\"params\":[\"ok \xff\"],\"id\":9}".to_vec()],
        &["error parsing stream", "invalid UTF-8 sequence 0xff"],
    );
}

#[test]
fn escaped_nul_is_refused() {
    let _log = log::capture();
    expect_eproto(
        "nul",
        vec![request_with_params(r#"["a\u0000b"]"#)],
        &["null bytes not supported in quoted strings"],
    );
}

#[test]
fn nan_and_infinity_tokens_are_refused() {
    let _log = log::capture();
    for (i, token) in ["NaN", "nan", "Infinity", "-Infinity", "inf"]
        .iter()
        .enumerate()
    {
        let tag = format!("nan{i}");
        let out = receive_hostile(&tag, vec![request_with_params(&format!("[{token}]"))], None);
        check_valid_prefix(&out.msgs);
        assert_eq!(out.status, Error::EPROTO.errno(), "{token}");
        let lines = logged(&[out.name.as_str(), "error parsing stream"]);
        assert_eq!(lines.len(), 1, "{token}: {lines:?}");
        assert!(
            lines[0].contains("invalid keyword")
                || lines[0].contains("invalid character")
                || lines[0].contains("'-' must be followed by digit"),
            "{token}: {}",
            lines[0]
        );
    }
}

#[test]
fn huge_exponents_are_refused_or_read_exactly() {
    let _log = log::capture();
    expect_eproto(
        "exp-overflow",
        vec![request_with_params("[1e9999]")],
        &["number outside valid range"],
    );
    expect_eproto(
        "exp-range",
        vec![request_with_params("[1e99999999999999999999]")],
        &["exponent outside valid range"],
    );
    // An underflow is the integer 0, as the dialect says: not an error.
    let out = receive_hostile(
        "exp-under",
        vec![request_with_params("[1e-9999]"), b"]".to_vec()],
        None,
    );
    assert_eq!(out.msgs.len(), 4);
    assert_eq!(out.msgs[3].params, Some(Json::array(vec![0.into()])));
}

#[test]
fn a_member_repeated_100000_times_keeps_the_last_value() {
    let _log = log::capture();
    // OVS's parser accepts repeated member names (the last one wins), and
    // so does this one: not an error, but it must not cost more than it
    // should, and the result has one member.
    let mut obj = String::from("[{");
    for i in 0..100_000 {
        obj.push_str(&format!("\"k\":{i},"));
    }
    obj.push_str("\"k\":-1}]");
    let out = receive_hostile(
        "repeat",
        vec![request_with_params(&obj), b"]".to_vec()],
        None,
    );
    check_valid_prefix(&out.msgs[..3]);
    assert_eq!(out.msgs.len(), 4);
    let params = out.msgs[3].params.as_ref().unwrap().as_array().unwrap();
    let o = params[0].as_object().unwrap();
    assert_eq!(o.len(), 1);
    assert_eq!(o.get("k"), Some(&Json::Integer(-1)));
    // ... and the stray bracket after it is the error.
    assert_eq!(out.status, Error::EPROTO.errno());

    // Repeated JSON-RPC members likewise: the last "method" is the method.
    let mut msg = String::from("{");
    for i in 0..100_000 {
        msg.push_str(&format!("\"method\":\"m{i}\","));
    }
    msg.push_str("\"params\":[],\"id\":1}");
    let out = receive_hostile("repeat-method", vec![msg.into_bytes(), b"]".to_vec()], None);
    assert_eq!(out.msgs.len(), 4);
    assert_eq!(out.msgs[3].method.as_deref(), Some("m99999"));
}

#[test]
fn jsonrpc_messages_with_wrong_member_types_are_refused() {
    let _log = log::capture();
    let cases: [(&str, &str); 7] = [
        (
            r#"{"method":1,"params":[],"id":1}"#,
            "method is not a JSON string",
        ),
        (
            r#"{"method":"m","params":{},"id":1}"#,
            "\"params\" must be JSON array",
        ),
        (
            r#"{"method":"m","params":"x","id":1}"#,
            "\"params\" must be JSON array",
        ),
        (
            r#"{"result":1,"error":2,"id":1}"#,
            "reply must not have \"error\"",
        ),
        (
            r#"{"method":"m","params":[],"id":1,"x":0}"#,
            "unexpected member \"x\"",
        ),
        (r#"[1,2,3]"#, "message is not a JSON object"),
        (r#"{"params":[],"id":1}"#, "request must have \"method\""),
    ];
    for (i, (text, why)) in cases.iter().enumerate() {
        let out = receive_hostile(&format!("types{i}"), vec![text.as_bytes().to_vec()], None);
        check_valid_prefix(&out.msgs);
        assert_eq!(out.status, Error::EPROTO.errno(), "{text}");
        let lines = logged(&[out.name.as_str(), "received bad JSON-RPC message", why]);
        assert_eq!(lines.len(), 1, "{text}: want a log line with {why:?}");
    }
}

#[test]
fn a_session_delivers_what_came_before_bad_input_and_reconnects() {
    let _log = log::capture();
    let dir = support::TempDir::new("hostile-session");
    let path = dir.join("s.sock");
    let mut listener = PStream::open(&format!("punix:{}", path.display()), 0).unwrap();
    let mut s = JsonrpcSession::open(&format!("unix:{}", path.display()), true);
    let mut inbox = Vec::new();
    let mut server = None;
    drive("the session to connect", || {
        support::load::run_session(&mut s, &mut inbox);
        if server.is_none() {
            server = listener.accept().ok();
        }
        wait_session(&s);
        listener.wait();
        s.is_connected() && server.is_some()
    });
    assert_eq!(s.get_seqno(), 1);
    let mut server = server.unwrap();
    let mut bytes = valid_prefix();
    bytes.extend_from_slice(b"{\"method\":\"m\",\"params\":[\"\\u0000\"],\"id\":1}");
    let mut sent = 0;
    drive("the bad input to be delivered", || {
        if sent < bytes.len() {
            if let Ok(n) = server.send(&bytes[sent..]) {
                sent += n;
            }
        }
        support::load::run_session(&mut s, &mut inbox);
        wait_session(&s);
        server.send_wait();
        sent == bytes.len() && !s.is_connected()
    });
    check_valid_prefix(&inbox);
    assert_eq!(s.get_last_error(), Error::EPROTO.errno());
    assert_eq!(s.get_seqno(), 2, "disconnected once");

    // It reconnects (after its backoff) to the same listener.
    let mut again = None;
    drive("the session to reconnect", || {
        support::load::run_session(&mut s, &mut inbox);
        if again.is_none() {
            again = listener.accept().ok();
        }
        wait_session(&s);
        listener.wait();
        s.is_connected() && again.is_some()
    });
    assert_eq!(s.get_seqno(), 3);
    assert_eq!(inbox.len(), 3, "nothing delivered twice or invented");
}
