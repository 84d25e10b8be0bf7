//! What OVS reports about certificates: the subject's common name (the
//! peer id), whether a certificate is self-issued (CA bootstrap), its
//! validity dates, and readable dates for expiry messages.
//!
//! Certificates are decoded by the `x509-cert` crate (strict DER); a
//! certificate it cannot decode gives `None`. Verification proper is
//! webpki's job, never this module's. Dates are formatted by `jiff`.

use std::fmt::Write as _;

use x509_cert::der::asn1::{BmpString, ObjectIdentifier};
use x509_cert::der::{Any, Decode, Tag, Tagged};
use x509_cert::name::Name;
use x509_cert::Certificate;

/// The OID 2.5.4.3, commonName.
const CN: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.3");

fn decode(cert: &[u8]) -> Option<Certificate> {
    Certificate::from_der(cert).ok()
}

/// Whether `cert` names itself as its issuer (the test OVS's CA bootstrap
/// applies to the top of a peer's chain).
pub(crate) fn is_self_issued(cert: &[u8]) -> bool {
    decode(cert).is_some_and(|c| c.tbs_certificate.issuer == c.tbs_certificate.subject)
}

/// The text of a directory string attribute value: UTF8String;
/// PrintableString, IA5String, VisibleString (ASCII) and TeletexString
/// (taken as Latin-1, as most software does); BMPString (UCS-2).
fn value_text(value: &Any) -> Option<String> {
    let bytes = value.value();
    match value.tag() {
        Tag::Utf8String => std::str::from_utf8(bytes).ok().map(str::to_string),
        Tag::PrintableString | Tag::Ia5String | Tag::VisibleString | Tag::TeletexString => {
            Some(bytes.iter().map(|&b| char::from(b)).collect())
        }
        Tag::BmpString => BmpString::from_ucs2(bytes)
            .ok()
            .map(|s| s.chars().collect()),
        _ => None,
    }
}

/// The first common name (CN) in `name`.
fn name_common_name(name: &Name) -> Option<String> {
    name.0
        .iter()
        .flat_map(|rdn| rdn.0.iter())
        .find(|atv| atv.oid == CN)
        .and_then(|atv| value_text(&atv.value))
}

/// The subject common name of the DER certificate `cert`, as OVS reports
/// it for `jsonrpc_session_get_id` (the first CN of the subject).
pub(crate) fn common_name(cert: &[u8]) -> Option<String> {
    name_common_name(&decode(cert)?.tbs_certificate.subject)
}

/// The subject of `cert` in OpenSSL's one-line style (`/CN=x/O=y`), for log
/// messages, attributes in certificate order; attributes other than the
/// usual few show as their dotted OID.
pub(crate) fn subject_oneline(cert: &[u8]) -> String {
    let Some(cert) = decode(cert) else {
        return "<unparsable>".into();
    };
    let mut out = String::new();
    for atv in cert
        .tbs_certificate
        .subject
        .0
        .iter()
        .flat_map(|rdn| rdn.0.iter())
    {
        let oid = atv.oid.to_string();
        let label = match oid.as_str() {
            "2.5.4.3" => "CN",
            "2.5.4.6" => "C",
            "2.5.4.7" => "L",
            "2.5.4.8" => "ST",
            "2.5.4.10" => "O",
            "2.5.4.11" => "OU",
            other => other,
        };
        let text = value_text(&atv.value).unwrap_or_else(|| "?".into());
        let _ = write!(out, "/{label}={text}");
    }
    out
}

/// The validity period of `cert`: not before, not after, in seconds since
/// the Unix epoch.
pub(crate) fn validity(cert: &[u8]) -> Option<(u64, u64)> {
    let v = decode(cert)?.tbs_certificate.validity;
    Some((
        v.not_before.to_unix_duration().as_secs(),
        v.not_after.to_unix_duration().as_secs(),
    ))
}

/// Says why `cert` is not valid at `now` (seconds since the Unix epoch):
/// expired or not yet valid, with its dates; `None` while it is valid (or
/// cannot be decoded).
pub(crate) fn validity_problem(cert: &[u8], now: u64) -> Option<String> {
    let (not_before, not_after) = validity(cert)?;
    if now > not_after {
        Some(format!(
            "certificate has expired: valid until {}, now is {}",
            format_utc(not_after),
            format_utc(now)
        ))
    } else if now < not_before {
        Some(format!(
            "certificate is not yet valid: valid from {}, now is {}",
            format_utc(not_before),
            format_utc(now)
        ))
    } else {
        None
    }
}

