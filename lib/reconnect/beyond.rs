//! The FSM's settings beyond OVS: a probe timeout apart from the probe
//! interval, a connect timeout apart from the backoff, a failure's reason
//! in words, and jitter on the reconnection schedule. Each default keeps
//! OVS's behaviour.

#[cfg(doc)]
use super::Action;
use super::Reconnect;

/// The jitter setting and its generator (see [`Reconnect::set_jitter`]).
#[derive(Clone, Debug)]
pub(super) struct Jitter {
    /// The window, in ms; 0 keeps OVS's exact schedule.
    window: i32,
    rng: fastrand::Rng,
    /// Added to the backoff for the current `BACKOFF` state: negative to
    /// shorten a backoff wait, positive to delay the start of a round.
    pub(super) offset: i32,
}

impl Default for Jitter {
    fn default() -> Jitter {
        Jitter {
            window: 0,
            rng: fastrand::Rng::with_seed(0),
            offset: 0,
        }
    }
}

impl Reconnect {
    /// Beyond OVS: spreads reconnection over a window of `window` ms, so
    /// that many clients that lose their peer at the same instant do not
    /// come back in lock step. 0, the default, keeps OVS's exact schedule.
    ///
    /// What it changes, in active mode:
    ///
    /// * A dropped connection (from `ACTIVE`, `IDLE` or `RECONNECT`) that
    ///   OVS would follow with an attempt at once (a backoff-free try is
    ///   left) waits a time drawn uniformly from 0 to `window` ms first:
    ///   the start of the backoff-free round is spread.
    /// * Every backoff wait of `b` ms (`b` > 0) becomes a time drawn
    ///   uniformly from `b - min(window, b / 2)` to `b` ms.
    ///
    /// What it keeps:
    ///
    /// * The backoff-free round stays one round: the tries after its first
    ///   go without any wait, as in OVS, and their number is unchanged.
    /// * The maximum backoff stays a maximum: no backoff wait is longer
    ///   than OVS's, nor shorter than half of it.
    /// * The backoff itself (what [`get_stats`](Self::get_stats) reports,
    ///   its doubling, and the deadline of a connection attempt derived
    ///   from it) follows OVS's schedule exactly.
    /// * The first attempt after [`enable`](Self::enable), attempts after
    ///   [`skip_backoff`](Self::skip_backoff), and passive mode are not
    ///   jittered.
    ///
    /// The draws come from a generator seeded with
    /// [`seed_jitter`](Self::seed_jitter) (0 until then), so that a
    /// schedule can be replayed. Values below 0 count as 0; setting 0
    /// during a jittered wait ends that wait as OVS's would.
    pub fn set_jitter(&mut self, window: i32) {
        self.jitter.window = window.max(0);
        if self.jitter.window == 0 {
            // A wait drawn before ends as OVS's would.
            self.jitter.offset = 0;
        }
    }

    /// The jitter window set by [`set_jitter`](Self::set_jitter) (0: off).
    pub fn get_jitter(&self) -> i32 {
        self.jitter.window
    }

    /// Seeds the generator of the jitter draws (see
    /// [`set_jitter`](Self::set_jitter)). Give each client its own seed,
    /// or the clients draw the same schedule and stay in lock step.
    pub fn seed_jitter(&mut self, seed: u64) {
        self.jitter.rng = fastrand::Rng::with_seed(seed);
    }

    /// The jitter for a `BACKOFF` state just entered with the current
    /// backoff; `round_start` when a connection (not an attempt) ended.
    pub(super) fn draw_jitter(&mut self, round_start: bool) -> i32 {
        let window = self.jitter.window;
        if window == 0 || self.passive {
            0
        } else if self.backoff > 0 {
            -self.jitter.rng.i32(0..=window.min(self.backoff / 2))
        } else if round_start {
            self.jitter.rng.i32(0..=window)
        } else {
            0
        }
    }

    /// Beyond OVS: how long to wait for an answer to a probe before
    /// disconnecting, in ms, independently of the idle time before the probe
    /// ([`set_probe_interval`](Self::set_probe_interval)). 0, the default,
    /// waits one probe interval, as OVS does; other values are raised to at
    /// least 1000 ms.
    pub fn set_probe_timeout(&mut self, probe_timeout: i32) {
        self.probe_timeout = if probe_timeout > 0 {
            probe_timeout.max(1000)
        } else {
            0
        };
    }

    /// The probe timeout set by [`set_probe_timeout`](Self::set_probe_timeout)
    /// (0: one probe interval).
    pub fn get_probe_timeout(&self) -> i32 {
        self.probe_timeout
    }

    /// Beyond OVS: how long a connection attempt may take, in ms, before
    /// `run` says [`Action::Disconnect`]. 0, the default, gives OVS's
    /// deadline: the current backoff, at least 1000 ms. Any other value is
    /// the deadline, shorter or longer than that.
    pub fn set_connect_timeout(&mut self, connect_timeout: i32) {
        self.connect_timeout = connect_timeout.max(0);
    }

    /// The connect timeout set by
    /// [`set_connect_timeout`](Self::set_connect_timeout) (0: OVS's).
    pub fn get_connect_timeout(&self) -> i32 {
        self.connect_timeout
    }

    pub(super) fn effective_probe_timeout(&self) -> i32 {
        if self.probe_timeout > 0 {
            self.probe_timeout
        } else {
            self.probe_interval
        }
    }

    /// Beyond OVS: [`connect_failed`](Self::connect_failed), logging
    /// `reason` (for example a resolver's message) instead of the text of
    /// `error`.
    pub fn connect_failed_because(&mut self, now: i64, error: i32, reason: &str) {
        self.reason = Some(reason.to_string());
        self.connect_failed(now, error);
        self.reason = None;
    }
}
