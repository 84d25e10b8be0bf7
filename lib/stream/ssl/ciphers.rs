//! OVS's `--ssl-protocols`, `--ssl-ciphers` and `--ssl-ciphersuites`
//! strings, mapped onto what rustls (with the ring provider) offers.
//!
//! **Protocols**: a list separated by commas, spaces or tabs, each word
//! case-insensitive: `TLSv1.2`, `TLSv1.3`, `TLSv1.2+` (that version and
//! later, as in OVS 3.5), or a range `TLSv1.2-TLSv1.3`. `TLSv1` and
//! `TLSv1.1` are recognised but not available (rustls does not implement
//! them): they are dropped with a warning. A list that leaves no version
//! is an error and changes nothing.
//!
//! **Ciphers** (TLS 1.2): an OpenSSL cipher list. rustls offers six TLS 1.2
//! suites, all ECDHE with AES-GCM or ChaCha20-Poly1305; each can be named
//! by its OpenSSL name (`ECDHE-RSA-AES128-GCM-SHA256`) or its IANA name
//! (`TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256`). Elements are separated by
//! `:` (or `,`, space); `A+B` means suites matching both; a `!` prefix
//! removes for good, `-` removes, `+` moves to the end, and `@STRENGTH` or
//! `@SECLEVEL=n` are ignored. The keywords understood are `ALL`,
//! `DEFAULT`, `HIGH`, `AEAD`, `TLSv1.2`, `ECDHE`/`EECDH`/`kECDHE`/`kEECDH`,
//! `aRSA`, `aECDSA`/`ECDSA`, `AES`, `AESGCM`, `AES128`, `AES256`,
//! `CHACHA20`; the names of things rustls never offers (`aNULL`, `eNULL`,
//! `NULL`, `MD5`, `RC4`, `3DES`, `DES`, `EXPORT`, `LOW`, `MEDIUM`, `kRSA`,
//! `RSA`, `DHE`, `PSK`, `SHA1`, `SHA256`, ...) match nothing, and other
//! unknown words are ignored, as OpenSSL ignores them. A list matching no
//! suite is an error and changes nothing. The default, OVS's
//! `HIGH:!aNULL:!MD5`, selects all six.
//!
//! **Ciphersuites** (TLS 1.3): a `:`-separated list of IANA names
//! (`TLS_AES_128_GCM_SHA256`, `TLS_AES_256_GCM_SHA384`,
//! `TLS_CHACHA20_POLY1305_SHA256`), in order of preference; the empty
//! string disables every TLS 1.3 suite, as in OpenSSL.

use rustls::crypto::ring::cipher_suite as cs;
use rustls::SupportedCipherSuite;

/// A TLS protocol version rustls implements.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Version {
    /// TLS 1.2.
    Tls12,
    /// TLS 1.3.
    Tls13,
}

impl Version {
    /// rustls's description of the version.
    pub(crate) fn rustls(self) -> &'static rustls::SupportedProtocolVersion {
        match self {
            Version::Tls12 => &rustls::version::TLS12,
            Version::Tls13 => &rustls::version::TLS13,
        }
    }
}

/// Parses one version word without a `+` or range: `Some(Ok(v))` for a
/// supported one, `Some(Err(minor))` for TLS 1.0 (minor 0) or 1.1 (minor
/// 1), `None` if unrecognised.
fn parse_version(word: &str) -> Option<Result<Version, u8>> {
    match word.to_ascii_lowercase().as_str() {
        "tlsv1.3" => Some(Ok(Version::Tls13)),
        "tlsv1.2" => Some(Ok(Version::Tls12)),
        "tlsv1.1" => Some(Err(1)),
        "tlsv1" | "tlsv1.0" => Some(Err(0)),
        _ => None,
    }
}

/// The versions from `lo` to `hi` (inclusive) that rustls implements; the
/// bounds are either versions or unsupported minor numbers.
fn version_range(lo: Result<Version, u8>, hi: Result<Version, u8>) -> Vec<Version> {
    let rank = |v: Result<Version, u8>| match v {
        Err(minor) => minor,
        Ok(Version::Tls12) => 2,
        Ok(Version::Tls13) => 3,
    };
    [Version::Tls12, Version::Tls13]
        .into_iter()
        .filter(|&v| rank(lo) <= rank(Ok(v)) && rank(Ok(v)) <= rank(hi))
        .collect()
}

