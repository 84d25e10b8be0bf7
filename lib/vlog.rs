//! Log rate limiting as OVS does it (`VLOG_RATE_LIMIT_INIT`, `VLOG_WARN_RL`).
//!
//! A [`RateLimit`] is a token bucket on the monotonic clock, shared by the
//! log lines that name it (usually one `static` per module, as OVS keeps one
//! `static struct vlog_rate_limit rl` per file). It lets through at most
//! `burst` messages at once and `rate` messages per minute on average; a
//! message over the limit is dropped, and when the next one gets through it
//! is preceded by OVS's summary line, at the same level:
//!
//! ```text
//! Dropped 37 log messages in last 12 seconds (most recently, 1 seconds ago) due to excessive rate
//! ```
//!
//! Messages at a level the logger would not show anyway take no tokens, so
//! turning debug logging on does not starve the warnings.
//! [`set_rate_limits`] turns limiting off for the whole process (OVS's
//! `vlog/disable-rate-limit`), for tests that check what was logged.
//!
//! The macros [`error_rl!`](crate::error_rl), [`warn_rl!`](crate::warn_rl),
//! [`info_rl!`](crate::info_rl) and [`debug_rl!`](crate::debug_rl) take the
//! limit first and then the usual `log` format arguments; the log target is
//! the calling module, as with `log`'s own macros.
//!
//! ```
//! use ovsrpc::vlog::RateLimit;
//!
//! // At most 5 messages at once, then 5 a minute (OVS's `VLOG_RATE_LIMIT_INIT(5, 5)`).
//! static RL: RateLimit = RateLimit::new(5, 5);
//!
//! fn report(name: &str, error: &str) {
//!     ovsrpc::warn_rl!(RL, "{}: receive error: {}", name, error);
//! }
//! # report("tcp:127.0.0.1:6640", "Connection reset by peer");
//! ```
//!
//! Log levels per module that `ovs-appctl vlog/set` can change at run time
//! are in [`levels`]; install its filter with [`init`].

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

use crate::timeval::time_msec;

pub mod levels;
pub use levels::{
    init, init_env_logger, init_or, init_with, register_module, set_levels_from_string,
};

/// Tokens one message costs. The bucket gains `rate` tokens per millisecond,
/// so 60 000 tokens a message makes `rate` messages per minute (OVS's
/// `VLOG_MSG_TOKENS`).
const MSG_TOKENS: u64 = 60 * 1000;

/// Whether rate limits apply (they do unless turned off).
static HONOR_RATE_LIMITS: AtomicBool = AtomicBool::new(true);

/// Turns rate limiting on or off for every [`RateLimit`] in the process
/// (OVS's `vlog/enable-rate-limit` and `vlog/disable-rate-limit`). While
/// off, every message is logged and nothing is counted as dropped.
pub fn set_rate_limits(enabled: bool) {
    HONOR_RATE_LIMITS.store(enabled, Ordering::Relaxed);
}

/// Whether rate limiting is on (see [`set_rate_limits`]).
pub fn rate_limits_enabled() -> bool {
    HONOR_RATE_LIMITS.load(Ordering::Relaxed)
}

/// A token-bucket limit on how often a group of log lines may be emitted:
/// OVS's `struct vlog_rate_limit`. Meant to live in a `static`; safe to share
/// between threads.
#[derive(Debug)]
pub struct RateLimit {
    /// Tokens added per millisecond (messages per minute).
    rate: u64,
    /// Most tokens the bucket holds (burst messages times [`MSG_TOKENS`]).
    burst: u64,
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    tokens: u64,
    /// When tokens were last added (monotonic ms); `None` before the first
    /// message, so the bucket starts full.
    last_fill: Option<i64>,
    /// When the first and the latest of the dropped messages were dropped,
    /// in monotonic seconds.
    first_dropped: i64,
    last_dropped: i64,
    n_dropped: u32,
}

/// What a [`RateLimit`] says about one message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Admit {
    /// Over the limit: do not log it.
    Drop,
    /// Log it.
    Log,
    /// Log it, after a line saying that messages were dropped before it.
    LogAfterDrops(Dropped),
}

/// Messages a [`RateLimit`] dropped since the last one it let through.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Dropped {
    /// How many.
    pub count: u32,
    /// Seconds since the first of them.
    pub first_secs_ago: i64,
    /// Seconds since the latest of them.
    pub last_secs_ago: i64,
}

impl Dropped {
    /// OVS's wording for the drop summary: `Dropped N log messages in last
    /// S seconds (most recently, T seconds ago) due to excessive rate`.
    pub fn summary(&self) -> String {
        format!(
            "Dropped {} log messages in last {} seconds (most recently, {} seconds ago) due to excessive rate",
            self.count, self.first_secs_ago, self.last_secs_ago
        )
    }
}

