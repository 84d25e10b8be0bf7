//! Passive streams on loopback: ptcp (IPv4, IPv6, ephemeral ports) and
//! punix (stale files, long paths, cleanup), always driving the poll loop.

mod support;

use std::io;
use std::os::unix::fs::{FileTypeExt, PermissionsExt};
use std::path::Path;

use ovsrpc::stream::{PStream, Stream};
use support::stream::*;
use support::{ipv6_available, Deadline, TempDir};

#[test]
fn ptcp_zero_binds_an_ephemeral_port_and_names_it() {
    let (mut l, port) = ptcp_loopback();
    assert_ne!(port, 0);
    assert_eq!(l.name(), format!("ptcp:{port}:127.0.0.1"));
    let (mut c, mut s) = connect_pair(&mut l, &format!("tcp:127.0.0.1:{port}"));
    let data = pattern(1000, 3);
    assert_eq!(transfer(&mut c, &mut s, &data), data);
}

#[test]
fn ptcp_without_an_address_listens_on_every_ipv4_address() {
    let mut l = PStream::open("ptcp:0", 0).expect("ptcp:0");
    let port = l.bound_port().unwrap();
    assert_eq!(l.name(), format!("ptcp:{port}:0.0.0.0"));
    let (mut c, mut s) = connect_pair(&mut l, &format!("tcp:127.0.0.1:{port}"));
    assert_eq!(transfer(&mut s, &mut c, b"hi"), b"hi");
}

#[test]
fn ptcp_ipv6() {
    if !ipv6_available("ptcp_ipv6") {
        return;
    }
    let mut l = PStream::open("ptcp:0:[::1]", 0).expect("ptcp:0:[::1]");
    let port = l.bound_port().unwrap();
    assert_eq!(l.name(), format!("ptcp:{port}:[::1]"));
    let (mut c, mut s) = connect_pair(&mut l, &format!("tcp:[::1]:{port}"));
    assert!(s.name().starts_with("tcp:[::1]:"), "{}", s.name());
    assert_eq!(transfer(&mut c, &mut s, b"six"), b"six");
}

#[test]
fn ptcp_port_in_use_gives_eaddrinuse() {
    let (_l, port) = ptcp_loopback();
    let again = PStream::open(&format!("ptcp:{port}:127.0.0.1"), 0);
    assert_eq!(errno_of(again), libc::EADDRINUSE);
}

#[test]
fn pstream_open_with_default_port() {
    // Port 0 as the default: the kernel picks one, and the name shows it.
    let l = PStream::open_with_default_port("ptcp::127.0.0.1", 0, 0).unwrap();
    let port = l.bound_port().unwrap();
    assert_ne!(port, 0);
    assert_eq!(l.name(), format!("ptcp:{port}:127.0.0.1"));
    // An explicit port wins over the default.
    let l2 = PStream::open_with_default_port("ptcp:0:127.0.0.1", port, 0).unwrap();
    assert_ne!(l2.bound_port(), Some(port));
}

#[test]
fn accept_would_block_when_nobody_is_waiting() {
    let (mut l, _) = ptcp_loopback();
    assert!(would_block(&l.accept()));
    let dir = TempDir::new("pstream-eagain");
    let mut u = PStream::open(&format!("punix:{}", dir.file("s")), 0).unwrap();
    assert!(would_block(&u.accept()));
}

#[test]
fn accept_block_returns_a_waiting_connection() {
    let (mut l, port) = ptcp_loopback();
    let mut c = Stream::open(&format!("tcp:127.0.0.1:{port}"), 0).unwrap();
    let mut s = l.accept_block().expect("accept_block");
    finish_connect(&mut c).unwrap();
    assert_eq!(transfer(&mut c, &mut s, b"ok"), b"ok");
}

#[test]
fn pstream_wait_wakes_the_poll_loop_for_a_connection() {
    let dir = TempDir::new("pstream-wait");
    let path = dir.file("s");
    let mut l = PStream::open(&format!("punix:{path}"), 0).unwrap();
    let _c = Stream::open(&format!("unix:{path}"), 0).unwrap();
    let d = Deadline::new("the listener to become ready");
    l.wait();
    d.block();
    l.accept()
        .expect("a connection is waiting after wait() woke up");
}

