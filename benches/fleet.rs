//! Fleet bench: thousands of sessions lose their server at the same
//! instant; how hard do they hit the survivors, and how long until every
//! one is back? Measured for OVS's defaults and for jitter
//! ([`SessionOpenOptions::jitter_ms`]).
//!
//! This process holds N sessions (5,000 under `cargo bench --bench fleet`,
//! 300 in the smoke run that `cargo test --all-targets` makes, or
//! `--sessions N`), each with its own socket, all in one poll loop, over
//! three servers. Each server is a second process (this binary run as
//! `--fleet-server`, see `fleet/server.rs`) listening on 127.0.0.1 and
//! accepting `--accepts-per-tick` connections (default 5) per 10 ms, as
//! a busy ovsdb-server would; each accepted client gets a `hello` notification.
//! Session `i` lists the servers starting with `i mod 3`, then the other
//! two in an order alternating with `i`, as the IDL's shuffle would spread
//! them. Everything else is OVS's default (probes every 5 s, which the
//! servers answer).
//!
//! For each mode: start three servers, open the sessions at 80% of the
//! servers' accept rate, wait until every session has its `hello`, then
//! SIGKILL server 0. From then on the bench counts the connection attempts
//! the sessions start towards the two survivors, per 100 ms, and the time
//! until each session that was on server 0 has a `hello` from a survivor.
//! It prints both histograms, the peak, the p50/p99/max reconnect times,
//! writes an SVG plot of the two histograms (`--svg PATH`, default
//! `target/fleet.svg`), and ends with the line
//!
//! ```text
//! fleet: peak attempts per 100 ms: OVS defaults P1, jitter P2 (ratio R); p99 reconnect: OVS defaults T1 ms, jitter T2 ms
//! ```
//!
//! The jitter window defaults to the time the survivors need to accept
//! the orphaned third of the fleet: (N / 3) / (2 x accepts per second),
//! rounded up to 100 ms (`--jitter MS` overrides it). Each mode stops
//! after `--cap-ms` (default 40,000) after the kill, whatever is left.

#[path = "fleet/server.rs"]
mod server;
#[path = "fleet/svg.rs"]
mod svg;

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};

use ovsrpc::jsonrpc::{JsonrpcSession, RemoteOrder, SessionOpenOptions};
use ovsrpc::poll_loop;
use ovsrpc::timeval::time_msec;

/// Width of a histogram bucket, in ms.
const BUCKET_MS: i64 = 100;
/// The server that is killed.
const VICTIM: usize = 0;

struct Config {
    sessions: usize,
    per_tick: usize,
    jitter_ms: i32,
    cap_ms: i64,
    svg: PathBuf,
}

impl Config {
    fn from_args() -> Config {
        let args: Vec<String> = std::env::args().collect();
        let full = args.iter().any(|a| a == "--bench");
        let value = |flag: &str| {
            args.iter()
                .position(|a| a == flag)
                .and_then(|i| args.get(i + 1))
                .map(|v| v.parse::<i64>().unwrap_or_else(|_| panic!("{flag} {v}?")))
        };
        let sessions = value("--sessions").unwrap_or(if full { 5000 } else { 300 }) as usize;
        let per_tick = value("--accepts-per-tick").unwrap_or(if full { 5 } else { 1 }) as usize;
        // The orphans over the survivors' accept rate (per ms).
        let orphans = sessions as f64 / 3.0;
        let survivors_per_ms = 2.0 * per_tick as f64 / server::TICK_MS as f64;
        let window = ((orphans / survivors_per_ms / 100.0).ceil() * 100.0) as i64;
        let svg = args
            .iter()
            .position(|a| a == "--svg")
            .and_then(|i| args.get(i + 1))
            .map(PathBuf::from)
            .unwrap_or_else(default_svg_path);
        Config {
            sessions,
            per_tick,
            jitter_ms: value("--jitter").unwrap_or(window) as i32,
            cap_ms: value("--cap-ms").unwrap_or(40_000),
            svg,
        }
    }

