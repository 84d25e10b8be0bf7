//! `stream-ssl.h`: the process-wide TLS configuration used by "ssl:" and
//! "pssl:" streams.
//!
//! As in OVS, the setters return nothing: a file that cannot be read or a
//! list that selects nothing is logged (through the `log` crate) and leaves
//! the configuration as it was; a file is read again when it changes. Call
//! them before opening "ssl:" or "pssl:" streams.

use std::ffi::c_char;

use super::{boundary, c_str};
use crate::stream::ssl;

/// Runs `set` with the C string `arg`; NULL is ignored (OVS would crash).
///
/// # Safety
///
/// `arg` is NULL or a C string.
unsafe fn with_arg<T>(func: &'static str, arg: *const c_char, set: impl FnOnce(&str) -> T) {
    boundary(func, || {
        // SAFETY: the caller guarantees `arg` is NULL or a C string.
        match unsafe { c_str(arg) } {
            Some(arg) => drop(set(&arg)),
            None => log::error!("{func}: null argument ignored"),
        }
    })
}

/// Returns true if a private key, certificate or CA certificate has been
/// configured.
#[no_mangle]
pub extern "C" fn stream_ssl_is_configured() -> bool {
    boundary("stream_ssl_is_configured", ssl::is_configured)
}

/// Sets the PEM file holding our private key.
#[no_mangle]
pub unsafe extern "C" fn stream_ssl_set_private_key_file(file_name: *const c_char) {
    // SAFETY: the caller passes a C string.
    unsafe {
        with_arg(
            "stream_ssl_set_private_key_file",
            file_name,
            ssl::set_private_key_file,
        )
    }
}

/// Sets the PEM file holding our certificate (optionally followed by
/// intermediate CA certificates).
#[no_mangle]
pub unsafe extern "C" fn stream_ssl_set_certificate_file(file_name: *const c_char) {
    // SAFETY: the caller passes a C string.
    unsafe {
        with_arg(
            "stream_ssl_set_certificate_file",
            file_name,
            ssl::set_certificate_file,
        )
    }
}

/// Sets the PEM file of CA certificates that peers' certificates must chain
/// to ("none" disables verification). With `bootstrap` and no such file, a
/// client trusts the first server's CA certificate and saves it there.
#[no_mangle]
pub unsafe extern "C" fn stream_ssl_set_ca_cert_file(file_name: *const c_char, bootstrap: bool) {
    // SAFETY: the caller passes a C string.
    unsafe {
        with_arg("stream_ssl_set_ca_cert_file", file_name, |f| {
            ssl::set_ca_cert_file(f, bootstrap)
        })
    }
}

/// Sets a PEM file of certificates (our CA's) to send to peers after our
/// own, so that they can bootstrap.
#[no_mangle]
pub unsafe extern "C" fn stream_ssl_set_peer_ca_cert_file(file_name: *const c_char) {
    // SAFETY: the caller passes a C string.
    unsafe {
        with_arg(
            "stream_ssl_set_peer_ca_cert_file",
            file_name,
            ssl::set_peer_ca_cert_file,
        )
    }
}

/// Sets the private key and certificate files together (both are re-read
/// when either changes, so a renewed pair never mismatches).
#[no_mangle]
pub unsafe extern "C" fn stream_ssl_set_key_and_cert(
    private_key_file: *const c_char,
    certificate_file: *const c_char,
) {
    boundary("stream_ssl_set_key_and_cert", || {
        // SAFETY: the caller passes C strings.
        let (key, cert) = unsafe { (c_str(private_key_file), c_str(certificate_file)) };
        match (key, cert) {
            (Some(key), Some(cert)) => drop(ssl::set_key_and_cert(&key, &cert)),
            _ => log::error!("stream_ssl_set_key_and_cert: null argument ignored"),
        }
    })
}

/// Selects the TLS versions, e.g. "TLSv1.2,TLSv1.3" or "TLSv1.2+".
#[no_mangle]
pub unsafe extern "C" fn stream_ssl_set_protocols(arg: *const c_char) {
    // SAFETY: the caller passes a C string.
    unsafe { with_arg("stream_ssl_set_protocols", arg, ssl::set_protocols) }
}

/// Selects the TLS 1.2 cipher suites with an OpenSSL cipher list, e.g.
/// "HIGH:!aNULL:!MD5" (OVS's default).
#[no_mangle]
pub unsafe extern "C" fn stream_ssl_set_ciphers(arg: *const c_char) {
    // SAFETY: the caller passes a C string.
    unsafe { with_arg("stream_ssl_set_ciphers", arg, ssl::set_ciphers) }
}

/// Selects the TLS 1.3 cipher suites, a ":"-separated list of IANA names.
#[no_mangle]
pub unsafe extern "C" fn stream_ssl_set_ciphersuites(arg: *const c_char) {
    // SAFETY: the caller passes a C string.
    unsafe { with_arg("stream_ssl_set_ciphersuites", arg, ssl::set_ciphersuites) }
}

/// Sets the server name clients send (SNI) instead of the host of
/// "ssl:HOST:PORT"; NULL goes back to that host.
#[no_mangle]
pub unsafe extern "C" fn stream_ssl_set_server_name(server_name: *const c_char) {
    boundary("stream_ssl_set_server_name", || {
        // SAFETY: the caller passes a C string or NULL.
        let name = unsafe { c_str(server_name) };
        ssl::set_server_name(name.as_deref());
    })
}
