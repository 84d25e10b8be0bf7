//! `ovstest`: the project's test driver, OVS's `ovstest` subcommands
//! `test-json`, `test-jsonrpc` and `test-reconnect`.

use std::process::ExitCode;

mod test_json;
mod test_jsonrpc;
mod test_reconnect;

fn usage() -> ExitCode {
    eprintln!("usage: ovstest test-reconnect | test-json | test-jsonrpc ...");
    ExitCode::from(1)
}

fn main() -> ExitCode {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("warn"))
        .format_timestamp_millis()
        .init();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(cmd) = args.first() else {
        return usage();
    };
    let rest = &args[1..];
    match cmd.as_str() {
        "test-reconnect" => test_reconnect::main(rest),
        "test-json" => test_json::main(rest),
        "test-jsonrpc" => test_jsonrpc::main(rest),
        _ => usage(),
    }
}
