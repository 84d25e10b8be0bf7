//! Shared helpers for the integration tests: temporary directories and the
//! real OVSDB peers from Debian's `openvswitch-common` (ovsdb-server,
//! ovsdb-tool, ovsdb-client) and `python3-openvswitch`.
//!
//! A test that needs a peer calls [`require`]: under `CI=true` a missing
//! peer is a failure; elsewhere the test is skipped with a loud message.
#![allow(dead_code)]

pub mod ovsdb;

use std::fs;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

/// The small schema used by the OVSDB tests: one table of items.
pub const SCHEMA: &str = r#"{"name": "demo", "version": "1.0.0",
 "tables": {"Item": {"columns": {"n": {"type": "integer"},
                                 "who": {"type": "string"}}}}}"#;

/// Finds an executable by name in the usual places.
pub fn find_tool(name: &str) -> Option<PathBuf> {
    let mut dirs: Vec<PathBuf> = vec!["/usr/sbin".into(), "/usr/bin".into(), "/sbin".into()];
    if let Some(path) = std::env::var_os("PATH") {
        dirs.extend(std::env::split_paths(&path));
    }
    dirs.into_iter().map(|d| d.join(name)).find(|p| p.is_file())
}

/// True when running under CI (`CI=true`), where missing peers are failures.
pub fn in_ci() -> bool {
    std::env::var("CI")
        .map(|v| v == "true" || v == "1")
        .unwrap_or(false)
}

/// Returns the path of a required peer program. When it is missing: panics
/// under CI, otherwise prints a loud skip message and returns None.
pub fn require(name: &str, package: &str) -> Option<PathBuf> {
    match find_tool(name) {
        Some(p) => Some(p),
        None => {
            let msg = format!(
                "{name} not found: install Debian package {package} (apt-get install -y {package})"
            );
            if in_ci() {
                panic!("{msg}");
            }
            eprintln!("\n*** SKIPPED: {msg} ***\n");
            None
        }
    }
}

