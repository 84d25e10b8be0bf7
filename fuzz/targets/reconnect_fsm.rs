//! Fuzzes the reconnect FSM with random command sequences and checks its
//! invariants after every step:
//!
//! * statistics are monotone (attempts, successes, seqno, connected time),
//!   successes never exceed attempts, the creation time never changes;
//! * seqno is odd exactly when the FSM is connected (ACTIVE or IDLE);
//! * every backoff the FSM picks when it enters BACKOFF is 0 or within
//!   [min_backoff, max_backoff] as configured then;
//! * `timeout(now)` is pure and says 0 exactly when `run(now)` acts, and
//!   each action comes from a state that allows it;
//! * "never connected" (`msec_since_connect == u32::MAX`) exactly when no
//!   connection ever succeeded.
//!
//! Time only moves forward, by amounts the input chooses, and stays below
//! 2^31 ms from the start so that the 32-bit durations do not wrap.
//!
//! The body of the `reconnect_fsm` fuzz target ([`run`]), shared by the fuzz
//! crate (fuzz/fuzz_targets/reconnect_fsm.rs) and by tests/fuzz_corpus.rs, which
//! replays the corpus through it under `cargo test`.

use ovsrpc::reconnect::{Action, Reconnect, State, Stats};

const START: i64 = 1_000_000;
const MAX_ELAPSED: i64 = 1 << 31;

/// Bytes of the input, read as command arguments (zeros once used up).
struct Input<'a>(&'a [u8]);

impl Input<'_> {
    fn u8(&mut self) -> u8 {
        match self.0.split_first() {
            Some((&b, rest)) => {
                self.0 = rest;
                b
            }
            None => 0,
        }
    }
    fn u16(&mut self) -> u16 {
        u16::from(self.u8()) << 8 | u16::from(self.u8())
    }
    fn i32(&mut self) -> i32 {
        i32::from(self.u16()) << 16 | i32::from(self.u16())
    }
    fn error(&mut self) -> i32 {
        // 0 (no reason), EOF, or an errno.
        match self.u8() % 4 {
            0 => 0,
            1 => -1,
            2 => 111,
            _ => 104,
        }
    }
    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

fn check_stats(prev: &Stats, now: &Stats, fsm: &Reconnect) {
    assert_eq!(prev.creation_time, now.creation_time);
    assert!(now.n_attempted_connections >= prev.n_attempted_connections);
    assert!(now.n_successful_connections >= prev.n_successful_connections);
    assert!(now.n_successful_connections <= now.n_attempted_connections);
    assert!(now.seqno >= prev.seqno, "seqno went back");
    assert!(
        now.seqno - prev.seqno <= 2,
        "one step changes connectedness at most twice"
    );
    assert!(now.total_connected_duration >= prev.total_connected_duration);
    assert_eq!(
        now.seqno % 2 == 1,
        now.is_connected,
        "seqno parity vs is_connected"
    );
    assert_eq!(now.is_connected, fsm.is_connected());
    assert_eq!(
        now.is_connected,
        matches!(now.state, State::Active | State::Idle)
    );
    assert_eq!(now.state, fsm.state());
    assert_eq!(
        now.msec_since_connect == u32::MAX,
        now.n_successful_connections == 0,
        "{now:?}"
    );
    assert!(now.last_activity >= prev.last_activity);
}

/// Checks one input; panics when a property does not hold.
pub fn run(data: &[u8]) {
    let mut input = Input(data);
    let mut now = START;
    let mut fsm = Reconnect::new(now);
    fsm.set_name("fuzz");
    let mut stats = fsm.get_stats(now);
    // Backoff values the FSM chose itself, checked on entering BACKOFF.
    let mut steps = 0;
    while !input.is_empty() && steps < 10_000 {
        steps += 1;
        let before = fsm.state();
        let mut configured = false;
        match input.u8() % 20 {
            0 => fsm.enable(now),
            1 => fsm.disable(now),
            2 => fsm.force_reconnect(now),
            3 => fsm.skip_backoff(),
            4 => fsm.connecting(now),
            5 => fsm.listening(now),
            6 => {
                let e = input.error();
                fsm.listen_error(now, e)
            }
            7 => fsm.connected(now),
            8 => {
                let e = input.error();
                fsm.connect_failed(now, e)
            }
            9 => {
                let e = input.error();
                fsm.disconnected(now, e)
            }
            10 => fsm.activity(now),
            11 => fsm.receive_attempted(now),
            12 => {
                let passive = input.u8() & 1 == 1;
                fsm.set_passive(passive, now)
            }
            13 => {
                let (min, max) = (input.i32(), input.i32());
                fsm.set_backoff(min, max);
                configured = true;
                assert!(fsm.get_min_backoff() >= 1000);
                assert!(fsm.get_max_backoff() >= fsm.get_min_backoff());
            }
            14 => {
                let p = input.i32();
                fsm.set_probe_interval(p);
                let got = fsm.get_probe_interval();
                assert!(got == 0 || got >= 1000);
            }
            15 => {
                let n = u32::from(input.u8() % 8);
                fsm.set_max_tries(if n == 7 { u32::MAX } else { n })
            }
            16 => {
                let n = u32::from(input.u8() % 5);
                fsm.set_backoff_free_tries(n)
            }
            17 => {
                if now - START < MAX_ELAPSED {
                    now += i64::from(input.u16());
                }
            }
            18 => {
                // Jump to the next deadline, as a sleeping main loop would.
                if let Some(t) = fsm.timeout(now) {
                    if now - START + t < MAX_ELAPSED {
                        now += t;
                    }
                }
            }
            _ => {
                // A client's main loop step: ask, then obey.
                let t = fsm.timeout(now);
                assert_eq!(t, fsm.timeout(now), "timeout is pure");
                let state = fsm.state();
                let action = fsm.run(now);
                assert_eq!(action.is_some(), t == Some(0), "{state} {t:?} {action:?}");
                match action {
                    None => {}
                    Some(Action::Connect) => {
                        assert_eq!(state, State::Backoff);
                        match input.u8() % 4 {
                            0 => fsm.connecting(now),
                            1 => fsm.connected(now),
                            2 => {
                                let e = input.error();
                                fsm.connect_failed(now, e)
                            }
                            _ => fsm.listening(now),
                        }
                    }
                    Some(Action::Disconnect) => {
                        assert!(
                            matches!(state, State::Connecting | State::Reconnect | State::Idle),
                            "{state}"
                        );
                        let e = input.error();
                        fsm.disconnected(now, e);
                    }
                    Some(Action::Probe) => {
                        assert_eq!(state, State::Active);
                        assert_ne!(fsm.get_probe_interval(), 0);
                        assert_eq!(fsm.state(), State::Idle);
                    }
                }
            }
        }
        if !fsm.is_enabled() {
            assert_eq!(fsm.run(now), None, "a disabled FSM asks for nothing");
        }
        let after = fsm.get_stats(now);
        check_stats(&stats, &after, &fsm);
        if !configured && before != State::Backoff && after.state == State::Backoff {
            let b = after.backoff;
            assert!(
                b == 0 || (fsm.get_min_backoff()..=fsm.get_max_backoff()).contains(&b),
                "backoff {b} outside [{}, {}]",
                fsm.get_min_backoff(),
                fsm.get_max_backoff()
            );
        }
        stats = after;
    }
}