#[test]
fn punix_replaces_a_stale_socket_file_and_removes_it_on_close() {
    let dir = TempDir::new("pstream-stale");
    let path = dir.file("db.sock");
    // A socket file left behind by a listener that died.
    drop(std::os::unix::net::UnixListener::bind(&path).unwrap());
    assert_eq!(
        errno_of(Stream::open(&format!("unix:{path}"), 0)),
        libc::ECONNREFUSED
    );

    let mut l = PStream::open(&format!("punix:{path}"), 0).expect("punix over a stale file");
    let meta = std::fs::metadata(&path).unwrap();
    assert!(meta.file_type().is_socket());
    assert_eq!(meta.permissions().mode() & 0o777, 0o700);
    let (mut c, mut s) = connect_pair(&mut l, &format!("unix:{path}"));
    assert_eq!(transfer(&mut c, &mut s, b"fresh"), b"fresh");

    drop(l);
    assert!(!Path::new(&path).exists(), "socket file left behind");
    // Established connections outlive the listener.
    assert_eq!(transfer(&mut s, &mut c, b"still here"), b"still here");

    // Whatever is in the way (a regular file, too) is removed, as OVS does.
    std::fs::write(&path, b"junk").unwrap();
    let l = PStream::open(&format!("punix:{path}"), 0).unwrap();
    assert!(std::fs::metadata(&path).unwrap().file_type().is_socket());
    drop(l);
    assert!(!Path::new(&path).exists());
}

#[test]
fn punix_in_a_missing_directory_fails() {
    let dir = TempDir::new("pstream-nodir");
    let path = dir.file("no/such/dir/s");
    assert_eq!(
        errno_of(PStream::open(&format!("punix:{path}"), 0)),
        libc::ENOENT
    );
}

#[test]
fn unix_paths_longer_than_sun_path_work() {
    let dir = TempDir::new("pstream-long");
    let long_dir = dir.path().join("d".repeat(120)).join("e".repeat(60));
    std::fs::create_dir_all(&long_dir).unwrap();
    let path = long_dir.join("long.sock");
    let path = path.to_str().unwrap().to_string();
    assert!(path.len() > 108, "{} bytes", path.len());

    let mut l = PStream::open(&format!("punix:{path}"), 0).expect("punix on a long path");
    assert!(std::fs::metadata(&path).unwrap().file_type().is_socket());
    let (mut c, mut s) = connect_pair(&mut l, &format!("unix:{path}"));
    assert_eq!(c.name(), format!("unix:{path}"));
    let data = pattern(100_000, 9);
    assert_eq!(transfer(&mut c, &mut s, &data), data);
    drop(l);
    assert!(!Path::new(&path).exists(), "long socket file left behind");

    // A file name that does not fit even after the /proc/self/fd trick.
    let too_long = long_dir.join("f".repeat(100));
    let too_long = too_long.to_str().unwrap();
    assert_eq!(
        errno_of(PStream::open(&format!("punix:{too_long}"), 0)),
        libc::ENAMETOOLONG
    );
    assert_eq!(
        errno_of(Stream::open(&format!("unix:{too_long}"), 0)),
        libc::ENAMETOOLONG
    );
}

#[test]
fn pstream_set_dscp() {
    let (mut l, _) = ptcp_loopback();
    l.set_dscp(10).unwrap();
    assert_eq!(errno_of(l.set_dscp(64)), libc::EINVAL);
    assert_eq!(
        errno_of(PStream::open("ptcp:0:127.0.0.1", 64)),
        libc::EINVAL
    );
    let dir = TempDir::new("pstream-dscp");
    let mut u = PStream::open(&format!("punix:{}", dir.file("s")), 0).unwrap();
    u.set_dscp(10).unwrap();
    assert!(u.as_raw_fd().is_some());
}

#[test]
fn accepted_streams_are_connected_at_once() {
    let (mut l, port) = ptcp_loopback();
    let _c = Stream::open(&format!("tcp:127.0.0.1:{port}"), 0).unwrap();
    let mut s = l.accept_block().unwrap();
    s.connect().expect("accepted streams start connected");
    let mut buf = [0u8; 1];
    assert!(matches!(s.recv(&mut buf), Err(e) if e.kind() == io::ErrorKind::WouldBlock));
}
