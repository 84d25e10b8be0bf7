//! `Jsonrpc`: a JSON-RPC 1.0 connection over one [`Stream`] (OVS's
//! `struct jsonrpc`).
//!
//! # Main loop
//!
//! Each iteration: [`Jsonrpc::run`] (flushes queued output), then
//! [`Jsonrpc::recv`] until it returns `EAGAIN`, [`Jsonrpc::send`] as needed,
//! then [`Jsonrpc::wait`] and [`Jsonrpc::recv_wait`], then
//! [`crate::poll_loop::block`]. Once [`Jsonrpc::get_status`] is nonzero the
//! connection is out of service: drop it (or [`Jsonrpc::close`] it).
//!
//! # Output
//!
//! [`Jsonrpc::send`] serializes the message straight into the output
//! queue. When nothing was queued before, it tries to write at once, as
//! OVS does; whatever the stream does not take stays queued and
//! [`Jsonrpc::run`] writes it later, as much as the stream takes in one
//! call, so small messages that were queued together leave in one `send(2)`
//! (OVS writes one message per call). Long string values (4 KiB and more)
//! that need no escaping are not copied into the queue: the kernel takes
//! them from the message itself, gathered with the bytes around them in one
//! `sendmsg(2)`. [`Jsonrpc::queue`] queues without
//! writing, for a sender that has many messages at hand: a burst of
//! `queue`s followed by one `run` costs one system call.
//!
//! The backlog is bounded only if the caller asks:
//! [`Jsonrpc::set_backlog_threshold`] makes the connection fail with
//! `E2BIG` when too much is queued (checked, as in OVS, only once at least
//! 50 messages are queued).
//!
//! # Input
//!
//! [`Jsonrpc::recv`] reads up to 64 KiB at a time and feeds the incremental
//! JSON parser, at most 50 reads per call as OVS does, so one busy peer
//! cannot hold up a main loop. The bytes are read into one buffer per
//! thread, shared by all the connections that thread serves; a connection
//! keeps only what a read brought beyond the message it completed (until the
//! next [`Jsonrpc::recv`] parses it), and the parser keeps its stacks only
//! while a message is half-read. An idle connection therefore holds no
//! input memory at all, however many there are. Anything that is not valid JSON or not valid
//! JSON-RPC fails the connection with `EPROTO` and one log line naming the
//! peer and the problem, after every message received before it has been
//! delivered.
//!
//! # Logging
//!
//! Every message sent and received is logged at debug level (target
//! `ovsrpc::jsonrpc::connection`) as OVS does: `NAME: send request,
//! method="echo", params=[], id=0`, with object members sorted. Errors
//! (`NAME: error parsing stream: ...`, `NAME: received bad JSON-RPC message:
//! ...`, `NAME: send error: ...`, `NAME: receive error: ...`) are warnings
//! and the "excessive sending backlog" report is informational, each
//! rate-limited as in OVS (5 a minute, bursts of 5; per thread here, since
//! each thread runs its own main loop).

use std::collections::VecDeque;
use std::fmt;
use std::io;
use std::thread::LocalKey;

use log::{debug, info, log_enabled, warn, Level};

use crate::error::{Error, Result};
use crate::json;
use crate::jsonrpc::msg::{Msg, MsgType};
use crate::jsonrpc::output::{Outgoing, Output};
use crate::poll_loop;
use crate::stream::{self, PStream, Stream};
use crate::vlog::{Admit, RateLimit};

/// The IANA port for OVSDB, the default for JSON-RPC names without a port.
pub const OVSDB_PORT: u16 = 6640;
/// The port OVS used before IANA assigned one.
pub const OVSDB_OLD_PORT: u16 = 6632;

/// Default maximum size of one received message (256 MiB).
pub const DEFAULT_MAX_MSG_SIZE: usize = json::DEFAULT_MAX_SIZE as usize;

/// Default size of a read: the most bytes read from the socket and held
/// unparsed at once.
pub const DEFAULT_INPUT_BUFFER: usize = 64 * 1024;
/// One buffer per thread that connections read into (see the module
/// docs); only the bytes a connection must keep are copied out of it.
struct ReadBuffer(Box<[u8]>);

thread_local! {
    /// This thread's spare read buffer, when no connection is reading.
    static READ_BUFFER: std::cell::Cell<Option<Box<[u8]>>> = const { std::cell::Cell::new(None) };
}

