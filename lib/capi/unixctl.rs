//! `unixctl.h`: the control socket that `ovs-appctl` talks to (`struct
//! unixctl_server`, `struct unixctl_conn`) and its client.
//!
//! As in OVS, commands are registered process-wide with
//! `unixctl_command_register()`, before or after a server is created;
//! every server answers all of them (each picks up new registrations at
//! its next `unixctl_server_run()`). A callback answers through the
//! `struct unixctl_conn *` it is given, at once or later: the pointer
//! stays valid until the connection closes, as in OVS.
//!
//! The built-in `vlog/*` commands (the library's Rust log levels) give way
//! to commands of the same names registered from C, such as those of OVS's
//! own vlog module when OVS's objects are linked with the library.

use std::collections::HashMap;
use std::ffi::{c_char, c_int, c_void, CString};
use std::path::Path;
use std::ptr;
use std::sync::Mutex;

use super::json::{json_array_create, json_string, json_string_create};
use super::json_node::{json, json_type};
use super::jsonrpc::{jsonrpc, jsonrpc_get_name, jsonrpc_open, jsonrpc_transact_block};
use super::jsonrpc_msg::{jsonrpc_create_request, jsonrpc_msg, jsonrpc_msg_destroy};
use super::stream::stream;
use super::{boundary, c_str, c_string, malloc_string, obj, obj_mut, put, xmalloc};
use crate::stream::{abs_file_name, rundir, Stream};
use crate::unixctl::{UnixctlConn, UnixctlServer};

/// A command callback (OVS's `unixctl_cb_func`): `argv[0]` is the command
/// name, `argv[1]` to `argv[argc - 1]` its arguments; the strings last
/// until the callback returns. The header declares it as OVS does, a
/// function type.
pub type unixctl_cb_func = unsafe extern "C" fn(
    conn: *mut unixctl_conn,
    argc: c_int,
    argv: *const *const c_char,
    aux: *mut c_void,
);

/// A nullable [`unixctl_cb_func`], as `unixctl_command_register()` takes
/// it (the header says `unixctl_cb_func *`).
pub type unixctl_cb_func_ptr = Option<unixctl_cb_func>;

/// One registration of `unixctl_command_register()`.
struct Registration {
    name: String,
    usage: Option<String>,
    min_args: usize,
    max_args: usize,
    cb: unixctl_cb_func,
    /// The `aux` pointer, kept as a number: only C dereferences it.
    aux: usize,
}

/// Every command registered from C, in registration order.
static COMMANDS: Mutex<Vec<Registration>> = Mutex::new(Vec::new());

/// A connection with a request being processed, as the callbacks see it
/// (opaque).
pub struct unixctl_conn {
    /// The request to answer; `None` once answered.
    pending: Option<UnixctlConn>,
}

/// The connections the callbacks have seen, by connection id: each keeps
/// its `struct unixctl_conn` at one address while it is open.
#[derive(Default)]
struct Conns {
    conns: HashMap<u64, Box<unixctl_conn>>,
}

/// A unixctl server (opaque).
pub struct unixctl_server {
    inner: UnixctlServer<Conns>,
    conns: Conns,
    /// How many of [`COMMANDS`] the server has registered.
    n_synced: usize,
    /// The socket's path, for `unixctl_server_get_path()`.
    path: CString,
}

