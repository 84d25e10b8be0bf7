//! Which remote a session tries next: the order, the rounds, each remote's
//! health and the attempts in progress, as plain data (no sockets, no
//! clock).
//!
//! OVS's `jsonrpc_session` keeps its remotes in a list and a counter
//! (`jsonrpc_session_pick_remote()`): after every failed attempt and every
//! dropped connection it moves on to the next name, round-robin. [`Remotes`]
//! is that list and counter, plus what OVS does not have, each off unless
//! asked for:
//!
//! * the order of the list ([`RemoteOrder`]: shuffled, shuffled with a
//!   seed, or as given);
//! * per-remote statistics ([`RemoteStats`]), always kept;
//! * remotes whose last `deprioritize_after` attempts failed go last in
//!   each new round ([`Remotes::set_deprioritize_after`]);
//! * several attempts at once ([`Remotes::set_parallel`]): the first to
//!   connect wins, the others are abandoned without blame, and the round
//!   goes on from the winner.
//!
//! # Driving it
//!
//! The session owns one `Remotes` and reports to it what happens, with the
//! time where the statistics need it:
//!
//! 1. [`Remotes::start_attempts`] when the reconnect FSM says connect: it
//!    returns the remotes to try (the current one, and with parallel
//!    attempts the next ones of the round);
//! 2. for each attempt, [`Remotes::attempt_failed`] or
//!    [`Remotes::connected`] (the winner); or [`Remotes::abandon_attempts`]
//!    when the session gives up on those still in progress;
//! 3. [`Remotes::message_received`] for each message the connection
//!    delivers, and [`Remotes::disconnected`] when it ends;
//! 4. [`Remotes::advance`] after every attempt or connection that ended, as
//!    OVS calls `jsonrpc_session_pick_remote()`.
//!
//! ```
//! use ovsrpc::jsonrpc::remotes::{RemoteOrder, Remotes};
//!
//! let mut r = Remotes::new(&["tcp:127.0.0.1:1", "tcp:127.0.0.1:2"], RemoteOrder::AsGiven);
//! assert_eq!(r.start_attempts(), vec![0]);
//! if r.attempt_failed(0, libc::ECONNREFUSED) {
//!     r.advance();
//! }
//! assert_eq!(r.current_name(), "tcp:127.0.0.1:2");
//! assert_eq!(r.start_attempts(), vec![1]);
//! r.connected(1, 5000);
//! r.message_received();
//! assert_eq!(r.stats()[1].n_successes, 1);
//! assert_eq!(r.stats()[0].consecutive_failures, 1);
//! ```

/// How the remotes are ordered before the round-robin starts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum RemoteOrder {
    /// Shuffle once with a generator seeded from the time, the process and
    /// a counter (the default).
    #[default]
    Random,
    /// Shuffle once with a generator seeded with this value (reproducible).
    Seeded(u64),
    /// Keep the order given (as OVS's IDL does when asked not to shuffle).
    AsGiven,
}

/// Health of one remote, as the session has seen it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RemoteStats {
    /// The remote's name.
    pub name: String,
    /// Connection attempts started (for a passive remote: connections
    /// accepted).
    pub n_attempts: u32,
    /// Connections that delivered at least one whole message. A connection
    /// that the peer breaks before that (for example a server that answers
    /// in another protocol, failing the first read with `EPROTO`) is a
    /// failure, not a success.
    pub n_successes: u32,
    /// Failures in a row, up to the latest: attempts that failed or timed
    /// out, and connections that ended in an error before delivering a
    /// message. 0 after a success.
    pub consecutive_failures: u32,
    /// The last error of an attempt or a connection to it (0: none yet;
    /// `EOF` (-1): the peer closed the connection).
    pub last_error: i32,
    /// When it last connected (monotonic ms), `i64::MAX` for never.
    pub last_connected: i64,
    /// When a connection to it last ended, `i64::MAX` for never.
    pub last_disconnected: i64,
}

impl RemoteStats {
    fn new(name: &str) -> RemoteStats {
        RemoteStats {
            name: name.to_string(),
            n_attempts: 0,
            n_successes: 0,
            consecutive_failures: 0,
            last_error: 0,
            last_connected: i64::MAX,
            last_disconnected: i64::MAX,
        }
    }

    fn failed(&mut self, error: i32) {
        self.consecutive_failures = self.consecutive_failures.saturating_add(1);
        self.last_error = error;
    }
}

/// A seed that differs between processes and calls. (Not fastrand's global
/// generator: seeding that allocates a thread handle that a C program's main
/// thread never frees, which leak checkers report.)
fn random_seed() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static CALLS: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    let calls = CALLS.fetch_add(1, Ordering::Relaxed);
    nanos ^ (u64::from(std::process::id()) << 32) ^ calls.wrapping_mul(0x9e37_79b9_7f4a_7c15)
}

