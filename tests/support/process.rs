//! A child process (a peer program, an example) whose output the test
//! reads with a deadline: threads collect its standard output line by
//! line and its standard error whole, and another reaps it, so that a
//! child that says nothing or never exits fails the test instead of
//! hanging it. The child is SIGKILLed on drop if it is still running.

use std::io::{BufRead, BufReader, Read};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::DEADLINE_MS;

/// A running child process; see the module doc.
pub struct Process {
    pid: u32,
    what: String,
    lines: Receiver<String>,
    stderr: Arc<Mutex<String>>,
    stderr_open: Receiver<()>,
    exit: Receiver<ExitStatus>,
    status: Option<ExitStatus>,
}

impl Process {
    /// Starts `cmd` with standard output and error piped (and standard
    /// input from /dev/null unless `cmd` says otherwise); `what` names it
    /// in failures.
    pub fn spawn(cmd: &mut Command, what: &str) -> Process {
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("start {what}: {e}"));
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
        let mut err_pipe = child.stderr.take().expect("stderr");
        let (open_tx, stderr_open) = mpsc::channel::<()>();
        std::thread::spawn(move || {
            let _open = open_tx; // Dropped at EOF.
            let mut buf = [0u8; 4096];
            while let Ok(n) = err_pipe.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock()
                    .unwrap()
                    .push_str(&String::from_utf8_lossy(&buf[..n]));
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
            stderr,
            stderr_open,
            exit,
            status: None,
        }
    }

    /// Its process id.
    pub fn pid(&self) -> u32 {
        self.pid
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

    /// Waits for it to exit (failing the test after [`DEADLINE_MS`]) and
    /// returns its exit code, the rest of its standard output and its
    /// standard error.
    pub fn finish(mut self) -> (Option<i32>, String, String) {
        let start = Instant::now();
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

    /// SIGKILLs it unless it has exited already.
    pub fn kill(&mut self) {
        if self.status.is_none() && self.exit.try_recv().is_err() {
            let _ = Command::new("kill")
                .args(["-KILL", &self.pid.to_string()])
                .stderr(Stdio::null())
                .status();
        }
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        self.kill();
    }
}

fn deadline() -> Duration {
    Duration::from_millis(DEADLINE_MS as u64)
}
