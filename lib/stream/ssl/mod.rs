//! TLS: `ssl:HOST:PORT` (active) and `pssl:PORT[:IP]` (passive), built on
//! rustls with the ring crypto provider (OVS's `stream-ssl.c`).
//!
//! Names take the same forms as `tcp:` and `ptcp:` (IPv4, `[IPv6]`, host
//! names resolved without blocking); a name without a port gets 6653, as
//! in OVS, and the JSON-RPC layer fills in 6640 through
//! [`Stream::open_with_default_port`]. The listener is named
//! `pssl:PORT:IP` after the address actually bound, and accepted
//! connections `ssl:IP:PORT` after their peer.
//!
//! # Configuration
//!
//! As in OVS, every TLS connection needs a private key, a certificate and
//! a CA certificate, set process-wide with the functions of this module,
//! which mirror OVS's `stream-ssl.h` one for one:
//!
//! | OVS C function                        | here                          |
//! |---------------------------------------|-------------------------------|
//! | `stream_ssl_set_private_key_file`     | [`set_private_key_file`]      |
//! | `stream_ssl_set_certificate_file`     | [`set_certificate_file`]      |
//! | `stream_ssl_set_key_and_cert`         | [`set_key_and_cert`]          |
//! | `stream_ssl_set_ca_cert_file`         | [`set_ca_cert_file`]          |
//! | `stream_ssl_set_peer_ca_cert_file`    | [`set_peer_ca_cert_file`]     |
//! | `stream_ssl_set_protocols`            | [`set_protocols`]             |
//! | `stream_ssl_set_ciphers`              | [`set_ciphers`]               |
//! | `stream_ssl_set_ciphersuites`         | [`set_ciphersuites`]          |
//! | `stream_ssl_set_server_name`          | [`set_server_name`]           |
//! | `stream_ssl_is_configured`            | [`is_configured`]             |
//!
//! or per connection with an [`SslConfig`] of its own. Files are re-read
//! when they change on disk (checked on every new connection, and on every
//! setter call). Both sides must present a certificate that chains to the
//! other's CA certificate; host names are not checked (see the `verify`
//! module). The peer certificate's common name is the stream's
//! [`peer_id`](Stream::peer_id) (what `jsonrpc_session_get_id` reports).
//! TLS 1.2 and 1.3 are enabled by default; session resumption is off, as
//! in OVS.
//!
//! # Behaviour
//!
//! Opening starts the TCP connection; [`Stream::connect`] then returns
//! `EAGAIN` until both the TCP connection and the TLS handshake are done,
//! and `wait(Connect)` waits on the socket for whichever direction rustls
//! needs. A failed handshake returns `EPROTO` and logs one line saying
//! why (unknown CA, expired or not-yet-valid certificate, no client
//! certificate, an alert from the peer, ...), prefixed with the stream's
//! name and OVS's `SSL_connect:` / `SSL_accept:`; when the peer's first
//! bytes show it is not speaking TLS, OVS's `received JSON-RPC data on SSL
//! channel` line follows. A listener is never affected by the failure of
//! one of its connections.
//!
//! Sends are accepted whole (up to 64 kB at a time) once the previous
//! ones have been written to the socket, as OVS's single transmit buffer
//! does; [`Stream::run`] flushes what remains. A peer's `close_notify`
//! is end of file (`Ok(0)`); a connection that ends without one
//! (truncation) is logged as `unexpected SSL connection close` and
//! returns `EPROTO`, as OVS with OpenSSL does, since the data may have
//! been cut short. Dropping a stream sends `close_notify` if it can do so
//! without blocking.

mod ciphers;
mod config;
mod files;
mod verify;
mod x509;

use rustls::pki_types::ServerName;
use rustls::{ClientConnection, Connection, ServerConnection};
use std::io::{self, IoSlice, Read, Write};
use std::os::unix::io::RawFd;

pub use config::SslConfig;

use super::names::{active_with_default_port, inet_parse_active, InetTarget};
use super::{
    strerror, sys, PStream, PStreamClass, PStreamProvider, Stream, StreamClass, StreamProvider,
    StreamWait,
};
use crate::poll_loop;
use crate::vlog::RateLimit;

/// Rate limit for TLS errors: "who knows what can trigger various SSL
/// errors", so OVS throttles them to 10 a minute, bursts of 25.
static RL: RateLimit = RateLimit::new(10, 25);

