//! `ovsrpc_session_*`: a session's options beyond OVS and its per-remote
//! statistics, for C programs (Rust's `SessionOpenOptions` and
//! `RemoteStats`). OVS has no such functions; they work on the same
//! `struct jsonrpc_session` as OVS's `jsonrpc_session_*` functions.
//!
//! Fill a `struct ovsrpc_session_options` with
//! `ovsrpc_session_options_init()` (the defaults, which behave as OVS),
//! change what you need, and pass it to `ovsrpc_session_open_multiple()` or
//! `ovsrpc_session_set_options()`.

use std::ffi::{c_char, c_int, c_longlong, c_uint};
use std::ptr;

use super::jsonrpc::jsonrpc_session;
use super::{boundary, c_strs, obj, obj_mut};
use crate::jsonrpc::{JsonrpcSession, RemoteOrder, SessionOpenOptions};
use crate::stream::{Keepalive, TcpOptions};

/// `ovsrpc_session_options.order`: shuffle the remotes once at random (the
/// default).
pub const OVSRPC_ORDER_RANDOM: c_int = 0;
/// `ovsrpc_session_options.order`: shuffle the remotes once with
/// `ovsrpc_session_options.seed` (reproducible).
pub const OVSRPC_ORDER_SEEDED: c_int = 1;
/// `ovsrpc_session_options.order`: keep the remotes in the order given.
pub const OVSRPC_ORDER_AS_GIVEN: c_int = 2;

/// A session's options beyond OVS. Every default keeps OVS's behaviour
/// (except `order`: OVS's session keeps the order given, and its callers
/// shuffle). Initialize with `ovsrpc_session_options_init()`.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ovsrpc_session_options {
    /// `OVSRPC_ORDER_RANDOM` (default), `OVSRPC_ORDER_SEEDED` or
    /// `OVSRPC_ORDER_AS_GIVEN`. Fixed when the session opens.
    pub order: c_int,
    /// The seed for `OVSRPC_ORDER_SEEDED`.
    pub seed: u64,
    /// A remote whose last `deprioritize_after` attempts failed goes last
    /// in the next round; 0 (default): plain round-robin.
    pub deprioritize_after: c_uint,
    /// How long a connection attempt may take, in ms, shorter or longer
    /// than OVS's (the backoff, at least 1 s); 0 (default): OVS's.
    pub connect_timeout_ms: c_longlong,
    /// `TCP_USER_TIMEOUT` in ms for tcp: and ssl: connections (made and
    /// accepted); 0 (default): the kernel's.
    pub tcp_user_timeout_ms: c_uint,
    /// TCP keepalive: idle seconds before the first probe; 0 (default):
    /// keepalive off.
    pub keepalive_idle_s: c_uint,
    /// TCP keepalive: seconds between probes.
    pub keepalive_interval_s: c_uint,
    /// TCP keepalive: unanswered probes before the connection fails.
    pub keepalive_count: c_uint,
    /// How long to wait for the answer to a probe, in ms; 0 (default): one
    /// probe interval, as OVS.
    pub probe_timeout_ms: c_int,
    /// Send replies to the peer's echo requests ahead of queued output.
    pub echo_priority: bool,
    /// Largest message accepted, in bytes (default 256 MiB).
    pub max_msg_size: usize,
    /// Bytes read from the socket at once, per connection (default 64 KiB).
    pub input_buffer: usize,
    /// Remotes tried at once, keeping the first that connects; 0 or 1
    /// (default): one at a time.
    pub parallel_connect: usize,
    /// After any drop of a connection, try every other remote without
    /// backoff.
    pub fast_failover: bool,
    /// How long a message may take to arrive once it has begun, in ms,
    /// before the connection fails with ETIMEDOUT; 0 (default): no limit.
    pub message_timeout_ms: c_longlong,
    /// Spread reconnection over a window of this many ms, so that many
    /// clients losing their server at once do not come back in lock step:
    /// after a drop, the round over the other remotes starts after a wait
    /// drawn from 0 to `jitter_ms`; each backoff wait of b ms becomes a
    /// wait drawn from b - min(jitter_ms, b/2) to b (never longer than
    /// OVS's). 0 (default): OVS's exact schedule.
    pub jitter_ms: c_int,
    /// Seed of the jitter draws, for a reproducible schedule; 0 (default):
    /// each session seeds its own.
    pub jitter_seed: u64,
}

