//! Status and control commands for a [`JsonrpcSession`], registered in one
//! call, in the manner of ovn-controller's `connection-status`.

use std::fmt::Write as _;

use crate::error::retval_to_string;
use crate::jsonrpc::JsonrpcSession;
use crate::timeval::time_msec;

use super::UnixctlServer;

/// How a handler finds the session in the server's context.
pub type SessionGetter<C> = fn(&mut C) -> &mut JsonrpcSession;

/// Registers, under `prefix` (say `session`), commands that report on and
/// control the session that `get` finds in the server's context:
///
/// | command | replies |
/// |---|---|
/// | `PREFIX/status` | current remote, reconnect state, connected or not, seqno, last error, and the reconnect statistics, one `key: value` a line |
/// | `PREFIX/remotes` | one line per remote: attempts, successes, failures in a row, last error, connected now |
/// | `PREFIX/connection-status` | `connected` or `not connected` (ovn-controller's text) |
/// | `PREFIX/reconnect` | drops the connection and reconnects (reply empty) |
///
/// Returns false if any of these names was taken already (that one keeps
/// its first registration; the others are registered).
pub fn register_session_commands<C: 'static>(
    server: &mut UnixctlServer<C>,
    prefix: &str,
    get: SessionGetter<C>,
) -> bool {
    let mut all = true;
    all &= server.register(
        &format!("{prefix}/status"),
        "",
        0,
        0,
        move |ctx, conn, _| conn.reply(&session_status(get(ctx))),
    );
    all &= server.register(
        &format!("{prefix}/remotes"),
        "",
        0,
        0,
        move |ctx, conn, _| conn.reply(&remote_stats(get(ctx))),
    );
    all &= server.register(
        &format!("{prefix}/connection-status"),
        "",
        0,
        0,
        move |ctx, conn, _| {
            let connected = get(ctx).is_connected();
            conn.reply(if connected {
                "connected"
            } else {
                "not connected"
            })
        },
    );
    all &= server.register(
        &format!("{prefix}/reconnect"),
        "",
        0,
        0,
        move |ctx, conn, _| {
            get(ctx).force_reconnect();
            conn.reply("")
        },
    );
    all
}

fn error_text(error: i32) -> String {
    if error == 0 {
        "none".to_string()
    } else {
        retval_to_string(error)
    }
}

/// Milliseconds as seconds with three decimals, `never` for `u32::MAX`.
fn secs(ms: u32) -> String {
    if ms == u32::MAX {
        "never".to_string()
    } else {
        format!("{}.{:03} s", ms / 1000, ms % 1000)
    }
}

/// What `PREFIX/status` replies.
pub fn session_status(session: &JsonrpcSession) -> String {
    let stats = session.get_reconnect_stats();
    let mut s = String::new();
    let _ = writeln!(s, "remote: {}", session.get_name());
    let _ = writeln!(s, "state: {}", stats.state);
    let _ = writeln!(s, "connected: {}", session.is_connected());
    let _ = writeln!(s, "seqno: {}", session.get_seqno());
    let _ = writeln!(s, "last error: {}", error_text(session.get_last_error()));
    let _ = writeln!(s, "time in state: {}", secs(stats.state_elapsed));
    let _ = writeln!(s, "since connect: {}", secs(stats.msec_since_connect));
    let _ = writeln!(s, "since disconnect: {}", secs(stats.msec_since_disconnect));
    let _ = writeln!(s, "backoff: {} ms", stats.backoff);
    let _ = writeln!(
        s,
        "connections: {} attempted, {} successful",
        stats.n_attempted_connections, stats.n_successful_connections
    );
    let _ = writeln!(
        s,
        "total connected: {}",
        secs(stats.total_connected_duration)
    );
    let _ = writeln!(s, "remotes: {}", session.get_n_remotes());
    s
}

/// What `PREFIX/remotes` replies.
pub fn remote_stats(session: &JsonrpcSession) -> String {
    let now = time_msec();
    let connected = session.is_connected().then(|| session.get_name());
    let mut s = String::new();
    for r in session.get_remote_stats() {
        let current = if connected == Some(r.name.as_str()) {
            " (connected)"
        } else {
            ""
        };
        let since = |t: i64| {
            if t == i64::MAX {
                "never".to_string()
            } else {
                format!("{} ms ago", now.saturating_sub(t))
            }
        };
        let _ = writeln!(
            s,
            "{}{}: attempts {}, successes {}, failures in a row {}, last error {}, last connected {}, last disconnected {}",
            r.name,
            current,
            r.n_attempts,
            r.n_successes,
            r.consecutive_failures,
            error_text(r.last_error),
            since(r.last_connected),
            since(r.last_disconnected)
        );
    }
    s
}
