//! The files behind a TLS configuration: noticing when they change, and
//! reading keys, certificates and CA certificates from PEM; writing a
//! bootstrapped CA certificate back out.

use std::fs;
use std::io;
use std::time::SystemTime;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::{RootCertStore, SupportedCipherSuite};

use super::config::errno;
use crate::stream::strerror;

/// One configured file: its name, its modification time when last read,
/// and how reading it went.
#[derive(Default)]
pub(crate) struct ConfigFile {
    pub(crate) path: Option<String>,
    pub(crate) mtime: Option<SystemTime>,
    /// `Ok` once read successfully (the last attempt), else its errno.
    pub(crate) result: Option<Result<(), i32>>,
}

impl ConfigFile {
    pub(crate) const fn new() -> ConfigFile {
        ConfigFile {
            path: None,
            mtime: None,
            result: None,
        }
    }

    /// Records `path` and its current mtime; true if either differs from
    /// what was recorded, so that the file must be read (OVS's
    /// `update_ssl_config`).
    pub(crate) fn update(&mut self, path: &str) -> bool {
        let mtime = match fs::metadata(path).and_then(|m| m.modified()) {
            Ok(t) => Some(t),
            Err(e) => {
                if e.kind() != io::ErrorKind::NotFound {
                    log::error!("{path}: stat failed ({})", strerror(&e));
                }
                None
            }
        };
        if self.path.as_deref() == Some(path) && self.mtime == mtime && self.result.is_some() {
            return false;
        }
        self.path = Some(path.to_string());
        self.mtime = mtime;
        true
    }

    pub(crate) fn status(&self) -> io::Result<()> {
        match self.result {
            Some(Err(e)) => Err(errno(e)),
            _ => Ok(()),
        }
    }
}

/// Reads `path` whole, logging failures as `what: path: reason`.
pub(crate) fn read_file(what: &str, path: &str) -> Result<Vec<u8>, i32> {
    fs::read(path).map_err(|e| {
        log::error!("{what}: {path}: {}", strerror(&e));
        e.raw_os_error().unwrap_or(libc::EIO)
    })
}

/// Reads the PEM private key in `path` (PKCS#8, PKCS#1 RSA or SEC1 EC).
pub(crate) fn load_private_key(path: &str) -> Result<PrivateKeyDer<'static>, i32> {
    let pem = read_file("SSL_use_PrivateKey_file", path)?;
    PrivateKeyDer::from_pem_slice(&pem).map_err(|e| {
        log::error!("SSL_use_PrivateKey_file: {path}: no usable PEM private key ({e})");
        libc::EINVAL
    })
}

/// Reads every PEM certificate in `path` (at least one).
pub(crate) fn load_certificates(
    what: &str,
    path: &str,
) -> Result<Vec<CertificateDer<'static>>, i32> {
    let pem = read_file(what, path)?;
    let certs: Result<Vec<_>, _> = CertificateDer::pem_slice_iter(&pem).collect();
    match certs {
        Ok(certs) if !certs.is_empty() => Ok(certs),
        Ok(_) => {
            log::error!("{what}: {path}: no PEM certificate found");
            Err(libc::EINVAL)
        }
        Err(e) => {
            log::error!("{what}: {path}: bad PEM certificate ({e})");
            Err(libc::EINVAL)
        }
    }
}

/// Builds a trust store from the PEM CA certificates in `path`.
pub(crate) fn load_roots(path: &str) -> Result<RootCertStore, i32> {
    let certs = load_certificates("failed to load client certificates", path)?;
    let mut roots = RootCertStore::empty();
    for cert in certs {
        if let Err(e) = roots.add(cert) {
            log::error!("failed to load client certificates from {path}: {e}");
            return Err(libc::EINVAL);
        }
    }
    Ok(roots)
}

/// SHA-256 of `data` (via the ring provider's TLS 1.3 hash), as hex pairs
/// separated by colons.
pub(crate) fn sha256_fingerprint(data: &[u8]) -> String {
    let SupportedCipherSuite::Tls13(suite) =
        rustls::crypto::ring::cipher_suite::TLS13_AES_128_GCM_SHA256
    else {
        return "<unavailable>".into();
    };
    let digest = suite.common.hash_provider.hash(data);
    digest
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(":")
}

/// `der` as a PEM `CERTIFICATE` block (RFC 7468: base64 in lines of 64
/// characters, LF line endings), written by the `pem-rfc7468` crate that
/// `x509-cert` brings.
pub(crate) fn pem_certificate(der: &[u8]) -> String {
    use x509_cert::der::pem::{encode_string, LineEnding};
    encode_string("CERTIFICATE", LineEnding::LF, der).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pem_round_trip() {
        for len in [0usize, 1, 2, 3, 4, 47, 48, 49, 100] {
            let der: Vec<u8> = (0..len).map(|i| (i * 7 + 3) as u8).collect();
            let pem = pem_certificate(&der);
            assert!(pem.starts_with("-----BEGIN CERTIFICATE-----\n"), "{pem}");
            assert!(pem.ends_with("\n-----END CERTIFICATE-----\n"), "{pem}");
            assert!(pem.lines().all(|l| l.len() <= 64), "{pem}");
            let back = CertificateDer::from_pem_slice(pem.as_bytes());
            if len == 0 {
                continue;
            }
            assert_eq!(back.unwrap().as_ref(), &der[..], "{pem}");
        }
    }

    #[test]
    fn fingerprint_is_sha256_hex() {
        let fp = sha256_fingerprint(b"abc");
        assert!(fp.starts_with("ba:78:16:bf:8f:01:cf:ea"), "{fp}");
        assert_eq!(fp.len(), 32 * 3 - 1);
    }
}
