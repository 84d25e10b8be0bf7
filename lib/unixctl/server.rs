//! The unixctl server: a `punix:` listener, one JSON-RPC connection per
//! client, and the table of commands (OVS's `unixctl_server_*` and
//! `unixctl_command_*`).

use std::cell::RefCell;
use std::collections::{BTreeMap, VecDeque};
use std::fmt;
use std::path::{Path, PathBuf};
use std::rc::Rc;

use log::debug;

use crate::error::{Error, Result};
use crate::json::Json;
use crate::jsonrpc::{Jsonrpc, Msg, MsgType};
use crate::poll_loop;
use crate::stream::{abs_file_name, rundir_or, PStream};
use crate::vlog::levels as vlog_levels;
use crate::vlog::RateLimit;

/// Accept and warning reports (OVS: 5 a minute, bursts of 5).
static RL: RateLimit = RateLimit::new(5, 5);

/// A command's handler: called with the caller's context (the value passed
/// to [`UnixctlServer::run`]), the connection to answer and the arguments
/// (the command name not included).
pub type Handler<C> = Box<dyn FnMut(&mut C, UnixctlConn, &[String])>;

struct Command<C> {
    /// `None`: not shown by `list-commands`.
    usage: Option<String>,
    min_args: usize,
    max_args: usize,
    handler: Handler<C>,
}

/// A reply waiting to go out on its connection.
struct Outgoing {
    conn: u64,
    id: Json,
    success: bool,
    body: String,
}

type Outbox = Rc<RefCell<VecDeque<Outgoing>>>;

/// The request a handler was called for: answer it with
/// [`reply`](Self::reply) or [`reply_error`](Self::reply_error), during the
/// handler or later (OVS's `struct unixctl_conn` while a request is
/// active). Keep it to reply later: the connection reads no further
/// request until then. The reply goes out at the server's next
/// [`run`](UnixctlServer::run), or at once when given inside a handler.
///
/// Dropping it without replying answers with the error `"CMD" command
/// ended without a reply`, so that the client is not left waiting (OVS
/// would wait forever).
pub struct UnixctlConn {
    conn: u64,
    id: Option<Json>,
    command: String,
    outbox: Outbox,
}

impl fmt::Debug for UnixctlConn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnixctlConn")
            .field("conn", &self.conn)
            .field("command", &self.command)
            .finish()
    }
}

impl UnixctlConn {
    /// The command being answered.
    pub fn command(&self) -> &str {
        &self.command
    }

    /// Which connection of the server the request came on (unique for the
    /// server's lifetime).
    pub fn conn_id(&self) -> u64 {
        self.conn
    }

    /// Answers with success and `body` (OVS's `unixctl_command_reply`). A
    /// newline is added to a nonempty body that lacks one.
    pub fn reply(mut self, body: &str) {
        self.send(true, body);
    }

    /// Answers with an error and `body` (OVS's
    /// `unixctl_command_reply_error`); `ovs-appctl` prints it on stderr
    /// and exits with status 2.
    pub fn reply_error(mut self, body: &str) {
        self.send(false, body);
    }

    fn send(&mut self, success: bool, body: &str) {
        if let Some(id) = self.id.take() {
            self.outbox.borrow_mut().push_back(Outgoing {
                conn: self.conn,
                id,
                success,
                body: body.to_string(),
            });
            // A reply given outside a handler goes out at the next run.
            poll_loop::immediate_wake();
        }
    }
}

impl Drop for UnixctlConn {
    fn drop(&mut self) {
        if self.id.is_some() {
            let body = format!("\"{}\" command ended without a reply", self.command);
            self.send(false, &body);
        }
    }
}

struct Conn {
    id: u64,
    rpc: Jsonrpc,
    /// The id of the request being processed, if any: only one at a time.
    request_id: Option<Json>,
}

/// A unixctl server: listens on a Unix socket for `ovs-appctl` and other
/// unixctl clients and answers their commands (OVS's `struct
/// unixctl_server`).
///
/// `C` is the context handed to every handler: what the handlers need of
/// the program (a session, a table), passed to [`run`](Self::run) each
/// time, so that handlers borrow it only while they run.
///
/// In a main loop: [`run`](Self::run) (accepts connections, reads requests,
/// calls handlers, sends replies), then [`wait`](Self::wait) before
/// [`poll_loop::block`].
///
/// Built-in commands: `list-commands`, `version`, `vlog/set` and
/// `vlog/list` (see [`crate::vlog::levels`]), `vlog/enable-rate-limit` and
/// `vlog/disable-rate-limit` (process-wide: see
/// [`crate::vlog::set_rate_limits`]).
pub struct UnixctlServer<C = ()> {
    listener: PStream,
    path: PathBuf,
    conns: Vec<Conn>,
    next_conn: u64,
    commands: BTreeMap<String, Command<C>>,
    outbox: Outbox,
    version: String,
}

