//! JSON-RPC connection throughput over a Unix socket.
//!
//! Sender and receiver are two [`Jsonrpc`] connections on the two ends of
//! one Unix socket, driven by one poll loop in one thread. Each result is
//! printed beside the raw limit measured in the same run: the very same
//! bytes written and read through the same kind of socket with no JSON at
//! all (written in chunks of up to 64 KiB, and also one `send(2)` per
//! message, which is the most OVS's C stack can do since it writes each
//! message with its own call). Request/reply round trips are compared with
//! the same byte ping-pong without JSON, and the same client is run against
//! ovsdb-server's `echo` (Debian's `openvswitch-common`) when it is
//! installed.
//!
//! `cargo bench --bench jsonrpc` runs it in full; `cargo test --all-targets`
//! runs a quick smoke pass that prints no ratios.

#[path = "../tests/support/mod.rs"]
mod support;

use std::time::{Duration, Instant};

use ovsrpc::json::{Json, Object};
use ovsrpc::jsonrpc::{Jsonrpc, Msg};
use ovsrpc::poll_loop;
use ovsrpc::stream::{PStream, Stream};

struct Config {
    full: bool,
    /// How long one measurement runs, at least.
    run_time: Duration,
    /// Rounds per measurement; the median is kept.
    rounds: usize,
}

fn main() {
    let _ = env_logger::try_init();
    let full = std::env::args().any(|arg| arg == "--bench");
    // Any other argument selects the measurements whose names contain it.
    let filters: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let selected =
        |name: &str| filters.is_empty() || filters.iter().any(|f| name.contains(f.as_str()));
    let cfg = if full {
        Config {
            full,
            run_time: Duration::from_millis(400),
            rounds: 5,
        }
    } else {
        Config {
            full,
            run_time: Duration::from_millis(5),
            rounds: 1,
        }
    };
    let dir = support::TempDir::new("bench-jsonrpc");
    let path = dir.join("sock");
    let mut pstream = PStream::open(&format!("punix:{}", path.display()), 0).expect("punix");
    let mut pair = || -> (Stream, Stream) {
        let client = Stream::open_block(Stream::open(&format!("unix:{}", path.display()), 0), 5000)
            .expect("unix connect");
        let server = pstream.accept_block().expect("accept");
        (client, server)
    };

    println!(
        "jsonrpc bench: one thread, one poll loop, Unix socket (median of {} rounds){}",
        cfg.rounds,
        if full {
            ""
        } else {
            " [smoke run: use cargo bench]"
        }
    );

    for (label, msg) in [
        ("100 B", notify_of_size(100)),
        ("10 KB rows", rows_notify_of_size(10_000)),
        ("10 KB string", notify_of_size(10_000)),
    ] {
        let name = format!("notify {label}");
        if !selected(&name) {
            continue;
        }
        let size = wire_size(&msg);
        // With a filter naming one variant ("send", "queue", "raw",
        // "raw-each"), only that one runs (for profiling).
        let only = |variant: &str| {
            let variants = ["send", "queue", "raw", "raw-each"];
            let named: Vec<&String> = filters
                .iter()
                .filter(|f| variants.contains(&f.as_str()))
                .collect();
            named.is_empty() || named.iter().any(|f| f.as_str() == variant)
        };
        // The variants take turns, round after round, so that a slow
        // spell on this shared machine hits all of them alike; the ratios
        // are the medians of the per-round ratios.
        type Variant<'a> = (&'a str, Box<dyn Fn((Stream, Stream)) -> f64 + 'a>);
        let variants: Vec<Variant> = vec![
            (
                "send",
                Box::new(|p| notify_throughput(p, &msg, false, &cfg)),
            ),
            (
                "queue",
                Box::new(|p| notify_throughput(p, &msg, true, &cfg)),
            ),
            ("raw", Box::new(|p| raw_throughput(p, &msg, false, &cfg))),
            (
                "raw-each",
                Box::new(|p| raw_throughput(p, &msg, true, &cfg)),
            ),
        ];
        let mut rates: Vec<Vec<f64>> = vec![Vec::new(); variants.len()];
        for _ in 0..cfg.rounds {
            for (k, (variant, f)) in variants.iter().enumerate() {
                if only(variant) {
                    rates[k].push(f(pair()));
                }
            }
        }
        let ratio = |a: usize, b: usize| -> Option<f64> {
            let per_round: Vec<f64> = rates[a].iter().zip(&rates[b]).map(|(x, y)| x / y).collect();
            med(&per_round)
        };
        let (rpc, batched, raw, raw_each) = (
            med(&rates[0]),
            med(&rates[1]),
            med(&rates[2]),
            med(&rates[3]),
        );
        let line = |what: &str, r: Option<f64>| match r {
            Some(r) => format!(
                "{what} {:>10.0} msgs/s {:>8.1} MB/s",
                r,
                r * size as f64 / 1e6
            ),
            None => format!("{what} (not run)"),
        };
        println!("{name} ({size} bytes on the wire):");
        println!("  {}", line("jsonrpc send      ", rpc));
        println!("  {}", line("jsonrpc queue+run ", batched));
        println!("  {}", line("raw, 64 KiB chunks", raw));
        println!("  {}", line("raw, send per msg ", raw_each));
        if let (true, Some(_), Some(_), Some(_), Some(_)) = (full, rpc, batched, raw, raw_each) {
            let pct = |a, b| ratio(a, b).map_or(f64::NAN, |r| 100.0 * r);
            println!(
                "  ratio to raw: send {:.1}%, queue+run {:.1}%; to one send(2) per message: \
                 send {:.1}%, queue+run {:.1}%",
                pct(0, 2),
                pct(1, 2),
                pct(0, 3),
                pct(1, 3)
            );
            if size <= 100 {
                println!(
                    "  against OVS's C stack: run `make bench-ovs` (one C benchmark built \
                     against OVS's libopenvswitch.a and against libovsrpc.a, in one run)"
                );
            }
        }
    }

    if !selected("round trips") && !selected("ovsdb") {
        return;
    }
    let rt = median(&cfg, || round_trips(pair(), &cfg));
    let raw_rt = median(&cfg, || raw_round_trips(pair(), &cfg));
    println!(
        "request/reply round trips: jsonrpc {rt:>8.0}/s, raw ping-pong of the same bytes {raw_rt:>8.0}/s{}",
        if full {
            format!(" ({:.1}%)", 100.0 * rt / raw_rt)
        } else {
            String::new()
        }
    );

    ovsdb_server_echo(&cfg, &dir, rt);
}

