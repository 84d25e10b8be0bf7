//! Numbers: reading a number token exactly, writing integers and reals.

use super::value::Json;

/// True for the bytes OVS's lexer keeps in a number token.
#[inline]
pub(crate) fn is_number_byte(c: u8) -> bool {
    matches!(c, b'0'..=b'9' | b'.' | b'e' | b'E' | b'-' | b'+')
}

/// Reads a complete number token (the bytes `is_number_byte` accepted,
/// starting with `-` or a digit) as OVS's dialect wants: an integer whenever
/// the exact decimal value is an integer within `i64`, else the nearest
/// double; zero of any sign or size is the integer 0.
#[inline]
pub(crate) fn parse_number(tok: &[u8]) -> Result<Json, &'static str> {
    // Fast path: a short run of digits, no leading zero.
    let (neg, digits) = match tok.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, tok),
    };
    if !digits.is_empty()
        && digits.len() <= 18
        && (digits[0] != b'0' || digits.len() == 1)
        && digits.iter().all(u8::is_ascii_digit)
    {
        let mut v: i64 = 0;
        for &d in digits {
            v = v * 10 + i64::from(d - b'0');
        }
        return Ok(Json::Integer(if neg { -v } else { v }));
    }
    parse_number_slow(tok)
}

fn parse_number_slow(tok: &[u8]) -> Result<Json, &'static str> {
    let n = tok.len();
    let mut p = 0;
    let neg = tok.first() == Some(&b'-');
    if neg {
        p = 1;
    }
    let digit = |p: usize| p < n && tok[p].is_ascii_digit();

    // Integer part: at least one digit, no leading zero.
    let int_start = p;
    if p < n && tok[p] == b'0' {
        p += 1;
        if digit(p) {
            return Err("leading zeros not allowed");
        }
    } else if digit(p) {
        while digit(p) {
            p += 1;
        }
    } else {
        return Err("'-' must be followed by digit");
    }
    let int_end = p;

    // Optional fraction.
    let (mut frac_start, mut frac_end) = (p, p);
    if p < n && tok[p] == b'.' {
        p += 1;
        if !digit(p) {
            return Err("decimal point must be followed by digit");
        }
        frac_start = p;
        while digit(p) {
            p += 1;
        }
        frac_end = p;
    }

    // Optional exponent, which must fit in a 32-bit int.
    let mut exponent: i64 = 0;
    if p < n && (tok[p] == b'e' || tok[p] == b'E') {
        p += 1;
        let mut negative_exponent = false;
        if p < n && tok[p] == b'+' {
            p += 1;
        } else if p < n && tok[p] == b'-' {
            negative_exponent = true;
            p += 1;
        }
        if !digit(p) {
            return Err("exponent must contain at least one digit");
        }
        // OVS refuses another digit once the exponent reaches INT_MAX / 10,
        // so the largest exponent it reads is 2147483639.
        while digit(p) {
            if exponent >= i64::from(i32::MAX / 10) {
                return Err("exponent outside valid range");
            }
            exponent = exponent * 10 + i64::from(tok[p] - b'0');
            p += 1;
        }
        if negative_exponent {
            exponent = -exponent;
        }
    }
    if p != n {
        return Err("syntax error in number");
    }

    // The value is DIGITS x 10^pow10, DIGITS being the integer and fraction
    // digits run together. The accumulated exponent must fit in an int too.
    let frac_len = (frac_end - frac_start) as i64;
    if exponent != 0
        && !ovs_exponent_in_range(tok, (int_start, int_end), (frac_start, frac_end), exponent)
    {
        return Err("exponent outside valid range");
    }
    let mut pow10 = exponent - frac_len;
    // Significant digits: those of the integer and fraction parts run
    // together, without leading zeros; trailing zeros move into pow10.
    let int_len = int_end - int_start;
    let total = int_len + (frac_end - frac_start);
    let digit_at = |k: usize| {
        if k < int_len {
            tok[int_start + k]
        } else {
            tok[frac_start + k - int_len]
        }
    };
    let Some(first) = (0..total).find(|&k| digit_at(k) != b'0') else {
        return Ok(Json::Integer(0));
    };
    let last = (0..total)
        .rev()
        .find(|&k| digit_at(k) != b'0')
        .unwrap_or(first);
    pow10 += (total - 1 - last) as i64;
    let sig_len = (last - first + 1) as i64;
    if pow10 >= 0 && sig_len + pow10 <= 19 {
        let mut v: u64 = 0;
        for k in first..=last {
            v = v * 10 + u64::from(digit_at(k) - b'0');
        }
        for _ in 0..pow10 {
            v *= 10;
        }
        if neg && v <= 1u64 << 63 {
            return Ok(Json::Integer((v as i64).wrapping_neg()));
        }
        if !neg && v <= i64::MAX as u64 {
            return Ok(Json::Integer(v as i64));
        }
    }

    // A real: the nearest double.
    let real = std::str::from_utf8(tok)
        .ok()
        .and_then(|s| s.parse::<f64>().ok())
        .ok_or("syntax error in number")?;
    if real.is_infinite() {
        return Err("number outside valid range");
    }
    if real == 0.0 {
        return Ok(Json::Integer(0));
    }
    Ok(Json::Real(real))
}

