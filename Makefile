# ivory: the extension (PGXS, C++17), the CLI, and the tests.
#
#   make            build the extension and the CLI
#   make install    install both (the CLI into $(CLI_BINDIR), its man page into $(CLI_MANDIR))
#   make test       on a fresh Debian 12 machine: install what is missing,
#                   build, install, and run every test layer on throwaway clusters
#   make test LAYERS="unit regress"  only those layers, of: rules unit regress
#                   integration (clusters start only for regress and integration)
#   make test SCRIPTS=test/integration_check.sh  only those integration scripts
#                   (paths from the repository root; implies LAYERS=integration)
#   make installcheck  the pg_regress suite (REGRESS, from test/regress_schedule)
#                   against running servers, after make install; it needs
#                   IVORY_SOURCE, IVORY_SOURCE_HOST, IVORY_SOURCE_PORT,
#                   IVORY_TARGET_HOST, IVORY_TARGET_PORT and says what is unset.
#                   make test runs this same suite on its throwaway clusters
#   make unit       GoogleTest unit tests only (no server needed)
#   make test-versions  ivory against every supported PostgreSQL version:
#                   targets 15, 17, 18, 19 and sources 12-18 (test/run_versions.sh)
#   make test-package  build the Debian packages, install them, run the installed
#                   command against the installed extension (as root)
#   make demo       from a fresh machine to a running replication on throwaway
#                   clusters (make demo-stop removes them)

