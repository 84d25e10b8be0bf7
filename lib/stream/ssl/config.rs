//! TLS configuration: key, certificate, CA certificate, protocols and
//! ciphers, as OVS's `stream-ssl.h` sets them, and the rustls client and
//! server configurations built from them.
//!
//! The setters follow OVS's `stream_ssl_set_*`: a file is (re-)read only
//! when its name or its modification time changed since the last call, so
//! a long-running program may call them on every pass of its main loop;
//! a file that cannot be read is logged and the previous contents stay in
//! effect. In addition, every new connection (each `ssl:` open and each
//! `pssl:` accept) checks the modification times of all configured files
//! and re-reads those that changed, so that replaced certificates take
//! effect for the next connection without any call. Connections already
//! made keep the configuration they started with.

use std::fs;
use std::io::{self, Write as _};
use std::os::unix::fs::OpenOptionsExt;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

use rustls::client::Resumption;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::{NoServerSessionStorage, WebPkiClientVerifier};
use rustls::{ClientConfig, RootCertStore, ServerConfig, SupportedCipherSuite};

use super::ciphers::{self, Version};
use super::files::{
    load_certificates, load_private_key, load_roots, pem_certificate, sha256_fingerprint,
    ConfigFile,
};
use super::verify::ServerVerifier;
use super::x509;
use crate::stream::strerror;

pub(crate) fn errno(e: i32) -> io::Error {
    io::Error::from_raw_os_error(e)
}

/// Everything the setters configure, and the rustls configurations built
/// from it.
struct State {
    private_key: ConfigFile,
    key: Option<PrivateKeyDer<'static>>,
    certificate: ConfigFile,
    chain: Vec<CertificateDer<'static>>,
    ca_cert: ConfigFile,
    /// The `bootstrap` argument of the last `set_ca_cert_file`.
    ca_bootstrap_allowed: bool,
    roots: Option<Arc<RootCertStore>>,
    /// False once the CA file is `none`.
    verify_peer: bool,
    /// True while waiting to learn the CA certificate from a server.
    bootstrapping: bool,
    peer_ca_cert: ConfigFile,
    extra_chain: Vec<CertificateDer<'static>>,
    protocols: Option<(String, Result<(), i32>)>,
    versions: Vec<Version>,
    ciphers: Option<(String, Result<(), i32>)>,
    tls12_suites: Option<Vec<SupportedCipherSuite>>,
    ciphersuites: Option<(String, Result<(), i32>)>,
    tls13_suites: Option<Vec<SupportedCipherSuite>>,
    server_name: Option<String>,
    /// Bumped by every change that affects the rustls configurations.
    generation: u64,
    client_cache: Option<(u64, Arc<ClientConfig>)>,
    server_cache: Option<(u64, Arc<ServerConfig>)>,
}

impl State {
    const fn new() -> State {
        State {
            private_key: ConfigFile::new(),
            key: None,
            certificate: ConfigFile::new(),
            chain: Vec::new(),
            ca_cert: ConfigFile::new(),
            ca_bootstrap_allowed: false,
            roots: None,
            verify_peer: true,
            bootstrapping: false,
            peer_ca_cert: ConfigFile::new(),
            extra_chain: Vec::new(),
            protocols: None,
            versions: Vec::new(),
            ciphers: None,
            tls12_suites: None,
            ciphersuites: None,
            tls13_suites: None,
            server_name: None,
            generation: 0,
            client_cache: None,
            server_cache: None,
        }
    }

    fn changed(&mut self) {
        self.generation += 1;
    }

    fn read_private_key(&mut self, path: &str) {
        match load_private_key(path) {
            Ok(key) => {
                self.key = Some(key);
                self.private_key.result = Some(Ok(()));
                self.changed();
            }
            Err(e) => self.private_key.result = Some(Err(e)),
        }
    }

