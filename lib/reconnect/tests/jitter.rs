//! Beyond OVS: jitter on the reconnection schedule. One test per sentence
//! of `set_jitter`'s contract.

use super::*;

/// An FSM with three backoff-free tries (as a session over three remotes
/// sets), jitter `window` seeded with `seed`, connected at `now`.
fn jittered(window: i32, seed: u64, now: i64) -> Reconnect {
    let mut fsm = connected(now);
    fsm.set_backoff_free_tries(3);
    fsm.set_jitter(window);
    fsm.seed_jitter(seed);
    fsm
}

/// How long the FSM waits in BACKOFF from `now`, checked against `run`:
/// nothing 1 ms before, `Connect` at the end.
fn wait_at(fsm: &mut Reconnect, now: i64) -> i64 {
    assert_eq!(fsm.state(), State::Backoff);
    let wait = fsm.timeout(now).expect("a backoff ends");
    if wait > 0 {
        run!(fsm, at now + wait - 1 => None);
    }
    run!(fsm, at now + wait => Some(Connect));
    wait
}

/// The waits of a session's first failures after a drop: the drop, then
/// two failed backoff-free tries, then failures up to the maximum backoff.
fn schedule(window: i32, seed: u64) -> Vec<i64> {
    let mut fsm = jittered(window, seed, 0);
    let mut now = 10_000;
    fsm.disconnected(now, EOF);
    let mut waits = Vec::new();
    for _ in 0..7 {
        let wait = wait_at(&mut fsm, now);
        waits.push(wait);
        now += wait;
        fsm.connect_failed(now, ECONNREFUSED);
    }
    waits
}

#[test]
fn off_by_default_and_zero_keeps_the_exact_schedule() {
    assert_eq!(Reconnect::new(0).get_jitter(), 0);
    // OVS: after the drop the two other tries of the round at once, then
    // 1, 2, 4, 8, 8 s.
    let ovs = vec![0, 0, 1000, 2000, 4000, 8000, 8000];
    assert_eq!(schedule(0, 7), ovs);
    let mut fsm = jittered(0, 7, 0);
    fsm.set_jitter(-5);
    assert_eq!(fsm.get_jitter(), 0);
    assert_ne!(schedule(500, 7), ovs, "a window changes the schedule");
    // Turned off during a jittered wait: the wait is OVS's again.
    let mut fsm = jittered(5000, 7, 0);
    fsm.disconnected(1000, EOF);
    assert_ne!(fsm.timeout(1000), Some(0));
    fsm.set_jitter(0);
    timeout!(fsm, at 1000 => Some(0));
}

#[test]
fn a_drop_waits_up_to_the_window_before_the_backoff_free_round() {
    let waits: Vec<i64> = (0..200)
        .map(|seed| {
            let mut fsm = jittered(2000, seed, 0);
            fsm.disconnected(5000, EOF);
            state!(fsm, at 5000 => Backoff for 0 ms, backoff 0);
            wait_at(&mut fsm, 5000)
        })
        .collect();
    assert!(waits.iter().all(|w| (0..=2000).contains(w)), "{waits:?}");
    // Spread over the window, not bunched: each quarter gets some.
    for q in 0..4 {
        let n = waits.iter().filter(|&&w| w / 500 == q).count();
        assert!(n >= 20, "quarter {q} has {n} of 200: {waits:?}");
    }
    // Also a probe timeout (from IDLE) and a forced reconnect.
    let mut idle = jittered(2000, 3, 0);
    run!(idle, at 5000 => Some(Probe));
    run!(idle, at 10_000 => Some(Disconnect));
    idle.disconnected(10_000, 0);
    let mut forced = jittered(2000, 3, 0);
    forced.force_reconnect(10_000);
    run!(forced, at 10_000 => Some(Disconnect));
    forced.disconnected(10_000, 0);
    assert_eq!(wait_at(&mut idle, 10_000), wait_at(&mut forced, 10_000));
}