    /// Sessions opened per second while setting up: 80% of what the three
    /// servers accept.
    fn open_rate(&self) -> f64 {
        0.8 * 3.0 * self.per_tick as f64 * (1000 / server::TICK_MS) as f64
    }
}

/// `target/fleet.svg`, next to the directory of this binary.
fn default_svg_path() -> PathBuf {
    let exe = std::env::current_exe().expect("current exe");
    // target/<profile>/deps/fleet-HASH
    exe.ancestors()
        .nth(3)
        .map(|target| target.join("fleet.svg"))
        .unwrap_or_else(|| PathBuf::from("fleet.svg"))
}

/// Raises the soft limit on open descriptors to the hard limit.
#[allow(unsafe_code)]
fn raise_fd_limit() -> u64 {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: `lim` is a valid, writable rlimit for getrlimit to fill.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) } != 0 {
        return 0;
    }
    lim.rlim_cur = lim.rlim_max;
    // SAFETY: `lim` is a valid rlimit that setrlimit only reads.
    unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &lim) };
    lim.rlim_cur
}

/// A server process, killed on drop.
struct Server {
    child: Child,
    /// Closing it tells the server to exit.
    _stdin: ChildStdin,
    name: String,
}

impl Server {
    fn start(index: usize, per_tick: usize) -> Server {
        let exe = std::env::current_exe().expect("current exe");
        let mut child = Command::new(exe)
            .arg("--fleet-server")
            .arg(index.to_string())
            .arg(per_tick.to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start a fleet server");
        let stdin = child.stdin.take().expect("server stdin");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("server stdout"))
            .read_line(&mut line)
            .expect("server's port");
        let port: u16 = line
            .trim()
            .strip_prefix("port ")
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("server said {line:?}"));
        Server {
            child,
            _stdin: stdin,
            name: format!("tcp:127.0.0.1:{port}"),
        }
    }

    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

/// One client of the fleet.
struct Client {
    session: JsonrpcSession,
    /// The servers of the session's remotes, in the session's order.
    servers: [usize; 3],
    seqno: u32,
    /// The server whose `hello` came on the current connection.
    on: Option<usize>,
    /// Attempts started towards the survivors so far.
    attempts: u64,
    /// On the victim when it was killed.
    orphan: bool,
    /// Time from the kill to a survivor's `hello`.
    reconnected_after: Option<i64>,
}

impl Client {
    fn open(i: usize, servers: &[Server], jitter_ms: i32) -> Client {
        let first = i % 3;
        let (a, b) = if (i / 3) % 2 == 0 { (1, 2) } else { (2, 1) };
        let order = [first, (first + a) % 3, (first + b) % 3];
        let names: Vec<&str> = order.iter().map(|&k| servers[k].name.as_str()).collect();
        let opts = SessionOpenOptions {
            order: RemoteOrder::AsGiven,
            jitter_ms,
            ..Default::default()
        };
        let session = JsonrpcSession::open_multiple_with(&names, true, &opts);
        Client {
            session,
            servers: order,
            seqno: 0,
            on: None,
            attempts: 0,
            orphan: false,
            reconnected_after: None,
        }
    }

    fn survivor_attempts(&self) -> u64 {
        let stats = self.session.get_remote_stats();
        self.servers
            .iter()
            .zip(stats)
            .filter(|(&k, _)| k != VICTIM)
            .map(|(_, s)| u64::from(s.n_attempts))
            .sum()
    }

