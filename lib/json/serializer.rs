//! The serializer: compact or pretty, members in insertion order or sorted.
//!
//! The serializer core reads the tree through [`Node`], so that any tree
//! whose nodes can be viewed as JSON values (a [`Json`], or nodes in
//! foreign memory) is written by the same code to the same bytes.

use std::fmt;
use std::io;
use std::sync::Arc;

use super::number::{format_integer, format_real};
use super::object;
use super::string::find_special;
use super::value::Json;

/// How to serialize (OVS's `JSSF_PRETTY` and `JSSF_SORT` flags).
///
/// Compact output has no white space at all: `{"a":1,"b":[1,2]}`. Pretty
/// output is OVS's: a new line and two more spaces of indentation before
/// each member or element, `"name": value`, and the closing bracket right
/// after the last one:
///
/// ```
/// use ovsrpc::json::{self, SerializeOptions};
///
/// let v = json::from_str(r#"{"b":[1,2],"a":{}}"#).unwrap();
/// assert_eq!(
///     v.to_string_with(SerializeOptions::PRETTY_SORTED),
///     "{\n  \"a\": {\n    },\n  \"b\": [\n    1,\n    2]}"
/// );
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SerializeOptions {
    /// Indent, one member or element per line.
    pub pretty: bool,
    /// Members sorted by name in byte order, instead of insertion order.
    pub sort: bool,
}

impl SerializeOptions {
    /// Compact, insertion order (the default).
    pub const COMPACT: SerializeOptions = SerializeOptions {
        pretty: false,
        sort: false,
    };
    /// Compact, members sorted (what logs and `ovstest test-json` print).
    pub const SORTED: SerializeOptions = SerializeOptions {
        pretty: false,
        sort: true,
    };
    /// Pretty, insertion order.
    pub const PRETTY: SerializeOptions = SerializeOptions {
        pretty: true,
        sort: false,
    };
    /// Pretty, members sorted.
    pub const PRETTY_SORTED: SerializeOptions = SerializeOptions {
        pretty: true,
        sort: true,
    };
}

/// Where serialized text goes. Every piece handed over is valid UTF-8.
pub(crate) trait Sink {
    fn put(&mut self, s: &str);

    /// Writes `s` as a quoted JSON string.
    #[inline]
    fn put_string(&mut self, s: &str) {
        write_string(s, self);
    }

    /// Writes a string value as a quoted JSON string. A sink that can
    /// keep a reference instead of copying (a connection's output queue)
    /// overrides this.
    #[inline]
    fn put_shared_string(&mut self, s: &Arc<str>) {
        self.put_string(s);
    }
}

impl Sink for String {
    #[inline]
    fn put(&mut self, s: &str) {
        self.push_str(s);
    }
}

impl Sink for Vec<u8> {
    #[inline]
    fn put(&mut self, s: &str) {
        self.extend_from_slice(s.as_bytes());
    }

    /// The same as `write_string`, on bytes: no char-boundary checks.
    #[inline]
    fn put_string(&mut self, s: &str) {
        let bytes = s.as_bytes();
        self.reserve(bytes.len() + 2);
        self.push(b'"');
        let mut start = 0;
        loop {
            let j = find_special(bytes, start);
            if j >= bytes.len() {
                self.extend_from_slice(&bytes[start..]);
                break;
            }
            copy_run(self, bytes, start, j);
            // Every escape as 6 bytes, cut to its length: no branch on
            // which kind of escape it is.
            let (text, len) = &ESCAPES[usize::from(bytes[j])];
            let at = self.len();
            self.extend_from_slice(text);
            self.truncate(at + usize::from(*len));
            start = j + 1;
        }
        self.push(b'"');
    }
}