/// Formats seconds since the Unix epoch as `YYYY-MM-DD HH:MM:SS UTC`.
pub(crate) fn format_utc(secs: u64) -> String {
    match i64::try_from(secs)
        .ok()
        .and_then(|s| jiff::Timestamp::from_second(s).ok())
    {
        Some(t) => t.strftime("%Y-%m-%d %H:%M:%S UTC").to_string(),
        None => format!("{secs} seconds after 1970-01-01 00:00:00 UTC"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;
    use std::time::Duration;
    use x509_cert::certificate::{TbsCertificate, Version};
    use x509_cert::der::asn1::BitString;
    use x509_cert::der::Encode;
    use x509_cert::serial_number::SerialNumber;
    use x509_cert::spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};
    use x509_cert::time::{Time, Validity};

    /// A DER certificate (unsigned: a dummy signature) with the given
    /// issuer and subject names in RFC 4514 form (last RDN first).
    fn cert(issuer: &str, subject: &str, not_before: u64, not_after: u64) -> Vec<u8> {
        let alg = AlgorithmIdentifierOwned {
            oid: ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.11"),
            parameters: None,
        };
        let time = |s: u64| Time::try_from(std::time::UNIX_EPOCH + Duration::from_secs(s)).unwrap();
        let tbs = TbsCertificate {
            version: Version::V3,
            serial_number: SerialNumber::new(&[1]).unwrap(),
            signature: alg.clone(),
            issuer: Name::from_str(issuer).unwrap(),
            validity: Validity {
                not_before: time(not_before),
                not_after: time(not_after),
            },
            subject: Name::from_str(subject).unwrap(),
            subject_public_key_info: SubjectPublicKeyInfoOwned {
                algorithm: AlgorithmIdentifierOwned {
                    oid: ObjectIdentifier::new_unwrap("1.2.840.10045.2.1"),
                    parameters: None,
                },
                subject_public_key: BitString::from_bytes(&[4, 1, 2]).unwrap(),
            },
            issuer_unique_id: None,
            subject_unique_id: None,
            extensions: None,
        };
        Certificate {
            tbs_certificate: tbs,
            signature_algorithm: alg,
            signature: BitString::from_bytes(&[0; 8]).unwrap(),
        }
        .to_der()
        .unwrap()
    }

    #[test]
    fn common_name_is_first_cn_of_subject() {
        // RFC 4514 lists the last RDN first: the DER order is O, CN, CN.
        let c = cert("CN=ca", "CN=second,CN=h\u{e9},O=org", 0, 1);
        assert_eq!(common_name(&c).as_deref(), Some("h\u{e9}"));
        assert!(!is_self_issued(&c));
        assert_eq!(subject_oneline(&c), "/O=org/CN=h\u{e9}/CN=second");
        let s = cert("CN=ca", "CN=ca", 0, 1);
        assert!(is_self_issued(&s));
        let t = cert("CN=ca", "title=boss,CN=x", 0, 1);
        assert_eq!(subject_oneline(&t), "/CN=x/2.5.4.12=boss");
    }

    #[test]
    fn string_types_decode() {
        let any = |tag: Tag, bytes: &[u8]| Any::new(tag, bytes).unwrap();
        assert_eq!(
            value_text(&any(Tag::BmpString, &[0, b'a', 0, b'b'])).unwrap(),
            "ab"
        );
        assert_eq!(
            value_text(&any(Tag::PrintableString, b"x y")).unwrap(),
            "x y"
        );
        assert_eq!(
            value_text(&any(Tag::TeletexString, &[0xe9])).unwrap(),
            "\u{e9}"
        );
        assert_eq!(value_text(&any(Tag::Utf8String, &[0xff])), None);
        assert_eq!(value_text(&any(Tag::OctetString, b"octets")), None);
    }

    #[test]
    fn garbage_gives_none_not_panic() {
        for bad in [
            &[][..],
            &[0x30],
            &[0x30, 0x85, 1, 1, 1, 1, 1],
            &[0x30, 5, 1],
        ] {
            assert!(common_name(bad).is_none());
            assert!(!is_self_issued(bad));
            assert!(validity(bad).is_none());
            assert_eq!(subject_oneline(bad), "<unparsable>");
        }
        // No subject CN.
        let c = cert("CN=ca", "O=org", 0, 1);
        assert_eq!(common_name(&c), None);
    }

    #[test]
    fn validity_dates() {
        let c = cert("CN=ca", "CN=x", 946_684_800, 4_102_444_800);
        assert_eq!(validity(&c), Some((946_684_800, 4_102_444_800)));
        assert_eq!(validity_problem(&c, 1_000_000_000), None);
        assert_eq!(
            validity_problem(&c, 4_102_444_801).unwrap(),
            "certificate has expired: valid until 2100-01-01 00:00:00 UTC, now is 2100-01-01 00:00:01 UTC"
        );
        assert_eq!(
            validity_problem(&c, 0).unwrap(),
            "certificate is not yet valid: valid from 2000-01-01 00:00:00 UTC, now is 1970-01-01 00:00:00 UTC"
        );
    }

    #[test]
    fn utc_dates() {
        assert_eq!(format_utc(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(format_utc(946_684_800), "2000-01-01 00:00:00 UTC");
        assert_eq!(format_utc(951_782_400 + 3661), "2000-02-29 01:01:01 UTC");
        assert_eq!(format_utc(4_102_444_800), "2100-01-01 00:00:00 UTC");
    }
}
