//! Quoted strings: fast scanning, OVS's unescaping rules, UTF-8 checks.
//!
//! OVS's lexer finds the end of a string by pairing each backslash with the
//! byte after it, refuses raw control bytes at once, and only unescapes the
//! whole string when its closing quote arrives, so escape errors are reported
//! at the closing quote. [`fast_string`] handles the common case in one pass
//! over the input; anything unusual (the input ends inside the string, a bad
//! escape, invalid UTF-8) falls back to [`scan_raw`] to find the end and
//! [`decode_raw`] to report exactly what OVS would.

#[inline(always)]
fn is_special(c: u8) -> bool {
    // Non-short-circuit `|`, so that the block tests vectorize.
    (c == b'"') | (c == b'\\') | (c < 0x20)
}

/// True if `block` holds a special byte. Written lane by lane, then
/// reduced, so that the compiler turns it into a few vector compares.
#[inline(always)]
fn block_has_special<const N: usize>(block: &[u8; N]) -> bool {
    let mut lanes = [0u8; N];
    for (lane, &c) in lanes.iter_mut().zip(block) {
        *lane = u8::from(is_special(c));
    }
    lanes.iter().fold(0, |acc, &lane| acc | lane) != 0
}

/// Index of the first byte at or after `i` that is `"`, `\` or below 0x20,
/// or `s.len()` if there is none. Blocks of 64, then 16 bytes are tested
/// with vector compares; the block that holds a special byte, and the
/// tail, are searched bytewise.
#[inline]
pub(crate) fn find_special(s: &[u8], mut i: usize) -> usize {
    if i < s.len() {
        for block in s[i..].chunks_exact(64) {
            if block.try_into().map_or(true, block_has_special::<64>) {
                break;
            }
            i += 64;
        }
    }
    if i < s.len() {
        for block in s[i..].chunks_exact(16) {
            if block.try_into().map_or(true, block_has_special::<16>) {
                break;
            }
            i += 16;
        }
    }
    while i < s.len() {
        if is_special(s[i]) {
            return i;
        }
        i += 1;
    }
    i
}

/// What the fast path made of a string.
pub(crate) enum Fast<'a> {
    /// The string (in the input or in the scratch buffer), and the index of
    /// its closing quote.
    Done(&'a str, usize),
    /// An unescaped control byte at this index (an immediate error).
    Control(usize),
    /// Something unusual: redo it with `scan_raw` and `decode_raw`.
    Slow,
}

#[inline]
fn hex4(s: &[u8]) -> Option<u32> {
    let mut v = 0u32;
    for &c in s {
        let d = match c {
            b'0'..=b'9' => c - b'0',
            b'a'..=b'f' => c - b'a' + 10,
            b'A'..=b'F' => c - b'A' + 10,
            _ => return None,
        };
        v = v << 4 | u32::from(d);
    }
    Some(v)
}

fn is_leading_surrogate(c: u32) -> bool {
    (0xd800..=0xdbff).contains(&c)
}

fn is_trailing_surrogate(c: u32) -> bool {
    (0xdc00..=0xdfff).contains(&c)
}

fn decode_surrogate_pair(leading: u32, trailing: u32) -> u32 {
    0x10000 + ((leading - 0xd800) << 10) + (trailing - 0xdc00)
}

/// Decodes the string whose contents start at `s[start]` (just after the
/// opening quote) when everything about it is ordinary.
#[inline]
pub(crate) fn fast_string<'a>(s: &'a [u8], start: usize, scratch: &'a mut String) -> Fast<'a> {
    let j = find_special(s, start);
    if j >= s.len() {
        return Fast::Slow;
    }
    match s[j] {
        b'"' => match std::str::from_utf8(&s[start..j]) {
            Ok(text) => Fast::Done(text, j),
            Err(_) => Fast::Slow,
        },
        b'\\' => fast_escaped(s, start, j, scratch),
        _ => Fast::Control(j),
    }
}