impl unixctl_server {
    /// Registers with the server the commands registered from C since the
    /// last call.
    fn sync_commands(&mut self) {
        let commands = COMMANDS.lock().unwrap_or_else(|e| e.into_inner());
        for r in &commands[self.n_synced..] {
            let (cb, aux) = (r.cb, r.aux);
            let name = r.name.clone();
            let handler = move |ctx: &mut Conns, conn: UnixctlConn, args: &[String]| {
                let slot = ctx
                    .conns
                    .entry(conn.conn_id())
                    .or_insert_with(|| Box::new(unixctl_conn { pending: None }));
                slot.pending = Some(conn);
                let slot: *mut unixctl_conn = &mut **slot;
                let argv: Vec<CString> = std::iter::once(name.as_str())
                    .chain(args.iter().map(String::as_str))
                    .map(c_string)
                    .collect();
                let mut argv_ptrs: Vec<*const c_char> = argv.iter().map(|a| a.as_ptr()).collect();
                argv_ptrs.push(ptr::null());
                // SAFETY: the callback was registered by C for exactly this
                // call: a live conn, argc strings and a NULL after them,
                // valid until it returns, and the aux pointer it gave.
                unsafe {
                    cb(
                        slot,
                        argv.len() as c_int,
                        argv_ptrs.as_ptr(),
                        aux as *mut c_void,
                    )
                };
            };
            // A C program's own vlog (OVS's vlog.c registers vlog/set and
            // the others) governs its logging: its commands replace the
            // built-in ones, which govern only the library's Rust logs.
            if r.name.starts_with("vlog/") {
                self.inner.unregister(&r.name);
            }
            self.inner.register_boxed(
                &r.name,
                r.usage.as_deref(),
                r.min_args,
                r.max_args,
                Box::new(handler),
            );
        }
        self.n_synced = commands.len();
    }
}

/// Registers a command named `name` for every unixctl server of the
/// process, present and future: `usage` describes its arguments for
/// `list-commands` (NULL hides the command there); a request with fewer
/// than `min_args` or more than `max_args` arguments is refused with OVS's
/// error text; otherwise `cb` is called with `aux`. A second registration
/// of a name is ignored, as in OVS.
#[no_mangle]
pub unsafe extern "C" fn unixctl_command_register(
    name: *const c_char,
    usage: *const c_char,
    min_args: c_int,
    max_args: c_int,
    cb: unixctl_cb_func_ptr,
    aux: *mut c_void,
) {
    boundary("unixctl_command_register", || {
        // SAFETY: the caller passes C strings (usage may be NULL).
        let name = unsafe { c_str(name) }.expect("unixctl_command_register: null name");
        let usage = unsafe { c_str(usage) }.map(|u| u.into_owned());
        let cb = cb.expect("unixctl_command_register: null callback");
        let mut commands = COMMANDS.lock().unwrap_or_else(|e| e.into_inner());
        if commands.iter().any(|r| r.name == name) {
            return;
        }
        commands.push(Registration {
            name: name.into_owned(),
            usage,
            min_args: usize::try_from(min_args).unwrap_or(0),
            max_args: usize::try_from(max_args).unwrap_or(0),
            cb,
            aux: aux as usize,
        });
    })
}

/// Answers `conn`'s request, successfully, with `body` (NULL: empty);
/// a newline is added to a nonempty body that lacks one.
#[no_mangle]
pub unsafe extern "C" fn unixctl_command_reply(conn: *mut unixctl_conn, body: *const c_char) {
    // SAFETY: the caller passes a live connection and a C string or NULL.
    unsafe { reply("unixctl_command_reply", conn, body, true) }
}

/// Answers `conn`'s request with the error `error` (NULL: empty), which
/// `ovs-appctl` prints on stderr before exiting with status 2.
#[no_mangle]
pub unsafe extern "C" fn unixctl_command_reply_error(
    conn: *mut unixctl_conn,
    error: *const c_char,
) {
    // SAFETY: the caller passes a live connection and a C string or NULL.
    unsafe { reply("unixctl_command_reply_error", conn, error, false) }
}

/// # Safety
///
/// `conn` is a live connection; `body` is NULL or a C string.
unsafe fn reply(func: &'static str, conn: *mut unixctl_conn, body: *const c_char, ok: bool) {
    boundary(func, || {
        // SAFETY: the caller passes a live connection and a string or NULL.
        let conn = unsafe { obj_mut(conn) };
        let body = unsafe { c_str(body) }.unwrap_or_default();
        let pending = conn
            .pending
            .take()
            .expect("reply to a connection with no request being processed");
        if ok {
            pending.reply(&body);
        } else {
            pending.reply_error(&body);
        }
    })
}

