#!/bin/sh
# Prepares OVS's own source tree under target/ for the tests that use it.
#
#   ovs-tree.sh unpack     unpack the openvswitch-source tarball once
#                          (target/ovs/src/openvswitch)
#   ovs-tree.sh configure  ... and run OVS's configure once in
#                          target/ovs/build (gives config.h)
#   ovs-tree.sh build      ... and build lib/libopenvswitch.la there
#   ovs-tree.sh available  only check that the tarball is there: exits 0 if
#                          so; if not, 1 under CI=true (a missing peer
#                          fails there) and 77 ("skip") elsewhere
#
# Each step is cached: a stamp file records that it completed.  Prints the
# source directory on stdout; progress goes to stderr.  OVS_TARBALL overrides
# the tarball's location.
set -e

tarball=${OVS_TARBALL:-/usr/src/openvswitch/openvswitch.tar.gz}
top=$(cd "$(dirname "$0")/../../.." && pwd)
base=$top/target/ovs
src=$base/src/openvswitch
build=$base/build
step=${1:-unpack}

if [ "$step" = available ]; then
    [ -r "$tarball" ] && exit 0
    echo "$tarball: not found (Debian package openvswitch-source)" >&2
    if [ "${CI:-}" = true ]; then
        exit 1
    fi
    echo "skipping the checks against OVS's own sources" >&2
    exit 77
fi

# One preparation at a time (make -j may start several users at once).
mkdir -p "$base"
exec 9> "$base/.lock"
flock 9

if [ ! -f "$base/src/.unpacked" ]; then
    if [ ! -r "$tarball" ]; then
        echo "$0: $tarball: not found (Debian package openvswitch-source)" >&2
        exit 1
    fi
    echo "unpacking $tarball under $base/src" >&2
    rm -rf "$base/src"
    mkdir -p "$base/src"
    tar xzf "$tarball" -C "$base/src"
    touch "$base/src/.unpacked"
fi

if [ "$step" = configure ] || [ "$step" = build ]; then
    if [ ! -f "$build/.configured" ]; then
        echo "configuring OVS in $build (once)" >&2
        rm -rf "$build"
        mkdir -p "$build"
        (cd "$build" && PYTHON3=/usr/bin/python3 nice "$src/configure" \
             --disable-libcapng --disable-shared \
             --enable-static > configure.log 2>&1) || {
            tail -20 "$build/configure.log" >&2
            exit 1
        }
        touch "$build/.configured"
    fi
    if [ ! -f "$build/.idl-headers" ]; then
        # The IDL headers that ovsdb-idlc generates from OVS's schemas
        # (lib/ovsdb-idl.c and tests/test-ovsdb.c include them).
        (cd "$build" && nice make lib/ovsdb-server-idl.h tests/idltest.h \
             > idl-headers.log 2>&1) || {
            tail -20 "$build/idl-headers.log" >&2
            exit 1
        }
        touch "$build/.idl-headers"
    fi
fi

if [ "$step" = build ]; then
    if [ ! -f "$build/.built" ]; then
        echo "building OVS's lib/libopenvswitch.la in $build (once)" >&2
        # The generated headers (BUILT_SOURCES) first: the library's own
        # rule does not depend on them.
        printf 'ovsrpc-built-sources: $(BUILT_SOURCES)\n' > "$build/built.mk"
        (cd "$build" && nice make -j2 -f Makefile -f built.mk \
             ovsrpc-built-sources > make.log 2>&1 &&
         nice make -j2 lib/libopenvswitch.la >> make.log 2>&1) || {
            tail -20 "$build/make.log" >&2
            exit 1
        }
        touch "$build/.built"
    fi
fi

echo "$src"
