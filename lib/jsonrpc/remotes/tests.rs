//! Unit tests of the remote policy: plain values and scripted transcripts,
//! with remotes named `a`, `b`, ... and explicit times.

use super::*;
use libc::{ECONNREFUSED, EPROTO, ETIMEDOUT};

const EOF: i32 = crate::error::EOF;

/// Remotes `a`, `b`, ... in the order given.
fn remotes(names: &[&str]) -> Remotes {
    Remotes::new(names, RemoteOrder::AsGiven)
}

/// `start!(r => [a, b])`: `start_attempts` tries these remotes, in order.
macro_rules! start {
    ($r:ident => [$($name:ident),*]) => {{
        let got: Vec<String> = $r
            .start_attempts()
            .into_iter()
            .map(|i| $r.stats()[i].name.clone())
            .collect();
        let want: Vec<&str> = vec![$(stringify!($name)),*];
        assert_eq!(got, want, "start_attempts()");
    }};
}

/// `current!(r => a)`: the current remote is `a`.
macro_rules! current {
    ($r:ident => $name:ident) => {
        assert_eq!($r.current_name(), stringify!($name), "current remote")
    };
}

/// The index of the remote named `name`.
fn idx(r: &Remotes, name: &str) -> usize {
    r.names().position(|n| n == name).expect("remote")
}

/// `fail!(r, a, ERR)`: the attempt on `a` fails; when it was the last in
/// progress the session moves on, as it does.
macro_rules! fail {
    ($r:ident, $name:ident, $err:expr) => {{
        let i = idx(&$r, stringify!($name));
        if $r.attempt_failed(i, $err) {
            $r.advance();
        }
    }};
}

/// `connect!(r, a, at T)`: the attempt on `a` connects at T.
macro_rules! connect {
    ($r:ident, $name:ident, at $now:expr) => {{
        let i = idx(&$r, stringify!($name));
        $r.connected(i, $now);
    }};
}

/// `drop_conn!(r, at T, ERR)`: the connection ends at T; the session moves
/// on.
macro_rules! drop_conn {
    ($r:ident, at $now:expr, $err:expr) => {{
        $r.disconnected($now, $err);
        $r.advance();
    }};
}

/// `(attempts, successes, consecutive failures, last error)` of `name`.
fn health(r: &Remotes, name: &str) -> (u32, u32, u32, i32) {
    let s = &r.stats()[idx(r, name)];
    (
        s.n_attempts,
        s.n_successes,
        s.consecutive_failures,
        s.last_error,
    )
}

mod order {
    use super::*;

    #[test]
    fn as_given_keeps_the_list() {
        let r = remotes(&["a", "b", "c"]);
        assert_eq!(r.names().collect::<Vec<_>>(), ["a", "b", "c"]);
        current!(r => a);
    }

    #[test]
    fn seeded_is_reproducible_and_a_permutation() {
        let names = ["a", "b", "c", "d", "e", "f", "g", "h"];
        let one = Remotes::new(&names, RemoteOrder::Seeded(7));
        let two = Remotes::new(&names, RemoteOrder::Seeded(7));
        let a: Vec<&str> = one.names().collect();
        assert_eq!(a, two.names().collect::<Vec<_>>());
        let mut sorted = a.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, names);
        let seeds_differ = (0..20u64).any(|seed| {
            Remotes::new(&names, RemoteOrder::Seeded(seed))
                .names()
                .collect::<Vec<_>>()
                != a
        });
        assert!(seeds_differ, "the seed changes the order");
    }

    #[test]
    fn random_orders_differ_between_calls() {
        let names: Vec<String> = (0..10).map(|i| format!("r{i}")).collect();
        let first: Vec<String> = Remotes::new(&names, RemoteOrder::Random)
            .names()
            .map(str::to_string)
            .collect();
        let differs = (0..20).any(|_| {
            Remotes::new(&names, RemoteOrder::Random)
                .names()
                .collect::<Vec<_>>()
                != first
        });
        assert!(differs);
    }

    #[test]
    fn no_remotes_gives_invalid() {
        let r = Remotes::new::<&str>(&[], RemoteOrder::Random);
        assert_eq!(r.len(), 1);
        assert_eq!(r.current_name(), "invalid:");
    }
}

mod rounds {
    use super::*;

    #[test]
    fn failures_go_round_robin() {
        let mut r = remotes(&["a", "b", "c"]);
        start!(r => [a]);
        fail!(r, a, ECONNREFUSED);
        current!(r => b);
        start!(r => [b]);
        fail!(r, b, ECONNREFUSED);
        start!(r => [c]);
        fail!(r, c, ECONNREFUSED);
        current!(r => a);
        assert_eq!(health(&r, "a"), (1, 0, 1, ECONNREFUSED));
    }