impl RateLimit {
    /// A limit of `rate` messages per minute with bursts of up to `burst`
    /// messages (`VLOG_RATE_LIMIT_INIT(rate, burst)`). The bucket starts
    /// full.
    pub const fn new(rate: u32, burst: u32) -> RateLimit {
        RateLimit {
            rate: rate as u64,
            burst: burst as u64 * MSG_TOKENS,
            state: Mutex::new(State {
                tokens: 0,
                last_fill: None,
                first_dropped: 0,
                last_dropped: 0,
                n_dropped: 0,
            }),
        }
    }

    /// Decides about one message now (OVS's `vlog_should_drop`, minus the
    /// level check, which the macros make first). Always [`Admit::Log`]
    /// while rate limiting is off.
    pub fn admit(&self) -> Admit {
        if !rate_limits_enabled() {
            return Admit::Log;
        }
        self.admit_at(time_msec())
    }

    /// Decides about one message at monotonic time `now` (in ms), whether
    /// or not rate limiting is on.
    pub fn admit_at(&self, now: i64) -> Admit {
        let mut st = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if st.tokens < MSG_TOKENS {
            let elapsed = match st.last_fill {
                None => u64::MAX,
                Some(last) if now > last => (now - last) as u64,
                Some(_) => 0,
            };
            if elapsed > 0 {
                let add = self.rate.saturating_mul(elapsed);
                st.tokens = st.tokens.saturating_add(add).min(self.burst);
                st.last_fill = Some(now);
            }
        }
        let secs = now.div_euclid(1000);
        if st.tokens < MSG_TOKENS {
            if st.n_dropped == 0 {
                st.first_dropped = secs;
            }
            st.last_dropped = secs;
            st.n_dropped = st.n_dropped.saturating_add(1);
            return Admit::Drop;
        }
        st.tokens -= MSG_TOKENS;
        if st.n_dropped == 0 {
            return Admit::Log;
        }
        let dropped = Dropped {
            count: st.n_dropped,
            first_secs_ago: secs - st.first_dropped,
            last_secs_ago: secs - st.last_dropped,
        };
        st.n_dropped = 0;
        Admit::LogAfterDrops(dropped)
    }
}

#[doc(hidden)]
pub use log as __log;

/// Logs at `level` through the rate limit `rl` (a [rate limit](crate::vlog::RateLimit)):
/// OVS's `VLOG_RL(&rl, level, ...)`. Nothing is counted when `level` is
/// not enabled for the calling module.
#[macro_export]
macro_rules! log_rl {
    ($rl:expr, $level:expr, $($arg:tt)+) => {{
        let level = $level;
        if $crate::vlog::__log::log_enabled!(level) {
            match $crate::vlog::RateLimit::admit(&$rl) {
                $crate::vlog::Admit::Drop => {}
                $crate::vlog::Admit::Log => $crate::vlog::__log::log!(level, $($arg)+),
                $crate::vlog::Admit::LogAfterDrops(dropped) => {
                    $crate::vlog::__log::log!(level, "{}", dropped.summary());
                    $crate::vlog::__log::log!(level, $($arg)+);
                }
            }
        }
    }};
}

/// `error!` through a [rate limit](crate::vlog::RateLimit) (`VLOG_ERR_RL`).
#[macro_export]
macro_rules! error_rl {
    ($rl:expr, $($arg:tt)+) => { $crate::log_rl!($rl, $crate::vlog::__log::Level::Error, $($arg)+) };
}

/// `warn!` through a [rate limit](crate::vlog::RateLimit) (`VLOG_WARN_RL`).
#[macro_export]
macro_rules! warn_rl {
    ($rl:expr, $($arg:tt)+) => { $crate::log_rl!($rl, $crate::vlog::__log::Level::Warn, $($arg)+) };
}

/// `info!` through a [rate limit](crate::vlog::RateLimit) (`VLOG_INFO_RL`).
#[macro_export]
macro_rules! info_rl {
    ($rl:expr, $($arg:tt)+) => { $crate::log_rl!($rl, $crate::vlog::__log::Level::Info, $($arg)+) };
}