/// Puts `names` into the order `order` asks for.
pub fn order_remotes(names: &mut [String], order: RemoteOrder) {
    match order {
        RemoteOrder::Random => fastrand::Rng::with_seed(random_seed()).shuffle(names),
        RemoteOrder::Seeded(seed) => fastrand::Rng::with_seed(seed).shuffle(names),
        RemoteOrder::AsGiven => {}
    }
}

/// One attempt in progress: the remote, and where the round goes on from
/// if it wins.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Trying {
    remote: usize,
    next: usize,
}

/// The remotes of a session and the policy of which one comes next. See
/// the [module documentation](self) for the order of the calls.
#[derive(Clone, Debug)]
pub struct Remotes {
    stats: Vec<RemoteStats>,
    /// The order of the current round (indexes into `stats`).
    round: Vec<usize>,
    /// The position in `round` of the remote after the current one.
    next: usize,
    /// The current remote: connected to, being tried, or to be tried next.
    current: usize,
    deprioritize_after: u32,
    parallel: usize,
    trying: Vec<Trying>,
    /// The remote the connection belongs to, if the session has one whose
    /// remote is known.
    owner: Option<usize>,
    /// Whether the connection has delivered a whole message yet.
    proven: bool,
}

impl Remotes {
    /// The remotes `names`, ordered as `order` asks; the first of them is
    /// current. No names gives the one remote `invalid:`, as OVS does.
    /// (`jsonrpc_session_open_multiple`'s list of remotes)
    pub fn new<S: AsRef<str>>(names: &[S], order: RemoteOrder) -> Remotes {
        let mut names: Vec<String> = names.iter().map(|s| s.as_ref().to_string()).collect();
        order_remotes(&mut names, order);
        if names.is_empty() {
            names.push("invalid:".to_string());
        }
        let n = names.len();
        Remotes {
            stats: names.iter().map(|name| RemoteStats::new(name)).collect(),
            round: (0..n).collect(),
            next: 1,
            current: 0,
            deprioritize_after: 0,
            parallel: 1,
            trying: Vec::new(),
            owner: None,
            proven: false,
        }
    }

    /// Beyond OVS: a remote whose last `k` attempts all failed goes last in
    /// each new round (the others keep their order). 0, the default, keeps
    /// OVS's plain round-robin.
    pub fn set_deprioritize_after(&mut self, k: u32) {
        self.deprioritize_after = k;
    }

    /// Beyond OVS: [`start_attempts`](Self::start_attempts) tries up to `k`
    /// remotes at once. 0 and 1, the default, try one at a time as OVS does.
    pub fn set_parallel(&mut self, k: usize) {
        self.parallel = k.max(1);
    }

    /// Number of remotes (at least 1).
    pub fn len(&self) -> usize {
        self.stats.len()
    }

    /// Always false: there is at least one remote (`invalid:` if none was
    /// given).
    pub fn is_empty(&self) -> bool {
        self.stats.is_empty()
    }

