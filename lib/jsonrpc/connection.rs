//! `Jsonrpc`: a JSON-RPC 1.0 connection over one [`Stream`] (OVS's
//! `struct jsonrpc`).
//!
//! # Main loop
//!
//! Each iteration: [`Jsonrpc::run`] (flushes queued output), then
//! [`Jsonrpc::recv`] until it returns `EAGAIN`, [`Jsonrpc::send`] as needed,
//! then [`Jsonrpc::wait`] and [`Jsonrpc::recv_wait`], then
//! [`crate::poll_loop::block`].
//!
//! # Output
//!
//! [`Jsonrpc::send`] serializes the message straight into one output
//! buffer. When nothing was queued before, it tries to write at once;
//! whatever the stream does not take stays queued and [`Jsonrpc::run`]
//! writes it later, as much as the stream takes in one call, so many small
//! queued messages leave in one syscall (OVS writes one message per
//! `send(2)`).
//!
//! # Input
//!
//! [`Jsonrpc::recv`] reads into a buffer and feeds the incremental JSON
//! parser, at most 50 reads per call as OVS does. Anything that is not valid
//! JSON or not valid JSON-RPC fails the connection with `EPROTO` after every
//! message before it has been delivered.

use std::collections::VecDeque;
use std::fmt;
use std::io;

use log::{debug, log_enabled, warn, Level};

use crate::error::{Error, Result};
use crate::json;
use crate::jsonrpc::msg::{Msg, MsgType};
use crate::poll_loop;
use crate::stream::{self, PStream, Stream};

/// The IANA port for OVSDB, the default for JSON-RPC names without a port.
pub const OVSDB_PORT: u16 = 6640;
/// The port OVS used before IANA assigned one.
pub const OVSDB_OLD_PORT: u16 = 6632;

/// Default maximum size of one received message (256 MiB).
pub const DEFAULT_MAX_MSG_SIZE: usize = json::DEFAULT_MAX_SIZE as usize;

/// Default size of the input buffer: the most bytes read from the socket
/// and held unparsed at once.
pub const DEFAULT_INPUT_BUFFER: usize = 64 * 1024;
const MAX_READS_PER_RECV: usize = 50;

/// [`Stream::open_with_default_port`] with the JSON-RPC port 6640.
pub fn stream_open(name: &str, dscp: u8) -> io::Result<Stream> {
    Stream::open_with_default_port(name, OVSDB_PORT, dscp)
}

/// [`PStream::open_with_default_port`] with the JSON-RPC port 6640.
pub fn pstream_open(name: &str, dscp: u8) -> io::Result<PStream> {
    PStream::open_with_default_port(name, OVSDB_PORT, dscp)
}

/// A JSON-RPC connection over a stream. See the module docs for the
/// main-loop order.
pub struct Jsonrpc {
    stream: Option<Stream>,
    name: String,
    status: i32,

    // Input: bytes read but not yet fed to the parser are input[pos..].
    input: Vec<u8>,
    input_pos: usize,
    parser: json::Parser,
    in_message: bool,
    received_bytes: u64,
    input_buffer: usize,

    // Output: bytes not yet written are output[output_pos..]; the end
    // offsets (into `output`) of queued messages are in `msg_ends`.
    output: Vec<u8>,
    output_pos: usize,
    msg_ends: VecDeque<usize>,
    max_output: usize,
    max_backlog: usize,
}

impl fmt::Debug for Jsonrpc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Jsonrpc")
            .field("name", &self.name)
            .field("status", &self.status)
            .field("backlog", &self.get_backlog())
            .finish()
    }
}

