//! The incremental parser core: OVS's `json_parser`, without recursion,
//! generic over the [`Builder`] that makes the values.
//!
//! The lexer runs straight over each fed slice. A token that the slice cuts
//! short (a string, number or keyword) is kept in `tok` and completed from
//! the next slice, so each input byte is looked at a bounded number of
//! times however the input is cut. Containers are built bottom-up on two
//! explicit stacks (array elements, object members) and moved into their
//! final, exactly sized allocation when they close.

use super::builder::Builder;
use super::error::Error;
use super::number::{is_number_byte, parse_number};
use super::string::{decode_raw, fast_string, find_special, scan_raw, utf8, Fast, Scan};
use super::value::Json;
use super::work::{Frame, Work};

/// Deepest nesting of arrays and objects the parser accepts (OVS's
/// `JSON_MAX_HEIGHT`).
pub const MAX_HEIGHT: usize = 1000;

/// Parse states, as in OVS.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum State {
    Start,
    End,
    ObjectInit,
    ObjectName,
    ObjectColon,
    ObjectValue,
    ObjectNext,
    ArrayInit,
    ArrayValue,
    ArrayNext,
}

impl State {
    /// The error for a token this state cannot take.
    fn unexpected(self) -> &'static str {
        match self {
            State::Start => "syntax error at beginning of input",
            State::End => "trailing garbage at end of input",
            State::ObjectInit | State::ObjectName => "syntax error parsing object expecting string",
            State::ObjectColon => "syntax error parsing object expecting ':'",
            State::ObjectValue | State::ArrayInit | State::ArrayValue => {
                "syntax error expecting value"
            }
            State::ObjectNext => "syntax error expecting '}' or ','",
            State::ArrayNext => "syntax error expecting ']' or ','",
        }
    }
}

/// A token cut short by the end of a fed slice.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Partial {
    None,
    Number,
    Keyword,
    /// Inside a string; `escaped` if the last byte was an unpaired `\`.
    String {
        escaped: bool,
    },
    /// Inside a string with nothing but plain bytes so far (no escape, no
    /// control byte): it ends at the next quote unless a backslash or a
    /// control byte comes first.
    PlainString,
}

/// Where a string scan ended.
enum StrEnd {
    /// The closing quote is at this index.
    Quote(usize),
    /// An error; this many bytes were consumed.
    Failed(usize),
    /// The slice ended inside the string.
    More,
}

/// Byte classes for the lexer's start state.
const WS: u8 = 1;
const PUNCT: u8 = 2;
const QUOTE: u8 = 3;
const NUM: u8 = 4;
const ALPHA: u8 = 5;
const OTHER: u8 = 0;

static CLASS: [u8; 256] = {
    let mut t = [OTHER; 256];
    t[b' ' as usize] = WS;
    t[b'\t' as usize] = WS;
    t[b'\n' as usize] = WS;
    t[b'\r' as usize] = WS;
    t[b'[' as usize] = PUNCT;
    t[b']' as usize] = PUNCT;
    t[b'{' as usize] = PUNCT;
    t[b'}' as usize] = PUNCT;
    t[b':' as usize] = PUNCT;
    t[b',' as usize] = PUNCT;
    t[b'"' as usize] = QUOTE;
    t[b'-' as usize] = NUM;
    let mut c = b'0';
    while c <= b'9' {
        t[c as usize] = NUM;
        c += 1;
    }
    let mut c = b'a';
    while c <= b'z' {
        t[c as usize] = ALPHA;
        c += 1;
    }
    t
};

/// An OVSDB update with every kind of value, repeated and escaped names
/// among them, for tests that compare builders.
#[cfg(test)]
pub(crate) const SAMPLE_UPDATE: &str = r#"{"id":null,"method":"update","params":["mon",{"Interface":{"6f8a":{"new":{"name":"tap\u00e9\n","ofport":-17,"mtu":1500,"speed":1e10,"x":1.5e-3,"up":true,"down":false,"none":null,"external_ids":["map",[["a","b"],["c","\"d\""]]],"mtu":9000,"s":["set",[]],"o":{}}}}}]}"#;