/// The health of one remote of a session.
#[repr(C)]
#[derive(Debug)]
pub struct ovsrpc_remote_stats {
    /// The remote's name; belongs to the session.
    pub name: *const c_char,
    /// Connection attempts started (passive: connections accepted).
    pub n_attempts: c_uint,
    /// Connections that delivered at least one message.
    pub n_successes: c_uint,
    /// Failures in a row up to the latest (0 after a success).
    pub consecutive_failures: c_uint,
    /// The last error: 0 for none, a positive errno, or EOF (-1).
    pub last_error: c_int,
    /// When it last connected (time_msec()), LLONG_MAX for never.
    pub last_connected: c_longlong,
    /// When a connection to it last ended, LLONG_MAX for never.
    pub last_disconnected: c_longlong,
}

impl From<&SessionOpenOptions> for ovsrpc_session_options {
    fn from(o: &SessionOpenOptions) -> ovsrpc_session_options {
        let (order, seed) = match o.order {
            RemoteOrder::Random => (OVSRPC_ORDER_RANDOM, 0),
            RemoteOrder::Seeded(seed) => (OVSRPC_ORDER_SEEDED, seed),
            RemoteOrder::AsGiven => (OVSRPC_ORDER_AS_GIVEN, 0),
        };
        let k = o.tcp.keepalive.unwrap_or(Keepalive {
            idle_s: 0,
            interval_s: 0,
            count: 0,
        });
        ovsrpc_session_options {
            order,
            seed,
            deprioritize_after: o.deprioritize_after,
            connect_timeout_ms: o.connect_timeout_ms,
            tcp_user_timeout_ms: o.tcp.user_timeout_ms,
            keepalive_idle_s: k.idle_s,
            keepalive_interval_s: k.interval_s,
            keepalive_count: k.count,
            probe_timeout_ms: o.probe_timeout_ms,
            echo_priority: o.echo_priority,
            max_msg_size: o.max_msg_size,
            input_buffer: o.input_buffer,
            parallel_connect: o.parallel_connect,
            fast_failover: o.fast_failover,
            message_timeout_ms: o.message_timeout_ms,
            jitter_ms: o.jitter_ms,
            jitter_seed: o.jitter_seed.unwrap_or(0),
        }
    }
}

impl ovsrpc_session_options {
    /// The Rust options, or `None` if a field is out of range.
    fn to_rust(self) -> Option<SessionOpenOptions> {
        let order = match self.order {
            OVSRPC_ORDER_RANDOM => RemoteOrder::Random,
            OVSRPC_ORDER_SEEDED => RemoteOrder::Seeded(self.seed),
            OVSRPC_ORDER_AS_GIVEN => RemoteOrder::AsGiven,
            _ => return None,
        };
        if self.connect_timeout_ms < 0
            || self.probe_timeout_ms < 0
            || self.message_timeout_ms < 0
            || self.jitter_ms < 0
            || self.max_msg_size == 0
            || self.input_buffer == 0
        {
            return None;
        }
        let keepalive = (self.keepalive_idle_s > 0).then_some(Keepalive {
            idle_s: self.keepalive_idle_s,
            interval_s: self.keepalive_interval_s.max(1),
            count: self.keepalive_count.max(1),
        });
        Some(SessionOpenOptions {
            order,
            deprioritize_after: self.deprioritize_after,
            connect_timeout_ms: self.connect_timeout_ms,
            tcp: TcpOptions {
                user_timeout_ms: self.tcp_user_timeout_ms,
                keepalive,
            },
            probe_timeout_ms: self.probe_timeout_ms,
            echo_priority: self.echo_priority,
            max_msg_size: self.max_msg_size,
            input_buffer: self.input_buffer,
            parallel_connect: self.parallel_connect,
            fast_failover: self.fast_failover,
            message_timeout_ms: self.message_timeout_ms,
            jitter_ms: self.jitter_ms,
            jitter_seed: (self.jitter_seed != 0).then_some(self.jitter_seed),
        })
    }
}