impl ReadBuffer {
    /// This thread's read buffer, at least `len` bytes long (a new one if
    /// another read on this thread holds it).
    fn take(len: usize) -> ReadBuffer {
        let spare = READ_BUFFER.try_with(|c| c.take()).ok().flatten();
        match spare {
            Some(buf) if buf.len() >= len => ReadBuffer(buf),
            _ => ReadBuffer(vec![0; len].into_boxed_slice()),
        }
    }

    /// Keeps the buffer for this thread's next read.
    fn give_back(self) {
        let _ = READ_BUFFER.try_with(|c| c.set(Some(self.0)));
    }
}

impl std::ops::Deref for ReadBuffer {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.0
    }
}

impl std::ops::DerefMut for ReadBuffer {
    fn deref_mut(&mut self) -> &mut [u8] {
        &mut self.0
    }
}

/// Reads per [`Jsonrpc::recv`] call at most (OVS's 50).
const MAX_READS_PER_RECV: usize = 50;
/// Queued messages from which the backlog is reported and checked (OVS).
const BACKLOG_CHECK_MSGS: usize = 50;

/// The parser a connection's receive path feeds: the connection's own,
/// which makes [`Msg`]s, or one the C API keeps, which makes C messages
/// straight from the bytes. The size limit is the connection's.
pub(crate) trait Decoder {
    /// A received message.
    type Msg;
    /// As [`json::Parser::feed`].
    fn feed(&mut self, input: &[u8]) -> usize;
    /// As [`json::Parser::is_done`].
    fn is_done(&self) -> bool;
    /// As [`json::Parser::is_started`].
    fn is_started(&self) -> bool;
    /// As [`json::Parser::bytes_consumed`].
    fn bytes_consumed(&self) -> u64;
    /// As [`json::Parser::reset`].
    fn reset(&mut self);
    /// As [`json::Parser::set_max_size`].
    fn set_max_size(&mut self, max: Option<u64>);
    /// Ends the value: the parse error, or the message read from it, or
    /// why it is no JSON-RPC message (with OVS's texts).
    fn finish(&mut self) -> std::result::Result<MsgResult<Self::Msg>, json::Error>;
    /// OVS's debug-log description of a message.
    fn describe(msg: &Self::Msg) -> String;
}

/// A message read from a JSON value, or why the value is none.
pub(crate) type MsgResult<M> = std::result::Result<M, String>;

impl Decoder for json::Parser {
    type Msg = Msg;
    #[inline]
    fn feed(&mut self, input: &[u8]) -> usize {
        json::Parser::feed(self, input)
    }
    fn is_done(&self) -> bool {
        json::Parser::is_done(self)
    }
    fn is_started(&self) -> bool {
        json::Parser::is_started(self)
    }
    fn bytes_consumed(&self) -> u64 {
        json::Parser::bytes_consumed(self)
    }
    fn reset(&mut self) {
        json::Parser::reset(self)
    }
    fn set_max_size(&mut self, max: Option<u64>) {
        json::Parser::set_max_size(self, max)
    }
    fn finish(&mut self) -> std::result::Result<MsgResult<Msg>, json::Error> {
        json::Parser::finish(self).map(Msg::from_json)
    }
    fn describe(msg: &Msg) -> String {
        msg.describe()
    }
}

/// What a session asks of a received message: whether it is the peer's
/// `echo` request (and then the reply to send) or the reply to its own.
pub(crate) trait Incoming {
    /// For an `echo` request, the reply: its params as result, its id.
    fn echo_reply(&self) -> Option<Msg>;
    /// True for a reply whose id is `"echo"`.
    fn is_echo_reply(&self) -> bool;
}

impl Incoming for Msg {
    fn echo_reply(&self) -> Option<Msg> {
        (self.msg_type == MsgType::Request && self.method.as_deref() == Some("echo")).then(|| {
            let params = self.params.clone().unwrap_or_else(json::Json::empty_array);
            let id = self.id.clone().unwrap_or(json::Json::Null);
            Msg::create_reply(params, &id)
        })
    }

    fn is_echo_reply(&self) -> bool {
        self.msg_type == MsgType::Reply
            && self.id.as_ref().and_then(|id| id.as_str()) == Some("echo")
    }
}

/// [`Stream::open_with_default_port`] with the JSON-RPC port 6640.
pub fn stream_open(name: &str, dscp: u8) -> io::Result<Stream> {
    Stream::open_with_default_port(name, OVSDB_PORT, dscp)
}

