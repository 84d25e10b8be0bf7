#!/bin/sh
# The JSON model against OVS 3.1's own code and tests:
#
#  1. tests/c/ovs/json-layout.c, built once against the tarball's headers
#     and once against include/, must print the same layout (struct json,
#     struct json_array, struct shash, struct shash_node, struct hmap,
#     struct hmap_node, struct hmap_position, struct ds) and enumerators.
#  2. tests/c/ovs/json-order.c: ovsrpc's shash iteration order (the member
#     order of json_to_string() without JSSF_SORT) and name hashes against
#     OVS's own lib/hash.c, lib/hmap.c and lib/shash.c, compiled from the
#     tarball with their symbols renamed to ovs_* so both fit in one
#     program.
#  3. Every function OVS's json.o, hmap.o and shash.o define is defined by
#     libovsrpc.a too, so a program linking OVS's objects with libovsrpc.a
#     ahead of libopenvswitch.a never pulls OVS's copies.
#  4. tests/c/ovs/json-coexist.c, built against OVS's own headers, linked
#     with libovsrpc.a ahead of an archive of OVS's json.o, shash.o, hmap.o
#     and hash.o: the link map must show only hash.o pulled from OVS's
#     archive, and the program must work.
#  5. OVS's tests/test-json.c, unmodified, is built against include/ and
#     the harness (tests/c/ovs/), linked with libovsrpc.a alone, and the C
#     cases of OVS's tests/json.at run against it (run-at.py), reals
#     compared as numbers: ovsrpc writes the shortest form that reads back
#     exactly where OVS prints 15 significant digits.
#
#   run-json-at.sh LIBOVSRPC BUILD_DIR
#
# CC, CFLAGS, LIBS and PYTHON3 come from the environment (mk/capi.mk sets
# them).  The tarball is unpacked once under target/ovs by ovs-tree.sh.
set -e

lib=$1
build=$2
if [ -z "$lib" ] || [ -z "$build" ]; then
    echo "usage: $0 LIBOVSRPC BUILD_DIR" >&2
    exit 1
fi
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../../.." && pwd)
CC=${CC:-cc}
CFLAGS=${CFLAGS:--g -O1}
LIBS=${LIBS:--lgcc_s -lutil -lrt -lpthread -lm -ldl -lc}
PYTHON3=${PYTHON3:-/usr/bin/python3}

# Without the tarball: skipped, except under CI=true (ovs-tree.sh).
status=0
"$here/ovs-tree.sh" available || status=$?
if [ $status = 77 ]; then
    exit 0
elif [ $status != 0 ]; then
    exit $status
fi
src=$("$here/ovs-tree.sh" unpack)
mkdir -p "$build/stub/openvswitch"

# 1. Layout.  OVS's openvswitch/util.h wants the generated version.h; an
# empty one does (the layout does not depend on it).
: > "$build/stub/openvswitch/version.h"
$CC -Wall -Werror -I"$src/include" -I"$build/stub" \
    -o "$build/json-layout-ovs" "$here/json-layout.c"
$CC -Wall -Werror -I"$top/include" \
    -o "$build/json-layout-ovsrpc" "$here/json-layout.c"
"$build/json-layout-ovs" > "$build/json-layout-ovs.txt"
"$build/json-layout-ovsrpc" > "$build/json-layout-ovsrpc.txt"
if ! diff -u "$build/json-layout-ovs.txt" "$build/json-layout-ovsrpc.txt"; then
    echo "json-layout: include/ differs from OVS 3.1's headers" >&2
    exit 1
fi
echo "json-layout: $(wc -l < "$build/json-layout-ovs.txt") sizes, offsets and values identical to OVS 3.1's headers"

# 2. Iteration order against OVS's hash.c, hmap.c and shash.c.  They need
# only this much of config.h.
printf '#define HAVE_STDATOMIC_H 1\n' > "$build/stub/config.h"
ovs_cflags="-O1 -I$build/stub -I$src/include -I$src/lib -I$src"
for f in hash hmap shash; do
    $CC $ovs_cflags -c -o "$build/ovs-$f.o" "$src/lib/$f.c"
    cp "$build/ovs-$f.o" "$build/ovs-$f-orig.o"
