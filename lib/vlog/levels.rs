//! Log levels per module, changeable at run time (OVS's `vlog/set` and
//! `vlog/list`), over the `log` crate.
//!
//! The library logs through `log` with targets that are its module paths
//! (`ovsrpc::jsonrpc::session`, `ovsrpc::reconnect`, ...). A program that
//! wants its log levels to follow `ovs-appctl vlog/set` installs the
//! [`Filter`] logger with [`init`] (output through `env_logger`) or
//! [`init_with`] (its own output logger), instead of calling
//! `env_logger::init()` itself. The filter keeps one level per module and
//! passes a record to the output logger only when its level is enabled
//! for the module its target belongs to.
//!
//! A module is a name and a log-target prefix: the library's are the
//! short names of its top-level modules (`jsonrpc` for
//! `ovsrpc::jsonrpc`, `reconnect`, `stream`, `unixctl`, ...); a program
//! adds its own with [`register_module`] (say `server` for the target
//! `server`, a binary's crate name). A record belongs to the module with
//! the longest target prefix that matches it at a `::` boundary; records
//! of no module follow the default level.
//!
//! Levels are OVS's names mapped onto `log`'s: `off`, `emer` and `err`
//! (both `Error`), `warn`, `info`, `dbg` (`Debug`), and beyond OVS,
//! `trace`. OVS's destinations (`console`, `syslog`, `file`) are accepted
//! in a spec and all mean the one output logger, listed as `console`.
//!
//! ```no_run
//! // Instead of env_logger::init(): same output, levels from RUST_LOG,
//! // then changeable with `ovs-appctl -t ... vlog/set jsonrpc:dbg`.
//! ovsrpc::vlog::register_module("server", "server");
//! ovsrpc::vlog::init().expect("no logger installed yet");
//! ```

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::RwLock;

use log::{LevelFilter, Log, Metadata, Record, SetLoggerError};

/// The library's modules: (name, log-target prefix).
const LIBRARY_MODULES: &[(&str, &str)] = &[
    ("capi", "ovsrpc::capi"),
    ("json", "ovsrpc::json"),
    ("jsonrpc", "ovsrpc::jsonrpc"),
    ("ovsdb", "ovsrpc::ovsdb"),
    ("poll_loop", "ovsrpc::poll_loop"),
    ("reconnect", "ovsrpc::reconnect"),
    ("stream", "ovsrpc::stream"),
    ("timeval", "ovsrpc::timeval"),
    ("unixctl", "ovsrpc::unixctl"),
    ("vlog", "ovsrpc::vlog"),
];

struct Module {
    name: String,
    target: String,
    level: LevelFilter,
}

struct Table {
    default: LevelFilter,
    /// `None` until first used: then the library's modules at `default`.
    modules: Option<Vec<Module>>,
}

impl Table {
    fn modules(&mut self) -> &mut Vec<Module> {
        let default = self.default;
        self.modules.get_or_insert_with(|| {
            LIBRARY_MODULES
                .iter()
                .map(|&(name, target)| Module {
                    name: name.to_string(),
                    target: target.to_string(),
                    level: default,
                })
                .collect()
        })
    }

    fn find(&mut self, name: &str) -> Option<&mut Module> {
        self.modules()
            .iter_mut()
            .find(|m| m.name.eq_ignore_ascii_case(name) || m.target == name)
    }

    fn level_of(&self, target: &str) -> LevelFilter {
        let mut best: Option<&Module> = None;
        for m in self.modules.iter().flatten() {
            if is_under(target, &m.target) && best.is_none_or(|b| b.target.len() < m.target.len()) {
                best = Some(m);
            }
        }
        best.map_or(self.default, |m| m.level)
    }

    fn max_level(&mut self) -> LevelFilter {
        let default = self.default;
        self.modules()
            .iter()
            .map(|m| m.level)
            .fold(default, Ord::max)
    }
}