/// Creates a unixctl server listening on `path` and stores it in
/// `*serverp`: NULL for OVS's default, `RUNDIR/PROGRAM.PID.ctl` (RUNDIR is
/// `OVS_RUNDIR`, else /var/run/openvswitch); `"none"` for no server (0
/// returned, `*serverp` NULL); otherwise a path, relative to RUNDIR unless
/// absolute. Returns 0 or a positive errno (then `*serverp` is NULL).
#[no_mangle]
pub unsafe extern "C" fn unixctl_server_create(
    path: *const c_char,
    serverp: *mut *mut unixctl_server,
) -> c_int {
    boundary("unixctl_server_create", || {
        // SAFETY: the out-parameter is valid for writes (or NULL).
        unsafe { put(serverp, ptr::null_mut()) };
        // SAFETY: the caller passes a C string or NULL.
        let path = unsafe { c_str(path) };
        if path.as_deref() == Some("none") {
            return 0;
        }
        match UnixctlServer::<Conns>::create(path.as_deref()) {
            Ok(inner) => {
                let path = c_string(&inner.get_path().to_string_lossy());
                let mut server = Box::new(unixctl_server {
                    inner,
                    conns: Conns::default(),
                    n_synced: 0,
                    path,
                });
                server.sync_commands();
                // SAFETY: as above.
                unsafe { put(serverp, Box::into_raw(server)) };
                0
            }
            Err(e) => {
                let path = path.as_deref().unwrap_or("(default)");
                eprintln!("{path}: could not initialize control socket ({e})");
                e.errno()
            }
        }
    })
}

/// Accepts connections, reads requests and calls the callbacks. NULL is
/// fine (a server created with "none").
#[no_mangle]
pub unsafe extern "C" fn unixctl_server_run(server: *mut unixctl_server) {
    boundary("unixctl_server_run", || {
        if server.is_null() {
            return;
        }
        // SAFETY: the caller passes a live server.
        let server = unsafe { obj_mut(server) };
        server.sync_commands();
        server.inner.run(&mut server.conns);
        let inner = &server.inner;
        server.conns.conns.retain(|id, _| inner.has_conn(*id));
    })
}

/// Makes the next `poll_block()` wake when the server has work. NULL is
/// fine.
#[no_mangle]
pub unsafe extern "C" fn unixctl_server_wait(server: *mut unixctl_server) {
    boundary("unixctl_server_wait", || {
        if !server.is_null() {
            // SAFETY: the caller passes a live server.
            unsafe { obj(server) }.inner.wait();
        }
    })
}

/// Closes every connection and the listener, removes the socket file and
/// frees `server`. NULL is fine.
#[no_mangle]
pub unsafe extern "C" fn unixctl_server_destroy(server: *mut unixctl_server) {
    boundary("unixctl_server_destroy", || {
        if !server.is_null() {
            // SAFETY: the caller gives up a live server.
            drop(unsafe { Box::from_raw(server) });
        }
    })
}

/// The absolute path of the server's socket, owned by the server; NULL
/// for a NULL server.
#[no_mangle]
pub unsafe extern "C" fn unixctl_server_get_path(server: *const unixctl_server) -> *const c_char {
    boundary("unixctl_server_get_path", || {
        if server.is_null() {
            ptr::null()
        } else {
            // SAFETY: the caller passes a live server.
            unsafe { obj(server) }.path.as_ptr()
        }
    })
}

