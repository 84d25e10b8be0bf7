//! The TLS fixture: a PKI made at test time with the `openssl` command
//! line (CAs, and certificates that are valid, expired or not yet valid),
//! and drivers for handshakes on both ends at once.

use std::io;
use std::path::{Path, PathBuf};
use std::process::Command;

use ovsrpc::poll_loop;
use ovsrpc::stream::ssl::SslConfig;
use ovsrpc::stream::{PStream, Stream};

use super::stream::would_block;
use super::{drive, TempDir};

// ---------------------------------------------------------------------
// A PKI made with the openssl command line.

/// The `openssl` program: under CI=true its absence fails the test;
/// elsewhere the test is skipped (returns `None`) with a loud message.
pub fn openssl() -> Option<PathBuf> {
    super::require("openssl", "openssl")
}

/// When a certificate is valid.
#[derive(Clone, Copy, Debug)]
pub enum Validity {
    /// From a year ago to ten years ahead.
    Current,
    /// 2000-01-01 to 2001-01-01.
    Expired,
    /// 2090-01-01 to 2091-01-01.
    NotYetValid,
}

/// The kind of key a certificate gets.
#[derive(Clone, Copy, Debug)]
pub enum KeyKind {
    /// ECDSA P-256 (fast to make).
    Ec,
    /// RSA 2048 in PKCS#1 ("BEGIN RSA PRIVATE KEY") form.
    Rsa,
}

/// A certificate authority on disk.
pub struct Ca {
    /// Its self-signed certificate (PEM).
    pub cert: String,
    key: String,
    dir: PathBuf,
}

/// A key and a certificate on disk.
pub struct Leaf {
    /// The private key (PEM).
    pub key: String,
    /// The certificate (PEM).
    pub cert: String,
    /// The subject common name.
    pub cn: String,
}

/// A directory of CAs and certificates, removed on drop.
pub struct Pki {
    dir: TempDir,
    openssl: PathBuf,
}

const CA_CONFIG: &str = "\
[ ca ]
default_ca = ca_default
[ ca_default ]
database = index.txt
serial = serial
new_certs_dir = .
default_md = sha256
policy = policy_any
unique_subject = no
x509_extensions = leaf_ext
email_in_dn = no
[ policy_any ]
commonName = supplied
organizationName = optional
[ leaf_ext ]
basicConstraints = CA:FALSE
keyUsage = digitalSignature, keyEncipherment
[ req ]
distinguished_name = dn
[ dn ]
";

fn run(cmd: &mut Command) {
    super::process::Process::run_ok(cmd);
}

impl Pki {
    /// A new, empty PKI directory, or `None` if `openssl` is missing
    /// outside CI.
    pub fn new(tag: &str) -> Option<Pki> {
        Some(Pki {
            dir: TempDir::new(tag),
            openssl: openssl()?,
        })
    }

    /// The directory everything lives in.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// A path for a file in the PKI directory.
    pub fn file(&self, name: &str) -> String {
        self.dir.file(name)
    }

    fn openssl(&self, dir: &Path) -> Command {
        let mut c = Command::new(&self.openssl);
        c.current_dir(dir);
        c
    }

