//! SERVER_SCHEMA_REQUESTED, SERVER_MONITOR_REQUESTED, DATA_SCHEMA_REQUESTED
//! and the DATA_MONITOR_*_REQUESTED fallbacks.

use super::*;

#[test]
fn a_new_connection_asks_for_the_server_schema_and_reports_reconnect() {
    let mut m = Machine::new("demo");
    m.reconnected();
    assert_eq!(m.state, State::ServerSchemaRequested);
    assert_eq!(events(&mut m), vec![Event::Reconnect]);
    one_request(&mut m, "get_schema");
}

#[test]
fn server_schema_then_monitor_cond_on_database_with_ovs_columns() {
    let mut m = Machine::new("demo");
    m.reconnected();
    let req = one_request(&mut m, "get_schema");
    m.process_msg(reply(&req, j(SERVER_SCHEMA)));
    assert_eq!(m.state, State::ServerMonitorRequested);
    let req = one_request(&mut m, "monitor_cond");
    assert_eq!(
        req.params.unwrap().to_string(),
        r#"["_Server",["monid","_Server"],{"Database":[{"columns":["name","model","connected","leader","schema","cid","index"]}]}]"#
    );
}

#[test]
fn suitable_server_gets_monitor_cond_since_from_zero_and_db_change_aware() {
    let (m, msgs, reconnect) = through_server_monitor(true, server_row("clustered", true, true, 5));
    assert_eq!(reconnect, None);
    assert_eq!(m.state, State::DataMonitorCondSinceRequested);
    let methods: Vec<_> = msgs.iter().map(|m| m.method.clone().unwrap()).collect();
    assert_eq!(methods, ["monitor_cond_since", "set_db_change_aware"]);
    assert_eq!(
        msgs[0].params.as_ref().unwrap().to_string(),
        r#"["demo",["monid","demo"],{"Item":[{"columns":["n","tags"]}]},"00000000-0000-0000-0000-000000000000"]"#
    );
    assert_eq!(m.min_index, 5);
    assert!(
        matches!(&m.events[..], [Event::Reconnect, Event::Connected(info)] if info.leader && info.model == "clustered")
    );
}

#[test]
fn without_db_change_aware_nothing_extra_is_sent() {
    let mut m = Machine::new("demo");
    m.db_change_aware = false;
    m.reconnected();
    let req = one_request(&mut m, "get_schema");
    m.process_msg(reply(&req, j(SERVER_SCHEMA)));
    let req = one_request(&mut m, "monitor_cond");
    m.process_msg(reply(&req, server_row("standalone", true, true, 0)));
    one_request(&mut m, "monitor_cond_since");
}

#[test]
fn no_server_database_falls_back_to_get_schema_and_monitor_cond() {
    let mut m = Machine::new("demo");
    m.reconnected();
    let req = one_request(&mut m, "get_schema");
    m.process_msg(error(&req));
    assert_eq!(m.state, State::DataSchemaRequested);
    let req = one_request(&mut m, "get_schema");
    assert_eq!(req.params.as_ref().unwrap().to_string(), r#"["demo"]"#);
    m.process_msg(reply(&req, j(DATA_SCHEMA)));
    assert_eq!(m.state, State::DataMonitorCondRequested);
    one_request(&mut m, "monitor_cond");
}

#[test]
fn monitor_cond_since_refused_falls_back_to_monitor_cond_then_monitor() {
    let (mut m, msgs, _) = through_server_monitor(true, server_row("standalone", true, true, 0));
    m.process_msg(error(&msgs[0]));
    assert_eq!(m.state, State::DataMonitorCondRequested);
    let req = one_request(&mut m, "monitor_cond");
    m.process_msg(error(&req));
    assert_eq!(m.state, State::DataMonitorRequested);
    let req = one_request(&mut m, "monitor");
    m.process_msg(reply(
        &req,
        j(&format!(r#"{{"Item":{{"{ROW}":{{"new":{{"n":1}}}}}}}}"#)),
    ));
    assert_eq!(m.state, State::Monitoring);
    assert_eq!(m.monitor_version(), 1);
    match &events(&mut m)[..] {
        [.., Event::Update(u)] => assert!(u.clear && u.monitor_reply && u.version == 1),
        e => panic!("{e:?}"),
    }
}

#[test]
fn bad_data_schema_is_the_error_state() {
    let mut m = Machine::new("demo");
    m.reconnected();
    let req = one_request(&mut m, "get_schema");
    m.process_msg(error(&req));
    let req = one_request(&mut m, "get_schema");
    m.process_msg(reply(&req, j("{}")));
    assert_eq!(m.state, State::Error);
}

#[test]
fn columns_and_tables_are_filtered_by_the_schema() {
    let mut m = Machine::new("demo");
    m.tables.insert(
        "Item".into(),
        Some(["n".to_string(), "gone".to_string()].into()),
    );
    m.tables.insert("Missing".into(), None);
    m.reconnected();
    let req = one_request(&mut m, "get_schema");
    m.process_msg(reply(&req, j(SERVER_SCHEMA)));
    let req = one_request(&mut m, "monitor_cond");
    m.process_msg(reply(&req, server_row("standalone", true, true, 0)));
    let (msgs, _) = take(&mut m);
    assert_eq!(
        msgs[0].params.as_ref().unwrap().at(2).unwrap().to_string(),
        r#"{"Item":[{"columns":["n"]}]}"#
    );
}