impl Jsonrpc {
    /// Wraps `stream` (which should be connected, or connecting) in a
    /// JSON-RPC connection that owns it.
    pub fn open(stream: Stream) -> Jsonrpc {
        Jsonrpc {
            name: stream.name().to_string(),
            stream: Some(stream),
            status: 0,
            input: Vec::new(),
            input_pos: 0,
            parser: json::Parser::new(),
            in_message: false,
            received_bytes: 0,
            input_buffer: DEFAULT_INPUT_BUFFER,
            output: Vec::new(),
            output_pos: 0,
            msg_ends: VecDeque::new(),
            max_output: 0,
            max_backlog: 0,
        }
    }

    /// Closes the connection (dropping it does the same).
    pub fn close(self) {}

    /// The stream's name, as it was when the connection was opened.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The peer's identity (ssl certificate common name), if known.
    pub fn peer_id(&self) -> Option<&str> {
        self.stream.as_ref().and_then(|s| s.peer_id())
    }

    /// 0 while the connection works; otherwise the errno that ended it, or
    /// `EOF` (-1) if the peer closed it. Once nonzero, nothing more is sent
    /// or received.
    pub fn get_status(&self) -> i32 {
        self.status
    }

    /// Bytes queued for sending (0 once the connection has failed).
    pub fn get_backlog(&self) -> usize {
        if self.status != 0 {
            0
        } else {
            self.output.len() - self.output_pos
        }
    }

    /// Messages queued (wholly or partly unsent).
    pub fn get_backlog_msgs(&self) -> usize {
        if self.status != 0 {
            0
        } else {
            self.msg_ends.len()
        }
    }

    /// Drops the connection (E2BIG) when more than `max_n_msgs` messages or
    /// more than `max_backlog_bytes` bytes are queued; 0 means no limit.
    pub fn set_backlog_threshold(&mut self, max_n_msgs: usize, max_backlog_bytes: usize) {
        self.max_output = max_n_msgs;
        self.max_backlog = max_backlog_bytes;
    }

    /// Sets the largest message accepted from the peer (default 256 MiB);
    /// a bigger one fails the connection with EPROTO.
    pub fn set_max_msg_size(&mut self, max: usize) {
        self.parser.set_max_size(Some(max.max(1) as u64));
    }

    /// Sets the most bytes read from the socket and held unparsed at once
    /// (default 64 KiB, at least 1 KiB). Takes effect with the next read.
    pub fn set_input_buffer_size(&mut self, bytes: usize) {
        self.input_buffer = bytes.max(1024);
    }

    /// Bytes received so far, wrapping at 2^32 as OVS's counter does.
    pub fn get_received_bytes(&self) -> u32 {
        self.received_bytes as u32
    }

    /// Bytes received so far, as a 64-bit count.
    pub fn received_bytes_total(&self) -> u64 {
        self.received_bytes
    }

    /// Fails the connection with `error` (positive errno or EOF) and
    /// releases its stream and buffers. Does nothing if it already failed.
    pub fn error(&mut self, error: Error) {
        if self.status == 0 {
            self.status = error.errno();
            self.stream = None;
            self.parser.reset();
            self.input = Vec::new();
            self.input_pos = 0;
            self.output = Vec::new();
            self.output_pos = 0;
            self.msg_ends.clear();
        }
    }