impl<C> fmt::Debug for UnixctlServer<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnixctlServer")
            .field("path", &self.path)
            .field("conns", &self.conns.len())
            .field("commands", &self.commands.keys().collect::<Vec<_>>())
            .finish()
    }
}

/// The program's name as OVS's `program_name`: the base name of `argv[0]`
/// (with libtool's `lt-` prefix removed).
pub fn program_name() -> String {
    let arg0 = std::env::args_os().next().unwrap_or_default();
    let base = Path::new(&arg0)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    match base.strip_prefix("lt-") {
        Some(rest) => rest.to_string(),
        None => base,
    }
}

/// OVS's default control socket path: `RUNDIR/PROGRAM.PID.ctl`, with
/// [`rundir_or`]`(default_rundir)` and [`program_name`].
pub fn default_path(default_rundir: &Path) -> PathBuf {
    rundir_or(default_rundir).join(format!("{}.{}.ctl", program_name(), std::process::id()))
}

impl<C: 'static> UnixctlServer<C> {
    /// Creates a server listening on `path` (OVS's
    /// `unixctl_server_create`): `None` for OVS's default path
    /// ([`default_path`] under `/var/run/openvswitch` unless `OVS_RUNDIR`
    /// is set), or a path, relative to the run directory unless absolute.
    /// An existing socket file there is replaced.
    ///
    /// Errors: the listener's (logged as OVS does: `PATH: could not
    /// initialize control socket`).
    pub fn create(path: Option<&str>) -> Result<UnixctlServer<C>> {
        Self::create_in(Path::new("/var/run/openvswitch"), path)
    }

    /// As [`create`](Self::create), with `default_rundir` as the run
    /// directory when `OVS_RUNDIR` is not set.
    pub fn create_in(default_rundir: &Path, path: Option<&str>) -> Result<UnixctlServer<C>> {
        let abs_path = match path {
            Some(p) => abs_file_name(&rundir_or(default_rundir), p),
            None => default_path(default_rundir),
        };
        let listener = match PStream::open(&format!("punix:{}", abs_path.display()), 0) {
            Ok(l) => l,
            Err(e) => {
                let e = Error::from(e);
                log::error!(
                    "{}: could not initialize control socket ({})",
                    abs_path.display(),
                    e
                );
                return Err(e);
            }
        };
        let mut server = UnixctlServer {
            listener,
            path: abs_path,
            conns: Vec::new(),
            next_conn: 0,
            commands: BTreeMap::new(),
            outbox: Rc::default(),
            version: format!("{} (ovsrpc) {}", program_name(), env!("CARGO_PKG_VERSION")),
        };
        server.register_builtins();
        Ok(server)
    }

    fn register_builtins(&mut self) {
        self.register("list-commands", "", 0, 0, |_, _, _| {
            // Answered by the server itself: it owns the table.
        });
        self.register("version", "", 0, 0, |_, _, _| {});
        self.register(
            "vlog/set",
            "{spec | PATTERN:destination:pattern}",
            0,
            usize::MAX,
            |_, conn, args| vlog_set(conn, args),
        );
        self.register("vlog/list", "", 0, 0, |_, conn, _| {
            conn.reply(&vlog_levels::get_levels())
        });
        self.register(
            "vlog/enable-rate-limit",
            "[module]...",
            0,
            usize::MAX,
            |_, conn, args| vlog_rate_limit(conn, args, true),
        );
        self.register(
            "vlog/disable-rate-limit",
            "[module]...",
            0,
            usize::MAX,
            |_, conn, args| vlog_rate_limit(conn, args, false),
        );
    }

    /// Registers command `name` (OVS's `unixctl_command_register`):
    /// `usage` describes its arguments for `list-commands`; a request
    /// with fewer than `min_args` or more than `max_args` arguments is
    /// refused with OVS's error text, otherwise `handler` is called. As in
    /// OVS, a second registration of a name is ignored (returns false).
    pub fn register(
        &mut self,
        name: &str,
        usage: &str,
        min_args: usize,
        max_args: usize,
        handler: impl FnMut(&mut C, UnixctlConn, &[String]) + 'static,
    ) -> bool {
        self.register_boxed(name, Some(usage), min_args, max_args, Box::new(handler))
    }

    /// As [`register`](Self::register), with `usage` `None` for a command
    /// that `list-commands` does not show (OVS's NULL usage).
    pub fn register_boxed(
        &mut self,
        name: &str,
        usage: Option<&str>,
        min_args: usize,
        max_args: usize,
        handler: Handler<C>,
    ) -> bool {
        if self.commands.contains_key(name) {
            return false;
        }
        self.commands.insert(
            name.to_string(),
            Command {
                usage: usage.map(str::to_string),
                min_args,
                max_args,
                handler,
            },
        );
        true
    }

    /// Removes command `name` (beyond OVS, which never removes one); the
    /// built-in `list-commands` and `version` stay. Returns true if it was
    /// registered.
    pub fn unregister(&mut self, name: &str) -> bool {
        if name == "list-commands" || name == "version" {
            return false;
        }
        self.commands.remove(name).is_some()
    }

    /// True if a command named `name` is registered.
    pub fn is_registered(&self, name: &str) -> bool {
        self.commands.contains_key(name)
    }

    /// Sets what `version` replies (by default `PROGRAM (ovsrpc)
    /// VERSION`, in the form of OVS's `ovs_get_program_version`).
    pub fn set_version(&mut self, version: &str) {
        self.version = version.to_string();
    }

    /// The socket's absolute path (OVS's `unixctl_server_get_path`).
    pub fn get_path(&self) -> &Path {
        &self.path
    }

    /// Number of client connections open now.
    pub fn n_conns(&self) -> usize {
        self.conns.len()
    }

    /// True if connection `conn_id` (see [`UnixctlConn::conn_id`]) is
    /// still open.
    pub fn has_conn(&self, conn_id: u64) -> bool {
        self.conns.iter().any(|c| c.id == conn_id)
    }

    /// Accepts new connections, sends replies given since the last call,
    /// reads requests and calls their handlers with `ctx` (OVS's
    /// `unixctl_server_run`). Never blocks.
    pub fn run(&mut self, ctx: &mut C) {
        for _ in 0..10 {
            match self.listener.accept() {
                Ok(stream) => {
                    let id = self.next_conn;
                    self.next_conn += 1;
                    self.conns.push(Conn {
                        id,
                        rpc: Jsonrpc::open(stream),
                        request_id: None,
                    });
                }
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break,
                Err(e) => {
                    crate::warn_rl!(
                        RL,
                        "{}: accept failed: {}",
                        self.listener.name(),
                        Error::from(e)
                    );
                    break;
                }
            }
        }
        self.flush_outbox();
        let mut i = 0;
        while i < self.conns.len() {
            match self.run_connection(i, ctx) {
                Ok(()) => i += 1,
                Err(_) => {
                    self.conns.remove(i);
                }
            }
        }
        self.flush_outbox();
    }

    /// Registers with the poll loop what [`run`](Self::run) waits for
    /// (OVS's `unixctl_server_wait`).
    pub fn wait(&self) {
        self.listener.wait();
        for conn in &self.conns {
            conn.rpc.wait();
            if conn.rpc.get_backlog() == 0 && conn.request_id.is_none() {
                conn.rpc.recv_wait();
            }
        }
        if !self.outbox.borrow().is_empty() {
            poll_loop::immediate_wake();
        }
    }

    /// Sends every reply in the outbox on its connection, if still open.
    fn flush_outbox(&mut self) {
        loop {
            let Some(out) = self.outbox.borrow_mut().pop_front() else {
                return;
            };
            let Some(conn) = self.conns.iter_mut().find(|c| c.id == out.conn) else {
                continue;
            };
            if conn.request_id.as_ref() != Some(&out.id) {
                continue;
            }
            conn.request_id = None;
            let body = if !out.body.is_empty() && !out.body.ends_with('\n') {
                format!("{}\n", out.body)
            } else {
                out.body
            };
            if log::log_enabled!(log::Level::Debug) {
                debug!(
                    "replying with {}, id={}: \"{}\"",
                    if out.success { "success" } else { "error" },
                    out.id,
                    body.strip_suffix('\n').unwrap_or(&body)
                );
            }
            let reply = if out.success {
                Msg::create_reply(Json::from(body.as_str()), &out.id)
            } else {
                Msg::create_error(Json::from(body.as_str()), &out.id)
            };
            // A send error shows in the connection's status, which the
            // next run looks at.
            let _ = conn.rpc.send(reply);
        }
    }

    fn run_connection(&mut self, i: usize, ctx: &mut C) -> Result<()> {
        let conn = &mut self.conns[i];
        conn.rpc.run();
        status(&conn.rpc)?;
        if conn.rpc.get_backlog() > 0 {
            return Ok(());
        }
        for _ in 0..10 {
            let conn = &mut self.conns[i];
            if conn.request_id.is_some() {
                break;
            }
            match conn.rpc.recv() {
                Ok(msg) if msg.msg_type == MsgType::Request => {
                    self.process_command(i, msg, ctx);
                    self.flush_outbox();
                }
                Ok(msg) => {
                    crate::warn_rl!(
                        RL,
                        "{}: received unexpected {} message",
                        conn.rpc.get_name(),
                        msg.msg_type
                    );
                    return Err(Error::EINVAL);
                }
                Err(e) if e.is_again() => break,
                Err(e) => return Err(e),
            }
            status(&self.conns[i].rpc)?;
        }
        Ok(())
    }

    fn process_command(&mut self, i: usize, request: Msg, ctx: &mut C) {
        let conn = &mut self.conns[i];
        let id = request.id.clone().unwrap_or(Json::Null);
        conn.request_id = Some(id.clone());
        let method = request.method.clone().unwrap_or_default();
        let params: &[Json] = request
            .params
            .as_ref()
            .and_then(Json::as_array)
            .unwrap_or(&[]);
        if log::log_enabled!(log::Level::Debug) {
            let shown = request.params.clone().unwrap_or(Json::array(Vec::new()));
            debug!("received request {method}{shown}, id={id}");
        }
        let token = UnixctlConn {
            conn: conn.id,
            id: Some(id),
            command: method.clone(),
            outbox: self.outbox.clone(),
        };
        let n = params.len();
        let refused = match self.commands.get(&method) {
            None => Some(format!(
                "\"{method}\" is not a valid command (use \"list-commands\" to see a list of valid commands)"
            )),
            Some(c) if n < c.min_args => Some(format!(
                "\"{method}\" command requires at least {} arguments",
                c.min_args
            )),
            Some(c) if n > c.max_args => Some(format!(
                "\"{method}\" command takes at most {} arguments",
                c.max_args
            )),
            Some(_) if params.iter().any(|p| p.as_str().is_none()) => {
                Some(format!("\"{method}\" command has non-string argument"))
            }
            Some(_) => None,
        };
        if let Some(error) = refused {
            token.reply_error(&error);
            return;
        }
        let args: Vec<String> = params
            .iter()
            .filter_map(|p| p.as_str().map(str::to_string))
            .collect();
        match method.as_str() {
            "list-commands" => token.reply(&self.list_commands()),
            "version" => token.reply(&self.version),
            _ => {
                if let Some(command) = self.commands.get_mut(&method) {
                    (command.handler)(ctx, token, &args);
                }
            }
        }
    }

    fn list_commands(&self) -> String {
        let mut s = String::from("The available commands are:\n");
        for (name, command) in &self.commands {
            if let Some(usage) = &command.usage {
                s.push_str(&format!("  {name:<23} {usage}\n"));
            }
        }
        s
    }
}

