//! Just enough X.509 reading for what OVS reports about certificates: the
//! subject's common name (the peer id), whether a certificate is
//! self-signed (CA bootstrap), and readable dates for expiry messages.
//!
//! Certificates are DER; this walks the few fields it needs and gives up
//! (`None`) on anything it does not understand. Verification proper is
//! webpki's job, never this module's.

use std::fmt::Write as _;

/// A parsed TLV: tag, whole encoding, contents, and what follows it.
type Tlv<'a> = (u8, &'a [u8], &'a [u8], &'a [u8]);

/// Splits one DER tag-length-value off the front of `data`: returns the
/// tag, the whole TLV, its contents and what follows.
fn tlv(data: &[u8]) -> Option<Tlv<'_>> {
    let (&tag, rest) = data.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 || rest.len() < n {
            return None;
        }
        let len = rest[..n]
            .iter()
            .fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
        (len, &rest[n..])
    };
    if rest.len() < len {
        return None;
    }
    let header = data.len() - rest.len();
    Some((tag, &data[..header + len], &rest[..len], &rest[len..]))
}

const SEQUENCE: u8 = 0x30;
const SET: u8 = 0x31;
const OID: u8 = 0x06;
/// `[0] EXPLICIT Version` in a TBSCertificate.
const VERSION_TAG: u8 = 0xa0;
/// The OID 2.5.4.3 (commonName), DER contents.
const CN_OID: [u8; 3] = [0x55, 0x04, 0x03];

/// The issuer and subject `Name`s of a certificate, as DER (tag included).
pub(crate) struct Names<'a> {
    /// The issuer's distinguished name.
    pub issuer: &'a [u8],
    /// The subject's distinguished name.
    pub subject: &'a [u8],
}

/// Finds the issuer and subject names of the DER certificate `cert`.
pub(crate) fn names(cert: &[u8]) -> Option<Names<'_>> {
    let (SEQUENCE, _, cert, _) = tlv(cert)? else {
        return None;
    };
    let (SEQUENCE, _, tbs, _) = tlv(cert)? else {
        return None;
    };
    let (tag, _, _, after) = tlv(tbs)?;
    let rest = if tag == VERSION_TAG { after } else { tbs };
    let (_serial, _, _, rest) = tlv(rest)?;
    let (_signature, _, _, rest) = tlv(rest)?;
    let (SEQUENCE, issuer, _, rest) = tlv(rest)? else {
        return None;
    };
    let (_validity, _, _, rest) = tlv(rest)?;
    let (SEQUENCE, subject, _, _) = tlv(rest)? else {
        return None;
    };
    Some(Names { issuer, subject })
}

/// Whether `cert` names itself as its issuer (the test OVS's CA bootstrap
/// applies to the top of a peer's chain).
pub(crate) fn is_self_issued(cert: &[u8]) -> bool {
    names(cert).is_some_and(|n| n.issuer == n.subject)
}

/// Decodes an ASN.1 string of type `tag` to UTF-8.
fn decode_string(tag: u8, bytes: &[u8]) -> Option<String> {
    match tag {
        // UTF8String.
        0x0c => String::from_utf8(bytes.to_vec()).ok(),
        // PrintableString, IA5String, VisibleString: ASCII; TeletexString:
        // treated as Latin-1, as most software does.
        0x13 | 0x16 | 0x1a | 0x14 => Some(bytes.iter().map(|&b| char::from(b)).collect()),
        // BMPString: UCS-2, big-endian.
        0x1e if bytes.len() % 2 == 0 => {
            let units: Vec<u16> = bytes
                .chunks_exact(2)
                .map(|c| u16::from_be_bytes([c[0], c[1]]))
                .collect();
            String::from_utf16(&units).ok()
        }
        // UniversalString: UCS-4, big-endian.
        0x1c if bytes.len() % 4 == 0 => bytes
            .chunks_exact(4)
            .map(|c| char::from_u32(u32::from_be_bytes([c[0], c[1], c[2], c[3]])))
            .collect(),
        _ => None,
    }
}

/// The first common name (CN) in the DER `Name` `name`.
fn name_common_name(name: &[u8]) -> Option<String> {
    let (SEQUENCE, _, mut rdns, _) = tlv(name)? else {
        return None;
    };
    while !rdns.is_empty() {
        let (tag, _, mut attrs, rest) = tlv(rdns)?;
        rdns = rest;
        if tag != SET {
            return None;
        }
        while !attrs.is_empty() {
            let (SEQUENCE, _, attr, rest) = tlv(attrs)? else {
                return None;
            };
            attrs = rest;
            let (OID, _, oid, value) = tlv(attr)? else {
                return None;
            };
            if oid == CN_OID {
                let (tag, _, bytes, _) = tlv(value)?;
                return decode_string(tag, bytes);
            }
        }
    }
    None
}

/// The subject common name of the DER certificate `cert`, as OVS reports
/// it for `jsonrpc_session_get_id` (the first CN of the subject).
pub(crate) fn common_name(cert: &[u8]) -> Option<String> {
    name_common_name(names(cert)?.subject)
}

