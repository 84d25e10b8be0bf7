# ovsrpc: see README.md.
#   make          builds libovsrpc.a and the ovstest driver
#   make demo     the main job: one session over three servers survives a kill
#   make check    every test
#   make bench    the benchmarks

CARGO ?= cargo
PREFIX ?= /usr/local
RELEASE_DIR := target/release
LIB := $(RELEASE_DIR)/libovsrpc.a
OVSTEST := $(RELEASE_DIR)/ovstest

.PHONY: all lib check rust-check demo bench clean examples

all: lib

lib:
	$(CARGO) build --release --lib --bins --examples

check: lib header-check examples-c rust-check c-check ovs-api ovs-tests ovs-syntax install-check

examples: lib examples-c

# Every Rust test (unit, integration, doc), built with optimizations so the
# large-message and load tests stay quick. tests/fuzz_corpus.rs among them
# replays fuzz/corpus/* through the fuzz targets' checks.
rust-check:
	$(CARGO) test --release --all-targets
	$(CARGO) test --release --doc

demo: lib
	$(RELEASE_DIR)/examples/demo

bench: lib
	$(CARGO) bench

clean:
	$(CARGO) clean
	rm -rf tests/c/build

# C ABI: header generation, C tests under valgrind, install.
include mk/capi.mk