    fn new_key_args(kind: KeyKind) -> Vec<&'static str> {
        match kind {
            KeyKind::Ec => vec!["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"],
            KeyKind::Rsa => vec!["-newkey", "rsa:2048"],
        }
    }

    /// Makes a CA whose certificate has subject `CN=<name>`.
    pub fn ca(&self, name: &str) -> Ca {
        let dir = self.dir.path().join(name);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("ca.cnf"), CA_CONFIG).unwrap();
        std::fs::write(dir.join("index.txt"), "").unwrap();
        std::fs::write(dir.join("serial"), "1000\n").unwrap();
        run(self
            .openssl(&dir)
            .args(["req", "-x509", "-nodes", "-config", "ca.cnf"])
            .args(Self::new_key_args(KeyKind::Ec))
            .args(["-keyout", "ca.key", "-out", "ca.pem", "-days", "3650"])
            .args(["-subj", &format!("/O=ovsrpc tests/CN={name}")])
            .args(["-addext", "basicConstraints=critical,CA:TRUE"])
            .args(["-addext", "keyUsage=critical,keyCertSign,cRLSign"]));
        Ca {
            cert: dir.join("ca.pem").to_str().unwrap().to_string(),
            key: dir.join("ca.key").to_str().unwrap().to_string(),
            dir,
        }
    }

    /// Makes a key and a certificate for `CN=<cn>` signed by `ca`, in files
    /// named after `name`.
    pub fn leaf(&self, ca: &Ca, name: &str, cn: &str, validity: Validity, kind: KeyKind) -> Leaf {
        let base = self.dir.path().join(name);
        let key = format!("{}-privkey.pem", base.display());
        let csr = format!("{}-req.pem", base.display());
        let cert = format!("{}-cert.pem", base.display());
        run(self
            .openssl(&ca.dir)
            .args(["req", "-new", "-nodes", "-config", "ca.cnf"])
            .args(Self::new_key_args(kind))
            .args(["-keyout", &key, "-out", &csr])
            .args(["-subj", &format!("/O=ovsrpc tests/CN={cn}")]));
        if matches!(kind, KeyKind::Rsa) {
            // OpenSSL 3 writes PKCS#8; OVS's ovs-pki keys are often PKCS#1.
            run(self
                .openssl(&ca.dir)
                .args(["rsa", "-traditional", "-in", &key, "-out", &key]));
        }
        let mut sign = self.openssl(&ca.dir);
        sign.args(["ca", "-batch", "-notext", "-config", "ca.cnf"])
            .args(["-cert", &ca.cert, "-keyfile", &ca.key])
            .args(["-in", &csr, "-out", &cert]);
        match validity {
            Validity::Current => {
                let start = "20200101000000Z";
                sign.args(["-startdate", start, "-enddate", "20800101000000Z"])
            }
            Validity::Expired => sign
                .args(["-startdate", "20000101000000Z"])
                .args(["-enddate", "20010101000000Z"]),
            Validity::NotYetValid => sign
                .args(["-startdate", "20900101000000Z"])
                .args(["-enddate", "20910101000000Z"]),
        };
        run(&mut sign);
        Leaf {
            key,
            cert,
            cn: cn.to_string(),
        }
    }

    /// A currently valid EC certificate.
    pub fn good(&self, ca: &Ca, name: &str) -> Leaf {
        self.leaf(ca, name, name, Validity::Current, KeyKind::Ec)
    }
}

/// A configuration with `leaf`'s key and certificate, trusting `ca`.
pub fn config(leaf: &Leaf, ca: &Ca) -> SslConfig {
    let c = SslConfig::new();
    c.set_key_and_cert(&leaf.key, &leaf.cert)
        .expect("key and cert");
    c.set_ca_cert_file(&ca.cert, false).expect("CA cert");
    c
}

// ---------------------------------------------------------------------
// Driving handshakes.

/// Accepts one connection on `l` (the TCP part), driving the poll loop.
pub fn accept(l: &mut PStream) -> Stream {
    super::stream::accept(l)
}

/// Drives `client` (if any) and `server` (if any) until each one's connect
/// is no longer `EAGAIN`; returns their results.
pub fn handshakes(
    mut client: Option<&mut Stream>,
    mut server: Option<&mut Stream>,
) -> (Option<io::Result<()>>, Option<io::Result<()>>) {
    let mut c_res: Option<io::Result<()>> = None;
    let mut s_res: Option<io::Result<()>> = None;
    drive("TLS handshakes to finish", || {
        if let (Some(c), None) = (client.as_deref_mut(), &c_res) {
            c.run();
            let r = c.connect();
            if !would_block(&r) {
                c_res = Some(r);
            }
        }
        if let (Some(s), None) = (server.as_deref_mut(), &s_res) {
            s.run();
            let r = s.connect();
            if !would_block(&r) {
                s_res = Some(r);
            }
        }
        let c_done = client.is_none() || c_res.is_some();
        let s_done = server.is_none() || s_res.is_some();
        if c_done && s_done {
            return true;
        }
        if let (Some(c), None) = (client.as_deref(), &c_res) {
            c.run_wait();
            c.connect_wait();
        }
        if let (Some(s), None) = (server.as_deref(), &s_res) {
            s.run_wait();
            s.connect_wait();
        }
        false
    });
    (c_res, s_res)
}

