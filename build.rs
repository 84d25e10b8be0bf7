//! Compiles the one C file of the C API: json_object_put_format(), a
//! variadic function, which stable Rust cannot define.

fn main() {
    println!("cargo:rerun-if-changed=lib/capi/json_format.c");
    println!("cargo:rerun-if-changed=include/openvswitch/json.h");
    println!("cargo:rerun-if-changed=include/openvswitch/shash.h");
    println!("cargo:rerun-if-changed=include/openvswitch/hmap.h");
    if std::env::var_os("CARGO_FEATURE_CAPI").is_none() {
        return;
    }
    cc::Build::new()
        .file("lib/capi/json_format.c")
        .include("include")
        .warnings(true)
        .extra_warnings(true)
        .compile("ovsrpc_capi_c");
}