    #[test]
    fn a_dropped_connection_moves_on_to_the_next() {
        let mut r = remotes(&["a", "b", "c"]);
        start!(r => [a]);
        connect!(r, a, at 100);
        assert_eq!(r.owner(), Some(0));
        r.message_received();
        drop_conn!(r, at 500, EOF);
        current!(r => b);
        assert_eq!(r.owner(), None);
        let a = &r.stats()[0];
        assert_eq!((a.last_connected, a.last_disconnected), (100, 500));
        assert_eq!(health(&r, "a"), (1, 1, 0, EOF));
    }

    #[test]
    fn failing_remotes_go_last_in_the_next_round() {
        let mut r = remotes(&["a", "b", "c"]);
        r.set_deprioritize_after(1);
        start!(r => [a]);
        fail!(r, a, ECONNREFUSED);
        start!(r => [b]);
        connect!(r, b, at 10);
        r.message_received();
        drop_conn!(r, at 20, EOF);
        start!(r => [c]);
        connect!(r, c, at 30);
        r.message_received();
        drop_conn!(r, at 40, EOF);
        // New round: a failed last time, so b, c, a.
        start!(r => [b]);
        fail!(r, b, ECONNREFUSED);
        start!(r => [c]);
        fail!(r, c, ECONNREFUSED);
        start!(r => [a]);
        fail!(r, a, ECONNREFUSED);
        // All failing: the order stays stable.
        current!(r => a);
        start!(r => [a]);
    }

    #[test]
    fn without_deprioritizing_the_round_keeps_its_order() {
        let mut r = remotes(&["a", "b"]);
        start!(r => [a]);
        fail!(r, a, ECONNREFUSED);
        start!(r => [b]);
        connect!(r, b, at 10);
        r.message_received();
        drop_conn!(r, at 20, EOF);
        current!(r => a);
    }
}

mod success {
    use super::*;

    #[test]
    fn a_connection_broken_before_any_message_is_a_failure() {
        let mut r = remotes(&["a", "b"]);
        r.set_deprioritize_after(2);
        for t in [0, 100] {
            start!(r => [a]);
            connect!(r, a, at t);
            // The peer answers in another protocol: the first read fails.
            drop_conn!(r, at t + 1, EPROTO);
            start!(r => [b]);
            connect!(r, b, at t + 2);
            r.message_received();
            drop_conn!(r, at t + 3, EOF);
        }
        assert_eq!(health(&r, "a"), (2, 0, 2, EPROTO));
        assert_eq!(health(&r, "b"), (2, 2, 0, EOF));
        // Two failures in a row: a goes last.
        start!(r => [b]);
    }

    #[test]
    fn a_message_makes_the_connection_a_success_once() {
        let mut r = remotes(&["a"]);
        start!(r => [a]);
        connect!(r, a, at 0);
        assert_eq!(health(&r, "a"), (1, 0, 0, 0));
        r.message_received();
        r.message_received();
        assert_eq!(health(&r, "a"), (1, 1, 0, 0));
        // After a success, a later error is recorded but is no failure.
        drop_conn!(r, at 5, libc::ECONNRESET);
        assert_eq!(health(&r, "a"), (1, 1, 0, libc::ECONNRESET));
    }

    #[test]
    fn a_drop_for_the_sessions_own_reasons_is_no_failure() {
        let mut r = remotes(&["a", "b"]);
        start!(r => [a]);
        connect!(r, a, at 0);
        drop_conn!(r, at 5, 0);
        assert_eq!(health(&r, "a"), (1, 0, 0, 0));
        assert_eq!(r.stats()[0].last_disconnected, 5);
    }
}

mod abandon {
    use super::*;

    #[test]
    fn a_timeout_charges_every_attempt_in_progress() {
        let mut r = remotes(&["a", "b", "c"]);
        r.set_parallel(2);
        start!(r => [a, b]);
        r.abandon_attempts(ETIMEDOUT);
        assert_eq!(health(&r, "a"), (1, 0, 1, ETIMEDOUT));
        assert_eq!(health(&r, "b"), (1, 0, 1, ETIMEDOUT));
        r.advance();
        current!(r => c);
    }

    #[test]
    fn abandoning_for_the_sessions_own_reasons_charges_none() {
        let mut r = remotes(&["a", "b"]);
        start!(r => [a]);
        r.abandon_attempts(0);
        assert_eq!(health(&r, "a"), (1, 0, 0, 0));
        assert_eq!(r.trying().count(), 0);
    }
}

mod parallel {
    use super::*;

