//! `reconnect.h`: OVS's reconnect FSM.
//!
//! Every function takes the FSM created by `reconnect_create()`; those that
//! depend on time take `now`, normally `time_msec()`.

use std::ffi::{c_char, c_int, c_longlong, c_uint, CString};

use super::{boundary, c_str, c_string, obj, obj_mut, put};
use crate::reconnect::{Action, Reconnect, Stats};

/// Default minimum backoff, in milliseconds.
pub const RECONNECT_DEFAULT_MIN_BACKOFF: c_int = 1000;
/// Default maximum backoff, in milliseconds.
pub const RECONNECT_DEFAULT_MAX_BACKOFF: c_int = 8000;
/// Default probe interval, in milliseconds.
pub const RECONNECT_DEFAULT_PROBE_INTERVAL: c_int = 5000;

/// A reconnect FSM (opaque).
pub struct reconnect {
    fsm: Reconnect,
    /// `fsm`'s name as a C string, for `reconnect_get_name()`.
    name: CString,
}

/// What `reconnect_run()` asks the client to do.
#[repr(C)]
pub enum reconnect_action {
    /// Start a connection attempt (passive: start listening).
    RECONNECT_CONNECT = 1,
    /// Drop the connection or the attempt.
    RECONNECT_DISCONNECT,
    /// Send the peer a probe that elicits a reply.
    RECONNECT_PROBE,
}

/// `reconnect_run()`'s return value: a `reconnect_action`, or 0 for
/// nothing (which the enum, as OVS's, does not name). The header declares
/// it as `enum reconnect_action`.
#[repr(transparent)]
pub struct reconnect_action_value(pub c_int);

impl From<Option<Action>> for reconnect_action_value {
    fn from(action: Option<Action>) -> reconnect_action_value {
        reconnect_action_value(match action {
            None => 0,
            Some(Action::Connect) => reconnect_action::RECONNECT_CONNECT as c_int,
            Some(Action::Disconnect) => reconnect_action::RECONNECT_DISCONNECT as c_int,
            Some(Action::Probe) => reconnect_action::RECONNECT_PROBE as c_int,
        })
    }
}

/// Statistics of a reconnect FSM, filled in by `reconnect_get_stats()`. All
/// times and durations are in milliseconds.
#[repr(C)]
pub struct reconnect_stats {
    /// Time `reconnect_create()` was called.
    pub creation_time: c_longlong,
    /// Time of the last `reconnect_activity()`.
    pub last_activity: c_longlong,
    /// Time of the last `reconnect_connected()` (`LLONG_MAX` if never).
    pub last_connected: c_longlong,
    /// Time of the last disconnection (`LLONG_MAX` if never).
    pub last_disconnected: c_longlong,
    /// Current backoff duration.
    pub backoff: c_int,
    /// Number of connections plus number of disconnections.
    pub seqno: c_uint,
    /// Currently connected?
    pub is_connected: bool,
    /// Time since the last connection (`UINT_MAX` if never).
    pub msec_since_connect: c_uint,
    /// Time since the last disconnection (`UINT_MAX` if never).
    pub msec_since_disconnect: c_uint,
    /// Sum of the durations of all connections.
    pub total_connected_duration: c_uint,
    /// Number of connection attempts that finished.
    pub n_attempted_connections: c_uint,
    /// Number of connection attempts that succeeded.
    pub n_successful_connections: c_uint,
    /// The FSM state's name (a static string), for humans debugging.
    pub state: *const c_char,
    /// Time since the FSM state was entered.
    pub state_elapsed: c_uint,
}

impl From<Stats> for reconnect_stats {
    fn from(s: Stats) -> reconnect_stats {
        reconnect_stats {
            creation_time: s.creation_time,
            last_activity: s.last_activity,
            last_connected: s.last_connected,
            last_disconnected: s.last_disconnected,
            backoff: s.backoff,
            seqno: s.seqno,
            is_connected: s.is_connected,
            msec_since_connect: s.msec_since_connect,
            msec_since_disconnect: s.msec_since_disconnect,
            total_connected_duration: s.total_connected_duration,
            n_attempted_connections: s.n_attempted_connections,
            n_successful_connections: s.n_successful_connections,
            state: s.state.c_name().as_ptr(),
            state_elapsed: s.state_elapsed,
        }
    }
}

