//! `ovstest test-reconnect`: drives one reconnect FSM with a simulated clock
//! from a script on standard input, printing what changes after each line
//! (byte for byte what OVS's `test-reconnect` prints).

use std::fmt;
use std::io::{self, BufRead, Write};
use std::process::ExitCode;

use ovsrpc::error::EOF;
use ovsrpc::reconnect::{Action, Reconnect, Stats};

/// OVS reads lines with `fgets()` into a 128-byte buffer: at most 127 bytes
/// at a time, a longer line being read as several.
const LINE_MAX: usize = 127;

/// Why the script stopped early.
enum Failure {
    /// Reading the script or writing the transcript failed.
    Io(io::Error),
    /// A bad command or argument (OVS's `ovs_fatal()`).
    Fatal(String),
}

impl From<io::Error> for Failure {
    fn from(e: io::Error) -> Failure {
        Failure::Io(e)
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Io(e) => write!(f, "{e}"),
            Failure::Fatal(msg) => f.write_str(msg),
        }
    }
}

/// Runs the script on standard input; exit status 0, or 1 (with a message
/// on standard error) for a bad command or an I/O error.
pub fn main(_args: &[String]) -> ExitCode {
    // The driver runs the FSM with its logging off, as OVS's does.
    log::set_max_level(log::LevelFilter::Off);

    let mut input = io::stdin().lock();
    let mut out = io::BufWriter::new(io::stdout().lock());
    let result = run_script(&mut input, &mut out);
    let flushed = out.flush();
    match result.and(flushed.map_err(Failure::Io)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            eprintln!("ovstest: {failure}");
            ExitCode::from(1)
        }
    }
}

/// The simulated world: the FSM, the clock (a C `int`, as in OVS's driver)
/// and the transcript.
struct Driver<'a, W: Write> {
    fsm: Reconnect,
    now: i32,
    out: &'a mut W,
}

/// Reads `input` line by line and writes the transcript to `out`.
fn run_script<R: BufRead, W: Write>(input: &mut R, out: &mut W) -> Result<(), Failure> {
    let now: i32 = 1000;
    let mut fsm = Reconnect::new(i64::from(now));
    fsm.set_name("remote");
    let mut driver = Driver { fsm, now, out };

    let mut prev = driver.fsm.get_stats(i64::from(now));
    writeln!(driver.out, "### t={now} ###")?;
    let mut old_time = now;
    let mut old_max_tries = driver.fsm.get_max_tries();

    let mut chunk = Vec::with_capacity(LINE_MAX);
    while read_line(input, &mut chunk)? {
        // What follows sees the line as a C string: up to the first NUL.
        let line = match chunk.iter().position(|&b| b == 0) {
            Some(nul) => &chunk[..nul],
            None => &chunk[..],
        };
        driver.out.write_all(line)?;
        if line.first() == Some(&b'#') {
            continue;
        }

        let words = parse_words(line);
        if !words.is_empty() {
            driver.command(&words)?;
        }

        let now = driver.now;
        if now != old_time {
            writeln!(driver.out, "\n### t={now} ###")?;
        }

        let cur = driver.fsm.get_stats(i64::from(now));
        diff_stats(driver.out, &prev, &cur, now.wrapping_sub(old_time))?;
        prev = cur;
        if driver.fsm.get_max_tries() != old_max_tries {
            old_max_tries = driver.fsm.get_max_tries();
            writeln!(driver.out, "  {old_max_tries} tries left")?;
        }

        old_time = now;
    }
    Ok(())
}