/// Parses a protocol list (see the module documentation). Returns the
/// versions to enable, lowest first, or an error message. Warnings about
/// versions that rustls lacks are returned beside the result.
pub(crate) fn parse_protocols(list: &str) -> (Result<Vec<Version>, String>, Vec<String>) {
    let mut versions = Vec::new();
    let mut warnings = Vec::new();
    let words: Vec<&str> = list
        .split([' ', ',', '\t'])
        .filter(|w| !w.is_empty())
        .collect();
    if words.is_empty() {
        return (Err("SSL protocol settings invalid".into()), warnings);
    }
    for word in words {
        let range = if let Some(base) = word.strip_suffix('+') {
            parse_version(base).map(|lo| version_range(lo, Ok(Version::Tls13)))
        } else if let Some((lo, hi)) = word.split_once('-') {
            match (parse_version(lo), parse_version(hi)) {
                (Some(lo), Some(hi)) => Some(version_range(lo, hi)),
                _ => None,
            }
        } else {
            match parse_version(word) {
                Some(Ok(v)) => Some(vec![v]),
                Some(Err(_)) => {
                    warnings.push(format!(
                        "{word}: SSL protocol not supported (only TLSv1.2 and TLSv1.3 are \
                         available), ignoring it"
                    ));
                    Some(vec![])
                }
                None => None,
            }
        };
        match range {
            Some(vs) => versions.extend(vs),
            None => {
                return (
                    Err(format!("{word}: SSL protocol not recognized")),
                    warnings,
                )
            }
        }
    }
    versions.sort();
    versions.dedup();
    if versions.is_empty() {
        return (
            Err(format!(
                "{list}: no usable SSL protocol (only TLSv1.2 and TLSv1.3 are available)"
            )),
            warnings,
        );
    }
    (Ok(versions), warnings)
}

/// What OpenSSL-style keywords test about a TLS 1.2 suite.
struct Tls12Suite {
    suite: SupportedCipherSuite,
    openssl: &'static str,
    iana: &'static str,
    ecdsa: bool,
    /// "AES128", "AES256" or "CHACHA20".
    enc: &'static str,
}

fn tls12_suites() -> [Tls12Suite; 6] {
    let s = |suite, openssl, iana, ecdsa, enc| Tls12Suite {
        suite,
        openssl,
        iana,
        ecdsa,
        enc,
    };
    [
        s(
            cs::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
            "ECDHE-ECDSA-AES256-GCM-SHA384",
            "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
            true,
            "AES256",
        ),
        s(
            cs::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
            "ECDHE-RSA-AES256-GCM-SHA384",
            "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
            false,
            "AES256",
        ),
        s(
            cs::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
            "ECDHE-ECDSA-CHACHA20-POLY1305",
            "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
            true,
            "CHACHA20",
        ),
        s(
            cs::TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
            "ECDHE-RSA-CHACHA20-POLY1305",
            "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
            false,
            "CHACHA20",
        ),
        s(
            cs::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
            "ECDHE-ECDSA-AES128-GCM-SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
            true,
            "AES128",
        ),
        s(
            cs::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
            "ECDHE-RSA-AES128-GCM-SHA256",
            "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
            false,
            "AES128",
        ),
    ]
}