/// [`PStream::open_with_default_port`] with the JSON-RPC port 6640.
pub fn pstream_open(name: &str, dscp: u8) -> io::Result<PStream> {
    PStream::open_with_default_port(name, OVSDB_PORT, dscp)
}

thread_local! {
    // OVS keeps one bucket per process; here each thread has its own, since
    // each thread runs its own main loop over its own connections.
    /// Errors on connections (OVS: 5 a minute, bursts of 5).
    static ERROR_RL: RateLimit = const { RateLimit::new(5, 5) };
    /// The "excessive sending backlog" report (OVS: 5 a minute, bursts of 5).
    static BACKLOG_RL: RateLimit = const { RateLimit::new(5, 5) };
}

/// True if `limit` (on this thread) lets a message through now; after
/// drops, first logs OVS's "Dropped N log messages..." summary.
fn allow(limit: &'static LocalKey<RateLimit>) -> bool {
    limit.with(|l| match l.admit() {
        Admit::Drop => false,
        Admit::Log => true,
        Admit::LogAfterDrops(dropped) => {
            warn!("{}", dropped.summary());
            true
        }
    })
}

/// A JSON-RPC connection over a stream. See the module docs for the
/// main-loop order.
pub struct Jsonrpc {
    stream: Option<Stream>,
    name: String,
    status: i32,

    // Input: bytes read but not yet fed to the parser are
    // pending[pending_start..]; empty (unallocated) between reads.
    pending: Vec<u8>,
    pending_start: usize,
    parser: json::Parser,
    /// The size limit of one message, applied to whichever parser the
    /// input goes to.
    max_msg_size: Option<u64>,
    received_bytes: u64,
    input_buffer: usize,

    // Output: the queue, and the end positions (see `Output`) of the
    // messages not yet wholly written, oldest first.
    output: Output,
    msg_ends: VecDeque<u64>,
    max_output: usize,
    max_backlog: usize,
}

impl fmt::Debug for Jsonrpc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Jsonrpc")
            .field("name", &self.name)
            .field("status", &self.status)
            .field("backlog", &self.get_backlog())
            .field("backlog_msgs", &self.get_backlog_msgs())
            .finish()
    }
}

impl Jsonrpc {
    /// Wraps `stream` (which should be connected, or connecting) in a
    /// JSON-RPC connection that owns it (OVS's `jsonrpc_open()`).
    pub fn open(stream: Stream) -> Jsonrpc {
        Jsonrpc {
            name: stream.name().to_string(),
            stream: Some(stream),
            status: 0,
            pending: Vec::new(),
            pending_start: 0,
            parser: json::Parser::new(),
            max_msg_size: Some(DEFAULT_MAX_MSG_SIZE as u64),
            received_bytes: 0,
            input_buffer: DEFAULT_INPUT_BUFFER,
            output: Output::default(),
            msg_ends: VecDeque::new(),
            max_output: 0,
            max_backlog: 0,
        }
    }

    /// Closes the connection and its stream, dropping anything queued
    /// (dropping it does the same).
    pub fn close(self) {}

