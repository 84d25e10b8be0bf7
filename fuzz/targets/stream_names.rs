//! Fuzzes stream name parsing (nothing is opened or resolved): scheme
//! lookup, `HOST:PORT` and `PORT:IP` parsing, Unix paths. Nothing panics,
//! the answers agree with each other, and what parses formats back to
//! text that parses to the same address.
//!
//! The body of the `stream_names` fuzz target ([`run`]), shared by the fuzz
//! crate (fuzz/fuzz_targets/stream_names.rs) and by tests/fuzz_corpus.rs, which
//! replays the corpus through it under `cargo test`.

use std::net::SocketAddr;

use ovsrpc::stream::{
    self, format_address, inet_parse_active, inet_parse_passive, unix_parse_path, InetTarget,
    PStream, Stream,
};

fn same_addr(a: &SocketAddr, b: &SocketAddr) -> bool {
    a.ip() == b.ip() && a.port() == b.port()
}

/// Checks one input; panics when a property does not hold.
pub fn run(data: &[u8]) {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };

    // Scheme lookup: a name is active, passive, or neither, and the probe
    // question is answered exactly for known schemes.
    let active = Stream::verify_name(s).is_ok();
    let passive = PStream::verify_name(s).is_ok();
    assert!(!(active && passive), "{s:?} is both active and passive");
    assert_eq!(
        stream::stream_or_pstream_needs_probes(s).is_some(),
        active || passive,
        "{s:?}"
    );
    if let Err(e) = Stream::verify_name(s) {
        assert_eq!(e.raw_os_error(), Some(libc_eafnosupport()));
    }

    // Active HOST[:PORT].
    let bare = inet_parse_active(s, None);
    let with_default = inet_parse_active(s, Some(6640));
    match (&bare, &with_default) {
        (Ok(a), Ok(b)) => assert_eq!(a, b, "a default port overrode an explicit one: {s:?}"),
        (Ok(_), Err(_)) => panic!("a default port made {s:?} fail"),
        (Err(_), Ok(t)) => assert_eq!(t.port(), 6640),
        (Err(a), Err(b)) => {
            assert_eq!(a.raw_os_error(), Some(22));
            assert_eq!(b.raw_os_error(), Some(22));
        }
    }
    if let Ok(target) = &with_default {
        let text = match target {
            InetTarget::Addr(a) => format!("{}:{}", format_address(a), a.port()),
            InetTarget::Host { name, port } => format!("{name}:{port}"),
        };
        let again = inet_parse_active(&text, None).expect("formatted target parses");
        match (target, &again) {
            (InetTarget::Addr(a), InetTarget::Addr(b)) => assert!(same_addr(a, b), "{text}"),
            (a, b) => assert_eq!(a, b, "{text}"),
        }
    }
    assert_eq!(
        stream::parse_target_with_default_port(&format!("tcp:{s}"), 6640),
        with_default.as_ref().ok().cloned()
    );

    // Passive PORT[:IP].
    let bare = inet_parse_passive(s, None);
    let with_default = inet_parse_passive(s, Some(6640));
    if let Ok(a) = &bare {
        assert_eq!(with_default.as_ref().ok(), Some(a));
    }
    if let Ok(a) = &with_default {
        let text = format!("{}:{}", a.port(), format_address(a));
        let b = inet_parse_passive(&text, None).expect("formatted address parses");
        assert!(same_addr(a, &b), "{text}");
    }

    // Unix paths.
    match unix_parse_path(&format!("unix:{s}"), s) {
        Ok(path) => {
            assert!(!s.is_empty() && !s.contains('\0'));
            if s.starts_with('/') {
                assert_eq!(path.as_os_str(), s);
            } else {
                use std::os::unix::ffi::OsStrExt;
                assert!(path.as_os_str().as_bytes().ends_with(s.as_bytes()));
            }
        }
        Err(e) => {
            assert!(s.is_empty() || s.contains('\0'));
            assert_eq!(e.raw_os_error(), Some(22));
        }
    }
}

fn libc_eafnosupport() -> i32 {
    97
}