/// Whether the single term `term` (no `+`) selects `s`; `None` if the term
/// means nothing to us.
fn term_matches(term: &str, s: &Tls12Suite) -> Option<bool> {
    let is_name =
        |t: &Tls12Suite| term.eq_ignore_ascii_case(t.openssl) || term.eq_ignore_ascii_case(t.iana);
    if tls12_suites().iter().any(is_name) {
        return Some(is_name(s));
    }
    Some(match term {
        "ALL" | "DEFAULT" | "HIGH" | "AEAD" | "TLSv1.2" | "ECDHE" | "EECDH" | "kECDHE"
        | "kEECDH" => true,
        "aRSA" => !s.ecdsa,
        "aECDSA" | "ECDSA" => s.ecdsa,
        "AES" | "AESGCM" => s.enc != "CHACHA20",
        "AES128" | "AES256" | "CHACHA20" => s.enc == term,
        "aNULL"
        | "eNULL"
        | "NULL"
        | "COMPLEMENTOFALL"
        | "COMPLEMENTOFDEFAULT"
        | "MD5"
        | "RC4"
        | "3DES"
        | "DES"
        | "IDEA"
        | "SEED"
        | "CAMELLIA"
        | "ARIA"
        | "EXPORT"
        | "EXP"
        | "LOW"
        | "MEDIUM"
        | "kRSA"
        | "RSA"
        | "DHE"
        | "EDH"
        | "kDHE"
        | "kEDH"
        | "ADH"
        | "AECDH"
        | "PSK"
        | "SRP"
        | "SHA"
        | "SHA1"
        | "SHA256"
        | "SHA384"
        | "SSLv3"
        | "TLSv1"
        | "TLSv1.0"
        | "aDSS"
        | "DSS" => false,
        _ => return None,
    })
}

/// Parses an OpenSSL cipher list into TLS 1.2 suites, in order (see the
/// module documentation), or an error message.
pub(crate) fn parse_ciphers(list: &str) -> Result<Vec<SupportedCipherSuite>, String> {
    let all = tls12_suites();
    let mut chosen: Vec<usize> = Vec::new();
    let mut banned = [false; 6];
    for element in list.split([':', ',', ' ']).filter(|e| !e.is_empty()) {
        if element.starts_with('@') {
            continue;
        }
        let (op, body) = match element.as_bytes()[0] {
            b'!' | b'-' | b'+' => (element.as_bytes()[0], &element[1..]),
            _ => (b' ', element),
        };
        let mut selected: Vec<usize> = Vec::new();
        let mut known = true;
        for (i, suite) in all.iter().enumerate() {
            let mut all_terms = true;
            for term in body.split('+').filter(|t| !t.is_empty()) {
                match term_matches(term, suite) {
                    Some(m) => all_terms &= m,
                    None => {
                        known = false;
                        all_terms = false;
                    }
                }
            }
            if all_terms {
                selected.push(i);
            }
        }
        if !known {
            // OpenSSL skips words it does not know.
            continue;
        }
        match op {
            b'!' => {
                for &i in &selected {
                    banned[i] = true;
                }
                chosen.retain(|i| !selected.contains(i));
            }
            b'-' => chosen.retain(|i| !selected.contains(i)),
            b'+' => {
                let (moved, kept): (Vec<usize>, Vec<usize>) =
                    chosen.iter().partition(|i| selected.contains(i));
                chosen = kept;
                chosen.extend(moved);
            }
            _ => {
                for i in selected {
                    if !banned[i] && !chosen.contains(&i) {
                        chosen.push(i);
                    }
                }
            }
        }
    }
    if chosen.is_empty() {
        return Err(format!("{list}: no cipher match"));
    }
    Ok(chosen.into_iter().map(|i| all[i].suite).collect())
}

/// Parses a TLS 1.3 ciphersuite list (see the module documentation), or
/// returns an error message naming the first unknown suite.
pub(crate) fn parse_ciphersuites(list: &str) -> Result<Vec<SupportedCipherSuite>, String> {
    let mut out: Vec<SupportedCipherSuite> = Vec::new();
    for name in list.split(':').filter(|n| !n.is_empty()) {
        let suite = match name {
            "TLS_AES_128_GCM_SHA256" => cs::TLS13_AES_128_GCM_SHA256,
            "TLS_AES_256_GCM_SHA384" => cs::TLS13_AES_256_GCM_SHA384,
            "TLS_CHACHA20_POLY1305_SHA256" => cs::TLS13_CHACHA20_POLY1305_SHA256,
            _ => return Err(format!("{name}: TLSv1.3 ciphersuite not recognized")),
        };
        if !out.iter().any(|s| s.suite() == suite.suite()) {
            out.push(suite);
        }
    }
    Ok(out)
}