    fn read_certificate(&mut self, path: &str) {
        match load_certificates("SSL_use_certificate_file", path) {
            Ok(chain) => {
                // Beyond OVS: say so when peers will reject our certificate
                // for its dates (the connection attempts still go ahead).
                let now = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.as_secs());
                if let Some(problem) = x509::validity_problem(&chain[0], now) {
                    log::warn!("{path}: {problem}");
                }
                self.chain = chain;
                self.certificate.result = Some(Ok(()));
                self.changed();
            }
            Err(e) => self.certificate.result = Some(Err(e)),
        }
    }

    fn set_private_key_file(&mut self, path: &str) -> io::Result<()> {
        if self.private_key.update(path) {
            self.read_private_key(path);
        }
        self.private_key.status()
    }

    fn set_certificate_file(&mut self, path: &str) -> io::Result<()> {
        if self.certificate.update(path) {
            self.read_certificate(path);
        }
        self.certificate.status()
    }

    fn set_key_and_cert(&mut self, key: &str, cert: &str) -> io::Result<()> {
        let key_changed = self.private_key.update(key);
        let cert_changed = self.certificate.update(cert);
        if key_changed || cert_changed {
            self.read_certificate(cert);
            self.read_private_key(key);
        }
        self.private_key.status().and(self.certificate.status())
    }

    fn read_ca_cert(&mut self, path: &str, bootstrap: bool) {
        if path == "none" {
            self.verify_peer = false;
            self.bootstrapping = false;
            self.roots = None;
            self.ca_cert.result = Some(Ok(()));
            log::warn!("Peer certificate validation disabled (this is a security risk)");
        } else if bootstrap && !std::path::Path::new(path).exists() {
            // Not read yet: the first server we talk to provides it.
            self.verify_peer = true;
            self.bootstrapping = true;
            self.roots = None;
            self.ca_cert.result = Some(Ok(()));
        } else {
            match load_roots(path) {
                Ok(roots) => {
                    self.verify_peer = true;
                    self.bootstrapping = false;
                    self.roots = Some(Arc::new(roots));
                    self.ca_cert.result = Some(Ok(()));
                }
                Err(e) => self.ca_cert.result = Some(Err(e)),
            }
        }
        self.changed();
    }

    fn set_ca_cert_file(&mut self, path: &str, bootstrap: bool) -> io::Result<()> {
        self.ca_bootstrap_allowed = bootstrap;
        let was_bootstrapping = self.bootstrapping;
        if self.ca_cert.update(path) || (was_bootstrapping && !bootstrap) {
            self.read_ca_cert(path, bootstrap);
        }
        self.ca_cert.status()
    }

    fn set_peer_ca_cert_file(&mut self, path: &str) -> io::Result<()> {
        if self.peer_ca_cert.update(path) {
            match load_certificates("SSL_CTX_add_extra_chain_cert", path) {
                Ok(certs) => {
                    self.extra_chain = certs;
                    self.peer_ca_cert.result = Some(Ok(()));
                    self.changed();
                }
                Err(e) => self.peer_ca_cert.result = Some(Err(e)),
            }
        }
        self.peer_ca_cert.status()
    }

    /// Re-reads every configured file whose modification time changed.
    fn refresh(&mut self) {
        match (self.private_key.path.clone(), self.certificate.path.clone()) {
            (Some(key), Some(cert)) => {
                let _ = self.set_key_and_cert(&key, &cert);
            }
            (Some(key), None) => {
                let _ = self.set_private_key_file(&key);
            }
            (None, Some(cert)) => {
                let _ = self.set_certificate_file(&cert);
            }
            (None, None) => {}
        }
        if let Some(ca) = self.ca_cert.path.clone() {
            let bootstrap = self.ca_bootstrap_allowed;
            let _ = self.set_ca_cert_file(&ca, bootstrap);
        }
        if let Some(peer_ca) = self.peer_ca_cert.path.clone() {
            let _ = self.set_peer_ca_cert_file(&peer_ca);
        }
    }

    /// Checks that a key, a certificate and a CA certificate (or
    /// verification disabled, or bootstrap for a client) are configured,
    /// logging what is missing as OVS does. `ENOPROTOOPT` otherwise.
    fn check_needful(&self, server: bool) -> io::Result<()> {
        let mut ok = true;
        // What was read last time still counts if the file has since
        // become unreadable (logged when that was noticed), as in OVS.
        if self.key.is_none() {
            log::error!("Private key must be configured to use SSL");
            ok = false;
        }
        if self.chain.is_empty() {
            log::error!("Certificate must be configured to use SSL");
            ok = false;
        }
        let ca_ok = !self.verify_peer || self.roots.is_some() || (self.bootstrapping && !server);
        if !ca_ok {
            if self.bootstrapping {
                log::error!(
                    "CA certificate must be configured to use SSL (a server cannot bootstrap it)"
                );
            } else {
                log::error!("CA certificate must be configured to use SSL");
            }
            ok = false;
        }
        if ok {
            Ok(())
        } else {
            Err(errno(libc::ENOPROTOOPT))
        }
    }

    /// The crypto provider with the selected cipher suites, TLS 1.3 first.
    fn provider(&self) -> Arc<CryptoProvider> {
        let mut provider = rustls::crypto::ring::default_provider();
        let tls13 = self
            .tls13_suites
            .clone()
            .unwrap_or_else(ciphers::default_ciphersuites);
        let tls12 = self
            .tls12_suites
            .clone()
            .unwrap_or_else(ciphers::default_ciphers);
        provider.cipher_suites = tls13.into_iter().chain(tls12).collect();
        Arc::new(provider)
    }

    fn versions(&self) -> Vec<&'static rustls::SupportedProtocolVersion> {
        if self.versions.is_empty() {
            vec![&rustls::version::TLS12, &rustls::version::TLS13]
        } else {
            self.versions.iter().map(|v| v.rustls()).collect()
        }
    }

    fn full_chain(&self) -> Vec<CertificateDer<'static>> {
        self.chain
            .iter()
            .chain(self.extra_chain.iter())
            .cloned()
            .collect()
    }

    fn key(&self) -> io::Result<PrivateKeyDer<'static>> {
        self.key
            .as_ref()
            .map(|k| k.clone_key())
            .ok_or_else(|| errno(libc::ENOPROTOOPT))
    }

    fn client_config(&mut self) -> io::Result<Arc<ClientConfig>> {
        self.check_needful(false)?;
        if let Some((generation, config)) = &self.client_cache {
            if *generation == self.generation {
                return Ok(Arc::clone(config));
            }
        }
        let provider = self.provider();
        let algs = provider.signature_verification_algorithms;
        let roots = match (&self.roots, self.verify_peer && !self.bootstrapping) {
            (Some(roots), true) => Some(Arc::clone(roots)),
            _ => None,
        };
        let verifier: Arc<dyn rustls::client::danger::ServerCertVerifier> =
            Arc::new(ServerVerifier::new(roots, algs));
        let mut config = ClientConfig::builder_with_provider(provider)
            .with_protocol_versions(&self.versions())
            .map_err(config_error)?
            .dangerous()
            .with_custom_certificate_verifier(verifier)
            .with_client_auth_cert(self.full_chain(), self.key()?)
            .map_err(config_error)?;
        // OVS turns session caching off: every connection is verified in
        // full against the current CA certificate.
        config.resumption = Resumption::disabled();
        let config = Arc::new(config);
        self.client_cache = Some((self.generation, Arc::clone(&config)));
        Ok(config)
    }

    fn server_config(&mut self) -> io::Result<Arc<ServerConfig>> {
        self.check_needful(true)?;
        if let Some((generation, config)) = &self.server_cache {
            if *generation == self.generation {
                return Ok(Arc::clone(config));
            }
        }
        let provider = self.provider();
        let builder = ServerConfig::builder_with_provider(Arc::clone(&provider))
            .with_protocol_versions(&self.versions())
            .map_err(config_error)?;
        let builder = match (&self.roots, self.verify_peer) {
            (Some(roots), true) => {
                let verifier =
                    WebPkiClientVerifier::builder_with_provider(Arc::clone(roots), provider)
                        .build()
                        .map_err(|e| {
                            log::error!("SSL_CTX_set_client_CA_list: {e}");
                            errno(libc::ENOPROTOOPT)
                        })?;
                builder.with_client_cert_verifier(verifier)
            }
            _ => builder.with_no_client_auth(),
        };
        let mut config = builder
            .with_single_cert(self.full_chain(), self.key()?)
            .map_err(config_error)?;
        config.session_storage = Arc::new(NoServerSessionStorage {});
        config.send_tls13_tickets = 0;
        let config = Arc::new(config);
        self.server_cache = Some((self.generation, Arc::clone(&config)));
        Ok(config)
    }
}