EXTENSION = ivory
MODULE_big = ivory
# One version, from the control file, for the library and the CLI. The
# scripts: the first released version's, and one per update from it on (a new
# database gets the first version, then each update in turn).
IVORY_VERSION := $(shell sed -n "s/^default_version = '\(.*\)'/\1/p" ivory.control)
DATA = $(wildcard ivory--*.sql)
# src/core (pure C++, no server headers) is built once, as a static library
# that the extension and the CLI both link.
EXTENSION_SOURCES = $(wildcard src/*.cpp src/pg/*.cpp src/remote/*.cpp)
OBJS = $(EXTENSION_SOURCES:.cpp=.o)
CORE_LIBRARY = build/libivory_core.a

PG_CONFIG ?= pg_config
# `make test SCRIPTS=...` names integration scripts. To PGXS, SCRIPTS are
# files to install into the server's bin directory: kept apart, then emptied.
IVORY_TEST_SCRIPTS := $(SCRIPTS)
override SCRIPTS :=
CLI_BINDIR ?= /usr/local/bin
CLI_MANDIR ?= /usr/local/share/man/man1
OUR_WARNINGS = -Wall -Wextra -Werror

PGXS := $(shell $(PG_CONFIG) --pgxs 2>/dev/null)
PG_INCLUDEDIR := $(shell $(PG_CONFIG) --includedir 2>/dev/null)
PG_INCLUDEDIR_SERVER := $(shell $(PG_CONFIG) --includedir-server 2>/dev/null)

# Server headers as system headers: -Wextra is for our code, not theirs.
PG_CPPFLAGS = -isystem $(PG_INCLUDEDIR_SERVER) -I$(PG_INCLUDEDIR) -DIVORY_VERSION='"$(IVORY_VERSION)"'
PG_CXXFLAGS = -std=c++17 $(OUR_WARNINGS)
SHLIB_LINK = $(CORE_LIBRARY) -lpq -lstdc++

# No LLVM bitcode: the JIT gains nothing from this extension, and it would need clang.
override with_llvm = no
# Rebuild objects whose headers changed (dependency files in .deps/).
override autodepend = yes

# make installcheck (PGXS): the tests of test/regress_schedule in its order, in
# the database ivory_regress (made anew) of the target server, as postgres.
REGRESS := $(shell sed -n 's/^test: *//p' test/regress_schedule)
override CONTRIB_TESTDB = ivory_regress
REGRESS_OPTS = --user=postgres --host=$(IVORY_TARGET_HOST) --port=$(IVORY_TARGET_PORT)

ifneq ($(wildcard $(PGXS)),)
include $(PGXS)
$(shlib): $(CORE_LIBRARY)
else
# Without the server headers only `make test` (which installs them) can run.
all:
	@echo "PostgreSQL server headers not found: run 'make test' (installs them) or install postgresql-server-dev-15" >&2
	@exit 1
endif

CXX ?= g++
# -fPIC: the core's objects also go into the extension's shared library.
STANDALONE_CXXFLAGS = -std=c++17 -O2 -g -fPIC $(OUR_WARNINGS) -DIVORY_VERSION='"$(IVORY_VERSION)"'

# The CLI: libpq, header-only CLI11 and the core, nothing of the server.
# Objects go to build/ so the unit tests link the same ones (CLI11 is slow to
# compile).
CLI_SOURCES = $(wildcard cli/*.cpp)
CLI_HEADERS = $(wildcard cli/*.hpp)
CLI_OBJECTS = $(patsubst %.cpp,build/%.o,$(CLI_SOURCES))
CORE_SOURCES = $(wildcard src/core/*.cpp)
CORE_HEADERS = $(wildcard src/core/*.hpp)
CORE_OBJECTS = $(patsubst %.cpp,build/%.o,$(CORE_SOURCES))
UNIT_TEST_SOURCES = $(wildcard test/unit/*_test.cpp)

build/%.o: %.cpp
	@mkdir -p $(dir $@)
	$(CXX) $(STANDALONE_CXXFLAGS) -I$(PG_INCLUDEDIR) -I$(GENERATED_DIR) -MMD -MP -c $< -o $@

# The server's keywords that an identifier must be quoted for (every category
# but unreserved, as the server's quote_ident decides), read from its own
# parser/kwlist.h: the core quotes by the rules of the server it is built for.
GENERATED_DIR = build/generated
$(GENERATED_DIR)/sql_keywords.inc: $(PG_INCLUDEDIR_SERVER)/parser/kwlist.h
	@mkdir -p $(dir $@)
	sed -n 's/^PG_KEYWORD("\([a-z_]*\)", [A-Z_0-9]*, \([A-Z_]*\),.*/\2 \1/p' $< | \
		sed -n 's/^\(RESERVED\|COL_NAME\|TYPE_FUNC_NAME\)_KEYWORD \(.*\)/"\2",/p' >$@.tmp
	test -s $@.tmp && mv $@.tmp $@
build/src/core/quote.o build-asan/src/core/quote.o build-fuzz/src/core/quote.o: \
	$(GENERATED_DIR)/sql_keywords.inc

-include $(wildcard build/cli/*.d build/src/core/*.d build/test/unit/*.d)

# The version comes in as -DIVORY_VERSION: a new default_version rebuilds
# whatever is compiled with it.
$(CLI_OBJECTS) $(CORE_OBJECTS) $(OBJS): ivory.control

$(CORE_LIBRARY): $(CORE_OBJECTS)
	rm -f $@
	$(AR) rcs $@ $^

cli/ivory: $(CLI_OBJECTS) $(CORE_LIBRARY)
	$(CXX) $(STANDALONE_CXXFLAGS) $^ -lpq -o $@

all: cli/ivory doc/ivory.1

# INSTALL_CLI=no: the extension alone (the Debian package of the extension).
INSTALL_CLI ?= yes
ifeq ($(INSTALL_CLI),yes)
install: install-cli install-man
endif
.PHONY: install-cli install-man
install-cli: cli/ivory
	install -d $(DESTDIR)$(CLI_BINDIR)
	install -m 755 cli/ivory $(DESTDIR)$(CLI_BINDIR)/ivory

# The man page, made by help2man from the command's own --help texts.
doc/ivory.1: cli/ivory doc/make_man.sh
	doc/make_man.sh cli/ivory $@

install-man: doc/ivory.1
	install -d $(DESTDIR)$(CLI_MANDIR)
	install -m 644 doc/ivory.1 $(DESTDIR)$(CLI_MANDIR)/ivory.1

# Unit tests: the pure C++ of the extension (src/core) and of the CLI.
UNIT_OBJECTS = $(patsubst %.cpp,build/%.o,$(UNIT_TEST_SOURCES)) \
               $(filter-out build/cli/main.o,$(CLI_OBJECTS)) $(CORE_LIBRARY)

test/unit/unit_tests: $(UNIT_OBJECTS)
	$(CXX) $(STANDALONE_CXXFLAGS) $^ -lgtest -lgtest_main -pthread -lpq -o $@

# A TCP server that accepts and never answers, for the statement_timeout test.
test/silent_server: test/silent_server.cpp
	$(CXX) $(STANDALONE_CXXFLAGS) $< -o $@

.PHONY: unit test demo demo-stop
unit: test/unit/unit_tests
	test/unit/unit_tests

test:
	test/run_tests.sh

# make test LAYERS=... SCRIPTS=...: to test/run_tests.sh, only when set.
ifdef LAYERS
test: export IVORY_LAYERS = $(LAYERS)
else ifneq ($(IVORY_TEST_SCRIPTS),)
test: export IVORY_LAYERS = integration
endif
ifneq ($(IVORY_TEST_SCRIPTS),)
test: export IVORY_INTEGRATION_SCRIPTS = $(IVORY_TEST_SCRIPTS)
endif

# make installcheck: the servers of the suite, from the environment.
INSTALLCHECK_ENVIRONMENT = IVORY_SOURCE IVORY_SOURCE_HOST IVORY_SOURCE_PORT IVORY_TARGET_HOST IVORY_TARGET_PORT
INSTALLCHECK_UNSET = $(strip $(foreach v,$(INSTALLCHECK_ENVIRONMENT),$(if $($(v)),,$(v))))
installcheck: installcheck-environment
.PHONY: installcheck-environment
installcheck-environment:
	@if [ -z "$(wildcard $(PGXS))" ]; then \
	    echo "make installcheck needs PGXS: install postgresql-server-dev-15 (make test does)" >&2; \
	    exit 1; \
	fi
	@if [ -n "$(INSTALLCHECK_UNSET)" ]; then \
	    echo "make installcheck: set $(INSTALLCHECK_UNSET)" >&2; \
	    echo "  The suite runs, after make install, in the database ivory_regress (made anew)" >&2; \
	    echo "  of the target server IVORY_TARGET_HOST:IVORY_TARGET_PORT as postgres, and reaches" >&2; \
	    echo "  the source through IVORY_SOURCE (a connection string to its database" >&2; \
	    echo "  ivory_regress), IVORY_SOURCE_HOST and IVORY_SOURCE_PORT. The source is set up as" >&2; \
	    echo "  test/run_tests.sh sets up its own (wal_level = logical; pg_hba: postgres trust," >&2; \
	    echo "  others scram-sha-256), with the database ivory_regress and" >&2; \
	    echo "  CREATE ROLE ivory_tester LOGIN SUPERUSER PASSWORD 'right-Secret-42'. For example:" >&2; \
	    echo "    IVORY_SOURCE='host=/tmp port=5432 user=postgres dbname=ivory_regress' \\" >&2; \
	    echo "    IVORY_SOURCE_HOST=/tmp IVORY_SOURCE_PORT=5432 IVORY_TARGET_HOST=/tmp IVORY_TARGET_PORT=5433 \\" >&2; \
	    echo "    make installcheck" >&2; \
	    echo "  make test runs the same suite on throwaway clusters." >&2; \
	    exit 1; \
	fi

demo:
	demo/run.sh

demo-stop:
	demo/stop.sh

clean: clean-ivory
.PHONY: clean-ivory
clean-ivory:
	rm -f cli/ivory doc/ivory.1 test/unit/unit_tests test/silent_server
	rm -rf build .deps
	rm -rf results regression.diffs regression.out

# --- Sanitizers, valgrind and fuzzing ----------------------------------------
#   make test-asan      the unit tests and the CLI integration tests with the
#                       CLI built with ASan+UBSan (LeakSanitizer on), plus
#                       valgrind on the normal CLI (test/run_asan.sh)
#   make test-valgrind  valgrind on the normal CLI alone
#   make fuzz           the libFuzzer targets of test/fuzz, FUZZ_SECONDS each
# Everything sanitized is built under build-asan/ and build-fuzz/, apart from
# build/ and cli/ivory. The extension itself is not sanitized.
SANITIZE_FLAGS = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
# GCC's maybe-uninitialized warns falsely (in <regex>) under the sanitizers.
ASAN_CXXFLAGS = -std=c++17 -O1 -g $(OUR_WARNINGS) -Wno-maybe-uninitialized $(SANITIZE_FLAGS) -DIVORY_VERSION='"$(IVORY_VERSION)"'
ASAN_UNIT_OBJECTS = $(patsubst build/%,build-asan/%,$(UNIT_OBJECTS))

build-asan/%.o: %.cpp
	@mkdir -p $(dir $@)
	$(CXX) $(ASAN_CXXFLAGS) -I$(PG_INCLUDEDIR) -I$(GENERATED_DIR) -MMD -MP -c $< -o $@

build-asan/libivory_core.a: $(patsubst build/%,build-asan/%,$(CORE_OBJECTS))
	rm -f $@
	$(AR) rcs $@ $^

build-asan/cli/ivory: $(patsubst build/%,build-asan/%,$(CLI_OBJECTS)) build-asan/libivory_core.a
	$(CXX) $(ASAN_CXXFLAGS) $^ -lpq -o $@

build-asan/test/unit/unit_tests: $(ASAN_UNIT_OBJECTS)
	$(CXX) $(ASAN_CXXFLAGS) $^ -lgtest -lgtest_main -pthread -lpq -o $@

FUZZ_CXX ?= clang++-14
FUZZ_SECONDS ?= 60
FUZZ_CXXFLAGS = -std=c++17 -O1 -g -Wall -Wextra -fno-omit-frame-pointer -fno-sanitize-recover=all \
                -DIVORY_VERSION='"$(IVORY_VERSION)"'
FUZZ_SANITIZE = address,undefined
FUZZERS = $(patsubst test/fuzz/%.cpp,build-fuzz/%,$(wildcard test/fuzz/*_fuzzer.cpp))
# The code under test: src/core and the CLI without its main().
FUZZ_OBJECTS = $(patsubst %.cpp,build-fuzz/%.o,$(CORE_SOURCES) $(filter-out cli/main.cpp,$(CLI_SOURCES)))

build-fuzz/%.o: %.cpp
	@mkdir -p $(dir $@)
	$(FUZZ_CXX) $(FUZZ_CXXFLAGS) -fsanitize=fuzzer-no-link,$(FUZZ_SANITIZE) -I$(PG_INCLUDEDIR) -I$(GENERATED_DIR) -I. -MMD -MP -c $< -o $@

build-fuzz/%_fuzzer: build-fuzz/test/fuzz/%_fuzzer.o $(FUZZ_OBJECTS)
	$(FUZZ_CXX) $(FUZZ_CXXFLAGS) -fsanitize=fuzzer,$(FUZZ_SANITIZE) $^ -lpq -o $@

-include $(wildcard build-asan/cli/*.d build-asan/src/core/*.d build-asan/test/unit/*.d)
-include $(wildcard build-fuzz/cli/*.d build-fuzz/src/core/*.d build-fuzz/test/fuzz/*.d)

.PHONY: test-asan test-valgrind test-faults fuzz fuzz-build
# Servers stopped at the worst moments, and the 2,000-table scale test.
# Builds the Debian packages, installs them and runs the installed command
# against the installed extension (as root; removes the packages at the end).
.PHONY: test-package
test-package:
	test/package_test.sh

test-faults:
	IVORY_LAYERS=integration IVORY_INTEGRATION_SCRIPTS="$(wildcard test/fault_*.sh test/scale_*.sh)" \
		test/run_tests.sh

# Every supported PostgreSQL version: builds ivory for targets 17, 18 and 19
# (servers built once into a cache outside the clone), runs the whole suite on
# the newest and pg_regress on the others, and the migration matrix of sources
# 12-18 (test/run_versions.sh; IVORY_TARGET_VERSIONS, IVORY_SOURCE_VERSIONS).
.PHONY: test-versions
test-versions:
	test/run_versions.sh

# Benchmarks, not tests (bench/run): make install, then both data sets on
# throwaway clusters, each figure beside its alternative; a Markdown table.
.PHONY: bench
bench:
	bench/run

test-asan:
	test/run_asan.sh

test-valgrind:
	IVORY_LAYERS=integration IVORY_INTEGRATION_SCRIPTS=test/valgrind_cli.sh test/run_tests.sh

fuzz-build: $(FUZZERS)

fuzz:
	FUZZ_SECONDS=$(FUZZ_SECONDS) test/fuzz/run.sh

clean: clean-sanitized
.PHONY: clean-sanitized
clean-sanitized:
	rm -rf build-asan build-fuzz