/// Reads the next line as `fgets()` into a 128-byte buffer does: up to and
/// including a newline, but at most [`LINE_MAX`] bytes. False at end of
/// input.
fn read_line<R: BufRead>(input: &mut R, chunk: &mut Vec<u8>) -> io::Result<bool> {
    chunk.clear();
    while chunk.len() < LINE_MAX {
        let buf = match input.fill_buf() {
            Ok(buf) => buf,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if buf.is_empty() {
            break;
        }
        let room = LINE_MAX - chunk.len();
        let avail = &buf[..buf.len().min(room)];
        if let Some(newline) = avail.iter().position(|&b| b == b'\n') {
            chunk.extend_from_slice(&avail[..=newline]);
            input.consume(newline + 1);
            return Ok(true);
        }
        let n = avail.len();
        chunk.extend_from_slice(avail);
        input.consume(n);
    }
    Ok(!chunk.is_empty())
}

/// C's `isspace()` in the C locale.
fn is_c_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// Splits a line into words as OVS's `svec_parse_words()` does: at white
/// space, with shell-like single and double quotes and backslash escapes.
/// A line without quotes or backslashes is simply split at white space.
fn parse_words(line: &[u8]) -> Vec<Vec<u8>> {
    let mut words = Vec::new();
    let n = line.len();
    let mut i = 0;
    loop {
        while i < n && is_c_space(line[i]) {
            i += 1;
        }
        if i >= n {
            break;
        }

        let mut word = Vec::new();
        let mut quote = 0u8;
        while i < n {
            let c = line[i];
            if c == quote {
                quote = 0;
            } else if c == b'\'' || c == b'"' {
                quote = c;
            } else if c == b'\\' && (quote == 0 || quote == b'"') {
                i += 1;
                if i >= n {
                    // Trailing backslash: OVS keeps the word so far.
                    break;
                }
                word.push(line[i]);
            } else if is_c_space(c) && quote == 0 {
                i += 1;
                break;
            } else {
                word.push(c);
            }
            i += 1;
        }
        words.push(word);
    }
    words
}

/// Parses a number as C's `atoi()` (that is, `(int) strtol(s, NULL, 10)`):
/// leading white space, an optional sign, then digits up to the first
/// non-digit; nothing valid gives 0.
fn atoi(s: &[u8]) -> i32 {
    let mut i = 0;
    while i < s.len() && is_c_space(s[i]) {
        i += 1;
    }
    let negative = match s.get(i) {
        Some(b'-') => {
            i += 1;
            true
        }
        Some(b'+') => {
            i += 1;
            false
        }
        _ => false,
    };
    // strtol() saturates at the limits of long; the cast to int truncates.
    let mut value: i64 = 0;
    while let Some(&d) = s.get(i).filter(|d| d.is_ascii_digit()) {
        let digit = i64::from(d - b'0');
        value = if negative {
            value.saturating_mul(10).saturating_sub(digit)
        } else {
            value.saturating_mul(10).saturating_add(digit)
        };
        i += 1;
    }
    value as i32
}

/// The command table: name, minimum and maximum number of arguments.
const COMMANDS: &[(&str, usize, usize)] = &[
    ("enable", 0, 0),
    ("disable", 0, 0),
    ("force-reconnect", 0, 0),
    ("disconnected", 0, 1),
    ("connecting", 0, 0),
    ("connect-failed", 0, 1),
    ("connected", 0, 0),
    ("activity", 0, 0),
    ("run", 0, 1),
    ("advance", 1, 1),
    ("timeout", 0, 0),
    ("set-max-tries", 1, 1),
    ("set-backoff-free-tries", 1, 1),
    ("passive", 0, 0),
    ("listening", 0, 0),
    ("listen-error", 1, 1),
    ("receive-attempted", 1, 1),
];

impl<W: Write> Driver<'_, W> {
    fn now(&self) -> i64 {
        i64::from(self.now)
    }

    /// Checks the argument count as OVS's `ovs_cmdl_run_command()` does,
    /// then runs the command.
    fn command(&mut self, words: &[Vec<u8>]) -> Result<(), Failure> {
        let name = String::from_utf8_lossy(&words[0]);
        let n_args = words.len() - 1;
        let Some(&(name, min, max)) = COMMANDS.iter().find(|(n, _, _)| *n == name) else {
            return Err(Failure::Fatal(format!(
                "unknown command '{name}'; use --help for help"
            )));
        };
        if n_args < min {
            return Err(Failure::Fatal(format!(
                "'{name}' command requires at least {min} arguments"
            )));
        }
        if n_args > max {
            return Err(Failure::Fatal(format!(
                "'{name}' command takes at most {max} arguments"
            )));
        }
        let arg = words.get(1).map(Vec::as_slice);
        let now = self.now();
        match name {
            "enable" => self.fsm.enable(now),
            "disable" => self.fsm.disable(now),
            "force-reconnect" => self.fsm.force_reconnect(now),
            "disconnected" => self.fsm.disconnected(now, error_from_string(arg)?),
            "connecting" => self.fsm.connecting(now),
            "connect-failed" => self.fsm.connect_failed(now, error_from_string(arg)?),
            "connected" => self.fsm.connected(now),
            "activity" => self.fsm.activity(now),
            "run" => self.run(arg)?,
            "advance" => self.advance(arg),
            "timeout" => self.timeout()?,
            // C converts the int to unsigned: -1 becomes UINT_MAX.
            "set-max-tries" => self.fsm.set_max_tries(atoi(arg.unwrap_or(b"")) as u32),
            "set-backoff-free-tries" => self
                .fsm
                .set_backoff_free_tries(atoi(arg.unwrap_or(b"")) as u32),
            "passive" => self.fsm.set_passive(true, now),
            "listening" => self.fsm.listening(now),
            "listen-error" => self.fsm.listen_error(now, atoi(arg.unwrap_or(b""))),
            "receive-attempted" => match arg {
                Some(b"now") => self.fsm.receive_attempted(now),
                Some(b"LLONG_MAX") => self.fsm.receive_attempted(i64::MAX),
                _ => {
                    return Err(Failure::Fatal(format!(
                        "{name}: bad argument {}",
                        String::from_utf8_lossy(arg.unwrap_or(b""))
                    )))
                }
            },
            _ => unreachable!("every name in COMMANDS is handled"),
        }
        Ok(())
    }

    /// `run [MS]`: advance the clock by MS if given, then run the FSM and
    /// say what it asked for.
    fn run(&mut self, arg: Option<&[u8]>) -> io::Result<()> {
        if let Some(ms) = arg {
            self.now = self.now.wrapping_add(atoi(ms));
        }
        match self.fsm.run(self.now()) {
            None => Ok(()),
            Some(Action::Connect) => writeln!(self.out, "  should connect"),
            Some(Action::Disconnect) => writeln!(self.out, "  should disconnect"),
            Some(Action::Probe) => writeln!(self.out, "  should send probe"),
        }
    }

    /// `advance MS`: advance the clock.
    fn advance(&mut self, arg: Option<&[u8]>) {
        self.now = self.now.wrapping_add(atoi(arg.unwrap_or(b"")));
    }

    /// `timeout`: advance the clock to the FSM's next deadline, if any.
    fn timeout(&mut self) -> io::Result<()> {
        match self.fsm.timeout(self.now()) {
            Some(timeout) => {
                // reconnect_timeout() returns an int.
                let timeout = timeout as i32;
                writeln!(self.out, "  advance {timeout} ms")?;
                self.now = self.now.wrapping_add(timeout);
                Ok(())
            }
            None => writeln!(self.out, "  no timeout"),
        }
    }
}

