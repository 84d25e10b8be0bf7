//! A connection's output queue: serialized messages waiting to be written.
//!
//! The queue is a list of chunks. Most bytes live in `Bytes` chunks, which
//! the serializer appends to; messages queued in a row share one chunk, so
//! they leave together. A long string value (at least [`SHARE_MIN`] bytes)
//! that needs no escaping is not copied at all: its chunk holds a reference
//! to the message's own string (`Shared`), and the kernel copies it straight
//! from there, gathered with its neighbours in one `sendmsg(2)`.
//!
//! Positions are counted in bytes since the connection opened (`queued`,
//! `sent`), so message ends stay valid while the front is written and
//! dropped. A `Bytes` chunk is not appended to once it holds
//! [`CHUNK_TARGET`] bytes, so written chunks go as a whole and nothing is
//! ever moved to reclaim a written prefix; up to [`SPARE_BYTES`] of them
//! are kept for reuse, per thread: the connections a thread serves share
//! them, so a connection with nothing queued holds no output buffer.

use std::cell::Cell;
use std::collections::VecDeque;
use std::io::{self, IoSlice};
use std::sync::Arc;

use crate::json::{find_special, Sink};
use crate::jsonrpc::msg::Msg;
use crate::stream::Stream;

/// Strings at least this long and free of bytes to escape are queued by
/// reference. Shorter ones cost less to copy than an extra `iovec`.
const SHARE_MIN: usize = 4096;

/// A `Bytes` chunk this full takes no more messages: the next one starts a
/// new chunk.
const CHUNK_TARGET: usize = 64 * 1024;

/// The most pieces handed to one `sendmsg(2)`.
const MAX_SLICES: usize = 64;

enum Chunk {
    Bytes(Vec<u8>),
    Shared(Arc<str>),
}

impl Chunk {
    fn as_bytes(&self) -> &[u8] {
        match self {
            Chunk::Bytes(v) => v,
            Chunk::Shared(s) => s.as_bytes(),
        }
    }
}

/// A message the queue can take: its wire form, written through a
/// serializer sink, and its debug-log description. [`Msg`] is one; the C
/// API queues its own messages, written straight from their C nodes.
pub(crate) trait Outgoing {
    /// Appends the message's compact wire form to `out`.
    fn write_to_sink<S: Sink>(&self, out: &mut S);
    /// OVS's debug-log description of the message.
    fn describe(&self) -> String;
}

impl Outgoing for Msg {
    #[inline]
    fn write_to_sink<S: Sink>(&self, out: &mut S) {
        Msg::write_to_sink(self, out);
    }

    fn describe(&self) -> String {
        Msg::describe(self)
    }
}

/// The queue.
#[derive(Default)]
pub(super) struct Output {
    chunks: VecDeque<Chunk>,
    /// Bytes of the front chunk already written.
    front_pos: usize,
    /// Bytes ever queued (the position of the end of the queue).
    queued: u64,
    /// Bytes ever written.
    sent: u64,
}

/// The most memory kept in spare chunks, per thread.
const SPARE_BYTES: usize = 256 * 1024;

/// Emptied chunks kept for reuse, so that a busy connection does not
/// allocate and grow a buffer for every burst.
#[derive(Default)]
struct Spares {
    vecs: Vec<Vec<u8>>,
    bytes: usize,
}

impl Spares {
    /// A fresh `Bytes` chunk: a spare one if there is one.
    fn take(&mut self) -> Vec<u8> {
        match self.vecs.pop() {
            Some(v) => {
                self.bytes -= v.capacity();
                v
            }
            None => Vec::with_capacity(1024),
        }
    }

    /// Keeps `v` for reuse if there is room.
    fn give(&mut self, mut v: Vec<u8>) {
        if self.bytes + v.capacity() <= SPARE_BYTES {
            v.clear();
            self.bytes += v.capacity();
            self.vecs.push(v);
        }
    }
}

thread_local! {
    /// The spare chunks of the connections this thread serves.
    static SPARES: Cell<Spares> = const {
        Cell::new(Spares {
            vecs: Vec::new(),
            bytes: 0,
        })
    };
}

/// A fresh `Bytes` chunk: one of this thread's spares if there is one.
fn take_spare() -> Vec<u8> {
    SPARES
        .try_with(|c| {
            let mut spares = c.take();
            let v = spares.take();
            c.set(spares);
            v
        })
        .unwrap_or_else(|_| Vec::with_capacity(1024))
}

/// Keeps `v`, written out, among this thread's spares if there is room.
fn give_spare(v: Vec<u8>) {
    let _ = SPARES.try_with(|c| {
        let mut spares = c.take();
        spares.give(v);
        c.set(spares);
    });
}

/// The serializer's view of the queue while a message is added: bytes go
/// to `cur`, which joins the chunks when a shared string follows it and
/// at the end.
struct ChunkSink<'a> {
    cur: Vec<u8>,
    chunks: &'a mut VecDeque<Chunk>,
    added: usize,
}

