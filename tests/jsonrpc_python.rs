//! Interoperation with OVS's Python JSON-RPC library (`ovs.jsonrpc` from
//! Debian's python3-openvswitch, run with /usr/bin/python3): its server
//! answers our client, and its client talks to our server. The scripts are
//! in tests/python/.

mod support;

use std::path::PathBuf;
use std::process::{Command, Stdio};

use ovsrpc::json::{self, Json};
use ovsrpc::jsonrpc::{Jsonrpc, Msg, MsgType};
use ovsrpc::stream::PStream;
use ovsrpc::Error;
use support::log;
use support::process::Process;
use support::rpc::*;
use support::{TempDir, DEADLINE_MS};

fn j(text: &str) -> Json {
    json::from_str(text).unwrap_or_else(|e| panic!("{text}: {e}"))
}

fn script(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/python")
        .join(name)
}

/// Receives one message on `rpc`, or panics at the deadline.
fn recv(rpc: &mut Jsonrpc) -> Msg {
    recv_within(rpc).unwrap_or_else(|e| panic!("recv: {e}"))
}

fn transact(rpc: &mut Jsonrpc, method: &str, params: Json) -> Msg {
    let request = Msg::create_request(method, params);
    let id = request.id.clone();
    rpc.send(request).expect("send");
    loop {
        let msg = recv(rpc);
        if matches!(msg.msg_type, MsgType::Reply | MsgType::Error) && msg.id == id {
            return msg;
        }
    }
}