/// True when `/usr/bin/python3` can import the `ovs` module; panics under CI
/// when it cannot, otherwise prints a loud skip message.
pub fn require_python_ovs() -> bool {
    let ok = Command::new("/usr/bin/python3")
        .args(["-c", "import ovs.jsonrpc, ovs.stream, ovs.poller"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    if !ok {
        let msg = "Python module ovs not importable by /usr/bin/python3: \
                   install Debian package python3-openvswitch";
        if in_ci() {
            panic!("{msg}");
        }
        eprintln!("\n*** SKIPPED: {msg} ***\n");
    }
    ok
}

/// A directory under the system temp dir, removed with its contents on drop.
pub struct TempDir(PathBuf);

impl TempDir {
    /// Creates a new, empty, uniquely named directory.
    pub fn new(tag: &str) -> TempDir {
        static N: AtomicUsize = AtomicUsize::new(0);
        let n = N.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!(
            "ovsrpc-{tag}-{}-{n}-{}",
            std::process::id(),
            fastrand::u32(..)
        ));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).expect("create temp dir");
        TempDir(dir)
    }

    /// The directory's path.
    pub fn path(&self) -> &Path {
        &self.0
    }

    /// A path inside the directory.
    pub fn join(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// A TCP port on 127.0.0.1 that was free a moment ago.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("bind 127.0.0.1:0")
        .port()
}

fn run(cmd: &mut Command) {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
}

/// One ovsdb-server process, started with `--detach` (so it is listening
/// when `start` returns) and SIGKILLed on drop.
pub struct OvsdbServer {
    /// Its process id.
    pub pid: i32,
    /// The active name clients connect to (`tcp:127.0.0.1:PORT`).
    pub remote: String,
    /// The unix socket clients can also use (`unix:PATH`).
    pub unix_remote: String,
    /// The `tcp:` port.
    pub port: u16,
    /// Where its files live.
    pub dir: PathBuf,
    /// Database file.
    pub db: PathBuf,
    tag: String,
}

impl OvsdbServer {
    /// Starts ovsdb-server on `db` listening on `ptcp:PORT:127.0.0.1`
    /// (a free port chosen if 0) and on a unix socket in `dir`.
    pub fn start(dir: &Path, tag: &str, db: &Path, port: u16) -> OvsdbServer {
        let port = if port == 0 { free_port() } else { port };
        let ovsdb_server = find_tool("ovsdb-server").expect("ovsdb-server");
        let pidfile = dir.join(format!("{tag}.pid"));
        let sock = dir.join(format!("{tag}.sock"));
        let _ = fs::remove_file(&pidfile);
        run(Command::new(ovsdb_server)
            .arg("--detach")
            .arg("--no-chdir")
            .arg(format!("--pidfile={}", pidfile.display()))
            .arg(format!(
                "--log-file={}",
                dir.join(format!("{tag}.log")).display()
            ))
            .arg(format!(
                "--unixctl={}",
                dir.join(format!("{tag}.ctl")).display()
            ))
            .arg(format!("--remote=ptcp:{port}:127.0.0.1"))
            .arg(format!("--remote=punix:{}", sock.display()))
            .arg(db));
        let pid: i32 = fs::read_to_string(&pidfile)
            .expect("pidfile")
            .trim()
            .parse()
            .expect("pid");
        OvsdbServer {
            pid,
            remote: format!("tcp:127.0.0.1:{port}"),
            unix_remote: format!("unix:{}", sock.display()),
            port,
            dir: dir.to_path_buf(),
            db: db.to_path_buf(),
            tag: tag.to_string(),
        }
    }

    /// Starts a standalone server over a fresh database with [`SCHEMA`].
    pub fn standalone(dir: &Path) -> OvsdbServer {
        let schema = dir.join("schema.ovsschema");
        fs::write(&schema, SCHEMA).unwrap();
        let db = dir.join("standalone.db");
        run(Command::new(find_tool("ovsdb-tool").expect("ovsdb-tool"))
            .arg("create")
            .arg(&db)
            .arg(&schema));
        OvsdbServer::start(dir, "standalone", &db, 0)
    }

    /// Restarts a killed server on the same database and port.
    pub fn restart(&mut self) {
        let again = OvsdbServer::start(&self.dir, &self.tag, &self.db, self.port);
        self.pid = again.pid;
        std::mem::forget(again);
    }

    /// SIGKILLs the server (no clean shutdown) and reaps nothing: it was
    /// detached, so init reaps it.
    pub fn kill(&mut self) {
        if self.pid > 0 {
            let _ = Command::new("kill")
                .args(["-KILL", &self.pid.to_string()])
                .status();
            self.pid = 0;
        }
    }

    /// True while the server process exists.
    pub fn is_running(&self) -> bool {
        self.pid > 0 && Path::new(&format!("/proc/{}", self.pid)).exists()
    }
}

impl Drop for OvsdbServer {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A Raft cluster of ovsdb-servers on loopback over [`SCHEMA`].
pub struct Cluster {
    /// The members, in the order they were created.
    pub servers: Vec<OvsdbServer>,
}

impl Cluster {
    /// Creates and starts an `n`-member cluster in `dir`.
    pub fn start(dir: &Path, n: usize) -> Cluster {
        let tool = find_tool("ovsdb-tool").expect("ovsdb-tool");
        let schema = dir.join("schema.ovsschema");
        fs::write(&schema, SCHEMA).unwrap();
        let raft: Vec<String> = (0..n)
            .map(|_| format!("tcp:127.0.0.1:{}", free_port()))
            .collect();
        let dbs: Vec<PathBuf> = (0..n).map(|i| dir.join(format!("s{i}.db"))).collect();
        run(Command::new(&tool)
            .arg("create-cluster")
            .arg(&dbs[0])
            .arg(&schema)
            .arg(&raft[0]));
        for i in 1..n {
            run(Command::new(&tool)
                .arg("join-cluster")
                .arg(&dbs[i])
                .arg("demo")
                .arg(&raft[i])
                .arg(&raft[0]));
        }
        let servers: Vec<OvsdbServer> = (0..n)
            .map(|i| OvsdbServer::start(dir, &format!("s{i}"), &dbs[i], 0))
            .collect();
        // Wait (ovsdb-client blocks, no polling here) until every member has
        // joined and is connected to the cluster, so that killing one later
        // leaves a majority.
        let client = find_tool("ovsdb-client").expect("ovsdb-client");
        for sv in &servers {
            run(Command::new(&client)
                .arg("--timeout=60")
                .arg("wait")
                .arg(&sv.unix_remote)
                .arg("demo")
                .arg("connected"));
        }
        Cluster { servers }
    }

    /// The members' `tcp:` remotes.
    pub fn remotes(&self) -> Vec<String> {
        self.servers.iter().map(|s| s.remote.clone()).collect()
    }
}

/// An iptables rule on this machine's loopback traffic that drops packets
/// to or from one TCP port (a black-holed remote), removed on drop. Only
/// ever matches 127.0.0.1 and one port that the test chose.
pub struct DropRule {
    spec: Vec<String>,
}

impl DropRule {
    fn add(chain: &str, extra: &[&str]) -> Option<DropRule> {
        let iptables = require("iptables", "iptables")?;
        let mut spec: Vec<String> = vec![chain.into(), "-i".into(), "lo".into()];
        if chain == "OUTPUT" {
            spec[1] = "-o".into();
        }
        spec.extend(
            ["-p", "tcp", "-d", "127.0.0.1"]
                .iter()
                .map(|s| s.to_string()),
        );
        spec.extend(extra.iter().map(|s| s.to_string()));
        spec.extend(["-j", "DROP"].iter().map(|s| s.to_string()));
        let status = Command::new(&iptables)
            .arg("-w")
            .arg("-I")
            .args(&spec)
            .status()
            .expect("run iptables");
        if !status.success() {
            let msg = "iptables could not add a rule (needs root and netfilter)";
            if in_ci() {
                panic!("{msg}");
            }
            eprintln!("\n*** SKIPPED: {msg} ***\n");
            return None;
        }
        Some(DropRule { spec })
    }

    /// Drops SYNs to `port` on loopback: connects to it hang.
    pub fn syn_to(port: u16) -> Option<DropRule> {
        DropRule::add("INPUT", &["--dport", &port.to_string(), "--syn"])
    }

    /// Drops every packet to and from `port` on loopback: an established
    /// connection's peer vanishes without a word.
    pub fn all_of(port: u16) -> Option<(DropRule, DropRule)> {
        let a = DropRule::add("INPUT", &["--dport", &port.to_string()])?;
        let b = DropRule::add("INPUT", &["--sport", &port.to_string()])?;
        Some((a, b))
    }
}

impl Drop for DropRule {
    fn drop(&mut self) {
        if let Some(iptables) = find_tool("iptables") {
            let _ = Command::new(iptables)
                .arg("-w")
                .arg("-D")
                .args(&self.spec)
                .status();
        }
    }
}

/// The `transact` params that insert one row `{"n": n, "who": who}` into
/// [`SCHEMA`]'s `Item` table.
pub fn insert_params(n: i64, who: &str) -> ovsrpc::json::Json {
    let mut row = ovsrpc::json::Object::new();
    row.insert("n", n);
    row.insert("who", who);
    let mut op = ovsrpc::json::Object::new();
    op.insert("op", "insert");
    op.insert("table", "Item");
    op.insert("row", ovsrpc::json::Json::object(row));
    ovsrpc::json::Json::array(vec!["demo".into(), ovsrpc::json::Json::object(op)])
}

/// True for a reply whose result is a non-empty array none of whose
/// elements carries an `"error"` member (a `transact` whose every
/// operation succeeded; also any `echo` of a non-empty array of scalars).
pub fn reply_ok(reply: &ovsrpc::jsonrpc::Msg) -> bool {
    reply.msg_type == ovsrpc::jsonrpc::MsgType::Reply
        && reply
            .result
            .as_ref()
            .and_then(|r| r.as_array())
            .is_some_and(|ops| !ops.is_empty() && ops.iter().all(|op| op.get("error").is_none()))
}

/// Sends the request `make` builds and waits for a reply that
/// [`reply_ok`] accepts, building and sending a fresh one when the
/// connection it went out on is lost or the reply is an error (no leader
/// yet, say). Returns the reply, or `None` if `deadline` (monotonic ms)
/// passes first.
pub fn call_until_ok(
    s: &mut ovsrpc::jsonrpc::JsonrpcSession,
    make: impl Fn() -> ovsrpc::jsonrpc::Msg,
    deadline: i64,
) -> Option<ovsrpc::jsonrpc::Msg> {
    use ovsrpc::poll_loop;
    use ovsrpc::timeval::time_msec;
    // (id of the request in flight, seqno of the connection it went on)
    let mut pending: Option<(ovsrpc::json::Json, u32)> = None;
    loop {
        s.run();
        if pending
            .as_ref()
            .is_some_and(|(_, seqno)| *seqno != s.get_seqno())
        {
            pending = None; // Lost with the connection: send again.
        }
        if pending.is_none() && s.is_connected() {
            let req = make();
            pending = req.id.clone().map(|id| (id, s.get_seqno()));
            let _ = s.send(req);
        }
        while let Some(m) = s.recv() {
            if pending
                .as_ref()
                .is_some_and(|(id, _)| m.id.as_ref() == Some(id))
            {
                if reply_ok(&m) {
                    return Some(m);
                }
                pending = None;
            }
        }
        if time_msec() >= deadline {
            return None;
        }
        s.wait();
        s.recv_wait();
        if pending.is_none() && s.is_connected() {
            poll_loop::immediate_wake();
        }
        poll_loop::timer_wait_until(deadline);
        poll_loop::block();
    }
}

/// Runs `s` until it is connected on a connection other than the one
/// with `seqno`; false if `deadline` (monotonic ms) passes first.
pub fn wait_reconnected(
    s: &mut ovsrpc::jsonrpc::JsonrpcSession,
    seqno: u32,
    deadline: i64,
) -> bool {
    use ovsrpc::poll_loop;
    loop {
        s.run();
        while s.recv().is_some() {}
        if s.is_connected() && s.get_seqno() != seqno {
            return true;
        }
        if ovsrpc::timeval::time_msec() >= deadline {
            return false;
        }
        s.wait();
        s.recv_wait();
        poll_loop::timer_wait_until(deadline);
        poll_loop::block();
    }
}