fn fast_escaped<'a>(s: &[u8], start: usize, mut j: usize, out: &'a mut String) -> Fast<'a> {
    out.clear();
    let mut i = start;
    loop {
        // s[i..j] is a plain run, s[j] the byte that ended it.
        match std::str::from_utf8(&s[i..j]) {
            Ok(run) => out.push_str(run),
            Err(_) => return Fast::Slow,
        }
        match s[j] {
            b'"' => return Fast::Done(out.as_str(), j),
            b'\\' => {}
            _ => return Fast::Control(j),
        }
        let Some(&c) = s.get(j + 1) else {
            return Fast::Slow;
        };
        i = j + 2;
        let ch = match c {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
                let Some(c0) = s.get(i..i + 4).and_then(hex4) else {
                    return Fast::Slow;
                };
                i += 4;
                let code = if is_leading_surrogate(c0) {
                    if s.get(i..i + 2) != Some(b"\\u") {
                        return Fast::Slow;
                    }
                    match s.get(i + 2..i + 6).and_then(hex4) {
                        Some(c1) if is_trailing_surrogate(c1) => {
                            i += 6;
                            decode_surrogate_pair(c0, c1)
                        }
                        _ => return Fast::Slow,
                    }
                } else {
                    c0
                };
                match char::from_u32(code) {
                    Some(ch) if code != 0 => ch,
                    _ => return Fast::Slow,
                }
            }
            _ => return Fast::Slow,
        };
        out.push(ch);
        j = find_special(s, i);
        if j >= s.len() {
            return Fast::Slow;
        }
    }
}

/// Where the escape-aware scan stopped.
pub(crate) enum Scan {
    /// The closing quote is at this index.
    Quote(usize),
    /// An unescaped control byte is at this index.
    Control(usize),
    /// The input ended inside the string.
    End,
}

/// Finds the end of a string from `s[i]`, pairing each backslash with the
/// byte after it as OVS's lexer does. `escaped` says whether `s[i]` follows
/// an unpaired backslash, and is updated when the input runs out. An escaped
/// newline (always a bad escape later, but counted as a line by OVS) is
/// reported to `newline` with its index.
pub(crate) fn scan_raw(
    s: &[u8],
    mut i: usize,
    escaped: &mut bool,
    mut newline: impl FnMut(usize),
) -> Scan {
    if *escaped {
        if i >= s.len() {
            return Scan::End;
        }
        if s[i] == b'\n' {
            newline(i);
        }
        i += 1;
        *escaped = false;
    }
    loop {
        let j = find_special(s, i);
        if j >= s.len() {
            return Scan::End;
        }
        match s[j] {
            b'"' => return Scan::Quote(j),
            b'\\' => {
                if j + 1 >= s.len() {
                    *escaped = true;
                    return Scan::End;
                }
                if s[j + 1] == b'\n' {
                    newline(j + 1);
                }
                i = j + 2;
            }
            _ => return Scan::Control(j),
        }
    }
}

/// The character after a backslash, for `bad escape \C`: the whole UTF-8
/// character if it starts one, else U+FFFD.
fn escaped_char(s: &[u8]) -> char {
    let end = s.len().min(4);
    match std::str::from_utf8(&s[..end]) {
        Ok(t) => t.chars().next(),
        Err(e) if e.valid_up_to() > 0 => std::str::from_utf8(&s[..e.valid_up_to()])
            .ok()
            .and_then(|t| t.chars().next()),
        Err(_) => None,
    }
    .unwrap_or(char::REPLACEMENT_CHARACTER)
}