/// Fills `*stats` (if not NULL) from `s`.
///
/// # Safety
///
/// `stats` is NULL or valid for writing a `reconnect_stats`.
pub(crate) unsafe fn put_stats(stats: *mut reconnect_stats, s: Stats) {
    // SAFETY: the caller guarantees `stats` is NULL or writable.
    unsafe { put(stats, reconnect_stats::from(s)) }
}

/// Runs `f` on the FSM behind `fsm`.
///
/// # Safety
///
/// `fsm` is a live FSM from `reconnect_create()`.
unsafe fn with<R>(func: &'static str, fsm: *const reconnect, f: impl FnOnce(&Reconnect) -> R) -> R {
    boundary(func, || {
        // SAFETY: the caller guarantees `fsm` is live.
        f(&unsafe { obj(fsm) }.fsm)
    })
}

/// Runs `f` on the FSM behind `fsm`, for modification.
///
/// # Safety
///
/// `fsm` is a live FSM from `reconnect_create()`, not in use elsewhere.
unsafe fn with_mut<R>(
    func: &'static str,
    fsm: *mut reconnect,
    f: impl FnOnce(&mut Reconnect) -> R,
) -> R {
    boundary(func, || {
        // SAFETY: the caller guarantees `fsm` is live and not shared.
        f(&mut unsafe { obj_mut(fsm) }.fsm)
    })
}

/// Creates and returns a new, disabled reconnect FSM (state VOID) with the
/// default settings, named "void". `now` is the current time.
#[no_mangle]
pub extern "C" fn reconnect_create(now: c_longlong) -> *mut reconnect {
    boundary("reconnect_create", || {
        let fsm = Reconnect::new(now);
        let name = c_string(fsm.get_name());
        Box::into_raw(Box::new(reconnect { fsm, name }))
    })
}

/// Frees `fsm`. NULL is fine.
#[no_mangle]
pub unsafe extern "C" fn reconnect_destroy(fsm: *mut reconnect) {
    boundary("reconnect_destroy", || {
        if !fsm.is_null() {
            // SAFETY: `fsm` came from `reconnect_create()` and is not used
            // after this call.
            drop(unsafe { Box::from_raw(fsm) });
        }
    })
}

/// With `quiet` true, the FSM logs its informational messages at debug
/// level instead of info level.
#[no_mangle]
pub unsafe extern "C" fn reconnect_set_quiet(fsm: *mut reconnect, quiet: bool) {
    // SAFETY: the caller passes a live FSM.
    unsafe { with_mut("reconnect_set_quiet", fsm, |f| f.set_quiet(quiet)) }
}

/// Returns the FSM's name, used in log messages. The string belongs to the
/// FSM and changes with `reconnect_set_name()`.
#[no_mangle]
pub unsafe extern "C" fn reconnect_get_name(fsm: *const reconnect) -> *const c_char {
    boundary("reconnect_get_name", || {
        // SAFETY: the caller passes a live FSM.
        unsafe { obj(fsm) }.name.as_ptr()
    })
}

/// Sets the FSM's name, used in log messages, to a copy of `name`; NULL
/// means "void".
#[no_mangle]
pub unsafe extern "C" fn reconnect_set_name(fsm: *mut reconnect, name: *const c_char) {
    boundary("reconnect_set_name", || {
        // SAFETY: the caller passes a live FSM and a C string or NULL.
        let fsm = unsafe { obj_mut(fsm) };
        // SAFETY: as above.
        let name = unsafe { c_str(name) };
        fsm.fsm.set_name(name.as_deref().unwrap_or("void"));
        fsm.name = c_string(fsm.fsm.get_name());
    })
}