#[test]
fn python_server_answers_our_client() {
    let _log = log::capture();
    if !support::require_python_ovs() {
        return;
    }
    let dir = TempDir::new("jsonrpc-pyserver");
    let sock = dir.join("py.sock");
    let mut server = Process::spawn(
        Command::new("/usr/bin/python3")
            .arg(script("echo_server.py"))
            .arg(format!("punix:{}", sock.display()))
            .stdin(Stdio::null()),
        "echo_server.py",
    );
    // The server says when it listens; a dead server closes the pipe.
    assert_eq!(
        server.line().trim(),
        "listening",
        "python server did not start"
    );

    let stream = ovsrpc::stream::Stream::open_block(
        ovsrpc::stream::Stream::open(&format!("unix:{}", sock.display()), 0),
        DEADLINE_MS,
    )
    .expect("connect to the python server");
    let mut rpc = Jsonrpc::open(stream);

    // Echo of varied JSON.
    let params = j(r#"["hello", {"a": [1, 2.5, null, true, false]}, "ü€𝄞",
                     -9223372036854775808, 1e-300, {"nested": [[[{}]]]}, "q\"b\\n\n\t"]"#);
    let reply = transact(&mut rpc, "echo", params.clone());
    assert_eq!(reply.msg_type, MsgType::Reply);
    assert_eq!(reply.result, Some(params));

    // Pipelined requests, answered in order.
    let mut ids = Vec::new();
    for i in 0..2000 {
        let request = Msg::create_request("echo", Json::array(vec![Json::Integer(i)]));
        ids.push(request.id.clone());
        rpc.send(request).expect("send");
    }
    for (i, id) in ids.iter().enumerate() {
        let reply = recv(&mut rpc);
        assert_eq!(&reply.id, id);
        assert_eq!(
            reply.result,
            Some(Json::array(vec![Json::Integer(i as i64)]))
        );
    }

    // A big message both ways.
    let big = Json::array(vec![Json::string("p".repeat(4 << 20)), Json::string("end")]);
    let reply = transact(&mut rpc, "echo", big.clone());
    assert!(reply.result == Some(big), "big echo came back changed");

    // Unknown method.
    let reply = transact(&mut rpc, "no-such-method", Json::empty_array());
    assert_eq!(reply.msg_type, MsgType::Error);
    assert_eq!(reply.error, Some(j(r#"{"error":"unknown method"}"#)));

    // Notifications are received and counted.
    for i in 0..10 {
        rpc.send(Msg::create_notify("note", j(&format!("[{i}]"))))
            .expect("notify");
    }
    let reply = transact(&mut rpc, "count", Json::empty_array());
    assert_eq!(reply.result, Some(j("[10]")));

    // Many notifications from the server, then its reply.
    let request = Msg::create_request("flood", j("[1000, 100]"));
    let id = request.id.clone();
    rpc.send(request).expect("send");
    let tick = "x".repeat(100);
    for i in 0..1000 {
        let msg = recv(&mut rpc);
        assert_eq!(msg.msg_type, MsgType::Notify);
        assert_eq!(
            msg.params,
            Some(Json::array(vec![
                Json::Integer(i),
                Json::string(tick.as_str())
            ]))
        );
    }
    let reply = recv(&mut rpc);
    assert_eq!(reply.id, id);

    // Shut it down: the connection then ends and the process exits 0.
    rpc.send(Msg::create_notify("shutdown", Json::empty_array()))
        .expect("shutdown");
    assert_eq!(recv_within(&mut rpc), Err(Error::EOF));
    let (code, _, err) = server.finish();
    assert_eq!(code, Some(0), "python server: {err}");
}

/// Our side of client.py's conversation: serves one connection until the
/// peer hangs up. Methods as tests/python/echo_server.py.
fn serve(rpc: &mut Jsonrpc) {
    let mut notifications = 0i64;
    let mut ended = false;
    drive_rpcs(&mut [rpc], |rpcs| {
        let rpc = &mut *rpcs[0];
        for _ in 0..100 {
            if rpc.get_backlog() > 0 {
                break;
            }
            let msg = match rpc.recv() {
                Ok(msg) => msg,
                Err(e) if e.is_again() => break,
                Err(e) => {
                    assert!(e.is_eof(), "serving python client: {e}");
                    ended = true;
                    return true;
                }
            };
            if msg.msg_type == MsgType::Notify {
                notifications += 1;
                continue;
            }
            let id = msg.id.clone().expect("id");
            let reply = match msg.method.as_deref() {
                Some("echo") => Msg::create_reply(msg.params.expect("params"), &id),
                Some("count") => Msg::create_reply(j(&format!("[{notifications}]")), &id),
                Some("flood") => {
                    let p = msg.params.expect("params");
                    let n = p.at(0).and_then(Json::as_i64).expect("n");
                    let size = p.at(1).and_then(Json::as_i64).expect("size") as usize;
                    let tick = Json::string("x".repeat(size));
                    for i in 0..n {
                        rpc.send(Msg::create_notify(
                            "tick",
                            Json::array(vec![Json::Integer(i), tick.clone()]),
                        ))
                        .expect("tick");
                    }
                    Msg::create_reply(j(&format!("[{n}]")), &id)
                }
                _ => Msg::create_error(j(r#"{"error":"unknown method"}"#), &id),
            };
            rpc.send(reply).expect("reply");
        }
        false
    });
    assert!(ended);
}

#[test]
fn python_client_talks_to_our_server() {
    let _log = log::capture();
    if !support::require_python_ovs() {
        return;
    }
    let dir = TempDir::new("jsonrpc-pyclient");
    let sock = dir.join("rust.sock");
    let mut listener = PStream::open(&format!("punix:{}", sock.display()), 0).expect("punix");
    let client = Process::spawn(
        Command::new("/usr/bin/python3")
            .arg(script("client.py"))
            .arg(format!("unix:{}", sock.display()))
            .stdin(Stdio::null()),
        "client.py",
    );
    let mut rpc = Jsonrpc::open(support::stream::accept(&mut listener));
    serve(&mut rpc);
    let (code, out, err) = client.finish();
    assert_eq!(code, Some(0), "python client failed:\n{out}\n{err}");
    let steps: Vec<&str> = out.lines().collect();
    assert_eq!(
        steps,
        [
            "ok echo",
            "ok pipelined",
            "ok big",
            "ok error",
            "ok notify",
            "ok flood",
            "done"
        ]
    );
}