/// OVS's `utf8_validate()` message for the invalid sequence at the start of
/// `s`: the bytes from the sequence's first through the first one that does
/// not fit, e.g. `invalid UTF-8 sequence 0xc3 0x28`.
fn invalid_utf8(s: &[u8]) -> String {
    // (first-byte range, ranges of the following bytes), per RFC 3629.
    /// An inclusive byte range.
    type Range = (u8, u8);
    const SEQS: &[(u8, u8, &[Range])] = &[
        (0xc2, 0xdf, &[(0x80, 0xbf)]),
        (0xe0, 0xe0, &[(0xa0, 0xbf), (0x80, 0xbf)]),
        (0xe1, 0xec, &[(0x80, 0xbf), (0x80, 0xbf)]),
        (0xed, 0xed, &[(0x80, 0x9f), (0x80, 0xbf)]),
        (0xee, 0xef, &[(0x80, 0xbf), (0x80, 0xbf)]),
        (0xf0, 0xf0, &[(0x90, 0xbf), (0x80, 0xbf), (0x80, 0xbf)]),
        (0xf1, 0xf3, &[(0x80, 0xbf), (0x80, 0xbf), (0x80, 0xbf)]),
        (0xf4, 0xf4, &[(0x80, 0x8f), (0x80, 0xbf), (0x80, 0xbf)]),
    ];
    let mut n = 1;
    if let Some(&(_, _, rest)) = SEQS.iter().find(|(lo, hi, _)| (*lo..=*hi).contains(&s[0])) {
        for (k, &(lo, hi)) in rest.iter().enumerate() {
            n = k + 2;
            match s.get(k + 1) {
                Some(&c) if (lo..=hi).contains(&c) => {}
                Some(_) => break,
                None => {
                    n = k + 1;
                    break;
                }
            }
        }
    }
    let mut msg = String::from("invalid UTF-8 sequence");
    for b in &s[..n.min(s.len())] {
        msg.push_str(&format!(" 0x{b:02x}"));
    }
    msg
}

fn push_run(out: &mut String, run: &[u8]) -> Result<(), String> {
    match std::str::from_utf8(run) {
        Ok(t) => {
            out.push_str(t);
            Ok(())
        }
        Err(e) => Err(invalid_utf8(&run[e.valid_up_to()..])),
    }
}

fn lex_4hex(raw: &[u8], p: usize) -> Result<u32, &'static str> {
    let Some(h) = raw.get(p..p + 4) else {
        return Err("quoted string ends within \\u escape");
    };
    match hex4(h) {
        None => Err("malformed \\u escape"),
        Some(0) => Err("null bytes not supported in quoted strings"),
        Some(v) => Ok(v),
    }
}

/// Decodes `\uXXXX` (and a following trailing surrogate) at `raw[p..]`,
/// just after the `u`; returns the character and the index after it.
fn lex_unicode(raw: &[u8], mut p: usize) -> Result<(char, usize), &'static str> {
    let c0 = lex_4hex(raw, p)?;
    p += 4;
    let code = if is_leading_surrogate(c0) {
        if raw.get(p..p + 2) != Some(b"\\u") {
            return Err("malformed escaped surrogate pair");
        }
        let c1 = lex_4hex(raw, p + 2)?;
        if !is_trailing_surrogate(c1) {
            return Err("second half of escaped surrogate pair is not trailing surrogate");
        }
        p += 6;
        decode_surrogate_pair(c0, c1)
    } else {
        c0
    };
    // A lone trailing surrogate has no UTF-8 form.
    char::from_u32(code)
        .map(|ch| (ch, p))
        .ok_or("malformed escaped surrogate pair")
}