impl ChunkSink<'_> {
    fn finish(self) -> usize {
        if self.cur.is_empty() {
            give_spare(self.cur);
        } else {
            self.chunks.push_back(Chunk::Bytes(self.cur));
        }
        self.added
    }
}

impl Sink for ChunkSink<'_> {
    #[inline]
    fn put(&mut self, s: &str) {
        self.added += s.len();
        self.cur.extend_from_slice(s.as_bytes());
    }

    #[inline]
    fn put_string(&mut self, s: &str) {
        let before = self.cur.len();
        Sink::put_string(&mut self.cur, s);
        self.added += self.cur.len() - before;
    }

    fn put_shared_string(&mut self, s: &Arc<str>) {
        if s.len() < SHARE_MIN || find_special(s.as_bytes(), 0) < s.len() {
            self.put_string(s);
            return;
        }
        self.put("\"");
        let next = take_spare();
        let cur = std::mem::replace(&mut self.cur, next);
        self.chunks.push_back(Chunk::Bytes(cur));
        self.chunks.push_back(Chunk::Shared(Arc::clone(s)));
        self.added += s.len();
        self.put("\"");
    }
}

impl Output {
    /// Bytes queued and not yet written.
    pub(super) fn len(&self) -> usize {
        (self.queued - self.sent) as usize
    }

    pub(super) fn is_empty(&self) -> bool {
        self.queued == self.sent
    }

    /// Bytes ever written (positions are counted from the start).
    pub(super) fn sent(&self) -> u64 {
        self.sent
    }

    /// Appends `msg`'s wire form; returns the position of its end.
    pub(super) fn push<M: Outgoing>(&mut self, msg: &M) -> u64 {
        // Go on filling the last chunk unless it is full enough. (If it is
        // written in part, `front_pos` stays right: bytes only go at the
        // end.)
        let cur = match self.chunks.back() {
            Some(Chunk::Bytes(v)) if v.len() < CHUNK_TARGET => match self.chunks.pop_back() {
                Some(Chunk::Bytes(v)) => v,
                _ => take_spare(),
            },
            _ => take_spare(),
        };
        let mut sink = ChunkSink {
            cur,
            chunks: &mut self.chunks,
            added: 0,
        };
        msg.write_to_sink(&mut sink);
        self.queued += sink.finish() as u64;
        self.queued
    }

    /// Puts `msg`'s wire form at position `at`, which must be the end of a
    /// queued message not yet wholly written. Returns its length.
    pub(super) fn insert<M: Outgoing>(&mut self, at: u64, msg: &M) -> usize {
        let mut piece = Output::default();
        let len = piece.push(msg) as usize;
        // Find the chunk holding the byte before `at` (a message's closing
        // brace, always in a `Bytes` chunk) and split it there.
        let mut start = self.sent - self.front_pos as u64;
        let mut index = 0;
        while index < self.chunks.len() {
            let end = start + self.chunks[index].as_bytes().len() as u64;
            if at <= end {
                break;
            }
            start = end;
            index += 1;
        }
        let split = (at - start) as usize;
        if let Some(Chunk::Bytes(v)) = self.chunks.get_mut(index) {
            if split < v.len() {
                let tail = v.split_off(split);
                self.chunks.insert(index + 1, Chunk::Bytes(tail));
            }
        }
        for (next, chunk) in (index + 1..).zip(piece.chunks) {
            self.chunks.insert(next, chunk);
        }
        self.queued += len as u64;
        len
    }

    /// Writes as much as `stream` takes in one call. Returns the bytes
    /// written (0 only when nothing is queued).
    pub(super) fn write(&mut self, stream: &mut Stream) -> io::Result<usize> {
        let n = match self.chunks.len() {
            0 => return Ok(0),
            1 => stream.send(&self.chunks[0].as_bytes()[self.front_pos..])?,
            _ => {
                let mut slices = [IoSlice::new(&[]); MAX_SLICES];
                let mut count = 0;
                for (i, chunk) in self.chunks.iter().take(MAX_SLICES).enumerate() {
                    let bytes = chunk.as_bytes();
                    let bytes = if i == 0 {
                        &bytes[self.front_pos..]
                    } else {
                        bytes
                    };
                    slices[count] = IoSlice::new(bytes);
                    count += 1;
                }
                stream.send_vectored(&slices[..count])?
            }
        };
        self.advance(n);
        Ok(n)
    }

    /// Drops the first `n` queued bytes, which have been written.
    fn advance(&mut self, mut n: usize) {
        self.sent += n as u64;
        while n > 0 {
            let Some(front) = self.chunks.front() else {
                break;
            };
            let left = front.as_bytes().len() - self.front_pos;
            if n < left {
                self.front_pos += n;
                return;
            }
            n -= left;
            self.front_pos = 0;
            if let Some(Chunk::Bytes(v)) = self.chunks.pop_front() {
                give_spare(v);
            }
        }
    }

    /// Forgets everything queued and releases the memory.
    pub(super) fn clear(&mut self) {
        self.sent = self.queued;
        self.chunks = VecDeque::new();
        self.front_pos = 0;
    }
}