/// Returns the minimum backoff, in milliseconds.
#[no_mangle]
pub unsafe extern "C" fn reconnect_get_min_backoff(fsm: *const reconnect) -> c_int {
    // SAFETY: the caller passes a live FSM.
    unsafe { with("reconnect_get_min_backoff", fsm, |f| f.get_min_backoff()) }
}

/// Returns the maximum backoff, in milliseconds.
#[no_mangle]
pub unsafe extern "C" fn reconnect_get_max_backoff(fsm: *const reconnect) -> c_int {
    // SAFETY: the caller passes a live FSM.
    unsafe { with("reconnect_get_max_backoff", fsm, |f| f.get_max_backoff()) }
}

/// Returns the probe interval in milliseconds (0: probing is disabled).
#[no_mangle]
pub unsafe extern "C" fn reconnect_get_probe_interval(fsm: *const reconnect) -> c_int {
    // SAFETY: the caller passes a live FSM.
    unsafe {
        with("reconnect_get_probe_interval", fsm, |f| {
            f.get_probe_interval()
        })
    }
}

/// Limits the connection attempts the FSM will ask for to `max_tries`
/// (`UINT_MAX`, the default, means no limit).
#[no_mangle]
pub unsafe extern "C" fn reconnect_set_max_tries(fsm: *mut reconnect, max_tries: c_uint) {
    // SAFETY: the caller passes a live FSM.
    unsafe {
        with_mut("reconnect_set_max_tries", fsm, |f| {
            f.set_max_tries(max_tries)
        })
    }
}

/// Returns the number of connection attempts left (`UINT_MAX`: no limit).
#[no_mangle]
pub unsafe extern "C" fn reconnect_get_max_tries(fsm: *mut reconnect) -> c_uint {
    // SAFETY: the caller passes a live FSM.
    unsafe { with("reconnect_get_max_tries", fsm, |f| f.get_max_tries()) }
}

/// After a disconnection, makes the next `backoff_free_tries - 1` attempts
/// without backoff.
#[no_mangle]
pub unsafe extern "C" fn reconnect_set_backoff_free_tries(
    fsm: *mut reconnect,
    backoff_free_tries: c_uint,
) {
    // SAFETY: the caller passes a live FSM.
    unsafe {
        with_mut("reconnect_set_backoff_free_tries", fsm, |f| {
            f.set_backoff_free_tries(backoff_free_tries)
        })
    }
}

/// Sets the minimum and maximum backoff, in milliseconds (minimum at least
/// 1000; a maximum of 0 means the default, 8000).
#[no_mangle]
pub unsafe extern "C" fn reconnect_set_backoff(
    fsm: *mut reconnect,
    min_backoff: c_int,
    max_backoff: c_int,
) {
    // SAFETY: the caller passes a live FSM.
    unsafe {
        with_mut("reconnect_set_backoff", fsm, |f| {
            f.set_backoff(min_backoff, max_backoff)
        })
    }
}

/// Sets the probe interval in milliseconds (0 disables probing; anything
/// else is at least 1000).
#[no_mangle]
pub unsafe extern "C" fn reconnect_set_probe_interval(fsm: *mut reconnect, probe_interval: c_int) {
    // SAFETY: the caller passes a live FSM.
    unsafe {
        with_mut("reconnect_set_probe_interval", fsm, |f| {
            f.set_probe_interval(probe_interval)
        })
    }
}

/// Returns true if the FSM is in passive mode (listening).
#[no_mangle]
pub unsafe extern "C" fn reconnect_is_passive(fsm: *const reconnect) -> bool {
    // SAFETY: the caller passes a live FSM.
    unsafe { with("reconnect_is_passive", fsm, |f| f.is_passive()) }
}

/// Chooses passive (listening) or active (connecting) mode.
#[no_mangle]
pub unsafe extern "C" fn reconnect_set_passive(
    fsm: *mut reconnect,
    passive: bool,
    now: c_longlong,
) {
    // SAFETY: the caller passes a live FSM.
    unsafe {
        with_mut("reconnect_set_passive", fsm, |f| {
            f.set_passive(passive, now)
        })
    }
}

