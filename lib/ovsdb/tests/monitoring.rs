//! MONITORING: updates, resume with the last id, conditions, monitor
//! cancellation, locks and transactions.

use super::*;

#[test]
fn the_initial_reply_is_a_clear_update_with_the_last_id() {
    let (mut m, msgs, _) = through_server_monitor(true, server_row("clustered", true, true, 5));
    let initial = j(&format!(r#"[false,"{LAST}",{{"Item":{{}}}}]"#));
    m.process_msg(reply(&msgs[0], initial));
    match &events(&mut m)[..] {
        [.., Event::Update(u)] => {
            assert!(u.clear && u.monitor_reply);
            assert_eq!((u.version, u.last_id.as_deref()), (3, Some(LAST)));
        }
        e => panic!("{e:?}"),
    }
}

#[test]
fn update3_moves_the_last_id_and_a_reconnect_resumes_from_it() {
    let mut m = monitoring();
    let next = "cccccccc-0000-0000-0000-000000000003";
    m.process_msg(notify(
        "update3",
        &format!(r#"[["monid","demo"],"{next}",{{"Item":{{"{ROW}":{{"modify":{{"n":2}}}}}}}}]"#),
    ));
    match &events(&mut m)[..] {
        [Event::Update(u)] => {
            assert!(!u.clear && !u.monitor_reply && u.last_id.as_deref() == Some(next))
        }
        e => panic!("{e:?}"),
    }
    m.reconnected();
    let req = one_request(&mut m, "get_schema");
    m.process_msg(reply(&req, j(SERVER_SCHEMA)));
    let req = one_request(&mut m, "monitor_cond");
    m.process_msg(reply(&req, server_row("clustered", true, true, 6)));
    let (msgs, _) = take(&mut m);
    assert_eq!(
        msgs[0].params.as_ref().unwrap().at(3).unwrap().as_str(),
        Some(next)
    );
    // Found: not a clear.
    m.process_msg(reply(&msgs[0], j(&format!(r#"[true,"{next}",{{}}]"#))));
    match &events(&mut m)[..] {
        [.., Event::Update(u)] => assert!(!u.clear),
        e => panic!("{e:?}"),
    }
}

#[test]
fn updates_for_another_monitor_are_not_taken() {
    let mut m = monitoring();
    m.process_msg(notify("update2", r#"[["monid","other"],{}]"#));
    assert!(events(&mut m).is_empty());
}

#[test]
fn monitor_canceled_cancels_the_other_and_starts_over() {
    let mut m = monitoring();
    m.process_msg(notify("monitor_canceled", r#"[["monid","demo"]]"#));
    let (msgs, reconnect) = take(&mut m);
    assert_eq!(reconnect, None, "same connection");
    let methods: Vec<_> = msgs.iter().map(|m| m.method.clone().unwrap()).collect();
    assert_eq!(methods, ["monitor_cancel", "get_schema"]);
    assert_eq!(
        msgs[0].params.as_ref().unwrap().to_string(),
        r#"[["monid","_Server"]]"#
    );
    assert_eq!(m.state, State::ServerSchemaRequested);
}

#[test]
fn condition_change_is_sent_once_and_acked_with_a_seqno() {
    let mut m = monitoring();
    assert_eq!(m.conds.set("Item", &j(r#"[["n","<",3]]"#)), 1);
    m.send_cond_change(true);
    let req = one_request(&mut m, "monitor_cond_change");
    assert_eq!(
        req.params.as_ref().unwrap().to_string(),
        r#"[["monid","demo"],["monid","demo"],{"Item":[{"where":[["n","<",3]]}]}]"#
    );
    m.send_cond_change(true);
    assert!(take(&mut m).0.is_empty(), "one request in flight at a time");
    m.process_msg(reply(&req, Json::Null));
    assert_eq!(m.conds.seqno, 1);
}

#[test]
fn transactions_are_matched_to_replies_and_unknown_after_a_reconnect() {
    let mut m = monitoring();
    let a = m
        .compose_transaction(vec![j(r#"{"op":"comment","comment":"a"}"#)])
        .unwrap();
    assert_eq!(
        a.params.as_ref().unwrap().at(0).unwrap().as_str(),
        Some("demo")
    );
    m.track_transaction(a.id.clone().unwrap());
    let b = m.compose_transaction(vec![]).unwrap();
    m.track_transaction(b.id.clone().unwrap());
    m.process_msg(reply(&a, j("[{}]")));
    match &events(&mut m)[..] {
        [Event::TxnReply {
            id,
            outcome: TxnOutcome::Reply(r),
        }] => {
            assert_eq!(Some(id), a.id.as_ref());
            assert_eq!(r.result, Some(j("[{}]")));
        }
        e => panic!("{e:?}"),
    }
    m.reconnected();
    let ev = events(&mut m);
    assert!(
        matches!(&ev[0], Event::TxnReply { id, outcome: TxnOutcome::Unknown } if Some(id) == b.id.as_ref())
    );
    assert_eq!(m.n_transactions(), 0);
    assert!(m.compose_transaction(vec![]).is_none(), "not monitoring");
}

#[test]
fn locks_lock_reply_stolen_and_assert_in_transactions() {
    let mut m = monitoring();
    m.set_lock(Some("L"), true);
    let req = one_request(&mut m, "lock");
    assert!(!m.may_send_transaction());
    m.process_msg(reply(&req, j(r#"{"locked":false}"#)));
    assert!(m.is_lock_contended && !m.has_lock);
    m.process_msg(notify("locked", r#"["L"]"#));
    assert!(m.has_lock && !m.is_lock_contended);
    assert_eq!(events(&mut m), vec![Event::Locked]);
    let t = m.compose_transaction(vec![]).unwrap();
    assert_eq!(
        t.params.as_ref().unwrap().at(1).unwrap().to_string(),
        r#"{"op":"assert","lock":"L"}"#
    );
    m.process_msg(notify("stolen", r#"["L"]"#));
    assert!(!m.has_lock && m.is_lock_contended);
    m.reconnected();
    let (msgs, _) = take(&mut m);
    assert!(
        msgs.iter().any(|msg| msg.method.as_deref() == Some("lock")),
        "asked again after a reconnect"
    );
    m.set_lock(None, true);
    let (msgs, _) = take(&mut m);
    assert_eq!(msgs[0].method.as_deref(), Some("unlock"));
    assert_eq!(m.lock_name, None);
}

#[test]
fn unexpected_error_reply_while_monitoring_retries() {
    let mut m = monitoring();
    m.send_cond_change(true);
    m.conds.set("Item", &j("[false]"));
    m.send_cond_change(true);
    let req = one_request(&mut m, "monitor_cond_change");
    m.process_msg(error(&req));
    assert_eq!(take(&mut m).1, Some(true));
    assert_eq!(m.state, State::Retry);
}

#[test]
fn after_a_canceled_monitor_an_unchanged_server_schema_is_checked_with_get_schema() {
    let mut m = monitoring();
    m.process_msg(notify("monitor_canceled", r#"[["monid","demo"]]"#));
    let (msgs, _) = take(&mut m);
    m.process_msg(reply(&msgs[1], j(SERVER_SCHEMA)));
    let req = one_request(&mut m, "monitor_cond");
    // _Server still shows the schema from before the cancel.
    m.process_msg(reply(&req, server_row("clustered", true, true, 6)));
    let (msgs, _) = take(&mut m);
    assert_eq!(m.state, State::DataSchemaRequested);
    assert_eq!(msgs[0].params.as_ref().unwrap().to_string(), r#"["demo"]"#);
    let v2 = DATA_SCHEMA.replace(
        r#""n":{"type":"integer"}"#,
        r#""n":{"type":"integer"},"m":{"type":"integer"}"#,
    );
    m.process_msg(reply(&msgs[0], j(&v2)));
    let req = one_request(&mut m, "monitor_cond_since");
    assert_eq!(
        req.params.as_ref().unwrap().at(2).unwrap().to_string(),
        r#"{"Item":[{"columns":["m","n","tags"]}]}"#
    );
}

#[test]
fn malformed_messages_in_any_state_never_panic() {
    let values = [
        "null",
        "1",
        "\"x\"",
        "[]",
        "{}",
        "[null]",
        "[1,2,3]",
        r#"["monid","demo"]"#,
        r#"[["monid","demo"]]"#,
        r#"[["monid","demo"],{}]"#,
        r#"[["monid","demo"],"x",{}]"#,
        r#"[["monid","_Server"],{"Database":{"x":{}}}]"#,
        r#"[["monid","demo"],{"Item":{"aaaaaaaa-0000-0000-0000-000000000001":{"modify":1}}}]"#,
        r#"[true,"not-a-uuid",{}]"#,
        r#"{"locked":"yes"}"#,
        r#"["L"]"#,
        r#"[1]"#,
    ];
    let methods = [
        "update",
        "update2",
        "update3",
        "monitor_canceled",
        "locked",
        "stolen",
        "echo",
        "other",
    ];
    let mut setups: Vec<Box<dyn Fn() -> Machine>> = vec![
        Box::new(|| {
            let mut m = Machine::new("demo");
            m.reconnected();
            m
        }),
        Box::new(|| through_server_monitor(true, server_row("clustered", true, true, 1)).0),
        Box::new(monitoring),
    ];
    setups.push(Box::new(|| {
        let mut m = monitoring();
        m.set_lock(Some("L"), true);
        m
    }));
    let value = |s: &str| j(&format!("[{s}]")).at(0).unwrap().clone();
    for setup in &setups {
        for v in values {
            for method in methods {
                let mut m = setup();
                m.process_msg(Msg::create_notify(method, value(v)));
                // A reply or an error to whatever is outstanding, with this
                // value as its result.
                let ids: Vec<Json> = m
                    .out
                    .iter()
                    .filter_map(|o| match o {
                        Output::Send(msg) => msg.id.clone(),
                        _ => None,
                    })
                    .chain([Json::Integer(0), Json::from("echo")])
                    .collect();
                for id in ids {
                    m.process_msg(Msg::create_reply(value(v), &id));
                    m.process_msg(Msg::create_error(value(v), &id));
                }
                let mut replica = crate::ovsdb::Replica::new();
                for e in events(&mut m) {
                    if let Event::Update(u) = e {
                        let _ = replica.apply(&u);
                    }
                }
            }
        }
    }
}
