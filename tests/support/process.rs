//! A child process (a peer program, an example) whose output the test
//! reads with a deadline: threads collect its standard output and error
//! line by line, and another reaps it, so that a child that says nothing
//! or never exits fails the test instead of hanging it. The child is
//! SIGKILLed on drop if it is still running.

use std::io::{BufRead, BufReader};
use std::process::{ChildStdin, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::DEADLINE_MS;

/// A running child process; see the module doc.
pub struct Process {
    pid: u32,
    what: String,
    lines: Receiver<String>,
    stderr_lines: Receiver<String>,
    stderr: Arc<Mutex<String>>,
    stdin: Option<ChildStdin>,
    stderr_open: Receiver<()>,
    exit: Receiver<ExitStatus>,
    status: Option<ExitStatus>,
}

impl Process {
    /// Starts `cmd` with standard output and error piped (standard input
    /// as `cmd` says: [`stdin`](Self::stdin) is there if it is piped);
    /// `what` names it in failures.
    pub fn spawn(cmd: &mut Command, what: &str) -> Process {
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("start {what}: {e}"));
        let stdin = child.stdin.take();
        let (line_tx, lines) = mpsc::channel();
        let stdout = child.stdout.take().expect("stdout");
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if line_tx.send(line).is_err() {
                    break;
                }
            }
        });
        let stderr = Arc::new(Mutex::new(String::new()));
        let sink = Arc::clone(&stderr);
        let err_pipe = child.stderr.take().expect("stderr");
        let (open_tx, stderr_open) = mpsc::channel::<()>();
        let (err_tx, stderr_lines) = mpsc::channel();
        std::thread::spawn(move || {
            let _open = open_tx; // Dropped at EOF.
            let mut reader = BufReader::new(err_pipe);
            let mut raw = Vec::new();
            while matches!(reader.read_until(b'\n', &mut raw), Ok(n) if n > 0) {
                let line = String::from_utf8_lossy(&raw).into_owned();
                sink.lock().unwrap().push_str(&line);
                let _ = err_tx.send(line.trim_end_matches('\n').to_string());
                raw.clear();
            }
        });
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
            lines,
            stderr_lines,
            stderr,
            stdin,
            stderr_open,
            exit,
            status: None,
        }
    }

    /// Its process id.
    pub fn pid(&self) -> u32 {
        self.pid
    }

    /// Its standard input, if `cmd` piped it.
    pub fn stdin(&mut self) -> &mut ChildStdin {
        self.stdin.as_mut().expect("standard input is not piped")
    }

    /// What it wrote to standard error so far.
    pub fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    /// The next line of its standard output; fails the test if none comes
    /// within [`DEADLINE_MS`] or the output ends first.
    pub fn line(&mut self) -> String {
        match self.lines.recv_timeout(deadline()) {
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

    /// The next line of its standard error; fails the test as
    /// [`line`](Self::line) does.
    pub fn stderr_line(&mut self) -> String {
        match self.stderr_lines.recv_timeout(deadline()) {
            Ok(line) => line,
            Err(e) => panic!("{}: no standard error line: {e}", self.what),
        }
    }

    /// Reads lines of standard output (or, with `from_stderr`, of standard
    /// error) until `f` makes something of one; returns that.
    pub fn find<T>(&mut self, from_stderr: bool, mut f: impl FnMut(&str) -> Option<T>) -> T {
        loop {
            let line = if from_stderr {
                self.stderr_line()
            } else {
                self.line()
            };
            if let Some(t) = f(&line) {
                return t;
            }
        }
    }

    /// Waits for it to exit (failing the test after [`DEADLINE_MS`]) and
    /// returns its exit code, the rest of its standard output and its
    /// standard error.
    pub fn finish(mut self) -> (Option<i32>, String, String) {
        let start = Instant::now();
        drop(self.stdin.take());
        let status = match self.exit.recv_timeout(deadline()) {
            Ok(status) => status,
            Err(_) => panic!(
                "{} did not exit within {DEADLINE_MS} ms; stderr:\n{}",
                self.what,
                self.stderr()
            ),
        };
        self.status = Some(status);
        // The output threads end at EOF, which follows the exit.
        let mut out = String::new();
        loop {
            let left = deadline().saturating_sub(start.elapsed());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    out.push_str(&line);
                    out.push('\n');
                }
                Err(RecvTimeoutError::Disconnected) => break,
                Err(RecvTimeoutError::Timeout) => {
                    panic!("{}: output still open after exit", self.what)
                }
            }
        }
        let left = deadline().saturating_sub(start.elapsed());
        if let Err(RecvTimeoutError::Timeout) = self.stderr_open.recv_timeout(left) {
            panic!("{}: standard error still open after exit", self.what);
        }
        (status.code(), out, self.stderr())
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
        let _ = Command::new("kill")
            .args(["-KILL", &self.pid.to_string()])
            .stderr(Stdio::null())
            .status();
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
            let _ = Command::new("kill")
                .args(["-KILL", &self.pid.to_string()])
                .stderr(Stdio::null())
                .status();
            let _ = self.exit.recv_timeout(deadline());
        }
    }
}

fn deadline() -> Duration {
    Duration::from_millis(DEADLINE_MS as u64)
}
