//! `load_server`: a small JSON-RPC server built on ovsrpc, the peer of the
//! reliability tests (tests/reliability_*.rs) and of the load bench
//! (benches/load.rs).
//!
//! ```text
//! load_server [--max-fds N] [--max-msg-size BYTES]
//!             [--backlog-msgs N] [--backlog-bytes BYTES] LISTEN
//! ```
//!
//! It listens on the passive name `LISTEN` (`punix:PATH`, `ptcp:PORT:IP`)
//! and serves every connection in one poll loop, the way ovsdb-server's
//! JSON-RPC server does: one [`JsonrpcSession`] per accepted connection
//! (opened "unreliably": it is not reconnected), at most 50 requests taken
//! from each connection per pass so that no client starves the others.
//! When it is listening it prints `listening on LISTEN` on standard output.
//!
//! Methods:
//!
//! * `ping`: the reply's result is the request's params.
//! * `stats`: the reply's result is an object with the server's counters:
//!   `connections` (now), `accepted`, `accept_errors`, `requests`,
//!   `iterations` (passes of the main loop), `utime_ms`, `stime_ms`
//!   (getrusage) and `vm_hwm_kb` (peak resident set, /proc/self/status).
//! * `exit` (notification or request): the server exits with status 0.
//! * anything else: an error reply `"unknown method"`.
//!
//! Options:
//!
//! * `--max-fds N`: lowers its own RLIMIT_NOFILE to `N` at start, so that
//!   `accept` fails with `EMFILE` once `N` descriptors are open. A failed
//!   accept is logged (`LISTEN: accept failed: Too many open files`) and
//!   the server keeps serving and accepts again when descriptors free up.
//! * `--max-msg-size BYTES`: the largest message taken from a client
//!   (default 256 MiB); a bigger one closes that connection with EPROTO.
//! * `--backlog-msgs N`, `--backlog-bytes BYTES`: the send backlog past
//!   which a connection whose client does not read is dropped.
//!
//! SIGPIPE is restored to its default action at start (Rust programs
//! ignore it), as a C program linking the library would have it: a write
//! to a closed client must fail with EPIPE, never kill the server.
//! Logs go to standard error (`RUST_LOG` sets the level; default `warn`).

use std::io::Write;
use std::process::ExitCode;

use log::warn;
use ovsrpc::json::{Json, Object};
use ovsrpc::jsonrpc::{Jsonrpc, JsonrpcSession, Msg, MsgType};
use ovsrpc::poll_loop;
use ovsrpc::stream::PStream;

const USAGE: &str = "usage: load_server [--max-fds N] [--max-msg-size BYTES] \
[--backlog-msgs N] [--backlog-bytes BYTES] LISTEN";

/// Requests taken from one connection per pass of the main loop.
const MAX_REQUESTS_PER_PASS: usize = 50;

#[derive(Default)]
struct Options {
    max_fds: Option<u64>,
    max_msg_size: Option<usize>,
    backlog_msgs: usize,
    backlog_bytes: usize,
    listen: String,
}

#[derive(Default)]
struct Counters {
    accepted: u64,
    accept_errors: u64,
    requests: u64,
    iterations: u64,
}

/// The few system calls the example needs that std does not offer.
#[allow(unsafe_code)]
mod sys {
    /// Restores SIGPIPE's default action (terminate the process).
    pub fn default_sigpipe() {
        // SAFETY: installing SIG_DFL runs no handler code; it only changes
        // the disposition of SIGPIPE for this process.
        unsafe {
            libc::signal(libc::SIGPIPE, libc::SIG_DFL);
        }
    }

    /// Sets the soft limit on open descriptors to `n`.
    pub fn set_max_fds(n: u64) -> std::io::Result<()> {
        let mut lim = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: `lim` is a valid, writable rlimit for getrlimit to fill.
        if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) } != 0 {
            return Err(std::io::Error::last_os_error());
        }
        lim.rlim_cur = n.min(lim.rlim_max);
        // SAFETY: `lim` is a valid rlimit that setrlimit only reads.
        if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &lim) } != 0 {
            return Err(std::io::Error::last_os_error());
        }
        Ok(())
    }

    /// User and system CPU time of this process, in milliseconds.
    pub fn cpu_ms() -> (i64, i64) {
        // SAFETY: an all-zero rusage is a valid value of this plain C struct.
        let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
        // SAFETY: `ru` is a valid, writable rusage for getrusage to fill.
        unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut ru) };
        let ms = |tv: libc::timeval| tv.tv_sec * 1000 + tv.tv_usec / 1000;
        (ms(ru.ru_utime), ms(ru.ru_stime))
    }
}

/// Peak resident set size in KiB (VmHWM), 0 if unknown.
fn vm_hwm_kb() -> i64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

