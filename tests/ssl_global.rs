//! The process-wide TLS configuration: OVS's `stream_ssl_set_*` functions
//! and `ssl:`/`pssl:` names opened through `Stream::open` and
//! `PStream::open`. One test, since the configuration is global.
#![cfg(feature = "ssl")]

mod support;

use ovsrpc::stream::{ssl, PStream, Stream};
use support::log::{self, assert_logged};
use support::stream::{errno_of, pattern, transfer};
use support::tls::*;

#[test]
fn global_configuration_through_stream_names() {
    let _log = log::capture();
    let Some(pki) = Pki::new("ssl-global") else {
        return;
    };
    let ca = pki.ca("ca");
    let me = pki.leaf(&ca, "me", "node-1", Validity::Current, KeyKind::Ec);

    // Nothing configured yet: ssl: names are refused with ENOPROTOOPT.
    assert!(!ssl::is_configured());
    assert_eq!(
        errno_of(Stream::open("ssl:127.0.0.1:1", 0)),
        libc::ENOPROTOOPT
    );
    assert_logged(&["Certificate must be configured to use SSL"]);

    // OVS's calls, in the order ovsdb-server makes them.
    ssl::set_private_key_file(&me.key).unwrap();
    assert!(ssl::is_configured());
    ssl::set_certificate_file(&me.cert).unwrap();
    ssl::set_key_and_cert(&me.key, &me.cert).unwrap();
    ssl::set_ca_cert_file(&ca.cert, false).unwrap();
    ssl::set_protocols("TLSv1.2,TLSv1.3").unwrap();
    ssl::set_ciphers("HIGH:!aNULL:!MD5").unwrap();
    ssl::set_ciphersuites("TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384").unwrap();
    ssl::set_server_name(None);
    // Repeating a call with unchanged files re-reads nothing.
    ssl::set_key_and_cert(&me.key, &me.cert).unwrap();
    // Bad settings are refused and logged; the previous ones stay.
    assert!(ssl::set_protocols("SSLv3").is_err());
    assert_logged(&["SSLv3: SSL protocol not recognized"]);
    assert!(ssl::set_ciphers("RC4-MD5").is_err());
    assert_logged(&["SSL_CTX_set_cipher_list", "no cipher match"]);

    let mut l = PStream::open("pssl:0:127.0.0.1", 0).expect("pssl");
    let port = l.bound_port().unwrap();
    assert_eq!(l.name(), format!("pssl:{port}:127.0.0.1"));
    // The JSON-RPC layer's default port fills in a missing one.
    let mut c = Stream::open_with_default_port("ssl:127.0.0.1", port, 0).expect("ssl");
    assert_eq!(c.name(), format!("ssl:127.0.0.1:{port}"));
    let mut s = accept_driving(&mut l, &mut c);
    let (cr, sr) = handshakes(Some(&mut c), Some(&mut s));
    cr.unwrap().unwrap();
    sr.unwrap().unwrap();
    assert_eq!(c.peer_id(), Some("node-1"));
    assert_eq!(s.peer_id(), Some("node-1"));
    let data = pattern(100_000, 4);
    assert_eq!(transfer(&mut c, &mut s, &data), data);

    // open_block works for ssl: as for tcp: (it drives the handshake),
    // here against a listener that is being accepted by nobody: it times
    // out with ETIMEDOUT rather than blocking.
    let r = Stream::open_block(Stream::open(&format!("ssl:127.0.0.1:{port}"), 0), 100);
    assert_eq!(errno_of(r), libc::ETIMEDOUT);
}