    /// Runs the session and takes its messages; returns the attempts
    /// towards the survivors it started meanwhile.
    fn pass(&mut self, since_kill: Option<i64>) -> u64 {
        self.session.run();
        let seqno = self.session.get_seqno();
        if seqno != self.seqno {
            self.seqno = seqno;
            self.on = None;
        }
        while let Some(msg) = self.session.recv() {
            if msg.method.as_deref() == Some("hello") {
                let k = msg
                    .params
                    .as_ref()
                    .and_then(|p| p.as_array())
                    .and_then(|p| p.first())
                    .and_then(|k| k.as_i64())
                    .expect("hello [INDEX]") as usize;
                self.on = Some(k);
                if let Some(t) = since_kill {
                    if self.orphan && k != VICTIM && self.reconnected_after.is_none() {
                        self.reconnected_after = Some(t);
                    }
                }
            }
        }
        self.session.wait();
        self.session.recv_wait();
        let attempts = self.survivor_attempts();
        let new = attempts - self.attempts;
        self.attempts = attempts;
        new
    }
}

/// What one mode measured.
struct Outcome {
    setup_ms: i64,
    orphans: usize,
    /// Attempts at the survivors per 100 ms since the kill.
    buckets: Vec<u64>,
    /// Reconnect times of the orphans that came back, sorted.
    times: Vec<i64>,
    /// Passes of the main loop over all the sessions, and how long they
    /// took in all.
    passes: u64,
    measured_ms: i64,
}

impl Outcome {
    fn peak(&self) -> u64 {
        self.buckets.iter().copied().max().unwrap_or(0)
    }

    /// The `p`-th percentile of the reconnect times, counting an orphan
    /// that never came back as the cap.
    fn percentile(&self, p: f64, cap_ms: i64) -> i64 {
        if self.orphans == 0 {
            return 0;
        }
        let rank = ((p / 100.0) * self.orphans as f64).ceil().max(1.0) as usize - 1;
        self.times.get(rank).copied().unwrap_or(cap_ms)
    }
}

fn run(cfg: &Config, jitter_ms: i32) -> Outcome {
    let mut servers: Vec<Server> = (0..3).map(|k| Server::start(k, cfg.per_tick)).collect();
    let mut clients: Vec<Client> = Vec::with_capacity(cfg.sessions);

    // Set up: open the sessions at a pace the servers can take, then wait
    // until every session has its hello.
    let start = time_msec();
    let setup_deadline = start + 60_000;
    loop {
        let now = time_msec();
        let due =
            (((now - start) as f64 / 1000.0 * cfg.open_rate()) as usize + 1).min(cfg.sessions);
        while clients.len() < due {
            clients.push(Client::open(clients.len(), &servers, jitter_ms));
        }
        for c in &mut clients {
            c.pass(None);
        }
        if clients.len() == cfg.sessions && clients.iter().all(|c| c.on.is_some()) {
            break;
        }
        assert!(
            now < setup_deadline,
            "setup: {} of {} sessions connected after 60 s",
            clients.iter().filter(|c| c.on.is_some()).count(),
            cfg.sessions
        );
        if clients.len() < cfg.sessions {
            poll_loop::timer_wait(10);
        }
        poll_loop::block();
    }
    let setup_ms = time_msec() - start;

    // Kill the victim.
    for c in &mut clients {
        c.orphan = c.on == Some(VICTIM);
    }
    let orphans = clients.iter().filter(|c| c.orphan).count();
    let killed = time_msec();
    servers[VICTIM].kill();

    let mut buckets: Vec<u64> = Vec::new();
    let mut passes = 0u64;
    loop {
        passes += 1;
        let now = time_msec();
        let since = now - killed;
        let bucket = (since / BUCKET_MS) as usize;
        if buckets.len() <= bucket {
            buckets.resize(bucket + 1, 0);
        }
        for c in &mut clients {
            buckets[bucket] += c.pass(Some(since));
        }
        let left = clients
            .iter()
            .filter(|c| c.orphan && c.reconnected_after.is_none())
            .count();
        if left == 0 || since >= cfg.cap_ms {
            break;
        }
        poll_loop::timer_wait_until(killed + (bucket as i64 + 1) * BUCKET_MS);
        poll_loop::block();
    }
    let measured_ms = time_msec() - killed;
    let mut times: Vec<i64> = clients.iter().filter_map(|c| c.reconnected_after).collect();
    times.sort_unstable();
    drop(servers);
    Outcome {
        setup_ms,
        orphans,
        buckets,
        times,
        passes,
        measured_ms,
    }
}

