//! `ovstest test-json` (placeholder).

use std::process::ExitCode;

pub fn main(_args: &[String]) -> ExitCode {
    eprintln!("test-json: not implemented yet");
    ExitCode::from(1)
}