/// True if log target `target` is `prefix` or a path under it
/// (`prefix::...`).
fn is_under(target: &str, prefix: &str) -> bool {
    target
        .strip_prefix(prefix)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with("::"))
}

static TABLE: RwLock<Table> = RwLock::new(Table {
    default: LevelFilter::Error,
    modules: None,
});

/// Whether [`init`] or [`init_with`] installed the [`Filter`].
static INSTALLED: AtomicBool = AtomicBool::new(false);

fn with_table<R>(f: impl FnOnce(&mut Table) -> R) -> R {
    let mut table = TABLE.write().unwrap_or_else(|e| e.into_inner());
    let r = f(&mut table);
    if is_installed() {
        log::set_max_level(table.max_level());
    }
    r
}

/// The level enabled for log target `target` now.
pub fn level_of(target: &str) -> LevelFilter {
    TABLE
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .level_of(target)
}

/// Adds a module named `name` for the log targets under `target` (a
/// program's own crate name, say), at the default level. Nothing changes
/// if a module of that name exists.
pub fn register_module(name: &str, target: &str) {
    with_table(|t| {
        if t.find(name).is_none() {
            let level = t.default;
            t.modules().push(Module {
                name: name.to_string(),
                target: target.to_string(),
                level,
            });
        }
    });
}

/// True once [`init`] or [`init_with`] installed the filter: only then do
/// the levels set here change what the program logs.
pub fn is_installed() -> bool {
    INSTALLED.load(Ordering::Relaxed)
}

/// OVS's name for a level as `vlog/list` shows it.
pub fn level_name(level: LevelFilter) -> &'static str {
    match level {
        LevelFilter::Off => "OFF",
        LevelFilter::Error => "ERR",
        LevelFilter::Warn => "WARN",
        LevelFilter::Info => "INFO",
        LevelFilter::Debug => "DBG",
        LevelFilter::Trace => "TRACE",
    }
}

/// Reads a level by OVS's name (case-insensitive), or `trace`.
pub fn level_from_name(name: &str) -> Option<LevelFilter> {
    let levels = [
        ("off", LevelFilter::Off),
        ("emer", LevelFilter::Error),
        ("err", LevelFilter::Error),
        ("warn", LevelFilter::Warn),
        ("info", LevelFilter::Info),
        ("dbg", LevelFilter::Debug),
        ("trace", LevelFilter::Trace),
    ];
    levels
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|&(_, l)| l)
}

fn is_destination(word: &str) -> bool {
    ["console", "syslog", "file"]
        .iter()
        .any(|d| d.eq_ignore_ascii_case(word))
}

/// Sets levels from one OVS spec (OVS's `vlog_set_levels_from_string`):
/// words separated by spaces, commas, colons or tabs, each a module name,
/// a destination, a level or `ANY`; at most one of each kind. No module
/// means every module (and the default for targets of none); no level
/// means `dbg`. Errors carry OVS's texts, e.g. `no destination, level, or
/// module "foo"`. `PATTERN:...` and `FACILITY:...` specs are refused:
/// output formats belong to the output logger.
pub fn set_levels_from_string(spec: &str) -> Result<(), String> {
    let mut words = spec
        .split([' ', ',', ':', '\t'])
        .filter(|w| !w.is_empty())
        .peekable();
    if let Some(first) = words.peek() {
        if first.eq_ignore_ascii_case("PATTERN") || first.eq_ignore_ascii_case("FACILITY") {
            return Err(format!("\"{first}\" is not supported"));
        }
    }
    with_table(|t| {
        let mut module: Option<String> = None;
        let mut level: Option<LevelFilter> = None;
        let mut destination = false;
        for word in words {
            if word.eq_ignore_ascii_case("ANY") {
                continue;
            } else if is_destination(word) {
                if destination {
                    return Err("cannot specify multiple destinations".to_string());
                }
                destination = true;
            } else if let Some(l) = level_from_name(word) {
                if level.is_some() {
                    return Err("cannot specify multiple levels".to_string());
                }
                level = Some(l);
            } else if let Some(m) = t.find(word) {
                if module.is_some() {
                    return Err("cannot specify multiple modules".to_string());
                }
                module = Some(m.name.clone());
            } else {
                return Err(format!("no destination, level, or module \"{word}\""));
            }
        }
        let level = level.unwrap_or(LevelFilter::Debug);
        match module {
            Some(name) => {
                if let Some(m) = t.find(&name) {
                    m.level = level;
                }
            }
            None => set_all(t, level),
        }
        Ok(())
    })
}