/// Opens `name` with `client_cfg`, accepts on `l`, and drives both
/// handshakes. Returns both streams and both results.
pub fn handshake(
    l: &mut PStream,
    client_cfg: &SslConfig,
    name: &str,
) -> (Stream, io::Result<()>, Stream, io::Result<()>) {
    let mut client = client_cfg
        .open(name, 0)
        .unwrap_or_else(|e| panic!("open {name}: {e}"));
    // The TCP connection completes from the backlog; the handshake needs
    // both ends, so accept first, then drive both.
    let mut server = accept_driving(l, &mut client);
    let (c, s) = handshakes(Some(&mut client), Some(&mut server));
    (client, c.unwrap(), server, s.unwrap())
}

/// Accepts on `l` while also driving `client`'s connect (which cannot
/// finish before the server side runs).
pub fn accept_driving(l: &mut PStream, client: &mut Stream) -> Stream {
    let mut accepted = None;
    let what = format!("a connection on {}", l.name());
    drive(&what, || {
        client.run();
        let _ = client.connect();
        match l.accept() {
            Ok(s) => {
                accepted = Some(s);
                return true;
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
            Err(e) => panic!("accept on {}: {e}", l.name()),
        }
        l.wait();
        client.run_wait();
        client.connect_wait();
        false
    });
    accepted.unwrap()
}

/// Connects a client that must succeed; returns (client, server).
pub fn good_pair(l: &mut PStream, client_cfg: &SslConfig, name: &str) -> (Stream, Stream) {
    let (c, cr, s, sr) = handshake(l, client_cfg, name);
    cr.unwrap_or_else(|e| panic!("client handshake with {name}: {e}"));
    sr.unwrap_or_else(|e| panic!("server handshake for {name}: {e}"));
    (c, s)
}

/// Receives on `s` until data, EOF or an error, driving the poll loop and
/// `also` (the other end, which may need to run for `s` to learn
/// anything). Returns the first non-`EAGAIN` result.
pub fn recv_outcome(s: &mut Stream, also: Option<&mut Stream>) -> io::Result<usize> {
    let mut also = also;
    let mut buf = [0u8; 1024];
    let mut outcome = None;
    let what = format!("something to arrive on {}", s.name());
    drive(&what, || {
        s.run();
        if let Some(o) = also.as_deref_mut() {
            o.run();
            let mut scratch = [0u8; 64];
            let _ = o.recv(&mut scratch);
        }
        let r = s.recv(&mut buf);
        if !would_block(&r) {
            outcome = Some(r);
            return true;
        }
        s.run_wait();
        s.recv_wait();
        if let Some(o) = also.as_deref() {
            o.run_wait();
            o.recv_wait();
        }
        false
    });
    outcome.unwrap()
}

/// Sends all of `data` on `s`, driving the poll loop.
pub fn send_all(s: &mut Stream, data: &[u8]) {
    let mut sent = 0;
    let what = format!("{} bytes to go out on {}", data.len(), s.name());
    drive(&what, || {
        while sent < data.len() {
            s.run();
            match s.send(&data[sent..]) {
                Ok(n) => sent += n,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    s.run_wait();
                    s.send_wait();
                    return false;
                }
                Err(e) => panic!("send on {}: {e}", s.name()),
            }
        }
        true
    });
    // Whatever the transport still holds goes out from run(); callers
    // that send more than a socket buffer use stream::transfer.
    s.run();
}

/// Blocks in the poll loop for up to `ms` milliseconds (never fails).
pub fn pause(ms: i64) {
    poll_loop::timer_wait(ms);
    poll_loop::block();
}

/// Reads from `s` until `f(&received)` holds, driving the poll loop.
pub fn recv_until(s: &mut Stream, what: &str, f: impl Fn(&[u8]) -> bool) -> Vec<u8> {
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    drive(what, || {
        while !f(&got) {
            s.run();
            match s.recv(&mut buf) {
                Ok(0) => panic!("EOF on {} waiting for {what}", s.name()),
                Ok(n) => got.extend_from_slice(&buf[..n]),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    s.run_wait();
                    s.recv_wait();
                    return false;
                }
                Err(e) => panic!("recv on {} waiting for {what}: {e}", s.name()),
            }
        }
        true
    });
    got
}

/// True when `bytes` holds one complete JSON object (by brace counting,
/// strings respected).
pub fn complete_json(bytes: &[u8]) -> bool {
    let mut depth = 0i32;
    let mut in_string = false;
    let mut escaped = false;
    let mut seen = false;
    for &b in bytes {
        if in_string {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'{' => {
                depth += 1;
                seen = true;
            }
            b'}' => depth -= 1,
            _ => {}
        }
        if seen && depth == 0 {
            return true;
        }
    }
    false
}
