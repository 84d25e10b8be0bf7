//! `ovstest test-jsonrpc` (placeholder).

use std::process::ExitCode;

pub fn main(_args: &[String]) -> ExitCode {
    eprintln!("test-jsonrpc: not implemented yet");
    ExitCode::from(1)
}
