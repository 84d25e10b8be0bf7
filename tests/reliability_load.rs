//! Reliability under load: one `punix:` listener served by the
//! `load_server` example (a separate process), 1,000 concurrent client
//! sessions in this test's poll loop, each pipelining requests. Every
//! request is answered exactly once and in order per connection, no
//! connection drops, and the server's memory stays bounded. The full
//! 1,000 x 1,000 run, with times, is `cargo bench --bench load`.

mod support;

use support::load::{raise_fd_limit, run_load, LoadServer};

/// Connections held open at once.
const CONNECTIONS: usize = 1000;
/// Requests each connection pipelines (the bench does 1,000).
const REQUESTS: usize = 20;
/// The server's peak resident set size must stay below this.
const MAX_SERVER_RSS_KB: u64 = 256 * 1024;

#[test]
fn thousand_sessions_pipelining_get_every_reply_once_and_in_order() {
    let limit = raise_fd_limit(CONNECTIONS as u64 + 200);
    assert!(
        limit >= CONNECTIONS as u64 + 100,
        "RLIMIT_NOFILE hard limit {limit} is too low for {CONNECTIONS} connections"
    );
    let dir = support::TempDir::new("rel-load");
    let server = LoadServer::start(&dir.join("s.sock"), &[]);

    let report = run_load(&server.remote, CONNECTIONS, REQUESTS);

    assert_eq!(
        report.server_connections, CONNECTIONS as i64,
        "all open at once"
    );
    assert_eq!(report.replies, (CONNECTIONS * (REQUESTS + 1)) as u64);
    let hwm = server.vm_hwm_kb();
    eprintln!(
        "load: {CONNECTIONS} sessions x {REQUESTS} pipelined requests: connect {} ms, \
         requests {} ms, server peak RSS {hwm} KiB",
        report.connect_ms, report.run_ms
    );
    assert!(hwm < MAX_SERVER_RSS_KB, "server peak RSS {hwm} KiB");
    assert!(server.log().is_empty(), "server logged: {:?}", server.log());
}