/// Appends `bytes[start..end]`. A short run between two escapes is copied
/// as a fixed 16-byte block and the excess cut off again, which the
/// compiler turns into one vector move instead of a `memcpy` call.
#[inline(always)]
fn copy_run(out: &mut Vec<u8>, bytes: &[u8], start: usize, end: usize) {
    if let Some(block) = bytes.get(start..start + 16) {
        if end - start <= 16 {
            let at = out.len();
            let block: &[u8; 16] = block.try_into().unwrap_or(&[0; 16]);
            out.extend_from_slice(block);
            out.truncate(at + (end - start));
            return;
        }
    }
    out.extend_from_slice(&bytes[start..end]);
}

/// Writes straight to an `io::Write`, keeping the first error.
struct IoSink<W: io::Write> {
    w: W,
    error: Option<io::Error>,
}

impl<W: io::Write> Sink for IoSink<W> {
    fn put(&mut self, s: &str) {
        if self.error.is_none() {
            if let Err(e) = self.w.write_all(s.as_bytes()) {
                self.error = Some(e);
            }
        }
    }
}

/// Writes to a formatter, keeping the first error.
struct FmtSink<'a, 'b> {
    f: &'a mut fmt::Formatter<'b>,
    error: bool,
}

impl Sink for FmtSink<'_, '_> {
    fn put(&mut self, s: &str) {
        if !self.error && self.f.write_str(s).is_err() {
            self.error = true;
        }
    }
}

/// A tree the serializer can read: each node shows itself as a [`View`].
pub(crate) trait Node: Sized {
    /// The elements of an array, in order.
    type Elements<'a>: Iterator<Item = &'a Self>
    where
        Self: 'a;
    /// The members of an object, in the order they are to be written when
    /// not sorted.
    type Members<'a>: Iterator<Item = (&'a str, &'a Self)>
    where
        Self: 'a;

    /// What this node is.
    fn view(&self) -> View<'_, Self>;
}

