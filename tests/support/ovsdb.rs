//! Real OVSDB peers from Debian's `openvswitch-common` (ovsdb-server,
//! ovsdb-tool, ovsdb-client): one server or a Raft cluster on loopback,
//! iptables rules that black-hole a loopback port, and clients of them.

pub mod cs;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use super::{drive_until, find_tool, free_port, require, skip};

/// The small schema used by the OVSDB tests: one table of items.
pub const SCHEMA: &str = r#"{"name": "demo", "version": "1.0.0",
 "tables": {"Item": {"columns": {"n": {"type": "integer"},
                                 "who": {"type": "string"}}}}}"#;

/// True if every one of `tools` (from Debian's `openvswitch-common`:
/// ovsdb-server, ovsdb-tool, ovsdb-client, ovs-appctl) is installed; a
/// missing one is skipped or failed as [`require`] says.
pub fn ovs_tools(tools: &[&str]) -> bool {
    tools
        .iter()
        .all(|tool| require(tool, "openvswitch-common").is_some())
}

fn run(cmd: &mut Command) {
    super::process::Process::run_ok(cmd);
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
        OvsdbServer::start_as(dir, tag, db, port, None)
    }

    /// [`start`](Self::start), under group `gid` (through `setpriv`) when
    /// given.
    pub fn start_as(dir: &Path, tag: &str, db: &Path, port: u16, gid: Option<u32>) -> OvsdbServer {
        let port = if port == 0 { free_port() } else { port };
        let sock = dir.join(format!("{tag}.sock"));
        let mut server = OvsdbServer::launch(
            dir,
            tag,
            db,
            &[
                format!("--remote=ptcp:{port}:127.0.0.1"),
                format!("--remote=punix:{}", sock.display()),
            ],
            gid,
        );
        server.remote = format!("tcp:127.0.0.1:{port}");
        server.unix_remote = format!("unix:{}", sock.display());
        server.port = port;
        server
    }

    /// Starts ovsdb-server on `db` with its files (pidfile, log, control
    /// socket) in `dir` named after `tag`, and `args` (remotes, TLS
    /// options, ...); the remote fields are left empty for the caller.
    pub fn start_with(dir: &Path, tag: &str, db: &Path, args: &[String]) -> OvsdbServer {
        OvsdbServer::launch(dir, tag, db, args, None)
    }

    /// [`start_with`](Self::start_with), under group `gid` when given.
    fn launch(dir: &Path, tag: &str, db: &Path, args: &[String], gid: Option<u32>) -> OvsdbServer {
        let ovsdb_server = find_tool("ovsdb-server").expect("ovsdb-server");
        let mut cmd = match gid {
            None => Command::new(ovsdb_server),
            Some(gid) => {
                let mut setpriv = Command::new(find_tool("setpriv").expect("setpriv (util-linux)"));
                setpriv
                    .arg(format!("--regid={gid}"))
                    .arg("--clear-groups")
                    .arg(ovsdb_server);
                setpriv
            }
        };
        let pidfile = dir.join(format!("{tag}.pid"));
        let _ = fs::remove_file(&pidfile);
        run(cmd
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
            .args(args)
            .arg(db));
        let pid: i32 = fs::read_to_string(&pidfile)
            .expect("pidfile")
            .trim()
            .parse()
            .expect("pid");
        OvsdbServer {
            pid,
            remote: String::new(),
            unix_remote: String::new(),
            port: 0,
            dir: dir.to_path_buf(),
            db: db.to_path_buf(),
            tag: tag.to_string(),
        }
    }

    /// What the server has logged so far (its `--log-file`).
    pub fn log_text(&self) -> String {
        fs::read_to_string(self.dir.join(format!("{}.log", self.tag))).unwrap_or_default()
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
            super::process::signal(self.pid, "KILL");
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

/// Creates the database files of an `n`-member Raft cluster of database
/// "demo" with `schema` (written to `dir/cluster.ovsschema`) in `dir`
/// (`PREFIX0.db`, `PREFIX1.db`, ...; member 0
/// creates the cluster, the others join it), each member's Raft address on
/// a free loopback port. Returns the Raft ports and the files.
pub fn create_cluster_dbs(
    dir: &Path,
    n: usize,
    schema: &str,
    prefix: &str,
) -> (Vec<u16>, Vec<PathBuf>) {
    let tool = find_tool("ovsdb-tool").expect("ovsdb-tool");
    let schema_file = dir.join("cluster.ovsschema");
    fs::write(&schema_file, schema).unwrap();
    let ports: Vec<u16> = (0..n).map(|_| free_port()).collect();
    let raft: Vec<String> = ports.iter().map(|p| format!("tcp:127.0.0.1:{p}")).collect();
    let dbs: Vec<PathBuf> = (0..n)
        .map(|i| dir.join(format!("{prefix}{i}.db")))
        .collect();
    run(Command::new(&tool)
        .arg("create-cluster")
        .arg(&dbs[0])
        .arg(&schema_file)
        .arg(&raft[0]));
    for i in 1..n {
        run(Command::new(&tool)
            .arg("join-cluster")
            .arg(&dbs[i])
            .arg("demo")
            .arg(&raft[i])
            .arg(&raft[0]));
    }
    (ports, dbs)
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
            skip("iptables could not add a rule (needs root and netfilter)");
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

/// The operation that inserts one row `{"n": n, "who": who}` into
/// [`SCHEMA`]'s `Item` table.
pub fn insert_op(n: i64, who: &str) -> ovsrpc::json::Json {
    let mut row = ovsrpc::json::Object::new();
    row.insert("n", n);
    row.insert("who", who);
    let mut op = ovsrpc::json::Object::new();
    op.insert("op", "insert");
    op.insert("table", "Item");
    op.insert("row", ovsrpc::json::Json::object(row));
    ovsrpc::json::Json::object(op)
}

/// The `transact` params of database `demo` with [`insert_op`].
pub fn insert_params(n: i64, who: &str) -> ovsrpc::json::Json {
    ovsrpc::json::Json::array(vec!["demo".into(), insert_op(n, who)])
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
    // (id of the request in flight, seqno of the connection it went on)
    let mut pending: Option<(ovsrpc::json::Json, u32)> = None;
    let mut reply = None;
    drive_until(deadline, || {
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
                    reply = Some(m);
                    return true;
                }
                pending = None;
            }
        }
        s.wait();
        s.recv_wait();
        if pending.is_none() && s.is_connected() {
            ovsrpc::poll_loop::immediate_wake();
        }
        false
    });
    reply
}

/// Runs `s` until it is connected on a connection other than the one
/// with `seqno`; false if `deadline` (monotonic ms) passes first.
pub fn wait_reconnected(
    s: &mut ovsrpc::jsonrpc::JsonrpcSession,
    seqno: u32,
    deadline: i64,
) -> bool {
    drive_until(deadline, || {
        s.run();
        while s.recv().is_some() {}
        if s.is_connected() && s.get_seqno() != seqno {
            return true;
        }
        s.wait();
        s.recv_wait();
        false
    })
}
