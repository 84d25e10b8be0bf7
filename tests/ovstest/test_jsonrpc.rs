//! `ovstest test-jsonrpc`: a JSON-RPC echo server and one-shot clients
//! (as OVS's tests/test-jsonrpc.c).

use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Command, ExitCode, Stdio};

use ovsrpc::json::{Json, Object};
use ovsrpc::jsonrpc::{connection, Jsonrpc, Msg, MsgType};
use ovsrpc::poll_loop;
use ovsrpc::stream::Stream;

const USAGE: &str = "usage: ovstest test-jsonrpc [--detach] [--pidfile[=FILE]] [--no-chdir] \
listen LOCAL | request REMOTE METHOD PARAMS | notify REMOTE METHOD PARAMS";

/// Environment variable telling a re-executed `listen` that it is the
/// detached daemon and should report readiness on standard output.
const DAEMON_ENV: &str = "OVSTEST_JSONRPC_DAEMON";

struct Options {
    detach: bool,
    pidfile: Option<PathBuf>,
}

fn fail(msg: impl std::fmt::Display) -> ExitCode {
    eprintln!("test-jsonrpc: {msg}");
    ExitCode::from(1)
}

pub fn main(args: &[String]) -> ExitCode {
    let mut opts = Options {
        detach: false,
        pidfile: None,
    };
    let mut rest = Vec::new();
    for arg in args {
        match arg.as_str() {
            "--detach" => opts.detach = true,
            "--no-chdir" => {}
            "--pidfile" => opts.pidfile = Some(PathBuf::from("test-jsonrpc.pid")),
            a if a.starts_with("--pidfile=") => {
                opts.pidfile = Some(PathBuf::from(&a["--pidfile=".len()..]))
            }
            a if a.starts_with("--") => return fail(format!("unknown option {a}\n{USAGE}")),
            _ => rest.push(arg.clone()),
        }
    }
    match rest
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["listen", local] => listen(local, &opts),
        ["request", remote, method, params] => request(remote, method, params),
        ["notify", remote, method, params] => notify(remote, method, params),
        _ => fail(USAGE),
    }
}

fn parse_params(text: &str) -> Result<Json, String> {
    let json = ovsrpc::json::from_str(text).map_err(|e| format!("{text}: {e}"))?;
    if json.as_array().is_none() {
        return Err(format!("{text}: not a JSON array"));
    }
    Ok(json)
}

fn connect(remote: &str) -> Result<Jsonrpc, String> {
    let stream = connection::stream_open(remote, 0)
        .map_err(|e| format!("could not open \"{remote}\": {e}"))?;
    let stream = Stream::open_block(Ok(stream), -1)
        .map_err(|e| format!("could not open \"{remote}\": {e}"))?;
    Ok(Jsonrpc::open(stream))
}

fn request(remote: &str, method: &str, params: &str) -> ExitCode {
    let params = match parse_params(params) {
        Ok(p) => p,
        Err(e) => return fail(e),
    };
    let mut rpc = match connect(remote) {
        Ok(r) => r,
        Err(e) => return fail(e),
    };
    let msg = Msg::create_request(method, params);
    match rpc.transact_block(msg) {
        Ok(reply) => {
            println!("{}", reply.to_string_sorted());
            ExitCode::SUCCESS
        }
        Err(e) => fail(format!("transaction failed: {e}")),
    }
}

fn notify(remote: &str, method: &str, params: &str) -> ExitCode {
    let params = match parse_params(params) {
        Ok(p) => p,
        Err(e) => return fail(e),
    };
    let mut rpc = match connect(remote) {
        Ok(r) => r,
        Err(e) => return fail(e),
    };
    match rpc.send_block(Msg::create_notify(method, params)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(format!("could not send notification: {e}")),
    }
}

/// Re-executes this program as the daemon and waits until it says it is
/// listening. The daemon runs in its own process group with its standard
/// input and error detached; its standard output is the readiness pipe.
fn detach(args: &[String]) -> ExitCode {
    let exe = match std::env::current_exe() {
        Ok(e) => e,
        Err(e) => return fail(format!("cannot find own executable: {e}")),
    };
    let child = Command::new(exe)
        .arg("test-jsonrpc")
        .args(args.iter().filter(|a| a.as_str() != "--detach"))
        .env(DAEMON_ENV, "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn();
    let mut child = match child {
        Ok(c) => c,
        Err(e) => return fail(format!("could not start daemon: {e}")),
    };
    let mut line = String::new();
    let out = child.stdout.take().expect("piped stdout");
    let _ = BufReader::new(out).read_line(&mut line);
    if line.trim() == "ready" {
        ExitCode::SUCCESS
    } else {
        let status = child.wait();
        fail(format!("daemon failed to start ({status:?})"))
    }
}

use std::os::unix::process::CommandExt;

struct PidFile(Option<PathBuf>);

impl Drop for PidFile {
    fn drop(&mut self) {
        if let Some(p) = &self.0 {
            let _ = std::fs::remove_file(p);
        }
    }
}

fn listen(local: &str, opts: &Options) -> ExitCode {
    if opts.detach {
        let args: Vec<String> = std::env::args().skip(2).collect();
        return detach(&args);
    }
    let mut pstream = match connection::pstream_open(local, 0) {
        Ok(p) => p,
        Err(e) => return fail(format!("could not listen on \"{local}\": {e}")),
    };
    let _pidfile = match &opts.pidfile {
        Some(p) => {
            if let Err(e) = std::fs::write(p, format!("{}\n", std::process::id())) {
                return fail(format!("{}: could not write pidfile: {e}", p.display()));
            }
            PidFile(Some(p.clone()))
        }
        None => PidFile(None),
    };
    if std::env::var_os(DAEMON_ENV).is_some() {
        let mut out = std::io::stdout();
        let _ = writeln!(out, "ready");
        let _ = out.flush();
    }

    let mut rpcs: Vec<Jsonrpc> = Vec::new();
    loop {
        match pstream.accept() {
            Ok(stream) => rpcs.push(Jsonrpc::open(stream)),
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
            Err(e) => return fail(format!("accept failed: {e}")),
        }
        let mut i = 0;
        while i < rpcs.len() {
            let rpc = &mut rpcs[i];
            rpc.run();
            let mut done = false;
            // Handle what is there now, bounded so one client cannot starve
            // the others.
            for _ in 0..64 {
                if rpc.get_backlog() > 0 {
                    break;
                }
                match rpc.recv() {
                    Ok(msg) => {
                        if msg.method.as_deref() == Some("shutdown") {
                            return ExitCode::SUCCESS;
                        }
                        if msg.msg_type == MsgType::Request {
                            let id = msg.id.clone().expect("requests have ids");
                            let reply = if msg.method.as_deref() == Some("echo") {
                                Msg::create_reply(msg.params.clone().expect("params"), &id)
                            } else {
                                let mut err = Object::new();
                                err.insert("error", "unknown method");
                                Msg::create_error(Json::object(err), &id)
                            };
                            let _ = rpc.send(reply);
                        }
                    }
                    Err(e) if e.is_again() => break,
                    Err(_) => {
                        done = true;
                        break;
                    }
                }
            }
            if done || rpc.get_status() != 0 {
                rpcs.swap_remove(i);
            } else {
                i += 1;
            }
        }
        pstream.wait();
        for rpc in &rpcs {
            rpc.wait();
            if rpc.get_backlog() == 0 {
                rpc.recv_wait();
            }
        }
        poll_loop::block();
    }
}
