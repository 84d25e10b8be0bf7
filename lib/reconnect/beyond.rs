//! The FSM's settings beyond OVS: a probe timeout apart from the probe
//! interval, a connect timeout apart from the backoff, and a failure's
//! reason in words. Each default keeps OVS's behaviour.

#[cfg(doc)]
use super::Action;
use super::Reconnect;

impl Reconnect {
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
