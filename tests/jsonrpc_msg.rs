//! JSON-RPC messages: constructors, wire forms, OVS's validity rules and
//! the error texts of `from_json`, one check per rule.

use ovsrpc::json::{self, Json};
use ovsrpc::jsonrpc::msg::create_id;
use ovsrpc::jsonrpc::{Msg, MsgType};

fn j(text: &str) -> Json {
    json::from_str(text).unwrap_or_else(|e| panic!("{text}: {e}"))
}

fn from_text(text: &str) -> Result<Msg, String> {
    Msg::from_json(j(text))
}

fn wire(msg: &Msg) -> String {
    let mut out = Vec::new();
    msg.write_to(&mut out);
    String::from_utf8(out).expect("utf-8")
}

// Constructors and ids.

#[test]
fn requests_get_fresh_ids_from_one_process_wide_counter() {
    let a = Msg::create_request("echo", Json::empty_array());
    let b = Msg::create_request("echo", Json::empty_array());
    let ia = a.id.as_ref().and_then(Json::as_i64).expect("integer id");
    let ib = b.id.as_ref().and_then(Json::as_i64).expect("integer id");
    assert!(ib > ia, "{ia} then {ib}");
    // Other threads draw from the same counter: no id is handed out twice.
    let handles: Vec<_> = (0..4)
        .map(|_| {
            std::thread::spawn(|| {
                (0..1000)
                    .map(|_| create_id().as_i64().expect("integer"))
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let mut all: Vec<i64> = handles
        .into_iter()
        .flat_map(|h| h.join().expect("thread"))
        .collect();
    let n = all.len();
    all.sort_unstable();
    all.dedup();
    assert_eq!(all.len(), n, "duplicate ids");
}

#[test]
fn constructors_set_type_and_members() {
    let params = j(r#"[1,"two"]"#);
    let r = Msg::create_request("m", params.clone());
    assert_eq!(r.msg_type, MsgType::Request);
    assert_eq!(r.method.as_deref(), Some("m"));
    assert_eq!(r.params, Some(params.clone()));
    assert!(r.result.is_none() && r.error.is_none() && r.id.is_some());

    let n = Msg::create_notify("m", params.clone());
    assert_eq!(n.msg_type, MsgType::Notify);
    assert!(n.id.is_none() && n.result.is_none() && n.error.is_none());

    let id = Json::string("x");
    let reply = Msg::create_reply(j("{}"), &id);
    assert_eq!(reply.msg_type, MsgType::Reply);
    assert_eq!(reply.result, Some(j("{}")));
    assert_eq!(reply.id, Some(id.clone()));
    assert!(reply.method.is_none() && reply.params.is_none() && reply.error.is_none());

    let error = Msg::create_error(Json::string("oops"), &id);
    assert_eq!(error.msg_type, MsgType::Error);
    assert_eq!(error.error, Some(Json::string("oops")));
    assert!(error.result.is_none());

    for m in [&r, &n, &reply, &error] {
        assert_eq!(m.is_valid(), Ok(()), "{m}");
        assert_eq!(&m.clone(), m);
    }
    let fixed = Msg::request_with_id("m", Json::empty_array(), Json::Integer(7));
    assert_eq!(fixed.id, Some(Json::Integer(7)));
}

#[test]
fn type_names_are_ovs_names() {
    assert_eq!(MsgType::Request.as_str(), "request");
    assert_eq!(MsgType::Notify.as_str(), "notification");
    assert_eq!(MsgType::Reply.as_str(), "reply");
    assert_eq!(MsgType::Error.as_str(), "error");
    assert_eq!(MsgType::Notify.to_string(), "notification");
    assert_eq!(MsgType::Error as u32, 3);
}

// Wire forms.

#[test]
fn wire_form_follows_ovs_member_order_and_nulls() {
    let id = Json::Integer(5);
    let cases = [
        (
            Msg::request_with_id("echo", j(r#"["a"]"#), id.clone()),
            r#"{"method":"echo","params":["a"],"id":5}"#,
        ),
        (
            Msg::create_notify("update", j("[null]")),
            r#"{"method":"update","params":[null],"id":null}"#,
        ),
        (
            Msg::create_reply(j(r#"{"b":1,"a":2}"#), &id),
            r#"{"result":{"b":1,"a":2},"error":null,"id":5}"#,
        ),
        (
            Msg::create_error(j(r#"{"error":"unknown method"}"#), &id),
            r#"{"result":null,"error":{"error":"unknown method"},"id":5}"#,
        ),
    ];
    for (msg, expected) in cases {
        assert_eq!(wire(&msg), expected);
        assert_eq!(msg.to_json().to_string(), expected);
    }
}

#[test]
fn method_names_are_escaped_on_the_wire() {
    let msg = Msg::create_notify("a\"b\\c\n\u{1}é", Json::empty_array());
    let text = wire(&msg);
    assert_eq!(
        text,
        "{\"method\":\"a\\\"b\\\\c\\n\\u0001é\",\"params\":[],\"id\":null}"
    );
    assert_eq!(from_text(&text), Ok(msg));
}

#[test]
fn to_string_sorts_members_like_jsonrpc_msg_to_string() {
    let reply = Msg::create_reply(j(r#"[{"z":1,"a":[]}]"#), &Json::Integer(0));
    assert_eq!(
        reply.to_string_sorted(),
        r#"{"error":null,"id":0,"result":[{"a":[],"z":1}]}"#
    );
    assert_eq!(reply.to_string(), reply.to_string_sorted());
    let request = Msg::request_with_id("echo", j("[]"), Json::Integer(1));
    assert_eq!(
        request.to_string(),
        r#"{"id":1,"method":"echo","params":[]}"#
    );
}

#[test]
fn describe_is_the_debug_log_text() {
    let request = Msg::request_with_id("echo", j(r#"[{"b":1,"a":2}]"#), Json::Integer(3));
    assert_eq!(
        request.describe(),
        r#"request, method="echo", params=[{"a":2,"b":1}], id=3"#
    );
    let notify = Msg::create_notify("n", j("[]"));
    assert_eq!(notify.describe(), r#"notification, method="n", params=[]"#);
    let error = Msg::create_error(Json::string("e"), &Json::string("echo"));
    assert_eq!(error.describe(), r#"error, error="e", id="echo""#);
}

#[test]
fn every_type_round_trips_through_json() {
    let id = Json::string("id-1");
    for msg in [
        Msg::request_with_id("m", j(r#"[1,2.5,"x",true,null,{"k":[]}]"#), id.clone()),
        Msg::create_notify("m", j("[]")),
        Msg::create_reply(Json::string("r"), &id),
        Msg::create_error(j(r#"{"details":"d"}"#), &id),
    ] {
        assert_eq!(Msg::from_json(msg.to_json()), Ok(msg.clone()));
        assert_eq!(from_text(&wire(&msg)), Ok(msg));
    }
}

#[test]
fn from_json_of_a_shared_object_copies_it() {
    let value = j(r#"{"method":"m","params":[],"id":1}"#);
    let kept = value.clone();
    let msg = Msg::from_json(value).expect("valid");
    assert_eq!(msg.method.as_deref(), Some("m"));
    // The other reference still sees every member.
    assert_eq!(kept.as_object().map(|o| o.len()), Some(3));
}

// is_valid: for each type, each member it must have and must not have.

#[test]
fn is_valid_checks_each_member_for_each_type() {
    // (type, members it must have) in the order method, params, result,
    // error, id.
    let rules = [
        (MsgType::Request, [true, true, false, false, true]),
        (MsgType::Notify, [true, true, false, false, false]),
        (MsgType::Reply, [false, false, true, false, true]),
        (MsgType::Error, [false, false, false, true, true]),
    ];
    let names = ["method", "params", "result", "error", "id"];
    for (msg_type, must) in rules {
        let build = |present: [bool; 5]| Msg {
            msg_type,
            method: present[0].then(|| "m".to_string()),
            params: present[1].then(Json::empty_array),
            result: present[2].then_some(Json::Integer(1)),
            error: present[3].then_some(Json::Integer(2)),
            id: present[4].then_some(Json::Integer(3)),
        };
        assert_eq!(build(must).is_valid(), Ok(()), "{msg_type}");
        for (i, name) in names.iter().enumerate() {
            let mut present = must;
            present[i] = !present[i];
            let expected = if must[i] {
                format!("{msg_type} must have \"{name}\"")
            } else {
                format!("{msg_type} must not have \"{name}\"")
            };
            assert_eq!(build(present).is_valid(), Err(expected));
        }
    }
}

#[test]
fn is_valid_reports_the_first_member_in_ovs_order() {
    // A reply with method and params and no result: "method" comes first.
    let msg = Msg {
        msg_type: MsgType::Reply,
        method: Some("m".into()),
        params: Some(Json::empty_array()),
        result: None,
        error: None,
        id: None,
    };
    assert_eq!(
        msg.is_valid(),
        Err("reply must not have \"method\"".to_string())
    );
}

#[test]
fn params_must_be_an_array_before_anything_else() {
    for params in ["{}", "1", r#""s""#, "true"] {
        let msg = Msg {
            msg_type: MsgType::Reply, // Wrong members too: params is checked first.
            method: None,
            params: Some(j(&format!("[{params}]")).at(0).cloned().expect("element")),
            result: None,
            error: None,
            id: None,
        };
        assert_eq!(
            msg.is_valid(),
            Err("\"params\" must be JSON array".to_string()),
            "{params}"
        );
    }
}

// from_json: each error text, in OVS's order of checks.

#[test]
fn from_json_refuses_what_is_not_an_object() {
    for value in [
        Json::empty_array(),
        Json::Null,
        Json::string("x"),
        Json::Integer(1),
    ] {
        assert_eq!(
            Msg::from_json(value),
            Err("message is not a JSON object".to_string())
        );
    }
}

#[test]
fn from_json_wants_a_string_method() {
    for text in [
        r#"{"method":1,"params":[],"id":1}"#,
        r#"{"method":null,"params":[],"id":1}"#,
        r#"{"method":["m"],"params":[]}"#,
        // Checked before unexpected members.
        r#"{"bogus":1,"method":{}}"#,
    ] {
        assert_eq!(
            from_text(text),
            Err("method is not a JSON string".to_string()),
            "{text}"
        );
    }
}

#[test]
fn from_json_names_an_unexpected_member() {
    assert_eq!(
        from_text(r#"{"method":"m","params":[],"id":1,"extra":true}"#),
        Err("message has unexpected member \"extra\"".to_string())
    );
    // Checked before the members' validity.
    assert_eq!(
        from_text(r#"{"jsonrpc":"2.0"}"#),
        Err("message has unexpected member \"jsonrpc\"".to_string())
    );
}

#[test]
fn from_json_reads_null_members_as_absent() {
    let msg = from_text(r#"{"method":"m","params":[],"id":null}"#).expect("notification");
    assert_eq!(msg.msg_type, MsgType::Notify);
    assert_eq!(msg.id, None);
    let msg = from_text(r#"{"result":[],"error":null,"id":4}"#).expect("reply");
    assert_eq!(msg.msg_type, MsgType::Reply);
    let msg = from_text(r#"{"result":null,"error":"e","id":4}"#).expect("error");
    assert_eq!(msg.msg_type, MsgType::Error);
    // Only nulls and an id: a request without a method.
    assert_eq!(
        from_text(r#"{"result":null,"error":null,"id":4}"#),
        Err("request must have \"method\"".to_string())
    );
}

#[test]
fn from_json_infers_the_type_and_then_checks_it() {
    let cases = [
        // result wins: a reply, which must not have an error.
        (
            r#"{"result":1,"error":2,"id":1}"#,
            "reply must not have \"error\"",
        ),
        (r#"{"result":1}"#, "reply must have \"id\""),
        (
            r#"{"method":"m","params":[],"result":1,"id":1}"#,
            "reply must not have \"method\"",
        ),
        (r#"{"error":1}"#, "error must have \"id\""),
        (
            r#"{"error":1,"params":[],"id":1}"#,
            "error must not have \"params\"",
        ),
        (r#"{"method":"m","id":1}"#, "request must have \"params\""),
        (r#"{"params":[],"id":1}"#, "request must have \"method\""),
        (r#"{"method":"m"}"#, "notification must have \"params\""),
        (r#"{}"#, "notification must have \"method\""),
        (
            r#"{"method":"m","params":{},"id":1}"#,
            "\"params\" must be JSON array",
        ),
    ];
    for (text, expected) in cases {
        assert_eq!(from_text(text), Err(expected.to_string()), "{text}");
    }
}
