//! Monotonic and wall-clock milliseconds, as OVS's `timeval` module.
//!
//! Timers in the library run on [`time_msec`], which never goes backwards
//! and is unaffected by changes to the wall clock.

use std::sync::OnceLock;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

fn epoch() -> Instant {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    *EPOCH.get_or_init(Instant::now)
}

/// Milliseconds on a monotonic clock.
///
/// The origin is arbitrary but fixed for the life of the process (it is
/// offset so that values are large and positive, like OVS's
/// `CLOCK_MONOTONIC` readings); only differences are meaningful.
pub fn time_msec() -> i64 {
    time_usec().div_euclid(1000)
}

/// Start of the monotonic clock, in milliseconds: well above zero so that
/// "now - interval" stays positive, as it does with CLOCK_MONOTONIC in OVS.
const ORIGIN_MSEC: i64 = 1_000_000;

/// Microseconds on the monotonic clock of [`time_msec`] (OVS's
/// `time_usec`): `time_usec() / 1000 == time_msec()` at the same instant.
pub fn time_usec() -> i64 {
    ORIGIN_MSEC * 1000 + epoch().elapsed().as_micros() as i64
}

/// The [`time_msec`] value when the clock was first read in this process
/// (OVS's `time_boot_msec`).
pub fn time_boot_msec() -> i64 {
    epoch();
    ORIGIN_MSEC
}

/// Microseconds since the Unix epoch on the wall clock (may jump).
pub fn time_wall_usec() -> i64 {
    match SystemTime::now().duration_since(UNIX_EPOCH) {
        Ok(d) => d.as_micros() as i64,
        Err(e) => -(e.duration().as_micros() as i64),
    }
}

/// Milliseconds since the Unix epoch on the wall clock (may jump).
pub fn time_wall_msec() -> i64 {
    match SystemTime::now().duration_since(UNIX_EPOCH) {
        Ok(d) => d.as_millis() as i64,
        Err(e) => -(e.duration().as_millis() as i64),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn monotonic_never_goes_back() {
        let mut prev = time_msec();
        for _ in 0..1000 {
            let now = time_msec();
            assert!(now >= prev);
            prev = now;
        }
        assert!(prev > 0);
    }

    #[test]
    fn usec_and_msec_agree() {
        let (before, usec, after) = (time_msec(), time_usec(), time_msec());
        assert!(before <= usec / 1000 && usec / 1000 <= after);
        assert!(time_boot_msec() <= before);
        let wall = time_wall_usec() / 1000;
        assert!((wall - time_wall_msec()).abs() < 1000);
    }

    #[test]
    fn wall_clock_is_after_2020() {
        assert!(time_wall_msec() > 1_577_836_800_000);
    }
}
