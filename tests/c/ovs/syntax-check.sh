#!/bin/sh
# Compiles (gcc -fsyntax-only) OVS 3.1 sources that use the JSON-RPC stack
# against ovsrpc's include/ in place of OVS's headers of the same names,
# and OVS's own headers for everything else.
#
#   syntax-check.sh [FILE...]    default: the list below
#
# The sources come from the openvswitch-source tarball, configured once
# under target/ovs (ovs-tree.sh: config.h and OVS's generated headers).
# Every header that include/ provides (jsonrpc.h, stream.h, timeval.h,
# openvswitch/json.h, ...) is removed from a symlinked copy of OVS's tree
# (target/ovs/shadow), so that not even #include "..." from within OVS's
# lib/ can reach OVS's own copy.  Prints one line per file and a count;
# exits 1 if any file fails.
set -e

top=$(cd "$(dirname "$0")/../../.." && pwd)
src=$("$top/tests/c/ovs/ovs-tree.sh" configure)
build=$top/target/ovs/build
shadow=$top/target/ovs/shadow
CC=${CC:-gcc}

files=${*:-"lib/ovsdb-cs.c lib/ovsdb-idl.c lib/ovsdb-session.c lib/unixctl.c
ovsdb/ovsdb-client.c ovsdb/jsonrpc-server.c ovsdb/raft-rpc.c
utilities/ovs-appctl.c tests/test-ovsdb.c"}

# The shadow tree: symlinks to OVS's files, minus the replaced headers.
rm -rf "$shadow"
mkdir -p "$shadow"
for dir in include lib ovsdb utilities tests; do
    cp -rs "$src/$dir" "$shadow/$dir"
done
replaced=0
for h in $(cd "$top/include" && find . -name '*.h' ! -name ovsrpc.h); do
    h=${h#./}
    for candidate in "$shadow/lib/$h" "$shadow/include/$h"; do
        if [ -e "$candidate" ] || [ -L "$candidate" ]; then
            rm -f "$candidate"
            replaced=$((replaced + 1))
        fi
    done
done
echo "ovsrpc's include/ replaces $replaced of OVS's headers"

pass=0
total=0
failed=
for f in $files; do
    total=$((total + 1))
    log=$top/target/ovs/syntax-$(echo "$f" | tr / -).log
    if $CC -fsyntax-only -std=gnu99 \
         -Werror=implicit-function-declaration -Werror=int-conversion \
         -Werror=incompatible-pointer-types \
         -DHAVE_CONFIG_H -I"$top/include" -I"$build" -I"$shadow" \
         -I"$shadow/include" -I"$build/include" -I"$shadow/lib" \
         -I"$build/lib" -I"$shadow/ovsdb" -I"$build/ovsdb" \
         "$shadow/$f" > "$log" 2>&1; then
        pass=$((pass + 1))
        echo "$f: compiles"
    else
        failed="$failed $f"
        echo "$f: FAILS ($(grep -c 'error:' "$log") errors; first ones below, all in $log)"
        grep 'error:' "$log" | sed "s|$shadow/||; s|$top/||" | head -5 | sed 's/^/    /'
    fi
done
echo "OVS sources compiled against include/: $pass/$total"
[ -z "$failed" ]
