//! Parsing of stream name arguments: `HOST:PORT`, `PORT:IP`, Unix paths.
//!
//! These are the pieces of OVS's `socket-util.c` that turn the part of a
//! name after `tcp:`/`ptcp:` into an address, with the same tokenising
//! rules: fields are separated by `:`, and square brackets quote an IPv6
//! address (`[::1]:6640`). Every failure is logged with OVS's wording and
//! returned as `EINVAL`.

use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV6};
use std::path::{Path, PathBuf};

use super::sys;

/// Where an active (`tcp:`) name points.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum InetTarget {
    /// An IP literal: connect at once, no resolver involved.
    Addr(SocketAddr),
    /// A host name that must be resolved before connecting.
    Host {
        /// The host name as written.
        name: String,
        /// The port to connect to.
        port: u16,
    },
}

impl InetTarget {
    /// The port to connect to.
    pub fn port(&self) -> u16 {
        match self {
            InetTarget::Addr(a) => a.port(),
            InetTarget::Host { port, .. } => *port,
        }
    }
}

fn invalid() -> io::Error {
    io::Error::from_raw_os_error(libc::EINVAL)
}

/// Splits off the next `:`-separated token of `*rest`, treating `[...]` as
/// one token with the brackets removed (OVS's `parse_bracketed_token`).
/// Returns `None` once the string is used up.
fn next_token<'a>(rest: &mut Option<&'a str>) -> Option<&'a str> {
    let s = (*rest)?;
    if s.is_empty() {
        *rest = None;
        return Some(s);
    }
    if let Some(inner) = s.strip_prefix('[') {
        match inner.find(']') {
            None => {
                *rest = None;
                Some(inner)
            }
            Some(end) => {
                let after = &inner[end + 1..];
                *rest = Some(after.strip_prefix(':').unwrap_or(after));
                if after.is_empty() {
                    *rest = None;
                }
                Some(&inner[..end])
            }
        }
    } else {
        match s.find(':') {
            None => {
                *rest = None;
                Some(s)
            }
            Some(i) => {
                *rest = Some(&s[i + 1..]);
                Some(&s[..i])
            }
        }
    }
}

/// Parses a port number: decimal digits, 0 to 65535.
fn parse_port(target: &str, port: Option<&str>, default_port: Option<u16>) -> io::Result<u16> {
    match port.filter(|p| !p.is_empty()) {
        Some(p) => {
            if p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit()) {
                if let Ok(n) = p.parse::<u16>() {
                    return Ok(n);
                }
            }
            log::error!("{target}: bad port number \"{p}\"");
            Err(invalid())
        }
        None => default_port.ok_or_else(|| {
            log::error!("{target}: port must be specified");
            invalid()
        }),
    }
}

/// Parses an IPv6 literal with an optional `%SCOPE` (interface name or
/// number).
fn parse_ipv6(target: &str, host: &str, port: u16) -> io::Result<SocketAddr> {
    let (addr_s, scope_s) = match host.split_once('%') {
        Some((a, s)) => (a, Some(s)),
        None => (host, None),
    };
    let Ok(addr) = addr_s.parse::<Ipv6Addr>() else {
        log::error!("{target}: bad IPv6 address \"{addr_s}\"");
        return Err(invalid());
    };
    let scope = match scope_s {
        None => 0,
        Some(s) => match sys::if_nametoindex(s).or_else(|| s.parse::<u32>().ok()) {
            Some(index) => index,
            None => {
                log::error!("{target}: bad IPv6 scope \"{s}\"");
                return Err(invalid());
            }
        },
    };
    Ok(SocketAddr::V6(SocketAddrV6::new(addr, port, 0, scope)))
}

/// True if `host` looks like a DNS host name: labels of letters, digits,
/// `-` and `_`, 1 to 63 bytes each, separated by single dots (one trailing
/// dot allowed), at most 253 bytes in all.
fn is_host_name(host: &str) -> bool {
    let h = host.strip_suffix('.').unwrap_or(host);
    !h.is_empty()
        && h.len() <= 253
        && h.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
}