/// `debug!` through a [rate limit](crate::vlog::RateLimit) (`VLOG_DBG_RL`).
#[macro_export]
macro_rules! debug_rl {
    ($rl:expr, $($arg:tt)+) => { $crate::log_rl!($rl, $crate::vlog::__log::Level::Debug, $($arg)+) };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn burst_then_rate() {
        // 6 a minute: one token's worth every 10 s; bursts of 3.
        let rl = RateLimit::new(6, 3);
        let t0 = 1_000_000;
        for _ in 0..3 {
            assert_eq!(rl.admit_at(t0), Admit::Log);
        }
        assert_eq!(rl.admit_at(t0), Admit::Drop);
        assert_eq!(rl.admit_at(t0 + 9_999), Admit::Drop);
        // 10 s after the burst there is room for one more, announced by the
        // summary of the two dropped.
        assert_eq!(
            rl.admit_at(t0 + 10_000),
            Admit::LogAfterDrops(Dropped {
                count: 2,
                first_secs_ago: 10,
                last_secs_ago: 1
            })
        );
        assert_eq!(rl.admit_at(t0 + 10_001), Admit::Drop);
        assert_eq!(
            rl.admit_at(t0 + 20_001),
            Admit::LogAfterDrops(Dropped {
                count: 1,
                first_secs_ago: 10,
                last_secs_ago: 10
            })
        );
        assert_eq!(rl.admit_at(t0 + 20_002), Admit::Drop);
    }

    #[test]
    fn refills_up_to_burst_only() {
        let rl = RateLimit::new(60, 2);
        assert_eq!(rl.admit_at(0), Admit::Log);
        assert_eq!(rl.admit_at(0), Admit::Log);
        // An hour of silence refills the bucket to 2 messages, not 3600.
        let later = 3_600_000;
        assert_eq!(rl.admit_at(later), Admit::Log);
        assert_eq!(rl.admit_at(later), Admit::Log);
        assert_eq!(rl.admit_at(later), Admit::Drop);
        // 60 a minute: one every second.
        assert!(matches!(rl.admit_at(later + 1000), Admit::LogAfterDrops(_)));
    }

    #[test]
    fn time_going_backwards_adds_nothing() {
        let rl = RateLimit::new(60, 1);
        assert_eq!(rl.admit_at(5000), Admit::Log);
        assert_eq!(rl.admit_at(1000), Admit::Drop);
    }

    #[test]
    fn summary_uses_ovs_wording() {
        let d = Dropped {
            count: 37,
            first_secs_ago: 12,
            last_secs_ago: 1,
        };
        assert_eq!(
            d.summary(),
            "Dropped 37 log messages in last 12 seconds (most recently, 1 seconds ago) due to excessive rate"
        );
    }

    mod capture {
        use std::sync::{Mutex, Once};

        pub static LINES: Mutex<Vec<(log::Level, String)>> = Mutex::new(Vec::new());

        struct Capture;

        impl log::Log for Capture {
            fn enabled(&self, m: &log::Metadata<'_>) -> bool {
                m.target().starts_with("ovsrpc::vlog") && m.level() <= log::Level::Info
            }
            fn log(&self, r: &log::Record<'_>) {
                if self.enabled(r.metadata()) {
                    LINES
                        .lock()
                        .unwrap()
                        .push((r.level(), r.args().to_string()));
                }
            }
            fn flush(&self) {}
        }

        pub fn install() {
            static ONCE: Once = Once::new();
            ONCE.call_once(|| {
                log::set_logger(&Capture).expect("no other logger in lib unit tests");
                log::set_max_level(log::LevelFilter::Trace);
            });
        }
    }

    #[test]
    fn macros_drop_and_summarize() {
        capture::install();
        static RL: RateLimit = RateLimit::new(1, 2);
        for i in 0..5 {
            crate::warn_rl!(RL, "unix:x: receive error: {}", i);
        }
        // Debug is not enabled by the capturing logger: no tokens taken.
        static RL_DEBUG: RateLimit = RateLimit::new(1, 1);
        for _ in 0..3 {
            crate::debug_rl!(RL_DEBUG, "never shown");
        }
        crate::info_rl!(RL_DEBUG, "shown");
        let lines = capture::LINES.lock().unwrap().clone();
        assert_eq!(
            lines,
            vec![
                (log::Level::Warn, "unix:x: receive error: 0".to_string()),
                (log::Level::Warn, "unix:x: receive error: 1".to_string()),
                (log::Level::Info, "shown".to_string()),
            ]
        );
        // One message a minute: the next one to get through (simulated by
        // asking the bucket 60 s later) reports the three dropped.
        match RL.admit_at(time_msec() + 60_000) {
            Admit::LogAfterDrops(d) => assert_eq!(d.count, 3),
            other => panic!("expected a drop summary, got {other:?}"),
        }

        // With rate limiting off, an empty bucket lets everything through
        // (this is the only test that uses the switch or `admit`).
        let empty = RateLimit::new(1, 1);
        assert_eq!(empty.admit(), Admit::Log);
        assert_eq!(empty.admit(), Admit::Drop);
        set_rate_limits(false);
        let all_through = (0..10).all(|_| empty.admit() == Admit::Log);
        set_rate_limits(true);
        assert!(all_through);
        assert!(rate_limits_enabled());
    }
}