/// The incremental parser over any [`Builder`]; [`Parser`](super::Parser)
/// is this core over the [`Json`] builder, and documents the behaviour.
pub(crate) struct Core<B: Builder> {
    check_trailer: bool,
    max_size: Option<u64>,

    // Position: bytes consumed, newlines consumed, where the line started.
    byte: u64,
    line: u64,
    line_start: u64,

    // Lexer and parser state.
    partial: Partial,
    state: State,
    result: Option<B::Value>,
    done: bool,
    error: Option<Error>,

    // The stacks, borrowed from this thread while a value is half-read.
    work: Box<Work<B>>,
    has_work: bool,
}

/// What a token handler asks of the lexer loop.
type Step = Result<(), &'static str>;

impl<B: Builder> Core<B> {
    /// A parser for a stream of values (`check_trailer` false) or for one
    /// whole document, with an input size limit.
    pub(crate) fn with_flags(check_trailer: bool, max_size: Option<u64>) -> Core<B> {
        Core {
            check_trailer,
            max_size,
            byte: 0,
            line: 0,
            line_start: 0,
            partial: Partial::None,
            state: State::Start,
            result: None,
            done: false,
            error: None,
            work: Box::default(),
            has_work: false,
        }
    }

    /// Limits the input of one value to `max` bytes (white space before it
    /// included); `None` removes the limit. Reaching the limit before the
    /// value is complete is the error `input exceeds maximum size MAX`.
    pub(crate) fn set_max_size(&mut self, max: Option<u64>) {
        self.max_size = max;
    }

    /// The size limit in force.
    pub(crate) fn max_size(&self) -> Option<u64> {
        self.max_size
    }

    /// True once a complete top-level value has been read (for a parser
    /// for a stream) or an error has occurred: time to call
    /// `finish`.
    pub(crate) fn is_done(&self) -> bool {
        self.done
    }

    /// True once the current value has begun: a byte other than leading
    /// whitespace was consumed (or it is already done).
    pub(crate) fn is_started(&self) -> bool {
        self.done || self.state != State::Start || self.partial != Partial::None
    }

    /// Bytes consumed since the start of this value.
    pub(crate) fn bytes_consumed(&self) -> u64 {
        self.byte
    }

    /// Forgets everything about the current value and starts afresh,
    /// keeping the settings.
    pub(crate) fn reset(&mut self) {
        self.byte = 0;
        self.line = 0;
        self.line_start = 0;
        self.partial = Partial::None;
        self.state = State::Start;
        self.result = None;
        self.done = false;
        self.error = None;
        self.return_work();
    }

    /// True while the parser holds working memory of its own.
    #[cfg(test)]
    pub(crate) fn holds_memory(&self) -> bool {
        self.has_work || !self.work.is_empty()
    }

    /// Takes this thread's spare working memory (warm stacks and builder),
    /// if the parser has none: the parser's own, empty, takes its place.
    /// Only stream parsers do: a document parser is used once and dropped,
    /// so it keeps its own (lending it gained nothing there, and the pieces
    /// of a document fed after another large parse on the thread measured
    /// twice as slow with the warm spare).
    #[inline]
    fn borrow_work(&mut self) {
        if !self.has_work && !self.check_trailer {
            if let Some(mut spare) = B::take_spare() {
                std::mem::swap(&mut self.work, &mut spare);
                B::keep_spare(spare);
            }
            self.has_work = true;
        }
    }

    /// Empties the working memory (a document parser keeps its own for its
    /// next document) and, if it was borrowed, hands it back to this
    /// thread's spare and keeps an empty one (the one left there, or a new
    /// one if what is there holds memory: another parser's, returned
    /// meanwhile, which is then freed).
    #[inline]
    fn return_work(&mut self) {
        self.work.clear_and_trim();
        if self.has_work {
            self.has_work = false;
            let empty = match B::take_spare() {
                Some(spare) if spare.is_empty() => spare,
                _ => Box::default(),
            };
            let used = std::mem::replace(&mut self.work, empty);
            B::keep_spare(used);
        }
    }

