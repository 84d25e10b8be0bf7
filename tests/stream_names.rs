//! Stream names: which are accepted, which are refused with which errno,
//! and the log line that says why.

mod support;

use std::net::SocketAddr;

use ovsrpc::stream::{
    inet_parse_active, inet_parse_passive, parse_target_with_default_port,
    stream_or_pstream_needs_probes, InetTarget, PStream, Stream,
};
use support::log;

/// Whether this test logged a message containing `text`.
fn logged(text: &str) -> bool {
    !log::logged(&[text]).is_empty()
}

fn errno<T: std::fmt::Debug>(r: std::io::Result<T>) -> i32 {
    r.expect_err("expected an error").raw_os_error().unwrap()
}

const EAFNOSUPPORT: i32 = libc::EAFNOSUPPORT;
const EINVAL: i32 = libc::EINVAL;

#[test]
fn active_names_refused_by_open() {
    let _log = log::capture();
    // (name, errno, what the log says)
    let table: &[(&str, i32, &str)] = &[
        ("", EAFNOSUPPORT, ": bad stream name (expected TYPE:ARGS)"),
        ("tcp", EAFNOSUPPORT, "tcp: bad stream name"),
        (
            "nosuch:1.2.3.4:5",
            EAFNOSUPPORT,
            "unknown stream type \"nosuch\"",
        ),
        ("TCP:1.2.3.4:5", EAFNOSUPPORT, "unknown stream type \"TCP\""),
        (
            "ptcp:6640",
            EAFNOSUPPORT,
            "ptcp:6640: unknown stream type \"ptcp\"",
        ),
        ("punix:/x", EAFNOSUPPORT, "punix:/x: unknown stream type"),
        ("tcp:", EINVAL, ": host must be specified"),
        ("tcp::6640", EINVAL, ":6640: host must be specified"),
        ("tcp:127.0.0.7", EINVAL, "127.0.0.7: port must be specified"),
        (
            "tcp:127.0.0.8:",
            EINVAL,
            "127.0.0.8:: port must be specified",
        ),
        ("tcp:127.0.0.9:65536", EINVAL, "bad port number \"65536\""),
        ("tcp:127.0.0.9:-1", EINVAL, "bad port number \"-1\""),
        ("tcp:127.0.0.9:66x", EINVAL, "bad port number \"66x\""),
        ("tcp:127.0.0.9:+80", EINVAL, "bad port number \"+80\""),
        ("tcp:[::2", EINVAL, "::2: port must be specified"),
        ("tcp:[::3]", EINVAL, "[::3]: port must be specified"),
        ("tcp:[:::4]:80", EINVAL, "bad IPv6 address \":::4\""),
        (
            "tcp:[::5%no-such-if-x]:80",
            EINVAL,
            "bad IPv6 scope \"no-such-if-x\"",
        ),
        ("tcp:1.2.3.256:80", EINVAL, "bad IPv4 address \"1.2.3.256\""),
        ("tcp:10.1:80", EINVAL, "bad IPv4 address \"10.1\""),
        ("tcp:bad host:80", EINVAL, "bad host name \"bad host\""),
        ("tcp:bad/host:80", EINVAL, "bad host name \"bad/host\""),
        ("unix:", EINVAL, "unix:: socket file name must be specified"),
    ];
    for &(name, expected, message) in table {
        assert_eq!(errno(Stream::open(name, 0)), expected, "open({name:?})");
        assert!(
            logged(message),
            "open({name:?}): no log line with {message:?}"
        );
    }
}

#[test]
fn passive_names_refused_by_open() {
    let _log = log::capture();
    let table: &[(&str, i32, &str)] = &[
        ("ptcp", EAFNOSUPPORT, "ptcp: bad passive stream name"),
        (
            "tcp:1.2.3.4:5",
            EAFNOSUPPORT,
            "unknown passive stream type \"tcp\"",
        ),
        (
            "unix:/x",
            EAFNOSUPPORT,
            "unknown passive stream type \"unix\"",
        ),
        (
            "pnosuch:1",
            EAFNOSUPPORT,
            "unknown passive stream type \"pnosuch\"",
        ),
        ("ptcp:", EINVAL, ": port must be specified"),
        ("ptcp:x1", EINVAL, "bad port number \"x1\""),
        ("ptcp:70000", EINVAL, "bad port number \"70000\""),
        ("ptcp:0:localhost", EINVAL, "bad IPv4 address \"localhost\""),
        ("ptcp:0:1.2.3", EINVAL, "bad IPv4 address \"1.2.3\""),
        ("ptcp:0:[::g]", EINVAL, "bad IPv6 address \"::g\""),
        (
            "punix:",
            EINVAL,
            "punix:: socket file name must be specified",
        ),
    ];
    for &(name, expected, message) in table {
        assert_eq!(errno(PStream::open(name, 0)), expected, "open({name:?})");
        assert!(
            logged(message),
            "open({name:?}): no log line with {message:?}"
        );
    }
}

#[test]
fn verify_name_checks_the_type_only_and_stays_quiet() {
    let _log = log::capture();
    for name in [
        "tcp:1.2.3.4:5",
        "tcp:1.2.3.4", // the port may come from open_with_default_port
        "tcp:[::1]:6640",
        "tcp:example.org:6640",
        "unix:/var/run/db.sock",
        "unix:relative.sock",
    ] {
        assert!(Stream::verify_name(name).is_ok(), "{name}");
        assert_eq!(errno(PStream::verify_name(name)), EAFNOSUPPORT, "{name}");
    }
    for name in [
        "ptcp:6640",
        "ptcp:0:127.0.0.1",
        "ptcp:6640:[::]",
        "punix:/x",
        "ptcp:",
    ] {
        assert!(PStream::verify_name(name).is_ok(), "{name}");
        assert_eq!(errno(Stream::verify_name(name)), EAFNOSUPPORT, "{name}");
    }
    for name in ["", "tcp", "quiet-verify:1", "Tcp:1.2.3.4:5"] {
        assert_eq!(errno(Stream::verify_name(name)), EAFNOSUPPORT, "{name}");
        assert_eq!(errno(PStream::verify_name(name)), EAFNOSUPPORT, "{name}");
    }
    assert!(!logged("quiet-verify"), "verify_name must not log");
}