/// Fills `*opts` with the defaults, which behave as OVS's session.
#[no_mangle]
pub unsafe extern "C" fn ovsrpc_session_options_init(opts: *mut ovsrpc_session_options) {
    boundary("ovsrpc_session_options_init", || {
        // SAFETY: the caller passes a writable struct.
        *unsafe { obj_mut(opts) } = (&SessionOpenOptions::default()).into();
    })
}

/// Like `jsonrpc_session_open_multiple()`, with `opts` (NULL: the
/// defaults). Returns NULL if a field of `opts` is out of range (an unknown
/// order, a negative timeout, a zero size).
#[no_mangle]
pub unsafe extern "C" fn ovsrpc_session_open_multiple(
    names: *const *const c_char,
    n: usize,
    retry: bool,
    opts: *const ovsrpc_session_options,
) -> *mut jsonrpc_session {
    boundary("ovsrpc_session_open_multiple", || {
        let options = if opts.is_null() {
            SessionOpenOptions::default()
        } else {
            // SAFETY: the caller passes a readable struct.
            match unsafe { *obj(opts) }.to_rust() {
                Some(o) => o,
                None => return ptr::null_mut(),
            }
        };
        // SAFETY: the caller passes NULL or `n` C strings (or NULLs).
        let remotes = unsafe { c_strs(names, n) };
        jsonrpc_session::into_raw(JsonrpcSession::open_multiple_with(
            &remotes, retry, &options,
        ))
    })
}

/// Stores the session's options beyond OVS into `*opts`.
#[no_mangle]
pub unsafe extern "C" fn ovsrpc_session_get_options(
    s: *const jsonrpc_session,
    opts: *mut ovsrpc_session_options,
) {
    boundary("ovsrpc_session_get_options", || {
        // SAFETY: the caller passes a live session.
        let o = unsafe { obj(s) }.inner.get_open_options().into();
        // SAFETY: the caller passes a writable struct.
        *unsafe { obj_mut(opts) } = o;
    })
}

/// Changes the session's options beyond OVS (`order` and `seed` are fixed
/// at open and ignored). The TCP options and sizes apply from the next
/// connection, the others at once. Returns 0, or EINVAL (changing nothing)
/// if a field is out of range.
#[no_mangle]
pub unsafe extern "C" fn ovsrpc_session_set_options(
    s: *mut jsonrpc_session,
    opts: *const ovsrpc_session_options,
) -> c_int {
    boundary("ovsrpc_session_set_options", || {
        // SAFETY: the caller passes a readable struct.
        let mut o = unsafe { *obj(opts) };
        // SAFETY: the caller passes a live session, not in use elsewhere.
        let s = unsafe { obj_mut(s) };
        o.order = OVSRPC_ORDER_RANDOM;
        match o.to_rust() {
            Some(options) => {
                s.inner.set_open_options(&options);
                0
            }
            None => libc::EINVAL,
        }
    })
}

/// Stores the health of the session's remote number `i` (in the order
/// `jsonrpc_session_get_name()` goes through them, from 0 to
/// `jsonrpc_session_get_n_remotes()` - 1) into `*stats`. Returns 0, or
/// EINVAL (leaving `*stats` alone) if there is no such remote.
#[no_mangle]
pub unsafe extern "C" fn ovsrpc_session_get_remote_stats(
    s: *const jsonrpc_session,
    i: usize,
    stats: *mut ovsrpc_remote_stats,
) -> c_int {
    boundary("ovsrpc_session_get_remote_stats", || {
        // SAFETY: the caller passes a live session.
        let s = unsafe { obj(s) };
        let (Some(r), Some(name)) = (s.inner.get_remote_stats().get(i), s.remotes.get(i)) else {
            return libc::EINVAL;
        };
        let out = ovsrpc_remote_stats {
            name: name.as_ptr(),
            n_attempts: r.n_attempts,
            n_successes: r.n_successes,
            consecutive_failures: r.consecutive_failures,
            last_error: r.last_error,
            last_connected: r.last_connected,
            last_disconnected: r.last_disconnected,
        };
        // SAFETY: the caller passes a writable struct.
        *unsafe { obj_mut(stats) } = out;
        0
    })
}
