//! A small JSON-RPC client over one or more remotes that rides out the loss
//! of a server.
//!
//! ```text
//! client [--count N] [--timeout SECS] REMOTE[,REMOTE...] [METHOD [PARAMS]]
//! client [--timeout SECS] REMOTE[,REMOTE...] -
//! ```
//!
//! It opens one session over the comma-separated remotes (`tcp:HOST:PORT`,
//! `unix:PATH`, `ssl:HOST:PORT`), sends METHOD with PARAMS (a JSON array;
//! by default `echo` with `["hello"]`), prints the reply as JSON with sorted
//! members, and exits. With `--count N` it sends N requests one after
//! another, printing one line per reply. With `-` instead of METHOD it reads
//! requests from standard input, one `METHOD [PARAMS]` per line.
//!
//! ```text
//! $ client tcp:127.0.0.1:6640 list_dbs
//! {"error":null,"id":0,"result":["Open_vSwitch"]}
//! ```
//!
//! When the server it is connected to goes away, the session connects to
//! another remote and the request that was waiting for a reply is sent
//! again there, so every request gets exactly one printed reply (and may
//! have been executed twice: fine for `echo`, worth knowing for writes).
//! The exit status is 0 when every reply was a success, 1 if any was an
//! error reply or no reply came within the timeout (default 30 s each).
//!
//! `RUST_LOG=ovsrpc=info` shows the connections being made and lost;
//! `RUST_LOG=ovsrpc=debug` also every message sent and received.

use std::io::{BufRead, Write};
use std::process::ExitCode;

use ovsrpc::json::{self, Json};
use ovsrpc::jsonrpc::{JsonrpcSession, Msg, MsgType};
use ovsrpc::poll_loop;
use ovsrpc::timeval::time_msec;

const USAGE: &str = "\
usage: client [--count N] [--timeout SECS] REMOTE[,REMOTE...] [METHOD [PARAMS]]
       client [--timeout SECS] REMOTE[,REMOTE...] -     (requests from stdin)";

/// Sends `method` with `params` and waits for its reply, sending it again
/// whenever the connection it went out on is lost before the reply came.
fn transact(
    session: &mut JsonrpcSession,
    method: &str,
    params: &Json,
    timeout_ms: i64,
) -> Result<Msg, String> {
    let deadline = time_msec().saturating_add(timeout_ms);
    // The id of the request in flight and the session's seqno when it was
    // sent (the seqno changes whenever the session connects or disconnects).
    let mut pending: Option<(Json, u32)> = None;
    loop {
        // 1. Let the session do its work: connect, reconnect, flush, probe.
        session.run();

        // 2. Send the request once there is a connection to send it on.
        if pending.is_none() && session.is_connected() {
            let request = Msg::create_request(method, params.clone());
            let id = request.id.clone().expect("requests have an id");
            if session.send(request).is_ok() {
                pending = Some((id, session.get_seqno()));
            }
        }

        // 3. Read what arrived: our reply, or something else to ignore
        //    (a notification, or the reply to a request sent on a
        //    connection that has since been replaced).
        while let Some(msg) = session.recv() {
            let is_reply = matches!(msg.msg_type, MsgType::Reply | MsgType::Error);
            if is_reply && pending.as_ref().map(|(id, _)| id) == msg.id.as_ref() {
                return Ok(msg);
            }
        }

        // 4. The connection changed under the request: send it again.
        if pending
            .as_ref()
            .is_some_and(|(_, seqno)| *seqno != session.get_seqno())
        {
            pending = None;
            continue;
        }

        if time_msec() >= deadline {
            return Err(format!(
                "no reply to \"{method}\" within {} s (last remote tried: {})",
                timeout_ms / 1000,
                session.get_name()
            ));
        }

        // 5. Sleep until something can happen: socket readiness, the
        //    session's reconnect and probe timers, or our deadline.
        session.wait();
        session.recv_wait();
        poll_loop::timer_wait_until(deadline);
        poll_loop::block();
    }
}

/// Parses PARAMS, which must be a JSON array.
fn parse_params(text: &str) -> Result<Json, String> {
    let params = json::from_str(text).map_err(|e| format!("{text}: {e}"))?;
    if params.as_array().is_none() {
        return Err(format!("{text}: PARAMS must be a JSON array"));
    }
    Ok(params)
}

/// Runs one request and prints its reply. Returns whether it succeeded.
fn run_one(session: &mut JsonrpcSession, method: &str, params: &Json, timeout_ms: i64) -> bool {
    match transact(session, method, params, timeout_ms) {
        Ok(reply) => {
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out, "{}", reply.to_string_sorted());
            let _ = out.flush();
            reply.msg_type == MsgType::Reply
        }
        Err(e) => {
            eprintln!("client: {e}");
            false
        }
    }
}

fn main() -> ExitCode {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("warn")).init();

    let mut count: u64 = 1;
    let mut timeout_ms: i64 = 30_000;
    let mut positional = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut number = |what: &str| -> Option<u64> {
            let n = args.next().and_then(|v| v.parse().ok());
            if n.is_none() {
                eprintln!("client: {what} needs a number\n{USAGE}");
            }
            n
        };
        match arg.as_str() {
            "--count" => match number("--count") {
                Some(n) => count = n,
                None => return ExitCode::from(2),
            },
            "--timeout" => match number("--timeout") {
                Some(n) => timeout_ms = n.saturating_mul(1000).min(i64::MAX as u64) as i64,
                None => return ExitCode::from(2),
            },
            "-h" | "--help" => {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            a if a.starts_with("--") => {
                eprintln!("client: unknown option {a}\n{USAGE}");
                return ExitCode::from(2);
            }
            _ => positional.push(arg),
        }
    }
    let (remotes, method, params) = match positional.as_slice() {
        [r] => (r, "echo", r#"["hello"]"#),
        [r, m] => (r, m.as_str(), "[]"),
        [r, m, p] => (r, m.as_str(), p.as_str()),
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    let remotes: Vec<&str> = remotes.split(',').filter(|r| !r.is_empty()).collect();

    // One session over all the remotes: it picks one, and moves on to the
    // next whenever a connection attempt fails or a connection drops.
    let mut session = JsonrpcSession::open_multiple(&remotes, true);

    let mut ok = true;
    if method == "-" {
        for line in std::io::stdin().lock().lines() {
            let Ok(line) = line else { break };
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let (method, params) = line.split_once(char::is_whitespace).unwrap_or((line, "[]"));
            match parse_params(params.trim()) {
                Ok(params) => ok &= run_one(&mut session, method, &params, timeout_ms),
                Err(e) => {
                    eprintln!("client: {e}");
                    ok = false;
                }
            }
        }
    } else {
        let params = match parse_params(params) {
            Ok(p) => p,
            Err(e) => {
                eprintln!("client: {e}");
                return ExitCode::from(2);
            }
        };
        for _ in 0..count {
            if !run_one(&mut session, method, &params, timeout_ms) {
                ok = false;
                break;
            }
        }
    }
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
