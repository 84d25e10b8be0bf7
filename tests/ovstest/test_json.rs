//! `ovstest test-json [--pretty] [--multiple] FILE|-`: parses JSON and prints
//! each value serialized with members sorted (OVS's tests/test-json.c).

use std::fs::File;
use std::io::{self, BufWriter, Read, Write};
use std::process::ExitCode;

use ovsrpc::json::{Json, Parser, SerializeOptions};

/// The size of each read, as OVS's `BUFSIZ`.
const BUFSIZ: usize = 8192;

fn fatal(msg: &str) -> ExitCode {
    eprintln!("test-json: {msg}");
    ExitCode::from(1)
}

/// Prints a value or an error; true for a value.
fn print(
    out: &mut impl Write,
    result: Result<Json, ovsrpc::json::Error>,
    options: SerializeOptions,
) -> io::Result<bool> {
    match result {
        Ok(json) => {
            let mut text = json.to_string_with(options).into_bytes();
            text.push(b'\n');
            out.write_all(&text)?;
            Ok(true)
        }
        Err(e) => {
            writeln!(out, "error: {e}")?;
            Ok(false)
        }
    }
}

/// Reads into `buf`, retrying on EINTR; 0 at end of input.
fn refill(input: &mut dyn Read, buf: &mut [u8]) -> io::Result<usize> {
    loop {
        match input.read(buf) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            other => return other,
        }
    }
}

/// One JSON text: everything up to the end of input.
fn parse_single(
    input: &mut dyn Read,
    out: &mut impl Write,
    options: SerializeOptions,
) -> io::Result<bool> {
    let mut parser = Parser::new_document();
    let mut buf = vec![0u8; BUFSIZ];
    loop {
        let n = match refill(input, &mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) => {
                writeln!(out, "error: error reading JSON stream: {e}")?;
                return Ok(false);
            }
        };
        if parser.feed(&buf[..n]) != n {
            break;
        }
    }
    print(out, parser.finish(), options)
}

/// A sequence of values: white space between them is skipped, and each
/// value gets a parser of its own, so positions count from its start.
fn parse_multiple(
    input: &mut dyn Read,
    out: &mut impl Write,
    options: SerializeOptions,
) -> io::Result<bool> {
    let mut buf = vec![0u8; BUFSIZ];
    let mut parser: Option<Parser> = None;
    let (mut n, mut used) = (0, 0);
    let mut ok = true;
    loop {
        if used >= n {
            used = 0;
            n = refill(input, &mut buf)?;
            if n == 0 {
                break;
            }
        }
        match &mut parser {
            // C's isspace(): also \v and \f, unlike the parser.
            None if matches!(buf[used], b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r') => {
                used += 1
            }
            _ => {
                let p = parser.get_or_insert_with(|| {
                    let mut p = Parser::new();
                    p.set_max_size(None);
                    p
                });
                used += p.feed(&buf[used..n]);
                if used < n {
                    ok &= print(out, p.finish(), options)?;
                    parser = None;
                }
            }
        }
    }
    if let Some(mut p) = parser {
        ok &= print(out, p.finish(), options)?;
    }
    Ok(ok)
}

pub fn main(args: &[String]) -> ExitCode {
    let mut pretty = false;
    let mut multiple = false;
    let mut files = Vec::new();
    let mut options_done = false;
    for arg in args {
        if options_done || !arg.starts_with("--") || arg == "-" {
            files.push(arg.as_str());
        } else if arg == "--" {
            options_done = true;
        } else {
            // getopt_long: any unambiguous prefix of an option name.
            let name = &arg[2..];
            let matches: Vec<&str> = ["pretty", "multiple"]
                .into_iter()
                .filter(|o| o.starts_with(name))
                .collect();
            match matches.as_slice() {
                ["pretty"] => pretty = true,
                ["multiple"] => multiple = true,
                _ => return fatal(&format!("unrecognized option '{arg}'")),
            }
        }
    }
    let [file] = files.as_slice() else {
        return fatal("usage: test-json [--pretty] [--multiple] INPUT.json");
    };

    let mut input: Box<dyn Read> = if *file == "-" {
        Box::new(io::stdin().lock())
    } else {
        match File::open(file) {
            Ok(f) => Box::new(f),
            Err(e) => return fatal(&format!("Cannot open \"{file}\" ({e})")),
        }
    };
    let options = SerializeOptions { pretty, sort: true };
    let stdout = io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let ok = if multiple {
        parse_multiple(&mut input, &mut out, options)
    } else {
        parse_single(&mut input, &mut out, options)
    };
    match ok.and_then(|ok| out.flush().map(|()| ok)) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => fatal(&format!("Error reading input file ({e})")),
    }
}
