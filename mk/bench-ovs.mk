# mk/bench-ovs.mk: ovsrpc against OVS's own C library, in one run.
# Included by the Makefile after mk/capi.mk (uses LIB, C_LIBS and
# OVS_AVAILABLE from there).
#
#   make bench-ovs   builds OVS 3.1 once (tests/c/ovs/ovs-tree.sh, cached
#                    under target/ovs), builds benches/ovs/bench-ovs.c, a
#                    benchmark written to OVS's API, twice: against OVS's
#                    headers and libopenvswitch.a, and against include/ and
#                    libovsrpc.a; then runs the two alternately, round after
#                    round (benches/ovs/run.py), and prints ratios
#                    ovsrpc:OVS with their targets.  About a minute, plus
#                    OVS's build the first time.
#
# BENCH_OVS_ROUNDS (default 5) and BENCH_OVS_RUN_MS (default 400) shorten
# or lengthen the run.  Without the openvswitch-source tarball the target
# is skipped, except under CI=true.

BENCH_OVS_BUILD := target/bench-ovs
BENCH_OVS_CFLAGS ?= -O2 -g
# What OVS's library needs from the system: the -l flags libtool recorded
# for libopenvswitch.la (-lssl -lcrypto -latomic -lm as ovs-tree.sh
# configures it), plus the threads and clock libraries.
OVS_LIBS = $$(sed -n "s/^dependency_libs='\(.*\)'/\1/p" \
	$$build/lib/libopenvswitch.la | tr ' ' '\n' | grep '^-l' | tr '\n' ' ') \
	-lpthread -lrt

.PHONY: bench-ovs
bench-ovs: $(LIB)
	@$(OVS_AVAILABLE); \
	set -e; src=$$(tests/c/ovs/ovs-tree.sh build); \
	build=target/ovs/build; \
	mkdir -p $(BENCH_OVS_BUILD); \
	echo "cc bench-ovs.c against OVS 3.1's headers + libopenvswitch.a" \
	    "$(OVS_LIBS)"; \
	$(CC) $(BENCH_OVS_CFLAGS) $(C_WARNINGS) -include $$build/config.h \
	    -I$$build/include -I$$src/include -I$$build/lib -I$$src/lib -I$$build \
	    -o $(BENCH_OVS_BUILD)/bench-ovs-ovs benches/ovs/bench-ovs.c \
	    $$build/lib/.libs/libopenvswitch.a $(OVS_LIBS); \
	echo "cc bench-ovs.c against include/ + libovsrpc.a"; \
	$(CC) $(BENCH_OVS_CFLAGS) $(C_WARNINGS) -Iinclude \
	    -o $(BENCH_OVS_BUILD)/bench-ovs-ovsrpc benches/ovs/bench-ovs.c \
	    $(LIB) $(C_LIBS); \
	$(PYTHON3) benches/ovs/run.py $(BENCH_OVS_BUILD)/bench-ovs-ovs \
	    $(BENCH_OVS_BUILD)/bench-ovs-ovsrpc

# make check compiles the benchmark against include/ too, so that a header
# change that would break `make bench-ovs` shows at once.
.PHONY: bench-ovs-syntax
check: bench-ovs-syntax
bench-ovs-syntax: $(C_HEADERS)
	$(CC) $(C_WARNINGS) -Iinclude -fsyntax-only benches/ovs/bench-ovs.c
