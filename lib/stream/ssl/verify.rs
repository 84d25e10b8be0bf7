//! Certificate verification as OVS does it, and readable TLS errors.
//!
//! OVS (OpenSSL with `SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT`)
//! requires, in both directions, a peer certificate that chains to the
//! configured CA certificate and is valid now, and it never compares host
//! names with the certificate. So:
//!
//! * a server checks clients with rustls's `WebPkiClientVerifier` (client
//!   certificate mandatory);
//! * a client checks servers with [`ServerVerifier`]: webpki's
//!   chain, validity-period and key-usage checks against the CA, but no
//!   host name check, neither against the name in `ssl:HOST:PORT` nor the
//!   SNI override. This is deliberate (it is what OVS does): the identity
//!   a cluster relies on is "signed by our CA".
//! * With the CA file `none` (verification disabled) or while
//!   bootstrapping the CA certificate, a client accepts any server chain
//!   ([`ServerVerifier`] without roots) but still checks the handshake signatures.

use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::verify_server_cert_signed_by_trust_anchor;
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, WebPkiSupportedAlgorithms};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::server::ParsedCertificate;
use rustls::{
    AlertDescription, CertificateError, DigitallySignedStruct, Error, RootCertStore,
    SignatureScheme,
};

use super::x509::format_utc;

/// Verifies a server's certificate as OVS does: with a CA, the chain
/// against it, without checking names (see the module documentation);
/// without one (CA file `none`, or CA bootstrap), any chain. Either way
/// the handshake signatures are checked, so the server owns the key.
#[derive(Debug)]
pub(crate) struct ServerVerifier {
    roots: Option<Arc<RootCertStore>>,
    algs: WebPkiSupportedAlgorithms,
}

impl ServerVerifier {
    /// A verifier trusting `roots` (`None`: any chain), checking
    /// signatures with `algs`.
    pub(crate) fn new(roots: Option<Arc<RootCertStore>>, algs: WebPkiSupportedAlgorithms) -> Self {
        ServerVerifier { roots, algs }
    }
}

impl ServerCertVerifier for ServerVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, Error> {
        let cert = ParsedCertificate::try_from(end_entity)?;
        if let Some(roots) = &self.roots {
            verify_server_cert_signed_by_trust_anchor(
                &cert,
                roots,
                intermediates,
                now,
                self.algs.all,
            )?;
        }
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        verify_tls12_signature(message, cert, dss, &self.algs)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        verify_tls13_signature(message, cert, dss, &self.algs)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algs.supported_schemes()
    }
}

/// The TLS (OpenSSL) name of an alert, as OVS's debug log writes it.
fn alert_name(alert: AlertDescription) -> String {
    let name = match alert {
        AlertDescription::CloseNotify => "close_notify",
        AlertDescription::UnexpectedMessage => "unexpected_message",
        AlertDescription::BadRecordMac => "bad_record_mac",
        AlertDescription::RecordOverflow => "record_overflow",
        AlertDescription::HandshakeFailure => "handshake_failure",
        AlertDescription::BadCertificate => "bad_certificate",
        AlertDescription::UnsupportedCertificate => "unsupported_certificate",
        AlertDescription::CertificateRevoked => "certificate_revoked",
        AlertDescription::CertificateExpired => "certificate_expired",
        AlertDescription::CertificateUnknown => "certificate_unknown",
        AlertDescription::IllegalParameter => "illegal_parameter",
        AlertDescription::UnknownCA => "unknown_ca",
        AlertDescription::AccessDenied => "access_denied",
        AlertDescription::DecodeError => "decode_error",
        AlertDescription::DecryptError => "decrypt_error",
        AlertDescription::ProtocolVersion => "protocol_version",
        AlertDescription::InsufficientSecurity => "insufficient_security",
        AlertDescription::InternalError => "internal_error",
        AlertDescription::UserCanceled => "user_canceled",
        AlertDescription::MissingExtension => "missing_extension",
        AlertDescription::UnsupportedExtension => "unsupported_extension",
        AlertDescription::UnrecognisedName => "unrecognized_name",
        AlertDescription::CertificateRequired => "certificate_required",
        AlertDescription::NoApplicationProtocol => "no_application_protocol",
        other => return format!("{other:?}"),
    };
    name.to_string()
}

/// What an alert from the peer most likely means, for the log.
fn alert_meaning(alert: AlertDescription) -> &'static str {
    match alert {
        AlertDescription::UnknownCA => {
            "the peer does not trust our certificate: it is not signed by the peer's CA \
             certificate"
        }
        AlertDescription::CertificateExpired => {
            "the peer rejected our certificate as expired or not yet valid"
        }
        AlertDescription::BadCertificate
        | AlertDescription::UnsupportedCertificate
        | AlertDescription::CertificateUnknown => "the peer rejected our certificate",
        AlertDescription::CertificateRequired => {
            "the peer requires a certificate from us and we sent none"
        }
        AlertDescription::HandshakeFailure | AlertDescription::InsufficientSecurity => {
            "no protocol version, cipher or key type acceptable to both sides"
        }
        AlertDescription::ProtocolVersion => "no TLS version acceptable to both sides",
        AlertDescription::DecryptError => "the peer could not verify our handshake signature",
        AlertDescription::DecodeError | AlertDescription::UnexpectedMessage => {
            "the peer could not understand what we sent"
        }
        _ => "the peer aborted the connection",
    }
}

