//! Per-state tests of the client's state machine, driven with plain
//! messages: what it sends, what it reports, when it leaves a server.

use super::machine::{Machine, Output};
use super::{Event, State, TxnOutcome};
use crate::json::{self, Json};
use crate::jsonrpc::{Msg, MsgType};

mod monitoring;
mod server_checks;
mod setup;

const SERVER_SCHEMA: &str = r#"{"name":"_Server","version":"1.1.0","tables":{"Database":{"columns":{
    "name":{"type":"string"},
    "model":{"type":{"key":{"type":"string","enum":["set",["standalone","clustered","relay"]]}}},
    "connected":{"type":"boolean"},
    "leader":{"type":"boolean"},
    "schema":{"type":{"key":"string","min":0,"max":1}},
    "cid":{"type":{"key":"uuid","min":0,"max":1}},
    "sid":{"type":{"key":"uuid","min":0,"max":1}},
    "index":{"type":{"key":"integer","min":0,"max":1}}}}}}"#;

const DATA_SCHEMA: &str = r#"{"name":"demo","version":"1.0.0","tables":{"Item":{"columns":{
    "n":{"type":"integer"},"tags":{"type":{"key":"string","min":0,"max":"unlimited"}}}}}}"#;

const ROW: &str = "aaaaaaaa-0000-0000-0000-000000000001";
const LAST: &str = "bbbbbbbb-0000-0000-0000-000000000002";

fn j(s: &str) -> Json {
    json::from_str(s).unwrap()
}

/// The messages the machine asked to send since the last call, and whether
/// it asked to reconnect (with or without backoff reset).
fn take(m: &mut Machine) -> (Vec<Msg>, Option<bool>) {
    let mut msgs = Vec::new();
    let mut reconnect = None;
    for o in m.out.drain(..) {
        match o {
            Output::Send(msg) => msgs.push(msg),
            Output::ForceReconnect { reset_backoff } => reconnect = Some(reset_backoff),
        }
    }
    (msgs, reconnect)
}

fn one_request(m: &mut Machine, method: &str) -> Msg {
    let (msgs, reconnect) = take(m);
    assert_eq!(reconnect, None, "no reconnect expected");
    let reqs: Vec<_> = msgs
        .into_iter()
        .filter(|msg| msg.msg_type == MsgType::Request)
        .collect();
    assert_eq!(reqs.len(), 1, "one request expected: {reqs:?}");
    assert_eq!(reqs[0].method.as_deref(), Some(method));
    reqs.into_iter().next().unwrap()
}

fn reply(req: &Msg, result: Json) -> Msg {
    Msg::create_reply(result, req.id.as_ref().unwrap())
}

fn error(req: &Msg) -> Msg {
    Msg::create_error(Json::from("unknown method"), req.id.as_ref().unwrap())
}

fn server_row(model: &str, connected: bool, leader: bool, index: i64) -> Json {
    let schema = Json::from(DATA_SCHEMA);
    j(&format!(
        r#"{{"Database":{{"{ROW}":{{"initial":{{"name":"demo","model":"{model}","connected":{connected},
            "leader":{leader},"schema":{schema},"index":{index}}}}}}}}}"#
    ))
}

/// A fresh machine after a connection, up to the `_Server` monitor reply
/// with `row`; returns the machine and what it sent after that reply.
fn through_server_monitor(leader_only: bool, row: Json) -> (Machine, Vec<Msg>, Option<bool>) {
    let mut m = Machine::new("demo");
    m.leader_only = leader_only;
    m.reconnected();
    let req = one_request(&mut m, "get_schema");
    assert_eq!(req.params.as_ref().unwrap().to_string(), r#"["_Server"]"#);
    m.process_msg(reply(&req, j(SERVER_SCHEMA)));
    let req = one_request(&mut m, "monitor_cond");
    m.process_msg(reply(&req, row));
    let (msgs, reconnect) = take(&mut m);
    (m, msgs, reconnect)
}

/// A machine monitoring the leader of a cluster with `monitor_cond_since`.
fn monitoring() -> Machine {
    let (mut m, msgs, _) = through_server_monitor(true, server_row("clustered", true, true, 5));
    let req = msgs
        .iter()
        .find(|msg| msg.method.as_deref() == Some("monitor_cond_since"))
        .unwrap();
    let initial = j(&format!(
        r#"[false,"{LAST}",{{"Item":{{"{ROW}":{{"initial":{{"n":1}}}}}}}}]"#
    ));
    m.process_msg(reply(req, initial));
    assert_eq!(m.state, State::Monitoring);
    m.events.clear();
    m
}

fn events(m: &mut Machine) -> Vec<Event> {
    std::mem::take(&mut m.events)
}

fn notify(method: &str, params: &str) -> Msg {
    Msg::create_notify(method, j(params))
}

#[allow(dead_code)]
fn unknown(e: &Event) -> bool {
    matches!(
        e,
        Event::TxnReply {
            outcome: TxnOutcome::Unknown,
            ..
        }
    )
}
