//! Compiles the C files of the C API: json_object_put_format(), a
//! variadic function, which stable Rust cannot define, and the log module
//! names a program that also links OVS's vlog needs (a constructor, with a
//! weak reference to OVS's vlog_insert_module()).

fn main() {
    println!("cargo:rerun-if-changed=lib/capi/json_format.c");
    println!("cargo:rerun-if-changed=lib/capi/ovs_vlog.c");
    println!("cargo:rerun-if-changed=include/openvswitch/json.h");
    println!("cargo:rerun-if-changed=include/openvswitch/shash.h");
    println!("cargo:rerun-if-changed=include/openvswitch/hmap.h");
    if std::env::var_os("CARGO_FEATURE_CAPI").is_none() {
        return;
    }
    cc::Build::new()
        .file("lib/capi/json_format.c")
        .file("lib/capi/ovs_vlog.c")
        .include("include")
        .warnings(true)
        .extra_warnings(true)
        .compile("ovsrpc_capi_c");
}
