//! The one log capture of the tests.
//!
//! A process-wide logger keeps what the library logs, but only on a thread
//! that asked with [`capture`], and only while the returned [`Capture`]
//! lives. The library logs on the thread that calls it and each test runs
//! on a thread of its own (the library's one thread of its own, the name
//! resolver, logs nothing), so a test sees exactly the lines its own calls
//! produced: one test's line never satisfies another's assertion, even
//! with tests running in parallel or one after another on one thread.
//! A test that drives the library from another thread calls [`capture`]
//! there too.
//!
//! Lines at info level and above are kept; [`capture_debug`] (or
//! [`Capture::set_debug`]) keeps debug and trace lines too, so that big
//! messages are not formatted for tests that do not look at them. The
//! logger turns OVS-style rate limits off: tests count the lines they
//! provoke. With `TEST_LOG` set in the environment every enabled line is
//! also printed to standard error.

use std::cell::{Cell, RefCell};
use std::fmt;
use std::marker::PhantomData;
use std::sync::{Once, OnceLock};

use log::{Level, LevelFilter, Log, Metadata, Record};

/// One captured log line.
#[derive(Clone, Debug, PartialEq)]
pub struct Line {
    /// Its level.
    pub level: Level,
    /// Its target (the module that logged it, e.g. `ovsrpc::reconnect`).
    pub target: String,
    /// The message.
    pub text: String,
}

impl fmt::Display for Line {
    /// `LEVEL|target|message`, the text the needles of [`logged`] match.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}|{}|{}", self.level, self.target, self.text)
    }
}

thread_local! {
    /// This thread's lines, while a [`Capture`] is alive on it.
    static LINES: RefCell<Option<Vec<Line>>> = const { RefCell::new(None) };
    /// Whether debug and trace lines are kept on this thread.
    static DEBUG: Cell<bool> = const { Cell::new(false) };
}

/// Whether `TEST_LOG` asks for every line on standard error.
fn echo() -> bool {
    static ECHO: OnceLock<bool> = OnceLock::new();
    *ECHO.get_or_init(|| std::env::var_os("TEST_LOG").is_some())
}

struct Logger;

impl Log for Logger {
    fn enabled(&self, metadata: &Metadata) -> bool {
        let capturing = LINES.with(|l| l.borrow().is_some());
        let wanted = metadata.level() <= Level::Info || DEBUG.with(Cell::get);
        (capturing && wanted) || echo()
    }

    fn log(&self, record: &Record) {
        if !self.enabled(record.metadata()) {
            return;
        }
        let line = Line {
            level: record.level(),
            target: record.target().to_string(),
            text: record.args().to_string(),
        };
        if echo() {
            eprintln!("{line}");
        }
        LINES.with(|l| {
            if let Some(lines) = l.borrow_mut().as_mut() {
                let wanted = line.level <= Level::Info || DEBUG.with(Cell::get);
                if wanted {
                    lines.push(line);
                }
            }
        });
    }

    fn flush(&self) {}
}

/// Installs the logger (once per process): every level enabled, rate
/// limits off. [`capture`] does it; a test that only needs the logger
/// installed (to set the maximum level itself, say) calls it directly.
pub fn install() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        log::set_logger(&Logger).expect("no other logger");
        log::set_max_level(LevelFilter::Trace);
        ovsrpc::vlog::set_rate_limits(false);
    });
}

/// This thread's capture: lines are kept from [`capture`] until it is
/// dropped. Not `Send`: it belongs to the thread that made it.
#[must_use = "lines are captured only while the Capture lives"]
pub struct Capture {
    _thread: PhantomData<*const ()>,
}

/// Starts capturing this thread's lines at info level and above; earlier
/// lines of this thread are forgotten. Panics if this thread is already
/// capturing.
pub fn capture() -> Capture {
    install();
    LINES.with(|l| {
        let mut l = l.borrow_mut();
        assert!(l.is_none(), "this thread is already capturing its log");
        *l = Some(Vec::new());
    });
    DEBUG.with(|d| d.set(false));
    Capture {
        _thread: PhantomData,
    }
}

/// [`capture`], keeping debug and trace lines too.
pub fn capture_debug() -> Capture {
    let c = capture();
    c.set_debug(true);
    c
}

impl Capture {
    /// Keeps (or stops keeping) debug and trace lines.
    pub fn set_debug(&self, on: bool) {
        DEBUG.with(|d| d.set(on));
    }
}

impl Drop for Capture {
    fn drop(&mut self) {
        LINES.with(|l| *l.borrow_mut() = None);
        DEBUG.with(|d| d.set(false));
    }
}

fn with_lines<T>(f: impl FnOnce(&mut Vec<Line>) -> T) -> T {
    LINES.with(|l| {
        let mut l = l.borrow_mut();
        let lines = l
            .as_mut()
            .expect("call support::log::capture() first: this thread is not capturing");
        f(lines)
    })
}

/// Takes the lines captured on this thread so far.
pub fn take() -> Vec<Line> {
    with_lines(std::mem::take)
}

/// Takes the lines captured on this thread so far and returns the
/// messages of those at `level`.
pub fn take_at(level: Level) -> Vec<String> {
    take()
        .into_iter()
        .filter(|l| l.level == level)
        .map(|l| l.text)
        .collect()
}

/// The lines captured on this thread so far (as `LEVEL|target|message`)
/// that contain every one of `needles`; nothing is consumed.
pub fn logged(needles: &[&str]) -> Vec<String> {
    with_lines(|lines| {
        lines
            .iter()
            .map(Line::to_string)
            .filter(|l| needles.iter().all(|n| l.contains(n)))
            .collect()
    })
}

/// Fails unless some line captured on this thread contains every one of
/// `needles`.
pub fn assert_logged(needles: &[&str]) {
    if logged(needles).is_empty() {
        let all: Vec<String> = with_lines(|l| l.iter().map(Line::to_string).collect());
        panic!(
            "no log line contains all of {needles:?}; captured:\n{}",
            all.join("\n")
        );
    }
}
