//! The fleet bench's server: one passive listener on loopback that
//! accepts at a limited rate, as a busy ovsdb-server does, and greets each
//! client it accepts with a `hello` notification carrying its index.
//!
//! Run as `fleet --fleet-server INDEX ACCEPTS_PER_TICK` (the bench starts
//! itself this way): it listens on `ptcp:0:127.0.0.1`, prints
//! `port PORT` on standard output, and then accepts `ACCEPTS_PER_TICK`
//! connections per 10 ms (on average: a server scheduled late catches up
//! on up to 5 ticks); the others wait in the kernel's accept
//! queue, and once that is full the kernel drops their SYNs. Every 10 ms
//! it also serves the connections with something to read (the clients'
//! echo probes, which a session answers itself), found with one `poll`
//! over all of them so that thousands of idle connections cost little. It
//! exits when killed or when standard input closes.

use std::io::{Read, Write};

use ovsrpc::json::Json;
use ovsrpc::jsonrpc::{Jsonrpc, JsonrpcSession, Msg};
use ovsrpc::poll_loop;
use ovsrpc::stream::PStream;
use ovsrpc::timeval::time_msec;

/// One tick of the accept rate, in ms.
pub const TICK_MS: i64 = 10;
/// Most ticks' worth of accepts the server may catch up on.
const MAX_TICKS_BEHIND: usize = 5;

pub fn main(args: &[String]) {
    let index: i64 = args.first().and_then(|a| a.parse().ok()).expect("INDEX");
    let per_tick: usize = args
        .get(1)
        .and_then(|a| a.parse().ok())
        .expect("ACCEPTS_PER_TICK");
    super::raise_fd_limit();
    let mut listener = PStream::open("ptcp:0:127.0.0.1", 0).expect("listen on loopback");
    let port = listener.bound_port().expect("bound port");
    println!("port {port}");
    std::io::stdout().flush().expect("stdout");

    std::thread::spawn(|| {
        let _ = std::io::stdin().read(&mut [0u8; 1]);
        std::process::exit(0);
    });
    let mut clients: Vec<JsonrpcSession> = Vec::new();
    let mut fds: Vec<libc::pollfd> = Vec::new();
    // A token bucket: ACCEPTS_PER_TICK tokens every 10 ms, holding at most
    // MAX_TICKS_BEHIND ticks' worth, so that the rate holds on average even
    // when the process is scheduled late on a busy machine.
    let start = time_msec();
    let mut ticks_paid = 0;
    let mut tokens = 0;
    loop {
        let ticks = (time_msec() - start) / TICK_MS;
        tokens =
            (tokens + (ticks - ticks_paid) as usize * per_tick).min(per_tick * MAX_TICKS_BEHIND);
        ticks_paid = ticks;
        while tokens > 0 {
            match listener.accept() {
                Ok(stream) => {
                    tokens -= 1;
                    let fd = stream.as_raw_fd().expect("a socket");
                    let mut session = JsonrpcSession::open_unreliably(Jsonrpc::open(stream), 0);
                    let hello = Msg::create_notify("hello", Json::array(vec![Json::from(index)]));
                    let _ = session.send(hello);
                    clients.push(session);
                    fds.push(libc::pollfd {
                        fd,
                        events: libc::POLLIN,
                        revents: 0,
                    });
                }
                Err(_) => break,
            }
        }
        serve_readable(&mut clients, &mut fds);
        if tokens > 0 {
            listener.wait();
        }
        poll_loop::timer_wait_until(start + (ticks + 1) * TICK_MS);
        poll_loop::block();
    }
}

/// Runs the sessions whose sockets have something to read (or hung up),
/// answering their probes, and forgets those that ended.
fn serve_readable(clients: &mut Vec<JsonrpcSession>, fds: &mut Vec<libc::pollfd>) {
    if fds.is_empty() {
        return;
    }
    // SAFETY: `fds` is a valid, writable array of `fds.len()` pollfds;
    // timeout 0 never blocks.
    #[allow(unsafe_code)]
    let n = unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, 0) };
    if n <= 0 {
        return;
    }
    let mut i = 0;
    while i < clients.len() {
        if fds[i].revents != 0 {
            fds[i].revents = 0;
            let s = &mut clients[i];
            s.run();
            while s.recv().is_some() {}
            s.run();
            if !s.is_alive() {
                clients.swap_remove(i);
                fds.swap_remove(i);
                continue;
            }
        }
        i += 1;
    }
}
