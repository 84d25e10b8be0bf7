//! Relative Unix socket names are relative to OVS_RUNDIR. (Its own test
//! binary, because it sets an environment variable.)

mod support;

use std::path::Path;

use ovsrpc::stream::{abs_file_name, rundir, PStream};
use support::stream::*;
use support::TempDir;

#[test]
fn relative_unix_names_live_in_ovs_rundir() {
    let dir = TempDir::new("rundir");
    std::env::set_var("OVS_RUNDIR", dir.path());
    assert_eq!(rundir(), dir.path());
    assert_eq!(abs_file_name(dir.path(), "/abs/x"), Path::new("/abs/x"));
    assert_eq!(
        abs_file_name(Path::new("/d"), "x.sock"),
        Path::new("/d/x.sock")
    );

    let mut l = PStream::open("punix:db.sock", 0).expect("punix relative");
    assert_eq!(l.name(), "punix:db.sock");
    assert!(dir.path().join("db.sock").exists());
    let (mut c, mut s) = connect_pair(&mut l, "unix:db.sock");
    assert_eq!(c.name(), "unix:db.sock");
    assert_eq!(transfer(&mut c, &mut s, b"rel"), b"rel");
    drop(l);
    assert!(!dir.path().join("db.sock").exists());

    std::env::remove_var("OVS_RUNDIR");
    assert_eq!(rundir(), Path::new("/var/run/openvswitch"));
}