/// Logs why rustls refused a configuration; `ENOPROTOOPT`.
fn config_error(e: rustls::Error) -> io::Error {
    match e {
        rustls::Error::InconsistentKeys(k) => {
            log::error!("Private key does not match certificate public key: {k:?}")
        }
        other => log::error!("SSL configuration rejected: {other}"),
    }
    errno(libc::ENOPROTOOPT)
}

/// A TLS configuration: what OVS keeps in its one `SSL_CTX`.
///
/// The process-wide one, [`SslConfig::global`], is what `ssl:` and `pssl:`
/// names opened through [`Stream::open`](crate::stream::Stream::open) and
/// [`PStream::open`](crate::stream::PStream::open) use, and what the free
/// functions of [`ssl`](crate::stream::ssl) (`set_private_key_file`, ...)
/// configure, like OVS's `stream_ssl_set_*`. A program that needs
/// different settings for different connections creates its own with
/// [`SslConfig::new`] and opens streams with [`SslConfig::open`] and
/// [`SslConfig::listen`].
///
/// A clone shares the configuration (it is a handle). Setters return
/// `Ok(())` when the setting is in effect, or the errno of the failure,
/// which is also logged (OVS's functions return nothing and only log).
#[derive(Clone)]
pub struct SslConfig {
    state: Arc<Mutex<State>>,
}