    /// Writes as much queued output as the stream takes now.
    pub fn run(&mut self) {
        if self.status != 0 {
            return;
        }
        let Some(stream) = &mut self.stream else {
            return;
        };
        stream.run();
        while self.output_pos < self.output.len() {
            match stream.send(&self.output[self.output_pos..]) {
                Ok(n) => {
                    self.output_pos += n;
                    while self
                        .msg_ends
                        .front()
                        .is_some_and(|&end| end <= self.output_pos)
                    {
                        self.msg_ends.pop_front();
                    }
                    if n == 0 {
                        break;
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) => {
                    let e = Error::from(e);
                    warn!("{}: send error: {}", self.name, e);
                    self.error(e);
                    return;
                }
            }
        }
        if self.output_pos == self.output.len() {
            self.output.clear();
            self.output_pos = 0;
            self.msg_ends.clear();
        } else if self.output_pos > (1 << 20) && self.output_pos * 2 > self.output.len() {
            // Reclaim the sent prefix without copying much.
            self.output.drain(..self.output_pos);
            for end in self.msg_ends.iter_mut() {
                *end -= self.output_pos;
            }
            self.output_pos = 0;
        }
    }

    /// Registers with the poll loop what [`run`](Self::run) waits for.
    #[track_caller]
    pub fn wait(&self) {
        if self.status == 0 {
            if let Some(stream) = &self.stream {
                stream.run_wait();
                if self.output_pos < self.output.len() {
                    stream.send_wait();
                }
            }
        }
    }

    fn log_msg(&self, title: &str, msg: &Msg) {
        if log_enabled!(Level::Debug) {
            debug!("{}: {} {}", self.name, title, msg.describe());
        }
    }

    /// Queues `msg` for sending and writes at once if nothing was queued.
    /// Returns the connection's status as an error if it has failed (the
    /// message is then dropped), or `E2BIG` when the backlog threshold
    /// trips.
    pub fn send(&mut self, msg: Msg) -> Result<()> {
        if self.status != 0 {
            return Err(Error::from_errno(self.status));
        }
        self.log_msg("send", &msg);
        let was_empty = self.output_pos == self.output.len();
        msg.write_to(&mut self.output);
        self.msg_ends.push_back(self.output.len());
        self.check_backlog();
        if self.status == 0 && was_empty {
            self.run();
        }
        match self.status {
            0 => Ok(()),
            e => Err(Error::from_errno(e)),
        }
    }

    /// Queues `msg` ahead of everything queued that has not started to go
    /// out (used for echo replies so that a long backlog does not starve the
    /// peer's probe). Otherwise as [`send`](Self::send).
    pub fn send_priority(&mut self, msg: Msg) -> Result<()> {
        if self.status != 0 {
            return Err(Error::from_errno(self.status));
        }
        if self.output_pos == self.output.len() {
            return self.send(msg);
        }
        self.log_msg("send", &msg);
        let mut bytes = Vec::new();
        msg.write_to(&mut bytes);
        // Insert after the message in flight (the first one, which may be
        // partly written), before all others.
        let at = *self.msg_ends.front().expect("queued output has messages");
        let idx = 1;
        self.output.splice(at..at, bytes.iter().copied());
        for end in self.msg_ends.iter_mut().skip(1) {
            *end += bytes.len();
        }
        self.msg_ends.insert(idx, at + bytes.len());
        self.check_backlog();
        match self.status {
            0 => Ok(()),
            e => Err(Error::from_errno(e)),
        }
    }

    fn check_backlog(&mut self) {
        let count = self.msg_ends.len();
        let backlog = self.output.len() - self.output_pos;
        if count >= 50 {
            if self.max_output != 0 && count > self.max_output {
                warn!(
                    "sending backlog exceeded maximum number of messages ({} > {}), disconnecting, jsonrpc: {}.",
                    count, self.max_output, self.name
                );
                self.error(Error::E2BIG);
            } else if self.max_backlog != 0 && backlog > self.max_backlog {
                warn!(
                    "sending backlog exceeded maximum size ({} > {} bytes), disconnecting, jsonrpc: {}.",
                    backlog, self.max_backlog, self.name
                );
                self.error(Error::E2BIG);
            }
        }
    }

    /// Receives one message. `Err(EAGAIN)`: no whole message yet;
    /// `Err(EOF)`: the peer closed the connection; any other error: the
    /// connection has failed (EPROTO for bad input).
    pub fn recv(&mut self) -> Result<Msg> {
        if self.status != 0 {
            return Err(Error::from_errno(self.status));
        }
        for _ in 0..MAX_READS_PER_RECV {
            if self.input_pos == self.input.len() {
                let stream = self
                    .stream
                    .as_mut()
                    .expect("working connection has a stream");
                self.input.resize(self.input_buffer, 0);
                self.input_pos = 0;
                match stream.recv(&mut self.input) {
                    Ok(0) => {
                        self.input.clear();
                        if self.in_message {
                            warn!(
                                "{}: connection closed in the middle of a message",
                                self.name
                            );
                        }
                        self.error(Error::EOF);
                        return Err(Error::EOF);
                    }
                    Ok(n) => {
                        self.input.truncate(n);
                        self.received_bytes += n as u64;
                    }
                    Err(e) => {
                        self.input.clear();
                        if e.kind() == io::ErrorKind::WouldBlock {
                            return Err(Error::EAGAIN);
                        }
                        let e = Error::from(e);
                        warn!("{}: receive error: {}", self.name, e);
                        self.error(e);
                        return Err(e);
                    }
                }
            }

            let avail = &self.input[self.input_pos..];
            let used = self.parser.feed(avail);
            self.input_pos += used;
            self.in_message = self.parser.bytes_consumed() > 0;
            if self.parser.is_done() {
                self.in_message = false;
                return self.parse_received();
            }
        }
        Err(Error::EAGAIN)
    }

    fn parse_received(&mut self) -> Result<Msg> {
        let json = match self.parser.finish() {
            Ok(json) => json,
            Err(e) => {
                warn!("{}: error parsing stream: {}", self.name, e);
                self.error(Error::EPROTO);
                return Err(Error::EPROTO);
            }
        };
        match Msg::from_json(json) {
            Ok(msg) => {
                self.log_msg("received", &msg);
                Ok(msg)
            }
            Err(e) => {
                warn!("{}: received bad JSON-RPC message: {}", self.name, e);
                self.error(Error::EPROTO);
                Err(Error::EPROTO)
            }
        }
    }

    /// Makes the next [`poll_loop::block`] wake when [`recv`](Self::recv)
    /// may return something other than `EAGAIN`.
    #[track_caller]
    pub fn recv_wait(&self) {
        if self.status != 0 || self.input_pos < self.input.len() {
            poll_loop::immediate_wake();
        } else if let Some(stream) = &self.stream {
            stream.recv_wait();
        }
    }

    /// Sends `msg` and waits until it has been handed to the stream.
    pub fn send_block(&mut self, msg: Msg) -> Result<()> {
        self.send(msg)?;
        loop {
            self.run();
            if self.status != 0 {
                return Err(Error::from_errno(self.status));
            }
            if self.output_pos == self.output.len() {
                return Ok(());
            }
            self.wait();
            poll_loop::block();
        }
    }

    /// Waits for a message (as [`recv`](Self::recv), but never `EAGAIN`).
    pub fn recv_block(&mut self) -> Result<Msg> {
        loop {
            match self.recv() {
                Err(e) if e.is_again() => {}
                other => return other,
            }
            self.run();
            self.wait();
            self.recv_wait();
            poll_loop::block();
        }
    }

    /// Sends `request` and waits for the reply (or error reply) with its id;
    /// other messages received meanwhile are discarded.
    pub fn transact_block(&mut self, request: Msg) -> Result<Msg> {
        let id = request.id.clone();
        self.send_block(request)?;
        loop {
            let reply = self.recv_block()?;
            if matches!(reply.msg_type, MsgType::Reply | MsgType::Error) && reply.id == id {
                return Ok(reply);
            }
        }
    }
}

/// Opens a JSON-RPC connection to `name` and waits until it is connected
/// or fails (`timeout_ms` < 0: no limit).
pub fn open_block(name: &str, timeout_ms: i64) -> Result<Jsonrpc> {
    let stream = stream_open(name, 0).map_err(Error::from)?;
    let stream = Stream::open_block(Ok(stream), timeout_ms).map_err(Error::from)?;
    Ok(Jsonrpc::open(stream))
}

/// Re-exported for callers that build connections by hand.
pub use stream::StreamWait;
