//! Fuzzes JSON-RPC message decoding through a real [`Jsonrpc`] connection
//! over an in-memory stream that hands the input over in random chunk
//! sizes (with `EAGAIN` in between): the connection delivers exactly the
//! messages that a whole-input parse followed by `Msg::from_json` gives,
//! in order, then fails with `EPROTO` at the first bad one or reports
//! `EOF` at the end of the input. Every delivered message is valid and
//! survives a round trip through its wire form.
//!
//! Input layout: byte 0 picks the maximum message size (0: default),
//! byte 1 the number `k` (0..=15) of chunk-size bytes that follow; the rest
//! is what the peer sends.
//!
//! The body of the `jsonrpc_msg` fuzz target ([`run`]), shared by the fuzz
//! crate (fuzz/fuzz_targets/jsonrpc_msg.rs) and by tests/fuzz_corpus.rs, which
//! replays the corpus through it under `cargo test`.

#[path = "common.rs"]
mod common;

use common::same;
use std::io;

use ovsrpc::json::{self, Json};
use ovsrpc::jsonrpc::{Jsonrpc, Msg};
use ovsrpc::stream::{Stream, StreamClass, StreamWait};
use ovsrpc::Error;

/// A peer that sends `data` in pieces of the given sizes, says `EAGAIN`
/// before every other piece, and closes at the end.
struct Peer {
    data: Vec<u8>,
    at: usize,
    sizes: Vec<usize>,
    turn: usize,
    again: bool,
}

impl StreamClass for Peer {
    fn connect(&mut self) -> io::Result<()> {
        Ok(())
    }
    fn recv(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.again = !self.again;
        if self.again && self.turn % 2 == 1 {
            return Err(io::ErrorKind::WouldBlock.into());
        }
        let size = self
            .sizes
            .get(self.turn % self.sizes.len().max(1))
            .copied()
            .unwrap_or(usize::MAX);
        self.turn += 1;
        let n = size.min(buf.len()).min(self.data.len() - self.at);
        buf[..n].copy_from_slice(&self.data[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
    fn send(&mut self, buf: &[u8]) -> io::Result<usize> {
        Ok(buf.len())
    }
    fn wait(&self, _: StreamWait) {}
    fn set_dscp(&mut self, _: u8) -> io::Result<()> {
        Ok(())
    }
}

fn same_member(a: &Option<Json>, b: &Option<Json>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => same(a, b),
        (None, None) => true,
        _ => false,
    }
}

/// Checks one input; panics when a property does not hold.
pub fn run(data: &[u8]) {
    if data.len() < 2 {
        return;
    }
    let max = match data[0] {
        0 => None,
        m => Some(u64::from(m) * 5),
    };
    let (sizes, input) = common::chunk_sizes(&data[1..]);

    let peer = Peer {
        data: input.to_vec(),
        at: 0,
        sizes,
        turn: 0,
        again: false,
    };
    let mut rpc = Jsonrpc::open(Stream::from_class("fuzz:peer", Box::new(peer), Ok(())));
    if let Some(max) = max {
        rpc.set_max_msg_size(max as usize);
    }
    let mut got = Vec::new();
    let status = loop {
        match rpc.recv() {
            Ok(m) => got.push(m),
            Err(e) if e.is_again() => {}
            Err(e) => break e.errno(),
        }
    };
    assert_eq!(rpc.get_status(), status);
    let received = rpc.received_bytes_total();
    if status == Error::EOF.errno() {
        assert_eq!(
            received,
            input.len() as u64,
            "EOF before all input was read"
        );
    } else {
        assert!(received <= input.len() as u64);
    }

    let (want, want_status) = common::reference_msgs(input, max);
    assert_eq!(got, want, "chunked connection and whole parse disagree");
    assert_eq!(status, want_status);

    for m in &got {
        assert_eq!(m.is_valid(), Ok(()));
        let mut wire = Vec::new();
        m.write_to(&mut wire);
        let back = Msg::from_json(json::from_slice(&wire).expect("wire form parses"))
            .expect("wire form decodes");
        assert_eq!(back.msg_type, m.msg_type);
        assert_eq!(back.method, m.method);
        for (a, b) in [
            (&back.params, &m.params),
            (&back.result, &m.result),
            (&back.error, &m.error),
            (&back.id, &m.id),
        ] {
            assert!(same_member(a, b), "{m:?} came back as {back:?}");
        }
        assert_eq!(m.to_json().to_string().into_bytes(), wire);
        let _ = m.describe();
    }
}