fn status(rpc: &Jsonrpc) -> Result<()> {
    match rpc.get_status() {
        0 => Ok(()),
        e => Err(Error::from_errno(e)),
    }
}

/// `vlog/enable-rate-limit` and `vlog/disable-rate-limit`: rate limits
/// ([`crate::vlog::RateLimit`]) are switched for the whole process, so the
/// only module accepted is `ANY` (no argument means the same).
fn vlog_rate_limit(conn: UnixctlConn, args: &[String], enable: bool) {
    if let Some(module) = args.iter().find(|a| !a.eq_ignore_ascii_case("ANY")) {
        conn.reply_error(&format!(
            "rate limiting applies to every module at once: \"{module}\" alone cannot be changed (use ANY or no argument)"
        ));
        return;
    }
    crate::vlog::set_rate_limits(enable);
    conn.reply("");
}

/// `vlog/set`: with no argument every module to `dbg`, else each argument
/// a spec (OVS's `vlog_unixctl_set`).
fn vlog_set(conn: UnixctlConn, args: &[String]) {
    if !vlog_levels::is_installed() {
        conn.reply_error(
            "log levels are not under vlog control (the program did not install ovsrpc::vlog::init)",
        );
        return;
    }
    if args.is_empty() {
        vlog_levels::set_all_levels(log::LevelFilter::Debug);
    }
    for spec in args {
        if let Err(msg) = vlog_levels::set_levels_from_string(spec) {
            conn.reply_error(&msg);
            return;
        }
    }
    conn.reply("");
}

impl<C> Drop for UnixctlServer<C> {
    /// Closes every connection and the listener, and removes the socket
    /// file (as OVS's `unixctl_server_destroy`).
    fn drop(&mut self) {
        self.conns.clear();
        let _ = std::fs::remove_file(&self.path);
    }
}