#[test]
fn each_backoff_wait_is_drawn_from_half_the_backoff_up_to_it() {
    for seed in 0..100 {
        // A window wider than half of each backoff: b/2..=b.
        let waits = schedule(100_000, seed);
        assert_eq!(waits[1], 0);
        for (&wait, b) in waits[2..].iter().zip([1000, 2000, 4000, 8000, 8000]) {
            assert!((b / 2..=b).contains(&wait), "seed {seed}: {waits:?}");
        }
        // A narrow window: b-300..=b.
        let waits = schedule(300, seed);
        for (&wait, b) in waits[2..].iter().zip([1000, 2000, 4000, 8000, 8000]) {
            assert!((b - 300..=b).contains(&wait), "seed {seed}: {waits:?}");
        }
    }
    // The draws differ from one wait to the next and reach both ends.
    let all: Vec<i64> = (0..100).map(|seed| schedule(100_000, seed)[2]).collect();
    assert!(all.iter().any(|&w| w < 600) && all.iter().any(|&w| w > 900));
}

#[test]
fn the_backoff_free_round_stays_one_round() {
    for seed in 0..50 {
        let mut fsm = jittered(2000, seed, 0);
        fsm.disconnected(5000, EOF);
        let start = 5000 + wait_at(&mut fsm, 5000);
        // The round's other try (of three: the dropped remote was the
        // first) goes at once...
        fsm.connect_failed(start, ECONNREFUSED);
        state!(fsm, at start => Backoff for 0 ms, backoff 0);
        assert_eq!(wait_at(&mut fsm, start), 0);
        // ...and there are as many as without jitter: then the backoff.
        fsm.connect_failed(start, ECONNREFUSED);
        state!(fsm, at start => Backoff for 0 ms, backoff 1000);
    }
}

#[test]
fn the_maximum_backoff_stays_a_maximum() {
    for seed in 0..50 {
        let mut fsm = enabled(0);
        fsm.set_backoff(1000, 3000);
        fsm.set_jitter(100_000);
        fsm.seed_jitter(seed);
        let mut now = 0;
        for _ in 0..10 {
            fsm.connect_failed(now, ECONNREFUSED);
            let wait = wait_at(&mut fsm, now);
            assert!((500..=3000).contains(&wait), "seed {seed}: waited {wait}");
            now += wait;
        }
        assert_eq!(fsm.get_stats(now).backoff, 3000);
    }
}

#[test]
fn the_backoff_and_the_attempt_deadline_follow_ovs() {
    let mut fsm = enabled(0);
    fsm.set_jitter(5000);
    fsm.seed_jitter(11);
    fsm.connect_failed(0, ECONNREFUSED);
    let mut now = wait_at(&mut fsm, 0);
    fsm.connecting(now);
    // The attempt's deadline is OVS's: the backoff (1 s).
    timeout!(fsm, at now => Some(1000));
    run!(fsm, at now + 1000 => Some(Disconnect));
    now += 1000;
    fsm.connect_failed(now, 0);
    // The backoff doubles as in OVS; stats report it, not the wait.
    state!(fsm, at now => Backoff for 0 ms, backoff 2000);
    let wait = wait_at(&mut fsm, now);
    assert!(wait <= 2000);
    now += wait;
    fsm.connecting(now);
    timeout!(fsm, at now => Some(2000));
}

#[test]
fn enable_skip_backoff_and_passive_are_not_jittered() {
    let mut fsm = Reconnect::new(0);
    fsm.set_jitter(5000);
    fsm.seed_jitter(1);
    fsm.enable(0);
    run!(fsm, at 0 => Some(Connect));

    fsm.connect_failed(0, ECONNREFUSED);
    fsm.skip_backoff();
    run!(fsm, at 0 => Some(Connect));

    let mut p = passive(0);
    p.set_jitter(5000);
    p.seed_jitter(1);
    run!(p, at 0 => Some(Connect));
    p.listening(0);
    p.connected(0);
    p.disconnected(1000, EOF);
    run!(p, at 1000 => Some(Connect));
    p.listen_error(1000, ENOMEM);
    p.connect_failed(1000, ENOMEM);
    let b = p.get_stats(1000).backoff;
    timeout!(p, at 1000 => Some(i64::from(b)));
}

#[test]
fn a_seed_replays_the_schedule_and_seeds_differ() {
    assert_eq!(schedule(3000, 42), schedule(3000, 42));
    let distinct: std::collections::HashSet<Vec<i64>> =
        (0..20).map(|seed| schedule(3000, seed)).collect();
    assert!(distinct.len() >= 19, "{} distinct of 20", distinct.len());
}
