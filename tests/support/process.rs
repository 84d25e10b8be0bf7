//! A child process (a peer program, an example, `ovstest`) whose output
//! the test reads with a deadline: threads collect its standard output
//! and error (line by line, and whole), feed its standard input, and reap
//! it, so that a child that says nothing or never exits fails the test
//! instead of hanging it. The child is SIGKILLed on drop if it is still
//! running.

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{ChildStdin, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::DEADLINE_MS;

/// One output pipe of the child, read by a thread.
struct Pipe {
    /// Its lines, without the newline, as they come.
    lines: Receiver<String>,
    /// Everything read so far.
    all: Arc<Mutex<Vec<u8>>>,
    /// Disconnected once the pipe is at end of file.
    open: Receiver<()>,
}

impl Pipe {
    fn new(pipe: impl Read + Send + 'static) -> Pipe {
        let (line_tx, lines) = mpsc::channel();
        let (open_tx, open) = mpsc::channel::<()>();
        let all = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&all);
        std::thread::spawn(move || {
            let _open = open_tx; // Dropped at end of file.
            let mut reader = BufReader::new(pipe);
            let mut raw = Vec::new();
            while matches!(reader.read_until(b'\n', &mut raw), Ok(n) if n > 0) {
                sink.lock().unwrap().extend_from_slice(&raw);
                let line = String::from_utf8_lossy(&raw);
                let _ = line_tx.send(line.trim_end_matches('\n').to_string());
                raw.clear();
            }
        });
        Pipe { lines, all, open }
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.all.lock().unwrap()).into_owned()
    }
}

/// How a child ended: its exit code and all it wrote.
pub struct Output {
    /// Its exit code (`None` if a signal ended it).
    pub code: Option<i32>,
    /// All it wrote to standard output.
    pub stdout: String,
    /// All it wrote to standard error.
    pub stderr: String,
}

impl Output {
    /// True if it exited 0.
    pub fn success(&self) -> bool {
        self.code == Some(0)
    }
}

/// A running child process; see the module doc.
pub struct Process {
    pid: u32,
    what: String,
    stdout: Pipe,
    stderr: Pipe,
    stdin: Option<ChildStdin>,
    exit: Receiver<ExitStatus>,
    status: Option<ExitStatus>,
}

