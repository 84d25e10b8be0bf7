//! Host name resolution that never blocks the poll loop.
//!
//! `getaddrinfo(3)` blocks, sometimes for seconds. A `tcp:HOST:PORT` stream
//! therefore hands `HOST` to one background thread owned by the library (the
//! only thread the library starts, named `ovsrpc-resolver`, started on the
//! first lookup and kept for the life of the process) and reports `EAGAIN`
//! until the answer is in. Each [`Lookup`] owns one end of a socket pair;
//! the worker stores the result in a shared slot and then closes the other
//! end, which makes this end readable, so [`Lookup::wait`] can register it
//! with the poll loop like any other descriptor. IP literals never come here.
//!
//! Lookups are served one at a time, in order. A lookup whose stream has
//! been dropped before its turn is skipped. There is no cache: each
//! connection attempt asks again, so a changed DNS record is seen on the
//! next reconnect.

use std::io;
use std::net::{IpAddr, ToSocketAddrs};
use std::sync::mpsc::{self, Sender};
use std::sync::{Arc, Mutex, MutexGuard};

use socket2::{Domain, Socket, Type};

use super::sys;
use crate::poll_loop::{self, POLLIN};

/// Why a host name did not resolve.
#[derive(Clone, Debug)]
pub(crate) struct LookupError {
    /// The errno reported to the stream's user (`ENOENT` unless the system
    /// gave a more specific one).
    pub errno: i32,
    /// The resolver's own description, for the log.
    pub message: String,
}

type Answer = Result<Vec<IpAddr>, LookupError>;
type Slot = Arc<Mutex<Option<Answer>>>;

/// One request sent to the worker.
struct Job {
    host: String,
    slot: Slot,
    /// Dropped by the worker when `slot` is filled: wakes the poll loop.
    done: Socket,
}

/// A host name lookup in progress.
pub(crate) struct Lookup {
    slot: Slot,
    wake: Socket,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The queue feeding the worker thread; `None` until the first lookup.
static WORKER: Mutex<Option<Sender<Job>>> = Mutex::new(None);

fn spawn_worker() -> io::Result<Sender<Job>> {
    let (tx, rx) = mpsc::channel::<Job>();
    std::thread::Builder::new()
        .name("ovsrpc-resolver".to_string())
        .spawn(move || {
            for job in rx {
                // Nobody is waiting any more: skip the (slow) lookup.
                if Arc::strong_count(&job.slot) == 1 {
                    continue;
                }
                let answer = resolve(&job.host);
                *lock(&job.slot) = Some(answer);
                drop(job.done);
            }
        })?;
    Ok(tx)
}

/// Resolves `host` on the calling thread (this blocks).
fn resolve(host: &str) -> Answer {
    match (host, 0u16).to_socket_addrs() {
        Ok(addrs) => {
            let mut ips: Vec<IpAddr> = Vec::new();
            for a in addrs {
                if !ips.contains(&a.ip()) {
                    ips.push(a.ip());
                }
            }
            if ips.is_empty() {
                Err(LookupError {
                    errno: libc::ENOENT,
                    message: "no addresses".to_string(),
                })
            } else {
                Ok(ips)
            }
        }
        Err(e) => Err(LookupError {
            errno: e.raw_os_error().unwrap_or(libc::ENOENT),
            message: e.to_string(),
        }),
    }
}

impl Lookup {
    /// Queues a lookup of `host`. Fails only if the worker thread or the
    /// wake-up socket pair cannot be created.
    pub(crate) fn start(host: &str) -> io::Result<Lookup> {
        let (wake, done) = Socket::pair(Domain::UNIX, Type::STREAM, None)?;
        wake.set_nonblocking(true)?;
        let slot: Slot = Arc::new(Mutex::new(None));
        let mut job = Job {
            host: host.to_string(),
            slot: Arc::clone(&slot),
            done,
        };
        let mut worker = lock(&WORKER);
        // Try the running worker, then (if it is gone) a fresh one.
        for _ in 0..2 {
            let tx = match worker.as_ref() {
                Some(tx) => tx.clone(),
                None => {
                    let tx = spawn_worker()?;
                    *worker = Some(tx.clone());
                    tx
                }
            };
            match tx.send(job) {
                Ok(()) => return Ok(Lookup { slot, wake }),
                Err(mpsc::SendError(j)) => {
                    job = j;
                    *worker = None;
                }
            }
        }
        Err(io::Error::from_raw_os_error(libc::EAGAIN))
    }

    /// The answer, once the worker has one: the host's addresses in the
    /// order the system gave them, or why there are none. `None` while the
    /// lookup is still running. The answer is handed out only once.
    pub(crate) fn poll(&mut self) -> Option<Answer> {
        lock(&self.slot).take()
    }

    /// Makes the next `poll_loop::block` wake when the answer is in.
    pub(crate) fn wait(&self) {
        poll_loop::fd_wait(sys::fd(&self.wake), POLLIN);
    }
}