    #[test]
    fn the_round_goes_on_after_the_winner() {
        let mut r = remotes(&["a", "b", "c", "d"]);
        r.set_parallel(3);
        start!(r => [a, b, c]);
        current!(r => a);
        // b wins; a and c are abandoned without blame.
        connect!(r, b, at 10);
        current!(r => b);
        assert_eq!(r.trying().count(), 0);
        assert_eq!(health(&r, "a"), (1, 0, 0, 0));
        assert_eq!(health(&r, "c"), (1, 0, 0, 0));
        r.message_received();
        drop_conn!(r, at 20, EOF);
        // c was not given its chance: it comes next, not d.
        current!(r => c);
        start!(r => [c, d, a]);
    }

    #[test]
    fn all_failing_goes_on_after_the_last_tried() {
        let mut r = remotes(&["a", "b", "c", "d", "e"]);
        r.set_parallel(2);
        start!(r => [a, b]);
        fail!(r, b, ECONNREFUSED);
        current!(r => a);
        fail!(r, a, ECONNREFUSED);
        current!(r => c);
        start!(r => [c, d]);
    }

    #[test]
    fn attempts_continue_into_the_next_round() {
        let mut r = remotes(&["a", "b", "c"]);
        r.set_parallel(2);
        start!(r => [a, b]);
        fail!(r, a, ECONNREFUSED);
        fail!(r, b, ECONNREFUSED);
        start!(r => [c, a]);
        // The winner from the new round: the round goes on after it.
        connect!(r, a, at 5);
        r.message_received();
        drop_conn!(r, at 6, EOF);
        current!(r => b);
    }

    #[test]
    fn a_winner_from_the_last_round_goes_on_with_the_new_one() {
        let mut r = remotes(&["a", "b", "c"]);
        r.set_parallel(2);
        start!(r => [a, b]);
        fail!(r, a, ECONNREFUSED);
        fail!(r, b, ECONNREFUSED);
        start!(r => [c, a]);
        connect!(r, c, at 5);
        r.message_received();
        drop_conn!(r, at 6, EOF);
        current!(r => a);
    }

    #[test]
    fn never_more_attempts_than_remotes() {
        let mut r = remotes(&["a", "b"]);
        r.set_parallel(5);
        start!(r => [a, b]);
        fail!(r, a, ECONNREFUSED);
        fail!(r, b, ECONNREFUSED);
        start!(r => [a, b]);
    }

    #[test]
    fn a_new_round_that_reorders_stops_at_a_remote_being_tried() {
        let mut r = remotes(&["a", "b", "c"]);
        r.set_deprioritize_after(1);
        // c fails once, so the next round is a, b, c.
        start!(r => [a]);
        connect!(r, a, at 0);
        r.message_received();
        drop_conn!(r, at 1, EOF);
        start!(r => [b]);
        connect!(r, b, at 2);
        r.message_received();
        drop_conn!(r, at 3, EOF);
        start!(r => [c]);
        fail!(r, c, ECONNREFUSED);
        r.set_parallel(3);
        start!(r => [a, b, c]);
        connect!(r, a, at 4);
        r.message_received();
        drop_conn!(r, at 5, EOF);
        current!(r => b);
    }
}

mod ownership {
    use super::*;

    #[test]
    fn replace_hands_the_connection_to_the_named_remote() {
        let mut r = remotes(&["a", "b"]);
        start!(r => [a]);
        connect!(r, a, at 0);
        r.replaced(Some("b"), 10);
        assert_eq!(r.owner(), Some(1));
        assert_eq!(r.stats()[0].last_disconnected, 10);
        current!(r => b);
        drop_conn!(r, at 20, EPROTO);
        assert_eq!(health(&r, "b"), (0, 0, 1, EPROTO));
        assert_eq!(health(&r, "a"), (1, 0, 0, 0));
        current!(r => a);
    }

    #[test]
    fn replace_with_an_unknown_name_charges_nobody() {
        let mut r = remotes(&["a"]);
        start!(r => [a]);
        connect!(r, a, at 0);
        r.replaced(Some("unix:other"), 10);
        assert_eq!(r.owner(), None);
        r.disconnected(20, EPROTO);
        assert_eq!(health(&r, "a"), (1, 0, 0, 0));
    }

    #[test]
    fn replace_with_nothing_ends_the_ownership_and_keeps_attempts() {
        let mut r = remotes(&["a", "b"]);
        start!(r => [a]);
        connect!(r, a, at 0);
        r.replaced(None, 10);
        assert_eq!(r.owner(), None);
        assert_eq!(r.stats()[0].last_disconnected, 10);
        r.set_parallel(2);
        start!(r => [a, b]);
        r.replaced(Some("b"), 20);
        assert_eq!(r.trying().count(), 2);
    }

    #[test]
    fn passive_accepts_count_as_attempts() {
        let mut r = remotes(&["ptcp:0"]);
        r.accepted(7);
        r.message_received();
        assert_eq!(health(&r, "ptcp:0"), (1, 1, 0, 0));
        assert_eq!(r.stats()[0].last_connected, 7);
    }

