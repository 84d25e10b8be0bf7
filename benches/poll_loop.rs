//! Poll loop iteration cost against the number of waited fds.
//!
//! One iteration is what a main loop does: `fd_wait(fd, POLLIN)` on every
//! pipe, then `block()`. One pipe holds a byte that nobody reads, so every
//! `block()` returns at once because of it (level-triggered). The same
//! iteration is timed with a plain poll(2) over the same fds, which is what
//! OVS's poll loop does, and both report the ratio of the cost at 5,000
//! pipes to the cost at 10. OVS's own poll loop is measured against
//! ovsrpc's by `make bench-ovs` (the same C program built against both).

use std::io::Write;
use std::os::unix::io::{AsRawFd, RawFd};
use std::time::{Duration, Instant};

use ovsrpc::poll_loop::{self, POLLIN};

const SIZES: [usize; 3] = [10, 1_000, 5_000];

fn main() {
    // `cargo bench` passes --bench; `cargo test --all-targets` runs this
    // too, without it: then a quick smoke run is enough.
    let full = std::env::args().any(|arg| arg == "--bench");
    let (rounds, round_time) = if full {
        (7, Duration::from_millis(40))
    } else {
        (1, Duration::from_millis(2))
    };
    let limit = open_files_limit();
    let wanted = SIZES[SIZES.len() - 1];
    // Two fds per pipe, plus stdio, the epoll fd and some slack.
    if limit < (2 * wanted + 64) as u64 {
        eprintln!(
            "poll_loop bench: RLIMIT_NOFILE is {limit}, {} needed; skipped",
            2 * wanted + 64
        );
        return;
    }

    let mut senders = Vec::with_capacity(wanted);
    let mut receivers = Vec::with_capacity(wanted);
    for _ in 0..wanted {
        let (sender, receiver) = mio::unix::pipe::new().expect("pipe");
        senders.push(sender);
        receivers.push(receiver);
    }
    // The ready one is in every set; it is never read.
    (&senders[0]).write_all(b"x").expect("write");
    let fds: Vec<RawFd> = receivers.iter().map(|r| r.as_raw_fd()).collect();

    let mut ovsrpc = vec![vec![0.0f64; rounds]; SIZES.len()];
    let mut reordered = vec![vec![0.0f64; rounds]; SIZES.len()];
    let mut plain = vec![vec![0.0f64; rounds]; SIZES.len()];
    let mut pollfds = Vec::with_capacity(wanted);
    for round in 0..rounds {
        for (i, &n) in SIZES.iter().enumerate() {
            let set = &fds[..n];
            ovsrpc[i][round] = time_per_iteration(round_time, || {
                for &fd in set {
                    poll_loop::fd_wait(fd, POLLIN);
                }
                poll_loop::block();
            });
            // The same fds, in an order that changes at every iteration:
            // no unchanged list to recognise, so every wait is merged.
            let mut shift = 0;
            reordered[i][round] = time_per_iteration(round_time, || {
                shift = (shift + 1) % n;
                for &fd in set[shift..].iter().chain(&set[..shift]) {
                    poll_loop::fd_wait(fd, POLLIN);
                }
                poll_loop::block();
            });
            plain[i][round] = time_per_iteration(round_time, || {
                pollfds.clear();
                pollfds.extend(set.iter().map(|&fd| libc::pollfd {
                    fd,
                    events: POLLIN,
                    revents: 0,
                }));
                let ready = sys::poll(&mut pollfds, -1);
                assert_eq!(ready, 1);
            });
        }
    }

    println!(
        "poll_loop: fd_wait on N pipes + block, 1 ready (median of {rounds} rounds, µs per iteration){}",
        if full { "" } else { " [smoke run: use cargo bench]" }
    );
    let ovsrpc: Vec<f64> = ovsrpc.iter_mut().map(|r| median(r)).collect();
    let reordered: Vec<f64> = reordered.iter_mut().map(|r| median(r)).collect();
    let plain: Vec<f64> = plain.iter_mut().map(|r| median(r)).collect();
    for (i, n) in SIZES.iter().enumerate() {
        println!(
            "poll_loop N={n:<5} ovsrpc {:>8.3} µs   ovsrpc, order changing {:>8.3} µs   \
             plain poll(2), as OVS {:>8.3} µs",
            ovsrpc[i], reordered[i], plain[i]
        );
    }
    if !full {
        return;
    }
    let last = SIZES.len() - 1;
    println!(
        "poll_loop ratio 5000:10  ovsrpc {:.1} (target <= 10)   ovsrpc, order changing {:.1}   \
         plain poll(2) {:.1} (OVS's own poll loop: `make bench-ovs`)",
        ovsrpc[last] / ovsrpc[0],
        reordered[last] / reordered[0],
        plain[last] / plain[0]
    );
}

/// Microseconds per call of `iteration`, over about `round_time`.
fn time_per_iteration(round_time: Duration, mut iteration: impl FnMut()) -> f64 {
    // Warm up: the first iteration registers every fd.
    for _ in 0..3 {
        iteration();
    }
    let mut count = 0u64;
    let start = Instant::now();
    let mut elapsed;
    loop {
        for _ in 0..16 {
            iteration();
        }
        count += 16;
        elapsed = start.elapsed();
        if elapsed >= round_time {
            break;
        }
    }
    elapsed.as_secs_f64() * 1e6 / count as f64
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(|a, b| a.total_cmp(b));
    values[values.len() / 2]
}

/// The soft RLIMIT_NOFILE, from /proc/self/limits.
fn open_files_limit() -> u64 {
    let limits = std::fs::read_to_string("/proc/self/limits").unwrap_or_default();
    limits
        .lines()
        .find(|line| line.starts_with("Max open files"))
        .and_then(|line| line.split_whitespace().nth(3))
        .and_then(|soft| soft.parse().ok())
        .unwrap_or(u64::MAX)
}

mod sys {
    /// poll(2), returning the number of ready entries.
    pub fn poll(pfds: &mut [libc::pollfd], timeout: i32) -> usize {
        // SAFETY: `pfds` is a valid, exclusively borrowed array of `pollfd`
        // whose length we pass.
        let n = unsafe { libc::poll(pfds.as_mut_ptr(), pfds.len() as libc::nfds_t, timeout) };
        assert!(n >= 0, "poll: {}", std::io::Error::last_os_error());
        n as usize
    }
}