/// The subject of `cert` in OpenSSL's one-line style (`/CN=x/O=y`), for log
/// messages; attributes other than the usual few show as their OID.
pub(crate) fn subject_oneline(cert: &[u8]) -> String {
    let Some(subject) = names(cert).map(|n| n.subject) else {
        return "<unparsable>".into();
    };
    let mut out = String::new();
    let Some((_, _, mut rdns, _)) = tlv(subject) else {
        return "<unparsable>".into();
    };
    while let Some((_, _, mut attrs, rest)) = tlv(rdns) {
        rdns = rest;
        while let Some((_, _, attr, rest)) = tlv(attrs) {
            attrs = rest;
            let Some((OID, _, oid, value)) = tlv(attr) else {
                continue;
            };
            let label = match oid {
                [0x55, 0x04, 0x03] => "CN".to_string(),
                [0x55, 0x04, 0x06] => "C".to_string(),
                [0x55, 0x04, 0x07] => "L".to_string(),
                [0x55, 0x04, 0x08] => "ST".to_string(),
                [0x55, 0x04, 0x0a] => "O".to_string(),
                [0x55, 0x04, 0x0b] => "OU".to_string(),
                other => other.iter().fold(String::from("OID"), |mut s, b| {
                    let _ = write!(s, ".{b:02x}");
                    s
                }),
            };
            let text = tlv(value)
                .and_then(|(tag, _, bytes, _)| decode_string(tag, bytes))
                .unwrap_or_else(|| "?".into());
            let _ = write!(out, "/{label}={text}");
        }
    }
    out
}

/// Formats seconds since the Unix epoch as `YYYY-MM-DD HH:MM:SS UTC`.
pub(crate) fn format_utc(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Howard Hinnant's days-to-civil algorithm.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02} UTC",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// DER for a TLV with a short length.
    fn t(tag: u8, contents: &[u8]) -> Vec<u8> {
        let mut v = vec![tag, contents.len() as u8];
        v.extend_from_slice(contents);
        v
    }

    fn attr(oid: &[u8], tag: u8, value: &[u8]) -> Vec<u8> {
        t(SET, &t(SEQUENCE, &[t(OID, oid), t(tag, value)].concat()))
    }

    fn cert(issuer: &[u8], subject: &[u8]) -> Vec<u8> {
        let tbs = [
            t(VERSION_TAG, &t(0x02, &[2])),
            t(0x02, &[1]),
            t(SEQUENCE, &t(OID, &[1, 2])),
            t(SEQUENCE, issuer),
            t(SEQUENCE, &[]),
            t(SEQUENCE, subject),
        ]
        .concat();
        t(SEQUENCE, &[t(SEQUENCE, &tbs), t(SEQUENCE, &[])].concat())
    }

    #[test]
    fn common_name_is_first_cn_of_subject() {
        let issuer = attr(&CN_OID, 0x0c, b"ca");
        let subject = [
            attr(&[0x55, 0x04, 0x0a], 0x13, b"org"),
            attr(&CN_OID, 0x0c, "h\u{e9}".as_bytes()),
            attr(&CN_OID, 0x0c, b"second"),
        ]
        .concat();
        let c = cert(&issuer, &subject);
        assert_eq!(common_name(&c).as_deref(), Some("h\u{e9}"));
        assert!(!is_self_issued(&c));
        assert_eq!(subject_oneline(&c), "/O=org/CN=h\u{e9}/CN=second");
        let s = cert(&issuer, &issuer);
        assert!(is_self_issued(&s));
    }

    #[test]
    fn string_types_decode() {
        assert_eq!(decode_string(0x1e, &[0, b'a', 0, b'b']).unwrap(), "ab");
        assert_eq!(decode_string(0x1c, &[0, 0, 0, b'z']).unwrap(), "z");
        assert_eq!(decode_string(0x13, b"x y").unwrap(), "x y");
        assert_eq!(decode_string(0x0c, &[0xff]), None);
        assert_eq!(decode_string(0x04, b"octets"), None);
    }

    #[test]
    fn garbage_gives_none_not_panic() {
        for bad in [
            &[][..],
            &[0x30],
            &[0x30, 0x85, 1, 1, 1, 1, 1],
            &[0x30, 5, 1],
        ] {
            assert!(names(bad).is_none());
            assert!(common_name(bad).is_none());
            assert!(!is_self_issued(bad));
        }
        // No subject CN.
        let c = cert(&[], &attr(&[0x55, 0x04, 0x0a], 0x13, b"org"));
        assert_eq!(common_name(&c), None);
    }

    #[test]
    fn utc_dates() {
        assert_eq!(format_utc(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(format_utc(946_684_800), "2000-01-01 00:00:00 UTC");
        assert_eq!(format_utc(951_782_400 + 3661), "2000-02-29 01:01:01 UTC");
        assert_eq!(format_utc(4_102_444_800), "2100-01-01 00:00:00 UTC");
    }
}