/// Runs `f` `cfg.rounds` times and returns the median.
fn median(cfg: &Config, mut f: impl FnMut() -> f64) -> f64 {
    let v: Vec<f64> = (0..cfg.rounds).map(|_| f()).collect();
    med(&v).unwrap_or(f64::NAN)
}

/// The median of `v`, if it is not empty.
fn med(v: &[f64]) -> Option<f64> {
    let mut v = v.to_vec();
    v.sort_by(|a, b| a.total_cmp(b));
    v.get(v.len() / 2).copied()
}

fn wire_size(msg: &Msg) -> usize {
    let mut v = Vec::new();
    msg.write_to(&mut v);
    v.len()
}

/// A notification `{"method":"update","params":["...."],"id":null}` of
/// exactly `size` bytes on the wire.
fn notify_of_size(size: usize) -> Msg {
    let base = wire_size(&Msg::create_notify(
        "update",
        Json::array(vec![Json::string("")]),
    ));
    let pad = "x".repeat(size.saturating_sub(base));
    Msg::create_notify("update", Json::array(vec![Json::string(pad)]))
}

/// A notification shaped like an OVSDB update of many rows (objects keyed
/// by UUID, integers and short strings), about `size` bytes on the wire.
fn rows_notify_of_size(size: usize) -> Msg {
    let build = |rows: usize| {
        let mut table = Object::new();
        for i in 0..rows {
            let mut new = Object::new();
            new.insert("n", Json::Integer(i as i64 * 7919));
            new.insert("who", Json::string(format!("name-{i}")));
            new.insert("up", Json::Boolean(i % 2 == 0));
            let mut row = Object::new();
            row.insert("new", Json::object(new));
            table.insert(
                format!("{:08x}-1b2c-4d5e-8f90-{:012x}", i * 2654435761usize, i),
                Json::object(row),
            );
        }
        let mut update = Object::new();
        update.insert("Item", Json::object(table));
        Msg::create_notify(
            "update",
            Json::array(vec![Json::string("monitor-1"), Json::object(update)]),
        )
    };
    let per_row = wire_size(&build(2)) - wire_size(&build(1));
    build((size / per_row).max(1))
}