/// Returns true unless the FSM is disabled.
#[no_mangle]
pub unsafe extern "C" fn reconnect_is_enabled(fsm: *const reconnect) -> bool {
    // SAFETY: the caller passes a live FSM.
    unsafe { with("reconnect_is_enabled", fsm, |f| f.is_enabled()) }
}

/// Enables the FSM (if disabled and a try is left): the next
/// `reconnect_run()` asks to connect.
#[no_mangle]
pub unsafe extern "C" fn reconnect_enable(fsm: *mut reconnect, now: c_longlong) {
    // SAFETY: the caller passes a live FSM.
    unsafe { with_mut("reconnect_enable", fsm, |f| f.enable(now)) }
}

/// Disables the FSM: `reconnect_run()` asks for nothing until it is enabled.
#[no_mangle]
pub unsafe extern "C" fn reconnect_disable(fsm: *mut reconnect, now: c_longlong) {
    // SAFETY: the caller passes a live FSM.
    unsafe { with_mut("reconnect_disable", fsm, |f| f.disable(now)) }
}

/// If connected or connecting, makes the next `reconnect_run()` ask to
/// disconnect, so that the client reconnects.
#[no_mangle]
pub unsafe extern "C" fn reconnect_force_reconnect(fsm: *mut reconnect, now: c_longlong) {
    // SAFETY: the caller passes a live FSM.
    unsafe { with_mut("reconnect_force_reconnect", fsm, |f| f.force_reconnect(now)) }
}

/// If backing off, ends the backoff so that the next `reconnect_run()` asks
/// to connect.
#[no_mangle]
pub unsafe extern "C" fn reconnect_skip_backoff(fsm: *mut reconnect) {
    // SAFETY: the caller passes a live FSM.
    unsafe { with_mut("reconnect_skip_backoff", fsm, |f| f.skip_backoff()) }
}

/// Returns true if connected (state ACTIVE or IDLE).
#[no_mangle]
pub unsafe extern "C" fn reconnect_is_connected(fsm: *const reconnect) -> bool {
    // SAFETY: the caller passes a live FSM.
    unsafe { with("reconnect_is_connected", fsm, |f| f.is_connected()) }
}

/// Returns the milliseconds since the last successful connection
/// (`UINT_MAX` if never connected).
#[no_mangle]
pub unsafe extern "C" fn reconnect_get_last_connect_elapsed(
    fsm: *const reconnect,
    now: c_longlong,
) -> c_uint {
    // SAFETY: the caller passes a live FSM.
    unsafe {
        with("reconnect_get_last_connect_elapsed", fsm, |f| {
            f.get_last_connect_elapsed(now)
        })
    }
}

/// Returns the milliseconds since the last disconnection (`UINT_MAX` if
/// never disconnected).
#[no_mangle]
pub unsafe extern "C" fn reconnect_get_last_disconnect_elapsed(
    fsm: *const reconnect,
    now: c_longlong,
) -> c_uint {
    // SAFETY: the caller passes a live FSM.
    unsafe {
        with("reconnect_get_last_disconnect_elapsed", fsm, |f| {
            f.get_last_disconnect_elapsed(now)
        })
    }
}

/// Reports that the connection dropped or an attempt failed; `error` is a
/// positive errno, `EOF` if the peer closed the connection, or 0.
#[no_mangle]
pub unsafe extern "C" fn reconnect_disconnected(
    fsm: *mut reconnect,
    now: c_longlong,
    error: c_int,
) {
    // SAFETY: the caller passes a live FSM.
    unsafe {
        with_mut("reconnect_disconnected", fsm, |f| {
            f.disconnected(now, error)
        })
    }
}

/// Reports that a connection attempt is in progress.
#[no_mangle]
pub unsafe extern "C" fn reconnect_connecting(fsm: *mut reconnect, now: c_longlong) {
    // SAFETY: the caller passes a live FSM.
    unsafe { with_mut("reconnect_connecting", fsm, |f| f.connecting(now)) }
}