/// One node as the serializer sees it.
pub(crate) enum View<'a, N: Node + 'a> {
    Null,
    Boolean(bool),
    Integer(i64),
    Real(f64),
    /// A string.
    #[cfg_attr(not(test), allow(dead_code))]
    String(&'a str),
    /// A string the sink may keep a reference to instead of copying it.
    Shared(&'a Arc<str>),
    Array(N::Elements<'a>),
    Object(N::Members<'a>),
    /// Text that is already JSON, written as is (OVS's serialized
    /// objects).
    #[allow(dead_code)]
    Raw(&'a str),
}

impl Node for Json {
    type Elements<'a> = std::slice::Iter<'a, Json>;
    type Members<'a> = object::Iter<'a>;

    #[inline]
    fn view(&self) -> View<'_, Json> {
        match self {
            Json::Null => View::Null,
            Json::Boolean(b) => View::Boolean(*b),
            Json::Integer(i) => View::Integer(*i),
            Json::Real(r) => View::Real(*r),
            Json::String(s) => View::Shared(s),
            Json::Array(a) => View::Array(a.iter()),
            Json::Object(o) => View::Object(o.iter()),
        }
    }
}

const SPACES: &str = "                                                                ";

struct Serializer<'s, S: Sink> {
    out: &'s mut S,
    options: SerializeOptions,
    depth: usize,
}

impl<S: Sink> Serializer<'_, S> {
    #[inline]
    fn indent_line(&mut self) {
        if self.options.pretty {
            self.out.put("\n");
            let mut n = self.depth * 2;
            while n > 0 {
                let k = n.min(SPACES.len());
                self.out.put(&SPACES[..k]);
                n -= k;
            }
        }
    }

    fn value<N: Node>(&mut self, v: &N) {
        match v.view() {
            View::Null => self.out.put("null"),
            View::Boolean(false) => self.out.put("false"),
            View::Boolean(true) => self.out.put("true"),
            View::Integer(i) => {
                let mut buf = [0u8; 20];
                self.out.put(format_integer(i, &mut buf));
            }
            View::Real(r) => self.out.put(format_real(r).as_str()),
            View::String(s) => self.out.put_string(s),
            View::Shared(s) => self.out.put_shared_string(s),
            View::Raw(s) => self.out.put(s),
            View::Array(a) => self.array(a),
            View::Object(o) => self.object(o),
        }
    }

    fn array<'a, N: Node + 'a>(&mut self, elements: impl Iterator<Item = &'a N>) {
        self.out.put("[");
        self.depth += 1;
        for (i, e) in elements.enumerate() {
            if i > 0 {
                self.out.put(",");
            }
            self.indent_line();
            self.value(e);
        }
        self.depth -= 1;
        self.out.put("]");
    }

    fn member<N: Node>(&mut self, i: usize, name: &str, value: &N) {
        if i > 0 {
            self.out.put(",");
            self.indent_line();
        }
        self.out.put_string(name);
        self.out.put(if self.options.pretty { ": " } else { ":" });
        self.value(value);
    }

    fn object<'a, N: Node + 'a>(&mut self, members: impl Iterator<Item = (&'a str, &'a N)>) {
        self.out.put("{");
        self.depth += 1;
        self.indent_line();
        if self.options.sort {
            let mut sorted: Vec<(&str, &N)> = members.collect();
            sorted.sort_unstable_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
            for (i, (name, value)) in sorted.into_iter().enumerate() {
                self.member(i, name, value);
            }
        } else {
            for (i, (name, value)) in members.enumerate() {
                self.member(i, name, value);
            }
        }
        self.out.put("}");
        self.depth -= 1;
    }
}

/// The letter of a two-byte escape (`\n` is `n`), 0 for none.
static SHORT_ESCAPE: [u8; 256] = {
    let mut t = [0u8; 256];
    t[b'"' as usize] = b'"';
    t[b'\\' as usize] = b'\\';
    t[8] = b'b';
    t[0x0c] = b'f';
    t[b'\n' as usize] = b'n';
    t[b'\r' as usize] = b'r';
    t[b'\t' as usize] = b't';
    t
};

/// Each special byte's escape, padded to 6 bytes, and its length.
static ESCAPES: [([u8; 6], u8); 256] = {
    let mut t = [([0u8; 6], 0u8); 256];
    let mut c = 0;
    while c < 256 {
        let e = SHORT_ESCAPE[c];
        if e != 0 {
            t[c] = ([b'\\', e, 0, 0, 0, 0], 2);
        } else if c < 0x20 {
            let text = CONTROL[c].as_bytes();
            let mut k = 0;
            while k < 6 {
                t[c].0[k] = text[k];
                k += 1;
            }
            t[c].1 = 6;
        }
        c += 1;
    }
    t
};

/// How each byte below 0x20 is written.
static CONTROL: [&str; 32] = [
    "\\u0000", "\\u0001", "\\u0002", "\\u0003", "\\u0004", "\\u0005", "\\u0006", "\\u0007", "\\b",
    "\\t", "\\n", "\\u000b", "\\f", "\\r", "\\u000e", "\\u000f", "\\u0010", "\\u0011", "\\u0012",
    "\\u0013", "\\u0014", "\\u0015", "\\u0016", "\\u0017", "\\u0018", "\\u0019", "\\u001a",
    "\\u001b", "\\u001c", "\\u001d", "\\u001e", "\\u001f",
];

/// Writes `s` quoted: `"` and `\` escaped, `\b \f \n \r \t` for those
/// controls, `\u00xx` for the other bytes below 0x20, the rest as is.
#[inline]
fn write_string<S: Sink + ?Sized>(s: &str, out: &mut S) {
    out.put("\"");
    let bytes = s.as_bytes();
    let mut start = 0;
    loop {
        let j = find_special(bytes, start);
        if j >= bytes.len() {
            out.put(&s[start..]);
            break;
        }
        out.put(&s[start..j]);
        // Constant pieces, so that each write is a fixed-size store.
        match bytes[j] {
            b'"' => out.put("\\\""),
            b'\\' => out.put("\\\\"),
            b'\n' => out.put("\\n"),
            b'\t' => out.put("\\t"),
            b'\r' => out.put("\\r"),
            c => out.put(CONTROL[usize::from(c & 31)]),
        }
        start = j + 1;
    }
    out.put("\"");
}

/// Writes the tree `v` (a [`Json`] or any other [`Node`]) to `out`.
pub(crate) fn serialize<N: Node, S: Sink>(v: &N, out: &mut S, options: SerializeOptions) {
    Serializer {
        out,
        options,
        depth: 0,
    }
    .value(v);
}

impl Json {
    /// Serializes to a new string (OVS's `json_to_string()`).
    pub fn to_string_with(&self, options: SerializeOptions) -> String {
        let mut s = String::with_capacity(128);
        serialize(self, &mut s, options);
        s
    }

    /// Appends the serialization to `out` (OVS's `json_to_ds()`).
    pub fn write_to_string(&self, out: &mut String, options: SerializeOptions) {
        serialize(self, out, options);
    }

    /// Serializes to a new byte vector.
    pub fn to_vec(&self, options: SerializeOptions) -> Vec<u8> {
        let mut v = Vec::with_capacity(128);
        serialize(self, &mut v, options);
        v
    }

    /// Appends the serialization to `out`.
    pub fn write_to_vec(&self, out: &mut Vec<u8>, options: SerializeOptions) {
        serialize(self, out, options);
    }

    /// Writes the serialization to `w`, piece by piece with no intermediate
    /// buffer: wrap an unbuffered writer (a file, a socket) in an
    /// [`io::BufWriter`]. Returns the writer's first error.
    pub fn write_to<W: io::Write>(&self, w: W, options: SerializeOptions) -> io::Result<()> {
        let mut sink = IoSink { w, error: None };
        serialize(self, &mut sink, options);
        match sink.error {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    pub(crate) fn fmt_with(
        &self,
        f: &mut fmt::Formatter<'_>,
        options: SerializeOptions,
    ) -> fmt::Result {
        let mut sink = FmtSink { f, error: false };
        serialize(self, &mut sink, options);
        if sink.error {
            Err(fmt::Error)
        } else {
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The escaping rule, one character at a time.
    fn naive(s: &str) -> String {
        let mut out = String::from("\"");
        for c in s.chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '\n' => out.push_str("\\n"),
                '\t' => out.push_str("\\t"),
                '\r' => out.push_str("\\r"),
                '\u{8}' => out.push_str("\\b"),
                '\u{c}' => out.push_str("\\f"),
                c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
                c => out.push(c),
            }
        }
        out.push('"');
        out
    }

    /// Specials at every position of strings around the 16- and 64-byte
    /// boundaries the fast paths work in, in both sinks (bytes and text).
    #[test]
    fn escapes_at_every_position() {
        let specials = ['"', '\\', '\n', '\u{1}', '\u{1f}', 'é', '𝄞'];
        for len in [0usize, 1, 15, 16, 17, 31, 33, 63, 64, 65, 200, 400] {
            for at in 0..len {
                for (k, &sp) in specials.iter().enumerate() {
                    let mut s: String = (0..len)
                        .map(|i| char::from(b'a' + (i % 26) as u8))
                        .collect();
                    s.replace_range(at..at + 1, &sp.to_string());
                    // A second special a little later.
                    if at + 3 < s.len() && s.is_char_boundary(at + 3) && s.is_char_boundary(at + 4)
                    {
                        s.replace_range(
                            at + 3..at + 4,
                            &specials[(k + 1) % specials.len()].to_string(),
                        );
                    }
                    let v = Json::string(s.as_str());
                    let want = naive(&s);
                    let bytes = v.to_vec(SerializeOptions::COMPACT);
                    assert_eq!(String::from_utf8(bytes).unwrap(), want, "len {len} at {at}");
                    assert_eq!(v.to_string_with(SerializeOptions::COMPACT), want);
                }
            }
        }
    }
}