    /// The remotes' names, in the order the session uses them.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.stats.iter().map(|s| s.name.as_str())
    }

    /// The health of each remote, in the order of [`names`](Self::names).
    pub fn stats(&self) -> &[RemoteStats] {
        &self.stats
    }

    /// The index of the current remote: the one connected to, being tried
    /// (the first of a parallel attempt), or to be tried next.
    pub fn current(&self) -> usize {
        self.current
    }

    /// The name of the current remote.
    pub fn current_name(&self) -> &str {
        &self.stats[self.current].name
    }

    /// The remote the connection belongs to, if there is a connection and
    /// its remote is known.
    pub fn owner(&self) -> Option<usize> {
        self.owner
    }

    /// The remotes with an attempt in progress.
    pub fn trying(&self) -> impl Iterator<Item = usize> + '_ {
        self.trying.iter().map(|t| t.remote)
    }

    /// Moves on to the next remote of the round, starting a new round after
    /// the last one. (`jsonrpc_session_pick_remote`)
    pub fn advance(&mut self) {
        if self.next >= self.round.len() {
            self.new_round();
        }
        self.current = self.round[self.next];
        self.next += 1;
    }

    /// A new round: every remote once, those failing `deprioritize_after`
    /// times in a row last.
    fn new_round(&mut self) {
        self.round = (0..self.stats.len()).collect();
        let k = self.deprioritize_after;
        if k > 0 {
            let stats = &self.stats;
            self.round
                .sort_by_key(|&i| stats[i].consecutive_failures >= k);
        }
        self.next = 0;
        for t in &mut self.trying {
            // Those tried at the end of the last round are followed by the
            // start of this one.
            t.next = 0;
        }
    }

    /// Starts the attempts of one connect: the current remote and, with
    /// parallel attempts, the next ones of the round, each once. Counts an
    /// attempt for each and returns them, the current one first; the
    /// current remote stays the first, and [`advance`](Self::advance) after
    /// they all failed goes on after the last.
    pub fn start_attempts(&mut self) -> Vec<usize> {
        let first = self.current;
        self.trying.clear();
        self.trying.push(Trying {
            remote: first,
            next: self.next,
        });
        let k = self.parallel.min(self.stats.len());
        while self.trying.len() < k {
            self.advance();
            if self.trying.iter().any(|t| t.remote == self.current) {
                // A new round came back to one being tried: leave it to be
                // the next.
                self.next -= 1;
                break;
            }
            self.trying.push(Trying {
                remote: self.current,
                next: self.next,
            });
        }
        self.current = first;
        for t in &self.trying {
            let s = &mut self.stats[t.remote];
            s.n_attempts = s.n_attempts.saturating_add(1);
        }
        self.trying.iter().map(|t| t.remote).collect()
    }

    /// Reports that the attempt on `remote` failed with `error`. Returns
    /// true when no attempt is left in progress: the caller then reports
    /// the failure to the FSM and calls [`advance`](Self::advance).
    pub fn attempt_failed(&mut self, remote: usize, error: i32) -> bool {
        if let Some(i) = self.trying.iter().position(|t| t.remote == remote) {
            self.trying.remove(i);
            self.stats[remote].failed(error);
        }
        self.trying.is_empty()
    }

    /// Gives up on the attempts in progress: with `error` (for example
    /// `ETIMEDOUT` when the attempt's time ran out) each remote is charged
    /// with it; with 0 (the session dropped them for its own reasons: a
    /// forced reconnect, a new DSCP value) none is.
    pub fn abandon_attempts(&mut self, error: i32) {
        for t in std::mem::take(&mut self.trying) {
            if error != 0 {
                self.stats[t.remote].failed(error);
            }
        }
    }

    /// Reports that the attempt on `remote` connected at `now`: the other
    /// attempts are abandoned without blame, `remote` becomes current and
    /// owns the connection, and the round goes on from it.
    pub fn connected(&mut self, remote: usize, now: i64) {
        if let Some(t) = self.trying.iter().find(|t| t.remote == remote) {
            self.next = t.next;
        }
        self.trying.clear();
        self.current = remote;
        self.owner = Some(remote);
        self.proven = false;
        self.stats[remote].last_connected = now;
    }

    /// Reports that a passive remote accepted a connection at `now`: it
    /// counts as an attempt and owns the connection.
    pub fn accepted(&mut self, now: i64) {
        let remote = self.current;
        let s = &mut self.stats[remote];
        s.n_attempts = s.n_attempts.saturating_add(1);
        self.connected(remote, now);
    }

    /// Reports that the connection was replaced at `now` by one to `name`
    /// (`None`: by no connection): the remote of that name, if any, owns it
    /// from now on and the round goes on after it. Attempts in progress are
    /// left alone, as OVS leaves its stream.
    /// (`jsonrpc_session_replace`)
    pub fn replaced(&mut self, name: Option<&str>, now: i64) {
        if let Some(old) = self.owner.take() {
            // Closed by the application: no failure of its remote.
            self.stats[old].last_disconnected = now;
        }
        self.proven = false;
        if let Some(remote) = name.and_then(|n| self.stats.iter().position(|s| s.name == n)) {
            self.current = remote;
            self.owner = Some(remote);
            self.stats[remote].last_connected = now;
            if let Some(pos) = self.round.iter().position(|&i| i == remote) {
                self.next = pos + 1;
            }
        }
    }

    /// Reports a whole message received on the connection: the first one
    /// makes the connection a success for its remote.
    pub fn message_received(&mut self) {
        if !self.proven {
            self.proven = true;
            if let Some(owner) = self.owner {
                let s = &mut self.stats[owner];
                s.n_successes = s.n_successes.saturating_add(1);
                s.consecutive_failures = 0;
            }
        }
    }

    /// Reports that the connection ended at `now` with `error` (an errno,
    /// `EOF`, or 0 when the session dropped it for its own reasons). A
    /// connection that ends in an error before delivering a message counts
    /// as a failure of its remote.
    pub fn disconnected(&mut self, now: i64, error: i32) {
        if let Some(owner) = self.owner.take() {
            let s = &mut self.stats[owner];
            s.last_disconnected = now;
            if error != 0 {
                if self.proven {
                    s.last_error = error;
                } else {
                    s.failed(error);
                }
            }
        }
        self.proven = false;
    }

    /// Sets up the statistics of a session opened around an established
    /// connection (`jsonrpc_session_open_unreliably`): one attempt, one
    /// success, owning the connection.
    pub fn established(&mut self, now: i64) {
        let s = &mut self.stats[0];
        s.n_attempts = 1;
        s.n_successes = 1;
        s.last_connected = now;
        self.owner = Some(0);
        self.proven = true;
    }
}

#[cfg(test)]
mod tests;