/// Notifications per second from one connection to the other. With
/// `batched`, the sender queues a burst with [`Jsonrpc::queue`] and flushes
/// it with one [`Jsonrpc::run`]; otherwise each [`Jsonrpc::send`] writes at
/// once when nothing is queued, as OVS does.
fn notify_throughput(pair: (Stream, Stream), msg: &Msg, batched: bool, cfg: &Config) -> f64 {
    let mut tx = Jsonrpc::open(pair.0);
    let mut rx = Jsonrpc::open(pair.1);
    const BURST: usize = 256;
    const MAX_BACKLOG: usize = 256 * 1024;
    let mut received = 0u64;
    let start = Instant::now();
    let mut deadline_check = 0u32;
    loop {
        tx.run();
        let mut burst = 0;
        while burst < BURST && tx.get_backlog() < MAX_BACKLOG {
            if batched {
                tx.queue(msg.clone()).expect("queue");
            } else {
                tx.send(msg.clone()).expect("send");
            }
            burst += 1;
        }
        if batched {
            tx.run();
        }
        loop {
            match rx.recv() {
                Ok(_) => received += 1,
                Err(e) if e.is_again() => break,
                Err(e) => panic!("recv: {e}"),
            }
        }
        deadline_check += 1;
        if deadline_check % 16 == 0 && start.elapsed() >= cfg.run_time {
            break;
        }
        tx.wait();
        if tx.get_backlog() < MAX_BACKLOG {
            poll_loop::immediate_wake();
        }
        rx.recv_wait();
        poll_loop::block();
    }
    received as f64 / start.elapsed().as_secs_f64()
}

/// The same bytes as `notify_throughput` would carry, through the same kind
/// of socket, without JSON. Returns messages per second (bytes / size).
fn raw_throughput(pair: (Stream, Stream), msg: &Msg, per_msg: bool, cfg: &Config) -> f64 {
    let mut one = Vec::new();
    msg.write_to(&mut one);
    let size = one.len();
    let mut block = Vec::new();
    while block.len() < 64 * 1024 {
        block.extend_from_slice(&one);
    }
    let (mut tx, mut rx) = pair;
    let mut inbuf = vec![0u8; 64 * 1024];
    let mut sent_pos = 0usize; // Offset into `block` of the next byte to send.
    let mut received = 0u64;
    let start = Instant::now();
    let mut checks = 0u32;
    loop {
        // Send until the socket is full.
        loop {
            let end = if per_msg {
                (sent_pos / size + 1) * size
            } else {
                block.len()
            };
            match tx.send(&block[sent_pos..end]) {
                Ok(n) => {
                    sent_pos += n;
                    if sent_pos == block.len() {
                        sent_pos = 0;
                    }
                }
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break,
                Err(e) => panic!("send: {e}"),
            }
        }
        loop {
            match rx.recv(&mut inbuf) {
                Ok(0) => panic!("unexpected EOF"),
                Ok(n) => received += n as u64,
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break,
                Err(e) => panic!("recv: {e}"),
            }
        }
        checks += 1;
        if checks % 16 == 0 && start.elapsed() >= cfg.run_time {
            break;
        }
        tx.send_wait();
        rx.recv_wait();
        poll_loop::block();
    }
    received as f64 / size as f64 / start.elapsed().as_secs_f64()
}

/// Request/reply round trips per second: the client sends `echo`, the
/// server answers, the client waits for the reply before the next one.
fn round_trips(pair: (Stream, Stream), cfg: &Config) -> f64 {
    let mut client = Jsonrpc::open(pair.0);
    let mut server = Jsonrpc::open(pair.1);
    let params = Json::array(vec![Json::string("ping")]);
    let mut n = 0u64;
    let start = Instant::now();
    while n % 64 != 0 || start.elapsed() < cfg.run_time {
        client
            .send(Msg::create_request("echo", params.clone()))
            .expect("send");
        let request = server.recv_block().expect("server recv");
        let id = request.id.expect("id");
        server
            .send(Msg::create_reply(request.params.expect("params"), &id))
            .expect("reply");
        let reply = client.recv_block().expect("client recv");
        assert_eq!(reply.id, Some(id));
        n += 1;
    }
    n as f64 / start.elapsed().as_secs_f64()
}