/// The error named by an optional argument: none is 0, `ECONNREFUSED` the
/// errno, `EOF` OVS's end-of-file value; anything else is fatal.
fn error_from_string(arg: Option<&[u8]>) -> Result<i32, Failure> {
    match arg {
        None => Ok(0),
        Some(b"ECONNREFUSED") => Ok(libc::ECONNREFUSED),
        Some(b"EOF") => Ok(EOF),
        Some(other) => Err(Failure::Fatal(format!(
            "unknown error '{}'",
            String::from_utf8_lossy(other)
        ))),
    }
}

/// Prints what changed between two snapshots taken `delta` ms apart,
/// exactly as OVS's `diff_stats()`; the unsigned arithmetic wraps as in C.
fn diff_stats<W: Write>(out: &mut W, old: &Stats, new: &Stats, delta: i32) -> io::Result<()> {
    let delta = delta as u32;
    if old.state != new.state
        || old.state_elapsed != new.state_elapsed
        || old.backoff != new.backoff
    {
        writeln!(
            out,
            "  in {} for {} ms ({} ms backoff)",
            new.state, new.state_elapsed, new.backoff
        )?;
    }
    if old.creation_time != new.creation_time
        || old.last_activity != new.last_activity
        || old.last_connected != new.last_connected
    {
        writeln!(
            out,
            "  created {}, last activity {}, last connected {}",
            new.creation_time, new.last_activity, new.last_connected
        )?;
    }
    if old.n_successful_connections != new.n_successful_connections
        || old.n_attempted_connections != new.n_attempted_connections
        || old.seqno != new.seqno
    {
        writeln!(
            out,
            "  {} successful connections out of {} attempts, seqno {}",
            new.n_successful_connections, new.n_attempted_connections, new.seqno
        )?;
    }
    if old.is_connected != new.is_connected {
        writeln!(
            out,
            "  {}connected",
            if new.is_connected { "" } else { "dis" }
        )?;
    }
    if old.last_connected != new.last_connected
        || (old.msec_since_connect != new.msec_since_connect.wrapping_sub(delta)
            && !(old.msec_since_connect == u32::MAX && new.msec_since_connect == u32::MAX))
        || (old.total_connected_duration != new.total_connected_duration.wrapping_sub(delta)
            && !(old.total_connected_duration == 0 && new.total_connected_duration == 0))
    {
        writeln!(
            out,
            "  last connected {} ms ago, connected {} ms total",
            new.msec_since_connect, new.total_connected_duration
        )?;
    }
    if old.last_disconnected != new.last_disconnected
        || (old.msec_since_disconnect != new.msec_since_disconnect.wrapping_sub(delta)
            && !(old.msec_since_disconnect == u32::MAX && new.msec_since_disconnect == u32::MAX))
    {
        writeln!(
            out,
            "  disconnected at {} ms ({} ms ago)",
            new.last_disconnected as u64, new.msec_since_disconnect
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(line: &str) -> Vec<String> {
        parse_words(line.as_bytes())
            .into_iter()
            .map(|w| String::from_utf8(w).unwrap())
            .collect()
    }

    #[test]
    fn words_split_at_white_space_and_respect_quotes() {
        assert_eq!(words("run 500\n"), ["run", "500"]);
        assert_eq!(words("  \t\n"), Vec::<String>::new());
        assert_eq!(
            words("a 'b c' \"d\\\"e\" f\\ g"),
            ["a", "b c", "d\"e", "f g"]
        );
        assert_eq!(words("x\\"), ["x"]);
    }

    #[test]
    fn atoi_is_c_atoi() {
        assert_eq!(atoi(b"500"), 500);
        assert_eq!(atoi(b"  -12x"), -12);
        assert_eq!(atoi(b"+7"), 7);
        assert_eq!(atoi(b"abc"), 0);
        assert_eq!(atoi(b""), 0);
        assert_eq!(atoi(b"4294967297"), 1);
    }

    #[test]
    fn long_lines_are_read_in_127_byte_pieces() {
        let text = format!("{}\nend", "x".repeat(200));
        let mut input = text.as_bytes();
        let mut chunk = Vec::new();
        let mut pieces = Vec::new();
        while read_line(&mut input, &mut chunk).unwrap() {
            pieces.push(chunk.len());
        }
        assert_eq!(pieces, [127, 74, 3]);
    }
}