fn set_all(t: &mut Table, level: LevelFilter) {
    t.default = level;
    for m in t.modules() {
        m.level = level;
    }
}

/// Sets every module, and the default, to `level`.
pub fn set_all_levels(level: LevelFilter) {
    with_table(|t| set_all(t, level));
}

/// The levels of every module, sorted by name, in the layout of OVS's
/// `vlog/list` with one destination column, `console`.
pub fn get_levels() -> String {
    let mut lines: Vec<String> = with_table(|t| {
        t.modules()
            .iter()
            .map(|m| format!("{:<16}  {:>4}\n", m.name, level_name(m.level)))
            .collect()
    });
    lines.sort();
    let mut s = String::from("                 console\n                 -------\n");
    s.extend(lines);
    s
}

/// Applies a `RUST_LOG`-style spec (`level` or `target=level`, comma
/// separated) as initial levels: a bare level sets every module; a target
/// that names no module becomes a module of its own.
fn apply_env_spec(spec: &str) {
    with_table(|t| {
        for directive in spec.split(',').map(str::trim).filter(|d| !d.is_empty()) {
            let (target, level) = match directive.split_once('=') {
                Some((target, level)) => (Some(target.trim()), level.trim()),
                None => match level_or_filter(directive) {
                    Some(_) => (None, directive),
                    None => (Some(directive), "trace"),
                },
            };
            let Some(level) = level_or_filter(level) else {
                continue;
            };
            match target {
                None => set_all(t, level),
                Some(target) => {
                    // As in env_logger, a target covers the targets under
                    // it: `ovsrpc=info` sets every library module.
                    let mut exact = false;
                    for m in t.modules().iter_mut() {
                        if is_under(&m.target, target) || m.name == target {
                            m.level = level;
                            exact |= m.target == target || m.name == target;
                        }
                    }
                    if !exact {
                        t.modules().push(Module {
                            name: target.to_string(),
                            target: target.to_string(),
                            level,
                        });
                    }
                }
            }
        }
    });
}

/// A level by `log`'s names (`error`, `warn`, `info`, `debug`, `trace`,
/// `off`) or OVS's.
fn level_or_filter(name: &str) -> Option<LevelFilter> {
    name.parse::<LevelFilter>()
        .ok()
        .or_else(|| level_from_name(name))
}

/// The logger [`init`] and [`init_with`] install: passes to the output
/// logger each record whose level is enabled for its module.
pub struct Filter {
    output: Box<dyn Log>,
}

impl Log for Filter {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        metadata.level() <= level_of(metadata.target()) && self.output.enabled(metadata)
    }

    fn log(&self, record: &Record<'_>) {
        if self.enabled(record.metadata()) {
            self.output.log(record);
        }
    }

    fn flush(&self) {
        self.output.flush();
    }
}

/// Installs the [`Filter`] over `output` as the process's logger, with
/// initial levels from `spec` (`RUST_LOG` syntax: `info`,
/// `ovsrpc=info,server=debug`; OVS level names are accepted too). The
/// output logger should let every level through: the filter decides.
pub fn init_with(output: Box<dyn Log>, spec: &str) -> Result<(), SetLoggerError> {
    log::set_boxed_logger(Box::new(Filter { output }))?;
    INSTALLED.store(true, Ordering::Relaxed);
    apply_env_spec(spec);
    with_table(|_| ());
    Ok(())
}

