//! Logging for C programs: the library logs through the `log` crate (with
//! OVS's wording), which says nothing until a logger is installed. A Rust
//! program installs its own; a C program calls `ovsrpc_log_init()`.

use std::ffi::c_char;

use super::{boundary, c_str};

/// Sends the library's log messages to standard error, filtered by `spec`
/// (`env_logger` syntax: "info", "debug", "ovsrpc::jsonrpc=debug,warn",
/// ...). NULL uses the `RUST_LOG` environment variable, or "info" if it is
/// not set. Returns false (and changes nothing) if a logger was already
/// installed. The levels can then be changed at run time with `ovs-appctl
/// vlog/set` on a unixctl server (`unixctl.h`). OVS programs use vlog
/// instead; this is an ovsrpc addition.
#[no_mangle]
pub unsafe extern "C" fn ovsrpc_log_init(spec: *const c_char) -> bool {
    boundary("ovsrpc_log_init", || {
        // SAFETY: the caller passes a C string or NULL.
        let spec = unsafe { c_str(spec) }
            .map(|s| s.into_owned())
            .or_else(|| std::env::var("RUST_LOG").ok())
            .unwrap_or_else(|| "info".to_string());
        // The levels live in ovsrpc's vlog filter, so that `ovs-appctl
        // vlog/set` on a unixctl server can change them.
        let output = env_logger::Builder::new()
            .filter_level(log::LevelFilter::Trace)
            .format_timestamp_millis()
            .build();
        crate::vlog::init_with(Box::new(output), &spec).is_ok()
    })
}