fn addr(s: &str) -> InetTarget {
    InetTarget::Addr(s.parse::<SocketAddr>().unwrap())
}

#[test]
fn inet_parse_active_table() {
    let _log = log::capture();
    let good: &[(&str, Option<u16>, InetTarget)] = &[
        ("1.2.3.4:5", None, addr("1.2.3.4:5")),
        ("1.2.3.4", Some(6640), addr("1.2.3.4:6640")),
        ("1.2.3.4:0", None, addr("1.2.3.4:0")),
        ("1.2.3.4:65535", None, addr("1.2.3.4:65535")),
        ("1.2.3.4:5:ignored", None, addr("1.2.3.4:5")),
        ("[::1]:6640", None, addr("[::1]:6640")),
        ("[::1]", Some(1), addr("[::1]:1")),
        ("[fe80::1%7]:80", None, addr("[fe80::1%7]:80")),
        ("[1.2.3.4]:5", None, addr("1.2.3.4:5")),
        (
            "localhost:6640",
            None,
            InetTarget::Host {
                name: "localhost".into(),
                port: 6640,
            },
        ),
        (
            "ovsdb-1.example.org",
            Some(6641),
            InetTarget::Host {
                name: "ovsdb-1.example.org".into(),
                port: 6641,
            },
        ),
    ];
    for (target, default, expected) in good {
        let got = inet_parse_active(target, *default).unwrap_or_else(|e| panic!("{target}: {e}"));
        assert_eq!(&got, expected, "{target}");
        assert_eq!(got.port(), expected.port());
    }
    match inet_parse_active("[::1%lo]:1", None) {
        Ok(InetTarget::Addr(SocketAddr::V6(a))) => {
            assert_ne!(a.scope_id(), 0, "interface names become scope ids")
        }
        other => panic!("[::1%lo]:1 parsed as {other:?}"),
    }
    for bad in [
        "",
        ":1",
        "1.2.3.4",
        "1.2.3.4:",
        "1.2.3.4:99999",
        "[::1",
        "[x::y]:1",
        "a b:1",
    ] {
        assert_eq!(errno(inet_parse_active(bad, None)), EINVAL, "{bad:?}");
    }
}

#[test]
fn inet_parse_passive_table() {
    let _log = log::capture();
    let good: &[(&str, Option<u16>, &str)] = &[
        ("6640", None, "0.0.0.0:6640"),
        ("0", None, "0.0.0.0:0"),
        ("6640:127.0.0.1", None, "127.0.0.1:6640"),
        ("6640:[::1]", None, "[::1]:6640"),
        ("6640:[::]", None, "[::]:6640"),
        ("", Some(6640), "0.0.0.0:6640"),
        (":10.0.0.1", Some(6640), "10.0.0.1:6640"),
        ("1:[::1]:x", None, "[::1]:1"),
    ];
    for (target, default, expected) in good {
        let got = inet_parse_passive(target, *default).unwrap_or_else(|e| panic!("{target}: {e}"));
        assert_eq!(got, expected.parse::<SocketAddr>().unwrap(), "{target}");
    }
    for bad in ["", "x", "-1", "65536", "1:host", "1:[::1", "1:1.2.3.4.5"] {
        let r = inet_parse_passive(bad, None);
        if bad == "1:[::1" {
            // The closing bracket is optional, as in OVS.
            assert!(r.is_ok());
            continue;
        }
        assert_eq!(errno(r), EINVAL, "{bad:?}");
    }
}

#[test]
fn needs_probes() {
    for (name, expected) in [
        ("tcp:1.2.3.4:5", Some(true)),
        ("tcp:", Some(true)),
        ("ptcp:6640", Some(true)),
        ("unix:/x", Some(false)),
        ("punix:/x", Some(false)),
        ("nosuch:x", None),
        ("tcp", None),
        ("", None),
    ] {
        assert_eq!(stream_or_pstream_needs_probes(name), expected, "{name}");
    }
}

#[test]
fn parse_target_with_default_port_table() {
    let _log = log::capture();
    assert_eq!(
        parse_target_with_default_port("tcp:1.2.3.4", 6640),
        Some(addr("1.2.3.4:6640"))
    );
    assert_eq!(
        parse_target_with_default_port("ssl:[::1]:1", 6640),
        Some(addr("[::1]:1"))
    );
    assert_eq!(parse_target_with_default_port("unix:/x", 6640), None);
    assert_eq!(parse_target_with_default_port("tcp:1.2.3.4:x", 6640), None);
}

#[test]
fn unknown_port_fields_match_ovs_defaults() {
    let _log = log::capture();
    // open_with_default_port adds the port only where one is missing.
    assert_eq!(
        errno(Stream::open_with_default_port("tcp:", 6640, 0)),
        EINVAL
    );
    assert_eq!(
        errno(Stream::open_with_default_port("nosuch:1.2.3.4", 6640, 0)),
        EAFNOSUPPORT
    );
    assert_eq!(
        errno(PStream::open_with_default_port("ptcp:0:nohost", 6640, 0)),
        EINVAL
    );
}