    /// Parses as much of `input` as it can and returns how many bytes it
    /// consumed (OVS's `json_parser_feed()`). That is all of `input` unless
    /// the parser became done: after a complete top-level value (not in a
    /// document parser) or an error.
    pub(crate) fn feed(&mut self, input: &[u8]) -> usize {
        if self.done {
            return 0;
        }
        let (input, limited) = match self.max_size {
            Some(max) if self.byte + input.len() as u64 > max => {
                (&input[..max.saturating_sub(self.byte) as usize], true)
            }
            _ => (input, false),
        };
        let base = self.byte;
        self.borrow_work();
        let n = self.run(input, base);
        self.byte = base + n as u64;
        if limited && !self.done && n == input.len() {
            let max = self.max_size.unwrap_or(0);
            self.error_at(format!("input exceeds maximum size {max}"), self.byte);
        }
        if self.partial == Partial::None && self.work.frames.is_empty() {
            // Nothing half-read is on the stacks: between values, or done.
            self.return_work();
        }
        n
    }

    /// Ends the input and returns the value, or the first error (OVS's
    /// `json_parser_finish()`). The parser is reset for the next value.
    pub(crate) fn finish(&mut self) -> Result<B::Value, Error> {
        if self.error.is_none() {
            let at = self.byte;
            match self.partial {
                Partial::None => {}
                Partial::String { .. } | Partial::PlainString => {
                    self.error_at("unexpected end of input in quoted string".into(), at);
                }
                Partial::Number | Partial::Keyword => {
                    let tok = std::mem::take(&mut self.work.tok);
                    self.partial = Partial::None;
                    let step = self.token_word(&tok, at);
                    self.work.tok = tok;
                    if let Err(msg) = step {
                        self.error_at(msg.to_string(), at);
                    }
                }
            }
        }
        if self.error.is_none() {
            if self.state == State::Start {
                self.error_at("empty input stream".into(), self.byte);
            } else if self.state != State::End {
                self.error_at("unexpected end of input".into(), self.byte);
            }
        }
        let result = match self.error.take() {
            Some(e) => Err(e),
            None => self.result.take().ok_or_else(|| {
                Error::syntax("unexpected end of input".into(), self.line, 0, self.byte)
            }),
        };
        self.reset();
        result
    }

    /// Parses `text` as one whole document, fed `step` bytes at a time
    /// (for tests of the builders).
    #[cfg(test)]
    pub(crate) fn parse_chunks(text: &[u8], step: usize) -> Result<B::Value, Error> {
        let mut core = Core::<B>::with_flags(true, None);
        for chunk in text.chunks(step.max(1)) {
            core.feed(chunk);
        }
        core.finish()
    }

    /// Records the first error, at byte offset `at` (on the current line).
    fn error_at(&mut self, message: String, at: u64) {
        if self.error.is_none() {
            let column = at - self.line_start;
            self.error = Some(Error::syntax(message, self.line, column, at));
        }
        self.done = true;
    }

    /// The lexer loop over one slice. Returns the number of bytes consumed.
    fn run(&mut self, s: &[u8], base: u64) -> usize {
        let mut scratch = std::mem::take(&mut self.work.scratch);
        let n = self.run_with(s, base, &mut scratch);
        self.work.scratch = scratch;
        n
    }