impl Process {
    /// Starts `cmd` with standard output and error piped (standard input
    /// as `cmd` says: [`stdin`](Self::stdin) and [`feed`](Self::feed) are
    /// there if it is piped); `what` names it in failures.
    pub fn spawn(cmd: &mut Command, what: &str) -> Process {
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("start {what}: {e}"));
        let stdin = child.stdin.take();
        let stdout = Pipe::new(child.stdout.take().expect("stdout"));
        let stderr = Pipe::new(child.stderr.take().expect("stderr"));
        let pid = child.id();
        let (exit_tx, exit) = mpsc::channel();
        std::thread::spawn(move || {
            if let Ok(status) = child.wait() {
                let _ = exit_tx.send(status);
            }
        });
        Process {
            pid,
            what: what.to_string(),
            stdout,
            stderr,
            stdin,
            exit,
            status: None,
        }
    }

    /// Runs `cmd` (standard input from /dev/null unless `cmd` says
    /// otherwise) to its end: see [`finish`](Self::finish).
    pub fn run(cmd: &mut Command, what: &str) -> (Option<i32>, String, String) {
        Process::spawn(cmd, what).finish()
    }

    /// Runs `cmd` to its end and fails the test unless it exits 0.
    pub fn run_ok(cmd: &mut Command) {
        let what = format!("{cmd:?}");
        let (code, _, err) = Process::run(cmd.stdin(Stdio::null()), &what);
        assert_eq!(code, Some(0), "{what} failed:\n{err}");
    }

    /// Its process id.
    pub fn pid(&self) -> u32 {
        self.pid
    }

    /// Its standard input, if `cmd` piped it.
    pub fn stdin(&mut self) -> &mut ChildStdin {
        self.stdin.as_mut().expect("standard input is not piped")
    }

    /// Writes `input` to its standard input from a thread (a child that
    /// does not read cannot block the test), then closes it.
    pub fn feed(&mut self, input: Vec<u8>) {
        let mut stdin = self.stdin.take().expect("standard input is not piped");
        std::thread::spawn(move || {
            let _ = stdin.write_all(&input);
        });
    }

    /// What it wrote to standard error so far.
    pub fn stderr(&self) -> String {
        self.stderr.text()
    }

    /// The next line of its standard output; fails the test if none comes
    /// within [`DEADLINE_MS`] or the output ends first.
    pub fn line(&mut self) -> String {
        self.next_line(false)
    }

    /// The next line of its standard error; fails the test as
    /// [`line`](Self::line) does.
    pub fn stderr_line(&mut self) -> String {
        self.next_line(true)
    }

    fn next_line(&mut self, from_stderr: bool) -> String {
        let pipe = if from_stderr {
            &self.stderr
        } else {
            &self.stdout
        };
        match pipe.lines.recv_timeout(deadline()) {
            Ok(line) => line,
            Err(RecvTimeoutError::Timeout) => panic!(
                "{}: no output line within {DEADLINE_MS} ms; stderr:\n{}",
                self.what,
                self.stderr()
            ),
            Err(RecvTimeoutError::Disconnected) => {
                panic!("{}: output ended; stderr:\n{}", self.what, self.stderr())
            }
        }
    }

    /// Reads lines of standard output (or, with `from_stderr`, of standard
    /// error) until `f` makes something of one; returns that.
    pub fn find<T>(&mut self, from_stderr: bool, mut f: impl FnMut(&str) -> Option<T>) -> T {
        loop {
            let line = self.next_line(from_stderr);
            if let Some(t) = f(&line) {
                return t;
            }
        }
    }

    /// Whether it has exited (without waiting).
    pub fn has_exited(&mut self) -> bool {
        if self.status.is_none() {
            self.status = self.exit.try_recv().ok();
        }
        self.status.is_some()
    }

    /// Closes its standard input, waits for it to exit and for its output
    /// to end (failing the test after [`DEADLINE_MS`]), and returns its
    /// exit code and all it wrote to standard output and error.
    pub fn finish(mut self) -> (Option<i32>, String, String) {
        let start = Instant::now();
        drop(self.stdin.take());
        let status = match self.status {
            Some(status) => status,
            None => match self.exit.recv_timeout(deadline()) {
                Ok(status) => status,
                Err(_) => panic!(
                    "{} did not exit within {DEADLINE_MS} ms; stderr:\n{}",
                    self.what,
                    self.stderr()
                ),
            },
        };
        self.status = Some(status);
        // The reading threads end at end of file, which follows the exit
        // unless the child left a process of its own holding the pipes.
        for (pipe, name) in [(&self.stdout, "output"), (&self.stderr, "error")] {
            let left = deadline().saturating_sub(start.elapsed());
            if let Err(RecvTimeoutError::Timeout) = pipe.open.recv_timeout(left) {
                panic!("{}: standard {name} still open after exit", self.what);
            }
        }
        (status.code(), self.stdout.text(), self.stderr.text())
    }

    /// [`finish`](Self::finish), as an [`Output`].
    pub fn output(self) -> Output {
        let (code, stdout, stderr) = self.finish();
        Output {
            code,
            stdout,
            stderr,
        }
    }

    /// SIGKILLs it unless it has exited already, and waits until it is
    /// gone.
    pub fn kill(&mut self) {
        if self.status.is_some() {
            return;
        }
        if let Ok(status) = self.exit.try_recv() {
            self.status = Some(status);
            return;
        }
        signal(self.pid, "KILL");
        match self.exit.recv_timeout(deadline()) {
            Ok(status) => self.status = Some(status),
            Err(e) => panic!("{} (pid {}) did not die: {e}", self.what, self.pid),
        }
    }
}

impl Drop for Process {
    /// Kills it as [`kill`](Process::kill) does, but never panics (a
    /// panic while unwinding would abort the test binary).
    fn drop(&mut self) {
        if self.status.is_none() && self.exit.try_recv().is_err() {
            signal(self.pid, "KILL");
            let _ = self.exit.recv_timeout(deadline());
        }
    }
}

/// Sends `sig` (`KILL`, `STOP`, `CONT`, ...) to process `pid` with
/// kill(1); a process that is gone already is no error.
pub fn signal(pid: impl std::fmt::Display, sig: &str) {
    let _ = Command::new("kill")
        .args([format!("-{sig}"), pid.to_string()])
        .stderr(Stdio::null())
        .status();
}

fn deadline() -> Duration {
    Duration::from_millis(DEADLINE_MS as u64)
}