/// Reports that the client (passive) is listening for connections.
#[no_mangle]
pub unsafe extern "C" fn reconnect_listening(fsm: *mut reconnect, now: c_longlong) {
    // SAFETY: the caller passes a live FSM.
    unsafe { with_mut("reconnect_listening", fsm, |f| f.listening(now)) }
}

/// Reports that accepting a connection failed with `error`.
#[no_mangle]
pub unsafe extern "C" fn reconnect_listen_error(
    fsm: *mut reconnect,
    now: c_longlong,
    error: c_int,
) {
    // SAFETY: the caller passes a live FSM.
    unsafe {
        with_mut("reconnect_listen_error", fsm, |f| {
            f.listen_error(now, error)
        })
    }
}

/// Reports that the connection is established.
#[no_mangle]
pub unsafe extern "C" fn reconnect_connected(fsm: *mut reconnect, now: c_longlong) {
    // SAFETY: the caller passes a live FSM.
    unsafe { with_mut("reconnect_connected", fsm, |f| f.connected(now)) }
}

/// Reports that a connection attempt failed with `error`.
#[no_mangle]
pub unsafe extern "C" fn reconnect_connect_failed(
    fsm: *mut reconnect,
    now: c_longlong,
    error: c_int,
) {
    // SAFETY: the caller passes a live FSM.
    unsafe {
        with_mut("reconnect_connect_failed", fsm, |f| {
            f.connect_failed(now, error)
        })
    }
}

/// Reports activity on the connection (the peer is alive).
#[no_mangle]
pub unsafe extern "C" fn reconnect_activity(fsm: *mut reconnect, now: c_longlong) {
    // SAFETY: the caller passes a live FSM.
    unsafe { with_mut("reconnect_activity", fsm, |f| f.activity(now)) }
}

/// Reports an attempt to receive from the connection at `now`
/// (`LLONG_MAX` turns the check off).
#[no_mangle]
pub unsafe extern "C" fn reconnect_receive_attempted(fsm: *mut reconnect, now: c_longlong) {
    // SAFETY: the caller passes a live FSM.
    unsafe {
        with_mut("reconnect_receive_attempted", fsm, |f| {
            f.receive_attempted(now)
        })
    }
}

/// Runs the FSM at `now` and returns what the client should do:
/// `RECONNECT_CONNECT`, `RECONNECT_DISCONNECT`, `RECONNECT_PROBE`, or 0 for
/// nothing.
#[no_mangle]
pub unsafe extern "C" fn reconnect_run(
    fsm: *mut reconnect,
    now: c_longlong,
) -> reconnect_action_value {
    // SAFETY: the caller passes a live FSM.
    unsafe { with_mut("reconnect_run", fsm, |f| f.run(now).into()) }
}

/// Makes the next `poll_block()` wake up when `reconnect_run()` should next
/// be called.
#[no_mangle]
pub unsafe extern "C" fn reconnect_wait(fsm: *mut reconnect, now: c_longlong) {
    // SAFETY: the caller passes a live FSM.
    unsafe { with("reconnect_wait", fsm, |f| f.wait(now)) }
}

/// Returns the milliseconds until `reconnect_run()` should next be called,
/// or -1 if it need not be.
#[no_mangle]
pub unsafe extern "C" fn reconnect_timeout(fsm: *mut reconnect, now: c_longlong) -> c_int {
    // SAFETY: the caller passes a live FSM.
    unsafe {
        with("reconnect_timeout", fsm, |f| {
            f.timeout(now).map_or(-1, |t| t as c_int)
        })
    }
}

/// Fills `*stats` with the FSM's statistics at `now`.
#[no_mangle]
pub unsafe extern "C" fn reconnect_get_stats(
    fsm: *const reconnect,
    now: c_longlong,
    stats: *mut reconnect_stats,
) {
    boundary("reconnect_get_stats", || {
        // SAFETY: the caller passes a live FSM and a writable `stats`.
        unsafe { put_stats(stats, obj(fsm).fsm.get_stats(now)) }
    })
}