fn report(label: &str, cfg: &Config, o: &Outcome) {
    let total: u64 = o.buckets.iter().sum();
    println!(
        "fleet {label}: {} sessions connected in {} ms; server {VICTIM} killed with {} of \
         them; {} back within {} ms; attempts at the survivors: {total} in all, peak {} per \
         100 ms; reconnect p50 {} ms, p99 {} ms, max {} ms; {} passes over the sessions, \
         {:.1} ms each",
        cfg.sessions,
        o.setup_ms,
        o.orphans,
        o.times.len(),
        cfg.cap_ms,
        o.peak(),
        o.percentile(50.0, cfg.cap_ms),
        o.percentile(99.0, cfg.cap_ms),
        o.percentile(100.0, cfg.cap_ms),
        o.passes,
        o.measured_ms as f64 / o.passes.max(1) as f64,
    );
}

/// The two histograms side by side, one row per 100 ms in which either
/// saw an attempt, with a bar for each.
fn print_histograms(a: &[u64], b: &[u64]) {
    let peak = a.iter().chain(b).copied().max().unwrap_or(0).max(1);
    let bar = |n: u64| "#".repeat(((n * 30).div_ceil(peak)) as usize);
    println!("fleet: attempts at the survivors per 100 ms after the kill (rows with none omitted)");
    println!("fleet:   t (s)  OVS defaults                             jitter");
    for i in 0..a.len().max(b.len()) {
        let x = a.get(i).copied().unwrap_or(0);
        let y = b.get(i).copied().unwrap_or(0);
        if x == 0 && y == 0 {
            continue;
        }
        println!(
            "fleet: {:>6.1}  {x:>5} {:<30}  {y:>5} {}",
            i as f64 * BUCKET_MS as f64 / 1000.0,
            bar(x),
            bar(y)
        );
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--fleet-server") {
        server::main(&args[i + 1..]);
        return;
    }
    let cfg = Config::from_args();
    let limit = raise_fd_limit();
    // Sockets, attempts in progress and a margin.
    let needed = 2 * cfg.sessions as u64 + 100;
    if limit < needed {
        println!("fleet bench: RLIMIT_NOFILE is {limit}, {needed} needed; skipped");
        return;
    }
    println!(
        "fleet: {} sessions over 3 servers accepting {} per 10 ms each; jitter window {} ms",
        cfg.sessions, cfg.per_tick, cfg.jitter_ms
    );
    let ovs = run(&cfg, 0);
    report("OVS defaults", &cfg, &ovs);
    let jit = run(&cfg, cfg.jitter_ms);
    report(&format!("jitter {} ms", cfg.jitter_ms), &cfg, &jit);
    print_histograms(&ovs.buckets, &jit.buckets);
    match svg::write(
        &cfg.svg,
        &format!("{} sessions, server {VICTIM} of 3 killed", cfg.sessions),
        ("OVS defaults", &ovs.buckets),
        (&format!("jitter {} ms", cfg.jitter_ms), &jit.buckets),
        BUCKET_MS,
    ) {
        Ok(()) => println!("fleet: plot written to {}", cfg.svg.display()),
        Err(e) => println!("fleet: writing {} failed: {e}", cfg.svg.display()),
    }
    let (p1, p2) = (ovs.peak(), jit.peak());
    println!(
        "fleet: peak attempts per 100 ms: OVS defaults {p1}, jitter {p2} (ratio {:.2}); \
         p99 reconnect: OVS defaults {} ms, jitter {} ms",
        p2 as f64 / p1.max(1) as f64,
        ovs.percentile(99.0, cfg.cap_ms),
        jit.percentile(99.0, cfg.cap_ms)
    );
}