/// Unescapes the raw contents of a complete string (between the quotes, as
/// OVS's lexer delimited it) and checks that it is UTF-8. The error is the
/// first problem in byte order, with OVS's wording.
pub(crate) fn decode_raw(raw: &[u8]) -> Result<String, String> {
    let mut out = String::with_capacity(raw.len());
    let mut i = 0;
    loop {
        // The scan that found the string's end let no quote or control
        // byte through unescaped, so the next special byte is normally the
        // next backslash.
        let mut j = find_special(raw, i);
        if j < raw.len() && raw[j] != b'\\' {
            j = raw[j..]
                .iter()
                .position(|&c| c == b'\\')
                .map_or(raw.len(), |k| j + k);
        }
        push_run(&mut out, &raw[i..j])?;
        if j >= raw.len() {
            return Ok(out);
        }
        let Some(&c) = raw.get(j + 1) else {
            return Err("quoted string may not end with backslash".into());
        };
        i = j + 2;
        let ch = match c {
            b'"' | b'\\' | b'/' => char::from(c),
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
                let (ch, next) = lex_unicode(raw, i)?;
                i = next;
                ch
            }
            _ => return Err(format!("bad escape \\{}", escaped_char(&raw[j + 1..]))),
        };
        out.push(ch);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn find_special_at_every_block_position() {
        for len in [0usize, 1, 15, 16, 17, 63, 64, 65, 100, 200] {
            let plain = vec![b'a'; len];
            for start in [0usize, 1, 7, 16, 64].into_iter().filter(|&s| s <= len) {
                assert_eq!(find_special(&plain, start), len);
            }
            for at in 0..len {
                for special in [b'"', b'\\', 0x00, 0x1f] {
                    let mut v = plain.clone();
                    v[at] = special;
                    assert_eq!(find_special(&v, 0), at, "len {len} at {at}");
                    assert_eq!(find_special(&v, at), at);
                    assert_eq!(find_special(&v, at + 1), len);
                }
            }
        }
    }

    #[test]
    fn find_special_finds_the_first() {
        let s = b"abcdefghij\"klmnop\\";
        assert_eq!(find_special(s, 0), 10);
        assert_eq!(find_special(s, 11), 17);
        assert_eq!(find_special(b"abcdefgh\x1fabc", 0), 8);
        assert_eq!(find_special("é€𝄞abcdefgh".as_bytes(), 0), 17);
        assert_eq!(find_special(b"\x7f\x80\xff ", 0), 4);
    }

    #[test]
    fn decode_raw_follows_ovs() {
        assert_eq!(
            decode_raw(br#"a\"b\\c\/\b\f\n\r\t"#).unwrap(),
            "a\"b\\c/\u{8}\u{c}\n\r\t"
        );
        assert_eq!(decode_raw(br"\ud834\udd1e").unwrap(), "𝄞");
        assert_eq!(decode_raw(br"\x12").unwrap_err(), "bad escape \\x");
        assert_eq!(
            decode_raw(br"\u1x").unwrap_err(),
            "quoted string ends within \\u escape"
        );
        assert_eq!(decode_raw(br"\u1xyz").unwrap_err(), "malformed \\u escape");
        assert_eq!(
            decode_raw(br"\ud834xxx").unwrap_err(),
            "malformed escaped surrogate pair"
        );
        assert_eq!(
            decode_raw(br"\ud834\u1234").unwrap_err(),
            "second half of escaped surrogate pair is not trailing surrogate"
        );
        assert_eq!(
            decode_raw(br"\u0000").unwrap_err(),
            "null bytes not supported in quoted strings"
        );
        assert_eq!(
            decode_raw(br"\udc00").unwrap_err(),
            "malformed escaped surrogate pair"
        );
        assert_eq!(
            decode_raw(b"a\xc3(").unwrap_err(),
            "invalid UTF-8 sequence 0xc3 0x28"
        );
        assert_eq!(
            decode_raw(b"\xff").unwrap_err(),
            "invalid UTF-8 sequence 0xff"
        );
        assert_eq!(
            decode_raw(b"\xe2\x82").unwrap_err(),
            "invalid UTF-8 sequence 0xe2 0x82"
        );
        assert_eq!(
            decode_raw(b"\xed\xa0\x80").unwrap_err(),
            "invalid UTF-8 sequence 0xed 0xa0"
        );
        assert_eq!(decode_raw("\\é".as_bytes()).unwrap_err(), "bad escape \\é");
    }
}