fn parse_args() -> Result<Options, String> {
    let mut opts = Options::default();
    let mut args = std::env::args().skip(1);
    let mut listen = None;
    while let Some(arg) = args.next() {
        let mut value = |name: &str| -> Result<u64, String> {
            args.next()
                .and_then(|v| v.parse().ok())
                .ok_or_else(|| format!("{name} needs a number\n{USAGE}"))
        };
        match arg.as_str() {
            "--max-fds" => opts.max_fds = Some(value("--max-fds")?),
            "--max-msg-size" => opts.max_msg_size = Some(value("--max-msg-size")? as usize),
            "--backlog-msgs" => opts.backlog_msgs = value("--backlog-msgs")? as usize,
            "--backlog-bytes" => opts.backlog_bytes = value("--backlog-bytes")? as usize,
            a if a.starts_with('-') => return Err(format!("unknown option {a}\n{USAGE}")),
            _ if listen.is_none() => listen = Some(arg),
            _ => return Err(USAGE.to_string()),
        }
    }
    opts.listen = listen.ok_or_else(|| USAGE.to_string())?;
    Ok(opts)
}

fn stats(sessions: usize, c: &Counters) -> Json {
    let (utime, stime) = sys::cpu_ms();
    let mut o = Object::new();
    o.insert("connections", Json::Integer(sessions as i64));
    o.insert("accepted", Json::Integer(c.accepted as i64));
    o.insert("accept_errors", Json::Integer(c.accept_errors as i64));
    o.insert("requests", Json::Integer(c.requests as i64));
    o.insert("iterations", Json::Integer(c.iterations as i64));
    o.insert("utime_ms", Json::Integer(utime));
    o.insert("stime_ms", Json::Integer(stime));
    o.insert("vm_hwm_kb", Json::Integer(vm_hwm_kb()));
    Json::object(o)
}

/// Answers one message; returns false when the server should exit.
fn handle(s: &mut JsonrpcSession, msg: Msg, n_sessions: usize, c: &mut Counters) -> bool {
    c.requests += 1;
    let method = msg.method.as_deref().unwrap_or("");
    if method == "exit" {
        return false;
    }
    if msg.msg_type != MsgType::Request {
        return true;
    }
    let id = msg.id.as_ref().expect("requests have ids");
    let reply = match method {
        "ping" => Msg::create_reply(msg.params.clone().unwrap_or_else(Json::empty_array), id),
        "stats" => Msg::create_reply(stats(n_sessions, c), id),
        _ => Msg::create_error(Json::from("unknown method"), id),
    };
    // A failed send shows as the session's status; run() drops it then.
    let _ = s.send(reply);
    true
}

fn main() -> ExitCode {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("warn"))
        .format_timestamp_millis()
        .init();
    let opts = match parse_args() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("load_server: {e}");
            return ExitCode::from(1);
        }
    };
    sys::default_sigpipe();
    if let Some(n) = opts.max_fds {
        if let Err(e) = sys::set_max_fds(n) {
            eprintln!("load_server: setrlimit(RLIMIT_NOFILE, {n}): {e}");
            return ExitCode::from(1);
        }
    }
    let mut pstream = match PStream::open(&opts.listen, 0) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("load_server: {}: listen failed: {e}", opts.listen);
            return ExitCode::from(1);
        }
    };
    println!("listening on {}", pstream.name());
    let _ = std::io::stdout().flush();

    let mut sessions: Vec<JsonrpcSession> = Vec::new();
    let mut c = Counters::default();
    loop {
        c.iterations += 1;
        // Accept everything that is waiting. A failure (EMFILE, ...) is
        // logged and the listener kept, as ovsdb-server does.
        loop {
            match pstream.accept() {
                Ok(stream) => {
                    let mut rpc = Jsonrpc::open(stream);
                    if let Some(max) = opts.max_msg_size {
                        rpc.set_max_msg_size(max);
                    }
                    let mut s = JsonrpcSession::open_unreliably(rpc, 0);
                    s.set_backlog_threshold(opts.backlog_msgs, opts.backlog_bytes);
                    sessions.push(s);
                    c.accepted += 1;
                }
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break,
                Err(e) => {
                    c.accept_errors += 1;
                    warn!(
                        "{}: accept failed: {}",
                        pstream.name(),
                        ovsrpc::Error::from(e)
                    );
                    break;
                }
            }
        }

        let n = sessions.len();
        for s in &mut sessions {
            s.run();
            for _ in 0..MAX_REQUESTS_PER_PASS {
                let Some(msg) = s.recv() else { break };
                if !handle(s, msg, n, &mut c) {
                    return ExitCode::SUCCESS;
                }
            }
        }
        sessions.retain(|s| s.is_alive());

        pstream.wait();
        for s in &sessions {
            s.wait();
            s.recv_wait();
        }
        poll_loop::block();
    }
}