/// OVS's check that the accumulated exponent fits in an `int`: its lexer
/// keeps at most as many significant digits as fit in an unsigned 64-bit
/// integer, counting each integer digit beyond them as a power of ten and
/// each fraction digit within them as a negative one, then adds the
/// (signed) `exponent`.
fn ovs_exponent_in_range(
    tok: &[u8],
    (int_start, int_end): (usize, usize),
    (frac_start, frac_end): (usize, usize),
    exponent: i64,
) -> bool {
    let mut significand: u64 = 0;
    let mut pow10: i64 = 0;
    for &d in &tok[int_start..int_end] {
        if significand <= u64::MAX / 10 {
            significand = significand
                .wrapping_mul(10)
                .wrapping_add(u64::from(d - b'0'));
        } else {
            pow10 += 1;
        }
    }
    for &d in &tok[frac_start..frac_end] {
        if significand <= u64::MAX / 10 {
            significand = significand
                .wrapping_mul(10)
                .wrapping_add(u64::from(d - b'0'));
            pow10 -= 1;
        }
    }
    (i64::from(i32::MIN)..=i64::from(i32::MAX)).contains(&(pow10 + exponent))
}

/// The integers 0 to 99 as text (ids and small counts, most integers
/// written).
const SMALL: [&str; 100] = [
    "0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14", "15", "16",
    "17", "18", "19", "20", "21", "22", "23", "24", "25", "26", "27", "28", "29", "30", "31", "32",
    "33", "34", "35", "36", "37", "38", "39", "40", "41", "42", "43", "44", "45", "46", "47", "48",
    "49", "50", "51", "52", "53", "54", "55", "56", "57", "58", "59", "60", "61", "62", "63", "64",
    "65", "66", "67", "68", "69", "70", "71", "72", "73", "74", "75", "76", "77", "78", "79", "80",
    "81", "82", "83", "84", "85", "86", "87", "88", "89", "90", "91", "92", "93", "94", "95", "96",
    "97", "98", "99",
];

/// Writes `v` in decimal into `buf`, returning the used tail of `buf`.
#[inline]
pub(crate) fn format_integer(v: i64, buf: &mut [u8; 20]) -> &str {
    if let Some(&small) = usize::try_from(v).ok().and_then(|k| SMALL.get(k)) {
        return small;
    }
    const PAIRS: &[u8; 200] = b"0001020304050607080910111213141516171819\
        2021222324252627282930313233343536373839\
        4041424344454647484950515253545556575859\
        6061626364656667686970717273747576777879\
        8081828384858687888990919293949596979899";
    let mut n = v.unsigned_abs();
    let mut i = buf.len();
    while n >= 100 {
        let r = (n % 100) as usize * 2;
        n /= 100;
        i -= 2;
        buf[i] = PAIRS[r];
        buf[i + 1] = PAIRS[r + 1];
    }
    if n >= 10 {
        let r = n as usize * 2;
        i -= 2;
        buf[i] = PAIRS[r];
        buf[i + 1] = PAIRS[r + 1];
    } else {
        i -= 1;
        buf[i] = b'0' + n as u8;
    }
    if v < 0 {
        i -= 1;
        buf[i] = b'-';
    }
    std::str::from_utf8(&buf[i..]).unwrap_or("0")
}

/// A small stack buffer that `write!` can fill.
struct StackBuf {
    buf: [u8; 40],
    len: usize,
}

impl std::fmt::Write for StackBuf {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        let end = self.len + s.len();
        if end > self.buf.len() {
            return Err(std::fmt::Error);
        }
        self.buf[self.len..end].copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

/// A real's text, at most 24 bytes (`-1.7976931348623157e+308`).
pub(crate) struct RealText {
    buf: [u8; 32],
    len: usize,
}

impl RealText {
    fn push(&mut self, s: &[u8]) {
        let end = (self.len + s.len()).min(self.buf.len());
        let n = end - self.len;
        self.buf[self.len..end].copy_from_slice(&s[..n]);
        self.len = end;
    }

    fn push_zeros(&mut self, n: usize) {
        for _ in 0..n {
            self.push(b"0");
        }
    }

