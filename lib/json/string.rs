//! Quoted strings: fast scanning, OVS's unescaping rules, UTF-8 checks.
//!
//! OVS's lexer finds the end of a string by pairing each backslash with the
//! byte after it, refuses raw control bytes at once, and only unescapes the
//! whole string when its closing quote arrives, so escape errors are reported
//! at the closing quote. [`fast_string`] handles the common case with quick
//! vectorized passes ([`find_special`], then a UTF-8 check) and one copy; a
//! plain string that the input cuts short goes on from where it stopped
//! (`Fast::Cut`); anything unusual (a bad escape, invalid UTF-8, an escape
//! cut short) falls back to [`scan_raw`] to find the end and [`decode_raw`]
//! to report exactly what OVS would.

/// The bytes a JSON string cannot hold as they are: `"`, `\\` and the
/// controls below 0x20 (a table: one load per byte in the bytewise loops).
static SPECIAL: [bool; 256] = {
    let mut t = [false; 256];
    let mut c = 0;
    while c < 0x20 {
        t[c] = true;
        c += 1;
    }
    t[b'"' as usize] = true;
    t[b'\\' as usize] = true;
    t
};

#[inline(always)]
fn is_special(c: u8) -> bool {
    SPECIAL[usize::from(c)]
}

/// The first this many bytes are tested as one vector, inline: short
/// strings (member names, enum values) and the runs between escapes end
/// there, before an out-of-line search would pay off.
const SHORT: usize = 16;

/// Then this many 64-byte blocks are tested in registers before the
/// search switches to `memchr2`, whose call costs more than a few blocks.
const BLOCKS: usize = 4;

/// Zero exactly for the special bytes, in a form that vectorizes into a
/// few cheap operations per 16 bytes: `c ^ 2` maps `"` to 0x20 and the
/// control bytes onto 0x00..=0x1f, so a saturating subtraction of 0x20
/// leaves zero for those; `c ^ b'\\'` is zero for a backslash.
#[inline(always)]
fn special_lanes(block: &[u8; 16]) -> [u8; 16] {
    let mut lanes = [0u8; 16];
    for (lane, &c) in lanes.iter_mut().zip(block) {
        *lane = (c ^ 2).saturating_sub(0x20).min(c ^ b'\\');
    }
    lanes
}

#[inline(always)]
fn lanes_min(a: [u8; 16], b: [u8; 16]) -> [u8; 16] {
    let mut out = [0u8; 16];
    for ((o, &x), &y) in out.iter_mut().zip(&a).zip(&b) {
        *o = x.min(y);
    }
    out
}

/// True if the 64 bytes hold a special byte: the four 16-byte blocks are
/// folded together with `min` before one zero test.
#[inline(always)]
fn block64_has_special(block: &[u8; 64]) -> bool {
    let lanes = |k: usize| {
        let mut b = [0u8; 16];
        b.copy_from_slice(&block[16 * k..16 * k + 16]);
        special_lanes(&b)
    };
    let m = lanes_min(lanes_min(lanes(0), lanes(1)), lanes_min(lanes(2), lanes(3)));
    m.iter().fold(0u8, |acc, &v| acc | u8::from(v == 0)) != 0
}

/// The index in `block` (16 bytes or more) of its first special byte among
/// the first 16, if any. The lane test gives 0xff for a special byte and 0
/// otherwise; read as one little-endian 128-bit number, its trailing zero
/// bits say where the first one is, with no loop and no branch per byte.
#[inline(always)]
fn first_special_16(block: &[u8]) -> Option<usize> {
    let block: &[u8; 16] = block.get(..16)?.try_into().ok()?;
    let mut hits = [0u8; 16];
    for (hit, &lane) in hits.iter_mut().zip(&special_lanes(block)) {
        *hit = 0u8.wrapping_sub(u8::from(lane == 0));
    }
    match u128::from_le_bytes(hits) {
        0 => None,
        x => Some(x.trailing_zeros() as usize / 8),
    }
}

/// The smallest byte of `s` (0xff if empty). Sixty-four running minimums,
/// one per byte position in a 64-byte block, so that the loop vectorizes
/// with independent accumulators and no branch per block.
#[inline]
fn min_byte(s: &[u8]) -> u8 {
    let mut lanes = [0xffu8; 64];
    let mut blocks = s.chunks_exact(64);
    for block in &mut blocks {
        for (lane, &c) in lanes.iter_mut().zip(block) {
            *lane = (*lane).min(c);
        }
    }
    let tail = blocks.remainder().iter().fold(0xff, |m: u8, &c| m.min(c));
    lanes.iter().fold(tail, |m, &c| m.min(c))
}

/// Index of the first byte at or after `i` that is `"`, `\\` or below 0x20,
/// or `s.len()` if there is none.
///
/// Three stages, each for longer runs than the one before: the next 16
/// bytes as one vector mask (bytes one by one near the end of `s`); a few
/// 64-byte blocks tested in vector registers; then two quick
/// passes, `memchr2` (vectorized with the widest instructions the CPU has,
/// chosen at run time) to find the first `"` or `\\`, and a running minimum
/// over the bytes before it to tell whether a control byte comes first.
#[inline(always)]
pub(crate) fn find_special(s: &[u8], i: usize) -> usize {
    if let Some(block) = s.get(i..i + SHORT) {
        return match first_special_16(block) {
            Some(k) => i + k,
            None => find_special_long(s, i + SHORT),
        };
    }
    let Some(tail) = s.get(i..) else {
        return s.len();
    };
    tail.iter()
        .position(|&c| is_special(c))
        .map_or(s.len(), |k| i + k)
}

