//! `ovstest test-reconnect` (placeholder).

use std::process::ExitCode;

pub fn main(_args: &[String]) -> ExitCode {
    eprintln!("test-reconnect: not implemented yet");
    ExitCode::from(1)
}
