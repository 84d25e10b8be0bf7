#!/bin/sh
# Coexistence with OVS's own library: links objects compiled by OVS's build
# (tests/ovstest.o, test-jsonrpc.o, test-reconnect.o, test-json.o, built
# with OVS's headers) with libovsrpc.a BEFORE libopenvswitch.a from the same
# OVS 3.1 tarball, then checks that
#
#   1. the link has no duplicate symbol (an OVS object pulled in for a
#      function ovsrpc lacks would bring its own copies of ovsrpc's);
#   2. the link map shows that every JSON, JSON-RPC, stream, reconnect,
#      poll-loop, time and svec function that ovsrpc defines and the
#      program uses comes from libovsrpc.a, and which OVS objects of those
#      modules (json.o, jsonrpc.o, stream*.o, reconnect.o, poll-loop.o,
#      timeval.o, svec.o) were pulled in, and by which symbol;
#   3. the linked program passes the C cases of OVS's jsonrpc.at and
#      reconnect.at (OVS's code, compiled against OVS's headers, running
#      on ovsrpc).
#
# OVS is configured and built once under target/ovs/build (ovs-tree.sh;
# several minutes on first use).  Usage: check-ovs.sh LIBOVSRPC.A
set -e

top=$(cd "$(dirname "$0")/../../.." && pwd)
lib=${1:-$top/target/release/libovsrpc.a}
case $lib in /*) ;; *) lib=$top/$lib ;; esac
src=$("$top/tests/c/ovs/ovs-tree.sh" build)
build=$top/target/ovs/build
out=$top/target/ovs/mixed
CC=${CC:-gcc}
LIBS="-lssl -lcrypto -latomic -lgcc_s -lutil -lrt -lpthread -lm -ldl -lc"

objs="tests/ovstest.o tests/test-jsonrpc.o tests/test-reconnect.o tests/test-json.o"
(cd "$build" && nice make -s $objs >/dev/null)
mkdir -p "$out"
set --
for o in $objs; do
    set -- "$@" "$build/$o"
done
ovslib=$build/lib/.libs/libopenvswitch.a
status=0

echo "linking $objs with libovsrpc.a before libopenvswitch.a"
if $CC -o "$out/ovstest" "$@" "$lib" "$ovslib" $LIBS > "$out/link.log" 2>&1; then
    echo "link: no duplicate symbols"
else
    status=1
    n=$(grep -o "multiple definition of \`[^']*'" "$out/link.log" | sort -u | wc -l)
    echo "link: FAILED, $n duplicate symbols:"
    grep -o "multiple definition of \`[^']*'" "$out/link.log" | sort -u \
        | sed "s/multiple definition of \`\(.*\)'/\1/" | tr '\n' ' ' | fold -s -w 76 \
        | sed 's/^/    /'
    echo
    grep -v "multiple definition\|first defined here\|collect2" "$out/link.log" \
        | head -5 | sed 's/^/    /'
fi

# The map (allowing duplicates, so that a failed link still shows where
# each symbol came from).
$CC -o "$out/ovstest-map" "$@" "$lib" "$ovslib" $LIBS \
    -Wl,-Map="$out/ovstest.map" -Wl,--cref -Wl,--allow-multiple-definition \
    > /dev/null 2>&1

echo "OVS objects of the replaced modules pulled into the link (and why):"
pulled=$(sed -n '/^Archive member included/,/^Discarded input sections/p' "$out/ovstest.map" \
    | awk '/^[^ ]/ {member=$0; next}
           member ~ /libopenvswitch\.a\((json|jsonrpc|stream[-a-z]*|reconnect|poll-loop|timeval|svec)\.o\)/ {
               sub(/.*\(/, "", member); sub(/\)$/, "", member);
               gsub(/^ +/, ""); n = split($0, f, " ");
               print "    " member " for " f[n]; member = "" }')
if [ -n "$pulled" ]; then
    echo "$pulled"
    status=1
else
    echo "    none"
fi

# Where each function of the replaced modules that ovsrpc defines comes
# from: the first file --cref lists for a symbol is where it is defined.
nm -g --defined-only "$lib" 2>/dev/null | awk '$2 == "T" {print $3}' \
    | grep -E '^(json_|jsonrpc_|stream_|pstream_|reconnect_|poll_|time_|timeval_|timespec_|xgettimeofday|xclock_gettime|strftime_msec|localtime_msec|gmtime_msec|nsec_to_timespec|get_cpu_usage|timewarp_run|svec_)' \
    | sort -u > "$out/ovsrpc-functions"
awk '/^Cross Reference Table/ {t = 1; next}
     t && /^[^ ]/ && NF >= 2 {print $1, $2}' "$out/ovstest.map" \
    | sort > "$out/definers"
used=0
from_ovsrpc=0
others=
while read -r sym file; do
    if grep -Fqx "$sym" "$out/ovsrpc-functions"; then
        used=$((used + 1))
        case $file in
            *libovsrpc.a*) from_ovsrpc=$((from_ovsrpc + 1)) ;;
            *) others="$others $sym(${file##*/})" ;;
        esac
    fi
done < "$out/definers"
echo "functions of those modules in the link that ovsrpc defines: $used," \
     "$from_ovsrpc defined by libovsrpc.a"
if [ -n "$others" ]; then
    echo "    defined elsewhere:$others"
    status=1
fi
for sym in jsonrpc_open jsonrpc_session_open stream_open pstream_accept \
           reconnect_run poll_block time_msec json_to_string; do
    line=$(grep "^$sym " "$out/definers" || true)
    [ -n "$line" ] && echo "    $sym <- ${line#* }" | sed "s|$top/||"
done

if [ $status = 0 ]; then
    for at in jsonrpc.at reconnect.at; do
        /usr/bin/python3 "$top/tests/c/ovs/run-at.py" "$out/ovstest" \
            "$src/tests/$at" | tail -1 || status=1
    done
fi
exit $status
