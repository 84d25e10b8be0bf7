//! Leaving unsuitable servers: RETRY, with or without backoff reset.

use super::*;

#[test]
fn a_follower_is_left_when_leader_only() {
    let (m, msgs, reconnect) =
        through_server_monitor(true, server_row("clustered", true, false, 5));
    assert!(msgs.is_empty());
    assert_eq!(
        reconnect,
        Some(false),
        "not monitoring yet: keep the backoff"
    );
    assert_eq!(m.state, State::Retry);
    assert!(m
        .retry_reason
        .as_deref()
        .unwrap()
        .contains("not cluster leader"));
}

#[test]
fn a_follower_is_fine_when_not_leader_only() {
    let (m, _, reconnect) = through_server_monitor(false, server_row("clustered", true, false, 5));
    assert_eq!(reconnect, None);
    assert_eq!(m.state, State::DataMonitorCondSinceRequested);
}

#[test]
fn a_relay_only_when_not_leader_only() {
    let (m, _, reconnect) = through_server_monitor(true, server_row("relay", true, false, 0));
    assert_eq!((m.state, reconnect), (State::Retry, Some(false)));
    let (m, _, reconnect) = through_server_monitor(false, server_row("relay", true, false, 0));
    assert_eq!(
        (m.state, reconnect),
        (State::DataMonitorCondSinceRequested, None)
    );
}

#[test]
fn a_member_with_an_index_below_the_highest_seen_is_stale() {
    let mut m = monitoring();
    assert_eq!(m.min_index, 5);
    m.reconnected();
    let req = one_request(&mut m, "get_schema");
    m.process_msg(reply(&req, j(SERVER_SCHEMA)));
    let req = one_request(&mut m, "monitor_cond");
    m.process_msg(reply(&req, server_row("clustered", true, true, 3)));
    assert_eq!(m.state, State::Retry);
    assert!(m.retry_reason.as_deref().unwrap().contains("stale data"));
}

#[test]
fn losing_leadership_while_monitoring_leaves_without_backoff() {
    let mut m = monitoring();
    m.process_msg(notify(
        "update2",
        &format!(
            r#"[["monid","_Server"],{{"Database":{{"{ROW}":{{"modify":{{"leader":false}}}}}}}}]"#
        ),
    ));
    let (_, reconnect) = take(&mut m);
    assert_eq!(reconnect, Some(true), "monitoring: reset the backoff");
    assert_eq!(m.state, State::Retry);
}

#[test]
fn disconnection_from_the_cluster_while_monitoring_leaves_even_not_leader_only() {
    let mut m = monitoring();
    m.leader_only = false;
    m.process_msg(notify(
        "update2",
        &format!(
            r#"[["monid","_Server"],{{"Database":{{"{ROW}":{{"modify":{{"connected":false}}}}}}}}]"#
        ),
    ));
    assert_eq!(take(&mut m).1, Some(true));
    assert!(m
        .retry_reason
        .as_deref()
        .unwrap()
        .contains("disconnected from cluster"));
}

#[test]
fn index_updates_raise_min_index() {
    let mut m = monitoring();
    m.process_msg(notify(
        "update2",
        &format!(r#"[["monid","_Server"],{{"Database":{{"{ROW}":{{"modify":{{"index":["set",[5,9]]}}}}}}}}]"#),
    ));
    assert_eq!(take(&mut m).1, None);
    assert_eq!(m.min_index, 9);
    assert_eq!(m.state, State::Monitoring);
}

#[test]
fn a_server_without_the_database_is_left() {
    let (m, _, reconnect) = through_server_monitor(true, j(r#"{"Database":{}}"#));
    assert_eq!(reconnect, Some(false));
    assert_eq!(
        m.retry_reason.as_deref(),
        Some("server does not have demo database")
    );
}

#[test]
fn turning_leader_only_on_while_on_a_follower_leaves_it() {
    let (mut m, _, _) = through_server_monitor(false, server_row("clustered", true, false, 5));
    m.leader_only = true;
    m.recheck_server();
    assert_eq!(take(&mut m).1, Some(false));
    assert_eq!(m.state, State::Retry);
}

#[test]
fn reset_min_index_accepts_a_rebuilt_cluster() {
    let mut m = monitoring();
    m.min_index = 100;
    m.reconnected();
    let req = one_request(&mut m, "get_schema");
    m.process_msg(reply(&req, j(SERVER_SCHEMA)));
    let req = one_request(&mut m, "monitor_cond");
    m.min_index = 0; // what OvsdbCs::reset_min_index does
    m.process_msg(reply(&req, server_row("clustered", true, true, 3)));
    assert_eq!(m.state, State::DataMonitorCondSinceRequested);
}

#[test]
fn a_follower_starts_the_leader_search_and_a_leader_ends_it() {
    let (mut m, _, _) = through_server_monitor(true, server_row("clustered", true, false, 5));
    assert!(m.hunting_leader);
    m.reconnected();
    let req = one_request(&mut m, "get_schema");
    m.process_msg(reply(&req, j(SERVER_SCHEMA)));
    let req = one_request(&mut m, "monitor_cond");
    m.process_msg(reply(&req, server_row("clustered", true, true, 6)));
    assert!(!m.hunting_leader);
    let (m, _, _) = through_server_monitor(false, server_row("clustered", false, false, 5));
    assert!(
        !m.hunting_leader,
        "a disconnected member says nothing of a leader"
    );
}