/// Rate limit for `received ... data on SSL channel` (OVS's
/// `stream_report_content`: 5 a minute, bursts of 5).
static REPORT_RL: RateLimit = RateLimit::new(5, 5);

/// The port an `ssl:` or `pssl:` name without one gets (OVS's `OFP_PORT`).
pub const DEFAULT_SSL_PORT: u16 = 6653;

/// How much plaintext one `send` accepts, and rustls buffers, at most.
const SEND_LIMIT: usize = 64 * 1024;

/// How much ciphertext one read from the socket takes.
const RECV_CHUNK: usize = 64 * 1024;

/// The `ssl` active stream provider.
pub(crate) static SSL_STREAM_PROVIDER: StreamProvider = StreamProvider {
    name: "ssl",
    needs_probes: true,
    open: ssl_open,
};

/// The `pssl` passive stream provider.
pub(crate) static PSSL_PSTREAM_PROVIDER: PStreamProvider = PStreamProvider {
    name: "pssl",
    needs_probes: true,
    listen: pssl_open,
};

/// `stream_ssl_set_private_key_file`: see [`SslConfig::set_private_key_file`].
pub fn set_private_key_file(path: &str) -> io::Result<()> {
    SslConfig::global().set_private_key_file(path)
}

/// `stream_ssl_set_certificate_file`: see [`SslConfig::set_certificate_file`].
pub fn set_certificate_file(path: &str) -> io::Result<()> {
    SslConfig::global().set_certificate_file(path)
}

/// `stream_ssl_set_key_and_cert`: see [`SslConfig::set_key_and_cert`].
pub fn set_key_and_cert(private_key: &str, certificate: &str) -> io::Result<()> {
    SslConfig::global().set_key_and_cert(private_key, certificate)
}

/// `stream_ssl_set_ca_cert_file`: see [`SslConfig::set_ca_cert_file`].
pub fn set_ca_cert_file(path: &str, bootstrap: bool) -> io::Result<()> {
    SslConfig::global().set_ca_cert_file(path, bootstrap)
}

/// `stream_ssl_set_peer_ca_cert_file`: see [`SslConfig::set_peer_ca_cert_file`].
pub fn set_peer_ca_cert_file(path: &str) -> io::Result<()> {
    SslConfig::global().set_peer_ca_cert_file(path)
}

/// `stream_ssl_set_protocols`: see [`SslConfig::set_protocols`].
pub fn set_protocols(protocols: &str) -> io::Result<()> {
    SslConfig::global().set_protocols(protocols)
}

/// `stream_ssl_set_ciphers`: see [`SslConfig::set_ciphers`].
pub fn set_ciphers(ciphers: &str) -> io::Result<()> {
    SslConfig::global().set_ciphers(ciphers)
}

/// `stream_ssl_set_ciphersuites`: see [`SslConfig::set_ciphersuites`].
pub fn set_ciphersuites(suites: &str) -> io::Result<()> {
    SslConfig::global().set_ciphersuites(suites)
}

/// `stream_ssl_set_server_name`: see [`SslConfig::set_server_name`].
pub fn set_server_name(server_name: Option<&str>) {
    SslConfig::global().set_server_name(server_name)
}

/// `stream_ssl_is_configured`: see [`SslConfig::is_configured`].
pub fn is_configured() -> bool {
    SslConfig::global().is_configured()
}

impl SslConfig {
    /// Starts connecting to `name` (`ssl:HOST[:PORT]`) with this
    /// configuration; otherwise exactly [`Stream::open`].
    ///
    /// Errors: `EAFNOSUPPORT` for a name that is not `ssl:`, `EINVAL` for
    /// a malformed one, `ENOPROTOOPT` if the configuration lacks a key,
    /// certificate or CA certificate (all logged), or the failure of the
    /// TCP connection attempt.
    pub fn open(&self, name: &str, dscp: u8) -> io::Result<Stream> {
        match name.strip_prefix("ssl:") {
            Some(suffix) => open_with(self, name, suffix, dscp),
            None => {
                log::error!("{name}: not an ssl: stream name");
                Err(io::Error::from_raw_os_error(libc::EAFNOSUPPORT))
            }
        }
    }

    /// Starts listening on `name` (`pssl:[PORT][:IP]`) with this
    /// configuration; otherwise exactly [`PStream::open`].
    pub fn listen(&self, name: &str, dscp: u8) -> io::Result<PStream> {
        match name.strip_prefix("pssl:") {
            Some(suffix) => listen_with(self, suffix, dscp),
            None => {
                log::error!("{name}: not a pssl: stream name");
                Err(io::Error::from_raw_os_error(libc::EAFNOSUPPORT))
            }
        }
    }
}

