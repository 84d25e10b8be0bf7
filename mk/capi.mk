# mk/capi.mk: the C side of ovsrpc, included by the Makefile.
#
# Uses CARGO, PREFIX and LIB (target/release/libovsrpc.a) from the Makefile,
# and its `lib` target (cargo build --release) to build the static library.
#
#   make header        regenerate include/ovsrpc.h with cbindgen
#   make header-check  fail if the committed include/ovsrpc.h is stale
#   make c-tests       build the C tests (tests/c/) with -Wall -Wextra -Werror
#   make c-check       run them under valgrind (leaks and errors fail)
#   make ovs-json-tests  OVS 3.1's test-json.c and json.at against libovsrpc.a
#   make examples-c    build examples/c_client and examples/c_server
#   make install       install the library, the headers and ovsrpc.pc
#                      under PREFIX (DESTDIR is honoured)
#   make install-check install into a scratch prefix, build the C examples
#                      with `cc $(pkg-config --cflags --libs ovsrpc)` and
#                      run the client against the server

CBINDGEN ?= cbindgen
OVSTEST ?= target/release/ovstest
CC ?= cc
VALGRIND ?= valgrind
VALGRIND_FLAGS ?= --quiet --leak-check=full --errors-for-leak-kinds=definite,indirect \
	--show-leak-kinds=definite,indirect --error-exitcode=1
C_WARNINGS := -Wall -Wextra -Werror
C_CFLAGS ?= -g -O1
# What a Rust static library needs from the system (rustc
# --print native-static-libs).
C_LIBS := -lgcc_s -lutil -lrt -lpthread -lm -ldl -lc

C_BUILD := tests/c/build
C_TESTS := $(C_BUILD)/test-reconnect $(C_BUILD)/test-json $(C_BUILD)/test-shash \
	$(C_BUILD)/test-jsonrpc $(C_BUILD)/test-dropin $(C_BUILD)/test-session-options \
	$(C_BUILD)/test-ssl $(C_BUILD)/test-abort
C_HEADERS := include/ovsrpc.h include/jsonrpc.h include/reconnect.h \
	include/stream.h include/stream-ssl.h include/timeval.h include/svec.h \
	include/openvswitch/json.h include/openvswitch/poll-loop.h \
	include/openvswitch/shash.h include/openvswitch/hmap.h \
	include/openvswitch/dynamic-string.h
