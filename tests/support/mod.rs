//! Shared helpers for the integration tests: temporary directories and the
//! real OVSDB peers from Debian's `openvswitch-common` (ovsdb-server,
//! ovsdb-tool, ovsdb-client) and `python3-openvswitch`.
//!
//! A test that needs a peer calls [`require`]: under `CI=true` a missing
//! peer is a failure; elsewhere the test is skipped with a loud message.
#![allow(dead_code)]

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
        let servers = (0..n)
            .map(|i| OvsdbServer::start(dir, &format!("s{i}"), &dbs[i], 0))
            .collect();
        Cluster { servers }
    }

    /// The members' `tcp:` remotes.
    pub fn remotes(&self) -> Vec<String> {
        self.servers.iter().map(|s| s.remote.clone()).collect()
    }
}