    /// The stream's name, as it was when the connection was opened.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The stream's name, as it was when the connection was opened (OVS's
    /// `jsonrpc_get_name()`; same as [`name`](Self::name)).
    pub fn get_name(&self) -> &str {
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
            self.output.len()
        }
    }

    /// Messages queued, wholly or partly unsent (0 once the connection has
    /// failed).
    pub fn get_backlog_msgs(&self) -> usize {
        if self.status != 0 {
            0
        } else {
            self.msg_ends.len()
        }
    }

    /// Makes the connection fail with `E2BIG` when, at a
    /// [`send`](Self::send) with at least 50 messages queued, more than
    /// `max_n_msgs` messages or more than `max_backlog_bytes` bytes are
    /// queued; 0 means no limit (the default).
    pub fn set_backlog_threshold(&mut self, max_n_msgs: usize, max_backlog_bytes: usize) {
        self.max_output = max_n_msgs;
        self.max_backlog = max_backlog_bytes;
    }

    /// Sets the largest message accepted from the peer (default 256 MiB);
    /// a bigger one fails the connection with `EPROTO`.
    pub fn set_max_msg_size(&mut self, max: usize) {
        self.max_msg_size = Some(max.max(1) as u64);
        self.parser.set_max_size(self.max_msg_size);
    }

    /// Sets the most bytes read from the socket at once (into this
    /// thread's read buffer) and so held unparsed by the connection
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
            self.pending = Vec::new();
            self.pending_start = 0;
            self.output.clear();
            self.msg_ends = VecDeque::new();
        }
    }

    fn status_result(&self) -> Result<()> {
        match self.status {
            0 => Ok(()),
            e => Err(Error::from_errno(e)),
        }
    }

    /// Writes as much queued output as the stream takes now (OVS's
    /// `jsonrpc_run()`). A send error other than `EAGAIN` fails the
    /// connection.
    pub fn run(&mut self) {
        if self.status != 0 {
            return;
        }
        let Some(stream) = &mut self.stream else {
            return;
        };
        stream.run();
        while !self.output.is_empty() {
            match self.output.write(stream) {
                Ok(0) => break,
                Ok(_) => {
                    let sent = self.output.sent();
                    while self.msg_ends.front().is_some_and(|&end| end <= sent) {
                        self.msg_ends.pop_front();
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) => {
                    let e = Error::from(e);
                    if allow(&ERROR_RL) {
                        warn!("{}: send error: {}", self.name, e);
                    }
                    self.error(e);
                    return;
                }
            }
        }
    }

    /// Registers with the poll loop what [`run`](Self::run) waits for: the
    /// stream's background work, and room to write if output is queued.
    #[track_caller]
    pub fn wait(&self) {
        if self.status == 0 {
            if let Some(stream) = &self.stream {
                stream.run_wait();
                if !self.output.is_empty() {
                    stream.send_wait();
                }
            }
        }
    }

    fn log_msg<M: Outgoing>(&self, title: &str, msg: &M) {
        if log_enabled!(Level::Debug) {
            debug!("{}: {} {}", self.name, title, msg.describe());
        }
    }

    /// Queues `msg` and, if nothing was queued before, writes at once as
    /// much as the stream takes (OVS's `jsonrpc_send()`).
    ///
    /// Returns the connection's status as an error if it has failed (the
    /// message is then dropped), including `E2BIG` when this message
    /// tripped the backlog threshold.
    pub fn send(&mut self, msg: Msg) -> Result<()> {
        self.send_outgoing(&msg)
    }

    /// [`send`](Self::send) for any message the output queue takes (the C
    /// API's messages are written from their own nodes).
    pub(crate) fn send_outgoing<M: Outgoing>(&mut self, msg: &M) -> Result<()> {
        let was_empty = self.output.is_empty();
        self.queue_outgoing(msg)?;
        if was_empty {
            self.run();
        }
        self.status_result()
    }

    /// Queues `msg` without writing anything: [`run`](Self::run) (or the
    /// next [`send`](Self::send) that finds the queue empty) writes it.
    /// Messages queued in a row leave together, in as few system calls as
    /// the stream allows. Errors as [`send`](Self::send).
    pub fn queue(&mut self, msg: Msg) -> Result<()> {
        self.queue_outgoing(&msg)
    }

    /// [`queue`](Self::queue) for any message the output queue takes.
    pub(crate) fn queue_outgoing<M: Outgoing>(&mut self, msg: &M) -> Result<()> {
        self.status_result()?;
        self.log_msg("send", msg);
        let end = self.output.push(msg);
        self.msg_ends.push_back(end);
        self.check_backlog();
        self.status_result()
    }

    /// Queues `msg` right behind the first queued message (which may be
    /// partly written already), ahead of all the others, and otherwise
    /// behaves as [`send`](Self::send). Useful for a reply that must not
    /// wait behind a long backlog.
    pub fn send_priority(&mut self, msg: Msg) -> Result<()> {
        self.status_result()?;
        let Some(&at) = self.msg_ends.front() else {
            return self.send(msg);
        };
        self.log_msg("send", &msg);
        let len = self.output.insert(at, &msg) as u64;
        for end in self.msg_ends.iter_mut().skip(1) {
            *end += len;
        }
        self.msg_ends.insert(1, at + len);
        self.check_backlog();
        self.status_result()
    }

    /// OVS's backlog check, run each time a message is queued: from 50
    /// queued messages on, report the backlog (rate-limited) and fail the
    /// connection with `E2BIG` if a threshold is exceeded.
    fn check_backlog(&mut self) {
        let count = self.msg_ends.len();
        if count < BACKLOG_CHECK_MSGS {
            return;
        }
        let backlog = self.output.len();
        if allow(&BACKLOG_RL) {
            info!(
                "excessive sending backlog, jsonrpc: {}, num of msgs: {}, backlog: {}.",
                self.name, count, backlog
            );
        }
        if self.max_output != 0 && count > self.max_output {
            warn!(
                "sending backlog exceeded maximum number of messages ({} > {}), \
                 disconnecting, jsonrpc: {}.",
                count, self.max_output, self.name
            );
            self.error(Error::E2BIG);
        } else if self.max_backlog != 0 && backlog > self.max_backlog {
            warn!(
                "sending backlog exceeded maximum size ({} > {} bytes), disconnecting, \
                 jsonrpc: {}.",
                backlog, self.max_backlog, self.name
            );
            self.error(Error::E2BIG);
        }
    }

    /// Beyond OVS: true while a message has begun to arrive but is not
    /// whole yet (bytes read but not yet parsed count as begun).
    pub fn is_receiving(&self) -> bool {
        self.is_receiving_with(&self.parser)
    }

    /// [`is_receiving`](Self::is_receiving) for a connection whose input
    /// goes to `parser`.
    pub(crate) fn is_receiving_with<D: Decoder>(&self, parser: &D) -> bool {
        self.pending_start < self.pending.len() || parser.is_started()
    }

    /// Receives one message (OVS's `jsonrpc_recv()`).
    ///
    /// `Err(EAGAIN)`: no whole message yet (it reads at most 50 times per
    /// call); `Err(EOF)`: the peer closed the connection; `Err(EPROTO)`:
    /// the peer sent something that is not JSON or not JSON-RPC; any other
    /// error: the connection failed. After any error but `EAGAIN` the
    /// connection is out of service and keeps returning that error.
    pub fn recv(&mut self) -> Result<Msg> {
        // The parser is lent out for the call: `recv_with` resets it on
        // every error that `error` would reset it for.
        let mut parser = self.take_parser();
        let result = self.recv_with(&mut parser);
        self.put_parser(parser);
        result
    }

    /// Lends the connection's own parser out (see [`recv_with`](Self::recv_with)).
    pub(crate) fn take_parser(&mut self) -> json::Parser {
        std::mem::take(&mut self.parser)
    }

    /// Takes back the parser [`take_parser`](Self::take_parser) lent out.
    pub(crate) fn put_parser(&mut self, parser: json::Parser) {
        self.parser = parser;
    }

    /// [`recv`](Self::recv) feeding `parser` instead of the connection's
    /// own (which stays idle): the C API parses straight into C nodes. The
    /// caller keeps `parser` for this connection alone.
    pub(crate) fn recv_with<D: Decoder>(&mut self, parser: &mut D) -> Result<D::Msg> {
        self.status_result()?;
        parser.set_max_size(self.max_msg_size);
        for _ in 0..MAX_READS_PER_RECV {
            if self.pending_start < self.pending.len() {
                let used = parser.feed(&self.pending[self.pending_start..]);
                self.pending_start += used;
                if self.pending_start == self.pending.len() {
                    self.pending = Vec::new();
                    self.pending_start = 0;
                }
                if parser.is_done() {
                    return self.parse_received(parser, None);
                }
                continue;
            }
            let len = self.input_buffer;
            let mut buf = ReadBuffer::take(len);
            let result = self.read_and_feed(parser, &mut buf[..len]);
            buf.give_back();
            match result {
                Ok(None) => {}
                Ok(Some(content)) => return self.parse_received(parser, content),
                Err(e) => {
                    if !e.is_again() {
                        parser.reset();
                    }
                    return Err(e);
                }
            }
        }
        Err(Error::EAGAIN)
    }

    /// Reads once into this thread's buffer `buf` and feeds what came to
    /// the parser, keeping any bytes beyond a completed message. Returns
    /// `Some` once a message is complete, with what the first bytes the
    /// peer sent look like if they were all in this read.
    fn read_and_feed<D: Decoder>(
        &mut self,
        parser: &mut D,
        buf: &mut [u8],
    ) -> Result<Option<Option<&'static str>>> {
        let Some(stream) = self.stream.as_mut() else {
            return Err(Error::from_errno(self.status));
        };
        let n = match stream.recv(buf) {
            Ok(0) => {
                if parser.bytes_consumed() > 0 && allow(&ERROR_RL) {
                    warn!(
                        "{}: connection closed in the middle of a message",
                        self.name
                    );
                }
                self.error(Error::EOF);
                return Err(Error::EOF);
            }
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Err(Error::EAGAIN),
            Err(e) => {
                let e = Error::from(e);
                if allow(&ERROR_RL) {
                    warn!("{}: receive error: {}", self.name, e);
                }
                self.error(e);
                return Err(e);
            }
        };
        let first_read = self.received_bytes == 0;
        self.received_bytes += n as u64;
        let data = &buf[..n];
        let used = parser.feed(data);
        if !parser.is_done() {
            return Ok(None);
        }
        if used < n {
            self.pending = data[used..].to_vec();
            self.pending_start = 0;
        }
        // What the peer seems to speak, for the report of a parse error
        // (OVS's `stream_report_content`), e.g. a TLS client on a plain
        // listener: known only while all it sent is at hand.
        let content = if first_read {
            stream::guess_content(data)
        } else {
            None
        };
        Ok(Some(content))
    }

    /// After a parse error, says what the peer seems to speak instead
    /// (`content`, when known).
    fn report_content(&self, content: Option<&'static str>) {
        if let Some(kind) = content.filter(|k| *k != "JSON-RPC") {
            if allow(&ERROR_RL) {
                warn!("{}: received {} data on JSON-RPC channel", self.name, kind);
            }
        }
    }

    fn parse_received<D: Decoder>(
        &mut self,
        parser: &mut D,
        content: Option<&'static str>,
    ) -> Result<D::Msg> {
        let result = parser.finish();
        let read = match result {
            Ok(read) => read,
            Err(e) => {
                if allow(&ERROR_RL) {
                    warn!("{}: error parsing stream: {}", self.name, e);
                }
                self.report_content(content);
                self.error(Error::EPROTO);
                return Err(Error::EPROTO);
            }
        };
        match read {
            Ok(msg) => {
                if log_enabled!(Level::Debug) {
                    debug!("{}: received {}", self.name, D::describe(&msg));
                }
                Ok(msg)
            }
            Err(e) => {
                if allow(&ERROR_RL) {
                    warn!("{}: received bad JSON-RPC message: {}", self.name, e);
                }
                self.error(Error::EPROTO);
                Err(Error::EPROTO)
            }
        }
    }

    /// Makes the next [`poll_loop::block`] wake when [`recv`](Self::recv)
    /// may return something other than `EAGAIN`.
    #[track_caller]
    pub fn recv_wait(&self) {
        if self.status != 0 || self.pending_start < self.pending.len() {
            poll_loop::immediate_wake();
        } else if let Some(stream) = &self.stream {
            stream.recv_wait();
        }
    }

    /// Sends `msg` and waits until all of the output queue has been handed
    /// to the stream (OVS's `jsonrpc_send_block()`).
    pub fn send_block(&mut self, msg: Msg) -> Result<()> {
        self.send_block_outgoing(&msg)
    }

    /// [`send_block`](Self::send_block) for any message the output queue
    /// takes.
    pub(crate) fn send_block_outgoing<M: Outgoing>(&mut self, msg: &M) -> Result<()> {
        self.send_outgoing(msg)?;
        loop {
            self.run();
            self.status_result()?;
            if self.output.is_empty() {
                return Ok(());
            }
            self.wait();
            poll_loop::block();
        }
    }

    /// Waits for a message (as [`recv`](Self::recv), but never `EAGAIN`),
    /// flushing output meanwhile (OVS's `jsonrpc_recv_block()`).
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

    /// Sends `request` and waits for the reply or error reply with its id;
    /// other messages received meanwhile are discarded (OVS's
    /// `jsonrpc_transact_block()`).
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

/// Opens a JSON-RPC connection to `name` (default port 6640) and waits
/// until it is connected or fails (`timeout_ms` < 0: no limit).
pub fn open_block(name: &str, timeout_ms: i64) -> Result<Jsonrpc> {
    let stream = Stream::open_block(stream_open(name, 0), timeout_ms).map_err(Error::from)?;
    Ok(Jsonrpc::open(stream))
}

/// Re-exported for callers that build connections by hand.
pub use stream::StreamWait;

#[cfg(test)]
#[path = "connection_tests.rs"]
mod tests;
