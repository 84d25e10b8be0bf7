//! Interoperation with a real ovsdb-server (Debian's openvswitch-common),
//! started by the test: it answers list_dbs, get_schema, transact and echo
//! on our connection, over Unix and TCP.

mod support;

use ovsrpc::json::{self, Json};
use ovsrpc::jsonrpc::{connection, Jsonrpc, Msg, MsgType};
use support::log;
use support::rpc::*;
use support::{OvsdbServer, TempDir, DEADLINE_MS};

fn j(text: &str) -> Json {
    json::from_str(text).unwrap_or_else(|e| panic!("{text}: {e}"))
}

fn start_server(dir: &TempDir) -> Option<OvsdbServer> {
    support::ovs_tools(&["ovsdb-server", "ovsdb-tool"]).then(|| OvsdbServer::standalone(dir.path()))
}

fn transact(rpc: &mut Jsonrpc, method: &str, params: Json) -> Msg {
    let request = Msg::create_request(method, params);
    let id = request.id.clone();
    rpc.send(request).expect("send");
    loop {
        let msg = recv_within(rpc).unwrap_or_else(|e| panic!("{method}: {e}"));
        if matches!(msg.msg_type, MsgType::Reply | MsgType::Error) && msg.id == id {
            return msg;
        }
    }
}

/// The conversation: list_dbs, get_schema, an insert, a select, echo.
fn converse(rpc: &mut Jsonrpc, who: &str) {
    let reply = transact(rpc, "list_dbs", Json::empty_array());
    assert_eq!(reply.msg_type, MsgType::Reply);
    // The server lists its databases in its own (hash) order.
    let mut dbs: Vec<String> = reply
        .result
        .as_ref()
        .and_then(Json::as_array)
        .expect("array of names")
        .iter()
        .map(|d| d.as_str().expect("name").to_string())
        .collect();
    dbs.sort();
    assert_eq!(dbs, ["_Server", "demo"]);

    let reply = transact(rpc, "get_schema", j(r#"["demo"]"#));
    let schema = reply.result.expect("schema");
    assert_eq!(schema.get("name"), Some(&Json::string("demo")));
    assert_eq!(
        schema
            .get("tables")
            .and_then(|t| t.get("Item"))
            .and_then(|t| t.get("columns"))
            .and_then(|c| c.get("n")),
        Some(&j(r#"{"type":"integer"}"#))
    );

    let insert = support::insert_params(7, who);
    let reply = transact(rpc, "transact", insert);
    assert_eq!(reply.msg_type, MsgType::Reply, "{reply}");
    let result = reply.result.expect("result");
    let uuid = result
        .at(0)
        .and_then(|r| r.get("uuid"))
        .cloned()
        .expect("insert result has a uuid");
    assert_eq!(uuid.at(0), Some(&Json::string("uuid")));

    let select = j(&format!(
        r#"["demo", {{"op":"select","table":"Item","where":[["who","==","{who}"]],
                      "columns":["n","who","_uuid"]}}]"#
    ));
    let reply = transact(rpc, "transact", select);
    let rows = reply
        .result
        .as_ref()
        .and_then(|r| r.at(0))
        .and_then(|r| r.get("rows"))
        .and_then(Json::as_array)
        .expect("rows")
        .to_vec();
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0].get("n"), Some(&Json::Integer(7)));
    assert_eq!(rows[0].get("who"), Some(&Json::string(who)));
    assert_eq!(rows[0].get("_uuid"), Some(&uuid));

    let params = j(r#"["ping", {"nested": [1, 2.5, null, "é€𝄞"]}]"#);
    let reply = transact(rpc, "echo", params.clone());
    assert_eq!(reply.result, Some(params));

    let reply = transact(rpc, "no-such-method", Json::empty_array());
    assert_eq!(reply.msg_type, MsgType::Error);
}

#[test]
fn ovsdb_server_answers_over_unix() {
    let _log = log::capture();
    let dir = TempDir::new("jsonrpc-ovsdb-unix");
    let Some(server) = start_server(&dir) else {
        return;
    };
    let mut rpc = connection::open_block(&server.unix_remote, DEADLINE_MS).expect("connect");
    converse(&mut rpc, "unix");
}

#[test]
fn ovsdb_server_answers_over_tcp() {
    let _log = log::capture();
    let dir = TempDir::new("jsonrpc-ovsdb-tcp");
    let Some(server) = start_server(&dir) else {
        return;
    };
    let mut rpc = connection::open_block(&server.remote, DEADLINE_MS).expect("connect");
    assert_eq!(rpc.get_name(), server.remote);
    converse(&mut rpc, "tcp");
    // Blocking calls work against it too.
    let reply = rpc
        .transact_block(Msg::create_request("echo", j("[42]")))
        .expect("transact_block");
    assert_eq!(reply.result, Some(j("[42]")));
}

#[test]
fn ovsdb_server_answers_pipelined_echoes_in_order() {
    let _log = log::capture();
    let dir = TempDir::new("jsonrpc-ovsdb-pipe");
    let Some(server) = start_server(&dir) else {
        return;
    };
    let mut rpc = connection::open_block(&server.unix_remote, DEADLINE_MS).expect("connect");
    let mut ids = Vec::new();
    for i in 0..1000 {
        let request = Msg::create_request("echo", Json::array(vec![Json::Integer(i)]));
        ids.push(request.id.clone());
        rpc.queue(request).expect("queue");
    }
    rpc.run();
    for (i, id) in ids.iter().enumerate() {
        let reply = recv_within(&mut rpc).expect("reply");
        assert_eq!(&reply.id, id);
        assert_eq!(
            reply.result,
            Some(Json::array(vec![Json::Integer(i as i64)]))
        );
    }
    // And a 16 MiB request, answered whole.
    let big = Json::array(vec![Json::string("o".repeat(16 << 20))]);
    let reply = transact(&mut rpc, "echo", big.clone());
    assert!(reply.result == Some(big), "big echo came back changed");
}