fn ssl_open(name: &str, suffix: &str, dscp: u8) -> io::Result<Stream> {
    open_with(SslConfig::global(), name, suffix, dscp)
}

fn pssl_open(_name: &str, suffix: &str, dscp: u8) -> io::Result<PStream> {
    listen_with(SslConfig::global(), suffix, dscp)
}

/// The name a client sends as SNI: the override, else the host of the
/// stream name if it is a host name (none for an IP address).
fn server_name_for(target: &InetTarget, sni: Option<&str>) -> ServerName<'static> {
    let fallback = match target {
        InetTarget::Addr(a) => ServerName::IpAddress(a.ip().into()),
        InetTarget::Host { name, .. } => ServerName::try_from(name.clone())
            .unwrap_or_else(|_| ServerName::IpAddress(std::net::Ipv4Addr::UNSPECIFIED.into())),
    };
    match sni {
        Some(sni) => match ServerName::try_from(sni.to_string()) {
            Ok(name) => name,
            Err(_) => {
                log::warn!("{sni}: server name is not a valid DNS name, not sending it");
                fallback
            }
        },
        None => fallback,
    }
}

fn open_with(config: &SslConfig, name: &str, suffix: &str, dscp: u8) -> io::Result<Stream> {
    // The TCP part, with OVS's default port for ssl: names.
    let tcp_name = active_with_default_port(&format!("tcp:{suffix}"), DEFAULT_SSL_PORT);
    let tcp_suffix = &tcp_name["tcp:".len()..];
    let target = inet_parse_active(tcp_suffix, None)?;
    let setup = config.client_setup()?;
    let server_name = server_name_for(&target, setup.server_name.as_deref());
    let conn = ClientConnection::new(setup.config, server_name).map_err(|e| {
        log::error!("{name}: SSL_new: {e}");
        io::Error::from_raw_os_error(libc::ENOPROTOOPT)
    })?;
    let tcp = (super::tcp::TCP_STREAM_PROVIDER.open)(name, tcp_suffix, dscp)?;
    let bootstrap = setup.bootstrap.then(|| config.clone());
    let stream = SslStream::new(name, tcp, Connection::Client(conn), bootstrap);
    Ok(Stream::from_class(
        name,
        Box::new(stream),
        Err(sys::again()),
    ))
}

fn listen_with(config: &SslConfig, suffix: &str, dscp: u8) -> io::Result<PStream> {
    let tcp_name =
        super::names::passive_with_default_port(&format!("ptcp:{suffix}"), DEFAULT_SSL_PORT);
    let tcp =
        (super::tcp::PTCP_PSTREAM_PROVIDER.listen)(&tcp_name, &tcp_name["ptcp:".len()..], dscp)?;
    let name = match tcp.name().strip_prefix("ptcp:") {
        Some(bound) => format!("pssl:{bound}"),
        None => format!("pssl:{suffix}"),
    };
    let listener = PSslStream {
        tcp,
        config: config.clone(),
    };
    Ok(PStream::from_class(&name, Box::new(listener)))
}

/// A `pssl:` listener: a `ptcp:` listener whose connections start a TLS
/// handshake as servers.
struct PSslStream {
    tcp: PStream,
    config: SslConfig,
}

impl PStreamClass for PSslStream {
    fn accept(&mut self) -> io::Result<Stream> {
        let tcp = self.tcp.accept()?;
        let name = match tcp.name().strip_prefix("tcp:") {
            Some(peer) => format!("ssl:{peer}"),
            None => "ssl".to_string(),
        };
        let config = self.config.server_setup()?;
        let conn = ServerConnection::new(config).map_err(|e| {
            log::error!("{name}: SSL_new: {e}");
            io::Error::from_raw_os_error(libc::ENOPROTOOPT)
        })?;
        let stream = SslStream::new(&name, tcp, Connection::Server(conn), None);
        Ok(Stream::from_class(
            &name,
            Box::new(stream),
            Err(sys::again()),
        ))
    }

    fn wait(&self) {
        self.tcp.wait();
    }

    fn set_dscp(&mut self, dscp: u8) -> io::Result<()> {
        self.tcp.set_dscp(dscp)
    }