/// Connects to the unixctl socket at `path` (relative to RUNDIR unless
/// absolute), waiting until connected, and stores the connection in
/// `*client` (close it with `jsonrpc_close()`). Returns 0 or a positive
/// errno (then `*client` is NULL).
#[no_mangle]
pub unsafe extern "C" fn unixctl_client_create(
    path: *const c_char,
    client: *mut *mut jsonrpc,
) -> c_int {
    boundary("unixctl_client_create", || {
        // SAFETY: the out-parameter is valid for writes (or NULL).
        unsafe { put(client, ptr::null_mut()) };
        // SAFETY: the caller passes a C string.
        let path = unsafe { c_str(path) }.expect("unixctl_client_create: null path");
        let abs = abs_file_name(&rundir(), &path);
        match connect(&abs) {
            Ok(s) => {
                // SAFETY: a new stream, handed over.
                let rpc = unsafe { jsonrpc_open(stream::into_raw(s)) };
                // SAFETY: as above.
                unsafe { put(client, rpc) };
                0
            }
            Err(e) => {
                log::warn!("failed to connect to {path}");
                crate::Error::from(e).errno()
            }
        }
    })
}

fn connect(path: &Path) -> std::io::Result<Stream> {
    let name = format!("unix:{}", path.display());
    Stream::open_block(Stream::open(&name, 0), -1)
}

/// Runs `command` with the `argc` arguments in `argv` on the server at the
/// other end of `client` and waits for the answer. On success stores in
/// `*result` the reply's text, or in `*error` the error reply's text (the
/// other NULL; free them with `free()`) and returns 0; otherwise returns a
/// positive errno (`EINVAL` for a reply that is not text) with both NULL.
#[no_mangle]
pub unsafe extern "C" fn unixctl_client_transact(
    client: *mut jsonrpc,
    command: *const c_char,
    argc: c_int,
    argv: *mut *mut c_char,
    result: *mut *mut c_char,
    error: *mut *mut c_char,
) -> c_int {
    boundary("unixctl_client_transact", || {
        // SAFETY: the out-parameters are valid for writes (or NULL).
        unsafe {
            put(result, ptr::null_mut());
            put(error, ptr::null_mut());
        }
        let n = usize::try_from(argc).unwrap_or(0);
        let elems = xmalloc(n * std::mem::size_of::<*mut json>()) as *mut *mut json;
        for i in 0..n {
            // SAFETY: the caller passes `argc` C strings in `argv`; `elems`
            // has room for `n` pointers.
            unsafe { elems.add(i).write(json_string_create(*argv.add(i))) };
        }
        // SAFETY: the array takes over `elems` and its `n` nodes; the
        // request takes over the array.
        let request = unsafe {
            let params = json_array_create(elems, n);
            jsonrpc_create_request(command, params, ptr::null_mut())
        };
        let mut reply: *mut jsonrpc_msg = ptr::null_mut();
        // SAFETY: a live connection; the request is handed over.
        let status = unsafe { jsonrpc_transact_block(client, request, &mut reply) };
        // SAFETY: the connection's name lives as long as it does.
        let name = unsafe { c_str(jsonrpc_get_name(client)) }
            .unwrap_or_default()
            .into_owned();
        if status != 0 {
            log::warn!(
                "error communicating with {name}: {}",
                crate::error::retval_to_string(status)
            );
            return status;
        }
        // SAFETY: a reply was received and is ours to read and free.
        let (value, what, out) = unsafe {
            let r = &*reply;
            if !r.error.is_null() {
                (r.error, "error", error)
            } else {
                (r.result, "result", result)
            }
        };
        let mut status = 0;
        if !value.is_null() {
            // SAFETY: a live node of the reply.
            let node = unsafe { &*value };
            if node.type_ == json_type::JSON_STRING as c_int {
                // SAFETY: a string node; the copy is the caller's to free.
                let text = unsafe { c_str(json_string(value)) }.unwrap_or_default();
                unsafe { put(out, malloc_string(&text)) };
            } else {
                log::warn!("{name}: unexpected {what} type in JSON RPC reply");
                status = libc::EINVAL;
            }
        }
        // SAFETY: the reply is ours.
        unsafe { jsonrpc_msg_destroy(reply) };
        status
    })
}