    /// The text.
    pub(crate) fn as_str(&self) -> &str {
        std::str::from_utf8(&self.buf[..self.len]).unwrap_or("null")
    }
}

/// Formats the real `v` the dialect's way: the shortest digits that read
/// back to the same double, `%g`-style: scientific when the decimal exponent
/// is below -4 or at least 16, with a signed exponent of at least two digits
/// (`1.525878906e-05`, `9.223372036854776e+21`), else positional without
/// trailing zeros (`0.125`, `81.25`, `1000`).
///
/// Zero of either sign is written `0`. NaN and the infinities have no JSON
/// form: they are written `null`.
pub(crate) fn format_real(v: f64) -> RealText {
    use std::fmt::Write;
    let mut out = RealText {
        buf: [0; 32],
        len: 0,
    };
    if !v.is_finite() {
        out.push(b"null");
        return out;
    }
    if v == 0.0 {
        out.push(b"0");
        return out;
    }
    // `{:e}` gives the shortest round-trip digits: "-1.2345e-7", "1e21".
    let mut sb = StackBuf {
        buf: [0; 40],
        len: 0,
    };
    if write!(sb, "{v:e}").is_err() {
        out.push(b"null");
        return out;
    }
    let s = &sb.buf[..sb.len];
    let (neg, s) = match s.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, s),
    };
    let e_pos = s.iter().position(|&c| c == b'e').unwrap_or(s.len());
    let exp: i32 = std::str::from_utf8(&s[(e_pos + 1).min(s.len())..])
        .ok()
        .and_then(|x| x.parse().ok())
        .unwrap_or(0);
    let mut digits = [0u8; 24];
    let mut nd = 0;
    for &c in &s[..e_pos] {
        if c != b'.' && nd < digits.len() {
            digits[nd] = c;
            nd += 1;
        }
    }
    let digits = &digits[..nd];

    if neg {
        out.push(b"-");
    }
    if !(-4..16).contains(&exp) {
        out.push(&digits[..1]);
        if digits.len() > 1 {
            out.push(b".");
            out.push(&digits[1..]);
        }
        out.push(if exp < 0 { b"e-" } else { b"e+" });
        let a = exp.unsigned_abs();
        if a < 10 {
            out.push(b"0");
        }
        let mut ib = [0u8; 20];
        out.push(format_integer(i64::from(a), &mut ib).as_bytes());
    } else if exp < 0 {
        out.push(b"0.");
        out.push_zeros((-exp - 1) as usize);
        out.push(digits);
    } else {
        let int_len = exp as usize + 1;
        if digits.len() <= int_len {
            out.push(digits);
            out.push_zeros(int_len - digits.len());
        } else {
            out.push(&digits[..int_len]);
            out.push(b".");
            out.push(&digits[int_len..]);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn real(v: f64) -> String {
        format_real(v).as_str().to_owned()
    }

    #[test]
    fn reals_are_shortest_with_c_style_exponents() {
        assert_eq!(real(0.125), "0.125");
        assert_eq!(real(81.25), "81.25");
        assert_eq!(real(-8.125), "-8.125");
        assert_eq!(real(1.525878906e-5), "1.525878906e-05");
        assert_eq!(real(9.223372036854776e21), "9.223372036854776e+21");
        assert_eq!(real(f64::MAX), "1.7976931348623157e+308");
        assert_eq!(real(5e-324), "5e-324");
        assert_eq!(real(0.0001), "0.0001");
        assert_eq!(real(0.00001), "1e-05");
        assert_eq!(real(1e15), "1000000000000000");
        assert_eq!(real(1e16), "1e+16");
        assert_eq!(real(123456789012345.6), "123456789012345.6");
        assert_eq!(real(0.1), "0.1");
        assert_eq!(real(-0.0), "0");
        assert_eq!(real(f64::NAN), "null");
        assert_eq!(real(f64::INFINITY), "null");
    }

    #[test]
    fn integers() {
        let mut b = [0u8; 20];
        assert_eq!(format_integer(0, &mut b), "0");
        assert_eq!(format_integer(7, &mut b), "7");
        assert_eq!(format_integer(-10, &mut b), "-10");
        assert_eq!(format_integer(i64::MAX, &mut b), "9223372036854775807");
        assert_eq!(format_integer(i64::MIN, &mut b), "-9223372036854775808");
    }

    /// OVS's json.at cases on exponents, with its exact error text.
    #[test]
    fn exponents_outside_ovs_range_fail_as_ovs_says() {
        for tok in [
            "340282366920938463461761716499e2147483647",
            "0.340282366920938463461761716499e-2147483648",
            "1e9999999999999999999",
            "1e-9999999999999999999",
            "1e2147483640",
        ] {
            assert_eq!(
                parse_number(tok.as_bytes()),
                Err("exponent outside valid range"),
                "{tok}"
            );
        }
        // The largest exponent OVS reads, and an accumulated one that just
        // fits: ranges of the value, not of the exponent.
        assert_eq!(
            parse_number(b"1e2147483639"),
            Err("number outside valid range")
        );
        assert_eq!(parse_number(b"1e-2147483639"), Ok(Json::Integer(0)));
        // 21 integer digits: OVS counts the digits beyond 20 as powers of ten.
        assert_eq!(
            parse_number(b"100000000000000000000e-2147483639"),
            Ok(Json::Integer(0))
        );
        // Nine fraction digits fit with the lowest exponent, ten do not.
        assert_eq!(
            parse_number(b"0.000000005e-2147483639"),
            Ok(Json::Integer(0))
        );
        assert_eq!(
            parse_number(b"0.0000000005e-2147483639"),
            Err("exponent outside valid range")
        );
    }
}