done
$CC $ovs_cflags -c -o "$build/json-order-ovs.o" "$here/json-order-ovs.c"
nm --defined-only -g "$build/ovs-hash.o" "$build/ovs-hmap.o" \
        "$build/ovs-shash.o" \
    | awk 'NF == 3 { print $3 " ovs_" $3 }' > "$build/ovs-rename.txt"
for o in ovs-hash ovs-hmap ovs-shash json-order-ovs; do
    objcopy --redefine-syms="$build/ovs-rename.txt" "$build/$o.o"
done
$CC $CFLAGS -Wall -Werror -I"$top/include" -c -o "$build/json-order.o" \
    "$here/json-order.c"
$CC -o "$build/json-order" "$build/json-order.o" "$build/json-order-ovs.o" \
    "$build/ovs-hash.o" "$build/ovs-hmap.o" "$build/ovs-shash.o" "$lib" $LIBS
"$build/json-order"

# 3. Symbol coverage.
$CC $ovs_cflags -c -o "$build/ovs-json.o" "$src/lib/json.c"
nm -g --defined-only "$lib" 2>/dev/null | awk 'NF == 3 && $2 == "T" { print $3 }' \
    | sort -u > "$build/ovsrpc-functions.txt"
for o in json hmap shash; do
    nm -g --defined-only "$build/ovs-$o.o" \
        | awk 'NF == 3 && $2 == "T" { print $3 }' | sed 's/^ovs_//' \
        | sort -u > "$build/ovs-$o-functions.txt"
    missing=$(comm -23 "$build/ovs-$o-functions.txt" \
                  "$build/ovsrpc-functions.txt")
    if [ -n "$missing" ]; then
        echo "libovsrpc.a lacks functions of OVS's $o.o:" $missing >&2
        exit 1
    fi
    echo "symbols: all $(wc -l < "$build/ovs-$o-functions.txt") functions of OVS's lib/$o.c defined by libovsrpc.a"
done

# 4. Coexistence with OVS's objects in an archive after libovsrpc.a.
rm -f "$build/libovs-part.a"
ar rcs "$build/libovs-part.a" "$build/ovs-json.o" "$build/ovs-hmap-orig.o" \
    "$build/ovs-shash-orig.o" "$build/ovs-hash-orig.o"
$CC $ovs_cflags -Wall -Werror -c -o "$build/json-coexist.o" \
    "$here/json-coexist.c"
$CC -o "$build/json-coexist" "$build/json-coexist.o" "$lib" \
    "$build/libovs-part.a" -Wl,-Map="$build/json-coexist.map" $LIBS
pulled=$(grep -o 'libovs-part\.a(ovs-[a-z]*\(-orig\)\?\.o)' \
             "$build/json-coexist.map" | sort -u | tr '\n' ' ')
if [ "$pulled" != "libovs-part.a(ovs-hash-orig.o) " ]; then
    echo "json-coexist: pulled from OVS's archive: ${pulled:-nothing}" >&2
    echo "(expected only ovs-hash-orig.o)" >&2
    exit 1
fi
echo "json-coexist: linked ahead of OVS's json.o, shash.o, hmap.o, hash.o: only hash.o pulled"
"$build/json-coexist"

# 5. OVS's test-json.c.  It is copied next to its object so that its
# #include "..." finds the harness, not OVS's tests/ovstest.h.
cp "$src/tests/test-json.c" "$build/test-json.c"
echo "$CC -Iinclude -Itests/c/ovs -c test-json.c (OVS 3.1, unmodified)"
$CC $CFLAGS -Wall -Werror=implicit-function-declaration \
    -Werror=int-conversion -Werror=incompatible-pointer-types \
    -I"$top/include" -I"$here" -c -o "$build/test-json.o" "$build/test-json.c"
$CC $CFLAGS -Wall -I"$top/include" -I"$here" -c -o "$build/harness.o" \
    "$here/harness.c"
$CC -o "$build/ovstest" "$build/harness.o" "$build/test-json.o" "$lib" $LIBS
"$PYTHON3" "$here/run-at.py" --reals-as-numbers "$build/ovstest" \
    "$src/tests/json.at"