    fn run_with(&mut self, s: &[u8], base: u64, scratch: &mut String) -> usize {
        let mut i = 0;
        if self.partial != Partial::None {
            i = match self.resume(s, base) {
                Some(i) => i,
                None => return s.len(),
            };
            if self.done {
                return i;
            }
        }
        while i < s.len() {
            let c = s[i];
            match CLASS[c as usize] {
                WS => {
                    if c == b'\n' {
                        self.line += 1;
                        self.line_start = base + i as u64 + 1;
                    }
                    i += 1;
                }
                PUNCT => {
                    let step = match c {
                        b'{' => self.open(true),
                        b'[' => self.open(false),
                        b'}' => self.close(true),
                        b']' => self.close(false),
                        b':' => self.colon(),
                        _ => self.comma(),
                    };
                    if let Err(msg) = step {
                        self.error_at(msg.to_string(), base + i as u64);
                        return i + 1;
                    }
                    i += 1;
                    if self.done {
                        return i;
                    }
                }
                QUOTE => match fast_string(s, i + 1, scratch) {
                    Fast::Plain(raw, j) => {
                        if !self.string_plain(raw, base + j as u64) {
                            return j + 1;
                        }
                        i = j + 1;
                    }
                    Fast::Done(text, j) => {
                        if !self.string_text(text, base + j as u64) {
                            return j + 1;
                        }
                        i = j + 1;
                    }
                    Fast::Control(j) => {
                        self.control_error(s[j], base + j as u64);
                        return j + 1;
                    }
                    Fast::Cut => {
                        self.work.tok.clear();
                        self.work.tok.extend_from_slice(&s[i + 1..]);
                        self.partial = Partial::PlainString;
                        return s.len();
                    }
                    Fast::Slow => {
                        let mut escaped = false;
                        match self.scan_string(s, i + 1, &mut escaped, base) {
                            StrEnd::Quote(j) => {
                                if !self.string_raw(&s[i + 1..j], base + j as u64) {
                                    return j + 1;
                                }
                                i = j + 1;
                            }
                            StrEnd::Failed(n) => return n,
                            StrEnd::More => {
                                self.work.tok.clear();
                                self.work.tok.extend_from_slice(&s[i + 1..]);
                                self.partial = Partial::String { escaped };
                                return s.len();
                            }
                        }
                    }
                },
                NUM | ALPHA => {
                    let number = CLASS[c as usize] == NUM;
                    let j = if number {
                        s[i + 1..]
                            .iter()
                            .position(|&b| !is_number_byte(b))
                            .map_or(s.len(), |k| i + 1 + k)
                    } else {
                        s[i + 1..]
                            .iter()
                            .position(|&b| !b.is_ascii_alphabetic())
                            .map_or(s.len(), |k| i + 1 + k)
                    };
                    if j == s.len() {
                        self.work.tok.clear();
                        self.work.tok.extend_from_slice(&s[i..]);
                        self.partial = if number {
                            Partial::Number
                        } else {
                            Partial::Keyword
                        };
                        return s.len();
                    }
                    if let Err(msg) = self.token_word(&s[i..j], base + j as u64) {
                        self.error_at(msg.to_string(), base + j as u64);
                        return j;
                    }
                    if self.done {
                        return j;
                    }
                    i = j;
                }
                _ => {
                    let msg = if (0x21..0x7f).contains(&c) {
                        format!("invalid character '{}'", char::from(c))
                    } else {
                        format!("invalid character U+{c:04x}")
                    };
                    self.error_at(msg, base + i as u64);
                    return i + 1;
                }
            }
        }
        i
    }

    /// Continues a token cut short by the previous slice. Returns where the
    /// lexer goes on in `s`, or `None` if the token swallowed all of `s`.
    fn resume(&mut self, s: &[u8], base: u64) -> Option<usize> {
        match self.partial {
            Partial::None => Some(0),
            Partial::Number | Partial::Keyword => {
                let number = self.partial == Partial::Number;
                let end = s.iter().position(|&b| {
                    if number {
                        !is_number_byte(b)
                    } else {
                        !b.is_ascii_alphabetic()
                    }
                });
                let Some(j) = end else {
                    self.work.tok.extend_from_slice(s);
                    return None;
                };
                self.work.tok.extend_from_slice(&s[..j]);
                self.partial = Partial::None;
                let tok = std::mem::take(&mut self.work.tok);
                let step = self.token_word(&tok, base + j as u64);
                self.work.tok = tok;
                self.work.tok.clear();
                if let Err(msg) = step {
                    self.error_at(msg.to_string(), base + j as u64);
                }
                Some(j)
            }
            Partial::String { escaped } => self.resume_string(s, 0, escaped, base),
            Partial::PlainString => {
                let j = find_special(s, 0);
                let Some(&c) = s.get(j) else {
                    self.work.tok.extend_from_slice(s);
                    return None;
                };
                match c {
                    b'"' => {
                        self.work.tok.extend_from_slice(&s[..j]);
                        self.tok_string(base + j as u64, true);
                        Some(j + 1)
                    }
                    b'\\' => {
                        // Escapes from here on: the general continuation.
                        self.work.tok.extend_from_slice(&s[..j]);
                        self.resume_string(s, j, false, base)
                    }
                    _ => {
                        self.partial = Partial::None;
                        self.control_error(c, base + j as u64);
                        Some(j + 1)
                    }
                }
            }
        }
    }