    fn bound_port(&self) -> Option<u16> {
        self.tcp.bound_port()
    }

    fn as_raw_fd(&self) -> Option<RawFd> {
        self.tcp.as_raw_fd()
    }
}

/// Where an `ssl:` stream is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    /// Waiting for the TCP connection.
    TcpConnecting,
    /// Exchanging handshake messages.
    Handshaking,
    /// Handshake done: application data flows.
    Open,
    /// A fatal error (errno) ended the connection.
    Failed(i32),
}

/// The ciphertext read from the socket but not yet handed to rustls, and
/// the first bytes the peer ever sent (to guess what it speaks when the
/// handshake fails).
struct RecvBuffer {
    buf: Vec<u8>,
    start: usize,
    head: [u8; 2],
    n_head: usize,
}

impl RecvBuffer {
    fn is_empty(&self) -> bool {
        self.start == self.buf.len()
    }
}

/// The TCP stream as rustls sees it: reads go through [`RecvBuffer`],
/// writes straight to the socket (vectored).
struct Transport<'a> {
    tcp: &'a mut Stream,
    rx: &'a mut RecvBuffer,
}

impl Read for Transport<'_> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let rx = &mut *self.rx;
        if rx.is_empty() {
            rx.buf.resize(RECV_CHUNK, 0);
            rx.start = 0;
            match self.tcp.recv(&mut rx.buf) {
                Ok(n) => rx.buf.truncate(n),
                Err(e) => {
                    rx.buf.clear();
                    return Err(e);
                }
            }
            while rx.n_head < rx.head.len() && rx.n_head < rx.buf.len() {
                rx.head[rx.n_head] = rx.buf[rx.n_head];
                rx.n_head += 1;
            }
            if rx.buf.is_empty() {
                return Ok(0);
            }
        }
        let n = out.len().min(rx.buf.len() - rx.start);
        out[..n].copy_from_slice(&rx.buf[rx.start..rx.start + n]);
        rx.start += n;
        Ok(n)
    }
}

