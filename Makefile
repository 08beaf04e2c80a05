# ckpt: build, test, install.
#
#   make            build/ckpt and build/libckpt.a
#   make demo       install what is missing, build, inspect a generated example model
#   make check      install what is missing, build, run every test (also under ASan+UBSan)
#   make install PREFIX=/usr/local
#   make fuzz       run the libFuzzer harnesses for a while (FUZZ_SECONDS each)
#   make bench      speed against the peers; writes bench/RESULTS.md

PREFIX ?= /usr/local
CC ?= cc
PYTHON ?= python3
NODE ?= node
FUZZ_CC ?= clang
# The sanitizer build uses gcc and libgomp: LeakSanitizer's exit-time scan can
# crash on the helper threads of LLVM's OpenMP runtime.
SAN_CC ?= gcc
FUZZ_SECONDS ?= 300
CHECK_FUZZ_SECONDS ?= 20

PKGS := jansson libxxhash libcrypto
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS = $(shell pkg-config --libs $(PKGS) 2>/dev/null || echo -ljansson -lxxhash -lcrypto)

CFLAGS ?= -O2 -g
WARN := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wvla
ALL_CFLAGS := -std=c11 -D_GNU_SOURCE -fopenmp $(WARN) -Iinclude -Isrc -Iformats $(PKG_CFLAGS) $(CFLAGS) -MMD -MP
LDLIBS := -fopenmp $(PKG_LIBS) -llapacke -lopenblas -lm

SAN_FLAGS := -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer

LIB_SRC := $(wildcard src/io/*.c src/core/*.c formats/*.c src/ops/*.c)
CLI_SRC := $(wildcard src/cli/*.c)
UNIT_SRC := $(wildcard tests/unit/test_*.c)
FUZZ_SRC := $(wildcard tests/fuzz/fuzz_*.c)

B := build
LIB_OBJ := $(LIB_SRC:%.c=$(B)/obj/%.o)
CLI_OBJ := $(CLI_SRC:%.c=$(B)/obj/%.o)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(B)/tests/%)
SAN_LIB_OBJ := $(LIB_SRC:%.c=$(B)/asan/obj/%.o)
SAN_CLI_OBJ := $(CLI_SRC:%.c=$(B)/asan/obj/%.o)
SAN_UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(B)/asan/tests/%)
FUZZ_BIN := $(FUZZ_SRC:tests/fuzz/%.c=$(B)/fuzz/%)

DEB_PACKAGES := build-essential pkg-config zlib1g-dev libxxhash-dev libssl-dev libjansson-dev \
	libcmocka-dev clang libclang-rt-dev libomp-dev libopenblas-dev liblapacke-dev python3 xxhash

.PHONY: all deps demo check test test-asan fuzz fuzz-check install uninstall bench clean
.DELETE_ON_ERROR:

all: $(B)/ckpt $(B)/libckpt.a $(B)/ckpt.1

# ----- dependencies: Debian packages, installed only when missing -----
deps:
	@missing=""; \
	for p in $(DEB_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; \
	done; \
	if ! command -v node >/dev/null || ! command -v npm >/dev/null; then missing="$$missing nodejs npm"; fi; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  if [ "$$(id -u)" -ne 0 ]; then echo "run as root, or: sudo apt-get install$$missing" >&2; exit 2; fi; \
	  DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	fi

# ----- build -----
$(B)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

$(B)/libckpt.a: $(LIB_OBJ)
	@mkdir -p $(@D)
	rm -f $@
	ar rcs $@ $^

$(B)/ckpt: $(CLI_OBJ) $(B)/libckpt.a
	$(CC) $(CFLAGS) -o $@ $(CLI_OBJ) $(B)/libckpt.a $(LDLIBS)

# The man page carries the rules table of rules.def.
$(B)/ckpt.1: src/cli/ckpt.1.in include/ckpt/rules.def include/ckpt/ckpt.h src/cli/gen_man.py
	@mkdir -p $(@D)
	$(PYTHON) src/cli/gen_man.py src/cli/ckpt.1.in include/ckpt/rules.def include/ckpt/ckpt.h $@

$(B)/tests/%: tests/unit/%.c $(B)/libckpt.a
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -Itests/unit -o $@ $< $(B)/libckpt.a $(LDLIBS) -lcmocka

# The sanitizer build: the same sources with ASan and UBSan.
$(B)/asan/obj/%.o: %.c
	@mkdir -p $(@D)
	$(SAN_CC) $(ALL_CFLAGS) $(SAN_FLAGS) -c $< -o $@

$(B)/asan/libckpt.a: $(SAN_LIB_OBJ)
	rm -f $@
	ar rcs $@ $^

$(B)/asan/ckpt: $(SAN_CLI_OBJ) $(B)/asan/libckpt.a
	$(SAN_CC) $(SAN_FLAGS) -o $@ $(SAN_CLI_OBJ) $(B)/asan/libckpt.a $(LDLIBS)

$(B)/asan/tests/%: tests/unit/%.c $(B)/asan/libckpt.a
	@mkdir -p $(@D)
	$(SAN_CC) $(ALL_CFLAGS) $(SAN_FLAGS) -Itests/unit -o $@ $< $(B)/asan/libckpt.a $(LDLIBS) -lcmocka

$(B)/fuzz/%: tests/fuzz/%.c $(LIB_SRC)
	@mkdir -p $(@D)
	$(FUZZ_CC) -std=c11 -D_GNU_SOURCE -fopenmp -Iinclude -Isrc -Iformats $(PKG_CFLAGS) -O1 -g \
	  -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -o $@ $< $(LIB_SRC) $(LDLIBS)

# ----- tests -----
FIXTURES := $(B)/fixtures
MALFORMED := $(B)/malformed

$(FIXTURES)/expect.json: tests/gen/fixtures.py tests/gen/modelio.py
	rm -rf $(FIXTURES)
	$(PYTHON) tests/gen/fixtures.py $(FIXTURES)

PAIRS := $(B)/pairs

$(PAIRS)/pairs.json: tests/gen/diff_pairs.py tests/gen/fixtures.py tests/gen/modelio.py
	rm -rf $(PAIRS)
	$(PYTHON) tests/gen/diff_pairs.py $(PAIRS)

CONVERT := $(B)/convert

$(CONVERT)/expect.json: tests/gen/convert_models.py tests/gen/modelio.py
	rm -rf $(CONVERT)
	$(PYTHON) tests/gen/convert_models.py $(CONVERT)

LINT := $(B)/lint

$(LINT)/expect.json: tests/gen/lint_models.py tests/gen/fixtures.py tests/gen/modelio.py
	rm -rf $(LINT)
	$(PYTHON) tests/gen/lint_models.py $(LINT)

$(MALFORMED)/cases.json: tests/malformed/make_malformed.py
	rm -rf $(MALFORMED)
	$(PYTHON) tests/malformed/make_malformed.py $(MALFORMED)

tests/peer/node_modules/.package-lock.json: tests/peer/package-lock.json
	cd tests/peer && npm ci --no-audit --no-fund --loglevel=error

# The suite against one build: BIN is the folder with ckpt and tests/.
define run_suite
	@echo "== unit tests ($(1))"
	@set -e; for t in $(UNIT_SRC:tests/unit/%.c=%); do $(1)/tests/$$t $(FIXTURES) testdata/corpus; done
	@echo "== fixtures ($(1))"
	$(PYTHON) tests/scripts/check_fixtures.py $(1)/ckpt $(FIXTURES)
	@echo "== malformed inputs ($(1))"
	$(PYTHON) tests/scripts/check_malformed.py $(1)/ckpt $(MALFORMED)
	@echo "== reference corpus ($(1))"
	$(PYTHON) tests/scripts/check_corpus.py $(1)/ckpt testdata/corpus
	@echo "== statistics against the corpus, and determinism ($(1))"
	$(PYTHON) tests/scripts/check_stats.py $(1)/ckpt testdata/corpus $(FIXTURES)
	@echo "== hash and verify ($(1))"
	$(PYTHON) tests/scripts/check_integrity.py $(1)/ckpt $(FIXTURES) testdata/corpus
	@echo "== diff ($(1))"
	$(PYTHON) tests/scripts/check_diff.py $(1)/ckpt $(PAIRS)
	@echo "== convert ($(1))"
	$(PYTHON) tests/scripts/check_convert.py $(1)/ckpt $(CONVERT) testdata/corpus
	@echo "== lint ($(1))"
	$(PYTHON) tests/scripts/check_lint.py $(1)/ckpt $(LINT) $(MALFORMED)
	@echo "== the rules table of the README"
	$(PYTHON) src/cli/gen_man.py --readme README.md include/ckpt/rules.def --check
	@echo "== command line ($(1))"
	$(PYTHON) tests/scripts/check_cli.py $(1)/ckpt $(FIXTURES)
endef

test: all $(UNIT_BIN) $(FIXTURES)/expect.json $(MALFORMED)/cases.json $(PAIRS)/pairs.json $(CONVERT)/expect.json $(LINT)/expect.json tests/peer/node_modules/.package-lock.json
	$(call run_suite,$(B))
	@echo "== peer: @huggingface/gguf"
	$(NODE) tests/peer/peer_check.mjs $(B)/ckpt $(FIXTURES) testdata/corpus

test-asan: $(B)/asan/ckpt $(SAN_UNIT_BIN) $(FIXTURES)/expect.json $(MALFORMED)/cases.json $(PAIRS)/pairs.json $(CONVERT)/expect.json $(LINT)/expect.json
	$(call run_suite,$(B)/asan)

fuzz-check: $(FUZZ_BIN)
	@set -e; for f in $(FUZZ_BIN); do \
	  n=$$(basename $$f); mkdir -p $(B)/fuzz/corpus-$$n; \
	  echo "== fuzz $$n for $(CHECK_FUZZ_SECONDS)s"; \
	  if ! $$f -max_total_time=$(CHECK_FUZZ_SECONDS) -max_len=65536 -print_final_stats=1 \
	    -artifact_prefix=$(B)/fuzz/ $(B)/fuzz/corpus-$$n tests/fuzz/corpus/$${n#fuzz_} \
	    >$(B)/fuzz/$$n.log 2>&1; then tail -40 $(B)/fuzz/$$n.log; exit 1; fi; \
	  grep -E "stat::number_of_executed_units" $(B)/fuzz/$$n.log; \
	done

fuzz: $(FUZZ_BIN)
	@set -e; for f in $(FUZZ_BIN); do \
	  n=$$(basename $$f); mkdir -p $(B)/fuzz/corpus-$$n; \
	  $$f -max_total_time=$(FUZZ_SECONDS) -max_len=65536 -print_final_stats=1 -artifact_prefix=$(B)/fuzz/ \
	    $(B)/fuzz/corpus-$$n tests/fuzz/corpus/$${n#fuzz_}; \
	done

check: deps
	$(MAKE) test
	$(MAKE) test-asan
	$(MAKE) fuzz-check
	@echo "== all tests passed"

# ----- demo -----
demo: deps all
	$(PYTHON) tests/gen/demo.py $(B)/demo
	$(B)/ckpt inspect $(B)/demo/tiny-llama-Q8_0.gguf

# ----- install -----
install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib $(DESTDIR)$(PREFIX)/include/ckpt \
	  $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 755 $(B)/ckpt $(DESTDIR)$(PREFIX)/bin/ckpt
	install -m 644 $(B)/libckpt.a $(DESTDIR)$(PREFIX)/lib/libckpt.a
	install -m 644 include/ckpt/*.h include/ckpt/*.def $(DESTDIR)$(PREFIX)/include/ckpt/
	install -m 644 $(B)/ckpt.1 $(DESTDIR)$(PREFIX)/share/man/man1/ckpt.1

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/ckpt $(DESTDIR)$(PREFIX)/lib/libckpt.a \
	  $(DESTDIR)$(PREFIX)/share/man/man1/ckpt.1
	rm -rf $(DESTDIR)$(PREFIX)/include/ckpt

# ----- bench -----
bench: all tests/peer/node_modules/.package-lock.json
	bash bench/bench_inspect.sh
	bash bench/bench_stats.sh
	bash bench/bench_hash.sh
	bash bench/bench_diff.sh
	bash bench/bench_convert.sh

clean:
	rm -rf $(B)

-include $(LIB_OBJ:.o=.d) $(CLI_OBJ:.o=.d) $(SAN_LIB_OBJ:.o=.d) $(SAN_CLI_OBJ:.o=.d) \
  $(UNIT_BIN:=.d) $(SAN_UNIT_BIN:=.d)