    #[test]
    fn established_counts_one_success() {
        let mut r = remotes(&["tcp:127.0.0.1:1"]);
        r.established(3);
        assert_eq!(health(&r, "tcp:127.0.0.1:1"), (1, 1, 0, 0));
        assert_eq!(r.owner(), Some(0));
    }
}

/// Scripted transcripts: one command per line, each checked as it runs.
///
/// ```text
/// remotes a b c        the remotes, in the order given
/// parallel N           set_parallel(N)
/// deprioritize N       set_deprioritize_after(N)
/// start => a b         start_attempts() tries these
/// fail a ERR           the attempt on a fails (the session moves on
///                      when it was the last)
/// abandon ERR          abandon_attempts(ERR), then move on
/// connect a at T       the attempt on a connects at T
/// message              a whole message arrives
/// drop ERR at T        the connection ends; the session moves on
/// current => a         the current remote
/// stats a => A/S/F ERR attempts, successes, failures in a row, last error
/// ```
mod transcripts {
    use super::*;

    fn errno(name: &str) -> i32 {
        match name {
            "0" => 0,
            "EOF" => EOF,
            "ECONNREFUSED" => ECONNREFUSED,
            "ETIMEDOUT" => ETIMEDOUT,
            "EPROTO" => EPROTO,
            other => panic!("unknown error {other}"),
        }
    }

    fn run(script: &str) {
        let mut r: Option<Remotes> = None;
        for (n, line) in script.lines().enumerate() {
            let line = line.split('#').next().unwrap().trim();
            if line.is_empty() {
                continue;
            }
            let words: Vec<&str> = line.split_whitespace().collect();
            let at = |words: &[&str]| -> i64 {
                assert_eq!(words[words.len() - 2], "at", "line {n}: {line}");
                words[words.len() - 1].parse().unwrap()
            };
            if words[0] == "remotes" {
                r = Some(remotes(&words[1..]));
                continue;
            }
            let r = r.as_mut().expect("remotes first");
            match words[0] {
                "parallel" => r.set_parallel(words[1].parse().unwrap()),
                "deprioritize" => r.set_deprioritize_after(words[1].parse().unwrap()),
                "start" => {
                    let got: Vec<String> = r
                        .start_attempts()
                        .into_iter()
                        .map(|i| r.stats()[i].name.clone())
                        .collect();
                    assert_eq!(got, words[2..], "line {n}: {line}");
                }
                "fail" => {
                    let i = idx(r, words[1]);
                    if r.attempt_failed(i, errno(words[2])) {
                        r.advance();
                    }
                }
                "abandon" => {
                    r.abandon_attempts(errno(words[1]));
                    r.advance();
                }
                "connect" => {
                    let i = idx(r, words[1]);
                    r.connected(i, at(&words));
                }
                "message" => r.message_received(),
                "drop" => {
                    r.disconnected(at(&words), errno(words[1]));
                    r.advance();
                }
                "current" => assert_eq!(r.current_name(), words[2], "line {n}: {line}"),
                "stats" => {
                    let want: Vec<u32> = words[3].split('/').map(|v| v.parse().unwrap()).collect();
                    let (a, s, f, e) = health(r, words[1]);
                    assert_eq!(
                        (vec![a, s, f], e),
                        (want, errno(words[4])),
                        "line {n}: {line}"
                    );
                }
                other => panic!("line {n}: unknown command {other}"),
            }
        }
    }

    #[test]
    fn a_cluster_member_that_answers_in_http_goes_last() {
        run("
            remotes a b c
            deprioritize 1
            start => a
            connect a at 0
            drop EPROTO at 1       # broken at once: no success
            stats a => 1/0/1 EPROTO
            start => b
            connect b at 2
            message
            drop EOF at 100
            stats b => 1/1/0 EOF
            start => c
            fail c ECONNREFUSED
            # New round: a and c failed last time, b goes first.
            start => b
            connect b at 200
            message
            stats b => 2/2/0 EOF
            drop EOF at 300
            current => a
        ");
    }

    #[test]
    fn parallel_rounds_with_timeouts_and_a_winner() {
        run("
            remotes a b c d e
            parallel 2
            start => a b
            abandon ETIMEDOUT      # both took too long
            stats a => 1/0/1 ETIMEDOUT
            stats b => 1/0/1 ETIMEDOUT
            current => c
            start => c d
            fail c ECONNREFUSED
            connect d at 10        # d wins; nothing was pending but d
            message
            drop EOF at 20
            current => e
            start => e a
            connect e at 30
            stats a => 2/0/1 ETIMEDOUT  # abandoned for e's win: no blame
            message
            drop 0 at 40           # the application's own drop
            stats e => 1/1/0 0
            current => a
        ");
    }
}
