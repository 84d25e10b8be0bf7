//! The session's settings: OVS's ([`SessionOptions`]) and those beyond OVS
//! ([`SessionOpenOptions`]).

use crate::jsonrpc::connection::{DEFAULT_INPUT_BUFFER, DEFAULT_MAX_MSG_SIZE};
use crate::jsonrpc::remotes::RemoteOrder;
use crate::stream::TcpOptions;

/// Options for a session beyond OVS's `(names, retry)`.
///
/// Each option states what it changes against OVS's `jsonrpc_session`, and
/// its default keeps OVS's behaviour, except [`order`](Self::order): OVS's
/// session keeps the order given while its callers (the IDL) shuffle, so
/// the session shuffles by default and [`RemoteOrder::AsGiven`] keeps
/// OVS's session's order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionOpenOptions {
    /// How the remotes are ordered before the round-robin starts.
    pub order: RemoteOrder,
    /// A remote whose last `deprioritize_after` attempts all failed (see
    /// [`RemoteStats`](crate::jsonrpc::RemoteStats) for what fails) is
    /// tried last in the next round; the others keep their order. 0 (the
    /// default) keeps OVS's plain round-robin.
    pub deprioritize_after: u32,
    /// How long a connection attempt may take, in ms, before it fails with
    /// `ETIMEDOUT` (charged to each remote being tried) and the next remote
    /// is tried. It replaces OVS's deadline, which is the current backoff
    /// but at least 1 s, and may be shorter or longer than that. 0 (the
    /// default) keeps OVS's deadline.
    pub connect_timeout_ms: i64,
    /// Kernel dead-peer detection (`TCP_USER_TIMEOUT`, keepalive) for
    /// `tcp:` and `ssl:` connections, those the session makes and those a
    /// passive session accepts. The default sets nothing, as OVS.
    pub tcp: TcpOptions,
    /// How long to wait for the answer to a probe before disconnecting, in
    /// ms; 0 (the default) waits one probe interval, as OVS does.
    pub probe_timeout_ms: i32,
    /// Send replies to the peer's `echo` requests ahead of queued output,
    /// so that a long backlog does not make the peer's probe time out.
    /// Off by default: OVS queues them behind everything else.
    pub echo_priority: bool,
    /// Largest message accepted from the peer, in bytes (default 256 MiB,
    /// OVS's limit); a larger one fails the connection with `EPROTO`.
    pub max_msg_size: usize,
    /// Most bytes read from the socket at once (into one buffer per
    /// thread) and held unparsed by the connection (default 64 KiB; OVS
    /// reads 4 KiB at a time). Changes system calls, not behaviour.
    pub input_buffer: usize,
    /// Try this many remotes at once and keep the first that connects; the
    /// others are closed without counting as failures, and the next round
    /// goes on after the winner. 0 or 1 (the default): one at a time, as
    /// OVS.
    pub parallel_connect: usize,
    /// When a connection drops, however it drops (the peer closes it, an
    /// error, no answer to a probe, the send backlog over its threshold, a
    /// message over its deadline), every other remote is tried without
    /// backoff. OVS does that only for its first round over the remotes
    /// and waits the backoff after later drops. Off by default. A drop the
    /// application asked for (`force_reconnect`, a new DSCP) is no failure
    /// and keeps OVS's backoff.
    pub fast_failover: bool,
    /// How long a message may take to arrive once its first byte has, in
    /// ms. A message still incomplete after that fails the connection with
    /// `ETIMEDOUT` (logged, and counted as a drop as above), so that a peer
    /// dribbling bytes cannot hold the session forever: OVS counts every
    /// byte as activity, so such a peer is never probed. Measured from the
    /// [`recv`](super::JsonrpcSession::recv) call that first saw the
    /// message begin, so it only runs while the application receives.
    /// Whitespace between messages does not start one. Idle connections and
    /// probes are unaffected. 0 (the default) sets no limit, as OVS.
    pub message_timeout_ms: i64,
    /// Spreads reconnection over a window of this many ms, so that a fleet
    /// of clients that lose their server at the same instant does not come
    /// back in lock step. What it changes: after a connection drops, the
    /// round over the other remotes that OVS starts at once starts after a
    /// wait drawn from 0 to `jitter_ms`; each backoff wait of `b` ms
    /// becomes a wait drawn from `b - min(jitter_ms, b / 2)` to `b`. What
    /// it keeps: the round stays one round (its other tries go at once),
    /// no wait is longer than OVS's, so the maximum backoff stays a
    /// maximum, and the first connection at open is immediate. See
    /// [`Reconnect::set_jitter`](crate::reconnect::Reconnect::set_jitter).
    /// 0 (the default) keeps OVS's exact schedule.
    pub jitter_ms: i32,
    /// The seed of the session's jitter draws, for a reproducible
    /// schedule; `None` (the default) seeds from the time, the process and
    /// a counter, so that every session draws its own schedule.
    pub jitter_seed: Option<u64>,
}

impl Default for SessionOpenOptions {
    fn default() -> SessionOpenOptions {
        SessionOpenOptions {
            order: RemoteOrder::Random,
            deprioritize_after: 0,
            connect_timeout_ms: 0,
            tcp: TcpOptions::default(),
            probe_timeout_ms: 0,
            echo_priority: false,
            max_msg_size: DEFAULT_MAX_MSG_SIZE,
            input_buffer: DEFAULT_INPUT_BUFFER,
            parallel_connect: 0,
            fast_failover: false,
            message_timeout_ms: 0,
            jitter_ms: 0,
            jitter_seed: None,
        }
    }
}

/// Settings that can be changed on an open session all at once, as OVS's
/// `struct jsonrpc_session_options`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SessionOptions {
    /// Maximum backoff between connection attempts, in ms.
    pub max_backoff: i32,
    /// Idle time before an echo probe, in ms (0 disables probes).
    pub probe_interval: i32,
    /// DSCP value for the connection's IP packets.
    pub dscp: u8,
}