RECONNECT_SCRIPTS := $(wildcard tests/scripts/*.reconnect)

.PHONY: header header-check c-tests c-check examples-c install uninstall install-check

header:
	$(CBINDGEN) --quiet --config cbindgen.toml --output include/ovsrpc.h lib/capi/mod.rs

header-check:
	@tmp=$$(mktemp) && \
	$(CBINDGEN) --quiet --config cbindgen.toml --output $$tmp lib/capi/mod.rs && \
	if cmp -s $$tmp include/ovsrpc.h; then \
	    rm -f $$tmp; echo "include/ovsrpc.h is up to date"; \
	else \
	    diff -u include/ovsrpc.h $$tmp | head -40; rm -f $$tmp; \
	    echo "include/ovsrpc.h is stale: run 'make header' and commit it" >&2; \
	    exit 1; \
	fi
	@# ovsrpc.h includes the hand-written OVS headers and then declares
	@# every extern function of lib/capi again: a prototype of theirs that
	@# disagrees with Rust's is a compile error here.
	$(CC) -std=gnu11 $(C_WARNINGS) -fsyntax-only -Iinclude -x c include/ovsrpc.h

# OVS's JSON tests against the JSON model (tests/c/ovs/run-json-at.sh):
# the layout of struct json, shash, hmap and ds against OVS 3.1's own
# headers, then OVS 3.1's tests/test-json.c, unmodified, linked with
# libovsrpc.a alone, through the C cases of OVS's tests/json.at.  Part of
# `make check`.
PYTHON3 ?= /usr/bin/python3
.PHONY: ovs-json-tests
check: ovs-json-tests
ovs-json-tests: $(LIB) $(C_HEADERS)
	CC="$(CC)" CFLAGS="$(C_CFLAGS)" LIBS="$(C_LIBS)" PYTHON3="$(PYTHON3)" \
	    tests/c/ovs/run-json-at.sh $(LIB) $(C_BUILD)/ovs-json

# `lib` (cargo) decides whether the library changes; the empty recipe makes
# make look at its time stamp again afterwards.
$(LIB): lib
	@:

$(C_BUILD)/%: tests/c/%.c tests/c/check.h $(C_HEADERS) $(LIB)
	@mkdir -p $(C_BUILD)
	$(CC) $(C_WARNINGS) $(C_CFLAGS) -Iinclude -o $@ $< $(LIB) $(C_LIBS)

c-tests: $(C_TESTS)

# Each C test under valgrind.  The reconnect driver runs every script of
# tests/scripts and must reproduce byte for byte both the expected
# transcript and what `ovstest test-reconnect` prints.
c-check: c-tests
	@set -e; for script in $(RECONNECT_SCRIPTS); do \
	    expected=$${script%.reconnect}.expected; \
	    $(VALGRIND) $(VALGRIND_FLAGS) $(C_BUILD)/test-reconnect \
	        < $$script > $(C_BUILD)/reconnect.out; \
	    $(OVSTEST) test-reconnect < $$script > $(C_BUILD)/reconnect.ovstest; \
	    for want in $$expected $(C_BUILD)/reconnect.ovstest; do \
	        if ! cmp -s $(C_BUILD)/reconnect.out $$want; then \
	            diff -u $$want $(C_BUILD)/reconnect.out | head -40; \
	            echo "test-reconnect: $$script: differs from $$want" >&2; \
	            exit 1; \
	        fi; \
	    done; \
	    echo "test-reconnect $$(basename $$script): ok"; \
	done
	$(VALGRIND) $(VALGRIND_FLAGS) $(C_BUILD)/test-json
	$(VALGRIND) $(VALGRIND_FLAGS) $(C_BUILD)/test-shash
	$(VALGRIND) $(VALGRIND_FLAGS) $(C_BUILD)/test-jsonrpc
	$(VALGRIND) $(VALGRIND_FLAGS) $(C_BUILD)/test-session-options
	$(VALGRIND) $(VALGRIND_FLAGS) $(C_BUILD)/test-dropin
	rm -rf $(C_BUILD)/pki && tests/c/make-pki.sh $(C_BUILD)/pki
	$(VALGRIND) $(VALGRIND_FLAGS) --suppressions=tests/c/valgrind-ring.supp \
	    $(C_BUILD)/test-ssl $(C_BUILD)/pki
	@# A panic must abort (SIGABRT: status 134) with a message, not unwind.
	@status=0; $(C_BUILD)/test-abort 2> $(C_BUILD)/abort.err || status=$$?; \
	if [ $$status -ne 134 ] \
	   || ! grep -q 'ovsrpc: json_integer: panic: ' $(C_BUILD)/abort.err; then \
	    cat $(C_BUILD)/abort.err; \
	    echo "test-abort: exit status $$status, expected an abort" >&2; \
	    exit 1; \
	fi; \
	echo "test-abort: aborted as expected: $$(grep '^ovsrpc:' $(C_BUILD)/abort.err)"

examples-c: $(LIB) $(C_HEADERS)
	@mkdir -p $(C_BUILD)
	$(CC) $(C_WARNINGS) $(C_CFLAGS) -Iinclude -o $(C_BUILD)/c_server examples/c_server.c $(LIB) $(C_LIBS)
	$(CC) $(C_WARNINGS) $(C_CFLAGS) -Iinclude -o $(C_BUILD)/c_client examples/c_client.c $(LIB) $(C_LIBS)

# Headers go to PREFIX/include/ovsrpc (their OVS names, such as stream.h,
# are too generic for PREFIX/include); ovsrpc.pc points the compiler there.
INCLUDEDIR = $(PREFIX)/include/ovsrpc
LIBDIR = $(PREFIX)/lib
PKGCONFIGDIR = $(LIBDIR)/pkgconfig

install: $(LIB)
	install -d $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCLUDEDIR)/openvswitch $(DESTDIR)$(PKGCONFIGDIR)
	install -m 644 $(LIB) $(DESTDIR)$(LIBDIR)/libovsrpc.a
	install -m 644 include/ovsrpc.h include/jsonrpc.h include/reconnect.h \
	    include/stream.h include/stream-ssl.h include/timeval.h include/svec.h \
	    $(DESTDIR)$(INCLUDEDIR)/
	install -m 644 include/openvswitch/json.h include/openvswitch/poll-loop.h \
	    include/openvswitch/shash.h include/openvswitch/hmap.h \
	    include/openvswitch/dynamic-string.h \
	    $(DESTDIR)$(INCLUDEDIR)/openvswitch/
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@LIBDIR@|$(LIBDIR)|g' \
	    -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|g' -e 's|@LIBS@|$(C_LIBS)|g' \
	    -e "s|@VERSION@|$$(sed -n 's/^version = \"\(.*\)\"/\1/p' Cargo.toml | head -1)|g" \
	    ovsrpc.pc.in > $(DESTDIR)$(PKGCONFIGDIR)/ovsrpc.pc

uninstall:
	rm -f $(DESTDIR)$(LIBDIR)/libovsrpc.a $(DESTDIR)$(PKGCONFIGDIR)/ovsrpc.pc
	rm -rf $(DESTDIR)$(INCLUDEDIR)

# The installed library as a user sees it: pkg-config finds it, the examples
# build with nothing but its flags, and the client talks to the server.
INSTALL_CHECK_PREFIX := $(CURDIR)/$(C_BUILD)/prefix
install-check: $(LIB)
	rm -rf $(INSTALL_CHECK_PREFIX)
	$(MAKE) --no-print-directory -f $(firstword $(MAKEFILE_LIST)) install PREFIX=$(INSTALL_CHECK_PREFIX) DESTDIR=
	@set -e; export PKG_CONFIG_PATH=$(INSTALL_CHECK_PREFIX)/lib/pkgconfig; \
	for x in c_server c_client; do \
	    echo "cc -o $(C_BUILD)/$$x-installed examples/$$x.c $$(pkg-config --cflags --libs ovsrpc)"; \
	    $(CC) $(C_WARNINGS) -o $(C_BUILD)/$$x-installed examples/$$x.c \
	        $$(pkg-config --cflags --libs ovsrpc); \
	done; \
	dir=$$(mktemp -d); \
	$(C_BUILD)/c_server-installed punix:$$dir/echo.sock > $$dir/server.log & \
	server=$$!; \
	status=0; \
	$(C_BUILD)/c_client-installed -n 3 --shutdown unix:$$dir/echo.sock \
	    || { status=$$?; kill $$server; }; \
	wait $$server || status=$$?; \
	rm -rf $$dir; \
	exit $$status

# OVS's own test programs against ovsrpc (see tests/c/ovs/): OVS 3.1's
# tests/test-jsonrpc.c and test-reconnect.c, unmodified, built against
# include/ and the harness of tests/c/ovs/ (OVS's test scaffolding:
# ovstest.h, util.h, command-line.h, daemon.h, ...), linked with
# libovsrpc.a alone, then the C cases of OVS's jsonrpc.at and reconnect.at
# run against them.  The sources come from the openvswitch-source tarball,
# unpacked once under target/ovs by tests/c/ovs/ovs-tree.sh.  The programs
# are copied next to their objects first, so that their #include "..."
# finds the harness rather than OVS's own tests/ovstest.h beside them.
# Without the tarball these targets are skipped, except under CI=true
# (OVS_AVAILABLE).
# Reals are compared by value (--reals-as-numbers): ovsrpc writes the
# shortest form that reads back the same double, OVS writes %.17g.
OVS_TEST_BUILD := $(C_BUILD)/ovs
OVS_AVAILABLE = s=0; tests/c/ovs/ovs-tree.sh available || s=$$?; \
	if [ $$s = 77 ]; then exit 0; elif [ $$s != 0 ]; then exit $$s; fi
OVS_TEST_PROGRAMS := test-jsonrpc test-reconnect
OVS_AT_FILES := jsonrpc.at reconnect.at
OVS_HARNESS := $(wildcard tests/c/ovs/*.h tests/c/ovs/openvswitch/*.h) tests/c/ovs/harness.c
PYTHON3 ?= /usr/bin/python3

.PHONY: ovs-tests
ovs-tests: $(LIB) $(C_HEADERS) $(OVS_HARNESS)
	@$(OVS_AVAILABLE); \
	set -e; src=$$(tests/c/ovs/ovs-tree.sh unpack); \
	mkdir -p $(OVS_TEST_BUILD); \
	objs=$(OVS_TEST_BUILD)/harness.o; \
	$(CC) $(C_CFLAGS) $(C_WARNINGS) -Iinclude -Itests/c/ovs -c \
	    -o $(OVS_TEST_BUILD)/harness.o tests/c/ovs/harness.c; \
	for p in $(OVS_TEST_PROGRAMS); do \
	    cp $$src/tests/$$p.c $(OVS_TEST_BUILD)/$$p.c; \
	    echo "$(CC) -Iinclude -Itests/c/ovs -c $$p.c (OVS 3.1, unmodified)"; \
	    $(CC) $(C_CFLAGS) -Wall -Werror=implicit-function-declaration \
	        -Werror=int-conversion -Werror=incompatible-pointer-types \
	        -Iinclude -Itests/c/ovs -c -o $(OVS_TEST_BUILD)/$$p.o \
	        $(OVS_TEST_BUILD)/$$p.c; \
	    objs="$$objs $(OVS_TEST_BUILD)/$$p.o"; \
	done; \
	$(CC) -o $(OVS_TEST_BUILD)/ovstest $$objs $(LIB) $(C_LIBS); \
	for at in $(OVS_AT_FILES); do \
	    $(PYTHON3) tests/c/ovs/run-at.py --reals-as-numbers \
	        $(OVS_TEST_BUILD)/ovstest $$src/tests/$$at; \
	done

# OVS's own users of the JSON-RPC stack (ovsdb-cs, ovsdb-idl, unixctl,
# ovsdb-client, the ovsdb JSON-RPC server, raft-rpc, ovs-appctl,
# test-ovsdb), compiled with gcc -fsyntax-only against include/ in place
# of OVS's headers of the same names (tests/c/ovs/syntax-check.sh).
.PHONY: ovs-syntax
ovs-syntax: $(C_HEADERS)
	@$(OVS_AVAILABLE); tests/c/ovs/syntax-check.sh

# Not part of `make check` (builds OVS once, several minutes): OVS's own
# objects linked with libovsrpc.a ahead of OVS's libopenvswitch.a must link
# without duplicate symbols, take every JSON, JSON-RPC, stream, reconnect,
# poll-loop and time function from ovsrpc, and pass OVS's jsonrpc.at and
# reconnect.at (tests/c/ovs/check-ovs.sh).
.PHONY: check-ovs
check-ovs: $(LIB)
	@$(OVS_AVAILABLE); tests/c/ovs/check-ovs.sh $(LIB)

# Every function, macro, enumerator and struct of OVS's headers that
# include/ replaces is declared there with OVS's type (and layout) and
# defined in libovsrpc.a (tests/c/ovs/api-check.py, against OVS 3.1's
# headers from the tarball).
OVS_API_HEADERS := lib/jsonrpc.h lib/reconnect.h lib/stream.h lib/stream-ssl.h \
	include/openvswitch/poll-loop.h lib/timeval.h lib/svec.h \
	include/openvswitch/json.h include/openvswitch/shash.h \
	include/openvswitch/hmap.h
.PHONY: ovs-api
ovs-api: $(LIB) $(C_HEADERS)
	@$(OVS_AVAILABLE); tests/c/ovs/ovs-tree.sh configure > /dev/null; \
	$(PYTHON3) tests/c/ovs/api-check.py $(LIB) $(OVS_API_HEADERS)