/// Parses `target`, the part of an active name after `tcp:` (or `ssl:`),
/// in the form `HOST[:PORT]`.
///
/// `HOST` is an IPv4 address, an IPv6 address in square brackets (with an
/// optional `%SCOPE`), or a host name (returned as [`InetTarget::Host`] for
/// the resolver; nothing is looked up here). A dotted name ending in a
/// numeric label (`1.2.3.256`) is a bad IPv4 address, not a host name.
/// `PORT` may be omitted only if `default_port` is given. Fields after the
/// port are ignored, as in OVS.
///
/// Errors: `EINVAL`, after logging what is wrong (`host must be
/// specified`, `port must be specified`, `bad port number "…"`, `bad IPv6
/// address "…"`, `bad IPv6 scope "…"`, `bad IPv4 address "…"`, `bad host
/// name "…"`).
pub fn inet_parse_active(target: &str, default_port: Option<u16>) -> io::Result<InetTarget> {
    let mut rest = Some(target);
    let host = next_token(&mut rest).unwrap_or("");
    let port_s = next_token(&mut rest);
    if host.is_empty() {
        log::error!("{target}: host must be specified");
        return Err(invalid());
    }
    let port = parse_port(target, port_s, default_port)?;
    if host.contains(':') {
        return parse_ipv6(target, host, port).map(InetTarget::Addr);
    }
    if let Ok(ip) = host.parse::<Ipv4Addr>() {
        return Ok(InetTarget::Addr(SocketAddr::new(IpAddr::V4(ip), port)));
    }
    // A name whose last label is numeric is a mistyped address, not a host
    // name: do not send it to DNS.
    if host
        .rsplit('.')
        .next()
        .is_some_and(|label| label.bytes().all(|b| b.is_ascii_digit()))
    {
        log::error!("{target}: bad IPv4 address \"{host}\"");
        return Err(invalid());
    }
    if !is_host_name(host) {
        log::error!("{target}: bad host name \"{host}\"");
        return Err(invalid());
    }
    Ok(InetTarget::Host {
        name: host.to_string(),
        port,
    })
}

/// Parses `target`, the part of a passive name after `ptcp:` (or `pssl:`),
/// in the form `PORT[:IP]`.
///
/// `PORT` 0 lets the kernel choose; it may be omitted only if
/// `default_port` is given. `IP` is an IPv4 address or an IPv6 address in
/// square brackets; without it the listener binds every IPv4 address
/// (`0.0.0.0`). Host names are not accepted here.
///
/// Errors: `EINVAL`, after logging what is wrong.
pub fn inet_parse_passive(target: &str, default_port: Option<u16>) -> io::Result<SocketAddr> {
    let mut rest = Some(target);
    let port_s = next_token(&mut rest);
    let host = next_token(&mut rest);
    let port = parse_port(target, port_s, default_port)?;
    match host {
        None => Ok(SocketAddr::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED), port)),
        Some(h) if h.contains(':') => parse_ipv6(target, h, port),
        Some(h) => match h.parse::<Ipv4Addr>() {
            Ok(ip) => Ok(SocketAddr::new(IpAddr::V4(ip), port)),
            Err(_) => {
                log::error!("{target}: bad IPv4 address \"{h}\"");
                Err(invalid())
            }
        },
    }
}

/// Formats `addr` as OVS's `ss_format_address` does: IPv6 in brackets.
pub fn format_address(addr: &SocketAddr) -> String {
    match addr {
        SocketAddr::V4(a) => a.ip().to_string(),
        SocketAddr::V6(a) => format!("[{}]", a.ip()),
    }
}

/// The directory that relative Unix socket names are relative to: the
/// `OVS_RUNDIR` environment variable, or `/var/run/openvswitch`.
pub fn rundir() -> PathBuf {
    rundir_or(Path::new("/var/run/openvswitch"))
}

/// The run directory OVS keeps sockets in: `OVS_RUNDIR` if set, else
/// `default` (OVS's `ovs_rundir()`, whose built-in default is
/// `/var/run/openvswitch`: see [`rundir`]).
pub fn rundir_or(default: &Path) -> PathBuf {
    match std::env::var_os("OVS_RUNDIR") {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => default.to_path_buf(),
    }
}

/// Resolves `name` against `dir` unless it is already absolute (OVS's
/// `abs_file_name`).
pub fn abs_file_name(dir: &Path, name: &str) -> PathBuf {
    if name.starts_with('/') {
        PathBuf::from(name)
    } else {
        dir.join(name)
    }
}

