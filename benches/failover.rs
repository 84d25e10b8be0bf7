//! Time to reach a healthy remote when 2 of 3 are black-holed (loopback
//! ports whose SYNs an iptables rule drops), and cluster failover time on a
//! real 3-server OVSDB Raft cluster, each with and without the beyond-OVS
//! options, measured in the same run.

#[path = "../tests/support/mod.rs"]
mod support;

use ovsrpc::jsonrpc::{JsonrpcSession, Msg, RemoteOrder, SessionOpenOptions};
use ovsrpc::poll_loop;
use ovsrpc::stream::PStream;
use ovsrpc::timeval::time_msec;

fn connect_time(remotes: &[String], opts: &SessionOpenOptions, listener: &mut PStream) -> i64 {
    let start = time_msec();
    let mut s = JsonrpcSession::open_multiple_with(remotes, true, opts);
    loop {
        s.run();
        while listener.accept().is_ok() {}
        if s.is_connected() {
            return time_msec() - start;
        }
        assert!(time_msec() - start < 60_000, "never connected");
        s.wait();
        listener.wait();
        poll_loop::block();
    }
}

fn median(mut v: Vec<i64>) -> i64 {
    v.sort();
    v[v.len() / 2]
}

fn black_holes() {
    let Some(_) = support::find_tool("iptables") else {
        println!("failover: iptables not found, black-hole bench skipped");
        return;
    };
    let p1 = support::free_port();
    let p2 = support::free_port();
    let (Some(_r1), Some(_r2)) = (support::DropRule::syn_to(p1), support::DropRule::syn_to(p2))
    else {
        println!("failover: iptables rules refused, black-hole bench skipped");
        return;
    };
    let mut listener = PStream::open("ptcp:0:127.0.0.1", 0).unwrap();
    let good = format!("tcp:127.0.0.1:{}", listener.bound_port().unwrap());
    let remotes = vec![
        format!("tcp:127.0.0.1:{p1}"),
        format!("tcp:127.0.0.1:{p2}"),
        good,
    ];
    let base = SessionOpenOptions {
        order: RemoteOrder::AsGiven,
        ..Default::default()
    };
    let cases: Vec<(&str, SessionOpenOptions)> = vec![
        ("OVS defaults", base.clone()),
        (
            "connect timeout 200 ms",
            SessionOpenOptions {
                connect_timeout_ms: 200,
                ..base.clone()
            },
        ),
        (
            "parallel connect k=3",
            SessionOpenOptions {
                parallel_connect: 3,
                ..base.clone()
            },
        ),
    ];
    println!("failover: time to reach the healthy remote, 2 of 3 black-holed, healthy one last in order (median of 3)");
    let mut results = Vec::new();
    for (label, o) in &cases {
        let t = median(
            (0..3)
                .map(|_| connect_time(&remotes, o, &mut listener))
                .collect(),
        );
        println!("failover: black-holed 2/3  {label:<24} {t:>6} ms");
        results.push(t);
    }
    for (i, (label, _)) in cases.iter().enumerate().skip(1) {
        println!(
            "failover: black-holed 2/3  {label:<24} {:.1}x faster than OVS defaults",
            results[0] as f64 / results[i].max(1) as f64
        );
    }
}

/// Runs one insert to completion, resending after reconnects.
fn transact(s: &mut JsonrpcSession, n: i64) {
    let params = support::insert_params(n, "bench");
    let deadline = time_msec() + 60_000;
    support::call_until_ok(
        s,
        || Msg::create_request("transact", params.clone()),
        deadline,
    )
    .expect("insert never acknowledged");
}

/// Runs the session until it is connected on a new connection.
fn reconnected(s: &mut JsonrpcSession, seqno: u32) {
    assert!(
        support::wait_reconnected(s, seqno, time_msec() + 60_000),
        "never reconnected"
    );
}

fn cluster_failovers(fast: bool) -> (Vec<i64>, Vec<i64>) {
    let dir = support::TempDir::new("bench-failover");
    let mut cluster = support::ovsdb::cs::RaftCluster::demo(dir.path(), 3);
    let o = SessionOpenOptions {
        fast_failover: fast,
        ..Default::default()
    };
    let mut s = JsonrpcSession::open_multiple_with(&cluster.remotes(), true, &o);
    let mut n = 0;
    transact(&mut s, n);
    let mut times = Vec::new();
    let mut reconnects = Vec::new();
    for _ in 0..4 {
        let victim = cluster
            .members
            .iter()
            .position(|sv| sv.remote == s.get_name())
            .unwrap();
        let t0 = time_msec();
        let seqno = s.get_seqno();
        cluster.members[victim].kill();
        reconnected(&mut s, seqno);
        reconnects.push(time_msec() - t0);
        n += 1;
        transact(&mut s, n);
        times.push(time_msec() - t0);
        cluster.members[victim].restart();
        // Let the restarted member rejoin before the next kill.
        for _ in 0..20 {
            n += 1;
            transact(&mut s, n);
        }
    }
    (reconnects, times)
}

fn cluster() {
    if support::find_tool("ovsdb-server").is_none() {
        println!("failover: ovsdb-server not found, cluster bench skipped");
        return;
    }
    println!("failover: 3-server Raft cluster, SIGKILL the connected member, time to the next acknowledged insert (4 kills in a row)");
    for fast in [false, true] {
        let (reconnects, times) = cluster_failovers(fast);
        let label = if fast {
            "fast failover"
        } else {
            "OVS defaults"
        };
        println!("failover: cluster {label:<14} reconnected after {reconnects:?} ms, next insert acknowledged after {times:?} ms");
    }
}

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        // `cargo test --all-targets` runs benches without `--bench`: the
        // failover figures take half a minute and belong to `make bench`.
        println!("failover bench: built; run it with `cargo bench --bench failover`");
        return;
    }
    black_holes();
    cluster();
}