    /// Continues a string cut short by the previous slice (its raw bytes so
    /// far in `tok`) from `s[from]`.
    fn resume_string(
        &mut self,
        s: &[u8],
        from: usize,
        mut escaped: bool,
        base: u64,
    ) -> Option<usize> {
        match self.scan_string(s, from, &mut escaped, base) {
            StrEnd::Quote(j) => {
                self.work.tok.extend_from_slice(&s[from..j]);
                self.tok_string(base + j as u64, false);
                Some(j + 1)
            }
            StrEnd::Failed(n) => Some(n),
            StrEnd::More => {
                self.work.tok.extend_from_slice(&s[from..]);
                self.partial = Partial::String { escaped };
                None
            }
        }
    }

    /// Finds the closing quote of a string from `s[i]`. A raw control byte
    /// is an error at once.
    fn scan_string(&mut self, s: &[u8], i: usize, escaped: &mut bool, base: u64) -> StrEnd {
        let (mut line, mut line_start) = (self.line, self.line_start);
        let scan = scan_raw(s, i, escaped, |j| {
            line += 1;
            line_start = base + j as u64 + 1;
        });
        self.line = line;
        self.line_start = line_start;
        match scan {
            Scan::Quote(j) => StrEnd::Quote(j),
            Scan::Control(j) => {
                self.control_error(s[j], base + j as u64);
                StrEnd::Failed(j + 1)
            }
            Scan::End => StrEnd::More,
        }
    }

    fn control_error(&mut self, c: u8, at: u64) {
        self.error_at(format!("U+{c:04X} must be escaped in quoted string"), at);
    }

    /// A decoded string whose closing quote is at `at`: hands it to the
    /// parser. False if that failed.
    fn string_text(&mut self, text: &str, at: u64) -> bool {
        match self.string(text) {
            Ok(()) => true,
            Err(msg) => {
                self.error_at(msg.to_string(), at);
                false
            }
        }
    }

    /// A string with no escape and no control byte, its UTF-8 unchecked,
    /// whose closing quote is at `at`: hands it to the builder, which
    /// checks it unless it knows it already. False if that failed.
    fn string_plain(&mut self, raw: &[u8], at: u64) -> bool {
        let step = match self.state {
            State::ObjectInit | State::ObjectName => {
                // A top-level name goes to the builder's own hook.
                let name = if self.work.frames.len() == 1 {
                    self.work.builder.root_name_bytes(raw)
                } else {
                    self.work.builder.name_bytes(raw)
                };
                match name {
                    Some(name) => {
                        self.member_name(name);
                        Ok(())
                    }
                    // Not UTF-8: the general path words the error.
                    None => return self.string_raw(raw, at),
                }
            }
            _ => match self.work.builder.string_bytes(raw) {
                Some(value) => self.value(value),
                None => return self.string_raw(raw, at),
            },
        };
        match step {
            Ok(()) => true,
            Err(msg) => {
                self.error_at(msg.to_string(), at);
                false
            }
        }
    }

    /// A complete raw string whose closing quote is at `at`: decodes it and
    /// hands it to the parser. False if that failed.
    fn string_raw(&mut self, raw: &[u8], at: u64) -> bool {
        match decode_raw(raw) {
            Ok(text) => self.string_text(&text, at),
            Err(msg) => {
                self.error_at(msg, at);
                false
            }
        }
    }

    /// The string cut short by earlier slices is complete in `tok`, its
    /// closing quote at `at`. `plain` if it holds no escape (then only its
    /// UTF-8 is left to check; the slow path words any error).
    fn tok_string(&mut self, at: u64, plain: bool) {
        self.partial = Partial::None;
        let tok = std::mem::take(&mut self.work.tok);
        let text = if plain { utf8(&tok).ok() } else { None };
        match text {
            Some(text) => self.string_text(text, at),
            None => self.string_raw(&tok, at),
        };
        self.work.tok = tok;
        self.work.tok.clear();
    }