/// [`find_special`] past its first bytes.
#[inline(never)]
fn find_special_long(s: &[u8], mut i: usize) -> usize {
    for block in s[i..].chunks_exact(64).take(BLOCKS) {
        if block.try_into().is_ok_and(block64_has_special) {
            let k = (0..64)
                .step_by(16)
                .find_map(|at| first_special_16(&block[at..]).map(|k| at + k))
                .unwrap_or(64);
            return i + k;
        }
        i += 64;
    }
    let rest = &s[i..];
    let end = memchr::memchr2(b'"', b'\\', rest).unwrap_or(rest.len());
    let run = &rest[..end];
    if min_byte(run) >= 0x20 {
        return i + end;
    }
    i + run.iter().position(|&c| c < 0x20).unwrap_or(end)
}

/// `bytes` as text if it is UTF-8. The fast check of `simdutf8` (several
/// times quicker than the standard library's on long strings); on failure
/// the callers redo the work on the slow path, whose messages say where
/// and what the bad sequence is.
#[inline]
pub(crate) fn utf8(bytes: &[u8]) -> Result<&str, simdutf8::basic::Utf8Error> {
    simdutf8::basic::from_utf8(bytes)
}

/// What the fast path made of a string.
pub(crate) enum Fast<'a> {
    /// A string with no escape and no control byte, its UTF-8 not checked
    /// yet (its bytes in the input), and the index of its closing quote.
    Plain(&'a [u8], usize),
    /// The decoded string (in the scratch buffer), and the index of its
    /// closing quote.
    Done(&'a str, usize),
    /// An unescaped control byte at this index (an immediate error).
    Control(usize),
    /// The input ended inside the string, and everything up to there is
    /// plain (no escape, no control byte; UTF-8 not checked yet).
    Cut,
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
        return Fast::Cut;
    }
    match s[j] {
        b'"' => Fast::Plain(&s[start..j], j),
        b'\\' => fast_escaped(s, start, j, scratch),
        _ => Fast::Control(j),
    }
}

fn fast_escaped<'a>(s: &[u8], start: usize, mut j: usize, out: &'a mut String) -> Fast<'a> {
    out.clear();
    let mut i = start;
    loop {
        // s[i..j] is a plain run, s[j] the byte that ended it.
        match utf8(&s[i..j]) {
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
    // simdutf8's `compat` check also says where the bad sequence starts.
    match simdutf8::compat::from_utf8(run) {
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
    fn find_special_agrees_with_a_bytewise_search() {
        let naive = |s: &[u8], i: usize| {
            s[i..]
                .iter()
                .position(|&c| is_special(c))
                .map_or(s.len(), |k| i + k)
        };
        let mut rng = fastrand::Rng::with_seed(7);
        for len in [20usize, 63, 64, 65, 130, 300] {
            for byte in 0..=255u8 {
                for at in [0, 15, 16, 17, len / 2, len - 1] {
                    let mut v: Vec<u8> = (0..len).map(|_| rng.u8(0x20..=0xff)).collect();
                    v.iter_mut()
                        .filter(|c| **c == b'"' || **c == b'\\')
                        .for_each(|c| *c = b'x');
                    v[at] = byte;
                    // A second special later, of another kind.
                    if at + 5 < len {
                        v[at + 5] = [b'"', b'\\', 0x01][usize::from(byte) % 3];
                    }
                    for start in [0, 1, 16, at] {
                        assert_eq!(
                            find_special(&v, start),
                            naive(&v, start),
                            "len {len} byte {byte:#x} at {at} from {start}"
                        );
                    }
                }
            }
        }
        assert_eq!(find_special(b"abc", 3), 3);
        assert_eq!(find_special(b"abc", 7), 3);
    }

    #[test]
    fn min_byte_sees_every_position() {
        for len in [0usize, 1, 63, 64, 65, 200] {
            assert_eq!(
                min_byte(&vec![0x80; len]),
                if len == 0 { 0xff } else { 0x80 }
            );
            for at in 0..len {
                let mut v = vec![0x80; len];
                v[at] = 0x1f;
                assert_eq!(min_byte(&v), 0x1f, "len {len} at {at}");
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

    /// A lone trailing surrogate is refused (see the module docs of
    /// `json`), alone, between characters, and after a valid pair.
    #[test]
    fn lone_trailing_surrogate_is_refused() {
        for raw in [
            &br"\udc00"[..],
            br"\udfff",
            br"a\udc00b",
            br"\ud834\udd1e\udfff",
        ] {
            assert_eq!(
                decode_raw(raw).unwrap_err(),
                "malformed escaped surrogate pair",
                "{}",
                String::from_utf8_lossy(raw)
            );
        }
        assert_eq!(decode_raw(br"\ud834\udd1e").unwrap(), "\u{1d11e}");
        let err = crate::json::from_str(r#"["x\udc00"]"#).unwrap_err();
        assert_eq!(
            err.to_string(),
            "line 0, column 9, byte 9: malformed escaped surrogate pair"
        );
    }
}