/// The TLS 1.2 suites of OVS's default cipher list, `HIGH:!aNULL:!MD5`.
pub(crate) fn default_ciphers() -> Vec<SupportedCipherSuite> {
    tls12_suites().iter().map(|s| s.suite).collect()
}

/// The default TLS 1.3 suites (all three).
pub(crate) fn default_ciphersuites() -> Vec<SupportedCipherSuite> {
    vec![
        cs::TLS13_AES_256_GCM_SHA384,
        cs::TLS13_AES_128_GCM_SHA256,
        cs::TLS13_CHACHA20_POLY1305_SHA256,
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(r: Result<Vec<SupportedCipherSuite>, String>) -> Vec<String> {
        r.unwrap()
            .iter()
            .map(|s| format!("{:?}", s.suite()))
            .collect()
    }

    #[test]
    fn protocols() {
        use Version::*;
        assert_eq!(parse_protocols("TLSv1.2").0, Ok(vec![Tls12]));
        assert_eq!(
            parse_protocols("tlsv1.3, TLSv1.2").0,
            Ok(vec![Tls12, Tls13])
        );
        assert_eq!(parse_protocols("TLSv1.2+").0, Ok(vec![Tls12, Tls13]));
        assert_eq!(parse_protocols("TLSv1+").0, Ok(vec![Tls12, Tls13]));
        assert_eq!(parse_protocols("TLSv1.3+").0, Ok(vec![Tls13]));
        assert_eq!(parse_protocols("TLSv1-TLSv1.2").0, Ok(vec![Tls12]));
        let (r, w) = parse_protocols("TLSv1,TLSv1.1,TLSv1.2");
        assert_eq!(r, Ok(vec![Tls12]));
        assert_eq!(w.len(), 2, "{w:?}");
        assert!(parse_protocols("TLSv1.1").0.is_err());
        assert!(parse_protocols("SSLv3")
            .0
            .unwrap_err()
            .contains("not recognized"));
        assert!(parse_protocols(" , ").0.is_err());
    }

    #[test]
    fn openssl_cipher_lists() {
        assert_eq!(parse_ciphers("HIGH:!aNULL:!MD5").unwrap().len(), 6);
        assert_eq!(parse_ciphers("DEFAULT").unwrap().len(), 6);
        assert_eq!(
            names(parse_ciphers("ECDHE-RSA-AES128-GCM-SHA256")),
            ["TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"]
        );
        assert_eq!(parse_ciphers("ECDHE+AESGCM").unwrap().len(), 4);
        assert_eq!(parse_ciphers("aECDSA").unwrap().len(), 3);
        assert_eq!(
            names(parse_ciphers("CHACHA20:!aRSA")),
            ["TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256"]
        );
        // '-' removes but allows re-adding; '!' does not.
        assert_eq!(parse_ciphers("ALL:-aRSA:aRSA").unwrap().len(), 6);
        assert_eq!(parse_ciphers("ALL:!aRSA:aRSA").unwrap().len(), 3);
        // '+' moves to the end.
        let moved = names(parse_ciphers("ALL:+AES256"));
        assert!(moved[4].contains("AES_256") && moved[5].contains("AES_256"));
        // Unknown words are skipped; nothing at all is an error.
        assert_eq!(parse_ciphers("FOO:AES128:@STRENGTH").unwrap().len(), 2);
        assert!(parse_ciphers("RC4-SHA").is_err());
        assert!(parse_ciphers("aNULL").is_err());
        assert!(parse_ciphers("").is_err());
    }

    #[test]
    fn tls13_ciphersuites() {
        assert_eq!(
            names(parse_ciphersuites(
                "TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256"
            )),
            ["TLS13_CHACHA20_POLY1305_SHA256", "TLS13_AES_128_GCM_SHA256"]
        );
        assert!(parse_ciphersuites("").unwrap().is_empty());
        assert!(parse_ciphersuites("TLS_AES_128_CCM_SHA256").is_err());
    }
}