/// Installs the [`Filter`] over `env_logger`'s output (its format, to
/// stderr), with initial levels from `RUST_LOG` (errors only if unset, as
/// `env_logger::init()`).
pub fn init() -> Result<(), SetLoggerError> {
    init_or("error")
}

/// As [`init`], with initial levels `default_spec` when `RUST_LOG` is not
/// set (as `env_logger`'s `default_filter_or`).
pub fn init_or(default_spec: &str) -> Result<(), SetLoggerError> {
    init_env_logger(env_logger::Builder::new(), default_spec)
}

/// As [`init_or`], with `builder` (an `env_logger` builder with the
/// program's format settings) as the output; its filters are replaced by
/// "everything": the [`Filter`] decides.
pub fn init_env_logger(
    mut builder: env_logger::Builder,
    default_spec: &str,
) -> Result<(), SetLoggerError> {
    let output = builder
        .filter_level(LevelFilter::Trace)
        .parse_write_style(&std::env::var("RUST_LOG_STYLE").unwrap_or_default())
        .build();
    let spec = std::env::var("RUST_LOG").unwrap_or_else(|_| default_spec.to_string());
    init_with(Box::new(output), &spec)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs() {
        // The table is process-wide: this one test owns it.
        register_module("testprog", "testprog");
        set_all_levels(LevelFilter::Warn);
        assert_eq!(level_of("ovsrpc::jsonrpc::session"), LevelFilter::Warn);
        set_levels_from_string("jsonrpc:dbg").unwrap();
        assert_eq!(level_of("ovsrpc::jsonrpc::session"), LevelFilter::Debug);
        assert_eq!(level_of("ovsrpc::jsonrpcx"), LevelFilter::Warn);
        assert_eq!(level_of("ovsrpc::reconnect"), LevelFilter::Warn);
        set_levels_from_string("ANY:console:off,testprog").unwrap();
        assert_eq!(level_of("testprog::sub"), LevelFilter::Off);
        set_levels_from_string("info").unwrap();
        assert_eq!(level_of("elsewhere"), LevelFilter::Info);
        assert_eq!(level_of("ovsrpc::jsonrpc"), LevelFilter::Info);
        assert_eq!(
            set_levels_from_string("nosuch:dbg"),
            Err("no destination, level, or module \"nosuch\"".to_string())
        );
        assert_eq!(
            set_levels_from_string("dbg:info"),
            Err("cannot specify multiple levels".to_string())
        );
        assert_eq!(
            set_levels_from_string("jsonrpc:reconnect"),
            Err("cannot specify multiple modules".to_string())
        );
        assert_eq!(
            set_levels_from_string("file:syslog"),
            Err("cannot specify multiple destinations".to_string())
        );
        set_levels_from_string("RECONNECT:Warn").unwrap();
        let list = get_levels();
        assert!(list.starts_with("                 console\n                 -------\n"));
        assert!(list.contains("\nreconnect         WARN\n"), "{list}");
        assert!(list.contains("\njsonrpc           INFO\n"), "{list}");
        apply_env_spec("error,ovsrpc::stream=debug,other::mod=trace");
        assert_eq!(level_of("ovsrpc::stream::tcp"), LevelFilter::Debug);
        apply_env_spec("ovsrpc=info,ovsrpc::stream=debug");
        assert_eq!(level_of("ovsrpc::jsonrpc::session"), LevelFilter::Info);
        assert_eq!(level_of("ovsrpc"), LevelFilter::Info);
        assert_eq!(level_of("ovsrpc::stream::tcp"), LevelFilter::Debug);
        assert_eq!(level_of("other::mod::x"), LevelFilter::Trace);
        apply_env_spec("error");
        assert_eq!(level_of("other::mod::x"), LevelFilter::Error);
        assert_eq!(level_of("ovsrpc::json"), LevelFilter::Error);
    }
}
