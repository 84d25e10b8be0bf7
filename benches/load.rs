//! Load bench: one `punix:` listener served by the `load_server` example,
//! 1,000 concurrent client sessions in this process's poll loop, each
//! pipelining 1,000 `ping` requests (1,000,000 in all), every reply
//! checked to arrive exactly once and in order.
//!
//! Prints the total time, requests per second, CPU user/system time of the
//! clients (getrusage) and of the server (its `stats`), and the server's
//! peak RSS (VmHWM from /proc/PID/status). For a ratio measured in the
//! same run it first does 1,000 sessions x 20 requests against a fresh
//! server: its peak RSS is what the connections themselves cost (a few KiB
//! each: input is read into one buffer per thread), the full run's adds
//! the requests in flight (at most one read's unparsed bytes per
//! connection, plus the replies queued), not the number of requests.
//!
//! `cargo bench --bench load` runs the full size; under
//! `cargo test --all-targets` (no `--bench` argument) it does a smoke run
//! of 50 sessions x 50 requests.

#[path = "../tests/support/mod.rs"]
mod support;

use ovsrpc::jsonrpc::JsonrpcSession;
use support::load::{raise_fd_limit, run_load, server_stats, stat, LoadServer};

/// CPU time of this process (user, system), in milliseconds.
#[allow(unsafe_code)]
fn self_cpu_ms() -> (i64, i64) {
    // SAFETY: an all-zero rusage is a valid value of this plain C struct.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `ru` is a valid, writable rusage for getrusage to fill.
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut ru) };
    let ms = |tv: libc::timeval| tv.tv_sec * 1000 + tv.tv_usec / 1000;
    (ms(ru.ru_utime), ms(ru.ru_stime))
}

struct Run {
    requests: u64,
    wall_ms: i64,
    client_cpu: (i64, i64),
    server_cpu: (i64, i64),
    server_hwm_kb: u64,
}

fn run(dir: &support::TempDir, tag: &str, conns: usize, reqs: usize) -> Run {
    let server = LoadServer::start(&dir.join(&format!("{tag}.sock")), &[]);
    let cpu0 = self_cpu_ms();
    let report = run_load(&server.remote, conns, reqs);
    let cpu1 = self_cpu_ms();
    assert_eq!(report.replies, (conns * (reqs + 1)) as u64);
    assert_eq!(report.server_connections, conns as i64);
    let mut probe = JsonrpcSession::open(&server.remote, false);
    let stats = server_stats(&mut probe);
    assert!(server.log().is_empty(), "server logged: {:?}", server.log());
    Run {
        requests: (conns * reqs) as u64,
        wall_ms: report.connect_ms + report.run_ms,
        client_cpu: (cpu1.0 - cpu0.0, cpu1.1 - cpu0.1),
        server_cpu: (stat(&stats, "utime_ms"), stat(&stats, "stime_ms")),
        server_hwm_kb: server.vm_hwm_kb(),
    }
}

fn print(label: &str, conns: usize, reqs: usize, r: &Run) {
    let rate = r.requests as f64 / (r.wall_ms.max(1) as f64 / 1000.0);
    println!(
        "load {label}: {conns} sessions x {reqs} pipelined requests = {} requests in {} ms \
         ({rate:.0} requests/s); client CPU user {} ms sys {} ms; server CPU user {} ms \
         sys {} ms; server peak RSS {} KiB",
        r.requests,
        r.wall_ms,
        r.client_cpu.0,
        r.client_cpu.1,
        r.server_cpu.0,
        r.server_cpu.1,
        r.server_hwm_kb
    );
}

fn main() {
    let full = std::env::args().any(|arg| arg == "--bench");
    let (conns, reqs, small_reqs) = if full { (1000, 1000, 20) } else { (50, 50, 5) };
    let limit = raise_fd_limit(conns as u64 + 200);
    if limit < conns as u64 + 100 {
        println!(
            "load bench: RLIMIT_NOFILE is {limit}, {} needed; skipped",
            conns + 100
        );
        return;
    }
    let dir = support::TempDir::new("load-bench");
    let small = run(&dir, "small", conns, small_reqs);
    print("baseline", conns, small_reqs, &small);
    let big = run(&dir, "full", conns, reqs);
    print("full", conns, reqs, &big);
    println!(
        "load ratio: server peak RSS for {}x the requests = {:.2}x{}",
        reqs / small_reqs,
        big.server_hwm_kb as f64 / small.server_hwm_kb.max(1) as f64,
        if full {
            ""
        } else {
            " [smoke run: use cargo bench]"
        }
    );
}
