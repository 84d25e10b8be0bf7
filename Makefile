# ovsrpc: see README.md.  `make` builds libovsrpc.a, `make check` runs every
# test, `make demo` runs the main job, `make bench` the benchmarks.

CARGO ?= cargo
PREFIX ?= /usr/local
RELEASE_DIR := target/release
LIB := $(RELEASE_DIR)/libovsrpc.a
OVSTEST := $(RELEASE_DIR)/ovstest

.PHONY: all lib check test demo bench header install examples clean

all: lib

lib:
	$(CARGO) build --release --lib --bins

$(OVSTEST): lib

check: lib
	$(CARGO) test --release --all-targets
	$(CARGO) test --release --doc

demo: lib
	$(OVSTEST) test-reconnect < tests/scripts/demo.reconnect

bench:
	$(CARGO) bench

clean:
	$(CARGO) clean