impl Write for Transport<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.tcp.send(buf)
    }

    fn write_vectored(&mut self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        self.tcp.send_vectored(bufs)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// An `ssl:` connection: TLS (rustls) over a `tcp:` stream.
struct SslStream {
    name: String,
    tcp: Stream,
    conn: Connection,
    phase: Phase,
    rx: RecvBuffer,
    /// Plaintext (or an end of stream) is ready for `recv` without
    /// touching the socket.
    readable: bool,
    /// The TCP connection reached end of file.
    tcp_eof: bool,
    peer_id: Option<String>,
    /// The configuration to complete CA bootstrap into, for a client
    /// opened while bootstrapping.
    bootstrap: Option<SslConfig>,
}

impl SslStream {
    fn new(name: &str, tcp: Stream, mut conn: Connection, bootstrap: Option<SslConfig>) -> Self {
        conn.set_buffer_limit(Some(SEND_LIMIT));
        SslStream {
            name: name.to_string(),
            tcp,
            conn,
            phase: Phase::TcpConnecting,
            rx: RecvBuffer {
                buf: Vec::new(),
                start: 0,
                head: [0; 2],
                n_head: 0,
            },
            readable: false,
            tcp_eof: false,
            peer_id: None,
            bootstrap,
        }
    }

    /// OVS's name for the handshake call, for log lines.
    fn handshake_fn(&self) -> &'static str {
        match self.conn {
            Connection::Client(_) => "SSL_connect",
            Connection::Server(_) => "SSL_accept",
        }
    }

    fn transport(&mut self) -> (&mut Connection, Transport<'_>) {
        (
            &mut self.conn,
            Transport {
                tcp: &mut self.tcp,
                rx: &mut self.rx,
            },
        )
    }

    fn read_tls(&mut self) -> io::Result<usize> {
        let (conn, mut t) = self.transport();
        let n = conn.read_tls(&mut t)?;
        if n == 0 {
            self.tcp_eof = true;
        }
        Ok(n)
    }

    /// Writes buffered TLS records to the socket until done or it would
    /// block. Errors other than `EAGAIN` are returned (and are fatal).
    fn flush(&mut self) -> io::Result<()> {
        while self.conn.wants_write() {
            let (conn, mut t) = self.transport();
            match conn.write_tls(&mut t) {
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(()),
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    /// Ends the connection after the TLS error `e`: logs `what: why` (and
    /// what the peer seems to speak instead), sends our alert if the
    /// socket takes it, and returns `EPROTO`.
    fn tls_failure(&mut self, what: &str, e: &rustls::Error) -> io::Error {
        crate::warn_rl!(RL, "{}: {what}: {}", self.name, verify::describe(e));
        if verify::is_not_tls(e) || self.phase == Phase::Handshaking {
            self.report_content();
        }
        let _ = self.flush();
        self.fail(libc::EPROTO)
    }

    /// OVS's `stream_report_content`: names what the peer sent if it is
    /// recognisably not TLS.
    fn report_content(&self) {
        if let Some(kind) = crate::stream::guess_content(&self.rx.head[..self.rx.n_head]) {
            if kind != "SSL" {
                crate::warn_rl!(
                    REPORT_RL,
                    "{}: received {kind} data on SSL channel",
                    self.name
                );
            }
        }
    }

    fn fail(&mut self, errno: i32) -> io::Error {
        self.phase = Phase::Failed(errno);
        io::Error::from_raw_os_error(errno)
    }

    /// Records whether plaintext or an end of stream is waiting.
    fn update_readable(&mut self) {
        self.readable = match self.conn.process_new_packets() {
            Ok(state) => state.plaintext_bytes_to_read() > 0 || state.peer_has_closed(),
            Err(_) => true,
        } || self.tcp_eof
            || !self.rx.is_empty();
    }

    /// Drives the handshake as far as the socket allows.
    fn handshake(&mut self) -> io::Result<()> {
        loop {
            if let Err(e) = self.flush() {
                return Err(self.io_failure_in_handshake(&e));
            }
            if !self.conn.is_handshaking() {
                if self.conn.wants_write() {
                    return Err(sys::again());
                }
                return self.handshake_done();
            }
            if self.conn.wants_write() {
                return Err(sys::again());
            }
            match self.read_tls() {
                Ok(0) => {
                    let what = self.handshake_fn();
                    let hint = match self.conn {
                        Connection::Client(_) => {
                            "; is it listening for plain tcp rather than pssl?"
                        }
                        Connection::Server(_) => "",
                    };
                    crate::warn_rl!(
                        RL,
                        "{}: {what}: unexpected SSL connection close: the peer closed the \
                         connection during the handshake{hint}",
                        self.name
                    );
                    self.report_content();
                    return Err(self.fail(libc::EPROTO));
                }
                Ok(_) => {
                    if let Err(e) = self.conn.process_new_packets() {
                        let what = self.handshake_fn();
                        return Err(self.tls_failure(what, &e));
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Err(e),
                Err(e) => return Err(self.io_failure_in_handshake(&e)),
            }
        }
    }

    fn io_failure_in_handshake(&mut self, e: &io::Error) -> io::Error {
        let hint = match (self.conn.is_handshaking(), &self.conn) {
            (true, Connection::Client(_)) => {
                " during the handshake; is the peer listening for plain tcp rather than pssl?"
            }
            (true, Connection::Server(_)) => " during the handshake",
            _ => "",
        };
        crate::warn_rl!(
            RL,
            "{}: {}: system error ({}){hint}",
            self.name,
            self.handshake_fn(),
            strerror(e)
        );
        self.report_content();
        self.fail(libc::EPROTO)
    }

    fn handshake_done(&mut self) -> io::Result<()> {
        let certs = self.conn.peer_certificates().unwrap_or(&[]);
        if let Some(config) = self.bootstrap.take() {
            let certs = certs.to_vec();
            let e = config.bootstrap_ca_cert(&certs);
            let errno = e.raw_os_error().unwrap_or(libc::EPROTO);
            return Err(self.fail(errno));
        }
        self.peer_id = certs.first().and_then(|c| x509::common_name(c));
        log::debug!(
            "{}: {} handshake complete ({:?}, {:?}), peer {}",
            self.name,
            self.handshake_fn(),
            self.conn.protocol_version(),
            self.conn.negotiated_cipher_suite().map(|s| s.suite()),
            self.peer_id.as_deref().unwrap_or("without a common name")
        );
        self.phase = Phase::Open;
        self.update_readable();
        Ok(())
    }
}

impl StreamClass for SslStream {
    fn connect(&mut self) -> io::Result<()> {
        loop {
            match self.phase {
                Phase::TcpConnecting => {
                    self.tcp.connect()?;
                    self.phase = Phase::Handshaking;
                }
                Phase::Handshaking => return self.handshake(),
                Phase::Open => return Ok(()),
                Phase::Failed(errno) => return Err(io::Error::from_raw_os_error(errno)),
            }
        }
    }

    fn recv(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if let Phase::Failed(errno) = self.phase {
            return Err(io::Error::from_raw_os_error(errno));
        }
        loop {
            match self.conn.reader().read(buf) {
                Ok(n) => {
                    self.update_readable();
                    return Ok(n);
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => {
                    crate::warn_rl!(
                        RL,
                        "{}: SSL_read: unexpected SSL connection close (the peer closed the \
                         connection without a TLS close_notify; data may be missing)",
                        self.name
                    );
                    return Err(self.fail(libc::EPROTO));
                }
                Err(e) => return Err(e),
            }
            match self.read_tls() {
                Ok(_) => {
                    if let Err(e) = self.conn.process_new_packets() {
                        return Err(self.tls_failure("SSL_read", &e));
                    }
                    // The peer may want an answer (a key update, say).
                    if let Err(e) = self.flush() {
                        crate::debug_rl!(RL, "{}: SSL_read: {}", self.name, strerror(&e));
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    self.readable = false;
                    return Err(e);
                }
                Err(e) => {
                    crate::warn_rl!(
                        RL,
                        "{}: SSL_read: system error ({})",
                        self.name,
                        strerror(&e)
                    );
                    let errno = e.raw_os_error().unwrap_or(libc::EIO);
                    return Err(self.fail(errno));
                }
            }
        }
    }

    fn send(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.send_vectored(&[IoSlice::new(buf)])
    }

    fn send_vectored(&mut self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        if let Phase::Failed(errno) = self.phase {
            return Err(io::Error::from_raw_os_error(errno));
        }
        self.flush().map_err(|e| self.write_failure(&e))?;
        if self.conn.wants_write() {
            return Err(sys::again());
        }
        let n = self.conn.writer().write_vectored(bufs)?;
        if n == 0 {
            return Err(sys::again());
        }
        self.flush().map_err(|e| self.write_failure(&e))?;
        Ok(n)
    }

    fn run(&mut self) {
        if self.phase == Phase::Open {
            if let Err(e) = self.flush() {
                self.write_failure(&e);
            }
        }
    }

    fn run_wait(&self) {
        if self.phase == Phase::Open && self.conn.wants_write() {
            self.tcp.wait(StreamWait::Send);
        }
    }

    fn wait(&self, wait: StreamWait) {
        match (self.phase, wait) {
            (Phase::Failed(_), _) => poll_loop::immediate_wake(),
            (Phase::TcpConnecting, _) => self.tcp.wait(StreamWait::Connect),
            (Phase::Handshaking, _) => {
                if self.conn.wants_write() {
                    self.tcp.wait(StreamWait::Send);
                } else {
                    self.tcp.wait(StreamWait::Recv);
                }
            }
            (Phase::Open, StreamWait::Connect) => poll_loop::immediate_wake(),
            (Phase::Open, StreamWait::Recv) => {
                if self.readable {
                    poll_loop::immediate_wake();
                } else {
                    self.tcp.wait(StreamWait::Recv);
                }
            }
            (Phase::Open, StreamWait::Send) => {
                if self.conn.wants_write() {
                    self.tcp.wait(StreamWait::Send);
                } else {
                    poll_loop::immediate_wake();
                }
            }
        }
    }

    fn set_dscp(&mut self, dscp: u8) -> io::Result<()> {
        self.tcp.set_dscp(dscp)
    }

    fn peer_id(&self) -> Option<&str> {
        self.peer_id.as_deref()
    }

    fn as_raw_fd(&self) -> Option<RawFd> {
        self.tcp.as_raw_fd()
    }
}

impl SslStream {
    fn write_failure(&mut self, e: &io::Error) -> io::Error {
        crate::warn_rl!(
            RL,
            "{}: SSL_write: system error ({})",
            self.name,
            strerror(e)
        );
        let errno = e.raw_os_error().unwrap_or(libc::EIO);
        self.fail(errno)
    }
}

impl Drop for SslStream {
    fn drop(&mut self) {
        // A clean shutdown if the socket takes it now, as OVS's SSL_shutdown
        // attempt; there is no way to finish it later.
        if self.phase == Phase::Open {
            self.conn.send_close_notify();
            let _ = self.flush();
        }
    }
}