fn certificate_problem(e: &CertificateError) -> String {
    match e {
        CertificateError::UnknownIssuer => {
            "certificate verify failed: the peer's certificate is not signed by a trusted CA \
             certificate (unknown issuer)"
                .into()
        }
        CertificateError::Expired => {
            "certificate verify failed: the peer's certificate (or one in its chain) has expired"
                .into()
        }
        CertificateError::ExpiredContext { time, not_after } => format!(
            "certificate verify failed: the peer's certificate (or one in its chain) has \
             expired: valid until {}, now is {}",
            format_utc(not_after.as_secs()),
            format_utc(time.as_secs())
        ),
        CertificateError::NotValidYet => {
            "certificate verify failed: the peer's certificate (or one in its chain) is not yet \
             valid"
                .into()
        }
        CertificateError::NotValidYetContext { time, not_before } => format!(
            "certificate verify failed: the peer's certificate (or one in its chain) is not yet \
             valid: valid from {}, now is {}",
            format_utc(not_before.as_secs()),
            format_utc(time.as_secs())
        ),
        CertificateError::BadSignature => {
            "certificate verify failed: bad signature in the peer's certificate chain".into()
        }
        CertificateError::BadEncoding => {
            "certificate verify failed: the peer's certificate is malformed".into()
        }
        CertificateError::InvalidPurpose | CertificateError::InvalidPurposeContext { .. } => {
            "certificate verify failed: the peer's certificate is not valid for this use \
             (extended key usage)"
                .into()
        }
        CertificateError::Revoked => "certificate verify failed: certificate revoked".into(),
        other => format!("certificate verify failed: {other:?}"),
    }
}

/// A sentence saying why a TLS connection failed, for the log. The
/// rustls error follows in parentheses where it adds something.
pub(crate) fn describe(e: &Error) -> String {
    match e {
        Error::InvalidCertificate(c) => certificate_problem(c),
        Error::NoCertificatesPresented => {
            "the peer did not present a certificate (one is required)".into()
        }
        Error::AlertReceived(a) => {
            format!(
                "received fatal alert {} from peer: {}",
                alert_name(*a),
                alert_meaning(*a)
            )
        }
        Error::PeerIncompatible(p) => format!(
            "no protocol version, cipher suite or key type acceptable to both sides ({p:?})"
        ),
        Error::InvalidMessage(_)
        | Error::InappropriateMessage { .. }
        | Error::InappropriateHandshakeMessage { .. } => {
            format!("the peer sent data that is not valid TLS ({e})")
        }
        Error::DecryptError => "could not decrypt data from the peer (bad record MAC)".into(),
        Error::InconsistentKeys(_) => "private key does not match certificate public key".into(),
        Error::General(msg) => msg.clone(),
        other => other.to_string(),
    }
}

/// Whether `e` means that the peer may not be speaking TLS at all, so that
/// a look at its first bytes helps.
pub(crate) fn is_not_tls(e: &Error) -> bool {
    matches!(
        e,
        Error::InvalidMessage(_)
            | Error::InappropriateMessage { .. }
            | Error::InappropriateHandshakeMessage { .. }
            | Error::PeerSentOversizedRecord
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptions_say_why() {
        let e = Error::InvalidCertificate(CertificateError::UnknownIssuer);
        assert!(describe(&e).contains("not signed by a trusted CA"));
        let e = Error::InvalidCertificate(CertificateError::ExpiredContext {
            time: UnixTime::since_unix_epoch(std::time::Duration::from_secs(1_000_000_000)),
            not_after: UnixTime::since_unix_epoch(std::time::Duration::from_secs(978_307_200)),
        });
        let d = describe(&e);
        assert!(
            d.contains("expired") && d.contains("2001-01-01 00:00:00 UTC"),
            "{d}"
        );
        let e = Error::AlertReceived(AlertDescription::UnknownCA);
        assert!(describe(&e).contains("unknown_ca"));
        assert!(describe(&Error::NoCertificatesPresented).contains("did not present"));
        assert!(!is_not_tls(&Error::DecryptError));
    }

    #[test]
    fn content_guess() {
        assert_eq!(
            crate::stream::guess_content(b"{\"method\""),
            Some("JSON-RPC")
        );
        assert_eq!(
            crate::stream::guess_content(&[0x16, 0x03, 0x01]),
            Some("SSL")
        );
        assert_eq!(crate::stream::guess_content(b"{"), None);
        assert_eq!(crate::stream::guess_content(b"GET /"), None);
        // An OpenFlow 1.0 hello; OVS recognises no other version's.
        assert_eq!(
            crate::stream::guess_content(b"\x01\x00\x00\x08"),
            Some("OpenFlow")
        );
        assert_eq!(crate::stream::guess_content(b"\x04\x00\x00\x08"), None);
        assert_eq!(crate::stream::guess_content(b""), None);
    }
}