impl Default for SslConfig {
    fn default() -> Self {
        SslConfig::new()
    }
}

impl std::fmt::Debug for SslConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let st = self.lock();
        f.debug_struct("SslConfig")
            .field("private_key", &st.private_key.path)
            .field("certificate", &st.certificate.path)
            .field("ca_cert", &st.ca_cert.path)
            .field("peer_ca_cert", &st.peer_ca_cert.path)
            .field("bootstrapping", &st.bootstrapping)
            .finish()
    }
}

/// What a new client connection needs from the configuration.
pub(crate) struct ClientSetup {
    pub config: Arc<ClientConfig>,
    /// The connection bootstraps the CA certificate.
    pub bootstrap: bool,
    /// The SNI override, if any.
    pub server_name: Option<String>,
}

impl SslConfig {
    /// A new, empty configuration (nothing set; TLS 1.2 and 1.3; OVS's
    /// default ciphers).
    pub fn new() -> SslConfig {
        SslConfig {
            state: Arc::new(Mutex::new(State::new())),
        }
    }

    /// The process-wide configuration, used by `ssl:` and `pssl:` names.
    pub fn global() -> &'static SslConfig {
        static GLOBAL: OnceLock<SslConfig> = OnceLock::new();
        GLOBAL.get_or_init(SslConfig::new)
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock leaves consistent data behind.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Sets the PEM file holding our private key (PKCS#8, PKCS#1 RSA or
    /// SEC1 EC), read now and again whenever its modification time
    /// changes (`stream_ssl_set_private_key_file`).
    pub fn set_private_key_file(&self, path: &str) -> io::Result<()> {
        self.lock().set_private_key_file(path)
    }

    /// Sets the PEM file holding our certificate, optionally followed by
    /// intermediate CA certificates to send with it
    /// (`stream_ssl_set_certificate_file`).
    pub fn set_certificate_file(&self, path: &str) -> io::Result<()> {
        self.lock().set_certificate_file(path)
    }

    /// Sets both the private key and the certificate files, re-reading both
    /// whenever either changes, so that a key and certificate replaced
    /// together never mismatch (`stream_ssl_set_key_and_cert`). Prefer
    /// this in a program whose certificate may be renewed while it runs.
    pub fn set_key_and_cert(&self, private_key: &str, certificate: &str) -> io::Result<()> {
        self.lock().set_key_and_cert(private_key, certificate)
    }

    /// Sets the PEM file of CA certificates that the peer's certificate
    /// must chain to, in both directions (`stream_ssl_set_ca_cert_file`).
    ///
    /// `none` disables peer verification (a security risk; logged). With
    /// `bootstrap` true and no such file, a client accepts the first
    /// server it talks to, saves the self-signed CA certificate at the top
    /// of the chain that server sends (see
    /// [`set_peer_ca_cert_file`](SslConfig::set_peer_ca_cert_file)) to
    /// `path`, and drops that connection with `EPROTO` so that the next
    /// one is verified against it, as OVS does. A server cannot bootstrap.
    pub fn set_ca_cert_file(&self, path: &str, bootstrap: bool) -> io::Result<()> {
        self.lock().set_ca_cert_file(path, bootstrap)
    }

    /// Sets a PEM file of certificates (typically our CA certificate) to
    /// send to the peer after our own, so that it can bootstrap its CA
    /// certificate (`stream_ssl_set_peer_ca_cert_file`).
    pub fn set_peer_ca_cert_file(&self, path: &str) -> io::Result<()> {
        self.lock().set_peer_ca_cert_file(path)
    }

    /// Selects the TLS versions, for example `"TLSv1.2,TLSv1.3"`,
    /// `"TLSv1.3"` or `"TLSv1.2+"` (`stream_ssl_set_protocols`). See the
    /// `ciphers` module documentation for the syntax; `EINVAL` (logged)
    /// for a list that enables nothing, which changes nothing.
    pub fn set_protocols(&self, protocols: &str) -> io::Result<()> {
        let mut st = self.lock();
        if let Some((old, result)) = &st.protocols {
            if old == protocols {
                return result.map_err(errno);
            }
        }
        let (parsed, warnings) = ciphers::parse_protocols(protocols);
        for w in warnings {
            log::warn!("{w}");
        }
        let result = match parsed {
            Ok(versions) => {
                st.versions = versions;
                st.changed();
                Ok(())
            }
            Err(msg) => {
                log::error!("{msg}");
                Err(libc::EINVAL)
            }
        };
        st.protocols = Some((protocols.to_string(), result));
        result.map_err(errno)
    }

    /// Selects the TLS 1.2 cipher suites with an OpenSSL cipher list such
    /// as OVS's default `"HIGH:!aNULL:!MD5"` (`stream_ssl_set_ciphers`).
    /// `EINVAL` (logged) for a list matching nothing, which changes
    /// nothing.
    pub fn set_ciphers(&self, ciphers: &str) -> io::Result<()> {
        let mut st = self.lock();
        if let Some((old, result)) = &st.ciphers {
            if old == ciphers {
                return result.map_err(errno);
            }
        }
        let result = match ciphers::parse_ciphers(ciphers) {
            Ok(suites) => {
                st.tls12_suites = Some(suites);
                st.changed();
                Ok(())
            }
            Err(msg) => {
                log::error!("SSL_CTX_set_cipher_list: {msg}");
                Err(libc::EINVAL)
            }
        };
        st.ciphers = Some((ciphers.to_string(), result));
        result.map_err(errno)
    }

    /// Selects the TLS 1.3 cipher suites, a `:`-separated list of IANA
    /// names such as `"TLS_AES_256_GCM_SHA384:TLS_AES_128_GCM_SHA256"`
    /// (`stream_ssl_set_ciphersuites`, OVS 3.2 and later).
    pub fn set_ciphersuites(&self, suites: &str) -> io::Result<()> {
        let mut st = self.lock();
        if let Some((old, result)) = &st.ciphersuites {
            if old == suites {
                return result.map_err(errno);
            }
        }
        let result = match ciphers::parse_ciphersuites(suites) {
            Ok(list) => {
                st.tls13_suites = Some(list);
                st.changed();
                Ok(())
            }
            Err(msg) => {
                log::error!("SSL_CTX_set_ciphersuites: {msg}");
                Err(libc::EINVAL)
            }
        };
        st.ciphersuites = Some((suites.to_string(), result));
        result.map_err(errno)
    }

    /// Sets the server name that clients send (SNI) in place of the host in
    /// `ssl:HOST:PORT`; `None` goes back to that host (none is sent for an
    /// IP address) (`stream_ssl_set_server_name`, OVS 3.3 and later). The
    /// server's certificate is still not checked against any name.
    pub fn set_server_name(&self, server_name: Option<&str>) {
        self.lock().server_name = server_name.map(str::to_string);
    }

    /// Whether a private key, certificate or CA certificate has been set,
    /// even if it could not be read (`stream_ssl_is_configured`).
    pub fn is_configured(&self) -> bool {
        let st = self.lock();
        st.private_key.path.is_some() || st.certificate.path.is_some() || st.ca_cert.path.is_some()
    }

    /// Re-reads changed files and returns what a new client connection
    /// needs, or `ENOPROTOOPT` (logged) if the configuration is unusable.
    pub(crate) fn client_setup(&self) -> io::Result<ClientSetup> {
        let mut st = self.lock();
        st.refresh();
        let config = st.client_config()?;
        Ok(ClientSetup {
            config,
            bootstrap: st.bootstrapping,
            server_name: st.server_name.clone(),
        })
    }

    /// Re-reads changed files and returns the configuration for a newly
    /// accepted connection, or `ENOPROTOOPT` (logged).
    pub(crate) fn server_setup(&self) -> io::Result<Arc<ServerConfig>> {
        let mut st = self.lock();
        st.refresh();
        st.server_config()
    }

    /// Completes CA certificate bootstrap with the chain a server sent
    /// (OVS's `do_ca_cert_bootstrap`). Always fails the connection that
    /// brought the chain: `EPROTO` once the CA certificate is saved (the
    /// next connection is verified against it), or the reason it could
    /// not be saved.
    pub(crate) fn bootstrap_ca_cert(&self, chain: &[CertificateDer<'_>]) -> io::Error {
        let mut st = self.lock();
        if !st.bootstrapping {
            log::info!("rejecting SSL connection during bootstrap race window");
            return errno(libc::EPROTO);
        }
        let Some(path) = st.ca_cert.path.clone() else {
            return errno(libc::EPROTO);
        };
        let Some(ca) = chain.last() else {
            log::error!("could not bootstrap CA cert: no certificate presented by peer");
            return errno(libc::EPROTO);
        };
        if !x509::is_self_issued(ca) {
            log::error!("could not bootstrap CA cert: obtained certificate is not self-signed");
            if chain.len() < 2 {
                log::error!(
                    "only one certificate was received, so probably the peer is not configured \
                     to send its CA certificate"
                );
            }
            return errno(libc::EPROTO);
        }
        let file = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o444)
            .open(&path);
        let mut file = match file {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                log::info!("reading CA cert {path} created by another process");
                st.ca_cert.mtime = None;
                st.ca_cert.update(&path);
                st.read_ca_cert(&path, false);
                return errno(libc::EPROTO);
            }
            Err(e) => {
                log::error!(
                    "could not bootstrap CA cert: creating {path} failed: {}",
                    strerror(&e)
                );
                return e;
            }
        };
        if let Err(e) = file
            .write_all(pem_certificate(ca).as_bytes())
            .and_then(|()| file.sync_all())
        {
            log::error!(
                "could not bootstrap CA cert: writing {path} failed: {}",
                strerror(&e)
            );
            let _ = fs::remove_file(&path);
            return e;
        }
        drop(file);
        log::info!("successfully bootstrapped CA cert to {path}");
        log::info!(
            "Trusting CA cert from {path} ({}) (SHA-256 fingerprint {})",
            x509::subject_oneline(ca),
            sha256_fingerprint(ca)
        );
        st.ca_cert.update(&path);
        st.read_ca_cert(&path, false);
        log::info!("killing successful connection to retry using CA cert");
        errno(libc::EPROTO)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_configured_is_refused() {
        let c = SslConfig::new();
        assert!(!c.is_configured());
        let e = c.client_setup().err().unwrap();
        assert_eq!(e.raw_os_error(), Some(libc::ENOPROTOOPT));
        assert!(c.set_private_key_file("/nonexistent/key.pem").is_err());
        assert!(c.is_configured());
        // Unchanged name and (missing) file: the same answer, no re-read.
        let e = c.set_private_key_file("/nonexistent/key.pem").unwrap_err();
        assert_eq!(e.raw_os_error(), Some(libc::ENOENT));
    }

    #[test]
    fn protocol_and_cipher_settings() {
        let c = SslConfig::new();
        assert!(c.set_protocols("TLSv1.2").is_ok());
        assert!(c.set_protocols("TLSv1.1").is_err());
        assert_eq!(c.lock().versions, vec![Version::Tls12]);
        assert!(c.set_ciphers("RC4").is_err());
        assert!(c.set_ciphers("HIGH:!aNULL:!MD5").is_ok());
        assert!(c.set_ciphersuites("TLS_AES_128_GCM_SHA256").is_ok());
        assert!(c.set_ciphersuites("bogus").is_err());
        assert_eq!(c.lock().tls13_suites.as_ref().map(Vec::len), Some(1));
    }
}