/// Parses the part of a `unix:` or `punix:` name after the colon into the
/// socket file's path, relative to [`rundir`] unless absolute.
///
/// Errors: `EINVAL` (logged) for an empty path or one containing a NUL byte.
pub fn unix_parse_path(name: &str, suffix: &str) -> io::Result<PathBuf> {
    if suffix.is_empty() {
        log::error!("{name}: socket file name must be specified");
        return Err(invalid());
    }
    if suffix.contains('\0') {
        log::error!("{name}: socket file name contains a null byte");
        return Err(invalid());
    }
    Ok(abs_file_name(&rundir(), suffix))
}

/// `name` with `default_port` filled in if it is a `tcp:` or `ssl:` name
/// without a port; otherwise `name` unchanged.
pub(crate) fn active_with_default_port(name: &str, default_port: u16) -> String {
    let Some(suffix) = name
        .strip_prefix("tcp:")
        .or_else(|| name.strip_prefix("ssl:"))
    else {
        return name.to_string();
    };
    let mut rest = Some(suffix);
    let host = next_token(&mut rest);
    if host.is_none_or(str::is_empty) {
        // No host: leave the name alone so that the error names what was
        // given (`: host must be specified`), not an appended port.
        return name.to_string();
    }
    match next_token(&mut rest) {
        None => format!("{name}:{default_port}"),
        Some("") => format!("{name}{default_port}"),
        Some(_) => name.to_string(),
    }
}

/// `name` with `default_port` filled in if it is a `ptcp:` or `pssl:` name
/// without a port; otherwise `name` unchanged.
pub(crate) fn passive_with_default_port(name: &str, default_port: u16) -> String {
    let (scheme, suffix) = match (name.strip_prefix("ptcp:"), name.strip_prefix("pssl:")) {
        (Some(s), _) => ("ptcp:", s),
        (_, Some(s)) => ("pssl:", s),
        _ => return name.to_string(),
    };
    if suffix.is_empty() || suffix.starts_with(':') {
        format!("{scheme}{default_port}{suffix}")
    } else {
        name.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(s: &str) -> Vec<&str> {
        let mut rest = Some(s);
        let mut v = Vec::new();
        while let Some(t) = next_token(&mut rest) {
            v.push(t);
        }
        v
    }

    #[test]
    fn tokenizer_follows_ovs() {
        assert_eq!(tokens("1.2.3.4:80"), ["1.2.3.4", "80"]);
        assert_eq!(tokens("[::1]:80"), ["::1", "80"]);
        assert_eq!(tokens("[::1]"), ["::1"]);
        assert_eq!(tokens("[::1"), ["::1"]);
        assert_eq!(tokens(""), [""]);
        assert_eq!(tokens("a:"), ["a", ""]);
        assert_eq!(tokens(":b"), ["", "b"]);
        assert_eq!(tokens("80:[::1]:x"), ["80", "::1", "x"]);
    }

    #[test]
    fn default_ports() {
        assert_eq!(
            active_with_default_port("tcp:1.2.3.4", 6640),
            "tcp:1.2.3.4:6640"
        );
        assert_eq!(
            active_with_default_port("tcp:1.2.3.4:1", 6640),
            "tcp:1.2.3.4:1"
        );
        assert_eq!(
            active_with_default_port("tcp:[::1]", 6640),
            "tcp:[::1]:6640"
        );
        assert_eq!(
            active_with_default_port("tcp:[::1]:", 6640),
            "tcp:[::1]:6640"
        );
        assert_eq!(active_with_default_port("ssl:h", 6640), "ssl:h:6640");
        assert_eq!(active_with_default_port("unix:x", 6640), "unix:x");
        assert_eq!(passive_with_default_port("ptcp:", 6640), "ptcp:6640");
        assert_eq!(passive_with_default_port("ptcp::[::1]", 1), "ptcp:1:[::1]");
        assert_eq!(passive_with_default_port("ptcp:5", 6640), "ptcp:5");
        assert_eq!(passive_with_default_port("punix:x", 6640), "punix:x");
    }

    #[test]
    fn host_names() {
        for good in ["localhost", "a.b", "ovsdb-1.example.org.", "x_y", "a1"] {
            assert!(is_host_name(good), "{good}");
        }
        let long_label = "a".repeat(64);
        let long_name = ["abcdefghi"; 26].join(".");
        for bad in [
            "",
            ".",
            "a..b",
            ".a",
            "a b",
            "a/b",
            "a:b",
            &long_label,
            &long_name,
        ] {
            assert!(!is_host_name(bad), "{bad}");
        }
    }
}