/// The byte ping-pong of `round_trips` without JSON.
fn raw_round_trips(pair: (Stream, Stream), cfg: &Config) -> f64 {
    let request = br#"{"id":0,"method":"echo","params":["ping"]}"#;
    let reply = br#"{"error":null,"id":0,"result":["ping"]}"#;
    let (mut client, mut server) = pair;
    let mut buf = vec![0u8; 64 * 1024];
    let mut exchange = |from: &mut Stream, to: &mut Stream, bytes: &[u8]| {
        let mut sent = 0;
        while sent < bytes.len() {
            sent += from.send(&bytes[sent..]).expect("send");
        }
        let mut got = 0;
        while got < bytes.len() {
            match to.recv(&mut buf) {
                Ok(n) => got += n,
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                    to.recv_wait();
                    poll_loop::block();
                }
                Err(e) => panic!("recv: {e}"),
            }
        }
    };
    let mut n = 0u64;
    let start = Instant::now();
    while n % 64 != 0 || start.elapsed() < cfg.run_time {
        exchange(&mut client, &mut server, request);
        exchange(&mut server, &mut client, reply);
        n += 1;
    }
    n as f64 / start.elapsed().as_secs_f64()
}

/// The same client against ovsdb-server: echo round trips, and pipelined
/// echo requests (100-byte and 10 KB) answered per second.
fn ovsdb_server_echo(cfg: &Config, dir: &support::TempDir, our_rt: f64) {
    if support::find_tool("ovsdb-server").is_none() || support::find_tool("ovsdb-tool").is_none() {
        println!("ovsdb-server echo: skipped (install Debian package openvswitch-common)");
        return;
    }
    let server = support::OvsdbServer::standalone(dir.path());
    let connect = || {
        let stream = Stream::open_block(Stream::open(&server.unix_remote, 0), 5000)
            .expect("connect to ovsdb-server");
        Jsonrpc::open(stream)
    };
    let rt = median(cfg, || {
        let mut rpc = connect();
        let params = Json::array(vec![Json::string("ping")]);
        let mut n = 0u64;
        let start = Instant::now();
        while n % 64 != 0 || start.elapsed() < cfg.run_time {
            let reply = rpc
                .transact_block(Msg::create_request("echo", params.clone()))
                .expect("echo");
            assert!(reply.result.is_some());
            n += 1;
        }
        n as f64 / start.elapsed().as_secs_f64()
    });
    println!(
        "ovsdb-server echo round trips: {rt:>8.0}/s (our own server: {our_rt:.0}/s{})",
        if cfg.full {
            format!(", {:.2}x", our_rt / rt)
        } else {
            String::new()
        }
    );
    for (label, size) in [("100 B", 100usize), ("10 KB", 10_000)] {
        let rate = median(cfg, || {
            let mut rpc = connect();
            let base = wire_size(&Msg::create_request(
                "echo",
                Json::array(vec![Json::string("")]),
            ));
            let params = Json::array(vec![Json::string("x".repeat(size.saturating_sub(base)))]);
            const WINDOW: u64 = 64;
            let (mut sent, mut answered) = (0u64, 0u64);
            let start = Instant::now();
            loop {
                rpc.run();
                while sent - answered < WINDOW {
                    rpc.send(Msg::create_request("echo", params.clone()))
                        .expect("send");
                    sent += 1;
                }
                loop {
                    match rpc.recv() {
                        Ok(_) => answered += 1,
                        Err(e) if e.is_again() => break,
                        Err(e) => panic!("recv from ovsdb-server: {e}"),
                    }
                }
                if start.elapsed() >= cfg.run_time {
                    break;
                }
                rpc.wait();
                rpc.recv_wait();
                if sent - answered < WINDOW {
                    poll_loop::immediate_wake();
                }
                poll_loop::block();
            }
            answered as f64 / start.elapsed().as_secs_f64()
        });
        println!("ovsdb-server echo {label}, 64 in flight: {rate:>8.0} replies/s");
    }
}