    /// A number or keyword token.
    fn token_word(&mut self, tok: &[u8], at: u64) -> Step {
        let builder = &mut self.work.builder;
        let value = match tok[0] {
            // A plain run of up to 18 digits without a leading zero (ids,
            // counters, ports: most numbers) is its own value.
            b'1'..=b'9' if tok.len() <= 18 && tok.iter().all(u8::is_ascii_digit) => {
                let i = tok.iter().fold(0i64, |n, &d| n * 10 + i64::from(d - b'0'));
                builder.integer(i)
            }
            b'-' | b'0'..=b'9' => match parse_number(tok)? {
                Json::Integer(i) => builder.integer(i),
                Json::Real(r) => builder.real(r),
                _ => return Err("syntax error"),
            },
            _ => match tok {
                b"true" => builder.boolean(true),
                b"false" => builder.boolean(false),
                b"null" => builder.null(),
                _ => {
                    let word = String::from_utf8_lossy(tok);
                    self.error_at(format!("invalid keyword '{word}'"), at);
                    return Ok(());
                }
            },
        };
        self.value(value)
    }

    // The parser proper: one method per kind of token.

    fn open(&mut self, object: bool) -> Step {
        match self.state {
            State::Start | State::ObjectValue | State::ArrayInit | State::ArrayValue => {}
            s => return Err(s.unexpected()),
        }
        if self.work.frames.len() >= MAX_HEIGHT {
            return Err("input exceeds maximum nesting depth 1000");
        }
        if object {
            self.work.frames.push(Frame {
                object,
                start: self.work.members.len(),
            });
            self.state = State::ObjectInit;
        } else {
            self.work.frames.push(Frame {
                object,
                start: self.work.values.len(),
            });
            self.state = State::ArrayInit;
        }
        Ok(())
    }

    fn close(&mut self, object: bool) -> Step {
        let ok = if object {
            matches!(self.state, State::ObjectInit | State::ObjectNext)
        } else {
            matches!(self.state, State::ArrayInit | State::ArrayNext)
        };
        if !ok {
            return Err(self.state.unexpected());
        }
        let Some(frame) = self.work.frames.pop() else {
            return Err(self.state.unexpected());
        };
        let work = &mut self.work;
        let value = if frame.object {
            if work.frames.is_empty() {
                work.builder.root_object(&mut work.members, frame.start)
            } else {
                work.builder.object(&mut work.members, frame.start)
            }
        } else {
            work.builder.array(&mut work.values, frame.start)
        };
        match self.work.frames.last() {
            None => {
                self.result = Some(value);
                self.state = State::End;
                if !self.check_trailer {
                    self.done = true;
                }
            }
            Some(parent) if parent.object => {
                let Some(name) = self.work.names.pop() else {
                    return Err(self.state.unexpected());
                };
                self.work.members.push((name, value));
                self.state = State::ObjectNext;
            }
            Some(_) => {
                self.work.values.push(value);
                self.state = State::ArrayNext;
            }
        }
        Ok(())
    }

    fn colon(&mut self) -> Step {
        if self.state != State::ObjectColon {
            return Err(self.state.unexpected());
        }
        self.state = State::ObjectValue;
        Ok(())
    }

    fn comma(&mut self) -> Step {
        self.state = match self.state {
            State::ObjectNext => State::ObjectName,
            State::ArrayNext => State::ArrayValue,
            s => return Err(s.unexpected()),
        };
        Ok(())
    }

    fn string(&mut self, text: &str) -> Step {
        match self.state {
            State::ObjectInit | State::ObjectName => {
                let name = if self.work.frames.len() == 1 {
                    self.work.builder.root_name(text)
                } else {
                    self.work.builder.name(text)
                };
                self.member_name(name);
                Ok(())
            }
            _ => {
                let value = self.work.builder.string(text);
                self.value(value)
            }
        }
    }

    /// A member name read: its value comes after a colon.
    #[inline]
    fn member_name(&mut self, name: B::Name) {
        self.work.names.push(name);
        self.state = State::ObjectColon;
    }

    #[inline]
    fn value(&mut self, value: B::Value) -> Step {
        match self.state {
            State::ObjectValue => {
                let Some(name) = self.work.names.pop() else {
                    return Err(self.state.unexpected());
                };
                self.work.members.push((name, value));
                self.state = State::ObjectNext;
            }
            State::ArrayInit | State::ArrayValue => {
                self.work.values.push(value);
                self.state = State::ArrayNext;
            }
            s => return Err(s.unexpected()),
        }
        Ok(())
    }
}
